import NIOCore
import Synchronization

/// The embedded store for a proxy that runs as a single replica: session → backend mappings held in this
/// process, each with its own expiry, and at most a fixed number of them, least recently used evicted first.
///
/// ## Concurrency: lock striping
/// Every event loop calls the store at once. The entries are split into shards by the top bits of the key's
/// hash; each shard is a ``MemoryStoreShard`` (its own hash map, LRU list and share of the bound) behind its own
/// `Mutex`, so two loops contend only when their keys land on the same shard.
///
/// Taking one of these locks does not *block* an event loop in this project's sense: every critical section
/// is O(1) (a hash lookup, a few array writes to relink the list, and at most a fixed number of slots swept
/// or one entry evicted), it allocates at most what a dictionary insert allocates, and no lock is ever held
/// across I/O, an `await`, a callback or a future completion. The clock is read before the lock is taken, and
/// each future is created after it is released. The longest a loop can wait is a few such sections by other
/// threads on the same shard: the same order of cost as a contended atomic, not a wait for something outside
/// the process.
///
/// ## Expiry
/// Each entry keeps when it expires on the injected clock, as nanoseconds since the store was created; it is
/// live while `now < expiry`. An expired entry is never returned: `get`, `refresh` and `reassign` check the
/// expiry and drop an expired entry they meet. Expired entries that nobody asks for again are reclaimed by a
/// cheap incremental sweep: each insert of a new key first inspects the next two slots of its shard (a cursor
/// that wraps around the slot array) and frees the expired ones, so a whole shard is swept within `capacity / 2`
/// inserts, and an expired entry usually makes room before a live one is evicted. Memory is bounded by the
/// capacity regardless.
///
/// ## Bound
/// Each shard holds at most `maxEntries / shardCount` entries, rounded up, so the store holds at most
/// ``capacity`` entries (`maxEntries` rounded up to a multiple of the shard count). A full shard evicts its
/// least recently used entry; `get`, `set`, `refresh` and `reassign` all count as use. LRU order is per shard,
/// which approximates a global LRU closely once shards hold more than a few dozen entries; stores smaller than
/// 1,024 entries use fewer shards for that reason.
public final class MemoryStore<C: Clock>: Sendable where C.Duration == Duration {
    /// The most entries the store holds at once: `maxEntries` rounded up to a multiple of the shard count.
    public let capacity: Int

    /// How many independently locked shards the entries are spread over (a power of two).
    public var shardCount: Int { self.shards.count }

    private let clock: C
    /// Expiries are kept as nanoseconds since this instant, the store's creation.
    private let origin: C.Instant
    let shards: [LockedShard]
    /// Right shift that turns a 64-bit hash into a shard index: its top `log2(shardCount)` bits.
    private let shardShift: Int

    /// Creates an empty store that holds at most about `maxEntries` mappings and expires them on `clock`.
    public convenience init(maxEntries: Int, clock: C) {
        self.init(maxEntries: maxEntries, shardCount: Self.defaultShardCount(forMaxEntries: maxEntries), clock: clock)
    }

    /// Creates an empty store with an explicit number of shards, which must be a power of two.
    init(maxEntries: Int, shardCount: Int, clock: C) {
        precondition(maxEntries > 0, "maxEntries must be positive")
        precondition(shardCount > 0 && shardCount.nonzeroBitCount == 1, "shardCount must be a power of two")
        let perShard = (maxEntries + shardCount - 1) / shardCount
        self.capacity = perShard * shardCount
        self.clock = clock
        self.origin = clock.now
        self.shards = (0..<shardCount).map { _ in LockedShard(capacity: perShard) }
        self.shardShift = UInt.bitWidth - shardCount.trailingZeroBitCount
    }

    /// Entries held now, across all shards. Expired entries that were not reclaimed yet are included, so this
    /// is an upper bound on the live ones; it never exceeds ``capacity``. Each shard is read under its own lock,
    /// so under concurrent writes the total is approximate.
    public var count: Int {
        self.shards.reduce(0) { total, shard in total + shard.state.withLock { $0.count } }
    }

    /// Up to 16 shards, halved while a shard would hold fewer than 64 entries.
    static func defaultShardCount(forMaxEntries maxEntries: Int) -> Int {
        var shards = 16
        while shards > 1 && maxEntries / shards < 64 {
            shards /= 2
        }
        return shards
    }

    /// TTLs are capped (about 68 years) so that a huge `Max-Age` cannot overflow a nanosecond count.
    static var maximumTTL: Duration { .seconds(Int64(Int32.max)) }

    /// Nanoseconds from the store's origin to the clock's `now`.
    private func now() -> Int64 {
        Self.nanoseconds(self.origin.duration(to: self.clock.now))
    }

    /// When an entry written at `now` with `ttl` expires, or `nil` when `ttl` ≤ 0 (which means delete).
    private func expiry(after ttl: Duration, now: Int64) -> Int64? {
        guard ttl > .zero else { return nil }
        let (expiry, overflow) = now.addingReportingOverflow(Self.nanoseconds(min(ttl, Self.maximumTTL)))
        return overflow ? .max : expiry
    }

    /// `duration` in whole nanoseconds (rounded towards zero), for durations up to a few centuries.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    private func shard(for key: StoreKey) -> LockedShard {
        let hash = UInt(bitPattern: key.hashValue)
        return self.shards[Int(hash >> self.shardShift)]
    }

    // MARK: Synchronous operations (each one short critical section)

    func get(_ key: StoreKey) -> StoredMapping? {
        let now = self.now()
        return self.shard(for: key).state.withLock { $0.get(key, now: now) }
    }

    func set(_ key: StoreKey, to mapping: StoredMapping, ttl: Duration) {
        let now = self.now()
        let expiry = self.expiry(after: ttl, now: now)
        self.shard(for: key).state.withLock { $0.set(key, to: mapping, expiry: expiry, now: now) }
    }

    func delete(_ key: StoreKey) {
        self.shard(for: key).state.withLock { $0.remove(key) }
    }

    func refresh(_ key: StoreKey, ttl: Duration) {
        let now = self.now()
        let expiry = self.expiry(after: ttl, now: now)
        self.shard(for: key).state.withLock { $0.refresh(key, expiry: expiry, now: now) }
    }

    func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration
    ) -> StoredMapping {
        let now = self.now()
        let expiry = self.expiry(after: ttl, now: now)
        return self.shard(for: key).state.withLock {
            $0.reassign(key, from: stale, to: replacement, expiry: expiry, now: now)
        }
    }
}

extension MemoryStore where C == ContinuousClock {
    /// Creates an empty store that expires mappings on the continuous (monotonic) clock.
    public convenience init(maxEntries: Int) {
        self.init(maxEntries: maxEntries, clock: ContinuousClock())
    }
}

extension MemoryStore {
    /// One lock stripe: a shard behind its own mutex. A class only so that the noncopyable `Mutex` can sit in
    /// an array; there is one per shard, never one per entry.
    final class LockedShard: Sendable {
        let state: Mutex<MemoryStoreShard>

        init(capacity: Int) {
            self.state = Mutex(MemoryStoreShard(capacity: capacity))
        }
    }
}

extension MemoryStore: StoreBackend {
    // Every operation finishes before it returns, so the deadline cannot pass while it runs: it is accepted
    // and ignored. Each future is created already succeeded on the caller's loop.

    public func get(
        _ key: StoreKey,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping?> {
        eventLoop.makeSucceededFuture(self.get(key))
    }

    /// A lookup without a future: one short critical section on the key's shard.
    public func getImmediately(_ key: StoreKey) -> ImmediateLookup {
        .answered(self.get(key))
    }

    public func set(
        _ key: StoreKey,
        to mapping: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void> {
        self.set(key, to: mapping, ttl: ttl)
        return eventLoop.makeSucceededVoidFuture()
    }

    public func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        self.delete(key)
        return eventLoop.makeSucceededVoidFuture()
    }

    public func refresh(
        _ key: StoreKey,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void> {
        self.refresh(key, ttl: ttl)
        return eventLoop.makeSucceededVoidFuture()
    }

    public func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping> {
        eventLoop.makeSucceededFuture(self.reassign(key, from: stale, to: replacement, ttl: ttl))
    }
}

extension MemoryStore {
    /// Each shard's keys from most to least recently used, after checking its links. For tests only: it holds
    /// each shard's lock for O(n).
    func checkedKeysByRecency() -> [[StoreKey]] {
        self.shards.map { shard in shard.state.withLock { $0.checkedKeysByRecency() } }
    }
}
