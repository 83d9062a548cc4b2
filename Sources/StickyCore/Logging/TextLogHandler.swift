import Logging

/// A swift-log handler that writes each event as one line of text:
/// `2025-01-31T12:00:00.123Z info sticky-proxy: proxy listening listen.address=0.0.0.0:8080`.
///
/// Metadata follows the message as `key=value`, keys sorted; a value with a space, a quote, `=` or a control
/// character is written as a JSON string, so a line never breaks and always splits back into its fields.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let sink: LogSink

    public init(label: String, sink: LogSink = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let metadata = LogMetadata.merged(self.metadata, self.metadataProvider, event.metadata)
        var line = LogTimestamp.now() + " " + event.level.rawValue + " " + self.label + ": "
        let message = event.message.description
        line += message.unicodeScalars.contains(where: Self.isControl) ? JSONText.quoted(message) : message
        for key in metadata.keys.sorted() {
            line += " " + key + "=" + Self.field(Self.text(metadata[key]!))
        }
        line += "\n"
        self.sink.write(line)
    }

    /// A value as written on the line: as is, or as a JSON string when it would not read back as one field.
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
