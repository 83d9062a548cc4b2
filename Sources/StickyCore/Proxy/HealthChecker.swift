import Logging
import NIOCore
import ServiceLifecycle

/// Checks the backends' health in the background, on every replica.
///
/// With a health path, every backend is checked every interval (`GET path`, 2xx/3xx is healthy): `fall` failures in
/// a row take it down, `rise` successes bring it back. Without one, health is passive (refused connections, resets,
/// timeouts on real requests), and a backend that went down is probed with a TCP connect once its cooldown has
/// passed, every interval, until `rise` probes in a row succeed.
final class HealthChecker: Service {
    /// The backends as configured now: a reload changes them.
    private let backends: @Sendable () -> [Backend]
    private let path: String?
    private let interval: Duration
    private let timeout: TimeAmount
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    init(
        backends: @escaping @Sendable () -> [Backend],
        path: String?,
        interval: Duration,
        timeout: Duration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) {
        self.backends = backends
        self.path = path
        self.interval = interval
        self.timeout = TimeAmount(timeout)
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    func run() async throws {
        // Cancelled at graceful shutdown: the sleep ends early, and so does the loop, without an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.checkOnce()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// One round: the backends that are due, concurrently.
    func checkOnce() async {
        // Active checks look at every backend every round; passive health only probes the down ones whose cooldown
        // has passed.
        let due = self.backends().filter { self.path != nil || $0.isDueForProbe() }
        await withTaskGroup(of: Void.self) { group in
            for backend in due {
                group.addTask {
                    let healthy = await (try? HealthProbe.check(
                        backend,
                        path: self.path,
                        timeout: self.timeout,
                        on: self.eventLoopGroup.next()
                    ).get()) ?? false
                    self.record(healthy, for: backend)
                }
            }
        }
    }

    private func record(_ healthy: Bool, for backend: Backend) {
        let transition = healthy ? backend.recordSuccess(check: true) : backend.recordFailure(check: true)
        switch transition {
        case .wentDown:
            self.logger.error("backend down: health check failed", metadata: ["upstream.name": "\(backend.name)"])
        case .cameUp:
            self.logger.notice("backend up again", metadata: ["upstream.name": "\(backend.name)"])
        case nil:
            break
        }
    }
}
