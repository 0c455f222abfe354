#!/usr/bin/env bash
# Builds the Obelysk CUDA emulator: OUTDIR/libobelysk-cuda-emulator.so, a
# stand-in for libcuda.so.1 and libnvrtc.so (see README.md).
# Usage: Tools/cuda-emulator/build.sh OUTDIR
# Skips the build when the library is newer than its sources.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
lib="$out/libobelysk-cuda-emulator.so"

# emu_device.h is read at kernel-compile time (and hashed into the module
# cache key), so only the emulator's own sources decide whether to rebuild.
if [[ -f "$lib" && "$lib" -nt "$here/emulator.cpp" && "$lib" -nt "$here/emu_abi.h" && "$lib" -nt "$here/build.sh" ]]; then
    echo "$lib is up to date"
    exit 0
fi

cxx="${OBELYSK_EMU_BUILD_CXX:-}"
if [[ -z "$cxx" ]]; then
    if command -v clang++ >/dev/null 2>&1; then cxx=clang++; else cxx=g++; fi
fi

# Build to a temporary name and rename, so a concurrent reader never dlopens
# a half-written library.
"$cxx" -std=c++20 -O2 -shared -fPIC -Wall -Wextra -Wno-unused-parameter \
    -DOBELYSK_EMU_DIR="\"$here\"" \
    "$here/emulator.cpp" -o "$lib.tmp.$$" -ldl -lpthread
mv -f "$lib.tmp.$$" "$lib"
echo "built $lib with $cxx"
