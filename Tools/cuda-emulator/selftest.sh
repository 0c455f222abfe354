#!/usr/bin/env bash
# Builds the CUDA emulator and runs its self-test against it.
# Usage: Tools/cuda-emulator/selftest.sh [OUTDIR]   (default: .build/cuda-emulator)
# To check the same test against a real GPU stack instead:
#   OBELYSK_LIBCUDA=libcuda.so.1 OBELYSK_NVRTC=libnvrtc.so Tools/cuda-emulator/selftest.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.build/cuda-emulator}"

"$here/build.sh" "$out"
out="$(cd "$out" && pwd)"

cc="${CC:-}"
if [[ -z "$cc" ]]; then
    if command -v clang >/dev/null 2>&1; then cc=clang; else cc=gcc; fi
fi
if [[ ! -x "$out/selftest" || "$here/selftest.c" -nt "$out/selftest" ]]; then
    "$cc" -std=c11 -O1 -Wall -Wextra -pthread "$here/selftest.c" -o "$out/selftest" -ldl
fi

lib="$out/libobelysk-cuda-emulator.so"
if [[ -n "${OBELYSK_LIBCUDA:-}" ]]; then
    exec "$out/selftest" "$OBELYSK_LIBCUDA" "${OBELYSK_NVRTC:-$OBELYSK_LIBCUDA}"
fi
# The emulator: once as one device (what the single-device tests see) and once
# as two, so the multi-device section runs too (OBELYSK_EMU_DEVICES overrides the second).
echo "== emulator with 1 device"
OBELYSK_EMU_DEVICES=1 "$out/selftest" "$lib" "$lib"
echo "== emulator with ${OBELYSK_EMU_DEVICES:-2} devices"
OBELYSK_EMU_DEVICES="${OBELYSK_EMU_DEVICES:-2}" exec "$out/selftest" "$lib" "$lib"
