import StickyCore

/// The other ways to write a cookie date, derived from ``HTTPDate/format(_:)``'s IMF-fixdate, so that the fuzzers
/// can check that every form of an accepted instant reads back as that instant.
public enum CookieDateForms {
    /// The lowest and highest instants ``HTTPDate/parse(_:)-(String)`` can return: 1601-01-01T00:00:00Z and
    /// 9999-12-31T23:59:59Z.
    public static let range: ClosedRange<Int64> = -11_644_473_600...253_402_300_799

    private static let fullWeekdays = [
        "Sun": "Sunday", "Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
        "Sat": "Saturday",
    ]

    /// `epochSeconds` in IMF-fixdate, RFC 850 and asctime form, and the lenient `06-Nov-1994` form that PHP and
    /// Tomcat send. RFC 850's two-digit year is used only for 1970...2069, which it can express.
    public static func all(_ epochSeconds: Int64) -> [String] {
        let imf = HTTPDate.format(epochSeconds)
        // "Sun, 06 Nov 1994 08:49:37 GMT"
        let parts = imf.split(separator: " ")
        guard parts.count == 6 else { return [imf] }
        let weekday = String(parts[0].dropLast())
        let day = parts[1]
        let month = parts[2]
        let year = parts[3]
        let time = parts[4]
        let dayWithSpace = day.first == "0" ? " " + day.dropFirst() : String(day)
        var forms = [
            imf,
            "\(weekday) \(month) \(dayWithSpace) \(time) \(year)",
            "\(weekday), \(day)-\(month)-\(year) \(time) GMT",
        ]
        if let yearNumber = Int(year), (1970...2069).contains(yearNumber) {
            forms.append("\(fullWeekdays[weekday] ?? weekday), \(day)-\(month)-\(year.suffix(2)) \(time) GMT")
        }
        return forms
    }
}
