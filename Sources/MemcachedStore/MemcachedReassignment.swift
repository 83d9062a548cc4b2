import NIOCore
import StickyCore

/// One `reassign`: first writer wins, on one handle.
///
/// - No stale mapping: `add`. If something is already there, that is the winner and is returned.
/// - A stale mapping: `gets`; if the value is still the stale wire form, `cas` it to the replacement;
///   if the key is absent, `add`; if it holds another valid mapping, that is the winner.
/// - An empty or malformed value counts as no mapping and is replaced with `cas`.
///
/// A lost `add` or `cas` race reads again; the loop is bounded by attempts and by the deadline.
struct MemcachedReassignment {
    var key: String
    var stale: StoredMapping?
    var replacement: StoredMapping
    var expiry: Int
    var deadline: NIODeadline

    static let maximumAttempts = 4

    func run(on handle: MemcachedHandle) throws(MemcachedOperationError) -> StoredMapping {
        let value = self.replacement.storeValue
        if self.stale == nil, try handle.add(self.key, value: value, expiry: self.expiry) {
            return self.replacement
        }
        for _ in 0..<Self.maximumAttempts {
            guard NIODeadline.now() < self.deadline else {
                throw MemcachedOperationError(.timeout, reason: "deadline passed during reassign")
            }
            guard let current = try handle.gets(self.key) else {
                if try handle.add(self.key, value: value, expiry: self.expiry) { return self.replacement }
                continue
            }
            let currentValue = String(decoding: current.value, as: UTF8.self)
            if let winner = StoredMapping(storeValue: currentValue), currentValue != self.stale?.storeValue {
                return winner
            }
            if try handle.compareAndSwap(self.key, value: value, expiry: self.expiry, cas: current.cas) {
                return self.replacement
            }
        }
        throw MemcachedOperationError(.timeout, reason: "reassign lost \(Self.maximumAttempts) races in a row")
    }
}
