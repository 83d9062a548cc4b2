import CoreMetrics

/// The store's metrics: how long each kind of call takes, and why calls fail. Made once at start.
final class StoreMetrics: Sendable {
    /// `sticky_store_operation_duration_seconds{operation}`, in the order of `StoreOperation.allCases` (an array:
    /// hashing the operation cost more than recording the duration).
    private let durations: [CoreMetrics.Timer]
    /// `sticky_store_errors_total{operation,kind}`, by operation, then by error kind.
    private let errors: [StoreOperation: [String: Counter]]
    /// `sticky_store_up`: 1 when the store answers, 0 when degraded; sampled when metrics are scraped.
    let up: Gauge

    /// The `kind` of an error that is not a ``StoreError``.
    static let otherErrorKind = "other"

    init(factory: any MetricsFactory) {
        var durations: [CoreMetrics.Timer] = []
        var errors: [StoreOperation: [String: Counter]] = [:]
        let kinds = StoreError.all.map(\.description) + [Self.otherErrorKind]
        for operation in StoreOperation.allCases {
            durations.append(CoreMetrics.Timer(
                label: ProxyMetrics.Name.storeDuration,
                dimensions: [("operation", operation.rawValue)],
                factory: factory
            ))
            var byKind: [String: Counter] = [:]
            for kind in kinds {
                byKind[kind] = Counter(
                    label: ProxyMetrics.Name.storeErrors,
                    dimensions: [("operation", operation.rawValue), ("kind", kind)],
                    factory: factory
                )
            }
            errors[operation] = byKind
        }
        self.durations = durations
        self.errors = errors
        self.up = Gauge(label: ProxyMetrics.Name.storeUp, factory: factory)
        self.up.record(1)
    }

    /// Records one finished call: its duration, and its error if it failed.
    func record(_ operation: StoreOperation, nanoseconds: Int64, error: (any Error)?) {
        self.durations[operation.index].recordNanoseconds(nanoseconds)
        if let error {
            let kind = (error as? StoreError)?.description ?? Self.otherErrorKind
            self.errors[operation]?[kind]?.increment()
        }
    }
}
