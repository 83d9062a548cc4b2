import Logging
import MemcachedStore
import NIOCore
import RedisStore
import StickyCore

extension RedisStore: ManagedStore {}
extension MemcachedStore: ManagedStore {}

/// Builds the shared store that `STICKY_STORE` names: the one place that knows every store module.
enum StoreFactory {
    static func make(
        _ location: StoreLocation,
        timeout: Duration,
        tracking: Bool = false,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) throws -> any ManagedStore {
        switch location {
        case .memory:
            preconditionFailure("the memory store is built by ProxyApplication")
        case .redis(let redis):
            var configuration = RedisStore.Configuration(host: redis.address.host, port: redis.address.port)
            configuration.username = redis.username
            configuration.password = redis.password
            configuration.database = redis.database
            configuration.timeout = timeout
            configuration.tracking = tracking
            return RedisStore(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        case .memcached(let servers):
            let configuration = MemcachedStore.Configuration(
                servers: servers.map { (host: $0.host, port: $0.port) },
                timeout: timeout
            )
            do {
                return try MemcachedStore(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
            } catch {
                throw StartupError(description: "STICKY_STORE: \(error)")
            }
        }
    }
}
