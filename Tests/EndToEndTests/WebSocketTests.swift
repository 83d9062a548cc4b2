import Testing

/// WebSocket upgrades are tunnelled to a backend.
@Suite("proxy: WebSocket")
struct WebSocketTests {
    @Test("handshake through the proxy, echo text and binary frames (one ≥ 1 MiB), close cleanly")
    func echoThroughProxy() throws {
        let cluster = try TestCluster.withProxy(label: "websocket")
        defer { cluster.stop() }

        let socket = try WebSocketTestClient(port: cluster.proxyPort)
        let backend = try #require(socket.handshake.backend, "the 101 comes from a backend")
        #expect(cluster.backendNames.contains(backend))
        try WebSocketConversation.run(socket)

        // The proxy still serves plain requests afterwards.
        #expect(try cluster.proxyClient().get("/").status == 200)
    }

    @Test("a WebSocket with a session cookie goes to the session's backend")
    func upgradeIsSticky() throws {
        let cluster = try TestCluster.withProxy(label: "websocket-sticky")
        defer { cluster.stop() }

        let client = cluster.proxyClient()
        let owner = try #require(try client.get("/").backend)
        let cookie = try #require(client.cookies["connect.sid"])
        for _ in 0..<5 {
            let socket = try WebSocketTestClient(
                port: cluster.proxyPort,
                headers: [("Cookie", "connect.sid=\(cookie)")]
            )
            #expect(socket.handshake.backend == owner)
            try socket.sendText("ping")
            #expect(try socket.receiveMessage().payload == Array("ping".utf8))
            try socket.sendClose()
            _ = try socket.receiveMessage()
            socket.close()
        }
    }
}
