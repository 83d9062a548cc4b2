import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The admin listener (loopback by default): health, readiness, backends and metrics for operators and
/// orchestrators. It stops after the client listener has drained, so `/readyz` reports the drain.
final class AdminServer: Service {
    private let group: MultiThreadedEventLoopGroup
    private let address: SocketAddressSpec
    private let status: AdminStatus
    private let logger: Logger

    init(group: MultiThreadedEventLoopGroup, address: SocketAddressSpec, status: AdminStatus, logger: Logger) {
        self.group = group
        self.address = address
        self.status = status
        self.logger = logger
    }

    func run() async throws {
        let status = self.status
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(status: status))
                }
            }
            .bind(host: self.address.host, port: self.address.port)
            .get()
        self.logger.notice("admin listening", metadata: ["admin.address": "\(self.address)"])
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}
