import NIOCore
import Testing

@testable import StickyCore

@Suite("the head a backend gets for a client's request")
struct UpstreamRequestHeadTests {
    /// The backend's head for the request `raw`.
    private func rewritten(_ raw: String, clientAddress: String? = "10.1.2.3") throws -> String {
        var parser = ClientRequestParser(maxTargetBytes: 1000, maxFieldBytes: 4000, maxFieldCount: 50)
        parser.append(ByteBuffer(string: raw))
        guard case .head(let head) = try parser.next() else {
            Issue.record("no head in \(raw.debugDescription)")
            return ""
        }
        var buffer = ByteBuffer()
        UpstreamRequestHead.write(head, clientAddress: clientAddress, upgrade: head.isUpgrade, into: &buffer)
        return String(buffer: buffer)
    }

    @Test func anOrdinaryHeadIsCopiedAndForwardingHeadersAppended() throws {
        let out = try self.rewritten("GET /cart?x=1 HTTP/1.0\r\nHost: app.example\r\nAccept:  */* \r\n\r\n")
        #expect(
            out == "GET /cart?x=1 HTTP/1.1\r\nHost: app.example\r\nAccept:  */* \r\nx-forwarded-for: 10.1.2.3\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: app.example\r\n\r\n"
        )
    }

    @Test func dropsHopByHopHeadersAndTheOnesConnectionNames() throws {
        let out = try self.rewritten(
            "GET /x HTTP/1.1\r\nHost: app.example\r\nConnection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n"
                + "Proxy-Authorization: Basic x\r\nUpgrade: h2c\r\nAccept: */*\r\nExpect: 100-continue\r\n\r\n"
        )
        #expect(
            out == "GET /x HTTP/1.1\r\nHost: app.example\r\nAccept: */*\r\nx-forwarded-for: 10.1.2.3\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: app.example\r\n\r\n"
        )
    }

    @Test func appendsToTheClientsOwnForwardingLists() throws {
        let out = try self.rewritten(
            "GET / HTTP/1.1\r\nHost: app.example\r\nX-Forwarded-For: 1.1.1.1\r\nx-forwarded-for: 2.2.2.2\r\n"
                + "X-Forwarded-Proto: https\r\n\r\n",
            clientAddress: nil
        )
        #expect(
            out == "GET / HTTP/1.1\r\nHost: app.example\r\nX-Forwarded-For: 1.1.1.1\r\n"
                + "x-forwarded-for: 2.2.2.2, unknown\r\nX-Forwarded-Proto: https, http\r\n"
                + "x-forwarded-host: app.example\r\n\r\n"
        )
    }

    @Test func keepsChunkedFramingAndUpgradeTokens() throws {
        let out = try self.rewritten(
            "POST /ws HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\n\r\n"
        )
        #expect(
            out == "POST /ws HTTP/1.1\r\nHost: a\r\nconnection: upgrade\r\nupgrade: websocket\r\n"
                + "transfer-encoding: chunked\r\nx-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\n"
                + "x-forwarded-host: a\r\n\r\n"
        )
    }

    @Test func aBrowsersKeepAliveLinesAreLeftOutOfTheCopyWhereverTheyAre() throws {
        let out = try self.rewritten(
            "GET / HTTP/1.1\r\nConnection: keep-alive\r\nHost: a\r\nKeep-Alive: 300\r\nAccept:  */* \r\n"
                + "Cookie: s=1\r\nProxy-Connection: keep-alive\r\n\r\n"
        )
        #expect(
            out == "GET / HTTP/1.1\r\nHost: a\r\nAccept:  */* \r\nCookie: s=1\r\nx-forwarded-for: 10.1.2.3\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n"
        )
    }

    @Test func aChunkedBodyIsSaidOnceWhateverTheClientWrote() throws {
        let out = try self.rewritten(
            "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        )
        #expect(
            out == "POST /up HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n"
                + "x-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n"
        )
    }

    @Test func aHopByHopFieldPastTheSixtyFourthIsLeftOutToo() throws {
        let many = (0..<70).map { "X-\($0): v\r\n" }.joined()
        var parser = ClientRequestParser(maxTargetBytes: 1000, maxFieldBytes: 8000, maxFieldCount: 100)
        parser.append(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n" + many + "Keep-Alive: 3\r\nX-Last: 1\r\n\r\n"))
        guard case .head(let head) = try parser.next() else {
            Issue.record("no head")
            return
        }
        var buffer = ByteBuffer()
        UpstreamRequestHead.write(head, clientAddress: "10.1.2.3", upgrade: false, into: &buffer)
        #expect(
            String(buffer: buffer) == "GET / HTTP/1.1\r\nHost: a\r\n" + many
                + "X-Last: 1\r\nx-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n"
        )
    }
}
