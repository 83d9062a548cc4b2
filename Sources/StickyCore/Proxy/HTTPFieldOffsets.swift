import NIOCore

/// Where one header field line of a parsed head lies in the head's bytes: offsets relative to the head buffer's
/// reader index (so `bytes.getBytes(at: bytes.readerIndex + Int(nameStart), ...)`).
///
/// The name is `nameStart..<nameEnd` (`nameEnd` is the colon's offset); the value is `valueStart..<valueEnd`,
/// without leading or trailing SP/HTAB (empty when `valueStart == valueEnd`). ``UpstreamResponseParser`` and
/// ``ClientRequestParser`` record one per field line, so that a head costs no `String` per header.
struct HTTPFieldOffsets: Equatable {
    var nameStart: Int32
    var nameEnd: Int32
    var valueStart: Int32
    var valueEnd: Int32

    /// The name's length in bytes.
    var nameLength: Int { Int(self.nameEnd - self.nameStart) }
    /// The value's length in bytes.
    var valueLength: Int { Int(self.valueEnd - self.valueStart) }
}

// MARK: - Reading fields out of a head

extension HTTPFieldOffsets {
    /// The values of every field in `fields` named `name` (ASCII case-insensitive), in order, decoded as UTF-8
    /// Strings. `bytes` is the head the offsets are relative to.
    static func values(of name: String, in fields: [HTTPFieldOffsets], of bytes: ByteBuffer) -> [String] {
        var values: [String] = []
        bytes.withUnsafeReadableBytes { bytes in
            for field in fields
            where Self.name(bytes[Int(field.nameStart)..<Int(field.nameEnd)], equalsIgnoringCase: name) {
                values.append(String(decoding: bytes[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self))
            }
        }
        return values
    }

    /// Calls body with each field's name bytes and value bytes, in order. The pointers are valid only during the
    /// call.
    static func forEach(
        in fields: [HTTPFieldOffsets],
        of bytes: ByteBuffer,
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void
    ) {
        bytes.withUnsafeReadableBytes { bytes in
            for field in fields {
                body(
                    UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)]),
                    UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
                )
            }
        }
    }

    /// Whether `bytes` spell `name`, ASCII letters compared without case.
    private static func name(_ bytes: Slice<UnsafeRawBufferPointer>, equalsIgnoringCase name: String) -> Bool {
        var index = bytes.startIndex
        for wanted in name.utf8 {
            guard index < bytes.endIndex, Self.lowercased(bytes[index]) == Self.lowercased(wanted) else {
                return false
            }
            index += 1
        }
        return index == bytes.endIndex
    }

    /// `byte` with an ASCII upper-case letter made lower-case.
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }
}
