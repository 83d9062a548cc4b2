import Testing

@testable import StickyCore

@Suite struct SessionLearnerTests {
    private let keys = StoreKeyDeriver(prefix: "t:", secret: nil)
    private let now: Int64 = 1_700_000_000
    private let defaultTTL = Duration.seconds(1800)

    private var learner: SessionLearner {
        SessionLearner(cookieNames: ["connect.sid", "PHPSESSID"], defaultTTL: defaultTTL, keys: keys)
    }

    private func writes(
        _ setCookies: [String],
        request: SessionCookie? = nil,
        routed: String? = nil,
        backend: String = "web1"
    ) -> [StoreWrite] {
        learner.writes(
            setCookieHeaders: setCookies,
            requestSession: request,
            routedBackend: routed,
            backend: backend,
            now: now
        )
    }

    private func key(_ name: String, _ id: String) -> StoreKey {
        keys.key(cookieName: name, sessionID: id)
    }

    private func record(
        _ name: String,
        _ id: String,
        backend: String = "web1",
        slides: Bool,
        ttl: Duration,
        holds: Bool
    ) -> StoreWrite {
        StoreWrite(
            key: key(name, id),
            operation: .record(StoredMapping(backend: backend, slides: slides), ttl: ttl),
            holdsResponse: holds
        )
    }

    private func delete(_ name: String, _ id: String) -> StoreWrite {
        StoreWrite(key: key(name, id), operation: .delete, holdsResponse: false)
    }

    @Test func noSetCookieNoWrites() {
        #expect(writes([]).isEmpty)
        #expect(writes([], request: SessionCookie(name: "connect.sid", id: "s1"), routed: "web1").isEmpty)
    }

    @Test func newBrowserSessionSlidesWithTheDefaultTTLAndHolds() {
        let result = writes(["connect.sid=s%3Anew.sig; Path=/; HttpOnly"])
        #expect(result == [record("connect.sid", "s%3Anew.sig", slides: true, ttl: defaultTTL, holds: true)])
    }

    @Test func maxAgeGivesAFixedTTLThatDoesNotSlide() {
        let result = writes(["PHPSESSID=abc; Max-Age=3600; Path=/"])
        #expect(result == [record("PHPSESSID", "abc", slides: false, ttl: .seconds(3600), holds: true)])
    }

    @Test func expiresGivesTheRemainingTime() {
        let result = writes(["PHPSESSID=abc; Expires=\(HTTPDate.format(now + 600))"])
        #expect(result == [record("PHPSESSID", "abc", slides: false, ttl: .seconds(600), holds: true)])
        // Max-Age wins over Expires.
        let both = writes(["PHPSESSID=abc; Expires=\(HTTPDate.format(now + 600)); Max-Age=60"])
        #expect(both == [record("PHPSESSID", "abc", slides: false, ttl: .seconds(60), holds: true)])
    }

    @Test func refreshingAnUnchangedMappingDoesNotHold() {
        let request = SessionCookie(name: "connect.sid", id: "s1")
        let refreshed = writes(["connect.sid=s1; Max-Age=86400"], request: request, routed: "web1")
        #expect(refreshed == [record("connect.sid", "s1", slides: false, ttl: .seconds(86400), holds: false)])
        let browser = writes(["connect.sid=\"s1\""], request: request, routed: "web1")
        #expect(browser == [record("connect.sid", "s1", slides: true, ttl: defaultTTL, holds: false)])
    }

    @Test func aMovedOrUnknownMappingHolds() {
        let request = SessionCookie(name: "connect.sid", id: "s1")
        // Routed to web2 (say it was down and the balancer picked web1).
        let moved = writes(["connect.sid=s1"], request: request, routed: "web2", backend: "web1")
        #expect(moved == [record("connect.sid", "s1", slides: true, ttl: defaultTTL, holds: true)])
        // The mapping was unknown when routed (no mapping, or a store miss).
        let unknown = writes(["connect.sid=s1"], request: request, routed: nil, backend: "web1")
        #expect(unknown == [record("connect.sid", "s1", slides: true, ttl: defaultTTL, holds: true)])
    }

    @Test func aNewIDOrAnotherNameHolds() {
        // The app regenerated the session (e.g. at login).
        let request = SessionCookie(name: "connect.sid", id: "s1")
        let regenerated = writes(["connect.sid=s2"], request: request, routed: "web1")
        #expect(regenerated == [record("connect.sid", "s2", slides: true, ttl: defaultTTL, holds: true)])
        // The same value under another configured name is another session.
        let otherName = writes(["PHPSESSID=s1"], request: request, routed: "web1")
        #expect(otherName == [record("PHPSESSID", "s1", slides: true, ttl: defaultTTL, holds: true)])
    }

    @Test func logoutDeletesTheRequestSession() {
        let request = SessionCookie(name: "connect.sid", id: "s1")
        for header in [
            "connect.sid=; Max-Age=0; Path=/",
            "connect.sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "connect.sid=\"\"; max-age=-1",
            "connect.sid=s1; Max-Age=0",
            "connect.sid=s1; Expires=\(HTTPDate.format(now))",
        ] {
            #expect(writes([header], request: request, routed: "web1") == [delete("connect.sid", "s1")], "\(header)")
        }
    }

    @Test func phpDeletionCookieDeletesTheRequestSessionAndItsOwnValue() {
        let request = SessionCookie(name: "PHPSESSID", id: "abc")
        let header = "PHPSESSID=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0; path=/"
        let result = writes([header], request: request, routed: "web1")
        #expect(result == [delete("PHPSESSID", "abc"), delete("PHPSESSID", "deleted")])
        #expect(result.allSatisfy { !$0.holdsResponse })
    }

    @Test func deletionWithoutARequestSessionDeletesOnlyAValidOwnValue() {
        #expect(writes(["PHPSESSID=gone; Max-Age=0"]) == [delete("PHPSESSID", "gone")])
        #expect(writes(["PHPSESSID=; Max-Age=0"]).isEmpty)
        // A request session under another name is left alone.
        let other = SessionCookie(name: "connect.sid", id: "s1")
        #expect(writes(["PHPSESSID=; Max-Age=0"], request: other, routed: "web1").isEmpty)
    }

    @Test func aDeletionCookieValueNeedNotBeValid() {
        let request = SessionCookie(name: "PHPSESSID", id: "abc")
        let control = writes(["PHPSESSID=bad\u{1}value; Max-Age=0"], request: request)
        #expect(control == [delete("PHPSESSID", "abc")])
        let huge = writes(["PHPSESSID=\(String(repeating: "x", count: 5000)); Max-Age=0"], request: request)
        #expect(huge == [delete("PHPSESSID", "abc")])
    }

    @Test func invalidValuesAreNotRecorded() {
        #expect(writes(["connect.sid="]).isEmpty)
        #expect(writes(["connect.sid=\"\"; Max-Age=60"]).isEmpty)
        #expect(writes(["connect.sid=a\u{1}b"]).isEmpty)
        #expect(writes(["connect.sid=a\u{7F}b"]).isEmpty)
        #expect(writes(["connect.sid=" + String(repeating: "x", count: 4097)]).isEmpty)
        let exact = String(repeating: "x", count: 4096)
        let recorded = writes(["connect.sid=" + exact])
        #expect(recorded == [record("connect.sid", exact, slides: true, ttl: defaultTTL, holds: true)])
    }

    @Test func unconfiguredOrMalformedSetCookiesAreIgnored() {
        let result = writes([
            "theme=dark; Max-Age=60",
            "CONNECT.SID=x",
            "phpsessid=x",
            "connect.sid",
            "connect.sid; Max-Age=60",
            "=connect.sid",
            "",
            "garbage;;;",
        ])
        #expect(result.isEmpty)
    }

    @Test func duplicateSetCookiesLastOneWins() {
        let ttl = writes(["connect.sid=s1; Max-Age=60", "connect.sid=s1; Max-Age=120"])
        #expect(ttl == [record("connect.sid", "s1", slides: false, ttl: .seconds(120), holds: true)])
        let deletedAfter = writes(["connect.sid=s1", "connect.sid=s1; Max-Age=0"])
        #expect(deletedAfter == [delete("connect.sid", "s1")])
        let recordedAfter = writes(["connect.sid=s1; Max-Age=0", "connect.sid=s1"])
        #expect(recordedAfter == [record("connect.sid", "s1", slides: true, ttl: defaultTTL, holds: true)])
    }

    @Test func oneWritePerKeyInOrderOfFirstAppearance() {
        let result = writes([
            "PHPSESSID=p1",
            "connect.sid=c1; Max-Age=10",
            "theme=dark",
            "PHPSESSID=p1; Max-Age=5",
            "PHPSESSID=p2",
        ])
        #expect(
            result == [
                record("PHPSESSID", "p1", slides: false, ttl: .seconds(5), holds: true),
                record("connect.sid", "c1", slides: false, ttl: .seconds(10), holds: true),
                record("PHPSESSID", "p2", slides: true, ttl: defaultTTL, holds: true),
            ]
        )
    }

    @Test func logoutAndNewSessionInOneResponse() {
        // Logout of s1 then a fresh anonymous session s2, as session regeneration often does.
        let request = SessionCookie(name: "connect.sid", id: "s1")
        let result = writes(["connect.sid=; Max-Age=0", "connect.sid=s2; Path=/"], request: request, routed: "web1")
        #expect(
            result == [
                delete("connect.sid", "s1"),
                record("connect.sid", "s2", slides: true, ttl: defaultTTL, holds: true),
            ]
        )
    }

    @Test func recordsTheAnsweringBackendByName() {
        let result = writes(["connect.sid=s1"], backend: "app-3")
        #expect(result.first?.operation == .record(StoredMapping(backend: "app-3", slides: true), ttl: defaultTTL))
    }

    @Test func keysAreDerivedWithTheConfiguredDeriver() {
        let keyed = StoreKeyDeriver(prefix: "x/", secret: Array("secret".utf8))
        let learner = SessionLearner(cookieNames: ["connect.sid"], defaultTTL: defaultTTL, keys: keyed)
        let result = learner.writes(
            setCookieHeaders: ["connect.sid=s%3Aabc.def"],
            requestSession: nil,
            routedBackend: nil,
            backend: "web1",
            now: now
        )
        #expect(result.map(\.key.rawValue) == ["x/connect.sid:ysRDOtZJV2OBueMruuJiYFyLFGG538dkyO_SUSty_n4"])
        #expect(!result[0].key.rawValue.contains("abc.def"))
    }
}
