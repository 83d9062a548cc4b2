import NIOHTTP1

/// When a request whose backend connection failed may be sent again.
///
/// Never sent (the connection was refused): always, to another backend — that is routing, not a retry. Sent: only
/// if the method is idempotent (RFC 9110 §9.2.2), no byte of the response arrived, no body was streamed (a body
/// that went out cannot be replayed), the backend did not time out (it may still be working on it), and the retry
/// budget allows.
public enum RetryPolicy {
    /// Whether a request that was sent may go again.
    public static func maySendAgain(
        method: HTTPMethod,
        bodyBytesSent: Int,
        responseStarted: Bool,
        timedOut: Bool
    ) -> Bool {
        Self.isIdempotent(method) && bodyBytesSent == 0 && !responseStarted && !timedOut
    }

    /// RFC 9110 §9.2.2.
    public static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE: true
        default: false
        }
    }
}
