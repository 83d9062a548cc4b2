import NIOCore
import NIOHTTP1
import Testing

@testable import StickyCore

/// The client request parser on byte streams: every input is also fed one byte at a time and cut at random points,
/// and must give the same events, failure and leftover bytes each way.
@Suite("client request parser")
struct ClientRequestParserTests {
    typealias Failure = ClientRequestParser.Failure

    // MARK: Heads

    @Test func simpleGet() {
        let input = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n"
        let transcript = Self.framed(input)
        #expect(transcript.failure == nil)
        #expect(transcript.items.count == 2)
        let head = transcript.heads.first
        #expect(head?.raw == input)
        #expect(head?.method == .GET)
        #expect(head?.target == "/index.html?q=1")
        #expect(head?.targetLength == 15)
        #expect(head?.majorVersion == 1)
        #expect(head?.minorVersion == 1)
        #expect(head?.fields == ["Host: example.com", "User-Agent: t/1"])
        #expect(head?.contentLength == nil)
        #expect(head?.isChunked == false)
        #expect(head?.hostCount == 1)
        #expect(head?.hostField == 0)
        #expect(head?.isKeepAlive == true)
        #expect(head?.isUpgrade == false)
        #expect(head?.hasHopByHop == false)
        #expect(head?.fieldBytes == 4 + 11 + 10 + 3)
        #expect(transcript.items.last == .end(trailers: nil))
        #expect(transcript.leftover.isEmpty)
        #expect(!transcript.isMidRequest)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n\r\n", true, false, false),
        ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false, true, false),
        ("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", true, false, true),
        ("GET / HTTP/1.1\r\nconnection: Upgrade,  CLOSE \r\n\r\n", false, true, false),
        ("GET / HTTP/1.0\r\n\r\n", false, false, false),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, false, true),
        ("GET / HTTP/1.0\r\nConnection: x\r\nConnection: keep-alive\r\n\r\n", true, false, true),
        ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false, true, true),
        ("GET / HTTP/1.0\r\nKeep-Alive: timeout=5\r\n\r\n", false, false, false),
        ("GET / HTTP/1.1\r\nConnection: closed, keep-alives\r\n\r\n", true, false, false),
        ("GET / HTTP/2.0\r\n\r\n", true, false, false),
    ])
    func keepAlive(input: String, isKeepAlive: Bool, close: Bool, keepAlive: Bool) {
        let transcript = Self.framed(input)
        #expect(transcript.failure == nil)
        let head = transcript.heads.first
        #expect(head?.isKeepAlive == isKeepAlive)
        #expect(head?.connectionClose == close)
        #expect(head?.connectionKeepAlive == keepAlive)
    }

    @Test(arguments: [
        ("HTTP/1.1", 1, 1), ("HTTP/1.0", 1, 0), ("HTTP/2.0", 2, 0), ("HTTP/0.9", 0, 9), ("HTTP/3.7", 3, 7),
    ])
    func versionDigitsAsSent(version: String, major: Int, minor: Int) {
        let transcript = Self.framed("GET / \(version)\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.majorVersion == major)
        #expect(transcript.heads.first?.minorVersion == minor)
    }

    @Test func everyNamedMethodIsMappedFromItsExactToken() throws {
        let named: [HTTPMethod] = [
            .GET, .PUT, .ACL, .HEAD, .POST, .COPY, .LOCK, .MOVE, .BIND, .LINK, .PATCH, .TRACE, .MKCOL, .MERGE, .PURGE,
            .NOTIFY, .SEARCH, .UNLOCK, .REBIND, .UNBIND, .REPORT, .DELETE, .UNLINK, .CONNECT, .MSEARCH, .OPTIONS,
            .PROPFIND, .CHECKOUT, .PROPPATCH, .SUBSCRIBE, .MKCALENDAR, .MKACTIVITY, .UNSUBSCRIBE, .SOURCE,
        ]
        for method in named {
            let head = try Self.head("\(method.rawValue) / HTTP/1.1\r\n\r\n")
            #expect(head.method == method)
        }
    }

    @Test(arguments: ["get", "Get", "FOO", "M-SEARCH", "GETS", "POSTX", "BREW", "X", "!#$%&'*+-.^_`|~09"])
    func otherMethodsAreRaw(token: String) throws {
        let head = try Self.head("\(token) / HTTP/1.1\r\n\r\n")
        #expect(head.method == .RAW(value: token))
        #expect(head.method.rawValue == token)
    }

    @Test func targetForms() throws {
        #expect(try Self.head("OPTIONS * HTTP/1.1\r\n\r\n").target == "*")
        #expect(try Self.head("GET http://a.example/b?c HTTP/1.1\r\n\r\n").target == "http://a.example/b?c")
        #expect(try Self.head("CONNECT a.example:443 HTTP/1.1\r\n\r\n").target == "a.example:443")
        let utf8 = try Self.head("GET /caf\u{E9}?x=\u{1F600} HTTP/1.1\r\n\r\n")
        #expect(utf8.target == "/caf\u{E9}?x=\u{1F600}")
        #expect(utf8.targetLength == "/caf\u{E9}?x=\u{1F600}".utf8.count)
        let odd = try Self.head("GET /a\"<>{}|\\^`~ HTTP/1.1\r\n\r\n")
        #expect(odd.target == "/a\"<>{}|\\^`~")
    }

    @Test func derivedProperties() throws {
        let head = try Self.head(
            "POST /p HTTP/1.1\r\nhost: a.example\r\nUpgrade: h2c\r\nCookie: a=1; b=2\r\nExpect: 100-Continue\r\n"
                + "X-Forwarded-For: 10.0.0.1\r\nx-forwarded-proto: https\r\nX-FORWARDED-HOST: b\r\n"
                + "COOKIE:c=3 \r\nHost: again\r\nupgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n"
        )
        #expect(head.hostCount == 2)
        #expect(head.hostField == 0)
        #expect(head.upgradeField == 1)
        #expect(head.connectionUpgrade)
        #expect(head.connectionKeepAlive)
        #expect(!head.connectionClose)
        #expect(head.isUpgrade)
        #expect(head.hasExpect)
        #expect(head.expectsContinue)
        #expect(head.hasForwardedFor)
        #expect(head.hasForwardedProto)
        #expect(head.hasForwardedHost)
        #expect(head.hasHopByHop)
        #expect(head.cookieBytes == "a=1; b=2".utf8.count + "c=3".utf8.count)
        var expectedFieldBytes = 0
        head.forEachField { name, value in expectedFieldBytes += name.count + value.count }
        #expect(head.fieldBytes == expectedFieldBytes)
        let namesAndValues = [4 + 9, 7 + 3, 6 + 8, 6 + 12, 15 + 8, 17 + 5, 16 + 1, 6 + 3, 4 + 5, 7 + 9, 10 + 19]
        #expect(head.fieldBytes == namesAndValues.reduce(0, +))
        #expect(head.values(of: "host") == ["a.example", "again"])
    }

    @Test func absentPropertiesAreEmpty() throws {
        let head = try Self.head("GET / HTTP/1.1\r\nX-Forwarded: for\r\nForwarded: for=a\r\nExpect: nothing\r\n\r\n")
        #expect(head.hostCount == 0)
        #expect(head.hostField == nil)
        #expect(head.upgradeField == nil)
        #expect(!head.connectionUpgrade)
        #expect(!head.isUpgrade)
        #expect(head.hasExpect)
        #expect(!head.expectsContinue)
        #expect(!head.hasForwardedFor && !head.hasForwardedProto && !head.hasForwardedHost)
        #expect(!head.hasHopByHop)
        #expect(head.cookieBytes == 0)
        #expect(head.contentLength == nil)
        #expect(!head.hasTransferEncoding)
    }

    @Test(arguments: [
        ("Expect: 100-continue", true), ("Expect: 100-CONTINUE", true), ("Expect:  100-continue  ", true),
        ("Expect: 100-continues", false), ("Expect: 100-continue, x", false), ("Expect: 200-continue", false),
        ("Expect:", false),
    ])
    func expectContinue(field: String, expectsContinue: Bool) throws {
        let head = try Self.head("PUT / HTTP/1.1\r\n\(field)\r\n\r\n")
        #expect(head.hasExpect)
        #expect(head.expectsContinue == expectsContinue)
    }

    @Test(arguments: [
        ("TE", true), ("Upgrade", true), ("Connection", true), ("KEEP-ALIVE", true), ("Proxy-Connection", true),
        ("Proxy-Authenticate", true), ("proxy-authorization", true), ("X-TE", false), ("Upgrades", false),
        ("Cookie", false), ("Keep-Alive2", false), ("Proxy-Authorizatio", false), ("Host", false),
        ("X-Forwarded-For", false),
    ])
    func hopByHopFields(name: String, isHopByHop: Bool) {
        let transcript = Self.framed("GET / HTTP/1.1\r\n\(name): x\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.hasHopByHop == isHopByHop)
    }

    @Test func transferEncodingIsHopByHop() throws {
        let head = try Self.head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(head.hasHopByHop)
        #expect(head.hasTransferEncoding)
        #expect(head.isChunked)
    }

    @Test func valuesAreFoundWithoutCaseInOrder() throws {
        let head = try Self.head(
            "GET / HTTP/1.1\r\nCookie: a=1\r\nX-Other: no\r\ncookie: b=2; c=3\r\nCOOKIE:d=4\r\n"
                + "X-Spaces: \t spaced  value \t\r\nX-Empty:\r\nX-Blank:   \r\n\r\n"
        )
        #expect(head.values(of: "cookie") == ["a=1", "b=2; c=3", "d=4"])
        #expect(head.values(of: "CoOkIe") == ["a=1", "b=2; c=3", "d=4"])
        #expect(head.values(of: "cooki").isEmpty)
        #expect(head.values(of: "cookies").isEmpty)
        #expect(head.values(of: "x-spaces") == ["spaced  value"])
        #expect(head.values(of: "x-empty") == [""])
        #expect(head.values(of: "x-blank") == [""])
        #expect(head.values(of: "missing").isEmpty)
        #expect(head.cookieBytes == 3 + 8 + 3)
    }

    @Test func forEachFieldGivesNamesAndValuesInOrder() throws {
        let head = try Self.head("GET / HTTP/1.1\r\nA: 1\r\nbb:two words \r\nC-C:\r\nD: \u{80}\u{FF}\r\n\r\n")
        var seen: [String] = []
        head.forEachField { name, value in
            seen.append(String(decoding: name, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self))
        }
        #expect(seen == ["A=1", "bb=two words", "C-C=", "D=\u{80}\u{FF}"])
        let first = try #require(head.fields.first)
        #expect(first.nameEnd - first.nameStart == 1)
        #expect(head.bytes.getString(at: head.bytes.readerIndex + Int(first.nameEnd), length: 1) == ":")
        #expect(head.bytes.getString(at: head.bytes.readerIndex + Int(first.valueStart), length: 1) == "1")
        #expect(head.bytes.getString(at: head.bytes.readerIndex + Int(head.targetStart), length: 1) == "/")
    }

    // MARK: Bodies

    @Test func contentLengthBody() {
        let transcript = Self.framed("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.method == .POST)
        #expect(transcript.heads.first?.contentLength == 11)
        #expect(transcript.items.dropFirst() == [.body("hello world"), .end(trailers: nil)])
        #expect(transcript.leftover.isEmpty)
        #expect(!transcript.isMidRequest)
    }

    @Test func zeroContentLengthEndsRightAfterTheHead() {
        let transcript = Self.framed("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.contentLength == 0)
        #expect(transcript.items.dropFirst() == [.end(trailers: nil)])
    }

    @Test func contentLengthMayHaveLeadingZerosAndSurroundingWhitespace() {
        let transcript = Self.framed("POST / HTTP/1.1\r\nContent-Length: \t 003 \t\r\n\r\nabc")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.contentLength == 3)
        #expect(transcript.items.dropFirst() == [.body("abc"), .end(trailers: nil)])
    }

    @Test func contentLengthOfEighteenDigitsIsAccepted() {
        let transcript = Self.framed("POST / HTTP/1.1\r\nContent-Length: 999999999999999999\r\n\r\nab")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.contentLength == 999_999_999_999_999_999)
        #expect(transcript.items.dropFirst() == [.body("ab")])
        #expect(transcript.isMidRequest)
    }

    @Test func noLengthMeansNoBody() {
        let transcript = Self.framed("POST / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.method) == [.POST, .GET])
        #expect(transcript.items.count == 4)
        #expect(transcript.items[1] == .end(trailers: nil))
        #expect(transcript.items[3] == .end(trailers: nil))
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() {
        let transcript = Self.framed(
            "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ;a=\"b c\"\t;d\r\n world\r\n0;last\r\n"
                + "X-Checksum: abc\r\nx-other:d \r\n\r\n"
        )
        #expect(transcript.failure == nil)
        let head = transcript.heads.first
        #expect(head?.isChunked == true)
        #expect(head?.hasTransferEncoding == true)
        #expect(head?.contentLength == nil)
        #expect(
            transcript.items.dropFirst() == [
                .body("hello world"), .end(trailers: "X-Checksum: abc\r\nx-other:d \r\n"),
            ]
        )
        #expect(transcript.leftover.isEmpty)
        #expect(!transcript.isMidRequest)
    }

    @Test func chunkedBodyWithoutTrailers() {
        let transcript = Self.framed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: , Chunked ,\r\n\r\n"
                + "1\r\nx\r\n0000000000000002\r\nyz\r\n0\r\n\r\n"
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.isChunked == true)
        #expect(transcript.items.dropFirst() == [.body("xyz"), .end(trailers: nil)])
    }

    @Test func chunkedBodySplitAcrossManyAppendsGivesNonEmptySlices() {
        var input = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        var expected = ""
        for index in 0..<30 {
            let data = String(repeating: Character(String(index % 10)), count: index * 5 + 1)
            input += String(data.utf8.count, radix: 16, uppercase: index.isMultiple(of: 2)) + "\r\n" + data + "\r\n"
            expected += data
        }
        input += "0\r\n\r\n"
        let transcript = Self.framed(input)
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.body(expected), .end(trailers: nil)])

        var parser = Self.parser()
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

    // MARK: Several requests

    @Test func pipelinedRequestsArePulledOneByOne() throws {
        var parser = Self.parser()
        parser.append(
            ByteBuffer(
                string: "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
            )
        )
        #expect(try Self.describe(parser.next()) == "head GET /a")
        #expect(parser.isMidRequest)
        #expect(try Self.describe(parser.next()) == "end")
        // The caller may wait here (a response in flight): the next request stays buffered.
        #expect(parser.hasBufferedBytes)
        #expect(parser.isMidRequest)
        #expect(parser.isReadingHead)
        #expect(try Self.describe(parser.next()) == "head GET /b")
        #expect(try Self.describe(parser.next()) == "end")
        #expect(try Self.describe(parser.next()) == "head POST /c")
        #expect(!parser.isReadingHead)
        #expect(parser.isMidRequest)
        #expect(try Self.describe(parser.next()) == "body xyz")
        #expect(try Self.describe(parser.next()) == "end")
        #expect(try parser.next() == nil)
        #expect(!parser.hasBufferedBytes)
        #expect(!parser.isMidRequest)
        #expect(try parser.endOfInput() == nil)
    }

    @Test func pipelinedRequestsInOneStream() {
        let transcript = Self.framed(
            "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
                + "PUT /d HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nT: 1\r\n\r\n"
        )
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.target) == ["/a", "/b", "/c", "/d"])
        #expect(
            Array(transcript.items.filter { if case .head = $0 { false } else { true } }) == [
                .end(trailers: nil), .end(trailers: nil), .body("xyz"), .end(trailers: nil), .body("hi"),
                .end(trailers: "T: 1\r\n"),
            ]
        )
        #expect(transcript.leftover.isEmpty)
    }

    @Test func leadingEmptyLinesAreSkipped() {
        let transcript = Self.framed("\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.raw == "GET / HTTP/1.1\r\n\r\n")

        let eight = String(repeating: "\r\n", count: 8)
        let between = Self.framed("GET /a HTTP/1.1\r\n\r\n\(eight)GET /b HTTP/1.1\r\n\r\n\(eight)")
        #expect(between.failure == nil)
        #expect(between.heads.map(\.target) == ["/a", "/b"])
        #expect(between.heads.last?.raw == "GET /b HTTP/1.1\r\n\r\n")
        #expect(!between.isMidRequest)

        let nine = Self.framed(String(repeating: "\r\n", count: 9) + "GET / HTTP/1.1\r\n\r\n")
        #expect(nine.failure == .malformed)
    }

    // MARK: Upgrades

    @Test func upgradeRequestStopsParsing() throws {
        let tunnel: [UInt8] = [0x81, 0x05] + Array("hello".utf8) + Array("GET / HTTP/1.1\r\n\r\n".utf8)
        let input = Array(
            "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n".utf8
        )
        let transcript = Self.framed(input + tunnel, close: true)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.isUpgrade == true)
        #expect(transcript.heads.first?.upgradeField == 2)
        #expect(transcript.items.dropFirst() == [.end(trailers: nil), .endOfInput])
        #expect(transcript.leftover == tunnel)
        #expect(!transcript.isMidRequest)

        var parser = Self.parser()
        parser.append(ByteBuffer(bytes: input + tunnel))
        #expect(try Self.describe(parser.next()) == "head GET /ws")
        #expect(try Self.describe(parser.next()) == "end")
        #expect(try parser.next() == nil)
        #expect(!parser.isMidRequest)
        #expect(!parser.isReadingHead)
        parser.append(ByteBuffer(string: "more"))
        #expect(try parser.next() == nil)
        #expect(parser.hasBufferedBytes)
        #expect(parser.takeBufferedBytes().map { Array($0.readableBytesView) } == tunnel + Array("more".utf8))
        #expect(!parser.hasBufferedBytes)
        #expect(parser.takeBufferedBytes() == nil)
        #expect(try parser.endOfInput() == nil)
        #expect(try parser.next() == nil)
    }

    @Test func upgradeRequestWithABodyStopsAfterTheBody() {
        let transcript = Self.framed(
            "POST /u HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 2\r\n\r\nokTUNNEL"
        )
        #expect(transcript.failure == nil)
        #expect(transcript.items.dropFirst() == [.body("ok"), .end(trailers: nil)])
        #expect(transcript.leftover == Array("TUNNEL".utf8))
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: upgrades\r\nUpgrade: websocket\r\n\r\n",
    ])
    func notQuiteAnUpgradeGoesOnParsing(head: String) {
        let transcript = Self.framed(head + "GET /next HTTP/1.1\r\n\r\n")
        #expect(transcript.failure == nil)
        #expect(transcript.heads.map(\.isUpgrade) == [false, false])
        #expect(transcript.heads.last?.target == "/next")
        #expect(transcript.leftover.isEmpty)
    }

    // MARK: End of input

    @Test(arguments: ["", "\r\n", "\r\n\r\n", "\r", "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n\r\n\r\n\r"])
    func endOfInputBetweenRequests(input: String) throws {
        let transcript = Self.framed(input, close: true)
        #expect(transcript.failure == nil)
        #expect(transcript.items.last == .endOfInput)
        #expect(!transcript.isMidRequest)
        #expect(!transcript.isReadingHead)
    }

    @Test(arguments: [
        "G",
        "\r\nGET",
        "GET / HTTP/1.1",
        "GET / HTTP/1.1\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r",
        "GET / HTTP/1.1\r\n\r\nG",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
    ])
    func endOfInputMidRequestIsTruncated(input: String) {
        let transcript = Self.framed(input, close: true)
        #expect(transcript.failure == .truncated)
        #expect(transcript.isMidRequest)
        #expect(transcript.leftover.isEmpty)
    }

    @Test func midRequestAndReadingHeadFollowTheRequest() throws {
        var parser = Self.parser()
        #expect(!parser.isMidRequest && !parser.isReadingHead)
        parser.append(ByteBuffer(string: "\r\n\r"))
        #expect(!parser.isMidRequest && !parser.isReadingHead)
        #expect(try parser.next() == nil)
        #expect(!parser.isMidRequest && !parser.isReadingHead)
        parser.append(ByteBuffer(string: "\nP"))
        #expect(parser.isMidRequest && parser.isReadingHead)
        #expect(try parser.next() == nil)
        #expect(parser.isMidRequest && parser.isReadingHead)
        parser.append(ByteBuffer(string: "OST / HTTP/1.1\r\nContent-Length: 2\r\n\r\na"))
        #expect(parser.isReadingHead)
        #expect(try Self.describe(parser.next()) == "head POST /")
        #expect(parser.isMidRequest && !parser.isReadingHead)
        #expect(try Self.describe(parser.next()) == "body a")
        #expect(try parser.next() == nil)
        #expect(parser.isMidRequest && !parser.isReadingHead)
        parser.append(ByteBuffer(string: "b"))
        #expect(try Self.describe(parser.next()) == "body b")
        #expect(parser.isMidRequest)
        #expect(try Self.describe(parser.next()) == "end")
        #expect(!parser.isMidRequest && !parser.isReadingHead)
        #expect(try parser.endOfInput() == nil)
        #expect(!parser.isMidRequest)
    }

    @Test func endOfInputBeforeDrainingGivesThePendingEventsFirst() throws {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"))
        var events: [String] = []
        while let event = try parser.endOfInput() {
            events.append(Self.describe(event))
        }
        #expect(events == ["head POST /", "body ok", "end"])
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(try parser.next() == nil)
        #expect(!parser.hasBufferedBytes)
    }

    @Test func nextAfterEndOfInputKnowsTheInputEnded() throws {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\nGET /b"))
        #expect(try Self.describe(parser.next()) == "head GET /")
        #expect(try Self.describe(parser.next()) == "end")
        // The caller holds the pipelined request back, and hears of the close meanwhile.
        #expect(throws: Failure.truncated) { try parser.endOfInput() }
        #expect(throws: Failure.truncated) { try parser.next() }
    }

    // MARK: Limits

    @Test func targetUpToTheLimitIsAccepted() {
        let target = "/" + String(repeating: "t", count: 31)
        let transcript = Self.framed("GET \(target) HTTP/1.1\r\n\r\n", maxTargetBytes: 32)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.targetLength == 32)
    }

    @Test func completeTargetOverTheLimitIsRefused() {
        let target = "/" + String(repeating: "t", count: 32)
        let transcript = Self.framed("GET \(target) HTTP/1.1\r\n\r\n", maxTargetBytes: 32)
        #expect(transcript.failure == .targetTooLong)
        #expect(transcript.failure?.status == .uriTooLong)
        #expect(transcript.items.isEmpty)
    }

    @Test func incompleteTargetOverTheLimitIsRefusedAtOnce() throws {
        let transcript = Self.framed("GET /" + String(repeating: "t", count: 40), maxTargetBytes: 32)
        #expect(transcript.failure == .targetTooLong)

        var parser = ClientRequestParser(maxTargetBytes: 32, maxFieldBytes: 1024, maxFieldCount: 16)
        parser.append(ByteBuffer(string: "GET /" + String(repeating: "t", count: 31)))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "t"))
        #expect(throws: Failure.targetTooLong) { try parser.next() }
    }

    @Test func requestLineThatDoesNotEndIsRefused() throws {
        // A long method: the line does not end within the target's bound and room for method and version.
        let method = String(repeating: "M", count: 200)
        #expect(Self.framed("\(method) / HTTP/1.1\r\n\r\n", maxTargetBytes: 32).failure == .targetTooLong)
        #expect(Self.framed(method, maxTargetBytes: 32).failure == .targetTooLong)

        var parser = ClientRequestParser(maxTargetBytes: 32, maxFieldBytes: 1024, maxFieldCount: 16)
        parser.append(ByteBuffer(string: String(repeating: "M", count: 32 + 63)))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "M"))
        #expect(throws: Failure.targetTooLong) { try parser.next() }
    }

    @Test func fieldsUpToTheByteLimitAreAccepted() {
        // 3 + 7 + 6 + 4 = 20 bytes of names and values.
        let input = "GET / HTTP/1.1\r\nAbc: 1234567\r\nDefghi:  wxyz \r\n\r\n"
        let transcript = Self.framed(input, maxFieldBytes: 20)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.fieldBytes == 20)
    }

    @Test func completeFieldsOverTheByteLimitAreRefused() {
        let input = "GET / HTTP/1.1\r\nAbc: 1234567\r\nDefghi:  wxyz5 \r\n\r\n"
        let transcript = Self.framed(input, maxFieldBytes: 20)
        #expect(transcript.failure == .headTooLarge)
        #expect(transcript.failure?.status == .requestHeaderFieldsTooLarge)
        let longName = "GET / HTTP/1.1\r\nAbc: 1234567\r\nDefghijklmn: x\r\n\r\n"
        #expect(Self.framed(longName, maxFieldBytes: 20).failure == .headTooLarge)
    }

    @Test func endlessFieldsAreCutOff() throws {
        // An endless value, an endless name, endless whitespace, and endless short lines.
        let value = "GET / HTTP/1.1\r\nX-A: " + String(repeating: "b", count: 200)
        #expect(Self.framed(value, maxFieldBytes: 64).failure == .headTooLarge)
        let name = "GET / HTTP/1.1\r\n" + String(repeating: "N", count: 200)
        #expect(Self.framed(name, maxFieldBytes: 64).failure == .headTooLarge)
        let space = "GET / HTTP/1.1\r\nX:" + String(repeating: " ", count: 2000)
        #expect(Self.framed(space, maxFieldBytes: 64, maxFieldCount: 4).failure == .headTooLarge)
        let lines = "GET / HTTP/1.1\r\n" + String(repeating: "A:\r\n", count: 100)
        #expect(Self.framed(lines, maxFieldBytes: 64, maxFieldCount: 100).failure == .headTooLarge)

        // Found at the first byte too many, not when the line ends.
        var parser = ClientRequestParser(maxTargetBytes: 32, maxFieldBytes: 64, maxFieldCount: 16)
        parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\nX-A: " + String(repeating: "b", count: 61)))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "b"))
        #expect(throws: Failure.headTooLarge) { try parser.next() }
    }

    @Test func bufferedBytesStayBounded() throws {
        // Whatever the client sends, no more than the bounds are buffered before the parser refuses.
        let bound = 32 + 64 + 64 + 4 * 32 + 2
        let inputs = [
            "GET / HTTP/1.1\r\nX:" + String(repeating: "\t", count: 1000),
            "GET / HTTP/1.1\r\nX: a" + String(repeating: " ", count: 1000),
            String(repeating: "G", count: 1000),
            "GET /" + String(repeating: "t", count: 1000),
        ]
        for input in inputs {
            var parser = ClientRequestParser(maxTargetBytes: 32, maxFieldBytes: 64, maxFieldCount: 4)
            var fed = 0
            var failure: Failure?
            for byte in input.utf8 {
                parser.append(ByteBuffer(bytes: [byte]))
                fed += 1
                do {
                    _ = try parser.next()
                } catch {
                    failure = error
                    break
                }
            }
            #expect(failure != nil)
            #expect(fed <= bound)
        }
    }

    @Test func fieldsUpToTheCountLimitAreAccepted() {
        let transcript = Self.framed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", maxFieldCount: 3)
        #expect(transcript.failure == nil)
        #expect(transcript.heads.first?.fields.count == 3)
    }

    @Test func tooManyFieldsAreRefused() {
        let transcript = Self.framed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", maxFieldCount: 3)
        #expect(transcript.failure == .tooManyFields)
        #expect(transcript.failure?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func trailersCountAgainstTheFieldLimits() {
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        let fits = Self.framed(head + "A: 1\r\nB: 2\r\n\r\n", maxFieldCount: 2)
        #expect(fits.failure == nil)
        #expect(fits.items.last == .end(trailers: "A: 1\r\nB: 2\r\n"))
        #expect(Self.framed(head + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", maxFieldCount: 2).failure == .tooManyFields)
        // The head's fields take 17 + 7 bytes; the trailers have their own 64.
        let longest = "X: " + String(repeating: "y", count: 63) + "\r\n\r\n"
        #expect(Self.framed(head + longest, maxFieldBytes: 64).failure == nil)
        #expect(Self.framed(head + "Z" + longest, maxFieldBytes: 64).failure == .headTooLarge)
        let endless = "X: " + String(repeating: "y", count: 100)
        #expect(Self.framed(head + endless, maxFieldBytes: 64).failure == .headTooLarge)
        let spaces = "X:" + String(repeating: " ", count: 3000)
        #expect(Self.framed(head + spaces, maxFieldBytes: 64).failure == .headTooLarge)
    }

    @Test func chunkSizeLineOverTheLimitIsRefused() {
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
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
        #expect(transcript.failure.map { Int($0.status.code) } == rejection.status)
        #expect(transcript.items.filter { if case .head = $0 { true } else { false } }.count == rejection.heads)
        #expect(transcript.leftover.isEmpty, "the buffer is let go")
    }

    @Test(arguments: [
        (Failure.malformed, 400), (.ambiguousLength, 400), (.malformedChunk, 400), (.truncated, 400),
        (.targetTooLong, 414), (.headTooLarge, 431), (.tooManyFields, 431),
    ])
    func statuses(failure: Failure, code: Int) {
        #expect(Int(failure.status.code) == code)
    }

    @Test func failureIsSticky() throws {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nA"))
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        #expect(!parser.hasBufferedBytes)
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(!parser.hasBufferedBytes)
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        #expect(throws: Failure.ambiguousLength) { try parser.endOfInput() }
        #expect(throws: Failure.ambiguousLength) { try parser.next() }
        #expect(!parser.isMidRequest)
        #expect(!parser.isReadingHead)
        #expect(parser.takeBufferedBytes() == nil)
    }

    @Test func failureAfterEarlierRequestsIsSticky() throws {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\nGET /\u{1} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
        #expect(try Self.describe(parser.next()) == "head GET /")
        #expect(try Self.describe(parser.next()) == "end")
        #expect(throws: Failure.malformed) { try parser.next() }
        #expect(throws: Failure.malformed) { try parser.next() }
        #expect(!parser.hasBufferedBytes)
    }

    @Test func truncationIsSticky() throws {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nA"))
        _ = try parser.next()
        _ = try parser.next()
        #expect(throws: Failure.truncated) { try parser.endOfInput() }
        #expect(throws: Failure.truncated) { try parser.endOfInput() }
        #expect(throws: Failure.truncated) { try parser.next() }
    }

    @Test func typedThrows() {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: "GET / http/1.1\r\n\r\n"))
        do {
            _ = try parser.next()
            Issue.record("expected a failure")
        } catch {
            // `error` is a ClientRequestParser.Failure, not `any Error`.
            #expect(error == .malformed)
        }
    }

    // MARK: Slices

    @Test func headAndBodyAreSlicesOfWhatWasRead() throws {
        var parser = Self.parser()
        let input = ByteBuffer(string: "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody")
        parser.append(input)
        guard case .head(let head) = try parser.next(), case .body(let body) = try parser.next() else {
            Issue.record("expected a head and a body")
            return
        }
        let inputStart = input.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) }
        #expect(head.bytes.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart)
        #expect(head.bytes.readableBytes == 38)
        #expect(body.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart + 38)
        #expect(!parser.hasBufferedBytes)
    }

    @Test func chunksAndTrailersAreSlicesOfWhatWasRead() throws {
        var parser = Self.parser()
        let text = "\r\nPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"
        let input = ByteBuffer(string: text)
        parser.append(input)
        guard case .head(let head) = try parser.next(), case .body(let body) = try parser.next(),
            case .end(let trailers?) = try parser.next()
        else {
            Issue.record("expected a head, a body and trailers")
            return
        }
        let inputStart = input.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) }
        #expect(head.bytes.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart + 2)
        let bodyOffset = text.utf8.count - "abc\r\n0\r\nT: 1\r\n\r\n".utf8.count
        #expect(body.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart + bodyOffset)
        let trailersOffset = text.utf8.count - "T: 1\r\n\r\n".utf8.count
        #expect(trailers.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } == inputStart + trailersOffset)
        #expect(!parser.hasBufferedBytes)
    }
}

// MARK: - Rejection cases

extension ClientRequestParserTests {
    /// A request stream the parser must refuse, and the failure and status it must refuse it with.
    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var failure: Failure
        /// The status code the client gets.
        var status: Int
        /// How many heads come out before the failure.
        var heads = 0
        /// Whether the input ends (for failures only endOfInput can find).
        var close = false

        var testDescription: String { self.name }

        init(_ name: String, _ input: String, _ failure: Failure, heads: Int = 0, close: Bool = false) {
            self.init(name, Array(input.utf8), failure, heads: heads, close: close)
        }

        init(_ name: String, _ input: [UInt8], _ failure: Failure, heads: Int = 0, close: Bool = false) {
            self.name = name
            self.input = input
            self.failure = failure
            self.status = Self.statusCodes[failure] ?? 0
            self.heads = heads
            self.close = close
        }

        /// The status each failure is answered with, written out independently of the parser's mapping.
        static let statusCodes: [Failure: Int] = [
            .malformed: 400, .ambiguousLength: 400, .malformedChunk: 400, .truncated: 400, .targetTooLong: 414,
            .headTooLarge: 431, .tooManyFields: 431,
        ]

        /// A request whose field lines are `fields` (each without its CRLF).
        static func head(_ fields: String...) -> String {
            "POST / HTTP/1.1\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        }

        /// A request with a field whose value holds `byte`.
        static func valueWith(_ byte: UInt8) -> [UInt8] {
            Array("GET / HTTP/1.1\r\nX-A: a".utf8) + [byte] + Array("b\r\n\r\n".utf8)
        }

        /// A request whose target holds `byte`.
        static func targetWith(_ byte: UInt8) -> [UInt8] {
            Array("GET /a".utf8) + [byte] + Array("b HTTP/1.1\r\n\r\n".utf8)
        }

        /// A chunked request whose body is `body`.
        static func chunked(_ body: String) -> String {
            Self.head("Transfer-Encoding: chunked") + body
        }

        static let all: [Rejection] = [
            // Length
            .init("CL and TE", head("Content-Length: 5", "Transfer-Encoding: chunked"), .ambiguousLength),
            .init("TE and CL", head("Transfer-Encoding: chunked", "Content-Length: 5"), .ambiguousLength),
            .init("TE gzip and CL", head("Transfer-Encoding: gzip", "content-length: 5"), .ambiguousLength),
            .init("CL 0 and TE", head("Content-Length: 0", "Transfer-Encoding: chunked"), .ambiguousLength),
            .init("two equal CLs", head("Content-Length: 3", "Content-Length: 3"), .ambiguousLength),
            .init("two CLs", head("Content-Length: 3", "content-length: 4"), .ambiguousLength),
            .init("CL list", head("Content-Length: 3, 3"), .ambiguousLength),
            .init("CL list without space", head("Content-Length: 3,3"), .ambiguousLength),
            .init("CL trailing comma", head("Content-Length: 3,"), .ambiguousLength),
            .init("CL with plus", head("Content-Length: +3"), .malformed),
            .init("CL with minus", head("Content-Length: -3"), .malformed),
            .init("CL with letters", head("Content-Length: 3a"), .malformed),
            .init("CL in hex", head("Content-Length: 0x3"), .malformed),
            .init("CL with inner space", head("Content-Length: 1 2"), .malformed),
            .init("empty CL", head("Content-Length: "), .malformed),
            .init("CL of 19 digits", head("Content-Length: 1000000000000000000"), .malformed),
            .init("TE gzip", head("Transfer-Encoding: gzip"), .ambiguousLength),
            .init("TE identity", head("Transfer-Encoding: identity"), .ambiguousLength),
            .init("empty TE", head("Transfer-Encoding: "), .ambiguousLength),
            .init("TE chunked then gzip", head("Transfer-Encoding: chunked, gzip"), .ambiguousLength),
            .init("TE chunked twice", head("Transfer-Encoding: chunked, chunked"), .ambiguousLength),
            .init(
                "TE chunked twice across fields",
                head("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
                .ambiguousLength
            ),
            .init(
                "TE chunked not last across fields",
                head("Transfer-Encoding: chunked", "Transfer-Encoding: gzip"),
                .ambiguousLength
            ),
            .init("TE chunked with a parameter", head("Transfer-Encoding: chunked;q=1"), .ambiguousLength),
            // Field lines
            .init("obs-fold", head("X-A: a", " b"), .malformed),
            .init("obs-fold with tab", head("X-A: a", "\tb"), .malformed),
            .init("first field folded", "GET / HTTP/1.1\r\n X-A: a\r\n\r\n", .malformed),
            .init("NUL in value", valueWith(0x00), .malformed),
            .init("CTL in value", valueWith(0x01), .malformed),
            .init("ESC in value", valueWith(0x1B), .malformed),
            .init("DEL in value", valueWith(0x7F), .malformed),
            .init("bare LF in value", head("X-A: a\nb"), .malformed),
            .init("bare CR in value", head("X-A: a\rb"), .malformed),
            .init("bare LF ending a field", "GET / HTTP/1.1\r\nX-A: a\n\r\n", .malformed),
            .init("bare LF ending the head", "GET / HTTP/1.1\r\nX-A: a\r\n\n", .malformed),
            .init("bare CR ending the head", "GET / HTTP/1.1\r\nX-A: a\r\n\rX", .malformed),
            .init("bare CR in name", head("X-\rA: a"), .malformed),
            .init("separator in name", head("X(A): a"), .malformed),
            .init("slash in name", head("X/A: a"), .malformed),
            .init("space in name", head("X A: a"), .malformed),
            .init("non-ASCII in name", head("X-\u{E9}: a"), .malformed),
            .init("space before colon", head("X-A : a"), .malformed),
            .init("tab before colon", head("X-A\t: a"), .malformed),
            .init("space before Content-Length's colon", head("Content-Length : 3"), .malformed),
            .init("empty name", head(": a"), .malformed),
            .init("no colon", head("X-A"), .malformed),
            // Request line
            .init("two spaces after the method", "GET  / HTTP/1.1\r\n\r\n", .malformed),
            .init("two spaces before the version", "GET /  HTTP/1.1\r\n\r\n", .malformed),
            .init("tab after the method", "GET\t/ HTTP/1.1\r\n\r\n", .malformed),
            .init("leading space", " GET / HTTP/1.1\r\n\r\n", .malformed),
            .init("trailing space", "GET / HTTP/1.1 \r\n\r\n", .malformed),
            .init("lower-case version", "GET / http/1.1\r\n\r\n", .malformed),
            .init("mixed-case version", "GET / Http/1.1\r\n\r\n", .malformed),
            .init("missing version", "GET /\r\n\r\n", .malformed),
            .init("missing version after a space", "GET / \r\n\r\n", .malformed),
            .init("missing target", "GET HTTP/1.1\r\n\r\n", .malformed),
            .init("only a method", "GET\r\n\r\n", .malformed),
            .init("version without minor", "GET / HTTP/1\r\n\r\n", .malformed),
            .init("version with two digits", "GET / HTTP/1.10\r\n\r\n", .malformed),
            .init("version with letters", "GET / HTTP/a.b\r\n\r\n", .malformed),
            .init("not HTTP", "GET / ICY/1.1\r\n\r\n", .malformed),
            .init("separator in method", "GE(T / HTTP/1.1\r\n\r\n", .malformed),
            .init("target with space", "GET /a b HTTP/1.1\r\n\r\n", .malformed),
            .init("NUL in target", targetWith(0x00), .malformed),
            .init("CTL in target", targetWith(0x01), .malformed),
            .init("tab in target", targetWith(0x09), .malformed),
            .init("DEL in target", targetWith(0x7F), .malformed),
            .init("request line ends in bare LF", "GET / HTTP/1.1\nHost: a\r\n\r\n", .malformed),
            .init("request line ends in bare CR", "GET / HTTP/1.1\r\r\n\r\n", .malformed),
            .init("bare LF before the request", "\nGET / HTTP/1.1\r\n\r\n", .malformed),
            .init("bare CR before the request", "\rGET / HTTP/1.1\r\n\r\n", .malformed),
            .init("nine empty lines", String(repeating: "\r\n", count: 9) + "GET / HTTP/1.1\r\n\r\n", .malformed),
            .init("bare LF after a request", "GET / HTTP/1.1\r\n\r\n\nGET / HTTP/1.1\r\n\r\n", .malformed, heads: 1),
            .init("junk after a request", "GET / HTTP/1.1\r\n\r\n\u{0}", .malformed, heads: 1),
            .init("body beyond its length", head("Content-Length: 1") + "ab\r\n\r\n", .malformed, heads: 1),
            // Chunked framing
            .init("empty chunk size", chunked("\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("non-hex chunk size", chunked("xyz\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("chunk size 0x", chunked("0x3\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("negative chunk size", chunked("-3\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("17 hex digits", chunked("00000000000000003\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("chunk size over Int.max", chunked("8000000000000000\r\n"), .malformedChunk, heads: 1),
            .init("space after size", chunked("3 \r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("space before size", chunked(" 3\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("junk after size", chunked("3x\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("NUL in extension", chunked("3;a\u{0}\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("bare CR in extension", chunked("3;a\rb\r\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("bare LF after size", chunked("3\nabc\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("no CRLF after data", chunked("3\r\nabcd\r\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("bare LF after data", chunked("3\r\nabc\n0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("bare CR after data", chunked("3\r\nabc\rX0\r\n\r\n"), .malformedChunk, heads: 1),
            .init("bare LF after last chunk", chunked("0\n\r\n"), .malformedChunk, heads: 1),
            .init("bad trailer name", chunked("0\r\nX A: b\r\n\r\n"), .malformedChunk, heads: 1),
            .init("trailer without colon", chunked("0\r\nX-A\r\n\r\n"), .malformedChunk, heads: 1),
            .init("trailer space before colon", chunked("0\r\nX-A : b\r\n\r\n"), .malformedChunk, heads: 1),
            .init("folded trailer", chunked("0\r\nX-A: b\r\n c\r\n\r\n"), .malformedChunk, heads: 1),
            .init("NUL in trailer", chunked("0\r\nX-A: b\u{0}\r\n\r\n"), .malformedChunk, heads: 1),
            .init("bare LF in trailers", chunked("0\r\nX-A: b\n\r\n"), .malformedChunk, heads: 1),
            .init("bare LF ending trailers", chunked("0\r\nX-A: b\r\n\n"), .malformedChunk, heads: 1),
            // Cut short
            .init("head cut short", "GET / HTTP/1.1\r\nHost", .truncated, close: true),
            .init("body cut short", head("Content-Length: 3") + "ab", .truncated, heads: 1, close: true),
            .init("chunks cut short", chunked("3\r\nab"), .truncated, heads: 1, close: true),
        ]
    }
}

// MARK: - Feeding bytes and collecting events

extension ClientRequestParserTests {
    /// What a head says, in a form to compare.
    struct HeadSummary: Equatable {
        var raw: String
        var method: HTTPMethod
        var target: String
        var targetLength: Int
        var majorVersion: Int
        var minorVersion: Int
        /// "name: value" per field.
        var fields: [String]
        var contentLength: Int?
        var hasTransferEncoding: Bool
        var isChunked: Bool
        var connectionClose: Bool
        var connectionKeepAlive: Bool
        var connectionUpgrade: Bool
        var hostCount: Int
        var hostField: Int?
        var upgradeField: Int?
        var expectsContinue: Bool
        var hasExpect: Bool
        var hasHopByHop: Bool
        var hasForwardedFor: Bool
        var hasForwardedProto: Bool
        var hasForwardedHost: Bool
        var cookieBytes: Int
        var fieldBytes: Int
        var isKeepAlive: Bool
        var isUpgrade: Bool

        init(_ head: ClientRequestHead) {
            self.raw = String(buffer: head.bytes)
            self.method = head.method
            self.target = head.target
            self.targetLength = head.targetLength
            self.majorVersion = head.majorVersion
            self.minorVersion = head.minorVersion
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
            self.connectionUpgrade = head.connectionUpgrade
            self.hostCount = head.hostCount
            self.hostField = head.hostField
            self.upgradeField = head.upgradeField
            self.expectsContinue = head.expectsContinue
            self.hasExpect = head.hasExpect
            self.hasHopByHop = head.hasHopByHop
            self.hasForwardedFor = head.hasForwardedFor
            self.hasForwardedProto = head.hasForwardedProto
            self.hasForwardedHost = head.hasForwardedHost
            self.cookieBytes = head.cookieBytes
            self.fieldBytes = head.fieldBytes
            self.isKeepAlive = head.isKeepAlive
            self.isUpgrade = head.isUpgrade
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
        var failure: Failure?
        /// What `takeBufferedBytes()` gave at the end.
        var leftover: [UInt8] = []
        /// `isMidRequest` once everything was fed and pulled (before taking the leftover).
        var isMidRequest = false
        /// `isReadingHead` then.
        var isReadingHead = false

        var heads: [HeadSummary] {
            self.items.compactMap { item in
                if case .head(let head) = item { head } else { nil }
            }
        }

        mutating func record(_ event: ClientRequestParser.Event) {
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
                if let trailers {
                    #expect(trailers.readableBytes > 0, "no trailers are nil, not empty")
                }
                self.items.append(.end(trailers: trailers.map { String(buffer: $0) }))
            }
        }
    }

    /// The limits a test parser has unless a test says otherwise.
    struct Limits {
        var maxTargetBytes = 256
        var maxFieldBytes = 1024
        var maxFieldCount = 16
    }

    /// A parser with the default test limits.
    static func parser() -> ClientRequestParser {
        let limits = Limits()
        return ClientRequestParser(
            maxTargetBytes: limits.maxTargetBytes,
            maxFieldBytes: limits.maxFieldBytes,
            maxFieldCount: limits.maxFieldCount
        )
    }

    /// Feeds `input` cut at `cuts`, pulling every event after each append; then, with `close`, ends the input.
    static func feed(_ input: [UInt8], cuts: [Int], close: Bool, limits: Limits) -> Transcript {
        var parser = ClientRequestParser(
            maxTargetBytes: limits.maxTargetBytes,
            maxFieldBytes: limits.maxFieldBytes,
            maxFieldCount: limits.maxFieldCount
        )
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
            transcript.isMidRequest = parser.isMidRequest
            transcript.isReadingHead = parser.isReadingHead
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
        return transcript
    }

    /// Feeds `input` whole, one byte at a time, and cut at random points many times, expects the same transcript
    /// each way, and returns it.
    static func framed(
        _ input: [UInt8],
        close: Bool = false,
        maxTargetBytes: Int = 256,
        maxFieldBytes: Int = 1024,
        maxFieldCount: Int = 16,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Transcript {
        let limits = Limits(maxTargetBytes: maxTargetBytes, maxFieldBytes: maxFieldBytes, maxFieldCount: maxFieldCount)
        let whole = Self.feed(input, cuts: [], close: close, limits: limits)
        let byteByByte = Self.feed(input, cuts: Array(0..<input.count), close: close, limits: limits)
        #expect(byteByByte == whole, "fed one byte at a time", sourceLocation: sourceLocation)
        var random = SplitMix64(seed: UInt64(input.count))
        for round in 0..<20 where input.count > 1 {
            let cuts = (0...(round % 4)).map { _ in Int.random(in: 1..<input.count, using: &random) }.sorted()
            let split = Self.feed(input, cuts: cuts, close: close, limits: limits)
            #expect(split == whole, "cut at \(cuts)", sourceLocation: sourceLocation)
        }
        return whole
    }

    static func framed(
        _ input: String,
        close: Bool = false,
        maxTargetBytes: Int = 256,
        maxFieldBytes: Int = 1024,
        maxFieldCount: Int = 16,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Transcript {
        Self.framed(
            Array(input.utf8),
            close: close,
            maxTargetBytes: maxTargetBytes,
            maxFieldBytes: maxFieldBytes,
            maxFieldCount: maxFieldCount,
            sourceLocation: sourceLocation
        )
    }

    /// The first head of `input`.
    static func head(_ input: String) throws -> ClientRequestHead {
        var parser = Self.parser()
        parser.append(ByteBuffer(string: input))
        guard case .head(let head) = try parser.next() else {
            throw HeadMissing()
        }
        return head
    }

    /// `head(_:)` found no head.
    struct HeadMissing: Error {}

    /// A short description of an event (or of none).
    static func describe(_ event: ClientRequestParser.Event?) -> String {
        switch event {
        case .head(let head): "head \(head.method.rawValue) \(head.target)"
        case .body(let bytes): "body \(String(buffer: bytes))"
        case .end(let trailers): trailers.map { "end \(String(buffer: $0))" } ?? "end"
        case nil: "nil"
        }
    }
}
