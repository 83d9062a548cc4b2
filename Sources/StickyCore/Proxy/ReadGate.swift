import NIOCore

/// Holds a channel's reads back while the other side of the proxy cannot take more (backpressure).
///
/// The owning handler passes its outbound `read` events through ``read(_:)``; a read that arrives while the gate
/// is closed is remembered and issued when it opens.
struct ReadGate {
    private(set) var isClosed = false
    private var pendingRead = false

    /// Handles an outbound `read` event: passes it on, or holds it while the gate is closed.
    mutating func read(_ context: ChannelHandlerContext) {
        if self.isClosed {
            self.pendingRead = true
        } else {
            context.read()
        }
    }

    /// Closes or opens the gate; opening it issues the read it held, if any.
    mutating func setClosed(_ closed: Bool, context: ChannelHandlerContext?) {
        guard self.isClosed != closed else { return }
        self.isClosed = closed
        if !closed, self.pendingRead, let context {
            self.pendingRead = false
            context.read()
        }
    }
}
