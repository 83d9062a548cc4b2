import Testing

@testable import StickyCore

@Suite struct ClientRequestSequenceTests {
    @Test func aKeepAliveClientIsNeverHeldBack() {
        var sequence = ClientRequestSequence()
        for _ in 0..<3 {
            #expect(sequence.mayPull)
            sequence.headDelivered()
            sequence.endDelivered()
            // The response is outstanding, yet reads go on: that is what saves two epoll_ctl calls per request.
            do { let result = sequence.passRead(bytesWaiting: false); #expect(result) }
            #expect(!sequence.mayPull)
            sequence.responseHeadWritten(status: 200)
            do { let result = sequence.responseEndWritten(); #expect(result == .proceed) }
            do { let result = sequence.takeHeldRead(bytesWaiting: false); #expect(!result) }
        }
    }

    @Test func aPipelinedRequestWaitsForTheResponseBeforeIt() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        sequence.endDelivered()
        #expect(!sequence.mayPull, "the next request stays in the parser")
        // Its bytes are buffered: from now on the client's reads wait.
        do { let result = sequence.passRead(bytesWaiting: true); #expect(!result) }
        do { let result = sequence.takeHeldRead(bytesWaiting: true); #expect(!result) }

        sequence.responseHeadWritten(status: 200)
        do { let result = sequence.responseEndWritten(); #expect(result == .proceed) }
        #expect(sequence.mayPull)
        sequence.headDelivered()
        do { let result = sequence.takeHeldRead(bytesWaiting: false); #expect(result) }
        do { let result = sequence.takeHeldRead(bytesWaiting: false); #expect(!result) }
        #expect(sequence.requestOpen && sequence.responseOpen)
    }

    @Test func theRestOfARequestGoesOnWhileItsResponseIsOutstanding() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        // An early answer (a 413, a 502) ends the response before the body has all arrived.
        sequence.responseHeadWritten(status: 502)
        _ = sequence.responseEndWritten()
        #expect(sequence.mayPull)
        sequence.endDelivered()
        #expect(sequence.mayPull && !sequence.responseOpen)
    }

    @Test func theHalfCloseOfAWaitingClientComesAfterItsResponse() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        sequence.endDelivered()
        sequence.inputClosed()
        do { let result = sequence.takeInputClosed(); #expect(!result) }
        _ = sequence.responseEndWritten()
        do { let result = sequence.takeInputClosed(); #expect(result) }
        do { let result = sequence.takeInputClosed(); #expect(!result, "told once") }
    }

    @Test func aHalfCloseWhileTheRequestIsStillArrivingGoesOnAtOnce() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        sequence.inputClosed()
        do { let result = sequence.takeInputClosed(); #expect(result) }
    }

    @Test func onlyAFinalOrSwitchingResponseCountsAsStarted() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        sequence.responseHeadWritten(status: 100)
        #expect(!sequence.responseStarted)
        sequence.responseHeadWritten(status: 101)
        #expect(sequence.responseStarted)
        _ = sequence.responseEndWritten()
        #expect(!sequence.responseStarted)
    }

    @Test func quiescingAnIdleConnectionClosesIt() {
        var sequence = ClientRequestSequence()
        #expect(sequence.quiesce() == .closeNow)
        #expect(sequence.isDone)
        do { let result = sequence.passRead(bytesWaiting: false); #expect(!result) }
    }

    @Test func quiescingABusyConnectionFinishesItsRequestAndTakesNoOther() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        sequence.endDelivered()
        #expect(sequence.quiesce() == .closeAfterResponse)
        #expect(!sequence.isDone)
        #expect(sequence.responseEndWritten() == .close)
        #expect(!sequence.mayPull, "no request after the last one")
    }

    @Test func quiescingWhileTheBodyArrivesClosesOnceBothEnded() {
        var sequence = ClientRequestSequence()
        sequence.headDelivered()
        #expect(sequence.quiesce() == .closeAfterResponse)
        #expect(sequence.mayPull, "the rest of the body still goes on")
        do { let result = sequence.passRead(bytesWaiting: false); #expect(result) }
        #expect(sequence.responseEndWritten() == .proceed)
        sequence.endDelivered()
        #expect(sequence.isDone)
    }
}
