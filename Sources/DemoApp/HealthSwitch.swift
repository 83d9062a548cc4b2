import Synchronization

/// The status a demo backend answers `/healthz` with, shared by all its connections; `POST /healthz?status=N`
/// changes it, so tests can make a live backend fail its health checks.
final class HealthSwitch: Sendable {
    private let status = Atomic<Int>(200)

    var current: Int { self.status.load(ordering: .relaxed) }

    func set(_ status: Int) {
        self.status.store(status, ordering: .relaxed)
    }
}
