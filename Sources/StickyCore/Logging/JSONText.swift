import Logging

/// JSON string literals, for log lines and the admin listener's answers.
enum JSONText {
    /// `text` as a JSON string, quotes included. Control characters are escaped, everything else is kept as is.
    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A metadata value as JSON: strings quoted, dictionaries as objects (keys sorted), arrays as arrays.
    static func value(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let values): "[" + values.map(Self.value).joined(separator: ",") + "]"
        case .dictionary(let dictionary): object(dictionary)
        }
    }

    /// Metadata as one JSON object, keys sorted so that lines are stable.
    static func object(_ metadata: Logger.Metadata) -> String {
        "{" + metadata.keys.sorted().map { quoted($0) + ":" + value(metadata[$0]!) }.joined(separator: ",") + "}"
    }
}
