/// A store answer that one event loop read, offered to the near-caches of the replica's other loops
/// (``ProxyRuntime/share(_:for:learnedAt:writesBefore:from:)``).
struct SharedStoreAnswer: Sendable {
    let key: StoreKey
    let mapping: StoredMapping
    /// When the answer came back: the other loops trust it for what is left of their TTL since then.
    let learnedAt: ContinuousClock.Instant
    /// ``ProxyRuntime/writeCount`` before the look-up was sent: an own write since then may have made it stale.
    let writesBefore: UInt64
}
