import Logging
import Testing

@testable import StickyCore

@Suite struct ProxyConfigurationLoadingTests {
    typealias Fixtures = ConfigurationFixtures

    @Test func defaultsApplyToEverySettingButBackends() throws {
        let configuration = try Fixtures.load()
        var expected = ProxyConfiguration()
        expected.backends = [BackendDefinition(name: "web1", address: SocketAddressSpec(host: "10.0.0.1", port: 8080))]
        #expect(configuration == expected)
        #expect(configuration.listen == SocketAddressSpec(host: "0.0.0.0", port: 8080))
        #expect(configuration.cookieNames == ["connect.sid", "PHPSESSID", "JSESSIONID", "ASP.NET_SessionId"])
        #expect(configuration.store == .memory)
        #expect(configuration.defaultTTL == .seconds(1800))
        #expect(configuration.keyPrefix == "sticky:")
        #expect(configuration.keySecret == nil)
        #expect(configuration.fallback == true)
        #expect(configuration.adminListen == SocketAddressSpec(host: "127.0.0.1", port: 9090))
        #expect(configuration.logLevel == .info)
        #expect(configuration.memoryMaxEntries == 1_000_000)
        #expect(configuration.storeTimeout == .milliseconds(50))
        #expect(configuration.upstreamTimeout == .seconds(30))
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.backendCooldown == .seconds(10))
        #expect(configuration.upstreamMaxConnections == 512)
        #expect(configuration.upstreamIdleTimeout == .seconds(60))
        #expect(configuration.clientIdleTimeout == .seconds(60))
        #expect(configuration.clientHeadTimeout == .seconds(10))
        #expect(configuration.clientBodyTimeout == .seconds(30))
        #expect(configuration.maxClientConnections == 16384)
        #expect(configuration.limits.maxRequestLineBytes == 8192)
        #expect(configuration.limits.maxHeaderBytes == 32768)
        #expect(configuration.limits.maxHeaderCount == 100)
        #expect(configuration.limits.maxCookieBytes == 8192)
        #expect(configuration.threads == nil)
        #expect(configuration.logFormat == .text)
        #expect(configuration.accessLog == false)
        #expect(configuration.shutdownTimeout == .seconds(30))
        #expect(configuration.nearCacheSize == 10_000)
        #expect(configuration.nearCacheTTL == .milliseconds(1000))
        #expect(configuration.nearCacheTrackedTTL == .milliseconds(60_000))
    }

    /// Every setting, written in the environment.
    static let environment: [String: String] = [
        "STICKY_LISTEN": "127.0.0.1:18080",
        "STICKY_BACKENDS": "a=10.0.0.1:80, b=10.0.0.2:80;weight=3",
        "STICKY_COOKIE_NAMES": "sid,PHPSESSID",
        "STICKY_STORE": "memory",
        "STICKY_DEFAULT_TTL": "600",
        "STICKY_KEY_PREFIX": "app1:",
        "STICKY_KEY_SECRET": "s3cret",
        "STICKY_FALLBACK": "off",
        "STICKY_ADMIN_LISTEN": "off",
        "STICKY_LOG_LEVEL": "debug",
        "STICKY_MEMORY_MAX_ENTRIES": "1000",
        "STICKY_STORE_TIMEOUT_MS": "25",
        "STICKY_UPSTREAM_TIMEOUT": "0.5",
        "STICKY_CONNECT_TIMEOUT": "2",
        "STICKY_BACKEND_COOLDOWN": "1.25",
        "STICKY_UPSTREAM_MAX_CONNECTIONS": "64",
        "STICKY_UPSTREAM_IDLE_TIMEOUT": "30",
        "STICKY_CLIENT_IDLE_TIMEOUT": "15",
        "STICKY_CLIENT_HEAD_TIMEOUT": "2",
        "STICKY_CLIENT_BODY_TIMEOUT": "0.75",
        "STICKY_MAX_CLIENT_CONNECTIONS": "500",
        "STICKY_MAX_REQUEST_LINE_BYTES": "1024",
        "STICKY_MAX_HEADER_BYTES": "4096",
        "STICKY_MAX_HEADER_COUNT": "20",
        "STICKY_MAX_COOKIE_BYTES": "2048",
        "STICKY_THREADS": "4",
        "STICKY_BALANCE": "least-connections",
        "STICKY_HEALTH_PATH": "/healthz",
        "STICKY_HEALTH_INTERVAL": "0.5",
        "STICKY_HEALTH_TIMEOUT": "0.25",
        "STICKY_HEALTH_RISE": "4",
        "STICKY_HEALTH_FALL": "5",
        "STICKY_LOG_FORMAT": "json",
        "STICKY_ACCESS_LOG": "on",
        "STICKY_SHUTDOWN_TIMEOUT": "2.5",
        "STICKY_ADMIN_TOKEN": "0123456789abcdef-token",
        "STICKY_NEAR_CACHE_SIZE": "500",
        "STICKY_NEAR_CACHE_TTL_MS": "250",
        "STICKY_NEAR_CACHE_TRACKED_TTL_MS": "5000",
    ]

    /// The same settings, on the command line.
    static let arguments = CLIValues(
        listen: "127.0.0.1:18080",
        backends: ["a=10.0.0.1:80", "b=10.0.0.2:80;weight=3"],
        cookieNames: ["sid", "PHPSESSID"],
        store: "memory",
        defaultTTL: "600",
        keyPrefix: "app1:",
        keySecret: "s3cret",
        fallback: "off",
        adminListen: "off",
        logLevel: "debug",
        memoryMaxEntries: "1000",
        storeTimeoutMilliseconds: "25",
        upstreamTimeout: "0.5",
        connectTimeout: "2",
        backendCooldown: "1.25",
        upstreamMaxConnections: "64",
        upstreamIdleTimeout: "30",
        clientIdleTimeout: "15",
        clientHeadTimeout: "2",
        clientBodyTimeout: "0.75",
        maxClientConnections: "500",
        maxRequestLineBytes: "1024",
        maxHeaderBytes: "4096",
        maxHeaderCount: "20",
        maxCookieBytes: "2048",
        threads: "4",
        balance: "least-connections",
        healthPath: "/healthz",
        healthInterval: "0.5",
        healthTimeout: "0.25",
        healthRise: "4",
        healthFall: "5",
        logFormat: "json",
        accessLog: "on",
        shutdownTimeout: "2.5",
        adminToken: "0123456789abcdef-token",
        nearCacheSize: "500",
        nearCacheTTLMilliseconds: "250",
        nearCacheTrackedTTLMilliseconds: "5000"
    )

    /// The same settings, in the YAML file.
    static let yaml = """
        # every setting
        listen: 127.0.0.1:18080
        backends:
          - a=10.0.0.1:80
          - b=10.0.0.2:80;weight=3
        cookie_names: [sid, PHPSESSID]
        store: memory
        default_ttl: 600
        key_prefix: "app1:"
        key_secret: s3cret
        fallback: off
        admin_listen: off
        log_level: debug
        memory_max_entries: 1000
        store_timeout_ms: 25
        upstream_timeout: 0.5
        connect_timeout: 2
        backend_cooldown: 1.25
        upstream_max_connections: 64
        upstream_idle_timeout: 30
        client_idle_timeout: 15
        client_head_timeout: 2
        client_body_timeout: 0.75
        max_client_connections: 500
        max_request_line_bytes: 1024
        max_header_bytes: 4096
        max_header_count: 20
        max_cookie_bytes: 2048
        threads: 4
        balance: least-connections
        health_path: /healthz
        health_interval: 0.5
        health_timeout: 0.25
        health_rise: 4
        health_fall: 5
        log_format: json
        access_log: on
        shutdown_timeout: 2.5
        admin_token: 0123456789abcdef-token
        near_cache_size: 500
        near_cache_ttl_ms: 250
        near_cache_tracked_ttl_ms: 5000
        """

    /// What each of the three writes above loads as.
    static var expected: ProxyConfiguration {
        var configuration = ProxyConfiguration()
        configuration.listen = SocketAddressSpec(host: "127.0.0.1", port: 18080)
        configuration.backends = [
            BackendDefinition(name: "a", address: SocketAddressSpec(host: "10.0.0.1", port: 80)),
            BackendDefinition(name: "b", address: SocketAddressSpec(host: "10.0.0.2", port: 80), weight: 3),
        ]
        configuration.cookieNames = ["sid", "PHPSESSID"]
        configuration.store = .memory
        configuration.defaultTTL = .seconds(600)
        configuration.keyPrefix = "app1:"
        configuration.keySecret = Array("s3cret".utf8)
        configuration.fallback = false
        configuration.adminListen = nil
        configuration.logLevel = .debug
        configuration.memoryMaxEntries = 1000
        configuration.storeTimeout = .milliseconds(25)
        configuration.upstreamTimeout = .milliseconds(500)
        configuration.connectTimeout = .seconds(2)
        configuration.backendCooldown = .milliseconds(1250)
        configuration.upstreamMaxConnections = 64
        configuration.upstreamIdleTimeout = .seconds(30)
        configuration.clientIdleTimeout = .seconds(15)
        configuration.clientHeadTimeout = .seconds(2)
        configuration.clientBodyTimeout = .milliseconds(750)
        configuration.maxClientConnections = 500
        configuration.limits.maxRequestLineBytes = 1024
        configuration.limits.maxHeaderBytes = 4096
        configuration.limits.maxHeaderCount = 20
        configuration.limits.maxCookieBytes = 2048
        configuration.threads = 4
        configuration.balance = .leastConnections
        configuration.healthPath = "/healthz"
        configuration.healthInterval = .milliseconds(500)
        configuration.healthTimeout = .milliseconds(250)
        configuration.healthRise = 4
        configuration.healthFall = 5
        configuration.logFormat = .json
        configuration.accessLog = true
        configuration.shutdownTimeout = .milliseconds(2500)
        configuration.adminToken = "0123456789abcdef-token"
        configuration.nearCacheSize = 500
        configuration.nearCacheTTL = .milliseconds(250)
        configuration.nearCacheTrackedTTL = .milliseconds(5000)
        return configuration
    }

    @Test func everySettingLoadsFromTheEnvironment() throws {
        #expect(try Fixtures.load(environment: Self.environment) == Self.expected)
    }

    @Test func everySettingLoadsFromTheCommandLine() throws {
        #expect(try Fixtures.load(Self.arguments, environment: [:]) == Self.expected)
    }

    @Test func everySettingLoadsFromTheFile() throws {
        #expect(try Fixtures.load(environment: [:], yaml: Self.yaml) == Self.expected)
    }

    @Test func theFileCanBeNamedOnTheCommandLine() throws {
        let configuration = try Fixtures.withConfigFile(Self.yaml) { path in
            try ProxyConfiguration.load(arguments: CLIValues(config: path), environment: [:])
        }
        #expect(configuration == Self.expected)
    }

    @Test func theConfigFlagWinsOverStickyConfig() throws {
        let configuration = try Fixtures.withConfigFile("default_ttl: 7") { path in
            try ProxyConfiguration.load(
                arguments: CLIValues(config: path),
                environment: Fixtures.minimalEnvironment.merging(["STICKY_CONFIG": "/nonexistent.yaml"]) { $1 }
            )
        }
        #expect(configuration.defaultTTL == .seconds(7))
    }

    @Test(
        arguments: [
            // (command line, environment, file, expected)
            ("10", "20", "30", 10),
            (nil, "20", "30", 20),
            (nil, nil, "30", 30),
            (nil, nil, nil, 1800),
            ("10", nil, "30", 10),
            ("10", "20", nil, 10),
        ] as [(String?, String?, String?, Int)]
    )
    func theCommandLineWinsOverTheEnvironmentOverTheFileOverTheDefault(
        flag: String?,
        variable: String?,
        fileValue: String?,
        expected: Int
    ) throws {
        var environment = Fixtures.minimalEnvironment
        environment["STICKY_DEFAULT_TTL"] = variable
        let yaml = fileValue.map { "default_ttl: \($0)" } ?? "# nothing"
        let configuration = try Fixtures.load(CLIValues(defaultTTL: flag), environment: environment, yaml: yaml)
        #expect(configuration.defaultTTL == .seconds(expected))
    }

    @Test func precedenceHoldsForListsSwitchesAndAddresses() throws {
        let yaml = """
            backends: [file=10.0.0.3:80]
            cookie_names: [file_sid]
            fallback: off
            listen: 127.0.0.3:3
            admin_listen: 127.0.0.3:4
            upstream_timeout: 3
            """
        let environment = [
            "STICKY_BACKENDS": "env=10.0.0.2:80",
            "STICKY_FALLBACK": "yes",
            "STICKY_LISTEN": "127.0.0.2:2",
            "STICKY_UPSTREAM_TIMEOUT": "2",
        ]
        let arguments = CLIValues(listen: "127.0.0.1:1", backends: ["cli=10.0.0.1:80"])

        let configuration = try Fixtures.load(arguments, environment: environment, yaml: yaml)
        #expect(configuration.backends.map(\.name) == ["cli"])
        #expect(configuration.cookieNames == ["file_sid"])
        #expect(configuration.fallback == true)
        #expect(configuration.listen == SocketAddressSpec(host: "127.0.0.1", port: 1))
        #expect(configuration.adminListen == SocketAddressSpec(host: "127.0.0.3", port: 4))
        #expect(configuration.upstreamTimeout == .seconds(2))

        let withoutFlags = try Fixtures.load(environment: environment, yaml: yaml)
        #expect(withoutFlags.backends.map(\.name) == ["env"])
        #expect(withoutFlags.listen == SocketAddressSpec(host: "127.0.0.2", port: 2))

        let fileOnly = try Fixtures.load(environment: [:], yaml: yaml)
        #expect(fileOnly.backends.map(\.name) == ["file"])
        #expect(fileOnly.fallback == false)
    }

    @Test func aValueShadowedByAHigherSourceIsNotRead() throws {
        let configuration = try Fixtures.load(
            environment: Fixtures.minimalEnvironment.merging(["STICKY_DEFAULT_TTL": "60"]) { $1 },
            yaml: "default_ttl: soon"
        )
        #expect(configuration.defaultTTL == .seconds(60))
    }

    @Test func backendsAreCommaSeparatedInTheEnvironmentAndRepeatedOnTheCommandLine() throws {
        let expected = [
            BackendDefinition(name: "web1", address: SocketAddressSpec(host: "10.0.0.1", port: 8080)),
            BackendDefinition(name: "10.0.0.2:8080", address: SocketAddressSpec(host: "10.0.0.2", port: 8080)),
            BackendDefinition(name: "app.internal", address: SocketAddressSpec(host: "app.internal", port: 80)),
        ]
        let fromEnvironment = try Fixtures.load(
            environment: ["STICKY_BACKENDS": "web1=10.0.0.1:8080, 10.0.0.2:8080 ,app.internal=app.internal:80"]
        )
        #expect(fromEnvironment.backends == expected)

        let fromFlags = try Fixtures.load(
            CLIValues(backends: ["web1=10.0.0.1:8080", "10.0.0.2:8080", "app.internal=app.internal:80"]),
            environment: [:]
        )
        #expect(fromFlags.backends == expected)

        let fromFileString = try Fixtures.load(
            environment: [:],
            yaml: #"backends: "web1=10.0.0.1:8080,10.0.0.2:8080,app.internal=app.internal:80""#
        )
        #expect(fromFileString.backends == expected)
    }

    @Test func ipv6AddressesAreBracketed() throws {
        let configuration = try Fixtures.load(
            CLIValues(listen: "[::]:8080", adminListen: "[::1]:9090"),
            environment: ["STICKY_BACKENDS": "[2001:db8::1]:80,v6=[fd00::2]:8080"]
        )
        #expect(configuration.listen == SocketAddressSpec(host: "::", port: 8080))
        #expect(configuration.adminListen == SocketAddressSpec(host: "::1", port: 9090))
        #expect(
            configuration.backends == [
                BackendDefinition(name: "[2001:db8::1]:80", address: SocketAddressSpec(host: "2001:db8::1", port: 80)),
                BackendDefinition(name: "v6", address: SocketAddressSpec(host: "fd00::2", port: 8080)),
            ]
        )
        #expect(configuration.listen.description == "[::]:8080")
    }

    @Test(arguments: ["on", "ON", "true", "yes", "1"])
    func fallbackAcceptsTheSpellingsOfOn(text: String) throws {
        let configuration = try Fixtures.load(CLIValues(fallback: text))
        #expect(configuration.fallback == true)
    }

    @Test(arguments: ["off", "Off", "false", "no", "0"])
    func fallbackAcceptsTheSpellingsOfOff(text: String) throws {
        let configuration = try Fixtures.load(CLIValues(fallback: text))
        #expect(configuration.fallback == false)
    }

    @Test(arguments: Logger.Level.allCases)
    func everyLogLevelLoads(level: Logger.Level) throws {
        #expect(try Fixtures.load(CLIValues(logLevel: level.rawValue)).logLevel == level)
        #expect(try Fixtures.load(CLIValues(logLevel: level.rawValue.uppercased())).logLevel == level)
    }

    @Test func theKeySecretIsItsUTF8Bytes() throws {
        let configuration = try Fixtures.load(
            environment: Fixtures.minimalEnvironment.merging(["STICKY_KEY_SECRET": "clé secrète"]) { $1 }
        )
        #expect(configuration.keySecret == Array("clé secrète".utf8))
    }

    @Test func anEmptyKeyPrefixIsAllowed() throws {
        #expect(try Fixtures.load(CLIValues(keyPrefix: "")).keyPrefix == "")
    }

    @Test func threadsAcceptTheirWholeRange() throws {
        #expect(try Fixtures.load(CLIValues(threads: "1")).threads == 1)
        #expect(try Fixtures.load(CLIValues(threads: "256")).threads == 256)
    }

    @Test func aFileOfOnlyCommentsHoldsNoSettings() throws {
        let configuration = try Fixtures.load(yaml: "# nothing here yet\n\n---\n")
        #expect(configuration.defaultTTL == .seconds(1800))
    }

    @Test func theFileMayUseQuotedKeysDocumentMarkersAndUnindentedLists() throws {
        let yaml = """
            %YAML 1.1
            ---
            "default_ttl": 42   # quoted key
            backends:
            - web1=10.0.0.1:80
            - web2=10.0.0.2:80
            'log_level': warning
            ...
            """
        let configuration = try Fixtures.load(environment: [:], yaml: yaml)
        #expect(configuration.defaultTTL == .seconds(42))
        #expect(configuration.backends.map(\.name) == ["web1", "web2"])
        #expect(configuration.logLevel == .warning)
    }

    @Test func otherEnvironmentVariablesAreIgnored() throws {
        let configuration = try Fixtures.load(
            environment: Fixtures.minimalEnvironment.merging(["PATH": "/bin", "STICKY": "x", "sticky_threads": "9"]) {
                $1
            }
        )
        #expect(configuration.threads == nil)
    }
}
