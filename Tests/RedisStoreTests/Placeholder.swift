import Testing
@Suite struct RedisPlaceholder { @Test func builds() {} }
