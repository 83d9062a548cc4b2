import NIOCore
import NIOEmbedded
import StickyCore
import Testing

@testable import MemcachedStore

/// How a loop batches its gets and times them out, with the thread pool replaced by a list of the batches sent
/// (the batches themselves are run against real servers in `BatchedGetTests`).
struct MemcachedLoopGetsTests {
    /// The batches sent so far, each answered when the test says so.
    final class SentBatches: @unchecked Sendable {
        typealias Batch = (keys: [String], deadline: NIODeadline, done: @Sendable ([MemcachedLoopGets.Answer]) -> Void)
        var batches: [Batch] = []
        var keys: [[String]] { self.batches.map(\.keys) }
    }

    let loop = EmbeddedEventLoop()
    let sent = SentBatches()
    let gets: MemcachedLoopGets

    init() {
        let sent = self.sent
        self.gets = MemcachedLoopGets(eventLoop: self.loop) { keys, deadline, done in
            sent.batches.append((keys, deadline, done))
        }
    }

    private func mapping(_ name: String) -> StoredMapping { StoredMapping(backend: name, slides: false) }

    /// Answers batch `index` (as the pool thread would) and lets the loop run what that hands it.
    private func answer(_ index: Int, _ answers: [MemcachedLoopGets.Answer]) {
        self.sent.batches[index].done(answers)
        self.loop.run()
    }

    private func outcome(_ future: EventLoopFuture<StoredMapping?>) -> Result<StoredMapping?, StoreError>? {
        var result: Result<StoredMapping?, StoreError>?
        future.whenComplete { result = $0.mapError { $0 as! StoreError } }
        return result
    }

    @Test func anIdleLoopSendsAGetAtOnceAndTheGetsThatArriveMeanwhileGoTogether() {
        let deadline = self.loop.now + .milliseconds(50)
        let a = self.gets.get("a", deadline: deadline)
        #expect(self.sent.keys == [["a"]])
        let b = self.gets.get("b", deadline: deadline)
        let c = self.gets.get("c", deadline: deadline)
        let b2 = self.gets.get("b", deadline: deadline)
        #expect(self.sent.keys == [["a"]], "one batch out at a time")

        self.answer(0, [.success(self.mapping("web1"))])
        #expect(self.outcome(a) == .success(self.mapping("web1")))
        #expect(self.sent.keys == [["a"], ["b", "c", "b"]])
        #expect(self.outcome(b) == nil)

        self.answer(1, [.success(self.mapping("web2")), .success(nil), .failure(.serverUnavailable)])
        #expect(self.outcome(b) == .success(self.mapping("web2")))
        #expect(self.outcome(c) == .success(nil))
        #expect(self.outcome(b2) == .failure(.serverUnavailable))
        #expect(self.sent.batches.count == 2)
    }

    @Test func aBatchHoldsAtMostTheMaximumAndTheRestGoNext() {
        let deadline = self.loop.now + .milliseconds(50)
        _ = self.gets.get("first", deadline: deadline)
        let count = MemcachedLoopGets.maximumBatch + 3
        let futures = (0..<count).map { self.gets.get("k\($0)", deadline: deadline) }
        self.answer(0, [.success(nil)])
        #expect(self.sent.batches.count == 2)
        #expect(self.sent.keys[1].count == MemcachedLoopGets.maximumBatch)
        self.answer(1, Array(repeating: .success(nil), count: MemcachedLoopGets.maximumBatch))
        #expect(self.sent.keys[2] == ["k\(count - 3)", "k\(count - 2)", "k\(count - 1)"])
        self.answer(2, Array(repeating: .success(self.mapping("web3")), count: 3))
        #expect(futures.allSatisfy { self.outcome($0) != nil })
        #expect(self.outcome(futures.last!) == .success(self.mapping("web3")))
    }

    @Test func aGetWhoseDeadlinePassesWhileItsBatchIsOutTimesOutAndItsLateAnswerIsDropped() {
        let a = self.gets.get("a", deadline: self.loop.now + .milliseconds(50))
        let b = self.gets.get("b", deadline: self.loop.now + .milliseconds(80))
        self.loop.advanceTime(by: .milliseconds(49))
        #expect(self.outcome(a) == nil)
        self.loop.advanceTime(by: .milliseconds(1))
        #expect(self.outcome(a) == .failure(.timeout))
        #expect(self.outcome(b) == nil, "b's deadline has not come")
        self.loop.advanceTime(by: .milliseconds(30))
        #expect(self.outcome(b) == .failure(.timeout), "the timer was armed again for b")
        #expect(self.sent.keys == [["a"]], "b timed out in the queue, so it is never sent")

        self.answer(0, [.success(self.mapping("late"))])
        #expect(self.outcome(a) == .failure(.timeout))
        #expect(self.sent.batches.count == 1)

        // The loop sends again once the batch is back.
        let c = self.gets.get("c", deadline: self.loop.now + .milliseconds(50))
        #expect(self.sent.keys == [["a"], ["c"]])
        self.answer(1, [.success(self.mapping("web1"))])
        #expect(self.outcome(c) == .success(self.mapping("web1")))
    }

    @Test func aGetWithAnEarlierDeadlineThanTheArmedTimerTimesOutAtItsOwn() {
        let slow = self.gets.get("slow", deadline: self.loop.now + .seconds(2))
        let quick = self.gets.get("quick", deadline: self.loop.now + .milliseconds(20))
        self.loop.advanceTime(by: .milliseconds(20))
        #expect(self.outcome(quick) == .failure(.timeout))
        #expect(self.outcome(slow) == nil)
        self.answer(0, [.success(self.mapping("web1"))])
        #expect(self.outcome(slow) == .success(self.mapping("web1")))
        self.loop.advanceTime(by: .seconds(3))
        #expect(self.outcome(slow) == .success(self.mapping("web1")))
    }

    @Test func theBatchCarriesTheLastDeadlineOfItsGets() {
        _ = self.gets.get("a", deadline: self.loop.now + .milliseconds(50))
        _ = self.gets.get("b", deadline: self.loop.now + .milliseconds(90))
        _ = self.gets.get("c", deadline: self.loop.now + .milliseconds(70))
        let start = self.sent.batches[0].deadline
        self.answer(0, [.success(nil)])
        #expect(self.sent.batches[1].deadline == start + .milliseconds(40))
    }
}
