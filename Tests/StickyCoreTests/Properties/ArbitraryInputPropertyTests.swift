import PropertyBased
import Testing

@testable import StickyCore

/// Arbitrary text, from random bytes or from pieces that look like cookies and dates: no parser crashes, and what
/// each accepts keeps its rules (the property tests' counterpart of the `make fuzz` invariants).
@Suite struct ArbitraryInputPropertyTests {
    static let pieces = [
        "=", ";", "; ", " ", "\t", "\"", "\n", "\u{0}", "\u{1F}", "\u{7F}", "é", "\u{FFFD}", "a", "0", "9", "-", ":",
        ",",
        "PHPSESSID", "JSESSIONID", "connect.sid", ";jsessionid=", "Max-Age", "Expires", "Nov", "GMT", "1994", "69",
        "08:49:37", "31", "/", "?", "#",
    ]

    /// Random bytes decoded as a header value is (invalid UTF-8 repaired), or a run of cookie-like pieces.
    static let text = zip(
        Gen.bool,
        Gen<String?>.element(of: pieces).map { $0! }.array(of: 0...30),
        Gen<UInt8>.value(in: 0...255).array(of: 0...60)
    ).map { structured, pieces, bytes in
        structured ? pieces.joined() : String(decoding: bytes, as: UTF8.self)
    }

    private let extractor = SessionExtractor(cookieNames: CookieGenerators.configuredNames)

    @Test func sessionsFoundInArbitraryTextAreValid() async {
        await propertyCheck(count: 400, input: Self.text, Self.text) { header, target in
            if let session = extractor.session(cookieHeaders: [header, target], target: target) {
                #expect(SessionCookie.isValidID(session.id))
                #expect(CookieGenerators.configuredNames.contains(session.name))
            }
        }
    }

    @Test func setCookiesParsedFromArbitraryTextAreWellFormed() async {
        await propertyCheck(count: 400, input: Self.text) { header in
            let cookie = SetCookie(headerValue: header)
            #expect(SetCookie.name(of: header).map(String.init) == cookie?.name)
            guard let cookie else { return }
            // Bytes, not Characters: String's `contains` compares canonically, and U+037E GREEK QUESTION MARK (CD BE),
            // which random bytes can make, is canonically equivalent to ";" (it failed once that way).
            #expect(!cookie.name.isEmpty)
            #expect(!cookie.name.utf8.contains(UInt8(ascii: ";")) && !cookie.name.utf8.contains(UInt8(ascii: "=")))
            #expect(!cookie.value.utf8.contains(UInt8(ascii: ";")))
            if let expires = cookie.expires {
                #expect((-11_644_473_600...253_402_300_799).contains(expires))
            }
        }
    }

    @Test func aNameMayHoldACharacterCanonicallyEqualToASemicolon() {
        // The counterexample the property above once found: U+037E is not the byte ";", so it is part of the name.
        let cookie = SetCookie(headerValue: "a\u{037E}b=1; Path=/")
        #expect(cookie?.name == "a\u{037E}b")
        #expect(cookie?.value == "1")
    }

    @Test func datesParsedFromArbitraryTextAreInRangeAndReadBack() async {
        await propertyCheck(count: 400, input: Self.text) { text in
            guard let seconds = HTTPDate.parse(text) else { return }
            #expect((-11_644_473_600...253_402_300_799).contains(seconds))
            #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
        }
    }
}
