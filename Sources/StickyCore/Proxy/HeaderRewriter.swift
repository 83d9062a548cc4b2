import NIOCore

/// What the proxy changes in message heads as they cross it: hop-by-hop headers out (RFC 9110 §7.6.1), forwarding
/// headers in. ``UpstreamRequestHead`` and ``ClientResponseHead`` write the heads; these are the rules they share.
///
/// Both work on the bytes a parser left in place (``ClientRequestParser``, ``UpstreamResponseParser``), which
/// already noted whether a head carries any hop-by-hop header at all; only one that does is filtered, field by
/// field. Names compare as ASCII, case-insensitively, byte by byte, by length first, with no lowercased copies.
enum HeaderRewriter {
    /// Whether `name` is one of the hop-by-hop headers the proxy always drops.
    static func isHopByHop(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.kind(of: name).isHopByHop
    }

    /// What `name` is to the proxy.
    static func kind(of name: UnsafeBufferPointer<UInt8>) -> HTTPFieldKind {
        HTTPFieldKind(UnsafeRawBufferPointer(name), 0, name.count)
    }
}

extension HeaderRewriter {
    typealias Field = UpstreamResponseHead.Field

    /// The name of `field` in `bytes`.
    static func name(of field: Field, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
    }

    /// The value of `field` in `bytes`.
    static func value(of field: Field, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
    }

    /// The offsets of every field line of a head, from the first name to the CRLF that ends the last line (optional
    /// whitespace may sit between the last value and it): the block to copy when nothing in it changes.
    static func fieldLines(_ fields: [Field], in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard let first = fields.first, let last = fields.last else { return 0..<0 }
        var end = Int(last.valueEnd)
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return Int(first.nameStart)..<min(end + 1, bytes.count)
    }

    /// Copies the field lines in `block` (``fieldLines(_:in:)``) as they came, except those `hopByHop` marks, into
    /// `writer`: kept lines that follow each other go in one copy. Only for a head whose marks are complete
    /// (``HopByHopFields/marksAreComplete``).
    static func writeFieldLines(
        _ fields: [Field],
        of bytes: UnsafeRawBufferPointer,
        block: Range<Int>,
        dropping hopByHop: HopByHopFields,
        into writer: inout HeadByteWriter
    ) {
        var kept = block.lowerBound
        if hopByHop.any {
            for index in fields.indices where hopByHop.contains(index) {
                writer.write(UnsafeRawBufferPointer(rebasing: bytes[kept..<Int(fields[index].nameStart)]))
                kept = index + 1 < fields.count ? Int(fields[index + 1].nameStart) : block.upperBound
            }
        }
        writer.write(UnsafeRawBufferPointer(rebasing: bytes[kept..<block.upperBound]))
    }

    /// The offsets of the header names that the `Connection` headers list (other than `close` and the hop-by-hop
    /// ones, which go anyway): those headers are hop-by-hop too.
    static func namesListedInConnection(_ fields: [Field], in bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        let raw = UnsafeRawBufferPointer(bytes)
        var named: [Range<Int>] = []
        for field in fields where Self.kind(of: Self.name(of: field, in: bytes)) == .connection {
            var tokens = HTTPSyntax.ListElements(raw, field)
            while let (start, end) = tokens.next() {
                guard !HTTPFieldKind(raw, start, end).isHopByHop, !HTTPSyntax.equalsLowercased(raw, start, end, "close")
                else { continue }
                named.append(start..<end)
            }
        }
        return named
    }

    /// Whether `name` is hop-by-hop: one of those the proxy always drops, or one that `Connection` lists (`named`,
    /// offsets into `bytes`).
    static func isHopByHop(
        _ name: UnsafeBufferPointer<UInt8>,
        named: [Range<Int>],
        in bytes: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        Self.isHopByHop(name) || named.contains { HeaderName.equal(name, UnsafeBufferPointer(rebasing: bytes[$0])) }
    }

    /// Writes `name: value` CRLF.
    static func writeLine(
        _ name: UnsafeBufferPointer<UInt8>,
        _ value: UnsafeBufferPointer<UInt8>,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeBytes(UnsafeRawBufferPointer(name))
        buffer.writeStaticString(": ")
        buffer.writeBytes(UnsafeRawBufferPointer(value))
        buffer.writeStaticString("\r\n")
    }
}
