import Synchronization

/// The in-memory sessions of one demo backend, shared by all its connections.
///
/// Like express-session's `MemoryStore`: a session another instance issued is simply unknown here.
final class SessionStore: Sendable {
    /// What the backend remembers about one session.
    struct Session: Sendable {
        var visits: Int
        var expiresAtEpochSeconds: Int64
    }

    private struct State {
        var sessions: [String: Session] = [:]
        /// When the map grows past this, expired sessions are purged.
        var purgeThreshold = 10_000
    }

    private let state = Mutex(State())
    /// What `/healthz` answers.
    let health = HealthSwitch()

    init() {}

    /// Whether `id` names a live session.
    func contains(_ id: String, now: Int64) -> Bool {
        state.withLock { state in
            guard let session = state.sessions[id] else { return false }
            return session.expiresAtEpochSeconds > now
        }
    }

    /// Creates a session that lives until `expiresAt` and returns its new random ID (24 base64url characters).
    func create(expiresAt: Int64, now: Int64) -> String {
        let id = Self.randomID()
        state.withLock { state in
            state.sessions[id] = Session(visits: 0, expiresAtEpochSeconds: expiresAt)
            if state.sessions.count > state.purgeThreshold {
                state.sessions = state.sessions.filter { $0.value.expiresAtEpochSeconds > now }
                state.purgeThreshold = max(10_000, state.sessions.count * 2)
            }
        }
        return id
    }

    /// Counts a visit to live session `id` and returns the new count, or `nil` if the session is unknown or expired.
    func recordVisit(_ id: String, now: Int64) -> Int? {
        state.withLock { state in
            guard var session = state.sessions[id], session.expiresAtEpochSeconds > now else { return nil }
            session.visits += 1
            state.sessions[id] = session
            return session.visits
        }
    }

    /// Forgets session `id`.
    func destroy(_ id: String) {
        _ = state.withLock { state in
            state.sessions.removeValue(forKey: id)
        }
    }

    private static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<18).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64URL.encode(bytes)
    }
}
