/// Picks a backend for a request that has no usable mapping. Every balancer honours the backends' weights and
/// skips the ones in `excluded`, down or draining.
public protocol Balancer: Sendable {
    /// A backend that takes new sessions, or `nil` when none does.
    func pick(from backends: [Backend], excluding excluded: Set<String>) -> Backend?
}

/// The balancing policy, `STICKY_BALANCE`.
public enum BalancePolicy: String, CaseIterable, Hashable, Sendable {
    /// Weighted round-robin, smooth (nginx's): each backend in turn, as often as its weight says.
    case roundRobin = "round-robin"
    /// The backend with the fewest requests in flight relative to its weight.
    case leastConnections = "least-connections"
    /// Power of two choices: two backends drawn at random by weight, the less loaded one wins.
    case randomTwo = "random-two"

    /// A balancer of this policy for `backends`.
    public func makeBalancer(for backends: [Backend]) -> any Balancer {
        switch self {
        case .roundRobin: RoundRobinBalancer(backends: backends)
        case .leastConnections: LeastConnectionsBalancer()
        case .randomTwo: RandomTwoBalancer()
        }
    }
}
