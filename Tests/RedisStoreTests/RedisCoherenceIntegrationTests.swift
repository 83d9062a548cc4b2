import Foundation
import NIOCore
import NIOPosix
import StickyCore
import Synchronization
import Testing

@testable import RedisStore

/// Client-side caching against a `redis-server` of each test's own (``ThrowawayRedisServer``): the tests flush it,
/// kill its clients and pause it, which a shared server must not see. They run when `STICKY_TEST_REDIS_URL` is set,
/// like every integration test (and fail under `CI=true` when it is not).
@Suite(.serialized) struct RedisCoherenceIntegrationTests {
    private let web1 = StoredMapping(backend: "web1", slides: false)
    private let web2 = StoredMapping(backend: "web2", slides: false)

    @Test func aKeyReadOnALoopIsReportedWhenAnotherClientChangesIt() async throws {
        try await Self.withTrackedStore { store, loop, events, writer in
            let key = TestRedis.uniqueKey()
            _ = try await store.get(key, deadline: TestRedis.deadline, on: loop).get()
            try await Self.put(key, self.web1, through: writer, on: loop)
            #expect(await events.wait { $0.last == .invalidated([key]) })
            #expect(events.onLoop)
        }
    }

    @Test func aKeyNotReadIsNotReportedAndTheLoopsOwnWriteIsReportedOnceByTheStore() async throws {
        try await Self.withTrackedStore { store, loop, events, writer in
            let read = TestRedis.uniqueKey()
            let notRead = TestRedis.uniqueKey()
            let written = TestRedis.uniqueKey()
            _ = try await store.get(read, deadline: TestRedis.deadline, on: loop).get()
            _ = try await store.get(written, deadline: TestRedis.deadline, on: loop).get()
            // The store's own write: Redis does not report it (NOLOOP) but stops tracking the key, so the store
            // reports it itself, once.
            let before = events.count
            try await Self.put(written, self.web1, through: store, on: loop)
            #expect(await events.wait { $0.count > before })
            #expect(Array(events.all[before...]) == [.invalidated([written])])
            // A key nobody read on the loop: nothing. The listener hears in order, so once the change to `read` is
            // reported, a report about `notRead` would have come before it.
            try await Self.put(notRead, self.web1, through: writer, on: loop)
            try await Self.put(read, self.web1, through: writer, on: loop)
            #expect(await events.wait { $0.last == .invalidated([read]) })
            #expect(Array(events.all[before...]) == [.invalidated([written]), .invalidated([read])])
            // The written key is no longer tracked (until read again): Redis says nothing about it any more.
            try await Self.put(written, self.web2, through: writer, on: loop)
            _ = try await store.get(read, deadline: TestRedis.deadline, on: loop).get()
            try await writer.delete(read, deadline: TestRedis.deadline, on: loop).get()
            #expect(await events.wait { $0.count == before + 3 })
            #expect(events.all.last == .invalidated([read]))
        }
    }

    @Test func aFlushIsReportedAsEverything() async throws {
        try await Self.withTrackedStore { store, loop, events, writer in
            _ = try await store.get(TestRedis.uniqueKey(), deadline: TestRedis.deadline, on: loop).get()
            _ = try await writer.command("FLUSHDB")
            #expect(await events.wait { $0.last == .invalidatedAll })
        }
    }

    @Test func aKilledListenerIsReportedAndTrackingComesBack() async throws {
        try await Self.withTrackedStore { store, loop, events, writer in
            let before = events.count
            _ = try await writer.command("CLIENT", "KILL", "TYPE", "pubsub")
            #expect(await events.wait { Array($0[before...]) == [.untracked, .tracked] })
            let key = TestRedis.uniqueKey()
            _ = try await store.get(key, deadline: TestRedis.deadline, on: loop).get()
            try await Self.put(key, self.web1, through: writer, on: loop)
            #expect(await events.wait { $0.last == .invalidated([key]) })
        }
    }

    @Test func aKilledDataConnectionIsReportedAndTrackingComesBack() async throws {
        try await Self.withTrackedStore { store, loop, events, writer in
            let before = events.count
            _ = try await writer.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            #expect(await events.wait { $0.count > before })
            #expect(events.all[before] == .untracked)
            // The data connection reconnects on the next call.
            let key = TestRedis.uniqueKey()
            #expect(await Self.retrackAfterReconnect(store, key: key, loop: loop, events: events))
            _ = try await store.get(key, deadline: TestRedis.deadline, on: loop).get()
            try await Self.put(key, self.web1, through: writer, on: loop)
            #expect(await events.wait { $0.last == .invalidated([key]) })
        }
    }

    @Test func aPausedServerIsReportedByTheListenersPing() async throws {
        var configuration = RedisStore.Configuration(timeout: .milliseconds(300))
        configuration.trackingPingInterval = .milliseconds(200)
        try await Self.withTrackedStore(configuration) { store, loop, events, writer, server in
            let before = events.count
            server.pause()
            let untracked = await events.wait { $0.count > before }
            server.resume()
            #expect(untracked)
            #expect(events.all[before...].first == .untracked)
            #expect(await events.wait { $0.last == .tracked })
        }
    }

    @Test func withTrackingOffNothingIsReportedAndNoListenerConnects() async throws {
        guard TestRedis.configuration() != nil else { return }
        guard let server = try ThrowawayRedisServer.start() else { return }
        defer { server.stop() }
        let configuration = RedisStore.Configuration(
            port: server.port,
            timeout: .seconds(1),
            tracking: false
        )
        try await TestRedis.withStore(configuration, threads: 1) { store, group in
            let loop = group.next()
            let events = CoherenceEvents(loop: loop)
            store.watchCoherence(on: loop, events.handler)
            let key = TestRedis.uniqueKey()
            _ = try await store.get(key, deadline: TestRedis.deadline, on: loop).get()
            try await Self.put(key, self.web1, through: store, on: loop)
            _ = try await store.command("SET", key.rawValue, "~web2")
            #expect(try await store.command("CLIENT", "LIST", "TYPE", "pubsub") == .bulkString(""))
            #expect(await !events.wait(for: .milliseconds(300)) { !$0.isEmpty })
        }
    }

    @Test func shutdownReportsUntrackedAndClosesTheListeners() async throws {
        guard TestRedis.configuration() != nil else { return }
        guard let server = try ThrowawayRedisServer.start() else { return }
        defer { server.stop() }
        let configuration = RedisStore.Configuration(port: server.port, timeout: .seconds(1))
        let events = try await TestRedis.withStore(configuration, threads: 2) { store, group in
            let loop = group.next()
            let events = CoherenceEvents(loop: loop)
            store.watchCoherence(on: loop, events.handler)
            #expect(await events.wait { $0 == [.tracked] })
            return events
        }
        #expect(events.all == [.tracked, .untracked])
        try await TestRedis.withStore(
            RedisStore.Configuration(port: server.port, tracking: false),
            threads: 1
        ) {
            store,
            _ in
            var pubsub = try await store.command("CLIENT", "LIST", "TYPE", "pubsub")
            for _ in 0..<50 where pubsub != .bulkString("") {
                try await Task.sleep(for: .milliseconds(20))
                pubsub = try await store.command("CLIENT", "LIST", "TYPE", "pubsub")
            }
            #expect(pubsub == .bulkString(""))
        }
    }

    // MARK: Helpers

    /// Maps `key` to `mapping` for a minute, written by `client` on `loop`.
    private static func put(
        _ key: StoreKey,
        _ mapping: StoredMapping,
        through client: RedisStore,
        on loop: any EventLoop
    ) async throws {
        try await client.set(key, to: mapping, ttl: .seconds(60), deadline: TestRedis.deadline, on: loop).get()
    }

    /// Calls on `loop` until its data connection is back and tracked again.
    private static func retrackAfterReconnect(
        _ store: RedisStore,
        key: StoreKey,
        loop: any EventLoop,
        events: CoherenceEvents
    ) async -> Bool {
        for _ in 0..<100 {
            _ = try? await store.get(key, deadline: TestRedis.deadline, on: loop).get()
            if await events.wait(for: .milliseconds(100), { $0.last == .tracked }) { return true }
        }
        return false
    }

    private static func withTrackedStore(
        _ body: (RedisStore, any EventLoop, CoherenceEvents, RedisStore) async throws -> Void
    ) async throws {
        try await Self.withTrackedStore(RedisStore.Configuration(timeout: .seconds(1))) {
            store,
            loop,
            events,
            writer,
            _ in
            try await body(store, loop, events, writer)
        }
    }

    /// A store on a throwaway server, watched on one of its loops until it reported `tracked`, and a second store
    /// (tracking off) to change keys from another client.
    private static func withTrackedStore(
        _ configuration: RedisStore.Configuration,
        _ body: (RedisStore, any EventLoop, CoherenceEvents, RedisStore, ThrowawayRedisServer)
            async throws -> Void
    ) async throws {
        guard TestRedis.configuration() != nil else { return }
        guard let server = try ThrowawayRedisServer.start() else { return }
        defer { server.stop() }
        var configuration = configuration
        configuration.port = server.port
        var writerConfiguration = configuration
        writerConfiguration.tracking = false
        writerConfiguration.timeout = .seconds(1)
        try await TestRedis.withStore(writerConfiguration, threads: 1) { writer, _ in
            try await TestRedis.withStore(configuration, threads: 2) { store, group in
                let loop = group.next()
                let events = CoherenceEvents(loop: loop)
                store.watchCoherence(on: loop, events.handler)
                // Tracked at startup, before any call on the loop.
                try #require(await events.wait { $0 == [.tracked] })
                try await body(store, loop, events, writer, server)
            }
        }
    }
}

/// What a loop heard, and whether every report came on that loop.
final class CoherenceEvents: Sendable {
    private let loop: any EventLoop
    private let state = Mutex<(events: [StoreCoherence], onLoop: Bool)>(([], true))

    init(loop: any EventLoop) {
        self.loop = loop
    }

    var handler: @Sendable (StoreCoherence) -> Void {
        { [self] event in
            let onLoop = self.loop.inEventLoop
            self.state.withLock {
                $0.events.append(event)
                $0.onLoop = $0.onLoop && onLoop
            }
        }
    }

    var all: [StoreCoherence] { self.state.withLock { $0.events } }
    var count: Int { self.all.count }
    var onLoop: Bool { self.state.withLock { $0.onLoop } }

    /// Whether `condition` held within `timeout` (generous: the machine may be busy).
    func wait(
        for timeout: Duration = .seconds(10),
        _ condition: ([StoreCoherence]) -> Bool
    ) async
        -> Bool
    {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if condition(self.all) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self.all)
    }
}
