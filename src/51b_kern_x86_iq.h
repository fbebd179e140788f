
/* ========================================================================== */
/* >>kern_avx2_iq  x86-64 AVX2 products of the IQ and ternary 256-formats      */
/* ========================================================================== */
/* IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, TQ1_0 and TQ2_0
   against Q8_K activations, in the way of the K-formats of >>kern_avx2
   (llml__avx2_fk_block): per 256-block an exact integer sum in a vector of
   8 int32, then one fused multiply-add by the block's float scale (the
   constant factors of the scalar reference, 1/8 or 1/4, go into that scale;
   they are powers of two, so only the accumulation order differs from the
   reference). One weight row at a time, against up to 4 activation rows
   (llml__avx2iq_tile): decoding the grids costs more than the products, so
   a prompt's rows share each decoded block; the weights go in chunks of
   LLML__MM_RC rows that stay in cache while the activation rows pass.

   Decoding, per group of 32 weights:
   - grid points (IQ2: 8 magnitudes in a u64, IQ3: 4 in a u32) come from
     scalar loads into 32 unsigned bytes (an AVX2 gather was slower for IQ3
     on the AMD machine measured); maddubs takes them against the
     activations with the signs moved onto the activations (|a| <= 127);
   - signs: where the 8th bit of a grid point's pattern is the parity of
     the 7 stored (IQ2_XXS, IQ2_XS, IQ3_XXS) a table of the 128 patterns as
     +-1 bytes (llml__iq2_ksign8) for _mm256_sign_epi8; where all 8 are
     stored (IQ2_S, IQ3_S) the 32-bit word expands to byte masks
     (llml__avx2iq_neg);
   - IQ1 grid keys (2 bits a coordinate, 0..2 for -1..+1) expand with two
     byte shuffles (llml__avx2iq_key4); IQ1_S sums c a with c = 0..2 and
     takes the -1 and the shift +-1/8 from the bsums; IQ1_M, whose shift
     sign is per 8 weights, multiplies a by 8 (c - 1) +- 1 directly;
   - TQ2_0 is Q2_K's 2-bit layout; TQ1_0's base-3 bytes give their trits
     as ((b 3^k) mod 256) 3 >> 8, in 16-bit multiplies (llml__avx2iq_trit).
     Both take the -1 of their codes from the bsums. */

#if defined(LLML__X86)

#define LLML__IQ_TQ2_0 0
#define LLML__IQ_IQ2_XXS 1
#define LLML__IQ_IQ3_XXS 2
#define LLML__IQ_IQ2_XS 3
#define LLML__IQ_IQ3_S 4
#define LLML__IQ_IQ2_S 5
#define LLML__IQ_IQ1_S 6
#define LLML__IQ_IQ1_M 7
#define LLML__IQ_TQ1_0 8

LLML__UNUSED static int llml__iq_bytes(int f) {
    static const int bytes[9] = { 66, 66, 98, 74, 110, 82, 50, 56, 54 };
    return bytes[f];
}


/* +-1 bytes of four 7-bit sign patterns (bits 0..27 of m). */
LLML__AVX2I __m256i llml__avx2iq_ks4(uint32_t m) {
    return _mm256_set_epi64x((long long)llml__iq2_ksign8[(m >> 21) & 127], (long long)llml__iq2_ksign8[(m >> 14) & 127],
                             (long long)llml__iq2_ksign8[(m >> 7) & 127], (long long)llml__iq2_ksign8[m & 127]);
}

/* Byte i of 32 = 0xff where bit i of s is set. */
LLML__AVX2I __m256i llml__avx2iq_neg(uint32_t s) {
    const __m256i sh = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                        2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bm = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)s), sh);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, bm), bm);
}

/* a negated where neg is 0xff. */
LLML__AVX2I __m256i llml__avx2iq_sgn(__m256i a, __m256i neg) {
    return _mm256_sub_epi8(_mm256_xor_si256(a, neg), neg);
}

/* Two IQ3 grid quads (entries i, j) as 8 bytes. */
LLML__AVX2I long long llml__avx2iq_g2(const uint32_t *grid, unsigned i, unsigned j) {
    return (long long)((uint64_t)grid[i] | (uint64_t)grid[j] << 32);
}

/* The int16 scale pair (s0 for elements 0..15, s1 for 16..31). */
LLML__AVX2I __m256i llml__avx2iq_s2(int s0, int s1) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16((short)s0)), _mm_set1_epi16((short)s1), 1);
}

/* The 16 odd scales 2 s + 1 of 8 bytes of 4-bit s (low nibble first) as
   int8, for llml__avx2_sc_pair. */
LLML__AVX2I __m128i llml__avx2iq_nib_scales(const uint8_t *p) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)p);
    const __m128i m = _mm_set1_epi8(0x0f);
    const __m128i s = _mm_unpacklo_epi8(_mm_and_si128(b, m), _mm_and_si128(_mm_srli_epi16(b, 4), m));
    return _mm_add_epi8(_mm_add_epi8(s, s), _mm_set1_epi8(1));
}

/* Four IQ1 grid keys (16 bits each, in k) -> 32 bytes T[c] of their 2-bit
   codes c (element j of key i at byte 8 i + j); T is a 16-entry table of
   which entries 0, 1|4, 2|8 are used. */
LLML__AVX2I __m256i llml__avx2iq_key4(uint64_t k, __m256i T) {
    const __m256i ctl = _mm256_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                         4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7);
    const __m256i m01 = _mm256_set1_epi32(0x00000c03), m23 = _mm256_set1_epi32(0x0c030000);
    const __m256i x = _mm256_shuffle_epi8(_mm256_set1_epi64x((long long)k), ctl);
    const __m256i c = _mm256_or_si256(_mm256_and_si256(x, m01), _mm256_and_si256(_mm256_srli_epi16(x, 4), m23));
    return _mm256_shuffle_epi8(T, c);
}

/* TQ1_0 trits: for 32 bytes v (and v & 0xff00 in v_hi), with the 16-bit
   lanes of p holding the power of 3 of both their bytes, the trits
   ((b p) mod 256) 3 >> 8 in bytes. */
LLML__AVX2I __m256i llml__avx2iq_trit(__m256i v, __m256i v_hi, __m256i p) {
    const __m256i lo = _mm256_and_si256(_mm256_mullo_epi16(v, p), _mm256_set1_epi16(0x00ff));
    const __m256i hi = _mm256_mullo_epi16(v_hi, p);
    const __m256i three = _mm256_set1_epi16(768);
    return _mm256_or_si256(_mm256_mulhi_epu16(lo, three),
                           _mm256_and_si256(_mm256_mulhi_epu16(hi, three), _mm256_set1_epi16((short)0xff00)));
}

/* One 256-block of weights x against the TN Q8_K blocks y[j]: integer sums
   into isum[j] (8 int32 each); returns the weight scale they go with
   (times 1/8 or 1/4). The weights are decoded once for all TN. */
LLML__AVX2I float llml__avx2iq_block(int f, int TN, const uint8_t *x, const uint8_t *const *y, __m256i *isum) {
    const __m256i ones = _mm256_set1_epi16(1);
    int g, j, k;
    LLML__UNROLL for (j = 0; j < TN; j++) isum[j] = _mm256_setzero_si256();
    switch (f) {
    case LLML__IQ_TQ2_0: {
        const __m256i m3 = _mm256_set1_epi8(3);
        __m256i p16[4];
        int h;
        LLML__UNROLL for (j = 0; j < TN; j++) p16[j] = _mm256_setzero_si256();
        LLML__UNROLL for (h = 0; h < 2; h++) {
            const __m256i qs = llml__avx2_ld(x + 32 * h);
            LLML__UNROLL for (k = 0; k < 4; k++) {
                const __m256i q = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * k), m3);
                LLML__UNROLL for (j = 0; j < TN; j++)
                    p16[j] = _mm256_add_epi16(p16[j], _mm256_maddubs_epi16(q, llml__avx2_ld(y[j] + 4 + 128 * h + 32 * k)));
            }
        }
        LLML__UNROLL for (j = 0; j < TN; j++)
            isum[j] = _mm256_sub_epi32(_mm256_madd_epi16(p16[j], ones), _mm256_madd_epi16(llml__avx2_ld(y[j] + 260), ones));
        return llml__avx2_h(x + 64);
    }
    case LLML__IQ_IQ2_XXS: case LLML__IQ_IQ3_XXS: {
        const int xxs2 = f == LLML__IQ_IQ2_XXS;
        LLML__UNROLL for (g = 0; g < 8; g++) {
            const uint32_t m = llml__rd32(x + (xxs2 ? 6 + 8 * g : 66 + 4 * g));
            const uint8_t *ix = x + 2 + 8 * g;
            const __m256i q = xxs2
                ? _mm256_set_epi64x((long long)llml__iq2_grid_xxs[ix[3]], (long long)llml__iq2_grid_xxs[ix[2]],
                                    (long long)llml__iq2_grid_xxs[ix[1]], (long long)llml__iq2_grid_xxs[ix[0]])
                : _mm256_set_epi64x(llml__avx2iq_g2(llml__iq3_xxs_grid, ix[6], ix[7]), llml__avx2iq_g2(llml__iq3_xxs_grid, ix[4], ix[5]),
                                    llml__avx2iq_g2(llml__iq3_xxs_grid, ix[2], ix[3]), llml__avx2iq_g2(llml__iq3_xxs_grid, ix[0], ix[1]));
            const __m256i s = llml__avx2iq_ks4(m), sc = _mm256_set1_epi16((short)(2 * (m >> 28) + 1));
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i a = _mm256_sign_epi8(llml__avx2_ld(y[j] + 4 + 32 * g), s);
                isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(_mm256_maddubs_epi16(q, a), sc));
            }
        }
        return (xxs2 ? 0.125f : 0.25f) * llml__avx2_h(x);
    }
    case LLML__IQ_IQ2_XS: {
        const __m128i sc8 = llml__avx2iq_nib_scales(x + 66);
        LLML__UNROLL for (g = 0; g < 8; g++) {
            const uint8_t *gp = x + 2 + 8 * g;
            const unsigned v0 = llml__rd16(gp), v1 = llml__rd16(gp + 2), v2 = llml__rd16(gp + 4), v3 = llml__rd16(gp + 6);
            const __m256i q = _mm256_set_epi64x((long long)llml__iq2_grid_xs[v3 & 511], (long long)llml__iq2_grid_xs[v2 & 511],
                                                (long long)llml__iq2_grid_xs[v1 & 511], (long long)llml__iq2_grid_xs[v0 & 511]);
            const __m256i s = _mm256_set_epi64x((long long)llml__iq2_ksign8[v3 >> 9], (long long)llml__iq2_ksign8[v2 >> 9],
                                                (long long)llml__iq2_ksign8[v1 >> 9], (long long)llml__iq2_ksign8[v0 >> 9]);
            const __m256i sc = llml__avx2_sc_pair(sc8, 2 * g);
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i a = _mm256_sign_epi8(llml__avx2_ld(y[j] + 4 + 32 * g), s);
                isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(_mm256_maddubs_epi16(q, a), sc));
            }
        }
        return 0.125f * llml__avx2_h(x);
    }
    case LLML__IQ_IQ3_S: case LLML__IQ_IQ2_S: {
        const int s3 = f == LLML__IQ_IQ3_S;
        const __m128i sc8 = s3 ? _mm_setzero_si128() : llml__avx2iq_nib_scales(x + 74);
        LLML__UNROLL for (g = 0; g < 8; g++) {
            __m256i q, sc;
            if (s3) {
                const uint8_t *lo = x + 2 + 8 * g;
                const unsigned qh = x[66 + g];
                q = _mm256_set_epi64x(llml__avx2iq_g2(llml__iq3_s_grid, lo[6] | (qh << 2 & 256u), lo[7] | (qh << 1 & 256u)),
                                      llml__avx2iq_g2(llml__iq3_s_grid, lo[4] | (qh << 4 & 256u), lo[5] | (qh << 3 & 256u)),
                                      llml__avx2iq_g2(llml__iq3_s_grid, lo[2] | (qh << 6 & 256u), lo[3] | (qh << 5 & 256u)),
                                      llml__avx2iq_g2(llml__iq3_s_grid, lo[0] | (qh << 8 & 256u), lo[1] | (qh << 7 & 256u)));
                sc = _mm256_set1_epi16((short)(2 * ((x[106 + (g >> 1)] >> (4 * (g & 1))) & 15) + 1));
            } else {
                const uint8_t *lo = x + 2 + 4 * g;
                const unsigned hi = x[66 + g];
                q = _mm256_set_epi64x((long long)llml__iq2_grid_s[lo[3] | (hi >> 6 & 3u) << 8],
                                      (long long)llml__iq2_grid_s[lo[2] | (hi >> 4 & 3u) << 8],
                                      (long long)llml__iq2_grid_s[lo[1] | (hi >> 2 & 3u) << 8],
                                      (long long)llml__iq2_grid_s[lo[0] | (hi & 3u) << 8]);
                sc = llml__avx2_sc_pair(sc8, 2 * g);
            }
            {
                const __m256i neg = llml__avx2iq_neg(llml__rd32(x + (s3 ? 74 : 34) + 4 * g));
                LLML__UNROLL for (j = 0; j < TN; j++) {
                    const __m256i a = llml__avx2iq_sgn(llml__avx2_ld(y[j] + 4 + 32 * g), neg);
                    isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(_mm256_maddubs_epi16(q, a), sc));
                }
            }
        }
        return (s3 ? 1.0f : 0.125f) * llml__avx2_h(x);
    }
    case LLML__IQ_IQ1_S: {
        /* 8 (sum c a - sum a +- sum a / 8) per group: 8 ls sum c a here, the
           rest (ls (-8 -+ 1) per group) against the bsums */
        const __m256i T = _mm256_setr_epi8(0, 1, 2, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                                           0, 1, 2, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0);
        const __m128i h = llml__avx2_ld128(x + 34);
        const __m128i ls = _mm_add_epi16(_mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(h, 12), _mm_set1_epi16(7)), 1), _mm_set1_epi16(1));
        const __m128i neg = _mm_srai_epi16(h, 15);
        const __m128i fc = _mm_sub_epi16(_mm_sub_epi16(_mm_xor_si128(ls, neg), neg), _mm_slli_epi16(ls, 3));
        const __m256i f16 = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi16(fc, fc)), _mm_unpackhi_epi16(fc, fc), 1);
        LLML__UNROLL for (j = 0; j < TN; j++) isum[j] = _mm256_madd_epi16(f16, llml__avx2_ld(y[j] + 260));
        LLML__UNROLL for (g = 0; g < 8; g++) {
            const unsigned hw = llml__rd16(x + 34 + 2 * g);
            const uint8_t *lo = x + 2 + 4 * g;
            const uint64_t key = (uint64_t)llml__iq1_grid[lo[0] | (hw & 7u) << 8] |
                                 (uint64_t)llml__iq1_grid[lo[1] | (hw >> 3 & 7u) << 8] << 16 |
                                 (uint64_t)llml__iq1_grid[lo[2] | (hw >> 6 & 7u) << 8] << 32 |
                                 (uint64_t)llml__iq1_grid[lo[3] | (hw >> 9 & 7u) << 8] << 48;
            const __m256i c = llml__avx2iq_key4(key, T);
            const __m256i sc = _mm256_set1_epi16((short)(8 * (2 * (int)(hw >> 12 & 7u) + 1)));
            LLML__UNROLL for (j = 0; j < TN; j++)
                isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(_mm256_maddubs_epi16(c, llml__avx2_ld(y[j] + 4 + 32 * g)), sc));
        }
        return 0.125f * llml__avx2_h(x);
    }
    case LLML__IQ_IQ1_M: {
        /* weights in units of dl / 8: 8 (c - 1) +- 1 */
        const __m256i T = _mm256_setr_epi8(-8, 0, 8, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0,
                                           -8, 0, 8, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0);
        const __m256i sctl = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
                                              2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        const __m256i nctl = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        const __m256i nbit = _mm256_setr_epi8(8, 8, 8, 8, 8, 8, 8, 8, -128, -128, -128, -128, -128, -128, -128, -128,
                                              8, 8, 8, 8, 8, 8, 8, 8, -128, -128, -128, -128, -128, -128, -128, -128);
        /* the 16 scales 2 l + 1 in int16 lanes: lane s from bits 3 (s % 4) of word s / 4 */
        const __m256i wctl = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3,
                                              4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7);
        const __m256i wsh = _mm256_setr_epi16(1 << 13, 1 << 10, 1 << 7, 1 << 4, 1 << 13, 1 << 10, 1 << 7, 1 << 4,
                                              1 << 13, 1 << 10, 1 << 7, 1 << 4, 1 << 13, 1 << 10, 1 << 7, 1 << 4);
        const uint64_t sw = (uint64_t)llml__rd32(x + 48) | (uint64_t)llml__rd32(x + 52) << 32;
        const __m256i w = _mm256_shuffle_epi8(_mm256_set1_epi64x((long long)sw), wctl);
        const __m256i l = _mm256_srli_epi16(_mm256_mullo_epi16(w, wsh), 13);
        const __m256i ls = _mm256_add_epi16(_mm256_add_epi16(l, l), ones);
        const uint16_t dh = (uint16_t)((sw >> 12 & 0xfu) | (sw >> 24 & 0xf0u) | (sw >> 36 & 0xf00u) | (sw >> 48 & 0xf000u));
        LLML__UNROLL for (g = 0; g < 8; g++) {
            const uint8_t *lo = x + 4 * g;
            const unsigned qh = llml__rd16(x + 32 + 2 * g);
            const uint64_t key = (uint64_t)llml__iq1_grid[lo[0] | (qh & 7u) << 8] |
                                 (uint64_t)llml__iq1_grid[lo[1] | (qh >> 4 & 7u) << 8] << 16 |
                                 (uint64_t)llml__iq1_grid[lo[2] | (qh >> 8 & 7u) << 8] << 32 |
                                 (uint64_t)llml__iq1_grid[lo[3] | (qh >> 12 & 7u) << 8] << 48;
            const __m256i nb = _mm256_shuffle_epi8(_mm256_set1_epi16((short)qh), nctl);
            const __m256i neg = _mm256_cmpeq_epi8(_mm256_and_si256(nb, nbit), nbit);
            const __m256i q = _mm256_add_epi8(llml__avx2iq_key4(key, T), _mm256_or_si256(neg, _mm256_set1_epi8(1)));
            const __m256i qa = _mm256_sign_epi8(q, q);
            const __m256i sc = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(ls, _mm256_set1_epi32(g)), sctl);
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i p = _mm256_maddubs_epi16(qa, _mm256_sign_epi8(llml__avx2_ld(y[j] + 4 + 32 * g), q));
                isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p, sc));
            }
        }
        return 0.125f * _cvtsh_ss(dh);
    }
    default: { /* TQ1_0 */
        const __m256i m8 = _mm256_set1_epi16((short)0xff00);
        const __m256i v = llml__avx2_ld(x), vh = _mm256_and_si256(v, m8);
        const __m256i w = _mm256_inserti128_si256(_mm256_castsi128_si256(llml__avx2_ld128(x + 32)),
                                                  _mm_set1_epi32((int)llml__rd32(x + 48)), 1);
        const __m256i wh = _mm256_and_si256(w, m8);
        const __m256i w2 = _mm256_broadcastsi128_si256(llml__avx2_ld128(x + 32)), w2h = _mm256_and_si256(w2, m8);
        __m256i p16[4], t;
        LLML__UNROLL for (j = 0; j < TN; j++) p16[j] = _mm256_setzero_si256();
        LLML__UNROLL for (k = 0; k < 8; k++) {
            /* trits of elements 32 k .. 32 k + 31 */
            switch (k) {
            case 0: t = llml__avx2iq_trit(v, vh, _mm256_set1_epi16(1)); break;
            case 1: t = llml__avx2iq_trit(v, vh, _mm256_set1_epi16(3)); break;
            case 2: t = llml__avx2iq_trit(v, vh, _mm256_set1_epi16(9)); break;
            case 3: t = llml__avx2iq_trit(v, vh, _mm256_set1_epi16(27)); break;
            case 4: t = llml__avx2iq_trit(v, vh, _mm256_set1_epi16(81)); break;
            case 5: t = llml__avx2iq_trit(w2, w2h, _mm256_setr_epi16(1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3)); break;
            case 6: t = llml__avx2iq_trit(w2, w2h, _mm256_setr_epi16(9, 9, 9, 9, 9, 9, 9, 9, 27, 27, 27, 27, 27, 27, 27, 27)); break;
            default: t = llml__avx2iq_trit(w, wh, _mm256_setr_epi16(81, 81, 81, 81, 81, 81, 81, 81, 1, 1, 3, 3, 9, 9, 27, 27)); break;
            }
            LLML__UNROLL for (j = 0; j < TN; j++)
                p16[j] = _mm256_add_epi16(p16[j], _mm256_maddubs_epi16(t, llml__avx2_ld(y[j] + 4 + 32 * k)));
        }
        LLML__UNROLL for (j = 0; j < TN; j++)
            isum[j] = _mm256_sub_epi32(_mm256_madd_epi16(p16[j], ones), _mm256_madd_epi16(llml__avx2_ld(y[j] + 260), ones));
        return llml__avx2_h(x + 52);
    }
    }
}

/* TN activation rows (a, a + as, ...) against one weight row w. */
LLML__AVX2I void llml__avx2iq_tile(int f, int TN, int64_t nb, const uint8_t *w, const uint8_t *a, size_t as,
                                   float *out, size_t os) {
    const size_t bs = (size_t)llml__iq_bytes(f);
    __m256 acc[4];
    __m256i isum[4];
    const uint8_t *y[4];
    int j;
    int64_t b;
    LLML__UNROLL for (j = 0; j < TN; j++) acc[j] = _mm256_setzero_ps();
    for (b = 0; b < nb; b++) {
        float dw;
        LLML__UNROLL for (j = 0; j < TN; j++) y[j] = a + (size_t)j * as + (size_t)b * 292;
        dw = llml__avx2iq_block(f, TN, w + (size_t)b * bs, y, isum);
        LLML__UNROLL for (j = 0; j < TN; j++)
            acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(dw * llml__qb_q8k_d(y[j])), acc[j]);
    }
    LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os] = llml__avx2_hsum(acc[j]);
}

/* Weight rows in chunks of LLML__MM_RC; activation rows 4 at a time. */
LLML__AVX2I void llml__avx2iq_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                 const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const int64_t nb = n / 256;
    int64_t r0, r, t;
    for (r0 = 0; r0 < nr; r0 += LLML__MM_RC) {
        const int64_t rn = LLML__MIN(LLML__MM_RC, nr - r0);
        for (t = 0; t < nt; t += 4) {
            const int64_t tn = LLML__MIN(4, nt - t);
            const uint8_t *at = a + (size_t)t * as;
            float *ot = out + (size_t)t * os;
            for (r = r0; r < r0 + rn; r++) {
                const uint8_t *wr = w + (size_t)r * ws;
                switch (tn) {
                case 4: llml__avx2iq_tile(f, 4, nb, wr, at, as, ot + r, os); break;
                case 3: llml__avx2iq_tile(f, 3, nb, wr, at, as, ot + r, os); break;
                case 2: llml__avx2iq_tile(f, 2, nb, wr, at, as, ot + r, os); break;
                default: llml__avx2iq_tile(f, 1, nb, wr, at, as, ot + r, os); break;
                }
            }
        }
    }
}

#define LLML__AVX2_IQ(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2iq_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_IQ(tq2_0, LLML__IQ_TQ2_0)
LLML__AVX2_IQ(iq2_xxs, LLML__IQ_IQ2_XXS)
LLML__AVX2_IQ(iq3_xxs, LLML__IQ_IQ3_XXS)
LLML__AVX2_IQ(iq2_xs, LLML__IQ_IQ2_XS)
LLML__AVX2_IQ(iq3_s, LLML__IQ_IQ3_S)
LLML__AVX2_IQ(iq2_s, LLML__IQ_IQ2_S)
LLML__AVX2_IQ(iq1_s, LLML__IQ_IQ1_S)
LLML__AVX2_IQ(iq1_m, LLML__IQ_IQ1_M)
LLML__AVX2_IQ(tq1_0, LLML__IQ_TQ1_0)

static void llml__kern_fill_x86_iq(llml__kern *k) {
    k->mm[LLML_TYPE_TQ2_0] = llml__avx2_mm_tq2_0;
    k->mm[LLML_TYPE_IQ2_XXS] = llml__avx2_mm_iq2_xxs;
    k->mm[LLML_TYPE_IQ3_XXS] = llml__avx2_mm_iq3_xxs;
    k->mm[LLML_TYPE_IQ2_XS] = llml__avx2_mm_iq2_xs;
    k->mm[LLML_TYPE_IQ3_S] = llml__avx2_mm_iq3_s;
    k->mm[LLML_TYPE_IQ2_S] = llml__avx2_mm_iq2_s;
    k->mm[LLML_TYPE_IQ1_S] = llml__avx2_mm_iq1_s;
    k->mm[LLML_TYPE_IQ1_M] = llml__avx2_mm_iq1_m;
    k->mm[LLML_TYPE_TQ1_0] = llml__avx2_mm_tq1_0;
}

#endif /* LLML__X86 */
