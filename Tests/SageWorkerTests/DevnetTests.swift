import Foundation
import SageProtocol
import Testing

/// `sage-worker devnet` (the real binary): the one-command local network of the README.
@Suite("devnet")
struct DevnetTests {
    @Test("devnet --workers 2 --jobs 4: every job proven, verified and paid; earnings equal the rewards; temp files removed")
    func smallNetwork() async throws {
        let binary = try WorkerBinary.locate()
        let run = try await binary.run(["devnet", "--workers", "2", "--jobs", "4", "--timeout", "240"], timeout: .seconds(300))
        #expect(run.status == 0, "\(run)")
        let out = run.stdout
        #expect(out.contains("keystore password for this run (generated): "))
        #expect(out.contains("ok: 4 job(s) proven, verified and paid"), "\(run)")
        // Four job rows, each paid and verified again by the command itself.
        #expect(out.components(separatedBy: "paid, verified").count - 1 == 4, "\(out)")
        #expect(out.contains("devnet-1") && out.contains("devnet-2"))
        // The rewards announced at submission add up to the total the workers earned.
        let rewards = try out.split(separator: "\n").filter { $0.contains("submitted ") }.map { line -> SageAmount in
            let text = try #require(line.components(separatedBy: "reward ").last?.components(separatedBy: " SAGE").first)
            return try SageAmount(parsing: text)
        }
        #expect(rewards.count == 4)
        let totalLine = try #require(out.split(separator: "\n").first { $0.hasPrefix("total ") })
        let total = try SageAmount(parsing: try #require(totalLine.split(separator: " ").last.map(String.init)))
        #expect(total == rewards.reduce(SageAmount.zero, +), "\(totalLine)")
        #expect(out.contains("/dashboard"))
        // Cleaned up.
        let dirLine = try #require(out.split(separator: "\n").first { $0.contains("devnet in ") })
        let directory = try #require(dirLine.components(separatedBy: "devnet in ").last)
        #expect(!FileManager.default.fileExists(atPath: directory), "\(directory) was left behind")
    }
}
