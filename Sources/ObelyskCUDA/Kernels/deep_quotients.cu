// DEEP quotient combination over a domain (Sources/Obelysk/PCS/DeepQuotients.swift and
// Sources/Obelysk/Backend/CPUDeepQuotients.swift): one thread per point p = (x, y), for each
// sample group
//     (Σ_c coefficient_c · f_c(p) - constant - yCoefficient · y) · w(p)⁻¹,
//     w(p) = deltaY·x - deltaX·y + gamma (CM31),
// summed over the groups. The column sums are kept in 64 bits and reduced once per group.
#include "m31.cuh"
#include "composition.cuh"

// Words per group in `groupData`: constant (4), yCoefficient (4), deltaY (2), deltaX (2), gamma (2).
#define DEEP_GROUP_WORDS 14

extern "C" __global__ void deep_quotients(
    const uint64_t* __restrict__ columns,        // the address of each column of `size` words
    const uint32_t* __restrict__ xs, const uint32_t* __restrict__ ys,
    const uint32_t* __restrict__ groupStarts,    // groupCount + 1 offsets into columnIndex / coefficients
    const uint32_t* __restrict__ columnIndex,
    const uint32_t* __restrict__ coefficients,   // one QM31 (4 words) per entry of columnIndex
    const uint32_t* __restrict__ groupData,
    uint32_t* __restrict__ out,                  // one QM31 (4 words) per point
    uint32_t logSize, uint32_t groupCount) {
    const uint32_t size = 1u << logSize;
    for (uint32_t p = blockIdx.x * blockDim.x + threadIdx.x; p < size; p += gridDim.x * blockDim.x) {
        const uint32_t x = xs[p], y = ys[p];
        qm31 total = qm31_zero();
        for (uint32_t g = 0; g < groupCount; g++) {
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            const uint32_t end = groupStarts[g + 1];
            uint32_t since = 0;
            for (uint32_t j = groupStarts[g]; j < end; j++) {
                const uint64_t f = reinterpret_cast<const uint32_t*>(columns[columnIndex[j]])[p];
                const uint32_t* c = coefficients + 4ull * j;
                s0 += c[0] * f; s1 += c[1] * f; s2 += c[2] * f; s3 += c[3] * f;
                // Three products (< 2^62 each) fit on a folded sum (< 2^34).
                if (++since == 3) {
                    s0 = m31_fold64(s0); s1 = m31_fold64(s1); s2 = m31_fold64(s2); s3 = m31_fold64(s3);
                    since = 0;
                }
            }
            const uint32_t* d = groupData + DEEP_GROUP_WORDS * g;
            qm31 numerator = qm31_make(m31_reduce64(s0), m31_reduce64(s1), m31_reduce64(s2), m31_reduce64(s3));
            numerator = qm31_sub(qm31_sub(numerator, qm31_load(d)), qm31_scale(qm31_load(d + 4), y));
            const cm31 w = cm31_add(cm31_sub(cm31_scale(cm31_make(d[8], d[9]), x), cm31_scale(cm31_make(d[10], d[11]), y)),
                                    cm31_make(d[12], d[13]));
            total = qm31_add(total, qm31_mul_cm31(numerator, cm31_inverse(w)));
        }
        qm31_store(out + 4ull * p, total);
    }
}
