import Logging
import NIOCore
import NIOHTTP1

/// The first handler of a client connection: frames the client's bytes into requests (``ClientRequestParser``),
/// keeps the HTTP/1 discipline of the connection (``ClientRequestSequence``), runs the client's timeouts
/// (``ClientReadTimeouts``), and answers a request the parser refused.
///
/// - It hands each request's head, body and end straight to the ``ClientConnectionHandler`` behind it, by method
///   call: no pipeline message, no dynamic cast.
/// - A pipelined request stays in the parser until the response before it has ended; only then do the client's
///   reads wait too.
/// - A client too slow with a head or a body gets 408 and a closed connection, or only the close when a response
///   has already begun; one idle for `STICKY_CLIENT_IDLE_TIMEOUT` is closed.
/// - A malformed request gets 400, 414 or 431 (``ClientRequestParser/Failure/status``) and a closed connection, or
///   only the close when a response has already begun. Nothing of it is forwarded.
/// - `ChannelShouldQuiesceEvent` closes an idle connection at once and a busy one after its request.
///
/// It is also where responses leave: the ``ClientConnectionHandler`` hands it each response's bytes through
/// ``writeResponseHead(_:status:)``, ``writeResponseBody(_:)`` and ``writeResponseEnd(_:keepAlive:)``, which is how
/// it knows when a response starts and ends. Its own answers go out the same way, outside the sequence.
final class ClientRequestSequencer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser: ClientRequestParser
    private var sequence = ClientRequestSequence()
    /// Where requests go; let go when the handler is removed (it holds this sequencer too).
    var proxy: ClientConnectionHandler?
    /// Taking events from the parser; a response ending meanwhile (re-entrantly) leaves them to the loop running.
    private var pulling = false
    /// The client half-closed its side.
    private var inputEnded = false
    /// A read completed while the request it brought had to wait: the timeouts hear of it once it may go on.
    private var readCompletedWhileWaiting = false
    var timeouts: ClientReadTimeouts
    let logger: Logger
    var check: Scheduled<Void>?
    var checkDue: NIODeadline?
    var timedOut = false
    private var context: ChannelHandlerContext?

    init(limits: HTTPLimits, timeouts: ClientReadTimeouts, logger: Logger) {
        self.parser = ClientRequestParser(
            maxTargetBytes: limits.maxRequestLineBytes,
            maxFieldBytes: limits.maxHeaderBytes,
            maxFieldCount: limits.maxHeaderCount
        )
        self.timeouts = timeouts
        self.logger = logger
    }

    /// Whether a final response head was written and its end not yet.
    var responseStarted: Bool { self.sequence.responseStarted }

    /// The bytes the client sent beyond an upgrade request: the tunnel's first bytes.
    func takeBufferedBytes() -> ByteBuffer? {
        self.parser.takeBufferedBytes()
    }

    /// Hands the proxy every event the parser has that may go on now, then the client's half-close if it is due.
    private func pull(context: ChannelHandlerContext) {
        guard !self.pulling else { return }
        self.pulling = true
        defer { self.pulling = false }
        do {
            while self.sequence.mayPull, !self.timedOut, let proxy, let event = try self.parser.next() {
                switch event {
                case .head(let head):
                    self.timeouts.received(.head)
                    self.sequence.headDelivered()
                    proxy.requestHead(head, context: context)
                case .body(let bytes):
                    self.timeouts.received(.body)
                    proxy.requestBody(bytes)
                case .end(let trailers):
                    self.timeouts.received(.end)
                    self.sequence.endDelivered()
                    proxy.requestEnd(trailers: trailers)
                    if self.sequence.isDone {
                        context.close(promise: nil)
                        return
                    }
                }
            }
            if self.inputEnded, self.sequence.mayPull {
                _ = try self.parser.endOfInput()
            }
        } catch {
            self.refuse(error, context: context)
            return
        }
        if self.inputEnded, self.sequence.takeInputClosed() {
            self.proxy?.clientInputClosed(context: context)
        }
    }

    /// The parser refused the request: answer it unless a response has begun, and close.
    private func refuse(_ failure: ClientRequestParser.Failure, context: ChannelHandlerContext) {
        self.logger.debug("malformed request", metadata: ["error": "\(failure)"])
        self.proxy?.requestRefused()
        let channel = context.channel
        guard !self.sequence.responseStarted else {
            context.close(promise: nil)
            return
        }
        let answer = ProxyAnswer.bytes(failure.status, keepAlive: false, allocator: channel.allocator)
        context.writeAndFlush(ClientRequestSequencer.wrapOutboundOut(answer)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// A response ended and the connection stays: the next request goes on, then the read held back.
    private func proceed(context: ChannelHandlerContext) {
        self.pull(context: context)
        if self.readCompletedWhileWaiting, self.sequence.mayPull {
            self.readCompletedWhileWaiting = false
            self.scheduleCheck(at: self.timeouts.readCompleted(at: .now()), context: context)
        }
        if self.sequence.takeHeldRead(bytesWaiting: self.parser.hasBufferedBytes) {
            context.read()
        }
    }
}

// MARK: - Responses

extension ClientRequestSequencer {
    /// Writes a response head (`status`: a final one, or an interim 1xx).
    func writeResponseHead(_ bytes: ByteBuffer, status: Int) {
        self.sequence.responseHeadWritten(status: status)
        self.context?.write(ClientRequestSequencer.wrapOutboundOut(bytes), promise: nil)
    }

    /// Writes bytes of a response's body.
    func writeResponseBody(_ bytes: ByteBuffer) {
        self.context?.write(ClientRequestSequencer.wrapOutboundOut(bytes), promise: nil)
    }

    /// Writes the last bytes of a response (its last chunk, if any) and flushes. Then the connection closes
    /// (`keepAlive` false, or the proxy is draining), or the next request goes on.
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
        self.proceed(context: context)
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
        self.parser.append(ClientRequestSequencer.unwrapInboundIn(data))
        self.pull(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            if self.sequence.quiesce() == .closeNow {
                context.close(promise: nil)
            }
            return
        }
        if case ChannelEvent.inputClosed = event {
            self.inputEnded = true
            self.sequence.inputClosed()
            self.pull(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.sequence.mayPull {
            self.scheduleCheck(at: self.timeouts.readCompleted(at: .now()), context: context)
        } else {
            self.readCompletedWhileWaiting = true
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.sequence.reset()
        self.cancelCheck()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if self.sequence.passRead(bytesWaiting: self.parser.hasBufferedBytes) {
            self.scheduleCheck(at: self.timeouts.readRequested(at: .now()), context: context)
            context.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.proxy = nil
        // Removed for a tunnel (after a 101 nothing waits: the parser stops at an upgrade request), which has no
        // timeouts. A read held back still has to happen.
        self.cancelCheck()
        if self.sequence.takeHeldRead(bytesWaiting: false) {
            context.read()
        }
    }
}

@available(*, unavailable)
extension ClientRequestSequencer: Sendable {}
