import Crypto

/// Turns a session into the key its mapping is stored under (DESIGN step 2), so that no raw session ID reaches the
/// store.
///
/// The key is `prefix + cookie name + ":" + base64url(digest)`, where the digest is SHA-256 of the session ID's UTF-8
/// bytes, or HMAC-SHA-256 keyed by `secret` when one is set. base64url is RFC 4648 §5 without `=` padding, so the
/// digest part is always 43 characters. Replicas agree on keys as long as they share the prefix and the secret.
public struct StoreKeyDeriver: Sendable {
    /// Prepended to every key, e.g. to share a store between deployments.
    public let prefix: String
    /// The HMAC state after the key is absorbed, copied for each key; `nil` for plain SHA-256.
    private let keyedHMAC: HMAC<SHA256>?

    /// - Parameters:
    ///   - prefix: prepended to every key.
    ///   - secret: the HMAC key; `nil` for plain SHA-256. Any non-`nil` value, even an empty one, selects HMAC.
    public init(prefix: String, secret: [UInt8]?) {
        self.prefix = prefix
        self.keyedHMAC = secret.map { HMAC<SHA256>(key: SymmetricKey(data: $0)) }
    }

    /// The store key of the session `sessionID` found under the cookie `cookieName`.
    public func key(cookieName: String, sessionID: String) -> StoreKey {
        var id = sessionID
        return id.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            if var hmac = keyedHMAC {
                hmac.update(data: raw)
                return hmac.finalize().withUnsafeBytes { self.key(cookieName: cookieName, digest: $0) }
            } else {
                var hasher = SHA256()
                hasher.update(bufferPointer: raw)
                return hasher.finalize().withUnsafeBytes { self.key(cookieName: cookieName, digest: $0) }
            }
        }
    }

    /// `prefix + cookieName + ":" + base64url(digest)`, written into one new string.
    private func key(cookieName: String, digest: UnsafeRawBufferPointer) -> StoreKey {
        var prefix = self.prefix
        var name = cookieName
        let count = prefix.utf8.count + name.utf8.count + 1 + Self.base64URLCount(digest.count)
        let key = String(unsafeUninitializedCapacity: count) { output in
            var written = prefix.withUTF8 { output.initialize(fromContentsOf: $0) }
            written += name.withUTF8 {
                UnsafeMutableBufferPointer(rebasing: output[written...]).initialize(fromContentsOf: $0)
            }
            output[written] = UInt8(ascii: ":")
            written += 1
            return written + Self.base64URL(digest, into: UnsafeMutableBufferPointer(rebasing: output[written...]))
        }
        return StoreKey(rawValue: key)
    }

    /// The store key of `session`.
    public func key(for session: SessionCookie) -> StoreKey {
        key(cookieName: session.name, sessionID: session.id)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in base64url (RFC 4648 §5) without padding.
    static func base64URL(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: Self.base64URLCount(bytes.count)) { Self.base64URL(bytes, into: $0) }
    }

    /// How many characters ``base64URL(_:)`` makes of `count` bytes.
    static func base64URLCount(_ count: Int) -> Int {
        (count * 8 + 5) / 6
    }

    /// Writes `bytes` in base64url without padding to the start of `output`; returns how many bytes it wrote.
    private static func base64URL(
        _ bytes: UnsafeRawBufferPointer,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        alphabet.withUnsafeBufferPointer { alphabet in
            var written = 0
            var index = 0
            while index + 3 <= bytes.count {
                let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                output[written] = alphabet[Int(group >> 18 & 0x3F)]
                output[written + 1] = alphabet[Int(group >> 12 & 0x3F)]
                output[written + 2] = alphabet[Int(group >> 6 & 0x3F)]
                output[written + 3] = alphabet[Int(group & 0x3F)]
                written += 4
                index += 3
            }
            switch bytes.count - index {
            case 1:
                let group = UInt32(bytes[index]) << 16
                output[written] = alphabet[Int(group >> 18 & 0x3F)]
                output[written + 1] = alphabet[Int(group >> 12 & 0x3F)]
                written += 2
            case 2:
                let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                output[written] = alphabet[Int(group >> 18 & 0x3F)]
                output[written + 1] = alphabet[Int(group >> 12 & 0x3F)]
                output[written + 2] = alphabet[Int(group >> 6 & 0x3F)]
                written += 3
            default:
                break
            }
            return written
        }
    }
}
