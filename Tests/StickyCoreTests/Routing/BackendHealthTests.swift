import Testing

@testable import StickyCore

@Suite struct BackendHealthTests {
    let clock = ManualClock()

    func health(rise: Int = 2, fall: Int = 3, cooldown: Duration = .seconds(10)) -> BackendHealth<ManualClock.Instant> {
        BackendHealth(policy: .init(rise: rise, fall: fall, cooldown: cooldown))
    }

    @Test func fallFailuresInARowTakeItDown() {
        var health = self.health()
        #expect(health.recordFailure(at: self.clock.now) == nil)
        #expect(health.recordFailure(at: self.clock.now) == nil)
        #expect(health.isUp)
        #expect(health.recordFailure(at: self.clock.now) == .wentDown)
        #expect(!health.isUp)
    }

    @Test func aSuccessInBetweenStartsTheCountAgain() {
        var health = self.health()
        for _ in 0..<10 {
            _ = health.recordFailure(at: self.clock.now)
            _ = health.recordFailure(at: self.clock.now)
            _ = health.recordSuccess(probe: false)
        }
        #expect(health.isUp)
    }

    @Test func aDownBackendIsProbedOnlyAfterItsCooldown() {
        var health = self.health(fall: 1)
        #expect(health.recordFailure(at: self.clock.now) == .wentDown)
        #expect(!health.isDueForProbe(at: self.clock.now))
        self.clock.advance(by: .seconds(9))
        #expect(!health.isDueForProbe(at: self.clock.now))
        self.clock.advance(by: .seconds(1))
        #expect(health.isDueForProbe(at: self.clock.now))
    }

    @Test func riseProbesInARowBringItBack() {
        var health = self.health(rise: 2, fall: 1)
        _ = health.recordFailure(at: self.clock.now)
        // A request that was already in flight and succeeds does not count: only probes do.
        #expect(health.recordSuccess(probe: false) == nil)
        #expect(!health.isUp)
        #expect(health.recordSuccess(probe: true) == nil)
        #expect(!health.isUp)
        #expect(health.recordSuccess(probe: true) == .cameUp)
        #expect(health.isUp)
    }

    @Test func aFailedProbeRestartsTheCooldownAndTheRise() {
        var health = self.health(rise: 2, fall: 1)
        _ = health.recordFailure(at: self.clock.now)
        self.clock.advance(by: .seconds(10))
        _ = health.recordSuccess(probe: true)
        #expect(health.recordFailure(at: self.clock.now) == nil)
        #expect(!health.isDueForProbe(at: self.clock.now))
        self.clock.advance(by: .seconds(10))
        #expect(health.recordSuccess(probe: true) == nil, "the earlier success no longer counts")
        #expect(health.recordSuccess(probe: true) == .cameUp)
    }
}
