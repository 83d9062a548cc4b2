import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking text-protocol connection to one memcached server, for looking behind the store's back:
/// `stats`, `mg` with the remaining TTL, and writing values the store never would.
struct MemcachedTextClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let host: String
    let port: Int

    /// `stats` or `stats ARG` as a dictionary.
    func stats(_ argument: String = "") throws -> [String: String] {
        let response = try self.exchange(argument.isEmpty ? "stats" : "stats \(argument)") {
            $0.hasSuffix("END\r\n")
        }
        var values: [String: String] = [:]
        for line in response.split(separator: "\r\n") where line.hasPrefix("STAT ") {
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count == 3 { values[String(parts[1])] = String(parts[2]) }
        }
        return values
    }

    func currentItems() throws -> Int {
        Int(try self.stats()["curr_items"] ?? "") ?? -1
    }

    /// The value under `key` and its remaining TTL in seconds (-1: none), or `nil` if absent.
    func metaGet(_ key: String) throws -> (value: String, ttl: Int)? {
        let response = try self.exchange("mg \(key) v t") { text in
            if text.hasPrefix("EN\r\n") { return true }
            guard let headerEnd = text.range(of: "\r\n") else { return false }
            let header = text[..<headerEnd.lowerBound].split(separator: " ")
            guard header.count >= 2, let length = Int(header[1]) else { return true }
            return text.utf8.count >= text[..<headerEnd.upperBound].utf8.count + length + 2
        }
        guard response.hasPrefix("VA ") else {
            if response.hasPrefix("EN") { return nil }
            throw Failure(description: "unexpected mg response \(response.debugDescription)")
        }
        let lines = response.split(separator: "\r\n", omittingEmptySubsequences: false)
        let header = lines[0].split(separator: " ")
        let ttl = header.first { $0.hasPrefix("t") }.flatMap { Int($0.dropFirst()) } ?? -2
        return (String(lines[1]), ttl)
    }

    /// Stores `value` (possibly empty) under `key` with the text protocol.
    func set(_ key: String, value: String, expiry: Int) throws {
        let response = try self.exchange("set \(key) 0 \(expiry) \(value.utf8.count)\r\n\(value)") {
            $0.hasSuffix("\r\n")
        }
        guard response == "STORED\r\n" else {
            throw Failure(description: "set answered \(response.debugDescription)")
        }
    }

    /// Sends `command` + CRLF and reads until `isComplete` says the response is whole.
    private func exchange(_ command: String, isComplete: (String) -> Bool) throws -> String {
        let address = try SocketAddress.makeAddressResolvingHost(self.host, port: self.port)
        let fd = socket(Int32(address.protocol.rawValue), Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = address.withSockAddr { connect(fd, $0, socklen_t($1)) }
        guard connected == 0 else { throw Failure(description: "cannot connect to \(self.host):\(self.port)") }

        let bytes = Array((command + "\r\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !isComplete(String(decoding: received, as: UTF8.self)) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                throw Failure(description: "connection closed after \(received.count) bytes")
            }
            received += buffer[..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
