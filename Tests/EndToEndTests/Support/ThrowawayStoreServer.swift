import Foundation

/// A `redis-server` or `memcached` that one test owns: loopback only, nothing written to disk, on a free port that
/// it keeps across restarts, so that a test can kill it and bring it back where the proxy expects it.
final class ThrowawayStoreServer {
    enum Kind: String {
        case redis = "redis-server"
        case memcached = "memcached"
    }

    let kind: Kind
    let port: Int
    private let logDirectory: URL
    private(set) var process: ManagedProcess?
    private var generation = 0

    /// Picks a free port and starts the server on it.
    init(_ kind: Kind, logDirectory: URL) throws {
        self.kind = kind
        self.port = try FreePort.next()
        self.logDirectory = logDirectory
        try self.start()
    }

    deinit {
        self.stop()
    }

    var redisEndpoint: RedisEndpoint { RedisEndpoint(port: self.port) }
    var memcachedEndpoint: MemcachedEndpoint { MemcachedEndpoint(port: self.port) }

    /// Starts the server (again) on its port and waits until it listens. Starting anew means empty: neither server
    /// keeps anything across a restart here.
    func start() throws {
        precondition(self.process?.isRunning != true, "\(self.kind.rawValue) on \(self.port) is already running")
        guard let executable = ExecutableSearch.path(of: self.kind.rawValue) else {
            throw TestFailure("\(self.kind.rawValue) is not on PATH")
        }
        self.generation += 1
        let arguments: [String]
        switch self.kind {
        case .redis:
            arguments = [
                "--bind", "127.0.0.1", "--port", String(self.port), "--save", "", "--appendonly", "no",
                "--dir", self.logDirectory.path, "--daemonize", "no",
            ]
        case .memcached:
            // memcached refuses to run as root unless told which user to be.
            arguments =
                ["-l", "127.0.0.1", "-p", String(self.port), "-U", "0", "-m", "64"]
                + (getuid() == 0 ? ["-u", "root"] : [])
        }
        let process = try ManagedProcess(
            name: "\(self.kind.rawValue)-\(self.port)-\(self.generation)",
            executable: executable,
            arguments: arguments,
            logDirectory: self.logDirectory
        )
        self.process = process
        try process.waitUntilListening(port: self.port, timeout: .seconds(15))
    }

    /// SIGKILLs the server: its clients see their connections reset, and new connections refused.
    func kill() throws {
        try self.process?.kill(signal: SIGKILL)
    }

    func stop() {
        self.process?.stop()
    }
}
