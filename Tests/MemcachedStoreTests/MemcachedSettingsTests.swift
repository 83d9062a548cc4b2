import Testing

@testable import MemcachedStore

@Suite struct MemcachedSettingsTests {
    @Test func serverListKeepsConfiguredOrderAndSpelling() throws {
        let servers = [(host: "mc-b.internal", port: 11212), (host: "10.0.0.1", port: 11211), (host: "mc_a", port: 1)]
        let settings = try MemcachedSettings(.init(servers: servers))
        #expect(settings.serverList == "--SERVER=mc-b.internal:11212 --SERVER=10.0.0.1:11211 --SERVER=mc_a:1")
        // Deterministic: the same configuration gives byte-identical strings every time.
        #expect(try MemcachedSettings(.init(servers: servers)).configurationString == settings.configurationString)
        #expect(try MemcachedSettings(.init(servers: servers.reversed())).serverList != settings.serverList)
    }

    @Test func timeoutsAreConvertedToEachOptionsUnit() throws {
        let settings = try MemcachedSettings(
            .init(servers: [("localhost", 11211)], timeout: .milliseconds(50), poolSize: 8, retryTimeout: .seconds(2))
        )
        #expect(
            settings.options
                == "--BINARY-PROTOCOL --TCP-NODELAY --SUPPORT-CAS --CONNECT-TIMEOUT=50 --POLL-TIMEOUT=50 "
                + "--SND-TIMEOUT=50000 --RCV-TIMEOUT=50000 --RETRY-TIMEOUT=2"
        )
        #expect(settings.poolSize == 8)
        #expect(settings.serverFailureLimit == 2)
    }

    @Test func fractionalTimeoutsRoundUp() throws {
        let settings = try MemcachedSettings(
            .init(servers: [("localhost", 11211)], timeout: .microseconds(1_500), retryTimeout: .milliseconds(1_200))
        )
        #expect(settings.timeoutMilliseconds == 2)
        #expect(settings.retryTimeoutSeconds == 2)
        let tiny = try MemcachedSettings(.init(servers: [("localhost", 11211)], timeout: .nanoseconds(1)))
        #expect(tiny.timeoutMilliseconds == 1)
    }

    @Test func defaultsMatchTheDocumentation() {
        let configuration = MemcachedStore.Configuration(servers: [("localhost", 11211)])
        #expect(configuration.timeout == .milliseconds(50))
        #expect(configuration.retryTimeout == .seconds(2))
        #expect(configuration.poolSize >= 4)
    }

    @Test(
        arguments: [
            ([], MemcachedConfigurationError.noServers),
            ([("", 11211)], .invalidHost("")),
            ([("a b", 11211)], .invalidHost("a b")),
            ([("::1", 11211)], .invalidHost("::1")),
            ([("[::1]", 11211)], .invalidHost("[::1]")),
            ([("host\r\n--SERVER=evil", 11211)], .invalidHost("host\r\n--SERVER=evil")),
            ([("-host", 11211)], .invalidHost("-host")),
            ([("localhost", 0)], .invalidPort(host: "localhost", port: 0)),
            ([("localhost", 65536)], .invalidPort(host: "localhost", port: 65536)),
            ([("mc1", 11211), ("MC1", 11211)], .duplicateServer("MC1:11211")),
        ] as [([(host: String, port: Int)], MemcachedConfigurationError)]
    )
    func rejectsBadServerLists(servers: [(host: String, port: Int)], expected: MemcachedConfigurationError) {
        #expect(throws: expected) { try MemcachedSettings(.init(servers: servers)) }
    }

    @Test func rejectsBadSizesAndTimeouts() {
        let servers = [(host: "localhost", port: 11211)]
        #expect(throws: MemcachedConfigurationError.invalidPoolSize(0)) {
            try MemcachedSettings(.init(servers: servers, poolSize: 0))
        }
        #expect(throws: MemcachedConfigurationError.invalidPoolSize(5000)) {
            try MemcachedSettings(.init(servers: servers, poolSize: 5000))
        }
        for timeout in [Duration.zero, .milliseconds(-5), .seconds(61)] {
            #expect(throws: MemcachedConfigurationError.invalidTimeout) {
                try MemcachedSettings(.init(servers: servers, timeout: timeout))
            }
        }
        #expect(throws: MemcachedConfigurationError.invalidRetryTimeout) {
            try MemcachedSettings(.init(servers: servers, retryTimeout: .zero))
        }
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [MemcachedConfigurationError] = [
            .noServers, .invalidHost("a\r\nb"), .invalidPort(host: "h", port: 0), .duplicateServer("x:1"),
            .invalidTimeout, .invalidRetryTimeout, .invalidPoolSize(0), .rejectedByLibrary("one\ntwo"),
            .libraryFailure(String(repeating: "x", count: 1_000)),
        ]
        for error in errors {
            #expect(!error.description.contains("\n") && !error.description.contains("\r"))
            #expect(error.description.count < 300)
            #expect(error.description.hasPrefix("memcached: "))
        }
    }

    /// libmemcached's parser refuses some names that pass our check (a one-letter host, in 1.1.4):
    /// its complaint comes back on one line without the pointer and source location it adds.
    @Test func libraryRejectionBecomesAOneLineError() throws {
        let settings = try MemcachedSettings(.init(servers: [("h", 11211)]))
        let problem = try #require(MemcachedHandlePool.configurationProblem(settings.configurationString))
        #expect(problem.contains("syntax error"))
        #expect(!problem.contains("0x") && !problem.contains("->") && !problem.contains("\n"))
        #expect(throws: MemcachedConfigurationError.rejectedByLibrary(problem)) {
            try MemcachedHandlePool(settings: settings)
        }
        #expect(
            MemcachedHandlePool.configurationProblem(
                try MemcachedSettings(.init(servers: [("localhost", 1)])).configurationString
            ) == nil
        )
    }

    /// The spellings libmemcached 1.1.4 cannot parse, which is why those behaviours are set on the
    /// master handle instead. If a later version parses them, this test says so.
    @Test(arguments: ["--KETAMA-WEIGHTED", "--REMOVE-FAILED-SERVERS", "--SERVER-FAILURE-LIMIT=2", "--DEAD-TIMEOUT=2"])
    func optionSpellingsThatDoNotParse(option: String) {
        #expect(MemcachedHandlePool.configurationProblem("--SERVER=localhost:11211 " + option) != nil)
    }
}
