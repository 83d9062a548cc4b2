extension BackendDefinition {
    /// Parses `NAME=HOST:PORT`, or `HOST:PORT`, whose name is then the address as written back
    /// (``SocketAddressSpec/description``, so `[::1]:8080` for IPv6).
    ///
    /// A given name is non-empty and holds `A-Z a-z 0-9 . _ : -` only: never `~`, which the store uses as a
    /// marker, nor spaces. Only a name taken from an IPv6 address holds `[` and `]`.
    init(parsing entry: some StringProtocol) throws(SettingProblem) {
        let entry = Substring(entry)
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
            self.init(name: String(name), address: address)
        } else {
            self.init(name: address.description, address: address)
        }
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCIILetterOrDigit || ".-_:".contains(character)
    }
}
