import NIOCore

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
        if let early = upstream.takeBufferedBytes() {
            // What the backend sent right after its 101 is the tunnel's first bytes; and what the client sent after
            // its handshake.
            context.write(ClientConnectionHandler.wrapOutboundOut(early), promise: nil)
        }
        if let early = self.sequencer.takeBufferedBytes() {
            upstreamChannel.writeAndFlush(early, promise: nil)
        }
        context.flush()

        let clientChannel = context.channel
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        do {
            // The glue goes last on each side. Then everything HTTP comes out. (The bytes either side sent beyond
            // the handshake were written above, from the parsers.)
            let client = context.pipeline.syncOperations
            let upstreamPipeline = upstreamChannel.pipeline.syncOperations
            try client.addHandler(clientGlue)
            try upstreamPipeline.addHandler(upstreamGlue)
            _ = upstreamPipeline.removeHandler(upstream)
            Self.remove(IdleStateHandler.self, from: upstreamPipeline)
            _ = client.removeHandler(context: context)
            Self.remove(ClientRequestSequencer.self, from: client)
        } catch {
            self.logger.warning("could not set up the tunnel", metadata: ["error": "\(error)"])
            clientChannel.close(promise: nil)
            upstreamChannel.close(promise: nil)
        }
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
