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
/// is dropped. The `get`s asked on a loop of the `eventLoopGroup` given to `init` go in batches, one
/// `memcached_mget` for all that arrive while the loop's previous batch is out (``MemcachedLoopGets``).
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
    /// The batched gets of each loop of the group given to `init`, by the loop's identity. Never mutated after
    /// `init`, so reading it takes no lock.
    private let loopGets: [ObjectIdentifier: MemcachedLoopGets]

    /// Checks `configuration`, builds the libmemcached handle pool and starts its threads.
    ///
    /// Connects to nothing: a server that is down shows up as failing calls, not as an error here.
    ///
    /// - Parameter eventLoopGroup: the loops whose gets go in batches; a get on another loop goes alone.
    public init(
        configuration: Configuration,
        eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger
    ) throws(MemcachedConfigurationError) {
        let settings = try MemcachedSettings(configuration)
        let handles = try MemcachedHandlePool(settings: settings)
        let threadPool = NIOThreadPool(numberOfThreads: settings.poolSize)
        self.handles = handles
        self.threadPool = threadPool
        self.logger = logger
        var loopGets: [ObjectIdentifier: MemcachedLoopGets] = [:]
        for eventLoop in eventLoopGroup?.makeIterator() ?? EventLoopIterator([]) {
            loopGets[ObjectIdentifier(eventLoop)] = MemcachedLoopGets(
                eventLoop: eventLoop,
                send: Self.batchSender(handles: handles, threadPool: threadPool, logger: logger)
            )
        }
        self.loopGets = loopGets
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

    /// `key` as memcached takes it, or why the call fails at once: the store is shut down, memcached cannot take
    /// the key (logged), or `deadline` has passed.
    private func admitted(_ key: StoreKey, for operation: String, deadline: NIODeadline) -> Result<String, StoreError> {
        guard !self.isShutDown.load(ordering: .acquiring) else { return .failure(.shutdown) }
        guard let memcachedKey = MemcachedKeyRules.validated(key) else {
            self.logger.debug(
                "memcached call refused",
                metadata: ["memcached.operation": "\(operation)", "memcached.error": "invalid key"]
            )
            return .failure(.protocolError)
        }
        guard deadline > .now() else { return .failure(.timeout) }
        return .success(memcachedKey)
    }

    /// Runs `body` on the thread pool with a handle of its own, and completes on `eventLoop` with its
    /// result, or with `.timeout` at `deadline` if that comes first.
    private func run<Value: Sendable>(
        _ operation: String,
        key: StoreKey,
        deadline: NIODeadline,
        on eventLoop: any EventLoop,
        _ body: @escaping @Sendable (MemcachedHandle, String) throws(MemcachedOperationError) -> Value
    ) -> EventLoopFuture<Value> {
        let memcachedKey: String
        switch self.admitted(key, for: operation, deadline: deadline) {
        case .success(let admitted): memcachedKey = admitted
        case .failure(let error): return eventLoop.makeFailedFuture(error)
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
                    Self.logFailure(error, of: operation, logger: logger)
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
        if eventLoop.inEventLoop, let gets = self.loopGets[ObjectIdentifier(eventLoop)] {
            switch self.admitted(key, for: "get", deadline: deadline) {
            case .success(let memcachedKey): return gets.get(memcachedKey, deadline: deadline)
            case .failure(let error): return eventLoop.makeFailedFuture(error)
            }
        }
        return self.run("get", key: key, deadline: deadline, on: eventLoop) {
            handle,
            key throws(MemcachedOperationError) in
            try handle.get(key).flatMap(Self.mapping(from:))
        }
    }

    /// An empty or malformed value is no mapping.
    private static func mapping(from value: [UInt8]) -> StoredMapping? {
        value.withUnsafeBytes { StoredMapping(storeValue: $0) }
    }

    /// Runs a loop's batch of gets on `threadPool`, each key's failure logged as a single call's would be.
    private static func batchSender(
        handles: MemcachedHandlePool,
        threadPool: NIOThreadPool,
        logger: Logger
    ) -> MemcachedLoopGets.Send {
        { keys, deadline, done in
            threadPool.submit { state in
                guard case .active = state else {
                    done(keys.map { _ in .failure(.shutdown) })
                    return
                }
                // Queued past every deadline: the callers have their answers, so do not touch the servers.
                guard NIODeadline.now() < deadline else {
                    done(keys.map { _ in .failure(.timeout) })
                    return
                }
                let values: [Result<[UInt8]?, MemcachedOperationError>]
                do throws(MemcachedOperationError) {
                    values = try handles.withHandle { handle in handle.getMany(keys, deadline: deadline) }
                } catch {
                    values = keys.map { _ in .failure(error) }
                }
                done(
                    values.map { value in
                        value.map { $0.flatMap(Self.mapping(from:)) }.mapError { error in
                            Self.logFailure(error, of: "get", logger: logger)
                            return error.storeError
                        }
                    }
                )
            }
        }
    }

    private static func logFailure(_ error: MemcachedOperationError, of operation: String, logger: Logger) {
        logger.debug(
            "memcached call failed",
            metadata: [
                "memcached.operation": "\(operation)",
                "memcached.error": "\(error.reason)",
                "store.error": "\(error.storeError)",
            ]
        )
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
