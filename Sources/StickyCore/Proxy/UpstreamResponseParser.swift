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
    enum Failure: ChunkedBodyFailures, Equatable {
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
        /// A chunked body (``chunked`` says where in it).
        case chunkedBody
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
    /// Bytes read but not yet parsed (offsets below are relative to their reader index), and whether the input ended.
    private var buffer = HTTPInputBuffer()
    private var state = State.idle
    /// The requests sent whose responses have not started yet.
    private var expected = ExpectedResponses()
    /// Whether the response being read answers a HEAD request.
    private var answersHEAD = false
    /// Whether interim responses were skipped for the request being answered (so its response has begun).
    private var sawInterim = false
    /// The head being read.
    private var headProgress = HeadProgress.none
    /// The chunked body being read.
    private var chunked: ChunkedBodyReader
    /// How many fields a head reserves room for.
    private static var typicalFieldCount: Int { 16 }

    init(maxHeadBytes: Int, maxFieldCount: Int) {
        precondition(maxHeadBytes > 0 && maxHeadBytes <= Int(Int32.max), "maxHeadBytes must fit field offsets")
        precondition(maxFieldCount >= 0, "maxFieldCount must not be negative")
        self.maxHeadBytes = maxHeadBytes
        self.maxFieldCount = maxFieldCount
        self.chunked = ChunkedBodyReader(
            maxSectionBytes: maxHeadBytes,
            maxFieldBytes: maxHeadBytes,
            maxFieldCount: maxFieldCount
        )
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
        case .idle, .head, .endPending, .fixedBody, .chunkedBody, .untilClose:
            self.expected.append(isHEAD: isHEAD)
        }
    }

    /// Adds bytes read from the backend. Bytes after the input ended or after a failure are dropped.
    mutating func append(_ bytes: ByteBuffer) {
        self.buffer.append(bytes)
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
        self.buffer.endInput()
        return try self.next()
    }

    /// Whether the connection can carry another request after the response that just ended: false after a
    /// close-delimited body, after a 101, once the input ended, or once a failure was thrown. (Headers'
    /// Connection: close is the caller's business via head.isKeepAlive.)
    var isReusable: Bool {
        switch self.state {
        case .failed, .upgradePending, .upgraded, .closed, .untilClose:
            return false
        case .idle, .head, .endPending, .fixedBody, .chunkedBody:
            return !self.buffer.inputEnded
        }
    }

    /// Bytes buffered but not yet parsed (after a 101 they belong to the tunnel; also lets the caller see a backend
    /// that sent bytes nobody asked for). Taking them empties the buffer.
    mutating func takeBufferedBytes() -> ByteBuffer? {
        guard let taken = self.buffer.take() else {
            return nil
        }
        // Whatever was scanned of them went with them.
        if case .head = self.state {
            self.headProgress = .started(fieldCapacity: Self.typicalFieldCount)
        }
        self.chunked.forgetScan()
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
                    if self.buffer.inputEnded {
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
                if self.buffer.inputEnded {
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
                guard let slice = self.buffer.readBody(upTo: remaining) else {
                    return try self.needMoreBody()
                }
                let left = remaining - slice.readableBytes
                self.state = left == 0 ? .endPending : .fixedBody(remaining: left)
                return .body(slice)

            case .chunkedBody:
                switch try self.readChunked() {
                case .body(let slice):
                    return .body(slice)
                case .end(let trailers):
                    self.state = .idle
                    return .end(trailers: trailers)
                case .needMore:
                    return try self.needMoreBody()
                }

            case .untilClose:
                guard let slice = self.buffer.readBody(upTo: Int.max) else {
                    if self.buffer.inputEnded {
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
        if self.buffer.inputEnded {
            throw .truncated
        }
        return nil
    }

    /// Steps the chunked body on, its failures mapped to the response's.
    private mutating func readChunked() throws(Failure) -> ChunkedBodyReader.Step {
        try self.chunked.read(from: &self.buffer, failingAs: Failure.self)
    }

    /// Makes `failure` the parser's last word: it is thrown again on every call, and the buffer is let go.
    private mutating func fail(_ failure: Failure) {
        self.state = .failed(failure)
        self.buffer.close()
        self.headProgress = .none
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
            return .chunkedBody
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
        var line = HTTPSyntax.LineProgress(at: 0)

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
            let bytes = self.buffer.bytes
            let maxFieldCount = self.maxFieldCount
            let scan = try bytes.withUnsafeReadableBytes { (pointer) throws(Failure) -> SectionScan in
                try Self.scanHead(pointer, window: window, maxFieldCount: maxFieldCount, into: &self.headProgress)
            }
            guard case .complete(let length) = scan else {
                return try self.needMoreHead(readable: readable)
            }
            self.headProgress.head.bytes = self.buffer.readSlice(length: length)
            let head = self.headProgress.head
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
            if head.isChunked {
                self.chunked.start()
            }
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
            switch HTTPSyntax.statusLine(bytes, end: window, &progress.line) {
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
                progress.line = HTTPSyntax.LineProgress(at: line.next)
            }
        }
        while true {
            switch HTTPSyntax.fieldLine(bytes, end: window, maxNameValueBytes: window, &progress.line) {
            case .incomplete:
                return .needMore
            case .malformed:
                throw .malformedHead
            case .tooLarge:
                // Not reached: a field cannot be longer than the window it is in.
                throw .headTooLarge
            case .blank(let next):
                return .complete(length: next)
            case .field(let field, let next):
                guard progress.head.fields.count < maxFieldCount else {
                    throw .tooManyFields
                }
                try Self.record(field, in: bytes, into: &progress.head)
                progress.head.fields.append(field)
                progress.line = HTTPSyntax.LineProgress(at: next)
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
    /// Names are compared by length first (``HTTPFieldKind``), so that most fields cost one switch.
    @inline(__always)
    private static func record(
        _ field: UpstreamResponseHead.Field,
        in bytes: UnsafeRawBufferPointer,
        into head: inout UpstreamResponseHead
    ) throws(Failure) {
        let kind = HTTPFieldKind(bytes, Int(field.nameStart), Int(field.nameEnd))
        switch kind {
        case .other:
            return
        case .contentLength:
            guard head.contentLength == nil else {
                throw .ambiguousLength
            }
            guard case .length(let length) = HTTPSyntax.contentLength(bytes, field) else {
                throw .malformedHead
            }
            head.contentLength = length
        case .transferEncoding:
            head.hasTransferEncoding = true
            guard HTTPSyntax.addTransferCodings(bytes, field, isChunked: &head.isChunked) else {
                throw .ambiguousLength
            }
        case .connection:
            let options = HTTPSyntax.connectionOptions(bytes, field)
            if options.contains(.close) {
                head.connectionClose = true
            }
            if options.contains(.keepAlive) {
                head.connectionKeepAlive = true
            }
            if options.contains(.others) {
                head.hopByHop.connectionListsOthers = true
            }
        case .setCookie:
            head.hasSetCookie = true
        case .upgrade, .otherHopByHop, .host, .expect, .cookie, .forwardedFor, .forwardedProto, .forwardedHost:
            break
        }
        if kind.isHopByHop {
            head.hopByHop.mark(head.fields.count)
        }
    }
}
