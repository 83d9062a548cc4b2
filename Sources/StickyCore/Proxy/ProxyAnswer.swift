import NIOCore
import NIOHTTP1

/// The proxy's own answer to a request (`400`, `408`, `431`, `502`, `503`…): a one-line text body naming the
/// status, so that nothing of the request, and no session ID, is ever echoed.
enum ProxyAnswer {
    /// The answer with `status` as the bytes that go to the client, head and body; `Connection: close` unless
    /// `keepAlive`.
    static func bytes(
        _ status: HTTPResponseStatus,
        version: HTTPVersion = .http1_1,
        keepAlive: Bool,
        extraHeaders: [(String, String)] = [],
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let body = "\(status.code) \(status.reasonPhrase)\n"
        var headers = HTTPHeaders([
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", "\(body.utf8.count)"),
        ])
        headers.add(contentsOf: extraHeaders)
        if !keepAlive { headers.add(name: "connection", value: "close") }
        var bytes = allocator.buffer(capacity: 160 + body.utf8.count)
        HTTPHeadWriter.write(HTTPResponseHead(version: version, status: status, headers: headers), into: &bytes)
        bytes.writeString(body)
        return bytes
    }
}
