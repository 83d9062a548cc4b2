import NIOCore
import NIOHTTP1

extension DemoHTTPHandler {
    /// One slice of the download pattern: byte `i` of a download is `i % 251`, and this chunk is a whole number of
    /// periods long, so it can be sent again and again. Shared by every download; slices of it are never copied.
    static let downloadChunk: ByteBuffer = {
        var buffer = ByteBufferAllocator().buffer(capacity: 251 * 256)
        for index in 0..<(251 * 256) {
            buffer.writeInteger(UInt8(index % 251))
        }
        return buffer
    }()

    /// `GET /download?bytes=N`: N bytes with `Content-Length`, written only while the channel is writable.
    func startDownload(context: ChannelHandlerContext, request: Request, headers: HTTPHeaders) {
        guard let bytes = request.target.integer("bytes"), bytes >= 0 else {
            self.badRequest(context: context, request: request, headers: headers, "bytes must be a number >= 0")
            return
        }
        var headers = headers
        headers.add(name: "Content-Type", value: "application/octet-stream")
        headers.add(name: "Content-Length", value: String(bytes))
        self.writeHead(context: context, request: request, status: .ok, headers: headers)
        let remaining = request.head.method == .HEAD ? 0 : bytes
        self.download = Download(remaining: remaining, keepAlive: request.keepAlive)
        self.pumpDownload(context: context)
    }

    /// Writes download chunks until the channel stops being writable; `channelWritabilityChanged` resumes it.
    ///
    /// A flush can drain the socket at once and report writability again from inside `flush()`: that re-entrant
    /// call only asks the running loop to go round once more, so the stack never grows with the download.
    func pumpDownload(context: ChannelHandlerContext) {
        guard !self.isPumping else {
            self.pumpAgain = true
            return
        }
        self.isPumping = true
        defer { self.isPumping = false }

        let chunk = Self.downloadChunk
        repeat {
            self.pumpAgain = false
            guard var download = self.download else { return }
            while download.remaining > 0, context.channel.isWritable {
                let length = min(download.remaining, chunk.readableBytes)
                let slice = chunk.getSlice(at: chunk.readerIndex, length: length)!
                download.remaining -= length
                context.write(DemoHTTPHandler.wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
            }
            if download.remaining == 0 {
                self.download = nil
                self.finishResponse(context: context, keepAlive: download.keepAlive)
                return
            }
            self.download = download
            context.flush()
        } while self.pumpAgain
    }
}
