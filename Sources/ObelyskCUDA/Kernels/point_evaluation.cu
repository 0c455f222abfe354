// Polynomials (circle-FFT coefficients, 2^logSize each) at one secure point, as
// Sources/Obelysk/FFT/PointEvaluation.swift: f(P) = Σ_j c_j · b_j(P) with b_j(P) the product of the
// basis variables of j's set bits. The weight of j = h·L + l factors as low[l] · high[h] (the low
// logL variables and the rest), so a block sums c_{h·L + l} · low[l] over l with M31 × QM31
// products, multiplies once by high[h], and a second kernel adds the blocks of each polynomial.
// Field sums are exact, so the order of additions cannot change the result.
#include "m31.cuh"
#include "composition.cuh"

#define POINT_EVAL_BLOCK 256

// Grid (H, polynomialCount), block POINT_EVAL_BLOCK. polynomials[k] is the address of polynomial k;
// low: L weights, coordinate-major (coordinate q of weight l at q·L + l); high: H QM31 weights,
// 4 words each; partials: H QM31 values per polynomial, polynomial-major.
extern "C" __global__ void point_eval_blocks(const uint64_t* __restrict__ polynomials, const uint32_t* __restrict__ low,
                                             uint32_t logL, const uint32_t* __restrict__ high,
                                             uint32_t* __restrict__ partials) {
    __shared__ uint32_t sums[4][POINT_EVAL_BLOCK];
    const uint32_t L = 1u << logL;
    const uint32_t h = blockIdx.x, k = blockIdx.y, t = threadIdx.x;
    const uint32_t* c = reinterpret_cast<const uint32_t*>(polynomials[k]) + (uint64_t)h * L;
    // Each thread sums its products in 64 bits, folding every third one (products < 2^62, a folded sum < 2^34).
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    uint32_t since = 0;
    for (uint32_t l = t; l < L; l += blockDim.x) {
        const uint64_t v = c[l];
        s0 += v * low[l]; s1 += v * low[L + l]; s2 += v * low[2 * L + l]; s3 += v * low[3 * L + l];
        if (++since == 3) { s0 = m31_fold64(s0); s1 = m31_fold64(s1); s2 = m31_fold64(s2); s3 = m31_fold64(s3); since = 0; }
    }
    sums[0][t] = m31_reduce64(s0); sums[1][t] = m31_reduce64(s1); sums[2][t] = m31_reduce64(s2); sums[3][t] = m31_reduce64(s3);
    for (uint32_t width = blockDim.x / 2; width > 0; width >>= 1) {
        __syncthreads();
        if (t < width) {
#pragma unroll
            for (int q = 0; q < 4; q++) sums[q][t] = m31_add(sums[q][t], sums[q][t + width]);
        }
    }
    if (t == 0) {
        const qm31 sum = qm31_make(sums[0][0], sums[1][0], sums[2][0], sums[3][0]);
        qm31_store(partials + 4ull * ((uint64_t)k * gridDim.x + h), qm31_mul(sum, qm31_load(high + 4ull * h)));
    }
}

// Grid (polynomialCount), block POINT_EVAL_BLOCK: out[k] = Σ_h partials[k][h] (count = H).
extern "C" __global__ void point_eval_sum(const uint32_t* __restrict__ partials, uint32_t count, uint32_t* __restrict__ out) {
    __shared__ uint32_t sums[4][POINT_EVAL_BLOCK];
    const uint32_t k = blockIdx.x, t = threadIdx.x;
    qm31 s = qm31_zero();
    for (uint32_t h = t; h < count; h += blockDim.x) s = qm31_add(s, qm31_load(partials + 4ull * ((uint64_t)k * count + h)));
    sums[0][t] = s.a.a; sums[1][t] = s.a.b; sums[2][t] = s.b.a; sums[3][t] = s.b.b;
    for (uint32_t width = blockDim.x / 2; width > 0; width >>= 1) {
        __syncthreads();
        if (t < width) {
#pragma unroll
            for (int q = 0; q < 4; q++) sums[q][t] = m31_add(sums[q][t], sums[q][t + width]);
        }
    }
    if (t == 0) qm31_store(out + 4ull * k, qm31_make(sums[0][0], sums[1][0], sums[2][0], sums[3][0]));
}
