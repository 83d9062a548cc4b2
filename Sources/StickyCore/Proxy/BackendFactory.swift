import NIOCore

/// Turns configured backend definitions into the ``Backend``s the proxy runs with, at start and on reload.
struct BackendFactory: Sendable {
    let healthPolicy: BackendHealth<ContinuousClock.Instant>.Policy

    init(configuration: ProxyConfiguration) {
        self.healthPolicy = .init(
            rise: configuration.healthRise,
            fall: configuration.healthFall,
            cooldown: configuration.backendCooldown
        )
    }

    /// The backends for `definitions`, reusing from `current` every one whose name, address and weight are
    /// unchanged, so that its health, drain state and pooled connections carry over. Resolves host names: call it
    /// off any event loop.
    func backends(for definitions: [BackendDefinition], reusing current: [Backend] = []) throws -> [Backend] {
        let existing = Dictionary(current.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return try definitions.map { definition in
            if let backend = existing[definition.name], backend.address == definition.address,
                backend.weight == definition.weight
            {
                return backend
            }
            let backend = try self.makeBackend(definition)
            backend.setDraining(existing[definition.name]?.isDraining ?? false)
            return backend
        }
    }

    private func makeBackend(_ definition: BackendDefinition) throws -> Backend {
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(definition.address.host, port: definition.address.port)
        } catch {
            throw StartupError(description: "STICKY_BACKENDS: cannot resolve \"\(definition.address)\"")
        }
        return Backend(
            name: definition.name,
            address: definition.address,
            socketAddress: address,
            weight: definition.weight,
            healthPolicy: self.healthPolicy
        )
    }
}
