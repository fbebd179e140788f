/* tests/test_plan_rss.c - llmlite's own memory: llml_plan_rss against what
   the programs measure.

   1. The parts that are llmlite's allocations, against a counting allocator
      handed to a real model, context and llml_generate: the context's block
      and handle and the logits byte for byte, the sampler within the
      generation's small token buffers, the parsed header, tokenizer and
      model tables within the unconverted part of the model's vector pool.
   2. Mapped weights: a tied model reads its whole embedding table, an
      untied one only the units its rows fall in.
   3. The test: for the test models (../shared/testdata, the shipped
      stories260K, SmolLM2-135M when `make chat-model` fetched it) and a
      synthesized model of Llama-3.2-1B's shape at contexts 512 and 4096, the
      predicted peak resident memory of llmlite-chat (one shot, `--stats`
      prints its VmHWM) and llmlite-bench (its JSON `peak_rss`, VmHWM) is
      within 5% of the measured peak. The baseline is the documented
      LLML_RSS_BASELINE, not fitted here; the programs' resident memory at
      start is printed beside it. llmlite-bench's context is its longest test
      plus one, so a 4096 context means a 4095-token prompt: slow, run with
      LLML_SLOW_TESTS=1. Linux only; skipped under AddressSanitizer (its
      shadow memory is not llmlite's).
   The 1B files are made once (about 870 MB and 280 MB), else skipped:
     build/llmlite-synth build/models/synth-llama-3.2-1b.Q4_0.gguf --preset llama-3.2-1b \
         --vocab ../shared/testdata/vocab/ggml-vocab-llama3.gguf --type Q4_0
     build/llmlite-synth build/models/synth-llama-3.2-1b-2l-untied.Q4_0.gguf --preset llama-3.2-1b \
         --untied --layers 2 --vocab ../shared/testdata/vocab/ggml-vocab-llama3.gguf --type Q4_0
   (and `make bench` makes build/models/synth-llama-3.2-1b-untied.Q4_0.gguf). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#if defined(__SANITIZE_ADDRESS__)
#define RSS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_ASAN 1
#endif
#endif
#ifndef RSS_ASAN
#define RSS_ASAN 0
#endif

#define PROMPT "Once upon a time"
#define N_PREDICT 8
#define N_THREADS 2
#define MIB (1024.0 * 1024.0)

typedef struct counter {
    long long live, peak;
} counter;

static void *count_alloc(void *user, size_t size, size_t align) {
    counter *c = (counter *)user;
    void *p = malloc(size);
    (void)align;   /* malloc's 16 bytes are enough for llmlite's requests here */
    if (p) {
        c->live += (long long)size;
        if (c->live > c->peak) c->peak = c->live;
    }
    return p;
}

static void count_free(void *user, void *p, size_t size) {
    counter *c = (counter *)user;
    if (!p) return;
    c->live -= (long long)size;
    free(p);
}

static llml_gguf *open_header(const char *path) {
    llml_gguf *g = NULL;
    llml_gguf_desc d;
    memset(&d, 0, sizeof d);
    d.header_only = 1;
    if (llml_gguf_open_file(path, &d, &g, NULL) != LLML_OK) return NULL;
    return g;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* ---- 1. llmlite's allocations ---------------------------------------------- */

static int on_token(void *user, int32_t t, const char *p, size_t n) {
    (void)user; (void)t; (void)p; (void)n;
    return 0;
}

static void test_allocations(const char *path) {
    counter cnt;
    llml_allocator a;
    llml_model_desc md;
    llml_ctx_desc cd;
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_gguf *g;
    llml_rss_desc rd;
    llml_rss pr;
    llml_error err;
    long long after_model, after_ctx, before_gen, pool_unused = 0;
    llml_generate_desc gd;
    llml_generate_result res;
    int64_t i;
    memset(&cnt, 0, sizeof cnt);
    a.alloc = count_alloc;
    a.free = count_free;
    a.user = &cnt;
    g = open_header(path);
    CHECK(g != NULL, "%s: cannot open", path);
    if (!g) return;
    memset(&rd, 0, sizeof rd);
    rd.gguf = g;
    rd.ctx.n_ctx = 256;
    rd.ctx.n_threads = N_THREADS;
    rd.sampler = 1;
    CHECK(llml_plan_rss(&rd, &pr, &err) == LLML_OK, "%s: plan_rss: %s", path, err.message);
    /* the model's vector pool holds every 1-D tensor; F32 ones are used in
       place, so their share of the pool is allocated but never written */
    for (i = 0; i < llml_gguf_n_tensors(g); i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        if (t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1 && t->type == LLML_TYPE_F32) pool_unused += t->ne[0] * 4;
    }
    memset(&md, 0, sizeof md);
    md.allocator = &a;
    if (llml_model_load_file(path, &md, &m, &err) != LLML_OK) {
        CHECK(0, "%s: load: %s", path, err.message);
        llml_gguf_close(g);
        return;
    }
    after_model = cnt.live;
    CHECK(after_model - pool_unused >= (long long)(pr.gguf_bytes + pr.vocab_bytes + pr.model_bytes + pr.repack_bytes) - 4096 &&
          after_model - pool_unused <= (long long)(pr.gguf_bytes + pr.vocab_bytes + pr.model_bytes + pr.repack_bytes) + 4096,
          "%s: model heap %lld (less %lld of pool in place), predicted %llu + %llu + %llu + %llu repacked", path, after_model,
          pool_unused, (unsigned long long)pr.gguf_bytes, (unsigned long long)pr.vocab_bytes,
          (unsigned long long)pr.model_bytes, (unsigned long long)pr.repack_bytes);
    memset(&cd, 0, sizeof cd);
    cd.n_ctx = 256;
    cd.n_threads = N_THREADS;
    cd.allocator = &a;
    if (llml_ctx_create(m, &cd, &c, &err) != LLML_OK) {
        CHECK(0, "%s: context: %s", path, err.message);
        llml_model_free(m);
        llml_gguf_close(g);
        return;
    }
    after_ctx = cnt.live;
    CHECK(after_ctx - after_model == (long long)pr.ctx_bytes, "%s: context %lld bytes, predicted %llu", path,
          after_ctx - after_model, (unsigned long long)pr.ctx_bytes);
    memset(&gd, 0, sizeof gd);
    gd.sampling = llml_sampler_default_desc();
    gd.sampling.seed = 1;
    gd.prompt = PROMPT;
    gd.max_tokens = N_PREDICT;
    gd.on_token = on_token;
    before_gen = cnt.live;
    cnt.peak = cnt.live;
    CHECK(llml_generate(c, &gd, &res) == LLML_OK, "%s: generate", path);
    /* after: the logits stay; during: the sampler and the token buffers */
    CHECK(cnt.live - before_gen == (long long)pr.logits_bytes, "%s: logits %lld bytes, predicted %llu", path,
          cnt.live - before_gen, (unsigned long long)pr.logits_bytes);
    CHECK(cnt.peak - cnt.live >= (long long)pr.sampler_bytes && cnt.peak - cnt.live <= (long long)pr.sampler_bytes + 1024,
          "%s: generation's peak %lld bytes over the logits, sampler predicted %llu", path, cnt.peak - cnt.live,
          (unsigned long long)pr.sampler_bytes);
    llml_ctx_free(c);
    llml_model_free(m);
    llml_gguf_close(g);
}

/* ---- 2. mapped weights ------------------------------------------------------- */

static void test_mapped(void) {
    char path[1200];
    llml_gguf *g;
    llml_rss_desc d;
    llml_rss r1, r2, r3;
    const llml_gguf_tensor *t;
    uint64_t file, eb;
    /* llama3: tied output, the whole table is the output matrix */
    snprintf(path, sizeof path, "%s/arch/llama3-f32.gguf", check_testdata());
    g = open_header(path);
    CHECK(g != NULL, "%s", path);
    if (g) {
        memset(&d, 0, sizeof d);
        d.gguf = g;
        d.n_tokens = 1;
        t = llml_gguf_tensor_at(g, llml_gguf_find_tensor(g, "token_embd.weight"));
        file = (llml_gguf_file_size(g) + 4095) / 4096 * 4096;
        CHECK(llml_plan_rss(&d, &r1, NULL) == LLML_OK && r1.embd_bytes == t->size && r1.file_bytes == file,
              "tied: embeddings %llu of %llu, file %llu of %llu", (unsigned long long)r1.embd_bytes,
              (unsigned long long)t->size, (unsigned long long)r1.file_bytes, (unsigned long long)file);
        llml_gguf_close(g);
    }
    /* the 1B shape, untied: a Q4_0 row is 1152 bytes of a 147.7 MB table;
       one token brings in one 64 KiB unit (two when its row straddles a
       boundary), 10^6 tokens the whole table */
    snprintf(path, sizeof path, "build/models/synth-llama-3.2-1b-untied.Q4_0.gguf");
    g = open_header(path);
    if (!g) {
        printf("mapped weights: %s absent (make bench makes it): untied 1B case skipped\n", path);
        return;
    }
    t = llml_gguf_tensor_at(g, llml_gguf_find_tensor(g, "token_embd.weight"));
    eb = t->size;
    memset(&d, 0, sizeof d);
    d.gguf = g;
    d.n_tokens = 1;
    llml_plan_rss(&d, &r1, NULL);
    d.n_tokens = 1000000;
    llml_plan_rss(&d, &r2, NULL);
    d.n_tokens = 1;
    d.map_unit = 4096;
    llml_plan_rss(&d, &r3, NULL);
    CHECK(eb == 128256ull * 2048 / 32 * 18, "1B Q4_0 embeddings: %llu bytes", (unsigned long long)eb);
    CHECK(r1.embd_bytes >= 65536 && r1.embd_bytes <= 2 * 65536, "one token: %llu bytes", (unsigned long long)r1.embd_bytes);
    CHECK(r3.embd_bytes >= 4096 && r3.embd_bytes <= 2 * 4096, "one token, 4 KiB units: %llu", (unsigned long long)r3.embd_bytes);
    CHECK(r2.embd_bytes == eb && r2.file_bytes - r1.file_bytes == eb - r1.embd_bytes, "all tokens: %llu of %llu",
          (unsigned long long)r2.embd_bytes, (unsigned long long)eb);
    /* repacking (AVX-512 on a POSIX system): every matrix of this file but
       the token embeddings is Q4_0 or Q6_K, formats with interleaved
       kernels there; they move from the mapped file to the heap */
    {
        uint64_t want = 0;
        int64_t i;
        llml_rss r4;
#if defined(__unix__) || defined(__APPLE__)
        if (llml_isa_best() == LLML_ISA_AVX512)
            for (i = 0; i < llml_gguf_n_tensors(g); i++) {
                const llml_gguf_tensor *ti = llml_gguf_tensor_at(g, i);
                if (ti->ne[1] > 1 && strcmp(ti->name, "token_embd.weight") != 0) want += ti->size;
            }
#endif
        d.map_unit = 0;
        llml_plan_rss(&d, &r1, NULL);
        d.no_repack = 1;
        llml_plan_rss(&d, &r4, NULL);
        CHECK(r1.repack_bytes >= want && r1.repack_bytes <= want + 128 * 113 && r4.repack_bytes == 0 &&
              r4.file_bytes - r1.file_bytes == want,
              "1B Q4_0 repacked: %llu bytes (want %llu and each matrix's padding), with no_repack %llu; file %llu vs %llu",
              (unsigned long long)r1.repack_bytes, (unsigned long long)want, (unsigned long long)r4.repack_bytes,
              (unsigned long long)r1.file_bytes, (unsigned long long)r4.file_bytes);
    }
    llml_gguf_close(g);
}

/* ---- 3. the programs' peak resident memory -------------------------------------- */

#if defined(__linux__) && !RSS_ASAN
#define RSS_RUN 1
#else
#define RSS_RUN 0
#endif

static int g_rows, g_fail_rows;
static double g_worst;

/* Run cmd, return its output (stdout; callers redirect stderr). */
static char *run_capture(const char *cmd) {
#if RSS_RUN
    FILE *f = popen(cmd, "r");
    char *buf = NULL;
    size_t n = 0, cap = 0, k;
    char tmp[4096];
    if (!f) return NULL;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (n + k + 1 > cap) {
            char *nb;
            cap = (n + k + 1) * 2;
            nb = (char *)realloc(buf, cap);
            if (!nb) { free(buf); pclose(f); return NULL; }
            buf = nb;
        }
        memcpy(buf + n, tmp, k);
        n += k;
    }
    if (buf) buf[n] = 0;
    pclose(f);
    return buf;
#else
    (void)cmd;
    return NULL;
#endif
}

static long long find_ll(const char *s, const char *key) {
    const char *p = s ? strstr(s, key) : NULL;
    if (!p) return -1;
    return strtoll(p + strlen(key), NULL, 10);
}

/* Tokens of the prompt (BOS included when the vocabulary adds it). */
static int32_t prompt_tokens(const llml_gguf *g) {
    llml_vocab *v = NULL;
    size_t n = 0;
    if (llml_vocab_load(g, NULL, &v, NULL) != LLML_OK) return 8;
    llml_tokenize(v, PROMPT, strlen(PROMPT), LLML_TOKENIZE_ADD_SPECIAL, NULL, 0, &n);
    llml_vocab_free(v);
    return (int32_t)n;
}

static void report(const char *tool, const char *path, int32_t n_ctx, const llml_rss *p, long long start, long long peak) {
    const char *name = strrchr(path, '/');
    double err = peak > 0 ? ((double)p->total_bytes - (double)peak) / (double)peak : 1.0;
    printf("| %-5s | %-38s | %5d | %9.2f | %9.2f | %+6.2f%% | %8.2f | %8.2f | %8.2f | %7.2f | %6.2f | %6.2f |\n", tool,
           name ? name + 1 : path, (int)n_ctx, (double)p->total_bytes / MIB, (double)peak / MIB, 100 * err,
           (double)p->file_bytes / MIB, (double)p->repack_bytes / MIB, (double)p->ctx_bytes / MIB,
           (double)(p->gguf_bytes + p->vocab_bytes + p->model_bytes + p->logits_bytes + p->sampler_bytes) / MIB,
           (double)p->baseline_bytes / MIB, (double)start / MIB);
    g_rows++;
    if (fabs(err) > g_worst) g_worst = fabs(err);
    if (fabs(err) > 0.05) g_fail_rows++;
    CHECK(peak > 0 && fabs(err) <= 0.05, "%s %s ctx %d: predicted %.2f MiB, measured %.2f MiB (%+.1f%%)", tool, path,
          (int)n_ctx, (double)p->total_bytes / MIB, (double)peak / MIB, 100 * err);
}

/* Run a tool and read its peak (and start) resident figures. For small
   models the process's own pages are most of the total and the kernel maps
   more or fewer of the binary's and libc's file pages depending on the page
   cache (+-5% of a 6 MiB process: llmlite-bench on stories260K at 512 read
   6.12 to 6.59 MiB in ten runs here, and a median of 3 in CI once came out
   5.1% under the prediction), so the median of 5 runs is taken; a large
   model's run counts once. Returns the last output (caller frees). */
static char *runs_median(const char *cmd, const char *model, const char *key, long long *peak, const char *key2,
                         long long *v2) {
    long long pk[5], st[5];
    char *out = NULL;
    int n = 1, i, j;
    FILE *f = fopen(model, "rb");
    if (f) {
        if (fseek(f, 0, SEEK_END) == 0 && ftell(f) < 64L * 1024 * 1024) n = 5;
        fclose(f);
    }
    for (i = 0; i < n; i++) {
        free(out);
        out = run_capture(cmd);
        pk[i] = find_ll(out, key);
        st[i] = key2 ? find_ll(out, key2) : 0;
    }
    for (i = 1; i < n; i++)            /* sort by peak, keeping pairs */
        for (j = i; j > 0 && pk[j] < pk[j - 1]; j--) {
            long long t = pk[j]; pk[j] = pk[j - 1]; pk[j - 1] = t;
            t = st[j]; st[j] = st[j - 1]; st[j - 1] = t;
        }
    *peak = pk[n / 2];
    if (v2) *v2 = st[n / 2];
    return out;
}

static void rss_chat(const char *build, const char *path, int32_t n_ctx) {
    char cmd[4096];
    char *out;
    llml_gguf *g = open_header(path);
    llml_rss_desc d;
    llml_rss p;
    llml_error err;
    long long start, peak;
    CHECK(g != NULL, "%s: cannot open", path);
    if (!g) return;
    snprintf(cmd, sizeof cmd, "'%s/llmlite-chat' -m '%s' -p '" PROMPT "' -n %d -c %d -t %d --seed 1 --stats 2>&1 >/dev/null",
             build, path, N_PREDICT, (int)n_ctx, N_THREADS);
    out = runs_median(cmd, path, ", peak ", &peak, "resident at start ", &start);
    memset(&d, 0, sizeof d);
    d.gguf = g;
    d.ctx.n_ctx = n_ctx;
    d.ctx.n_threads = N_THREADS;
    d.n_tokens = prompt_tokens(g) + N_PREDICT;
    d.sampler = 1;
    memset(&err, 0, sizeof err);
    if (llml_plan_rss(&d, &p, &err) != LLML_OK) CHECK(0, "%s: plan_rss: %s", path, err.message);
    else if (peak <= 0) CHECK(0, "%s: no memory line from llmlite-chat: %s", path, out ? out : "(no output)");
    else report("chat", path, n_ctx, &p, start, peak);
    free(out);
    llml_gguf_close(g);
}

static void rss_bench(const char *build, const char *path, int32_t n_ctx) {
    char cmd[4096];
    char *out;
    llml_gguf *g = open_header(path);
    llml_rss_desc d;
    llml_rss p;
    llml_error err;
    long long peak;
    CHECK(g != NULL, "%s: cannot open", path);
    if (!g) return;
    /* the context is the longest test plus one; every token is random; no
       bandwidth file (whether build/ has one must not change the figure) */
    snprintf(cmd, sizeof cmd,
             "'%s/llmlite-bench' -m '%s' -p %d -n %d -r 1 --no-warmup -t %d -o json -q --bw-file '%s/test_plan_rss-none.txt' 2>/dev/null",
             build, path, (int)n_ctx - 1, N_PREDICT, N_THREADS, build);
    out = runs_median(cmd, path, "\"peak_rss\": ", &peak, NULL, NULL);
    memset(&d, 0, sizeof d);
    d.gguf = g;
    d.ctx.n_ctx = n_ctx;
    d.ctx.n_threads = N_THREADS;
    d.n_tokens = n_ctx - 1 + N_PREDICT;
    memset(&err, 0, sizeof err);
    if (llml_plan_rss(&d, &p, &err) != LLML_OK) CHECK(0, "%s: plan_rss: %s", path, err.message);
    else if (peak <= 0) CHECK(0, "%s: no peak_rss from llmlite-bench: %s", path, out ? out : "(no output)");
    else report("bench", path, n_ctx, &p, -1, peak);
    free(out);
    llml_gguf_close(g);
}

static void test_programs(const char *build) {
    static const char *const small[] = {
        "arch/llama-f32.gguf", "arch/llama3-f32.gguf", "arch/llama-moe-f32.gguf", "arch/qwen2-f32.gguf",
        "arch/qwen2moe-f32.gguf", "arch/gemma-f32.gguf", "arch/gemma2-f32.gguf", "arch/phi3-f32.gguf",
        "arch-next/qwen3-f32.gguf", "arch-next/gemma3-f32.gguf", "quant/f16.gguf", "quant/q8_0.gguf",
        "quant/q4_0.gguf", "quant/q4_k.gguf", "quant/iq2_xs.gguf", "real/stories260K.gguf"
    };
    static const char *const big[] = {
        "models/stories260K.gguf", "build/models/SmolLM2-135M-Instruct.Q4_1.gguf",
        "build/models/synth-llama-3.2-1b.Q4_0.gguf", "build/models/synth-llama-3.2-1b-untied.Q4_0.gguf"
    };
    static const char *const bench_small[] = { "real/stories260K.gguf", "arch/llama-f32.gguf", "arch/qwen2moe-f32.gguf",
                                               "quant/q4_0.gguf", "arch/gemma2-f32.gguf" };
    static const char *const bench_1b = "build/models/synth-llama-3.2-1b-2l-untied.Q4_0.gguf";
    char tool[1200], path[1200];
    const char *slow = getenv("LLML_SLOW_TESTS");
    int have_bench, k;
    size_t i;
    snprintf(tool, sizeof tool, "%s/llmlite-chat", build);
    if (!file_exists(tool)) {
        CHECK(0, "%s is missing: make %s", tool, tool);
        return;
    }
    snprintf(tool, sizeof tool, "%s/llmlite-bench", build);
    have_bench = file_exists(tool);
    if (!have_bench) printf("programs: %s is missing: bench rows skipped\n", tool);
    printf("peak resident memory, predicted (llml_plan_rss) vs measured (VmHWM), MiB; %d threads\n", N_THREADS);
    printf("| tool  | model                                  |   ctx | predicted |  measured |  error  |  mapped  | repacked | context  | tables  |  base  | start  |\n");
    printf("|-------|----------------------------------------|------:|----------:|----------:|--------:|---------:|---------:|---------:|--------:|-------:|-------:|\n");
    for (k = 0; k < 2; k++) {
        const int32_t n_ctx = k == 0 ? 512 : 4096;
        for (i = 0; i < sizeof small / sizeof small[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", check_testdata(), small[i]);
            rss_chat(build, path, n_ctx);
        }
        for (i = 0; i < sizeof big / sizeof big[0]; i++) {
            if (!file_exists(big[i])) {
                if (k == 0) printf("programs: %s absent: skipped (see the head of tests/test_plan_rss.c)\n", big[i]);
                continue;
            }
            rss_chat(build, big[i], n_ctx);
        }
        if (!have_bench || (n_ctx > 512 && !(slow && *slow == '1'))) continue;
        for (i = 0; i < sizeof bench_small / sizeof bench_small[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", check_testdata(), bench_small[i]);
            rss_bench(build, path, n_ctx);
        }
        if (file_exists(bench_1b)) rss_bench(build, bench_1b, n_ctx);
        else if (k == 0) printf("programs: %s absent: skipped (see the head of tests/test_plan_rss.c)\n", bench_1b);
    }
    if (have_bench && !(slow && *slow == '1'))
        printf("programs: llmlite-bench at context 4096 (a 4095-token prompt) runs with LLML_SLOW_TESTS=1\n");
    printf("programs: %d rows, %d beyond 5%%, worst %.2f%%\n", g_rows, g_fail_rows, 100 * g_worst);
}

int main(void) {
    const char *build = getenv("LLML_BUILD");
    char path[1200];
    if (!build || !*build) build = "build";
    snprintf(path, sizeof path, "%s/real/stories260K.gguf", check_testdata());
    test_allocations(path);
    snprintf(path, sizeof path, "%s/arch/qwen2moe-f32.gguf", check_testdata());
    test_allocations(path);
    snprintf(path, sizeof path, "%s/quant/q4_k.gguf", check_testdata());
    test_allocations(path);
    test_mapped();
    {
        llml_rss_desc d;
        llml_rss r;
        memset(&d, 0, sizeof d);
        CHECK(llml_plan_rss(&d, &r, NULL) == LLML_ERR_INVALID_ARG, "no header");
        CHECK(llml_plan_rss(NULL, &r, NULL) == LLML_ERR_INVALID_ARG, "NULL desc");
    }
#if RSS_RUN
    test_programs(build);
#else
    printf("programs: skipped (%s)\n", RSS_ASAN ? "AddressSanitizer's shadow memory is not llmlite's" : "needs Linux");
    (void)test_programs;
#endif
    return check_summary("test_plan_rss");
}
