import StickyCore

/// A libmemcached call that did not give a usable answer: the ``StoreError`` callers see, and the
/// library's own short reason for the log.
struct MemcachedOperationError: Error, Sendable {
    /// What the store reports.
    var storeError: StoreError
    /// libmemcached's `memcached_strerror` text, or a fixed phrase: bounded, never holds a key.
    var reason: String

    init(_ storeError: StoreError, reason: String) {
        self.storeError = storeError
        self.reason = reason
    }

    /// Whether the handle's connections may hold a half-read response and must be dropped before the
    /// handle is used again: after a timeout or a garbled answer.
    ///
    /// Not after a connection failure: libmemcached has closed that socket itself, and dropping the
    /// handle's connections would also reset its servers from "failed, retry later" to "new", so the
    /// next call would try a dead server again at once instead of after the retry timeout.
    var dropsConnections: Bool {
        storeError == .timeout || storeError == .protocolError
    }
}
