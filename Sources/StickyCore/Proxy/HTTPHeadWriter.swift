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
        let minor = version == .http1_0 ? UInt8(ascii: "0") : UInt8(ascii: "1")
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 13) { output in
            let prefix: StaticString = "HTTP/1."
            output.baseAddress!.copyMemory(from: prefix.utf8Start, byteCount: 7)
            output[7] = minor
            output[8] = UInt8(ascii: " ")
            output[9] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: code / 100 % 10)
            output[10] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: code / 10 % 10)
            output[11] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: code % 10)
            output[12] = UInt8(ascii: " ")
            return 13
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
            var offset = 0
            for (name, value) in headers {
                Self.copy(name, to: output, at: &offset)
                output[offset] = UInt8(ascii: ":")
                output[offset + 1] = UInt8(ascii: " ")
                offset += 2
                Self.copy(value, to: output, at: &offset)
                output[offset] = UInt8(ascii: "\r")
                output[offset + 1] = UInt8(ascii: "\n")
                offset += 2
            }
            output[offset] = UInt8(ascii: "\r")
            output[offset + 1] = UInt8(ascii: "\n")
            return offset + 2
        }
    }

    private static func copy(_ text: String, to output: UnsafeMutableRawBufferPointer, at offset: inout Int) {
        var text = text
        text.withUTF8 { bytes in
            guard let source = bytes.baseAddress, bytes.count > 0 else { return }
            (output.baseAddress! + offset).copyMemory(from: source, byteCount: bytes.count)
            offset += bytes.count
        }
    }

    // MARK: chunk framing

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
