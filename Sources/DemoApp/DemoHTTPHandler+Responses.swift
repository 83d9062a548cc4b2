import NIOCore
import NIOHTTP1

extension DemoHTTPHandler {
    /// Headers every response carries: `X-Backend` and any `Set-Cookie`.
    func baseHeaders(setCookie: String? = nil) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "X-Backend", value: self.backendName)
        if let setCookie {
            headers.add(name: "Set-Cookie", value: setCookie)
        }
        return headers
    }

    /// Writes a complete text response and, unless the connection is kept alive, closes it afterwards.
    func sendText(
        context: ChannelHandlerContext,
        request: Request,
        status: HTTPResponseStatus = .ok,
        headers: HTTPHeaders,
        body: String
    ) {
        var headers = headers
        let mayHaveBody = status != .noContent && status != .notModified
        if mayHaveBody {
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
        }
        self.writeHead(context: context, request: request, status: status, headers: headers)
        if mayHaveBody, request.head.method != .HEAD {
            let buffer = context.channel.allocator.buffer(string: body)
            context.write(DemoHTTPHandler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        self.finishResponse(context: context, keepAlive: request.keepAlive)
    }

    /// Writes a response head, adding the connection header the request's keep-alive state calls for.
    func writeHead(context: ChannelHandlerContext, request: Request, status: HTTPResponseStatus, headers: HTTPHeaders) {
        var headers = headers
        if !request.keepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request.head.version.minor == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(DemoHTTPHandler.wrapOutboundOut(.head(head)), promise: nil)
    }

    /// Ends the response; the next request may come, or the connection closes.
    func finishResponse(context: ChannelHandlerContext, keepAlive: Bool) {
        self.state = .idle
        let written = context.writeAndFlush(DemoHTTPHandler.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
