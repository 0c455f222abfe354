/// The error codes of the Starknet JSON-RPC spec (`starknet_api_openrpc.json`, `starknet_write_api.json`) and
/// the JSON-RPC 2.0 reserved codes. Codes a node sends that are not listed here surface as `.rpc` with a nil
/// `known` code, never as a crash or a generic failure.
public enum StarknetErrorCode: Int, Sendable, Hashable, CaseIterable {
    case failedToReceiveTransaction = 1
    case noTraceAvailable = 10
    case contractNotFound = 20
    case entrypointNotFound = 21
    case blockNotFound = 24
    case invalidTransactionIndex = 27
    case classHashNotFound = 28
    case transactionHashNotFound = 29
    case pageSizeTooBig = 31
    case noBlocks = 32
    case invalidContinuationToken = 33
    case tooManyKeysInFilter = 34
    case contractError = 40
    case transactionExecutionError = 41
    case storageProofNotSupported = 42
    case classAlreadyDeclared = 51
    case invalidTransactionNonce = 52
    case insufficientResourcesForValidate = 53
    case insufficientAccountBalance = 54
    case validationFailure = 55
    case compilationFailed = 56
    case contractClassSizeTooLarge = 57
    case nonAccount = 58
    case duplicateTransaction = 59
    case compiledClassHashMismatch = 60
    case unsupportedTransactionVersion = 61
    case unsupportedContractClassVersion = 62
    case unexpectedError = 63
    // JSON-RPC 2.0.
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
}
