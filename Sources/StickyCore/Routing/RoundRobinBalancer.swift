import Synchronization

/// Weighted round-robin: each backend in turn, as often as its weight says, interleaved (nginx's smooth weighted
/// round-robin, computed once into a schedule that an atomic counter walks, so a pick takes no lock).
public final class RoundRobinBalancer: Balancer {
    /// Indices into the backend list, one cycle of the smooth weighted round-robin.
    private let schedule: [Int]
    private let next = Atomic<Int>(0)

    public init(backends: [Backend]) {
        self.schedule = Self.smoothSchedule(weights: backends.map(\.weight))
    }

    public func pick(from backends: [Backend], excluding excluded: Set<String>) -> Backend? {
        guard !self.schedule.isEmpty else { return nil }
        let start = self.next.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<self.schedule.count {
            let index = self.schedule[(start &+ offset) % self.schedule.count]
            guard index < backends.count else { continue }
            let backend = backends[index]
            if backend.isAvailableForNewSessions, !excluded.contains(backend.name) { return backend }
        }
        return nil
    }

    /// One cycle of nginx's smooth weighted round-robin: every step each backend gains its weight, the richest is
    /// picked and pays the total. `a:5, b:1, c:1` gives `a a b a c a a`, not `a a a a a b c`.
    static func smoothSchedule(weights: [Int]) -> [Int] {
        let total = weights.reduce(0, +)
        var current = Array(repeating: 0, count: weights.count)
        var schedule: [Int] = []
        schedule.reserveCapacity(total)
        for _ in 0..<total {
            var best = 0
            for index in weights.indices {
                current[index] += weights[index]
                if current[index] > current[best] { best = index }
            }
            current[best] -= total
            schedule.append(best)
        }
        return schedule
    }
}
