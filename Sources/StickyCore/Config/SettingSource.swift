/// Where a setting's value was written, named the way the operator wrote it, for error messages.
enum SettingSource: Hashable, Sendable, CustomStringConvertible {
    /// A command-line option: `--default-ttl`.
    case commandLine(ProxySetting)
    /// An environment variable: `STICKY_DEFAULT_TTL`.
    case environment(ProxySetting)
    /// A key of the YAML file: `default_ttl (in /etc/sticky.yaml)`.
    case file(ProxySetting, path: String)

    var setting: ProxySetting {
        switch self {
        case .commandLine(let setting), .environment(let setting), .file(let setting, _): setting
        }
    }

    var description: String {
        switch self {
        case .commandLine(let setting): setting.flag
        case .environment(let setting): setting.environmentName
        case .file(let setting, let path): "\(setting.fileKey) (in \(SettingText.bounded(path)))"
        }
    }
}
