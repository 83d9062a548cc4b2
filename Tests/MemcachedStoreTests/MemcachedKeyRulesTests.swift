import StickyCore
import Testing

@testable import MemcachedStore

@Suite struct MemcachedKeyRulesTests {
    @Test func acceptsProxyKeysUpTo250Bytes() {
        let key = "sticky:connect.sid:" + String(repeating: "A", count: 43)
        #expect(MemcachedKeyRules.validated(StoreKey(rawValue: key)) == key)
        let longest = String(repeating: "k", count: 250)
        #expect(MemcachedKeyRules.validated(StoreKey(rawValue: longest)) == longest)
    }

    /// On the text protocol a CR or LF in a key aborts the process inside libmemcached; such keys never
    /// reach it.
    @Test(arguments: [
        "", String(repeating: "k", count: 251), "has space", "cr\rlf", "line\nfeed", "tab\there", "nul\0byte",
        "del\u{7F}", "caf\u{E9}",
    ])
    func refusesKeysMemcachedCannotTake(key: String) {
        #expect(MemcachedKeyRules.validated(StoreKey(rawValue: key)) == nil)
    }

    @Test(arguments: [
        (Duration.zero, 1), (.seconds(-5), 1), (.milliseconds(200), 1), (.seconds(1), 1), (.milliseconds(1_001), 2),
        (.seconds(3_600), 3_600), (.seconds(2_592_000), 2_592_000), (.seconds(2_592_001), 2_592_000),
        (.seconds(40 * 86_400), 2_592_000), (.seconds(Int64.max), 2_592_000),
    ])
    func expiryIsWholeSecondsRoundedUpAndCappedAt30Days(ttl: Duration, expected: Int) {
        #expect(MemcachedKeyRules.expiry(for: ttl) == expected)
    }
}
