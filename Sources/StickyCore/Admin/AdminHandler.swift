import NIOCore
import NIOHTTP1

/// Answers the admin listener's requests: `/healthz` (the process is alive), `/readyz` (it serves), `/backends`
/// (this replica's view of each backend) and `/metrics` (Prometheus).
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Prometheus' text exposition format.
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    private var head: HTTPRequestHead?
    private let status: AdminStatus

    init(status: AdminStatus) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch AdminHandler.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            if head.method == .POST, let (name, draining) = Self.drainTarget(head.uri) {
                self.drain(name, draining, head: head, context: context)
                return
            }
            if head.method == .GET, head.uri.split(separator: "?", maxSplits: 1).first == "/backends" {
                let status = self.status
                context.eventLoop.makeFutureWithTask { await status.recentSessionCounts() }
                    .assumeIsolated()
                    .whenComplete { result in
                        let counts = (try? result.get()) ?? [:]
                        self.send(Answer(status: .ok, body: self.backendList(recentSessions: counts)), for: head,
                            context: context)
                    }
                return
            }
            self.send(self.answer(head), for: head, context: context)
        }
    }

    /// `POST /backends/NAME/drain` or `/undrain`: the backend's name and whether it is to drain.
    private static func drainTarget(_ uri: String) -> (String, Bool)? {
        let parts = uri.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "backends", !parts[2].isEmpty,
            parts[3] == "drain" || parts[3] == "undrain"
        else { return nil }
        return (String(parts[2]), parts[3] == "drain")
    }

    private func drain(_ name: String, _ draining: Bool, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch self.status.authorization.verdict(for: head.headers) {
        case .unauthorized:
            self.send(Answer(status: .unauthorized, body: #"{"error":"a bearer token is required"}"#), for: head,
                context: context)
            return
        case .forbidden:
            self.send(
                Answer(
                    status: .forbidden,
                    body: #"{"error":"set STICKY_ADMIN_TOKEN to drain through a non-loopback admin listener"}"#
                ),
                for: head,
                context: context
            )
            return
        case .allowed:
            break
        }
        self.status.drain.setDraining(name, draining, on: context.eventLoop).assumeIsolated().whenSuccess { outcome in
            let body = #"{"backend":"# + JSONText.quoted(name) + #","draining":"# + (draining ? "true" : "false")
            switch outcome {
            case .unknownBackend:
                self.send(Answer(status: .notFound, body: #"{"error":"no such backend"}"#), for: head, context: context)
            case .shared:
                self.send(Answer(status: .ok, body: body + #","replicas":"all"}"#), for: head, context: context)
            case .localOnly:
                // The store did not take it: only this replica drains; say so rather than pretend.
                self.send(Answer(status: .serviceUnavailable, body: body + #","replicas":"this one only"}"#),
                    for: head, context: context)
            }
        }
    }

    private func send(_ answer: Answer, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([
            ("content-type", answer.contentType),
            ("content-length", "\(answer.body.utf8.count)"),
        ])
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            AdminHandler.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: answer.status,
                headers: headers))),
            promise: nil
        )
        if head.method != .HEAD {
            let body = context.channel.allocator.buffer(string: answer.body)
            context.write(AdminHandler.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.writeAndFlush(AdminHandler.wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private struct Answer {
        var status: HTTPResponseStatus
        var body: String
        var contentType = "application/json"
    }

    private func answer(_ head: HTTPRequestHead) -> Answer {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            return Answer(status: .methodNotAllowed, body: #"{"error":"method not allowed"}"#)
        }
        switch path {
        case "/healthz":
            return Answer(status: .ok, body: #"{"status":"ok"}"#)
        case "/readyz":
            return self.readiness()
        case "/backends":
            return Answer(status: .ok, body: self.backendList(recentSessions: [:]))
        case "/metrics":
            guard let render = self.status.renderMetrics else {
                return Answer(status: .notFound, body: #"{"error":"no metrics in this build"}"#)
            }
            self.status.metrics.sampleStates(
                backends: self.status.backends,
                storeHealth: self.status.storeHealth(),
                now: .now()
            )
            return Answer(status: .ok, body: render(), contentType: Self.metricsContentType)
        default:
            return Answer(status: .notFound, body: #"{"error":"not found"}"#)
        }
    }

    /// `200 {"status":"ready",…}` while the proxy serves, a degraded store included (requests are then load
    /// balanced); `503 {"status":"draining",…}` once it shuts down, so that load balancers stop sending.
    private func readiness() -> Answer {
        let draining = self.status.isDraining()
        let backends: [String] = self.status.backends.map { backend in
            let up = backend.isUp ? "true" : "false"
            return #"{"name":"# + JSONText.quoted(backend.name) + #","address":"#
                + JSONText.quoted("\(backend.address)") + #","up":"# + up + "}"
        }
        let body = #"{"status":"# + (draining ? #""draining""# : #""ready""#)
            + #","store":"# + JSONText.quoted(self.status.storeHealth().rawValue)
            + #","backends":["# + backends.joined(separator: ",") + "]}"
        return Answer(status: draining ? .serviceUnavailable : .ok, body: body)
    }

    /// Each backend as this replica sees it: health, and its connections from this replica.
    private func backendList(recentSessions: [String: Int]) -> String {
        let backends: [String] = self.status.backends.map { backend in
            let metrics = self.status.metrics.backend(backend.name)
            return #"{"name":"# + JSONText.quoted(backend.name)
                + #","address":"# + JSONText.quoted("\(backend.address)")
                + #","weight":"# + String(backend.weight)
                + #","up":"# + (backend.isUp ? "true" : "false")
                + #","draining":"# + (backend.isDraining ? "true" : "false")
                + #","sessions_last_5m":"# + String(recentSessions[backend.name] ?? 0)
                + #","open_connections":"# + String(metrics?.openConnections ?? 0)
                + #","active_connections":"# + String(metrics?.activeConnections ?? 0) + "}"
        }
        return #"{"backends":["# + backends.joined(separator: ",") + "]}"
    }
}

@available(*, unavailable)
extension AdminHandler: Sendable {}
