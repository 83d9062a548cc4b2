import NIOCore
import Testing

@testable import StickyCore

@Suite struct ClientReadTimeoutsTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private func at(_ seconds: Double) -> NIODeadline { start + .milliseconds(Int64(seconds * 1000)) }

    private func timeouts() -> ClientReadTimeouts {
        ClientReadTimeouts(headTimeout: .seconds(10), bodyTimeout: .seconds(30), idleTimeout: .seconds(60))
    }

    @Test func aHeadThatArrivesInOneReadStartsNoClock() {
        var timeouts = timeouts()
        timeouts.received(.head)
        timeouts.received(.end)
        #expect(timeouts.readCompleted(at: at(0)) == nil)
        #expect(timeouts.readRequested(at: at(0)) == nil)
        #expect(timeouts.check(at: at(1_000)) == .checkAgain(at: nil))
    }

    @Test func theHeadClockStartsAtTheFirstBytesAndDoesNotMoveWithMore() {
        var timeouts = timeouts()
        #expect(timeouts.readCompleted(at: at(1)) == at(11))
        // A byte a second: still due at 11.
        for second in 2...10 {
            #expect(timeouts.readCompleted(at: at(Double(second))) == nil)
            #expect(timeouts.check(at: at(Double(second))) == .checkAgain(at: at(11)))
        }
        #expect(timeouts.check(at: at(11)) == .timedOut(.head))
    }

    @Test func aCompleteHeadStopsTheHeadClock() {
        var timeouts = timeouts()
        _ = timeouts.readCompleted(at: at(0))
        timeouts.received(.head)
        timeouts.received(.end)
        _ = timeouts.readCompleted(at: at(1))
        #expect(timeouts.check(at: at(60)) == .checkAgain(at: nil))
    }

    @Test func theBodyClockRunsOnlyWhileTheProxyWaitsForARead() {
        var timeouts = timeouts()
        timeouts.received(.head)
        _ = timeouts.readCompleted(at: at(0))
        // Reads held back (the backend is slow to take the body): no clock at all.
        #expect(timeouts.check(at: at(100)) == .checkAgain(at: nil))
        #expect(timeouts.readRequested(at: at(100)) == at(130))
        #expect(timeouts.readRequested(at: at(110)) == nil, "an earlier request still stands")
        timeouts.received(.body)
        _ = timeouts.readCompleted(at: at(120))
        #expect(timeouts.check(at: at(140)) == .checkAgain(at: nil))
        #expect(timeouts.readRequested(at: at(120)) == at(150))
        #expect(timeouts.check(at: at(149)) == .checkAgain(at: at(150)))
        #expect(timeouts.check(at: at(150)) == .timedOut(.body))
    }

    @Test func aReadWithoutAPartInsideABodyIsProgress() {
        var timeouts = timeouts()
        timeouts.received(.head)
        _ = timeouts.readCompleted(at: at(0))
        _ = timeouts.readRequested(at: at(0))
        #expect(timeouts.readCompleted(at: at(29)) == nil, "half a chunk-size line")
        #expect(timeouts.check(at: at(31)) == .checkAgain(at: nil))
    }

    @Test func afterTheRequestEndsTheNextBytesStartANewHeadClock() {
        var timeouts = timeouts()
        timeouts.received(.head)
        timeouts.received(.body)
        _ = timeouts.readCompleted(at: at(0))
        timeouts.received(.end)
        _ = timeouts.readCompleted(at: at(1))
        #expect(timeouts.readRequested(at: at(1)) == nil, "between requests the idle timeout rules")
        #expect(timeouts.readCompleted(at: at(50)) == at(60))
    }

    // MARK: idle

    @Test func aConnectionThatNeverSendsAnythingIsIdleFromItsOpening() {
        var timeouts = timeouts()
        #expect(timeouts.opened(at: at(0)) == at(60))
        #expect(timeouts.check(at: at(59)) == .checkAgain(at: at(60)))
        #expect(timeouts.check(at: at(60)) == .timedOut(.idle))
    }

    @Test func aRequestWaitingForItsResponseIsNotIdleHoweverLong() {
        var timeouts = timeouts()
        _ = timeouts.opened(at: at(0))
        timeouts.received(.head)
        timeouts.received(.end)
        #expect(timeouts.readCompleted(at: at(1)) == nil)
        #expect(timeouts.check(at: at(3_600)) == .checkAgain(at: nil))
        // The idle time counts from the end of the response, not from the last bytes read.
        #expect(timeouts.responseEnded(at: at(3_600)) == at(3_660))
        #expect(timeouts.check(at: at(3_659)) == .checkAgain(at: at(3_660)))
        #expect(timeouts.check(at: at(3_660)) == .timedOut(.idle))
    }

    @Test func theNextRequestsFirstBytesEndTheIdleTimeAndStartTheHeadClock() {
        var timeouts = timeouts()
        _ = timeouts.opened(at: at(0))
        #expect(timeouts.readCompleted(at: at(50)) == at(60))
        #expect(timeouts.check(at: at(61)) == .timedOut(.head), "a partial head is the head timeout's business")
        timeouts.received(.head)
        timeouts.received(.end)
        _ = timeouts.readCompleted(at: at(62))
        #expect(timeouts.check(at: at(200)) == .checkAgain(at: nil))
    }

    @Test func aPipelinedRequestKeepsTheConnectionBusyUntilItsOwnResponseEnded() {
        var timeouts = timeouts()
        for _ in 0..<2 {
            timeouts.received(.head)
            timeouts.received(.end)
        }
        _ = timeouts.readCompleted(at: at(0))
        #expect(timeouts.responseEnded(at: at(1)) == nil)
        #expect(timeouts.check(at: at(500)) == .checkAgain(at: nil))
        #expect(timeouts.responseEnded(at: at(501)) == at(561))
    }

    @Test func aRequestThatEndsAfterItsEarlyResponseIsIdleFromItsEnd() {
        var timeouts = timeouts()
        timeouts.received(.head)
        #expect(timeouts.responseEnded(at: at(1)) == nil, "the body is still coming")
        timeouts.received(.end)
        #expect(timeouts.readCompleted(at: at(2)) == at(62))
        #expect(timeouts.check(at: at(62)) == .timedOut(.idle))
    }
}
