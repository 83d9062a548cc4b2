import Foundation
import Testing

/// The demo backend on its own, without the proxy: it must behave like an express-session app for the proxy tests
/// to mean anything. These also exercise the harness (processes, ports, HTTP and WebSocket clients).
@Suite("demo-app")
struct DemoAppTests {
    @Test("issues an express-session cookie, counts visits, keeps the connection alive")
    func sessionsAndKeepAlive() throws {
        let cluster = try TestCluster(label: "demo-sessions", backendCount: 1)
        defer { cluster.stop() }
        #expect(
            cluster.backends[0].process.waitForOutput(
                containing: "demo-app web1 listening on 127.0.0.1:\(cluster.backends[0].port)"
            )
        )

        let client = cluster.backendClient(0)
        let first = try client.get("/")
        #expect(first.status == 200)
        #expect(first.backend == "web1")
        let setCookies = first.setCookies(named: "connect.sid")
        try #require(setCookies.count == 1)
        let cookie = try #require(SetCookie(setCookies[0]))
        #expect(cookie.attributeNames == ["Path", "Expires", "HttpOnly"])
        let expires = try #require(cookie.expires, "Expires must be an IMF-fixdate: \(setCookies[0])")
        #expect(abs(expires - (POSIX.nowEpochSeconds() + 86_400)) < 300)

        // s%3A<24 base64url characters>.<signature>
        #expect(cookie.value.hasPrefix("s%3A"))
        let id = try #require(cookie.value.dropFirst(4).split(separator: ".").first)
        #expect(id.count == 24)
        #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(first.text == "web1 visits=1 session=\(id.prefix(6))\n")

        for visit in 2...5 {
            let response = try client.get("/")
            #expect(response.text == "web1 visits=\(visit) session=\(id.prefix(6))\n")
            #expect(response.setCookies.isEmpty, "a known session gets no new cookie")
        }
        #expect(client.connectionsOpened == 1, "keep-alive: all requests on one connection")
    }

    @Test("a session another backend issued, or a forged one, gets a new session")
    func foreignSession() throws {
        let cluster = try TestCluster(label: "demo-foreign", backendCount: 2)
        defer { cluster.stop() }
        let web1 = cluster.backendClient(0)
        _ = try web1.get("/")
        let web1Cookie = try #require(web1.cookies["connect.sid"])

        let web2 = cluster.backendClient(1, usesCookies: false)
        for cookie in [web1Cookie, "s%3Aforgedforgedforgedforged.bad", "garbage"] {
            let response = try web2.get("/", headers: [("Cookie", "connect.sid=\(cookie)")])
            #expect(response.backend == "web2")
            #expect(response.text.hasPrefix("web2 visits=1 "))
            let issued = try #require(response.setCookies(named: "connect.sid").first.flatMap(SetCookie.init))
            #expect(issued.value != cookie)
        }
    }

    @Test("logout destroys the session and deletes the cookie")
    func logout() throws {
        let cluster = try TestCluster(label: "demo-logout", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.backendClient(0)
        _ = try client.get("/")
        let old = try #require(client.cookies["connect.sid"])

        let logout = try client.get("/logout")
        #expect(logout.status == 200)
        #expect(logout.backend == "web1")
        #expect(logout.setCookies == ["connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"])
        #expect(client.cookies["connect.sid"] == nil, "the jar honours the deletion")

        let replay = try client.get("/", headers: [("Cookie", "connect.sid=\(old)")])
        #expect(replay.text.hasPrefix("web1 visits=1 "), "the old session is gone")
        #expect(replay.setCookies(named: "connect.sid").count == 1)

        let maxAgeLogout = try client.get("/logout?style=max-age")
        #expect(maxAgeLogout.setCookies == ["connect.sid=; Path=/; Max-Age=0"])
    }

    @Test("login with Max-Age, and a browser-session cookie")
    func cookieVariants() throws {
        let cluster = try TestCluster(label: "demo-cookies", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.backendClient(0)

        let login = try client.get("/login?max-age=60")
        #expect(login.backend == "web1")
        let loginCookie = try #require(login.setCookies(named: "connect.sid").first.flatMap(SetCookie.init))
        #expect(loginCookie.maxAge == 60)
        #expect(loginCookie.expires == nil)
        #expect(try client.get("/").text.hasPrefix("web1 visits=1 "), "the login session is live")

        let browser = try client.get("/browser-session")
        let browserCookie = try #require(browser.setCookies(named: "connect.sid").first.flatMap(SetCookie.init))
        #expect(browserCookie.maxAge == nil)
        #expect(browserCookie.expires == nil)
        #expect(browserCookie.value != loginCookie.value)
        #expect(try client.get("/").setCookies.isEmpty, "the browser-session cookie names a live session")
    }

    @Test("echo, status, chunked and slow")
    func testEndpoints() throws {
        let cluster = try TestCluster(label: "demo-endpoints", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.backendClient(0, usesCookies: false)

        let echo = try client.get("/echo?x=1", headers: [("X-Test", "hello"), ("Cookie", "a=b")])
        #expect(echo.backend == "web1")
        let lines = echo.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "GET /echo?x=1 HTTP/1.1")
        #expect(lines.contains("X-Test: hello"))
        #expect(lines.contains("Cookie: a=b"))
        #expect(lines.contains("Host: 127.0.0.1:\(cluster.backends[0].port)"))

        let unavailable = try client.get("/status?code=503")
        #expect(unavailable.status == 503)
        #expect(unavailable.backend == "web1")
        let noContent = try client.get("/status?code=204")
        #expect(noContent.status == 204)
        #expect(noContent.bodyCount == 0)

        let chunked = try client.get("/chunked?chunks=5")
        #expect(chunked.wasChunked)
        #expect(chunked.backend == "web1")
        #expect(chunked.text.split(separator: "\n").count == 5)

        let start = ContinuousClock.now
        let slow = try client.get("/slow?ms=200")
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        #expect(slow.text == "web1 slept 200 ms\n")
        #expect(slow.backend == "web1")

        #expect(try client.get("/nowhere").status == 404)
        #expect(client.connectionsOpened == 1)
    }

    @Test("upload and download bodies, checked byte by byte")
    func smallBodies() throws {
        let cluster = try TestCluster(label: "demo-bodies", backendCount: 1)
        defer { cluster.stop() }
        let client = cluster.backendClient(0, usesCookies: false)

        for chunked in [false, true] {
            let upload = try client.request("POST", "/upload", body: .generated(count: 3_000_001, chunked: chunked))
            #expect(upload.status == 200)
            #expect(upload.text == "bytes=3000001\n")
            #expect(upload.backend == "web1")
        }
        #expect(try client.request("POST", "/upload", body: .bytes([])).text == "bytes=0\n")
        #expect(try client.get("/upload").status == 405)

        let download = try client.get("/download?bytes=1000003")
        #expect(download.status == 200)
        #expect(download.header("Content-Length") == "1000003")
        #expect(download.body.count == 1_000_003)
        let mismatch = download.body.indices.first { download.body[$0] != BytePattern.byte(at: $0) }
        #expect(mismatch == nil, "download differs from the pattern at byte \(mismatch ?? -1)")
        #expect(client.connectionsOpened == 1)
    }

    @Test("streams 256 MiB each way with bounded memory")
    func streamingDirect() throws {
        let cluster = try TestCluster(label: "demo-streaming", backendCount: 1)
        defer { cluster.stop() }
        let backend = cluster.backends[0]
        let result = try Streaming.roundTrip(port: backend.port, bytes: 256 << 20)
        let peak = try ProcessMemory.peakResidentBytes(pid: backend.process.pid)
        print("demo-app direct: \(result.summary); demo-app VmHWM \(peak >> 10) kB")
        #expect(peak < Streaming.memoryLimit, "demo-app peak RSS \(peak / 1_000_000) MB, limit 100 MB")
    }

    @Test("WebSocket echo, also on a connection that already carried a request")
    func webSocketDirect() throws {
        let cluster = try TestCluster(label: "demo-ws", backendCount: 1)
        defer { cluster.stop() }
        let port = cluster.backends[0].port

        let socket = try WebSocketTestClient(port: port)
        #expect(socket.handshake.backend == "web1")
        try WebSocketConversation.run(socket)

        let client = HTTPTestClient(port: port)
        #expect(try client.get("/").status == 200)
        let reused = try WebSocketTestClient(upgrading: client.takeConnection(), host: "127.0.0.1:\(port)")
        try WebSocketConversation.run(reused)

        #expect(try cluster.backendClient(0).get("/ws").status == 426)
    }

    @Test("exits 0 on SIGTERM and 2 on a bad argument")
    func lifecycle() throws {
        let cluster = try TestCluster(label: "demo-lifecycle", backendCount: 1)
        defer { cluster.stop() }
        let backend = cluster.backends[0]
        let client = cluster.backendClient(0)
        _ = try client.get("/")  // an idle keep-alive connection must not hold up the exit
        try backend.process.kill(signal: SIGTERM)
        #expect(backend.process.exitStatus == 0)

        let bad = try ManagedProcess(
            name: "bad-args",
            executable: BinaryLocator.path(of: "demo-app"),
            arguments: ["--name", "web9", "--port", "notaport"],
            logDirectory: cluster.logDirectory
        )
        #expect(try bad.waitForExit() == 2)
        #expect(bad.standardError.contains("--port"))
    }
}
