extension FailOpenStore {
    /// At most one warning per interval, each carrying the number of failures since the one before.
    struct WarningLimiter: Sendable {
        /// The least time between two warnings.
        let interval: Duration
        private var lastWarning: Instant?
        /// Failures not reported in a warning yet.
        private var unreported = 0

        init(interval: Duration) {
            self.interval = interval
        }

        /// Counts a failure at `now`. Returns the number of failures a warning due now reports (this one and
        /// those since the last warning), or `nil` when the last warning is less than ``interval`` old.
        mutating func failed(at now: Instant) -> Int? {
            self.unreported += 1
            if let lastWarning = self.lastWarning, now < lastWarning.advanced(by: self.interval) { return nil }
            self.lastWarning = now
            defer { self.unreported = 0 }
            return self.unreported
        }
    }
}
