import NIOCore

extension MemcachedStore {
    /// Which memcached servers hold the mappings, and how long to wait for them.
    public struct Configuration: Sendable {
        /// The servers, in the order the operator configured them.
        ///
        /// Keys are placed on servers by consistent hashing (ketama) over the *spelling* of each
        /// `host:port`. Every replica must therefore list byte-identical hosts and ports, in the same
        /// order: `127.0.0.1` and `localhost`, or `mc1` and `mc1.internal`, name the same server but
        /// put the same key on different servers, and replicas would stop seeing each other's mappings.
        public var servers: [(host: String, port: Int)]
        /// How long one connect, send or receive may wait. Whole milliseconds, rounded up.
        public var timeout: Duration
        /// How many libmemcached handles, and threads running them, the store keeps.
        public var poolSize: Int
        /// How long a server that failed is left alone before it is tried again. Whole seconds,
        /// rounded up.
        public var retryTimeout: Duration

        public init(
            servers: [(host: String, port: Int)],
            timeout: Duration = .milliseconds(50),
            poolSize: Int = Configuration.defaultPoolSize,
            retryTimeout: Duration = .seconds(2)
        ) {
            self.servers = servers
            self.timeout = timeout
            self.poolSize = poolSize
            self.retryTimeout = retryTimeout
        }

        /// Twice the number of cores, and at least 4.
        public static var defaultPoolSize: Int { max(4, 2 * System.coreCount) }
    }
}

/// A checked ``MemcachedStore/Configuration``: the libmemcached configuration string and the
/// behaviours that have to be set on the handle because 1.1.4 cannot parse their option spellings.
struct MemcachedSettings: Hashable, Sendable {
    /// `--SERVER=host:port` for each server, in configured order, separated by single spaces.
    var serverList: String
    /// The options libmemcached 1.1.4 parses, in a fixed order.
    var options: String
    var poolSize: Int
    var timeoutMilliseconds: Int
    var retryTimeoutSeconds: Int
    /// Connection failures, each `retryTimeoutSeconds` apart, before a server is taken out of the
    /// ketama continuum (its keys go to the next server) for `retryTimeoutSeconds`.
    var serverFailureLimit: Int

    /// What `memcached()` and `libmemcached_check_configuration` are given.
    var configurationString: String { serverList + " " + options }

    static let maximumPoolSize = 1024

    init(_ configuration: MemcachedStore.Configuration) throws(MemcachedConfigurationError) {
        guard !configuration.servers.isEmpty else { throw .noServers }
        var seen = Set<String>()
        var entries: [String] = []
        for server in configuration.servers {
            guard Self.isPlainHost(server.host) else { throw .invalidHost(server.host) }
            guard (1...65535).contains(server.port) else {
                throw .invalidPort(host: server.host, port: server.port)
            }
            let entry = "\(server.host):\(server.port)"
            guard seen.insert(entry.lowercased()).inserted else { throw .duplicateServer(entry) }
            entries.append("--SERVER=" + entry)
        }
        guard (1...Self.maximumPoolSize).contains(configuration.poolSize) else {
            throw .invalidPoolSize(configuration.poolSize)
        }
        guard configuration.timeout > .zero, configuration.timeout <= .seconds(60) else { throw .invalidTimeout }
        guard configuration.retryTimeout > .zero, configuration.retryTimeout <= .seconds(3600) else {
            throw .invalidRetryTimeout
        }

        let timeoutMilliseconds = max(1, Self.roundedUp(configuration.timeout, unit: 1_000))
        let retryTimeoutSeconds = max(1, Self.roundedUp(configuration.retryTimeout, unit: 1))
        self.serverList = entries.joined(separator: " ")
        self.poolSize = configuration.poolSize
        self.timeoutMilliseconds = timeoutMilliseconds
        self.retryTimeoutSeconds = retryTimeoutSeconds
        self.serverFailureLimit = 2
        // Units differ: CONNECT-TIMEOUT and POLL-TIMEOUT are milliseconds, SND-TIMEOUT and
        // RCV-TIMEOUT (SO_SNDTIMEO/SO_RCVTIMEO) microseconds, RETRY-TIMEOUT seconds.
        self.options = [
            "--BINARY-PROTOCOL",
            "--TCP-NODELAY",
            "--SUPPORT-CAS",
            "--CONNECT-TIMEOUT=\(timeoutMilliseconds)",
            "--POLL-TIMEOUT=\(timeoutMilliseconds)",
            "--SND-TIMEOUT=\(timeoutMilliseconds * 1_000)",
            "--RCV-TIMEOUT=\(timeoutMilliseconds * 1_000)",
            "--RETRY-TIMEOUT=\(retryTimeoutSeconds)",
        ].joined(separator: " ")
    }

    /// A host name or IPv4 address: letters, digits, `.`, `-`, `_`, starting with a letter or digit.
    /// libmemcached's configuration parser takes no IPv6 literals and no quoting.
    static func isPlainHost(_ host: String) -> Bool {
        let bytes = Array(host.utf8)
        guard (1...253).contains(bytes.count), let first = bytes.first, Self.isAlphanumeric(first) else {
            return false
        }
        return bytes.allSatisfy {
            Self.isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `duration` in units of 1/`unit` s, rounded up. `duration` is positive and at most an hour.
    private static func roundedUp(_ duration: Duration, unit: Int64) -> Int {
        let (seconds, attoseconds) = duration.components
        let attosecondsPerUnit = 1_000_000_000_000_000_000 / unit
        let (whole, rest) = attoseconds.quotientAndRemainder(dividingBy: attosecondsPerUnit)
        return Int(seconds * unit + whole + (rest > 0 ? 1 : 0))
    }
}
