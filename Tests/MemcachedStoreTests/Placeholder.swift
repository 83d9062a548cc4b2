import Testing
@Suite struct MemcachedPlaceholder { @Test func builds() {} }
