import Testing

@testable import StickyCore

@Suite struct SessionExtractorTests {
    private let extractor = SessionExtractor(cookieNames: ["connect.sid", "PHPSESSID", "JSESSIONID"])

    private func session(_ headers: [String], target: String = "/", names: [String]? = nil) -> SessionCookie? {
        let extractor = names.map { SessionExtractor(cookieNames: $0) } ?? extractor
        return extractor.session(cookieHeaders: headers, target: target)
    }

    @Test func findsAConfiguredCookieAmongOthers() {
        #expect(session(["theme=dark; PHPSESSID=abc123; lang=en"]) == SessionCookie(name: "PHPSESSID", id: "abc123"))
    }

    @Test func noCookieOrNoConfiguredNameIsNoSession() {
        #expect(session([]) == nil)
        #expect(session([""]) == nil)
        #expect(session(["theme=dark; lang=en"]) == nil)
        #expect(session(["PHPSESSID=x"], names: []) == nil)
    }

    @Test func trimsAndUnquotesTheValue() {
        let found = session(["\tconnect.sid = \"s%3Aabc.def\" ;x=1"])
        #expect(found == SessionCookie(name: "connect.sid", id: "s%3Aabc.def"))
    }

    @Test func namesCompareCaseSensitively() {
        #expect(session(["phpsessid=abc; Connect.sid=x"]) == nil)
        #expect(session(["phpsessid=abc; PHPSESSID=def"]) == SessionCookie(name: "PHPSESSID", id: "def"))
    }

    @Test func configuredOrderWinsOverHeaderOrder() {
        let headers = ["JSESSIONID=j; PHPSESSID=p; connect.sid=c"]
        #expect(session(headers) == SessionCookie(name: "connect.sid", id: "c"))
        #expect(session(headers, names: ["JSESSIONID", "connect.sid"]) == SessionCookie(name: "JSESSIONID", id: "j"))
        #expect(session(["JSESSIONID=j; PHPSESSID=p"]) == SessionCookie(name: "PHPSESSID", id: "p"))
    }

    @Test func configuredOrderWinsAcrossHeaders() {
        let headers = ["JSESSIONID=j", "a=1; PHPSESSID=p", "connect.sid=c"]
        #expect(session(headers) == SessionCookie(name: "connect.sid", id: "c"))
        #expect(session(Array(headers.prefix(2))) == SessionCookie(name: "PHPSESSID", id: "p"))
    }

    @Test func firstValidPairOfANameWinsInHeaderOrder() {
        #expect(session(["PHPSESSID=first; PHPSESSID=second"]) == SessionCookie(name: "PHPSESSID", id: "first"))
        #expect(session(["PHPSESSID=first", "PHPSESSID=second"]) == SessionCookie(name: "PHPSESSID", id: "first"))
    }

    @Test func invalidValuesAreIgnoredAsThoughAbsent() {
        #expect(session(["PHPSESSID=; PHPSESSID=later"]) == SessionCookie(name: "PHPSESSID", id: "later"))
        #expect(session(["PHPSESSID=\"\"", "PHPSESSID=later"]) == SessionCookie(name: "PHPSESSID", id: "later"))
        #expect(session(["connect.sid=a\u{1}b; PHPSESSID=p"]) == SessionCookie(name: "PHPSESSID", id: "p"))
        #expect(session(["connect.sid=a\u{7F}b"]) == nil)
        #expect(session(["connect.sid="]) == nil)
    }

    @Test func idsOf4096BytesCountAnd4097AreIgnored() {
        let exact = String(repeating: "a", count: 4096)
        let over = String(repeating: "b", count: 4097)
        #expect(session(["connect.sid=" + exact]) == SessionCookie(name: "connect.sid", id: exact))
        #expect(session(["connect.sid=" + over]) == nil)
        #expect(session(["connect.sid=" + over + "; PHPSESSID=p"]) == SessionCookie(name: "PHPSESSID", id: "p"))
        let later = session(["connect.sid=" + over, "connect.sid=" + exact])
        #expect(later == SessionCookie(name: "connect.sid", id: exact))
        // Quotes do not count towards the length.
        #expect(session(["connect.sid=\"" + exact + "\""]) == SessionCookie(name: "connect.sid", id: exact))
    }

    @Test func manyHeadersAreAllRead() {
        var headers = (0..<50).map { "x\($0)=\($0)" }
        headers.append("PHPSESSID=late")
        #expect(session(headers) == SessionCookie(name: "PHPSESSID", id: "late"))
    }

    @Test func stopsAfterMaximumPairsOfAHeader() {
        let filler = (0..<CookieHeader.maximumPairs).map { "x\($0)=1" }.joined(separator: "; ")
        #expect(session([filler + "; PHPSESSID=p"]) == nil)
        // The next header has its own pair budget.
        #expect(session([filler, "PHPSESSID=p"]) == SessionCookie(name: "PHPSESSID", id: "p"))
    }

    @Test func stopsAfterMaximumCookieBytesInTotal() {
        let big = "pad=" + String(repeating: "z", count: 4000)
        let headers = Array(repeating: big, count: 16)  // 16 × 4004 bytes = 64064 of 65536.
        #expect(session(headers + ["PHPSESSID=p"]) == SessionCookie(name: "PHPSESSID", id: "p"))
        #expect(session(headers + [big, "PHPSESSID=p"]) == nil)
        // A pair cut by the limit is not taken, not even truncated.
        let cut = session(headers + ["PHPSESSID=" + String(repeating: "q", count: 2000)])
        #expect(cut == nil)
    }

    @Test func jsessionidPathParameterCounts() {
        #expect(session([], target: "/cart;jsessionid=ABC123") == SessionCookie(name: "JSESSIONID", id: "ABC123"))
        #expect(session([], target: "/cart;jsessionid=ABC?x=1") == SessionCookie(name: "JSESSIONID", id: "ABC"))
        #expect(session([], target: "/a;jsessionid=ABC/b") == SessionCookie(name: "JSESSIONID", id: "ABC"))
        #expect(session([], target: "/a;jsessionid=ABC;v=1") == SessionCookie(name: "JSESSIONID", id: "ABC"))
        #expect(session([], target: "/a;jsessionid=ABC#frag") == SessionCookie(name: "JSESSIONID", id: "ABC"))
        #expect(session([], target: "/a;x=1;jsessionid=ABC") == SessionCookie(name: "JSESSIONID", id: "ABC"))
        #expect(
            session([], target: "http://h/a;jsessionid=ABC") == SessionCookie(name: "JSESSIONID", id: "ABC")
        )
    }

    @Test func jsessionidPathParameterNameIsCaseInsensitive() {
        #expect(session([], target: "/a;JSESSIONID=Xy") == SessionCookie(name: "JSESSIONID", id: "Xy"))
        #expect(session([], target: "/a;JSessionId=Xy") == SessionCookie(name: "JSESSIONID", id: "Xy"))
    }

    @Test func jsessionidPathParameterOnlyInThePath() {
        #expect(session([], target: "/a?q=1;jsessionid=ABC") == nil)
        #expect(session([], target: "/a#;jsessionid=ABC") == nil)
        #expect(session([], target: "/a/jsessionid=ABC") == nil)
        #expect(session([], target: "/a;jsessionidx=ABC") == nil)
        #expect(session([], target: "/a;jsession=ABC") == nil)
        #expect(session([], target: "/a;jsessionid") == nil)
    }

    @Test func invalidJsessionidPathParameterIsIgnored() {
        #expect(session([], target: "/a;jsessionid=") == nil)
        #expect(session([], target: "/a;jsessionid=/b") == nil)
        let later = session([], target: "/a;jsessionid=;jsessionid=LATER")
        #expect(later == SessionCookie(name: "JSESSIONID", id: "LATER"))
        let over = String(repeating: "j", count: 4097)
        #expect(session([], target: "/a;jsessionid=" + over) == nil)
        let exact = String(repeating: "j", count: 4096)
        #expect(session([], target: "/a;jsessionid=" + exact) == SessionCookie(name: "JSESSIONID", id: exact))
    }

    @Test func jsessionidCookieWinsOverThePathParameter() {
        let both = session(["JSESSIONID=cookie"], target: "/a;jsessionid=path")
        #expect(both == SessionCookie(name: "JSESSIONID", id: "cookie"))
        // An invalid cookie is as though absent: the path parameter counts.
        #expect(session(["JSESSIONID="], target: "/a;jsessionid=path") == SessionCookie(name: "JSESSIONID", id: "path"))
    }

    @Test func jsessionidPathParameterKeepsItsConfiguredRank() {
        // JSESSIONID ranks last here: a PHPSESSID cookie wins over the path parameter.
        #expect(session(["PHPSESSID=p"], target: "/a;jsessionid=j") == SessionCookie(name: "PHPSESSID", id: "p"))
        // JSESSIONID ranks first here: the path parameter wins over a PHPSESSID cookie.
        let names = ["JSESSIONID", "PHPSESSID"]
        let found = session(["PHPSESSID=p"], target: "/a;jsessionid=j", names: names)
        #expect(found == SessionCookie(name: "JSESSIONID", id: "j"))
    }

    @Test func jsessionidPathParameterNeedsJSESSIONIDConfigured() {
        #expect(session([], target: "/a;jsessionid=ABC", names: ["PHPSESSID"]) == nil)
        #expect(session([], target: "/a;jsessionid=ABC", names: ["jsessionid"]) == nil)
    }
}
