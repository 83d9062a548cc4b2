/// Stops the fuzzer when `condition` is false, naming the rule that broke.
///
/// libFuzzer treats the trap as a crash and saves the input as an artifact. Unlike `precondition`, `fatalError` keeps
/// its message in an optimized build, so the artifact comes with the rule it broke.
@inlinable
public func invariant(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() {
        fatalError("invariant broken: \(message())", file: file, line: line)
    }
}

/// Whether two pieces of text have the same UTF-8 bytes (`String ==` also equates canonically equivalent text).
@inlinable
public func sameBytes(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
    a.utf8.elementsEqual(b.utf8)
}

/// The fuzzer's input as text, decoded the way a header value is (invalid UTF-8 repaired to U+FFFD).
@inlinable
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
    guard let data, size > 0 else { return "" }
    return String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
}
