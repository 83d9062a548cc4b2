import Logging
import NIOCore
import NIOEmbedded
import StickyCore
import Testing

@testable import RedisStore

@Suite struct RedisCommandHandlerTests {
    private let channel: EmbeddedChannel
    private var loop: EmbeddedEventLoop { self.channel.embeddedEventLoop }

    init() throws {
        self.channel = try Self.makeChannel()
    }

    private static func makeChannel(maxReplyBytes: Int = 1024, maxTimedOut: Int = 16) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(
            handler: RedisCommandHandler(
                maxReplyBytes: maxReplyBytes,
                maxTimedOut: maxTimedOut,
                logger: Logger(label: "test")
            )
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return channel
    }

    /// Writes `command` with a deadline `timeout` from now; returns its reply's future.
    private func send(
        _ command: String,
        timeout: TimeAmount = .milliseconds(50),
        on channel: EmbeddedChannel? = nil
    )
        -> EventLoopFuture<RedisValue>
    {
        let channel = channel ?? self.channel
        let promise = channel.eventLoop.makePromise(of: RedisValue.self)
        let request = RedisRequest(
            payload: RedisCommand([command]).encoded(),
            promise: promise,
            deadline: channel.embeddedEventLoop.now + timeout
        )
        channel.writeAndFlush(request, promise: nil)
        return promise.futureResult
    }

    private func reply(_ bytes: String, on channel: EmbeddedChannel? = nil) throws {
        try (channel ?? self.channel).writeInbound(ByteBuffer(string: bytes))
    }

    @Test func pipelinesCommandsAndAnswersThemInOrder() throws {
        let first = self.send("A")
        let second = self.send("B")
        let third = self.send("C")
        var written = ByteBuffer()
        while var chunk = try self.channel.readOutbound(as: ByteBuffer.self) {
            written.writeBuffer(&chunk)
        }
        #expect(String(buffer: written) == "*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n*1\r\n$1\r\nC\r\n")
        try self.reply("+one\r\n:2")
        #expect(first.peekValue() == .simpleString("one"))
        #expect(second.peek() == nil)
        try self.reply("\r\n$5\r\nthree\r\n")
        #expect(second.peekValue() == .integer(2))
        #expect(third.peekValue() == .bulkString("three"))
        #expect(self.channel.isActive)
    }

    @Test func aLateReplyGoesToTheTimedOutPlaceholderNotToTheNextCaller() throws {
        let slow = self.send("SLOW", timeout: .milliseconds(50))
        let next = self.send("NEXT", timeout: .milliseconds(500))
        self.loop.advanceTime(by: .milliseconds(60))
        #expect(slow.peekError() == .timeout)
        #expect(next.peek() == nil)
        try self.reply("$4\r\nslow\r\n")
        #expect(next.peek() == nil)
        try self.reply("$4\r\nnext\r\n")
        #expect(next.peekValue() == .bulkString("next"))
        #expect(self.channel.isActive)
    }

    @Test func timesOutEachRequestAtItsOwnDeadline() throws {
        let late = self.send("A", timeout: .milliseconds(300))
        let early = self.send("B", timeout: .milliseconds(100))
        let middle = self.send("C", timeout: .milliseconds(200))
        self.loop.advanceTime(by: .milliseconds(100))
        #expect(early.peekError() == .timeout)
        #expect(late.peek() == nil && middle.peek() == nil)
        self.loop.advanceTime(by: .milliseconds(100))
        #expect(middle.peekError() == .timeout)
        #expect(late.peek() == nil)
        self.loop.advanceTime(by: .milliseconds(100))
        #expect(late.peekError() == .timeout)
    }

    @Test func tooManyTimedOutRequestsCloseTheConnection() throws {
        let channel = try Self.makeChannel(maxTimedOut: 2)
        let lost = (0..<2).map { _ in self.send("LOST", timeout: .milliseconds(10), on: channel) }
        let waiting = self.send("WAITING", timeout: .seconds(1), on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(10))
        #expect(lost.map { $0.peekError() } == [.timeout, .timeout])
        #expect(channel.isActive)
        // One late reply arrives: one placeholder fewer.
        try self.reply("+OK\r\n", on: channel)
        let more = (0..<2).map { _ in self.send("LOST", timeout: .milliseconds(10), on: channel) }
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(10))
        #expect(more.map { $0.peekError() } == [.timeout, .timeout])
        #expect(waiting.peekError() == .unavailable)
        #expect(!channel.isActive)
    }

    @Test func closingFailsEveryQueuedRequest() throws {
        let futures = (0..<3).map { self.send("C\($0)") }
        try self.reply("+OK\r\n")
        try self.channel.close().wait()
        #expect(futures[0].peekValue() == .simpleString("OK"))
        #expect(futures[1].peekError() == .unavailable)
        #expect(futures[2].peekError() == .unavailable)
        // Nothing waits on a closed connection.
        #expect(self.send("AFTER").peekError() != nil)
    }

    @Test func aProtocolErrorFailsEveryQueuedRequestAndCloses() throws {
        let futures = (0..<2).map { self.send("C\($0)") }
        try self.reply("!garbage\r\n")
        #expect(futures.map { $0.peekError() } == [.protocolError, .protocolError])
        #expect(!self.channel.isActive)
    }

    @Test func aReplyNobodyAskedForCloses() throws {
        try self.reply("+OK\r\n")
        #expect(!self.channel.isActive)
    }

    @Test func anOversizedReplyCloses() throws {
        let channel = try Self.makeChannel(maxReplyBytes: 64)
        let big = self.send("BIG", on: channel)
        let after = self.send("AFTER", on: channel)
        try self.reply("$100000\r\n" + String(repeating: "x", count: 100), on: channel)
        #expect(big.peekError() == .protocolError)
        #expect(after.peekError() == .protocolError)
        #expect(!channel.isActive)
    }

    @Test func aHugeArrayHeaderCloses() throws {
        let request = self.send("KEYS")
        try self.reply("*2147483647\r\n")
        #expect(request.peekError() == .protocolError)
        #expect(!self.channel.isActive)
    }

    @Test func drainingRefusesNewRequestsAndClosesOnceAnswered() throws {
        let inFlight = self.send("A")
        self.channel.pipeline.triggerUserOutboundEvent(RedisCommandHandler.Drain(), promise: nil)
        #expect(self.send("B").peekError() == .shutdown)
        #expect(self.channel.isActive)
        try self.reply("+OK\r\n")
        #expect(inFlight.peekValue() == .simpleString("OK"))
        #expect(!self.channel.isActive)
    }

    @Test func drainingDoesNotWaitForTheLateReplyOfATimedOutRequest() throws {
        let lost = self.send("A", timeout: .milliseconds(50))
        self.channel.pipeline.triggerUserOutboundEvent(RedisCommandHandler.Drain(), promise: nil)
        #expect(self.channel.isActive)
        self.loop.advanceTime(by: .milliseconds(50))
        #expect(lost.peekError() == .timeout)
        #expect(!self.channel.isActive)
    }
}

extension EventLoopFuture where Value: Sendable {
    /// The result if the future has completed, `nil` if not. On the embedded loop's thread only.
    func peek() -> Result<Value, any Error>? {
        var result: Result<Value, any Error>?
        self.assumeIsolated().whenComplete { result = $0 }
        return result
    }

    /// The value the future succeeded with; `nil` if it has not succeeded.
    func peekValue() -> Value? {
        try? self.peek()?.get()
    }

    /// The ``StoreError`` the future failed with; `nil` if it has not failed (or failed otherwise).
    func peekError() -> StoreError? {
        guard case .failure(let error) = self.peek() else { return nil }
        return error as? StoreError
    }
}
