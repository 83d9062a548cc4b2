import Testing

@testable import StickyCore

@Suite struct StoredMappingTests {
    @Test func roundTripsPlainAndSliding() {
        for mapping in [StoredMapping(backend: "web1", slides: false), StoredMapping(backend: "10.0.0.1:80", slides: true)] {
            #expect(StoredMapping(storeValue: mapping.storeValue) == mapping)
        }
    }

    @Test func rejectsEmptyAndMalformedValues() {
        #expect(StoredMapping(storeValue: "") == nil)
        #expect(StoredMapping(storeValue: "~") == nil)
        #expect(StoredMapping(storeValue: "~a~b") == nil)
    }
}
