import Testing

@testable import StickyCore

@Suite struct CircuitBreakerTests {
    typealias Breaker = CircuitBreaker<ContinuousClock.Instant>
    private let start = ContinuousClock.now

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        self.start.advanced(by: .milliseconds(milliseconds))
    }

    /// A breaker that `threshold` failures at time 0 opened.
    private func opened(threshold: Int = 5) -> Breaker {
        var breaker = Breaker(failureThreshold: threshold, probeInterval: .seconds(1))
        for _ in 0..<threshold {
            _ = breaker.acquire(now: self.at(0))
            _ = breaker.record(succeeded: false, probe: false, now: self.at(0))
        }
        return breaker
    }

    @Test func opensAfterTheThresholdOfConsecutiveFailures() {
        var breaker = Breaker(failureThreshold: 3, probeInterval: .seconds(1))
        for attempt in 1...2 {
            #expect(breaker.acquire(now: self.at(0)) == .call)
            #expect(breaker.record(succeeded: false, probe: false, now: self.at(0)) == nil, "failure \(attempt)")
        }
        #expect(breaker.acquire(now: self.at(0)) == .call)
        #expect(breaker.record(succeeded: false, probe: false, now: self.at(0)) == .opened)
        #expect(!breaker.isClosed)
        #expect(breaker.acquire(now: self.at(1)) == .reject)
    }

    @Test func aSuccessResetsTheCount() {
        var breaker = Breaker(failureThreshold: 3, probeInterval: .seconds(1))
        for _ in 0..<10 {
            _ = breaker.record(succeeded: false, probe: false, now: self.at(0))
            _ = breaker.record(succeeded: false, probe: false, now: self.at(0))
            _ = breaker.record(succeeded: true, probe: false, now: self.at(0))
        }
        #expect(breaker.isClosed)
        #expect(breaker.acquire(now: self.at(0)) == .call)
    }

    @Test func letsOneProbeThroughPerIntervalAndItsSuccessCloses() {
        var breaker = self.opened()
        #expect(breaker.acquire(now: self.at(999)) == .reject)
        #expect(breaker.acquire(now: self.at(1_000)) == .probe)
        // While the probe is out, everything else is refused.
        #expect(breaker.acquire(now: self.at(1_001)) == .reject)
        #expect(breaker.acquire(now: self.at(1_500)) == .reject)
        #expect(breaker.record(succeeded: true, probe: true, now: self.at(1_002)) == .closed)
        #expect(breaker.isClosed)
        #expect(breaker.acquire(now: self.at(1_003)) == .call)
    }

    @Test func aFailedProbeKeepsItOpenForAnotherInterval() {
        var breaker = self.opened()
        #expect(breaker.acquire(now: self.at(1_000)) == .probe)
        #expect(breaker.record(succeeded: false, probe: true, now: self.at(1_050)) == nil)
        #expect(!breaker.isClosed)
        #expect(breaker.acquire(now: self.at(2_049)) == .reject)
        #expect(breaker.acquire(now: self.at(2_050)) == .probe)
    }

    @Test func aLostProbeIsReplacedAfterAnInterval() {
        var breaker = self.opened()
        #expect(breaker.acquire(now: self.at(1_000)) == .probe)
        #expect(breaker.acquire(now: self.at(1_999)) == .reject)
        #expect(breaker.acquire(now: self.at(2_000)) == .probe)
    }

    @Test func lateResultsOfCallsFromBeforeItOpenedDoNotCount() {
        var breaker = self.opened()
        #expect(breaker.record(succeeded: true, probe: false, now: self.at(10)) == nil)
        #expect(!breaker.isClosed)
        #expect(breaker.acquire(now: self.at(1_000)) == .probe)
        #expect(breaker.record(succeeded: true, probe: false, now: self.at(1_010)) == nil)
        #expect(!breaker.isClosed)
    }
}
