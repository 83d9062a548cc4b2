import NIOCore
import Testing

@testable import StickyCore

@Suite struct AffinityRouterTests {
    static func backends(_ names: String...) -> [Backend] {
        names.enumerated().map { index, name in
            Backend(
                name: name,
                address: SocketAddressSpec(host: "127.0.0.1", port: 9000 + index),
                socketAddress: try! SocketAddress(ipAddress: "127.0.0.1", port: 9000 + index),
                healthPolicy: .init(rise: 1, fall: 1, cooldown: .seconds(10))
            )
        }
    }

    static func router(_ backends: [Backend], fallback: Bool = true) -> AffinityRouter {
        AffinityRouter(backends: backends, balancer: RoundRobinBalancer(backends: backends), fallback: fallback)
    }

    @Test func aRecordedAvailableBackendIsSticky() {
        let backends = Self.backends("a", "b", "c")
        let router = Self.router(backends, fallback: true)
        for _ in 0..<10 {
            guard case .forward(let backend, .sticky) = router.route(
                .found(StoredMapping(backend: "b", slides: false)))
            else {
                Issue.record("expected sticky")
                return
            }
            #expect(backend.name == "b")
        }
    }

    @Test func noSessionIsBalancedRoundRobin() {
        let router = Self.router(Self.backends("a", "b", "c"), fallback: true)
        var seen: [String] = []
        for _ in 0..<6 {
            guard case .forward(let backend, .new) = router.route(.noSession) else {
                Issue.record("expected a new pick")
                return
            }
            seen.append(backend.name)
        }
        #expect(seen == ["a", "b", "c", "a", "b", "c"])
    }

    /// Claiming would let a client create store keys at will with made-up session IDs.
    @Test func anUnknownSessionIsBalancedWithoutClaiming() {
        let router = Self.router(Self.backends("a", "b"), fallback: true)
        var seen: Set<String> = []
        for _ in 0..<4 {
            guard case .forward(let backend, .unknownSession) = router.route(.absent) else {
                Issue.record("expected a plain pick")
                return
            }
            seen.insert(backend.name)
        }
        #expect(seen == ["a", "b"])
    }

    @Test func aStoreFailureIsBalancedWithoutClaiming() {
        let router = Self.router(Self.backends("a", "b"), fallback: true)
        guard case .forward(_, .storeError) = router.route(.failed) else {
            Issue.record("expected a plain pick")
            return
        }
    }

    @Test func aDownBackendFallsBackAndRewritesTheMapping() {
        let backends = Self.backends("a", "b", "c")
        backends[1].recordFailure()
        let router = Self.router(backends, fallback: true)
        let stale = StoredMapping(backend: "b", slides: true)
        for _ in 0..<6 {
            guard case .claim(let backend, let replacing, .fallback) = router.route(.found(stale)) else {
                Issue.record("expected a fallback claim")
                return
            }
            #expect(backend.name != "b")
            #expect(replacing == stale)
        }
        // A probe brings it back, and it is sticky again.
        backends[1].recordSuccess(check: true)
        guard case .forward(let backend, .sticky) = router.route(.found(stale)) else {
            Issue.record("expected sticky once it is back")
            return
        }
        #expect(backend.name == "b")
    }

    @Test func anUnknownRecordedBackendFallsBack() {
        let router = Self.router(Self.backends("a"), fallback: true)
        guard case .claim(let backend, _, .fallback) = router.route(
            .found(StoredMapping(backend: "gone", slides: false)))
        else {
            Issue.record("expected a fallback claim")
            return
        }
        #expect(backend.name == "a")
    }

    @Test func aDrainingBackendKeepsItsSessionsButGetsNoNewOnes() {
        let backends = Self.backends("a", "b")
        backends[0].setDraining(true)
        let router = Self.router(backends)
        guard case .forward(let kept, .sticky) = router.route(.found(StoredMapping(backend: "a", slides: false))) else {
            Issue.record("expected the draining backend to keep its session")
            return
        }
        #expect(kept.name == "a")
        for _ in 0..<4 {
            guard case .forward(let picked, .new) = router.route(.noSession) else {
                Issue.record("expected a pick")
                return
            }
            #expect(picked.name == "b")
        }
    }

    /// Draining means "prefer the others"; with nothing else left it must not turn into refusing service.
    @Test func whenEveryBackendDrainsNewSessionsStillGetOne() {
        let backends = Self.backends("a", "b")
        backends.forEach { $0.setDraining(true) }
        let router = Self.router(backends)
        guard case .forward(_, .new) = router.route(.noSession) else {
            Issue.record("expected a draining backend rather than no backend")
            return
        }
    }

    @Test func fallbackOffAnswersUnavailable() {
        let backends = Self.backends("a", "b")
        backends[0].recordFailure()
        let router = Self.router(backends, fallback: false)
        guard case .unavailable = router.route(.found(StoredMapping(backend: "a", slides: false))) else {
            Issue.record("expected unavailable")
            return
        }
    }

    @Test func excludedBackendsAreAvoidedAndExhaustionIsNoBackend() {
        let router = Self.router(Self.backends("a", "b"), fallback: true)
        for _ in 0..<4 {
            guard case .forward(let backend, .new) = router.route(.noSession, excluding: ["a"]) else {
                Issue.record("expected b")
                return
            }
            #expect(backend.name == "b")
        }
        guard case .noBackend = router.route(.noSession, excluding: ["a", "b"]) else {
            Issue.record("expected noBackend")
            return
        }
    }

    @Test func theOnlyBackendIsTriedEvenWhenDown() {
        let backends = Self.backends("a")
        backends[0].recordFailure()
        let router = Self.router(backends, fallback: true)
        guard case .forward(let backend, .sticky) = router.route(
            .found(StoredMapping(backend: "a", slides: false)))
        else {
            Issue.record("expected the recorded backend")
            return
        }
        #expect(backend.name == "a")
        guard case .forward(_, .new) = router.route(.noSession) else {
            Issue.record("expected a pick despite the cooldown")
            return
        }
    }
}
