import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import StickyCore

/// `sticky-proxy`: loads the configuration and runs the proxy until SIGTERM or SIGINT.
///
/// Exit status: 0 after a drain, 2 for a configuration or command-line error (one line on stderr),
/// 1 when the proxy fails at run time. `sticky-proxy check` checks a configuration and what it points at;
/// plain `sticky-proxy` runs the server.
@main
struct StickyProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sticky-proxy",
        abstract: "A session-affinity HTTP reverse proxy.",
        discussion: """
            Every option can also be set by its environment variable, or by its snake_case key in the YAML file \
            named by --config (default_ttl: 600, backends: [...]). A flag wins over the environment, the \
            environment over the file, the file over the default. An invalid value, or an unknown STICKY_* \
            variable or file key, stops the proxy with status 2.
            """,
        subcommands: [CheckCommand.self]
    )

    /// The status for a configuration or command-line error (ArgumentParser's own is 64).
    static let usageErrorStatus: Int32 = 2

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let arguments = options.values
        let load: @Sendable () throws -> ProxyConfiguration = {
            try ProxyConfiguration.load(arguments: arguments, environment: ProcessInfo.processInfo.environment)
        }
        let configuration = try load()
        let logger = Self.bootstrapLogging(format: configuration.logFormat, level: configuration.logLevel)
        var accessLogger = Logger(label: "sticky-proxy.access")
        accessLogger.logLevel = .info  // on means on, whatever STICKY_LOG_LEVEL says
        let registry = Self.bootstrapMetrics()
        let storeTimeout = configuration.storeTimeout
        // Redis client-side caching serves only a near-cache, and `STICKY_NEAR_CACHE_TRACKED_TTL_MS=0` turns it off.
        let tracking = configuration.nearCacheTrackedTTL > .zero && configuration.nearCacheTTL > .zero
            && configuration.nearCacheSize > 0
        try await ProxyApplication(
            configuration: configuration,
            logger: logger,
            accessLogger: accessLogger,
            renderMetrics: { registry.emitToString() },
            makeSharedStore: { location, group in
                try StoreFactory.make(
                    location,
                    timeout: storeTimeout,
                    tracking: tracking,
                    eventLoopGroup: group,
                    logger: logger
                )
            },
            reloadConfiguration: load
        ).run()
    }

    /// Sets up swift-log once for the process: one line per event on stderr, as text or JSON, at `level`.
    static func bootstrapLogging(format: LogFormat, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "sticky-proxy")
    }

    /// Sets up swift-metrics once for the process, into a Prometheus registry that `/metrics` renders.
    private static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Store calls take well under a millisecond on a LAN: finer buckets than the default 5 ms and up.
        factory.durationHistogramBuckets[ProxyMetrics.Name.storeDuration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(1000),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Like ArgumentParser's, but every error is one line on stderr, and usage errors exit with status 2.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try await asyncParseAsRoot()
        } catch {
            if exitCode(for: error) == .success {
                exit(withError: error)  // --help and the like: printed on stdout, status 0
            }
            fail(message(for: error), status: usageErrorStatus)
        }

        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as ConfigurationError {
            fail(error.description, status: usageErrorStatus)
        } catch let error as StartupError {
            fail(error.description, status: usageErrorStatus)
        } catch {
            // ArgumentParser's built-in commands (help) run too, and report through errors of its own.
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            if code == .validationFailure {
                fail(message(for: error), status: usageErrorStatus)
            }
            fail(String(describing: error), status: 1)
        }
    }

    private static func fail(_ message: String, status: Int32) -> Never {
        let line = message.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
        FileHandle.standardError.write(Data("error: \(line)\n".utf8))
        Foundation.exit(status)
    }
}
