#!/usr/bin/env bash
# The CUDA backend's device check, for a GPU machine with nothing but the NVIDIA driver and CUDA
# (no Swift): it runs a static bitsage-proof built on a CPU machine and prints one table.
#
#   On the build machine:  swift build -c release --static-swift-stdlib --product bitsage-proof
#                          mkdir -p dist/gpu && cp .build/release/bitsage-proof dist/gpu/ && strip dist/gpu/bitsage-proof
#   On the GPU machine, from the checkout's root (the kernel sources are read from Sources/ObelyskCUDA/Kernels):
#                          scripts/gpu-check.sh [dist/gpu/bitsage-proof] [OUTPUT_DIR] [gpu-check options...]
#
# It (a) checks every CUDA operation and whole fibonacci, poseidon2 and vm proofs byte for byte against
# the CPU backend, (b) times the FFT from 2^20 to 2^26 beside a device-to-device copy measured in the
# same run, and the Merkle commitment, (c) times whole proofs on the GPU and on every CPU core of the
# same machine. Exit status: 0 all checks passed, 1 a check failed, 2 no usable GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
binary=${1:-dist/gpu/bitsage-proof}
out=${2:-${OUT:-/tmp/gpu-check}}
shift $(( $# >= 2 ? 2 : $# ))
mkdir -p "$out"

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
nvidia-smi --query-gpu=name,uuid,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv || true
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
ls -l "$binary" || exit 2

# The kernel sources of the checkout, unless the caller points at the ones the binary was built with.
export OBELYSK_CUDA_KERNELS="${OBELYSK_CUDA_KERNELS:-$PWD/Sources/ObelyskCUDA/Kernels}"
export OBELYSK_CUDA_CACHE="${OBELYSK_CUDA_CACHE:-/tmp/obelysk-cuda-cache}"
"$binary" gpu-check --json "$out/gpu-check.json" "$@" 2>&1 | tee "$out/gpu-check.log"
exit "${PIPESTATUS[0]}"
