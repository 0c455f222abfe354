import SageWorker
import Testing

@Suite("nvidia-smi parsing")
struct NvidiaSMIParserTests {
    @Test("Two GPUs, as nvidia-smi --format=csv,noheader,nounits prints them")
    func twoGPUs() throws {
        let output = """
        NVIDIA H100 80GB HBM3, 81559, GPU-4a0c4d1e-9f3b-2c5e-8d7a-0b1c2d3e4f50, 9.0, 550.54.15
        NVIDIA GeForce RTX 4090, 24564, GPU-11111111-2222-3333-4444-555555555555, 8.9, 550.54.15

        """
        let gpus = try NvidiaSMIParser.parseGPUs(output)
        #expect(gpus == [
            DetectedGPU(name: "NVIDIA H100 80GB HBM3", memoryMB: 81_559, uuid: "GPU-4a0c4d1e-9f3b-2c5e-8d7a-0b1c2d3e4f50",
                        computeCapability: "9.0", driverVersion: "550.54.15"),
            DetectedGPU(name: "NVIDIA GeForce RTX 4090", memoryMB: 24_564, uuid: "GPU-11111111-2222-3333-4444-555555555555",
                        computeCapability: "8.9", driverVersion: "550.54.15"),
        ])
        #expect(gpus[0].info.memoryMB == 81_559 && gpus[0].info.computeCapability == "9.0")
    }

    @Test("Fields nvidia-smi cannot report are nil; CRLF and blank lines are fine; no output is no GPU")
    func unknownFields() throws {
        let gpus = try NvidiaSMIParser.parseGPUs("Tesla T4, 15360, [N/A], [Not Supported], 535.104.05\r\n\r\n")
        #expect(gpus == [DetectedGPU(name: "Tesla T4", memoryMB: 15_360, uuid: nil, computeCapability: nil, driverVersion: "535.104.05")])
        #expect(try NvidiaSMIParser.parseGPUs("").isEmpty)
    }

    @Test("Malformed lines are errors that quote the line")
    func malformed() {
        for bad in ["NVIDIA A100, lots, GPU-1, 8.0, 550", "just a name", "NVIDIA A100, 40960, GPU-1, 8.0", ", 40960, GPU-1, 8.0, 550"] {
            do {
                _ = try NvidiaSMIParser.parseGPUs(bad)
                Issue.record("accepted '\(bad)'")
            } catch {
                #expect("\(error)".contains("nvidia-smi line 1"), "\(error)")
            }
        }
    }

    @Test("Utilisation: one percentage per GPU, [N/A] skipped")
    func utilization() {
        #expect(NvidiaSMIParser.parseUtilization("87\n3\n[N/A]\n") == [87, 3])
    }

    @Test("No nvidia-smi: a CPU worker, said clearly")
    func absent() async {
        let detection = await GPUDetector(executable: "/nonexistent/nvidia-smi").detect()
        #expect(detection.isCPUOnly)
        #expect(detection.note.contains("CPU worker"))
    }
}
