/// A small, short-lived copy of recent session → backend mappings, kept by one event loop in front of the shared
/// store (`STICKY_NEAR_CACHE_SIZE`, `STICKY_NEAR_CACHE_TTL_MS`).
///
/// It exists so that a request whose session was looked up a moment ago is routed without a store round trip:
/// a hit is a hash look-up in this loop's own memory, with no lock, no thread hop, no future and no allocation.
///
/// ## Coherence
/// Every entry lives at most `ttl` (1 s by default) from when it was learned, so a mapping that *another* replica
/// changes in the shared store reaches this replica within `ttl`. This replica's own writes (a Set-Cookie that
/// records or moves a session, a failover that rewrites it, a logout that deletes it) go into the cache as they are
/// made (see ``ProxyRuntime``, which applies them to every loop), so a replica reads its own writes at once. A
/// delete leaves a tombstone for `ttl`, so that the session reads as absent here even if the store, asked by another
/// connection, has not applied the delete yet.
///
/// A look-up that was on its way to the store while this loop recorded a write of its own could bring back the
/// value from before that write; ``generation`` lets the caller notice and not cache such an answer
/// (``remember(_:for:ifUnchangedSince:)``).
///
/// With a store that reports changes (``StoreCoherence``: Redis client-side caching), answers are kept for
/// `trackedTTL` (`STICKY_NEAR_CACHE_TRACKED_TTL_MS`, a minute by default) while the store tracks this loop's
/// reads: a change another replica makes is reported and dropped from here at once, instead of waiting out
/// `ttl`. Only answers read from the store get `trackedTTL`: this replica's own writes are kept for `ttl`, as
/// without tracking, since the store reports changes only to keys a loop read. Every report bumps ``generation``
/// too, so that an answer that was on its way while a report arrived (the two come over different connections, in
/// either order) is not kept: the report may be about a change made after the store read that answer. When the store stops reporting, everything goes.
///
/// ## Bound
/// At most `capacity` entries, the least recently used evicted first (the same LRU as ``MemoryStoreShard``'s),
/// with expired entries swept as new keys arrive. A capacity of zero (or a zero TTL) disables it: nothing is kept.
///
/// A plain value with no lock: it belongs to one event loop and is only ever touched there.
struct NearCache<C: Clock> where C.Duration == Duration {
    /// What the cache knows about a key.
    enum Entry: Hashable {
        /// The session maps to this.
        case mapping(StoredMapping)
        /// This replica deleted the mapping (a logout) less than `ttl` ago.
        case deleted
    }

    /// How a tombstone is kept in the shard: no backend name is empty.
    private static var tombstone: StoredMapping { StoredMapping(backend: "", slides: false) }

    /// How long an entry is trusted after it was learned.
    let ttl: Duration
    private let ttlNanoseconds: Int64
    /// How long an answer is trusted while the store reports every change to it.
    let trackedTTL: Duration
    private let trackedTTLNanoseconds: Int64
    /// Whether the store reports every change to what this loop reads from it now (``StoreCoherence/tracked``).
    private(set) var isTracked = false
    /// How long what is learned now is trusted.
    private var trustNanoseconds: Int64 { self.isTracked ? self.trackedTTLNanoseconds : self.ttlNanoseconds }
    private var entries: MemoryStoreShard?
    private let clock: C
    /// Expiries are kept as nanoseconds since this instant.
    private let origin: C.Instant
    /// Bumped by every write of this replica that the cache sees; see ``remember(_:for:ifUnchangedSince:)``.
    private(set) var generation: UInt64 = 0

    /// - Parameters:
    ///   - capacity: the most entries kept; 0 disables the cache.
    ///   - ttl: how long an entry is trusted; zero disables the cache.
    ///   - trackedTTL: how long an answer is trusted while the store reports changes (at least `ttl`).
    init(capacity: Int, ttl: Duration, trackedTTL: Duration = .zero, clock: C) {
        precondition(capacity >= 0, "capacity must not be negative")
        self.ttl = ttl
        self.ttlNanoseconds = MemoryStore<C>.nanoseconds(ttl)
        self.trackedTTL = max(trackedTTL, ttl)
        self.trackedTTLNanoseconds = MemoryStore<C>.nanoseconds(self.trackedTTL)
        self.entries = capacity > 0 && ttl > .zero ? MemoryStoreShard(capacity: capacity) : nil
        self.clock = clock
        self.origin = clock.now
    }

    /// Whether the cache keeps anything at all.
    var isEnabled: Bool { self.entries != nil }

    /// Entries held, expired ones not yet reclaimed included.
    var count: Int { self.entries?.count ?? 0 }

    private func now() -> Int64 {
        MemoryStore<C>.nanoseconds(self.origin.duration(to: self.clock.now))
    }

    /// What was learned about `key` less than `ttl` ago, if anything.
    mutating func get(_ key: StoreKey) -> Entry? {
        guard self.entries != nil else { return nil }
        let now = self.now()
        guard let mapping = self.entries!.get(key, now: now) else { return nil }
        return mapping.backend.isEmpty ? .deleted : .mapping(mapping)
    }

    /// Keeps what the store answered for `key`, unless this loop recorded a write since `generation` was read
    /// (the answer may then predate that write).
    mutating func remember(_ mapping: StoredMapping, for key: StoreKey, ifUnchangedSince generation: UInt64) {
        guard self.entries != nil, generation == self.generation else { return }
        let now = self.now()
        self.entries!.set(key, to: mapping, expiry: now + self.trustNanoseconds, now: now)
    }

    /// Keeps an answer that another event loop of this replica read from the store at `learnedAt`, for what is left
    /// of `ttl` since then; see ``ProxyRuntime/share(_:for:learnedAt:writesBefore:from:)``, which drops the answers
    /// that an own write may have made stale. It only fills a gap: whatever this loop holds for `key` (its own
    /// answer, an own write or a tombstone) stays. While the store tracks this loop's reads it is not kept: the
    /// store would report no change to a key this loop did not read.
    mutating func adopt(_ mapping: StoredMapping, for key: StoreKey, learnedAt: C.Instant) {
        guard self.entries != nil, !self.isTracked else { return }
        let now = self.now()
        let expiry = MemoryStore<C>.nanoseconds(self.origin.duration(to: learnedAt)) + self.ttlNanoseconds
        guard expiry > now else { return }
        _ = self.entries!.reassign(key, from: nil, to: mapping, expiry: expiry, now: now)
    }

    /// What the store reported about the keys this loop read from it.
    mutating func apply(_ report: StoreCoherence) {
        self.generation &+= 1
        switch report {
        case .tracked:
            self.isTracked = true
        case .invalidated(let keys):
            for key in keys {
                self.entries?.remove(key)
            }
        case .invalidatedAll:
            self.removeAll()
        case .untracked:
            self.isTracked = false
            self.removeAll()
        }
    }

    private mutating func removeAll() {
        guard let capacity = self.entries?.capacity else { return }
        self.entries = MemoryStoreShard(capacity: capacity)
    }

    /// This replica wrote `mapping` under `key` with `lifetime` (it is trusted for the shorter of that and `ttl`).
    mutating func record(_ mapping: StoredMapping, for key: StoreKey, lifetime: Duration) {
        self.generation &+= 1
        guard self.entries != nil else { return }
        guard lifetime > .zero else {
            self.forget(key)
            return
        }
        let now = self.now()
        // The short TTL even while tracked: a loop that did not read the key from the store is told of no change
        // to it (and Redis stops tracking a key for the connection that writes it).
        let trusted = min(MemoryStore<C>.nanoseconds(lifetime), self.ttlNanoseconds)
        self.entries!.set(key, to: mapping, expiry: now + trusted, now: now)
    }

    /// This replica deleted the mapping under `key`: it reads as deleted for `ttl`.
    mutating func forget(_ key: StoreKey) {
        self.generation &+= 1
        guard self.entries != nil else { return }
        let now = self.now()
        self.entries!.set(key, to: Self.tombstone, expiry: now + self.ttlNanoseconds, now: now)
    }
}
