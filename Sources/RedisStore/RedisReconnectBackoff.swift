/// How long a connection waits before it tries again: exponential, capped, with jitter.
///
/// The delay after `n` failures in a row is `min(initial × 2ⁿ, maximum)`, of which a random half is taken off
/// ("equal jitter"), so that the replicas of a fleet that lost Redis together do not reconnect in lockstep.
struct RedisReconnectBackoff: Hashable, Sendable {
    var initial: Duration = .milliseconds(50)
    var maximum: Duration = .seconds(2)

    /// The delay after `failures` failed attempts in a row (0 after a healthy connection dropped).
    /// - Parameter jitter: a number in `0..<1`; `Double.random(in: 0..<1)` outside tests.
    func delay(afterFailures failures: Int, jitter: Double) -> Duration {
        precondition((0..<1).contains(jitter), "jitter must be in 0..<1")
        // 2^32 × any sensible initial is past any sensible maximum: stop doubling there, long before it overflows.
        let doublings = min(max(failures, 0), 32)
        let base = min(self.initial * (Int64(1) << doublings), self.maximum)
        return base / 2 + (base / 2) * jitter
    }
}
