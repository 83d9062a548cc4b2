// swift-tools-version: 6.2
import PackageDescription

// Two minimal SwiftNIO reverse proxies that bound what any NIO-based HTTP proxy can do on this machine:
// nio-http-proxy (NIO HTTP/1 codecs on both sides, no logic) and nio-raw-proxy (bytes only, no HTTP parsing).
// nio-bytes-sticky-proxy: a prototype that frames HTTP/1 itself on raw ByteBuffers, with sticky sessions.
let package = Package(
    name: "floor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nio-http-proxy", targets: ["NIOHTTPProxy"]),
        .executable(name: "nio-raw-proxy", targets: ["NIORawProxy"]),
        .executable(name: "nio-bytes-sticky-proxy", targets: ["NIOBytesStickyProxy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "NIOHTTPProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "NIORawProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "NIOBytesStickyProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
