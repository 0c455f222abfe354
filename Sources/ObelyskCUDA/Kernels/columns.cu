// Moving values between the layouts the prover's steps use, on the device, so that columns never
// leave it between steps (Sources/ObelyskCUDA/Backend/CUDAResidentColumns.swift):
// - column_gather: pieces of columns that may live in different buffers, back to back in one buffer
//   (the Merkle, FFT and composition kernels read a batch of columns from one base pointer);
// - gather_addresses: single words anywhere in device memory (opened rows, FRI witness values, a
//   decommitment's rows and siblings), so every opening comes back in one launch and one download;
// - secure_to_coordinates: QM31 values (4 words each) → their four coordinate columns;
// - fri_pair_columns: a FRI layer's QM31 values → the 8 columns of its pair leaves (FriLayerLayout);
// - rows_to_storage: trace columns in row order → storage order on the trace domain.
#include "m31.cuh"

// Column k of the output (`rows` words at out + k·rows) is a copy of the `rows` words at sources[k].
// Grid: x over words, y over columns.
extern "C" __global__ void column_gather(const uint64_t* __restrict__ sources, uint32_t rows, uint32_t* __restrict__ out) {
    const uint32_t k = blockIdx.y;
    const uint32_t* source = reinterpret_cast<const uint32_t*>(sources[k]);
    uint32_t* target = out + (uint64_t)k * rows;
    for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < rows; i += gridDim.x * blockDim.x) target[i] = source[i];
}

// values: n QM31 values, 4 words each → out: coordinate q of value i at q·n + i.
extern "C" __global__ void secure_to_coordinates(const uint32_t* __restrict__ values, uint32_t n, uint32_t* __restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const uint4 v = *reinterpret_cast<const uint4*>(values + 4ull * i);
    out[i] = v.x;
    out[(uint64_t)n + i] = v.y;
    out[2ull * n + i] = v.z;
    out[3ull * n + i] = v.w;
}

// values: 2·half QM31 values → 8 columns of `half` words: column c, row h = coordinate c % 4 of
// value 2h + c / 4, i.e. word 8h + c of the values (the pair (v[2h], v[2h+1]) is one leaf).
extern "C" __global__ void fri_pair_columns(const uint32_t* __restrict__ values, uint32_t half, uint32_t* __restrict__ out) {
    const uint32_t h = blockIdx.x * blockDim.x + threadIdx.x;
    if (h >= half) return;
    const uint4 a = *reinterpret_cast<const uint4*>(values + 8ull * h);
    const uint4 b = *reinterpret_cast<const uint4*>(values + 8ull * h + 4);
    out[h] = a.x;
    out[(uint64_t)half + h] = a.y;
    out[2ull * half + h] = a.z;
    out[3ull * half + h] = a.w;
    out[4ull * half + h] = b.x;
    out[5ull * half + h] = b.y;
    out[6ull * half + h] = b.z;
    out[7ull * half + h] = b.w;
}

// Trace columns in row order → storage order on the trace domain of 2^logSize points
// (CircleDomain.storagePosition(ofRow:)): row r is point r/2 of the half coset when r is even and
// the conjugate of point (size-1-r)/2 when odd, stored at the bit reversal of its natural index.
// Grid: x over rows, y over columns (`columns` back to back, in and out).
extern "C" __global__ void rows_to_storage(const uint32_t* __restrict__ rows, uint32_t logSize, uint32_t* __restrict__ out) {
    const uint32_t size = 1u << logSize;
    const uint64_t base = (uint64_t)blockIdx.y * size;
    for (uint32_t r = blockIdx.x * blockDim.x + threadIdx.x; r < size; r += gridDim.x * blockDim.x) {
        const uint32_t natural = (r & 1) == 0 ? r >> 1 : (size >> 1) + ((size - 1 - r) >> 1);
        const uint32_t position = logSize == 0 ? 0 : __brev(natural) >> (32 - logSize);
        out[base + position] = rows[base + r];
    }
}

// out[i] = the word at device address addresses[i] (words of several buffers in one download).
extern "C" __global__ void gather_addresses(const uint64_t* __restrict__ addresses, uint32_t count, uint32_t* __restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) out[i] = *reinterpret_cast<const uint32_t*>(addresses[i]);
}
