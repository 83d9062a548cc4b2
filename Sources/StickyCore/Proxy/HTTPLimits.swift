import NIOHTTP1

/// The bounds every message head must keep, so that what a client or a backend sends costs bounded memory and
/// work: `STICKY_MAX_REQUEST_LINE_BYTES`, `STICKY_MAX_HEADER_BYTES`, `STICKY_MAX_HEADER_COUNT` and
/// `STICKY_MAX_COOKIE_BYTES`.
///
/// The parsers enforce the sizes while they read (``ClientRequestParser``, ``UpstreamResponseParser`` with
/// ``maxResponseHeadBytes``), so a head over them is never held whole; ``rejection(of:)`` then checks what only a
/// whole request head can show.
public struct HTTPLimits: Hashable, Sendable {
    /// The longest request target (the URI), in bytes. A longer one gets 414.
    public var maxRequestLineBytes = 8192
    /// The most bytes of header names and values in one head. More gets 431 (request) or 502 (response).
    public var maxHeaderBytes = 32768
    /// The most header fields in one head. More gets 431 (request) or 502 (response).
    public var maxHeaderCount = 100
    /// The most bytes of `Cookie` header values in one request. More gets 431.
    public var maxCookieBytes = 8192

    public init() {}

    /// The most bytes a backend's response head may take (``UpstreamResponseParser``): the header bytes, and room
    /// for a status line.
    var maxResponseHeadBytes: Int { self.maxHeaderBytes + 1024 }

    /// The status a request gets from the proxy itself because of its head alone, or `nil` when it may go on.
    ///
    /// Besides the limits: `CONNECT` is refused (the proxy is not a tunnel to anywhere), an HTTP/1.1 request needs
    /// exactly one `Host` (RFC 9112 §3.2), and an HTTP/1.0 request with `Transfer-Encoding` has faulty framing
    /// (RFC 9112 §6.1). Such a request is answered and its connection closed.
    func rejection(of head: ClientRequestHead) -> HTTPResponseStatus? {
        if head.majorVersion != 1 { return .httpVersionNotSupported }
        if head.method == .CONNECT { return .methodNotAllowed }
        if head.cookieBytes > self.maxCookieBytes { return .requestHeaderFieldsTooLarge }
        if head.hostCount > 1 || (head.hostCount == 0 && head.minorVersion >= 1) { return .badRequest }
        if head.hasTransferEncoding && head.minorVersion == 0 { return .badRequest }
        return nil
    }
}
