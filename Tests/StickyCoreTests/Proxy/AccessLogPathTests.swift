import Testing

@testable import StickyCore

@Suite struct AccessLogPathTests {
    @Test(arguments: [
        ("/", "/"),
        ("/cart", "/cart"),
        ("/search?q=secret&token=abc", "/search"),
        ("/page#frag", "/page"),
        ("/cart;jsessionid=SECRET", "/cart"),
        ("/a;jsessionid=SECRET/b;v=1?x=y", "/a/b"),
        ("/shop;JSESSIONID=S3CR3T;other=1/item", "/shop/item"),
        ("/x%3Bjsessionid=SECRET/y", "/x/y"),
        ("/x%3bjsessionid=SECRET", "/x"),
        ("http://app.example/a;jsessionid=S?t=1", "/a"),
        ("http://app.example", "/"),
        ("*", "*"),
        ("", "/"),
    ])
    func queryFragmentAndPathParametersNeverShow(target: String, expected: String) {
        #expect(AccessLogPath.sanitized(target) == expected)
    }

    @Test func aLongPathIsCut() {
        let path = "/" + String(repeating: "a", count: 2_000)
        let shown = AccessLogPath.sanitized(path)
        #expect(shown.utf8.count == AccessLogPath.maximumBytes + "…".utf8.count)
        #expect(shown.hasSuffix("…"))
    }
}
