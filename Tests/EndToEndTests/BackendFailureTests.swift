import Foundation
import Testing

/// A backend that dies: its sessions move, once, to a live backend.
@Suite("proxy: backend failure")
struct BackendFailureTests {
    @Test("sessions of a SIGKILLed backend get a new session elsewhere, then stick to it")
    func killedBackend() throws {
        let cluster = try TestCluster.withProxy(label: "failover")
        defer { cluster.stop() }

        // Sessions until every backend owns at least two.
        var sessions: [(client: HTTPTestClient, owner: String)] = []
        while sessions.count < 100 {
            let client = cluster.proxyClient()
            let response = try client.get("/")
            try #require(response.status == 200)
            sessions.append((client, try #require(response.backend)))
            let owners = Dictionary(grouping: sessions, by: \.owner)
            if sessions.count >= 30, cluster.backendNames.allSatisfy({ (owners[$0]?.count ?? 0) >= 2 }) { break }
        }
        let victim = sessions[0].owner
        try #require(sessions.filter { $0.owner == victim }.count >= 2)

        try cluster.backend(named: victim)!.process.kill(signal: SIGKILL)

        var gatewayErrors = 0
        var problems: [String] = []
        for (index, session) in sessions.enumerated() where session.owner == victim {
            // The request that finds the backend dead may fail with a gateway error; the one after must not.
            var response = try session.client.get("/")
            for _ in 0..<2 where [502, 503, 504].contains(response.status) {
                gatewayErrors += 1
                response = try session.client.get("/")
            }
            try #require(
                response.status == 200,
                "orphaned session \(index): \(response.status)\n\(cluster.diagnostics())"
            )
            let newOwner = try #require(response.backend)
            guard newOwner != victim, response.setCookies(named: "connect.sid").count == 1,
                response.text.hasPrefix("\(newOwner) visits=1 ")
            else {
                problems.append("orphaned session \(index): \(response.text.debugDescription), \(response.setCookies)")
                continue
            }
            for visit in 2...6 {
                let next = try session.client.get("/")
                if next.backend != newOwner || !next.text.hasPrefix("\(newOwner) visits=\(visit) ") {
                    problems.append(
                        "orphaned session \(index) moved from \(newOwner) on request \(visit): "
                            + next.text.debugDescription
                    )
                    break
                }
            }
        }
        print("backend failure: \(gatewayErrors) gateway errors while the proxy found \(victim) dead")
        // A refused connection sent nothing: the proxy takes the request to another backend itself.
        #expect(gatewayErrors == 0)
        let problemCount = problems.count
        #expect(problemCount == 0, "first problems:\n\(problems.prefix(5).joined(separator: "\n"))")

        var moved: [String] = []
        for (index, session) in sessions.enumerated() where session.owner != victim {
            let response = try session.client.get("/")
            if response.backend != session.owner || !response.text.hasPrefix("\(session.owner) visits=2 ") {
                moved.append("surviving session \(index) of \(session.owner): \(response.text.debugDescription)")
            }
        }
        let movedCount = moved.count
        #expect(movedCount == 0, "sessions on live backends must stay:\n\(moved.prefix(5).joined(separator: "\n"))")
    }
}
