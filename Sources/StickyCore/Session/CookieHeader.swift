/// The `name=value` pairs of one request `Cookie` header (RFC 6265 §5.4, §4.2.1), read in place.
///
/// This is what the proxy uses to find a session cookie without copying the rest of the header: iterating it
/// yields `Substring`s that share the header's storage, so pairs that are not wanted cost no allocation.
///
/// Pairs are split on `;`. The name and the value are trimmed of surrounding spaces and tabs, and a value in
/// double quotes is taken without the quotes. A pair without `=` or with an empty name is skipped.
///
/// The work is bounded: at most ``maximumPairs`` `;`-separated segments of a header are looked at (skipped ones
/// count too), and at most `byteLimit` bytes of it. A pair that the byte limit cuts is not reported, so a truncated
/// value is never mistaken for a whole one.
public struct CookieHeader: Sequence, Sendable {
    /// One `name=value` pair, trimmed and unquoted, sharing storage with the header.
    public struct Pair: Hashable, Sendable {
        public var name: Substring
        public var value: Substring

        public init(name: Substring, value: Substring) {
            self.name = name
            self.value = value
        }
    }

    /// The number of `;`-separated segments of one header that are looked at; the rest is ignored.
    public static let maximumPairs = 256

    /// The header value.
    public let text: Substring
    /// The number of bytes at the start of ``text`` that are looked at.
    public let byteLimit: Int

    /// Reads `text`, looking at no more than its first `byteLimit` bytes.
    public init(_ text: Substring, byteLimit: Int = .max) {
        self.text = text
        self.byteLimit = Swift.max(0, byteLimit)
    }

    /// Reads `text`, looking at no more than its first `byteLimit` bytes.
    public init(_ text: String, byteLimit: Int = .max) {
        self.init(text[...], byteLimit: byteLimit)
    }

    public func makeIterator() -> Iterator {
        Iterator(text: text, byteLimit: byteLimit)
    }

    /// The value of the first pair named `name` (compared byte for byte, case-sensitively), or `nil`.
    public func firstValue(named name: String) -> Substring? {
        for pair in self where pair.name.utf8.elementsEqual(name.utf8) {
            return pair.value
        }
        return nil
    }

    /// Walks the pairs of a header in order.
    public struct Iterator: IteratorProtocol, Sendable {
        private let utf8: Substring.UTF8View
        private let end: String.Index
        /// `true` when ``end`` is before the end of the header: a segment that runs into it is incomplete.
        private let truncated: Bool
        private var position: String.Index
        private var segments = 0

        fileprivate init(text: Substring, byteLimit: Int) {
            let utf8 = text.utf8
            self.utf8 = utf8
            self.position = utf8.startIndex
            if byteLimit < utf8.count {
                self.end = utf8.index(utf8.startIndex, offsetBy: byteLimit)
                self.truncated = true
            } else {
                self.end = utf8.endIndex
                self.truncated = false
            }
        }

        public mutating func next() -> Pair? {
            while position < end && segments < CookieHeader.maximumPairs {
                segments += 1
                let start = position
                var equals: String.Index?
                var index = start
                while index < end {
                    let byte = utf8[index]
                    if byte == UInt8(ascii: ";") { break }
                    if byte == UInt8(ascii: "=") && equals == nil { equals = index }
                    utf8.formIndex(after: &index)
                }
                if index < end {
                    position = utf8.index(after: index)
                } else {
                    position = end
                    // Cut by the byte limit, unless the limit falls exactly on its `;`.
                    if truncated && utf8[end] != UInt8(ascii: ";") { return nil }
                }
                guard let equals else { continue }
                let name = CookieHeader.trimmed(utf8[start..<equals])
                guard !name.isEmpty else { continue }
                let value = CookieHeader.unquoted(CookieHeader.trimmed(utf8[utf8.index(after: equals)..<index]))
                return Pair(name: Substring(name), value: Substring(value))
            }
            return nil
        }
    }

    /// `bytes` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var lower = bytes.startIndex
        var upper = bytes.endIndex
        while lower < upper && isBlank(bytes[lower]) { bytes.formIndex(after: &lower) }
        while lower < upper {
            let last = bytes.index(before: upper)
            guard isBlank(bytes[last]) else { break }
            upper = last
        }
        return bytes[lower..<upper]
    }

    /// `bytes` without a surrounding pair of double quotes, if it has one.
    static func unquoted(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else {
            return bytes
        }
        return bytes[bytes.index(after: bytes.startIndex)..<bytes.index(before: bytes.endIndex)]
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
