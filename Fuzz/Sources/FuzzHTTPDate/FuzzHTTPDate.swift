import FuzzSupport
import StickyCore

@main
enum FuzzHTTPDateMain {
    static func main() {
        FuzzDriver.run(fuzzHTTPDate)
    }
}

/// libFuzzer entry point for cookie dates: ``HTTPDate/parse(_:)-(String)`` and ``HTTPDate/format(_:)``.
///
/// Besides not crashing, it checks:
/// - an accepted date is between 1601-01-01 and 9999-12-31 (RFC 6265 §5.1.1 and four-digit years);
/// - it reads back as the same instant from its IMF-fixdate (29 bytes), asctime, RFC 850 and `06-Nov-1994` forms;
/// - the result depends only on where the delimiters are, not which ones they are, and not on ASCII letter case;
/// - formatting any `Int64` (the input's first 8 bytes) does not crash, and one in range reads back as itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPDate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = fuzzInput(data, size)
    let parsed = HTTPDate.parse(text)
    if let parsed {
        checkRoundTrip(parsed, from: text)
    }

    // Delimiters (RFC 6265 §5.1.1) all turned into spaces, and ASCII letters into upper case: the same answer.
    let spaced = String(decoding: text.utf8.map { isDelimiter($0) ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    invariant(HTTPDate.parse(spaced) == parsed, "another delimiter changes the date of \(String(reflecting: text))")
    let upper = String(decoding: text.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    invariant(HTTPDate.parse(upper) == parsed, "letter case changes the date of \(String(reflecting: text))")

    if let data, size >= 8 {
        // As it is, almost never in range; folded into the range, always.
        let raw = UnsafeRawPointer(data).loadUnaligned(as: Int64.self)
        _ = HTTPDate.format(raw)
        let range = CookieDateForms.range
        let seconds = range.lowerBound + Int64(raw.magnitude % UInt64(range.upperBound - range.lowerBound + 1))
        checkRoundTrip(seconds, from: HTTPDate.format(seconds))
    }
    return 0
}

private func checkRoundTrip(_ seconds: Int64, from text: String) {
    invariant(CookieDateForms.range.contains(seconds), "\(String(reflecting: text)) parsed out of range: \(seconds)")
    let imf = HTTPDate.format(seconds)
    invariant(imf.utf8.count == 29, "IMF-fixdate \(String(reflecting: imf)) is not 29 bytes")
    for form in CookieDateForms.all(seconds) {
        let reread = HTTPDate.parse(form)
        invariant(
            reread == seconds,
            "\(seconds) written as \(String(reflecting: form)) reads \(String(describing: reread))"
        )
    }
}

/// `delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E` (RFC 6265 §5.1.1).
private func isDelimiter(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x09, 0x20...0x2F, 0x3B...0x40, 0x5B...0x60, 0x7B...0x7E: true
    default: false
    }
}
