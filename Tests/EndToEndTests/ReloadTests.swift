import Foundation
import Testing

/// SIGHUP re-reads the YAML file: backends come and go without a restart.
@Suite("proxy: live reload")
struct ReloadTests {
    @Test("SIGHUP adds a backend, removes one whose sessions then fall back, and refuses an invalid file")
    func reload() throws {
        let cluster = try TestCluster(label: "reload", backendCount: 3)
        defer { cluster.stop() }
        try cluster.writeBackendsFile(["web1", "web2"])
        try cluster.startProxyFromConfigFile()
        let proxy = try #require(cluster.proxy)

        let anonymous = HTTPTestClient(port: cluster.proxyPort, usesCookies: false)
        func backendsSeen(_ requests: Int = 12) throws -> Set<String> {
            Set(try (0..<requests).compactMap { _ in try anonymous.get("/").backend })
        }
        #expect(try backendsSeen() == ["web1", "web2"])

        // A session on web1, to see it fall back when web1 leaves.
        var onWeb1: HTTPTestClient?
        for _ in 0..<6 where onWeb1 == nil {
            let client = HTTPTestClient(port: cluster.proxyPort)
            if try client.get("/").backend == "web1" { onWeb1 = client }
        }
        let session = try #require(onWeb1)

        // Added: web3 takes new sessions.
        try cluster.writeBackendsFile(["web1", "web2", "web3"])
        kill(proxy.pid, SIGHUP)
        let added = Waiting.until { (try? backendsSeen().contains("web3")) == true }
        #expect(added != nil, "web3 never took a request\n\(cluster.diagnostics())")

        // Removed: web1 gets nothing new, and its session falls back to another backend, then sticks there.
        try cluster.writeBackendsFile(["web2", "web3"])
        kill(proxy.pid, SIGHUP)
        let removed = Waiting.until { (try? backendsSeen().contains("web1")) == false }
        #expect(removed != nil, "web1 kept taking requests\n\(cluster.diagnostics())")
        let moved = try session.get("/")
        #expect(moved.status == 200)
        let newOwner = try #require(moved.backend)
        #expect(newOwner != "web1")
        for _ in 0..<5 {
            #expect(try session.get("/").backend == newOwner)
        }

        // Invalid: refused, and the running configuration stays.
        try "backends: [web9=not a host]\n".write(to: cluster.configFile, atomically: true, encoding: .utf8)
        kill(proxy.pid, SIGHUP)
        let refused = Waiting.until { proxy.standardError.contains("configuration reload refused") }
        #expect(refused != nil, "no refusal in the log\n\(proxy.outputSummary())")
        #expect(try backendsSeen() == ["web2", "web3"])
    }

    @Test("a backend added by a reload is health-checked like the others")
    func addedBackendIsChecked() throws {
        let cluster = try TestCluster(label: "reload-health", backendCount: 2)
        defer { cluster.stop() }
        try cluster.writeBackendsFile(["web1"])
        try cluster.startProxyFromConfigFile(environment: [
            "STICKY_HEALTH_PATH": "/healthz", "STICKY_HEALTH_INTERVAL": "0.2", "STICKY_HEALTH_FALL": "2",
            "STICKY_HEALTH_RISE": "2",
        ])
        let proxy = try #require(cluster.proxy)
        let anonymous = HTTPTestClient(port: cluster.proxyPort, usesCookies: false)

        try cluster.writeBackendsFile(["web1", "web2"])
        kill(proxy.pid, SIGHUP)
        let added = Waiting.until { (try? (0..<8).contains { _ in try anonymous.get("/").backend == "web2" }) == true }
        try #require(added != nil, "web2 never took a request\n\(proxy.outputSummary())")

        // web2 still serves but fails its checks: only a checker that knows the new backend takes it out.
        #expect(try cluster.backendClient(1).request("POST", "/healthz?status=503").status == 503)
        let out = Waiting.until { (try? (0..<8).allSatisfy { _ in try anonymous.get("/").backend != "web2" }) == true }
        #expect(out != nil, "web2 was never taken out: nobody checks it\n\(proxy.outputSummary())")
    }
}
