import NIOCore
import NIOHTTP1

/// One request in flight on a client connection, from its head to the end of its response.
///
/// Owned by the ``ClientConnectionHandler`` and touched only on its event loop. Callbacks that complete after
/// the exchange was replaced check identity against the handler's current exchange and drop out.
final class ProxyExchange {
    enum ResponsePhase {
        /// Nothing from the backend yet.
        case awaitingHead
        /// The head arrived and waits for store writes that must land before it is forwarded.
        case holdingHead
        /// The head went to the client; the body streams.
        case streaming
        /// The whole response went to the client.
        case done
    }

    /// The request's method and HTTP version, as the client sent them.
    let method: HTTPMethod
    let requestVersion: HTTPVersion
    /// The head to send to the backend (``UpstreamRequestHead``); sent again as it is if the request is retried.
    let upstreamHead: ByteBuffer
    let session: SessionCookie?
    let key: StoreKey?
    /// Whether the request is a WebSocket-style handshake (`Connection: upgrade` with an `Upgrade` token).
    let isUpgrade: Bool
    let expectsContinue: Bool
    /// What the store said about the session when routing.
    var lookup: AffinityRouter.Lookup = .noSession
    /// The backend the session is known to map to after routing (what a Set-Cookie would compare against).
    var routedBackend: String?
    /// How the router decided, once it has (a 503 for a down backend with fallback off has no decision).
    var decision: AffinityDecision?
    var backend: Backend?
    var upstream: UpstreamConnection?
    var upstreamReused = false
    /// Backends this request failed to connect to.
    var excluded: Set<String> = []
    /// Whether the request already went again on a fresh connection after its connection failed before answering.
    var retried = false
    /// Body parts (and the end) that arrived before a backend was connected.
    var bufferedBody: [ClientRequestParser.Event] = []
    var requestComplete = false
    var requestBodyBytesSent = 0
    var headSent = false
    var responsePhase = ResponsePhase.awaitingHead
    /// Response parts that arrived while the head was held.
    var heldResponseParts: [UpstreamResponseParser.Event] = []
    /// How the response's body goes to the client, once its head went.
    var clientBodyFraming = ClientResponseHead.BodyFraming.asIs
    /// Whether the request's body goes to the backend in chunks.
    let upstreamChunked: Bool
    var upstreamKeepAlive = true
    /// The backend answered an upgrade with 101: at the end of that response the connections become a tunnel.
    var switchingProtocols = false
    var clientKeepAlive: Bool
    /// When the backend last showed progress (or the request went to it); the connection's timeout check reads it.
    var lastActivity: NIODeadline
    /// The backend whose count of requests in flight includes this one (least-connections reads it).
    private var countedBackend: Backend?

    init(
        request head: ClientRequestHead,
        upstreamHead: ByteBuffer,
        session: SessionCookie?,
        key: StoreKey?,
        now: NIODeadline
    ) {
        self.method = head.method
        self.requestVersion = head.minorVersion == 0 ? .http1_0 : .http1_1
        self.upstreamHead = upstreamHead
        self.session = session
        self.key = key
        self.isUpgrade = head.isUpgrade
        self.upstreamChunked = head.isChunked
        self.expectsContinue = head.expectsContinue
        self.clientKeepAlive = head.isKeepAlive
        self.lastActivity = now
    }

    deinit {
        self.stopCounting()
    }

    /// Counts this request as in flight on `backend` (and no longer on any other).
    func count(on backend: Backend) {
        guard self.countedBackend !== backend else { return }
        self.stopCounting()
        backend.addActiveRequests(1)
        self.countedBackend = backend
    }

    /// The request is over (or leaves HTTP for a tunnel): it no longer counts as in flight.
    func stopCounting() {
        self.countedBackend?.addActiveRequests(-1)
        self.countedBackend = nil
    }
}

@available(*, unavailable)
extension ProxyExchange: Sendable {}
