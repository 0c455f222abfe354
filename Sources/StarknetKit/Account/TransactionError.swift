/// Why transaction fields could not be built or signed.
public enum TransactionError: Error, Sendable, Hashable {
    /// `max_price_per_unit` is a u128 in the protocol.
    case pricePerUnitOutOfRange
    /// The transaction hash could not be signed (it is always < 2^251 in practice; see `ECDSAError`).
    case signing(ECDSAError)
}
