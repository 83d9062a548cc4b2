import NIOCore

/// The bytes an HTTP/1 parser has read but not yet parsed, from ``bytes``' reader index on (a parser's offsets are
/// relative to that reader index).
///
/// It takes a read without a copy when everything before was consumed, and lets go of its storage as soon as
/// everything in it was consumed, so that the storage can be freed (the events' slices may still hold it). Once the
/// input ended, or the parser gave up on it, it takes no more bytes.
struct HTTPInputBuffer {
    /// What the first bytes of the buffer are, as the start of a CRLF.
    enum LeadingCRLF {
        /// Nothing is buffered.
        case empty
        /// The first byte is not CR.
        case notCR
        /// CR, and nothing after it yet.
        case crOnly
        /// CR, then a byte that is not LF.
        case crNotLF
        /// CRLF.
        case crlf
    }

    private(set) var bytes = ByteBuffer()
    /// Whether the input ended (or the parser gave up on it): bytes appended after that are dropped.
    private(set) var inputEnded = false

    /// How many bytes are buffered.
    var readableBytes: Int { self.bytes.readableBytes }

    /// Adds bytes that were read, unless the input ended.
    mutating func append(_ bytes: ByteBuffer) {
        if self.inputEnded || bytes.readableBytes == 0 {
            return
        }
        if self.bytes.readableBytes == 0 {
            // Everything was consumed: take the new bytes as they are, no copy.
            self.bytes = bytes
            return
        }
        if self.bytes.readerIndex > 0 && self.bytes.readerIndex >= self.bytes.readableBytes {
            // Mostly consumed: move the rest to the front rather than grow.
            self.bytes.discardReadBytes()
        }
        self.bytes.writeImmutableBuffer(bytes)
    }

    /// The first `length` buffered bytes as a slice (there must be that many), consumed.
    mutating func readSlice(length: Int) -> ByteBuffer {
        // The slice always exists: the callers found `length` bytes within the readable bytes.
        let slice = self.bytes.readSlice(length: length)!
        self.releaseIfDrained()
        return slice
    }

    /// Up to `limit` buffered bytes as a slice, consumed, or nil when nothing is buffered.
    mutating func readBody(upTo limit: Int) -> ByteBuffer? {
        let readable = self.bytes.readableBytes
        guard readable > 0 else {
            return nil
        }
        return self.readSlice(length: min(readable, limit))
    }

    /// Consumes the first `count` buffered bytes (there must be that many).
    mutating func skip(_ count: Int) {
        self.bytes.moveReaderIndex(forwardBy: count)
        self.releaseIfDrained()
    }

    /// What the first two buffered bytes say about a CRLF there.
    func leadingCRLF() -> LeadingCRLF {
        self.bytes.withUnsafeReadableBytes { bytes in
            guard bytes.count > 0 else {
                return .empty
            }
            guard bytes[0] == HTTPSyntax.cr else {
                return .notCR
            }
            guard bytes.count > 1 else {
                return .crOnly
            }
            return bytes[1] == HTTPSyntax.lf ? .crlf : .crNotLF
        }
    }

    /// Everything buffered, which empties the buffer; nil when nothing is buffered.
    mutating func take() -> ByteBuffer? {
        guard self.bytes.readableBytes > 0 else {
            return nil
        }
        defer { self.bytes = ByteBuffer() }
        return self.bytes
    }

    /// The other side closed: what is buffered stays, nothing more is taken.
    mutating func endInput() {
        self.inputEnded = true
    }

    /// Lets go of everything buffered and takes nothing more.
    mutating func close() {
        self.bytes = ByteBuffer()
        self.inputEnded = true
    }

    private mutating func releaseIfDrained() {
        if self.bytes.readableBytes == 0 {
            self.bytes = ByteBuffer()
        }
    }
}
