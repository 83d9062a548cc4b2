import Foundation
import Synchronization

/// Where the shared Redis and memcached servers of the test run are (`make test` starts them), and what a test does
/// when one is missing: with `CI=true` it runs and fails on the missing setting; otherwise it is skipped, with a
/// loud warning on standard output, so that a developer without the servers can still run the rest.
enum StoreEnvironment {
    static let redisVariable = "STICKY_TEST_REDIS_URL"
    static let memcachedVariable = "STICKY_TEST_MEMCACHED_SERVERS"

    static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
    }

    private static let warned = Mutex(Set<String>())

    /// For `.enabled(if:)`: whether a test that needs `variable` should run. It runs when the variable is set, and
    /// under CI even when it is not (to fail there).
    static func shouldRun(needing variable: String) -> Bool {
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return true }
        if self.isCI { return true }
        self.warnOnce(
            variable,
            "\(variable) is not set: the end-to-end tests that need it are SKIPPED. "
                + "Run `make test`, which starts throwaway servers, to run them (with CI=true they fail instead)."
        )
        return false
    }

    /// For `.enabled(if:)`: whether a test that starts its own `executable` should run: when it is on `PATH`, or
    /// under CI (to fail there).
    static func shouldRun(starting executable: String) -> Bool {
        if ExecutableSearch.path(of: executable) != nil { return true }
        if self.isCI { return true }
        self.warnOnce(
            executable,
            "\(executable) is not on PATH: the end-to-end tests that start their own \(executable) are SKIPPED "
                + "(with CI=true they fail instead)."
        )
        return false
    }

    private static func warnOnce(_ topic: String, _ message: String) {
        guard self.warned.withLock({ $0.insert(topic).inserted }) else { return }
        print(
            """

            ********************************************************************************
            WARNING: \(message)
            ********************************************************************************

            """
        )
    }

    /// The shared Redis server: `redis://host:port[/db]`, as `STICKY_STORE` spells it.
    static func redis() throws -> RedisEndpoint {
        guard let url = ProcessInfo.processInfo.environment[self.redisVariable], !url.isEmpty else {
            throw TestFailure("\(self.redisVariable) is not set (CI=true makes that a failure)")
        }
        guard let endpoint = RedisEndpoint(url: url) else {
            throw TestFailure("\(self.redisVariable)=\(url) is not redis://host:port[/db]")
        }
        return endpoint
    }

    /// The shared memcached servers: `host:port,host:port`.
    static func memcached() throws -> [MemcachedEndpoint] {
        guard let list = ProcessInfo.processInfo.environment[self.memcachedVariable], !list.isEmpty else {
            throw TestFailure("\(self.memcachedVariable) is not set (CI=true makes that a failure)")
        }
        let servers = list.split(separator: ",").map { MemcachedEndpoint(String($0)) }
        guard !servers.isEmpty, servers.allSatisfy({ $0 != nil }) else {
            throw TestFailure("\(self.memcachedVariable)=\(list) is not host:port[,host:port...]")
        }
        return servers.compactMap { $0 }
    }
}

/// A Redis server's address and database.
struct RedisEndpoint {
    var host: String
    var port: Int
    var database = 0

    init(host: String = "127.0.0.1", port: Int, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://host:port[/db]`.
    init?(url: String) {
        guard url.hasPrefix("redis://") else { return nil }
        var rest = Substring(url.dropFirst("redis://".count))
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let database = Int(path) else { return nil }
                self.database = database
            }
            rest = rest[..<slash]
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else {
            return nil
        }
        self.host = String(rest[..<colon])
        self.port = port
    }

    /// `STICKY_STORE` for this server.
    var storeSetting: String {
        "redis://\(self.host):\(self.port)" + (self.database == 0 ? "" : "/\(self.database)")
    }

    func client() throws -> RedisTestClient {
        try RedisTestClient(host: self.host, port: self.port, database: self.database)
    }
}

/// A memcached server's address.
struct MemcachedEndpoint: Equatable {
    var host: String
    var port: Int

    init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`.
    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            return nil
        }
        self.host = String(text[..<colon])
        self.port = port
    }

    var spelled: String { "\(self.host):\(self.port)" }

    /// `STICKY_STORE` for these servers, in this order.
    static func storeSetting(_ servers: [MemcachedEndpoint]) -> String {
        "memcached://" + servers.map(\.spelled).joined(separator: ",")
    }

    func client() throws -> MemcachedTestClient {
        try MemcachedTestClient(host: self.host, port: self.port)
    }
}

/// Finds executables on `PATH`.
enum ExecutableSearch {
    static func path(of name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
            .split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
