import Synchronization

/// The backend with the fewest requests in flight relative to its weight; ties go round-robin.
public final class LeastConnectionsBalancer: Balancer {
    private let tieBreak = Atomic<Int>(0)

    public init() {}

    public func pick(from backends: [Backend], excluding excluded: Set<String>) -> Backend? {
        guard !backends.isEmpty else { return nil }
        let start = self.tieBreak.wrappingAdd(1, ordering: .relaxed).oldValue
        var best: Backend?
        for offset in 0..<backends.count {
            let backend = backends[(start &+ offset) % backends.count]
            guard backend.isAvailableForNewSessions, !excluded.contains(backend.name) else { continue }
            if let current = best, !Self.isLessLoaded(backend, than: current) { continue }
            best = backend
        }
        return best
    }

    /// `a` carries less per unit of weight than `b`: `a.active / a.weight < b.active / b.weight`.
    static func isLessLoaded(_ a: Backend, than b: Backend) -> Bool {
        a.activeRequests * b.weight < b.activeRequests * a.weight
    }
}
