import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The whole proxy: store, admin listener and client listener, run until shut down.
public struct ProxyApplication: Sendable {
    public let configuration: ProxyConfiguration
    public let logger: Logger

    public init(configuration: ProxyConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT, then stops listening and returns.
    public func run() async throws {
        let backends = try self.configuration.backends.map(Self.makeBackend)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.configuration.threads ?? System.coreCount)
        let store = self.makeStore()
        let runtime = ProxyRuntime(
            configuration: self.configuration,
            backends: backends,
            store: store,
            eventLoops: Array(group.makeIterator()),
            logger: self.logger
        )
        var services: [any Service] = []
        if let admin = self.configuration.adminListen {
            services.append(AdminServer(group: group, address: admin, logger: self.logger))
        }
        services.append(ProxyServer(runtime: runtime, group: group, address: self.configuration.listen,
            logger: self.logger))
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        do {
            try await serviceGroup.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func makeStore() -> any StoreBackend {
        switch self.configuration.store {
        case .memory:
            MemoryStore(maxEntries: self.configuration.memoryMaxEntries, clock: ContinuousClock())
        }
    }

    /// Resolves a backend's address once, at start, off any event loop.
    private static func makeBackend(_ definition: BackendDefinition) throws -> Backend {
        do {
            let address = try SocketAddress.makeAddressResolvingHost(
                definition.address.host,
                port: definition.address.port
            )
            return Backend(name: definition.name, address: definition.address, socketAddress: address)
        } catch {
            throw StartupError(description: "STICKY_BACKENDS: cannot resolve \"\(definition.address)\"")
        }
    }
}

/// A reason the proxy could not start, as one line for the operator.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
