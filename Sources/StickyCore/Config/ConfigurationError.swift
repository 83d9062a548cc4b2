/// Why the configuration could not be loaded.
///
/// Its ``description`` is one line that names the setting as the operator wrote it (`STICKY_DEFAULT_TTL`,
/// `--default-ttl` or `default_ttl (in /etc/sticky.yaml)`) and, unless it is secret, the value; the executable
/// prints it after `error: ` and exits with status 2. Values are escaped onto one line and cut to a bounded length.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidValue(source: SettingSource, shownValue: String, problem: String)
        case notASingleValue(source: SettingSource)
        case notAValue(source: SettingSource)
        case missing(ProxySetting)
        case unknownEnvironmentVariable(name: String, suggestion: String?)
        case unknownFileKey(key: String, path: String, suggestion: String?)
        case unreadableFile(source: SettingSource, path: String, reason: String)
        case invalidFile(source: SettingSource, path: String, reason: String)
    }

    private let code: Code

    private init(code: Code) {
        self.code = code
    }

    public var description: String {
        switch code {
        case .invalidValue(let source, let shownValue, let problem):
            return "\(source): \(shownValue) \(problem)"
        case .notASingleValue(let source):
            return "\(source): expected a single value, not a list"
        case .notAValue(let source):
            return "\(source): expected a value, not a mapping"
        case .missing(let setting):
            return
                "\(setting.environmentName) is required (or \(setting.flag), or \(setting.fileKey): in the config file)"
        case .unknownEnvironmentVariable(let name, let suggestion):
            return "\(SettingText.bounded(name)) is not a known setting" + Self.didYouMean(suggestion)
        case .unknownFileKey(let key, let path, let suggestion):
            return "\(SettingText.bounded(key)) (in \(SettingText.bounded(path))) is not a known setting"
                + Self.didYouMean(suggestion)
        case .unreadableFile(let source, let path, let reason):
            return "\(source): cannot read \(SettingText.quoted(path)): \(reason)"
        case .invalidFile(let source, let path, let reason):
            return "\(source): \(SettingText.quoted(path)) is not a valid config file: \(reason)"
        }
    }

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean \($0)?)" } ?? ""
    }
}

extension ConfigurationError {
    /// The value written at `source` is not acceptable; `problem` completes the sentence
    /// `STICKY_DEFAULT_TTL: "abc" …`. `shownValue` is the value as the message shows it
    /// (see ``SettingText``): quoted, or `(secret)`.
    static func invalidValue(_ shownValue: String, at source: SettingSource, _ problem: String) -> Self {
        Self(code: .invalidValue(source: source, shownValue: shownValue, problem: problem))
    }

    /// The file holds a list where the setting takes one value.
    static func notASingleValue(at source: SettingSource) -> Self {
        Self(code: .notASingleValue(source: source))
    }

    /// The file holds a mapping (nested keys) where the setting takes a value.
    static func notAValue(at source: SettingSource) -> Self {
        Self(code: .notAValue(source: source))
    }

    /// A required setting was given nowhere.
    static func missing(_ setting: ProxySetting) -> Self {
        Self(code: .missing(setting))
    }

    /// A `STICKY_*` environment variable that names no setting, most likely a typo of `suggestion`.
    static func unknownEnvironmentVariable(_ name: String, suggestion: String?) -> Self {
        Self(code: .unknownEnvironmentVariable(name: name, suggestion: suggestion))
    }

    /// A key of the YAML file that names no setting, most likely a typo of `suggestion`.
    static func unknownFileKey(_ key: String, in path: String, suggestion: String?) -> Self {
        Self(code: .unknownFileKey(key: key, path: path, suggestion: suggestion))
    }

    /// The config file named at `source` could not be read; `reason` is the system's (`No such file or directory`).
    static func unreadableFile(_ path: String, namedAt source: SettingSource, reason: String) -> Self {
        Self(code: .unreadableFile(source: source, path: path, reason: reason))
    }

    /// The config file named at `source` is not YAML, or not a mapping of settings.
    static func invalidFile(_ path: String, namedAt source: SettingSource, reason: String) -> Self {
        Self(code: .invalidFile(source: source, path: path, reason: reason))
    }
}
