import FuzzSupport
import StickyCore

@main
enum FuzzCookieMain {
    static func main() {
        FuzzDriver.run(fuzzCookie)
    }
}

/// libFuzzer entry point for request `Cookie` headers: ``CookieHeader`` and ``SessionExtractor``.
///
/// The input is one or more `Cookie` header values, one a line, and also the request target (for Tomcat's
/// `;jsessionid=` path parameter). Besides not crashing, it checks:
/// - every pair is well formed: a non-empty, trimmed name without `;` or `=`, a value without `;`; at most
///   ``CookieHeader/maximumPairs`` pairs;
/// - writing the pairs back as `name="value"; ...` and reading them again gives the same pairs, byte for byte;
/// - a byte limit yields a prefix of the pairs, never a cut value;
/// - the session found is the one a naive reading of DESIGN step 1 finds, and it passes
///   ``SessionCookie/isValidID(_:)`` (not empty, at most 4 KiB, no control characters).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCookie(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzInput(data, size)
    let headers = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for header in headers {
        checkPairs(of: header)
    }
    checkSession(headers: headers, target: text)
    return 0
}

private let cookieNames = ["connect.sid", "PHPSESSID", "JSESSIONID", "ASP.NET_SessionId", ".ASPXAUTH"]
private let extractor = SessionExtractor(cookieNames: cookieNames)

private func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

private func checkPairs(of header: String) {
    let pairs = Array(CookieHeader(header))
    invariant(pairs.count <= CookieHeader.maximumPairs, "more than \(CookieHeader.maximumPairs) pairs")
    for pair in pairs {
        let name = pair.name.utf8
        invariant(!name.isEmpty, "empty name")
        invariant(!isBlank(name.first!) && !isBlank(name.last!), "untrimmed name \(String(reflecting: pair.name))")
        invariant(!name.contains(UInt8(ascii: ";")) && !name.contains(UInt8(ascii: "=")), "name with ; or =")
        invariant(!pair.value.utf8.contains(UInt8(ascii: ";")), "value with ;")
    }

    // Written back with every value quoted (so that blanks and quotes inside survive), read again.
    let written = pairs.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: "; ")
    let reread = Array(CookieHeader(written))
    invariant(
        reread.count == pairs.count
            && zip(reread, pairs).allSatisfy { sameBytes($0.name, $1.name) && sameBytes($0.value, $1.value) },
        "pairs written back read differently: \(String(reflecting: written))"
    )

    // A byte limit cuts the header, never a pair: what it yields is a prefix of the whole header's pairs.
    let count = header.utf8.count
    for limit in Set([0, 1, count / 3, count / 2, count - 1, count]) where limit >= 0 {
        let cut = Array(CookieHeader(header, byteLimit: limit))
        invariant(
            cut.count <= pairs.count
                && zip(cut, pairs).allSatisfy { sameBytes($0.name, $1.name) && sameBytes($0.value, $1.value) },
            "byte limit \(limit) changed a pair"
        )
        for pair in cut {
            let end = header.utf8.distance(from: header.startIndex, to: pair.value.endIndex)
            invariant(end <= limit, "a pair past the byte limit \(limit)")
        }
    }
}

private func checkSession(headers: [String], target: String) {
    let found = extractor.session(cookieHeaders: headers, target: target)
    let expected = naiveSession(headers: headers, target: target)
    invariant(
        found?.name == expected?.name && sameBytes(found?.id ?? "", expected?.id ?? ""),
        "session \(String(reflecting: found)) where DESIGN step 1 gives \(String(reflecting: expected))"
    )
    if let found {
        invariant(SessionCookie.isValidID(found.id), "an invalid session ID was accepted")
        invariant(
            found.id.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F },
            "a session ID with a control character was accepted"
        )
    }
}

/// DESIGN step 1 read literally: names in configured order; for each, the first valid pair of any header; for
/// `JSESSIONID`, then the first valid `;jsessionid=` parameter of the path.
private func naiveSession(headers: [String], target: String) -> SessionCookie? {
    for name in cookieNames {
        for header in headers {
            for pair in CookieHeader(header) where sameBytes(pair.name, name) && SessionCookie.isValidID(pair.value) {
                return SessionCookie(name: name, id: String(pair.value))
            }
        }
        if name == SessionExtractor.pathParameterCookieName, let id = naivePathParameter(target) {
            return SessionCookie(name: name, id: id)
        }
    }
    return nil
}

/// The path is the target up to `?` or `#`; its `;`-separated segments after the first are parameters; a
/// `jsessionid=` one (any case) has a value up to the next `/`.
private func naivePathParameter(_ target: String) -> String? {
    let path = target.utf8.prefix { $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
    for segment in path.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).dropFirst() {
        let prefix = Array("jsessionid=".utf8)
        guard segment.count >= prefix.count,
            zip(segment, prefix).allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 })
        else { continue }
        let value = segment.dropFirst(prefix.count).prefix { $0 != UInt8(ascii: "/") }
        let id = String(decoding: value, as: UTF8.self)
        if SessionCookie.isValidID(id) { return id }
    }
    return nil
}
