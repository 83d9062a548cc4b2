import NIOCore

/// Drains and undrains backends for the admin endpoints: the mark goes into the store, where every replica reads it
/// (``DrainStateSync``), and applies to this replica at once.
struct DrainControl: Sendable {
    enum Outcome: Sendable {
        /// No backend has that name.
        case unknownBackend
        /// Marked in the store, so on every replica within a few seconds.
        case shared
        /// The store did not take it: this replica only.
        case localOnly
    }

    let store: any StoreBackend
    let keyPrefix: String
    let timeout: TimeAmount
    let backends: @Sendable () -> [Backend]

    func setDraining(_ name: String, _ draining: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Outcome> {
        guard let backend = self.backends().first(where: { $0.name == name }) else {
            return eventLoop.makeSucceededFuture(.unknownBackend)
        }
        backend.setDraining(draining)
        let key = DrainKey.key(prefix: self.keyPrefix, backend: name)
        let deadline = NIODeadline.now() + self.timeout
        let write =
            draining
            ? self.store.set(key, to: DrainKey.value(backend: name), ttl: DrainKey.lifetime, deadline: deadline,
                on: eventLoop)
            : self.store.delete(key, deadline: deadline, on: eventLoop)
        return write.map { Outcome.shared }.recover { _ in .localOnly }
    }
}
