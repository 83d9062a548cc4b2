import NIOCore
import NIOHTTP1

// MARK: - Upgrade: after a 101, bytes flow both ways untouched

extension ClientConnectionHandler {
    /// Forwards the 101 and turns both connections into a tunnel pinned to the exchange's backend.
    func startTunnel(_ exchange: ProxyExchange, head: HTTPResponseHead) {
        guard let context, let upstream = exchange.upstream, let upstreamChannel = upstream.channel else { return }
        exchange.responsePhase = .done
        exchange.timeoutCheck?.cancel()
        self.exchange = nil
        self.finished = true
        upstream.delegate = nil
        upstream.onClose?(upstream)  // it leaves its pool: the tunnel owns it now
        upstream.onClose = nil

        let clientHead = HeaderRewriter.clientResponse(
            head,
            requestVersion: exchange.requestHead.version,
            keepAlive: true
        )
        context.writeAndFlush(Self.wrapOutboundOut(.head(clientHead)), promise: nil)

        let clientChannel = context.channel
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        do {
            // Each side: the glue goes last, then everything HTTP comes out. The decoders go last of all, so the
            // bytes they hold beyond the handshake are forwarded into the glue.
            let client = context.pipeline.syncOperations
            try client.addHandler(clientGlue)
            let upstreamPipeline = upstreamChannel.pipeline.syncOperations
            try upstreamPipeline.addHandler(upstreamGlue)
            _ = upstreamPipeline.removeHandler(upstream)
            try Self.removeHTTPHandlers(fromUpstream: upstreamPipeline)
            _ = client.removeHandler(context: context)
            try Self.removeHTTPHandlers(fromClient: client)
        } catch {
            self.logger.warning("could not set up the tunnel", metadata: ["error": "\(error)"])
            clientChannel.close(promise: nil)
            upstreamChannel.close(promise: nil)
        }
    }

    private static func removeHTTPHandlers(fromClient pipeline: ChannelPipeline.SynchronousOperations) throws {
        _ = pipeline.removeHandler(try pipeline.handler(type: IdleStateHandler.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTPServerProtocolErrorHandler.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: NIOHTTPResponseHeadersValidator.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTPServerPipelineHandler.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTPServerUpgradeHandler.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTPResponseEncoder.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
    }

    private static func removeHTTPHandlers(fromUpstream pipeline: ChannelPipeline.SynchronousOperations) throws {
        _ = pipeline.removeHandler(try pipeline.handler(type: IdleStateHandler.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: NIOHTTPRequestHeadersValidator.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTPRequestEncoder.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self))
    }
}
