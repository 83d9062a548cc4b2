import PropertyBased

@testable import StickyCore

/// Generators of the pieces of `Cookie` and `Set-Cookie` headers, valid and invalid, for the property tests.
///
/// Valid pieces follow RFC 6265 §4.1.1: a name is a token (RFC 9110 §5.6.2), a value is `*cookie-octet`, optionally
/// in double quotes. Invalid ones break exactly one rule, so that a test can say which.
enum CookieGenerators {
    /// `tchar`: visible ASCII but the separators `()<>@,;:\"/[]?={}`.
    static let tokenCharacters: [Character] = (0x21...0x7E).map { Character(UnicodeScalar(UInt8($0))) }
        .filter { !#"()<>@,;:\"/[]?={}"#.contains($0) }

    /// `cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`
    static let cookieOctets: [Character] = (0x21...0x7E).map { Character(UnicodeScalar(UInt8($0))) }
        .filter { !"\",;\\".contains($0) }

    /// The characters that may not appear in a session ID: C0 controls and DEL.
    static let controlCharacters: [Character] = ((0x00...0x1F).map { $0 } + [0x7F]).map {
        Character(UnicodeScalar(UInt8($0)))
    }

    /// The cookie names sticky-proxy is configured with by default, most preferred first.
    static let configuredNames = ["connect.sid", "PHPSESSID", "JSESSIONID", "ASP.NET_SessionId"]

    static func character(of characters: [Character]) -> Generator<Character, Shrink.None<Character?>> {
        Gen<Character?>.element(of: characters).map { $0! }
    }

    /// A cookie name: a token of 1...16 characters.
    static let token = character(of: tokenCharacters).string(of: 1...16)

    /// A cookie value, unquoted: 0...40 cookie-octets.
    static let value = character(of: cookieOctets).string(of: 0...40)

    /// A session ID that ``SessionCookie/isValidID(_:)`` accepts and that survives trimming: 1...40 cookie-octets.
    static let validID = character(of: cookieOctets).string(of: 1...40)

    /// Spaces and tabs, as found around names, values and `=`.
    static let blanks = character(of: [" ", "\t"]).string(of: 0...2)

    /// A configured name, or another token.
    static let name = zip(Gen.int(in: 0...5), token).map { pick, other in
        pick < configuredNames.count ? configuredNames[pick] : other
    }

    /// Why a generated value is not a session ID.
    enum InvalidValue: CaseIterable, Sendable {
        /// A control character between two cookie-octets (so trimming cannot remove it).
        case controlCharacter
        /// More than 4 KiB (``SessionCookie/maximumIDLength``) of cookie-octets.
        case overLong
        /// Nothing, or nothing between the quotes.
        case empty
    }

    /// A value that ``SessionCookie/isValidID(_:)`` rejects, with no `;` in it, and the reason.
    static let invalidID = zip(
        Gen<InvalidValue>.case,
        validID,
        character(of: controlCharacters),
        Gen.int(in: 1...600),
        Gen.bool
    ).map { reason, id, control, extra, quoted -> (InvalidValue, String) in
        switch reason {
        case .controlCharacter:
            return (reason, "x" + String(control) + id)
        case .overLong:
            return (reason, String(repeating: "a", count: SessionCookie.maximumIDLength + extra - id.utf8.count) + id)
        case .empty:
            return (reason, quoted ? "\"\"" : "")
        }
    }

    /// A name that is not a token, made from a configured name so that it would match but for that: a separator
    /// inside it, or quotes around it. (Blanks at either end would be trimmed off, so they are not used.)
    static let nonTokenName = zip(Gen.int(in: 0...3), character(of: Array(#"()<>@,:\"/[]?{} "#)), Gen.int(in: 1...8))
        .map { pick, separator, position -> String in
            let name = configuredNames[pick]
            if separator == "\"" { return "\"\(name)\"" }
            let cut = name.index(name.startIndex, offsetBy: min(position, name.count - 1))
            return String(name[..<cut]) + String(separator) + String(name[cut...])
        }

    /// `value`, in double quotes or not.
    static func written(_ value: String, quoted: Bool) -> String {
        quoted ? "\"\(value)\"" : value
    }
}
