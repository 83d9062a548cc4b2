/// Why a Redis connection was given up. Internal: callers only ever see a ``StoreError``.
///
/// The description is short and bounded, safe as a log value or metric label.
struct RedisError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case protocolError
        case replyTooLarge
        case outOfMemory
        case unexpectedReply
        case unresponsive
    }

    private let code: Code

    /// The byte stream is not RESP2.
    static let protocolError = RedisError(code: .protocolError)
    /// A reply grew past the connection's bound on the bytes (or array elements) of one reply.
    static let replyTooLarge = RedisError(code: .replyTooLarge)
    /// hiredis could not allocate.
    static let outOfMemory = RedisError(code: .outOfMemory)
    /// A reply arrived while no command was waiting for one.
    static let unexpectedReply = RedisError(code: .unexpectedReply)
    /// Too many requests timed out with no reply yet: the server is hung, or the path to it is.
    static let unresponsive = RedisError(code: .unresponsive)

    var description: String {
        switch self.code {
        case .protocolError: "protocol_error"
        case .replyTooLarge: "reply_too_large"
        case .outOfMemory: "out_of_memory"
        case .unexpectedReply: "unexpected_reply"
        case .unresponsive: "unresponsive"
        }
    }
}
