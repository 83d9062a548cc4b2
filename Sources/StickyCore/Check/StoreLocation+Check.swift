extension StoreLocation {
    /// `memory`, `redis` or `memcached`.
    public var kind: String {
        switch self {
        case .memory: "memory"
        case .redis: "redis"
        case .memcached: "memcached"
        }
    }

    /// Where the store is, without credentials: `-`, `cache:6379/0`, `a:11211,b:11211`.
    public var shownAddress: String {
        switch self {
        case .memory: "-"
        case .redis(let location): "\(location.address)/\(location.database)"
        case .memcached(let servers): servers.map(\.description).joined(separator: ",")
        }
    }
}
