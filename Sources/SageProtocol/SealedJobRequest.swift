#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk

extension CreateJobRequest {
    /// A `vm-committed` job for `program` on `inputs` that only `worker` can prove: the program runs
    /// here once (to fix the step count), the task carries the inputs' commitment under a fresh
    /// salt, and the inputs with the salt are sealed to the worker's X25519 `encryptionKey` (base64,
    /// as `GET /workers` lists it). The inputs leave this machine only inside the ciphertext.
    public static func sealedVMRun(program: Program, inputs: [M31], worker: String, encryptionKey: String,
                                   salt: [M31] = InputCommitment.randomSalt(), stepLimit: Int = Interpreter.defaultStepLimit,
                                   minSecurityBits: Int? = nil, reward: SageAmount? = nil) throws -> CreateJobRequest {
        let (task, privateInputs) = try ProvingTask.vmCommitted(program: program, inputs: inputs, salt: salt, stepLimit: stepLimit)
        let sealed = try SealedInput.seal(privateInputs, for: task, worker: worker, recipientKey: encryptionKey)
        return CreateJobRequest(task: task, minSecurityBits: minSecurityBits, reward: reward, sealedInput: sealed)
    }
}
