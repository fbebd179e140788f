
/* ========================================================================== */
/* >>kern_neon  AArch64 NEON kernels (with and without dotprod)                */
/* ========================================================================== */
/* NEON is part of the AArch64 base, so these need no target attribute. The
   quantized products come in two copies made by one macro: one with the
   Armv8.2 SDOT instruction (GCC: per-function target attribute, chosen at
   run time from the hwcaps; Clang: only where the compile target already
   has dotprod) and one that multiplies with widening NEON instructions.
   Q4_1, Q5_1, Q2_K, Q3_K, Q5_K and IQ4_XS: one weight row x one activation
   row per step; the integer block sums are exact, as on x86. Q4_0, Q5_0,
   Q8_0, IQ4_NL, Q4_K and Q6_K have a prompt GEMM and matrix-vector kernels
   in its arithmetic (the x86 one, bit for bit), after the quantizers; with
   Armv8.6 i8mm (level neon-i8mm) the GEMM multiplies with SMMLA instead,
   same bits. */

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
LLML__NEON_MM(SFX, ATTR, q4_1, f32b, LLML__F32B_Q4_1) \
LLML__NEON_MM(SFX, ATTR, q5_1, f32b, LLML__F32B_Q5_1) \
LLML__NEON_MM(SFX, ATTR, q2_k, fk, LLML__FK_Q2_K) \
LLML__NEON_MM(SFX, ATTR, q3_k, fk, LLML__FK_Q3_K) \
LLML__NEON_MM(SFX, ATTR, q5_k, fk, LLML__FK_Q5_K) \
LLML__NEON_MM(SFX, ATTR, iq4_xs, fk, LLML__FK_IQ4_XS) \
static void llml__##SFX##_fill(llml__kern *k) { \
    k->mm[LLML_TYPE_Q4_1] = llml__##SFX##_mm_q4_1; \
    k->mm[LLML_TYPE_Q5_1] = llml__##SFX##_mm_q5_1; \
    k->mm[LLML_TYPE_Q2_K] = llml__##SFX##_mm_q2_k; \
    k->mm[LLML_TYPE_Q3_K] = llml__##SFX##_mm_q3_k; \
    k->mm[LLML_TYPE_Q5_K] = llml__##SFX##_mm_q5_k; \
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

/* ---- integer GEMM for prompts, and matrix-vector kernels in its arithmetic ---- */
/* The x86 GEMM's arithmetic (>>kern_avx2 "integer GEMM for prompts") on
   NEON, for Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_K and Q6_K. Panels of 8 weight rows
   x LLML__GK columns are decoded to signed codes and stored interleaved:
   16 bytes hold 4 consecutive codes of each of 4 rows (llml__npack), so
   that with dotprod one SDOT by element (vdotq_laneq_s32) multiplies them
   with 4 codes of one activation row and adds into 4 int32 lanes that are
   the 4 rows. The activation rows are gq rows (unsigned q + 128, as on
   x86), made signed again by one EOR per 16 codes. Tiles: 8 weight rows x
   up to 4 activation rows (dotprod) or 2 (plain NEON, which needs more
   registers). Without dotprod the same panel is multiplied by SMULL/SMLAL
   (and their "2" forms) with the 4 activation codes broadcast (DUP by
   element): int16 lanes gather one product per 4 columns, which stays
   below 2^15 over a whole group (Q4_0 8 x 8 x 127, Q5_0 8 x 16 x 127, Q4_K
   8 x 15 x 127, Q6_K 4 x 32 x 127) and over 2 chunks for 8-bit codes (Q8_0
   2 x 128 x 127, IQ4_NL 2 x 127 x 127; the activation codes lie in
   [-127, 127]), then SADALP/ADDP into int32 lanes that are rows.
   The integer group sums are exact; the float steps per output are the
   x86 ones in the same order (32-blocks: acc = fma(s, dw da, acc) per
   block; Q4_K: fs = fma(s, d sc, fs), fs = fs - (dmin m) bsum fused, per
   group, acc = fma(fs, da, acc) per 256; Q6_K likewise in the order of
   llml__neon_q6g, without the min; per chunk of LLML__GK columns: out =
   acc, then out + acc), so both variants, and x86, give the same bits.
   The matrix-vector kernels (mm entries) read 4 rows in place, take each
   row's exact integer sum of a block with SDOT (or SMULL/SMLAL/SADALP),
   turn the 4 partial vectors into lanes-are-rows with 3 ADDP and then do
   the same float steps: a token gives the same bits alone or in a prompt.
   Instruction counts per 32 columns x 8 rows x 4 activation rows (1024
   MACs), dotprod tile, Q4_0: 64 SDOT + 16 weight loads + 8 activation
   loads + 8 EOR + 24 float (SCVTF, FMUL, FMLA) + 8 zeroing, about 130, or
   8 MACs an instruction; the one-row-at-a-time kernel spends about 16 per
   row and block (decode 5, 2 loads, 2 SDOT, fp16 scales and float 7), 2
   MACs an instruction. Plain NEON, tile of 8 x 2, Q4_0: per 4 columns 2
   DUP + 8 SMULL/SMLAL(2) + 2 loads for 64 MACs, per group 12 folds (SADDLP,
   ADDP) and 12 float, about 5 MACs an instruction, against 1.5 for the
   one-row kernel (its decode, SMULL/SMLAL/SADALP and scales per row). The
   packing (decode and 4 x 4 transposes, 8 instructions per 16 codes of 4
   rows) is paid once per panel and chunk for all the activation rows. */

#ifndef LLML__GK
#define LLML__GK 1024   /* columns per packed chunk (multiple of 256) */
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

typedef struct llml__npack {
    int8_t q[LLML__GK * 8];          /* column 4 c + i of row 4 h + r at 32 c + 16 h + 4 r + i */
    float d[LLML__GK / 16 * 8];      /* scale per group and row (Q4_K, Q6_K: d x sub-scale) */
    float m[LLML__GK / 32 * 8];      /* Q4_K: dmin x min per group and row                   */
} llml__npack;

/* 4 x 4 dwords: y[c] lane r = x[r] lane c. */
LLML__NEONI void llml__neon_tr4(const int32x4_t *x, int32x4_t *y) {
    const int64x2_t a0 = vreinterpretq_s64_s32(vtrn1q_s32(x[0], x[1])), a1 = vreinterpretq_s64_s32(vtrn2q_s32(x[0], x[1]));
    const int64x2_t a2 = vreinterpretq_s64_s32(vtrn1q_s32(x[2], x[3])), a3 = vreinterpretq_s64_s32(vtrn2q_s32(x[2], x[3]));
    y[0] = vreinterpretq_s32_s64(vtrn1q_s64(a0, a2));
    y[1] = vreinterpretq_s32_s64(vtrn1q_s64(a1, a3));
    y[2] = vreinterpretq_s32_s64(vtrn2q_s64(a0, a2));
    y[3] = vreinterpretq_s32_s64(vtrn2q_s64(a1, a3));
}

/* The 16 bytes at rp[r] + off of 4 rows, transposed: y[c] lane r = dword c of row r. */
LLML__NEONI void llml__neon_tr4m(const uint8_t *const *rp, size_t off, int32x4_t *y) {
    int32x4_t x[4];
    int r;
    LLML__UNROLL for (r = 0; r < 4; r++) x[r] = vreinterpretq_s32_u8(vld1q_u8(rp[r] + off));
    llml__neon_tr4(x, y);
}

/* Byte i (0-3) of each dword: unsigned, and sign-extended. */
LLML__NEONI float32x4_t llml__neon_ubyte(int32x4_t v, int i) {
    return vcvtq_f32_u32(vandq_u32(vshlq_u32(vreinterpretq_u32_s32(v), vdupq_n_s32(-8 * i)), vdupq_n_u32(0xff)));
}
LLML__NEONI float32x4_t llml__neon_sbyte(int32x4_t v, int i) {
    return vcvtq_f32_s32(vshlq_s32(vshlq_s32(v, vdupq_n_s32(24 - 8 * i)), vdupq_n_s32(-24)));
}

/* 4 rows' partial sums -> lane r = the total of p[r]. */
LLML__NEONI int32x4_t llml__neon_red4(const int32x4_t *p) {
    return vpaddq_s32(vpaddq_s32(p[0], p[1]), vpaddq_s32(p[2], p[3]));
}

/* The fp16 values at rp[r] + off of 4 rows as floats. */
LLML__NEONI float32x4_t llml__neon_h4(const uint8_t *const *rp, size_t off) {
    const uint64_t v = (uint64_t)llml__rd16(rp[0] + off) | (uint64_t)llml__rd16(rp[1] + off) << 16 |
                       (uint64_t)llml__rd16(rp[2] + off) << 32 | (uint64_t)llml__rd16(rp[3] + off) << 48;
    return vcvt_f32_f16(vreinterpret_f16_u64(vcreate_u64(v)));
}

LLML__NEONI float llml__neon_f(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }

/* v (4 rows of one activation row, rn of them real) into o: stored when
   `first`, else added. */
LLML__NEONI void llml__neon_out4(float *o, float32x4_t v, int rn, int first) {
    if (rn >= 4) {
        if (!first) v = vaddq_f32(vld1q_f32(o), v);
        vst1q_f32(o, v);
    } else {
        float t[4];
        int i;
        vst1q_f32(t, v);
        for (i = 0; i < rn; i++) o[i] = first ? t[i] : o[i] + t[i];
    }
}

/* The order in which the Q6_K kernels add up a block's 16 groups (x86's). */
LLML__NEONI int llml__neon_q6g(int k) { return 8 * (k >> 3) + 2 * (k & 3) + ((k >> 2) & 1); }

/* 16 columns of 8 rows (x[r]) into the pack at dst. */
LLML__NEONI void llml__neon_put16(const int8x16_t *x, int8_t *dst) {
    int32x4_t t[4], y[4];
    int h, r, c;
    LLML__UNROLL for (h = 0; h < 2; h++) {
        LLML__UNROLL for (r = 0; r < 4; r++) t[r] = vreinterpretq_s32_s8(x[4 * h + r]);
        llml__neon_tr4(t, y);
        LLML__UNROLL for (c = 0; c < 4; c++) vst1q_s8(dst + 32 * c + 16 * h, vreinterpretq_s8_s32(y[c]));
    }
}

/* The same 16 columns in the i8mm layout (SMMLA operands of 2 rows x 8
   columns): bytes 64 c + 16 q hold columns 8 c .. 8 c + 7 of row 2 q, then
   those of row 2 q + 1. */
LLML__NEONI void llml__neon_put16mm(const int8x16_t *x, int8_t *dst) {
    int q;
    LLML__UNROLL for (q = 0; q < 4; q++) {
        const int64x2_t u = vreinterpretq_s64_s8(x[2 * q]), v = vreinterpretq_s64_s8(x[2 * q + 1]);
        vst1q_s8(dst + 16 * q, vreinterpretq_s8_s64(vzip1q_s64(u, v)));
        vst1q_s8(dst + 64 + 16 * q, vreinterpretq_s8_s64(vzip2q_s64(u, v)));
    }
}
LLML__NEONI void llml__neon_put(int mm, const int8x16_t *x, int8_t *dst) {
    if (mm) llml__neon_put16mm(x, dst);
    else llml__neon_put16(x, dst);
}

/* Pack columns [k0, k0 + kn) of 8 rows of a 32-block format (mm: in the
   i8mm layout, else the dotprod one). */
LLML__NEONI void llml__neon_pack32(int mm, int f, const uint8_t *const *rp, int64_t k0, int64_t kn, llml__npack *pk) {
    const int bs = llml__f32b_bytes(f);
    int64_t b;
    for (b = 0; b < kn / 32; b++) {
        const size_t bo = (size_t)(k0 / 32 + b) * (size_t)bs;
        int8x16_t lo[8], hi[8];
        int r;
        LLML__UNROLL for (r = 0; r < 8; r++) {
            llml__neon_dec32(f, rp[r] + bo, &lo[r], &hi[r]);
            pk->d[b * 8 + r] = llml__neon_h(rp[r] + bo);
        }
        llml__neon_put(mm, lo, pk->q + b * 256);
        llml__neon_put(mm, hi, pk->q + b * 256 + 128);
    }
}

/* Pack columns [k0, k0 + kn) of 8 rows of Q4_K (groups of 32, with mins)
   or Q6_K (groups of 16). */
LLML__NEONI void llml__neon_packk(int mm, int f, const uint8_t *const *rp, int64_t k0, int64_t kn, llml__npack *pk) {
    const size_t bs = (size_t)llml__fk_bytes(f);
    int64_t b;
    for (b = 0; b < kn / 256; b++) {
        const size_t bo = (size_t)(k0 / 256 + b) * bs;
        int8_t *dq = pk->q + b * 256 * 8;
        int8x16_t lo[8], hi[8];
        int r, j;
        if (f == LLML__FK_Q4_K) {
            for (j = 0; j < 8; j++) {
                LLML__UNROLL for (r = 0; r < 8; r++) llml__neon_k32(f, rp[r] + bo, j, &lo[r], &hi[r]);
                llml__neon_put(mm, lo, dq + j * 256);
                llml__neon_put(mm, hi, dq + j * 256 + 128);
            }
            LLML__UNROLL for (r = 0; r < 8; r++) {
                const float d = llml__neon_h(rp[r] + bo), dmin = llml__neon_h(rp[r] + bo + 2);
                uint8_t sm[16];
                llml__neon_k4_scales(rp[r] + bo + 4, sm);
                for (j = 0; j < 8; j++) {
                    pk->d[(b * 8 + j) * 8 + r] = d * (float)sm[j];
                    pk->m[(b * 8 + j) * 8 + r] = dmin * (float)sm[8 + j];
                }
            }
        } else { /* Q6_K */
            for (j = 0; j < 16; j++) {
                LLML__UNROLL for (r = 0; r < 8; r++) lo[r] = llml__neon_k16(f, rp[r] + bo, j);
                llml__neon_put(mm, lo, dq + j * 128);
            }
            LLML__UNROLL for (r = 0; r < 8; r++) {
                const float d = llml__neon_h(rp[r] + bo + 208);
                for (j = 0; j < 16; j++) pk->d[(b * 16 + j) * 8 + r] = d * (float)(int8_t)rp[r][bo + 192 + j];
            }
        }
    }
}

/* The integer products of one packed group: NCH chunks of 4 columns at w
   (both 4-row halves) with the activation codes a[2 j + c / 4] (16 signed
   codes of activation row j, c the chunk), for TN activation rows:
   s[2 j + h] lane r = row 4 h + r. FL: chunks whose products may add up
   in int16 (plain NEON only). */
LLML__NEONI void llml__neon_grp(int NCH, int FL, int TN, const int8_t *w, const int8x16_t *a, int32x4_t *s) {
    int16x8_t p[4][2][2];
    int32x4_t q[4][2][2];
    int c, i, j, h;
    LLML__UNROLL for (c = 0; c < NCH; c += 4) {
        int8x16_t b[4][4];
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const int32x4_t a32 = vreinterpretq_s32_s8(a[2 * j + c / 4]);
            b[j][0] = vreinterpretq_s8_s32(vdupq_laneq_s32(a32, 0));
            b[j][1] = vreinterpretq_s8_s32(vdupq_laneq_s32(a32, 1));
            b[j][2] = vreinterpretq_s8_s32(vdupq_laneq_s32(a32, 2));
            b[j][3] = vreinterpretq_s8_s32(vdupq_laneq_s32(a32, 3));
        }
        LLML__UNROLL for (i = 0; i < 4; i++) {
            const int cc = c + i;
            LLML__UNROLL for (h = 0; h < 2; h++) {
                const int8x16_t wv = vld1q_s8(w + 32 * cc + 16 * h);
                LLML__UNROLL for (j = 0; j < TN; j++) {
                    if (cc % FL == 0) {
                        p[j][h][0] = vmull_s8(vget_low_s8(wv), vget_low_s8(b[j][i]));
                        p[j][h][1] = vmull_high_s8(wv, b[j][i]);
                    } else {
                        p[j][h][0] = vmlal_s8(p[j][h][0], vget_low_s8(wv), vget_low_s8(b[j][i]));
                        p[j][h][1] = vmlal_high_s8(p[j][h][1], wv, b[j][i]);
                    }
                    if (cc % FL == FL - 1) {
                        if (cc < FL) {
                            q[j][h][0] = vpaddlq_s16(p[j][h][0]);
                            q[j][h][1] = vpaddlq_s16(p[j][h][1]);
                        } else {
                            q[j][h][0] = vpadalq_s16(q[j][h][0], p[j][h][0]);
                            q[j][h][1] = vpadalq_s16(q[j][h][1], p[j][h][1]);
                        }
                    }
                }
            }
        }
    }
    LLML__UNROLL for (j = 0; j < TN; j++)
        LLML__UNROLL for (h = 0; h < 2; h++) s[2 * j + h] = vpaddq_s32(q[j][h][0], q[j][h][1]);
}

#if defined(LLML__ARM_DP)
LLML__DP_ATTR LLML__NEONI void llml__neondp_grp(int NCH, int FL, int TN, const int8_t *w, const int8x16_t *a, int32x4_t *s) {
    int c, j, h;
    (void)FL;
    LLML__UNROLL for (j = 0; j < 2 * TN; j++) s[j] = vdupq_n_s32(0);
    LLML__UNROLL for (c = 0; c < NCH; c += 4) {
        LLML__UNROLL for (h = 0; h < 2; h++) {
            const int8x16_t w0 = vld1q_s8(w + 32 * c + 16 * h), w1 = vld1q_s8(w + 32 * c + 32 + 16 * h);
            const int8x16_t w2 = vld1q_s8(w + 32 * c + 64 + 16 * h), w3 = vld1q_s8(w + 32 * c + 96 + 16 * h);
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const int8x16_t aj = a[2 * j + c / 4];
                int32x4_t t = s[2 * j + h];
                t = vdotq_laneq_s32(t, w0, aj, 0);
                t = vdotq_laneq_s32(t, w1, aj, 1);
                t = vdotq_laneq_s32(t, w2, aj, 2);
                s[2 * j + h] = vdotq_laneq_s32(t, w3, aj, 3);
            }
        }
    }
}
#endif

#define LLML__NEON_GEMM_KERNELS(SFX, ATTR, DOT, GRP, TMAX) \
ATTR LLML__NEONI void llml__##SFX##_tile32(int f, int TN, int64_t ng, const llml__npack *pk, const uint8_t *aq, const uint8_t *ad, \
                                           size_t as, float *out, size_t os, int rn, int first) { \
    const int FL = (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) ? 2 : 8; \
    float32x4_t acc[8]; \
    int8x16_t a[8]; \
    int32x4_t s[8]; \
    int j, h; \
    int64_t g; \
    LLML__UNROLL for (j = 0; j < 2 * TN; j++) acc[j] = vdupq_n_f32(0.0f); \
    for (g = 0; g < ng; g++) { \
        LLML__UNROLL for (j = 0; j < TN; j++) { \
            const int8_t *y = (const int8_t *)(aq + (size_t)j * as + 32 * g); \
            a[2 * j] = veorq_s8(vld1q_s8(y), vdupq_n_s8(-128)); \
            a[2 * j + 1] = veorq_s8(vld1q_s8(y + 16), vdupq_n_s8(-128)); \
        } \
        GRP(8, FL, TN, pk->q + g * 256, a, s); \
        LLML__UNROLL for (h = 0; h < 2; h++) { \
            const float32x4_t dw = vld1q_f32(pk->d + g * 8 + 4 * h); \
            LLML__UNROLL for (j = 0; j < TN; j++) \
                acc[2 * j + h] = vfmaq_f32(acc[2 * j + h], vcvtq_f32_s32(s[2 * j + h]), \
                                           vmulq_n_f32(dw, llml__neon_f(ad + (size_t)j * as + 4 * g))); \
        } \
    } \
    LLML__UNROLL for (j = 0; j < TN; j++) \
        LLML__UNROLL for (h = 0; h < 2; h++) \
            if (rn > 4 * h) llml__neon_out4(out + (size_t)j * os + 4 * h, acc[2 * j + h], rn - 4 * h, first); \
} \
ATTR LLML__NEONI void llml__##SFX##_tilek(int f, int TN, int64_t nblk, const llml__npack *pk, const uint8_t *aq, \
                                          const uint8_t *ad, const uint8_t *asum, size_t as, \
                                          float *out, size_t os, int rn, int first) { \
    const int q6 = f == LLML__FK_Q6_K, G = q6 ? 16 : 32, NG = 256 / G; \
    float32x4_t acc[8], fs[8]; \
    int8x16_t a[8]; \
    int32x4_t s[8]; \
    int j, h, k; \
    int64_t b; \
    LLML__UNROLL for (j = 0; j < 2 * TN; j++) acc[j] = vdupq_n_f32(0.0f); \
    for (b = 0; b < nblk; b++) { \
        LLML__UNROLL for (j = 0; j < 2 * TN; j++) fs[j] = vdupq_n_f32(0.0f); \
        for (k = 0; k < NG; k++) { \
            const int gg = q6 ? llml__neon_q6g(k) : k; \
            const int64_t gi = b * NG + gg; \
            LLML__UNROLL for (j = 0; j < TN; j++) { \
                const int8_t *y = (const int8_t *)(aq + (size_t)j * as + 256 * b + G * gg); \
                a[2 * j] = veorq_s8(vld1q_s8(y), vdupq_n_s8(-128)); \
                if (!q6) a[2 * j + 1] = veorq_s8(vld1q_s8(y + 16), vdupq_n_s8(-128)); \
            } \
            GRP(G / 4, G / 4, TN, pk->q + gi * G * 8, a, s); \
            LLML__UNROLL for (h = 0; h < 2; h++) { \
                const float32x4_t dw = vld1q_f32(pk->d + gi * 8 + 4 * h); \
                LLML__UNROLL for (j = 0; j < TN; j++) { \
                    fs[2 * j + h] = vfmaq_f32(fs[2 * j + h], vcvtq_f32_s32(s[2 * j + h]), dw); \
                    if (!q6) \
                        fs[2 * j + h] = vfmsq_f32(fs[2 * j + h], vld1q_f32(pk->m + gi * 8 + 4 * h), \
                                                  vdupq_n_f32(llml__neon_f(asum + (size_t)j * as + 4 * (8 * b + k)))); \
                } \
            } \
        } \
        LLML__UNROLL for (j = 0; j < TN; j++) \
            LLML__UNROLL for (h = 0; h < 2; h++) \
                acc[2 * j + h] = vfmaq_f32(acc[2 * j + h], fs[2 * j + h], vdupq_n_f32(llml__neon_f(ad + (size_t)j * as + 4 * b))); \
    } \
    LLML__UNROLL for (j = 0; j < TN; j++) \
        LLML__UNROLL for (h = 0; h < 2; h++) \
            if (rn > 4 * h) llml__neon_out4(out + (size_t)j * os + 4 * h, acc[2 * j + h], rn - 4 * h, first); \
} \
/* The driver: panels of 8 weight rows, chunks of LLML__GK columns, tiles \
   of TMAX activation rows (then fewer). kind 0: 32-block format f; 1: K. */ \
ATTR LLML__NEONI void llml__##SFX##_gemm(int kind, int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                         const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av; \
    llml__npack pk __attribute__((aligned(16))); \
    const uint8_t *rp[8]; \
    int64_t r0, k0, t0; \
    for (r0 = 0; r0 < nr; r0 += 8) { \
        const int rn = (int)LLML__MIN(8, nr - r0); \
        int i; \
        for (i = 0; i < 8; i++) rp[i] = w + (size_t)(r0 + (i < rn ? i : 0)) * ws; \
        for (k0 = 0; k0 < n; k0 += LLML__GK) { \
            const int64_t kn = LLML__MIN(LLML__GK, n - k0); \
            if (kind == 0) llml__neon_pack32(0, f, rp, k0, kn, &pk); \
            else llml__neon_packk(0, f, rp, k0, kn, &pk); \
            for (t0 = 0; t0 < nt; ) { \
                const int tn = (int)LLML__MIN(nt - t0, TMAX); \
                const uint8_t *at = a + (size_t)t0 * as; \
                float *o = out + (size_t)t0 * os + (size_t)r0; \
                if (kind == 0) { \
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 32); \
                    if (TMAX >= 4 && tn == 4) llml__##SFX##_tile32(f, 4, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0); \
                    else if (TMAX >= 3 && tn == 3) llml__##SFX##_tile32(f, 3, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0); \
                    else if (tn == 2) llml__##SFX##_tile32(f, 2, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0); \
                    else llml__##SFX##_tile32(f, 1, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0); \
                } else { \
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 256), *asum = at + n + 4 * (n / 256) + 4 * (k0 / 32); \
                    if (TMAX >= 4 && tn == 4) llml__##SFX##_tilek(f, 4, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0); \
                    else if (TMAX >= 3 && tn == 3) llml__##SFX##_tilek(f, 3, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0); \
                    else if (tn == 2) llml__##SFX##_tilek(f, 2, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0); \
                    else llml__##SFX##_tilek(f, 1, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0); \
                } \
                t0 += tn; \
            } \
        } \
    } \
} \
/* 4 rows (rp, rn of them real) of a 32-block format times one Q8_0 row. */ \
ATTR LLML__NEONI void llml__##SFX##_mv32(int f, int64_t n, const uint8_t *const *rp, const uint8_t *y, float *out, int rn) { \
    const int bs = llml__f32b_bytes(f); \
    const int64_t nb = n / 32; \
    float32x4_t tot = vdupq_n_f32(0.0f); \
    int64_t k0, b; \
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 32) { \
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 32); \
        float32x4_t acc = vdupq_n_f32(0.0f); \
        for (b = k0; b < k1; b++) { \
            const size_t bo = (size_t)b * (size_t)bs; \
            const uint8_t *yb = y + 34 * b; \
            const int8x16_t a0 = llml__neon_ld(yb + 2), a1 = llml__neon_ld(yb + 18); \
            int32x4_t p[4]; \
            int r; \
            LLML__UNROLL for (r = 0; r < 4; r++) { \
                int8x16_t lo, hi; \
                llml__neon_dec32(f, rp[r] + bo, &lo, &hi); \
                p[r] = DOT(DOT(vdupq_n_s32(0), lo, a0), hi, a1); \
            } \
            acc = vfmaq_f32(acc, vcvtq_f32_s32(llml__neon_red4(p)), vmulq_n_f32(llml__neon_h4(rp, bo), llml__neon_h(yb))); \
        } \
        tot = k0 == 0 ? acc : vaddq_f32(tot, acc); \
    } \
    llml__neon_out4(out, tot, rn, 1); \
} \
/* 4 rows of Q4_K / Q6_K times one Q8_K row. */ \
ATTR LLML__NEONI void llml__##SFX##_mvk(int f, int64_t n, const uint8_t *const *rp, const uint8_t *y, float *out, int rn) { \
    const size_t bs = (size_t)llml__fk_bytes(f); \
    const int64_t nb = n / 256; \
    float32x4_t tot = vdupq_n_f32(0.0f); \
    int64_t k0, b; \
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 256) { \
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 256); \
        float32x4_t acc = vdupq_n_f32(0.0f); \
        for (b = k0; b < k1; b++) { \
            const size_t bo = (size_t)b * bs; \
            const uint8_t *yb = y + 292 * b; \
            const int8_t *a = (const int8_t *)(yb + 4); \
            float32x4_t fs = vdupq_n_f32(0.0f); \
            int32x4_t p[4], sc[4]; \
            int r, j, k; \
            if (f == LLML__FK_Q4_K) { \
                const float32x4_t d = llml__neon_h4(rp, bo), dmin = llml__neon_h4(rp, bo + 2); \
                int32x4_t x[4]; \
                LLML__UNROLL for (r = 0; r < 4; r++) { \
                    uint8_t sm[16]; \
                    llml__neon_k4_scales(rp[r] + bo + 4, sm); \
                    x[r] = vreinterpretq_s32_u8(vld1q_u8(sm)); \
                } \
                llml__neon_tr4(x, sc);   /* sc[0], sc[1]: scales 0-3, 4-7; sc[2], sc[3]: mins */ \
                for (j = 0; j < 8; j++) { \
                    const int8x16_t a0 = vld1q_s8(a + 32 * j), a1 = vld1q_s8(a + 32 * j + 16); \
                    int16_t b0, b1; \
                    LLML__UNROLL for (r = 0; r < 4; r++) { \
                        int8x16_t lo, hi; \
                        llml__neon_k32(f, rp[r] + bo, j, &lo, &hi); \
                        p[r] = DOT(DOT(vdupq_n_s32(0), lo, a0), hi, a1); \
                    } \
                    memcpy(&b0, yb + 260 + 4 * j, 2); \
                    memcpy(&b1, yb + 262 + 4 * j, 2); \
                    fs = vfmaq_f32(fs, vcvtq_f32_s32(llml__neon_red4(p)), vmulq_f32(d, llml__neon_ubyte(sc[j >> 2], j & 3))); \
                    fs = vfmsq_f32(fs, vmulq_f32(dmin, llml__neon_ubyte(sc[2 + (j >> 2)], j & 3)), vdupq_n_f32((float)(b0 + b1))); \
                } \
            } else { /* Q6_K */ \
                const float32x4_t d = llml__neon_h4(rp, bo + 208); \
                llml__neon_tr4m(rp, bo + 192, sc);   /* sc[i]: scales 4 i .. 4 i + 3 */ \
                for (k = 0; k < 16; k++) { \
                    const int g = llml__neon_q6g(k); \
                    const int8x16_t av = vld1q_s8(a + 16 * g); \
                    LLML__UNROLL for (r = 0; r < 4; r++) p[r] = DOT(vdupq_n_s32(0), llml__neon_k16(f, rp[r] + bo, g), av); \
                    fs = vfmaq_f32(fs, vcvtq_f32_s32(llml__neon_red4(p)), vmulq_f32(d, llml__neon_sbyte(sc[g >> 2], g & 3))); \
                } \
            } \
            acc = vfmaq_f32(acc, fs, vdupq_n_f32(llml__neon_f(yb))); \
        } \
        tot = k0 == 0 ? acc : vaddq_f32(tot, acc); \
    } \
    llml__neon_out4(out, tot, rn, 1); \
} \
ATTR LLML__NEONI void llml__##SFX##_mm4(int kind, int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                        const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av; \
    const uint8_t *rp[4]; \
    int64_t r0, t; \
    for (r0 = 0; r0 < nr; r0 += 4) { \
        const int rn = (int)LLML__MIN(4, nr - r0); \
        int i; \
        LLML__UNROLL for (i = 0; i < 4; i++) rp[i] = w + (size_t)(r0 + (i < rn ? i : 0)) * ws; \
        for (t = 0; t < nt; t++) { \
            if (kind == 0) llml__##SFX##_mv32(f, n, rp, a + (size_t)t * as, out + (size_t)t * os + (size_t)r0, rn); \
            else llml__##SFX##_mvk(f, n, rp, a + (size_t)t * as, out + (size_t)t * os + (size_t)r0, rn); \
        } \
    } \
} \
LLML__NEON_GEMM_ENTRY(SFX, ATTR, q4_0, 0, LLML__F32B_Q4_0) \
LLML__NEON_GEMM_ENTRY(SFX, ATTR, q5_0, 0, LLML__F32B_Q5_0) \
LLML__NEON_GEMM_ENTRY(SFX, ATTR, q8_0, 0, LLML__F32B_Q8_0) \
LLML__NEON_GEMM_ENTRY(SFX, ATTR, iq4_nl, 0, LLML__F32B_IQ4_NL) \
LLML__NEON_GEMM_ENTRY(SFX, ATTR, q4_k, 1, LLML__FK_Q4_K) \
LLML__NEON_GEMM_ENTRY(SFX, ATTR, q6_k, 1, LLML__FK_Q6_K) \
static void llml__##SFX##_fill_gemm(llml__kern *k) { \
    k->mm[LLML_TYPE_Q4_0] = llml__##SFX##_mv_q4_0; \
    k->mm[LLML_TYPE_Q5_0] = llml__##SFX##_mv_q5_0; \
    k->mm[LLML_TYPE_Q8_0] = llml__##SFX##_mv_q8_0; \
    k->mm[LLML_TYPE_IQ4_NL] = llml__##SFX##_mv_iq4_nl; \
    k->mm[LLML_TYPE_Q4_K] = llml__##SFX##_mv_q4_k; \
    k->mm[LLML_TYPE_Q6_K] = llml__##SFX##_mv_q6_k; \
    k->gemm[LLML_TYPE_Q4_0] = llml__##SFX##_gemm_q4_0; \
    k->gemm[LLML_TYPE_Q5_0] = llml__##SFX##_gemm_q5_0; \
    k->gemm[LLML_TYPE_Q8_0] = llml__##SFX##_gemm_q8_0; \
    k->gemm[LLML_TYPE_IQ4_NL] = llml__##SFX##_gemm_iq4_nl; \
    k->gemm[LLML_TYPE_Q4_K] = llml__##SFX##_gemm_q4_k; \
    k->gemm[LLML_TYPE_Q6_K] = llml__##SFX##_gemm_q6_k; \
}

#define LLML__NEON_GEMM_ENTRY(SFX, ATTR, name, KIND, F) \
ATTR static void llml__##SFX##_gemm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                           const void *a, size_t as, int64_t nt, float *out, size_t os) { \
    (void)type; llml__##SFX##_gemm(KIND, F, n, w, ws, nr, a, as, nt, out, os); \
} \
ATTR static void llml__##SFX##_mv_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                         const void *a, size_t as, int64_t nt, float *out, size_t os) { \
    (void)type; llml__##SFX##_mm4(KIND, F, n, w, ws, nr, a, as, nt, out, os); \
}

LLML__NEON_GEMM_KERNELS(neon, , llml__neon_dot_emul, llml__neon_grp, 2)
#if defined(LLML__ARM_DP)
LLML__NEON_GEMM_KERNELS(neondp, LLML__DP_ATTR, llml__neon_dot_sdot, llml__neondp_grp, 4)
#endif

/* ---- the prompt GEMM with i8mm (Armv8.6 SMMLA) ------------------------------ */
/* The same GEMM (packing, chunks, panels of 8 weight rows, tiles of up to 4
   activation rows) with SMMLA (vmmlaq_s32): one instruction multiplies a
   2 x 8 matrix of signed bytes (first operand: 2 rows of 8, here 8 codes of
   2 activation rows) by an 8 x 2 one (second operand: 2 columns of 8, here
   8 codes of 2 weight rows) and adds the 2 x 2 int32 products into lanes
   (a0 w0, a0 w1, a1 w0, a1 w1), 32 MACs against SDOT's 16. The pack holds 8
   consecutive codes of 2 weight rows per 16 bytes (llml__neon_put16mm); the
   activation pairs are made per tile from the gq rows: 16 codes of each of
   2 rows, EOR 0x80 back to signed, ZIP1/ZIP2 of their 64-bit halves give
   the operands for 2 steps of 8 columns. (An odd last activation row is
   paired with itself and its second half dropped.) The group sums are the
   same exact integers; the float steps run in the 2 x 2 lane layout with
   per-lane scale vectors that hold the same values the dotprod tiles use
   (weight scales (d0, d1, d0, d1) by a 64-bit DUP, activation scales
   (da0, da0, da1, da1)), so each (weight row, activation row) output gets
   the same float operations in the same order: dw x da rounded, then one
   FMA per block (Q4_K: FMA by d sc, fused subtraction of (dmin m) bsum, one
   FMA by da per 256; Q6_K in llml__neon_q6g's order), out = acc, then out
   + acc per chunk. At the end of a tile ZIP1/ZIP2 of 64-bit halves turn
   (row pair, row pair) lanes into 4 weight rows per activation row.
   Instruction counts per 32 columns x 8 weight rows x 4 activation rows
   (1024 MACs), Q4_0: 32 SMMLA + 16 weight loads + 8 activation loads + 8
   EOR + 8 ZIP + 8 zeroing + 24 float (SCVTF, FMUL, FMLA) + about 10 for the
   scale vectors (2 loads and 4 DUP for the weights, LD1R/INS for the
   activations), about 114, or 9 MACs an instruction, against about 130 (64
   SDOT) for the dotprod tile. As GCC 12 -O2 compiles them, the loop over
   32 columns of the 8 x 4 tile is 119 instructions (i8mm) against 158
   (dotprod, which spills 7 registers). The multiplies themselves halve
   (32 SMMLA against 64 SDOT: half the time where a core issues both at one
   rate; not timed, qemu only), and the i8mm pack costs 16 instructions per
   16 columns of 8 rows (8 ZIP, 8 stores) against 24 (4 x 4 transposes). */
#if defined(LLML__ARM_MM)

/* 16 codes of gq rows y0 and y1 (unsigned, made signed) as 2 SMMLA
   operands: lo = columns 0-7 of y0 then of y1, hi = columns 8-15. */
LLML__NEONI void llml__neon_apair(const uint8_t *y0, const uint8_t *y1, int8x16_t *lo, int8x16_t *hi) {
    const int64x2_t u = vreinterpretq_s64_u8(veorq_u8(vld1q_u8(y0), vdupq_n_u8(0x80)));
    const int64x2_t v = vreinterpretq_s64_u8(veorq_u8(vld1q_u8(y1), vdupq_n_u8(0x80)));
    *lo = vreinterpretq_s8_s64(vzip1q_s64(u, v));
    *hi = vreinterpretq_s8_s64(vzip2q_s64(u, v));
}
/* The 8 per-row floats at p as scale vectors of the 4 weight row pairs:
   w[q] = (p[2 q], p[2 q + 1], p[2 q], p[2 q + 1]). */
LLML__NEONI void llml__neon_wpairs(const float *p, float32x4_t *w) {
    const float64x2_t lo = vreinterpretq_f64_f32(vld1q_f32(p)), hi = vreinterpretq_f64_f32(vld1q_f32(p + 4));
    w[0] = vreinterpretq_f32_f64(vzip1q_f64(lo, lo));
    w[1] = vreinterpretq_f32_f64(vzip2q_f64(lo, lo));
    w[2] = vreinterpretq_f32_f64(vzip1q_f64(hi, hi));
    w[3] = vreinterpretq_f32_f64(vzip2q_f64(hi, hi));
}
/* The floats at p0 and p1 (2 activation rows) as (p0, p0, p1, p1). */
LLML__NEONI float32x4_t llml__neon_apair_f(const uint8_t *p0, const uint8_t *p1) {
    return vcombine_f32(vdup_n_f32(llml__neon_f(p0)), vdup_n_f32(llml__neon_f(p1)));
}
/* s[q][p] += the products of NS steps of 8 columns: pack at w (64 bytes a
   step), activation operands a[c][p]. */
LLML__MM_ATTR LLML__NEONI void llml__neonmm_grp(int NS, int NP, const int8_t *w, int8x16_t a[4][2], int32x4_t s[4][2]) {
    int c, q, p;
    LLML__UNROLL for (q = 0; q < 4; q++)
        LLML__UNROLL for (p = 0; p < NP; p++) s[q][p] = vdupq_n_s32(0);
    LLML__UNROLL for (c = 0; c < NS; c++) {
        LLML__UNROLL for (q = 0; q < 4; q++) {
            const int8x16_t wv = vld1q_s8(w + 64 * c + 16 * q);
            LLML__UNROLL for (p = 0; p < NP; p++) s[q][p] = vmmlaq_s32(s[q][p], a[c][p], wv);
        }
    }
}
/* acc (lanes: activation rows 2 p, 2 p + 1 x weight rows 2 q, 2 q + 1) into
   out for TN activation rows and rn weight rows. */
LLML__NEONI void llml__neonmm_out(int TN, float32x4_t acc[4][2], float *out, size_t os, int rn, int first) {
    int j, h;
    LLML__UNROLL for (j = 0; j < TN; j++) {
        LLML__UNROLL for (h = 0; h < 2; h++) {
            const float64x2_t u = vreinterpretq_f64_f32(acc[2 * h][j >> 1]), v = vreinterpretq_f64_f32(acc[2 * h + 1][j >> 1]);
            const float32x4_t o = vreinterpretq_f32_f64((j & 1) ? vzip2q_f64(u, v) : vzip1q_f64(u, v));
            if (rn > 4 * h) llml__neon_out4(out + (size_t)j * os + 4 * h, o, rn - 4 * h, first);
        }
    }
}
LLML__MM_ATTR LLML__NEONI void llml__neonmm_tile32(int TN, int64_t ng, const llml__npack *pk, const uint8_t *aq, const uint8_t *ad,
                                                   size_t as, float *out, size_t os, int rn, int first) {
    const int NP = (TN + 1) / 2;
    const uint8_t *ya[4], *yd[4];
    float32x4_t acc[4][2], dw[4], da[2];
    int8x16_t a[4][2];
    int32x4_t s[4][2];
    int j, q, p;
    int64_t g;
    LLML__UNROLL for (j = 0; j < 4; j++) {
        ya[j] = aq + (size_t)(j < TN ? j : TN - 1) * as;
        yd[j] = ad + (size_t)(j < TN ? j : TN - 1) * as;
    }
    LLML__UNROLL for (q = 0; q < 4; q++)
        LLML__UNROLL for (p = 0; p < NP; p++) acc[q][p] = vdupq_n_f32(0.0f);
    for (g = 0; g < ng; g++) {
        LLML__UNROLL for (p = 0; p < NP; p++) {
            llml__neon_apair(ya[2 * p] + 32 * g, ya[2 * p + 1] + 32 * g, &a[0][p], &a[1][p]);
            llml__neon_apair(ya[2 * p] + 32 * g + 16, ya[2 * p + 1] + 32 * g + 16, &a[2][p], &a[3][p]);
            da[p] = llml__neon_apair_f(yd[2 * p] + 4 * g, yd[2 * p + 1] + 4 * g);
        }
        llml__neonmm_grp(4, NP, pk->q + g * 256, a, s);
        llml__neon_wpairs(pk->d + g * 8, dw);
        LLML__UNROLL for (q = 0; q < 4; q++)
            LLML__UNROLL for (p = 0; p < NP; p++)
                acc[q][p] = vfmaq_f32(acc[q][p], vcvtq_f32_s32(s[q][p]), vmulq_f32(dw[q], da[p]));
    }
    llml__neonmm_out(TN, acc, out, os, rn, first);
}
LLML__MM_ATTR LLML__NEONI void llml__neonmm_tilek(int f, int TN, int64_t nblk, const llml__npack *pk, const uint8_t *aq,
                                                  const uint8_t *ad, const uint8_t *asum, size_t as,
                                                  float *out, size_t os, int rn, int first) {
    const int q6 = f == LLML__FK_Q6_K, G = q6 ? 16 : 32, NG = 256 / G, NP = (TN + 1) / 2;
    const uint8_t *ya[4], *yd[4], *ys[4];
    float32x4_t acc[4][2], fs[4][2], dw[4], dm[4], sa[2], da[2];
    int8x16_t a[4][2];
    int32x4_t s[4][2];
    int j, q, p, k;
    int64_t b;
    LLML__UNROLL for (j = 0; j < 4; j++) {
        const size_t o = (size_t)(j < TN ? j : TN - 1) * as;
        ya[j] = aq + o; yd[j] = ad + o; ys[j] = asum + o;
    }
    LLML__UNROLL for (q = 0; q < 4; q++)
        LLML__UNROLL for (p = 0; p < NP; p++) acc[q][p] = vdupq_n_f32(0.0f);
    for (b = 0; b < nblk; b++) {
        LLML__UNROLL for (q = 0; q < 4; q++)
            LLML__UNROLL for (p = 0; p < NP; p++) fs[q][p] = vdupq_n_f32(0.0f);
        for (k = 0; k < NG; k++) {
            const int gg = q6 ? llml__neon_q6g(k) : k;
            const int64_t gi = b * NG + gg;
            LLML__UNROLL for (p = 0; p < NP; p++) {
                const size_t o = (size_t)(256 * b + G * gg);
                llml__neon_apair(ya[2 * p] + o, ya[2 * p + 1] + o, &a[0][p], &a[1][p]);
                if (!q6) llml__neon_apair(ya[2 * p] + o + 16, ya[2 * p + 1] + o + 16, &a[2][p], &a[3][p]);
            }
            llml__neonmm_grp(G / 8, NP, pk->q + gi * G * 8, a, s);
            llml__neon_wpairs(pk->d + gi * 8, dw);
            if (!q6) {
                llml__neon_wpairs(pk->m + gi * 8, dm);
                LLML__UNROLL for (p = 0; p < NP; p++)
                    sa[p] = llml__neon_apair_f(ys[2 * p] + 4 * (8 * b + k), ys[2 * p + 1] + 4 * (8 * b + k));
            }
            LLML__UNROLL for (q = 0; q < 4; q++)
                LLML__UNROLL for (p = 0; p < NP; p++) {
                    fs[q][p] = vfmaq_f32(fs[q][p], vcvtq_f32_s32(s[q][p]), dw[q]);
                    if (!q6) fs[q][p] = vfmsq_f32(fs[q][p], dm[q], sa[p]);
                }
        }
        LLML__UNROLL for (p = 0; p < NP; p++) da[p] = llml__neon_apair_f(yd[2 * p] + 4 * b, yd[2 * p + 1] + 4 * b);
        LLML__UNROLL for (q = 0; q < 4; q++)
            LLML__UNROLL for (p = 0; p < NP; p++) acc[q][p] = vfmaq_f32(acc[q][p], fs[q][p], da[p]);
    }
    llml__neonmm_out(TN, acc, out, os, rn, first);
}
/* The driver, as the dotprod one (kind 0: 32-block format f; 1: K). */
LLML__MM_ATTR LLML__NEONI void llml__neonmm_gemm(int kind, int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                                 const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    llml__npack pk __attribute__((aligned(16)));
    const uint8_t *rp[8];
    int64_t r0, k0, t0;
    for (r0 = 0; r0 < nr; r0 += 8) {
        const int rn = (int)LLML__MIN(8, nr - r0);
        int i;
        for (i = 0; i < 8; i++) rp[i] = w + (size_t)(r0 + (i < rn ? i : 0)) * ws;
        for (k0 = 0; k0 < n; k0 += LLML__GK) {
            const int64_t kn = LLML__MIN(LLML__GK, n - k0);
            if (kind == 0) llml__neon_pack32(1, f, rp, k0, kn, &pk);
            else llml__neon_packk(1, f, rp, k0, kn, &pk);
            for (t0 = 0; t0 < nt; ) {
                const int tn = (int)LLML__MIN(nt - t0, 4);
                const uint8_t *at = a + (size_t)t0 * as;
                float *o = out + (size_t)t0 * os + (size_t)r0;
                if (kind == 0) {
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 32);
                    if (tn == 4) llml__neonmm_tile32(4, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0);
                    else if (tn == 3) llml__neonmm_tile32(3, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0);
                    else if (tn == 2) llml__neonmm_tile32(2, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0);
                    else llml__neonmm_tile32(1, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0);
                } else {
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 256), *asum = at + n + 4 * (n / 256) + 4 * (k0 / 32);
                    if (tn == 4) llml__neonmm_tilek(f, 4, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0);
                    else if (tn == 3) llml__neonmm_tilek(f, 3, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0);
                    else if (tn == 2) llml__neonmm_tilek(f, 2, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0);
                    else llml__neonmm_tilek(f, 1, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0);
                }
                t0 += tn;
            }
        }
    }
}
#define LLML__NEONMM_ENTRY(name, KIND, F) \
LLML__MM_ATTR static void llml__neonmm_gemm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                   const void *a, size_t as, int64_t nt, float *out, size_t os) { \
    (void)type; llml__neonmm_gemm(KIND, F, n, w, ws, nr, a, as, nt, out, os); \
}
LLML__NEONMM_ENTRY(q4_0, 0, LLML__F32B_Q4_0)
LLML__NEONMM_ENTRY(q5_0, 0, LLML__F32B_Q5_0)
LLML__NEONMM_ENTRY(q8_0, 0, LLML__F32B_Q8_0)
LLML__NEONMM_ENTRY(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__NEONMM_ENTRY(q4_k, 1, LLML__FK_Q4_K)
LLML__NEONMM_ENTRY(q6_k, 1, LLML__FK_Q6_K)
/* Only the GEMM changes: the mm entries stay the dotprod ones. */
static void llml__neonmm_fill_gemm(llml__kern *k) {
    k->gemm[LLML_TYPE_Q4_0] = llml__neonmm_gemm_q4_0;
    k->gemm[LLML_TYPE_Q5_0] = llml__neonmm_gemm_q5_0;
    k->gemm[LLML_TYPE_Q8_0] = llml__neonmm_gemm_q8_0;
    k->gemm[LLML_TYPE_IQ4_NL] = llml__neonmm_gemm_iq4_nl;
    k->gemm[LLML_TYPE_Q4_K] = llml__neonmm_gemm_q4_k;
    k->gemm[LLML_TYPE_Q6_K] = llml__neonmm_gemm_q6_k;
}
#endif

/* gq rows: the NEON quantizers (the reference's bytes), then codes + 128
   and float scales (see llml__kern). */
static void llml__neon_gq_q8_0(const float *x, void *dst, int64_t n) {
    uint8_t *q = (uint8_t *)dst, *sc = q + n, tmp[8 * 34];
    const int64_t nb = n / 32;
    int64_t b0;
    for (b0 = 0; b0 < nb; b0 += 8) {
        const int m = (int)LLML__MIN(8, nb - b0);
        int i;
        llml__neon_actq_q8_0(x + 32 * b0, tmp, 32 * m);
        for (i = 0; i < m; i++) {
            const float d = llml__neon_h(tmp + 34 * i);
            memcpy(sc + 4 * (b0 + i), &d, 4);
            vst1q_u8(q + 32 * (b0 + i), veorq_u8(vld1q_u8(tmp + 34 * i + 2), vdupq_n_u8(0x80)));
            vst1q_u8(q + 32 * (b0 + i) + 16, veorq_u8(vld1q_u8(tmp + 34 * i + 18), vdupq_n_u8(0x80)));
        }
    }
}

static void llml__neon_gq_q8_k(const float *x, void *dst, int64_t n) {
    const int64_t nb = n / 256;
    uint8_t *q = (uint8_t *)dst, *sd = q + n, *ss = q + n + 4 * nb, tmp[292];
    int64_t b;
    for (b = 0; b < nb; b++) {
        int i;
        llml__neon_actq_q8_k(x + 256 * b, tmp, 256);
        memcpy(sd + 4 * b, tmp, 4);
        for (i = 0; i < 16; i++) vst1q_u8(q + 256 * b + 16 * i, veorq_u8(vld1q_u8(tmp + 4 + 16 * i), vdupq_n_u8(0x80)));
        for (i = 0; i < 8; i++) {
            int16_t s0, s1;
            float s;
            memcpy(&s0, tmp + 260 + 4 * i, 2);
            memcpy(&s1, tmp + 262 + 4 * i, 2);
            s = (float)(s0 + s1);
            memcpy(ss + 4 * (8 * b + i), &s, 4);
        }
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif


static void llml__kern_fill_arm(llml__kern *k, uint32_t isa) {
    if (!(isa & LLML__ISA_NEON)) return;
    k->mm[LLML_TYPE_F32] = llml__neon_mm_f32;
    k->mm[LLML_TYPE_F16] = llml__neon_mm_f16;
    k->mm[LLML_TYPE_BF16] = llml__neon_mm_bf16;
    llml__neon_fill(k);
    llml__neon_fill_gemm(k);
#if defined(LLML__ARM_DP)
    if (isa & LLML__ISA_DOTPROD) { llml__neondp_fill(k); llml__neondp_fill_gemm(k); }
#endif
#if defined(LLML__ARM_MM)
    if ((isa & LLML__ISA_DOTPROD) && (isa & LLML__ISA_I8MM)) llml__neonmm_fill_gemm(k);
#endif
    k->gq[LLML_TYPE_Q4_0] = llml__neon_gq_q8_0;
    k->gq[LLML_TYPE_Q5_0] = llml__neon_gq_q8_0;
    k->gq[LLML_TYPE_Q8_0] = llml__neon_gq_q8_0;
    k->gq[LLML_TYPE_IQ4_NL] = llml__neon_gq_q8_0;
    k->gq[LLML_TYPE_Q4_K] = llml__neon_gq_q8_k;
    k->gq[LLML_TYPE_Q6_K] = llml__neon_gq_q8_k;
    k->actq[LLML_TYPE_F16] = llml__neon_actq_f16;
    k->actq[LLML_TYPE_BF16] = llml__neon_actq_bf16;
    k->actq[LLML_TYPE_Q8_0] = llml__neon_actq_q8_0;
    k->actq[LLML_TYPE_Q8_1] = llml__neon_actq_q8_1;
    k->actq[LLML_TYPE_Q8_K] = llml__neon_actq_q8_k;
    llml__kern_fill_arm_iq(k, isa);
    llml__kern_fill_arm_elem(k);
}

#endif /* LLML__ARM */
