import Logging
import NIOCore
import StickyCore

/// Session → backend mappings in Redis, shared by every replica that points at the same server.
///
/// NIO owns the sockets; hiredis only encodes commands and parses replies. Each event loop of the group has
/// one connection of its own, made on first use and pipelined: a call on loop L goes out on L's connection with
/// no lock and no hop. A call on a loop from outside the group goes through one of the group's loops and its
/// result hops back. Connections reconnect on their own with backoff; while one is down, calls on its loop fail
/// at once with ``StoreError/unavailable``.
public final class RedisStore: Sendable {
    let logger: Logger
    let configuration: Configuration
    let eventLoopGroup: any EventLoopGroup
    /// The connection of each of the group's loops, by the loop's identity. Never mutated after `init`, so
    /// reading it takes no lock; each connection checks that it is used on its own loop.
    private let connections: [ObjectIdentifier: NIOLoopBoundBox<RedisLoopConnection>]
    private let eventLoops: [any EventLoop]

    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.logger = logger
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.eventLoops = Array(eventLoopGroup.makeIterator())
        var connections: [ObjectIdentifier: NIOLoopBoundBox<RedisLoopConnection>] = [:]
        for eventLoop in self.eventLoops {
            connections[ObjectIdentifier(eventLoop)] = .makeBoxSendingValue(
                RedisLoopConnection(configuration: configuration, eventLoop: eventLoop, logger: logger),
                eventLoop: eventLoop
            )
        }
        self.connections = connections
    }

    /// Stops every connection: the calls in flight finish (each within its deadline), then the connections
    /// close. Later calls fail with ``StoreError/shutdown``. The invalidation listeners close too, and a loop that
    /// was told ``StoreCoherence/tracked`` is told ``StoreCoherence/untracked``. Call it before the event loop group
    /// shuts down.
    public func shutdown() async {
        let closed = self.eventLoops.map { eventLoop in
            let connection = self.connections[ObjectIdentifier(eventLoop)]!
            return eventLoop.flatSubmit { connection.value.shutdown() }
        }
        try? await EventLoopFuture.andAllComplete(closed, on: self.eventLoopGroup.any()).get()
    }

    /// Sends one command and returns its reply, completed on `eventLoop`. Error replies are values here.
    ///
    /// - Parameter key: the key the command changes, if it changes one (see
    ///   ``RedisLoopConnection/execute(_:writing:)``).
    func send(
        _ command: RedisCommand,
        writing key: StoreKey? = nil,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<RedisValue>
    {
        guard deadline > eventLoop.now else { return eventLoop.makeFailedFuture(StoreError.timeout) }
        if let connection = self.connections[ObjectIdentifier(eventLoop)] {
            return Self.send(
                command,
                writing: key,
                deadline: deadline,
                on: connection,
                eventLoop: eventLoop
            )
        }
        let home = self.eventLoopGroup.next()
        return Self.send(
            command,
            writing: key,
            deadline: deadline,
            on: self.connections[ObjectIdentifier(home)]!,
            eventLoop: home
        ).hop(to: eventLoop)
    }

    private static func send(
        _ command: RedisCommand,
        writing key: StoreKey?,
        deadline: NIODeadline,
        on connection: NIOLoopBoundBox<RedisLoopConnection>,
        eventLoop: any EventLoop
    ) -> EventLoopFuture<RedisValue> {
        let promise = eventLoop.makePromise(of: RedisValue.self)
        let request = RedisRequest(payload: command.encoded(), promise: promise, deadline: deadline)
        if eventLoop.inEventLoop {
            Self.execute(request, writing: key, on: connection.value)
        } else {
            eventLoop.execute { Self.execute(request, writing: key, on: connection.value) }
        }
        return promise.futureResult
    }

    private static func execute(
        _ request: RedisRequest,
        writing key: StoreKey?,
        on connection: RedisLoopConnection
    ) {
        if let key {
            connection.execute(request, writing: key)
        } else {
            connection.execute(request)
        }
    }

    /// The connection of `eventLoop`, if it is one of the group's loops.
    func connection(on eventLoop: any EventLoop) -> NIOLoopBoundBox<RedisLoopConnection>? {
        self.connections[ObjectIdentifier(eventLoop)]
    }
}
