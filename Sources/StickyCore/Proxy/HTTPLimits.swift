import NIOHTTP1

/// The bounds every message head must keep, so that what a client or a backend sends costs bounded memory and
/// work: `STICKY_MAX_REQUEST_LINE_BYTES`, `STICKY_MAX_HEADER_BYTES`, `STICKY_MAX_HEADER_COUNT` and
/// `STICKY_MAX_COOKIE_BYTES`.
///
/// The HTTP decoders enforce them while they read (``requestDecoderLimits``, ``maxResponseHeadBytes``), so a head
/// over them is never held whole; ``rejection(of:)`` then checks a decoded request head exactly.
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

    /// What the request decoder stops at: the URI counts towards NIO's field and list sizes, so the URI's bound is
    /// added to the headers' and ``rejection(of:)`` tells the two apart.
    var requestDecoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = max(self.maxRequestLineBytes, self.maxHeaderBytes)
        limits.maxHeaderListSize = self.maxRequestLineBytes + self.maxHeaderBytes
        limits.maxHeaderFieldCount = self.maxHeaderCount
        return limits
    }

    /// The most bytes a backend's response head may take (``UpstreamResponseParser``): the header bytes, and room
    /// for a status line.
    var maxResponseHeadBytes: Int { self.maxHeaderBytes + 1024 }

    /// The status a request gets from the proxy itself because of its head alone, or `nil` when it may go on.
    ///
    /// Besides the limits: `CONNECT` is refused (the proxy is not a tunnel to anywhere), an HTTP/1.1 request needs
    /// exactly one `Host` (RFC 9112 §3.2), and an HTTP/1.0 request with `Transfer-Encoding` has faulty framing
    /// (RFC 9112 §6.1). Such a request is answered and its connection closed.
    func rejection(of head: HTTPRequestHead) -> HTTPResponseStatus? {
        if head.version.major != 1 { return .httpVersionNotSupported }
        if head.method == .CONNECT { return .methodNotAllowed }
        if head.uri.utf8.count > self.maxRequestLineBytes { return .uriTooLong }
        if head.headers.count > self.maxHeaderCount { return .requestHeaderFieldsTooLarge }
        var headerBytes = 0
        var cookieBytes = 0
        var hosts = 0
        var hasTransferEncoding = false
        for (name, value) in head.headers {
            let nameLength = name.utf8.count
            headerBytes += nameLength + value.utf8.count
            // By length first: most names are then compared with nothing.
            switch nameLength {
            case 6 where HeaderName.matches(name, "cookie"): cookieBytes += value.utf8.count
            case 4 where HeaderName.matches(name, "host"): hosts += 1
            case 17 where HeaderName.matches(name, "transfer-encoding"): hasTransferEncoding = true
            default: break
            }
        }
        if headerBytes > self.maxHeaderBytes || cookieBytes > self.maxCookieBytes {
            return .requestHeaderFieldsTooLarge
        }
        if hosts > 1 || (hosts == 0 && head.version.minor >= 1) { return .badRequest }
        if hasTransferEncoding && head.version.minor == 0 { return .badRequest }
        return nil
    }
}
