import Logging
import NIOCore
import NIOHTTP1

/// Cuts off a client that is too slow sending a request (see ``ClientReadTimeouts``): 408 and a closed connection,
/// or only the close when a response has already begun.
///
/// It sits right behind the request decoder, ahead of ``ClientRequestSequencer``, so that it sees every part as
/// soon as it is decoded (even a pipelined one the sequencer holds back) and writes its 408 straight to the
/// encoder, outside the request/response sequence of a request whose head never came.
final class ClientTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var timeouts: ClientReadTimeouts
    private let logger: Logger
    private var check: Scheduled<Void>?
    private var checkDue: NIODeadline?
    /// A response has begun and not ended.
    private var responseInProgress = false
    private var timedOut = false

    init(headTimeout: TimeAmount, bodyTimeout: TimeAmount, logger: Logger) {
        self.timeouts = ClientReadTimeouts(headTimeout: headTimeout, bodyTimeout: bodyTimeout)
        self.logger = logger
    }

    /// Makes sure a check runs at `due` (or earlier).
    private func scheduleCheck(at due: NIODeadline?, context: ChannelHandlerContext) {
        guard let due else { return }
        if let checkDue, checkDue <= due { return }
        self.check?.cancel()
        self.checkDue = due
        self.check = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            self.check = nil
            self.checkDue = nil
            self.runCheck(context: context)
        }
    }

    private func runCheck(context: ChannelHandlerContext) {
        switch self.timeouts.check(at: .now()) {
        case .checkAgain(let due):
            self.scheduleCheck(at: due, context: context)
        case .timedOut(let kind):
            self.timeOut(kind, context: context)
        }
    }

    private func timeOut(_ kind: ClientReadTimeouts.Kind, context: ChannelHandlerContext) {
        guard !self.timedOut else { return }
        self.timedOut = true
        self.logger.debug(
            "client too slow: closing",
            metadata: ["timeout": "\(kind == .head ? "head" : "body")", "response.started": "\(self.responseInProgress)"]
        )
        guard !self.responseInProgress else {
            context.close(promise: nil)
            return
        }
        let answer = ProxyAnswer.parts(.requestTimeout, keepAlive: false, allocator: context.channel.allocator)
        context.write(ClientTimeoutHandler.wrapOutboundOut(.head(answer.head)), promise: nil)
        context.write(ClientTimeoutHandler.wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(ClientTimeoutHandler.wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension ClientTimeoutHandler {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.timedOut else { return }
        switch ClientTimeoutHandler.unwrapInboundIn(data) {
        case .head: self.timeouts.received(.head)
        case .body: self.timeouts.received(.body)
        case .end: self.timeouts.received(.end)
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.scheduleCheck(at: self.timeouts.readCompleted(at: .now()), context: context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        self.scheduleCheck(at: self.timeouts.readRequested(at: .now()), context: context)
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch ClientTimeoutHandler.unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: self.responseInProgress = true
        case .end: self.responseInProgress = false
        case .head, .body: break
        }
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.check?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.check?.cancel()
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension ClientTimeoutHandler: Sendable {}
