// nio-bytes-sticky-proxy: a measurement prototype. HTTP/1 framed by hand on raw ByteBuffers, with sticky sessions.
//
//   nio-bytes-sticky-proxy LISTEN BACKEND1 BACKEND2 BACKEND3      (host:port each)
//
// One ChannelInboundHandler (InboundIn = ByteBuffer) per side, nothing else in either pipeline:
// - ClientHandler (client connection): buffers bytes until "\r\n\r\n", scans the request head on the raw bytes
//   (JSESSIONID in Cookie, Content-Length, Transfer-Encoding, Connection), picks the backend (per-loop dictionary
//   SHA-256(session ID) -> backend index; unknown/absent: round robin), copies the head into one outgoing buffer
//   without the hop-by-hop headers plus X-Forwarded-For/-Proto, and sends it on a pooled upstream connection.
//   One request at a time: bytes of the next request stay buffered until the response is complete.
// - UpstreamHandler (backend connection): scans the response head (status, Content-Length, chunked, Connection,
//   Set-Cookie JSESSIONID -> learn before forwarding), forwards head and body bytes, tracks the end of the body
//   (length, chunked framing, or close), then goes back to its loop's idle pool.
// Per event loop (LoopState, touched only on that loop): the session dictionary, the round-robin counter and one idle
// pool per backend. TCP_NODELAY everywhere.
import Crypto
import NIOCore
import NIOPosix

final class LoopState: @unchecked Sendable {  // only ever used on its own event loop
    let eventLoop: any EventLoop
    let backends: [SocketAddress]
    var sessions: [SHA256.Digest: Int] = [:]
    var idle: [[UpstreamHandler]]
    var next = 0
    var peers: [LoopState] = []  // the other loops' states
    init(eventLoop: any EventLoop, backends: [SocketAddress]) {
        self.eventLoop = eventLoop
        self.backends = backends
        idle = Array(repeating: [], count: backends.count)
    }

    /// Learns a session here at once and on the other loops asynchronously (a client may come back on another
    /// loop; lookups stay lock-free, and learning is rare).
    func learn(_ key: SHA256.Digest, _ backend: Int) {
        sessions[key] = backend
        for peer in peers { peer.eventLoop.execute { peer.sessions[key] = backend } }
    }
}

// MARK: byte helpers

typealias Bytes = UnsafeRawBufferPointer

/// The offset of "\r\n\r\n" in `p` at or after `from`, or nil.
@inline(__always) func findHeadEnd(_ p: Bytes, from: Int) -> Int? {
    var i = max(0, from - 3)
    while i + 3 < p.count {
        if p[i + 3] != 10 { i += 1; continue }  // quick reject on the last byte
        if p[i] == 13 && p[i + 1] == 10 && p[i + 2] == 13 { return i }
        i += 1
    }
    return nil
}

/// ASCII case-insensitive equality of p[start..<start+len] with a lowercase literal.
@inline(__always) func nameIs(_ p: Bytes, _ start: Int, _ len: Int, _ lit: StaticString) -> Bool {
    guard len == lit.utf8CodeUnitCount else { return false }
    let l = lit.utf8Start
    for k in 0..<len where p[start + k] | 0x20 != l[k] { return false }
    return true
}

/// Whether the comma-separated value p[start..<end] contains the token `lit` (lowercase), case-insensitively.
func hasToken(_ p: Bytes, _ start: Int, _ end: Int, _ lit: StaticString) -> Bool {
    var i = start
    while i < end {
        while i < end && (p[i] == 32 || p[i] == 9 || p[i] == 44) { i += 1 }
        var j = i
        while j < end && p[j] != 44 { j += 1 }
        var e = j
        while e > i && (p[e - 1] == 32 || p[e - 1] == 9) { e -= 1 }
        if nameIs(p, i, e - i, lit) { return true }
        i = j
    }
    return false
}

/// Decimal value of p[start..<end] (whitespace trimmed), nil if not all digits.
func decimal(_ p: Bytes, _ start: Int, _ end: Int) -> Int? {
    var v = 0, n = 0
    for i in start..<end {
        let b = p[i]
        if b >= 48 && b <= 57 { v = v &* 10 &+ Int(b - 48); n += 1; if n > 15 { return nil } }
        else if b != 32 && b != 9 { return nil }
    }
    return n > 0 ? v : nil
}

/// The range of the JSESSIONID value in a Cookie (or Set-Cookie, `first` = true: only the first pair) value.
func jsessionID(_ p: Bytes, _ start: Int, _ end: Int, first: Bool) -> Range<Int>? {
    var i = start
    while i < end {
        while i < end && (p[i] == 32 || p[i] == 9 || p[i] == 59) { i += 1 }
        var j = i
        while j < end && p[j] != 59 { j += 1 }
        if j - i > 11 && p[i + 10] == 61 {  // "JSESSIONID="
            let l: StaticString = "JSESSIONID"
            var equal = true
            for k in 0..<10 where p[i + k] != l.utf8Start[k] { equal = false; break }
            if equal {
                var e = j
                while e > i + 11 && (p[e - 1] == 32 || p[e - 1] == 9) { e -= 1 }
                return (i + 11)..<e
            }
        }
        if first { return nil }
        i = j
    }
    return nil
}

@inline(__always) func digest(_ p: Bytes, _ r: Range<Int>) -> SHA256.Digest {
    var h = SHA256()
    h.update(bufferPointer: Bytes(rebasing: p[r]))
    return h.finalize()
}

/// Hop-by-hop headers (RFC 9110 7.6.1) dropped on both sides (Transfer-Encoding is passed through: bytes are too).
@inline(__always) func isHopByHop(_ p: Bytes, _ s: Int, _ n: Int) -> Bool {
    switch n {
    case 2: return nameIs(p, s, n, "te")
    case 7: return nameIs(p, s, n, "trailer") || nameIs(p, s, n, "upgrade")
    case 10: return nameIs(p, s, n, "connection") || nameIs(p, s, n, "keep-alive")
    case 16: return nameIs(p, s, n, "proxy-connection")
    default: return false
    }
}

let badRequest = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
let badGateway = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

// MARK: client side

final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let loop: LoopState
    var context: ChannelHandlerContext?
    var buffer: ByteBuffer?  // unprocessed client bytes
    var scanned = 0  // bytes of `buffer` already searched for the head's end
    var inFlight = false  // a request is out; its response is not complete yet
    var bodyLeft = 0  // request body bytes still to forward
    var upstream: UpstreamHandler?
    var pendingUpstream: [ByteBuffer] = []  // bytes for an upstream connection still connecting
    var closeAfterResponse = false
    var forwardedTail: [UInt8] = []  // "X-Forwarded-For: <ip>\r\nX-Forwarded-Proto: http\r\n\r\n"

    init(loop: LoopState) { self.loop = loop }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let ip = context.channel.remoteAddress?.ipAddress ?? "unknown"
        forwardedTail = Array("X-Forwarded-For: \(ip)\r\nX-Forwarded-Proto: http\r\n\r\n".utf8)
    }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil { buffer = incoming } else { buffer!.writeBuffer(&incoming) }
        process()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if upstreamUnflushed {
            upstreamUnflushed = false
            upstream?.context?.flush()
        }
        context.fireChannelReadComplete()
    }
    var upstreamUnflushed = false
    var closing = false

    /// Forwards body bytes of the current request, or parses the next request head when none is in flight.
    func process() {
        guard let context, !closing else { return }
        if inFlight {
            if bodyLeft > 0, var buf = buffer, buf.readableBytes > 0 {
                let n = min(bodyLeft, buf.readableBytes)
                let slice = buf.readSlice(length: n)!
                bodyLeft -= n
                buffer = buf.readableBytes > 0 ? buf : nil
                sendUpstream(slice, flush: false)
            }
            return
        }
        guard var buf = buffer else { return }
        enum Outcome { case incomplete, bad, request(ByteBuffer, backend: Int, headLength: Int, body: Int) }
        let outcome: Outcome = buf.withUnsafeReadableBytes { p in
            guard let end = findHeadEnd(p, from: scanned) else {
                scanned = p.count
                return p.count > 65536 ? .bad : .incomplete
            }
            let headLength = end + 4
            var out = context.channel.allocator.buffer(capacity: headLength + forwardedTail.count)
            // request line
            var i = 0
            while i < end && p[i] != 13 { i += 1 }
            guard i > 0 else { return .bad }
            let isHTTP10 = i >= 8 && p[i - 1] == 48 && p[i - 3] == 49  // "HTTP/1.0"
            out.writeBytes(Bytes(rebasing: p[0..<(i + 2)]))
            var contentLength = 0, close = isHTTP10, session: Range<Int>? = nil
            i += 2
            while i < end + 2 {  // one header line per iteration, p[i..<eol]
                var eol = i
                while p[eol] != 13 { eol += 1 }
                var colon = i
                while colon < eol && p[colon] != 58 { colon += 1 }
                guard colon < eol, colon > i else { return .bad }
                let n = colon - i
                var keep = !isHopByHop(p, i, n)
                switch n {
                case 6 where nameIs(p, i, n, "cookie"):
                    if session == nil { session = jsessionID(p, colon + 1, eol, first: false) }
                case 10 where nameIs(p, i, n, "connection"):
                    if hasToken(p, colon + 1, eol, "close") { close = true }
                    if isHTTP10 && hasToken(p, colon + 1, eol, "keep-alive") { close = false }
                    keep = false
                case 14 where nameIs(p, i, n, "content-length"):
                    guard let v = decimal(p, colon + 1, eol) else { return .bad }
                    contentLength = v
                case 17 where nameIs(p, i, n, "transfer-encoding"):
                    return .bad  // prototype: only Content-Length bodies
                default: break
                }
                if keep { out.writeBytes(Bytes(rebasing: p[i..<(eol + 2)])) }
                i = eol + 2
            }
            out.writeBytes(forwardedTail)
            closeAfterResponse = close
            var backend = -1
            if let session, !session.isEmpty, let known = loop.sessions[digest(p, session)] { backend = known }
            if backend < 0 {
                backend = loop.next % loop.backends.count
                loop.next &+= 1
            }
            let isHead = end >= 4 && p[0] == 72 && p[1] == 69 && p[2] == 65 && p[3] == 68 && p[4] == 32
            expectHead = isHead
            return .request(out, backend: backend, headLength: headLength, body: contentLength)
        }
        switch outcome {
        case .incomplete:
            return
        case .bad:
            buffer = nil
            finish(ByteBuffer(string: badRequest))
        case .request(var head, let backend, let headLength, let body):
            buf.moveReaderIndex(forwardBy: headLength)
            scanned = 0
            inFlight = true
            bodyLeft = body
            if body > 0 && buf.readableBytes > 0 {  // body bytes already here go out with the head
                let n = min(body, buf.readableBytes)
                var slice = buf.readSlice(length: n)!
                head.writeBuffer(&slice)
                bodyLeft -= n
            }
            buffer = buf.readableBytes > 0 ? buf : nil
            acquire(backend: backend, context: context)
            sendUpstream(head, flush: true)
        }
    }

    var expectHead = false

    func acquire(backend: Int, context: ChannelHandlerContext) {
        while let u = loop.idle[backend].popLast() {
            if u.context != nil && u.alive {
                u.attach(self, headRequest: expectHead)
                upstream = u
                return
            }
        }
        let u = UpstreamHandler(loop: loop, backend: backend)
        u.attach(self, headRequest: expectHead)
        upstream = u
        let bound = NIOLoopBound(u, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(bound.value) }
            }
            .connect(to: loop.backends[backend])
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    guard u.client === self, self.context != nil else { channel.close(promise: nil); return }
                    for b in self.pendingUpstream { u.context?.write(NIOAny(b), promise: nil) }
                    self.pendingUpstream = []
                    u.context?.flush()
                case .failure:
                    guard u.client === self else { return }
                    self.upstreamFailed()
                }
            }
    }

    func sendUpstream(_ bytes: ByteBuffer, flush: Bool) {
        guard let u = upstream else { return }
        if let uc = u.context {
            if flush { uc.writeAndFlush(NIOAny(bytes), promise: nil) } else {
                uc.write(NIOAny(bytes), promise: nil)
                upstreamUnflushed = true
            }
        } else {
            pendingUpstream.append(bytes)
        }
    }

    // Called by the upstream handler.
    func write(_ bytes: ByteBuffer) { context?.write(wrapOutboundOut(bytes), promise: nil) }
    func flush() { context?.flush() }

    func responseComplete(closeClient: Bool) {
        upstream = nil
        inFlight = false
        guard let context else { return }
        if closeClient || closeAfterResponse || bodyLeft > 0 {
            finish(ByteBuffer())
            return
        }
        context.flush()
        process()  // a request that arrived early
    }

    func upstreamFailed() {
        upstream = nil
        finish(ByteBuffer(string: inFlight && !upstreamStartedResponse ? badGateway : ""))
    }

    /// Writes the last bytes, then closes the connection once they are out.
    func finish(_ last: ByteBuffer) {
        guard let context, !closing else { return }
        closing = true
        context.writeAndFlush(wrapOutboundOut(last)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
    var upstreamStartedResponse = false

    func channelInactive(context: ChannelHandlerContext) {
        if let u = upstream { u.client = nil; u.close() }  // a response in progress: the connection is not reusable
        upstream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

// MARK: upstream side

final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Body { case head, length(Int), chunkSize(Int, Bool), chunkData(Int), chunkCRLF(Int), trailer(Int), untilClose }
    let loop: LoopState
    let backend: Int
    var context: ChannelHandlerContext?
    var client: ClientHandler?
    var alive = true
    var headRequest = false
    var state = Body.head
    var buffer: ByteBuffer?  // response head bytes so far
    var scanned = 0
    var reusable = true

    init(loop: LoopState, backend: Int) {
        self.loop = loop
        self.backend = backend
    }

    func attach(_ client: ClientHandler, headRequest: Bool) {
        self.client = client
        self.headRequest = headRequest
        state = .head
        reusable = true
        client.upstreamStartedResponse = false
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard let client else { context.close(promise: nil); return }  // bytes while idle: protocol error
        if case .head = state {
            if buffer == nil { buffer = incoming } else { buffer!.writeBuffer(&incoming) }
            guard parseHead(client), let rest = buffer else { return }
            buffer = nil
            incoming = rest
        }
        forwardBody(&incoming, client)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if clientUnflushed, let client {
            clientUnflushed = false
            client.flush()
        }
        context.fireChannelReadComplete()
    }
    var clientUnflushed = false

    /// Parses the head in `buffer` if complete, learns sessions, writes the rewritten head to the client. Returns
    /// true when the head is done (what follows it is left in `buffer`).
    func parseHead(_ client: ClientHandler) -> Bool {
        guard var buf = buffer, let context else { return false }
        var bad = false
        var headLength = 0
        let done: Bool = buf.withUnsafeReadableBytes { p in
            guard let end = findHeadEnd(p, from: scanned) else {
                scanned = p.count
                bad = p.count > 65536
                return false
            }
            headLength = end + 4
            var out = context.channel.allocator.buffer(capacity: headLength + 512)
            var i = 0
            while i < end && p[i] != 13 { i += 1 }
            guard i >= 12, p[8] == 32 else { bad = true; return false }
            let status = Int(p[9] &- 48) * 100 + Int(p[10] &- 48) * 10 + Int(p[11] &- 48)
            let http10 = p[7] == 48
            guard status >= 200 else { bad = true; return false }  // prototype: no 1xx
            out.writeBytes(Bytes(rebasing: p[0..<(i + 2)]))
            var length: Int? = nil, chunked = false, close = http10
            i += 2
            while i < end + 2 {
                var eol = i
                while p[eol] != 13 { eol += 1 }
                var colon = i
                while colon < eol && p[colon] != 58 { colon += 1 }
                guard colon < eol else { bad = true; return false }
                let n = colon - i
                switch n {
                case 10 where nameIs(p, i, n, "set-cookie"):
                    if let s = jsessionID(p, colon + 1, eol, first: true), !s.isEmpty {
                        loop.learn(digest(p, s), backend)
                    }
                case 10 where nameIs(p, i, n, "connection"):
                    if hasToken(p, colon + 1, eol, "close") { close = true }
                    if http10 && hasToken(p, colon + 1, eol, "keep-alive") { close = false }
                case 14 where nameIs(p, i, n, "content-length"):
                    length = decimal(p, colon + 1, eol)
                    if length == nil { bad = true; return false }
                case 17 where nameIs(p, i, n, "transfer-encoding"):
                    chunked = hasToken(p, colon + 1, eol, "chunked")
                    if !chunked { bad = true; return false }  // prototype: chunked only
                default: break
                }
                if !isHopByHop(p, i, n) { out.writeBytes(Bytes(rebasing: p[i..<(eol + 2)])) }
                i = eol + 2
            }
            out.writeStaticString("\r\n")
            reusable = !close
            if headRequest || status == 204 || status == 304 {
                state = .length(0)
            } else if chunked {
                state = .chunkSize(0, false)
            } else if let length {
                state = .length(length)
            } else {
                state = .untilClose
                reusable = false
            }
            client.upstreamStartedResponse = true
            client.write(out)
            clientUnflushed = true
            return true
        }
        if bad {
            context.close(promise: nil)
            return false
        }
        guard done else { return false }
        buf.moveReaderIndex(forwardBy: headLength)
        scanned = 0
        buffer = buf
        return true
    }

    /// Forwards body bytes from `bytes`, tracking where the response ends.
    func forwardBody(_ bytes: inout ByteBuffer, _ client: ClientHandler) {
        var take = 0  // bytes of `bytes` that belong to this response
        var finished = false
        let total = bytes.readableBytes
        switch state {
        case .length(let left):
            take = min(left, total)
            state = .length(left - take)
            finished = left - take == 0
        case .untilClose:
            take = total
        default:  // chunked: walk the framing
            bytes.withUnsafeReadableBytes { p in
                var i = 0
                scan: while i < p.count {
                    switch state {
                    case .chunkSize(let size, let ext):  // hex digits, optional ";ext", CRLF
                        let b = p[i]
                        i += 1
                        if b == 10 { state = size == 0 ? .trailer(0) : .chunkData(size) }
                        else if ext || b == 13 { break }
                        else if b == 59 || b == 32 || b == 9 { state = .chunkSize(size, true) }
                        else {
                            let d: Int
                            switch b {
                            case 48...57: d = Int(b - 48)
                            case 97...102: d = Int(b - 87)
                            case 65...70: d = Int(b - 55)
                            default: d = 0; reusable = false
                            }
                            state = .chunkSize(size &* 16 &+ d, false)
                        }
                    case .chunkData(let left):
                        let n = min(left, p.count - i)
                        i += n
                        state = n == left ? .chunkCRLF(2) : .chunkData(left - n)
                    case .chunkCRLF(let left):
                        i += 1
                        state = left == 1 ? .chunkSize(0, false) : .chunkCRLF(left - 1)
                    case .trailer(let lineLength):  // lines until an empty one
                        let b = p[i]
                        i += 1
                        if b == 10 {
                            if lineLength == 0 { finished = true; break scan }
                            state = .trailer(0)
                        } else if b != 13 {
                            state = .trailer(lineLength + 1)
                        }
                    default: break scan
                    }
                }
                take = i
            }
        }
        if take > 0 {
            client.write(take == total ? bytes : bytes.getSlice(at: bytes.readerIndex, length: take)!)
            clientUnflushed = true
        }
        if finished {
            if take < total { reusable = false }  // bytes after the response: don't trust this connection
            state = .head
            clientUnflushed = false  // responseComplete flushes
            self.client = nil
            if reusable && alive {
                loop.idle[backend].append(self)
            } else {
                context?.close(promise: nil)
            }
            client.responseComplete(closeClient: false)
        }
    }

    func close() { context?.close(promise: nil) }

    func channelInactive(context: ChannelHandlerContext) {
        alive = false
        if let client {
            self.client = nil
            if case .untilClose = state {
                client.responseComplete(closeClient: true)
            } else {
                client.upstreamFailed()
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

// MARK: main

func address(_ text: String) throws -> SocketAddress {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
        fatalError("not host:port: \(text)")
    }
    return try SocketAddress.makeAddressResolvingHost(String(text[..<colon]), port: port)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else { fatalError("usage: nio-bytes-sticky-proxy LISTEN BACKEND...") }
let backendAddresses = try arguments.dropFirst().map(address)
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
var states: [ObjectIdentifier: LoopState] = [:]
for loop in group.makeIterator() { states[ObjectIdentifier(loop)] = LoopState(eventLoop: loop, backends: backendAddresses) }
for state in states.values { state.peers = states.values.filter { $0 !== state } }
let loopStates = states
let server = try ServerBootstrap(group: group)
    .serverChannelOption(ChannelOptions.backlog, value: 4096)
    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ClientHandler(loop: loopStates[ObjectIdentifier(channel.eventLoop)]!))
        }
    }
    .bind(to: try address(arguments[0]))
    .wait()
print("nio-bytes-sticky-proxy on \(server.localAddress!), \(System.coreCount) loops, backends \(backendAddresses)")
try server.closeFuture.wait()
