import NIOCore
import NIOHTTP1

// MARK: - What the request observer, the metrics and the drain need to know

extension ClientConnectionHandler {
    /// Tells the ``RequestObserver`` which backend and decision the response about to be written belongs to.
    func noteRouting(of exchange: ProxyExchange) {
        self.observer.routed(RequestObserver.Routed(backend: exchange.backend?.name, decision: exchange.decision))
    }

    /// Writes a part of a response to the client, and shows it to the ``RequestObserver``.
    func write(_ part: HTTPServerResponsePart, context: ChannelHandlerContext) {
        self.observer.responseWritten(part)
        context.write(ClientConnectionHandler.wrapOutboundOut(part), promise: nil)
    }

    /// Writes and flushes a part of a response to the client, and shows it to the ``RequestObserver``.
    func writeAndFlush(_ part: HTTPServerResponsePart, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        self.observer.responseWritten(part)
        return context.writeAndFlush(ClientConnectionHandler.wrapOutboundOut(part))
    }

    /// The client half-closed its side: it sends no more requests. Close now when idle, or after the response in
    /// flight; a half-closed connection would otherwise stay open (and counted) until the idle timeout.
    func clientInputClosed(context: ChannelHandlerContext) {
        guard let exchange = self.exchange else {
            context.close(promise: nil)
            return
        }
        exchange.clientKeepAlive = false
    }

    /// Counts a request sent again after `backend` failed it (a refused connect, a dead pooled connection).
    func countRetry(after backend: Backend) {
        self.runtime.metrics.backend(backend.name)?.retries.increment()
    }
}
