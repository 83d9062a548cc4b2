/// The class of an HTTP status code (`1xx` … `5xx`), as the `status_class` label.
enum StatusClass: Int, CaseIterable, Sendable {
    case informational = 1
    case success
    case redirection
    case clientError
    case serverError

    /// The class of `code`; codes outside 100–599 count as `5xx`.
    init(code: Int) {
        self = StatusClass(rawValue: code / 100) ?? .serverError
    }

    var label: String { "\(self.rawValue)xx" }
}
