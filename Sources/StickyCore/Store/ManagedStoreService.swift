import ServiceLifecycle

/// Runs a shared store's lifetime as a ``Service``: it sits idle until the service group shuts down (or fails),
/// then finishes the store's calls in flight and releases its connections and threads.
///
/// First in the service group, so that it is the last to stop: requests that drain still reach the store.
struct ManagedStoreService: Service {
    let store: any ManagedStore

    func run() async {
        // Returns on graceful shutdown, throws on cancellation: either way the store closes now.
        try? await gracefulShutdown()
        await self.store.shutdown()
    }
}
