extension ProxyConfiguration {
    /// Loads every setting: a command-line flag wins over its environment variable, which wins over the YAML file
    /// named by `--config` or `STICKY_CONFIG`, which wins over the default.
    ///
    /// Nothing is read from the process: the caller passes the command line's values and the environment, so that
    /// tests can too. Any invalid or missing value, an unknown `STICKY_*` variable, an unknown key in the file, or a
    /// file that cannot be read or parsed throws a ``ConfigurationError`` whose description is one line naming the
    /// setting as it was written. Nothing falls back to a default silently.
    public static func load(arguments: CLIValues, environment: [String: String]) throws(ConfigurationError) -> Self {
        try checkEnvironmentNames(environment)
        let withoutFile = SettingsReader(arguments: arguments, environment: environment, file: nil)
        let file = try withoutFile.value(of: .config).map { (path) throws(ConfigurationError) in
            try ConfigFile(path: path.text, namedAt: path.source)
        }
        return try Self(settings: SettingsReader(arguments: arguments, environment: environment, file: file))
    }

    /// A `STICKY_*` variable that names no setting is a typo; letting it pass would leave the setting it was
    /// meant for at its default.
    static func checkEnvironmentNames(_ environment: [String: String]) throws(ConfigurationError) {
        let known = ProxySetting.allCases.map(\.environmentName)
        for name in environment.keys.sorted()
        where name.hasPrefix(ProxySetting.environmentPrefix) && ProxySetting(environmentName: name) == nil {
            throw .unknownEnvironmentVariable(name, suggestion: NameSuggestion.closest(to: name, among: known))
        }
    }

    /// Builds the configuration from the settings as written, checking each.
    init(settings: SettingsReader) throws(ConfigurationError) {
        self.init()
        if let value = try settings.value(of: .listen) {
            listen = try value.parsed(SocketAddressSpec.listenAddress)
        }
        guard let backendList = try settings.list(of: .backends) else { throw .missing(.backends) }
        backends = try Self.backends(from: backendList)
        if let list = try settings.list(of: .cookieNames) {
            cookieNames = try Self.cookieNames(from: list)
        }
        if let value = try settings.value(of: .store) {
            store = try value.parsed(StoreLocation.init(parsing:))
        }
        if let value = try settings.value(of: .defaultTTL) {
            defaultTTL = try value.parsed(SettingParsers.wholeSeconds)
        }
        if let value = try settings.value(of: .keyPrefix) {
            keyPrefix = try value.parsed(SettingParsers.keyPrefix)
        }
        if let value = try settings.value(of: .keySecret) {
            keySecret = try value.parsed(SettingParsers.keySecret)
        }
        if let value = try settings.value(of: .keySecretFile) {
            guard keySecret == nil else {
                throw .invalidValue(value.shown, at: value.source, SettingProblem.secretTwice.text)
            }
            keySecret = try KeySecretFile.secret(at: value)
        }
        if let value = try settings.value(of: .fallback) {
            fallback = try value.parsed(SettingParsers.onOff)
        }
        if let value = try settings.value(of: .adminListen) {
            adminListen = try value.parsed(SocketAddressSpec.listenAddressOrOff)
        }
        if let value = try settings.value(of: .logLevel) {
            logLevel = try value.parsed(SettingParsers.logLevel)
        }
        if let value = try settings.value(of: .memoryMaxEntries) {
            memoryMaxEntries = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: 1...Int.max)
            }
        }
        if let value = try settings.value(of: .storeTimeoutMilliseconds) {
            storeTimeout = try value.parsed(SettingParsers.wholeMilliseconds)
        }
        if let value = try settings.value(of: .upstreamTimeout) {
            upstreamTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .connectTimeout) {
            connectTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .backendCooldown) {
            backendCooldown = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .upstreamMaxConnections) {
            upstreamMaxConnections = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: 1...Int.max)
            }
        }
        if let value = try settings.value(of: .upstreamIdleTimeout) {
            upstreamIdleTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .clientIdleTimeout) {
            clientIdleTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .clientHeadTimeout) {
            clientHeadTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .clientBodyTimeout) {
            clientBodyTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .maxClientConnections) {
            maxClientConnections = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: 1...Int.max)
            }
        }
        if let value = try settings.value(of: .maxRequestLineBytes) {
            limits.maxRequestLineBytes = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.headBytesRange)
            }
        }
        if let value = try settings.value(of: .maxHeaderBytes) {
            limits.maxHeaderBytes = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.headBytesRange)
            }
        }
        if let value = try settings.value(of: .maxHeaderCount) {
            limits.maxHeaderCount = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.headerCountRange)
            }
        }
        if let value = try settings.value(of: .maxCookieBytes) {
            limits.maxCookieBytes = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.headBytesRange)
            }
        }
        if let value = try settings.value(of: .threads) {
            threads = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.threadRange)
            }
        }
        if let value = try settings.value(of: .balance) {
            balance = try value.parsed(SettingParsers.balancePolicy)
        }
        if let value = try settings.value(of: .healthPath) {
            healthPath = try value.parsed(SettingParsers.healthPath)
        }
        if let value = try settings.value(of: .healthInterval) {
            healthInterval = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .healthTimeout) {
            healthTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .healthRise) {
            healthRise = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.healthThresholdRange)
            }
        }
        if let value = try settings.value(of: .healthFall) {
            healthFall = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: Self.healthThresholdRange)
            }
        }
        if let value = try settings.value(of: .logFormat) {
            logFormat = try value.parsed(SettingParsers.logFormat)
        }
        if let value = try settings.value(of: .accessLog) {
            accessLog = try value.parsed(SettingParsers.onOff)
        }
        if let value = try settings.value(of: .shutdownTimeout) {
            shutdownTimeout = try value.parsed(SettingParsers.positiveSeconds)
        }
        if let value = try settings.value(of: .adminToken) {
            adminToken = try value.parsed(SettingParsers.adminToken)
        }
        if let value = try settings.value(of: .nearCacheSize) {
            nearCacheSize = try value.parsed { (text) throws(SettingProblem) in
                try SettingParsers.wholeNumber(text, of: .none, in: 0...Int.max)
            }
        }
        if let value = try settings.value(of: .nearCacheTTLMilliseconds) {
            nearCacheTTL = try value.parsed { (text) throws(SettingProblem) in
                .milliseconds(try SettingParsers.wholeNumber(text, of: .milliseconds, in: Self.nearCacheTTLRange))
            }
        }
        if let value = try settings.value(of: .nearCacheTrackedTTLMilliseconds) {
            nearCacheTrackedTTL = try value.parsed { (text) throws(SettingProblem) in
                .milliseconds(try SettingParsers.wholeNumber(text, of: .milliseconds, in: Self.nearCacheTTLRange))
            }
        }
    }

    /// How many checks `STICKY_HEALTH_RISE` and `STICKY_HEALTH_FALL` may ask for.
    static let healthThresholdRange = 1...100

    /// The byte limits of a message head: from what any real client needs to what one connection may hold.
    static let headBytesRange = 256...(1 << 20)

    /// The header-count limit: `Host` and a few more at least, and no more than a message can usefully carry.
    static let headerCountRange = 8...10_000

    /// How many event loops `STICKY_THREADS` may ask for.
    static let threadRange = 1...256

    /// The milliseconds `STICKY_NEAR_CACHE_TTL_MS` and `STICKY_NEAR_CACHE_TRACKED_TTL_MS` may ask for: up to an hour.
    static let nearCacheTTLRange = 0...3_600_000

    private static func backends(from list: SettingsReader.List) throws(ConfigurationError) -> [BackendDefinition] {
        var backends: [BackendDefinition] = []
        var names: Set<String> = []
        for entry in try entries(of: list) {
            let backend = try entry.parsed(BackendDefinition.init(parsing:))
            guard names.insert(backend.name).inserted else {
                throw .invalidValue(entry.shown, at: list.source, SettingProblem.repeatedBackendName(backend.name).text)
            }
            backends.append(backend)
        }
        return backends
    }

    private static func cookieNames(from list: SettingsReader.List) throws(ConfigurationError) -> [String] {
        var cookieNames: [String] = []
        for entry in try entries(of: list) {
            let name = try entry.parsed(SettingParsers.cookieName)
            guard !cookieNames.contains(name) else {
                throw .invalidValue(entry.shown, at: list.source, SettingProblem.repeatedCookieName.text)
            }
            cookieNames.append(name)
        }
        return cookieNames
    }

    /// The list's entries, each to be parsed on its own. A list written as one string or as a YAML list must
    /// have entries, none empty (a stray comma); on the command line each flag is an entry, checked by its parser.
    private static func entries(of list: SettingsReader.List) throws(ConfigurationError) -> [SettingsReader.Value] {
        if case .commandLine = list.source {
            return list.entries.map { SettingsReader.Value(text: $0, source: list.source) }
        }
        if list.entries.allSatisfy(\.isEmpty), list.entries.count <= 1 {
            throw .invalidValue(list.shown, at: list.source, SettingProblem.emptyList.text)
        }
        if list.entries.contains(where: \.isEmpty) {
            throw .invalidValue(list.shown, at: list.source, SettingProblem.emptyEntry.text)
        }
        return list.entries.map { SettingsReader.Value(text: $0, source: list.source) }
    }
}
