import Configuration

/// The settings given on the command line, as written, before any validation.
///
/// The executable fills it from its options: `nil` (or an empty list) means the flag was not given, so the
/// environment, the file or the default decide. Values are checked by
/// ``ProxyConfiguration/load(arguments:environment:)``, which names them by their flag (`--default-ttl`) in its errors.
public struct CLIValues: Hashable, Sendable {
    public var listen: String?
    /// One entry per `--backend`.
    public var backends: [String]
    /// One entry per `--cookie-name`.
    public var cookieNames: [String]
    public var store: String?
    public var defaultTTL: String?
    public var keyPrefix: String?
    public var keySecret: String?
    public var keySecretFile: String?
    public var fallback: String?
    public var adminListen: String?
    public var config: String?
    public var logLevel: String?
    public var memoryMaxEntries: String?
    public var storeTimeoutMilliseconds: String?
    public var upstreamTimeout: String?
    public var connectTimeout: String?
    public var backendCooldown: String?
    public var upstreamMaxConnections: String?
    public var upstreamIdleTimeout: String?
    public var clientIdleTimeout: String?
    public var clientHeadTimeout: String?
    public var clientBodyTimeout: String?
    public var maxClientConnections: String?
    public var maxRequestLineBytes: String?
    public var maxHeaderBytes: String?
    public var maxHeaderCount: String?
    public var maxCookieBytes: String?
    public var threads: String?
    public var balance: String?
    public var healthPath: String?
    public var healthInterval: String?
    public var healthTimeout: String?
    public var healthRise: String?
    public var healthFall: String?
    public var logFormat: String?
    public var accessLog: String?
    public var shutdownTimeout: String?
    public var adminToken: String?
    public var nearCacheSize: String?
    public var nearCacheTTLMilliseconds: String?
    public var nearCacheTrackedTTLMilliseconds: String?

    public init(
        listen: String? = nil,
        backends: [String] = [],
        cookieNames: [String] = [],
        store: String? = nil,
        defaultTTL: String? = nil,
        keyPrefix: String? = nil,
        keySecret: String? = nil,
        keySecretFile: String? = nil,
        fallback: String? = nil,
        adminListen: String? = nil,
        config: String? = nil,
        logLevel: String? = nil,
        memoryMaxEntries: String? = nil,
        storeTimeoutMilliseconds: String? = nil,
        upstreamTimeout: String? = nil,
        connectTimeout: String? = nil,
        backendCooldown: String? = nil,
        upstreamMaxConnections: String? = nil,
        upstreamIdleTimeout: String? = nil,
        clientIdleTimeout: String? = nil,
        clientHeadTimeout: String? = nil,
        clientBodyTimeout: String? = nil,
        maxClientConnections: String? = nil,
        maxRequestLineBytes: String? = nil,
        maxHeaderBytes: String? = nil,
        maxHeaderCount: String? = nil,
        maxCookieBytes: String? = nil,
        threads: String? = nil,
        balance: String? = nil,
        healthPath: String? = nil,
        healthInterval: String? = nil,
        healthTimeout: String? = nil,
        healthRise: String? = nil,
        healthFall: String? = nil,
        logFormat: String? = nil,
        accessLog: String? = nil,
        shutdownTimeout: String? = nil,
        adminToken: String? = nil,
        nearCacheSize: String? = nil,
        nearCacheTTLMilliseconds: String? = nil,
        nearCacheTrackedTTLMilliseconds: String? = nil
    ) {
        self.listen = listen
        self.backends = backends
        self.cookieNames = cookieNames
        self.store = store
        self.defaultTTL = defaultTTL
        self.keyPrefix = keyPrefix
        self.keySecret = keySecret
        self.keySecretFile = keySecretFile
        self.fallback = fallback
        self.adminListen = adminListen
        self.config = config
        self.logLevel = logLevel
        self.memoryMaxEntries = memoryMaxEntries
        self.storeTimeoutMilliseconds = storeTimeoutMilliseconds
        self.upstreamTimeout = upstreamTimeout
        self.connectTimeout = connectTimeout
        self.backendCooldown = backendCooldown
        self.upstreamMaxConnections = upstreamMaxConnections
        self.upstreamIdleTimeout = upstreamIdleTimeout
        self.clientIdleTimeout = clientIdleTimeout
        self.clientHeadTimeout = clientHeadTimeout
        self.clientBodyTimeout = clientBodyTimeout
        self.maxClientConnections = maxClientConnections
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxCookieBytes = maxCookieBytes
        self.threads = threads
        self.balance = balance
        self.healthPath = healthPath
        self.healthInterval = healthInterval
        self.healthTimeout = healthTimeout
        self.healthRise = healthRise
        self.healthFall = healthFall
        self.logFormat = logFormat
        self.accessLog = accessLog
        self.shutdownTimeout = shutdownTimeout
        self.adminToken = adminToken
        self.nearCacheSize = nearCacheSize
        self.nearCacheTTLMilliseconds = nearCacheTTLMilliseconds
        self.nearCacheTrackedTTLMilliseconds = nearCacheTrackedTTLMilliseconds
    }

    /// What was given for `setting`: a string, a list of strings, or `nil` when the flag was absent.
    func value(for setting: ProxySetting) -> ConfigContent? {
        func single(_ value: String?) -> ConfigContent? { value.map(ConfigContent.string) }
        func list(_ values: [String]) -> ConfigContent? { values.isEmpty ? nil : .stringArray(values) }
        return switch setting {
        case .listen: single(listen)
        case .backends: list(backends)
        case .cookieNames: list(cookieNames)
        case .store: single(store)
        case .defaultTTL: single(defaultTTL)
        case .keyPrefix: single(keyPrefix)
        case .keySecret: single(keySecret)
        case .keySecretFile: single(keySecretFile)
        case .fallback: single(fallback)
        case .adminListen: single(adminListen)
        case .config: single(config)
        case .logLevel: single(logLevel)
        case .memoryMaxEntries: single(memoryMaxEntries)
        case .storeTimeoutMilliseconds: single(storeTimeoutMilliseconds)
        case .upstreamTimeout: single(upstreamTimeout)
        case .connectTimeout: single(connectTimeout)
        case .backendCooldown: single(backendCooldown)
        case .upstreamMaxConnections: single(upstreamMaxConnections)
        case .upstreamIdleTimeout: single(upstreamIdleTimeout)
        case .clientIdleTimeout: single(clientIdleTimeout)
        case .clientHeadTimeout: single(clientHeadTimeout)
        case .clientBodyTimeout: single(clientBodyTimeout)
        case .maxClientConnections: single(maxClientConnections)
        case .maxRequestLineBytes: single(maxRequestLineBytes)
        case .maxHeaderBytes: single(maxHeaderBytes)
        case .maxHeaderCount: single(maxHeaderCount)
        case .maxCookieBytes: single(maxCookieBytes)
        case .threads: single(threads)
        case .balance: single(balance)
        case .healthPath: single(healthPath)
        case .healthInterval: single(healthInterval)
        case .healthTimeout: single(healthTimeout)
        case .healthRise: single(healthRise)
        case .healthFall: single(healthFall)
        case .logFormat: single(logFormat)
        case .accessLog: single(accessLog)
        case .shutdownTimeout: single(shutdownTimeout)
        case .adminToken: single(adminToken)
        case .nearCacheSize: single(nearCacheSize)
        case .nearCacheTTLMilliseconds: single(nearCacheTTLMilliseconds)
        case .nearCacheTrackedTTLMilliseconds: single(nearCacheTrackedTTLMilliseconds)
        }
    }

    /// The values for an `InMemoryProvider` at the front of the provider hierarchy, keyed like the file.
    var providerValues: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for setting in ProxySetting.allCases {
            if let content = value(for: setting) {
                values[AbsoluteConfigKey([setting.fileKey])] = ConfigValue(content, isSecret: setting.isSecret)
            }
        }
        return values
    }
}
