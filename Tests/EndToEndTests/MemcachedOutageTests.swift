import Foundation
import Testing

/// A memcached server goes away, or none was there: the proxy keeps serving.
@Suite("store outage: memcached")
struct MemcachedOutageTests {
    @Test(
        "one of two memcached servers killed: 200s, sessions on the survivor stay sticky; restarted, it is used again",
        .enabled(if: StoreEnvironment.shouldRun(starting: "memcached"))
    )
    func serverKilledAndRestarted() throws {
        let cluster = try ReplicatedCluster(label: "memcached-outage")
        defer { cluster.stop() }
        let survivor = try cluster.startStoreServer(.memcached)
        let victim = try cluster.startStoreServer(.memcached)
        let endpoints = [survivor.memcachedEndpoint, victim.memcachedEndpoint]
        try cluster.startReplicas(store: MemcachedEndpoint.storeSetting(endpoints), storeTimeoutMilliseconds: 200)
        let survivorClient = try survivor.memcachedEndpoint.client()

        // 30 sessions, made through A and confirmed through B; which server has each key.
        var sessions: [(browser: SessionBrowser, owner: String, onSurvivor: Bool)] = []
        for _ in 0..<30 {
            let browser = cluster.browser()
            let owner = try #require(try browser.get("/", via: cluster.a).backend)
            let confirmed = try browser.get("/", via: cluster.b)
            try #require(confirmed.text.hasPrefix("\(owner) visits=2 "), "\(confirmed.text)\n\(cluster.diagnostics())")
            let key = cluster.storeKey(sessionID: browser.sessionID!)
            let isOnSurvivor = try survivorClient.get(key) != nil
            sessions.append((browser, owner, isOnSurvivor))
        }
        let onSurvivor = sessions.filter(\.onSurvivor).count
        print("memcached outage: \(onSurvivor) of \(sessions.count) keys on the surviving server")
        try #require(onSurvivor > 0 && onSurvivor < sessions.count, "keys must be on both servers")

        try victim.kill()

        var failures: [String] = []
        var moved: [String] = []
        for round in 0..<3 {
            for (index, session) in sessions.enumerated() {
                let replica = (index + round).isMultiple(of: 2) ? cluster.a : cluster.b
                let response = try session.browser.get("/", via: replica)
                if response.status != 200 {
                    failures.append("session \(index) round \(round) through \(replica.name): \(response.status)")
                }
                let visit = round + 3
                if session.onSurvivor,
                    response.backend != session.owner || !response.text.hasPrefix("\(session.owner) visits=\(visit) ")
                {
                    moved.append(
                        "session \(index) round \(round) through \(replica.name): \(response.text.debugDescription)"
                    )
                }
            }
            for replica in cluster.replicas {
                let fresh = replica.client()
                let response = try fresh.get("/")
                fresh.close()
                if response.status != 200 { failures.append("new client through \(replica.name): \(response.status)") }
            }
        }
        #expect(failures.isEmpty, "with one server down:\n\(failures.prefix(5).joined(separator: "\n"))")
        #expect(
            moved.isEmpty,
            "sessions on the surviving server moved:\n\(moved.prefix(5).joined(separator: "\n"))\n\(cluster.diagnostics())"
        )

        try victim.start()
        let restartedClient = try victim.memcachedEndpoint.client()
        var probes = 0
        let reuse = try Waiting.until(interval: .milliseconds(100)) {
            let probe = cluster.browser()
            defer { probe.close() }
            let response = try probe.get("/", via: probes.isMultiple(of: 2) ? cluster.a : cluster.b)
            probes += 1
            guard response.status == 200, let id = probe.sessionID else { return false }
            return try restartedClient.get(cluster.storeKey(sessionID: id)) != nil
        }
        print(
            "memcached outage: a new session's key landed on the restarted server after "
                + "\(reuse?.secondsText ?? "never") (\(probes) new sessions; retry timeout 2 s)"
        )
        #expect(reuse != nil, "the restarted server got no key in 15 s\n\(cluster.diagnostics(lines: 30))")
    }

    @Test("memcached down at start: the proxy starts and serves 200s")
    func memcachedDownAtStart() throws {
        let cluster = try ReplicatedCluster(label: "memcached-absent")
        defer { cluster.stop() }
        // Nothing listens on these ports.
        let endpoints = [MemcachedEndpoint(port: try FreePort.next()), MemcachedEndpoint(port: try FreePort.next())]
        try cluster.startReplicas(
            ["A"],
            store: MemcachedEndpoint.storeSetting(endpoints),
            storeTimeoutMilliseconds: 200
        )

        let health = try cluster.a.admin("/healthz")
        #expect(health.status == 200, "/healthz: \(health.status) \(health.text)")

        let browser = cluster.browser()
        let statuses = try browser.statusCounts(rounds: 10, via: cluster.a)
        #expect(statuses == [200: 20], "with no memcached: \(statuses)\n\(cluster.diagnostics())")
        let readiness = try cluster.a.admin("/readyz")
        print("memcached absent: /readyz → \(readiness.status) \(readiness.text)")
        #expect(readiness.status == 200)
    }
}
