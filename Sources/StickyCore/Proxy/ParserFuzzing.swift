import NIOCore
import NIOHTTP1

/// What the libFuzzer targets `FuzzRequestParser` and `FuzzResponseParser` (the `Fuzz/` package) run on each input:
/// a byte stream is fed to ``ClientRequestParser`` or ``UpstreamResponseParser`` whole, one byte at a time, and in
/// pieces cut where the input says, and the process stops when the three ways disagree or an invariant breaks.
///
/// Nothing in the proxy calls it; it is public only to the `Fuzzing` SPI because the parsers are internal.
///
/// An input's first byte says how to feed the rest of it, the stream:
/// - bit 0: the input ends after the stream (`endOfInput()`);
/// - the whole byte seeds the sizes (1–64 bytes) of the pieces of the third way;
/// - for responses, bits 1–2: how many responses are expected before the stream arrives (1–4); bit 3: one more is
///   expected at each response's end (else none); bits 4–7: whether the nth expected response answers a HEAD
///   request (bit 4 + n % 4).
@_spi(Fuzzing)
public enum ParserFuzzing {
    /// Checks ``ClientRequestParser`` on one fuzzer input (see ``ParserFuzzing``).
    public static func checkRequests(_ input: UnsafeRawBufferPointer) {
        guard let control = input.first else {
            return
        }
        let stream = Array(input.dropFirst())
        let endsInput = control & 1 != 0
        let whole = Self.feedRequests(stream, cuts: [], endsInput: endsInput)
        let byteByByte = Self.feedRequests(stream, cuts: Array(0..<stream.count), endsInput: endsInput)
        Self.invariant(byteByByte == whole, "one byte at a time: \(byteByByte)\nwhole: \(whole)")
        let cuts = Self.cuts(count: stream.count, control: control)
        let pieces = Self.feedRequests(stream, cuts: cuts, endsInput: endsInput)
        Self.invariant(pieces == whole, "cut at \(cuts): \(pieces)\nwhole: \(whole)")
        Self.check(whole, of: stream)
    }

    /// Checks ``UpstreamResponseParser`` on one fuzzer input (see ``ParserFuzzing``).
    public static func checkResponses(_ input: UnsafeRawBufferPointer) {
        guard let control = input.first else {
            return
        }
        let stream = Array(input.dropFirst())
        let whole = Self.feedResponses(stream, cuts: [], control: control)
        let byteByByte = Self.feedResponses(stream, cuts: Array(0..<stream.count), control: control)
        Self.invariant(byteByByte == whole, "one byte at a time: \(byteByByte)\nwhole: \(whole)")
        let cuts = Self.cuts(count: stream.count, control: control)
        let pieces = Self.feedResponses(stream, cuts: cuts, control: control)
        Self.invariant(pieces == whole, "cut at \(cuts): \(pieces)\nwhole: \(whole)")
        Self.check(whole, of: stream)
    }

    /// The unit tests' limits: small enough that short inputs reach them.
    private static var maxTargetBytes: Int { 256 }
    private static var maxFieldBytes: Int { 1024 }
    private static var maxFieldCount: Int { 16 }
    private static var maxHeadBytes: Int { 1024 }

    /// Stops the process when `condition` is false, naming the rule that broke (unlike `precondition`, `fatalError`
    /// keeps its message in an optimized build, and the fuzzer saves the input).
    private static func invariant(_ condition: Bool, _ rule: @autoclosure () -> String) {
        if !condition {
            Self.broken(rule())
        }
    }

    private static func broken(_ rule: String) -> Never {
        fatalError("invariant broken: \(rule)")
    }
}

// MARK: - Feeding a stream

extension ParserFuzzing {
    /// Everything a parser said about one stream, in a form to compare: consecutive bodies are joined, so that how
    /// the stream was cut does not show.
    private struct Transcript<Head: Equatable, Failure: Error & Equatable, Status: Equatable>: Equatable {
        enum Item: Equatable {
            case head(Head)
            case body([UInt8])
            case end(trailers: [UInt8]?)
            /// `endOfInput()` was called.
            case endOfInput
        }

        var items: [Item] = []
        var failure: Failure?
        /// What the parser said of itself once the whole stream was fed and its events pulled (nil after a failure).
        var status: Status?
        /// What `takeBufferedBytes()` gave at the end.
        var leftover: [UInt8] = []

        mutating func record(body: ByteBuffer) {
            ParserFuzzing.invariant(body.readableBytes > 0, "an empty body event")
            if case .body(var earlier) = self.items.last {
                self.items.removeLast()
                earlier += body.readableBytesView
                self.items.append(.body(earlier))
            } else {
                self.items.append(.body(Array(body.readableBytesView)))
            }
        }

        mutating func record(trailers: ByteBuffer?) {
            ParserFuzzing.invariant(trailers?.readableBytes != 0, "empty trailers rather than nil")
            self.items.append(.end(trailers: trailers.map { Array($0.readableBytesView) }))
        }
    }

    private struct RequestStatus: Equatable {
        var isMidRequest: Bool
        var isReadingHead: Bool
        var hasBufferedBytes: Bool
    }

    private struct ResponseStatus: Equatable {
        var isReusable: Bool
        var hasBufferedBytes: Bool
    }

    private typealias RequestTranscript = Transcript<RequestHead, ClientRequestParser.Failure, RequestStatus>
    private typealias ResponseTranscript = Transcript<ResponseHead, UpstreamResponseParser.Failure, ResponseStatus>

    /// Where the third way cuts a stream of `count` bytes: pieces of 1–64 bytes, their sizes drawn from a generator
    /// (xorshift) seeded with the input's first byte.
    private static func cuts(count: Int, control: UInt8) -> [Int] {
        var random = UInt64(control) &+ 0x9E37_79B9_7F4A_7C15
        var cuts: [Int] = []
        var offset = 0
        while true {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            offset += 1 + Int(random % 64)
            if offset >= count {
                return cuts
            }
            cuts.append(offset)
        }
    }

    /// `stream` as a reader would get it when cut at `cuts` (increasing offsets; 0 cuts nothing off).
    private static func pieces(of stream: [UInt8], cutAt cuts: [Int]) -> [ByteBuffer] {
        var pieces: [ByteBuffer] = []
        var start = 0
        for cut in cuts + [stream.count] where cut > start {
            pieces.append(ByteBuffer(bytes: stream[start..<cut]))
            start = cut
        }
        return pieces
    }

    /// Feeds `stream` cut at `cuts`, pulling every event after each piece, then ends the input if asked; after a
    /// failure, checks that the parser keeps throwing it.
    private static func feedRequests(_ stream: [UInt8], cuts: [Int], endsInput: Bool) -> RequestTranscript {
        var parser = ClientRequestParser(
            maxTargetBytes: Self.maxTargetBytes,
            maxFieldBytes: Self.maxFieldBytes,
            maxFieldCount: Self.maxFieldCount
        )
        var transcript = RequestTranscript()
        func record(_ event: ClientRequestParser.Event) {
            switch event {
            case .head(let head): transcript.items.append(.head(RequestHead(head)))
            case .body(let bytes): transcript.record(body: bytes)
            case .end(let trailers): transcript.record(trailers: trailers)
            }
        }
        do {
            for piece in Self.pieces(of: stream, cutAt: cuts) {
                parser.append(piece)
                while let event = try parser.next() {
                    record(event)
                }
            }
            transcript.status = RequestStatus(
                isMidRequest: parser.isMidRequest,
                isReadingHead: parser.isReadingHead,
                hasBufferedBytes: parser.hasBufferedBytes
            )
            if endsInput {
                transcript.items.append(.endOfInput)
                while let event = try parser.endOfInput() {
                    record(event)
                }
            }
        } catch {
            transcript.failure = error
            // A failure is sticky: later bytes are dropped and every call throws it again.
            parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
            var again: [ClientRequestParser.Failure?] = [nil, nil]
            do { _ = try parser.next() } catch { again[0] = error }
            do { _ = try parser.endOfInput() } catch { again[1] = error }
            Self.invariant(again == [error, error], "after \(error), next() and endOfInput() threw \(again)")
            Self.invariant(!parser.hasBufferedBytes && !parser.isMidRequest, "bytes kept after \(error)")
        }
        transcript.leftover = parser.takeBufferedBytes().map { Array($0.readableBytesView) } ?? []
        return transcript
    }

    /// Feeds `stream` cut at `cuts` as ``feedRequests(_:cuts:endsInput:)`` does, telling the parser of requests sent
    /// as the input's first byte says.
    private static func feedResponses(_ stream: [UInt8], cuts: [Int], control: UInt8) -> ResponseTranscript {
        var parser = UpstreamResponseParser(maxHeadBytes: Self.maxHeadBytes, maxFieldCount: Self.maxFieldCount)
        var transcript = ResponseTranscript()
        var requestsSent = 0
        var headsSeen = 0
        func answersHEAD(_ request: Int) -> Bool {
            control >> (4 + request % 4) & 1 != 0
        }
        func sendRequest() {
            parser.expectResponse(isHEAD: answersHEAD(requestsSent))
            requestsSent += 1
        }
        func record(_ event: UpstreamResponseParser.Event) {
            switch event {
            case .head(let head):
                transcript.items.append(.head(ResponseHead(head, answersHEAD: answersHEAD(headsSeen))))
                headsSeen += 1
            case .body(let bytes):
                transcript.record(body: bytes)
            case .end(let trailers):
                transcript.record(trailers: trailers)
                if control & 0b1000 != 0 {
                    sendRequest()
                }
            }
        }
        for _ in 0...(control >> 1 & 0b11) {
            sendRequest()
        }
        do {
            for piece in Self.pieces(of: stream, cutAt: cuts) {
                parser.append(piece)
                while let event = try parser.next() {
                    record(event)
                }
            }
            transcript.status = ResponseStatus(isReusable: parser.isReusable, hasBufferedBytes: parser.hasBufferedBytes)
            if control & 1 != 0 {
                transcript.items.append(.endOfInput)
                while let event = try parser.endOfInput() {
                    record(event)
                }
            }
        } catch {
            transcript.failure = error
            // A failure is sticky: later bytes are dropped and every call throws it again.
            parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n"))
            var again: [UpstreamResponseParser.Failure?] = [nil, nil]
            do { _ = try parser.next() } catch { again[0] = error }
            do { _ = try parser.endOfInput() } catch { again[1] = error }
            Self.invariant(again == [error, error], "after \(error), next() and endOfInput() threw \(again)")
            Self.invariant(!parser.hasBufferedBytes && !parser.isReusable, "bytes kept after \(error)")
        }
        transcript.leftover = parser.takeBufferedBytes().map { Array($0.readableBytesView) } ?? []
        return transcript
    }
}

// MARK: - Requests

extension ParserFuzzing {
    /// What a request head says, to compare: its bytes, offsets and every derived property.
    private struct RequestHead: Equatable {
        var bytes: [UInt8]
        var method: HTTPMethod
        var targetStart: Int32, targetEnd: Int32
        var majorVersion: Int, minorVersion: Int
        var fields: [HTTPFieldOffsets]
        var contentLength: Int?
        var hasTransferEncoding, isChunked: Bool
        var connectionClose, connectionKeepAlive, connectionUpgrade: Bool
        var hostCount: Int
        var hostField, upgradeField: Int?
        var expectsContinue, hasExpect, hasHopByHop: Bool
        var hasForwardedFor, hasForwardedProto, hasForwardedHost: Bool
        var cookieBytes, fieldBytes: Int
        var isKeepAlive, isUpgrade: Bool

        init(_ head: ClientRequestHead) {
            self.bytes = Array(head.bytes.readableBytesView)
            self.method = head.method
            (self.targetStart, self.targetEnd) = (head.targetStart, head.targetEnd)
            (self.majorVersion, self.minorVersion) = (head.majorVersion, head.minorVersion)
            self.fields = head.fields
            self.contentLength = head.contentLength
            (self.hasTransferEncoding, self.isChunked) = (head.hasTransferEncoding, head.isChunked)
            self.connectionClose = head.connectionClose
            self.connectionKeepAlive = head.connectionKeepAlive
            self.connectionUpgrade = head.connectionUpgrade
            (self.hostCount, self.hostField, self.upgradeField) = (head.hostCount, head.hostField, head.upgradeField)
            (self.expectsContinue, self.hasExpect) = (head.expectsContinue, head.hasExpect)
            self.hasHopByHop = head.hasHopByHop
            self.hasForwardedFor = head.hasForwardedFor
            self.hasForwardedProto = head.hasForwardedProto
            self.hasForwardedHost = head.hasForwardedHost
            (self.cookieBytes, self.fieldBytes) = (head.cookieBytes, head.fieldBytes)
            (self.isKeepAlive, self.isUpgrade) = (head.isKeepAlive, head.isUpgrade)
        }
    }

    /// The invariants of what a request parser said about `stream`.
    private static func check(_ transcript: RequestTranscript, of stream: [UInt8]) {
        Self.checkLeftover(transcript.leftover, of: stream, failed: transcript.failure != nil)
        var request: (head: RequestHead, body: [UInt8])?
        var upgrade: (head: RequestHead, body: [UInt8], trailers: [UInt8]?)?
        for item in transcript.items {
            switch item {
            case .head(let head):
                Self.invariant(request == nil && upgrade == nil, "a head before the end of the request before")
                Self.check(head)
                request = (head, [])
            case .body(let bytes):
                guard let head = request?.head else {
                    Self.broken("a body without a head")
                }
                request?.body += bytes
                let length = request?.body.count ?? 0
                Self.invariant(head.isChunked || length <= head.contentLength ?? 0, "a body past its Content-Length")
            case .end(let trailers):
                guard let (head, body) = request else {
                    Self.broken("an end without a head")
                }
                Self.invariant(head.isChunked || body.count == head.contentLength ?? 0, "a body ended short")
                Self.invariant(trailers == nil || head.isChunked, "trailers after a body that was not chunked")
                Self.invariant(trailers?.suffix(2).elementsEqual([13, 10]) ?? true, "trailers not ending in CRLF")
                if head.isUpgrade {
                    upgrade = (head, body, trailers)
                }
                request = nil
            case .endOfInput:
                break
            }
        }
        if let upgrade {
            // What the tunnel gets is exactly what follows the upgrade request.
            let request =
                upgrade.head.isChunked ? (upgrade.trailers ?? []) + [13, 10] : upgrade.head.bytes + upgrade.body
            let rest = stream.dropLast(transcript.leftover.count)
            Self.invariant(
                rest.suffix(request.count).elementsEqual(request),
                "tunnel bytes are not those after the request"
            )
        }
    }

    /// The invariants of a request head: offsets in bounds, the method as sent, the limits kept, the derived
    /// properties as its fields say.
    private static func check(_ head: RequestHead) {
        let bytes = head.bytes
        Self.invariant(bytes.suffix(4).elementsEqual([13, 10, 13, 10]), "a head not ending in a blank line")
        let (targetStart, targetEnd) = (Int(head.targetStart), Int(head.targetEnd))
        Self.invariant(1 < targetStart && targetStart < targetEnd && targetEnd < bytes.count, "target out of bounds")
        Self.invariant(targetEnd - targetStart <= Self.maxTargetBytes, "a target over the limit")
        Self.invariant(bytes[targetStart..<targetEnd].allSatisfy(HTTPSyntax.isTargetByte), "a bad byte in the target")
        Self.invariant(bytes[..<(targetStart - 1)].elementsEqual(head.method.rawValue.utf8), "a method not as sent")
        Self.invariant(head.fields.count <= Self.maxFieldCount, "more fields than the limit")
        Self.invariant(head.fieldBytes <= Self.maxFieldBytes, "more field bytes than the limit")
        Self.checkFields(head.fields, of: bytes, after: targetEnd)

        let kinds = Self.kinds(of: head.fields, in: bytes)
        Self.invariant(
            head.fieldBytes == head.fields.reduce(0) { $0 + $1.nameLength + $1.valueLength }
                && head.hostCount == kinds.count { $0 == .host }
                && head.hostField == kinds.firstIndex(of: .host)
                && head.upgradeField == kinds.firstIndex(of: .upgrade)
                && head.hasHopByHop == kinds.contains { $0.isHopByHop }
                && (head.contentLength != nil) == kinds.contains(.contentLength)
                && head.hasTransferEncoding == kinds.contains(.transferEncoding)
                && head.cookieBytes
                    == zip(kinds, head.fields).reduce(0) { $0 + ($1.0 == .cookie ? $1.1.valueLength : 0) },
            "a derived property that its fields do not say"
        )
    }
}

// MARK: - Responses

extension ParserFuzzing {
    /// What a response head says, to compare: its bytes, offsets and every derived property, and whether it answers
    /// a HEAD request.
    private struct ResponseHead: Equatable {
        var bytes: [UInt8]
        var status: Int
        var minorVersion: Int
        var reasonStart: Int32, reasonEnd: Int32
        var fields: [HTTPFieldOffsets]
        var contentLength: Int?
        var hasTransferEncoding, isChunked: Bool
        var connectionClose, connectionKeepAlive: Bool
        var hasSetCookie, hasHopByHop: Bool
        var isKeepAlive: Bool
        var answersHEAD: Bool

        init(_ head: UpstreamResponseHead, answersHEAD: Bool) {
            self.bytes = Array(head.bytes.readableBytesView)
            (self.status, self.minorVersion) = (head.status, head.minorVersion)
            (self.reasonStart, self.reasonEnd) = (head.reasonStart, head.reasonEnd)
            self.fields = head.fields
            self.contentLength = head.contentLength
            (self.hasTransferEncoding, self.isChunked) = (head.hasTransferEncoding, head.isChunked)
            (self.connectionClose, self.connectionKeepAlive) = (head.connectionClose, head.connectionKeepAlive)
            (self.hasSetCookie, self.hasHopByHop) = (head.hasSetCookie, head.hasHopByHop)
            self.isKeepAlive = head.isKeepAlive
            self.answersHEAD = answersHEAD
        }

        /// How many body bytes the response has: nil when chunks or the close delimit it.
        var bodyLength: Int? {
            if self.answersHEAD || self.status == 101 || self.status == 204 || self.status == 304 {
                return 0
            }
            return self.hasTransferEncoding ? nil : self.contentLength
        }
    }

    /// The invariants of what a response parser said about `stream`.
    private static func check(_ transcript: ResponseTranscript, of stream: [UInt8]) {
        Self.checkLeftover(transcript.leftover, of: stream, failed: transcript.failure != nil)
        var response: (head: ResponseHead, body: Int)?
        var upgrade: ResponseHead?
        var inputEnded = false
        for item in transcript.items {
            switch item {
            case .head(let head):
                Self.invariant(response == nil && upgrade == nil, "a head before the end of the response before")
                Self.check(head)
                response = (head, 0)
            case .body(let bytes):
                guard let head = response?.head else {
                    Self.broken("a body without a head")
                }
                response?.body += bytes.count
                let length = response?.body ?? 0
                Self.invariant(head.bodyLength.map { length <= $0 } ?? true, "a body past its length")
            case .end(let trailers):
                guard let (head, body) = response else {
                    Self.broken("an end without a head")
                }
                Self.invariant(head.bodyLength.map { body == $0 } ?? true, "a body ended short")
                Self.invariant(
                    head.bodyLength != nil || head.isChunked || inputEnded,
                    "a close-delimited body ended early"
                )
                Self.invariant(trailers == nil || head.isChunked, "trailers after a body that was not chunked")
                Self.invariant(trailers?.suffix(2).elementsEqual([13, 10]) ?? true, "trailers not ending in CRLF")
                if head.status == 101 {
                    upgrade = head
                }
                response = nil
            case .endOfInput:
                inputEnded = true
            }
        }
        if let upgrade {
            // What the tunnel gets is exactly what follows the 101's head.
            let rest = stream.dropLast(transcript.leftover.count)
            Self.invariant(
                rest.suffix(upgrade.bytes.count).elementsEqual(upgrade.bytes),
                "tunnel bytes are not those after the 101"
            )
            Self.invariant(transcript.status?.isReusable != true, "reusable after a 101")
        }
    }

    /// The invariants of a response head: a final status as sent, offsets in bounds, the limits kept, the derived
    /// properties as its fields say.
    private static func check(_ head: ResponseHead) {
        let bytes = head.bytes
        Self.invariant(bytes.suffix(4).elementsEqual([13, 10, 13, 10]), "a head not ending in a blank line")
        Self.invariant(bytes.count <= Self.maxHeadBytes, "a head over the limit")
        Self.invariant(head.status == 101 || head.status >= 200, "an interim head")
        Self.invariant(
            bytes.prefix(12).elementsEqual("HTTP/1.\(head.minorVersion) \(head.status)".utf8),
            "a status line other than the version and status found"
        )
        let (reasonStart, reasonEnd) = (Int(head.reasonStart), Int(head.reasonEnd))
        Self.invariant(12 <= reasonStart && reasonStart <= reasonEnd && reasonEnd < bytes.count, "reason out of bounds")
        Self.invariant(bytes[reasonStart..<reasonEnd].allSatisfy(HTTPSyntax.isTextByte), "a bad byte in the reason")
        Self.invariant(head.fields.count <= Self.maxFieldCount, "more fields than the limit")
        Self.checkFields(head.fields, of: bytes, after: reasonEnd)

        let kinds = Self.kinds(of: head.fields, in: bytes)
        Self.invariant(
            head.hasHopByHop == kinds.contains { $0.isHopByHop }
                && head.hasSetCookie == kinds.contains(.setCookie)
                && (head.contentLength != nil) == kinds.contains(.contentLength)
                && head.hasTransferEncoding == kinds.contains(.transferEncoding),
            "a derived property that its fields do not say"
        )
    }
}

// MARK: - Both

extension ParserFuzzing {
    /// What is left buffered is the end of the stream, and nothing once the parser failed.
    private static func checkLeftover(_ leftover: [UInt8], of stream: [UInt8], failed: Bool) {
        Self.invariant(!failed || leftover.isEmpty, "bytes kept after a failure")
        Self.invariant(
            stream.suffix(leftover.count).elementsEqual(leftover),
            "leftover bytes that do not end the stream"
        )
    }

    /// Field lines in order after the start line (ending at `startLineEnd`), each starting a line: a name of tchars,
    /// a colon, a value of text bytes without SP/HTAB at either end, and the head's final CRLF after the last.
    private static func checkFields(_ fields: [HTTPFieldOffsets], of bytes: [UInt8], after startLineEnd: Int) {
        var end = startLineEnd
        for field in fields {
            let (nameStart, nameEnd) = (Int(field.nameStart), Int(field.nameEnd))
            let (valueStart, valueEnd) = (Int(field.valueStart), Int(field.valueEnd))
            Self.invariant(
                end < nameStart && nameStart < nameEnd && nameEnd < valueStart && valueStart <= valueEnd
                    && valueEnd <= bytes.count - 4,
                "field offsets out of order or out of bounds"
            )
            Self.invariant(bytes[nameStart - 1] == 10 && bytes[nameEnd] == HTTPSyntax.colon, "a field not a line")
            Self.invariant(bytes[nameStart..<nameEnd].allSatisfy(HTTPSyntax.isTokenByte), "a name byte not a tchar")
            let value = bytes[valueStart..<valueEnd]
            Self.invariant(value.allSatisfy(HTTPSyntax.isTextByte), "a bad byte in a value")
            Self.invariant(
                !(value.first.map(HTTPSyntax.isWhitespace) ?? false)
                    && !(value.last.map(HTTPSyntax.isWhitespace) ?? false),
                "a value not trimmed"
            )
            end = valueEnd
        }
    }

    /// What each field of a head is, by its name.
    private static func kinds(of fields: [HTTPFieldOffsets], in bytes: [UInt8]) -> [HTTPFieldKind] {
        bytes.withUnsafeBytes { bytes in
            fields.map { HTTPFieldKind(bytes, Int($0.nameStart), Int($0.nameEnd)) }
        }
    }
}
