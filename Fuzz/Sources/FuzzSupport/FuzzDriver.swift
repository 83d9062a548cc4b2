import CFuzzerDriver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs libFuzzer on a target from an executable's own `main`.
///
/// libFuzzer's runtime has a `main` of its own, but SwiftPM links an executable target with `main` bound to the
/// target's entry point (`--defsym main=<Target>_main`), so that one is never used, and an executable made only of
/// an `LLVMFuzzerTestOneInput` does not link. Each fuzz target therefore has an `@main` that calls ``run(_:)``.
public enum FuzzDriver {
    /// The signature of `LLVMFuzzerTestOneInput`.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Hands the command line (libFuzzer flags, corpus folders or files to replay) to libFuzzer's driver, and exits
    /// with its status.
    public static func run(_ testOneInput: TestOneInput) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}
