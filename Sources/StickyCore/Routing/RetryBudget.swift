/// Caps retries at a share of requests (20%), so that a failing backend cannot make every request cost two.
///
/// A token bucket: each request adds `ratio` of a token, each retry takes a whole one; a few tokens to start with,
/// so that the first failures after a quiet spell can be retried. One per event loop: no lock.
public struct RetryBudget: Sendable {
    private var tokens: Double
    private let ratio: Double
    private let capacity: Double

    public init(ratio: Double = 0.2, capacity: Double = 10) {
        self.ratio = ratio
        self.capacity = capacity
        self.tokens = capacity
    }

    /// A request started.
    public mutating func recordRequest() {
        self.tokens = min(self.capacity, self.tokens + self.ratio)
    }

    /// Takes a token for a retry; `false` when the budget is spent.
    public mutating func withdraw() -> Bool {
        guard self.tokens >= 1 else { return false }
        self.tokens -= 1
        return true
    }
}
