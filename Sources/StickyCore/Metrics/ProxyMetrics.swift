import CoreMetrics
import NIOCore
import Synchronization

/// Every metric the proxy exports, made once at start so that the request path only increments.
///
/// Component code uses swift-metrics types only; the executable bootstraps the Prometheus factory and renders
/// its registry on `/metrics`. Labels are bounded: configured backend names, status classes, affinity decisions,
/// store operations and error kinds. Never a session ID, a cookie, a path or a client address.
public final class ProxyMetrics: Sendable {
    /// The metric names: an interface (dashboards and alerts use them), listed in the README.
    public enum Name {
        public static let requests = "sticky_requests_total"
        public static let decisions = "sticky_affinity_decisions_total"
        public static let storeDuration = "sticky_store_operation_duration_seconds"
        public static let storeErrors = "sticky_store_errors_total"
        public static let connectFailures = "sticky_upstream_connect_failures_total"
        public static let retries = "sticky_upstream_retries_total"
        public static let clientConnections = "sticky_client_connections"
        public static let clientConnectionsRejected = "sticky_client_connections_rejected_total"
        public static let upstreamConnections = "sticky_upstream_connections"
        public static let backendUp = "sticky_backend_up"
        public static let backendDraining = "sticky_backend_draining"
        public static let storeUp = "sticky_store_up"
        public static let nearCacheLookups = "sticky_near_cache_lookups_total"
    }

    /// The `backend` label of a response the proxy gave without reaching any backend (`CONNECT`'s 405, say). No
    /// backend name can take this form.
    public static let noBackendLabel = "(none)"

    /// The decisions, in the order of ``AffinityDecision``'s documentation.
    static let decisionsInOrder: [AffinityDecision] = [.sticky, .new, .unknownSession, .fallback, .storeError]

    private let backends: [String: BackendMetrics]
    private let noBackendResponses: [Counter]
    /// In the order of ``decisionsInOrder``.
    private let decisions: [Counter]
    private let clientConnectionsGauge: Meter
    private let clientConnectionsRejected: Counter
    private let nearCacheHits: Counter
    private let nearCacheMisses: Counter
    private let clientConnectionCount = Atomic<Int>(0)
    let store: StoreMetrics

    /// - Parameters:
    ///   - backendNames: the configured backends; each gets its series at once, at zero.
    ///   - factory: where the metrics go; the process-wide `MetricsSystem` factory unless a test passes its own.
    public init(backendNames: [String], factory: any MetricsFactory = MetricsSystem.factory) {
        var backends: [String: BackendMetrics] = [:]
        for name in backendNames {
            backends[name] = BackendMetrics(name: name, factory: factory)
        }
        self.backends = backends
        self.noBackendResponses = Self.responseCounters(backend: Self.noBackendLabel, factory: factory)
        self.decisions = Self.decisionsInOrder.map { decision in
            Counter(label: Name.decisions, dimensions: [("decision", decision.rawValue)], factory: factory)
        }
        self.clientConnectionsGauge = Meter(label: Name.clientConnections, factory: factory)
        self.clientConnectionsGauge.set(0)
        self.clientConnectionsRejected = Counter(label: Name.clientConnectionsRejected, factory: factory)
        self.nearCacheHits = Counter(label: Name.nearCacheLookups, dimensions: [("result", "hit")], factory: factory)
        self.nearCacheMisses = Counter(label: Name.nearCacheLookups, dimensions: [("result", "miss")], factory: factory)
        self.store = StoreMetrics(factory: factory)
    }

    static func responseCounters(backend: String, factory: any MetricsFactory) -> [Counter] {
        StatusClass.allCases.map { statusClass in
            Counter(
                label: Name.requests,
                dimensions: [("backend", backend), ("status_class", statusClass.label)],
                factory: factory
            )
        }
    }

    /// The metrics of the backend called `name`, if it is configured.
    func backend(_ name: String) -> BackendMetrics? {
        self.backends[name]
    }

    /// Counts a response with status `code`, answered by (or on behalf of) `backend`.
    func countResponse(backend: String?, code: Int) {
        let counters = backend.flatMap { self.backends[$0]?.responses } ?? self.noBackendResponses
        counters[StatusClass(code: code).rawValue - 1].increment()
    }

    /// Counts how a request was routed.
    func countDecision(_ decision: AffinityDecision) {
        self.decisions[decision.index].increment()
    }

    func clientConnectionOpened() {
        self.clientConnectionCount.add(1, ordering: .relaxed)
        self.clientConnectionsGauge.increment()
    }

    func clientConnectionClosed() {
        self.clientConnectionCount.subtract(1, ordering: .relaxed)
        self.clientConnectionsGauge.decrement()
    }

    /// A session looked up in the near-cache: answered there (`hit`, a tombstone included), or sent on to the store.
    func countNearCacheLookup(hit: Bool) {
        (hit ? self.nearCacheHits : self.nearCacheMisses).increment()
    }

    /// A connection closed at once because `STICKY_MAX_CLIENT_CONNECTIONS` were open.
    func clientConnectionRejected() {
        self.clientConnectionsRejected.increment()
    }

    /// Open client connections.
    var clientConnections: Int { self.clientConnectionCount.load(ordering: .relaxed) }

    /// Sets the gauges that are states rather than events: each backend's health, the store's.
    /// Called before the metrics are rendered.
    func sampleStates(backends: [Backend], storeHealth: StoreHealth, now: NIODeadline) {
        for backend in backends {
            self.backends[backend.name]?.up.record(backend.isUp ? 1 : 0)
            self.backends[backend.name]?.draining.record(backend.isDraining ? 1 : 0)
        }
        self.store.up.record(storeHealth == .degraded ? 0 : 1)
    }
}
