import Testing

/// Every test that talks to a real memcached, one at a time: they share servers, count items and
/// time calls, so they must not overlap.
@Suite(.serialized) struct MemcachedIntegrationTests {}
