import NIOHTTP1

/// Reads request cookies (RFC 6265 §5.4): `name=value` pairs split on `;`, whitespace trimmed,
/// a double-quoted value taken without its quotes.
enum CookieHeader {
    /// The value of the first cookie called `name` in all `Cookie` headers, or `nil`.
    static func value(named name: String, in headers: HTTPHeaders) -> String? {
        for header in headers[canonicalForm: "cookie"] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingSpaces()
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                guard trimmed[..<equals].trimmingSpaces() == name[...] else { continue }
                var value = trimmed[trimmed.index(after: equals)...].trimmingSpaces()
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                return String(value)
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
