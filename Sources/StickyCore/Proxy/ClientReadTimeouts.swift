import NIOCore

/// When a client has taken too long to send a request: the head within `STICKY_CLIENT_HEAD_TIMEOUT` of its first
/// byte (a slowloris client sending a byte a second is cut off), and the body without a pause longer than
/// `STICKY_CLIENT_BODY_TIMEOUT` while the proxy is waiting for it.
///
/// A pure state machine: ``ClientTimeoutHandler`` feeds it what passes through the pipeline, with the time, and
/// schedules a check at the deadline it returns. The idle time between requests is not its business
/// (`STICKY_CLIENT_IDLE_TIMEOUT` is), nor is a body the proxy itself holds back because the backend is slow to take
/// it: only a read the proxy asked for and did not get counts against the body timeout.
struct ClientReadTimeouts {
    enum Kind: Sendable, Equatable {
        case head, body
    }

    enum Verdict: Equatable {
        /// Nothing is overdue; check again at the deadline, if any.
        case checkAgain(at: NIODeadline?)
        case timedOut(Kind)
    }

    private enum Phase: Equatable {
        /// No request has begun: bytes that arrive now start a head.
        case betweenRequests
        /// Bytes of a head arrived; the whole head is due by the deadline.
        case readingHead(due: NIODeadline)
        /// The head arrived; the body (if any) is being read until the request's end.
        case readingBody
    }

    let headTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private var phase = Phase.betweenRequests
    /// Since when the proxy has asked for more of the body without getting any.
    private var bodyWantedSince: NIODeadline?
    /// Whether the decoder produced a part since the last read completed.
    private var partsSinceLastRead = false

    init(headTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
    }

    /// The decoder produced `part`.
    mutating func received(_ part: HTTPPartKind) {
        self.partsSinceLastRead = true
        self.bodyWantedSince = nil
        switch part {
        case .head: self.phase = .readingBody
        case .body: break
        case .end: self.phase = .betweenRequests
        }
    }

    /// A read from the socket completed. Bytes that gave no part between requests are the start of a head
    /// (a part-less read in the middle of a body is a partial chunk line: progress all the same). Returns the
    /// deadline to check at, when one starts.
    mutating func readCompleted(at now: NIODeadline) -> NIODeadline? {
        defer { self.partsSinceLastRead = false }
        switch self.phase {
        case .betweenRequests where !self.partsSinceLastRead:
            let due = now + self.headTimeout
            self.phase = .readingHead(due: due)
            return due
        case .readingBody:
            self.bodyWantedSince = nil
            return nil
        case .betweenRequests, .readingHead:
            return nil
        }
    }

    /// The proxy asked the socket for more. Returns the deadline to check at, when one starts.
    mutating func readRequested(at now: NIODeadline) -> NIODeadline? {
        guard self.phase == .readingBody, self.bodyWantedSince == nil else { return nil }
        self.bodyWantedSince = now
        return now + self.bodyTimeout
    }

    /// Whether the client is overdue at `now`.
    func check(at now: NIODeadline) -> Verdict {
        switch self.phase {
        case .readingHead(let due):
            return now >= due ? .timedOut(.head) : .checkAgain(at: due)
        case .readingBody:
            guard let since = self.bodyWantedSince else { return .checkAgain(at: nil) }
            let due = since + self.bodyTimeout
            return now >= due ? .timedOut(.body) : .checkAgain(at: due)
        case .betweenRequests:
            return .checkAgain(at: nil)
        }
    }
}

/// Which part of a request the decoder produced, without its payload.
enum HTTPPartKind: Sendable {
    case head, body, end
}
