// Device helpers for the composition kernels that ConstraintKernelSource generates from a
// constraint system: the circle-domain index arithmetic that finds a point's row neighbour, and
// lazily reduced QM31 accumulation. Include after m31.cuh.
#pragma once

// A sum of M31 products kept in 64 bits: each product is < 2^62, so three of them fit on top of a
// folded value (< 2^34). The generator folds after every third addition and reduces at the end.
__device__ __forceinline__ uint64_t m31_fold64(uint64_t v) { return (v & M31_P) + (v >> 31); }

/// The canonical value of a 64-bit sum (2^31 ≡ 1: fold twice, then one conditional subtraction).
__device__ __forceinline__ uint32_t m31_reduce64(uint64_t v) {
    uint64_t f = (v & M31_P) + (v >> 31);                       // < 2^31 + 2^33
    uint32_t g = (uint32_t)(f & M31_P) + (uint32_t)(f >> 31);   // < 2^31 + 8
    return g >= M31_P ? g - M31_P : g;
}

/// The canonical value of a sum below 2^61: one fold leaves < P + 2^30 < 2P.
__device__ __forceinline__ uint32_t m31_reduce61(uint64_t v) {
    uint32_t g = (uint32_t)(v & M31_P) + (uint32_t)(v >> 31);
    return g >= M31_P ? g - M31_P : g;
}

/// The storage position, in the bit-reversed canonic domain of size 2^logSize, of the point whose
/// index is that of position k plus delta·2^(30 - logSize) (CircleDomain.storedIndex and
/// storagePosition(of:) in Sources/Obelysk/Circle/CircleDomain.swift). Indices of the domain are
/// c·2^(30 - logSize) with c odd and < 2^(logSize + 1); natural position i < half holds c = 1 + 4i,
/// position half + i its reflection 2^(logSize+1) - (1 + 4i). Row r + o of the trace is the point
/// + o·G_N, i.e. delta = o·2^(logExpansion + 1).
__device__ __forceinline__ uint32_t circle_neighbour(uint32_t k, uint32_t logSize, uint32_t delta) {
    const uint32_t full = 2u << logSize;                  // 2^(logSize+1)
    const uint32_t half = 1u << (logSize - 1);
    const uint32_t i = __brev(k) >> (32 - logSize);       // natural position
    uint32_t c = i < half ? 1u + 4u * i : full - (1u + 4u * (i - half));
    c = (c + delta) & (full - 1u);
    const uint32_t natural = (c & 3u) == 1u ? (c >> 2) : half + ((full - c) >> 2);
    return __brev(natural) >> (32 - logSize);
}
