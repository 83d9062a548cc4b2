import NIOCore

// MARK: - What the request observer, the metrics and the drain need to know

extension ClientConnectionHandler {
    /// Tells the ``RequestObserver`` which backend and decision the response about to be written belongs to.
    func noteRouting(of exchange: ProxyExchange) {
        self.observer.routed(RequestObserver.Routed(backend: exchange.backend?.name, decision: exchange.decision))
    }

    /// Writes a response head to the client (`status`: final, or an interim 1xx), and shows it to the
    /// ``RequestObserver``.
    func writeResponseHead(_ bytes: ByteBuffer, status: Int) {
        self.observer.responseHead(status: status)
        self.sequencer.writeResponseHead(bytes, status: status)
    }

    /// Writes body bytes of a response to the client, framed as `framing` says, and shows them to the
    /// ``RequestObserver``.
    func writeResponseBody(_ bytes: ByteBuffer, framing: ClientResponseHead.BodyFraming) {
        self.observer.responseBody(count: bytes.readableBytes)
        switch framing {
        case .none:
            break
        case .asIs:
            self.sequencer.writeResponseBody(bytes)
        case .chunked:
            let allocator = self.context?.channel.allocator ?? ByteBufferAllocator()
            HTTPHeadWriter.writeChunk(bytes, allocator: allocator) { self.sequencer.writeResponseBody($0) }
        }
    }

    /// Writes the end of a response to the client (`last`: its last bytes, if any) and flushes, and shows it to
    /// the ``RequestObserver``.
    func writeResponseEnd(_ last: ByteBuffer?, keepAlive: Bool) {
        self.observer.responseEnded()
        self.sequencer.writeResponseEnd(last, keepAlive: keepAlive)
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
