/// The OpenZeppelin Cairo 1 account: its constructor takes the Stark public key, and worker wallets deploy it
/// with salt = public key from deployer 0 (as starkli, starknet.js and the original BitSage worker do).
public enum OpenZeppelinAccount {
    /// Class hash of OpenZeppelin account v0.8.1, declared on mainnet and Sepolia and used by the BitSage worker.
    public static let classHashV0_8_1 = Felt.constant("061dac032f228abef9c6626f995015233097ae253a7f72d68552db02f2971b8f")

    /// The constructor calldata: [public_key].
    public static func constructorCalldata(publicKey: StarkPublicKey) -> [Felt] {
        [publicKey.x]
    }

    /// The address the account will have once deployed with DEPLOY_ACCOUNT (salt = public key, deployer 0).
    public static func counterfactualAddress(
        publicKey: StarkPublicKey, classHash: Felt = classHashV0_8_1, salt: Felt? = nil
    ) -> Felt {
        ContractAddress.compute(
            classHash: classHash,
            constructorCalldata: constructorCalldata(publicKey: publicKey),
            salt: salt ?? publicKey.x,
            deployerAddress: .zero)
    }
}
