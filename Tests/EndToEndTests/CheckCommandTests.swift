import Foundation
import Testing

/// `sticky-proxy check`: the configuration as the server loads it, then real connections to backends and store.
@Suite("sticky-proxy check")
struct CheckCommandTests {
    /// The table line of the row named `name` (`backend  web1  …`).
    private static func row(_ name: String, in run: CommandRun) -> String? {
        run.standardOutput.split(separator: "\n").first { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == Substring(name)
        }.map(String.init)
    }

    @Test("every backend and the memory store reachable: a table and exit 0")
    func everythingReachable() throws {
        let cluster = try TestCluster(label: "check-ok")
        defer { cluster.stop() }
        let run = try CommandRun.run(
            "sticky-proxy",
            ["check"],
            environment: ["STICKY_BACKENDS": cluster.backendsSetting]
        )
        #expect(run.status == 0, "\(run.output)")
        for backend in cluster.backends {
            let line = Self.row(backend.name, in: run) ?? ""
            #expect(line.contains("127.0.0.1:\(backend.port)") && line.contains(" reachable") && line.contains(" ms"),
                "\(run.output)")
        }
        #expect(Self.row("memory", in: run)?.contains("reachable") == true, "\(run.output)")
        #expect(run.standardOutput.contains("ok: 3 backend(s)"), "\(run.output)")
    }

    @Test("a backend on a closed port: marked unreachable, exit 1")
    func closedPort() throws {
        let cluster = try TestCluster(label: "check-closed", backendCount: 1)
        defer { cluster.stop() }
        let closed = try FreePort.next()
        let run = try CommandRun.run(
            "sticky-proxy",
            ["check"],
            environment: ["STICKY_BACKENDS": cluster.backendsSetting + ",gone=127.0.0.1:\(closed)"]
        )
        #expect(run.status == 1, "\(run.output)")
        #expect(Self.row("web1", in: run)?.contains(" reachable") == true, "\(run.output)")
        let gone = Self.row("gone", in: run) ?? ""
        #expect(gone.contains("unreachable") && gone.contains("refused"), "\(run.output)")
        #expect(run.standardOutput.contains("not ready: 1 of 2 backend(s) unreachable"), "\(run.output)")
    }

    @Test("--config-only loads and validates without connecting: exit 0 even with nothing listening")
    func configOnly() throws {
        let closed = try FreePort.next()
        let run = try CommandRun.run(
            "sticky-proxy",
            ["check", "--config-only"],
            environment: ["STICKY_BACKENDS": "web1=127.0.0.1:\(closed)", "STICKY_STORE": "redis://127.0.0.1:\(closed)"]
        )
        #expect(run.status == 0, "\(run.output)")
        #expect(run.standardOutput.hasPrefix("configuration ok: 1 backend(s), store redis"), "\(run.output)")
    }

    @Test("an invalid setting: one line naming it, exit 2, with or without --config-only", arguments: [true, false])
    func invalidSetting(configOnly: Bool) throws {
        let run = try CommandRun.run(
            "sticky-proxy",
            ["check"] + (configOnly ? ["--config-only"] : []),
            environment: ["STICKY_BACKENDS": "web1=127.0.0.1:9", "STICKY_SHUTDOWN_TIMEOUT": "soon"]
        )
        #expect(run.status == 2, "\(run.output)")
        #expect(run.standardError == "error: STICKY_SHUTDOWN_TIMEOUT: \"soon\" is not a number of seconds\n",
            "\(run.output)")
    }

    @Test("flags work as for the server", arguments: [["--log-format", "yaml"], ["--access-log", "sometimes"]])
    func invalidFlag(flags: [String]) throws {
        let run = try CommandRun.run(
            "sticky-proxy",
            ["check", "--config-only", "--backend", "web1=127.0.0.1:9"] + flags,
            environment: [:]
        )
        #expect(run.status == 2, "\(run.output)")
        #expect(run.standardError.hasPrefix("error: \(flags[0]): \"\(flags[1])\""), "\(run.output)")
    }

    @Test(
        "Redis: reachable is exit 0, a closed port is exit 1 with the store unreachable",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func redis() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try TestCluster(label: "check-redis", backendCount: 1)
        defer { cluster.stop() }
        let good = try CommandRun.run(
            "sticky-proxy",
            ["check"],
            environment: ["STICKY_BACKENDS": cluster.backendsSetting, "STICKY_STORE": redis.storeSetting]
        )
        #expect(good.status == 0, "\(good.output)")
        #expect(Self.row("redis", in: good)?.contains(" reachable") == true, "\(good.output)")

        let closed = try FreePort.next()
        let bad = try CommandRun.run(
            "sticky-proxy",
            ["check"],
            environment: ["STICKY_BACKENDS": cluster.backendsSetting, "STICKY_STORE": "redis://127.0.0.1:\(closed)"]
        )
        #expect(bad.status == 1, "\(bad.output)")
        #expect(Self.row("redis", in: bad)?.contains("unreachable") == true, "\(bad.output)")
        #expect(bad.standardOutput.contains("not ready: the store is unreachable"), "\(bad.output)")
    }

    @Test(
        "memcached: reachable is exit 0",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.memcachedVariable))
    )
    func memcached() throws {
        let servers = try StoreEnvironment.memcached()
        let cluster = try TestCluster(label: "check-memcached", backendCount: 1)
        defer { cluster.stop() }
        let run = try CommandRun.run(
            "sticky-proxy",
            ["check"],
            environment: [
                "STICKY_BACKENDS": cluster.backendsSetting,
                "STICKY_STORE": MemcachedEndpoint.storeSetting(servers),
            ]
        )
        #expect(run.status == 0, "\(run.output)")
        #expect(Self.row("memcached", in: run)?.contains(" reachable") == true, "\(run.output)")
    }
}
