#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import StarknetKit

/// How a worker (or a key-holding client) signs an HTTP request to the coordinator.
///
/// The signed message is Poseidon(`"sage-request-v1"`, network, method, starknet_keccak(path with
/// query), starknet_keccak(body), timestamp, nonce), signed with Stark ECDSA. Binding the network
/// stops a Sepolia request being replayed on mainnet; binding the body digest stops a captured
/// signature being reused with another body; the timestamp window and the nonce (each accepted
/// once) stop replays of the same request. The four headers carry the key, the timestamp (Unix
/// seconds), the nonce and the signature "0xr,0xs".
public struct RequestSignature: Sendable, Equatable {
    public static let keyHeader = "X-Sage-Key"
    public static let timestampHeader = "X-Sage-Timestamp"
    public static let nonceHeader = "X-Sage-Nonce"
    public static let signatureHeader = "X-Sage-Signature"

    public var publicKey: StarkPublicKey
    public var timestamp: Int64
    public var nonce: Felt
    public var signature: ECDSASignature

    public init(publicKey: StarkPublicKey, timestamp: Int64, nonce: Felt, signature: ECDSASignature) {
        self.publicKey = publicKey; self.timestamp = timestamp; self.nonce = nonce; self.signature = signature
    }

    /// The felt that is signed.
    public static func messageHash(network: String, method: String, pathAndQuery: String, body: some Collection<UInt8>,
                                   timestamp: Int64, nonce: Felt) throws(RequestSignatureError) -> Felt {
        guard let domain = try? Felt(shortString: "sage-request-v1"),
              let net = try? Felt(shortString: network),
              let verb = try? Felt(shortString: method.uppercased()) else {
            throw .malformed("network and method must be short ASCII strings")
        }
        guard timestamp >= 0 else { throw .malformed("negative timestamp") }
        return Poseidon.hashMany([domain, net, verb, Keccak.starknetKeccak(Array(pathAndQuery.utf8)),
                                  Keccak.starknetKeccak(body), Felt(UInt64(timestamp)), nonce])
    }

    /// Signs a request. The nonce is 128 random bits unless given.
    public static func sign(network: String, method: String, pathAndQuery: String, body: some Collection<UInt8>,
                            key: StarkPrivateKey, publicKey: StarkPublicKey? = nil,
                            timestamp: Int64 = Int64(Date().timeIntervalSince1970),
                            nonce: Felt? = nil) throws -> RequestSignature {
        let n = nonce ?? {
            var rng = SystemRandomNumberGenerator()
            let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            return (try? Felt(bigEndianBytes: bytes)) ?? Felt(rng.next())
        }()
        let hash = try messageHash(network: network, method: method, pathAndQuery: pathAndQuery, body: body,
                                   timestamp: timestamp, nonce: n)
        // `publicKey`: the caller's copy of the key's public key, when it keeps one (deriving it is a
        // scalar multiplication, as costly as a third of the signature).
        return RequestSignature(publicKey: publicKey ?? key.publicKey, timestamp: timestamp, nonce: n, signature: try key.sign(hash))
    }

    /// The four headers, as name/value pairs.
    public var headers: [(String, String)] {
        [(Self.keyHeader, publicKey.x.hexString), (Self.timestampHeader, String(timestamp)),
         (Self.nonceHeader, nonce.hexString), (Self.signatureHeader, "\(signature.r.hexString),\(signature.s.hexString)")]
    }

    /// Reads the four headers (`header(name)` returns a header's value). Returns nil when none of
    /// them is present (an unsigned request); throws when some are present but malformed.
    /// `knownKey` may return an already validated key for an x-coordinate (a server's cache of
    /// workers it has seen), which saves checking that x is on the curve for every request.
    public static func parse(header: (String) -> String?,
                             knownKey: (Felt) -> StarkPublicKey? = { _ in nil }) throws(RequestSignatureError) -> RequestSignature? {
        let key = header(keyHeader), ts = header(timestampHeader), nonce = header(nonceHeader), sig = header(signatureHeader)
        if key == nil, ts == nil, nonce == nil, sig == nil { return nil }
        guard let key, let ts, let nonce, let sig else {
            throw .malformed("a signed request needs all of \(keyHeader), \(timestampHeader), \(nonceHeader) and \(signatureHeader)")
        }
        guard let keyFelt = try? Felt(hex: key), let publicKey = knownKey(keyFelt) ?? (try? StarkPublicKey(keyFelt)) else {
            throw .malformed("\(keyHeader) is not a Stark public key")
        }
        guard let timestamp = Int64(ts), timestamp >= 0 else { throw .malformed("\(timestampHeader) is not Unix seconds") }
        guard let nonceFelt = try? Felt(hex: nonce) else { throw .malformed("\(nonceHeader) is not a hex felt") }
        let parts = sig.split(separator: ",")
        guard parts.count == 2, let r = try? Felt(hex: parts[0].trimmingSpaces), let s = try? Felt(hex: parts[1].trimmingSpaces) else {
            throw .malformed("\(signatureHeader) must be '0xr,0xs'")
        }
        return RequestSignature(publicKey: publicKey, timestamp: timestamp, nonce: nonceFelt, signature: ECDSASignature(r: r, s: s))
    }

    /// Whether the signature signs this request (the freshness and nonce checks are the server's).
    public func verify(network: String, method: String, pathAndQuery: String, body: some Collection<UInt8>,
                       verifier: StarkVerifyingKey? = nil) -> Bool {
        guard let hash = try? Self.messageHash(network: network, method: method, pathAndQuery: pathAndQuery, body: body,
                                               timestamp: timestamp, nonce: nonce) else { return false }
        if let verifier, verifier.publicKey == publicKey { return verifier.isValidSignature(signature, for: hash) }
        return publicKey.isValidSignature(signature, for: hash)
    }
}

public enum RequestSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    public var description: String {
        switch self { case let .malformed(m): return "malformed request signature: \(m)" }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (what HTTP allows around a list item); cheaper
    /// than Foundation's character-set trimming, which every signed request paid for.
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
