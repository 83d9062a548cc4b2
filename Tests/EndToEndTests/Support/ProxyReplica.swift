import Foundation

/// One `sticky-proxy` process among several in front of the same backends, sharing a store with the others.
final class ProxyReplica {
    let name: String
    let port: Int
    let adminPort: Int
    let process: ManagedProcess

    /// Starts `sticky-proxy` on free loopback ports with `environment` (which names the backends and the store) and
    /// waits until it listens.
    init(name: String, environment: [String: String], logDirectory: URL) throws {
        self.name = name
        self.port = try FreePort.next()
        self.adminPort = try FreePort.next()
        var environment = environment
        environment["STICKY_LISTEN"] = "127.0.0.1:\(self.port)"
        environment["STICKY_ADMIN_LISTEN"] = "127.0.0.1:\(self.adminPort)"
        self.process = try ManagedProcess(
            name: "sticky-proxy-\(name)",
            executable: try BinaryLocator.path(of: "sticky-proxy"),
            environment: environment,
            logDirectory: logDirectory
        )
        try self.process.waitUntilListening(port: self.port)
    }

    /// A client of this replica.
    func client(usesCookies: Bool = true) -> HTTPTestClient {
        HTTPTestClient(port: self.port, usesCookies: usesCookies)
    }

    /// `GET path` on the admin listener, on a fresh connection.
    func admin(_ path: String) throws -> HTTPTestResponse {
        let client = HTTPTestClient(port: self.adminPort, usesCookies: false, timeout: .seconds(10))
        defer { client.close() }
        return try client.get(path)
    }

    func stop() {
        self.process.stop()
    }
}
