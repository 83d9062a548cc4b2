import NIOCore

/// Takes the chunked framing off a body (RFC 9112 §7.1) as its bytes arrive in a parser's ``HTTPInputBuffer``:
/// chunk-size lines, chunk data, the CRLF after it, and the trailer section.
///
/// Both HTTP/1 parsers hold one and step it over their buffer; each maps ``Failure`` to its own failures. It is as
/// strict as their heads: every line ends in CRLF, and trailer lines follow the field line syntax and limits.
struct ChunkedBodyReader {
    /// What reading found next.
    enum Step {
        /// Chunk data as it arrives: a slice, no copy. Never empty.
        case body(ByteBuffer)
        /// The body ended. `trailers`: the raw trailer field lines, each ending in CRLF, without the final blank
        /// line; nil when there were none.
        case end(trailers: ByteBuffer?)
        /// More bytes are needed.
        case needMore
    }

    /// Why the chunked framing is refused.
    enum Failure: Error {
        /// A size line, the CRLF after a chunk's data, or a trailer line breaks the syntax.
        case malformedChunk
        /// The trailer section is over `maxSectionBytes`, or its names and values are over `maxFieldBytes`.
        case sectionTooLarge
        /// The trailer section has more than `maxFieldCount` field lines.
        case tooManyFields
    }

    /// Where the reader is in the body.
    private enum State {
        /// Reading a chunk-size line.
        case sizeLine
        /// Inside a chunk's data, with this many bytes still to come.
        case data(remaining: Int)
        /// After a chunk's data: CRLF must follow.
        case dataEnd
        /// After the last chunk: reading the trailer section.
        case trailers
    }

    /// The most bytes a trailer section may take, its final CRLF included.
    private let maxSectionBytes: Int
    /// The most bytes of field names and values in a trailer section.
    private let maxFieldBytes: Int
    /// The most field lines in a trailer section.
    private let maxFieldCount: Int
    private var state = State.sizeLine
    /// How far the chunk-size line being read was searched for its LF.
    private var sizeLineSearchedTo = 0
    /// How far the trailer line being read was scanned.
    private var trailerLine = HTTPSyntax.LineProgress(at: 0)
    /// The trailer field lines read so far.
    private var trailerFieldCount = 0
    /// The bytes of their names and values.
    private var trailerFieldBytes = 0

    /// The longest chunk-size line accepted, without its CRLF.
    private static var maxSizeLineBytes: Int { 4096 }

    /// - Parameters:
    ///   - maxSectionBytes: the most bytes a trailer section may take, its final CRLF included.
    ///   - maxFieldBytes: the most bytes of field names and values in a trailer section (at most `maxSectionBytes`
    ///     when only the section's size is limited).
    ///   - maxFieldCount: the most field lines in a trailer section.
    init(maxSectionBytes: Int, maxFieldBytes: Int, maxFieldCount: Int) {
        self.maxSectionBytes = maxSectionBytes
        self.maxFieldBytes = maxFieldBytes
        self.maxFieldCount = maxFieldCount
    }

    /// Gets ready for a new chunked body.
    mutating func start() {
        self.state = .sizeLine
        self.forgetScan()
    }

    /// The buffered bytes were taken away: whatever was scanned of them went with them.
    mutating func forgetScan() {
        self.sizeLineSearchedTo = 0
        self.trailerLine = HTTPSyntax.LineProgress(at: 0)
        self.trailerFieldCount = 0
        self.trailerFieldBytes = 0
    }

    /// Steps through the framing in `buffer` until it has chunk data, the body's end, or needs more bytes.
    mutating func read(from buffer: inout HTTPInputBuffer) throws(Failure) -> Step {
        while true {
            switch self.state {
            case .sizeLine:
                guard let size = try self.readSizeLine(from: &buffer) else {
                    return .needMore
                }
                if size == 0 {
                    self.forgetScan()
                    self.state = .trailers
                } else {
                    self.state = .data(remaining: size)
                }

            case .data(let remaining):
                guard let slice = buffer.readBody(upTo: remaining) else {
                    return .needMore
                }
                let left = remaining - slice.readableBytes
                self.state = left == 0 ? .dataEnd : .data(remaining: left)
                return .body(slice)

            case .dataEnd:
                switch buffer.leadingCRLF() {
                case .empty, .crOnly:
                    return .needMore
                case .notCR, .crNotLF:
                    throw .malformedChunk
                case .crlf:
                    buffer.skip(2)
                    self.sizeLineSearchedTo = 0
                    self.state = .sizeLine
                }

            case .trailers:
                guard let length = try self.scanTrailers(in: buffer) else {
                    return .needMore
                }
                let trailers = length > 2 ? buffer.readSlice(length: length - 2) : nil
                buffer.skip(2)
                self.forgetScan()
                return .end(trailers: trailers)
            }
        }
    }

    /// Reads a chunk-size line and returns the size; nil when more bytes are needed.
    private mutating func readSizeLine(from buffer: inout HTTPInputBuffer) throws(Failure) -> Int? {
        let readable = buffer.readableBytes
        // The LF of the longest line allowed is at offset maxSizeLineBytes + 1.
        let window = min(readable, Self.maxSizeLineBytes + 2)
        let from = self.sizeLineSearchedTo
        let line = try buffer.bytes.withUnsafeReadableBytes { (bytes) throws(Failure) -> (size: Int, next: Int)? in
            guard let lineFeed = HTTPSyntax.indexOfLineFeed(bytes, from: from, end: window) else {
                return nil
            }
            guard let size = HTTPSyntax.chunkSize(bytes, lineFeedAt: lineFeed) else {
                throw .malformedChunk
            }
            return (size, lineFeed + 1)
        }
        guard let line else {
            if readable >= Self.maxSizeLineBytes + 2 {
                throw .malformedChunk
            }
            self.sizeLineSearchedTo = window
            return nil
        }
        buffer.skip(line.next)
        self.sizeLineSearchedTo = 0
        return line.size
    }

    /// Scans the trailer section from where the last scan stopped, under the same rules as a head's field lines;
    /// its length through the blank line's CRLF, or nil when more bytes are needed.
    private mutating func scanTrailers(in buffer: HTTPInputBuffer) throws(Failure) -> Int? {
        let readable = buffer.readableBytes
        let end = min(readable, self.maxSectionBytes)
        let length = try buffer.bytes.withUnsafeReadableBytes { (bytes) throws(Failure) -> Int? in
            while true {
                let allowed = self.maxFieldBytes - self.trailerFieldBytes
                switch HTTPSyntax.fieldLine(bytes, end: end, maxNameValueBytes: allowed, &self.trailerLine) {
                case .incomplete:
                    return nil
                case .malformed:
                    throw .malformedChunk
                case .tooLarge:
                    throw .sectionTooLarge
                case .blank(let next):
                    return next
                case .field(let field, let next):
                    guard self.trailerFieldCount < self.maxFieldCount else {
                        throw .tooManyFields
                    }
                    self.trailerFieldCount += 1
                    self.trailerFieldBytes += field.nameLength + field.valueLength
                    self.trailerLine = HTTPSyntax.LineProgress(at: next)
                }
            }
        }
        if length == nil && readable >= self.maxSectionBytes {
            throw .sectionTooLarge
        }
        return length
    }
}

/// The failures of a parser that reads chunked bodies (``ClientRequestParser``, ``UpstreamResponseParser``): those
/// the chunked framing can cause, as that parser names them.
protocol ChunkedBodyFailures: Error {
    static var malformedChunk: Self { get }
    static var headTooLarge: Self { get }
    static var tooManyFields: Self { get }
}

extension ChunkedBodyReader {
    /// ``read(from:)``, its failures reported as the parser's own: a trailer section too large counts as a head too
    /// large.
    mutating func read<Failures: ChunkedBodyFailures>(
        from buffer: inout HTTPInputBuffer,
        failingAs: Failures.Type
    ) throws(Failures) -> Step {
        do {
            return try self.read(from: &buffer)
        } catch {
            switch error {
            case .malformedChunk: throw .malformedChunk
            case .sectionTooLarge: throw .headTooLarge
            case .tooManyFields: throw .tooManyFields
            }
        }
    }
}
