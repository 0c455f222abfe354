// Proof-of-work grinding, as ProofOfWork.grind on the CPU: a nonce is valid when
// Blake2s(digest ‖ nonce as 8 little-endian bytes, person "obk.pow_") has at least `bits` trailing
// zero bits in its first 64 output bits read little-endian. The 40-byte message is one block, so each
// nonce costs a single compression (counter 40, final).
//
// A launch tests the nonces base ..< base + count; each thread takes a run of `perThread` consecutive
// nonces, stops at its first valid one and atomicMin's it into *result, so *result ends as the
// smallest valid nonce of the batch (or stays at its initial all-ones when there is none). The host
// launches batches in increasing order and stops at the first with a hit: the answer is the smallest
// valid nonce overall, the CPU's.
#include "m31.cuh"
#include "blake2s.cuh"

extern "C" __global__ void pow_grind(uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3, uint32_t d4, uint32_t d5,
                                     uint32_t d6, uint32_t d7, uint64_t base, uint64_t count, uint32_t perThread,
                                     uint32_t bits, unsigned long long* result) {
    const uint64_t thread = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const uint64_t offset = thread * perThread;
    if (offset >= count) return;
    const uint64_t end = base + (count - offset < perThread ? count - offset : perThread) + offset;
    const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    uint32_t start[8];
    b2s_init(start, B2S_PERSON_OBK, B2S_PERSON_POW);
    for (uint64_t nonce = base + offset; nonce < end; nonce++) {
        const uint32_t m[16] = {d0, d1, d2, d3, d4, d5, d6, d7, (uint32_t)nonce, (uint32_t)(nonce >> 32), 0, 0, 0, 0, 0, 0};
        uint32_t h[8];
#pragma unroll
        for (int w = 0; w < 8; w++) h[w] = start[w];
        b2s_compress(h, m, 40, true);
        const uint64_t low = (uint64_t)h[0] | ((uint64_t)h[1] << 32);
        if ((low & mask) == 0) {
            atomicMin(result, (unsigned long long)nonce);
            return;
        }
    }
}
