/// The path of a request target as the access log may show it: no query, no fragment, no `;` path parameters.
///
/// A query can carry tokens and a path parameter can be a session ID (Tomcat's `/cart;jsessionid=…`), and a
/// session ID must never reach a log line. An absolute-form target (`http://host/path`) loses its scheme and
/// authority. The result is bounded in length.
enum AccessLogPath {
    /// The longest path written, in UTF-8 bytes; a longer one is cut and ends with `…`.
    static let maximumBytes = 512

    static func sanitized(_ target: String) -> String {
        var path = Substring(target)
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            path = path[..<end]
        }
        if let schemeEnd = path.firstRange(of: "://"), path[..<schemeEnd.lowerBound].allSatisfy(\.isLetter) {
            let authority = path[schemeEnd.upperBound...]
            path = authority.firstIndex(of: "/").map { authority[$0...] } ?? "/"
        }
        let bytes = Array(path.utf8)
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var inParameter = false
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") {
                inParameter = false
            } else if byte == UInt8(ascii: ";") || Self.isEncodedSemicolon(bytes, at: index) {
                inParameter = true
            }
            if !inParameter {
                kept.append(byte)
            }
        }
        var result = String(decoding: kept, as: UTF8.self)
        if result.utf8.count > Self.maximumBytes {
            result = String(decoding: kept.prefix(Self.maximumBytes), as: UTF8.self) + "…"
        }
        return result.isEmpty ? "/" : result
    }

    /// `%3B` or `%3b` at `index`: an encoded `;`, which some servers decode before splitting off path parameters.
    private static func isEncodedSemicolon(_ bytes: [UInt8], at index: Int) -> Bool {
        index + 2 < bytes.count && bytes[index] == UInt8(ascii: "%") && bytes[index + 1] == UInt8(ascii: "3")
            && (bytes[index + 2] == UInt8(ascii: "B") || bytes[index + 2] == UInt8(ascii: "b"))
    }
}
