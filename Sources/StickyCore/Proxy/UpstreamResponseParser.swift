import NIOCore

/// Frames the responses on one backend connection from raw bytes: heads, body bytes, ends.
///
/// It stands in for NIO's `HTTPResponseDecoder` on backend connections: one pass over each head with integer
/// offsets, no `String` per header, and body bytes handed on as slices of what was read. It is as strict as llhttp,
/// because a lenient response parser in a proxy is how responses get split and requests smuggled: every line ends in
/// CRLF, no obs-fold, one unambiguous body length, and anything else is a ``Failure``.
///
/// The driver tells it when a request went out (``expectResponse(isHEAD:)``, which may be called again before the
/// previous response ended: the expectations queue up in order), feeds it what it reads (``append(_:)``), and calls
/// ``next()`` until it returns nil. When the backend closes its side, ``endOfInput()`` ends a close-delimited body or
/// says the response was cut short. A failure is sticky: every later call throws it again.
struct UpstreamResponseParser {
    /// What the parser found next in the byte stream.
    enum Event {
        /// A final response's head (interim 1xx responses other than 101 are validated and skipped).
        case head(UpstreamResponseHead)
        /// Body bytes as they arrive (after chunk framing is taken off): slices, no copy. Never empty.
        case body(ByteBuffer)
        /// The response ended. `trailers`: the raw trailer field lines of a chunked body, each ending in CRLF,
        /// without the final blank line; nil when there were none.
        case end(trailers: ByteBuffer?)
    }

    /// Why a response is refused; the proxy answers the client 502 and closes the backend connection.
    enum Failure: Error, Equatable {
        /// The status line or a field line of the head breaks the syntax (including a bad `Content-Length` value).
        case malformedHead
        /// The head, or the trailer section, is longer than `maxHeadBytes`.
        case headTooLarge
        /// The head, or the trailer section, has more than `maxFieldCount` field lines.
        case tooManyFields
        /// Two `Content-Length`s, `Content-Length` with `Transfer-Encoding`, or `chunked` not the last coding.
        case ambiguousLength
        /// The chunked framing breaks the syntax: size line, CRLF after the data, or a trailer line.
        case malformedChunk
        /// The backend closed its side in the middle of a head or of a body whose length was known.
        case truncated
        /// The backend sent bytes while no response was expected, and then closed.
        case unexpectedBytes
    }

    /// Where the parser is in the byte stream.
    private enum State {
        /// Between responses: the next expected one starts with a head.
        case idle
        /// Reading a head (``headProgress`` says how far).
        case head
        /// The body is over (or there is none): `.end` is the next event.
        case endPending
        /// A body of known length, with this many bytes still to come.
        case fixedBody(remaining: Int)
        /// Reading a chunk-size line.
        case chunkSizeLine
        /// Inside a chunk's data, with this many bytes still to come.
        case chunkData(remaining: Int)
        /// After a chunk's data: CRLF must follow.
        case chunkDataEnd
        /// After the last chunk: reading the trailer section (``trailerProgress`` says how far).
        case trailers
        /// A body that ends when the backend closes.
        case untilClose
        /// A 101's head went out: `.end` is the next event, then the bytes belong to the tunnel.
        case upgradePending
        /// After a 101: the parser is done, what is buffered belongs to the tunnel.
        case upgraded
        /// The input ended: nothing more will be parsed.
        case closed
        /// A failure was thrown; it is thrown again on every call.
        case failed(Failure)
    }

    /// The most bytes a head, or a trailer section, may take (including its final blank line).
    private let maxHeadBytes: Int
    /// The most field lines a head, or a trailer section, may have.
    private let maxFieldCount: Int
    /// Bytes read but not yet parsed, from its reader index on. Offsets below are relative to that reader index.
    private var buffer = ByteBuffer()
    private var state = State.idle
    /// The requests sent whose responses have not started yet.
    private var expected = ExpectedResponses()
    /// Whether the response being read answers a HEAD request.
    private var answersHEAD = false
    /// Whether interim responses were skipped for the request being answered (so its response has begun).
    private var sawInterim = false
    /// Whether the backend closed its side.
    private var inputEnded = false
    /// The head being read.
    private var headProgress = HeadProgress.none
    /// The trailer section being read.
    private var trailerProgress = TrailerProgress()
    /// How far the chunk-size line being read was searched for its LF.
    private var chunkLineSearchedTo = 0

    /// The longest chunk-size line accepted, without its CRLF.
    private static var maxChunkLineBytes: Int { 4096 }
    /// How many fields a head reserves room for.
    private static var typicalFieldCount: Int { 16 }

    init(maxHeadBytes: Int, maxFieldCount: Int) {
        precondition(maxHeadBytes > 0 && maxHeadBytes <= Int(Int32.max), "maxHeadBytes must fit field offsets")
        precondition(maxFieldCount >= 0, "maxFieldCount must not be negative")
        self.maxHeadBytes = maxHeadBytes
        self.maxFieldCount = maxFieldCount
    }

    /// Called when a request was sent: the next response answers it. `isHEAD`: a HEAD request, whose response has
    /// no body.
    ///
    /// Calls queue up (pipelining), up to 64 unanswered requests. Ignored once the parser is upgraded, closed or
    /// failed: no response will be parsed any more.
    mutating func expectResponse(isHEAD: Bool) {
        switch self.state {
        case .upgradePending, .upgraded, .closed, .failed:
            return
        case .idle, .head, .endPending, .fixedBody, .chunkSizeLine, .chunkData, .chunkDataEnd, .trailers, .untilClose:
            self.expected.append(isHEAD: isHEAD)
        }
    }

    /// Adds bytes read from the backend. Bytes after the input ended or after a failure are dropped.
    mutating func append(_ bytes: ByteBuffer) {
        switch self.state {
        case .closed, .failed:
            return
        default:
            break
        }
        if self.inputEnded || bytes.readableBytes == 0 {
            return
        }
        if self.buffer.readableBytes == 0 {
            // Everything was consumed: take the new bytes as they are, no copy.
            self.buffer = bytes
            return
        }
        if self.buffer.readerIndex > 0 && self.buffer.readerIndex >= self.buffer.readableBytes {
            // Mostly consumed: move the rest to the front rather than grow.
            self.buffer.discardReadBytes()
        }
        self.buffer.writeImmutableBuffer(bytes)
    }

    /// The next event, or nil when more bytes are needed (or no response is expected).
    mutating func next() throws(Failure) -> Event? {
        do {
            return try self.advance()
        } catch {
            self.fail(error)
            throw error
        }
    }

    /// The backend closed its side. Returns `.end(trailers: nil)` when a close-delimited body was being read (that is
    /// how such a body ends); nil when idle between responses with nothing buffered (or when a response is expected
    /// but not one byte of it arrived, so the caller may tell a connection that was closed under it); throws
    /// `.truncated` mid-head or mid length/chunked body, `.unexpectedBytes` if bytes are buffered while no response is
    /// expected. After a 101 it returns nil and leaves the buffered bytes to ``takeBufferedBytes()``.
    ///
    /// Meant to be called once ``next()`` returned nil; if events were still pending it returns the next of them,
    /// and should be called again until it returns nil.
    mutating func endOfInput() throws(Failure) -> Event? {
        self.inputEnded = true
        return try self.next()
    }

    /// Whether the connection can carry another request after the response that just ended: false after a
    /// close-delimited body, after a 101, once the input ended, or once a failure was thrown. (Headers'
    /// Connection: close is the caller's business via head.isKeepAlive.)
    var isReusable: Bool {
        switch self.state {
        case .failed, .upgradePending, .upgraded, .closed, .untilClose:
            return false
        case .idle, .head, .endPending, .fixedBody, .chunkSizeLine, .chunkData, .chunkDataEnd, .trailers:
            return !self.inputEnded
        }
    }

    /// Bytes buffered but not yet parsed (after a 101 they belong to the tunnel; also lets the caller see a backend
    /// that sent bytes nobody asked for). Taking them empties the buffer.
    mutating func takeBufferedBytes() -> ByteBuffer? {
        guard self.buffer.readableBytes > 0 else {
            return nil
        }
        let taken = self.buffer
        self.buffer = ByteBuffer()
        // Whatever was scanned of them went with them.
        if case .head = self.state {
            self.headProgress = .started(fieldCapacity: Self.typicalFieldCount)
        }
        self.trailerProgress = TrailerProgress()
        self.chunkLineSearchedTo = 0
        return taken
    }

    /// Whether bytes are buffered that no event has covered yet.
    var hasBufferedBytes: Bool {
        self.buffer.readableBytes > 0
    }
}

// MARK: - Framing

extension UpstreamResponseParser {
    /// The state machine behind ``next()``: runs through framing until it has an event or needs bytes.
    private mutating func advance() throws(Failure) -> Event? {
        while true {
            switch self.state {
            case .failed(let failure):
                throw failure

            case .upgraded, .closed:
                return nil

            case .idle:
                guard let isHEAD = self.expected.removeFirst() else {
                    if self.inputEnded {
                        if self.buffer.readableBytes > 0 {
                            throw .unexpectedBytes
                        }
                        self.state = .closed
                    }
                    return nil
                }
                self.answersHEAD = isHEAD
                self.sawInterim = false
                self.headProgress = .started(fieldCapacity: Self.typicalFieldCount)
                self.state = .head

            case .head:
                if let head = try self.readHead() {
                    return .head(head)
                }
                if self.inputEnded {
                    guard self.buffer.readableBytes == 0 && !self.sawInterim else {
                        throw .truncated
                    }
                    self.state = .closed
                }
                return nil

            case .endPending:
                self.state = .idle
                return .end(trailers: nil)

            case .upgradePending:
                self.state = .upgraded
                return .end(trailers: nil)

            case .fixedBody(let remaining):
                guard let slice = self.readBody(upTo: remaining) else {
                    return try self.needMoreBody()
                }
                let left = remaining - slice.readableBytes
                self.state = left == 0 ? .endPending : .fixedBody(remaining: left)
                return .body(slice)

            case .chunkSizeLine:
                guard let size = try self.readChunkSizeLine() else {
                    return try self.needMoreBody()
                }
                if size == 0 {
                    self.trailerProgress = TrailerProgress()
                    self.state = .trailers
                } else {
                    self.state = .chunkData(remaining: size)
                }

            case .chunkData(let remaining):
                guard let slice = self.readBody(upTo: remaining) else {
                    return try self.needMoreBody()
                }
                let left = remaining - slice.readableBytes
                self.state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(slice)

            case .chunkDataEnd:
                guard try self.readChunkDataEnd() else {
                    return try self.needMoreBody()
                }
                self.chunkLineSearchedTo = 0
                self.state = .chunkSizeLine

            case .trailers:
                guard let end = try self.readTrailers() else {
                    return try self.needMoreBody()
                }
                self.state = .idle
                return end

            case .untilClose:
                guard let slice = self.readBody(upTo: Int.max) else {
                    if self.inputEnded {
                        self.state = .closed
                        return .end(trailers: nil)
                    }
                    return nil
                }
                return .body(slice)
            }
        }
    }

    /// What to answer when a body framed by length or chunks needs more bytes: nil, or `.truncated` once the input
    /// ended.
    private func needMoreBody() throws(Failure) -> Event? {
        if self.inputEnded {
            throw .truncated
        }
        return nil
    }

    /// Makes `failure` the parser's last word: it is thrown again on every call, and the buffer is let go.
    private mutating func fail(_ failure: Failure) {
        self.state = .failed(failure)
        self.buffer = ByteBuffer()
        self.headProgress = .none
    }

    /// Up to `limit` buffered bytes as a slice, or nil when nothing is buffered.
    private mutating func readBody(upTo limit: Int) -> ByteBuffer? {
        let readable = self.buffer.readableBytes
        guard readable > 0 else {
            return nil
        }
        // The slice always exists: its length is at most what is readable.
        let slice = self.buffer.readSlice(length: min(readable, limit))!
        self.releaseBufferIfDrained()
        return slice
    }

    /// Lets go of the buffer's storage once everything in it was consumed, so that it can be freed (the events'
    /// slices may still hold it) and the next read is taken without a copy.
    private mutating func releaseBufferIfDrained() {
        if self.buffer.readableBytes == 0 {
            self.buffer = ByteBuffer()
        }
    }

    /// The framing of the body that follows `head`.
    private func bodyState(after head: UpstreamResponseHead) -> State {
        if head.status == 101 {
            return .upgradePending
        }
        if self.answersHEAD || head.status == 204 || head.status == 304 || head.status < 200 {
            return .endPending
        }
        if head.isChunked {
            return .chunkSizeLine
        }
        if head.hasTransferEncoding {
            // A response whose final coding is not chunked is delimited by the close (RFC 9112 §6.3).
            return .untilClose
        }
        if let length = head.contentLength {
            return length == 0 ? .endPending : .fixedBody(remaining: length)
        }
        return .untilClose
    }
}

// MARK: - Heads

extension UpstreamResponseParser {
    /// A head being read: what its lines said so far, and where the scan stands.
    private struct HeadProgress {
        /// The head so far (its `bytes` are set once it is complete).
        var head: UpstreamResponseHead
        /// Whether the status line was read; until then `line` is the status line's progress.
        var readStatusLine = false
        /// How far the line being read was scanned.
        var line = Syntax.LineProgress(at: 0)

        /// No head: holds no storage.
        static var none: HeadProgress {
            HeadProgress(
                head: UpstreamResponseHead(
                    bytes: ByteBuffer(),
                    status: 0,
                    minorVersion: 1,
                    reasonStart: 0,
                    reasonEnd: 0,
                    fields: []
                )
            )
        }

        /// A fresh head with room for `fieldCapacity` fields.
        static func started(fieldCapacity: Int) -> HeadProgress {
            var progress = HeadProgress.none
            progress.head.fields.reserveCapacity(fieldCapacity)
            return progress
        }
    }

    /// A trailer section being read: where the scan stands, and how many field lines it had.
    private struct TrailerProgress {
        /// How far the line being read was scanned.
        var line = Syntax.LineProgress(at: 0)
        /// The field lines read so far.
        var fieldCount = 0
    }

    /// What scanning the buffered bytes of a section found.
    private enum SectionScan {
        /// The section is not complete yet.
        case needMore
        /// The section is complete: this many bytes, through the blank line's CRLF.
        case complete(length: Int)
    }

    /// Reads a head, skipping interim responses; nil when more bytes are needed.
    private mutating func readHead() throws(Failure) -> UpstreamResponseHead? {
        while true {
            let readable = self.buffer.readableBytes
            let window = min(readable, self.maxHeadBytes)
            let bytes = self.buffer
            let maxFieldCount = self.maxFieldCount
            let scan = try bytes.withUnsafeReadableBytes { (pointer) throws(Failure) -> SectionScan in
                try Self.scanHead(pointer, window: window, maxFieldCount: maxFieldCount, into: &self.headProgress)
            }
            guard case .complete(let length) = scan else {
                return try self.needMoreHead(readable: readable)
            }
            // The slice always exists: the head was found within the readable bytes.
            self.headProgress.head.bytes = self.buffer.readSlice(length: length)!
            let head = self.headProgress.head
            self.releaseBufferIfDrained()
            if head.contentLength != nil && head.hasTransferEncoding {
                throw .ambiguousLength
            }
            if head.status < 200 && head.status != 101 {
                // An interim response: validated, then dropped; the final response follows.
                self.sawInterim = true
                self.headProgress = .started(fieldCapacity: Self.typicalFieldCount)
                continue
            }
            self.headProgress = .none
            self.state = self.bodyState(after: head)
            return head
        }
    }

    /// What to answer when a head is incomplete: nil, or `.headTooLarge` once it cannot fit any more.
    private func needMoreHead(readable: Int) throws(Failure) -> UpstreamResponseHead? {
        // With maxHeadBytes buffered and no end, the head needs at least one byte more than allowed.
        if readable >= self.maxHeadBytes {
            throw .headTooLarge
        }
        return nil
    }

    /// Scans a head's lines from where the last scan stopped, recording what they say into `progress`.
    private static func scanHead(
        _ bytes: UnsafeRawBufferPointer,
        window: Int,
        maxFieldCount: Int,
        into progress: inout HeadProgress
    ) throws(Failure) -> SectionScan {
        if !progress.readStatusLine {
            switch Syntax.statusLine(bytes, end: window, &progress.line) {
            case .incomplete:
                return .needMore
            case .malformed:
                throw .malformedHead
            case .complete(let line):
                progress.head.status = line.status
                progress.head.minorVersion = line.minorVersion
                progress.head.reasonStart = Int32(truncatingIfNeeded: line.reasonStart)
                progress.head.reasonEnd = Int32(truncatingIfNeeded: line.reasonEnd)
                progress.readStatusLine = true
                progress.line = Syntax.LineProgress(at: line.next)
            }
        }
        while true {
            switch Syntax.fieldLine(bytes, end: window, &progress.line) {
            case .incomplete:
                return .needMore
            case .malformed:
                throw .malformedHead
            case .blank(let next):
                return .complete(length: next)
            case .field(let field, let next):
                guard progress.head.fields.count < maxFieldCount else {
                    throw .tooManyFields
                }
                try Self.record(field, in: bytes, into: &progress.head)
                progress.head.fields.append(field)
                progress.line = Syntax.LineProgress(at: next)
            }
        }
    }
}

// MARK: - Chunked bodies

extension UpstreamResponseParser {
    /// Reads a chunk-size line and returns the size; nil when more bytes are needed.
    private mutating func readChunkSizeLine() throws(Failure) -> Int? {
        let readable = self.buffer.readableBytes
        // The LF of the longest line allowed is at offset maxChunkLineBytes + 1.
        let window = min(readable, Self.maxChunkLineBytes + 2)
        let from = self.chunkLineSearchedTo
        let lineFeed = self.buffer.withUnsafeReadableBytes { bytes in
            Syntax.indexOfLineFeed(bytes, from: from, end: window)
        }
        guard let lineFeed else {
            if readable >= Self.maxChunkLineBytes + 2 {
                throw .malformedChunk
            }
            self.chunkLineSearchedTo = window
            return nil
        }
        let size = try self.buffer.withUnsafeReadableBytes { (bytes) throws(Failure) -> Int in
            guard let size = Syntax.chunkSize(bytes, lineFeedAt: lineFeed) else {
                throw .malformedChunk
            }
            return size
        }
        self.buffer.moveReaderIndex(forwardBy: lineFeed + 1)
        self.releaseBufferIfDrained()
        self.chunkLineSearchedTo = 0
        return size
    }

    /// Reads the CRLF after a chunk's data; false when more bytes are needed.
    private mutating func readChunkDataEnd() throws(Failure) -> Bool {
        let readable = self.buffer.readableBytes
        guard readable > 0 else {
            return false
        }
        let (first, second) = self.buffer.withUnsafeReadableBytes { bytes -> (UInt8, UInt8?) in
            (bytes[0], readable > 1 ? bytes[1] : nil)
        }
        guard first == Syntax.cr else {
            throw .malformedChunk
        }
        guard let second else {
            return false
        }
        guard second == Syntax.lf else {
            throw .malformedChunk
        }
        self.buffer.moveReaderIndex(forwardBy: 2)
        self.releaseBufferIfDrained()
        return true
    }

    /// Reads the trailer section after the last chunk and returns the response's `.end`; nil when more bytes are
    /// needed.
    private mutating func readTrailers() throws(Failure) -> Event? {
        let readable = self.buffer.readableBytes
        let window = min(readable, self.maxHeadBytes)
        let bytes = self.buffer
        let maxFieldCount = self.maxFieldCount
        let scan = try bytes.withUnsafeReadableBytes { (pointer) throws(Failure) -> SectionScan in
            try Self.scanTrailers(pointer, window: window, maxFieldCount: maxFieldCount, into: &self.trailerProgress)
        }
        guard case .complete(let length) = scan else {
            return try self.needMoreTrailers(readable: readable)
        }
        // The slice always exists: the section was found within the readable bytes.
        let trailers = length > 2 ? self.buffer.readSlice(length: length - 2)! : nil
        self.buffer.moveReaderIndex(forwardBy: 2)
        self.releaseBufferIfDrained()
        self.trailerProgress = TrailerProgress()
        return .end(trailers: trailers)
    }

    /// What to answer when a trailer section is incomplete: nil, or `.headTooLarge` once it cannot fit any more.
    private func needMoreTrailers(readable: Int) throws(Failure) -> Event? {
        if readable >= self.maxHeadBytes {
            throw .headTooLarge
        }
        return nil
    }

    /// Scans trailer lines from where the last scan stopped.
    private static func scanTrailers(
        _ bytes: UnsafeRawBufferPointer,
        window: Int,
        maxFieldCount: Int,
        into progress: inout TrailerProgress
    ) throws(Failure) -> SectionScan {
        while true {
            switch Syntax.fieldLine(bytes, end: window, &progress.line) {
            case .incomplete:
                return .needMore
            case .malformed:
                throw .malformedChunk
            case .blank(let next):
                return .complete(length: next)
            case .field(_, let next):
                guard progress.fieldCount < maxFieldCount else {
                    throw .tooManyFields
                }
                progress.fieldCount += 1
                progress.line = Syntax.LineProgress(at: next)
            }
        }
    }
}

// MARK: - Expected responses

extension UpstreamResponseParser {
    /// The requests sent whose responses have not started, oldest first: one bit each, set for HEAD.
    private struct ExpectedResponses {
        /// Bit `i` is set when the `i`th oldest request is a HEAD request.
        private var headBits: UInt64 = 0
        private var count = 0

        mutating func append(isHEAD: Bool) {
            precondition(self.count < UInt64.bitWidth, "more than 64 requests pipelined on one backend connection")
            if isHEAD {
                self.headBits |= 1 << UInt64(self.count)
            }
            self.count += 1
        }

        /// Whether the oldest request is a HEAD request, after taking it off; nil when none is waiting.
        mutating func removeFirst() -> Bool? {
            guard self.count > 0 else {
                return nil
            }
            let isHEAD = self.headBits & 1 != 0
            self.headBits >>= 1
            self.count -= 1
            return isHEAD
        }
    }
}

// MARK: - What the fields say

extension UpstreamResponseParser {
    /// Notes in `head` what a field line of it says about the body's length, the connection and hop-by-hop fields.
    ///
    /// Names are compared by length first, so that most fields cost one switch.
    @inline(__always)
    private static func record(
        _ field: UpstreamResponseHead.Field,
        in bytes: UnsafeRawBufferPointer,
        into head: inout UpstreamResponseHead
    ) throws(Failure) {
        let start = Int(field.nameStart)
        let end = Int(field.nameEnd)
        switch end - start {
        case 2:
            if Syntax.equalsLowercased(bytes, start, end, "te") {
                head.hasHopByHop = true
            }
        case 7:
            if Syntax.equalsLowercased(bytes, start, end, "upgrade") {
                head.hasHopByHop = true
            }
        case 10:
            if Syntax.equalsLowercased(bytes, start, end, "connection") {
                head.hasHopByHop = true
                Self.recordConnection(field, in: bytes, into: &head)
            } else if Syntax.equalsLowercased(bytes, start, end, "set-cookie") {
                head.hasSetCookie = true
            } else if Syntax.equalsLowercased(bytes, start, end, "keep-alive") {
                head.hasHopByHop = true
            }
        case 14:
            if Syntax.equalsLowercased(bytes, start, end, "content-length") {
                try Self.recordContentLength(field, in: bytes, into: &head)
            }
        case 16:
            if Syntax.equalsLowercased(bytes, start, end, "proxy-connection") {
                head.hasHopByHop = true
            }
        case 17:
            if Syntax.equalsLowercased(bytes, start, end, "transfer-encoding") {
                head.hasHopByHop = true
                try Self.recordTransferEncoding(field, in: bytes, into: &head)
            }
        case 18:
            if Syntax.equalsLowercased(bytes, start, end, "proxy-authenticate") {
                head.hasHopByHop = true
            }
        case 19:
            if Syntax.equalsLowercased(bytes, start, end, "proxy-authorization") {
                head.hasHopByHop = true
            }
        default:
            break
        }
    }

    /// `Content-Length`: 1 to 18 digits, and only one such field.
    private static func recordContentLength(
        _ field: UpstreamResponseHead.Field,
        in bytes: UnsafeRawBufferPointer,
        into head: inout UpstreamResponseHead
    ) throws(Failure) {
        guard head.contentLength == nil else {
            throw .ambiguousLength
        }
        let start = Int(field.valueStart)
        let end = Int(field.valueEnd)
        guard end > start && end - start <= 18 else {
            throw .malformedHead
        }
        var length = 0
        for index in start..<end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else {
                throw .malformedHead
            }
            length = length * 10 + Int(digit)
        }
        head.contentLength = length
    }

    /// `Transfer-Encoding`: a list of codings, joined across fields; `chunked` may only come last.
    private static func recordTransferEncoding(
        _ field: UpstreamResponseHead.Field,
        in bytes: UnsafeRawBufferPointer,
        into head: inout UpstreamResponseHead
    ) throws(Failure) {
        head.hasTransferEncoding = true
        var elements = Syntax.ListElements(bytes, field)
        while let element = elements.next() {
            if head.isChunked {
                // Another coding after chunked: where the body ends cannot be known.
                throw .ambiguousLength
            }
            head.isChunked = Syntax.equalsLowercased(bytes, element.start, element.end, "chunked")
        }
    }

    /// `Connection`: a list of tokens, of which `close` and `keep-alive` matter here.
    private static func recordConnection(
        _ field: UpstreamResponseHead.Field,
        in bytes: UnsafeRawBufferPointer,
        into head: inout UpstreamResponseHead
    ) {
        var elements = Syntax.ListElements(bytes, field)
        while let element = elements.next() {
            if Syntax.equalsLowercased(bytes, element.start, element.end, "close") {
                head.connectionClose = true
            } else if Syntax.equalsLowercased(bytes, element.start, element.end, "keep-alive") {
                head.connectionKeepAlive = true
            }
        }
    }
}

// MARK: - Syntax

extension UpstreamResponseParser {
    /// The byte-level grammar of HTTP/1.1 message heads (RFC 9110, RFC 9112): status lines, field lines, chunk-size
    /// lines. Every function works on a pointer and integer offsets and inlines into its caller's loop.
    private enum Syntax {
        static var cr: UInt8 { UInt8(ascii: "\r") }
        static var lf: UInt8 { UInt8(ascii: "\n") }
        static var space: UInt8 { UInt8(ascii: " ") }
        static var tab: UInt8 { UInt8(ascii: "\t") }
        static var colon: UInt8 { UInt8(ascii: ":") }
        static var comma: UInt8 { UInt8(ascii: ",") }
        static var semicolon: UInt8 { UInt8(ascii: ";") }

        /// The tchars (RFC 9110 §5.6.2) among 0x00–0x3F: ! # $ % & ' * + - . and digits, one bit per byte value.
        private static var tokenBitsLow: UInt64 { 0x03ff_6cfa_0000_0000 }
        /// The tchars among 0x40–0x7F: letters, ^ _ ` | ~, one bit per byte value minus 0x40.
        private static var tokenBitsHigh: UInt64 { 0x57ff_ffff_c7ff_fffe }

        /// Whether `byte` may be part of a token (a field name).
        @inline(__always)
        static func isTokenByte(_ byte: UInt8) -> Bool {
            if byte < 64 {
                return (Self.tokenBitsLow >> UInt64(byte)) & 1 != 0
            }
            if byte < 128 {
                return (Self.tokenBitsHigh >> UInt64(byte &- 64)) & 1 != 0
            }
            return false
        }

        /// Whether `byte` may be part of a field value or a reason phrase: HTAB, SP, VCHAR, obs-text.
        @inline(__always)
        static func isTextByte(_ byte: UInt8) -> Bool {
            byte == Self.tab || (byte >= Self.space && byte != 0x7F)
        }

        /// Whether `byte` is SP or HTAB.
        @inline(__always)
        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == Self.space || byte == Self.tab
        }

        /// The first LF in `from..<end`, if any.
        @inline(__always)
        static func indexOfLineFeed(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
            var index = from
            while index < end {
                if bytes[index] == Self.lf {
                    return index
                }
                index += 1
            }
            return nil
        }

        /// Whether `bytes[start..<end]` equal `lowercased` with ASCII letters compared without case.
        ///
        /// `lowercased` holds only lower-case letters and `-`: or-ing 0x20 then maps exactly the two cases of each
        /// letter onto it, and only `-` and CR onto `-` (CR never gets here).
        @inline(__always)
        static func equalsLowercased(
            _ bytes: UnsafeRawBufferPointer,
            _ start: Int,
            _ end: Int,
            _ lowercased: StaticString
        ) -> Bool {
            let count = lowercased.utf8CodeUnitCount
            guard end - start == count else {
                return false
            }
            let expected = lowercased.utf8Start
            var offset = 0
            while offset < count {
                if bytes[start + offset] | 0x20 != expected[offset] {
                    return false
                }
                offset += 1
            }
            return true
        }

        /// The value of a hex digit, or nil.
        @inline(__always)
        static func hexValue(_ byte: UInt8) -> UInt64? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte &- UInt8(ascii: "A") &+ 10)
            default: return nil
            }
        }

        /// Where the scan of one line stands, so that a line cut short by the end of a read resumes where it stopped
        /// and no byte is looked at twice. Offsets are from the buffer's reader index.
        struct LineProgress {
            /// What the byte at `index` may be.
            enum Phase {
                /// The line's first byte: CR of the blank line, or a field name's first byte. (For a status line: its
                /// fixed part, `HTTP/1.x NNN`, which is scanned again from the start if it was cut short.)
                case start
                /// After a blank line's CR: its LF.
                case blankLineFeed
                /// In a field name: more of it, or the colon.
                case name
                /// After the colon: SP/HTAB before the value.
                case beforeValue
                /// In the value (or reason phrase): more of it, or CR.
                case value
                /// After the line's CR: its LF.
                case lineFeed
            }

            var phase = Phase.start
            /// Where the line starts.
            var lineStart: Int
            /// The next byte to look at.
            var index: Int
            /// The colon's offset, once past it.
            var nameEnd = 0
            /// Where the value (or reason phrase) starts, once past the colon's whitespace.
            var valueStart = 0
            /// Where the value so far ends without trailing SP/HTAB (for a reason phrase: where the CR is).
            var valueEnd = 0

            /// A line starting at `offset`, not scanned yet.
            init(at offset: Int) {
                self.lineStart = offset
                self.index = offset
            }
        }

        /// A status line that was read whole.
        struct StatusLine {
            var status: Int
            var minorVersion: Int
            var reasonStart: Int
            var reasonEnd: Int
            /// Where the next line starts.
            var next: Int
        }

        /// What scanning a status line found.
        enum StatusLineScan {
            case complete(StatusLine)
            case incomplete
            case malformed
        }

        /// Scans the status line at offset 0 from where `line` stopped: `HTTP/1.0` or `HTTP/1.1`, SP, three digits
        /// (the first 1–9), then CRLF or SP, reason, CRLF. A wrong byte is found as soon as it is there.
        static func statusLine(
            _ bytes: UnsafeRawBufferPointer,
            end: Int,
            _ line: inout LineProgress
        ) -> StatusLineScan {
            // Offsets 0...6: "HTTP/1."; 7: the minor version; 8: SP; 9...11: the status; 12: CR or SP.
            if line.phase == .start {
                let prefix: StaticString = "HTTP/1."
                let prefixBytes = prefix.utf8Start
                var index = 0
                while index < 13 {
                    guard index < end else {
                        return .incomplete
                    }
                    let byte = bytes[index]
                    let fits: Bool
                    switch index {
                    case 0..<7: fits = byte == prefixBytes[index]
                    case 7: fits = byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1")
                    case 8: fits = byte == Self.space
                    case 9: fits = byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9")
                    case 10, 11: fits = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                    default: fits = byte == Self.cr || byte == Self.space
                    }
                    guard fits else {
                        return .malformed
                    }
                    index += 1
                }
                if bytes[12] == Self.cr {
                    line.valueStart = 12
                    line.valueEnd = 12
                    line.index = 13
                    line.phase = .lineFeed
                } else {
                    line.valueStart = 13
                    line.index = 13
                    line.phase = .value
                }
            }
            if line.phase == .value {
                var index = line.index
                while true {
                    guard index < end else {
                        line.index = index
                        return .incomplete
                    }
                    let byte = bytes[index]
                    if byte == Self.cr {
                        break
                    }
                    guard Self.isTextByte(byte) else {
                        return .malformed
                    }
                    index += 1
                }
                line.valueEnd = index
                line.index = index + 1
                line.phase = .lineFeed
            }
            guard line.index < end else {
                return .incomplete
            }
            guard bytes[line.index] == Self.lf else {
                return .malformed
            }
            let status =
                Int(bytes[9] &- UInt8(ascii: "0")) * 100 + Int(bytes[10] &- UInt8(ascii: "0")) * 10
                + Int(bytes[11] &- UInt8(ascii: "0"))
            return .complete(
                StatusLine(
                    status: status,
                    minorVersion: Int(bytes[7] &- UInt8(ascii: "0")),
                    reasonStart: line.valueStart,
                    reasonEnd: line.valueEnd,
                    next: line.index + 1
                )
            )
        }

        /// What scanning a field line found.
        enum FieldLineScan {
            /// A field line, and where the next line starts.
            case field(UpstreamResponseHead.Field, next: Int)
            /// The blank line that ends the section, and where the bytes after it start.
            case blank(next: Int)
            case incomplete
            case malformed
        }

        /// Scans a field line from where `line` stopped: a token, a colon right after it, a value of text bytes
        /// (trimmed of SP/HTAB), CRLF; or just CRLF. A line starting with SP/HTAB (obs-fold), a bare CR or LF, or any
        /// other byte out of place is malformed as soon as it is there.
        @inline(__always)
        static func fieldLine(_ bytes: UnsafeRawBufferPointer, end: Int, _ line: inout LineProgress) -> FieldLineScan {
            var index = line.index
            var phase = line.phase
            var valueEnd = line.valueEnd
            if phase == .start {
                guard index < end else {
                    return .incomplete
                }
                let byte = bytes[index]
                if byte == Self.cr {
                    phase = .blankLineFeed
                } else if Self.isTokenByte(byte) {
                    phase = .name
                } else {
                    return .malformed
                }
                index += 1
            }
            if phase == .blankLineFeed {
                guard index < end else {
                    line.index = index
                    line.phase = phase
                    return .incomplete
                }
                return bytes[index] == Self.lf ? .blank(next: index + 1) : .malformed
            }
            if phase == .name {
                while true {
                    guard index < end else {
                        line.index = index
                        line.phase = phase
                        return .incomplete
                    }
                    let byte = bytes[index]
                    if Self.isTokenByte(byte) {
                        index += 1
                        continue
                    }
                    guard byte == Self.colon else {
                        return .malformed
                    }
                    line.nameEnd = index
                    index += 1
                    phase = .beforeValue
                    break
                }
            }
            if phase == .beforeValue {
                while true {
                    guard index < end else {
                        line.index = index
                        line.phase = phase
                        return .incomplete
                    }
                    guard Self.isWhitespace(bytes[index]) else {
                        break
                    }
                    index += 1
                }
                line.valueStart = index
                valueEnd = index
                phase = .value
            }
            if phase == .value {
                while true {
                    guard index < end else {
                        line.index = index
                        line.phase = phase
                        line.valueEnd = valueEnd
                        return .incomplete
                    }
                    let byte = bytes[index]
                    if byte == Self.cr {
                        break
                    }
                    guard Self.isTextByte(byte) else {
                        return .malformed
                    }
                    index += 1
                    if !Self.isWhitespace(byte) {
                        valueEnd = index
                    }
                }
                index += 1
                phase = .lineFeed
            }
            // At the LF after the line's CR.
            guard index < end else {
                line.index = index
                line.phase = phase
                line.valueEnd = valueEnd
                return .incomplete
            }
            guard bytes[index] == Self.lf else {
                return .malformed
            }
            let field = UpstreamResponseHead.Field(
                nameStart: Int32(truncatingIfNeeded: line.lineStart),
                nameEnd: Int32(truncatingIfNeeded: line.nameEnd),
                valueStart: Int32(truncatingIfNeeded: line.valueStart),
                valueEnd: Int32(truncatingIfNeeded: valueEnd)
            )
            return .field(field, next: index + 1)
        }

        /// The size in a chunk-size line that ends with the LF at `lineFeed`, or nil when the line is malformed:
        /// 1–16 hex digits (fitting an `Int`), then either CRLF or optional SP/HTAB, `;` and extension text, CRLF.
        static func chunkSize(_ bytes: UnsafeRawBufferPointer, lineFeedAt lineFeed: Int) -> Int? {
            guard lineFeed > 0, bytes[lineFeed - 1] == Self.cr else {
                return nil
            }
            let end = lineFeed - 1
            var index = 0
            var size: UInt64 = 0
            while index < end, let digit = Self.hexValue(bytes[index]) {
                guard index < 16 else {
                    return nil
                }
                size = size << 4 | digit
                index += 1
            }
            guard index > 0, size <= UInt64(Int.max) else {
                return nil
            }
            if index < end {
                while index < end && Self.isWhitespace(bytes[index]) {
                    index += 1
                }
                guard index < end, bytes[index] == Self.semicolon else {
                    return nil
                }
                index += 1
                while index < end {
                    guard Self.isTextByte(bytes[index]) else {
                        return nil
                    }
                    index += 1
                }
            }
            return Int(size)
        }

        /// Walks the elements of a comma-separated field value (RFC 9110 §5.6.1): OWS around each element is
        /// dropped and empty elements are skipped.
        struct ListElements {
            private let bytes: UnsafeRawBufferPointer
            private var index: Int
            private let end: Int

            init(_ bytes: UnsafeRawBufferPointer, _ field: UpstreamResponseHead.Field) {
                self.bytes = bytes
                self.index = Int(field.valueStart)
                self.end = Int(field.valueEnd)
            }

            /// The next element's offsets, or nil after the last.
            mutating func next() -> (start: Int, end: Int)? {
                while self.index < self.end {
                    let byte = self.bytes[self.index]
                    if byte == Syntax.comma || Syntax.isWhitespace(byte) {
                        self.index += 1
                        continue
                    }
                    let start = self.index
                    while self.index < self.end && self.bytes[self.index] != Syntax.comma {
                        self.index += 1
                    }
                    var end = self.index
                    while end > start && Syntax.isWhitespace(self.bytes[end - 1]) {
                        end -= 1
                    }
                    return (start, end)
                }
                return nil
            }
        }
    }
}
