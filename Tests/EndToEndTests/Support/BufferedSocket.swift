/// A `TCPSocket` with a read buffer: lines for HTTP heads, exact byte counts for bodies and frames, and bodies
/// streamed to a sink without being kept.
final class BufferedSocket {
    let socket: TCPSocket
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// Total bytes received from the socket.
    private(set) var bytesReceived = 0

    init(_ socket: TCPSocket, capacity: Int = 256 * 1024) {
        self.socket = socket
        self.buffer = [UInt8](repeating: 0, count: capacity)
    }

    var bufferedCount: Int { self.end - self.start }

    /// Reads more bytes into the buffer; returns false at end of stream.
    private func fill() throws -> Bool {
        if self.start == self.end {
            self.start = 0
            self.end = 0
        } else if self.end == self.buffer.count {
            if self.start > 0 {
                self.buffer.withUnsafeMutableBufferPointer { pointer in
                    let base = pointer.baseAddress!
                    (base).update(from: base + self.start, count: self.end - self.start)
                }
                self.end -= self.start
                self.start = 0
            } else {
                self.buffer.append(contentsOf: [UInt8](repeating: 0, count: self.buffer.count))
            }
        }
        let received = try self.buffer.withUnsafeMutableBytes { pointer in
            try self.socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: pointer[self.end...]))
        }
        self.end += received
        self.bytesReceived += received
        return received > 0
    }

    /// Whether the peer has closed, with nothing left to read; waits for data or end of stream.
    func atEndOfStream() throws -> Bool {
        if self.bufferedCount > 0 { return false }
        return try !self.fill()
    }

    /// A line without its CRLF (or bare LF); `nil` at end of stream before any byte of the line.
    func readLine(limit: Int = 64 * 1024) throws -> String? {
        var searchFrom = self.start
        while true {
            if let newline = self.buffer[searchFrom..<self.end].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = newline
                if lineEnd > self.start, self.buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = String(decoding: self.buffer[self.start..<lineEnd], as: UTF8.self)
                self.start = newline + 1
                return line
            }
            guard self.bufferedCount < limit else { throw TestFailure("line longer than \(limit) bytes") }
            let consumedBeforeFill = self.end - self.start
            guard try self.fill() else {
                if self.bufferedCount == 0 { return nil }
                throw TestFailure("connection closed in the middle of a line")
            }
            searchFrom = self.start + consumedBeforeFill
        }
    }

    /// Exactly `count` bytes.
    func readExactly(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        try self.stream(count) { result.append(contentsOf: $0) }
        return result
    }

    /// Hands exactly `count` bytes to `sink`, in pieces, without keeping them.
    func stream(_ count: Int, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var remaining = count
        while remaining > 0 {
            if self.bufferedCount == 0 {
                guard try self.fill() else {
                    throw TestFailure("connection closed with \(remaining) of \(count) bytes still to come")
                }
            }
            let take = min(remaining, self.bufferedCount)
            try self.buffer.withUnsafeBytes { pointer in
                try sink(UnsafeRawBufferPointer(rebasing: pointer[self.start..<(self.start + take)]))
            }
            self.start += take
            remaining -= take
        }
    }

    /// Hands everything up to end of stream to `sink`; returns how many bytes that was.
    @discardableResult
    func streamToEnd(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var total = 0
        while true {
            if self.bufferedCount == 0 {
                guard try self.fill() else { return total }
            }
            let take = self.bufferedCount
            try self.buffer.withUnsafeBytes { pointer in
                try sink(UnsafeRawBufferPointer(rebasing: pointer[self.start..<self.end]))
            }
            self.start += take
            total += take
        }
    }

    func send(_ bytes: [UInt8]) throws { try self.socket.send(bytes) }
    func send(_ text: String) throws { try self.socket.send(text) }
    func send(_ bytes: UnsafeRawBufferPointer) throws { try self.socket.send(bytes) }
    func close() { self.socket.close() }
}
