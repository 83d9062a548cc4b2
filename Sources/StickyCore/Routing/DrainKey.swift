/// Where a backend's drain state lives in the store: `prefix + "@drain:" + NAME`, holding the backend's name.
///
/// `@` never appears in a cookie name (RFC 6265 tokens exclude it), so a drain key can never be a session key.
public enum DrainKey {
    public static func key(prefix: String, backend: String) -> StoreKey {
        StoreKey(rawValue: prefix + "@drain:" + backend)
    }

    /// The value stored while `backend` drains.
    public static func value(backend: String) -> StoredMapping {
        StoredMapping(backend: backend, slides: false)
    }

    /// How long a drain mark lasts without being renewed: 30 days, the most memcached takes as a relative TTL.
    public static let lifetime: Duration = .seconds(30 * 86_400)
}
