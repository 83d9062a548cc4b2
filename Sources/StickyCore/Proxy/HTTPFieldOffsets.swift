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
        var name = name
        return name.withUTF8 { name in
            Self.values(in: fields, of: bytes) { HeaderName.equal($0, name) }
        }
    }

    /// The values of every field in `fields` of `kind`, in order, decoded as UTF-8 Strings: what the proxy reads
    /// (`Cookie`, `Set-Cookie`), told apart the way the parser told them apart, by length first.
    static func values(of kind: HTTPFieldKind, in fields: [HTTPFieldOffsets], of bytes: ByteBuffer) -> [String] {
        Self.values(in: fields, of: bytes) { HTTPFieldKind(UnsafeRawBufferPointer($0), 0, $0.count) == kind }
    }

    private static func values(
        in fields: [HTTPFieldOffsets],
        of bytes: ByteBuffer,
        where isWanted: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> [String] {
        var values: [String] = []
        bytes.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            for field in fields
            where isWanted(UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])) {
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
}
