import NIOCore
import NIOHTTP1

/// The proxy's own answer to a request (`400`, `408`, `431`, `502`, `503`…): a one-line text body naming the
/// status, so that nothing of the request, and no session ID, is ever echoed.
enum ProxyAnswer {
    /// The head and body of the answer with `status`; `Connection: close` unless `keepAlive`.
    static func parts(
        _ status: HTTPResponseStatus,
        version: HTTPVersion = .http1_1,
        keepAlive: Bool,
        extraHeaders: [(String, String)] = [],
        allocator: ByteBufferAllocator
    ) -> (head: HTTPResponseHead, body: ByteBuffer) {
        let body = "\(status.code) \(status.reasonPhrase)\n"
        var headers = HTTPHeaders([
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", "\(body.utf8.count)"),
        ])
        headers.add(contentsOf: extraHeaders)
        if !keepAlive { headers.add(name: "connection", value: "close") }
        return (HTTPResponseHead(version: version, status: status, headers: headers), allocator.buffer(string: body))
    }

    /// The answer with `status` as the bytes that go to the client, head and body.
    static func bytes(
        _ status: HTTPResponseStatus,
        version: HTTPVersion = .http1_1,
        keepAlive: Bool,
        extraHeaders: [(String, String)] = [],
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var answer = Self.parts(status, version: version, keepAlive: keepAlive, extraHeaders: extraHeaders,
            allocator: allocator)
        var bytes = allocator.buffer(capacity: 160 + answer.body.readableBytes)
        HTTPHeadWriter.write(answer.head, into: &bytes)
        bytes.writeBuffer(&answer.body)
        return bytes
    }
}
