import NIOCore
import NIOEmbedded
import StickyCore
import Testing

@testable import RedisStore

@Suite struct RedisInvalidationHandlerTests {
    /// A connected channel with the handler, and the events it reported.
    private final class Harness {
        let channel = EmbeddedChannel()
        var events: [RedisInvalidationHandler.Event] = []

        init(auth: RedisCommand? = nil) throws {
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
            try self.channel.pipeline.syncOperations.addHandler(
                RedisInvalidationHandler(auth: auth, maxReplyBytes: 1024) { [unowned self] in
                    self.events.append($0)
                }
            )
        }

        func written() throws -> String {
            var all = ByteBuffer()
            while var chunk = try self.channel.readOutbound(as: ByteBuffer.self) {
                all.writeBuffer(&chunk)
            }
            return String(buffer: all)
        }

        func reply(_ bytes: String) throws {
            try self.channel.writeInbound(ByteBuffer(string: bytes))
        }
    }

    private static let subscribed = "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n"

    @Test func subscribesAndReportsItsClientID() throws {
        let harness = try Harness(auth: RedisCommand(["AUTH", "pw"]))
        #expect(
            try harness.written()
                == "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n"
                + "*2\r\n$9\r\nSUBSCRIBE\r\n$20\r\n__redis__:invalidate\r\n"
        )
        try harness.reply("+OK\r\n:42\r\n")
        #expect(harness.events.isEmpty)
        try harness.reply(Self.subscribed)
        #expect(harness.events == [.subscribed(clientID: 42)])
    }

    @Test func reportsInvalidatedKeysFlushesAndPongs() throws {
        let harness = try Harness()
        try harness.reply(":5\r\n" + Self.subscribed)
        try harness.reply(
            "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n$3\r\nk:1\r\n$3\r\nk:2\r\n"
        )
        // FLUSHDB: a null bulk string in RESP2, or a null array.
        try harness.reply("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")
        try harness.reply("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*-1\r\n")
        try harness.reply("*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        #expect(
            harness.events == [
                .subscribed(clientID: 5),
                .invalidation(.invalidated([StoreKey(rawValue: "k:1"), StoreKey(rawValue: "k:2")])),
                .invalidation(.invalidatedAll),
                .invalidation(.invalidatedAll),
                .pong,
            ]
        )
        #expect(harness.channel.isActive)
    }

    @Test func aRefusedHandshakeClosesTheConnection() throws {
        let harness = try Harness(auth: RedisCommand(["AUTH", "pw"]))
        try harness.reply("-WRONGPASS invalid username-password pair\r\n")
        #expect(harness.events == [.failed("WRONGPASS")])
        #expect(!harness.channel.isActive)
    }

    @Test func anUnexpectedMessageClosesTheConnection() throws {
        let harness = try Harness()
        try harness.reply(":5\r\n" + Self.subscribed)
        try harness.reply("*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n$1\r\nx\r\n")
        #expect(harness.events == [.subscribed(clientID: 5), .failed("unexpected_message")])
        #expect(!harness.channel.isActive)
    }

    @Test func garbageClosesTheConnection() throws {
        let harness = try Harness()
        try harness.reply("?nonsense\r\n")
        #expect(harness.events == [.failed("protocol_error")])
        #expect(!harness.channel.isActive)
    }
}
