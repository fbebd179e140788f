/* tests/test_threads.c - threads: a context's worker pool and one model
   shared by several contexts in several threads.
   (a) the 48 reference tokens decoded in one batch (and one at a time; arch/llama-f32.tokens.txt) with
       1, 2, 3 and 4 threads: the logits are bit-identical to one thread's,
       and within 2e-3 of the reference's (arch/llama-f32, qwen2moe-f32);
   (b) one model, N application threads (pthreads), each with its own
       context of 2 threads: each decodes the prompt and 8 greedy tokens;
       every thread's tokens and logits equal a sequential run's;
   (c) one vocabulary tokenizing in 4 threads at once equals sequential;
   (d) llml_ctx_cancel from another thread during decodes: each decode
       returns OK or LLML_ERR_ABORTED, and the context keeps working;
   (e) a host job system (llml_ctx_desc.parallel_for) that runs the tasks
       in threads of its own: logits bit-identical to one thread's;
   (f) matrices sharing one parallel step (Q, K and V; gate and up:
       llml__matmul_n) with 1-4 threads, formats mixed as in Q4_K_M files
       (Q4_K, Q4_K, Q6_K), Q4_0/Q8_0, and formats with different activations
       (Q4_0 + Q4_K, done one by one), row counts that split 16-row chunks
       across matrices, 1 to 64 activation rows (matrix-vector and GEMM):
       bit-identical to one llml__matmul per matrix;
   (g) the chunk spans those steps share out (llml__span_take/_steal), raced
       by 6 threads while thread 0 holds its first piece: every chunk is
       taken exactly once, and the other threads took the rest of thread
       0's slice.
   `make test-tsan` runs this program under ThreadSanitizer (build-tsan/).
   Where the platform has no POSIX threads the application threads run one
   after the other (the library itself is then single-threaded too). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include "logits_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#if (defined(__unix__) || defined(__APPLE__) || defined(__MINGW32__)) && !defined(__EMSCRIPTEN__)
#include <pthread.h>
#define HAVE_PTHREADS 1
#endif

typedef void *(*thread_fn)(void *);

/* Run fn(args[i]) for i < n, in n threads where there are threads. */
static int run_all(thread_fn fn, void **args, int n) {
    int i, threaded = 0;
#ifdef HAVE_PTHREADS
    pthread_t th[16];
    int started[16];
    for (i = 0; i < n; i++) started[i] = pthread_create(&th[i], NULL, fn, args[i]) == 0;
    for (i = 0; i < n; i++) {
        if (started[i]) { pthread_join(th[i], NULL); threaded++; }
        else fn(args[i]);
    }
#else
    for (i = 0; i < n; i++) fn(args[i]);
#endif
    return threaded;
}

static int32_t ids[64];
static int n_ids;

static void read_tokens(void) {
    FILE *f = fopen(lc_td("arch/llama-f32.tokens.txt"), "r");
    long v;
    n_ids = 0;
    if (!f) return;
    while (n_ids < 64 && fscanf(f, "%ld", &v) == 1) ids[n_ids++] = (int32_t)v;
    fclose(f);
}

static llml_ctx *make_ctx(const llml_model *m, int n_threads) {
    llml_ctx_desc d;
    llml_ctx *c = NULL;
    memset(&d, 0, sizeof(d));
    d.n_ctx = 128;
    d.n_batch = 64;
    d.n_threads = n_threads;
    d.kv_type = LLML_KV_F32;
    if (llml_ctx_create(m, &d, &c, NULL) != LLML_OK) return NULL;
    return c;
}

/* logits of all n_ids tokens: one batch (one_by_one = 0) or one at a time */
static float *decode_all(const llml_model *m, int n_threads, int one_by_one) {
    llml_ctx *c = make_ctx(m, n_threads);
    llml_model_info info;
    float *out;
    int i, ok = 1;
    memset(&info, 0, sizeof(info));
    if (!c) return NULL;
    llml_model_get_info(m, &info);
    out = (float *)malloc(sizeof(float) * (size_t)n_ids * (size_t)info.n_vocab);
    if (!one_by_one) {
        ok = llml_decode(c, ids, n_ids, LLML_DECODE_ALL_LOGITS) == LLML_OK;
        for (i = 0; ok && i < n_ids; i++) memcpy(out + (size_t)i * info.n_vocab, llml_get_logits(c, i), sizeof(float) * (size_t)info.n_vocab);
    } else {
        for (i = 0; ok && i < n_ids; i++) {
            ok = llml_decode(c, ids + i, 1, 0) == LLML_OK;
            if (ok) memcpy(out + (size_t)i * info.n_vocab, llml_get_logits(c, -1), sizeof(float) * (size_t)info.n_vocab);
        }
    }
    llml_ctx_free(c);
    if (!ok) { free(out); return NULL; }
    return out;
}

/* ---- (a) thread counts --------------------------------------------------- */

static void test_thread_counts(const char *rel) {
    char name[256];
    llml_model *m = NULL;
    llml_model_info info;
    float *ref, *one, *r1b;
    size_t nref = 0, n;
    int t;
    double maxd = 0;
    CHECK(llml_model_load_file(lc_td(rel), NULL, &m, NULL) == LLML_OK, "%s: load", rel);
    if (!m) return;
    llml_model_get_info(m, &info);
    n = (size_t)n_ids * (size_t)info.n_vocab;
    snprintf(name, sizeof(name), "%.*s.logits.f32", (int)(strlen(rel) - 5), rel);
    ref = lc_read_f32(lc_td(name), &nref);
    CHECK(ref && nref == n, "%s: reference logits", name);
    one = decode_all(m, 1, 0);
    r1b = decode_all(m, 1, 1);
    CHECK(one && r1b, "%s: decode with 1 thread", rel);
    if (one && ref && nref == n) {
        size_t i;
        for (i = 0; i < n; i++) if (fabs((double)one[i] - (double)ref[i]) > maxd) maxd = fabs((double)one[i] - (double)ref[i]);
        CHECK(maxd <= 2e-3, "%s: 1 thread vs the reference: max |diff| %.3g", rel, maxd);
    }
#if !defined(LLML_NO_THREADS) && !defined(LLML__THREADS) && (defined(_WIN32) || defined(__linux__) || defined(__APPLE__))
    CHECK(0, "%s: built without the worker pool on a platform that has threads", rel);
#endif
#if defined(LLML__THREADS) && !defined(__EMSCRIPTEN__)   /* emscripten without -pthread: no threads */
    {   /* the pool really runs t threads (POSIX or Win32): t - 1 workers started */
        llml_ctx *c = make_ctx(m, 3);
        CHECK(c && c->pool.n == 3 && c->pool.started == 2, "%s: a 3-thread context has %d threads, %d workers", rel,
              c ? c->pool.n : -1, c ? c->pool.started : -1);
        llml_ctx_free(c);
    }
#endif
    for (t = 2; t <= 4 && one; t++) {
        float *b = decode_all(m, t, 0), *s = decode_all(m, t, 1);
        CHECK(b && memcmp(b, one, n * sizeof(float)) == 0, "%s: %d threads, one batch: logits differ from 1 thread", rel, t);
        CHECK(s && r1b && memcmp(s, r1b, n * sizeof(float)) == 0, "%s: %d threads, token by token: logits differ", rel, t);
        free(b); free(s);
    }
    printf("test_threads: %-22s 1..4 threads bit-identical, max |diff| vs reference %.2g\n", rel, maxd);
    free(ref); free(one); free(r1b);
    llml_model_free(m);
}

/* ---- (b) one model, several contexts in several threads -------------------- */

typedef struct job {
    const llml_model *m;
    int n_threads;
    int32_t out[8];
    float logit_sum;
    int ok;
} job;

static void *job_run(void *arg) {
    job *j = (job *)arg;
    llml_ctx *c = make_ctx(j->m, j->n_threads);
    llml_model_info info;
    int k, i;
    memset(&info, 0, sizeof(info));
    j->ok = 0;
    if (!c) return NULL;
    llml_model_get_info(j->m, &info);
    if (llml_decode(c, ids, n_ids, 0) != LLML_OK) { llml_ctx_free(c); return NULL; }
    for (k = 0; k < 8; k++) {
        const float *l = llml_get_logits(c, -1);
        int32_t best = 0;
        for (i = 1; i < info.n_vocab; i++) if (l[i] > l[best]) best = i;
        j->out[k] = best;
        if (llml_decode(c, &best, 1, 0) != LLML_OK) { llml_ctx_free(c); return NULL; }
    }
    {
        const float *l = llml_get_logits(c, -1);
        j->logit_sum = 0;
        for (i = 0; i < info.n_vocab; i++) j->logit_sum += l[i];
    }
    llml_ctx_free(c);
    j->ok = 1;
    return NULL;
}

static void test_shared_model(const char *rel, int n_jobs) {
    llml_model *m = NULL;
    job seq, jobs[8];
    void *args[8];
    int i, threaded, same = 0;
    CHECK(llml_model_load_file(lc_td(rel), NULL, &m, NULL) == LLML_OK, "%s: load", rel);
    if (!m) return;
    memset(&seq, 0, sizeof(seq));
    seq.m = m; seq.n_threads = 1;
    job_run(&seq);
    CHECK(seq.ok, "%s: sequential run", rel);
    for (i = 0; i < n_jobs; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].m = m;
        jobs[i].n_threads = 1 + i % 2;
        args[i] = &jobs[i];
    }
    threaded = run_all(job_run, args, n_jobs);
    for (i = 0; i < n_jobs; i++) {
        int eq = jobs[i].ok && memcmp(jobs[i].out, seq.out, sizeof(seq.out)) == 0 && jobs[i].logit_sum == seq.logit_sum;
        CHECK(eq, "%s: thread %d differs from the sequential run", rel, i);
        same += eq;
    }
    printf("test_threads: %-22s %d contexts in %d threads on one model: %d equal the sequential run\n", rel, n_jobs,
           threaded, same);
    llml_model_free(m);
}

/* ---- (c) one vocabulary in several threads ---------------------------------- */

typedef struct tjob { const llml_vocab *v; const char *text; size_t len; int32_t ids[512]; size_t n; int ok; } tjob;

static void *tjob_run(void *arg) {
    tjob *j = (tjob *)arg;
    int k;
    j->ok = 1;
    for (k = 0; k < 20 && j->ok; k++) {
        size_t n = 0;
        j->ok = llml_tokenize(j->v, j->text, j->len, LLML_TOKENIZE_ADD_SPECIAL, j->ids, 512, &n) == LLML_OK;
        if (k == 0) j->n = n;
        else j->ok = j->ok && n == j->n;
    }
    return NULL;
}

static void test_shared_vocab(const char *rel) {
    static const char *const texts[4] = {
        "Hello world! The quick brown fox jumps over the lazy dog. 12345",
        "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 <|im_start|>user\nhi<|im_end|>",
        "    indented code();\n\tif (x) { return y; }\n",
        "It's a test: don't, won't, can't; they're here."
    };
    llml_gguf *g = NULL;
    llml_gguf_desc gd;
    llml_vocab *v = NULL;
    tjob seq[4], par[4];
    void *args[4];
    int i;
    memset(&gd, 0, sizeof(gd));
    gd.header_only = 1;
    if (llml_gguf_open_file(lc_td(rel), &gd, &g, NULL) == LLML_OK) {
        llml_vocab_load(g, NULL, &v, NULL);
        llml_gguf_close(g);
    }
    CHECK(v != NULL, "%s: load", rel);
    if (!v) return;
    for (i = 0; i < 4; i++) {
        memset(&seq[i], 0, sizeof(seq[i]));
        seq[i].v = v; seq[i].text = texts[i]; seq[i].len = strlen(texts[i]);
        par[i] = seq[i];
        tjob_run(&seq[i]);
        args[i] = &par[i];
    }
    run_all(tjob_run, args, 4);
    for (i = 0; i < 4; i++)
        CHECK(seq[i].ok && par[i].ok && par[i].n == seq[i].n && memcmp(par[i].ids, seq[i].ids, seq[i].n * sizeof(int32_t)) == 0,
              "%s: text %d tokenized in a thread differs", rel, i);
    llml_vocab_free(v);
}

/* ---- (d) cancel from another thread ----------------------------------------- */

typedef struct cjob { llml_ctx *c; int n_ok, n_aborted, n_other; int done; } cjob;

#if defined(__GNUC__) || defined(__clang__)
#define FLAG_SET(p) __atomic_store_n((p), 1, __ATOMIC_RELEASE)
#define FLAG_GET(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#else
#define FLAG_SET(p) (*(p) = 1)
#define FLAG_GET(p) (*(p))
#endif

static void *cancel_decoder(void *arg) {
    cjob *j = (cjob *)arg;
    int k;
    for (k = 0; k < 12; k++) {
        llml_result r;
        llml_ctx_clear(j->c);
        r = llml_decode(j->c, ids, n_ids, 0);
        if (r == LLML_OK) j->n_ok++;
        else if (r == LLML_ERR_ABORTED) j->n_aborted++;
        else j->n_other++;
    }
    FLAG_SET(&j->done);
    return NULL;
}

static void *cancel_caller(void *arg) {
    cjob *j = (cjob *)arg;
    int k;
    /* a request now and then until the decoder is done (at most ~1e6) */
    for (k = 0; k < 1000000 && !FLAG_GET(&j->done); k++)
        if (k % 2000 == 0) llml_ctx_cancel(j->c);
    return NULL;
}

static void test_cancel(const char *rel) {
    llml_model *m = NULL;
    cjob j;
    void *args[2];
    CHECK(llml_model_load_file(lc_td(rel), NULL, &m, NULL) == LLML_OK, "%s: load", rel);
    if (!m) return;
    memset(&j, 0, sizeof(j));
    j.c = make_ctx(m, 2);
    CHECK(j.c != NULL, "cancel: context");
    if (j.c) {
        args[0] = &j; args[1] = &j;
        {
            /* two different functions: start them by hand */
#ifdef HAVE_PTHREADS
            pthread_t a, b;
            int sa = pthread_create(&a, NULL, cancel_decoder, &j) == 0;
            int sb = pthread_create(&b, NULL, cancel_caller, &j) == 0;
            if (sa) pthread_join(a, NULL); else cancel_decoder(&j);
            if (sb) pthread_join(b, NULL); else cancel_caller(&j);
#else
            cancel_decoder(&j);
            cancel_caller(&j);
#endif
        }
        (void)args;
        CHECK(j.n_other == 0 && j.n_ok + j.n_aborted == 12, "cancel: decodes returned other results (%d)", j.n_other);
        /* the context still works: a pending request is consumed, then all is well */
        llml_ctx_clear(j.c);
        if (llml_decode(j.c, ids, 1, 0) == LLML_ERR_ABORTED) llml_ctx_clear(j.c);
        CHECK(llml_decode(j.c, ids, n_ids, 0) == LLML_OK && llml_ctx_n_past(j.c) >= n_ids, "cancel: context unusable after");
        printf("test_threads: cancel from another thread: %d decodes finished, %d aborted\n", j.n_ok, j.n_aborted);
        llml_ctx_free(j.c);
    }
    llml_model_free(m);
}

/* ---- (e) a host job system ------------------------------------------------------ */

typedef struct host_task { llml_task_fn fn; void *arg; int ith, nth; } host_task;
static void *host_task_run(void *p) { host_task *t = (host_task *)p; t->fn(t->arg, t->ith, t->nth); return NULL; }

/* Runs task 0 on the calling thread and the others on new threads. */
static void host_parallel_for(void *user, llml_task_fn fn, void *arg, int n) {
    host_task t[16];
    void *args[16];
    int i;
    (*(int *)user)++;
    if (n > 16) n = 16;
    for (i = 0; i < n; i++) { t[i].fn = fn; t[i].arg = arg; t[i].ith = i; t[i].nth = n; args[i] = &t[i]; }
    run_all(host_task_run, args, n);
}

static void test_host_jobs(const char *rel) {
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_ctx_desc d;
    llml_model_info info;
    float *one;
    int calls = 0, ok;
    CHECK(llml_model_load_file(lc_td(rel), NULL, &m, NULL) == LLML_OK, "%s: load", rel);
    if (!m) return;
    llml_model_get_info(m, &info);
    one = decode_all(m, 1, 0);
    memset(&d, 0, sizeof(d));
    d.n_ctx = 128; d.n_batch = 64; d.n_threads = 3; d.kv_type = LLML_KV_F32;
    d.parallel_for = host_parallel_for; d.parallel_for_user = &calls;
    ok = llml_ctx_create(m, &d, &c, NULL) == LLML_OK && llml_decode(c, ids, n_ids, LLML_DECODE_ALL_LOGITS) == LLML_OK;
    CHECK(ok && one, "%s: decode with a host job system", rel);
    if (ok && one) {
        int i, same = 1;
        for (i = 0; i < n_ids; i++)
            same &= memcmp(llml_get_logits(c, i), one + (size_t)i * info.n_vocab, sizeof(float) * (size_t)info.n_vocab) == 0;
        CHECK(same, "%s: host job system: logits differ from 1 thread", rel);
        CHECK(calls > 0, "%s: the host's parallel_for was not called", rel);
        printf("test_threads: %-22s host job system (3 tasks, %d calls): bit-identical\n", rel, calls);
    }
    llml_ctx_free(c);
    free(one);
    llml_model_free(m);
}

static uint32_t mm_rng = 2463534242u;
static float mm_rnd(void) {
    mm_rng ^= mm_rng << 13; mm_rng ^= mm_rng >> 17; mm_rng ^= mm_rng << 5;
    return (float)(mm_rng >> 8) / 8388608.0f - 1.0f;
}

static void test_matmul_n(const char *rel) {
    static const llml_type sets[3][3] = {
        { LLML_TYPE_Q4_K, LLML_TYPE_Q4_K, LLML_TYPE_Q6_K },
        { LLML_TYPE_Q4_0, LLML_TYPE_Q8_0, LLML_TYPE_Q4_0 },
        { LLML_TYPE_Q4_0, LLML_TYPE_Q4_K, LLML_TYPE_Q4_K },
    };
    static const int64_t rows[3] = { 40, 70, 90 };   /* 3 + 5 + 6 chunks of 16: 2-4 threads start inside each part */
    static const int64_t nts[4] = { 1, 3, 5, 64 };
    llml_model *m = NULL;
    llml_model_info info;
    int64_t ne;
    int si, th, ni, k, bad = 0, runs = 0;
    float *x;
    CHECK(llml_model_load_file(lc_td(rel), NULL, &m, NULL) == LLML_OK, "%s: load", rel);
    if (!m) return;
    llml_model_get_info(m, &info);
    ne = info.n_embd;   /* 256: a whole K-quant block per row */
    x = (float *)malloc((size_t)(64 * ne) * sizeof(float));
    for (k = 0; k < 64 * ne; k++) x[k] = mm_rnd();
    for (si = 0; si < 3; si++) {
        llml__w w[3];
        const llml__w *wp[3];
        uint8_t *wd[3];
        float *fused[3], *sep[3];
        size_t strides[3];
        for (k = 0; k < 3; k++) {
            float *src = (float *)malloc((size_t)(rows[k] * ne) * sizeof(float));
            int64_t i;
            for (i = 0; i < rows[k] * ne; i++) src[i] = mm_rnd();
            memset(&w[k], 0, sizeof(w[k]));
            w[k].type = sets[si][k];
            w[k].ne[0] = ne; w[k].ne[1] = rows[k]; w[k].ne[2] = 1;
            w[k].row_bytes = llml_row_size(w[k].type, ne);
            wd[k] = (uint8_t *)malloc(w[k].row_bytes * (size_t)rows[k]);
            llml_quantize_rows(w[k].type, src, wd[k], rows[k], ne, NULL);
            w[k].data = wd[k];
            wp[k] = &w[k];
            strides[k] = (size_t)rows[k] + 3;   /* outputs with a gap between rows */
            fused[k] = (float *)malloc(strides[k] * 64 * sizeof(float));
            sep[k] = (float *)malloc(strides[k] * 64 * sizeof(float));
            free(src);
        }
        for (th = 1; th <= 4; th++) {
            llml_ctx *c = make_ctx(m, th);
            CHECK(c != NULL, "%s: context with %d threads", rel, th);
            if (!c) continue;
            for (ni = 0; ni < 4; ni++) {
                const int64_t nt = nts[ni];
                for (k = 0; k < 3; k++) {
                    memset(fused[k], 0xff, strides[k] * 64 * sizeof(float));   /* NaN: rows left unwritten show */
                    memset(sep[k], 0xff, strides[k] * 64 * sizeof(float));
                }
                llml__matmul_n(c, 3, wp, x, (size_t)ne, nt, fused, strides);
                for (k = 0; k < 3; k++) llml__matmul(c, &w[k], 0, x, (size_t)ne, nt, sep[k], strides[k]);
                for (k = 0; k < 3; k++) {
                    int64_t t, r;
                    for (t = 0; t < nt; t++)
                        for (r = 0; r < rows[k]; r++) {
                            const float a = fused[k][(size_t)t * strides[k] + (size_t)r], b = sep[k][(size_t)t * strides[k] + (size_t)r];
                            if (memcmp(&a, &b, sizeof a) != 0 || a != a) bad++;
                        }
                }
                runs++;
            }
            llml_ctx_free(c);
        }
        for (k = 0; k < 3; k++) { free(wd[k]); free(fused[k]); free(sep[k]); }
        CHECK(bad == 0, "matrices in one step (%s, %s, %s; 1-4 threads; 1-64 rows): %d outputs differ from one product per matrix",
              llml__types[sets[si][0]].info.name, llml__types[sets[si][1]].info.name, llml__types[sets[si][2]].info.name, bad);
        bad = 0;
    }
    CHECK(runs == 48, "%d runs", runs);
    free(x);
    llml_model_free(m);
}

/* ---- (g) chunk spans ------------------------------------------------------------- */

#if defined(HAVE_PTHREADS) && defined(LLML__ATOMIC_CAS64)
#define SP_THREADS 6
#define SP_CHUNKS 1000
typedef struct sp_shared {
    llml__span span[SP_THREADS];
    int taken[SP_CHUNKS];      /* times each chunk was taken (atomic adds) */
    int held;                  /* thread 0 has its first piece */
    int done;                  /* threads 1.. that found nothing left */
} sp_shared;
typedef struct sp_arg { sp_shared *s; int ith, mine; } sp_arg;

static void *sp_run(void *p) {
    sp_arg *a = (sp_arg *)p;
    int64_t c0, c1, i;
    int first = 1;
    if (a->ith != 0)   /* start once thread 0 has its first piece */
        while (!__atomic_load_n(&a->s->held, __ATOMIC_ACQUIRE)) LLML__PAUSE();
    do {
        while (llml__span_take(&a->s->span[a->ith], 1, &c0, &c1)) {
            for (i = c0; i < c1; i++) {
                int k;
                __atomic_add_fetch(&a->s->taken[i], 1, __ATOMIC_RELAXED);
                for (k = 0; k < 64; k++) LLML__PAUSE();   /* some work, so that the threads overlap */
            }
            a->mine += (int)(c1 - c0);
            if (a->ith == 0 && first) {   /* hold the first piece until the others ran out */
                __atomic_store_n(&a->s->held, 1, __ATOMIC_RELEASE);
                while (__atomic_load_n(&a->s->done, __ATOMIC_ACQUIRE) < SP_THREADS - 1) LLML__PAUSE();
            }
            first = 0;
        }
    } while (llml__span_steal(a->s->span, SP_THREADS, a->ith, 1));
    if (a->ith != 0) __atomic_add_fetch(&a->s->done, 1, __ATOMIC_ACQ_REL);
    return NULL;
}

static void test_spans(void) {
    static sp_shared s;
    sp_arg a[SP_THREADS];
    void *args[SP_THREADS];
    int i, once = 0, sum = 0, threaded;
    memset(&s, 0, sizeof s);
    for (i = 0; i < SP_THREADS; i++) {
        s.span[i].v = LLML__SPAN(SP_CHUNKS * i / SP_THREADS, SP_CHUNKS * (i + 1) / SP_THREADS);
        a[i].s = &s; a[i].ith = i; a[i].mine = 0; args[i] = &a[i];
    }
    threaded = run_all(sp_run, args, SP_THREADS);
    CHECK(threaded == SP_THREADS, "spans: %d of %d threads started", threaded, SP_THREADS);
    for (i = 0; i < SP_CHUNKS; i++) once += s.taken[i] == 1;
    for (i = 0; i < SP_THREADS; i++) sum += a[i].mine;
    CHECK(once == SP_CHUNKS && sum == SP_CHUNKS, "spans: %d of %d chunks taken exactly once (%d taken in all)", once, SP_CHUNKS, sum);
    /* thread 0's slice is chunks 0..165; its first piece a quarter of it */
    CHECK(a[0].mine == (SP_CHUNKS / SP_THREADS) / 4, "spans: thread 0 computed %d chunks, expected only its first piece (%d)",
          a[0].mine, (SP_CHUNKS / SP_THREADS) / 4);
    printf("test_threads: spans: %d chunks over %d threads each taken once; chunks per thread", SP_CHUNKS, SP_THREADS);
    for (i = 0; i < SP_THREADS; i++) printf(" %d", a[i].mine);
    printf("\n");
}
#else
static void test_spans(void) { printf("test_threads: spans: no POSIX threads or no compare-and-swap here, not run\n"); }
#endif

int main(void) {
    read_tokens();
    CHECK(n_ids == 48, "tokens.txt: %d ids", n_ids);
    if (n_ids <= 0) return check_summary("test_threads");
    test_thread_counts("arch/llama-f32.gguf");
    test_thread_counts("arch/qwen2moe-f32.gguf");
    test_shared_model("arch/llama-f32.gguf", 4);
    test_shared_model("arch/qwen2moe-f32.gguf", 3);
    test_shared_vocab("vocab/ggml-vocab-qwen3.gguf");
    test_cancel("arch/llama-f32.gguf");
    test_host_jobs("arch/qwen2moe-f32.gguf");
    test_matmul_n("quant/q4_0.gguf");
    test_spans();
    return check_summary("test_threads");
}
