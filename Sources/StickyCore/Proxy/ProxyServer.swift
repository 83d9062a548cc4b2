import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The client listener: accepts connections and gives each one an HTTP/1.1 pipeline that ends in a
/// ``ClientConnectionHandler``.
final class ProxyServer: Service {
    private let runtime: ProxyRuntime
    private let group: MultiThreadedEventLoopGroup
    private let address: SocketAddressSpec
    private let logger: Logger

    init(runtime: ProxyRuntime, group: MultiThreadedEventLoopGroup, address: SocketAddressSpec, logger: Logger) {
        self.runtime = runtime
        self.group = group
        self.address = address
        self.logger = logger
    }

    func run() async throws {
        let channel = try await self.bind()
        self.logger.notice("proxy listening", metadata: ["listen.address": "\(self.address)"])
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        for resources in self.runtime.allResources {
            try? await resources.eventLoop.submit { resources.closeIdleConnections() }.get()
        }
    }

    private func bind() async throws -> any Channel {
        let runtime = self.runtime
        let idleTimeout = runtime.clientIdleTimeout
        return try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // An upgrade configuration with no upgraders: the decoder then hands the bytes that follow
                    // an upgrade request on to the tunnel instead of dropping them.
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true,
                        withServerUpgrade: (upgraders: [], completionHandler: { _ in }),
                        withErrorHandling: true
                    )
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.addHandler(
                        ClientConnectionHandler(runtime: runtime, resources: runtime.resources(for: channel.eventLoop))
                    )
                }
            }
            .bind(host: self.address.host, port: self.address.port)
            .get()
    }
}
