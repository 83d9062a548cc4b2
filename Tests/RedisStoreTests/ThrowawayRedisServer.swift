import Foundation
import NIOCore
import NIOPosix

/// A `redis-server` of a test's own, on a free port of the loopback, that the test can kill and start again.
final class ThrowawayRedisServer {
    let port: Int
    private let binary: URL
    private var process: Process?

    private init(binary: URL, port: Int) {
        self.binary = binary
        self.port = port
    }

    /// Starts one; `nil` (after ``TestRedis/missing(_:)``) when there is no `redis-server` on the `PATH`.
    static func start() throws -> ThrowawayRedisServer? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin"
        guard
            let binary = path.split(separator: ":").map({
                URL(fileURLWithPath: String($0)).appendingPathComponent("redis-server")
            })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        else {
            TestRedis.missing("redis-server is not on the PATH")
            return nil
        }
        let server = ThrowawayRedisServer(binary: binary, port: try Self.freePort())
        try server.restart()
        return server
    }

    /// Starts the server on its port again, and returns once it accepts connections.
    func restart() throws {
        let process = Process()
        process.executableURL = self.binary
        process.arguments = ["--port", "\(self.port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<100 {
            let connected = try? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: self.port).wait()
            if let connected {
                try? connected.close().wait()
                return
            }
            usleep(50_000)
        }
        throw ServerDidNotStart()
    }

    /// Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone.
    func stop() {
        guard let process = self.process else { return }
        self.process = nil
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the server without ending it (SIGSTOP, to its PID): its connections stay open and unanswered.
    func pause() {
        guard let process = self.process else { return }
        kill(process.processIdentifier, SIGSTOP)
    }

    /// Lets a paused server go on (SIGCONT, to its PID).
    func resume() {
        guard let process = self.process else { return }
        kill(process.processIdentifier, SIGCONT)
    }

    private static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress!.port!
    }

    struct ServerDidNotStart: Error {}
}
