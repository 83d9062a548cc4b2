import CoreMetrics
import Synchronization

/// The metrics of one configured backend, made once at start.
///
/// Besides the exported series it keeps its connection counts in atomics, which `/backends` reads.
final class BackendMetrics: Sendable {
    let name: String
    /// `sticky_requests_total{backend,status_class}`, indexed by ``StatusClass`` raw value − 1.
    let responses: [Counter]
    /// `sticky_upstream_connect_failures_total{backend}`.
    let connectFailures: Counter
    /// `sticky_upstream_retries_total{backend}`.
    let retries: Counter
    /// `sticky_upstream_connections{backend}`.
    private let connectionsGauge: Meter
    /// `sticky_backend_up{backend}`, sampled when metrics are scraped.
    let up: Gauge
    /// `sticky_backend_draining{backend}`: 1 while the backend drains.
    let draining: Gauge

    private let open = Atomic<Int>(0)
    private let idle = Atomic<Int>(0)

    init(name: String, factory: any MetricsFactory) {
        self.name = name
        self.responses = ProxyMetrics.responseCounters(backend: name, factory: factory)
        let dimensions = [("backend", name)]
        typealias Name = ProxyMetrics.Name
        self.connectFailures = Counter(label: Name.connectFailures, dimensions: dimensions, factory: factory)
        self.retries = Counter(label: Name.retries, dimensions: dimensions, factory: factory)
        self.connectionsGauge = Meter(label: Name.upstreamConnections, dimensions: dimensions, factory: factory)
        self.up = Gauge(label: Name.backendUp, dimensions: dimensions, factory: factory)
        self.draining = Gauge(label: Name.backendDraining, dimensions: dimensions, factory: factory)
        self.connectionsGauge.set(0)
        self.draining.record(0)
    }

    /// Open connections to the backend from this replica (idle ones included).
    var openConnections: Int { self.open.load(ordering: .relaxed) }

    /// Connections to the backend carrying a request right now.
    var activeConnections: Int { max(0, self.openConnections - self.idle.load(ordering: .relaxed)) }

    func connectionOpened() {
        self.open.add(1, ordering: .relaxed)
        self.connectionsGauge.increment()
    }

    func connectionClosed() {
        self.open.subtract(1, ordering: .relaxed)
        self.connectionsGauge.decrement()
    }

    /// `count` connections went into (positive) or out of (negative) a pool's idle list.
    func idleChanged(by count: Int) {
        guard count != 0 else { return }
        self.idle.add(count, ordering: .relaxed)
    }
}
