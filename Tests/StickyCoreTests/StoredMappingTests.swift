import Testing

@testable import StickyCore

@Suite struct StoredMappingTests {
    private func parsedFromBytes(_ value: String) -> StoredMapping? {
        Array(value.utf8).withUnsafeBytes { StoredMapping(storeValue: $0) }
    }

    @Test func roundTripsPlainAndSliding() {
        let mappings = [StoredMapping(backend: "web1", slides: false), StoredMapping(backend: "10.0.0.1:80", slides: true)]
        for mapping in mappings {
            #expect(StoredMapping(storeValue: mapping.storeValue) == mapping)
            #expect(self.parsedFromBytes(mapping.storeValue) == mapping)
        }
    }

    @Test(arguments: ["", "~", "~a~b", "a~", "~~a"])
    func rejectsEmptyAndMalformedValues(value: String) {
        #expect(StoredMapping(storeValue: value) == nil)
        #expect(self.parsedFromBytes(value) == nil)
    }

    /// A `~` followed by a combining mark is one `Character` but still a `~` byte: a value is read by its bytes.
    @Test func aTildeIsFoundByItsByteEvenBeforeACombiningMark() {
        #expect(StoredMapping(storeValue: "~\u{303}web1") == StoredMapping(backend: "\u{303}web1", slides: true))
        #expect(StoredMapping(storeValue: "web\u{7E}\u{301}1") == nil)
    }
}
