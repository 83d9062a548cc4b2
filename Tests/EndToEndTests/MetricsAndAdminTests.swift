import Foundation
import Testing

/// `/metrics`, `/readyz` and `/backends` on the admin listener, after real traffic.
@Suite("proxy: metrics and admin endpoints")
struct MetricsAndAdminTests {
    private static func scrape(_ cluster: TestCluster) throws -> PrometheusScrape {
        let response = try HTTPTestClient(port: cluster.adminPort, usesCookies: false).get("/metrics")
        guard response.status == 200 else { throw TestFailure("/metrics: \(response.status) \(response.text)") }
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return try PrometheusScrape(response.text)
    }

    @Test("counters, histograms and gauges follow the traffic; no cookie value in any label")
    func metricsFollowTheTraffic() throws {
        // A cooldown far longer than the test, so that web3 stays down once it refused. No near-cache, so that every
        // sticky request asks the store and the store metrics count them all.
        let cluster = try TestCluster.withProxy(
            label: "metrics",
            environment: ["STICKY_BACKEND_COOLDOWN": "600", "STICKY_HEALTH_FALL": "1", "STICKY_NEAR_CACHE_SIZE": "0"]
        )
        defer { cluster.stop() }

        // Six sessions of three requests: the first of each is `new` and records a mapping, the others are sticky.
        let clients = (0..<6).map { _ in cluster.proxyClient() }
        var cookieValues: [String] = []
        for client in clients {
            for _ in 0..<3 {
                let response = try client.get("/")
                #expect(response.status == 200)
                cookieValues += response.setCookies(named: "connect.sid").compactMap { SetCookie($0)?.value }
            }
        }
        #expect(cookieValues.count == 6)

        let scrape = try Self.scrape(cluster)
        #expect(scrape.value("sticky_requests_total", ["status_class": "2xx"]) == 18, "\(scrape.text)")
        #expect(scrape.value("sticky_requests_total", ["status_class": "5xx"]) == 0)
        #expect(scrape.value("sticky_requests_total", ["backend": "(none)"]) == 0)
        #expect(scrape.value("sticky_affinity_decisions_total", ["decision": "new"]) == 6)
        #expect(scrape.value("sticky_affinity_decisions_total", ["decision": "sticky"]) == 12)
        #expect(scrape.value("sticky_affinity_decisions_total", ["decision": "fallback"]) == 0)
        #expect(scrape.value("sticky_store_operation_duration_seconds_count", ["operation": "get"]) == 12)
        #expect(scrape.value("sticky_store_operation_duration_seconds_count", ["operation": "set"]) == 6)
        #expect(scrape.value("sticky_store_errors_total") == 0)
        #expect(scrape.value("sticky_client_connections") == 6)
        #expect((scrape.value("sticky_upstream_connections") ?? 0) >= 1)
        for backend in cluster.backends {
            #expect(scrape.value("sticky_backend_up", ["backend": backend.name]) == 1)
            #expect(scrape.value("sticky_backend_draining", ["backend": backend.name]) == 0)
            #expect(scrape.value("sticky_upstream_connect_failures_total", ["backend": backend.name]) == 0)
        }
        #expect(scrape.value("sticky_store_up") == 1)
        for value in cookieValues {
            #expect(!scrape.text.contains(value))
        }

        // web3 goes away: requests that the balancer sends there are retried elsewhere, and it shows as down.
        for client in clients { client.close() }
        try cluster.backend(named: "web3")!.process.kill()
        let cookieless = cluster.proxyClient(usesCookies: false)
        for _ in 0..<6 {
            #expect(try cookieless.get("/").status == 200)
        }
        let after = try Self.scrape(cluster)
        #expect((after.value("sticky_upstream_connect_failures_total", ["backend": "web3"]) ?? 0) >= 1, "\(after.text)")
        #expect((after.value("sticky_upstream_retries_total", ["backend": "web3"]) ?? 0) >= 1)
        #expect(after.value("sticky_backend_up", ["backend": "web3"]) == 0)
        #expect(after.value("sticky_backend_up", ["backend": "web1"]) == 1)
        #expect(after.value("sticky_requests_total", ["status_class": "2xx"]) == 24)
        let readiness = try HTTPTestClient(port: cluster.adminPort, usesCookies: false).get("/readyz")
        #expect(readiness.status == 200)
        let ready = try #require(try JSONSerialization.jsonObject(with: Data(readiness.body)) as? [String: Any])
        #expect(ready["status"] as? String == "ready")
        #expect(ready["store"] as? String == "memory")
        let readyBackends = try #require(ready["backends"] as? [[String: Any]])
        #expect(readyBackends.map { $0["name"] as? String } == ["web1", "web2", "web3"])
        #expect(readyBackends.map { $0["up"] as? Bool } == [true, true, false])
        #expect(readyBackends[0]["address"] as? String == "127.0.0.1:\(cluster.backends[0].port)")

        let list = try HTTPTestClient(port: cluster.adminPort, usesCookies: false).get("/backends")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any])
        let backends = try #require(object["backends"] as? [[String: Any]])
        #expect(backends.count == 3)
        #expect(backends.allSatisfy { $0["open_connections"] is Int && $0["active_connections"] is Int })
        #expect(backends.map { $0["up"] as? Bool } == [true, true, false])
        #expect(backends.map { $0["active_connections"] as? Int } == [0, 0, 0], "\(list.text)")

        // The six closed clients are gone once the proxy has read their ends; only the cookieless one is left.
        var clientConnections: Double?
        let settled = try Waiting.until {
            clientConnections = try Self.scrape(cluster).value("sticky_client_connections")
            return clientConnections == 1
        }
        #expect(settled != nil, "sticky_client_connections: \(clientConnections ?? -1)")
    }

    @Test("/healthz answers, an unknown path is 404")
    func healthAndNotFound() throws {
        let cluster = try TestCluster.withProxy(label: "admin-paths", backendCount: 1)
        defer { cluster.stop() }
        let admin = HTTPTestClient(port: cluster.adminPort, usesCookies: false)
        #expect(try admin.get("/healthz").status == 200)
        #expect(try admin.get("/nope").status == 404)
    }
}
