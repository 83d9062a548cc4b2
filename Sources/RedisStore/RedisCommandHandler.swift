import Logging
import NIOCore
import StickyCore

/// Pipelines commands on one Redis connection and matches replies to them in order.
///
/// Each written ``RedisRequest`` takes a slot at the back of a FIFO; each parsed reply completes the slot at the
/// front. A request whose deadline passes fails with ``StoreError/timeout`` and leaves its slot as a placeholder,
/// which swallows the late reply. Anything that ends the connection (a reader error, a reply too large, a reply
/// nobody asked for, an error, EOF, removal) fails every slot still waiting, so no caller waits forever. A
/// ``Drain`` event stops new requests and closes the connection once every slot has its reply or timed out.
final class RedisCommandHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    /// Sent with `triggerUserOutboundEvent` to close the connection gracefully: new requests fail with
    /// ``StoreError/shutdown`` and the connection closes once the requests in flight are answered or timed out.
    struct Drain: Sendable {}

    private enum State {
        case open(HiredisCodec)
        case draining(HiredisCodec)
        /// The reader is dropped with the connection.
        case closed
    }

    private var state: State
    private var pending = RedisPendingQueue<Void>()
    private var timer: Scheduled<Void>?
    private let maxTimedOut: Int
    private let logger: Logger

    /// - Parameters:
    ///   - maxReplyBytes: the most wire bytes one reply may take; a larger one closes the connection.
    ///   - maxTimedOut: the most timed-out requests whose replies may be outstanding; one more closes the
    ///     connection, which a hung server would otherwise keep forever, growing.
    init(maxReplyBytes: Int, maxTimedOut: Int, logger: Logger) {
        self.state = .open(HiredisCodec(maxReplyBytes: maxReplyBytes))
        self.maxTimedOut = maxTimedOut
        self.logger = logger
    }

    /// Fails every waiting request with `error`, drops the reader, and closes the channel unless it is already
    /// closing.
    private func failAll(_ error: StoreError, reason: RedisError? = nil, close: Bool, context: ChannelHandlerContext) {
        if case .closed = self.state { return }
        self.state = .closed
        if let reason {
            self.logger.warning("redis connection closed", metadata: ["redis.error": "\(reason)"])
        }
        self.timer?.cancel()
        self.timer = nil
        for promise in self.pending.removeAll() {
            promise.fail(error)
        }
        if close {
            context.close(promise: nil)
        }
    }

    /// Arms the deadline timer at `deadline`, replacing the one armed for later. The timer cannot outlive the
    /// context it captures: ``failAll(_:reason:close:context:)`` cancels it, at the latest in `handlerRemoved`.
    private func arm(_ deadline: NIODeadline?, context: ChannelHandlerContext) {
        guard let deadline else { return }
        self.timer?.cancel()
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.timer = nil
            let (expired, rearm) = self.pending.timerFired(now: context.eventLoop.now)
            self.arm(rearm, context: context)
            for promise in expired {
                promise.fail(StoreError.timeout)
            }
            if self.pending.placeholders > self.maxTimedOut {
                self.failAll(.unavailable, reason: .unresponsive, close: true, context: context)
            }
            self.closeIfDrained(context: context)
        }
    }
}

extension RedisCommandHandler: ChannelDuplexHandler {
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = RedisCommandHandler.unwrapOutboundIn(data)
        switch self.state {
        case .open:
            break
        case .draining:
            request.promise.fail(StoreError.shutdown)
            promise?.fail(StoreError.shutdown)
            return
        case .closed:
            request.promise.fail(StoreError.unavailable)
            promise?.fail(StoreError.unavailable)
            return
        }
        self.arm(self.pending.append((), promise: request.promise, deadline: request.deadline), context: context)
        context.write(RedisCommandHandler.wrapOutboundOut(request.payload), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let codec: HiredisCodec
        switch self.state {
        case .open(let open), .draining(let open): codec = open
        case .closed: return
        }
        do throws(RedisError) {
            try codec.feed(RedisCommandHandler.unwrapInboundIn(data))
            // A completed promise runs its callbacks at once, and they may close this connection.
            while !self.isClosed, let reply = try codec.next() {
                guard let slot = self.pending.popFirst() else { throw RedisError.unexpectedReply }
                if let promise = slot.promise {
                    promise.succeed(reply)
                } else {
                    self.logger.debug("redis reply after its deadline dropped")
                }
            }
        } catch {
            self.failAll(.protocolError, reason: error, close: true, context: context)
            return
        }
        self.closeIfDrained(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(.unavailable, close: false, context: context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.failAll(.unavailable, close: false, context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The last handler: the error ends here, with the connection.
        self.logger.debug("redis connection error", metadata: ["error": "\(error)"])
        self.failAll(.unavailable, close: true, context: context)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is Drain else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        if case .open(let codec) = self.state {
            self.state = .draining(codec)
        }
        self.closeIfDrained(context: context)
        promise?.succeed()
    }

    private var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        guard case .draining = self.state, !self.pending.hasWaitingRequests else { return }
        self.failAll(.shutdown, close: true, context: context)
    }
}

@available(*, unavailable)
extension RedisCommandHandler: Sendable {}
