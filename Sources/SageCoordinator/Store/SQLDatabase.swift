import Foundation

/// A value bound into or read out of SQL. The schema uses only these four types, so that the same
/// statements run on SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case blob([UInt8])
    case null
}

/// One result row, by column name.
///
/// Names and values are parallel arrays, and the rows of one result share their `names` array:
/// a result row is read a few times and thrown away, and building a dictionary per row cost more
/// than the query itself. Rows have at most a few dozen columns, so a linear search is the fastest
/// lookup.
public struct SQLRow: Sendable {
    let names: [String]
    let cells: [SQLValue]

    public init(names: [String], cells: [SQLValue]) {
        precondition(names.count == cells.count, "one value per column")
        self.names = names; self.cells = cells
    }

    public subscript(column: String) -> SQLValue? {
        for i in names.indices where names[i] == column { return cells[i] }
        return nil
    }

    func int(_ column: String) throws(StoreError) -> Int64 {
        guard case let .int(v) = self[column] else { throw .corrupt("column \(column) is not an integer") }
        return v
    }
    func optionalInt(_ column: String) throws(StoreError) -> Int64? {
        switch self[column] {
        case let .int(v): return v
        case .null, .none: return nil
        default: throw .corrupt("column \(column) is not an integer")
        }
    }
    func text(_ column: String) throws(StoreError) -> String {
        guard case let .text(v) = self[column] else { throw .corrupt("column \(column) is not text") }
        return v
    }
    func optionalText(_ column: String) throws(StoreError) -> String? {
        switch self[column] {
        case let .text(v): return v
        case .null, .none: return nil
        default: throw .corrupt("column \(column) is not text")
        }
    }
    func blob(_ column: String) throws(StoreError) -> [UInt8] {
        guard case let .blob(v) = self[column] else { throw .corrupt("column \(column) is not a blob") }
        return v
    }
    func optionalBlob(_ column: String) throws(StoreError) -> [UInt8]? {
        switch self[column] {
        case let .blob(v): return v
        case .null, .none: return nil
        default: throw .corrupt("column \(column) is not a blob")
        }
    }
}

/// The SQL differences the store has to know about.
public enum SQLDialect: String, Sendable {
    case sqlite, postgres

    var blobType: String { self == .postgres ? "BYTEA" : "BLOB" }
    /// Row locks for the rows a transaction is about to change. PostgreSQL needs them so that
    /// several coordinators sharing one database never take the same job; SQLite has one writer,
    /// so its transactions are serial already.
    var lockForUpdate: String { self == .postgres ? " FOR UPDATE" : "" }
    var lockSkipLocked: String { self == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
}

/// Statements inside one transaction. Placeholders are `?`, bound in order.
public protocol SQLTransaction {
    var dialect: SQLDialect { get }
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
    /// Runs a statement and returns the number of rows it changed.
    @discardableResult func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
}

/// A database the store can run transactions on: all-or-nothing, serialisable with respect to the
/// rows they lock. The body runs on a thread that may block; it must not await.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    var description: String { get }
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
    /// A read-only snapshot. SQLite serves these from its reader connections, beside the writer.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
    func close() async
}

/// Store failures. `conflict` and `notFound` are the caller's fault and carry a message for them;
/// `unavailable` and `corrupt` are the operator's.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case forbidden(String)
    case insufficientFunds(String)
    case unavailable(String)
    case corrupt(String)
    /// A signed request's nonce was used before (`RequestNonce`).
    case replayed(String)

    public var description: String {
        switch self {
        case let .notFound(m), let .conflict(m), let .forbidden(m), let .insufficientFunds(m), let .replayed(m): return m
        case let .unavailable(m): return "database unavailable: \(m)"
        case let .corrupt(m): return "database content is not what this coordinator expects: \(m)"
        }
    }
}
