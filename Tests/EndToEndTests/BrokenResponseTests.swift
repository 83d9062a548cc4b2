import Foundation
import Testing

/// A backend whose response head is ambiguous or too large: the client gets 502, nothing of it is forwarded, and
/// the connection it came on is closed rather than reused.
@Suite("hardening: broken backend responses")
struct BrokenResponseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let response: String
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(
            name: "Content-Length with Transfer-Encoding",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        Case(
            name: "two different Content-Length values",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
        ),
        Case(
            name: "an obs-fold header line",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Folded: a\r\n b\r\n\r\nabc"
        ),
        Case(
            name: "a NUL in a header",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Nul: a\u{0}b\r\n\r\nabc"
        ),
        // The proxy does not run NIO's outbound header validators: these show the parser already refuses what they
        // would have caught, so nothing of the kind reaches the client.
        Case(
            name: "a control character in a header value",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Ctl: a\u{1}b\r\n\r\nabc"
        ),
        Case(
            name: "a DEL in a header value",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Del: a\u{7f}b\r\n\r\nabc"
        ),
        Case(
            name: "a bare LF inside a header value",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-LF: a\nInjected: yes\r\n\r\nabc"
        ),
        Case(
            name: "a separator in a header name",
            response: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX(Bad): a\r\n\r\nabc"
        ),
        Case(
            name: "endless headers (more fields than the limit)",
            response: "HTTP/1.1 200 OK\r\n" + (1...5000).map { "X-H\($0): v\r\n" }.joined() + "Content-Length: 3\r\n\r\nabc"
        ),
        Case(
            name: "a giant Set-Cookie (more bytes than the limit)",
            response: "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=\(String(repeating: "s", count: 300_000)); Path=/\r\n"
                + "Content-Length: 3\r\n\r\nabc"
        ),
    ]

    @Test("the client gets 502 and the backend connection is closed, not reused", arguments: cases)
    func brokenResponseIsA502(_ broken: Case) throws {
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
        let backend = try ScriptedBackend { head in head.hasPrefix("GET /broken") ? broken.response : ok }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "broken-response", before: backend)
        defer { cluster.stop() }

        for attempt in 1...2 {
            let (answer, connection) = try RawRequest.send(
                "GET /broken HTTP/1.1\r\nHost: app\r\n\r\n",
                to: cluster.proxyPort
            )
            connection.close()
            #expect(answer.status == 502, "attempt \(attempt): \(cluster.diagnostics())")
            #expect(answer.response?.header("Set-Cookie") == nil)
            #expect(answer.response?.header("X-Folded") == nil)
        }
        let counts = backend.waitFor { $0.closedByProxy >= 2 }
        #expect(counts.requests == 2, "no retry of a malformed response")
        #expect(counts.reusedRequests == 0, "a connection that carried a malformed response was reused")
        #expect(counts.closedByProxy >= 2, "the proxy kept a connection that carried a malformed response open")
        try HostileClientTests.expectServesNormally(cluster, backend: backend)
    }
}
