import Logging
import NIOCore
import NIOHTTP1

/// The HTTP/1 discipline of a client connection, right behind the request decoder: one request at a time
/// (``ClientRequestSequence``), the client's timeouts (``ClientReadTimeouts``), and the answer to a request the
/// decoder refused.
///
/// - A pipelined request waits until the response before it has ended; only then do the client's reads wait too.
/// - A client too slow with a head or a body gets 408 and a closed connection, or only the close when a response
///   has already begun; one idle for `STICKY_CLIENT_IDLE_TIMEOUT` is closed.
/// - A malformed request gets 431 when its head went past `STICKY_MAX_HEADER_BYTES` or `STICKY_MAX_HEADER_COUNT`
///   while it was read, 400 for anything else (ambiguous framing, an invalid chunk size, a bare CR, obs-fold…), or
///   only the close when a response has already begun. Nothing of it is forwarded: the decoder stops at the error,
///   and the ``ClientConnectionHandler`` closes the connection after it.
/// - `ChannelShouldQuiesceEvent` closes an idle connection at once and a busy one after its request.
///
/// It takes the place of NIO's `HTTPServerPipelineHandler`, `HTTPServerProtocolErrorHandler` and `IdleStateHandler`
/// in one handler: each handler a request passes costs every part a dynamic cast (callgrind:
/// `scripts/bench/profile.sh`).
///
/// It is also where responses leave: there is no NIO response encoder. The ``ClientConnectionHandler`` hands it
/// each response's bytes through ``writeResponseHead(_:status:)``, ``writeResponseBody(_:)`` and
/// ``writeResponseEnd(_:keepAlive:)``, which is how it knows when a response starts and ends. Its own answers
/// go out the same way, outside the sequence.
final class ClientRequestSequencer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var sequence = ClientRequestSequence()
    /// Delivering held events; a response ending meanwhile (re-entrantly) leaves the delivery to the loop running.
    private var releasing = false
    var timeouts: ClientReadTimeouts
    let logger: Logger
    var check: Scheduled<Void>?
    var checkDue: NIODeadline?
    var timedOut = false
    private var context: ChannelHandlerContext?

    init(timeouts: ClientReadTimeouts, logger: Logger) {
        self.timeouts = timeouts
        self.logger = logger
    }

    /// Whether a final response head was written and its end not yet.
    var responseStarted: Bool { self.sequence.responseStarted }

    /// The status for a decoder error.
    static func status(for error: HTTPParserError) -> HTTPResponseStatus {
        error == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
    }

    private func pass(_ event: ClientRequestSequence.Event, context: ChannelHandlerContext) {
        switch event {
        case .part(let part):
            context.fireChannelRead(ClientRequestSequencer.wrapInboundOut(part))
            if case .end = part, self.sequence.isDone {
                context.close(promise: nil)
            }
        case .inputClosed:
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        case .error(let error):
            self.answer(error, context: context)
        }
    }

    private func answer(_ error: any Error, context: ChannelHandlerContext) {
        if let error = error as? HTTPParserError, !self.sequence.responseStarted {
            let answer = ProxyAnswer.bytes(Self.status(for: error), keepAlive: false,
                allocator: context.channel.allocator)
            context.writeAndFlush(ClientRequestSequencer.wrapOutboundOut(answer), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    /// The response in flight ended: pass on what was held, as far as the sequence allows, then the held read.
    private func releaseHeld(context: ChannelHandlerContext) {
        guard !self.releasing else { return }
        self.releasing = true
        defer { self.releasing = false }
        var delivered = false
        while let event = self.sequence.nextHeld() {
            if case .part = event { delivered = true }
            self.pass(event, context: context)
        }
        if delivered {
            context.fireChannelReadComplete()
        }
        if self.sequence.takeHeldRead() {
            context.read()
        }
    }
}

// MARK: - Responses

extension ClientRequestSequencer {
    /// Writes a response head (`status`: a final one, or an interim 1xx).
    func writeResponseHead(_ bytes: ByteBuffer, status: Int) {
        self.sequence.responseHeadWritten(status: HTTPResponseStatus(statusCode: status))
        self.context?.write(ClientRequestSequencer.wrapOutboundOut(bytes), promise: nil)
    }

    /// Writes bytes of a response's body.
    func writeResponseBody(_ bytes: ByteBuffer) {
        self.context?.write(ClientRequestSequencer.wrapOutboundOut(bytes), promise: nil)
    }

    /// Writes the last bytes of a response (its last chunk, if any) and flushes. Then the connection closes
    /// (`keepAlive` false, or the proxy is draining), or the next request it holds goes on.
    func writeResponseEnd(_ last: ByteBuffer?, keepAlive: Bool) {
        guard let context else { return }
        self.scheduleCheck(at: self.timeouts.responseEnded(at: .now()), context: context)
        let after = self.sequence.responseEndWritten()
        guard keepAlive, after == .proceed else {
            let channel = context.channel
            let bytes = last ?? channel.allocator.buffer(capacity: 0)
            context.writeAndFlush(ClientRequestSequencer.wrapOutboundOut(bytes)).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        if let last {
            context.write(ClientRequestSequencer.wrapOutboundOut(last), promise: nil)
        }
        context.flush()
        self.releaseHeld(context: context)
    }
}

// MARK: - ChannelHandler

extension ClientRequestSequencer {
    func channelActive(context: ChannelHandlerContext) {
        self.scheduleCheck(at: self.timeouts.opened(at: .now()), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.timedOut else { return }
        let part = ClientRequestSequencer.unwrapInboundIn(data)
        switch part {
        case .head: self.timeouts.received(.head)
        case .body: self.timeouts.received(.body)
        case .end: self.timeouts.received(.end)
        }
        guard self.sequence.receive(.part(part)) == .deliver else { return }
        context.fireChannelRead(data)
        if case .end = part, self.sequence.isDone {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard self.sequence.receive(.error(error)) == .deliver else { return }
        self.answer(error, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            if self.sequence.quiesce() == .closeNow {
                context.close(promise: nil)
            }
            return
        }
        if case ChannelEvent.inputClosed = event {
            if self.sequence.receive(.inputClosed) == .deliver {
                context.fireUserInboundEventTriggered(event)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.scheduleCheck(at: self.timeouts.readCompleted(at: .now()), context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.sequence.reset()
        self.cancelCheck()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if self.sequence.passRead() {
            self.scheduleCheck(at: self.timeouts.readRequested(at: .now()), context: context)
            context.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Removed for a tunnel (after a 101 nothing can be held: the decoder stops at an upgrade), which has no
        // timeouts. A read held back still has to happen.
        self.cancelCheck()
        if self.sequence.takeHeldRead() {
            context.read()
        }
    }
}

@available(*, unavailable)
extension ClientRequestSequencer: Sendable {}
