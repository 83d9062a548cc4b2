import Foundation
import Testing

/// Redis goes away, or was never there: the proxy degrades to load balancing and never fails a request.
@Suite("store outage: Redis")
struct RedisOutageTests {
    @Test(
        "Redis killed: requests through both replicas still get 200s; restarted on its port: sessions stick again",
        .enabled(if: StoreEnvironment.shouldRun(starting: "redis-server"))
    )
    func redisKilledAndRestarted() throws {
        let cluster = try ReplicatedCluster(label: "redis-outage")
        defer { cluster.stop() }
        let redis = try cluster.startStoreServer(.redis)
        try cluster.startReplicas(store: redis.redisEndpoint.storeSetting, storeTimeoutMilliseconds: 200)

        let browser = cluster.browser()
        let owner = try #require(try browser.get("/", via: cluster.a).backend)
        for visit in 2...4 {
            let response = try browser.get("/", via: visit.isMultiple(of: 2) ? cluster.b : cluster.a)
            try #require(response.text.hasPrefix("\(owner) visits=\(visit) "), "sticky before the outage")
        }

        try redis.kill()

        var statuses: [Int: Int] = [:]
        var failures: [String] = []
        for index in 0..<40 {
            let replica = index.isMultiple(of: 2) ? cluster.a : cluster.b
            let sessionResponse = try browser.get("/", via: replica)
            let fresh = replica.client()
            let freshResponse = try fresh.get("/")
            fresh.close()
            for (kind, response) in [("session", sessionResponse), ("new client", freshResponse)] {
                statuses[response.status, default: 0] += 1
                if response.status != 200 {
                    failures.append("\(kind) request \(index) through \(replica.name): \(response.status)")
                }
            }
        }
        #expect(failures.isEmpty, "with Redis down: \(statuses)\n\(failures.prefix(5).joined(separator: "\n"))")
        for replica in cluster.replicas {
            let readiness = try replica.admin("/readyz")
            #expect(readiness.status == 200)
            #expect(readiness.text.contains(#""store":"degraded""#), "\(replica.name) /readyz: \(readiness.text)")
        }

        try redis.start()

        // Sticky again: a session made through A is routed to its backend through B, and back through A.
        var probes = 0
        let recovery = try Waiting.until(interval: .milliseconds(100)) {
            probes += 1
            let probe = cluster.browser()
            defer { probe.close() }
            let first = try probe.get("/", via: cluster.a)
            guard first.status == 200, let backend = first.backend else { return false }
            for visit in 2...4 {
                let response = try probe.get("/", via: visit.isMultiple(of: 2) ? cluster.b : cluster.a)
                guard response.backend == backend, response.text.hasPrefix("\(backend) visits=\(visit) ") else {
                    return false
                }
            }
            return true
        }
        print(
            "redis restart: new sessions sticky across replicas again after \(recovery?.secondsText ?? "never") "
                + "(\(probes) probes; target 5 s)"
        )
        #expect(recovery != nil, "not sticky 15 s after Redis came back\n\(cluster.diagnostics(lines: 30))")

        // The session from before the outage lost its mapping with Redis; as it goes on, a backend's Set-Cookie
        // records it again and it sticks.
        var streak = 0
        var current: String?
        for index in 0..<40 where streak < 5 {
            let response = try browser.get("/", via: index.isMultiple(of: 2) ? cluster.a : cluster.b)
            #expect(response.status == 200)
            if response.backend == current, response.setCookies.isEmpty {
                streak += 1
            } else {
                streak = 0
                current = response.backend
            }
        }
        #expect(streak >= 5, "the browser from before the outage does not stick again")
        for replica in cluster.replicas {
            let readiness = try replica.admin("/readyz")
            #expect(readiness.text.contains(#""store":"ok""#), "\(replica.name) /readyz: \(readiness.text)")
        }
    }

    @Test("Redis down at start: the proxy starts, serves 200s, and /readyz reports the store degraded")
    func redisDownAtStart() throws {
        let cluster = try ReplicatedCluster(label: "redis-absent")
        defer { cluster.stop() }
        let port = try FreePort.next()  // nothing listens there
        try cluster.startReplicas(["A"], store: "redis://127.0.0.1:\(port)", storeTimeoutMilliseconds: 200)

        let health = try cluster.a.admin("/healthz")
        #expect(health.status == 200, "/healthz: \(health.status) \(health.text)")

        let browser = cluster.browser()
        let statuses = try browser.statusCounts(rounds: 10, via: cluster.a)
        #expect(statuses == [200: 20], "with no Redis: \(statuses)\n\(cluster.diagnostics())")

        var readiness: HTTPTestResponse?
        let degraded = try Waiting.until(interval: .milliseconds(100)) {
            let response = try cluster.a.admin("/readyz")
            readiness = response
            if response.status == 200, response.text.contains(#""store":"degraded""#) { return true }
            _ = try browser.get("/", via: cluster.a)
            return false
        }
        print("redis absent: /readyz → \(readiness?.status ?? 0) \(readiness?.text ?? "")")
        #expect(
            degraded != nil,
            "/readyz: \(readiness?.status ?? 0) \(readiness?.text ?? "")\n\(cluster.diagnostics())"
        )
    }
}
