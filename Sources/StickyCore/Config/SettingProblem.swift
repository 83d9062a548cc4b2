/// What is wrong with one value, as the end of a sentence about it: `"abc"` + ` is not a whole number of seconds`.
///
/// Parsers throw it without knowing where the value came from; the loader adds the source and the value
/// to make a ``ConfigurationError``.
struct SettingProblem: Error, Hashable, Sendable {
    let text: String

    private init(_ text: String) {
        self.text = text
    }

    static let notHostPort = Self("is not HOST:PORT (IPv6 as [::1]:8080)")
    static let notHostPortOrOff = Self("is not HOST:PORT or off")
    static let portOutOfRange = Self("has a port outside 1-65535")

    static let notBackend = Self("is not NAME=HOST:PORT or HOST:PORT")
    static let emptyBackendName = Self("has an empty name")
    static let invalidBackendName = Self("has a name with characters outside A-Z a-z 0-9 . _ : -")
    static func repeatedBackendName(_ name: String) -> Self {
        Self("repeats the name \(SettingText.quoted(name))")
    }

    static let notCookieName = Self("is not a cookie name (an RFC 6265 token)")
    static let repeatedCookieName = Self("appears twice")

    static let emptyEntry = Self("has an empty entry")
    static let emptyList = Self("is an empty list")

    static let unknownStore = Self(
        "is not a known store (use memory, redis://[user:password@]host:port[/db] or memcached://host:port[,host:port])"
    )
    static let redisTLSNotSupported = Self("uses TLS (rediss://), which is not supported yet: use redis://")
    static let notRedisURL = Self("is not redis://[user:password@]host[:port][/db]")
    static let notMemcachedURL = Self("is not memcached://host[:port][,host[:port]...]")
    static let memcachedIPv6NotSupported = Self("has an IPv6 server, which libmemcached 1.1.4 cannot parse")
    static let repeatedMemcachedServer = Self("lists a server twice")

    static let notWholeSeconds = Self("is not a whole number of seconds")
    static let notWholeMilliseconds = Self("is not a whole number of milliseconds")
    static let notWholeNumber = Self("is not a whole number")
    static let notSeconds = Self("is not a number of seconds")
    static let tooLarge = Self("is too large")
    static let notPositive = Self("must be more than 0")
    static func outside(_ range: ClosedRange<Int>) -> Self {
        range.upperBound == .max
            ? Self("must be at least \(range.lowerBound)")
            : Self("must be between \(range.lowerBound) and \(range.upperBound)")
    }

    static let prefixHasSpaceOrControl = Self("must not contain spaces or control characters")
    static func prefixTooLong(maximumBytes: Int) -> Self {
        Self("is longer than \(maximumBytes) bytes")
    }

    static let emptySecret = Self("must not be empty")
    static let emptySecretFile = Self("holds no secret (the file is empty)")
    static let secretTwice = Self("is set together with the key secret itself: set one of them")

    static let notBalancePolicy = Self("is not a balancing policy (round-robin, least-connections, random-two)")
    static let notHealthPath = Self("is not a path starting with / (without spaces)")
    static let invalidWeight = Self("has a weight outside 1-1000 (NAME=HOST:PORT;weight=N)")
    static let weakAdminToken = Self("must be at least 16 visible ASCII characters, without spaces")
    static let notOnOff = Self("is not on or off (or true/false, yes/no, 1/0)")
    static let notLogFormat = Self("is not a log format (text or json)")
    static let notLogLevel = Self("is not a log level (trace, debug, info, notice, warning, error, critical)")
}
