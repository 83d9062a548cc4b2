/// Session → backend mappings in memcached servers, over libmemcached on a thread pool.
enum MemcachedStoreModule {}
