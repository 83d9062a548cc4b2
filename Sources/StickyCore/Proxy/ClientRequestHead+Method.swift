import NIOHTTP1

extension ClientRequestHead {
    /// The `HTTPMethod` whose `rawValue` is exactly the token `bytes[0..<end]` (case-sensitive, RFC 9110 §9.1), or
    /// `.RAW(value:)` with the token for any other: by length first, so that the common methods cost a switch and
    /// one or two comparisons, and only an unknown one a `String`.
    ///
    /// `M-SEARCH` stays `.RAW`: NIO's `.MSEARCH` would be written back as `MSEARCH`.
    static func method(_ bytes: UnsafeRawBufferPointer, end: Int) -> HTTPMethod {
        switch end {
        case 3:
            if HTTPSyntax.equals(bytes, 0, end, "GET") { return .GET }
            if HTTPSyntax.equals(bytes, 0, end, "PUT") { return .PUT }
            if HTTPSyntax.equals(bytes, 0, end, "ACL") { return .ACL }
        case 4:
            if HTTPSyntax.equals(bytes, 0, end, "POST") { return .POST }
            if HTTPSyntax.equals(bytes, 0, end, "HEAD") { return .HEAD }
            if HTTPSyntax.equals(bytes, 0, end, "COPY") { return .COPY }
            if HTTPSyntax.equals(bytes, 0, end, "LOCK") { return .LOCK }
            if HTTPSyntax.equals(bytes, 0, end, "MOVE") { return .MOVE }
            if HTTPSyntax.equals(bytes, 0, end, "BIND") { return .BIND }
            if HTTPSyntax.equals(bytes, 0, end, "LINK") { return .LINK }
        case 5:
            if HTTPSyntax.equals(bytes, 0, end, "PATCH") { return .PATCH }
            if HTTPSyntax.equals(bytes, 0, end, "TRACE") { return .TRACE }
            if HTTPSyntax.equals(bytes, 0, end, "MKCOL") { return .MKCOL }
            if HTTPSyntax.equals(bytes, 0, end, "MERGE") { return .MERGE }
            if HTTPSyntax.equals(bytes, 0, end, "PURGE") { return .PURGE }
        case 6:
            if HTTPSyntax.equals(bytes, 0, end, "DELETE") { return .DELETE }
            if HTTPSyntax.equals(bytes, 0, end, "NOTIFY") { return .NOTIFY }
            if HTTPSyntax.equals(bytes, 0, end, "SEARCH") { return .SEARCH }
            if HTTPSyntax.equals(bytes, 0, end, "UNLOCK") { return .UNLOCK }
            if HTTPSyntax.equals(bytes, 0, end, "REBIND") { return .REBIND }
            if HTTPSyntax.equals(bytes, 0, end, "UNBIND") { return .UNBIND }
            if HTTPSyntax.equals(bytes, 0, end, "REPORT") { return .REPORT }
            if HTTPSyntax.equals(bytes, 0, end, "UNLINK") { return .UNLINK }
            if HTTPSyntax.equals(bytes, 0, end, "SOURCE") { return .SOURCE }
        case 7:
            if HTTPSyntax.equals(bytes, 0, end, "OPTIONS") { return .OPTIONS }
            if HTTPSyntax.equals(bytes, 0, end, "CONNECT") { return .CONNECT }
            if HTTPSyntax.equals(bytes, 0, end, "MSEARCH") { return .MSEARCH }
        case 8:
            if HTTPSyntax.equals(bytes, 0, end, "PROPFIND") { return .PROPFIND }
            if HTTPSyntax.equals(bytes, 0, end, "CHECKOUT") { return .CHECKOUT }
        case 9:
            if HTTPSyntax.equals(bytes, 0, end, "PROPPATCH") { return .PROPPATCH }
            if HTTPSyntax.equals(bytes, 0, end, "SUBSCRIBE") { return .SUBSCRIBE }
        case 10:
            if HTTPSyntax.equals(bytes, 0, end, "MKCALENDAR") { return .MKCALENDAR }
            if HTTPSyntax.equals(bytes, 0, end, "MKACTIVITY") { return .MKACTIVITY }
        case 11:
            if HTTPSyntax.equals(bytes, 0, end, "UNSUBSCRIBE") { return .UNSUBSCRIBE }
        default:
            break
        }
        return .RAW(value: String(decoding: bytes[0..<end], as: UTF8.self))
    }
}
