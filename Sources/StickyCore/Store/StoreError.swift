/// Why a store call did not answer. Its description is short and bounded, safe as a metric label.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case timeout
        case unavailable
        case serverUnavailable
        case protocolError
        case circuitOpen
        case shutdown
    }

    private let code: Code

    /// The deadline passed before the store answered.
    public static let timeout = StoreError(code: .timeout)
    /// No connection to the store could be made or kept.
    public static let unavailable = StoreError(code: .unavailable)
    /// The one server that holds this key is out, while the store's other servers answer (memcached): a miss for
    /// this key, not a store outage.
    public static let serverUnavailable = StoreError(code: .serverUnavailable)
    /// The store answered something this client does not understand.
    public static let protocolError = StoreError(code: .protocolError)
    /// The circuit breaker is open: the store was not called.
    public static let circuitOpen = StoreError(code: .circuitOpen)
    /// The client was shut down.
    public static let shutdown = StoreError(code: .shutdown)

    /// Every store error, for metrics made ahead of time (one series per kind).
    public static let all: [StoreError] = [
        .timeout, .unavailable, .serverUnavailable, .protocolError, .circuitOpen, .shutdown,
    ]

    public var description: String {
        switch code {
        case .timeout: "timeout"
        case .unavailable: "unavailable"
        case .serverUnavailable: "server_unavailable"
        case .protocolError: "protocol_error"
        case .circuitOpen: "circuit_open"
        case .shutdown: "shutdown"
        }
    }
}
