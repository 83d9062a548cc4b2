/// The exchange every WebSocket test runs: text, binary, a fragmented message, a ping, a 1 MiB frame, and a clean
/// close. Throws on the first difference.
enum WebSocketConversation {
    static func run(_ socket: WebSocketTestClient) throws {
        func expectEcho(_ opcode: UInt8, _ payload: [UInt8], _ what: String) throws {
            let message = try socket.receiveMessage()
            guard message.opcode == opcode else {
                throw TestFailure("\(what): got opcode \(message.opcode), expected \(opcode)")
            }
            guard message.payload == payload else {
                throw TestFailure(
                    "\(what): echo of \(message.payload.count) bytes differs from the \(payload.count) sent"
                )
            }
        }

        for text in ["hello", "", "ünïcødé ✓ 🚀"] {
            try socket.sendText(text)
            try expectEcho(WebSocketTestClient.text, Array(text.utf8), "text \(text.debugDescription)")
        }

        let small: [UInt8] = [0, 1, 2, 0xFE, 0xFF]
        try socket.sendBinary(small)
        try expectEcho(WebSocketTestClient.binary, small, "small binary")

        let medium = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try socket.sendBinary(medium)
        try expectEcho(WebSocketTestClient.binary, medium, "64 KiB+ binary")

        // 1 MiB + 3 bytes: needs the 64-bit length form.
        let large = (0..<((1 << 20) + 3)).map { UInt8(truncatingIfNeeded: $0 % 253) }
        try socket.sendBinary(large)
        try expectEcho(WebSocketTestClient.binary, large, "1 MiB binary")

        try socket.send(opcode: WebSocketTestClient.text, Array("frag".utf8), fin: false)
        try socket.send(opcode: WebSocketTestClient.continuation, Array("men".utf8), fin: false)
        try socket.send(opcode: WebSocketTestClient.continuation, Array("ted".utf8), fin: true)
        try expectEcho(WebSocketTestClient.text, Array("fragmented".utf8), "fragmented text")

        try socket.send(opcode: WebSocketTestClient.ping, Array("are you there".utf8))
        let pong = try socket.receiveMessage(returnPongs: true)
        guard pong.opcode == WebSocketTestClient.pong, pong.payload == Array("are you there".utf8) else {
            throw TestFailure("ping answered with opcode \(pong.opcode)")
        }

        try socket.sendClose(code: 1000)
        let close = try socket.receiveMessage()
        guard close.opcode == WebSocketTestClient.close, close.payload.prefix(2) == [0x03, 0xE8] else {
            throw TestFailure("close answered with opcode \(close.opcode), payload \(close.payload)")
        }
        guard try socket.waitForServerClose() else {
            throw TestFailure("data after the close frame")
        }
        socket.close()
    }
}
