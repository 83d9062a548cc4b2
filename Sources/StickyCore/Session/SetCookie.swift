/// A response `Set-Cookie` header, reduced to what session learning needs (RFC 6265 §5.2).
///
/// The proxy reads the cookie's name and value to learn which session the answering backend owns, and `Max-Age`
/// and `Expires` to learn how long that lasts (``lifetime(now:)``). Other attributes are not kept.
public struct SetCookie: Hashable, Sendable {
    /// The cookie name, trimmed of spaces and tabs.
    public var name: String
    /// The cookie value, trimmed of spaces and tabs and without surrounding double quotes (as on the request side).
    public var value: String
    /// The last valid `Max-Age` attribute in seconds, saturated to the `Int64` range; `nil` if there is none.
    public var maxAge: Int64?
    /// The last parsable `Expires` attribute, in seconds since 1970-01-01T00:00:00Z; `nil` if there is none.
    public var expires: Int64?

    public init(name: String, value: String, maxAge: Int64? = nil, expires: Int64? = nil) {
        self.name = name
        self.value = value
        self.maxAge = maxAge
        self.expires = expires
    }

    /// Parses a `Set-Cookie` header value; `nil` when RFC 6265 ignores the whole header (its name-value pair has no
    /// `=`, or an empty name).
    ///
    /// Attribute names are case-insensitive. A `Max-Age` whose value is not `-?DIGIT+` and an `Expires` that
    /// ``HTTPDate`` cannot parse are ignored; of several valid ones, the last wins. The work is linear in the input.
    public init?(headerValue: String) {
        let utf8 = headerValue.utf8
        let pairEnd = utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
        guard let (name, value) = Self.nameAndValue(utf8[utf8.startIndex..<pairEnd]) else { return nil }
        self.init(name: String(Substring(name)), value: String(Substring(CookieHeader.unquoted(value))))

        var index = pairEnd
        while index < utf8.endIndex {
            // `index` is at a `;`.
            let start = utf8.index(after: index)
            index = utf8[start...].firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
            let attribute = utf8[start..<index]
            let equals = attribute.firstIndex(of: UInt8(ascii: "=")) ?? attribute.endIndex
            let attributeName = CookieHeader.trimmed(attribute[..<equals])
            let attributeValue =
                equals == attribute.endIndex
                ? attribute[equals...] : CookieHeader.trimmed(attribute[attribute.index(after: equals)...])
            if Self.equalsIgnoringCase(attributeName, "max-age") {
                if let seconds = Self.parseMaxAge(attributeValue) { maxAge = seconds }
            } else if Self.equalsIgnoringCase(attributeName, "expires") {
                if let date = HTTPDate.parse(Substring(attributeValue)) { expires = date }
            }
        }
    }

    /// The trimmed cookie name of a `Set-Cookie` header value, or `nil` when the header would be ignored (no `=`
    /// before the first `;`, or an empty name).
    ///
    /// It looks at the name only, so a caller can skip parsing `Set-Cookie`s whose name is not configured.
    public static func name(of headerValue: String) -> Substring? {
        let utf8 = headerValue.utf8
        for index in utf8.indices {
            switch utf8[index] {
            case UInt8(ascii: "="):
                let name = CookieHeader.trimmed(utf8[..<index])
                return name.isEmpty ? nil : Substring(name)
            case UInt8(ascii: ";"):
                return nil
            default:
                continue
            }
        }
        return nil
    }

    /// The trimmed name and value of a name-value pair; `nil` without `=` or with an empty name.
    private static func nameAndValue(
        _ pair: Substring.UTF8View
    ) -> (name: Substring.UTF8View, value: Substring.UTF8View)? {
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let name = CookieHeader.trimmed(pair[..<equals])
        guard !name.isEmpty else { return nil }
        return (name, CookieHeader.trimmed(pair[pair.index(after: equals)...]))
    }

    /// `-?DIGIT+` as seconds, saturated to the `Int64` range; `nil` for anything else.
    static func parseMaxAge(_ text: Substring.UTF8View) -> Int64? {
        var index = text.startIndex
        let negative = index < text.endIndex && text[index] == UInt8(ascii: "-")
        if negative { text.formIndex(after: &index) }
        guard index < text.endIndex else { return nil }
        var magnitude: Int64 = 0
        var saturated = false
        while index < text.endIndex {
            let byte = text[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            if !saturated {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                if overflow1 || overflow2 { saturated = true } else { magnitude = sum }
            }
            text.formIndex(after: &index)
        }
        if saturated { return negative ? .min : .max }
        return negative ? -magnitude : magnitude
    }

    /// Whether `bytes` equals the lowercase ASCII `lowercase`, ignoring the case of ASCII letters.
    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        var pointer = lowercase.utf8Start
        for byte in bytes {
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lower == pointer.pointee else { return false }
            pointer += 1
        }
        return true
    }
}
