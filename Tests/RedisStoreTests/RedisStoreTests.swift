import Logging
import NIOCore
import NIOPosix
import StickyCore
import Testing

@testable import RedisStore

/// The store over real loopback sockets, without a Redis server: what happens when there is none, or when it
/// does not answer.
@Suite struct RedisStoreTests {
    private let key = StoreKey(rawValue: "k")

    private static func withStore(
        port: Int,
        _ body: (RedisStore, MultiThreadedEventLoopGroup) async throws -> Void
    ) async throws {
        try await TestRedis.withStore(
            RedisStore.Configuration(host: "127.0.0.1", port: port, timeout: .milliseconds(500)),
            body
        )
    }

    /// A port nothing listens on: bound, then closed.
    private static func closedPort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }

    private func error(of future: EventLoopFuture<StoredMapping?>) async -> StoreError? {
        do {
            _ = try await future.get()
            return nil
        } catch {
            return error as? StoreError
        }
    }

    @Test func failsWithUnavailableWhenNothingListensAndFailsFastWhileBackingOff() async throws {
        try await Self.withStore(port: try Self.closedPort()) { store, group in
            let loop = group.next()
            // A deadline far away: `.unavailable` (not `.timeout`) shows the calls did not wait for it.
            #expect(await self.error(of: store.get(self.key, deadline: .now() + .seconds(30), on: loop)) == .unavailable)
            #expect(await self.error(of: store.get(self.key, deadline: .now() + .seconds(30), on: loop)) == .unavailable)
        }
    }

    @Test func timesOutAtTheDeadlineWhenTheServerDoesNotAnswer() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        try await Self.withStore(port: silent.localAddress!.port!) { store, group in
            let loop = group.next()
            for _ in 0..<3 {
                let started = ContinuousClock.now
                #expect(
                    await self.error(of: store.get(self.key, deadline: .now() + .milliseconds(100), on: loop))
                        == .timeout
                )
                let took = ContinuousClock.now - started
                #expect(took >= .milliseconds(95), "took \(took)")
            }
        }
        try await silent.close()
    }

    @Test func aDeadlineAlreadyPastFailsAtOnce() async throws {
        try await Self.withStore(port: try Self.closedPort()) { store, group in
            #expect(await self.error(of: store.get(self.key, deadline: .now(), on: group.next())) == .timeout)
        }
    }

    @Test func aCallOnALoopOutsideTheGroupCompletesOnThatLoop() async throws {
        try await Self.withStore(port: try Self.closedPort()) { store, _ in
            let foreign = MultiThreadedEventLoopGroup.singleton.next()
            let future = store.get(self.key, deadline: .now() + .seconds(1), on: foreign)
            #expect(future.eventLoop === foreign)
            #expect(await self.error(of: future) == .unavailable)
        }
    }

    @Test func callsAfterShutdownFailWithShutdown() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let store = RedisStore(
            configuration: RedisStore.Configuration(host: "127.0.0.1", port: try Self.closedPort()),
            eventLoopGroup: group,
            logger: TestRedis.logger
        )
        await store.shutdown()
        #expect(
            await self.error(of: store.get(self.key, deadline: .now() + .seconds(1), on: group.next())) == .shutdown
        )
        try await group.shutdownGracefully()
    }
}
