import Configuration
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The YAML settings file named by `--config` or `STICKY_CONFIG`: read once, parsed, and its keys checked,
/// so that a typo in it is an error rather than a setting silently left at its default.
struct ConfigFile: Sendable {
    /// The path as the operator wrote it.
    let path: String
    /// The file's values, or `nil` when it holds no settings at all (only comments, say).
    let provider: ConfigFileProvider?

    /// A settings file is small; this bounds what a wrong path (a device, a log file) can make us read.
    static let maximumBytes = 1 << 20

    init(path: String, namedAt source: SettingSource) throws(ConfigurationError) {
        self.path = path
        let bytes = try Self.contents(of: path, namedAt: source)
        let text = String(decoding: bytes, as: UTF8.self)
        if YAMLTopLevelKeys.isEmpty(text) {
            self.provider = nil
            return
        }

        let snapshot: YAMLSnapshot
        do {
            snapshot = try YAMLSnapshot(
                data: Data(bytes).bytes,
                providerName: "ConfigFile",
                parsingOptions: .init(secretsSpecifier: .specific(Set(ProxySetting.allCases.filter(\.isSecret).map(\.fileKey))))
            )
        } catch {
            throw .invalidFile(path, namedAt: source, reason: Self.conciseReason(error))
        }

        let keys: [String]
        do {
            keys = try YAMLTopLevelKeys.keys(in: text)
        } catch {
            throw .invalidFile(path, namedAt: source, reason: "line \(error.lineNumber) is not \"key: value\"")
        }
        for key in keys {
            guard let setting = ProxySetting(fileKey: key) else {
                let known = ProxySetting.allCases.filter(\.isAllowedInFile).map(\.fileKey)
                throw .unknownFileKey(key, in: path, suggestion: NameSuggestion.closest(to: key, among: known))
            }
            // Nested keys under a setting's key leave no value at the key itself. A list is a value: whether
            // the setting takes one is checked when it is read.
            let holdsValue: Bool
            do {
                holdsValue = try snapshot.value(forKey: AbsoluteConfigKey([key]), type: .string).value != nil
            } catch {
                holdsValue = true
            }
            guard holdsValue else { throw .notAValue(at: .file(setting, path: path)) }
        }
        self.provider = ConfigFileProvider(fileSnapshot: snapshot)
    }

    /// The file's bytes, or an error with the system's reason (`No such file or directory`). Also reads
    /// `STICKY_KEY_SECRET_FILE` (see ``KeySecretFile``).
    static func contents(of path: String, namedAt source: SettingSource) throws(ConfigurationError) -> [UInt8] {
        func failure(_ reason: String) -> ConfigurationError {
            .unreadableFile(path, namedAt: source, reason: reason)
        }
        func systemReason(_ code: Int32) -> String {
            String(cString: strerror(code))
        }

        guard !path.isEmpty else { throw failure(systemReason(ENOENT)) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(systemReason(errno)) }
        defer { close(descriptor) }

        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(systemReason(errno))
            }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
            if bytes.count > maximumBytes { throw failure("larger than \(maximumBytes / (1 << 20)) MiB") }
        }
    }

    /// The parser's message on one line, without the excerpt of the file that Yams adds after it: the file
    /// may hold the key secret.
    static func conciseReason(_ error: any Error) -> String {
        var kept: [Substring] = []
        for line in String(describing: error).split(whereSeparator: \.isNewline) {
            let line = line.drop(while: { $0 == " " })
            if line.hasPrefix("Context:") { break }
            kept.append(line)
            // Yams ends the problem with ":" and puts the excerpt on the lines that follow.
            if line.hasSuffix(":") { break }
        }
        var reason = kept.joined(separator: " ")
        while let last = reason.last, last == ":" || last == "." || last == " " {
            reason.removeLast()
        }
        reason = reason.replacing(": error: ", with: ": ")
        return SettingText.bounded(reason.isEmpty ? "unreadable YAML" : reason, limit: 200)
    }
}
