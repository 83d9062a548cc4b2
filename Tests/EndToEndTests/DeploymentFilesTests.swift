import Foundation
import Testing
import Yams

/// `docker-compose.yml` and `config/` hold settings the proxy accepts: each is checked with
/// `sticky-proxy check --config-only`, which loads a configuration exactly as the server does.
@Suite("deployment files")
struct DeploymentFilesTests {
    /// The repository's root, from this file's place in it.
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func read(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// A compose `environment:` as a dictionary of strings, whether it is written as a mapping or a list.
    private static func environment(of service: [String: Any]) -> [String: String] {
        func text(_ value: Any) -> String {
            switch value {
            case let bool as Bool: bool ? "true" : "false"
            default: "\(value)"
            }
        }
        if let mapping = service["environment"] as? [String: Any] {
            return mapping.mapValues(text)
        }
        var result: [String: String] = [:]
        for entry in service["environment"] as? [String] ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
        }
        return result
    }

    private static func checkConfigOnly(
        _ environment: [String: String],
        arguments: [String] = []
    ) throws -> CommandRun {
        try CommandRun.run("sticky-proxy", ["check", "--config-only"] + arguments, environment: environment)
    }

    @Test("docker-compose.yml: two replicas under the alias proxy, every STICKY_* setting and the memcached line load")
    func composeFile() throws {
        let text = try Self.read("docker-compose.yml")
        let compose = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        let proxies = services.compactMapValues { $0 as? [String: Any] }.filter { _, service in
            Self.environment(of: service).keys.contains { $0.hasPrefix("STICKY_") }
        }
        #expect(proxies.count == 2, "services with STICKY_* settings: \(proxies.keys.sorted())")
        for (name, service) in proxies.sorted(by: { $0.key < $1.key }) {
            let networks = service["networks"] as? [String: Any]
            let aliases = (networks?["default"] as? [String: Any])?["aliases"] as? [String] ?? []
            #expect(aliases.contains("proxy"), "\(name) has no network alias proxy")
            let environment = Self.environment(of: service)
            let backends = try #require(environment["STICKY_BACKENDS"])
            for backend in ["web1", "web2", "web3"] {
                #expect(services[backend] != nil && backends.contains("\(backend)="), "\(name): \(backends)")
            }
            let run = try Self.checkConfigOnly(environment)
            #expect(run.status == 0, "\(name): \(run.output)")
            #expect(run.standardOutput.contains("store redis"), "\(name): \(run.output)")
        }
        #expect(services["redis"] != nil && services["memcached"] != nil)

        // The commented way to switch to memcached is a valid setting too.
        let switches = text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("# STICKY_STORE:") else { return nil }
            return trimmed.dropFirst("# STICKY_STORE:".count).trimmingCharacters(in: CharacterSet(charactersIn: " \""))
        }
        #expect(switches.count == 2 && switches.allSatisfy { $0.hasPrefix("memcached://") }, "\(switches)")
        for store in Set(switches) {
            var environment = Self.environment(of: proxies.values.first!)
            environment["STICKY_STORE"] = store
            let run = try Self.checkConfigOnly(environment)
            #expect(run.status == 0 && run.standardOutput.contains("store memcached"), "\(run.output)")
        }
    }

    @Test("config/*.yaml: each example loads", arguments: ["config/memory.yaml", "config/redis.yaml",
        "config/memcached.yaml"])
    func exampleConfigFile(path: String) throws {
        let run = try Self.checkConfigOnly([:], arguments: ["--config", Self.root.appendingPathComponent(path).path])
        #expect(run.status == 0, "\(path): \(run.output)")
    }

    @Test("config/sticky.env.example: every variable accepted")
    func exampleEnvironmentFile() throws {
        var environment: [String: String] = [:]
        for line in try Self.read("config/sticky.env.example").split(separator: "\n")
        where !line.hasPrefix("#") && line.contains("=") {
            let parts = line.split(separator: "=", maxSplits: 1)
            environment[String(parts[0])] = String(parts[1])
        }
        #expect(environment.count >= 10, "\(environment.keys.sorted())")
        let run = try Self.checkConfigOnly(environment)
        #expect(run.status == 0, "\(run.output)")
    }

    @Test("a typo in a compose-style environment is caught the same way (the check can fail)")
    func typoIsCaught() throws {
        let run = try Self.checkConfigOnly(["STICKY_BACKENDS": "web1=web1:9001", "STICKY_ACESS_LOG": "on"])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.standardError.contains("STICKY_ACESS_LOG"), "\(run.output)")
    }
}
