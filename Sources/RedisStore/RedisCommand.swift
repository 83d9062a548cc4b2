import NIOCore
import StickyCore

/// One command the store sends, as its argument list.
struct RedisCommand: Hashable, Sendable {
    /// The command name and its arguments, as sent.
    let arguments: [String]

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The command in RESP, ready to write.
    func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        HiredisCodec.encode(self.arguments, into: &buffer)
        return buffer
    }
}

extension RedisCommand {
    static func get(_ key: StoreKey) -> Self {
        Self(["GET", key.rawValue])
    }

    static func set(_ key: StoreKey, to mapping: StoredMapping, ttl: Duration) -> Self {
        Self(["SET", key.rawValue, mapping.storeValue, "EX", String(Self.ttlSeconds(ttl))])
    }

    static func expire(_ key: StoreKey, ttl: Duration) -> Self {
        Self(["EXPIRE", key.rawValue, String(Self.ttlSeconds(ttl))])
    }

    static func delete(_ key: StoreKey) -> Self {
        Self(["DEL", key.rawValue])
    }

    /// The reassign script by its SHA-1, which works once the server has the script cached.
    static func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration
    ) -> Self {
        Self(["EVALSHA", Self.reassignScriptSHA1] + Self.reassignArguments(key, stale, replacement, ttl))
    }

    /// The reassign script in full, for a server that answered `NOSCRIPT`; it caches the script as it runs it.
    static func reassignWithScript(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration
    ) -> Self {
        Self(["EVAL", Self.reassignScript] + Self.reassignArguments(key, stale, replacement, ttl))
    }

    /// `AUTH [username] password`; `nil` without a password.
    static func auth(username: String?, password: String?) -> Self? {
        guard let password else { return nil }
        if let username { return Self(["AUTH", username, password]) }
        return Self(["AUTH", password])
    }

    /// `SELECT db`; `nil` for database 0, where every connection starts.
    static func select(_ database: Int) -> Self? {
        database == 0 ? nil : Self(["SELECT", String(database)])
    }

    private static func reassignArguments(
        _ key: StoreKey,
        _ stale: StoredMapping?,
        _ replacement: StoredMapping,
        _ ttl: Duration
    ) -> [String] {
        // An absent stale mapping travels as "", which no stored value equals: only an absent one is replaced.
        ["1", key.rawValue, stale?.storeValue ?? "", replacement.storeValue, String(Self.ttlSeconds(ttl))]
    }

    /// A TTL in whole seconds, as Redis takes it: rounded up, and at least 1 (`EX 0` is an error).
    static func ttlSeconds(_ ttl: Duration) -> Int64 {
        let (seconds, attoseconds) = ttl.components
        let rounded = attoseconds > 0 ? seconds + 1 : seconds
        return max(rounded, 1)
    }
}

extension RedisCommand {
    /// First writer wins: replaces the value under `KEYS[1]` with `ARGV[2]` for `ARGV[3]` seconds if it is absent,
    /// equals the stale value `ARGV[1]`, or is not a stored mapping at all (what `StoredMapping(storeValue:)`
    /// rejects: empty, or a `~` anywhere but first); returns what the key holds afterwards.
    static let reassignScript = """
        local current = redis.call('GET', KEYS[1])
        if not current or current == ARGV[1] or not string.find(current, '^~?[^~]+$') then
            redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
            return ARGV[2]
        end
        return current

        """

    /// SHA-1 of ``reassignScript``, as `SCRIPT LOAD` returns it (the integration tests check that it does).
    static let reassignScriptSHA1 = "4c44ffd37de5ac15be834d326b45be400c0766f5"
}
