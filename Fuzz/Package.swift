// swift-tools-version: 6.2
import PackageDescription

// libFuzzer targets for the session parsers (Cookie, Set-Cookie, HTTP dates) and the HTTP/1 framing of requests and
// responses, over the StickyCore library of the package one folder up. Build and run them with `make fuzz`
// (scripts/fuzz.sh), which passes the sanitizer flags:
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// Without `-sanitize=fuzzer` the executables do not link: libFuzzer's driver (CFuzzerDriver) is missing.
let package = Package(
    name: "sticky-proxy-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sticky-proxy", path: "..")
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzerDriver", .product(name: "StickyCore", package: "sticky-proxy")]
        ),
        .executableTarget(
            name: "FuzzCookie",
            dependencies: ["FuzzSupport", .product(name: "StickyCore", package: "sticky-proxy")]
        ),
        .executableTarget(
            name: "FuzzSetCookie",
            dependencies: ["FuzzSupport", .product(name: "StickyCore", package: "sticky-proxy")]
        ),
        .executableTarget(
            name: "FuzzHTTPDate",
            dependencies: ["FuzzSupport", .product(name: "StickyCore", package: "sticky-proxy")]
        ),
        .executableTarget(
            name: "FuzzRequestParser",
            dependencies: ["FuzzSupport", .product(name: "StickyCore", package: "sticky-proxy")]
        ),
        .executableTarget(
            name: "FuzzResponseParser",
            dependencies: ["FuzzSupport", .product(name: "StickyCore", package: "sticky-proxy")]
        ),
    ]
)
