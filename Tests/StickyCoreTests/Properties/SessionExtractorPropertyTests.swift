import NIOCore
import PropertyBased
import Synchronization
import Testing

@testable import StickyCore

/// Finding the session (DESIGN step 1) among good and bad cookies: the session found is exactly the value of the
/// first configured name that has a valid value, whatever invalid values, non-token names and skipped segments are
/// around it, and never a cut or merged value.
@Suite struct SessionExtractorPropertyTests {
    private let extractor = SessionExtractor(cookieNames: CookieGenerators.configuredNames)

    /// What one segment of a generated `Cookie` header holds.
    enum Segment: Sendable, CustomStringConvertible {
        /// A valid pair; it counts if its name is configured.
        case valid(name: String, id: String, text: String)
        /// A configured name with a value that is not a session ID.
        case invalidValue(CookieGenerators.InvalidValue, text: String)
        /// A configured name made into a non-token, with a valid value.
        case nonTokenName(text: String)
        /// Something RFC 6265 skips.
        case skipped(text: String)

        var text: String {
            switch self {
            case .valid(_, _, let text), .invalidValue(_, let text), .nonTokenName(let text), .skipped(let text): text
            }
        }

        var description: String { String(reflecting: text.count > 80 ? String(text.prefix(80)) + "…" : text) }
    }

    static let segment = zip(
        Gen.int(in: 0...5),
        zip(CookieGenerators.name, CookieGenerators.validID, Gen.bool, CookieGenerators.blanks),
        CookieGenerators.invalidID,
        CookieGenerators.nonTokenName,
        CookieHeaderPropertyTests.skippedSegment
    ).map { kind, valid, invalid, nonToken, skipped -> Segment in
        let (name, id, quoted, blanks) = valid
        switch kind {
        case 0, 1:
            return .valid(name: name, id: id, text: blanks + name + "=" + CookieGenerators.written(id, quoted: quoted))
        case 2:
            let configured = CookieGenerators.configuredNames[id.utf8.count % CookieGenerators.configuredNames.count]
            return .invalidValue(invalid.0, text: configured + "=" + invalid.1 + blanks)
        case 3:
            return .nonTokenName(text: nonToken + "=" + id)
        default:
            return .skipped(text: skipped)
        }
    }

    /// DESIGN step 1 read literally over the generated segments.
    private func expectedSession(_ headers: [[Segment]]) -> SessionCookie? {
        for name in CookieGenerators.configuredNames {
            for case .valid(let segmentName, let id, _) in headers.joined() where segmentName == name {
                return SessionCookie(name: name, id: id)
            }
        }
        return nil
    }

    @Test func findsExactlyTheFirstValidConfiguredCookie() async {
        // At most 12 segments of at most ~4.8 KB: within the 64 KiB that the extractor reads of a request's cookies.
        await propertyCheck(count: 300, input: Self.segment.array(of: 0...4).array(of: 1...3)) { headers in
            let texts = headers.map { $0.map(\.text).joined(separator: "; ") }
            let found = extractor.session(cookieHeaders: texts, target: "/")
            let expected = expectedSession(headers)
            #expect(found?.name == expected?.name)
            #expect(found?.id.utf8.elementsEqual((expected?.id ?? "").utf8) ?? (expected == nil))
        }
    }

    @Test func theProxyFindsTheSameSessionInTheRequestHeadItParsed() async {
        let compared = Atomic<Int>(0)
        await propertyCheck(count: 300, input: Self.segment.array(of: 0...4).array(of: 1...3)) { headers in
            let texts = headers.map { $0.map(\.text).joined(separator: "; ") }
            let request = "GET / HTTP/1.1\r\nHost: a\r\n" + texts.map { "Cookie: \($0)\r\n" }.joined() + "\r\n"
            var parser = ClientRequestParser(maxTargetBytes: 100, maxFieldBytes: 70_000, maxFieldCount: 10)
            parser.append(ByteBuffer(string: request))
            // Segments with bytes a field value may not hold make the request malformed: nothing to compare.
            guard case .head(let head)? = try? parser.next() else { return }
            let inPlace = head.session(extractor)
            let fromStrings = extractor.session(cookieHeaders: head.values(of: .cookie), target: head.target)
            #expect(inPlace == fromStrings)
            #expect(inPlace?.name == expectedSession(headers)?.name)
            compared.add(1, ordering: .relaxed)
        }
        #expect(compared.load(ordering: .relaxed) >= 100, "too few generated requests were well-formed")
    }

    @Test func invalidValuesAreNeverTaken() async {
        await propertyCheck(count: 300, input: CookieGenerators.invalidID, CookieGenerators.validID) { invalid, id in
            let (reason, value) = invalid
            for name in CookieGenerators.configuredNames {
                // Alone: no session. With a valid one after it, under the same name: exactly that one.
                #expect(extractor.session(cookieHeaders: ["\(name)=\(value)"], target: "/") == nil, "\(reason)")
                let found = extractor.session(cookieHeaders: ["\(name)=\(value); \(name)=\(id)"], target: "/")
                #expect(found == SessionCookie(name: name, id: id), "\(reason)")
            }
        }
    }

    @Test func tomcatPathParametersCountForJSESSIONIDOnly() async {
        // A path parameter's value ends at `;`, `/`, `?` or `#`, and is taken as it is (no unquoting).
        let pathSafe = CookieGenerators.cookieOctets.filter { !";/?#\"".contains($0) }
        let path = CookieGenerators.character(of: Array("abcxyz0189-._~")).string(of: 0...8)
        let id = CookieGenerators.character(of: pathSafe).string(of: 1...40)
        let invalid = zip(
            Gen<CookieGenerators.InvalidValue>.case,
            CookieGenerators.character(of: CookieGenerators.controlCharacters),
            Gen.int(in: 1...600)
        ).map { reason, control, extra -> String in
            switch reason {
            case .controlCharacter: "x\(control)y"
            case .overLong: String(repeating: "a", count: SessionCookie.maximumIDLength + extra)
            case .empty: ""
            }
        }
        await propertyCheck(count: 300, input: path, id, invalid, Gen.bool) { path, id, invalidValue, withCookie in
            let target = "/\(path);jsessionid=\(invalidValue);JSessionID=\(id)/next?q=1;jsessionid=query#x"
            let cookies = withCookie ? ["JSESSIONID=cookie"] : []
            let expectedID = withCookie ? "cookie" : id
            #expect(
                extractor.session(cookieHeaders: cookies, target: target)
                    == SessionCookie(name: "JSESSIONID", id: expectedID)
            )
            // A configured cookie ranked before JSESSIONID wins over the path parameter.
            #expect(
                extractor.session(cookieHeaders: cookies + ["PHPSESSID=php"], target: target)
                    == SessionCookie(name: "PHPSESSID", id: "php")
            )
            // Without JSESSIONID configured the parameter means nothing.
            let withoutJSESSIONID = SessionExtractor(cookieNames: ["PHPSESSID"])
            #expect(withoutJSESSIONID.session(cookieHeaders: [], target: target) == nil)
        }
    }
}
