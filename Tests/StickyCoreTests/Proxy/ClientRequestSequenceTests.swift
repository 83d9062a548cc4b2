import NIOHTTP1
import Testing

@testable import StickyCore

@Suite struct ClientRequestSequenceTests {
    private let head = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))

    private func isHead(_ event: ClientRequestSequence.Event?) -> Bool {
        if case .part(.head) = event { return true }
        return false
    }

    @Test func aKeepAliveClientIsNeverHeldBack() {
        var sequence = ClientRequestSequence()
        for _ in 0..<3 {
            do { let result = sequence.receive(.part(head)); #expect(result == .deliver) }
            do { let result = sequence.receive(.part(.end(nil))); #expect(result == .deliver) }
            // The response is outstanding, yet reads go on: that is what saves two epoll_ctl calls per request.
            do { let result = sequence.passRead(); #expect(result) }
            sequence.responseHeadWritten(status: .ok)
            do { let result = sequence.responseEndWritten(); #expect(result == .proceed) }
            do { let result = sequence.nextHeld(); #expect(result == nil) }
            do { let result = sequence.takeHeldRead(); #expect(!result) }
        }
    }

    @Test func aPipelinedRequestWaitsForTheResponseBeforeIt() {
        var sequence = ClientRequestSequence()
        do { let result = sequence.receive(.part(head)); #expect(result == .deliver) }
        do { let result = sequence.receive(.part(.end(nil))); #expect(result == .deliver) }
        do { let result = sequence.receive(.part(head)); #expect(result == .hold) }
        do { let result = sequence.receive(.part(.end(nil))); #expect(result == .hold) }
        // From now on the client's reads wait.
        do { let result = sequence.passRead(); #expect(!result) }
        do { let result = sequence.nextHeld(); #expect(result == nil) }
        do { let result = sequence.takeHeldRead(); #expect(!result) }

        sequence.responseHeadWritten(status: .ok)
        do { let result = sequence.responseEndWritten(); #expect(result == .proceed) }
        do { let result = sequence.nextHeld(); #expect(isHead(result)) }
        guard case .part(.end) = sequence.nextHeld() else {
            Issue.record("the held end did not follow its head")
            return
        }
        do { let result = sequence.nextHeld(); #expect(result == nil) }
        do { let result = sequence.takeHeldRead(); #expect(result) }
        do { let result = sequence.takeHeldRead(); #expect(!result) }
        #expect(sequence.requestOpen == false && sequence.responseOpen)
    }

    @Test func aSecondPipelinedRequestStaysHeldUntilItsTurn() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        _ = sequence.receive(.part(.end(nil)))
        for _ in 0..<2 {
            do { let result = sequence.receive(.part(head)); #expect(result == .hold) }
            do { let result = sequence.receive(.part(.end(nil))); #expect(result == .hold) }
        }
        _ = sequence.responseEndWritten()
        do { let result = sequence.nextHeld(); #expect(isHead(result)) }
        do { let result = sequence.nextHeld(); #expect(result != nil) }
        do { let result = sequence.nextHeld(); #expect(result == nil) }  // the third waits for the second's response
        #expect(sequence.heldCount == 2)
        _ = sequence.responseEndWritten()
        do { let result = sequence.nextHeld(); #expect(isHead(result)) }
    }

    @Test func anEarlyResponseLetsTheRestOfTheBodyThrough() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        sequence.responseHeadWritten(status: .payloadTooLarge)
        do { let result = sequence.responseEndWritten(); #expect(result == .proceed) }
        do { let result = sequence.receive(.part(.body(.init()))); #expect(result == .deliver) }
        do { let result = sequence.receive(.part(.end(nil))); #expect(result == .deliver) }
        do { let result = sequence.receive(.part(head)); #expect(result == .deliver) }
    }

    @Test func theHalfCloseOfAWaitingClientComesAfterItsResponse() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        _ = sequence.receive(.part(.end(nil)))
        do { let result = sequence.receive(.inputClosed); #expect(result == .hold) }
        _ = sequence.responseEndWritten()
        guard case .inputClosed = sequence.nextHeld() else {
            Issue.record("the half-close was not released after the response")
            return
        }
    }

    @Test func aHalfCloseWhileTheRequestIsStillArrivingGoesOnAtOnce() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        do { let result = sequence.receive(.inputClosed); #expect(result == .deliver) }
    }

    @Test func anErrorBehindAHeldRequestKeepsItsPlace() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        _ = sequence.receive(.part(.end(nil)))
        do { let result = sequence.receive(.part(head)); #expect(result == .hold) }
        do { let result = sequence.receive(.error(HTTPParserError.invalidChunkSize)); #expect(result == .hold) }
        _ = sequence.responseEndWritten()
        do { let result = sequence.nextHeld(); #expect(isHead(result)) }
        // The held request has no end: its response comes first, then the error.
        guard case .error = sequence.nextHeld() else {
            Issue.record("the error did not follow the held head")
            return
        }
    }

    @Test func onlyAFinalOrSwitchingResponseCountsAsStarted() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        sequence.responseHeadWritten(status: .continue)
        #expect(!sequence.responseStarted)
        sequence.responseHeadWritten(status: .switchingProtocols)
        #expect(sequence.responseStarted)
        _ = sequence.responseEndWritten()
        #expect(!sequence.responseStarted)
    }

    @Test func quiescingAnIdleConnectionClosesIt() {
        var sequence = ClientRequestSequence()
        do { let result = sequence.quiesce(); #expect(result == .closeNow) }
        do { let result = sequence.receive(.part(head)); #expect(result == .drop) }
        do { let result = sequence.passRead(); #expect(!result) }
    }

    @Test func quiescingABusyConnectionFinishesItsRequestAndDropsTheRest() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        _ = sequence.receive(.part(.end(nil)))
        do { let result = sequence.receive(.part(head)); #expect(result == .hold) }
        do { let result = sequence.quiesce(); #expect(result == .closeAfterResponse) }
        #expect(sequence.heldCount == 0)
        do { let result = sequence.receive(.part(head)); #expect(result == .drop) }
        do { let result = sequence.passRead(); #expect(!result) }
        do { let result = sequence.responseEndWritten(); #expect(result == .close) }
    }

    @Test func quiescingWhileTheBodyArrivesClosesOnceBothEnded() {
        var sequence = ClientRequestSequence()
        _ = sequence.receive(.part(head))
        do { let result = sequence.quiesce(); #expect(result == .closeAfterResponse) }
        do { let result = sequence.receive(.part(.body(.init()))); #expect(result == .deliver) }
        #expect(!sequence.isDone)
        do { let result = sequence.receive(.part(.end(nil))); #expect(result == .deliver) }
        #expect(!sequence.isDone)
        do { let result = sequence.responseEndWritten(); #expect(result == .close) }
        #expect(sequence.isDone)
    }
}

extension ClientRequestSequence.Event: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.part(let a), .part(let b)): return a == b
        case (.inputClosed, .inputClosed): return true
        case (.error, .error): return true
        default: return false
        }
    }
}
