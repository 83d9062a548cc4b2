/// The keys of a YAML file's top-level block mapping, in file order, found from the text.
///
/// swift-configuration's `YAMLSnapshot` answers lookups of keys one knows but cannot list the keys it holds,
/// and a typo in the file must not be silently ignored. Settings files are a flat block mapping, where every
/// top-level key starts a line at column 0; this reads those. Run it only on text that already parsed as YAML.
enum YAMLTopLevelKeys {
    /// A line at column 0 that is neither a key, a comment, a document marker nor a sequence item:
    /// a flow mapping (`{…}`) or an explicit key (`? …`), which settings files do not use.
    struct UnsupportedLine: Error, Hashable, Sendable {
        /// 1-based.
        var lineNumber: Int
    }

    /// Whether the text holds nothing but blank lines, comments, directives and document markers.
    static func isEmpty(_ text: String) -> Bool {
        lines(of: text).allSatisfy { line in
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            return trimmed.isEmpty || trimmed.first == "#" || trimmed.first == "%" || isDocumentMarker(trimmed)
        }
    }

    /// The top-level keys in the order they appear.
    static func keys(in text: String) throws(UnsupportedLine) -> [String] {
        var keys: [String] = []
        for (index, line) in lines(of: text).enumerated() {
            guard let first = line.first else { continue }
            switch first {
            case " ", "\t", "#", "%":
                continue
            case "-" where line.count == 1 || line.dropFirst().first == " " || line.dropFirst().first == "\t":
                continue  // an item of a sequence written at column 0 under its key
            case _ where isDocumentMarker(line):
                continue
            case "\"", "'":
                guard let key = quotedKey(line, quote: first) else { throw UnsupportedLine(lineNumber: index + 1) }
                keys.append(key)
            case "{", "[", "&", "*", "!", "|", ">", "@", "`", ",", "]", "}":
                throw UnsupportedLine(lineNumber: index + 1)
            case "?" where line.count == 1 || line.dropFirst().first == " " || line.dropFirst().first == "\t":
                throw UnsupportedLine(lineNumber: index + 1)
            default:
                guard let key = plainKey(line) else { throw UnsupportedLine(lineNumber: index + 1) }
                keys.append(key)
            }
        }
        return keys
    }

    private static func lines(of text: String) -> [Substring] {
        var text = Substring(text)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    private static func isDocumentMarker(_ line: Substring) -> Bool {
        guard line.hasPrefix("---") || line.hasPrefix("...") else { return false }
        let rest = line.dropFirst(3)
        return rest.isEmpty || rest.first == " " || rest.first == "\t"
    }

    /// `key: value` or `key:`: the text before the first `:` that ends the line or is followed by a blank.
    private static func plainKey(_ line: Substring) -> String? {
        var index = line.startIndex
        while index < line.endIndex {
            let next = line.index(after: index)
            if line[index] == "#", index > line.startIndex, line[line.index(before: index)] == " " { return nil }
            if line[index] == ":", next == line.endIndex || line[next] == " " || line[next] == "\t" {
                let key = line[..<index].reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
                return key.isEmpty ? nil : String(key)
            }
            index = next
        }
        return nil
    }

    /// `"key": value` or `'key': value`. Escapes are not decoded: a key that needs them is no setting anyway.
    private static func quotedKey(_ line: Substring, quote: Character) -> String? {
        let body = line.dropFirst()
        guard let close = body.firstIndex(of: quote) else { return nil }
        let rest = body[body.index(after: close)...].drop(while: { $0 == " " || $0 == "\t" })
        guard rest.first == ":" else { return nil }
        return String(body[..<close])
    }
}
