import Foundation
import Testing

/// Issue 5's load test: sessions spread over two replicas that share Redis, one backend killed in the middle.
@Suite("failover under load")
struct FailoverUnderLoadTests {
    @Test(
        "200 sessions over 2 replicas, a backend killed mid-load: only requests in flight fail, then every session sticks to one backend through both",
        .enabled(if: StoreEnvironment.shouldRun(needing: StoreEnvironment.redisVariable))
    )
    func backendKilledUnderLoad() throws {
        let redis = try StoreEnvironment.redis()
        let cluster = try ReplicatedCluster(label: "failover-load")
        defer { cluster.stop() }
        try cluster.startReplicas(store: redis.storeSetting)
        let replicas = [cluster.a, cluster.b]

        let browsers = (0..<200).map { _ in cluster.browser() }
        for (index, browser) in browsers.enumerated() {
            let response = try browser.get("/", via: replicas[index % 2])
            try #require(response.status == 200, "\(response.status)\n\(cluster.diagnostics())")
        }

        let victim = "web1"
        let workers = 8
        let victimProcess = cluster.backends.backend(named: victim)!.process
        // Each worker drives its own share of the sessions; worker 0 kills the backend after two rounds.
        let results = Simultaneously.run(
            (0..<workers).map { worker in
                {
                    var failures: [String] = []
                    for round in 0..<6 {
                        if worker == 0, round == 2 { try victimProcess.kill(signal: SIGKILL) }
                        for index in stride(from: worker, to: browsers.count, by: workers) {
                            let replica = replicas[(index + round) % 2]
                            do {
                                let response = try browsers[index].get("/", via: replica)
                                if response.status != 200 {
                                    failures.append("session \(index) via \(replica.name): \(response.status)")
                                }
                            } catch {
                                failures.append("session \(index) via \(replica.name): \(error)")
                            }
                        }
                    }
                    return failures
                }
            }
        )
        let failures = try results.flatMap { try $0.get() }
        let failed = failures
        print("failover under load: \(failed.count) failed requests of \(200 * 6) while \(victim) died")
        // At most one request per worker can have been in flight on the victim when it died.
        #expect(failed.count <= workers, "\(failed.prefix(10).joined(separator: "\n"))")

        // Every session now lives on one backend, and both replicas agree on which.
        var problems: [String] = []
        for (index, browser) in browsers.enumerated() {
            var owners: [String] = []
            for replica in [cluster.a, cluster.b, cluster.a, cluster.b] {
                let response = try browser.get("/", via: replica)
                owners.append(response.status == 200 ? (response.backend ?? "?") : "status \(response.status)")
            }
            if Set(owners).count != 1 || owners[0] == victim || owners[0].hasPrefix("status") {
                problems.append("session \(index): \(owners)")
            }
        }
        #expect(problems.isEmpty, "\(problems.count) sessions:\n\(problems.prefix(10).joined(separator: "\n"))")
    }
}
