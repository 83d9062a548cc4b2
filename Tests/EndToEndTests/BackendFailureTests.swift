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
        for (index, session) in sessions.enumerated() where session.owner == victim {
            // The request that finds the backend dead may fail with a gateway error; the one after must not.
            var response = try session.client.get("/")
            for _ in 0..<2 where [502, 503, 504].contains(response.status) {
                gatewayErrors += 1
                response = try session.client.get("/")
            }
            try #require(response.status == 200, "orphaned session \(index): \(response.status)\n\(cluster.diagnostics())")
            let newOwner = try #require(response.backend)
            #expect(newOwner != victim)
            #expect(response.setCookies(named: "connect.sid").count == 1, "the new backend issues a new session")
            #expect(response.text.hasPrefix("\(newOwner) visits=1 "))

            for visit in 2...6 {
                let next = try session.client.get("/")
                #expect(next.backend == newOwner, "orphaned session \(index) moved again: \(next.backend ?? "none")")
                #expect(next.text.hasPrefix("\(newOwner) visits=\(visit) "))
            }
        }
        print("backend failure: \(gatewayErrors) gateway errors while the proxy found \(victim) dead")

        for (index, session) in sessions.enumerated() where session.owner != victim {
            let response = try session.client.get("/")
            #expect(response.backend == session.owner, "surviving session \(index) moved")
            #expect(response.text.hasPrefix("\(session.owner) visits=2 "))
        }
    }
}
