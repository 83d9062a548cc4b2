import Crypto

/// The store key of a session, computed independently of the proxy from the README's documented interface:
/// `prefix + cookie name + ":" + base64url(SHA-256(session ID))`, without `=` padding.
enum StoreKeyFormula {
    static func key(prefix: String, cookieName: String = "connect.sid", sessionID: String) -> String {
        prefix + cookieName + ":" + Self.base64URL(Array(Crypto.SHA256.hash(data: Array(sessionID.utf8))))
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// RFC 4648 §5 without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let group = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - 8 * $1.offset) }
            for sextet in 0..<(chunk.count + 1) {
                output.append(Self.alphabet[Int(group >> UInt32(18 - 6 * sextet) & 0x3F)])
            }
            index += 3
        }
        return output
    }

    /// A fresh key prefix, so that tests sharing one store never see each other's keys (nor a previous run's).
    static func uniquePrefix(_ label: String) -> String {
        "e2e-\(label)-\(UInt32.random(in: 0...UInt32.max)):"
    }
}
