/* ------------------------------------------------------------------------ */
/* >>quant_basic  f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1, iq4_nl,     */
/*                iq4_xs, tq1_0, tq2_0                                      */
/* ------------------------------------------------------------------------ */

/* Block layouts (little-endian, packed; "h" = IEEE half):
     q4_0    18 B / 32:  h d | u8 qs[16]               x = (q - 8) * d
     q4_1    20 B / 32:  h d | h m | u8 qs[16]         x = q * d + m
     q5_0    22 B / 32:  h d | u8 qh[4] | u8 qs[16]    x = (q - 16) * d
     q5_1    24 B / 32:  h d | h m | u8 qh[4] | qs[16] x = q * d + m
     q8_0    34 B / 32:  h d | i8 qs[32]               x = q * d
     q8_1    36 B / 32:  h d | h s | i8 qs[32]         s = d * sum(q)
     iq4_nl  18 B / 32:  h d | u8 qs[16]               x = d * kvalues[q]
     iq4_xs 136 B / 256: h d | u16 scales_h | u8 scales_l[4] | u8 qs[128]
                         group g of 32: x = d * (ls_g - 32) * kvalues[q]
     tq1_0   54 B / 256: u8 qs[48] (5 trits a byte) | u8 qh[4] (4 trits) | h d
     tq2_0   66 B / 256: u8 qs[64] (2 bits a value) | h d
   In the 32-element formats byte j of qs holds element j in its low nibble
   and element j + 16 in its high nibble; bit j of the 32-bit qh word is the
   fifth bit of element j. */

#define LLML__QB_QK 32

/* The quantizers reproduce the reference's bytes only when a*b+c is not
   fused into one rounding; clang fuses within expressions by default where
   the target has FMA (arm64), so the functions that decide codes ask for
   separate roundings. (GCC does not fuse in ISO C mode, the project's.) */
#if defined(__clang__)
#define LLML__QB_EXACT_FP _Pragma("STDC FP_CONTRACT OFF")
#else
#define LLML__QB_EXACT_FP
#endif

/* The 16 levels of the non-linear 4-bit formats (sorted ascending). */
static const int8_t llml__qb_kvalues[16] = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
};

static float llml__qb_half(const uint8_t *p) { return llml_fp16_to_fp32(llml__rd16(p)); }
static void llml__qb_put_half(uint8_t *p, float f) { llml__wr16(p, llml_fp32_to_fp16(f)); }

/* Mean of squares over a row (float accumulation, as the reference does). */
static float llml__qb_mean_sq(const float *x, int64_t n) {
    LLML__QB_EXACT_FP
    float s = 0.0f;
    int64_t i;
    for (i = 0; i < n; i++) s += x[i] * x[i];
    return s / (float)n;
}

/* Truncation toward zero of v (known to lie near [0, hi]) into [0, hi]. */
static int llml__qb_trunc(float v, int hi) {
    if (!(v >= 1.0f)) return 0;
    if (v >= (float)hi) return hi;
    return (int)v;
}

/* Round half away from zero into [-128, 127]; NaN gives 0. */
static int llml__qb_round8(float v) {
    float r = roundf(v);
    if (r != r) return 0;
    if (r > 127.0f) return 127;
    if (r < -128.0f) return -128;
    return (int)r;
}

/* Unpack the 32 4-bit (and optional fifth-bit) codes of a 32-block. */
static void llml__qb_codes(const uint8_t *qs, const uint8_t *qh, int *q) {
    uint32_t h = qh ? llml__rd32(qh) : 0;
    int j;
    for (j = 0; j < 16; j++) {
        q[j] = (qs[j] & 0x0f) | (int)(((h >> j) & 1u) << 4);
        q[j + 16] = (qs[j] >> 4) | (int)(((h >> (j + 16)) & 1u) << 4);
    }
}

/* Pack 32 codes (0..15, or 0..31 when qh != NULL) into qs / qh. */
static void llml__qb_pack(const int *q, uint8_t *qs, uint8_t *qh) {
    uint32_t h = 0;
    int j;
    for (j = 0; j < 16; j++) {
        qs[j] = (uint8_t)((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4));
        h |= (uint32_t)((q[j] >> 4) & 1) << j;
        h |= (uint32_t)((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (qh) llml__wr32(qh, h);
}

/* Index of the level of `v` (16 sorted levels) nearest to x; a value exactly
   half way between two levels takes the upper one. Compares 2x with the sum
   of neighbours, which is exact. */
static int llml__qb_nearest_level(const int8_t *v, float x) {
    float x2 = x + x;
    int idx = 0, step;
    for (step = 8; step > 0; step >>= 1) {
        int j = idx + step;
        if (x2 >= (float)(v[j - 1] + v[j])) idx = j;
    }
    return idx;
}

/* ---- scale searches (importance-weighted) ------------------------------- */

/* Symmetric fit: codes l in [-nmax, nmax-1] (stored as l + nmax) and a scale
   d minimising sum w (x - d l)^2. The codes come from rounding x times a
   trial inverse scale; 19 trial scales around nmax/max are tried and for
   each the least-squares d is computed. Returns d. */
static float llml__qb_fit_sym(int n, int nmax, const float *x, const float *w, int *L) {
    LLML__QB_EXACT_FP
    int tmp[LLML__QB_QK];
    float amax = 0.0f, vmax = 0.0f, inv, lx, l2, d, best;
    int i, t;
    for (i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (a > amax) { amax = a; vmax = x[i]; }
    }
    if (amax < 1e-15f) {
        for (i = 0; i < n; i++) L[i] = 0;
        return 0.0f;
    }
    inv = (float)(-nmax) / vmax;
    lx = l2 = 0.0f;
    for (i = 0; i < n; i++) {
        int l = llml__nearest_int(inv * x[i]);
        l = LLML__MAX(-nmax, LLML__MIN(nmax - 1, l));
        L[i] = l + nmax;
        lx += w[i] * x[i] * (float)l;
        l2 += w[i] * (float)l * (float)l;
    }
    d = l2 != 0.0f ? lx / l2 : 0.0f;
    best = d * lx;
    for (t = -9; t <= 9; t++) {
        if (t == 0) continue;
        inv = -((float)nmax + 0.1f * (float)t) / vmax;
        lx = l2 = 0.0f;
        for (i = 0; i < n; i++) {
            int l = llml__nearest_int(inv * x[i]);
            l = LLML__MAX(-nmax, LLML__MIN(nmax - 1, l));
            tmp[i] = l;
            lx += w[i] * x[i] * (float)l;
            l2 += w[i] * (float)l * (float)l;
        }
        if (l2 > 0.0f && lx * lx > best * l2) {
            for (i = 0; i < n; i++) L[i] = tmp[i] + nmax;
            d = lx / l2;
            best = d * lx;
        }
    }
    return d;
}

/* Affine fit: codes in [0, nmax], x ~ d * l + mn with mn <= 0, minimising the
   weighted squared error. Trial inverse scales (nmax + rmin + k*rstep) /
   (max - mn) for k = 0..nstep, where mn is the offset of the best fit so far
   (it starts at min(x, 0)); each trial gives codes and a weighted
   least-squares (d, mn), kept when its error is lower. mn may come close to
   max, so the trial value is clamped before rounding (inf -> nmax, NaN -> 0).
   Returns d; *neg_min = -mn. */
static float llml__qb_fit_affine(int n, int nmax, const float *x, const float *w, int *L,
                                 float *neg_min, float rmin, float rstep, int nstep) {
    LLML__QB_EXACT_FP
    int tmp[LLML__QB_QK];
    float lo = x[0], hi = x[0], sw = w[0], sx = w[0] * x[0];
    float inv, d, mn, best_err;
    int i, k;
    for (i = 1; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
        sw += w[i];
        sx += w[i] * x[i];
    }
    if (lo > 0.0f) lo = 0.0f;
    if (hi <= lo) {
        for (i = 0; i < n; i++) L[i] = 0;
        *neg_min = -lo;
        return 0.0f;
    }
    inv = (float)nmax / (hi - lo);
    d = 1.0f / inv;
    mn = lo;
    best_err = 0.0f;
    for (i = 0; i < n; i++) {
        int l = llml__nearest_int(inv * (x[i] - lo));
        float e;
        l = LLML__MAX(0, LLML__MIN(nmax, l));
        L[i] = l;
        e = d * (float)l + lo - x[i];
        best_err += w[i] * (e * e);
    }
    for (k = 0; k <= nstep; k++) {
        float sl = 0.0f, sl2 = 0.0f, sxl = 0.0f, det;
        /* the offset and the range follow the best fit found so far */
        inv = (rmin + rstep * (float)k + (float)nmax) / (hi - mn);
        for (i = 0; i < n; i++) {
            float v = inv * (x[i] - mn);
            int l = v > 0.0f ? llml__nearest_int(v < (float)nmax ? v : (float)nmax) : 0;
            tmp[i] = l;
            sl += w[i] * (float)l;
            sl2 += w[i] * (float)l * (float)l;
            sxl += w[i] * (float)l * x[i];
        }
        det = sw * sl2 - sl * sl;
        if (det > 0.0f) {
            float td = (sw * sxl - sx * sl) / det;
            float tm = (sl2 * sx - sl * sxl) / det;
            float err = 0.0f;
            if (tm > 0.0f) {
                tm = 0.0f;
                td = sxl / sl2;
            }
            for (i = 0; i < n; i++) {
                float e = td * (float)tmp[i] + tm - x[i];
                err += w[i] * (e * e);
            }
            if (err < best_err) {
                for (i = 0; i < n; i++) L[i] = tmp[i];
                best_err = err;
                d = td;
                mn = tm;
            }
        }
    }
    *neg_min = -mn;
    return d;
}

/* Importance weights of one 32-group: qw * sqrt(sigma2 + x^2). */
static void llml__qb_weights(const float *x, const float *qw, float sigma2, float *w) {
    LLML__QB_EXACT_FP
    int j;
    for (j = 0; j < LLML__QB_QK; j++) w[j] = qw[j] * sqrtf(sigma2 + x[j] * x[j]);
}

/* ---- f16 / bf16 ----------------------------------------------------------- */

static void llml__dequant_f16(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t i;
    for (i = 0; i < n; i++) dst[i] = llml_fp16_to_fp32(llml__rd16(p + 2 * i));
}
static llml_result llml__quant_f16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *p = (uint8_t *)dst;
    int64_t i, n = nrows * n_per_row;
    (void)imatrix;
    for (i = 0; i < n; i++) llml__wr16(p + 2 * i, llml_fp32_to_fp16(src[i]));
    return LLML_OK;
}
static float llml__dot_f16(const void *w, const void *act, int64_t n) {
    const uint8_t *a = (const uint8_t *)w, *b = (const uint8_t *)act;
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) s += (double)(llml_fp16_to_fp32(llml__rd16(a + 2 * i)) * llml_fp16_to_fp32(llml__rd16(b + 2 * i)));
    return (float)s;
}

static void llml__dequant_bf16(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t i;
    for (i = 0; i < n; i++) dst[i] = llml_bf16_to_fp32(llml__rd16(p + 2 * i));
}
static llml_result llml__quant_bf16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *p = (uint8_t *)dst;
    int64_t i, n = nrows * n_per_row;
    (void)imatrix;
    for (i = 0; i < n; i++) llml__wr16(p + 2 * i, llml_fp32_to_bf16(src[i]));
    return LLML_OK;
}
static float llml__dot_bf16(const void *w, const void *act, int64_t n) {
    const uint8_t *a = (const uint8_t *)w, *b = (const uint8_t *)act;
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) s += (double)(llml_bf16_to_fp32(llml__rd16(a + 2 * i)) * llml_bf16_to_fp32(llml__rd16(b + 2 * i)));
    return (float)s;
}

/* ---- q4_0 / q5_0 (symmetric, d = max / -2^(bits-1)) ----------------------- */

/* One block without importance: the signed value of largest magnitude maps
   to the lowest code. bits = 4 or 5. */
static void llml__qb_sym_plain(const float *x, int bits, int *q, float *d_out) {
    LLML__QB_EXACT_FP
    int half = 1 << (bits - 1), top = (1 << bits) - 1, j;
    float amax = 0.0f, vmax = 0.0f, d, id;
    for (j = 0; j < LLML__QB_QK; j++) {
        if (amax < fabsf(x[j])) { amax = fabsf(x[j]); vmax = x[j]; }
    }
    d = vmax / (float)(-half);
    id = d != 0.0f ? 1.0f / d : 0.0f;
    for (j = 0; j < LLML__QB_QK; j++) q[j] = llml__qb_trunc(x[j] * id + ((float)half + 0.5f), top);
    *d_out = d;
}

static llml_result llml__qb_quant_sym(const float *src, uint8_t *dst, int64_t nrows, int64_t n_per_row,
                                      const float *imatrix, int bits) {
    const int bsz = bits == 4 ? 18 : 22;
    int64_t r, b, nb = n_per_row / LLML__QB_QK;
    int q[LLML__QB_QK];
    float w[LLML__QB_QK];
    for (r = 0; r < nrows; r++) {
        const float *x = src + r * n_per_row;
        float sigma2 = imatrix ? llml__qb_mean_sq(x, n_per_row) : 0.0f;
        for (b = 0; b < nb; b++) {
            const float *xb = x + b * LLML__QB_QK;
            uint8_t *y = dst + (r * nb + b) * bsz;
            float d;
            if (imatrix) {
                llml__qb_weights(xb, imatrix + b * LLML__QB_QK, sigma2, w);
                d = llml__qb_fit_sym(LLML__QB_QK, 1 << (bits - 1), xb, w, q);
            } else {
                llml__qb_sym_plain(xb, bits, q, &d);
            }
            llml__qb_put_half(y, d);
            if (bits == 4) llml__qb_pack(q, y + 2, NULL);
            else llml__qb_pack(q, y + 6, y + 2);
        }
    }
    return LLML_OK;
}

static void llml__dequant_q4_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 18, dst += LLML__QB_QK) {
        float d = llml__qb_half(p);
        llml__qb_codes(p + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)(q[j] - 8) * d;
    }
}
static llml_result llml__quant_q4_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_sym(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 4);
}
static float llml__dot_q4_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += 18, y += 34) {
        const int8_t *a = (const int8_t *)(y + 2);
        int s = 0;
        llml__qb_codes(x + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) s += (q[j] - 8) * a[j];
        sum += (float)s * llml__qb_half(x) * llml__qb_half(y);
    }
    return sum;
}

static void llml__dequant_q5_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 22, dst += LLML__QB_QK) {
        float d = llml__qb_half(p);
        llml__qb_codes(p + 6, p + 2, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)(q[j] - 16) * d;
    }
}
static llml_result llml__quant_q5_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_sym(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 5);
}
static float llml__dot_q5_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += 22, y += 34) {
        const int8_t *a = (const int8_t *)(y + 2);
        int s = 0;
        llml__qb_codes(x + 6, x + 2, q);
        for (j = 0; j < LLML__QB_QK; j++) s += (q[j] - 16) * a[j];
        sum += (llml__qb_half(x) * llml__qb_half(y)) * (float)s;
    }
    return sum;
}

/* ---- q4_1 / q5_1 (affine, x = q d + m) ------------------------------------ */

static llml_result llml__qb_quant_affine(const float *src, uint8_t *dst, int64_t nrows, int64_t n_per_row,
                                         const float *imatrix, int bits) {
    LLML__QB_EXACT_FP
    const int bsz = bits == 4 ? 20 : 24, top = (1 << bits) - 1;
    int64_t r, b, nb = n_per_row / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    float w[LLML__QB_QK];
    for (r = 0; r < nrows; r++) {
        const float *x = src + r * n_per_row;
        float sigma2 = imatrix ? llml__qb_mean_sq(x, n_per_row) : 0.0f;
        for (b = 0; b < nb; b++) {
            const float *xb = x + b * LLML__QB_QK;
            uint8_t *y = dst + (r * nb + b) * bsz;
            float d, m;
            if (imatrix) {
                float neg_min;
                llml__qb_weights(xb, imatrix + b * LLML__QB_QK, sigma2, w);
                d = llml__qb_fit_affine(LLML__QB_QK, top, xb, w, q, &neg_min, -0.9f, 0.05f, 36);
                m = -neg_min;
            } else {
                float lo = FLT_MAX, hi = -FLT_MAX, id;
                for (j = 0; j < LLML__QB_QK; j++) {
                    if (xb[j] < lo) lo = xb[j];
                    if (xb[j] > hi) hi = xb[j];
                }
                d = (hi - lo) / (float)top;
                id = d != 0.0f ? 1.0f / d : 0.0f;
                for (j = 0; j < LLML__QB_QK; j++) q[j] = llml__qb_trunc((xb[j] - lo) * id + 0.5f, top);
                m = lo;
            }
            llml__qb_put_half(y, d);
            llml__qb_put_half(y + 2, m);
            if (bits == 4) llml__qb_pack(q, y + 4, NULL);
            else llml__qb_pack(q, y + 8, y + 4);
        }
    }
    return LLML_OK;
}

static void llml__dequant_q4_1(const void *src, float *dst, int64_t n) {
    LLML__QB_EXACT_FP
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 20, dst += LLML__QB_QK) {
        float d = llml__qb_half(p), m = llml__qb_half(p + 2);
        llml__qb_codes(p + 4, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)q[j] * d + m;
    }
}
static llml_result llml__quant_q4_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_affine(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 4);
}
/* Affine weights against Q8_1: sum_i (q_i d + m) a_i d_a = d d_a sum(q a) + m s. */
static float llml__qb_dot_affine(const uint8_t *x, const uint8_t *y, int64_t n, int bits) {
    const int bsz = bits == 4 ? 20 : 24;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += bsz, y += 36) {
        const int8_t *a = (const int8_t *)(y + 4);
        int s = 0;
        if (bits == 4) llml__qb_codes(x + 4, NULL, q);
        else llml__qb_codes(x + 8, x + 4, q);
        for (j = 0; j < LLML__QB_QK; j++) s += q[j] * a[j];
        sum += (llml__qb_half(x) * llml__qb_half(y)) * (float)s + llml__qb_half(x + 2) * llml__qb_half(y + 2);
    }
    return sum;
}
static float llml__dot_q4_1(const void *w, const void *act, int64_t n) {
    return llml__qb_dot_affine((const uint8_t *)w, (const uint8_t *)act, n, 4);
}

static void llml__dequant_q5_1(const void *src, float *dst, int64_t n) {
    LLML__QB_EXACT_FP
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 24, dst += LLML__QB_QK) {
        float d = llml__qb_half(p), m = llml__qb_half(p + 2);
        llml__qb_codes(p + 8, p + 4, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)q[j] * d + m;
    }
}
static llml_result llml__quant_q5_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_affine(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 5);
}
static float llml__dot_q5_1(const void *w, const void *act, int64_t n) {
    return llml__qb_dot_affine((const uint8_t *)w, (const uint8_t *)act, n, 5);
}

/* ---- q8_0 / q8_1 (also the activation formats of the 32-blocks) ----------- */

/* One block: d = amax / 127, q = round(x / d). Returns the sum of codes. */
static int llml__qb_q8_block(const float *x, uint8_t *d_at, int8_t *qs, float *d_out) {
    LLML__QB_EXACT_FP
    float amax = 0.0f, d, id;
    int j, sum = 0;
    for (j = 0; j < LLML__QB_QK; j++) amax = LLML__MAX(amax, fabsf(x[j]));
    d = amax / 127.0f;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    llml__qb_put_half(d_at, d);
    for (j = 0; j < LLML__QB_QK; j++) {
        qs[j] = (int8_t)llml__qb_round8(x[j] * id);
        sum += qs[j];
    }
    *d_out = d;
    return sum;
}

static void llml__dequant_q8_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int j;
    for (b = 0; b < nb; b++, p += 34, dst += LLML__QB_QK) {
        const int8_t *qs = (const int8_t *)(p + 2);
        float d = llml__qb_half(p);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)qs[j] * d;
    }
}
static llml_result llml__quant_q8_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QB_QK;
    float d;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 34) llml__qb_q8_block(src + b * LLML__QB_QK, y, (int8_t *)(y + 2), &d);
    return LLML_OK;
}
static float llml__dot_q8_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int j;
    for (b = 0; b < nb; b++, x += 34, y += 34) {
        const int8_t *qa = (const int8_t *)(x + 2), *qb = (const int8_t *)(y + 2);
        int s = 0;
        for (j = 0; j < LLML__QB_QK; j++) s += qa[j] * qb[j];
        sum += (float)s * (llml__qb_half(x) * llml__qb_half(y));
    }
    return sum;
}

static void llml__dequant_q8_1(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int j;
    for (b = 0; b < nb; b++, p += 36, dst += LLML__QB_QK) {
        const int8_t *qs = (const int8_t *)(p + 4);
        float d = llml__qb_half(p);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)qs[j] * d;
    }
}
static llml_result llml__quant_q8_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QB_QK;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 36) {
        float d;
        int sum = llml__qb_q8_block(src + b * LLML__QB_QK, y, (int8_t *)(y + 4), &d);
        llml__qb_put_half(y + 2, (float)sum * d);
    }
    return LLML_OK;
}
static float llml__dot_q8_1(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int j;
    for (b = 0; b < nb; b++, x += 36, y += 36) {
        const int8_t *qa = (const int8_t *)(x + 4), *qb = (const int8_t *)(y + 4);
        int s = 0;
        for (j = 0; j < LLML__QB_QK; j++) s += qa[j] * qb[j];
        sum += (float)s * (llml__qb_half(x) * llml__qb_half(y));
    }
    return sum;
}

/* ---- iq4_nl / iq4_xs (non-linear 4-bit levels) ----------------------------- */

/* Best scale of one 32-group for the level table: start from the largest
   magnitude on the extreme level, refine by weighted least squares over 15
   trial inverse scales. Returns the scale (0 for an all-zero group). */
static float llml__qb_iq4_group(const float *x, const float *w) {
    LLML__QB_EXACT_FP
    const int8_t *v = llml__qb_kvalues;
    float amax = 0.0f, vmax = 0.0f, d, id, sqx, sq2, best;
    int j, t;
    for (j = 0; j < LLML__QB_QK; j++) {
        float a = fabsf(x[j]);
        if (a > amax) { amax = a; vmax = x[j]; }
    }
    if (amax < 1e-15f) return 0.0f;
    d = -vmax / (float)v[0];
    id = 1.0f / d;
    sqx = sq2 = 0.0f;
    for (j = 0; j < LLML__QB_QK; j++) {
        float q = (float)v[llml__qb_nearest_level(v, id * x[j])];
        sqx += w[j] * q * x[j];
        sq2 += w[j] * q * q;
    }
    d = sq2 > 0.0f ? sqx / sq2 : 0.0f;
    best = d * sqx;
    for (t = -7; t <= 7; t++) {
        id = (float)(t + v[0]) / vmax;
        sqx = sq2 = 0.0f;
        for (j = 0; j < LLML__QB_QK; j++) {
            float q = (float)v[llml__qb_nearest_level(v, id * x[j])];
            sqx += w[j] * q * x[j];
            sq2 += w[j] * q * q;
        }
        if (sq2 > 0.0f && sqx * sqx > best * sq2) {
            d = sqx / sq2;
            best = d * sqx;
        }
    }
    return d;
}

/* Group weights: with importance qw * sqrt(sigma2 + x^2), else x^2. */
static void llml__qb_iq4_weights(const float *x, const float *qw, float sigma2, float *w) {
    int j;
    if (qw) llml__qb_weights(x, qw, sigma2, w);
    else for (j = 0; j < LLML__QB_QK; j++) w[j] = x[j] * x[j];
}

static void llml__qb_iq4_codes(const float *x, float id, uint8_t *qs) {
    int q[LLML__QB_QK], j;
    for (j = 0; j < LLML__QB_QK; j++) q[j] = llml__qb_nearest_level(llml__qb_kvalues, id * x[j]);
    llml__qb_pack(q, qs, NULL);
}

static void llml__dequant_iq4_nl(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 18, dst += LLML__QB_QK) {
        float d = llml__qb_half(p);
        llml__qb_codes(p + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = d * (float)llml__qb_kvalues[q[j]];
    }
}
static llml_result llml__quant_iq4_nl(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    LLML__QB_EXACT_FP
    uint8_t *y = (uint8_t *)dst;
    int64_t r, b, nb = n_per_row / LLML__QB_QK;
    float w[LLML__QB_QK];
    for (r = 0; r < nrows; r++) {
        for (b = 0; b < nb; b++, y += 18) {
            const float *xb = src + r * n_per_row + b * LLML__QB_QK;
            float sigma2 = 2.0f * llml__qb_mean_sq(xb, LLML__QB_QK), d;
            llml__qb_iq4_weights(xb, imatrix ? imatrix + b * LLML__QB_QK : NULL, sigma2, w);
            d = llml__qb_iq4_group(xb, w);
            llml__qb_put_half(y, d);
            llml__qb_iq4_codes(xb, d != 0.0f ? 1.0f / d : 0.0f, y + 2);
        }
    }
    return LLML_OK;
}
static float llml__dot_iq4_nl(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += 18, y += 34) {
        const int8_t *a = (const int8_t *)(y + 2);
        int s = 0;
        llml__qb_codes(x + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) s += llml__qb_kvalues[q[j]] * a[j];
        sum += (llml__qb_half(x) * llml__qb_half(y)) * (float)s;
    }
    return sum;
}

/* 6-bit group scale code (0..63) of group g of an iq4_xs block. */
static int llml__qb_iq4xs_ls(const uint8_t *p, int g) {
    int lo = (p[4 + g / 2] >> (4 * (g % 2))) & 0x0f;
    int hi = (llml__rd16(p + 2) >> (2 * g)) & 3;
    return lo | (hi << 4);
}

static void llml__dequant_iq4_xs(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[LLML__QB_QK], g, j;
    for (b = 0; b < nb; b++, p += 136) {
        float d = llml__qb_half(p);
        for (g = 0; g < 8; g++, dst += LLML__QB_QK) {
            float dl = d * (float)(llml__qb_iq4xs_ls(p, g) - 32);
            llml__qb_codes(p + 8 + 16 * g, NULL, q);
            for (j = 0; j < LLML__QB_QK; j++) dst[j] = dl * (float)llml__qb_kvalues[q[j]];
        }
    }
}
static llml_result llml__quant_iq4_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    LLML__QB_EXACT_FP
    uint8_t *y = (uint8_t *)dst;
    int64_t r, b, nb = n_per_row / LLML__QK_K;
    float w[LLML__QB_QK], sc[8];
    for (r = 0; r < nrows; r++) {
        for (b = 0; b < nb; b++, y += 136) {
            const float *xs = src + r * n_per_row + b * LLML__QK_K;
            float sigma2 = 2.0f * llml__qb_mean_sq(xs, LLML__QK_K), smax = 0.0f, samax = 0.0f, d, id;
            uint16_t sh = 0;
            int g;
            for (g = 0; g < 8; g++) {
                const float *xb = xs + g * LLML__QB_QK;
                llml__qb_iq4_weights(xb, imatrix ? imatrix + b * LLML__QK_K + g * LLML__QB_QK : NULL, sigma2, w);
                sc[g] = llml__qb_iq4_group(xb, w);
                if (fabsf(sc[g]) > samax) { samax = fabsf(sc[g]); smax = sc[g]; }
            }
            /* the super-block scale maps the largest group scale to -32 */
            d = -smax / 32.0f;
            id = d != 0.0f ? 1.0f / d : 0.0f;
            llml__qb_put_half(y, d);
            for (g = 0; g < 8; g++) {
                int l = llml__nearest_int(id * sc[g]);
                float dl;
                l = LLML__MAX(-32, LLML__MIN(31, l));
                dl = d * (float)l;
                llml__qb_iq4_codes(xs + g * LLML__QB_QK, dl != 0.0f ? 1.0f / dl : 0.0f, y + 8 + 16 * g);
                l += 32;
                if (g % 2 == 0) y[4 + g / 2] = (uint8_t)(l & 0x0f);
                else y[4 + g / 2] = (uint8_t)(y[4 + g / 2] | ((l & 0x0f) << 4));
                sh = (uint16_t)(sh | ((l >> 4) << (2 * g)));
            }
            llml__wr16(y + 2, sh);
        }
    }
    return LLML_OK;
}

/* Q8_K activation block: f32 d at 0, i8 qs[256] at 4, i16 bsums[16] at 260. */
static float llml__qb_q8k_d(const uint8_t *y) { float d; memcpy(&d, y, 4); return d; }

static float llml__dot_iq4_xs(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[LLML__QB_QK], g, j;
    for (b = 0; b < nb; b++, x += 136, y += 292) {
        const int8_t *a = (const int8_t *)(y + 4);
        float dd = llml__qb_half(x) * llml__qb_q8k_d(y);
        for (g = 0; g < 8; g++, a += LLML__QB_QK) {
            int s = 0;
            llml__qb_codes(x + 8 + 16 * g, NULL, q);
            for (j = 0; j < LLML__QB_QK; j++) s += llml__qb_kvalues[q[j]] * a[j];
            sum += (dd * (float)(llml__qb_iq4xs_ls(x, g) - 32)) * (float)s;
        }
    }
    return sum;
}

/* ---- tq1_0 / tq2_0 (ternary, d = amax) ------------------------------------- */

/* Ternary code 0, 1, 2 (for -1, 0, +1) of x scaled by id. */
static int llml__qb_trit(float v) {
    long t = lroundf(v);
    if (t < -1) t = -1;
    if (t > 1) t = 1;
    return (int)t + 1;
}

/* tq1_0 stores trits as base-3 fractions of 256: byte = ceil(c * 256 / 243)
   for the 5-trit number c (first trit most significant); trit k comes back
   as ((byte * 3^k) mod 256) * 3 >> 8. Element order in a 256-block:
     qs[m],      m < 32:  elements m + 32 k        (k = 0..4), 0..159
     qs[32 + m], m < 16:  elements 160 + m + 16 k  (k = 0..4), 160..239
     qh[m],      m < 4:   elements 240 + m + 4 k   (k = 0..3), 240..255 */
static int llml__qb_tq1_trit(uint8_t byte, int k) {
    static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
    uint8_t v = (uint8_t)(byte * pow3[k]);
    return (int)(((uint16_t)v * 3u) >> 8);
}

/* Map element e (0..255) of a tq1_0 block to its byte (0..51) and trit. */
static void llml__qb_tq1_pos(int e, int *byte, int *k) {
    if (e < 160) { *byte = e % 32; *k = e / 32; }
    else if (e < 240) { *byte = 32 + (e - 160) % 16; *k = (e - 160) / 16; }
    else { *byte = 48 + (e - 240) % 4; *k = (e - 240) / 4; }
}

static void llml__dequant_tq1_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int e, byte, k;
    for (b = 0; b < nb; b++, p += 54, dst += LLML__QK_K) {
        float d = llml__qb_half(p + 52);
        for (e = 0; e < LLML__QK_K; e++) {
            llml__qb_tq1_pos(e, &byte, &k);
            dst[e] = (float)(llml__qb_tq1_trit(p[byte], k) - 1) * d;
        }
    }
}
static llml_result llml__quant_tq1_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QK_K;
    int c[52], ntrit[52], e, byte, k, j;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 54) {
        const float *x = src + b * LLML__QK_K;
        float amax = 0.0f, id;
        for (e = 0; e < LLML__QK_K; e++) amax = LLML__MAX(amax, fabsf(x[e]));
        id = amax != 0.0f ? 1.0f / amax : 0.0f;
        llml__qb_put_half(y + 52, amax);
        for (j = 0; j < 52; j++) { c[j] = 0; ntrit[j] = 0; }
        /* elements are visited in trit order, so Horner's rule puts trit 0
           in the most significant place */
        for (k = 0; k < 5; k++) {
            for (e = 0; e < LLML__QK_K; e++) {
                int kk;
                llml__qb_tq1_pos(e, &byte, &kk);
                if (kk != k) continue;
                c[byte] = c[byte] * 3 + llml__qb_trit(x[e] * id);
                ntrit[byte]++;
            }
        }
        for (j = 0; j < 52; j++) {
            int v = c[j];
            if (ntrit[j] == 4) v *= 3;  /* 4-trit bytes: pad to 5 places */
            y[j] = (uint8_t)((v * 256 + 242) / 243);
        }
    }
    return LLML_OK;
}
static float llml__dot_tq1_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int e, byte, k;
    for (b = 0; b < nb; b++, x += 54, y += 292) {
        const int8_t *a = (const int8_t *)(y + 4);
        int s = 0;
        for (e = 0; e < LLML__QK_K; e++) {
            llml__qb_tq1_pos(e, &byte, &k);
            s += (llml__qb_tq1_trit(x[byte], k) - 1) * a[e];
        }
        sum += (float)s * (llml__qb_half(x + 52) * llml__qb_q8k_d(y));
    }
    return sum;
}

/* tq2_0: byte m of each 32-byte half j holds elements 128 j + 32 k + m in
   bits 2k..2k+1 (code 0, 1, 2 for -1, 0, +1). */
static void llml__dequant_tq2_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int e;
    for (b = 0; b < nb; b++, p += 66, dst += LLML__QK_K) {
        float d = llml__qb_half(p + 64);
        for (e = 0; e < LLML__QK_K; e++) {
            int q = (p[32 * (e / 128) + e % 32] >> (2 * ((e / 32) % 4))) & 3;
            dst[e] = (float)(q - 1) * d;
        }
    }
}
static llml_result llml__quant_tq2_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QK_K;
    int e;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 66) {
        const float *x = src + b * LLML__QK_K;
        float amax = 0.0f, id;
        for (e = 0; e < LLML__QK_K; e++) amax = LLML__MAX(amax, fabsf(x[e]));
        id = amax != 0.0f ? 1.0f / amax : 0.0f;
        memset(y, 0, 64);
        for (e = 0; e < LLML__QK_K; e++) {
            int q = llml__qb_trit(x[e] * id);
            uint8_t *t = y + 32 * (e / 128) + e % 32;
            *t = (uint8_t)(*t | (q << (2 * ((e / 32) % 4))));
        }
        llml__qb_put_half(y + 64, amax);
    }
    return LLML_OK;
}
static float llml__dot_tq2_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int e;
    for (b = 0; b < nb; b++, x += 66, y += 292) {
        const int8_t *a = (const int8_t *)(y + 4);
        int s = 0;
        for (e = 0; e < LLML__QK_K; e++) {
            int q = (x[32 * (e / 128) + e % 32] >> (2 * ((e / 32) % 4))) & 3;
            s += (q - 1) * a[e];
        }
        sum += (float)s * (llml__qb_q8k_d(y) * llml__qb_half(x + 64));
    }
    return sum;
}
