#!/usr/bin/env python3
"""Regenerates the Poseidon2-M31 width-16 round constants with the Grain LFSR of the Poseidon paper
(ePrint 2019/458, Appendix F; reference script generate_parameters_grain.sage), as Plonky3 states it
did for MERSENNE31_POSEIDON2_RC_16_* in mersenne-31/src/poseidon2.rs:
    field_type=1 (prime field), sbox=0 (x^alpha), n=31, t=16, R_F=8, R_P=14.

Poseidon2 draws R_F*t + R_P constants in round order: 4 full rounds (16 each), 14 partial rounds
(1 each), 4 full rounds (16 each). Rejection sampling: 31-bit draws >= p are discarded.

Usage: python3 Tests/Vectors/poseidon2_m31_constants.py   (prints Swift-ready hex, checks against
the constants in Sources/Obelysk/Poseidon2/Poseidon2M31.swift and exits non-zero on a mismatch).
"""
import re
import sys
from pathlib import Path

P = (1 << 31) - 1
FIELD, SBOX, N, T, R_F, R_P = 1, 0, 31, 16, 8, 14


def grain_bits():
    bits = []
    for value, width in ((FIELD, 2), (SBOX, 4), (N, 12), (T, 12), (R_F, 10), (R_P, 10)):
        bits += [int(b) for b in bin(value)[2:].zfill(width)]
    bits += [1] * 30
    assert len(bits) == 80

    def step():
        new = bits[62] ^ bits[51] ^ bits[38] ^ bits[23] ^ bits[13] ^ bits[0]
        bits.pop(0)
        bits.append(new)
        return new

    for _ in range(160):
        step()
    while True:
        # Self-shrinking: take bits in pairs; output the second only when the first is 1.
        first = step()
        while first == 0:
            step()
            first = step()
        yield step()


def constants():
    gen = grain_bits()

    def field_element():
        while True:
            v = int("".join(str(next(gen)) for _ in range(N)), 2)
            if v < P:
                return v

    flat = [field_element() for _ in range(R_F * T + R_P)]
    half = R_F // 2 * T
    external = [flat[i * T:(i + 1) * T] for i in range(R_F // 2)]
    internal = flat[half:half + R_P]
    rest = flat[half + R_P:]
    external += [rest[i * T:(i + 1) * T] for i in range(R_F // 2)]
    return external, internal


def main():
    external, internal = constants()
    for r, row in enumerate(external):
        print(f"external[{r}] = [" + ", ".join(f"0x{v:08x}" for v in row) + "]")
    print("internal = [" + ", ".join(f"0x{v:08x}" for v in internal) + "]")
    source = Path(__file__).resolve().parents[2] / "Sources/Obelysk/Poseidon2/Poseidon2M31.swift"
    text = source.read_text()
    ours = [int(h, 16) for h in re.findall(r"0x[0-9a-f]{8}", text)]
    expected = [v for row in external for v in row] + internal
    if ours != expected:
        print("MISMATCH with", source, file=sys.stderr)
        return 1
    print(f"OK: all {len(expected)} constants in {source.name} match the Grain LFSR output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
