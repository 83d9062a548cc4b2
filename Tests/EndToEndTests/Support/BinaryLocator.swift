import Foundation

/// Finds the built executables (`sticky-proxy`, `demo-app`) that the end-to-end tests start.
///
/// `STICKY_BIN_DIR` wins when set. Otherwise the search starts at the running test executable, which `swift test`
/// on Linux runs from the build directory (`.build/debug/sticky-proxyPackageTests.xctest`), next to the products;
/// on macOS it walks up out of the `.xctest` bundle.
enum BinaryLocator {
    static func path(of name: String) throws -> String {
        let fileManager = FileManager.default
        if let directory = ProcessInfo.processInfo.environment["STICKY_BIN_DIR"], !directory.isEmpty {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard fileManager.isExecutableFile(atPath: candidate) else {
                throw TestFailure("STICKY_BIN_DIR is \(directory), but it holds no executable \(name)")
            }
            return candidate
        }

        var directory = self.testExecutable().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(name).path
            if fileManager.isExecutableFile(atPath: candidate) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        throw TestFailure(
            "no executable \(name) near the test executable \(self.testExecutable().path): "
                + "run `swift build --build-tests` first, or set STICKY_BIN_DIR"
        )
    }

    private static func testExecutable() -> URL {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: resolved)
        }
        #endif
        return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    }
}
