import NIOCore
import StickyCore

extension RedisStore {
    /// Reports to `handler`, on `eventLoop`, what Redis tells about the keys read on that loop's connection: Redis
    /// client-side caching, with the invalidations redirected to a second connection on the same loop.
    ///
    /// After ``StoreCoherence/tracked``, every change to a key read on `eventLoop` is reported, until
    /// ``StoreCoherence/untracked``, which comes whenever a change could go unreported (a connection dropped, a
    /// `PING` unanswered, tracking moved to a new listener, shutdown). Writes this store makes on `eventLoop` are
    /// reported too, once they complete. An answer that was in flight while any report arrived is not covered. See
    /// ``RedisLoopCoherence`` for the details.
    ///
    /// Does nothing when ``Configuration/tracking`` is off, or for a loop outside the store's group. Connects
    /// `eventLoop`'s connection now if it never did.
    public func watchCoherence(
        on eventLoop: any EventLoop,
        _ handler: @escaping @Sendable (StoreCoherence) -> Void
    ) {
        guard self.configuration.tracking, let connection = self.connection(on: eventLoop) else {
            return
        }
        if eventLoop.inEventLoop {
            connection.value.watchCoherence(handler)
        } else {
            eventLoop.execute { connection.value.watchCoherence(handler) }
        }
    }
}
