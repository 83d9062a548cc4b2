import NIOCore
import Synchronization

/// One backend of the pool as the proxy runs it: its stable name, its address, its weight, and its state.
///
/// Shared by every event loop. What the request path reads (up, draining, active requests) are atomics, so it
/// takes no lock. The health state machine behind `isUp` sits in a mutex that only failures, successes after a
/// failure, and health probes take, for a few integer updates.
public final class Backend: Sendable {
    /// The name the store records.
    public let name: String
    /// The configured `HOST:PORT`.
    public let address: SocketAddressSpec
    /// The address connections go to, resolved when the backend was configured.
    public let socketAddress: SocketAddress
    /// Its share of new sessions relative to the others (1 by default).
    public let weight: Int
    private let up = Atomic<Bool>(true)
    private let draining = Atomic<Bool>(false)
    private let active = Atomic<Int>(0)
    /// Whether a request failure was counted since the last request success: until then a request's success has
    /// nothing to reset, and takes no lock.
    private let requestFailureCounted = Atomic<Bool>(false)
    private let health: Mutex<BackendHealth<ContinuousClock.Instant>>

    public init(
        name: String,
        address: SocketAddressSpec,
        socketAddress: SocketAddress,
        weight: Int = 1,
        healthPolicy: BackendHealth<ContinuousClock.Instant>.Policy = .init(rise: 2, fall: 3, cooldown: .seconds(10))
    ) {
        precondition(weight >= 1, "a weight is at least 1")
        self.name = name
        self.address = address
        self.socketAddress = socketAddress
        self.weight = weight
        self.health = Mutex(BackendHealth(policy: healthPolicy))
    }

    /// Whether the backend takes requests at all (its existing sessions, if draining).
    public var isUp: Bool { self.up.load(ordering: .relaxed) }

    /// Whether the backend takes new sessions: up and not draining.
    public var isAvailableForNewSessions: Bool { self.isUp && !self.isDraining }

    /// Whether the backend is draining: no new sessions, its existing ones continue.
    public var isDraining: Bool { self.draining.load(ordering: .relaxed) }

    public func setDraining(_ draining: Bool) {
        self.draining.store(draining, ordering: .relaxed)
    }

    /// Requests in flight to this backend, from every event loop.
    public var activeRequests: Int { self.active.load(ordering: .relaxed) }

    /// Counts a request that starts (`+1`) or ends (`-1`) on this backend.
    public func addActiveRequests(_ delta: Int) {
        self.active.wrappingAdd(delta, ordering: .relaxed)
    }

    /// A failed health check (`check`), or a request's connect failure, reset before the response, or timeout;
    /// returns a change of status to log.
    @discardableResult
    public func recordFailure(
        check: Bool = false,
        at now: ContinuousClock.Instant = .now
    ) -> BackendHealth<ContinuousClock.Instant>.Transition? {
        self.health.withLock { health in
            let transition = health.recordFailure(at: now, check: check)
            self.requestFailureCounted.store(health.hasRequestFailures, ordering: .relaxed)
            self.up.store(health.isUp, ordering: .relaxed)
            return transition
        }
    }

    /// A passed health check or probe (`check`), or a request that got its response.
    @discardableResult
    public func recordSuccess(check: Bool) -> BackendHealth<ContinuousClock.Instant>.Transition? {
        // The common case, an up backend answering a request, touches no lock.
        if !check, self.isUp, !self.requestFailureCounted.load(ordering: .relaxed) { return nil }
        return self.health.withLock { health in
            let transition = health.recordSuccess(check: check)
            self.requestFailureCounted.store(health.hasRequestFailures, ordering: .relaxed)
            self.up.store(health.isUp, ordering: .relaxed)
            return transition
        }
    }

    /// Whether a probe may bring this down backend back now.
    public func isDueForProbe(at now: ContinuousClock.Instant = .now) -> Bool {
        self.health.withLock { $0.isDueForProbe(at: now) }
    }
}
