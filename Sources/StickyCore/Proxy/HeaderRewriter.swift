import NIOHTTP1

/// Rewrites message heads as they cross the proxy: hop-by-hop headers out (RFC 9110 §7.6.1), forwarding
/// headers in.
enum HeaderRewriter {
    /// The hop-by-hop headers of RFC 9110 §7.6.1, plus the ones every proxy drops with them.
    private static let hopByHop: [String] = [
        "connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Removes the hop-by-hop headers and every header that `Connection` names.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        for token in headers[canonicalForm: "connection"] {
            headers.remove(name: String(token))
        }
        for name in Self.hopByHop {
            headers.remove(name: name)
        }
    }

    /// The head to send to a backend for a client's request.
    ///
    /// `upgrade` keeps the `Upgrade` token so a WebSocket handshake can reach the backend.
    static func upstreamRequest(
        _ head: HTTPRequestHead,
        clientAddress: String?,
        upgrade: String?
    ) -> HTTPRequestHead {
        var headers = head.headers
        let isChunked = headers[canonicalForm: "transfer-encoding"].last?.lowercased() == "chunked"
        Self.removeHopByHop(&headers)
        // The proxy answers `Expect: 100-continue` itself once a backend is connected.
        headers.remove(name: "expect")
        if isChunked, !headers.contains(name: "content-length") {
            headers.add(name: "transfer-encoding", value: "chunked")
        }
        if let upgrade {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upgrade)
        }
        Self.append(&headers, name: "x-forwarded-for", value: clientAddress ?? "unknown")
        Self.append(&headers, name: "x-forwarded-proto", value: "http")
        if let host = head.headers.first(name: "host") {
            Self.append(&headers, name: "x-forwarded-host", value: host)
        }
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// The head to send to the client for a backend's response.
    ///
    /// `keepAlive` says whether the client connection stays open after this response.
    static func clientResponse(
        _ head: HTTPResponseHead,
        requestVersion: HTTPVersion,
        keepAlive: Bool
    ) -> HTTPResponseHead {
        var headers = head.headers
        let isUpgrade = head.status == .switchingProtocols
        let upgrade = headers.first(name: "upgrade")
        let isChunked = headers[canonicalForm: "transfer-encoding"].last?.lowercased() == "chunked"
        Self.removeHopByHop(&headers)
        if isUpgrade, let upgrade {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upgrade)
        } else if !keepAlive {
            headers.add(name: "connection", value: "close")
        } else if requestVersion == .http1_0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        if isChunked, !headers.contains(name: "content-length") {
            headers.add(name: "transfer-encoding", value: "chunked")
        }
        return HTTPResponseHead(version: requestVersion, status: head.status, headers: headers)
    }

    private static func append(_ headers: inout HTTPHeaders, name: String, value: String) {
        let existing = headers[name]
        if existing.isEmpty {
            headers.add(name: name, value: value)
        } else {
            headers.replaceOrAdd(name: name, value: (existing + [value]).joined(separator: ", "))
        }
    }
}
