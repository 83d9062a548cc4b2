/// How long a session that a `Set-Cookie` announces lasts, from the proxy's point of view (DESIGN step 5).
///
/// It decides whether a response ends a session (``expired``, a logout: its mapping is deleted), pins it for a
/// known time (``fixed(_:)``, the store TTL), or starts a browser-session cookie (``browserSession``: the mapping
/// gets the default TTL and slides while it is used).
public enum SessionLifetime: Hashable, Sendable {
    /// `Max-Age` ≤ 0, or `Expires` not after now: the cookie is deleted.
    case expired
    /// The cookie lives this long from now.
    case fixed(Duration)
    /// Neither `Max-Age` nor `Expires`: the cookie lives as long as the browser session.
    case browserSession

    /// The longest lifetime a cookie gets: 400 days, the cap browsers apply (RFC 6265bis §5.5).
    public static let maximum: Duration = .seconds(maximumSeconds)
    private static let maximumSeconds: Int64 = 400 * 86_400

    /// The lifetime of a cookie with these attributes, at `now` (seconds since 1970-01-01T00:00:00Z), capped at
    /// ``maximum``.
    ///
    /// `Max-Age` wins over `Expires` (RFC 6265 §5.3).
    public init(maxAge: Int64?, expires: Int64?, now: Int64) {
        self.init(uncappedMaxAge: maxAge, expires: expires, now: now)
        if case .fixed(let duration) = self, duration > Self.maximum {
            self = .fixed(Self.maximum)
        }
    }

    private init(uncappedMaxAge maxAge: Int64?, expires: Int64?, now: Int64) {
        if let maxAge {
            self = maxAge <= 0 ? .expired : .fixed(.seconds(maxAge))
        } else if let expires {
            let (remaining, overflow) = expires.subtractingReportingOverflow(now)
            if overflow {
                // Only when `now` is absurdly far from `expires`: the sign of `now` says which way.
                self = now < 0 ? .fixed(.seconds(Int64.max)) : .expired
            } else {
                self = remaining <= 0 ? .expired : .fixed(.seconds(remaining))
            }
        } else {
            self = .browserSession
        }
    }
}

extension SetCookie {
    /// What this cookie means for its session at `now` (seconds since 1970-01-01T00:00:00Z).
    public func lifetime(now: Int64) -> SessionLifetime {
        SessionLifetime(maxAge: maxAge, expires: expires, now: now)
    }
}
