// One FRI fold (Sources/Obelysk/FRI/FriFolding.swift, CPUBackend.fold): pairs of adjacent QM31
// values (a, b) = (values[2h], values[2h+1]) become (a + b) + α·(a - b)·t⁻¹[h], t⁻¹ the inverse
// twiddles of the fold's layer on the canonic domain. QM31 values are four words each, in the
// CPU's coordinate order.
#include "m31.cuh"

extern "C" __global__ void fri_fold(const uint32_t* values, uint32_t* out, const uint32_t* inverseTwiddles, uint32_t half,
                                    uint32_t alpha0, uint32_t alpha1, uint32_t alpha2, uint32_t alpha3) {
    const uint32_t h = blockIdx.x * blockDim.x + threadIdx.x;
    if (h >= half) return;
    const qm31 alpha = qm31_make(alpha0, alpha1, alpha2, alpha3);
    const qm31 a = qm31_load(values + 8ull * h);
    const qm31 b = qm31_load(values + 8ull * h + 4ull);
    const qm31 odd = qm31_scale(qm31_sub(a, b), inverseTwiddles[h]);
    qm31_store(out + 4ull * h, qm31_add(qm31_add(a, b), qm31_mul(alpha, odd)));
}
