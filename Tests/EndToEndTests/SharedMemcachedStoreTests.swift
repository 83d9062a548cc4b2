import Foundation
import Testing

/// Two `sticky-proxy` replicas sharing the two memcached servers of the test run (`STICKY_TEST_MEMCACHED_SERVERS`).
@Suite("shared store: memcached")
struct SharedMemcachedStoreTests {
    @Test(
        "50 sessions made through A route identically through B; keys land on both servers; logout deletes",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.memcachedVariable))
    )
    func sessionsSharedAcrossServers() throws {
        let servers = try StoreEnvironment.memcached()
        try #require(servers.count >= 2, "\(StoreEnvironment.memcachedVariable) names one server; this test needs two")
        let cluster = try ReplicatedCluster(label: "memcached-shared")
        defer { cluster.stop() }
        try cluster.startReplicas(store: MemcachedEndpoint.storeSetting(servers))
        let raw = try servers.map { try $0.client() }

        struct Session {
            let browser: SessionBrowser
            let owner: String
            let key: String
            var server = -1
        }
        var sessions: [Session] = []
        for _ in 0..<50 {
            let browser = cluster.browser()
            let response = try browser.get("/", via: cluster.a)
            try #require(response.status == 200, "\(response.status)\n\(cluster.diagnostics())")
            let id = try #require(browser.sessionID)
            let owner = try #require(response.backend)
            sessions.append(Session(browser: browser, owner: owner, key: cluster.storeKey(sessionID: id)))
        }

        var problems: [String] = []
        for (index, session) in sessions.enumerated() {
            let response = try session.browser.get("/", via: cluster.b)
            if response.backend != session.owner || !response.text.hasPrefix("\(session.owner) visits=2 ") {
                problems.append("session \(index) of \(session.owner) through B: \(response.text.debugDescription)")
            }
        }
        #expect(problems.isEmpty, "first problems:\n\(problems.prefix(5).joined(separator: "\n"))")

        // Where each key is: on exactly one server, with the owner's name as its value.
        var keysPerServer = [Int](repeating: 0, count: servers.count)
        for index in sessions.indices {
            let holders = try raw.indices.filter { try raw[$0].get(sessions[index].key) != nil }
            #expect(holders.count == 1, "session \(index): key on servers \(holders)")
            guard let holder = holders.first else { continue }
            sessions[index].server = holder
            keysPerServer[holder] += 1
            #expect(try raw[holder].get(sessions[index].key) == sessions[index].owner)
        }
        let items = try raw.map { try $0.currentItems() }
        print("memcached shared: keys per server \(keysPerServer), curr_items \(items)")
        #expect(keysPerServer.allSatisfy { $0 > 0 }, "keys per server: \(keysPerServer)")
        #expect(items.allSatisfy { $0 > 0 }, "curr_items: \(items)")

        // Log out three sessions of each server through B.
        var loggedOut: [Session] = []
        for server in servers.indices {
            loggedOut += sessions.filter { $0.server == server }.prefix(3)
        }
        var oldIDs: [String] = []
        for session in loggedOut {
            oldIDs.append(session.browser.sessionID!)
            let response = try session.browser.get("/logout", via: cluster.b)
            #expect(response.status == 200 && response.backend == session.owner)
            #expect(session.browser.sessionID == nil)
        }
        let removal = try Waiting.until {
            try loggedOut.allSatisfy { session in try raw.allSatisfy { try $0.get(session.key) == nil } }
        }
        let itemsAfter = try raw.map { try $0.currentItems() }
        print(
            "memcached shared: logged-out keys gone after \(removal?.secondsText ?? "never"), "
                + "curr_items \(items) → \(itemsAfter) (the servers are shared with other tests)"
        )
        #expect(removal != nil, "logged-out keys still in memcached 15 s later\n\(cluster.diagnostics())")

        // A logged-out ID is no longer routed sticky by either replica.
        var seen: [String: Int] = [:]
        let replayers = [cluster.a.client(usesCookies: false), cluster.b.client(usesCookies: false)]
        for index in 0..<30 {
            let response = try replayers[index % 2].get("/", headers: [("Cookie", "connect.sid=\(oldIDs[0])")])
            #expect(response.status == 200)
            seen[response.backend ?? "none", default: 0] += 1
        }
        #expect(seen.count >= 2, "the logged-out ID still routes to one backend: \(seen)")

        // The other sessions are untouched.
        let loggedOutKeys = Set(loggedOut.map(\.key))
        for (index, session) in sessions.enumerated() where !loggedOutKeys.contains(session.key) {
            let response = try session.browser.get("/", via: cluster.a)
            #expect(
                response.text.hasPrefix("\(session.owner) visits=3 "),
                "session \(index) of \(session.owner): \(response.text.debugDescription)"
            )
        }
    }

    @Test(
        "a Max-Age=2 mapping is gone from memcached after its TTL and the session is no longer routed sticky",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.memcachedVariable))
    )
    func shortMaxAgeExpires() throws {
        let servers = try StoreEnvironment.memcached()
        let cluster = try ReplicatedCluster(label: "memcached-ttl")
        defer { cluster.stop() }
        try cluster.startReplicas(store: MemcachedEndpoint.storeSetting(servers))
        let raw = try servers.map { try $0.client() }

        let browser = cluster.browser()
        let login = try browser.get("/login?max-age=2", via: cluster.a)
        try #require(login.status == 200, "\(login.status)\n\(cluster.diagnostics())")
        let owner = try #require(login.backend)
        let id = try #require(browser.sessionID)
        let key = cluster.storeKey(sessionID: id)
        let values = try raw.compactMap { try $0.get(key) }
        #expect(values == [owner], "right after the login, the key holds \(values)")

        let expiry = try Waiting.until(interval: .milliseconds(100)) {
            try raw.allSatisfy { try $0.get(key) == nil }
        }
        print("memcached Max-Age=2: mapping gone after \(expiry?.secondsText ?? "never")")
        #expect(expiry != nil, "the Max-Age=2 mapping is still there 15 s later")

        var seen: [String: Int] = [:]
        let replayers = [cluster.a.client(usesCookies: false), cluster.b.client(usesCookies: false)]
        for index in 0..<30 {
            let response = try replayers[index % 2].get("/", headers: [("Cookie", "connect.sid=\(id)")])
            #expect(response.status == 200)
            seen[response.backend ?? "none", default: 0] += 1
        }
        #expect(seen.count >= 2, "the expired session still routes to one backend: \(seen)")
        #expect(try raw.allSatisfy { try $0.get(key) == nil }, "replaying an expired ID must not bring its key back")
    }

    @Test(
        "a mapping one event loop of B reads from memcached is a near-cache hit on B's other loop",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.memcachedVariable))
    )
    func anAnswerReadOnOneLoopServesTheOther() throws {
        let servers = try StoreEnvironment.memcached()
        let cluster = try ReplicatedCluster(label: "memcached-loops")
        defer { cluster.stop() }
        try cluster.startReplicas(["A"], store: MemcachedEndpoint.storeSetting(servers))
        // Two loops; a TTL long enough that no answer expires while the test runs on a loaded machine.
        try cluster.startReplicas(["B"], store: MemcachedEndpoint.storeSetting(servers), extra: [
            "STICKY_THREADS": "2", "STICKY_NEAR_CACHE_TTL_MS": "60000",
        ])

        // A makes the sessions, so B has not written them: B learns them only by reading memcached.
        let sessionCount = 8
        var sessions: [(id: String, owner: String)] = []
        for _ in 0..<sessionCount {
            let browser = cluster.browser()
            let response = try browser.get("/", via: cluster.a)
            try #require(response.status == 200, "\(response.status)\n\(cluster.diagnostics())")
            sessions.append((try #require(browser.sessionID), try #require(response.backend)))
        }
        // Each session through B over four new connections, which B's acceptor hands to its two loops in turn.
        for session in sessions {
            for _ in 0..<4 {
                let client = cluster.b.client(usesCookies: false)
                defer { client.close() }
                let response = try client.get("/", headers: [("Cookie", "connect.sid=\(session.id)")])
                #expect(response.backend == session.owner, "\(response.status) \(response.text.prefix(80))")
            }
        }
        let samples = try PrometheusScrape(try cluster.b.admin("/metrics").text).samples
        func lookups(_ result: String) -> Double {
            samples.first { $0.name == "sticky_near_cache_lookups_total" && $0.labels["result"] == result }?.value ?? -1
        }
        let (hits, misses) = (lookups("hit"), lookups("miss"))
        print("memcached, two loops: \(Int(misses)) near-cache misses and \(Int(hits)) hits for \(sessionCount) sessions")
        #expect(hits + misses == Double(4 * sessionCount))
        // One miss per session when the loop that read it shares the answer; two (one per loop) when it does not.
        #expect(misses < 1.5 * Double(sessionCount), "\(misses) misses: the loops did not share what they read")
    }
}
