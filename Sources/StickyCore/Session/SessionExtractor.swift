/// Finds the session a request carries, from its `Cookie` headers and its request target (DESIGN step 1).
///
/// The session is the value of the first *configured* cookie name, in the operator's order (not the header's),
/// that is present with a valid value (``SessionCookie/isValidID(_:)``) in any of the `Cookie` headers. For one
/// name, the first valid pair in header order counts; an invalid value is ignored as though the pair were not there.
/// Names compare case-sensitively, byte for byte.
///
/// When `JSESSIONID` is configured, a Tomcat path parameter (`/cart;jsessionid=ABC`) in the path of the target
/// also counts for it, with a `JSESSIONID` cookie taking precedence over it.
///
/// The work is bounded: at most ``CookieHeader/maximumPairs`` segments of each header, and at most
/// ``maximumCookieBytes`` bytes of all `Cookie` headers together (each header counting for at least one byte), are
/// looked at. Cookies beyond that are ignored.
public struct SessionExtractor: Sendable {
    /// The number of bytes of all `Cookie` headers of a request, together, that are looked at.
    public static let maximumCookieBytes = 64 * 1024

    /// The cookie name that Tomcat path parameters count for.
    public static let pathParameterCookieName = "JSESSIONID"

    /// The configured cookie names, most preferred first.
    public let cookieNames: [String]
    /// Their UTF-8 bytes, to compare names in place.
    private let cookieNameBytes: [[UInt8]]
    /// The position of `JSESSIONID` in ``cookieNames``, if it is configured.
    private let pathParameterRank: Int?

    public init(cookieNames: [String]) {
        self.cookieNames = cookieNames
        self.cookieNameBytes = cookieNames.map { Array($0.utf8) }
        self.pathParameterRank = cookieNames.firstIndex(of: Self.pathParameterCookieName)
    }

    /// Whether ``session(cookieHeaders:target:)`` looks at the request target at all (a session in a `;jsessionid=`
    /// path parameter is configured): otherwise the caller need not make a string of it.
    public var readsTarget: Bool { self.pathParameterRank != nil }

    /// The session of a request with these `Cookie` header values and this request target, or `nil` if it has none.
    public func session(cookieHeaders: some Sequence<String>, target: String) -> SessionCookie? {
        var search = Search(self)
        for var header in cookieHeaders {
            guard header.withUTF8({ search.add(header: $0) }) else { break }
        }
        return search.session(target: target)
    }

    /// The search of one request's `Cookie` headers, fed the bytes of each in turn (``add(header:)``): what
    /// ``session(cookieHeaders:target:)`` does, for a caller that has the bytes in place (the proxy reads them out of
    /// the request head it parsed, with no `String` per header).
    struct Search {
        private let extractor: SessionExtractor
        /// The best candidate so far: its rank in `cookieNames` and its value.
        private var bestRank: Int
        private var bestValue: String?
        private var budget = SessionExtractor.maximumCookieBytes

        init(_ extractor: SessionExtractor) {
            self.extractor = extractor
            self.bestRank = extractor.cookieNames.count
        }

        /// Looks at one more `Cookie` header; returns whether the search goes on (no better candidate can follow
        /// once the first configured name is found, or once the byte budget is spent).
        mutating func add(header: UnsafeBufferPointer<UInt8>) -> Bool {
            guard self.budget > 0 else { return false }
            var pairs = CookieHeader.Pairs(header, byteLimit: self.budget)
            while let (name, value) = pairs.next() {
                let name = UnsafeBufferPointer(rebasing: header[name])
                guard let rank = self.extractor.rank(of: name, below: self.bestRank),
                    let id = SessionCookie.validID(UnsafeBufferPointer(rebasing: header[value]))
                else { continue }
                self.bestRank = rank
                self.bestValue = id
                if rank == 0 { return false }
            }
            self.budget -= max(1, header.count)
            return true
        }

        /// The session found, with a `;jsessionid=` path parameter of `target` counting for `JSESSIONID` when no
        /// better-ranked cookie was found.
        func session(target: String) -> SessionCookie? {
            var rank = self.bestRank
            var value = self.bestValue
            if let pathParameterRank = self.extractor.pathParameterRank, pathParameterRank < rank,
                let parameter = SessionExtractor.pathParameterSessionID(in: target)
            {
                rank = pathParameterRank
                value = String(parameter)
            }
            guard let value else { return nil }
            return SessionCookie(name: self.extractor.cookieNames[rank], id: value)
        }
    }

    /// The rank of `name` in ``cookieNames`` if it is configured and ranks before `limit` (byte for byte).
    private func rank(of name: UnsafeBufferPointer<UInt8>, below limit: Int) -> Int? {
        for rank in 0..<limit where self.cookieNameBytes[rank].count == name.count {
            if self.cookieNameBytes[rank].withUnsafeBufferPointer({ $0.elementsEqual(name) }) {
                return rank
            }
        }
        return nil
    }

    /// The value of the first valid `;jsessionid=` path parameter (name matched case-insensitively) in the path part
    /// of `target`, that is before any `?` or `#`. The value ends at `;`, `/`, `?` or `#`.
    static func pathParameterSessionID(in target: String) -> Substring? {
        let utf8 = target.utf8
        let parameter = ";jsessionid=".utf8
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { return nil }
            guard byte == UInt8(ascii: ";"), let valueStart = Self.index(after: parameter, at: index, in: utf8) else {
                utf8.formIndex(after: &index)
                continue
            }
            var valueEnd = valueStart
            while valueEnd < utf8.endIndex {
                let byte = utf8[valueEnd]
                if byte == UInt8(ascii: ";") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
                    || byte == UInt8(ascii: "#")
                {
                    break
                }
                utf8.formIndex(after: &valueEnd)
            }
            let value = target[valueStart..<valueEnd]
            if SessionCookie.isValidID(value) { return value }
            // An invalid value is ignored; a later parameter may still count. The scan goes on from its end.
            index = valueEnd
        }
        return nil
    }

    /// The index just past `prefix` if `utf8` has it at `start`, ASCII letters compared case-insensitively.
    private static func index(
        after prefix: String.UTF8View,
        at start: String.Index,
        in utf8: String.UTF8View
    ) -> String.Index? {
        var index = start
        for expected in prefix {
            guard index < utf8.endIndex, Self.lowercased(utf8[index]) == expected else { return nil }
            utf8.formIndex(after: &index)
        }
        return index
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
