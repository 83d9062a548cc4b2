import NIOHTTP1

/// The order of requests and responses on one client connection, as a pure state machine that
/// ``ClientRequestSequencer`` drives: one request at a time goes on to the proxy; a pipelined one waits until the
/// response before it has ended.
///
/// Nothing is held here: what a pipelining client sent ahead stays unparsed in the ``ClientRequestParser``, and the
/// sequencer takes the next request from it only when ``mayPull`` says so. The socket stays registered for reading
/// (NIO's `HTTPServerPipelineHandler` stops reading while any response is outstanding, two `epoll_ctl` calls per
/// request); only once bytes of a waiting request are buffered do the client's reads wait, so what waits is bounded
/// by one read.
struct ClientRequestSequence {
    enum AfterResponse: Equatable {
        /// Close the connection once the end is written: it is quiescing and its last request is complete.
        case close
        /// Take the next request from the parser (``mayPull``), then issue a read if one was held back
        /// (``takeHeldRead(bytesWaiting:)``).
        case proceed
    }

    enum QuiesceAction: Equatable {
        case closeNow
        case closeAfterResponse
    }

    /// A request's head went on and its end has not yet.
    private(set) var requestOpen = false
    /// A request went on and its response's end has not been written yet.
    private(set) var responseOpen = false
    /// A final (or `101`) response head was written and its end not yet: an error can then only close.
    private(set) var responseStarted = false
    private(set) var quiescing = false
    /// The client half-closed its side and the proxy has not been told yet.
    private var inputClosedPending = false
    private var readHeld = false

    /// Whether the next event may be taken from the parser: the rest of the request in flight always; a new
    /// request only when no response is outstanding and the connection is not quiescing.
    var mayPull: Bool { self.requestOpen || (!self.responseOpen && !self.quiescing) }

    /// Quiescing, and both the last request and its response are complete: close.
    var isDone: Bool { self.quiescing && !self.requestOpen && !self.responseOpen }

    /// A request's head went on to the proxy.
    mutating func headDelivered() {
        self.requestOpen = true
        self.responseOpen = true
    }

    /// A request's end went on to the proxy.
    mutating func endDelivered() {
        self.requestOpen = false
    }

    /// The client half-closed its side.
    mutating func inputClosed() {
        self.inputClosedPending = true
    }

    /// Whether to tell the proxy about the half-close now. As NIO does: a client waiting for its response hears
    /// it after that response; one still sending its request at once.
    mutating func takeInputClosed() -> Bool {
        guard self.inputClosedPending, !(self.responseOpen && !self.requestOpen) else { return false }
        self.inputClosedPending = false
        return true
    }

    /// A `read` from further down the pipeline: whether to pass it on. It waits when bytes of a request that may
    /// not go on yet are buffered (`bytesWaiting`), and is remembered.
    mutating func passRead(bytesWaiting: Bool) -> Bool {
        if self.quiescing, !self.requestOpen { return false }
        if bytesWaiting, !self.mayPull {
            self.readHeld = true
            return false
        }
        return true
    }

    /// Whether a read held back by ``passRead(bytesWaiting:)`` should be issued now.
    mutating func takeHeldRead(bytesWaiting: Bool) -> Bool {
        guard self.readHeld, !(bytesWaiting && !self.mayPull), !(self.quiescing && !self.requestOpen) else {
            return false
        }
        self.readHeld = false
        return true
    }

    /// A response head is being written.
    mutating func responseHeadWritten(status: Int) {
        if status >= 200 || status == 101 {
            self.responseStarted = true
        }
    }

    /// A response's end is being written.
    mutating func responseEndWritten() -> AfterResponse {
        self.responseStarted = false
        self.responseOpen = false
        return self.quiescing && !self.requestOpen ? .close : .proceed
    }

    /// The proxy is shutting down: finish the request in flight, take no other.
    mutating func quiesce() -> QuiesceAction {
        self.quiescing = true
        return self.requestOpen || self.responseOpen ? .closeAfterResponse : .closeNow
    }

    /// The connection closed: forget the read held back.
    mutating func reset() {
        self.readHeld = false
        self.inputClosedPending = false
    }
}
