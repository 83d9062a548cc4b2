import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The client listener: accepts connections and gives each one an HTTP/1.1 pipeline that ends in a
/// ``ClientConnectionHandler``.
///
/// On graceful shutdown (SIGTERM, SIGINT) it drains: the listening socket closes, so new connections are refused;
/// idle keep-alive connections close; requests in flight finish, each response carrying `Connection: close`, until
/// the shutdown timeout, after which whatever is left is closed. Then `run()` returns.
final class ProxyServer: Service {
    private let runtime: ProxyRuntime
    private let group: MultiThreadedEventLoopGroup
    private let address: SocketAddressSpec
    private let shutdownTimeout: Duration
    private let logger: Logger
    private let connections: ClientConnectionTracker

    init(
        runtime: ProxyRuntime,
        group: MultiThreadedEventLoopGroup,
        address: SocketAddressSpec,
        shutdownTimeout: Duration,
        logger: Logger
    ) {
        self.runtime = runtime
        self.group = group
        self.address = address
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        self.connections = ClientConnectionTracker(
            metrics: runtime.metrics,
            limit: runtime.maxClientConnections
        )
    }

    func run() async throws {
        let channel = try await self.bind()
        self.logger.notice("proxy listening", metadata: ["listen.address": "\(self.address)"])
        let runtime = self.runtime
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            runtime.beginDraining()
            channel.close(promise: nil)
        }
        await self.drain()
        for resources in self.runtime.allResources {
            try? await resources.eventLoop.submit { resources.closeIdleConnections() }.get()
        }
    }

    /// Lets the open connections finish within the shutdown timeout, then closes what is left.
    private func drain() async {
        self.runtime.beginDraining()
        let open = self.connections.count
        self.logger.notice(
            "draining: no new connections, requests in flight finish",
            metadata: [
                "client.connections": "\(open)",
                "shutdown.timeout_ms": "\(self.shutdownTimeout.wholeMilliseconds)",
            ]
        )
        let drained = self.connections.quiesce(on: self.group.any())
        let timeout = self.shutdownTimeout
        let finishedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await drained.get()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? true
            if !first {
                // Closing every connection completes `drained`, which ends the other task.
                let cut = self.connections.closeAll()
                self.logger.warning(
                    "shutdown timeout: closing the connections still open",
                    metadata: ["client.connections": "\(cut)"]
                )
            }
            group.cancelAll()
            return first
        }
        if finishedInTime {
            self.logger.notice("drained: every client connection closed")
        }
    }

    private func bind() async throws -> any Channel {
        let runtime = self.runtime
        let connections = self.connections
        let idleTimeout = runtime.clientIdleTimeout
        return try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.track(channel) else {
                        channel.close(promise: nil)
                        return
                    }
                    let sync = channel.pipeline.syncOperations
                    // Two handlers and no NIO HTTP codec: the sequencer frames the client's bytes into requests
                    // and hands them to the connection handler by method call; responses leave through it as bytes.
                    let timeouts = ClientReadTimeouts(
                        headTimeout: runtime.clientHeadTimeout,
                        bodyTimeout: runtime.clientBodyTimeout,
                        idleTimeout: idleTimeout
                    )
                    let sequencer = ClientRequestSequencer(
                        limits: runtime.limits,
                        timeouts: timeouts,
                        logger: runtime.logger
                    )
                    let handler = ClientConnectionHandler(
                        runtime: runtime,
                        resources: runtime.resources(for: channel.eventLoop),
                        sequencer: sequencer
                    )
                    sequencer.proxy = handler
                    try sync.addHandler(sequencer)
                    try sync.addHandler(handler)
                }
            }
            .bind(host: self.address.host, port: self.address.port)
            .get()
    }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
