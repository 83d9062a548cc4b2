import Foundation
import Testing

/// Malformed and malicious requests over raw sockets: each gets its clear 4xx (and, where HTTP says so, a closed
/// connection), nothing ambiguous reaches the backend, and the proxy serves the next client as usual.
@Suite("hardening: hostile clients")
struct HostileClientTests {
    /// A request no correct client sends, and what the proxy must answer.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let request: String
        let status: Int
        var testDescription: String { self.name }

        init(_ name: String, _ request: String, _ status: Int = 400) {
            self.name = name
            self.request = request
            self.status = status
        }
    }

    static let framing: [Case] = [
        Case(
            "Content-Length with Transfer-Encoding",
            "POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: app\r\n\r\n"
        ),
        Case(
            "Transfer-Encoding that is not chunked",
            "POST /upload HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: gzip\r\n\r\nabc"
        ),
        Case(
            "chunked not the final Transfer-Encoding",
            "POST /upload HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
        ),
        Case(
            "Transfer-Encoding twice",
            "POST /upload HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        Case(
            "two different Content-Length values",
            "POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
        ),
        Case(
            "a Content-Length list",
            "POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 3, 4\r\n\r\nabcd"
        ),
        Case("an obs-fold header line", "GET / HTTP/1.1\r\nHost: app\r\nX-Folded: a\r\n  b\r\n\r\n"),
        Case(
            "an invalid chunk size",
            "POST /upload HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
        ),
        Case("a NUL in a header value", "GET / HTTP/1.1\r\nHost: app\r\nX-Nul: a\u{0}b\r\n\r\n"),
        Case("a bare CR in a header value", "GET / HTTP/1.1\r\nHost: app\r\nX-CR: a\rb\r\n\r\n"),
        // No outbound header validator runs behind the parser: these show the parser already refuses what it would
        // have caught, so nothing of the kind is forwarded.
        Case("a control character in a header value", "GET / HTTP/1.1\r\nHost: app\r\nX-Ctl: a\u{1}b\r\n\r\n"),
        Case("a DEL in a header value", "GET / HTTP/1.1\r\nHost: app\r\nX-Del: a\u{7f}b\r\n\r\n"),
        Case("a bare LF inside a header value", "GET / HTTP/1.1\r\nHost: app\r\nX-LF: a\nInjected: yes\r\n\r\n"),
        Case("a separator in a header name", "GET / HTTP/1.1\r\nHost: app\r\nX(Bad): a\r\n\r\n"),
        Case("a bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: app\r\n\r\n"),
        Case("a space before the colon", "GET / HTTP/1.1\r\nHost: app\r\nX-Space : a\r\n\r\n"),
        Case(
            "HTTP/1.0 with Transfer-Encoding",
            "POST /upload HTTP/1.0\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        Case("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"),
        Case("two Host headers", "GET / HTTP/1.1\r\nHost: app\r\nHost: other.example\r\n\r\n"),
        Case("CONNECT", "CONNECT other.example:443 HTTP/1.1\r\nHost: other.example:443\r\n\r\n", 405),
    ]

    @Test("ambiguous or malformed framing is refused, the connection closed, nothing forwarded", arguments: framing)
    func malformedRequestIsRefused(_ bad: Case) throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(in: "framing", before: backend)
        defer { cluster.stop() }

        let (answer, connection) = try RawRequest.send(bad.request, to: cluster.proxyPort)
        defer { connection.close() }
        #expect(answer.status == bad.status, "\(cluster.diagnostics())")
        #expect(answer.response?.header("Connection")?.lowercased() == "close")
        #expect(try connection.atEndOfStream(), "the proxy closed the connection")
        #expect(backend.current.requests == 0, "nothing reached the backend")
        try Self.expectServesNormally(cluster, backend: backend)
    }

    static let limits: [Case] = [
        Case("a request target over the line limit", "GET /\(String(repeating: "a", count: 1100)) HTTP/1.1\r\nHost: app\r\n\r\n", 414),
        Case(
            "headers over the byte limit",
            "GET / HTTP/1.1\r\nHost: app\r\nX-Big: \(String(repeating: "b", count: 2100))\r\n\r\n",
            431
        ),
        Case(
            "headers far over the byte limit (cut off while reading)",
            "GET / HTTP/1.1\r\nHost: app\r\nX-Big: \(String(repeating: "b", count: 200_000))\r\n\r\n",
            431
        ),
        Case(
            "more header fields than the limit",
            "GET / HTTP/1.1\r\nHost: app\r\n" + (1...21).map { "X-\($0): v\r\n" }.joined() + "\r\n",
            431
        ),
        Case(
            "a Cookie header over the cookie limit",
            "GET / HTTP/1.1\r\nHost: app\r\nCookie: a=\(String(repeating: "c", count: 600))\r\n\r\n",
            431
        ),
        Case(
            "many small cookies over the cookie limit",
            "GET / HTTP/1.1\r\nHost: app\r\n" + (1...6).map { "Cookie: c\($0)=\(String(repeating: "v", count: 100))\r\n" }
                .joined() + "\r\n",
            431
        ),
    ]

    @Test("a head over a limit gets 414 or 431 and a closed connection", arguments: limits)
    func headOverALimitIsRefused(_ bad: Case) throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(
            in: "limits",
            before: backend,
            environment: [
                "STICKY_MAX_REQUEST_LINE_BYTES": "1024",
                "STICKY_MAX_HEADER_BYTES": "2048",
                "STICKY_MAX_HEADER_COUNT": "20",
                "STICKY_MAX_COOKIE_BYTES": "512",
            ]
        )
        defer { cluster.stop() }

        let (answer, connection) = try RawRequest.send(bad.request, to: cluster.proxyPort)
        defer { connection.close() }
        #expect(answer.status == bad.status, "\(cluster.diagnostics())")
        #expect(try connection.atEndOfStream(), "the proxy closed the connection")
        #expect(backend.current.requests == 0, "nothing reached the backend")
        try Self.expectServesNormally(cluster, backend: backend)
    }

    @Test("a request refused while its body is still coming still gets its answer, not a reset")
    func refusedUploadGetsItsAnswer() throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(in: "refused-upload", before: backend, environment: ["STICKY_MAX_COOKIE_BYTES": "512"])
        defer { cluster.stop() }

        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        defer { connection.close() }
        let body = [UInt8](repeating: UInt8(ascii: "u"), count: 8 << 20)
        let head = "POST /upload HTTP/1.1\r\nHost: app\r\nCookie: a=\(String(repeating: "c", count: 600))\r\n"
            + "Content-Length: \(body.count)\r\n\r\n"
        let answer = try RawRequest.send(Array(head.utf8) + body, on: connection)
        #expect(answer.status == 431, "\(cluster.diagnostics())")
        #expect(backend.current.requests == 0)
        try Self.expectServesNormally(cluster, backend: backend)
    }

    @Test("a head just within every limit is served")
    func headWithinTheLimitsIsServed() throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(
            in: "within-limits",
            before: backend,
            environment: ["STICKY_MAX_REQUEST_LINE_BYTES": "1024", "STICKY_MAX_HEADER_COUNT": "20"]
        )
        defer { cluster.stop() }
        let target = "/" + String(repeating: "a", count: 1023)
        let headers = (1...19).map { "X-\($0): v\r\n" }.joined()
        let (answer, connection) = try RawRequest.send("GET \(target) HTTP/1.1\r\nHost: app\r\n\(headers)\r\n",
            to: cluster.proxyPort)
        defer { connection.close() }
        #expect(answer.status == 200, "\(cluster.diagnostics())")
    }

    @Test("a slowloris client sending a byte at a time is cut off with 408 after the head timeout")
    func slowHeadIsCutOff() throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(in: "slowloris", before: backend, environment: ["STICKY_CLIENT_HEAD_TIMEOUT": "1"])
        defer { cluster.stop() }

        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        defer { connection.close() }
        let started = ContinuousClock.now
        var sentAll = true
        // 40 bytes, one every 100 ms: 4 s for a head the proxy allows 1 s.
        for byte in "GET / HTTP/1.1\r\nHost: app\r\nX-Slow: abcdefghijklmn".utf8 {
            do { try connection.send([byte]) } catch {
                sentAll = false
                break
            }
            POSIX.sleep(milliseconds: 100)
        }
        let answer = try RawRequest.send([], on: connection)
        #expect(!sentAll || ContinuousClock.now - started >= .seconds(1))
        #expect(answer.status == 408, "\(cluster.diagnostics())")
        #expect(try connection.atEndOfStream(), "the proxy closed the connection")
        #expect(backend.current.requests == 0)
        try Self.expectServesNormally(cluster, backend: backend)
    }

    @Test("a body that stalls is cut off with 408 after the body timeout")
    func stalledBodyIsCutOff() throws {
        // A demo backend, which waits for the whole body before it answers.
        let cluster = try TestCluster.withProxy(
            label: "slow-body",
            backendCount: 1,
            environment: ["STICKY_CLIENT_BODY_TIMEOUT": "1"]
        )
        defer { cluster.stop() }

        let (answer, connection) = try RawRequest.send(
            "POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 100\r\n\r\nonly-part-of-it",
            to: cluster.proxyPort
        )
        defer { connection.close() }
        #expect(answer.status == 408, "\(cluster.diagnostics())")
        #expect(try connection.atEndOfStream(), "the proxy closed the connection")
        let after = try cluster.proxyClient().request("POST", "/upload", body: .generated(count: 100, chunked: false))
        #expect(after.status == 200)
        #expect(after.text == "bytes=100\n")
    }

    @Test("an idle keep-alive connection outlives the head timeout; only bytes start the clock")
    func idleConnectionIsNotAHeadTimeout() throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(in: "idle-not-head", before: backend, environment: ["STICKY_CLIENT_HEAD_TIMEOUT": "1"])
        defer { cluster.stop() }

        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        defer { connection.close() }
        let request = Array("GET / HTTP/1.1\r\nHost: app\r\n\r\n".utf8)
        #expect(try RawRequest.send(request, on: connection).status == 200)
        POSIX.sleep(milliseconds: 2500)
        #expect(try RawRequest.send(request, on: connection).status == 200, "\(cluster.diagnostics())")
    }

    @Test("an idle connection is closed after the idle timeout; one waiting for a slow backend is not idle")
    func idleTimeoutClosesOnlyIdleConnections() throws {
        let backend = try ScriptedBackend { head in
            if head.hasPrefix("GET /slow") { POSIX.sleep(milliseconds: 2500) }
            return Self.okResponse
        }
        defer { backend.stop() }
        let cluster = try Self.proxy(
            in: "client-idle",
            before: backend,
            environment: ["STICKY_CLIENT_IDLE_TIMEOUT": "1"]
        )
        defer { cluster.stop() }
        let request = Array("GET / HTTP/1.1\r\nHost: app\r\n\r\n".utf8)

        // Waiting 2.5 s for its response, longer than the idle timeout: answered, and the connection still serves.
        let waiting = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        defer { waiting.close() }
        let slow = Array("GET /slow HTTP/1.1\r\nHost: app\r\n\r\n".utf8)
        #expect(try RawRequest.send(slow, on: waiting).status == 200, "\(cluster.diagnostics())")
        #expect(try RawRequest.send(request, on: waiting).status == 200)

        // Idle after its response, and idle from the start: both closed once the timeout has passed.
        let used = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        defer { used.close() }
        #expect(try RawRequest.send(request, on: used).status == 200)
        let silent = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        defer { silent.close() }
        POSIX.sleep(milliseconds: 2500)
        #expect(try RawRequest.send(request, on: used).response == nil, "an idle connection was kept")
        #expect(try RawRequest.send(request, on: silent).response == nil, "a silent connection was kept")
    }

    @Test("beyond the connection limit a new connection is closed at once; the open ones keep working")
    func connectionLimit() throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let cluster = try Self.proxy(in: "max-conns", before: backend, environment: ["STICKY_MAX_CLIENT_CONNECTIONS": "4"])
        defer { cluster.stop() }
        let request = Array("GET / HTTP/1.1\r\nHost: app\r\n\r\n".utf8)

        var open: [BufferedSocket] = []
        for _ in 0..<4 {
            let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
            #expect(try RawRequest.send(request, on: connection).status == 200)
            open.append(connection)
        }
        let extra = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
        #expect(try RawRequest.send(request, on: extra).response == nil, "the fifth connection got an answer")
        extra.close()
        for connection in open {
            #expect(try RawRequest.send(request, on: connection).status == 200, "an open connection stopped working")
        }
        open.removeLast().close()
        let replaced = try Waiting.until { () -> Bool in
            let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(20)))
            defer { connection.close() }
            return try RawRequest.send(request, on: connection).status == 200
        }
        #expect(replaced != nil, "no connection was accepted after one closed")
        for connection in open { connection.close() }
    }

    @Test("an absolute-form target is served by the pool, never connected to its host; Host picks nothing")
    func absoluteFormStaysInThePool() throws {
        let backend = try ScriptedBackend(response: Self.okResponse)
        defer { backend.stop() }
        let elsewhere = try ScriptedBackend(response: Self.okResponse)
        defer { elsewhere.stop() }
        let cluster = try Self.proxy(in: "absolute-form", before: backend)
        defer { cluster.stop() }

        let other = "127.0.0.1:\(elsewhere.port)"
        for request in [
            "GET http://\(other)/ HTTP/1.1\r\nHost: \(other)\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \(other)\r\n\r\n",
        ] {
            let (answer, connection) = try RawRequest.send(request, to: cluster.proxyPort)
            connection.close()
            #expect(answer.status == 200)
            #expect(answer.response?.header("Set-Cookie") == nil)
        }
        #expect(backend.current.requests == 2)
        #expect(elsewhere.current.connections == 0, "the proxy connected to the host the client named")
    }

    // MARK: support

    /// A well-formed response with a body.
    static let okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n"

    /// A proxy whose only backend is `backend`.
    static func proxy(
        in label: String,
        before backend: ScriptedBackend,
        environment: [String: String] = [:]
    ) throws -> TestCluster {
        try TestCluster.withProxy(
            label: label,
            backendCount: 0,
            environment: environment.merging(["STICKY_BACKENDS": "scripted=127.0.0.1:\(backend.port)"]) { $1 }
        )
    }

    /// A normal request on a new connection is forwarded and answered.
    static func expectServesNormally(
        _ cluster: TestCluster,
        backend: ScriptedBackend,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = backend.current.requests
        let (answer, connection) = try RawRequest.send("GET / HTTP/1.1\r\nHost: app\r\n\r\n", to: cluster.proxyPort)
        connection.close()
        #expect(answer.status == 200, "a normal request afterwards", sourceLocation: sourceLocation)
        #expect(answer.response?.text == "ok\n", sourceLocation: sourceLocation)
        #expect(backend.current.requests == before + 1, sourceLocation: sourceLocation)
    }
}
