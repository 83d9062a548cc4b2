import NIOCore

/// A backend's response head, parsed in place: the bytes as received plus offsets.
///
/// ``UpstreamResponseParser`` fills it in one pass over the bytes, so that forwarding a response costs no `String`
/// per header: the proxy rewrites the head from ``bytes`` and ``fields`` (``forEachField(_:)``), and only asks for
/// Strings where it needs them (``values(of:)`` for `Set-Cookie`).
struct UpstreamResponseHead {
    /// One header field line: offsets relative to `bytes.readerIndex` (see ``HTTPFieldOffsets``).
    typealias Field = HTTPFieldOffsets

    /// The whole head, from the status line's first byte through the blank line's CRLF (a slice of what was read).
    var bytes: ByteBuffer
    /// The status code, 100...999.
    var status: Int
    /// 0 or 1 (HTTP/1.0 or HTTP/1.1).
    var minorVersion: Int
    /// The reason phrase's offsets (possibly empty), as sent: nothing is trimmed.
    var reasonStart: Int32, reasonEnd: Int32
    /// The field lines, in the order received.
    var fields: [Field]

    // What parsing found (filled by the parser):

    /// The `Content-Length`, or nil when absent.
    var contentLength: Int? = nil
    /// Whether a `Transfer-Encoding` field is present.
    var hasTransferEncoding = false
    /// Whether the last transfer coding is `chunked` (case-insensitive).
    var isChunked = false
    /// Whether a `Connection` header lists `close`.
    var connectionClose = false
    /// Whether a `Connection` header lists `keep-alive`.
    var connectionKeepAlive = false
    /// Whether a `Set-Cookie` field is present.
    var hasSetCookie = false
    /// Which fields are any of connection, keep-alive, proxy-connection, te, transfer-encoding, upgrade,
    /// proxy-authenticate, proxy-authorization (case-insensitive), and whether `Connection` names others.
    var hopByHop = HopByHopFields()
    /// Whether any field is hop-by-hop by its name.
    var hasHopByHop: Bool { self.hopByHop.any }

    /// Whether the backend keeps the connection open after this response: HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive` (and no `close`).
    ///
    /// A close-delimited body also makes the parser report the connection unusable
    /// (``UpstreamResponseParser/isReusable``); this property is only about the headers.
    var isKeepAlive: Bool {
        if self.connectionClose {
            return false
        }
        return self.minorVersion >= 1 || self.connectionKeepAlive
    }

    /// The reason phrase decoded as UTF-8 (for logs and tests; the proxy forwards the bytes).
    var reasonPhrase: String {
        self.bytes.withUnsafeReadableBytes { bytes in
            String(decoding: bytes[Int(self.reasonStart)..<Int(self.reasonEnd)], as: UTF8.self)
        }
    }

    /// The values of every field named `name` (ASCII case-insensitive), in order, decoded as UTF-8 Strings
    /// (tests and fuzzing).
    func values(of name: String) -> [String] {
        HTTPFieldOffsets.values(of: name, in: self.fields, of: self.bytes)
    }

    /// The values of every field of `kind` (`.cookie`, `.setCookie`), in order, decoded as UTF-8 Strings.
    func values(of kind: HTTPFieldKind) -> [String] {
        HTTPFieldOffsets.values(of: kind, in: self.fields, of: self.bytes)
    }

    /// Calls body with each field's name bytes and value bytes, in order (for rewriting the head without Strings).
    ///
    /// The pointers are valid only during the call.
    func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        HTTPFieldOffsets.forEach(in: self.fields, of: self.bytes, body)
    }
}
