/// Why a request could not be completed by a backend. The description is bounded, safe as a metric label.
struct UpstreamError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case connectFailed
        case poolExhausted
        case closedBeforeResponse
        case timeout
    }

    private let code: Code

    /// The TCP connection could not be made (refused, unreachable, timed out).
    static let connectFailed = UpstreamError(code: .connectFailed)
    /// Every pooled connection to the backend stayed busy for the whole connect timeout.
    static let poolExhausted = UpstreamError(code: .poolExhausted)
    /// The connection closed or reset before the response was complete.
    static let closedBeforeResponse = UpstreamError(code: .closedBeforeResponse)
    /// The backend sent nothing for the whole upstream timeout.
    static let timeout = UpstreamError(code: .timeout)

    var description: String {
        switch self.code {
        case .connectFailed: "connect_failed"
        case .poolExhausted: "pool_exhausted"
        case .closedBeforeResponse: "closed_before_response"
        case .timeout: "timeout"
        }
    }
}
