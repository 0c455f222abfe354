/// Starknet contract addresses, as computed by the sequencer for DEPLOY_ACCOUNT and the UDC:
///
///     address = pedersen_on([ "STARKNET_CONTRACT_ADDRESS", deployer, salt, class_hash,
///                             pedersen_on(constructor_calldata) ]) mod (2^251 − 256)
///
/// (starknet-py `hash/address.py`, starknet-rs `get_contract_address`). The address is known before deployment,
/// which is what makes counterfactual accounts possible: fund the address first, deploy later.
public enum ContractAddress {
    /// The short string "STARKNET_CONTRACT_ADDRESS".
    public static let prefix = Felt.constant("535441524b4e45545f434f4e54524143545f41444452455353")

    /// 2^251 − 256, the exclusive upper bound of contract addresses.
    public static let upperBound = UInt256(w0: 0xFFFF_FFFF_FFFF_FF00, w1: .max, w2: .max, w3: 0x07FF_FFFF_FFFF_FFFF)

    public static func compute(
        classHash: Felt, constructorCalldata: [Felt], salt: Felt, deployerAddress: Felt = .zero
    ) -> Felt {
        let raw = Pedersen.hashOnElements([
            prefix, deployerAddress, salt, classHash, Pedersen.hashOnElements(constructorCalldata),
        ])
        // raw < p < 2·(2^251 − 256), so one conditional subtraction reduces it.
        return Felt(reducing: MontgomeryArithmetic.subtractIfAtLeast(raw.value, upperBound))
    }
}
