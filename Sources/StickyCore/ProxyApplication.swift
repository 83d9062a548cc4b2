import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The whole proxy: store, admin listener and client listener, run until shut down.
public struct ProxyApplication: Sendable {
    /// Builds the shared store that a `redis://` or `memcached://` location names, once the event loops exist.
    public typealias SharedStoreFactory = @Sendable (StoreLocation, any EventLoopGroup) throws -> any ManagedStore

    public let configuration: ProxyConfiguration
    public let logger: Logger
    private let makeSharedStore: SharedStoreFactory?
    private let reloadConfiguration: (@Sendable () throws -> ProxyConfiguration)?

    /// - Parameters:
    ///   - makeSharedStore: how to build a shared store; without it only `memory` can run.
    ///   - reloadConfiguration: how to read the configuration again on SIGHUP; without it SIGHUP is not trapped.
    public init(
        configuration: ProxyConfiguration,
        logger: Logger,
        makeSharedStore: SharedStoreFactory? = nil,
        reloadConfiguration: (@Sendable () throws -> ProxyConfiguration)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.makeSharedStore = makeSharedStore
        self.reloadConfiguration = reloadConfiguration
    }

    /// Runs until SIGTERM/SIGINT, then stops listening and returns.
    public func run() async throws {
        let backends = try BackendFactory(configuration: self.configuration).backends(for: self.configuration.backends)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.configuration.threads ?? System.coreCount)
        let shared: (any ManagedStore)?
        do {
            shared = try self.makeSharedStoreIfNeeded(group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let failOpen = shared.map { FailOpenStore(wrapping: $0, logger: self.logger) }
        let store: any StoreBackend =
            failOpen ?? MemoryStore(maxEntries: self.configuration.memoryMaxEntries, clock: ContinuousClock())
        let runtime = ProxyRuntime(
            configuration: self.configuration,
            backends: backends,
            store: store,
            eventLoops: Array(group.makeIterator()),
            logger: self.logger
        )
        let storeHealth: @Sendable () -> StoreHealth = {
            guard let failOpen else { return .memory }
            return failOpen.state == .healthy ? .ok : .degraded
        }
        var services: [any Service] = []
        if let admin = self.configuration.adminListen {
            services.append(AdminServer(group: group, address: admin, storeHealth: storeHealth, logger: self.logger))
        }
        if let reloadConfiguration {
            services.append(
                ConfigurationReloader(
                    load: reloadConfiguration,
                    current: self.configuration,
                    backends: backends,
                    runtime: runtime,
                    logger: self.logger
                )
            )
        }
        services.append(
            DrainStateSync(
                backends: { runtime.backends },
                store: store,
                keyPrefix: self.configuration.keyPrefix,
                timeout: TimeAmount(self.configuration.storeTimeout),
                eventLoop: group.next(),
                logger: self.logger
            )
        )
        services.append(
            HealthChecker(
                backends: backends,
                path: self.configuration.healthPath,
                interval: self.configuration.healthInterval,
                timeout: self.configuration.healthTimeout,
                eventLoopGroup: group,
                logger: self.logger
            )
        )
        services.append(
            ProxyServer(runtime: runtime, group: group, address: self.configuration.listen, logger: self.logger)
        )
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        var failure: (any Error)?
        do {
            try await serviceGroup.run()
        } catch {
            failure = error
        }
        await shared?.shutdown()
        try? await group.shutdownGracefully()
        if let failure { throw failure }
    }

    private func makeSharedStoreIfNeeded(_ group: MultiThreadedEventLoopGroup) throws -> (any ManagedStore)? {
        if case .memory = self.configuration.store { return nil }
        guard let makeSharedStore else {
            throw StartupError(description: "STICKY_STORE: this build has no shared store support")
        }
        return try makeSharedStore(self.configuration.store, group)
    }
}

/// A reason the proxy could not start, as one line for the operator.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
