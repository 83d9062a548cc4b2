import Configuration
import Synchronization

/// Reads the settings as written through one swift-configuration `ConfigReader`, and says where each came from.
///
/// The providers, in precedence order: the command line (an `InMemoryProvider`), the environment
/// (`EnvironmentVariablesProvider` under the `sticky` prefix, so `default_ttl` is `STICKY_DEFAULT_TTL`), then the
/// YAML file. Every value is read as a string (or a list of strings) and parsed by the proxy's own parsers, so
/// that each error can name the setting the way the operator wrote it. Which provider answered comes from the
/// reader's access report: its provider results are in provider order.
struct SettingsReader {
    /// A single value as written, and where.
    struct Value {
        var text: String
        var source: SettingSource

        /// The value as an error message shows it: quoted, or withheld when it is secret.
        var shown: String {
            if source.setting.isSecret { return SettingText.secret }
            return source.setting == .store ? StoreLocation.shown(text) : SettingText.quoted(text)
        }

        /// The parsed value, or an error naming the source and the value.
        func parsed<Parsed>(_ parse: (String) throws(SettingProblem) -> Parsed) throws(ConfigurationError) -> Parsed {
            do {
                return try parse(text)
            } catch {
                throw .invalidValue(shown, at: source, error.text)
            }
        }
    }

    /// A list as written, and where.
    struct List {
        var entries: [String]
        var source: SettingSource
        /// The whole list as an error message shows it: the environment variable's string, or the file's list.
        var shown: String
    }

    private enum Origin {
        case commandLine
        case environment
        case file(path: String)

        func source(of setting: ProxySetting) -> SettingSource {
            switch self {
            case .commandLine: .commandLine(setting)
            case .environment: .environment(setting)
            case .file(let path): .file(setting, path: path)
            }
        }
    }

    private let reader: ConfigReader
    private let recorder: AccessRecorder
    /// Parallel to the reader's providers.
    private let origins: [Origin]

    init(arguments: CLIValues, environment: [String: String], file: ConfigFile?) {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "command line", values: arguments.providerValues),
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(Set(ProxySetting.allCases.filter(\.isSecret).map(\.environmentName)))
            ).prefixKeys(with: ConfigKey(["sticky"])),
        ]
        var origins: [Origin] = [.commandLine, .environment]
        if let file, let provider = file.provider {
            providers.append(provider)
            origins.append(.file(path: file.path))
        }
        let recorder = AccessRecorder()
        self.recorder = recorder
        self.reader = ConfigReader(providers: providers, accessReporter: recorder)
        self.origins = origins
    }

    /// The value of a single-valued setting, or `nil` when no source has it.
    func value(of setting: ProxySetting) throws(ConfigurationError) -> Value? {
        precondition(!setting.isList, "\(setting) is a list")
        let text = reader.string(forKey: Self.key(setting), isSecret: setting.isSecret)
        switch lastLookup(of: setting) {
        case nil:
            return nil
        case .found(let source):
            guard let text else { preconditionFailure("a provider answered \(setting) without a value") }
            return Value(text: text, source: source)
        case .failed(let source):
            // Only the file can hold something else than a string: a list.
            throw .notASingleValue(at: source)
        }
    }

    /// The entries of a list setting, or `nil` when no source has it. The environment's list is comma-separated;
    /// the file's is a YAML list or, like the environment's, one comma-separated string.
    func list(of setting: ProxySetting) throws(ConfigurationError) -> List? {
        precondition(setting.isList, "\(setting) is not a list")
        let entries = reader.stringArray(forKey: Self.key(setting), isSecret: setting.isSecret)
        switch lastLookup(of: setting) {
        case nil:
            return nil
        case .found(let source):
            guard let entries else { preconditionFailure("a provider answered \(setting) without a value") }
            switch source {
            case .commandLine, .file:
                let shown = "[" + entries.map(SettingText.quoted).joined(separator: ", ") + "]"
                return List(entries: entries, source: source, shown: SettingText.bounded(shown))
            case .environment:
                let written = reader.string(forKey: Self.key(setting), isSecret: setting.isSecret) ?? ""
                return List(entries: entries, source: source, shown: SettingText.quoted(written))
            }
        case .failed(let source):
            guard case .file = source else { preconditionFailure("\(source) failed to give a list") }
            let text = reader.string(forKey: Self.key(setting), isSecret: setting.isSecret) ?? ""
            let entries = text.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0.trimmingWhitespace())
            }
            return List(entries: entries, source: source, shown: SettingText.quoted(text))
        }
    }

    private static func key(_ setting: ProxySetting) -> ConfigKey {
        ConfigKey([setting.fileKey])
    }

    private enum Lookup {
        case found(SettingSource)
        case failed(SettingSource)
    }

    /// Which provider decided the lookup the reader just made.
    private func lastLookup(of setting: ProxySetting) -> Lookup? {
        guard let event = recorder.takeLastEvent() else {
            preconditionFailure("the config reader reported no access")
        }
        for (origin, providerResult) in zip(origins, event.providerResults) {
            switch providerResult.result {
            case .failure:
                return .failed(origin.source(of: setting))
            case .success(let lookup) where lookup.value != nil:
                return .found(origin.source(of: setting))
            case .success:
                continue
            }
        }
        return nil
    }
}

/// Keeps the reader's last access event, which says what each provider answered.
private final class AccessRecorder: AccessReporter, Sendable {
    private let lastEvent = Mutex<AccessEvent?>(nil)

    func report(_ event: AccessEvent) {
        lastEvent.withLock { $0 = event }
    }

    func takeLastEvent() -> AccessEvent? {
        lastEvent.withLock { event in
            defer { event = nil }
            return event
        }
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var trimmed = self
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        return trimmed
    }
}
