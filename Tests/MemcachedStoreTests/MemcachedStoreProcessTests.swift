import NIOCore
import StickyCore
import Testing

@testable import MemcachedStore

extension MemcachedIntegrationTests {
    /// Failures and measurements on memcached servers the tests start, kill, pause and restart.
    @Suite(.enabled(if: MemcachedTestEnvironment.runsProcessTests))
    struct ProcessTests {
        let web1 = StoredMapping(backend: "web1", slides: false)

        /// One of two servers is killed: keys on the other keep working, calls for the dead one's keys
        /// answer within their deadline (failing at first, then moved to the live server), and once the
        /// server is back it is used again after the retry timeout.
        @Test func aKilledServerIsSkippedAndUsedAgainAfterRestart() async throws {
            try await withMemcachedProcesses(count: 2) { processes in
                let servers = processes.map { (host: $0.host, port: $0.port) }
                let configuration = makeConfiguration(servers, poolSize: 4, retryTimeout: .seconds(1))
                try await withStore(configuration) { store in
                    let keys = (0..<200).map { _ in TestKeys.key() }
                    for key in keys {
                        try await store.set(key, to: web1, ttl: .seconds(300), deadline: deadline(), on: testLoop).get()
                    }
                    let onVictim = try keys.filter { try processes[1].client.metaGet($0.rawValue) != nil }
                    let onSurvivor = try keys.filter { try processes[0].client.metaGet($0.rawValue) != nil }
                    #expect(onVictim.count + onSurvivor.count == keys.count)
                    try #require(onVictim.count > 20 && onSurvivor.count > 20)

                    processes[1].kill()

                    // Keys on the survivor: every call succeeds.
                    for key in onSurvivor {
                        #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web1)
                    }
                    // Keys on the victim: each call answers well within its deadline, whatever the answer.
                    var failures = 0
                    var slowest = Duration.zero
                    for key in onVictim {
                        let (result, elapsed) = await timed {
                            await outcome(store.get(key, deadline: deadline(.milliseconds(500)), on: testLoop))
                        }
                        slowest = max(slowest, elapsed)
                        switch result {
                        case .failure(let error):
                            failures += 1
                            #expect(error == .serverUnavailable || error == .unavailable || error == .timeout)
                        case .success(let mapping): #expect(mapping == nil)  // moved to the survivor: a miss
                        }
                    }
                    print("memcached: killed server: \(failures)/\(onVictim.count) calls failed, slowest \(slowest)")
                    #expect(failures > 0)

                    // While it is down, keys of the dead server can be written again: after the failure
                    // limit they go to the survivor.
                    let moved = try #require(onVictim.first)
                    var stored = false
                    for _ in 0..<40 where !stored {
                        stored =
                            (try? await store.set(
                                moved,
                                to: web1,
                                ttl: .seconds(300),
                                deadline: deadline(),
                                on: testLoop
                            ).get()) != nil
                        if !stored { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(stored, "keys of a dead server move to a live one after the failure limit")
                    #expect(try processes[0].client.metaGet(moved.rawValue) != nil)

                    try processes[1].start()
                    #expect(try processes[1].client.currentItems() == 0)
                    // After the retry timeout every handle tries it again; new writes for its keys land there.
                    let clock = ContinuousClock()
                    let start = clock.now
                    var back = false
                    while !back, clock.now - start < .seconds(10) {
                        for key in onVictim {
                            _ = try? await store.set(
                                key,
                                to: web1,
                                ttl: .seconds(300),
                                deadline: deadline(),
                                on: testLoop
                            ).get()
                        }
                        // Every key, not most: each pooled handle leaves its retry timeout on its own, and a set
                        // through one still waiting fails, so its key is only there after a later round.
                        back = try processes[1].client.currentItems() >= onVictim.count
                        if !back { try await Task.sleep(for: .milliseconds(200)) }
                    }
                    print("memcached: restarted server used again after \(clock.now - start)")
                    #expect(back, "the restarted server takes its keys back")
                    for key in onVictim.prefix(10) {
                        #expect(try await store.get(key, deadline: deadline(), on: testLoop).get() == web1)
                    }
                }
            }
        }

        /// A server that stops answering (SIGSTOP) costs each call at most its deadline, and once it
        /// answers again no late response is taken for the answer to a later request.
        @Test func aHungServerTimesOutAndDoesNotDesynchronise() async throws {
            try await withMemcachedProcesses(count: 1) { processes in
                let server = processes[0]
                let configuration = makeConfiguration(
                    [(server.host, server.port)],
                    timeout: .milliseconds(100),
                    poolSize: 2
                )
                try await withStore(configuration) { store in
                    let keys = (0..<20).map { _ in TestKeys.key() }
                    for (index, key) in keys.enumerated() {
                        let mapping = StoredMapping(backend: "web\(index)", slides: false)
                        try await store.set(key, to: mapping, ttl: .seconds(300), deadline: deadline(), on: testLoop)
                            .get()
                    }
                    server.pause()
                    defer { server.resume() }

                    // The caller's deadline comes before libmemcached's 100 ms timeout: it wins.
                    let (early, earlyElapsed) = await timed {
                        await outcome(store.get(keys[0], deadline: deadline(.milliseconds(20)), on: testLoop))
                    }
                    #expect(early == .failure(.timeout))
                    print("memcached: paused server, 20 ms deadline answered after \(earlyElapsed)")
                    // A generous deadline: libmemcached's own timeout answers.
                    for key in keys.prefix(4) {
                        let (late, lateElapsed) = await timed {
                            await outcome(store.get(key, deadline: deadline(.seconds(2)), on: testLoop))
                        }
                        #expect(late == .failure(.timeout) || late == .failure(.unavailable) || late == .failure(.serverUnavailable))
                        print("memcached: paused server, 2 s deadline answered after \(lateElapsed)")
                    }
                    server.resume()
                    try await Task.sleep(for: .milliseconds(1_500))  // past the retry timeout

                    // Every key reads back its own value, on every handle.
                    for round in 0..<3 {
                        for (index, key) in keys.enumerated() {
                            let result = await outcome(store.get(key, deadline: deadline(), on: testLoop))
                            if case .success(let mapping) = result {
                                #expect(
                                    mapping == StoredMapping(backend: "web\(index)", slides: false),
                                    "round \(round)"
                                )
                            }
                        }
                    }
                    let final = try await store.get(keys[5], deadline: deadline(), on: testLoop).get()
                    #expect(final == StoredMapping(backend: "web5", slides: false))
                }
            }
        }

        /// Memory per mapping: 100,000 mappings shaped like the proxy's, on a fresh server.
        @Test func measureBytesPerMapping() async throws {
            try await withMemcachedProcesses(count: 1, memoryMegabytes: 256) { processes in
                let server = processes[0]
                let count = 100_000
                let configuration = makeConfiguration([(server.host, server.port)], poolSize: 8)
                try await withStore(configuration) { store in
                    try await withThrowingTaskGroup(of: Void.self) { tasks in
                        for worker in 0..<16 {
                            tasks.addTask {
                                for _ in stride(from: worker, to: count, by: 16) {
                                    let key = StoreKey(rawValue: "sticky:connect.sid:" + TestKeys.digest())
                                    // This measures memory, not speed: on a loaded machine a write that missed its
                                    // deadline is simply made again.
                                    for attempt in 1... {
                                        do {
                                            try await store.set(
                                                key,
                                                to: StoredMapping(backend: "web1", slides: false),
                                                ttl: .seconds(3_600),
                                                deadline: deadline(.seconds(5)),
                                                on: testLoop
                                            ).get()
                                            break
                                        } catch let error as StoreError where error == .timeout && attempt < 10 {
                                            continue
                                        }
                                    }
                                }
                            }
                        }
                        try await tasks.waitForAll()
                    }
                }
                let stats = try server.client.stats()
                let slabs = try server.client.stats("slabs")
                let items = Int(stats["curr_items"] ?? "") ?? 0
                #expect(items == count)
                let itemBytes = Int(stats["bytes"] ?? "") ?? 0
                var chunkBytes = 0
                for (name, value) in slabs where name.hasSuffix(":used_chunks") {
                    let slabClass = name.prefix { $0 != ":" }
                    let chunkSize = Int(slabs["\(slabClass):chunk_size"] ?? "") ?? 0
                    chunkBytes += chunkSize * (Int(value) ?? 0)
                }
                // The whole hash table (8 B a bucket, grown to keep 1.5 items a bucket at most) counts.
                let hashBytes = Int(stats["hash_bytes"] ?? "") ?? 0
                let malloced = Int(slabs["total_malloced"] ?? "") ?? 0
                let perMapping = Double(chunkBytes + max(hashBytes, 0)) / Double(items)
                let gib = Double(1 << 30)
                print(
                    """
                    memcached bytes per mapping (\(items) mappings, key 'sticky:connect.sid:' + 43 chars, value 'web1'):
                      item bytes \(Double(itemBytes) / Double(items)) B, slab chunk \(Double(chunkBytes) / Double(items)) B, \
                    hash table \(Double(hashBytes) / Double(items)) B (hash_power_level \(stats["hash_power_level"] ?? "?")), slab pages \(Double(malloced) / Double(items)) B
                      => \(Int(perMapping.rounded())) B per mapping, about \((gib / perMapping / 100_000).rounded() / 10) million sessions per GiB
                    """
                )
                #expect(perMapping < 256)
            }
        }
    }
}
