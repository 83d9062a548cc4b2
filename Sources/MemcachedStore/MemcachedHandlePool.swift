import CLibMemcached
import StickyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The only door to libmemcached: a `memcached_pool_st` of identically configured handles.
///
/// Every call blocks, so it belongs on a thread pool, never on an event loop. ``withHandle(_:)``
/// lends one handle to one thread at a time; a handle whose call timed out or got a garbled answer
/// drops its connections before it goes back, so that no half-read response can be taken for the
/// answer to a later request.
final class MemcachedHandlePool {
    /// The handle the pool clones. Configured in `init`, then only read by the pool (under its lock).
    private let master: UnsafeMutablePointer<memcached_st>
    private let pool: OpaquePointer

    /// Builds the master handle from `settings`, sets the behaviours 1.1.4 cannot parse, checks that
    /// every behaviour took, and creates a pool of `settings.poolSize` handles. Connects to nothing.
    init(settings: MemcachedSettings) throws(MemcachedConfigurationError) {
        let configuration = settings.configurationString
        if let problem = Self.configurationProblem(configuration) {
            throw .rejectedByLibrary(problem)
        }
        guard let master = configuration.withCString({ memcached($0, configuration.utf8.count) }) else {
            throw .libraryFailure("memcached() returned no handle")
        }
        do {
            try Self.configure(master, settings: settings)
        } catch {
            memcached_free(master)
            throw error
        }
        let size = UInt32(settings.poolSize)
        guard let pool = memcached_pool_create(master, size, size) else {
            memcached_free(master)
            throw .libraryFailure("memcached_pool_create failed")
        }
        self.master = master
        self.pool = pool
    }

    deinit {
        // The pool frees its clones and hands back the master, which it does not own.
        _ = memcached_pool_destroy(self.pool)
        memcached_free(self.master)
    }

    /// Runs `body` with a handle of its own, or fails with `.unavailable` at once when none is free.
    ///
    /// The fetch never waits: `memcached_pool_fetch` builds its absolute wait deadline from
    /// `time(NULL)` (whole seconds) plus the relative time, so a wait under a second ends anywhere from
    /// at once to a second later, and a longer one would outlast every store deadline. The store runs at most `poolSize` calls at a time, so a handle is
    /// free whenever its thread asks.
    func withHandle<Value>(
        _ body: (MemcachedHandle) throws(MemcachedOperationError) -> Value
    ) throws(MemcachedOperationError) -> Value {
        var noWait = timespec(tv_sec: 0, tv_nsec: 0)
        var rc = MEMCACHED_SUCCESS
        guard let raw = memcached_pool_fetch(self.pool, &noWait, &rc) else {
            throw MemcachedOperationError(.unavailable, reason: "no free libmemcached handle")
        }
        defer { _ = memcached_pool_release(self.pool, raw) }
        let handle = MemcachedHandle(raw: raw)
        do {
            return try body(handle)
        } catch {
            if error.dropsConnections {
                handle.dropConnections()
            }
            throw error
        }
    }

    /// The behaviours in effect on the master handle, by libmemcached's name, for tests and logs.
    var behaviours: [String: UInt64] {
        var values: [String: UInt64] = [:]
        for behaviour in Self.reportedBehaviours {
            values[String(cString: libmemcached_string_behavior(behaviour))] = memcached_behavior_get(
                self.master,
                behaviour
            )
        }
        return values
    }

    /// `nil` if libmemcached parses `configuration`, else its complaint on one line, without the
    /// pointer and source location it adds.
    static func configurationProblem(_ configuration: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        let rc = configuration.withCString { string in
            libmemcached_check_configuration(string, configuration.utf8.count, &buffer, buffer.count)
        }
        guard rc != MEMCACHED_SUCCESS else { return nil }
        let raw = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var message = Substring(raw.isEmpty ? String(cString: memcached_strerror(nil, rc)) : raw)
        if message.hasPrefix("("), let close = message.firstIndex(of: ")") {
            message = message[message.index(after: close)...]
        }
        if let location = message.range(of: " -> ") {
            message = message[..<location.lowerBound]
        }
        return message.split(whereSeparator: { $0.isNewline || $0 == " " }).joined(separator: " ")
    }

    private static let reportedBehaviours: [memcached_behavior_t] = [
        MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, MEMCACHED_BEHAVIOR_TCP_NODELAY, MEMCACHED_BEHAVIOR_SUPPORT_CAS,
        MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, MEMCACHED_BEHAVIOR_SND_TIMEOUT,
        MEMCACHED_BEHAVIOR_RCV_TIMEOUT, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, MEMCACHED_BEHAVIOR_DEAD_TIMEOUT,
        MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, MEMCACHED_BEHAVIOR_HASH,
        MEMCACHED_BEHAVIOR_KETAMA_HASH, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS,
        MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT,
    ]

    /// Sets what the configuration string cannot say in 1.1.4 (`--KETAMA-WEIGHTED`,
    /// `--REMOVE-FAILED-SERVERS`, `--SERVER-FAILURE-LIMIT`, `--DEAD-TIMEOUT` all fail to parse), then
    /// checks every behaviour, including the parsed ones, against what was asked.
    private static func configure(
        _ handle: UnsafeMutablePointer<memcached_st>,
        settings: MemcachedSettings
    ) throws(MemcachedConfigurationError) {
        let timeout = UInt64(settings.timeoutMilliseconds)
        let retry = UInt64(settings.retryTimeoutSeconds)
        // KETAMA_WEIGHTED: consistent distribution with MD5 for both the key and the continuum points,
        // as libketama does. REMOVE_FAILED_SERVERS: a server that failed SERVER_FAILURE_LIMIT times
        // leaves the continuum; DEAD_TIMEOUT brings it back for one try after that many seconds
        // (without it an ejected server would never be tried again).
        let toSet: [(memcached_behavior_t, UInt64)] = [
            (MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
            (MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1),
            (MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, UInt64(settings.serverFailureLimit)),
            (MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, retry),
        ]
        for (behaviour, value) in toSet {
            let rc = memcached_behavior_set(handle, behaviour, value)
            guard rc == MEMCACHED_SUCCESS else {
                throw .libraryFailure(
                    "setting \(String(cString: libmemcached_string_behavior(behaviour))) failed: "
                        + String(cString: memcached_strerror(handle, rc))
                )
            }
        }
        let expected: [(memcached_behavior_t, UInt64)] =
            toSet + [
                (MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1),
                (MEMCACHED_BEHAVIOR_TCP_NODELAY, 1),
                (MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1),
                (MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, timeout),
                (MEMCACHED_BEHAVIOR_POLL_TIMEOUT, timeout),
                (MEMCACHED_BEHAVIOR_SND_TIMEOUT, timeout * 1_000),
                (MEMCACHED_BEHAVIOR_RCV_TIMEOUT, timeout * 1_000),
                (MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, retry),
                (MEMCACHED_BEHAVIOR_DISTRIBUTION, UInt64(MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED.rawValue)),
                (MEMCACHED_BEHAVIOR_HASH, UInt64(MEMCACHED_HASH_MD5.rawValue)),
                (MEMCACHED_BEHAVIOR_KETAMA_HASH, UInt64(MEMCACHED_HASH_MD5.rawValue)),
            ]
        for (behaviour, value) in expected where memcached_behavior_get(handle, behaviour) != value {
            throw .libraryFailure(
                "\(String(cString: libmemcached_string_behavior(behaviour))) is "
                    + "\(memcached_behavior_get(handle, behaviour)), expected \(value)"
            )
        }
    }
}

// The pool is shared by every thread of the store's thread pool. This is safe because:
// - `master` and `pool` are `let`s set once in `init`, before the object is shared.
// - `master` is configured in `init` and never used for a request; afterwards only
//   `memcached_pool_fetch`/`memcached_pool_release` read it, to clone handles, under the pool's
//   pthread mutex. `behaviours` reads plain fields of it with `memcached_behavior_get` (no I/O for
//   the behaviours it lists), and nothing ever writes them again.
// - `memcached_pool_fetch` hands each handle to one caller until `memcached_pool_release`; the handle
//   is wrapped in a non-Sendable `MemcachedHandle` that cannot leave `withHandle`'s closure.
// - `deinit` frees the pool and master only when no reference is left, so no call is running.
extension MemcachedHandlePool: @unchecked Sendable {}
