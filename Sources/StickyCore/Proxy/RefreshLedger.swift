import NIOCore

/// Rate-limits the sliding refresh of browser-session mappings on one event loop.
///
/// It remembers when this loop last refreshed (or learned) each key, and says a key is due again only after
/// `interval`. Bounded by two generations of `capacity` keys: when the current one fills up, the older is
/// dropped whole, so a key unseen for a generation is simply refreshed once more.
struct RefreshLedger {
    private var current: [StoreKey: NIODeadline] = [:]
    private var previous: [StoreKey: NIODeadline] = [:]
    private let capacity: Int
    private let interval: TimeAmount

    init(capacity: Int, interval: TimeAmount) {
        self.capacity = max(1, capacity)
        self.interval = interval
    }

    /// Whether a sliding mapping used at `now` should have its TTL refreshed; if so it counts as refreshed.
    mutating func isDue(_ key: StoreKey, at now: NIODeadline) -> Bool {
        if let last = self.current[key] ?? self.previous[key], now - last < self.interval {
            return false
        }
        self.record(key, at: now)
        return true
    }

    /// Notes that `key` got a fresh TTL at `now` (it was just learned or refreshed).
    mutating func record(_ key: StoreKey, at now: NIODeadline) {
        if self.current.count >= self.capacity, self.current[key] == nil {
            self.previous = self.current
            self.current.removeAll(keepingCapacity: true)
        }
        self.current[key] = now
    }
}
