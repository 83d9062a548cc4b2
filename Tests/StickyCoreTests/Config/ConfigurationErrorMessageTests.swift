import Foundation
import Testing

@testable import StickyCore

/// One case per distinct message, checking the exact line the operator reads after `error: `.
@Suite struct ConfigurationErrorMessageTests {
    typealias Fixtures = ConfigurationFixtures

    private static func environment(_ overrides: [String: String]) -> [String: String] {
        Fixtures.minimalEnvironment.merging(overrides) { $1 }
    }

    // MARK: Values, named by their environment variable

    @Test(arguments: [
        ("STICKY_DEFAULT_TTL", "abc", #"STICKY_DEFAULT_TTL: "abc" is not a whole number of seconds"#),
        ("STICKY_DEFAULT_TTL", "-5", #"STICKY_DEFAULT_TTL: "-5" must be at least 1"#),
        ("STICKY_STORE_TIMEOUT_MS", "fast", #"STICKY_STORE_TIMEOUT_MS: "fast" is not a whole number of milliseconds"#),
        ("STICKY_MEMORY_MAX_ENTRIES", "lots", #"STICKY_MEMORY_MAX_ENTRIES: "lots" is not a whole number"#),
        (
            "STICKY_UPSTREAM_MAX_CONNECTIONS", "99999999999999999999",
            #"STICKY_UPSTREAM_MAX_CONNECTIONS: "99999999999999999999" is too large"#
        ),
        ("STICKY_THREADS", "0", #"STICKY_THREADS: "0" must be between 1 and 256"#),
        ("STICKY_UPSTREAM_TIMEOUT", "1e3", #"STICKY_UPSTREAM_TIMEOUT: "1e3" is not a number of seconds"#),
        ("STICKY_CONNECT_TIMEOUT", "0.0", #"STICKY_CONNECT_TIMEOUT: "0.0" must be more than 0"#),
        ("STICKY_LISTEN", "8080", #"STICKY_LISTEN: "8080" is not HOST:PORT (IPv6 as [::1]:8080)"#),
        ("STICKY_LISTEN", "0.0.0.0:70000", #"STICKY_LISTEN: "0.0.0.0:70000" has a port outside 1-65535"#),
        ("STICKY_ADMIN_LISTEN", "nowhere", #"STICKY_ADMIN_LISTEN: "nowhere" is not HOST:PORT or off"#),
        ("STICKY_BACKENDS", "web1=nohost", #"STICKY_BACKENDS: "web1=nohost" is not NAME=HOST:PORT or HOST:PORT"#),
        ("STICKY_BACKENDS", "=10.0.0.1:80", #"STICKY_BACKENDS: "=10.0.0.1:80" has an empty name"#),
        (
            "STICKY_BACKENDS", "web~1=10.0.0.1:80",
            #"STICKY_BACKENDS: "web~1=10.0.0.1:80" has a name with characters outside A-Z a-z 0-9 . _ : -"#
        ),
        (
            "STICKY_BACKENDS", "web1=10.0.0.1:80,web1=10.0.0.2:80",
            #"STICKY_BACKENDS: "web1=10.0.0.2:80" repeats the name "web1""#
        ),
        (
            "STICKY_BACKENDS", "web1=10.0.0.1:80,,web2=10.0.0.2:80",
            #"STICKY_BACKENDS: "web1=10.0.0.1:80,,web2=10.0.0.2:80" has an empty entry"#
        ),
        ("STICKY_BACKENDS", "", #"STICKY_BACKENDS: "" is an empty list"#),
        (
            "STICKY_BACKENDS", "web1=10.0.0.1:80;weight=0",
            #"STICKY_BACKENDS: "web1=10.0.0.1:80;weight=0" has a weight outside 1-1000 (NAME=HOST:PORT;weight=N)"#
        ),
        (
            "STICKY_BALANCE", "fastest",
            #"STICKY_BALANCE: "fastest" is not a balancing policy (round-robin, least-connections, random-two)"#
        ),
        (
            "STICKY_HEALTH_PATH", "healthz",
            #"STICKY_HEALTH_PATH: "healthz" is not a path starting with / (without spaces)"#
        ),
        ("STICKY_HEALTH_FALL", "0", #"STICKY_HEALTH_FALL: "0" must be between 1 and 100"#),
        ("STICKY_ADMIN_TOKEN", "short", "STICKY_ADMIN_TOKEN: (secret) must be at least 16 visible ASCII characters, without spaces"),
        (
            "STICKY_COOKIE_NAMES", "sid,my cookie",
            #"STICKY_COOKIE_NAMES: "my cookie" is not a cookie name (an RFC 6265 token)"#
        ),
        ("STICKY_COOKIE_NAMES", "sid,SID,sid", #"STICKY_COOKIE_NAMES: "sid" appears twice"#),
        (
            "STICKY_STORE", "rediss://admin:hunter2@cache:6379/0",
            #"STICKY_STORE: "rediss://(secret)@cache:6379/0" uses TLS (rediss://), which is not supported yet: use redis://"#
        ),
        (
            "STICKY_STORE", "redis://admin:hunter2@cache:6379/zero",
            #"STICKY_STORE: "redis://(secret)@cache:6379/zero" is not redis://[user:password@]host[:port][/db]"#
        ),
        ("STICKY_STORE", "redis://cache:99999", #"STICKY_STORE: "redis://cache:99999" has a port outside 1-65535"#),
        (
            "STICKY_STORE", "memcached://a:11211,,b",
            #"STICKY_STORE: "memcached://a:11211,,b" is not memcached://host[:port][,host[:port]...]"#
        ),
        (
            "STICKY_STORE", "memcached://[::1]:11211",
            #"STICKY_STORE: "memcached://[::1]:11211" has an IPv6 server, which libmemcached 1.1.4 cannot parse"#
        ),
        (
            "STICKY_STORE", "memcached://a:11211,a:11211",
            #"STICKY_STORE: "memcached://a:11211,a:11211" lists a server twice"#
        ),
        (
            "STICKY_STORE", "postgres",
            #"STICKY_STORE: "postgres" is not a known store (use memory, redis://[user:password@]host:port[/db] or memcached://host:port[,host:port])"#
        ),
        (
            "STICKY_KEY_PREFIX", "my prefix",
            #"STICKY_KEY_PREFIX: "my prefix" must not contain spaces or control characters"#
        ),
        (
            "STICKY_KEY_PREFIX", String(repeating: "p", count: 65),
            #"STICKY_KEY_PREFIX: "\#(String(repeating: "p", count: 65))" is longer than 64 bytes"#
        ),
        ("STICKY_KEY_SECRET", "", "STICKY_KEY_SECRET: (secret) must not be empty"),
        ("STICKY_FALLBACK", "maybe", #"STICKY_FALLBACK: "maybe" is not on or off (or true/false, yes/no, 1/0)"#),
        (
            "STICKY_LOG_LEVEL", "loud",
            #"STICKY_LOG_LEVEL: "loud" is not a log level (trace, debug, info, notice, warning, error, critical)"#
        ),
        ("STICKY_LOG_FORMAT", "logfmt", #"STICKY_LOG_FORMAT: "logfmt" is not a log format (text or json)"#),
        (
            "STICKY_ACCESS_LOG", "verbose",
            #"STICKY_ACCESS_LOG: "verbose" is not on or off (or true/false, yes/no, 1/0)"#
        ),
        ("STICKY_SHUTDOWN_TIMEOUT", "0", #"STICKY_SHUTDOWN_TIMEOUT: "0" must be more than 0"#),
        ("STICKY_SHUTDOWN_TIMEOUT", "30s", #"STICKY_SHUTDOWN_TIMEOUT: "30s" is not a number of seconds"#),
    ])
    func anInvalidEnvironmentValueIsNamedByItsVariable(name: String, value: String, expected: String) throws {
        #expect(try Fixtures.errorMessage(environment: Self.environment([name: value])) == expected)
    }

    // MARK: Values, named by their flag or their file key

    @Test func anInvalidFlagValueIsNamedByItsFlag() throws {
        #expect(
            try Fixtures.errorMessage(CLIValues(defaultTTL: "0"))
                == #"--default-ttl: "0" must be at least 1"#
        )
        #expect(
            try Fixtures.errorMessage(CLIValues(backends: ["web1=10.0.0.1:80", ""]))
                == #"--backend: "" is not NAME=HOST:PORT or HOST:PORT"#
        )
        #expect(
            try Fixtures.errorMessage(CLIValues(cookieNames: ["sid", "sid"]))
                == #"--cookie-name: "sid" appears twice"#
        )
        #expect(
            try Fixtures.errorMessage(CLIValues(logFormat: "xml"))
                == #"--log-format: "xml" is not a log format (text or json)"#
        )
        #expect(
            try Fixtures.errorMessage(CLIValues(shutdownTimeout: "-1"))
                == #"--shutdown-timeout: "-1" is not a number of seconds"#
        )
    }

    @Test func anInvalidFileValueIsNamedByItsKeyAndTheFile() throws {
        #expect(
            try Fixtures.errorMessage(yaml: "default_ttl: 1.5")
                == #"default_ttl (in FILE): "1.5" is not a whole number of seconds"#
        )
        #expect(
            try Fixtures.errorMessage(yaml: "access_log: sometimes")
                == #"access_log (in FILE): "sometimes" is not on or off (or true/false, yes/no, 1/0)"#
        )
        #expect(
            try Fixtures.errorMessage(environment: [:], yaml: "backends: []")
                == "backends (in FILE): [] is an empty list"
        )
        #expect(
            try Fixtures.errorMessage(environment: [:], yaml: #"backends: ["a=10.0.0.1:80", ""]"#)
                == #"backends (in FILE): ["a=10.0.0.1:80", ""] has an empty entry"#
        )
    }

    @Test func aSecretNeverAppearsInAMessage() throws {
        let message = try Fixtures.errorMessage(yaml: "key_secret: [hunter2]")
        #expect(message == "key_secret (in FILE): expected a single value, not a list")
        #expect(try Fixtures.errorMessage(CLIValues(keySecret: "")) == "--key-secret: (secret) must not be empty")
    }

    @Test func aValueIsShownOnOneLineAndBounded() throws {
        #expect(
            try Fixtures.errorMessage(CLIValues(listen: "a\nb\"c"))
                == #"--listen: "a\nb\"c" is not HOST:PORT (IPv6 as [::1]:8080)"#
        )
        let long = String(repeating: "x", count: 200)
        let message = try #require(try Fixtures.errorMessage(CLIValues(listen: long)))
        #expect(
            message == #"--listen: ""# + String(repeating: "x", count: 80)
                + #"…" is not HOST:PORT (IPv6 as [::1]:8080)"#
        )
    }

    // MARK: Shapes in the file

    @Test func aListWhereOneValueIsExpected() throws {
        #expect(
            try Fixtures.errorMessage(yaml: "default_ttl: [600, 700]")
                == "default_ttl (in FILE): expected a single value, not a list"
        )
    }

    @Test func aMappingWhereAValueIsExpected() throws {
        #expect(
            try Fixtures.errorMessage(yaml: "store:\n  url: redis://cache:6379\n")
                == "store (in FILE): expected a value, not a mapping"
        )
    }

    // MARK: Missing and unknown settings

    @Test func backendsAreRequired() throws {
        #expect(
            try Fixtures.errorMessage(environment: [:])
                == "STICKY_BACKENDS is required (or --backend, or backends: in the config file)"
        )
    }

    @Test func anUnknownStickyVariableIsAnError() throws {
        #expect(
            try Fixtures.errorMessage(environment: Self.environment(["STICKY_DEFUALT_TTL": "600"]))
                == "STICKY_DEFUALT_TTL is not a known setting (did you mean STICKY_DEFAULT_TTL?)"
        )
        #expect(
            try Fixtures.errorMessage(environment: Self.environment(["STICKY_PINEAPPLE": "yes"]))
                == "STICKY_PINEAPPLE is not a known setting"
        )
    }

    @Test func anUnknownFileKeyIsAnError() throws {
        #expect(
            try Fixtures.errorMessage(yaml: "defualt_ttl: 600")
                == "defualt_ttl (in FILE) is not a known setting (did you mean default_ttl?)"
        )
        #expect(try Fixtures.errorMessage(yaml: "config: other.yaml") == "config (in FILE) is not a known setting")
        #expect(
            try Fixtures.errorMessage(yaml: "sticky:\n  default_ttl: 600\n")
                == "sticky (in FILE) is not a known setting"
        )
    }

    // MARK: The file itself

    @Test func anUnreadableFileIsNamedWithTheSystemsReason() throws {
        #expect(
            try Fixtures.errorMessage(environment: Self.environment(["STICKY_CONFIG": "/nonexistent/sticky.yaml"]))
                == #"STICKY_CONFIG: cannot read "/nonexistent/sticky.yaml": No such file or directory"#
        )
        #expect(
            try Fixtures.errorMessage(CLIValues(config: "/"))
                == #"--config: cannot read "/": Is a directory"#
        )
    }

    @Test func aFileThatIsNotASettingsMappingIsNamed() throws {
        #expect(
            try Fixtures.errorMessage(yaml: "- just\n- a list\n")
                == #"STICKY_CONFIG: "FILE" is not a valid config file: Top level YAML value is not a mapping"#
        )
        let badSyntax = try #require(try Fixtures.errorMessage(yaml: "key_secret: hunter2\ndefault_ttl: [600\n"))
        #expect(badSyntax.hasPrefix(#"STICKY_CONFIG: "FILE" is not a valid config file: "#))
        #expect(!badSyntax.contains("hunter2"))
        #expect(
            try Fixtures.errorMessage(yaml: "{default_ttl: 600}")
                == #"STICKY_CONFIG: "FILE" is not a valid config file: line 1 is not "key: value""#
        )
    }
}

extension ConfigurationErrorMessageTests {
    @Test func limitsOutsideTheirRangeAreNamed() throws {
        #expect(
            try Fixtures.errorMessage(CLIValues(maxHeaderBytes: "100"))
                == #"--max-header-bytes: "100" must be between 256 and 1048576"#
        )
        #expect(
            try Fixtures.errorMessage(environment: Fixtures.minimalEnvironment.merging(["STICKY_MAX_HEADER_COUNT": "0"]) {
                $1
            }) == #"STICKY_MAX_HEADER_COUNT: "0" must be between 8 and 10000"#
        )
        #expect(
            try Fixtures.errorMessage(yaml: "client_head_timeout: 0")
                == #"client_head_timeout (in FILE): "0" must be more than 0"#
        )
        #expect(
            try Fixtures.errorMessage(CLIValues(maxClientConnections: "many"))
                == #"--max-client-connections: "many" is not a whole number"#
        )
    }
}
