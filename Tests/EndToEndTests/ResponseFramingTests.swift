import Crypto
import Foundation
import Testing

/// How the proxy frames what a backend sends back, byte for byte at the client: lengths, chunks, trailers, bodies
/// delimited by a close, bodiless responses, interim responses, and backends that stop early or say too much.
/// Each backend answer is scripted on a raw socket, often in small pieces with pauses, so that every framing
/// element reaches the proxy split across reads; the client reads raw bytes with a timeout, so a hang fails.
@Suite("response framing from backends")
struct ResponseFramingTests {
    // MARK: Content-Length

    @Test("a Content-Length body written in small pieces arrives whole, and the connections stay usable",
        arguments: [1, 7])
    func contentLengthInPieces(pieceSize: Int) throws {
        let body = "The quick brown fox jumps over the lazy dog; 0123456789; \u{e9}t\u{e9}.\n"
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
            + "X-Piece: \(pieceSize)\r\n\r\n\(body)"
        let backend = try ScriptedBackend.scripted { _ in
            ScriptedBackend.Step.pieces(of: response, size: pieceSize, pauseMilliseconds: 2)
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-pieces", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        for attempt in 1...2 {
            let answer = try Self.roundTrip("GET /pieces HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
            #expect(answer.status == 200, "attempt \(attempt): \(cluster.diagnostics())")
            #expect(answer.header("Content-Length") == String(body.utf8.count))
            #expect(answer.header("Transfer-Encoding") == nil)
            #expect(answer.header("X-Piece") == String(pieceSize))
            #expect(answer.header("Connection") == nil)
            #expect(answer.body == Array(body.utf8), "attempt \(attempt)")
        }
        let counts = backend.current
        #expect(counts.requests == 2)
        #expect(counts.connections == 1, "the backend connection went back to the pool and carried the second")
        #expect(counts.reusedRequests == 1)
    }

    // MARK: chunked

    /// A chunked body with chunk extensions and a trailer field; de-chunked it is `hello world`.
    static let chunkedWithTrailer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
        + "Trailer: X-Trailer\r\n\r\n5;ext=1\r\nhello\r\n6;flag;name=value\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"

    @Test("a chunked body with extensions and a trailer reaches an HTTP/1.1 client chunked, trailer included",
        arguments: [0, 3])
    func chunkedToHTTP11(pieceSize: Int) throws {
        let backend = try Self.chunkedBackend(pieceSize: pieceSize)
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-chunked", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let answer = try Self.roundTrip("GET /chunked HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(answer.status == 200, "\(cluster.diagnostics())")
        #expect(answer.version == "HTTP/1.1")
        #expect(answer.wasChunked)
        #expect(answer.header("Transfer-Encoding") == "chunked")
        #expect(answer.header("Content-Length") == nil)
        #expect(answer.header("Trailer") == "X-Trailer")
        #expect(answer.text == "hello world")
        // Today the trailer section is passed on as it came (NIO hands it over with the end of the response).
        #expect(answer.trailers.map { "\($0.name): \($0.value)" } == ["X-Trailer: t"])

        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.status == 200)
        #expect(next.text == "ok\n")
        #expect(backend.current.reusedRequests == 1, "the chunked response left the backend connection reusable")
    }

    @Test("a chunked body reaches an HTTP/1.0 client without chunk framing, and the connection closes")
    func chunkedToHTTP10() throws {
        let backend = try Self.chunkedBackend(pieceSize: 0)
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-chunked-10", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        try connection.send("GET /chunked HTTP/1.0\r\nHost: app\r\n\r\n")
        let head = try #require(try HTTPResponseReader.readHead(from: connection), "\(cluster.diagnostics())")
        // An HTTP/1.0 client knows no chunked coding: the body can only be delimited by the close.
        var rest: [UInt8] = []
        try connection.streamToEnd { rest.append(contentsOf: $0) }  // throws after the read timeout: no hang
        #expect(head.status == 200)
        #expect(head.version == "HTTP/1.0")
        #expect(head.header("Content-Length") == nil)
        #expect(head.header("Connection")?.lowercased() == "close")
        #expect(String(decoding: rest, as: UTF8.self) == "hello world", "the body exactly, without chunk framing")
        // No `Transfer-Encoding: chunked` over an unchunked body (RFC 9112 §6.1).
        #expect(head.header("Transfer-Encoding") == nil, "head: \(head.headers)")
    }

    @Test("a chunked body to an HTTP/1.0 keep-alive client arrives unchunked, delimited by a close")
    func chunkedToHTTP10KeepAlive() throws {
        let backend = try Self.chunkedBackend(pieceSize: 0)
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-chunked-10ka", before: backend)
        defer { cluster.stop() }

        // A short read timeout: a proxy that neither closed nor delimited the body would leave the read below waiting.
        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(3)))
        defer { connection.close() }
        try connection.send("GET /chunked HTTP/1.0\r\nHost: app\r\nConnection: keep-alive\r\n\r\n")
        let head = try #require(try HTTPResponseReader.readHead(from: connection), "\(cluster.diagnostics())")
        #expect(head.status == 200)
        #expect(head.version == "HTTP/1.0")
        #expect(head.header("Content-Length") == nil)
        let raw = try connection.readExactly(11)
        #expect(String(decoding: raw, as: UTF8.self) == "hello world", "the body bytes, without chunk framing")
        // With neither a length nor chunks an HTTP/1.0 client understands, only a close can end this body.
        #expect(head.header("Transfer-Encoding") == nil, "head: \(head.headers)")
        #expect(head.header("Connection")?.lowercased() == "close", "head: \(head.headers)")
        #expect(try connection.atEndOfStream(), "the proxy closed the connection after the body")
    }

    // MARK: delimited by the close

    @Test("a body delimited by the backend's close arrives whole; that connection is not reused")
    func closeDelimited() throws {
        let body = String(repeating: "close-delimited body line\n", count: 40)
        let backend = try ScriptedBackend.scripted { head in
            guard head.hasPrefix("GET /until-close") else { return [.send(HostileClientTests.okResponse)] }
            return ScriptedBackend.Step.pieces(
                of: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n\(body)",
                size: 97,
                pauseMilliseconds: 2
            ) + [.close]
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-close", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let answer = try Self.roundTrip("GET /until-close HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(answer.status == 200, "\(cluster.diagnostics())")
        #expect(answer.text == body)
        // Today an HTTP/1.1 client gets it re-framed as chunked, and its connection stays open.
        #expect(answer.wasChunked)
        #expect(answer.header("Content-Length") == nil)
        #expect(answer.header("Connection") == nil)

        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.status == 200)
        #expect(next.text == "ok\n")
        let counts = backend.current
        #expect(counts.requests == 2, "no retry")
        #expect(counts.connections == 2)
        #expect(counts.reusedRequests == 0)
        #expect(counts.closedByBackend == 1)
    }

    @Test("a body delimited by the backend's close reaches an HTTP/1.0 client delimited by a close too",
        arguments: [false, true])
    func closeDelimitedToHTTP10(asksForKeepAlive: Bool) throws {
        let body = "close-delimited, for HTTP/1.0\n"
        let backend = try ScriptedBackend.scripted { _ in
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
            return [.send(head), .pause(milliseconds: 20), .send(body), .close]
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-close-10", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let keepAlive = asksForKeepAlive ? "Connection: keep-alive\r\n" : ""
        try connection.send("GET /until-close HTTP/1.0\r\nHost: app\r\n\(keepAlive)\r\n")
        let head = try #require(try HTTPResponseReader.readHead(from: connection), "\(cluster.diagnostics())")
        var rest: [UInt8] = []
        try connection.streamToEnd { rest.append(contentsOf: $0) }  // throws after the read timeout: no hang
        #expect(head.status == 200)
        #expect(head.version == "HTTP/1.0")
        #expect(head.header("Connection")?.lowercased() == "close", "head: \(head.headers)")
        #expect(head.header("Content-Length") == nil)
        #expect(head.header("Transfer-Encoding") == nil)
        #expect(String(decoding: rest, as: UTF8.self) == body)
    }

    // MARK: no body

    struct Bodiless: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        let response: String
        let status: Int
        /// The `Content-Length` the client sees today.
        let clientContentLength: String?
        var testDescription: String { self.name }
    }

    static let bodiless: [Bodiless] = [
        Bodiless(
            name: "HEAD answered with Content-Length: 100",
            method: "HEAD",
            response: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n",
            status: 200,
            clientContentLength: "100"
        ),
        Bodiless(
            name: "304 with Content-Length: 100",
            method: "GET",
            response: "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 100\r\n\r\n",
            status: 304,
            clientContentLength: "100"  // forwarded as the backend sent it: a 304 may carry one (RFC 9110 §8.6)
        ),
        Bodiless(
            name: "204",
            method: "GET",
            response: "HTTP/1.1 204 No Content\r\nETag: \"v1\"\r\n\r\n",
            status: 204,
            clientContentLength: nil
        ),
    ]

    @Test("a response without a body gets none, and both connections stay usable", arguments: bodiless)
    func noBody(_ bodiless: Bodiless) throws {
        let backend = try ScriptedBackend.scripted { head in
            head.hasPrefix("\(bodiless.method) /bodiless ")
                ? ScriptedBackend.Step.pieces(of: bodiless.response, size: 5, pauseMilliseconds: 1)
                : [.send(HostileClientTests.okResponse)]
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-bodiless", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let answer = try Self.roundTrip(
            "\(bodiless.method) /bodiless HTTP/1.1\r\nHost: app\r\n\r\n",
            method: bodiless.method,
            on: connection,
            cluster
        )
        #expect(answer.status == bodiless.status, "\(cluster.diagnostics())")
        #expect(answer.header("Content-Length") == bodiless.clientContentLength, "head: \(answer.headers)")
        #expect(answer.header("Transfer-Encoding") == nil)
        #expect(answer.header("Connection") == nil)
        if bodiless.status != 200 {
            #expect(answer.header("ETag") == "\"v1\"")
        }
        #expect(connection.bufferedCount == 0, "bytes after a bodiless response")

        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.status == 200)
        #expect(next.text == "ok\n")
        let counts = backend.current
        #expect(counts.requests == 2)
        #expect(counts.reusedRequests == 1, "the proxy waited for no body on the backend connection either")
    }

    // MARK: interim responses

    @Test("a 103 before the final response: the client gets the final 200 and its body", arguments: [false, true])
    func earlyHints(separately: Bool) throws {
        let interim = "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
        let final = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nfinal\n"
        let backend = try ScriptedBackend.scripted { head in
            guard head.hasPrefix("GET /hints") else { return [.send(HostileClientTests.okResponse)] }
            return separately ? [.send(interim), .pause(milliseconds: 100), .send(final)] : [.send(interim + final)]
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-103", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        try connection.send("GET /hints HTTP/1.1\r\nHost: app\r\n\r\n")
        var interims: [HTTPTestResponse] = []
        var answer = try #require(
            try HTTPResponseReader.readHead(from: connection) { interims.append($0) },
            "\(cluster.diagnostics())"
        )
        _ = try HTTPResponseReader.readBody(of: &answer, method: "GET", from: connection, sink: nil)
        #expect(answer.status == 200)
        #expect(answer.text == "final\n")
        #expect(answer.header("Link") == nil)
        // Today the proxy's backend-side decoder drops interim responses, so the 103 is not forwarded.
        #expect(interims.map(\.status) == [], "interim responses forwarded: \(interims.map(\.headers))")

        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.status == 200)
        #expect(next.text == "ok\n")
        #expect(backend.current.reusedRequests == 1)
    }

    // MARK: the backend closes, or says too much

    @Test("Connection: close from the backend: the client keeps its connection, the backend's is not reused")
    func backendConnectionClose() throws {
        let backend = try ScriptedBackend { head in
            head.hasPrefix("GET /closing")
                ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
                : HostileClientTests.okResponse
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-conn-close", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let answer = try Self.roundTrip("GET /closing HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(answer.status == 200, "\(cluster.diagnostics())")
        #expect(answer.text == "hello")
        #expect(answer.header("Content-Length") == "5")
        #expect(answer.header("Connection") == nil, "the client connection stays open")

        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.status == 200)
        #expect(next.text == "ok\n")
        let counts = backend.waitFor { $0.closedByProxy >= 1 }
        #expect(counts.requests == 2)
        #expect(counts.connections == 2)
        #expect(counts.reusedRequests == 0, "a connection the backend said it would close was reused")
        #expect(counts.closedByProxy >= 1, "the proxy kept the connection the backend said it would close")
    }

    @Test("bytes after a complete response are not forwarded; that backend connection is not reused")
    func bytesAfterTheResponse() throws {
        let backend = try ScriptedBackend { head in
            head.hasPrefix("GET /extra")
                ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE"
                : HostileClientTests.okResponse
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-extra", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let answer = try Self.roundTrip("GET /extra HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(answer.status == 200, "\(cluster.diagnostics())")
        #expect(answer.header("Content-Length") == "2")
        #expect(answer.text == "ok")

        // A status line that starts with GARBAGE would fail to parse here.
        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.status == 200)
        #expect(next.text == "ok\n")
        let counts = backend.waitFor { $0.closedByProxy >= 1 }
        #expect(counts.requests == 2)
        #expect(counts.connections == 2)
        #expect(counts.reusedRequests == 0, "a connection with stray bytes was reused")
        #expect(counts.closedByProxy >= 1)
    }

    struct CutShort: Sendable, CustomTestStringConvertible {
        let name: String
        /// What the backend sends before it closes.
        let sent: String
        var testDescription: String { self.name }
    }

    static let cutShort: [CutShort] = [
        CutShort(
            name: "in a Content-Length body",
            sent: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "b", count: 40)
        ),
        CutShort(
            name: "in a chunked body",
            sent: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nonly-part"
        ),
    ]

    @Test("a backend that closes mid-body: the client connection closes without a complete response",
        arguments: cutShort)
    func closeMidBody(_ cut: CutShort) throws {
        let backend = try ScriptedBackend.scripted { head in
            head.hasPrefix("GET /cut")
                ? [.send(cut.sent), .pause(milliseconds: 50), .close]
                : [.send(HostileClientTests.okResponse)]
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-cut", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        try connection.send("GET /cut HTTP/1.1\r\nHost: app\r\n\r\n")
        // The head went out before the body started, so the client has it; then the body stops at a close.
        let head = try #require(try HTTPResponseReader.readHead(from: connection), "\(cluster.diagnostics())")
        #expect(head.status == 200)
        var rest: [UInt8] = []
        try connection.streamToEnd { rest.append(contentsOf: $0) }  // throws after the read timeout: no hang
        let text = String(decoding: rest, as: UTF8.self)
        if let length = head.header("Content-Length") {
            #expect(length == "100")
            #expect(text == String(repeating: "b", count: 40), "what the backend sent, then the close")
        } else {
            #expect(head.header("Transfer-Encoding") == "chunked")
            #expect(text.hasPrefix("5\r\nhello\r\n"))
            #expect(!text.contains("0\r\n\r\n"), "a cut chunked body was ended as complete: \(text.debugDescription)")
        }
        #expect(backend.current.requests == 1, "no retry once the response started")
        try HostileClientTests.expectServesNormally(cluster, backend: backend)
    }

    // MARK: size

    /// 5 MiB of a deterministic pseudo-random byte sequence, and a chunked response carrying it in 64 KiB chunks.
    static let large: (body: [UInt8], response: [ScriptedBackend.Step]) = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var body = [UInt8](repeating: 0, count: 5 << 20)
        for index in body.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            body[index] = UInt8(truncatingIfNeeded: state >> 56)
        }
        var steps: [ScriptedBackend.Step] = [.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
        var start = 0
        while start < body.count {
            let end = min(start + (64 << 10), body.count)
            steps.append(.send(Array("\(String(end - start, radix: 16))\r\n".utf8) + body[start..<end] + [13, 10]))
            start = end
        }
        steps.append(.send("0\r\n\r\n"))
        return (body, steps)
    }()

    @Test("a 5 MiB chunked body in 64 KiB chunks arrives byte for byte")
    func largeChunked() throws {
        let backend = try ScriptedBackend.scripted { head in
            head.hasPrefix("GET /large") ? Self.large.response : [.send(HostileClientTests.okResponse)]
        }
        defer { backend.stop() }
        let cluster = try HostileClientTests.proxy(in: "framing-large", before: backend)
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        try connection.send("GET /large HTTP/1.1\r\nHost: app\r\n\r\n")
        var answer = try #require(try HTTPResponseReader.readHead(from: connection), "\(cluster.diagnostics())")
        var hasher = SHA256()
        let reusable = try HTTPResponseReader.readBody(of: &answer, method: "GET", from: connection) { piece in
            hasher.update(bufferPointer: piece)
        }
        #expect(answer.status == 200)
        #expect(answer.wasChunked)
        #expect(answer.bodyCount == Self.large.body.count)
        #expect(hasher.finalize() == SHA256.hash(data: Self.large.body), "the body differs")
        #expect(reusable)
        let next = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        #expect(next.text == "ok\n")
    }

    // MARK: learning sessions

    struct Learning: Sendable, CustomTestStringConvertible {
        let name: String
        let chunked: Bool
        /// Bytes per piece the backend writes (0: the whole response at once).
        let pieceSize: Int
        var testDescription: String { self.name }
    }

    static let learning: [Learning] = [
        Learning(name: "from a chunked response", chunked: true, pieceSize: 0),
        Learning(name: "from a response in 3-byte pieces", chunked: false, pieceSize: 3),
        Learning(name: "from a chunked response in 3-byte pieces", chunked: true, pieceSize: 3),
    ]

    @Test("a session learned from a Set-Cookie sticks to its backend", arguments: learning)
    func sessionLearned(_ learning: Learning) throws {
        let backends = try ["a", "b"].map { name in
            try ScriptedBackend.scripted { head in
                Self.sessionResponse(
                    backend: name,
                    head: head,
                    chunked: learning.chunked,
                    pieceSize: learning.pieceSize
                )
            }
        }
        defer { backends.forEach { $0.stop() } }
        let cluster = try TestCluster.withProxy(
            label: "framing-learning",
            backendCount: 0,
            environment: ["STICKY_BACKENDS": "a=127.0.0.1:\(backends[0].port),b=127.0.0.1:\(backends[1].port)"]
        )
        defer { cluster.stop() }

        let connection = try Self.connect(to: cluster)
        defer { connection.close() }
        let first = try Self.roundTrip("GET / HTTP/1.1\r\nHost: app\r\n\r\n", on: connection, cluster)
        let owner = try #require(first.header("X-Backend"), "\(cluster.diagnostics())")
        #expect(first.setCookies == ["JSESSIONID=session-\(owner); Path=/; HttpOnly"])
        #expect(first.text == "hello from \(owner)\n")
        #expect(first.wasChunked == learning.chunked)

        // Without stickiness round-robin would alternate; on fresh connections, so every loop's view is used.
        for attempt in 1...4 {
            let next = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(10)))
            defer { next.close() }
            let answer = try Self.roundTrip(
                "GET /again HTTP/1.1\r\nHost: app\r\nCookie: JSESSIONID=session-\(owner)\r\n\r\n",
                on: next,
                cluster
            )
            #expect(answer.header("X-Backend") == owner, "attempt \(attempt)")
            #expect(answer.text == "hello from \(owner)\n")
        }
        let other = owner == "a" ? backends[1] : backends[0]
        #expect(other.current.requests == 0, "a request of the session went to the other backend")
    }

    /// A backend's answer: a new session's `Set-Cookie` unless the request carries one.
    private static func sessionResponse(backend: String, head: String, chunked: Bool, pieceSize: Int)
        -> [ScriptedBackend.Step]
    {
        let body = "hello from \(backend)\n"
        var response = "HTTP/1.1 200 OK\r\nX-Backend: \(backend)\r\nContent-Type: text/plain\r\n"
        if !head.contains("JSESSIONID=") {
            response += "Set-Cookie: JSESSIONID=session-\(backend); Path=/; HttpOnly\r\n"
        }
        if chunked {
            let rest = body.dropFirst(6)
            response += "Transfer-Encoding: chunked\r\n\r\n6\r\n\(body.prefix(6))\r\n"
                + "\(String(rest.utf8.count, radix: 16))\r\n\(rest)\r\n0\r\n\r\n"
        } else {
            response += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        return pieceSize > 0
            ? ScriptedBackend.Step.pieces(of: response, size: pieceSize, pauseMilliseconds: 1) : [.send(response)]
    }

    // MARK: support

    private static func chunkedBackend(pieceSize: Int) throws -> ScriptedBackend {
        try ScriptedBackend.scripted { head in
            guard head.hasPrefix("GET /chunked") else { return [.send(HostileClientTests.okResponse)] }
            return pieceSize > 0
                ? ScriptedBackend.Step.pieces(of: Self.chunkedWithTrailer, size: pieceSize, pauseMilliseconds: 2)
                : [.send(Self.chunkedWithTrailer)]
        }
    }

    /// A client connection to the proxy whose reads give up after 10 s, so that a hang fails the test.
    private static func connect(to cluster: TestCluster) throws -> BufferedSocket {
        BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(10)))
    }

    /// Sends `request` on `connection` and reads the whole response to it (to `method`); throws if the connection
    /// closed first.
    private static func roundTrip(
        _ request: String,
        method: String = "GET",
        on connection: BufferedSocket,
        _ cluster: TestCluster
    ) throws -> HTTPTestResponse {
        try connection.send(request)
        guard var response = try HTTPResponseReader.readHead(from: connection) else {
            throw TestFailure("the proxy closed the connection without a response\n\(cluster.diagnostics())")
        }
        _ = try HTTPResponseReader.readBody(of: &response, method: method, from: connection, sink: nil)
        return response
    }
}
