import NIOCore
import NIOEmbedded
import Testing

@testable import StickyCore

@Suite struct MemoryStoreTests {
    // MARK: get, set, delete

    @Test func getOfAbsentKeyIsNil() throws {
        let harness = MemoryStoreHarness()
        #expect(try harness.get("missing") == nil)
    }

    @Test func setThenGetReturnsTheMappingWithItsSlidingFlag() throws {
        let harness = MemoryStoreHarness()
        let sliding = StoredMapping(backend: "web1", slides: true)
        try harness.store.set(
            StoreKey(rawValue: "k"),
            to: sliding,
            ttl: .seconds(60),
            deadline: .now() + .seconds(1),
            on: harness.loop
        ).immediateValue()
        #expect(try harness.get("k") == sliding)
        #expect(harness.store.count == 1)
    }

    @Test func deleteRemovesAndDeletingAnAbsentKeySucceeds() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web1", ttl: .seconds(60))
        try harness.delete("k")
        #expect(try harness.get("k") == nil)
        #expect(harness.store.count == 0)
        try harness.delete("k")
        try harness.delete("never-there")
    }

    // MARK: Expiry

    @Test func expiresExactlyAtItsTTL() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web1", ttl: .seconds(10))
        harness.clock.advance(by: .seconds(10) - .nanoseconds(1))
        #expect(try harness.backend("k") == "web1")
        harness.clock.advance(by: .nanoseconds(1))
        #expect(try harness.get("k") == nil)
        #expect(harness.store.count == 0, "the expired entry is dropped when it is met")
        harness.clock.advance(by: .seconds(3600))
        #expect(try harness.get("k") == nil)
    }

    @Test func setReplacesTheMappingAndItsTTL() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web1", ttl: .seconds(10))
        harness.clock.advance(by: .seconds(5))
        try harness.set("k", "web2", ttl: .seconds(20))  // now expires at t = 25
        harness.clock.advance(by: .seconds(15))  // t = 20: past the first TTL
        #expect(try harness.backend("k") == "web2")
        harness.clock.advance(by: .seconds(5))  // t = 25
        #expect(try harness.get("k") == nil)

        try harness.set("short", "web1", ttl: .seconds(100))
        try harness.set("short", "web1", ttl: .seconds(1))
        harness.clock.advance(by: .seconds(1))
        #expect(try harness.get("short") == nil, "a shorter TTL replaces a longer one")
    }

    @Test func refreshExtendsALiveEntry() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web1", ttl: .seconds(10))
        harness.clock.advance(by: .seconds(8))
        try harness.refresh("k", ttl: .seconds(10))  // now expires at t = 18
        harness.clock.advance(by: .seconds(9))  // t = 17
        #expect(try harness.backend("k") == "web1")
        harness.clock.advance(by: .seconds(1))  // t = 18
        #expect(try harness.get("k") == nil)
    }

    @Test func refreshOfAnAbsentOrExpiredKeyDoesNothing() throws {
        let harness = MemoryStoreHarness()
        try harness.refresh("absent", ttl: .seconds(60))
        #expect(try harness.get("absent") == nil)
        #expect(harness.store.count == 0)

        try harness.set("k", "web1", ttl: .seconds(1))
        harness.clock.advance(by: .seconds(1))
        try harness.refresh("k", ttl: .seconds(60))
        #expect(try harness.get("k") == nil, "an expired entry is not brought back")
    }

    @Test func aTTLOfZeroOrLessDeletes() throws {
        let harness = MemoryStoreHarness()
        try harness.set("set", "web1", ttl: .seconds(60))
        try harness.set("set", "web2", ttl: .zero)
        #expect(try harness.get("set") == nil)
        try harness.set("absent", "web1", ttl: .seconds(-5))
        #expect(try harness.get("absent") == nil)

        try harness.set("refresh", "web1", ttl: .seconds(60))
        try harness.refresh("refresh", ttl: .zero)
        #expect(try harness.get("refresh") == nil)

        try harness.set("reassign", "web1", ttl: .seconds(60))
        #expect(try harness.reassign("reassign", from: "web1", to: "web2", ttl: .zero) == "web2")
        #expect(try harness.get("reassign") == nil)
        #expect(harness.store.count == 0)
    }

    @Test func aHugeTTLIsCappedInsteadOfOverflowing() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web1", ttl: .seconds(Int64.max))
        harness.clock.advance(by: .seconds(86_400 * 365 * 50))
        #expect(try harness.backend("k") == "web1")
    }

    // MARK: Bound and LRU eviction

    @Test(arguments: [1, 3, 7])
    func evictsTheLeastRecentlyUsedFirst(extra: Int) throws {
        let maxEntries = 8
        let harness = MemoryStoreHarness(maxEntries: maxEntries)
        for index in 0..<maxEntries {
            try harness.set("k\(index)", "web\(index)", ttl: .seconds(60))
        }
        #expect(try harness.backend("k0") == "web0", "reading k0 makes it the most recently used")
        for index in maxEntries..<(maxEntries + extra) {
            try harness.set("k\(index)", "web\(index)", ttl: .seconds(60))
        }
        #expect(harness.store.count == maxEntries)
        // Oldest first, skipping k0: k1 ... k(extra) are gone.
        let evicted = Set((1...extra).map { "k\($0)" })
        for index in 0..<(maxEntries + extra) {
            let key = "k\(index)"
            if evicted.contains(key) {
                #expect(try harness.get(key) == nil, "\(key) should have been evicted")
            } else {
                #expect(try harness.backend(key) == "web\(index)", "\(key) should have survived")
            }
        }
    }

    @Test func writesCountAsUseAndOverwritesDoNotEvict() throws {
        let harness = MemoryStoreHarness(maxEntries: 3)
        try harness.set("a", "web1", ttl: .seconds(60))
        try harness.set("b", "web1", ttl: .seconds(60))
        try harness.set("c", "web1", ttl: .seconds(60))
        try harness.set("a", "web2", ttl: .seconds(60))  // overwrite: a becomes the most recent, nothing evicted
        try harness.refresh("b", ttl: .seconds(60))  // b next; c is now the least recently used
        #expect(harness.store.count == 3)
        try harness.set("d", "web1", ttl: .seconds(60))
        #expect(try harness.get("c") == nil)
        #expect(try harness.backend("a") == "web2")
        #expect(try harness.backend("b") == "web1")
        #expect(try harness.backend("d") == "web1")
    }

    @Test func expiredEntriesGoBeforeLiveOnes() throws {
        let harness = MemoryStoreHarness(maxEntries: 2)
        try harness.set("short", "web1", ttl: .seconds(10))
        try harness.set("long", "web1", ttl: .seconds(100))
        harness.clock.advance(by: .seconds(5))
        #expect(try harness.backend("short") == "web1")  // "long" is now the least recently used
        harness.clock.advance(by: .seconds(5))  // "short" has expired but nobody asked for it
        try harness.set("new", "web1", ttl: .seconds(100))
        #expect(try harness.backend("long") == "web1", "the expired entry made room, not the LRU live one")
        #expect(try harness.backend("new") == "web1")
        #expect(harness.store.count == 2)
    }

    @Test func reusesFreedSlotsAndKeepsItsListsConsistent() throws {
        let harness = MemoryStoreHarness(maxEntries: 4)
        for round in 0..<50 {
            for index in 0..<6 {
                try harness.set("k\((round + index) % 9)", "web\(index)", ttl: .seconds(Int64(1 + index)))
            }
            try harness.delete("k\(round % 9)")
            _ = try harness.get("k\((round + 3) % 9)")
            try harness.refresh("k\((round + 4) % 9)", ttl: .seconds(3))
            harness.clock.advance(by: .seconds(2))
            let keys = harness.store.checkedKeysByRecency()
            #expect(keys.joined().count <= 4)
        }
    }

    // MARK: reassign

    @Test func reassignOfAnAbsentKeyStoresTheReplacement() throws {
        let harness = MemoryStoreHarness()
        #expect(try harness.reassign("k", from: "web1", to: "web2", ttl: .seconds(10)) == "web2")
        #expect(try harness.backend("k") == "web2")
        #expect(try harness.reassign("k2", from: nil, to: "web3", ttl: .seconds(10)) == "web3")
        harness.clock.advance(by: .seconds(10))
        #expect(try harness.get("k") == nil, "the replacement gets the given TTL")
    }

    @Test func reassignReplacesTheStaleMapping() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web1", ttl: .seconds(10))
        harness.clock.advance(by: .seconds(5))
        #expect(try harness.reassign("k", from: "web1", to: "web2", ttl: .seconds(30)) == "web2")
        harness.clock.advance(by: .seconds(29))
        #expect(try harness.backend("k") == "web2", "the replacement's TTL replaces the stale one's")
        harness.clock.advance(by: .seconds(1))
        #expect(try harness.get("k") == nil)
    }

    @Test func reassignLeavesAMappingThatIsNotTheStaleOne() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web3", ttl: .seconds(10))
        #expect(try harness.reassign("k", from: "web1", to: "web2", ttl: .seconds(60)) == "web3")
        #expect(try harness.reassign("k", from: nil, to: "web2", ttl: .seconds(60)) == "web3")
        harness.clock.advance(by: .seconds(10) - .nanoseconds(1))
        #expect(try harness.backend("k") == "web3", "unchanged")
        harness.clock.advance(by: .nanoseconds(1))
        #expect(try harness.get("k") == nil, "and its TTL is unchanged too")
    }

    @Test func reassignTreatsAnExpiredMappingAsAbsent() throws {
        let harness = MemoryStoreHarness()
        try harness.set("k", "web3", ttl: .seconds(10))
        harness.clock.advance(by: .seconds(10))
        #expect(try harness.reassign("k", from: "web1", to: "web2", ttl: .seconds(60)) == "web2")
        #expect(try harness.backend("k") == "web2")
    }

    @Test func reassignComparesTheWholeMappingIncludingTheSlidingFlag() throws {
        let harness = MemoryStoreHarness()
        let key = StoreKey(rawValue: "k")
        let sliding = StoredMapping(backend: "web1", slides: true)
        let fixed = StoredMapping(backend: "web1", slides: false)
        let replacement = StoredMapping(backend: "web2", slides: true)
        try harness.store.set(key, to: sliding, ttl: .seconds(60), deadline: .now(), on: harness.loop).immediateValue()
        let afterMismatch = try harness.store.reassign(
            key,
            from: fixed,
            to: replacement,
            ttl: .seconds(60),
            deadline: .now(),
            on: harness.loop
        ).immediateValue()
        #expect(afterMismatch == sliding)
        let afterMatch = try harness.store.reassign(
            key,
            from: sliding,
            to: replacement,
            ttl: .seconds(60),
            deadline: .now(),
            on: harness.loop
        ).immediateValue()
        #expect(afterMatch == replacement)
    }

    // MARK: Construction

    @Test func shardsLargeStoresAndRoundsTheBoundUp() {
        #expect(MemoryStore<ManualClock>.defaultShardCount(forMaxEntries: 1) == 1)
        #expect(MemoryStore<ManualClock>.defaultShardCount(forMaxEntries: 100) == 1)
        #expect(MemoryStore<ManualClock>.defaultShardCount(forMaxEntries: 1000) == 8)
        #expect(MemoryStore<ManualClock>.defaultShardCount(forMaxEntries: 1024) == 16)
        #expect(MemoryStore<ManualClock>.defaultShardCount(forMaxEntries: 1_000_000) == 16)

        let store = MemoryStore(maxEntries: 5000, clock: ManualClock())
        #expect(store.shardCount == 16)
        #expect(store.capacity == 16 * 313)
    }

    @Test func neverHoldsMoreThanItsCapacity() throws {
        let clock = ManualClock()
        let harness = MemoryStoreHarness(store: MemoryStore(maxEntries: 1024, clock: clock), clock: clock)
        for index in 0..<5000 {
            try harness.set("key-\(index)", "web\(index % 7)", ttl: .seconds(60))
        }
        #expect(harness.store.count <= harness.store.capacity)
        #expect(harness.store.count > harness.store.capacity / 2)
        let shards = harness.store.checkedKeysByRecency()
        #expect(shards.allSatisfy { $0.count <= 1024 / 16 })
        #expect(try harness.backend("key-4999") == "web1", "the latest write is kept")
    }

    @Test func runsOnTheContinuousClock() throws {
        let store = MemoryStore(maxEntries: 10)
        let loop = EmbeddedEventLoop()
        let key = StoreKey(rawValue: "k")
        let mapping = StoredMapping(backend: "web1", slides: false)
        try store.set(key, to: mapping, ttl: .seconds(60), deadline: .now(), on: loop).immediateValue()
        #expect(try store.get(key, deadline: .now(), on: loop).immediateValue()?.backend == "web1")
    }
}
