/// The affinity decision: which backend a request goes to, given what the store said about its session.
///
/// Pure logic over the backend list and the balancer; the proxy performs the store calls it asks for.
public struct AffinityRouter: Sendable {
    /// What the store answered for the request's session.
    public enum Lookup: Sendable, Hashable {
        /// The request carried no session cookie.
        case noSession
        /// The store has no mapping.
        case absent
        /// The store has this mapping.
        case found(StoredMapping)
        /// The store did not answer.
        case failed
    }

    /// What to do with the request.
    public enum Route: Sendable {
        /// Send it to `backend`.
        case forward(Backend, AffinityDecision)
        /// Send it to `backend`, after moving the session's mapping there from `replacing` unless another replica
        /// moved it first (`reassign(from: stale, to: backend)`), in which case follow the winner.
        case claim(Backend, replacing: StoredMapping, AffinityDecision)
        /// The session's backend is down and fallback is off: 503.
        case unavailable
        /// No backend at all: 502.
        case noBackend
    }

    public let backends: [Backend]
    private let backendsByName: [String: Backend]
    private let balancer: any Balancer
    private let fallback: Bool

    public init(backends: [Backend], balancer: any Balancer, fallback: Bool) {
        self.backends = backends
        self.backendsByName = Dictionary(backends.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.balancer = balancer
        self.fallback = fallback
    }

    /// The backend called `name`, if it is configured.
    public func backend(named name: String) -> Backend? {
        self.backendsByName[name]
    }

    /// Routes a request whose session lookup gave `lookup`, avoiding the backends in `excluded`
    /// (ones this request already failed to connect to).
    public func route(_ lookup: Lookup, excluding excluded: Set<String> = []) -> Route {
        switch lookup {
        case .noSession:
            return self.pick(excluded).map { .forward($0, .new) } ?? .noBackend
        case .failed:
            return self.pick(excluded).map { .forward($0, .storeError) } ?? .noBackend
        case .absent:
            // Not claimed: a client could otherwise create store keys at will by sending made-up session IDs. The
            // backend's Set-Cookie records the session if it is (or becomes) a real one.
            return self.pick(excluded).map { .forward($0, .unknownSession) } ?? .noBackend
        case .found(let mapping):
            let recorded = self.backendsByName[mapping.backend].flatMap { excluded.contains($0.name) ? nil : $0 }
            // A draining backend keeps its sessions: only new ones go elsewhere.
            if let recorded, recorded.isUp {
                return .forward(recorded, .sticky)
            }
            guard self.fallback else { return .unavailable }
            var avoid = excluded
            avoid.insert(mapping.backend)
            if let other = self.pick(avoid) {
                return .claim(other, replacing: mapping, .fallback)
            }
            // Nothing else to go to: the recorded backend, even in its cooldown, is the only chance left.
            return recorded.map { .forward($0, .sticky) } ?? .noBackend
        }
    }

    /// The balancer's pick; when none is available, the first one not excluded anyway, preferring one that does not
    /// drain: a backend that failed a moment ago, or one draining, is a better bet than failing the request outright.
    private func pick(_ excluded: Set<String>) -> Backend? {
        self.balancer.pick(from: self.backends, excluding: excluded)
            ?? self.backends.first { !excluded.contains($0.name) && !$0.isDraining }
            ?? self.backends.first { !excluded.contains($0.name) }
    }
}
