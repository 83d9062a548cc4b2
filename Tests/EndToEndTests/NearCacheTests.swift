import Foundation
import Testing

/// The near-cache (`STICKY_NEAR_CACHE_SIZE`, `STICKY_NEAR_CACHE_TTL_MS`, `STICKY_NEAR_CACHE_TRACKED_TTL_MS`) with two
/// replicas sharing the Redis server of the test run: what one replica writes reaches the other as soon as Redis
/// reports it, and a replica reads its own writes at once. No timing is asserted: convergence is polled for with a
/// generous deadline, and the time it took is printed.
@Suite("near-cache")
struct NearCacheTests {
    /// How long B trusts its near-cache, and what that shows.
    struct Trust: Sendable, CustomTestStringConvertible {
        let name: String
        let environment: [String: String]
        var testDescription: String { self.name }
    }

    static let trust = [
        Trust(name: "B's defaults (Redis reports the change)", environment: [:]),
        // Without Redis client-side caching B would keep its stale copy for 30 s, past the 15 s the test waits.
        Trust(name: "a 30 s near-cache TTL: only Redis's report can bring B along", environment: [
            "STICKY_NEAR_CACHE_TTL_MS": "30000"
        ]),
    ]

    @Test(
        "a remap made through A (a failover that only A sees) reaches B; A follows it at once",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable)),
        arguments: trust
    )
    func remapThroughAReachesB(_ trust: Trust) throws {
        let redis = try StoreEnvironment.redis()
        let label = trust.environment.isEmpty ? "near-cache-remap" : "near-cache-remap-long"
        let cluster = try ReplicatedCluster(label: label)
        defer { cluster.stop() }
        // A checks the backends' health actively and so sees one go down; B has passive checks only, so it keeps
        // routing to that backend (which still answers) for as long as it trusts its near-cache.
        try cluster.startReplicas(
            ["A"],
            store: redis.storeSetting,
            extra: ["STICKY_HEALTH_PATH": "/healthz", "STICKY_HEALTH_INTERVAL": "0.2", "STICKY_HEALTH_FALL": "1"]
        )
        try cluster.startReplicas(["B"], store: redis.storeSetting, extra: trust.environment)

        let browser = cluster.browser()
        let first = try browser.get("/", via: cluster.a)
        try #require(first.status == 200, "\(first.status)\n\(cluster.diagnostics())")
        let owner = try #require(first.backend)
        let sessionID = try #require(browser.sessionID)
        // B learns the mapping from the store and keeps it in its near-cache.
        let throughB = try browser.get("/", via: cluster.b)
        try #require(throughB.backend == owner, "B routes the session sticky: \(throughB.backend ?? "-")")

        // The owner fails A's health checks (it still serves everything else, so B notices nothing).
        let ownerBackend = try #require(cluster.backends.backend(named: owner))
        let unhealthy = try HTTPTestClient(port: ownerBackend.port, usesCookies: false).request(
            "POST",
            "/healthz?status=503"
        )
        try #require(unhealthy.status == 503)
        let replayA = cluster.a.client(usesCookies: false)
        let replayB = cluster.b.client(usesCookies: false)
        let cookie = [("Cookie", "connect.sid=\(sessionID)")]
        let down = try Waiting.until {
            let list = try cluster.a.admin("/backends")
            let entries = (try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any])?["backends"]
            let entry = (entries as? [[String: Any]])?.first { $0["name"] as? String == owner }
            return entry?["up"] as? Bool == false
        }
        try #require(down != nil, "A's health checks never took \(owner) down\n\(cluster.diagnostics())")

        // B looks the session up again just before A moves it (the store still says owner), so that its near-cache
        // holds a copy that the remap makes stale.
        try #require(try replayB.get("/", headers: cookie).backend == owner)

        // A fails the session over and rewrites its mapping; from then on A follows its own write.
        let failover = try replayA.get("/", headers: cookie)
        try #require(failover.status == 200, "\(failover.status)\n\(cluster.diagnostics())")
        let moved = try #require(failover.backend)
        try #require(moved != owner, "A routed the session to its backend, which A knows is down")
        for _ in 0..<10 {
            #expect(try replayA.get("/", headers: cookie).backend == moved, "A reads its own remap at once")
        }

        // Redis reports the change to B, which read the key (client-side caching): B drops its copy at once.
        let spread = try Waiting.until(interval: .milliseconds(20)) {
            try replayB.get("/", headers: cookie).backend == moved
        }
        #expect(spread != nil, "B still routes to \(owner), not \(moved), 15 s after the remap\n\(cluster.diagnostics())")
        print("near-cache: the remap through A reached B \(spread?.secondsText ?? "never") after A made it")
        for _ in 0..<10 {
            #expect(try replayB.get("/", headers: cookie).backend == moved, "B stays on the remapped backend")
        }
    }

    @Test(
        "a logout through a replica is seen by that replica at once, though it had the session in its near-cache",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func logoutIsSeenAtOnceThroughTheSameReplica() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try ReplicatedCluster(label: "near-cache-logout")
        defer { cluster.stop() }
        try cluster.startReplicas(["A"], store: redis.storeSetting)

        let browser = cluster.browser()
        let first = try browser.get("/", via: cluster.a)
        try #require(first.status == 200, "\(first.status)\n\(cluster.diagnostics())")
        let owner = try #require(first.backend)
        let sessionID = try #require(browser.sessionID)
        for visit in 2...5 {
            // Sticky, and now in A's near-cache.
            #expect(try browser.get("/", via: cluster.a).backend == owner, "visit \(visit)")
        }

        let logout = try browser.get("/logout", via: cluster.a)
        #expect(logout.status == 200)
        #expect(logout.backend == owner)

        // Straight away, the old ID is unknown to A: balanced, and a new session each time.
        let replayer = cluster.a.client(usesCookies: false)
        var seen: [String: Int] = [:]
        for _ in 0..<12 {
            let response = try replayer.get("/", headers: [("Cookie", "connect.sid=\(sessionID)")])
            #expect(response.status == 200)
            #expect(response.setCookies(named: "connect.sid").count == 1, "a new session is issued")
            seen[response.backend ?? "none", default: 0] += 1
        }
        #expect(seen.count >= 2, "right after the logout, the old ID still routes to one backend through A: \(seen)")
    }

    @Test(
        "every session lookup is counted on /metrics as a near-cache hit or miss",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func lookupsAreCounted() throws {
        let redis = try StoreEnvironment.redis()
        let (hits, misses) = try Self.nearCacheLookups(after: 4, environment: ["STICKY_STORE": redis.storeSetting])
        // The first request has no session; the three after it carry the cookie the first one got.
        #expect(hits + misses == 3)
        // The session's mapping went into the near-cache when the first response recorded it.
        #expect(hits >= 1)
    }

    @Test("the memory store has no near-cache in front of it: nothing is counted")
    func theMemoryStoreHasNone() throws {
        let (hits, misses) = try Self.nearCacheLookups(after: 4, environment: [:])
        #expect(hits <= 0 && misses <= 0)
    }

    /// Sends `requests` requests of one browser through a proxy, then reads its near-cache counters (-1 when absent).
    private static func nearCacheLookups(
        after requests: Int,
        environment: [String: String]
    ) throws -> (hits: Double, misses: Double) {
        let cluster = try TestCluster.withProxy(label: "near-cache-metrics", backendCount: 2, environment: environment)
        defer { cluster.stop() }
        let client = cluster.proxyClient()
        for _ in 0..<requests {
            #expect(try client.get("/").status == 200)
        }
        let text = try HTTPTestClient(port: cluster.adminPort, usesCookies: false).get("/metrics").text
        let samples = try PrometheusScrape(text).samples.filter { $0.name == "sticky_near_cache_lookups_total" }
        let hits = samples.first { $0.labels["result"] == "hit" }?.value ?? -1
        let misses = samples.first { $0.labels["result"] == "miss" }?.value ?? -1
        return (hits, misses)
    }
}
