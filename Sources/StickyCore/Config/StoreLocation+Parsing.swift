extension StoreLocation {
    /// URL schemes of stores that later builds will have: refused with a clear message rather than
    /// taken for a typo.
    static let plannedSchemes = ["redis://", "rediss://", "memcached://"]

    /// Parses `memory`.
    init(parsing text: String) throws(SettingProblem) {
        let lowercased = text.lowercased()
        if lowercased == "memory" {
            self = .memory
        } else if Self.plannedSchemes.contains(where: lowercased.hasPrefix) {
            throw .storeNotYetSupported
        } else {
            throw .unknownStore
        }
    }

    /// The value as a message may show it: quoted, with any `user:password@` of a URL withheld.
    static func shown(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else { return SettingText.quoted(text) }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return SettingText.quoted(text) }
        let withheld = text[..<schemeEnd.upperBound] + SettingText.secret + text[at...]
        return SettingText.quoted(withheld)
    }
}
