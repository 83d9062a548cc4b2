import NIOCore
import NIOHTTP1

extension DemoHTTPHandler {
    /// One day, express-session's usual cookie lifetime in this demo.
    static let sessionLifetime: Int64 = 86_400

    /// Answers a fully received request.
    func route(context: ChannelHandlerContext, request: Request) {
        let now = WallClock.nowEpochSeconds()
        switch request.target.path {
        case "/healthz":
            // For health checks: no session. `POST /healthz?status=N` sets the status it answers with from now on.
            if request.head.method == .POST, let status = request.target.integer("status"), (200...599).contains(status) {
                self.store.health.set(status)
            }
            let status = self.store.health.current
            self.sendText(
                context: context,
                request: request,
                status: HTTPResponseStatus(statusCode: status),
                headers: self.baseHeaders(setCookie: nil),
                body: "health \(status)\n"
            )
        case "/ws":
            self.webSocket(context: context, request: request)
        case "/logout":
            self.logout(context: context, request: request)
        case "/login":
            self.login(context: context, request: request, now: now)
        case "/browser-session":
            self.browserSession(context: context, request: request, now: now)
        default:
            // Like express-session in front of every other route: a request without a live session of this
            // instance gets a new one.
            let session = self.resolveSession(request: request, now: now)
            let headers = self.baseHeaders(setCookie: session.setCookie)
            switch request.target.path {
            case "/":
                let visits = self.store.recordVisit(session.id, now: now) ?? 1
                let body = "\(self.backendName) visits=\(visits) session=\(session.id.prefix(6))\n"
                self.sendText(context: context, request: request, headers: headers, body: body)
            case "/upload":
                self.upload(context: context, request: request, headers: headers)
            case "/download":
                self.startDownload(context: context, request: request, headers: headers)
            case "/chunked":
                self.chunked(context: context, request: request, headers: headers)
            case "/slow":
                self.slow(context: context, request: request, headers: headers)
            case "/echo":
                self.echo(context: context, request: request, headers: headers)
            case "/status":
                self.status(context: context, request: request, headers: headers)
            default:
                self.sendText(
                    context: context,
                    request: request,
                    status: .notFound,
                    headers: headers,
                    body: "not found\n"
                )
            }
        }
    }

    /// The live session the request carries, or a new one with the `Set-Cookie` that issues it.
    func resolveSession(request: Request, now: Int64) -> (id: String, setCookie: String?) {
        if let value = CookieHeader.value(named: SessionCookie.name, in: request.head.headers),
            let id = SessionCookie.sessionID(from: value),
            self.store.contains(id, now: now)
        {
            return (id, nil)
        }
        let expires = now + Self.sessionLifetime
        let id = self.store.create(expiresAt: expires, now: now)
        return (id, SessionCookie.setCookie(id: id, expiresAtEpochSeconds: expires))
    }

    /// `GET /logout[?style=max-age]`: destroys the session and deletes the cookie.
    func logout(context: ChannelHandlerContext, request: Request) {
        if let value = CookieHeader.value(named: SessionCookie.name, in: request.head.headers),
            let id = SessionCookie.sessionID(from: value)
        {
            self.store.destroy(id)
        }
        let deletion =
            request.target.query["style"] == "max-age"
            ? SessionCookie.deletionByMaxAge : SessionCookie.deletionByExpires
        let body = "\(self.backendName) logged out\n"
        self.sendText(context: context, request: request, headers: self.baseHeaders(setCookie: deletion), body: body)
    }

    /// `GET /login?max-age=N`: a new session (the old one is destroyed) whose cookie has `Max-Age=N`.
    func login(context: ChannelHandlerContext, request: Request, now: Int64) {
        let maxAge = request.target.integer("max-age") ?? 3600
        if let value = CookieHeader.value(named: SessionCookie.name, in: request.head.headers),
            let id = SessionCookie.sessionID(from: value)
        {
            self.store.destroy(id)
        }
        let id = self.store.create(expiresAt: now + Int64(maxAge), now: now)
        let headers = self.baseHeaders(setCookie: SessionCookie.setCookie(id: id, maxAge: maxAge))
        let body = "\(self.backendName) login session=\(id.prefix(6)) max-age=\(maxAge)\n"
        self.sendText(context: context, request: request, headers: headers, body: body)
    }

    /// `GET /browser-session`: a new session whose cookie has neither `Expires` nor `Max-Age`.
    func browserSession(context: ChannelHandlerContext, request: Request, now: Int64) {
        let id = self.store.create(expiresAt: now + Self.sessionLifetime, now: now)
        let headers = self.baseHeaders(setCookie: SessionCookie.setBrowserSessionCookie(id: id))
        let body = "\(self.backendName) browser-session session=\(id.prefix(6))\n"
        self.sendText(context: context, request: request, headers: headers, body: body)
    }

    /// `POST /upload`: the body was counted as it streamed in; answers `bytes=<count>`.
    func upload(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders) {
        guard request.head.method == .POST || request.head.method == .PUT else {
            self.methodNotAllowed(context: context, request: request, headers: headers, allow: "POST, PUT")
            return
        }
        self.sendText(context: context, request: request, headers: headers, body: "bytes=\(request.bodyBytes)\n")
    }

    /// `GET /chunked?chunks=N`: a `Transfer-Encoding: chunked` response of N small chunks.
    func chunked(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders) {
        let chunks = request.target.integer("chunks") ?? 3
        guard (0...100_000).contains(chunks) else {
            self.badRequest(context: context, request: request, headers: headers, "chunks must be 0...100000")
            return
        }
        var headers = headers
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Transfer-Encoding", value: "chunked")
        self.writeHead(context: context, request: request, status: .ok, headers: headers)
        if request.head.method != .HEAD {
            for index in 0..<chunks {
                let buffer = context.channel.allocator.buffer(
                    string: "\(self.backendName) chunk \(index + 1)/\(chunks)\n"
                )
                context.writeAndFlush(DemoHTTPHandler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
        }
        self.finishResponse(context: context, keepAlive: request.keepAlive)
    }

    /// `GET /slow?ms=N`: answers after N milliseconds.
    func slow(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders) {
        let milliseconds = request.target.integer("ms") ?? 1000
        guard (0...600_000).contains(milliseconds) else {
            self.badRequest(context: context, request: request, headers: headers, "ms must be 0...600000")
            return
        }
        let body = "\(self.backendName) slept \(milliseconds) ms\n"
        self.scheduledResponse = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(milliseconds)))
        {
            self.scheduledResponse = nil
            self.sendText(context: context, request: request, headers: headers, body: body)
        }
    }

    /// `GET /echo`: the request head as received, as text: `METHOD TARGET HTTP/x.y`, then one header per line.
    func echo(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders) {
        let head = request.head
        var body = "\(head.method.rawValue) \(head.uri) HTTP/\(head.version.major).\(head.version.minor)\n"
        for (name, value) in head.headers {
            body += "\(name): \(value)\n"
        }
        self.sendText(context: context, request: request, headers: headers, body: body)
    }

    /// `GET /status?code=N`: answers with status N (200...599).
    func status(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders) {
        guard let code = request.target.integer("code"), (200...599).contains(code) else {
            self.badRequest(context: context, request: request, headers: headers, "code must be 200...599")
            return
        }
        let status = HTTPResponseStatus(statusCode: code)
        self.sendText(context: context, request: request, status: status, headers: headers, body: "status \(code)\n")
    }

    func badRequest(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders, _ reason: String) {
        self.sendText(context: context, request: request, status: .badRequest, headers: headers, body: reason + "\n")
    }

    func methodNotAllowed(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders, allow: String) {
        var headers = headers
        headers.add(name: "Allow", value: allow)
        let body = "method not allowed\n"
        self.sendText(context: context, request: request, status: .methodNotAllowed, headers: headers, body: body)
    }
}
