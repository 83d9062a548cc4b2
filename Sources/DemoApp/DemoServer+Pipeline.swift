import NIOCore
import NIOHTTP1

extension DemoServer {
    /// Names of the HTTP handlers, which the WebSocket upgrade removes.
    enum HandlerName {
        static let encoder = "http-encoder"
        static let decoder = "http-decoder"
        static let pipelining = "http-pipelining"
        static let errors = "http-errors"
        static let demo = "demo-http"
    }

    /// The handlers of one connection: what `configureHTTPServerPipeline` adds, with a decoder that hands on the
    /// bytes after an upgrade request, and the demo routes.
    static func configurePipeline(
        _ pipeline: ChannelPipeline.SynchronousOperations,
        name: String,
        store: SessionStore
    ) throws {
        try pipeline.addHandler(HTTPResponseEncoder(), name: HandlerName.encoder)
        try pipeline.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
            name: HandlerName.decoder
        )
        try pipeline.addHandler(HTTPServerPipelineHandler(), name: HandlerName.pipelining)
        try pipeline.addHandler(HTTPServerProtocolErrorHandler(), name: HandlerName.errors)
        try pipeline.addHandler(DemoHTTPHandler(backendName: name, store: store), name: HandlerName.demo)
    }
}
