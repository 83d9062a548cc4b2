/// The result of `sticky-proxy check`: one row per backend and one for the store, and whether all are usable.
public struct CheckReport: Sendable {
    public struct Row: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case backend
            case store
        }

        public var kind: Kind
        public var name: String
        public var address: String
        /// How long the connect (or the store call) took; `nil` when it failed.
        public var latency: Duration?
        /// Why it is not usable; `nil` when it is.
        public var problem: String?
        /// Something worth knowing about a usable row.
        public var note: String?

        public init(kind: Kind, name: String, address: String, latency: Duration? = nil, problem: String? = nil) {
            self.kind = kind
            self.name = name
            self.address = address
            self.latency = latency
            self.problem = problem
        }

        public var isUsable: Bool { self.problem == nil }
    }

    public var backends: [Row]
    public var store: Row

    public init(backends: [Row], store: Row) {
        self.backends = backends
        self.store = store
    }

    /// Whether the proxy could serve with this: every backend reachable and the store answering.
    public var isUsable: Bool { self.backends.allSatisfy(\.isUsable) && self.store.isUsable }

    /// The report as an aligned table and a verdict, for the terminal:
    ///
    /// ```
    /// KIND     NAME   ADDRESS           STATUS       LATENCY  DETAIL
    /// backend  web1   127.0.0.1:9001    reachable    0.42 ms
    /// backend  web2   127.0.0.1:9002    unreachable  -        Connection refused
    /// store    redis  127.0.0.1:6379/0  reachable    1.23 ms
    /// not ready: 1 of 2 backend(s) unreachable
    /// ```
    public func table() -> String {
        let header = ["KIND", "NAME", "ADDRESS", "STATUS", "LATENCY", "DETAIL"]
        let rows = (self.backends + [self.store]).map { row in
            [
                row.kind.rawValue,
                row.name,
                row.address,
                row.isUsable ? "reachable" : "unreachable",
                row.latency.map(Self.milliseconds) ?? "-",
                row.problem ?? row.note ?? "",
            ]
        }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        var lines = all.map { cells in
            cells.indices.map { column in
                let padding = column == cells.count - 1 ? 0 : widths[column] - cells[column].count
                return cells[column] + String(repeating: " ", count: padding)
            }
            .joined(separator: "  ")
            .trimmingTrailingSpaces()
        }
        let unreachable = self.backends.filter { !$0.isUsable }.count
        if self.isUsable {
            lines.append("ok: \(self.backends.count) backend(s) and the store are reachable")
        } else {
            var problems: [String] = []
            if unreachable > 0 { problems.append("\(unreachable) of \(self.backends.count) backend(s) unreachable") }
            if !self.store.isUsable { problems.append("the store is unreachable") }
            lines.append("not ready: " + problems.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `0.42 ms`, `12.3 ms`, `1204 ms`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if micros < 10_000 {
            let hundredths = (micros + 5) / 10
            let fraction = String(hundredths % 100)
            return "\(hundredths / 100)." + String(repeating: "0", count: 2 - fraction.count) + fraction + " ms"
        }
        return "\((micros + 500) / 1_000) ms"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var result = Substring(self)
        while result.last == " " { result.removeLast() }
        return String(result)
    }
}
