import Foundation
import Synchronization
import Testing

@testable import StickyCore

/// The store called from many threads at once, as every event loop calls it. Each thread has its own
/// `EmbeddedEventLoop` (a `MultiThreadedEventLoopGroup` would need NIOPosix in this test target); what is under
/// test is the store's locking, which sees the same concurrent calls either way.
@Suite struct MemoryStoreConcurrencyTests {
    static let threadCount = 8
    static let operationsPerThread = 10_000

    @Test(arguments: [1, 16])
    func mixedOperationsFromManyThreadsKeepEveryShardConsistent(shardCount: Int) async throws {
        let clock = ManualClock()
        let store = MemoryStore(maxEntries: 1024, shardCount: shardCount, clock: clock)
        let backends = (0..<5).map { "web\($0)" }
        let strays = Shared(0)

        let errors = await onThreads(Self.threadCount) { thread in
            let harness = MemoryStoreHarness(store: store, clock: clock)
            var random = SplitMix64(seed: UInt64(thread))
            var stray = 0
            for operation in 0..<Self.operationsPerThread {
                let key = "key-\(Int.random(in: 0..<2048, using: &random))"
                let backend = backends.randomElement(using: &random)!
                let ttl = Duration.seconds(Int.random(in: 1...100, using: &random))
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4:
                    if let found = try harness.backend(key), !backends.contains(found) { stray += 1 }
                case 4..<7:
                    try harness.set(key, backend, ttl: ttl)
                case 7:
                    try harness.refresh(key, ttl: ttl)
                case 8:
                    try harness.delete(key)
                default:
                    let stale = Bool.random(using: &random) ? nil : backends.randomElement(using: &random)
                    if !backends.contains(try harness.reassign(key, from: stale, to: backend, ttl: ttl)) { stray += 1 }
                }
                if thread == 0 && operation % 100 == 0 {
                    clock.advance(by: .seconds(1))  // expiry happens while the others work
                }
            }
            strays.withLock { $0 += stray }
        }

        #expect(errors.isEmpty)
        #expect(strays.withLock { $0 } == 0, "every mapping read back is one that was written")
        #expect(store.count <= store.capacity)
        let shards = store.checkedKeysByRecency()  // preconditions: links, index and free list agree
        #expect(shards.allSatisfy { $0.count <= store.capacity / shardCount })
    }

    @Test(arguments: [nil, "old"] as [String?])
    func concurrentReassignsOfOneKeyAllGetTheSameSingleWinner(stale: String?) async throws {
        let rounds = 1000
        let clock = ManualClock()
        let store = MemoryStore(maxEntries: 4 * rounds, clock: clock)  // room for all: no eviction mid-race
        if let stale {
            let old = StoredMapping(backend: stale, slides: false)
            for round in 0..<rounds {
                store.set(StoreKey(rawValue: "race-\(round)"), to: old, ttl: .seconds(60))
            }
        }
        let results = Shared([[String]](repeating: [], count: Self.threadCount))
        let arrived = Shared(0)

        // In each round every thread waits at a barrier, then all reassign the same key at once.
        let errors = await onThreads(Self.threadCount) { thread in
            let harness = MemoryStoreHarness(store: store, clock: clock)
            var mine: [String] = []
            mine.reserveCapacity(rounds)
            for round in 0..<rounds {
                let everyone = (round + 1) * Self.threadCount
                arrived.withLock { $0 += 1 }
                while arrived.withLock({ $0 }) < everyone {
                    sched_yield()
                }
                mine.append(try harness.reassign("race-\(round)", from: stale, to: "b\(thread)", ttl: .seconds(60)))
            }
            results.withLock { $0[thread] = mine }
        }

        #expect(errors.isEmpty)
        let answers = results.withLock { $0 }
        #expect(answers.allSatisfy { $0.count == rounds })
        let candidates = Set((0..<Self.threadCount).map { "b\($0)" })
        var disagreements = 0
        var winnersSeen = Set<String>()
        for round in 0..<rounds {
            let winners = Set(answers.map { $0[round] })
            let stored = store.get(StoreKey(rawValue: "race-\(round)"))?.backend
            if winners.count != 1 || !candidates.isSuperset(of: winners) || stored != winners.first {
                disagreements += 1
            }
            winnersSeen.formUnion(winners)
        }
        #expect(disagreements == 0, "each key has one winner, stored, that every caller got back")
        // Not asserted (scheduling decides), but shows that the threads really raced: several distinct winners.
        print("reassign race from \(stale ?? "nil"): \(winnersSeen.count) distinct winners over \(rounds) rounds")
    }
}

/// Runs `body(index)` for every index in `0..<count`, each on a new thread of its own; the threads wait for each
/// other to start so that they really overlap. Returns what they threw.
private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) async -> [String] {
    let errors = Shared([String]())
    let started = Shared(0)
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        let running = Shared(count)
        for index in 0..<count {
            let thread = Thread {
                started.withLock { $0 += 1 }
                while started.withLock({ $0 }) < count {
                    sched_yield()
                }
                do {
                    try body(index)
                } catch {
                    errors.withLock { $0.append("thread \(index): \(error)") }
                }
                let isLast = running.withLock { remaining in
                    remaining -= 1
                    return remaining == 0
                }
                if isLast {
                    done.resume()
                }
            }
            thread.start()
        }
    }
    return errors.withLock { $0 }
}

/// A value shared between threads behind a mutex.
private final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        self.mutex = Mutex(value)
    }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        self.mutex.withLock { body(&$0) }
    }
}
