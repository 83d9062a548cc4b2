import Testing

@testable import StickyCore

@Suite struct BackendHealthTests {
    let clock = ManualClock()

    func health(rise: Int = 2, fall: Int = 3, cooldown: Duration = .seconds(10)) -> BackendHealth<ManualClock.Instant> {
        BackendHealth(policy: .init(rise: rise, fall: fall, cooldown: cooldown))
    }

    @Test func fallFailuresInARowTakeItDown() {
        var health = self.health()
        #expect(health.recordFailure(at: self.clock.now, check: false) == nil)
        #expect(health.recordFailure(at: self.clock.now, check: false) == nil)
        #expect(health.isUp)
        #expect(health.recordFailure(at: self.clock.now, check: false) == .wentDown)
        #expect(!health.isUp)
    }

    @Test func aSuccessInBetweenStartsTheCountAgain() {
        var health = self.health()
        for _ in 0..<10 {
            _ = health.recordFailure(at: self.clock.now, check: false)
            _ = health.recordFailure(at: self.clock.now, check: false)
            _ = health.recordSuccess(check: false)
        }
        #expect(health.isUp)
    }

    /// A backend that still answers requests but fails its health checks must go down: the requests' successes
    /// do not reset the checks' count, nor the other way round.
    @Test func passiveSuccessesDoNotMaskFailingChecks() {
        var health = self.health(fall: 2)
        #expect(health.recordFailure(at: self.clock.now, check: true) == nil)
        #expect(health.recordSuccess(check: false) == nil)
        #expect(health.recordFailure(at: self.clock.now, check: true) == .wentDown)

        var other = self.health(fall: 2)
        #expect(other.recordFailure(at: self.clock.now, check: false) == nil)
        #expect(other.recordSuccess(check: true) == nil)
        #expect(other.recordFailure(at: self.clock.now, check: false) == .wentDown)
    }

    @Test func aDownBackendIsProbedOnlyAfterItsCooldown() {
        var health = self.health(fall: 1)
        #expect(health.recordFailure(at: self.clock.now, check: false) == .wentDown)
        #expect(!health.isDueForProbe(at: self.clock.now))
        self.clock.advance(by: .seconds(9))
        #expect(!health.isDueForProbe(at: self.clock.now))
        self.clock.advance(by: .seconds(1))
        #expect(health.isDueForProbe(at: self.clock.now))
    }

    @Test func riseProbesInARowBringItBack() {
        var health = self.health(rise: 2, fall: 1)
        _ = health.recordFailure(at: self.clock.now, check: false)
        // A request that was already in flight and succeeds does not count: only probes do.
        #expect(health.recordSuccess(check: false) == nil)
        #expect(!health.isUp)
        #expect(health.recordSuccess(check: true) == nil)
        #expect(!health.isUp)
        #expect(health.recordSuccess(check: true) == .cameUp)
        #expect(health.isUp)
    }

    @Test func aFailedProbeRestartsTheCooldownAndTheRise() {
        var health = self.health(rise: 2, fall: 1)
        _ = health.recordFailure(at: self.clock.now, check: false)
        self.clock.advance(by: .seconds(10))
        _ = health.recordSuccess(check: true)
        #expect(health.recordFailure(at: self.clock.now, check: false) == nil)
        #expect(!health.isDueForProbe(at: self.clock.now))
        self.clock.advance(by: .seconds(10))
        #expect(health.recordSuccess(check: true) == nil, "the earlier success no longer counts")
        #expect(health.recordSuccess(check: true) == .cameUp)
    }
}
