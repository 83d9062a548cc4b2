/// A store with connections or threads of its own, shut down when the proxy stops.
public protocol ManagedStore: StoreBackend {
    /// Finishes the calls in flight (each within its deadline), then releases everything; later calls fail.
    func shutdown() async
}
