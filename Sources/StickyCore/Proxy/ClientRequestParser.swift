import NIOCore
import NIOHTTP1

/// Frames the requests on one client connection from raw bytes: heads, body bytes, ends.
///
/// It stands in for NIO's `HTTPRequestDecoder` on client connections: one pass over each head with integer
/// offsets, no `String` per header, and body bytes handed on as slices of what was read. It sits at the edge of the
/// network, so it is strict: every line ends in CRLF, no obs-fold, exactly one SP between the request line's parts,
/// one unambiguous body length (RFC 9112 §6.3), and anything else is a ``Failure`` the proxy answers and closes
/// on. That is what makes request smuggling through the proxy impossible: a backend never sees a request whose
/// framing the proxy read differently.
///
/// The driver feeds it what it reads (``append(_:)``) and pulls events with ``next()`` whenever it is ready for the
/// next one: requests pipelined behind the one in flight stay unparsed in the buffer until it pulls again. When the
/// client closes its side, ``endOfInput()`` says whether a request was cut short. A failure is sticky: every later
/// call throws it again.
///
/// It checks only what framing needs and what bounds memory; what a request may ask for (Host, CONNECT, the
/// version, cookie sizes) is the caller's to judge from the head.
struct ClientRequestParser {
    /// What the parser found next in the byte stream.
    enum Event {
        /// A request's head.
        case head(ClientRequestHead)
        /// Body bytes as they arrive (after chunk framing is taken off): slices, no copy. Never empty.
        case body(ByteBuffer)
        /// The request ended. `trailers`: the raw trailer field lines of a chunked body, each ending in CRLF,
        /// without the final blank line; nil when there were none.
        case end(trailers: ByteBuffer?)
    }

    /// Why a request is refused; the proxy answers with ``status`` and closes the connection.
    enum Failure: ChunkedBodyFailures, Equatable {
        /// The request line or a field line breaks the syntax (including a bad `Content-Length` value).
        case malformed
        /// Two `Content-Length`s, a list of them, `Content-Length` with `Transfer-Encoding`, or a
        /// `Transfer-Encoding` whose last coding is not `chunked` (or that has `chunked` before another coding).
        case ambiguousLength
        /// The chunked framing breaks the syntax: size line, CRLF after the data, or a trailer line.
        case malformedChunk
        /// The request target alone is longer than `maxTargetBytes`, or the request line does not end within
        /// `maxTargetBytes` and room for the method and version.
        case targetTooLong
        /// The field names and values are over `maxFieldBytes` (in the head, or in the trailer section), or the
        /// field section does not end within that and room for the line syntax.
        case headTooLarge
        /// The head, or the trailer section, has more than `maxFieldCount` field lines.
        case tooManyFields
        /// The client closed its side in the middle of a head or a body.
        case truncated

        /// The status the proxy answers the request with.
        var status: HTTPResponseStatus {
            switch self {
            case .malformed, .ambiguousLength, .malformedChunk, .truncated:
                return .badRequest
            case .targetTooLong:
                return .uriTooLong
            case .headTooLarge, .tooManyFields:
                return .requestHeaderFieldsTooLarge
            }
        }
    }

    /// Where the parser is in the byte stream.
    private enum State {
        /// Reading a head (``headProgress`` says how far; possibly not one byte of it yet).
        case head
        /// The body is over (or there is none): `.end` is the next event.
        case endPending
        /// A body of known length, with this many bytes still to come.
        case fixedBody(remaining: Int)
        /// A chunked body (``chunked`` says where in it).
        case chunkedBody
        /// An upgrade request ended: the parser is done, what is buffered belongs to the tunnel.
        case upgraded
        /// The input ended between requests: nothing more will be parsed.
        case closed
        /// A failure was thrown; it is thrown again on every call.
        case failed(Failure)
    }

    /// The bounds a head and a trailer section must keep, derived once from the configured limits.
    private struct Limits {
        /// The longest request target.
        var maxTargetBytes: Int
        /// The most bytes of field names and values in a head, or in a trailer section.
        var maxFieldBytes: Int
        /// The most field lines in a head, or in a trailer section.
        var maxFieldCount: Int
        /// The longest request line, CRLF included: the target and room for the method and version.
        var maxRequestLineBytes: Int
        /// The most bytes of a field section (after the request line, or after the last chunk), final CRLF
        /// included: the names and values, and room for the syntax of each line.
        var maxFieldSectionBytes: Int
    }

    private let limits: Limits
    /// Bytes read but not yet parsed (offsets below are relative to their reader index), and whether the input ended.
    private var buffer = HTTPInputBuffer()
    private var state = State.head
    /// The head being read.
    private var headProgress = HeadProgress.none
    /// How many empty lines were skipped before the head being read.
    private var emptyLinesSkipped = 0
    /// Whether the request being read asks to switch protocols: after its end, the parser stops.
    private var requestIsUpgrade = false
    /// The chunked body being read.
    private var chunked: ChunkedBodyReader
    /// How many fields a head reserves room for.
    private static var typicalFieldCount: Int { 16 }
    /// The most empty lines skipped before a request line (RFC 9112 §2.2 allows "at least one").
    private static var maxEmptyLines: Int { 8 }
    /// What a request line may take besides its target: the method, two SPs, `HTTP/x.y` and CRLF.
    private static var requestLineRoomBytes: Int { 64 }
    /// What a field line may take besides its name and value: colon, CRLF, and some SP/HTAB around the value.
    private static var fieldLineRoomBytes: Int { 32 }

    /// - Parameters:
    ///   - maxTargetBytes: the longest request target (longer: ``Failure/targetTooLong``).
    ///   - maxFieldBytes: the most bytes of field names and values together in a head, or in a trailer section
    ///     (more: ``Failure/headTooLarge``).
    ///   - maxFieldCount: the most field lines in a head, or in a trailer section (more:
    ///     ``Failure/tooManyFields``).
    init(maxTargetBytes: Int, maxFieldBytes: Int, maxFieldCount: Int) {
        precondition(maxTargetBytes > 0, "maxTargetBytes must be positive")
        precondition(maxFieldBytes >= 0 && maxFieldCount >= 0, "field limits must not be negative")
        let maxRequestLineBytes = maxTargetBytes + Self.requestLineRoomBytes
        let maxFieldSectionBytes = maxFieldBytes + maxFieldCount * Self.fieldLineRoomBytes + 2
        precondition(
            maxRequestLineBytes + maxFieldSectionBytes <= Int(Int32.max),
            "a head within the limits must fit field offsets"
        )
        self.limits = Limits(
            maxTargetBytes: maxTargetBytes,
            maxFieldBytes: maxFieldBytes,
            maxFieldCount: maxFieldCount,
            maxRequestLineBytes: maxRequestLineBytes,
            maxFieldSectionBytes: maxFieldSectionBytes
        )
        self.chunked = ChunkedBodyReader(
            maxSectionBytes: maxFieldSectionBytes,
            maxFieldBytes: maxFieldBytes,
            maxFieldCount: maxFieldCount
        )
    }

    /// Adds bytes read from the client. Bytes after the input ended or after a failure are dropped.
    mutating func append(_ bytes: ByteBuffer) {
        self.buffer.append(bytes)
    }

    /// The next event, or nil when more bytes are needed.
    ///
    /// After a request's `.end` it goes straight on to the next request's head (pipelining): the caller decides
    /// when to pull, and stops calling while a response is in flight. After the `.end` of an upgrade request
    /// (``ClientRequestHead/isUpgrade``) it stops for good and returns nil: the rest belongs to the tunnel
    /// (``takeBufferedBytes()``).
    mutating func next() throws(Failure) -> Event? {
        do {
            return try self.advance()
        } catch {
            self.fail(error)
            throw error
        }
    }

    /// The client closed its side. Returns nil between requests (nothing buffered, or only skippable empty lines),
    /// and after an upgrade request; throws ``Failure/truncated`` in the middle of a head or a body.
    ///
    /// Meant to be called once ``next()`` returned nil; if events were still pending it returns the next of them,
    /// and should be called again until it returns nil. Later calls of ``next()`` know the input ended too.
    mutating func endOfInput() throws(Failure) -> Event? {
        self.buffer.endInput()
        return try self.next()
    }

    /// Whether a request has begun (any byte of a head beyond skippable empty lines) and its `.end` has not been
    /// pulled: the head and body timeouts run only then.
    var isMidRequest: Bool {
        switch self.state {
        case .head:
            return self.isReadingHead
        case .endPending, .fixedBody, .chunkedBody:
            return true
        case .upgraded, .closed, .failed:
            return false
        }
    }

    /// Whether part of a head has arrived (for the head timeout): true from a head's first byte beyond skippable
    /// empty lines until its `.head` event.
    var isReadingHead: Bool {
        guard case .head = self.state else {
            return false
        }
        if self.headProgress.requestLine.hasBegun {
            return true
        }
        let emptyLinesSkipped = self.emptyLinesSkipped
        return self.buffer.bytes.withUnsafeReadableBytes { bytes in
            Self.holdsMoreThanEmptyLines(bytes, emptyLinesSkipped: emptyLinesSkipped)
        }
    }

    /// Whether bytes are buffered that no event has covered yet (a pipelined request, or the tunnel's first bytes).
    var hasBufferedBytes: Bool {
        self.buffer.readableBytes > 0
    }

    /// Bytes buffered but not yet parsed (after an upgrade request they belong to the tunnel). Taking them empties
    /// the buffer.
    mutating func takeBufferedBytes() -> ByteBuffer? {
        guard let taken = self.buffer.take() else {
            return nil
        }
        // Whatever was scanned of them went with them.
        self.headProgress = .none
        self.chunked.forgetScan()
        return taken
    }
}

// MARK: - Framing

extension ClientRequestParser {
    /// The state machine behind ``next()``: runs through framing until it has an event or needs bytes.
    private mutating func advance() throws(Failure) -> Event? {
        while true {
            switch self.state {
            case .failed(let failure):
                throw failure

            case .upgraded, .closed:
                return nil

            case .head:
                if let head = try self.readHead() {
                    return .head(head)
                }
                if self.buffer.inputEnded {
                    if self.isReadingHead {
                        throw .truncated
                    }
                    self.state = .closed
                }
                return nil

            case .endPending:
                return self.endRequest(trailers: nil)

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
                    return self.endRequest(trailers: trailers)
                case .needMore:
                    return try self.needMoreBody()
                }
            }
        }
    }

    /// The request's `.end`; then the next request's head, or nothing more after an upgrade request.
    private mutating func endRequest(trailers: ByteBuffer?) -> Event {
        self.state = self.requestIsUpgrade ? .upgraded : .head
        self.requestIsUpgrade = false
        return .end(trailers: trailers)
    }

    /// What to answer when a body needs more bytes: nil, or `.truncated` once the input ended.
    private func needMoreBody() throws(Failure) -> Event? {
        if self.buffer.inputEnded {
            throw .truncated
        }
        return nil
    }

    /// Steps the chunked body on, its failures mapped to the request's.
    private mutating func readChunked() throws(Failure) -> ChunkedBodyReader.Step {
        try self.chunked.read(from: &self.buffer, failingAs: Failure.self)
    }

    /// Makes `failure` the parser's last word: it is thrown again on every call, and the buffer is let go.
    private mutating func fail(_ failure: Failure) {
        self.state = .failed(failure)
        self.buffer.close()
        self.headProgress = .none
    }

    /// The framing of the body that follows `head` (whose length fields were found unambiguous): chunked, a
    /// length, or none at all (a request without either has no body, RFC 9112 §6.3).
    private static func bodyState(after head: ClientRequestHead) -> State {
        if head.isChunked {
            return .chunkedBody
        }
        if let length = head.contentLength, length > 0 {
            return .fixedBody(remaining: length)
        }
        return .endPending
    }
}

// MARK: - Heads

extension ClientRequestParser {
    /// A head being read: what its lines said so far, and where the scan stands.
    private struct HeadProgress {
        /// The head so far (its `bytes` are set once it is complete).
        var head: ClientRequestHead
        /// Whether the request line was read; until then `requestLine` is its progress.
        var readRequestLine = false
        /// How far the request line was scanned.
        var requestLine = HTTPSyntax.RequestLineProgress()
        /// How far the field line being read was scanned.
        var line = HTTPSyntax.LineProgress(at: 0)
        /// The offset the field section must end by (once the request line was read).
        var fieldSectionLimit = 0

        /// No head: holds no storage.
        static var none: HeadProgress {
            HeadProgress(
                head: ClientRequestHead(
                    bytes: ByteBuffer(),
                    method: .GET,
                    targetStart: 0,
                    targetEnd: 0,
                    majorVersion: 1,
                    minorVersion: 1,
                    fields: []
                )
            )
        }
    }

    /// What scanning the buffered bytes of a section found.
    private enum SectionScan {
        /// The section is not complete yet.
        case needMore
        /// The section is complete: this many bytes, through the blank line's CRLF.
        case complete(length: Int)
    }

    /// Reads a head; nil when more bytes are needed.
    private mutating func readHead() throws(Failure) -> ClientRequestHead? {
        guard try self.skipEmptyLines() else {
            return nil
        }
        let readable = self.buffer.readableBytes
        let bytes = self.buffer.bytes
        let limits = self.limits
        let scan = try bytes.withUnsafeReadableBytes { (pointer) throws(Failure) -> SectionScan in
            try Self.scanHead(pointer, readable: readable, limits: limits, into: &self.headProgress)
        }
        guard case .complete(let length) = scan else {
            if !self.headProgress.readRequestLine {
                // With the longest request line buffered and no end, the line is too long.
                if readable >= limits.maxRequestLineBytes {
                    throw .targetTooLong
                }
            } else if readable >= self.headProgress.fieldSectionLimit {
                throw .headTooLarge
            }
            return nil
        }
        self.headProgress.head.bytes = self.buffer.readSlice(length: length)
        let head = self.headProgress.head
        self.headProgress = .none
        self.emptyLinesSkipped = 0
        if head.hasTransferEncoding && (head.contentLength != nil || !head.isChunked) {
            // RFC 9112 §6.1 and §6.3: a request whose final coding is not chunked cannot be framed, and
            // Content-Length beside Transfer-Encoding is how requests are smuggled.
            throw .ambiguousLength
        }
        self.requestIsUpgrade = head.isUpgrade
        self.state = Self.bodyState(after: head)
        if head.isChunked {
            self.chunked.start()
        }
        return head
    }

    /// Consumes the empty lines (CRLF) before a request line, at most ``maxEmptyLines``; false when more bytes are
    /// needed to tell.
    private mutating func skipEmptyLines() throws(Failure) -> Bool {
        if self.headProgress.requestLine.hasBegun {
            return true
        }
        while true {
            let leading = self.buffer.leadingCRLF()
            guard leading != .empty && leading != .notCR else {
                // Nothing yet; or the request line's first byte (which its scan checks), or a bare LF.
                return leading == .notCR
            }
            guard self.emptyLinesSkipped < Self.maxEmptyLines && leading != .crNotLF else {
                throw .malformed
            }
            guard leading == .crlf else {
                return false
            }
            self.buffer.skip(2)
            self.emptyLinesSkipped += 1
        }
    }

    /// Whether `bytes` hold more than what may still be skipped as empty lines (CRLFs, and the CR of one more),
    /// `emptyLinesSkipped` having been skipped already.
    private static func holdsMoreThanEmptyLines(_ bytes: UnsafeRawBufferPointer, emptyLinesSkipped: Int) -> Bool {
        var index = 0
        var lines = emptyLinesSkipped
        while index < bytes.count {
            guard bytes[index] == HTTPSyntax.cr, lines < Self.maxEmptyLines else {
                return true
            }
            guard index + 1 < bytes.count else {
                return false
            }
            guard bytes[index + 1] == HTTPSyntax.lf else {
                return true
            }
            lines += 1
            index += 2
        }
        return false
    }

    /// Scans a head's lines from where the last scan stopped, recording what they say into `progress`.
    private static func scanHead(
        _ bytes: UnsafeRawBufferPointer,
        readable: Int,
        limits: Limits,
        into progress: inout HeadProgress
    ) throws(Failure) -> SectionScan {
        if !progress.readRequestLine {
            let end = min(readable, limits.maxRequestLineBytes)
            switch HTTPSyntax.requestLine(
                bytes,
                end: end,
                maxTargetBytes: limits.maxTargetBytes,
                &progress.requestLine
            ) {
            case .incomplete:
                return .needMore
            case .malformed:
                throw .malformed
            case .targetTooLong:
                throw .targetTooLong
            case .complete(let line):
                progress.head.method = ClientRequestHead.method(bytes, end: line.methodEnd)
                progress.head.targetStart = Int32(truncatingIfNeeded: line.targetStart)
                progress.head.targetEnd = Int32(truncatingIfNeeded: line.targetEnd)
                progress.head.majorVersion = line.majorVersion
                progress.head.minorVersion = line.minorVersion
                progress.head.fields.reserveCapacity(Self.typicalFieldCount)
                progress.readRequestLine = true
                progress.line = HTTPSyntax.LineProgress(at: line.next)
                progress.fieldSectionLimit = line.next + limits.maxFieldSectionBytes
            }
        }
        let end = min(readable, progress.fieldSectionLimit)
        while true {
            let allowed = limits.maxFieldBytes - progress.head.fieldBytes
            switch HTTPSyntax.fieldLine(bytes, end: end, maxNameValueBytes: allowed, &progress.line) {
            case .incomplete:
                return .needMore
            case .malformed:
                throw .malformed
            case .tooLarge:
                throw .headTooLarge
            case .blank(let next):
                return .complete(length: next)
            case .field(let field, let next):
                guard progress.head.fields.count < limits.maxFieldCount else {
                    throw .tooManyFields
                }
                try Self.record(field, at: progress.head.fields.count, in: bytes, into: &progress.head)
                progress.head.fields.append(field)
                progress.line = HTTPSyntax.LineProgress(at: next)
            }
        }
    }
}

// MARK: - What the fields say

extension ClientRequestParser {
    /// Notes in `head` what the field line at `index` of it says: its size, the body's length, the connection,
    /// Host, Upgrade, Expect, Cookie, forwarding and hop-by-hop fields.
    ///
    /// Names are compared by length first (``HTTPFieldKind``), so that most fields cost one switch.
    @inline(__always)
    private static func record(
        _ field: HTTPFieldOffsets,
        at index: Int,
        in bytes: UnsafeRawBufferPointer,
        into head: inout ClientRequestHead
    ) throws(Failure) {
        head.fieldBytes += field.nameLength + field.valueLength
        let kind = HTTPFieldKind(bytes, Int(field.nameStart), Int(field.nameEnd))
        switch kind {
        case .other:
            return
        case .contentLength:
            guard head.contentLength == nil else {
                throw .ambiguousLength
            }
            switch HTTPSyntax.contentLength(bytes, field) {
            case .length(let length):
                head.contentLength = length
            case .list:
                throw .ambiguousLength
            case .malformed:
                throw .malformed
            }
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
            if options.contains(.upgrade) {
                head.connectionUpgrade = true
            }
            if options.contains(.others) {
                head.hopByHop.connectionListsOthers = true
            }
        case .upgrade:
            if head.upgradeField == nil {
                head.upgradeField = index
            }
        case .host:
            head.hostCount += 1
            if head.hostField == nil {
                head.hostField = index
            }
        case .expect:
            head.hasExpect = true
            if HTTPSyntax.equalsLowercased(bytes, Int(field.valueStart), Int(field.valueEnd), "100-continue") {
                head.expectsContinue = true
            }
        case .cookie:
            head.cookieBytes += field.valueLength
        case .forwardedFor:
            head.hasForwardedFor = true
        case .forwardedProto:
            head.hasForwardedProto = true
        case .forwardedHost:
            head.hasForwardedHost = true
        case .setCookie, .otherHopByHop:
            break
        }
        if kind.isHopByHop {
            head.hopByHop.mark(index)
        }
    }
}
