extension StoreLocation {
    static let defaultRedisPort = 6379
    static let defaultMemcachedPort = 11211

    /// Parses `memory`, `redis://[user:password@]host[:port][/db]` or `memcached://host[:port][,host[:port]…]`.
    init(parsing text: String) throws(SettingProblem) {
        let lowercased = text.lowercased()
        if lowercased == "memory" {
            self = .memory
        } else if lowercased.hasPrefix("rediss://") {
            throw .redisTLSNotSupported
        } else if lowercased.hasPrefix("redis://") {
            self = .redis(try Self.redis(text.dropFirst("redis://".count)))
        } else if lowercased.hasPrefix("memcached://") {
            self = .memcached(try Self.memcached(text.dropFirst("memcached://".count)))
        } else {
            throw .unknownStore
        }
    }

    private static func redis(_ rest: Substring) throws(SettingProblem) -> RedisLocation {
        var authority = rest
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard path.allSatisfy(\.isASCIIDigit), let number = Int(path), number <= 1_000_000 else {
                    throw .notRedisURL
                }
                database = number
            }
        }
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let user = userInfo.prefix { $0 != ":" }
            let secret = userInfo.dropFirst(user.count).dropFirst()
            guard let decodedUser = Self.percentDecoded(user), let decodedSecret = Self.percentDecoded(secret) else {
                throw .notRedisURL
            }
            username = decodedUser.isEmpty ? nil : decodedUser
            password = decodedSecret.isEmpty ? nil : decodedSecret
        }
        let address = try Self.address(authority, defaultPort: Self.defaultRedisPort, else: .notRedisURL)
        return RedisLocation(address: address, username: username, password: password, database: database)
    }

    private static func memcached(_ rest: Substring) throws(SettingProblem) -> [SocketAddressSpec] {
        var servers: [SocketAddressSpec] = []
        for entry in rest.split(separator: ",", omittingEmptySubsequences: false) {
            if entry.first == "[" { throw .memcachedIPv6NotSupported }
            let server = try Self.address(entry, defaultPort: Self.defaultMemcachedPort, else: .notMemcachedURL)
            guard !servers.contains(server) else { throw .repeatedMemcachedServer }
            servers.append(server)
        }
        return servers
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func address(
        _ text: Substring,
        defaultPort: Int,
        else problem: SettingProblem
    ) throws(SettingProblem) -> SocketAddressSpec {
        let hasPort = text.first == "[" ? text.contains("]:") : text.contains(":")
        let spelled = hasPort ? String(text) : "\(text):\(defaultPort)"
        do {
            return try SocketAddressSpec(parsing: spelled)
        } catch {
            switch error {
            case .malformed: throw problem
            case .portOutOfRange: throw .portOutOfRange
            }
        }
    }

    /// RFC 3986 percent-decoding, for a password with `@`, `:` or `/` in it; `nil` for a broken escape.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value as a message may show it: quoted, with any `user:password@` of a URL withheld.
    static func shown(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else { return SettingText.quoted(text) }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return SettingText.quoted(text) }
        let withheld = text[..<schemeEnd.upperBound] + SettingText.secret + text[at...]
        return SettingText.quoted(withheld)
    }
}
