import NIOCore

/// The head a backend gets for a client's request, written straight from the bytes the client sent.
///
/// The request line keeps the client's method and target and says HTTP/1.1. The header lines are copied as they
/// came, without the hop-by-hop headers and the ones `Connection` names (RFC 9110 §7.6.1): in one write of the whole
/// head when the parser's marks tell which lines those are and the client sent no `Expect` or `X-Forwarded-*`
/// header and asks for no upgrade (the common case, `Connection: keep-alive` included); otherwise line by line, also
/// without `Expect` (the proxy answers `100-continue` itself once a backend is connected). Then the proxy's own
/// lines: the `Connection` and `Upgrade` of a WebSocket-style handshake, `Transfer-Encoding: chunked` for a chunked
/// body, and `X-Forwarded-For`, `-Proto` and `-Host`, each appended to the client's own list when it sent one.
enum UpstreamRequestHead {
    /// Writes the backend's head for `head`.
    ///
    /// - Parameters:
    ///   - clientAddress: the client's IP address for `X-Forwarded-For` (`unknown` when there is none).
    ///   - upgrade: keep the handshake's `Upgrade` token so that it reaches the backend.
    static func write(
        _ head: ClientRequestHead,
        clientAddress: String?,
        upgrade: Bool,
        into buffer: inout ByteBuffer
    ) {
        let address = clientAddress ?? "unknown"
        let rewritten = upgrade || !head.hopByHop.marksAreComplete || head.hasExpect || head.hasForwardedFor
            || head.hasForwardedProto || head.hasForwardedHost
        guard rewritten else {
            Self.writeCopied(head, address: address, into: &buffer)
            return
        }
        head.bytes.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[0..<Int(head.targetEnd)]))
            buffer.writeStaticString(" HTTP/1.1\r\n")
            Self.writeRewrittenFields(head, address: address, bytes: bytes, into: &buffer)
            if upgrade, let index = head.upgradeField {
                buffer.writeStaticString("connection: upgrade\r\nupgrade: ")
                buffer.writeBytes(UnsafeRawBufferPointer(HeaderRewriter.value(of: head.fields[index], in: bytes)))
                buffer.writeStaticString("\r\n")
            }
            if head.isChunked {
                buffer.writeStaticString("transfer-encoding: chunked\r\n")
            }
            if !head.hasForwardedFor {
                buffer.writeStaticString("x-forwarded-for: ")
                buffer.writeString(address)
                buffer.writeStaticString("\r\n")
            }
            if !head.hasForwardedProto {
                buffer.writeStaticString("x-forwarded-proto: http\r\n")
            }
            if !head.hasForwardedHost, let index = head.hostField {
                HeaderRewriter.writeLine(
                    UnsafeBufferPointer(
                        start: Self.forwardedHost.utf8Start,
                        count: Self.forwardedHost.utf8CodeUnitCount
                    ),
                    HeaderRewriter.value(of: head.fields[index], in: bytes),
                    into: &buffer
                )
            }
        }
        buffer.writeStaticString("\r\n")
    }

    private static let forwardedHost: StaticString = "x-forwarded-host"

    /// The common case, in one write: the client's field lines as they came, but for the hop-by-hop ones its parser
    /// marked (nothing else to drop or extend), then `Transfer-Encoding: chunked` for a chunked body and the
    /// forwarding headers.
    private static func writeCopied(_ head: ClientRequestHead, address: String, into buffer: inout ByteBuffer) {
        let version: StaticString = " HTTP/1.1\r\n"
        let transferEncoding: StaticString = "transfer-encoding: chunked\r\n"
        let forwardedFor: StaticString = "x-forwarded-for: "
        let forwardedProto: StaticString = "\r\nx-forwarded-proto: http\r\n"
        let forwardedHost: StaticString = "x-forwarded-host: "
        head.bytes.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let requestLine = UnsafeRawBufferPointer(rebasing: raw[0..<Int(head.targetEnd)])
            let fields = HeaderRewriter.fieldLines(head.fields, in: bytes)
            let host = head.hostField.map {
                UnsafeRawBufferPointer(HeaderRewriter.value(of: head.fields[$0], in: bytes))
            }
            var size = requestLine.count + version.utf8CodeUnitCount + fields.count + forwardedFor.utf8CodeUnitCount
            size += address.utf8.count + forwardedProto.utf8CodeUnitCount + 2
            if head.isChunked {
                size += transferEncoding.utf8CodeUnitCount
            }
            if let host {
                size += forwardedHost.utf8CodeUnitCount + host.count + 2
            }
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { output in
                var writer = HeadByteWriter(output)
                writer.write(requestLine)
                writer.write(version)
                HeaderRewriter.writeFieldLines(head.fields, of: raw, block: fields, dropping: head.hopByHop,
                    into: &writer)
                if head.isChunked {
                    writer.write(transferEncoding)
                }
                writer.write(forwardedFor)
                writer.write(address)
                writer.write(forwardedProto)
                if let host {
                    writer.write(forwardedHost)
                    writer.write(host)
                    writer.write("\r\n")
                }
                writer.write("\r\n")
                return writer.offset
            }
        }
    }

    /// The header lines one by one: hop-by-hop ones and `Expect` out; the client's own address, `http` and host
    /// appended to the last line of its `X-Forwarded-For`, `-Proto` and `-Host` lists.
    private static func writeRewrittenFields(
        _ head: ClientRequestHead,
        address: String,
        bytes: UnsafeBufferPointer<UInt8>,
        into buffer: inout ByteBuffer
    ) {
        let named = HeaderRewriter.namesListedInConnection(head.fields, in: bytes)
        var lastForwardedFor = -1
        var lastForwardedProto = -1
        var lastForwardedHost = -1
        for (index, field) in head.fields.enumerated() {
            switch HeaderRewriter.kind(of: HeaderRewriter.name(of: field, in: bytes)) {
            case .forwardedFor: lastForwardedFor = index
            case .forwardedProto: lastForwardedProto = index
            case .forwardedHost: lastForwardedHost = index
            default: break
            }
        }
        for (index, field) in head.fields.enumerated() {
            let name = HeaderRewriter.name(of: field, in: bytes)
            if HeaderRewriter.isHopByHop(name, named: named, in: bytes) { continue }
            if HeaderRewriter.kind(of: name) == .expect { continue }
            buffer.writeBytes(UnsafeRawBufferPointer(name))
            buffer.writeStaticString(": ")
            buffer.writeBytes(UnsafeRawBufferPointer(HeaderRewriter.value(of: field, in: bytes)))
            switch index {
            case lastForwardedFor:
                buffer.writeStaticString(", ")
                buffer.writeString(address)
            case lastForwardedProto:
                buffer.writeStaticString(", http")
            case lastForwardedHost:
                if let host = head.hostField {
                    buffer.writeStaticString(", ")
                    buffer.writeBytes(UnsafeRawBufferPointer(HeaderRewriter.value(of: head.fields[host], in: bytes)))
                }
            default:
                break
            }
            buffer.writeStaticString("\r\n")
        }
    }
}
