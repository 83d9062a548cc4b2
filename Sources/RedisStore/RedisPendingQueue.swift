import DequeModule
import NIOCore
import StickyCore

/// Requests in order, each with a deadline, and the one timer that enforces those deadlines.
///
/// A request that times out is failed with ``StoreError/timeout`` but keeps its slot as a placeholder (its
/// promise is gone), so that a reply that still comes for it is matched to the placeholder and dropped, never
/// handed to the request behind it. One timer per queue, armed at the earliest deadline, replaces a timer per
/// request: cancelling an event loop timer costs a scan of all of the loop's timers.
///
/// Pure: it decides, its owner fails the promises it hands back and arms the timer it asks for.
struct RedisPendingQueue<Payload> {
    struct Entry {
        var payload: Payload
        /// `nil` once the request timed out: a placeholder.
        var promise: EventLoopPromise<RedisValue>?
        var deadline: NIODeadline
    }

    private var entries: Deque<Entry> = []
    /// The deadline the owner's timer is armed at, if it is armed.
    private var armedDeadline: NIODeadline?

    var isEmpty: Bool { self.entries.isEmpty }
    /// Entries, placeholders included.
    var count: Int { self.entries.count }
    /// Entries that timed out and still wait for their late reply.
    private(set) var placeholders = 0
    /// Whether any entry is still waiting, not a placeholder. O(n).
    var hasWaitingRequests: Bool { self.entries.contains { $0.promise != nil } }

    /// Adds a request at the back. Returns a deadline when the timer must be (re-)armed there: it was not armed,
    /// or only for a later deadline. The owner cancels the timer it had, if any.
    mutating func append(
        _ payload: Payload,
        promise: EventLoopPromise<RedisValue>,
        deadline: NIODeadline
    )
        -> NIODeadline?
    {
        self.entries.append(Entry(payload: payload, promise: promise, deadline: deadline))
        if let armed = self.armedDeadline, armed <= deadline { return nil }
        self.armedDeadline = deadline
        return deadline
    }

    /// Removes the oldest entry, a placeholder or not.
    mutating func popFirst() -> Entry? {
        let first = self.entries.popFirst()
        if let first, first.promise == nil {
            self.placeholders -= 1
        }
        return first
    }

    /// The timer went off: turns every request whose deadline is at or before `now` into a placeholder and
    /// returns their promises, to be failed with ``StoreError/timeout``, and where to arm the timer next.
    mutating func timerFired(now: NIODeadline) -> (expired: [EventLoopPromise<RedisValue>], rearm: NIODeadline?) {
        var expired: [EventLoopPromise<RedisValue>] = []
        var next: NIODeadline?
        for index in self.entries.indices {
            guard let promise = self.entries[index].promise else { continue }
            let deadline = self.entries[index].deadline
            if deadline <= now {
                expired.append(promise)
                self.entries[index].promise = nil
                self.placeholders += 1
            } else if next.map({ deadline < $0 }) ?? true {
                next = deadline
            }
        }
        self.armedDeadline = next
        return (expired, next)
    }

    /// Empties the queue; returns the promises still waiting, to be failed. The owner cancels its timer.
    mutating func removeAll() -> [EventLoopPromise<RedisValue>] {
        let promises = self.entries.compactMap(\.promise)
        self.entries.removeAll()
        self.placeholders = 0
        self.armedDeadline = nil
        return promises
    }
}
