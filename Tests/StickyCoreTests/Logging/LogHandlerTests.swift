import Foundation
import Logging
import Testing

@testable import StickyCore

@Suite struct LogHandlerTests {
    @Test func jsonWritesOneObjectPerLineWithEveryField() throws {
        let lines = LineCollector()
        var logger = Logger(label: "sticky-proxy") { LineLogHandler(label: $0, format: .json, sink: lines.sink) }
        logger.logLevel = .debug
        logger[metadataKey: "replica"] = "a"
        logger.warning(
            "backend refused the connection",
            metadata: ["upstream.name": "web1", "upstream.address": "127.0.0.1:9001", "note": "line\nbreak \"q\""]
        )
        logger.trace("not at this level")

        #expect(lines.lines.count == 1)
        let line = try #require(lines.lines.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one line: \(line.debugDescription)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "sticky-proxy")
        #expect(object["message"] as? String == "backend refused the connection")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.count == "2025-01-31T12:00:00.123Z".count && timestamp.hasSuffix("Z"), "\(timestamp)")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["upstream.name"] as? String == "web1")
        #expect(metadata["upstream.address"] as? String == "127.0.0.1:9001")
        #expect(metadata["note"] as? String == "line\nbreak \"q\"")
        #expect(metadata["replica"] as? String == "a")
    }

    @Test func jsonNestsArraysAndDictionaries() throws {
        let lines = LineCollector()
        let logger = Logger(label: "x") { LineLogHandler(label: $0, format: .json, sink: lines.sink) }
        logger.info("nested", metadata: ["list": ["a", "b"], "map": ["k": "v"]])
        let line = try #require(lines.lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["list"] as? [String] == ["a", "b"])
        #expect(metadata["map"] as? [String: String] == ["k": "v"])
    }

    @Test func textWritesOneLineWithSortedDottedKeys() throws {
        let lines = LineCollector()
        let logger = Logger(label: "sticky-proxy") { LineLogHandler(label: $0, format: .text, sink: lines.sink) }
        logger.notice("proxy listening", metadata: ["listen.address": "0.0.0.0:8080", "a.first": "1"])
        let line = try #require(lines.lines.first)
        let afterTimestamp = line.drop { $0 != " " }.dropFirst()
        #expect(afterTimestamp == "notice sticky-proxy: proxy listening a.first=1 listen.address=0.0.0.0:8080\n")
    }

    @Test func textQuotesValuesThatWouldNotReadBackAsOneField() throws {
        let lines = LineCollector()
        let logger = Logger(label: "l") { LineLogHandler(label: $0, format: .text, sink: lines.sink) }
        logger.info("a\nb", metadata: ["k": "two words", "e": "", "q": "x=y"])
        let line = try #require(lines.lines.first)
        #expect(line.hasSuffix(#" info l: "a\nb" e="" k="two words" q="x=y""# + "\n"), "\(line)")
    }

    @Test func timestampsAreRFC3339InUTC() {
        #expect(LogTimestamp.format(epochSeconds: 0, milliseconds: 7) == "1970-01-01T00:00:00.007Z")
        #expect(LogTimestamp.format(epochSeconds: 1_738_324_800, milliseconds: 123) == "2025-01-31T12:00:00.123Z")
    }

    @Test func jsonStringsEscapeControlCharacters() {
        #expect(JSONText.quoted("a\u{01}b\t\"\\") == #""a\u0001b\t\"\\""#)
    }
}
