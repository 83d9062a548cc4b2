import NIOHTTP1
import Testing

@testable import StickyCore

@Suite struct HeaderRewriterTests {
    @Test func dropsHopByHopHeadersAndTheOnesConnectionNames() {
        let head = HTTPRequestHead(
            version: .http1_1,
            method: .GET,
            uri: "/x",
            headers: HTTPHeaders([
                ("Host", "app.example"), ("Connection", "keep-alive, X-Secret-Hop"), ("X-Secret-Hop", "1"),
                ("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Proxy-Connection", "keep-alive"),
                ("Proxy-Authorization", "Basic x"), ("Upgrade", "h2c"), ("Accept", "*/*"), ("Expect", "100-continue"),
            ])
        )
        let out = HeaderRewriter.upstreamRequest(head, clientAddress: "10.1.2.3", upgrade: nil)
        for name in ["connection", "x-secret-hop", "keep-alive", "te", "proxy-connection", "proxy-authorization",
            "upgrade", "expect"]
        {
            let present = out.headers.contains(name: name)
            #expect(!present, "\(name) must not be forwarded")
        }
        #expect(out.headers["accept"] == ["*/*"])
        #expect(out.headers["host"] == ["app.example"])
    }

    @Test func appendsForwardingHeaders() {
        let head = HTTPRequestHead(
            version: .http1_1,
            method: .GET,
            uri: "/",
            headers: HTTPHeaders([("Host", "app.example"), ("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "2.2.2.2")])
        )
        let out = HeaderRewriter.upstreamRequest(head, clientAddress: "10.1.2.3", upgrade: nil)
        #expect(out.headers["x-forwarded-for"] == ["1.1.1.1, 2.2.2.2, 10.1.2.3"])
        #expect(out.headers["x-forwarded-proto"] == ["http"])
        #expect(out.headers["x-forwarded-host"] == ["app.example"])
    }

    @Test func keepsChunkedFramingAndUpgradeTokens() {
        let head = HTTPRequestHead(
            version: .http1_1,
            method: .POST,
            uri: "/",
            headers: HTTPHeaders([("Transfer-Encoding", "chunked"), ("Connection", "Upgrade"), ("Upgrade", "websocket")])
        )
        let out = HeaderRewriter.upstreamRequest(head, clientAddress: nil, upgrade: "websocket")
        #expect(out.headers["transfer-encoding"] == ["chunked"])
        #expect(out.headers["upgrade"] == ["websocket"])
        #expect(out.headers["connection"] == ["upgrade"])
    }
}
