// The circle FFT over M31 on columns stored back to back (column c at c·2^logSize), as on the CPU
// (Sources/Obelysk/FFT/CircleFFT.swift): layer k pairs indices i and i + 2^k, and butterfly block
// h = i >> (k + 1) uses twiddle h of layer k.
//   inverse: (a, b) → (a + b, (a - b)·t), layers ascending;
//   forward: (a, b) → (a + b·t, a - b·t), layers descending.
//
// One launch is one "pass": `layers` consecutive layers starting at `first`. A block owns a tile of
// 2^layers rows × 2^logC adjacent words: row j, word w of block (hi, chunk) is the index
//   hi·2^(first+layers) + j·2^first + chunk·2^logC + w,
// which holds every butterfly partner of the pass (they differ in j only), so the block loads the
// tile once, does all its layers in shared memory and stores it once. The low pass (first = 0,
// logC = 0) is a contiguous tile; high passes read 2^logC-word runs (whole sectors when logC ≥ 3)
// of rows spaced 2^first apart. A whole 2^24 column takes three passes over memory.
//
// Within the tile each thread takes up to three layers at a time in registers (a radix-8 group),
// so shared memory is touched once per three layers rather than once per layer; the first and last
// rounds go straight from and to global memory when their words are ≥ 8 apart (whole sectors per
// group of threads), otherwise through a coalesced copy into and out of shared memory.
//
// Twiddles: the whole tree of the domain (logSize) in the CPU's layout, one direction's layers back
// to back: layer k starts at 2^logSize - 2^(logSize - k).
#include "m31.cuh"

// A tile is at most 2^13 words (32 KiB plus padding, under the 48 KiB of static shared memory).
#define FFT_MAX_TILE_LOG 13
// One pad word every 32 spreads the column-wise accesses of the narrowest layers over all banks.
#define FFT_PAD(e) ((e) + ((e) >> 5))
#define FFT_SHARED_WORDS ((1u << FFT_MAX_TILE_LOG) + ((1u << FFT_MAX_TILE_LOG) >> 5))

// A block's tile and where its words live in the columns.
struct fft_tile {
    const uint32_t* src;
    uint32_t* dst;
    uint64_t srcColumn, dstColumn;   // first word of the block's column in src and dst
    uint32_t srcMask;                // 2^srcLog - 1
    uint32_t hi, chunk;              // the block's position above the tile and among the row runs
    uint32_t first, rowsLog, logC, scale, logSize;
    const uint32_t* twiddles;

    // The column index of tile word e (row e >> logC, word e mod 2^logC of the row's run).
    __device__ __forceinline__ uint32_t index(uint32_t e) const {
        return (hi << (first + rowsLog)) | ((e >> logC) << first) | (chunk << logC) | (e & ((1u << logC) - 1u));
    }
    __device__ __forceinline__ uint32_t load(uint32_t e) const { return src[srcColumn + (index(e) & srcMask)]; }
    __device__ __forceinline__ void store(uint32_t e, uint32_t v) const {
        dst[dstColumn + index(e)] = scale == 1u ? v : m31_mul(v, scale);
    }
};

// Rounds whose word distance is at least 2^3 go straight between global memory and registers
// (consecutive threads then touch whole 32-byte sectors); narrower ones are staged in shared memory.
#define FFT_DIRECT_SHIFT 3u

// G (1..3) layers of the tile, local layers q0 .. q0+G-1, on groups of 2^G words held in registers.
// FROM_GLOBAL / TO_GLOBAL: the group's words come from src / go to dst instead of shared memory.
template <int G, bool INVERSE>
__device__ __forceinline__ void fft_group(uint32_t* s, const fft_tile& tile, uint32_t q0, bool fromGlobal, bool toGlobal) {
    const uint32_t groups = 1u << (tile.rowsLog + tile.logC - G);
    const uint32_t shift = q0 + tile.logC;   // the word distance of local layer q0 is 2^shift
    for (uint32_t g = threadIdx.x; g < groups; g += blockDim.x) {
        // The group's first word: g with G zero bits inserted at `shift`.
        const uint32_t base = ((g >> shift) << (shift + G)) | (g & ((1u << shift) - 1u));
        uint32_t v[1 << G];
#pragma unroll
        for (int t = 0; t < (1 << G); t++) {
            const uint32_t e = base + ((uint32_t)t << shift);
            v[t] = fromGlobal ? tile.load(e) : s[FFT_PAD(e)];
        }
#pragma unroll
        for (int step = 0; step < G; step++) {
            const int sub = INVERSE ? step : G - 1 - step;      // inverse ascends, forward descends
            const uint32_t q = q0 + (uint32_t)sub;              // local layer
            const uint32_t* layer = tile.twiddles + ((1u << tile.logSize) - (1u << (tile.logSize - tile.first - q)));
            // Words t and t + 2^sub pair up; the butterfly block (so the twiddle) depends only on the
            // bits of t above sub: one twiddle load per block u, shared by its 2^sub butterflies.
            const uint32_t blockBase = (tile.hi << (tile.rowsLog - q - 1u)) | (base >> (shift + (uint32_t)sub + 1u));
#pragma unroll
            for (int u = 0; u < (1 << (G - 1 - sub)); u++) {
                const uint32_t tw = layer[blockBase + (uint32_t)u];
#pragma unroll
                for (int l = 0; l < (1 << sub); l++) {
                    const int t = (u << (sub + 1)) | l;
                    const uint32_t a = v[t], b = v[t + (1 << sub)];
                    if (INVERSE) {
                        v[t] = m31_add(a, b);
                        v[t + (1 << sub)] = m31_mul(m31_sub(a, b), tw);
                    } else {
                        const uint32_t tb = m31_mul(b, tw);
                        v[t] = m31_add(a, tb);
                        v[t + (1 << sub)] = m31_sub(a, tb);
                    }
                }
            }
        }
#pragma unroll
        for (int t = 0; t < (1 << G); t++) {
            const uint32_t e = base + ((uint32_t)t << shift);
            if (toGlobal) tile.store(e, v[t]);
            else s[FFT_PAD(e)] = v[t];
        }
    }
}

template <bool INVERSE>
__device__ __forceinline__ void fft_round(uint32_t* s, const fft_tile& tile, uint32_t q0, uint32_t g, bool fromGlobal, bool toGlobal) {
    if (g == 3u) fft_group<3, INVERSE>(s, tile, q0, fromGlobal, toGlobal);
    else if (g == 2u) fft_group<2, INVERSE>(s, tile, q0, fromGlobal, toGlobal);
    else fft_group<1, INVERSE>(s, tile, q0, fromGlobal, toGlobal);
}

// One pass. Block x is tile x / columns of column x mod columns: the columns vary fastest, so the
// blocks that run together share their twiddles (one tile's worth, from L2) across a batch.
// Reads word i of column c from src[c·2^srcLog + (i mod 2^srcLog)] (srcLog < logSize only for the
// first pass of an evaluation: the zero-padded layers above the polynomial just copy, i.e. repeat
// it) and writes dst[c·2^logSize + i] times `scale` (the 1/N of an interpolation's last pass, else 1).
// src and dst may be the same buffer when srcLog == logSize: a block reads only its own tile, all of
// it before it writes any.
template <bool INVERSE>
__device__ __forceinline__ void fft_pass(uint32_t* s, const uint32_t* src, uint32_t* dst, const uint32_t* twiddles,
                                         uint32_t srcLog, uint32_t logSize, uint32_t first, uint32_t rowsLog,
                                         uint32_t logC, uint32_t scale, uint32_t columns) {
    const uint32_t tileLog = rowsLog + logC;
    if (rowsLog == 0u || tileLog > FFT_MAX_TILE_LOG || tileLog > logSize || logC > first || first + rowsLog > logSize ||
        srcLog > logSize || columns == 0u) return;
    const uint32_t tileWords = 1u << tileLog;
    const uint32_t block = blockIdx.x / columns;
    const uint32_t column = blockIdx.x % columns;
    if ((uint64_t)block >= (1ull << (logSize - tileLog))) return;
    fft_tile tile;
    tile.src = src; tile.dst = dst; tile.twiddles = twiddles;
    tile.srcColumn = (uint64_t)column << srcLog;
    tile.dstColumn = (uint64_t)column << logSize;
    tile.srcMask = (1u << srcLog) - 1u;
    tile.hi = block >> (first - logC);
    tile.chunk = block & ((1u << (first - logC)) - 1u);
    tile.first = first; tile.rowsLog = rowsLog; tile.logC = logC; tile.scale = scale; tile.logSize = logSize;

    // Rounds of up to three layers: the inverse from layer 0 up, the forward from the top down.
    const uint32_t rounds = (rowsLog + 2u) / 3u;
    const uint32_t firstShift = logC + (INVERSE ? 0u : (rowsLog > 3u ? rowsLog - 3u : 0u));
    const uint32_t lastShift = logC + (INVERSE ? 3u * (rounds - 1u) : 0u);
    const bool directLoad = firstShift >= FFT_DIRECT_SHIFT;
    const bool directStore = lastShift >= FFT_DIRECT_SHIFT;

    if (!directLoad) {
        // Coalesced load: consecutive threads take consecutive words of a row.
        for (uint32_t e = threadIdx.x; e < tileWords; e += blockDim.x) s[FFT_PAD(e)] = tile.load(e);
        __syncthreads();
    }
    if (INVERSE) {
        for (uint32_t r = 0, q = 0; r < rounds; r++, q += 3u) {
            const uint32_t g = rowsLog - q >= 3u ? 3u : rowsLog - q;
            const bool last = r + 1u == rounds;
            fft_round<true>(s, tile, q, g, r == 0u && directLoad, last && directStore);
            if (!(last && directStore)) __syncthreads();
        }
    } else {
        uint32_t top = rowsLog;   // layers [0, top) remain
        for (uint32_t r = 0; r < rounds; r++) {
            const uint32_t g = top >= 3u ? 3u : top;
            const uint32_t q = top - g;
            const bool last = r + 1u == rounds;
            fft_round<false>(s, tile, q, g, r == 0u && directLoad, last && directStore);
            if (!(last && directStore)) __syncthreads();
            top = q;
        }
    }
    if (!directStore) {
        for (uint32_t e = threadIdx.x; e < tileWords; e += blockDim.x) tile.store(e, s[FFT_PAD(e)]);
    }
}

extern "C" __global__ void circle_fft_inverse_pass(const uint32_t* src, uint32_t* dst, const uint32_t* twiddles,
                                                   uint32_t srcLog, uint32_t logSize, uint32_t first, uint32_t rowsLog,
                                                   uint32_t logC, uint32_t scale, uint32_t columns) {
    __shared__ uint32_t s[FFT_SHARED_WORDS];
    fft_pass<true>(s, src, dst, twiddles, srcLog, logSize, first, rowsLog, logC, scale, columns);
}

extern "C" __global__ void circle_fft_forward_pass(const uint32_t* src, uint32_t* dst, const uint32_t* twiddles,
                                                   uint32_t srcLog, uint32_t logSize, uint32_t first, uint32_t rowsLog,
                                                   uint32_t logC, uint32_t scale, uint32_t columns) {
    __shared__ uint32_t s[FFT_SHARED_WORDS];
    fft_pass<false>(s, src, dst, twiddles, srcLog, logSize, first, rowsLog, logC, scale, columns);
}

// Evaluation of constant polynomials (no layer to do): every value is the constant.
// dst[c·2^logSize + i] = src[c·2^srcLog + (i mod 2^srcLog)], grid (x: words, y: columns).
extern "C" __global__ void circle_fft_repeat(const uint32_t* src, uint32_t* dst, uint32_t srcLog, uint32_t logSize) {
    const uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (srcLog > logSize || i >= (1ull << logSize)) return;
    const uint64_t mask = (1ull << srcLog) - 1ull;
    dst[((uint64_t)blockIdx.y << logSize) + i] = src[((uint64_t)blockIdx.y << srcLog) + (i & mask)];
}

// Canonical pseudo-random words for benchmarks: a SplitMix64 hash of (seed, index), reduced mod P.
extern "C" __global__ void circle_fft_fill_random(uint32_t* dst, uint64_t count, uint64_t seed) {
    const uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    uint64_t z = seed + (i + 1ull) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    const uint32_t v = (uint32_t)(z & M31_P);
    dst[i] = v == M31_P ? 0u : v;
}
