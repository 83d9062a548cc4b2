import NIOCore
import NIOHTTP1
import Testing

@testable import StickyCore

@Suite("HTTP heads and chunk framing written as bytes")
struct HTTPHeadWriterTests {
    @Test func aRequestHead() {
        var buffer = ByteBuffer()
        let head = HTTPRequestHead(
            version: .http1_1,
            method: .POST,
            uri: "/cart?x=1",
            headers: HTTPHeaders([("Host", "app"), ("transfer-encoding", "chunked")])
        )
        HTTPHeadWriter.write(head, into: &buffer)
        #expect(String(buffer: buffer) == "POST /cart?x=1 HTTP/1.1\r\nHost: app\r\ntransfer-encoding: chunked\r\n\r\n")
        #expect(HTTPHeadWriter.isChunked(head.headers))
        #expect(!HTTPHeadWriter.isChunked(HTTPHeaders([("Transfer-Encoding", "chunked, gzip")])))
    }

    @Test func aResponseHead() {
        var buffer = ByteBuffer()
        let head = HTTPResponseHead(
            version: .http1_0,
            status: .serviceUnavailable,
            headers: HTTPHeaders([("retry-after", "5")])
        )
        HTTPHeadWriter.write(head, into: &buffer)
        #expect(String(buffer: buffer) == "HTTP/1.0 503 Service Unavailable\r\nretry-after: 5\r\n\r\n")
    }

    @Test func chunkFraming() {
        let allocator = ByteBufferAllocator()
        #expect(String(buffer: HTTPHeadWriter.chunkHeader(size: 0x1f4a, allocator: allocator)) == "1f4a\r\n")
        #expect(String(buffer: HTTPHeadWriter.chunkTrailer(allocator: allocator)) == "\r\n")
        #expect(String(buffer: HTTPHeadWriter.lastChunk(trailers: nil, allocator: allocator)) == "0\r\n\r\n")
        let trailers = HTTPHeadWriter.fieldLines(HTTPHeaders([("X-Sum", "abc")]), allocator: allocator)
        #expect(String(buffer: HTTPHeadWriter.lastChunk(trailers: trailers, allocator: allocator)) == "0\r\nX-Sum: abc\r\n\r\n")
        #expect(HTTPHeadWriter.fieldLines(HTTPHeaders(), allocator: allocator) == nil)
    }
}
