import Foundation
import Testing

@testable import StickyCore

/// Loads configurations from explicit command-line values, environment and YAML text, never from the process.
enum ConfigurationFixtures {
    /// The smallest environment that loads: one backend.
    static let minimalEnvironment = ["STICKY_BACKENDS": "web1=10.0.0.1:8080"]

    /// A YAML file in a fresh temporary directory, removed by `body`'s end.
    static func withConfigFile<Result>(
        _ yaml: String,
        _ body: (_ path: String) throws -> Result
    ) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sticky-config-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sticky.yaml")
        try Data(yaml.utf8).write(to: file)
        return try body(file.path)
    }

    /// The loaded configuration, with `yaml` (if any) as the file named by `STICKY_CONFIG`.
    static func load(
        _ arguments: CLIValues = CLIValues(),
        environment: [String: String] = minimalEnvironment,
        yaml: String? = nil
    ) throws -> ProxyConfiguration {
        guard let yaml else {
            return try ProxyConfiguration.load(arguments: arguments, environment: environment)
        }
        return try withConfigFile(yaml) { path in
            var environment = environment
            environment["STICKY_CONFIG"] = path
            return try ProxyConfiguration.load(arguments: arguments, environment: environment)
        }
    }

    /// The one-line message of the error that loading throws, with the file's path written as `FILE`.
    /// Records an issue if loading succeeds.
    static func errorMessage(
        _ arguments: CLIValues = CLIValues(),
        environment: [String: String] = minimalEnvironment,
        yaml: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String? {
        func message(_ environment: [String: String], path: String?) -> String? {
            do {
                let configuration = try ProxyConfiguration.load(arguments: arguments, environment: environment)
                Issue.record("loaded \(configuration) without an error", sourceLocation: sourceLocation)
                return nil
            } catch {
                let text = error.description
                #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
                guard let path else { return text }
                return text.replacing(path, with: "FILE")
            }
        }
        guard let yaml else { return message(environment, path: nil) }
        return try withConfigFile(yaml) { path in
            var environment = environment
            environment["STICKY_CONFIG"] = path
            return message(environment, path: path)
        }
    }
}
