import Foundation

/// Demo backends with several `sticky-proxy` replicas (`A`, `B`) in front of them that share one store, plus any
/// throwaway store servers the test started. `stop()` ends the replicas, then the store servers, then the backends.
final class ReplicatedCluster {
    let backends: TestCluster
    let label: String
    /// `STICKY_KEY_PREFIX` of every replica: unique to this cluster, so that tests sharing a store stay apart.
    let keyPrefix: String
    private(set) var replicas: [ProxyReplica] = []
    private(set) var storeServers: [ThrowawayStoreServer] = []
    private var stopped = false

    /// Starts `backendCount` demo apps; the replicas come with `startReplicas`.
    init(label: String, backendCount: Int = 3) throws {
        self.label = label
        self.backends = try TestCluster(label: label, backendCount: backendCount)
        self.keyPrefix = StoreKeyFormula.uniquePrefix(label)
    }

    deinit {
        self.stop()
    }

    var logDirectory: URL { self.backends.logDirectory }

    /// Starts a throwaway store server that `stop()` ends.
    func startStoreServer(_ kind: ThrowawayStoreServer.Kind) throws -> ThrowawayStoreServer {
        let server = try ThrowawayStoreServer(kind, logDirectory: self.logDirectory)
        self.storeServers.append(server)
        return server
    }

    /// Starts replicas `names` with `STICKY_STORE=store`, this cluster's backends and key prefix, a store deadline
    /// generous enough for a loaded machine, and `extra` on top. `STICKY_E2E_PROXY_LOG_LEVEL` in the test's
    /// environment sets the replicas' `STICKY_LOG_LEVEL`.
    func startReplicas(
        _ names: [String] = ["A", "B"],
        store: String,
        storeTimeoutMilliseconds: Int = 500,
        extra: [String: String] = [:]
    ) throws {
        var environment = [
            "STICKY_BACKENDS": self.backends.backendsSetting,
            "STICKY_STORE": store,
            "STICKY_KEY_PREFIX": self.keyPrefix,
            "STICKY_STORE_TIMEOUT_MS": String(storeTimeoutMilliseconds),
        ]
        // A developer chasing a failure can turn up the replicas' logging without touching the tests.
        if let level = ProcessInfo.processInfo.environment["STICKY_E2E_PROXY_LOG_LEVEL"], !level.isEmpty {
            environment["STICKY_LOG_LEVEL"] = level
        }
        environment.merge(extra) { _, new in new }
        for name in names {
            self.replicas.append(
                try ProxyReplica(name: name, environment: environment, logDirectory: self.logDirectory)
            )
        }
    }

    var a: ProxyReplica { self.replicas[0] }
    var b: ProxyReplica { self.replicas[1] }

    /// A browser whose one cookie jar is used through every replica.
    func browser() -> SessionBrowser {
        SessionBrowser(replicas: self.replicas)
    }

    /// The store key of the `connect.sid` session `value`, as the README says the proxy derives it.
    func storeKey(sessionID value: String) -> String {
        StoreKeyFormula.key(prefix: self.keyPrefix, sessionID: value)
    }

    /// The last lines of every process's output, to attach to a failure.
    func diagnostics(lines: Int = 15) -> String {
        (self.replicas.map(\.process) + self.storeServers.compactMap(\.process) + self.backends.backends.map(\.process))
            .map { $0.outputSummary(lines: lines) }
            .joined(separator: "\n")
    }

    func stop() {
        guard !self.stopped else { return }
        self.stopped = true
        for replica in self.replicas { replica.stop() }
        for server in self.storeServers { server.stop() }
        self.backends.stop()
    }
}
