/// The kinds of ``StoreBackend`` call, as the `operation` label of the store metrics.
public enum StoreOperation: String, CaseIterable, Hashable, Sendable {
    case get
    case set
    case delete
    case refresh
    case reassign
}
