import NIOCore
import StickyCore
import Testing

@testable import MemcachedStore

/// Asks for every key at once on the test loop, so that all but the first go out together in one batch, and
/// returns each key's outcome in order.
private func getAllAtOnce(
    _ keys: [StoreKey],
    from store: MemcachedStore
) async -> [Result<StoredMapping?, StoreError>] {
    let futures = try! await testLoop.submit {
        keys.map { store.get($0, deadline: deadline(), on: testLoop) }
    }.get()
    var outcomes: [Result<StoredMapping?, StoreError>] = []
    for future in futures {
        outcomes.append(await outcome(future))
    }
    return outcomes
}

extension MemcachedIntegrationTests {
    /// Gets asked together on one loop go to memcached as one `memcached_mget`: each caller still gets its own key's
    /// answer, whichever server holds it, and a server that is out costs only its own keys.
    @Suite(.enabled(if: MemcachedTestEnvironment.runsServerTests))
    struct BatchedGetTests {
        @Test func eachOfManyGetsAskedAtOnceGetsItsOwnKeysAnswer() async throws {
            try await withStore(makeConfiguration(try MemcachedTestEnvironment.servers())) { store in
                let stored = (0..<150).map { _ in TestKeys.key() }
                for (index, key) in stored.enumerated() {
                    let mapping = StoredMapping(backend: "web\(index)", slides: index.isMultiple(of: 2))
                    try await store.set(key, to: mapping, ttl: .seconds(60), deadline: deadline(), on: testLoop).get()
                }
                let absent = (0..<50).map { _ in TestKeys.key() }
                // Absent keys between stored ones, and some keys asked twice in the same batch.
                var asked: [StoreKey] = []
                for index in stored.indices {
                    asked.append(stored[index])
                    if index < absent.count { asked.append(absent[index]) }
                    if index.isMultiple(of: 10) { asked.append(stored[index]) }
                }
                let outcomes = await getAllAtOnce(asked, from: store)
                for (key, outcome) in zip(asked, outcomes) {
                    if let index = stored.firstIndex(of: key) {
                        let expected = StoredMapping(backend: "web\(index)", slides: index.isMultiple(of: 2))
                        #expect(outcome == .success(expected))
                    } else {
                        #expect(outcome == .success(nil))
                    }
                }
            }
        }
    }

    @Suite(.enabled(if: MemcachedTestEnvironment.runsProcessTests))
    struct BatchedGetProcessTests {
        let web1 = StoredMapping(backend: "web1", slides: false)

        /// A batch spans both servers and one is dead: the live server's keys, present or absent, still read
        /// right (asked again on their own), and the dead server's keys fail or read absent, never wrong.
        @Test func aDeadServerInABatchCostsOnlyItsOwnKeys() async throws {
            try await withMemcachedProcesses(count: 2) { processes in
                let servers = processes.map { (host: $0.host, port: $0.port) }
                try await withStore(makeConfiguration(servers, poolSize: 4, retryTimeout: .seconds(1))) { store in
                    let keys = (0..<120).map { _ in TestKeys.key() }
                    for key in keys.prefix(80) {
                        try await store.set(key, to: web1, ttl: .seconds(300), deadline: deadline(), on: testLoop).get()
                    }
                    let onSurvivor = try keys.prefix(80).filter { try processes[0].client.metaGet($0.rawValue) != nil }
                    try #require(onSurvivor.count > 10 && onSurvivor.count < 70)
                    processes[1].kill()

                    let outcomes = await getAllAtOnce(keys, from: store)
                    var failed = 0
                    for (index, (key, outcome)) in zip(keys, outcomes).enumerated() {
                        switch outcome {
                        case .success(let mapping):
                            // The dead server's keys may have moved to the survivor already: absent there.
                            #expect(mapping == (onSurvivor.contains(key) ? web1 : nil), "key \(index)")
                        case .failure(let error):
                            failed += 1
                            #expect(!onSurvivor.contains(key), "a key of the live server failed: \(error)")
                            #expect(error == .serverUnavailable || error == .unavailable || error == .timeout)
                        }
                    }
                    print("memcached: batch across a dead server: \(failed)/\(keys.count) gets failed")
                    #expect(failed > 0)
                }
            }
        }
    }
}
