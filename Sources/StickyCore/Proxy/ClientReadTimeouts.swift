import NIOCore

/// When a client has taken too long: to send a request's head (within `STICKY_CLIENT_HEAD_TIMEOUT` of its first
/// byte, so a slowloris client sending a byte a second is cut off), its body (no pause longer than
/// `STICKY_CLIENT_BODY_TIMEOUT` while the proxy is waiting for it), or its next request (a keep-alive connection idle
/// for `STICKY_CLIENT_IDLE_TIMEOUT` since it opened or since its last response ended).
///
/// A pure state machine: ``ClientRequestSequencer`` feeds it what passes through the pipeline, with the time, and
/// schedules a check at the deadline it returns. A body the proxy itself holds back because the backend is slow to
/// take it does not count: only a read the proxy asked for and did not get counts against the body timeout. Nor does
/// a backend that is slow to answer: a connection waiting for a response is not idle.
struct ClientReadTimeouts {
    enum Kind: Sendable, Equatable {
        case head, body, idle
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
    let idleTimeout: TimeAmount
    private var phase = Phase.betweenRequests
    /// Since when the proxy has asked for more of the body without getting any.
    private var bodyWantedSince: NIODeadline?
    /// Whether the decoder produced a part since the last read completed.
    private var partsSinceLastRead = false
    /// Requests whose response has not ended yet.
    private var awaitingResponse = 0
    /// Since when the connection has been idle: no request arriving and none waiting for its response.
    private var idleSince: NIODeadline?
    /// A request ended after its response (an early answer): idle from the end of this read on.
    private var idleFromThisRead = false

    init(headTimeout: TimeAmount, bodyTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
    }

    /// The connection opened: idle until its first bytes. Returns the deadline to check at.
    mutating func opened(at now: NIODeadline) -> NIODeadline? {
        self.idleSince = now
        return now + self.idleTimeout
    }

    /// The decoder produced `part`.
    mutating func received(_ part: HTTPPartKind) {
        self.partsSinceLastRead = true
        self.bodyWantedSince = nil
        switch part {
        case .head:
            self.phase = .readingBody
            self.awaitingResponse += 1
            self.idleSince = nil
        case .body:
            break
        case .end:
            self.phase = .betweenRequests
            self.idleFromThisRead = self.awaitingResponse == 0
        }
    }

    /// A response's end was written. Returns the deadline to check at, when the connection is idle from now on.
    mutating func responseEnded(at now: NIODeadline) -> NIODeadline? {
        self.awaitingResponse = max(0, self.awaitingResponse - 1)
        guard self.awaitingResponse == 0, self.phase == .betweenRequests else { return nil }
        self.idleSince = now
        return now + self.idleTimeout
    }

    /// A read from the socket completed. Bytes that gave no part between requests are the start of a head
    /// (a part-less read in the middle of a body is a partial chunk line: progress all the same). Returns the
    /// deadline to check at, when one starts.
    mutating func readCompleted(at now: NIODeadline) -> NIODeadline? {
        defer {
            self.partsSinceLastRead = false
            self.idleFromThisRead = false
        }
        switch self.phase {
        case .betweenRequests where !self.partsSinceLastRead:
            let due = now + self.headTimeout
            self.phase = .readingHead(due: due)
            self.idleSince = nil
            return due
        case .betweenRequests where self.idleFromThisRead && self.awaitingResponse == 0:
            self.idleSince = now
            return now + self.idleTimeout
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
            guard let since = self.idleSince else { return .checkAgain(at: nil) }
            let due = since + self.idleTimeout
            return now >= due ? .timedOut(.idle) : .checkAgain(at: due)
        }
    }
}

/// Which part of a request the decoder produced, without its payload.
enum HTTPPartKind: Sendable {
    case head, body, end
}
