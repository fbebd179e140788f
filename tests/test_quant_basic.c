/* tests/test_quant_basic.c - f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1,
   iq4_nl, iq4_xs, tq1_0, tq2_0:
   1. dequantizing blk.1.attn_q.weight of quant/<fmt>.gguf equals
      quant/<fmt>.blk.1.attn_q.f32 bit for bit;
   2. our quantizer reproduces the reference's bytes: token_embd and output
      (quantized without imatrix) and blk.1.attn_q / blk.0.ffn_down (with the
      imatrix of quant/imatrix.dat) of quant/f32.gguf (see the note there on
      compilers that fuse multiply-adds);
   3. quantize -> dequantize round trips on random data within bounds that
      follow from each format (per element, or nearest level for the
      non-linear ones, and a relative RMS bound), rows independent;
   4. llml_vec_dot against a double dot of the dequantized weights and the
      dequantized activations, llml_vec_dot_f32 against a double dot;
   5. edge blocks: all zero, constant, one spike. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef struct {
    const char *name;    /* file stem under quant/ */
    int has_file;        /* 0: no reference file (q8_1) */
    llml_type type;
    double max_rel_rms;  /* bound on relative RMS error, Gaussian data */
} fmt_t;

/* Relative RMS bounds on Gaussian data: a grid of step s has an RMS error
   ~ s / sqrt(12); the largest |x| of a 32-block is ~2.4 sigma, so a
   symmetric grid with L levels on each side gives ~ 2.4 / (L sqrt(12)):
   q8 0.0055, q5_0 0.043, q4_0 0.087 (the affine and non-linear grids do a
   bit better); f16 / bf16 are relative roundings of 2^-11 / 2^-8 (RMS
   below 2^-11 / sqrt 3 and 2^-8 / sqrt 3). Ternary formats round everything
   below amax/2 (~1.45 sigma of a 256-block) to zero: ~0.8. The bounds leave
   ~25% margin. */
static const fmt_t fmts[] = {
    { "f16",    1, LLML_TYPE_F16,    3e-4 },
    { "bf16",   1, LLML_TYPE_BF16,   2.3e-3 },
    { "q4_0",   1, LLML_TYPE_Q4_0,   0.11 },
    { "q4_1",   1, LLML_TYPE_Q4_1,   0.10 },
    { "q5_0",   1, LLML_TYPE_Q5_0,   0.055 },
    { "q5_1",   1, LLML_TYPE_Q5_1,   0.05 },
    { "q8_0",   1, LLML_TYPE_Q8_0,   0.007 },
    { "q8_1",   0, LLML_TYPE_Q8_1,   0.007 },
    { "iq4_nl", 1, LLML_TYPE_IQ4_NL, 0.10 },
    { "iq4_xs", 1, LLML_TYPE_IQ4_XS, 0.10 },
    { "tq1_0",  1, LLML_TYPE_TQ1_0,  0.9 },
    { "tq2_0",  1, LLML_TYPE_TQ2_0,  0.9 },
};
#define NFMT ((int)(sizeof fmts / sizeof fmts[0]))

static const int8_t kv[16] = { -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113 };

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double urand(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static float grand(void) {
    double u1 = urand(), u2 = urand();
    if (u1 < 1e-300) u1 = 1e-300;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static void *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    long sz;
    void *buf;
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
    buf = malloc(sz > 0 ? (size_t)sz : 1);
    if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) *n = (size_t)sz;
    return buf;
}

static llml_gguf *open_quant(const char *stem) {
    char path[1024];
    llml_gguf *g = NULL;
    llml_error err;
    snprintf(path, sizeof path, "%s/quant/%s.gguf", check_testdata(), stem);
    memset(&err, 0, sizeof err);
    CHECK(llml_gguf_open_file(path, NULL, &g, &err) == LLML_OK, "%s: %s", path, err.message);
    return g;
}

static const llml_gguf_tensor *tensor(const llml_gguf *g, const char *name) {
    int64_t i = g ? llml_gguf_find_tensor(g, name) : -1;
    return i >= 0 ? llml_gguf_tensor_at(g, i) : NULL;
}

/* Importance of `name` from the legacy imatrix.dat: i32 entry count, then per
   entry a name (i32 length + bytes), i32 ncall, i32 count, count f32 sums;
   the importance is sum / ncall. NULL if absent. */
static float *load_imatrix(const char *name, int64_t ncols) {
    char path[1024];
    size_t n = 0, p = 4, len0 = strlen(name);
    uint8_t *d;
    float *out = NULL;
    int32_t entries, e;
    snprintf(path, sizeof path, "%s/quant/imatrix.dat", check_testdata());
    d = (uint8_t *)read_all(path, &n);
    if (!d || n < 4) { free(d); return NULL; }
    memcpy(&entries, d, 4);
    for (e = 0; e < entries && p + 4 <= n && !out; e++) {
        int32_t len, ncall, cnt, j;
        memcpy(&len, d + p, 4); p += 4;
        if (len < 0 || p + (size_t)len + 8 > n) break;
        memcpy(&ncall, d + p + (size_t)len, 4);
        memcpy(&cnt, d + p + (size_t)len + 4, 4);
        if (cnt < 0 || p + (size_t)len + 8 + 4 * (size_t)cnt > n) break;
        if ((size_t)len == len0 && memcmp(d + p, name, len0) == 0 && cnt == ncols) {
            const uint8_t *v = d + p + (size_t)len + 8;
            out = (float *)malloc(4 * (size_t)cnt);
            for (j = 0; out && j < cnt; j++) {
                float s;
                memcpy(&s, v + 4 * (size_t)j, 4);
                out[j] = ncall > 0 ? s / (float)ncall : s;
            }
        }
        p += (size_t)len + 8 + 4 * (size_t)cnt;
    }
    free(d);
    return out;
}

static float half(const uint8_t *p) { return llml_fp16_to_fp32(llml__rd16(p)); }

/* ---- 1. dequantization bit-exact with the reference ----------------------- */

static void test_dequant_reference(const fmt_t *f) {
    char path[1024];
    llml_gguf *g;
    const llml_gguf_tensor *t;
    float *ref, *out;
    size_t n = 0;
    int64_t r, bad = 0;
    if (!f->has_file) return;
    g = open_quant(f->name);
    t = tensor(g, "blk.1.attn_q.weight");
    snprintf(path, sizeof path, "%s/quant/%s.blk.1.attn_q.f32", check_testdata(), f->name);
    ref = (float *)read_all(path, &n);
    CHECK(t && t->type == f->type && t->data && ref, "%s: tensor / reference file", f->name);
    if (t && t->type == f->type && t->data && ref && n == (size_t)(t->ne[0] * t->ne[1]) * 4) {
        size_t rs = llml_row_size(f->type, t->ne[0]);
        out = (float *)malloc(n);
        for (r = 0; r < t->ne[1]; r++) {
            llml_result res = llml_dequantize_row(f->type, (const uint8_t *)t->data + (size_t)r * rs,
                                                  out + r * t->ne[0], t->ne[0]);
            if (res != LLML_OK) bad++;
        }
        CHECK(bad == 0 && memcmp(out, ref, n) == 0, "%s: dequantization differs from the reference", f->name);
        free(out);
    }
    free(ref);
    llml_gguf_close(g);
}

/* ---- 2. quantizer reproduces the reference's bytes ------------------------ */

static void test_quant_bytes(const fmt_t *f, const llml_gguf *src) {
    static const char *names[4] = { "token_embd.weight", "output.weight", "blk.1.attn_q.weight", "blk.0.ffn_down.weight" };
    llml_gguf *g;
    int k;
    if (!f->has_file) return;
    g = open_quant(f->name);
    for (k = 0; k < 4; k++) {
        const llml_gguf_tensor *ts = tensor(src, names[k]), *tr = tensor(g, names[k]);
        float *im = NULL;
        void *q;
        if (!ts || !tr || ts->type != LLML_TYPE_F32 || tr->type != f->type || !ts->data || !tr->data) {
            CHECK(0, "%s: %s missing", f->name, names[k]);
            continue;
        }
        if (k >= 2) {
            im = load_imatrix(names[k], ts->ne[0]);
            CHECK(im != NULL, "%s: imatrix entry", names[k]);
        }
        q = malloc((size_t)tr->size);
        CHECK(llml_quantize_rows(f->type, (const float *)ts->data, q, ts->ne[1], ts->ne[0], im) == LLML_OK,
              "%s: %s: quantize", f->name, names[k]);
        {
            /* Built as the project builds (ISO C, no FMA contraction) every
               block is identical. A compiler that fuses a*b+c in the scale
               searches (gnu mode with -march=native) flips ~0.1% of near-tie
               decisions; that is accepted when the error stays the same. */
            const llml_type_info *ti = llml_type_get_info(f->type);
            int64_t nb = (int64_t)tr->size / ti->type_size, b, same = 0, nel = ts->ne[0] * ts->ne[1], i;
            float *a = (float *)malloc((size_t)nel * 4), *c = (float *)malloc((size_t)nel * 4);
            double ea = 0, ec = 0, ratio;
            for (b = 0; b < nb; b++)
                same += !memcmp((const uint8_t *)q + b * ti->type_size, (const uint8_t *)tr->data + b * ti->type_size,
                                (size_t)ti->type_size);
            llml_dequantize_row(f->type, q, a, nel);
            llml_dequantize_row(f->type, tr->data, c, nel);
            for (i = 0; i < nel; i++) {
                double x = ((const float *)ts->data)[i];
                ea += (a[i] - x) * (a[i] - x);
                ec += (c[i] - x) * (c[i] - x);
            }
            ratio = ec > 0 ? sqrt(ea / ec) : (ea > 0 ? 2.0 : 1.0);
            CHECK(same == nb || (same >= nb - nb / 100 && ratio <= 1.001),
                  "%s: %s (%s): %ld of %ld blocks differ from the reference's, RMS ratio %.5f", f->name, names[k],
                  im ? "imatrix" : "no imatrix", (long)(nb - same), (long)nb, ratio);
            free(a);
            free(c);
        }
        free(q);
        free(im);
    }
    llml_gguf_close(g);
}

/* ---- 3. round trips -------------------------------------------------------- */

/* Per-element bound on |x - dequant(quant(x))| at element i of a 32-block
   (or 256-block) whose bytes are at blk; 2^-11 is the relative rounding of an
   fp16 scale. Returns a negative value where the check does not apply. */
static double elem_bound(llml_type type, const uint8_t *blk, int i) {
    const double u = 1.0 / 2048;
    double d;
    switch (type) {
    case LLML_TYPE_Q4_0: case LLML_TYPE_Q5_0: {
        /* d = max/-2^(b-1): levels -2^(b-1)..2^(b-1)-1, round to nearest, but
           values near +amax clamp to the top level: a full step there */
        int bits = type == LLML_TYPE_Q4_0 ? 4 : 5, top = (1 << bits) - 1, q;
        if (bits == 4) q = (i < 16 ? blk[2 + i] & 15 : blk[2 + i - 16] >> 4);
        else {
            uint32_t h = llml__rd32(blk + 2);
            q = (i < 16 ? blk[6 + i] & 15 : blk[6 + i - 16] >> 4) | (int)(((h >> i) & 1) << 4);
        }
        d = fabs(half(blk));
        return (q == top ? d : 0.5 * d) + (1 << (bits - 1)) * d * u + 1e-12;
    }
    case LLML_TYPE_Q4_1: case LLML_TYPE_Q5_1: {
        int top = type == LLML_TYPE_Q4_1 ? 15 : 31;
        d = fabs(half(blk));
        return 0.5 * d + top * d * u + fabs(half(blk + 2)) * u + 1e-12;
    }
    case LLML_TYPE_Q8_0: case LLML_TYPE_Q8_1:
        d = fabs(half(blk));
        return 0.5 * d + 128 * d * u + 1e-12;
    case LLML_TYPE_TQ1_0: case LLML_TYPE_TQ2_0:
        d = fabs(half(blk + (type == LLML_TYPE_TQ1_0 ? 52 : 64)));
        return 0.5 * d + d * u + 1e-12;
    default:
        return -1;
    }
}

/* Non-linear formats: the level of every element must be the nearest one to
   x / (group scale), up to the fp16 rounding of the stored scale. */
static int nearest_level_ok(llml_type type, const uint8_t *blk, const float *x, const float *y, int i) {
    double dl;
    int q, j;
    if (type == LLML_TYPE_IQ4_NL) {
        dl = half(blk);
        q = i < 16 ? blk[2 + i] & 15 : blk[2 + i - 16] >> 4;
    } else {
        int g = i / 32, k = i % 32;
        int ls = ((blk[4 + g / 2] >> (4 * (g % 2))) & 15) | (((llml__rd16(blk + 2) >> (2 * g)) & 3) << 4);
        dl = half(blk) * (ls - 32);
        q = k < 16 ? blk[8 + 16 * g + k] & 15 : blk[8 + 16 * g + k - 16] >> 4;
    }
    if ((float)(dl * kv[q]) != y[i]) return 0;
    for (j = 0; j < 16; j++) {
        double tol = 1.1 / 2048 * fabs(dl) * (abs(kv[q]) + abs(kv[j])) + 1e-12;
        if (fabs(x[i] - dl * kv[q]) > fabs(x[i] - dl * kv[j]) + tol) return 0;
    }
    return 1;
}

static void test_round_trip(const fmt_t *f) {
    const llml_type_info *ti = llml_type_get_info(f->type);
    const int64_t ncols = 768, nrows = 6;
    const int64_t n = ncols * nrows;
    float *x = (float *)malloc((size_t)n * 4), *y = (float *)malloc((size_t)n * 4), *im = (float *)malloc((size_t)ncols * 4);
    size_t rs = llml_row_size(f->type, ncols);
    uint8_t *q = (uint8_t *)malloc(rs * (size_t)nrows), *q1 = (uint8_t *)malloc(rs);
    int64_t i, r, bad = 0, badrow = 0, with;
    double e2, x2;
    CHECK(ti && rs > 0, "%s: type info / row size", f->name);
    if (!ti || !rs) goto done;
    for (i = 0; i < n; i++) x[i] = grand() * (float)(0.5 + (double)(i / ncols));  /* rows of different scale */
    for (i = 0; i < ncols; i++) im[i] = (float)exp(grand());
    for (with = 0; with < 2; with++) {
        const float *imx = with ? im : NULL;
        CHECK(llml_quantize_rows(f->type, x, q, nrows, ncols, imx) == LLML_OK, "%s: quantize", f->name);
        CHECK(llml_dequantize_row(f->type, q, y, n) == LLML_OK, "%s: dequantize", f->name);
        /* rows are independent: one row at a time gives the same bytes */
        for (r = 0; r < nrows; r++) {
            llml_quantize_rows(f->type, x + r * ncols, q1, 1, ncols, imx);
            if (memcmp(q1, q + (size_t)r * rs, rs)) badrow++;
        }
        CHECK(badrow == 0, "%s: rows not independent (%s imatrix)", f->name, with ? "with" : "no");
        e2 = x2 = 0;
        for (i = 0; i < n; i++) {
            e2 += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
            x2 += (double)x[i] * x[i];
        }
        if (getenv("LLML_TEST_VERBOSE")) printf("%s: relative RMS %.5f (%s imatrix)\n", f->name, sqrt(e2 / x2), with ? "with" : "no");
        CHECK(sqrt(e2 / x2) <= f->max_rel_rms, "%s: relative RMS error %g > %g (%s imatrix)", f->name,
              sqrt(e2 / x2), f->max_rel_rms, with ? "with" : "no");
        bad = 0;
        for (i = 0; i < n; i++) {
            int64_t b = i / ti->block_size;
            const uint8_t *blk = q + (size_t)b * (size_t)ti->type_size;
            int k = (int)(i % ti->block_size);
            double err = fabs((double)y[i] - x[i]);
            if (f->type == LLML_TYPE_F16) {
                if (err > fabs(x[i]) / 2048) bad++;
            } else if (f->type == LLML_TYPE_BF16) {
                if (err > fabs(x[i]) / 256) bad++;
            } else if (f->type == LLML_TYPE_IQ4_NL || f->type == LLML_TYPE_IQ4_XS) {
                if (!nearest_level_ok(f->type, blk, x + b * ti->block_size, y + b * ti->block_size, k)) bad++;
            } else if (!with || f->type == LLML_TYPE_Q8_0 || f->type == LLML_TYPE_Q8_1 ||
                       f->type == LLML_TYPE_TQ1_0 || f->type == LLML_TYPE_TQ2_0) {
                /* the plain quantizers (and those that ignore the imatrix) */
                if (err > elem_bound(f->type, blk, k)) bad++;
            }
        }
        CHECK(bad == 0, "%s: %ld elements beyond the per-element bound (%s imatrix)", f->name, (long)bad,
              with ? "with" : "no");
    }
    if (f->type == LLML_TYPE_Q8_1) {
        /* s = d * sum(q), rounded to fp16 from the unrounded d */
        for (i = 0, bad = 0; i < n / 32; i++) {
            const uint8_t *blk = q + 36 * i;
            int s = 0, j;
            for (j = 0; j < 32; j++) s += (int8_t)blk[4 + j];
            if (fabs(half(blk + 2) - s * (double)half(blk)) > fabs(s * (double)half(blk)) / 500 + 1e-9) bad++;
        }
        CHECK(bad == 0, "q8_1: %ld blocks with a wrong s", (long)bad);
    }
done:
    free(x); free(y); free(im); free(q); free(q1);
}

/* ---- 4. dot products ------------------------------------------------------- */

/* Q8_K activations built here (the Q8_K quantizer belongs to another part):
   d = amax/127, q = round(x/d), bsums over 16. 292 bytes a block. */
static void make_q8k(const float *x, uint8_t *y, int64_t n) {
    int64_t b;
    int j, k;
    for (b = 0; b < n / 256; b++, y += 292) {
        const float *xb = x + 256 * b;
        float amax = 0, id, d;
        for (j = 0; j < 256; j++) amax = fabsf(xb[j]) > amax ? fabsf(xb[j]) : amax;
        d = amax / 127;
        id = amax > 0 ? 127 / amax : 0;
        memcpy(y, &d, 4);
        for (j = 0; j < 256; j++) {
            long v = lroundf(xb[j] * id);
            y[4 + j] = (uint8_t)(int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
        for (j = 0; j < 16; j++) {
            int s = 0;
            for (k = 0; k < 16; k++) s += (int8_t)y[4 + 16 * j + k];
            llml__wr16(y + 260 + 2 * j, (uint16_t)(int16_t)s);
        }
    }
}

/* Activations of n elements in `type` from x; their values in xa. For Q8_1
   also the per-block correction s - d*sum(q) (s is stored as fp16). */
static void make_act(llml_type type, const float *x, int64_t n, uint8_t *a, double *xa, double *corr) {
    int64_t i;
    if (type == LLML_TYPE_Q8_K) {
        make_q8k(x, a, n);
        for (i = 0; i < n; i++) {
            float d;
            memcpy(&d, a + 292 * (i / 256), 4);
            xa[i] = (double)d * (int8_t)a[292 * (i / 256) + 4 + i % 256];
        }
        return;
    }
    llml_quantize_rows(type, x, a, 1, n, NULL);
    {
        float *tmp = (float *)malloc((size_t)n * 4);
        llml_dequantize_row(type, a, tmp, n);
        for (i = 0; i < n; i++) xa[i] = tmp[i];
        free(tmp);
    }
    if (type == LLML_TYPE_Q8_1) {
        for (i = 0; i < n / 32; i++) {
            const uint8_t *blk = a + 36 * i;
            double s = 0;
            int j;
            for (j = 0; j < 32; j++) s += (double)half(blk) * (int8_t)blk[4 + j];
            corr[i] = half(blk + 2) - s;
        }
    }
}

static void test_dots(const fmt_t *f) {
    const llml_type_info *ti = llml_type_get_info(f->type);
    int64_t sizes[3];
    int si, trial;
    if (!ti) return;
    sizes[0] = ti->block_size == 256 ? 256 : ti->block_size == 32 ? 32 : 5;
    sizes[1] = ti->block_size == 256 ? 768 : ti->block_size == 32 ? 224 : 37;
    sizes[2] = ti->block_size == 256 ? 1280 : ti->block_size == 32 ? 1184 : 1001;
    for (si = 0; si < 3; si++) {
        const int64_t n = sizes[si];
        float *x = (float *)malloc((size_t)n * 4), *xw = (float *)malloc((size_t)n * 4), *wd = (float *)malloc((size_t)n * 4);
        double *xa = (double *)malloc((size_t)n * 8), *corr = (double *)calloc((size_t)n, 8);
        uint8_t *w = (uint8_t *)malloc(llml_row_size(f->type, n)), *a = (uint8_t *)malloc((size_t)n * 4 + 1024);
        int bad = 0, bad32 = 0;
        double worst = 0, worst32 = 0;
        for (trial = 0; trial < 8; trial++) {
            double ref = 0, mag = 0, ref32 = 0, mag32 = 0, rel;
            float got = 0, got32 = 0;
            int64_t i;
            for (i = 0; i < n; i++) { xw[i] = grand() * 0.05f + (trial & 1 ? 0.01f : 0.0f); x[i] = grand(); }
            llml_quantize_rows(f->type, xw, w, 1, n, NULL);
            llml_dequantize_row(f->type, w, wd, n);
            make_act(ti->vec_dot_type, x, n, a, xa, corr);
            for (i = 0; i < n; i++) {
                ref += (double)wd[i] * xa[i];
                mag += fabs((double)wd[i] * xa[i]);
                ref32 += (double)wd[i] * x[i];
                mag32 += fabs((double)wd[i] * x[i]);
            }
            if (f->type == LLML_TYPE_Q4_1 || f->type == LLML_TYPE_Q5_1) {
                /* q4_1 / q5_1 take sum(m * a) from the stored s */
                for (i = 0; i < n / 32; i++) ref += (double)half(w + (size_t)ti->type_size * i + 2) * corr[i];
            }
            if (llml_vec_dot(f->type, n, w, a, &got) != LLML_OK) bad++;
            if (llml_vec_dot_f32(f->type, n, w, x, &got32) != LLML_OK) bad32++;
            /* relative to the result, or to its typical size for results
               that cancel to near zero */
            rel = fabs(got - ref) / LLML__MAX(fabs(ref), mag / sqrt((double)n));
            if (rel > worst) worst = rel;
            rel = fabs(got32 - ref32) / LLML__MAX(fabs(ref32), mag32 / sqrt((double)n));
            if (rel > worst32) worst32 = rel;
        }
        CHECK(bad == 0 && worst < 1e-4, "%s: vec_dot n=%ld: relative error %g", f->name, (long)n, worst);
        CHECK(bad32 == 0 && worst32 < 1e-4, "%s: vec_dot_f32 n=%ld: relative error %g", f->name, (long)n, worst32);
        free(x); free(xw); free(wd); free(xa); free(corr); free(w); free(a);
    }
}

/* ---- 5. edge blocks ------------------------------------------------------- */

static void test_edges(const fmt_t *f) {
    const llml_type_info *ti = llml_type_get_info(f->type);
    const int64_t n = 512;
    float x[512], y[512], im[512];
    uint8_t q[2048];
    int kind, with, i;
    if (!ti) return;
    for (i = 0; i < n; i++) im[i] = 1.0f + (float)(i % 7);
    for (kind = 0; kind < 3; kind++) {
        for (with = 0; with < 2; with++) {
            int finite = 1;
            double maxerr = 0, amax = 0;
            for (i = 0; i < n; i++) x[i] = kind == 0 ? 0.0f : kind == 1 ? 0.375f : (i == 77 ? -3.0f : 0.0f);
            CHECK(llml_quantize_rows(f->type, x, q, 1, n, with ? im : NULL) == LLML_OK, "%s: edge quantize", f->name);
            llml_dequantize_row(f->type, q, y, n);
            for (i = 0; i < n; i++) {
                if (!(y[i] == y[i]) || fabsf(y[i]) > 1e30f) finite = 0;
                if (fabs((double)y[i] - x[i]) > maxerr) maxerr = fabs((double)y[i] - x[i]);
                if (fabs(x[i]) > amax) amax = fabs(x[i]);
            }
            CHECK(finite, "%s: edge kind %d: non-finite output", f->name, kind);
            if (kind == 0) CHECK(maxerr == 0, "%s: zeros do not come back as zeros", f->name);
            /* constants and a lone spike: within the ternary step (amax/2)
               for tq*, within 2% of amax otherwise */
            else if (f->type == LLML_TYPE_TQ1_0 || f->type == LLML_TYPE_TQ2_0)
                CHECK(maxerr <= amax * (0.5 + 1.0 / 2048), "%s: edge kind %d: error %g", f->name, kind, maxerr);
            else
                CHECK(maxerr <= amax * 0.02, "%s: edge kind %d (%s imatrix): error %g", f->name, kind, with ? "with" : "no", maxerr);
        }
    }
    /* wrong shapes are refused */
    if (ti->block_size > 1)
        CHECK(llml_quantize_rows(f->type, x, q, 1, ti->block_size + 1, NULL) == LLML_ERR_BAD_SHAPE, "%s: bad shape", f->name);
}

/* Known bytes: one hand-made block per packing (trit and nibble order). */
static void test_known_blocks(void) {
    uint8_t b[66];
    float y[256];
    int i, bad = 0;
    /* tq2_0: byte m of half h holds elements 128h + 32k + m in bits 2k */
    memset(b, 0, sizeof b);
    b[0] = 0x02 | (0x00 << 2) | (0x01 << 4) | (0x02 << 6);  /* elements 0, 32, 64, 96: +1, -1, 0, +1 */
    b[33] = 0x02 << 4;                                       /* element 128 + 64 + 1 = 193: +1 */
    llml__wr16(b + 64, 0x3800);                              /* d = 0.5 */
    llml_dequantize_row(LLML_TYPE_TQ2_0, b, y, 256);
    CHECK(y[0] == 0.5f && y[32] == -0.5f && y[64] == 0.0f && y[96] == 0.5f && y[193] == 0.5f && y[1] == -0.5f,
          "tq2_0 order: %g %g %g %g %g", y[0], y[32], y[64], y[96], y[193]);
    /* tq1_0: byte = ceil(c * 256 / 243) for 5 trits c = t0 t1 t2 t3 t4 (base 3,
       t0 most significant); qs[0] -> elements 0, 32, 64, 96, 128;
       qs[32] -> 160, 176, ...; qh[0] -> 240, 244, 248, 252 */
    memset(b, 0, 54);
    for (i = 0; i < 52; i++) b[i] = (uint8_t)((121 * 256 + 242) / 243);  /* all trits 1 (zero) */
    b[0] = (uint8_t)(((2 * 81 + 0 * 27 + 1 * 9 + 2 * 3 + 0) * 256 + 242) / 243);  /* +1 -1 0 +1 -1 */
    b[32] = (uint8_t)(((0 * 81 + 1 * 27 + 1 * 9 + 1 * 3 + 2) * 256 + 242) / 243); /* -1 0 0 0 +1 */
    b[48] = (uint8_t)(((2 * 27 + 1 * 9 + 0 * 3 + 1) * 3 * 256 + 242) / 243);     /* +1 0 -1 0 */
    llml__wr16(b + 52, 0x4000);                                                   /* d = 2 */
    llml_dequantize_row(LLML_TYPE_TQ1_0, b, y, 256);
    CHECK(y[0] == 2 && y[32] == -2 && y[64] == 0 && y[96] == 2 && y[128] == -2, "tq1_0 qs[0]: %g %g %g %g %g",
          y[0], y[32], y[64], y[96], y[128]);
    CHECK(y[160] == -2 && y[176] == 0 && y[224] == 2 && y[1] == 0, "tq1_0 qs[32]: %g %g", y[160], y[224]);
    CHECK(y[240] == 2 && y[244] == 0 && y[248] == -2 && y[252] == 0 && y[241] == 0, "tq1_0 qh[0]: %g %g %g",
          y[240], y[244], y[248]);
    for (i = 0; i < 256; i++) if (!(i == 0 || i == 32 || i == 96 || i == 128 || i == 160 || i == 224 || i == 240 || i == 248) && y[i] != 0) bad++;
    CHECK(bad == 0, "tq1_0: %d stray non-zeros", bad);
    /* q5_0: qh bit j is bit 4 of element j; element 16+j is the high nibble */
    memset(b, 0, 22);
    llml__wr16(b, 0x3c00);
    llml__wr32(b + 2, (1u << 3) | (1u << 20));
    b[6 + 3] = 0x0f;       /* element 3: 0x1f -> 15 */
    b[6 + 4] = 0x70;       /* element 20: 0x17 -> 7 */
    llml_dequantize_row(LLML_TYPE_Q5_0, b, y, 32);
    CHECK(y[3] == 15 && y[20] == 7 && y[0] == -16 && y[19] == -16, "q5_0 bits: %g %g %g", y[3], y[20], y[0]);
    /* iq4_xs: group 5 scale code 0x2a (scales_l[2] high nibble 0xa, scales_h bits 10-11 = 2) */
    {
        uint8_t x4[136];
        memset(x4, 0, sizeof x4);
        llml__wr16(x4, 0x3c00);
        llml__wr16(x4 + 2, (uint16_t)(2 << 10));
        x4[4 + 2] = 0xa0;
        x4[8 + 16 * 5 + 1] = 0xf0;  /* group 5 element 17: level 15 (113) */
        llml_dequantize_row(LLML_TYPE_IQ4_XS, x4, y, 256);
        CHECK(y[160 + 17] == 10.0f * 113 && y[160] == 10.0f * -127 && y[0] == -32.0f * -127,
              "iq4_xs scales: %g %g %g", y[177], y[160], y[0]);
    }
}

int main(void) {
    llml_gguf *src;
    int i;
    test_known_blocks();
    src = open_quant("f32");
    for (i = 0; i < NFMT; i++) {
        test_dequant_reference(&fmts[i]);
        test_quant_bytes(&fmts[i], src);
        test_round_trip(&fmts[i]);
        test_dots(&fmts[i]);
        test_edges(&fmts[i]);
    }
    llml_gguf_close(src);
    return check_summary("test_quant_basic");
}
