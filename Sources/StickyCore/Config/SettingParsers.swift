import Logging

/// Parsers of the plain setting values: numbers, durations, switches, log levels, key prefixes, cookie names.
///
/// Each takes the text as written (surrounding whitespace already trimmed) and throws a ``SettingProblem``.
enum SettingParsers {
    /// What a whole number counts, for the message when the text is not one.
    enum Unit: Sendable {
        case seconds, milliseconds, none

        var notAWholeNumber: SettingProblem {
            switch self {
            case .seconds: .notWholeSeconds
            case .milliseconds: .notWholeMilliseconds
            case .none: .notWholeNumber
            }
        }
    }

    /// A whole number in `range`, written in decimal digits with an optional sign.
    static func wholeNumber(_ text: String, of unit: Unit, in range: ClosedRange<Int>) throws(SettingProblem) -> Int {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { throw unit.notAWholeNumber }
        guard let magnitude = Int(digits) else {
            throw negative ? .outside(range) : .tooLarge
        }
        let number = negative ? -magnitude : magnitude
        guard range.contains(number) else { throw .outside(range) }
        return number
    }

    /// Whole seconds, at least one.
    static func wholeSeconds(_ text: String) throws(SettingProblem) -> Duration {
        .seconds(try wholeNumber(text, of: .seconds, in: 1...Int.max))
    }

    /// Whole milliseconds, at least one.
    static func wholeMilliseconds(_ text: String) throws(SettingProblem) -> Duration {
        .milliseconds(try wholeNumber(text, of: .milliseconds, in: 1...Int.max))
    }

    /// Seconds more than zero, with an optional decimal fraction: `30`, `0.5`, `.25`. No sign, no exponent.
    /// The fraction is exact to the attosecond; digits past that are dropped.
    static func positiveSeconds(_ text: String) throws(SettingProblem) -> Duration {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard
            !(whole.isEmpty && fraction.isEmpty),
            whole.allSatisfy(\.isASCIIDigit),
            fraction.allSatisfy(\.isASCIIDigit)
        else { throw .notSeconds }

        let seconds: Int64
        if whole.isEmpty {
            seconds = 0
        } else if let parsed = Int64(whole) {
            seconds = parsed
        } else {
            throw .tooLarge
        }
        let attosecondDigits = 18
        let kept = fraction.prefix(attosecondDigits)
        let padded = kept + String(repeating: "0", count: attosecondDigits - kept.count)
        let attoseconds = Int64(padded) ?? 0
        guard seconds > 0 || attoseconds > 0 else { throw .notPositive }
        return Duration(secondsComponent: seconds, attosecondsComponent: attoseconds)
    }

    /// `on`/`off`, and the usual spellings of a boolean: `true`/`false`, `yes`/`no`, `1`/`0`. Any case.
    static func balancePolicy(_ text: String) throws(SettingProblem) -> BalancePolicy {
        guard let policy = BalancePolicy(rawValue: text.lowercased()) else { throw .notBalancePolicy }
        return policy
    }

    /// An absolute path for the health check: `/healthz`, `/status?full=0`.
    static func healthPath(_ text: String) throws(SettingProblem) -> String {
        guard text.first == "/", !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true })
        else { throw .notHealthPath }
        return text
    }

    /// A bearer token: visible ASCII, no spaces, at least 16 characters.
    static func adminToken(_ text: String) throws(SettingProblem) -> String {
        guard text.utf8.count >= 16, text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw .weakAdminToken }
        return text
    }

    static func onOff(_ text: String) throws(SettingProblem) -> Bool {
        switch text.lowercased() {
        case "on", "true", "yes", "1": true
        case "off", "false", "no", "0": false
        default: throw .notOnOff
        }
    }

    /// A swift-log level by its name, in any case.
    static func logLevel(_ text: String) throws(SettingProblem) -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else { throw .notLogLevel }
        return level
    }

    /// `text` or `json`, in any case.
    static func logFormat(_ text: String) throws(SettingProblem) -> LogFormat {
        guard let format = LogFormat(rawValue: text.lowercased()) else { throw .notLogFormat }
        return format
    }

    /// The longest key prefix, in UTF-8 bytes.
    static let maximumKeyPrefixBytes = 64

    /// A store key prefix: no whitespace or control characters, at most 64 bytes. May be empty.
    static func keyPrefix(_ text: String) throws(SettingProblem) -> String {
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || SettingText.isControl($0) })
        else { throw .prefixHasSpaceOrControl }
        guard text.utf8.count <= maximumKeyPrefixBytes else {
            throw .prefixTooLong(maximumBytes: maximumKeyPrefixBytes)
        }
        return text
    }

    /// The key secret's bytes: its UTF-8 encoding, never empty.
    static func keySecret(_ text: String) throws(SettingProblem) -> [UInt8] {
        guard !text.isEmpty else { throw .emptySecret }
        return Array(text.utf8)
    }

    /// A cookie name: an RFC 6265 `token` (RFC 2616 §2.2), visible ASCII except separators.
    static func cookieName(_ text: String) throws(SettingProblem) -> String {
        let separators: Set<UInt8> = Set("()<>@,;:\\\"/[]?={}".utf8)
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !separators.contains($0) })
        else { throw .notCookieName }
        return text
    }
}
