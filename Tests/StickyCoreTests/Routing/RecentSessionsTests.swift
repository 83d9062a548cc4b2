import Testing

@testable import StickyCore

@Suite struct RecentSessionsTests {
    @Test func countsDistinctSessionsOverFiveMinutes() {
        var recent = RecentSessions()
        recent.record(1, minute: 100)
        recent.record(1, minute: 100)
        recent.record(2, minute: 101)
        recent.record(1, minute: 103)
        #expect(recent.hashes(upTo: 103).count == 2)
        // Minute 100 falls out at 105; session 1 is still there from minute 103.
        #expect(recent.hashes(upTo: 105) == [1, 2])
        #expect(recent.hashes(upTo: 106) == [1])
        #expect(recent.hashes(upTo: 108).isEmpty)
    }

    @Test func oldBucketsAreDropped() {
        var recent = RecentSessions()
        for minute in Int64(0)..<100 { recent.record(Int(minute), minute: minute) }
        #expect(recent.hashes(upTo: 99) == [95, 96, 97, 98, 99])
    }
}
