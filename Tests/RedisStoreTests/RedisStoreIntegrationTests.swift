import Foundation
import NIOCore
import NIOPosix
import StickyCore
import Testing

@testable import RedisStore

/// Against a real server (`STICKY_TEST_REDIS_URL`). Serialized, so that the latency it measures is its own.
@Suite(.serialized) struct RedisStoreIntegrationTests {
    private let web1 = StoredMapping(backend: "web1", slides: false)
    private let web2 = StoredMapping(backend: "web2", slides: true)

    @Test func setGetDeleteAndRefresh() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        try await TestRedis.withStore(configuration) { store, group in
            let loop = group.next()
            let key = TestRedis.uniqueKey()
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: loop).get() == nil)

            try await store.set(key, to: self.web2, ttl: .seconds(120), deadline: TestRedis.deadline, on: loop).get()
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: loop).get() == self.web2)
            #expect(try await store.command("GET", key.rawValue) == .bulkString("~web2"))
            let ttl = try await Self.ttl(of: key, store)
            #expect(ttl > 110 && ttl <= 120, "TTL after Max-Age 120: \(ttl)")

            try await store.refresh(key, ttl: .seconds(600), deadline: TestRedis.deadline, on: loop).get()
            let refreshed = try await Self.ttl(of: key, store)
            #expect(refreshed > 590 && refreshed <= 600, "TTL after refresh to 600: \(refreshed)")

            // Whole seconds, rounded up.
            try await store.set(key, to: self.web1, ttl: .milliseconds(1200), deadline: TestRedis.deadline, on: loop)
                .get()
            #expect(try await Self.ttl(of: key, store) == 2)

            try await store.delete(key, deadline: TestRedis.deadline, on: loop).get()
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: loop).get() == nil)
            // Deleting an absent key succeeds; refreshing one leaves it absent.
            try await store.delete(key, deadline: TestRedis.deadline, on: loop).get()
            try await store.refresh(key, ttl: .seconds(60), deadline: TestRedis.deadline, on: loop).get()
            #expect(try await store.command("EXISTS", key.rawValue) == .integer(0))
        }
    }

    @Test func anUnparsableStoredValueIsAbsentAndReassignReplacesIt() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        try await TestRedis.withStore(configuration) { store, group in
            let loop = group.next()
            let key = TestRedis.uniqueKey()
            _ = try await store.command("SET", key.rawValue, "a~b", "EX", "60")
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: loop).get() == nil)
            let winner = try await store.reassign(
                key,
                from: nil,
                to: self.web1,
                ttl: .seconds(60),
                deadline: TestRedis.deadline,
                on: loop
            ).get()
            #expect(winner == self.web1)
            _ = try await store.command("DEL", key.rawValue)
        }
    }

    @Test func reassignIsFirstWriterWins() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        try await TestRedis.withStore(configuration) { store, group in
            let loop = group.next()
            let key = TestRedis.uniqueKey()
            func reassign(from stale: StoredMapping?, to replacement: StoredMapping) async throws -> StoredMapping {
                try await store.reassign(
                    key,
                    from: stale,
                    to: replacement,
                    ttl: .seconds(90),
                    deadline: TestRedis.deadline,
                    on: loop
                ).get()
            }
            // Absent, no stale mapping: written.
            #expect(try await reassign(from: nil, to: self.web1) == self.web1)
            #expect(try await Self.ttl(of: key, store) > 80)
            // Absent is expected but web1 is there: web1 wins.
            #expect(try await reassign(from: nil, to: self.web2) == self.web1)
            // Stale mapping matches: replaced.
            #expect(try await reassign(from: self.web1, to: self.web2) == self.web2)
            // Stale mapping no longer matches: the current one wins, untouched.
            #expect(try await reassign(from: self.web1, to: StoredMapping(backend: "web3", slides: false)) == self.web2)
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: loop).get() == self.web2)
            _ = try await store.command("DEL", key.rawValue)
        }
    }

    @Test func reassignLoadsTheScriptAfterAFlushAndItsSHAIsRight() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        try await TestRedis.withStore(configuration) { store, group in
            let key = TestRedis.uniqueKey()
            _ = try await store.command("SCRIPT", "FLUSH")
            let winner = try await store.reassign(
                key,
                from: nil,
                to: self.web1,
                ttl: .seconds(60),
                deadline: TestRedis.deadline,
                on: group.next()
            ).get()
            #expect(winner == self.web1)
            #expect(
                try await store.command("SCRIPT", "EXISTS", RedisCommand.reassignScriptSHA1) == .array([.integer(1)])
            )
            #expect(
                try await store.command("SCRIPT", "LOAD", RedisCommand.reassignScript)
                    == .bulkString(RedisCommand.reassignScriptSHA1)
            )
            _ = try await store.command("DEL", key.rawValue)
        }
    }

    @Test func concurrentReassignsOnSeveralLoopsAllFollowOneWinner() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        try await TestRedis.withStore(configuration, threads: 4) { store, group in
            let key = TestRedis.uniqueKey()
            let dead = StoredMapping(backend: "dead", slides: false)
            try await store.set(key, to: dead, ttl: .seconds(60), deadline: TestRedis.deadline, on: group.next()).get()
            let winners = try await withThrowingTaskGroup(of: StoredMapping.self) { tasks in
                for caller in 0..<200 {
                    tasks.addTask {
                        try await store.reassign(
                            key,
                            from: dead,
                            to: StoredMapping(backend: "web\(caller)", slides: false),
                            ttl: .seconds(60),
                            deadline: TestRedis.deadline,
                            on: group.next()
                        ).get()
                    }
                }
                return try await tasks.reduce(into: [StoredMapping]()) { $0.append($1) }
            }
            #expect(winners.count == 200)
            #expect(Set(winners).count == 1, "callers followed different winners: \(Set(winners))")
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: group.next()).get() == winners.first)
            _ = try await store.command("DEL", key.rawValue)
        }
    }

    @Test func authenticatesAsAnACLUserAndSelectsItsDatabase() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        let user = "sticky-test-\(UUID().uuidString.prefix(8))"
        let key = TestRedis.uniqueKey()
        try await TestRedis.withStore(configuration) { admin, _ in
            _ = try await admin.command("ACL", "SETUSER", user, "on", ">s3cret", "~*", "+@all")
        }
        var authenticated = configuration
        authenticated.username = user
        authenticated.password = "s3cret"
        authenticated.database = 3
        try await TestRedis.withStore(authenticated) { store, group in
            try await store.set(key, to: self.web1, ttl: .seconds(60), deadline: TestRedis.deadline, on: group.next())
                .get()
            #expect(try await store.command("ACL", "WHOAMI") == .bulkString(user))
        }
        var database3 = configuration
        database3.database = 3
        try await TestRedis.withStore(database3) { store, _ in
            #expect(try await store.command("GET", key.rawValue) == .bulkString("web1"))
            _ = try await store.command("DEL", key.rawValue)
        }
        var database0 = configuration
        database0.database = 0
        try await TestRedis.withStore(database0) { store, _ in
            let exists = try await store.command("EXISTS", key.rawValue)
            #expect(exists == .integer(0))
        }
        var wrongPassword = authenticated
        wrongPassword.password = "wrong"
        try await TestRedis.withStore(wrongPassword) { store, group in
            // A deadline far away: a refused login fails the call at once, not at the deadline.
            let error = await #expect(throws: StoreError.self) {
                try await store.get(key, deadline: .now() + .seconds(30), on: group.next()).get()
            }
            #expect(error != .timeout)
        }
        try await TestRedis.withStore(configuration) { admin, _ in
            _ = try await admin.command("ACL", "DELUSER", user)
        }
    }

    @Test func failsFastWhileRedisIsDownAndRecoversWhenItIsBack() async throws {
        // Runs with the other integration tests, on a server of its own: it kills it.
        guard TestRedis.configuration() != nil else { return }
        guard let server = try ThrowawayRedisServer.start() else { return }
        defer { server.stop() }
        let configuration = RedisStore.Configuration(host: "127.0.0.1", port: server.port, timeout: .milliseconds(500))
        try await TestRedis.withStore(configuration) { store, group in
            let loop = group.next()
            let key = TestRedis.uniqueKey()
            try await store.set(key, to: self.web1, ttl: .seconds(60), deadline: TestRedis.deadline, on: loop).get()

            server.stop()
            // Every call fails with a StoreError, and none waits for its (distant) deadline to do so.
            var slowest = Duration.zero
            for _ in 0..<50 {
                let started = ContinuousClock.now
                let error = await #expect(throws: StoreError.self) {
                    try await store.get(key, deadline: .now() + .seconds(30), on: loop).get()
                }
                #expect(error != .timeout)
                slowest = max(slowest, ContinuousClock.now - started)
                try await Task.sleep(for: .milliseconds(20))
            }
            print("redis down: slowest failing call took \(slowest)")

            try server.restart()
            let restarted = ContinuousClock.now
            var recovered: Duration?
            while ContinuousClock.now - restarted < .seconds(10) {
                if (try? await store.set(key, to: self.web2, ttl: .seconds(60), deadline: TestRedis.deadline, on: loop)
                    .get()) != nil
                {
                    recovered = ContinuousClock.now - restarted
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            print("redis back: calls succeed again after \(recovered.map { "\($0)" } ?? "never")")
            #expect(recovered != nil)
            #expect(try await store.get(key, deadline: TestRedis.deadline, on: loop).get() == self.web2)
        }
    }

    @Test func measuresGetLatencyAndMemoryPerMapping() async throws {
        guard let configuration = TestRedis.configuration() else { return }
        try await TestRedis.withStore(configuration) { store, group in
            let loop = group.next()
            let key = StoreKey(rawValue: "sticky:connect.sid:" + Self.digest())
            try await store.set(key, to: self.web1, ttl: .seconds(3600), deadline: TestRedis.deadline, on: loop).get()

            let samples = try await Self.sequentialGets(store, key: key, count: 20_000, on: loop).sorted()
            func percentile(_ p: Double) -> Double {
                Double(samples[min(samples.count - 1, Int(Double(samples.count) * p))]) / 1_000
            }
            print(
                "redis GET latency over \(samples.count) sequential calls on one loop: "
                    + "p50 \(percentile(0.50)) µs, p99 \(percentile(0.99)) µs, p99.9 \(percentile(0.999)) µs, "
                    + "max \(Double(samples.last!) / 1_000) µs"
            )

            guard case .integer(let usage) = try await store.command("MEMORY", "USAGE", key.rawValue, "SAMPLES", "0")
            else {
                Issue.record("MEMORY USAGE did not answer an integer")
                return
            }
            // MEMORY USAGE leaves out the key's entry in the expires dictionary; used_memory over many keys has it.
            let count = 50_000
            let keys = (0..<count).map { _ in StoreKey(rawValue: "sticky:connect.sid:" + Self.digest()) }
            let before = try await Self.usedMemory(store)
            try await Self.forEach(keys, on: group) { key, loop in
                store.set(key, to: self.web1, ttl: .seconds(3600), deadline: TestRedis.deadline, on: loop)
            }
            let after = try await Self.usedMemory(store)
            try await Self.forEach(keys + [key], on: group) { key, loop in
                store.delete(key, deadline: TestRedis.deadline, on: loop)
            }
            let perMapping = Double(after - before) / Double(count)
            let gib = Double(1 << 30)
            print(
                "redis memory per mapping (key \(key.rawValue.utf8.count) bytes, value \"web1\", with TTL): "
                    + "MEMORY USAGE \(usage) B (\(Int(gib / Double(usage))) sessions/GiB); "
                    + "used_memory delta over \(count) keys \(Int(perMapping.rounded())) B "
                    + "(\(Int(gib / perMapping)) sessions/GiB)"
            )
            #expect(usage > 0)
        }
    }

    // MARK: Helpers

    private static func ttl(of key: StoreKey, _ store: RedisStore) async throws -> Int64 {
        guard case .integer(let ttl) = try await store.command("TTL", key.rawValue) else { return -3 }
        return ttl
    }

    /// 43 characters of base64url, like a SHA-256 digest of a session ID.
    private static func digest() -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        return String(
            Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .dropLast()
        )
    }

    private static func usedMemory(_ store: RedisStore) async throws -> Int {
        guard case .bulkString(let info) = try await store.command("INFO", "memory"),
            let line = String(buffer: info).split(whereSeparator: \.isNewline).first(where: {
                $0.hasPrefix("used_memory:")
            }),
            let bytes = Int(line.dropFirst("used_memory:".count))
        else { throw StoreError.protocolError }
        return bytes
    }

    /// `count` GETs one after the other on `loop`, each timed from the call to its completion, in nanoseconds.
    private static func sequentialGets(
        _ store: RedisStore,
        key: StoreKey,
        count: Int,
        on loop: any EventLoop
    )
        async throws -> [UInt64]
    {
        try await loop.flatSubmit {
            let done = loop.makePromise(of: [UInt64].self)
            var samples: [UInt64] = []
            samples.reserveCapacity(count)
            func next() {
                guard samples.count < count else {
                    done.succeed(samples)
                    return
                }
                let started = NIODeadline.now()
                store.get(key, deadline: started + .seconds(1), on: loop).assumeIsolated().whenComplete { result in
                    switch result {
                    case .success:
                        samples.append(NIODeadline.now().uptimeNanoseconds - started.uptimeNanoseconds)
                        next()
                    case .failure(let error):
                        done.fail(error)
                    }
                }
            }
            next()
            return done.futureResult
        }.get()
    }

    /// Runs `call` for every key, spread over the group's loops, at most 1,000 at a time.
    private static func forEach(
        _ keys: [StoreKey],
        on group: any EventLoopGroup,
        _ call: @escaping @Sendable (StoreKey, any EventLoop) -> EventLoopFuture<Void>
    ) async throws {
        for batch in stride(from: 0, to: keys.count, by: 1_000) {
            let futures = keys[batch..<min(batch + 1_000, keys.count)].map { key in
                let loop = group.next()
                return loop.flatSubmit { call(key, loop) }
            }
            try await EventLoopFuture.andAllSucceed(futures, on: group.next()).get()
        }
    }
}
