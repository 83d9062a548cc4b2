import Foundation
import Testing

/// In a class, `Self.unwrapInboundIn(data)` names the dynamic `Self` type, and the optimizer then calls NIO's
/// generic `unwrapInboundIn` unspecialized: a dynamic cast through the runtime's metadata cache, about 1,000
/// instructions each time, where `TypeName.unwrapInboundIn(data)` compiles to a few. With four such calls per
/// handler per request, that was 15% of the proxy's instructions (callgrind, `scripts/bench/profile.sh`).
@Suite struct HandlerSpecializationTests {
    @Test func handlersNameTheirTypeToWrapAndUnwrap() throws {
        let sources = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Proxy
            .deletingLastPathComponent()  // StickyCoreTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let pattern = try Regex(#"Self\.(un)?wrap(Inbound|Outbound)(In|Out)\("#)
        var offenders: [String] = []
        var scanned = 0
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            scanned += 1
            let text = try String(contentsOf: file, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line.contains(pattern) {
                offenders.append("\(file.lastPathComponent):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(scanned > 50, "found only \(scanned) Swift files under \(sources.path)")
        let listing = offenders.joined(separator: "\n")
        #expect(offenders.isEmpty, "write TypeName.unwrapInboundIn(…), not Self.…:\n\(listing)")
    }
}
