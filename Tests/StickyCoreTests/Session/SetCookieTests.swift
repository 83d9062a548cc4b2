import Testing

@testable import StickyCore

@Suite struct SetCookieTests {
    @Test func parsesNameAndValueWithoutAttributes() {
        #expect(SetCookie(headerValue: "sid=abc") == SetCookie(name: "sid", value: "abc"))
        #expect(SetCookie(headerValue: "sid=") == SetCookie(name: "sid", value: ""))
        #expect(SetCookie(headerValue: "sid=a=b") == SetCookie(name: "sid", value: "a=b"))
    }

    @Test func trimsAndUnquotesLikeTheRequestSide() {
        #expect(SetCookie(headerValue: " \tsid \t= \tabc \t; Path=/") == SetCookie(name: "sid", value: "abc"))
        #expect(SetCookie(headerValue: #"sid="abc"; Path=/"#) == SetCookie(name: "sid", value: "abc"))
        #expect(SetCookie(headerValue: #"sid= "a b" "#) == SetCookie(name: "sid", value: "a b"))
        #expect(SetCookie(headerValue: #"sid="""#) == SetCookie(name: "sid", value: ""))
        #expect(SetCookie(headerValue: #"sid=""#) == SetCookie(name: "sid", value: "\""))
        #expect(SetCookie(headerValue: #"sid="abc"#) == SetCookie(name: "sid", value: "\"abc"))
    }

    @Test func rejectsAPairWithoutEqualsOrName() {
        #expect(SetCookie(headerValue: "") == nil)
        #expect(SetCookie(headerValue: "sid") == nil)
        #expect(SetCookie(headerValue: "sid; Max-Age=5") == nil)
        #expect(SetCookie(headerValue: "sid; a=b") == nil)
        #expect(SetCookie(headerValue: "=abc") == nil)
        #expect(SetCookie(headerValue: " \t=abc; Max-Age=5") == nil)
        #expect(SetCookie(headerValue: ";sid=abc") == nil)
    }

    @Test func readsMaxAgeAndExpiresInAnyCase() {
        let expected = SetCookie(name: "sid", value: "v", maxAge: 3600, expires: 784_111_777)
        for header in [
            "sid=v; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT",
            "sid=v; max-age=3600; expires=Sun, 06 Nov 1994 08:49:37 GMT",
            "sid=v;MAX-AGE=3600;EXPIRES=Sun, 06 Nov 1994 08:49:37 GMT",
            "sid=v; mAx-AgE = 3600 ; eXpIrEs = Sun, 06 Nov 1994 08:49:37 GMT ; Path=/; HttpOnly",
            "sid=v; Path=/; Secure; Expires=Sun, 06 Nov 1994 08:49:37 GMT; SameSite=Lax; Max-Age=3600",
        ] {
            #expect(SetCookie(headerValue: header) == expected, "\(header)")
        }
    }

    @Test func ignoresOtherAttributesAndLookalikes() {
        let cookie = SetCookie(
            headerValue: "sid=v; Max-Age2=5; XMax-Age=5; Max-Ag=5; Expire=Sun, 06 Nov 1994 08:49:37 GMT"
        )
        #expect(cookie == SetCookie(name: "sid", value: "v"))
        #expect(SetCookie(headerValue: "sid=v; Max-Age; Expires") == SetCookie(name: "sid", value: "v"))
        #expect(SetCookie(headerValue: "sid=v;;; ;") == SetCookie(name: "sid", value: "v"))
    }

    @Test func readsNegativeAndZeroMaxAge() {
        #expect(SetCookie(headerValue: "sid=v; Max-Age=0")?.maxAge == 0)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=-1")?.maxAge == -1)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=-0")?.maxAge == 0)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=007")?.maxAge == 7)
    }

    @Test(arguments: ["", "-", "+5", "5s", "1.5", "0x10", " - 5", "5 5", "--5", "five", "1e3", "٣"])
    func ignoresGarbageMaxAge(_ value: String) {
        #expect(SetCookie(headerValue: "sid=v; Max-Age=\(value)")?.maxAge == nil)
        // An ignored attribute leaves an earlier valid one in place.
        #expect(SetCookie(headerValue: "sid=v; Max-Age=60; Max-Age=\(value)")?.maxAge == 60)
    }

    @Test func saturatesMaxAgeOnOverflow() {
        #expect(SetCookie(headerValue: "sid=v; Max-Age=9223372036854775807")?.maxAge == .max)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=9223372036854775808")?.maxAge == .max)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=99999999999999999999999999999")?.maxAge == .max)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=-9223372036854775807")?.maxAge == -.max)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=-99999999999999999999999999999")?.maxAge == .min)
    }

    @Test func lastValidAttributeWins() {
        #expect(SetCookie(headerValue: "sid=v; Max-Age=1; Max-Age=2")?.maxAge == 2)
        #expect(SetCookie(headerValue: "sid=v; Max-Age=1; Max-Age=x")?.maxAge == 1)
        let expires = SetCookie(
            headerValue: "sid=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires=Sun, 06 Nov 1994 08:49:37 GMT"
        )
        #expect(expires?.expires == 784_111_777)
        let garbageLast = SetCookie(headerValue: "sid=v; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Expires=soon")
        #expect(garbageLast?.expires == 784_111_777)
    }

    @Test func ignoresUnparsableExpires() {
        #expect(SetCookie(headerValue: "sid=v; Expires=tomorrow")?.expires == nil)
        #expect(SetCookie(headerValue: "sid=v; Expires=")?.expires == nil)
        #expect(SetCookie(headerValue: "sid=v; Expires=Sun, 06 Nov 1600 08:49:37 GMT")?.expires == nil)
    }

    @Test func readsAllThreeDateFormatsInExpires() {
        for date in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            #expect(SetCookie(headerValue: "sid=v; Expires=\(date); Path=/")?.expires == 784_111_777)
        }
    }

    @Test func nameOfReadsOnlyTheName() {
        #expect(SetCookie.name(of: "connect.sid=s%3Aabc; Path=/") == "connect.sid")
        #expect(SetCookie.name(of: " \tPHPSESSID \t=deleted") == "PHPSESSID")
        #expect(SetCookie.name(of: "sid=") == "sid")
        #expect(SetCookie.name(of: "sid") == nil)
        #expect(SetCookie.name(of: "sid; a=b") == nil)
        #expect(SetCookie.name(of: "=v") == nil)
        #expect(SetCookie.name(of: "  =v") == nil)
        #expect(SetCookie.name(of: "") == nil)
    }

    @Test func nameOfAgreesWithFullParsing() {
        for header in ["a=1", " a =1; Max-Age=3", "a", "=1", "a;b=c", "\"q\"=1", "a b=c", "x=y=z"] {
            #expect(SetCookie.name(of: header).map(String.init) == SetCookie(headerValue: header)?.name, "\(header)")
        }
    }
}
