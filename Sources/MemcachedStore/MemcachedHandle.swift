import CLibMemcached
import NIOCore
import StickyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One libmemcached handle, lent by ``MemcachedHandlePool/withHandle(_:)`` to one thread for one
/// store call. Keys must already have passed ``MemcachedKeyRules/validated(_:)``.
struct MemcachedHandle {
    private let raw: UnsafeMutablePointer<memcached_st>

    init(raw: UnsafeMutablePointer<memcached_st>) {
        self.raw = raw
    }

    /// The value under `key`: `nil` if there is none, empty bytes for an empty value.
    ///
    /// An empty value comes back as a NULL pointer with `MEMCACHED_SUCCESS`, so the return code, not
    /// the pointer, says whether the key exists.
    func get(_ key: String) throws(MemcachedOperationError) -> [UInt8]? {
        let (rc, value): (memcached_return_t, [UInt8]) = self.valueRetryingOnEjection {
            key.withCString { keyPointer in
                var length = 0
                var flags: UInt32 = 0
                var rc = MEMCACHED_SUCCESS
                let pointer = memcached_get(self.raw, keyPointer, key.utf8.count, &length, &flags, &rc)
                defer { free(pointer) }
                guard rc == MEMCACHED_SUCCESS, let pointer, length > 0 else { return (rc, []) }
                return (rc, Array(UnsafeRawBufferPointer(start: pointer, count: length)))
            }
        }
        switch rc {
        case MEMCACHED_SUCCESS: return value
        case MEMCACHED_NOTFOUND:
            try self.checkMissIsReal()
            return nil
        default: throw self.failure(rc)
        }
    }

    /// The values under `keys`, in their order, each as ``get(_:)`` would give it, from one `memcached_mget`
    /// (libmemcached sends each server its keys at once and reads the answers as they come).
    ///
    /// When the batch did not end cleanly (a server failed or timed out), a key with no answer may be a miss
    /// or may be on the server that failed: after a timeout it fails with the batch's error; after any other
    /// failure it is asked again on its own, while `deadline` allows, so that a server that is out costs only
    /// its own keys. A batch that timed out or read garbage drops the handle's connections (as
    /// ``MemcachedHandlePool/withHandle(_:)`` does after a single call).
    func getMany(_ keys: [String], deadline: NIODeadline) -> [Result<[UInt8]?, MemcachedOperationError>] {
        guard keys.count > 1 else {
            return keys.map { key in self.result { () throws(MemcachedOperationError) in try self.get(key) } }
        }
        var slots: [String: Int] = [:]
        slots.reserveCapacity(keys.count)
        var uniqueKeys: [String] = []
        for key in keys where slots[key] == nil {
            slots[key] = uniqueKeys.count
            uniqueKeys.append(key)
        }
        var values = [[UInt8]?](repeating: nil, count: uniqueKeys.count)
        var batchFailure: MemcachedOperationError?
        do throws(MemcachedOperationError) {
            let rc = try self.fetch(uniqueKeys) { key, value, _ in
                if let slot = slots[String(decoding: key, as: UTF8.self)] {
                    values[slot] = Array(value)
                }
            }
            try self.checkFetchEnded(rc)
            try self.checkMissIsReal()
        } catch {
            batchFailure = error
            if error.dropsConnections { self.dropConnections() }
        }
        let answers: [Result<[UInt8]?, MemcachedOperationError>] = uniqueKeys.indices.map { slot in
            if let value = values[slot] { return .success(value) }
            guard let batchFailure else { return .success(nil) }
            guard batchFailure.storeError != .timeout, NIODeadline.now() < deadline else {
                return .failure(batchFailure)
            }
            return self.result { () throws(MemcachedOperationError) in try self.get(uniqueKeys[slot]) }
        }
        return keys.map { answers[slots[$0]!] }
    }

    /// `call`'s value or error; connections dropped after an error that may have left half an answer behind.
    private func result<Value>(
        _ call: () throws(MemcachedOperationError) -> Value
    ) -> Result<Value, MemcachedOperationError> {
        do throws(MemcachedOperationError) {
            return .success(try call())
        } catch {
            if error.dropsConnections { self.dropConnections() }
            return .failure(error)
        }
    }

    /// Closes the handle's connections, so that no half-read answer can be taken for a later one.
    func dropConnections() {
        memcached_quit(self.raw)
    }

    /// The value under `key` and its CAS token, or `nil` if there is none.
    func gets(_ key: String) throws(MemcachedOperationError) -> (value: [UInt8], cas: UInt64)? {
        var found: (value: [UInt8], cas: UInt64)?
        var foreign = false
        let rc = try self.fetch([key]) { itemKey, value, cas in
            guard itemKey.elementsEqual(key.utf8) else {
                foreign = true
                return
            }
            found = (Array(value), cas)
        }
        guard !foreign else { throw MemcachedOperationError(.protocolError, reason: "response for another key") }
        try self.checkFetchEnded(rc)
        if found == nil { try self.checkMissIsReal() }
        return found
    }

    /// Throws unless ``fetch(_:_:)`` ended with every server's answer read.
    private func checkFetchEnded(_ rc: memcached_return_t) throws(MemcachedOperationError) {
        switch rc {
        case MEMCACHED_END, MEMCACHED_NOTFOUND, MEMCACHED_SUCCESS: return
        default: throw self.failure(rc)
        }
    }

    /// Sends one `memcached_mget` for `keys` (again, once, if it took a server out of the continuum), and hands
    /// `found` each item a server has: its key, its value and its CAS token, valid only during the call.
    ///
    /// Returns the code the fetch ended with: `MEMCACHED_END` when every server answered for all its keys.
    /// Throws when the mget itself failed and fetched nothing.
    private func fetch(
        _ keys: [String],
        _ found: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ cas: UInt64) -> Void
    ) throws(MemcachedOperationError) -> memcached_return_t {
        let result = UnsafeMutablePointer<memcached_result_st>.allocate(capacity: 1)
        result.initialize(to: memcached_result_st())
        defer { result.deallocate() }
        // Not allocated by the library, so memcached_fetch_result resets it instead of freeing it.
        guard memcached_result_create(self.raw, result) != nil else {
            throw MemcachedOperationError(.unavailable, reason: "memcached_result_create failed")
        }
        defer { memcached_result_free(result) }

        let sent = self.retryingOnEjection {
            Self.withKeyPointers(keys) { pointers, lengths in memcached_mget(self.raw, pointers, lengths, keys.count) }
        }
        // SOME_ERRORS: a server could not be sent its keys; the others' answers are still fetched.
        guard sent == MEMCACHED_SUCCESS || sent == MEMCACHED_SOME_ERRORS else { throw self.failure(sent) }

        var rc = MEMCACHED_SUCCESS
        while let item = memcached_fetch_result(self.raw, result, &rc) {
            let length = memcached_result_length(item)
            let keyLength = memcached_result_key_length(item)
            found(
                UnsafeRawBufferPointer(start: memcached_result_key_value(item), count: keyLength),
                UnsafeRawBufferPointer(start: length == 0 ? nil : memcached_result_value(item), count: length),
                memcached_result_cas(item)
            )
        }
        return sent == MEMCACHED_SUCCESS ? rc : sent
    }

    /// Calls `body` with C pointers to `keys` and their lengths, all in one buffer.
    private static func withKeyPointers<Result>(
        _ keys: [String],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var bytes: [UInt8] = []
        var lengths: [Int] = []
        lengths.reserveCapacity(keys.count)
        for key in keys {
            bytes.append(contentsOf: key.utf8)
            lengths.append(key.utf8.count)
        }
        return bytes.withUnsafeBytes { buffer in
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(keys.count)
            for length in lengths {
                pointers.append((buffer.baseAddress! + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return body(pointers, lengths)
        }
    }

    /// Stores `value` under `key`, replacing what was there.
    func set(_ key: String, value: String, expiry: Int) throws(MemcachedOperationError) {
        let rc = self.store(key, value: value) { memcached_set(self.raw, $0, $1, $2, $3, expiry, 0) }
        guard rc == MEMCACHED_SUCCESS else { throw self.failure(rc) }
    }

    /// Stores `value` under `key` if there is nothing there; `false` if something is.
    func add(_ key: String, value: String, expiry: Int) throws(MemcachedOperationError) -> Bool {
        let rc = self.store(key, value: value) { memcached_add(self.raw, $0, $1, $2, $3, expiry, 0) }
        switch rc {
        case MEMCACHED_SUCCESS: return true
        case MEMCACHED_NOTSTORED, MEMCACHED_DATA_EXISTS: return false
        default: throw self.failure(rc)
        }
    }

    /// Replaces the value under `key` if it is unchanged since `gets` returned `cas`; `false` if it
    /// changed or went away.
    func compareAndSwap(
        _ key: String,
        value: String,
        expiry: Int,
        cas: UInt64
    ) throws(MemcachedOperationError)
        -> Bool
    {
        let rc = self.store(key, value: value) { memcached_cas(self.raw, $0, $1, $2, $3, expiry, 0, cas) }
        switch rc {
        case MEMCACHED_SUCCESS: return true
        case MEMCACHED_DATA_EXISTS, MEMCACHED_NOTFOUND, MEMCACHED_NOTSTORED: return false
        default: throw self.failure(rc)
        }
    }

    /// Sets the expiry of `key`; `false` if there is no such key.
    func touch(_ key: String, expiry: Int) throws(MemcachedOperationError) -> Bool {
        let rc = self.retryingOnEjection {
            key.withCString { memcached_touch(self.raw, $0, key.utf8.count, expiry) }
        }
        switch rc {
        case MEMCACHED_SUCCESS: return true
        case MEMCACHED_NOTFOUND:
            try self.checkMissIsReal()
            return false
        default: throw self.failure(rc)
        }
    }

    /// Removes `key`; removing an absent key succeeds.
    func delete(_ key: String) throws(MemcachedOperationError) {
        let rc = self.retryingOnEjection {
            key.withCString { memcached_delete(self.raw, $0, key.utf8.count, 0) }
        }
        switch rc {
        case MEMCACHED_SUCCESS, MEMCACHED_DELETED: return
        case MEMCACHED_NOTFOUND: try self.checkMissIsReal()
        default: throw self.failure(rc)
        }
    }

    private func store(
        _ key: String,
        value: String,
        _ call: (UnsafePointer<CChar>, Int, UnsafePointer<CChar>, Int) -> memcached_return_t
    ) -> memcached_return_t {
        self.retryingOnEjection {
            key.withCString { keyPointer in
                value.withCString { valuePointer in
                    call(keyPointer, key.utf8.count, valuePointer, value.utf8.count)
                }
            }
        }
    }

    /// Runs `call` again, once, if it failed with `MEMCACHED_SERVER_MARKED_DEAD`: libmemcached then
    /// has just taken the server out of the continuum without sending anything, and the retry goes to
    /// the server that now owns the key.
    private func retryingOnEjection(_ call: () -> memcached_return_t) -> memcached_return_t {
        let first = call()
        return first == MEMCACHED_SERVER_MARKED_DEAD ? call() : first
    }

    private func valueRetryingOnEjection<Value>(
        _ call: () -> (memcached_return_t, Value)
    ) -> (memcached_return_t, Value) {
        let first = call()
        return first.0 == MEMCACHED_SERVER_MARKED_DEAD ? call() : first
    }

    /// libmemcached has reported timeouts as NOTFOUND on some paths (awesomized/libmemcached#67);
    /// a miss only counts if the call left no transport error behind.
    private func checkMissIsReal() throws(MemcachedOperationError) {
        let last = memcached_last_error(self.raw)
        switch last {
        case MEMCACHED_SUCCESS, MEMCACHED_NOTFOUND, MEMCACHED_END: return
        default:
            let error = self.failure(last)
            if error.storeError != .protocolError { throw error }
        }
    }

    private func failure(_ rc: memcached_return_t) -> MemcachedOperationError {
        MemcachedOperationError(Self.storeError(for: rc), reason: String(cString: memcached_strerror(nil, rc)))
    }

    /// How a libmemcached failure reaches callers.
    static func storeError(for rc: memcached_return_t) -> StoreError {
        switch rc {
        case MEMCACHED_TIMEOUT:
            return .timeout
        // The key's own server failing: the others may be fine (ketama spreads keys over all of them). When every
        // server has been ejected the library says NO_SERVERS, which is the store being out.
        case MEMCACHED_CONNECTION_FAILURE, MEMCACHED_HOST_LOOKUP_FAILURE, MEMCACHED_CONNECTION_BIND_FAILURE,
            MEMCACHED_WRITE_FAILURE, MEMCACHED_READ_FAILURE, MEMCACHED_UNKNOWN_READ_FAILURE, MEMCACHED_ERRNO,
            MEMCACHED_SERVER_MARKED_DEAD, MEMCACHED_SERVER_TEMPORARILY_DISABLED:
            return .serverUnavailable
        case MEMCACHED_NO_SERVERS, MEMCACHED_SOME_ERRORS, MEMCACHED_FAILURE, MEMCACHED_FAIL_UNIX_SOCKET,
            MEMCACHED_IN_PROGRESS, MEMCACHED_MEMORY_ALLOCATION_FAILURE, MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE:
            return .unavailable
        default:
            return .protocolError
        }
    }
}

@available(*, unavailable)
extension MemcachedHandle: Sendable {}
