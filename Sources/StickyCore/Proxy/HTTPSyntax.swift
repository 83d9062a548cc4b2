/// The byte-level grammar of HTTP/1.1 messages (RFC 9110, RFC 9112) that ``UpstreamResponseParser`` and
/// ``ClientRequestParser`` share: byte classes, start lines, field lines, field values, chunk-size lines.
///
/// Every function works on a pointer and integer offsets and inlines into its caller's loop; none allocates.
enum HTTPSyntax {
    static var cr: UInt8 { UInt8(ascii: "\r") }
    static var lf: UInt8 { UInt8(ascii: "\n") }
    static var space: UInt8 { UInt8(ascii: " ") }
    static var tab: UInt8 { UInt8(ascii: "\t") }
    static var colon: UInt8 { UInt8(ascii: ":") }
    static var comma: UInt8 { UInt8(ascii: ",") }
    static var semicolon: UInt8 { UInt8(ascii: ";") }

    /// The tchars (RFC 9110 §5.6.2) among 0x00–0x3F: ! # $ % & ' * + - . and digits, one bit per byte value.
    private static var tokenBitsLow: UInt64 { 0x03ff_6cfa_0000_0000 }
    /// The tchars among 0x40–0x7F: letters, ^ _ ` | ~, one bit per byte value minus 0x40.
    private static var tokenBitsHigh: UInt64 { 0x57ff_ffff_c7ff_fffe }

    /// Whether `byte` may be part of a token (a field name, a method).
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        if byte < 64 {
            return (Self.tokenBitsLow >> UInt64(byte)) & 1 != 0
        }
        if byte < 128 {
            return (Self.tokenBitsHigh >> UInt64(byte &- 64)) & 1 != 0
        }
        return false
    }

    /// Whether `byte` may be part of a field value or a reason phrase: HTAB, SP, VCHAR, obs-text.
    @inline(__always)
    static func isTextByte(_ byte: UInt8) -> Bool {
        byte == Self.tab || (byte >= Self.space && byte != 0x7F)
    }

    /// Whether `byte` may be part of a request target: VCHAR or obs-text (no SP, no CTL, no DEL).
    @inline(__always)
    static func isTargetByte(_ byte: UInt8) -> Bool {
        byte > Self.space && byte != 0x7F
    }

    /// Whether `byte` is SP or HTAB.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == Self.space || byte == Self.tab
    }

    /// The first LF in `from..<end`, if any.
    @inline(__always)
    static func indexOfLineFeed(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        var index = from
        while index < end {
            if bytes[index] == Self.lf {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Whether `bytes[start..<end]` equal `lowercased` with ASCII letters compared without case.
    ///
    /// `lowercased` holds only lower-case letters, digits and `-`, and `bytes` only text bytes (no CTL): or-ing 0x20
    /// then maps exactly the two cases of each letter onto it, and digits and `-` only onto themselves (the other
    /// bytes that would, 0x10–0x19 and CR, are CTLs).
    @inline(__always)
    static func equalsLowercased(
        _ bytes: UnsafeRawBufferPointer,
        _ start: Int,
        _ end: Int,
        _ lowercased: StaticString
    ) -> Bool {
        let count = lowercased.utf8CodeUnitCount
        guard end - start == count else {
            return false
        }
        let expected = lowercased.utf8Start
        var offset = 0
        while offset < count {
            if bytes[start + offset] | 0x20 != expected[offset] {
                return false
            }
            offset += 1
        }
        return true
    }

    /// Whether `bytes[start..<end]` are exactly `text`, byte for byte.
    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard end - start == count else {
            return false
        }
        let expected = text.utf8Start
        var offset = 0
        while offset < count {
            if bytes[start + offset] != expected[offset] {
                return false
            }
            offset += 1
        }
        return true
    }

    /// The value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte &- UInt8(ascii: "A") &+ 10)
        default: return nil
        }
    }

    /// The size in a chunk-size line at offset 0 that ends with the LF at `lineFeed`, or nil when the line is
    /// malformed: 1–16 hex digits (fitting an `Int`), then either CRLF or optional SP/HTAB, `;` and extension text,
    /// CRLF.
    static func chunkSize(_ bytes: UnsafeRawBufferPointer, lineFeedAt lineFeed: Int) -> Int? {
        guard lineFeed > 0, bytes[lineFeed - 1] == Self.cr else {
            return nil
        }
        let end = lineFeed - 1
        var index = 0
        var size: UInt64 = 0
        while index < end, let digit = Self.hexValue(bytes[index]) {
            guard index < 16 else {
                return nil
            }
            size = size << 4 | digit
            index += 1
        }
        guard index > 0, size <= UInt64(Int.max) else {
            return nil
        }
        if index < end {
            while index < end && Self.isWhitespace(bytes[index]) {
                index += 1
            }
            guard index < end, bytes[index] == Self.semicolon else {
                return nil
            }
            index += 1
            while index < end {
                guard Self.isTextByte(bytes[index]) else {
                    return nil
                }
                index += 1
            }
        }
        return Int(size)
    }
}
