/// What the admin listener reports, read at each request: the backends and their health, the store's health,
/// whether the proxy drains, and the metrics.
struct AdminStatus: Sendable {
    let currentBackends: @Sendable () -> [Backend]
    var backends: [Backend] { self.currentBackends() }
    let drain: DrainControl
    let authorization: AdminAuthorization
    /// Distinct sessions routed to each backend in the last five minutes, this replica's view.
    let recentSessionCounts: @Sendable () async -> [String: Int]
    let metrics: ProxyMetrics
    let storeHealth: @Sendable () -> StoreHealth
    let isDraining: @Sendable () -> Bool
    /// The metrics in Prometheus' text format, or `nil` when this build exports none.
    let renderMetrics: (@Sendable () -> String)?
}
