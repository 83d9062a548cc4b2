import StickyCore

extension RedisLoopCoherence {
    /// When one event loop's data connection has Redis track its reads, and what the loop is told, with no I/O in it.
    ///
    /// Tracking is on when both the listener is subscribed (its client ID known) and the data connection is past
    /// its handshake, and `CLIENT TRACKING ON REDIRECT <id> NOLOOP` was answered `+OK` on that data connection.
    /// ``StoreCoherence/tracked`` is reported then, and ``StoreCoherence/untracked`` (once) as soon as either side
    /// is lost, so that no change can go unreported between the two.
    struct StateMachine: Sendable {
        typealias ConnectionID = Int
        typealias ClientID = Int64

        private enum Tracking: Equatable {
            /// Nothing sent on the data connection (or none is connected).
            case off
            /// `CLIENT TRACKING ON REDIRECT redirect` sent on `connection`, its reply not back yet.
            case enabling(connection: ConnectionID, redirect: ClientID)
            /// Answered `+OK`: the data connection's reads are tracked and redirected to `redirect`.
            case on(connection: ConnectionID, redirect: ClientID)
            /// Refused or unanswered on `connection`: tried again only on a new data or listener connection.
            case failed(connection: ConnectionID)
        }

        private var listener: ClientID?
        private var data: ConnectionID?
        /// The data connection that was sent `CLIENT TRACKING ON` (so that a new redirect needs `OFF` first).
        private var everEnabled: ConnectionID?
        private var tracking: Tracking = .off
        /// Whether the last thing reported was ``StoreCoherence/tracked``.
        private(set) var isReporting = false
        private(set) var isShutDown = false

        init() {}

        enum Action: Equatable {
            /// Send `CLIENT TRACKING ON REDIRECT redirect NOLOOP` on data connection `connection`, after
            /// `CLIENT TRACKING OFF` when `disableFirst`.
            case enableTracking(connection: ConnectionID, redirect: ClientID, disableFirst: Bool)
            /// Tell the loop.
            case report(StoreCoherence)
        }

        /// The listener subscribed to `__redis__:invalidate` as client `id`.
        mutating func listenerSubscribed(clientID id: ClientID) -> [Action] {
            guard !self.isShutDown else { return [] }
            self.listener = id
            return self.enableIfPossible()
        }

        /// The listener dropped or stopped answering: invalidations sent to it are lost.
        mutating func listenerLost() -> [Action] {
            guard !self.isShutDown, self.listener != nil else { return [] }
            self.listener = nil
            switch self.tracking {
            // The data connection still redirects to the lost client; a new listener re-enables it.
            case .enabling, .on: self.tracking = .off
            case .off, .failed: break
            }
            return self.stopReporting()
        }

        /// Data connection `id` is past its handshake.
        mutating func dataConnectionReady(_ id: ConnectionID) -> [Action] {
            guard !self.isShutDown else { return [] }
            // Normally the old one was reported lost first; if not, its tracking ends here all the same.
            let gap = self.data.map { self.dataConnectionLost($0) } ?? []
            self.data = id
            self.tracking = .off
            return gap + self.enableIfPossible()
        }

        /// Data connection `id` closed: its tracking ended with it.
        mutating func dataConnectionLost(_ id: ConnectionID) -> [Action] {
            guard !self.isShutDown, self.data == id else { return [] }
            self.data = nil
            self.tracking = .off
            return self.stopReporting()
        }

        /// `CLIENT TRACKING ON REDIRECT redirect` on data connection `id` was answered: `+OK` (`succeeded`), or an
        /// error reply, or not at all.
        mutating func trackingAnswered(
            connection id: ConnectionID,
            redirect: ClientID,
            succeeded: Bool
        )
            -> [Action]
        {
            guard !self.isShutDown, self.tracking == .enabling(connection: id, redirect: redirect) else {
                return []
            }
            guard succeeded else {
                self.tracking = .failed(connection: id)
                return []
            }
            self.tracking = .on(connection: id, redirect: redirect)
            precondition(!self.isReporting, "tracking enabled while already reported as tracked")
            self.isReporting = true
            return [.report(.tracked)]
        }

        /// The store shuts down: ``StoreCoherence/untracked`` if the loop was told ``StoreCoherence/tracked``, and
        /// nothing after that.
        mutating func shutdown() -> [Action] {
            guard !self.isShutDown else { return [] }
            let actions = self.stopReporting()
            self.isShutDown = true
            return actions
        }

        private mutating func enableIfPossible() -> [Action] {
            guard let listener = self.listener, let data = self.data else { return [] }
            switch self.tracking {
            case .off:
                break
            case .failed(let connection) where connection == data:
                // Tried again only when one of the two connections is new.
                return []
            case .failed, .enabling, .on:
                break
            }
            let disableFirst = self.everEnabled == data
            self.everEnabled = data
            self.tracking = .enabling(connection: data, redirect: listener)
            // Whatever was tracked before goes unreported from here until the new `+OK`: the loop hears `untracked`
            // first if it had heard `tracked`.
            return self.stopReporting() + [
                .enableTracking(connection: data, redirect: listener, disableFirst: disableFirst)
            ]
        }

        private mutating func stopReporting() -> [Action] {
            guard self.isReporting else { return [] }
            self.isReporting = false
            return [.report(.untracked)]
        }
    }
}
