/// Header names compared as HTTP compares them (RFC 9110 §5.1): ASCII, case-insensitively, byte by byte, with no
/// lowercased copies. Shared by ``HeaderRewriter`` and ``HTTPLimits``, which look at every header of every request.
enum HeaderName {
    /// Whether `name` is `lowercase` (an ASCII name written in lowercase), in any case.
    static func matches(_ name: String, _ lowercase: StaticString) -> Bool {
        var name = name
        return name.withUTF8 { Self.matches($0, lowercase) }
    }

    /// Whether the bytes of `name` are `lowercase` (an ASCII name written in lowercase), in any case.
    static func matches(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { Self.equal(name, $0) }
    }

    /// Whether two names are equal, ignoring ASCII case.
    static func equal(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where Self.folded(lhs[index]) != Self.folded(rhs[index]) {
            return false
        }
        return true
    }

    private static func folded(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }
}
