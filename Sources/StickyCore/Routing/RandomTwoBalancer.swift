/// Power of two choices: two candidates drawn at random in proportion to their weights; the one with fewer
/// requests in flight per unit of weight wins. Nearly as even as least-connections, without every replica and
/// event loop herding onto the same idle backend.
public final class RandomTwoBalancer: Balancer {
    public init() {}

    public func pick(from backends: [Backend], excluding excluded: Set<String>) -> Backend? {
        var generator = SystemRandomNumberGenerator()
        return self.pick(from: backends, excluding: excluded, using: &generator)
    }

    func pick(
        from backends: [Backend],
        excluding excluded: Set<String>,
        using generator: inout some RandomNumberGenerator
    ) -> Backend? {
        let candidates = backends.filter { $0.isAvailableForNewSessions && !excluded.contains($0.name) }
        guard let first = Self.draw(from: candidates, using: &generator) else { return nil }
        guard candidates.count > 1 else { return first }
        let others = candidates.filter { $0 !== first }
        guard let second = Self.draw(from: others, using: &generator) else { return first }
        return LeastConnectionsBalancer.isLessLoaded(second, than: first) ? second : first
    }

    private static func draw(from candidates: [Backend], using generator: inout some RandomNumberGenerator) -> Backend? {
        let total = candidates.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        var ticket = Int.random(in: 0..<total, using: &generator)
        for candidate in candidates {
            if ticket < candidate.weight { return candidate }
            ticket -= candidate.weight
        }
        return candidates.last
    }
}
