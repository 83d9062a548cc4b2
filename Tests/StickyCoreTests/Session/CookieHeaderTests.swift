import Testing

@testable import StickyCore

@Suite struct CookieHeaderTests {
    private func pairs(_ header: String, byteLimit: Int = .max) -> [String] {
        CookieHeader(header, byteLimit: byteLimit).map { "\($0.name)=\($0.value)" }
    }

    @Test func splitsOnSemicolonsAndTrimsSpacesAndTabs() {
        #expect(pairs("a=1; b=2;c=3") == ["a=1", "b=2", "c=3"])
        #expect(pairs(" \t a \t= \t1 \t;\tb=2 ") == ["a=1", "b=2"])
        #expect(pairs("a=1 2 ; b= x y ") == ["a=1 2", "b=x y"])
    }

    @Test func unquotesValuesAfterTrimming() {
        #expect(pairs(#"a="1"; b= "x y" ; c="""#) == ["a=1", "b=x y", "c="])
        // Not a pair of quotes: kept as it is.
        #expect(pairs(#"a="; b="x; c=x"; d='y'"#) == [#"a=""#, #"b="x"#, #"c=x""#, "d='y'"])
        // Only the outer pair is removed, and nothing is trimmed inside.
        #expect(pairs(#"a="" x ""#) == [#"a=" x "#])
    }

    @Test func keepsEmptyValuesAndSkipsPairsWithoutNameOrEquals() {
        #expect(pairs("a=; b =;c") == ["a=", "b="])
        #expect(pairs("=1; =; x; ; ;;  ; ok=1") == ["ok=1"])
        #expect(pairs(" = 1 ;\t=2") == [])
        #expect(pairs("") == [])
        #expect(pairs(";;;") == [])
    }

    @Test func splitsTheValueAtTheFirstEqualsOnly() {
        #expect(pairs("a=b=c; d==") == ["a=b=c", "d=="])
    }

    @Test func keepsDuplicatesInHeaderOrder() {
        #expect(pairs("a=1; a=2; A=3") == ["a=1", "a=2", "A=3"])
    }

    @Test func keepsNonASCIIBytes() {
        #expect(pairs("café=crème; x=ü") == ["café=crème", "x=ü"])
    }

    @Test func firstValueComparesNamesCaseSensitively() {
        let header = CookieHeader("sid=lower; SID=upper; sid=second")
        #expect(header.firstValue(named: "sid") == "lower")
        #expect(header.firstValue(named: "SID") == "upper")
        #expect(header.firstValue(named: "Sid") == nil)
        #expect(header.firstValue(named: "si") == nil)
    }

    @Test func looksAtNoMoreThanMaximumPairsSegments() {
        let many = (0..<300).map { "c\($0)=\($0)" }.joined(separator: "; ")
        let found = pairs(many)
        #expect(found.count == CookieHeader.maximumPairs)
        #expect(found.last == "c255=255")
        // Skipped segments count too.
        let skipped = String(repeating: "junk;", count: 256) + "a=1"
        #expect(pairs(skipped) == [])
        let almost = String(repeating: "junk;", count: 255) + "a=1"
        #expect(pairs(almost) == ["a=1"])
    }

    @Test func dropsAPairThatTheByteLimitCuts() {
        // "a=1; b=22; c=3": the `;`s are bytes 3 and 9. A limit that falls on a `;` keeps the pair before it.
        let header = "a=1; b=22; c=3"
        #expect(pairs(header, byteLimit: 0) == [])
        #expect(pairs(header, byteLimit: 2) == [])
        #expect(pairs(header, byteLimit: 3) == ["a=1"])
        #expect(pairs(header, byteLimit: 4) == ["a=1"])
        #expect(pairs(header, byteLimit: 8) == ["a=1"])
        #expect(pairs(header, byteLimit: 9) == ["a=1", "b=22"])
        #expect(pairs(header, byteLimit: 13) == ["a=1", "b=22"])
        #expect(pairs(header, byteLimit: 14) == ["a=1", "b=22", "c=3"])
        #expect(pairs(header, byteLimit: 1000) == ["a=1", "b=22", "c=3"])
    }

    @Test func pairsShareTheHeaderStorage() {
        let header = "a=1; sid=abc"
        let pair = Array(CookieHeader(header)).last
        #expect(pair?.value.base == header)
    }
}
