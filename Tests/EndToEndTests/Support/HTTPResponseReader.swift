/// Reads HTTP/1.1 responses from a `BufferedSocket`: status line and headers, then a body framed by
/// `Content-Length`, chunked encoding, or the end of the connection.
enum HTTPResponseReader {
    /// Reads a response head, skipping interim 1xx responses other than 101 (each handed to `interim`, if given).
    /// Returns `nil` if the connection ended before the first byte.
    static func readHead(
        from connection: BufferedSocket,
        interim: ((HTTPTestResponse) -> Void)? = nil
    ) throws -> HTTPTestResponse? {
        while true {
            guard let statusLine = try connection.readLine() else { return nil }
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
                throw TestFailure("bad status line: \(statusLine.debugDescription)")
            }
            var headers: [(name: String, value: String)] = []
            while true {
                guard let line = try connection.readLine() else {
                    throw TestFailure("connection closed inside the response head")
                }
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else {
                    throw TestFailure("bad header line: \(line.debugDescription)")
                }
                let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                headers.append((String(line[..<colon]), String(value)))
            }
            let response = HTTPTestResponse(
                version: String(parts[0]),
                status: status,
                reason: parts.count > 2 ? String(parts[2]) : "",
                headers: headers
            )
            if (100..<200).contains(status), status != 101 {
                interim?(response)
                continue
            }
            return response
        }
    }

    /// Whether a response to `method` with this head has a body at all.
    static func hasBody(_ response: HTTPTestResponse, method: String) -> Bool {
        !(method == "HEAD" || (100..<200).contains(response.status) || response.status == 204
            || response.status == 304)
    }

    /// Reads the body of `response`, keeping it in `response.body` or handing it to `sink`.
    /// Returns whether the connection can carry another request.
    static func readBody(
        of response: inout HTTPTestResponse,
        method: String,
        from connection: BufferedSocket,
        sink: ((UnsafeRawBufferPointer) throws -> Void)?
    ) throws -> Bool {
        var reusable = Self.isKeepAlive(response)
        guard Self.hasBody(response, method: method) else { return reusable }

        var body: [UInt8] = []
        var count = 0
        let collect: (UnsafeRawBufferPointer) throws -> Void = { bytes in
            count += bytes.count
            if let sink {
                try sink(bytes)
            } else {
                body.append(contentsOf: bytes)
            }
        }

        let transferEncoding = response.headers(named: "Transfer-Encoding").joined(separator: ",").lowercased()
        if transferEncoding.contains("chunked") {
            response.wasChunked = true
            while true {
                guard let sizeLine = try connection.readLine() else {
                    throw TestFailure("connection closed before the last chunk")
                }
                let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(), radix: 16), size >= 0 else {
                    throw TestFailure("bad chunk size line: \(sizeLine.debugDescription)")
                }
                if size == 0 {
                    // Trailers, up to the empty line.
                    while let line = try connection.readLine(), !line.isEmpty {
                        let colon = line.firstIndex(of: ":") ?? line.endIndex
                        let value = line[colon...].dropFirst().drop { $0 == " " || $0 == "\t" }
                        response.trailers.append((String(line[..<colon]), String(value)))
                    }
                    break
                }
                try connection.stream(size, to: collect)
                guard try connection.readLine() == "" else { throw TestFailure("chunk not followed by CRLF") }
            }
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw TestFailure("bad Content-Length: \(lengthText)")
            }
            try connection.stream(length, to: collect)
        } else {
            try connection.streamToEnd(collect)
            reusable = false
        }
        response.body = body
        response.bodyCount = count
        return reusable
    }

    /// Whether the server keeps the connection open after this response.
    static func isKeepAlive(_ response: HTTPTestResponse) -> Bool {
        let tokens = response.headers(named: "Connection").flatMap { $0.lowercased().split(separator: ",") }
            .map { $0.trimmingCharacters() }
        if tokens.contains("close") { return false }
        if response.version == "HTTP/1.0" { return tokens.contains("keep-alive") }
        return true
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var result = Substring(self)
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return String(result)
    }
}
