import NIOCore
import Synchronization

/// The client connections the listener accepted that are still open: counted (`sticky_client_connections`),
/// bounded (`STICKY_MAX_CLIENT_CONNECTIONS`), told to quiesce when the proxy shuts down, and closed when the drain runs out of time.
///
/// The small equivalent of swift-nio-extras' `ServerQuiescingHelper`. Quiescing fires NIO's
/// `ChannelShouldQuiesceEvent` into each connection: ``ClientRequestSequencer`` then closes an idle connection at
/// once and a busy one right after its current response.
final class ClientConnectionTracker: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
        /// Completed when the last connection closes after quiescing began.
        var drained: EventLoopPromise<Void>?
    }

    private let state = Mutex(State())
    private let metrics: ProxyMetrics
    /// `STICKY_MAX_CLIENT_CONNECTIONS`.
    private let limit: Int

    init(metrics: ProxyMetrics, limit: Int) {
        self.metrics = metrics
        self.limit = limit
    }

    /// Open connections.
    var count: Int { self.state.withLock { $0.channels.count } }

    /// Follows a freshly accepted connection until it closes, and returns `true`; or, with the limit of open
    /// connections reached, counts it and returns `false`: the caller closes it before it is read from, and the
    /// connections already open go on undisturbed. One accepted while the proxy quiesces is closed at once: it
    /// cannot have sent a request the proxy read.
    func track(_ channel: any Channel) -> Bool {
        let (accepted, quiescing) = self.state.withLock { state in
            guard state.channels.count < self.limit else { return (false, state.quiescing) }
            state.channels[ObjectIdentifier(channel)] = channel
            return (true, state.quiescing)
        }
        guard accepted else {
            self.metrics.clientConnectionRejected()
            return false
        }
        self.metrics.clientConnectionOpened()
        channel.closeFuture.whenComplete { _ in self.forget(channel) }
        if quiescing {
            channel.close(promise: nil)
        }
        return true
    }

    private func forget(_ channel: any Channel) {
        let drained = self.state.withLock { state -> EventLoopPromise<Void>? in
            state.channels.removeValue(forKey: ObjectIdentifier(channel))
            guard state.channels.isEmpty, let drained = state.drained else { return nil }
            state.drained = nil
            return drained
        }
        self.metrics.clientConnectionClosed()
        drained?.succeed()
    }

    /// Tells every open connection to finish what it is doing and close; the future completes when the last one
    /// has closed.
    func quiesce(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let channels = self.state.withLock { state -> [any Channel] in
            precondition(!state.quiescing, "quiesced twice")
            state.quiescing = true
            if !state.channels.isEmpty {
                state.drained = promise
            }
            return Array(state.channels.values)
        }
        if channels.isEmpty {
            promise.succeed()
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return promise.futureResult
    }

    /// Closes every connection still open; returns how many there were.
    @discardableResult
    func closeAll() -> Int {
        let channels = self.state.withLock { Array($0.channels.values) }
        for channel in channels {
            channel.close(promise: nil)
        }
        return channels.count
    }
}
