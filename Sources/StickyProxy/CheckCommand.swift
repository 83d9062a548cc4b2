import ArgumentParser
import Foundation
import Logging
import StickyCore

/// `sticky-proxy check`: loads the configuration exactly as the server would, then connects to every backend and
/// to the store and prints what it found.
///
/// Exit status: 0 when everything is usable, 1 when a backend or the store is not, 2 for a configuration error.
/// With `--config-only`, only the configuration is loaded and checked (0 or 2).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration, the backends and the store, then exit.",
        discussion: """
            Loads the settings like the server (flags, environment, --config file), then connects to each backend \
            (within --connect-timeout) and makes one call to the store (within 10 x --store-timeout-ms). Prints a \
            table. Exit status 0: everything reachable; 1: something is not; 2: the configuration is invalid.
            """
    )

    @Flag(name: .customLong("config-only"), help: "Only load and validate the configuration; connect to nothing.")
    var configOnly = false

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let configuration = try ProxyConfiguration.load(
            arguments: options.values,
            environment: ProcessInfo.processInfo.environment
        )
        if self.configOnly {
            print(
                "configuration ok: \(configuration.backends.count) backend(s), store \(configuration.store.kind),"
                    + " listen \(configuration.listen)"
            )
            return
        }
        // Warnings only: the table says what matters, and a store client's reconnect chatter would drown it.
        let logger = StickyProxyCommand.bootstrapLogging(
            format: configuration.logFormat,
            level: max(configuration.logLevel, .warning)
        )
        let storeDeadline = configuration.storeTimeout * 10
        let report = await ConnectivityCheck.run(configuration, makeSharedStore: { location, group in
            try StoreFactory.make(location, timeout: storeDeadline, eventLoopGroup: group, logger: logger)
        }, storeDeadline: storeDeadline)
        print(report.table(), terminator: "")
        if !report.isUsable {
            throw ExitCode(1)
        }
    }
}
