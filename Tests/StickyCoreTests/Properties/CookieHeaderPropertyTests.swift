import PropertyBased
import Testing

@testable import StickyCore

/// Request `Cookie` headers: valid pairs read back exactly however they are spaced and quoted, pairs that RFC 6265
/// skips are skipped without disturbing their neighbours, and a byte limit never cuts a value.
@Suite struct CookieHeaderPropertyTests {
    /// A valid pair as written in a header: name, value, quoted or not, blanks around the name and the value.
    static let pair = zip(
        CookieGenerators.token,
        CookieGenerators.value,
        Gen.bool,
        CookieGenerators.blanks,
        CookieGenerators.blanks
    ).map { name, value, quoted, before, after in
        (
            name: name, value: value,
            text: before + name + after + "=" + after + CookieGenerators.written(value, quoted: quoted) + before
        )
    }

    /// A segment that RFC 6265 skips: no `=`, an empty (or blank) name, or nothing at all.
    static let skippedSegment = zip(
        Gen.int(in: 0...2),
        CookieGenerators.token,
        CookieGenerators.value,
        CookieGenerators.blanks
    )
    .map { kind, token, value, blanks -> String in
        switch kind {
        case 0: blanks + token + blanks
        case 1: blanks + "=" + value
        default: blanks
        }
    }

    private func read(_ header: String, byteLimit: Int = .max) -> [[String]] {
        CookieHeader(header, byteLimit: byteLimit).map { [String($0.name), String($0.value)] }
    }

    private func sameBytes(_ a: [[String]], _ b: [[String]]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy {
                $0.count == $1.count && zip($0, $1).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
            }
    }

    @Test func validPairsReadBackExactly() async {
        await propertyCheck(count: 300, input: Self.pair.array(of: 0...12), Gen.bool) { pairs, spaced in
            let header = pairs.map(\.text).joined(separator: spaced ? "; " : ";")
            let expected = pairs.map { [$0.name, $0.value] }
            #expect(sameBytes(read(header), expected), "\(header)")
        }
    }

    @Test func skippedSegmentsLeaveTheOtherPairsExactlyAsTheyAre() async {
        let segment = zip(Gen.bool, Self.pair, Self.skippedSegment)
        await propertyCheck(count: 300, input: segment.array(of: 1...16)) { segments in
            let header = segments.map { isPair, pair, skipped in isPair ? pair.text : skipped }.joined(separator: ";")
            let expected = segments.filter(\.0).map { [$0.1.name, $0.1.value] }
            #expect(sameBytes(read(header), expected), "\(header)")
        }
    }

    @Test func aByteLimitYieldsWholePairsOnly() async {
        await propertyCheck(count: 300, input: Self.pair.array(of: 1...8), Gen.int(in: 0...400)) { pairs, limit in
            let header = pairs.map(\.text).joined(separator: "; ")
            let all = read(header)
            let cut = read(header, byteLimit: limit)
            // A prefix of the pairs: each either whole or absent, never a shortened value.
            #expect(cut.count <= all.count)
            #expect(sameBytes(cut, Array(all.prefix(cut.count))), "\(header) cut at \(limit)")
            if limit >= header.utf8.count {
                #expect(cut.count == all.count)
            }
        }
    }

    @Test func arbitraryTextNeverCrashesAndPairsAreWellFormed() async {
        let piece = Gen<String?>.element(of: [
            "=", ";", " ", "\t", "\"", "a", "PHPSESSID", "\u{0}", "\u{7F}", "é", "\n", "=;",
        ])
        .map { $0! }
        let text = zip(Gen.bool, piece.array(of: 0...40), Gen<UInt8>.value(in: 0...255).array(of: 0...40))
            .map { structured, pieces, bytes in structured ? pieces.joined() : String(decoding: bytes, as: UTF8.self) }
        await propertyCheck(count: 500, input: text) { header in
            let pairs = Array(CookieHeader(header))
            #expect(pairs.count <= CookieHeader.maximumPairs)
            for pair in pairs {
                #expect(!pair.name.isEmpty)
                #expect(!pair.name.utf8.contains(UInt8(ascii: ";")) && !pair.name.utf8.contains(UInt8(ascii: "=")))
                #expect(!pair.value.utf8.contains(UInt8(ascii: ";")))
                #expect(![" ", "\t"].contains(pair.name.first!) && ![" ", "\t"].contains(pair.name.last!))
            }
        }
    }
}
