import PropertyBased
import Testing

@testable import StickyCore

/// Learning sessions from a response (DESIGN step 5) among good and bad `Set-Cookie`s: exactly the valid session IDs
/// of configured cookies are recorded, each under the key of its whole value; an invalid value, a non-token name or
/// a header RFC 6265 ignores records nothing and changes nothing else.
@Suite struct SessionLearnerPropertyTests {
    private static let keys = StoreKeyDeriver(prefix: "t:", secret: nil)
    private let learner = SessionLearner(
        cookieNames: CookieGenerators.configuredNames,
        defaultTTL: .seconds(1800),
        keys: Self.keys
    )

    /// One generated `Set-Cookie` and the key it must be recorded under, if any.
    struct Header: Sendable, CustomStringConvertible {
        var text: String
        var recordedKey: StoreKey?

        var description: String { String(reflecting: text.count > 80 ? String(text.prefix(80)) + "…" : text) }
    }

    static let header = zip(
        Gen.int(in: 0...5),
        zip(CookieGenerators.name, CookieGenerators.validID, Gen.bool),
        CookieGenerators.invalidID,
        CookieGenerators.nonTokenName,
        zip(Gen.int64(in: 1...100_000_000).optional, Gen<String?>.element(of: ["Path=/", "HttpOnly", ""]).map { $0! })
    ).map { kind, valid, invalid, nonToken, attributes -> Header in
        let (name, id, quoted) = valid
        let (maxAge, other) = attributes
        let suffix = (maxAge.map { "; Max-Age=\($0)" } ?? "") + "; " + other
        let configured = CookieGenerators.configuredNames[id.utf8.count % CookieGenerators.configuredNames.count]
        switch kind {
        case 0, 1:
            let recorded = CookieGenerators.configuredNames.contains(name)
            return Header(
                text: name + "=" + CookieGenerators.written(id, quoted: quoted) + suffix,
                recordedKey: recorded ? keys.key(cookieName: name, sessionID: id) : nil
            )
        case 2:
            return Header(text: configured + "=" + invalid.1 + suffix, recordedKey: nil)
        case 3:
            return Header(text: nonToken + "=" + id + suffix, recordedKey: nil)
        case 4:
            return Header(text: configured + suffix, recordedKey: nil)  // no `=`
        default:
            return Header(text: " =" + id + suffix, recordedKey: nil)  // an empty name
        }
    }

    @Test func recordsExactlyTheValidSessionIDsOfConfiguredCookies() async {
        await propertyCheck(count: 300, input: Self.header.array(of: 0...8)) { headers in
            let writes = learner.writes(
                setCookieHeaders: headers.map(\.text),
                requestSession: nil,
                routedBackend: nil,
                backend: "web1",
                now: 1_767_225_600
            )
            // One write per key, in order of first appearance.
            var expected: [StoreKey] = []
            for case let key? in headers.map(\.recordedKey) where !expected.contains(key) {
                expected.append(key)
            }
            #expect(writes.map(\.key) == expected)
            for write in writes {
                guard case .record(let mapping, _) = write.operation else {
                    Issue.record("not a record: \(write)")
                    continue
                }
                #expect(mapping.backend == "web1")
                #expect(write.holdsResponse)
            }
        }
    }
}
