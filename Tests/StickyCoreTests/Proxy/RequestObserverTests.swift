import Logging
import MetricsTestKit
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import StickyCore

@Suite struct RequestObserverTests {
    private let factory = TestMetrics()
    private let lines = LineCollector()

    private func makeChannel(accessLog: Bool = true) throws -> (EmbeddedChannel, ProxyMetrics) {
        let metrics = ProxyMetrics(backendNames: ["web1"], factory: self.factory)
        let sink = self.lines.sink
        let logger = Logger(label: "access") { LineLogHandler(label: $0, format: .text, sink: sink) }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            RequestObserver(metrics: metrics, accessLogger: accessLog ? logger : nil)
        )
        return (channel, metrics)
    }

    private func requests(_ backend: String, _ statusClass: String) throws -> Int64 {
        try self.factory.expectCounter("sticky_requests_total", [("backend", backend), ("status_class", statusClass)])
            .totalValue
    }

    private func respond(_ channel: EmbeddedChannel, status: HTTPResponseStatus, body: String?) throws {
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status)))
        if let body {
            try channel.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body))))
        }
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    @Test func countsTheResponseAndTheDecisionAndLogsOneSafeLine() throws {
        let (channel, _) = try self.makeChannel()
        let head = HTTPRequestHead(
            version: .http1_1,
            method: .GET,
            uri: "/cart;jsessionid=SECRET1?token=SECRET2",
            headers: ["Cookie": "connect.sid=SECRET3"]
        )
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.pipeline.triggerUserOutboundEvent(RequestObserver.Routed(backend: "web1", decision: .sticky),
            promise: nil)
        try channel.writeOutbound(
            HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .continue))
        )
        try self.respond(channel, status: .ok, body: "hello")

        #expect(try self.requests("web1", "2xx") == 1)
        #expect(try self.requests("web1", "1xx") == 0)
        #expect(try self.factory.expectCounter("sticky_affinity_decisions_total", [("decision", "sticky")]).totalValue
            == 1)
        #expect(self.lines.lines.count == 1)
        let line = try #require(self.lines.lines.first)
        for expected in ["request", "affinity.decision=sticky", "http.bytes_sent=5", "http.method=GET",
            "http.path=/cart", "http.status=200", "upstream.name=web1", "http.duration_ms="]
        {
            #expect(line.contains(expected), "\(expected) in \(line)")
        }
        for secret in ["SECRET1", "SECRET2", "SECRET3", "jsessionid", "token", "Cookie"] {
            #expect(!line.contains(secret), "\(secret) in \(line)")
        }
        // Everything passed through untouched.
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) != nil)
        _ = try channel.finish()
    }

    @Test func aProxyAnswerWithoutBackendIsCountedUnderNone() throws {
        let (channel, _) = try self.makeChannel(accessLog: false)
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .CONNECT,
            uri: "example.com:443")))
        try self.respond(channel, status: .methodNotAllowed, body: nil)
        #expect(try self.requests("(none)", "4xx") == 1)
        #expect(self.lines.lines.isEmpty)
        _ = try channel.finish()
    }

    @Test func aSwitchingProtocolsResponseEndsTheRecordAtItsHead() throws {
        let (channel, _) = try self.makeChannel()
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET,
            uri: "/ws")))
        channel.pipeline.triggerUserOutboundEvent(RequestObserver.Routed(backend: "web1", decision: .new),
            promise: nil)
        try channel.writeOutbound(
            HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols))
        )
        #expect(try self.requests("web1", "1xx") == 1)
        #expect(self.lines.lines.count == 1)
        _ = try channel.finish()
        #expect(self.lines.lines.count == 1)
    }

    @Test func aConnectionClosedMidRequestIsLoggedAsAborted() throws {
        let (channel, _) = try self.makeChannel()
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET,
            uri: "/download")))
        channel.pipeline.triggerUserOutboundEvent(RequestObserver.Routed(backend: "web1", decision: .new),
            promise: nil)
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "part"))))
        _ = try channel.finish()
        let line = try #require(self.lines.lines.first)
        #expect(line.contains("http.aborted=true"), "\(line)")
        #expect(line.contains("http.bytes_sent=4"), "\(line)")
        #expect(try self.requests("web1", "2xx") == 1)
    }

    @Test func millisecondsHaveThreeDecimals() {
        #expect(RequestObserver.milliseconds(.microseconds(12_345)) == "12.345")
        #expect(RequestObserver.milliseconds(.microseconds(7)) == "0.007")
        #expect(RequestObserver.milliseconds(.seconds(2)) == "2000.000")
    }
}
