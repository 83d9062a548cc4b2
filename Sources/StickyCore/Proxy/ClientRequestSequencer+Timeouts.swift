import NIOCore
import NIOHTTP1

// MARK: - Timeouts: one timer per connection, armed for the earliest deadline and re-armed lazily

extension ClientRequestSequencer {
    /// Makes sure a check runs at `due` (or earlier). A later deadline than the one armed waits for that check,
    /// which re-arms the timer: a busy keep-alive connection does not schedule a timer for every request.
    func scheduleCheck(at due: NIODeadline?, context: ChannelHandlerContext) {
        guard let due else { return }
        if let checkDue, checkDue <= due { return }
        self.check?.cancel()
        self.checkDue = due
        self.check = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            self.check = nil
            self.checkDue = nil
            self.runCheck(context: context)
        }
    }

    func cancelCheck() {
        self.check?.cancel()
        self.check = nil
        self.checkDue = nil
    }

    private func runCheck(context: ChannelHandlerContext) {
        switch self.timeouts.check(at: .now()) {
        case .checkAgain(let due):
            self.scheduleCheck(at: due, context: context)
        case .timedOut(let kind):
            self.timeOut(kind, context: context)
        }
    }

    private func timeOut(_ kind: ClientReadTimeouts.Kind, context: ChannelHandlerContext) {
        guard !self.timedOut else { return }
        self.timedOut = true
        if kind == .idle {
            self.logger.trace("idle keep-alive connection: closing")
            context.close(promise: nil)
            return
        }
        self.logger.debug(
            "client too slow: closing",
            metadata: ["timeout": "\(kind == .head ? "head" : "body")", "response.started": "\(self.responseStarted)"]
        )
        guard !self.responseStarted else {
            context.close(promise: nil)
            return
        }
        let answer = ProxyAnswer.bytes(.requestTimeout, keepAlive: false, allocator: context.channel.allocator)
        let channel = context.channel
        context.writeAndFlush(ClientRequestSequencer.wrapOutboundOut(answer)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
