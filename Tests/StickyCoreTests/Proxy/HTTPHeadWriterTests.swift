import NIOCore
import NIOHTTP1
import Testing

@testable import StickyCore

@Suite("HTTP heads and chunk framing written as bytes")
struct HTTPHeadWriterTests {
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
        var pieces: [String] = []
        for data in [ByteBuffer(string: "hello"), ByteBuffer()] {
            HTTPHeadWriter.writeChunk(data, allocator: allocator) { pieces.append(String(buffer: $0)) }
        }
        #expect(pieces == ["5\r\n", "hello", "\r\n"], "an empty chunk would end the body: none is written")
        #expect(String(buffer: HTTPHeadWriter.lastChunk(trailers: nil, allocator: allocator)) == "0\r\n\r\n")
        let trailers = ByteBuffer(string: "X-Sum: abc\r\n")
        let last = HTTPHeadWriter.lastChunk(trailers: trailers, allocator: allocator)
        #expect(String(buffer: last) == "0\r\nX-Sum: abc\r\n\r\n")
    }
}
