import Foundation

/// Demo backends (`web1`, `web2`, ...) and, when asked, a `sticky-proxy` in front of them, each a real process on
/// its own free loopback port. Everything it started is stopped by `stop()` or, at the latest, when it is released.
///
/// Logs go to a fresh directory under `STICKY_E2E_LOG_DIR` (or the temporary directory) and are deleted on `stop()`
/// unless `STICKY_E2E_KEEP_LOGS=1`.
final class TestCluster {
    /// One demo backend.
    struct Backend {
        let name: String
        let port: Int
        let process: ManagedProcess
    }

    let logDirectory: URL
    private(set) var backends: [Backend] = []
    private(set) var proxy: ManagedProcess?
    private(set) var proxyPort = 0
    private(set) var adminPort = 0
    private var stopped = false

    /// Starts `backendCount` demo apps (none is fine: the test brings its own backends) and waits until each
    /// one listens.
    init(label: String, backendCount: Int = 3) throws {
        let environment = ProcessInfo.processInfo.environment
        let root =
            environment["STICKY_E2E_LOG_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("sticky-e2e")
        self.logDirectory = root.appendingPathComponent("\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

        let demoApp = try BinaryLocator.path(of: "demo-app")
        for index in 0..<backendCount {
            let name = "web\(index + 1)"
            let port = try FreePort.next()
            let process = try ManagedProcess(
                name: name,
                executable: demoApp,
                arguments: ["--name", name, "--port", String(port), "--host", "127.0.0.1", "--threads", "1"],
                logDirectory: self.logDirectory
            )
            self.backends.append(Backend(name: name, port: port, process: process))
        }
        for backend in self.backends {
            try backend.process.waitUntilListening(port: backend.port)
        }
    }

    /// Starts a cluster with a proxy in front of its backends.
    static func withProxy(
        label: String,
        backendCount: Int = 3,
        environment: [String: String] = [:]
    ) throws -> TestCluster {
        let cluster = try TestCluster(label: label, backendCount: backendCount)
        do {
            try cluster.startProxy(environment: environment)
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    deinit {
        self.stop()
    }

    /// `STICKY_BACKENDS` for this cluster: `web1=127.0.0.1:P1,web2=...`.
    var backendsSetting: String {
        self.backends.map { "\($0.name)=127.0.0.1:\($0.port)" }.joined(separator: ",")
    }

    /// The environment the proxy runs with: loopback listeners on free ports, these backends, the memory store.
    func proxyEnvironment(_ extra: [String: String] = [:]) throws -> [String: String] {
        if self.proxyPort == 0 {
            self.proxyPort = try FreePort.next()
            self.adminPort = try FreePort.next()
        }
        var environment = [
            "STICKY_LISTEN": "127.0.0.1:\(self.proxyPort)",
            "STICKY_ADMIN_LISTEN": "127.0.0.1:\(self.adminPort)",
            "STICKY_BACKENDS": self.backendsSetting,
            "STICKY_STORE": "memory",
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Starts `sticky-proxy` in front of the backends and waits until it listens.
    func startProxy(environment extra: [String: String] = [:]) throws {
        try self.startProxy(fullEnvironment: try self.proxyEnvironment(extra))
    }

    private func startProxy(fullEnvironment environment: [String: String]) throws {
        let proxy = try ManagedProcess(
            name: "sticky-proxy",
            executable: try BinaryLocator.path(of: "sticky-proxy"),
            environment: environment,
            logDirectory: self.logDirectory
        )
        self.proxy = proxy
        try proxy.waitUntilListening(port: self.proxyPort)
    }

    /// The YAML file a proxy started by ``startProxy(configFile:environment:)`` reads; a reload reads it again.
    var configFile: URL { self.logDirectory.appendingPathComponent("sticky.yaml") }

    /// Writes ``configFile`` with `names` (backends of this cluster) as its only setting, the `backends:` list.
    func writeBackendsFile(_ names: [String]) throws {
        let entries = names.map { name in "  - \(name)=127.0.0.1:\(self.backend(named: name)!.port)" }
        try ("backends:\n" + entries.joined(separator: "\n") + "\n")
            .write(to: self.configFile, atomically: true, encoding: .utf8)
    }

    /// Starts `sticky-proxy` with its backends from ``configFile`` rather than the environment (which would win
    /// over the file), and waits until it listens.
    func startProxyFromConfigFile(environment extra: [String: String] = [:]) throws {
        var environment = try self.proxyEnvironment(extra.merging(["STICKY_CONFIG": self.configFile.path]) { $1 })
        environment["STICKY_BACKENDS"] = nil
        try self.startProxy(fullEnvironment: environment)
    }

    /// A client of the proxy.
    func proxyClient(usesCookies: Bool = true) -> HTTPTestClient {
        precondition(self.proxyPort != 0, "the proxy was not started")
        return HTTPTestClient(port: self.proxyPort, usesCookies: usesCookies)
    }

    /// A client of backend `index` (0-based), bypassing the proxy.
    func backendClient(_ index: Int, usesCookies: Bool = true) -> HTTPTestClient {
        HTTPTestClient(port: self.backends[index].port, usesCookies: usesCookies)
    }

    func backend(named name: String) -> Backend? {
        self.backends.first { $0.name == name }
    }

    var backendNames: Set<String> { Set(self.backends.map(\.name)) }

    /// The last lines of every process's output, to attach to a failure.
    func diagnostics() -> String {
        ([self.proxy].compactMap { $0 } + self.backends.map(\.process))
            .map { $0.outputSummary(lines: 15) }
            .joined(separator: "\n")
    }

    /// Stops the proxy, then the backends, and removes the logs unless asked to keep them.
    func stop() {
        guard !self.stopped else { return }
        self.stopped = true
        self.proxy?.stop()
        for backend in self.backends {
            backend.process.stop()
        }
        if ProcessInfo.processInfo.environment["STICKY_E2E_KEEP_LOGS"] != "1" {
            try? FileManager.default.removeItem(at: self.logDirectory)
        }
    }
}
