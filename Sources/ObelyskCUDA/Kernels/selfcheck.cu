// The smallest module: adds two M31 vectors. Used to check that loading, compiling and launching work.
#include "m31.cuh"

extern "C" __global__ void m31_add_vectors(const uint32_t* a, const uint32_t* b, uint32_t* out, uint32_t n) {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = m31_add(a[i], b[i]);
}
