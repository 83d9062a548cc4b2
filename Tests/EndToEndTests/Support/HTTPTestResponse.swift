/// One HTTP response as the test client received it.
struct HTTPTestResponse {
    var version: String
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    /// The body, unless it was streamed to a sink.
    var body: [UInt8] = []
    /// How many body bytes arrived (also when they were streamed and not kept).
    var bodyCount = 0
    /// Whether the body came with `Transfer-Encoding: chunked`.
    var wasChunked = false
    /// The trailer fields after the last chunk of a chunked body, in order.
    var trailers: [(name: String, value: String)] = []

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of header `name` (case-insensitive), in order.
    func headers(named name: String) -> [String] {
        self.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    var text: String { String(decoding: self.body, as: UTF8.self) }

    /// `X-Backend`: which demo backend answered.
    var backend: String? { self.header("X-Backend") }

    var setCookies: [String] { self.headers(named: "Set-Cookie") }

    /// The `Set-Cookie` lines for cookie `name`.
    func setCookies(named name: String) -> [String] {
        self.setCookies.filter { $0.hasPrefix(name + "=") }
    }
}
