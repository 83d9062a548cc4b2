import NIOCore
import NIOHTTP1
import Testing

@testable import StickyCore

/// What the proxy answers a request for its head alone: the parser's sizes (``ClientRequestParser``) and then
/// ``HTTPLimits/rejection(of:)``, as ``ClientRequestSequencer`` and ``ClientConnectionHandler`` apply them.
@Suite struct HTTPLimitsTests {
    private var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 100
        limits.maxHeaderBytes = 200
        limits.maxHeaderCount = 5
        limits.maxCookieBytes = 50
        return limits
    }

    /// The proxy's own answer to a request with this head, or `nil` when it goes on to a backend.
    private func verdict(
        _ target: String = "/",
        version: String = "HTTP/1.1",
        method: String = "GET",
        headers: [(String, String)] = [("Host", "app")]
    ) -> HTTPResponseStatus? {
        let limits = self.limits
        var parser = ClientRequestParser(
            maxTargetBytes: limits.maxRequestLineBytes,
            maxFieldBytes: limits.maxHeaderBytes,
            maxFieldCount: limits.maxHeaderCount
        )
        let lines = headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        parser.append(ByteBuffer(string: "\(method) \(target) \(version)\r\n\(lines)\r\n"))
        do {
            guard case .head(let head) = try parser.next() else {
                Issue.record("no head")
                return nil
            }
            return limits.rejection(of: head)
        } catch {
            return error.status
        }
    }

    private func verdict(version: String = "HTTP/1.1", _ headers: [(String, String)]) -> HTTPResponseStatus? {
        self.verdict("/", version: version, headers: headers)
    }

    @Test func anOrdinaryHeadPasses() {
        #expect(verdict() == nil)
        #expect(verdict(version: "HTTP/1.0", []) == nil, "HTTP/1.0 needs no Host")
    }

    @Test func eachLimitIsExactAtItsBound() {
        #expect(verdict("/" + String(repeating: "a", count: 99)) == nil)
        #expect(verdict("/" + String(repeating: "a", count: 100)) == .uriTooLong)

        // Host (4 + 3 bytes) plus one header of 193 bytes: exactly 200.
        let fits = [("Host", "app"), ("X", String(repeating: "v", count: 192))]
        #expect(verdict(fits) == nil)
        #expect(verdict(fits + [("Y", "")]) == .requestHeaderFieldsTooLarge)

        let five = [("Host", "app")] + (1...4).map { ("X-\($0)", "v") }
        #expect(verdict(five) == nil)
        #expect(verdict(five + [("X-5", "v")]) == .requestHeaderFieldsTooLarge)
    }

    @Test func cookieBytesAddUpOverEveryCookieHeaderInAnyCase() {
        let half = String(repeating: "c", count: 25)
        #expect(verdict([("Host", "app"), ("Cookie", half), ("cookie", half)]) == nil)
        #expect(verdict([("Host", "app"), ("Cookie", half), ("COOKIE", half + "x")]) == .requestHeaderFieldsTooLarge)
    }

    @Test func hostMustBeThereOnceInHTTP11() {
        #expect(verdict([]) == .badRequest)
        #expect(verdict([("Host", "a"), ("HOST", "b")]) == .badRequest)
        #expect(verdict(version: "HTTP/1.0", [("Host", "a"), ("host", "b")]) == .badRequest)
        #expect(verdict([("X-Host", "a")]) == .badRequest, "only the Host header counts")
    }

    @Test func transferEncodingInHTTP10IsFaultyFraming() {
        #expect(verdict(version: "HTTP/1.0", [("Transfer-Encoding", "chunked")]) == .badRequest)
    }

    @Test func connectAndOtherVersionsAreRefused() {
        #expect(verdict("example.com:443", method: "CONNECT") == .methodNotAllowed)
        #expect(verdict(version: "HTTP/2.0", [("Host", "app")]) == .httpVersionNotSupported)
    }

    @Test func aResponseHeadHasRoomForItsStatusLine() {
        #expect(limits.maxResponseHeadBytes == 1224, "the header bytes and room for a status line")
    }
}
