/// What a store that tracks the keys a replica reads tells that replica about them (Redis client-side caching,
/// `CLIENT TRACKING … REDIRECT`), so that its near-cache can keep answers for long and still drop a mapping
/// another replica moved at once.
///
/// Each event loop hears about the keys read on that loop (``StoreBackend/watchCoherence(on:_:)``).
public enum StoreCoherence: Sendable, Equatable {
    /// From now on, until ``untracked``, the store reports every change to a key this loop reads from it: its
    /// answers may be kept for as long as `STICKY_NEAR_CACHE_TRACKED_TTL_MS`. Answers read before this event are
    /// not covered.
    case tracked
    /// These keys changed, expired or were deleted in the store: what was read of them no longer holds.
    case invalidated([StoreKey])
    /// Any key may have changed (the store was flushed).
    case invalidatedAll
    /// The store stopped reporting changes (a connection dropped, a check went unanswered): everything kept must
    /// go, and answers are kept only for `STICKY_NEAR_CACHE_TTL_MS` again.
    case untracked
}
