extension SocketAddressSpec {
    /// Why a `HOST:PORT` did not parse.
    enum ParseFailure: Error, Hashable, Sendable {
        /// Not `HOST:PORT` or `[IPv6]:PORT`: no port, an empty or invalid host, an unbracketed IPv6 address.
        case malformed
        /// The port is a number outside 1-65535.
        case portOutOfRange
    }

    /// Parses `HOST:PORT`, with an IPv6 host in brackets (`[::1]:8080`). The host is kept without brackets.
    ///
    /// A host name may hold `A-Z a-z 0-9 . _ -`; an IPv6 address hex digits, `:` and `.` (no zone index).
    init(parsing text: some StringProtocol) throws(ParseFailure) {
        let text = Substring(text)
        guard let colon = text.lastIndex(of: ":") else { throw .malformed }
        var host = text[..<colon]
        let port = text[text.index(after: colon)...]

        if host.first == "[" {
            guard host.count > 2, host.last == "]" else { throw .malformed }
            host = host.dropFirst().dropLast()
            guard host.contains(":"), host.allSatisfy(Self.isIPv6Character) else { throw .malformed }
        } else {
            guard !host.isEmpty, host.allSatisfy(Self.isHostNameCharacter) else { throw .malformed }
        }

        guard !port.isEmpty, port.allSatisfy(\.isASCIIDigit) else { throw .malformed }
        guard let number = Int(port), (1...65535).contains(number) else { throw .portOutOfRange }
        self.init(host: String(host), port: number)
    }

    private static func isHostNameCharacter(_ character: Character) -> Bool {
        character.isASCIILetterOrDigit || character == "." || character == "-" || character == "_"
    }

    private static func isIPv6Character(_ character: Character) -> Bool {
        character.isHexDigit && character.isASCII || character == ":" || character == "."
    }

    /// A listening address: `HOST:PORT`.
    static func listenAddress(_ text: String) throws(SettingProblem) -> SocketAddressSpec {
        do {
            return try SocketAddressSpec(parsing: text)
        } catch {
            switch error {
            case .malformed: throw .notHostPort
            case .portOutOfRange: throw .portOutOfRange
            }
        }
    }

    /// A listening address that may be turned off: `HOST:PORT` or `off` (`nil`).
    static func listenAddressOrOff(_ text: String) throws(SettingProblem) -> SocketAddressSpec? {
        if text.lowercased() == "off" { return nil }
        do {
            return try SocketAddressSpec(parsing: text)
        } catch {
            switch error {
            case .malformed: throw .notHostPortOrOff
            case .portOutOfRange: throw .portOutOfRange
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isWholeNumber) }
}
