/// How values an operator wrote are shown in a message: on one line, bounded, secrets withheld.
enum SettingText {
    /// What a message shows instead of a secret value.
    static let secret = "(secret)"

    /// The longest text shown from a value; longer ones end in `…`.
    static let maximumShownCharacters = 80

    /// `"value"`, with quotes, backslashes and control characters escaped so that it stays on one line.
    static func quoted(_ value: some StringProtocol) -> String {
        "\"" + bounded(value, escapingQuotes: true) + "\""
    }

    /// The value with control characters escaped, cut to `limit` characters.
    static func bounded(
        _ value: some StringProtocol,
        limit: Int = maximumShownCharacters,
        escapingQuotes: Bool = false
    ) -> String {
        var shown = ""
        var count = 0
        for character in value {
            if count == limit {
                shown += "…"
                break
            }
            count += 1
            shown += escaped(character, escapingQuotes: escapingQuotes)
        }
        return shown
    }

    private static func escaped(_ character: Character, escapingQuotes: Bool) -> String {
        switch character {
        case "\"" where escapingQuotes: return "\\\""
        case "\\" where escapingQuotes: return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\r\n": return "\\r\\n"
        default:
            guard character.unicodeScalars.contains(where: isControl) else { return String(character) }
            return character.unicodeScalars.map { scalar in
                isControl(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }.joined()
        }
    }

    /// C0 and C1 control characters, DEL, and the line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
