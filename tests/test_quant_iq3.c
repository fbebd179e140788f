/* tests/test_quant_iq3.c - IQ3_XXS and IQ3_S: dequantization bit-exact with
   the reference files, quantize/dequantize round trips, quality against the
   reference quantizer (with the imatrix), and dot products with Q8_K and
   f32 activations. */
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
    double max_rel_rms; /* bound on random Gaussian data */
} fmt_t;

static const fmt_t fmts[2] = {
    { "iq3_xxs", LLML_TYPE_IQ3_XXS, 98, 0.30 },
    { "iq3_s", LLML_TYPE_IQ3_S, 110, 0.23 },
};

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
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
    buf = malloc(sz > 0 ? (size_t)sz : 1);
    if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) { free(buf); buf = NULL; }
    fclose(f);
    *n = (size_t)sz;
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

/* Importance of `name` from the legacy imatrix.dat (sums / ncall), or NULL. */
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
        int32_t len, ncall, nval;
        memcpy(&len, d + p, 4); p += 4;
        if (len < 0 || p + (size_t)len + 8 > n) break;
        {
            const int match = (size_t)len == strlen(name) && memcmp(d + p, name, (size_t)len) == 0;
            p += (size_t)len;
            memcpy(&ncall, d + p, 4); memcpy(&nval, d + p + 4, 4); p += 8;
            if (nval < 0 || p + 4 * (size_t)nval > n) break;
            if (match && nval == ncols) {
                int32_t j;
                out = (float *)malloc(4 * (size_t)nval);
                for (j = 0; j < nval && out; j++) {
                    float v;
                    memcpy(&v, d + p + 4 * (size_t)j, 4);
                    out[j] = ncall > 0 ? v / (float)ncall : v;
                }
                break;
            }
            p += 4 * (size_t)nval;
        }
    }
    free(d);
    return out;
}

/* Q8_K activations built here (the library's own Q8_K quantizer is tested
   elsewhere): d = amax/127, q = round(x/d). */
static void make_q8k(const float *x, llml__block_q8_K *y, int64_t n) {
    int64_t b;
    int j;
    for (b = 0; b < n / 256; b++) {
        const float *xb = x + 256 * b;
        float amax = 0, id;
        for (j = 0; j < 256; j++) amax = fabsf(xb[j]) > amax ? fabsf(xb[j]) : amax;
        y[b].d = amax / 127;
        id = amax > 0 ? 127 / amax : 0;
        for (j = 0; j < 256; j++) {
            long v = lroundf(xb[j] * id);
            y[b].qs[j] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
        for (j = 0; j < 16; j++) {
            int k, s = 0;
            for (k = 0; k < 16; k++) s += y[b].qs[16 * j + k];
            y[b].bsums[j] = (int16_t)s;
        }
    }
}

static double rms_diff(const float *a, const float *b, int64_t n) {
    double e = 0;
    int64_t i;
    for (i = 0; i < n; i++) e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(e / (double)n);
}

/* ---- tests -------------------------------------------------------------- */

static void test_info(const fmt_t *f) {
    const llml_type_info *ti = llml_type_get_info(f->type);
    CHECK(ti && ti->block_size == 256 && ti->type_size == f->bytes && ti->vec_dot_type == LLML_TYPE_Q8_K,
          "%s: type info", f->name);
    CHECK(llml_row_size(f->type, 512) == (size_t)(2 * f->bytes), "%s: row size", f->name);
}

/* Hand-made blocks with known values. */
static void test_known_blocks(void) {
    uint8_t b[110];
    float y[256];
    int i;
    /* iq3_xxs: d = 1, every index 0 (magnitudes 4), group 0: s = 1 and sign
       field 0x01 (weights 0 and 7 negative: parity); others s = 0, no signs */
    memset(b, 0, sizeof b);
    llml__wr16(b, 0x3c00);
    llml__wr32(b + 66, 1u | (1u << 28));
    llml_dequantize_row(LLML_TYPE_IQ3_XXS, b, y, 256);
    CHECK(y[0] == -3.0f && y[7] == -3.0f && y[1] == 3.0f && y[31] == 3.0f, "xxs group 0: %g %g %g", y[0], y[7], y[1]);
    CHECK(y[32] == 1.0f && y[255] == 1.0f, "xxs other groups: %g %g", y[32], y[255]);
    /* index 255 of the iq3_xxs grid is 0x3e341c04 */
    b[2] = 255;
    llml_dequantize_row(LLML_TYPE_IQ3_XXS, b, y, 256);
    CHECK(y[0] == -3.0f && y[1] == 0.75f * 28 && y[2] == 0.75f * 52 && y[3] == 0.75f * 62, "xxs grid 255: %g %g %g %g",
          y[0], y[1], y[2], y[3]);
    /* iq3_s: d = 0.5, group 1 scale 3 (dl = 3.5), quad 0 of group 1 uses
       index 256 + 1 (0x05090705 -> 5,7,9,5), with weight 33 negative */
    memset(b, 0, sizeof b);
    llml__wr16(b, 0x3800);
    b[106] = 3 << 4;
    b[2 + 8] = 1;
    b[66 + 1] = 1;
    b[74 + 4] = 2;
    llml_dequantize_row(LLML_TYPE_IQ3_S, b, y, 256);
    CHECK(y[32] == 17.5f && y[33] == -24.5f && y[34] == 31.5f && y[35] == 17.5f, "s quad: %g %g %g %g", y[32], y[33], y[34], y[35]);
    CHECK(y[0] == 0.5f && y[36] == 3.5f, "s rest: %g %g", y[0], y[36]);
    for (i = 0; i < 256; i++) if (y[i] == 0) break;
    CHECK(i == 256, "s: no zero magnitude");
}

/* Internal lookup tables: every grid entry maps to itself, every other quad
   has a non-empty list of grid neighbours. */
static void test_tables(void) {
    int xxs;
    for (xxs = 0; xxs < 2; xxs++) {
        llml__iq3_tabs t;
        int key, bad = 0, on = 0;
        CHECK(llml__iq3_tabs_init(&t, xxs) == LLML_OK, "tables");
        for (key = 0; key < LLML__IQ3_NKEYS; key++) {
            int32_t m = t.map[key];
            if (m >= 0) {
                on++;
                if (llml__iq3_key((const int8_t *)(const void *)(t.lv + 4 * m)) != key) bad++;
            } else {
                size_t at = (size_t)(-m - 1);
                if (at >= t.nbr_len || t.nbr[at] == 0 || at + t.nbr[at] >= t.nbr_len) bad++;
            }
        }
        CHECK(on == (xxs ? 256 : 512) && bad == 0, "grid %d: %d on grid, %d bad", xxs, on, bad);
        llml__iq3_tabs_free(&t);
    }
}

/* (1) dequantization equals the reference's bit for bit. */
static void test_reference_dequant(const fmt_t *f) {
    char path[1024];
    llml_gguf *g = open_quant(f->name);
    const llml_gguf_tensor *t = tensor(g, "blk.1.attn_q.weight");
    size_t nref = 0;
    float *ref, *out;
    snprintf(path, sizeof path, "%s/quant/%s.blk.1.attn_q.f32", check_testdata(), f->name);
    ref = (float *)read_all(path, &nref);
    CHECK(t && t->data && t->type == f->type && ref, "%s: tensor or reference missing", f->name);
    if (t && t->data && t->type == f->type && ref) {
        const int64_t n = t->ne[0] * t->ne[1];
        CHECK((size_t)n * 4 == nref, "%s: size", f->name);
        out = (float *)malloc((size_t)n * 4);
        if (out && (size_t)n * 4 == nref) {
            CHECK(llml_dequantize_row(f->type, t->data, out, n) == LLML_OK, "%s: dequantize", f->name);
            CHECK(memcmp(out, ref, nref) == 0, "%s: dequantization differs from the reference", f->name);
        }
        free(out);
    }
    free(ref);
    llml_gguf_close(g);
}

/* (2) round trips of random data. */
static void test_roundtrip(const fmt_t *f) {
    enum { R = 8, C = 512 };
    static float x[R * C], y[R * C], imx[C], one[C];
    static uint8_t q[R * 2 * 110], q2[R * 2 * 110], q3[R * 2 * 110];
    const size_t rb = (size_t)(2 * f->bytes);
    int i, r, w;
    for (i = 0; i < R * C; i++) x[i] = grand() * 0.02f;
    for (i = 0; i < 7; i++) x[(int)(urand() * R * C)] *= 9.0f;   /* a few outliers */
    for (i = 0; i < C; i++) imx[i] = (float)(0.05 + 3 * urand() * urand());
    for (w = 0; w < 2; w++) {
        double e, s = 0;
        CHECK(llml_quantize_rows(f->type, x, q, R, C, w ? imx : NULL) == LLML_OK, "%s: quantize", f->name);
        CHECK(llml_dequantize_row(f->type, q, y, R * C) == LLML_OK, "%s: dequantize", f->name);
        for (i = 0; i < R * C; i++) s += (double)x[i] * x[i];
        e = rms_diff(x, y, R * C) / sqrt(s / (R * C));
        CHECK(e < f->max_rel_rms, "%s (imatrix %d): relative rms error %.4f", f->name, w, e);
        printf("%s: random data, imatrix %d: relative rms error %.4f\n", f->name, w, e);
        /* deterministic, and rows are independent */
        CHECK(llml_quantize_rows(f->type, x, q2, R, C, w ? imx : NULL) == LLML_OK && memcmp(q, q2, R * rb) == 0,
              "%s: not deterministic", f->name);
        for (r = 0; r < R; r++) llml_quantize_rows(f->type, x + r * C, q3 + r * rb, 1, C, w ? imx : NULL);
        CHECK(memcmp(q, q3, R * rb) == 0, "%s: rows depend on each other", f->name);
    }
    /* uniform importance only rescales the weights: same result as any constant */
    for (i = 0; i < C; i++) one[i] = 1.0f;
    llml_quantize_rows(f->type, x, q, R, C, one);
    for (i = 0; i < C; i++) one[i] = 4.0f;
    llml_quantize_rows(f->type, x, q2, R, C, one);
    CHECK(memcmp(q, q2, R * rb) == 0, "%s: constant imatrix scale changes the result", f->name);
    /* zero data -> exact zeros; a zero group inside a block stays small */
    memset(x, 0, sizeof x);
    llml_quantize_rows(f->type, x, q, R, C, NULL);
    llml_dequantize_row(f->type, q, y, R * C);
    for (i = 0; i < R * C && y[i] == 0; i++) {}
    CHECK(i == R * C, "%s: zeros do not round trip", f->name);
    for (i = 0; i < C; i++) x[i] = i < 32 ? 0.0f : grand();
    llml_quantize_rows(f->type, x, q, 1, C, NULL);
    llml_dequantize_row(f->type, q, y, C);
    CHECK(rms_diff(x, y, 32) < 0.2 && rms_diff(x + 32, y + 32, C - 32) < 0.3, "%s: zero group: %g %g", f->name,
          rms_diff(x, y, 32), rms_diff(x + 32, y + 32, C - 32));
    /* non-finite input must not crash */
    for (i = 0; i < C; i++) x[i] = grand();
    x[3] = (float)HUGE_VAL; x[300] = -(float)HUGE_VAL; x[400] = (float)(HUGE_VAL - HUGE_VAL);
    CHECK(llml_quantize_rows(f->type, x, q, 1, C, imx) == LLML_OK, "%s: non-finite input", f->name);
    /* shape errors are caught by the wrapper */
    CHECK(llml_quantize_rows(f->type, x, q, 1, 100, NULL) == LLML_ERR_BAD_SHAPE, "%s: bad shape", f->name);
}

/* (3) dot with Q8_K activations vs a double dot of the dequantized values;
   (4) dot with f32 activations. */
static void test_dot(const fmt_t *f) {
    enum { N = 4096 };
    static float w[N], x[N], wd[N], xd[N];
    static uint8_t q[16 * 110];
    static llml__block_q8_K a[N / 256];
    int trial;
    for (trial = 0; trial < 4; trial++) {
        double ref = 0, mag = 0, ref32 = 0, mag32 = 0;
        float got = 0, got32 = 0;
        int i;
        for (i = 0; i < N; i++) { w[i] = grand(); x[i] = grand() * (trial == 3 ? 1e-3f : 1.0f) + (trial == 2 ? 0.5f : 0.0f); }
        llml_quantize_rows(f->type, w, q, 1, N, NULL);
        llml_dequantize_row(f->type, q, wd, N);
        make_q8k(x, a, N);
        for (i = 0; i < N; i++) xd[i] = a[i / 256].d * a[i / 256].qs[i % 256];
        for (i = 0; i < N; i++) {
            ref += (double)wd[i] * xd[i]; mag += fabs((double)wd[i] * xd[i]);
            ref32 += (double)wd[i] * x[i]; mag32 += fabs((double)wd[i] * x[i]);
        }
        CHECK(llml_vec_dot(f->type, N, q, a, &got) == LLML_OK, "%s: vec_dot", f->name);
        CHECK(fabs(got - ref) <= 1e-4 * LLML__MAX(fabs(ref), 1e-2 * mag), "%s: vec_dot %.8g vs %.8g", f->name, got, ref);
        CHECK(llml_vec_dot_f32(f->type, N, q, x, &got32) == LLML_OK, "%s: vec_dot_f32", f->name);
        CHECK(fabs(got32 - ref32) <= 1e-5 * LLML__MAX(fabs(ref32), 1e-2 * mag32), "%s: vec_dot_f32 %.8g vs %.8g", f->name,
              got32, ref32);
        if (trial == 0) printf("%s: vec_dot %.7g (double %.7g), vec_dot_f32 %.7g (double %.7g)\n", f->name, got, ref, got32, ref32);
    }
}

/* (5) quality: our quantizer with the imatrix vs the reference file. */
static void test_quality(const fmt_t *f, llml_gguf *src, const char *name) {
    llml_gguf *g = open_quant(f->name);
    const llml_gguf_tensor *ts = tensor(src, name), *tr = tensor(g, name);
    CHECK(ts && tr && ts->type == LLML_TYPE_F32 && tr->type == f->type && ts->data && tr->data, "%s: %s missing", f->name, name);
    if (ts && tr && ts->type == LLML_TYPE_F32 && tr->type == f->type && ts->data && tr->data) {
        const int64_t nc = ts->ne[0], nr = ts->ne[1], n = nc * nr;
        const size_t rb = llml_row_size(f->type, nc);
        float *imx = load_imatrix(name, nc);
        uint8_t *q = (uint8_t *)malloc(rb * (size_t)nr);
        float *ours = (float *)malloc((size_t)n * 4), *theirs = (float *)malloc((size_t)n * 4);
        CHECK(imx != NULL, "%s: no imatrix for %s", f->name, name);
        if (q && ours && theirs) {
            double e_ours, e_ref;
            int64_t b, same = 0, nb = (int64_t)(rb * (size_t)nr) / f->bytes;
            CHECK(llml_quantize_rows(f->type, (const float *)ts->data, q, nr, nc, imx) == LLML_OK, "%s: quantize", f->name);
            llml_dequantize_row(f->type, q, ours, n);
            llml_dequantize_row(f->type, tr->data, theirs, n);
            e_ours = rms_diff(ours, (const float *)ts->data, n);
            e_ref = rms_diff(theirs, (const float *)ts->data, n);
            for (b = 0; b < nb; b++)
                same += memcmp(q + b * f->bytes, (const uint8_t *)tr->data + b * f->bytes, (size_t)f->bytes) == 0;
            printf("%s: %s rms %.6g, reference %.6g, ratio %.4f, identical blocks %ld/%ld\n", f->name, name, e_ours, e_ref,
                   e_ours / e_ref, (long)same, (long)nb);
            CHECK(e_ours <= 1.05 * e_ref, "%s: %s rms %g > 1.05 x %g", f->name, name, e_ours, e_ref);
        }
        free(imx); free(q); free(ours); free(theirs);
    }
    llml_gguf_close(g);
}

int main(void) {
    int i;
    llml_gguf *src;
    test_known_blocks();
    test_tables();
    src = open_quant("f32");
    for (i = 0; i < 2; i++) {
        test_info(&fmts[i]);
        test_reference_dequant(&fmts[i]);
        test_roundtrip(&fmts[i]);
        test_dot(&fmts[i]);
        test_quality(&fmts[i], src, "blk.1.attn_q.weight");
        test_quality(&fmts[i], src, "blk.0.ffn_down.weight");
    }
    llml_gguf_close(src);
    return check_summary("test_quant_iq3");
}
