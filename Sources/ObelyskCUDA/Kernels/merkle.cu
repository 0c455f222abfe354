// The Blake2s Merkle commitment of M31 columns, layer for layer the tree MerkleTree builds on the CPU:
// leaf i = Blake2s(row i's words little-endian, person "obk.leaf"), node = Blake2s(left ‖ right,
// person "obk.node"). Only layers 2 ... logRows are stored, word-major as MerkleTree keeps them: word w
// of node n of layer l at merkle_layer_offset(l) + w * (rows >> l) + n.
//
// Two kernels, each hashing a whole subtree per block so that a tree needs few launches:
// - merkle_leaves: a thread hashes four rows and combines them into one layer-2 node (the leaves and
//   layer 1 never go to memory, as on the CPU); the block then folds its layer-2 nodes in shared
//   memory up to `topLayer` (log2(blockDim) layers more), storing every layer on the way.
// - merkle_nodes: a thread hashes one node of `layer` from its two children stored in layer - 1, and
//   the block folds the same way; the host repeats it until the root.
// Columns are read straight from the column-major device data (column c of a 2^logRows-row table at
// columns + c * rows), four rows as one 16-byte load, so a warp reads 512 contiguous bytes.
#include "m31.cuh"
#include "blake2s.cuh"

// The largest block the kernels accept (the shared tiles are sized for it).
#define MERKLE_MAX_BLOCK 256

// Words stored before layer `layer` (>= 2): 8 per node of layers 2 ..< layer (MerkleTree.layerOffset).
__device__ __forceinline__ uint64_t merkle_layer_offset(uint32_t layer, uint32_t logRows) {
    return 8ull * ((1ull << (logRows - 1)) - (1ull << (logRows - layer + 1)));
}

__device__ __forceinline__ void merkle_store(uint32_t* nodes, uint32_t layer, uint32_t logRows, uint64_t index,
                                             const uint32_t hash[8]) {
    const uint64_t size = (1ull << logRows) >> layer;
    uint32_t* out = nodes + merkle_layer_offset(layer, logRows) + index;
#pragma unroll
    for (int w = 0; w < 8; w++) out[(uint64_t)w * size] = hash[w];
}

// Component j (a literal after unrolling) of a 16-byte load.
__device__ __forceinline__ uint32_t merkle_lane(uint4 v, int j) {
    return j == 0 ? v.x : (j == 1 ? v.y : (j == 2 ? v.z : v.w));
}

// Every thread of the block holds in `hash` node `blockIdx.x * blockDim.x + threadIdx.x` of `layer`
// (already stored); folds the block's nodes in shared memory up to `topLayer`, storing each parent.
// `topLayer - layer` must be at most log2(blockDim.x) (the host checks), and every thread of the block
// must call this (it synchronises).
__device__ __forceinline__ void merkle_fold_block(uint32_t (*tile)[8][MERKLE_MAX_BLOCK], const uint32_t hash[8],
                                                  bool active, uint32_t layer, uint32_t topLayer, uint32_t logRows,
                                                  uint32_t* nodes) {
    const uint32_t t = threadIdx.x;
    if (active) {
#pragma unroll
        for (int w = 0; w < 8; w++) tile[0][w][t] = hash[w];
    }
    // Two tiles in turn: a layer is read from one and written to the other, so one barrier per
    // layer keeps readers and writers apart.
    uint32_t current = 0;
    uint32_t count = blockDim.x;   // nodes of the current layer held by this block
    for (uint32_t parentLayer = layer + 1; parentLayer <= topLayer && count > 1; parentLayer++) {
        __syncthreads();
        count >>= 1;
        if (active && t < count) {
            uint32_t left[8], right[8], parent[8];
#pragma unroll
            for (int w = 0; w < 8; w++) {
                left[w] = tile[current][w][2 * t];
                right[w] = tile[current][w][2 * t + 1];
            }
            b2s_hash_node(parent, left, right);
            merkle_store(nodes, parentLayer, logRows, (uint64_t)blockIdx.x * count + t, parent);
#pragma unroll
            for (int w = 0; w < 8; w++) tile[current ^ 1][w][t] = parent[w];
        }
        current ^= 1;
    }
}

// Layer 2 and up to `topLayer` from the columns: `width` columns of 2^logRows rows (logRows >= 2).
extern "C" __global__ void merkle_leaves(const uint32_t* __restrict__ columns, uint32_t width, uint32_t logRows,
                                         uint32_t topLayer, uint32_t* nodes) {
    __shared__ uint32_t tile[2][8][MERKLE_MAX_BLOCK];
    const uint64_t rows = 1ull << logRows;
    const uint64_t n = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;   // the layer-2 node, rows 4n ..< 4n + 4
    const bool active = logRows >= 2 && width > 0 && n < (rows >> 2) && blockDim.x <= MERKLE_MAX_BLOCK;
    uint32_t node[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (active) {
        uint32_t h[4][8];
#pragma unroll
        for (int j = 0; j < 4; j++) b2s_init(h[j], B2S_PERSON_OBK, B2S_PERSON_LEAF);
        // A row of `width` words is ceil(width / 16) blocks; the counter is the bytes hashed so far:
        // 64 per full block, 4 * width at the last one (zero-padded, final), as Blake2s.hashLeaf.
        const uint32_t blocks = (width + 15) / 16;
        for (uint32_t b = 0; b < blocks; b++) {
            const uint32_t first = 16 * b;
            const uint32_t count = min(16u, width - first);
            const bool last = b + 1 == blocks;
            const uint64_t counter = last ? 4ull * width : 64ull * (b + 1);
            uint4 words[16];
#pragma unroll
            for (uint32_t k = 0; k < 16; k++) {
                words[k] = k < count ? *reinterpret_cast<const uint4*>(columns + (uint64_t)(first + k) * rows + 4 * n)
                                     : make_uint4(0, 0, 0, 0);
            }
#pragma unroll
            for (int j = 0; j < 4; j++) {
                uint32_t m[16];
#pragma unroll
                for (int k = 0; k < 16; k++) m[k] = merkle_lane(words[k], j);
                b2s_compress(h[j], m, counter, last);
            }
        }
        uint32_t left[8], right[8];
        b2s_hash_node(left, h[0], h[1]);
        b2s_hash_node(right, h[2], h[3]);
        b2s_hash_node(node, left, right);
        merkle_store(nodes, 2, logRows, n, node);
    }
    merkle_fold_block(tile, node, active, 2, topLayer, logRows, nodes);
}

// Layer `layer` (>= 3) from the stored layer - 1, then up to `topLayer`.
extern "C" __global__ void merkle_nodes(uint32_t* nodes, uint32_t logRows, uint32_t layer, uint32_t topLayer) {
    __shared__ uint32_t tile[2][8][MERKLE_MAX_BLOCK];
    const uint64_t n = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const bool active = layer >= 3 && layer <= logRows && n < ((1ull << logRows) >> layer) &&
                        blockDim.x <= MERKLE_MAX_BLOCK;
    uint32_t node[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (active) {
        const uint64_t childSize = (1ull << logRows) >> (layer - 1);
        const uint32_t* children = nodes + merkle_layer_offset(layer - 1, logRows) + 2 * n;
        uint32_t left[8], right[8];
#pragma unroll
        for (int w = 0; w < 8; w++) {
            left[w] = children[(uint64_t)w * childSize];
            right[w] = children[(uint64_t)w * childSize + 1];
        }
        b2s_hash_node(node, left, right);
        merkle_store(nodes, layer, logRows, n, node);
    }
    merkle_fold_block(tile, node, active, layer, topLayer, logRows, nodes);
}

// One leaf hash per thread, rows as given (row-major: `count` rows of `width` words): a kernel-level
// check of the leaf hashing against Blake2s.hashLeaf, for widths of any block count.
extern "C" __global__ void merkle_hash_rows(const uint32_t* __restrict__ rows, uint32_t width, uint32_t count,
                                            uint32_t* out) {
    const uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count || width == 0) return;
    const uint32_t* row = rows + i * width;
    uint32_t h[8];
    b2s_init(h, B2S_PERSON_OBK, B2S_PERSON_LEAF);
    const uint32_t blocks = (width + 15) / 16;
    for (uint32_t b = 0; b < blocks; b++) {
        const uint32_t first = 16 * b;
        const uint32_t n = min(16u, width - first);
        const bool last = b + 1 == blocks;
        uint32_t m[16];
#pragma unroll
        for (uint32_t k = 0; k < 16; k++) m[k] = k < n ? row[first + k] : 0u;
        b2s_compress(h, m, last ? 4ull * width : 64ull * (b + 1), last);
    }
#pragma unroll
    for (int w = 0; w < 8; w++) out[i * 8 + w] = h[w];
}
