/// A tiny blocking memcached text-protocol client for the tests: `stats` and `get`, to see where the proxy's keys
/// are without going through the proxy.
final class MemcachedTestClient {
    private let connection: BufferedSocket

    init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(10)) throws {
        self.connection = BufferedSocket(try TCPSocket(host: host, port: port, timeout: timeout), capacity: 16 * 1024)
    }

    /// `stats`: every `STAT name value` line.
    func stats() throws -> [String: String] {
        try self.connection.send("stats\r\n")
        var values: [String: String] = [:]
        while true {
            guard let line = try self.connection.readLine() else {
                throw TestFailure("memcached closed the connection")
            }
            if line == "END" { return values }
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, parts[0] == "STAT" else {
                throw TestFailure("memcached stats: unexpected line \(line.debugDescription)")
            }
            values[String(parts[1])] = String(parts[2])
        }
    }

    /// `curr_items` from `stats`.
    func currentItems() throws -> Int {
        guard let text = try self.stats()["curr_items"], let count = Int(text) else {
            throw TestFailure("memcached stats has no curr_items")
        }
        return count
    }

    /// `get key`: the value, or `nil` when the server does not have it (or it expired).
    func get(_ key: String) throws -> String? {
        try self.connection.send("get \(key)\r\n")
        guard let line = try self.connection.readLine() else { throw TestFailure("memcached closed the connection") }
        if line == "END" { return nil }
        let parts = line.split(separator: " ")
        guard parts.count >= 4, parts[0] == "VALUE", let length = Int(parts[3]) else {
            throw TestFailure("memcached get: unexpected line \(line.debugDescription)")
        }
        let bytes = try self.connection.readExactly(length + 2)
        guard try self.connection.readLine() == "END" else { throw TestFailure("memcached get: no END") }
        return String(decoding: bytes.prefix(length), as: UTF8.self)
    }
}
