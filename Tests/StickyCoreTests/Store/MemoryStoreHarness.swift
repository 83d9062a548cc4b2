import NIOCore
import NIOEmbedded
import Testing

@testable import StickyCore

/// A `MemoryStore` on a ``ManualClock`` with synchronous wrappers around its `StoreBackend` calls.
///
/// It owns an `EmbeddedEventLoop`, which must be created, used and freed on one thread: keep a harness local to
/// one synchronous test function or one thread.
struct MemoryStoreHarness {
    let clock: ManualClock
    let store: MemoryStore<ManualClock>
    let loop = EmbeddedEventLoop()

    init(maxEntries: Int = 100, shardCount: Int = 1, clock: ManualClock = ManualClock()) {
        self.clock = clock
        self.store = MemoryStore(maxEntries: maxEntries, shardCount: shardCount, clock: clock)
    }

    init(store: MemoryStore<ManualClock>, clock: ManualClock) {
        self.clock = clock
        self.store = store
    }

    private var deadline: NIODeadline { .now() + .seconds(1) }

    func get(_ key: String) throws -> StoredMapping? {
        try self.store.get(StoreKey(rawValue: key), deadline: self.deadline, on: self.loop).immediateValue()
    }

    /// The backend name stored under `key`, or `nil`.
    func backend(_ key: String) throws -> String? {
        try self.get(key)?.backend
    }

    func set(_ key: String, _ backend: String, ttl: Duration) throws {
        try self.store.set(
            StoreKey(rawValue: key),
            to: StoredMapping(backend: backend, slides: false),
            ttl: ttl,
            deadline: self.deadline,
            on: self.loop
        ).immediateValue()
    }

    func delete(_ key: String) throws {
        try self.store.delete(StoreKey(rawValue: key), deadline: self.deadline, on: self.loop).immediateValue()
    }

    func refresh(_ key: String, ttl: Duration) throws {
        try self.store.refresh(StoreKey(rawValue: key), ttl: ttl, deadline: self.deadline, on: self.loop)
            .immediateValue()
    }

    /// `reassign` with plain (non-sliding) mappings named by backend; returns the backend stored afterwards.
    func reassign(_ key: String, from stale: String?, to replacement: String, ttl: Duration) throws -> String {
        try self.store.reassign(
            StoreKey(rawValue: key),
            from: stale.map { StoredMapping(backend: $0, slides: false) },
            to: StoredMapping(backend: replacement, slides: false),
            ttl: ttl,
            deadline: self.deadline,
            on: self.loop
        ).immediateValue().backend
    }
}

extension EventLoopFuture {
    /// The result of a future that was complete when it was returned, as every `MemoryStore` future is.
    /// Call it on the future's loop thread.
    func immediateValue(sourceLocation: SourceLocation = #_sourceLocation) throws -> Value {
        var result: Result<Value, any Error>?
        self.assumeIsolated().whenComplete { result = $0 }
        return try #require(result, "the future was not complete when it was returned", sourceLocation: sourceLocation)
            .get()
    }
}
