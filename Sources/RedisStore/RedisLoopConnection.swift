import Logging
import NIOCore
import NIOPosix
import StickyCore

/// One event loop's connection to Redis: made on first use, made again with backoff when it drops, and used only
/// on its loop, so the path of a call takes no lock.
///
/// A thin driver: ``StateMachine`` decides, this class performs the I/O. While an attempt is under way, calls
/// wait for it in a bounded queue, each until its own deadline; while backing off, they fail at once with
/// ``StoreError/unavailable``.
final class RedisLoopConnection {
    /// The most wire bytes one reply may take: a larger reply closes the connection.
    static let maxReplyBytes = 1 << 20
    /// The most calls that may wait for a connection attempt; more fail at once.
    static let maxWaiters = 1024
    /// The most timed-out calls whose replies a connection may wait for; more close it as unresponsive.
    static let maxTimedOut = 1024

    let eventLoop: any EventLoop
    private let configuration: RedisStore.Configuration
    private let logger: Logger
    private var stateMachine: StateMachine<any Channel>
    /// Calls waiting for the attempt under way, with their payloads.
    private var waiters = RedisPendingQueue<ByteBuffer>()
    private var waiterTimer: Scheduled<Void>?
    private var reconnectTimer: Scheduled<Void>?
    /// Client-side caching on this loop, once ``watchCoherence(_:)`` was called with tracking configured.
    private var coherence: RedisLoopCoherence?

    init(
        configuration: RedisStore.Configuration,
        backoff: RedisReconnectBackoff = RedisReconnectBackoff(),
        eventLoop: any EventLoop,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.stateMachine = StateMachine(backoff: backoff)
    }

    /// Sends `request`, or queues or fails it. On ``eventLoop`` only.
    func execute(_ request: RedisRequest) {
        switch self.stateMachine.execute() {
        case .write(let channel):
            // Closed but its close callback not run yet: a write now would pass no handler, and nothing would
            // ever complete the request.
            guard channel.isActive else {
                request.promise.fail(StoreError.unavailable)
                return
            }
            channel.writeAndFlush(request, promise: nil)
        case .wait:
            self.wait(request)
        case .connectAndWait(let id):
            self.wait(request)
            self.connect(id)
        case .fail(let error):
            request.promise.fail(error)
        }
    }

    /// Sends `request`, a write to `key`. While this loop is tracked, the loop hears `invalidated([key])` once the
    /// write completed and its callbacks ran: Redis stops tracking a key this connection writes, and does not
    /// report it (`NOLOOP`). On ``eventLoop`` only.
    func execute(_ request: RedisRequest, writing key: StoreKey) {
        guard let coherence = self.coherence else {
            self.execute(request)
            return
        }
        let caller = request.promise
        var request = request
        request.promise = self.eventLoop.makePromise(of: RedisValue.self)
        request.promise.futureResult.assumeIsolated().whenComplete { result in
            caller.completeWith(result)
            coherence.wrote(key)
        }
        self.execute(request)
    }

    /// Reports to `handler` what Redis tells about the keys read on this connection (see ``RedisLoopCoherence``),
    /// and connects now if it never did, so that tracking is on before the first call. On ``eventLoop`` only.
    func watchCoherence(_ handler: @escaping @Sendable (StoreCoherence) -> Void) {
        if self.coherence == nil {
            guard !self.isShutDown else { return }
            let coherence = RedisLoopCoherence(
                configuration: self.configuration,
                eventLoop: self.eventLoop,
                logger: self.logger
            )
            self.coherence = coherence
            if let ready = self.stateMachine.confirmedConnection {
                coherence.dataConnectionReady(ready.id, channel: ready.connection)
            }
        }
        self.coherence!.watch(handler)
        if let id = self.stateMachine.warmUp() {
            self.connect(id)
        }
    }

    private var isShutDown = false

    /// Lets the requests in flight finish (each within its deadline), fails the queued ones, closes the
    /// connection and stops reconnecting. Later calls fail with ``StoreError/shutdown``.
    func shutdown() -> EventLoopFuture<Void> {
        self.isShutDown = true
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        let listenerClosed = self.coherence?.shutdown() ?? self.eventLoop.makeSucceededVoidFuture()
        let closed: EventLoopFuture<Void>
        switch self.stateMachine.shutdown() {
        case .drain(let channel):
            channel.triggerUserOutboundEvent(RedisCommandHandler.Drain(), promise: nil)
            closed = channel.closeFuture
        case .failWaiters:
            self.failWaiters(.shutdown)
            closed = self.eventLoop.makeSucceededVoidFuture()
        case .none:
            closed = self.eventLoop.makeSucceededVoidFuture()
        }
        return closed.and(listenerClosed).map { _ in }
    }

    private func wait(_ request: RedisRequest) {
        guard self.waiters.count < Self.maxWaiters else {
            request.promise.fail(StoreError.unavailable)
            return
        }
        self.armWaiterTimer(self.waiters.append(request.payload, promise: request.promise, deadline: request.deadline))
    }

    private func armWaiterTimer(_ deadline: NIODeadline?) {
        guard let deadline else { return }
        self.waiterTimer?.cancel()
        self.waiterTimer = self.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.waiterTimer = nil
            let (expired, rearm) = self.waiters.timerFired(now: self.eventLoop.now)
            self.armWaiterTimer(rearm)
            for promise in expired {
                promise.fail(StoreError.timeout)
            }
        }
    }

    private func failWaiters(_ error: StoreError) {
        self.waiterTimer?.cancel()
        self.waiterTimer = nil
        for promise in self.waiters.removeAll() {
            promise.fail(error)
        }
    }

    private func connect(_ id: StateMachine<any Channel>.ConnectionID) {
        let logger = self.logger
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(TimeAmount(self.configuration.timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisCommandHandler(
                            maxReplyBytes: Self.maxReplyBytes,
                            maxTimedOut: Self.maxTimedOut,
                            logger: logger
                        )
                    )
                }
            }
            .connect(host: self.configuration.host, port: self.configuration.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    self.connected(id, channel)
                case .failure(let error):
                    self.connectFailed(id, error)
                }
            }
    }

    private func connected(_ id: StateMachine<any Channel>.ConnectionID, _ channel: any Channel) {
        switch self.stateMachine.connected(id, channel) {
        case .close:
            channel.close(promise: nil)
            return
        case .handshakeAndFlush:
            break
        }
        channel.closeFuture.assumeIsolated().whenComplete { [self] _ in
            self.coherence?.dataConnectionLost(id)
            if let delay = self.stateMachine.closed(id, jitter: Double.random(in: 0..<1)) {
                self.logger.warning(
                    "redis connection lost, reconnecting",
                    metadata: ["redis.reconnect_ms": "\(Int(delay / .milliseconds(1)))"]
                )
                self.scheduleReconnect(after: delay)
            }
        }
        // Redis answers in order, so every call queued behind the handshake runs authenticated, in the right
        // database; if the handshake fails, the connection closes and fails them all.
        let handshake = [
            RedisCommand.auth(username: self.configuration.username, password: self.configuration.password),
            RedisCommand.select(self.configuration.database),
        ].compactMap { $0 }.map { command in
            let promise = self.eventLoop.makePromise(of: RedisValue.self)
            channel.write(
                RedisRequest(
                    payload: command.encoded(allocator: channel.allocator),
                    promise: promise,
                    deadline: self.eventLoop.now + TimeAmount(self.configuration.timeout)
                ),
                promise: nil
            )
            return promise.futureResult
        }
        while let waiter = self.waiters.popFirst() {
            // A placeholder timed out while it waited: it was never sent, nothing will answer it.
            guard let promise = waiter.promise else { continue }
            channel.write(
                RedisRequest(payload: waiter.payload, promise: promise, deadline: waiter.deadline),
                promise: nil
            )
        }
        channel.flush()
        EventLoopFuture.whenAllComplete(handshake, on: self.eventLoop).assumeIsolated().whenSuccess { [self] results in
            for result in results {
                guard case .success(.simpleString("OK")) = result else {
                    self.logger.error(
                        "redis handshake failed",
                        metadata: ["redis.reply": "\(Self.describe(result))"]
                    )
                    channel.close(promise: nil)
                    return
                }
            }
            self.stateMachine.handshakeSucceeded(id)
            self.logger.info("redis connected", metadata: ["redis.database": "\(self.configuration.database)"])
            if self.stateMachine.confirmedConnection?.id == id {
                self.coherence?.dataConnectionReady(id, channel: channel)
            }
        }
    }

    private func connectFailed(_ id: StateMachine<any Channel>.ConnectionID, _ error: any Error) {
        let (storeError, delay) = self.stateMachine.connectFailed(id, jitter: Double.random(in: 0..<1))
        self.failWaiters(storeError)
        guard let delay else { return }
        let metadata: Logger.Metadata = [
            "error": "\(error)",
            "redis.failures": "\(self.stateMachine.failures)",
            "redis.reconnect_ms": "\(Int(delay / .milliseconds(1)))",
        ]
        // One warning when Redis goes away; the retries every few seconds after it are debug noise.
        if self.stateMachine.failures == 1 {
            self.logger.warning("redis connect failed, retrying", metadata: metadata)
        } else {
            self.logger.debug("redis connect failed, retrying", metadata: metadata)
        }
        self.scheduleReconnect(after: delay)
    }

    private func scheduleReconnect(after delay: Duration) {
        self.reconnectTimer = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
            self.reconnectTimer = nil
            if let id = self.stateMachine.reconnectDue() {
                self.connect(id)
            }
        }
    }

    /// A handshake reply, short and free of secrets: the error code of an error reply (`WRONGPASS`), or the kind.
    private static func describe(_ result: Result<RedisValue, any Error>) -> String {
        switch result {
        case .success(.error(let message)): String(message.prefix { $0 != " " }.prefix(32))
        case .success(let value): "unexpected \(value)".prefix(64).description
        case .failure(let error): "\(error)"
        }
    }
}

@available(*, unavailable)
extension RedisLoopConnection: Sendable {}
