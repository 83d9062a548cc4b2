import Logging

/// A swift-log handler that writes each event as one line on a sink, as text or as one JSON object
/// (``LogFormat``, `STICKY_LOG_FORMAT`). A line never breaks, whatever the message or metadata hold.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    public let format: LogFormat
    private let label: String
    private let sink: LogSink

    public init(
        label: String,
        format: LogFormat,
        sink: LogSink = .standardError,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.format = format
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let metadata = LogMetadata.merged(self.metadata, self.metadataProvider, event.metadata)
        self.sink.write(
            self.format.line(
                timestamp: LogTimestamp.now(),
                level: event.level,
                label: self.label,
                message: event.message.description,
                metadata: metadata
            )
        )
    }
}
