/// The `connect.sid` cookie in express-session's format: `s%3A<id>.<signature>` (the URL-encoded `s:<id>.<sig>`).
///
/// The signature is a stable digest of the ID under a fixed secret. It is not a cryptographic MAC: this is a demo
/// backend, and what matters to the proxy is only that the value looks and behaves like express-session's.
enum SessionCookie {
    static let name = "connect.sid"

    /// The cookie value that carries session `id`.
    static func value(for id: String) -> String {
        "s%3A\(id).\(signature(of: id))"
    }

    /// The session ID that a cookie value carries, or `nil` if the value is malformed or its signature is wrong.
    static func sessionID(from value: String) -> String? {
        let unprefixed: Substring
        if value.hasPrefix("s%3A") || value.hasPrefix("s%3a") {
            unprefixed = value.dropFirst(4)
        } else if value.hasPrefix("s:") {
            unprefixed = value.dropFirst(2)
        } else {
            return nil
        }
        guard let dot = unprefixed.lastIndex(of: ".") else { return nil }
        let id = String(unprefixed[..<dot])
        guard !id.isEmpty, unprefixed[unprefixed.index(after: dot)...] == Self.signature(of: id)[...] else {
            return nil
        }
        return id
    }

    /// `Set-Cookie` for a session that expires at an absolute time, as express-session sends by default.
    static func setCookie(id: String, expiresAtEpochSeconds expires: Int64) -> String {
        "\(name)=\(value(for: id)); Path=/; Expires=\(HTTPDate.imfFixdate(epochSeconds: expires)); HttpOnly"
    }

    /// `Set-Cookie` for a session with a relative lifetime.
    static func setCookie(id: String, maxAge: Int) -> String {
        "\(name)=\(value(for: id)); Path=/; Max-Age=\(maxAge); HttpOnly"
    }

    /// `Set-Cookie` for a browser-session cookie: no `Expires`, no `Max-Age`.
    static func setBrowserSessionCookie(id: String) -> String {
        "\(name)=\(value(for: id)); Path=/; HttpOnly"
    }

    /// `Set-Cookie` that deletes the cookie with an `Expires` in the past, as `res.clearCookie` does.
    static let deletionByExpires = "\(name)=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

    /// `Set-Cookie` that deletes the cookie with `Max-Age=0`.
    static let deletionByMaxAge = "\(name)=; Path=/; Max-Age=0"

    private static let secret = "sticky-proxy demo secret"

    /// 32 bytes from four FNV-1a 64-bit hashes of `secret + id`, base64url without padding (43 characters).
    private static func signature(of id: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for round in UInt8(0)..<4 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in [round] + Array(secret.utf8) + Array(id.utf8) {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: hash >> UInt64(shift)))
            }
        }
        return Base64URL.encode(bytes)
    }
}
