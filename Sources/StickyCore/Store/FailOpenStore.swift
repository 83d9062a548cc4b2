import Logging
import NIOCore
import Synchronization

/// Keeps a failing store from costing every request a timeout, and reports it without flooding the log.
///
/// A ``StoreBackend`` decorator. A failure of the inner store comes back unchanged (the proxy treats any failure
/// as a miss), but it is counted, and logged at most once per warning interval with the number of failures
/// since the last warning. After `failureThreshold` consecutive failures a circuit breaker opens: calls then fail
/// at once with ``StoreError/circuitOpen`` without touching the store, except one probe per probe interval,
/// whose success closes it again. ``state`` says whether the store is degraded, for `/readyz`.
///
/// Not generic over its clock: it sits behind `any StoreBackend`, where a generic class's methods run
/// unspecialised and look up the metadata of `Mutex<Guarded>`, `CircuitBreaker` and `Result` on every call
/// (about 6,000 instructions a store call). Time comes from a closure instead.
public final class FailOpenStore: StoreBackend {
    /// The time line the breaker and the warnings are kept on.
    public typealias Instant = ContinuousClock.Instant

    /// The store's health as `/readyz` reports it.
    public enum State: Hashable, Sendable {
        /// Calls go to the store.
        case healthy
        /// The breaker is open: calls fail at once, but for a probe now and then.
        case degraded
    }

    private struct Guarded {
        var breaker: CircuitBreaker<Instant>
        var warnings: WarningLimiter
    }

    private let inner: any StoreBackend
    private let now: @Sendable () -> Instant
    private let logger: Logger
    /// Taken twice per call (before it, to decide; after it, to record), each time for a few integer updates:
    /// O(1), no allocation, no I/O and no callout under the lock. An event loop thread waits on it at most for
    /// another loop's few instructions, never for I/O, so it does not block the loop in any meaningful sense.
    private let guarded: Mutex<Guarded>

    /// - Parameters:
    ///   - failureThreshold: consecutive failures that open the breaker.
    ///   - probeInterval: how long the breaker stays open before it lets a probe through.
    ///   - warningInterval: the least time between two warnings about failures.
    ///   - now: the time: the continuous clock's, unless a test steers it.
    public init(
        wrapping inner: any StoreBackend,
        failureThreshold: Int = 5,
        probeInterval: Duration = .seconds(1),
        warningInterval: Duration = .seconds(10),
        now: @escaping @Sendable () -> Instant = { .now },
        logger: Logger
    ) {
        self.inner = inner
        self.now = now
        self.logger = logger
        self.guarded = Mutex(
            Guarded(
                breaker: CircuitBreaker(failureThreshold: failureThreshold, probeInterval: probeInterval),
                warnings: WarningLimiter(interval: warningInterval)
            )
        )
    }

    public var state: State {
        self.guarded.withLock { $0.breaker.isClosed ? .healthy : .degraded }
    }

    /// Runs `call` on the inner store unless the breaker refuses it, and records how it went.
    private func guarding<Value: Sendable>(
        on eventLoop: any EventLoop,
        _ call: () -> EventLoopFuture<Value>
    ) -> EventLoopFuture<Value> {
        let now = self.now()
        let (decision, warning) = self.guarded.withLock { guarded in
            let decision = guarded.breaker.acquire(now: now)
            return (decision, decision == .reject ? guarded.warnings.failed(at: now) : nil)
        }
        if let warning {
            self.warn(failures: warning, error: StoreError.circuitOpen)
        }
        guard decision != .reject else { return eventLoop.makeFailedFuture(StoreError.circuitOpen) }
        let probe = decision == .probe
        let future = call()
        future.whenComplete { result in
            self.record(result.map { _ in () }, probe: probe)
        }
        return future
    }

    private func record(_ result: Result<Void, any Error>, probe: Bool) {
        let now = self.now()
        let succeeded = (try? result.get()) != nil
        // One server of several being out is the store answering, quickly, that this key's server is gone: it
        // counts as a failure in the log, not against the store as a whole.
        let storeAnswered: Bool
        if case .failure(let error as StoreError) = result, error == .serverUnavailable {
            storeAnswered = true
        } else {
            storeAnswered = succeeded
        }
        let (transition, warning) = self.guarded.withLock { guarded in
            let transition = guarded.breaker.record(succeeded: storeAnswered, probe: probe, now: now)
            return (transition, succeeded ? nil : guarded.warnings.failed(at: now))
        }
        if let warning, case .failure(let error) = result {
            self.warn(failures: warning, error: error)
        }
        switch transition {
        case .opened:
            self.logger.error("store circuit opened: calls fail at once, one probe per interval")
        case .closed:
            self.logger.notice("store circuit closed: the store answers again")
        case nil:
            break
        }
    }

    private func warn(failures: Int, error: any Error) {
        self.logger.warning(
            "store calls failing",
            metadata: ["store.failures": "\(failures)", "store.error": "\(error as? StoreError ?? .unavailable)"]
        )
    }
}

extension FailOpenStore {
    public func get(
        _ key: StoreKey,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<StoredMapping?>
    {
        self.guarding(on: eventLoop) { self.inner.get(key, deadline: deadline, on: eventLoop) }
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
        self.guarding(on: eventLoop) {
            self.inner.set(key, to: mapping, ttl: ttl, deadline: deadline, on: eventLoop)
        }
    }

    public func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        self.guarding(on: eventLoop) { self.inner.delete(key, deadline: deadline, on: eventLoop) }
    }

    public func refresh(
        _ key: StoreKey,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<Void>
    {
        self.guarding(on: eventLoop) { self.inner.refresh(key, ttl: ttl, deadline: deadline, on: eventLoop) }
    }

    public func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping> {
        self.guarding(on: eventLoop) {
            self.inner.reassign(key, from: stale, to: replacement, ttl: ttl, deadline: deadline, on: eventLoop)
        }
    }
}
