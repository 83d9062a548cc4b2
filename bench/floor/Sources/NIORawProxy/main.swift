// nio-raw-proxy: the floor of SwiftNIO's channel machinery for a proxy. No HTTP parsing at all.
//
//   nio-raw-proxy LISTEN BACKEND1 BACKEND2 BACKEND3      (LISTEN and BACKENDs as host:port)
//   or env FLOOR_LISTEN=host:port FLOOR_BACKENDS=host:port,host:port,host:port
//
// Each client connection gets one upstream connection (round-robin over the backends, same event loop, opened when
// the client connection becomes active). Bytes are glued both ways: each ByteBuffer read is written to the other
// channel, which is flushed on channelReadComplete. TCP_NODELAY on both sides. A close or error closes both.
import NIOCore
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

/// One end of a glued pair. The client side has `backends` and opens the upstream connection.
final class GlueHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let backends: Backends?
    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pending: [ByteBuffer] = []  // client side: bytes read before the upstream connection was up

    init(backends: Backends?) { self.backends = backends }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if let backends { connect(context: context, to: backends.pick()) }
        context.fireChannelActive()
    }

    private func connect(context: ChannelHandlerContext, to address: SocketAddress) {
        let upstream = GlueHandler(backends: nil)
        upstream.partner = self
        let boundUpstream = NIOLoopBound(upstream, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(boundUpstream.value)
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    guard self.context != nil else {  // the client went away meanwhile
                        channel.close(promise: nil)
                        return
                    }
                    self.partner = upstream
                    let buffers = self.pending
                    self.pending = []
                    for buffer in buffers { upstream.write(buffer) }
                    upstream.flush()
                case .failure:
                    self.context?.close(promise: nil)
                }
            }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let partner {
            partner.write(buffer)
        } else {
            pending.append(buffer)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.flush()
        context.fireChannelReadComplete()
    }

    func write(_ buffer: ByteBuffer) { context?.write(wrapOutboundOut(buffer), promise: nil) }
    func flush() { context?.flush() }
    func close() { context?.close(promise: nil) }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close()
        partner = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        partner?.close()
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

let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(ChannelOptions.backlog, value: 4096)
    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(GlueHandler(backends: backends))
        }
    }
    .bind(to: try address(listenText))
    .wait()
print("nio-raw-proxy on \(server.localAddress!), \(System.coreCount) loops, backends \(backends.addresses)")
try server.closeFuture.wait()
