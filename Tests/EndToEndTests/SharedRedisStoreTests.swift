import Foundation
import Testing

/// Two `sticky-proxy` replicas sharing the Redis server of the test run (`STICKY_TEST_REDIS_URL`).
@Suite("shared store: Redis")
struct SharedRedisStoreTests {
    @Test(
        "a session made through A sticks through A and B for 50 random requests; a logout through B removes the key",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func sessionSharedByReplicas() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try ReplicatedCluster(label: "redis-shared")
        defer { cluster.stop() }
        try cluster.startReplicas(store: redis.storeSetting)
        let store = try redis.client()

        let browser = cluster.browser()
        let first = try browser.get("/", via: cluster.a)
        try #require(first.status == 200, "\(first.status)\n\(cluster.diagnostics())")
        let owner = try #require(first.backend)
        let sessionID = try #require(browser.sessionID, "the first response issued no connect.sid")
        let key = cluster.storeKey(sessionID: sessionID)
        // The demo's cookie has an Expires: an explicit expiry, so the value is the bare name.
        #expect(try store.get(key) == owner, "key \(key) after the first response through A")

        var replicas = (0..<50).map { _ in Bool.random() ? cluster.a : cluster.b }
        if Set(replicas.map(\.name)).count < 2 { replicas[0] = replicas[1] === cluster.a ? cluster.b : cluster.a }
        var problems: [String] = []
        for (offset, replica) in replicas.enumerated() {
            let visit = offset + 2
            let response = try browser.get("/", via: replica)
            if response.status != 200 || response.backend != owner
                || !response.text.hasPrefix("\(owner) visits=\(visit) ") || !response.setCookies.isEmpty
            {
                problems.append(
                    "request \(visit) through \(replica.name): \(response.status) \(response.text.debugDescription) "
                        + "\(response.setCookies)"
                )
            }
        }
        let route = replicas.map(\.name).joined()
        #expect(problems.isEmpty, "route \(route), owner \(owner):\n\(problems.prefix(5).joined(separator: "\n"))")

        let logout = try browser.get("/logout", via: cluster.b)
        #expect(logout.status == 200)
        #expect(logout.backend == owner, "the logout goes to the session's backend")
        #expect(browser.sessionID == nil, "the logout deletes the cookie")

        // A deletion never holds up the response, so it may land a moment after it.
        let removal = try Waiting.until { try !store.exists(key) }
        #expect(removal != nil, "key \(key) still in Redis 15 s after the logout\n\(cluster.diagnostics())")
        print("redis logout: key gone \(removal?.secondsText ?? "never") after the logout response")

        // A may still hold the mapping in its near-cache, for up to STICKY_NEAR_CACHE_TTL_MS (1 s); after that A has
        // no stale copy: the old ID is unknown, so it is balanced and gets a new session each time.
        let replayer = cluster.a.client(usesCookies: false)
        let forgotten = try Waiting.until {
            try replayer.get("/", headers: [("Cookie", "connect.sid=\(sessionID)")]).backend != owner
        }
        #expect(forgotten != nil, "A still routes the logged-out ID to \(owner) 15 s after the logout")
        print("redis logout: A stopped routing the old ID to its backend \(forgotten?.secondsText ?? "never") later")
        var seen: [String: Int] = [:]
        for _ in 0..<30 {
            let response = try replayer.get("/", headers: [("Cookie", "connect.sid=\(sessionID)")])
            #expect(response.status == 200)
            #expect(response.setCookies(named: "connect.sid").count == 1, "a new session is issued")
            seen[response.backend ?? "none", default: 0] += 1
        }
        #expect(seen.count >= 2, "the logged-out ID still routes to one backend through A: \(seen)")
        #expect(try !store.exists(key), "replaying a logged-out ID must not bring its key back")
    }

    @Test(
        "Redis TTLs follow Max-Age, a browser session (default TTL, `~`) and Expires; no raw session ID is stored",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func ttlsAndNoRawSessionIDs() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try ReplicatedCluster(label: "redis-ttl")
        defer { cluster.stop() }
        try cluster.startReplicas(store: redis.storeSetting, extra: ["STICKY_DEFAULT_TTL": "300"])
        let store = try redis.client()
        var sessionIDs: [String] = []

        // Max-Age=120.
        let browser = cluster.browser()
        let login = try browser.get("/login?max-age=120", via: cluster.a)
        try #require(login.status == 200, "\(login.status)\n\(cluster.diagnostics())")
        let owner = try #require(login.backend)
        let loginID = try #require(browser.sessionID)
        sessionIDs.append(loginID)
        let loginKey = cluster.storeKey(sessionID: loginID)
        let loginTTL = try store.ttl(loginKey)
        #expect(loginTTL > 110 && loginTTL <= 120, "TTL of the Max-Age=120 mapping: \(loginTTL)")
        #expect(try store.get(loginKey) == owner, "an explicit expiry is stored as the bare backend name")

        // A browser-session cookie, issued through B (which finds the login session's mapping, so it goes to owner).
        let browserSession = try browser.get("/browser-session", via: cluster.b)
        try #require(browserSession.status == 200)
        #expect(browserSession.backend == owner, "B routes the login session sticky")
        let browserSessionID = try #require(browser.sessionID)
        try #require(browserSessionID != loginID, "/browser-session issues a new session")
        sessionIDs.append(browserSessionID)
        let browserSessionKey = cluster.storeKey(sessionID: browserSessionID)
        let browserSessionTTL = try store.ttl(browserSessionKey)
        #expect(
            browserSessionTTL > 290 && browserSessionTTL <= 300,
            "TTL of the browser-session mapping with STICKY_DEFAULT_TTL=300: \(browserSessionTTL)"
        )
        let browserSessionValue = try store.get(browserSessionKey)
        #expect(
            browserSessionValue == "~" + owner,
            "a browser-session mapping slides: value \(browserSessionValue ?? "nil")"
        )

        // The demo's usual cookie: Expires one day ahead.
        let expiring = cluster.browser()
        let visit = try expiring.get("/", via: cluster.b)
        let expiringID = try #require(expiring.sessionID)
        sessionIDs.append(expiringID)
        let expiringTTL = try store.ttl(cluster.storeKey(sessionID: expiringID))
        #expect(expiringTTL > 86_390 && expiringTTL <= 86_400, "TTL of an Expires=now+1d mapping: \(expiringTTL)")
        #expect(try store.get(cluster.storeKey(sessionID: expiringID)) == visit.backend)

        // Nothing in the store carries a raw session ID: not the cookie value, not the ID inside it.
        var fragments = Set<String>()
        for value in sessionIDs {
            fragments.insert(value)
            if value.hasPrefix("s%3A"), let dot = value.lastIndex(of: ".") {
                let inner = String(value[value.index(value.startIndex, offsetBy: 4)..<dot])
                fragments.insert(inner)
                fragments.insert("s:" + inner)
            }
        }
        let keys = try store.scan(match: cluster.keyPrefix + "*")
        #expect(
            Set(keys) == [loginKey, browserSessionKey, cluster.storeKey(sessionID: expiringID)],
            "keys under \(cluster.keyPrefix): \(keys)"
        )
        var leaks: [String] = []
        for key in keys {
            let value = try store.get(key) ?? ""
            for fragment in fragments where key.contains(fragment) || value.contains(fragment) {
                leaks.append("\(key) → \(value) contains \(fragment)")
            }
        }
        #expect(leaks.isEmpty, "raw session IDs in the store:\n\(leaks.joined(separator: "\n"))")
    }

    @Test(
        "a session whose backend was SIGKILLed, requested through A and B at the same moment, moves to one backend",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func simultaneousFailoverConverges() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try ReplicatedCluster(label: "redis-failover")
        defer { cluster.stop() }
        try cluster.startReplicas(store: redis.storeSetting)
        let store = try redis.client()

        // Four sessions on one backend (the victim), made through A and confirmed through B.
        var orphans: [SessionBrowser] = []
        var victim: String?
        for _ in 0..<60 where orphans.count < 4 {
            let browser = cluster.browser()
            let first = try browser.get("/", via: cluster.a)
            try #require(first.status == 200, "\(first.status)\n\(cluster.diagnostics())")
            let backend = try #require(first.backend)
            victim = victim ?? backend
            guard backend == victim else { continue }
            let second = try browser.get("/", via: cluster.b)
            try #require(second.backend == backend && second.text.hasPrefix("\(backend) visits=2 "))
            orphans.append(browser)
        }
        let victimName = try #require(victim)
        try #require(orphans.count == 4, "found \(orphans.count) sessions on \(victimName)")

        try cluster.backends.backend(named: victimName)!.process.kill(signal: SIGKILL)

        for (index, browser) in orphans.enumerated() {
            let oldKey = cluster.storeKey(sessionID: browser.sessionID!)
            let clientA = browser.client(of: cluster.a)
            let clientB = browser.client(of: cluster.b)
            clientA.cookies = browser.jar
            clientB.cookies = browser.jar
            try clientA.connect()
            try clientB.connect()

            let results = Simultaneously.run([{ try clientA.get("/") }, { try clientB.get("/") }])
            let throughA = try results[0].get()
            let throughB = try results[1].get()
            let summary =
                "session \(index): A → \(throughA.status) \(throughA.backend ?? "-"), "
                + "B → \(throughB.status) \(throughB.backend ?? "-")"
            print("simultaneous failover: \(summary)")
            try #require(throughA.status == 200 && throughB.status == 200, "\(summary)\n\(cluster.diagnostics())")
            let newOwner = try #require(throughA.backend)
            #expect(newOwner != victimName)
            #expect(
                throughB.backend == newOwner,
                "the replicas failed over to different backends: \(summary)\n\(cluster.diagnostics(lines: 30))"
            )
            let stored = try store.get(oldKey)
            #expect(
                stored.map { String($0.drop { $0 == "~" }) } == newOwner,
                "the old session's key maps to \(stored ?? "nothing") after the failover to \(newOwner)"
            )

            // The new backend issued a new session: follow A's jar, through both replicas.
            browser.jar = clientA.cookies
            for visit in 2...7 {
                let replica = visit.isMultiple(of: 2) ? cluster.b : cluster.a
                let response = try browser.get("/", via: replica)
                #expect(
                    response.backend == newOwner && response.text.hasPrefix("\(newOwner) visits=\(visit) "),
                    "session \(index) request \(visit) through \(replica.name): \(response.text.debugDescription)"
                )
            }
        }
    }
}
