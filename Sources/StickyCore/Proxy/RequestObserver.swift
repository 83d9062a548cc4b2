import Logging
import NIOCore
import NIOHTTP1

/// Watches each request and its response on a client connection, to count it (`sticky_requests_total`,
/// `sticky_affinity_decisions_total`) and, when the access log is on, to write its one line.
///
/// The ``ClientConnectionHandler`` owns one and tells it what goes by: each request head, how the request was
/// routed, each response part it writes, and the connection closing. (It was a handler of its own; each handler a
/// request passes costs every part a dynamic cast.) The head of a request starts a record; the response's status
/// and body bytes are added as they are written; the response's end (or a `101`, after which the connection is
/// a tunnel, or the connection closing) finishes it.
///
/// What it logs is chosen to keep secrets out: the method, the path without query or `;` parameters, the status,
/// the backend, the decision, the duration and the body bytes. Never a header, a cookie or a query.
struct RequestObserver {
    /// How the current request was routed; sent by the ``ClientConnectionHandler`` before the response head.
    struct Routed {
        var backend: String?
        var decision: AffinityDecision?
    }

    private struct Record {
        let method: HTTPMethod
        let target: String
        let start: NIODeadline
        var status: Int?
        var bodyBytes = 0
        var routed = Routed()
    }

    private let metrics: ProxyMetrics
    private let accessLogger: Logger?
    private var record: Record?

    /// - Parameter accessLogger: where access lines go, or `nil` when the access log is off.
    init(metrics: ProxyMetrics, accessLogger: Logger?) {
        self.metrics = metrics
        self.accessLogger = accessLogger
    }

    private mutating func finish(complete: Bool) {
        guard let record = self.record else { return }
        self.record = nil
        if let decision = record.routed.decision {
            self.metrics.countDecision(decision)
        }
        if let status = record.status {
            self.metrics.countResponse(backend: record.routed.backend, code: status)
        }
        guard let accessLogger else { return }
        let elapsed = NIODeadline.now() - record.start
        var metadata: Logger.Metadata = [
            "http.method": .string(record.method.rawValue),
            "http.path": .string(AccessLogPath.sanitized(record.target)),
            "http.status": .string(record.status.map(String.init) ?? "-"),
            "http.bytes_sent": .stringConvertible(record.bodyBytes),
            "http.duration_ms": .string(Self.milliseconds(elapsed)),
            "upstream.name": .string(record.routed.backend ?? "-"),
            "affinity.decision": .string(record.routed.decision?.rawValue ?? "-"),
        ]
        if !complete {
            metadata["http.aborted"] = "true"
        }
        accessLogger.info("request", metadata: metadata)
    }

    /// Milliseconds with three decimals: `12.345`.
    static func milliseconds(_ amount: TimeAmount) -> String {
        let micros = max(0, amount.nanoseconds / 1_000)
        let fraction = String(micros % 1_000)
        return "\(micros / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension RequestObserver {
    /// A request's head arrived (`target` is read only when the access log is on).
    mutating func requestStarted(method: HTTPMethod, target: @autoclosure () -> String) {
        // One request at a time: the ``ClientRequestSequencer`` holds the next head back until this response ended.
        self.finish(complete: false)
        self.record = Record(method: method, target: self.accessLogger == nil ? "" : target(), start: .now())
    }

    /// The backend and decision of the response about to be written.
    mutating func routed(_ routed: Routed) {
        self.record?.routed = routed
    }

    /// A response head is being written (`status`: final, or an interim 1xx).
    mutating func responseHead(status code: Int) {
        if code >= 200 || code == 101 {
            self.record?.status = code
        }
        if code == 101 {
            // The connection becomes a tunnel; no end follows.
            self.finish(complete: true)
        }
    }

    /// `count` bytes of a response's body are being written.
    mutating func responseBody(count: Int) {
        self.record?.bodyBytes += count
    }

    /// The response's end is being written.
    mutating func responseEnded() {
        self.finish(complete: true)
    }

    /// The connection closed: a request still open is logged as aborted.
    mutating func connectionClosed() {
        self.finish(complete: false)
    }
}
