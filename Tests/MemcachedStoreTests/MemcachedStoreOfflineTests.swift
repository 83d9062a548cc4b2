import NIOCore
import StickyCore
import Testing

@testable import MemcachedStore

/// Store behaviour that needs no memcached: every server here is a loopback port nobody listens on.
@Suite struct MemcachedStoreOfflineTests {
    private func deadServers(_ count: Int) throws -> [(host: String, port: Int)] {
        try (0..<count).map { _ in ("127.0.0.1", try MemcachedServerProcess.freePort()) }
    }

    @Test func behavioursAreInEffectOnTheHandles() async throws {
        let configuration = makeConfiguration(try deadServers(2), timeout: .milliseconds(75), retryTimeout: .seconds(3))
        try await withStore(configuration) { store in
            let behaviours = store.behaviours
            #expect(behaviours["MEMCACHED_BEHAVIOR_BINARY_PROTOCOL"] == 1)
            #expect(behaviours["MEMCACHED_BEHAVIOR_TCP_NODELAY"] == 1)
            #expect(behaviours["MEMCACHED_BEHAVIOR_SUPPORT_CAS"] == 1)
            #expect(behaviours["MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED"] == 1)
            #expect(behaviours["MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS"] == 1)
            #expect(behaviours["MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT"] == 2)
            #expect(behaviours["MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT"] == 75)  // ms
            #expect(behaviours["MEMCACHED_BEHAVIOR_POLL_TIMEOUT"] == 75)  // ms
            #expect(behaviours["MEMCACHED_BEHAVIOR_SND_TIMEOUT"] == 75_000)  // µs
            #expect(behaviours["MEMCACHED_BEHAVIOR_RCV_TIMEOUT"] == 75_000)  // µs
            #expect(behaviours["MEMCACHED_BEHAVIOR_RETRY_TIMEOUT"] == 3)  // s
            #expect(behaviours["MEMCACHED_BEHAVIOR_DEAD_TIMEOUT"] == 3)  // s
        }
    }

    /// A store whose servers are all down still builds, and its calls fail fast instead of hanging.
    @Test func allServersDownAtStartFailsFast() async throws {
        try await withStore(makeConfiguration(try deadServers(2))) { store in
            let mapping = StoredMapping(backend: "web1", slides: false)
            let (outcomes, elapsed) = await timed {
                var outcomes: [Result<Void, StoreError>] = []
                for _ in 0..<20 {
                    let key = TestKeys.key()
                    outcomes.append(await outcome(store.get(key, deadline: deadline(), on: testLoop)).map { _ in })
                    outcomes.append(
                        await outcome(
                            store.set(key, to: mapping, ttl: .seconds(60), deadline: deadline(), on: testLoop)
                        )
                    )
                    outcomes.append(
                        await outcome(
                            store.reassign(
                                key,
                                from: nil,
                                to: mapping,
                                ttl: .seconds(60),
                                deadline: deadline(),
                                on: testLoop
                            )
                        ).map { _ in }
                    )
                }
                return outcomes
            }
            for case .failure(let error) in outcomes {
                #expect(error == .unavailable || error == .serverUnavailable || error == .timeout)
            }
            #expect(outcomes.allSatisfy { if case .failure = $0 { true } else { false } })
            print("memcached: 60 calls against refused connections took \(elapsed)")
        }
    }

    /// Keys memcached cannot take are refused before libmemcached sees them: `.protocolError`, where a
    /// call that reached the library would have failed with `.unavailable`.
    @Test(arguments: ["bad key", "cr\r\nlf", String(repeating: "k", count: 251), ""])
    func invalidKeysAreRefusedBeforeTheLibrary(raw: String) async throws {
        try await withStore(makeConfiguration(try deadServers(1))) { store in
            let key = StoreKey(rawValue: raw)
            let mapping = StoredMapping(backend: "web1", slides: false)
            await #expect(throws: StoreError.protocolError) {
                try await store.get(key, deadline: deadline(), on: testLoop).get()
            }
            await #expect(throws: StoreError.protocolError) {
                try await store.set(key, to: mapping, ttl: .seconds(5), deadline: deadline(), on: testLoop).get()
            }
            await #expect(throws: StoreError.protocolError) {
                try await store.delete(key, deadline: deadline(), on: testLoop).get()
            }
            await #expect(throws: StoreError.protocolError) {
                try await store.refresh(key, ttl: .seconds(5), deadline: deadline(), on: testLoop).get()
            }
            await #expect(throws: StoreError.protocolError) {
                try await store.reassign(
                    key,
                    from: nil,
                    to: mapping,
                    ttl: .seconds(5),
                    deadline: deadline(),
                    on: testLoop
                )
                .get()
            }
        }
    }

    @Test func aDeadlineInThePastTimesOutAtOnce() async throws {
        try await withStore(makeConfiguration(try deadServers(1))) { store in
            await #expect(throws: StoreError.timeout) {
                try await store.get(TestKeys.key(), deadline: .now() - .milliseconds(1), on: testLoop).get()
            }
        }
    }

    @Test func callsAfterShutdownFail() async throws {
        let store = try MemcachedStore(
            configuration: makeConfiguration(try deadServers(1)),
            logger: .init(label: "test")
        )
        await store.shutdown()
        await store.shutdown()  // a second shutdown is harmless
        await #expect(throws: StoreError.shutdown) {
            try await store.get(TestKeys.key(), deadline: deadline(), on: testLoop).get()
        }
    }

    /// `memcached_pool_fetch` with a sub-second wait does not wait as asked; the pool never waits and
    /// reports `.unavailable` at once when every handle is out.
    @Test func anExhaustedPoolFailsAtOnceInsteadOfWaiting() throws {
        var configuration = makeConfiguration(try deadServers(1))
        configuration.poolSize = 1
        let pool = try MemcachedHandlePool(settings: try MemcachedSettings(configuration))
        let clock = ContinuousClock()
        let start = clock.now
        var inner: StoreError?
        try pool.withHandle { _ throws(MemcachedOperationError) in
            do throws(MemcachedOperationError) {
                try pool.withHandle { _ throws(MemcachedOperationError) in }
            } catch {
                inner = error.storeError
            }
        }
        #expect(inner == .unavailable)
        print("memcached: exhausted pool answered after \(clock.now - start)")
        // Released again: the next caller gets it.
        try pool.withHandle { _ throws(MemcachedOperationError) in }
    }
}
