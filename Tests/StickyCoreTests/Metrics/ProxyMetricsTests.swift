import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@testable import StickyCore

@Suite struct ProxyMetricsTests {
    private let factory = TestMetrics()

    private func counter(_ label: String, _ dimensions: [(String, String)]) throws -> Int64 {
        try self.factory.expectCounter(label, dimensions).totalValue
    }

    @Test func theSeriesArraysAreIndexedByEachCasesPosition() {
        #expect(ProxyMetrics.decisionsInOrder.enumerated().allSatisfy { $0.element.index == $0.offset })
        #expect(ProxyMetrics.decisionsInOrder.count == Set(ProxyMetrics.decisionsInOrder).count)
        #expect(StoreOperation.allCases.enumerated().allSatisfy { $0.element.index == $0.offset })
    }

    @Test func everySeriesExistsAtZeroFromTheStart() throws {
        _ = ProxyMetrics(backendNames: ["web1", "web2"], factory: self.factory)
        for backend in ["web1", "web2", ProxyMetrics.noBackendLabel] {
            for statusClass in ["1xx", "2xx", "3xx", "4xx", "5xx"] {
                let value = try self.counter(
                    "sticky_requests_total",
                    [("backend", backend), ("status_class", statusClass)]
                )
                #expect(value == 0)
            }
        }
        for decision in ["sticky", "new", "unknown_session", "fallback", "store_error"] {
            #expect(try self.counter("sticky_affinity_decisions_total", [("decision", decision)]) == 0)
        }
        for operation in ["get", "set", "delete", "refresh", "reassign"] {
            _ = try self.factory.expectTimer("sticky_store_operation_duration_seconds", [("operation", operation)])
            for kind in ["timeout", "unavailable", "server_unavailable", "protocol_error", "circuit_open", "shutdown",
                "other"]
            {
                #expect(try self.counter("sticky_store_errors_total", [("operation", operation), ("kind", kind)]) == 0)
            }
        }
        for backend in ["web1", "web2"] {
            #expect(try self.counter("sticky_upstream_connect_failures_total", [("backend", backend)]) == 0)
            #expect(try self.counter("sticky_upstream_retries_total", [("backend", backend)]) == 0)
            #expect(try self.factory.expectMeter("sticky_upstream_connections", [("backend", backend)]).lastValue == 0)
            _ = try self.factory.expectGauge("sticky_backend_up", [("backend", backend)])
            #expect(try self.factory.expectGauge("sticky_backend_draining", [("backend", backend)]).lastValue == 0)
        }
        #expect(try self.factory.expectMeter("sticky_client_connections").lastValue == 0)
        #expect(try self.factory.expectGauge("sticky_store_up").lastValue == 1)
        for result in ["hit", "miss"] {
            #expect(try self.counter("sticky_near_cache_lookups_total", [("result", result)]) == 0)
        }
    }

    @Test func nearCacheLookupsAreCountedByResult() throws {
        let metrics = ProxyMetrics(backendNames: [], factory: self.factory)
        metrics.countNearCacheLookup(hit: true)
        metrics.countNearCacheLookup(hit: true)
        metrics.countNearCacheLookup(hit: false)
        #expect(try self.counter("sticky_near_cache_lookups_total", [("result", "hit")]) == 2)
        #expect(try self.counter("sticky_near_cache_lookups_total", [("result", "miss")]) == 1)
    }

    @Test func responsesAreCountedByBackendAndStatusClass() throws {
        let metrics = ProxyMetrics(backendNames: ["web1"], factory: self.factory)
        metrics.countResponse(backend: "web1", code: 200)
        metrics.countResponse(backend: "web1", code: 204)
        metrics.countResponse(backend: "web1", code: 502)
        metrics.countResponse(backend: "web1", code: 101)
        metrics.countResponse(backend: nil, code: 405)
        metrics.countResponse(backend: "not-configured", code: 404)
        #expect(try self.counter("sticky_requests_total", [("backend", "web1"), ("status_class", "2xx")]) == 2)
        #expect(try self.counter("sticky_requests_total", [("backend", "web1"), ("status_class", "5xx")]) == 1)
        #expect(try self.counter("sticky_requests_total", [("backend", "web1"), ("status_class", "1xx")]) == 1)
        #expect(try self.counter("sticky_requests_total", [("backend", "(none)"), ("status_class", "4xx")]) == 2)
    }

    @Test func statesAreSampled() throws {
        let metrics = ProxyMetrics(backendNames: ["web1", "web2"], factory: self.factory)
        let up = Backend(name: "web1", address: .init(host: "127.0.0.1", port: 1), socketAddress: try .init(
            ipAddress: "127.0.0.1", port: 1))
        let down = Backend(
            name: "web2",
            address: .init(host: "127.0.0.1", port: 2),
            socketAddress: try .init(ipAddress: "127.0.0.1", port: 2),
            healthPolicy: .init(rise: 1, fall: 1, cooldown: .seconds(60))
        )
        let now = NIODeadline.now()
        down.recordFailure()
        down.setDraining(true)
        metrics.sampleStates(backends: [up, down], storeHealth: .degraded, now: now)
        #expect(try self.factory.expectGauge("sticky_backend_up", [("backend", "web1")]).lastValue == 1)
        #expect(try self.factory.expectGauge("sticky_backend_up", [("backend", "web2")]).lastValue == 0)
        #expect(try self.factory.expectGauge("sticky_backend_draining", [("backend", "web1")]).lastValue == 0)
        #expect(try self.factory.expectGauge("sticky_backend_draining", [("backend", "web2")]).lastValue == 1)
        #expect(try self.factory.expectGauge("sticky_store_up").lastValue == 0)
        metrics.sampleStates(backends: [up, down], storeHealth: .ok, now: now)
        #expect(try self.factory.expectGauge("sticky_store_up").lastValue == 1)
    }

    @Test func connectionGaugesFollowOpensAndCloses() throws {
        let metrics = ProxyMetrics(backendNames: ["web1"], factory: self.factory)
        metrics.clientConnectionOpened()
        metrics.clientConnectionOpened()
        metrics.clientConnectionClosed()
        #expect(metrics.clientConnections == 1)
        #expect(try self.factory.expectMeter("sticky_client_connections").lastValue == 1)
        let backend = try #require(metrics.backend("web1"))
        backend.connectionOpened()
        backend.connectionOpened()
        backend.idleChanged(by: 1)
        #expect(backend.openConnections == 2)
        #expect(backend.activeConnections == 1)
        #expect(try self.factory.expectMeter("sticky_upstream_connections", [("backend", "web1")]).lastValue == 2)
    }

    @Test func theInstrumentedStoreTimesEveryCallAndCountsFailuresByKind() throws {
        let metrics = ProxyMetrics(backendNames: [], factory: self.factory)
        let loop = EmbeddedEventLoop()
        let deadline = NIODeadline.now() + .seconds(5)
        let key = StoreKey(rawValue: "k")
        let memory = InstrumentedStore(
            wrapping: MemoryStore(maxEntries: 10, clock: ContinuousClock()),
            metrics: metrics
        )
        try memory.set(key, to: StoredMapping(backend: "web1", slides: false), ttl: .seconds(60), deadline: deadline,
            on: loop).wait()
        #expect(try memory.get(key, deadline: deadline, on: loop).wait()?.backend == "web1")
        try memory.refresh(key, ttl: .seconds(60), deadline: deadline, on: loop).wait()
        try memory.delete(key, deadline: deadline, on: loop).wait()
        for operation in ["get", "set", "delete", "refresh"] {
            let timer = try self.factory.expectTimer(
                "sticky_store_operation_duration_seconds",
                [("operation", operation)]
            )
            #expect(timer.values.count == 1, "\(operation)")
        }

        let failing = InstrumentedStore(wrapping: AlwaysFailingStore(error: StoreError.timeout), metrics: metrics)
        _ = try? failing.get(key, deadline: deadline, on: loop).wait()
        _ = try? failing.get(key, deadline: deadline, on: loop).wait()
        _ = try? failing.reassign(key, from: nil, to: StoredMapping(backend: "web2", slides: false), ttl: .seconds(1),
            deadline: deadline, on: loop).wait()
        let odd = InstrumentedStore(wrapping: AlwaysFailingStore(error: CancellationError()), metrics: metrics)
        _ = try? odd.delete(key, deadline: deadline, on: loop).wait()
        #expect(try self.counter("sticky_store_errors_total", [("operation", "get"), ("kind", "timeout")]) == 2)
        #expect(try self.counter("sticky_store_errors_total", [("operation", "reassign"), ("kind", "timeout")]) == 1)
        #expect(try self.counter("sticky_store_errors_total", [("operation", "delete"), ("kind", "other")]) == 1)
        #expect(try self.counter("sticky_store_errors_total", [("operation", "set"), ("kind", "timeout")]) == 0)
    }

    @Test func anImmediateLookupIsTimedAsAGetAndOnlyTheMemoryStoreAnswersOne() throws {
        let metrics = ProxyMetrics(backendNames: [], factory: self.factory)
        let loop = EmbeddedEventLoop()
        let key = StoreKey(rawValue: "k")
        let memory = MemoryStore(maxEntries: 10, clock: ContinuousClock())
        let instrumented = InstrumentedStore(wrapping: memory, metrics: metrics)
        #expect(instrumented.getImmediately(key) == .answered(nil))
        try memory.set(key, to: StoredMapping(backend: "web1", slides: false), ttl: .seconds(60),
            deadline: .now() + .seconds(5), on: loop).wait()
        #expect(instrumented.getImmediately(key) == .answered(StoredMapping(backend: "web1", slides: false)))
        let timer = try self.factory.expectTimer("sticky_store_operation_duration_seconds", [("operation", "get")])
        #expect(timer.values.count == 2)

        let remote = InstrumentedStore(wrapping: AlwaysFailingStore(error: StoreError.timeout), metrics: metrics)
        #expect(remote.getImmediately(key) == .unavailable)
        #expect(timer.values.count == 2, "a store that cannot answer at once records nothing")
    }
}

/// A store whose every call fails with one error.
private struct AlwaysFailingStore: StoreBackend {
    let error: any Error & Sendable

    func get(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<StoredMapping?> {
        eventLoop.makeFailedFuture(self.error)
    }

    func set(_ key: StoreKey, to mapping: StoredMapping, ttl: Duration, deadline: NIODeadline,
        on eventLoop: any EventLoop) -> EventLoopFuture<Void>
    {
        eventLoop.makeFailedFuture(self.error)
    }

    func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(self.error)
    }

    func refresh(_ key: StoreKey, ttl: Duration, deadline: NIODeadline, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>
    {
        eventLoop.makeFailedFuture(self.error)
    }

    func reassign(_ key: StoreKey, from stale: StoredMapping?, to replacement: StoredMapping, ttl: Duration,
        deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<StoredMapping>
    {
        eventLoop.makeFailedFuture(self.error)
    }
}
