import Testing

@testable import StickyCore

@Suite struct SessionLifetimeTests {
    private let now: Int64 = 1_700_000_000

    private func lifetime(_ header: String) -> SessionLifetime? {
        SetCookie(headerValue: header)?.lifetime(now: now)
    }

    @Test func neitherAttributeIsABrowserSession() {
        #expect(lifetime("sid=v") == .browserSession)
        #expect(lifetime("sid=v; Path=/; Max-Age=soon; Expires=never") == .browserSession)
    }

    @Test func positiveMaxAgeIsFixed() {
        #expect(lifetime("sid=v; Max-Age=3600") == .fixed(.seconds(3600)))
        #expect(lifetime("sid=v; Max-Age=1") == .fixed(.seconds(1)))
        #expect(lifetime("sid=v; Max-Age=99999999999999999999") == .fixed(SessionLifetime.maximum))
    }

    @Test func zeroOrNegativeMaxAgeIsExpired() {
        #expect(lifetime("sid=v; Max-Age=0") == .expired)
        #expect(lifetime("sid=v; Max-Age=-1") == .expired)
        #expect(lifetime("sid=v; Max-Age=-99999999999999999999") == .expired)
    }

    @Test func maxAgeWinsOverExpires() {
        // Expires in the past, Max-Age positive: alive.
        #expect(lifetime("sid=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60") == .fixed(.seconds(60)))
        #expect(lifetime("sid=v; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT") == .fixed(.seconds(60)))
        // Expires in the future, Max-Age zero: expired.
        #expect(lifetime("sid=v; Max-Age=0; Expires=Fri, 31 Dec 9999 23:59:59 GMT") == .expired)
        // An ignored Max-Age leaves Expires in charge.
        #expect(lifetime("sid=v; Max-Age=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT") == .expired)
    }

    @Test func expiresIsRelativeToNow() {
        let inOneHour = HTTPDate.format(now + 3600)
        #expect(lifetime("sid=v; Expires=\(inOneHour)") == .fixed(.seconds(3600)))
        #expect(lifetime("sid=v; Expires=\(HTTPDate.format(now + 1))") == .fixed(.seconds(1)))
        #expect(lifetime("sid=v; Expires=\(HTTPDate.format(now))") == .expired)
        #expect(lifetime("sid=v; Expires=\(HTTPDate.format(now - 1))") == .expired)
        #expect(lifetime("sid=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT") == .expired)
    }

    /// Browsers cap a cookie's life at 400 days (RFC 6265bis §5.5); so does the store TTL, which keeps clock
    /// arithmetic on it far from overflow.
    @Test func lifetimesAreCappedAt400Days() {
        #expect(SessionLifetime.maximum == .seconds(400 * 86_400))
        #expect(lifetime("sid=v; Max-Age=34560000") == .fixed(.seconds(34_560_000)))
        #expect(lifetime("sid=v; Max-Age=34560001") == .fixed(.seconds(34_560_000)))
        #expect(lifetime("sid=v; Expires=Fri, 31 Dec 9999 23:59:59 GMT") == .fixed(.seconds(34_560_000)))
    }

    @Test func extremeValuesDoNotOverflow() {
        #expect(SessionLifetime(maxAge: nil, expires: 253_402_300_799, now: .min) == .fixed(SessionLifetime.maximum))
        #expect(SessionLifetime(maxAge: nil, expires: -11_644_473_600, now: .max) == .expired)
        #expect(SessionLifetime(maxAge: .max, expires: nil, now: .max) == .fixed(SessionLifetime.maximum))
        #expect(SessionLifetime(maxAge: .min, expires: nil, now: 0) == .expired)
    }
}
