/// Header names compared as HTTP compares them (RFC 9110 §5.1): ASCII, case-insensitively, byte by byte, with no
/// lowercased copies. For names known only at run time (those a `Connection` header lists, a name a caller asks
/// for); the parsers tell the names they know apart with ``HTTPFieldKind``.
enum HeaderName {
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
