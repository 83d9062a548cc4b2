import NIOCore
import NIOHTTP1

/// Writes HTTP/1 message heads and chunk framing as bytes, in place of NIO's encoders.
///
/// The proxy frames what it sends itself: its own answers (`502`, `100 Continue`…), the status line of a forwarded
/// response (``ClientResponseHead``), and the chunk framing of a body. The header names and values are the proxy's
/// own, so nothing here validates them.
enum HTTPHeadWriter {
    /// `head` as a status line and header lines, then the blank line.
    static func write(_ head: HTTPResponseHead, into buffer: inout ByteBuffer) {
        Self.writeStatusLine(version: head.version, code: Int(head.status.code), into: &buffer)
        buffer.writeString(head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        Self.write(head.headers, into: &buffer)
    }

    /// `HTTP/1.x NNN ` (the reason phrase and its CRLF are the caller's).
    static func writeStatusLine(version: HTTPVersion, code: Int, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 13) { output in
            var writer = HeadByteWriter(output)
            writer.writeStatusLine(http10: version == .http1_0, code: code)
            return writer.offset
        }
    }

    /// The header lines and the blank line, copied in one write: a `ByteBuffer` write costs about 150
    /// instructions, four per line otherwise.
    private static func write(_ headers: HTTPHeaders, into buffer: inout ByteBuffer) {
        var size = 2
        for (name, value) in headers {
            size += name.utf8.count + value.utf8.count + 4
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { output in
            var writer = HeadByteWriter(output)
            for (name, value) in headers {
                writer.write(name)
                writer.write(": ")
                writer.write(value)
                writer.write("\r\n")
            }
            writer.write("\r\n")
            return writer.offset
        }
    }

    // MARK: chunk framing

    /// Hands `write` the pieces of `data` as one chunk: its size line, the data, CRLF. Empty data makes none: an
    /// empty chunk would end the body.
    static func writeChunk(_ data: ByteBuffer, allocator: ByteBufferAllocator, _ write: (ByteBuffer) -> Void) {
        guard data.readableBytes > 0 else { return }
        write(Self.chunkHeader(size: data.readableBytes, allocator: allocator))
        write(data)
        write(Self.chunkTrailer(allocator: allocator))
    }

    /// The line before a chunk of `size` bytes: its size in hex, CRLF.
    static func chunkHeader(size: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 18)
        let hex = String(size, radix: 16)
        buffer.writeString(hex)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The CRLF after a chunk's data.
    static func chunkTrailer(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 2)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The last chunk, `trailers` (field lines, each with its CRLF), and the blank line.
    static func lastChunk(trailers: ByteBuffer?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 5 + (trailers?.readableBytes ?? 0))
        buffer.writeStaticString("0\r\n")
        if var trailers {
            buffer.writeBuffer(&trailers)
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }
}
