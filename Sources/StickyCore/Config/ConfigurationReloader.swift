import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the configuration on SIGHUP and applies what can change live: the backends and their weights, and the
/// balancing policy. Nothing in flight is dropped. An invalid configuration is refused with a log line, and the
/// running one stays.
actor ConfigurationReloader: Service {
    private let load: @Sendable () throws -> ProxyConfiguration
    private let runtime: ProxyRuntime
    private let logger: Logger
    private var current: ProxyConfiguration
    private var backends: [Backend]

    init(
        load: @escaping @Sendable () throws -> ProxyConfiguration,
        current: ProxyConfiguration,
        backends: [Backend],
        runtime: ProxyRuntime,
        logger: Logger
    ) {
        self.load = load
        self.current = current
        self.backends = backends
        self.runtime = runtime
        self.logger = logger
    }

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // Cancelled at graceful shutdown: the sequence ends, and so does the service, without an error.
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                await self.reload()
            }
        }
    }

    /// Applies the configuration as it reads now.
    func reload() async {
        let configuration: ProxyConfiguration
        let backends: [Backend]
        do {
            configuration = try self.load()
            backends = try BackendFactory(configuration: configuration).backends(
                for: configuration.backends,
                reusing: self.backends
            )
        } catch {
            self.logger.error("configuration reload refused; the running configuration stays",
                metadata: ["error": "\(error)"])
            return
        }
        let router = AffinityRouter(
            backends: backends,
            balancer: configuration.balance.makeBalancer(for: backends),
            fallback: self.current.fallback
        )
        await self.runtime.install(router)
        let added = Set(configuration.backends.map(\.name)).subtracting(self.current.backends.map(\.name))
        let removed = Set(self.current.backends.map(\.name)).subtracting(configuration.backends.map(\.name))
        self.logger.notice(
            "configuration reloaded",
            metadata: [
                "backends.count": "\(backends.count)",
                "backends.added": "\(added.sorted().joined(separator: ","))",
                "backends.removed": "\(removed.sorted().joined(separator: ","))",
            ]
        )
        var ignored = configuration
        ignored.backends = self.current.backends
        ignored.balance = self.current.balance
        if ignored != self.current {
            self.logger.warning("only backends, weights and the balancing policy change on reload; restart for the rest")
        }
        self.current.backends = configuration.backends
        self.current.balance = configuration.balance
        self.backends = backends
    }
}
