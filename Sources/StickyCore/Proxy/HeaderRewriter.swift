import NIOHTTP1

/// Rewrites message heads as they cross the proxy: hop-by-hop headers out (RFC 9110 §7.6.1), forwarding
/// headers in.
///
/// It runs twice per request, so it looks at each header once: a first pass classifies the names, and headers
/// are removed in one more pass only when there is something to remove (a typical request has no hop-by-hop
/// header; a typical response has `Connection` only).
enum HeaderRewriter {
    /// The hop-by-hop headers of RFC 9110 §7.6.1, plus the ones every proxy drops with them (lowercase).
    private static let hopByHop: [String] = [
        "connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Whether `name` equals `lowercase` (an ASCII name in lowercase), ignoring ASCII case.
    static func matches(_ name: some StringProtocol, _ lowercase: String) -> Bool {
        let lhs = name.utf8
        let rhs = lowercase.utf8
        guard lhs.count == rhs.count else { return false }
        for (byte, expected) in zip(lhs, rhs) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard folded == expected else { return false }
        }
        return true
    }

    private static func isHopByHop(_ name: String) -> Bool {
        Self.hopByHop.contains { Self.matches(name, $0) }
    }

    /// Removes the hop-by-hop headers and every header that `Connection` names.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        guard headers.contains(where: { Self.isHopByHop($0.name) }) else { return }
        let named = headers[canonicalForm: "connection"].map { $0.lowercased() }
        var kept: [(String, String)] = []
        kept.reserveCapacity(headers.count)
        for (name, value) in headers
        where !Self.isHopByHop(name) && !named.contains(where: { Self.matches(name, $0) }) {
            kept.append((name, value))
        }
        headers = HTTPHeaders(kept)
    }

    /// Whether the last `Transfer-Encoding` coding is `chunked`.
    private static func isChunked(_ headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "transfer-encoding"].last?.lowercased() == "chunked"
    }

    /// The head to send to a backend for a client's request.
    ///
    /// `upgrade` keeps the `Upgrade` token so a WebSocket handshake can reach the backend.
    static func upstreamRequest(
        _ head: HTTPRequestHead,
        clientAddress: String?,
        upgrade: String?
    ) -> HTTPRequestHead {
        // One pass over the names says which of the passes below are needed at all.
        var hasHopByHop = false
        var hasExpect = false
        var hasForwardedFor = false
        var hasForwardedProto = false
        var hasForwardedHost = false
        var host: String?
        for (name, value) in head.headers {
            if Self.isHopByHop(name) {
                hasHopByHop = true
            } else if Self.matches(name, "host") {
                host = host ?? value
            } else if Self.matches(name, "expect") {
                hasExpect = true
            } else if Self.matches(name, "x-forwarded-for") {
                hasForwardedFor = true
            } else if Self.matches(name, "x-forwarded-proto") {
                hasForwardedProto = true
            } else if Self.matches(name, "x-forwarded-host") {
                hasForwardedHost = true
            }
        }
        var headers = head.headers
        if hasHopByHop {
            let isChunked = Self.isChunked(headers)
            Self.removeHopByHop(&headers)
            if isChunked, !headers.contains(name: "content-length") {
                headers.add(name: "transfer-encoding", value: "chunked")
            }
        }
        if hasExpect {
            // The proxy answers `Expect: 100-continue` itself once a backend is connected.
            headers.remove(name: "expect")
        }
        if let upgrade {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upgrade)
        }
        Self.append(&headers, name: "x-forwarded-for", value: clientAddress ?? "unknown", present: hasForwardedFor)
        Self.append(&headers, name: "x-forwarded-proto", value: "http", present: hasForwardedProto)
        if let host {
            Self.append(&headers, name: "x-forwarded-host", value: host, present: hasForwardedHost)
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
        let upgrade = isUpgrade ? headers.first(name: "upgrade") : nil
        var isChunked = false
        if headers.contains(where: { Self.isHopByHop($0.name) }) {
            isChunked = Self.isChunked(headers)
            Self.removeHopByHop(&headers)
        }
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

    /// Adds `name: value`, or appends `value` to the list the header already holds (`present`).
    private static func append(_ headers: inout HTTPHeaders, name: String, value: String, present: Bool) {
        guard present else {
            headers.add(name: name, value: value)
            return
        }
        headers.replaceOrAdd(name: name, value: (headers[name] + [value]).joined(separator: ", "))
    }
}
