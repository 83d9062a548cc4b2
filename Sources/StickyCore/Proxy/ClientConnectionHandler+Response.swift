import Glibc
import NIOCore
import NIOHTTP1

// MARK: - the response from the backend

extension ClientConnectionHandler: UpstreamConnectionDelegate {
    func upstream(_ connection: UpstreamConnection, received event: UpstreamResponseParser.Event) {
        guard let exchange = self.exchange, exchange.upstream === connection else {
            connection.close()
            return
        }
        exchange.lastActivity = .now()
        switch exchange.responsePhase {
        case .awaitingHead:
            guard case .head(let head) = event else {
                self.upstreamFailed(exchange, error: UpstreamError.closedBeforeResponse)
                return
            }
            self.received(head, for: exchange)
        case .holdingHead:
            exchange.heldResponseParts.append(event)
        case .streaming:
            self.relay(event, of: exchange)
        case .done:
            connection.close()
        }
    }

    func upstreamReadComplete(_ connection: UpstreamConnection) {
        guard self.exchange?.upstream === connection else { return }
        self.context?.flush()
    }

    func upstreamWritabilityChanged(_ connection: UpstreamConnection) {
        guard let exchange = self.exchange, exchange.upstream === connection, exchange.headSent else { return }
        self.setClientReadsPaused(!connection.isWritable)
    }

    func upstream(_ connection: UpstreamConnection, failed error: any Error) {
        guard let exchange = self.exchange, exchange.upstream === connection else { return }
        self.upstreamFailed(exchange, error: error)
    }

    // MARK: the head

    private func received(_ head: UpstreamResponseHead, for exchange: ProxyExchange) {
        exchange.upstreamKeepAlive = head.isKeepAlive
        exchange.backend?.recordSuccess(check: false)
        let writes = self.learn(from: head, for: exchange)
        let holding = writes.filter(\.holdsResponse)
        for write in writes where !write.holdsResponse {
            _ = self.perform(write)
        }
        guard !holding.isEmpty, let context else {
            self.forwardHead(head, of: exchange)
            return
        }
        // A write that starts or moves a session lands before the client can send its next request
        // through another replica; bounded by the store deadline, after which the response goes on.
        exchange.responsePhase = .holdingHead
        exchange.upstream?.setReadsPaused(true)
        let eventLoop = context.eventLoop
        let release = eventLoop.makePromise(of: Void.self)
        EventLoopFuture.andAllComplete(holding.map { self.perform($0) }, on: eventLoop).cascade(to: release)
        let deadline = eventLoop.scheduleTask(in: self.runtime.storeTimeout) { release.succeed() }
        release.futureResult.assumeIsolated().whenComplete { _ in
            deadline.cancel()
            guard exchange === self.exchange, exchange.responsePhase == .holdingHead else { return }
            self.forwardHead(head, of: exchange)
            let held = exchange.heldResponseParts
            exchange.heldResponseParts.removeAll()
            for part in held where exchange === self.exchange {
                self.relay(part, of: exchange)
            }
            self.context?.flush()
            if exchange === self.exchange, let context = self.context {
                exchange.upstream?.setReadsPaused(!context.channel.isWritable)
            }
        }
    }

    /// What the response's `Set-Cookie` headers mean for the store.
    private func learn(from head: UpstreamResponseHead, for exchange: ProxyExchange) -> [StoreWrite] {
        guard let backend = exchange.backend, head.hasSetCookie else { return [] }
        return self.runtime.learner.writes(
            setCookieHeaders: head.values(of: .setCookie),
            requestSession: exchange.session,
            routedBackend: exchange.routedBackend,
            backend: backend.name,
            now: Int64(time(nil))
        )
    }

    /// Starts `write` on the store; the future never fails: a failure is logged and treated as done.
    private func perform(_ write: StoreWrite) -> EventLoopFuture<Void> {
        guard let context else { preconditionFailure("a store write after the handler was removed") }
        let eventLoop = context.eventLoop
        let deadline = NIODeadline.now() + self.runtime.storeTimeout
        let future: EventLoopFuture<Void>
        switch write.operation {
        case .record(let mapping, let ttl):
            self.runtime.noteWrite(mapping, for: write.key, lifetime: ttl, on: self.resources)
            future = self.runtime.store.set(write.key, to: mapping, ttl: ttl, deadline: deadline, on: eventLoop)
            if mapping.slides {
                self.resources.noteFreshTTL(write.key, at: .now())
            }
        case .delete:
            self.runtime.noteWrite(nil, for: write.key, lifetime: nil, on: self.resources)
            future = self.runtime.store.delete(write.key, deadline: deadline, on: eventLoop)
        }
        let logger = self.logger
        return future.flatMapErrorThrowing { error in
            logger.warning("store write failed", metadata: ["store.error": "\(error)"])
        }
    }

    func forwardHead(_ head: UpstreamResponseHead, of exchange: ProxyExchange) {
        guard let context else { return }
        exchange.responsePhase = .streaming
        self.noteRouting(of: exchange)
        let version = exchange.requestVersion
        var bytes = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 64)
        if head.status == 101, exchange.isUpgrade {
            // The tunnel starts at this response's end, which the parser reports right after the head.
            exchange.switchingProtocols = true
            ClientResponseHead.write(head, requestVersion: version, keepAlive: true, chunked: false, into: &bytes)
            self.writeResponseHead(bytes, status: head.status)
            return
        }
        if exchange.isUpgrade || !exchange.requestComplete {
            // The decoder stops after an upgrade request; a body still arriving cannot be skipped safely.
            exchange.clientKeepAlive = false
        }
        let framing = ClientResponseHead.bodyFraming(
            of: head,
            requestVersion: version,
            isHEAD: exchange.method == .HEAD
        )
        exchange.clientBodyFraming = framing
        if framing == .asIs, head.contentLength == nil {
            // An HTTP/1.0 client learns where the body ends only from the connection closing.
            exchange.clientKeepAlive = false
        }
        if self.runtime.isDraining {
            exchange.clientKeepAlive = false  // shutting down: `Connection: close` on the last response
        }
        ClientResponseHead.write(
            head,
            requestVersion: version,
            keepAlive: exchange.clientKeepAlive,
            chunked: framing == .chunked || (framing == .none && head.isChunked && version != .http1_0),
            into: &bytes
        )
        self.writeResponseHead(bytes, status: head.status)
    }

    // MARK: the body

    private func relay(_ event: UpstreamResponseParser.Event, of exchange: ProxyExchange) {
        guard let context else { return }
        switch event {
        case .head:
            self.upstreamFailed(exchange, error: UpstreamError.closedBeforeResponse)
        case .body(let buffer):
            self.writeResponseBody(buffer, framing: exchange.clientBodyFraming)
            if !context.channel.isWritable {
                // Pause before flushing: a flush that drains the buffer reports writability again at once.
                exchange.upstream?.setReadsPaused(true)
                context.flush()
            }
        case .end(let trailers):
            if exchange.switchingProtocols {
                self.startTunnel(exchange)
            } else {
                self.complete(exchange, trailers: trailers)
            }
        }
    }

    /// The response is complete: the backend connection goes back to its pool (or closes), the client
    /// connection is ready for its next request (or closes).
    private func complete(_ exchange: ProxyExchange, trailers: ByteBuffer?) {
        guard let context else { return }
        exchange.responsePhase = .done
        exchange.stopCounting()
        self.exchange = nil
        if let upstream = exchange.upstream, let backend = exchange.backend {
            if exchange.upstreamKeepAlive, exchange.requestComplete, upstream.isReusable {
                self.resources.pool(for: backend).release(upstream)
            } else {
                upstream.delegate = nil
                upstream.close()
            }
        }
        let last = exchange.clientBodyFraming == .chunked
            ? HTTPHeadWriter.lastChunk(trailers: trailers, allocator: context.channel.allocator) : nil
        self.endResponse(keepAlive: exchange.clientKeepAlive, last: last)
    }

    /// Writes the end of a response (`last`: its last bytes, if any), then either reads the next request or
    /// closes the connection.
    func endResponse(keepAlive: Bool, last: ByteBuffer? = nil) {
        if !keepAlive {
            self.finished = true
        }
        self.writeResponseEnd(last, keepAlive: keepAlive)
        if keepAlive {
            self.setClientReadsPaused(false)
        }
    }

    // MARK: failures

    /// The backend connection failed during `exchange`: retry if that is safe, else answer 502/504, or cut the
    /// client connection when the response had already started.
    func upstreamFailed(_ exchange: ProxyExchange, error: any Error) {
        guard exchange === self.exchange else { return }
        if let upstream = exchange.upstream {
            upstream.delegate = nil
            upstream.close()
            exchange.upstream = nil
        }
        switch exchange.responsePhase {
        case .awaitingHead:
            let isTimeout = (error as? UpstreamError) == .timeout
            if !exchange.upstreamReused || isTimeout, let backend = exchange.backend {
                // A fresh connection reset before answering, or a backend silent for the whole timeout: passive
                // health failures. (A reused one may just have been closed while idle.)
                self.recordFailure(of: backend)
            }
            // A pooled connection the backend closed while it was idle, or a backend that reset the connection,
            // fails before answering. An idempotent request that sent no body can go again, once, on a fresh
            // connection (to another backend if that one refuses), within the retry budget. A malformed response
            // (ambiguous framing, a head over the limits) would only come again.
            if !exchange.retried, !(error is UpstreamResponseParser.Failure), let backend = exchange.backend,
                RetryPolicy.maySendAgain(
                    method: exchange.method,
                    bodyBytesSent: exchange.requestBodyBytesSent,
                    responseStarted: false,
                    timedOut: isTimeout
                ),
                self.resources.withdrawRetry()
            {
                exchange.retried = true
                self.countRetry(after: backend)
                exchange.headSent = false
                self.connect(exchange, to: backend, reuseIdle: false)
                return
            }
            self.logger.warning(
                "backend failed before responding",
                metadata: ["upstream.name": "\(exchange.backend?.name ?? "-")", "error": "\(error)"]
            )
            self.respond(exchange, status: isTimeout ? .gatewayTimeout : .badGateway)
        case .holdingHead, .streaming:
            self.logger.warning(
                "backend failed mid-response",
                metadata: ["upstream.name": "\(exchange.backend?.name ?? "-")", "error": "\(error)"]
            )
            exchange.stopCounting()
            self.exchange = nil
            self.finished = true
            self.context?.close(promise: nil)
        case .done:
            break
        }
    }

    /// Answers the request of `exchange` from the proxy itself.
    func respond(
        _ exchange: ProxyExchange,
        status: HTTPResponseStatus,
        extraHeaders: [(String, String)] = []
    ) {
        guard exchange === self.exchange, let context else { return }
        exchange.responsePhase = .done
        exchange.stopCounting()
        self.exchange = nil
        if let upstream = exchange.upstream {
            upstream.delegate = nil
            upstream.close()
        }
        self.noteRouting(of: exchange)
        // Unread body bytes would be taken for the next request: close instead.
        let keepAlive = exchange.clientKeepAlive && exchange.requestComplete && !exchange.isUpgrade
            && !self.runtime.isDraining
        self.writeErrorResponse(
            status,
            version: exchange.requestVersion,
            extraHeaders: extraHeaders,
            keepAlive: keepAlive,
            context: context
        )
    }

    /// Answers a request that never became an exchange (rejected from its head alone).
    func respondWithoutExchange(_ status: HTTPResponseStatus, context: ChannelHandlerContext, keepAlive: Bool) {
        self.writeErrorResponse(status, version: .http1_1, extraHeaders: [], keepAlive: keepAlive, context: context)
    }

    private func writeErrorResponse(
        _ status: HTTPResponseStatus,
        version: HTTPVersion,
        extraHeaders: [(String, String)],
        keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        let answer = ProxyAnswer.bytes(
            status,
            version: version,
            keepAlive: keepAlive,
            extraHeaders: extraHeaders,
            allocator: context.channel.allocator
        )
        self.writeResponseHead(answer, status: Int(status.code))
        self.endResponse(keepAlive: keepAlive)
    }
}
