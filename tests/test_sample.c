/* tests/test_sample.c - the sampling chain against independent computations:
   candidate sets of top-k / top-p / min-p / typical recomputed by brute force
   in double precision, penalty arithmetic computed by hand, draw frequencies
   of fixed distributions within statistical bounds, determinism of seeds,
   greedy = argmax, and robustness to NaN / inf logits. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>

/* ---- test helpers (independent of the library) -------------------------- */

static uint32_t rng_state = 12345u;
static uint32_t rnd(void) { rng_state = rng_state * 1664525u + 1013904223u; return rng_state >> 8; }
static double rnd01(void) { return (double)rnd() / 16777216.0; }

static void fill_logits(float *l, int n, double scale) {
    int i;
    for (i = 0; i < n; i++) l[i] = (float)((rnd01() * 2.0 - 1.0) * scale);
}

static int argmax_f(const float *l, int n) {
    int i, b = 0;
    for (i = 1; i < n; i++) if (l[i] > l[b]) b = i;
    return b;
}

/* indices sorted by (value desc, id asc) */
static const double *sort_key;
static int cmp_desc(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (sort_key[i] != sort_key[j]) return sort_key[i] > sort_key[j] ? -1 : 1;
    return i - j;
}
static void order_desc(const double *v, int *idx, int n) {
    int i;
    for (i = 0; i < n; i++) idx[i] = i;
    sort_key = v;
    qsort(idx, (size_t)n, sizeof(int), cmp_desc);
}

static void softmax_d(const double *l, const int *set, int n, double *p) {
    int i;
    double mx = -HUGE_VAL, s = 0.0;
    for (i = 0; i < n; i++) if (l[set[i]] > mx) mx = l[set[i]];
    for (i = 0; i < n; i++) { p[i] = exp(l[set[i]] - mx); s += p[i]; }
    for (i = 0; i < n; i++) p[i] /= s;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* same set of ids? (both sorted in place) */
static int same_set(int *a, int na, int *b, int nb) {
    int i;
    if (na != nb) return 0;
    qsort(a, (size_t)na, sizeof(int), cmp_int);
    qsort(b, (size_t)nb, sizeof(int), cmp_int);
    for (i = 0; i < na; i++) if (a[i] != b[i]) return 0;
    return 1;
}

#define NV 64
#define BIG 4096

static llml_sampler *make(const llml_sampler_desc *d, int n) {
    llml_sampler *s = NULL;
    llml_result r = llml_sampler_create(d, n, NULL, &s);
    CHECK(r == LLML_OK && s, "create failed (%d)", (int)r);
    return s;
}

static int cands(llml_sampler *s, const float *l, int *ids, float *pr, int cap) {
    int32_t n = -1;
    llml_result r = llml_sampler_candidates(s, l, ids, pr, cap, &n);
    CHECK(r == LLML_OK, "candidates failed");
    return n;
}

/* ---- tests --------------------------------------------------------------- */

static void test_greedy(void) {
    llml_sampler *s = make(NULL, NV);
    float l[NV], copy[NV];
    int t, bad = 0, ties = 0;
    for (t = 0; t < 500; t++) {
        fill_logits(l, NV, 5.0);
        if (t % 5 == 0) { l[7] = 9.0f; l[40] = 9.0f; }  /* tie: lowest id wins */
        memcpy(copy, l, sizeof(l));
        if (llml_sampler_sample(s, l) != argmax_f(l, NV)) bad++;
        if (t % 5 == 0 && llml_sampler_sample(s, l) != 7) ties++;
        if (memcmp(copy, l, sizeof(l)) != 0) bad++;
    }
    CHECK(bad == 0, "greedy != argmax in %d cases", bad);
    CHECK(ties == 0, "greedy tie not resolved to lowest id in %d cases", ties);
    llml_sampler_free(s);
    {   /* temperature 0 with every filter on is still the argmax */
        llml_sampler_desc d = llml_sampler_default_desc();
        d.temperature = 0.0f;
        s = make(&d, NV);
        bad = 0;
        for (t = 0; t < 200; t++) {
            fill_logits(l, NV, 3.0);
            if (llml_sampler_sample(s, l) != argmax_f(l, NV)) bad++;
        }
        CHECK(bad == 0, "temp 0 + filters != argmax in %d cases", bad);
        llml_sampler_free(s);
    }
}

static void test_top_k(void) {
    int k, t;
    for (k = 1; k <= NV + 3; k += 7) {
        llml_sampler_desc d;
        llml_sampler *s;
        memset(&d, 0, sizeof(d));
        d.temperature = 1.0f;
        d.top_k = k;
        s = make(&d, NV);
        for (t = 0; t < 20; t++) {
            float l[NV], pr[NV];
            double ld[NV], pd[NV];
            int ids[NV], ref[NV], i, n, nref, ok;
            double err = 0.0;
            fill_logits(l, NV, 4.0);
            if (t == 0) { l[3] = l[9] = l[11] = 2.5f; }   /* ties at the boundary */
            for (i = 0; i < NV; i++) ld[i] = l[i];
            order_desc(ld, ref, NV);
            nref = k < NV ? k : NV;
            softmax_d(ld, ref, nref, pd);
            n = cands(s, l, ids, pr, NV);
            /* probabilities: ids come back sorted by probability, ref by logit */
            for (i = 0; i < n && i < nref; i++) {
                int j;
                for (j = 0; j < nref; j++) if (ref[j] == ids[i]) break;
                if (j < nref) err = fabs(pr[i] - pd[j]) > err ? fabs(pr[i] - pd[j]) : err;
            }
            ok = same_set(ids, n, ref, nref);
            CHECK(ok, "top_k=%d: candidate set differs (n=%d want %d)", k, n, nref);
            CHECK(err < 1e-6, "top_k=%d: probability error %g", k, err);
        }
        llml_sampler_free(s);
    }
}

/* brute-force top-p over a set ordered by logit: smallest prefix with mass >= p */
static int ref_top_p(const double *ld, int *set, int n, double p, int min_keep, int *borderline) {
    double pd[BIG], cum = 0.0;
    int i;
    order_desc(ld, set, n);
    softmax_d(ld, set, n, pd);
    *borderline = 0;
    for (i = 0; i < n; i++) {
        cum += pd[i];
        if (fabs(cum - p) < 1e-5) *borderline = 1;
        if (cum >= p && i + 1 >= (min_keep > 1 ? min_keep : 1)) return i + 1;
    }
    return n;
}

static void test_top_p(void) {
    static const float ps[] = {0.05f, 0.3f, 0.5f, 0.8f, 0.9f, 0.95f, 0.99f};
    int pi, t, mk, tested = 0, nv;
    for (nv = NV; nv <= 3000; nv += 2936) {          /* 64, and > 1024 (prefix path) */
        for (pi = 0; pi < 7; pi++) for (mk = 0; mk <= 5; mk += 5) {
            llml_sampler_desc d;
            llml_sampler *s;
            memset(&d, 0, sizeof(d));
            d.temperature = 1.0f;
            d.top_p = ps[pi];
            d.min_keep = mk;
            s = make(&d, nv);
            for (t = 0; t < 6; t++) {
                static float l[BIG], pr[BIG];
                static double ld[BIG];
                static int ids[BIG], ref[BIG];
                int i, n, nref, border;
                fill_logits(l, nv, nv > NV ? 9.0 : 3.0);
                for (i = 0; i < nv; i++) ld[i] = l[i];
                nref = ref_top_p(ld, ref, nv, ps[pi], mk, &border);
                if (border) continue;
                tested++;
                n = cands(s, l, ids, pr, nv);
                CHECK(same_set(ids, n, ref, nref), "top_p=%g min_keep=%d nv=%d: n=%d want %d",
                      (double)ps[pi], mk, nv, n, nref);
            }
            llml_sampler_free(s);
        }
    }
    CHECK(tested > 60, "too few top-p instances tested (%d)", tested);
}

static void test_min_p(void) {
    static const float ps[] = {0.01f, 0.05f, 0.1f, 0.3f, 0.7f, 1.0f};
    int pi, t, mk, tested = 0;
    for (pi = 0; pi < 6; pi++) for (mk = 0; mk <= 8; mk += 8) {
        llml_sampler_desc d;
        llml_sampler *s;
        memset(&d, 0, sizeof(d));
        d.temperature = 1.0f;
        d.min_p = ps[pi];
        d.min_keep = mk;
        s = make(&d, NV);
        for (t = 0; t < 15; t++) {
            float l[NV], pr[NV];
            double ld[NV], mx = -HUGE_VAL, lim;
            int ids[NV], ref[NV], order[NV], i, n, nref = 0, border = 0;
            fill_logits(l, NV, 3.0);
            for (i = 0; i < NV; i++) { ld[i] = l[i]; if (ld[i] > mx) mx = ld[i]; }
            lim = mx + log((double)ps[pi]);   /* p_i >= min_p * p_max */
            for (i = 0; i < NV; i++) {
                if (fabs(ld[i] - lim) < 1e-5 && ld[i] != mx) border = 1;
                if (ld[i] >= lim) ref[nref++] = i;
            }
            if (nref < mk) {                  /* too few pass: the mk best */
                order_desc(ld, order, NV);
                memcpy(ref, order, sizeof(int) * (size_t)mk);
                nref = mk;
            }
            if (border) continue;
            tested++;
            n = cands(s, l, ids, pr, NV);
            CHECK(same_set(ids, n, ref, nref), "min_p=%g min_keep=%d: n=%d want %d", (double)ps[pi], mk, n, nref);
        }
        llml_sampler_free(s);
    }
    CHECK(tested > 100, "too few min-p instances tested (%d)", tested);
}

/* brute-force locally typical set (Meister et al.): rank by |-log p - H| */
static const double *typ_score;
static int cmp_score(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (typ_score[i] != typ_score[j]) return typ_score[i] < typ_score[j] ? -1 : 1;
    return i - j;
}

static void test_typical(void) {
    static const float ps[] = {0.2f, 0.5f, 0.8f, 0.95f};
    int pi, t, tested = 0;
    for (pi = 0; pi < 4; pi++) {
        llml_sampler_desc d;
        llml_sampler *s;
        memset(&d, 0, sizeof(d));
        d.temperature = 1.0f;
        d.typical_p = ps[pi];
        s = make(&d, NV);
        for (t = 0; t < 25; t++) {
            float l[NV], pr[NV];
            double ld[NV], p[NV], score[NV], H = 0.0, cum = 0.0;
            int ids[NV], all[NV], by[NV], i, n, nref = NV, border = 0;
            fill_logits(l, NV, 2.5);
            for (i = 0; i < NV; i++) { ld[i] = l[i]; all[i] = i; }
            softmax_d(ld, all, NV, p);
            for (i = 0; i < NV; i++) H -= p[i] * log(p[i]);
            for (i = 0; i < NV; i++) { score[i] = fabs(-log(p[i]) - H); by[i] = i; }
            typ_score = score;
            qsort(by, NV, sizeof(int), cmp_score);
            for (i = 0; i < NV; i++) {
                cum += p[by[i]];
                if (fabs(cum - ps[pi]) < 1e-5) border = 1;
                if (i + 1 < NV && fabs(score[by[i]] - score[by[i + 1]]) < 1e-6) border = 1;
                if (cum > ps[pi]) { nref = i + 1; break; }
            }
            if (border) continue;
            tested++;
            n = cands(s, l, ids, pr, NV);
            CHECK(same_set(ids, n, by, nref), "typical=%g: n=%d want %d", (double)ps[pi], n, nref);
        }
        llml_sampler_free(s);
    }
    CHECK(tested > 60, "too few typical instances tested (%d)", tested);
}

/* top-k -> top-p -> min-p -> temperature, chained by brute force */
static void test_chain(void) {
    llml_sampler_desc d;
    llml_sampler *s;
    int t, tested = 0;
    memset(&d, 0, sizeof(d));
    d.temperature = 0.7f;
    d.top_k = 20;
    d.top_p = 0.9f;
    d.min_p = 0.05f;
    s = make(&d, NV);
    for (t = 0; t < 40; t++) {
        float l[NV], pr[NV];
        double ld[NV], pd[NV], cum = 0.0, lim, z = 0.0, err = 0.0;
        int ids[NV], order[NV], ref[NV], i, n, nk, np = 0, nref = 0, border = 0;
        fill_logits(l, NV, 3.0);
        for (i = 0; i < NV; i++) ld[i] = l[i];
        order_desc(ld, order, NV);
        nk = 20;
        softmax_d(ld, order, nk, pd);
        for (i = 0; i < nk; i++) {
            cum += pd[i];
            if (fabs(cum - 0.9) < 1e-5) border = 1;
            if (cum >= 0.9) { np = i + 1; break; }
        }
        if (!np) np = nk;
        lim = ld[order[0]] + log(0.05);
        for (i = 0; i < np; i++) {
            if (fabs(ld[order[i]] - lim) < 1e-5) border = 1;
            if (ld[order[i]] >= lim) ref[nref++] = order[i];
        }
        if (border) continue;
        tested++;
        n = cands(s, l, ids, pr, NV);
        /* probabilities after temperature: softmax(l / 0.7) over the kept set */
        for (i = 0; i < nref; i++) z += exp((ld[ref[i]] - ld[order[0]]) / 0.7);
        for (i = 0; i < n && i < nref; i++) {
            double want = exp((ld[ids[i]] - ld[order[0]]) / 0.7) / z;
            if (fabs(want - pr[i]) > err) err = fabs(want - pr[i]);
        }
        CHECK(err < 1e-5, "chain probabilities off by %g", err);
        CHECK(same_set(ids, n, ref, nref), "chain: n=%d want %d", n, nref);
    }
    CHECK(tested > 20, "too few chain instances (%d)", tested);
    llml_sampler_free(s);
}

/* draws from a fixed distribution: every bin within 5 standard deviations */
static void check_freq(const char *what, llml_sampler *s, const float *l, int n, const double *p, int draws) {
    int cnt[16], i, bad = 0;
    memset(cnt, 0, sizeof(cnt));
    for (i = 0; i < draws; i++) {
        int tok = llml_sampler_sample(s, l);
        if (tok < 0 || tok >= n) { bad++; continue; }
        cnt[tok]++;
    }
    CHECK(bad == 0, "%s: %d out-of-range draws", what, bad);
    for (i = 0; i < n; i++) {
        double mu = draws * p[i], sd = sqrt(draws * p[i] * (1.0 - p[i]));
        if (p[i] == 0.0) CHECK(cnt[i] == 0, "%s: token %d has p=0 but was drawn %d times", what, i, cnt[i]);
        else CHECK(fabs(cnt[i] - mu) <= 5.0 * sd + 1.0, "%s: token %d drawn %d times, expected %.1f +- %.1f",
                   what, i, cnt[i], mu, sd);
    }
}

static void test_frequencies(void) {
    static const double p4[4] = {0.5, 0.25, 0.15, 0.10};
    float l[4];
    double want[4];
    llml_sampler_desc d;
    llml_sampler *s;
    int i;
    const int N = 200000;
    for (i = 0; i < 4; i++) l[i] = (float)log(p4[i]) + 3.0f;   /* any shift */
    memset(&d, 0, sizeof(d));
    d.temperature = 1.0f;
    d.seed = 42;
    s = make(&d, 4);
    check_freq("t=1", s, l, 4, p4, N);
    llml_sampler_free(s);
    /* temperature 0.5 squares the probabilities */
    d.temperature = 0.5f;
    s = make(&d, 4);
    {
        double z = 0.0;
        for (i = 0; i < 4; i++) z += p4[i] * p4[i];
        for (i = 0; i < 4; i++) want[i] = p4[i] * p4[i] / z;
    }
    check_freq("t=0.5", s, l, 4, want, N);
    llml_sampler_free(s);
    /* top-k 2 renormalises over the two best */
    d.temperature = 1.0f;
    d.top_k = 2;
    d.seed = 7;
    s = make(&d, 4);
    want[0] = 2.0 / 3.0; want[1] = 1.0 / 3.0; want[2] = want[3] = 0.0;
    check_freq("top_k=2", s, l, 4, want, N);
    llml_sampler_free(s);
    /* top-p 0.8: {0.5, 0.25, 0.15} reaches 0.9 >= 0.8 with three tokens */
    d.top_k = 0;
    d.top_p = 0.8f;
    s = make(&d, 4);
    want[0] = 0.5 / 0.9; want[1] = 0.25 / 0.9; want[2] = 0.15 / 0.9; want[3] = 0.0;
    check_freq("top_p=0.8", s, l, 4, want, N);
    llml_sampler_free(s);
}

static void test_determinism(void) {
    enum { V = 1000, T = 300 };
    static float l[V];
    llml_sampler_desc d = llml_sampler_default_desc();
    llml_sampler *a, *b, *c;
    int32_t seq[T];
    int i, same_ab = 1, same_c = 1, same_reset = 1, same_seed = 1;
    d.seed = 1234;
    d.top_k = 0;
    d.temperature = 1.2f;
    d.repeat_penalty = 1.1f;
    d.presence_penalty = 0.3f;
    a = make(&d, V);
    b = make(&d, V);
    d.seed = 1235;
    c = make(&d, V);
    for (i = 0; i < T; i++) {
        int32_t ta, tb, tc;
        fill_logits(l, V, 2.0);
        ta = llml_sampler_sample(a, l);
        tb = llml_sampler_sample(b, l);
        tc = llml_sampler_sample(c, l);
        llml_sampler_accept(a, ta);
        llml_sampler_accept(b, tb);
        llml_sampler_accept(c, tc);
        seq[i] = ta;
        if (ta != tb) same_ab = 0;
        if (ta != tc) same_c = 0;
    }
    CHECK(same_ab, "same seed gave different tokens");
    CHECK(!same_c, "different seeds gave the same %d tokens", T);
    /* reset: the same sequence again (same logits replayed) */
    rng_state = 999u;
    llml_sampler_reset(a);
    llml_sampler_set_seed(c, 1234);
    llml_sampler_reset(c);                     /* c now equals a fresh seed-1234 sampler */
    {
        llml_sampler_desc d2 = d;
        d2.seed = 1234;
        llml_sampler_free(b);
        b = make(&d2, V);
    }
    for (i = 0; i < T; i++) {
        int32_t ta, tb, tc;
        fill_logits(l, V, 2.0);
        ta = llml_sampler_sample(a, l);
        tb = llml_sampler_sample(b, l);
        tc = llml_sampler_sample(c, l);
        llml_sampler_accept(a, ta);
        llml_sampler_accept(b, tb);
        llml_sampler_accept(c, tc);
        if (ta != tb) same_reset = 0;
        if (ta != tc) same_seed = 0;
    }
    CHECK(same_reset, "reset sampler does not repeat a fresh one");
    CHECK(same_seed, "set_seed + reset does not repeat a fresh one");
    (void)seq;
    llml_sampler_free(a);
    llml_sampler_free(b);
    llml_sampler_free(c);
}

/* penalties: logits [2, -1, 0.5, 3, 0], accepted 0 1 0 4 */
static void test_penalties(void) {
    static const float l[5] = {2.0f, -1.0f, 0.5f, 3.0f, 0.0f};
    static const int acc[4] = {0, 1, 0, 4};
    /* window 3 = {1, 0, 4}, each once; repeat 1.5, freq 0.1, presence 0.2 */
    static const double want3[5] = {2.0 / 1.5 - 0.3, -1.0 * 1.5 - 0.3, 0.5, 3.0, 0.0 * 1.5 - 0.3};
    /* window 4: token 0 twice */
    static const double want4[5] = {2.0 / 1.5 - 0.4, -1.0 * 1.5 - 0.3, 0.5, 3.0, -0.3};
    int w;
    for (w = 3; w <= 4; w++) {
        llml_sampler_desc d;
        llml_sampler *s;
        const double *want = w == 3 ? want3 : want4;
        int ids[5], i, n, all[5] = {0, 1, 2, 3, 4};
        float pr[5];
        double pd[5], err = 0.0;
        memset(&d, 0, sizeof(d));
        d.temperature = 1.0f;
        d.penalty_last_n = w;
        d.repeat_penalty = 1.5f;
        d.frequency_penalty = 0.1f;
        d.presence_penalty = 0.2f;
        s = make(&d, 5);
        for (i = 0; i < 4; i++) CHECK(llml_sampler_accept(s, acc[i]) == LLML_OK, "accept");
        n = cands(s, l, ids, pr, 5);
        CHECK(n == 5, "penalties: %d candidates", n);
        softmax_d(want, all, 5, pd);
        for (i = 0; i < n; i++) if (fabs(pd[ids[i]] - pr[i]) > err) err = fabs(pd[ids[i]] - pr[i]);
        CHECK(err < 1e-6, "penalties window %d: probability error %g", w, err);
        /* after reset there is nothing to penalise */
        llml_sampler_reset(s);
        n = cands(s, l, ids, pr, 5);
        {
            double ld[5];
            for (i = 0; i < 5; i++) ld[i] = l[i];
            softmax_d(ld, all, 5, pd);
            err = 0.0;
            for (i = 0; i < n; i++) if (fabs(pd[ids[i]] - pr[i]) > err) err = fabs(pd[ids[i]] - pr[i]);
            CHECK(err < 1e-6, "after reset: probability error %g", err);
        }
        llml_sampler_free(s);
    }
    {   /* greedy with a repeat penalty: 3 wins until it has been seen */
        llml_sampler_desc d;
        llml_sampler *s;
        static const float g[3] = {2.9f, 1.0f, 3.0f};
        memset(&d, 0, sizeof(d));
        d.penalty_last_n = 2;
        d.repeat_penalty = 1.2f;
        s = make(&d, 3);
        CHECK(llml_sampler_sample(s, g) == 2, "penalty greedy 1");
        llml_sampler_accept(s, 2);
        CHECK(llml_sampler_sample(s, g) == 0, "penalty greedy 2");   /* 3/1.2 = 2.5 < 2.9 */
        llml_sampler_accept(s, 0);
        CHECK(llml_sampler_sample(s, g) == 2, "penalty greedy 3");   /* both seen: 2.5 > 2.417 */
        llml_sampler_accept(s, 1);
        llml_sampler_accept(s, 1);                                   /* window now {1, 1} */
        CHECK(llml_sampler_sample(s, g) == 2, "penalty greedy 4");
        llml_sampler_free(s);
    }
}

static void test_bias(void) {
    static const float l[5] = {1.0f, 2.0f, 0.5f, 1.5f, -1.0f};
    llml_logit_bias b[3];
    llml_sampler_desc d;
    llml_sampler *s;
    int ids[5], n, i, ok = 1;
    float pr[5];
    memset(&d, 0, sizeof(d));
    b[0].token = 2; b[0].bias = 5.0f;
    b[1].token = 1; b[1].bias = -INFINITY;
    b[2].token = 2; b[2].bias = 0.25f;        /* pairs add up */
    d.logit_bias = b;
    d.n_logit_bias = 3;
    s = make(&d, 5);
    b[0].bias = -100.0f;                      /* the desc was copied at create */
    CHECK(llml_sampler_sample(s, l) == 2, "bias: greedy should pick token 2");
    llml_sampler_free(s);
    b[0].bias = 5.0f;
    d.temperature = 1.0f;
    d.seed = 3;
    s = make(&d, 5);
    n = cands(s, l, ids, pr, 5);
    CHECK(n == 5 && ids[0] == 2 && ids[4] == 1 && pr[4] == 0.0f, "bias: banned token must have p = 0");
    {
        double e = exp(5.75 - 0.5) + 0, z = 0.0;
        double lv[5] = {1.0, 2.0, 5.75, 1.5, -1.0};
        for (i = 0; i < 5; i++) if (i != 1) z += exp(lv[i] - 0.5);
        CHECK(fabs(pr[0] - e / z) < 1e-6, "bias: p(2) = %g want %g", (double)pr[0], e / z);
    }
    for (i = 0; i < 2000; i++) if (llml_sampler_sample(s, l) == 1) ok = 0;
    CHECK(ok, "bias: banned token was drawn");
    llml_sampler_free(s);
}

static void test_nonfinite(void) {
    float l[8] = {1.0f, 0.0f, 2.0f, -1.0f, 0.5f, 0.25f, 3.0f, -2.0f};
    llml_sampler_desc d;
    llml_sampler *s;
    int i, bad = 0, c2 = 0, c5 = 0;
    l[6] = NAN;                               /* the would-be argmax is NaN */
    s = make(NULL, 8);
    CHECK(llml_sampler_sample(s, l) == 2, "NaN must not win greedy");
    l[5] = INFINITY;
    CHECK(llml_sampler_sample(s, l) == 5, "+inf must win greedy");
    llml_sampler_free(s);
    memset(&d, 0, sizeof(d));
    d.temperature = 0.8f;
    d.top_k = 6;
    d.top_p = 0.9f;
    d.min_p = 0.01f;
    d.typical_p = 0.95f;
    s = make(&d, 8);
    l[2] = INFINITY;                          /* two +inf: an even split */
    for (i = 0; i < 4000; i++) {
        int t = llml_sampler_sample(s, l);
        if (t == 2) c2++; else if (t == 5) c5++; else bad++;
    }
    CHECK(bad == 0, "+inf tokens: %d draws went elsewhere", bad);
    CHECK(c2 > 1700 && c5 > 1700, "+inf split %d / %d", c2, c5);
    for (i = 0; i < 8; i++) l[i] = NAN;
    bad = 0;
    for (i = 0; i < 100; i++) { int t = llml_sampler_sample(s, l); if (t < 0 || t >= 8) bad++; }
    for (i = 0; i < 8; i++) l[i] = -INFINITY;
    for (i = 0; i < 100; i++) { int t = llml_sampler_sample(s, l); if (t < 0 || t >= 8) bad++; }
    l[3] = -1e30f; l[4] = 1e30f;
    for (i = 0; i < 100; i++) { int t = llml_sampler_sample(s, l); if (t != 4) bad++; }
    CHECK(bad == 0, "non-finite logits: %d bad draws", bad);
    llml_sampler_free(s);
    /* penalties on infinities */
    memset(&d, 0, sizeof(d));
    d.temperature = 1.0f;
    d.penalty_last_n = 4;
    d.repeat_penalty = 1.3f;
    d.frequency_penalty = 0.5f;
    d.presence_penalty = 0.5f;
    s = make(&d, 8);
    llml_sampler_accept(s, 0);
    llml_sampler_accept(s, 1);
    for (i = 0; i < 8; i++) l[i] = (float)i;
    l[0] = INFINITY; l[1] = -INFINITY; l[2] = NAN;
    for (i = 0; i < 200; i++) if (llml_sampler_sample(s, l) != 0) bad++;
    CHECK(bad == 0, "penalised +inf must still win");
    llml_sampler_free(s);
    /* a tiny temperature must not overflow into a tie of infinities */
    memset(&d, 0, sizeof(d));
    d.temperature = 1e-36f;
    s = make(&d, 8);
    for (i = 0; i < 8; i++) l[i] = 1000.0f * (float)((i * 3) % 8);   /* max at i = 5; l / t overflows */
    bad = 0;
    for (i = 0; i < 200; i++) if (llml_sampler_sample(s, l) != 5) bad++;
    CHECK(bad == 0, "temperature 1e-36: %d draws were not the argmax", bad);
    llml_sampler_free(s);
}

static void test_misc(void) {
    llml_sampler *s = NULL;
    llml_sampler_desc d;
    llml_logit_bias b;
    float l[4] = {0, 1, 2, 3};
    int ids[4];
    float pr[4];
    int32_t n = 0;
    memset(&d, 0, sizeof(d));
    CHECK(llml_sampler_create(NULL, 0, NULL, &s) == LLML_ERR_INVALID_ARG && !s, "n_vocab 0");
    CHECK(llml_sampler_create(NULL, 4, NULL, NULL) == LLML_ERR_INVALID_ARG, "NULL out");
    d.penalty_last_n = -1;
    CHECK(llml_sampler_create(&d, 4, NULL, &s) == LLML_ERR_INVALID_ARG, "negative window");
    d.penalty_last_n = 0;
    d.repeat_penalty = -1.0f;
    CHECK(llml_sampler_create(&d, 4, NULL, &s) == LLML_ERR_INVALID_ARG, "negative repeat penalty");
    d.repeat_penalty = 0.0f;
    b.token = 4; b.bias = 1.0f;
    d.logit_bias = &b; d.n_logit_bias = 1;
    CHECK(llml_sampler_create(&d, 4, NULL, &s) == LLML_ERR_INVALID_ARG, "bias token out of range");
    b.token = 3; b.bias = NAN;
    CHECK(llml_sampler_create(&d, 4, NULL, &s) == LLML_ERR_INVALID_ARG, "NaN bias");
    d.n_logit_bias = 0;
    d.temperature = NAN;
    CHECK(llml_sampler_create(&d, 4, NULL, &s) == LLML_ERR_INVALID_ARG, "NaN temperature");
    d.temperature = 1.0f;
    s = make(&d, 4);
    CHECK(llml_sampler_accept(s, 4) == LLML_ERR_INVALID_ARG, "accept out of range");
    CHECK(llml_sampler_accept(s, -1) == LLML_ERR_INVALID_ARG, "accept negative");
    CHECK(llml_sampler_accept(s, 3) == LLML_OK, "accept with penalties off");
    CHECK(llml_sampler_sample(s, NULL) == -1, "sample NULL logits");
    CHECK(llml_sampler_sample(NULL, l) == -1, "sample NULL sampler");
    CHECK(llml_sampler_candidates(s, l, ids, pr, 2, &n) == LLML_OK && n == 4 && ids[0] == 3 && ids[1] == 2,
          "candidates with a short cap");
    CHECK(llml_sampler_candidates(s, l, NULL, NULL, 0, &n) == LLML_OK && n == 4, "candidates count only");
    llml_sampler_free(s);
    llml_sampler_free(NULL);
    llml_sampler_reset(NULL);
    {   /* default desc values */
        llml_sampler_desc dd = llml_sampler_default_desc();
        /* casts: float constants may carry x87 excess precision (FLT_EVAL_METHOD 2) */
        CHECK(dd.temperature == (float)0.8f && dd.top_k == 40 && dd.top_p == (float)0.95f && dd.min_p == (float)0.05f &&
              dd.penalty_last_n == 64 && dd.repeat_penalty == 1.0f, "default desc");
    }
    {   /* min_keep with a tiny top-p keeps min_keep tokens */
        memset(&d, 0, sizeof(d));
        d.temperature = 1.0f;
        d.top_p = 0.01f;
        d.min_keep = 3;
        s = make(&d, 4);
        CHECK(cands(s, l, ids, pr, 4) == 3, "min_keep 3");
        llml_sampler_free(s);
    }
}

/* a counting allocator: every allocation is freed, with its size */
typedef struct { long live; size_t bytes; int calls; } acount;
static void *a_alloc(void *u, size_t n, size_t al) {
    acount *c = (acount *)u;
    (void)al;
    c->live++; c->bytes += n; c->calls++;
    return malloc(n);
}
static void a_free(void *u, void *p, size_t n) {
    acount *c = (acount *)u;
    c->live--; c->bytes -= n;
    free(p);
}

static void test_allocator(void) {
    acount c = {0, 0, 0};
    llml_allocator a;
    llml_sampler *s = NULL;
    llml_sampler_desc d = llml_sampler_default_desc();
    float l[100];
    int i;
    a.alloc = a_alloc; a.free = a_free; a.user = &c;
    CHECK(llml_sampler_create(&d, 100, &a, &s) == LLML_OK, "create with allocator");
    for (i = 0; i < 50; i++) { int t; fill_logits(l, 100, 2.0); t = llml_sampler_sample(s, l); llml_sampler_accept(s, t); }
    CHECK(c.calls == 1 && c.live == 1, "one allocation per sampler (calls %d)", c.calls);
    llml_sampler_free(s);
    CHECK(c.live == 0 && c.bytes == 0, "allocator: live %ld bytes %lu", c.live, (unsigned long)c.bytes);
}

/* a realistic vocabulary with every step on, and with top-k off */
static void test_large(void) {
    enum { V = 151936 };
    float *l = (float *)malloc(sizeof(float) * V);
    llml_sampler_desc d = llml_sampler_default_desc();
    llml_sampler *s;
    int i, j, bad = 0;
    for (j = 0; j < 2; j++) {
        if (j == 1) { d.top_k = 0; d.min_p = 0.0f; d.typical_p = 0.9f; }
        d.repeat_penalty = 1.1f;
        s = make(&d, V);
        for (i = 0; i < 8; i++) {
            int t;
            fill_logits(l, V, 8.0);
            t = llml_sampler_sample(s, l);
            if (t < 0 || t >= V) bad++;
            llml_sampler_accept(s, t);
        }
        llml_sampler_free(s);
    }
    CHECK(bad == 0, "large vocabulary: %d bad tokens", bad);
    free(l);
}

int main(void) {
    (void)check_testdata;  /* this test needs no data files */
    test_greedy();
    test_top_k();
    test_top_p();
    test_min_p();
    test_typical();
    test_chain();
    test_frequencies();
    test_determinism();
    test_penalties();
    test_bias();
    test_nonfinite();
    test_misc();
    test_allocator();
    test_large();
    return check_summary("test_sample");
}
