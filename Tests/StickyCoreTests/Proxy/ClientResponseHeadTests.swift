import NIOCore
import NIOHTTP1
import Testing

@testable import StickyCore

@Suite("the head a client gets for a backend's response")
struct ClientResponseHeadTests {
    /// `response` parsed as the answer to a GET.
    private func parsed(_ response: String) throws -> UpstreamResponseHead {
        var parser = UpstreamResponseParser(maxHeadBytes: 4096, maxFieldCount: 50)
        parser.expectResponse(isHEAD: false)
        parser.append(ByteBuffer(string: response))
        guard case .head(let head) = try parser.next() else {
            Issue.record("no head in \(response.debugDescription)")
            throw CancellationError()
        }
        return head
    }

    private func written(
        _ head: UpstreamResponseHead,
        version: HTTPVersion = .http1_1,
        keepAlive: Bool = true,
        chunked: Bool = false
    ) -> String {
        var buffer = ByteBuffer()
        ClientResponseHead.write(head, requestVersion: version, keepAlive: keepAlive, chunked: chunked, into: &buffer)
        return String(buffer: buffer)
    }

    @Test func aHeadWithoutHopByHopHeadersIsCopiedAsItCame() throws {
        let head = try self.parsed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Odd:  spaced value \r\n\r\nx")
        #expect(self.written(head) == "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Odd:  spaced value \r\n\r\n")
    }

    @Test func namesCompareIgnoringCaseAndListsAreTrimmed() throws {
        let head = try self.parsed(
            "HTTP/1.1 200 Fine\r\nServer: x\r\nCONNECTION:  Keep-Alive ,\tX-Hop ,, \r\nx-HOP: 1\r\nX-Hoppy: 2\r\n"
                + "Transfer-Encoding: gzip\r\ntransfer-encoding:   Chunked \r\nKEEP-ALIVE: timeout=5\r\n\r\n"
        )
        #expect(
            self.written(head, chunked: true)
                == "HTTP/1.1 200 Fine\r\nServer: x\r\nX-Hoppy: 2\r\ntransfer-encoding: chunked\r\n\r\n"
        )
    }

    @Test func hopByHopLinesAreLeftOutOfTheCopyWhereverTheyAre() throws {
        let head = try self.parsed(
            "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nX-A:  a \r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n"
                + "X-B: b\r\nProxy-Connection: x\r\n\r\n"
        )
        #expect(self.written(head) == "HTTP/1.1 200 OK\r\nX-A:  a \r\nContent-Length: 0\r\nX-B: b\r\n\r\n")
        let onlyHop = try self.parsed("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n")
        #expect(self.written(onlyHop) == "HTTP/1.1 204 No Content\r\n\r\n")
    }

    @Test func aHopByHopFieldPastTheSixtyFourthIsLeftOutToo() throws {
        let many = (0..<70).map { "X-\($0): v\r\n" }.joined()
        var parser = UpstreamResponseParser(maxHeadBytes: 8192, maxFieldCount: 100)
        parser.expectResponse(isHEAD: false)
        parser.append(
            ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + many + "Keep-Alive: 1\r\nX-Last: 1\r\n\r\n")
        )
        guard case .head(let head) = try parser.next() else {
            Issue.record("no head")
            return
        }
        #expect(self.written(head) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + many + "X-Last: 1\r\n\r\n")
    }

    @Test func theHeadSaysWhetherTheClientConnectionStays() throws {
        let head = try self.parsed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\nKeep-Alive: x\r\n\r\n")
        #expect(
            self.written(head, keepAlive: false) == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nconnection: close\r\n\r\n"
        )
        #expect(self.written(head) == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        #expect(
            self.written(head, version: .http1_0)
                == "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nconnection: keep-alive\r\n\r\n"
        )
    }

    @Test func aSwitchKeepsItsUpgradeToken() throws {
        let head = try self.parsed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: abc\r\n\r\n")
        #expect(
            self.written(head)
                == "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: abc\r\nconnection: upgrade\r\n"
                + "upgrade: websocket\r\n\r\n"
        )
    }

    @Test func aStatusLineWithoutReasonKeepsItsSpace() throws {
        let head = try self.parsed("HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n")
        #expect(
            self.written(head, keepAlive: false) == "HTTP/1.1 404 \r\nContent-Length: 0\r\nconnection: close\r\n\r\n"
        )
    }

    @Test func howTheBodyReachesTheClient() throws {
        let sized = try self.parsed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        let chunked = try self.parsed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        let unsized = try self.parsed("HTTP/1.1 200 OK\r\n\r\n")
        let noContent = try self.parsed("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(ClientResponseHead.bodyFraming(of: sized, requestVersion: .http1_1, isHEAD: false) == .asIs)
        #expect(ClientResponseHead.bodyFraming(of: chunked, requestVersion: .http1_1, isHEAD: false) == .chunked)
        #expect(ClientResponseHead.bodyFraming(of: unsized, requestVersion: .http1_1, isHEAD: false) == .chunked)
        #expect(ClientResponseHead.bodyFraming(of: chunked, requestVersion: .http1_0, isHEAD: false) == .asIs)
        #expect(ClientResponseHead.bodyFraming(of: sized, requestVersion: .http1_1, isHEAD: true) == .none)
        #expect(ClientResponseHead.bodyFraming(of: noContent, requestVersion: .http1_1, isHEAD: false) == .none)
    }
}
