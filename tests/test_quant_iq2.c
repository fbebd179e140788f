/* tests/test_quant_iq2.c - IQ2_XXS, IQ2_XS and IQ2_S:
   (1) dequantizing blk.1.attn_q.weight of the reference files equals the
       reference's dequantization bit for bit;
   (2) quantize -> dequantize of random rows (with and without an imatrix)
       keeps the error far below the data's RMS; all-zero data stays zero;
       quantizing rows one at a time gives the same bytes as all at once;
   (3) llml_vec_dot with Q8_K activations matches a double-precision dot of
       the dequantized weights and activations;
   (4) llml_vec_dot_f32 matches a double-precision dot. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[3] = { "iq2_xxs", "iq2_xs", "iq2_s" };
static const llml_type type_ids[3] = { LLML_TYPE_IQ2_XXS, LLML_TYPE_IQ2_XS, LLML_TYPE_IQ2_S };

/* Small deterministic generator: uniform in [0,1) and roughly normal. */
static uint32_t rng_state = 12345u;
static float urand(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) * (1.0f / 16777216.0f);
}
static float nrand(void) {
    return (urand() + urand() + urand() + urand() - 2.0f) * 1.7320508f;
}

static float *read_f32_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    long sz;
    float *buf;
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
    buf = (float *)malloc(sz > 0 ? (size_t)sz : 1);
    if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) *n = (size_t)sz / 4;
    return buf;
}

/* (1) bit-exact dequantization of the reference files. */
static void test_reference(int t) {
    char path[1024];
    llml_gguf *g = NULL;
    llml_error err;
    const llml_gguf_tensor *ti = NULL;
    int64_t idx = -1;
    size_t nref = 0;
    float *ref, *out;
    memset(&err, 0, sizeof err);
    snprintf(path, sizeof path, "%s/quant/%s.gguf", check_testdata(), type_names[t]);
    CHECK(llml_gguf_open_file(path, NULL, &g, &err) == LLML_OK, "%s: open failed: %s", path, err.message);
    if (!g) return;
    idx = llml_gguf_find_tensor(g, "blk.1.attn_q.weight");
    CHECK(idx >= 0, "%s: no blk.1.attn_q.weight", type_names[t]);
    if (idx >= 0) ti = llml_gguf_tensor_at(g, idx);
    snprintf(path, sizeof path, "%s/quant/%s.blk.1.attn_q.f32", check_testdata(), type_names[t]);
    ref = read_f32_file(path, &nref);
    CHECK(ref != NULL && nref == 65536, "%s: reference dequantization missing", path);
    if (ti && ref && nref == 65536) {
        const int64_t n = ti->ne[0] * ti->ne[1];
        CHECK(ti->type == type_ids[t], "%s: tensor type %d", type_names[t], (int)ti->type);
        CHECK(n == (int64_t)nref, "%s: %lld elements", type_names[t], (long long)n);
        CHECK(ti->data != NULL, "%s: no tensor data", type_names[t]);
        if (ti->type == type_ids[t] && n == (int64_t)nref && ti->data) {
            size_t k, ndiff = 0;
            out = (float *)malloc(nref * sizeof(float));
            CHECK(llml_dequantize_row(type_ids[t], ti->data, out, n) == LLML_OK, "%s: dequantize", type_names[t]);
            for (k = 0; k < nref; k++)
                if (memcmp(&out[k], &ref[k], sizeof(float)) != 0) ndiff++;
            CHECK(ndiff == 0, "%s: %lu of %lu values differ from the reference", type_names[t],
                  (unsigned long)ndiff, (unsigned long)nref);
            free(out);
        }
    }
    free(ref);
    llml_gguf_close(g);
}

/* RMS of x and of (y - x). */
static void rms_pair(const float *x, const float *y, size_t n, double *rms_x, double *rms_e) {
    double sx = 0, se = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        sx += (double)x[i] * x[i];
        se += (double)(y[i] - x[i]) * (y[i] - x[i]);
    }
    *rms_x = sqrt(sx / (double)n);
    *rms_e = sqrt(se / (double)n);
}

/* (2) round trips of random data. */
static void test_roundtrip(int t) {
    enum { NROWS = 8, NCOLS = 512 };
    const llml_type ty = type_ids[t];
    const size_t rs = llml_row_size(ty, NCOLS);
    float *x = (float *)malloc(NROWS * NCOLS * sizeof(float));
    float *y = (float *)malloc(NROWS * NCOLS * sizeof(float));
    float *imx = (float *)malloc(NCOLS * sizeof(float));
    uint8_t *q = (uint8_t *)malloc(rs * NROWS);
    uint8_t *q1 = (uint8_t *)malloc(rs * NROWS);
    double rx, re;
    int i, r, pass;
    CHECK(rs == (size_t)(NCOLS / 256) * (size_t)llml_type_get_info(ty)->type_size, "%s: row size %lu",
          type_names[t], (unsigned long)rs);
    for (i = 0; i < NROWS * NCOLS; i++) x[i] = 0.02f * nrand();
    for (i = 0; i < NCOLS; i++) imx[i] = 0.05f + 2.0f * urand() * urand();
    for (pass = 0; pass < 2; pass++) {
        const float *im = pass ? imx : NULL;
        CHECK(llml_quantize_rows(ty, x, q, NROWS, NCOLS, im) == LLML_OK, "%s: quantize", type_names[t]);
        CHECK(llml_dequantize_row(ty, q, y, NROWS * NCOLS) == LLML_OK, "%s: dequantize", type_names[t]);
        rms_pair(x, y, NROWS * NCOLS, &rx, &re);
        /* 2-bit lattice codes keep about 0.3-0.4 of the RMS as error on
           Gaussian data; 0.5 is a safe ceiling, far below 1 (a broken
           quantizer lands near or above 1). */
        CHECK(re < 0.5 * rx, "%s (imatrix %d): rms error %g vs data rms %g", type_names[t], pass, re, rx);
        CHECK(re > 0.05 * rx, "%s (imatrix %d): rms error %g suspiciously small", type_names[t], pass, re);
        if (pass == 1) {
            /* rows are independent: two calls over parts give the same bytes */
            r = 3;
            llml_quantize_rows(ty, x, q1, r, NCOLS, im);
            llml_quantize_rows(ty, x + r * NCOLS, q1 + r * rs, NROWS - r, NCOLS, im);
            CHECK(memcmp(q, q1, rs * NROWS) == 0, "%s: quantization in parts differs", type_names[t]);
        }
    }
    /* all zero: dequantizes to exact zeros */
    memset(x, 0, NCOLS * sizeof(float));
    CHECK(llml_quantize_rows(ty, x, q, 1, NCOLS, NULL) == LLML_OK, "%s: quantize zeros", type_names[t]);
    llml_dequantize_row(ty, q, y, NCOLS);
    for (i = 0; i < NCOLS && y[i] == 0.0f; i++) {}
    CHECK(i == NCOLS, "%s: zeros came back as %g at %d", type_names[t], i < NCOLS ? y[i] : 0.0, i);
    /* one block zero, one block with a few spikes: finite, spikes kept */
    for (i = 0; i < NCOLS; i++) x[i] = i < 256 ? 0.0f : 0.001f * nrand();
    x[300] = 1.0f; x[301] = -0.5f;
    CHECK(llml_quantize_rows(ty, x, q, 1, NCOLS, imx) == LLML_OK, "%s: quantize spikes", type_names[t]);
    llml_dequantize_row(ty, q, y, NCOLS);
    for (i = 0; i < NCOLS && y[i] == y[i] && fabsf(y[i]) < 2.0f; i++) {}
    CHECK(i == NCOLS, "%s: non-finite or wild value at %d", type_names[t], i);
    /* the lattice cannot always hold both spikes at full size in one group
       of 8; the big one must survive and the small one keep its sign */
    CHECK(y[300] > 0.6f && y[301] < -0.1f, "%s: spikes came back as %g %g", type_names[t], y[300], y[301]);
    free(x); free(y); free(imx); free(q); free(q1);
}

/* (3) and (4): dot products. */
static void test_dot(int t) {
    enum { N = 1024, NB = N / 256 };
    const llml_type ty = type_ids[t];
    float *x = (float *)malloc(N * sizeof(float));
    float *w = (float *)malloc(N * sizeof(float));
    float *a = (float *)malloc(N * sizeof(float));
    uint8_t *q = (uint8_t *)malloc(llml_row_size(ty, N));
    llml__block_q8_K *act = (llml__block_q8_K *)malloc(NB * sizeof(llml__block_q8_K));
    double ref = 0, ref_f = 0;
    float got = 0, got_f = 0;
    int i, b, j;
    CHECK(llml_type_get_info(ty)->vec_dot_type == LLML_TYPE_Q8_K, "%s: vec_dot_type", type_names[t]);
    for (i = 0; i < N; i++) x[i] = 0.03f * nrand();
    llml_quantize_rows(ty, x, q, 1, N, NULL);
    llml_dequantize_row(ty, q, w, N);
    /* activations correlated with the weights, so the dot is not tiny */
    for (i = 0; i < N; i++) a[i] = x[i] * 20.0f + 0.3f * nrand();
    for (b = 0; b < NB; b++) {
        float amax = 0, d;
        for (j = 0; j < 256; j++) amax = fmaxf(amax, fabsf(a[256 * b + j]));
        d = amax / 127.0f;
        act[b].d = d;
        for (j = 0; j < 256; j++) {
            long v = lrintf(a[256 * b + j] / d);
            act[b].qs[j] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
        for (j = 0; j < 16; j++) {
            int s = 0, k;
            for (k = 0; k < 16; k++) s += act[b].qs[16 * j + k];
            act[b].bsums[j] = (int16_t)s;
        }
        for (j = 0; j < 256; j++) ref += (double)w[256 * b + j] * ((double)act[b].d * act[b].qs[j]);
    }
    CHECK(llml_vec_dot(ty, N, q, act, &got) == LLML_OK, "%s: vec_dot", type_names[t]);
    CHECK(fabs(got - ref) <= 1e-4 * fabs(ref), "%s: vec_dot %.8g vs %.8g", type_names[t], got, ref);
    CHECK(fabs(ref) > 1.0, "%s: test dot too small (%g)", type_names[t], ref);
    for (i = 0; i < N; i++) ref_f += (double)w[i] * a[i];
    CHECK(llml_vec_dot_f32(ty, N, q, a, &got_f) == LLML_OK, "%s: vec_dot_f32", type_names[t]);
    CHECK(fabs(got_f - ref_f) <= 1e-5 * fabs(ref_f), "%s: vec_dot_f32 %.8g vs %.8g", type_names[t], got_f, ref_f);
    /* the two agree up to the activation quantization */
    CHECK(fabs(got - got_f) <= 0.02 * fabs(ref_f), "%s: q8_K dot %g vs f32 dot %g", type_names[t], got, got_f);
    free(x); free(w); free(a); free(q); free(act);
}

int main(void) {
    int t;
    for (t = 0; t < 3; t++) {
        test_reference(t);
        test_roundtrip(t);
        test_dot(t);
    }
    return check_summary("test_quant_iq2");
}
