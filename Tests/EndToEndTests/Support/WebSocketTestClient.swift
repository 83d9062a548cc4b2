import Crypto
import Foundation

/// A minimal WebSocket client (RFC 6455) over a blocking socket: the opening handshake, masked frames out,
/// unmasked frames in.
final class WebSocketTestClient {
    /// One frame as received.
    struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
    }

    static let text: UInt8 = 0x1
    static let binary: UInt8 = 0x2
    static let continuation: UInt8 = 0x0
    static let close: UInt8 = 0x8
    static let ping: UInt8 = 0x9
    static let pong: UInt8 = 0xA

    private let connection: BufferedSocket
    /// The `101 Switching Protocols` response.
    let handshake: HTTPTestResponse

    /// Opens a new connection to `host:port` and upgrades it on `path`.
    convenience init(
        host: String = "127.0.0.1",
        port: Int,
        path: String = "/ws",
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) throws {
        let socket = try TCPSocket(host: host, port: port, timeout: timeout)
        try self.init(upgrading: BufferedSocket(socket), host: "\(host):\(port)", path: path, headers: headers)
    }

    /// Upgrades an open HTTP/1.1 connection (which may already have carried requests) on `path`.
    init(
        upgrading connection: BufferedSocket,
        host: String,
        path: String = "/ws",
        headers: [(String, String)] = []
    ) throws {
        self.connection = connection
        var generator = SystemRandomNumberGenerator()
        let keyBytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = Data(keyBytes).base64EncodedString()
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers {
            request += "\(name): \(value)\r\n"
        }
        request += "\r\n"
        try connection.send(request)

        guard var response = try HTTPResponseReader.readHead(from: connection) else {
            throw TestFailure("the server closed the connection instead of answering the WebSocket handshake")
        }
        guard response.status == 101 else {
            _ = try? HTTPResponseReader.readBody(of: &response, method: "GET", from: connection, sink: nil)
            throw TestFailure("WebSocket handshake answered \(response.status): \(response.text)")
        }
        let expectedAccept = Data(Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
            .base64EncodedString()
        guard response.header("Sec-WebSocket-Accept") == expectedAccept else {
            throw TestFailure(
                "Sec-WebSocket-Accept is \(response.header("Sec-WebSocket-Accept") ?? "missing"), "
                    + "expected \(expectedAccept)"
            )
        }
        guard response.header("Upgrade")?.lowercased() == "websocket" else {
            throw TestFailure("101 without Upgrade: websocket")
        }
        self.handshake = response
    }

    /// Sends one masked frame.
    func send(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) throws {
        var header: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            header.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            header.append(0x80 | 126)
            header.append(UInt8(payload.count >> 8))
            header.append(UInt8(payload.count & 0xFF))
        } else {
            header.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                header.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64(shift)))
            }
        }
        var generator = SystemRandomNumberGenerator()
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        header.append(contentsOf: mask)

        var masked = payload
        masked.withUnsafeMutableBufferPointer { bytes in
            for index in bytes.indices {
                bytes[index] ^= mask[index & 3]
            }
        }
        try self.connection.send(header + masked)
    }

    func sendText(_ text: String) throws {
        try self.send(opcode: Self.text, Array(text.utf8))
    }

    func sendBinary(_ bytes: [UInt8]) throws {
        try self.send(opcode: Self.binary, bytes)
    }

    /// Sends a close frame with `code`.
    func sendClose(code: UInt16 = 1000) throws {
        try self.send(opcode: Self.close, [UInt8(code >> 8), UInt8(code & 0xFF)])
    }

    /// Receives one frame; the server must not mask it.
    func receiveFrame(maxPayload: Int = 64 * 1024 * 1024) throws -> Frame {
        let head = try self.connection.readExactly(2)
        guard head[1] & 0x80 == 0 else { throw TestFailure("the server sent a masked frame") }
        guard head[0] & 0x70 == 0 else { throw TestFailure("the server set reserved bits: \(head[0])") }
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let extended = try self.connection.readExactly(2)
            length = Int(extended[0]) << 8 | Int(extended[1])
        } else if length == 127 {
            let extended = try self.connection.readExactly(8)
            length = extended.reduce(0) { $0 << 8 | Int($1) }
        }
        guard length <= maxPayload else { throw TestFailure("frame of \(length) bytes") }
        return Frame(fin: head[0] & 0x80 != 0, opcode: head[0] & 0x0F, payload: try self.connection.readExactly(length))
    }

    /// Receives one whole message (joining continuation frames), skipping pongs unless `returnPongs`.
    func receiveMessage(returnPongs: Bool = false) throws -> (opcode: UInt8, payload: [UInt8]) {
        var first: Frame?
        var payload: [UInt8] = []
        while true {
            let frame = try self.receiveFrame()
            switch frame.opcode {
            case Self.pong where !returnPongs:
                continue
            case Self.close, Self.ping, Self.pong:
                return (frame.opcode, frame.payload)
            case Self.continuation:
                guard first != nil else { throw TestFailure("continuation frame without a first frame") }
                payload += frame.payload
            default:
                guard first == nil else { throw TestFailure("new message inside a fragmented one") }
                first = frame
                payload = frame.payload
            }
            if frame.fin, let first {
                return (first.opcode, payload)
            }
        }
    }

    /// Waits for the server to close the TCP connection; returns whether it did without sending more data.
    func waitForServerClose() throws -> Bool {
        try self.connection.atEndOfStream()
    }

    func close() {
        self.connection.close()
    }
}
