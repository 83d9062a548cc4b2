/// A store key: `prefix + cookie name + ":" + base64url(digest(session ID))`.
///
/// It never contains a raw session ID, so it is safe to send to a store. It is still not meant for logs
/// or metric labels: it identifies one user's session.
public struct StoreKey: Hashable, Sendable {
    /// The key exactly as it is sent to the store.
    public let rawValue: String
    /// The hash of ``rawValue``, computed once: a request's key is hashed several times (the near-cache, the memory
    /// store's shard and table, the refresh ledger, the recent-sessions count), each time over some 60 bytes.
    private let rawValueHash: Int

    public init(rawValue: String) {
        self.rawValue = rawValue
        self.rawValueHash = rawValue.hashValue
    }

    public static func == (lhs: StoreKey, rhs: StoreKey) -> Bool {
        lhs.rawValueHash == rhs.rawValueHash && lhs.rawValue == rhs.rawValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.rawValueHash)
    }
}
