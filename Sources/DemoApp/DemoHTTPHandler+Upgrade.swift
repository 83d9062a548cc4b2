import NIOCore
import NIOHTTP1
import NIOWebSocket

extension DemoHTTPHandler {
    /// The largest WebSocket frame the echo accepts.
    static let maxWebSocketFrameSize = 16 * 1024 * 1024

    /// `GET /ws`: upgrades to a WebSocket echo.
    ///
    /// NIO's `HTTPServerUpgradeHandler` only upgrades the first request of a connection, but a proxy may well send
    /// the upgrade over a pooled connection that already carried requests, as Node's servers allow. So the upgrade is
    /// done here, on whichever request asks for it, in the same steps as NIO's handler: drop the HTTP decoding
    /// handlers (keeping any bytes that follow the request), send the 101, drop the encoder, add the WebSocket
    /// handlers, and leave, handing the kept bytes on.
    func webSocket(context: ChannelHandlerContext, request: Request) {
        let headers = self.baseHeaders()
        guard Self.isWebSocketUpgrade(request.head) else {
            var headers = headers
            headers.add(name: "Upgrade", value: "websocket")
            let body = "expected a websocket upgrade\n"
            self.sendText(context: context, request: request, status: .upgradeRequired, headers: headers, body: body)
            return
        }

        let name = self.backendName
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: Self.maxWebSocketFrameSize,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, _ in
                channel.eventLoop.makeSucceededFuture(HTTPHeaders([("X-Backend", name)]))
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketEchoHandler())
                }
            }
        )
        let initial = HTTPHeaders([("Connection", "upgrade"), ("Upgrade", "websocket")])
        upgrader.buildUpgradeResponse(
            channel: context.channel,
            upgradeRequest: request.head,
            initialResponseHeaders: initial
        )
        .assumeIsolated()
        .whenComplete { result in
            switch result {
            case .success(let responseHeaders):
                self.performUpgrade(
                    context: context,
                    request: request,
                    responseHeaders: responseHeaders,
                    upgrader: upgrader
                )
            case .failure:
                // A missing key or an unsupported version.
                let body = "invalid websocket handshake\n"
                self.sendText(context: context, request: request, status: .badRequest, headers: headers, body: body)
            }
        }
    }

    private func performUpgrade(
        context: ChannelHandlerContext,
        request: Request,
        responseHeaders: HTTPHeaders,
        upgrader: NIOWebSocketServerUpgrader
    ) {
        self.state = .upgrading(buffered: [])
        let pipeline = context.pipeline.syncOperations
        // Order matters: the decoder goes last so that the bytes it holds are forwarded straight to this handler.
        for name in [DemoServer.HandlerName.pipelining, DemoServer.HandlerName.errors, DemoServer.HandlerName.decoder] {
            pipeline.removeHandler(name: name, promise: nil)
        }
        let response = HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: responseHeaders)
        context.writeAndFlush(DemoHTTPHandler.wrapOutboundOut(.head(response)))
            .assumeIsolated()
            .flatMap { context.pipeline.syncOperations.removeHandler(name: DemoServer.HandlerName.encoder) }
            .flatMap { upgrader.upgrade(context: context, upgradeRequest: request.head) }
            .whenComplete { result in
                switch result {
                case .success:
                    context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                case .failure:
                    context.close(promise: nil)
                }
            }
    }

    /// Whether a request asks for a WebSocket: `GET` with `Upgrade: websocket` and `Connection: upgrade`.
    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        func tokens(_ name: String) -> [String] {
            head.headers[canonicalForm: name].map { $0.lowercased() }
        }
        return head.method == .GET && tokens("upgrade").contains("websocket")
            && tokens("connection").contains("upgrade")
    }
}
