/// A Starknet chain id: a short string felt, part of every transaction hash so that signatures cannot be
/// replayed on another network.
public struct StarknetChainID: Sendable, Hashable, CustomStringConvertible {
    public let felt: Felt

    public init(_ felt: Felt) { self.felt = felt }

    /// A chain id from its short-string name, such as "SN_SEPOLIA".
    public init(name: String) throws(FeltError) {
        felt = try Felt(shortString: name)
    }

    /// "SN_MAIN" = 0x534e5f4d41494e.
    public static let mainnet = StarknetChainID(.constant("534e5f4d41494e"))
    /// "SN_SEPOLIA" = 0x534e5f5345504f4c4941.
    public static let sepolia = StarknetChainID(.constant("534e5f5345504f4c4941"))
    /// "SN_INTEGRATION_SEPOLIA".
    public static let integrationSepolia = StarknetChainID(.constant("534e5f494e544547524154494f4e5f5345504f4c4941"))

    public var description: String { felt.hexString }
}
