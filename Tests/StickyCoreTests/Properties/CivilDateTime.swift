import PropertyBased

/// A UTC date and time by its fields, written in the cookie date formats, with its Unix time computed independently
/// of ``HTTPDate`` (by counting leap years), for the date property tests.
struct CivilDateTime: Sendable, CustomStringConvertible {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Leap years in 1...year-1 (for year ≥ 1).
    private static func leapYears(before year: Int) -> Int {
        (year - 1) / 4 - (year - 1) / 100 + (year - 1) / 400
    }

    /// Days since 1970-01-01.
    var daysSinceEpoch: Int {
        let yearDays = 365 * (year - 1970) + Self.leapYears(before: year) - Self.leapYears(before: 1970)
        let monthDays = (1..<month).reduce(0) { $0 + Self.daysIn(month: $1, year: year) }
        return yearDays + monthDays + day - 1
    }

    var epochSeconds: Int64 {
        Int64(daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// 0 for Sunday; 1970-01-01 was a Thursday.
    var weekday: Int {
        ((daysSinceEpoch + 4) % 7 + 7) % 7
    }

    private func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    private var time: String { "\(twoDigits(hour)):\(twoDigits(minute)):\(twoDigits(second))" }
    private var monthName: String { Self.monthNames[month - 1] }
    private var shortWeekday: String { String(Self.weekdayNames[weekday].prefix(3)) }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    var imfFixdate: String {
        "\(shortWeekday), \(twoDigits(day)) \(monthName) \(year) \(time) GMT"
    }

    /// `Sunday, 06-Nov-94 08:49:37 GMT`; the two-digit year reads back right only for 1970...2069.
    var rfc850: String {
        "\(Self.weekdayNames[weekday]), \(twoDigits(day))-\(monthName)-\(twoDigits(year % 100)) \(time) GMT"
    }

    /// `Sun Nov  6 08:49:37 1994`
    var asctime: String {
        let paddedDay = day < 10 ? " \(day)" : "\(day)"
        return "\(shortWeekday) \(monthName) \(paddedDay) \(time) \(year)"
    }

    /// `Sun, 06-Nov-1994 08:49:37 GMT`, as PHP and Tomcat write `Expires`.
    var dashedFourDigitYear: String {
        "\(shortWeekday), \(twoDigits(day))-\(monthName)-\(year) \(time) GMT"
    }

    /// Every form that has to read back as ``epochSeconds``.
    var forms: [String] {
        [imfFixdate, asctime, dashedFourDigitYear] + ((1970...2069).contains(year) ? [rfc850] : [])
    }

    var description: String { imfFixdate }

    /// A valid date and time in `years`.
    static func generator(
        years: ClosedRange<Int> = 1601...9999
    ) -> Generator<CivilDateTime, Shrink.Tuple<(Int, Int, Int, Int, Int, Int)>> {
        zip(
            Gen.int(in: years),
            Gen.int(in: 1...12),
            Gen.int(in: 1...31),
            Gen.int(in: 0...23),
            Gen.int(in: 0...59),
            Gen.int(in: 0...59)
        ).map { year, month, day, hour, minute, second in
            CivilDateTime(
                year: year,
                month: month,
                day: min(day, daysIn(month: month, year: year)),
                hour: hour,
                minute: minute,
                second: second
            )
        }
    }
}
