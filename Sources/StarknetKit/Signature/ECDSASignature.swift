/// A Stark ECDSA signature (r, s). On the wire (JSON-RPC, account `__validate__`) it is the felt pair [r, s].
///
/// crypto-cpp's C API returns w = s⁻¹ instead of s; this type always holds s, like starknet-rs, starknet.js
/// and cairo-lang.
public struct ECDSASignature: Sendable, Hashable {
    public let r: Felt
    public let s: Felt

    public init(r: Felt, s: Felt) {
        self.r = r
        self.s = s
    }

    /// The transaction `signature` field: [r, s].
    public var felts: [Felt] { [r, s] }
}
