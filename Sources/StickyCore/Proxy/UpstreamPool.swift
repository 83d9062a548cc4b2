import DequeModule
import NIOCore
import NIOPosix

/// The keep-alive connections from one event loop to one backend.
///
/// Bounded: at most `maxConnections` open at once; a lease beyond that waits for a release, up to the
/// connect timeout. Touched only on its event loop, so it needs no lock.
final class UpstreamPool {
    /// A leased connection, and whether it had carried a request before (a reused connection may have been
    /// closed by the backend in the meantime, which makes a retry safe).
    struct Lease {
        let connection: UpstreamConnection
        let reused: Bool
    }

    struct Settings: Sendable {
        var maxConnections: Int
        var connectTimeout: TimeAmount
        var idleTimeout: TimeAmount
        /// What a response head may hold (`STICKY_MAX_HEADER_BYTES`, `STICKY_MAX_HEADER_COUNT`): more fails the
        /// exchange with 502 and closes the connection.
        var limits: HTTPLimits
    }

    private struct Waiter {
        let promise: EventLoopPromise<Lease>
        let timeout: Scheduled<Void>
    }

    let backend: Backend
    private let eventLoop: any EventLoop
    private let settings: Settings
    private var idle: [UpstreamConnection] = []
    private var waiters: Deque<Waiter> = []
    /// Connections open or being opened.
    private(set) var openCount = 0

    /// The backend's connection counts and connect failures; shared by every loop's pool for the backend.
    private let metrics: BackendMetrics?

    init(backend: Backend, eventLoop: any EventLoop, settings: Settings, metrics: BackendMetrics? = nil) {
        self.backend = backend
        self.eventLoop = eventLoop
        self.settings = settings
        self.metrics = metrics
    }

    /// Connections leased right now.
    var activeCount: Int { self.openCount - self.idle.count }

    /// An idle connection that is still open, if there is one: the common case, without a future.
    func leaseIdle() -> Lease? {
        self.eventLoop.assertInEventLoop()
        while let connection = self.idle.popLast() {
            self.metrics?.idleChanged(by: -1)
            if connection.isOpen {
                return Lease(connection: connection, reused: true)
            }
        }
        return nil
    }

    /// An idle connection (unless `reuseIdle` is false), a new one, or the next one released.
    func lease(reuseIdle: Bool = true) -> EventLoopFuture<Lease> {
        self.eventLoop.assertInEventLoop()
        if reuseIdle, let lease = self.leaseIdle() {
            return self.eventLoop.assumeIsolated().makeSucceededFuture(lease)
        }
        if self.openCount < self.settings.maxConnections {
            return self.connect()
        }
        let promise = self.eventLoop.makePromise(of: Lease.self)
        let timeout = self.eventLoop.assumeIsolated().scheduleTask(in: self.settings.connectTimeout) {
            self.expireWaiter(promise)
        }
        self.waiters.append(Waiter(promise: promise, timeout: timeout))
        return promise.futureResult
    }

    /// Returns a connection whose exchange completed cleanly, ready for the next request.
    func release(_ connection: UpstreamConnection) {
        self.eventLoop.assertInEventLoop()
        connection.delegate = nil
        guard connection.isOpen else { return }
        connection.setReadsPaused(false)
        if let waiter = self.waiters.popFirst() {
            waiter.timeout.cancel()
            waiter.promise.assumeIsolated().succeed(Lease(connection: connection, reused: true))
            return
        }
        self.idle.append(connection)
        self.metrics?.idleChanged(by: 1)
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        let idle = self.idle
        self.idle.removeAll()
        self.metrics?.idleChanged(by: -idle.count)
        for connection in idle { connection.close() }
    }

    private func connect() -> EventLoopFuture<Lease> {
        self.openCount += 1
        self.metrics?.connectionOpened()
        let backend = self.backend
        let idleTimeout = self.settings.idleTimeout
        let limits = self.settings.limits
        return ClientBootstrap(group: self.eventLoop)
            .connectTimeout(self.settings.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // No NIO HTTP codec: the connection frames requests and responses itself.
                    // Read idleness only: an idle pooled connection reads nothing either, and watching writes too
                    // would cost a promise and a callback for every write.
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.addHandler(UpstreamConnection(backend: backend, limits: limits))
                }
            }
            .connect(to: self.backend.socketAddress)
            .assumeIsolated()  // the bootstrap's group is this pool's loop: its callbacks run here
            .flatMapThrowing { channel in
                let connection = try channel.pipeline.syncOperations.handler(type: UpstreamConnection.self)
                connection.onClose = { [weak self] closed in self?.forget(closed) }
                return Lease(connection: connection, reused: false)
            }
            .flatMapErrorThrowing { [weak self] _ in
                self?.connectFailed()
                throw UpstreamError.connectFailed
            }
            .nonisolated()
    }

    private func connectFailed() {
        self.openCount -= 1
        self.metrics?.connectionClosed()
        self.metrics?.connectFailures.increment()
        self.serveNextWaiter()
    }

    private func forget(_ connection: UpstreamConnection) {
        self.openCount -= 1
        self.metrics?.connectionClosed()
        if let index = self.idle.firstIndex(where: { $0 === connection }) {
            self.idle.remove(at: index)
            self.metrics?.idleChanged(by: -1)
        }
        self.serveNextWaiter()
    }

    /// A slot freed up: open a connection for the longest waiter.
    private func serveNextWaiter() {
        guard let waiter = self.waiters.popFirst() else { return }
        waiter.timeout.cancel()
        let promise = waiter.promise
        self.connect().assumeIsolated().whenComplete { result in
            switch result {
            case .success(let lease): promise.assumeIsolated().succeed(lease)
            case .failure(let error): promise.fail(error)
            }
        }
    }

    private func expireWaiter(_ promise: EventLoopPromise<Lease>) {
        guard let index = self.waiters.firstIndex(where: { $0.promise.futureResult === promise.futureResult }) else {
            return
        }
        self.waiters.remove(at: index)
        promise.fail(UpstreamError.poolExhausted)
    }
}

@available(*, unavailable)
extension UpstreamPool: Sendable {}
