import Logging
import NIOCore
import NIOPosix
import StickyCore
import Synchronization

/// Session → backend mappings in one or more memcached servers, shared by every replica that lists
/// the same servers.
///
/// Keys are spread over the servers by consistent hashing (ketama, MD5, libketama-compatible), so
/// losing a server loses only its share of the mappings. A server that fails is skipped for
/// ``Configuration/retryTimeout``; after a second failure its keys move to the next server on the
/// continuum until it answers again.
///
/// libmemcached blocks, so each call runs on a thread pool with a libmemcached handle of its own and
/// completes its future on the caller's event loop. A call whose deadline passes fails with
/// ``StoreError/timeout`` at the deadline; its work still finishes on the thread pool and the result
/// is dropped.
///
/// Memory, measured on memcached 1.6: about 160 bytes per mapping (a 152-byte slab chunk for a
/// `sticky:connect.sid:` + 43-character key and a short backend name, plus 5-10 bytes of hash
/// table), so about 6.7 million sessions per GiB given to memcached with `-m`.
///
/// Call ``shutdown()`` before the last reference goes away.
public final class MemcachedStore: StoreBackend {
    private let handles: MemcachedHandlePool
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let isShutDown = Atomic<Bool>(false)

    /// Checks `configuration`, builds the libmemcached handle pool and starts its threads.
    ///
    /// Connects to nothing: a server that is down shows up as failing calls, not as an error here.
    public init(configuration: Configuration, logger: Logger) throws(MemcachedConfigurationError) {
        let settings = try MemcachedSettings(configuration)
        self.handles = try MemcachedHandlePool(settings: settings)
        self.threadPool = NIOThreadPool(numberOfThreads: settings.poolSize)
        self.logger = logger
        self.threadPool.start()
        logger.info(
            "memcached store ready",
            metadata: [
                "memcached.servers": "\(settings.serverList)",
                "memcached.pool_size": "\(settings.poolSize)",
                "memcached.timeout_ms": "\(settings.timeoutMilliseconds)",
                "memcached.retry_timeout_s": "\(settings.retryTimeoutSeconds)",
            ]
        )
    }

    /// Stops taking calls, lets the calls already queued finish, and stops the threads.
    /// Later calls fail with ``StoreError/shutdown``.
    public func shutdown() async {
        guard !self.isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            try await self.threadPool.shutdownGracefully()
        } catch {
            self.logger.warning("memcached thread pool did not shut down cleanly", metadata: ["error": "\(error)"])
        }
    }

    /// The libmemcached behaviours in effect, by libmemcached's name.
    var behaviours: [String: UInt64] { self.handles.behaviours }

    /// Runs `body` on the thread pool with a handle of its own, and completes on `eventLoop` with its
    /// result, or with `.timeout` at `deadline` if that comes first.
    private func run<Value: Sendable>(
        _ operation: String,
        key: StoreKey,
        deadline: NIODeadline,
        on eventLoop: any EventLoop,
        _ body: @escaping @Sendable (MemcachedHandle, String) throws(MemcachedOperationError) -> Value
    ) -> EventLoopFuture<Value> {
        guard !self.isShutDown.load(ordering: .acquiring) else {
            return eventLoop.makeFailedFuture(StoreError.shutdown)
        }
        guard let memcachedKey = MemcachedKeyRules.validated(key) else {
            self.logger.debug(
                "memcached call refused",
                metadata: ["memcached.operation": "\(operation)", "memcached.error": "invalid key"]
            )
            return eventLoop.makeFailedFuture(StoreError.protocolError)
        }
        guard deadline > .now() else {
            return eventLoop.makeFailedFuture(StoreError.timeout)
        }

        // Whichever of the deadline task and the work completes the promise first wins; NIO ignores
        // a second completion, and both run on `eventLoop`.
        let promise = eventLoop.makePromise(of: Value.self)
        let deadlineTask = eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(StoreError.timeout)
        }
        let handles = self.handles
        let logger = self.logger
        self.threadPool.submit { state in
            let result: Result<Value, StoreError>
            switch state {
            case .cancelled:
                result = .failure(.shutdown)
            case .active:
                // Queued past its deadline: the caller has its answer, so do not touch the servers.
                guard NIODeadline.now() < deadline else { return }
                do throws(MemcachedOperationError) {
                    result = .success(
                        try handles.withHandle { handle throws(MemcachedOperationError) in
                            try body(handle, memcachedKey)
                        }
                    )
                } catch {
                    logger.debug(
                        "memcached call failed",
                        metadata: [
                            "memcached.operation": "\(operation)",
                            "memcached.error": "\(error.reason)",
                            "store.error": "\(error.storeError)",
                        ]
                    )
                    result = .failure(error.storeError)
                }
            }
            eventLoop.execute {
                deadlineTask.cancel()
                promise.completeWith(result.mapError { $0 })
            }
        }
        return promise.futureResult
    }
}

extension MemcachedStore {
    public func get(
        _ key: StoreKey,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    )
        -> EventLoopFuture<StoredMapping?>
    {
        self.run("get", key: key, deadline: deadline, on: eventLoop) { handle, key throws(MemcachedOperationError) in
            // An empty or malformed value is no mapping.
            try handle.get(key).flatMap { StoredMapping(storeValue: String(decoding: $0, as: UTF8.self)) }
        }
    }

    public func set(
        _ key: StoreKey,
        to mapping: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void> {
        let value = mapping.storeValue
        let expiry = MemcachedKeyRules.expiry(for: ttl)
        return self.run("set", key: key, deadline: deadline, on: eventLoop) {
            handle,
            key throws(MemcachedOperationError) in
            try handle.set(key, value: value, expiry: expiry)
        }
    }

    public func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        self.run("delete", key: key, deadline: deadline, on: eventLoop) { handle, key throws(MemcachedOperationError) in
            try handle.delete(key)
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
        let expiry = MemcachedKeyRules.expiry(for: ttl)
        return self.run("refresh", key: key, deadline: deadline, on: eventLoop) {
            handle,
            key throws(MemcachedOperationError) in
            // An absent key stays absent.
            _ = try handle.touch(key, expiry: expiry)
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
        let expiry = MemcachedKeyRules.expiry(for: ttl)
        return self.run("reassign", key: key, deadline: deadline, on: eventLoop) {
            handle,
            key throws(MemcachedOperationError) in
            try MemcachedReassignment(
                key: key,
                stale: stale,
                replacement: replacement,
                expiry: expiry,
                deadline: deadline
            ).run(on: handle)
        }
    }
}
