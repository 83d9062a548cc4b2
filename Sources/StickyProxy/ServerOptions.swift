import ArgumentParser
import StickyCore

/// The server's settings as command-line options, shared by every command that loads the configuration.
///
/// Options have no defaults: an absent flag leaves the setting to the environment, the file or the default
/// (see ``ProxyConfiguration/load(arguments:environment:)``). Values are taken as strings and checked there,
/// so that an error reads the same whichever source the value came from.
struct ServerOptions: ParsableArguments {
    @Option(name: .setting(.listen), help: .setting(.listen, valueName: "host:port"))
    var listen: String?

    @Option(name: .setting(.backends), help: .setting(.backends, valueName: "name=host:port"))
    var backends: [String] = []

    @Option(name: .setting(.cookieNames), help: .setting(.cookieNames, valueName: "name"))
    var cookieNames: [String] = []

    @Option(name: .setting(.store), help: .setting(.store, valueName: "store"))
    var store: String?

    @Option(name: .setting(.defaultTTL), help: .setting(.defaultTTL, valueName: "seconds"))
    var defaultTTL: String?

    @Option(name: .setting(.keyPrefix), help: .setting(.keyPrefix, valueName: "prefix"))
    var keyPrefix: String?

    @Option(
        name: .setting(.keySecret),
        help: .setting(.keySecret, valueName: "secret", note: "Prefer the environment: a flag shows in ps.")
    )
    var keySecret: String?

    @Option(name: .setting(.keySecretFile), help: .setting(.keySecretFile, valueName: "file"))
    var keySecretFile: String?

    @Option(name: .setting(.fallback), help: .setting(.fallback, valueName: "on|off"))
    var fallback: String?

    @Option(name: .setting(.adminListen), help: .setting(.adminListen, valueName: "host:port|off"))
    var adminListen: String?

    @Option(name: .setting(.config), help: .setting(.config, valueName: "file"))
    var config: String?

    @Option(name: .setting(.logLevel), help: .setting(.logLevel, valueName: "level"))
    var logLevel: String?

    @Option(name: .setting(.memoryMaxEntries), help: .setting(.memoryMaxEntries, valueName: "count"))
    var memoryMaxEntries: String?

    @Option(name: .setting(.storeTimeoutMilliseconds), help: .setting(.storeTimeoutMilliseconds, valueName: "ms"))
    var storeTimeoutMilliseconds: String?

    @Option(name: .setting(.upstreamTimeout), help: .setting(.upstreamTimeout, valueName: "seconds"))
    var upstreamTimeout: String?

    @Option(name: .setting(.connectTimeout), help: .setting(.connectTimeout, valueName: "seconds"))
    var connectTimeout: String?

    @Option(name: .setting(.backendCooldown), help: .setting(.backendCooldown, valueName: "seconds"))
    var backendCooldown: String?

    @Option(name: .setting(.upstreamMaxConnections), help: .setting(.upstreamMaxConnections, valueName: "count"))
    var upstreamMaxConnections: String?

    @Option(name: .setting(.upstreamIdleTimeout), help: .setting(.upstreamIdleTimeout, valueName: "seconds"))
    var upstreamIdleTimeout: String?

    @Option(name: .setting(.clientIdleTimeout), help: .setting(.clientIdleTimeout, valueName: "seconds"))
    var clientIdleTimeout: String?

    @Option(name: .setting(.clientHeadTimeout), help: .setting(.clientHeadTimeout, valueName: "seconds"))
    var clientHeadTimeout: String?

    @Option(name: .setting(.clientBodyTimeout), help: .setting(.clientBodyTimeout, valueName: "seconds"))
    var clientBodyTimeout: String?

    @Option(name: .setting(.maxClientConnections), help: .setting(.maxClientConnections, valueName: "count"))
    var maxClientConnections: String?

    @Option(name: .setting(.maxRequestLineBytes), help: .setting(.maxRequestLineBytes, valueName: "bytes"))
    var maxRequestLineBytes: String?

    @Option(name: .setting(.maxHeaderBytes), help: .setting(.maxHeaderBytes, valueName: "bytes"))
    var maxHeaderBytes: String?

    @Option(name: .setting(.maxHeaderCount), help: .setting(.maxHeaderCount, valueName: "count"))
    var maxHeaderCount: String?

    @Option(name: .setting(.maxCookieBytes), help: .setting(.maxCookieBytes, valueName: "bytes"))
    var maxCookieBytes: String?

    @Option(name: .setting(.threads), help: .setting(.threads, valueName: "count"))
    var threads: String?

    @Option(name: .setting(.balance), help: .setting(.balance, valueName: "policy"))
    var balance: String?

    @Option(name: .setting(.healthPath), help: .setting(.healthPath, valueName: "path"))
    var healthPath: String?

    @Option(name: .setting(.healthInterval), help: .setting(.healthInterval, valueName: "seconds"))
    var healthInterval: String?

    @Option(name: .setting(.healthTimeout), help: .setting(.healthTimeout, valueName: "seconds"))
    var healthTimeout: String?

    @Option(name: .setting(.healthRise), help: .setting(.healthRise, valueName: "count"))
    var healthRise: String?

    @Option(name: .setting(.healthFall), help: .setting(.healthFall, valueName: "count"))
    var healthFall: String?
    @Option(name: .setting(.logFormat), help: .setting(.logFormat, valueName: "text|json"))
    var logFormat: String?

    @Option(name: .setting(.accessLog), help: .setting(.accessLog, valueName: "on|off"))
    var accessLog: String?

    @Option(name: .setting(.shutdownTimeout), help: .setting(.shutdownTimeout, valueName: "seconds"))
    var shutdownTimeout: String?

    @Option(name: .setting(.adminToken), help: .setting(.adminToken, valueName: "token"))
    var adminToken: String?

    @Option(name: .setting(.nearCacheSize), help: .setting(.nearCacheSize, valueName: "count"))
    var nearCacheSize: String?

    @Option(name: .setting(.nearCacheTTLMilliseconds), help: .setting(.nearCacheTTLMilliseconds, valueName: "ms"))
    var nearCacheTTLMilliseconds: String?

    @Option(
        name: .setting(.nearCacheTrackedTTLMilliseconds),
        help: .setting(.nearCacheTrackedTTLMilliseconds, valueName: "ms")
    )
    var nearCacheTrackedTTLMilliseconds: String?

    /// The flags given, for ``ProxyConfiguration/load(arguments:environment:)``.
    var values: CLIValues {
        CLIValues(
            listen: listen,
            backends: backends,
            cookieNames: cookieNames,
            store: store,
            defaultTTL: defaultTTL,
            keyPrefix: keyPrefix,
            keySecret: keySecret,
            keySecretFile: keySecretFile,
            fallback: fallback,
            adminListen: adminListen,
            config: config,
            logLevel: logLevel,
            memoryMaxEntries: memoryMaxEntries,
            storeTimeoutMilliseconds: storeTimeoutMilliseconds,
            upstreamTimeout: upstreamTimeout,
            connectTimeout: connectTimeout,
            backendCooldown: backendCooldown,
            upstreamMaxConnections: upstreamMaxConnections,
            upstreamIdleTimeout: upstreamIdleTimeout,
            clientIdleTimeout: clientIdleTimeout,
            clientHeadTimeout: clientHeadTimeout,
            clientBodyTimeout: clientBodyTimeout,
            maxClientConnections: maxClientConnections,
            maxRequestLineBytes: maxRequestLineBytes,
            maxHeaderBytes: maxHeaderBytes,
            maxHeaderCount: maxHeaderCount,
            maxCookieBytes: maxCookieBytes,
            threads: threads,
            balance: balance,
            healthPath: healthPath,
            healthInterval: healthInterval,
            healthTimeout: healthTimeout,
            healthRise: healthRise,
            healthFall: healthFall,
            logFormat: logFormat,
            accessLog: accessLog,
            shutdownTimeout: shutdownTimeout,
            adminToken: adminToken,
            nearCacheSize: nearCacheSize,
            nearCacheTTLMilliseconds: nearCacheTTLMilliseconds,
            nearCacheTrackedTTLMilliseconds: nearCacheTrackedTTLMilliseconds
        )
    }
}

extension NameSpecification {
    /// The setting's long option, as the settings catalogue spells it: `--default-ttl`.
    static func setting(_ setting: ProxySetting) -> NameSpecification {
        .customLong(setting.optionName)
    }
}

extension ArgumentHelp {
    /// The setting's summary, followed by its environment variable and default: `[env: STICKY_LISTEN,
    /// default: 0.0.0.0:8080]`.
    static func setting(_ setting: ProxySetting, valueName: String, note: String? = nil) -> ArgumentHelp {
        var text = setting.summary
        if let note { text += " " + note }
        text += " [env: \(setting.environmentName)"
        if let defaultDescription = setting.defaultDescription { text += ", default: \(defaultDescription)" }
        text += "]"
        return ArgumentHelp(text, valueName: valueName)
    }
}
