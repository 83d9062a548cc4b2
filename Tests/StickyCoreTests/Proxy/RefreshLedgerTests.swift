import NIOCore
import Testing

@testable import StickyCore

@Suite struct RefreshLedgerTests {
    let start = NIODeadline.uptimeNanoseconds(5_000_000_000)

    @Test func aKeyIsDueOncePerInterval() {
        var ledger = RefreshLedger(capacity: 10, interval: .seconds(60))
        let key = StoreKey(rawValue: "k")
        do { let due = ledger.isDue(key, at: self.start); #expect(due) }
        do { let due = ledger.isDue(key, at: self.start + .seconds(59)); #expect(!due) }
        do { let due = ledger.isDue(key, at: self.start + .seconds(60)); #expect(due) }
        do { let due = ledger.isDue(key, at: self.start + .seconds(61)); #expect(!due) }
    }

    @Test func aRecordedKeyIsNotDueUntilTheIntervalPasses() {
        var ledger = RefreshLedger(capacity: 10, interval: .seconds(60))
        let key = StoreKey(rawValue: "k")
        ledger.record(key, at: self.start)
        do { let due = ledger.isDue(key, at: self.start + .seconds(30)); #expect(!due) }
    }

    @Test func staysBoundedAndForgetsOldGenerations() {
        var ledger = RefreshLedger(capacity: 2, interval: .seconds(60))
        let keys = (0..<5).map { StoreKey(rawValue: "k\($0)") }
        for key in keys { ledger.record(key, at: self.start) }
        // The first keys fell out with their generation: due again at once.
        do { let due = ledger.isDue(keys[0], at: self.start + .seconds(1)); #expect(due) }
        // The newest one is still remembered.
        do { let due = ledger.isDue(keys[4], at: self.start + .seconds(1)); #expect(!due) }
    }
}
