/// What `/readyz` says about the store.
public enum StoreHealth: String, Sendable {
    /// The embedded store: always there.
    case memory
    /// The shared store answers.
    case ok
    /// The shared store fails: routing falls back to plain load balancing until it answers again.
    case degraded
}
