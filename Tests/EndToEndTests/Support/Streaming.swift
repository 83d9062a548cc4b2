/// Large uploads and downloads through any HTTP endpoint that speaks the demo app's `/upload` and `/download`.
enum Streaming {
    /// The peak resident memory allowed to a process that streams bodies: 100 MB.
    static let memoryLimit = 100_000_000

    struct Result {
        var bytes: Int
        var upload: Duration
        var download: Duration

        var summary: String {
            "\(bytes >> 20) MiB up in \(Self.describe(upload)) (\(Self.rate(bytes, upload))), "
                + "down in \(Self.describe(download)) (\(Self.rate(bytes, download)))"
        }

        private static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }

        private static func describe(_ duration: Duration) -> String {
            let value = seconds(duration)
            return "\((value * 100).rounded() / 100) s"
        }

        private static func rate(_ bytes: Int, _ duration: Duration) -> String {
            let value = Double(bytes) / 1_048_576 / max(seconds(duration), 0.000_001)
            return "\(value.rounded()) MiB/s"
        }
    }

    /// Uploads `bytes` with `Content-Length` to `/upload` and downloads `bytes` from `/download`, checking the
    /// counts on both sides and sampling the downloaded pattern. Throws on any mismatch.
    static func roundTrip(port: Int, bytes: Int) throws -> Result {
        let client = HTTPTestClient(port: port, usesCookies: false, timeout: .seconds(60))
        let clock = ContinuousClock()

        let uploadStart = clock.now
        let upload = try client.request("POST", "/upload", body: .generated(count: bytes, chunked: false))
        let uploadTime = clock.now - uploadStart
        guard upload.status == 200, upload.text == "bytes=\(bytes)\n" else {
            throw TestFailure("upload of \(bytes) bytes answered \(upload.status): \(upload.text)")
        }

        let downloadStart = clock.now
        var received = 0
        var firstMismatch: Int?
        let download = try client.request("GET", "/download?bytes=\(bytes)") { piece in
            // Check the first and last byte of every piece: cheap, and catches lost, repeated or shifted data.
            if firstMismatch == nil, let first = piece.first, let last = piece.last {
                if first != BytePattern.byte(at: received) {
                    firstMismatch = received
                } else if last != BytePattern.byte(at: received + piece.count - 1) {
                    firstMismatch = received + piece.count - 1
                }
            }
            received += piece.count
        }
        let downloadTime = clock.now - downloadStart
        guard download.status == 200 else { throw TestFailure("download answered \(download.status)") }
        guard received == bytes else { throw TestFailure("downloaded \(received) bytes, expected \(bytes)") }
        if let firstMismatch { throw TestFailure("download differs from the pattern at byte \(firstMismatch)") }
        return Result(bytes: bytes, upload: uploadTime, download: downloadTime)
    }
}
