import Foundation
import Testing

/// Draining a backend through one replica's admin listener drains it on every replica that shares the store.
@Suite("drain")
struct DrainTests {
    static let token = "drain-test-token-0123456789"

    @Test(
        "a drain through A stops new sessions on that backend through B, existing ones continue; the token is required",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func drainAcrossReplicas() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try ReplicatedCluster(label: "drain")
        defer { cluster.stop() }
        try cluster.startReplicas(store: redis.storeSetting, extra: ["STICKY_ADMIN_TOKEN": Self.token])

        // A session on web2, made through B.
        var session: SessionBrowser?
        for _ in 0..<9 where session == nil {
            let browser = cluster.browser()
            if try browser.get("/", via: cluster.b).backend == "web2" { session = browser }
        }
        let onWeb2 = try #require(session)

        let admin = HTTPTestClient(port: cluster.a.adminPort, usesCookies: false)
        #expect(try admin.request("POST", "/backends/web2/drain").status == 401, "no token")
        #expect(
            try admin.request("POST", "/backends/web2/drain", headers: [("Authorization", "Bearer wrong")]).status
                == 401
        )
        #expect(
            try admin.request("POST", "/backends/nope/drain", headers: [("Authorization", "Bearer \(Self.token)")])
                .status == 404
        )
        let drained = try admin.request(
            "POST",
            "/backends/web2/drain",
            headers: [("Authorization", "Bearer \(Self.token)")]
        )
        #expect(drained.status == 200, "\(drained.text)")

        // Within a few seconds B sends no new session to web2 ...
        let anonymous = cluster.b.client(usesCookies: false)
        let stopped = try Waiting.until {
            try (0..<12).allSatisfy { _ in try anonymous.get("/").backend != "web2" }
        }
        #expect(stopped != nil, "B still sends new sessions to web2\n\(cluster.diagnostics())")
        print("drain: B stopped new sessions on web2 after \(stopped?.secondsText ?? "never")")
        // ... while the existing session keeps going to it, through both replicas.
        for replica in [cluster.a, cluster.b, cluster.a, cluster.b] {
            #expect(try onWeb2.get("/", via: replica).backend == "web2")
        }
        let list = try cluster.b.admin("/backends")
        let entries = try #require(
            (try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any])?["backends"] as? [[String: Any]]
        )
        let web2 = try #require(entries.first { $0["name"] as? String == "web2" }, "\(list.text)")
        #expect(web2["draining"] as? Bool == true, "\(list.text)")
        // B routed this one session to web2 (twice): one session in the last five minutes.
        #expect(web2["sessions_last_5m"] as? Int == 1, "\(list.text)")

        // Undrained through B: A takes new sessions to web2 again.
        let undrained = try HTTPTestClient(port: cluster.b.adminPort, usesCookies: false).request(
            "POST",
            "/backends/web2/undrain",
            headers: [("Authorization", "Bearer \(Self.token)")]
        )
        #expect(undrained.status == 200)
        let back = try Waiting.until {
            try (0..<12).contains { _ in try cluster.a.client(usesCookies: false).get("/").backend == "web2" }
        }
        #expect(back != nil, "A never sent a new session to web2 again")
    }

    @Test("without a token, a non-loopback admin listener refuses to drain")
    func nonLoopbackWithoutTokenIsForbidden() throws {
        let cluster = try TestCluster(label: "drain-forbidden", backendCount: 1)
        defer { cluster.stop() }
        // Listening on every interface; the test itself only talks to 127.0.0.1.
        let adminPort = try FreePort.next()
        try cluster.startProxy(environment: ["STICKY_ADMIN_LISTEN": "0.0.0.0:\(adminPort)"])
        try cluster.proxy!.waitUntilListening(port: adminPort)
        let response = try HTTPTestClient(port: adminPort, usesCookies: false).request("POST", "/backends/web1/drain")
        #expect(response.status == 403)
    }
}
