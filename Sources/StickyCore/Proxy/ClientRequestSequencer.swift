import NIOCore
import NIOHTTP1

/// Keeps a client connection to one request at a time (``ClientRequestSequence``) and answers a request the HTTP
/// decoder refused: 431 when the head went past `STICKY_MAX_HEADER_BYTES` or `STICKY_MAX_HEADER_COUNT` while it was
/// read, 400 for anything else malformed (ambiguous framing, an invalid chunk size, a bare CR, obs-fold…), or only
/// the close when a response has already begun.
///
/// It takes the place of NIO's `HTTPServerPipelineHandler` and `HTTPServerProtocolErrorHandler`, and like them it
/// closes an idle connection on `ChannelShouldQuiesceEvent` and lets a busy one finish its request first. Nothing of
/// a refused request is forwarded: the decoder stops at the error, and the ``ClientConnectionHandler`` closes the
/// connection after it.
final class ClientRequestSequencer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var sequence = ClientRequestSequence()
    /// Delivering held events; a response ending meanwhile (re-entrantly) leaves the delivery to the loop running.
    private var releasing = false

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
            let answer = ProxyAnswer.parts(
                Self.status(for: error),
                keepAlive: false,
                allocator: context.channel.allocator
            )
            context.write(ClientRequestSequencer.wrapOutboundOut(.head(answer.head)), promise: nil)
            context.write(ClientRequestSequencer.wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
            context.writeAndFlush(ClientRequestSequencer.wrapOutboundOut(.end(nil)), promise: nil)
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

// MARK: - ChannelHandler

extension ClientRequestSequencer {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = ClientRequestSequencer.unwrapInboundIn(data)
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

    func channelInactive(context: ChannelHandlerContext) {
        self.sequence.reset()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if self.sequence.passRead() {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch ClientRequestSequencer.unwrapOutboundIn(data) {
        case .head(let head):
            self.sequence.responseHeadWritten(status: head.status)
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            switch self.sequence.responseEndWritten() {
            case .close:
                let channel = context.channel
                let written = context.writeAndFlush(data)
                written.whenComplete { _ in channel.close(promise: nil) }
                written.cascade(to: promise)
            case .proceed:
                context.write(data, promise: promise)
                self.releaseHeld(context: context)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed for a tunnel (after a 101 nothing can be held: the decoder stops at an upgrade). A read held
        // back still has to happen.
        if self.sequence.takeHeldRead() {
            context.read()
        }
    }
}

@available(*, unavailable)
extension ClientRequestSequencer: Sendable {}
