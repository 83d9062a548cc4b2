import Foundation

/// A child process that a test starts and always ends: output captured to files, readiness by TCP port, stop by
/// SIGTERM (then SIGKILL) or an immediate SIGKILL. Stopped in `deinit` as a last resort.
///
/// When `STICKY_E2E_PID_FILE` is set, each PID is appended to that file, so that `scripts/test.sh` can end children
/// that a crashed test process left behind.
final class ManagedProcess {
    let name: String
    let executable: String
    let stdoutPath: String
    let stderrPath: String
    private let process = Process()
    private var stopped = false

    /// Starts `executable` with `arguments`. The environment is the test's own, less every `STICKY_*` variable
    /// (so a developer's shell does not leak into the proxy), plus `environment`.
    init(
        name: String,
        executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        logDirectory: URL
    ) throws {
        self.name = name
        self.executable = executable
        self.stdoutPath = logDirectory.appendingPathComponent("\(name).stdout.log").path
        self.stderrPath = logDirectory.appendingPathComponent("\(name).stderr.log").path

        let fileManager = FileManager.default
        try fileManager.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        guard fileManager.createFile(atPath: self.stdoutPath, contents: nil),
            fileManager.createFile(atPath: self.stderrPath, contents: nil),
            let stdout = FileHandle(forWritingAtPath: self.stdoutPath),
            let stderr = FileHandle(forWritingAtPath: self.stderrPath)
        else {
            throw TestFailure("cannot create log files in \(logDirectory.path)")
        }

        var childEnvironment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STICKY_") }
        // A crashing child prints its fatal error and exits; the backtracer would keep its pipes open for minutes.
        childEnvironment["SWIFT_BACKTRACE"] = "enable=no"
        childEnvironment.merge(environment) { _, new in new }

        self.process.executableURL = URL(fileURLWithPath: executable)
        self.process.arguments = arguments
        self.process.environment = childEnvironment
        self.process.standardInput = FileHandle.nullDevice
        self.process.standardOutput = stdout
        self.process.standardError = stderr
        do {
            try self.process.run()
        } catch {
            throw TestFailure("cannot start \(executable): \(error)")
        }
        try? stdout.close()
        try? stderr.close()
        Self.recordPID(self.process.processIdentifier)
    }

    deinit {
        self.stop()
    }

    var pid: Int32 { self.process.processIdentifier }
    var isRunning: Bool { self.process.isRunning }

    /// Waits until 127.0.0.1:`port` accepts connections. Throws, with the output so far, if the process exits
    /// first or the timeout passes.
    func waitUntilListening(port: Int, timeout: Duration = .seconds(60)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard self.isRunning else {
                throw TestFailure(
                    "\(self.name) exited (\(self.exitDescription)) before listening on port \(port)\n"
                        + self.outputSummary()
                )
            }
            if (try? TCPSocket(port: port, timeout: .seconds(1))) != nil {
                return
            }
            POSIX.sleep(milliseconds: 20)
        }
        throw TestFailure("\(self.name) did not listen on port \(port) within \(timeout)\n\(self.outputSummary())")
    }

    /// Waits for the process to exit and returns its exit status (or 128 + signal), or throws after `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(30)) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while self.isRunning {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("\(self.name) still running after \(timeout)\n\(self.outputSummary())")
            }
            POSIX.sleep(milliseconds: 10)
        }
        self.stopped = true
        return self.exitStatus
    }

    /// The exit status, or 128 + the signal that ended the process. Only valid once it has exited.
    var exitStatus: Int32 {
        self.process.terminationReason == .uncaughtSignal
            ? 128 + self.process.terminationStatus : self.process.terminationStatus
    }

    private var exitDescription: String {
        self.process.terminationReason == .uncaughtSignal
            ? "signal \(self.process.terminationStatus)" : "status \(self.process.terminationStatus)"
    }

    /// Sends `signal` (SIGKILL by default) and waits for the process to end.
    func kill(signal: Int32 = SIGKILL, timeout: Duration = .seconds(30)) throws {
        if self.isRunning {
            sendSignal(signal, to: self.pid)
        }
        try self.waitForExit(timeout: timeout)
    }

    /// Sends `signal` and returns at once (to watch what the process does meanwhile).
    func send(signal: Int32) {
        if self.isRunning {
            sendSignal(signal, to: self.pid)
        }
    }

    /// Ends the process if it still runs: SIGTERM, up to five seconds to exit, then SIGKILL.
    func stop() {
        guard !self.stopped else { return }
        self.stopped = true
        guard self.isRunning else { return }
        sendSignal(SIGTERM, to: self.pid)
        let deadline = ContinuousClock.now + .seconds(5)
        while self.isRunning, ContinuousClock.now < deadline {
            POSIX.sleep(milliseconds: 10)
        }
        if self.isRunning {
            sendSignal(SIGKILL, to: self.pid)
            self.process.waitUntilExit()
        }
    }

    /// Waits until standard output contains `text` (a line is written a moment after the port accepts); returns
    /// whether it did within `timeout`.
    func waitForOutput(containing text: String, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !self.standardOutput.contains(text) {
            guard ContinuousClock.now < deadline else { return false }
            POSIX.sleep(milliseconds: 10)
        }
        return true
    }

    /// Standard output so far.
    var standardOutput: String {
        (try? String(contentsOfFile: self.stdoutPath, encoding: .utf8)) ?? ""
    }

    /// Standard error so far.
    var standardError: String {
        (try? String(contentsOfFile: self.stderrPath, encoding: .utf8)) ?? ""
    }

    /// The last lines of both outputs, for failure messages.
    func outputSummary(lines: Int = 20) -> String {
        func tail(_ text: String) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }
        return "--- \(self.name) stdout (\(self.stdoutPath)):\n\(tail(self.standardOutput))\n"
            + "--- \(self.name) stderr (\(self.stderrPath)):\n\(tail(self.standardError))"
    }

    private static func recordPID(_ pid: Int32) {
        guard let path = ProcessInfo.processInfo.environment["STICKY_E2E_PID_FILE"], !path.isEmpty,
            let handle = FileHandle(forWritingAtPath: path)
                ?? {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                    return FileHandle(forWritingAtPath: path)
                }()
        else { return }
        handle.seekToEndOfFile()
        handle.write(Data("\(pid)\n".utf8))
        try? handle.close()
    }
}

// The class's own `kill` hides the C function inside it.
private func sendSignal(_ signal: Int32, to pid: Int32) {
    _ = kill(pid, signal)
}
