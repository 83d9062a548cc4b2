import Logging
import NIOCore
import NIOPosix
import StickyCore

@testable import MemcachedStore

/// Keys shaped like the proxy's (`prefix + cookie name + ":" + 43 base64url characters`), unique per
/// test run so that tests sharing servers never see each other's data.
enum TestKeys {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func digest() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<43).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func key(prefix: String = "sticky:test:") -> StoreKey {
        StoreKey(rawValue: prefix + "connect.sid:" + digest())
    }
}

let testLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()

func deadline(_ duration: TimeAmount = .seconds(2)) -> NIODeadline {
    .now() + duration
}

func makeConfiguration(
    _ servers: [(host: String, port: Int)],
    timeout: Duration = .milliseconds(50),
    poolSize: Int = 4,
    retryTimeout: Duration = .seconds(1)
) -> MemcachedStore.Configuration {
    MemcachedStore.Configuration(servers: servers, timeout: timeout, poolSize: poolSize, retryTimeout: retryTimeout)
}

/// Runs `body` with a store on `configuration` and shuts the store down afterwards, whatever happens.
@discardableResult
func withStore<Result>(
    _ configuration: MemcachedStore.Configuration,
    _ body: (MemcachedStore) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "test.memcached")
    logger.logLevel = .info
    // The loop tests call on is one of the group's, so their gets go in batches, as the proxy's do.
    let store = try MemcachedStore(
        configuration: configuration,
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        logger: logger
    )
    do {
        let result = try await body(store)
        await store.shutdown()
        return result
    } catch {
        await store.shutdown()
        throw error
    }
}

/// Elapsed wall time of `body`, and its result.
func timed<Result>(_ body: () async throws -> Result) async rethrows -> (Result, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    return (result, clock.now - start)
}

/// The outcome of a store call, with errors kept as values.
func outcome<Value: Sendable>(_ future: EventLoopFuture<Value>) async -> Result<Value, StoreError> {
    do {
        return .success(try await future.get())
    } catch let error as StoreError {
        return .failure(error)
    } catch {
        return .failure(.protocolError)
    }
}

func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

extension Duration {
    var microseconds: Double {
        Double(self.components.seconds) * 1e6 + Double(self.components.attoseconds) / 1e12
    }
}
