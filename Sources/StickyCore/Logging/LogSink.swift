#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where finished log lines go. Each call writes one whole line (with its newline); lines from different threads
/// never interleave.
public struct LogSink: Sendable {
    private let writeLine: @Sendable (String) -> Void

    /// A sink that hands each line to `write` (tests collect them).
    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.writeLine = write
    }

    func write(_ line: String) {
        self.writeLine(line)
    }

    /// Standard error, unbuffered: one `write(2)` per line under a lock, so a crash loses no line already logged.
    public static let standardError = LogSink { line in
        standardErrorLock.withLock { _ in
            var line = line
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = systemWrite(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR {
                        continue
                    } else {
                        return  // stderr is gone: nothing better to do with a log line
                    }
                }
            }
        }
    }

    private static let standardErrorLock = Mutex<Void>(())
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(fd, buffer, count)
}
