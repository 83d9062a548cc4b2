import FuzzSupport
@_spi(Fuzzing) import StickyCore

@main
enum FuzzResponseParserMain {
    static func main() {
        FuzzDriver.run(fuzzResponseParser)
    }
}

/// libFuzzer entry point for what backends send: the proxy's response framing (`UpstreamResponseParser`, internal
/// to StickyCore), through ``ParserFuzzing/checkResponses(_:)``.
///
/// The input's first byte says how to feed the rest (bit 0: the backend closes at the end; bits 1–2: 1–4 requests
/// sent before the stream; bit 3: one more sent at each response's end; bits 4–7: which of them are HEAD requests;
/// the whole byte seeds where the stream is cut); the rest is the byte stream of one backend connection. The stream
/// is fed whole, one byte at a time and in pieces, and besides not crashing it checks:
/// - the three ways give the same heads (bytes, offsets, every derived property), bodies, ends, trailers, failure
///   and leftover state;
/// - a body never goes past its `Content-Length` and ends exactly there; a response to HEAD, a 101, 204 or 304 has
///   none; a close-delimited body ends only at the close; trailers come only after chunks;
/// - a head is a final response (1xx other than 101 are skipped), keeps the limits (1024 bytes, 16 fields), its
///   status and version are those sent, its offsets are in bounds, field names are tchars, values are trimmed text,
///   and what it says (lengths, Set-Cookie, hop-by-hop) agrees with its fields;
/// - a failure is sticky, and leaves no bytes buffered;
/// - after a 101, the bytes left for the tunnel are exactly those after its head.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ParserFuzzing.checkResponses(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
