import Logging

/// A swift-log handler that writes each event as one JSON object on one line:
/// `{"timestamp":"2025-01-31T12:00:00.123Z","level":"info","label":"sticky-proxy","message":"…","metadata":{…}}`.
///
/// For log collectors that parse lines; `metadata` is an object whose keys are the dotted keys as logged.
public struct JSONLogHandler: LogHandler {
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
        var line = #"{"timestamp":"# + JSONText.quoted(LogTimestamp.now())
        line += #","level":"# + JSONText.quoted(event.level.rawValue)
        line += #","label":"# + JSONText.quoted(self.label)
        line += #","message":"# + JSONText.quoted(event.message.description)
        line += #","metadata":"# + JSONText.object(metadata)
        line += "}\n"
        self.sink.write(line)
    }
}
