import NIOCore
import NIOHTTP1

/// A client's request head, parsed in place: the bytes as received plus offsets.
///
/// ``ClientRequestParser`` fills it in one pass over the bytes, and notes on the way what the proxy decides on
/// (framing, connection options, Host, Upgrade, Expect, forwarding headers, sizes), so that handling a request
/// costs no `String` per header: the proxy rewrites the head from ``bytes`` and ``fields`` (``forEachField(_:)``),
/// and asks for Strings only where it needs them (``target``, ``values(of:)``).
struct ClientRequestHead {
    /// One header field line: offsets relative to `bytes.readerIndex` (see ``HTTPFieldOffsets``).
    typealias Field = HTTPFieldOffsets

    /// The whole head, from the request line's first byte through the blank line's CRLF (a slice of what was read;
    /// leading empty lines are skipped and not part of it).
    var bytes: ByteBuffer
    /// The method, mapped from the exact token (`GET`, not `get`); any other token is `.RAW(value:)`, so that
    /// `rawValue` gives back the token as sent.
    var method: HTTPMethod
    /// The request target's offsets (never empty).
    var targetStart: Int32, targetEnd: Int32
    /// The version's digits as sent: `HTTP/2.0` gives 2 and 0 (the proxy answers 505 itself).
    var majorVersion: Int, minorVersion: Int
    /// The field lines, in the order received.
    var fields: [Field]

    // What parsing found (filled by the parser):

    /// The `Content-Length`, or nil when absent.
    var contentLength: Int? = nil
    /// Whether a `Transfer-Encoding` field is present.
    var hasTransferEncoding = false
    /// Whether the last transfer coding is `chunked` (case-insensitive).
    var isChunked = false
    /// Whether a `Connection` field lists `close`.
    var connectionClose = false
    /// Whether a `Connection` field lists `keep-alive`.
    var connectionKeepAlive = false
    /// Whether a `Connection` field lists `upgrade`.
    var connectionUpgrade = false
    /// The number of `Host` fields.
    var hostCount = 0
    /// The index in ``fields`` of the first `Host` field.
    var hostField: Int? = nil
    /// The index in ``fields`` of the first `Upgrade` field.
    var upgradeField: Int? = nil
    /// Whether an `Expect` field's value is `100-continue` (case-insensitive).
    var expectsContinue = false
    /// Whether an `Expect` field is present.
    var hasExpect = false
    /// Which fields are any of connection, keep-alive, proxy-connection, te, transfer-encoding, upgrade,
    /// proxy-authenticate, proxy-authorization (case-insensitive), and whether `Connection` names others.
    var hopByHop = HopByHopFields()
    /// Whether any field is hop-by-hop by its name.
    var hasHopByHop: Bool { self.hopByHop.any }
    /// Whether an `X-Forwarded-For` field is present.
    var hasForwardedFor = false
    /// Whether an `X-Forwarded-Proto` field is present.
    var hasForwardedProto = false
    /// Whether an `X-Forwarded-Host` field is present.
    var hasForwardedHost = false
    /// The value bytes of all `Cookie` fields together.
    var cookieBytes = 0
    /// The bytes of all field names and values together (what `STICKY_MAX_HEADER_BYTES` limits).
    var fieldBytes = 0

    /// The target's length in bytes.
    var targetLength: Int { Int(self.targetEnd - self.targetStart) }

    /// Whether the client keeps the connection open after this request: HTTP/1.1 (or later) unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and no `close`).
    var isKeepAlive: Bool {
        if self.connectionClose {
            return false
        }
        return self.majorVersion > 1 || (self.majorVersion == 1 && self.minorVersion >= 1) || self.connectionKeepAlive
    }

    /// Whether the request asks to switch protocols: a `Connection` field lists `upgrade` and there is an
    /// `Upgrade` field. The parser stops after such a request: what follows belongs to the tunnel.
    var isUpgrade: Bool {
        self.connectionUpgrade && self.upgradeField != nil
    }

    /// The request target decoded as UTF-8 (allocates: for access logs and the session-in-URL lookup).
    var target: String {
        self.bytes.withUnsafeReadableBytes { bytes in
            String(decoding: bytes[Int(self.targetStart)..<Int(self.targetEnd)], as: UTF8.self)
        }
    }

    /// The values of every field named `name` (ASCII case-insensitive), in order, decoded as UTF-8 Strings.
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
