import CHiredis
import NIOCore

/// hiredis behind one small type: it encodes commands and parses replies, and never touches a socket.
///
/// This is the only file that imports `CHiredis`. One instance parses one connection's byte stream; it owns the
/// `redisReader` and frees it in `deinit`. It is not `Sendable`: the channel handler that owns it uses it on its
/// event loop only. After it throws, its reader is in an error state for good: drop it with the connection.
///
/// hiredis 0.14 has no bound on a reply. A bulk string waits until all its bytes are buffered, and an array
/// header such as `*2147483647` makes it allocate room for that many elements at once. So the codec bounds both:
/// the wire bytes of the reply being parsed (``maxReplyBytes``), and the array elements announced in it, which
/// a well-formed reply of that many bytes can never exceed (each element takes at least 3 bytes, as in `+\r\n`).
final class HiredisCodec {
    /// The most wire bytes one reply may take before the codec gives up.
    let maxReplyBytes: Int
    private let reader: UnsafeMutablePointer<redisReader>
    /// How many more array elements the reply being parsed may announce; -1 once one announced too many.
    /// The reader's `privdata`, so that ``budgetedCreateArray`` can reach it.
    private let elementBudget: UnsafeMutablePointer<Int>
    /// Bytes fed since the last complete reply: the wire size of the reply being parsed, so far.
    private(set) var pendingReplyBytes = 0

    init(maxReplyBytes: Int) {
        precondition(maxReplyBytes > 0, "maxReplyBytes must be positive")
        guard let reader = redisReaderCreateWithFunctions(budgetedReplyFunctions) else {
            fatalError("hiredis: out of memory creating a reader")
        }
        self.maxReplyBytes = maxReplyBytes
        self.reader = reader
        self.elementBudget = .allocate(capacity: 1)
        self.elementBudget.initialize(to: Self.elementBudget(forReplyBytes: maxReplyBytes))
        self.reader.pointee.privdata = UnsafeMutableRawPointer(self.elementBudget)
    }

    deinit {
        // Frees a partly built reply too, through the reader's function table.
        redisReaderFree(self.reader)
        self.elementBudget.deinitialize(count: 1)
        self.elementBudget.deallocate()
    }

    /// Appends bytes read from the connection.
    func feed(_ bytes: ByteBuffer) throws(RedisError) {
        guard bytes.readableBytes > 0 else { return }
        self.pendingReplyBytes += bytes.readableBytes
        let status = bytes.withUnsafeReadableBytes { raw in
            redisReaderFeed(self.reader, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard status == REDIS_OK else { throw self.readerError() }
    }

    /// The next complete reply, or `nil` when the bytes fed so far end inside one.
    ///
    /// Throws when the stream is not RESP2, or when the reply being parsed has grown past ``maxReplyBytes``.
    func next() throws(RedisError) -> RedisValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(self.reader, &raw) == REDIS_OK else { throw self.readerError() }
        guard let raw else {
            if self.pendingReplyBytes > self.maxReplyBytes { throw .replyTooLarge }
            return nil
        }
        defer { freeReplyObject(raw) }
        // What the reader has not consumed yet belongs to the replies after this one.
        self.pendingReplyBytes = self.reader.pointee.len - self.reader.pointee.pos
        self.elementBudget.pointee = Self.elementBudget(forReplyBytes: self.maxReplyBytes)
        return try Self.value(of: raw.assumingMemoryBound(to: redisReply.self))
    }

    private func readerError() -> RedisError {
        if self.elementBudget.pointee < 0 { return .replyTooLarge }
        return self.reader.pointee.err == REDIS_ERR_OOM ? .outOfMemory : .protocolError
    }

    private static func elementBudget(forReplyBytes bytes: Int) -> Int {
        bytes / 3
    }

    private static func value(of reply: UnsafePointer<redisReply>) throws(RedisError) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STATUS:
            return .simpleString(Self.string(reply.str, reply.len))
        case REDIS_REPLY_ERROR:
            return .error(Self.string(reply.str, reply.len))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(reply.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_STRING:
            return .bulkString(ByteBuffer(bytes: UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(reply.elements)
            for index in 0..<reply.elements {
                guard let element = reply.element[index] else { throw .protocolError }
                elements.append(try Self.value(of: element))
            }
            return .array(elements)
        default:
            throw .protocolError
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
}

extension HiredisCodec {
    /// Appends the RESP encoding of one command (`*N\r\n$len\r\narg\r\n…`) to `buffer`, through
    /// `redisFormatCommandArgv`. Arguments are binary-safe.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        precondition(!arguments.isEmpty, "a command has a name")
        // All arguments in one contiguous array, so that one allocation backs every argv pointer.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(arguments.reduce(1) { $0 + $1.utf8.count })
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            bytes.append(contentsOf: argument.utf8)
            lengths.append(argument.utf8.count)
        }
        // Never sent (the lengths exclude it): it keeps the storage non-empty, so that every argv pointer,
        // even that of an empty last argument, points into it.
        bytes.append(0)
        var command: UnsafeMutablePointer<CChar>?
        let length = bytes.withUnsafeBufferPointer { storage in
            let base = UnsafeRawPointer(storage.baseAddress!)
            var argv: [UnsafePointer<CChar>?] = []
            argv.reserveCapacity(lengths.count)
            var offset = 0
            for length in lengths {
                argv.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return redisFormatCommandArgv(&command, Int32(arguments.count), &argv, lengths)
        }
        guard length >= 0, let command else { fatalError("hiredis: out of memory formatting a command") }
        defer { redisFreeCommand(command) }
        buffer.writeBytes(UnsafeRawBufferPointer(start: command, count: Int(length)))
    }
}

/// hiredis's own reply constructors, read once from the table a default reader points at. They live in static
/// storage inside libhiredis, so the pointers stay valid for the life of the process.
private let defaultReplyFunctions: redisReplyObjectFunctions = {
    guard let reader = redisReaderCreate() else { fatalError("hiredis: out of memory creating a reader") }
    defer { redisReaderFree(reader) }
    return reader.pointee.fn.pointee
}()

/// The table every ``HiredisCodec`` reader uses: hiredis's own, except that arrays are charged to the element
/// budget first. hiredis treats a constructor returning `NULL` as out of memory and stops with an error.
///
/// `nonisolated(unsafe)` is sound: the table is allocated and initialised once, under the global's lazy
/// initialisation, never written again and never freed, and hiredis only reads it.
nonisolated(unsafe) private let budgetedReplyFunctions: UnsafeMutablePointer<redisReplyObjectFunctions> = {
    let table = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
    var functions = defaultReplyFunctions
    functions.createArray = budgetedCreateArray
    table.initialize(to: functions)
    return table
}()

private func budgetedCreateArray(_ task: UnsafePointer<redisReadTask>?, _ elements: Int32) -> UnsafeMutableRawPointer? {
    guard let task, let privdata = task.pointee.privdata else { return nil }
    let budget = privdata.assumingMemoryBound(to: Int.self)
    guard Int(elements) <= budget.pointee else {
        budget.pointee = -1
        return nil
    }
    budget.pointee -= Int(elements)
    return defaultReplyFunctions.createArray(task, elements)
}
