import Logging

/// The whole proxy: store, admin listener and client listener, run until shut down.
public struct ProxyApplication: Sendable {
    public let configuration: ProxyConfiguration
    public let logger: Logger

    public init(configuration: ProxyConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT, then drains and returns.
    public func run() async throws {
        fatalError("not built yet")
    }
}
