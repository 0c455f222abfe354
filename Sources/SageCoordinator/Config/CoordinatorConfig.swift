import Foundation
import TOMLKit

/// Everything `sage-coordinator serve` needs. Precedence: command-line flags, then the TOML file,
/// then these defaults.
///
/// ```toml
/// network = "local"            # local | sepolia | mainnet
/// database = "sqlite:/var/lib/bitsage/coordinator.sqlite"
/// [server]
/// host = "0.0.0.0"
/// port = 8080
/// [market]
/// minimum_security_bits = 96
/// slash_basis_points = 1000
/// rejections_before_suspension = 3
/// suspension_seconds = 3600
/// unbonding_seconds = 604800
/// require_stake = true
/// default_lease_seconds = 300
/// ```
public struct CoordinatorConfig: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var database: String
    public var network = Network.local
    public var policy = MarketPolicy.forNetwork(.local)

    public init(database: String? = nil) {
        self.database = database ?? Self.defaultDatabase
    }

    /// `sqlite:$BITSAGE_HOME/coordinator.sqlite`, with `BITSAGE_HOME` defaulting to `~/.bitsage`.
    public static var defaultDatabase: String {
        let home = ProcessInfo.processInfo.environment["BITSAGE_HOME"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".bitsage").path
        return "sqlite:" + URL(fileURLWithPath: home).appendingPathComponent("coordinator.sqlite").path
    }

    struct File: Decodable {
        struct Server: Decodable { var host: String?; var port: Int? }
        struct Market: Decodable {
            var minimum_security_bits: Int?
            var slash_basis_points: Int?
            var rejections_before_suspension: Int?
            var suspension_seconds: Int?
            var unbonding_seconds: Int?
            var require_stake: Bool?
            var default_lease_seconds: Int?
            var offline_after_seconds: Int?
            var signature_window_seconds: Int?
        }
        var network: String?
        var database: String?
        var server: Server?
        var market: Market?
    }

    /// Applies a TOML file over the current values.
    public mutating func apply(tomlFile path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError("cannot read config file \(path): \(error.localizedDescription)")
        }
        let file: File
        do { file = try TOMLDecoder().decode(File.self, from: text) } catch {
            throw ConfigError("config file \(path) is not valid: \(error)")
        }
        if let n = file.network {
            guard let parsed = Network(rawValue: n) else { throw ConfigError("network must be local, sepolia or mainnet, not '\(n)'") }
            network = parsed
            policy = .forNetwork(parsed)
        }
        if let d = file.database { database = d }
        if let h = file.server?.host { host = h }
        if let p = file.server?.port { port = p }
        if let m = file.market {
            if let v = m.minimum_security_bits { policy.minimumSecurityBits = v }
            if let v = m.slash_basis_points { policy.slashBasisPoints = Int64(v) }
            if let v = m.rejections_before_suspension { policy.rejectionsBeforeSuspension = v }
            if let v = m.suspension_seconds { policy.suspensionSeconds = v }
            if let v = m.unbonding_seconds { policy.unbondingSeconds = v }
            if let v = m.require_stake { policy.requireStake = v }
            if let v = m.default_lease_seconds { policy.defaultLeaseSeconds = v }
            if let v = m.offline_after_seconds { policy.offlineAfterSeconds = v }
            if let v = m.signature_window_seconds { policy.signatureWindowSeconds = v }
        }
        try validate()
    }

    public func validate() throws {
        guard (0...65_535).contains(port) else { throw ConfigError("port must be 0…65535") }
        guard (0...10_000).contains(policy.slashBasisPoints) else { throw ConfigError("slash_basis_points must be 0…10000") }
        guard (80...128).contains(policy.minimumSecurityBits) else { throw ConfigError("minimum_security_bits must be 80…128") }
        guard policy.rejectionsBeforeSuspension >= 1 else { throw ConfigError("rejections_before_suspension must be ≥ 1") }
        guard policy.leaseSecondsRange.contains(policy.defaultLeaseSeconds) else {
            throw ConfigError("default_lease_seconds must be \(policy.leaseSecondsRange.lowerBound)…\(policy.leaseSecondsRange.upperBound)")
        }
        guard policy.signatureWindowSeconds >= 5 else { throw ConfigError("signature_window_seconds must be ≥ 5") }
    }
}

public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
