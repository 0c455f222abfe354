#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one JSON dialect of the network: ISO 8601 dates, sorted keys (stable bytes for signing and
/// for tests), snake_case through explicit coding keys on every type.
public enum SageJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    public static func encode(_ value: some Encodable) throws -> Data { try encoder().encode(value) }

    /// Decodes `T`, turning Foundation's errors into one readable sentence with the field path.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(SageJSONError) -> T {
        do { return try decoder().decode(type, from: data) } catch let error as DecodingError {
            throw SageJSONError(message: describe(error))
        } catch {
            throw SageJSONError(message: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String { path.isEmpty ? "" : " at '\(path.map(\.stringValue).joined(separator: "."))'" }
        switch error {
        case let .dataCorrupted(c):
            if c.codingPath.isEmpty { return "the body is not valid JSON" }
            return "invalid value\(at(c.codingPath)): \(c.debugDescription)"
        case let .keyNotFound(k, c): return "missing field '\(k.stringValue)'\(at(c.codingPath))"
        case let .typeMismatch(t, c): return "wrong type\(at(c.codingPath)): expected \(t)"
        case let .valueNotFound(t, c): return "missing value\(at(c.codingPath)): expected \(t)"
        @unknown default: return "\(error)"
        }
    }
}

public struct SageJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
