import PropertyBased
import Testing

@testable import StickyCore

/// Cookie dates: every valid date reads back as the same instant in every format, and a date with one field out of
/// range is rejected, never moved to a neighbouring instant.
@Suite struct HTTPDatePropertyTests {
    @Test func validDatesReadBackInEveryFormat() async {
        await propertyCheck(count: 300, input: CivilDateTime.generator()) { date in
            for form in date.forms {
                #expect(HTTPDate.parse(form) == date.epochSeconds, "\(form)")
            }
            #expect(HTTPDate.format(date.epochSeconds) == date.imfFixdate)
        }
    }

    @Test func datesAroundNowAndTwoDigitYearsReadBack() async {
        // RFC 850's two-digit years: 70-99 are 19xx, 00-69 are 20xx.
        await propertyCheck(count: 200, input: CivilDateTime.generator(years: 1970...2069)) { date in
            #expect(HTTPDate.parse(date.rfc850) == date.epochSeconds, "\(date.rfc850)")
        }
    }

    @Test func formatThenParseIsTheIdentityOverTheWholeRange() async {
        let range: ClosedRange<Int64> = -11_644_473_600...253_402_300_799  // 1601-01-01 ... 9999-12-31T23:59:59
        await propertyCheck(count: 500, input: Gen.int64(in: range)) { seconds in
            let text = HTTPDate.format(seconds)
            #expect(text.utf8.count == 29)
            #expect(HTTPDate.parse(text) == seconds, "\(text)")
        }
    }

    /// One field of a valid date pushed out of its range.
    enum BrokenField: CaseIterable, Sendable {
        case dayPastMonthEnd, dayZero, hour, minute, second, yearBefore1601
    }

    @Test func aDateWithOneFieldOutOfRangeIsRejected() async {
        await propertyCheck(count: 300, input: CivilDateTime.generator(), Gen<BrokenField>.case) { date, field in
            var broken = date
            switch field {
            case .dayPastMonthEnd: broken.day = CivilDateTime.daysIn(month: date.month, year: date.year) + 1
            case .dayZero: broken.day = 0
            case .hour: broken.hour = 24 + date.hour % 76
            case .minute: broken.minute = 60 + date.minute % 40
            case .second: broken.second = 60 + date.second % 40
            case .yearBefore1601: broken.year = 1000 + date.year % 601
            }
            // Each field keeps its digit count, so that the token still lands in the same slot.
            #expect(HTTPDate.parse(broken.imfFixdate) == nil, "\(broken.imfFixdate)")
            #expect(HTTPDate.parse(broken.asctime) == nil, "\(broken.asctime)")
        }
    }
}
