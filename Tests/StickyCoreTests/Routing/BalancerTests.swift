import NIOCore
import Testing

@testable import StickyCore

@Suite struct BalancerTests {
    static func backends(_ weights: [String: Int]) -> [Backend] {
        weights.keys.sorted().enumerated().map { index, name in
            Backend(
                name: name,
                address: SocketAddressSpec(host: "127.0.0.1", port: 9000 + index),
                socketAddress: try! SocketAddress(ipAddress: "127.0.0.1", port: 9000 + index),
                weight: weights[name]!,
                healthPolicy: .init(rise: 1, fall: 1, cooldown: .seconds(10))
            )
        }
    }

    /// How many of `picks` picks each backend got.
    static func distribution(_ balancer: any Balancer, _ backends: [Backend], picks: Int) -> [String: Int] {
        var counts: [String: Int] = [:]
        for _ in 0..<picks {
            if let backend = balancer.pick(from: backends, excluding: []) { counts[backend.name, default: 0] += 1 }
        }
        return counts
    }

    @Test func smoothWeightedRoundRobinInterleaves() {
        #expect(RoundRobinBalancer.smoothSchedule(weights: [5, 1, 1]) == [0, 0, 1, 0, 2, 0, 0])
        #expect(RoundRobinBalancer.smoothSchedule(weights: [1, 1, 1]) == [0, 1, 2])
    }

    @Test func roundRobinHonoursWeightsExactly() {
        let backends = Self.backends(["a": 3, "b": 1, "c": 1])
        let counts = Self.distribution(RoundRobinBalancer(backends: backends), backends, picks: 500)
        #expect(counts == ["a": 300, "b": 100, "c": 100])
    }

    @Test func roundRobinSkipsDownDrainingAndExcluded() {
        let backends = Self.backends(["a": 1, "b": 1, "c": 1, "d": 1])
        backends[0].recordFailure()
        backends[1].setDraining(true)
        let balancer = RoundRobinBalancer(backends: backends)
        for _ in 0..<8 {
            #expect(balancer.pick(from: backends, excluding: ["c"])?.name == "d")
        }
        #expect(balancer.pick(from: backends, excluding: ["c", "d"]) == nil)
    }

    @Test func leastConnectionsTakesTheLeastLoadedPerWeight() {
        let backends = Self.backends(["a": 1, "b": 2, "c": 1])
        backends[0].addActiveRequests(3)  // 3 per weight
        backends[1].addActiveRequests(4)  // 2 per weight
        backends[2].addActiveRequests(5)  // 5 per weight
        let balancer = LeastConnectionsBalancer()
        #expect(balancer.pick(from: backends, excluding: [])?.name == "b")
        #expect(balancer.pick(from: backends, excluding: ["b"])?.name == "a")
        // Ties go round: both idle ones get picks.
        let idle = Self.backends(["x": 1, "y": 1])
        #expect(Set(Self.distribution(balancer, idle, picks: 10).keys) == ["x", "y"])
    }

    @Test func leastConnectionsSpreadsByWeightUnderLoad() {
        let backends = Self.backends(["a": 3, "b": 1])
        let balancer = LeastConnectionsBalancer()
        // Requests that never finish: the balancer must fill the backends in proportion to their weights.
        for _ in 0..<400 {
            balancer.pick(from: backends, excluding: [])!.addActiveRequests(1)
        }
        #expect(backends[0].activeRequests == 300)
        #expect(backends[1].activeRequests == 100)
    }

    @Test func randomTwoFollowsWeightsAndPrefersTheLessLoaded() {
        var generator = SplitMix64(seed: 42)
        let backends = Self.backends(["a": 3, "b": 1])
        let balancer = RandomTwoBalancer()
        var counts: [String: Int] = [:]
        for _ in 0..<4000 {
            let backend = balancer.pick(from: backends, excluding: [], using: &generator)!
            counts[backend.name, default: 0] += 1
        }
        // Idle backends: drawn by weight, ties keep the first draw: about 3:1.
        #expect((2700...3300).contains(counts["a"] ?? 0), "\(counts)")
        // A loaded backend loses every duel it is in.
        backends[0].addActiveRequests(100)
        for _ in 0..<100 {
            #expect(balancer.pick(from: backends, excluding: [], using: &generator)?.name == "b")
        }
    }
}
