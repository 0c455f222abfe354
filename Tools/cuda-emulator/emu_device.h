// Obelysk CUDA emulator: the "device runtime" that lets CUDA C++ kernel
// sources compile as ordinary host C++.
//
// The fake nvrtcCompileProgram passes this file to the host compiler with
// `-include`, together with -DOBELYSK_EMULATION=1, so every kernel source sees
// it before its first line. Nothing here is used on a real GPU.
//
// Execution model assumed by these definitions (see emulator.cpp, the runner):
// each block runs entirely on one OS worker thread, its CUDA threads being
// fibers that switch at __syncthreads(); several blocks run at once on
// different workers. That is why `__shared__` is `static thread_local` (one
// copy per block in flight) and why __syncthreads() must restore the index
// variables (another fiber of the same OS thread ran in between).
#ifndef OBELYSK_EMU_DEVICE_H
#define OBELYSK_EMU_DEVICE_H

// Standard headers come first: some of them use spellings such as
// __attribute__((__noinline__)) that the CUDA keyword macros below would break.
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <atomic>
#include <utility>
#include <type_traits>
#include <stdexcept>
#include <string>

#include "emu_abi.h"

// ---------------------------------------------------------------------------
// Built-in index variables
// ---------------------------------------------------------------------------

struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
};

// thread_local: refreshed by enter() whenever a CUDA thread (a fiber) starts
// or resumes on an OS worker.
inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim{1, 1, 1};
inline thread_local dim3 gridDim{1, 1, 1};

namespace obelysk_emu {
inline thread_local const obelysk_emu_ctx *current = nullptr;

// Called by the generated entry wrapper at the start of every (thread, block).
inline void enter(const obelysk_emu_ctx *c) {
    current = c;
    threadIdx = {c->thread_idx.x, c->thread_idx.y, c->thread_idx.z};
    blockIdx = {c->block_idx.x, c->block_idx.y, c->block_idx.z};
    blockDim = dim3(c->block_dim.x, c->block_dim.y, c->block_dim.z);
    gridDim = dim3(c->grid_dim.x, c->grid_dim.y, c->grid_dim.z);
}

// Unpacks cuLaunchKernel's `void** kernelParams` by the kernel's own parameter
// types: p[i] points at the i-th argument's bytes. Device pointers arrive as
// the 8 bytes of a CUdeviceptr, which in emulation is the host address.
template <class... A>
void call(void (*f)(A...), void **p) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        f(*static_cast<std::remove_reference_t<A> *>(p[I])...);
    }(std::index_sequence_for<A...>{});
}

// Backs the generated obelysk_emu_pointers_<name> (emu_abi.h): the values of
// the pointer-typed parameters, read from kernelParams by the kernel's own
// parameter types, so the emulator can check them once per launch.
template <class... A>
int pointers(void (*)(A...), void **p, unsigned long long *out, int cap) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto one = [&]<class T>(std::size_t i) {
            if ((int)i >= cap) return;
            if constexpr (std::is_pointer_v<std::remove_cv_t<std::remove_reference_t<T>>>)
                out[i] = (unsigned long long)(uintptr_t)*static_cast<std::remove_reference_t<T> *>(p[i]);
            else
                out[i] = 0;
        };
        (one.template operator()<A>(I), ...);
    }(std::index_sequence_for<A...>{});
    return (int)sizeof...(A);
}

inline void *dynamic_shared() {
    return current ? current->dynamic_shared : nullptr;
}

struct assertion_failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
} // namespace obelysk_emu

// ---------------------------------------------------------------------------
// CUDA keywords
// ---------------------------------------------------------------------------

#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
// One copy per worker thread = one per block in flight, shared by the block's
// threads (fibers of that worker). Consequence: write `__shared__ T x[N];`,
// never `static __shared__` (that would read `static static`).
#define __shared__ static thread_local
// __restrict__ is understood natively by gcc and clang.

// Dynamic shared memory. Kernel authors write
//     OBELYSK_DYNAMIC_SHARED(uint32_t, buf);
// inside the kernel body; a project header defines the GPU branch as
//     #define OBELYSK_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
// guarded by #ifndef OBELYSK_DYNAMIC_SHARED. Here it is a pointer into the
// per-launch buffer of sharedMemBytes bytes (256-byte aligned).
#ifndef OBELYSK_DYNAMIC_SHARED
#define OBELYSK_DYNAMIC_SHARED(type, name) \
    type *name = reinterpret_cast<type *>(::obelysk_emu::dynamic_shared())
#endif

// A failed device assert fails the launch (CUDA_ERROR_LAUNCH_FAILED) instead
// of aborting the test process.
#undef assert
#define assert(cond)                                                                       \
    ((cond) ? (void)0                                                                      \
            : throw ::obelysk_emu::assertion_failure(std::string("device assert failed: ") \
                                                     + #cond + " at " + __FILE__ + ":"     \
                                                     + std::to_string(__LINE__)))

// ---------------------------------------------------------------------------
// Synchronisation
// ---------------------------------------------------------------------------

inline void __syncthreads() {
    const obelysk_emu_ctx *c = obelysk_emu::current;
    if (c && c->syncthreads) {
        c->syncthreads(c->sync_arg); // other threads of the block run here
        obelysk_emu::enter(c);       // ... and overwrote the thread_locals
    }
}
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_system() { std::atomic_thread_fence(std::memory_order_seq_cst); }
// Deliberately NOT defined: __syncwarp, __shfl*, __ballot*, __any/__all,
// __activemask. Warps do not exist here; kernels using them must fail to build.

// ---------------------------------------------------------------------------
// Atomics (return the old value, like CUDA)
// ---------------------------------------------------------------------------

#define OBELYSK_EMU_ATOMIC_RMW(NAME, BUILTIN, T)      \
    inline T NAME(T *a, T v) { return BUILTIN(a, v, __ATOMIC_SEQ_CST); }
#define OBELYSK_EMU_ATOMIC_RMW_ALL(NAME, BUILTIN)              \
    OBELYSK_EMU_ATOMIC_RMW(NAME, BUILTIN, int)                 \
    OBELYSK_EMU_ATOMIC_RMW(NAME, BUILTIN, unsigned int)        \
    OBELYSK_EMU_ATOMIC_RMW(NAME, BUILTIN, long long)           \
    OBELYSK_EMU_ATOMIC_RMW(NAME, BUILTIN, unsigned long long)
OBELYSK_EMU_ATOMIC_RMW_ALL(atomicAdd, __atomic_fetch_add)
OBELYSK_EMU_ATOMIC_RMW_ALL(atomicSub, __atomic_fetch_sub)
OBELYSK_EMU_ATOMIC_RMW_ALL(atomicOr, __atomic_fetch_or)
OBELYSK_EMU_ATOMIC_RMW_ALL(atomicAnd, __atomic_fetch_and)
OBELYSK_EMU_ATOMIC_RMW_ALL(atomicXor, __atomic_fetch_xor)
OBELYSK_EMU_ATOMIC_RMW_ALL(atomicExch, __atomic_exchange_n)
#undef OBELYSK_EMU_ATOMIC_RMW_ALL
#undef OBELYSK_EMU_ATOMIC_RMW

// uint64_t is `unsigned long` on LP64 Linux, a distinct type from
// `unsigned long long`: give it the same atomics so uint64_t* kernels build.
#define OBELYSK_EMU_ATOMIC_RMW_UL(NAME, BUILTIN) \
    inline unsigned long NAME(unsigned long *a, unsigned long v) { return BUILTIN(a, v, __ATOMIC_SEQ_CST); }
OBELYSK_EMU_ATOMIC_RMW_UL(atomicAdd, __atomic_fetch_add)
OBELYSK_EMU_ATOMIC_RMW_UL(atomicSub, __atomic_fetch_sub)
OBELYSK_EMU_ATOMIC_RMW_UL(atomicOr, __atomic_fetch_or)
OBELYSK_EMU_ATOMIC_RMW_UL(atomicAnd, __atomic_fetch_and)
OBELYSK_EMU_ATOMIC_RMW_UL(atomicXor, __atomic_fetch_xor)
OBELYSK_EMU_ATOMIC_RMW_UL(atomicExch, __atomic_exchange_n)
#undef OBELYSK_EMU_ATOMIC_RMW_UL

namespace obelysk_emu {
template <class T, class F>
inline T atomic_update(T *a, F f) {
    // atomic_ref rather than __atomic builtins: it also covers float/double.
    std::atomic_ref<T> ref(*a);
    T old = ref.load();
    while (!ref.compare_exchange_weak(old, f(old))) {
    }
    return old;
}
} // namespace obelysk_emu

#define OBELYSK_EMU_ATOMIC_MINMAX(T)                                                                    \
    inline T atomicMin(T *a, T v) { return obelysk_emu::atomic_update(a, [v](T o) { return v < o ? v : o; }); } \
    inline T atomicMax(T *a, T v) { return obelysk_emu::atomic_update(a, [v](T o) { return v > o ? v : o; }); } \
    inline T atomicCAS(T *a, T cmp, T v) {                                                              \
        __atomic_compare_exchange_n(a, &cmp, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);             \
        return cmp;                                                                                     \
    }
OBELYSK_EMU_ATOMIC_MINMAX(int)
OBELYSK_EMU_ATOMIC_MINMAX(unsigned int)
OBELYSK_EMU_ATOMIC_MINMAX(long long)
OBELYSK_EMU_ATOMIC_MINMAX(unsigned long long)
OBELYSK_EMU_ATOMIC_MINMAX(unsigned long)
#undef OBELYSK_EMU_ATOMIC_MINMAX

inline float atomicAdd(float *a, float v) { return obelysk_emu::atomic_update(a, [v](float o) { return o + v; }); }
inline double atomicAdd(double *a, double v) { return obelysk_emu::atomic_update(a, [v](double o) { return o + v; }); }
inline unsigned int atomicInc(unsigned int *a, unsigned int m) {
    return obelysk_emu::atomic_update(a, [m](unsigned int o) { return o >= m ? 0u : o + 1u; });
}
inline unsigned int atomicDec(unsigned int *a, unsigned int m) {
    return obelysk_emu::atomic_update(a, [m](unsigned int o) { return (o == 0u || o > m) ? m : o - 1u; });
}

// ---------------------------------------------------------------------------
// Integer intrinsics
// ---------------------------------------------------------------------------

inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((unsigned long long)a * b) >> 32); }
inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
inline long long __mul64hi(long long a, long long b) { return (long long)(((__int128)a * b) >> 64); }
inline unsigned int __brev(unsigned int x) {
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    return __builtin_bswap32(x);
}
inline unsigned long long __brevll(unsigned long long x) {
    return ((unsigned long long)__brev((unsigned int)x) << 32) | __brev((unsigned int)(x >> 32));
}
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned int)x); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
// Most significant 32 bits of (hi:lo) << (shift & 31).
inline unsigned int __funnelshift_l(unsigned int lo, unsigned int hi, unsigned int shift) {
    return (unsigned int)((((unsigned long long)hi << 32 | lo) << (shift & 31)) >> 32);
}
// Least significant 32 bits of (hi:lo) >> (shift & 31).
inline unsigned int __funnelshift_r(unsigned int lo, unsigned int hi, unsigned int shift) {
    return (unsigned int)(((unsigned long long)hi << 32 | lo) >> (shift & 31));
}
inline unsigned int __funnelshift_lc(unsigned int lo, unsigned int hi, unsigned int shift) {
    return shift >= 32 ? lo : __funnelshift_l(lo, hi, shift);
}
inline unsigned int __funnelshift_rc(unsigned int lo, unsigned int hi, unsigned int shift) {
    return shift >= 32 ? hi : __funnelshift_r(lo, hi, shift);
}
// Byte n of the result is byte (s >> 4n) & 7 of the 8-byte value y:x.
inline unsigned int __byte_perm(unsigned int x, unsigned int y, unsigned int s) {
    unsigned long long v = (unsigned long long)y << 32 | x;
    unsigned int r = 0;
    for (int n = 0; n < 4; ++n) r |= (unsigned int)((v >> (8 * ((s >> (4 * n)) & 7))) & 0xff) << (8 * n);
    return r;
}

// CUDA's global min/max overloads; mixed signedness resolves to unsigned
// like the device headers do.
#define OBELYSK_EMU_MINMAX(T)                              \
    inline T min(T a, T b) { return b < a ? b : a; }       \
    inline T max(T a, T b) { return a < b ? b : a; }
OBELYSK_EMU_MINMAX(int)
OBELYSK_EMU_MINMAX(unsigned int)
OBELYSK_EMU_MINMAX(long)
OBELYSK_EMU_MINMAX(unsigned long)
OBELYSK_EMU_MINMAX(long long)
OBELYSK_EMU_MINMAX(unsigned long long)
OBELYSK_EMU_MINMAX(float)
OBELYSK_EMU_MINMAX(double)
#undef OBELYSK_EMU_MINMAX
inline unsigned int min(int a, unsigned int b) { return min((unsigned int)a, b); }
inline unsigned int min(unsigned int a, int b) { return min(a, (unsigned int)b); }
inline unsigned int max(int a, unsigned int b) { return max((unsigned int)a, b); }
inline unsigned int max(unsigned int a, int b) { return max(a, (unsigned int)b); }
inline unsigned long long min(long long a, unsigned long long b) { return min((unsigned long long)a, b); }
inline unsigned long long min(unsigned long long a, long long b) { return min(a, (unsigned long long)b); }
inline unsigned long long max(long long a, unsigned long long b) { return max((unsigned long long)a, b); }
inline unsigned long long max(unsigned long long a, long long b) { return max(a, (unsigned long long)b); }
inline unsigned int umin(unsigned int a, unsigned int b) { return min(a, b); }
inline unsigned int umax(unsigned int a, unsigned int b) { return max(a, b); }
inline unsigned long long ullmin(unsigned long long a, unsigned long long b) { return min(a, b); }
inline unsigned long long ullmax(unsigned long long a, unsigned long long b) { return max(a, b); }

// Read-only cache load: just a load on the CPU.
template <class T>
inline T __ldg(const T *p) { return *p; }

// ---------------------------------------------------------------------------
// Vector types
// ---------------------------------------------------------------------------

struct alignas(8) uint2 { unsigned int x, y; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(16) ulonglong2 { unsigned long long x, y; };
struct alignas(16) longlong2 { long long x, y; };
inline uint2 make_uint2(unsigned int x, unsigned int y) { return {x, y}; }
inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return {x, y, z}; }
inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline ulonglong2 make_ulonglong2(unsigned long long x, unsigned long long y) { return {x, y}; }
inline longlong2 make_longlong2(long long x, long long y) { return {x, y}; }

#endif // OBELYSK_EMU_DEVICE_H
