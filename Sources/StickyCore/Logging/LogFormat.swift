/// How log lines are written (`STICKY_LOG_FORMAT`).
public enum LogFormat: String, Hashable, Sendable, CaseIterable {
    /// `2025-01-31T12:00:00.123Z info sticky-proxy: proxy listening listen.address=0.0.0.0:8080`
    case text
    /// One JSON object per line: `timestamp`, `level`, `label`, `message`, `metadata`.
    case json
}
