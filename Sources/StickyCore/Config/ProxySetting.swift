/// Every setting of the proxy, with its name in each of the three places an operator can write it.
///
/// The names are a public interface: `STICKY_DEFAULT_TTL` in the environment, `--default-ttl` on the
/// command line and `default_ttl:` in the YAML file all name ``defaultTTL``. This catalogue is the one place
/// they are spelled, so that loading, error messages, `--help` and the unknown-name checks agree.
public enum ProxySetting: String, CaseIterable, Hashable, Sendable {
    case listen
    case backends
    case cookieNames = "cookie_names"
    case store
    case defaultTTL = "default_ttl"
    case keyPrefix = "key_prefix"
    case keySecret = "key_secret"
    case keySecretFile = "key_secret_file"
    case fallback
    case adminListen = "admin_listen"
    case config
    case logLevel = "log_level"
    case memoryMaxEntries = "memory_max_entries"
    case storeTimeoutMilliseconds = "store_timeout_ms"
    case upstreamTimeout = "upstream_timeout"
    case connectTimeout = "connect_timeout"
    case backendCooldown = "backend_cooldown"
    case upstreamMaxConnections = "upstream_max_connections"
    case upstreamIdleTimeout = "upstream_idle_timeout"
    case clientIdleTimeout = "client_idle_timeout"
    case clientHeadTimeout = "client_head_timeout"
    case clientBodyTimeout = "client_body_timeout"
    case maxClientConnections = "max_client_connections"
    case maxRequestLineBytes = "max_request_line_bytes"
    case maxHeaderBytes = "max_header_bytes"
    case maxHeaderCount = "max_header_count"
    case maxCookieBytes = "max_cookie_bytes"
    case threads
    case balance
    case healthPath = "health_path"
    case healthInterval = "health_interval"
    case healthTimeout = "health_timeout"
    case healthRise = "health_rise"
    case healthFall = "health_fall"
    case logFormat = "log_format"
    case accessLog = "access_log"
    case shutdownTimeout = "shutdown_timeout"
    case adminToken = "admin_token"
    case nearCacheSize = "near_cache_size"
    case nearCacheTTLMilliseconds = "near_cache_ttl_ms"
    case nearCacheTrackedTTLMilliseconds = "near_cache_tracked_ttl_ms"

    /// The key in the YAML file, and the swift-configuration key: `default_ttl`.
    public var fileKey: String { rawValue }

    /// The environment variable: `STICKY_DEFAULT_TTL`.
    public var environmentName: String { Self.environmentPrefix + rawValue.uppercased() }

    /// The long command-line option without its dashes: `default-ttl`. Lists take one value per flag,
    /// so their flag is singular (`--backend`, `--cookie-name`).
    public var optionName: String {
        switch self {
        case .backends: "backend"
        case .cookieNames: "cookie-name"
        default: String(rawValue.map { $0 == "_" ? "-" : $0 })
        }
    }

    /// The command-line option as written: `--default-ttl`.
    public var flag: String { "--" + optionName }

    /// Whether the setting is a list: comma-separated in the environment, a repeated flag, a YAML list.
    public var isList: Bool { self == .backends || self == .cookieNames }

    /// Whether the value must never appear in a message or a log line.
    public var isSecret: Bool { self == .keySecret || self == .adminToken }

    /// Whether the YAML file may hold it (the file cannot name itself).
    public var isAllowedInFile: Bool { self != .config }

    /// One line for `--help`: what it is for, without the default.
    public var summary: String {
        switch self {
        case .listen: "Where clients connect: HOST:PORT, IPv6 as [::1]:8080."
        case .backends: "A backend: NAME=HOST:PORT, or HOST:PORT named after itself. Repeat for each backend."
        case .cookieNames: "A session cookie name; the first one present in a request wins. Repeatable."
        case .store: "Where mappings live: memory."
        case .defaultTTL: "Seconds a mapping lives when its cookie has no Max-Age or Expires."
        case .keyPrefix: "Prefix of every store key (at most 64 bytes, no spaces)."
        case .keySecret: "When set, store keys are HMAC-SHA-256 with this secret."
        case .keySecretFile: "A file holding the key secret (one trailing newline is dropped), instead of key_secret."
        case .fallback: "Send a session whose backend is down to another backend (on), or answer 503 (off)."
        case .adminListen: "Admin listener for /metrics, /healthz, /readyz: HOST:PORT, or off."
        case .config: "A YAML file of settings (keys are the snake_case names)."
        case .logLevel: "trace, debug, info, notice, warning, error or critical."
        case .memoryMaxEntries: "Most mappings the in-memory store keeps."
        case .storeTimeoutMilliseconds: "Deadline of each store call, in milliseconds."
        case .upstreamTimeout: "Seconds a backend may take to send the response head or more of the body."
        case .connectTimeout: "Seconds a TCP connect to a backend may take."
        case .backendCooldown: "Seconds a backend that refused a connection gets no new requests."
        case .upstreamMaxConnections: "Open connections per backend, per event loop."
        case .upstreamIdleTimeout: "Seconds an idle pooled backend connection is kept."
        case .clientIdleTimeout: "Seconds an idle keep-alive client connection is kept."
        case .clientHeadTimeout: "Seconds a client may take to send a request head once it has begun; then 408."
        case .clientBodyTimeout: "Seconds a client may pause while sending a request body; then 408 (or a cut)."
        case .maxClientConnections: "Open client connections; beyond it a new connection is closed at once."
        case .maxRequestLineBytes: "Longest request target (URI) in bytes; a longer one gets 414."
        case .maxHeaderBytes: "Most bytes of header names and values in a request (else 431) or response (else 502)."
        case .maxHeaderCount: "Most header fields in a request (else 431) or a backend response (else 502)."
        case .maxCookieBytes: "Most bytes of Cookie header values in a request; more gets 431."
        case .threads: "Event loop threads, 1-256."
        case .balance: "How new sessions are spread: round-robin, least-connections or random-two."
        case .healthPath: "Path of the active health check (GET, 2xx/3xx is healthy); unset: passive checks only."
        case .healthInterval: "Seconds between two health checks of a backend."
        case .healthTimeout: "Seconds a health check may take."
        case .healthRise: "Successful checks in a row that bring a down backend back."
        case .healthFall: "Failures in a row (checks, refused connections, resets, timeouts) that take a backend down."
        case .logFormat: "Log lines as text or json (one JSON object per line)."
        case .accessLog: "One log line per request (on), or none (off)."
        case .shutdownTimeout: "Seconds requests in flight may take to finish after SIGTERM before they are cut."
        case .adminToken: "Bearer token the mutating admin endpoints (drain, undrain) require."
        case .nearCacheSize: "Mappings each event loop keeps in its near-cache in front of the store; 0 disables it."
        case .nearCacheTTLMilliseconds: "Milliseconds a near-cache entry is trusted; 0 disables the near-cache."
        case .nearCacheTrackedTTLMilliseconds:
            "Milliseconds a near-cache entry is trusted while Redis reports changes to it; 0 turns tracking off."
        }
    }

    /// The default as an operator would write it, or `nil` when there is none.
    public var defaultDescription: String? {
        switch self {
        case .listen: "0.0.0.0:8080"
        case .backends: nil
        case .cookieNames: "connect.sid,PHPSESSID,JSESSIONID,ASP.NET_SessionId"
        case .store: "memory"
        case .defaultTTL: "1800"
        case .keyPrefix: "sticky:"
        case .keySecret: nil
        case .keySecretFile: nil
        case .fallback: "on"
        case .adminListen: "127.0.0.1:9090"
        case .config: nil
        case .logLevel: "info"
        case .memoryMaxEntries: "1000000"
        case .storeTimeoutMilliseconds: "50"
        case .upstreamTimeout: "30"
        case .connectTimeout: "5"
        case .backendCooldown: "10"
        case .upstreamMaxConnections: "512"
        case .upstreamIdleTimeout: "60"
        case .clientIdleTimeout: "60"
        case .clientHeadTimeout: "10"
        case .clientBodyTimeout: "30"
        case .maxClientConnections: "16384"
        case .maxRequestLineBytes: "8192"
        case .maxHeaderBytes: "32768"
        case .maxHeaderCount: "100"
        case .maxCookieBytes: "8192"
        case .threads: "one per core"
        case .balance: "round-robin"
        case .healthPath: nil
        case .healthInterval: "2"
        case .healthTimeout: "1"
        case .healthRise: "2"
        case .healthFall: "3"
        case .logFormat: "text"
        case .accessLog: "off"
        case .shutdownTimeout: "30"
        case .adminToken: nil
        case .nearCacheSize: "10000"
        case .nearCacheTTLMilliseconds: "1000"
        case .nearCacheTrackedTTLMilliseconds: "60000"
        }
    }

    /// Every environment variable this prefix starts is a setting; any other is a typo.
    static let environmentPrefix = "STICKY_"

    /// The setting an environment variable names, if any.
    init?(environmentName: String) {
        guard let setting = Self.allCases.first(where: { $0.environmentName == environmentName }) else {
            return nil
        }
        self = setting
    }

    /// The setting a key of the YAML file names, if any.
    init?(fileKey: String) {
        guard let setting = Self(rawValue: fileKey), setting.isAllowedInFile else { return nil }
        self = setting
    }
}
