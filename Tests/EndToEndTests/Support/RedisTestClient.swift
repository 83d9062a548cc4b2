/// One reply in the Redis serialization protocol (RESP2).
enum RESPValue: Equatable {
    case simple(String)
    case error(String)
    case integer(Int)
    /// `nil` is the null bulk string.
    case bulk(String?)
    /// `nil` is the null array.
    case array([RESPValue]?)
}

/// A tiny blocking Redis client for the tests: sends commands as RESP arrays of bulk strings and reads replies.
/// Enough for `TTL`, `GET`, `EXISTS`, `SCAN`, `SELECT`; never used by the proxy.
final class RedisTestClient {
    private let connection: BufferedSocket

    init(host: String = "127.0.0.1", port: Int, database: Int = 0, timeout: Duration = .seconds(10)) throws {
        self.connection = BufferedSocket(try TCPSocket(host: host, port: port, timeout: timeout), capacity: 16 * 1024)
        if database != 0 {
            _ = try self.checked(["SELECT", String(database)])
        }
    }

    /// Sends one command and returns its reply, error replies included.
    func command(_ arguments: [String]) throws -> RESPValue {
        var request = "*\(arguments.count)\r\n"
        for argument in arguments {
            request += "$\(argument.utf8.count)\r\n\(argument)\r\n"
        }
        try self.connection.send(request)
        return try self.readValue()
    }

    /// Sends one command; an error reply throws.
    func checked(_ arguments: [String]) throws -> RESPValue {
        let reply = try self.command(arguments)
        if case .error(let message) = reply {
            throw TestFailure("redis \(arguments.first ?? ""): \(message)")
        }
        return reply
    }

    /// `TTL key`: seconds left, -1 for no expiry, -2 for no key.
    func ttl(_ key: String) throws -> Int {
        guard case .integer(let seconds) = try self.checked(["TTL", key]) else {
            throw TestFailure("redis TTL: not an integer reply")
        }
        return seconds
    }

    func get(_ key: String) throws -> String? {
        guard case .bulk(let value) = try self.checked(["GET", key]) else {
            throw TestFailure("redis GET: not a bulk reply")
        }
        return value
    }

    func exists(_ key: String) throws -> Bool {
        guard case .integer(let count) = try self.checked(["EXISTS", key]) else {
            throw TestFailure("redis EXISTS: not an integer reply")
        }
        return count > 0
    }

    /// Every key matching `pattern`, by `SCAN` until the cursor comes back to 0.
    func scan(match pattern: String) throws -> [String] {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            guard case .array(let parts?) = try self.checked(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"]),
                parts.count == 2, case .bulk(let next?) = parts[0], case .array(let batch?) = parts[1]
            else {
                throw TestFailure("redis SCAN: unexpected reply shape")
            }
            for case .bulk(let key?) in batch {
                keys.append(key)
            }
            cursor = next
        } while cursor != "0"
        return keys
    }

    private func readValue() throws -> RESPValue {
        guard let line = try self.connection.readLine(), let type = line.first else {
            throw TestFailure("redis closed the connection")
        }
        let rest = String(line.dropFirst())
        switch type {
        case "+":
            return .simple(rest)
        case "-":
            return .error(rest)
        case ":":
            guard let number = Int(rest) else { throw TestFailure("redis: bad integer \(rest.debugDescription)") }
            return .integer(number)
        case "$":
            guard let length = Int(rest) else { throw TestFailure("redis: bad bulk length \(rest.debugDescription)") }
            if length < 0 { return .bulk(nil) }
            let bytes = try self.connection.readExactly(length + 2)
            return .bulk(String(decoding: bytes.prefix(length), as: UTF8.self))
        case "*":
            guard let count = Int(rest) else { throw TestFailure("redis: bad array length \(rest.debugDescription)") }
            if count < 0 { return .array(nil) }
            return .array(try (0..<count).map { _ in try self.readValue() })
        default:
            throw TestFailure("redis: unexpected reply line \(line.debugDescription)")
        }
    }
}
