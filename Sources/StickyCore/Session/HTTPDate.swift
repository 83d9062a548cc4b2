/// Cookie dates: parsing an `Expires` attribute to Unix time, and formatting Unix time as an IMF-fixdate.
///
/// Parsing follows the RFC 6265 §5.1.1 algorithm, which accepts IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`),
/// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime (`Sun Nov  6 08:49:37 1994`) and the looser forms that
/// browsers accept (`6 November 1994 8:49:37`, `Sun, 06-Nov-1994 08:49:37 GMT`, ...). Time zones are ignored: a cookie
/// date is UTC. It uses no Foundation and does work linear in the input.
public enum HTTPDate {
    /// Seconds since 1970-01-01T00:00:00Z for a cookie date, or `nil` when RFC 6265 fails to parse it (a missing
    /// part, a day outside 1...31 or not in that month, an hour, minute or second out of range, or a year before 1601).
    ///
    /// Two-digit years 70–99 are 19xx and 0–69 are 20xx.
    public static func parse(_ text: String) -> Int64? {
        parse(text[...])
    }

    /// Seconds since 1970-01-01T00:00:00Z for a cookie date, or `nil`; as for a `String`.
    public static func parse(_ text: Substring) -> Int64? {
        let utf8 = text.utf8
        var time: (hour: Int, minute: Int, second: Int)?
        var dayOfMonth: Int?
        var month: Int?
        var year: Int?

        var index = utf8.startIndex
        while index < utf8.endIndex {
            // Step 1: split into date-tokens, runs of non-delimiters.
            while index < utf8.endIndex && isDelimiter(utf8[index]) { utf8.formIndex(after: &index) }
            let start = index
            while index < utf8.endIndex && !isDelimiter(utf8[index]) { utf8.formIndex(after: &index) }
            guard start < index else { break }
            let token = utf8[start..<index]

            // Step 2: each token fills the first part it matches that is not found yet.
            if time == nil, let parsed = parseTime(token) {
                time = parsed
            } else if dayOfMonth == nil, let parsed = parseNumber(token, digits: 1...2) {
                dayOfMonth = parsed
            } else if month == nil, let parsed = parseMonth(token) {
                month = parsed
            } else if year == nil, let parsed = parseNumber(token, digits: 2...4) {
                year = parsed
            }
            if time != nil && dayOfMonth != nil && month != nil && year != nil { break }
        }

        guard let time, let dayOfMonth, let month, var year else { return nil }
        // Steps 3 and 4: two-digit years.
        if (70...99).contains(year) {
            year += 1900
        } else if (0...69).contains(year) {
            year += 2000
        }
        // Steps 5 and 6: ranges, and the date must exist.
        guard year >= 1601, (1...31).contains(dayOfMonth), dayOfMonth <= daysIn(month: month, year: year),
            time.hour <= 23, time.minute <= 59, time.second <= 59
        else {
            return nil
        }
        let days = daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(dayOfMonth))
        return days * 86_400 + Int64(time.hour * 3600 + time.minute * 60 + time.second)
    }

    /// `epochSeconds` as an IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    ///
    /// Years outside 0...9999 are written with as many digits as they need.
    public static func format(_ epochSeconds: Int64) -> String {
        let (days, secondOfDay) = floorDivision(epochSeconds, 86_400)
        let (year, month, day) = civilFromDays(days)
        let weekday = Int(floorDivision(days + 4, 7).remainder)  // 1970-01-01 was a Thursday.
        var text = ""
        text.reserveCapacity(29)
        text += weekdayNames[weekday]
        text += ", "
        text += padded(day, 2)
        text += " "
        text += monthNames[Int(month) - 1]
        text += " "
        text += padded(year, 4)
        text += " "
        text += padded(secondOfDay / 3600, 2)
        text += ":"
        text += padded(secondOfDay / 60 % 60, 2)
        text += ":"
        text += padded(secondOfDay % 60, 2)
        text += " GMT"
        return text
    }

    // MARK: - Tokens

    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// The month names in lowercase, three bytes packed in a `UInt32` each.
    private static let monthKeys: [UInt32] = monthNames.map { name in
        name.utf8.reduce(0) { key, byte in key << 8 | UInt32(byte | 0x20) }
    }

    /// `delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E`
    private static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09, 0x20...0x2F, 0x3B...0x40, 0x5B...0x60, 0x7B...0x7E: true
        default: false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Reads up to `maximum` digits at `index`; `nil` unless there is at least one.
    private static func readDigits(
        _ token: Substring.UTF8View,
        at index: inout String.Index,
        maximum: Int
    ) -> (value: Int, count: Int)? {
        var value = 0
        var count = 0
        while count < maximum, index < token.endIndex, isDigit(token[index]) {
            value = value * 10 + Int(token[index] - UInt8(ascii: "0"))
            count += 1
            token.formIndex(after: &index)
        }
        return count > 0 ? (value, count) : nil
    }

    /// `digits DIGIT ( non-digit *OCTET )`: a number of that many digits, then the end or a non-digit.
    private static func parseNumber(_ token: Substring.UTF8View, digits: ClosedRange<Int>) -> Int? {
        var index = token.startIndex
        guard let (value, count) = readDigits(token, at: &index, maximum: digits.upperBound),
            count >= digits.lowerBound, index == token.endIndex || !isDigit(token[index])
        else {
            return nil
        }
        return value
    }

    /// `time-field ":" time-field ":" time-field ( non-digit *OCTET )`, each field `1*2DIGIT`.
    private static func parseTime(_ token: Substring.UTF8View) -> (hour: Int, minute: Int, second: Int)? {
        var index = token.startIndex
        var fields = (0, 0, 0)
        for field in 0..<3 {
            if field > 0 {
                guard index < token.endIndex, token[index] == UInt8(ascii: ":") else { return nil }
                token.formIndex(after: &index)
            }
            guard let (value, _) = readDigits(token, at: &index, maximum: 2) else { return nil }
            switch field {
            case 0: fields.0 = value
            case 1: fields.1 = value
            default: fields.2 = value
            }
        }
        guard index == token.endIndex || !isDigit(token[index]) else { return nil }
        return fields
    }

    /// `( "jan" / "feb" / ... / "dec" ) *OCTET`, case-insensitively: the month, 1...12.
    private static func parseMonth(_ token: Substring.UTF8View) -> Int? {
        var index = token.startIndex
        var name: UInt32 = 0
        for _ in 0..<3 {
            guard index < token.endIndex else { return nil }
            let byte = token[index]
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            name = name << 8 | UInt32(lower)
            token.formIndex(after: &index)
        }
        return monthKeys.firstIndex(of: name).map { $0 + 1 }
    }

    // MARK: - Calendar

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivision(y, 400).quotient
        let yearOfEra = y - era * 400  // 0...399
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1  // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // 0...146096
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivision(z, 146_097).quotient
        let dayOfEra = z - era * 146_097  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0...11, from March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + padding + digits
    }
}
