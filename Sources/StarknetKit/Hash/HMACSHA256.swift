import Crypto

/// HMAC-SHA256 (RFC 2104), the pseudo-random function of RFC 6979's deterministic nonces.
///
/// swift-crypto's, not one built on `SHA256Hasher`: each Stark signature runs it seven times or
/// more, and the hand-written hash was a percent of the coordinator's load benchmark (every worker
/// request is signed). `SHA256Hasher` stays as an independent implementation for tests and tools.
public enum HMACSHA256 {
    public static func authenticationCode(key: some Collection<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key))))
    }
}
