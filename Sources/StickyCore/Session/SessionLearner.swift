/// Decides what a response teaches the store (DESIGN step 5): which mappings to record or delete, for how long, and
/// which writes the response head has to wait for.
///
/// It is pure: the proxy calls it with the response's `Set-Cookie` headers and performs the writes it returns.
///
/// - Only `Set-Cookie`s whose name is configured (case-sensitively) count; the others are skipped without being
///   parsed in full.
/// - An expired cookie (``SessionLifetime/expired``) is a logout: the mapping of the session ID the request carried
///   under that name is deleted, and that of the cookie's own value if it is a valid ID and differs. The value of a
///   deletion cookie need not be valid (PHP sends `PHPSESSID=deleted`, others an empty value). Deletions never hold
///   the response.
/// - Otherwise a cookie with a valid value records its session → the answering backend, with the cookie's TTL, or the
///   default TTL for a browser-session cookie (whose mapping slides). The write holds the response unless it only
///   refreshes an unchanged mapping: the same ID the request carried under that name, routed to the same backend.
///   A cookie with an invalid value is ignored.
/// - When several cookies touch the same key, the last one wins: one write per key, in order of first appearance.
public struct SessionLearner: Sendable {
    /// The configured cookie names.
    public let cookieNames: [String]
    /// The TTL of a mapping learned from a browser-session cookie.
    public let defaultTTL: Duration
    /// How store keys are derived.
    public let keys: StoreKeyDeriver

    public init(cookieNames: [String], defaultTTL: Duration, keys: StoreKeyDeriver) {
        self.cookieNames = cookieNames
        self.defaultTTL = defaultTTL
        self.keys = keys
    }

    /// The store writes a response calls for.
    ///
    /// - Parameters:
    ///   - setCookieHeaders: the values of the response's `Set-Cookie` headers, in order.
    ///   - requestSession: the session the request carried, or `nil` if none.
    ///   - routedBackend: the backend the request's session was known to map to when it was routed, or `nil` if
    ///     unknown (no session, no mapping, or a store miss).
    ///   - backend: the name of the backend that answered.
    ///   - now: seconds since 1970-01-01T00:00:00Z, for `Expires`.
    public func writes(
        setCookieHeaders: some Sequence<String>,
        requestSession: SessionCookie?,
        routedBackend: String?,
        backend: String,
        now: Int64
    ) -> [StoreWrite] {
        var writes: [StoreWrite] = []
        var positions: [StoreKey: Int] = [:]

        func add(_ write: StoreWrite) {
            if let position = positions[write.key] {
                writes[position] = write
            } else {
                positions[write.key] = writes.count
                writes.append(write)
            }
        }

        for header in setCookieHeaders {
            guard let name = SetCookie.name(of: header), isConfigured(name),
                let cookie = SetCookie(headerValue: header)
            else {
                continue
            }
            // Compared byte for byte: keys are digests of bytes, and `String ==` equates canonically equivalent text.
            let requestID = requestSession.flatMap { Self.sameBytes($0.name, cookie.name) ? $0.id : nil }
            let valueIsRequestID = requestID.map { Self.sameBytes($0, cookie.value) } ?? false
            let valueIsValid = SessionCookie.isValidID(cookie.value)
            let lifetime = cookie.lifetime(now: now)

            let ttl: Duration
            switch lifetime {
            case .expired:
                if let requestID {
                    let key = keys.key(cookieName: cookie.name, sessionID: requestID)
                    add(StoreWrite(key: key, operation: .delete, holdsResponse: false))
                }
                if valueIsValid && !valueIsRequestID {
                    let key = keys.key(cookieName: cookie.name, sessionID: cookie.value)
                    add(StoreWrite(key: key, operation: .delete, holdsResponse: false))
                }
                continue
            case .fixed(let duration):
                ttl = duration
            case .browserSession:
                ttl = defaultTTL
            }

            guard valueIsValid else { continue }
            let key = keys.key(cookieName: cookie.name, sessionID: cookie.value)
            let mapping = StoredMapping(backend: backend, slides: lifetime == .browserSession)
            let unchanged = valueIsRequestID && routedBackend == backend
            add(StoreWrite(key: key, operation: .record(mapping, ttl: ttl), holdsResponse: !unchanged))
        }
        return writes
    }

    private func isConfigured(_ name: Substring) -> Bool {
        cookieNames.contains { Self.sameBytes($0, name) }
    }

    private static func sameBytes(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }
}
