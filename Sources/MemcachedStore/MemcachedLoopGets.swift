import NIOCore
import StickyCore

/// The `get`s one event loop asks of memcached, sent in batches: the gets that arrive while a batch is out go
/// together in the next one, as one thread-pool job and one `memcached_mget`.
///
/// Under load the near-cache misses of a loop then share a thread hop, two wake-ups and a round trip, and no
/// get costs a timer of its own: one timer, armed for the earliest deadline of what waits, fails what is late
/// (and is re-armed rather than cancelled, so a batch that comes back in time costs no timer work at all). With
/// one batch out at a time, a loop holds at most one of the store's threads for gets; an idle loop sends a get at
/// once, alone.
///
/// Only ever touched on `eventLoop` (every entry point asserts it), which is what makes sharing the reference
/// safe without a lock.
final class MemcachedLoopGets: @unchecked Sendable {
    /// What one get comes to.
    typealias Answer = Result<StoredMapping?, StoreError>
    /// Runs one batch on the store's threads (`keys`, the last of their deadlines) and calls `done` there with an
    /// answer per key, in order.
    typealias Send = @Sendable (
        _ keys: [String],
        _ deadline: NIODeadline,
        _ done: @escaping @Sendable ([Answer]) -> Void
    ) -> Void

    private struct Waiting {
        let key: String
        let deadline: NIODeadline
        let promise: EventLoopPromise<StoredMapping?>
    }

    /// The most keys in one batch.
    static let maximumBatch = 64

    let eventLoop: any EventLoop
    private let send: Send
    /// Gets waiting for the batch that is out to come back.
    private var queued: [Waiting] = []
    /// The batch that is out (never empty while out); a get answered by the timer already is `nil`.
    private var out: [Waiting?] = []
    private var isBatchOut: Bool { !self.out.isEmpty }
    /// When the timer fires, if one is armed.
    private var timerDeadline: NIODeadline?

    init(eventLoop: any EventLoop, send: @escaping Send) {
        self.eventLoop = eventLoop
        self.send = send
    }

    /// The mapping under the memcached key `key`, or `.timeout` at `deadline`.
    func get(_ key: String, deadline: NIODeadline) -> EventLoopFuture<StoredMapping?> {
        self.eventLoop.assertInEventLoop()
        let promise = self.eventLoop.makePromise(of: StoredMapping?.self)
        self.queued.append(Waiting(key: key, deadline: deadline, promise: promise))
        self.armTimer(for: deadline)
        self.sendIfIdle()
        return promise.futureResult
    }

    private func sendIfIdle() {
        guard !self.isBatchOut, !self.queued.isEmpty else { return }
        let count = min(self.queued.count, Self.maximumBatch)
        let batch = self.queued[..<count]
        self.out = batch.map { $0 }
        self.queued.removeFirst(count)
        let deadline = batch.lazy.map(\.deadline).max()!
        let eventLoop = self.eventLoop
        self.send(batch.map(\.key), deadline) { answers in
            eventLoop.execute { self.batchReturned(answers) }
        }
    }

    private func batchReturned(_ answers: [Answer]) {
        self.eventLoop.assertInEventLoop()
        // Completing runs the callers' callbacks, which may ask for more: they queue, and go in the next batch.
        for (waiting, answer) in zip(self.out, answers) {
            waiting?.promise.completeWith(answer.mapError { $0 })
        }
        self.out = []
        self.sendIfIdle()
    }

    private func armTimer(for deadline: NIODeadline) {
        if let armed = self.timerDeadline, armed <= deadline { return }
        self.timerDeadline = deadline
        self.eventLoop.scheduleTask(deadline: deadline) { self.timerFired(at: deadline) }
    }

    /// Fails the gets whose deadline has come, and arms the timer for the earliest of the rest.
    private func timerFired(at deadline: NIODeadline) {
        self.eventLoop.assertInEventLoop()
        // A timer armed for an earlier deadline took over from this one.
        guard self.timerDeadline == deadline else { return }
        self.timerDeadline = nil
        let now = self.eventLoop.now
        var late: [Waiting] = []
        for index in self.out.indices {
            if let waiting = self.out[index], waiting.deadline <= now {
                late.append(waiting)
                self.out[index] = nil
            }
        }
        late += self.queued.filter { $0.deadline <= now }
        self.queued.removeAll { $0.deadline <= now }
        let next = (self.out.lazy.compactMap { $0?.deadline } + self.queued.lazy.map(\.deadline)).min()
        if let next {
            self.armTimer(for: next)
        }
        for waiting in late {
            waiting.promise.fail(StoreError.timeout)
        }
    }
}
