import NIOCore
import StickyCore
import Testing

@testable import RedisStore

@Suite struct HiredisCodecTests {
    // MARK: Encoding

    private func encoded(_ command: RedisCommand) -> String {
        String(buffer: command.encoded())
    }

    private let key = StoreKey(rawValue: "sticky:sid:abc")

    @Test func encodesEachCommand() {
        #expect(self.encoded(.get(self.key)) == "*2\r\n$3\r\nGET\r\n$14\r\nsticky:sid:abc\r\n")
        #expect(
            self.encoded(.set(self.key, to: StoredMapping(backend: "web1", slides: true), ttl: .seconds(120)))
                == "*5\r\n$3\r\nSET\r\n$14\r\nsticky:sid:abc\r\n$5\r\n~web1\r\n$2\r\nEX\r\n$3\r\n120\r\n"
        )
        #expect(
            self.encoded(.expire(self.key, ttl: .seconds(600)))
                == "*3\r\n$6\r\nEXPIRE\r\n$14\r\nsticky:sid:abc\r\n$3\r\n600\r\n"
        )
        #expect(self.encoded(.delete(self.key)) == "*2\r\n$3\r\nDEL\r\n$14\r\nsticky:sid:abc\r\n")
        #expect(self.encoded(.auth(username: nil, password: "pw")!) == "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n")
        #expect(self.encoded(.auth(username: "u", password: "pw")!) == "*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$2\r\npw\r\n")
        #expect(RedisCommand.auth(username: "u", password: nil) == nil)
        #expect(self.encoded(.select(3)!) == "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n")
        #expect(RedisCommand.select(0) == nil)
    }

    @Test func encodesReassignAsEvalshaAndEval() {
        let web1 = StoredMapping(backend: "web1", slides: false)
        let web2 = StoredMapping(backend: "web2", slides: false)
        let sha = RedisCommand.reassignScriptSHA1
        #expect(
            self.encoded(.reassign(self.key, from: web1, to: web2, ttl: .seconds(60)))
                == "*7\r\n$7\r\nEVALSHA\r\n$40\r\n\(sha)\r\n$1\r\n1\r\n$14\r\nsticky:sid:abc\r\n"
                + "$4\r\nweb1\r\n$4\r\nweb2\r\n$2\r\n60\r\n"
        )
        // No stale mapping: an empty argument, which no stored value equals.
        let script = RedisCommand.reassignScript
        #expect(
            self.encoded(.reassignWithScript(self.key, from: nil, to: web2, ttl: .seconds(60)))
                == "*7\r\n$4\r\nEVAL\r\n$\(script.utf8.count)\r\n\(script)\r\n$1\r\n1\r\n$14\r\nsticky:sid:abc\r\n"
                + "$0\r\n\r\n$4\r\nweb2\r\n$2\r\n60\r\n"
        )
    }

    @Test func encodesBinaryAndEmptyArguments() {
        #expect(
            String(buffer: RedisCommand(["SET", "a\r\nb", ""]).encoded())
                == "*3\r\n$3\r\nSET\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
        )
        #expect(String(buffer: RedisCommand(["PING", ""]).encoded()) == "*2\r\n$4\r\nPING\r\n$0\r\n\r\n")
        #expect(String(buffer: RedisCommand(["GET", "é"]).encoded()) == "*2\r\n$3\r\nGET\r\n$2\r\né\r\n")
    }

    @Test func roundsTTLsUpToWholeSecondsOfAtLeastOne() {
        #expect(RedisCommand.ttlSeconds(.seconds(120)) == 120)
        #expect(RedisCommand.ttlSeconds(.milliseconds(1200)) == 2)
        #expect(RedisCommand.ttlSeconds(.nanoseconds(1)) == 1)
        #expect(RedisCommand.ttlSeconds(.milliseconds(500)) == 1)
        #expect(RedisCommand.ttlSeconds(.zero) == 1)
        #expect(RedisCommand.ttlSeconds(.seconds(-5)) == 1)
    }

    // MARK: Parsing

    /// Every reply kind hiredis 0.14 parses, back to back, with what each must become.
    private static let stream: [(bytes: String, value: RedisValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-NOSCRIPT No matching script\r\n", .error("NOSCRIPT No matching script")),
        (":42\r\n", .integer(42)),
        (":-7\r\n", .integer(-7)),
        ("$4\r\nweb1\r\n", .bulkString("web1")),
        ("$6\r\na\r\n\r\nb\r\n", .bulkString("a\r\n\r\nb")),
        ("$0\r\n\r\n", .bulkString("")),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("*0\r\n", .array([])),
        (
            "*4\r\n$1\r\na\r\n:1\r\n*2\r\n+x\r\n$-1\r\n-ERR e\r\n",
            .array([.bulkString("a"), .integer(1), .array([.simpleString("x"), .null]), .error("ERR e")])
        ),
    ]

    private static func drain(_ codec: HiredisCodec, into values: inout [RedisValue]) throws {
        while let value = try codec.next() {
            values.append(value)
        }
    }

    @Test func parsesEveryReplyKindSplitAtEveryByteBoundary() throws {
        let bytes = Array(Self.stream.map(\.bytes).joined().utf8)
        let expected = Self.stream.map(\.value)
        for split in 0...bytes.count {
            let codec = HiredisCodec(maxReplyBytes: 1024)
            var values: [RedisValue] = []
            try codec.feed(ByteBuffer(bytes: bytes[..<split]))
            try Self.drain(codec, into: &values)
            try codec.feed(ByteBuffer(bytes: bytes[split...]))
            try Self.drain(codec, into: &values)
            #expect(values == expected, "split at byte \(split)")
            #expect(codec.pendingReplyBytes == 0)
        }
    }

    @Test func parsesAStreamFedOneByteAtATime() throws {
        let codec = HiredisCodec(maxReplyBytes: 1024)
        var values: [RedisValue] = []
        for byte in Self.stream.map(\.bytes).joined().utf8 {
            try codec.feed(ByteBuffer(bytes: [byte]))
            try Self.drain(codec, into: &values)
        }
        #expect(values == Self.stream.map(\.value))
    }

    @Test func rejectsBytesThatAreNotRESP() throws {
        let codec = HiredisCodec(maxReplyBytes: 1024)
        try codec.feed(ByteBuffer(string: "+OK\r\n?what\r\n"))
        #expect(try codec.next() == .simpleString("OK"))
        #expect(throws: RedisError.protocolError) { try codec.next() }
        // The reader stays broken: its connection must go.
        #expect(throws: RedisError.protocolError) { try codec.feed(ByteBuffer(string: "+OK\r\n")) }
    }

    @Test func rejectsABulkStringLargerThanTheBound() throws {
        let codec = HiredisCodec(maxReplyBytes: 1000)
        try codec.feed(ByteBuffer(string: "$5000\r\n" + String(repeating: "x", count: 900)))
        #expect(try codec.next() == nil)
        try codec.feed(ByteBuffer(string: String(repeating: "x", count: 200)))
        #expect(throws: RedisError.replyTooLarge) { try codec.next() }
    }

    @Test func rejectsAHugeArrayHeaderBeforeAllocatingForIt() throws {
        let codec = HiredisCodec(maxReplyBytes: 1 << 20)
        try codec.feed(ByteBuffer(string: "*2147483647\r\n"))
        #expect(throws: RedisError.replyTooLarge) { try codec.next() }
    }

    @Test func chargesNestedArraysToOneBudgetPerReply() throws {
        // 30 bytes allow 10 elements in all: 2 + 4 + 4 fit, one more does not.
        let codec = HiredisCodec(maxReplyBytes: 30)
        try codec.feed(ByteBuffer(string: "*2\r\n*4\r\n"))
        #expect(try codec.next() == nil)
        try codec.feed(ByteBuffer(string: ":1\r\n:2\r\n:3\r\n:4\r\n*5\r\n"))
        #expect(throws: RedisError.replyTooLarge) { try codec.next() }
    }

    @Test func boundsEachReplyNotTheStream() throws {
        // Many small replies in one read are fine, though together they pass the bound.
        let codec = HiredisCodec(maxReplyBytes: 16)
        let reply = "$4\r\nweb1\r\n"
        try codec.feed(ByteBuffer(string: String(repeating: reply, count: 100)))
        var values: [RedisValue] = []
        try Self.drain(codec, into: &values)
        #expect(values == Array(repeating: .bulkString("web1"), count: 100))
        // And the budget starts over with each reply.
        try codec.feed(ByteBuffer(string: "*3\r\n:1\r\n:2\r\n:3\r\n*3\r\n:1\r\n:2\r\n:3\r\n"))
        values = []
        try Self.drain(codec, into: &values)
        #expect(values.count == 2)
    }
}
