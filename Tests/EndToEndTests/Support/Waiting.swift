import Foundation

/// Waits for a condition in a loop with a generous bound, only so that nothing hangs: the tests assert that things
/// happen, not how fast, and print how long they took.
enum Waiting {
    /// Polls `condition` every `interval` until it is true; returns the time it took, or `nil` after `timeout`.
    static func until(
        timeout: Duration = .seconds(15),
        interval: Duration = .milliseconds(50),
        _ condition: () throws -> Bool
    ) rethrows -> Duration? {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            if try condition() { return clock.now - start }
            if clock.now - start >= timeout { return nil }
            POSIX.sleep(milliseconds: Int(interval.wholeMilliseconds))
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var wholeMilliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }

    /// Seconds with two decimals, for printed timings.
    var secondsText: String {
        String(format: "%.2f s", Double(self.wholeMilliseconds) / 1000)
    }
}
