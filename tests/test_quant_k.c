/* tests/test_quant_k.c - K-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) and the Q8_K
   activation format:
   (1) dequantizing blk.1.attn_q.weight of quant/<type>.gguf is bit-exact with
       the reference dequantization <type>.blk.1.attn_q.f32;
       quantizing the f32 tensors (with the imatrix where the reference used
       one) reproduces the reference file's bytes, and its RMS error is at
       most 1.05 x the reference's;
   (2) round trips on random data stay within per-format error bounds, with
       and without importance weights, and degenerate blocks are handled;
   (3) llml_vec_dot with Q8_K activations matches a double-precision dot of
       the dequantized weights and activations (relative error < 1e-4);
   (4) llml_vec_dot_f32 matches a double dot of the dequantized weights. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef struct {
    const char *name;   /* file stem under quant/ */
    llml_type type;
    int bytes;          /* per block of 256 */
    double max_rel_rms; /* round-trip bound on Gaussian data (rms err / rms x) */
} fmt_t;

#define NFMT 5
static const fmt_t fmts[NFMT] = {
    { "q2_k", LLML_TYPE_Q2_K, 84, 0.33 },
    { "q3_k", LLML_TYPE_Q3_K, 110, 0.17 },
    { "q4_k", LLML_TYPE_Q4_K, 144, 0.08 },
    { "q5_k", LLML_TYPE_Q5_K, 176, 0.04 },
    { "q6_k", LLML_TYPE_Q6_K, 210, 0.02 },
};

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng = 0x2545f4914f6cdd1dull;
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
    if (sz < 0) { fclose(f); return NULL; }
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
    CHECK(llml_gguf_open_file(path, NULL, &g, &err) == LLML_OK && g, "open %s: %s", path, err.message);
    return g;
}

static const llml_gguf_tensor *tensor(const llml_gguf *g, const char *name) {
    int64_t i = g ? llml_gguf_find_tensor(g, name) : -1;
    return i >= 0 ? llml_gguf_tensor_at(g, i) : NULL;
}

/* Importance of `name` from the legacy imatrix.dat (sums divided by ncall),
   or NULL when the file has no entry of ncols values for it. */
static float *load_imatrix(const char *name, int64_t ncols) {
    char path[1024];
    size_t n = 0, p = 4;
    uint8_t *d;
    float *out = NULL;
    int32_t count, e;
    snprintf(path, sizeof path, "%s/quant/imatrix.dat", check_testdata());
    d = (uint8_t *)read_all(path, &n);
    if (!d || n < 4) { free(d); return NULL; }
    memcpy(&count, d, 4);
    for (e = 0; e < count && p + 4 <= n; e++) {
        int32_t len, ncall, nval, j;
        int match;
        memcpy(&len, d + p, 4); p += 4;
        if (len < 0 || p + (size_t)len + 8 > n) break;
        match = (size_t)len == strlen(name) && memcmp(d + p, name, (size_t)len) == 0;
        p += (size_t)len;
        memcpy(&ncall, d + p, 4); memcpy(&nval, d + p + 4, 4); p += 8;
        if (nval < 0 || p + 4 * (size_t)nval > n) break;
        if (match && nval == ncols) {
            out = (float *)malloc(4 * (size_t)nval);
            if (out) {
                memcpy(out, d + p, 4 * (size_t)nval);
                if (ncall > 0) for (j = 0; j < nval; j++) out[j] = out[j] / (float)ncall;
            }
            break;
        }
        p += 4 * (size_t)nval;
    }
    free(d);
    return out;
}

static double rms_err(const float *a, const float *b, int64_t n) {
    double s = 0;
    int64_t i;
    for (i = 0; i < n; i++) { double e = (double)a[i] - (double)b[i]; s += e * e; }
    return sqrt(s / (double)n);
}

static int all_finite(const float *a, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) if (!(a[i] == a[i]) || fabsf(a[i]) > 3.0e38f) return 0;
    return 1;
}

/* ---- (0) type facts -------------------------------------------------------- */

static void test_info(void) {
    int t;
    const llml_type_info *q8 = llml_type_get_info(LLML_TYPE_Q8_K);
    for (t = 0; t < NFMT; t++) {
        const llml_type_info *ti = llml_type_get_info(fmts[t].type);
        CHECK(ti && ti->block_size == 256 && ti->type_size == fmts[t].bytes && ti->is_quantized &&
              ti->vec_dot_type == LLML_TYPE_Q8_K, "%s: type info", fmts[t].name);
        CHECK(llml_row_size(fmts[t].type, 768) == (size_t)(3 * fmts[t].bytes), "%s: row size", fmts[t].name);
    }
    CHECK(q8 && q8->block_size == 256 && q8->type_size == 292 && sizeof(llml__block_q8_K) == 292, "q8_K: type info");
}

/* ---- (1) reference files ------------------------------------------------- */

static void test_dequant_reference(int t) {
    char path[1024];
    size_t n = 0;
    float *ref, *out;
    llml_gguf *g = open_quant(fmts[t].name);
    const llml_gguf_tensor *ti = tensor(g, "blk.1.attn_q.weight");
    snprintf(path, sizeof path, "%s/quant/%s.blk.1.attn_q.f32", check_testdata(), fmts[t].name);
    ref = (float *)read_all(path, &n);
    CHECK(ti && ti->data && ti->type == fmts[t].type && ti->ne[0] == 256 && ti->ne[1] == 256,
          "%s: tensor blk.1.attn_q.weight", fmts[t].name);
    CHECK(ref && n == 256 * 256 * 4, "%s: reference %s", fmts[t].name, path);
    if (ti && ti->data && ref && n == 256 * 256 * 4 && ti->size == (uint64_t)(256 * fmts[t].bytes)) {
        int64_t r, mism = 0, first = -1, i;
        out = (float *)malloc(n);
        for (r = 0; r < 256; r++)
            CHECK(llml_dequantize_row(fmts[t].type, (const uint8_t *)ti->data + r * fmts[t].bytes, out + r * 256, 256) == LLML_OK,
                  "%s: dequantize row", fmts[t].name);
        for (i = 0; i < 256 * 256; i++)
            if (memcmp(&out[i], &ref[i], 4)) { mism++; if (first < 0) first = i; }
        CHECK(mism == 0, "%s: dequantization differs from reference in %ld values (first %ld: %.9g vs %.9g)",
              fmts[t].name, (long)mism, (long)first, first >= 0 ? out[first] : 0.0, first >= 0 ? ref[first] : 0.0);
        /* one call over the whole tensor gives the same */
        {
            float *all = (float *)malloc(n);
            CHECK(llml_dequantize_row(fmts[t].type, ti->data, all, 256 * 256) == LLML_OK &&
                  memcmp(all, out, n) == 0, "%s: whole-tensor dequantization", fmts[t].name);
            free(all);
        }
        free(out);
    }
    free(ref);
    llml_gguf_close(g);
}

/* Quantize f32 tensors as the reference did and compare bytes and RMS error. */
static void test_quantize_reference(int t, const llml_gguf *gf) {
    static const char *names[3] = { "blk.1.attn_q.weight", "blk.0.ffn_down.weight", "output.weight" };
    llml_gguf *g = open_quant(fmts[t].name);
    int k;
    for (k = 0; k < 3; k++) {
        const llml_gguf_tensor *src = tensor(gf, names[k]), *ref = tensor(g, names[k]);
        int64_t ncols, nrows, r;
        size_t rs;
        uint8_t *q;
        float *imx, *dq, *dr;
        double e_our, e_ref;
        CHECK(src && src->data && src->type == LLML_TYPE_F32 && ref && ref->data && ref->type == fmts[t].type,
              "%s: tensors %s", fmts[t].name, names[k]);
        if (!src || !src->data || !ref || !ref->data || src->type != LLML_TYPE_F32) continue;
        ncols = src->ne[0];
        nrows = src->ne[1];
        rs = llml_row_size(fmts[t].type, ncols);
        CHECK(ref->size == rs * (size_t)nrows, "%s: %s size", fmts[t].name, names[k]);
        if (ref->size != rs * (size_t)nrows) continue;
        imx = load_imatrix(names[k], ncols); /* none for output.weight */
        CHECK((imx != NULL) == (k < 2), "%s: imatrix for %s", fmts[t].name, names[k]);
        q = (uint8_t *)malloc(rs * (size_t)nrows);
        dq = (float *)malloc(4 * (size_t)(ncols * nrows));
        dr = (float *)malloc(4 * (size_t)(ncols * nrows));
        CHECK(llml_quantize_rows(fmts[t].type, (const float *)src->data, q, nrows, ncols, imx) == LLML_OK,
              "%s: quantize %s", fmts[t].name, names[k]);
        CHECK(memcmp(q, ref->data, rs * (size_t)nrows) == 0, "%s: %s: bytes differ from the reference file",
              fmts[t].name, names[k]);
        for (r = 0; r < nrows; r++) {
            llml_dequantize_row(fmts[t].type, q + r * rs, dq + r * ncols, ncols);
            llml_dequantize_row(fmts[t].type, (const uint8_t *)ref->data + r * rs, dr + r * ncols, ncols);
        }
        e_our = rms_err(dq, (const float *)src->data, ncols * nrows);
        e_ref = rms_err(dr, (const float *)src->data, ncols * nrows);
        CHECK(e_our <= 1.05 * e_ref, "%s: %s: rms %g vs reference %g", fmts[t].name, names[k], e_our, e_ref);
        free(imx); free(q); free(dq); free(dr);
    }
    llml_gguf_close(g);
}

/* ---- (2) round trips -------------------------------------------------------- */

#define RT_ROWS 32
#define RT_COLS 512

static void test_round_trip(int t) {
    const int64_t n = RT_ROWS * RT_COLS;
    size_t rs = llml_row_size(fmts[t].type, RT_COLS);
    float *x = (float *)malloc(4 * (size_t)n), *y = (float *)malloc(4 * (size_t)n), *imx = (float *)malloc(4 * RT_COLS);
    uint8_t *q = (uint8_t *)malloc(rs * RT_ROWS);
    double rx = 0, e0 = 0, e1 = 0, ew0 = 0, ew1 = 0, sw = 0;
    int64_t i, r;
    int pass;
    for (i = 0; i < n; i++) { x[i] = 0.02f * grand(); rx += (double)x[i] * x[i]; }
    rx = sqrt(rx / (double)n);
    for (i = 0; i < RT_COLS; i++) imx[i] = (float)(0.05 + 4.0 * urand() * urand());
    for (pass = 0; pass < 2; pass++) {
        const float *w = pass ? imx : NULL;
        double ew = 0;
        CHECK(llml_quantize_rows(fmts[t].type, x, q, RT_ROWS, RT_COLS, w) == LLML_OK, "%s: quantize", fmts[t].name);
        for (r = 0; r < RT_ROWS; r++) llml_dequantize_row(fmts[t].type, q + r * rs, y + r * RT_COLS, RT_COLS);
        CHECK(all_finite(y, n), "%s: finite output", fmts[t].name);
        if (pass == 0) e0 = rms_err(x, y, n); else e1 = rms_err(x, y, n);
        for (i = 0; i < n; i++) {
            double e = (double)x[i] - y[i];
            ew += imx[i % RT_COLS] * e * e;
            if (pass == 0) sw += imx[i % RT_COLS];
        }
        if (pass == 0) ew0 = ew; else ew1 = ew;
    }
    CHECK(e0 / rx <= fmts[t].max_rel_rms, "%s: round trip rel rms %.4f > %.4f", fmts[t].name, e0 / rx, fmts[t].max_rel_rms);
    CHECK(e1 / rx <= 1.15 * fmts[t].max_rel_rms, "%s: weighted round trip rel rms %.4f", fmts[t].name, e1 / rx);
    /* importance weights must lower the weighted error */
    CHECK(ew1 <= ew0 * 0.95, "%s: weighted error with imatrix %g vs without %g", fmts[t].name, ew1 / sw, ew0 / sw);

    /* degenerate blocks: zeros, constants, one outlier, tiny and mixed-sign
       constant values; must not produce NaN/Inf and zeros stay zeros */
    {
        float b[256], o[256];
        uint8_t qb[256];
        int c, j;
        for (c = 0; c < 6; c++) {
            for (j = 0; j < 256; j++) {
                switch (c) {
                case 0: b[j] = 0.0f; break;
                case 1: b[j] = 0.5f; break;
                case 2: b[j] = -0.25f; break;
                case 3: b[j] = j == 77 ? 100.0f : 0.001f * grand(); break;
                case 4: b[j] = 1e-20f * grand(); break;
                default: b[j] = (j & 1) ? 3.0f : -3.0f; break;
                }
            }
            for (pass = 0; pass < 2; pass++) {
                CHECK(llml_quantize_rows(fmts[t].type, b, qb, 1, 256, pass ? imx : NULL) == LLML_OK, "%s: degenerate quantize", fmts[t].name);
                llml_dequantize_row(fmts[t].type, qb, o, 256);
                CHECK(all_finite(o, 256), "%s: degenerate case %d finite", fmts[t].name, c);
                if (c == 0) {
                    for (j = 0; j < 256 && o[j] == 0.0f; j++) {}
                    CHECK(j == 256, "%s: zero block dequantizes to zero", fmts[t].name);
                }
                if (c == 1 || c == 2 || c == 5) {
                    double e = rms_err(b, o, 256);
                    CHECK(e <= 0.3 * fabs(b[0]), "%s: constant case %d err %g", fmts[t].name, c, e);
                }
            }
        }
    }
    /* bad shapes */
    CHECK(llml_quantize_rows(fmts[t].type, x, q, 1, 100, NULL) != LLML_OK, "%s: n_per_row not a multiple of 256", fmts[t].name);
    free(x); free(y); free(imx); free(q);
}

/* Q8_K: layout, bsums, scale and reconstruction. */
static void test_q8k(void) {
    float x[512], y[512];
    llml__block_q8_K blk[2];
    int j, b, g;
    for (j = 0; j < 512; j++) x[j] = grand();
    x[300] = -7.5f; /* largest magnitude of block 1 */
    CHECK(llml_quantize_rows(LLML_TYPE_Q8_K, x, blk, 1, 512, NULL) == LLML_OK, "q8_K: quantize");
    for (b = 0; b < 2; b++) {
        int ok = 1;
        for (g = 0; g < 16; g++) {
            int s = 0;
            for (j = 0; j < 16; j++) s += blk[b].qs[16 * g + j];
            if (s != blk[b].bsums[g]) ok = 0;
        }
        CHECK(ok, "q8_K: bsums of block %d", b);
    }
    CHECK(blk[1].qs[300 - 256] == -127 && fabsf(blk[1].d - 7.5f / 127.0f) < 1e-7f, "q8_K: scale from the largest magnitude");
    CHECK(llml_dequantize_row(LLML_TYPE_Q8_K, blk, y, 512) == LLML_OK, "q8_K: dequantize");
    for (j = 0; j < 512; j++)
        if (y[j] != blk[j / 256].d * (float)blk[j / 256].qs[j % 256]) break;
    CHECK(j == 512, "q8_K: dequantization is d*q");
    CHECK(rms_err(x, y, 512) < 0.004 * 7.5, "q8_K: round trip error %g", rms_err(x, y, 512));
    memset(x, 0, sizeof x);
    memset(blk, 0x55, sizeof blk);
    llml_quantize_rows(LLML_TYPE_Q8_K, x, blk, 2, 256, NULL);
    for (g = 0; g < 16 && blk[0].bsums[g] == 0 && blk[1].bsums[g] == 0; g++) {}
    CHECK(blk[0].d == 0.0f && blk[1].d == 0.0f && g == 16, "q8_K: zero blocks have zero d and bsums");
}

/* ---- (3)/(4) dot products ------------------------------------------------- */

#define DOT_N 2048

static void test_dot(int t) {
    static float w[DOT_N], a[DOT_N], wd[DOT_N], ad[DOT_N];
    static uint8_t wq[DOT_N / 256 * 210];
    static llml__block_q8_K aq[DOT_N / 256];
    int trial;
    for (trial = 0; trial < 4; trial++) {
        double ref = 0, mag = 0, reff = 0, magf = 0;
        float got = 0, gotf = 0;
        int i;
        for (i = 0; i < DOT_N; i++) {
            w[i] = 0.05f * grand() + (trial == 1 ? 0.03f : 0.0f);
            a[i] = grand() * (trial == 2 ? 10.0f : 1.0f) + (trial == 3 ? 0.5f : 0.0f);
        }
        CHECK(llml_quantize_rows(fmts[t].type, w, wq, 1, DOT_N, NULL) == LLML_OK, "%s: quantize w", fmts[t].name);
        CHECK(llml_quantize_rows(LLML_TYPE_Q8_K, a, aq, 1, DOT_N, NULL) == LLML_OK, "%s: quantize a", fmts[t].name);
        llml_dequantize_row(fmts[t].type, wq, wd, DOT_N);
        llml_dequantize_row(LLML_TYPE_Q8_K, aq, ad, DOT_N);
        for (i = 0; i < DOT_N; i++) {
            ref += (double)wd[i] * ad[i]; mag += fabs((double)wd[i] * ad[i]);
            reff += (double)wd[i] * a[i]; magf += fabs((double)wd[i] * a[i]);
        }
        CHECK(llml_vec_dot(fmts[t].type, DOT_N, wq, aq, &got) == LLML_OK, "%s: vec_dot", fmts[t].name);
        CHECK(fabs(got - ref) <= 1e-4 * fabs(ref) + 1e-6 * mag, "%s: trial %d: q8_K dot %.9g vs %.9g", fmts[t].name, trial, got, ref);
        CHECK(llml_vec_dot_f32(fmts[t].type, DOT_N, wq, a, &gotf) == LLML_OK, "%s: vec_dot_f32", fmts[t].name);
        CHECK(fabs(gotf - reff) <= 1e-5 * fabs(reff) + 1e-7 * magf, "%s: trial %d: f32 dot %.9g vs %.9g", fmts[t].name, trial, gotf, reff);
        /* the quantized dot approximates the exact one */
        CHECK(fabs(got - reff) <= 0.05 * magf, "%s: trial %d: q8_K dot %.6g far from f32 %.6g", fmts[t].name, trial, got, reff);
    }
    {
        float o;
        CHECK(llml_vec_dot(fmts[t].type, 100, wq, aq, &o) != LLML_OK, "%s: vec_dot bad n", fmts[t].name);
    }
}

static void test_dot_q8k(void) {
    static float a[1024], b[1024], ad[1024], bd[1024];
    static llml__block_q8_K aq[4], bq[4];
    double ref = 0;
    float got = 0;
    int i;
    for (i = 0; i < 1024; i++) { a[i] = grand(); b[i] = grand(); }
    llml_quantize_rows(LLML_TYPE_Q8_K, a, aq, 1, 1024, NULL);
    llml_quantize_rows(LLML_TYPE_Q8_K, b, bq, 1, 1024, NULL);
    llml_dequantize_row(LLML_TYPE_Q8_K, aq, ad, 1024);
    llml_dequantize_row(LLML_TYPE_Q8_K, bq, bd, 1024);
    for (i = 0; i < 1024; i++) ref += (double)ad[i] * bd[i];
    CHECK(llml_vec_dot(LLML_TYPE_Q8_K, 1024, aq, bq, &got) == LLML_OK && fabs(got - ref) <= 1e-4 * fabs(ref) + 1e-3,
          "q8_K: dot %.9g vs %.9g", got, ref);
}

int main(void) {
    llml_gguf *gf;
    int t;
    test_info();
    test_q8k();
    test_dot_q8k();
    gf = open_quant("f32");
    for (t = 0; t < NFMT; t++) {
        test_dequant_reference(t);
        test_quantize_reference(t, gf);
        test_round_trip(t);
        test_dot(t);
    }
    llml_gguf_close(gf);
    return check_summary("test_quant_k");
}
