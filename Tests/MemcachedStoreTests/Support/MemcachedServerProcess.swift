import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A throwaway memcached server on a free loopback port, which a test can kill, pause and restart.
final class MemcachedServerProcess {
    let port: Int
    private let binary: String
    private let memoryMegabytes: Int
    private var process: Process?

    var host: String { "127.0.0.1" }
    var client: MemcachedTextClient { MemcachedTextClient(host: self.host, port: self.port) }

    /// Starts memcached on a free port and waits until it accepts connections.
    init(binary: String, memoryMegabytes: Int = 64) throws {
        self.binary = binary
        self.memoryMegabytes = memoryMegabytes
        self.port = try Self.freePort()
        try self.start()
    }

    deinit {
        self.stop()
    }

    /// Starts the server again on the same port.
    func start() throws {
        precondition(self.process == nil, "already running")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.binary)
        var arguments = ["-p", "\(self.port)", "-l", "127.0.0.1", "-U", "0", "-m", "\(self.memoryMegabytes)"]
        if geteuid() == 0 { arguments += ["-u", "root"] }  // memcached refuses to run as root without -u
        process.arguments = arguments
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if (try? self.client.stats()) != nil { return }
            usleep(20_000)
        }
        self.stop()
        throw MemcachedTextClient.Failure(description: "memcached on port \(self.port) did not start")
    }

    /// Kills the server at once, as a crash would (SIGKILL), and waits for it to go.
    func kill() {
        guard let process = self.process else { return }
        if process.isRunning {
            _ = Glibc.kill(process.processIdentifier, SIGCONT)
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops answering without closing anything (SIGSTOP), like a hung server.
    /// Stops the server (SIGSTOP) and returns once every one of its threads is stopped: the signal is delivered
    /// asynchronously, and a worker thread that is still running could answer one more request.
    func pause() {
        guard let process = self.process else { return }
        let pid = process.processIdentifier
        _ = Glibc.kill(pid, SIGSTOP)
        for _ in 0..<200 {
            if Self.allThreadsStopped(pid) { return }
            usleep(5_000)
        }
    }

    private static func allThreadsStopped(_ pid: Int32) -> Bool {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else {
            return false
        }
        return threads.allSatisfy { thread in
            // The state is the field after the parenthesised command name: T (stopped) or t (traced).
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
            return state == "T" || state == "t"
        }
    }

    func resume() {
        if let process = self.process { _ = Glibc.kill(process.processIdentifier, SIGCONT) }
    }

    func stop() {
        self.kill()
    }

    /// A loopback port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MemcachedTextClient.Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw MemcachedTextClient.Failure(description: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs `body` with `count` fresh memcached servers and kills them afterwards, whatever happens.
@discardableResult
func withMemcachedProcesses<Result>(
    count: Int,
    memoryMegabytes: Int = 64,
    _ body: ([MemcachedServerProcess]) async throws -> Result
) async throws -> Result {
    let binary = try MemcachedTestEnvironment.binary()
    var servers: [MemcachedServerProcess] = []
    defer {
        for server in servers { server.stop() }
    }
    for _ in 0..<count {
        servers.append(try MemcachedServerProcess(binary: binary, memoryMegabytes: memoryMegabytes))
    }
    return try await body(servers)
}
