import Testing

@testable import StickyCore

@Suite struct SettingParsersTests {
    @Test(arguments: [
        ("30", Duration.seconds(30)),
        ("0.5", .milliseconds(500)),
        (".25", .milliseconds(250)),
        ("2.", .seconds(2)),
        ("0.000000001", .nanoseconds(1)),
        ("1.0000000000000000001", .seconds(1)),
    ])
    func positiveSecondsAreExact(text: String, expected: Duration) throws {
        #expect(try SettingParsers.positiveSeconds(text) == expected)
    }

    @Test(arguments: ["", ".", "-1", "+1", "1e3", "inf", "nan", "1.2.3", " 1", "1 ", "0x10", "１"])
    func positiveSecondsRejectWhatIsNotAPlainDecimal(text: String) {
        #expect(throws: SettingProblem.notSeconds) { try SettingParsers.positiveSeconds(text) }
    }

    @Test func positiveSecondsRejectZeroAndHugeValues() {
        #expect(throws: SettingProblem.notPositive) { try SettingParsers.positiveSeconds("0") }
        #expect(throws: SettingProblem.notPositive) { try SettingParsers.positiveSeconds("0.0000000000000000001") }
        #expect(throws: SettingProblem.tooLarge) { try SettingParsers.positiveSeconds("99999999999999999999") }
    }

    @Test func wholeNumbersKeepToTheirRange() throws {
        #expect(try SettingParsers.wholeNumber("+7", of: .none, in: 1...Int.max) == 7)
        #expect(try SettingParsers.wholeNumber("256", of: .none, in: 1...256) == 256)
        #expect(throws: SettingProblem.outside(1...256)) {
            try SettingParsers.wholeNumber("257", of: .none, in: 1...256)
        }
        #expect(throws: SettingProblem.outside(1...Int.max)) {
            try SettingParsers.wholeNumber("-99999999999999999999", of: .none, in: 1...Int.max)
        }
        #expect(throws: SettingProblem.notWholeSeconds) {
            try SettingParsers.wholeNumber("1.0", of: .seconds, in: 1...10)
        }
        #expect(throws: SettingProblem.notWholeNumber) { try SettingParsers.wholeNumber("-", of: .none, in: 1...10) }
    }

    @Test func cookieNamesAreTokens() throws {
        for name in ["connect.sid", "PHPSESSID", "ASP.NET_SessionId", "a!#$%&'*+-.^_`|~z"] {
            #expect(try SettingParsers.cookieName(name) == name)
        }
        for name in ["", "a b", "a;b", "a=b", "a,b", "(a)", "é", "a\u{7F}"] {
            #expect(throws: SettingProblem.notCookieName) { try SettingParsers.cookieName(name) }
        }
    }

    @Test func keyPrefixesRejectUnicodeSpacesAndControlsAndCountBytes() throws {
        #expect(try SettingParsers.keyPrefix("clé:") == "clé:")
        #expect(throws: SettingProblem.prefixHasSpaceOrControl) { try SettingParsers.keyPrefix("a\u{A0}b") }
        #expect(throws: SettingProblem.prefixHasSpaceOrControl) { try SettingParsers.keyPrefix("a\u{1}b") }
        // 32 two-byte characters fit in 64 bytes; 33 don't.
        #expect(try SettingParsers.keyPrefix(String(repeating: "é", count: 32)).utf8.count == 64)
        #expect(throws: SettingProblem.prefixTooLong(maximumBytes: 64)) {
            try SettingParsers.keyPrefix(String(repeating: "é", count: 33))
        }
    }

    @Test(arguments: [
        ("localhost:80", SocketAddressSpec(host: "localhost", port: 80)),
        ("10.0.0.1:65535", SocketAddressSpec(host: "10.0.0.1", port: 65535)),
        ("[::1]:1", SocketAddressSpec(host: "::1", port: 1)),
        ("[::ffff:10.0.0.1]:8080", SocketAddressSpec(host: "::ffff:10.0.0.1", port: 8080)),
        ("my_host-1.example:08080", SocketAddressSpec(host: "my_host-1.example", port: 8080)),
    ])
    func socketAddressesParse(text: String, expected: SocketAddressSpec) throws {
        #expect(try SocketAddressSpec(parsing: text) == expected)
    }

    @Test(arguments: [
        "localhost", ":80", "host:", "host:http", "::1:80", "[::1]", "[]:80", "[localhost]:80", "[::1:80",
        "a b:80", "[fe80::1%eth0]:80", "host:-1",
    ])
    func malformedSocketAddressesAreRefused(text: String) {
        #expect(throws: SocketAddressSpec.ParseFailure.malformed) { try SocketAddressSpec(parsing: text) }
    }

    @Test(arguments: ["host:0", "host:65536", "host:99999999999999999999"])
    func portsOutsideTheirRangeAreRefused(text: String) {
        #expect(throws: SocketAddressSpec.ParseFailure.portOutOfRange) { try SocketAddressSpec(parsing: text) }
    }

    @Test func unnamedIPv6BackendsAreNamedWithBrackets() throws {
        let backend = try BackendDefinition(parsing: "[::1]:8080")
        #expect(backend.name == "[::1]:8080")
        #expect(throws: SettingProblem.invalidBackendName) { try BackendDefinition(parsing: "[a]=[::1]:8080") }
        #expect(throws: SettingProblem.invalidBackendName) { try BackendDefinition(parsing: "a b=h:1") }
        #expect(try BackendDefinition(parsing: "a.b_c:d-e=h:1").name == "a.b_c:d-e")
    }

    @Test func storeURLsHideTheirCredentials() throws {
        #expect(StoreLocation.shown("redis://cache:6379") == #""redis://cache:6379""#)
        #expect(StoreLocation.shown("rediss://:pw@cache:6380") == #""rediss://(secret)@cache:6380""#)
        #expect(StoreLocation.shown("memcached://u:p@a:1/x@y") == #""memcached://(secret)@a:1/x@y""#)
        #expect(try StoreLocation(parsing: "Memory") == .memory)
    }

    @Test func redisURLs() throws {
        #expect(
            try StoreLocation(parsing: "redis://cache") == .redis(RedisLocation(address: .init(host: "cache", port: 6379)))
        )
        #expect(
            try StoreLocation(parsing: "redis://:p%40ss@10.0.0.5:6380/3")
                == .redis(RedisLocation(address: .init(host: "10.0.0.5", port: 6380), password: "p@ss", database: 3))
        )
        #expect(
            try StoreLocation(parsing: "REDIS://alice:pw@[::1]:7000/")
                == .redis(RedisLocation(address: .init(host: "::1", port: 7000), username: "alice", password: "pw"))
        )
        #expect(throws: SettingProblem.notRedisURL) { try StoreLocation(parsing: "redis://") }
        #expect(throws: SettingProblem.notRedisURL) { try StoreLocation(parsing: "redis://:%zz@h") }
        #expect(throws: SettingProblem.redisTLSNotSupported) { try StoreLocation(parsing: "rediss://h:6380") }
        #expect(
            RedisLocation(address: .init(host: "h", port: 1), password: "hunter2").description.contains("hunter2")
                == false
        )
    }

    @Test func memcachedURLs() throws {
        #expect(
            try StoreLocation(parsing: "MEMCACHED://a:11211,b")
                == .memcached([.init(host: "a", port: 11211), .init(host: "b", port: 11211)])
        )
        #expect(throws: SettingProblem.notMemcachedURL) { try StoreLocation(parsing: "memcached://") }
        #expect(throws: SettingProblem.memcachedIPv6NotSupported) { try StoreLocation(parsing: "memcached://[::1]") }
    }

    @Test func suggestionsAreCloseNamesOnly() {
        let known = ProxySetting.allCases.map(\.environmentName)
        #expect(NameSuggestion.closest(to: "STICKY_THREAD", among: known) == "STICKY_THREADS")
        #expect(NameSuggestion.closest(to: "STICKY_LISTN", among: known) == "STICKY_LISTEN")
        #expect(NameSuggestion.closest(to: "STICKY_COLOUR", among: known) == nil)
        #expect(NameSuggestion.editDistance(Array("DEFUALT"), Array("DEFAULT")) == 1)
    }

    @Test func everySettingHasDistinctNamesInEachForm() {
        let settings = ProxySetting.allCases
        #expect(Set(settings.map(\.environmentName)).count == settings.count)
        #expect(Set(settings.map(\.flag)).count == settings.count)
        #expect(ProxySetting.defaultTTL.environmentName == "STICKY_DEFAULT_TTL")
        #expect(ProxySetting.defaultTTL.flag == "--default-ttl")
        #expect(ProxySetting.storeTimeoutMilliseconds.environmentName == "STICKY_STORE_TIMEOUT_MS")
        #expect(ProxySetting.storeTimeoutMilliseconds.flag == "--store-timeout-ms")
        #expect(ProxySetting.backends.flag == "--backend")
        #expect(ProxySetting.cookieNames.flag == "--cookie-name")
        #expect(ProxySetting.cookieNames.fileKey == "cookie_names")
    }

    @Test func everySettingGivenOnTheCommandLineReachesItsKey() {
        let arguments = ProxyConfigurationLoadingTests.arguments
        // The file settings cannot sit beside what they replace: each is checked on its own.
        for setting in ProxySetting.allCases where setting != .config && setting != .keySecretFile {
            #expect(arguments.value(for: setting) != nil, "\(setting)")
        }
        #expect(CLIValues(config: "x").value(for: .config) == .string("x"))
        #expect(CLIValues(keySecretFile: "x").value(for: .keySecretFile) == .string("x"))
        #expect(CLIValues().providerValues.isEmpty)
    }
}

@Suite struct YAMLTopLevelKeysTests {
    @Test func keysAreFoundInFileOrder() throws {
        let text = """
            # comment
            listen: 0.0.0.0:80 # trailing comment
            backends:
              - a=h:1
            - b=h:2
            "quoted": 1
            'single' : 2
            with spaces  : 3
            url_like: http://x
            cookie_names: [a, b]
            empty:
            """
        #expect(
            try YAMLTopLevelKeys.keys(in: text)
                == ["listen", "backends", "quoted", "single", "with spaces", "url_like", "cookie_names", "empty"]
        )
    }

    @Test func aFlowMappingOrExplicitKeyIsUnsupported() {
        #expect(throws: YAMLTopLevelKeys.UnsupportedLine(lineNumber: 2)) {
            try YAMLTopLevelKeys.keys(in: "a: 1\n{b: 2}")
        }
        #expect(throws: YAMLTopLevelKeys.UnsupportedLine(lineNumber: 1)) { try YAMLTopLevelKeys.keys(in: "? a\n: 1") }
    }

    @Test func emptinessIgnoresCommentsAndMarkers() {
        #expect(YAMLTopLevelKeys.isEmpty(""))
        #expect(YAMLTopLevelKeys.isEmpty("\u{FEFF}# only\n---\n...\n  \n"))
        #expect(!YAMLTopLevelKeys.isEmpty("a: 1"))
    }
}
