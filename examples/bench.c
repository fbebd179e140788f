/* Build: make build/llmlite-bench   (or: cc -std=c99 -O2 -I. examples/bench.c -o llmlite-bench -lm -lpthread)
   Run:   build/llmlite-bench -m MODEL.gguf [-m ...] -p 512 -n 128 -t 1,2 -r 5 -o md|csv|json|jsonl [--calibrate]
   Measures prompt processing and token generation speed in the style of llama-bench; -h lists the options. */

/* For every model, thread count and test, llmlite-bench prints one row:
   ppN decodes a batch of N random tokens into an empty cache (one
   llml_decode call); tgN decodes N tokens one at a time, also from an empty
   cache. Each test runs once untimed (a warm-up: the whole prompt for pp,
   one token for tg, as llama-bench does) and then -r times; t/s is the mean
   of the repetitions' tokens per second, +- their standard deviation.

   Token generation reads every weight once per token, so its speed is
   bounded by memory bandwidth. For tg rows the tool also prints the
   effective bandwidth: the bytes of weights one token reads (all tensors,
   except that only one row of the token embeddings is read when the model
   has a separate output matrix, and of expert tensors only the active
   experts' share) times the tokens per second; and that figure's share of
   the machine's read bandwidth, measured by --calibrate (a streaming read
   over a buffer far larger than the caches, best of 5, per thread count)
   and cached in a file for later runs. With --calibrate the CPU tg rows'
   share is of the bandwidth measured again just before and just after
   that test (the larger of the two): on a shared machine the bandwidth a
   core pair gets can change by half within minutes. The calibration buffer
   stays allocated for this; its bytes are left out of the peak resident
   memory reported for each model.

   Built with a GPU backend (make cuda: build/llmlite-bench-cuda), contexts
   put -ngl layers on the GPU (default: all); --calibrate then also measures
   the device (a device-to-device copy, a streaming read, the backend's own
   Q8_0 matrix product at 512 rows, dp4a throughput): tg rows on the GPU
   report their share of the copy bandwidth, and pp rows their rate of
   multiply-adds (2 x the layers' weights per token) as a share of the
   measured product. */

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef LLML_IMPL_ELSEWHERE   /* make cuda: the implementation is examples/llmlite_cuda.cu */
#define LLMLITE_IMPLEMENTATION
#endif
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#if !defined(_WIN32)
#include <pthread.h>
#include <unistd.h>
#include <sys/stat.h>
#define BN_POSIX 1
#else
#define BN_POSIX 0
#endif

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BN_X86 1
#else
#define BN_X86 0
#endif

#ifndef LLML_BUILD_COMMIT
#define LLML_BUILD_COMMIT "unknown"
#endif

#define BN_MAX_LIST 32
#define BN_MAX_MODELS 64

static double bn_now(void) {
#if BN_POSIX
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

static int bn_ncpu(void) {
#if BN_POSIX && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
#else
    return 1;
#endif
}

/* ---- read bandwidth ------------------------------------------------------ */

#if BN_X86
__attribute__((target("avx2")))
static uint64_t bn_sum_avx2(const uint8_t *p, size_t n) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    uint64_t out[4];
    size_t i;
    for (i = 0; i + 128 <= n; i += 128) {
        a0 = _mm256_add_epi64(a0, _mm256_load_si256((const __m256i *)(const void *)(p + i)));
        a1 = _mm256_add_epi64(a1, _mm256_load_si256((const __m256i *)(const void *)(p + i + 32)));
        a2 = _mm256_add_epi64(a2, _mm256_load_si256((const __m256i *)(const void *)(p + i + 64)));
        a3 = _mm256_add_epi64(a3, _mm256_load_si256((const __m256i *)(const void *)(p + i + 96)));
    }
    a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    _mm256_storeu_si256((__m256i *)(void *)out, a0);
    return out[0] + out[1] + out[2] + out[3];
}
#endif

static uint64_t bn_sum_plain(const uint8_t *p, size_t n) {
    const uint64_t *q = (const uint64_t *)(const void *)p;
    uint64_t a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    size_t i, m = n / 8;
    for (i = 0; i + 8 <= m; i += 8) {
        a[0] += q[i]; a[1] += q[i + 1]; a[2] += q[i + 2]; a[3] += q[i + 3];
        a[4] += q[i + 4]; a[5] += q[i + 5]; a[6] += q[i + 6]; a[7] += q[i + 7];
    }
    return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
}

typedef struct bn_reader {
    const uint8_t *p;
    size_t n;
    int use_avx2;
    volatile uint64_t sink;
#if BN_POSIX
    pthread_t th;
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int *go;
#endif
} bn_reader;

static uint64_t bn_sum(const bn_reader *r) {
#if BN_X86
    if (r->use_avx2) return bn_sum_avx2(r->p, r->n);
#endif
    return bn_sum_plain(r->p, r->n);
}

#if BN_POSIX
static void *bn_reader_main(void *arg) {
    bn_reader *r = (bn_reader *)arg;
    pthread_mutex_lock(r->mu);
    while (!*r->go) pthread_cond_wait(r->cv, r->mu);
    pthread_mutex_unlock(r->mu);
    r->sink = bn_sum(r);
    return NULL;
}
#endif

/* GB/s (1e9 bytes) of one pass over buf with nt threads, best of `reps`. */
static double bn_bandwidth(const uint8_t *buf, size_t size, int nt, int reps) {
    double best = 0.0;
    int rep, i;
    bn_reader rd[64];
    size_t part = (size / (size_t)nt) & ~(size_t)127;
    int avx2 = BN_X86 && llml_isa_supported(LLML_ISA_AVX2);
    if (nt > 64) nt = 64;
    for (rep = 0; rep < reps; rep++) {
        double t0, t;
#if BN_POSIX
        pthread_mutex_t mu;
        pthread_cond_t cv;
        int go = 0, started = 0;
        pthread_mutex_init(&mu, NULL);
        pthread_cond_init(&cv, NULL);
#endif
        for (i = 0; i < nt; i++) {
            rd[i].p = buf + (size_t)i * part;
            rd[i].n = part;
            rd[i].use_avx2 = avx2;
            rd[i].sink = 0;
        }
#if BN_POSIX
        for (i = 1; i < nt; i++) {
            rd[i].mu = &mu;
            rd[i].cv = &cv;
            rd[i].go = &go;
            if (pthread_create(&rd[i].th, NULL, bn_reader_main, &rd[i]) != 0) break;
        }
        started = i;
        pthread_mutex_lock(&mu);
        go = 1;
        t0 = bn_now();
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
        rd[0].sink = bn_sum(&rd[0]);
        for (i = 1; i < started; i++) pthread_join(rd[i].th, NULL);
        t = bn_now() - t0;
        pthread_mutex_destroy(&mu);
        pthread_cond_destroy(&cv);
        if (started < nt) return 0.0;
#else
        t0 = bn_now();
        for (i = 0; i < nt; i++) rd[i].sink = bn_sum(&rd[i]);
        t = bn_now() - t0;
#endif
        if (t > 0 && (double)part * nt / t / 1e9 > best) best = (double)part * nt / t / 1e9;
    }
    return best;
}

/* ---- options ---------------------------------------------------------------- */

typedef struct bn_list {
    int v[BN_MAX_LIST];
    int n;
} bn_list;

static int bn_parse_list(const char *s, int lo, int hi, bn_list *out) {
    out->n = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < lo || v > hi || out->n == BN_MAX_LIST) return 0;
        out->v[out->n++] = (int)v;
        s = end;
        if (*s == ',') s++;
        else if (*s) return 0;
    }
    return out->n > 0;
}

static int bn_list_max(const bn_list *l) {
    int i, m = 0;
    for (i = 0; i < l->n; i++)
        if (l->v[i] > m) m = l->v[i];
    return m;
}

/* The context of every test: the longest test, and at least 16 tokens. */
static int bn_ctx_size(const bn_list *lp, const bn_list *ln) {
    int max_p = bn_list_max(lp), max_n = bn_list_max(ln), n = (max_p > max_n ? max_p : max_n) + 1;
    return n < 16 ? 16 : n;
}

static void bn_usage(FILE *f) {
    fprintf(f,
        "usage: llmlite-bench -m MODEL.gguf [-m MODEL2.gguf ...] [options]\n"
        "  -m, --model FILE     model to test (repeatable)\n"
        "  -p, --n-prompt LIST  prompt lengths, comma-separated (default 512; 0: no pp test)\n"
        "  -n, --n-gen LIST     generation lengths (default 128; 0: no tg test)\n"
        "  -t, --threads LIST   thread counts (default: the number of CPUs)\n"
        "  -r, --repetitions N  timed repetitions per test (default 5), after one warm-up run\n"
        "  -o, --output FMT     md (default), csv, json or jsonl, on stdout\n"
        "  -b, --batch-size N   most tokens per forward pass (default 512)\n"
        "  --isa NAME           cap the kernels' instruction set: scalar, avx2, avx512, neon,\n"
        "                       neon-dotprod, neon-i8mm (default: the best this CPU has)\n"
        "  --kv TYPE            KV cache: f16 (default), f32, q8_0\n"
        "  -mmp, --mmap 0|1     1 (default): map the model file; 0: read it into memory\n"
        "  -rtr, --repack 0|1   1 (default): let loading repack the matrices the CPU's kernels\n"
        "                       read faster interleaved (mapped files, AVX-512); 0: no_repack\n"
        "  --calibrate          measure the machine's read bandwidth first (1 thread and each\n"
        "                       thread count; best of 5 streaming reads of a large buffer) and\n"
        "                       save it in the bandwidth file\n"
        "  --calibrate-mib N    buffer size for --calibrate (default 1024)\n"
        "  -ngl, --n-gpu-layers N  layers on the GPU when built with one (default: all;\n"
        "                       0: the CPU alone)\n"
        "  --bw-file FILE       bandwidth cache (default build/llmlite-bench-bandwidth.txt\n"
        "                       when ./build exists); read when --calibrate is not given\n"
        "  --no-warmup          skip the warm-up runs\n"
        "  --seed N             seed of the random tokens (default 1)\n"
        "  -q, --quiet          no progress on stderr\n"
        "Rows: model, size (tensor bytes), params, backend, threads, test (ppN / tgN),\n"
        "t/s +- stddev; for tg also GB/s (weights read per token x t/s) and its share of the\n"
        "calibrated read bandwidth at that thread count. -o json uses llama-bench's field names.\n");
}

/* ---- results ------------------------------------------------------------------ */

typedef struct bn_row {
    int model;                 /* index into the model table */
    int gpu_layers;            /* layers on the GPU backend (0: the CPU alone) */
    double pp_share;           /* pp rows on the GPU: share of the measured product */
    int n_threads, n_prompt, n_gen;
    int reps;
    double *samples_ns;        /* reps */
    double avg_ns, stddev_ns, avg_ts, stddev_ts;
    double gbps, bw, share;    /* tg only; bw/share 0 when unknown */
    char test_time[32];
} bn_row;

typedef struct bn_model {
    const char *path;
    char type[96];             /* "llama 1.5B Q4_0" */
    char arch[32];
    uint64_t size, n_params, bytes_per_token;
    int64_t peak_rss;          /* bytes, -1 unknown */
} bn_model;

static void bn_size_str(uint64_t b, char *out, size_t cap) {
    if (b >= (uint64_t)1 << 30) snprintf(out, cap, "%.2f GiB", (double)b / 1073741824.0);
    else snprintf(out, cap, "%.2f MiB", (double)b / 1048576.0);
}

static void bn_params_str(uint64_t n, char *out, size_t cap) {
    if (n >= 1000000000ull) snprintf(out, cap, "%.2f B", (double)n / 1e9);
    else if (n >= 1000000ull) snprintf(out, cap, "%.2f M", (double)n / 1e6);
    else snprintf(out, cap, "%.2f K", (double)n / 1e3);
}

static void bn_test_str(const bn_row *r, char *out, size_t cap) {
    if (r->n_prompt > 0) snprintf(out, cap, "pp%d", r->n_prompt);
    else snprintf(out, cap, "tg%d", r->n_gen);
}

/* A JSON string (quotes and escapes). */
static void bn_json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

typedef struct bn_env {
    char cpu_info[128];
    const char *isa;
    const char *kv;
    int n_batch;
    int mmap;   /* 0: -mmp 0, the file read into memory */
    int repack; /* 0: -rtr 0, llml_model_desc.no_repack */
} bn_env;

static const char *bn_gpu_name(void) { return llml_backend_cuda() ? "CUDA" : llml_backend_metal() ? "Metal" : "GPU"; }

static void bn_print_json_row(FILE *f, const bn_env *e, const bn_model *m, const bn_row *r, const char *nl,
                              const char *ind, const char *close) {
    char backend[48];
    int i;
    if (r->gpu_layers > 0) snprintf(backend, sizeof backend, "%s", bn_gpu_name());
    else snprintf(backend, sizeof backend, "CPU (%s)", e->isa);
    fprintf(f, "{%s", nl);
    fprintf(f, "%s\"build_commit\": ", ind); bn_json_str(f, LLML_BUILD_COMMIT); fprintf(f, ",%s", nl);
    fprintf(f, "%s\"build_number\": 0,%s", ind, nl);
    fprintf(f, "%s\"cpu_info\": ", ind); bn_json_str(f, e->cpu_info); fprintf(f, ",%s", nl);
    fprintf(f, "%s\"gpu_info\": \"\",%s", ind, nl);
    fprintf(f, "%s\"backends\": ", ind); bn_json_str(f, backend); fprintf(f, ",%s", nl);
    fprintf(f, "%s\"isa\": ", ind); bn_json_str(f, e->isa); fprintf(f, ",%s", nl);
    fprintf(f, "%s\"model_filename\": ", ind); bn_json_str(f, m->path); fprintf(f, ",%s", nl);
    fprintf(f, "%s\"model_type\": ", ind); bn_json_str(f, m->type); fprintf(f, ",%s", nl);
    fprintf(f, "%s\"model_size\": %llu,%s", ind, (unsigned long long)m->size, nl);
    fprintf(f, "%s\"model_n_params\": %llu,%s", ind, (unsigned long long)m->n_params, nl);
    fprintf(f, "%s\"n_batch\": %d,%s", ind, e->n_batch, nl);
    fprintf(f, "%s\"n_ubatch\": %d,%s", ind, e->n_batch, nl);
    fprintf(f, "%s\"n_threads\": %d,%s", ind, r->n_threads, nl);
    fprintf(f, "%s\"type_k\": \"%s\",%s", ind, e->kv, nl);
    fprintf(f, "%s\"type_v\": \"%s\",%s", ind, e->kv, nl);
    fprintf(f, "%s\"n_gpu_layers\": %d,%s", ind, r->gpu_layers, nl);
    fprintf(f, "%s\"flash_attn\": false,%s", ind, nl);
    fprintf(f, "%s\"use_mmap\": %s,%s", ind, e->mmap ? "true" : "false", nl);
    fprintf(f, "%s\"repack\": %s,%s", ind, e->repack ? "true" : "false", nl);
    fprintf(f, "%s\"n_prompt\": %d,%s", ind, r->n_prompt, nl);
    fprintf(f, "%s\"n_gen\": %d,%s", ind, r->n_gen, nl);
    fprintf(f, "%s\"test_time\": \"%s\",%s", ind, r->test_time, nl);
    fprintf(f, "%s\"avg_ns\": %.0f,%s", ind, r->avg_ns, nl);
    fprintf(f, "%s\"stddev_ns\": %.0f,%s", ind, r->stddev_ns, nl);
    fprintf(f, "%s\"avg_ts\": %.6f,%s", ind, r->avg_ts, nl);
    fprintf(f, "%s\"stddev_ts\": %.6f,%s", ind, r->stddev_ts, nl);
    fprintf(f, "%s\"samples_ns\": [", ind);
    for (i = 0; i < r->reps; i++) fprintf(f, "%s%.0f", i ? ", " : " ", r->samples_ns[i]);
    fprintf(f, " ],%s", nl);
    fprintf(f, "%s\"samples_ts\": [", ind);
    for (i = 0; i < r->reps; i++)
        fprintf(f, "%s%.6f", i ? ", " : " ",
                r->samples_ns[i] > 0 ? (double)(r->n_prompt + r->n_gen) * 1e9 / r->samples_ns[i] : 0.0);
    fprintf(f, " ],%s", nl);
    fprintf(f, "%s\"bytes_per_token\": %llu,%s", ind, (unsigned long long)m->bytes_per_token, nl);
    if (r->n_gen > 0) fprintf(f, "%s\"gbps\": %.3f,%s", ind, r->gbps, nl);
    else fprintf(f, "%s\"gbps\": null,%s", ind, nl);
    if (r->bw > 0) fprintf(f, "%s\"bw_gbps\": %.3f,%s", ind, r->bw, nl);
    else fprintf(f, "%s\"bw_gbps\": null,%s", ind, nl);
    if (r->share > 0) fprintf(f, "%s\"bw_share\": %.4f,%s", ind, r->share, nl);
    else fprintf(f, "%s\"bw_share\": null,%s", ind, nl);
    if (m->peak_rss >= 0) fprintf(f, "%s\"peak_rss\": %lld%s", ind, (long long)m->peak_rss, nl);
    else fprintf(f, "%s\"peak_rss\": null%s", ind, nl);
    fprintf(f, "%s}", close);
}

/* ---- model facts ----------------------------------------------------------------- */

/* Bytes of weights one generated token reads. */
static uint64_t bn_bytes_per_token(const llml_model *m) {
    const llml_gguf *g = llml_model_gguf(m);
    llml_model_info info;
    int64_t i, n = llml_gguf_n_tensors(g);
    int has_output = llml_gguf_find_tensor(g, "output.weight") >= 0;
    uint64_t total = 0;
    memset(&info, 0, sizeof info);
    llml_model_get_info(m, &info);
    for (i = 0; i < n; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        if (strcmp(t->name, "token_embd.weight") == 0 && has_output) {
            total += t->ne[1] > 0 ? t->size / (uint64_t)t->ne[1] : 0;   /* one row */
        } else if (strstr(t->name, "_exps.") && info.n_expert > 0 && t->ne[2] == info.n_expert) {
            total += t->size / (uint64_t)info.n_expert * (uint64_t)info.n_expert_used;
        } else {
            total += t->size;
        }
    }
    return total;
}

static void bn_model_type(const llml_model *m, char *out, size_t cap) {
    llml_model_info info;
    const llml_mix_info *mix;
    char sz[32];
    memset(&info, 0, sizeof info);
    info.arch = "?";
    info.file_type = -1;
    llml_model_get_info(m, &info);
    if (info.n_params >= 1000000000ull) snprintf(sz, sizeof sz, "%.1fB", (double)info.n_params / 1e9);
    else if (info.n_params >= 1000000ull) snprintf(sz, sizeof sz, "%.0fM", (double)info.n_params / 1e6);
    else snprintf(sz, sizeof sz, "%.0fK", (double)info.n_params / 1e3);
    mix = info.file_type >= 0 ? llml_mix_for_ftype(info.file_type) : NULL;
    snprintf(out, cap, "%s %s %s", info.arch, sz, mix ? mix->name : "?");
}

static int64_t bn_peak_rss(void) {
#if defined(__linux__)
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int64_t v = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) { v = (int64_t)strtoll(line + 6, NULL, 10) * 1024; break; }
    fclose(f);
    return v;
#else
    return -1;
#endif
}

static void bn_reset_peak_rss(void) {
#if defined(__linux__)
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) { fputs("5", f); fclose(f); }
#endif
}

static void bn_cpu_info(char *out, size_t cap) {
    snprintf(out, cap, "unknown");
#if defined(__linux__)
    {
        FILE *f = fopen("/proc/cpuinfo", "r");
        char line[512];
        if (!f) return;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':'), *e;
                if (!p) break;
                p++;
                while (*p == ' ' || *p == '\t') p++;
                e = p + strlen(p);
                while (e > p && (e[-1] == '\n' || e[-1] == ' ')) *--e = 0;
                snprintf(out, cap, "%s", p);
                break;
            }
        }
        fclose(f);
    }
#endif
}

/* The instruction set a context gets under cap (see llml_isa). */
static llml_isa bn_effective_isa(llml_isa cap) {
    llml_isa best = llml_isa_best();
    int cap_x86 = cap == LLML_ISA_AVX2 || cap == LLML_ISA_AVX512;
    int best_x86 = best == LLML_ISA_AVX2 || best == LLML_ISA_AVX512;
    int cap_arm = cap == LLML_ISA_NEON || cap == LLML_ISA_NEON_DOTPROD || cap == LLML_ISA_NEON_I8MM;
    int best_arm = best == LLML_ISA_NEON || best == LLML_ISA_NEON_DOTPROD || best == LLML_ISA_NEON_I8MM;
    if (cap == LLML_ISA_DEFAULT) return best;
    if (cap == LLML_ISA_SCALAR) return LLML_ISA_SCALAR;
    if ((cap_x86 && best_x86) || (cap_arm && best_arm)) return cap < best ? cap : best;
    return LLML_ISA_SCALAR;
}

/* ---- bandwidth cache ------------------------------------------------------------- */

typedef struct bn_bw {
    double gbps[65];           /* by thread count; 0 unknown */
} bn_bw;

/* The sizing model against the measurements (CPU rows, bandwidth known):
   for each thread count, a device with this machine's measured read
   bandwidth is calibrated (llml_device_calibrate) on the first model's tg
   and pp results; llml_plan_compute then predicts every model. The first
   model's error is 0 by construction: the others are the check. Prompt
   speeds are predicted only after calibration (the CPU's peak rate is not
   measured: 1 TFLOPS per thread stands in, the calibration scales it). */
static const bn_row *bn_find_row(const bn_row *rows, int n_rows, int model, int nth, int gen) {
    int i;
    for (i = 0; i < n_rows; i++)
        if (rows[i].model == model && rows[i].n_threads == nth && rows[i].gpu_layers == 0 &&
            (gen ? rows[i].n_gen > 0 : rows[i].n_prompt > 0))
            return &rows[i];
    return NULL;
}

static int bn_plan(const char *path, const llml_device *host, const bn_row *pp, const bn_row *tg, int n_ctx,
                   int n_batch, llml_kv_type kv, int nth, llml_plan *out) {
    llml_gguf_desc gd;
    llml_gguf *g = NULL;
    llml_plan_desc pd;
    llml_error err;
    llml_result r;
    memset(&gd, 0, sizeof gd);
    gd.header_only = 1;
    if (llml_gguf_open_file(path, &gd, &g, &err) != LLML_OK) return 0;
    memset(&pd, 0, sizeof pd);
    pd.gguf = g;
    pd.n_ctx = n_ctx;
    pd.kv_type = kv;
    pd.n_batch = n_batch;
    pd.n_threads = nth;
    pd.host = host;
    pd.gen_pos = tg && tg->n_gen > 1 ? tg->n_gen / 2 : 1;
    pd.n_prompt = pp ? pp->n_prompt : 512;
    r = llml_plan_compute(&pd, out, &err);
    llml_gguf_close(g);
    return r == LLML_OK;
}

/* The formats of the 2-D weight tensors of the models (used[type] = 1). */
static void bn_model_types(const bn_model *mt, int n_models, unsigned char *used) {
    int i;
    for (i = 0; i < n_models; i++) {
        llml_gguf_desc gd;
        llml_gguf *g = NULL;
        llml_error err;
        int64_t j;
        memset(&gd, 0, sizeof gd);
        gd.header_only = 1;
        if (llml_gguf_open_file(mt[i].path, &gd, &g, &err) != LLML_OK) continue;
        for (j = 0; j < llml_gguf_n_tensors(g); j++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, j);
            if (t && t->n_dims >= 2 && (int)t->type >= 0 && t->type < LLML_TYPE_COUNT) used[t->type] = 1;
        }
        llml_gguf_close(g);
    }
}

static void bn_sizing_report(const bn_model *mt, int n_models, const bn_row *rows, int n_rows, const bn_bw *bw,
                             const bn_list *lt, int n_ctx, int n_batch, llml_kv_type kv, llml_isa isa_cap, int quiet) {
    int ti, i, header = 0;
    unsigned char used[LLML_TYPE_COUNT];
    memset(used, 0, sizeof used);
    bn_model_types(mt, n_models, used);
    for (ti = 0; ti < lt->n; ti++) {
        const int nth = lt->v[ti];
        llml_device dev;
        llml_plan p0;
        const bn_row *pp0 = bn_find_row(rows, n_rows, 0, nth, 0), *tg0 = bn_find_row(rows, n_rows, 0, nth, 1);
        double def_eff, rates[LLML_TYPE_COUNT];
        char rate_line[512];
        size_t rl = 0;
        int ty;
        if (nth > 64 || !(bw->gbps[nth] > 0) || !tg0) continue;
        memset(&dev, 0, sizeof dev);
        dev.name = "this machine";
        dev.kind = LLML_DEVICE_CPU;
        dev.mem_gb = 1e4;
        dev.bw_gbs = bw->gbps[nth];
        dev.tflops = (double)nth;
        llml_device_defaults(&dev, &def_eff, NULL, NULL);
        /* each format's matrix-vector rate at this thread count, streaming
           256 MB of weights from memory as generation does (the cores and
           the memory together), and in the caches (the cores alone: shown
           for comparison); the model uses the first, and the memory's side
           starts from the streaming read measured above (efficiency 1) */
        rate_line[0] = 0;
        for (ty = 0; ty < LLML_TYPE_COUNT; ty++) {
            const llml_type_info *ti2 = llml_type_get_info((llml_type)ty);
            double in_cache = 0;
            rates[ty] = 0;
            if (!used[ty] || !ti2) continue;
            if (!quiet) fprintf(stderr, "llmlite-bench: matrix-vector rate of %s, %d thread%s\n", ti2->name, nth, nth > 1 ? "s" : "");
            if (llml_cpu_mv_rate((llml_type)ty, nth, isa_cap, (uint64_t)256 << 20, 0.5, &rates[ty]) != LLML_OK) rates[ty] = 0;
            if (llml_cpu_mv_rate((llml_type)ty, nth, isa_cap, 0, 0.25, &in_cache) != LLML_OK) in_cache = 0;
            if (rates[ty] > 0 && rl < sizeof rate_line)
                rl += (size_t)snprintf(rate_line + rl, sizeof rate_line - rl, "%s %s %.1f (in cache %.1f)", rl ? "," : "",
                                       ti2->name, rates[ty] * ti2->type_size / ti2->block_size,
                                       in_cache * ti2->type_size / ti2->block_size);
        }
        dev.mv_gws = rates;
        dev.bw_eff = 1.0;
        if (!bn_plan(mt[0].path, &dev, pp0, tg0, n_ctx, n_batch, kv, nth, &p0)) continue;
        {
            llml_device cal = dev;
            double tg_default = p0.gen_tps;
            if (llml_device_calibrate(&cal, &p0, tg0->avg_ts, pp0 ? pp0->avg_ts : 0) != LLML_OK) continue;
            if (!header) {
                printf("\nsizing model (llml_plan_compute with the read bandwidth above; efficiencies calibrated on the\n"
                       "first model at each thread count, which the other models then check):\n");
                printf("| %-28s | %7s | %9s | %9s | %6s | %9s | %9s | %6s |\n", "model", "threads", "tg meas.",
                       "tg pred.", "error", "pp meas.", "pp pred.", "error");
                printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", "----------------------------", "------:",
                       "--------:", "--------:", "-----:", "--------:", "--------:", "-----:");
                header = 1;
            }
            for (i = 0; i < n_models; i++) {
                const bn_row *pp = bn_find_row(rows, n_rows, i, nth, 0), *tg = bn_find_row(rows, n_rows, i, nth, 1);
                llml_plan p;
                char e1[16] = "-", e2[16] = "-", m2[16] = "-", q2[16] = "-";
                if (!tg || !bn_plan(mt[i].path, &cal, pp, tg, n_ctx, n_batch, kv, nth, &p)) continue;
                if (i == 0) { snprintf(e1, sizeof e1, "calib."); }
                else snprintf(e1, sizeof e1, "%+.1f%%", 100.0 * (p.gen_tps / tg->avg_ts - 1.0));
                if (pp && p.prompt_tps > 0) {
                    snprintf(m2, sizeof m2, "%.2f", pp->avg_ts);
                    snprintf(q2, sizeof q2, "%.2f", p.prompt_tps);
                    if (i == 0) snprintf(e2, sizeof e2, "calib.");
                    else snprintf(e2, sizeof e2, "%+.1f%%", 100.0 * (p.prompt_tps / pp->avg_ts - 1.0));
                }
                printf("| %-28s | %7d | %9.2f | %9.2f | %6s | %9s | %9s | %6s |\n", mt[i].type, nth, tg->avg_ts,
                       p.gen_tps, e1, m2, q2, e2);
            }
            printf("%d thread%s: matrix-vector rates from memory, GB/s of weights:%s\n", nth, nth > 1 ? "s" : "",
                   rate_line[0] ? rate_line : " none");
            printf("%d thread%s: calibrated on %s (%s): bandwidth efficiency %.2f, matrix-vector efficiency %.2f "
                   "(uncalibrated prediction %.2f t/s)\n", nth, nth > 1 ? "s" : "", mt[0].type,
                   p0.gen_mv_s > (double)p0.bytes_per_token / (dev.bw_gbs * 1e9) ? "the kernels' rate binds"
                                                                               : "the streaming read binds",
                   cal.bw_eff, cal.mv_eff > 0 ? cal.mv_eff : 1.0, tg_default);
        }
    }
}

static int bn_bw_load(const char *path, bn_bw *bw) {
    FILE *f = fopen(path, "r");
    char line[256];
    int n = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        int t;
        double v;
        if (line[0] == '#') continue;
        if (sscanf(line, "%d %lf", &t, &v) == 2 && t >= 1 && t <= 64 && v > 0) { bw->gbps[t] = v; n++; }
    }
    fclose(f);
    return n;
}

static void bn_bw_save(const char *path, const bn_bw *bw, size_t mib) {
    FILE *f = fopen(path, "w");
    int t;
    if (!f) { fprintf(stderr, "llmlite-bench: note: cannot write %s\n", path); return; }
    fprintf(f, "# llmlite-bench --calibrate: read bandwidth, GB/s (1e9 bytes/s), best of 5 passes over %zu MiB\n", mib);
    fprintf(f, "# threads GB/s\n");
    for (t = 1; t <= 64; t++)
        if (bw->gbps[t] > 0) fprintf(f, "%d %.2f\n", t, bw->gbps[t]);
    fclose(f);
}

/* ---- main ------------------------------------------------------------------------- */

static int bn_fail(const char *msg, const char *arg) {
    fprintf(stderr, "llmlite-bench: error: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return 1;
}

static uint64_t bn_rng(uint64_t *s) {
    uint64_t x = (*s += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

int main(int argc, char **argv) {
    const char *models[BN_MAX_MODELS];
    int n_models = 0, reps = 5, n_batch = 512, calibrate = 0, warmup = 1, quiet = 0, tty = 0;
    size_t calib_mib = 1024;
    bn_list lp, ln, lt;
    const char *fmt = "md", *bw_file = NULL;
    llml_isa isa_cap = LLML_ISA_DEFAULT;
    llml_kv_type kv = LLML_KV_F16;
    const char *kv_name = "f16";
    int use_mmap = 1, repack = 1;
    uint64_t seed = 1;
    bn_bw bw;
    bn_model *mt = NULL;
    bn_row *rows = NULL;
    int n_rows = 0, cap_rows = 0, i, rc = 1, have_bw = 0;
    uint8_t *cal_buf = NULL, *cal_al = NULL;   /* --calibrate: kept for the per-test readings */
    size_t cal_size = 0;
    double bw_before = 0;
    bn_env env;
    int32_t *tokens = NULL;
    const llml_backend *gpu = llml_backend_cuda() ? llml_backend_cuda() : llml_backend_metal();
    int ngl = 999;
    llml_backend_measure gm;

    lp.n = 1; lp.v[0] = 512;
    ln.n = 1; ln.v[0] = 128;
    lt.n = 1; lt.v[0] = bn_ncpu();
    memset(&bw, 0, sizeof bw);

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define BN_IS(s, l) (strcmp(a, s) == 0 || strcmp(a, l) == 0)
        if (BN_IS("-h", "--help")) { bn_usage(stdout); return 0; }
        if (BN_IS("-q", "--quiet")) { quiet = 1; continue; }
        if (strcmp(a, "--calibrate") == 0) { calibrate = 1; continue; }
        if (strcmp(a, "--no-warmup") == 0) { warmup = 0; continue; }
        if (!v) { bn_usage(stderr); return bn_fail("unknown option or missing value", a); }
        i++;
        if (BN_IS("-m", "--model")) {
            if (n_models == BN_MAX_MODELS) return bn_fail("too many models", v);
            models[n_models++] = v;
        } else if (BN_IS("-p", "--n-prompt")) {
            if (!bn_parse_list(v, 0, 1 << 20, &lp)) return bn_fail("bad -p list", v);
        } else if (BN_IS("-n", "--n-gen")) {
            if (!bn_parse_list(v, 0, 1 << 20, &ln)) return bn_fail("bad -n list", v);
        } else if (BN_IS("-t", "--threads")) {
            if (!bn_parse_list(v, 1, 64, &lt)) return bn_fail("bad -t list (1..64)", v);
        } else if (BN_IS("-r", "--repetitions")) {
            reps = atoi(v);
            if (reps < 1 || reps > 1000) return bn_fail("bad repetition count", v);
        } else if (BN_IS("-b", "--batch-size")) {
            n_batch = atoi(v);
            if (n_batch < 1 || n_batch > (1 << 20)) return bn_fail("bad batch size", v);
        } else if (BN_IS("-o", "--output")) {
            if (strcmp(v, "md") && strcmp(v, "csv") && strcmp(v, "json") && strcmp(v, "jsonl"))
                return bn_fail("output format must be md, csv, json or jsonl", v);
            fmt = v;
        } else if (strcmp(a, "--isa") == 0) {
            static const llml_isa all[] = { LLML_ISA_SCALAR, LLML_ISA_AVX2, LLML_ISA_AVX512, LLML_ISA_NEON,
                                            LLML_ISA_NEON_DOTPROD, LLML_ISA_NEON_I8MM };
            size_t k;
            for (k = 0; k < sizeof all / sizeof all[0]; k++)
                if (strcmp(v, llml_isa_name(all[k])) == 0) break;
            if (k == sizeof all / sizeof all[0]) return bn_fail("unknown instruction set", v);
            isa_cap = all[k];
            if (!llml_isa_supported(isa_cap))
                fprintf(stderr, "llmlite-bench: note: this CPU or build lacks %s; capped at what it has\n", v);
        } else if (strcmp(a, "--kv") == 0) {
            if (strcmp(v, "f16") == 0) kv = LLML_KV_F16;
            else if (strcmp(v, "f32") == 0) kv = LLML_KV_F32;
            else if (strcmp(v, "q8_0") == 0) kv = LLML_KV_Q8_0;
            else return bn_fail("--kv must be f16, f32 or q8_0", v);
            kv_name = v;
        } else if (strcmp(a, "--calibrate-mib") == 0) {
            long mb = atol(v);
            if (mb < 1 || mb > (1L << 20)) return bn_fail("bad --calibrate-mib", v);
            calib_mib = (size_t)mb;
        } else if (BN_IS("-mmp", "--mmap")) {
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) return bn_fail("-mmp must be 0 or 1", v);
            use_mmap = v[0] == '1';
        } else if (BN_IS("-rtr", "--repack")) {
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) return bn_fail("-rtr must be 0 or 1", v);
            repack = v[0] == '1';
        } else if (BN_IS("-ngl", "--n-gpu-layers")) {
            char *end;
            long k = strtol(v, &end, 10);
            if (end == v || *end || k < 0 || k > 100000) return bn_fail("bad -ngl", v);
            ngl = (int)k;
        } else if (strcmp(a, "--bw-file") == 0) {
            bw_file = v;
        } else if (strcmp(a, "--seed") == 0) {
            seed = (uint64_t)strtoull(v, NULL, 10);
        } else {
            bn_usage(stderr);
            return bn_fail("unknown option", a);
        }
#undef BN_IS
    }
    if (n_models == 0) { bn_usage(stderr); return bn_fail("no model given (-m FILE)", NULL); }
#if BN_POSIX
    tty = isatty(fileno(stderr));
    if (!bw_file) {
        struct stat st;
        if (stat("build", &st) == 0 && S_ISDIR(st.st_mode)) bw_file = "build/llmlite-bench-bandwidth.txt";
    }
#endif

    memset(&env, 0, sizeof env);
    bn_cpu_info(env.cpu_info, sizeof env.cpu_info);
    env.isa = llml_isa_name(bn_effective_isa(isa_cap));
    env.kv = kv_name;
    env.mmap = use_mmap;
    env.repack = repack;
    env.n_batch = n_batch;

    /* ---- bandwidth ---- */
    memset(&gm, 0, sizeof gm);
    if (!gpu) ngl = 0;
    if (calibrate && gpu && ngl > 0) {   /* the GPU: its own measurements */
        llml_backend_open od;
        void *st = NULL;
        llml_result gr;
        memset(&od, 0, sizeof od);
        gr = gpu->open(gpu->user, &od, &st);
        if (gr == LLML_OK && gpu->measure) gr = gpu->measure(st, &gm);
        if (gr == LLML_ERR_UNSUPPORTED && !st) fprintf(stderr, "llmlite-bench: no %s device: nothing to calibrate\n", bn_gpu_name());
        else if (gr != LLML_OK) fprintf(stderr, "llmlite-bench: GPU calibration failed: %s%s%s\n", llml_result_string(gr),
                                   st && gpu->last_error ? ": " : "", st && gpu->last_error ? gpu->last_error(st) : "");
        else if (!quiet)
            fprintf(stderr, "llmlite-bench: %s: copy %.1f GB/s, read %.1f GB/s, Q8_0 product %.1f TOPS, dp4a %.1f TOPS\n",
                    gm.note, gm.copy_gbs, gm.read_gbs, gm.matmul_tops, gm.peak_tops);
        if (st) gpu->close(st);
    }
    if (calibrate) {
        size_t size = calib_mib << 20;
        uint8_t *buf = (uint8_t *)malloc(size + 64);
        uint8_t *al;
        int t;
        if (!buf) return bn_fail("out of memory for the calibration buffer", NULL);
        al = (uint8_t *)(((uintptr_t)buf + 63) & ~(uintptr_t)63);
        memset(al, 1, size);
        if (!quiet) fprintf(stderr, "llmlite-bench: calibrating: streaming reads of %zu MiB, best of 5\n", calib_mib);
        cal_buf = buf; cal_al = al; cal_size = size;
        bn_bandwidth(al, size, 1, 1);   /* warm-up */
        for (t = 1; t <= 64; t++) {
            int j, want = t == 1;
            for (j = 0; j < lt.n; j++) want |= lt.v[j] == t;
            if (!want) continue;
            bw.gbps[t] = bn_bandwidth(al, size, t, 5);
            if (!quiet) fprintf(stderr, "llmlite-bench: read bandwidth, %d thread%s: %.2f GB/s\n", t, t > 1 ? "s" : "", bw.gbps[t]);
        }
        have_bw = 1;
        if (bw_file) bn_bw_save(bw_file, &bw, calib_mib);
    } else if (bw_file && bn_bw_load(bw_file, &bw) > 0) {
        have_bw = 1;
        if (!quiet) fprintf(stderr, "llmlite-bench: read bandwidth from %s (--calibrate to measure again)\n", bw_file);
    }

    mt = (bn_model *)calloc((size_t)n_models, sizeof *mt);
    tokens = (int32_t *)malloc(((size_t)bn_list_max(&lp) + 1) * sizeof(int32_t));
    if (!mt || !tokens) { rc = bn_fail("out of memory", NULL); goto done; }

    /* ---- the tests ---- */
    for (i = 0; i < n_models; i++) {
        llml_model *m = NULL;
        llml_model_desc mdesc;
        llml_model_info info;
        llml_error err;
        llml_result r;
        int ti;
        bn_model *md = &mt[i];
        md->path = models[i];
        md->peak_rss = -1;
        bn_reset_peak_rss();
        memset(&mdesc, 0, sizeof(mdesc));
        mdesc.no_mmap = !use_mmap;
        mdesc.no_repack = !repack;
        r = llml_model_load_file(models[i], &mdesc, &m, &err);
        if (r != LLML_OK) {
            fprintf(stderr, "llmlite-bench: error: cannot load '%s': %s%s%s\n", models[i], llml_result_string(r),
                    err.message[0] ? ": " : "", err.message);
            goto done;
        }
        memset(&info, 0, sizeof info);
        if (llml_model_get_info(m, &info) != LLML_OK || info.n_vocab <= 0) {
            fprintf(stderr, "llmlite-bench: error: '%s': no model info\n", models[i]);
            llml_model_free(m);
            goto done;
        }
        snprintf(md->arch, sizeof md->arch, "%s", info.arch);
        bn_model_type(m, md->type, sizeof md->type);
        md->size = info.weight_bytes;
        md->n_params = info.n_params;
        md->bytes_per_token = bn_bytes_per_token(m);

        for (ti = 0; ti < lt.n; ti++) {
            llml_ctx_desc cd;
            llml_ctx *c = NULL;
            int nth = lt.v[ti], pass;
            memset(&cd, 0, sizeof cd);
            cd.n_ctx = bn_ctx_size(&lp, &ln);
            cd.n_batch = n_batch;
            cd.n_threads = nth;
            cd.kv_type = kv;
            cd.isa_cap = isa_cap;
            if (ngl > 0) {
                cd.backends = &gpu;
                cd.n_backends = 1;
                cd.n_gpu_layers = ngl;
            }
            r = llml_ctx_create(m, &cd, &c, &err);
            if (r != LLML_OK) {
                fprintf(stderr, "llmlite-bench: error: context for '%s': %s%s%s\n", models[i], llml_result_string(r),
                        err.message[0] ? ": " : "", err.message);
                llml_model_free(m);
                goto done;
            }
            /* pass 0: the pp tests, pass 1: the tg tests */
            for (pass = 0; pass < 2; pass++) {
                const bn_list *l = pass == 0 ? &lp : &ln;
                int li;
                for (li = 0; li < l->n; li++) {
                    const int n_tok = l->v[li];
                    bn_row *row;
                    char tname[32];
                    int rep, k;
                    double sum = 0, sum2 = 0;
                    time_t now;
                    if (n_tok <= 0) continue;
                    if (n_rows == cap_rows) {
                        int nc = cap_rows ? cap_rows * 2 : 16;
                        bn_row *p = (bn_row *)realloc(rows, (size_t)nc * sizeof *p);
                        if (!p) { llml_ctx_free(c); llml_model_free(m); rc = bn_fail("out of memory", NULL); goto done; }
                        rows = p;
                        cap_rows = nc;
                    }
                    row = &rows[n_rows];
                    memset(row, 0, sizeof *row);
                    row->model = i;
                    row->n_threads = nth;
                    {
                        llml_ctx_backend_info bi;
                        if (llml_ctx_get_backend(c, &bi) == LLML_OK) row->gpu_layers = bi.n_layers;
                    }
                    row->n_prompt = pass == 0 ? n_tok : 0;
                    row->n_gen = pass == 1 ? n_tok : 0;
                    row->reps = reps;
                    row->samples_ns = (double *)calloc((size_t)reps, sizeof(double));
                    if (!row->samples_ns) { llml_ctx_free(c); llml_model_free(m); rc = bn_fail("out of memory", NULL); goto done; }
                    n_rows++;
                    now = time(NULL);
                    strftime(row->test_time, sizeof row->test_time, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
                    bn_test_str(row, tname, sizeof tname);
                    bw_before = pass == 1 && cal_al && row->gpu_layers == 0 ? bn_bandwidth(cal_al, cal_size, nth, 5) : 0;
                    for (rep = warmup ? -1 : 0; rep < reps; rep++) {
                        double t0, t;
                        if (!quiet && tty)
                            fprintf(stderr, "\rllmlite-bench: %s, %d thread%s, %s: %s %d/%d   ", md->type, nth,
                                    nth > 1 ? "s" : "", tname, rep < 0 ? "warm-up" : "run", rep < 0 ? 0 : rep + 1, reps);
                        llml_ctx_clear(c);
                        if (pass == 0) {
                            for (k = 0; k < n_tok; k++) tokens[k] = (int32_t)(bn_rng(&seed) % (uint64_t)info.n_vocab);
                            t0 = bn_now();
                            r = llml_decode(c, tokens, n_tok, 0);
                        } else {
                            const int n = rep < 0 ? 1 : n_tok;
                            t0 = bn_now();
                            r = LLML_OK;
                            for (k = 0; k < n && r == LLML_OK; k++) {
                                int32_t tok = (int32_t)(bn_rng(&seed) % (uint64_t)info.n_vocab);
                                r = llml_decode(c, &tok, 1, 0);
                            }
                        }
                        t = bn_now() - t0;
                        if (r != LLML_OK) {
                            fprintf(stderr, "\nllmlite-bench: error: decode: %s: %s\n", llml_result_string(r), llml_ctx_last_error(c));
                            llml_ctx_free(c);
                            llml_model_free(m);
                            goto done;
                        }
                        if (rep >= 0) row->samples_ns[rep] = t * 1e9;
                    }
                    for (rep = 0; rep < reps; rep++) {
                        double ts = row->samples_ns[rep] > 0 ? (double)n_tok * 1e9 / row->samples_ns[rep] : 0.0;
                        row->avg_ns += row->samples_ns[rep] / reps;
                        sum += ts;
                        sum2 += ts * ts;
                    }
                    row->avg_ts = sum / reps;
                    row->stddev_ts = reps > 1 ? sqrt(fmax(0.0, (sum2 - sum * sum / reps) / (reps - 1))) : 0.0;
                    {
                        double s2 = 0;
                        for (rep = 0; rep < reps; rep++) s2 += (row->samples_ns[rep] - row->avg_ns) * (row->samples_ns[rep] - row->avg_ns);
                        row->stddev_ns = reps > 1 ? sqrt(s2 / (reps - 1)) : 0.0;
                    }
                    if (pass == 0 && row->gpu_layers > 0 && gm.matmul_tops > 0)
                        row->pp_share = 2.0 * (double)md->n_params * row->avg_ts / 1e12 / gm.matmul_tops;
                    if (pass == 1) {
                        row->gbps = (double)md->bytes_per_token * row->avg_ts / 1e9;
                        if (row->gpu_layers > 0) {
                            if (gm.copy_gbs > 0) {
                                row->bw = gm.copy_gbs;
                                row->share = row->gbps / row->bw;
                            }
                        } else if (bw_before > 0) {   /* around this test: the larger reading */
                            row->bw = fmax(bw_before, bn_bandwidth(cal_al, cal_size, nth, 5));
                            row->share = row->gbps / row->bw;
                        } else if (have_bw && bw.gbps[nth] > 0) {
                            row->bw = bw.gbps[nth];
                            row->share = row->gbps / row->bw;
                        }
                    }
                    if (!quiet) {
                        if (tty) fputc('\r', stderr);
                        fprintf(stderr, "llmlite-bench: %s, %d thread%s, %s: %.2f +- %.2f t/s", md->type, nth,
                                nth > 1 ? "s" : "", tname, row->avg_ts, row->stddev_ts);
                        if (pass == 1) fprintf(stderr, ", %.1f GB/s", row->gbps);
                        if (row->share > 0) fprintf(stderr, " (%.0f%% of %.1f)", 100.0 * row->share, row->bw);
                        fprintf(stderr, "          \n");
                    }
                }
            }
            llml_ctx_free(c);
        }
        md->peak_rss = bn_peak_rss();
        if (md->peak_rss > 0 && cal_buf) md->peak_rss -= (int64_t)cal_size;   /* the calibration buffer (all touched) */
        llml_model_free(m);
    }

    /* ---- output ---- */
    if (strcmp(fmt, "md") == 0) {
        printf("| %-28s | %10s | %9s | %-12s | %7s | %8s | %18s | %6s | %5s |\n", "model", "size", "params", "backend",
               "threads", "test", "t/s", "GB/s", "BW %");
        printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", "----------------------------", "---------:",
               "--------:", "------------", "------:", "-------:", "-----------------:", "-----:", "----:");
        for (i = 0; i < n_rows; i++) {
            const bn_row *r = &rows[i];
            const bn_model *md = &mt[r->model];
            char size[32], params[32], test[32], ts[48], gb[16], share[16], backend[48];
            bn_size_str(md->size, size, sizeof size);
            bn_params_str(md->n_params, params, sizeof params);
            bn_test_str(r, test, sizeof test);
            snprintf(ts, sizeof ts, "%.2f \xc2\xb1 %.2f", r->avg_ts, r->stddev_ts);
            if (r->gpu_layers > 0) snprintf(backend, sizeof backend, "%s", bn_gpu_name());
            else snprintf(backend, sizeof backend, "CPU (%s)", env.isa);
            if (r->n_gen > 0) snprintf(gb, sizeof gb, "%.1f", r->gbps);
            else snprintf(gb, sizeof gb, "-");
            if (r->share > 0) snprintf(share, sizeof share, "%.0f%%", 100.0 * r->share);
            else snprintf(share, sizeof share, "-");
            printf("| %-28s | %10s | %9s | %-12s | %7d | %8s | %19s | %6s | %5s |\n", md->type, size, params, backend,
                   r->n_threads, test, ts, gb, share);
        }
        if (have_bw) {
            int t, first = 1;
            printf("\nread bandwidth (streaming read, best of 5):");
            for (t = 1; t <= 64; t++)
                if (bw.gbps[t] > 0) { printf("%s %d thread%s %.1f GB/s", first ? "" : ",", t, t > 1 ? "s" : "", bw.gbps[t]); first = 0; }
            printf("\n");
            if (cal_buf)
                printf("BW %%: of the read bandwidth measured again just before and after each tg test (the larger);\n"
                       "for each test, in order:");
            for (t = 0; cal_buf && t < n_rows; t++)
                if (rows[t].n_gen > 0 && rows[t].bw > 0) printf(" %.1f", rows[t].bw);
            if (cal_buf) printf(" GB/s\n");
        }
        if (gm.copy_gbs > 0) {
            printf("\n%s (--calibrate): device-to-device copy %.1f GB/s (read + write), streaming read %.1f GB/s,\n"
                   "Q8_0 matrix product (4096 x 4096, 512 rows) %.2f TOPS, dp4a peak %.2f TOPS\n", gm.note, gm.copy_gbs,
                   gm.read_gbs, gm.matmul_tops, gm.peak_tops);
            for (i = 0; i < n_rows; i++)
                if (rows[i].pp_share > 0)
                    printf("%s pp%d: %.2f TOPS (2 x parameters x t/s), %.0f%% of the measured product\n", mt[rows[i].model].type,
                           rows[i].n_prompt, rows[i].pp_share * gm.matmul_tops, 100.0 * rows[i].pp_share);
        }
        printf("\n");
        for (i = 0; i < n_models; i++) {
            char s1[32], s2[32];
            bn_size_str(mt[i].bytes_per_token, s1, sizeof s1);
            if (mt[i].peak_rss >= 0) bn_size_str((uint64_t)mt[i].peak_rss, s2, sizeof s2);
            else snprintf(s2, sizeof s2, "?");
            printf("%s: %s, weights read per token %s (%.0f MB), peak resident memory %s\n", mt[i].type,
                   mt[i].path, s1, (double)mt[i].bytes_per_token / 1e6, s2);
        }
        if (have_bw && ngl == 0) bn_sizing_report(mt, n_models, rows, n_rows, &bw, &lt, bn_ctx_size(&lp, &ln), n_batch, kv, isa_cap, quiet);
    } else if (strcmp(fmt, "csv") == 0) {
        printf("build_commit,build_number,cpu_info,backends,isa,model_filename,model_type,model_size,model_n_params,"
               "n_batch,n_threads,type_k,type_v,n_prompt,n_gen,test_time,avg_ns,stddev_ns,avg_ts,stddev_ts,"
               "bytes_per_token,gbps,bw_gbps,bw_share,peak_rss\n");
        for (i = 0; i < n_rows; i++) {
            const bn_row *r = &rows[i];
            const bn_model *md = &mt[r->model];
            char be[48];
            if (r->gpu_layers > 0) snprintf(be, sizeof be, "%s", bn_gpu_name());
            else snprintf(be, sizeof be, "CPU (%s)", env.isa);
            printf("\"%s\",0,\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",%llu,%llu,%d,%d,\"%s\",\"%s\",%d,%d,\"%s\","
                   "%.0f,%.0f,%.6f,%.6f,%llu,",
                   LLML_BUILD_COMMIT, env.cpu_info, be, env.isa, md->path, md->type, (unsigned long long)md->size,
                   (unsigned long long)md->n_params, env.n_batch, r->n_threads, env.kv, env.kv, r->n_prompt, r->n_gen,
                   r->test_time, r->avg_ns, r->stddev_ns, r->avg_ts, r->stddev_ts,
                   (unsigned long long)md->bytes_per_token);
            if (r->n_gen > 0) printf("%.3f,", r->gbps); else printf(",");
            if (r->bw > 0) printf("%.3f,%.4f,", r->bw, r->share); else printf(",,");
            if (md->peak_rss >= 0) printf("%lld\n", (long long)md->peak_rss); else printf("\n");
        }
    } else if (strcmp(fmt, "json") == 0) {
        printf("[\n");
        for (i = 0; i < n_rows; i++) {
            printf("  ");
            bn_print_json_row(stdout, &env, &mt[rows[i].model], &rows[i], "\n", "    ", "  ");
            printf("%s\n", i + 1 < n_rows ? "," : "");
        }
        printf("]\n");
    } else {
        for (i = 0; i < n_rows; i++) {
            bn_print_json_row(stdout, &env, &mt[rows[i].model], &rows[i], "", " ", " ");
            printf("\n");
        }
    }
    fflush(stdout);
    rc = 0;

done:
    free(cal_buf);
    for (i = 0; i < n_rows; i++) free(rows[i].samples_ns);
    free(rows);
    free(mt);
    free(tokens);
    return rc;
}
