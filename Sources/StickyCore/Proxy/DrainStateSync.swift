import Logging
import NIOCore
import ServiceLifecycle

/// Keeps every replica's view of which backends drain in step with the store, where the admin endpoint writes it:
/// each replica reads the drain keys every interval. A store that does not answer leaves the last known state.
final class DrainStateSync: Service {
    private let backends: @Sendable () -> [Backend]
    private let store: any StoreBackend
    private let keyPrefix: String
    private let interval: Duration
    private let timeout: TimeAmount
    private let eventLoop: any EventLoop
    private let logger: Logger

    init(
        backends: @escaping @Sendable () -> [Backend],
        store: any StoreBackend,
        keyPrefix: String,
        interval: Duration = .seconds(2),
        timeout: TimeAmount,
        eventLoop: any EventLoop,
        logger: Logger
    ) {
        self.backends = backends
        self.store = store
        self.keyPrefix = keyPrefix
        self.interval = interval
        self.timeout = timeout
        self.eventLoop = eventLoop
        self.logger = logger
    }

    func run() async throws {
        // Cancelled at graceful shutdown: the sleep ends early, and so does the loop, without an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.syncOnce()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Reads every backend's drain key once and applies what it says.
    func syncOnce() async {
        for backend in self.backends() {
            let key = DrainKey.key(prefix: self.keyPrefix, backend: backend.name)
            let mark: StoredMapping?
            do {
                mark = try await self.store.get(key, deadline: .now() + self.timeout, on: self.eventLoop).get()
            } catch {
                continue  // a failed read: keep what we know
            }
            let draining = mark != nil
            if draining != backend.isDraining {
                backend.setDraining(draining)
                self.logger.notice(
                    draining ? "backend draining" : "backend no longer draining",
                    metadata: ["upstream.name": "\(backend.name)"]
                )
            }
        }
    }
}
