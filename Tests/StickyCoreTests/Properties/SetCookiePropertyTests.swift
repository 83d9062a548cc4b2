import PropertyBased
import Testing

@testable import StickyCore

/// Response `Set-Cookie` headers: a valid cookie with any attributes, in any order and case, reads back as written;
/// a header RFC 6265 ignores is ignored whole; and a garbage `Max-Age` or `Expires` never displaces a valid one.
@Suite struct SetCookiePropertyTests {
    static let otherAttributes = [
        "Path=/", "path=/app", "Domain=.example.com", "HttpOnly", "secure", "SameSite=Lax", "SameSite=None",
        "Partitioned", "Priority=High", "Comment=Max-Age=5", "Expire=Sun, 06 Nov 1994 08:49:37 GMT",
    ]

    /// `name` with its ASCII letters' case set by the bits of `mask`.
    static func scrambled(_ name: String, _ mask: UInt64) -> String {
        String(
            name.enumerated().map { offset, character in
                mask >> (offset % 64) & 1 == 1 ? Character(character.uppercased()) : Character(character.lowercased())
            }
        )
    }

    /// The date in one of the cookie date formats (RFC 850 only where its two-digit year works).
    static func written(_ date: CivilDateTime, format: Int) -> String {
        switch format {
        case 0: date.imfFixdate
        case 1: date.asctime
        case 2: date.dashedFourDigitYear
        default: (1970...2069).contains(date.year) ? date.rfc850 : date.imfFixdate
        }
    }

    /// A valid `Set-Cookie` header and the cookie it says.
    static let header = zip(
        zip(CookieGenerators.token, CookieGenerators.value, Gen.bool, CookieGenerators.blanks),
        Gen.int64().optional,
        zip(CivilDateTime.generator(), Gen.int(in: 0...3)).optional,
        Gen<String?>.element(of: otherAttributes).map { $0! }.array(of: 0...5),
        zip(Gen.uint64(), Gen.int(in: 0...5), Gen.int(in: 0...5))
    ).map { cookie, maxAge, expires, others, layout -> (header: String, expected: SetCookie) in
        let (name, value, quoted, blanks) = cookie
        let (caseMask, maxAgePosition, expiresPosition) = layout
        var attributes = others
        if let maxAge {
            let attribute = scrambled("max-age", caseMask) + blanks + "=" + blanks + "\(maxAge)"
            attributes.insert(attribute, at: min(maxAgePosition, attributes.count))
        }
        if case let (date, format)? = expires {
            let attribute = scrambled("expires", caseMask >> 7) + "=" + blanks + written(date, format: format)
            attributes.insert(attribute, at: min(expiresPosition, attributes.count))
        }
        let header = ([blanks + name + blanks + "=" + CookieGenerators.written(value, quoted: quoted)] + attributes)
            .joined(separator: blanks.isEmpty ? "; " : ";" + blanks)
        let expected = SetCookie(name: name, value: value, maxAge: maxAge, expires: expires?.0.epochSeconds)
        return (header, expected)
    }

    /// `-?DIGIT+` once trimmed of spaces, read naively; `nil` for anything else (digits as ASCII only).
    static func maxAge(_ text: String) -> Int64? {
        var characters = Substring(text)
        while characters.first == " " { characters.removeFirst() }
        while characters.last == " " { characters.removeLast() }
        let negative = characters.first == "-"
        let digits = negative ? characters.dropFirst() : characters
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits).map { negative ? -$0 : $0 } ?? (negative ? .min : .max)
    }

    static func sameCookie(_ a: SetCookie?, _ b: SetCookie) -> Bool {
        guard let a else { return false }
        return a.name.utf8.elementsEqual(b.name.utf8) && a.value.utf8.elementsEqual(b.value.utf8)
            && a.maxAge == b.maxAge && a.expires == b.expires
    }

    @Test func validHeadersReadBackExactly() async {
        await propertyCheck(count: 300, input: Self.header) { header, expected in
            let parsed = SetCookie(headerValue: header)
            #expect(Self.sameCookie(parsed, expected), "\(header)")
            #expect(SetCookie.name(of: header).map { $0.utf8.elementsEqual(expected.name.utf8) } == true)
        }
    }

    @Test func garbageAttributesNeverDisplaceValidOnes() async {
        // Not `-?DIGIT+` once trimmed.
        let garbageMaxAge = CookieGenerators.character(of: Array("0123456789-+. xe٣")).string(of: 0...6).filter {
            Self.maxAge($0) == nil
        }
        let garbageExpires = Gen<String?>.element(of: [
            "", "tomorrow", "0", "Sun, 06 Nov 1600 08:49:37 GMT", "31 Feb 2024 00:00:00", "12:00:00",
        ])
        .map { $0! }
        await propertyCheck(count: 300, input: Self.header, garbageMaxAge, garbageExpires) {
            generated,
            maxAge,
            expires in
            let header = generated.header + "; Max-Age=\(maxAge); Expires=\(expires)"
            #expect(Self.sameCookie(SetCookie(headerValue: header), generated.expected), "\(header)")
        }
    }

    @Test func theLastValidMaxAgeAndExpiresWin() async {
        await propertyCheck(count: 200, input: Self.header, Gen.int64(), CivilDateTime.generator()) {
            generated,
            maxAge,
            date in
            let header = generated.header + "; Max-Age=\(maxAge); Expires=\(date.imfFixdate)"
            var expected = generated.expected
            expected.maxAge = maxAge
            expected.expires = date.epochSeconds
            #expect(Self.sameCookie(SetCookie(headerValue: header), expected), "\(header)")
        }
    }

    @Test func aHeaderWithoutANameOrEqualsIsIgnoredWhole() async {
        await propertyCheck(count: 300, input: Self.header, CookieGenerators.blanks, Gen.bool) {
            generated,
            blanks,
            dropEquals in
            let (header, expected) = generated
            let attributes = header.drop { $0 != ";" }
            let broken =
                dropEquals
                ? expected.name + blanks + attributes  // `name; Max-Age=...`: no `=` before the first `;`
                : blanks + "=" + expected.value + attributes  // an empty name
            #expect(SetCookie(headerValue: broken) == nil, "\(broken)")
            #expect(SetCookie.name(of: broken) == nil, "\(broken)")
        }
    }
}
