import Logging
import NIOCore
import Synchronization

/// Everything the request path shares across event loops: immutable after start.
final class ProxyRuntime: Sendable {
    let extractor: SessionExtractor
    let learner: SessionLearner
    let keys: StoreKeyDeriver
    let store: any StoreBackend
    let storeTimeout: TimeAmount
    let upstreamTimeout: TimeAmount
    let clientIdleTimeout: TimeAmount
    let clientHeadTimeout: TimeAmount
    let clientBodyTimeout: TimeAmount
    let maxClientConnections: Int
    let limits: HTTPLimits
    let defaultTTL: Duration
    let logger: Logger
    let metrics: ProxyMetrics
    /// Where access log lines go, or `nil` when `STICKY_ACCESS_LOG` is off.
    let accessLogger: Logger?
    private let loops: [ObjectIdentifier: LoopResources]
    /// Whether the loops keep a near-cache (`STICKY_NEAR_CACHE_SIZE` and `STICKY_NEAR_CACHE_TTL_MS` not 0).
    let nearCacheEnabled: Bool
    /// The backends of the router installed last, for what runs beside the request path (drain sync, admin).
    private let installedBackends: Mutex<[Backend]>
    private let draining = Atomic<Bool>(false)
    /// How many writes this replica has noted (``noteWrite(_:for:lifetime:on:)``), for
    /// ``share(_:for:learnedAt:writesBefore:from:)``.
    private let writes = Atomic<UInt64>(0)
    /// Whether a store answer read on one loop is offered to the others: with a near-cache and more than one loop.
    let sharesAnswers: Bool

    init(
        configuration: ProxyConfiguration,
        backends: [Backend],
        store: any StoreBackend,
        eventLoops: [any EventLoop],
        logger: Logger,
        metrics: ProxyMetrics,
        accessLogger: Logger? = nil
    ) {
        self.installedBackends = Mutex(backends)
        let router = AffinityRouter(
            backends: backends,
            balancer: configuration.balance.makeBalancer(for: backends),
            fallback: configuration.fallback
        )
        self.extractor = SessionExtractor(cookieNames: configuration.cookieNames)
        self.keys = StoreKeyDeriver(prefix: configuration.keyPrefix, secret: configuration.keySecret)
        self.learner = SessionLearner(
            cookieNames: configuration.cookieNames,
            defaultTTL: configuration.defaultTTL,
            keys: self.keys
        )
        self.store = store
        self.storeTimeout = TimeAmount(configuration.storeTimeout)
        self.upstreamTimeout = TimeAmount(configuration.upstreamTimeout)
        self.clientIdleTimeout = TimeAmount(configuration.clientIdleTimeout)
        self.clientHeadTimeout = TimeAmount(configuration.clientHeadTimeout)
        self.clientBodyTimeout = TimeAmount(configuration.clientBodyTimeout)
        self.maxClientConnections = configuration.maxClientConnections
        self.limits = configuration.limits
        self.defaultTTL = configuration.defaultTTL
        self.logger = logger
        self.metrics = metrics
        self.accessLogger = accessLogger
        let poolSettings = UpstreamPool.Settings(
            maxConnections: configuration.upstreamMaxConnections,
            connectTimeout: TimeAmount(configuration.connectTimeout),
            idleTimeout: TimeAmount(configuration.upstreamIdleTimeout),
            limits: configuration.limits
        )
        // A sliding mapping is refreshed once half of its TTL has passed since this loop last refreshed it.
        let refreshInterval = TimeAmount.nanoseconds(TimeAmount(configuration.defaultTTL).nanoseconds / 2)
        // The memory store is in this process already: a near-cache in front of it would only copy it.
        let isMemory = if case .memory = configuration.store { true } else { false }
        let nearCache = NearCache(
            capacity: isMemory ? 0 : configuration.nearCacheSize,
            ttl: configuration.nearCacheTTL,
            trackedTTL: configuration.nearCacheTrackedTTL,
            clock: ContinuousClock()
        )
        self.nearCacheEnabled = nearCache.isEnabled
        var loops: [ObjectIdentifier: LoopResources] = [:]
        for loop in eventLoops {
            loops[ObjectIdentifier(loop)] = LoopResources(
                eventLoop: loop,
                router: router,
                poolSettings: poolSettings,
                ledger: RefreshLedger(capacity: 100_000, interval: refreshInterval),
                metrics: metrics,
                nearCache: nearCache
            )
        }
        self.loops = loops
        self.sharesAnswers = nearCache.isEnabled && loops.count > 1
        if nearCache.isEnabled {
            // A store that tracks what each loop reads (Redis client-side caching) tells that loop what changed.
            for resources in loops.values {
                store.watchCoherence(on: resources.eventLoop) { report in resources.apply(report) }
            }
        }
    }

    /// A write of this replica, made on `origin`'s loop, goes into every loop's near-cache: at once into `origin`'s,
    /// and into each other loop's as soon as that loop runs its next tasks (microseconds), so that the replica reads
    /// its own writes whichever loop the next request lands on. `mapping` `nil` is a delete; `lifetime` `nil` means
    /// as long as the cache trusts anything.
    func noteWrite(_ mapping: StoredMapping?, for key: StoreKey, lifetime: Duration?, on origin: LoopResources) {
        origin.noteWrite(mapping, for: key, lifetime: lifetime)
        guard self.nearCacheEnabled else { return }
        for resources in self.loops.values where resources !== origin {
            resources.eventLoop.execute { resources.noteWrite(mapping, for: key, lifetime: lifetime) }
        }
        // Counted after the write is in every loop's queue: see `share`.
        self.writes.wrappingAdd(1, ordering: .sequentiallyConsistent)
    }

    /// How many writes this replica has noted so far; read before a store look-up whose answer may be shared.
    var writeCount: UInt64 { self.writes.load(ordering: .sequentiallyConsistent) }

    /// Offers the store's answer for `key`, read on `origin` and back at `learnedAt`, to the near-caches of the other
    /// loops, so that the session's next request hits whichever loop its connection is on (with one near-cache per
    /// loop, every loop would otherwise ask the store once per TTL). The answers of one pass of `origin`'s loop go
    /// together, in one task per other loop.
    ///
    /// An answer is dropped if this replica noted a write since `writesBefore` (``writeCount`` before the look-up
    /// was sent): it may predate that write. One noted before it is safe too: that write was queued to every loop
    /// before it was counted, so it reaches a loop before the answer does, and an answer never replaces what a loop
    /// holds (``NearCache/adopt(_:for:learnedAt:)``).
    func share(
        _ mapping: StoredMapping,
        for key: StoreKey,
        learnedAt: ContinuousClock.Instant,
        writesBefore: UInt64,
        from origin: LoopResources
    ) {
        guard self.sharesAnswers else { return }
        let answer = SharedStoreAnswer(key: key, mapping: mapping, learnedAt: learnedAt, writesBefore: writesBefore)
        guard origin.queueAnswerToShare(answer) else { return }
        origin.eventLoop.execute {
            let answers = origin.takeAnswersToShare()
            for resources in self.loops.values where resources !== origin {
                resources.eventLoop.execute {
                    let writes = self.writeCount
                    resources.adopt(answers.filter { $0.writesBefore == writes })
                }
            }
        }
    }

    /// The resources of `eventLoop`, one of the loops the runtime was built for.
    func resources(for eventLoop: any EventLoop) -> LoopResources {
        guard let resources = self.loops[ObjectIdentifier(eventLoop)] else {
            preconditionFailure("event loop \(eventLoop) is not one of the proxy's")
        }
        return resources
    }

    /// Every loop's resources (shutdown).
    var allResources: [LoopResources] { Array(self.loops.values) }

    /// The backends as configured now (they change on reload).
    var backends: [Backend] { self.installedBackends.withLock { $0 } }

    /// Installs `router` on every event loop, each on its own thread; returns once all of them route with it.
    func install(_ router: AffinityRouter) async {
        self.installedBackends.withLock { $0 = router.backends }
        await withTaskGroup(of: Void.self) { group in
            for resources in self.loops.values {
                group.addTask {
                    try? await resources.eventLoop.submit { resources.install(router) }.get()
                }
            }
        }
    }

    /// How many distinct sessions each backend got in the last five minutes, from every event loop.
    func recentSessionCounts() async -> [String: Int] {
        var merged: [String: Set<Int>] = [:]
        for resources in self.loops.values {
            guard let counts = try? await resources.eventLoop.submit({ resources.recentSessionHashes() }).get() else {
                continue
            }
            merged.merge(counts) { $0.union($1) }
        }
        return merged.mapValues(\.count)
    }

    /// Whether the proxy is shutting down: every response then carries `Connection: close`.
    var isDraining: Bool { self.draining.load(ordering: .relaxed) }

    /// Starts the drain (the listener is closing).
    func beginDraining() {
        self.draining.store(true, ordering: .relaxed)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
