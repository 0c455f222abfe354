// Mersenne-31 field arithmetic and its extensions CM31 = M31[i]/(i^2+1) and
// QM31 = CM31[u]/(u^2 - 2 - i), as on the CPU (Sources/Obelysk/Fields). Every function takes and
// returns canonical values (0 <= v < P), so the GPU's words equal the CPU's bit for bit.
#pragma once

#ifndef OBELYSK_EMULATION
// NVRTC has no C library headers.
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef int int32_t;
typedef long long int64_t;
typedef unsigned char uint8_t;
#endif

#define M31_P 0x7fffffffu

__device__ __forceinline__ uint32_t m31_add(uint32_t a, uint32_t b) {
    uint32_t s = a + b;                 // < 2^32 - 1: no overflow
    return s >= M31_P ? s - M31_P : s;
}

__device__ __forceinline__ uint32_t m31_sub(uint32_t a, uint32_t b) {
    return a >= b ? a - b : a + M31_P - b;
}

__device__ __forceinline__ uint32_t m31_neg(uint32_t a) { return a == 0 ? 0 : M31_P - a; }

__device__ __forceinline__ uint32_t m31_mul(uint32_t a, uint32_t b) {
    uint64_t p = (uint64_t)a * b;       // < 2^62
    // p = hi·2^31 + lo and 2^31 ≡ 1, so p ≡ hi + lo < 2P (never 2P: P is prime and a, b < P).
    uint32_t s = (uint32_t)(p & M31_P) + (uint32_t)(p >> 31);
    return s >= M31_P ? s - M31_P : s;
}

__device__ __forceinline__ uint32_t m31_square(uint32_t a) { return m31_mul(a, a); }

/// a^(P-2) = 1/a (0 for 0): 2^31 - 3 = 0b111...1101, by a fixed chain of squarings.
__device__ __forceinline__ uint32_t m31_inverse(uint32_t a) {
    // a^(2^k - 1) for growing k, then the final bits.
    uint32_t t1 = a;                                      // a^1
    uint32_t t2 = m31_mul(m31_square(t1), t1);            // a^(2^2-1)
    uint32_t t4 = m31_mul(m31_square(m31_square(t2)), t2);  // a^(2^4-1)
    uint32_t t8 = t4;
    for (int i = 0; i < 4; i++) t8 = m31_square(t8);
    t8 = m31_mul(t8, t4);                                 // a^(2^8-1)
    uint32_t t16 = t8;
    for (int i = 0; i < 8; i++) t16 = m31_square(t16);
    t16 = m31_mul(t16, t8);                               // a^(2^16-1)
    uint32_t t28 = t16;
    for (int i = 0; i < 8; i++) t28 = m31_square(t28);
    t28 = m31_mul(t28, t8);                               // a^(2^24-1)
    for (int i = 0; i < 4; i++) t28 = m31_square(t28);
    t28 = m31_mul(t28, t4);                               // a^(2^28-1)
    uint32_t r = m31_square(t28);                         // a^(2^29-2)
    r = m31_mul(r, t1);                                   // a^(2^29-1)
    r = m31_square(m31_square(r));                        // a^(2^31-4)
    return m31_mul(r, t1);                                // a^(2^31-3)
}

struct cm31 { uint32_t a, b; };   // a + b·i

__device__ __forceinline__ cm31 cm31_make(uint32_t a, uint32_t b) { cm31 r; r.a = a; r.b = b; return r; }
__device__ __forceinline__ cm31 cm31_add(cm31 x, cm31 y) { return cm31_make(m31_add(x.a, y.a), m31_add(x.b, y.b)); }
__device__ __forceinline__ cm31 cm31_sub(cm31 x, cm31 y) { return cm31_make(m31_sub(x.a, y.a), m31_sub(x.b, y.b)); }
__device__ __forceinline__ cm31 cm31_neg(cm31 x) { return cm31_make(m31_neg(x.a), m31_neg(x.b)); }
__device__ __forceinline__ cm31 cm31_mul(cm31 x, cm31 y) {
    return cm31_make(m31_sub(m31_mul(x.a, y.a), m31_mul(x.b, y.b)), m31_add(m31_mul(x.a, y.b), m31_mul(x.b, y.a)));
}
__device__ __forceinline__ cm31 cm31_scale(cm31 x, uint32_t s) { return cm31_make(m31_mul(x.a, s), m31_mul(x.b, s)); }
__device__ __forceinline__ cm31 cm31_inverse(cm31 x) {
    uint32_t n = m31_inverse(m31_add(m31_square(x.a), m31_square(x.b)));
    return cm31_make(m31_mul(x.a, n), m31_neg(m31_mul(x.b, n)));
}

struct qm31 { cm31 a, b; };       // a + b·u, coordinates (a.a, a.b, b.a, b.b)

__device__ __forceinline__ qm31 qm31_make(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3) {
    qm31 r; r.a = cm31_make(c0, c1); r.b = cm31_make(c2, c3); return r;
}
__device__ __forceinline__ qm31 qm31_zero() { return qm31_make(0, 0, 0, 0); }
__device__ __forceinline__ qm31 qm31_from_m31(uint32_t v) { return qm31_make(v, 0, 0, 0); }
__device__ __forceinline__ qm31 qm31_add(qm31 x, qm31 y) { qm31 r; r.a = cm31_add(x.a, y.a); r.b = cm31_add(x.b, y.b); return r; }
__device__ __forceinline__ qm31 qm31_sub(qm31 x, qm31 y) { qm31 r; r.a = cm31_sub(x.a, y.a); r.b = cm31_sub(x.b, y.b); return r; }
__device__ __forceinline__ qm31 qm31_neg(qm31 x) { qm31 r; r.a = cm31_neg(x.a); r.b = cm31_neg(x.b); return r; }
__device__ __forceinline__ qm31 qm31_scale(qm31 x, uint32_t s) { qm31 r; r.a = cm31_scale(x.a, s); r.b = cm31_scale(x.b, s); return r; }
__device__ __forceinline__ qm31 qm31_mul_cm31(qm31 x, cm31 s) { qm31 r; r.a = cm31_mul(x.a, s); r.b = cm31_mul(x.b, s); return r; }
__device__ __forceinline__ qm31 qm31_mul(qm31 x, qm31 y) {
    // (a + bu)(c + du) = (ac + R·bd) + (ad + bc)u, R = 2 + i.
    cm31 ac = cm31_mul(x.a, y.a);
    cm31 bd = cm31_mul(x.b, y.b);
    cm31 cross = cm31_sub(cm31_sub(cm31_mul(cm31_add(x.a, x.b), cm31_add(y.a, y.b)), ac), bd);
    cm31 rbd = cm31_mul(cm31_make(2, 1), bd);
    qm31 r; r.a = cm31_add(ac, rbd); r.b = cross; return r;
}
__device__ __forceinline__ qm31 qm31_inverse(qm31 x) {
    // (a + bu)^-1 = (a - bu) / (a^2 - R b^2)
    cm31 d = cm31_inverse(cm31_sub(cm31_mul(x.a, x.a), cm31_mul(cm31_make(2, 1), cm31_mul(x.b, x.b))));
    qm31 r; r.a = cm31_mul(x.a, d); r.b = cm31_neg(cm31_mul(x.b, d)); return r;
}
/// Loads the QM31 stored as four consecutive words.
__device__ __forceinline__ qm31 qm31_load(const uint32_t* p) { return qm31_make(p[0], p[1], p[2], p[3]); }
__device__ __forceinline__ void qm31_store(uint32_t* p, qm31 v) { p[0] = v.a.a; p[1] = v.a.b; p[2] = v.b.a; p[3] = v.b.b; }
