/// One `Set-Cookie` header, parsed as far as the tests need: name, value and the expiry attributes.
struct SetCookie: Equatable {
    var name: String
    var value: String
    var maxAge: Int?
    var expires: Int64?
    /// Attribute names as sent (`Path`, `HttpOnly`, ...), for checks on the format.
    var attributeNames: [String]

    init?(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return nil }
        self.name = pair[..<equals].trimmingCharacters(in: " \t")
        self.value = pair[pair.index(after: equals)...].trimmingCharacters(in: " \t")
        guard !self.name.isEmpty else { return nil }
        self.attributeNames = []
        for attribute in parts.dropFirst() {
            let keyValue = attribute.split(separator: "=", maxSplits: 1)
            guard let rawKey = keyValue.first else { continue }
            let key = rawKey.trimmingCharacters(in: " \t")
            let value = keyValue.count == 2 ? keyValue[1].trimmingCharacters(in: " \t") : ""
            self.attributeNames.append(key)
            switch key.lowercased() {
            case "max-age": self.maxAge = Int(value)
            case "expires": self.expires = HTTPDateParser.epochSeconds(imfFixdate: value)
            default: break
            }
        }
    }

    /// Whether a browser would delete the cookie on receipt: `Max-Age` ≤ 0 (which wins), or `Expires` in the past.
    func deletes(now: Int64) -> Bool {
        if let maxAge = self.maxAge { return maxAge <= 0 }
        if let expires = self.expires { return expires <= now }
        return false
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var result = self
        while let first = result.first, characters.contains(first) { result = result.dropFirst() }
        while let last = result.last, characters.contains(last) { result = result.dropLast() }
        return String(result)
    }
}
