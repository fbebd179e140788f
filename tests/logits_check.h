/* tests/logits_check.h - helpers of the tests that compare logits with the
   reference's files (test_model.c, backend_check.h, test_threads.c, test_quant_ref.c): test data paths, the
   reference's .f32 logits and token id files, and the comparisons (argmax,
   mean KL divergence, rms and max |difference|; NaN counts as infinitely
   far). Include after check.h. */
#ifndef LLML_LOGITS_CHECK_H
#define LLML_LOGITS_CHECK_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define LC_UNUSED __attribute__((unused))
#else
#define LC_UNUSED
#endif

static char lc_path_buf[1024];
LC_UNUSED static const char *lc_td(const char *rel) {
    snprintf(lc_path_buf, sizeof(lc_path_buf), "%s/%s", check_testdata(), rel);
    return lc_path_buf;
}

LC_UNUSED static float *lc_read_f32(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    long sz;
    float *p;
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
    p = (float *)malloc((size_t)sz);
    if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) { free(p); p = NULL; }
    fclose(f);
    *n = (size_t)sz / 4;
    return p;
}

LC_UNUSED static int lc_read_ids(const char *path, int32_t *ids, int cap) {
    FILE *f = fopen(path, "r");
    int n = 0;
    long v;
    if (!f) return -1;
    while (n < cap && fscanf(f, "%ld", &v) == 1) ids[n++] = (int32_t)v;
    fclose(f);
    return n;
}

LC_UNUSED static int lc_argmax(const float *l, int n) {
    int i, b = 0;
    for (i = 1; i < n; i++) if (l[i] > l[b]) b = i;
    return b;
}

LC_UNUSED static double lc_mean_kl(const float *p_logits, const float *q_logits, int rows, int nv) {
    double total = 0.0;
    int r, i;
    for (r = 0; r < rows; r++) {
        const float *a = p_logits + (size_t)r * nv, *b = q_logits + (size_t)r * nv;
        double ma = -HUGE_VAL, mb = -HUGE_VAL, sa = 0, sb = 0, kl = 0;
        for (i = 0; i < nv; i++) { if (a[i] > ma) ma = a[i]; if (b[i] > mb) mb = b[i]; }
        for (i = 0; i < nv; i++) { sa += exp(a[i] - ma); sb += exp(b[i] - mb); }
        for (i = 0; i < nv; i++) {
            double la = a[i] - ma - log(sa), lb = b[i] - mb - log(sb);
            kl += exp(la) * (la - lb);
        }
        total += kl;
    }
    return total / rows;
}

LC_UNUSED static double lc_rms(const float *a, const float *b, size_t n) {
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s / (double)n);
}

LC_UNUSED static double lc_maxd(const float *a, const float *b, size_t n) {
    double m = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d != d) return HUGE_VAL;
        if (d > m) m = d;
    }
    return m;
}

#endif
