import NIOCore
import Synchronization

/// Picks a backend for a request that has no (usable) mapping: the next available backend in turn.
public final class RoundRobinBalancer: Sendable {
    private let next = Atomic<Int>(0)

    public init() {}

    /// The next available backend at `now` that is not in `excluded`, or `nil` when there is none.
    ///
    /// When every candidate is in its cooldown, the next candidate in turn is returned anyway: a backend that
    /// refused a connection a moment ago is a better bet than failing the request outright.
    public func pick(from backends: [Backend], at now: NIODeadline, excluding excluded: Set<String> = []) -> Backend? {
        guard !backends.isEmpty else { return nil }
        let start = self.next.wrappingAdd(1, ordering: .relaxed).oldValue
        var fallback: Backend?
        for offset in 0..<backends.count {
            let backend = backends[(start &+ offset) % backends.count]
            if excluded.contains(backend.name) { continue }
            if backend.isAvailable(at: now) { return backend }
            if fallback == nil { fallback = backend }
        }
        return fallback
    }
}
