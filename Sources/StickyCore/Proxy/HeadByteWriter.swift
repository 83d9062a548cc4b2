/// Copies the pieces of a message head into memory reserved for it in one `ByteBuffer` write: each
/// `ByteBuffer` write costs about 150 instructions, and a head is made of a dozen pieces.
///
/// The caller reserves the exact size with `ByteBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes:)` and
/// returns ``offset`` from it: what was written.
struct HeadByteWriter {
    private let output: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    init(_ output: UnsafeMutableRawBufferPointer) {
        self.output = output
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (self.output.baseAddress! + self.offset).copyMemory(from: source, byteCount: bytes.count)
        self.offset += bytes.count
    }

    mutating func write(_ text: StaticString) {
        self.write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { self.write(UnsafeRawBufferPointer($0)) }
    }

    mutating func write(_ byte: UInt8) {
        self.output[self.offset] = byte
        self.offset += 1
    }

    /// `HTTP/1.x NNN ` (13 bytes; the reason phrase and its CRLF are the caller's).
    mutating func writeStatusLine(http10: Bool, code: Int) {
        self.write("HTTP/1.")
        self.write(http10 ? UInt8(ascii: "0") : UInt8(ascii: "1"))
        self.write(UInt8(ascii: " "))
        self.write(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: code / 100 % 10))
        self.write(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: code / 10 % 10))
        self.write(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: code % 10))
        self.write(UInt8(ascii: " "))
    }
}
