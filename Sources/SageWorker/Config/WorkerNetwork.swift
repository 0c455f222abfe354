/// The network a worker joins. Request signatures are bound to it, so a worker set up for Sepolia
/// cannot be replayed against mainnet.
public enum WorkerNetwork: String, Sendable, Codable, CaseIterable {
    case local, sepolia, mainnet

    /// The coordinator a fresh setup talks to when `--coordinator` is not given. Only the local
    /// network has one (a `sage-coordinator` on this machine); public networks must be named.
    public var defaultCoordinatorURL: String? {
        switch self {
        case .local: return "http://127.0.0.1:8080"
        case .sepolia, .mainnet: return nil
        }
    }

    public static func parse(_ text: String) throws(WorkerError) -> WorkerNetwork {
        guard let n = WorkerNetwork(rawValue: text.lowercased()) else {
            throw .config("network must be local, sepolia or mainnet, not '\(text)'")
        }
        return n
    }
}
