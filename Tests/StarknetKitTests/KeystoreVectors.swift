/// Keystore files from independent implementations, pasted verbatim.
enum KeystoreVectors {
    /// eth-keyfile 0.10.0, scrypt with starkli's parameters (n 8192, r 8, p 1, 32-byte salt); see
    /// Vectors/generate_keystore_vectors.py. Password "correct horse battery staple".
    static let ethKeyfileScrypt = #"{"address":"2C58787bC60228A95Fa171C8114E168A7015bE8C","crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"},"ciphertext":"39d9cf96126913e55a3fe563a06366705830d7399ec71197113698b73339ccfc","kdf":"scrypt","kdfparams":{"dklen":32,"n":8192,"r":8,"p":1,"salt":"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"},"mac":"d732676aaed85c46e54e233be9e864a1b485fcb3ff1f2ec46c30a675437b9863"},"id":"3198bc9c-6672-4ab3-9aa0-f1ad3ff3d3ff","version":3}"#
    static let ethKeyfileScryptKey = "0x563a3d4e7a0f0e1b8f5b3a3c1d2e4f60718293a4b5c6d7e8f90a1b2c3d4e5f6"

    /// eth-keyfile 0.10.0, PBKDF2-HMAC-SHA256 c = 10000, non-ASCII password "pässwörd ✓"; the IV ends in ff, so
    /// the second counter block carries into the next byte.
    static let ethKeyfilePBKDF2 = #"{"address":"9CE8D2160491bbc4912836e08f7ee2226cc26888","crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"},"ciphertext":"9cdb7767bc6d099298b23ad0c0e37afb73e5d5912071fb97f1b0cd25dbb02b55","kdf":"pbkdf2","kdfparams":{"c":10000,"dklen":32,"prf":"hmac-sha256","salt":"101112131415161718191a1b1c1d1e1f"},"mac":"5d38f2d2e7b1e38ad0d88068ad2201843db7c49bad1328d1d4d63d68a674ed1f"},"id":"0f7c5a1e-8d2b-4c3a-9e6f-1a2b3c4d5e6f","version":3}"#
    static let ethKeyfilePBKDF2Key = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9"

    /// eth-keyfile 0.10.0: a valid file whose secret is the curve order n (password "order").
    static let ethKeyfileNotAStarkKey = #"{"address":"9994783f9f10b37F4CdD53BAc9DA5f44BD8A7DDc","crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"00000000000000000000000000000000"},"ciphertext":"c3d9cfd9f501dafa762e1f2441066a8a27fad6adcd778a46a427fdf02bb52835","kdf":"pbkdf2","kdfparams":{"c":1000,"dklen":32,"prf":"hmac-sha256","salt":"00000000000000000000000000000000"},"mac":"78f7f11b73d575efd98516e7f877e2daed3212b61873102cea90ad22110b748d"},"id":"00000000-0000-4000-8000-00000000000e","version":3}"#

    /// eth-keystore-rs `tests/test-keys/key-scrypt.json` (the library starkli writes with), rebuilt from the
    /// fields in the research notes §5.2, with geth's "Crypto" casing to exercise case-insensitive keys.
    static let ethKeystoreRS = #"{"Crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"2a9fc5d709ab79e7f015111b93872f6c"},"ciphertext":"eb7302cc8669683e49fc40f3445464020568a1d82e71c977264f286a3099be58","kdf":"scrypt","kdfparams":{"dklen":32,"n":8192,"p":1,"r":8,"salt":"19a1b0af7a3f4f04a4e8d1cf722550e905da18b369029b0460b12765f19d8a99"},"mac":"b2987a6adb597af26705042977c55ea132ca1391220455769eba2bc0b239089b"},"id":"5d5ad6e7-3d44-4c4f-8c0c-b0b3f3b4a3a9","version":3}"#
    static let ethKeystoreRSPassword = "grOQ8QDnGHvpYJf"
    /// Its plaintext, 0x80d3a6ed7b24dcd652949bc2f3827d2f883b3722e3120b15a93a2e0790f03829, is above the Stark prime.

    /// What `StarknetKeystore.encrypt` writes for `swiftWrittenKey`, password "swift-password", salt 00…1f,
    /// IV 00…0f and the id below. generate_keystore_vectors.py decrypts this exact text with eth-keyfile.
    static let swiftWritten = #"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"000102030405060708090a0b0c0d0e0f"},"ciphertext":"b2b6a115b71fa16d34c0e7fb8bc77e9321b0260583ec5715e1a77f8e6469b019","kdf":"scrypt","kdfparams":{"dklen":32,"n":8192,"p":1,"r":8,"salt":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},"mac":"bebefc0d1e0f6f1aad0972256e5dce92fc29663be54abc0547e7ca52a0a95908"},"id":"00000000-0000-4000-8000-000000000000","version":3}"#
    static let swiftWrittenKey = "0x3f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff"
    static let swiftWrittenID = "00000000-0000-4000-8000-000000000000"
}
