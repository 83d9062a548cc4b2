import NIOCore
import NIOHTTP1

/// What an upstream connection reports to the client-side exchange that has leased it.
///
/// Every call happens on the event loop that both connections share.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstream(_ connection: UpstreamConnection, received part: HTTPClientResponsePart)
    func upstreamReadComplete(_ connection: UpstreamConnection)
    func upstreamWritabilityChanged(_ connection: UpstreamConnection)
    /// The connection closed or failed; it is gone from the pool.
    func upstream(_ connection: UpstreamConnection, failed error: any Error)
}

/// One keep-alive connection to a backend, and the handler at the end of its pipeline.
///
/// Idle, it sits in its ``UpstreamPool``; leased, it relays the response to its delegate and pauses reading
/// when the delegate asks (backpressure towards a slow client).
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let backend: Backend
    private(set) var context: ChannelHandlerContext?
    weak var delegate: (any UpstreamConnectionDelegate)?
    /// Called once when the connection closes, so the pool can forget it.
    var onClose: ((UpstreamConnection) -> Void)?
    /// How many requests this connection has carried.
    var requestCount = 0
    private var reads = ReadGate()
    private var closed = false

    init(backend: Backend) {
        self.backend = backend
    }

    var channel: (any Channel)? { self.context?.channel }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }
    var isOpen: Bool { !self.closed && self.context != nil }

    // MARK: driving it

    func write(_ part: HTTPClientRequestPart, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(UpstreamConnection.wrapOutboundOut(part), promise: promise)
    }

    func flush() {
        self.context?.flush()
    }

    /// Stops or resumes reading from the backend.
    func setReadsPaused(_ paused: Bool) {
        self.reads.setClosed(paused, context: self.context)
    }

    func close() {
        guard !self.closed else { return }
        self.context?.close(promise: nil)
    }

    // MARK: ChannelHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = UpstreamConnection.unwrapInboundIn(data)
        if let delegate {
            delegate.upstream(self, received: part)
        } else {
            // A backend that talks while nobody asked: the connection is out of step, drop it.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete(self)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.delegate?.upstreamWritabilityChanged(self)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(error: ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.finish(error: error)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, self.delegate == nil {
            // Idle in the pool for the whole idle timeout.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        self.reads.read(context)
    }

    private func finish(error: any Error) {
        guard !self.closed else { return }
        self.closed = true
        let delegate = self.delegate
        self.delegate = nil
        self.onClose?(self)
        self.onClose = nil
        delegate?.upstream(self, failed: error)
    }
}

@available(*, unavailable)
extension UpstreamConnection: Sendable {}
