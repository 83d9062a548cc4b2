/// The path and query of a request target such as `/download?bytes=1024`.
struct RequestTarget: Sendable, Equatable {
    var path: String
    var query: [String: String]

    init(_ uri: String) {
        let withoutFragment = uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = withoutFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path = parts.first.map(String.init) ?? "/"
        // An absolute-form target (`http://host/path`) keeps only its path.
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            let afterScheme = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            path = afterScheme.count > 3 ? "/" + afterScheme[3] : "/"
        }
        // Tomcat-style path parameters (`/cart;jsessionid=...`) are not part of the route.
        if let semicolon = path.firstIndex(of: ";") {
            path = String(path[..<semicolon])
        }
        self.path = path.isEmpty ? "/" : path

        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(keyValue[0])
                if query[key] == nil {
                    query[key] = keyValue.count == 2 ? String(keyValue[1]) : ""
                }
            }
        }
        self.query = query
    }

    /// The integer value of query parameter `name`, or `nil` when it is absent or not an integer.
    func integer(_ name: String) -> Int? {
        query[name].flatMap { Int($0) }
    }
}
