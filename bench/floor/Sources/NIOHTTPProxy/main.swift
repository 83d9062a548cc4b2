// nio-http-proxy: the least an HTTP/1 reverse proxy on SwiftNIO's codecs can do.
//
//   nio-http-proxy LISTEN BACKEND1 BACKEND2 BACKEND3      (LISTEN and BACKENDs as host:port)
//   or env FLOOR_LISTEN=host:port FLOOR_BACKENDS=host:port,host:port,host:port
//
// Server side: configureHTTPServerPipeline(withPipeliningAssistance: true) + ProxyHandler.
// Per client connection, on its first request, one keep-alive upstream connection on the same event loop to a
// backend chosen round-robin, with addHTTPClientHandlers() + UpstreamHandler. Request parts are forwarded as they
// come (only X-Forwarded-For: 127.0.0.1 is appended), response parts are relayed back, both flushed on .end.
// TCP_NODELAY on both sides. Any error or close closes both channels.
//
// FLOOR_LEAN=1 (an experiment, not the default): no pipelining assistance, no error-handling handler, and no
// outbound header validation on either side; then one request in flight per connection relies on the client.
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

final class Backends: Sendable {
    let addresses: [SocketAddress]
    private let next = Atomic<Int>(0)

    init(_ addresses: [SocketAddress]) { self.addresses = addresses }

    func pick() -> SocketAddress {
        let n = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return addresses[Int(UInt(bitPattern: n) % UInt(addresses.count))]
    }
}

/// The client connection's handler (last in the server pipeline).
final class ProxyHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let backends: Backends
    private let lean: Bool
    private var context: ChannelHandlerContext?
    private var upstream: UpstreamHandler?  // set once connected
    private var connecting = false
    private var pending: [HTTPClientRequestPart] = []  // request parts that arrived while connecting

    init(backends: Backends, lean: Bool) {
        self.backends = backends
        self.lean = lean
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(var head):
            head.headers.add(name: "X-Forwarded-For", value: "127.0.0.1")
            part = .head(head)
        case .body(let buffer):
            part = .body(.byteBuffer(buffer))
        case .end(let trailers):
            part = .end(trailers)
        }
        if let upstream {
            upstream.send(part)
        } else {
            pending.append(part)
            if !connecting { connect(context: context) }
        }
    }

    private func connect(context: ChannelHandlerContext) {
        connecting = true
        let relay = UpstreamHandler(client: self)
        let boundRelay = NIOLoopBound(relay, eventLoop: context.eventLoop)
        let lean = self.lean
        ClientBootstrap(group: context.eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: !lean)
                    try channel.pipeline.syncOperations.addHandler(boundRelay.value)
                }
            }
            .connect(to: backends.pick())
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    guard self.context != nil else {  // the client went away meanwhile
                        channel.close(promise: nil)
                        return
                    }
                    self.upstream = relay
                    let parts = self.pending
                    self.pending = []
                    for part in parts { relay.send(part) }
                case .failure:
                    self.close()
                }
            }
    }

    /// A response part from the upstream connection.
    func relay(_ part: HTTPClientResponsePart) {
        guard let context else { return }
        switch part {
        case .head(let head):
            context.write(wrapOutboundOut(.head(head)), promise: nil)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
        }
    }

    func close() {
        context?.close(promise: nil)
        upstream?.close()
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close()
        upstream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        close()
    }
}

/// The upstream connection's handler (last in the client pipeline).
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var client: ProxyHandler?
    private var context: ChannelHandlerContext?

    init(client: ProxyHandler) { self.client = client }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        client = nil
    }

    func send(_ part: HTTPClientRequestPart) {
        guard let context else { return }
        if case .end = part {
            context.writeAndFlush(wrapOutboundOut(part), promise: nil)
        } else {
            context.write(wrapOutboundOut(part), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client?.relay(unwrapInboundIn(data))
    }

    func close() { context?.close(promise: nil) }

    func channelInactive(context: ChannelHandlerContext) {
        client?.close()
        client = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        client?.close()
        context.close(promise: nil)
    }
}

func address(_ text: Substring) throws -> SocketAddress {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
        fatalError("not host:port: \(text)")
    }
    return try SocketAddress.makeAddressResolvingHost(String(text[..<colon]), port: port)
}

let arguments = Array(CommandLine.arguments.dropFirst())
func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
let listenText = Substring(arguments.first ?? env("FLOOR_LISTEN") ?? "127.0.0.1:8080")
let backendTexts: [Substring] =
    arguments.count > 1 ? arguments.dropFirst().map { Substring($0) } : (env("FLOOR_BACKENDS") ?? "").split(separator: ",")
guard !backendTexts.isEmpty else { fatalError("no backends (args or FLOOR_BACKENDS)") }
let backends = Backends(try backendTexts.map(address))
let lean = env("FLOOR_LEAN") == "1"

let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(ChannelOptions.backlog, value: 4096)
    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            if lean {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                    withPipeliningAssistance: false,
                    withErrorHandling: false,
                    withOutboundHeaderValidation: false
                )
            } else {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true)
            }
            try channel.pipeline.syncOperations.addHandler(ProxyHandler(backends: backends, lean: lean))
        }
    }
    .bind(to: try address(listenText))
    .wait()
print("nio-http-proxy on \(server.localAddress!), \(System.coreCount) loops, lean \(lean), backends \(backends.addresses)")
try server.closeFuture.wait()
