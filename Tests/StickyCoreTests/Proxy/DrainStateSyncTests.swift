import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import StickyCore

@Suite struct DrainStateSyncTests {
    let loop = EmbeddedEventLoop()

    func backend(_ name: String) -> Backend {
        Backend(
            name: name,
            address: SocketAddressSpec(host: "127.0.0.1", port: 9000),
            socketAddress: try! SocketAddress(ipAddress: "127.0.0.1", port: 9000)
        )
    }

    @Test func followsTheDrainKeysInTheStore() async throws {
        let store = MemoryStore(maxEntries: 100)
        let web1 = self.backend("web1")
        let web2 = self.backend("web2")
        let sync = DrainStateSync(
            backends: { [web1, web2] },
            store: store,
            keyPrefix: "p:",
            timeout: .seconds(1),
            eventLoop: self.loop,
            logger: Logger(label: "test")
        )
        let key = DrainKey.key(prefix: "p:", backend: "web1")
        #expect(key.rawValue == "p:@drain:web1")
        try store.set(key, to: DrainKey.value(backend: "web1"), ttl: DrainKey.lifetime, deadline: .now(), on: self.loop)
            .wait()
        await sync.syncOnce()
        #expect(web1.isDraining)
        #expect(!web2.isDraining)

        try store.delete(key, deadline: .now(), on: self.loop).wait()
        await sync.syncOnce()
        #expect(!web1.isDraining, "an absent key undrains")
    }

    @Test func aStoreThatDoesNotAnswerLeavesTheStateAsItWas() async {
        let web1 = self.backend("web1")
        web1.setDraining(true)
        let sync = DrainStateSync(
            backends: { [web1] },
            store: FailingStore(),
            keyPrefix: "p:",
            timeout: .seconds(1),
            eventLoop: self.loop,
            logger: Logger(label: "test")
        )
        await sync.syncOnce()
        #expect(web1.isDraining)
    }
}

/// A store whose every call fails.
private struct FailingStore: StoreBackend {
    func get(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<StoredMapping?> {
        eventLoop.makeFailedFuture(StoreError.unavailable)
    }
    func set(_ key: StoreKey, to mapping: StoredMapping, ttl: Duration, deadline: NIODeadline, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>
    { eventLoop.makeFailedFuture(StoreError.unavailable) }
    func delete(_ key: StoreKey, deadline: NIODeadline, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(StoreError.unavailable)
    }
    func refresh(_ key: StoreKey, ttl: Duration, deadline: NIODeadline, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>
    { eventLoop.makeFailedFuture(StoreError.unavailable) }
    func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        ttl: Duration,
        deadline: NIODeadline,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<StoredMapping> { eventLoop.makeFailedFuture(StoreError.unavailable) }
}
