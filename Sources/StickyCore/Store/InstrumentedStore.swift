import NIOCore

/// A ``StoreBackend`` decorator that measures every call: its duration by operation, and its failures by
/// operation and error kind (`sticky_store_operation_duration_seconds`, `sticky_store_errors_total`).
///
/// It wraps the store the proxy talks to (outside the fail-open breaker), so it measures what requests see,
/// calls refused by an open breaker included.
public final class InstrumentedStore: StoreBackend {
    private let inner: any StoreBackend
    private let metrics: StoreMetrics

    init(wrapping inner: any StoreBackend, metrics: StoreMetrics) {
        self.inner = inner
        self.metrics = metrics
    }

    public convenience init(wrapping inner: any StoreBackend, metrics: ProxyMetrics) {
        self.init(wrapping: inner, metrics: metrics.store)
    }

    private func measuring<Value: Sendable>(
        _ operation: StoreOperation,
        _ call: () -> EventLoopFuture<Value>
    ) -> EventLoopFuture<Value> {
        let start = NIODeadline.now()
        let future = call()
        let metrics = self.metrics
        future.whenComplete { result in
            let elapsed = (NIODeadline.now() - start).nanoseconds
            switch result {
            case .success: metrics.record(operation, nanoseconds: elapsed, error: nil)
            case .failure(let error): metrics.record(operation, nanoseconds: elapsed, error: error)
            }
        }
        return future
    }

    public func get(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop)
        -> EventLoopFuture<StoredMapping?>
    {
        self.measuring(.get) { self.inner.get(key, deadline: deadline, on: eventLoop) }
    }

    public func getImmediately(_ key: StoreKey) -> ImmediateLookup {
        let start = NIODeadline.now()
        let answer = self.inner.getImmediately(key)
        if case .answered = answer {
            self.metrics.record(.get, nanoseconds: (NIODeadline.now() - start).nanoseconds, error: nil)
        }
        return answer
    }

    public func watchCoherence(on eventLoop: any EventLoop, _ handler: @escaping @Sendable (StoreCoherence) -> Void) {
        self.inner.watchCoherence(on: eventLoop, handler)
    }

    public func set(
        _ key: StoreKey,
        to mapping: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void> {
        self.measuring(.set) { self.inner.set(key, to: mapping, ttl: ttl, deadline: deadline, on: eventLoop) }
    }

    public func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        self.measuring(.delete) { self.inner.delete(key, deadline: deadline, on: eventLoop) }
    }

    public func refresh(_ key: StoreKey, ttl: Duration, deadline: NIODeadline, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>
    {
        self.measuring(.refresh) { self.inner.refresh(key, ttl: ttl, deadline: deadline, on: eventLoop) }
    }

    public func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping> {
        self.measuring(.reassign) {
            self.inner.reassign(key, from: stale, to: replacement, ttl: ttl, deadline: deadline, on: eventLoop)
        }
    }
}
