import Logging

/// How the handlers combine metadata: the logger's own, then its provider's, then the event's, later ones winning.
enum LogMetadata {
    static func merged(
        _ handler: Logger.Metadata,
        _ provider: Logger.MetadataProvider?,
        _ event: Logger.Metadata?
    ) -> Logger.Metadata {
        var metadata = handler
        if let provided = provider?.get(), !provided.isEmpty {
            metadata.merge(provided) { _, new in new }
        }
        if let event, !event.isEmpty {
            metadata.merge(event) { _, new in new }
        }
        return metadata
    }
}
