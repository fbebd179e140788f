
/* ========================================================================== */
/* >>kern_neon_iq  AArch64 NEON products of the IQ and ternary 256-formats     */
/* ========================================================================== */
/* IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, TQ1_0 and TQ2_0
   against Q8_K activations, in two copies like >>kern_neon (SDOT, and
   widening multiplies for plain NEON). Each group of 32 weights is decoded
   once (llml__niq_dec) into 2 vectors of signed bytes, the true weights in
   units of the block's scale (signs and the -1 / +-1/8 offsets applied),
   and their integer scales; up to 4 activation rows (llml__*iq_tile) then
   take one dot instruction per 16 weights each, so a prompt's rows share
   the decoding, which costs more than the products. The integer block sum
   is exact and meets the float scale once, in the order of the scalar
   reference: the factors 1/8 and 1/4 go into the weight scale, and IQ1's
   sum + sum' / 8 becomes (8 sum + sum') / 8, exact in float at these
   sizes; powers of two, so the results are the reference's bit for bit
   (where the compiler contracts the same way). Weight rows go in chunks of
   LLML__NIQ_RC that stay in cache while the activation rows pass.

   Decoding, per 16 weights:
   - IQ2 grid points (8 magnitudes in a u64) or IQ3 ones (4 in a u32) are
     loaded into lanes; signs stored as 7 bits with the parity as the 8th
     (IQ2_XXS, IQ2_XS, IQ3_XXS) come from a table of 128 patterns as +-1
     bytes and a byte multiply; signs stored as whole bytes (IQ2_S, IQ3_S)
     are spread to lanes with TBL, tested with CMTST and applied as
     (q ^ m) - m;
   - IQ1 grid keys (2 bits a coordinate, codes c = 0..2) spread with one
     TBL, one per-lane shift (USHL) and a mask to 8 c, minus 7 or 9: the
     weight 8 (c - 1) +- 1 in units of 1/8 (the shift's sign is per 32
     weights in IQ1_S, per 8 in IQ1_M);
   - TQ2_0 is 2-bit codes minus 1; TQ1_0's base-3 bytes give trit k as
     t = (b 3^k) mod 256 (a byte multiply), t 3 >> 8 = (t > 85) + (t > 170),
     so the weight trit - 1 is ~(m1 + m2) of the two compare masks.
   Per 16 weights and activation row that leaves one SDOT (dotprod) or
   SMULL + SMLAL + SADALP (plain NEON), plus an MLA by the scale where a
   format has scales; the scalar reference spends 16 multiply-adds with
   sign selects on the same. */

#if defined(LLML__ARM)

#define LLML__NIQ_IQ2_XXS 0
#define LLML__NIQ_IQ2_XS 1
#define LLML__NIQ_IQ2_S 2
#define LLML__NIQ_IQ3_XXS 3
#define LLML__NIQ_IQ3_S 4
#define LLML__NIQ_IQ1_S 5
#define LLML__NIQ_IQ1_M 6
#define LLML__NIQ_TQ1_0 7
#define LLML__NIQ_TQ2_0 8

/* Weight rows per chunk (the activation rows pass over a chunk in cache). */
#define LLML__NIQ_RC 64

LLML__NEONI int llml__niq_bytes(int f) {
    static const int bytes[9] = { 66, 74, 82, 98, 110, 50, 56, 54, 66 };
    return bytes[f];
}
/* How the scales go: 0 none (ternary), 1 one per 32, 2 one per 16. */
LLML__NEONI int llml__niq_kind(int f) {
    switch (f) {
    case LLML__NIQ_TQ1_0: case LLML__NIQ_TQ2_0: return 0;
    case LLML__NIQ_IQ2_XS: case LLML__NIQ_IQ2_S: case LLML__NIQ_IQ1_M: return 2;
    default: return 1;
    }
}


/* fp16 bits -> float. */
LLML__NEONI float llml__niq_h(uint16_t h) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

/* Two IQ2 grid points (8 magnitudes each) as 16 bytes. */
LLML__NEONI int8x16_t llml__niq_g64(const uint64_t *grid, unsigned i0, unsigned i1) {
    return vreinterpretq_s8_u64(vld1q_lane_u64(grid + i1, vld1q_dup_u64(grid + i0), 1));
}
/* Four IQ3 grid points (4 magnitudes each) as 16 bytes. */
LLML__NEONI int8x16_t llml__niq_g32(const uint32_t *grid, unsigned i0, unsigned i1, unsigned i2, unsigned i3) {
    uint32x4_t v = vld1q_dup_u32(grid + i0);
    v = vld1q_lane_u32(grid + i1, v, 1);
    v = vld1q_lane_u32(grid + i2, v, 2);
    v = vld1q_lane_u32(grid + i3, v, 3);
    return vreinterpretq_s8_u32(v);
}
/* q with the signs of the 7-bit patterns m & 127 (lanes 0-7) and
   (m >> 7) & 127 (lanes 8-15). */
LLML__NEONI int8x16_t llml__niq_sgn7(int8x16_t q, uint32_t m) {
    const int8x16_t s = vreinterpretq_s8_u64(vld1q_lane_u64(llml__iq2_ksign8 + ((m >> 7) & 127u),
                                                            vld1q_dup_u64(llml__iq2_ksign8 + (m & 127u)), 1));
    return vmulq_s8(q, s);
}
/* q negated in lane i where bit i % 8 of byte (hi ? 2 : 0) + i / 8 of the
   4 sign bytes sv (repeated over the vector) is set. */
LLML__NEONI int8x16_t llml__niq_sgnb(int8x16_t q, uint8x16_t sv, int hi) {
    static const uint8_t spread[32] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                        2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3 };
    static const uint8_t bits[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };
    const int8x16_t m = vreinterpretq_s8_u8(vtstq_u8(vqtbl1q_u8(sv, vld1q_u8(spread + 16 * hi)), vld1q_u8(bits)));
    return vsubq_s8(veorq_s8(q, m), m);
}
/* Two IQ1 grid keys (kk: elements 0-7 in the low 16 bits, 8-15 in the high)
   -> 8 c - sub, c = 0..2 the 2-bit code of each element. */
LLML__NEONI int8x16_t llml__niq_iq1(uint32_t kk, int8x16_t sub) {
    static const uint8_t spread[16] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };
    static const int8_t sh[16] = { 3, 1, -1, -3, 3, 1, -1, -3, 3, 1, -1, -3, 3, 1, -1, -3 };
    const uint8x16_t v = vqtbl1q_u8(vreinterpretq_u8_u32(vdupq_n_u32(kk)), vld1q_u8(spread));
    return vsubq_s8(vreinterpretq_s8_u8(vandq_u8(vshlq_u8(v, vld1q_s8(sh)), vdupq_n_u8(0x18))), sub);
}
/* TQ1_0: the weights trit - 1 of the bytes t = (b 3^k) mod 256. */
LLML__NEONI int8x16_t llml__niq_trit(uint8x16_t t) {
    return vreinterpretq_s8_u8(vmvnq_u8(vaddq_u8(vcgtq_u8(t, vdupq_n_u8(85)), vcgtq_u8(t, vdupq_n_u8(170)))));
}

/* The float scale of a 256-block x of format f (times 1/8 or 1/4 where the
   reference has that factor). */
LLML__NEONI float llml__niq_scale(int f, const uint8_t *x) {
    switch (f) {
    case LLML__NIQ_IQ2_XXS: case LLML__NIQ_IQ2_XS: case LLML__NIQ_IQ2_S: case LLML__NIQ_IQ1_S:
        return 0.125f * llml__neon_h(x);
    case LLML__NIQ_IQ3_XXS: return 0.25f * llml__neon_h(x);
    case LLML__NIQ_IQ3_S: return llml__neon_h(x);
    case LLML__NIQ_IQ1_M: {
        const uint64_t sw = llml__rd64(x + 48);
        return 0.125f * llml__niq_h((uint16_t)((sw >> 12 & 0xfu) | (sw >> 24 & 0xf0u) | (sw >> 36 & 0xf00u) | (sw >> 48 & 0xf000u)));
    }
    case LLML__NIQ_TQ1_0: return llml__neon_h(x + 52);
    default: return llml__neon_h(x + 64);
    }
}

/* Group g (0..7) of a 256-block x of format f: *q0, *q1 = the weights
   32 g .. 32 g + 15 and 32 g + 16 .. 32 g + 31 (signed, in units of the
   block's float scale and of the integer scales *s0, *s1 that go with
   them; the ternary formats have none and leave them alone). */
LLML__NEONI void llml__niq_dec(int f, const uint8_t *x, int g, int8x16_t *q0, int8x16_t *q1, int32_t *s0, int32_t *s1) {
    switch (f) {
    case LLML__NIQ_IQ2_XXS: {
        const uint8_t *gp = x + 2 + 8 * g;
        const uint32_t m = llml__rd32(gp + 4);
        *q0 = llml__niq_sgn7(llml__niq_g64(llml__iq2_grid_xxs, gp[0], gp[1]), m);
        *q1 = llml__niq_sgn7(llml__niq_g64(llml__iq2_grid_xxs, gp[2], gp[3]), m >> 14);
        *s0 = *s1 = (int32_t)(2 * (m >> 28) + 1);
        return;
    }
    case LLML__NIQ_IQ2_XS: {
        const uint8_t *gp = x + 2 + 8 * g;
        const unsigned v0 = llml__rd16(gp), v1 = llml__rd16(gp + 2), v2 = llml__rd16(gp + 4), v3 = llml__rd16(gp + 6);
        *q0 = llml__niq_sgn7(llml__niq_g64(llml__iq2_grid_xs, v0 & 511u, v1 & 511u), (v0 >> 9) | (v1 >> 9) << 7);
        *q1 = llml__niq_sgn7(llml__niq_g64(llml__iq2_grid_xs, v2 & 511u, v3 & 511u), (v2 >> 9) | (v3 >> 9) << 7);
        *s0 = 2 * (x[66 + g] & 15) + 1;
        *s1 = 2 * (x[66 + g] >> 4) + 1;
        return;
    }
    case LLML__NIQ_IQ2_S: {
        const uint8_t *lo = x + 2 + 4 * g;
        const unsigned hi = x[66 + g];
        const uint8x16_t sv = vreinterpretq_u8_u32(vdupq_n_u32(llml__rd32(x + 34 + 4 * g)));
        *q0 = llml__niq_sgnb(llml__niq_g64(llml__iq2_grid_s, lo[0] | (hi & 3u) << 8, lo[1] | (hi >> 2 & 3u) << 8), sv, 0);
        *q1 = llml__niq_sgnb(llml__niq_g64(llml__iq2_grid_s, lo[2] | (hi >> 4 & 3u) << 8, lo[3] | (hi >> 6 & 3u) << 8), sv, 1);
        *s0 = 2 * (x[74 + g] & 15) + 1;
        *s1 = 2 * (x[74 + g] >> 4) + 1;
        return;
    }
    case LLML__NIQ_IQ3_XXS: {
        const uint8_t *ix = x + 2 + 8 * g;
        const uint32_t m = llml__rd32(x + 66 + 4 * g);
        *q0 = llml__niq_sgn7(llml__niq_g32(llml__iq3_xxs_grid, ix[0], ix[1], ix[2], ix[3]), m);
        *q1 = llml__niq_sgn7(llml__niq_g32(llml__iq3_xxs_grid, ix[4], ix[5], ix[6], ix[7]), m >> 14);
        *s0 = *s1 = (int32_t)(2 * (m >> 28) + 1);
        return;
    }
    case LLML__NIQ_IQ3_S: {
        const uint8_t *lo = x + 2 + 8 * g;
        const unsigned qh = x[66 + g];
        const uint8x16_t sv = vreinterpretq_u8_u32(vdupq_n_u32(llml__rd32(x + 74 + 4 * g)));
        *q0 = llml__niq_sgnb(llml__niq_g32(llml__iq3_s_grid, lo[0] | (qh << 8 & 256u), lo[1] | (qh << 7 & 256u),
                                           lo[2] | (qh << 6 & 256u), lo[3] | (qh << 5 & 256u)), sv, 0);
        *q1 = llml__niq_sgnb(llml__niq_g32(llml__iq3_s_grid, lo[4] | (qh << 4 & 256u), lo[5] | (qh << 3 & 256u),
                                           lo[6] | (qh << 2 & 256u), lo[7] | (qh << 1 & 256u)), sv, 1);
        *s0 = *s1 = 2 * ((x[106 + (g >> 1)] >> (4 * (g & 1))) & 15) + 1;
        return;
    }
    case LLML__NIQ_IQ1_S: {
        const uint8_t *lo = x + 2 + 4 * g;
        const unsigned h = llml__rd16(x + 34 + 2 * g);
        const int8x16_t sub = vdupq_n_s8((h & 0x8000u) ? 9 : 7);
        *q0 = llml__niq_iq1(llml__iq1_grid[lo[0] | (h & 7u) << 8] | (uint32_t)llml__iq1_grid[lo[1] | (h >> 3 & 7u) << 8] << 16, sub);
        *q1 = llml__niq_iq1(llml__iq1_grid[lo[2] | (h >> 6 & 7u) << 8] | (uint32_t)llml__iq1_grid[lo[3] | (h >> 9 & 7u) << 8] << 16, sub);
        *s0 = *s1 = (int32_t)(2 * (h >> 12 & 7u) + 1);
        return;
    }
    case LLML__NIQ_IQ1_M: { /* octets 4 g .. 4 g + 3; scales 2 g, 2 g + 1 (3 bits each) */
        const uint8_t *lo = x + 4 * g;
        const unsigned qh = llml__rd16(x + 32 + 2 * g), sw = llml__rd16(x + 48 + 2 * (g >> 1)) >> (6 * (g & 1));
        const int8x16_t sub0 = vcombine_s8(vdup_n_s8((qh & 0x8u) ? 9 : 7), vdup_n_s8((qh & 0x80u) ? 9 : 7));
        const int8x16_t sub1 = vcombine_s8(vdup_n_s8((qh & 0x800u) ? 9 : 7), vdup_n_s8((qh & 0x8000u) ? 9 : 7));
        *q0 = llml__niq_iq1(llml__iq1_grid[lo[0] | (qh & 7u) << 8] | (uint32_t)llml__iq1_grid[lo[1] | (qh >> 4 & 7u) << 8] << 16, sub0);
        *q1 = llml__niq_iq1(llml__iq1_grid[lo[2] | (qh >> 8 & 7u) << 8] | (uint32_t)llml__iq1_grid[lo[3] | (qh >> 12 & 7u) << 8] << 16, sub1);
        *s0 = (int32_t)(2 * (sw & 7u) + 1);
        *s1 = (int32_t)(2 * (sw >> 3 & 7u) + 1);
        return;
    }
    case LLML__NIQ_TQ1_0: {
        /* elements 0..159: trit e / 32 of byte e % 32; 160..239: trit
           (e - 160) / 16 of byte 32 + e % 16; 240..255: trit (e - 240) / 4 of
           byte 48 + e % 4 */
        static const uint8_t p15[16] = { 1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27 };
        static const uint8_t pw[5] = { 1, 3, 9, 27, 81 };
        if (g < 5) {
            const uint8x16_t p = vdupq_n_u8(pw[g]);
            *q0 = llml__niq_trit(vmulq_u8(vld1q_u8(x), p));
            *q1 = llml__niq_trit(vmulq_u8(vld1q_u8(x + 16), p));
        } else {
            const uint8x16_t v = vld1q_u8(x + 32);
            *q0 = llml__niq_trit(vmulq_u8(v, vdupq_n_u8(pw[2 * g - 10])));
            *q1 = g < 7 ? llml__niq_trit(vmulq_u8(v, vdupq_n_u8(pw[2 * g - 9])))
                        : llml__niq_trit(vmulq_u8(vreinterpretq_u8_u32(vdupq_n_u32(llml__rd32(x + 48))), vld1q_u8(p15)));
        }
        return;
    }
    default: { /* TQ2_0: element 128 h + 32 k + m in bits 2 k of byte 32 h + m */
        const int8x16_t sh = vdupq_n_s8((int8_t)(-2 * (g & 3))), one = vdupq_n_s8(1);
        const uint8x16_t m3 = vdupq_n_u8(3);
        *q0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(x + 32 * (g >> 2)), sh), m3)), one);
        *q1 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(x + 32 * (g >> 2) + 16), sh), m3)), one);
        return;
    }
    }
}

/* ---- the products, once per dot instruction -------------------------------- */

/* TN activation rows (a, a + as, ...) against one weight row w; out[j os]. */
#define LLML__NEON_IQ_KERNELS(SFX, ATTR, DOT) \
ATTR LLML__NEONI void llml__##SFX##_tile(int f, int TN, int64_t nb, const uint8_t *w, const uint8_t *a, size_t as, \
                                         float *out, size_t os) { \
    const size_t bs = (size_t)llml__niq_bytes(f); \
    const int kind = llml__niq_kind(f); \
    float acc[4] = { 0.0f, 0.0f, 0.0f, 0.0f }; \
    int64_t b; \
    int j, g; \
    for (b = 0; b < nb; b++) { \
        const uint8_t *x = w + (size_t)b * bs; \
        const int8_t *yq[4]; \
        int32x4_t s[4]; \
        LLML__UNROLL for (j = 0; j < TN; j++) { \
            yq[j] = (const int8_t *)(a + (size_t)j * as + (size_t)b * 292 + 4); \
            s[j] = vdupq_n_s32(0); \
        } \
        LLML__UNROLL for (g = 0; g < 8; g++) { \
            int8x16_t q0, q1; \
            int32_t s0 = 1, s1 = 1; \
            llml__niq_dec(f, x, g, &q0, &q1, &s0, &s1); \
            LLML__UNROLL for (j = 0; j < TN; j++) { \
                const int8x16_t a0 = vld1q_s8(yq[j] + 32 * g), a1 = vld1q_s8(yq[j] + 32 * g + 16); \
                if (kind == 0) s[j] = DOT(DOT(s[j], q0, a0), q1, a1); \
                else if (kind == 1) s[j] = vmlaq_n_s32(s[j], DOT(DOT(vdupq_n_s32(0), q0, a0), q1, a1), s0); \
                else s[j] = vmlaq_n_s32(vmlaq_n_s32(s[j], DOT(vdupq_n_s32(0), q0, a0), s0), DOT(vdupq_n_s32(0), q1, a1), s1); \
            } \
        } \
        { \
            const float dw = llml__niq_scale(f, x); \
            LLML__UNROLL for (j = 0; j < TN; j++) \
                acc[j] += dw * llml__qb_q8k_d((const uint8_t *)yq[j] - 4) * (float)vaddvq_s32(s[j]); \
        } \
    } \
    LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os] = acc[j]; \
} \
ATTR LLML__NEONI void llml__##SFX##_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                  const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av; \
    const int64_t nb = n / 256; \
    int64_t r0, r, t; \
    for (r0 = 0; r0 < nr; r0 += LLML__NIQ_RC) { \
        const int64_t rn = LLML__MIN(LLML__NIQ_RC, nr - r0); \
        for (t = 0; t < nt; t += 4) { \
            const int64_t tn = LLML__MIN(4, nt - t); \
            const uint8_t *at = a + (size_t)t * as; \
            float *ot = out + (size_t)t * os; \
            for (r = r0; r < r0 + rn; r++) { \
                const uint8_t *wr = w + (size_t)r * ws; \
                switch (tn) { \
                case 4: llml__##SFX##_tile(f, 4, nb, wr, at, as, ot + r, os); break; \
                case 3: llml__##SFX##_tile(f, 3, nb, wr, at, as, ot + r, os); break; \
                case 2: llml__##SFX##_tile(f, 2, nb, wr, at, as, ot + r, os); break; \
                default: llml__##SFX##_tile(f, 1, nb, wr, at, as, ot + r, os); break; \
                } \
            } \
        } \
    } \
} \
LLML__NEON_IQ_MM(SFX, ATTR, iq2_xxs, LLML__NIQ_IQ2_XXS) \
LLML__NEON_IQ_MM(SFX, ATTR, iq2_xs, LLML__NIQ_IQ2_XS) \
LLML__NEON_IQ_MM(SFX, ATTR, iq2_s, LLML__NIQ_IQ2_S) \
LLML__NEON_IQ_MM(SFX, ATTR, iq3_xxs, LLML__NIQ_IQ3_XXS) \
LLML__NEON_IQ_MM(SFX, ATTR, iq3_s, LLML__NIQ_IQ3_S) \
LLML__NEON_IQ_MM(SFX, ATTR, iq1_s, LLML__NIQ_IQ1_S) \
LLML__NEON_IQ_MM(SFX, ATTR, iq1_m, LLML__NIQ_IQ1_M) \
LLML__NEON_IQ_MM(SFX, ATTR, tq1_0, LLML__NIQ_TQ1_0) \
LLML__NEON_IQ_MM(SFX, ATTR, tq2_0, LLML__NIQ_TQ2_0) \
static void llml__##SFX##_fill(llml__kern *k) { \
    k->mm[LLML_TYPE_IQ2_XXS] = llml__##SFX##_mm_iq2_xxs; \
    k->mm[LLML_TYPE_IQ2_XS] = llml__##SFX##_mm_iq2_xs; \
    k->mm[LLML_TYPE_IQ2_S] = llml__##SFX##_mm_iq2_s; \
    k->mm[LLML_TYPE_IQ3_XXS] = llml__##SFX##_mm_iq3_xxs; \
    k->mm[LLML_TYPE_IQ3_S] = llml__##SFX##_mm_iq3_s; \
    k->mm[LLML_TYPE_IQ1_S] = llml__##SFX##_mm_iq1_s; \
    k->mm[LLML_TYPE_IQ1_M] = llml__##SFX##_mm_iq1_m; \
    k->mm[LLML_TYPE_TQ1_0] = llml__##SFX##_mm_tq1_0; \
    k->mm[LLML_TYPE_TQ2_0] = llml__##SFX##_mm_tq2_0; \
}

#define LLML__NEON_IQ_MM(SFX, ATTR, name, F) \
ATTR static void llml__##SFX##_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                         const void *a, size_t as, int64_t nt, float *out, size_t os) { \
    (void)type; llml__##SFX##_mm(F, n, w, ws, nr, a, as, nt, out, os); \
}

LLML__NEON_IQ_KERNELS(neoniq, , llml__neon_dot_emul)
#if defined(LLML__ARM_DP)
LLML__NEON_IQ_KERNELS(neondpiq, LLML__DP_ATTR, llml__neon_dot_sdot)
#endif

static void llml__kern_fill_arm_iq(llml__kern *k, uint32_t isa) {
    if (!(isa & LLML__ISA_NEON)) return;
    llml__neoniq_fill(k);
#if defined(LLML__ARM_DP)
    if (isa & LLML__ISA_DOTPROD) llml__neondpiq_fill(k);
#endif
}

#endif /* LLML__ARM */
