import NIOHTTP1
import Testing

@testable import StickyCore

@Suite struct RetryPolicyTests {
    @Test func aPOSTIsNeverSentAgain() {
        #expect(!RetryPolicy.maySendAgain(method: .POST, bodyBytesSent: 0, responseStarted: false, timedOut: false))
        #expect(!RetryPolicy.maySendAgain(method: .POST, bodyBytesSent: 1 << 20, responseStarted: false, timedOut: false))
        #expect(!RetryPolicy.maySendAgain(method: .PATCH, bodyBytesSent: 0, responseStarted: false, timedOut: false))
    }

    @Test func aStreamedBodyIsNeverSentAgainWhateverTheMethod() {
        #expect(!RetryPolicy.maySendAgain(method: .PUT, bodyBytesSent: 10, responseStarted: false, timedOut: false))
    }

    @Test func anIdempotentBodilessRequestMayGoAgainUnlessTheResponseStartedOrItTimedOut() {
        for method in [HTTPMethod.GET, .HEAD, .OPTIONS, .PUT, .DELETE] {
            #expect(RetryPolicy.maySendAgain(method: method, bodyBytesSent: 0, responseStarted: false, timedOut: false))
        }
        #expect(!RetryPolicy.maySendAgain(method: .GET, bodyBytesSent: 0, responseStarted: true, timedOut: false))
        #expect(!RetryPolicy.maySendAgain(method: .GET, bodyBytesSent: 0, responseStarted: false, timedOut: true))
    }

    @Test func theBudgetCapsRetriesAtAFifthOfRequests() {
        var budget = RetryBudget(ratio: 0.2, capacity: 10)
        // The starting allowance.
        var retries = 0
        while budget.withdraw() { retries += 1 }
        #expect(retries == 10)
        // Then one retry per five requests.
        retries = 0
        for _ in 0..<1000 {
            budget.recordRequest()
            if budget.withdraw() { retries += 1 }
        }
        #expect((199...200).contains(retries))
    }
}
