
/* ======================================================================== */
/* >>bkrun  backends: device arithmetic, the layer runner, the reference    */
/* ======================================================================== */
/* Three pieces shared by the built-in backends (reference, CUDA, Metal):

   1. Device arithmetic: the per-element and per-block math of the GPU
      kernels, written once as functions that compile for the host and, under
      nvcc, for the device too (LLML__HD): half floats, the conversion of
      activations to the weights' activation formats, the decoding of one
      32-weight part of a weight row into packed int8 levels and scales,
      RoPE angles, GELU. The reference backend runs exactly these functions
      on the CPU, so `make test` checks the GPU kernels' arithmetic.

   2. The layer runner (llml__bkr): a model's layers as a sequence of
      primitive operations (llml__dev_ops: allocate, copy, rmsnorm, matrix
      product, RoPE, attention, ...) on buffers in the device's memory. A
      backend supplies the primitives; the runner holds the uploaded weights,
      the KV cache and the scratch buffers, and implements the public hooks
      upload, run, matmul, kv_read and kv_write on top of them. The order of
      operations is the CPU forward pass's (>>ctx).

   3. The reference backend: the primitives as plain loops over host memory.

   Activations on the device, per row of n values converted for a weight
   format whose activation type is Q8_0 or Q8_K: n int8 levels, then one
   float scale and one int32 level sum per 32 values (Q8_K repeats its
   block scale over its eight parts). F32/F16/BF16 activations: n floats
   (rounded through the 16-bit type). Levels and scales equal the CPU's
   (Q8_0: d = amax/127 rounded to F16; Q8_K: d = 1/(-127/x_max)). */

#if defined(__CUDACC__) || defined(LLML__CUDA_EMU)
#define LLML__HD __host__ __device__
#else
#define LLML__HD
#endif

/* ---- device arithmetic ------------------------------------------------- */

LLML__HD LLML__UNUSED static float llml__g_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
LLML__HD LLML__UNUSED static uint32_t llml__g_u32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* a * b rounded once (never fused into a following add, which would change
   the rounding of the quantizers below) */
LLML__HD LLML__UNUSED static float llml__g_mul(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}

LLML__HD LLML__UNUSED static float llml__g_h2f(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (uint32_t)(h >> 10) & 0x1fu, m = (uint32_t)h & 0x3ffu;
    if (e == 0x1fu) return llml__g_f32(sign | 0x7f800000u | (m << 13));
    if (e != 0) return llml__g_f32(sign | ((e + 112u) << 23) | (m << 13));
    if (m == 0) return llml__g_f32(sign);
    {
        float f = (float)m * (1.0f / 16777216.0f);   /* subnormal: m * 2^-24 */
        return sign ? -f : f;
    }
}

/* float -> half, round to nearest even (as llml_fp32_to_fp16) */
LLML__HD LLML__UNUSED static uint16_t llml__g_f2h(float f) {
    uint32_t x = llml__g_u32(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) {
        uint32_t e = ax >> 23, m, shift, r, half, rem;
        if (e < 102) return (uint16_t)sign;
        m = (ax & 0x7fffffu) | 0x800000u;
        shift = 126 - e;
        r = m >> shift;
        rem = m & ((1u << shift) - 1);
        half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1u))) r++;
        return (uint16_t)(sign | r);
    } else {
        uint32_t r = ax + 0xc8000000u, lsb = (r >> 13) & 1u;
        r += 0xfffu + lsb;
        return (uint16_t)(sign | (r >> 13));
    }
}

LLML__HD LLML__UNUSED static float llml__g_bf2f(uint16_t h) { return llml__g_f32((uint32_t)h << 16); }
LLML__HD LLML__UNUSED static uint16_t llml__g_f2bf(float f) {
    uint32_t u = llml__g_u32(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64u);
    return (uint16_t)((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

/* Loads from weight rows: 16 bits at a 2-byte boundary; 32 bits at a 2- or
   4-byte boundary (device: native loads; host: bytes, little-endian). */
LLML__HD LLML__UNUSED static uint16_t llml__g_ld16(const uint8_t *p) {
#if defined(__CUDA_ARCH__)
    return *(const uint16_t *)(const void *)p;
#else
    return (uint16_t)(p[0] | (p[1] << 8));
#endif
}
LLML__HD LLML__UNUSED static uint32_t llml__g_ld32a2(const uint8_t *p) {
#if defined(__CUDA_ARCH__)
    const uint16_t *h = (const uint16_t *)(const void *)p;
    return (uint32_t)h[0] | ((uint32_t)h[1] << 16);
#else
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
#endif
}
LLML__HD LLML__UNUSED static uint32_t llml__g_ld32a4(const uint8_t *p) {
#if defined(__CUDA_ARCH__)
    return *(const uint32_t *)(const void *)p;
#else
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
#endif
}

/* Four int8 lanes per int32 (byte i = lane i). */
LLML__HD LLML__UNUSED static int32_t llml__g_dot4(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 610
    return __dp4a((int)a, (int)b, 0);
#else
    int32_t s = 0;
    int i;
    for (i = 0; i < 4; i++) s += (int32_t)(int8_t)(uint8_t)(a >> (8 * i)) * (int32_t)(int8_t)(uint8_t)(b >> (8 * i));
    return s;
#endif
}
/* Each byte minus k's byte, for bytes below 128 and no result below -128. */
LLML__HD LLML__UNUSED static uint32_t llml__g_sub4(uint32_t v, uint32_t k) { return ((v | 0x80808080u) - k) ^ 0x80808080u; }

/* IQ4_NL / IQ4_XS levels: -127 -104 -83 -65 -49 -35 -22 -10 1 13 25 38 53 69 89 113,
   packed as bytes (no tables in device code). */
LLML__HD LLML__UNUSED static uint32_t llml__g_kval_byte(uint32_t i) {
    const uint64_t lo = 0xF6EADDCFBFAD9881ull, hi = 0x7159453526190D01ull;
    return (uint32_t)(((i < 8 ? lo : hi) >> (8 * (i & 7))) & 0xffu);
}
/* four nibbles (one per byte) to their four levels */
LLML__HD LLML__UNUSED static uint32_t llml__g_kval4(uint32_t nib) {
    return llml__g_kval_byte(nib & 15u) | (llml__g_kval_byte((nib >> 8) & 15u) << 8) |
           (llml__g_kval_byte((nib >> 16) & 15u) << 16) | (llml__g_kval_byte((nib >> 24) & 15u) << 24);
}

/* Round half away from zero into [-128, 127]; NaN gives 0 (the CPU's Q8_0). */
LLML__HD LLML__UNUSED static int llml__g_round8(float v) {
    float r = roundf(v);
    if (r != r) return 0;
    if (r > 127.0f) return 127;
    if (r < -128.0f) return -128;
    return (int)r;
}
/* Round to nearest even for the magnitudes Q8_K sees (the CPU's nearest_int). */
LLML__HD LLML__UNUSED static int llml__g_nearest(float f) {
    float v = f + 12582912.0f;
    return (int)(llml__g_u32(v) & 0x007fffffu) - 0x00400000;
}

/* Q8_0 activations of 32 values: levels, scale (F16-rounded), level sum. */
LLML__HD LLML__UNUSED static void llml__g_actq_q8_0(const float *x, int8_t *q, float *d_out, int32_t *sum_out) {
    float amax = 0.0f, d, id;
    int32_t s = 0;
    int j;
    for (j = 0; j < 32; j++) { float a = fabsf(x[j]); amax = amax < a ? a : amax; }
    d = amax / 127.0f;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    for (j = 0; j < 32; j++) { q[j] = (int8_t)llml__g_round8(llml__g_mul(x[j], id)); s += q[j]; }
    *d_out = llml__g_h2f(llml__g_f2h(d));
    *sum_out = s;
}
/* The same, as a 34-byte Q8_0 block (KV cache rows). */
LLML__HD LLML__UNUSED static void llml__g_q8_0_block(const float *x, uint8_t *blk) {
    float amax = 0.0f, d, id;
    uint16_t h;
    int j;
    for (j = 0; j < 32; j++) { float a = fabsf(x[j]); amax = amax < a ? a : amax; }
    d = amax / 127.0f;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    h = llml__g_f2h(d);
    blk[0] = (uint8_t)h; blk[1] = (uint8_t)(h >> 8);
    for (j = 0; j < 32; j++) blk[2 + j] = (uint8_t)(int8_t)llml__g_round8(llml__g_mul(x[j], id));
}
/* Q8_K activations of 256 values: levels, the block scale repeated for its
   eight 32-parts, level sums per 32. */
LLML__HD LLML__UNUSED static void llml__g_actq_q8_k(const float *x, int8_t *q, float *d8, int32_t *sum8) {
    float big = 0.0f, amax = 0.0f, inv, d;
    int j, g;
    for (j = 0; j < 256; j++) { float a = fabsf(x[j]); if (a > amax) { amax = a; big = x[j]; } }
    if (amax == 0.0f) {
        for (j = 0; j < 256; j++) q[j] = 0;
        for (g = 0; g < 8; g++) { d8[g] = 0.0f; sum8[g] = 0; }
        return;
    }
    inv = -127.0f / big;
    d = 1.0f / inv;
    for (g = 0; g < 8; g++) {
        int32_t s = 0;
        for (j = 32 * g; j < 32 * g + 32; j++) {
            int v = llml__g_nearest(llml__g_mul(inv, x[j]));
            v = v < -128 ? -128 : (v > 127 ? 127 : v);
            q[j] = (int8_t)v;
            s += v;
        }
        d8[g] = d;
        sum8[g] = s;
    }
}

/* One value rounded through a weight's 16-bit activation type. */
LLML__HD LLML__UNUSED static float llml__g_act_float(llml_type vdt, float x) {
    if (vdt == LLML_TYPE_F16) return llml__g_h2f(llml__g_f2h(x));
    if (vdt == LLML_TYPE_BF16) return llml__g_bf2f(llml__g_f2bf(x));
    return x;
}

/* One 32-weight part of a quantized row: levels (4 int8 per int, element
   4k+i in byte i of q[k]) and factors. Its product with activations of
   scale ad and level sum asum is
     ad * (s0 * (levels 0..15 . act) + s1 * (levels 16..31 . act)) - ad * m * asum. */
typedef struct llml__gpart {
    uint32_t q[8];
    float s0, s1, m;
} llml__gpart;

/* Parts per block and block bytes of the formats the kernels take. */
LLML__HD LLML__UNUSED static int llml__g_qtype(llml_type t) {
    return t == LLML_TYPE_Q4_0 || t == LLML_TYPE_Q8_0 || t == LLML_TYPE_Q4_K || t == LLML_TYPE_Q5_K ||
           t == LLML_TYPE_Q6_K || t == LLML_TYPE_IQ4_XS;
}
LLML__HD LLML__UNUSED static int llml__g_ftype(llml_type t) {
    return t == LLML_TYPE_F32 || t == LLML_TYPE_F16 || t == LLML_TYPE_BF16;
}

LLML__HD LLML__UNUSED static void llml__g_part_q4_0(const uint8_t *row, int64_t p, llml__gpart *o) {
    const uint8_t *b = row + (size_t)p * 18;
    float d = llml__g_h2f(llml__g_ld16(b));
    int k;
    for (k = 0; k < 4; k++) {
        uint32_t v = llml__g_ld32a2(b + 2 + 4 * k);
        o->q[k] = llml__g_sub4(v & 0x0f0f0f0fu, 0x08080808u);
        o->q[4 + k] = llml__g_sub4((v >> 4) & 0x0f0f0f0fu, 0x08080808u);
    }
    o->s0 = o->s1 = d;
    o->m = 0.0f;
}
LLML__HD LLML__UNUSED static void llml__g_part_q8_0(const uint8_t *row, int64_t p, llml__gpart *o) {
    const uint8_t *b = row + (size_t)p * 34;
    int k;
    for (k = 0; k < 8; k++) o->q[k] = llml__g_ld32a2(b + 2 + 4 * k);
    o->s0 = o->s1 = llml__g_h2f(llml__g_ld16(b));
    o->m = 0.0f;
}
/* q4_K / q5_K scale and min of group j (6 bits each, packed in 12 bytes) */
LLML__HD LLML__UNUSED static void llml__g_k4_scale(const uint8_t *s, int j, int *sc, int *mn) {
    if (j < 4) { *sc = s[j] & 63; *mn = s[j + 4] & 63; }
    else { *sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4); *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4); }
}
LLML__HD LLML__UNUSED static void llml__g_part_q4_k(const uint8_t *row, int64_t p, llml__gpart *o) {
    const uint8_t *b = row + (size_t)(p >> 3) * 144;
    const uint8_t *qs;
    int j = (int)(p & 7), k, sc, mn;
    float d = llml__g_h2f(llml__g_ld16(b)), dmin = llml__g_h2f(llml__g_ld16(b + 2));
    llml__g_k4_scale(b + 4, j, &sc, &mn);
    qs = b + 16 + 32 * (j >> 1);
    for (k = 0; k < 8; k++) {
        uint32_t v = llml__g_ld32a4(qs + 4 * k);
        o->q[k] = (j & 1) ? (v >> 4) & 0x0f0f0f0fu : v & 0x0f0f0f0fu;
    }
    o->s0 = o->s1 = d * (float)sc;
    o->m = dmin * (float)mn;
}
LLML__HD LLML__UNUSED static void llml__g_part_q5_k(const uint8_t *row, int64_t p, llml__gpart *o) {
    const uint8_t *b = row + (size_t)(p >> 3) * 176;
    const uint8_t *qs;
    int j = (int)(p & 7), k, sc, mn;
    float d = llml__g_h2f(llml__g_ld16(b)), dmin = llml__g_h2f(llml__g_ld16(b + 2));
    llml__g_k4_scale(b + 4, j, &sc, &mn);
    qs = b + 48 + 32 * (j >> 1);
    for (k = 0; k < 8; k++) {
        uint32_t v = llml__g_ld32a4(qs + 4 * k), h = llml__g_ld32a4(b + 16 + 4 * k);
        uint32_t lo = (j & 1) ? (v >> 4) & 0x0f0f0f0fu : v & 0x0f0f0f0fu;
        o->q[k] = lo | (((h >> j) & 0x01010101u) << 4);
    }
    o->s0 = o->s1 = d * (float)sc;
    o->m = dmin * (float)mn;
}
LLML__HD LLML__UNUSED static void llml__g_part_q6_k(const uint8_t *row, int64_t p, llml__gpart *o) {
    const uint8_t *b = row + (size_t)(p >> 3) * 210;
    int j = (int)(p & 7), h = j >> 2, q4 = j & 3, k;
    const uint8_t *ql = b + 64 * h + 32 * (q4 & 1), *qh = b + 128 + 32 * h;
    float d = llml__g_h2f(llml__g_ld16(b + 208));
    for (k = 0; k < 8; k++) {
        uint32_t vl = llml__g_ld32a2(ql + 4 * k), vh = llml__g_ld32a2(qh + 4 * k);
        uint32_t lo = q4 < 2 ? vl & 0x0f0f0f0fu : (vl >> 4) & 0x0f0f0f0fu;
        uint32_t hi = (vh >> (2 * q4)) & 0x03030303u;
        o->q[k] = llml__g_sub4(lo | (hi << 4), 0x20202020u);
    }
    o->s0 = d * (float)(int8_t)b[192 + 2 * j];
    o->s1 = d * (float)(int8_t)b[192 + 2 * j + 1];
    o->m = 0.0f;
}
LLML__HD LLML__UNUSED static void llml__g_part_iq4_xs(const uint8_t *row, int64_t p, llml__gpart *o) {
    const uint8_t *b = row + (size_t)(p >> 3) * 136;
    int j = (int)(p & 7), k;
    int ls = ((b[4 + j / 2] >> (4 * (j & 1))) & 15) | (((llml__g_ld16(b + 2) >> (2 * j)) & 3) << 4);
    const uint8_t *qs = b + 8 + 16 * j;
    for (k = 0; k < 4; k++) {
        uint32_t v = llml__g_ld32a4(qs + 4 * k);
        o->q[k] = llml__g_kval4(v & 0x0f0f0f0fu);
        o->q[4 + k] = llml__g_kval4((v >> 4) & 0x0f0f0f0fu);
    }
    o->s0 = o->s1 = llml__g_h2f(llml__g_ld16(b)) * (float)(ls - 32);
    o->m = 0.0f;
}

LLML__HD LLML__UNUSED static void llml__g_part(llml_type t, const uint8_t *row, int64_t p, llml__gpart *o) {
    switch (t) {
    case LLML_TYPE_Q4_0: llml__g_part_q4_0(row, p, o); break;
    case LLML_TYPE_Q8_0: llml__g_part_q8_0(row, p, o); break;
    case LLML_TYPE_Q4_K: llml__g_part_q4_k(row, p, o); break;
    case LLML_TYPE_Q5_K: llml__g_part_q5_k(row, p, o); break;
    case LLML_TYPE_Q6_K: llml__g_part_q6_k(row, p, o); break;
    default: llml__g_part_iq4_xs(row, p, o); break;
    }
}

/* The product of a part with 32 activation levels (8 ints). */
LLML__HD LLML__UNUSED static float llml__g_part_dot(const llml__gpart *w, const uint32_t *a, float ad, int32_t asum) {
    int32_t lo = llml__g_dot4(w->q[0], a[0]) + llml__g_dot4(w->q[1], a[1]) + llml__g_dot4(w->q[2], a[2]) + llml__g_dot4(w->q[3], a[3]);
    int32_t hi = llml__g_dot4(w->q[4], a[4]) + llml__g_dot4(w->q[5], a[5]) + llml__g_dot4(w->q[6], a[6]) + llml__g_dot4(w->q[7], a[7]);
    return ad * (w->s0 * (float)lo + w->s1 * (float)hi) - ad * w->m * (float)asum;
}

/* Element i of a float-format weight row. */
LLML__HD LLML__UNUSED static float llml__g_wf(llml_type t, const uint8_t *row, int64_t i) {
    if (t == LLML_TYPE_F16) return llml__g_h2f(llml__g_ld16(row + 2 * i));
    if (t == LLML_TYPE_BF16) return llml__g_bf2f(llml__g_ld16(row + 2 * i));
    return ((const float *)(const void *)row)[i];
}

/* Activation buffer layout for rows x n values: int8 levels, then per-32
   scales (float), then per-32 level sums (int32); or rows x n floats. */
LLML__HD LLML__UNUSED static size_t llml__g_act_off_d(int64_t rows, int64_t n) { return ((size_t)(rows * n) + 63u) & ~(size_t)63u; }
LLML__HD LLML__UNUSED static size_t llml__g_act_off_s(int64_t rows, int64_t n) { return llml__g_act_off_d(rows, n) + (((size_t)(rows * (n / 32)) * 4 + 63u) & ~(size_t)63u); }
static size_t llml__g_act_bytes(int64_t rows, int64_t n) {
    size_t q = llml__g_act_off_s(rows, n) + (size_t)(rows * (n / 32)) * 4, f = (size_t)(rows * n) * 4;
    return (q > f ? q : f) + 64;
}

/* RoPE angle of pair i at position pos: theta stepped in float from pos by
   theta_scale as the CPU does, divided by the frequency factor, scaled. */
LLML__HD LLML__UNUSED static float llml__g_rope_theta(float pos, float theta_scale, const float *freqs, float scale, int i) {
    float t = pos;
    int k;
    for (k = 0; k < i; k++) t = llml__g_mul(t, theta_scale);
    if (freqs) t = t / freqs[i];
    return t * scale;
}

LLML__HD LLML__UNUSED static float llml__g_silu(float x) { return x / (1.0f + expf(-x)); }
/* GELU, tanh form, through half precision (as the CPU path). */
LLML__HD LLML__UNUSED static float llml__g_gelu(float x) {
    float h, r;
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    h = llml__g_h2f(llml__g_f2h(x));
    r = 0.5f * h * (1.0f + tanhf(0.79788456080286535587989211986876f * h * (1.0f + 0.044715f * h * h)));
    return llml__g_h2f(llml__g_f2h(r));
}

/* Attention: one key element and one value element of a cached head row. */
LLML__HD LLML__UNUSED static float llml__g_kv_elem(llml_type kt, const uint8_t *head, int64_t d) {
    if (kt == LLML_TYPE_F32) return ((const float *)(const void *)head)[d];
    if (kt == LLML_TYPE_F16) return llml__g_h2f(llml__g_ld16(head + 2 * d));
    {   /* Q8_0 */
        const uint8_t *b = head + (size_t)(d / 32) * 34;
        return (float)(int8_t)b[2 + d % 32] * llml__g_h2f(llml__g_ld16(b));
    }
}

/* ---- the runner ------------------------------------------------------------ */

/* A weight in device memory. */
typedef struct llml__dw {
    const void *data;
    llml_type type;
    int64_t ne[3];
    size_t row_bytes;
    const void *host;     /* the model's bytes it came from */
    int32_t layout;       /* 0: the file's blocks; else the backend's own (set by its prepare) */
} llml__dw;

/* Activations converted for one weight format (device memory). */
typedef struct llml__gact {
    void *buf;
    llml_type vdt;
    int64_t rows, n;
} llml__gact;

typedef struct llml__rope_p {
    int32_t hd, n_rot, neox;
    float theta_scale, scale;
    const float *freqs;    /* device, or NULL */
} llml__rope_p;

typedef struct llml__attn_p {
    llml_type kt;
    size_t row_bytes;
    int32_t n_head, n_head_kv, hd, n_ctx;
    float scale, softcap;
    int32_t swa;           /* 0: full */
    float *scores;         /* scratch: chunk x n_head x n_ctx floats */
    int64_t chunk;         /* tokens per pass over the scratch */
} llml__attn_p;

/* The primitives a backend supplies. Pointers to floats/bytes are device
   memory; the calls are queued in order on the device (copies to the host
   wait for everything before them). Every call returns LLML_OK or an error
   (the backend's last_error says more). */
typedef struct llml__dev_ops {
    void *(*alloc)(void *d, size_t bytes);            /* NULL: out of memory */
    void (*free)(void *d, void *p, size_t bytes);
    llml_result (*to_dev)(void *d, void *dst, const void *src, size_t bytes);
    llml_result (*to_host)(void *d, void *dst, const void *src, size_t bytes);
    /* x rows (stride xs floats) converted for a weight format */
    llml_result (*actq)(void *d, const llml__gact *a, const float *x, int64_t xs);
    /* y[t] (stride ys) = W(expert) act[t] */
    llml_result (*mm)(void *d, const llml__dw *w, int64_t expert, const llml__gact *a, float *y, int64_t ys);
    /* experts: for o < n_tok * k, y[o] = W(ids[o]) act[per_slot ? o : o / k] */
    llml_result (*mm_ids)(void *d, const llml__dw *w, const llml__gact *a, int32_t per_slot, int64_t n_tok,
                          int32_t k, const int32_t *ids, float *y, int64_t ys);
    llml_result (*rmsnorm)(void *d, float *y, const float *x, const float *w, int64_t rows, int64_t n, float eps);
    llml_result (*add)(void *d, float *y, const float *x, int64_t n);
    llml_result (*add_rows)(void *d, float *y, const float *b, int64_t rows, int64_t n);
    llml_result (*scale)(void *d, float *y, float s, int64_t n);
    llml_result (*softcap)(void *d, float *y, float cap, int64_t n);
    llml_result (*rope)(void *d, float *x, int64_t rows, int32_t n_heads, int64_t pos0, const llml__rope_p *p);
    llml_result (*kv_store)(void *d, uint8_t *kc, uint8_t *vc, size_t row_bytes, llml_type kt, const float *k,
                            const float *v, int64_t rows, int64_t width, int64_t pos0);
    llml_result (*attention)(void *d, float *out, const float *q, const uint8_t *kc, const uint8_t *vc,
                             const llml__attn_p *p, int64_t rows, int64_t pos0);
    /* out[t][i] = act(g[t][i]) * u[t][i] (strides os, gs, us) */
    llml_result (*glu)(void *d, float *out, int64_t os, const float *g, int64_t gs, const float *u, int64_t us,
                       int64_t rows, int64_t n, int32_t gelu);
    llml_result (*copy2d)(void *d, float *dst, int64_t ds, const float *src, int64_t ss, int64_t rows, int64_t n);
    /* router rows (n_exp logits) -> top-k ids and weights (rows x k) */
    llml_result (*moe_route)(void *d, const float *router, int64_t rows, int32_t n_exp, int32_t k, int32_t norm,
                             int32_t *ids, float *wts);
    /* out[t] = sum over s of wts[t k + s] y[t k + s] */
    llml_result (*moe_sum)(void *d, float *out, const float *y, const float *wts, int64_t rows, int32_t k, int64_t n);
    /* out[t] += y[t] * sigmoid(g[t]) (g NULL: 1) */
    llml_result (*gate_add)(void *d, float *out, const float *y, const float *g, int64_t rows, int64_t n);
    /* optional (NULL: none): after a weight's upload, rearrange its bytes on
       the device for the backend's kernels and say so in w->layout */
    llml_result (*prepare)(void *d, llml__dw *w);
} llml__dev_ops;

/* A layer in device memory. */
typedef struct llml__dl {
    float *attn_norm, *attn_post_norm, *ffn_norm, *ffn_post_norm, *q_norm, *k_norm, *bq, *bk, *bv, *gate_inp_shexp;
    llml__dw wq, wk, wv, wqkv, wo, ffn_gate, ffn_up, ffn_down;
    llml__dw gate_inp, gate_exps, up_exps, down_exps, gate_shexp, up_shexp, down_shexp;
    uint8_t *kc, *vc;
    size_t kv_row;
} llml__dl;

typedef struct llml__bkr_alloc { void *p; size_t bytes; } llml__bkr_alloc;

/* A runner-based backend's state begins with this. */
typedef struct llml__bkr {
    const llml__dev_ops *ops;
    void *dev;                      /* the backend's device object (passed to ops) */
    llml_allocator alloc;           /* host memory                          */
    llml_log_fn log;
    void *log_user;
    char err[256];
    int loaded;
    llml_backend_model hp;          /* layers: host pointers of the model   */
    int32_t n_layer;
    uint8_t *on;                    /* n_layer flags                        */
    int32_t output;
    llml__dl *L;                    /* n_layer                              */
    llml__dw out_w;
    float *out_norm, *rope_freqs;
    int32_t n_ctx, n_batch;
    llml_type kt;
    int64_t n_q, n_kv_max, ff_max, max_cols, moe_rows;
    float *x, *cur, *q, *k, *v, *att, *ffa, *ffb, *ffo, *moe_y, *router, *moe_w, *gsh, *logits, *scores;
    int32_t *moe_ids;
    llml__gact act;                 /* act.buf: the one conversion buffer   */
    size_t act_bytes;
    int64_t att_chunk;
    const float *act_src;           /* what act holds (for reuse)           */
    int64_t act_xs;
    llml__bkr_alloc *allocs;
    size_t n_allocs, cap_allocs;
    uint64_t bytes;                 /* device memory held                   */
} llml__bkr;

static void llml__bkr_error(llml__bkr *r, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void llml__bkr_error(llml__bkr *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    if (r->log) r->log(r->log_user, LLML_LOG_ERROR, r->err);
}

/* Device memory, recorded for freeing. */
static void *llml__bkr_alloc_dev(llml__bkr *r, size_t bytes) {
    void *p;
    if (r->n_allocs == r->cap_allocs) {
        size_t nc = r->cap_allocs ? r->cap_allocs * 2 : 64;
        llml__bkr_alloc *a = (llml__bkr_alloc *)llml__alloc(&r->alloc, nc * sizeof(*a), 16);
        if (!a) return NULL;
        if (r->allocs) {
            memcpy(a, r->allocs, r->n_allocs * sizeof(*a));
            llml__free(&r->alloc, r->allocs, r->cap_allocs * sizeof(*a));
        }
        r->allocs = a;
        r->cap_allocs = nc;
    }
    if (bytes == 0) bytes = 4;
    p = r->ops->alloc(r->dev, bytes);
    if (!p) return NULL;
    r->allocs[r->n_allocs].p = p;
    r->allocs[r->n_allocs].bytes = bytes;
    r->n_allocs++;
    r->bytes += bytes;
    return p;
}

/* Free everything the runner holds (the device object stays). */
static void llml__bkr_release(llml__bkr *r) {
    size_t i;
    for (i = r->n_allocs; i-- > 0; ) r->ops->free(r->dev, r->allocs[i].p, r->allocs[i].bytes);
    if (r->allocs) llml__free(&r->alloc, r->allocs, r->cap_allocs * sizeof(*r->allocs));
    if (r->L) llml__free(&r->alloc, r->L, (size_t)r->n_layer * sizeof(*r->L));
    if (r->on) llml__free(&r->alloc, r->on, (size_t)r->n_layer);
    r->allocs = NULL; r->n_allocs = r->cap_allocs = 0;
    r->L = NULL; r->on = NULL;
    r->bytes = 0;
    r->loaded = 0;
}

#define LLML__BKR_OOM(r, what) do { \
        llml__bkr_error(r, "out of device memory for %s (%.1f MiB held)", what, (double)(r)->bytes / 1048576.0); \
        return LLML_ERR_OUT_OF_MEMORY; } while (0)
#define LLML__BKR_TRY(expr) do { llml_result llml__rr = (expr); if (llml__rr != LLML_OK) return llml__rr; } while (0)

static llml_result llml__bkr_vec(llml__bkr *r, const float *h, int64_t n, float **out) {
    *out = NULL;
    if (!h) return LLML_OK;
    *out = (float *)llml__bkr_alloc_dev(r, (size_t)n * 4);
    if (!*out) LLML__BKR_OOM(r, "a vector");
    return r->ops->to_dev(r->dev, *out, h, (size_t)n * 4);
}

static llml_result llml__bkr_weight(llml__bkr *r, const llml_backend_weight *h, llml__dw *w) {
    size_t bytes;
    void *p;
    memset(w, 0, sizeof(*w));
    if (!h->data) return LLML_OK;
    bytes = h->row_bytes * (size_t)h->ne[1] * (size_t)(h->ne[2] > 0 ? h->ne[2] : 1);
    p = llml__bkr_alloc_dev(r, bytes);
    if (!p) LLML__BKR_OOM(r, "weights");
    LLML__BKR_TRY(r->ops->to_dev(r->dev, p, h->data, bytes));
    w->data = p;
    w->type = h->type;
    w->ne[0] = h->ne[0]; w->ne[1] = h->ne[1]; w->ne[2] = h->ne[2] > 0 ? h->ne[2] : 1;
    w->row_bytes = h->row_bytes;
    w->host = h->data;
    if (r->ops->prepare) LLML__BKR_TRY(r->ops->prepare(r->dev, w));
    return LLML_OK;
}

static float *llml__bkr_buf(llml__bkr *r, int64_t floats) {
    return (float *)llml__bkr_alloc_dev(r, (size_t)(floats > 0 ? floats : 1) * 4);
}

static llml_result llml__bkr_upload(llml__bkr *r, const llml_backend_load *ld, uint64_t *bytes) {
    const llml_backend_model *hp = ld->model;
    int64_t il, ne, hd, n_exp, k, rows, w3 = 0;
    int any = 0;
    if (r->loaded) { llml__bkr_error(r, "upload: already loaded"); return LLML_ERR_INVALID_ARG; }
    if (ld->kv_type != LLML_TYPE_F32 && ld->kv_type != LLML_TYPE_F16 && ld->kv_type != LLML_TYPE_Q8_0) {
        llml__bkr_error(r, "upload: KV cache type %d is not supported", (int)ld->kv_type);
        return LLML_ERR_UNSUPPORTED;
    }
    r->hp = *hp;
    r->n_layer = hp->n_layer;
    r->n_ctx = ld->n_ctx;
    r->n_batch = ld->n_batch;
    r->kt = ld->kv_type;
    r->output = ld->output;
    r->L = (llml__dl *)llml__calloc(&r->alloc, (size_t)hp->n_layer * sizeof(*r->L));
    r->on = (uint8_t *)llml__calloc(&r->alloc, (size_t)hp->n_layer);
    if (!r->L || !r->on) { llml__bkr_release(r); llml__bkr_error(r, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    ne = hp->n_embd;
    hd = hp->head_dim;
    n_exp = hp->n_expert;
    k = hp->n_expert_used > 0 ? hp->n_expert_used : 1;
    r->n_q = (int64_t)hp->n_head * hd;
    r->n_kv_max = 0;
    r->ff_max = 0;
    for (il = 0; il < hp->n_layer; il++) {
        const llml_backend_layer *H = &hp->layers[il];
        llml__dl *D = &r->L[il];
        int64_t nkv = (int64_t)H->n_head_kv * hd, ff = H->n_ff;
        llml_result res = LLML_OK;
        if (!ld->run_layer[il]) continue;
        r->on[il] = 1;
        any = 1;
        if (nkv > r->n_kv_max) r->n_kv_max = nkv;
        if (H->ffn_up.data && !H->ffn_gate.data && !H->up_exps.data) ff = 2 * (int64_t)H->n_ff;
        if (H->gate_shexp.data && H->gate_shexp.ne[1] > ff) ff = H->gate_shexp.ne[1];
        if (ff > r->ff_max) r->ff_max = ff;
        if (H->wqkv.data && H->wqkv.ne[1] > w3) w3 = H->wqkv.ne[1];
#define LLML__V(f, n) if (res == LLML_OK) res = llml__bkr_vec(r, H->f, n, &D->f)
#define LLML__W(f) if (res == LLML_OK) res = llml__bkr_weight(r, &H->f, &D->f)
        LLML__V(attn_norm, ne); LLML__V(attn_post_norm, ne); LLML__V(ffn_norm, ne); LLML__V(ffn_post_norm, ne);
        LLML__V(q_norm, hd); LLML__V(k_norm, hd);
        LLML__V(bq, r->n_q); LLML__V(bk, nkv); LLML__V(bv, nkv);
        LLML__V(gate_inp_shexp, ne);
        LLML__W(wq); LLML__W(wk); LLML__W(wv); LLML__W(wqkv); LLML__W(wo);
        LLML__W(ffn_gate); LLML__W(ffn_up); LLML__W(ffn_down);
        LLML__W(gate_inp); LLML__W(gate_exps); LLML__W(up_exps); LLML__W(down_exps);
        LLML__W(gate_shexp); LLML__W(up_shexp); LLML__W(down_shexp);
#undef LLML__V
#undef LLML__W
        if (res != LLML_OK) { llml__bkr_release(r); return res; }
        D->kv_row = llml_row_size(r->kt, nkv);
        D->kc = (uint8_t *)llml__bkr_alloc_dev(r, (size_t)r->n_ctx * D->kv_row);
        D->vc = (uint8_t *)llml__bkr_alloc_dev(r, (size_t)r->n_ctx * D->kv_row);
        if (!D->kc || !D->vc) { llml__bkr_release(r); LLML__BKR_OOM(r, "the KV cache"); }
    }
    if (r->output) {
        llml_result res = llml__bkr_vec(r, hp->output_norm, ne, &r->out_norm);
        if (res == LLML_OK) res = llml__bkr_weight(r, &hp->output, &r->out_w);
        if (res != LLML_OK) { llml__bkr_release(r); return res; }
        any = 1;
    }
    if (!any) { r->loaded = 1; if (bytes) *bytes = r->bytes; return LLML_OK; }
    if (hp->rope_freqs) {
        llml_result res = llml__bkr_vec(r, hp->rope_freqs, hp->n_rot / 2, &r->rope_freqs);
        if (res != LLML_OK) { llml__bkr_release(r); return res; }
    }
    /* scratch for n_batch tokens (experts: n_batch x k rows) */
    rows = r->n_batch;
    r->moe_rows = n_exp > 0 ? rows * k : rows;
    r->max_cols = ne;
    if (r->n_q > r->max_cols) r->max_cols = r->n_q;
    if (r->ff_max > r->max_cols) r->max_cols = r->ff_max;
    {
        int64_t ffa = rows * LLML__MAX(r->ff_max, w3);
        if (r->moe_rows * r->ff_max > ffa) ffa = r->moe_rows * r->ff_max;
        r->x = llml__bkr_buf(r, rows * ne);
        r->cur = llml__bkr_buf(r, rows * ne);
        r->q = llml__bkr_buf(r, rows * r->n_q);
        r->k = llml__bkr_buf(r, rows * r->n_kv_max);
        r->v = llml__bkr_buf(r, rows * r->n_kv_max);
        r->att = llml__bkr_buf(r, rows * r->n_q);
        r->ffa = llml__bkr_buf(r, ffa);
        r->ffb = llml__bkr_buf(r, ffa);
        r->ffo = llml__bkr_buf(r, rows * ne);
        r->moe_y = llml__bkr_buf(r, r->moe_rows * ne);
        r->router = llml__bkr_buf(r, rows * (n_exp > 0 ? n_exp : 1));
        r->moe_w = llml__bkr_buf(r, r->moe_rows);
        r->gsh = llml__bkr_buf(r, rows);
        r->moe_ids = (int32_t *)llml__bkr_alloc_dev(r, (size_t)r->moe_rows * 4);
        r->logits = r->output ? llml__bkr_buf(r, rows * hp->n_vocab) : NULL;
        r->act_bytes = llml__g_act_bytes(r->moe_rows, r->max_cols);
        r->act.buf = llml__bkr_alloc_dev(r, r->act_bytes);
        /* attention scores: up to 64 MiB, at least one token */
        r->att_chunk = (int64_t)((64u << 20) / ((uint64_t)hp->n_head * (uint64_t)r->n_ctx * 4u));
        if (r->att_chunk < 1) r->att_chunk = 1;
        if (r->att_chunk > rows) r->att_chunk = rows;
        if (r->att_chunk > 65535) r->att_chunk = 65535;   /* a GPU grid dimension */
        r->scores = llml__bkr_buf(r, r->att_chunk * hp->n_head * r->n_ctx);
        if (!r->x || !r->cur || !r->q || !r->k || !r->v || !r->att || !r->ffa || !r->ffb || !r->ffo || !r->moe_y ||
            !r->router || !r->moe_w || !r->gsh || !r->moe_ids || (r->output && !r->logits) || !r->act.buf || !r->scores) {
            llml__bkr_release(r);
            LLML__BKR_OOM(r, "scratch buffers");
        }
    }
    r->loaded = 1;
    if (bytes) *bytes = r->bytes;
    return LLML_OK;
}

/* W(expert) x for rows of x; reuse: x is what act already holds. */
static llml_result llml__bkr_mm(llml__bkr *r, const llml__dw *w, int64_t expert, const float *x, int64_t xs,
                                int64_t rows, float *y, int64_t ys, int reuse) {
    llml_type vdt = llml__types[w->type].info.vec_dot_type;
    if (!(reuse && r->act_src == x && r->act.vdt == vdt && r->act.rows == rows && r->act.n == w->ne[0] && r->act_xs == xs)) {
        r->act.vdt = vdt;
        r->act.rows = rows;
        r->act.n = w->ne[0];
        r->act_src = x;
        r->act_xs = xs;
        LLML__BKR_TRY(r->ops->actq(r->dev, &r->act, x, xs));
    }
    return r->ops->mm(r->dev, w, expert, &r->act, y, ys);
}

static llml_result llml__bkr_ffn(llml__bkr *r, const llml_backend_layer *H, const llml__dl *D, int64_t n) {
    const llml__dev_ops *o = r->ops;
    void *d = r->dev;
    int64_t ne = r->hp.n_embd, ff = H->n_ff;
    int32_t gelu = r->hp.gelu;
    if (D->gate_exps.data) {
        int32_t k = r->hp.n_expert_used, n_exp = r->hp.n_expert;
        llml_type vdt;
        LLML__BKR_TRY(llml__bkr_mm(r, &D->gate_inp, 0, r->cur, ne, n, r->router, n_exp, 0));
        LLML__BKR_TRY(o->moe_route(d, r->router, n, n_exp, k, r->hp.norm_w_experts, r->moe_ids, r->moe_w));
        vdt = llml__types[D->gate_exps.type].info.vec_dot_type;
        r->act.vdt = vdt; r->act.rows = n; r->act.n = ne; r->act_src = NULL;
        LLML__BKR_TRY(o->actq(d, &r->act, r->cur, ne));
        LLML__BKR_TRY(o->mm_ids(d, &D->gate_exps, &r->act, 0, n, k, r->moe_ids, r->ffb, ff));
        if (llml__types[D->up_exps.type].info.vec_dot_type != vdt) {
            r->act.vdt = llml__types[D->up_exps.type].info.vec_dot_type;
            LLML__BKR_TRY(o->actq(d, &r->act, r->cur, ne));
        }
        LLML__BKR_TRY(o->mm_ids(d, &D->up_exps, &r->act, 0, n, k, r->moe_ids, r->ffa, ff));
        LLML__BKR_TRY(o->glu(d, r->ffb, ff, r->ffb, ff, r->ffa, ff, n * k, ff, gelu));
        r->act.vdt = llml__types[D->down_exps.type].info.vec_dot_type;
        r->act.rows = n * k; r->act.n = ff;
        LLML__BKR_TRY(o->actq(d, &r->act, r->ffb, ff));
        LLML__BKR_TRY(o->mm_ids(d, &D->down_exps, &r->act, 1, n, k, r->moe_ids, r->moe_y, ne));
        r->act_src = NULL;
        LLML__BKR_TRY(o->moe_sum(d, r->ffo, r->moe_y, r->moe_w, n, k, ne));
        if (D->gate_shexp.data) {
            int64_t ffs = D->gate_shexp.ne[1];
            if (D->gate_inp_shexp) {
                llml__dw gv;
                memset(&gv, 0, sizeof(gv));
                gv.data = D->gate_inp_shexp; gv.type = LLML_TYPE_F32;
                gv.ne[0] = ne; gv.ne[1] = 1; gv.ne[2] = 1; gv.row_bytes = (size_t)ne * 4;
                LLML__BKR_TRY(llml__bkr_mm(r, &gv, 0, r->cur, ne, n, r->gsh, 1, 0));
            }
            LLML__BKR_TRY(llml__bkr_mm(r, &D->gate_shexp, 0, r->cur, ne, n, r->ffb, ffs, 0));
            LLML__BKR_TRY(llml__bkr_mm(r, &D->up_shexp, 0, r->cur, ne, n, r->ffa, ffs, 1));
            LLML__BKR_TRY(o->glu(d, r->ffb, ffs, r->ffb, ffs, r->ffa, ffs, n, ffs, gelu));
            LLML__BKR_TRY(llml__bkr_mm(r, &D->down_shexp, 0, r->ffb, ffs, n, r->moe_y, ne, 0));
            LLML__BKR_TRY(o->gate_add(d, r->ffo, r->moe_y, D->gate_inp_shexp ? r->gsh : NULL, n, ne));
        }
        return LLML_OK;
    }
    if (!D->ffn_gate.data) {   /* fused gate and up (phi3) */
        LLML__BKR_TRY(llml__bkr_mm(r, &D->ffn_up, 0, r->cur, ne, n, r->ffa, 2 * ff, 0));
        LLML__BKR_TRY(o->glu(d, r->ffb, ff, r->ffa, 2 * ff, r->ffa + ff, 2 * ff, n, ff, gelu));
    } else {
        LLML__BKR_TRY(llml__bkr_mm(r, &D->ffn_gate, 0, r->cur, ne, n, r->ffb, ff, 0));
        LLML__BKR_TRY(llml__bkr_mm(r, &D->ffn_up, 0, r->cur, ne, n, r->ffa, ff, 1));
        LLML__BKR_TRY(o->glu(d, r->ffb, ff, r->ffb, ff, r->ffa, ff, n, ff, gelu));
    }
    return llml__bkr_mm(r, &D->ffn_down, 0, r->ffb, ff, n, r->ffo, ne, 0);
}

static llml_result llml__bkr_layer(llml__bkr *r, int32_t il, int64_t n, int64_t pos0) {
    const llml__dev_ops *o = r->ops;
    void *d = r->dev;
    const llml_backend_model *hp = &r->hp;
    const llml_backend_layer *H = &hp->layers[il];
    const llml__dl *D = &r->L[il];
    int64_t ne = hp->n_embd, hd = hp->head_dim, nh = hp->n_head, nq = nh * hd;
    int64_t nkv = (int64_t)H->n_head_kv * hd;
    float eps = hp->norm_eps;
    llml__rope_p rp;
    llml__attn_p ap;
    LLML__BKR_TRY(o->rmsnorm(d, r->cur, r->x, D->attn_norm, n, ne, eps));
    if (D->wqkv.data) {
        int64_t w3 = nq + 2 * nkv;
        LLML__BKR_TRY(llml__bkr_mm(r, &D->wqkv, 0, r->cur, ne, n, r->ffa, w3, 0));
        LLML__BKR_TRY(o->copy2d(d, r->q, nq, r->ffa, w3, n, nq));
        LLML__BKR_TRY(o->copy2d(d, r->k, nkv, r->ffa + nq, w3, n, nkv));
        LLML__BKR_TRY(o->copy2d(d, r->v, nkv, r->ffa + nq + nkv, w3, n, nkv));
    } else {
        LLML__BKR_TRY(llml__bkr_mm(r, &D->wq, 0, r->cur, ne, n, r->q, nq, 0));
        LLML__BKR_TRY(llml__bkr_mm(r, &D->wk, 0, r->cur, ne, n, r->k, nkv, 1));
        LLML__BKR_TRY(llml__bkr_mm(r, &D->wv, 0, r->cur, ne, n, r->v, nkv, 1));
    }
    if (D->bq) LLML__BKR_TRY(o->add_rows(d, r->q, D->bq, n, nq));
    if (D->bk) LLML__BKR_TRY(o->add_rows(d, r->k, D->bk, n, nkv));
    if (D->bv) LLML__BKR_TRY(o->add_rows(d, r->v, D->bv, n, nkv));
    if (D->q_norm) LLML__BKR_TRY(o->rmsnorm(d, r->q, r->q, D->q_norm, n * nh, hd, eps));
    if (D->k_norm) LLML__BKR_TRY(o->rmsnorm(d, r->k, r->k, D->k_norm, n * H->n_head_kv, hd, eps));
    rp.hd = (int32_t)hd;
    rp.n_rot = hp->n_rot;
    rp.neox = hp->rope_style == LLML_ROPE_NEOX;
    rp.theta_scale = powf(H->rope_base, -2.0f / (float)hp->n_rot);
    rp.scale = H->rope_scale;
    rp.freqs = r->rope_freqs;
    LLML__BKR_TRY(o->rope(d, r->q, n, (int32_t)nh, pos0, &rp));
    LLML__BKR_TRY(o->rope(d, r->k, n, H->n_head_kv, pos0, &rp));
    if (hp->attn_scale_pre) LLML__BKR_TRY(o->scale(d, r->q, hp->attn_scale, n * nq));
    LLML__BKR_TRY(o->kv_store(d, D->kc, D->vc, D->kv_row, r->kt, r->k, r->v, n, nkv, pos0));
    ap.kt = r->kt;
    ap.row_bytes = D->kv_row;
    ap.n_head = (int32_t)nh;
    ap.n_head_kv = H->n_head_kv;
    ap.hd = (int32_t)hd;
    ap.n_ctx = r->n_ctx;
    ap.scale = hp->attn_scale_pre ? 1.0f : hp->attn_scale;
    ap.softcap = hp->attn_softcap;
    ap.swa = H->sliding_window;
    ap.scores = r->scores;
    ap.chunk = r->att_chunk;
    LLML__BKR_TRY(o->attention(d, r->att, r->q, D->kc, D->vc, &ap, n, pos0));
    LLML__BKR_TRY(llml__bkr_mm(r, &D->wo, 0, r->att, nq, n, r->cur, ne, 0));
    if (D->attn_post_norm) LLML__BKR_TRY(o->rmsnorm(d, r->cur, r->cur, D->attn_post_norm, n, ne, eps));
    LLML__BKR_TRY(o->add(d, r->x, r->cur, n * ne));
    LLML__BKR_TRY(o->rmsnorm(d, r->cur, r->x, D->ffn_norm, n, ne, eps));
    LLML__BKR_TRY(llml__bkr_ffn(r, H, D, n));
    if (D->ffn_post_norm) LLML__BKR_TRY(o->rmsnorm(d, r->ffo, r->ffo, D->ffn_post_norm, n, ne, eps));
    return o->add(d, r->x, r->ffo, n * ne);
}

static llml_result llml__bkr_run(llml__bkr *r, const llml_backend_run *run) {
    int64_t ne = r->hp.n_embd, n = run->n_tokens;
    int32_t il;
    if (!r->loaded || n < 1 || n > r->n_batch || run->pos0 < 0 || run->pos0 + n > r->n_ctx ||
        run->layer_begin < 0 || run->layer_end > r->n_layer || run->layer_begin > run->layer_end ||
        run->out_rows < 0 || run->out_rows > n || (run->out_rows > 0 && !r->output)) {
        llml__bkr_error(r, "run: bad arguments (layers %d..%d, %lld tokens at %lld)", (int)run->layer_begin,
                        (int)run->layer_end, (long long)n, (long long)run->pos0);
        return LLML_ERR_INVALID_ARG;
    }
    for (il = run->layer_begin; il < run->layer_end; il++)
        if (!r->on[il]) { llml__bkr_error(r, "run: layer %d was not uploaded", (int)il); return LLML_ERR_INVALID_ARG; }
    r->act_src = NULL;
    LLML__BKR_TRY(r->ops->to_dev(r->dev, r->x, run->x, (size_t)(n * ne) * 4));
    for (il = run->layer_begin; il < run->layer_end; il++) LLML__BKR_TRY(llml__bkr_layer(r, il, n, run->pos0));
    if (run->out_rows > 0) {
        int64_t first = n - run->out_rows, nv = r->hp.n_vocab;
        LLML__BKR_TRY(r->ops->rmsnorm(r->dev, r->cur, r->x + first * ne, r->out_norm, run->out_rows, ne, r->hp.norm_eps));
        LLML__BKR_TRY(llml__bkr_mm(r, &r->out_w, 0, r->cur, ne, run->out_rows, r->logits, nv, 0));
        if (r->hp.final_softcap > 0.0f) LLML__BKR_TRY(r->ops->softcap(r->dev, r->logits, r->hp.final_softcap, run->out_rows * nv));
        LLML__BKR_TRY(r->ops->to_host(r->dev, run->logits, r->logits, (size_t)(run->out_rows * nv) * 4));
    }
    if (run->want_x) LLML__BKR_TRY(r->ops->to_host(r->dev, run->x, r->x, (size_t)(n * ne) * 4));
    return LLML_OK;
}

/* The matmul hook: an uploaded weight is used in place, another one is
   uploaded for the call. */
static llml_result llml__bkr_matmul(llml__bkr *r, const llml_backend_weight *hw, int64_t expert, const float *x,
                                    int64_t n, float *y) {
    llml__dw w, *use = NULL;
    size_t nx, ny, wbytes = 0, ab;
    float *dx = NULL, *dy = NULL;
    void *wp = NULL;
    llml__gact a;
    llml_result res;
    int32_t il;
    if (!hw || !hw->data || !x || !y || n < 1 || expert < 0 || expert >= (hw->ne[2] > 0 ? hw->ne[2] : 1)) return LLML_ERR_INVALID_ARG;
    if (!llml__traits(hw->type) || hw->ne[0] % llml__types[hw->type].info.block_size) return LLML_ERR_UNSUPPORTED_TYPE;
    for (il = 0; il < r->n_layer && !use; il++) {
        llml__dl *D = &r->L[il];
        llml__dw *all[15];
        int k;
        all[0] = &D->wq; all[1] = &D->wk; all[2] = &D->wv; all[3] = &D->wqkv; all[4] = &D->wo; all[5] = &D->ffn_gate;
        all[6] = &D->ffn_up; all[7] = &D->ffn_down; all[8] = &D->gate_inp; all[9] = &D->gate_exps; all[10] = &D->up_exps;
        all[11] = &D->down_exps; all[12] = &D->gate_shexp; all[13] = &D->up_shexp; all[14] = &D->down_shexp;
        for (k = 0; k < 15; k++)
            if (all[k]->data && all[k]->host == hw->data && all[k]->type == hw->type && all[k]->ne[0] == hw->ne[0] &&
                all[k]->ne[1] == hw->ne[1]) { use = all[k]; break; }
    }
    if (!use && r->out_w.data && r->out_w.host == hw->data && r->out_w.type == hw->type && r->out_w.ne[1] == hw->ne[1]) use = &r->out_w;
    nx = (size_t)(n * hw->ne[0]) * 4;
    ny = (size_t)(n * hw->ne[1]) * 4;
    ab = llml__g_act_bytes(n, hw->ne[0]);
    dx = (float *)r->ops->alloc(r->dev, nx);
    dy = (float *)r->ops->alloc(r->dev, ny);
    a.buf = r->ops->alloc(r->dev, ab);
    if (!use) {
        wbytes = hw->row_bytes * (size_t)hw->ne[1] * (size_t)(hw->ne[2] > 0 ? hw->ne[2] : 1);
        wp = r->ops->alloc(r->dev, wbytes);
    }
    res = LLML_ERR_OUT_OF_MEMORY;
    if (dx && dy && a.buf && (use || wp)) {
        res = LLML_OK;
        if (!use) {
            memset(&w, 0, sizeof(w));
            w.data = wp; w.type = hw->type; w.ne[0] = hw->ne[0]; w.ne[1] = hw->ne[1];
            w.ne[2] = hw->ne[2] > 0 ? hw->ne[2] : 1; w.row_bytes = hw->row_bytes; w.host = hw->data;
            res = r->ops->to_dev(r->dev, wp, hw->data, wbytes);
            if (res == LLML_OK && r->ops->prepare) res = r->ops->prepare(r->dev, &w);
            use = &w;
        }
        if (res == LLML_OK) res = r->ops->to_dev(r->dev, dx, x, nx);
        a.vdt = llml__types[hw->type].info.vec_dot_type; a.rows = n; a.n = hw->ne[0];
        if (res == LLML_OK) res = r->ops->actq(r->dev, &a, dx, hw->ne[0]);
        if (res == LLML_OK) res = r->ops->mm(r->dev, use, expert, &a, dy, hw->ne[1]);
        if (res == LLML_OK) res = r->ops->to_host(r->dev, y, dy, ny);
    } else {
        llml__bkr_error(r, "matmul: out of device memory");
    }
    if (wp) r->ops->free(r->dev, wp, wbytes);
    if (a.buf) r->ops->free(r->dev, a.buf, ab);
    if (dy) r->ops->free(r->dev, dy, ny);
    if (dx) r->ops->free(r->dev, dx, nx);
    return res;
}

static llml_result llml__bkr_kv(llml__bkr *r, int32_t il, int64_t pos0, int64_t n, void *kh, void *vh, int write) {
    const llml__dl *D;
    size_t off, bytes;
    if (!r->loaded || il < 0 || il >= r->n_layer || !r->on[il] || pos0 < 0 || n < 0 || pos0 + n > r->n_ctx) {
        llml__bkr_error(r, "kv: bad layer %d or rows %lld..%lld", (int)il, (long long)pos0, (long long)(pos0 + n));
        return LLML_ERR_INVALID_ARG;
    }
    if (n == 0) return LLML_OK;
    D = &r->L[il];
    off = (size_t)pos0 * D->kv_row;
    bytes = (size_t)n * D->kv_row;
    if (write) {
        LLML__BKR_TRY(r->ops->to_dev(r->dev, D->kc + off, kh, bytes));
        return r->ops->to_dev(r->dev, D->vc + off, vh, bytes);
    }
    LLML__BKR_TRY(r->ops->to_host(r->dev, kh, D->kc + off, bytes));
    return r->ops->to_host(r->dev, vh, D->vc + off, bytes);
}

/* Public hooks of every runner-based backend (state begins with llml__bkr). */
static llml_result llml__rbk_upload(void *st, const llml_backend_load *ld, uint64_t *bytes) {
    return llml__bkr_upload((llml__bkr *)st, ld, bytes);
}
static llml_result llml__rbk_run(void *st, const llml_backend_run *run) { return llml__bkr_run((llml__bkr *)st, run); }
static llml_result llml__rbk_matmul(void *st, const llml_backend_weight *w, int64_t expert, const float *x, int64_t n, float *y) {
    return llml__bkr_matmul((llml__bkr *)st, w, expert, x, n, y);
}
static llml_result llml__rbk_kv_read(void *st, int32_t il, int64_t pos0, int64_t n, void *k, void *v) {
    return llml__bkr_kv((llml__bkr *)st, il, pos0, n, k, v, 0);
}
static llml_result llml__rbk_kv_write(void *st, int32_t il, int64_t pos0, int64_t n, const void *k, const void *v) {
    return llml__bkr_kv((llml__bkr *)st, il, pos0, n, (void *)(uintptr_t)k, (void *)(uintptr_t)v, 1);
}
static const char *llml__rbk_last_error(void *st) { return ((llml__bkr *)st)->err; }

/* ---- the reference backend: the primitives on the CPU ---------------------- */

typedef struct llml__ref {
    llml__bkr run;                 /* first: the runner                    */
    uint64_t limit, used;
    uint8_t types[LLML_TYPE_COUNT];
} llml__ref;

static void *llml__ref_alloc(void *d, size_t bytes) {
    llml__ref *s = (llml__ref *)d;
    void *p;
    if (bytes > s->limit - s->used) return NULL;
    p = llml__alloc(&s->run.alloc, bytes, 64);
    if (p) s->used += bytes;
    return p;
}
static void llml__ref_free(void *d, void *p, size_t bytes) {
    llml__ref *s = (llml__ref *)d;
    llml__free(&s->run.alloc, p, bytes);
    s->used -= bytes;
}
static llml_result llml__ref_copy(void *d, void *dst, const void *src, size_t bytes) {
    (void)d;
    if (bytes) memmove(dst, src, bytes);
    return LLML_OK;
}

static llml_result llml__ref_actq(void *d, const llml__gact *a, const float *x, int64_t xs) {
    int64_t t, i, n = a->n;
    (void)d;
    if (llml__g_ftype(a->vdt)) {
        float *o = (float *)a->buf;
        for (t = 0; t < a->rows; t++)
            for (i = 0; i < n; i++) o[t * n + i] = llml__g_act_float(a->vdt, x[t * xs + i]);
        return LLML_OK;
    } else {
        int8_t *q = (int8_t *)a->buf;
        float *dd = (float *)(void *)((uint8_t *)a->buf + llml__g_act_off_d(a->rows, n));
        int32_t *ss = (int32_t *)(void *)((uint8_t *)a->buf + llml__g_act_off_s(a->rows, n));
        int64_t np = n / 32;
        for (t = 0; t < a->rows; t++) {
            if (a->vdt == LLML_TYPE_Q8_K) {
                for (i = 0; i < n / 256; i++)
                    llml__g_actq_q8_k(x + t * xs + 256 * i, q + t * n + 256 * i, dd + t * np + 8 * i, ss + t * np + 8 * i);
            } else {
                for (i = 0; i < np; i++)
                    llml__g_actq_q8_0(x + t * xs + 32 * i, q + t * n + 32 * i, dd + t * np + i, ss + t * np + i);
            }
        }
        return LLML_OK;
    }
}

/* One output value: row `row` of a weight times activation row t. */
static float llml__ref_dot(const llml__dw *w, const uint8_t *row, const llml__gact *a, int64_t t) {
    int64_t n = a->n, p;
    float acc = 0.0f;
    if (llml__g_ftype(w->type)) {
        const float *x = (const float *)a->buf + t * n;
        for (p = 0; p < n; p += 32) {
            int64_t i, e = LLML__MIN(p + 32, n);
            float s = 0.0f;
            for (i = p; i < e; i++) s += llml__g_wf(w->type, row, i) * x[i];
            acc += s;
        }
    } else {
        const uint8_t *q = (const uint8_t *)a->buf + t * n;
        const float *dd = (const float *)(const void *)((const uint8_t *)a->buf + llml__g_act_off_d(a->rows, n)) + t * (n / 32);
        const int32_t *ss = (const int32_t *)(const void *)((const uint8_t *)a->buf + llml__g_act_off_s(a->rows, n)) + t * (n / 32);
        for (p = 0; p < n / 32; p++) {
            llml__gpart wp;
            uint32_t av[8];
            int k;
            llml__g_part(w->type, row, p, &wp);
            for (k = 0; k < 8; k++) av[k] = llml__g_ld32a4(q + 32 * p + 4 * k);
            acc += llml__g_part_dot(&wp, av, dd[p], ss[p]);
        }
    }
    return acc;
}

static llml_result llml__ref_mm(void *d, const llml__dw *w, int64_t expert, const llml__gact *a, float *y, int64_t ys) {
    const uint8_t *base = (const uint8_t *)w->data + (size_t)expert * (size_t)w->ne[1] * w->row_bytes;
    int64_t t, r;
    (void)d;
    for (t = 0; t < a->rows; t++)
        for (r = 0; r < w->ne[1]; r++) y[t * ys + r] = llml__ref_dot(w, base + (size_t)r * w->row_bytes, a, t);
    return LLML_OK;
}

static llml_result llml__ref_mm_ids(void *d, const llml__dw *w, const llml__gact *a, int32_t per_slot, int64_t n_tok,
                                    int32_t k, const int32_t *ids, float *y, int64_t ys) {
    int64_t o, r;
    (void)d;
    for (o = 0; o < n_tok * k; o++) {
        const uint8_t *base = (const uint8_t *)w->data + (size_t)ids[o] * (size_t)w->ne[1] * w->row_bytes;
        for (r = 0; r < w->ne[1]; r++) y[o * ys + r] = llml__ref_dot(w, base + (size_t)r * w->row_bytes, a, per_slot ? o : o / k);
    }
    return LLML_OK;
}

static llml_result llml__ref_rmsnorm(void *d, float *y, const float *x, const float *w, int64_t rows, int64_t n, float eps) {
    int64_t t, i;
    (void)d;
    for (t = 0; t < rows; t++) {
        const float *xr = x + t * n;
        float *yr = y + t * n, sc;
        double s = 0.0;
        for (i = 0; i < n; i++) s += (double)(xr[i] * xr[i]);
        sc = 1.0f / sqrtf((float)(s / (double)n) + eps);
        for (i = 0; i < n; i++) yr[i] = xr[i] * sc;
        if (w) for (i = 0; i < n; i++) yr[i] *= w[i];
    }
    return LLML_OK;
}
static llml_result llml__ref_add(void *d, float *y, const float *x, int64_t n) {
    int64_t i;
    (void)d;
    for (i = 0; i < n; i++) y[i] += x[i];
    return LLML_OK;
}
static llml_result llml__ref_add_rows(void *d, float *y, const float *b, int64_t rows, int64_t n) {
    int64_t t, i;
    (void)d;
    for (t = 0; t < rows; t++) for (i = 0; i < n; i++) y[t * n + i] += b[i];
    return LLML_OK;
}
static llml_result llml__ref_scale(void *d, float *y, float s, int64_t n) {
    int64_t i;
    (void)d;
    for (i = 0; i < n; i++) y[i] *= s;
    return LLML_OK;
}
static llml_result llml__ref_softcap(void *d, float *y, float cap, int64_t n) {
    int64_t i;
    (void)d;
    for (i = 0; i < n; i++) y[i] = tanhf(y[i] * (1.0f / cap)) * cap;
    return LLML_OK;
}
static llml_result llml__ref_rope(void *d, float *x, int64_t rows, int32_t n_heads, int64_t pos0, const llml__rope_p *p) {
    int64_t t;
    int h, i, half = p->n_rot / 2;
    (void)d;
    for (t = 0; t < rows; t++) {
        for (i = 0; i < half; i++) {
            float th = llml__g_rope_theta((float)(pos0 + t), p->theta_scale, p->freqs, p->scale, i);
            float c = cosf(th), s = sinf(th);
            for (h = 0; h < n_heads; h++) {
                float *v = x + (t * n_heads + h) * p->hd;
                int i0 = p->neox ? i : 2 * i, i1 = p->neox ? i + half : 2 * i + 1;
                float x0 = v[i0], x1 = v[i1];
                v[i0] = x0 * c - x1 * s;
                v[i1] = x0 * s + x1 * c;
            }
        }
    }
    return LLML_OK;
}
static llml_result llml__ref_kv_store(void *d, uint8_t *kc, uint8_t *vc, size_t row_bytes, llml_type kt, const float *k,
                                      const float *v, int64_t rows, int64_t width, int64_t pos0) {
    int64_t t, i, c;
    (void)d;
    for (t = 0; t < rows; t++) {
        for (c = 0; c < 2; c++) {
            const float *src = (c ? v : k) + t * width;
            uint8_t *dst = (c ? vc : kc) + (size_t)(pos0 + t) * row_bytes;
            if (kt == LLML_TYPE_F32) memcpy(dst, src, (size_t)width * 4);
            else if (kt == LLML_TYPE_F16)
                for (i = 0; i < width; i++) { uint16_t h = llml__g_f2h(src[i]); dst[2 * i] = (uint8_t)h; dst[2 * i + 1] = (uint8_t)(h >> 8); }
            else
                for (i = 0; i < width / 32; i++) llml__g_q8_0_block(src + 32 * i, dst + 34 * i);
        }
    }
    return LLML_OK;
}

/* Attention as the CPU computes it: scores q.k (q rounded to the cache's
   activation type), soft-capping, scale, causal window, softmax (sum in
   double), then sum of p v (p rounded to F16 for an F16 cache). */
static llml_result llml__ref_attention(void *dv, float *out, const float *q, const uint8_t *kc, const uint8_t *vc,
                                       const llml__attn_p *p, int64_t rows, int64_t pos0) {
    int64_t i, j, h, dd, hd = p->hd, nq = (int64_t)p->n_head * hd, group = p->n_head / p->n_head_kv;
    size_t head_bytes = llml_row_size(p->kt, hd);
    float *sc = p->scores;
    float qf[512];
    int8_t q8[512];
    float q8d[16];
    (void)dv;
    if (hd > 512) return LLML_ERR_UNSUPPORTED;
    for (i = 0; i < rows; i++) {
        int64_t pos = pos0 + i, j0 = 0;
        if (p->swa > 0 && pos - p->swa + 1 > 0) j0 = pos - p->swa + 1;
        for (h = 0; h < p->n_head; h++) {
            const float *qh = q + i * nq + h * hd;
            size_t hoff = (size_t)(h / group) * head_bytes;
            float mx = -INFINITY, inv;
            double sum = 0.0;
            float *o = out + i * nq + h * hd;
            if (p->kt == LLML_TYPE_Q8_0) {
                int32_t dummy;
                for (dd = 0; dd < hd / 32; dd++) llml__g_actq_q8_0(qh + 32 * dd, q8 + 32 * dd, q8d + dd, &dummy);
            } else {
                for (dd = 0; dd < hd; dd++) qf[dd] = llml__g_act_float(p->kt, qh[dd]);
            }
            for (j = j0; j <= pos; j++) {
                const uint8_t *kh = kc + (size_t)j * p->row_bytes + hoff;
                float s = 0.0f;
                if (p->kt == LLML_TYPE_Q8_0) {
                    for (dd = 0; dd < hd / 32; dd++) {
                        const uint8_t *b = kh + 34 * dd;
                        int32_t is = 0;
                        int e;
                        for (e = 0; e < 32; e++) is += (int32_t)(int8_t)b[2 + e] * q8[32 * dd + e];
                        s += (float)is * (llml__g_h2f(llml__g_ld16(b)) * q8d[dd]);
                    }
                } else {
                    for (dd = 0; dd < hd; dd++) s += qf[dd] * llml__g_kv_elem(p->kt, kh, dd);
                }
                if (p->softcap > 0.0f) s = tanhf(s * (1.0f / p->softcap)) * p->softcap;
                s *= p->scale;
                sc[j] = s;
                if (s > mx) mx = s;
            }
            for (j = j0; j <= pos; j++) { float e = expf(sc[j] - mx); sum += (double)e; sc[j] = e; }
            inv = (float)(1.0 / sum);
            for (dd = 0; dd < hd; dd++) o[dd] = 0.0f;
            for (j = j0; j <= pos; j++) {
                const uint8_t *vh = vc + (size_t)j * p->row_bytes + hoff;
                float pj = sc[j] * inv;
                if (p->kt == LLML_TYPE_F16) pj = llml__g_h2f(llml__g_f2h(pj));
                for (dd = 0; dd < hd; dd++) o[dd] += pj * llml__g_kv_elem(p->kt, vh, dd);
            }
        }
    }
    return LLML_OK;
}
static llml_result llml__ref_glu(void *d, float *out, int64_t os, const float *g, int64_t gs, const float *u, int64_t us,
                                 int64_t rows, int64_t n, int32_t gelu) {
    int64_t t, i;
    (void)d;
    for (t = 0; t < rows; t++)
        for (i = 0; i < n; i++) {
            float a = g[t * gs + i];
            out[t * os + i] = (gelu ? llml__g_gelu(a) : llml__g_silu(a)) * u[t * us + i];
        }
    return LLML_OK;
}
static llml_result llml__ref_copy2d(void *d, float *dst, int64_t ds, const float *src, int64_t ss, int64_t rows, int64_t n) {
    int64_t t;
    (void)d;
    for (t = 0; t < rows; t++) memmove(dst + t * ds, src + t * ss, (size_t)n * 4);
    return LLML_OK;
}
/* the CPU's routing: softmax (sum in double), top-k largest first with the
   lower id on ties, optional renormalization */
static llml_result llml__ref_moe_route(void *d, const float *router, int64_t rows, int32_t n_exp, int32_t k, int32_t norm,
                                       int32_t *ids, float *wts) {
    int64_t t;
    int32_t e, j, q;
    float p[256];
    (void)d;
    if (n_exp > 256) return LLML_ERR_UNSUPPORTED;
    for (t = 0; t < rows; t++) {
        float mx = -INFINITY, inv;
        double sum = 0.0;
        for (e = 0; e < n_exp; e++) { p[e] = router[t * n_exp + e]; if (p[e] > mx) mx = p[e]; }
        for (e = 0; e < n_exp; e++) { p[e] = expf(p[e] - mx); sum += (double)p[e]; }
        inv = (float)(1.0 / sum);
        for (e = 0; e < n_exp; e++) p[e] *= inv;
        for (j = 0; j < k; j++) {
            int32_t best = -1;
            for (e = 0; e < n_exp; e++) {
                int taken = 0;
                for (q = 0; q < j; q++) if (ids[t * k + q] == e) taken = 1;
                if (taken) continue;
                if (best < 0 || p[e] > p[best]) best = e;
            }
            ids[t * k + j] = best;
            wts[t * k + j] = p[best];
        }
        if (norm) {
            float s = 0.0f;
            for (j = 0; j < k; j++) s += wts[t * k + j];
            for (j = 0; j < k; j++) wts[t * k + j] /= s;
        }
    }
    return LLML_OK;
}
static llml_result llml__ref_moe_sum(void *d, float *out, const float *y, const float *wts, int64_t rows, int32_t k, int64_t n) {
    int64_t t, i;
    int32_t s;
    (void)d;
    for (t = 0; t < rows; t++)
        for (i = 0; i < n; i++) {
            float acc = y[(t * k) * n + i] * wts[t * k];
            for (s = 1; s < k; s++) acc += y[(t * k + s) * n + i] * wts[t * k + s];
            out[t * n + i] = acc;
        }
    return LLML_OK;
}
static llml_result llml__ref_gate_add(void *d, float *out, const float *y, const float *g, int64_t rows, int64_t n) {
    int64_t t, i;
    (void)d;
    for (t = 0; t < rows; t++) {
        float gs = g ? 1.0f / (1.0f + expf(-g[t])) : 1.0f;
        for (i = 0; i < n; i++) out[t * n + i] += y[t * n + i] * gs;
    }
    return LLML_OK;
}

static const llml__dev_ops llml__ref_ops = {
    llml__ref_alloc, llml__ref_free, llml__ref_copy, llml__ref_copy, llml__ref_actq, llml__ref_mm, llml__ref_mm_ids,
    llml__ref_rmsnorm, llml__ref_add, llml__ref_add_rows, llml__ref_scale, llml__ref_softcap, llml__ref_rope,
    llml__ref_kv_store, llml__ref_attention, llml__ref_glu, llml__ref_copy2d, llml__ref_moe_route, llml__ref_moe_sum,
    llml__ref_gate_add, NULL
};

/* The formats the CUDA kernels take (and the reference backend by default). */
static int llml__bk_gpu_type(llml_type t) { return llml__g_ftype(t) || llml__g_qtype(t); }

static llml_result llml__ref_open(void *user, const llml_backend_open *desc, void **state) {
    const llml_backend_reference_options *opt = (const llml_backend_reference_options *)user;
    llml_allocator a;
    llml__ref *s;
    int t;
    memset(&a, 0, sizeof(a));
    if (desc && desc->allocator) a = *desc->allocator;
    if (desc && desc->device != 0) return LLML_ERR_UNSUPPORTED;   /* one "device" */
    s = (llml__ref *)llml__calloc(&a, sizeof(*s));
    if (!s) return LLML_ERR_OUT_OF_MEMORY;
    s->run.ops = &llml__ref_ops;
    s->run.dev = s;
    s->run.alloc = a;
    if (desc) { s->run.log = desc->log; s->run.log_user = desc->log_user; }
    s->limit = opt && opt->memory_bytes ? opt->memory_bytes : ((uint64_t)64 << 30);
    for (t = 0; t < LLML_TYPE_COUNT; t++)
        s->types[t] = (uint8_t)(opt && opt->types ? opt->types[t] != 0 : llml__bk_gpu_type((llml_type)t));
    *state = s;
    return LLML_OK;
}
static void llml__ref_close(void *st) {
    llml__ref *s = (llml__ref *)st;
    llml_allocator a;
    if (!s) return;
    a = s->run.alloc;
    llml__bkr_release(&s->run);
    llml__free(&a, s, sizeof(*s));
}
static llml_result llml__ref_device_info(void *st, llml_backend_device *out) {
    llml__ref *s = (llml__ref *)st;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "reference (CPU, plain C)");
    out->total_bytes = s->limit;
    out->free_bytes = s->limit - s->used;
    return LLML_OK;
}
static int32_t llml__ref_supports(void *st, llml_type type, llml_backend_op op) {
    llml__ref *s = (llml__ref *)st;
    if ((unsigned)type >= (unsigned)LLML_TYPE_COUNT) return 0;
    if (op == LLML_BACKEND_OP_MATMUL) return s->types[type];
    if (op == LLML_BACKEND_OP_ATTENTION) return type == LLML_TYPE_F32 || type == LLML_TYPE_F16 || type == LLML_TYPE_Q8_0;
    return (unsigned)op < (unsigned)LLML_BACKEND_OP_COUNT;
}

static const llml_backend llml__ref_backend = {
    "reference", NULL, llml__ref_open, llml__ref_close, llml__ref_device_info, llml__ref_supports,
    llml__rbk_upload, llml__rbk_run, llml__rbk_matmul, llml__rbk_kv_read, llml__rbk_kv_write,
    NULL, NULL, llml__rbk_last_error
};

LLML_API const llml_backend *llml_backend_reference(void) { return &llml__ref_backend; }
