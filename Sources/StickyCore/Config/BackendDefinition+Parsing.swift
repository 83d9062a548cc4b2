extension BackendDefinition {
    /// Parses `NAME=HOST:PORT`, or `HOST:PORT`, whose name is then the address as written back
    /// (``SocketAddressSpec/description``, so `[::1]:8080` for IPv6).
    ///
    /// A given name is non-empty and holds `A-Z a-z 0-9 . _ : -` only: never `~`, which the store uses as a
    /// marker, nor spaces. Only a name taken from an IPv6 address holds `[` and `]`.
    init(parsing text: some StringProtocol) throws(SettingProblem) {
        var entry = Substring(text)
        var weight = 1
        if let semicolon = entry.firstIndex(of: ";") {
            let option = entry[entry.index(after: semicolon)...]
            entry = entry[..<semicolon]
            guard option.lowercased().hasPrefix("weight="), let number = Int(option.dropFirst("weight=".count)),
                Self.weightRange.contains(number)
            else { throw .invalidWeight }
            weight = number
        }
        let name: Substring?
        let addressText: Substring
        if let equals = entry.firstIndex(of: "=") {
            name = entry[..<equals]
            addressText = entry[entry.index(after: equals)...]
        } else {
            name = nil
            addressText = entry
        }

        let address: SocketAddressSpec
        do {
            address = try SocketAddressSpec(parsing: addressText)
        } catch {
            switch error {
            case .malformed: throw .notBackend
            case .portOutOfRange: throw .portOutOfRange
            }
        }

        if let name {
            guard !name.isEmpty else { throw .emptyBackendName }
            guard name.allSatisfy(Self.isNameCharacter) else { throw .invalidBackendName }
            self.init(name: String(name), address: address, weight: weight)
        } else {
            self.init(name: address.description, address: address, weight: weight)
        }
    }

    /// The weights `;weight=N` may give.
    static let weightRange = 1...1000

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCIILetterOrDigit || ".-_:".contains(character)
    }
}
