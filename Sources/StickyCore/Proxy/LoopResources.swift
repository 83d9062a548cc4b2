import NIOCore

/// What one event loop owns: its upstream pools, its refresh ledger and its near-cache of store answers.
///
/// Only ever touched on `eventLoop` (every method asserts it), which is what makes it safe to share the
/// reference across threads without a lock.
final class LoopResources: @unchecked Sendable {
    let eventLoop: any EventLoop
    /// This loop's copy of the routing table; a reload installs a new one on every loop.
    private(set) var router: AffinityRouter
    /// One pool per backend, found by identity: a scan of a few pointers costs less than hashing a name, and it
    /// runs twice per request.
    private var pools: [UpstreamPool] = []
    private let poolSettings: UpstreamPool.Settings
    private var ledger: RefreshLedger
    private var retryBudget = RetryBudget()
    private var recentSessions: [String: RecentSessions] = [:]
    private let metrics: ProxyMetrics
    /// Recent store answers and this replica's own writes, consulted before the store (`STICKY_NEAR_CACHE_*`).
    private var nearCache: NearCache<ContinuousClock>
    /// Store answers read here that the other loops have not been offered yet.
    private var answersToShare: [SharedStoreAnswer] = []

    init(
        eventLoop: any EventLoop,
        router: AffinityRouter,
        poolSettings: UpstreamPool.Settings,
        ledger: RefreshLedger,
        metrics: ProxyMetrics,
        nearCache: NearCache<ContinuousClock>
    ) {
        self.eventLoop = eventLoop
        self.router = router
        self.poolSettings = poolSettings
        self.ledger = ledger
        self.metrics = metrics
        self.nearCache = nearCache
    }

    // MARK: the near-cache

    /// What the near-cache knows about `key`, if it learned it recently.
    func cached(_ key: StoreKey) -> NearCache<ContinuousClock>.Entry? {
        self.eventLoop.assertInEventLoop()
        guard self.nearCache.isEnabled else { return nil }
        let entry = self.nearCache.get(key)
        self.metrics.countNearCacheLookup(hit: entry != nil)
        return entry
    }

    /// Read before a store look-up, and handed back to ``remember(_:for:since:)`` with its answer.
    var nearCacheGeneration: UInt64 {
        self.eventLoop.assertInEventLoop()
        return self.nearCache.generation
    }

    /// What the store reported about the keys this loop read from it (Redis client-side caching).
    func apply(_ report: StoreCoherence) {
        self.eventLoop.assertInEventLoop()
        self.nearCache.apply(report)
    }

    /// Keeps the store's answer for `key`, unless this replica wrote something since `generation`.
    func remember(_ mapping: StoredMapping, for key: StoreKey, since generation: UInt64) {
        self.eventLoop.assertInEventLoop()
        self.nearCache.remember(mapping, for: key, ifUnchangedSince: generation)
    }

    /// Queues a store answer read on this loop for the other loops; returns whether the queue was empty, in which case
    /// the caller arranges for ``takeAnswersToShare()`` to run once this loop's current work is done.
    func queueAnswerToShare(_ answer: SharedStoreAnswer) -> Bool {
        self.eventLoop.assertInEventLoop()
        self.answersToShare.append(answer)
        return self.answersToShare.count == 1
    }

    /// The answers queued by ``queueAnswerToShare(_:)`` since the last call, which empties the queue.
    func takeAnswersToShare() -> [SharedStoreAnswer] {
        self.eventLoop.assertInEventLoop()
        defer { self.answersToShare.removeAll(keepingCapacity: true) }
        return self.answersToShare
    }

    /// Keeps store answers that another loop read, where this loop knows nothing fresher about their keys.
    func adopt(_ answers: [SharedStoreAnswer]) {
        self.eventLoop.assertInEventLoop()
        for answer in answers {
            self.nearCache.adopt(answer.mapping, for: answer.key, learnedAt: answer.learnedAt)
        }
    }

    /// This replica recorded `mapping` under `key` (`lifetime` `nil`: a claim, trusted for the cache's TTL) or, with
    /// `mapping` `nil`, deleted it.
    func noteWrite(_ mapping: StoredMapping?, for key: StoreKey, lifetime: Duration?) {
        self.eventLoop.assertInEventLoop()
        if let mapping {
            self.nearCache.record(mapping, for: key, lifetime: lifetime ?? self.nearCache.ttl)
        } else {
            self.nearCache.forget(key)
        }
    }

    /// This loop's pool of connections to `backend`.
    func pool(for backend: Backend) -> UpstreamPool {
        self.eventLoop.assertInEventLoop()
        for pool in self.pools where pool.backend === backend {
            return pool
        }
        let pool = UpstreamPool(
            backend: backend,
            eventLoop: self.eventLoop,
            settings: self.poolSettings,
            metrics: self.metrics.backend(backend.name)
        )
        if self.router.backend(named: backend.name) === backend {
            self.pools.append(pool)
        }
        // Otherwise the backend left with a reload while a request to it was in flight: its pool is not kept.
        return pool
    }

    /// Whether a sliding mapping used now is due for a TTL refresh (rate-limited per key).
    func isRefreshDue(_ key: StoreKey, at now: NIODeadline) -> Bool {
        self.eventLoop.assertInEventLoop()
        return self.ledger.isDue(key, at: now)
    }

    /// Notes that `key` was just written with a fresh TTL.
    func noteFreshTTL(_ key: StoreKey, at now: NIODeadline) {
        self.eventLoop.assertInEventLoop()
        self.ledger.record(key, at: now)
    }

    /// Routes with `router` from now on. Requests in flight keep their connections; the idle connections to
    /// backends that left (or changed address) are closed.
    func install(_ router: AffinityRouter) {
        self.eventLoop.assertInEventLoop()
        self.router = router
        for pool in self.pools where router.backend(named: pool.backend.name) !== pool.backend {
            pool.closeIdle()
        }
        self.pools.removeAll { router.backend(named: $0.backend.name) !== $0.backend }
    }

    /// A request of the session under `key` went to `backend`.
    func recordSession(_ key: StoreKey, on backend: String) {
        self.eventLoop.assertInEventLoop()
        self.recentSessions[backend, default: RecentSessions()].record(key.hashValue, minute: Self.currentMinute())
    }

    /// The sessions this loop routed to each backend in the last five minutes (as hashes, to merge with other loops).
    func recentSessionHashes() -> [String: Set<Int>] {
        self.eventLoop.assertInEventLoop()
        let minute = Self.currentMinute()
        return self.recentSessions.mapValues { $0.hashes(upTo: minute) }
    }

    private static func currentMinute() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds / 60_000_000_000)
    }

    /// A request started on this loop: it adds to the retry budget.
    func recordRequest() {
        self.eventLoop.assertInEventLoop()
        self.retryBudget.recordRequest()
    }

    /// Takes a retry from the budget; `false` when retries are already a fifth of requests.
    func withdrawRetry() -> Bool {
        self.eventLoop.assertInEventLoop()
        return self.retryBudget.withdraw()
    }

    /// Closes the idle upstream connections (shutdown).
    func closeIdleConnections() {
        self.eventLoop.assertInEventLoop()
        for pool in self.pools { pool.closeIdle() }
    }
}
