import NIOCore

/// Where session → backend mappings live, shared by every replica that points at the same store.
///
/// Every call carries a deadline and completes its future on `eventLoop`. A failed or timed-out
/// call fails its future with a ``StoreError``; callers treat that as a miss, never as a client error.
/// Implementations must never block `eventLoop`: blocking client libraries run on a thread pool.
public protocol StoreBackend: Sendable {
    /// The mapping stored under `key`, or `nil` when there is none.
    func get(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<StoredMapping?>

    /// The answer to ``get(_:deadline:on:)`` right now, from a store that has it in this process without waiting
    /// (the memory store); ``ImmediateLookup/unavailable`` from any other, which is the default.
    func getImmediately(_ key: StoreKey) -> ImmediateLookup

    /// Records `mapping` under `key` for `ttl`, replacing whatever was there.
    func set(
        _ key: StoreKey,
        to mapping: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void>

    /// Removes the mapping under `key`. Removing an absent key succeeds.
    func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void>

    /// Sets the remaining lifetime of an existing mapping to `ttl`. An absent key is left absent.
    func refresh(_ key: StoreKey, ttl: Duration, deadline: NIODeadline, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>

    /// Calls `handler` on `eventLoop`, for as long as the store runs, with what it reports about the keys read on
    /// that loop (``StoreCoherence``). A store that reports nothing never calls it, which is the default; the
    /// near-cache then keeps answers only for `STICKY_NEAR_CACHE_TTL_MS`.
    func watchCoherence(on eventLoop: any EventLoop, _ handler: @escaping @Sendable (StoreCoherence) -> Void)

    /// Atomically replaces the mapping under `key` with `replacement` if it is absent or still equals `stale`,
    /// and returns what is stored afterwards.
    ///
    /// This is how replicas converge: when several of them re-pick a backend at once, the first writer wins
    /// and every other caller gets the winner back and follows it.
    func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping>
}

/// What ``StoreBackend/getImmediately(_:)`` found.
public enum ImmediateLookup: Sendable, Equatable {
    /// The store answered: the mapping, or `nil` when there is none.
    case answered(StoredMapping?)
    /// This store answers only through ``StoreBackend/get(_:deadline:on:)``.
    case unavailable
}

extension StoreBackend {
    public func getImmediately(_ key: StoreKey) -> ImmediateLookup { .unavailable }

    public func watchCoherence(on eventLoop: any EventLoop, _ handler: @escaping @Sendable (StoreCoherence) -> Void) {}
}
