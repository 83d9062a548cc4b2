import Foundation

/// A run of a built executable to its end (`sticky-proxy check`, say): its exit status and its output.
struct CommandRun {
    let status: Int32
    let standardOutput: String
    let standardError: String

    /// Runs `executable` (`sticky-proxy`) with `arguments` and `environment` (see ``ManagedProcess`` for what the
    /// child's environment holds) and waits up to `timeout` for it to exit.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        timeout: Duration = .seconds(60)
    ) throws -> CommandRun {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sticky-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = try ManagedProcess(
            name: (arguments.first ?? "run"),
            executable: try BinaryLocator.path(of: executable),
            arguments: arguments,
            environment: environment,
            logDirectory: directory
        )
        let status = try process.waitForExit(timeout: timeout)
        return CommandRun(status: status, standardOutput: process.standardOutput, standardError: process.standardError)
    }

    /// Everything it printed, for failure messages.
    var output: String {
        "status \(self.status)\n--- stdout:\n\(self.standardOutput)--- stderr:\n\(self.standardError)"
    }
}
