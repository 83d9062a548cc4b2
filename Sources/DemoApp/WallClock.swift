#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds since the Unix epoch: what cookie expiry dates are written in.
enum WallClock {
    static func nowEpochSeconds() -> Int64 {
        Int64(time(nil))
    }
}
