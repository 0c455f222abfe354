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
        .executable(name: "bitsage-proof", targets: ["bitsage-proof"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "Obelysk", swiftSettings: fastMath),
        .executableTarget(
            name: "bitsage-proof",
            dependencies: [
                "Obelysk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath
        ),
        .target(name: "StarknetKit", swiftSettings: fastMath),
        .testTarget(name: "ObelyskTests", dependencies: ["Obelysk"]),
        .testTarget(name: "StarknetKitTests", dependencies: ["StarknetKit"], exclude: ["Vectors"]),
    ],
    swiftLanguageModes: [.v6]
)
