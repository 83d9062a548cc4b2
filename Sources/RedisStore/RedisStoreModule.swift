/// Session → backend mappings in Redis, over hiredis for encoding and parsing; NIO owns the socket.
enum RedisStoreModule {}
