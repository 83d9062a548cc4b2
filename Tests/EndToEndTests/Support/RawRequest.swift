import Foundation

/// Bytes sent to a server exactly as given, and what came back: for requests no well-behaved client would send.
enum RawRequest {
    struct Answer {
        /// The response, or `nil` when the connection closed without one.
        var response: HTTPTestResponse?
        var status: Int? { self.response?.status }
    }

    /// Sends `bytes` (a send the server cuts short is not an error: it may answer and close before reading all)
    /// and reads one response. `connection` is left open for more.
    static func send(_ bytes: [UInt8], on connection: BufferedSocket) throws -> Answer {
        try? connection.send(bytes)
        guard var response = try HTTPResponseReader.readHead(from: connection) else { return Answer(response: nil) }
        _ = try HTTPResponseReader.readBody(of: &response, method: "GET", from: connection, sink: nil)
        return Answer(response: response)
    }

    /// Sends `text` on a new connection to `port`; returns the answer and the connection.
    static func send(_ text: String, to port: Int) throws -> (Answer, BufferedSocket) {
        let connection = BufferedSocket(try TCPSocket(port: port, timeout: .seconds(20)))
        return (try self.send(Array(text.utf8), on: connection), connection)
    }
}
