import FuzzSupport
@_spi(Fuzzing) import StickyCore

@main
enum FuzzRequestParserMain {
    static func main() {
        FuzzDriver.run(fuzzRequestParser)
    }
}

/// libFuzzer entry point for what clients send: the proxy's request framing (`ClientRequestParser`, internal to
/// StickyCore), through ``ParserFuzzing/checkRequests(_:)``.
///
/// The input's first byte says how to feed the rest (bit 0: the client closes its side at the end; the whole byte
/// seeds where the stream is cut); the rest is the byte stream of one client connection. The stream is fed whole,
/// one byte at a time and in pieces, and besides not crashing it checks:
/// - the three ways give the same heads (bytes, offsets, every derived property), bodies, ends, trailers, failure
///   and leftover state;
/// - a body never goes past its `Content-Length`, and ends exactly there; trailers come only after chunks;
/// - a head keeps the limits (256-byte target, 1024 field bytes, 16 fields), its offsets are in bounds, field names
///   are tchars, values are trimmed text, and what it says (Host, Upgrade, Cookie bytes, hop-by-hop, lengths)
///   agrees with its fields;
/// - a failure is sticky, and leaves no bytes buffered;
/// - after an upgrade request, the bytes left for the tunnel are exactly those after it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ParserFuzzing.checkRequests(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
