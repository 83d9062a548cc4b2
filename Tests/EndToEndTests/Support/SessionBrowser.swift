/// A browser with one cookie jar that reaches the proxy through different replicas, as a browser behind DNS or a
/// TCP load balancer does: each replica has its own keep-alive connection, the jar follows every response.
final class SessionBrowser {
    var jar = CookieJar()
    private var clients: [String: HTTPTestClient] = [:]

    init(replicas: [ProxyReplica]) {
        for replica in replicas {
            self.clients[replica.name] = replica.client()
        }
    }

    /// `connect.sid` as the jar holds it: the session ID the proxy sees.
    var sessionID: String? { self.jar["connect.sid"] }

    func get(_ target: String, via replica: ProxyReplica) throws -> HTTPTestResponse {
        let client = self.client(of: replica)
        client.cookies = self.jar
        let response = try client.get(target)
        self.jar = client.cookies
        return response
    }

    /// The connection to `replica`, opened now (so that a request can go out at a chosen moment).
    /// Statuses of `rounds` pairs of requests through `replica`: one in this browser's session, one on a fresh
    /// connection without cookies. For outages: every one of them should still be 200.
    func statusCounts(rounds: Int, via replica: ProxyReplica) throws -> [Int: Int] {
        var statuses: [Int: Int] = [:]
        for _ in 0..<rounds {
            statuses[try self.get("/", via: replica).status, default: 0] += 1
            let fresh = replica.client()
            statuses[try fresh.get("/").status, default: 0] += 1
            fresh.close()
        }
        return statuses
    }

    func client(of replica: ProxyReplica) -> HTTPTestClient {
        guard let client = self.clients[replica.name] else {
            preconditionFailure("no replica \(replica.name) in this browser")
        }
        return client
    }

    func close() {
        for client in self.clients.values { client.close() }
    }
}
