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
    private let accessLogger: Logger?
    private let renderMetrics: (@Sendable () -> String)?
    private let makeSharedStore: SharedStoreFactory?
    private let reloadConfiguration: (@Sendable () throws -> ProxyConfiguration)?

    /// - Parameters:
    ///   - accessLogger: where the access log goes; used only when `STICKY_ACCESS_LOG` is on.
    ///   - renderMetrics: the metrics system's registry in Prometheus' text format, for `/metrics`; the caller
    ///     bootstrapped `MetricsSystem` with the factory that fills it.
    ///   - makeSharedStore: how to build a shared store; without it only `memory` can run.
    ///   - reloadConfiguration: how to read the configuration again on SIGHUP; without it SIGHUP is not trapped.
    public init(
        configuration: ProxyConfiguration,
        logger: Logger,
        accessLogger: Logger? = nil,
        renderMetrics: (@Sendable () -> String)? = nil,
        makeSharedStore: SharedStoreFactory? = nil,
        reloadConfiguration: (@Sendable () throws -> ProxyConfiguration)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.accessLogger = accessLogger
        self.renderMetrics = renderMetrics
        self.makeSharedStore = makeSharedStore
        self.reloadConfiguration = reloadConfiguration
    }

    /// Runs until SIGTERM/SIGINT, then drains (see ``ProxyServer``) and returns.
    public func run() async throws {
        let backends = try BackendFactory(configuration: self.configuration).backends(for: self.configuration.backends)
        let metrics = ProxyMetrics(backendNames: backends.map(\.name))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.configuration.threads ?? System.coreCount)
        let shared: (any ManagedStore)?
        do {
            shared = try self.makeSharedStoreIfNeeded(group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let failOpen = shared.map { FailOpenStore(wrapping: $0, logger: self.logger) }
        let inner: any StoreBackend =
            failOpen ?? MemoryStore(maxEntries: self.configuration.memoryMaxEntries, clock: ContinuousClock())
        let store = InstrumentedStore(wrapping: inner, metrics: metrics)
        let runtime = ProxyRuntime(
            configuration: self.configuration,
            backends: backends,
            store: store,
            eventLoops: Array(group.makeIterator()),
            logger: self.logger,
            metrics: metrics,
            accessLogger: self.configuration.accessLog ? self.accessLogger ?? self.logger : nil
        )
        let storeHealth: @Sendable () -> StoreHealth = {
            guard let failOpen else { return .memory }
            return failOpen.state == .healthy ? .ok : .degraded
        }
        // In dependency order: the store first, the admin listener, the client listener last. They stop in reverse.
        var services: [any Service] = []
        if let shared {
            services.append(ManagedStoreService(store: shared))
        }
        if let admin = self.configuration.adminListen {
            let status = AdminStatus(
                currentBackends: { runtime.backends },
                drain: DrainControl(
                    store: inner,
                    keyPrefix: self.configuration.keyPrefix,
                    timeout: TimeAmount(self.configuration.storeTimeout),
                    backends: { runtime.backends }
                ),
                authorization: AdminAuthorization(token: self.configuration.adminToken, listener: admin),
                recentSessionCounts: { await runtime.recentSessionCounts() },
                metrics: metrics,
                storeHealth: storeHealth,
                isDraining: { runtime.isDraining },
                renderMetrics: self.renderMetrics
            )
            services.append(AdminServer(group: group, address: admin, status: status, logger: self.logger))
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
                store: inner,  // not instrumented: the store metrics are the request path's
                keyPrefix: self.configuration.keyPrefix,
                timeout: TimeAmount(self.configuration.storeTimeout),
                eventLoop: group.next(),
                logger: self.logger
            )
        )
        services.append(
            HealthChecker(
                backends: { runtime.backends },
                path: self.configuration.healthPath,
                interval: self.configuration.healthInterval,
                timeout: self.configuration.healthTimeout,
                eventLoopGroup: group,
                logger: self.logger
            )
        )
        // Last, so that it is the first to stop: it drains while the admin listener still reports it.
        services.append(
            ProxyServer(
                runtime: runtime,
                group: group,
                address: self.configuration.listen,
                shutdownTimeout: self.configuration.shutdownTimeout,
                logger: self.logger
            )
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
