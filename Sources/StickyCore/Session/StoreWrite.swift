/// One store write that a response calls for, as decided by ``SessionLearner``: what to do to which key, and
/// whether the response head has to wait for it.
public struct StoreWrite: Hashable, Sendable {
    /// What to do to the key.
    public enum Operation: Hashable, Sendable {
        /// Record the mapping with this TTL, replacing whatever is there.
        case record(StoredMapping, ttl: Duration)
        /// Remove the mapping (a logout).
        case delete
    }

    public var key: StoreKey
    public var operation: Operation
    /// True when the write creates or moves a mapping: the response head waits for it (bounded by the store deadline).
    public var holdsResponse: Bool

    public init(key: StoreKey, operation: Operation, holdsResponse: Bool) {
        self.key = key
        self.operation = operation
        self.holdsResponse = holdsResponse
    }
}
