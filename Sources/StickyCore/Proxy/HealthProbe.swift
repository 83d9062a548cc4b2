import NIOCore
import NIOHTTP1
import NIOPosix

/// One health check of one backend: a TCP connect, or, with a path, `GET path` answered with 2xx or 3xx.
enum HealthProbe {
    /// Whether `backend` passed, within `timeout`. The future never fails.
    static func check(
        _ backend: Backend,
        path: String?,
        timeout: TimeAmount,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Bool> {
        let promise = eventLoop.makePromise(of: Bool.self)
        let deadline = eventLoop.scheduleTask(in: timeout) { promise.succeed(false) }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        let request = path.map { path in
            HTTPRequestHead(
                version: .http1_1,
                method: .GET,
                uri: path,
                headers: [
                    "host": backend.address.description, "user-agent": "sticky-proxy-health-check",
                    "connection": "close",
                ]
            )
        }
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let request else { return }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HealthCheckHandler(request: request, result: promise))
                }
            }
            .connect(to: backend.socketAddress)
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                if request == nil { promise.succeed(true) }
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure:
                promise.succeed(false)
            }
        }
        return promise.futureResult
    }
}

/// Sends the health check request and reports whether the status was 2xx or 3xx.
private final class HealthCheckHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: HTTPRequestHead
    private let result: EventLoopPromise<Bool>

    init(request: HTTPRequestHead, result: EventLoopPromise<Bool>) {
        self.request = request
        self.result = result
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(HealthCheckHandler.wrapOutboundOut(.head(self.request)), promise: nil)
        context.writeAndFlush(HealthCheckHandler.wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = HealthCheckHandler.unwrapInboundIn(data) {
            self.result.succeed((200..<400).contains(Int(head.status.code)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.result.succeed(false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.result.succeed(false)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HealthCheckHandler: Sendable {}
