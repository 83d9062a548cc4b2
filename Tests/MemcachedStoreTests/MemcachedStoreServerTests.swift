import NIOCore
import NIOPosix
import StickyCore
import Testing

@testable import MemcachedStore

extension MemcachedIntegrationTests {
    /// Semantics against the servers in `STICKY_TEST_MEMCACHED_SERVERS`.
    @Suite(.enabled(if: MemcachedTestEnvironment.runsServerTests))
    struct ServerTests {
        let web1 = StoredMapping(backend: "web1", slides: false)
        let web2 = StoredMapping(backend: "web2", slides: true)
        let web3 = StoredMapping(backend: "web3", slides: false)

        private func clients(_ servers: [(host: String, port: Int)]) -> [MemcachedTextClient] {
            servers.map { MemcachedTextClient(host: $0.host, port: $0.port) }
        }

        /// The one server holding `key`, seen through the text protocol.
        private func holder(of key: StoreKey, among clients: [MemcachedTextClient]) throws -> [Int] {
            try clients.indices.filter { try clients[$0].metaGet(key.rawValue) != nil }
        }

        @Test func setGetDelete() async throws {
            try await withStore(makeConfiguration(try MemcachedTestEnvironment.servers())) { store in
                let key = TestKeys.key()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == nil)
                try await store.set(key, to: web1, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web1)
                try await store.set(key, to: web2, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web2)
                try await store.delete(key, deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == nil)
                // Deleting an absent key succeeds.
                try await store.delete(key, deadline: deadline(), on: testLoop).get()
            }
        }

        @Test func valuesAreTheWireFormOfTheMapping() async throws {
            let servers = try MemcachedTestEnvironment.servers()
            try await withStore(makeConfiguration(servers)) { store in
                let plain = TestKeys.key()
                let sliding = TestKeys.key()
                try await store.set(plain, to: web1, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                try await store.set(sliding, to: web2, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                let clients = clients(servers)
                let plainValue = try clients.compactMap { try $0.metaGet(plain.rawValue) }.first?.value
                let slidingValue = try clients.compactMap { try $0.metaGet(sliding.rawValue) }.first?.value
                #expect(plainValue == "web1")
                #expect(slidingValue == "~web2")
            }
        }

        @Test func refreshSetsTheTTLOfExistingKeysOnly() async throws {
            let servers = try MemcachedTestEnvironment.servers()
            try await withStore(makeConfiguration(servers)) { store in
                let clients = clients(servers)
                let key = TestKeys.key()
                try await store.set(key, to: web1, ttl: .seconds(30), deadline: deadline(), on: testLoop).get()
                try await store.refresh(key, ttl: .seconds(500), deadline: deadline(), on: testLoop).get()
                let ttl = try #require(try clients.compactMap { try $0.metaGet(key.rawValue) }.first).ttl
                #expect((495...500).contains(ttl))

                let absent = TestKeys.key()
                try await store.refresh(absent, ttl: .seconds(500), deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(absent, deadline: deadline(), on: testLoop).get() == nil)
                #expect(try holder(of: absent, among: clients).isEmpty)
            }
        }

        @Test func aShortTTLExpires() async throws {
            try await withStore(makeConfiguration(try MemcachedTestEnvironment.servers())) { store in
                let key = TestKeys.key()
                try await store.set(key, to: web1, ttl: .seconds(2), deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web1)
                // memcached's clock ticks once a second: an item set for 2 s is gone within 3 s.
                try await Task.sleep(for: .milliseconds(3_200))
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == nil)
            }
        }

        /// Without the cap, 40 days (3,456,000 s) would be read as a Unix time in 1970 and the item
        /// would be expired on arrival.
        @Test func aTTLOver30DaysIsCapped() async throws {
            let servers = try MemcachedTestEnvironment.servers()
            try await withStore(makeConfiguration(servers)) { store in
                let clients = clients(servers)
                let key = TestKeys.key()
                try await store.set(key, to: web1, ttl: .seconds(40 * 86_400), deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web1)
                let ttl = try #require(try clients.compactMap { try $0.metaGet(key.rawValue) }.first).ttl
                #expect((2_591_990...2_592_000).contains(ttl))

                try await store.refresh(key, ttl: .seconds(90 * 86_400), deadline: deadline(), on: testLoop).get()
                #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web1)
                let reassigned = TestKeys.key()
                _ = try await store.reassign(
                    reassigned,
                    from: nil,
                    to: web3,
                    ttl: .seconds(40 * 86_400),
                    deadline: deadline(),
                    on: testLoop
                ).get()
                #expect(try await store.get(reassigned, deadline: deadline(), on: testLoop).get() == web3)
            }
        }

        /// An empty value comes back from `memcached_get` as NULL with SUCCESS: it is no mapping, not a
        /// crash and not an error, and `reassign` replaces it.
        @Test func anEmptyValueIsNoMapping() async throws {
            let servers = try MemcachedTestEnvironment.servers()
            try await withStore(makeConfiguration(servers)) { store in
                let clients = clients(servers)
                for stale in [nil, web1] {
                    let key = TestKeys.key()
                    // Write the empty value on the server the store would use.
                    try await store.set(key, to: web1, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                    let index = try #require(try holder(of: key, among: clients).first)
                    try clients[index].set(key.rawValue, value: "", expiry: 60)
                    #expect(try clients[index].metaGet(key.rawValue)?.value == "")

                    #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == nil)
                    let winner = try await store.reassign(
                        key,
                        from: stale,
                        to: web2,
                        ttl: .seconds(60),
                        deadline: deadline(),
                        on: testLoop
                    ).get()
                    #expect(winner == web2)
                    #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web2)
                }
            }
        }

        @Test func reassignIsFirstWriterWins() async throws {
            try await withStore(makeConfiguration(try MemcachedTestEnvironment.servers())) { store async throws in
                let reassign = {
                    (key: StoreKey, stale: StoredMapping?, new: StoredMapping) async throws -> StoredMapping in
                    try await store.reassign(
                        key,
                        from: stale,
                        to: new,
                        ttl: .seconds(60),
                        deadline: deadline(),
                        on: testLoop
                    )
                    .get()
                }
                let get = { (key: StoreKey) async throws -> StoredMapping? in
                    try await store.get(key, deadline: deadline(), on: testLoop).get()
                }

                // Absent, no stale mapping: add.
                let key = TestKeys.key()
                #expect(try await reassign(key, nil, web1) == web1)
                #expect(try await get(key) == web1)
                // Present, no stale mapping: the existing one is the winner.
                #expect(try await reassign(key, nil, web2) == web1)
                #expect(try await get(key) == web1)
                // Present and equal to stale: replaced (compare-and-swap).
                #expect(try await reassign(key, web1, web2) == web2)
                #expect(try await get(key) == web2)
                // Present and not equal to stale (someone moved it already): theirs wins.
                #expect(try await reassign(key, web1, web3) == web2)
                #expect(try await get(key) == web2)
                // Stale differs only in sliding: not equal, so not replaced.
                #expect(try await reassign(key, StoredMapping(backend: "web2", slides: false), web3) == web2)
                // Absent with a stale mapping (it expired meanwhile): add.
                let expired = TestKeys.key()
                #expect(try await reassign(expired, web1, web3) == web3)
                #expect(try await get(expired) == web3)
            }
        }

        /// Many callers on several event loops re-pick a backend at once, each proposing its own:
        /// exactly one proposal is stored and every caller gets that one back.
        @Test(arguments: [nil, StoredMapping(backend: "dead", slides: false)])
        func reassignConvergesUnderConcurrency(stale: StoredMapping?) async throws {
            let configuration = makeConfiguration(try MemcachedTestEnvironment.servers(), poolSize: 8)
            try await withStore(configuration) { store in
                for _ in 0..<5 {
                    let key = TestKeys.key()
                    if let stale {
                        try await store.set(key, to: stale, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                    }
                    let group = MultiThreadedEventLoopGroup.singleton
                    let results = try await withThrowingTaskGroup(of: StoredMapping.self) { tasks in
                        for caller in 0..<64 {
                            tasks.addTask {
                                try await store.reassign(
                                    key,
                                    from: stale,
                                    to: StoredMapping(backend: "web\(caller)", slides: false),
                                    ttl: .seconds(60),
                                    deadline: deadline(.seconds(5)),
                                    on: group.next()
                                ).get()
                            }
                        }
                        return try await tasks.reduce(into: [StoredMapping]()) { $0.append($1) }
                    }
                    #expect(results.count == 64)
                    #expect(Set(results).count == 1)
                    #expect(results.first != stale)
                    #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == results.first)
                }
            }
        }

        /// Consistent hashing puts every key on exactly one server and uses all of them.
        @Test func keysSpreadOverAllServers() async throws {
            let servers = try MemcachedTestEnvironment.servers(minimumCount: 2)
            let clients = clients(servers)
            try await withStore(makeConfiguration(servers)) { store in
                let before = try clients.map { try $0.currentItems() }
                let keys = (0..<2_000).map { _ in TestKeys.key() }
                for key in keys {
                    try await store.set(key, to: web1, ttl: .seconds(120), deadline: deadline(), on: testLoop).get()
                }
                let added = try zip(clients, before).map { try $0.currentItems() - $1 }
                print("memcached: 2000 keys spread over \(servers.count) servers as \(added)")
                for count in added {
                    #expect(count > 2_000 / servers.count / 3, "each server holds a fair share: \(added)")
                }
                #expect(added.reduce(0, +) >= 2_000)
                for key in keys.prefix(200) {
                    #expect(try holder(of: key, among: clients).count == 1)
                }
            }
        }

        /// Latency of `get` as a caller sees it: event loop → thread pool → libmemcached → event loop.
        @Test func measureGetLatency() async throws {
            let servers = try MemcachedTestEnvironment.servers()
            try await withStore(makeConfiguration(servers, poolSize: 8)) { store in
                let keys = (0..<100).map { _ in TestKeys.key() }
                for key in keys {
                    try await store.set(key, to: web1, ttl: .seconds(120), deadline: deadline(), on: testLoop).get()
                }
                let clock = ContinuousClock()
                let calls = 20_000

                // One call after another, each started from the previous one's callback on the event loop:
                // event loop → thread pool → libmemcached → event loop, and nothing else.
                let onLoop = try await chainedGets(store, keys: keys, count: calls).get()

                // The same from async/await, which adds a hop to the concurrency pool and back.
                var awaited: [Duration] = []
                awaited.reserveCapacity(calls)
                for index in 0..<calls {
                    let start = clock.now
                    let mapping = try await store.get(keys[index % keys.count], deadline: deadline(), on: testLoop)
                        .get()
                    awaited.append(clock.now - start)
                    if index < keys.count { #expect(mapping == web1) }
                }

                // 16 callers at once, each timing its own calls on the event loop.
                let concurrent = try await withThrowingTaskGroup(of: [Duration].self) { tasks in
                    for caller in 0..<16 {
                        tasks.addTask {
                            var samples: [Duration] = []
                            for index in 0..<(calls / 16) {
                                let start = clock.now
                                _ = try await store.get(
                                    keys[(caller + index) % keys.count],
                                    deadline: deadline(),
                                    on: testLoop
                                ).get()
                                samples.append(clock.now - start)
                            }
                            return samples
                        }
                    }
                    return try await tasks.reduce(into: [Duration]()) { $0 += $1 }
                }
                // The same gets straight on a libmemcached handle, on this thread: the library's share.
                let pool = try MemcachedHandlePool(settings: try MemcachedSettings(makeConfiguration(servers)))
                var direct: [Duration] = []
                direct.reserveCapacity(calls)
                for index in 0..<calls {
                    let start = clock.now
                    _ = try pool.withHandle { handle throws(MemcachedOperationError) in
                        try handle.get(keys[index % keys.count].rawValue)
                    }
                    direct.append(clock.now - start)
                }

                for (name, samples) in [
                    ("event loop callbacks, incl. thread hop", onLoop), ("async/await, incl. thread hop", awaited),
                    ("16 concurrent async callers", concurrent), ("direct on a handle, no thread hop", direct),
                ] {
                    let sorted = samples.sorted()
                    let p50 = percentile(sorted, 0.50).microseconds
                    let p99 = percentile(sorted, 0.99).microseconds
                    print(
                        "memcached get latency (\(name), \(samples.count) calls): "
                            + "p50 \(Int(p50)) µs, p99 \(Int(p99)) µs"
                    )
                }
                #expect(percentile(onLoop.sorted(), 0.50) < .milliseconds(5))
            }
        }
    }
}

/// `count` gets, each started on the event loop from the callback of the one before, with their
/// latencies as seen on the event loop.
private func chainedGets(_ store: MemcachedStore, keys: [StoreKey], count: Int) -> EventLoopFuture<[Duration]> {
    let done = testLoop.makePromise(of: [Duration].self)
    testLoop.execute {
        let samples = NIOLoopBoundBox([Duration](), eventLoop: testLoop)
        samples.value.reserveCapacity(count)
        @Sendable func next(_ index: Int) {
            guard index < count else { return done.succeed(samples.value) }
            let clock = ContinuousClock()
            let start = clock.now
            store.get(keys[index % keys.count], deadline: deadline(), on: testLoop).whenComplete { result in
                samples.value.append(clock.now - start)
                if case .failure(let error) = result { return done.fail(error) }
                next(index + 1)
            }
        }
        next(0)
    }
    return done.futureResult
}
