/// A provable job kind: how a statement becomes a constraint system (for verifiers) and how a
/// trace is produced (for provers).
public protocol Workload: Sendable {
    /// The registry name, as in the statement and on the command line.
    static var name: String { get }
    /// The AIR for a statement; throws if the statement is not well formed for this workload.
    static func constraintSystem(for statement: Statement) throws -> ConstraintSystem
}

public enum WorkloadError: Error, Equatable, CustomStringConvertible {
    case unknownWorkload(String)
    case invalidStatement(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .unknownWorkload(w): return "unknown workload '\(w)' (known: \(WorkloadRegistry.names.joined(separator: ", ")))"
        case let .invalidStatement(s): return "invalid statement: \(s)"
        case let .invalidInput(s): return "invalid input: \(s)"
        }
    }
}

/// Every workload the network can prove and verify.
public enum WorkloadRegistry {
    public static let all: [any Workload.Type] = [Poseidon2Workload.self, FibonacciWorkload.self, VMWorkload.self, VMCommittedWorkload.self]
    public static var names: [String] { all.map { $0.name } }

    public static func constraintSystem(for statement: Statement) throws -> ConstraintSystem {
        guard let workload = all.first(where: { $0.name == statement.workload }) else {
            throw WorkloadError.unknownWorkload(statement.workload)
        }
        return try workload.constraintSystem(for: statement)
    }
}
