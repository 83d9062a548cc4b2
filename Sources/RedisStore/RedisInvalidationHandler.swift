import Logging
import NIOCore
import StickyCore

/// Reads one invalidation listener connection: the handshake (`AUTH`, `CLIENT ID`, `SUBSCRIBE
/// __redis__:invalidate`), then the invalidation messages and `PING` replies of subscribed mode, each handed to
/// `onEvent`.
///
/// It writes the handshake when it is added to an active channel. A reply it does not expect (an error reply, a
/// handshake step that failed, anything that is not RESP2) closes the connection: the listener reconnects.
final class RedisInvalidationHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The channel Redis sends invalidations to in RESP2 (`CLIENT TRACKING … REDIRECT`).
    static let channelName = "__redis__:invalidate"

    enum Event: Equatable {
        /// Subscribed, as client `clientID`: invalidations may be redirected here now.
        case subscribed(clientID: Int64)
        /// An invalidation message.
        case invalidation(StoreCoherence)
        /// The reply to a `PING`.
        case pong
        /// The connection is being closed: the handshake was refused (the error code, short and safe to log), or
        /// the server sent something this connection does not expect.
        case failed(String)
    }

    private enum Step {
        case auth
        case clientID
        case subscribe
        case subscribed
    }

    private var steps: [Step]
    private var handshakeWritten = false
    private var clientID: Int64?
    private var codec: HiredisCodec?
    private let auth: RedisCommand?
    private let onEvent: (Event) -> Void

    /// - Parameters:
    ///   - auth: `AUTH`, sent first; `nil` without a password.
    ///   - maxReplyBytes: the most wire bytes one message may take; a larger one closes the connection.
    init(auth: RedisCommand?, maxReplyBytes: Int, onEvent: @escaping (Event) -> Void) {
        self.auth = auth
        self.steps = (auth == nil ? [] : [.auth]) + [.clientID, .subscribe]
        self.codec = HiredisCodec(maxReplyBytes: maxReplyBytes)
        self.onEvent = onEvent
    }

    /// `PING` in RESP, for the health check of subscribed mode (answered `["pong", ""]`).
    static func ping(allocator: ByteBufferAllocator) -> ByteBuffer {
        RedisCommand(["PING"]).encoded(allocator: allocator)
    }

    private func writeHandshake(context: ChannelHandlerContext) {
        guard !self.handshakeWritten else { return }
        self.handshakeWritten = true
        var buffer = context.channel.allocator.buffer(capacity: 128)
        let commands = [
            self.auth, RedisCommand(["CLIENT", "ID"]), RedisCommand(["SUBSCRIBE", Self.channelName]),
        ]
        for command in commands.compactMap({ $0 }) {
            HiredisCodec.encode(command.arguments, into: &buffer)
        }
        context.writeAndFlush(RedisInvalidationHandler.wrapOutboundOut(buffer), promise: nil)
    }

    /// What `reply` means at this point of the conversation; `nil` when it is fine and says nothing to report.
    private func handle(_ reply: RedisValue) -> Event? {
        switch (self.steps.first, reply) {
        case (_, .error(let message)):
            return .failed(String(message.prefix { $0 != " " }.prefix(32)))
        case (.auth, .simpleString("OK")):
            self.steps.removeFirst()
            return nil
        case (.clientID, .integer(let id)):
            self.steps.removeFirst()
            self.clientID = id
            return nil
        case (.subscribe, .array(let elements)):
            guard elements.count == 3, Self.isString(elements[0], "subscribe"),
                let clientID = self.clientID
            else {
                return .failed("unexpected_reply")
            }
            self.steps = [.subscribed]
            return .subscribed(clientID: clientID)
        case (.subscribed, .array(let elements)):
            if elements.count == 3, Self.isString(elements[0], "message"),
                Self.isString(elements[1], Self.channelName)
            {
                return Self.invalidation(elements[2]).map { .invalidation($0) }
                    ?? .failed("unexpected_message")
            }
            if elements.count == 2, Self.isString(elements[0], "pong") {
                return .pong
            }
            return .failed("unexpected_message")
        default:
            return .failed("unexpected_reply")
        }
    }

    /// The keys of an invalidation message, as the store named them (``RedisCommand`` sends a key's `rawValue`
    /// as its UTF-8 bytes); a null list means every key (`FLUSHALL`, `FLUSHDB`).
    static func invalidation(_ payload: RedisValue) -> StoreCoherence? {
        switch payload {
        case .null:
            return .invalidatedAll
        case .array(let elements):
            var keys: [StoreKey] = []
            keys.reserveCapacity(elements.count)
            for element in elements {
                guard case .bulkString(let key) = element else { return nil }
                keys.append(StoreKey(rawValue: String(buffer: key)))
            }
            return .invalidated(keys)
        default:
            return nil
        }
    }

    private static func isString(_ value: RedisValue, _ expected: String) -> Bool {
        guard case .bulkString(let bytes) = value else { return false }
        return bytes.readableBytesView.elementsEqual(expected.utf8)
    }
}

extension RedisInvalidationHandler: ChannelInboundHandler {
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.writeHandshake(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.writeHandshake(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let codec = self.codec else { return }
        do throws(RedisError) {
            try codec.feed(RedisInvalidationHandler.unwrapInboundIn(data))
            while self.codec != nil, let reply = try codec.next() {
                guard let event = self.handle(reply) else { continue }
                if case .failed = event {
                    self.codec = nil
                    context.close(promise: nil)
                }
                self.onEvent(event)
            }
        } catch {
            self.codec = nil
            context.close(promise: nil)
            self.onEvent(.failed("\(error)"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The last handler: the error ends here, with the connection.
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension RedisInvalidationHandler: Sendable {}
