/// The header fields whose presence or value the parsers note while they read a head, told apart by name
/// (ASCII case-insensitive): by length first, so that most names cost one switch and no comparison.
enum HTTPFieldKind {
    case contentLength
    case transferEncoding
    case connection
    case upgrade
    case host
    case expect
    case cookie
    case setCookie
    case forwardedFor
    case forwardedProto
    case forwardedHost
    /// `te`, `keep-alive`, `proxy-connection`, `proxy-authenticate`, `proxy-authorization`: hop-by-hop fields with
    /// nothing else to note.
    case otherHopByHop
    /// Any other name.
    case other

    /// The kind of the field named `bytes[start..<end]`.
    @inline(__always)
    init(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) {
        switch end - start {
        case 2:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "te") ? .otherHopByHop : .other
        case 4:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "host") ? .host : .other
        case 6:
            if HTTPSyntax.equalsLowercased(bytes, start, end, "cookie") {
                self = .cookie
            } else if HTTPSyntax.equalsLowercased(bytes, start, end, "expect") {
                self = .expect
            } else {
                self = .other
            }
        case 7:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "upgrade") ? .upgrade : .other
        case 10:
            if HTTPSyntax.equalsLowercased(bytes, start, end, "connection") {
                self = .connection
            } else if HTTPSyntax.equalsLowercased(bytes, start, end, "set-cookie") {
                self = .setCookie
            } else if HTTPSyntax.equalsLowercased(bytes, start, end, "keep-alive") {
                self = .otherHopByHop
            } else {
                self = .other
            }
        case 14:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "content-length") ? .contentLength : .other
        case 15:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "x-forwarded-for") ? .forwardedFor : .other
        case 16:
            if HTTPSyntax.equalsLowercased(bytes, start, end, "proxy-connection") {
                self = .otherHopByHop
            } else if HTTPSyntax.equalsLowercased(bytes, start, end, "x-forwarded-host") {
                self = .forwardedHost
            } else {
                self = .other
            }
        case 17:
            if HTTPSyntax.equalsLowercased(bytes, start, end, "transfer-encoding") {
                self = .transferEncoding
            } else if HTTPSyntax.equalsLowercased(bytes, start, end, "x-forwarded-proto") {
                self = .forwardedProto
            } else {
                self = .other
            }
        case 18:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "proxy-authenticate") ? .otherHopByHop : .other
        case 19:
            self = HTTPSyntax.equalsLowercased(bytes, start, end, "proxy-authorization") ? .otherHopByHop : .other
        default:
            self = .other
        }
    }

    /// Whether the field is hop-by-hop (RFC 9110 §7.6.1, plus `proxy-connection`): the proxy drops it.
    var isHopByHop: Bool {
        switch self {
        case .transferEncoding, .connection, .upgrade, .otherHopByHop:
            return true
        case .contentLength, .host, .expect, .cookie, .setCookie, .forwardedFor, .forwardedProto, .forwardedHost,
            .other:
            return false
        }
    }
}
