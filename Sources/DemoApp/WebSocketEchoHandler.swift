import NIOCore
import NIOWebSocket

/// Echoes WebSocket text, binary and continuation frames as they come, answers pings, and answers a close with a
/// close carrying the same status code before closing the connection.
///
/// Reads only while the channel is writable, so a client that sends faster than it reads is slowed down rather than
/// buffered.
final class WebSocketEchoHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var pendingRead = false
    private var closeSent = false

    init() {}
}

extension WebSocketEchoHandler {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = WebSocketEchoHandler.unwrapInboundIn(data)
        guard !self.closeSent else { return }
        switch frame.opcode {
        case .text, .binary, .continuation:
            let echo = WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)
            context.write(WebSocketEchoHandler.wrapOutboundOut(echo), promise: nil)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.write(WebSocketEchoHandler.wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readSlice(length: 2) ?? context.channel.allocator.buffer(capacity: 0)
            self.sendCloseAndClose(context: context, payload: code)
        default:
            var payload = context.channel.allocator.buffer(capacity: 2)
            payload.write(webSocketErrorCode: .protocolError)
            self.sendCloseAndClose(context: context, payload: payload)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, self.pendingRead {
            self.pendingRead = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            self.pendingRead = true
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func sendCloseAndClose(context: ChannelHandlerContext, payload: ByteBuffer) {
        self.closeSent = true
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        context.writeAndFlush(WebSocketEchoHandler.wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension WebSocketEchoHandler: Sendable {}
