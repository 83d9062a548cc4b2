import Foundation
import Synchronization

/// A backend that answers each request head with scripted bytes, however broken, and keeps its end of each
/// connection open afterwards, so that a test can see whether the proxy closed the connection or sent it another
/// request. ``scripted(_:)`` makes one whose answers are ``Step``s: bytes in pieces, pauses, a close.
final class ScriptedBackend: Sendable {
    struct Counts: Sendable, Equatable {
        /// Connections accepted.
        var connections = 0
        /// Request heads read, over all connections.
        var requests = 0
        /// Requests that arrived on a connection that had already carried one.
        var reusedRequests = 0
        /// Connections the proxy closed.
        var closedByProxy = 0
        /// Connections this backend closed because its script said so (``Step/close``).
        var closedByBackend = 0
    }

    let port: Int
    private let listener: Int32
    /// The answer to a request, from its head (request line and headers).
    private let script: @Sendable (String) -> [Step]
    private let counts = Mutex(Counts())
    private let stopped = Atomic<Bool>(false)

    /// Answers every request with `response`.
    convenience init(response: String) throws {
        try self.init { _ in response }
    }

    /// Answers each request with the bytes `responder` returns for its head, in one send.
    convenience init(responder: @escaping @Sendable (_ head: String) -> String) throws {
        try self.init(script: { head in [.send(Array(responder(head).utf8))] })
    }

    /// Answers each request by playing the steps `script` returns for its head.
    static func scripted(_ script: @escaping @Sendable (_ head: String) -> [Step]) throws -> ScriptedBackend {
        try ScriptedBackend(script: script)
    }

    private init(script: @escaping @Sendable (_ head: String) -> [Step]) throws {
        self.script = script
        self.port = try FreePort.next()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket(): \(POSIX.errorString())") }
        var address = SocketAddressIPv4.loopback(port: self.port)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            let message = POSIX.errorString()
            close(descriptor)
            throw TestFailure("scripted backend on port \(self.port): \(message)")
        }
        self.listener = descriptor
        Thread.detachNewThread { [self] in self.acceptLoop() }
    }

    deinit {
        self.stop()
    }

    var current: Counts { self.counts.withLock { $0 } }

    /// Stops accepting; the connections' threads end when the proxy closes them (or at the test's end).
    func stop() {
        guard !self.stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(self.listener, Int32(SHUT_RDWR))
        close(self.listener)
    }

    /// Waits up to `timeout` for the counts to satisfy `condition`; returns the last counts seen.
    func waitFor(timeout: Duration = .seconds(10), _ condition: (Counts) -> Bool) -> Counts {
        let deadline = ContinuousClock.now + timeout
        while true {
            let counts = self.current
            if condition(counts) || ContinuousClock.now >= deadline { return counts }
            POSIX.sleep(milliseconds: 20)
        }
    }

    private func acceptLoop() {
        while !self.stopped.load(ordering: .relaxed) {
            let connection = accept(self.listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            // Not inherited by a process another test starts meanwhile (accept4 is not visible from Swift here).
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            self.counts.withLock { $0.connections += 1 }
            Thread.detachNewThread { [self] in self.serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var served = 0
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let received = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if received < 0, errno == EINTR { continue }
            guard received > 0 else {
                self.counts.withLock { $0.closedByProxy += 1 }
                return
            }
            pending += chunk[..<received]
            while let end = Self.headEnd(in: pending) {
                let steps = self.script(String(decoding: pending[..<end], as: UTF8.self))
                pending.removeFirst(end)
                self.counts.withLock { counts in
                    counts.requests += 1
                    if served > 0 { counts.reusedRequests += 1 }
                }
                served += 1
                for step in steps {
                    switch step {
                    case .send(let bytes):
                        guard Self.sendAll(bytes, on: connection) else { return }
                    case .pause(let milliseconds):
                        POSIX.sleep(milliseconds: milliseconds)
                    case .close:
                        self.counts.withLock { $0.closedByBackend += 1 }
                        Self.lingeringClose(connection)
                        return
                    }
                }
            }
        }
    }

    /// Sends every byte of `bytes`; false if the connection failed first.
    private static func sendAll(_ bytes: [UInt8], on connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(connection, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Half-closes, so the proxy reads everything sent and then end of stream (a close with unread bytes would be
    /// a reset, which may discard them), and waits a bounded time for the proxy to close its end. The caller closes.
    private static func lingeringClose(_ connection: Int32) {
        shutdown(connection, Int32(SHUT_WR))
        var interval = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var discard = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = discard.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if received < 0, errno == EINTR { continue }
            if received <= 0 { return }
        }
    }

    /// The offset just past the first `\r\n\r\n`, if there is one.
    private static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            return index + 1
        }
        return nil
    }
}
