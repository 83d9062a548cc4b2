import Foundation
import Synchronization

/// Hands out loopback TCP ports that nothing listens on, for the servers a test starts.
///
/// Ports come from 20000-32767, below Linux's ephemeral range (32768-60999), so that the thousands of outgoing
/// connections the tests make cannot take a port between the moment it is picked and the moment a server binds it.
/// A port is handed out at most once per test process, so tests running in parallel never share one.
enum FreePort {
    private static let handedOut = Mutex(Set<Int>())

    static func next() throws -> Int {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let port = Int.random(in: 20000...32767, using: &generator)
            let isNew = handedOut.withLock { ports in ports.insert(port).inserted }
            guard isNew else { continue }
            if self.canBind(port: port) {
                return port
            }
        }
        throw TestFailure("found no free loopback port in 20000-32767")
    }

    /// Whether 127.0.0.1:`port` can be bound right now (without `SO_REUSEADDR`, so lingering connections count).
    static func canBind(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = SocketAddressIPv4.loopback(port: port)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}
