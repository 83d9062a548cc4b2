/// A store key: `prefix + cookie name + ":" + base64url(digest(session ID))`.
///
/// It never contains a raw session ID, so it is safe to send to a store. It is still not meant for logs
/// or metric labels: it identifies one user's session.
public struct StoreKey: Hashable, Sendable {
    /// The key exactly as it is sent to the store.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }
}
