import NIOCore
import Testing

@testable import StickyCore

@Suite struct AffinityRouterTests {
    static func backends(_ names: String...) -> [Backend] {
        names.enumerated().map { index, name in
            Backend(
                name: name,
                address: SocketAddressSpec(host: "127.0.0.1", port: 9000 + index),
                socketAddress: try! SocketAddress(ipAddress: "127.0.0.1", port: 9000 + index)
            )
        }
    }

    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func aRecordedAvailableBackendIsSticky() {
        let backends = Self.backends("a", "b", "c")
        let router = AffinityRouter(backends: backends, balancer: RoundRobinBalancer(), fallback: true)
        for _ in 0..<10 {
            guard case .forward(let backend, .sticky) = router.route(
                .found(StoredMapping(backend: "b", slides: false)), at: self.now)
            else {
                Issue.record("expected sticky")
                return
            }
            #expect(backend.name == "b")
        }
    }

    @Test func noSessionIsBalancedRoundRobin() {
        let router = AffinityRouter(backends: Self.backends("a", "b", "c"), balancer: RoundRobinBalancer(),
            fallback: true)
        var seen: [String] = []
        for _ in 0..<6 {
            guard case .forward(let backend, .new) = router.route(.noSession, at: self.now) else {
                Issue.record("expected a new pick")
                return
            }
            seen.append(backend.name)
        }
        #expect(seen == ["a", "b", "c", "a", "b", "c"])
    }

    /// Claiming would let a client create store keys at will with made-up session IDs.
    @Test func anUnknownSessionIsBalancedWithoutClaiming() {
        let router = AffinityRouter(backends: Self.backends("a", "b"), balancer: RoundRobinBalancer(), fallback: true)
        var seen: Set<String> = []
        for _ in 0..<4 {
            guard case .forward(let backend, .unknownSession) = router.route(.absent, at: self.now) else {
                Issue.record("expected a plain pick")
                return
            }
            seen.insert(backend.name)
        }
        #expect(seen == ["a", "b"])
    }

    @Test func aStoreFailureIsBalancedWithoutClaiming() {
        let router = AffinityRouter(backends: Self.backends("a", "b"), balancer: RoundRobinBalancer(), fallback: true)
        guard case .forward(_, .storeError) = router.route(.failed, at: self.now) else {
            Issue.record("expected a plain pick")
            return
        }
    }

    @Test func aDownBackendFallsBackAndRewritesTheMapping() {
        let backends = Self.backends("a", "b", "c")
        backends[1].markDown(until: self.now + .seconds(10))
        let router = AffinityRouter(backends: backends, balancer: RoundRobinBalancer(), fallback: true)
        let stale = StoredMapping(backend: "b", slides: true)
        for _ in 0..<6 {
            guard case .claim(let backend, let replacing, .fallback) = router.route(.found(stale), at: self.now) else {
                Issue.record("expected a fallback claim")
                return
            }
            #expect(backend.name != "b")
            #expect(replacing == stale)
        }
        // After the cooldown it is sticky again.
        guard case .forward(let backend, .sticky) = router.route(.found(stale), at: self.now + .seconds(11)) else {
            Issue.record("expected sticky after the cooldown")
            return
        }
        #expect(backend.name == "b")
    }

    @Test func anUnknownRecordedBackendFallsBack() {
        let router = AffinityRouter(backends: Self.backends("a"), balancer: RoundRobinBalancer(), fallback: true)
        guard case .claim(let backend, _, .fallback) = router.route(
            .found(StoredMapping(backend: "gone", slides: false)), at: self.now)
        else {
            Issue.record("expected a fallback claim")
            return
        }
        #expect(backend.name == "a")
    }

    @Test func fallbackOffAnswersUnavailable() {
        let backends = Self.backends("a", "b")
        backends[0].markDown(until: self.now + .seconds(10))
        let router = AffinityRouter(backends: backends, balancer: RoundRobinBalancer(), fallback: false)
        guard case .unavailable = router.route(.found(StoredMapping(backend: "a", slides: false)), at: self.now) else {
            Issue.record("expected unavailable")
            return
        }
    }

    @Test func excludedBackendsAreAvoidedAndExhaustionIsNoBackend() {
        let router = AffinityRouter(backends: Self.backends("a", "b"), balancer: RoundRobinBalancer(), fallback: true)
        for _ in 0..<4 {
            guard case .forward(let backend, .new) = router.route(.noSession, at: self.now, excluding: ["a"]) else {
                Issue.record("expected b")
                return
            }
            #expect(backend.name == "b")
        }
        guard case .noBackend = router.route(.noSession, at: self.now, excluding: ["a", "b"]) else {
            Issue.record("expected noBackend")
            return
        }
    }

    @Test func theOnlyBackendIsTriedEvenInItsCooldown() {
        let backends = Self.backends("a")
        backends[0].markDown(until: self.now + .seconds(10))
        let router = AffinityRouter(backends: backends, balancer: RoundRobinBalancer(), fallback: true)
        guard case .forward(let backend, .sticky) = router.route(
            .found(StoredMapping(backend: "a", slides: false)), at: self.now)
        else {
            Issue.record("expected the recorded backend")
            return
        }
        #expect(backend.name == "a")
        guard case .forward(_, .new) = router.route(.noSession, at: self.now) else {
            Issue.record("expected a pick despite the cooldown")
            return
        }
    }
}
