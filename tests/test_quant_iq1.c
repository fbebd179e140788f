/* tests/test_quant_iq1.c - IQ1_S and IQ1_M: dequantization bit-exact with
   the reference files, the quantizer's lookup tables, quantize/dequantize
   round trips, quality against the reference quantizer (with the imatrix),
   and dot products with Q8_K and f32 activations. */
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
    { "iq1_s", LLML_TYPE_IQ1_S, 50, 0.58 },
    { "iq1_m", LLML_TYPE_IQ1_M, 56, 0.55 },
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

/* Importance of `name` from the legacy imatrix.dat: per entry a name
   (i32 length + bytes), i32 ncall, i32 count, count f32 sums; the
   importance is sum / ncall. NULL if absent. */
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

/* Q8_K activations built here (the library's Q8_K quantizer is tested
   elsewhere): d = amax/127, q = round(x/d), bsums over 16. */
static void make_q8k(const float *x, llml__block_q8_K *y, int64_t n) {
    int64_t b;
    int j, k;
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
            int s = 0;
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

/* Double dot of a dequantized row with the dequantized Q8_K activations. */
static double ref_dot(llml_type type, const void *q, const llml__block_q8_K *a, int64_t n) {
    static float wd[4096];
    double s = 0;
    int64_t i;
    llml_dequantize_row(type, q, wd, n);
    for (i = 0; i < n; i++) s += (double)wd[i] * ((double)a[i / 256].d * a[i / 256].qs[i % 256]);
    return s;
}

/* ---- tests -------------------------------------------------------------- */

static void test_info(const fmt_t *f) {
    const llml_type_info *ti = llml_type_get_info(f->type);
    CHECK(ti && ti->block_size == 256 && ti->type_size == f->bytes && ti->vec_dot_type == LLML_TYPE_Q8_K && ti->needs_imatrix,
          "%s: type info", f->name);
    CHECK(llml_row_size(f->type, 512) == (size_t)(2 * f->bytes), "%s: row size", f->name);
}

/* Hand-made blocks with known values. Grid entry 0 is all -1, entry 2047
   all +1, and the zero octet is on the grid. */
static void test_known_blocks(void) {
    uint8_t b[56];
    float y[256];
    llml__block_q8_K a;
    float dot = 0;
    double ref = 0;
    int i, zero = -1, bad = 0;
    for (i = 0; i < 2048; i++) if (llml__iq1_grid[i] == 0x5555) zero = i;
    CHECK(zero >= 0 && llml__iq1_grid[0] == 0 && llml__iq1_grid[2047] == 0xaaaa, "grid ends / zero octet (%d)", zero);

    /* iq1_s: d = 1; groups l = 0, delta +: -0.875; group 1: l = 3
       (dl = 7), sign bit (delta -), octet 0 index 2047 -> 7 * 0.875 */
    memset(b, 0, sizeof b);
    llml__wr16(b, 0x3c00);
    b[2 + 4] = 0xff;
    llml__wr16(b + 34 + 2, (uint16_t)(0x8000 | (3 << 12) | 7));
    llml_dequantize_row(LLML_TYPE_IQ1_S, b, y, 256);
    CHECK(y[0] == -0.875f && y[31] == -0.875f && y[255] == -0.875f, "s: plain groups: %g %g", y[0], y[255]);
    CHECK(y[32] == 6.125f && y[39] == 6.125f && y[40] == -7.875f, "s: group 1: %g %g %g", y[32], y[39], y[40]);
    /* the zero octet in group 7 with l = 7 (dl = 15): 15 * 0.125 */
    b[2 + 28 + 2] = (uint8_t)(zero & 255);
    llml__wr16(b + 34 + 14, (uint16_t)((7 << 12) | ((zero >> 8) << 6)));
    llml_dequantize_row(LLML_TYPE_IQ1_S, b, y, 256);
    CHECK(y[240] == 1.875f && y[247] == 1.875f && y[239] == -13.125f, "s: zero octet: %g %g", y[240], y[239]);
    for (i = 0; i < 256; i++) a.qs[i] = (int8_t)((i * 37) % 255 - 127);
    for (i = 0; i < 16; i++) {
        int k, s = 0;
        for (k = 0; k < 16; k++) s += a.qs[16 * i + k];
        a.bsums[i] = (int16_t)s;
    }
    a.d = 0.25f;
    llml_vec_dot(LLML_TYPE_IQ1_S, 256, b, &a, &dot);
    ref = ref_dot(LLML_TYPE_IQ1_S, b, &a, 256);
    CHECK(fabs(dot - ref) <= 1e-5 * fabs(ref), "s: dot %g vs %g", dot, ref);

    /* iq1_m: d = 0.5 (fp16 0x3800: nibbles 0,0,8,3 in the tops of the scale
       words); group of 16 number 5 (word 1, bits 3..5): l = 4 (dl = 4.5);
       octet 11 (qh byte 37, high nibble): index 2047 with delta -. */
    memset(b, 0, sizeof b);
    llml__wr16(b + 48 + 4, 0x8000);
    llml__wr16(b + 48 + 6, 0x3000);
    llml__wr16(b + 48 + 2, 4 << 3);
    b[11] = 0xff;
    b[32 + 5] = 0xf0;
    llml_dequantize_row(LLML_TYPE_IQ1_M, b, y, 256);
    CHECK(y[0] == -0.4375f && y[255] == -0.4375f, "m: plain octets: %g %g", y[0], y[255]);
    CHECK(y[80] == -3.9375f && y[87] == -3.9375f && y[88] == 3.9375f && y[95] == 3.9375f, "m: group 5: %g %g",
          y[80], y[88]);
    llml_vec_dot(LLML_TYPE_IQ1_M, 256, b, &a, &dot);
    ref = ref_dot(LLML_TYPE_IQ1_M, b, &a, 256);
    CHECK(fabs(dot - ref) <= 1e-5 * fabs(ref), "m: dot %g vs %g", dot, ref);

    /* every octet: dequantized values are dl * (level - 1 + delta) */
    memset(b, 0, sizeof b);
    llml__wr16(b, 0x3c00);
    for (i = 0; i < 2048 && !bad; i++) {
        int j;
        b[2] = (uint8_t)(i & 255);
        llml__wr16(b + 34, (uint16_t)(i >> 8));
        llml_dequantize_row(LLML_TYPE_IQ1_S, b, y, 256);
        for (j = 0; j < 8; j++) if (y[j] != (float)(int)((llml__iq1_grid[i] >> (2 * j)) & 3) - 0.875f) bad++;
    }
    CHECK(bad == 0, "s: octet values");
}

/* The quantizer's lookup tables: every grid entry maps to itself; every
   off-grid octet has the grid entries at its 3 smallest distances, in
   order of distance then index; the lists fill their storage exactly. */
static int dist2(const uint8_t *lv, int key) {
    int j, d = 0;
    for (j = 0; j < 8; j++, key /= 3) d += (lv[j] - key % 3) * (lv[j] - key % 3);
    return d;
}
static void test_tables(void) {
    llml__iq1_tabs t;
    int key, on = 0, bad = 0, checked = 0;
    CHECK(llml__iq1_tabs_init(&t) == LLML_OK, "tables");
    for (key = 0; key < LLML__IQ1_NKEYS; key++) {
        const int32_t m = t.map[key];
        if (m >= 0) {
            int8_t L[8];
            int j;
            on++;
            for (j = 0; j < 8; j++) L[j] = (int8_t)t.lv[8 * m + j];
            if (llml__iq1_key(L) != key) bad++;
        } else {
            const uint16_t *list = llml__iq1_list(&t, key);
            int j, n, th[3], nth = 0, g, expect = 0, d;
            if (!list || list[0] == 0 || llml__iq1_list(&t, key) != list) { bad++; continue; }
            n = list[0];
            if (key % 5) continue;   /* the full check on a fifth of them */
            checked++;
            /* the 3 smallest distinct distances by brute force */
            for (d = 0; d <= 32 && nth < 3; d++) {
                for (g = 0; g < 2048 && dist2(t.lv + 8 * g, key) != d; g++) {}
                if (g < 2048) th[nth++] = d;
            }
            for (g = 0; g < 2048; g++) expect += dist2(t.lv + 8 * g, key) <= th[nth - 1];
            if (expect != n) bad++;
            for (j = 2; j <= n; j++) {
                const int da = dist2(t.lv + 8 * list[j - 1], key), db = dist2(t.lv + 8 * list[j], key);
                if (da > db || (da == db && list[j - 1] >= list[j])) bad++;
            }
        }
    }
    CHECK(on == 2048 && bad == 0 && checked > 800, "tables: %d on grid, %d bad, %d checked", on, bad, checked);
    CHECK(t.nbr_used == LLML__IQ1_NBR_CAP, "tables: lists use %lu of %lu entries", (unsigned long)t.nbr_used,
          (unsigned long)LLML__IQ1_NBR_CAP);
    llml__iq1_tabs_free(&t);
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
    static uint8_t q[R * 2 * 56], q2[R * 2 * 56], q3[R * 2 * 56];
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
    /* a constant importance only rescales the weights: same result */
    for (i = 0; i < C; i++) one[i] = 1.0f;
    llml_quantize_rows(f->type, x, q, R, C, one);
    for (i = 0; i < C; i++) one[i] = 4.0f;
    llml_quantize_rows(f->type, x, q2, R, C, one);
    CHECK(memcmp(q, q2, R * rb) == 0, "%s: constant imatrix scale changes the result", f->name);
    llml_quantize_rows(f->type, x, q2, R, C, NULL);
    CHECK(memcmp(q, q2, R * rb) == 0, "%s: no imatrix differs from a constant one", f->name);
    /* zero data -> exact zeros; a zero group inside a block stays small */
    memset(x, 0, sizeof x);
    llml_quantize_rows(f->type, x, q, R, C, NULL);
    llml_dequantize_row(f->type, q, y, R * C);
    for (i = 0; i < R * C && y[i] == 0; i++) {}
    CHECK(i == R * C, "%s: zeros do not round trip", f->name);
    for (i = 0; i < C; i++) x[i] = i < 32 ? 0.0f : grand();
    llml_quantize_rows(f->type, x, q, 1, C, imx);
    llml_dequantize_row(f->type, q, y, C);
    CHECK(rms_diff(x, y, 32) < 0.05 && rms_diff(x + 32, y + 32, C - 32) < 0.6, "%s: zero group: %g %g", f->name,
          rms_diff(x, y, 32), rms_diff(x + 32, y + 32, C - 32));
    /* a scaled copy quantizes to the scaled values (scale by 2: exact) */
    for (i = 0; i < C; i++) x[i] = grand();
    llml_quantize_rows(f->type, x, q, 1, C, imx);
    llml_dequantize_row(f->type, q, y, C);
    for (i = 0; i < C; i++) x[i] *= 2;
    llml_quantize_rows(f->type, x, q2, 1, C, imx);
    llml_dequantize_row(f->type, q2, y + C, C);
    for (i = 0; i < C && y[C + i] == 2 * y[i]; i++) {}
    CHECK(i == C, "%s: scaling by 2 is not exact", f->name);
    /* non-finite input must not crash */
    x[3] = (float)HUGE_VAL; x[300] = -(float)HUGE_VAL; x[400] = (float)(HUGE_VAL - HUGE_VAL);
    CHECK(llml_quantize_rows(f->type, x, q, 1, C, imx) == LLML_OK, "%s: non-finite input", f->name);
    CHECK(llml_quantize_rows(f->type, x, q, 1, C, NULL) == LLML_OK, "%s: non-finite input", f->name);
    /* shape errors are caught by the wrapper */
    CHECK(llml_quantize_rows(f->type, x, q, 1, 100, NULL) == LLML_ERR_BAD_SHAPE, "%s: bad shape", f->name);
}

/* (3) dot with Q8_K activations vs a double dot of the dequantized values;
   (4) dot with f32 activations. */
static void test_dot(const fmt_t *f) {
    enum { N = 4096 };
    static float w[N], x[N], wd[N];
    static uint8_t q[16 * 56];
    static llml__block_q8_K a[N / 256];
    int trial;
    for (trial = 0; trial < 4; trial++) {
        double ref, mag = 0, ref32 = 0, mag32 = 0;
        float got = 0, got32 = 0;
        int i;
        for (i = 0; i < N; i++) { w[i] = grand(); x[i] = grand() * (trial == 3 ? 1e-3f : 1.0f) + (trial == 2 ? 0.5f : 0.0f); }
        llml_quantize_rows(f->type, w, q, 1, N, NULL);
        llml_dequantize_row(f->type, q, wd, N);
        make_q8k(x, a, N);
        ref = ref_dot(f->type, q, a, N);
        for (i = 0; i < N; i++) {
            mag += fabs((double)wd[i] * a[i / 256].d * a[i / 256].qs[i % 256]);
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
    return check_summary("test_quant_iq1");
}
