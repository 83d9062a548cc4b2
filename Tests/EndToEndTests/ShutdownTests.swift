import Foundation
import Testing

/// SIGTERM drains the proxy: no new connections, requests in flight finish, idle connections close, exit 0.
@Suite("proxy: graceful shutdown")
struct ShutdownTests {
    /// Waits until the proxy holds a request to a backend, which `/backends` shows as an active connection.
    private static func waitForActiveUpstream(_ cluster: TestCluster) throws {
        let admin = HTTPTestClient(port: cluster.adminPort, usesCookies: false, timeout: .seconds(10))
        defer { admin.close() }
        let waited = try Waiting.until(timeout: .seconds(30)) {
            let response = try admin.get("/backends")
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            let backends = object?["backends"] as? [[String: Any]] ?? []
            return backends.contains { ($0["active_connections"] as? Int ?? 0) > 0 }
        }
        if waited == nil {
            throw TestFailure("no request reached a backend\n\(cluster.diagnostics())")
        }
    }

    private static func sendSlowRequest(to cluster: TestCluster, milliseconds: Int) throws -> BufferedSocket {
        let connection = BufferedSocket(try TCPSocket(port: cluster.proxyPort, timeout: .seconds(60)))
        try connection.send("GET /slow?ms=\(milliseconds) HTTP/1.1\r\nHost: proxy\r\n\r\n")
        return connection
    }

    @Test("a slow request in flight at SIGTERM completes, new connections are refused, idle ones close, exit 0")
    func drainsRequestsInFlight() throws {
        let cluster = try TestCluster.withProxy(label: "shutdown-drain", backendCount: 1)
        defer { cluster.stop() }
        let proxy = try #require(cluster.proxy)

        // A keep-alive client that is idle when the signal comes.
        let idleClient = cluster.proxyClient()
        #expect(try idleClient.get("/").status == 200)
        let idleConnection = try idleClient.takeConnection()

        let slow = try Self.sendSlowRequest(to: cluster, milliseconds: 2000)
        try Self.waitForActiveUpstream(cluster)
        proxy.send(signal: SIGTERM)

        // The listener closes: a new connection is refused while the slow request is still being served.
        let refused = Waiting.until(timeout: .seconds(30)) {
            (try? TCPSocket(port: cluster.proxyPort, timeout: .seconds(1))) == nil
        }
        #expect(refused != nil, "the proxy still accepts connections after SIGTERM\n\(cluster.diagnostics())")
        #expect(proxy.isRunning, "the proxy exited before the request in flight finished")
        let readiness = try HTTPTestClient(port: cluster.adminPort, usesCookies: false).get("/readyz")
        #expect(readiness.status == 503 && readiness.text.contains(#""status":"draining""#), "\(readiness.text)")

        // The idle keep-alive connection is closed by the proxy.
        #expect(try idleConnection.atEndOfStream(), "the idle keep-alive connection stayed open")

        // The request in flight gets its whole response, marked as the connection's last.
        var response = try #require(try HTTPResponseReader.readHead(from: slow), "no response to the slow request")
        _ = try HTTPResponseReader.readBody(of: &response, method: "GET", from: slow, sink: nil)
        #expect(response.status == 200)
        #expect(response.text == "web1 slept 2000 ms\n", "body: \(response.text.debugDescription)")
        let connection = response.header("Connection")
        #expect(connection?.lowercased() == "close", "Connection: \(connection ?? "-")")
        #expect(try slow.atEndOfStream(), "the connection stays open after the last response")

        let status = try proxy.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "exit status \(status)\n\(proxy.outputSummary())")
        #expect(proxy.standardError.contains("draining"), "\(proxy.outputSummary())")
    }

    @Test("STICKY_SHUTDOWN_TIMEOUT cuts what is still running, and the proxy exits 0")
    func cutsWhatOutlivesTheTimeout() throws {
        let cluster = try TestCluster.withProxy(
            label: "shutdown-timeout",
            backendCount: 1,
            environment: ["STICKY_SHUTDOWN_TIMEOUT": "0.5"]
        )
        defer { cluster.stop() }
        let proxy = try #require(cluster.proxy)

        // Ten minutes: only the shutdown timeout can end it within the wait below.
        let slow = try Self.sendSlowRequest(to: cluster, milliseconds: 600_000)
        try Self.waitForActiveUpstream(cluster)
        proxy.send(signal: SIGTERM)

        let status = try proxy.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "exit status \(status)\n\(proxy.outputSummary())")
        let cut = try? HTTPResponseReader.readHead(from: slow)  // end of stream, or a reset
        #expect(cut == nil, "the cut request got a response: \(cut?.status ?? 0)")
        #expect(proxy.standardError.contains("shutdown timeout"), "\(proxy.outputSummary())")
    }

    @Test("SIGINT drains too: an idle proxy exits 0 at once")
    func sigintExitsZero() throws {
        let cluster = try TestCluster.withProxy(label: "shutdown-sigint", backendCount: 1)
        defer { cluster.stop() }
        let proxy = try #require(cluster.proxy)
        #expect(try cluster.proxyClient().get("/").status == 200)
        proxy.send(signal: SIGINT)
        let status = try proxy.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "exit status \(status)\n\(proxy.outputSummary())")
    }
}
