import NIOCore
import Synchronization

/// One backend of the pool as the proxy runs it: its stable name, its address, and its passive health.
///
/// Shared by every event loop. The only mutable state is the cooldown deadline, an atomic, so reading it
/// on the hot path takes no lock.
public final class Backend: Sendable {
    /// The name the store records.
    public let name: String
    /// The configured `HOST:PORT`.
    public let address: SocketAddressSpec
    /// The address connections go to, resolved when the backend was configured.
    public let socketAddress: SocketAddress
    /// Uptime nanoseconds until which the backend gets no new requests; 0 when it is available.
    private let downUntil = Atomic<UInt64>(0)

    public init(name: String, address: SocketAddressSpec, socketAddress: SocketAddress) {
        self.name = name
        self.address = address
        self.socketAddress = socketAddress
    }

    /// Whether the backend may take requests at `now`.
    public func isAvailable(at now: NIODeadline) -> Bool {
        self.downUntil.load(ordering: .relaxed) <= now.uptimeNanoseconds
    }

    /// Takes the backend out of rotation until `deadline` (a refused connection, a connect timeout).
    public func markDown(until deadline: NIODeadline) {
        self.downUntil.store(deadline.uptimeNanoseconds, ordering: .relaxed)
    }

    /// Puts the backend back into rotation (a connection to it succeeded).
    public func markUp() {
        if self.downUntil.load(ordering: .relaxed) != 0 {
            self.downUntil.store(0, ordering: .relaxed)
        }
    }
}
