import NIOHTTP1

/// Who may call the mutating admin endpoints: with `STICKY_ADMIN_TOKEN` set, whoever sends
/// `Authorization: Bearer <token>`; without it, anyone, but only on a loopback listener.
struct AdminAuthorization: Sendable {
    enum Verdict: Equatable, Sendable {
        case allowed
        /// 401: a token is set and the request did not carry it.
        case unauthorized
        /// 403: no token is set and the listener is reachable from other hosts.
        case forbidden
    }

    let token: String?
    let listenerIsLoopback: Bool

    init(token: String?, listener: SocketAddressSpec) {
        self.token = token
        self.listenerIsLoopback = Self.isLoopback(listener.host)
    }

    func verdict(for headers: HTTPHeaders) -> Verdict {
        guard let token else { return self.listenerIsLoopback ? .allowed : .forbidden }
        guard let given = headers.first(name: "authorization") else { return .unauthorized }
        return Self.constantTimeEquals(given, "Bearer " + token) ? .allowed : .unauthorized
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Compares without stopping at the first difference, so the time taken says nothing about the token.
    private static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
