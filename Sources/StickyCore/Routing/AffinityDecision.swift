/// How a request was routed. The raw value is a bounded metric label.
public enum AffinityDecision: String, Sendable, Hashable {
    /// The session's recorded backend is available and got the request.
    case sticky
    /// The request carried no session: the balancer picked.
    case new
    /// The request carried a session the store had no mapping for: the balancer picked.
    case unknownSession = "unknown_session"
    /// The recorded backend is unknown or down: another one was picked and the mapping rewritten.
    case fallback
    /// The store did not answer in time: the balancer picked.
    case storeError = "store_error"
}

extension AffinityDecision {
    /// The position in ``ProxyMetrics/decisionsInOrder``.
    var index: Int {
        switch self {
        case .sticky: 0
        case .new: 1
        case .unknownSession: 2
        case .fallback: 3
        case .storeError: 4
        }
    }
}
