import FuzzSupport
import StickyCore

@main
enum FuzzSetCookieMain {
    static func main() {
        FuzzDriver.run(fuzzSetCookie)
    }
}

/// libFuzzer entry point for response `Set-Cookie` headers: ``SetCookie``, ``SessionLifetime`` and
/// ``SessionLearner``.
///
/// The input is one or more `Set-Cookie` header values, one a line. Besides not crashing, it checks:
/// - ``SetCookie/name(of:)`` agrees with the full parse;
/// - an accepted cookie is well formed: a non-empty, trimmed name without `;` or `=`, a value without `;`, an
///   `Expires` between 1601 and 9999;
/// - writing it back (`name="value"; Max-Age=N; Expires=IMF-fixdate`) and parsing again gives the same cookie,
///   byte for byte;
/// - its lifetime is expired, a browser session, or a positive duration of at most 400 days, as DESIGN step 5 says;
/// - the learner records only valid session IDs (its keys are digests, so the check is by key).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSetCookie(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzInput(data, size)
    let headers = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for header in headers {
        checkSetCookie(header)
    }
    checkLearner(headers)
    return 0
}

private let nows: [Int64] = [.min, -1, 0, 784_111_777, 1_767_225_600, .max]

private func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

private func checkSetCookie(_ header: String) {
    let name = SetCookie.name(of: header)
    let cookie = SetCookie(headerValue: header)
    invariant(
        sameBytes(name ?? "", cookie?.name ?? "") && (name == nil) == (cookie == nil),
        "name(of:) says \(String(reflecting: name)), the parse says \(String(reflecting: cookie?.name))"
    )
    guard let cookie else { return }

    let nameBytes = cookie.name.utf8
    invariant(!nameBytes.isEmpty, "empty name")
    invariant(!isBlank(nameBytes.first!) && !isBlank(nameBytes.last!), "untrimmed name")
    invariant(!nameBytes.contains(UInt8(ascii: ";")) && !nameBytes.contains(UInt8(ascii: "=")), "name with ; or =")
    invariant(!cookie.value.utf8.contains(UInt8(ascii: ";")), "value with ;")
    if let expires = cookie.expires {
        invariant(CookieDateForms.range.contains(expires), "Expires out of range: \(expires)")
    }

    var written = "\(cookie.name)=\"\(cookie.value)\"; Path=/"
    if let maxAge = cookie.maxAge { written += "; Max-Age=\(maxAge)" }
    if let expires = cookie.expires { written += "; Expires=\(HTTPDate.format(expires))" }
    written += "; HttpOnly; SameSite=Lax"
    let reread = SetCookie(headerValue: written)
    invariant(
        reread.map {
            sameBytes($0.name, cookie.name) && sameBytes($0.value, cookie.value) && $0.maxAge == cookie.maxAge
                && $0.expires == cookie.expires
        } ?? false,
        "\(String(reflecting: cookie)) written back as \(String(reflecting: written))"
            + " reads \(String(reflecting: reread))"
    )

    for now in nows + [cookie.expires ?? 0] {
        switch cookie.lifetime(now: now) {
        case .expired:
            let expected = cookie.maxAge.map { $0 <= 0 } ?? (cookie.expires.map { $0 <= now } ?? false)
            invariant(expected, "expired at \(now) with Max-Age \(String(describing: cookie.maxAge))")
        case .fixed(let duration):
            invariant(duration > .zero && duration <= SessionLifetime.maximum, "lifetime \(duration) at \(now)")
        case .browserSession:
            invariant(cookie.maxAge == nil && cookie.expires == nil, "a browser session with an expiry")
        }
    }
}

private let configuredNames = ["connect.sid", "PHPSESSID", "JSESSIONID", "ASP.NET_SessionId"]
private let keys = StoreKeyDeriver(prefix: "fuzz:", secret: nil)
private let learner = SessionLearner(cookieNames: configuredNames, defaultTTL: .seconds(1800), keys: keys)

private func checkLearner(_ headers: [String]) {
    let request = SessionCookie(name: "PHPSESSID", id: "request-session")
    let writes = learner.writes(
        setCookieHeaders: headers,
        requestSession: request,
        routedBackend: "a",
        backend: "b",
        now: 1_767_225_600
    )
    // Every recorded key is that of a valid value of a configured cookie the response set.
    var recordable = Set<StoreKey>()
    var deletable = Set([keys.key(cookieName: request.name, sessionID: request.id)])
    for header in headers {
        guard let cookie = SetCookie(headerValue: header),
            configuredNames.contains(where: { sameBytes($0, cookie.name) })
        else { continue }
        if SessionCookie.isValidID(cookie.value) {
            recordable.insert(keys.key(cookieName: cookie.name, sessionID: cookie.value))
            deletable.insert(keys.key(cookieName: cookie.name, sessionID: cookie.value))
        }
    }
    invariant(Set(writes.map(\.key)).count == writes.count, "two writes for one key")
    for write in writes {
        switch write.operation {
        case .record(_, let ttl):
            invariant(recordable.contains(write.key), "a record for a value that is not a valid session ID")
            invariant(ttl > .zero && ttl <= SessionLifetime.maximum, "a record with TTL \(ttl)")
            invariant(write.holdsResponse, "a new or moved mapping does not hold the response")
        case .delete:
            invariant(deletable.contains(write.key), "a delete of a key neither side carried")
            invariant(!write.holdsResponse, "a delete holds the response")
        }
    }
}
