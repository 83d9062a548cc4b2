import Dispatch
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Listens, serves until SIGTERM or SIGINT, then closes every connection and returns.
struct DemoServer {
    let options: DemoOptions

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.options.threads ?? System.coreCount)
        defer { try? group.syncShutdownGracefully() }

        let store = SessionStore()
        let name = self.options.name
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 128 * 1024, high: 512 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configurePipeline(channel.pipeline.syncOperations, name: name, store: store)
                }
            }

        // The signal handlers come before the port is bound: anyone who sees the port open (a test, a supervisor)
        // may send SIGTERM at once, and one arriving before the handlers would be ignored and lost.
        let stop = group.next().makePromise(of: Void.self)
        let signalSources = [SIGTERM, SIGINT].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                stop.succeed()
            }
            source.resume()
            return source
        }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: self.options.host, port: self.options.port).wait()
        } catch {
            stop.fail(error)
            throw error
        }
        let port = channel.localAddress?.port ?? self.options.port
        Console.out("demo-app \(name) listening on \(self.options.host):\(port)")
        stop.futureResult.whenSuccess { channel.close(promise: nil) }
        try channel.closeFuture.wait()
        stop.succeed()  // a no-op after a signal
        for source in signalSources {
            source.cancel()
        }
        Console.out("demo-app \(name) stopped")
    }
}
