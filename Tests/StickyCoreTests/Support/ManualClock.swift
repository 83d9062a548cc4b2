import Synchronization

/// A clock for tests whose time moves only when the test calls ``advance(by:)`` or ``advance(to:)``, so code
/// with a TTL, a timeout or a backoff can be tested without sleeping.
///
/// It is safe to read and advance from any thread. `sleep(until:)` suspends until the clock is advanced to the
/// deadline (or the task is cancelled, which throws `CancellationError`).
final class ManualClock: Clock, Sendable {
    /// A point on the manual clock: how far it is from the clock's origin.
    struct Instant: InstantProtocol {
        var offset: Duration

        init(offset: Duration) {
            self.offset = offset
        }

        func advanced(by duration: Duration) -> Instant {
            Instant(offset: self.offset + duration)
        }

        func duration(to other: Instant) -> Duration {
            other.offset - self.offset
        }

        static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Instant
        var nextSleeperID = 0
        var sleepers: [Int: Sleeper] = [:]
        /// Sleepers cancelled before they were registered.
        var cancelled: Set<Int> = []
    }

    private let state: Mutex<State>

    /// A clock that reads `now` until it is advanced.
    init(now: Instant = Instant(offset: .zero)) {
        self.state = Mutex(State(now: now))
    }

    var now: Instant { self.state.withLock { $0.now } }

    var minimumResolution: Duration { .nanoseconds(1) }

    /// How many `sleep` calls are waiting for the clock to move.
    var sleeperCount: Int { self.state.withLock { $0.sleepers.count } }

    /// Moves the clock forward by `duration` and wakes the sleepers whose deadline it reaches.
    func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock does not go back")
        self.advance(to: self.state.withLock { $0.now }.advanced(by: duration))
    }

    /// Moves the clock to `instant`, which must not be in its past, and wakes the sleepers it reaches.
    func advance(to instant: Instant) {
        let due = self.state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            precondition(instant >= state.now, "a clock does not go back")
            state.now = instant
            let dueIDs = state.sleepers.filter { $0.value.deadline <= instant }.map(\.key)
            return dueIDs.compactMap { state.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due {
            continuation.resume()
        }
    }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = self.state.withLock { state in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        defer { _ = self.state.withLock { $0.cancelled.remove(id) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate = self.state.withLock { state -> Result<Void, any Error>? in
                    if state.cancelled.contains(id) { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            let continuation = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper.continuation }
                state.cancelled.insert(id)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
