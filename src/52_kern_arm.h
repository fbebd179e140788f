
/* ========================================================================== */
/* >>kern_neon  AArch64 NEON kernels (with and without dotprod)                */
/* ========================================================================== */
/* NEON is part of the AArch64 base, so these need no target attribute. The
   quantized products come in two copies made by one macro: one with the
   Armv8.2 SDOT instruction (GCC: per-function target attribute, chosen at
   run time from the hwcaps; Clang: only where the compile target already
   has dotprod) and one that multiplies with widening NEON instructions. One
   weight row x one activation row per step; the integer block sums are
   exact, as on x86. */

#if defined(LLML__ARM)

#define LLML__NEONI static inline __attribute__((always_inline))

/* 16 signed byte products added into 4 int32 lanes (sum of all lanes is what
   counts). |a b| <= 128 * 127, so two products fit an int16. */
LLML__NEONI int32x4_t llml__neon_dot_emul(int32x4_t acc, int8x16_t a, int8x16_t b) {
    int16x8_t p = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    p = vmlal_s8(p, vget_high_s8(a), vget_high_s8(b));
    return vpadalq_s16(acc, p);
}
#if defined(LLML__ARM_DP)
LLML__DP_ATTR LLML__NEONI int32x4_t llml__neon_dot_sdot(int32x4_t acc, int8x16_t a, int8x16_t b) {
    return vdotq_s32(acc, a, b);
}
#endif

LLML__NEONI float llml__neon_h(const uint8_t *p) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(llml__rd16(p)))), 0);
}
LLML__NEONI int8x16_t llml__neon_ld(const uint8_t *p) { return vld1q_s8((const int8_t *)p); }

/* ---- weight decoding (independent of the dot instruction) ------------------ */

/* Bits 0-15 (lo) or 16-31 of a 32-bit word -> 0x10 in each byte. */
LLML__NEONI int8x16_t llml__neon_bit5(uint32_t h) {
    static const uint8_t bits[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };
    const uint8x16_t v = vcombine_u8(vdup_n_u8((uint8_t)h), vdup_n_u8((uint8_t)(h >> 8)));
    return vreinterpretq_s8_u8(vandq_u8(vtstq_u8(v, vld1q_u8(bits)), vdupq_n_u8(0x10)));
}

/* One 32-block as two vectors of signed int8 (elements 0-15 and 16-31). */
LLML__NEONI void llml__neon_dec32(int f, const uint8_t *x, int8x16_t *lo, int8x16_t *hi) {
    uint8x16_t v;
    switch (f) {
    case LLML__F32B_Q8_0: *lo = llml__neon_ld(x + 2); *hi = llml__neon_ld(x + 18); return;
    case LLML__F32B_Q4_0: case LLML__F32B_IQ4_NL: v = vld1q_u8(x + 2); break;
    case LLML__F32B_Q4_1: v = vld1q_u8(x + 4); break;
    case LLML__F32B_Q5_0: v = vld1q_u8(x + 6); break;
    default: v = vld1q_u8(x + 8); break;
    }
    *lo = vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f)));
    *hi = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
    switch (f) {
    case LLML__F32B_Q4_0: *lo = vsubq_s8(*lo, vdupq_n_s8(8)); *hi = vsubq_s8(*hi, vdupq_n_s8(8)); break;
    case LLML__F32B_IQ4_NL: {
        const int8x16_t kv = vld1q_s8(llml__qb_kvalues);
        *lo = vqtbl1q_s8(kv, vreinterpretq_u8_s8(*lo));
        *hi = vqtbl1q_s8(kv, vreinterpretq_u8_s8(*hi));
        break;
    }
    case LLML__F32B_Q5_0: case LLML__F32B_Q5_1: {
        const uint32_t h = llml__rd32(x + (f == LLML__F32B_Q5_0 ? 2 : 4));
        *lo = vorrq_s8(*lo, llml__neon_bit5(h));
        *hi = vorrq_s8(*hi, llml__neon_bit5(h >> 16));
        if (f == LLML__F32B_Q5_0) { *lo = vsubq_s8(*lo, vdupq_n_s8(16)); *hi = vsubq_s8(*hi, vdupq_n_s8(16)); }
        break;
    }
    default: break;
    }
}

/* Q4_K / Q5_K scales (bytes 0-7) and mins (8-15), as on x86. */
LLML__NEONI void llml__neon_k4_scales(const uint8_t *b, uint8_t out[16]) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    llml__wr32(out, w0 & 0x3f3f3f3fu);
    llml__wr32(out + 4, (w2 & 0x0f0f0f0fu) | ((w0 >> 2) & 0x30303030u));
    llml__wr32(out + 8, w1 & 0x3f3f3f3fu);
    llml__wr32(out + 12, ((w2 >> 4) & 0x0f0f0f0fu) | ((w1 >> 2) & 0x30303030u));
}
/* Q3_K: 16 signed scales. */
LLML__NEONI void llml__neon_q3_scales(const uint8_t *b, int8_t out[16]) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    uint8_t u[16];
    int i;
    llml__wr32(u, (w0 & 0x0f0f0f0fu) | ((w2 << 4) & 0x30303030u));
    llml__wr32(u + 4, (w1 & 0x0f0f0f0fu) | ((w2 << 2) & 0x30303030u));
    llml__wr32(u + 8, ((w0 >> 4) & 0x0f0f0f0fu) | (w2 & 0x30303030u));
    llml__wr32(u + 12, ((w1 >> 4) & 0x0f0f0f0fu) | ((w2 >> 2) & 0x30303030u));
    for (i = 0; i < 16; i++) out[i] = (int8_t)(u[i] - 32);
}

/* Group g (0..15, 16 elements) of a Q2_K/Q3_K/Q6_K block as signed int8. */
LLML__NEONI int8x16_t llml__neon_k16(int f, const uint8_t *x, int g) {
    const int h = g >> 3, k = (g >> 1) & 3, l0 = (g & 1) * 16;
    if (f == LLML__FK_Q2_K) {
        const uint8x16_t qs = vld1q_u8(x + 16 + 32 * h + l0);
        return vreinterpretq_s8_u8(vandq_u8(vshlq_u8(qs, vdupq_n_s8((int8_t)(-2 * k))), vdupq_n_u8(3)));
    }
    if (f == LLML__FK_Q3_K) {
        const uint8x16_t qs = vld1q_u8(x + 32 + 32 * h + l0), hm = vld1q_u8(x + l0);
        const uint8x16_t lo = vandq_u8(vshlq_u8(qs, vdupq_n_s8((int8_t)(-2 * k))), vdupq_n_u8(3));
        const uint8x16_t hb = vandq_u8(vshlq_u8(hm, vdupq_n_s8((int8_t)(2 - (4 * h + k)))), vdupq_n_u8(4));
        return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, hb)), vdupq_n_s8(4));
    }
    {   /* Q6_K */
        const uint8x16_t ql = vld1q_u8(x + 64 * h + 32 * (k & 1) + l0), qh = vld1q_u8(x + 128 + 32 * h + l0);
        const uint8x16_t lo = k < 2 ? vandq_u8(ql, vdupq_n_u8(0x0f)) : vshrq_n_u8(ql, 4);
        const uint8x16_t hb = vandq_u8(vshlq_u8(qh, vdupq_n_s8((int8_t)(4 - 2 * k))), vdupq_n_u8(0x30));
        return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, hb)), vdupq_n_s8(32));
    }
}

/* Group g (0..7, 32 elements) of a Q4_K / Q5_K block as two int8 vectors. */
LLML__NEONI void llml__neon_k32(int f, const uint8_t *x, int g, int8x16_t *lo, int8x16_t *hi) {
    const int c = g >> 1, q5 = f == LLML__FK_Q5_K;
    const uint8_t *qs = x + (q5 ? 48 : 16) + 32 * c;
    uint8x16_t a = vld1q_u8(qs), b = vld1q_u8(qs + 16);
    if (g & 1) { a = vshrq_n_u8(a, 4); b = vshrq_n_u8(b, 4); }
    else { a = vandq_u8(a, vdupq_n_u8(0x0f)); b = vandq_u8(b, vdupq_n_u8(0x0f)); }
    if (q5) {
        const int8x16_t sh = vdupq_n_s8((int8_t)(4 - g));
        a = vorrq_u8(a, vandq_u8(vshlq_u8(vld1q_u8(x + 16), sh), vdupq_n_u8(0x10)));
        b = vorrq_u8(b, vandq_u8(vshlq_u8(vld1q_u8(x + 32), sh), vdupq_n_u8(0x10)));
    }
    *lo = vreinterpretq_s8_u8(a);
    *hi = vreinterpretq_s8_u8(b);
}

/* ---- the products, once per dot instruction -------------------------------- */

#define LLML__NEON_KERNELS(SFX, ATTR, DOT) \
ATTR LLML__NEONI float llml__##SFX##_f32b_dot(int f, const uint8_t *x, const uint8_t *y, int64_t nb) { \
    const int bs = llml__f32b_bytes(f), aff = llml__f32b_affine(f), abs_ = aff ? 36 : 34, aq = aff ? 4 : 2; \
    float32x4_t acc = vdupq_n_f32(0.0f); \
    float mac = 0.0f; \
    int64_t b; \
    for (b = 0; b < nb; b++, x += bs, y += abs_) { \
        int8x16_t lo, hi; \
        int32x4_t s; \
        llml__neon_dec32(f, x, &lo, &hi); \
        s = DOT(DOT(vdupq_n_s32(0), lo, llml__neon_ld(y + aq)), hi, llml__neon_ld(y + aq + 16)); \
        acc = vmlaq_n_f32(acc, vcvtq_f32_s32(s), llml__neon_h(x) * llml__neon_h(y)); \
        if (aff) mac += llml__neon_h(x + 2) * llml__neon_h(y + 2); \
    } \
    return vaddvq_f32(acc) + mac; \
} \
ATTR LLML__NEONI float llml__##SFX##_fk_dot(int f, const uint8_t *x, const uint8_t *y, int64_t nb) { \
    const int bs = llml__fk_bytes(f); \
    float sum = 0.0f; \
    int64_t b; \
    for (b = 0; b < nb; b++, x += bs, y += 292) { \
        const int8_t *a = (const int8_t *)(y + 4); \
        const float ad = llml__qb_q8k_d(y); \
        int32_t isum = 0, msum = 0; \
        int g; \
        if (f == LLML__FK_Q4_K || f == LLML__FK_Q5_K) { \
            uint8_t sm[16]; \
            llml__neon_k4_scales(x + 4, sm); \
            for (g = 0; g < 8; g++) { \
                int8x16_t lo, hi; \
                llml__neon_k32(f, x, g, &lo, &hi); \
                isum += sm[g] * vaddvq_s32(DOT(DOT(vdupq_n_s32(0), lo, vld1q_s8(a + 32 * g)), hi, vld1q_s8(a + 32 * g + 16))); \
                msum += sm[8 + g] * (llml__qk_act_bsum(y, 2 * g) + llml__qk_act_bsum(y, 2 * g + 1)); \
            } \
            sum += ad * llml__neon_h(x) * (float)isum - ad * llml__neon_h(x + 2) * (float)msum; \
        } else if (f == LLML__FK_IQ4_XS) { \
            const int8x16_t kv = vld1q_s8(llml__qb_kvalues); \
            for (g = 0; g < 8; g++) { \
                const uint8x16_t v = vld1q_u8(x + 8 + 16 * g); \
                const int8x16_t lo = vqtbl1q_s8(kv, vandq_u8(v, vdupq_n_u8(0x0f))), hi = vqtbl1q_s8(kv, vshrq_n_u8(v, 4)); \
                isum += (llml__qb_iq4xs_ls(x, g) - 32) * vaddvq_s32(DOT(DOT(vdupq_n_s32(0), lo, vld1q_s8(a + 32 * g)), hi, vld1q_s8(a + 32 * g + 16))); \
            } \
            sum += ad * llml__neon_h(x) * (float)isum; \
        } else { \
            int8_t sc[16]; \
            float d; \
            if (f == LLML__FK_Q2_K) { \
                for (g = 0; g < 16; g++) { sc[g] = (int8_t)(x[g] & 15); msum += (x[g] >> 4) * llml__qk_act_bsum(y, g); } \
                d = llml__neon_h(x + 80); \
            } else if (f == LLML__FK_Q3_K) { llml__neon_q3_scales(x + 96, sc); d = llml__neon_h(x + 108); } \
            else { memcpy(sc, x + 192, 16); d = llml__neon_h(x + 208); } \
            for (g = 0; g < 16; g++) \
                isum += sc[g] * vaddvq_s32(DOT(vdupq_n_s32(0), llml__neon_k16(f, x, g), vld1q_s8(a + 16 * g))); \
            sum += ad * d * (float)isum; \
            if (f == LLML__FK_Q2_K) sum -= ad * llml__neon_h(x + 82) * (float)msum; \
        } \
    } \
    return sum; \
} \
ATTR static void llml__##SFX##_f32b_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                       const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    int64_t r, t; \
    for (t = 0; t < nt; t++) \
        for (r = 0; r < nr; r++) \
            out[(size_t)t * os + (size_t)r] = llml__##SFX##_f32b_dot(f, (const uint8_t *)wv + (size_t)r * ws, \
                                                                    (const uint8_t *)av + (size_t)t * as, n / 32); \
} \
ATTR static void llml__##SFX##_fk_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                     const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    int64_t r, t; \
    for (t = 0; t < nt; t++) \
        for (r = 0; r < nr; r++) \
            out[(size_t)t * os + (size_t)r] = llml__##SFX##_fk_dot(f, (const uint8_t *)wv + (size_t)r * ws, \
                                                                  (const uint8_t *)av + (size_t)t * as, n / 256); \
} \
LLML__NEON_MM(SFX, ATTR, q4_0, f32b, LLML__F32B_Q4_0) \
LLML__NEON_MM(SFX, ATTR, q4_1, f32b, LLML__F32B_Q4_1) \
LLML__NEON_MM(SFX, ATTR, q5_0, f32b, LLML__F32B_Q5_0) \
LLML__NEON_MM(SFX, ATTR, q5_1, f32b, LLML__F32B_Q5_1) \
LLML__NEON_MM(SFX, ATTR, q8_0, f32b, LLML__F32B_Q8_0) \
LLML__NEON_MM(SFX, ATTR, iq4_nl, f32b, LLML__F32B_IQ4_NL) \
LLML__NEON_MM(SFX, ATTR, q2_k, fk, LLML__FK_Q2_K) \
LLML__NEON_MM(SFX, ATTR, q3_k, fk, LLML__FK_Q3_K) \
LLML__NEON_MM(SFX, ATTR, q4_k, fk, LLML__FK_Q4_K) \
LLML__NEON_MM(SFX, ATTR, q5_k, fk, LLML__FK_Q5_K) \
LLML__NEON_MM(SFX, ATTR, q6_k, fk, LLML__FK_Q6_K) \
LLML__NEON_MM(SFX, ATTR, iq4_xs, fk, LLML__FK_IQ4_XS) \
static void llml__##SFX##_fill(llml__kern *k) { \
    k->mm[LLML_TYPE_Q4_0] = llml__##SFX##_mm_q4_0; \
    k->mm[LLML_TYPE_Q4_1] = llml__##SFX##_mm_q4_1; \
    k->mm[LLML_TYPE_Q5_0] = llml__##SFX##_mm_q5_0; \
    k->mm[LLML_TYPE_Q5_1] = llml__##SFX##_mm_q5_1; \
    k->mm[LLML_TYPE_Q8_0] = llml__##SFX##_mm_q8_0; \
    k->mm[LLML_TYPE_IQ4_NL] = llml__##SFX##_mm_iq4_nl; \
    k->mm[LLML_TYPE_Q2_K] = llml__##SFX##_mm_q2_k; \
    k->mm[LLML_TYPE_Q3_K] = llml__##SFX##_mm_q3_k; \
    k->mm[LLML_TYPE_Q4_K] = llml__##SFX##_mm_q4_k; \
    k->mm[LLML_TYPE_Q5_K] = llml__##SFX##_mm_q5_k; \
    k->mm[LLML_TYPE_Q6_K] = llml__##SFX##_mm_q6_k; \
    k->mm[LLML_TYPE_IQ4_XS] = llml__##SFX##_mm_iq4_xs; \
}

#define LLML__NEON_MM(SFX, ATTR, name, kind, F) \
ATTR static void llml__##SFX##_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                         const void *a, size_t as, int64_t nt, float *out, size_t os) { \
    (void)type; llml__##SFX##_##kind##_mm(F, n, w, ws, nr, a, as, nt, out, os); \
}

LLML__NEON_KERNELS(neon, , llml__neon_dot_emul)
#if defined(LLML__ARM_DP)
LLML__NEON_KERNELS(neondp, LLML__DP_ATTR, llml__neon_dot_sdot)
#endif

/* ---- float formats ---------------------------------------------------------- */

LLML__NEONI float32x4_t llml__neon_ldf(int f, const uint8_t *p) {
    switch (f) {
    case LLML__FF_F32: return vld1q_f32((const float *)(const void *)p);
    case LLML__FF_F16: return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p)));
    default: return vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(p)), 16));
    }
}

static void llml__neon_ff_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                             const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const size_t es = f == LLML__FF_F32 ? 4 : 2;
    int64_t r, t, e;
    for (t = 0; t < nt; t++) {
        const uint8_t *y = (const uint8_t *)av + (size_t)t * as;
        for (r = 0; r < nr; r++) {
            const uint8_t *x = (const uint8_t *)wv + (size_t)r * ws;
            float32x4_t a0 = vdupq_n_f32(0.0f), a1 = vdupq_n_f32(0.0f);
            float s;
            for (e = 0; e + 8 <= n; e += 8) {
                a0 = vfmaq_f32(a0, llml__neon_ldf(f, x + (size_t)e * es), llml__neon_ldf(f, y + (size_t)e * es));
                a1 = vfmaq_f32(a1, llml__neon_ldf(f, x + (size_t)(e + 4) * es), llml__neon_ldf(f, y + (size_t)(e + 4) * es));
            }
            s = vaddvq_f32(vaddq_f32(a0, a1));
            for (; e < n; e++) s += llml__ff_get(f, x, e) * llml__ff_get(f, y, e);
            out[(size_t)t * os + (size_t)r] = s;
        }
    }
}
static void llml__neon_mm_f32(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr,
                              const void *a, size_t as, int64_t nt, float *out, size_t os) {
    (void)type; llml__neon_ff_mm(LLML__FF_F32, n, w, ws, nr, a, as, nt, out, os);
}
static void llml__neon_mm_f16(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr,
                              const void *a, size_t as, int64_t nt, float *out, size_t os) {
    (void)type; llml__neon_ff_mm(LLML__FF_F16, n, w, ws, nr, a, as, nt, out, os);
}
static void llml__neon_mm_bf16(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr,
                               const void *a, size_t as, int64_t nt, float *out, size_t os) {
    (void)type; llml__neon_ff_mm(LLML__FF_BF16, n, w, ws, nr, a, as, nt, out, os);
}

/* ---- activation quantizers (the same bytes as the scalar reference) ---------- */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* Q8_0 / Q8_1: FCVTAS rounds half away from zero like roundf, gives 0 for
   NaN and saturates; the narrowing moves saturate to [-128, 127]. */
static void llml__neon_q8_blocks(const float *x, uint8_t *y, int64_t n, int q81) {
    const size_t bsz = q81 ? 36 : 34;
    int64_t b;
    for (b = 0; b < n / 32; b++, x += 32, y += bsz) {
        float32x4_t v[8], m = vdupq_n_f32(0.0f);
        uint32x4_t nan = vdupq_n_u32(0);
        int16x8_t h[4];
        int8x16_t q0, q1;
        float amax, d, id;
        int i;
        for (i = 0; i < 8; i++) {
            v[i] = vld1q_f32(x + 4 * i);
            m = vmaxq_f32(m, vabsq_f32(v[i]));
            nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v[i], v[i])));
        }
        if (vmaxvq_u32(nan)) { /* a NaN in the block: the reference's own code */
            float dd;
            const int sum = llml__qb_q8_block(x, y, (int8_t *)(y + (q81 ? 4 : 2)), &dd);
            if (q81) llml__qb_put_half(y + 2, (float)sum * dd);
            continue;
        }
        amax = vmaxvq_f32(m);
        d = amax / 127.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        for (i = 0; i < 4; i++)
            h[i] = vcombine_s16(vqmovn_s32(vcvtaq_s32_f32(vmulq_n_f32(v[2 * i], id))),
                                vqmovn_s32(vcvtaq_s32_f32(vmulq_n_f32(v[2 * i + 1], id))));
        q0 = vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1]));
        q1 = vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3]));
        vst1q_s8((int8_t *)(y + (q81 ? 4 : 2)), q0);
        vst1q_s8((int8_t *)(y + (q81 ? 20 : 18)), q1);
        llml__wr16(y, llml_fp32_to_fp16(d));
        if (q81) llml__wr16(y + 2, llml_fp32_to_fp16((float)(vaddlvq_s8(q0) + vaddlvq_s8(q1)) * d));
    }
}
static void llml__neon_actq_q8_0(const float *x, void *dst, int64_t n) { llml__neon_q8_blocks(x, (uint8_t *)dst, n, 0); }
static void llml__neon_actq_q8_1(const float *x, void *dst, int64_t n) { llml__neon_q8_blocks(x, (uint8_t *)dst, n, 1); }

/* Q8_K: the largest magnitude ignores NaN (FMAXNM), the codes use the
   reference's rounding through 1.5 * 2^23 bit for bit. */
static void llml__neon_actq_q8_k(const float *x, void *dst, int64_t n) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b;
    for (b = 0; b < n / 256; b++, x += 256, y += 292) {
        float32x4_t m = vdupq_n_f32(0.0f);
        float amax, big = 0.0f, inv, d;
        int16_t bs[16];
        int i;
        for (i = 0; i < 256; i += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + i)));
        amax = vmaxnmvq_f32(m);
        if (amax == 0.0f) { memset(y, 0, 292); continue; }
        for (i = 0; i < 256; i++) if (fabsf(x[i]) == amax) { big = x[i]; break; }
        inv = -127.0f / big;
        for (i = 0; i < 256; i += 16) {
            int32x4_t q[4];
            int8x16_t p;
            int k;
            for (k = 0; k < 4; k++) {
                const float32x4_t v = vaddq_f32(vmulq_n_f32(vld1q_f32(x + i + 4 * k), inv), vdupq_n_f32(12582912.0f));
                q[k] = vsubq_s32(vreinterpretq_s32_u32(vandq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x007fffffu))),
                                 vdupq_n_s32(0x00400000));
            }
            p = vcombine_s8(vqmovn_s16(vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]))),
                            vqmovn_s16(vcombine_s16(vqmovn_s32(q[2]), vqmovn_s32(q[3]))));
            vst1q_s8((int8_t *)(y + 4 + i), p);
            bs[i / 16] = (int16_t)vaddlvq_s8(p);
        }
        memcpy(y + 260, bs, sizeof bs);
        d = 1.0f / inv;
        memcpy(y, &d, 4);
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

static void llml__neon_actq_f16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) vst1_u8(d + 2 * i, vreinterpret_u8_f16(vcvt_f16_f32(vld1q_f32(x + i))));
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_fp16(x[i]));
}

static void llml__neon_actq_bf16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(x + i));
        const uint32x4_t nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(0x7f800000u));
        const uint32x4_t rn = vshrq_n_u32(vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fff), vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1)))), 16);
        const uint32x4_t qn = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(64));
        vst1_u8(d + 2 * i, vreinterpret_u8_u16(vmovn_u32(vbslq_u32(nan, qn, rn))));
    }
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_bf16(x[i]));
}

static void llml__kern_fill_arm(llml__kern *k, uint32_t isa) {
    if (!(isa & LLML__ISA_NEON)) return;
    k->mm[LLML_TYPE_F32] = llml__neon_mm_f32;
    k->mm[LLML_TYPE_F16] = llml__neon_mm_f16;
    k->mm[LLML_TYPE_BF16] = llml__neon_mm_bf16;
    llml__neon_fill(k);
#if defined(LLML__ARM_DP)
    if (isa & LLML__ISA_DOTPROD) llml__neondp_fill(k);
#endif
    k->actq[LLML_TYPE_F16] = llml__neon_actq_f16;
    k->actq[LLML_TYPE_BF16] = llml__neon_actq_bf16;
    k->actq[LLML_TYPE_Q8_0] = llml__neon_actq_q8_0;
    k->actq[LLML_TYPE_Q8_1] = llml__neon_actq_q8_1;
    k->actq[LLML_TYPE_Q8_K] = llml__neon_actq_q8_k;
}

#endif /* LLML__ARM */
