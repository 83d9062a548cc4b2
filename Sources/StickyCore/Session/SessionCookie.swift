/// The session a request carries: the configured cookie name it was found under and the session ID.
///
/// The ID is a bearer credential: it must never reach a log line, a metric label or the store. Only its digest,
/// through ``StoreKeyDeriver``, leaves the process.
public struct SessionCookie: Hashable, Sendable {
    /// The configured cookie name the session was found under, e.g. `connect.sid`.
    public let name: String
    /// The session ID, unquoted.
    public let id: String

    public init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    /// The longest session ID, in bytes, that is taken as one.
    public static let maximumIDLength = 4096

    /// Whether `value` can be a session ID: it is not empty, has at most ``maximumIDLength`` bytes and has no
    /// control characters (0x00–0x1F, 0x7F).
    ///
    /// The request side and the `Set-Cookie` side share this rule: a value that fails it is ignored as though the
    /// cookie were not there.
    public static func isValidID(_ value: some StringProtocol) -> Bool {
        let utf8 = value.utf8
        let count = utf8.count
        guard count > 0, count <= maximumIDLength else { return false }
        // On the contiguous bytes when there are (always, for native strings): iterating a generic UTF-8 view
        // costs several times more.
        if let valid = utf8.withContiguousStorageIfAvailable({ Self.hasNoControlBytes($0) }) {
            return valid
        }
        for byte in utf8 where byte < 0x20 || byte == 0x7F {
            return false
        }
        return true
    }

    /// The session ID that `bytes` spell, decoded as UTF-8, if it is a valid one (``isValidID(_:)``).
    static func validID(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.count > 0, bytes.count <= maximumIDLength, Self.hasNoControlBytes(bytes) else { return nil }
        let id = String(decoding: bytes, as: UTF8.self)
        // Bytes that are not UTF-8 were replaced, which can make the ID longer than allowed.
        return id.utf8.count == bytes.count || Self.isValidID(id) ? id : nil
    }

    private static func hasNoControlBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte < 0x20 || byte == 0x7F {
            return false
        }
        return true
    }
}
