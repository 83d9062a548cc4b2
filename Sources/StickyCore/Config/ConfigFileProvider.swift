import Configuration

/// Serves the YAML config file, parsed once by swift-configuration's `YAMLSnapshot`, as a provider.
///
/// `FileProvider<YAMLSnapshot>` reads the file itself, asynchronously, and its errors don't say whether the file
/// was missing, unreadable or bad YAML. ``ConfigFile`` reads the bytes once, keeps them for the key check, and
/// hands them to the same `YAMLSnapshot` that `FileProvider` would use; this provider only serves that snapshot.
struct ConfigFileProvider: ConfigProvider {
    let fileSnapshot: YAMLSnapshot

    var providerName: String { fileSnapshot.providerName }

    func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try fileSnapshot.value(forKey: key, type: type)
    }

    func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
        try value(forKey: key, type: type)
    }

    nonisolated(nonsending) func watchValue<Return: ~Copyable>(
        forKey key: AbsoluteConfigKey,
        type: ConfigType,
        updatesHandler:
            nonisolated(nonsending) (
                _ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>
            ) async throws -> Return
    ) async throws -> Return {
        try await watchValueFromValue(forKey: key, type: type, updatesHandler: updatesHandler)
    }

    func snapshot() -> any ConfigSnapshot {
        fileSnapshot
    }

    nonisolated(nonsending) func watchSnapshot<Return: ~Copyable>(
        updatesHandler:
            nonisolated(nonsending) (
                _ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>
            ) async throws -> Return
    ) async throws -> Return {
        try await watchSnapshotFromSnapshot(updatesHandler: updatesHandler)
    }
}
