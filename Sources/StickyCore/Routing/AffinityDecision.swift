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
