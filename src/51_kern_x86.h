
/* ========================================================================== */
/* >>kern_avx2  x86-64 AVX2 + FMA + F16C kernels                               */
/* ========================================================================== */
/* Every function here carries its own target attribute, so a build with the
   default flags contains them and llml__kern_init picks them only when the
   CPU has the instructions. The quantized products follow the scalar
   reference: integer dot products per block (or sub-block) are exact, and
   only the float accumulation differs in order (and by fused multiply-adds).
   Matrix-vector work streams each weight row once. Q4_0, Q5_0, Q8_0,
   IQ4_NL, Q4_K and Q6_K have a register-blocked integer GEMM for prompts and
   matrix-vector kernels in its arithmetic (8 rows at a time, the same bits
   as the GEMM and as the AVX-512 level), further down in this section; the
   other formats go one row at a time (the 4- and 5-bit 32-formats 8 blocks
   per step, llml__avx2_f32b_mv; the 256-formats one block per step) and,
   with several activation rows, in chunks of LLML__MM_RC weight rows that
   stay in cache while every activation row passes over them. */

#if defined(LLML__X86)

#define LLML__AVX2 __attribute__((target("avx2,fma,f16c")))
/* Weight rows per chunk when several activation rows share them. */
#define LLML__MM_RC 64
#define LLML__AVX2I static inline __attribute__((always_inline, target("avx2,fma,f16c")))

LLML__AVX2I float llml__avx2_h(const uint8_t *p) { return _cvtsh_ss(llml__rd16(p)); }

LLML__AVX2I float llml__avx2_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
LLML__AVX2I float llml__avx2_hsum128(__m128 s) {
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

LLML__AVX2I __m256i llml__avx2_ld(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
LLML__AVX2I __m128i llml__avx2_ld128(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }

/* 16 packed nibbles -> 32 bytes: low nibbles first, then the high ones. */
LLML__AVX2I __m256i llml__avx2_nib(__m128i v) {
    __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(v), _mm_srli_epi16(v, 4), 1);
    return _mm256_and_si256(q, _mm256_set1_epi8(0x0f));
}

/* Bit i of a 32-bit word -> 0x10 in byte i. */
LLML__AVX2I __m256i llml__avx2_bit5(uint32_t h) {
    const __m256i sh = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                        2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bm = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h), sh);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bm), bm);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* The 16 levels of iq4_nl / iq4_xs in both lanes. */
LLML__AVX2I __m256i llml__avx2_kvalues(void) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)llml__qb_kvalues));
}

/* One 32-block of weights as 32 int8 codes: signed values for the symmetric
   formats, unsigned q for the affine ones. */
LLML__AVX2I __m256i llml__avx2_dec32(int f, const uint8_t *x) {
    switch (f) {
    case LLML__F32B_Q8_0: return llml__avx2_ld(x + 2);
    case LLML__F32B_Q4_0: return _mm256_sub_epi8(llml__avx2_nib(llml__avx2_ld128(x + 2)), _mm256_set1_epi8(8));
    case LLML__F32B_IQ4_NL: return _mm256_shuffle_epi8(llml__avx2_kvalues(), llml__avx2_nib(llml__avx2_ld128(x + 2)));
    case LLML__F32B_Q4_1: return llml__avx2_nib(llml__avx2_ld128(x + 4));
    case LLML__F32B_Q5_0:
        return _mm256_sub_epi8(_mm256_or_si256(llml__avx2_nib(llml__avx2_ld128(x + 6)), llml__avx2_bit5(llml__rd32(x + 2))),
                               _mm256_set1_epi8(16));
    default:
        return _mm256_or_si256(llml__avx2_nib(llml__avx2_ld128(x + 8)), llml__avx2_bit5(llml__rd32(x + 4)));
    }
}

/* Signed x signed bytes -> 16 int16 pair sums (|w|, |a| <= 128, 127). */
LLML__AVX2I __m256i llml__avx2_dot_ss(__m256i wabs, __m256i w, __m256i a) {
    return _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(a, w));
}

/* Tile: RM weight rows x TN activation rows over nb blocks. */
LLML__AVX2I void llml__avx2_f32b_tile(int f, int RM, int TN, int64_t nb,
                                      const uint8_t *w, size_t ws, const uint8_t *a, size_t as,
                                      float *out, size_t os) {
    const int bs = llml__f32b_bytes(f), aff = llml__f32b_affine(f);
    const int abs_ = aff ? 36 : 34, aq = aff ? 4 : 2;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[4][4];
    float mac[4][4];
    int i, j;
    int64_t b;
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) { acc[i][j] = _mm256_setzero_ps(); mac[i][j] = 0.0f; }
    }
    for (b = 0; b < nb; b++) {
        __m256i wq[4], wa[4];
        float dw[4], mw[4];
        LLML__UNROLL for (i = 0; i < RM; i++) {
            const uint8_t *x = w + (size_t)i * ws + (size_t)b * (size_t)bs;
            wq[i] = llml__avx2_dec32(f, x);
            wa[i] = aff ? wq[i] : _mm256_sign_epi8(wq[i], wq[i]);
            dw[i] = llml__avx2_h(x);
            mw[i] = aff ? llml__avx2_h(x + 2) : 0.0f;
        }
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const uint8_t *y = a + (size_t)j * as + (size_t)b * (size_t)abs_;
            const __m256i av = llml__avx2_ld(y + aq);
            const float da = llml__avx2_h(y), sa = aff ? llml__avx2_h(y + 2) : 0.0f;
            LLML__UNROLL for (i = 0; i < RM; i++) {
                __m256i p = aff ? _mm256_maddubs_epi16(wq[i], av) : llml__avx2_dot_ss(wa[i], wq[i], av);
                p = _mm256_madd_epi16(p, ones);
                acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw[i] * da), acc[i][j]);
                if (aff) mac[i][j] += mw[i] * sa;
            }
        }
    }
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os + (size_t)i] = llml__avx2_hsum(acc[i][j]) + mac[i][j];
    }
}

/* Matrix-vector products of the 4- and 5-bit 32-formats, one weight row at a
   time, 8 blocks per step. The activation row is first copied (a chunk of
   LLML__MV_KC blocks at a time, on the stack) into pair order: for blocks
   b, b + 1 the 64 bytes a_b[0..15] a_b1[0..15] a_b[16..31] a_b1[16..31], so
   that 16 packed bytes of two weight blocks decode with one shift into the
   same order. The 8 block sums come out of three horizontal adds in the
   order 0 2 4 6 1 3 5 7; the per-block activation scales (and the offset
   and min terms) are stored in that order too, and the weight scales are
   gathered into it. */
#define LLML__MV_KC 128

typedef struct {
    int8_t qs[LLML__MV_KC * 32];
    float da[LLML__MV_KC];     /* activation scale per block (permuted by 8)  */
    float db[LLML__MV_KC];     /* offset term: off * d_a * sum(a), or s_a      */
} llml__mv_act;

static int llml__mv_perm(int b) { /* position of block b in its group of 8 */
    static const int p[8] = { 0, 4, 1, 5, 2, 6, 3, 7 };
    return (b & ~7) | p[b & 7];
}

/* Copy nb (<= LLML__MV_KC) blocks of Q8_0 / Q8_1 activations into pair order. */
static void llml__mv_prep(int f, const uint8_t *y, int64_t nb, llml__mv_act *m) {
    const int aff = llml__f32b_affine(f), abs_ = aff ? 36 : 34, aq = aff ? 4 : 2;
    const int off = f == LLML__F32B_Q4_0 ? 8 : f == LLML__F32B_Q5_0 ? 16 : 0;
    int64_t b;
    for (b = 0; b < nb; b++) {
        const uint8_t *yb = y + b * abs_;
        int8_t *dst = m->qs + (b >> 1) * 64 + (b & 1) * 16;
        const float da = llml_fp16_to_fp32(llml__rd16(yb));
        int sum = 0, j;
        memcpy(dst, yb + aq, 16);
        memcpy(dst + 32, yb + aq + 16, 16);
        for (j = 0; j < 32; j++) sum += (int8_t)yb[aq + j];
        m->da[llml__mv_perm((int)b)] = da;
        m->db[llml__mv_perm((int)b)] = aff ? llml_fp16_to_fp32(llml__rd16(yb + 2)) : (float)off * da * (float)sum;
    }
}

/* Two weight blocks in pair order: lo = low halves, hi = high halves, as
   unsigned codes (Q4_0 / Q5_0 / Q4_1 / Q5_1) or signed levels (IQ4_NL). */
LLML__AVX2I void llml__avx2_dec_pair(int f, const uint8_t *x0, const uint8_t *x1, __m256i *lo, __m256i *hi) {
    const int qo = f == LLML__F32B_Q5_0 ? 6 : f == LLML__F32B_Q4_1 ? 4 : f == LLML__F32B_Q5_1 ? 8 : 2;
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(llml__avx2_ld128(x0 + qo)), llml__avx2_ld128(x1 + qo), 1);
    *lo = _mm256_and_si256(v, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    if (f == LLML__F32B_Q5_0 || f == LLML__F32B_Q5_1) {
        const int ho = f == LLML__F32B_Q5_0 ? 2 : 4;
        const uint32_t h0 = llml__rd32(x0 + ho), h1 = llml__rd32(x1 + ho);
        *lo = _mm256_or_si256(*lo, llml__avx2_bit5((h0 & 0xffffu) | (h1 << 16)));
        *hi = _mm256_or_si256(*hi, llml__avx2_bit5((h0 >> 16) | (h1 & 0xffff0000u)));
    }
    if (f == LLML__F32B_IQ4_NL) {
        const __m256i kv = llml__avx2_kvalues();
        *lo = _mm256_shuffle_epi8(kv, *lo);
        *hi = _mm256_shuffle_epi8(kv, *hi);
    }
}

/* Pair sums of two weight blocks against pair-ordered activations: 8 int32,
   lanes 0-3 block b, 4-7 block b + 1. */
LLML__AVX2I __m256i llml__avx2_pair_dot(int f, __m256i lo, __m256i hi, const int8_t *a) {
    const __m256i a0 = _mm256_loadu_si256((const __m256i *)(const void *)a);
    const __m256i a1 = _mm256_loadu_si256((const __m256i *)(const void *)(a + 32));
    const __m256i ones = _mm256_set1_epi16(1);
    if (f == LLML__F32B_IQ4_NL) /* pair sums up to 2 * 127 * 127: widen before adding */
        return _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(lo, lo), _mm256_sign_epi8(a0, lo)), ones),
                                _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(hi, hi), _mm256_sign_epi8(a1, hi)), ones));
    /* unsigned codes <= 31: pair sums <= 7874, two of them fit int16 */
    return _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(lo, a0), _mm256_maddubs_epi16(hi, a1)), ones);
}

/* 8 fp16 fields at x + at + k * bs, in the order 0 2 4 6 1 3 5 7. */
LLML__AVX2I __m256 llml__avx2_gather_h8(const uint8_t *x, int bs, int at) {
    const uint8_t *p = x + at;
    return _mm256_cvtph_ps(_mm_setr_epi16((short)llml__rd16(p), (short)llml__rd16(p + 2 * bs), (short)llml__rd16(p + 4 * bs),
                                          (short)llml__rd16(p + 6 * bs), (short)llml__rd16(p + bs), (short)llml__rd16(p + 3 * bs),
                                          (short)llml__rd16(p + 5 * bs), (short)llml__rd16(p + 7 * bs)));
}

LLML__AVX2I void llml__avx2_f32b_mv(int f, int64_t nb, const uint8_t *w, size_t ws, int64_t nr,
                                    const uint8_t *y, float *out) {
    const int bs = llml__f32b_bytes(f), aff = llml__f32b_affine(f), abs_ = aff ? 36 : 34;
    const int has_db = aff || f == LLML__F32B_Q4_0 || f == LLML__F32B_Q5_0;
    llml__mv_act m;
    int64_t c0, r;
    for (c0 = 0; c0 < nb; c0 += LLML__MV_KC) {
        const int64_t cn = LLML__MIN(LLML__MV_KC, nb - c0), ng = cn / 8;
        llml__mv_prep(f, y + c0 * abs_, cn, &m);
        for (r = 0; r < nr; r++) {
            const uint8_t *x = w + (size_t)r * ws + (size_t)c0 * (size_t)bs;
            __m256 acc = _mm256_setzero_ps(), acb = _mm256_setzero_ps();
            float tail = 0.0f;
            int64_t g, b;
            for (g = 0; g < ng; g++, x += 8 * bs) {
                __m256i s[4], lo, hi;
                __m256 dw;
                int k;
                LLML__UNROLL for (k = 0; k < 4; k++) {
                    llml__avx2_dec_pair(f, x + 2 * k * bs, x + (2 * k + 1) * bs, &lo, &hi);
                    s[k] = llml__avx2_pair_dot(f, lo, hi, m.qs + (g * 4 + k) * 64);
                }
                s[0] = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
                dw = llml__avx2_gather_h8(x, bs, 0);
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[0]), _mm256_mul_ps(dw, _mm256_loadu_ps(m.da + g * 8)), acc);
                if (aff) acb = _mm256_fmadd_ps(llml__avx2_gather_h8(x, bs, 2), _mm256_loadu_ps(m.db + g * 8), acb);
                else if (has_db) acb = _mm256_fmadd_ps(dw, _mm256_loadu_ps(m.db + g * 8), acb);
            }
            for (b = ng * 8; b < cn; b++, x += bs) { /* last blocks one by one */
                const uint8_t *yb = y + (c0 + b) * abs_;
                const __m256i q = llml__avx2_dec32(f, x);
                const __m256i a = llml__avx2_ld(yb + (aff ? 4 : 2));
                const __m256i p = aff ? _mm256_maddubs_epi16(q, a) : llml__avx2_dot_ss(_mm256_sign_epi8(q, q), q, a);
                tail += llml__avx2_hsum(_mm256_cvtepi32_ps(_mm256_madd_epi16(p, _mm256_set1_epi16(1)))) *
                        (llml__avx2_h(x) * llml__avx2_h(yb));
                if (aff) tail += llml__avx2_h(x + 2) * llml__avx2_h(yb + 2);
            }
            {
                const float v = llml__avx2_hsum(acc) + (aff ? llml__avx2_hsum(acb) : -llml__avx2_hsum(acb)) + tail;
                out[r] = c0 == 0 ? v : out[r] + v;
            }
        }
    }
}

LLML__AVX2I void llml__avx2_f32b_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                    const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const int64_t nb = n / 32;
    /* Several activation rows: the weights in chunks of LLML__MM_RC rows,
       each chunk multiplied by every activation row while it is in cache. */
    int64_t r0, r, t;
    if (nt == 1 && f != LLML__F32B_Q8_0) {   /* one activation row: prepared once for all rows */
        llml__avx2_f32b_mv(f, nb, w, ws, nr, a, out);
        return;
    }
    for (r0 = 0; r0 < nr; r0 += LLML__MM_RC) {
        const int64_t rn = LLML__MIN(LLML__MM_RC, nr - r0);
        for (t = 0; t < nt; t++) {
            const uint8_t *wr = w + (size_t)r0 * ws, *at = a + (size_t)t * as;
            float *o = out + (size_t)t * os + (size_t)r0;
            if (f != LLML__F32B_Q8_0) { llml__avx2_f32b_mv(f, nb, wr, ws, rn, at, o); continue; }
            for (r = 0; r + 4 <= rn; r += 4) llml__avx2_f32b_tile(f, 4, 1, nb, wr + (size_t)r * ws, ws, at, as, o + r, os);
            for (; r < rn; r++) llml__avx2_f32b_tile(f, 1, 1, nb, wr + (size_t)r * ws, ws, at, as, o + r, os);
        }
    }
}

#define LLML__AVX2_F32B(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_f32b_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_F32B(q4_1, LLML__F32B_Q4_1)
LLML__AVX2_F32B(q5_1, LLML__F32B_Q5_1)

/* ---- 256-element formats (Q8_K activations) ------------------------------- */

LLML__AVX2I __m256i llml__avx2_madd_s16(__m256i p, int s) { return _mm256_madd_epi16(p, _mm256_set1_epi16((short)s)); }

/* 16 int8 group scales: the pair (g, g + 1) as 16 int16 (low lane g). */
LLML__AVX2I __m256i llml__avx2_sc_pair(__m128i sc8, int g) {
    const __m128i ctl = _mm_setr_epi8((char)g, (char)g, (char)g, (char)g, (char)g, (char)g, (char)g, (char)g,
                                      (char)(g + 1), (char)(g + 1), (char)(g + 1), (char)(g + 1),
                                      (char)(g + 1), (char)(g + 1), (char)(g + 1), (char)(g + 1));
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, ctl));
}

/* Q3_K's 16 signed 6-bit scales as int8. */
LLML__AVX2I __m128i llml__avx2_q3_scales(const uint8_t *b) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    const uint32_t s0 = (w0 & 0x0f0f0f0fu) | ((w2 << 4) & 0x30303030u);
    const uint32_t s1 = (w1 & 0x0f0f0f0fu) | ((w2 << 2) & 0x30303030u);
    const uint32_t s2 = ((w0 >> 4) & 0x0f0f0f0fu) | (w2 & 0x30303030u);
    const uint32_t s3 = ((w1 >> 4) & 0x0f0f0f0fu) | ((w2 >> 2) & 0x30303030u);
    return _mm_sub_epi8(_mm_setr_epi32((int)s0, (int)s1, (int)s2, (int)s3), _mm_set1_epi8(32));
}

/* Q4_K / Q5_K: 8 scales (bytes 0-7) and 8 mins (bytes 8-15). */
LLML__AVX2I __m128i llml__avx2_k4_scales(const uint8_t *b) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    const uint32_t sl = w0 & 0x3f3f3f3fu, sh = (w2 & 0x0f0f0f0fu) | ((w0 >> 2) & 0x30303030u);
    const uint32_t ml = w1 & 0x3f3f3f3fu, mh = ((w2 >> 4) & 0x0f0f0f0fu) | ((w1 >> 2) & 0x30303030u);
    return _mm_setr_epi32((int)sl, (int)sh, (int)ml, (int)mh);
}

/* One 256-block of row x against TN Q8_K blocks y[j]: integer sums into
   isum[j] (scaled by the block's d in acc[j]) and min terms into mac[j]. */
LLML__AVX2I void llml__avx2_fk_block(int f, int TN, const uint8_t *x, const uint8_t *const *y,
                                     __m256 *acc, __m128 *mac) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), m3 = _mm256_set1_epi8(3);
    __m256i isum[4];
    float d = 0.0f, dmin = 0.0f;
    int j, c, k, h;
    LLML__UNROLL for (j = 0; j < TN; j++) isum[j] = _mm256_setzero_si256();
    switch (f) {
    case LLML__FK_Q2_K: {
        const __m128i sb = llml__avx2_ld128(x);
        const __m128i sc8 = _mm_and_si128(sb, _mm_set1_epi8(0x0f));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sb, 4), _mm_set1_epi8(0x0f)));
        d = llml__avx2_h(x + 80); dmin = llml__avx2_h(x + 82);
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const __m256i ms = _mm256_madd_epi16(mins, llml__avx2_ld(y[j] + 260));
            const __m128 m = _mm_cvtepi32_ps(_mm_add_epi32(_mm256_castsi256_si128(ms), _mm256_extracti128_si256(ms, 1)));
            mac[j] = _mm_fnmadd_ps(m, _mm_set1_ps(dmin * llml__qb_q8k_d(y[j])), mac[j]);
        }
        LLML__UNROLL for (h = 0; h < 2; h++) {
            const __m256i qs = llml__avx2_ld(x + 16 + 32 * h);
            LLML__UNROLL for (k = 0; k < 4; k++) {
                const __m256i q = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * k), m3);
                const __m256i sc = llml__avx2_sc_pair(sc8, 8 * h + 2 * k);
                LLML__UNROLL for (j = 0; j < TN; j++) {
                    const __m256i p = _mm256_maddubs_epi16(q, llml__avx2_ld(y[j] + 4 + 128 * h + 32 * k));
                    isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p, sc));
                }
            }
        }
        break;
    }
    case LLML__FK_Q3_K: case LLML__FK_Q6_K: {
        /* unsigned codes u (q = u - off): sum sc q a = sum sc u a - off sum sc bsum */
        const __m128i sc8 = f == LLML__FK_Q3_K ? llml__avx2_q3_scales(x + 96) : llml__avx2_ld128(x + 192);
        const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
        const int off_shift = f == LLML__FK_Q3_K ? 2 : 5;
        d = llml__avx2_h(x + (f == LLML__FK_Q3_K ? 108 : 208));
        LLML__UNROLL for (j = 0; j < TN; j++)
            isum[j] = _mm256_slli_epi32(_mm256_madd_epi16(sc16, llml__avx2_ld(y[j] + 260)), off_shift);
        LLML__UNROLL for (j = 0; j < TN; j++) isum[j] = _mm256_sub_epi32(_mm256_setzero_si256(), isum[j]);
        LLML__UNROLL for (h = 0; h < 2; h++) {
            __m256i qs, ql0 = _mm256_setzero_si256(), ql1 = _mm256_setzero_si256(), qh;
            if (f == LLML__FK_Q3_K) { qs = llml__avx2_ld(x + 32 + 32 * h); qh = llml__avx2_ld(x); }
            else { qs = _mm256_setzero_si256(); ql0 = llml__avx2_ld(x + 64 * h); ql1 = llml__avx2_ld(x + 64 * h + 32); qh = llml__avx2_ld(x + 128 + 32 * h); }
            LLML__UNROLL for (k = 0; k < 4; k++) {
                __m256i q;
                if (f == LLML__FK_Q3_K) {
                    const int bit = 4 * h + k;
                    q = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * k), m3);
                    q = _mm256_or_si256(q, _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, bit), 2), _mm256_set1_epi8(4)));
                } else {
                    const __m256i lo = k == 0 ? _mm256_and_si256(ql0, m4) : k == 1 ? _mm256_and_si256(ql1, m4)
                                     : k == 2 ? _mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4)
                                              : _mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4);
                    const __m256i hb = k == 0 ? _mm256_slli_epi16(qh, 4) : k == 1 ? _mm256_slli_epi16(qh, 2)
                                     : k == 2 ? qh : _mm256_srli_epi16(qh, 2);
                    q = _mm256_or_si256(lo, _mm256_and_si256(hb, _mm256_set1_epi8(0x30)));
                }
                {
                    const __m256i sc = llml__avx2_sc_pair(sc8, 8 * h + 2 * k);
                    LLML__UNROLL for (j = 0; j < TN; j++) {
                        const __m256i p = _mm256_maddubs_epi16(q, llml__avx2_ld(y[j] + 4 + 128 * h + 32 * k));
                        isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p, sc));
                    }
                }
            }
        }
        break;
    }
    case LLML__FK_Q4_K: case LLML__FK_Q5_K: {
        const __m128i s = llml__avx2_k4_scales(x + 4);
        const __m128i mins = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(s, s));
        const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(s));
        const int q5 = f == LLML__FK_Q5_K;
        const __m256i qh = q5 ? llml__avx2_ld(x + 16) : _mm256_setzero_si256();
        d = llml__avx2_h(x); dmin = llml__avx2_h(x + 2);
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const __m256i bs = llml__avx2_ld(y[j] + 260);
            const __m128i q8s = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
            const __m128 m = _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s));
            mac[j] = _mm_fnmadd_ps(m, _mm_set1_ps(dmin * llml__qb_q8k_d(y[j])), mac[j]);
        }
        LLML__UNROLL for (c = 0; c < 4; c++) {
            const __m256i qs = llml__avx2_ld(x + (q5 ? 48 : 16) + 32 * c);
            __m256i lo = _mm256_and_si256(qs, m4), hi = _mm256_and_si256(_mm256_srli_epi16(qs, 4), m4);
            /* broadcast int16 scale g into every lane */
            const __m256i sl = _mm256_shuffle_epi8(sc16, _mm256_set1_epi16((short)((4 * c + 1) << 8 | (4 * c))));
            const __m256i sh = _mm256_shuffle_epi8(sc16, _mm256_set1_epi16((short)((4 * c + 3) << 8 | (4 * c + 2))));
            if (q5) {
                const __m256i hc = _mm256_srli_epi16(qh, 2 * c), b5 = _mm256_set1_epi8(0x10);
                lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(hc, 4), b5));
                hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(hc, 3), b5));
            }
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i p0 = _mm256_maddubs_epi16(lo, llml__avx2_ld(y[j] + 4 + 64 * c));
                const __m256i p1 = _mm256_maddubs_epi16(hi, llml__avx2_ld(y[j] + 4 + 64 * c + 32));
                isum[j] = _mm256_add_epi32(isum[j], _mm256_add_epi32(_mm256_madd_epi16(p0, sl), _mm256_madd_epi16(p1, sh)));
            }
        }
        break;
    }
    default: { /* IQ4_XS */
        const __m256i kv = llml__avx2_kvalues();
        const unsigned sh = llml__rd16(x + 2);
        int g;
        d = llml__avx2_h(x);
        LLML__UNROLL for (g = 0; g < 8; g++) {
            const int ls = (((x[4 + g / 2] >> (4 * (g % 2))) & 15) | (int)(((sh >> (2 * g)) & 3) << 4)) - 32;
            const __m256i q = _mm256_shuffle_epi8(kv, llml__avx2_nib(llml__avx2_ld128(x + 8 + 16 * g)));
            const __m256i qa = _mm256_sign_epi8(q, q);
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i p = llml__avx2_dot_ss(qa, q, llml__avx2_ld(y[j] + 4 + 32 * g));
                isum[j] = _mm256_add_epi32(isum[j], llml__avx2_madd_s16(p, ls));
            }
        }
        break;
    }
    }
    LLML__UNROLL for (j = 0; j < TN; j++)
        acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(d * llml__qb_q8k_d(y[j])), acc[j]);
}

LLML__AVX2I void llml__avx2_fk_tile(int f, int TN, int64_t nb, const uint8_t *w, const uint8_t *a, size_t as,
                                    float *out, size_t os) {
    const size_t bs = (size_t)llml__fk_bytes(f);
    __m256 acc[4];
    __m128 mac[4];
    const uint8_t *y[4];
    int j;
    int64_t b;
    LLML__UNROLL for (j = 0; j < TN; j++) { acc[j] = _mm256_setzero_ps(); mac[j] = _mm_setzero_ps(); }
    for (b = 0; b < nb; b++) {
        LLML__UNROLL for (j = 0; j < TN; j++) y[j] = a + (size_t)j * as + (size_t)b * 292;
        llml__avx2_fk_block(f, TN, w + (size_t)b * bs, y, acc, mac);
    }
    LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os] = llml__avx2_hsum(acc[j]) + llml__avx2_hsum128(mac[j]);
}

LLML__AVX2I void llml__avx2_fk_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                  const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const int64_t nb = n / 256;
    int64_t r0, r, t;
    for (r0 = 0; r0 < nr; r0 += LLML__MM_RC) {
        const int64_t rn = LLML__MIN(LLML__MM_RC, nr - r0);
        for (t = 0; t < nt; t++)
            for (r = r0; r < r0 + rn; r++)
                llml__avx2_fk_tile(f, 1, nb, w + (size_t)r * ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
    }
}

#define LLML__AVX2_FK(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_fk_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_FK(q2_k, LLML__FK_Q2_K)
LLML__AVX2_FK(q3_k, LLML__FK_Q3_K)
LLML__AVX2_FK(q5_k, LLML__FK_Q5_K)
LLML__AVX2_FK(iq4_xs, LLML__FK_IQ4_XS)

/* ---- float formats: F32, F16, BF16 ---------------------------------------- */

LLML__AVX2I __m256 llml__avx2_ldf(int f, const uint8_t *p) {
    switch (f) {
    case LLML__FF_F32: return _mm256_loadu_ps((const float *)(const void *)p);
    case LLML__FF_F16: return _mm256_cvtph_ps(llml__avx2_ld128(p));
    default: return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(llml__avx2_ld128(p)), 16));
    }
}
LLML__AVX2I void llml__avx2_ff_tile(int f, int RM, int TN, int64_t n, const uint8_t *w, size_t ws,
                                    const uint8_t *a, size_t as, float *out, size_t os) {
    const size_t es = f == LLML__FF_F32 ? 4 : 2;
    __m256 acc[4][3];
    int i, j;
    int64_t e;
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) acc[i][j] = _mm256_setzero_ps();
    }
    for (e = 0; e + 8 <= n; e += 8) {
        __m256 wv[4];
        LLML__UNROLL for (i = 0; i < RM; i++) wv[i] = llml__avx2_ldf(f, w + (size_t)i * ws + (size_t)e * es);
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const __m256 av = llml__avx2_ldf(f, a + (size_t)j * as + (size_t)e * es);
            LLML__UNROLL for (i = 0; i < RM; i++) acc[i][j] = _mm256_fmadd_ps(wv[i], av, acc[i][j]);
        }
    }
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) {
            float s = llml__avx2_hsum(acc[i][j]);
            int64_t k;
            for (k = e; k < n; k++) s += llml__ff_get(f, w + (size_t)i * ws, k) * llml__ff_get(f, a + (size_t)j * as, k);
            out[(size_t)j * os + (size_t)i] = s;
        }
    }
}

LLML__AVX2I void llml__avx2_ff_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                  const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    int64_t r, t;
    for (r = 0; r + 4 <= nr; r += 4) {
        for (t = 0; t + 3 <= nt; t += 3)
            llml__avx2_ff_tile(f, 4, 3, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
        for (; t < nt; t++)
            llml__avx2_ff_tile(f, 4, 1, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
    }
    for (; r < nr; r++) {
        for (t = 0; t + 3 <= nt; t += 3)
            llml__avx2_ff_tile(f, 1, 3, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
        for (; t < nt; t++)
            llml__avx2_ff_tile(f, 1, 1, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
    }
}

#define LLML__AVX2_FF(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_ff_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_FF(f32, LLML__FF_F32)
LLML__AVX2_FF(f16, LLML__FF_F16)
LLML__AVX2_FF(bf16, LLML__FF_BF16)

/* ---- attention: weighted sums of F32 / F16 value rows ----------------------- */

/* o[d] accumulates p_j v_j[d] over j in order (one multiply-add each), 32
   columns at a time in registers. */
LLML__AVX2I void llml__avx2_wsum(int f16, float *o, const uint8_t *v, size_t vstride, const float *p, int64_t nk, int64_t n) {
    int64_t d0 = 0, j, d;
    for (; d0 < n; d0 += 32) {
        const int64_t w = LLML__MIN(32, n - d0), w8 = w & ~(int64_t)7;
        __m256 acc[4];
        float tail[8];
        int i;
        for (i = 0; i < 4; i++) acc[i] = _mm256_setzero_ps();
        for (i = 0; i < 8; i++) tail[i] = 0.0f;
        for (j = 0; j < nk; j++) {
            const uint8_t *vr = v + (size_t)j * vstride + (size_t)d0 * (f16 ? 2 : 4);
            const float pj = f16 ? _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph(_mm_set_ss(p[j]), _MM_FROUND_TO_NEAREST_INT))) : p[j];
            const __m256 vp = _mm256_set1_ps(pj);
            for (i = 0; i < (int)(w8 / 8); i++)
                acc[i] = _mm256_fmadd_ps(vp, f16 ? _mm256_cvtph_ps(llml__avx2_ld128(vr + 16 * i))
                                                 : _mm256_loadu_ps((const float *)(const void *)(vr + 32 * i)), acc[i]);
            for (d = w8; d < w; d++) tail[d - w8] += pj * (f16 ? llml__avx2_h(vr + 2 * d) : llml__ff_get(LLML__FF_F32, vr, d));
        }
        for (i = 0; i < (int)(w8 / 8); i++) _mm256_storeu_ps(o + d0 + 8 * i, acc[i]);
        for (d = w8; d < w; d++) o[d0 + d] = tail[d - w8];
    }
}
static LLML__AVX2 void llml__avx2_wsum_f16(llml_type type, float *o, const uint8_t *v, size_t vstride, const float *p,
                                           int64_t nk, int64_t n, float *tmp) {
    (void)type; (void)tmp; llml__avx2_wsum(1, o, v, vstride, p, nk, n);
}
static LLML__AVX2 void llml__avx2_wsum_f32(llml_type type, float *o, const uint8_t *v, size_t vstride, const float *p,
                                           int64_t nk, int64_t n, float *tmp) {
    (void)type; (void)tmp; llml__avx2_wsum(0, o, v, vstride, p, nk, n);
}

/* ---- SwiGLU ------------------------------------------------------------------ */

/* e^x, about 1 ulp: x = n ln 2 + r with ln 2 in two parts, e^r by a
   degree-6 polynomial (Cephes' expf coefficients), times 2^n built in the
   exponent field; inf above ln(FLT_MAX), as expf; below -87.3 (where expf
   goes subnormal) the value at -87.3. NaN comes out as a number: the
   callers keep NaN through their own use of x. */
LLML__AVX2I __m256 llml__avx2_exp(__m256 x) {
    const __m256 big = _mm256_cmp_ps(x, _mm256_set1_ps(88.7228394f), _CMP_GT_OQ);
    __m256 n, r, p;
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7228394f));
    n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    /* n in [-126, 128]: 2^n as two factors so that n = 128 does not overflow the field */
    {
        const __m256i ni = _mm256_cvtps_epi32(n);
        const __m256i h = _mm256_srai_epi32(ni, 1);
        const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(127)), 23));
        const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, h), _mm256_set1_epi32(127)), 23));
        return _mm256_blendv_ps(_mm256_mul_ps(_mm256_mul_ps(p, s1), s2), _mm256_set1_ps(INFINITY), big);
    }
}

static LLML__AVX2 void llml__avx2_silu_mul(float *g, const float *u, int64_t n) {
    int64_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(g + i);
        const __m256 e = llml__avx2_exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = llml__silu(g[i]) * u[i];
}

/* RMS norm (llml__rmsnorm_fn): the float squares summed in 8 double lanes;
   the scaling and the weights element by element as the scalar version. */
static LLML__AVX2 void llml__avx2_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    double sum, t[4];
    float scale;
    int64_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i), q = _mm256_mul_ps(v, v);
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(q)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(q, 1)));
    }
    _mm256_storeu_pd(t, _mm256_add_pd(a0, a1));
    sum = (t[0] + t[1]) + (t[2] + t[3]);
    for (; i < n; i++) sum += (double)(x[i] * x[i]);
    scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(scale));
        if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(y + i, v);
    }
    for (; i < n; i++) { y[i] = x[i] * scale; if (w) y[i] *= w[i]; }
}

/* Rotary embedding (llml__rope_fn), 8 angles at a time: the same products
   and sums as the scalar version (none fused). */
static LLML__AVX2 void llml__avx2_rope(float *x, int n_heads, int hd, int n_rot, int neox, const float *cs, const float *sn) {
    const int half = n_rot / 2;
    int h, i;
    for (h = 0; h < n_heads; h++) {
        float *p = x + (size_t)h * (size_t)hd;
        for (i = 0; i + 8 <= half; i += 8) {
            const __m256 c = _mm256_loadu_ps(cs + i), s = _mm256_loadu_ps(sn + i);
            if (neox) {
                const __m256 x0 = _mm256_loadu_ps(p + i), x1 = _mm256_loadu_ps(p + i + half);
                _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_mul_ps(x0, c), _mm256_mul_ps(x1, s)));
                _mm256_storeu_ps(p + i + half, _mm256_add_ps(_mm256_mul_ps(x0, s), _mm256_mul_ps(x1, c)));
            } else {   /* pairs (x0, x1) interleaved: cos and sin of each pair twice */
                const __m256 clo = _mm256_unpacklo_ps(c, c), chi = _mm256_unpackhi_ps(c, c);
                const __m256 slo = _mm256_unpacklo_ps(s, s), shi = _mm256_unpackhi_ps(s, s);
                /* angles 0-1, 4-5 | 2-3, 6-7 in clo / chi: reorder to 0-3 | 4-7 */
                const __m256 c0 = _mm256_permute2f128_ps(clo, chi, 0x20), c1 = _mm256_permute2f128_ps(clo, chi, 0x31);
                const __m256 s0 = _mm256_permute2f128_ps(slo, shi, 0x20), s1 = _mm256_permute2f128_ps(slo, shi, 0x31);
                const __m256 v0 = _mm256_loadu_ps(p + 2 * i), v1 = _mm256_loadu_ps(p + 2 * i + 8);
                /* even lanes x0 c - x1 s, odd lanes x1 c + x0 s */
                _mm256_storeu_ps(p + 2 * i, _mm256_addsub_ps(_mm256_mul_ps(v0, c0), _mm256_mul_ps(_mm256_permute_ps(v0, 0xb1), s0)));
                _mm256_storeu_ps(p + 2 * i + 8, _mm256_addsub_ps(_mm256_mul_ps(v1, c1), _mm256_mul_ps(_mm256_permute_ps(v1, 0xb1), s1)));
            }
        }
        llml__rope_from(p, i, half, neox, cs, sn);
    }
}

/* Softmax numerators (llml__expsum_fn): 8 exponentials at a time, their sum
   in two double accumulators. Below -87.3 (where expf goes subnormal) the
   result is 0; NaN stays NaN. */
static LLML__AVX2 double llml__avx2_expsum(float *s, int64_t n, float mx) {
    const __m256 m = _mm256_set1_ps(mx), lo = _mm256_set1_ps(-87.3f);
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    double sum;
    int64_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_sub_ps(_mm256_loadu_ps(s + i), m);
        __m256 e = _mm256_and_ps(llml__avx2_exp(x), _mm256_cmp_ps(x, lo, _CMP_GE_OQ));
        e = _mm256_blendv_ps(e, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
        _mm256_storeu_ps(s + i, e);
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    {
        double t[4];
        _mm256_storeu_pd(t, _mm256_add_pd(a0, a1));
        sum = (t[0] + t[1]) + (t[2] + t[3]);
    }
    for (; i < n; i++) { s[i] = expf(s[i] - mx); sum += (double)s[i]; }
    return sum;
}

/* ---- activation quantizers (the same bytes as the scalar reference) ------- */

/* GCC would fuse the multiply and the add of the Q8_K rounding into one FMA
   when the target has FMA and -ffp-contract=fast (its GNU-mode default);
   the reference rounds twice. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* round(v) half away from zero, clamped to [-128, 127], NaN -> 0. */
LLML__AVX2I __m256i llml__avx2_round8(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 fr = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
    const __m256 one = _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0f));
    __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(fr, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one));
    r = _mm256_max_ps(_mm256_min_ps(r, _mm256_set1_ps(127.0f)), _mm256_set1_ps(-128.0f));
    r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    return _mm256_cvtps_epi32(r);
}

/* 4 x 8 int32 (each in [-128, 127]) -> 32 int8 in order. */
LLML__AVX2I __m256i llml__avx2_pack8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* Largest |x| of 32 floats; NaN when the block holds a NaN (the reference's
   running maximum then depends on where the NaN is). */
LLML__AVX2I float llml__avx2_amax32(const float *x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
    __m128 s;
    int i;
    for (i = 0; i < 32; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        m = _mm256_max_ps(_mm256_andnot_ps(sign, v), m);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    if (_mm256_movemask_ps(nan)) return NAN;
    s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Q8_0 (qs at 2) and Q8_1 (s at 2, qs at 4) blocks of 32. */
LLML__AVX2I void llml__avx2_q8_blocks(const float *x, uint8_t *y, int64_t n, int q81) {
    const size_t bsz = q81 ? 36 : 34;
    int64_t b;
    for (b = 0; b < n / 32; b++, x += 32, y += bsz) {
        const float amax = llml__avx2_amax32(x);
        if (amax != amax) { /* a NaN in the block: the reference's own code */
            float dd;
            const int sum = llml__qb_q8_block(x, y, (int8_t *)(y + (q81 ? 4 : 2)), &dd);
            if (q81) llml__qb_put_half(y + 2, (float)sum * dd);
            continue;
        }
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        const __m256 vid = _mm256_set1_ps(id);
        const __m256i i0 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x), vid));
        const __m256i i1 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x + 8), vid));
        const __m256i i2 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x + 16), vid));
        const __m256i i3 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x + 24), vid));
        _mm256_storeu_si256((__m256i *)(void *)(y + (q81 ? 4 : 2)), llml__avx2_pack8(i0, i1, i2, i3));
        llml__wr16(y, llml_fp32_to_fp16(d));
        if (q81) {
            __m256i s = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
            __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
            t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
            llml__wr16(y + 2, llml_fp32_to_fp16((float)_mm_cvtsi128_si32(t) * d));
        }
    }
}
static LLML__AVX2 void llml__avx2_actq_q8_0(const float *x, void *dst, int64_t n) { llml__avx2_q8_blocks(x, (uint8_t *)dst, n, 0); }
static LLML__AVX2 void llml__avx2_actq_q8_1(const float *x, void *dst, int64_t n) { llml__avx2_q8_blocks(x, (uint8_t *)dst, n, 1); }

/* Q8_K: d = -max/127 for the first element of largest magnitude, codes by
   the reference's round-to-nearest-even through 1.5 * 2^23. */
static LLML__AVX2 void llml__avx2_actq_q8_k(const float *x, void *dst, int64_t n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    uint8_t *y = (uint8_t *)dst;
    int64_t b;
    for (b = 0; b < n / 256; b++, x += 256, y += 292) {
        __m256 m = _mm256_setzero_ps();
        __m128 s;
        float amax, big = 0.0f, inv, d;
        int16_t bs[16];
        int i;
        for (i = 0; i < 256; i += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), m);
        s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        s = _mm_max_ss(s, _mm_movehdup_ps(s));
        amax = _mm_cvtss_f32(s);
        if (amax == 0.0f) { memset(y, 0, 292); continue; }
        {
            const __m256 va = _mm256_set1_ps(amax);
            for (i = 0; i < 256; i += 8) {
                const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), va, _CMP_EQ_OQ));
                if (mask) { big = x[i + __builtin_ctz((unsigned)mask)]; break; }
            }
        }
        inv = -127.0f / big;
        {
            const __m256 vi = _mm256_set1_ps(inv), magic = _mm256_set1_ps(12582912.0f);
            const __m256i mant = _mm256_set1_epi32(0x007fffff), half = _mm256_set1_epi32(0x00400000);
            const __m256i lo = _mm256_set1_epi32(-128), hi = _mm256_set1_epi32(127);
            for (i = 0; i < 256; i += 32) {
                __m256i q[4], p;
                int k;
                for (k = 0; k < 4; k++) {
                    const __m256 v = _mm256_add_ps(_mm256_mul_ps(vi, _mm256_loadu_ps(x + i + 8 * k)), magic);
                    __m256i t = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(v), mant), half);
                    q[k] = _mm256_min_epi32(_mm256_max_epi32(t, lo), hi);
                }
                p = llml__avx2_pack8(q[0], q[1], q[2], q[3]);
                _mm256_storeu_si256((__m256i *)(void *)(y + 4 + i), p);
                {   /* group sums of 16 codes: sad of the biased bytes */
                    const __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(p, _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
                    bs[i / 16] = (int16_t)(_mm256_extract_epi64(sad, 0) + _mm256_extract_epi64(sad, 1) - 2048);
                    bs[i / 16 + 1] = (int16_t)(_mm256_extract_epi64(sad, 2) + _mm256_extract_epi64(sad, 3) - 2048);
                }
            }
        }
        memcpy(y + 260, bs, sizeof bs);
        d = 1.0f / inv;
        memcpy(y, &d, 4);
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

static LLML__AVX2 void llml__avx2_actq_f16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    int64_t i;
    for (i = 0; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(d + 2 * i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_fp16(x[i]));
}

static LLML__AVX2 void llml__avx2_actq_bf16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    const __m256i abs_m = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
    const __m256i bias = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1), q = _mm256_set1_epi32(64);
    int64_t i;
    for (i = 0; i + 16 <= n; i += 16) {
        __m256i r[2];
        int k;
        for (k = 0; k < 2; k++) {
            const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i + 8 * k));
            const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_m), inf);
            const __m256i rn = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(bias, _mm256_and_si256(_mm256_srli_epi32(u, 16), one))), 16);
            const __m256i qn = _mm256_or_si256(_mm256_srli_epi32(u, 16), q);
            r[k] = _mm256_blendv_epi8(rn, qn, nan);
        }
        _mm256_storeu_si256((__m256i *)(void *)(d + 2 * i), _mm256_permute4x64_epi64(_mm256_packus_epi32(r[0], r[1]), 0xd8));
    }
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_bf16(x[i]));
}

/* ---- AVX2: integer GEMM for prompts, and matrix-vector kernels in its arithmetic ---- */
/* The AVX-512 GEMM's design (>>kern_avx512) at 256 bits, for Q4_0, Q5_0,
   Q4_K and Q6_K: panels of 8 weight rows x LLML__GK columns decoded to
   signed codes and stored interleaved by 4 columns (one register holds 4
   consecutive codes of each of the 8 rows), activations as unsigned bytes
   q + 128 (gq rows) broadcast 4 at a time. Without VNNI the products are
   vpmaddubsw (unsigned activation x signed code, pairs summed in int16)
   and vpmaddwd: the codes are small enough that the pair sums of a whole
   group add up in int16 without saturating (Q4_0: 8 x 2 x 255 x 8 =
   32640; Q5_0 and Q4_K: 4 pairs; Q6_K: 2), so a group costs one vpmaddubsw
   per 4 columns plus one or two vpmaddwd. The integer group sums are exact
   and the float steps are the AVX-512 GEMM's, in the same order (per group,
   per 256-block for the K-formats, then per chunk of LLML__GK columns), so
   both levels give the same bits. The matrix-vector kernels below read the
   file's rows in place, 8 at a time, multiply each row with vpmaddubsw
   (unsigned code x signed activation, the offset times the activations'
   sum subtracted after) and transpose the partial sums into lanes-are-rows
   (llml__avx2_red8): the same exact integers, then the same float steps,
   so a token gives the same bits alone or within a prompt. */

#define LLML__GK 1024   /* columns per packed chunk (multiple of 256) */

typedef struct llml__gpack8 {
    int8_t q[LLML__GK * 8];           /* column 4k + i of row r at 32 k + 4 r + i  */
    int8_t q2[LLML__GK * 8];          /* Q8_0 / IQ4_NL: low nibbles (q: high, signed) */
    int32_t bias[LLML__GK / 16 * 8];  /* -128 x sum of the codes, per group and row */
    float d[LLML__GK / 16 * 8];       /* scale per group and row                   */
    float m[LLML__GK / 32 * 8];       /* Q4_K: min per group and row               */
} llml__gpack8;

/* 8 x 8 dwords: t[k] dword r = r[r] dword k. */
LLML__AVX2I void llml__avx2_tr8(const __m256i *x, __m256i *t) {
    __m256i b[8];
    int i;
    LLML__UNROLL for (i = 0; i < 2; i++) {
        const __m256i *v = x + 4 * i;
        const __m256i a0 = _mm256_unpacklo_epi32(v[0], v[1]), a1 = _mm256_unpackhi_epi32(v[0], v[1]);
        const __m256i a2 = _mm256_unpacklo_epi32(v[2], v[3]), a3 = _mm256_unpackhi_epi32(v[2], v[3]);
        b[4 * i] = _mm256_unpacklo_epi64(a0, a2);
        b[4 * i + 1] = _mm256_unpackhi_epi64(a0, a2);
        b[4 * i + 2] = _mm256_unpacklo_epi64(a1, a3);
        b[4 * i + 3] = _mm256_unpackhi_epi64(a1, a3);
    }
    LLML__UNROLL for (i = 0; i < 4; i++) {
        t[i] = _mm256_permute2x128_si256(b[i], b[4 + i], 0x20);
        t[4 + i] = _mm256_permute2x128_si256(b[i], b[4 + i], 0x31);
    }
}

/* The 16 bytes at rp[r] + off of 8 rows as 4 registers of dwords, lanes
   are rows: s[c] lane r = dword c of row r. */
LLML__AVX2I void llml__avx2_tr4(const uint8_t *const *rp, size_t off, __m256i *s) {
    __m256i x[4];
    int q;
    LLML__UNROLL for (q = 0; q < 4; q++)
        x[q] = _mm256_inserti128_si256(_mm256_castsi128_si256(llml__avx2_ld128(rp[q] + off)), llml__avx2_ld128(rp[q + 4] + off), 1);
    {
        const __m256i t0 = _mm256_unpacklo_epi32(x[0], x[1]), t1 = _mm256_unpacklo_epi32(x[2], x[3]);
        const __m256i t2 = _mm256_unpackhi_epi32(x[0], x[1]), t3 = _mm256_unpackhi_epi32(x[2], x[3]);
        s[0] = _mm256_unpacklo_epi64(t0, t1);
        s[1] = _mm256_unpackhi_epi64(t0, t1);
        s[2] = _mm256_unpacklo_epi64(t2, t3);
        s[3] = _mm256_unpackhi_epi64(t2, t3);
    }
}

/* 8 fp16 values at rp[r] + off as floats. */
LLML__AVX2I __m256 llml__avx2_h8(const uint8_t *const *rp, size_t off) {
    return _mm256_cvtph_ps(_mm_setr_epi16((short)llml__rd16(rp[0] + off), (short)llml__rd16(rp[1] + off),
                                          (short)llml__rd16(rp[2] + off), (short)llml__rd16(rp[3] + off),
                                          (short)llml__rd16(rp[4] + off), (short)llml__rd16(rp[5] + off),
                                          (short)llml__rd16(rp[6] + off), (short)llml__rd16(rp[7] + off)));
}

/* Q4_K's 6-bit scale and min of group g (0-7) for 8 rows, from the 12
   scale bytes in sc[1..3] (llml__avx2_tr4 of the block's first 16 bytes). */
LLML__AVX2I void llml__avx2_k4sm(const __m256i *sc, int g, __m256i *scg, __m256i *mg) {
    const __m256i m63 = _mm256_set1_epi32(63), m15 = _mm256_set1_epi32(15), m3 = _mm256_set1_epi32(3);
    if (g < 4) {
        *scg = _mm256_and_si256(_mm256_srli_epi32(sc[1], 8 * g), m63);
        *mg = _mm256_and_si256(_mm256_srli_epi32(sc[2], 8 * g), m63);
    } else {
        *scg = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(sc[3], 8 * (g - 4)), m15),
                               _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(sc[1], 8 * (g - 4) + 6), m3), 4));
        *mg = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(sc[3], 8 * (g - 4) + 4), m15),
                              _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(sc[2], 8 * (g - 4) + 6), m3), 4));
    }
}

/* x[0..7] (32 codes of each of 8 rows) into the pack at dst, interleaved;
   returns each row's sum of the codes of x[.] dwords [k0, k0 + 4) and
   [k0 + 4, k0 + 8) as two registers (lanes are rows) when split, else the
   sum of all 32 in *s0. */
LLML__AVX2I void llml__avx2_put8(const __m256i *x, int8_t *dst, __m256i *s0, __m256i *s1) {
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    __m256i t[8], a, b;
    int k;
    llml__avx2_tr8(x, t);
    LLML__UNROLL for (k = 0; k < 8; k++) _mm256_store_si256((__m256i *)(void *)(dst + 32 * k), t[k]);
    a = _mm256_add_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(ones8, t[0]), _mm256_maddubs_epi16(ones8, t[1])),
                         _mm256_add_epi16(_mm256_maddubs_epi16(ones8, t[2]), _mm256_maddubs_epi16(ones8, t[3])));
    b = _mm256_add_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(ones8, t[4]), _mm256_maddubs_epi16(ones8, t[5])),
                         _mm256_add_epi16(_mm256_maddubs_epi16(ones8, t[6]), _mm256_maddubs_epi16(ones8, t[7])));
    *s0 = _mm256_madd_epi16(a, ones16);
    *s1 = _mm256_madd_epi16(b, ones16);
}

LLML__AVX2I void llml__avx2_store_bias(int32_t *dst, __m256i s) {
    _mm256_store_si256((__m256i *)(void *)dst, _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(s, 7)));
}

/* Pack columns [k0, k0 + kn) of 8 rows of Q4_0 / Q5_0. */
LLML__AVX2I void llml__avx2_pack32(int f, const uint8_t *const *rp, int64_t k0, int64_t kn, llml__gpack8 *pk) {
    const int bs = llml__f32b_bytes(f);
    int64_t b;
    for (b = 0; b < kn / 32; b++) {
        const size_t bo = (size_t)(k0 / 32 + b) * (size_t)bs;
        __m256i x[8], s0, s1;
        int r;
        LLML__UNROLL for (r = 0; r < 8; r++) x[r] = llml__avx2_dec32(f, rp[r] + bo);
        if (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) {
            /* codes of 8 bits: 16 x (signed high nibble) + low nibble, so that
               the unsigned x signed byte products cannot saturate */
            const __m256i m4 = _mm256_set1_epi8(0x0f), m8 = _mm256_set1_epi8(8);
            __m256i lo[8], t0, t1;
            LLML__UNROLL for (r = 0; r < 8; r++) {
                lo[r] = _mm256_and_si256(x[r], m4);
                x[r] = _mm256_sub_epi8(_mm256_xor_si256(_mm256_and_si256(_mm256_srli_epi16(x[r], 4), m4), m8), m8);
            }
            llml__avx2_put8(x, pk->q + b * 256, &s0, &s1);
            llml__avx2_put8(lo, pk->q2 + b * 256, &t0, &t1);
            llml__avx2_store_bias(pk->bias + b * 8, _mm256_add_epi32(_mm256_slli_epi32(_mm256_add_epi32(s0, s1), 4), _mm256_add_epi32(t0, t1)));
        } else {
            llml__avx2_put8(x, pk->q + b * 256, &s0, &s1);
            llml__avx2_store_bias(pk->bias + b * 8, _mm256_add_epi32(s0, s1));
        }
        _mm256_store_ps(pk->d + b * 8, llml__avx2_h8(rp, bo));
    }
}

/* Pack columns [k0, k0 + kn) of rows 8 h .. 8 h + 7 of a 16-row panel in
   the interleaved layout (llml__il_pack; nb blocks a row): half h of each
   64-byte piece is already a packed column quad of the 8 rows (the layout
   of llml__gpack8.q), so this only decodes the codes in place: the same
   bytes, sums and scales as llml__avx2_pack32 on the file's rows. */
LLML__AVX2I void llml__avx2_packl(int f, const uint8_t *pan, int h, int64_t nb, int64_t k0, int64_t kn, llml__gpack8 *pk) {
    const size_t bs = (size_t)llml__f32b_bytes(f);
    const __m256i m4 = _mm256_set1_epi8(0x0f), m8 = _mm256_set1_epi8(8), ones8 = _mm256_set1_epi8(1);
    const __m256i ones16 = _mm256_set1_epi16(1), kv = llml__avx2_kvalues();
    int64_t b;
    for (b = 0; b < kn / 32; b++) {
        const int64_t B = k0 / 32 + b;
        const uint8_t *c, *sc = llml__il_blk(pan, bs, nb, B, &c);
        int8_t *q = pk->q + b * 256, *q2 = pk->q2 + b * 256;
        __m256i sh = _mm256_setzero_si256(), sl = _mm256_setzero_si256();
        int k;
        if (h == 0) {   /* this block 32 blocks on, in cache before its pack (the panel is one stream) */
            const uint8_t *pf = pan + (size_t)(B + 32) * 16 * bs;
            size_t i;
            for (i = 0; i < 16 * bs; i += 64) _mm_prefetch((const char *)(pf + i), _MM_HINT_T0);
        }
        LLML__UNROLL for (k = 0; k < 8; k++) {
            /* column quad k: piece k (Q8_0), or the low (k < 4) or high
               nibbles of piece k % 4 */
            const __m256i v = llml__avx2_ld(c + 64 * (f == LLML__F32B_Q8_0 ? k : k % 4) + 32 * h);
            __m256i x = f == LLML__F32B_Q8_0 ? _mm256_xor_si256(v, _mm256_set1_epi8((char)0x80))
                      : _mm256_and_si256(k < 4 ? v : _mm256_srli_epi16(v, 4), m4);
            if (f == LLML__F32B_Q4_0) x = _mm256_sub_epi8(x, m8);
            else if (f == LLML__F32B_Q5_0)
                x = _mm256_sub_epi8(_mm256_or_si256(x, llml__avx2_bit5(llml__rd32(c + 256 + 16 * (k % 4) + 8 * (k / 4) + 4 * h))),
                                    _mm256_set1_epi8(16));
            else if (f == LLML__F32B_IQ4_NL) x = _mm256_shuffle_epi8(kv, x);
            if (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) {
                /* 16 x (signed high nibble) + low nibble, as llml__avx2_pack32 */
                const __m256i lo = _mm256_and_si256(x, m4);
                x = _mm256_sub_epi8(_mm256_xor_si256(_mm256_and_si256(_mm256_srli_epi16(x, 4), m4), m8), m8);
                _mm256_store_si256((__m256i *)(void *)(q2 + 32 * k), lo);
                sl = _mm256_add_epi16(sl, _mm256_maddubs_epi16(ones8, lo));
            }
            _mm256_store_si256((__m256i *)(void *)(q + 32 * k), x);
            sh = _mm256_add_epi16(sh, _mm256_maddubs_epi16(ones8, x));
        }
        sh = _mm256_madd_epi16(sh, ones16);
        if (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) sh = _mm256_add_epi32(_mm256_slli_epi32(sh, 4), _mm256_madd_epi16(sl, ones16));
        llml__avx2_store_bias(pk->bias + b * 8, sh);
        _mm256_store_ps(pk->d + b * 8, _mm256_cvtph_ps(llml__avx2_ld128(sc + 16 * h)));
    }
}

/* Q6_K's codes c (0-3) of half h of a block at x, unsigned (0-63). */
LLML__AVX2I __m256i llml__avx2_q6u(const uint8_t *x, int h, int c) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30);
    const __m256i ql = llml__avx2_ld(x + 64 * h + 32 * (c & 1)), qh = llml__avx2_ld(x + 128 + 32 * h);
    const __m256i lo = c < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
    const __m256i hb = c == 0 ? _mm256_slli_epi16(qh, 4) : c == 1 ? _mm256_slli_epi16(qh, 2) : c == 2 ? qh : _mm256_srli_epi16(qh, 2);
    return _mm256_or_si256(lo, _mm256_and_si256(hb, m30));
}

/* Pack columns [k0, k0 + kn) of 8 rows of Q4_K (groups of 32, with mins)
   or Q6_K (groups of 16). */
LLML__AVX2I void llml__avx2_packk(int f, const uint8_t *const *rp, int64_t k0, int64_t kn, llml__gpack8 *pk) {
    const size_t bs = (size_t)llml__fk_bytes(f);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    int64_t b;
    for (b = 0; b < kn / 256; b++) {
        const size_t bo = (size_t)(k0 / 256 + b) * bs;
        int8_t *dq = pk->q + b * 256 * 8;
        __m256i x[8], s0, s1;
        int c, r, j, h;
        if (f == LLML__FK_Q4_K) {
            __m256i sc[4], scg, mg;
            __m256 d, dmin;
            LLML__UNROLL for (c = 0; c < 4; c++) {
                LLML__UNROLL for (r = 0; r < 8; r++) x[r] = _mm256_and_si256(llml__avx2_ld(rp[r] + bo + 16 + 32 * (size_t)c), m4);
                llml__avx2_put8(x, dq + (2 * c) * 256, &s0, &s1);
                llml__avx2_store_bias(pk->bias + (b * 8 + 2 * c) * 8, _mm256_add_epi32(s0, s1));
                LLML__UNROLL for (r = 0; r < 8; r++)
                    x[r] = _mm256_and_si256(_mm256_srli_epi16(llml__avx2_ld(rp[r] + bo + 16 + 32 * (size_t)c), 4), m4);
                llml__avx2_put8(x, dq + (2 * c + 1) * 256, &s0, &s1);
                llml__avx2_store_bias(pk->bias + (b * 8 + 2 * c + 1) * 8, _mm256_add_epi32(s0, s1));
            }
            llml__avx2_tr4(rp, bo, sc);
            d = llml__avx2_h8(rp, bo);
            dmin = llml__avx2_h8(rp, bo + 2);
            LLML__UNROLL for (j = 0; j < 8; j++) {
                llml__avx2_k4sm(sc, j, &scg, &mg);
                _mm256_store_ps(pk->d + (b * 8 + j) * 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(scg)));
                _mm256_store_ps(pk->m + (b * 8 + j) * 8, _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(mg)));
            }
        } else { /* Q6_K */
            LLML__UNROLL for (h = 0; h < 2; h++) {
                LLML__UNROLL for (c = 0; c < 4; c++) {
                    const int g = 8 * h + 2 * c;   /* groups g, g + 1: columns 16 g .. 16 g + 31 */
                    LLML__UNROLL for (r = 0; r < 8; r++) x[r] = _mm256_sub_epi8(llml__avx2_q6u(rp[r] + bo, h, c), _mm256_set1_epi8(32));
                    llml__avx2_put8(x, dq + g * 128, &s0, &s1);
                    llml__avx2_store_bias(pk->bias + (b * 16 + g) * 8, s0);
                    llml__avx2_store_bias(pk->bias + (b * 16 + g + 1) * 8, s1);
                }
            }
            for (r = 0; r < 8; r++) {
                const uint8_t *xr = rp[r] + bo;
                const float d = llml__avx2_h(xr + 208);
                for (j = 0; j < 16; j++) pk->d[(b * 16 + j) * 8 + r] = d * (float)(int8_t)xr[192 + j];
            }
        }
    }
}

LLML__AVX2I __m256i llml__avx2_bc(const uint8_t *p) { return _mm256_set1_epi32((int)llml__rd32(p)); }
LLML__AVX2I float llml__avx2_f(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }

/* acc (8 rows of one activation row, rn of them real) into out: stored
   when `first`, else added. */
LLML__AVX2I void llml__avx2_out8(float *o, __m256 acc, int rn, int first) {
    if (rn == 8) {
        if (!first) acc = _mm256_add_ps(acc, _mm256_loadu_ps(o));
        _mm256_storeu_ps(o, acc);
    } else {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(rn), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        if (!first) acc = _mm256_add_ps(acc, _mm256_maskload_ps(o, m));
        _mm256_maskstore_ps(o, m, acc);
    }
}

/* TN activation rows (codes at aq + j as, block scales at ad + j as) x a
   packed chunk of ng 32-blocks. */
LLML__AVX2I void llml__avx2_tile32(int f, int TN, int64_t ng, const llml__gpack8 *pk, const uint8_t *aq, const uint8_t *ad,
                                   size_t as, float *out, size_t os, int rn, int first) {
    const __m256i one = _mm256_set1_epi16(1);
    __m256 acc[6];
    int j, k;
    int64_t g;
    LLML__UNROLL for (j = 0; j < TN; j++) acc[j] = _mm256_setzero_ps();
    for (g = 0; g < ng; g++) {
        __m256i w[8];
        LLML__UNROLL for (k = 0; k < 8; k++) w[k] = _mm256_load_si256((const __m256i *)(const void *)(pk->q + g * 256 + 32 * k));
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const uint8_t *y = aq + (size_t)j * as + 32 * g;
            __m256i s;
            if (f == LLML__F32B_Q4_0) {
                __m256i p = _mm256_maddubs_epi16(llml__avx2_bc(y), w[0]);
                LLML__UNROLL for (k = 1; k < 8; k++) p = _mm256_add_epi16(p, _mm256_maddubs_epi16(llml__avx2_bc(y + 4 * k), w[k]));
                s = _mm256_madd_epi16(p, one);
            } else if (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) {
                const int8_t *q2 = pk->q2 + g * 256;
                __m256i ph = _mm256_maddubs_epi16(llml__avx2_bc(y), w[0]), p0, p1;
                LLML__UNROLL for (k = 1; k < 8; k++) ph = _mm256_add_epi16(ph, _mm256_maddubs_epi16(llml__avx2_bc(y + 4 * k), w[k]));
                p0 = _mm256_maddubs_epi16(llml__avx2_bc(y), _mm256_load_si256((const __m256i *)(const void *)q2));
                p1 = _mm256_maddubs_epi16(llml__avx2_bc(y + 16), _mm256_load_si256((const __m256i *)(const void *)(q2 + 128)));
                LLML__UNROLL for (k = 1; k < 4; k++) {
                    p0 = _mm256_add_epi16(p0, _mm256_maddubs_epi16(llml__avx2_bc(y + 4 * k), _mm256_load_si256((const __m256i *)(const void *)(q2 + 32 * k))));
                    p1 = _mm256_add_epi16(p1, _mm256_maddubs_epi16(llml__avx2_bc(y + 16 + 4 * k), _mm256_load_si256((const __m256i *)(const void *)(q2 + 128 + 32 * k))));
                }
                s = _mm256_add_epi32(_mm256_madd_epi16(ph, _mm256_set1_epi16(16)), _mm256_add_epi32(_mm256_madd_epi16(p0, one), _mm256_madd_epi16(p1, one)));
            } else {
                __m256i p0 = _mm256_maddubs_epi16(llml__avx2_bc(y), w[0]), p1 = _mm256_maddubs_epi16(llml__avx2_bc(y + 16), w[4]);
                LLML__UNROLL for (k = 1; k < 4; k++) {
                    p0 = _mm256_add_epi16(p0, _mm256_maddubs_epi16(llml__avx2_bc(y + 4 * k), w[k]));
                    p1 = _mm256_add_epi16(p1, _mm256_maddubs_epi16(llml__avx2_bc(y + 16 + 4 * k), w[4 + k]));
                }
                s = _mm256_add_epi32(_mm256_madd_epi16(p0, one), _mm256_madd_epi16(p1, one));
            }
            s = _mm256_add_epi32(s, _mm256_load_si256((const __m256i *)(const void *)(pk->bias + g * 8)));
            acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                                     _mm256_mul_ps(_mm256_load_ps(pk->d + g * 8), _mm256_set1_ps(llml__avx2_f(ad + (size_t)j * as + 4 * g))), acc[j]);
        }
    }
    LLML__UNROLL for (j = 0; j < TN; j++) llml__avx2_out8(out + (size_t)j * os, acc[j], rn, first);
}

/* The order in which the Q6_K kernels add up a block's 16 groups. */
LLML__AVX2I int llml__avx2_q6g(int g) { return 8 * (g >> 3) + 2 * (g & 3) + ((g >> 2) & 1); }

/* TN activation rows x a packed chunk of nblk 256-blocks of Q4_K / Q6_K:
   codes at aq + j as, scale per 256 at ad + j as, sums per 32 at asum + j as. */
LLML__AVX2I void llml__avx2_tilek(int f, int TN, int64_t nblk, const llml__gpack8 *pk, const uint8_t *aq,
                                  const uint8_t *ad, const uint8_t *asum, size_t as,
                                  float *out, size_t os, int rn, int first) {
    const int q6 = f == LLML__FK_Q6_K, G = q6 ? 16 : 32, NG = 256 / G;
    const __m256i one = _mm256_set1_epi16(1);
    __m256 acc[6], fs[6];
    int j, k, g;
    int64_t b;
    LLML__UNROLL for (j = 0; j < TN; j++) acc[j] = _mm256_setzero_ps();
    for (b = 0; b < nblk; b++) {
        LLML__UNROLL for (j = 0; j < TN; j++) fs[j] = _mm256_setzero_ps();
        for (g = 0; g < NG; g++) {
            const int gg = q6 ? llml__avx2_q6g(g) : g;
            const int64_t gi = b * NG + gg;
            __m256i w[8];
            LLML__UNROLL for (k = 0; k < 8; k++)
                if (k < G / 4) w[k] = _mm256_load_si256((const __m256i *)(const void *)(pk->q + gi * G * 8 + 32 * k));
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const uint8_t *y = aq + (size_t)j * as + 256 * b + G * gg;
                __m256i p0, p1, s;
                if (q6) {
                    p0 = _mm256_add_epi16(_mm256_maddubs_epi16(llml__avx2_bc(y), w[0]), _mm256_maddubs_epi16(llml__avx2_bc(y + 4), w[1]));
                    p1 = _mm256_add_epi16(_mm256_maddubs_epi16(llml__avx2_bc(y + 8), w[2]), _mm256_maddubs_epi16(llml__avx2_bc(y + 12), w[3]));
                } else {
                    p0 = _mm256_maddubs_epi16(llml__avx2_bc(y), w[0]);
                    p1 = _mm256_maddubs_epi16(llml__avx2_bc(y + 16), w[4]);
                    LLML__UNROLL for (k = 1; k < 4; k++) {
                        p0 = _mm256_add_epi16(p0, _mm256_maddubs_epi16(llml__avx2_bc(y + 4 * k), w[k]));
                        p1 = _mm256_add_epi16(p1, _mm256_maddubs_epi16(llml__avx2_bc(y + 16 + 4 * k), w[4 + k]));
                    }
                }
                s = _mm256_add_epi32(_mm256_load_si256((const __m256i *)(const void *)(pk->bias + gi * 8)),
                                     _mm256_add_epi32(_mm256_madd_epi16(p0, one), _mm256_madd_epi16(p1, one)));
                fs[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_load_ps(pk->d + gi * 8), fs[j]);
                if (!q6)
                    fs[j] = _mm256_fnmadd_ps(_mm256_load_ps(pk->m + gi * 8),
                                             _mm256_set1_ps(llml__avx2_f(asum + (size_t)j * as + 4 * (8 * b + g))), fs[j]);
            }
        }
        LLML__UNROLL for (j = 0; j < TN; j++)
            acc[j] = _mm256_fmadd_ps(fs[j], _mm256_set1_ps(llml__avx2_f(ad + (size_t)j * as + 4 * b)), acc[j]);
    }
    LLML__UNROLL for (j = 0; j < TN; j++) llml__avx2_out8(out + (size_t)j * os, acc[j], rn, first);
}

/* Activation rows per tile (at most 4: the switches below instantiate
   tiles of 1 to 4; 5 and 6 timed the same as 4). */
#define LLML__AVX2_TMAX(f) 4
/* The driver: panels of 8 weight rows, chunks of LLML__GK columns, tiles
   of 4 (then 2, 1) activation rows. kind 0: 32-block format f; 1: K. */
LLML__AVX2I void llml__avx2_gemm(int kind, int f, int il, int64_t n, const void *wv, size_t ws, int64_t nr,
                                 const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    llml__gpack8 pk __attribute__((aligned(32)));
    const uint8_t *rp[8];
    const int64_t tmax = LLML__AVX2_TMAX(f);
    int64_t r0, k0, t0;
    for (r0 = 0; r0 < nr; r0 += 8) {
        const int rn = (int)LLML__MIN(8, nr - r0);
        int i;
        for (i = 0; i < 8; i++) rp[i] = w + (size_t)(r0 + (i < rn ? i : 0)) * ws;
        for (k0 = 0; k0 < n; k0 += LLML__GK) {
            const int64_t kn = LLML__MIN(LLML__GK, n - k0);
            if (kind == 0 && il) llml__avx2_packl(f, w + (size_t)(r0 & ~(int64_t)15) * ws, (int)((r0 >> 3) & 1), n / 32, k0, kn, &pk);
            else if (kind == 0) llml__avx2_pack32(f, rp, k0, kn, &pk);
            else llml__avx2_packk(f, rp, k0, kn, &pk);
            for (t0 = 0; t0 < nt; ) {
                const int64_t left = nt - t0;
                const int tn = (int)LLML__MIN(left, tmax);
                const uint8_t *at = a + (size_t)t0 * as;
                float *o = out + (size_t)t0 * os + (size_t)r0;
                if (kind == 0) {
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 32);
                    switch (tn) {
#define LLML__T32(T) case T: llml__avx2_tile32(f, T, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0); break;
                    LLML__T32(4) LLML__T32(3) LLML__T32(2)
                    default: llml__avx2_tile32(f, 1, kn / 32, &pk, aq, ad, as, o, os, rn, k0 == 0); break;
#undef LLML__T32
                    }
                } else {
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 256), *asum = at + n + 4 * (n / 256) + 4 * (k0 / 32);
                    switch (tn) {
#define LLML__TK(T) case T: llml__avx2_tilek(f, T, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0); break;
                    LLML__TK(4) LLML__TK(3) LLML__TK(2)
                    default: llml__avx2_tilek(f, 1, kn / 256, &pk, aq, ad, asum, as, o, os, rn, k0 == 0); break;
#undef LLML__TK
                    }
                }
                t0 += tn;
            }
        }
    }
}

#define LLML__AVX2_GEMM(name, KIND, F) \
    static LLML__AVX2 void llml__avx2_gemm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                  const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_gemm(KIND, F, 0, n, w, ws, nr, a, as, nt, out, os); \
    }
#define LLML__AVX2_GEMMI(name, F) \
    static LLML__AVX2 void llml__avx2_gemmi_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                   const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_gemm(0, F, 1, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_GEMMI(q4_0, LLML__F32B_Q4_0)
LLML__AVX2_GEMMI(q5_0, LLML__F32B_Q5_0)
LLML__AVX2_GEMMI(q8_0, LLML__F32B_Q8_0)
LLML__AVX2_GEMMI(iq4_nl, LLML__F32B_IQ4_NL)
LLML__AVX2_GEMM(q4_0, 0, LLML__F32B_Q4_0)
LLML__AVX2_GEMM(q5_0, 0, LLML__F32B_Q5_0)
LLML__AVX2_GEMM(q8_0, 0, LLML__F32B_Q8_0)
LLML__AVX2_GEMM(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__AVX2_GEMM(q4_k, 1, LLML__FK_Q4_K)
LLML__AVX2_GEMM(q6_k, 1, LLML__FK_Q6_K)

/* ---- AVX2: matrix-vector products in the GEMM's arithmetic ----------------- */

/* The transposing reduction: m[r] holds 8 dword partial sums of row r, each
   of magnitude < 2^14 (so that two pack into an int16 and add without
   saturating). Returns the 8 rows' totals, lane r for row r. */
LLML__AVX2I __m256i llml__avx2_red8(const __m256i *m) {
    const __m256i one = _mm256_set1_epi16(1);
    const __m256i u01 = _mm256_madd_epi16(_mm256_packs_epi32(m[0], m[1]), one);
    const __m256i u23 = _mm256_madd_epi16(_mm256_packs_epi32(m[2], m[3]), one);
    const __m256i u45 = _mm256_madd_epi16(_mm256_packs_epi32(m[4], m[5]), one);
    const __m256i u67 = _mm256_madd_epi16(_mm256_packs_epi32(m[6], m[7]), one);
    const __m256i v0 = _mm256_madd_epi16(_mm256_packs_epi32(u01, u23), one);
    const __m256i v1 = _mm256_madd_epi16(_mm256_packs_epi32(u45, u67), one);
    return _mm256_add_epi32(_mm256_permute2x128_si256(v0, v1, 0x20), _mm256_permute2x128_si256(v0, v1, 0x31));
}

/* llml__avx2_red8 for partials of any size (dword horizontal adds). */
LLML__AVX2I __m256i llml__avx2_red8d(const __m256i *m) {
    const __m256i u01 = _mm256_hadd_epi32(m[0], m[1]), u23 = _mm256_hadd_epi32(m[2], m[3]);
    const __m256i u45 = _mm256_hadd_epi32(m[4], m[5]), u67 = _mm256_hadd_epi32(m[6], m[7]);
    const __m256i v0 = _mm256_hadd_epi32(u01, u23), v1 = _mm256_hadd_epi32(u45, u67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(v0, v1, 0x20), _mm256_permute2x128_si256(v0, v1, 0x31));
}

/* The same for Q6_K's partials (< 2^15), 128-bit lane 0 of m[r] for group
   g and lane 1 for g + 1: *s0 = group g of rows 0-7, *s1 = group g + 1. */
LLML__AVX2I void llml__avx2_red8q6(const __m256i *m, __m256i *s0, __m256i *s1) {
    const __m256i one = _mm256_set1_epi16(1);
    const __m256i u01 = _mm256_madd_epi16(_mm256_packs_epi32(m[0], m[1]), one);
    const __m256i u23 = _mm256_madd_epi16(_mm256_packs_epi32(m[2], m[3]), one);
    const __m256i u45 = _mm256_madd_epi16(_mm256_packs_epi32(m[4], m[5]), one);
    const __m256i u67 = _mm256_madd_epi16(_mm256_packs_epi32(m[6], m[7]), one);
    const __m256i v0 = _mm256_hadd_epi32(u01, u23), v1 = _mm256_hadd_epi32(u45, u67);
    *s0 = _mm256_permute2x128_si256(v0, v1, 0x20);
    *s1 = _mm256_permute2x128_si256(v0, v1, 0x31);
}

/* The sum of a Q8_0 block's 32 codes. */
LLML__AVX2I int llml__avx2_sum32(const uint8_t *q) {
    const __m256i s = _mm256_sad_epu8(_mm256_xor_si256(llml__avx2_ld(q), _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
    __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
    return _mm_cvtsi128_si32(t) - 32 * 128;
}

/* Prefetch the next `lines` cache lines at pf (the next panel of rows: the
   8 interleaved row streams of this one are followed badly by the hardware
   prefetchers, one linear stream well); returns where to go on. */
LLML__AVX2I const uint8_t *llml__avx2_pf(const uint8_t *pf, int lines) {
    int i;
    for (i = 0; i < lines; i++) _mm_prefetch((const char *)(pf + 64 * i), _MM_HINT_T0);
    return pf + 64 * lines;
}

/* 8 rows (rp, rn of them real) of Q4_0 / Q5_0 times one Q8_0 activation
   row; pfl cache lines at pf prefetched per block. */
LLML__AVX2I void llml__avx2_mv32(int f, int64_t n, const uint8_t *const *rp, const uint8_t *pf, int pfl,
                                 const uint8_t *y, float *out, int rn) {
    const int bs = llml__f32b_bytes(f), off = f == LLML__F32B_Q4_0 ? 8 : 16;
    const int64_t nb = n / 32;
    const __m256i one = _mm256_set1_epi16(1);
    __m256 tot = _mm256_setzero_ps();
    int64_t k0, b;
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 32) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 32);
        __m256 acc = _mm256_setzero_ps();
        for (b = k0; b < k1; b++) {
            const size_t bo = (size_t)b * (size_t)bs;
            const uint8_t *yb = y + 34 * b;
            const __m256i a = llml__avx2_ld(yb + 2);
            __m256i m[8], s;
            int r;
            pf = llml__avx2_pf(pf, pfl);
            if (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) {
                /* signed codes: |a| x (code with a's sign) for IQ4_NL (codes >= -127),
                   |code| x (a with the code's sign) for Q8_0 (-128 occurs); pair
                   sums <= 2 x 127 x 128 */
                const __m256i aa = _mm256_sign_epi8(a, a);
                LLML__UNROLL for (r = 0; r < 8; r++) {
                    const __m256i q = llml__avx2_dec32(f, rp[r] + bo);
                    m[r] = _mm256_madd_epi16(f == LLML__F32B_Q8_0 ? _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q))
                                                                  : _mm256_maddubs_epi16(aa, _mm256_sign_epi8(q, a)), one);
                }
                s = llml__avx2_red8d(m);
            } else {
                LLML__UNROLL for (r = 0; r < 8; r++) {
                    const uint8_t *x = rp[r] + bo;
                    const __m256i q = f == LLML__F32B_Q4_0 ? llml__avx2_nib(llml__avx2_ld128(x + 2))
                                    : _mm256_or_si256(llml__avx2_nib(llml__avx2_ld128(x + 6)), llml__avx2_bit5(llml__rd32(x + 2)));
                    m[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(q, a), one);
                }
                s = _mm256_sub_epi32(llml__avx2_red8(m), _mm256_set1_epi32(off * llml__avx2_sum32(yb + 2)));
            }
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(llml__avx2_h8(rp, bo), _mm256_set1_ps(llml__avx2_h(yb))), acc);
        }
        tot = k0 == 0 ? acc : _mm256_add_ps(tot, acc);
    }
    llml__avx2_out8(out, tot, rn, 1);
}

/* 8 rows of Q4_K / Q6_K times one Q8_K activation row (prefetching as
   llml__avx2_mv32, pfl lines a block). */
LLML__AVX2I void llml__avx2_mvk(int f, int64_t n, const uint8_t *const *rp, const uint8_t *pf, int pfl,
                                const uint8_t *y, float *out, int rn) {
    const size_t bs = (size_t)llml__fk_bytes(f);
    const int64_t nb = n / 256;
    const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi16(1);
    __m256 tot = _mm256_setzero_ps();
    int64_t k0, b;
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 256) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 256);
        __m256 acc = _mm256_setzero_ps();
        for (b = k0; b < k1; b++) {
            const size_t bo = (size_t)b * bs;
            const uint8_t *yb = y + 292 * b;
            __m256 fs = _mm256_setzero_ps();
            __m256i sc[4], gs[16], m[8];
            int c, r, j, h, k;
            if (f == LLML__FK_Q4_K) {
                const __m256 d = llml__avx2_h8(rp, bo), dmin = llml__avx2_h8(rp, bo + 2);
                LLML__UNROLL for (c = 0; c < 4; c++) {
                    const __m256i alo = llml__avx2_ld(yb + 4 + 64 * c), ahi = llml__avx2_ld(yb + 36 + 64 * c);
                    __m256i mh[8];
                    pf = llml__avx2_pf(pf, (pfl + 3) / 4);
                    LLML__UNROLL for (r = 0; r < 8; r++) {
                        const __m256i x = llml__avx2_ld(rp[r] + bo + 16 + 32 * (size_t)c);
                        m[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(x, m4), alo), one);
                        mh[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x, 4), m4), ahi), one);
                    }
                    gs[2 * c] = llml__avx2_red8(m);
                    gs[2 * c + 1] = llml__avx2_red8(mh);
                }
                llml__avx2_tr4(rp, bo, sc);
                LLML__UNROLL for (j = 0; j < 8; j++) {
                    __m256i scg, mg;
                    int16_t b0, b1;
                    llml__avx2_k4sm(sc, j, &scg, &mg);
                    memcpy(&b0, yb + 260 + 4 * j, 2);
                    memcpy(&b1, yb + 262 + 4 * j, 2);
                    fs = _mm256_fmadd_ps(_mm256_cvtepi32_ps(gs[j]), _mm256_mul_ps(d, _mm256_cvtepi32_ps(scg)), fs);
                    fs = _mm256_fnmadd_ps(_mm256_mul_ps(dmin, _mm256_cvtepi32_ps(mg)), _mm256_set1_ps((float)(b0 + b1)), fs);
                }
            } else { /* Q6_K: unsigned 6-bit codes; 32 x the group's activation sum subtracted after */
                __m256 d;
                LLML__UNROLL for (h = 0; h < 2; h++) {
                    LLML__UNROLL for (c = 0; c < 4; c++) {
                        const __m256i a = llml__avx2_ld(yb + 4 + 128 * h + 32 * c);
                        pf = llml__avx2_pf(pf, (pfl + 7) / 8);
                        LLML__UNROLL for (r = 0; r < 8; r++)
                            m[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(llml__avx2_q6u(rp[r] + bo, h, c), a), one);
                        llml__avx2_red8q6(m, &gs[8 * h + 2 * c], &gs[8 * h + 2 * c + 1]);
                    }
                }
                /* the scales and d after the codes (front to back, as the AVX-512 kernel) */
                d = llml__avx2_h8(rp, bo + 208);
                llml__avx2_tr4(rp, bo + 192, sc);   /* sc[i]: scales 4 i .. 4 i + 3 */
                LLML__UNROLL for (k = 0; k < 16; k++) {
                    const int g = llml__avx2_q6g(k);
                    int16_t bsum;
                    __m256i s, sg;
                    memcpy(&bsum, yb + 260 + 2 * g, 2);
                    s = _mm256_add_epi32(gs[g], _mm256_set1_epi32(-32 * (int)bsum));
                    sg = _mm256_srai_epi32(_mm256_slli_epi32(sc[g / 4], 24 - 8 * (g % 4)), 24);
                    fs = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(d, _mm256_cvtepi32_ps(sg)), fs);
                }
            }
            acc = _mm256_fmadd_ps(fs, _mm256_set1_ps(llml__avx2_f(yb)), acc);
        }
        tot = k0 == 0 ? acc : _mm256_add_ps(tot, acc);
    }
    llml__avx2_out8(out, tot, rn, 1);
}

LLML__AVX2I void llml__avx2_mm8(int kind, int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const uint8_t *rp[8];
    /* cache lines of the next panel to prefetch per block */
    const int64_t steps = kind == 0 ? n / 32 : n / 256;
    const int pfl = (int)((8 * ws + 64 * (size_t)steps - 1) / (64 * (size_t)steps));
    int64_t r0, t;
    for (r0 = 0; r0 < nr; r0 += 8) {
        const int rn = (int)LLML__MIN(8, nr - r0);
        const uint8_t *pf = w + (size_t)(r0 + 8) * ws;
        int i;
        for (i = 0; i < 8; i++) rp[i] = w + (size_t)(r0 + (i < rn ? i : 0)) * ws;
        for (t = 0; t < nt; t++) {
            const int l = t == 0 && r0 + 8 < nr ? pfl : 0;
            if (kind == 0) llml__avx2_mv32(f, n, rp, pf, l, a + (size_t)t * as, out + (size_t)t * os + (size_t)r0, rn);
            else llml__avx2_mvk(f, n, rp, pf, l, a + (size_t)t * as, out + (size_t)t * os + (size_t)r0, rn);
        }
    }
}

/* The panels of a row range in the interleaved layouts are one stream,
   which the matrix-vector kernels (AVX2 and AVX-512) prefetch this many
   bytes ahead. The next panel's start, prefetched before, lies 16 rows
   ahead: 18 KiB for Q4_0 of 2048 columns, 35 KiB for Q8_0 and 105 KiB for
   Q6_K of 8192, more than L1 holds (from memory: Q8_0 34 -> 38 GB/s at 1
   thread, Q6_K 8192 columns 37 -> 46 at 2; PERF.md). */
#define LLML__IL_PFD 8192
/* Prefetch the lines of the len bytes LLML__IL_PFD past p (called block by
   block along the stream: each line once). */
LLML__AVX2I void llml__avx2_pfd(const uint8_t *p, size_t len) {
    const uint8_t *e = p + len + LLML__IL_PFD, *q;
    for (q = (const uint8_t *)((uintptr_t)(e - len) & ~(uintptr_t)63); q < e; q += 64) _mm_prefetch((const char *)q, _MM_HINT_T0);
}

/* A 16-row panel of a 32-block format in the interleaved layout times one
   Q8_0 activation row, as two halves of 8 rows: half h of a 64-byte piece
   (code bytes 4c .. 4c + 3 of rows 8 h .. 8 h + 7) against 4 activation
   codes broadcast gives the rows' sums in lanes with no reduction. The
   block sums are exact and the float steps those of llml__avx2_mv32, so
   the bits are mm's. st: llml__avx2_asums of the row (Q4_0, Q5_0), or
   NULL to sum here; rn rows are real. */
LLML__AVX2I void llml__avx2_mvl(int f, int64_t n, const uint8_t *pan, int rn, const uint8_t *y, const int32_t *st,
                                float *out) {
    const size_t bs = (size_t)llml__f32b_bytes(f);
    const int off = f == LLML__F32B_Q4_0 ? 8 : 16;
    const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi16(1), kv = llml__avx2_kvalues();
    const int64_t nb = n / 32;
    __m256 tot[2] = { _mm256_setzero_ps(), _mm256_setzero_ps() };
    int64_t k0, b;
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 32) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 32);
        __m256 acc[2];
        int h;
        acc[0] = acc[1] = _mm256_setzero_ps();
        for (b = k0; b < k1; b++) {
            const uint8_t *yb = y + 34 * b, *c;
            const uint8_t *sc = llml__il_blk(pan, bs, nb, b, &c);
            const __m256 da = _mm256_set1_ps(llml__avx2_h(yb));
            __m256i s[2];
            int q;
            llml__avx2_pfd(pan + (size_t)b * 16 * bs, 16 * bs);
            if (f == LLML__F32B_Q8_0 || f == LLML__F32B_IQ4_NL) {
                /* signed codes: |code| x (a with the code's sign), pair sums
                   <= 2 x 128 x 127 (Q8_0 is stored + 128) */
                s[0] = s[1] = _mm256_setzero_si256();
                LLML__UNROLL for (q = 0; q < 8; q++) {
                    const __m256i a = llml__avx2_bc(yb + 2 + 4 * q);
                    LLML__UNROLL for (h = 0; h < 2; h++) {
                        __m256i x;
                        if (f == LLML__F32B_Q8_0) x = _mm256_xor_si256(llml__avx2_ld(c + 64 * q + 32 * h), _mm256_set1_epi8((char)0x80));
                        else {
                            const __m256i v = llml__avx2_ld(c + 64 * (q % 4) + 32 * h);
                            x = _mm256_shuffle_epi8(kv, _mm256_and_si256(q < 4 ? v : _mm256_srli_epi16(v, 4), m4));
                        }
                        s[h] = _mm256_add_epi32(s[h], _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(a, x)), one));
                    }
                }
            } else {
                const __m256i sa = _mm256_set1_epi32(st ? st[b] : -off * llml__avx2_sum32(yb + 2));
                LLML__UNROLL for (h = 0; h < 2; h++) {
                    /* unsigned codes: Q4_0's 8 pair sums (<= 2 x 15 x 127 each) add
                       up in 16 bits; Q5_0's (<= 2 x 31 x 127) two at a time */
                    __m256i p = _mm256_setzero_si256(), t = sa;
                    LLML__UNROLL for (q = 0; q < 4; q++) {
                        const __m256i v = llml__avx2_ld(c + 64 * q + 32 * h);
                        __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4), pq;
                        if (f == LLML__F32B_Q5_0) {
                            lo = _mm256_or_si256(lo, llml__avx2_bit5(llml__rd32(c + 256 + 16 * q + 4 * h)));
                            hi = _mm256_or_si256(hi, llml__avx2_bit5(llml__rd32(c + 264 + 16 * q + 4 * h)));
                        }
                        pq = _mm256_add_epi16(_mm256_maddubs_epi16(lo, llml__avx2_bc(yb + 2 + 4 * q)),
                                              _mm256_maddubs_epi16(hi, llml__avx2_bc(yb + 18 + 4 * q)));
                        if (f == LLML__F32B_Q5_0) t = _mm256_add_epi32(t, _mm256_madd_epi16(pq, one));
                        else p = _mm256_add_epi16(p, pq);
                    }
                    s[h] = f == LLML__F32B_Q5_0 ? t : _mm256_add_epi32(t, _mm256_madd_epi16(p, one));
                }
            }
            LLML__UNROLL for (h = 0; h < 2; h++)
                acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[h]), _mm256_mul_ps(_mm256_cvtph_ps(llml__avx2_ld128(sc + 16 * h)), da), acc[h]);
        }
        tot[0] = k0 == 0 ? acc[0] : _mm256_add_ps(tot[0], acc[0]);
        tot[1] = k0 == 0 ? acc[1] : _mm256_add_ps(tot[1], acc[1]);
    }
    llml__avx2_out8(out, tot[0], LLML__MIN(rn, 8), 1);
    if (rn > 8) llml__avx2_out8(out + 8, tot[1], rn - 8, 1);
}

/* -off x the sum of each block's 32 activation codes, for nb blocks of a
   Q8_0 row (the offset of the weights' unsigned codes), for the interleaved
   layouts' kernels, which keep up to LLML__IL_ASUMS of them (nt x blocks)
   on the stack. */
#define LLML__IL_ASUMS 1024
LLML__AVX2I void llml__avx2_asums(const uint8_t *y, int64_t nb, int off, int32_t *st) {
    int64_t b;
    for (b = 0; b < nb; b++) st[b] = -off * llml__avx2_sum32(y + 34 * b + 2);
}

LLML__AVX2I void llml__avx2_mml(int f, int64_t n, const void *wv, size_t ws, int64_t nr, const void *av, size_t as,
                                int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const int off = f == LLML__F32B_Q4_0 ? 8 : 16;
    const int sums = (f == LLML__F32B_Q4_0 || f == LLML__F32B_Q5_0) && nt * (n / 32) <= LLML__IL_ASUMS;
    int32_t st[LLML__IL_ASUMS];
    int64_t r0, t;
    if (sums)
        for (t = 0; t < nt; t++) llml__avx2_asums(a + (size_t)t * as, n / 32, off, st + t * (n / 32));
    for (r0 = 0; r0 < nr; r0 += 16)
        for (t = 0; t < nt; t++)
            llml__avx2_mvl(f, n, w + (size_t)r0 * ws, (int)LLML__MIN(16, nr - r0), a + (size_t)t * as, sums ? st + t * (n / 32) : NULL,
                           out + (size_t)t * os + (size_t)r0);
}

#define LLML__AVX2_MML(name, F) \
    static LLML__AVX2 void llml__avx2_mmi_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                 const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_mml(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_MML(q4_0, LLML__F32B_Q4_0)
LLML__AVX2_MML(q5_0, LLML__F32B_Q5_0)
LLML__AVX2_MML(q8_0, LLML__F32B_Q8_0)
LLML__AVX2_MML(iq4_nl, LLML__F32B_IQ4_NL)

#define LLML__AVX2_MM8(name, KIND, F) \
    static LLML__AVX2 void llml__avx2_mv_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_mm8(KIND, F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_MM8(q4_0, 0, LLML__F32B_Q4_0)
LLML__AVX2_MM8(q5_0, 0, LLML__F32B_Q5_0)
LLML__AVX2_MM8(q8_0, 0, LLML__F32B_Q8_0)
LLML__AVX2_MM8(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__AVX2_MM8(q4_k, 1, LLML__FK_Q4_K)
LLML__AVX2_MM8(q6_k, 1, LLML__FK_Q6_K)

/* gq rows: the AVX2 quantizers (the reference's bytes), then codes + 128
   and float scales (see llml__kern). */
static LLML__AVX2 void llml__avx2_gq_q8_0(const float *x, void *dst, int64_t n) {
    uint8_t *q = (uint8_t *)dst, *sc = q + n, tmp[8 * 34];
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    const int64_t nb = n / 32;
    int64_t b0;
    for (b0 = 0; b0 < nb; b0 += 8) {
        const int m = (int)LLML__MIN(8, nb - b0);
        int i;
        llml__avx2_actq_q8_0(x + 32 * b0, tmp, 32 * m);
        for (i = 0; i < m; i++) {
            const float d = llml__avx2_h(tmp + 34 * i);
            memcpy(sc + 4 * (b0 + i), &d, 4);
            _mm256_storeu_si256((__m256i *)(void *)(q + 32 * (b0 + i)), _mm256_xor_si256(llml__avx2_ld(tmp + 34 * i + 2), bias));
        }
    }
}

static LLML__AVX2 void llml__avx2_gq_q8_k(const float *x, void *dst, int64_t n) {
    const int64_t nb = n / 256;
    uint8_t *q = (uint8_t *)dst, *sd = q + n, *ss = q + n + 4 * nb, tmp[292];
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    int64_t b;
    for (b = 0; b < nb; b++) {
        int i;
        llml__avx2_actq_q8_k(x + 256 * b, tmp, 256);
        memcpy(sd + 4 * b, tmp, 4);
        for (i = 0; i < 8; i++)
            _mm256_storeu_si256((__m256i *)(void *)(q + 256 * b + 32 * i), _mm256_xor_si256(llml__avx2_ld(tmp + 4 + 32 * i), bias));
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

/* ========================================================================== */
/* >>kern_avx512  x86-64 AVX-512 F/BW/VL/DQ + VNNI kernels                     */
/* ========================================================================== */
/* The AVX512 level keeps the AVX2 table and replaces the matrix products of
   Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_K and Q6_K (the formats of the usual mixes)
   with the kernels below: an integer GEMM for prompts and matrix-vector
   kernels in the same arithmetic for generation. */

/* ---- AVX-512 VNNI: integer GEMM for prompts ------------------------------- */
/* Several activation rows (prompts) against 16 weight rows at a time. The
   weights of a panel of 16 rows x LLML__GK columns are first decoded to
   signed 8-bit codes and stored interleaved by 4 columns, so that one
   512-bit register holds 4 consecutive codes of each of the 16 rows; one
   vpdpbusd then multiplies them by 4 activation codes broadcast to every
   lane, and the 16 lanes accumulate the 16 rows' dot products with no
   horizontal sums. Activations come as unsigned bytes q + 128 (gq layout,
   llml__gq_bytes); the 128 x sum of the codes of each group and row is
   subtracted by starting the sum from it. Per group (a 32-block, or a
   sub-block of a K-format) one int -> float conversion and one or two
   multiply-adds with the group's scales. A tile is 16 weight rows x up to
   8 activation rows: 8 weight registers and 8 accumulators, each weight
   load used 8 times and each activation broadcast 16 times. The packing
   costs about as much as multiplying 2 to 3 activation rows, so the model
   uses these from LLML__GEMM_MIN_NT (4) rows up; fewer rows go through
   the matrix-vector kernels below, which give the same bits. */

#if defined(LLML__X86_512)

/* GCC 12 in C++ mode warns that the AVX-512 intrinsics' own undefined
   placeholders "may be used uninitialized" (GCC bug 105593). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#define LLML__X512_TARGET "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"
#define LLML__AVX512 __attribute__((target(LLML__X512_TARGET)))
#define LLML__AVX512I static inline __attribute__((always_inline, target(LLML__X512_TARGET)))

typedef struct llml__gpack {
    int8_t q[LLML__GK * 16];          /* column 4k + i of row r at 64 k + 4 r + i */
    int32_t bias[LLML__GK / 16 * 16]; /* -128 x sum of the codes, per group and row */
    float d[LLML__GK / 16 * 16];      /* scale per group and row */
    float m[LLML__GK / 32 * 16];      /* Q4_K: min per group and row */
} llml__gpack;

/* Lane L (128 bits) of the result: 16 bytes at rp[4 L + q] + off. */
LLML__AVX512I __m512i llml__x512_ld4(const uint8_t *const *rp, int q, size_t off) {
    __m512i v = _mm512_castsi128_si512(llml__avx2_ld128(rp[q] + off));
    v = _mm512_inserti32x4(v, llml__avx2_ld128(rp[4 + q] + off), 1);
    v = _mm512_inserti32x4(v, llml__avx2_ld128(rp[8 + q] + off), 2);
    return _mm512_inserti32x4(v, llml__avx2_ld128(rp[12 + q] + off), 3);
}

/* Zeroes (the arrays that loops fill: some compilers cannot see it). */
LLML__AVX512I void llml__x512_zero4(__m512i *x) {
    x[0] = x[1] = x[2] = x[3] = _mm512_setzero_si512();
}

/* x[0..3] = llml__x512_ld4(rp, 0..3, off). */
LLML__AVX512I void llml__x512_ld16(const uint8_t *const *rp, size_t off, __m512i *x) {
    x[0] = llml__x512_ld4(rp, 0, off);
    x[1] = llml__x512_ld4(rp, 1, off);
    x[2] = llml__x512_ld4(rp, 2, off);
    x[3] = llml__x512_ld4(rp, 3, off);
}

/* x[q]: lane L holds 16 codes of row 4 L + q. Stores them interleaved (4
   registers: columns 0-3, 4-7, 8-11, 12-15 of rows 0..15) and returns the
   sum of each row's 16 codes. */
LLML__AVX512I void llml__x512_tr4(const __m512i *x, __m512i *o) {
    const __m512i t0 = _mm512_unpacklo_epi32(x[0], x[1]), t1 = _mm512_unpacklo_epi32(x[2], x[3]);
    const __m512i t2 = _mm512_unpackhi_epi32(x[0], x[1]), t3 = _mm512_unpackhi_epi32(x[2], x[3]);
    o[0] = _mm512_unpacklo_epi64(t0, t1);
    o[1] = _mm512_unpackhi_epi64(t0, t1);
    o[2] = _mm512_unpacklo_epi64(t2, t3);
    o[3] = _mm512_unpackhi_epi64(t2, t3);
}
LLML__AVX512I __m512i llml__x512_put16(const __m512i *x, int8_t *dst) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i o[4];
    llml__x512_tr4(x, o);
    _mm512_store_si512((void *)dst, o[0]);
    _mm512_store_si512((void *)(dst + 64), o[1]);
    _mm512_store_si512((void *)(dst + 128), o[2]);
    _mm512_store_si512((void *)(dst + 192), o[3]);
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, o[0]),
                                                                       ones, o[1]), ones, o[2]), ones, o[3]);
}

LLML__AVX512I __m512i llml__x512_lo4(__m512i x) { return _mm512_and_si512(x, _mm512_set1_epi8(0x0f)); }
LLML__AVX512I __m512i llml__x512_hi4(__m512i x) { return _mm512_and_si512(_mm512_srli_epi16(x, 4), _mm512_set1_epi8(0x0f)); }
/* Byte j (0-3) of every dword, sign-extended. */
LLML__AVX512I __m512i llml__x512_sbyte(__m512i v, int j) { return _mm512_srai_epi32(_mm512_slli_epi32(v, 24 - 8 * j), 24); }

/* Q6_K's lanes layout (llml__il_pack): the 6-bit codes of columns 4 q ..
   4 q + 3 of half h of a block of 16 rows, e[k] for the values 128 h + 32
   k + 4 q .., from its X, Y, Z pieces (ternary 0xea: (a & b) | c). */
LLML__AVX512I void llml__x512_q6l(const uint8_t *blk, int h, int q, __m512i *e) {
    const __m512i m4 = _mm512_set1_epi8(0x0f), m30 = _mm512_set1_epi8(0x30), m3f = _mm512_set1_epi8(0x3f);
    const __m512i X = _mm512_loadu_si512((const void *)(blk + 64 * (24 * h + q)));
    const __m512i Y = _mm512_loadu_si512((const void *)(blk + 64 * (24 * h + 8 + q)));
    const __m512i Z = _mm512_loadu_si512((const void *)(blk + 64 * (24 * h + 16 + q)));
    e[0] = _mm512_and_si512(X, m3f);
    e[1] = _mm512_and_si512(Y, m3f);
    e[2] = _mm512_ternarylogic_epi32(Z, m4, _mm512_and_si512(_mm512_srli_epi16(X, 2), m30), 0xea);
    e[3] = _mm512_ternarylogic_epi32(_mm512_srli_epi16(Z, 4), m4, _mm512_and_si512(_mm512_srli_epi16(Y, 2), m30), 0xea);
}

/* 16 fp16 values at rp[r] + off as floats, 0 for the rows past `valid`. */
LLML__AVX512I __m512 llml__x512_h16(const uint8_t *const *rp, size_t off, __mmask16 valid) {
    uint16_t h[16];
    int r;
    for (r = 0; r < 16; r++) h[r] = llml__rd16(rp[r] + off);
    return _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)h)));
}

/* A 64-bit mask loaded straight into a mask register (kmovq from memory:
   through a general register, the Q5_0 kernel ran at 34 GB/s in cache
   instead of 74). p is 8-byte aligned: the masks lie at multiples of 32
   bytes from the 64-byte aligned copy. */
LLML__AVX512I __mmask64 llml__x512_kld(const uint8_t *p) { return _load_mask64((__mmask64 *)(void *)(uintptr_t)p); }

/* Pack columns [k0, k0 + kn) of 16 rows of a 32-block format: from row
   pointers (the file's layout), or with pan from a panel in the
   interleaved layout, whose pieces are already the packed columns. */
LLML__AVX512I void llml__x512_pack32(int f, const uint8_t *const *rp, const uint8_t *pan, int64_t nb, __mmask16 valid,
                                     int64_t k0, int64_t kn, llml__gpack *pk) {
    const int bs = llml__f32b_bytes(f);
    const __m512i kv = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)llml__qb_kvalues));
    const __m512i m4 = _mm512_set1_epi8(0x0f), ones = _mm512_set1_epi8(1);
    int64_t b;
    for (b = 0; b < kn / 32; b++) {
        const int64_t B = k0 / 32 + b;
        const size_t bo = (size_t)B * (size_t)bs;
        __m512i lo[4], hi[4], s;
        int q, l;
        if (pan) {
            /* this block one chunk (32 blocks) further on, in cache before
               its pack: the packs are the first reads of the weights (the
               panel is one stream) */
            const uint8_t *pf = pan + (size_t)(B + 32) * 16 * (size_t)bs, *c;
            const uint8_t *sc = llml__il_blk(pan, (size_t)bs, nb, B, &c);
            int i;
            for (i = 0; i < 16 * bs; i += 64) _mm_prefetch((const char *)(pf + i), _MM_HINT_T0);
            s = _mm512_setzero_si512();
            if (f == LLML__F32B_Q8_0) {
                LLML__UNROLL for (q = 0; q < 8; q++) {
                    const __m512i v = _mm512_xor_si512(_mm512_loadu_si512((const void *)(c + 64 * q)), _mm512_set1_epi8((char)0x80));
                    _mm512_store_si512((void *)(pk->q + b * 512 + 64 * q), v);
                    s = _mm512_dpbusd_epi32(s, ones, v);
                }
            } else {
                LLML__UNROLL for (q = 0; q < 4; q++) {
                    const __m512i v = _mm512_loadu_si512((const void *)(c + 64 * q));
                    __m512i vl = _mm512_and_si512(v, m4), vh = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                    if (f == LLML__F32B_Q4_0) {
                        vl = _mm512_sub_epi8(vl, _mm512_set1_epi8(8));
                        vh = _mm512_sub_epi8(vh, _mm512_set1_epi8(8));
                    } else if (f == LLML__F32B_Q5_0) {
                        vl = _mm512_sub_epi8(_mm512_mask_add_epi8(vl, llml__x512_kld(c + 256 + 16 * q), vl, _mm512_set1_epi8(16)),
                                             _mm512_set1_epi8(16));
                        vh = _mm512_sub_epi8(_mm512_mask_add_epi8(vh, llml__x512_kld(c + 264 + 16 * q), vh, _mm512_set1_epi8(16)),
                                             _mm512_set1_epi8(16));
                    } else {
                        vl = _mm512_shuffle_epi8(kv, vl);
                        vh = _mm512_shuffle_epi8(kv, vh);
                    }
                    _mm512_store_si512((void *)(pk->q + b * 512 + 64 * q), vl);
                    _mm512_store_si512((void *)(pk->q + b * 512 + 256 + 64 * q), vh);
                    s = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(s, ones, vl), ones, vh);
                }
            }
            _mm512_store_si512((void *)(pk->bias + b * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(s, 7)));
            _mm512_store_ps(pk->d + b * 16, _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)sc))));
            continue;
        }
        llml__x512_zero4(lo); llml__x512_zero4(hi);
        LLML__UNROLL for (q = 0; q < 4; q++) {
            if (f == LLML__F32B_Q8_0) {
                lo[q] = llml__x512_ld4(rp, q, bo + 2);
                hi[q] = llml__x512_ld4(rp, q, bo + 18);
                continue;
            }
            {
                const __m512i x = llml__x512_ld4(rp, q, bo + (f == LLML__F32B_Q5_0 ? 6 : 2));
                lo[q] = llml__x512_lo4(x);
                hi[q] = llml__x512_hi4(x);
            }
            if (f == LLML__F32B_Q4_0) {
                lo[q] = _mm512_sub_epi8(lo[q], _mm512_set1_epi8(8));
                hi[q] = _mm512_sub_epi8(hi[q], _mm512_set1_epi8(8));
            } else if (f == LLML__F32B_IQ4_NL) {
                lo[q] = _mm512_shuffle_epi8(kv, lo[q]);
                hi[q] = _mm512_shuffle_epi8(kv, hi[q]);
            } else { /* Q5_0: the fifth bits, 16 per half block, as 0x10 bytes */
                uint64_t ml = 0, mh = 0;
                LLML__UNROLL for (l = 0; l < 4; l++) {
                    const uint32_t h = llml__rd32(rp[4 * l + q] + bo + 2);
                    ml |= (uint64_t)(h & 0xffffu) << (16 * l);
                    mh |= (uint64_t)(h >> 16) << (16 * l);
                }
                lo[q] = _mm512_sub_epi8(_mm512_or_si512(lo[q], _mm512_maskz_mov_epi8(ml, _mm512_set1_epi8(0x10))), _mm512_set1_epi8(16));
                hi[q] = _mm512_sub_epi8(_mm512_or_si512(hi[q], _mm512_maskz_mov_epi8(mh, _mm512_set1_epi8(0x10))), _mm512_set1_epi8(16));
            }
        }
        s = llml__x512_put16(lo, pk->q + b * 512);
        s = _mm512_add_epi32(s, llml__x512_put16(hi, pk->q + b * 512 + 256));
        _mm512_store_si512((void *)(pk->bias + b * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(s, 7)));
        _mm512_store_ps(pk->d + b * 16, llml__x512_h16(rp, bo, valid));
    }
}

/* Q4_K's 6-bit scale and min of group g (0-7) for 16 rows, from the 12
   scale bytes transposed into sc[1..3] (lanes are rows). */
LLML__AVX512I void llml__x512_k4sm(const __m512i *sc, int g, __m512i *scg, __m512i *mg) {
    const __m512i m63 = _mm512_set1_epi32(63), m15 = _mm512_set1_epi32(15), m3 = _mm512_set1_epi32(3);
    if (g < 4) {
        *scg = _mm512_and_si512(_mm512_srli_epi32(sc[1], 8 * g), m63);
        *mg = _mm512_and_si512(_mm512_srli_epi32(sc[2], 8 * g), m63);
    } else {
        *scg = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(sc[3], 8 * (g - 4)), m15),
                               _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(sc[1], 8 * (g - 4) + 6), m3), 4));
        *mg = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(sc[3], 8 * (g - 4) + 4), m15),
                              _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(sc[2], 8 * (g - 4) + 6), m3), 4));
    }
}

/* Pack columns [k0, k0 + kn) of 16 rows of Q4_K (groups of 32, with mins)
   or Q6_K (groups of 16). */
static LLML__AVX512 __attribute__((noinline)) void llml__x512_packk(int f, const uint8_t *const *rp, size_t bst, int il, __mmask16 valid,
                                                                     int64_t k0, int64_t kn, llml__gpack *pk) {
    int64_t b;
    for (b = 0; b < kn / 256; b++) {
        const size_t bo = (size_t)(k0 / 256 + b) * bst;
        if (il) {   /* the block one chunk further on (as llml__x512_pack32) */
            const uint8_t *pf = rp[0] + bo + (size_t)(LLML__GK / 256) * bst;
            size_t i;
            for (i = 0; i < bst; i += 64) _mm_prefetch((const char *)(pf + i), _MM_HINT_T0);
        }
        int8_t *dq = pk->q + b * 256 * 16;
        int q, c, p, j, r;
        if (f == LLML__FK_Q4_K && il) {   /* the lanes layout: its pieces are the packed columns as they are */
            const uint8_t *blk = rp[0] + bo;
            const __m512i m4 = _mm512_set1_epi8(0x0f), ones = _mm512_set1_epi8(1);
            __m512i sc[4];
            __m512 d, dmin;
            LLML__UNROLL for (c = 0; c < 4; c++) {
                __m512i sl = _mm512_setzero_si512(), sh = _mm512_setzero_si512();
                LLML__UNROLL for (q = 0; q < 8; q++) {
                    const __m512i v = _mm512_loadu_si512((const void *)(blk + 256 + 64 * (8 * c + q)));
                    const __m512i lo = _mm512_and_si512(v, m4), hi = llml__x512_hi4(v);
                    _mm512_store_si512((void *)(dq + (64 * c + 4 * q) * 16), lo);
                    _mm512_store_si512((void *)(dq + (64 * c + 32 + 4 * q) * 16), hi);
                    sl = _mm512_dpbusd_epi32(sl, ones, lo);
                    sh = _mm512_dpbusd_epi32(sh, ones, hi);
                }
                _mm512_store_si512((void *)(pk->bias + (b * 8 + 2 * c) * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sl, 7)));
                _mm512_store_si512((void *)(pk->bias + (b * 8 + 2 * c + 1) * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sh, 7)));
            }
            LLML__UNROLL for (c = 0; c < 4; c++) sc[c] = _mm512_loadu_si512((const void *)(blk + 64 * c));
            d = _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(sc[0])));
            dmin = _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(sc[0], 16))));
            LLML__UNROLL for (j = 0; j < 8; j++) {
                __m512i scg, mg;
                llml__x512_k4sm(sc, j, &scg, &mg);
                _mm512_store_ps(pk->d + (b * 8 + j) * 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(scg)));
                _mm512_store_ps(pk->m + (b * 8 + j) * 16, _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(mg)));
            }
        } else if (f == LLML__FK_Q4_K) {
            __m512i sum[8], lo[4], hi[4];
            llml__x512_zero4(lo); llml__x512_zero4(hi); llml__x512_zero4(sum); llml__x512_zero4(sum + 4);
            LLML__UNROLL for (c = 0; c < 4; c++) {
                LLML__UNROLL for (p = 0; p < 2; p++) {
                    __m512i s0, s1;
                    LLML__UNROLL for (q = 0; q < 4; q++) {
                        const __m512i x = llml__x512_ld4(rp, q, bo + 16 + 32 * (size_t)c + 16 * (size_t)p);
                        lo[q] = llml__x512_lo4(x);
                        hi[q] = llml__x512_hi4(x);
                    }
                    s0 = llml__x512_put16(lo, dq + (64 * c + 16 * p) * 16);
                    s1 = llml__x512_put16(hi, dq + (64 * c + 32 + 16 * p) * 16);
                    sum[2 * c] = p ? _mm512_add_epi32(sum[2 * c], s0) : s0;
                    sum[2 * c + 1] = p ? _mm512_add_epi32(sum[2 * c + 1], s1) : s1;
                }
            }
            LLML__UNROLL for (j = 0; j < 8; j++)
                _mm512_store_si512((void *)(pk->bias + (b * 8 + j) * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sum[j], 7)));
            {   /* d, dmin and the 12 scale bytes of the 16 rows, transposed */
                __m512i x[4], sc[4], scg, mg;
                __m512 d, dmin;
                llml__x512_ld16(rp, bo, x);
                llml__x512_tr4(x, sc);
                d = _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(sc[0])));
                dmin = _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(sc[0], 16))));
                LLML__UNROLL for (j = 0; j < 8; j++) {
                    llml__x512_k4sm(sc, j, &scg, &mg);
                    _mm512_store_ps(pk->d + (b * 8 + j) * 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(scg)));
                    _mm512_store_ps(pk->m + (b * 8 + j) * 16, _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(mg)));
                }
            }
        } else if (il) {   /* Q6_K's lanes layout: decoded as llml__x512_mvkl does */
            const uint8_t *blk = rp[0] + bo;
            const __m512i o32 = _mm512_set1_epi8(32), ones = _mm512_set1_epi8(1);
            __m512i sums[16];
            __m512 d;
            int h;
            LLML__UNROLL for (h = 0; h < 2; h++)
                LLML__UNROLL for (q = 0; q < 8; q++) {
                    __m512i e[4];
                    llml__x512_q6l(blk, h, q, e);
                    LLML__UNROLL for (c = 0; c < 4; c++) {
                        const int g = 8 * h + 2 * c + q / 4;
                        const __m512i v = _mm512_sub_epi8(e[c], o32);
                        _mm512_store_si512((void *)(dq + (128 * h + 32 * c + 4 * q) * 16), v);
                        sums[g] = _mm512_dpbusd_epi32(q % 4 ? sums[g] : _mm512_setzero_si512(), ones, v);
                    }
                }
            LLML__UNROLL for (j = 0; j < 16; j++)
                _mm512_store_si512((void *)(pk->bias + (b * 16 + j) * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sums[j], 7)));
            d = _mm512_maskz_mov_ps(valid, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(blk + 64 * 52))));
            LLML__UNROLL for (j = 0; j < 16; j++) {
                const __m512i sc = _mm512_loadu_si512((const void *)(blk + 64 * (48 + j / 4)));
                _mm512_store_ps(pk->d + (b * 16 + j) * 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(llml__x512_sbyte(sc, j % 4))));
            }
        } else { /* Q6_K */
            const __m512i m4 = _mm512_set1_epi8(0x0f), m30 = _mm512_set1_epi8(0x30), o32 = _mm512_set1_epi8(32);
            int h;
            LLML__UNROLL for (h = 0; h < 2; h++) {
                LLML__UNROLL for (p = 0; p < 2; p++) {
                    __m512i e[4][4];
                    LLML__UNROLL for (q = 0; q < 4; q++) {
                        const __m512i qa = llml__x512_ld4(rp, q, bo + 64 * (size_t)h + 16 * (size_t)p);
                        const __m512i qb = llml__x512_ld4(rp, q, bo + 64 * (size_t)h + 32 + 16 * (size_t)p);
                        const __m512i qh = llml__x512_ld4(rp, q, bo + 128 + 32 * (size_t)h + 16 * (size_t)p);
                        e[0][q] = _mm512_sub_epi8(_mm512_or_si512(_mm512_and_si512(qa, m4), _mm512_and_si512(_mm512_slli_epi16(qh, 4), m30)), o32);
                        e[1][q] = _mm512_sub_epi8(_mm512_or_si512(_mm512_and_si512(qb, m4), _mm512_and_si512(_mm512_slli_epi16(qh, 2), m30)), o32);
                        e[2][q] = _mm512_sub_epi8(_mm512_or_si512(llml__x512_hi4(qa), _mm512_and_si512(qh, m30)), o32);
                        e[3][q] = _mm512_sub_epi8(_mm512_or_si512(llml__x512_hi4(qb), _mm512_and_si512(_mm512_srli_epi16(qh, 2), m30)), o32);
                    }
                    LLML__UNROLL for (c = 0; c < 4; c++) {
                        const int e0 = 128 * h + 32 * c + 16 * p;   /* first column, a multiple of 16 */
                        const __m512i s = llml__x512_put16(e[c], dq + e0 * 16);
                        _mm512_store_si512((void *)(pk->bias + (b * 16 + e0 / 16) * 16), _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(s, 7)));
                    }
                }
            }
            for (r = 0; r < 16; r++) {
                const uint8_t *x = rp[r] + bo;
                const float d = (valid >> r) & 1 ? llml__avx2_h(x + 208) : 0.0f;
                for (j = 0; j < 16; j++) pk->d[(b * 16 + j) * 16 + r] = d * (float)(int8_t)x[192 + j];
            }
        }
    }
}

LLML__AVX512I __m512i llml__x512_bc(const uint8_t *p) { return _mm512_set1_epi32((int)llml__rd32(p)); }

/* acc (16 rows of one activation row) into out: stored when `first`, else added. */
LLML__AVX512I void llml__x512_out(float *o, __m512 acc, __mmask16 valid, int first) {
    if (!first) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(valid, o));
    _mm512_mask_storeu_ps(o, valid, acc);
}

/* TN activation rows (codes at aq + j as, block scales at ad + j as) x a
   packed chunk of ng 32-blocks. */
LLML__AVX512I void llml__x512_tile32(int TN, int64_t ng, const llml__gpack *pk, const uint8_t *aq, const uint8_t *ad,
                                     size_t as, float *out, size_t os, __mmask16 valid, int first) {
    __m512 acc[8];
    int j, k;
    int64_t g;
    LLML__UNROLL for (j = 0; j < TN; j++) acc[j] = _mm512_setzero_ps();
    for (g = 0; g < ng; g++) {
        __m512i w[8];
        const __m512i bias = _mm512_load_si512((const void *)(pk->bias + g * 16));
        const __m512 dw = _mm512_load_ps(pk->d + g * 16);
        LLML__UNROLL for (k = 0; k < 8; k++) w[k] = _mm512_load_si512((const void *)(pk->q + g * 512 + 64 * k));
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const uint8_t *y = aq + (size_t)j * as + 32 * g;
            __m512i s = bias;
            LLML__UNROLL for (k = 0; k < 8; k++) s = _mm512_dpbusd_epi32(s, llml__x512_bc(y + 4 * k), w[k]);
            acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, _mm512_set1_ps(llml__avx2_f(ad + (size_t)j * as + 4 * g))), acc[j]);
        }
    }
    LLML__UNROLL for (j = 0; j < TN; j++) llml__x512_out(out + (size_t)j * os, acc[j], valid, first);
}

/* TN activation rows x a packed chunk of nblk 256-blocks of Q4_K / Q6_K:
   codes at aq + j as, scale per 256 at ad + j as, sums per 32 at asum + j as. */
LLML__AVX512I void llml__x512_tilek(int f, int TN, int64_t nblk, const llml__gpack *pk, const uint8_t *aq,
                                    const uint8_t *ad, const uint8_t *asum, size_t as,
                                    float *out, size_t os, __mmask16 valid, int first) {
    const int G = f == LLML__FK_Q6_K ? 16 : 32, NG = 256 / G, NW = G / 4, mins = f == LLML__FK_Q4_K;
    __m512 acc[8], fs[8];
    int j, k, g;
    int64_t b;
    LLML__UNROLL for (j = 0; j < TN; j++) acc[j] = _mm512_setzero_ps();
    for (b = 0; b < nblk; b++) {
        LLML__UNROLL for (j = 0; j < TN; j++) fs[j] = _mm512_setzero_ps();
        for (g = 0; g < NG; g++) {
            const int gg = f == LLML__FK_Q6_K ? llml__avx2_q6g(g) : g;
            const int64_t gi = b * NG + gg;
            __m512i w[8];
            const __m512i bias = _mm512_load_si512((const void *)(pk->bias + gi * 16));
            const __m512 ds = _mm512_load_ps(pk->d + gi * 16);
            const __m512 mn = mins ? _mm512_load_ps(pk->m + gi * 16) : _mm512_setzero_ps();
            LLML__UNROLL for (k = 0; k < NW; k++) w[k] = _mm512_load_si512((const void *)(pk->q + gi * G * 16 + 64 * k));
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const uint8_t *y = aq + (size_t)j * as + 256 * b + G * gg;
                __m512i s = bias;
                LLML__UNROLL for (k = 0; k < NW; k++) s = _mm512_dpbusd_epi32(s, llml__x512_bc(y + 4 * k), w[k]);
                fs[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), ds, fs[j]);
                if (mins) fs[j] = _mm512_fnmadd_ps(mn, _mm512_set1_ps(llml__avx2_f(asum + (size_t)j * as + 4 * (8 * b + g))), fs[j]);
            }
        }
        LLML__UNROLL for (j = 0; j < TN; j++)
            acc[j] = _mm512_fmadd_ps(fs[j], _mm512_set1_ps(llml__avx2_f(ad + (size_t)j * as + 4 * b)), acc[j]);
    }
    LLML__UNROLL for (j = 0; j < TN; j++) llml__x512_out(out + (size_t)j * os, acc[j], valid, first);
}

/* Row i of a 16-row panel at w (rn rows) and the stride between its
   blocks: rows one after another (the file's order), or with il the lanes
   layouts (llml__il_pack): rp[0] for every row, block b at w + 16 b bs. */
LLML__AVX512I size_t llml__x512_rows(const uint8_t *w, size_t ws, int rn, int il, int kind, int f, const uint8_t **rp) {
    const size_t bs = kind == 0 ? 0 : (size_t)llml__fk_bytes(f);
    int i;
    for (i = 0; i < 16; i++) rp[i] = il ? w : w + (size_t)(i < rn ? i : 0) * ws;
    return il ? 16 * bs : bs;
}

/* One tile of Q4_K's GEMM (tn activation rows at at, columns [k0, k0 +
   kn) packed in pk), a function that the file-layout and the lanes-layout
   GEMMs both call: inlined into each, the same tile code came out of GCC
   12 with different register spills, and the lanes GEMM ran 25% slower
   than the other. (Q6_K's tile is the other way round: inlined it is
   faster in both; PERF.md, session 20.) */
static LLML__AVX512 __attribute__((noinline)) void llml__x512_tilesk_q4_k(int tn, int64_t n, int64_t k0, int64_t kn, const llml__gpack *pk,
                                                                           const uint8_t *at, size_t as, float *o, size_t os, __mmask16 valid) {
    const int f = LLML__FK_Q4_K;
    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 256), *asum = at + n + 4 * (n / 256) + 4 * (k0 / 32);
    switch (tn) {
    case 8: llml__x512_tilek(f, 8, kn / 256, pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
    case 4: llml__x512_tilek(f, 4, kn / 256, pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
    case 2: llml__x512_tilek(f, 2, kn / 256, pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
    default: llml__x512_tilek(f, 1, kn / 256, pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
    }
}

/* The driver: panels of 16 weight rows, chunks of LLML__GK columns, tiles
   of 8 (then 4, 2, 1) activation rows. kind 0: 32-block format f; 1: K
   (il: in the interleaved layout). */
LLML__AVX512I void llml__x512_gemm(int kind, int f, int il, int64_t n, const void *wv, size_t ws, int64_t nr,
                                   const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    llml__gpack pk __attribute__((aligned(64)));
    const uint8_t *rp[16];
    int64_t r0, k0, t0;
    for (r0 = 0; r0 < nr; r0 += 16) {
        const int rn = (int)LLML__MIN(16, nr - r0);
        const __mmask16 valid = (__mmask16)((1u << rn) - 1u);
        const size_t bst = llml__x512_rows(w + (size_t)r0 * ws, ws, rn, il, kind, f, rp);
        for (k0 = 0; k0 < n; k0 += LLML__GK) {
            const int64_t kn = LLML__MIN(LLML__GK, n - k0);
            if (kind == 0) llml__x512_pack32(f, rp, il ? w + (size_t)r0 * ws : NULL, n / 32, valid, k0, kn, &pk);
            else llml__x512_packk(f, rp, bst, il, valid, k0, kn, &pk);
            for (t0 = 0; t0 < nt; ) {
                const int64_t left = nt - t0;
                const int tn = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
                const uint8_t *at = a + (size_t)t0 * as;
                float *o = out + (size_t)t0 * os + (size_t)r0;
                if (kind == 0) {
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 32);
                    switch (tn) {
                    case 8: llml__x512_tile32(8, kn / 32, &pk, aq, ad, as, o, os, valid, k0 == 0); break;
                    case 4: llml__x512_tile32(4, kn / 32, &pk, aq, ad, as, o, os, valid, k0 == 0); break;
                    case 2: llml__x512_tile32(2, kn / 32, &pk, aq, ad, as, o, os, valid, k0 == 0); break;
                    default: llml__x512_tile32(1, kn / 32, &pk, aq, ad, as, o, os, valid, k0 == 0); break;
                    }
                } else if (f == LLML__FK_Q4_K) llml__x512_tilesk_q4_k(tn, n, k0, kn, &pk, at, as, o, os, valid);
                else {   /* Q6_K's tile inlined: as a call, 15% slower (GCC 12) */
                    const uint8_t *aq = at + k0, *ad = at + n + 4 * (k0 / 256), *asum = at + n + 4 * (n / 256) + 4 * (k0 / 32);
                    switch (tn) {
                    case 8: llml__x512_tilek(f, 8, kn / 256, &pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
                    case 4: llml__x512_tilek(f, 4, kn / 256, &pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
                    case 2: llml__x512_tilek(f, 2, kn / 256, &pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
                    default: llml__x512_tilek(f, 1, kn / 256, &pk, aq, ad, asum, as, o, os, valid, k0 == 0); break;
                    }
                }
                t0 += tn;
            }
        }
    }
}

#define LLML__X512_GEMM(name, KIND, F) \
    static LLML__AVX512 void llml__avx512_gemm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                      const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__x512_gemm(KIND, F, 0, n, w, ws, nr, a, as, nt, out, os); \
    }
#define LLML__X512_GEMMI(name, KIND, F) \
    static LLML__AVX512 void llml__avx512_gemmi_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                       const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__x512_gemm(KIND, F, 1, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__X512_GEMM(q4_0, 0, LLML__F32B_Q4_0)
LLML__X512_GEMM(q5_0, 0, LLML__F32B_Q5_0)
LLML__X512_GEMM(q8_0, 0, LLML__F32B_Q8_0)
LLML__X512_GEMM(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__X512_GEMM(q4_k, 1, LLML__FK_Q4_K)
LLML__X512_GEMM(q6_k, 1, LLML__FK_Q6_K)
LLML__X512_GEMMI(q4_0, 0, LLML__F32B_Q4_0)
LLML__X512_GEMMI(q5_0, 0, LLML__F32B_Q5_0)
LLML__X512_GEMMI(q8_0, 0, LLML__F32B_Q8_0)
LLML__X512_GEMMI(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__X512_GEMMI(q4_k, 1, LLML__FK_Q4_K)
LLML__X512_GEMMI(q6_k, 1, LLML__FK_Q6_K)

/* ---- AVX-512 VNNI: matrix-vector products in the GEMM's arithmetic -------- */
/* With fewer activation rows than LLML__GEMM_MIN_NT (token generation) the
   weights are read straight from the file's blocks, 16 rows at a time (no
   packing: each weight is used once): each row's bytes are multiplied in
   place (few loads, no transposing shuffles; Q4_0, IQ4_NL and Q8_0 pick
   whole groups of blocks into 128-bit lanes with one vpermt2w) and the
   partial sums are transposed after (llml__x512_red4, _hadd4); Q5_0 still
   decodes into the GEMM's lanes-are-rows registers (llml__x512_mv32b). The codes stay unsigned here (the
   activations are the signed operand) and the offset (8 for Q4_0, 16 for
   Q5_0, 128 for Q8_0 / IQ4_NL, 32 for Q6_K) times the sum of the activation
   codes starts the integer sum, which gives the same exact integer as the
   GEMM. The float steps (per group, then per chunk of LLML__GK columns)
   are the GEMM's, in the same order, so a token's results are the same bits
   whether it is computed alone or within a prompt: this matters, because a
   difference of one unit in the last place can flip an activation's 8-bit
   code in the next layer and move the logits by 1e-2. */

/* Prefetch the next `lines` cache lines at pf: the mv kernels read their 16
   rows as 16 interleaved streams, which the hardware prefetchers follow
   badly; they prefetch the next panel of rows (one linear stream) while
   working on this one. */
LLML__AVX512I const uint8_t *llml__x512_pf(const uint8_t *pf, int lines) {
    int i;
    for (i = 0; i < lines; i++) _mm_prefetch((const char *)(pf + 64 * i), _MM_HINT_T0);
    return pf + 64 * lines;
}
/* 16 fp16 values at rp[r] + off as floats (scalar loads: a gather is slower). */
LLML__AVX512I __m512 llml__x512_sh16(const uint8_t *const *rp, size_t off) {
    uint16_t h[16];
    int r;
    LLML__UNROLL for (r = 0; r < 16; r++) h[r] = llml__rd16(rp[r] + off);
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)h));
}


/* The transposing reduction of the row-major mv kernels. d[i] holds 16
   dword partial sums of row i of a quad, 128-bit lane L for lane group L
   (the lanes of one row are summed separately); every partial must fit in
   14 bits plus sign, so that two of them pack into an int16 and their sum
   still does. Returns, per lane L, the 4 rows' sums of lane L's 4 dwords
   (dword 4 L + i: row i). Packing two registers halves them and one
   multiply-add by 1 sums the pairs: two shuffles per four rows and lane
   sums instead of the transpose's eight. */
LLML__AVX512I __m512i llml__x512_red4(const __m512i *d, __m512i one) {
    const __m512i p0 = _mm512_madd_epi16(_mm512_packs_epi32(d[0], d[1]), one);   /* per lane: row 0: 2 sums, row 1: 2 */
    const __m512i p1 = _mm512_madd_epi16(_mm512_packs_epi32(d[2], d[3]), one);
    return _mm512_madd_epi16(_mm512_packs_epi32(p0, p1), one);
}

/* q[j]: llml__x512_red4 of rows 4 j .. 4 j + 3, with lanes 0-1 summing to
   group A and lanes 2-3 to group B. Returns the group sums with lane r =
   row r. */
LLML__AVX512I void llml__x512_red16(const __m512i *q, __m512i *ga, __m512i *gb) {
    /* [q0 A, q0 B, q1 A, q1 B] and [q2 A, q2 B, q3 A, q3 B] */
    const __m512i z0 = _mm512_add_epi32(_mm512_shuffle_i32x4(q[0], q[1], 0x88), _mm512_shuffle_i32x4(q[0], q[1], 0xdd));
    const __m512i z1 = _mm512_add_epi32(_mm512_shuffle_i32x4(q[2], q[3], 0x88), _mm512_shuffle_i32x4(q[2], q[3], 0xdd));
    *ga = _mm512_shuffle_i32x4(z0, z1, 0x88);
    *gb = _mm512_shuffle_i32x4(z0, z1, 0xdd);
}

/* llml__x512_red4 for partials that use the whole int16 range (Q6_K: 4 x
   63 x 128): one pack and multiply-add, then the pair sums in dwords. */
LLML__AVX512I __m512i llml__x512_red4w(const __m512i *d, __m512i one) {
    const __m512 p0 = _mm512_castsi512_ps(_mm512_madd_epi16(_mm512_packs_epi32(d[0], d[1]), one));
    const __m512 p1 = _mm512_castsi512_ps(_mm512_madd_epi16(_mm512_packs_epi32(d[2], d[3]), one));
    return _mm512_add_epi32(_mm512_castps_si512(_mm512_shuffle_ps(p0, p1, 0x88)), _mm512_castps_si512(_mm512_shuffle_ps(p0, p1, 0xdd)));
}

/* q[j]: llml__x512_red4w of rows 4 j .. 4 j + 3, lane L for group L. Returns
   g[L] with lane r = row r (a 4 x 4 transpose of 128-bit lanes). */
LLML__AVX512I void llml__x512_tr44(const __m512i *q, __m512i *g) {
    const __m512i z0 = _mm512_shuffle_i32x4(q[0], q[1], 0x44), z1 = _mm512_shuffle_i32x4(q[0], q[1], 0xee);
    const __m512i z2 = _mm512_shuffle_i32x4(q[2], q[3], 0x44), z3 = _mm512_shuffle_i32x4(q[2], q[3], 0xee);
    g[0] = _mm512_shuffle_i32x4(z0, z2, 0x88);
    g[1] = _mm512_shuffle_i32x4(z0, z2, 0xdd);
    g[2] = _mm512_shuffle_i32x4(z1, z3, 0x88);
    g[3] = _mm512_shuffle_i32x4(z1, z3, 0xdd);
}

/* One 32-block (at byte bo of each row) of 16 rows in the lanes-are-rows
   form: the bytes are gathered by 128-bit inserts and transposed. Q5_0
   uses it for every block (its fifth bits go in by byte position), the
   other formats for the blocks past the last whole group of 4. */
LLML__AVX512I __m512 llml__x512_mv32b(int f, const uint8_t *const *rp, size_t bo, const uint8_t *yb, __m512i kvu, int off,
                                      __m512 acc) {
    __m512i lo[4], hi[4], u[8], s;
    int q, k, l;
    llml__x512_zero4(lo); llml__x512_zero4(hi);
    if (f == LLML__F32B_Q5_0) {   /* the fifth bits go in by byte position: decode, then transpose */
        LLML__UNROLL for (q = 0; q < 4; q++) {
            const __m512i x = llml__x512_ld4(rp, q, bo + 6);
            uint64_t ml = 0, mh = 0;
            LLML__UNROLL for (l = 0; l < 4; l++) {
                const uint32_t h = llml__rd32(rp[4 * l + q] + bo + 2);
                ml |= (uint64_t)(h & 0xffffu) << (16 * l);
                mh |= (uint64_t)(h >> 16) << (16 * l);
            }
            lo[q] = _mm512_or_si512(llml__x512_lo4(x), _mm512_maskz_mov_epi8(ml, _mm512_set1_epi8(0x10)));
            hi[q] = _mm512_or_si512(llml__x512_hi4(x), _mm512_maskz_mov_epi8(mh, _mm512_set1_epi8(0x10)));
        }
        llml__x512_tr4(lo, u);
        llml__x512_tr4(hi, u + 4);
    } else if (f == LLML__F32B_Q8_0) {
        LLML__UNROLL for (q = 0; q < 4; q++) {
            lo[q] = llml__x512_ld4(rp, q, bo + 2);
            hi[q] = llml__x512_ld4(rp, q, bo + 18);
        }
        llml__x512_tr4(lo, u);
        llml__x512_tr4(hi, u + 4);
        LLML__UNROLL for (k = 0; k < 8; k++) u[k] = _mm512_xor_si512(u[k], _mm512_set1_epi8((char)0x80));
    } else {   /* transpose the packed bytes, then split the nibbles */
        llml__x512_ld16(rp, bo + 2, lo);
        llml__x512_tr4(lo, hi);
        LLML__UNROLL for (k = 0; k < 4; k++) {
            u[k] = llml__x512_lo4(hi[k]);
            u[4 + k] = llml__x512_hi4(hi[k]);
            if (f == LLML__F32B_IQ4_NL) {
                u[k] = _mm512_shuffle_epi8(kvu, u[k]);
                u[4 + k] = _mm512_shuffle_epi8(kvu, u[4 + k]);
            }
        }
    }
    s = _mm512_set1_epi32(-off * llml__avx2_sum32(yb + 2));
    LLML__UNROLL for (k = 0; k < 8; k++) s = _mm512_dpbusd_epi32(s, u[k], llml__x512_bc(yb + 2 + 4 * k));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(llml__x512_sh16(rp, bo), _mm512_set1_ps(llml__avx2_h(yb))), acc);
}

/* 64 bytes at p of which `avail` lie inside the row: a plain load when all
   do, else a masked one (which does not touch the bytes masked off). */
LLML__AVX512I __m512i llml__x512_ldr(const uint8_t *p, int64_t avail) {
    if (avail >= 64) return _mm512_loadu_si512((const void *)p);
    return _mm512_maskz_loadu_epi8(avail > 0 ? ~0ull >> (64 - avail) : 0, (const void *)p);
}

/* 4 x 16 bytes at p0..p3 as the 128-bit lanes 0..3. */
LLML__AVX512I __m512i llml__x512_lanes(const uint8_t *p0, const uint8_t *p1, const uint8_t *p2, const uint8_t *p3) {
    __m512i v = _mm512_castsi128_si512(llml__avx2_ld128(p0));
    v = _mm512_inserti32x4(v, llml__avx2_ld128(p1), 1);
    v = _mm512_inserti32x4(v, llml__avx2_ld128(p2), 2);
    return _mm512_inserti32x4(v, llml__avx2_ld128(p3), 3);
}

/* The dword form of llml__x512_red4 (partial sums of any size): per 128-bit
   lane, dword i = the sum of row i's 4 dwords in that lane. */
LLML__AVX512I __m512i llml__x512_hadd4(const __m512i *d) {
    const __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[0], d[1]), _mm512_unpackhi_epi32(d[0], d[1]));
    const __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[2], d[3]), _mm512_unpackhi_epi32(d[2], d[3]));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
}

/* Blocks b .. b + 3 (group g of the chunk of 32 blocks that starts at byte
   cb of each row; rb: the row's bytes) of 16 rows, row-major. A chunk of 32
   blocks is 576 bytes (Q4_0, IQ4_NL) or 1088 (Q8_0), a whole number of
   64-byte pieces, and the code bytes of 4 Q4_0 blocks (of 2 Q8_0 blocks)
   lie in two consecutive pieces at even offsets: one vpermt2w per row picks
   them into 128-bit lanes (Q4_0: lane L = block b + L; Q8_0: lanes 0-1 and
   2-3 = the two blocks), with no inserts and no transpose. vpdpbusd against
   activation registers laid out the same way gives each row's partial sums,
   started from -offset x the activations' sums, so that they are sums of
   (code - offset) x activation; a transposing reduction (llml__x512_red4
   where the partials fit: Q4_0, 8 x 8 x 128; dword adds for IQ4_NL and
   Q8_0) turns them into the 4 blocks' sums with lanes = rows: the same
   exact integers as the GEMM's, then its float steps block by block. */
LLML__AVX512I __m512 llml__x512_mv32g(int f, const uint8_t *const *rp, size_t cb, int64_t rb, int g, const uint8_t *y,
                                      int64_t b, size_t so, __m512i kvu, __m512i base, __m512 acc) {
    const __m512i m4 = _mm512_set1_epi8(0x0f), one = _mm512_set1_epi16(1);
    __m512i qv[4], gs[4], sa = _mm512_setzero_si512(), sb = sa;
    int q, p, h, l;
    if (f == LLML__F32B_Q8_0) {
        const __m512i c80 = _mm512_set1_epi8((char)0x80);
        __m512i a[2], st[2], idx[2];
        size_t o0 = 0;
        LLML__UNROLL for (h = 0; h < 2; h++) {
            const uint8_t *y0 = y + 34 * (b + 2 * h), *y1 = y0 + 34;
            const int wo = 34 * (2 * g + h), j = (wo + 1) / 32;   /* first word of the pair; its first piece */
            a[h] = llml__x512_lanes(y0 + 2, y0 + 18, y1 + 2, y1 + 18);
            st[h] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c80, a[h]));
            idx[h] = _mm512_add_epi16(base, _mm512_set1_epi16((short)(wo - 32 * j)));
            if (h == 0) o0 = cb + 64 * (size_t)j;
        }
        LLML__UNROLL for (q = 0; q < 4; q++) {
            __m512i pd[4];
            LLML__UNROLL for (p = 0; p < 4; p++) {
                /* the second pair starts in the first pair's second piece
                   (34 (2 g + 1) + 1 < 32 (j + 2) for every g): 3 loads */
                const uint8_t *x = rp[4 * q + p] + o0;
                const __m512i v0 = llml__x512_ldr(x, rb - (int64_t)o0), v1 = llml__x512_ldr(x + 64, rb - (int64_t)o0 - 64);
                const __m512i v2 = llml__x512_ldr(x + 128, rb - (int64_t)o0 - 128);
                __m512i d[2];
                d[0] = _mm512_dpbusd_epi32(st[0], _mm512_xor_si512(_mm512_permutex2var_epi16(v0, idx[0], v1), c80), a[0]);
                d[1] = _mm512_dpbusd_epi32(st[1], _mm512_xor_si512(_mm512_permutex2var_epi16(v1, idx[1], v2), c80), a[1]);
                /* lanes: blocks b, b + 1 (lane pairs of d[0]), b + 2, b + 3 */
                pd[p] = _mm512_add_epi32(_mm512_shuffle_i32x4(d[0], d[1], 0x88), _mm512_shuffle_i32x4(d[0], d[1], 0xdd));
            }
            qv[q] = llml__x512_hadd4(pd);
        }
    } else {
        const __m512i idx = _mm512_add_epi16(base, _mm512_set1_epi16((short)(4 * g)));
        const size_t o = cb + 64 * (size_t)g;
        const __m512i al = llml__x512_lanes(y + 34 * b + 2, y + 34 * (b + 1) + 2, y + 34 * (b + 2) + 2, y + 34 * (b + 3) + 2);
        const __m512i ah = llml__x512_lanes(y + 34 * b + 18, y + 34 * (b + 1) + 18, y + 34 * (b + 2) + 18, y + 34 * (b + 3) + 18);
        const __m512i co = _mm512_set1_epi8((char)(f == LLML__F32B_Q4_0 ? 8 : 0x80));
        const __m512i st = _mm512_sub_epi32(_mm512_setzero_si512(),
                                            _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), co, al), co, ah));
        /* The blocks' fp16 scales (word 4 g + 9 L of the two pieces) are
           picked out of the same loads: sa (blocks 0, 1) and sb (2, 3) hold
           word 16 (L % 2) + r = block L's scale of row r. They start as the
           vpermi2w indices of every word; each row's merge-masked vpermi2w
           (the mask: that row's two words) replaces its words with the
           scales and leaves the others, so the index register becomes the
           result, 16 rows later. Same values as 16 scalar loads per block. */
        sa = _mm512_inserti64x4(_mm512_set1_epi16((short)(4 * g)), _mm256_set1_epi16((short)(4 * g + 9)), 1);
        sb = _mm512_add_epi16(sa, _mm512_set1_epi16(18));
        LLML__UNROLL for (q = 0; q < 4; q++) {
            __m512i pd[4];
            LLML__UNROLL for (p = 0; p < 4; p++) {
                const uint8_t *x = rp[4 * q + p] + o;
                const __m512i v0 = llml__x512_ldr(x, rb - (int64_t)o), v1 = llml__x512_ldr(x + 64, rb - (int64_t)o - 64);
                const __m512i w = _mm512_permutex2var_epi16(v0, idx, v1);
                const __mmask32 kr = (__mmask32)(0x00010001u << (4 * q + p));
                sa = _mm512_mask2_permutex2var_epi16(v0, sa, kr, v1);
                sb = _mm512_mask2_permutex2var_epi16(v0, sb, kr, v1);
                __m512i lo = _mm512_and_si512(w, m4), hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), m4);
                if (f == LLML__F32B_IQ4_NL) {
                    lo = _mm512_shuffle_epi8(kvu, lo);
                    hi = _mm512_shuffle_epi8(kvu, hi);
                }
                pd[p] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(st, lo, al), hi, ah);
            }
            qv[q] = f == LLML__F32B_Q4_0 ? llml__x512_red4(pd, one) : llml__x512_hadd4(pd);
        }
    }
    llml__x512_tr44(qv, gs);
    LLML__UNROLL for (l = 0; l < 4; l++) {
        /* the scales: Q8_0 loads them one by one, the others took them from sa / sb */
        const __m512i sv = l < 2 ? sa : sb;
        const __m512 sc = f == LLML__F32B_Q8_0 ? llml__x512_sh16(rp, so + (size_t)l * (size_t)llml__f32b_bytes(f))
                                               : _mm512_cvtph_ps(l % 2 ? _mm512_extracti64x4_epi64(sv, 1) : _mm512_castsi512_si256(sv));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(gs[l]), _mm512_mul_ps(sc, _mm512_set1_ps(llml__avx2_h(y + 34 * (b + l)))), acc);
    }
    return acc;
}

/* Rows r0.. (up to 16) of a 32-block format times one Q8_0 activation row,
   in the file's layout (rp). */
LLML__AVX512I void llml__x512_mv32(int f, int64_t n, const uint8_t *const *rp, const uint8_t *pf, int pfl, __mmask16 valid,
                                   const uint8_t *y, float *out) {
    const int bs = llml__f32b_bytes(f);
    const int off = f == LLML__F32B_Q4_0 ? 8 : f == LLML__F32B_Q5_0 ? 16 : 128;
    const __m512i kvu = _mm512_xor_si512(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)llml__qb_kvalues)),
                                         _mm512_set1_epi8((char)0x80));
    const int64_t nb = n / 32, rb = nb * bs;
    __m512 tot = _mm512_setzero_ps();
    __m512i base;
    int64_t k0, b;
    {   /* vpermt2w word indices (before the group's offset): lane L, word i =
           Q4_0: block L's code word i (9 L + 1 + i); Q8_0: word i of half L
           of the pair (block L / 2: 1 + 8 L + (L >= 2) + i) */
        int16_t ix[32];
        int i;
        for (i = 0; i < 32; i++)
            ix[i] = (int16_t)(f == LLML__F32B_Q8_0 ? 1 + i + (i >= 16) : 9 * (i / 8) + 1 + i % 8);
        base = _mm512_loadu_si512((const void *)ix);
    }
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 32) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 32);
        __m512 acc = _mm512_setzero_ps();
        b = k0;
        if (f != LLML__F32B_Q5_0)
            for (; b + 4 <= k1; b += 4) {
                pf = llml__x512_pf(pf, 4 * pfl);
                acc = llml__x512_mv32g(f, rp, (size_t)k0 * (size_t)bs, rb, (int)((b - k0) / 4), y, b, (size_t)b * (size_t)bs,
                                       kvu, base, acc);
            }
        for (; b < k1; b++) {
            pf = llml__x512_pf(pf, pfl);
            acc = llml__x512_mv32b(f, rp, (size_t)b * (size_t)bs, y + 34 * b, kvu, off, acc);
        }
        tot = k0 == 0 ? acc : _mm512_add_ps(tot, acc);
    }
    _mm512_mask_storeu_ps(out, valid, tot);
}

/* A 16-row panel of a 32-block format in the interleaved layout times one
   Q8_0 activation row (st: llml__avx2_asums of it, or NULL to sum here).
   The lanes are the rows: each 64-byte piece (code bytes 4c .. 4c + 3 of
   the 16 rows) goes into vpdpbusd against 4 activation codes broadcast, so
   a block is 4 loads, the nibble split and 8 vpdpbusd (Q8_0: 8 loads and
   8 vpdpbusd; its codes are stored + 128), no transposes, and the exact
   block sums come out with lane r = row r: the same integers as the
   GEMM's, then its float steps block by block. */
LLML__AVX512I void llml__x512_mvl(int f, int64_t n, const uint8_t *pan, __mmask16 valid, const uint8_t *y, const int32_t *st,
                                  float *out) {
    const size_t bs = (size_t)llml__f32b_bytes(f);
    const int off = f == LLML__F32B_Q4_0 ? 8 : f == LLML__F32B_Q5_0 ? 16 : 128;
    const __m512i kvu = _mm512_xor_si512(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)llml__qb_kvalues)),
                                         _mm512_set1_epi8((char)0x80));
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const int64_t nb = n / 32;
    __m512 tot = _mm512_setzero_ps();
    int64_t k0, b;
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 32) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 32);
        __m512 acc = _mm512_setzero_ps();
        for (b = k0; b < k1; b++) {
            const uint8_t *yb = y + 34 * b, *c;
            const uint8_t *sc = llml__il_blk(pan, bs, nb, b, &c);
            __m512i s = _mm512_set1_epi32(st ? st[b] : -off * llml__avx2_sum32(yb + 2));
            int q;
            llml__avx2_pfd(pan + (size_t)b * 16 * bs, 16 * bs);
            if (f == LLML__F32B_Q8_0) {
                LLML__UNROLL for (q = 0; q < 8; q++)
                    s = _mm512_dpbusd_epi32(s, _mm512_loadu_si512((const void *)(c + 64 * q)), llml__x512_bc(yb + 2 + 4 * q));
            } else {
                LLML__UNROLL for (q = 0; q < 4; q++) {
                    const __m512i v = _mm512_loadu_si512((const void *)(c + 64 * q));
                    __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                    if (f == LLML__F32B_IQ4_NL) {
                        lo = _mm512_shuffle_epi8(kvu, lo);
                        hi = _mm512_shuffle_epi8(kvu, hi);
                    } else if (f == LLML__F32B_Q5_0) {   /* the fifth bits: + 16 where the piece's masks say */
                        lo = _mm512_mask_add_epi8(lo, llml__x512_kld(c + 256 + 16 * q), lo, _mm512_set1_epi8(16));
                        hi = _mm512_mask_add_epi8(hi, llml__x512_kld(c + 264 + 16 * q), hi, _mm512_set1_epi8(16));
                    }
                    s = _mm512_dpbusd_epi32(s, lo, llml__x512_bc(yb + 2 + 4 * q));
                    s = _mm512_dpbusd_epi32(s, hi, llml__x512_bc(yb + 18 + 4 * q));
                }
            }
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s),
                                  _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)sc)),
                                                _mm512_set1_ps(llml__avx2_h(yb))), acc);
        }
        tot = k0 == 0 ? acc : _mm512_add_ps(tot, acc);
    }
    _mm512_mask_storeu_ps(out, valid, tot);
}

/* The activation sums the K kernels subtract, computed once per activation
   row instead of once per panel: Q4_K's per 32-group as floats (its mins
   step multiplies by them), Q6_K's -32 x the sum per 16-group (its codes'
   offset), nb superblocks of them. */
typedef union { float f[LLML__IL_ASUMS]; int32_t i[LLML__IL_ASUMS]; } llml__ksum;
LLML__AVX2I int llml__ksum_per(int f) { return f == LLML__FK_Q4_K ? 8 : 16; }
LLML__AVX2I void llml__ksums(int f, const uint8_t *y, int64_t nb, float *sf, int32_t *si) {
    int64_t b;
    int j;
    for (b = 0; b < nb; b++)
        for (j = 0; j < 16; j++) {
            int16_t v, u;
            memcpy(&v, y + 292 * b + 260 + 2 * j, 2);
            if (f == LLML__FK_Q6_K) si[16 * b + j] = -32 * (int32_t)v;
            else if (j & 1) {
                memcpy(&u, y + 292 * b + 258 + 2 * j, 2);
                sf[8 * b + j / 2] = (float)((int32_t)u + v);
            }
        }
}

/* d x the 6-bit field at byte k of every lane of x (bits above the field's
   6 ignored), exactly, for dk[i] = d / 2^(8 i) and ck[i] = 2^23 dk[i]: the
   field is put in the mantissa of 2^23 (a float 2^23 + f 2^(8 k)), and one
   multiply-subtract leaves f d, which is exact in a float (11 bits of fp16
   by 6), so the result is the same bits as converting f and multiplying. */
LLML__AVX512I __m512 llml__x512_f6d(__m512i x, int k, const __m512 *dk, const __m512 *ck) {
    if (k == 3) {
        x = _mm512_srli_epi32(x, 24);
        k = 0;
    }
    /* ternary 0xea: (a & b) | c */
    x = _mm512_ternarylogic_epi32(x, _mm512_set1_epi32(0x3f << (8 * k)), _mm512_set1_epi32(0x4b000000), 0xea);
    return _mm512_fmsub_ps(_mm512_castsi512_ps(x), dk[k], ck[k]);
}

/* One Q4_K block of 16 rows in floats, the GEMM's steps in its order: sc
   the rows' 16 head bytes as 4 dwords (lanes are rows: d and dmin, then
   the 12 scale bytes), gs the 8 group sums, bsf the activations' 8 group
   sums. The scales and mins of groups 4-7 (low 4 bits from sc[3], top 2
   from the top bits of sc[1] / sc[2]) are assembled bytewise first
   (ternary 0xd8: c ? b : a, per bit). */
LLML__AVX512I __m512 llml__x512_k4fs(const __m512i *sc, const __m512i *gs, const float *bsf) {
    const __m512i lo4 = _mm512_set1_epi32(0x0f0f0f0f);
    const __m512i s47 = _mm512_ternarylogic_epi32(_mm512_srli_epi32(sc[1], 2), sc[3], lo4, 0xd8);
    const __m512i m47 = _mm512_ternarylogic_epi32(_mm512_srli_epi32(sc[2], 2), _mm512_srli_epi32(sc[3], 4), lo4, 0xd8);
    const __m512 e23 = _mm512_set1_ps(8388608.0f), s8 = _mm512_set1_ps(1.0f / 256), s16 = _mm512_set1_ps(1.0f / 65536);
    const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(sc[0]));
    const __m512 dmin = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(sc[0], 16)));
    __m512 dk[3], ck[3], mk[3], nk[3], fs = _mm512_setzero_ps();
    int j;
    dk[0] = d;
    dk[1] = _mm512_mul_ps(d, s8);
    dk[2] = _mm512_mul_ps(d, s16);
    mk[0] = dmin;
    mk[1] = _mm512_mul_ps(dmin, s8);
    mk[2] = _mm512_mul_ps(dmin, s16);
    LLML__UNROLL for (j = 0; j < 3; j++) {
        ck[j] = _mm512_mul_ps(dk[j], e23);
        nk[j] = _mm512_mul_ps(mk[j], e23);
    }
    LLML__UNROLL for (j = 0; j < 8; j++) {
        fs = _mm512_fmadd_ps(_mm512_cvtepi32_ps(gs[j]), llml__x512_f6d(j < 4 ? sc[1] : s47, j & 3, dk, ck), fs);
        fs = _mm512_fnmadd_ps(llml__x512_f6d(j < 4 ? sc[2] : m47, j & 3, mk, nk), _mm512_set1_ps(bsf[j]), fs);
    }
    return fs;
}

/* Q4_K's and Q6_K's lanes layouts (llml__il_pack) times one Q8_K
   activation row: the steps of llml__x512_mvk without its transposes. Each
   64-byte piece is 4 code bytes of the 16 rows, so one vpdpbusd by 4
   broadcast activation bytes adds to every row's group sum at once.
   - Q4_K: the low nibbles for group 2 c, the high ones (kept in place: 16
     x the code) for group 2 c + 1, whose sums are divided by 16 after
     (exactly).
   - Q6_K: per half h and 4 columns, two pieces of low bits and one of high
     bits give the 6-bit codes of 4 groups.
   The block sums, and then the float steps, are the same as
   llml__x512_mvk's and the GEMM's. */
LLML__AVX512I void llml__x512_mvkl(int f, int64_t n, const uint8_t *pan, __mmask16 valid, const uint8_t *y, const void *ks, float *out) {
    const int64_t nb = n / 256;
    const size_t bs = 16 * (size_t)llml__fk_bytes(f);
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    __m512 tot = _mm512_setzero_ps();
    float lf[8];
    int32_t li[16];
    int64_t k0, b;
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 256) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 256);
        __m512 acc = _mm512_setzero_ps();
        for (b = k0; b < k1; b++) {
            const uint8_t *blk = pan + (size_t)b * bs, *yb = y + 292 * b;
            __m512 fs = _mm512_setzero_ps();
            int c, q, j;
            if (!ks) llml__ksums(f, yb, 1, lf, li);
            llml__avx2_pfd(blk, bs);
            if (f == LLML__FK_Q4_K) {
                const float *bsf = ks ? (const float *)ks + 8 * b : lf;
                __m512i gs[8], sc[4];
                LLML__UNROLL for (c = 0; c < 4; c++) {
                    __m512i sl = _mm512_setzero_si512(), sh = _mm512_setzero_si512();
                    LLML__UNROLL for (q = 0; q < 8; q++) {
                        const __m512i v = _mm512_loadu_si512((const void *)(blk + 256 + 64 * (8 * c + q)));
                        sl = _mm512_dpbusd_epi32(sl, _mm512_and_si512(v, m4), llml__x512_bc(yb + 4 + 64 * c + 4 * q));
                        sh = _mm512_dpbusd_epi32(sh, _mm512_andnot_si512(m4, v), llml__x512_bc(yb + 36 + 64 * c + 4 * q));
                    }
                    gs[2 * c] = sl;
                    gs[2 * c + 1] = _mm512_srai_epi32(sh, 4);
                }
                LLML__UNROLL for (c = 0; c < 4; c++) sc[c] = _mm512_loadu_si512((const void *)(blk + 64 * c));
                fs = llml__x512_k4fs(sc, gs, bsf);
            } else { /* Q6_K */
                const int32_t *bsi = ks ? (const int32_t *)ks + 16 * b : li;
                __m512i gs[16], sc[4];
                __m512 d;
                int h;
                LLML__UNROLL for (h = 0; h < 2; h++)
                    LLML__UNROLL for (q = 0; q < 8; q++) {
                        __m512i e[4];
                        llml__x512_q6l(blk, h, q, e);
                        LLML__UNROLL for (c = 0; c < 4; c++) {
                            const int g = 8 * h + 2 * c + q / 4;
                            /* each group's sum starts at its offset (-32 x the activations' sum) */
                            gs[g] = _mm512_dpbusd_epi32(q % 4 ? gs[g] : _mm512_set1_epi32(bsi[g]), e[c],
                                                        llml__x512_bc(yb + 4 + 128 * h + 32 * c + 4 * q));
                        }
                    }
                LLML__UNROLL for (c = 0; c < 4; c++) sc[c] = _mm512_loadu_si512((const void *)(blk + 64 * (48 + c)));
                d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(blk + 64 * 52)));
                /* groups in the GEMM's order for Q6_K (llml__avx2_q6g) */
                LLML__UNROLL for (j = 0; j < 16; j++) {
                    const int g = llml__avx2_q6g(j);
                    fs = _mm512_fmadd_ps(_mm512_cvtepi32_ps(gs[g]), _mm512_mul_ps(d, _mm512_cvtepi32_ps(llml__x512_sbyte(sc[g / 4], g % 4))), fs);
                }
            }
            acc = _mm512_fmadd_ps(fs, _mm512_set1_ps(llml__avx2_f(yb)), acc);
        }
        tot = k0 == 0 ? acc : _mm512_add_ps(tot, acc);
    }
    _mm512_mask_storeu_ps(out, valid, tot);
}

/* Rows (up to 16) of Q4_K / Q6_K in the file's layout times one Q8_K
   activation row (pfl lines of the next panel at pf prefetched a block). */
LLML__AVX512I void llml__x512_mvk(int f, int64_t n, const uint8_t *const *rp, size_t bst, const uint8_t *pf, int pfl,
                                  __mmask16 valid, const uint8_t *y, const void *ks, float *out) {
    const int64_t nb = n / 256;
    const __m512i m4 = _mm512_set1_epi8(0x0f), m30 = _mm512_set1_epi8(0x30);
    float lf[8];
    int32_t li[16];
    __m512 tot = _mm512_setzero_ps();
    int64_t k0, b;
    for (k0 = 0; k0 < nb; k0 += LLML__GK / 256) {
        const int64_t k1 = LLML__MIN(nb, k0 + LLML__GK / 256);
        __m512 acc = _mm512_setzero_ps();
        for (b = k0; b < k1; b++) {
            const size_t bo = (size_t)b * bst;
            const uint8_t *yb = y + 292 * b;
            const int per = llml__ksum_per(f);
            const float *bsf;
            const int32_t *bsi;
            if (!ks) llml__ksums(f, yb, 1, lf, li);   /* this block's sums only */
            bsf = ks ? (const float *)ks + per * b : lf;
            bsi = ks ? (const int32_t *)ks + per * b : li;
            /* the prefetches (pfl > 0) spread over the four quarters of the block */
            __m512 fs = _mm512_setzero_ps();
            __m512i x[4], sc[4];
            int q, p, k;
            if (f == LLML__FK_Q4_K) {
                /* Row-major: each row's 128 code bytes are two 512-bit loads
                   (chunks 0-1, 2-3: low nibbles groups 0 and 2 / 4 and 6, high
                   nibbles groups 1 and 3 / 5 and 7), multiplied by activation
                   registers holding the matching groups; llml__x512_red4/16
                   then turn the partial sums into lanes-are-rows group sums. */
                const __m512i one = _mm512_set1_epi16(1);
                const __m512i y0 = _mm512_loadu_si512((const void *)(yb + 4)), y1 = _mm512_loadu_si512((const void *)(yb + 68));
                const __m512i y2 = _mm512_loadu_si512((const void *)(yb + 132)), y3 = _mm512_loadu_si512((const void *)(yb + 196));
                __m512i a[4], qv[4][4], gs[8];
                a[0] = _mm512_shuffle_i64x2(y0, y1, 0x44);   /* groups 0 | 2 */
                a[1] = _mm512_shuffle_i64x2(y0, y1, 0xee);   /* groups 1 | 3 */
                a[2] = _mm512_shuffle_i64x2(y2, y3, 0x44);   /* groups 4 | 6 */
                a[3] = _mm512_shuffle_i64x2(y2, y3, 0xee);   /* groups 5 | 7 */
                LLML__UNROLL for (q = 0; q < 4; q++) {
                    __m512i pd[4][4];
                    if (pfl > 0) pf = llml__x512_pf(pf, (pfl + 3) / 4);
                    LLML__UNROLL for (p = 0; p < 4; p++) {
                        const uint8_t *xq = rp[4 * q + p] + bo + 16;
                        const __m512i v0 = _mm512_loadu_si512((const void *)xq), v1 = _mm512_loadu_si512((const void *)(xq + 64));
                        pd[0][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(v0, m4), a[0]);
                        pd[1][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), llml__x512_hi4(v0), a[1]);
                        pd[2][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(v1, m4), a[2]);
                        pd[3][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), llml__x512_hi4(v1), a[3]);
                    }
                    LLML__UNROLL for (k = 0; k < 4; k++) qv[k][q] = llml__x512_red4(pd[k], one);
                }
                LLML__UNROLL for (k = 0; k < 4; k++) llml__x512_red16(qv[k], &gs[4 * (k >> 1) + (k & 1)], &gs[4 * (k >> 1) + (k & 1) + 2]);
                llml__x512_ld16(rp, bo, x);
                llml__x512_tr4(x, sc);  /* sc[0]: d, dmin; sc[1..3]: the 12 scale bytes */
                fs = llml__x512_k4fs(sc, gs, bsf);
            } else { /* Q6_K */
                /* Row-major too: per half h, the 64 ql bytes and the 32 qh
                   bytes (in both halves of a register) decode to two
                   registers of 6-bit codes whose 128-bit lanes are the groups
                   8 h .. 8 h + 3 and 8 h + 4 .. 8 h + 7; the activations of
                   each are one plain load. The offset 32 x the group's
                   activation sum is subtracted from the exact sum after. */
                __m512 d;
                const __m512i one = _mm512_set1_epi16(1);
                const __m512i shl = _mm512_set_epi64(2, 2, 2, 2, 4, 4, 4, 4), shr = _mm512_set_epi64(2, 2, 2, 2, 0, 0, 0, 0);
                __m512i gs[16];
                int h;
                LLML__UNROLL for (h = 0; h < 2; h++) {
                    const __m512i alo = _mm512_loadu_si512((const void *)(yb + 4 + 128 * h));
                    const __m512i ahi = _mm512_loadu_si512((const void *)(yb + 68 + 128 * h));
                    __m512i qv[2][4];
                    LLML__UNROLL for (q = 0; q < 4; q++) {
                        __m512i pd[2][4];
                        if (pfl > 0) pf = llml__x512_pf(pf, (pfl + 7) / 8);
                        LLML__UNROLL for (p = 0; p < 4; p++) {
                            const uint8_t *xr = rp[4 * q + p] + bo;
                            const __m512i ql = _mm512_loadu_si512((const void *)(xr + 64 * h));
                            const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)(xr + 128 + 32 * h)));
                            /* (low or high nibble) | (2 bits of qh at bits 4-5): ternary 0xea is (a & b) | c */
                            const __m512i elo = _mm512_ternarylogic_epi32(ql, m4, _mm512_and_si512(_mm512_sllv_epi64(qh, shl), m30), 0xea);
                            const __m512i ehi = _mm512_ternarylogic_epi32(_mm512_srli_epi16(ql, 4), m4, _mm512_and_si512(_mm512_srlv_epi64(qh, shr), m30), 0xea);
                            pd[0][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), elo, alo);
                            pd[1][p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ehi, ahi);
                        }
                        qv[0][q] = llml__x512_red4w(pd[0], one);
                        qv[1][q] = llml__x512_red4w(pd[1], one);
                    }
                    llml__x512_tr44(qv[0], gs + 8 * h);
                    llml__x512_tr44(qv[1], gs + 8 * h + 4);
                }
                /* the scales and d after the codes: each row's block is read
                   front to back (from memory: 23-28 -> 29-30 GB/s on one core) */
                d = llml__x512_sh16(rp, bo + 208);
                llml__x512_ld16(rp, bo + 192, x);
                llml__x512_tr4(x, sc);  /* sc[i]: scales 4 i .. 4 i + 3 */
                /* groups in the GEMM's order for Q6_K (llml__avx2_q6g) */
                LLML__UNROLL for (k = 0; k < 16; k++) {
                    const int g = llml__avx2_q6g(k);
                    const __m512i s = _mm512_add_epi32(gs[g], _mm512_set1_epi32(bsi[g]));
                    fs = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, _mm512_cvtepi32_ps(llml__x512_sbyte(sc[g / 4], g % 4))), fs);
                }
            }
            acc = _mm512_fmadd_ps(fs, _mm512_set1_ps(llml__avx2_f(yb)), acc);
        }
        tot = k0 == 0 ? acc : _mm512_add_ps(tot, acc);
    }
    _mm512_mask_storeu_ps(out, valid, tot);
}


LLML__AVX512I void llml__x512_mm(int kind, int f, int il, int64_t n, const void *wv, size_t ws, int64_t nr,
                                 const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const uint8_t *rp[16];
    /* cache lines of the next panel to prefetch per block */
    const int64_t steps = kind == 0 ? n / 32 : n / 256;
    const int pfl = (int)((16 * ws + 64 * (size_t)steps - 1) / (64 * (size_t)steps));
    const int lanes = kind == 0 && il;
    llml__ksum st;   /* lanes: the activation sums of llml__avx2_asums; K: llml__ksums */
    const int64_t per = kind == 0 ? n / 32 : n / 256 * llml__ksum_per(f);
    const int sums = (lanes || kind == 1) && nt * per <= LLML__IL_ASUMS;
    int64_t r0, t;
    if (sums)
        for (t = 0; t < nt; t++) {
            if (kind == 1) llml__ksums(f, a + (size_t)t * as, n / 256, st.f + t * per, st.i + t * per);
            else llml__avx2_asums(a + (size_t)t * as, n / 32, f == LLML__F32B_Q4_0 ? 8 : f == LLML__F32B_Q5_0 ? 16 : 128, st.i + t * per);
        }
    for (r0 = 0; r0 < nr; r0 += 16) {
        const int rn = (int)LLML__MIN(16, nr - r0);
        const __mmask16 valid = (__mmask16)((1u << rn) - 1u);
        const uint8_t *pf = w + (size_t)(r0 + 16) * ws;   /* the next panel: the same bytes in both layouts */
        const size_t bst = llml__x512_rows(w + (size_t)r0 * ws, ws, rn, il, kind, f, rp);
        for (t = 0; t < nt; t++) {
            const int p = t == 0 && r0 + 16 < nr ? pfl : 0;
            const uint8_t *y = a + (size_t)t * as;
            float *o = out + (size_t)t * os + (size_t)r0;
            if (lanes) llml__x512_mvl(f, n, w + (size_t)r0 * ws, valid, y, sums ? st.i + t * per : NULL, o);
            else if (kind == 0) llml__x512_mv32(f, n, rp, pf, p, valid, y, o);
            else if (il) llml__x512_mvkl(f, n, w + (size_t)r0 * ws, valid, y, sums ? (f == LLML__FK_Q4_K ? (const void *)(st.f + t * per) : (const void *)(st.i + t * per)) : NULL, o);
            else llml__x512_mvk(f, n, rp, bst, pf, p, valid, y, sums ? (kind == 1 && f == LLML__FK_Q4_K ? (const void *)(st.f + t * per) : (const void *)(st.i + t * per)) : NULL, o);
        }
    }
}

#define LLML__X512_MM(name, KIND, F) \
    static LLML__AVX512 void llml__avx512_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                    const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__x512_mm(KIND, F, 0, n, w, ws, nr, a, as, nt, out, os); \
    }
#define LLML__X512_MMI(name, KIND, F) \
    static LLML__AVX512 void llml__avx512_mmi_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                     const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__x512_mm(KIND, F, 1, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__X512_MM(q4_0, 0, LLML__F32B_Q4_0)
LLML__X512_MM(q5_0, 0, LLML__F32B_Q5_0)
LLML__X512_MM(q8_0, 0, LLML__F32B_Q8_0)
LLML__X512_MM(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__X512_MM(q4_k, 1, LLML__FK_Q4_K)
LLML__X512_MM(q6_k, 1, LLML__FK_Q6_K)
LLML__X512_MMI(q4_0, 0, LLML__F32B_Q4_0)
LLML__X512_MMI(q5_0, 0, LLML__F32B_Q5_0)
LLML__X512_MMI(q8_0, 0, LLML__F32B_Q8_0)
LLML__X512_MMI(iq4_nl, 0, LLML__F32B_IQ4_NL)
LLML__X512_MMI(q4_k, 1, LLML__FK_Q4_K)
LLML__X512_MMI(q6_k, 1, LLML__FK_Q6_K)

/* ---- AVX512_BF16: BF16 weights x BF16 activations -------------------------- */
/* vdpbf16ps multiplies 32 pairs of BF16 values (exact in float) and adds
   each pair's two products into a float lane; 4 weight rows x 2 activation
   rows per tile, 32 columns a step, the row's end through masked loads.
   Input denormals count as zero (the instruction's rule), well inside the
   products' error bound. */
#if defined(LLML__X86_BF16)
#define LLML__X512BF_TARGET LLML__X512_TARGET ",avx512bf16"
#define LLML__AVX512BF __attribute__((target(LLML__X512BF_TARGET)))
#define LLML__AVX512BFI static inline __attribute__((always_inline, target(LLML__X512BF_TARGET)))

LLML__AVX512BFI void llml__x512bf_tile(int RM, int TN, int64_t n, const uint8_t *w, size_t ws, const uint8_t *a, size_t as,
                                       float *out, size_t os) {
    __m512 acc[4][2];
    int i, j;
    int64_t e;
    LLML__UNROLL for (i = 0; i < RM; i++) { LLML__UNROLL for (j = 0; j < TN; j++) acc[i][j] = _mm512_setzero_ps(); }
    for (e = 0; e < n; e += 32) {
        const __mmask32 m = n - e >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << (n - e)) - 1u);
        __m512i wv[4], av[2];
        LLML__UNROLL for (i = 0; i < RM; i++) wv[i] = _mm512_maskz_loadu_epi16(m, w + (size_t)i * ws + (size_t)e * 2);
        LLML__UNROLL for (j = 0; j < TN; j++) av[j] = _mm512_maskz_loadu_epi16(m, a + (size_t)j * as + (size_t)e * 2);
        LLML__UNROLL for (i = 0; i < RM; i++) {
            LLML__UNROLL for (j = 0; j < TN; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], (__m512bh)wv[i], (__m512bh)av[j]);
        }
    }
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os + (size_t)i] = _mm512_reduce_add_ps(acc[i][j]);
    }
}

static LLML__AVX512BF void llml__avx512bf_mm_bf16(llml_type type, int64_t n, const void *wv, size_t ws, int64_t nr,
                                                  const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    int64_t r, t;
    (void)type;
    for (r = 0; r < nr; r += 4) {
        const int rm = (int)LLML__MIN(4, nr - r);
        const uint8_t *wr = w + (size_t)r * ws;
        for (t = 0; t < nt; t += 2) {
            const uint8_t *at = a + (size_t)t * as;
            float *o = out + (size_t)t * os + (size_t)r;
            const int tn = (int)LLML__MIN(2, nt - t);
            if (rm == 4 && tn == 2) llml__x512bf_tile(4, 2, n, wr, ws, at, as, o, os);
            else if (rm == 4) llml__x512bf_tile(4, 1, n, wr, ws, at, as, o, os);
            else {
                int i;
                for (i = 0; i < rm; i++) {
                    if (tn == 2) llml__x512bf_tile(1, 2, n, wr + (size_t)i * ws, ws, at, as, o + i, os);
                    else llml__x512bf_tile(1, 1, n, wr + (size_t)i * ws, ws, at, as, o + i, os);
                }
            }
        }
    }
}
#endif

static void llml__kern_fill_avx512(llml__kern *k) {
    k->mm[LLML_TYPE_Q4_0] = llml__avx512_mm_q4_0;
    k->mm[LLML_TYPE_Q5_0] = llml__avx512_mm_q5_0;
    k->mm[LLML_TYPE_Q8_0] = llml__avx512_mm_q8_0;
    k->mm[LLML_TYPE_IQ4_NL] = llml__avx512_mm_iq4_nl;
    k->mm[LLML_TYPE_Q4_K] = llml__avx512_mm_q4_k;
    k->mm[LLML_TYPE_Q6_K] = llml__avx512_mm_q6_k;
    k->gemm[LLML_TYPE_Q4_0] = llml__avx512_gemm_q4_0;
    k->gemm[LLML_TYPE_Q5_0] = llml__avx512_gemm_q5_0;
    k->gemm[LLML_TYPE_Q8_0] = llml__avx512_gemm_q8_0;
    k->gemm[LLML_TYPE_IQ4_NL] = llml__avx512_gemm_iq4_nl;
    k->gemm[LLML_TYPE_Q4_K] = llml__avx512_gemm_q4_k;
    k->gemm[LLML_TYPE_Q6_K] = llml__avx512_gemm_q6_k;
    k->mmi[LLML_TYPE_Q4_0] = llml__avx512_mmi_q4_0;
    k->mmi[LLML_TYPE_Q5_0] = llml__avx512_mmi_q5_0;
    k->mmi[LLML_TYPE_Q8_0] = llml__avx512_mmi_q8_0;
    k->mmi[LLML_TYPE_IQ4_NL] = llml__avx512_mmi_iq4_nl;
    k->gemmi[LLML_TYPE_Q4_0] = llml__avx512_gemmi_q4_0;
    k->gemmi[LLML_TYPE_Q5_0] = llml__avx512_gemmi_q5_0;
    k->gemmi[LLML_TYPE_Q8_0] = llml__avx512_gemmi_q8_0;
    k->gemmi[LLML_TYPE_IQ4_NL] = llml__avx512_gemmi_iq4_nl;
    k->mmi[LLML_TYPE_Q4_K] = llml__avx512_mmi_q4_k;
    k->mmi[LLML_TYPE_Q6_K] = llml__avx512_mmi_q6_k;
    k->gemmi[LLML_TYPE_Q4_K] = llml__avx512_gemmi_q4_k;
    k->gemmi[LLML_TYPE_Q6_K] = llml__avx512_gemmi_q6_k;
    k->gq[LLML_TYPE_Q4_0] = llml__avx2_gq_q8_0;
    k->gq[LLML_TYPE_Q5_0] = llml__avx2_gq_q8_0;
    k->gq[LLML_TYPE_Q8_0] = llml__avx2_gq_q8_0;
    k->gq[LLML_TYPE_IQ4_NL] = llml__avx2_gq_q8_0;
    k->gq[LLML_TYPE_Q4_K] = llml__avx2_gq_q8_k;
    k->gq[LLML_TYPE_Q6_K] = llml__avx2_gq_q8_k;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif /* LLML__X86_512 */

/* ---- the table --------------------------------------------------------------- */

static void llml__kern_fill_x86(llml__kern *k, uint32_t isa) {
    if (isa & LLML__ISA_AVX2) {
        k->mm[LLML_TYPE_F32] = llml__avx2_mm_f32;
        k->mm[LLML_TYPE_F16] = llml__avx2_mm_f16;
        k->mm[LLML_TYPE_BF16] = llml__avx2_mm_bf16;
        k->mm[LLML_TYPE_Q4_1] = llml__avx2_mm_q4_1;
        k->mm[LLML_TYPE_Q5_1] = llml__avx2_mm_q5_1;
        k->mm[LLML_TYPE_Q2_K] = llml__avx2_mm_q2_k;
        k->mm[LLML_TYPE_Q3_K] = llml__avx2_mm_q3_k;
        k->mm[LLML_TYPE_Q5_K] = llml__avx2_mm_q5_k;
        k->mm[LLML_TYPE_IQ4_XS] = llml__avx2_mm_iq4_xs;
        /* the prompt GEMM and the matrix-vector kernels in its arithmetic */
        k->mm[LLML_TYPE_Q4_0] = llml__avx2_mv_q4_0;
        k->mm[LLML_TYPE_Q5_0] = llml__avx2_mv_q5_0;
        k->mm[LLML_TYPE_Q8_0] = llml__avx2_mv_q8_0;
        k->mm[LLML_TYPE_IQ4_NL] = llml__avx2_mv_iq4_nl;
        k->mm[LLML_TYPE_Q4_K] = llml__avx2_mv_q4_k;
        k->mm[LLML_TYPE_Q6_K] = llml__avx2_mv_q6_k;
        k->gemm[LLML_TYPE_Q4_0] = llml__avx2_gemm_q4_0;
        k->gemm[LLML_TYPE_Q5_0] = llml__avx2_gemm_q5_0;
        k->gemm[LLML_TYPE_Q8_0] = llml__avx2_gemm_q8_0;
        k->gemm[LLML_TYPE_IQ4_NL] = llml__avx2_gemm_iq4_nl;
        k->gemm[LLML_TYPE_Q4_K] = llml__avx2_gemm_q4_k;
        k->gemm[LLML_TYPE_Q6_K] = llml__avx2_gemm_q6_k;
        /* the same on the interleaved layout (llml__il_pack) */
        k->mmi[LLML_TYPE_Q4_0] = llml__avx2_mmi_q4_0;
        k->mmi[LLML_TYPE_Q5_0] = llml__avx2_mmi_q5_0;
        k->mmi[LLML_TYPE_Q8_0] = llml__avx2_mmi_q8_0;
        k->mmi[LLML_TYPE_IQ4_NL] = llml__avx2_mmi_iq4_nl;
        k->gemmi[LLML_TYPE_Q4_0] = llml__avx2_gemmi_q4_0;
        k->gemmi[LLML_TYPE_Q5_0] = llml__avx2_gemmi_q5_0;
        k->gemmi[LLML_TYPE_Q8_0] = llml__avx2_gemmi_q8_0;
        k->gemmi[LLML_TYPE_IQ4_NL] = llml__avx2_gemmi_iq4_nl;
        k->gq[LLML_TYPE_Q4_0] = llml__avx2_gq_q8_0;
        k->gq[LLML_TYPE_Q5_0] = llml__avx2_gq_q8_0;
        k->gq[LLML_TYPE_Q8_0] = llml__avx2_gq_q8_0;
        k->gq[LLML_TYPE_IQ4_NL] = llml__avx2_gq_q8_0;
        k->gq[LLML_TYPE_Q4_K] = llml__avx2_gq_q8_k;
        k->gq[LLML_TYPE_Q6_K] = llml__avx2_gq_q8_k;
        k->actq[LLML_TYPE_F16] = llml__avx2_actq_f16;
        k->actq[LLML_TYPE_BF16] = llml__avx2_actq_bf16;
        k->actq[LLML_TYPE_Q8_0] = llml__avx2_actq_q8_0;
        k->actq[LLML_TYPE_Q8_1] = llml__avx2_actq_q8_1;
        k->actq[LLML_TYPE_Q8_K] = llml__avx2_actq_q8_k;
        k->wsum[LLML_TYPE_F16] = llml__avx2_wsum_f16;
        k->wsum[LLML_TYPE_F32] = llml__avx2_wsum_f32;
        k->silu_mul = llml__avx2_silu_mul;
        k->expsum = llml__avx2_expsum;
        k->rmsnorm = llml__avx2_rmsnorm;
        k->rope = llml__avx2_rope;
        llml__kern_fill_x86_iq(k);
    }
#if defined(LLML__X86_512)
    if ((isa & LLML__ISA_AVX2) && (isa & LLML__ISA_AVX512)) llml__kern_fill_avx512(k);
#endif
#if defined(LLML__X86_BF16)
    if ((isa & LLML__ISA_AVX2) && (isa & LLML__ISA_AVX512) && (isa & LLML__ISA_AVX512BF16)) k->mm[LLML_TYPE_BF16] = llml__avx512bf_mm_bf16;
#endif
}

#endif /* LLML__X86 */
