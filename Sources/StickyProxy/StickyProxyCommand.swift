import ArgumentParser
import Foundation
import Logging
import StickyCore

/// `sticky-proxy`: loads the configuration and runs the proxy until SIGTERM or SIGINT.
///
/// Exit status: 0 after a drain, 2 for a configuration or command-line error (one line on stderr),
/// 1 when the proxy fails at run time. Later commands (`sticky-proxy check`) go in `subcommands`;
/// plain `sticky-proxy` keeps running the server.
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
            """
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
        let logger = Self.bootstrapLogging(level: configuration.logLevel)
        let storeTimeout = configuration.storeTimeout
        try await ProxyApplication(
            configuration: configuration,
            logger: logger,
            makeSharedStore: { location, group in
                try StoreFactory.make(location, timeout: storeTimeout, eventLoopGroup: group, logger: logger)
            },
            reloadConfiguration: load
        ).run()
    }

    /// Sets up swift-log once for the process: one line per event on stderr, at the configured level.
    private static func bootstrapLogging(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "sticky-proxy")
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
