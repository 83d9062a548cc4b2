import StickyCore

/// What memcached accepts as a key and as an expiry, checked before libmemcached is called.
enum MemcachedKeyRules {
    /// memcached's key length limit, in bytes.
    static let maximumKeyLength = 250

    /// The longest expiry memcached reads as relative. A larger one is read as an absolute Unix time:
    /// 40 days would mean a moment in February 1970, and the item would be expired at once.
    static let maximumRelativeExpiry = 2_592_000

    /// `key` if memcached can take it on any protocol: 1 to 250 bytes of printable ASCII, no space.
    ///
    /// Store keys are `prefix + cookie name + ":" + base64url digest`, so a real key always passes;
    /// this guards the library anyway (on the text protocol a CR or LF in a key is fatal to the process).
    static func validated(_ key: StoreKey) -> String? {
        var text = key.rawValue
        // On the contiguous bytes: stepping a `String.UTF8View` costs tens of instructions a byte.
        let valid = text.withUTF8 { bytes in
            (1...maximumKeyLength).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
        }
        return valid ? key.rawValue : nil
    }

    /// The expiry to send for `ttl`: whole seconds rounded up, at least 1, at most 30 days.
    static func expiry(for ttl: Duration) -> Int {
        let (seconds, attoseconds) = ttl.components
        guard seconds < Int64(maximumRelativeExpiry) else { return maximumRelativeExpiry }
        let roundedUp = seconds + (attoseconds > 0 ? 1 : 0)
        return Int(min(max(roundedUp, 1), Int64(maximumRelativeExpiry)))
    }
}
