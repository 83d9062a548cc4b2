#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// What `sticky-proxy check` does: with the configuration the server would load, connect to every backend and make
/// one real call to the store, timing each.
public enum ConnectivityCheck {
    /// Checks every backend (a TCP connect within the connect timeout) and the store (a `get` of a key no session
    /// has, within `storeDeadline`), all at once.
    ///
    /// - Parameters:
    ///   - makeSharedStore: builds a `redis://` or `memcached://` store; `nil` when the build has none.
    ///   - storeDeadline: how long the store may take to answer (the proxy's store timeout × 10: a first call also
    ///     opens the connection).
    public static func run(
        _ configuration: ProxyConfiguration,
        makeSharedStore: ProxyApplication.SharedStoreFactory?,
        storeDeadline: Duration
    ) async -> CheckReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connectTimeout = configuration.connectTimeout
        async let store = Self.checkStore(
            configuration,
            makeSharedStore: makeSharedStore,
            deadline: storeDeadline,
            group: group
        )
        let backends = await withTaskGroup(of: (Int, CheckReport.Row).self) { tasks in
            for (index, definition) in configuration.backends.enumerated() {
                tasks.addTask { (index, await Self.checkBackend(definition, timeout: connectTimeout, group: group)) }
            }
            var rows: [(Int, CheckReport.Row)] = []
            for await row in tasks { rows.append(row) }
            return rows.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let report = CheckReport(backends: backends, store: await store)
        try? await group.shutdownGracefully()
        return report
    }

    private static func checkBackend(
        _ definition: BackendDefinition,
        timeout: Duration,
        group: MultiThreadedEventLoopGroup
    ) async -> CheckReport.Row {
        var row = CheckReport.Row(kind: .backend, name: definition.name, address: "\(definition.address)")
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(definition.address.host, port: definition.address.port)
        } catch {
            row.problem = "cannot resolve \(definition.address.host)"
            return row
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .connect(to: address)
                .get()
            row.latency = clock.now - start
            try? await channel.close()
        } catch {
            row.problem = Self.describe(error, timeout: timeout)
        }
        return row
    }

    private static func checkStore(
        _ configuration: ProxyConfiguration,
        makeSharedStore: ProxyApplication.SharedStoreFactory?,
        deadline: Duration,
        group: MultiThreadedEventLoopGroup
    ) async -> CheckReport.Row {
        let location = configuration.store
        var row = CheckReport.Row(kind: .store, name: location.kind, address: location.shownAddress)
        if case .memory = configuration.store {
            row.note = "in the proxy's memory"
            return row
        }
        guard let makeSharedStore else {
            row.problem = "this build has no \(configuration.store.kind) support"
            return row
        }
        let store: any ManagedStore
        do {
            store = try makeSharedStore(configuration.store, group)
        } catch {
            row.problem = "\(error)"
            return row
        }
        let key = StoreKeyDeriver(prefix: configuration.keyPrefix, secret: nil)
            .key(cookieName: "sticky-proxy-check", sessionID: "no such session")
        let eventLoop = group.next()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await store.get(key, deadline: .now() + TimeAmount(deadline), on: eventLoop).get()
            row.latency = clock.now - start
        } catch {
            row.problem = (error as? StoreError).map { "store call failed: \($0)" } ?? "store call failed"
        }
        await store.shutdown()
        return row
    }

    /// A connect error in a few words: the system's reason when there is one.
    static func describe(_ error: any Error, timeout: Duration) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        if let error = error as? ChannelError, error == .connectTimeout(TimeAmount(timeout)) {
            return "no answer within \(timeout)"
        }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first {
                return Self.describe(first.error, timeout: timeout)
            }
            return "cannot connect"
        }
        return "\(error)"
    }
}
