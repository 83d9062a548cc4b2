/// What the store holds for one session: the name of the backend that owns it, and whether its TTL slides.
///
/// The wire form is the backend name, prefixed with `~` when the mapping came from a browser-session cookie
/// (no `Max-Age`/`Expires`), whose TTL is refreshed while the session is used. Backend names never contain `~`.
public struct StoredMapping: Hashable, Sendable {
    /// The backend's configured name (not its address).
    public var backend: String
    /// `true` for a browser-session cookie: its TTL is the default TTL and slides while used.
    public var slides: Bool

    public init(backend: String, slides: Bool) {
        self.backend = backend
        self.slides = slides
    }

    /// The value as stored: `NAME` or `~NAME`.
    public var storeValue: String {
        slides ? "~" + backend : backend
    }

    /// Parses a stored value; `nil` for an empty or malformed one.
    public init?(storeValue: some StringProtocol) {
        var name = Substring(storeValue)
        let slides = name.first == "~"
        if slides { name = name.dropFirst() }
        guard !name.isEmpty, !name.contains("~") else { return nil }
        self.init(backend: String(name), slides: slides)
    }
}
