extension RedisStore {
    /// Where the Redis server is and how to log in to it.
    public struct Configuration: Hashable, Sendable {
        /// Host name or address of the server.
        public var host: String
        public var port: Int
        /// The ACL user for `AUTH username password`; `nil` for `AUTH password` (the `default` user).
        public var username: String?
        /// Sent with `AUTH` on every new connection; `nil` sends no `AUTH`. Secret: never logged.
        public var password: String?
        /// The database every connection `SELECT`s before its first call.
        public var database: Int
        /// The longest a connection attempt may take, TCP connect and handshake (AUTH, SELECT) alike. Each
        /// call is bounded by its own deadline.
        public var timeout: Duration
        /// Whether each event loop has Redis report changes to the keys it read (client-side caching: `CLIENT
        /// TRACKING … REDIRECT` to a second connection per loop, subscribed to `__redis__:invalidate`), so that
        /// ``RedisStore/watchCoherence(on:_:)`` reports ``StoreCoherence`` events. Off: no second connection, and
        /// no events.
        public var tracking: Bool
        /// How often each invalidation listener checks its connection with `PING`; an answer must come within
        /// ``timeout``.
        var trackingPingInterval: Duration = .seconds(3)
        /// How long an invalidation listener's handshake or `PING` may go unanswered: ``timeout``, but at least a
        /// second, so that a busy event loop does not drop tracking (and the near-cache with it) for nothing.
        var trackingAnswerTimeout: Duration { max(self.timeout, .seconds(1)) }

        public init(
            host: String = "127.0.0.1",
            port: Int = 6379,
            username: String? = nil,
            password: String? = nil,
            database: Int = 0,
            timeout: Duration = .milliseconds(50),
            tracking: Bool = true
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.timeout = timeout
            self.tracking = tracking
        }
    }
}

extension RedisStore.Configuration: CustomStringConvertible {
    /// The configuration without its password.
    public var description: String {
        "redis://\(self.username.map { "\($0)@" } ?? "")\(self.host):\(self.port)/\(self.database)"
            + (self.password == nil ? "" : " (with password)")
    }
}
