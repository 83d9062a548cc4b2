import NIOCore
import NIOHTTP1

// MARK: - Upgrade: after a 101, bytes flow both ways untouched

extension ClientConnectionHandler {
    /// Turns both connections into a tunnel pinned to the exchange's backend, once the 101 went to the client.
    func startTunnel(_ exchange: ProxyExchange) {
        guard let context, let upstream = exchange.upstream, let upstreamChannel = upstream.channel else { return }
        exchange.responsePhase = .done
        self.stopTimeoutCheck()
        exchange.stopCounting()
        self.exchange = nil
        self.finished = true
        upstream.delegate = nil
        upstream.onClose?(upstream)  // it leaves its pool: the tunnel owns it now
        upstream.onClose = nil
        context.flush()

        let clientChannel = context.channel
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        do {
            // The glue goes last on each side. Then everything HTTP comes out: first every handler that would see
            // the other side's bytes as an HTTP message, and the decoders last of all, so that the bytes they hold
            // beyond the handshake are forwarded into the glue, and from there into a pipeline of bytes only.
            let client = context.pipeline.syncOperations
            let upstreamPipeline = upstreamChannel.pipeline.syncOperations
            try client.addHandler(clientGlue)
            try upstreamPipeline.addHandler(upstreamGlue)
            _ = upstreamPipeline.removeHandler(upstream)
            _ = client.removeHandler(context: context)
            Self.removeHTTPHandlers(fromClient: client)
            Self.removeHTTPHandlers(fromUpstream: upstreamPipeline)
            Self.remove(ByteToMessageHandler<HTTPResponseDecoder>.self, from: upstreamPipeline)
            Self.remove(ByteToMessageHandler<HTTPRequestDecoder>.self, from: client)
        } catch {
            self.logger.warning("could not set up the tunnel", metadata: ["error": "\(error)"])
            clientChannel.close(promise: nil)
            upstreamChannel.close(promise: nil)
        }
    }

    /// The client side's HTTP handlers, all but the decoder.
    private static func removeHTTPHandlers(fromClient pipeline: ChannelPipeline.SynchronousOperations) {
        Self.remove(ClientRequestSequencer.self, from: pipeline)
        Self.remove(HTTPServerUpgradeHandler.self, from: pipeline)
        Self.remove(HTTPResponseEncoder.self, from: pipeline)
    }

    /// The backend side's HTTP handlers, all but the decoder.
    private static func removeHTTPHandlers(fromUpstream pipeline: ChannelPipeline.SynchronousOperations) {
        Self.remove(IdleStateHandler.self, from: pipeline)
        Self.remove(HTTPRequestEncoder.self, from: pipeline)
    }

    private static func remove<Handler: RemovableChannelHandler>(
        _ type: Handler.Type,
        from pipeline: ChannelPipeline.SynchronousOperations
    ) {
        if let handler = try? pipeline.handler(type: type) {
            _ = pipeline.removeHandler(handler)
        }
    }
}
