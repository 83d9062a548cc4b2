import Logging
import MetricsTestKit
import NIOCore
import NIOHTTP1
import Testing

@testable import StickyCore

@Suite struct RequestObserverTests {
    private let factory = TestMetrics()
    private let lines = LineCollector()

    private func makeObserver(accessLog: Bool = true) -> RequestObserver {
        let metrics = ProxyMetrics(backendNames: ["web1"], factory: self.factory)
        let sink = self.lines.sink
        let logger = Logger(label: "access") { LineLogHandler(label: $0, format: .text, sink: sink) }
        return RequestObserver(metrics: metrics, accessLogger: accessLog ? logger : nil)
    }

    private func requests(_ backend: String, _ statusClass: String) throws -> Int64 {
        try self.factory.expectCounter("sticky_requests_total", [("backend", backend), ("status_class", statusClass)])
            .totalValue
    }

    private func respond(_ observer: inout RequestObserver, status: HTTPResponseStatus, body: String?) {
        observer.responseHead(status: Int(status.code))
        if let body {
            observer.responseBody(count: body.utf8.count)
        }
        observer.responseEnded()
    }

    @Test func countsTheResponseAndTheDecisionAndLogsOneSafeLine() throws {
        var observer = self.makeObserver()
        observer.requestStarted(method: .GET, target: "/cart;jsessionid=SECRET1?token=SECRET2")
        observer.routed(RequestObserver.Routed(backend: "web1", decision: .sticky))
        observer.responseHead(status: 100)
        self.respond(&observer, status: .ok, body: "hello")

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
    }

    @Test func aProxyAnswerWithoutBackendIsCountedUnderNone() throws {
        var observer = self.makeObserver(accessLog: false)
        observer.requestStarted(method: .CONNECT, target: "example.com:443")
        self.respond(&observer, status: .methodNotAllowed, body: nil)
        #expect(try self.requests("(none)", "4xx") == 1)
        #expect(self.lines.lines.isEmpty)
    }

    @Test func aSwitchingProtocolsResponseEndsTheRecordAtItsHead() throws {
        var observer = self.makeObserver()
        observer.requestStarted(method: .GET, target: "/ws")
        observer.routed(RequestObserver.Routed(backend: "web1", decision: .new))
        observer.responseHead(status: 101)
        #expect(try self.requests("web1", "1xx") == 1)
        #expect(self.lines.lines.count == 1)
        observer.connectionClosed()
        #expect(self.lines.lines.count == 1)
    }

    @Test func aConnectionClosedMidRequestIsLoggedAsAborted() throws {
        var observer = self.makeObserver()
        observer.requestStarted(method: .GET, target: "/download")
        observer.routed(RequestObserver.Routed(backend: "web1", decision: .new))
        observer.responseHead(status: 200)
        observer.responseBody(count: "part".utf8.count)
        observer.connectionClosed()
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
