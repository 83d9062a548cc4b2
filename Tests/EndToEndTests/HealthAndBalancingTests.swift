import Foundation
import Testing

/// Active health checks, weights, and fallback off.
@Suite("proxy: health and balancing")
struct HealthAndBalancingTests {
    @Test("a backend failing its health checks leaves the rotation, and returns when it passes again")
    func activeHealthChecks() throws {
        let cluster = try TestCluster.withProxy(
            label: "health",
            backendCount: 3,
            environment: [
                "STICKY_HEALTH_PATH": "/healthz",
                "STICKY_HEALTH_INTERVAL": "0.2",
                "STICKY_HEALTH_TIMEOUT": "0.5",
                "STICKY_HEALTH_RISE": "2",
                "STICKY_HEALTH_FALL": "2",
            ]
        )
        defer { cluster.stop() }
        let client = cluster.proxyClient(usesCookies: false)
        #expect(try (0..<12).contains { _ in try client.get("/").backend == "web2" })

        // web2 still serves, but fails its health checks: after `fall` checks it gets no requests at all.
        #expect(try cluster.backendClient(1).request("POST", "/healthz?status=503").status == 503)
        let out = try Waiting.until(timeout: .seconds(15)) {
            try (0..<12).allSatisfy { _ in try client.get("/").backend != "web2" }
        }
        try #require(out != nil, "web2 never left the rotation\n\(cluster.diagnostics())")
        print("health: web2 out of rotation after \(out!.secondsText)")
        for _ in 0..<30 {
            let response = try client.get("/")
            #expect(response.status == 200)
            #expect(response.backend != "web2")
        }

        // Healthy again: after `rise` good checks it takes new sessions again.
        #expect(try cluster.backendClient(1).request("POST", "/healthz?status=200").status == 200)
        let back = try Waiting.until(timeout: .seconds(15)) {
            try (0..<12).contains { _ in try client.get("/").backend == "web2" }
        }
        #expect(back != nil, "web2 never came back\n\(cluster.diagnostics())")
        print("health: web2 back in rotation after \(back.map(\.secondsText) ?? "never")")
    }

    @Test("weights share new sessions in proportion")
    func weights() throws {
        let cluster = try TestCluster(label: "weights", backendCount: 3)
        defer { cluster.stop() }
        let backends = cluster.backends.map { "\($0.name)=127.0.0.1:\($0.port)" }
        try cluster.startProxy(environment: [
            "STICKY_BACKENDS": "\(backends[0]);weight=3,\(backends[1]),\(backends[2])"
        ])
        let client = cluster.proxyClient(usesCookies: false)
        var counts: [String: Int] = [:]
        for _ in 0..<100 {
            counts[try client.get("/").backend ?? "?", default: 0] += 1
        }
        // Smooth weighted round-robin over one event loop's share: close to 60/20/20.
        #expect((50...70).contains(counts["web1"] ?? 0), "\(counts)")
        #expect((12...28).contains(counts["web2"] ?? 0), "\(counts)")
        #expect((12...28).contains(counts["web3"] ?? 0), "\(counts)")
    }

    @Test("with fallback off, a session whose backend is down gets 503 with Retry-After")
    func fallbackOff() throws {
        let cluster = try TestCluster.withProxy(label: "fallback-off", environment: ["STICKY_FALLBACK": "off"])
        defer { cluster.stop() }
        let client = cluster.proxyClient()
        let first = try client.get("/")
        try #require(first.status == 200)
        let owner = try #require(first.backend)
        try cluster.backend(named: owner)!.process.kill(signal: SIGKILL)

        let refused = try client.get("/")
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") != nil)
        // A client without a session is still served by the others.
        #expect(try cluster.proxyClient(usesCookies: false).get("/").status == 200)
    }
}
