// swift-tools-version: 6.1
import PackageDescription

// Release builds of the prover want no exclusivity checks in the hot loops and, on x86-64, AVX2
// (Haswell, 2013, and every later x86 server): the 8-lane M31 kernels need vpmuludq and vpminud.
#if arch(x86_64)
let cpuFlags = ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"] + cpuFlags, .when(configuration: .release)),
]

let package = Package(
    name: "BitSage",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Obelysk", targets: ["Obelysk"]),
        .library(name: "StarknetKit", targets: ["StarknetKit"]),
        .library(name: "StarknetRPC", targets: ["StarknetRPC"]),
        .executable(name: "bitsage-proof", targets: ["bitsage-proof"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The keystore's scrypt, PBKDF2 and AES-128-CTR (BoringSSL-backed; not worth hand-rolling).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Only StarknetRPC uses it, so signing-only users of StarknetKit do not build SwiftNIO.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already a dependency of async-http-client; named here only so the RPC tests can run a loopback server.
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
    ],
    targets: [
        .target(name: "Obelysk", swiftSettings: fastMath),
        .executableTarget(
            name: "bitsage-proof",
            dependencies: [
                "Obelysk",
                // `bench --starknet` measures signing, verification and hashing.
                "StarknetKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath
        ),
        .target(
            name: "StarknetKit",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: fastMath
        ),
        .target(
            name: "StarknetRPC",
            dependencies: [
                "StarknetKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "ObelyskTests", dependencies: ["Obelysk"]),
        .testTarget(name: "StarknetKitTests", dependencies: ["StarknetKit"], exclude: ["Vectors", "Live"]),
        .testTarget(
            name: "StarknetRPCTests",
            dependencies: [
                "StarknetRPC",
                "StarknetKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
