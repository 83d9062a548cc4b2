import Logging
import NIOCore
import StickyCore

/// What one event loop hears about the keys its data connection read: Redis client-side caching in RESP2, with the
/// invalidations redirected to a ``RedisInvalidationListener`` on the same loop.
///
/// A thin driver: ``StateMachine`` decides when tracking is on, this class performs the I/O and calls the
/// handlers, always on ``eventLoop``, in the order things happened.
///
/// ## What the loop can rely on
/// After ``StoreCoherence/tracked``, every change to a key read on this loop's data connection is reported
/// (``StoreCoherence/invalidated(_:)``, or ``StoreCoherence/invalidatedAll`` for a flush), until
/// ``StoreCoherence/untracked``. `untracked` is reported whenever a change could go unreported: the listener
/// dropped or missed a `PING` answer, the data connection dropped, tracking is being moved to a new listener, or the
/// store shut down. It is reported once per loss, and only after `tracked`.
///
/// - An answer is covered only if it arrived after `tracked` (it was read under tracking). A report may arrive
///   *before* the reply of a read that was in flight (they come over two connections): an answer that was in
///   flight when any report arrived must not be kept (``NearCache`` does this with its generation).
/// - A change this loop's own data connection makes (`SET`, `DEL`, `EXPIRE`, the reassign script) is not reported
///   by Redis (`NOLOOP`), yet Redis stops tracking the key there and then. So the store reports such a write itself:
///   when a write on this loop's connection completes (or fails: it may have been applied) while tracked, the loop
///   hears `invalidated([key])`, after the write's own callbacks ran. The key is tracked again once it is read
///   again.
/// - What a loop keeps from a write of its own or of another loop (not read from the store) is not covered.
final class RedisLoopCoherence {
    let eventLoop: any EventLoop
    private let configuration: RedisStore.Configuration
    private let logger: Logger
    private var stateMachine = StateMachine()
    private var handlers: [@Sendable (StoreCoherence) -> Void] = []
    private var listener: RedisInvalidationListener!
    /// The data connection that is past its handshake, to send `CLIENT TRACKING` on.
    private var dataConnection: (id: Int, channel: any Channel)?
    /// Whether a refusal of `CLIENT TRACKING` was logged at notice level already (the later ones go to debug).
    private var loggedRefusal = false

    init(configuration: RedisStore.Configuration, eventLoop: any EventLoop, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.listener = RedisInvalidationListener(
            configuration: configuration,
            eventLoop: eventLoop,
            logger: logger
        ) { [unowned self] event in
            self.listenerEvent(event)
        }
    }

    /// Whether ``StoreCoherence/tracked`` was the last thing reported.
    var isReporting: Bool { self.stateMachine.isReporting }

    /// Adds `handler` and starts the listener. A handler added while tracked hears `tracked` at once.
    func watch(_ handler: @escaping @Sendable (StoreCoherence) -> Void) {
        guard !self.stateMachine.isShutDown else { return }
        self.handlers.append(handler)
        if self.stateMachine.isReporting {
            handler(.tracked)
        }
        self.listener.start()
    }

    /// Data connection `id` is past its handshake.
    func dataConnectionReady(_ id: Int, channel: any Channel) {
        self.dataConnection = (id, channel)
        self.run(self.stateMachine.dataConnectionReady(id))
    }

    /// Data connection `id` closed.
    func dataConnectionLost(_ id: Int) {
        if self.dataConnection?.id == id {
            self.dataConnection = nil
        }
        self.run(self.stateMachine.dataConnectionLost(id))
    }

    /// A write to `key` on this loop's data connection completed or failed; its callbacks have run.
    func wrote(_ key: StoreKey) {
        guard self.stateMachine.isReporting else { return }
        self.report(.invalidated([key]))
    }

    /// Reports `untracked` if tracked, and stops the listener: nothing is reported after this.
    func shutdown() -> EventLoopFuture<Void> {
        self.run(self.stateMachine.shutdown())
        self.handlers = []
        return self.listener.shutdown()
    }

    private func listenerEvent(_ event: RedisInvalidationListener.Event) {
        switch event {
        case .subscribed(let clientID):
            self.run(self.stateMachine.listenerSubscribed(clientID: clientID))
        case .lost:
            self.run(self.stateMachine.listenerLost())
        case .invalidation(let invalidation):
            // Before `tracked`, nothing read is covered, so there is nothing to tell.
            guard self.stateMachine.isReporting else { return }
            self.report(invalidation)
        }
    }

    private func run(_ actions: [StateMachine.Action]) {
        for action in actions {
            switch action {
            case .report(let coherence):
                self.report(coherence)
            case .enableTracking(let connection, let redirect, let disableFirst):
                self.enableTracking(connection, redirect: redirect, disableFirst: disableFirst)
            }
        }
    }

    private func report(_ coherence: StoreCoherence) {
        for handler in self.handlers {
            handler(coherence)
        }
    }

    private func enableTracking(_ id: Int, redirect: Int64, disableFirst: Bool) {
        guard let dataConnection = self.dataConnection, dataConnection.id == id else { return }
        let channel = dataConnection.channel
        // Not a call on the hot path, and an unanswered one leaves the loop untracked until a reconnect: a deadline
        // longer than a call's.
        let deadline = self.eventLoop.now + TimeAmount(max(self.configuration.timeout, .seconds(1)))
        var commands = [
            RedisCommand(["CLIENT", "TRACKING", "ON", "REDIRECT", String(redirect), "NOLOOP"])
        ]
        if disableFirst {
            commands.insert(RedisCommand(["CLIENT", "TRACKING", "OFF"]), at: 0)
        }
        var last: EventLoopFuture<RedisValue>?
        for command in commands {
            let promise = self.eventLoop.makePromise(of: RedisValue.self)
            channel.write(
                RedisRequest(
                    payload: command.encoded(allocator: channel.allocator),
                    promise: promise,
                    deadline: deadline
                ),
                promise: nil
            )
            last = promise.futureResult
        }
        channel.flush()
        last!.assumeIsolated().whenComplete { [self] result in
            let succeeded: Bool
            switch result {
            case .success(.simpleString("OK")):
                succeeded = true
            case .success(.error(let message)):
                succeeded = false
                let level: Logger.Level = self.loggedRefusal ? .debug : .notice
                self.loggedRefusal = true
                self.logger.log(
                    level: level,
                    "redis refused CLIENT TRACKING: changes are not reported, near-cache answers are kept briefly",
                    metadata: ["redis.error": "\(message.prefix { $0 != " " }.prefix(32))"]
                )
            case .success:
                succeeded = false
                self.logger.notice("redis answered CLIENT TRACKING unexpectedly")
            case .failure(let error):
                succeeded = false
                // The connection dropped (reported as such) or the reply is late: tried again on a reconnect.
                self.logger.debug("redis CLIENT TRACKING failed", metadata: ["error": "\(error)"])
            }
            self.run(
                self.stateMachine.trackingAnswered(connection: id, redirect: redirect, succeeded: succeeded)
            )
        }
    }
}

@available(*, unavailable)
extension RedisLoopCoherence: Sendable {}
