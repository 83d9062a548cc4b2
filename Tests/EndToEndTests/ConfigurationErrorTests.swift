import Testing

/// The proxy refuses a bad setting at start-up, naming it.
@Suite("proxy: configuration errors")
struct ConfigurationErrorTests {
    @Test("STICKY_DEFAULT_TTL=abc exits 2 with one stderr line naming the setting and the value")
    func invalidDefaultTTL() throws {
        let cluster = try TestCluster(label: "config-error", backendCount: 1)
        defer { cluster.stop() }

        let proxy = try ManagedProcess(
            name: "sticky-proxy",
            executable: BinaryLocator.path(of: "sticky-proxy"),
            environment: try cluster.proxyEnvironment(["STICKY_DEFAULT_TTL": "abc"]),
            logDirectory: cluster.logDirectory
        )
        let status = try proxy.waitForExit(timeout: .seconds(30))
        let lines = proxy.standardError.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }

        #expect(status == 2, "exit status \(status)\n\(proxy.outputSummary())")
        #expect(lines.count == 1, "stderr: \(proxy.standardError.debugDescription)")
        #expect(lines.first?.contains("STICKY_DEFAULT_TTL") == true, "stderr: \(proxy.standardError.debugDescription)")
        #expect(lines.first?.contains("\"abc\"") == true, "stderr: \(proxy.standardError.debugDescription)")
    }
}
