/// Stops calling a store that keeps failing, and lets one call through now and then to see whether it is back.
///
/// A pure state machine on an injected time line: every method takes `now` and returns a decision; the caller
/// does the calling. Closed, it lets every call through and counts consecutive failures; at
/// ``failureThreshold`` it opens. Open, it refuses calls until ``probeInterval`` has passed, then lets one through
/// as a probe (half-open). The probe's success closes it; its failure opens it for another interval. A probe
/// that has not reported after an interval is taken as lost, and the next call becomes the probe.
struct CircuitBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private enum State: Sendable {
        case closed(consecutiveFailures: Int)
        case open(nextProbe: Instant)
        case halfOpen(probeStarted: Instant)
    }

    /// What to do with a call.
    enum Decision: Hashable, Sendable {
        /// Call the store.
        case call
        /// Call the store, and report the result with `probe: true`.
        case probe
        /// Fail the call at once without calling the store.
        case reject
    }

    /// A change worth logging.
    enum Transition: Hashable, Sendable {
        case opened
        case closed
    }

    /// Consecutive failures that open the breaker.
    let failureThreshold: Int
    /// How long the breaker stays open before a probe, and how long a probe may stay unanswered.
    let probeInterval: Duration
    private var state: State = .closed(consecutiveFailures: 0)

    init(failureThreshold: Int, probeInterval: Duration) {
        precondition(failureThreshold > 0, "failureThreshold must be positive")
        precondition(probeInterval > .zero, "probeInterval must be positive")
        self.failureThreshold = failureThreshold
        self.probeInterval = probeInterval
    }

    /// Whether calls go through: not open, not probing.
    var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    /// A call arrives at `now`.
    mutating func acquire(now: Instant) -> Decision {
        switch self.state {
        case .closed:
            return .call
        case .open(let nextProbe):
            guard now >= nextProbe else { return .reject }
            self.state = .halfOpen(probeStarted: now)
            return .probe
        case .halfOpen(let probeStarted):
            guard now >= probeStarted.advanced(by: self.probeInterval) else { return .reject }
            self.state = .halfOpen(probeStarted: now)
            return .probe
        }
    }

    /// A call that ``acquire(now:)`` let through succeeded (`true`) or failed at `now`.
    ///
    /// While open or half-open, only the probe's result counts: the other results are of calls let through
    /// before the breaker opened, and say nothing newer.
    mutating func record(succeeded: Bool, probe: Bool, now: Instant) -> Transition? {
        switch self.state {
        case .closed(let failures):
            if succeeded {
                self.state = .closed(consecutiveFailures: 0)
                return nil
            }
            guard failures + 1 >= self.failureThreshold else {
                self.state = .closed(consecutiveFailures: failures + 1)
                return nil
            }
            self.state = .open(nextProbe: now.advanced(by: self.probeInterval))
            return .opened
        case .halfOpen where probe:
            if succeeded {
                self.state = .closed(consecutiveFailures: 0)
                return .closed
            }
            self.state = .open(nextProbe: now.advanced(by: self.probeInterval))
            return nil
        case .open, .halfOpen:
            return nil
        }
    }
}
