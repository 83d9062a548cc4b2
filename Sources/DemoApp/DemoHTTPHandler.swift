import NIOCore
import NIOHTTP1

/// Serves the demo routes on one HTTP/1.1 connection, like an express app behind express-session.
///
/// `HTTPServerPipelineHandler` in front of it delivers one request at a time, so this handler only ever deals with
/// the current request. Routes live in `DemoHTTPHandler+Routes.swift`, the streamed download in `+Download`, the
/// WebSocket upgrade (which works on any request of a connection, not just the first) in `+Upgrade`.
final class DemoHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The request being received or answered.
    struct Request {
        var head: HTTPRequestHead
        var target: RequestTarget
        /// Whether the connection stays open after the response.
        var keepAlive: Bool
        /// Body bytes counted so far; the body itself is never kept.
        var bodyBytes: Int = 0
    }

    /// A `Content-Length` download that is written only while the channel is writable.
    struct Download {
        var remaining: Int
        var keepAlive: Bool
    }

    enum State {
        /// Waiting for a request head.
        case idle
        /// Head seen, counting body bytes until `.end`.
        case receiving(Request)
        /// `.end` seen; the response is being produced (possibly later, or streamed).
        case responding
        /// The 101 went out and the HTTP handlers are leaving; what arrives now is WebSocket data, kept for the
        /// WebSocket decoder that is about to be added.
        case upgrading(buffered: [NIOAny])
    }

    let backendName: String
    let store: SessionStore
    var state = State.idle
    var download: Download?
    /// Guards `pumpDownload` against re-entrant calls from `flush()`.
    var isPumping = false
    var pumpAgain = false
    var scheduledResponse: Scheduled<Void>?

    init(backendName: String, store: SessionStore) {
        self.backendName = backendName
        self.store = store
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .upgrading(var buffered) = self.state {
            buffered.append(data)
            self.state = .upgrading(buffered: buffered)
            return
        }

        switch DemoHTTPHandler.unwrapInboundIn(data) {
        case .head(let head):
            // A request with `Upgrade` stops NIO's decoder after it: unless it is upgraded, close after answering.
            let keepAlive = head.isKeepAlive && !head.headers.contains(name: "upgrade")
            self.state = .receiving(Request(head: head, target: RequestTarget(head.uri), keepAlive: keepAlive))
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(DemoHTTPHandler.wrapOutboundOut(.head(interim)), promise: nil)
            }

        case .body(let buffer):
            // Counted and dropped at once: NIO reads the next bytes only after this returns, so the upload is read
            // at the pace it is consumed and never held whole.
            guard case .receiving(var request) = self.state else { return }
            request.bodyBytes += buffer.readableBytes
            self.state = .receiving(request)

        case .end:
            guard case .receiving(let request) = self.state else { return }
            self.state = .responding
            self.route(context: context, request: request)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, self.download != nil {
            self.pumpDownload(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.download = nil
        self.scheduledResponse?.cancel()
        self.scheduledResponse = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if case .upgrading(let buffered) = self.state {
            self.state = .idle
            for data in buffered {
                context.fireChannelRead(data)
            }
            if !buffered.isEmpty {
                context.fireChannelReadComplete()
            }
        }
        context.leavePipeline(removalToken: removalToken)
    }
}

@available(*, unavailable)
extension DemoHTTPHandler: Sendable {}
