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
    ///
    /// It scans the header's contiguous UTF-8 bytes with integer offsets (``Cursor``): stepping
    /// `Substring.UTF8View` indices cost about 40 instructions a byte, which made cookie parsing the proxy's largest
    /// own cost per request.
    public struct Iterator: IteratorProtocol, Sendable {
        private let text: Substring
        private var cursor: Cursor

        fileprivate init(text: Substring, byteLimit: Int) {
            // Native strings are contiguous; anything else is copied once so that it is.
            let contiguous = text.utf8.withContiguousStorageIfAvailable { _ in true } ?? false
            self.text = contiguous ? text : Substring(String(text))
            self.cursor = Cursor(count: self.text.utf8.count, byteLimit: byteLimit)
        }

        public mutating func next() -> Pair? {
            let utf8 = self.text.utf8
            var cursor = self.cursor
            let found = utf8.withContiguousStorageIfAvailable { cursor.next(in: $0) }
            self.cursor = cursor
            guard let (name, value) = found ?? nil else { return nil }
            return Pair(name: Self.slice(utf8, name), value: Self.slice(utf8, value))
        }

        private static func slice(_ utf8: Substring.UTF8View, _ range: Range<Int>) -> Substring {
            let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            let upper = utf8.index(lower, offsetBy: range.count)
            return Substring(utf8[lower..<upper])
        }
    }

    /// The pairs of a header whose bytes the caller has in place, as byte offsets into them: what ``Iterator``
    /// yields, without a `Substring` per pair (the proxy reads the `Cookie` fields of the request head it parsed).
    struct Pairs {
        private let bytes: UnsafeBufferPointer<UInt8>
        private var cursor: Cursor

        /// Reads `bytes`, looking at no more than the first `byteLimit` of them.
        init(_ bytes: UnsafeBufferPointer<UInt8>, byteLimit: Int = .max) {
            self.bytes = bytes
            self.cursor = Cursor(count: bytes.count, byteLimit: byteLimit)
        }

        /// The next pair's name and value (trimmed, unquoted), or `nil` when there is none.
        mutating func next() -> (name: Range<Int>, value: Range<Int>)? {
            self.cursor.next(in: self.bytes)
        }
    }

    /// Where a walk over the pairs of one header's bytes stands.
    struct Cursor: Sendable {
        /// The number of bytes looked at.
        private let end: Int
        /// `true` when ``end`` is before the end of the header: a segment that runs into it is incomplete.
        private let truncated: Bool
        /// The byte offset of the next segment.
        private var position = 0
        private var segments = 0

        init(count: Int, byteLimit: Int) {
            self.end = Swift.min(Swift.max(0, byteLimit), count)
            self.truncated = byteLimit < count
        }

        /// The byte ranges of the next pair's name and value; `nil` when there is none.
        mutating func next(in bytes: UnsafeBufferPointer<UInt8>) -> (name: Range<Int>, value: Range<Int>)? {
            let end = self.end
            while self.position < end && self.segments < CookieHeader.maximumPairs {
                self.segments += 1
                let start = self.position
                var equals: Int?
                var index = start
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: ";") { break }
                    if byte == UInt8(ascii: "=") && equals == nil { equals = index }
                    index += 1
                }
                if index < end {
                    self.position = index + 1
                } else {
                    self.position = end
                    // Cut by the byte limit, unless the limit falls exactly on its `;`.
                    if self.truncated && bytes[end] != UInt8(ascii: ";") { return nil }
                }
                guard let equals else { continue }
                let name = CookieHeader.trimmed(start..<equals, in: bytes)
                guard !name.isEmpty else { continue }
                let value = CookieHeader.unquoted(CookieHeader.trimmed((equals + 1)..<index, in: bytes), in: bytes)
                return (name, value)
            }
            return nil
        }
    }

    /// `range` of `bytes` without leading and trailing spaces and tabs.
    static func trimmed(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && isBlank(bytes[lower]) { lower += 1 }
        while lower < upper && isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// `range` of `bytes` without a surrounding pair of double quotes, if it has one.
    static func unquoted(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\""),
            bytes[range.upperBound - 1] == UInt8(ascii: "\"")
        else { return range }
        return (range.lowerBound + 1)..<(range.upperBound - 1)
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
