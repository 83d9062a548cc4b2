import NIOCore
import NIOHTTP1

/// Answers a request the HTTP decoder refused, then lets the connection close: 431 when the head went past
/// `STICKY_MAX_HEADER_BYTES` or `STICKY_MAX_HEADER_COUNT` while it was read, 400 for anything else malformed
/// (ambiguous framing, an invalid chunk size, a bare CR, obs-fold, a space before a colon…).
///
/// NIO's `HTTPServerProtocolErrorHandler` with one difference: its answer is always 400. Nothing of a refused
/// request is forwarded: the decoder stops at the error, and `ByteToMessageHandler` closes the connection after it.
final class ClientProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A response has begun and not ended: an error then can only close the connection.
    private var responseInProgress = false

    /// The status for a decoder error.
    static func status(for error: HTTPParserError) -> HTTPResponseStatus {
        error == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
    }
}

extension ClientProtocolErrorHandler {
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !self.responseInProgress {
            let answer = ProxyAnswer.parts(
                Self.status(for: error),
                keepAlive: false,
                allocator: context.channel.allocator
            )
            context.write(ClientProtocolErrorHandler.wrapOutboundOut(.head(answer.head)), promise: nil)
            context.write(ClientProtocolErrorHandler.wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
            context.writeAndFlush(ClientProtocolErrorHandler.wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch ClientProtocolErrorHandler.unwrapOutboundIn(data) {
        case .head(let head) where head.status.code < 200:
            break
        case .head:
            self.responseInProgress = true
        case .body:
            break
        case .end:
            self.responseInProgress = false
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension ClientProtocolErrorHandler: Sendable {}
