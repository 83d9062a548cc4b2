import NIOCore
import StickyCore

extension RedisStore: StoreBackend {
    public func get(
        _ key: StoreKey,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<StoredMapping?>
    {
        self.send(.get(key), deadline: deadline, on: eventLoop).flatMapThrowing { reply -> StoredMapping? in
            switch reply {
            case .null:
                return nil
            case .bulkString(let value):
                return self.mapping(from: value)
            default:
                throw self.failure(of: "GET", reply)
            }
        }
    }

    public func set(
        _ key: StoreKey,
        to mapping: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void> {
        self.send(.set(key, to: mapping, ttl: ttl), writing: key, deadline: deadline, on: eventLoop)
            .flatMapThrowing { reply in
                guard case .simpleString("OK") = reply else { throw self.failure(of: "SET", reply) }
            }
    }

    public func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        self.send(.delete(key), writing: key, deadline: deadline, on: eventLoop).flatMapThrowing { reply in
            guard case .integer = reply else { throw self.failure(of: "DEL", reply) }
        }
    }

    public func refresh(
        _ key: StoreKey,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<Void>
    {
        // EXPIRE answers 0 for an absent key and leaves it absent, as the protocol asks.
        self.send(.expire(key, ttl: ttl), writing: key, deadline: deadline, on: eventLoop)
            .flatMapThrowing { reply in
                guard case .integer = reply else { throw self.failure(of: "EXPIRE", reply) }
            }
    }

    public func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping> {
        // Writes, as far as tracking goes: the script's SET, if it runs, ends the tracking of the key here.
        let reassign = RedisCommand.reassign(key, from: stale, to: replacement, ttl: ttl)
        return self.send(reassign, writing: key, deadline: deadline, on: eventLoop)
            .flatMap { reply in
                // A server that has not cached the script yet (a restart, a failover, SCRIPT FLUSH) gets it in
                // full once; EVAL caches it for the EVALSHAs after.
                guard case .error(let message) = reply, message.hasPrefix("NOSCRIPT") else {
                    return eventLoop.makeSucceededFuture(reply)
                }
                return self.send(
                    .reassignWithScript(key, from: stale, to: replacement, ttl: ttl),
                    writing: key,
                    deadline: deadline,
                    on: eventLoop
                )
            }
            .flatMapThrowing { reply in
                // The script only ever returns a value that parses: the replacement, or a current mapping.
                guard case .bulkString(let value) = reply,
                    let winner = value.withUnsafeReadableBytes({ StoredMapping(storeValue: $0) })
                else { throw self.failure(of: "EVALSHA", reply) }
                return winner
            }
    }

    /// A stored value that does not parse is treated as absent: the next write replaces it.
    private func mapping(from value: ByteBuffer) -> StoredMapping? {
        if let mapping = value.withUnsafeReadableBytes({ StoredMapping(storeValue: $0) }) { return mapping }
        self.logger.warning(
            "redis: unparsable stored mapping treated as absent",
            metadata: ["redis.value": "\(String(buffer: value).prefix(64).debugDescription)"]
        )
        return nil
    }

    /// The error for a reply the command did not expect. Logged at debug only: failures are counted and logged,
    /// rate-limited, by the fail-open decorator in front of the store.
    private func failure(of command: StaticString, _ reply: RedisValue) -> StoreError {
        switch reply {
        case .error(let message):
            // The error code only (`READONLY`, `OOM`, `WRONGTYPE`): short, and never a key or a value.
            self.logger.debug(
                "redis error reply",
                metadata: ["redis.command": "\(command)", "redis.error": "\(message.prefix { $0 != " " }.prefix(32))"]
            )
            return .unavailable
        default:
            self.logger.debug("redis unexpected reply", metadata: ["redis.command": "\(command)"])
            return .protocolError
        }
    }
}
