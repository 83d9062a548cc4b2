import NIOHTTP1
import Testing

@testable import StickyCore

@Suite struct HTTPLimitsTests {
    private var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 100
        limits.maxHeaderBytes = 200
        limits.maxHeaderCount = 5
        limits.maxCookieBytes = 50
        return limits
    }

    private func head(
        _ uri: String = "/",
        version: HTTPVersion = .http1_1,
        method: HTTPMethod = .GET,
        headers: [(String, String)] = [("Host", "app")]
    ) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    private func head(version: HTTPVersion = .http1_1, _ headers: [(String, String)]) -> HTTPRequestHead {
        head("/", version: version, headers: headers)
    }

    @Test func anOrdinaryHeadPasses() {
        #expect(limits.rejection(of: head()) == nil)
        #expect(limits.rejection(of: head(version: .http1_0, [])) == nil, "HTTP/1.0 needs no Host")
    }

    @Test func eachLimitIsExactAtItsBound() {
        #expect(limits.rejection(of: head("/" + String(repeating: "a", count: 99))) == nil)
        #expect(limits.rejection(of: head("/" + String(repeating: "a", count: 100))) == .uriTooLong)

        // Host (4 + 3 bytes) plus one header of 193 bytes: exactly 200.
        let fits = [("Host", "app"), ("X", String(repeating: "v", count: 192))]
        #expect(limits.rejection(of: head(fits)) == nil)
        #expect(limits.rejection(of: head(fits + [("Y", "")])) == .requestHeaderFieldsTooLarge)

        let five = [("Host", "app")] + (1...4).map { ("X-\($0)", "v") }
        #expect(limits.rejection(of: head(five)) == nil)
        #expect(limits.rejection(of: head(five + [("X-5", "v")])) == .requestHeaderFieldsTooLarge)
    }

    @Test func cookieBytesAddUpOverEveryCookieHeaderInAnyCase() {
        let half = String(repeating: "c", count: 25)
        #expect(limits.rejection(of: head([("Host", "app"), ("Cookie", half), ("cookie", half)])) == nil)
        #expect(
            limits.rejection(of: head([("Host", "app"), ("Cookie", half), ("COOKIE", half + "x")]))
                == .requestHeaderFieldsTooLarge
        )
    }

    @Test func hostMustBeThereOnceInHTTP11() {
        #expect(limits.rejection(of: head([])) == .badRequest)
        #expect(limits.rejection(of: head([("Host", "a"), ("HOST", "b")])) == .badRequest)
        #expect(limits.rejection(of: head(version: .http1_0, [("Host", "a"), ("host", "b")])) == .badRequest)
        #expect(limits.rejection(of: head([("X-Host", "a")])) == .badRequest, "only the Host header counts")
    }

    @Test func transferEncodingInHTTP10IsFaultyFraming() {
        #expect(limits.rejection(of: head(version: .http1_0, [("Transfer-Encoding", "chunked")])) == .badRequest)
    }

    @Test func connectAndOtherVersionsAreRefused() {
        #expect(limits.rejection(of: head("example.com:443", method: .CONNECT)) == .methodNotAllowed)
        #expect(limits.rejection(of: head(version: HTTPVersion(major: 2, minor: 0))) == .httpVersionNotSupported)
    }

    @Test func theDecodersStopJustPastWhatTheExactCheckAllows() {
        let request = limits.requestDecoderLimits
        #expect(request.maxHeaderFieldCount == 5)
        #expect(request.maxHeaderListSize == 300, "the URI counts towards NIO's list size")
        #expect(request.maxHeaderFieldSize == 200)
        #expect(limits.maxResponseHeadBytes == 1224, "the header bytes and room for a status line")
    }
}
