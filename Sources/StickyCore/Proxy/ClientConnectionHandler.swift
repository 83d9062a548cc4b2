import Logging
import NIOCore
import NIOHTTP1

/// The handler at the end of a client connection's pipeline: routes each request to its backend and relays
/// both directions with backpressure.
///
/// One request is in flight at a time (``ClientRequestSequencer`` holds pipelined ones back), described by a
/// ``ProxyExchange``. Reads from the client pause while the request is routed and while the backend is not
/// writable; reads from the backend pause while the client is not writable.
final class ClientConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let runtime: ProxyRuntime
    let resources: LoopResources
    /// Where responses go out (the handler before this one).
    let sequencer: ClientRequestSequencer
    var logger: Logger
    var context: ChannelHandlerContext?
    var exchange: ProxyExchange?
    private var clientReads = ReadGate()
    /// Watches the backend of the exchange in flight for `STICKY_UPSTREAM_TIMEOUT`. One timer per connection, armed
    /// when a request goes to a backend and not already armed, and re-armed from its own firing while an exchange
    /// waits for its backend: scheduling and cancelling a timer for every request cost more than the rest of the
    /// request's bookkeeping (the event loop's timer heap is searched linearly to cancel).
    private var timeoutCheck: Scheduled<Void>?
    /// Set once the connection is closing or tunnelling: no more requests.
    var finished = false
    /// The client's IP address as text for `X-Forwarded-For`, formatted at the first request (`inet_ntop` and a
    /// look-up of the channel's address cost more than the rest of the header rewrite) and kept for the connection.
    private var clientAddress: String?
    private var clientAddressKnown = false
    /// The session the connection's last request carried, and its store key: a browser's keep-alive connection
    /// carries the same session request after request, and deriving the key (SHA-256 and base64) is the largest
    /// piece of routing one.
    private var lastSessionKey: (session: SessionCookie, key: StoreKey)?
    /// Counts each request and writes its access-log line.
    var observer: RequestObserver

    init(runtime: ProxyRuntime, resources: LoopResources, sequencer: ClientRequestSequencer) {
        self.runtime = runtime
        self.resources = resources
        self.sequencer = sequencer
        self.logger = runtime.logger
        self.observer = RequestObserver(metrics: runtime.metrics, accessLogger: runtime.accessLogger)
    }

    // MARK: client reads

    func setClientReadsPaused(_ paused: Bool) {
        self.clientReads.setClosed(paused, context: self.context)
    }

    // MARK: a request arrives

    private func start(_ head: ClientRequestHead, context: ChannelHandlerContext) {
        if let status = self.runtime.limits.rejection(of: head) {
            self.respondWithoutExchange(status, context: context, keepAlive: false)
            return
        }
        let now = NIODeadline.now()
        let session = head.session(self.runtime.extractor)
        let key = session.map { self.storeKey(of: $0) }
        if !self.clientAddressKnown {
            self.clientAddress = context.channel.remoteAddress?.ipAddress
            self.clientAddressKnown = true
        }
        var upstreamHead = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 128)
        UpstreamRequestHead.write(head, clientAddress: self.clientAddress, upgrade: head.isUpgrade,
            into: &upstreamHead)
        let exchange = ProxyExchange(
            request: head,
            upstreamHead: upstreamHead,
            session: session,
            key: key,
            now: now
        )
        self.exchange = exchange
        self.resources.recordRequest()
        if (head.contentLength ?? 0) > 0 || head.isChunked || head.isUpgrade {
            // Hold the body back while the request is routed; a bodiless request has nothing to hold, and pausing
            // would cost the event loop two epoll_ctl calls per request.
            self.setClientReadsPaused(true)
        }
        guard let key else {
            self.route(exchange, lookup: .noSession)
            return
        }
        switch self.resources.cached(key) {
        case .mapping(let mapping):
            // A near-cache hit: routed at once, no store call, no future.
            self.route(exchange, lookup: .found(mapping))
            return
        case .deleted:
            // Logged out through this replica a moment ago, whatever the store says yet.
            self.route(exchange, lookup: .absent)
            return
        case nil:
            break
        }
        if case .answered(let mapping) = self.runtime.store.getImmediately(key) {
            // The memory store: answered at once, no future.
            self.route(exchange, lookup: mapping.map { .found($0) } ?? .absent)
            return
        }
        let generation = self.resources.nearCacheGeneration
        let writes = self.runtime.writeCount
        self.runtime.store.get(key, deadline: now + self.runtime.storeTimeout, on: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(.some(let mapping)):
                    self.resources.remember(mapping, for: key, since: generation)
                    self.runtime.share(mapping, for: key, learnedAt: .now, writesBefore: writes, from: self.resources)
                    self.route(exchange, lookup: .found(mapping))
                case .success(.none): self.route(exchange, lookup: .absent)
                case .failure(let error):
                    self.logger.debug("store lookup failed", metadata: ["store.error": "\(error)"])
                    self.route(exchange, lookup: .failed)
                }
            }
    }

    /// The store key of `session`, derived again only when the connection's session changed.
    private func storeKey(of session: SessionCookie) -> StoreKey {
        if let last = self.lastSessionKey, last.session == session {
            return last.key
        }
        let key = self.runtime.keys.key(for: session)
        self.lastSessionKey = (session, key)
        return key
    }

    // MARK: routing

    /// Decides the backend for `exchange` and connects to it.
    func route(_ exchange: ProxyExchange, lookup: AffinityRouter.Lookup) {
        guard exchange === self.exchange else { return }
        exchange.lookup = lookup
        let now = NIODeadline.now()
        switch self.resources.router.route(lookup, excluding: exchange.excluded) {
        case .forward(let backend, let decision):
            exchange.decision = decision
            if case .found(let mapping) = lookup {
                exchange.routedBackend = mapping.backend
                if mapping.slides, let key = exchange.key, self.resources.isRefreshDue(key, at: now) {
                    self.refreshTTL(key)
                }
            }
            self.connect(exchange, to: backend)
        case .claim(let backend, let stale, let decision):
            exchange.decision = decision
            self.claim(exchange, for: backend, replacing: stale)
        case .unavailable:
            self.respond(exchange, status: .serviceUnavailable, extraHeaders: [("retry-after", "5")])
        case .noBackend:
            self.respond(exchange, status: .badGateway)
        }
    }

    /// Moves the session's mapping to `backend` unless another replica moved it first, then follows the winner.
    private func claim(_ exchange: ProxyExchange, for backend: Backend, replacing stale: StoredMapping) {
        guard let key = exchange.key, let context else {
            self.connect(exchange, to: backend)
            return
        }
        let mapping = StoredMapping(backend: backend.name, slides: stale.slides)
        self.runtime.store.reassign(
            key,
            from: stale,
            to: mapping,
            ttl: self.runtime.defaultTTL,
            deadline: .now() + self.runtime.storeTimeout,
            on: context.eventLoop
        )
        .assumeIsolated()
        .whenComplete { result in
            if case .success(let winner) = result {
                // What the store holds now, whoever wrote it.
                self.runtime.noteWrite(winner, for: key, lifetime: nil, on: self.resources)
            }
            guard exchange === self.exchange else { return }
            switch result {
            case .success(let winner):
                if winner.backend != backend.name, let other = self.resources.router.backend(named: winner.backend),
                    other.isUp, !exchange.excluded.contains(other.name)
                {
                    exchange.routedBackend = other.name
                    self.connect(exchange, to: other)
                } else {
                    exchange.routedBackend = winner.backend
                    self.connect(exchange, to: backend)
                }
            case .failure(let error):
                self.logger.debug("store claim failed", metadata: ["store.error": "\(error)"])
                self.connect(exchange, to: backend)
            }
        }
    }

    private func refreshTTL(_ key: StoreKey) {
        guard let context else { return }
        let logger = self.logger
        self.runtime.store.refresh(
            key,
            ttl: self.runtime.defaultTTL,
            deadline: .now() + self.runtime.storeTimeout,
            on: context.eventLoop
        ).whenFailure { error in
            logger.debug("store refresh failed", metadata: ["store.error": "\(error)"])
        }
    }

    // MARK: connecting

    /// Leases a connection to `backend` (a fresh one unless `reuseIdle`) and sends the request on it. A backend
    /// that refuses goes into its cooldown and the request is routed again without it.
    func connect(_ exchange: ProxyExchange, to backend: Backend, reuseIdle: Bool = true) {
        exchange.backend = backend
        let pool = self.resources.pool(for: backend)
        if reuseIdle, let lease = pool.leaseIdle() {
            self.attach(exchange, to: lease)
            return
        }
        pool.lease(reuseIdle: reuseIdle).assumeIsolated().whenComplete { result in
            guard exchange === self.exchange, !self.finished else {
                if case .success(let lease) = result {
                    self.resources.pool(for: backend).release(lease.connection)
                }
                return
            }
            switch result {
            case .success(let lease):
                self.attach(exchange, to: lease)
            case .failure(let error as UpstreamError) where error == .connectFailed:
                self.logger.warning(
                    "backend refused the connection",
                    metadata: ["upstream.name": "\(backend.name)", "upstream.address": "\(backend.address)"]
                )
                self.recordFailure(of: backend)
                self.countRetry(after: backend)
                exchange.excluded.insert(backend.name)
                // Nothing was sent: another backend can take it. With every backend excluded this answers 502.
                self.route(exchange, lookup: exchange.lookup)
            case .failure:
                self.respond(exchange, status: .serviceUnavailable, extraHeaders: [("retry-after", "1")])
            }
        }
    }

    private func attach(_ exchange: ProxyExchange, to lease: UpstreamPool.Lease) {
        let upstream = lease.connection
        exchange.upstream = upstream
        exchange.upstreamReused = lease.reused
        exchange.count(on: upstream.backend)
        if let key = exchange.key {
            self.resources.recordSession(key, on: upstream.backend.name)
        }
        upstream.delegate = self
        upstream.requestCount += 1
        self.sendRequestHead(exchange)
    }

    /// Sends the head and whatever body arrived meanwhile, then lets the client's body flow.
    func sendRequestHead(_ exchange: ProxyExchange) {
        guard let upstream = exchange.upstream, let context else { return }
        upstream.writeRequestHead(exchange.upstreamHead, isHEAD: exchange.method == .HEAD)
        exchange.headSent = true
        for part in exchange.bufferedBody {
            self.forward(part, of: exchange, to: upstream)
        }
        exchange.bufferedBody.removeAll()
        upstream.flush()
        if exchange.expectsContinue, !exchange.requestComplete {
            var interim = context.channel.allocator.buffer(capacity: 32)
            HTTPHeadWriter.write(HTTPResponseHead(version: exchange.requestVersion, status: .continue),
                into: &interim)
            self.writeResponseHead(interim, status: 100)
            context.flush()
        }
        exchange.lastActivity = .now()
        if self.timeoutCheck == nil {
            self.scheduleTimeoutCheck(after: self.runtime.upstreamTimeout)
        }
        self.setClientReadsPaused(!upstream.isWritable)
    }

    private func forward(
        _ part: ClientRequestParser.Event,
        of exchange: ProxyExchange,
        to upstream: UpstreamConnection
    ) {
        switch part {
        case .head:
            preconditionFailure("a second request head inside one exchange")
        case .body(let buffer):
            exchange.requestBodyBytesSent += buffer.readableBytes
            guard exchange.upstreamChunked else {
                upstream.write(buffer)
                return
            }
            HTTPHeadWriter.writeChunk(buffer, allocator: upstream.allocator) { upstream.write($0) }
        case .end(let trailers):
            guard exchange.upstreamChunked else { return }
            upstream.write(HTTPHeadWriter.lastChunk(trailers: trailers, allocator: upstream.allocator))
        }
    }

    /// Counts a failure against `backend`'s health, and logs it going down.
    func recordFailure(of backend: Backend) {
        if backend.recordFailure() == .wentDown {
            self.logger.error(
                "backend down",
                metadata: ["upstream.name": "\(backend.name)", "upstream.address": "\(backend.address)"]
            )
        }
    }

    // MARK: timeouts

    private func scheduleTimeoutCheck(after delay: TimeAmount) {
        guard let context else { return }
        self.timeoutCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.timeoutCheck = nil
            self.checkTimeout()
        }
    }

    /// The connection is done with HTTP (closed, or a tunnel now): no more checks.
    func stopTimeoutCheck() {
        self.timeoutCheck?.cancel()
        self.timeoutCheck = nil
    }

    /// The timer fired: time out the exchange whose backend has been silent for the whole timeout, or check again
    /// when it could be. With no request at a backend the timer stops; the next request arms it again.
    private func checkTimeout() {
        guard let exchange = self.exchange, exchange.headSent, exchange.upstream != nil,
            exchange.responsePhase != .done
        else { return }
        let idle = NIODeadline.now() - exchange.lastActivity
        if idle < self.runtime.upstreamTimeout {
            self.scheduleTimeoutCheck(after: self.runtime.upstreamTimeout - idle)
            return
        }
        self.logger.warning(
            "backend timed out",
            metadata: ["upstream.name": "\(exchange.backend?.name ?? "-")"]
        )
        self.upstreamFailed(exchange, error: UpstreamError.timeout)
    }
}

// MARK: - Requests, from the ClientRequestSequencer

extension ClientConnectionHandler {
    /// A request's head arrived.
    func requestHead(_ head: ClientRequestHead, context: ChannelHandlerContext) {
        self.observer.requestStarted(method: head.method, target: head.target)
        guard !self.finished else { return }
        self.start(head, context: context)
    }

    /// Bytes of the request's body arrived.
    func requestBody(_ bytes: ByteBuffer) {
        self.requestPart(.body(bytes))
    }

    /// The request ended.
    func requestEnd(trailers: ByteBuffer?) {
        self.requestPart(.end(trailers: trailers))
    }

    /// The parser refused the client's bytes; the sequencer answers and closes the connection.
    func requestRefused() {
        self.finished = true
    }

    private func requestPart(_ part: ClientRequestParser.Event) {
        guard let exchange = self.exchange else {
            // The rest of a request that was already answered (an error response, a closed connection).
            return
        }
        exchange.lastActivity = .now()
        let isEnd = if case .end = part { true } else { false }
        if isEnd {
            exchange.requestComplete = true
        }
        guard exchange.headSent, let upstream = exchange.upstream else {
            exchange.bufferedBody.append(part)
            return
        }
        self.forward(part, of: exchange, to: upstream)
        if isEnd {
            upstream.flush()
        } else if !upstream.isWritable {
            // Pause before flushing: a flush that drains the buffer reports writability again at once.
            self.setClientReadsPaused(true)
            upstream.flush()
        }
    }
}

// MARK: - ChannelHandler

extension ClientConnectionHandler {
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Requests come from the ``ClientRequestSequencer`` by method call; nothing else reads here.
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let upstream = self.exchange?.upstream {
            upstream.setReadsPaused(!context.channel.isWritable)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.observer.connectionClosed()
        self.finished = true
        self.stopTimeoutCheck()
        if let exchange = self.exchange {
            self.exchange = nil
            exchange.stopCounting()
            if let upstream = exchange.upstream {
                upstream.delegate = nil
                upstream.close()
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        self.clientReads.read(context)
    }
}

@available(*, unavailable)
extension ClientConnectionHandler: Sendable {}
