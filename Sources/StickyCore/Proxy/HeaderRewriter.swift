import NIOHTTP1

/// Rewrites message heads as they cross the proxy: hop-by-hop headers out (RFC 9110 §7.6.1), forwarding
/// headers in.
///
/// It runs on both heads of every request, so it walks the headers as few times as it can: one pass classifies the
/// names (by length first, so most are rejected at once), and only a head that carries hop-by-hop headers is
/// filtered, in one more pass. Names compare as ASCII, case-insensitively, byte by byte, with no lowercased copies.
enum HeaderRewriter {
    /// The header names the rewriter cares about.
    private enum Name {
        case connection, otherHopByHop, transferEncoding, host, expect, forwardedFor, forwardedProto, forwardedHost

        /// The hop-by-hop headers of RFC 9110 §7.6.1, plus the ones every proxy drops with them.
        var isHopByHop: Bool {
            self == .connection || self == .otherHopByHop || self == .transferEncoding
        }
    }

    private static func classify(_ name: String) -> Name? {
        var name = name
        return name.withUTF8 { Self.classify($0) }
    }

    /// Whether `name` is one of the hop-by-hop headers the proxy always drops.
    static func isHopByHop(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.classify(name)?.isHopByHop == true
    }

    private static func classify(_ name: UnsafeBufferPointer<UInt8>) -> Name? {
        switch name.count {
        case 2: HeaderName.matches(name, "te") ? .otherHopByHop : nil
        case 4: HeaderName.matches(name, "host") ? .host : nil
        case 6: HeaderName.matches(name, "expect") ? .expect : nil
        case 7: HeaderName.matches(name, "upgrade") ? .otherHopByHop : nil
        case 10:
            HeaderName.matches(name, "connection")
                ? .connection : HeaderName.matches(name, "keep-alive") ? .otherHopByHop : nil
        case 15: HeaderName.matches(name, "x-forwarded-for") ? .forwardedFor : nil
        case 16:
            HeaderName.matches(name, "proxy-connection")
                ? .otherHopByHop : HeaderName.matches(name, "x-forwarded-host") ? .forwardedHost : nil
        case 17:
            HeaderName.matches(name, "transfer-encoding")
                ? .transferEncoding : HeaderName.matches(name, "x-forwarded-proto") ? .forwardedProto : nil
        case 18: HeaderName.matches(name, "proxy-authenticate") ? .otherHopByHop : nil
        case 19: HeaderName.matches(name, "proxy-authorization") ? .otherHopByHop : nil
        default: nil
        }
    }

    /// What one pass over a head's headers found.
    private struct Scan {
        var hasHopByHop = false
        /// The values of the `Connection` headers (each a comma-separated list of header names).
        var connectionValues: [String] = []
        /// The values of the `Transfer-Encoding` headers.
        var transferEncodings: [String] = []
        var host: String?
        var hasExpect = false
        var hasForwardedFor = false
        var hasForwardedProto = false
        var hasForwardedHost = false

        init(_ headers: HTTPHeaders) {
            for (name, value) in headers {
                switch HeaderRewriter.classify(name) {
                case .connection:
                    self.hasHopByHop = true
                    self.connectionValues.append(value)
                case .otherHopByHop: self.hasHopByHop = true
                case .transferEncoding:
                    self.hasHopByHop = true
                    self.transferEncodings.append(value)
                case .host: self.host = self.host ?? value
                case .expect: self.hasExpect = true
                case .forwardedFor: self.hasForwardedFor = true
                case .forwardedProto: self.hasForwardedProto = true
                case .forwardedHost: self.hasForwardedHost = true
                case nil: break
                }
            }
        }

        /// Whether the last transfer coding is `chunked`.
        var isChunked: Bool {
            var last: [UInt8]?
            for value in self.transferEncodings {
                HeaderRewriter.forEachListElement(of: value) { last = Array($0) }
            }
            return last.map { $0.withUnsafeBufferPointer { HeaderName.matches($0, "chunked") } } ?? false
        }
    }

    /// Removes the hop-by-hop headers and every header that `Connection` names.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        let scan = Scan(headers)
        if scan.hasHopByHop {
            Self.removeHopByHop(&headers, scan: scan)
        }
    }

    private static func removeHopByHop(_ headers: inout HTTPHeaders, scan: Scan) {
        // The header names that `Connection` lists, other than the hop-by-hop ones that go anyway (`keep-alive`).
        var named: [[UInt8]] = []
        for value in scan.connectionValues {
            Self.forEachListElement(of: value) { token in
                if Self.classify(token)?.isHopByHop != true {
                    named.append(Array(token))
                }
            }
        }
        var kept: [(String, String)] = []
        kept.reserveCapacity(headers.count)
        for (name, value) in headers where Self.classify(name)?.isHopByHop != true {
            if !named.isEmpty {
                var name = name
                let listed = name.withUTF8 { bytes in
                    named.contains { token in token.withUnsafeBufferPointer { HeaderName.equal(bytes, $0) } }
                }
                if listed { continue }
            }
            kept.append((name, value))
        }
        headers = HTTPHeaders(kept)
    }

    /// The head to send to a backend for a client's request.
    ///
    /// `upgrade` keeps the `Upgrade` token so a WebSocket handshake can reach the backend.
    static func upstreamRequest(
        _ head: HTTPRequestHead,
        clientAddress: String?,
        upgrade: String?
    ) -> HTTPRequestHead {
        let scan = Scan(head.headers)
        var headers = head.headers
        if scan.hasHopByHop {
            Self.removeHopByHop(&headers, scan: scan)
            if scan.isChunked, !headers.contains(name: "content-length") {
                headers.add(name: "transfer-encoding", value: "chunked")
            }
        }
        if scan.hasExpect {
            // The proxy answers `Expect: 100-continue` itself once a backend is connected.
            headers.remove(name: "expect")
        }
        if let upgrade {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upgrade)
        }
        var added: [(String, String)] = []
        added.reserveCapacity(3)
        Self.append(&headers, &added, "x-forwarded-for", clientAddress ?? "unknown", present: scan.hasForwardedFor)
        Self.append(&headers, &added, "x-forwarded-proto", "http", present: scan.hasForwardedProto)
        if let host = scan.host {
            Self.append(&headers, &added, "x-forwarded-host", host, present: scan.hasForwardedHost)
        }
        // One append of a block: `HTTPHeaders.add(name:value:)` checks each name for non-ASCII bytes, which cost
        // more than the rest of this function (2.5k instructions per request for the three names above).
        headers.add(contentsOf: HTTPHeaders(added))
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// Adds `name: value` to `added`, or appends `value` to the list `headers` already holds (`present`).
    private static func append(
        _ headers: inout HTTPHeaders,
        _ added: inout [(String, String)],
        _ name: String,
        _ value: String,
        present: Bool
    ) {
        guard present else {
            added.append((name, value))
            return
        }
        headers.replaceOrAdd(name: name, value: (headers[name] + [value]).joined(separator: ", "))
    }
}

extension HeaderRewriter {
    /// Calls `body` with each non-empty element of a comma-separated header value, without surrounding spaces or
    /// tabs, as bytes (`keep-alive, Upgrade` gives `keep-alive` and `Upgrade`).
    fileprivate static func forEachListElement(of value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var value = value
        value.withUTF8 { Self.forEachListElement(of: $0, body) }
    }

    /// Calls `body` with each non-empty element of the comma-separated list in `bytes`, without surrounding spaces
    /// or tabs.
    static func forEachListElement(of bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            var last = end
            while first < last, bytes[first] == UInt8(ascii: " ") || bytes[first] == UInt8(ascii: "\t") {
                first += 1
            }
            while last > first, bytes[last - 1] == UInt8(ascii: " ") || bytes[last - 1] == UInt8(ascii: "\t") {
                last -= 1
            }
            if first < last {
                body(UnsafeBufferPointer(rebasing: bytes[first..<last]))
            }
            start = end + 1
        }
    }
}
