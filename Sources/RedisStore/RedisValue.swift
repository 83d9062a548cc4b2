import NIOCore

/// One RESP2 reply, as ``HiredisCodec`` hands it over: the values hiredis 0.14 can parse.
///
/// An error reply (`-ERR …`) is a value, not a thrown error: the command that sent it decides what it means.
enum RedisValue: Hashable, Sendable {
    /// A status reply: `+OK`.
    case simpleString(String)
    /// An error reply: `-NOSCRIPT No matching script`.
    case error(String)
    /// An integer reply: `:1`.
    case integer(Int64)
    /// A bulk string reply: `$4\r\nweb1`.
    case bulkString(ByteBuffer)
    /// A nil bulk string or nil array: `$-1`, `*-1`.
    case null
    /// An array reply: `*2\r\n…`.
    case array([RedisValue])
}

extension RedisValue {
    /// A bulk string reply with `string`'s UTF-8 bytes.
    static func bulkString(_ string: String) -> RedisValue {
        .bulkString(ByteBuffer(string: string))
    }
}
