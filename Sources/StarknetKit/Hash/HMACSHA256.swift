/// HMAC-SHA256 (RFC 2104), the pseudo-random function of RFC 6979's deterministic nonces.
public enum HMACSHA256 {
    public static func authenticationCode(key: some Collection<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
        var blockKey = key.count > SHA256Hasher.blockByteCount ? SHA256Hasher.hash(key) : Array(key)
        blockKey += [UInt8](repeating: 0, count: SHA256Hasher.blockByteCount - blockKey.count)
        var inner = SHA256Hasher()
        inner.update(blockKey.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()
        var outer = SHA256Hasher()
        outer.update(blockKey.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize()
    }
}
