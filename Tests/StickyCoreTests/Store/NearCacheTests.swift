import Testing

@testable import StickyCore

@Suite struct NearCacheTests {
    let clock = ManualClock()
    let web1 = StoredMapping(backend: "web1", slides: false)
    let web2 = StoredMapping(backend: "web2", slides: true)

    func key(_ name: String) -> StoreKey { StoreKey(rawValue: name) }

    func cache(capacity: Int = 100, ttl: Duration = .seconds(1)) -> NearCache<ManualClock> {
        NearCache(capacity: capacity, ttl: ttl, clock: self.clock)
    }

    @Test func anAnswerIsTrustedForTheTTLAndNotAfter() {
        var cache = self.cache()
        #expect(cache.get(self.key("a")) == nil)
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        self.clock.advance(by: .milliseconds(999))
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        self.clock.advance(by: .milliseconds(1))
        #expect(cache.get(self.key("a")) == nil)
    }

    @Test func aHitDoesNotExtendTheEntry() {
        var cache = self.cache()
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        self.clock.advance(by: .milliseconds(600))
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        self.clock.advance(by: .milliseconds(600))
        #expect(cache.get(self.key("a")) == nil)
    }

    @Test func anOwnWriteReplacesTheEntryAtOnce() {
        var cache = self.cache()
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        cache.record(self.web2, for: self.key("a"), lifetime: .seconds(600))
        #expect(cache.get(self.key("a")) == .mapping(self.web2))
        self.clock.advance(by: .seconds(1))
        #expect(cache.get(self.key("a")) == nil, "an own write is trusted for the cache's TTL, not the mapping's")
    }

    @Test func anOwnWriteWithAShorterLifetimeIsTrustedOnlyThatLong() {
        var cache = self.cache()
        cache.record(self.web1, for: self.key("a"), lifetime: .milliseconds(300))
        self.clock.advance(by: .milliseconds(299))
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        self.clock.advance(by: .milliseconds(1))
        #expect(cache.get(self.key("a")) == nil)
    }

    @Test func aDeleteIsSeenAtOnceAndLeavesATombstoneForTheTTL() {
        var cache = self.cache()
        cache.record(self.web1, for: self.key("a"), lifetime: .seconds(600))
        cache.forget(self.key("a"))
        #expect(cache.get(self.key("a")) == .deleted)
        self.clock.advance(by: .milliseconds(999))
        #expect(cache.get(self.key("a")) == .deleted)
        self.clock.advance(by: .milliseconds(1))
        #expect(cache.get(self.key("a")) == nil)
    }

    @Test func aRecordWithNoLifetimeLeftIsADelete() {
        var cache = self.cache()
        cache.record(self.web1, for: self.key("a"), lifetime: .zero)
        #expect(cache.get(self.key("a")) == .deleted)
    }

    @Test func aRecordAfterADeleteReplacesTheTombstone() {
        var cache = self.cache()
        cache.forget(self.key("a"))
        cache.record(self.web2, for: self.key("a"), lifetime: .seconds(60))
        #expect(cache.get(self.key("a")) == .mapping(self.web2))
    }

    @Test func anAnswerThatMayPredateAnOwnWriteIsNotKept() {
        var cache = self.cache()
        let before = cache.generation
        cache.forget(self.key("a"))  // a logout while a look-up of "b" was on its way to the store
        cache.remember(self.web1, for: self.key("b"), ifUnchangedSince: before)
        #expect(cache.get(self.key("b")) == nil)
        cache.remember(self.web1, for: self.key("b"), ifUnchangedSince: cache.generation)
        #expect(cache.get(self.key("b")) == .mapping(self.web1))
    }

    @Test func itHoldsAtMostItsCapacityEvictingTheLeastRecentlyUsed() {
        var cache = self.cache(capacity: 2)
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        cache.remember(self.web1, for: self.key("b"), ifUnchangedSince: cache.generation)
        #expect(cache.get(self.key("a")) == .mapping(self.web1))  // "b" is now the least recently used
        cache.remember(self.web2, for: self.key("c"), ifUnchangedSince: cache.generation)
        #expect(cache.count == 2)
        #expect(cache.get(self.key("b")) == nil)
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        #expect(cache.get(self.key("c")) == .mapping(self.web2))
    }

    @Test(arguments: [(0, Duration.seconds(1)), (100, Duration.zero)])
    func aZeroSizeOrTTLKeepsNothing(capacity: Int, ttl: Duration) {
        var cache = self.cache(capacity: capacity, ttl: ttl)
        #expect(!cache.isEnabled)
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        cache.record(self.web1, for: self.key("b"), lifetime: .seconds(60))
        #expect(cache.get(self.key("a")) == nil)
        #expect(cache.get(self.key("b")) == nil)
        #expect(cache.count == 0)
    }

    // MARK: answers another loop read (ProxyRuntime.share)

    @Test func anAdoptedAnswerIsTrustedForWhatIsLeftOfTheTTLSinceItWasRead() {
        var cache = self.cache()
        let learnedAt = self.clock.now
        self.clock.advance(by: .milliseconds(400))
        cache.adopt(self.web1, for: self.key("a"), learnedAt: learnedAt)
        self.clock.advance(by: .milliseconds(599))
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        self.clock.advance(by: .milliseconds(1))
        #expect(cache.get(self.key("a")) == nil)
        cache.adopt(self.web1, for: self.key("b"), learnedAt: learnedAt)
        #expect(cache.get(self.key("b")) == nil, "read a TTL ago: nothing left to trust")
    }

    @Test func anAdoptedAnswerOnlyFillsAGap() {
        var cache = self.cache()
        cache.remember(self.web2, for: self.key("expired"), ifUnchangedSince: cache.generation)
        self.clock.advance(by: .seconds(1))
        cache.record(self.web2, for: self.key("own"), lifetime: .seconds(600))
        cache.forget(self.key("gone"))
        cache.remember(self.web2, for: self.key("read"), ifUnchangedSince: cache.generation)
        for name in ["own", "gone", "read", "expired", "new"] {
            cache.adopt(self.web1, for: self.key(name), learnedAt: self.clock.now)
        }
        #expect(cache.get(self.key("own")) == .mapping(self.web2), "an own write stays")
        #expect(cache.get(self.key("gone")) == .deleted, "an own delete stays")
        #expect(cache.get(self.key("read")) == .mapping(self.web2), "this loop's own answer stays")
        #expect(cache.get(self.key("expired")) == .mapping(self.web1))
        #expect(cache.get(self.key("new")) == .mapping(self.web1))
    }

    @Test func anAdoptedAnswerIsNotKeptWhileTheStoreTracksThisLoop() {
        var cache = self.trackedCache()
        cache.apply(.tracked)
        cache.adopt(self.web1, for: self.key("a"), learnedAt: self.clock.now)
        #expect(cache.get(self.key("a")) == nil, "the store would not report a change to a key this loop did not read")
        cache.apply(.untracked)
        cache.adopt(self.web1, for: self.key("a"), learnedAt: self.clock.now)
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
    }

    // MARK: a store that reports changes (Redis client-side caching)

    func trackedCache() -> NearCache<ManualClock> {
        NearCache(capacity: 100, ttl: .seconds(1), trackedTTL: .seconds(60), clock: self.clock)
    }

    @Test func whileTrackedAnAnswerIsTrustedForTheTrackedTTL() {
        var cache = self.trackedCache()
        cache.remember(self.web1, for: self.key("before"), ifUnchangedSince: cache.generation)
        cache.apply(.tracked)
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        cache.record(self.web2, for: self.key("own"), lifetime: .seconds(600))
        self.clock.advance(by: .seconds(1))
        #expect(cache.get(self.key("before")) == nil, "read before tracking began: the short TTL")
        #expect(cache.get(self.key("own")) == nil, "an own write is not tracked for this loop: the short TTL")
        self.clock.advance(by: .seconds(58))
        #expect(cache.get(self.key("a")) == .mapping(self.web1))
        self.clock.advance(by: .seconds(1))
        #expect(cache.get(self.key("a")) == nil)
    }

    @Test func aReportedChangeDropsTheKeyAtOnceAndOnlyIt() {
        var cache = self.trackedCache()
        cache.apply(.tracked)
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        cache.remember(self.web1, for: self.key("b"), ifUnchangedSince: cache.generation)
        cache.forget(self.key("gone"))
        cache.apply(.invalidated([self.key("a"), self.key("gone")]))
        #expect(cache.get(self.key("a")) == nil)
        #expect(cache.get(self.key("gone")) == nil, "the store applied the delete: its answer holds now")
        #expect(cache.get(self.key("b")) == .mapping(self.web1))
        cache.apply(.invalidatedAll)
        #expect(cache.get(self.key("b")) == nil)
    }

    @Test func anAnswerOnItsWayWhileAChangeWasReportedIsNotKept() {
        var cache = self.trackedCache()
        cache.apply(.tracked)
        // The report and the answer come over different connections: the report may be about a change made after
        // the store read the answer, and arrive first.
        let generation = cache.generation
        cache.apply(.invalidated([self.key("a")]))
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: generation)
        #expect(cache.get(self.key("a")) == nil)
    }

    @Test func whenTrackingStopsEverythingGoesAndTheShortTTLIsBack() {
        var cache = self.trackedCache()
        cache.apply(.tracked)
        cache.remember(self.web1, for: self.key("a"), ifUnchangedSince: cache.generation)
        cache.apply(.untracked)
        #expect(cache.get(self.key("a")) == nil)
        #expect(!cache.isTracked)
        cache.remember(self.web1, for: self.key("b"), ifUnchangedSince: cache.generation)
        self.clock.advance(by: .seconds(1))
        #expect(cache.get(self.key("b")) == nil)
    }
}
