/// `STICKY_KEY_SECRET_FILE`: the key secret read from a file (a Docker or Kubernetes secret, a file only the proxy's
/// user may read), so that it stays out of the environment and of `ps`.
enum KeySecretFile {
    /// The secret's bytes: the whole file but one trailing newline (`\n` or `\r\n`), which editors and `echo` add.
    static func secret(at value: SettingsReader.Value) throws(ConfigurationError) -> [UInt8] {
        var bytes = try ConfigFile.contents(of: value.text, namedAt: value.source)
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        guard !bytes.isEmpty else {
            throw .invalidValue(value.shown, at: value.source, SettingProblem.emptySecretFile.text)
        }
        return bytes
    }
}
