import NIOCore
import NIOHTTP1

/// The order of requests and responses on one client connection, as a pure state machine that
/// ``ClientRequestSequencer`` drives: one request at a time goes on to the proxy; a pipelined one waits until the
/// response before it has ended.
///
/// It differs from NIO's `HTTPServerPipelineHandler` in when it holds the client's reads back: only once something
/// is actually waiting. NIO's stops reading for the whole time a response is outstanding, which costs the event loop
/// two `epoll_ctl` calls per request on every keep-alive connection, pipelined or not (a third of the proxy's system
/// calls). Here the socket stays registered for reading; a client that pipelines gets its next request held, and
/// from then on its reads wait, so what is held is bounded by one read.
struct ClientRequestSequence {
    /// What the decoder passed on: a part of a request, the client's half-close, or a decoding error.
    enum Event {
        case part(HTTPServerRequestPart)
        case inputClosed
        case error(any Error)
    }

    enum Delivery: Equatable {
        /// Pass it on now.
        case deliver
        /// Keep it until the response in flight has ended (``nextHeld()`` returns it then).
        case hold
        /// The connection is quiescing and takes no more requests.
        case drop
    }

    enum AfterResponse: Equatable {
        /// Close the connection once the end is written: it is quiescing and its last request is complete.
        case close
        /// Deliver what was held (``nextHeld()``), then issue a read if one was held back (``takeHeldRead()``).
        case proceed
    }

    enum QuiesceAction: Equatable {
        case closeNow
        case closeAfterResponse
    }

    /// A request's head went on and its `.end` has not yet.
    private(set) var requestOpen = false
    /// A request went on and its response's `.end` has not been written yet.
    private(set) var responseOpen = false
    /// A final (or `101`) response head was written and its `.end` not yet: an error can then only close.
    private(set) var responseStarted = false
    private(set) var quiescing = false
    private var held = CircularBuffer<Event>()
    private var readHeld = false

    var heldCount: Int { self.held.count }

    /// Quiescing, and both the last request and its response are complete: close.
    var isDone: Bool { self.quiescing && !self.requestOpen && !self.responseOpen }

    /// The decoder produced `event`.
    mutating func receive(_ event: Event) -> Delivery {
        if self.quiescing, !self.requestOpen {
            // Nothing after the last request counts any more; the connection closes after its response.
            return .drop
        }
        if !self.held.isEmpty || !self.mayDeliver(event) {
            self.held.append(event)
            return .hold
        }
        self.delivered(event)
        return .deliver
    }

    /// The next held event that may go on now, if any; the caller passes it on.
    mutating func nextHeld() -> Event? {
        guard let first = self.held.first, self.mayDeliver(first) else { return nil }
        self.held.removeFirst()
        self.delivered(first)
        return first
    }

    /// A `read` from further down the pipeline: whether to pass it on. One that is not passed on is remembered.
    mutating func passRead() -> Bool {
        if self.quiescing, !self.requestOpen { return false }
        if self.held.isEmpty { return true }
        self.readHeld = true
        return false
    }

    /// Whether a read held back by ``passRead()`` should be issued now.
    mutating func takeHeldRead() -> Bool {
        guard self.readHeld, self.held.isEmpty, !(self.quiescing && !self.requestOpen) else { return false }
        self.readHeld = false
        return true
    }

    /// A response head is being written.
    mutating func responseHeadWritten(status: HTTPResponseStatus) {
        if status.code >= 200 || status == .switchingProtocols {
            self.responseStarted = true
        }
    }

    /// A response's `.end` is being written.
    mutating func responseEndWritten() -> AfterResponse {
        self.responseStarted = false
        self.responseOpen = false
        if self.quiescing, !self.requestOpen {
            self.held.removeAll()
            return .close
        }
        return .proceed
    }

    /// The proxy is shutting down: finish the request in flight, take no other.
    mutating func quiesce() -> QuiesceAction {
        self.quiescing = true
        self.held.removeAll()
        return self.requestOpen || self.responseOpen ? .closeAfterResponse : .closeNow
    }

    /// The connection closed: forget what was held.
    mutating func reset() {
        self.held.removeAll()
        self.readHeld = false
    }

    private func mayDeliver(_ event: Event) -> Bool {
        switch event {
        case .part(.head):
            return !self.requestOpen && !self.responseOpen
        case .part(.body), .part(.end), .error:
            return true
        case .inputClosed:
            // As NIO does: the half-close of a client waiting for its response comes after that response.
            return !(self.responseOpen && !self.requestOpen)
        }
    }

    private mutating func delivered(_ event: Event) {
        switch event {
        case .part(.head):
            self.requestOpen = true
            self.responseOpen = true
        case .part(.end):
            self.requestOpen = false
        case .part(.body), .inputClosed, .error:
            break
        }
    }
}
