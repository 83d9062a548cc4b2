import Foundation

/// Small helpers over the C library that the harness uses in several places.
enum POSIX {
    /// `strerror(errno)` as a Swift string.
    static func errorString(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// Sleeps the calling thread. The harness is synchronous on purpose: every test drives real processes over
    /// blocking sockets with timeouts, which keeps each step obvious.
    static func sleep(milliseconds: Int) {
        usleep(useconds_t(milliseconds * 1000))
    }

    /// Seconds since the Unix epoch.
    static func nowEpochSeconds() -> Int64 {
        Int64(time(nil))
    }
}
