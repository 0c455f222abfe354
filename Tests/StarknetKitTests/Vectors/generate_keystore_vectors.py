#!/usr/bin/env python3
"""Keystore (Web3 Secret Storage v3) vectors from an independent implementation, eth-keyfile.

Run:  python3 -m venv .venv && .venv/bin/pip install eth-keyfile==0.10.0 && .venv/bin/python generate_keystore_vectors.py

1. Creates an scrypt keystore with starkli's parameters (n=8192, r=8, p=1, 32-byte salt) and a PBKDF2-HMAC-SHA256
   keystore (and one holding n, which is no Stark key), for fixed keys, passwords, salts and IVs (eth-keyfile's randomness is replaced by fixed bytes), and
   prints them; KeystoreTests.swift embeds the output as literals and decrypts them.
2. Decrypts SWIFT_WRITTEN, the file StarknetKeystore.encrypt produced for fixed inputs (KeystoreTests checks that
   Swift still produces exactly these bytes), and checks the key: the "reverse" direction of the cross-check.
"""
import json
import uuid

import eth_keyfile.keyfile as keyfile
from eth_keyfile import create_keyfile_json, decode_keyfile_json


def fixed_random(chunks):
    """eth-keyfile draws the salt, then the IV; hand them out in that order."""
    queue = list(chunks)

    def get_random_bytes(n):
        chunk = queue.pop(0)
        assert len(chunk) == n, (len(chunk), n)
        return chunk

    return get_random_bytes


def make(private_key_hex, password, kdf, work_factor, salt, iv, file_id):
    keyfile.Random.get_random_bytes = fixed_random([salt, iv])
    keyfile.uuid4 = lambda: uuid.UUID(file_id)
    key = bytes.fromhex(private_key_hex)
    document = create_keyfile_json(key, password.encode(), kdf=kdf, iterations=work_factor, salt_size=len(salt))
    assert decode_keyfile_json(document, password.encode()) == key
    return document


SCRYPT = make(
    "0563a3d4e7a0f0e1b8f5b3a3c1d2e4f60718293a4b5c6d7e8f90a1b2c3d4e5f6",
    "correct horse battery staple",
    "scrypt",
    8192,
    bytes(range(0x40, 0x60)),
    bytes(range(0xA0, 0xB0)),
    "3198bc9c-6672-4ab3-9aa0-f1ad3ff3d3ff",
)
PBKDF2 = make(
    "07a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9",
    "pässwörd ✓",
    "pbkdf2",
    10000,
    bytes(range(0x10, 0x20)),
    bytes(range(0xF0, 0x100)),
    "0f7c5a1e-8d2b-4c3a-9e6f-1a2b3c4d5e6f",
)
# A well-formed file whose secret is the curve order n: the MAC checks out, but it is not a Stark private key.
NOT_A_STARK_KEY = make(
    "0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f",
    "order",
    "pbkdf2",
    1000,
    bytes(16),
    bytes(16),
    "00000000-0000-4000-8000-00000000000e",
)

# Written by StarknetKeystore.encrypt(key 0x3f1e…eeff, password "swift-password", .starkli(salt: 00…1f), iv 00…0f,
# id "00000000-0000-4000-8000-000000000000"); KeystoreTests.swiftWrittenFile checks Swift writes exactly this text.
SWIFT_WRITTEN = '''{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"000102030405060708090a0b0c0d0e0f"},"ciphertext":"b2b6a115b71fa16d34c0e7fb8bc77e9321b0260583ec5715e1a77f8e6469b019","kdf":"scrypt","kdfparams":{"dklen":32,"n":8192,"p":1,"r":8,"salt":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},"mac":"bebefc0d1e0f6f1aad0972256e5dce92fc29663be54abc0547e7ca52a0a95908"},"id":"00000000-0000-4000-8000-000000000000","version":3}'''
SWIFT_WRITTEN_KEY = "03f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff"
SWIFT_WRITTEN_PASSWORD = "swift-password"

if __name__ == "__main__":
    print("scrypt:", json.dumps(SCRYPT, separators=(",", ":")))
    print("pbkdf2:", json.dumps(PBKDF2, separators=(",", ":")))
    print("not a stark key:", json.dumps(NOT_A_STARK_KEY, separators=(",", ":")))
    decrypted = decode_keyfile_json(json.loads(SWIFT_WRITTEN), SWIFT_WRITTEN_PASSWORD.encode())
    assert decrypted.hex() == SWIFT_WRITTEN_KEY, decrypted.hex()
    print("swift-written file decrypts with eth-keyfile to", decrypted.hex())
