/* ------------------------------------------------------------------------ */
/* >>quant_k  K-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K activations    */
/* ------------------------------------------------------------------------ */
/* Every K-quant cuts a row into super-blocks of 256 weights. Byte layouts
   (all fp16 fields little-endian, no padding):

   q2_K,  84 bytes: scales[16] @0 | qs[64] @16 | d fp16 @80 | dmin fp16 @82
       16 groups of 16; scales[g] = scale (low nibble) | min (high nibble);
       weight = d*scale*q - dmin*min, q in 0..3.
   q3_K, 110 bytes: hmask[32] @0 | qs[64] @32 | scales[12] @96 | d fp16 @108
       16 groups of 16, 6-bit signed scales (value - 32), q in -4..3 where
       the low two bits come from qs and a clear hmask bit subtracts 4.
   q4_K, 144 bytes: d @0 | dmin @2 | scales[12] @4 | qs[128] @16
       8 groups of 32, 6-bit scales and mins; weight = d*sc*q - dmin*m, q 0..15.
   q5_K, 176 bytes: d @0 | dmin @2 | scales[12] @4 | qh[32] @16 | qs[128] @48
       as q4_K with a fifth bit from qh, q in 0..31.
   q6_K, 210 bytes: ql[128] @0 | qh[64] @128 | scales[16] (int8) @192 | d @208
       16 groups of 16, weight = d*sc*q, q in -32..31.
   q8_K, 292 bytes: d f32 @0 | qs[256] int8 @4 | bsums[16] int16 @260
       (host-endian, as llml__block_q8_K); bsums[g] = sum of qs of group g.

   Element e of a super-block (0..255), with h = e/128 (q2/q3/q6) or
   c = e/64 (q4/q5):
     q2_K/q3_K: 2-bit field (qs[32h + e%32] >> 2*((e%128)/32)) & 3;
                q3_K high bit: hmask[e%32] bit e/32; group e/16.
     q4_K/q5_K: nibble of qs[32c + e%32], low nibble when (e%64) < 32;
                q5_K high bit: qh[e%32] bit e/32; group e/32.
     q6_K:      quarter k = (e%128)/32, l = e%32: low nibble of
                ql[64h + 32*(k&1) + l] (k<2) or its high nibble (k>=2), high
                two bits (qh[32h + l] >> 2k) & 3; group e/16.
   6-bit packed scales, q3_K (16 values v, 12 bytes): low nibble of v_j in
   byte j (j<8) or the high nibble of byte j-8 (j>=8); bits 4..5 of v_j at
   bit 2*(j/4) of byte 8 + j%4.
   q4_K/q5_K (8 scales s, 8 mins m): j<4: s_j = b[j]&63, m_j = b[j+4]&63;
   j>=4: s_j = (b[j+4]&15) | (b[j-4]>>6)<<4, m_j = (b[j+4]>>4) | (b[j]>>6)<<4.

   Dequantization evaluates the same float expressions, in the same order, as
   ggml's, so the results are bit-identical. The quantizers follow ggml's
   algorithms: without importance weights its reference row quantizers, with
   them its weighted variants (searches written below). The dot products sum
   integers per block and use the Q8_K block sums for the mins. */

#define LLML__QK_Q2K_BYTES 84
#define LLML__QK_Q3K_BYTES 110
#define LLML__QK_Q4K_BYTES 144
#define LLML__QK_Q5K_BYTES 176
#define LLML__QK_Q6K_BYTES 210
#define LLML__QK_Q8K_BYTES 292
#define LLML__QK_EPS 1e-15f

/* Bit-exactness needs every float expression rounded as written: no fused
   multiply-add contraction in this part, whatever the compiler flags. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* ---- small helpers ------------------------------------------------------- */

static float llml__qk_half(const uint8_t *p) { return llml_fp16_to_fp32(llml__rd16(p)); }
static void llml__qk_set_half(uint8_t *p, float v) { llml__wr16(p, llml_fp32_to_fp16(v)); }
static int llml__qk_clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Q8_K activation fields, read through memcpy (no alignment assumption). */
static float llml__qk_act_d(const uint8_t *a) {
    float d;
    memcpy(&d, a + offsetof(llml__block_q8_K, d), sizeof d);
    return d;
}
static const int8_t *llml__qk_act_qs(const uint8_t *a) {
    return (const int8_t *)(a + offsetof(llml__block_q8_K, qs));
}
static int32_t llml__qk_act_bsum(const uint8_t *a, int g) {
    int16_t s;
    memcpy(&s, a + offsetof(llml__block_q8_K, bsums) + 2 * (size_t)g, sizeof s);
    return s;
}

/* q3_K: the 16 signed 6-bit group scales (already minus 32). */
static void llml__qk_q3_get_scales(const uint8_t *b, int sc[16]) {
    int j;
    for (j = 0; j < 16; j++) {
        int lo = j < 8 ? (b[j] & 15) : (b[j - 8] >> 4);
        int hi = (b[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
        sc[j] = (lo | (hi << 4)) - 32;
    }
}
/* q3_K: store 16 unsigned 6-bit codes (0..63). */
static void llml__qk_q3_put_scales(uint8_t *b, const int v[16]) {
    int j;
    memset(b, 0, 12);
    for (j = 0; j < 16; j++) {
        if (j < 8) b[j] = (uint8_t)(b[j] | (v[j] & 15));
        else b[j - 8] = (uint8_t)(b[j - 8] | ((v[j] & 15) << 4));
        b[8 + (j & 3)] = (uint8_t)(b[8 + (j & 3)] | ((v[j] >> 4) << (2 * (j >> 2))));
    }
}
/* q4_K/q5_K: scale and min of group j (0..7). */
static void llml__qk_k4_get(const uint8_t *b, int j, int *sc, int *m) {
    if (j < 4) {
        *sc = b[j] & 63;
        *m = b[j + 4] & 63;
    } else {
        *sc = (b[j + 4] & 15) | ((b[j - 4] >> 6) << 4);
        *m = (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
    }
}
/* q4_K/q5_K: store 8 scales and 8 mins (each 0..63). */
static void llml__qk_k4_put(uint8_t *b, const int ls[8], const int lm[8]) {
    int j;
    for (j = 0; j < 4; j++) {
        b[j] = (uint8_t)(ls[j] | ((ls[j + 4] >> 4) << 6));
        b[j + 4] = (uint8_t)(lm[j] | ((lm[j + 4] >> 4) << 6));
        b[j + 8] = (uint8_t)((ls[j + 4] & 15) | ((lm[j + 4] & 15) << 4));
    }
}

/* ---- level unpacking (shared by dequantization and dot products) -------- */

/* q2_K and q3_K low bits: 2-bit field of element e. */
static void llml__qk_unpack2(const uint8_t *qs, int q[256]) {
    int e;
    for (e = 0; e < 256; e++)
        q[e] = (qs[32 * (e >> 7) + (e & 31)] >> (2 * ((e & 127) >> 5))) & 3;
}
/* q3_K levels -4..3. */
static void llml__qk_q3_levels(const uint8_t *blk, int q[256]) {
    const uint8_t *hm = blk;
    int e;
    llml__qk_unpack2(blk + 32, q);
    for (e = 0; e < 256; e++)
        if (!((hm[e & 31] >> (e >> 5)) & 1)) q[e] -= 4;
}
/* q4_K levels 0..15 (qs at qs), q5_K adds 16 from qh when qh != NULL. */
static void llml__qk_q45_levels(const uint8_t *qs, const uint8_t *qh, int q[256]) {
    int e;
    for (e = 0; e < 256; e++) {
        const uint8_t b = qs[32 * (e >> 6) + (e & 31)];
        q[e] = (e & 32) ? (b >> 4) : (b & 15);
        if (qh && ((qh[e & 31] >> (e >> 5)) & 1)) q[e] += 16;
    }
}
/* q6_K levels -32..31. */
static void llml__qk_q6_levels(const uint8_t *blk, int q[256]) {
    const uint8_t *ql = blk, *qh = blk + 128;
    int e;
    for (e = 0; e < 256; e++) {
        const int h = e >> 7, k = (e & 127) >> 5, l = e & 31;
        const uint8_t b = ql[64 * h + 32 * (k & 1) + l];
        const int lo = k < 2 ? (b & 15) : (b >> 4);
        q[e] = (lo | (((qh[32 * h + l] >> (2 * k)) & 3) << 4)) - 32;
    }
}

/* ---- dequantization ------------------------------------------------------ */

static void llml__dequant_q2_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q2K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk + 80), dmin = llml__qk_half(blk + 82);
        llml__qk_unpack2(blk + 16, q);
        for (e = 0; e < 256; e++) {
            const uint8_t sc = blk[e >> 4];
            const float dl = d * (float)(sc & 15), ml = dmin * (float)(sc >> 4);
            dst[e] = dl * (float)q[e] - ml;
        }
    }
}

static void llml__dequant_q3_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], sc[16], e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q3K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk + 108);
        llml__qk_q3_levels(blk, q);
        llml__qk_q3_get_scales(blk + 96, sc);
        for (e = 0; e < 256; e++) {
            const float dl = d * (float)sc[e >> 4];
            dst[e] = dl * (float)q[e];
        }
    }
}

/* q4_K (qh_off < 0) and q5_K. */
static void llml__qk_dequant_q45(const void *src, float *dst, int64_t n, int bytes, int qh_off, int qs_off) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], e, j;
    for (b = 0; b < nb; b++, blk += bytes, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk), dmin = llml__qk_half(blk + 2);
        llml__qk_q45_levels(blk + qs_off, qh_off >= 0 ? blk + qh_off : NULL, q);
        for (j = 0; j < 8; j++) {
            int sc, m;
            float d1, m1;
            llml__qk_k4_get(blk + 4, j, &sc, &m);
            d1 = d * (float)sc;
            m1 = dmin * (float)m;
            for (e = 32 * j; e < 32 * j + 32; e++) dst[e] = d1 * (float)q[e] - m1;
        }
    }
}
static void llml__dequant_q4_k(const void *src, float *dst, int64_t n) {
    llml__qk_dequant_q45(src, dst, n, LLML__QK_Q4K_BYTES, -1, 16);
}
static void llml__dequant_q5_k(const void *src, float *dst, int64_t n) {
    llml__qk_dequant_q45(src, dst, n, LLML__QK_Q5K_BYTES, 16, 48);
}

static void llml__dequant_q6_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q6K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk + 208);
        const int8_t *sc = (const int8_t *)(blk + 192);
        llml__qk_q6_levels(blk, q);
        for (e = 0; e < 256; e++) dst[e] = d * (float)sc[e >> 4] * (float)q[e];
    }
}

static void llml__dequant_q8_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q8K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_act_d(blk);
        const int8_t *qs = llml__qk_act_qs(blk);
        for (e = 0; e < 256; e++) dst[e] = d * (float)qs[e];
    }
}

/* ---- scale searches ------------------------------------------------------ */

/* Symmetric fit of n values to levels l in [-nmax, nmax-1] with x ~ s*l,
   minimising sum w*(x - s*l)^2 (w = x^2 when w is NULL). Starts from the
   scale that maps the largest magnitude to -nmax, tries 18 neighbouring
   inverse scales (nmax +- 0.1k), keeps the best, and returns the weighted
   least-squares scale; L gets l + nmax. */
static float llml__qk_fit_sym(int n, int nmax, const float *x, const float *w, int8_t *L) {
    float big = 0.0f, amax = 0.0f, inv, scale, best, sx, s2;
    int i, t;
    for (i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        if (a > amax) { amax = a; big = x[i]; }
    }
    if (amax < LLML__QK_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    inv = (float)-nmax / big;
    sx = s2 = 0.0f;
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1);
        const float wi = w ? w[i] : x[i] * x[i];
        L[i] = (int8_t)(l + nmax);
        sx += wi * x[i] * (float)l;
        s2 += wi * (float)l * (float)l;
    }
    scale = s2 != 0.0f ? sx / s2 : 0.0f;
    best = scale * sx;
    for (t = -9; t <= 9; t++) {
        if (t == 0) continue;
        inv = -((float)nmax + 0.1f * (float)t) / big;
        sx = s2 = 0.0f;
        for (i = 0; i < n; i++) {
            const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1);
            const float wi = w ? w[i] : x[i] * x[i];
            sx += wi * x[i] * (float)l;
            s2 += wi * (float)l * (float)l;
        }
        if (s2 > 0.0f && sx * sx > best * s2) {
            for (i = 0; i < n; i++)
                L[i] = (int8_t)(nmax + llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1));
            scale = sx / s2;
            best = scale * sx;
        }
    }
    return scale;
}

/* q3_K without weights: symmetric fit with w = x^2, refined by moving single
   levels to their best value given the others (up to 5 sweeps). L gets l+nmax. */
static float llml__qk_fit_q3(int n, int nmax, const float *x, int8_t *L) {
    float big = 0.0f, amax = 0.0f, inv, sx = 0.0f, s2 = 0.0f;
    int i, sweep;
    for (i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        if (a > amax) { amax = a; big = x[i]; }
    }
    if (amax < LLML__QK_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    inv = (float)-nmax / big;
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1);
        const float wi = x[i] * x[i];
        L[i] = (int8_t)l;
        sx += wi * x[i] * (float)l;
        s2 += wi * (float)l * (float)l;
    }
    for (sweep = 0; sweep < 5; sweep++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            const float wi = x[i] * x[i];
            float rx = sx - wi * x[i] * (float)L[i], r2;
            int nl;
            if (!(rx > 0.0f)) continue;
            r2 = s2 - wi * (float)L[i] * (float)L[i];
            nl = llml__qk_clamp(llml__nearest_int(x[i] * r2 / rx), -nmax, nmax - 1);
            if (nl == L[i]) continue;
            rx += wi * x[i] * (float)nl;
            r2 += wi * (float)nl * (float)nl;
            if (r2 > 0.0f && rx * rx * s2 > sx * sx * r2) {
                L[i] = (int8_t)nl;
                sx = rx;
                s2 = r2;
                changed++;
            }
        }
        if (!changed) break;
    }
    for (i = 0; i < n; i++) L[i] = (int8_t)(L[i] + nmax);
    return s2 > 0.0f ? sx / s2 : 0.0f;
}

/* Affine fit x ~ s*l - m with l in [0, nmax], m >= 0, weights w, error
   |.| (use_mad) or squared. Starts from the min/max mapping, then for
   nstep+1 trial inverse scales (rmin + rdelta*k + nmax)/(max - min) solves
   the weighted least squares for s and m and keeps the best. Returns s,
   stores m in *the_min, levels in L (Laux: scratch of n). */
static float llml__qk_fit_affine(int n, int nmax, const float *x, const float *w, uint8_t *L,
                                 float *the_min, uint8_t *Laux, float rmin, float rdelta,
                                 int nstep, int use_mad) {
    float lo = x[0], hi = x[0], sw = w[0], swx = w[0] * x[0], inv, scale, best = 0.0f;
    int i, k;
    for (i = 1; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
        sw += w[i];
        swx += w[i] * x[i];
    }
    if (lo > 0.0f) lo = 0.0f;
    if (!(hi > lo)) {
        memset(L, 0, (size_t)n);
        *the_min = -lo;
        return 0.0f;
    }
    inv = (float)nmax / (hi - lo);
    scale = 1.0f / inv;
    for (i = 0; i < n; i++) {
        float diff;
        L[i] = (uint8_t)llml__qk_clamp(llml__nearest_int(inv * (x[i] - lo)), 0, nmax);
        diff = scale * (float)L[i] + lo - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        best += w[i] * diff;
    }
    for (k = 0; k <= nstep; k++) {
        float sl = 0.0f, sl2 = 0.0f, sxl = 0.0f, D;
        inv = (rmin + rdelta * (float)k + (float)nmax) / (hi - lo);
        for (i = 0; i < n; i++) {
            const float v = inv * (x[i] - lo);
            const int l = v > 0.0f ? llml__nearest_int(v < (float)nmax ? v : (float)nmax) : 0;
            Laux[i] = (uint8_t)l;
            sl += w[i] * (float)l;
            sl2 += w[i] * (float)l * (float)l;
            sxl += w[i] * (float)l * x[i];
        }
        D = sw * sl2 - sl * sl;
        if (D > 0.0f) {
            float s = (sw * sxl - swx * sl) / D;
            float m = (sl2 * swx - sl * sxl) / D;
            float err = 0.0f;
            if (m > 0.0f) {
                m = 0.0f;
                s = sxl / sl2;
            }
            for (i = 0; i < n; i++) {
                float diff = s * (float)Laux[i] + m - x[i];
                diff = use_mad ? fabsf(diff) : diff * diff;
                err += w[i] * diff;
            }
            if (err < best) {
                memcpy(L, Laux, (size_t)n);
                best = err;
                scale = s;
                lo = m;
            }
        }
    }
    *the_min = -lo;
    return scale;
}

/* Fit of non-negative values (the group scales or mins of a super-block) to
   levels 0..nmax with weights qw: best of 9 inverse scales around nmax/max by
   weighted squared error, then single-level refinement sweeps; returns the
   least-squares scale. */
static float llml__qk_fit_pos(int n, int nmax, const float *x, uint8_t *L, const float *qw) {
    float big = 0.0f, inv, scale, best = 0.0f, sx = 0.0f, s2 = 0.0f;
    int i, t, sweep;
    for (i = 0; i < n; i++) big = LLML__MAX(big, x[i]);
    if (big < LLML__QK_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    inv = (float)nmax / big;
    scale = 1.0f / inv;
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), 0, nmax);
        const float diff = x[i] - scale * (float)l;
        best += qw[i] * diff * diff;
    }
    for (t = -4; t <= 4; t++) {
        float tinv, tscale, err = 0.0f;
        if (t == 0) continue;
        tinv = (0.1f * (float)t + (float)nmax) / big;
        tscale = 1.0f / tinv;
        for (i = 0; i < n; i++) {
            const int l = llml__qk_clamp(llml__nearest_int(tinv * x[i]), 0, nmax);
            const float diff = x[i] - tscale * (float)l;
            err += qw[i] * diff * diff;
        }
        if (err < best) {
            best = err;
            inv = tinv;
        }
    }
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), 0, nmax);
        L[i] = (uint8_t)l;
        sx += qw[i] * x[i] * (float)l;
        s2 += qw[i] * (float)l * (float)l;
    }
    for (sweep = 0; sweep < 5; sweep++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            float rx = sx - qw[i] * x[i] * (float)L[i];
            float r2 = s2 - qw[i] * (float)L[i] * (float)L[i];
            int nl;
            if (!(rx > 0.0f && r2 > 0.0f)) continue;
            nl = llml__qk_clamp(llml__nearest_int(x[i] * r2 / rx), 0, nmax);
            if (nl == L[i]) continue;
            rx += qw[i] * x[i] * (float)nl;
            r2 += qw[i] * (float)nl * (float)nl;
            if (rx * rx * s2 > sx * sx * r2) {
                L[i] = (uint8_t)nl;
                sx = rx;
                s2 = r2;
                changed++;
            }
        }
        if (!changed) break;
    }
    return s2 > 0.0f ? sx / s2 : 0.0f;
}

/* Importance weights of one group: qw[l] * sqrt(sigma2 + x[l]^2); returns their sum. */
static float llml__qk_weights(int n, const float *x, const float *qw, float sigma2, float *w) {
    float s = 0.0f;
    int l;
    for (l = 0; l < n; l++) w[l] = qw[l] * sqrtf(sigma2 + x[l] * x[l]);
    for (l = 0; l < n; l++) s += w[l];
    return s;
}
static float llml__qk_sumsq(const float *x, int n) {
    float s = 0.0f;
    int i;
    for (i = 0; i < n; i++) s += x[i] * x[i];
    return s;
}

/* ---- per-block quantizers -------------------------------------------------- */

/* 2-bit fields: byte 32h + l holds elements 128h + 32k + l at bits 2k. */
static void llml__qk_pack2(const uint8_t *L, uint8_t *qs) {
    int h, l;
    for (h = 0; h < 2; h++)
        for (l = 0; l < 32; l++) {
            const uint8_t *p = L + 128 * h + l;
            qs[32 * h + l] = (uint8_t)(p[0] | (p[32] << 2) | (p[64] << 4) | (p[96] << 6));
        }
}

static void llml__qk_q2_block(const float *x, const float *qw, uint8_t *y) {
    uint8_t L[256], Laux[16], Ls[16], Lm[16];
    float scales[16], mins[16], w[16], sw[16], d, dmin;
    int j, l;
    if (qw) {
        const float sigma2 = llml__qk_sumsq(x, 256) / 256.0f;
        for (j = 0; j < 16; j++) {
            sw[j] = llml__qk_weights(16, x + 16 * j, qw + 16 * j, sigma2, w);
            scales[j] = llml__qk_fit_affine(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux,
                                            -0.9f, 0.05f, 36, 0);
        }
        d = llml__qk_fit_pos(16, 15, scales, Ls, sw);
        dmin = llml__qk_fit_pos(16, 15, mins, Lm, sw);
        llml__qk_set_half(y + 80, d);
        llml__qk_set_half(y + 82, dmin);
        for (j = 0; j < 16; j++) y[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
    } else {
        float max_scale = 0.0f, max_min = 0.0f;
        for (j = 0; j < 16; j++) {
            for (l = 0; l < 16; l++) w[l] = fabsf(x[16 * j + l]);
            scales[j] = llml__qk_fit_affine(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux,
                                            -0.5f, 0.1f, 15, 1);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0.0f) {
            const float inv = 15.0f / max_scale;
            for (j = 0; j < 16; j++) y[j] = (uint8_t)llml__qk_clamp(llml__nearest_int(inv * scales[j]), 0, 15);
            llml__qk_set_half(y + 80, max_scale / 15.0f);
        } else {
            memset(y, 0, 16);
            llml__qk_set_half(y + 80, 0.0f);
        }
        if (max_min > 0.0f) {
            const float inv = 15.0f / max_min;
            for (j = 0; j < 16; j++)
                y[j] = (uint8_t)(y[j] | (llml__qk_clamp(llml__nearest_int(inv * mins[j]), 0, 15) << 4));
            llml__qk_set_half(y + 82, max_min / 15.0f);
        } else {
            llml__qk_set_half(y + 82, 0.0f);
        }
    }
    /* final levels against the stored (rounded) scales */
    d = llml__qk_half(y + 80);
    dmin = llml__qk_half(y + 82);
    for (j = 0; j < 16; j++) {
        const float dl = d * (float)(y[j] & 15);
        float ml;
        if (dl == 0.0f) continue;
        ml = dmin * (float)(y[j] >> 4);
        for (l = 0; l < 16; l++)
            L[16 * j + l] = (uint8_t)llml__qk_clamp(llml__nearest_int((x[16 * j + l] + ml) / dl), 0, 3);
    }
    llml__qk_pack2(L, y + 16);
}

static void llml__qk_q3_block(const float *x, const float *qw, uint8_t *y) {
    int8_t L[256], Ls[16];
    uint8_t U[256];
    float scales[16], w[16], sw[16], d;
    int codes[16], sc[16], j, l;
    if (qw) {
        const float sigma2 = 2.0f * llml__qk_sumsq(x, 256) / 256.0f;
        float dblk;
        for (j = 0; j < 16; j++) {
            sw[j] = llml__qk_weights(16, x + 16 * j, qw + 16 * j, sigma2, w);
            scales[j] = llml__qk_fit_sym(16, 4, x + 16 * j, w, L + 16 * j);
        }
        dblk = llml__qk_fit_sym(16, 32, scales, sw, Ls);
        for (j = 0; j < 16; j++) codes[j] = Ls[j];
        llml__qk_q3_put_scales(y + 96, codes);
        llml__qk_set_half(y + 108, dblk);
    } else {
        float max_scale = 0.0f, amax = 0.0f;
        for (j = 0; j < 16; j++) {
            scales[j] = llml__qk_fit_q3(16, 4, x + 16 * j, L + 16 * j);
            if (fabsf(scales[j]) > amax) {
                amax = fabsf(scales[j]);
                max_scale = scales[j];
            }
        }
        if (max_scale != 0.0f) {
            const float inv = -32.0f / max_scale;
            for (j = 0; j < 16; j++) codes[j] = llml__qk_clamp(llml__nearest_int(inv * scales[j]), -32, 31) + 32;
            llml__qk_q3_put_scales(y + 96, codes);
            llml__qk_set_half(y + 108, 1.0f / inv);
        } else {
            memset(y + 96, 0, 12);
            llml__qk_set_half(y + 108, 0.0f);
        }
    }
    d = llml__qk_half(y + 108);
    llml__qk_q3_get_scales(y + 96, sc);
    for (j = 0; j < 16; j++) {
        const float dl = d * (float)sc[j];
        if (dl == 0.0f) continue;
        for (l = 0; l < 16; l++)
            L[16 * j + l] = (int8_t)(llml__qk_clamp(llml__nearest_int(x[16 * j + l] / dl), -4, 3) + 4);
    }
    memset(y, 0, 32);
    for (j = 0; j < 256; j++) {
        int v = L[j];
        if (v > 3) {
            y[j & 31] = (uint8_t)(y[j & 31] | (1 << (j >> 5)));
            v -= 4;
        }
        U[j] = (uint8_t)v;
    }
    llml__qk_pack2(U, y + 32);
}

/* q4_K (nmax 15) and q5_K (nmax 31): scales, mins and levels into L; the
   caller packs the levels. y points at the block (d @0, dmin @2, scales @4). */
static void llml__qk_q45_block(const float *x, const float *qw, uint8_t *y, int nmax, uint8_t *L) {
    uint8_t Laux[32], Ls[8], Lm[8];
    float scales[8], mins[8], w[32], sw[8], d, dmin;
    int ls[8], lm[8], j, l;
    if (qw) {
        const float sigma2 = 2.0f * llml__qk_sumsq(x, 256) / 256.0f;
        float dblk, mblk;
        for (j = 0; j < 8; j++) {
            sw[j] = llml__qk_weights(32, x + 32 * j, qw + 32 * j, sigma2, w);
            scales[j] = llml__qk_fit_affine(32, nmax, x + 32 * j, w, L + 32 * j, &mins[j], Laux,
                                            -0.9f, 0.05f, 36, 0);
        }
        dblk = llml__qk_fit_pos(8, 63, scales, Ls, sw);
        mblk = llml__qk_fit_pos(8, 63, mins, Lm, sw);
        for (j = 0; j < 8; j++) { ls[j] = Ls[j]; lm[j] = Lm[j]; }
        llml__qk_set_half(y, dblk);
        llml__qk_set_half(y + 2, mblk);
    } else {
        float max_scale = 0.0f, max_min = 0.0f, inv_s, inv_m;
        for (j = 0; j < 8; j++) {
            const float av = sqrtf(llml__qk_sumsq(x + 32 * j, 32) / 32.0f);
            for (l = 0; l < 32; l++) w[l] = av + fabsf(x[32 * j + l]);
            if (nmax == 15)
                scales[j] = llml__qk_fit_affine(32, 15, x + 32 * j, w, L + 32 * j, &mins[j], Laux,
                                                -1.0f, 0.1f, 20, 0);
            else
                scales[j] = llml__qk_fit_affine(32, 31, x + 32 * j, w, L + 32 * j, &mins[j], Laux,
                                                -0.5f, 0.1f, 15, 0);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        inv_s = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
        inv_m = max_min > 0.0f ? 63.0f / max_min : 0.0f;
        for (j = 0; j < 8; j++) {
            ls[j] = llml__qk_clamp(llml__nearest_int(inv_s * scales[j]), 0, 63);
            lm[j] = llml__qk_clamp(llml__nearest_int(inv_m * mins[j]), 0, 63);
        }
        llml__qk_set_half(y, max_scale / 63.0f);
        llml__qk_set_half(y + 2, max_min / 63.0f);
    }
    llml__qk_k4_put(y + 4, ls, lm);
    d = llml__qk_half(y);
    dmin = llml__qk_half(y + 2);
    for (j = 0; j < 8; j++) {
        int sc, m;
        float dl, ml;
        llml__qk_k4_get(y + 4, j, &sc, &m);
        dl = d * (float)sc;
        if (dl == 0.0f) continue;
        ml = dmin * (float)m;
        for (l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)llml__qk_clamp(llml__nearest_int((x[32 * j + l] + ml) / dl), 0, nmax);
    }
}

static void llml__qk_q4_block(const float *x, const float *qw, uint8_t *y) {
    uint8_t L[256];
    int c, l;
    llml__qk_q45_block(x, qw, y, 15, L);
    for (c = 0; c < 4; c++)
        for (l = 0; l < 32; l++)
            y[16 + 32 * c + l] = (uint8_t)(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
}

static void llml__qk_q5_block(const float *x, const float *qw, uint8_t *y) {
    uint8_t L[256];
    uint8_t *qh = y + 16, *qs = y + 48;
    int c, l;
    llml__qk_q45_block(x, qw, y, 31, L);
    memset(qh, 0, 32);
    for (c = 0; c < 4; c++)
        for (l = 0; l < 32; l++) {
            const int a = L[64 * c + l], b = L[64 * c + 32 + l];
            qh[l] = (uint8_t)(qh[l] | ((a >> 4) << (2 * c)) | ((b >> 4) << (2 * c + 1)));
            qs[32 * c + l] = (uint8_t)((a & 15) | ((b & 15) << 4));
        }
}

static void llml__qk_q6_block(const float *x, const float *qw, uint8_t *y) {
    int8_t L[256];
    float scales[16], max_scale = 0.0f, max_abs = 0.0f, inv, d;
    int8_t *sc = (int8_t *)(y + 192);
    int j, l, h;
    for (j = 0; j < 16; j++) {
        scales[j] = llml__qk_fit_sym(16, 32, x + 16 * j, qw ? qw + 16 * j : NULL, L + 16 * j);
        if (fabsf(scales[j]) > max_abs) {
            max_abs = fabsf(scales[j]);
            max_scale = scales[j];
        }
    }
    if (max_abs < LLML__QK_EPS) {
        memset(y, 0, LLML__QK_Q6K_BYTES);
        return;
    }
    inv = -128.0f / max_scale;
    llml__qk_set_half(y + 208, 1.0f / inv);
    for (j = 0; j < 16; j++) sc[j] = (int8_t)llml__qk_clamp(llml__nearest_int(inv * scales[j]), -128, 127);
    d = llml__qk_half(y + 208);
    for (j = 0; j < 16; j++) {
        const float dl = d * (float)sc[j];
        if (dl == 0.0f) continue;
        for (l = 0; l < 16; l++)
            L[16 * j + l] = (int8_t)(llml__qk_clamp(llml__nearest_int(x[16 * j + l] / dl), -32, 31) + 32);
    }
    for (h = 0; h < 2; h++) {
        uint8_t *ql = y + 64 * h, *qh = y + 128 + 32 * h;
        const int8_t *p = L + 128 * h;
        for (l = 0; l < 32; l++) {
            ql[l] = (uint8_t)((p[l] & 15) | ((p[l + 64] & 15) << 4));
            ql[l + 32] = (uint8_t)((p[l + 32] & 15) | ((p[l + 96] & 15) << 4));
            qh[l] = (uint8_t)((p[l] >> 4) | ((p[l + 32] >> 4) << 2) | ((p[l + 64] >> 4) << 4) | ((p[l + 96] >> 4) << 6));
        }
    }
}

typedef void (*llml__qk_block_fn)(const float *x, const float *qw, uint8_t *y);

static llml_result llml__qk_quant_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                                       const float *imatrix, int bytes, llml__qk_block_fn fn) {
    uint8_t *y = (uint8_t *)dst;
    int64_t r, b, nb;
    if (!src || !dst || nrows < 0 || n_per_row <= 0 || n_per_row % LLML__QK_K) return LLML_ERR_INVALID_ARG;
    nb = n_per_row / LLML__QK_K;
    for (r = 0; r < nrows; r++)
        for (b = 0; b < nb; b++, y += bytes)
            fn(src + r * n_per_row + b * LLML__QK_K, imatrix ? imatrix + b * LLML__QK_K : NULL, y);
    return LLML_OK;
}

static llml_result llml__quant_q2_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q2K_BYTES, llml__qk_q2_block);
}
static llml_result llml__quant_q3_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q3K_BYTES, llml__qk_q3_block);
}
static llml_result llml__quant_q4_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q4K_BYTES, llml__qk_q4_block);
}
static llml_result llml__quant_q5_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q5K_BYTES, llml__qk_q5_block);
}
static llml_result llml__quant_q6_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q6K_BYTES, llml__qk_q6_block);
}

/* Q8_K: d = max/-127 for the element of largest magnitude, q = round(x/d)
   (at most 127), bsums = sums of 16 consecutive q. All-zero blocks are zero. */
static void llml__qk_q8_block(const float *x, const float *qw, uint8_t *y) {
    int8_t *qs = (int8_t *)(y + offsetof(llml__block_q8_K, qs));
    float big = 0.0f, amax = 0.0f, inv, d;
    int16_t bs[16];
    int j, g;
    (void)qw;
    for (j = 0; j < 256; j++) {
        const float a = fabsf(x[j]);
        if (a > amax) { amax = a; big = x[j]; }
    }
    if (amax == 0.0f) {
        memset(y, 0, LLML__QK_Q8K_BYTES);
        return;
    }
    inv = -127.0f / big;
    for (j = 0; j < 256; j++) qs[j] = (int8_t)llml__qk_clamp(llml__nearest_int(inv * x[j]), -128, 127);
    for (g = 0; g < 16; g++) {
        int s = 0;
        for (j = 0; j < 16; j++) s += qs[16 * g + j];
        bs[g] = (int16_t)s;
    }
    memcpy(y + offsetof(llml__block_q8_K, bsums), bs, sizeof bs);
    d = 1.0f / inv;
    memcpy(y + offsetof(llml__block_q8_K, d), &d, sizeof d);
}

static llml_result llml__quant_q8_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, NULL, LLML__QK_Q8K_BYTES, llml__qk_q8_block);
}

/* ---- dot products with Q8_K activations ------------------------------------ */

/* Sum of level * activation over each group of `gs` elements. */
static void llml__qk_group_dots(const int q[256], const int8_t *a, int gs, int32_t *out) {
    int g, l;
    for (g = 0; g < 256 / gs; g++) {
        int32_t s = 0;
        for (l = 0; l < gs; l++) s += q[g * gs + l] * a[g * gs + l];
        out[g] = s;
    }
}

static float llml__dot_q2_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], j;
    int32_t gd[16];
    for (b = 0; b < nb; b++, x += LLML__QK_Q2K_BYTES, a += LLML__QK_Q8K_BYTES) {
        const float ad = llml__qk_act_d(a);
        int32_t isum = 0, msum = 0;
        llml__qk_unpack2(x + 16, q);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 16, gd);
        for (j = 0; j < 16; j++) {
            isum += (x[j] & 15) * gd[j];
            msum += (x[j] >> 4) * llml__qk_act_bsum(a, j);
        }
        sum += ad * llml__qk_half(x + 80) * (float)isum - ad * llml__qk_half(x + 82) * (float)msum;
    }
    return sum;
}

static float llml__dot_q3_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], sc[16], j;
    int32_t gd[16];
    for (b = 0; b < nb; b++, x += LLML__QK_Q3K_BYTES, a += LLML__QK_Q8K_BYTES) {
        int32_t isum = 0;
        llml__qk_q3_levels(x, q);
        llml__qk_q3_get_scales(x + 96, sc);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 16, gd);
        for (j = 0; j < 16; j++) isum += sc[j] * gd[j];
        sum += llml__qk_act_d(a) * llml__qk_half(x + 108) * (float)isum;
    }
    return sum;
}

static float llml__qk_dot_q45(const void *w, const void *act, int64_t n, int bytes, int qh_off, int qs_off) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], j;
    int32_t gd[8];
    for (b = 0; b < nb; b++, x += bytes, a += LLML__QK_Q8K_BYTES) {
        const float ad = llml__qk_act_d(a);
        int32_t isum = 0, msum = 0;
        llml__qk_q45_levels(x + qs_off, qh_off >= 0 ? x + qh_off : NULL, q);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 32, gd);
        for (j = 0; j < 8; j++) {
            int sc, m;
            llml__qk_k4_get(x + 4, j, &sc, &m);
            isum += sc * gd[j];
            msum += m * (llml__qk_act_bsum(a, 2 * j) + llml__qk_act_bsum(a, 2 * j + 1));
        }
        sum += ad * llml__qk_half(x) * (float)isum - ad * llml__qk_half(x + 2) * (float)msum;
    }
    return sum;
}
static float llml__dot_q4_k(const void *w, const void *act, int64_t n) {
    return llml__qk_dot_q45(w, act, n, LLML__QK_Q4K_BYTES, -1, 16);
}
static float llml__dot_q5_k(const void *w, const void *act, int64_t n) {
    return llml__qk_dot_q45(w, act, n, LLML__QK_Q5K_BYTES, 16, 48);
}

static float llml__dot_q6_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], j;
    int32_t gd[16];
    for (b = 0; b < nb; b++, x += LLML__QK_Q6K_BYTES, a += LLML__QK_Q8K_BYTES) {
        const int8_t *sc = (const int8_t *)(x + 192);
        int32_t isum = 0;
        llml__qk_q6_levels(x, q);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 16, gd);
        for (j = 0; j < 16; j++) isum += sc[j] * gd[j];
        sum += llml__qk_act_d(a) * llml__qk_half(x + 208) * (float)isum;
    }
    return sum;
}

static float llml__dot_q8_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int j;
    for (b = 0; b < nb; b++, x += LLML__QK_Q8K_BYTES, a += LLML__QK_Q8K_BYTES) {
        const int8_t *p = llml__qk_act_qs(x), *r = llml__qk_act_qs(a);
        int32_t isum = 0;
        for (j = 0; j < 256; j++) isum += p[j] * r[j];
        sum += llml__qk_act_d(x) * llml__qk_act_d(a) * (float)isum;
    }
    return sum;
}

#if defined(__clang__)
#pragma STDC FP_CONTRACT DEFAULT
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
