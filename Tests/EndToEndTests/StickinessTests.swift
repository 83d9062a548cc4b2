import Testing

/// Session affinity through the proxy, in front of three demo backends.
@Suite("proxy: stickiness")
struct StickinessTests {
    @Test("100 sessions × 20 requests each stay on their backend; sessions cover all three backends")
    func hundredSessionsStick() throws {
        let cluster = try TestCluster.withProxy(label: "sticky-100")
        defer { cluster.stop() }

        let clients = (0..<100).map { _ in cluster.proxyClient() }
        var owners = [String](repeating: "", count: clients.count)
        var problems: [String] = []

        // Interleaved, so that every session's requests are spread over time and over the proxy's connections.
        for round in 1...20 {
            for (index, client) in clients.enumerated() {
                let response = try client.get("/")
                guard response.status == 200, let backend = response.backend else {
                    problems.append("session \(index) request \(round): status \(response.status), no X-Backend")
                    continue
                }
                if round == 1 {
                    owners[index] = backend
                    if response.setCookies(named: "connect.sid").count != 1 {
                        problems.append("session \(index): first response issued no connect.sid")
                    }
                    continue
                }
                if backend != owners[index] {
                    problems.append(
                        "session \(index) request \(round): \(backend), but the session is on \(owners[index])"
                    )
                } else if !response.text.hasPrefix("\(backend) visits=\(round) ") {
                    problems.append("session \(index) request \(round): \(response.text.debugDescription)")
                }
            }
        }

        let problemCount = problems.count
        #expect(problemCount == 0, "first problems:\n\(problems.prefix(5).joined(separator: "\n"))")
        #expect(Set(owners) == cluster.backendNames, "sessions landed on \(Set(owners).sorted()) only")
        #expect(clients.allSatisfy { $0.connectionsOpened == 1 }, "client connections are kept alive")
    }

    @Test("one keep-alive connection carrying different sessions in turn takes each to its own backend")
    func sessionsTakeTurnsOnOneConnection() throws {
        let cluster = try TestCluster.withProxy(label: "sticky-one-connection")
        defer { cluster.stop() }
        // Sessions until every backend owns one.
        var owners: [String: String] = [:]  // backend → session ID
        for _ in 0..<60 where owners.count < cluster.backendNames.count {
            let client = cluster.proxyClient()
            let response = try client.get("/")
            try #require(response.status == 200)
            if let backend = response.backend, let id = client.cookies["connect.sid"] {
                owners[backend] = owners[backend] ?? id
            }
            client.close()
        }
        try #require(owners.count == cluster.backendNames.count, "sessions landed on \(owners.keys.sorted()) only")

        // The same connection, the session changing on every request, and coming back.
        let replayer = cluster.proxyClient(usesCookies: false)
        let order = owners.keys.sorted()
        for round in 0..<4 {
            for backend in order + order.reversed() {
                let response = try replayer.get("/", headers: [("Cookie", "connect.sid=\(owners[backend]!)")])
                #expect(
                    response.backend == backend,
                    "round \(round): \(backend)'s session went to \(response.backend ?? "-")"
                )
            }
        }
        #expect(replayer.connectionsOpened == 1, "the requests shared one connection")
    }

    @Test("clients without cookies are spread over all three backends")
    func cookielessClientsSpread() throws {
        let cluster = try TestCluster.withProxy(label: "sticky-spread")
        defer { cluster.stop() }

        var counts: [String: Int] = [:]
        for _ in 0..<60 {
            let client = cluster.proxyClient(usesCookies: false)
            let response = try client.get("/")
            #expect(response.status == 200)
            counts[response.backend ?? "none", default: 0] += 1
            client.close()
        }
        #expect(Set(counts.keys) == cluster.backendNames, "60 cookieless clients went to \(counts)")
    }
}
