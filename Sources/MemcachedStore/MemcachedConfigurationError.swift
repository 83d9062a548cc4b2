/// Why a ``MemcachedStore`` could not be built from its configuration.
///
/// Its description is one line that names the problem, fit for a startup error message.
public struct MemcachedConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case noServers
        case invalidHost(String)
        case invalidPort(host: String, port: Int)
        case duplicateServer(String)
        case invalidTimeout
        case invalidRetryTimeout
        case invalidPoolSize(Int)
        case rejectedByLibrary(String)
        case libraryFailure(String)
    }

    private let code: Code

    /// The server list is empty.
    public static let noServers = Self(code: .noServers)
    /// The timeout is not between 1 ms and 60 s.
    public static let invalidTimeout = Self(code: .invalidTimeout)
    /// The failed-server retry timeout is not between 1 s and 1 hour.
    public static let invalidRetryTimeout = Self(code: .invalidRetryTimeout)

    /// A host is empty, too long, or not a plain host name or IPv4 address.
    public static func invalidHost(_ host: String) -> Self {
        Self(code: .invalidHost(Self.bounded(host, limit: 64)))
    }

    /// A port is not between 1 and 65535.
    public static func invalidPort(host: String, port: Int) -> Self {
        Self(code: .invalidPort(host: Self.bounded(host, limit: 64), port: port))
    }

    /// The same `host:port` is listed twice.
    public static func duplicateServer(_ server: String) -> Self {
        Self(code: .duplicateServer(Self.bounded(server, limit: 80)))
    }

    /// The pool size is not between 1 and 1024.
    public static func invalidPoolSize(_ size: Int) -> Self {
        Self(code: .invalidPoolSize(size))
    }

    /// `libmemcached_check_configuration` refused the configuration string; `message` is its reason.
    static func rejectedByLibrary(_ message: String) -> Self {
        Self(code: .rejectedByLibrary(Self.bounded(message, limit: 200)))
    }

    /// libmemcached could not set up a handle, a behaviour or the pool.
    static func libraryFailure(_ message: String) -> Self {
        Self(code: .libraryFailure(Self.bounded(message, limit: 200)))
    }

    public var description: String {
        switch code {
        case .noServers:
            "memcached: no servers configured"
        case .invalidHost(let host):
            "memcached: invalid server host \(host.debugDescription) (use a host name or an IPv4 address)"
        case .invalidPort(let host, let port):
            "memcached: invalid port \(port) for server \(host.debugDescription) (1-65535)"
        case .duplicateServer(let server):
            "memcached: server \(server.debugDescription) is listed more than once"
        case .invalidTimeout:
            "memcached: timeout must be between 1 ms and 60 s"
        case .invalidRetryTimeout:
            "memcached: retry timeout must be between 1 s and 1 h"
        case .invalidPoolSize(let size):
            "memcached: pool size \(size) must be between 1 and 1024"
        case .rejectedByLibrary(let message):
            "memcached: configuration rejected by libmemcached: \(message)"
        case .libraryFailure(let message):
            "memcached: libmemcached setup failed: \(message)"
        }
    }

    /// `text` on one line, at most `limit` characters: control characters become spaces.
    private static func bounded(_ text: String, limit: Int) -> String {
        let oneLine = String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 })
        )
        return oneLine.count > limit ? String(oneLine.prefix(limit)) + "…" : oneLine
    }
}
