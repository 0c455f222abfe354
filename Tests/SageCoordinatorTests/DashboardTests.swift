import Foundation
import SageCoordinator
import SageProtocol
import StarknetKit
import Testing

/// The dashboard page, loaded by a real browser (headless Chromium from Debian's `chromium`
/// package): its script must fetch the data and render the test network's workers and jobs.
/// Skipped where no Chromium is installed, unless `BITSAGE_REQUIRE_CHROMIUM=1` (set by `.ci/run`).
@Suite("Dashboard")
struct DashboardTests {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    static var enabled: Bool { chromium != nil || ProcessInfo.processInfo.environment["BITSAGE_REQUIRE_CHROMIUM"] == "1" }

    @Test("Headless Chromium renders the workers and jobs", .enabled(if: enabled))
    func rendersInBrowser() async throws {
        let browser = try #require(Self.chromium, "BITSAGE_REQUIRE_CHROMIUM=1 but no chromium is installed")
        let live = try await LiveCoordinator.start()
        let worker = StarkPrivateKey.generate()
        let reg = try await live.request(.POST, "/workers/register",
                                         body: live.json(WorkerRegistration(name: "rig-<b>bold</b>", gpus: [GPUInfo(name: "H100", memoryMB: 80_000)])),
                                         auth: .signed(worker))
        #expect(reg.status == 201)
        let job = try await live.harness.job()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("sage-chromium-\(UUID().uuidString)").path
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile)", "--virtual-time-budget=10000", "--dump-dom",
                             "http://127.0.0.1:\(live.port)/dashboard"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = try await onThread {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        try? FileManager.default.removeItem(atPath: profile)

        #expect(dom.contains(#"data-loaded="true""#), "the page's script did not finish: \(dom.prefix(2_000))")
        #expect(dom.contains(#"data-worker="\#(worker.publicKey.x.hexString)""#))
        #expect(dom.contains(#"data-job="\#(job.id)""#))
        #expect(dom.contains("H100"))
        // The worker's name is shown as text, not interpreted as markup.
        #expect(dom.contains("rig-&lt;b&gt;bold&lt;/b&gt;"))
        await live.stop()
    }
}
