
/* ========================================================================== */
/* >>kern  matrix-product kernel table                                         */
/* ========================================================================== */
/* The model code multiplies weight matrices by activation rows through a
   table chosen once per context. Activations are first converted to the
   weight format's vec_dot_type (llml_type_info) with actq[vec_dot_type];
   then mm[weight type] computes, for r in [0, nr) and t in [0, nt):
       out[t * out_stride + r] = dot(w + r * w_stride, a + t * a_stride, n)
   Every entry has a portable scalar version built from the type table; the
   SIMD sections replace entries where the CPU allows. */

typedef void (*llml__mm_fn)(llml_type type, int64_t n,
                            const void *w, size_t w_stride, int64_t nr,
                            const void *a, size_t a_stride, int64_t nt,
                            float *out, size_t out_stride);
typedef void (*llml__actq_fn)(const float *x, void *dst, int64_t n);
/* The SwiGLU activation: g[i] = silu(g[i]) u[i], silu(x) = x / (1 + e^-x). */
typedef void (*llml__act_fn)(float *g, const float *u, int64_t n);
/* Attention's softmax numerators: s[i] = e^(s[i] - mx) for i < n (mx the
   largest s[i], so every exponent is <= 0); returns their sum in double. */
typedef double (*llml__expsum_fn)(float *s, int64_t n, float mx);
/* RMS norm: y = x / sqrt(mean(x^2) + eps), then times w[i] if w (the
   squares in float, their sum in double, as the reference). y may be x. */
typedef void (*llml__rmsnorm_fn)(float *y, const float *x, const float *w, int64_t n, float eps);
/* Rotary embedding of n_heads heads of hd floats at x, the first n_rot of
   each rotated by the angles whose cos / sin are given (n_rot / 2 each):
   pairs (i, i + n_rot / 2) when neox, else (2 i, 2 i + 1). */
typedef void (*llml__rope_fn)(float *x, int n_heads, int hd, int n_rot, int neox, const float *cs, const float *sn);
/* Attention's weighted sum of value rows, j in order:
       o[0..n) = sum over j < nk of p[j] v_j,  v_j at v + j * vstride
   in the KV cache's type (F16: each p[j] rounded to F16 first, as the
   reference's F16 product does; other types dequantized into tmp, n
   floats). */
typedef void (*llml__wsum_fn)(llml_type type, float *o, const uint8_t *v, size_t vstride, const float *p,
                              int64_t nk, int64_t n, float *tmp);

/* Prompt-sized products (LLML__GEMM_MIN_NT activation rows or more) may
   go through gemm[weight type] instead, where a SIMD section provides it:
   a register-blocked integer GEMM that takes its activation rows in its own
   layout, written from float rows by gq[weight type], llml__gq_bytes(type,
   n) bytes a row: the n codes of the reference's vec_dot_type quantizer as
   unsigned bytes (q + 128), then the scales as floats (Q8_0: one per 32;
   Q8_K: one per 256, then the sum of the codes of every 32 as floats).
   Every output value comes out the same whatever nr, nt and the row range,
   so results do not depend on the thread count. */
typedef struct llml__kern {
    uint32_t isa;                          /* LLML__ISA_* bits in use        */
    llml_isa level;                        /* the level they make up         */
    llml__mm_fn mm[LLML_TYPE_COUNT];       /* by weight type                 */
    llml__actq_fn actq[LLML_TYPE_COUNT];   /* by activation (vec_dot) type   */
    llml__mm_fn gemm[LLML_TYPE_COUNT];     /* by weight type, or NULL        */
    llml__actq_fn gq[LLML_TYPE_COUNT];     /* activation rows for gemm       */
    llml__mm_fn mmi[LLML_TYPE_COUNT];      /* mm and gemm for weights in the */
    llml__mm_fn gemmi[LLML_TYPE_COUNT];    /* interleaved layout, or NULL    */
    llml__wsum_fn wsum[LLML_TYPE_COUNT];   /* by KV cache type               */
    llml__act_fn silu_mul;
    llml__expsum_fn expsum;
    llml__rmsnorm_fn rmsnorm;
    llml__rope_fn rope;
} llml__kern;

/* The interleaved layouts of a weight matrix (mmi, gemmi): its rows in
   panels of 16 from row 0, each panel at the same bytes as in the file, its
   blocks reordered so that a matrix-vector product reads the panel front
   to back as one stream for the prefetchers instead of 16 (from memory at
   2 threads: Q6_K +8-13%, Q4_K +6-10%, PERF.md).
   - 32-value blocks (Q4_0, IQ4_NL, Q5_0, Q8_0): laid out for kernels
     whose lanes are the rows, so that they need no transposes. A last
     partial panel is padded to 16 rows with zero bytes (scale 0;
     llml__il_bytes counts them). Blocks go in pairs (the last one alone
     when a row has an odd number): the pair's scales first, 16 fp16 values
     (32 bytes) per block in row order, then each block's codes in pieces
     of 64 bytes, piece c holding code bytes 4c .. 4c + 3 of rows 0..15
     (row i at 4 i): 4 pieces for Q4_0 and IQ4_NL (the packed nibbles as
     they are), 8 for Q8_0 (its codes + 128, as unsigned bytes); Q5_0: its
     4 pieces of nibbles, then its fifth bits as 8 little-endian 64-bit
     masks, two per piece c (bit 4 i + k of the first: the fifth bit of row
     i's code 4c + k; of the second: of code 16 + 4c + k). A pair is 36
     (Q5_0: 44, Q8_0: 68) cache lines of 16 rows.
   - Q4_K and Q6_K are laid out for lanes-are-rows kernels too, padded the
     same way, more simply: block b of the 16 rows (16 bs bytes) is the
     rows' blocks cut into pieces of 4 bytes, piece c (at 64 c) holding
     bytes 4 c .. 4 c + 3 of rows 0..15 (row i at 4 i). Q4_K: 36 pieces
     (d, dmin and the 12 scale bytes in the first 4, then the codes); Q6_K:
     52 pieces, then the 16 rows' fp16 d (32 bytes), its 6-bit codes re-cut
     so that they decode in fewer steps: per half h of the block and
     column l (0-31) of it, with v1 .. v4 the codes of values 128 h + l,
     + 32, + 64, + 96, three bytes X = v1 | (v3 >> 4) << 6, Y = v2 | (v4 >>
     4) << 6, Z = (v3 & 15) | (v4 & 15) << 4 in pieces 24 h + l / 4, 24 h
     + 8 + l / 4 and 24 h + 16 + l / 4 (byte l % 4); pieces 48-51 are the
     scales.
   The kernels may read up to 64 bytes past the matrix: llml__il_bytes
   leaves them (zeroed by the caller). */
LLML__UNUSED static int llml__il_lanes(llml_type t) {
    return llml__types[t].info.block_size == 32 || t == LLML_TYPE_Q4_K || t == LLML_TYPE_Q6_K;
}
LLML__UNUSED static int64_t llml__il_rows(llml_type t, int64_t nr) {
    return llml__il_lanes(t) ? (nr + 15) / 16 * 16 : nr;
}
LLML__UNUSED static size_t llml__il_bytes(llml_type t, int64_t nr, size_t row_bytes) {
    return (size_t)llml__il_rows(t, nr) * row_bytes + 64;
}

/* Packs rows [0, nr) of src (rows of row_bytes) into dst (not
   overlapping): llml__il_rows(t, nr) rows of dst. */
LLML__UNUSED static void llml__il_pack(llml_type t, const uint8_t *src, uint8_t *dst, int64_t nr, size_t row_bytes) {
    const size_t bs = (size_t)llml__types[t].info.type_size, nb = row_bytes / bs;
    const int lanes = llml__il_lanes(t);
    const uint8_t flip = t == LLML_TYPE_Q8_0 ? 0x80 : 0;
    int64_t r0;
    for (r0 = 0; r0 < nr; r0 += 16) {
        const size_t rn = (size_t)LLML__MIN(16, nr - r0);
        const uint8_t *s = src + (size_t)r0 * row_bytes;
        uint8_t *d = dst + (size_t)r0 * row_bytes;
        size_t i, b, c, j;
        if (!lanes) {
            for (b = 0; b < nb; b++)
                for (i = 0; i < rn; i++) memcpy(d + (b * rn + i) * bs, s + i * row_bytes + b * bs, bs);
            continue;
        }
        memset(d, 0, 16 * row_bytes);
        if (t == LLML_TYPE_Q4_K || t == LLML_TYPE_Q6_K) {
            for (b = 0; b < nb; b++)
                for (i = 0; i < rn; i++) {
                    const uint8_t *blk = s + i * row_bytes + b * bs;
                    uint8_t *u = d + b * 16 * bs;
                    for (c = 0; c < bs / 4; c++) memcpy(u + 64 * c + 4 * i, blk + 4 * c, 4);
                    if (t == LLML_TYPE_Q6_K) {   /* the codes re-cut (X, Y, Z over the pieces of ql and qh), then d */
                        for (c = 0; c < 64; c++) {   /* half c / 32, column c % 32 */
                            const size_t h = c / 32, l = c % 32;
                            const uint8_t lo = blk[64 * h + l], hi = blk[64 * h + 32 + l], hb = blk[128 + 32 * h + l];
                            const uint8_t v1 = (uint8_t)((lo & 15) | (hb & 3) << 4), v2 = (uint8_t)((hi & 15) | (hb >> 2 & 3) << 4);
                            const uint8_t v3 = (uint8_t)(lo >> 4 | (hb >> 4 & 3) << 4), v4 = (uint8_t)(hi >> 4 | (hb >> 6) << 4);
                            uint8_t *x = u + 64 * (24 * h + l / 4) + 4 * i + l % 4;
                            x[0] = (uint8_t)(v1 | (v3 >> 4) << 6);
                            x[512] = (uint8_t)(v2 | (v4 >> 4) << 6);
                            x[1024] = (uint8_t)((v3 & 15) | (v4 & 15) << 4);
                        }
                        memcpy(u + 64 * (bs / 4) + 2 * i, blk + bs - 2, 2);
                    }
                }
            continue;
        }
        for (b = 0; b < nb; b += 2) {
            const size_t k = LLML__MIN(2, nb - b);
            uint8_t *u = d + b * 16 * bs;
            for (j = 0; j < k; j++) {
                uint8_t *codes = u + 32 * k + j * 16 * (bs - 2);
                for (i = 0; i < rn; i++) {
                    const uint8_t *blk = s + i * row_bytes + (b + j) * bs;
                    memcpy(u + 32 * j + 2 * i, blk, 2);
                    if (t == LLML_TYPE_Q5_0) {   /* qh (4 bytes), then the 16 bytes of nibbles */
                        const uint32_t qh = (uint32_t)blk[2] | (uint32_t)blk[3] << 8 | (uint32_t)blk[4] << 16 | (uint32_t)blk[5] << 24;
                        for (c = 0; c < 16; c++) {
                            const size_t bit = 4 * i + c % 4;
                            codes[(c / 4) * 64 + 4 * i + c % 4] = blk[6 + c];
                            codes[256 + 16 * (c / 4) + bit / 8] |= (uint8_t)(((qh >> c) & 1u) << (bit % 8));
                            codes[256 + 16 * (c / 4) + 8 + bit / 8] |= (uint8_t)(((qh >> (16 + c)) & 1u) << (bit % 8));
                        }
                        continue;
                    }
                    for (c = 0; c < bs - 2; c++) codes[(c / 4) * 64 + 4 * i + c % 4] = (uint8_t)(blk[2 + c] ^ flip);
                }
            }
        }
    }
}

/* Block b of a 16-row panel of a 32-block format in the interleaved layout
   (nb blocks a row, bs bytes a block): its 16 fp16 scales (the return
   value) and its first 64-byte piece of codes (*codes). */
LLML__UNUSED static const uint8_t *llml__il_blk(const uint8_t *pan, size_t bs, int64_t nb, int64_t b, const uint8_t **codes) {
    const uint8_t *u = pan + (size_t)(b - b % 2) * 16 * bs;
    const size_t k = nb - (b - b % 2) >= 2 ? 2 : 1;
    *codes = u + 32 * k + (size_t)(b % 2) * 16 * (bs - 2);
    return u + 32 * (size_t)(b % 2);
}

/* Fewest activation rows for which gemm pays (packing weights costs about
   as much as multiplying 2 or 3 rows). */
#define LLML__GEMM_MIN_NT 4

/* Bytes of one gq activation row of n elements for weight type t. */
LLML__UNUSED static size_t llml__gq_bytes(llml_type t, int64_t n) {
    const size_t un = (size_t)n;
    if (llml__types[t].info.vec_dot_type == LLML_TYPE_Q8_K) return un + un / 64 + un / 8;
    return un + un / 8;
}

/* Full unrolling of the small constant loops of the SIMD tiles (so that the
   tile accumulators live in registers). */
#if defined(__clang__)
#define LLML__UNROLL _Pragma("unroll")
#elif defined(__GNUC__) && __GNUC__ >= 8
#define LLML__UNROLL _Pragma("GCC unroll 16")
#else
#define LLML__UNROLL
#endif

/* Feature bits (llml__kern.isa) of the kernels in use. */
#define LLML__ISA_SCALAR     0u
#define LLML__ISA_AVX2       0x01u  /* AVX2 + FMA + F16C                      */
#define LLML__ISA_AVX512     0x02u  /* AVX-512 F/BW/VL/DQ + VNNI              */
#define LLML__ISA_AVX512BF16 0x04u  /* AVX512_BF16 (with LLML__ISA_AVX512)    */
#define LLML__ISA_NEON       0x10u  /* AArch64 Advanced SIMD                  */
#define LLML__ISA_DOTPROD    0x20u  /* Armv8.2 SDOT/UDOT                      */
#define LLML__ISA_I8MM       0x40u  /* Armv8.6 SMMLA (with LLML__ISA_DOTPROD) */

/* Which SIMD sections are compiled: GCC or Clang on x86-64 or AArch64, unless
   LLML_NO_SIMD is defined. Other compilers and targets keep the scalar
   table. */
#if !defined(LLML_NO_SIMD) && (defined(__GNUC__) || defined(__clang__))
#if defined(__x86_64__)
#define LLML__X86 1
#include <immintrin.h>
#include <cpuid.h>
/* AVX-512 VNNI needs GCC 8 / Clang 6, AVX512_BF16 GCC 10 / Clang 9. */
#if defined(__clang__) ? (__clang_major__ >= 6) : (__GNUC__ >= 8)
#define LLML__X86_512 1
#endif
#if defined(__clang__) ? (__clang_major__ >= 9) : (__GNUC__ >= 10)
#define LLML__X86_BF16 1
#endif
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define LLML__ARM 1
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif
/* The dotprod kernels: GCC 8+ compiles them with a target attribute (and the
   hwcaps decide at run time); Clang only where the compile target already
   has dotprod. */
#if defined(__ARM_FEATURE_DOTPROD)
#define LLML__ARM_DP 1
#define LLML__DP_ATTR
#elif defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define LLML__ARM_DP 1
#define LLML__DP_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
/* The i8mm (SMMLA) prompt GEMM, likewise: GCC 10+ with a target attribute,
   Clang only where the compile target has i8mm (and dotprod, which every
   i8mm CPU has and the level needs). */
#if defined(LLML__ARM_DP) && defined(__ARM_FEATURE_MATMUL_INT8)
#define LLML__ARM_MM 1
#define LLML__MM_ATTR
#elif defined(LLML__ARM_DP) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define LLML__ARM_MM 1
#define LLML__MM_ATTR __attribute__((target("arch=armv8.2-a+dotprod+i8mm")))
#endif
#endif
#endif

static void llml__mm_scalar(llml_type type, int64_t n,
                            const void *w, size_t w_stride, int64_t nr,
                            const void *a, size_t a_stride, int64_t nt,
                            float *out, size_t out_stride) {
    llml__dot_fn dot = llml__types[type].dot;
    int64_t r, t;
    for (t = 0; t < nt; t++) {
        const uint8_t *at = (const uint8_t *)a + (size_t)t * a_stride;
        float *o = out + (size_t)t * out_stride;
        for (r = 0; r < nr; r++)
            o[r] = dot((const uint8_t *)w + (size_t)r * w_stride, at, n);
    }
}

static void llml__actq_f32(const float *x, void *dst, int64_t n) { memcpy(dst, x, (size_t)n * sizeof(float)); }
static void llml__actq_f16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst; int64_t i;
    for (i = 0; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_fp16(x[i]));
}
static void llml__actq_bf16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst; int64_t i;
    for (i = 0; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_bf16(x[i]));
}
static void llml__actq_q8_0(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_0].quant(x, dst, 1, n, NULL); }
static void llml__actq_q8_1(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_1].quant(x, dst, 1, n, NULL); }
static void llml__actq_q8_k(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_K].quant(x, dst, 1, n, NULL); }

static float llml__silu(float x) { return x / (1.0f + expf(-x)); }
static void llml__silu_mul_scalar(float *g, const float *u, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) g[i] = llml__silu(g[i]) * u[i];
}

static double llml__expsum_scalar(float *s, int64_t n, float mx) {
    double sum = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) { s[i] = expf(s[i] - mx); sum += (double)s[i]; }
    return sum;
}

static void llml__rmsnorm_scalar(float *y, const float *x, const float *w, int64_t n, float eps) {
    double sum = 0.0;
    float scale;
    int64_t i;
    for (i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
    scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
    for (i = 0; i < n; i++) y[i] = x[i] * scale;
    if (w) for (i = 0; i < n; i++) y[i] *= w[i];
}

/* Angles [i, half) of one head at p (the SIMD versions' last angles too). */
LLML__UNUSED static void llml__rope_from(float *p, int i, int half, int neox, const float *cs, const float *sn) {
    for (; i < half; i++) {
        const int i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
        const float x0 = p[i0], x1 = p[i1];
        p[i0] = x0 * cs[i] - x1 * sn[i];
        p[i1] = x0 * sn[i] + x1 * cs[i];
    }
}

static void llml__rope_scalar(float *x, int n_heads, int hd, int n_rot, int neox, const float *cs, const float *sn) {
    int h;
    for (h = 0; h < n_heads; h++) llml__rope_from(x + (size_t)h * (size_t)hd, 0, n_rot / 2, neox, cs, sn);
}

static void llml__wsum_scalar(llml_type type, float *o, const uint8_t *v, size_t vstride, const float *p,
                              int64_t nk, int64_t n, float *tmp) {
    int64_t j, d;
    for (d = 0; d < n; d++) o[d] = 0.0f;
    for (j = 0; j < nk; j++) {
        const uint8_t *vr = v + (size_t)j * vstride;
        float pj = p[j];
        if (type == LLML_TYPE_F32) {
            for (d = 0; d < n; d++) { float e; memcpy(&e, vr + 4 * d, 4); o[d] += pj * e; }
        } else if (type == LLML_TYPE_F16) {
            pj = llml_fp16_to_fp32(llml_fp32_to_fp16(pj));
            for (d = 0; d < n; d++) o[d] += pj * llml_fp16_to_fp32(llml__rd16(vr + 2 * d));
        } else {
            llml__types[type].dequant(vr, tmp, n);
            for (d = 0; d < n; d++) o[d] += pj * tmp[d];
        }
    }
}

/* Fill k with the scalar kernels, then let the SIMD sections (later in this
   file) replace what the CPU and isa_cap allow. */
LLML__UNUSED static void llml__kern_init_scalar(llml__kern *k) {
    int i;
    memset(k, 0, sizeof(*k));
    k->isa = LLML__ISA_SCALAR;
    k->level = LLML_ISA_SCALAR;
    for (i = 0; i < LLML_TYPE_COUNT; i++) {
        if (llml__types[i].info.name && llml__types[i].dot) k->mm[i] = llml__mm_scalar;
        if (llml__types[i].info.name && llml__types[i].dequant) k->wsum[i] = llml__wsum_scalar;
    }
    k->silu_mul = llml__silu_mul_scalar;
    k->expsum = llml__expsum_scalar;
    k->rmsnorm = llml__rmsnorm_scalar;
    k->rope = llml__rope_scalar;
    k->actq[LLML_TYPE_F32] = llml__actq_f32;
    k->actq[LLML_TYPE_F16] = llml__actq_f16;
    k->actq[LLML_TYPE_BF16] = llml__actq_bf16;
    k->actq[LLML_TYPE_Q8_0] = llml__actq_q8_0;
    k->actq[LLML_TYPE_Q8_1] = llml__actq_q8_1;
    k->actq[LLML_TYPE_Q8_K] = llml__actq_q8_k;
}

/* Format groups shared by the SIMD sections (one generic kernel per group,
   specialised by a constant format code). */
/* 32-element block formats, in one generic tile (switches on a constant). */
#define LLML__F32B_Q4_0 0
#define LLML__F32B_Q4_1 1
#define LLML__F32B_Q5_0 2
#define LLML__F32B_Q5_1 3
#define LLML__F32B_Q8_0 4
#define LLML__F32B_IQ4_NL 5

LLML__UNUSED static int llml__f32b_bytes(int f) {
    switch (f) {
    case LLML__F32B_Q4_0: case LLML__F32B_IQ4_NL: return 18;
    case LLML__F32B_Q4_1: return 20;
    case LLML__F32B_Q5_0: return 22;
    case LLML__F32B_Q5_1: return 24;
    default: return 34;
    }
}
/* Affine formats (x = q d + m) pair with Q8_1 activations. */
LLML__UNUSED static int llml__f32b_affine(int f) { return f == LLML__F32B_Q4_1 || f == LLML__F32B_Q5_1; }

#define LLML__FK_Q2_K 0
#define LLML__FK_Q3_K 1
#define LLML__FK_Q4_K 2
#define LLML__FK_Q5_K 3
#define LLML__FK_Q6_K 4
#define LLML__FK_IQ4_XS 5

LLML__UNUSED static int llml__fk_bytes(int f) {
    static const int bytes[6] = { 84, 110, 144, 176, 210, 136 };
    return bytes[f];
}

#define LLML__FF_F32 0
#define LLML__FF_F16 1
#define LLML__FF_BF16 2

LLML__UNUSED static float llml__ff_get(int f, const uint8_t *p, int64_t i) {
    switch (f) {
    case LLML__FF_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
    case LLML__FF_F16: return llml_fp16_to_fp32(llml__rd16(p + 2 * i));
    default: return llml_bf16_to_fp32(llml__rd16(p + 2 * i));
    }
}


/* ------------------------------------------------------------------------ */
/* >>kern_init  CPU detection and the choice of kernels                      */
/* ------------------------------------------------------------------------ */

#if defined(LLML__X86)
static void llml__kern_fill_x86(llml__kern *k, uint32_t isa);
static void llml__kern_fill_x86_iq(llml__kern *k);

/* cpuid + xgetbv: AVX2 needs the OS to save the YMM state (XCR0 bits 1-2),
   AVX-512 also the opmask and ZMM state (bits 5-7). */
static uint32_t llml__cpu_bits(void) {
    unsigned a, b, c, d, xcr0_lo, bits = 0;
    int has_fma, has_f16c, has_avx, has_osxsave;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    has_fma = (c >> 12) & 1; has_osxsave = (c >> 27) & 1;
    has_avx = (c >> 28) & 1; has_f16c = (c >> 29) & 1;
    if (!(has_fma && has_osxsave && has_avx && has_f16c)) return 0;
    __asm__ __volatile__("xgetbv" : "=a"(xcr0_lo) : "c"(0) : "edx");   /* the high half is not needed */
    if ((xcr0_lo & 0x6u) != 0x6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!((b >> 5) & 1)) return 0;                          /* AVX2 */
    bits |= LLML__ISA_AVX2;
#if defined(LLML__X86_512)
    if ((xcr0_lo & 0xe6u) == 0xe6u && ((b >> 16) & 1) && ((b >> 17) & 1) &&
        ((b >> 30) & 1) && ((b >> 31) & 1) && ((c >> 11) & 1)) { /* F DQ BW VL VNNI */
        bits |= LLML__ISA_AVX512;
#if defined(LLML__X86_BF16)
        if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1)) bits |= LLML__ISA_AVX512BF16;
#endif
    }
#endif
    return bits;
}
#elif defined(LLML__ARM)
static void llml__kern_fill_arm(llml__kern *k, uint32_t isa);
static void llml__kern_fill_arm_elem(llml__kern *k);
static void llml__kern_fill_arm_iq(llml__kern *k, uint32_t isa);

/* NEON is part of the AArch64 base; dotprod and i8mm from the Linux hwcaps
   (or the compiler's target when it already includes them). */
static uint32_t llml__cpu_bits(void) {
    uint32_t bits = LLML__ISA_NEON;
#if defined(__ARM_FEATURE_DOTPROD)
    bits |= LLML__ISA_DOTPROD;
#elif defined(LLML__ARM_DP) && defined(__linux__)
    if (getauxval(AT_HWCAP) & (1ul << 20)) bits |= LLML__ISA_DOTPROD; /* HWCAP_ASIMDDP */
#endif
#if defined(LLML__ARM_MM) && defined(__ARM_FEATURE_MATMUL_INT8)
    bits |= LLML__ISA_I8MM;
#elif defined(LLML__ARM_MM) && defined(__linux__)
    if (getauxval(26) & (1ul << 13)) bits |= LLML__ISA_I8MM;   /* AT_HWCAP2, HWCAP2_I8MM */
#endif
    if (!(bits & LLML__ISA_DOTPROD)) bits &= ~LLML__ISA_I8MM;
    return bits;
}
#else
static uint32_t llml__cpu_bits(void) { return 0; }
#endif

/* The level that a set of feature bits makes up. */
static llml_isa llml__isa_level(uint32_t bits) {
    if (bits & LLML__ISA_AVX512) return LLML_ISA_AVX512;
    if (bits & LLML__ISA_AVX2) return LLML_ISA_AVX2;
    if ((bits & LLML__ISA_I8MM) && (bits & LLML__ISA_DOTPROD)) return LLML_ISA_NEON_I8MM;
    if (bits & LLML__ISA_DOTPROD) return LLML_ISA_NEON_DOTPROD;
    if (bits & LLML__ISA_NEON) return LLML_ISA_NEON;
    return LLML_ISA_SCALAR;
}

/* The CPU's feature bits limited to what the level `cap` allows. */
static uint32_t llml__isa_capped(uint32_t bits, uint32_t cap) {
    switch (cap) {
    case LLML_ISA_DEFAULT: return bits;
    case LLML_ISA_AVX512: return bits & (LLML__ISA_AVX2 | LLML__ISA_AVX512 | LLML__ISA_AVX512BF16);
    case LLML_ISA_AVX2: return bits & LLML__ISA_AVX2;
    case LLML_ISA_NEON_I8MM: return bits & (LLML__ISA_NEON | LLML__ISA_DOTPROD | LLML__ISA_I8MM);
    case LLML_ISA_NEON_DOTPROD: return bits & (LLML__ISA_NEON | LLML__ISA_DOTPROD);
    case LLML_ISA_NEON: return bits & LLML__ISA_NEON;
    default: return 0;
    }
}

LLML_API const char *llml_isa_name(llml_isa isa) {
    switch (isa) {
    case LLML_ISA_DEFAULT: return "default";
    case LLML_ISA_SCALAR: return "scalar";
    case LLML_ISA_AVX2: return "avx2";
    case LLML_ISA_AVX512: return "avx512";
    case LLML_ISA_NEON: return "neon";
    case LLML_ISA_NEON_DOTPROD: return "neon-dotprod";
    case LLML_ISA_NEON_I8MM: return "neon-i8mm";
    case LLML_ISA_FORCE_U32: break;
    }
    return "unknown";
}

LLML_API llml_isa llml_isa_best(void) { return llml__isa_level(llml__cpu_bits()); }

LLML_API int llml_isa_supported(llml_isa isa) {
    if (isa == LLML_ISA_DEFAULT || isa == LLML_ISA_SCALAR) return 1;
    if ((unsigned)isa > (unsigned)LLML_ISA_NEON_I8MM) return 0;
    return llml__isa_level(llml__isa_capped(llml__cpu_bits(), (uint32_t)isa)) == isa;
}

/* Fill k with the best kernels the CPU has, at most the level isa_cap
   (an llml_isa; 0 = no cap). */
LLML__UNUSED static void llml__kern_init(llml__kern *k, uint32_t isa_cap) {
    uint32_t bits = llml__isa_capped(llml__cpu_bits(), isa_cap);
    llml__kern_init_scalar(k);
#if defined(LLML__X86)
    if (bits) llml__kern_fill_x86(k, bits);
#elif defined(LLML__ARM)
    if (bits) llml__kern_fill_arm(k, bits);
#endif
    k->isa = bits;
    k->level = llml__isa_level(bits);
}
