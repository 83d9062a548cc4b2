import Testing

@testable import StickyCore

@Suite struct HTTPDateTests {
    /// Sun, 06 Nov 1994 08:49:37 GMT
    private static let rfcExample: Int64 = 784_111_777

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",  // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
        "Sun Nov  6 08:49:37 1994",  // asctime
    ])
    func parsesTheThreeHTTPFormats(_ text: String) {
        #expect(HTTPDate.parse(text) == Self.rfcExample)
    }

    @Test(arguments: [
        "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 November 1994 08:49:37 GMT",
        "sun, 06 NOV 1994 08:49:37 gmt",
        "06 Nov 1994 08:49:37",
        "Nov 06 1994 08:49:37",
        "1994 Nov 6 08:49:37",
        "08:49:37 06 Nov 1994",
        "Sun,06-Nov-1994 08:49:37 GMT",
        "  Sun, 06 Nov 1994 08:49:37 GMT  ",
        "Sun, 06 Nov 1994 08:49:37 +0200",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37GMT",
        "Sun, 06th Nov 1994 08:49:37 GMT",
        "Sun, 06/Nov/1994 08:49:37 GMT",
        "Sun\t06\tNov\t1994\t08:49:37",
        "Sun, 06 Nov 1994 08:49:37 GMT; extra 2001 words",
    ])
    func parsesLenientForms(_ text: String) {
        #expect(HTTPDate.parse(text) == Self.rfcExample)
    }

    @Test func parsesSingleDigitTimeFields() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 8:9:7 GMT") == 784_109_347)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:09:07 GMT") == 784_109_347)
    }

    @Test func parsesTwoDigitYears() {
        #expect(HTTPDate.parse("Thu, 01-Jan-70 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Fri, 01-Jan-99 00:00:00 GMT") == 915_148_800)
        #expect(HTTPDate.parse("Sat, 01-Jan-00 00:00:00 GMT") == 946_684_800)
        #expect(HTTPDate.parse("Tue, 31-Dec-69 23:59:59 GMT") == 3_155_759_999)
    }

    @Test func parsesBoundaryYears() {
        #expect(HTTPDate.parse("Mon, 01 Jan 1601 00:00:00 GMT") == -11_644_473_600)
        #expect(HTTPDate.parse("Fri, 31 Dec 9999 23:59:59 GMT") == 253_402_300_799)
        #expect(HTTPDate.parse("Wed, 31 Dec 1969 23:59:59 GMT") == -1)
        #expect(HTTPDate.parse("Tue, 19 Jan 2038 03:14:07 GMT") == 2_147_483_647)
        #expect(HTTPDate.parse("Tue, 19 Jan 2038 03:14:08 GMT") == 2_147_483_648)
    }

    @Test func parsesLeapDays() {
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT") == 951_782_400)
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 12:00:00 GMT") == 1_709_208_000)
        #expect(HTTPDate.parse("Fri, 29 Feb 2104 00:00:00 GMT") == 4_233_686_400)
        #expect(HTTPDate.parse("Tue, 29 Feb 2400 00:00:00 GMT") == 13_574_563_200)
    }

    @Test(arguments: [
        "29 Feb 1900 00:00:00",  // not a leap year (century)
        "29 Feb 2023 00:00:00",
        "30 Feb 2024 00:00:00",
        "31 Apr 2024 00:00:00",
        "31 Jun 2024 00:00:00",
        "31 Sep 2024 00:00:00",
        "31 Nov 2024 00:00:00",
    ])
    func rejectsDaysThatDoNotExist(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test(arguments: [
        "",
        "   ",
        "not a date",
        "0",
        "784111777",
        "Sun, 06 Nov 1994",  // no time
        "Sun, 06 Nov 08:49:37 GMT",  // no year
        "Sun, Nov 1994 08:49:37 GMT",  // no day
        "Sun, 06 1994 08:49:37 GMT",  // no month
        "Sun, 06 Nox 1994 08:49:37 GMT",
        "Sun, 06 No 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",  // day 0
        "Sun, 32 Nov 1994 08:49:37 GMT",  // day 32
        "Sun, 006 Nov 1994 08:49:37 GMT",  // three-digit day
        "Sun, 06 Nov 19940 08:49:37 GMT",  // five-digit year
        "Sun, 06 Nov 1600 08:49:37 GMT",  // before 1601
        "Sun, 06 Nov 100 08:49:37 GMT",  // three-digit years are taken as they are
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",  // two time fields
        "Sun, 06 Nov 1994 008:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:370 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
    ])
    func rejectsInvalidDates(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test func parsesSubstrings() {
        let header = "x; expires=Sun, 06 Nov 1994 08:49:37 GMT; y"
        let start = header.firstIndex(of: "=")!
        let end = header.lastIndex(of: ";")!
        #expect(HTTPDate.parse(header[header.index(after: start)..<end]) == Self.rfcExample)
    }

    @Test func formatsIMFFixdate() {
        #expect(HTTPDate.format(Self.rfcExample) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(-1) == "Wed, 31 Dec 1969 23:59:59 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(-11_644_473_600) == "Mon, 01 Jan 1601 00:00:00 GMT")
        #expect(HTTPDate.format(253_402_300_799) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.format(2_147_483_648) == "Tue, 19 Jan 2038 03:14:08 GMT")
    }

    @Test func formatThenParseRoundTrips() {
        // Every ~100 days with a changing time of day, from 1601 to 9999.
        var epoch: Int64 = -11_644_473_600
        var count = 0
        var failures: [String] = []
        while epoch <= 253_402_300_799 {
            let text = HTTPDate.format(epoch)
            if HTTPDate.parse(text) != epoch { failures.append(text) }
            epoch += 8_640_007
            count += 1
        }
        #expect(failures.isEmpty)
        #expect(count > 30_000)
    }

    @Test func civilConversionsAgree() {
        var failures: [Int64] = []
        for days in Int64(-200_000)...Int64(200_000) {
            let (year, month, day) = HTTPDate.civilFromDays(days)
            if HTTPDate.daysFromCivil(year: year, month: month, day: day) != days { failures.append(days) }
        }
        #expect(failures.isEmpty)
        #expect(HTTPDate.civilFromDays(0) == (1970, 1, 1))
        #expect(HTTPDate.civilFromDays(-1) == (1969, 12, 31))
        #expect(HTTPDate.civilFromDays(11_016) == (2000, 2, 29))
    }
}
