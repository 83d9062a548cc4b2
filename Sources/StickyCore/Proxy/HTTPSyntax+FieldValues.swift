extension HTTPSyntax {
    /// Walks the elements of a comma-separated field value (RFC 9110 §5.6.1): OWS around each element is dropped and
    /// empty elements are skipped.
    struct ListElements {
        private let bytes: UnsafeRawBufferPointer
        private var index: Int
        private let end: Int

        init(_ bytes: UnsafeRawBufferPointer, _ field: HTTPFieldOffsets) {
            self.bytes = bytes
            self.index = Int(field.valueStart)
            self.end = Int(field.valueEnd)
        }

        /// The next element's offsets, or nil after the last.
        mutating func next() -> (start: Int, end: Int)? {
            while self.index < self.end {
                let byte = self.bytes[self.index]
                if byte == HTTPSyntax.comma || HTTPSyntax.isWhitespace(byte) {
                    self.index += 1
                    continue
                }
                let start = self.index
                while self.index < self.end && self.bytes[self.index] != HTTPSyntax.comma {
                    self.index += 1
                }
                var end = self.index
                while end > start && HTTPSyntax.isWhitespace(self.bytes[end - 1]) {
                    end -= 1
                }
                return (start, end)
            }
            return nil
        }
    }

    /// What a `Content-Length` value says.
    enum ContentLengthValue {
        /// 1 to 18 digits: the length.
        case length(Int)
        /// A comma in the value: a list of lengths (RFC 9110 §8.6 lets a recipient pick one if all are equal; the
        /// parsers here refuse it instead).
        case list
        /// Anything else: empty, a sign, a letter, inner whitespace, 19 digits or more.
        case malformed
    }

    /// The `Content-Length` in `field`'s value.
    static func contentLength(_ bytes: UnsafeRawBufferPointer, _ field: HTTPFieldOffsets) -> ContentLengthValue {
        let start = Int(field.valueStart)
        let end = Int(field.valueEnd)
        var length = 0
        var index = start
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else {
                return Self.isList(bytes, from: index, to: end) ? .list : .malformed
            }
            length = length &* 10 &+ Int(digit)
            index += 1
        }
        guard end > start && end - start <= 18 else {
            return .malformed
        }
        return .length(length)
    }

    /// Whether `bytes[from..<to]` hold a comma.
    private static func isList(_ bytes: UnsafeRawBufferPointer, from: Int, to end: Int) -> Bool {
        var index = from
        while index < end {
            if bytes[index] == Self.comma {
                return true
            }
            index += 1
        }
        return false
    }

    /// Adds the transfer codings in `field`'s value to those before it, `isChunked` telling whether the last one so
    /// far is `chunked` (case-insensitive). False when a coding follows `chunked`: then where the body ends cannot be
    /// known (RFC 9112 §6.3).
    static func addTransferCodings(
        _ bytes: UnsafeRawBufferPointer,
        _ field: HTTPFieldOffsets,
        isChunked: inout Bool
    ) -> Bool {
        var elements = ListElements(bytes, field)
        while let element = elements.next() {
            if isChunked {
                return false
            }
            isChunked = Self.equalsLowercased(bytes, element.start, element.end, "chunked")
        }
        return true
    }

    /// The connection options a `Connection` field lists that the proxy acts on.
    struct ConnectionOptions: OptionSet {
        var rawValue: UInt8

        static var close: ConnectionOptions { ConnectionOptions(rawValue: 1) }
        static var keepAlive: ConnectionOptions { ConnectionOptions(rawValue: 2) }
        static var upgrade: ConnectionOptions { ConnectionOptions(rawValue: 4) }
        /// Any other name.
        static var others: ConnectionOptions { ConnectionOptions(rawValue: 8) }
    }

    /// The options among `close`, `keep-alive` and `upgrade` (case-insensitive) that `field`'s value lists, and
    /// whether it lists anything else.
    static func connectionOptions(_ bytes: UnsafeRawBufferPointer, _ field: HTTPFieldOffsets) -> ConnectionOptions {
        var options: ConnectionOptions = []
        var elements = ListElements(bytes, field)
        while let element = elements.next() {
            switch element.end - element.start {
            case 5 where Self.equalsLowercased(bytes, element.start, element.end, "close"):
                options.insert(.close)
            case 7 where Self.equalsLowercased(bytes, element.start, element.end, "upgrade"):
                options.insert(.upgrade)
            case 10 where Self.equalsLowercased(bytes, element.start, element.end, "keep-alive"):
                options.insert(.keepAlive)
            default:
                options.insert(.others)
            }
        }
        return options
    }
}
