import NIOCore
import NIOEmbedded
import Testing

@testable import StickyCore

@Suite struct UpstreamConnectionTests {
    /// Counts the flushes that reach the channel from the handlers after it.
    final class FlushCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var flushes = 0

        func flush(context: ChannelHandlerContext) {
            self.flushes += 1
            context.flush()
        }
    }

    @Test func aFlushGoesOutOnlyAfterSomethingWasWritten() throws {
        let backend = Backend(
            name: "web1",
            address: .init(host: "127.0.0.1", port: 1),
            socketAddress: try .init(ipAddress: "127.0.0.1", port: 1)
        )
        let connection = UpstreamConnection(backend: backend, limits: HTTPLimits())
        let counter = FlushCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(connection)

        connection.flush()
        #expect(counter.flushes == 0, "nothing written: nothing to flush")
        connection.writeRequestHead(ByteBuffer(string: "GET / HTTP/1.1\r\nhost: a\r\n\r\n"), isHEAD: false)
        connection.flush()
        connection.flush()
        #expect(counter.flushes == 1, "a second flush with nothing new written goes nowhere")
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }?.hasPrefix("GET /") == true)
        connection.write(ByteBuffer(string: "body"))
        connection.flush()
        #expect(counter.flushes == 2)
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "body")
        _ = try? channel.finish()
    }
}
