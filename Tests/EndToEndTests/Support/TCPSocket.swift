import Foundation

/// A blocking IPv4 TCP connection with a timeout on every send and receive, so that no test can hang forever.
final class TCPSocket {
    private(set) var descriptor: Int32
    let timeout: Duration

    /// Connects to `host:port`; throws if the connection is refused or does not complete within `timeout`.
    init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(30)) throws {
        guard var address = SocketAddressIPv4.make(host: host, port: port) else {
            throw TestFailure("not an IPv4 address: \(host)")
        }
        // Close-on-exec, so that a process another test starts meanwhile does not inherit (and hold open) it.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket(): \(POSIX.errorString())") }
        self.descriptor = descriptor
        self.timeout = timeout

        var interval = timeval(
            tv_sec: Int(timeout.components.seconds),
            tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000)
        )
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        // On Linux the send timeout also bounds connect().
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))

        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let message = POSIX.errorString()
            systemClose(descriptor)
            self.descriptor = -1
            throw TestFailure("connect to \(host):\(port): \(message)")
        }
    }

    deinit {
        self.close()
    }

    /// Sends every byte, or throws.
    func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = systemSend(self.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if sent < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw TestFailure("send timed out after \(self.timeout) (the peer stopped reading)")
                }
                throw TestFailure("send: \(POSIX.errorString())")
            }
            offset += sent
        }
    }

    func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try self.send($0) }
    }

    func send(_ text: String) throws {
        try self.send(Array(text.utf8))
    }

    /// Receives at most `buffer.count` bytes; returns 0 at end of stream. Throws on timeout or error.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let received = recv(self.descriptor, buffer.baseAddress, buffer.count, 0)
            if received >= 0 { return received }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw TestFailure("receive timed out after \(self.timeout)")
            }
            if errno == ECONNRESET { return 0 }
            throw TestFailure("recv: \(POSIX.errorString())")
        }
    }

    /// Half-closes: the peer reads end of stream, and this side can still receive.
    func shutdownWrite() {
        _ = shutdown(self.descriptor, Int32(SHUT_WR))
    }

    func close() {
        if self.descriptor >= 0 {
            systemClose(self.descriptor)
            self.descriptor = -1
        }
    }
}

// The class's own `send` and `close` hide the C functions inside it.
private func systemClose(_ descriptor: Int32) {
    _ = close(descriptor)
}

private func systemSend(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
}
