/// Whether a backend takes requests, from active health checks and from passive failures: a pure state machine
/// on an injected clock.
///
/// - Up: `fall` failures in a row (failed checks, refused or timed-out connections, resets before a response)
///   take it down. A success in between starts the count again.
/// - Down: it takes no requests. It is probed (a health check, or a TCP connect when active checks are off) once
///   its cooldown has passed; `rise` successful probes in a row bring it back.
public struct BackendHealth<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The thresholds.
    public struct Policy: Hashable, Sendable {
        /// Successful probes in a row that bring a down backend back.
        public var rise: Int
        /// Failures in a row that take an up backend down.
        public var fall: Int
        /// How long a backend stays down before the first probe.
        public var cooldown: Duration

        public init(rise: Int, fall: Int, cooldown: Duration) {
            precondition(rise >= 1 && fall >= 1, "rise and fall are at least 1")
            self.rise = rise
            self.fall = fall
            self.cooldown = cooldown
        }
    }

    /// A change of status, for the log.
    public enum Transition: Hashable, Sendable {
        case wentDown
        case cameUp
    }

    private enum State: Sendable {
        /// Failures in a row, counted apart: a backend may answer requests yet fail its health checks, or the
        /// other way round, and either kind of success must not hide the other kind of failure.
        case up(checkFailures: Int, requestFailures: Int)
        case down(since: Instant, successes: Int)
    }

    public let policy: Policy
    private var state: State = .up(checkFailures: 0, requestFailures: 0)

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Whether the backend takes requests.
    public var isUp: Bool {
        if case .up = self.state { return true }
        return false
    }

    /// Whether a down backend's cooldown has passed, so that a probe may bring it back.
    public func isDueForProbe(at now: Instant) -> Bool {
        guard case .down(let since, _) = self.state else { return false }
        return since.advanced(by: self.policy.cooldown) <= now
    }

    /// A health check failed (`check`), or a request did: refused, timed out, reset before a response.
    public mutating func recordFailure(at now: Instant, check: Bool) -> Transition? {
        switch self.state {
        case .up(let checkFailures, let requestFailures):
            let checks = checkFailures + (check ? 1 : 0)
            let requests = requestFailures + (check ? 0 : 1)
            if max(checks, requests) >= self.policy.fall {
                self.state = .down(since: now, successes: 0)
                return .wentDown
            }
            self.state = .up(checkFailures: checks, requestFailures: requests)
            return nil
        case .down:
            // Still failing: the cooldown starts again, and so does the count of successes.
            self.state = .down(since: now, successes: 0)
            return nil
        }
    }

    /// A health check or probe passed (`check`), or a request got its response. While down, only checks count
    /// (a request cannot reach a down backend, but one already in flight may finish after it went down).
    public mutating func recordSuccess(check: Bool) -> Transition? {
        switch self.state {
        case .up(let checkFailures, let requestFailures):
            self.state = check
                ? .up(checkFailures: 0, requestFailures: requestFailures)
                : .up(checkFailures: checkFailures, requestFailures: 0)
            return nil
        case .down(let since, let successes):
            guard check else { return nil }
            if successes + 1 >= self.policy.rise {
                self.state = .up(checkFailures: 0, requestFailures: 0)
                return .cameUp
            }
            self.state = .down(since: since, successes: successes + 1)
            return nil
        }
    }

    /// Whether a request's success would change anything: only after a request failure while up.
    public var hasRequestFailures: Bool {
        if case .up(_, let requestFailures) = self.state { return requestFailures > 0 }
        return false
    }
}
