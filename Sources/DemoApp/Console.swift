#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to standard output and standard error.
///
/// `print` is buffered when stdout is a file or a pipe, and the harness waits for the "listening" line,
/// so every line goes straight to the file descriptor.
enum Console {
    static func out(_ line: String) {
        write(line + "\n", to: 1)
    }

    static func error(_ line: String) {
        write(line + "\n", to: 2)
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                #if canImport(Darwin)
                let written = Darwin.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                #elseif canImport(Musl)
                let written = Musl.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
