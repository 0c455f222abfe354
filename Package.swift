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
        .library(name: "ObelyskCUDA", targets: ["ObelyskCUDA"]),
        .library(name: "StarknetKit", targets: ["StarknetKit"]),
        .library(name: "StarknetRPC", targets: ["StarknetRPC"]),
        .library(name: "SageProtocol", targets: ["SageProtocol"]),
        .library(name: "SageCoordinator", targets: ["SageCoordinator"]),
        .library(name: "SageWorker", targets: ["SageWorker"]),
        .library(name: "SageWorkerNode", targets: ["SageWorkerNode"]),
        .library(name: "SageAttestation", targets: ["SageAttestation"]),
        .executable(name: "bitsage-proof", targets: ["bitsage-proof"]),
        .executable(name: "sage-coordinator", targets: ["sage-coordinator"]),
        .executable(name: "coordinator-load", targets: ["coordinator-load"]),
        .executable(name: "sage-worker", targets: ["sage-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The keystore's scrypt, PBKDF2 and AES-128-CTR (BoringSSL-backed; not worth hand-rolling).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Only StarknetRPC uses it, so signing-only users of StarknetKit do not build SwiftNIO.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already a dependency of async-http-client; named here only so the RPC tests can run a loopback server.
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        // The coordinator: HTTP service, embedded SQLite store, PostgreSQL store, lifecycle, logs,
        // metrics with a Prometheus exposition, TOML config.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // What Foundation's ICU-linked half gave us (printf formatting, trimming, child processes, ...),
        // so that everything bitsage-proof links imports FoundationEssentials only (SageSupport/README.md).
        .target(name: "SageSupport", exclude: ["README.md"]),
        .target(name: "Obelysk", swiftSettings: fastMath),
        // The prover on NVIDIA GPUs: the driver and NVRTC are opened with dlopen at run time, so this
        // builds and tests anywhere; the CUDA C++ kernels ship as source and are compiled on first use.
        .target(name: "ObelyskCUDA", dependencies: ["Obelysk", "SageSupport"], resources: [.copy("Kernels")], swiftSettings: fastMath),
        .executableTarget(
            name: "bitsage-proof",
            dependencies: [
                "Obelysk", "ObelyskCUDA", "SageSupport",
                // `bench --starknet` measures signing, verification and hashing.
                "StarknetKit",
                // `attest` and `verify-quote`; the worker's keystore, password and GPU detection.
                "SageAttestation", "SageWorker", "SageProtocol", "StarknetRPC",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath
        ),
        .target(
            name: "StarknetKit",
            dependencies: [
                "SageSupport",
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
        // Wire types and request signing shared by the coordinator, the worker and clients; Crypto
        // for the HPKE of sealed (encrypted) job inputs.
        .target(
            name: "SageProtocol",
            dependencies: ["StarknetKit", "Obelysk", "SageSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SageCoordinator",
            dependencies: [
                "SageProtocol", "Obelysk", "StarknetKit", "SageAttestation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "sage-coordinator",
            dependencies: [
                "SageCoordinator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The worker node: config, keys, GPU detection, the coordinator client, the job loop and
        // the local status/metrics server.
        .target(
            name: "SageWorker",
            dependencies: [
                // StarknetRPC: stake, unstake and claim send Starknet transactions on sepolia and mainnet.
                "SageProtocol", "Obelysk", "ObelyskCUDA", "StarknetKit", "StarknetRPC", "SageSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // A running worker: the engine with its local status server (Hummingbird) in one ServiceGroup.
        // Kept out of SageWorker so that bitsage-proof, which uses the worker's config, keys and
        // coordinator client, links no HTTP server (and, through it, no ICU: see scripts/check-foundation-free.sh).
        .target(
            name: "SageWorkerNode",
            dependencies: [
                "SageWorker", "SageProtocol", "Obelysk", "ObelyskCUDA",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "sage-worker",
            dependencies: [
                // SageCoordinator and Obelysk: `sage-worker devnet` runs a whole local network in one process.
                "SageWorker", "SageWorkerNode", "SageProtocol", "StarknetKit", "StarknetRPC", "SageCoordinator", "Obelysk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Attestation quotes: a worker's signed (and, in a TEE guest, hardware-bound) statement about a proof.
        .target(
            name: "SageAttestation",
            dependencies: [
                "Obelysk", "StarknetKit", "SageSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The coordinator's load benchmark (signed HTTP traffic on loopback), not a test.
        .executableTarget(
            name: "coordinator-load",
            dependencies: [
                "SageCoordinator", "SageProtocol", "Obelysk", "StarknetKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/CoordinatorLoad"
        ),
        .testTarget(name: "SageSupportTests", dependencies: ["SageSupport"]),
        .testTarget(name: "ObelyskTests", dependencies: ["Obelysk"]),
        // Runs on the CPU emulator of the driver and NVRTC (Tools/cuda-emulator) unless OBELYSK_LIBCUDA names a real driver.
        .testTarget(name: "ObelyskCUDATests", dependencies: ["ObelyskCUDA", "Obelysk"]),
        .testTarget(
            name: "SageCoordinatorTests",
            dependencies: [
                "SageCoordinator", "SageProtocol", "Obelysk", "StarknetKit", "SageAttestation",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SageWorkerTests",
            dependencies: [
                "SageWorker", "SageWorkerNode", "SageCoordinator", "SageProtocol", "Obelysk", "StarknetKit", "SageAttestation",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "StarknetKitTests", dependencies: ["StarknetKit"], exclude: ["Vectors", "Live"]),
        .testTarget(name: "SageAttestationTests", dependencies: ["SageAttestation", "Obelysk", "StarknetKit"]),
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
