import Foundation
import Logging
import NIOCore
import NIOPosix
import StickyCore
import Synchronization
import Testing

@testable import RedisStore

/// The Redis server of the integration tests: `STICKY_TEST_REDIS_URL`, as `redis://[user:password@]host:port[/db]`.
///
/// Without it the integration tests fail when `CI=true`, and are skipped with a loud warning otherwise.
enum TestRedis {
    static let logger: Logger = {
        var logger = Logger(label: "redis-store-tests")
        logger.logLevel = .error
        return logger
    }()

    /// A deadline for test calls: generous, the machine may be busy.
    static var deadline: NIODeadline { .now() + .seconds(2) }

    /// The configured server, or `nil` (after recording an issue under CI, or printing a warning) when unset.
    static func configuration() -> RedisStore.Configuration? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["STICKY_TEST_REDIS_URL"], !url.isEmpty else {
            self.missing("STICKY_TEST_REDIS_URL is not set")
            return nil
        }
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host
        else {
            Issue.record("STICKY_TEST_REDIS_URL is not a redis:// URL: \(url)")
            return nil
        }
        return RedisStore.Configuration(
            host: host,
            port: components.port ?? 6379,
            username: components.user.flatMap { $0.isEmpty ? nil : $0 },
            password: components.password,
            database: Int(components.path.dropFirst()) ?? 0,
            timeout: .seconds(1)
        )
    }

    private static let warned = Mutex<Set<String>>([])

    /// Records a failure under `CI=true`; otherwise prints a warning nobody can miss (once per reason), and the
    /// test is skipped.
    static func missing(_ what: String) {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("\(what), and CI=true: the Redis integration tests must run in CI.")
        } else if Self.warned.withLock({ $0.insert(what).inserted }) {
            print(
                """
                ********************************************************************************
                WARNING: \(what): SKIPPING the Redis integration tests.
                Run them with e.g.: redis-server --port 6390 --save '' --appendonly no --daemonize yes
                                    STICKY_TEST_REDIS_URL=redis://127.0.0.1:6390 swift test
                ********************************************************************************
                """
            )
        }
    }

    /// Runs `body` with a store on a fresh event loop group, then shuts both down.
    static func withStore<Result>(
        _ configuration: RedisStore.Configuration,
        threads: Int = 2,
        _ body: (RedisStore, MultiThreadedEventLoopGroup) async throws -> Result
    ) async throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let store = RedisStore(configuration: configuration, eventLoopGroup: group, logger: Self.logger)
        let result: Result
        do {
            result = try await body(store, group)
        } catch {
            await store.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        await store.shutdown()
        try await group.shutdownGracefully()
        return result
    }

    /// A key of its own for each test, so that tests can share a server.
    static func uniqueKey(_ name: String = #function) -> StoreKey {
        StoreKey(rawValue: "sticky-test:\(UUID().uuidString):\(name)")
    }
}

extension RedisStore {
    /// Any command, for checks through the back door (`TTL`, `MEMORY USAGE`, `ACL`).
    func command(_ arguments: String..., on eventLoop: (any EventLoop)? = nil) async throws -> RedisValue {
        try await self.send(
            RedisCommand(arguments),
            deadline: TestRedis.deadline,
            on: eventLoop ?? self.eventLoopGroup.next()
        ).get()
    }
}
