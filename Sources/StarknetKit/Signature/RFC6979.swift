/// Deterministic ECDSA nonces (RFC 6979 with HMAC-SHA256) exactly as cairo-lang and starknet-rs derive them
/// for the Stark curve (`starknet-crypto/src/rfc6979.rs`, cairo-lang `generate_k_rfc6979`):
///
///     x  = private key, 32 bytes big-endian
///     h1 = message hash, 32 bytes big-endian (cairo-lang's "pad by one nibble" and bits2octets reduce to this
///          for every hash below 2^251)
///     extra = the seed as minimal big-endian bytes (empty for no seed or seed 0)
///     K = HMAC(0^32, V‖00‖x‖h1‖extra) with V = 01^32, V = HMAC(K, V), then the same with 01,
///     then V = HMAC(K, V) and k = V >> 4 (qlen = 252) until 1 ≤ k < n.
public enum RFC6979 {
    public static func generateK(messageHash: Felt, privateKey: Felt, seed: Felt? = nil) -> StarkScalar {
        let x = privateKey.bigEndianBytes
        let h1 = messageHash.bigEndianBytes
        var extra: [UInt8] = []
        if let seed {
            extra = Array(seed.bigEndianBytes.drop(while: { $0 == 0 }))
        }
        var v = [UInt8](repeating: 0x01, count: 32)
        var k = [UInt8](repeating: 0x00, count: 32)
        k = HMACSHA256.authenticationCode(key: k, message: v + [0x00] + x + h1 + extra)
        v = HMACSHA256.authenticationCode(key: k, message: v)
        k = HMACSHA256.authenticationCode(key: k, message: v + [0x01] + x + h1 + extra)
        v = HMACSHA256.authenticationCode(key: k, message: v)
        while true {
            v = HMACSHA256.authenticationCode(key: k, message: v)
            // bits2int keeps the leftmost qlen = 252 bits of the 256-bit block.
            let candidate = (UInt256(bigEndianBytes: v) ?? .zero).shiftedRight(by: 4)
            if !candidate.isZero, let nonce = try? StarkScalar(exactly: candidate) {
                return nonce
            }
            k = HMACSHA256.authenticationCode(key: k, message: v + [0x00])
            v = HMACSHA256.authenticationCode(key: k, message: v)
        }
    }
}
