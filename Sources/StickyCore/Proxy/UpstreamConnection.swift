import NIOCore

/// What an upstream connection reports to the client-side exchange that has leased it.
///
/// Every call happens on the event loop that both connections share.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstream(_ connection: UpstreamConnection, received event: UpstreamResponseParser.Event)
    func upstreamReadComplete(_ connection: UpstreamConnection)
    func upstreamWritabilityChanged(_ connection: UpstreamConnection)
    /// The connection closed or failed; it is gone from the pool.
    func upstream(_ connection: UpstreamConnection, failed error: any Error)
}

/// One keep-alive connection to a backend, and the handler at the end of its pipeline.
///
/// Idle, it sits in its ``UpstreamPool``; leased, it sends the request's bytes, frames the response with an
/// ``UpstreamResponseParser``, relays it to its delegate, and pauses reading when the delegate asks (backpressure
/// towards a slow client). It is the only handler in the connection's pipeline besides the idle timer: no NIO
/// HTTP codec.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let backend: Backend
    private(set) var context: ChannelHandlerContext?
    weak var delegate: (any UpstreamConnectionDelegate)?
    /// Called once when the connection closes, so the pool can forget it.
    var onClose: ((UpstreamConnection) -> Void)?
    /// How many requests this connection has carried.
    var requestCount = 0
    private var reads = ReadGate()
    private var closed = false
    private var parser: UpstreamResponseParser
    /// Delivering parsed events; a delegate call that leads back here (re-entrantly) leaves them to the loop.
    private var delivering = false
    /// Whether bytes were written since the last flush. A flush with nothing to send still costs a pass down the
    /// pipeline and through the channel (about a thousand instructions), and a bodiless request was flushed three
    /// times: after its head, at its end and at the end of the client's read.
    private var unflushed = false

    init(backend: Backend, limits: HTTPLimits) {
        self.backend = backend
        self.parser = UpstreamResponseParser(
            maxHeadBytes: limits.maxResponseHeadBytes,
            maxFieldCount: limits.maxHeaderCount
        )
    }

    var channel: (any Channel)? { self.context?.channel }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }
    var isOpen: Bool { !self.closed && self.context != nil }
    /// Whether the connection can carry another request after the response that just ended: its framing allows
    /// it, and the backend sent nothing beyond it (bytes nobody asked for mean the connection is out of step).
    var isReusable: Bool { self.isOpen && self.parser.isReusable && !self.parser.hasBufferedBytes }
    var allocator: ByteBufferAllocator { self.context?.channel.allocator ?? ByteBufferAllocator() }

    // MARK: driving it

    /// Sends a request's head; the next response answers it (`isHEAD`: a response without a body).
    func writeRequestHead(_ bytes: ByteBuffer, isHEAD: Bool) {
        self.parser.expectResponse(isHEAD: isHEAD)
        self.write(bytes)
    }

    /// Sends bytes of the request's body (or its framing).
    func write(_ bytes: ByteBuffer) {
        self.unflushed = true
        self.context?.write(UpstreamConnection.wrapOutboundOut(bytes), promise: nil)
    }

    /// The bytes the backend sent beyond the response that switched protocols: the tunnel's first bytes.
    func takeBufferedBytes() -> ByteBuffer? {
        self.parser.takeBufferedBytes()
    }

    /// Sends what was written since the last flush, if anything was.
    func flush() {
        guard self.unflushed else { return }
        self.unflushed = false
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
        self.parser.append(UpstreamConnection.unwrapInboundIn(data))
        guard self.delegate != nil else {
            // A backend that talks while nobody asked: the connection is out of step, drop it.
            context.close(promise: nil)
            return
        }
        self.deliver()
    }

    /// Hands the delegate every event the buffered bytes make, until it lets go of the connection.
    private func deliver() {
        guard !self.delivering else { return }
        self.delivering = true
        defer { self.delivering = false }
        do {
            while let delegate = self.delegate, let event = try self.parser.next() {
                delegate.upstream(self, received: event)
            }
        } catch {
            self.fail(error)
        }
    }

    private func fail(_ error: any Error) {
        self.finish(error: error)
        self.context?.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete(self)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.delegate?.upstreamWritabilityChanged(self)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deliver()
        do {
            // A body that ends with the connection ends here.
            while let delegate = self.delegate, let event = try self.parser.endOfInput() {
                delegate.upstream(self, received: event)
            }
        } catch {
            self.finish(error: error)
        }
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
