import Synchronization

@testable import StickyCore

/// A ``LogSink`` that keeps every line, for tests to read back.
final class LineCollector: Sendable {
    private let collected = Mutex<[String]>([])

    var sink: LogSink {
        LogSink { line in self.collected.withLock { $0.append(line) } }
    }

    var lines: [String] { self.collected.withLock { $0 } }
}
