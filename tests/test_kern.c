/* tests/test_kern.c - the SIMD kernel table against the scalar reference.
   For every instruction-set level this CPU (or emulator) supports:
   1. every mm entry that differs from the scalar one, on random weights
      (random bytes with sane scale fields, so every code and sub-scale value
      occurs) and activations quantized by the scalar reference, for awkward
      sizes (1 block .. many, nr and nt of 1, 3, 7, 17, padded strides);
      outputs are poisoned with NaN before each run, the gaps between output
      rows must stay NaN, and each result must lie within a per-format bound
      of the scalar result, relative to sum |w_i a_i| (computed in double
      from the dequantized rows): the integer block sums are exact, only the
      float accumulation order differs;
   1b. every prompt GEMM entry (gemm, with its activation rows from gq)
      the same way, over sizes that cross its 16-row panels, its tiles of
      8/4/2/1 activation rows and its packed column chunks; its results
      must also be the same bits as the mm entry's on the same rows (a
      token alone or within a prompt) and as a product over a sub-range of
      rows and activation rows (what a thread gets);
   1c. the attention's weighted sum of value rows (wsum), its softmax
      numerators (expsum), the RMS norm and the rotary embedding, and the
      SwiGLU activation (silu_mul, with exp overflow, NaN and huge inputs);
   2. every actq entry produces the same bytes as the scalar quantizer, on
      random data and on blocks made to hit rounding ties, zeros, NaN, inf,
      subnormals and sign ties of the largest magnitude;
   3. the level names, llml_isa_supported and the cap rules.
   Prints the largest relative error per level and format. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}
static float rndf(void) { return (float)(rnd() >> 8) / 16777216.0f; }          /* [0, 1) */
static float rndn(void) {                                                       /* ~N(0, 1) */
    float s = 0.0f; int i;
    for (i = 0; i < 4; i++) s += rndf();
    return (s - 2.0f) * 1.7320508f;
}

/* Offsets of the fp16 scale fields in a block of each format tested (-1
   ends a list); random bytes there could be inf or NaN. */
typedef struct { llml_type type; int fp16_at[3]; } wfmt_t;
static const wfmt_t wfmts[] = {
    { LLML_TYPE_Q4_0, { 0, -1 } },  { LLML_TYPE_Q4_1, { 0, 2, -1 } }, { LLML_TYPE_Q5_0, { 0, -1 } },
    { LLML_TYPE_Q5_1, { 0, 2, -1 } }, { LLML_TYPE_Q8_0, { 0, -1 } }, { LLML_TYPE_Q8_1, { 0, 2, -1 } },
    { LLML_TYPE_IQ4_NL, { 0, -1 } }, { LLML_TYPE_Q2_K, { 80, 82, -1 } }, { LLML_TYPE_Q3_K, { 108, -1 } },
    { LLML_TYPE_Q4_K, { 0, 2, -1 } }, { LLML_TYPE_Q5_K, { 0, 2, -1 } }, { LLML_TYPE_Q6_K, { 208, -1 } },
    { LLML_TYPE_IQ4_XS, { 0, -1 } }, { LLML_TYPE_TQ1_0, { 52, -1 } }, { LLML_TYPE_TQ2_0, { 64, -1 } },
    { LLML_TYPE_IQ2_XXS, { 0, -1 } }, { LLML_TYPE_IQ2_XS, { 0, -1 } }, { LLML_TYPE_IQ2_S, { 0, -1 } },
    { LLML_TYPE_IQ3_XXS, { 0, -1 } }, { LLML_TYPE_IQ3_S, { 0, -1 } }, { LLML_TYPE_IQ1_S, { 0, -1 } },
};

/* One row of random weights in format t (n elements). */
static void make_row(llml_type t, uint8_t *row, int64_t n) {
    const llml_type_info *ti = llml_type_get_info(t);
    int64_t i, nb = n / ti->block_size;
    size_t k;
    if (t == LLML_TYPE_F32 || t == LLML_TYPE_F16 || t == LLML_TYPE_BF16) {
        for (i = 0; i < n; i++) {
            float v = rndn();
            if (t == LLML_TYPE_F32) memcpy(row + 4 * i, &v, 4);
            else {
                uint16_t h = t == LLML_TYPE_F16 ? llml_fp32_to_fp16(v) : llml_fp32_to_bf16(v);
                memcpy(row + 2 * i, &h, 2);
            }
        }
        return;
    }
    if (t == LLML_TYPE_IQ1_M || t == LLML_TYPE_Q8_K) {  /* no plain fp16 field: quantize */
        float *x = (float *)malloc((size_t)n * sizeof(float));
        for (i = 0; i < n; i++) x[i] = rndn();
        llml_quantize_rows(t, x, row, 1, n, NULL);
        free(x);
        return;
    }
    for (k = 0; k < llml_row_size(t, n); k++) row[k] = (uint8_t)rnd();
    for (k = 0; k < sizeof wfmts / sizeof wfmts[0]; k++) {
        if (wfmts[k].type != t) continue;
        for (i = 0; i < nb; i++) {
            int f;
            for (f = 0; f < 3 && wfmts[k].fp16_at[f] >= 0; f++) {
                uint8_t *p = row + (size_t)i * (size_t)ti->type_size + (size_t)wfmts[k].fp16_at[f];
                float v = rndf() * 0.09f;   /* separate steps: no fused multiply-add (clang) and */
                uint16_t h;                 /* a fixed order of the rnd() calls: the same data   */
                v += 0.01f;                 /* with every compiler (test_kern --bits)            */
                if (rnd() & 1) v = -v;
                h = llml_fp32_to_fp16(v);
                p[0] = (uint8_t)h; p[1] = (uint8_t)(h >> 8);
            }
        }
    }
}

/* Per-format bound on |simd - scalar| / sum|w a|. */
static double bound(llml_type t) {
    (void)t;
    return 2e-6;
}

static int cmp_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (a[i] != b[i]) return (int)i;
    return -1;
}

static const char *tname(llml_type t) { return llml_type_get_info(t)->name; }

/* 1. matrix products of one format at one level. */
static void test_mm(const llml__kern *ref, const llml__kern *k, llml_isa isa, llml_type t, int quick) {
    const llml_type_info *ti = llml_type_get_info(t);
    const llml_type vt = ti->vec_dot_type;
    const int64_t bs = ti->block_size, abs_ = llml_type_get_info(vt)->block_size;
    const int64_t unit = bs > abs_ ? bs : abs_;
    int64_t ns[5];
    static const int64_t rts[4] = { 1, 3, 7, 17 };
    int ni, nn = 0, ri, ti_, cases = 0, bad = 0;
    double worst = 0.0;
    if (unit == 1) { ns[nn++] = 1; ns[nn++] = 7; ns[nn++] = 33; ns[nn++] = 259; ns[nn++] = quick ? 1000 : 4099; }
    else if (unit == 32) { ns[nn++] = 32; ns[nn++] = 96; ns[nn++] = 544; ns[nn++] = quick ? 1024 : 4096; }
    else { ns[nn++] = 256; ns[nn++] = 768; ns[nn++] = quick ? 1024 : 4096; }
    for (ni = 0; ni < nn; ni++) {
        const int64_t n = ns[ni];
        for (ri = 0; ri < 4; ri++) {
            for (ti_ = 0; ti_ < 4; ti_++) {
                const int64_t nr = rts[ri], nt = rts[ti_];
                const size_t wrow = llml_row_size(t, n), arow = llml_row_size(vt, n);
                const size_t ws = wrow + (size_t)(ri * 4), as = arow + (size_t)(ti_ * 4), os = (size_t)nr + 3;
                uint8_t *w, *a;
                float *x, *wd, *ad, *o_ref, *o;
                int64_t r, j, e;
                if (n >= 1000 && nr * nt > 21) continue;  /* keep the large rows cheap */
                w = (uint8_t *)malloc(ws * (size_t)nr);
                a = (uint8_t *)malloc(as * (size_t)nt);
                x = (float *)malloc((size_t)n * sizeof(float));
                wd = (float *)malloc((size_t)(n * nr) * sizeof(float));
                ad = (float *)malloc((size_t)(n * nt) * sizeof(float));
                o_ref = (float *)malloc(os * (size_t)nt * sizeof(float));
                o = (float *)malloc(os * (size_t)nt * sizeof(float));
                for (r = 0; r < nr; r++) {
                    size_t q;
                    make_row(t, w + (size_t)r * ws, n);
                    for (q = wrow; q < ws; q++) w[(size_t)r * ws + q] = (uint8_t)rnd();
                    llml_dequantize_row(t, w + (size_t)r * ws, wd + r * n, n);
                }
                for (j = 0; j < nt; j++) {
                    float sc = (j % 3 == 2) ? 1e-3f : (j % 3 == 1 ? 30.0f : 1.0f);
                    for (e = 0; e < n; e++) x[e] = rndn() * sc;
                    ref->actq[vt](x, a + (size_t)j * as, n);
                    memset(a + (size_t)j * as + arow, 0xa5, as - arow);
                    llml_dequantize_row(vt, a + (size_t)j * as, ad + j * n, n);
                }
                for (e = 0; e < (int64_t)(os * (size_t)nt); e++) { o_ref[e] = NAN; o[e] = NAN; }
                ref->mm[t](t, n, w, ws, nr, a, as, nt, o_ref, os);
                k->mm[t](t, n, w, ws, nr, a, as, nt, o, os);
                for (j = 0; j < nt; j++) {
                    for (r = 0; r < (int64_t)os; r++) {
                        const float g = o[(size_t)j * os + (size_t)r];
                        if (r >= nr) {
                            if (!(g != g)) { bad++; if (bad < 5) fprintf(stderr, "  %s %s: wrote outside the output at t=%d r=%d\n", llml_isa_name(isa), tname(t), (int)j, (int)r); }
                            continue;
                        }
                        {
                            double sabs = 0.0, err;
                            for (e = 0; e < n; e++) sabs += fabs((double)wd[r * n + e] * (double)ad[j * n + e]);
                            err = fabs((double)g - (double)o_ref[(size_t)j * os + (size_t)r]) / (sabs + 1e-30);
                            if (g != g || err > bound(t)) {
                                bad++;
                                if (bad < 5) fprintf(stderr, "  %s %s n=%d nr=%d nt=%d r=%d t=%d: got %.9g, scalar %.9g (rel %.3g)\n",
                                                     llml_isa_name(isa), tname(t), (int)n, (int)nr, (int)nt, (int)r, (int)j,
                                                     g, o_ref[(size_t)j * os + (size_t)r], err);
                            }
                            if (err > worst) worst = err;
                            cases++;
                        }
                    }
                }
                free(w); free(a); free(x); free(wd); free(ad); free(o_ref); free(o);
            }
        }
    }
    CHECK(bad == 0, "%s mm %s: %d of %d results off", llml_isa_name(isa), tname(t), bad, cases);
    printf("  %-12s mm %-8s %5d results, max rel err %.2e (bound %.0e)\n", llml_isa_name(isa), tname(t), cases, worst, bound(t));
}

/* 1b. the prompt GEMM of one format at one level: activations written by
   k->gq from the same float rows that the scalar reference quantizes; sizes
   that cross the 16-row panels, the 8/4/2/1-row tiles and the packed column
   chunks (LLML__GK); outputs poisoned, gaps must stay NaN; and a product
   over a sub-range of rows and activation rows (as a thread gets) must give
   the same bits as the whole. */
static void test_gemm(const llml__kern *ref, const llml__kern *k, llml_isa isa, llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    const llml_type vt = ti->vec_dot_type;
    int64_t ns[6];
    static const int64_t nrs[5] = { 1, 5, 16, 17, 41 }, nts[5] = { 1, 3, 8, 13, 23 };
    int ni, nn = 0, ri, ti_, cases = 0, bad = 0, split_bad = 0, mm_bad = 0, il_bad = 0, il_cases = 0;
    double worst = 0.0;
    /* 896 and 1184: a last chunk of 28 and 5 blocks (the AVX-512 mv kernels' groups of 4
       blocks, the last with a masked load, and a block after them) */
    if (ti->block_size == 32) { ns[nn++] = 32; ns[nn++] = 96; ns[nn++] = 896; ns[nn++] = 1056; ns[nn++] = 1184; ns[nn++] = 2080; }
    else { ns[nn++] = 256; ns[nn++] = 768; ns[nn++] = 1280; ns[nn++] = 2304; }
    for (ni = 0; ni < nn; ni++) {
        const int64_t n = ns[ni];
        for (ri = 0; ri < 5; ri++) {
            for (ti_ = 0; ti_ < 5; ti_++) {
                const int64_t nr = nrs[ri], nt = nts[ti_];
                const size_t wrow = llml_row_size(t, n), arow = llml_row_size(vt, n), grow = llml__gq_bytes(t, n);
                const size_t ws = wrow + (size_t)(ri * 4), as = arow + 4, gs = grow + (size_t)(ti_ * 4), os = (size_t)nr + 3;
                uint8_t *w, *a, *g;
                float *x, *wd, *ad, *o_ref, *o, *o2;
                int64_t r, j, e;
                w = (uint8_t *)malloc(ws * (size_t)nr);
                a = (uint8_t *)malloc(as * (size_t)nt);
                g = (uint8_t *)malloc(gs * (size_t)nt);
                x = (float *)malloc((size_t)n * sizeof(float));
                wd = (float *)malloc((size_t)(n * nr) * sizeof(float));
                ad = (float *)malloc((size_t)(n * nt) * sizeof(float));
                o_ref = (float *)malloc(os * (size_t)nt * sizeof(float));
                o = (float *)malloc(os * (size_t)nt * sizeof(float));
                o2 = (float *)malloc(os * (size_t)nt * sizeof(float));
                for (r = 0; r < nr; r++) {
                    size_t q;
                    make_row(t, w + (size_t)r * ws, n);
                    for (q = wrow; q < ws; q++) w[(size_t)r * ws + q] = (uint8_t)rnd();
                    llml_dequantize_row(t, w + (size_t)r * ws, wd + r * n, n);
                }
                for (j = 0; j < nt; j++) {
                    float sc = (j % 3 == 2) ? 1e-3f : (j % 3 == 1 ? 30.0f : 1.0f);
                    for (e = 0; e < n; e++) x[e] = rndn() * sc;
                    ref->actq[vt](x, a + (size_t)j * as, n);
                    llml_dequantize_row(vt, a + (size_t)j * as, ad + j * n, n);
                    memset(g + (size_t)j * gs, 0x5a, gs);
                    k->gq[t](x, g + (size_t)j * gs, n);
                }
                for (e = 0; e < (int64_t)(os * (size_t)nt); e++) { o_ref[e] = NAN; o[e] = NAN; o2[e] = NAN; }
                ref->mm[t](t, n, w, ws, nr, a, as, nt, o_ref, os);
                k->gemm[t](t, n, w, ws, nr, g, gs, nt, o, os);
                for (j = 0; j < nt; j++) {
                    for (r = 0; r < (int64_t)os; r++) {
                        const float v = o[(size_t)j * os + (size_t)r];
                        double sabs = 0.0, err;
                        if (r >= nr) {
                            if (!(v != v)) { bad++; if (bad < 5) fprintf(stderr, "  %s gemm %s: wrote outside the output at t=%d r=%d\n", llml_isa_name(isa), tname(t), (int)j, (int)r); }
                            continue;
                        }
                        for (e = 0; e < n; e++) sabs += fabs((double)wd[r * n + e] * (double)ad[j * n + e]);
                        err = fabs((double)v - (double)o_ref[(size_t)j * os + (size_t)r]) / (sabs + 1e-30);
                        if (v != v || err > bound(t)) {
                            bad++;
                            if (bad < 5) fprintf(stderr, "  %s gemm %s n=%d nr=%d nt=%d r=%d t=%d: got %.9g, scalar %.9g (rel %.3g)\n",
                                                 llml_isa_name(isa), tname(t), (int)n, (int)nr, (int)nt, (int)r, (int)j,
                                                 v, o_ref[(size_t)j * os + (size_t)r], err);
                        }
                        if (err > worst) worst = err;
                        cases++;
                    }
                }
                /* mm on the same rows (Q8_0 / Q8_K blocks of the same floats):
                   the same bits, so that a token's results do not depend on
                   whether it is computed alone or within a prompt */
                for (e = 0; e < (int64_t)(os * (size_t)nt); e++) o2[e] = NAN;
                k->mm[t](t, n, w, ws, nr, a, as, nt, o2, os);
                for (j = 0; j < nt; j++)
                    for (r = 0; r < nr; r++)
                        if (memcmp(&o2[(size_t)j * os + (size_t)r], &o[(size_t)j * os + (size_t)r], 4) != 0) {
                            mm_bad++;
                            if (mm_bad < 5) fprintf(stderr, "  %s gemm %s n=%d nr=%d nt=%d r=%d t=%d: gemm %.9g, mm %.9g\n", llml_isa_name(isa), tname(t),
                                                    (int)n, (int)nr, (int)nt, (int)r, (int)j, o[(size_t)j * os + (size_t)r], o2[(size_t)j * os + (size_t)r]);
                        }
                for (e = 0; e < (int64_t)(os * (size_t)nt); e++) o2[e] = NAN;
                /* rows [16, nr) x activation rows [nt / 2, nt): the same bits */
                if (nr > 16) {
                    const int64_t t1 = nt / 2;
                    k->gemm[t](t, n, w + 16 * ws, ws, nr - 16, g + (size_t)t1 * gs, gs, nt - t1, o2 + (size_t)t1 * os + 16, os);
                    for (j = 0; j < nt; j++)
                        for (r = 0; r < (int64_t)os; r++) {
                            const float v2 = o2[(size_t)j * os + (size_t)r];
                            if (j >= t1 && r >= 16 && r < nr) {
                                if (memcmp(&v2, &o[(size_t)j * os + (size_t)r], 4) != 0) split_bad++;
                            } else if (!(v2 != v2)) {
                                split_bad++;
                            }
                        }
                }
                /* the interleaved layout (llml__il_pack of the rows without
                   their padding): mmi and gemmi give mm's and gemm's bits, on
                   all rows and on rows [16, nr) (a thread's range starts at
                   a panel), and write nothing else */
                if (k->mmi[t] && k->gemmi[t]) {
                    /* the 64 bytes after the matrix the kernels may read (llml__il_bytes) */
                    uint8_t *wt = (uint8_t *)malloc(wrow * (size_t)nr), *wi = (uint8_t *)malloc(llml__il_bytes(t, nr, wrow));
                    int pass;
                    for (r = 0; r < nr; r++) memcpy(wt + (size_t)r * wrow, w + (size_t)r * ws, wrow);
                    memset(wi, 0xee, llml__il_bytes(t, nr, wrow));
                    llml__il_pack(t, wt, wi, nr, wrow);
                    for (pass = 0; pass < 4; pass++) {
                        const int gm = pass & 1, sub = pass >> 1;
                        const int64_t r0 = sub ? 16 : 0;
                        if (sub && nr <= 16) continue;
                        for (e = 0; e < (int64_t)(os * (size_t)nt); e++) o2[e] = NAN;
                        if (gm) k->gemmi[t](t, n, wi + (size_t)r0 * wrow, wrow, nr - r0, g, gs, nt, o2 + r0, os);
                        else k->mmi[t](t, n, wi + (size_t)r0 * wrow, wrow, nr - r0, a, as, nt, o2 + r0, os);
                        for (j = 0; j < nt; j++)
                            for (r = 0; r < (int64_t)os; r++) {
                                const float v2 = o2[(size_t)j * os + (size_t)r];
                                if (r >= r0 && r < nr) {
                                    if (memcmp(&v2, &o[(size_t)j * os + (size_t)r], 4) != 0) {
                                        il_bad++;
                                        if (il_bad < 5) fprintf(stderr, "  %s %s %s n=%d nr=%d nt=%d r=%d t=%d: %.9g, file's layout %.9g\n",
                                                                llml_isa_name(isa), gm ? "gemmi" : "mmi", tname(t), (int)n, (int)nr, (int)nt,
                                                                (int)r, (int)j, v2, o[(size_t)j * os + (size_t)r]);
                                    }
                                } else if (!(v2 != v2)) {
                                    il_bad++;
                                }
                            }
                        il_cases++;
                    }
                    free(wt); free(wi);
                }
                free(w); free(a); free(g); free(x); free(wd); free(ad); free(o_ref); free(o); free(o2);
            }
        }
    }
    if (k->mmi[t] || k->gemmi[t]) {
        CHECK(k->mmi[t] && k->gemmi[t], "%s %s: mmi and gemmi come together", llml_isa_name(isa), tname(t));
        CHECK(il_bad == 0 && il_cases > 0, "%s %s interleaved: %d results differ from the file's layout (%d products)",
              llml_isa_name(isa), tname(t), il_bad, il_cases);
        printf("  %-12s mmi/gemmi %-6s %d products on the interleaved layout, same bits as mm/gemm\n", llml_isa_name(isa), tname(t), il_cases);
    }
    CHECK(bad == 0, "%s gemm %s: %d of %d results off", llml_isa_name(isa), tname(t), bad, cases);
    CHECK(mm_bad == 0, "%s gemm %s: %d results differ from mm's", llml_isa_name(isa), tname(t), mm_bad);
    CHECK(split_bad == 0, "%s gemm %s: %d results differ (or written outside) on a sub-range of rows", llml_isa_name(isa), tname(t), split_bad);
    printf("  %-12s gemm %-6s %5d results, max rel err %.2e (bound %.0e)\n", llml_isa_name(isa), tname(t), cases, worst, bound(t));
}

/* 1d. Between levels: where two levels both have a prompt GEMM for a format
   (AVX2 and AVX-512 on x86; NEON, dotprod and i8mm on AArch64), their integer sums are exact and their float
   steps the same, so the GEMM and the mm entries of both give the same bits:
   a model's outputs do not depend on the CPU generation. */
LLML__UNUSED static void test_levels_same(const llml__kern *a, const llml__kern *b, llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    const int64_t n = ti->block_size == 32 ? 2080 : 2304, nr = 19, nt = 9;
    const size_t ws = llml_row_size(t, n), as = llml_row_size(ti->vec_dot_type, n), gs = llml__gq_bytes(t, n);
    uint8_t *w = (uint8_t *)malloc(ws * (size_t)nr), *ac = (uint8_t *)malloc(as * (size_t)nt), *g = (uint8_t *)malloc(gs * (size_t)nt);
    float *x = (float *)malloc((size_t)n * sizeof(float)), *o[4];
    int64_t r, j, e;
    int k, diff = 0;
    for (k = 0; k < 4; k++) o[k] = (float *)malloc((size_t)(nr * nt) * sizeof(float));
    for (r = 0; r < nr; r++) make_row(t, w + (size_t)r * ws, n);
    for (j = 0; j < nt; j++) {
        for (e = 0; e < n; e++) x[e] = rndn() * (j == 3 ? 40.0f : 1.0f);
        a->actq[ti->vec_dot_type](x, ac + (size_t)j * as, n);
        a->gq[t](x, g + (size_t)j * gs, n);
    }
    a->gemm[t](t, n, w, ws, nr, g, gs, nt, o[0], (size_t)nr);
    b->gemm[t](t, n, w, ws, nr, g, gs, nt, o[1], (size_t)nr);
    a->mm[t](t, n, w, ws, nr, ac, as, nt, o[2], (size_t)nr);
    b->mm[t](t, n, w, ws, nr, ac, as, nt, o[3], (size_t)nr);
    for (k = 1; k < 4; k++) diff += memcmp(o[0], o[k], (size_t)(nr * nt) * sizeof(float)) != 0;
    CHECK(diff == 0, "%s: gemm and mm of levels %s and %s are not the same bits (%d of 3 differ)", tname(t),
          llml_isa_name(a->level), llml_isa_name(b->level), diff);
    for (k = 0; k < 4; k++) free(o[k]);
    free(w); free(ac); free(g); free(x);
}

/* 1c. attention's weighted sums of value rows (wsum) and the SwiGLU
   activation (silu_mul) against the scalar versions: every size from one
   column, value rows at padded strides, outputs poisoned and the float
   after them checked untouched. */
static void test_wsum(const llml__kern *ref, const llml__kern *k, llml_isa isa, llml_type t) {
    static const int64_t nks[4] = { 1, 5, 37, 130 }, ns[6] = { 1, 7, 32, 64, 80, 128 };
    int a, b, bad = 0, cases = 0;
    double worst = 0.0;
    for (a = 0; a < 4; a++) {
        for (b = 0; b < 6; b++) {
            const int64_t nk = nks[a], n = ns[b];
            const size_t vs = llml_row_size(t, n) + 6;
            uint8_t *v = (uint8_t *)malloc(vs * (size_t)nk);
            float *p = (float *)malloc((size_t)nk * sizeof(float)), *o = (float *)malloc((size_t)(n + 1) * sizeof(float));
            float *o_ref = (float *)malloc((size_t)(n + 1) * sizeof(float)), *tmp = (float *)malloc((size_t)n * sizeof(float));
            float *vd = (float *)malloc((size_t)(n * nk) * sizeof(float));
            int64_t j, d;
            for (j = 0; j < nk; j++) {
                make_row(t, v + (size_t)j * vs, n);
                llml_dequantize_row(t, v + (size_t)j * vs, vd + j * n, n);
                p[j] = rndf();
            }
            for (d = 0; d <= n; d++) { o[d] = NAN; o_ref[d] = NAN; }
            ref->wsum[t](t, o_ref, v, vs, p, nk, n, tmp);
            k->wsum[t](t, o, v, vs, p, nk, n, tmp);
            if (!(o[n] != o[n])) bad++;
            for (d = 0; d < n; d++) {
                double sabs = 0.0, err;
                for (j = 0; j < nk; j++) sabs += fabs((double)p[j] * vd[j * n + d]);
                err = fabs((double)o[d] - o_ref[d]) / (sabs + 1e-30);
                if (o[d] != o[d] || err > 1e-6) {
                    bad++;
                    if (bad < 5) fprintf(stderr, "  %s wsum %s nk=%d n=%d d=%d: got %.9g, scalar %.9g\n", llml_isa_name(isa), tname(t), (int)nk, (int)n, (int)d, o[d], o_ref[d]);
                }
                if (err > worst) worst = err;
                cases++;
            }
            free(v); free(p); free(o); free(o_ref); free(tmp); free(vd);
        }
    }
    CHECK(bad == 0, "%s wsum %s: %d of %d results off", llml_isa_name(isa), tname(t), bad, cases);
    printf("  %-12s wsum %-6s %5d results, max rel err %.2e (bound 1e-06)\n", llml_isa_name(isa), tname(t), cases, worst);
}

static void test_silu(const llml__kern *ref, const llml__kern *k, llml_isa isa) {
    static const float specials[] = { 0.0f, -0.0f, 1e-30f, -1e-30f, 87.0f, -87.0f, 88.5f, -88.5f, 89.0f, -89.0f, 100.0f, -100.0f,
                                      1e30f, -1e30f, 3e38f, -3e38f, 20.0f, -20.0f, 0.5f, -0.5f };
    const int n = 1000;
    float *g = (float *)malloc((n + 1) * sizeof(float)), *g_ref = (float *)malloc((n + 1) * sizeof(float));
    float *u = (float *)malloc(n * sizeof(float));
    int len, i, bad = 0, cases = 0;
    double worst = 0.0;
    for (len = 1; len <= n; len = len < 20 ? len + 1 : len * 3) {
        for (i = 0; i < len; i++) {
            const int kind = (int)(rnd() % 4);
            g[i] = kind == 0 ? rndn() : kind == 1 ? rndn() * 10.0f : kind == 2 ? rndn() * 40.0f
                 : specials[rnd() % (sizeof specials / sizeof specials[0])];
            u[i] = rndn();
        }
        if (len > 3) g[len / 2] = NAN;
        memcpy(g_ref, g, (size_t)len * sizeof(float));
        g[len] = g_ref[len] = NAN;
        ref->silu_mul(g_ref, u, len);
        k->silu_mul(g, u, len);
        if (!(g[len] != g[len])) bad++;
        for (i = 0; i < len; i++) {
            double err;
            cases++;
            if (g_ref[i] != g_ref[i] || g[i] != g[i]) { if ((g_ref[i] != g_ref[i]) != (g[i] != g[i])) bad++; continue; }
            err = fabs((double)g[i] - g_ref[i]);
            if (err > 1e-37) err /= fabs((double)g_ref[i]) + 1e-37;
            if (err > 2e-6) {
                bad++;
                if (bad < 5) fprintf(stderr, "  %s silu_mul: got %.9g, scalar %.9g\n", llml_isa_name(isa), g[i], g_ref[i]);
            }
            if (err > worst) worst = err;
        }
    }
    CHECK(bad == 0, "%s silu_mul: %d of %d results off", llml_isa_name(isa), bad, cases);
    printf("  %-12s silu_mul    %5d results, max rel err %.2e (bound 2e-06)\n", llml_isa_name(isa), cases, worst);
    free(g); free(g_ref); free(u);
}

/* Attention's softmax numerators (expsum) against the scalar version: each
   e^(s - max) within 2e-6 relative (or 1.3e-38 absolute, where expf is
   below the normal range), NaN kept, the sum within 1e-6, the float after
   the row untouched. */
static void test_expsum(const llml__kern *ref, const llml__kern *k, llml_isa isa) {
    const int n = 3000;
    float *s = (float *)malloc((n + 1) * sizeof(float)), *s_ref = (float *)malloc((n + 1) * sizeof(float));
    int len, i, bad = 0, cases = 0;
    double worst = 0.0;
    for (len = 1; len <= n; len = len < 20 ? len + 1 : len * 3) {
        float mx = -INFINITY;
        double sum, sum_ref;
        for (i = 0; i < len; i++) {
            const int kind = (int)(rnd() % 4);
            s[i] = kind == 0 ? rndn() : kind == 1 ? rndn() * 10.0f : kind == 2 ? rndn() * 60.0f : -100.0f - 50.0f * rndf();
            if (s[i] > mx) mx = s[i];
        }
        memcpy(s_ref, s, (size_t)len * sizeof(float));
        s[len] = s_ref[len] = NAN;
        sum_ref = ref->expsum(s_ref, len, mx);
        sum = k->expsum(s, len, mx);
        if (!(s[len] != s[len])) bad++;
        for (i = 0; i < len; i++) {
            double err = fabs((double)s[i] - s_ref[i]);
            cases++;
            if (err > 1.3e-38) err /= fabs((double)s_ref[i]) + 1e-37;
            else err = 0.0;
            if (err > 2e-6) {
                bad++;
                if (bad < 5) fprintf(stderr, "  %s expsum: got %.9g, scalar %.9g\n", llml_isa_name(isa), s[i], s_ref[i]);
            }
            if (err > worst) worst = err;
        }
        if (fabs(sum - sum_ref) > 1e-6 * sum_ref) { bad++; fprintf(stderr, "  %s expsum: sum %.17g, scalar %.17g\n", llml_isa_name(isa), sum, sum_ref); }
        if (len > 3) {   /* a NaN score makes its value and the sum NaN, as expf does */
            s[len / 2] = NAN;
            sum = k->expsum(s, len, 0.0f);
            if (!(s[len / 2] != s[len / 2]) || !(sum != sum)) bad++;
        }
    }
    CHECK(bad == 0, "%s expsum: %d of %d results off", llml_isa_name(isa), bad, cases);
    printf("  %-12s expsum      %5d results, max rel err %.2e (bound 2e-06)\n", llml_isa_name(isa), cases, worst);
    free(s); free(s_ref);
}

/* The RMS norm and the rotary embedding against the scalar versions: norm
   within 1e-6 relative (the double sums differ only in order), rotation
   within 1e-6 of |x0 c| + |x1 s| (the same products; a compiler may fuse
   the scalar ones); in place and not, with and without weights, partial
   rotation (n_rot < head size), both pair layouts, the float after the
   rows untouched. */
static void test_norm_rope(const llml__kern *ref, const llml__kern *k, llml_isa isa) {
    static const int ns[] = { 1, 7, 8, 9, 64, 100, 2048, 2053 };
    static const int hds[][2] = { { 64, 64 }, { 128, 128 }, { 128, 64 }, { 80, 80 }, { 96, 32 }, { 12, 12 }, { 40, 20 } };
    float *x = (float *)malloc(2100 * sizeof(float)), *y = (float *)malloc(2101 * sizeof(float));
    float *yr = (float *)malloc(2101 * sizeof(float)), *w = (float *)malloc(2100 * sizeof(float));
    float cs[64], sn[64];
    int a, b, i, bad = 0, cases = 0;
    double worst = 0.0;
    for (a = 0; a < (int)(sizeof ns / sizeof ns[0]); a++) {
        const int n = ns[a];
        for (b = 0; b < 3; b++) {   /* 0: weights, 1: no weights, 2: weights, in place */
            for (i = 0; i < n; i++) { x[i] = rndn() * (a % 2 ? 30.0f : 0.01f); w[i] = rndn(); }
            y[n] = yr[n] = NAN;
            ref->rmsnorm(yr, x, b == 1 ? NULL : w, n, 1e-5f);
            if (b == 2) { memcpy(y, x, (size_t)n * sizeof(float)); k->rmsnorm(y, y, w, n, 1e-5f); }
            else k->rmsnorm(y, x, b == 1 ? NULL : w, n, 1e-5f);
            if (!(y[n] != y[n])) bad++;
            for (i = 0; i < n; i++) {
                const double err = fabs((double)y[i] - yr[i]) / (fabs((double)yr[i]) + 1e-30);
                cases++;
                if (err > 1e-6 || y[i] != y[i]) { bad++; if (bad < 5) fprintf(stderr, "  %s rmsnorm n=%d: got %.9g, scalar %.9g\n", llml_isa_name(isa), n, y[i], yr[i]); }
                if (err > worst) worst = err;
            }
        }
    }
    for (a = 0; a < (int)(sizeof hds / sizeof hds[0]); a++) {
        const int hd = hds[a][0], n_rot = hds[a][1], nh = 3;
        for (b = 0; b < 2; b++) {
            for (i = 0; i < n_rot / 2; i++) { const float t = rndn() * 3.0f; cs[i] = cosf(t); sn[i] = sinf(t); }
            for (i = 0; i < nh * hd; i++) x[i] = rndn() * 5.0f;
            memcpy(y, x, (size_t)(nh * hd) * sizeof(float));
            memcpy(yr, x, (size_t)(nh * hd) * sizeof(float));
            y[nh * hd] = yr[nh * hd] = NAN;
            ref->rope(yr, nh, hd, n_rot, b, cs, sn);
            k->rope(y, nh, hd, n_rot, b, cs, sn);
            if (!(y[nh * hd] != y[nh * hd])) bad++;
            for (i = 0; i < nh * hd; i++) {
                const int e = i % hd, j = b ? e % (n_rot / 2) : e / 2;
                const int p0 = b ? (e < n_rot / 2 ? i : i - n_rot / 2) : i - (e % 2);
                const int p1 = b ? p0 + n_rot / 2 : p0 + 1;
                double err, mag;
                cases++;
                if (e >= n_rot) { if (memcmp(&y[i], &x[i], 4) != 0) bad++; continue; }
                mag = fabs((double)x[p0] * cs[j]) + fabs((double)x[p1] * sn[j]) + fabs((double)x[p0] * sn[j]) + fabs((double)x[p1] * cs[j]);
                err = fabs((double)y[i] - yr[i]) / (mag + 1e-30);
                if (err > 1e-6) { bad++; if (bad < 5) fprintf(stderr, "  %s rope hd=%d n_rot=%d neox=%d i=%d: got %.9g, scalar %.9g\n", llml_isa_name(isa), hd, n_rot, b, i, y[i], yr[i]); }
                if (err > worst) worst = err;
            }
        }
    }
    CHECK(bad == 0, "%s rmsnorm / rope: %d of %d results off", llml_isa_name(isa), bad, cases);
    printf("  %-12s norm, rope  %5d results, max rel err %.2e (bound 1e-06)\n", llml_isa_name(isa), cases, worst);
    free(x); free(y); free(yr); free(w);
}

/* Input blocks for the activation quantizers: random scales, ties, specials. */
static void make_act(float *x, int64_t n, int kind) {
    int64_t i;
    for (i = 0; i < n; i++) x[i] = rndn();
    switch (kind) {
    case 0: break;
    case 1: /* per 32 and per 256: the largest magnitude 127 (d = 1 / -1), halves elsewhere */
        for (i = 0; i < n; i++) x[i] = (float)((int)(rnd() % 253) - 126) + ((rnd() & 1) ? 0.5f : 0.0f);
        for (i = 0; i + 32 <= n; i += 32) x[i + (rnd() % 32)] = (rnd() & 1) ? 127.0f : -127.0f;
        break;
    case 2: /* zero blocks, sign ties of the largest magnitude, subnormals, huge values */
        for (i = 0; i < n; i++) {
            uint32_t u = rnd() % 16;
            if (u == 0) x[i] = 1e-40f;
            else if (u == 1) x[i] = -3e-39f;
            else if (u == 2) x[i] = 6e4f * (rnd() & 1 ? 1 : -1);
            else if (u == 3) x[i] = 1e30f;
        }
        for (i = 0; i + 256 <= n; i += 512) memset(x + i, 0, 256 * sizeof(float));
        for (i = 256; i + 256 <= n; i += 512) {
            int64_t e;
            for (e = 0; e < 256; e++) x[i + e] = rndn();
            x[i + 3] = -200.0f; x[i + 9] = 200.0f; x[i + 40] = -200.0f;
        }
        break;
    default: /* NaN and inf */
        for (i = 0; i < n; i += 97) x[i] = (i / 97) % 2 ? NAN : -NAN;
        for (i = 50; i < n; i += 301) x[i] = (i / 301) % 2 ? INFINITY : -INFINITY;
        break;
    }
}

/* 2. activation quantizers, byte for byte. */
static void test_actq(const llml__kern *ref, const llml__kern *k, llml_isa isa, llml_type vt) {
    static const int64_t ns[4] = { 256, 512, 1024, 4096 };
    static const int64_t nf[4] = { 1, 7, 33, 1001 };
    const int plain = vt == LLML_TYPE_F16 || vt == LLML_TYPE_BF16 || vt == LLML_TYPE_F32;
    int ni, kind, bad = 0, runs = 0;
    for (ni = 0; ni < 4; ni++) {
        const int64_t n = plain ? nf[ni] : ns[ni];
        for (kind = 0; kind < 4; kind++) {
            const size_t sz = llml_row_size(vt, n);
            float *x = (float *)malloc((size_t)n * sizeof(float));
            uint8_t *q0 = (uint8_t *)malloc(sz + 8), *q1 = (uint8_t *)malloc(sz + 8);
            int at;
            make_act(x, n, kind);
            memset(q0, 0x5a, sz + 8); memset(q1, 0x5a, sz + 8);
            ref->actq[vt](x, q0, n);
            k->actq[vt](x, q1, n);
            at = cmp_bytes(q0, q1, sz + 8);
            runs++;
            if (at >= 0) {
                bad++;
                fprintf(stderr, "  %s actq %s n=%d kind=%d: byte %d differs (%02x scalar, %02x simd)\n",
                        llml_isa_name(isa), tname(vt), (int)n, kind, at, q0[at], q1[at]);
            }
            free(x); free(q0); free(q1);
        }
    }
    CHECK(bad == 0, "%s actq %s: %d of %d runs differ", llml_isa_name(isa), tname(vt), bad, runs);
}

/* --bits: one line per format with a prompt GEMM at the best level, the
   FNV-1a hash of its gemm outputs on fixed data (the mm entry must give the
   same bits). tests/kern_arm.sh compares these lines between the AArch64
   build and the native x86-64 one: every level of both gives the same bits. */
static int print_bits(void) {
    llml__kern k;
    int t, bad = 0;
    llml__kern_init(&k, 0);
    for (t = 0; t < LLML_TYPE_COUNT; t++) {
        const llml_type ty = (llml_type)t;
        const llml_type_info *ti;
        int64_t n, nr = 19, nt = 9, r, j, e;
        size_t ws, as, gs, i;
        uint8_t *w, *ac, *g;
        float *x, *o1, *o2;
        uint64_t h = 1469598103934665603ull;
        if (!k.gemm[t]) continue;
        ti = llml_type_get_info(ty);
        n = ti->block_size == 32 ? 2080 : 2304;
        ws = llml_row_size(ty, n); as = llml_row_size(ti->vec_dot_type, n); gs = llml__gq_bytes(ty, n);
        rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)t;
        w = (uint8_t *)malloc(ws * (size_t)nr); ac = (uint8_t *)malloc(as * (size_t)nt); g = (uint8_t *)malloc(gs * (size_t)nt);
        x = (float *)malloc((size_t)n * sizeof(float));
        o1 = (float *)malloc((size_t)(nr * nt) * sizeof(float)); o2 = (float *)malloc((size_t)(nr * nt) * sizeof(float));
        for (r = 0; r < nr; r++) make_row(ty, w + (size_t)r * ws, n);
        for (j = 0; j < nt; j++) {
            for (e = 0; e < n; e++) x[e] = rndn() * (j == 3 ? 40.0f : j == 5 ? 1e-3f : 1.0f);
            k.actq[ti->vec_dot_type](x, ac + (size_t)j * as, n);
            k.gq[t](x, g + (size_t)j * gs, n);
        }
        k.gemm[t](ty, n, w, ws, nr, g, gs, nt, o1, (size_t)nr);
        k.mm[t](ty, n, w, ws, nr, ac, as, nt, o2, (size_t)nr);
        if (memcmp(o1, o2, (size_t)(nr * nt) * sizeof(float)) != 0) bad++;
        for (i = 0; i < (size_t)(nr * nt) * sizeof(float); i++) { h ^= ((const uint8_t *)o1)[i]; h *= 1099511628211ull; }
        printf("bits %s %016llx%s\n", tname(ty), (unsigned long long)h, memcmp(o1, o2, (size_t)(nr * nt) * sizeof(float)) ? " (mm differs)" : "");
        free(w); free(ac); free(g); free(x); free(o1); free(o2);
    }
    return bad != 0;
}

int main(int argc, char **argv) {
    static const llml_isa levels[] = { LLML_ISA_SCALAR, LLML_ISA_AVX2, LLML_ISA_AVX512, LLML_ISA_NEON, LLML_ISA_NEON_DOTPROD,
                                       LLML_ISA_NEON_I8MM };
    static const llml_type acts[] = { LLML_TYPE_F32, LLML_TYPE_F16, LLML_TYPE_BF16, LLML_TYPE_Q8_0, LLML_TYPE_Q8_1, LLML_TYPE_Q8_K };
    const int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    llml__kern ref, k;
    size_t li;
    int t, nsimd_total = 0;
    if (argc > 1 && strcmp(argv[1], "--bits") == 0) return print_bits();
    llml__kern_init_scalar(&ref);

    /* 3. names and caps */
    CHECK(strcmp(llml_isa_name(LLML_ISA_AVX2), "avx2") == 0, "isa name");
    CHECK(strcmp(llml_isa_name((llml_isa)99), "unknown") == 0, "unknown isa name");
    CHECK(llml_isa_supported(LLML_ISA_SCALAR) && llml_isa_supported(LLML_ISA_DEFAULT), "scalar always supported");
    CHECK(llml_isa_supported(llml_isa_best()), "best level supported");
    llml__kern_init(&k, LLML_ISA_SCALAR);
    CHECK(k.level == LLML_ISA_SCALAR && k.isa == 0 && memcmp(k.mm, ref.mm, sizeof ref.mm) == 0, "scalar cap gives the scalar table");
    llml__kern_init(&k, 0);
    CHECK(k.level == llml_isa_best(), "no cap gives the best level (%s vs %s)", llml_isa_name(k.level), llml_isa_name(llml_isa_best()));
    llml__kern_init(&k, 12345);
    CHECK(k.level == LLML_ISA_SCALAR, "an unknown cap gives scalar");
    printf("kern: best level here: %s\n", llml_isa_name(llml_isa_best()));

    for (li = 0; li < sizeof levels / sizeof levels[0]; li++) {
        const llml_isa isa = levels[li];
        int nsimd = 0, ngemm = 0;
        if (isa == LLML_ISA_SCALAR) continue;
        if (!llml_isa_supported(isa)) { printf("kern: level %s: not supported here, skipped\n", llml_isa_name(isa)); continue; }
        llml__kern_init(&k, isa);
        CHECK(k.level == isa, "init at %s gives %s", llml_isa_name(isa), llml_isa_name(k.level));
        printf("kern: level %s\n", llml_isa_name(isa));
        for (t = 0; t < LLML_TYPE_COUNT; t++) {
            if (!ref.mm[t]) { CHECK(!k.mm[t], "mm entry for a type without a dot product"); continue; }
            CHECK(k.mm[t] != NULL, "mm entry %d present", t);
            if (k.mm[t] == ref.mm[t]) continue;
            nsimd++;
            test_mm(&ref, &k, isa, (llml_type)t, quick);
        }
        for (t = 0; t < LLML_TYPE_COUNT; t++) {
            if (!ref.wsum[t]) { CHECK(!k.wsum[t], "wsum entry for a type without dequantization"); continue; }
            CHECK(k.wsum[t] != NULL, "wsum entry %d present", t);
            if (k.wsum[t] != ref.wsum[t]) test_wsum(&ref, &k, isa, (llml_type)t);
        }
        CHECK(k.silu_mul != NULL, "silu_mul entry present");
        if (k.silu_mul != ref.silu_mul) test_silu(&ref, &k, isa);
        CHECK(k.expsum != NULL, "expsum entry present");
        if (k.expsum != ref.expsum) test_expsum(&ref, &k, isa);
        CHECK(k.rmsnorm != NULL && k.rope != NULL, "rmsnorm and rope entries present");
        if (k.rmsnorm != ref.rmsnorm || k.rope != ref.rope) test_norm_rope(&ref, &k, isa);
        for (t = 0; t < LLML_TYPE_COUNT; t++) {
            CHECK(!k.gemm[t] == !k.gq[t], "gemm and gq entries come together");
            if (!k.gemm[t] || !k.gq[t]) continue;
            ngemm++;
            test_gemm(&ref, &k, isa, (llml_type)t);
        }
        for (t = 0; t < (int)(sizeof acts / sizeof acts[0]); t++) {
            CHECK(k.actq[acts[t]] != NULL, "actq entry present");
            if (k.actq[acts[t]] == ref.actq[acts[t]]) continue;
            test_actq(&ref, &k, isa, acts[t]);
        }
        printf("kern: level %s: %d formats with SIMD matrix products, %d with a prompt GEMM\n", llml_isa_name(isa), nsimd, ngemm);
        nsimd_total += nsimd;
    }
#if defined(LLML__X86_512)
    if (llml_isa_supported(LLML_ISA_AVX2) && llml_isa_supported(LLML_ISA_AVX512)) {
        llml__kern k2;
        int nsame = 0;
        llml__kern_init(&k2, LLML_ISA_AVX2);
        llml__kern_init(&k, LLML_ISA_AVX512);
        for (t = 0; t < LLML_TYPE_COUNT; t++)
            if (k2.gemm[t] && k.gemm[t]) { test_levels_same(&k2, &k, (llml_type)t); nsame++; }
        printf("kern: avx2 and avx512 give the same bits for the %d formats that both have a prompt GEMM for\n", nsame);
    }
#elif defined(LLML__ARM)
    if (llml_isa_supported(LLML_ISA_NEON) && llml_isa_supported(LLML_ISA_NEON_DOTPROD)) {
        llml__kern k2;
        int nsame = 0;
        llml__kern_init(&k2, LLML_ISA_NEON);
        llml__kern_init(&k, LLML_ISA_NEON_DOTPROD);
        for (t = 0; t < LLML_TYPE_COUNT; t++)
            if (k2.gemm[t] && k.gemm[t]) { test_levels_same(&k2, &k, (llml_type)t); nsame++; }
        printf("kern: neon and neon-dotprod give the same bits for the %d formats that both have a prompt GEMM for\n", nsame);
    }
    if (llml_isa_supported(LLML_ISA_NEON_DOTPROD) && llml_isa_supported(LLML_ISA_NEON_I8MM)) {
        llml__kern k2;
        int nsame = 0;
        llml__kern_init(&k2, LLML_ISA_NEON_DOTPROD);
        llml__kern_init(&k, LLML_ISA_NEON_I8MM);
        for (t = 0; t < LLML_TYPE_COUNT; t++) {
            CHECK(k.mm[t] == k2.mm[t], "neon-i8mm keeps the neon-dotprod mm entries (type %d)", t);
            if (k2.gemm[t] && k.gemm[t]) { test_levels_same(&k2, &k, (llml_type)t); nsame++; }
        }
        printf("kern: neon-dotprod and neon-i8mm give the same bits for the %d formats that both have a prompt GEMM for\n", nsame);
    }
#endif
    (void)test_levels_same;
    (void)nsimd_total;
    (void)check_testdata;
    return check_summary("kern");
}
