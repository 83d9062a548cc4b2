import StickyCore

extension RedisLoopConnection {
    /// The life of one event loop's connection, with no I/O in it: connect on first use, wait for a connection
    /// only while one is being made, fail fast while backing off, reconnect with backoff, shut down.
    ///
    /// Generic over the connection so that tests can drive it without sockets. Every connection attempt gets an
    /// ID, and events about an attempt that is no longer current are ignored.
    struct StateMachine<Connection> {
        typealias ConnectionID = Int

        private enum State {
            /// Never used: the first call connects.
            case idle
            /// Connection attempt `id` is under way; calls wait for it.
            case connecting(ConnectionID)
            /// Connected; the handshake (AUTH, SELECT) is written ahead of every call, and `confirmed` once its
            /// replies came back OK.
            case ready(ConnectionID, Connection, confirmed: Bool)
            /// Disconnected, a reconnect is scheduled; calls fail fast.
            case backingOff
            case shutDown
        }

        private var state: State = .idle
        private var nextID: ConnectionID = 0
        /// Attempts in a row that ended before their handshake was confirmed.
        private(set) var failures = 0
        let backoff: RedisReconnectBackoff

        init(backoff: RedisReconnectBackoff) {
            self.backoff = backoff
        }

        enum ExecuteAction {
            /// Write the request to this connection.
            case write(Connection)
            /// Queue the request until the attempt under way ends.
            case wait
            /// Start connection attempt `id`, and queue the request until it ends.
            case connectAndWait(ConnectionID)
            /// Fail the request at once.
            case fail(StoreError)
        }

        /// A call arrives.
        mutating func execute() -> ExecuteAction {
            switch self.state {
            case .idle:
                let id = self.startAttempt()
                return .connectAndWait(id)
            case .connecting:
                return .wait
            case .ready(_, let connection, _):
                return .write(connection)
            case .backingOff:
                return .fail(.unavailable)
            case .shutDown:
                return .fail(.shutdown)
            }
        }

        enum ConnectedAction {
            /// Write the handshake, then the queued requests.
            case handshakeAndFlush
            /// Shut down meanwhile: close the new connection.
            case close
        }

        /// Attempt `id` connected.
        mutating func connected(_ id: ConnectionID, _ connection: Connection) -> ConnectedAction {
            switch self.state {
            case .connecting(let current) where current == id:
                self.state = .ready(id, connection, confirmed: false)
                return .handshakeAndFlush
            case .shutDown:
                return .close
            case .idle, .connecting, .ready, .backingOff:
                preconditionFailure("connection \(id) connected while no attempt of that ID was under way")
            }
        }

        /// Starts connecting if nothing was ever used: returns the ID of the attempt to start, or `nil`.
        mutating func warmUp() -> ConnectionID? {
            guard case .idle = self.state else { return nil }
            return self.startAttempt()
        }

        /// The connection that is past its handshake, if there is one.
        var confirmedConnection: (id: ConnectionID, connection: Connection)? {
            guard case .ready(let id, let connection, confirmed: true) = self.state else { return nil }
            return (id, connection)
        }

        /// The handshake of `id` came back OK: the connection is healthy, backoff starts over.
        mutating func handshakeSucceeded(_ id: ConnectionID) {
            guard case .ready(let current, let connection, confirmed: false) = self.state, current == id else { return }
            self.state = .ready(id, connection, confirmed: true)
            self.failures = 0
        }

        /// Attempt `id` could not connect. Returns what to fail the queued requests with, and when to try again
        /// (`nil`: never, shut down).
        mutating func connectFailed(_ id: ConnectionID, jitter: Double) -> (StoreError, reconnectAfter: Duration?) {
            switch self.state {
            case .connecting(let current) where current == id:
                self.failures += 1
                self.state = .backingOff
                return (.unavailable, self.backoff.delay(afterFailures: self.failures, jitter: jitter))
            case .shutDown:
                return (.shutdown, nil)
            case .idle, .connecting, .ready, .backingOff:
                preconditionFailure("connection \(id) failed while no attempt of that ID was under way")
            }
        }

        /// Connection `id` closed. Returns when to reconnect, or `nil` when it was not the current connection or
        /// the machine is shut down.
        mutating func closed(_ id: ConnectionID, jitter: Double) -> Duration? {
            guard case .ready(let current, _, let confirmed) = self.state, current == id else { return nil }
            if !confirmed {
                self.failures += 1
            }
            self.state = .backingOff
            return self.backoff.delay(afterFailures: self.failures, jitter: jitter)
        }

        /// The backoff delay passed. Returns the ID of the attempt to start, or `nil` when shut down.
        mutating func reconnectDue() -> ConnectionID? {
            guard case .backingOff = self.state else { return nil }
            return self.startAttempt()
        }

        enum ShutdownAction {
            /// Let the requests in flight on this connection finish, then close it.
            case drain(Connection)
            /// Fail the queued requests with ``StoreError/shutdown``; the attempt under way closes its
            /// connection when it lands.
            case failWaiters
            case none
        }

        mutating func shutdown() -> ShutdownAction {
            let action: ShutdownAction
            switch self.state {
            case .ready(_, let connection, _): action = .drain(connection)
            case .connecting: action = .failWaiters
            case .idle, .backingOff, .shutDown: action = .none
            }
            self.state = .shutDown
            return action
        }

        private mutating func startAttempt() -> ConnectionID {
            let id = self.nextID
            self.nextID += 1
            self.state = .connecting(id)
            return id
        }
    }
}
