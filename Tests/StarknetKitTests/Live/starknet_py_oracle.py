#!/usr/bin/env python3
"""The independent side of LiveStarknetPyCrossCheckTests.swift: answers a batch of Starknet crypto questions
with implementations this project did not write.

* starknet-py 0.30.0: `pedersen_hash`, `private_to_stark_key`, `message_signature`, `verify_message_signature`
  (all crypto-cpp through crypto-cpp-py 2.0.0; RFC 6979 nonces from cairo-lang's `generate_k_rfc6979`),
  `compute_invoke_v3_transaction_hash`;
* poseidon-py 0.2.0 (starknet-py's Poseidon): `poseidon_hash_many`, `poseidon_hash`, `poseidon_hash_single`;
* eth-keyfile 0.10.0: `create_keyfile_json`, `decode_keyfile_json`.

Protocol: one JSON object on stdin, one on stdout. Every felt travels as a "0x…" hex string. Each request key
holds a list of cases and the reply has the same key with one result per case, in order; a case the library
refuses answers {"error": "..."} instead of failing the whole batch. Keys:

  pedersen:        [[a, b]]                                  -> [h]
  poseidon_many:   [[x, ...]]                                -> [h]
  poseidon_pair:   [[x, y]]                                  -> [[hash(x, y), hash_single(x)]]
  public_keys:     [private_key]                             -> [public_key]
  signatures:      [[private_key, message_hash]]             -> [[r, s]]      (seed=None: RFC 6979)
  verify:          [[public_key, message_hash, r, s]]        -> [bool]
  invoke_v3:       [{sender, nonce, chain_id, tip, bounds: [[amount, price] x 3], paymaster_data,
                     account_deployment_data, calldata, proof_facts, nonce_da, fee_da}]  -> [hash]
  keystore_decrypt: [{json: text, password: text}]          -> [private key, 32 bytes hex]
  keystore_create:  [{key: 32 bytes hex, password: text, kdf: "scrypt" | "pbkdf2", iterations: int | null,
                     salt_size: int}]                        -> [keystore JSON text]

The reply also carries "versions": the installed versions of the packages above. An import error or a
malformed request exits non-zero with a traceback on stderr, which the Swift test reports as a failure.
Run by hand: echo '{"pedersen": [["0x1", "0x2"]]}' | .venv-ci/bin/python starknet_py_oracle.py
"""
import json
import sys
from importlib.metadata import version

from eth_keyfile import create_keyfile_json, decode_keyfile_json
from poseidon_py.poseidon_hash import poseidon_hash, poseidon_hash_many, poseidon_hash_single
from starknet_py.hash.transaction import (
    CommonTransactionV3Fields,
    TransactionHashPrefix,
    compute_invoke_v3_transaction_hash,
)
from starknet_py.hash.utils import (
    message_signature,
    pedersen_hash,
    private_to_stark_key,
    verify_message_signature,
)
from starknet_py.net.client_models import DAMode, ResourceBounds, ResourceBoundsMapping


def felt(text):
    return int(text, 16)


def hexify(value):
    return hex(value)


def invoke_v3(case):
    bounds = [ResourceBounds(max_amount=int(a), max_price_per_unit=felt(p)) for a, p in case["bounds"]]
    common = CommonTransactionV3Fields(
        tx_prefix=TransactionHashPrefix.INVOKE,
        version=3,
        address=felt(case["sender"]),
        tip=int(case["tip"]),
        resource_bounds=ResourceBoundsMapping(l1_gas=bounds[0], l2_gas=bounds[1], l1_data_gas=bounds[2]),
        paymaster_data=[felt(x) for x in case["paymaster_data"]],
        chain_id=felt(case["chain_id"]),
        nonce=felt(case["nonce"]),
        nonce_data_availability_mode=DAMode(case["nonce_da"]),
        fee_data_availability_mode=DAMode(case["fee_da"]),
    )
    proof_facts = [felt(x) for x in case["proof_facts"]]
    return hexify(compute_invoke_v3_transaction_hash(
        account_deployment_data=[felt(x) for x in case["account_deployment_data"]],
        calldata=[felt(x) for x in case["calldata"]],
        common_fields=common,
        proof_facts=proof_facts or None,
    ))


def keystore_create(case):
    document = create_keyfile_json(
        bytes.fromhex(case["key"]), case["password"].encode("utf-8"), kdf=case["kdf"],
        iterations=case.get("iterations"), salt_size=case.get("salt_size"))
    return json.dumps(document)


HANDLERS = {
    "pedersen": lambda c: hexify(pedersen_hash(felt(c[0]), felt(c[1]))),
    "poseidon_many": lambda c: hexify(poseidon_hash_many([felt(x) for x in c])),
    "poseidon_pair": lambda c: [hexify(poseidon_hash(felt(c[0]), felt(c[1]))),
                                hexify(poseidon_hash_single(felt(c[0])))],
    "public_keys": lambda c: hexify(private_to_stark_key(felt(c))),
    "signatures": lambda c: [hexify(x) for x in message_signature(felt(c[1]), felt(c[0]), seed=None)],
    "verify": lambda c: bool(verify_message_signature(felt(c[1]), [felt(c[2]), felt(c[3])], felt(c[0]))),
    "invoke_v3": invoke_v3,
    "keystore_decrypt": lambda c: decode_keyfile_json(json.loads(c["json"]), c["password"].encode("utf-8")).hex(),
    "keystore_create": keystore_create,
}


def answer(handler, case):
    try:
        return handler(case)
    except Exception as error:  # a refusal by the library is an answer the test can compare, not a crash
        return {"error": f"{type(error).__name__}: {error}"}


def main():
    request = json.load(sys.stdin)
    unknown = set(request) - set(HANDLERS)
    if unknown:
        raise SystemExit(f"starknet_py_oracle: unknown request keys {sorted(unknown)}")
    reply = {key: [answer(HANDLERS[key], case) for case in cases] for key, cases in request.items()}
    reply["versions"] = {name: version(name) for name in
                         ("starknet-py", "crypto-cpp-py", "poseidon-py", "eth-keyfile", "eth-keys")}
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
