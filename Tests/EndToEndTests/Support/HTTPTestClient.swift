/// A small HTTP/1.1 client for the end-to-end tests: one keep-alive connection at a time (reopened when the server
/// closes it), an optional cookie jar, bodies sent and received as streams when they are large.
final class HTTPTestClient {
    let host: String
    let port: Int
    let timeout: Duration
    /// Cookies sent with every request and updated from every response, unless `usesCookies` is false.
    var cookies = CookieJar()
    let usesCookies: Bool
    /// How many TCP connections this client has opened.
    private(set) var connectionsOpened = 0
    private var connection: BufferedSocket?
    private var requestsOnConnection = 0

    init(host: String = "127.0.0.1", port: Int, usesCookies: Bool = true, timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.usesCookies = usesCookies
        self.timeout = timeout
    }

    /// How a request body is sent.
    enum Body {
        case none
        case bytes([UInt8])
        /// `count` bytes of the pattern `i % 251`, generated on the fly, with `Content-Length` or chunked.
        case generated(count: Int, chunked: Bool)
    }

    func get(_ target: String, headers: [(String, String)] = []) throws -> HTTPTestResponse {
        try self.request("GET", target, headers: headers)
    }

    /// Sends a request and reads the whole response (the body is kept unless `sink` takes it).
    func request(
        _ method: String,
        _ target: String,
        headers: [(String, String)] = [],
        body: Body = .none,
        sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws -> HTTPTestResponse {
        let reused = self.connection != nil
        do {
            return try self.attempt(method, target, headers: headers, body: body, sink: sink)
        } catch let error as StaleConnection where reused {
            // The server closed an idle keep-alive connection just as it was reused: what a browser retries.
            _ = error
            return try self.attempt(method, target, headers: headers, body: body, sink: sink)
        }
    }

    /// Opens the current connection now if there is none (to measure connection reuse, for example).
    func connect() throws {
        _ = try self.currentConnection()
    }

    /// Closes the connection; the next request opens a new one.
    func close() {
        self.connection?.close()
        self.connection = nil
    }

    /// Gives up the current connection (for a WebSocket upgrade over it, say).
    func takeConnection() throws -> BufferedSocket {
        let connection = try self.currentConnection()
        self.connection = nil
        return connection
    }

    private struct StaleConnection: Error {}

    private func currentConnection() throws -> BufferedSocket {
        if let connection = self.connection { return connection }
        let socket = try TCPSocket(host: self.host, port: self.port, timeout: self.timeout)
        let connection = BufferedSocket(socket)
        self.connection = connection
        self.connectionsOpened += 1
        self.requestsOnConnection = 0
        return connection
    }

    private func attempt(
        _ method: String,
        _ target: String,
        headers: [(String, String)],
        body: Body,
        sink: ((UnsafeRawBufferPointer) throws -> Void)?
    ) throws -> HTTPTestResponse {
        let connection = try self.currentConnection()
        let isFirstOnConnection = self.requestsOnConnection == 0
        self.requestsOnConnection += 1

        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(self.host):\(self.port)\r\n"
        let callerSetsCookie = headers.contains { $0.0.lowercased() == "cookie" }
        if self.usesCookies, !callerSetsCookie, let cookieHeader = self.cookies.cookieHeader {
            head += "Cookie: \(cookieHeader)\r\n"
        }
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        switch body {
        case .none:
            if method == "POST" || method == "PUT" { head += "Content-Length: 0\r\n" }
        case .bytes(let bytes):
            head += "Content-Length: \(bytes.count)\r\n"
        case .generated(let count, let chunked):
            head += chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(count)\r\n"
        }
        head += "\r\n"

        do {
            try connection.send(head)
            try self.sendBody(body, on: connection)
        } catch {
            self.close()
            if !isFirstOnConnection, case .none = body { throw StaleConnection() }
            throw error
        }

        guard var response = try HTTPResponseReader.readHead(from: connection) else {
            self.close()
            if !isFirstOnConnection { throw StaleConnection() }
            throw TestFailure("\(method) \(target): the server closed the connection without answering")
        }
        let reusable: Bool
        do {
            reusable = try HTTPResponseReader.readBody(of: &response, method: method, from: connection, sink: sink)
        } catch {
            self.close()
            throw TestFailure("\(method) \(target) → \(response.status): reading the body failed: \(error)")
        }
        if !reusable || response.status == 101 {
            self.close()
        }
        if self.usesCookies {
            self.cookies.update(from: response)
        }
        return response
    }

    private func sendBody(_ body: Body, on connection: BufferedSocket) throws {
        switch body {
        case .none:
            break
        case .bytes(let bytes):
            try connection.send(bytes)
        case .generated(let count, let chunked):
            let pattern = BytePattern.chunk
            var remaining = count
            while remaining > 0 {
                // Keep the pattern continuous across pieces: each piece starts at a multiple of its period.
                let length = min(remaining, pattern.count)
                if chunked {
                    try connection.send(String(length, radix: 16) + "\r\n")
                }
                try pattern.withUnsafeBytes { try connection.send(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
                if chunked {
                    try connection.send("\r\n")
                }
                remaining -= length
            }
            if chunked {
                try connection.send("0\r\n\r\n")
            }
        }
    }
}
