import Foundation
import Synchronization
import Testing

/// Where the integration tests find memcached: the servers in `STICKY_TEST_MEMCACHED_SERVERS`
/// (`host:port,host:port`), and the `memcached` binary on `PATH` for tests that start, kill and
/// restart servers of their own.
///
/// Without them a test is skipped with a loud warning, except under `CI=true`, where it runs and fails.
enum MemcachedTestEnvironment {
    static let serversVariable = "STICKY_TEST_MEMCACHED_SERVERS"

    static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
    }

    /// The configured servers, or `nil` when the variable is unset or empty.
    static var configuredServers: [(host: String, port: Int)]? {
        guard let text = ProcessInfo.processInfo.environment[serversVariable],
            !text.trimmingCharacters(in: .whitespaces).isEmpty
        else { return nil }
        return text.split(separator: ",").compactMap { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...])
            else { return nil }
            return (String(trimmed[..<colon]), port)
        }
    }

    /// The `memcached` binary on `PATH`, if there is one.
    static let memcachedBinary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/memcached"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Trait condition for tests that use the configured servers: run them if they are configured or
    /// on CI (where their absence is a failure); otherwise skip them and say so loudly.
    static var runsServerTests: Bool {
        if configuredServers != nil || isCI { return true }
        warnOnce(
            "\(serversVariable) is not set: memcached integration tests are SKIPPED. "
                + "Set it, e.g. \(serversVariable)=127.0.0.1:11311,127.0.0.1:11312"
        )
        return false
    }

    /// Trait condition for tests that start their own memcached processes.
    static var runsProcessTests: Bool {
        if memcachedBinary != nil || isCI { return true }
        warnOnce("no memcached binary on PATH: tests that start memcached servers are SKIPPED")
        return false
    }

    /// The configured servers; records a failure (it only gets here when they are required) if unset.
    static func servers(minimumCount: Int = 1) throws -> [(host: String, port: Int)] {
        let servers = try #require(
            configuredServers,
            "\(serversVariable) must name memcached servers when CI=true"
        )
        try #require(servers.count >= minimumCount, "\(serversVariable) needs at least \(minimumCount) servers")
        return servers
    }

    static func binary() throws -> String {
        try #require(memcachedBinary, "the memcached binary must be on PATH when CI=true")
    }

    private static let warned = Mutex<Set<String>>([])

    private static func warnOnce(_ message: String) {
        let isNew = warned.withLock { $0.insert(message).inserted }
        guard isNew else { return }
        let line = String(repeating: "!", count: 100)
        print("\(line)\n!!! WARNING: \(message)\n\(line)")
    }
}
