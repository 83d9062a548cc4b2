import NIOCore

/// An encoded command on its way to a connection, with the promise its reply completes and its deadline.
struct RedisRequest: Sendable {
    /// The command in RESP.
    var payload: ByteBuffer
    /// Completed on the connection's event loop: with the reply, or with a ``StoreError``.
    var promise: EventLoopPromise<RedisValue>
    /// When the promise fails with ``StoreError/timeout`` if no reply came.
    var deadline: NIODeadline
}
