import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The admin listener (loopback by default): health and readiness for orchestrators.
final class AdminServer: Service {
    private let group: MultiThreadedEventLoopGroup
    private let address: SocketAddressSpec
    private let storeHealth: @Sendable () -> StoreHealth
    private let logger: Logger

    init(
        group: MultiThreadedEventLoopGroup,
        address: SocketAddressSpec,
        storeHealth: @escaping @Sendable () -> StoreHealth,
        logger: Logger
    ) {
        self.group = group
        self.address = address
        self.storeHealth = storeHealth
        self.logger = logger
    }

    func run() async throws {
        let storeHealth = self.storeHealth
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(storeHealth: storeHealth))
                }
            }
            .bind(host: self.address.host, port: self.address.port)
            .get()
        self.logger.notice("admin listening", metadata: ["admin.address": "\(self.address)"])
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}
