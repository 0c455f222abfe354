import SageWorker
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("Backoff is jittered within an exponentially growing, capped ceiling")
    func bounds() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(2))
        // Ceilings: 100, 200, 400, 800, 1600, then the 2000 cap (base · 2^(attempt−1), computed by hand).
        let ceilings: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                                    .milliseconds(1_600), .seconds(2), .seconds(2)]
        for (index, ceiling) in ceilings.enumerated() {
            let samples = (0..<200).map { _ in policy.delay(afterAttempt: index + 1) }
            #expect(samples.allSatisfy { $0 >= .milliseconds(1) && $0 <= ceiling }, "attempt \(index + 1)")
            // Full jitter: the samples spread over the range rather than sitting at one value.
            #expect(Set(samples).count > 10, "attempt \(index + 1)")
        }
    }
}
