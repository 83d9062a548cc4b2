/// The distinct sessions routed to one backend in the last five minutes, as one event loop saw them: five
/// one-minute buckets of session-key hashes, each capped so that a flood of sessions costs bounded memory (past the
/// cap, a count is a lower bound).
public struct RecentSessions: Sendable {
    public static let minutes = 5
    public static let capacityPerMinute = 50_000

    private var buckets: [(minute: Int64, hashes: Set<Int>)] = []

    public init() {}

    /// Notes a request of the session whose store key hashes to `hash`, at `minute` (minutes since any epoch).
    public mutating func record(_ hash: Int, minute: Int64) {
        if let last = self.buckets.indices.last, self.buckets[last].minute == minute {
            if self.buckets[last].hashes.count < Self.capacityPerMinute { self.buckets[last].hashes.insert(hash) }
            return
        }
        self.buckets.removeAll { $0.minute <= minute - Int64(Self.minutes) }
        self.buckets.append((minute, [hash]))
    }

    /// The sessions seen in the five minutes up to `minute`.
    public func hashes(upTo minute: Int64) -> Set<Int> {
        var all = Set<Int>()
        for bucket in self.buckets where bucket.minute > minute - Int64(Self.minutes) {
            all.formUnion(bucket.hashes)
        }
        return all
    }
}
