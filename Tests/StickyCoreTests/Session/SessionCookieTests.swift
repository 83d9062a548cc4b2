import Testing

@testable import StickyCore

@Suite struct SessionCookieTests {
    @Test func acceptsOrdinaryIDs() {
        #expect(SessionCookie.isValidID("s%3AaBc.dEf"))
        #expect(SessionCookie.isValidID("a"))
        #expect(SessionCookie.isValidID("with space and ü"))
        #expect(SessionCookie.isValidID("~!#$%&'()*+-./:<=>?@[]^_`{|}"))
    }

    @Test func rejectsEmpty() {
        #expect(!SessionCookie.isValidID(""))
    }

    @Test func acceptsUpTo4096BytesExactly() {
        #expect(SessionCookie.isValidID(String(repeating: "x", count: 4096)))
        #expect(!SessionCookie.isValidID(String(repeating: "x", count: 4097)))
        // Bytes, not characters: 2048 two-byte characters fit, one more byte does not.
        #expect(SessionCookie.isValidID(String(repeating: "é", count: 2048)))
        #expect(!SessionCookie.isValidID(String(repeating: "é", count: 2048) + "x"))
    }

    @Test(arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F] as [UInt8])
    func rejectsControlCharacters(_ byte: UInt8) {
        let control = String(decoding: [byte], as: UTF8.self)
        #expect(!SessionCookie.isValidID("abc" + control + "def"))
        #expect(!SessionCookie.isValidID(control))
        #expect(!SessionCookie.isValidID(Substring("ab" + control)))
    }

    @Test func acceptsTheBytesAroundTheControlRanges() {
        #expect(SessionCookie.isValidID(" "))
        #expect(SessionCookie.isValidID("~"))
        #expect(SessionCookie.isValidID("\u{80}"))
    }
}
