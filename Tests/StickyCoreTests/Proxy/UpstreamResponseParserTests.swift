import NIOCore
import Testing

@testable import StickyCore

/// The backend response parser on byte streams: every input is also fed one byte at a time and cut at random points,
/// and must give the same events, failure and leftover bytes each way.
@Suite("upstream response parser")
struct UpstreamResponseParserTests {
    typealias Failure = UpstreamResponseParser.Failure

    // MARK: Bodies

    @Test func contentLengthBody() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello")
        #expect(transcript.failure == nil)
        #expect(transcript.items.count == 3)
        let head = transcript.heads.first
        #expect(head?.status == 200)
        #expect(head?.minorVersion == 1)
        #expect(head?.reason == "OK")
        #expect(head?.contentLength == 5)
        #expect(head?.fields == ["Content-Length: 5", "X-A: b"])
        #expect(transcript.items.dropFirst() == [.body("hello"), .end(trailers: nil)])
        #expect(transcript.isReusable)
        #expect(transcript.leftover.isEmpty)
    }

    @Test func zeroLengthBodyEndsRightAfterTheHead() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.contentLength == 0)
        #expect(transcript.items.dropFirst() == [.end(trailers: nil)])
        #expect(transcript.isReusable)
    }

    @Test func contentLengthMayHaveLeadingZerosAndSurroundingWhitespace() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nContent-Length: \t 003 \t\r\n\r\nabc")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.contentLength == 3)
        #expect(transcript.items.dropFirst() == [.body("abc"), .end(trailers: nil)])
    }

    @Test func contentLengthOfEighteenDigitsIsAccepted() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\nab")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.contentLength == 999_999_999_999_999_999)
        #expect(transcript.items.dropFirst() == [.body("ab")])
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() {
        let transcript = Self.framed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ;a=\"b c\"\t;d\r\n world\r\n0;last\r\n"
                + "X-Checksum: abc\r\nx-other:d \r\n\r\n"
        )
        #expect(transcript.failure == nil)
        let head = transcript.heads.first
        #expect(head?.isChunked == true)
        #expect(head?.hasTransferEncoding == true)
        #expect(head?.hasHopByHop == true)
        #expect(head?.contentLength == nil)
        #expect(
            transcript.items.dropFirst() == [
                .body("hello world"), .end(trailers: "X-Checksum: abc\r\nx-other:d \r\n"),
            ]
        )
        #expect(transcript.isReusable)
        #expect(transcript.leftover.isEmpty)
    }

    @Test func chunkedBodySplitAcrossManyAppends() {
        var input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n"
        var expected = ""
        for index in 0..<40 {
            let data = String(repeating: Character(String(index % 10)), count: index * 7 + 1)
            input += String(data.utf8.count, radix: 16, uppercase: index.isMultiple(of: 2)) + "\r\n" + data + "\r\n"
            expected += data
        }
        input += "0000\r\n\r\n"
        let transcript = Self.framed(input)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.isChunked == true)
        #expect(transcript.items.dropFirst() == [.body(expected), .end(trailers: nil)])
        #expect(transcript.isReusable)

        // One append per byte, checking each event as it comes: bodies are never empty.
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        var body: [UInt8] = []
        var ends = 0
        for byte in input.utf8 {
            parser.append(ByteBuffer(bytes: [byte]))
            while let event = try? parser.next() {
                switch event {
                case .head:
                    break
                case .body(let bytes):
                    #expect(bytes.readableBytes > 0)
                    body += bytes.readableBytesView
                case .end(let trailers):
                    #expect(trailers == nil)
                    ends += 1
                }
            }
        }
        #expect(String(decoding: body, as: UTF8.self) == expected)
        #expect(ends == 1)
        #expect(!parser.hasBufferedBytes)
    }

    @Test func chunkSizeOfSixteenHexDigitsIsAccepted() {
        let transcript = Self.framed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000003\r\nabc\r\n0\r\n\r\n"
        )
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.body("abc"), .end(trailers: nil)])
    }

    @Test func closeDelimitedBodyEndsAtEndOfInput() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nsome body bytes", close: true)
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.body("some body bytes"), .endOfInput, .end(trailers: nil)])
        #expect(!transcript.isReusable)
    }

    @Test func closeDelimitedBodyIsNotReusableBeforeItEnds() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\nabc"))
        guard case .head = try parser.next() else {
            Issue.record("expected a head")
            return
        }
        #expect(!parser.isReusable)
        guard case .body(let body) = try parser.next() else {
            Issue.record("expected a body")
            return
        }
        #expect(String(buffer: body) == "abc")
        #expect(try parser.next() == nil)
        guard case .end(nil) = try parser.endOfInput() else {
            Issue.record("expected the end")
            return
        }
        #expect(try parser.endOfInput() == nil)
        #expect(try parser.next() == nil)
        #expect(!parser.isReusable)
    }

    @Test func emptyCloseDelimitedBodyEndsAtEndOfInput() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\n\r\n", close: true)
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.endOfInput, .end(trailers: nil)])
    }

    @Test func http10WithoutLengthIsCloseDelimited() {
        let transcript = Self.framed("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold", close: true)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.minorVersion == 0)
        #expect(transcript.items.dropFirst() == [.body("old"), .endOfInput, .end(trailers: nil)])
        #expect(!transcript.isReusable)
    }

    @Test func http10WithLengthIsFramedByIt() {
        let transcript = Self.framed("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nnew")
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.body("new"), .end(trailers: nil)])
        #expect(transcript.isReusable)
    }

    @Test func transferEncodingNotEndingInChunkedIsCloseDelimited() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\u{1}\u{2}", close: true)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.isChunked == false)
        #expect(transcript.heads.first?.hasTransferEncoding == true)
        #expect(transcript.items.dropFirst() == [.body("\u{1}\u{2}"), .endOfInput, .end(trailers: nil)])
    }

    @Test func transferEncodingFieldsAreJoined() {
        let transcript = Self.framed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: , Chunked ,\r\n\r\n1\r\nx\r\n0\r\n\r\n"
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.isChunked == true)
        #expect(transcript.items.dropFirst() == [.body("x"), .end(trailers: nil)])
    }

    // MARK: Responses without a body

    @Test func headResponseIgnoresContentLength() {
        let transcript = Self.framed(
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            requests: [true, false]
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.contentLength) == [10, 2])
        #expect(transcript.items.count == 5)
        #expect(transcript.items[1] == .end(trailers: nil))
        #expect(transcript.items[3...] == [.body("ok"), .end(trailers: nil)])
    }

    @Test func headResponseIgnoresChunked() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", requests: [true])
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.end(trailers: nil)])
        #expect(transcript.isReusable)
    }

    @Test(arguments: [204, 304])
    func noContentAndNotModifiedIgnoreContentLength(status: Int) {
        let transcript = Self.framed(
            "HTTP/1.1 \(status) X\r\nContent-Length: 7\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!",
            requests: [false, false]
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.status) == [status, 200])
        #expect(transcript.items[1] == .end(trailers: nil))
        #expect(transcript.items[3...] == [.body("!"), .end(trailers: nil)])
    }

    // MARK: Interim responses and upgrades

    @Test func interimResponsesAreSkipped() {
        let transcript = Self.framed(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.status) == [200])
        #expect(transcript.items.dropFirst() == [.body("ok"), .end(trailers: nil)])
        #expect(transcript.isReusable)
    }

    @Test func interimResponsesAreValidated() {
        let transcript = Self.framed("HTTP/1.1 100 Continue\r\nBad Name: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
        #expect(transcript.failure == .malformedHead)
        #expect(transcript.items.isEmpty)
    }

    @Test func switchingProtocolsEndsParsing() throws {
        let tunnel: [UInt8] = [0x81, 0x05] + Array("hello".utf8) + Array("HTTP/1.1 200 OK\r\n\r\n".utf8)
        let input = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8)
        let transcript = Self.framed(input + tunnel, requests: [false, false])
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.status) == [101])
        #expect(transcript.heads.first?.hasHopByHop == true)
        #expect(transcript.items.dropFirst() == [.end(trailers: nil)])
        #expect(transcript.leftover == tunnel)
        #expect(!transcript.isReusable)

        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(bytes: input + tunnel))
        _ = try parser.next()
        _ = try parser.next()
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "more"))
        parser.expectResponse(isHEAD: false)
        #expect(try parser.next() == nil)
        #expect(try parser.endOfInput() == nil)
        #expect(!parser.isReusable)
        #expect(parser.takeBufferedBytes().map { Array($0.readableBytesView) } == tunnel + Array("more".utf8))
        #expect(!parser.hasBufferedBytes)
        #expect(parser.takeBufferedBytes() == nil)
    }

    // MARK: Several responses

    @Test func pipelinedResponsesNeedOneExpectationEach() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(
            ByteBuffer(
                string:
                    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nB"
            )
        )
        var events = try Self.drain(&parser)
        #expect(events == ["head 200", "body A", "end"])
        #expect(parser.isReusable)
        #expect(parser.hasBufferedBytes)
        #expect(try parser.next() == nil)

        parser.expectResponse(isHEAD: false)
        events = try Self.drain(&parser)
        #expect(events == ["head 201", "body B", "end"])
        #expect(!parser.hasBufferedBytes)
        #expect(try parser.next() == nil)
        #expect(try parser.endOfInput() == nil)
    }

    @Test func expectationsQueueUpInOrder() {
        let transcript = Self.framed(
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                + "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nC\r\n0\r\nT: 1\r\n\r\n",
            requests: [false, true, false]
        )
        #expect(transcript.failure == nil)
        #expect(
            Array(transcript.items.filter { if case .head = $0 { false } else { true } }) == [
                .body("A"), .end(trailers: nil), .end(trailers: nil), .body("C"), .end(trailers: "T: 1\r\n"),
            ]
        )
        #expect(transcript.heads.count == 3)
        #expect(transcript.leftover.isEmpty)
    }

    @Test func bytesWhileIdleStayBufferedUntilTheInputEnds() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n"))
        #expect(try parser.next() == nil)
        #expect(parser.hasBufferedBytes)
        #expect(parser.isReusable)
        #expect(throws: Failure.unexpectedBytes) { try parser.endOfInput() }
        #expect(!parser.isReusable)
    }

    @Test func bytesAfterAResponseAreUnexpected() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAjunk", close: true)
        #expect(transcript.failure == .unexpectedBytes)
        #expect(transcript.items.dropFirst() == [.body("A"), .end(trailers: nil), .endOfInput])
    }

    @Test func bytesWhileIdleCanBeTaken() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.append(ByteBuffer(string: "junk"))
        #expect(parser.takeBufferedBytes().map { String(buffer: $0) } == "junk")
        #expect(!parser.hasBufferedBytes)
        #expect(try parser.endOfInput() == nil)
    }

    // MARK: End of input

    @Test func endOfInputWithNothingExpectedOrReceived() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        #expect(try parser.endOfInput() == nil)
        #expect(!parser.isReusable)

        var waiting = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        waiting.expectResponse(isHEAD: false)
        #expect(try waiting.next() == nil)
        #expect(try waiting.endOfInput() == nil)
        #expect(!waiting.isReusable)
    }

    @Test func endOfInputBeforeDrainingGivesThePendingEventsFirst() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        var events: [String] = []
        while let event = try parser.endOfInput() {
            switch event {
            case .head(let head): events.append("head \(head.status)")
            case .body(let bytes): events.append("body \(String(buffer: bytes))")
            case .end: events.append("end")
            }
        }
        #expect(events == ["head 200", "body ok", "end"])
        #expect(!parser.isReusable)
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Le",
        "HTTP/1.1 200 OK\r\n\r",
        "H",
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
    ])
    func endOfInputMidResponseIsTruncated(input: String) {
        let transcript = Self.framed(input, close: true)
        #expect(transcript.failure == .truncated)
        #expect(!transcript.isReusable)
    }

    // MARK: Connection

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n\r\n", true, false, false),
        ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", false, true, false),
        ("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n", true, false, true),
        ("HTTP/1.1 200 OK\r\nconnection: Upgrade,  CLOSE \r\n\r\n", false, true, false),
        ("HTTP/1.0 200 OK\r\n\r\n", false, false, false),
        ("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n", true, false, true),
        ("HTTP/1.0 200 OK\r\nConnection: x\r\nConnection: keep-alive\r\n\r\n", true, false, true),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n\r\n", false, true, true),
        ("HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\n\r\n", false, false, false),
        ("HTTP/1.1 200 OK\r\nConnection: closed, keep-alives\r\n\r\n", true, false, false),
    ])
    func keepAlive(input: String, isKeepAlive: Bool, close: Bool, keepAlive: Bool) {
        let transcript = Self.framed(input, requests: [true])
        let head = transcript.heads.first
        #expect(head?.isKeepAlive == isKeepAlive)
        #expect(head?.connectionClose == close)
        #expect(head?.connectionKeepAlive == keepAlive)
    }

    @Test(arguments: [
        ("TE", true), ("Upgrade", true), ("Connection", true), ("KEEP-ALIVE", true), ("Proxy-Connection", true),
        ("Transfer-Encoding", true), ("Proxy-Authenticate", true), ("proxy-authorization", true), ("X-TE", false),
        ("Upgrades", false), ("Set-Cookie", false), ("Keep-Alive2", false), ("Proxy-Authorizatio", false),
    ])
    func hopByHopFields(name: String, isHopByHop: Bool) {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\n\(name): x\r\n\r\n", requests: [true])
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.hasHopByHop == isHopByHop)
    }

    // MARK: The head's fields

    @Test func valuesAreFoundWithoutCaseInOrder() throws {
        let head = try Self.head(
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Other: no\r\nset-cookie: b=2; Path=/\r\nSET-COOKIE:c=3\r\n"
                + "X-Spaces: \t spaced  value \t\r\nX-Empty:\r\nX-Blank:   \r\n\r\n"
        )
        #expect(head.hasSetCookie)
        #expect(!head.hasHopByHop)
        #expect(head.values(of: "set-cookie") == ["a=1", "b=2; Path=/", "c=3"])
        #expect(head.values(of: "SeT-CoOkIe") == ["a=1", "b=2; Path=/", "c=3"])
        #expect(head.values(of: "set-cooki").isEmpty)
        #expect(head.values(of: "set-cookies").isEmpty)
        #expect(head.values(of: "x-spaces") == ["spaced  value"])
        #expect(head.values(of: "x-empty") == [""])
        #expect(head.values(of: "x-blank") == [""])
        #expect(head.values(of: "missing").isEmpty)
    }

    @Test func forEachFieldGivesNamesAndValuesInOrder() throws {
        let head = try Self.head("HTTP/1.1 200 OK\r\nA: 1\r\nbb:two words \r\nC-C:\r\nD: \u{80}\u{FF}\r\n\r\n")
        var seen: [String] = []
        head.forEachField { name, value in
            seen.append(String(decoding: name, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self))
        }
        #expect(seen == ["A=1", "bb=two words", "C-C=", "D=\u{80}\u{FF}"])
        let first = try #require(head.fields.first)
        #expect(first.nameEnd - first.nameStart == 1)
        #expect(head.bytes.getString(at: head.bytes.readerIndex + Int(first.nameEnd), length: 1) == ":")
        #expect(head.bytes.getString(at: head.bytes.readerIndex + Int(first.valueStart), length: 1) == "1")
    }

    @Test func statusLineParts() throws {
        let notFound = try Self.head("HTTP/1.0 404 Not Found\r\n\r\n")
        #expect(notFound.status == 404)
        #expect(notFound.minorVersion == 0)
        #expect(notFound.reasonPhrase == "Not Found")
        #expect(notFound.fields.isEmpty)
        #expect(String(buffer: notFound.bytes) == "HTTP/1.0 404 Not Found\r\n\r\n")

        let bare = try Self.head("HTTP/1.1 999\r\n\r\n")
        #expect(bare.status == 999)
        #expect(bare.reasonPhrase == "")
        #expect(bare.reasonStart == bare.reasonEnd)

        let empty = try Self.head("HTTP/1.1 500 \r\n\r\n")
        #expect(empty.reasonPhrase == "")

        let odd = try Self.head("HTTP/1.1 200 \tOK \u{E9} !\r\n\r\n")
        #expect(odd.reasonPhrase == "\tOK \u{E9} !")
    }

    @Test func headIsASliceOfWhatWasRead() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        let input = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")
        parser.append(input)
        guard case .head(let head) = try parser.next(), case .body(let body) = try parser.next() else {
            Issue.record("expected a head and a body")
            return
        }
        let inputStart = input.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) }
        #expect(head.bytes.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart)
        #expect(body.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart + 38)
        #expect(!parser.hasBufferedBytes)
    }

    // MARK: Limits

    @Test func headUpToTheLimitIsAccepted() {
        let input = "HTTP/1.1 200 OK\r\nX-A: bcd\r\n\r\n"
        let transcript = Self.framed(input, requests: [true], maxHeadBytes: input.utf8.count)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.count == 1)
    }

    @Test func completeHeadOverTheLimitIsRefused() {
        let input = "HTTP/1.1 200 OK\r\nX-A: bcd\r\n\r\n"
        let transcript = Self.framed(input, requests: [true], maxHeadBytes: input.utf8.count - 1)
        #expect(transcript.failure == .headTooLarge)
        #expect(transcript.items.isEmpty)
    }

    @Test func incompleteHeadOverTheLimitIsRefused() {
        let input = "HTTP/1.1 200 OK\r\nX-A: " + String(repeating: "b", count: 100)
        let transcript = Self.framed(input, maxHeadBytes: 64)
        #expect(transcript.failure == .headTooLarge)

        var parser = UpstreamResponseParser(maxHeadBytes: 64, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(bytes: input.utf8.prefix(63)))
        #expect(throws: Never.self) { try parser.next() }
        parser.append(ByteBuffer(string: "b"))
        #expect(throws: Failure.headTooLarge) { try parser.next() }
    }

    @Test func fieldsUpToTheLimitAreAccepted() {
        let transcript = Self.framed(
            "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            requests: [true],
            maxFieldCount: 3
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.fields.count == 3)
    }

    @Test func tooManyFieldsAreRefused() {
        let transcript = Self.framed("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", maxFieldCount: 3)
        #expect(transcript.failure == .tooManyFields)
    }

    @Test func trailersCountAgainstTheLimits() {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        let fits = Self.framed(head + "A: 1\r\nB: 2\r\n\r\n", maxFieldCount: 2)
        #expect(fits.failure == nil)
        #expect(fits.items.last == .end(trailers: "A: 1\r\nB: 2\r\n"))
        #expect(Self.framed(head + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", maxFieldCount: 2).failure == .tooManyFields)
        // 64 bytes with the final CRLF.
        let longest = "X: " + String(repeating: "y", count: 57) + "\r\n\r\n"
        #expect(Self.framed(head + longest, maxHeadBytes: 64).failure == nil)
        #expect(Self.framed(head + "Z" + longest, maxHeadBytes: 64).failure == .headTooLarge)
        let unterminated = "X: " + String(repeating: "y", count: 70)
        #expect(Self.framed(head + unterminated, maxHeadBytes: 64).failure == .headTooLarge)
    }

    @Test func chunkSizeLineOverTheLimitIsRefused() {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        let longest = "1;" + String(repeating: "e", count: 4094) + "\r\nx\r\n0\r\n\r\n"
        #expect(Self.framed(head + longest).failure == nil)
        let tooLong = "1;" + String(repeating: "e", count: 4095) + "\r\nx\r\n0\r\n\r\n"
        #expect(Self.framed(head + tooLong).failure == .malformedChunk)
        let unterminated = "1;" + String(repeating: "e", count: 5000)
        #expect(Self.framed(head + unterminated).failure == .malformedChunk)
    }

    // MARK: Rejections

    @Test(arguments: Rejection.all)
    func rejection(_ rejection: Rejection) {
        let transcript = Self.framed(rejection.input, close: rejection.close)
        #expect(transcript.failure == rejection.failure)
        #expect(!transcript.isReusable)
    }

    @Test func failureIsSticky() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nA"))
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        parser.expectResponse(isHEAD: false)
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        #expect(throws: Failure.ambiguousLength) { try parser.endOfInput() }
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        #expect(!parser.isReusable)
        #expect(!parser.hasBufferedBytes)
    }

    @Test func truncationIsSticky() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nA"))
        _ = try Self.drain(&parser)
        #expect(throws: Failure.truncated) { try parser.endOfInput() }
        #expect(throws: Failure.truncated) { try parser.endOfInput() }
        #expect(throws: Failure.truncated) { try parser.next() }
    }

    @Test func typedThrows() {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(string: "HTTP/2.0 200 OK\r\n\r\n"))
        do {
            _ = try parser.next()
            Issue.record("expected a failure")
        } catch {
            // `error` is an UpstreamResponseParser.Failure, not `any Error`.
            #expect(error == .malformedHead)
        }
    }
}

// MARK: - Rejection cases

extension UpstreamResponseParserTests {
    /// A response the parser must refuse, and the failure it must refuse it with.
    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var failure: UpstreamResponseParser.Failure
        /// Whether the input ends (for failures only endOfInput can find).
        var close = false

        var testDescription: String { self.name }

        init(_ name: String, _ input: String, _ failure: UpstreamResponseParser.Failure, close: Bool = false) {
            self.init(name, Array(input.utf8), failure, close: close)
        }

        init(_ name: String, _ input: [UInt8], _ failure: UpstreamResponseParser.Failure, close: Bool = false) {
            self.name = name
            self.input = input
            self.failure = failure
            self.close = close
        }

        /// A head whose field lines are `fields` (each without its CRLF).
        static func head(_ fields: String...) -> String {
            "HTTP/1.1 200 OK\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        }

        /// A head with a field whose value holds `byte`.
        static func valueWith(_ byte: UInt8) -> [UInt8] {
            Array("HTTP/1.1 200 OK\r\nX-A: a".utf8) + [byte] + Array("b\r\n\r\n".utf8)
        }

        /// A chunked response whose body is `body`.
        static func chunked(_ body: String) -> String {
            Self.head("Transfer-Encoding: chunked") + body
        }

        static let all: [Rejection] = [
            // Length
            .init("CL and TE", head("Content-Length: 5", "Transfer-Encoding: chunked"), .ambiguousLength),
            .init("TE and CL", head("Transfer-Encoding: chunked", "Content-Length: 5"), .ambiguousLength),
            .init("TE gzip and CL", head("Transfer-Encoding: gzip", "content-length: 5"), .ambiguousLength),
            .init("two equal CLs", head("Content-Length: 5", "Content-Length: 5"), .ambiguousLength),
            .init("two CLs", head("Content-Length: 5", "content-length: 6"), .ambiguousLength),
            .init("CL with plus", head("Content-Length: +5"), .malformedHead),
            .init("CL with minus", head("Content-Length: -5"), .malformedHead),
            .init("CL list", head("Content-Length: 5,5"), .malformedHead),
            .init("CL list with space", head("Content-Length: 5, 5"), .malformedHead),
            .init("CL with letters", head("Content-Length: 5a"), .malformedHead),
            .init("CL in hex", head("Content-Length: 0x5"), .malformedHead),
            .init("CL with inner space", head("Content-Length: 1 2"), .malformedHead),
            .init("empty CL", head("Content-Length: "), .malformedHead),
            .init("CL of 19 digits", head("Content-Length: 1000000000000000000"), .malformedHead),
            .init("chunked not last", head("Transfer-Encoding: chunked, gzip"), .ambiguousLength),
            .init("chunked twice", head("Transfer-Encoding: chunked, chunked"), .ambiguousLength),
            .init(
                "chunked not last across fields",
                head("Transfer-Encoding: chunked", "Transfer-Encoding: gzip"),
                .ambiguousLength
            ),
            // Field lines
            .init("obs-fold", head("X-A: a", " b"), .malformedHead),
            .init("obs-fold with tab", head("X-A: a", "\tb"), .malformedHead),
            .init("first field folded", "HTTP/1.1 200 OK\r\n X-A: a\r\n\r\n", .malformedHead),
            .init("NUL in value", valueWith(0x00), .malformedHead),
            .init("CTL in value", valueWith(0x01), .malformedHead),
            .init("ESC in value", valueWith(0x1B), .malformedHead),
            .init("DEL in value", valueWith(0x7F), .malformedHead),
            .init("bare LF in value", head("X-A: a\nb"), .malformedHead),
            .init("bare CR in value", head("X-A: a\rb"), .malformedHead),
            .init("bare LF ending a field", "HTTP/1.1 200 OK\r\nX-A: a\n\r\n", .malformedHead),
            .init("bare LF ending the head", "HTTP/1.1 200 OK\r\nX-A: a\r\n\n", .malformedHead),
            .init("bare CR ending the head", "HTTP/1.1 200 OK\r\nX-A: a\r\n\rX", .malformedHead),
            .init("bare CR in name", head("X-\rA: a"), .malformedHead),
            .init("separator in name", head("X(A): a"), .malformedHead),
            .init("slash in name", head("X/A: a"), .malformedHead),
            .init("space in name", head("X A: a"), .malformedHead),
            .init("non-ASCII in name", head("X-\u{E9}: a"), .malformedHead),
            .init("space before colon", head("X-A : a"), .malformedHead),
            .init("tab before colon", head("X-A\t: a"), .malformedHead),
            .init("empty name", head(": a"), .malformedHead),
            .init("no colon", head("X-A"), .malformedHead),
            // Status line
            .init("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", .malformedHead),
            .init("HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", .malformedHead),
            .init("lower-case version", "http/1.1 200 OK\r\n\r\n", .malformedHead),
            .init("not HTTP", "ICY 200 OK\r\n\r\n", .malformedHead),
            .init("two-digit status", "HTTP/1.1 20\r\n\r\n", .malformedHead),
            .init("two-digit status and reason", "HTTP/1.1 20 OK\r\n\r\n", .malformedHead),
            .init("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", .malformedHead),
            .init("status 099", "HTTP/1.1 099 X\r\n\r\n", .malformedHead),
            .init("status with letter", "HTTP/1.1 2x0 OK\r\n\r\n", .malformedHead),
            .init("two spaces", "HTTP/1.1  200 OK\r\n\r\n", .malformedHead),
            .init("no space before reason", "HTTP/1.1 200OK\r\n\r\n", .malformedHead),
            .init("tab before status", "HTTP/1.1\t200 OK\r\n\r\n", .malformedHead),
            .init("status line ends in bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", .malformedHead),
            .init("status line ends in bare CR", "HTTP/1.1 200 OK\r\r\n\r\n", .malformedHead),
            .init("status line without CRLF", "HTTP/1.1 200 OK", .truncated, close: true),
            .init("NUL in reason", Array("HTTP/1.1 200 O".utf8) + [0] + Array("K\r\n\r\n".utf8), .malformedHead),
            .init("DEL in reason", Array("HTTP/1.1 200 O".utf8) + [0x7F] + Array("K\r\n\r\n".utf8), .malformedHead),
            .init("blank line first", "\r\nHTTP/1.1 200 OK\r\n\r\n", .malformedHead),
            .init("leading space", " HTTP/1.1 200 OK\r\n\r\n", .malformedHead),
            // Chunked framing
            .init("empty chunk size", chunked("\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("non-hex chunk size", chunked("xyz\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("chunk size 0x", chunked("0x3\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("negative chunk size", chunked("-3\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("17 hex digits", chunked("00000000000000003\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("chunk size over Int.max", chunked("8000000000000000\r\n"), .malformedChunk),
            .init("space after size without extension", chunked("3 \r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("space before size", chunked(" 3\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("junk after size", chunked("3x\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("NUL in extension", chunked("3;a\u{0}\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("bare CR in extension", chunked("3;a\rb\r\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("bare LF after size", chunked("3\nabc\r\n0\r\n\r\n"), .malformedChunk),
            .init("no CRLF after data", chunked("3\r\nabcd\r\n0\r\n\r\n"), .malformedChunk),
            .init("bare LF after data", chunked("3\r\nabc\n0\r\n\r\n"), .malformedChunk),
            .init("bare CR after data", chunked("3\r\nabc\rX0\r\n\r\n"), .malformedChunk),
            .init("bare LF after last chunk", chunked("0\n\r\n"), .malformedChunk),
            .init("bad trailer name", chunked("0\r\nX A: b\r\n\r\n"), .malformedChunk),
            .init("trailer without colon", chunked("0\r\nX-A\r\n\r\n"), .malformedChunk),
            .init("folded trailer", chunked("0\r\nX-A: b\r\n c\r\n\r\n"), .malformedChunk),
            .init("NUL in trailer", chunked("0\r\nX-A: b\u{0}\r\n\r\n"), .malformedChunk),
            .init("bare LF in trailers", chunked("0\r\nX-A: b\n\r\n"), .malformedChunk),
            .init("bare LF ending trailers", chunked("0\r\nX-A: b\r\n\n"), .malformedChunk),
        ]
    }
}

// MARK: - Feeding bytes and collecting events

extension UpstreamResponseParserTests {
    /// What a head says, in a form to compare.
    struct HeadSummary: Equatable {
        var raw: String
        var status: Int
        var minorVersion: Int
        var reason: String
        /// "name: value" per field.
        var fields: [String]
        var contentLength: Int?
        var hasTransferEncoding: Bool
        var isChunked: Bool
        var connectionClose: Bool
        var connectionKeepAlive: Bool
        var hasSetCookie: Bool
        var hasHopByHop: Bool
        var isKeepAlive: Bool

        init(_ head: UpstreamResponseHead) {
            self.raw = String(buffer: head.bytes)
            self.status = head.status
            self.minorVersion = head.minorVersion
            self.reason = head.reasonPhrase
            var fields: [String] = []
            head.forEachField { name, value in
                fields.append(String(decoding: name, as: UTF8.self) + ": " + String(decoding: value, as: UTF8.self))
            }
            self.fields = fields
            self.contentLength = head.contentLength
            self.hasTransferEncoding = head.hasTransferEncoding
            self.isChunked = head.isChunked
            self.connectionClose = head.connectionClose
            self.connectionKeepAlive = head.connectionKeepAlive
            self.hasSetCookie = head.hasSetCookie
            self.hasHopByHop = head.hasHopByHop
            self.isKeepAlive = head.isKeepAlive
        }
    }

    /// One thing seen while feeding a parser; consecutive bodies are joined, so that how bytes were split does not
    /// show.
    enum Item: Equatable {
        case head(HeadSummary)
        case body(String)
        case end(trailers: String?)
        /// `endOfInput()` was called.
        case endOfInput
    }

    /// Everything a parser said about one byte stream.
    struct Transcript: Equatable {
        var items: [Item] = []
        var failure: UpstreamResponseParser.Failure?
        /// What `takeBufferedBytes()` gave at the end.
        var leftover: [UInt8] = []
        var isReusable = true

        var heads: [HeadSummary] {
            self.items.compactMap { item in
                if case .head(let head) = item { head } else { nil }
            }
        }

        mutating func record(_ event: UpstreamResponseParser.Event) {
            switch event {
            case .head(let head):
                self.items.append(.head(HeadSummary(head)))
            case .body(let bytes):
                #expect(bytes.readableBytes > 0, "bodies are never empty")
                if case .body(let earlier) = self.items.last {
                    self.items[self.items.count - 1] = .body(earlier + String(buffer: bytes))
                } else {
                    self.items.append(.body(String(buffer: bytes)))
                }
            case .end(let trailers):
                self.items.append(.end(trailers: trailers.map { String(buffer: $0) }))
            }
        }
    }

    /// Feeds `input` cut at `cuts`, draining events after each append; then, with `close`, ends the input.
    static func feed(
        _ input: [UInt8],
        cuts: [Int],
        requests: [Bool],
        close: Bool,
        maxHeadBytes: Int,
        maxFieldCount: Int
    ) -> Transcript {
        var parser = UpstreamResponseParser(maxHeadBytes: maxHeadBytes, maxFieldCount: maxFieldCount)
        for isHEAD in requests {
            parser.expectResponse(isHEAD: isHEAD)
        }
        var transcript = Transcript()
        do {
            var start = 0
            for cut in cuts + [input.count] where cut > start {
                parser.append(ByteBuffer(bytes: input[start..<cut]))
                start = cut
                while let event = try parser.next() {
                    transcript.record(event)
                }
            }
            if close {
                transcript.items.append(.endOfInput)
                while let event = try parser.endOfInput() {
                    transcript.record(event)
                }
            }
        } catch {
            transcript.failure = error
        }
        transcript.leftover = parser.takeBufferedBytes().map { Array($0.readableBytesView) } ?? []
        transcript.isReusable = parser.isReusable
        return transcript
    }

    /// Feeds `input` whole, one byte at a time, and cut at two random points many times, expects the same transcript
    /// each way, and returns it.
    static func framed(
        _ input: [UInt8],
        requests: [Bool] = [false],
        close: Bool = false,
        maxHeadBytes: Int = 1024,
        maxFieldCount: Int = 16,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Transcript {
        func feed(cuts: [Int]) -> Transcript {
            Self.feed(
                input,
                cuts: cuts,
                requests: requests,
                close: close,
                maxHeadBytes: maxHeadBytes,
                maxFieldCount: maxFieldCount
            )
        }
        let whole = feed(cuts: [])
        let byteByByte = feed(cuts: Array(0..<input.count))
        #expect(byteByByte == whole, "fed one byte at a time", sourceLocation: sourceLocation)
        var random = SplitMix64(seed: UInt64(input.count))
        for _ in 0..<20 where input.count > 1 {
            let cuts = [
                Int.random(in: 1..<input.count, using: &random), Int.random(in: 1..<input.count, using: &random),
            ]
            .sorted()
            let split = feed(cuts: cuts)
            #expect(split == whole, "cut at \(cuts)", sourceLocation: sourceLocation)
        }
        return whole
    }

    static func framed(
        _ input: String,
        requests: [Bool] = [false],
        close: Bool = false,
        maxHeadBytes: Int = 1024,
        maxFieldCount: Int = 16,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Transcript {
        Self.framed(
            Array(input.utf8),
            requests: requests,
            close: close,
            maxHeadBytes: maxHeadBytes,
            maxFieldCount: maxFieldCount,
            sourceLocation: sourceLocation
        )
    }

    /// The head of `input`, a response to a HEAD request.
    static func head(_ input: String) throws -> UpstreamResponseHead {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024, maxFieldCount: 16)
        parser.expectResponse(isHEAD: true)
        parser.append(ByteBuffer(string: input))
        guard case .head(let head) = try parser.next() else {
            throw HeadMissing()
        }
        return head
    }

    /// `head(_:)` found no head.
    struct HeadMissing: Error {}

    /// The events `next()` gives until it returns nil, as short descriptions.
    static func drain(_ parser: inout UpstreamResponseParser) throws -> [String] {
        var events: [String] = []
        while let event = try parser.next() {
            switch event {
            case .head(let head): events.append("head \(head.status)")
            case .body(let bytes): events.append("body \(String(buffer: bytes))")
            case .end(let trailers): events.append(trailers.map { "end \(String(buffer: $0))" } ?? "end")
            }
        }
        return events
    }
}
