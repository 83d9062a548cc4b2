import Logging

extension LogFormat {
    /// One event as a line, newline included.
    ///
    /// - text: `2025-01-31T12:00:00.123Z info sticky-proxy: proxy listening listen.address=0.0.0.0:8080`; metadata
    ///   follows the message as `key=value`, keys sorted; a value with a space, a quote, `=` or a control character
    ///   is written as a JSON string, so that the line always splits back into its fields.
    /// - json: `{"timestamp":"…","level":"info","label":"sticky-proxy","message":"…","metadata":{…}}`, `metadata` an
    ///   object whose keys are the dotted keys as logged.
    func line(
        timestamp: String,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata
    ) -> String {
        switch self {
        case .text:
            var line = timestamp + " " + level.rawValue + " " + label + ": "
            line += message.unicodeScalars.contains(where: Self.isControl) ? JSONText.quoted(message) : message
            for key in metadata.keys.sorted() {
                line += " " + key + "=" + Self.field(Self.text(metadata[key]!))
            }
            return line + "\n"
        case .json:
            var line = #"{"timestamp":"# + JSONText.quoted(timestamp)
            line += #","level":"# + JSONText.quoted(level.rawValue)
            line += #","label":"# + JSONText.quoted(label)
            line += #","message":"# + JSONText.quoted(message)
            line += #","metadata":"# + JSONText.object(metadata)
            return line + "}\n"
        }
    }

    /// A text value as written on the line: as is, or as a JSON string when it would not read back as one field.
    static func field(_ text: String) -> String {
        let plain = !text.isEmpty && !text.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "\"" || scalar == "=" || Self.isControl(scalar)
        }
        return plain ? text : JSONText.quoted(text)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array, .dictionary: JSONText.value(value)
        }
    }
}
