/// The kinds of ``StoreBackend`` call, as the `operation` label of the store metrics.
public enum StoreOperation: String, CaseIterable, Hashable, Sendable {
    case get
    case set
    case delete
    case refresh
    case reassign
}

extension StoreOperation {
    /// The position in `allCases`.
    var index: Int {
        switch self {
        case .get: 0
        case .set: 1
        case .delete: 2
        case .refresh: 3
        case .reassign: 4
        }
    }
}
