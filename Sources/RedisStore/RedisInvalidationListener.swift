import Logging
import NIOCore
import NIOPosix
import StickyCore

/// One event loop's connection that Redis sends invalidation messages to (RESP2 `CLIENT TRACKING … REDIRECT`):
/// subscribed to `__redis__:invalidate`, checked with a `PING` every ``RedisStore/Configuration`` ping interval,
/// made again with backoff when it drops or a `PING` goes unanswered
/// (``RedisStore/Configuration/trackingAnswerTimeout``).
///
/// Used on its loop only. It tells its owner, on that loop: subscribed (with its client ID), each invalidation,
/// and lost (once per subscription: invalidations sent to it from then on may have gone missing).
final class RedisInvalidationListener {
    enum Event {
        case subscribed(clientID: Int64)
        case invalidation(StoreCoherence)
        case lost
    }

    private enum State {
        case idle
        /// Attempt `id` is connecting or in its handshake.
        case connecting(Int)
        case subscribed(Int, any Channel)
        case backingOff
        case shutDown
    }

    let eventLoop: any EventLoop
    private let configuration: RedisStore.Configuration
    private let backoff: RedisReconnectBackoff
    private let logger: Logger
    private let onEvent: (Event) -> Void
    private var state: State = .idle
    private var nextID = 0
    /// Attempts in a row that ended before subscribing.
    private var failures = 0
    /// The channel of the attempt under way or of the subscription, to close at shutdown.
    private var channel: (any Channel)?
    private var reconnectTimer: Scheduled<Void>?
    private var pingTimer: Scheduled<Void>?
    private var pongTimer: Scheduled<Void>?

    init(
        configuration: RedisStore.Configuration,
        backoff: RedisReconnectBackoff = RedisReconnectBackoff(),
        eventLoop: any EventLoop,
        logger: Logger,
        onEvent: @escaping (Event) -> Void
    ) {
        self.configuration = configuration
        self.backoff = backoff
        self.eventLoop = eventLoop
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Connects, unless it already did. On ``eventLoop`` only.
    func start() {
        guard case .idle = self.state else { return }
        self.connect()
    }

    /// Closes the connection and stops reconnecting; reports nothing after this. On ``eventLoop`` only.
    func shutdown() -> EventLoopFuture<Void> {
        self.state = .shutDown
        self.cancelTimers()
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        guard let channel = self.channel else { return self.eventLoop.makeSucceededVoidFuture() }
        self.channel = nil
        channel.close(promise: nil)
        return channel.closeFuture
    }

    private func connect() {
        let id = self.nextID
        self.nextID += 1
        self.state = .connecting(id)
        let bound = NIOLoopBound(self, eventLoop: self.eventLoop)
        let auth = RedisCommand.auth(
            username: self.configuration.username,
            password: self.configuration.password
        )
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(TimeAmount(self.configuration.timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisInvalidationHandler(auth: auth, maxReplyBytes: RedisLoopConnection.maxReplyBytes) {
                            bound.value.handle($0, attempt: id, channel: channel)
                        }
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
                    self.ended(id, error: "\(error)")
                }
            }
    }

    private func connected(_ id: Int, _ channel: any Channel) {
        guard case .connecting(let current) = self.state, current == id else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        channel.closeFuture.assumeIsolated().whenComplete { [self] _ in
            self.ended(id, error: nil)
        }
        // The handshake must be answered in time, like every PING after it.
        self.pongTimer = self.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.configuration.trackingAnswerTimeout)
        ) {
            [self] in
            self.pongTimer = nil
            guard case .connecting(let current) = self.state, current == id else { return }
            self.logger.warning("redis invalidation listener handshake unanswered, reconnecting")
            channel.close(promise: nil)
        }
    }

    private func handle(
        _ event: RedisInvalidationHandler.Event,
        attempt id: Int,
        channel: any Channel
    ) {
        switch (self.state, event) {
        case (.connecting(let current), .subscribed(let clientID)) where current == id:
            self.pongTimer?.cancel()
            self.pongTimer = nil
            self.state = .subscribed(id, channel)
            self.failures = 0
            self.logger.debug(
                "redis invalidation listener subscribed",
                metadata: ["redis.client_id": "\(clientID)"]
            )
            self.schedulePing(channel)
            self.onEvent(.subscribed(clientID: clientID))
        case (.subscribed(let current, _), .invalidation(let invalidation)) where current == id:
            self.onEvent(.invalidation(invalidation))
        case (.subscribed(let current, _), .pong) where current == id:
            self.pongTimer?.cancel()
            self.pongTimer = nil
            self.schedulePing(channel)
        case (_, .failed(let reason)):
            // The handler closes the connection; its close reports the loss.
            let metadata: Logger.Metadata = ["redis.error": "\(reason)"]
            if self.failures == 0 {
                self.logger.notice("redis invalidation listener failed", metadata: metadata)
            } else {
                self.logger.debug("redis invalidation listener failed", metadata: metadata)
            }
        default:
            break
        }
    }

    private func schedulePing(_ channel: any Channel) {
        self.pingTimer = self.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.configuration.trackingPingInterval)
        ) { [self] in
            self.pingTimer = nil
            channel.writeAndFlush(
                RedisInvalidationHandler.ping(allocator: channel.allocator),
                promise: nil
            )
            self.pongTimer = self.eventLoop.assumeIsolated().scheduleTask(
                in: TimeAmount(self.configuration.trackingAnswerTimeout)
            ) { [self] in
                self.pongTimer = nil
                self.logger.warning("redis invalidation listener did not answer PING, reconnecting")
                channel.close(promise: nil)
            }
        }
    }

    /// Attempt `id` failed to connect, or its connection closed.
    private func ended(_ id: Int, error: String?) {
        let wasSubscribed: Bool
        switch self.state {
        case .connecting(let current) where current == id:
            wasSubscribed = false
        case .subscribed(let current, _) where current == id:
            wasSubscribed = true
        default:
            return
        }
        self.cancelTimers()
        self.channel = nil
        if wasSubscribed {
            self.failures = 0
        } else {
            self.failures += 1
        }
        self.state = .backingOff
        let delay = self.backoff.delay(afterFailures: self.failures, jitter: Double.random(in: 0..<1))
        var metadata: Logger.Metadata = ["redis.reconnect_ms": "\(Int(delay / .milliseconds(1)))"]
        if let error {
            metadata["error"] = "\(error)"
        }
        if wasSubscribed {
            self.logger.warning("redis invalidation listener lost, reconnecting", metadata: metadata)
        } else if self.failures == 1 {
            self.logger.warning(
                "redis invalidation listener could not subscribe, retrying",
                metadata: metadata
            )
        } else {
            self.logger.debug(
                "redis invalidation listener could not subscribe, retrying",
                metadata: metadata
            )
        }
        self.reconnectTimer = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
            [self] in
            self.reconnectTimer = nil
            guard case .backingOff = self.state else { return }
            self.connect()
        }
        if wasSubscribed {
            self.onEvent(.lost)
        }
    }

    private func cancelTimers() {
        self.pingTimer?.cancel()
        self.pingTimer = nil
        self.pongTimer?.cancel()
        self.pongTimer = nil
    }
}

@available(*, unavailable)
extension RedisInvalidationListener: Sendable {}
