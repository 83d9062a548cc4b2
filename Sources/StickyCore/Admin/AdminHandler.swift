import NIOCore
import NIOHTTP1

/// Answers the admin listener's requests: `/healthz` (the process is alive) and `/readyz` (it serves).
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private let storeHealth: @Sendable () -> StoreHealth

    init(storeHealth: @escaping @Sendable () -> StoreHealth) {
        self.storeHealth = storeHealth
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let (status, body) = self.answer(head)
            var headers = HTTPHeaders([
                ("content-type", "application/json"),
                ("content-length", "\(body.utf8.count)"),
            ])
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status,
                headers: headers))), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                promise: nil)
            let done = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
            if !head.isKeepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, #"{"error":"method not allowed"}"#)
        }
        switch path {
        case "/healthz": return (.ok, #"{"status":"ok"}"#)
        case "/readyz":
            // A degraded store does not fail readiness: requests are still served, by plain load balancing.
            return (.ok, #"{"status":"ready","store":""# + self.storeHealth().rawValue + #""}"#)
        default: return (.notFound, #"{"error":"not found"}"#)
        }
    }
}

@available(*, unavailable)
extension AdminHandler: Sendable {}
