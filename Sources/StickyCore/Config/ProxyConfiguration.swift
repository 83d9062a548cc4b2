import Logging

/// Every setting of the proxy, typed and validated, with its defaults.
///
/// Built from CLI flags, environment variables and a YAML file by `ProxyConfiguration+ConfigReader.swift`;
/// the README's settings table is the documentation of each field.
public struct ProxyConfiguration: Equatable, Sendable {
    /// `STICKY_LISTEN`: where clients connect.
    public var listen: SocketAddressSpec = SocketAddressSpec(host: "0.0.0.0", port: 8080)
    /// `STICKY_BACKENDS`: the pool, in configured order. Never empty once loaded.
    public var backends: [BackendDefinition] = []
    /// `STICKY_COOKIE_NAMES`: session cookie names; the first configured name present in a request wins.
    public var cookieNames: [String] = ["connect.sid", "PHPSESSID", "JSESSIONID", "ASP.NET_SessionId"]
    /// `STICKY_STORE`: where mappings live.
    public var store: StoreLocation = .memory
    /// `STICKY_DEFAULT_TTL`: lifetime of a mapping whose cookie has no Max-Age/Expires.
    public var defaultTTL: Duration = .seconds(1800)
    /// `STICKY_KEY_PREFIX`: prefix of every store key.
    public var keyPrefix: String = "sticky:"
    /// `STICKY_KEY_SECRET` or the contents of `STICKY_KEY_SECRET_FILE`: when set, store keys use HMAC-SHA-256
    /// with it. Never logged.
    public var keySecret: [UInt8]? = nil
    /// `STICKY_FALLBACK`: whether a session whose backend is down goes to another backend (`true`) or gets 503.
    public var fallback: Bool = true
    /// `STICKY_ADMIN_LISTEN`: the admin listener, or `nil` for `off`.
    public var adminListen: SocketAddressSpec? = SocketAddressSpec(host: "127.0.0.1", port: 9090)
    /// `STICKY_LOG_LEVEL`.
    public var logLevel: Logger.Level = .info
    /// `STICKY_MEMORY_MAX_ENTRIES`: the in-memory store's bound; the least recently used mapping goes first.
    public var memoryMaxEntries: Int = 1_000_000
    /// `STICKY_STORE_TIMEOUT_MS`: the deadline of each store call.
    public var storeTimeout: Duration = .milliseconds(50)
    /// `STICKY_UPSTREAM_TIMEOUT`: how long a backend may take to send the response head, or to send more
    /// of the body, before the client gets 504 (or the connection is cut, once the head is forwarded).
    public var upstreamTimeout: Duration = .seconds(30)
    /// `STICKY_CONNECT_TIMEOUT`: how long a TCP connect to a backend may take.
    public var connectTimeout: Duration = .seconds(5)
    /// `STICKY_BACKEND_COOLDOWN`: how long a backend that refused a connection gets no new requests.
    public var backendCooldown: Duration = .seconds(10)
    /// `STICKY_UPSTREAM_MAX_CONNECTIONS`: open connections per backend, per event loop.
    public var upstreamMaxConnections: Int = 512
    /// `STICKY_UPSTREAM_IDLE_TIMEOUT`: how long an idle pooled upstream connection is kept.
    public var upstreamIdleTimeout: Duration = .seconds(60)
    /// `STICKY_CLIENT_IDLE_TIMEOUT`: how long an idle keep-alive client connection is kept.
    public var clientIdleTimeout: Duration = .seconds(60)
    /// `STICKY_CLIENT_HEAD_TIMEOUT`: how long a client may take to send a request head once its first byte came.
    public var clientHeadTimeout: Duration = .seconds(10)
    /// `STICKY_CLIENT_BODY_TIMEOUT`: how long a client may pause while the proxy waits for more of a request body.
    public var clientBodyTimeout: Duration = .seconds(30)
    /// `STICKY_MAX_CLIENT_CONNECTIONS`: open client connections; a new one beyond it is closed at once.
    public var maxClientConnections: Int = 16384
    /// `STICKY_MAX_REQUEST_LINE_BYTES`, `STICKY_MAX_HEADER_BYTES`, `STICKY_MAX_HEADER_COUNT`,
    /// `STICKY_MAX_COOKIE_BYTES`: what one message head may hold.
    public var limits = HTTPLimits()
    /// `STICKY_THREADS`: event loops; `nil` means one per core.
    public var threads: Int? = nil
    /// `STICKY_BALANCE`: how new sessions are spread.
    public var balance: BalancePolicy = .roundRobin
    /// `STICKY_HEALTH_PATH`: the active check's path; `nil` for passive checks only.
    public var healthPath: String? = nil
    /// `STICKY_HEALTH_INTERVAL`: between two checks (or probes of a down backend).
    public var healthInterval: Duration = .seconds(2)
    /// `STICKY_HEALTH_TIMEOUT`: how long one check may take.
    public var healthTimeout: Duration = .seconds(1)
    /// `STICKY_HEALTH_RISE`: successful checks in a row that bring a down backend back.
    public var healthRise: Int = 2
    /// `STICKY_HEALTH_FALL`: failures in a row that take a backend down.
    public var healthFall: Int = 3
    /// `STICKY_LOG_FORMAT`: how log lines are written.
    public var logFormat: LogFormat = .text
    /// `STICKY_ACCESS_LOG`: whether each request gets a log line.
    public var accessLog: Bool = false
    /// `STICKY_ADMIN_TOKEN`: the bearer token of the mutating admin endpoints. Secret.
    public var adminToken: String? = nil
    /// `STICKY_SHUTDOWN_TIMEOUT`: how long requests in flight may take to finish after SIGTERM/SIGINT.
    public var shutdownTimeout: Duration = .seconds(30)
    /// `STICKY_NEAR_CACHE_SIZE`: entries of each event loop's near-cache; 0 disables it.
    public var nearCacheSize: Int = 10_000
    /// `STICKY_NEAR_CACHE_TTL_MS`: how long a near-cache entry is trusted; zero disables the near-cache.
    public var nearCacheTTL: Duration = .milliseconds(1000)
    /// `STICKY_NEAR_CACHE_TRACKED_TTL_MS`: how long a near-cache entry is trusted while the store (Redis) reports
    /// every change to it; zero turns Redis client-side caching off.
    public var nearCacheTrackedTTL: Duration = .milliseconds(60_000)

    public init() {}
}

/// A `HOST:PORT` to listen on or connect to. IPv6 hosts are written in brackets: `[::1]:8080`.
public struct SocketAddressSpec: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// One backend of the pool: `NAME=HOST:PORT`, or `HOST:PORT` whose name is `HOST:PORT`.
public struct BackendDefinition: Hashable, Sendable {
    /// What the store records; stable across replicas and address changes.
    public var name: String
    public var address: SocketAddressSpec
    /// `;weight=N`: its share of new sessions relative to the others.
    public var weight: Int

    public init(name: String, address: SocketAddressSpec, weight: Int = 1) {
        self.name = name
        self.address = address
        self.weight = weight
    }
}

/// Where mappings are kept.
public enum StoreLocation: Hashable, Sendable {
    /// The embedded in-memory store, for a single replica.
    case memory
    /// One Redis server (`redis://[user:password@]host:port[/db]`), shared by every replica.
    case redis(RedisLocation)
    /// memcached servers (`memcached://host:port[,host:port…]`), spread by consistent hashing.
    case memcached([SocketAddressSpec])
}

/// A Redis server and how to log in to it.
public struct RedisLocation: Hashable, Sendable, CustomStringConvertible {
    public var address: SocketAddressSpec
    public var username: String?
    /// Secret: never logged (``description`` leaves it out).
    public var password: String?
    public var database: Int

    public init(address: SocketAddressSpec, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    public var description: String {
        "redis://\(self.address)/\(self.database)"
    }
}
