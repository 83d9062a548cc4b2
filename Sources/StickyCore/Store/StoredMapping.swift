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
    public init?(storeValue: String) {
        var value = storeValue
        guard let mapping = value.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = mapping
    }

    /// Parses a stored value from its UTF-8 bytes, as a store hands them back; `nil` for an empty or malformed one.
    ///
    /// Not generic, and on bytes: the stores call it from their own modules, where a generic parser would run
    /// unspecialised (thousands of instructions a value).
    public init?(storeValue bytes: UnsafeRawBufferPointer) {
        guard let mapping = Self.parse(bytes) else { return nil }
        self = mapping
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) -> StoredMapping? {
        let tilde = UInt8(ascii: "~")
        let slides = bytes.first == tilde
        let name = UnsafeRawBufferPointer(rebasing: bytes[(slides ? 1 : 0)...])
        guard !name.isEmpty, !name.contains(tilde) else { return nil }
        return StoredMapping(backend: String(decoding: name, as: UTF8.self), slides: slides)
    }
}
