import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import StickyCore

@Suite struct FailOpenStoreTests {
    private let loop = EmbeddedEventLoop()
    private let clock = FailOpenManualClock()
    private let inner = FailOpenScriptedStore()
    private let key = StoreKey(rawValue: "k")

    private func makeStore() -> FailOpenStore {
        let clock = self.clock
        return FailOpenStore(wrapping: self.inner, now: { clock.now }, logger: Logger(label: "test"))
    }

    /// The error `get` fails with, or `nil` when it succeeds.
    private func getError(_ store: FailOpenStore) throws -> StoreError? {
        do {
            _ = try store.get(self.key, deadline: .now() + .seconds(1), on: self.loop).wait()
            return nil
        } catch let error as StoreError {
            return error
        }
    }

    @Test func passesFailuresThroughUnchangedAndOpensAfterFiveInARow() throws {
        let store = self.makeStore()
        self.inner.failure.withLock { $0 = .timeout }
        for _ in 0..<4 {
            #expect(try self.getError(store) == .timeout)
        }
        #expect(store.state == .healthy)
        #expect(try self.getError(store) == .timeout)
        #expect(store.state == .degraded)
        #expect(self.inner.calls.withLock { $0 } == 5)

        // Open: refused at once, the store is not called.
        for _ in 0..<10 {
            #expect(try self.getError(store) == .circuitOpen)
        }
        #expect(self.inner.calls.withLock { $0 } == 5)
    }

    @Test func probesOncePerSecondAndCloseOnSuccess() throws {
        let store = self.makeStore()
        self.inner.failure.withLock { $0 = .unavailable }
        for _ in 0..<5 { _ = try self.getError(store) }
        #expect(store.state == .degraded)

        self.clock.advance(by: .milliseconds(999))
        #expect(try self.getError(store) == .circuitOpen)
        self.clock.advance(by: .milliseconds(1))
        // The probe goes to the store, and fails.
        #expect(try self.getError(store) == .unavailable)
        #expect(self.inner.calls.withLock { $0 } == 6)
        #expect(try self.getError(store) == .circuitOpen)
        #expect(store.state == .degraded)

        // A second later, the store is back: the probe succeeds and closes the breaker.
        self.inner.failure.withLock { $0 = nil }
        self.clock.advance(by: .seconds(1))
        #expect(try self.getError(store) == nil)
        #expect(store.state == .healthy)
        #expect(try self.getError(store) == nil)
        #expect(self.inner.calls.withLock { $0 } == 8)
    }

    /// One memcached server out of several is down: its keys fail, the others answer. That is not the store
    /// failing, and must not stop the calls for the keys that live on the servers still up.
    @Test func aServerOfSeveralBeingDownDoesNotOpenTheBreaker() throws {
        let store = self.makeStore()
        self.inner.failure.withLock { $0 = .serverUnavailable }
        for _ in 0..<20 {
            #expect(try self.getError(store) == .serverUnavailable)
        }
        #expect(store.state == .healthy)
        #expect(self.inner.calls.withLock { $0 } == 20)
        self.inner.failure.withLock { $0 = nil }
        #expect(try self.getError(store) == nil)
    }

    @Test func aSuccessInBetweenKeepsItClosed() throws {
        let store = self.makeStore()
        for round in 0..<20 {
            self.inner.failure.withLock { $0 = round % 5 == 4 ? nil : .timeout }
            _ = try self.getError(store)
        }
        #expect(store.state == .healthy)
    }

    @Test func forwardsEveryCallToTheInnerStore() throws {
        let store = self.makeStore()
        let mapping = StoredMapping(backend: "web1", slides: false)
        let deadline = NIODeadline.now() + .seconds(1)
        try store.set(self.key, to: mapping, ttl: .seconds(1), deadline: deadline, on: self.loop).wait()
        #expect(try store.get(self.key, deadline: deadline, on: self.loop).wait() == mapping)
        try store.refresh(self.key, ttl: .seconds(1), deadline: deadline, on: self.loop).wait()
        #expect(
            try store.reassign(self.key, from: nil, to: mapping, ttl: .seconds(1), deadline: deadline, on: self.loop)
                .wait() == mapping
        )
        try store.delete(self.key, deadline: deadline, on: self.loop).wait()
        #expect(self.inner.calls.withLock { $0 } == 5)
    }

    @Test func warnsAtMostOncePerIntervalWithTheCountSince() {
        var limiter = FailOpenStore.WarningLimiter(interval: .seconds(10))
        let start = self.clock.now
        #expect(limiter.failed(at: start) == 1)
        #expect(limiter.failed(at: start.advanced(by: .seconds(1))) == nil)
        #expect(limiter.failed(at: start.advanced(by: .seconds(9))) == nil)
        #expect(limiter.failed(at: start.advanced(by: .seconds(10))) == 3)
        #expect(limiter.failed(at: start.advanced(by: .seconds(11))) == nil)
        #expect(limiter.failed(at: start.advanced(by: .seconds(25))) == 2)
    }
}

/// A clock that moves only when the test says so.
private final class FailOpenManualClock: Clock {
    typealias Instant = ContinuousClock.Instant
    private let current = Mutex(ContinuousClock.now)

    var now: Instant { self.current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func advance(by duration: Duration) {
        self.current.withLock { $0 = $0.advanced(by: duration) }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        preconditionFailure("FailOpenManualClock does not sleep")
    }
}

/// A store that answers at once, from a one-entry memory, or fails as told; and counts its calls.
private final class FailOpenScriptedStore: StoreBackend {
    let failure = Mutex<StoreError?>(nil)
    let calls = Mutex(0)
    private let stored = Mutex<StoredMapping?>(nil)

    private func answer<Value>(_ value: @autoclosure () -> Value, on eventLoop: any EventLoop) -> EventLoopFuture<Value>
    where Value: Sendable {
        self.calls.withLock { $0 += 1 }
        if let failure = self.failure.withLock({ $0 }) { return eventLoop.makeFailedFuture(failure) }
        return eventLoop.makeSucceededFuture(value())
    }

    func get(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<StoredMapping?> {
        self.answer(self.stored.withLock { $0 }, on: eventLoop)
    }

    func set(
        _ key: StoreKey,
        to mapping: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<Void>
    {
        self.answer(self.stored.withLock { $0 = mapping }, on: eventLoop)
    }

    func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        self.answer(self.stored.withLock { $0 = nil }, on: eventLoop)
    }

    func refresh(
        _ key: StoreKey,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<Void>
    {
        self.answer((), on: eventLoop)
    }

    func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping> {
        self.answer(
            self.stored.withLock { stored in
                if stored == nil || stored == stale { stored = replacement }
                return stored!
            },
            on: eventLoop
        )
    }
}
