import NIOCore
import NIOHTTP1

/// The head a client gets for a backend's response, written straight from the bytes the backend sent.
///
/// The status line takes the client's HTTP version. The header lines are copied as they came, without the hop-by-hop
/// headers and the ones `Connection` names (RFC 9110 §7.6.1): in one write of the whole head when the parser's marks
/// tell which lines those are (the common case, `Connection: keep-alive` included); otherwise line by line, as for
/// a `101`. Then the proxy's own `Connection`, `Upgrade` and `Transfer-Encoding` lines.
enum ClientResponseHead {
    /// How the client connection frames the body.
    enum BodyFraming: Equatable {
        /// No body: a response to HEAD, a 1xx, 204 or 304.
        case none
        /// The backend's bytes as they are: a `Content-Length` body, or one that ends with the connection.
        case asIs
        /// In chunks: the backend chunked it, or did not say how long it is and the client speaks HTTP/1.1.
        case chunked
    }

    /// How the client gets the body of `head`, the answer to a request of `requestVersion` (`isHEAD`: to HEAD).
    static func bodyFraming(of head: UpstreamResponseHead, requestVersion: HTTPVersion, isHEAD: Bool) -> BodyFraming {
        if isHEAD || head.status < 200 || head.status == 204 || head.status == 304 { return .none }
        if head.contentLength != nil { return .asIs }
        return requestVersion == .http1_0 ? .asIs : .chunked
    }

    /// Writes the client's head for `head`.
    ///
    /// - Parameters:
    ///   - keepAlive: whether the client connection stays open after this response.
    ///   - chunked: whether to say `Transfer-Encoding: chunked`: the body goes to the client in chunks
    ///     (``BodyFraming/chunked``), or a response without a body says what the backend's head said.
    static func write(
        _ head: UpstreamResponseHead,
        requestVersion: HTTPVersion,
        keepAlive: Bool,
        chunked: Bool,
        into buffer: inout ByteBuffer
    ) {
        let isUpgrade = head.status == 101
        if head.hopByHop.marksAreComplete, !isUpgrade {
            Self.writeCopied(
                head,
                requestVersion: requestVersion,
                keepAlive: keepAlive,
                chunked: chunked,
                into: &buffer
            )
            return
        }
        HTTPHeadWriter.writeStatusLine(version: requestVersion, code: head.status, into: &buffer)
        var switched = false
        head.bytes.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[Int(head.reasonStart)..<Int(head.reasonEnd)]))
            buffer.writeStaticString("\r\n")
            let named = HeaderRewriter.namesListedInConnection(head.fields, in: bytes)
            for field in head.fields {
                let name = HeaderRewriter.name(of: field, in: bytes)
                if HeaderRewriter.isHopByHop(name, named: named, in: bytes) { continue }
                HeaderRewriter.writeLine(name, HeaderRewriter.value(of: field, in: bytes), into: &buffer)
            }
            let upgrade = head.fields.first {
                HeaderRewriter.kind(of: HeaderRewriter.name(of: $0, in: bytes)) == .upgrade
            }
            if isUpgrade, let upgrade {
                buffer.writeStaticString("connection: upgrade\r\nupgrade: ")
                buffer.writeBytes(UnsafeRawBufferPointer(HeaderRewriter.value(of: upgrade, in: bytes)))
                buffer.writeStaticString("\r\n")
                switched = true
            }
        }
        if !switched {
            if !keepAlive {
                buffer.writeStaticString("connection: close\r\n")
            } else if requestVersion == .http1_0 {
                buffer.writeStaticString("connection: keep-alive\r\n")
            }
        }
        if chunked {
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// The common case, in one write: the backend's field lines as they came, but for the hop-by-hop ones its
    /// parser marked, then the proxy's own.
    private static func writeCopied(
        _ head: UpstreamResponseHead,
        requestVersion: HTTPVersion,
        keepAlive: Bool,
        chunked: Bool,
        into buffer: inout ByteBuffer
    ) {
        let connection: StaticString? =
            !keepAlive ? "connection: close\r\n" : requestVersion == .http1_0 ? "connection: keep-alive\r\n" : nil
        let transferEncoding: StaticString = "transfer-encoding: chunked\r\n"
        head.bytes.withUnsafeReadableBytes { raw in
            let reason = UnsafeRawBufferPointer(rebasing: raw[Int(head.reasonStart)..<Int(head.reasonEnd)])
            let fields = HeaderRewriter.fieldLines(head.fields, in: raw.bindMemory(to: UInt8.self))
            let size = 13 + reason.count + 2 + fields.count + (connection?.utf8CodeUnitCount ?? 0)
                + (chunked ? transferEncoding.utf8CodeUnitCount : 0) + 2
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { output in
                var writer = HeadByteWriter(output)
                writer.writeStatusLine(http10: requestVersion == .http1_0, code: head.status)
                writer.write(reason)
                writer.write("\r\n")
                HeaderRewriter.writeFieldLines(head.fields, of: raw, block: fields, dropping: head.hopByHop,
                    into: &writer)
                if let connection {
                    writer.write(connection)
                }
                if chunked {
                    writer.write(transferEncoding)
                }
                writer.write("\r\n")
                return writer.offset
            }
        }
    }
}
