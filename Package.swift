// swift-tools-version: 6.1
import PackageDescription

// Release builds of the prover want no exclusivity checks in the hot loops; everything else is default.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "BitSage",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Obelysk", targets: ["Obelysk"]),
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
        .testTarget(name: "ObelyskTests", dependencies: ["Obelysk"]),
    ],
    swiftLanguageModes: [.v6]
)
