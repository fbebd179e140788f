/* tests/test_plan.c - the sizing API (llml_plan_*, llml_mix_*, llml_ctx_sizes_get).

   1. Weights: for every GGUF file under the test data, the predicted bytes of
      each tensor (from its shape and format) fill exactly the file's own
      layout: each tensor's bytes fit the gap to the next tensor's offset
      with less than one alignment of padding, and the padded sum is the
      data section's size measured on disk.
   2. Shapes: the tensors a shape read from each test model lays out are the
      file's tensors (names, dimensions); published parameter counts of
      three real models from their built-in shapes.
   3. KV cache: against an independent computation from the files' keys, and
      the well-known 128 KiB per token of Llama-3-8B (F16); llml_ctx_sizes_get
      against the block real contexts allocate (every test model, 3 cache
      formats, various batch and thread counts); measure, then place: a
      host job system's 4 tasks, the Q8_0 cache's F16 fallback, per-layer KV
      heads, and the internal error when layers disagree with the shape.
   4. Mixes: build/llmlite-quantize on quant/f32.gguf (and on stories260K,
      whose rows force fallbacks) for several mixes: the per-tensor formats
      and the weight bytes predicted from the F32 header are what the tool
      wrote.
   5. The reference quantizer's size table for Llama-3-8B in
      ../shared/sizing/published.md: within 1%.
   6. Speeds: every generation row of published.md whose model fits the
      device: the table of predictions, median absolute error <= 25%.
   7. Devices, GPU layers, hypothetical formats, calibration, errors.
   8. ../shared/perf/peer.md (the reference on this kind of machine): file
      sizes and bytes read a token of the Llama-3.2-1B shape; calibrated on
      Q4_0 generation, the Q4_K_M and Q8_0 predictions within 15%. */
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
#if defined(__has_include)
#if __has_include(<stb/stb_image.h>)
#define PLAN_TEST_PNG 1
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
#endif
#if !defined(_WIN32)
#include <sys/wait.h>
#include <sys/stat.h>
#include <dirent.h>
#endif

static llml_gguf *open_header(const char *path) {
    llml_gguf *g = NULL;
    llml_gguf_desc d;
    llml_error err;
    memset(&d, 0, sizeof d);
    memset(&err, 0, sizeof err);
    d.header_only = 1;
    if (llml_gguf_open_file(path, &d, &g, &err) != LLML_OK) {
        CHECK(0, "%s: %s", path, err.message);
        return NULL;
    }
    return g;
}

static long long disk_size(const char *path) {
    FILE *f = fopen(path, "rb");
    long long n;
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    n = (long long)ftell(f);
    fclose(f);
    return n;
}

/* ---- 1. weight bytes of every test file ---------------------------------- */

typedef struct { uint64_t off, bytes; const char *name; } span;

static int span_cmp(const void *a, const void *b) {
    const span *x = (const span *)a, *y = (const span *)b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int g_files;

static void check_file_weights(const char *path) {
    llml_gguf *g = open_header(path);
    llml_plan_desc d;
    llml_plan_tensor *pt;
    span *sp;
    int64_t n, i, nt;
    uint64_t align, data_size, padded = 0, sum = 0;
    long long fsz;
    int gaps_ok = 1;
    if (!g) return;
    g_files++;
    nt = llml_gguf_n_tensors(g);
    memset(&d, 0, sizeof d);
    d.gguf = g;
    CHECK(llml_plan_tensors(&d, NULL, 0, &n, NULL) == (nt ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK) && n == nt,
          "%s: tensor count %lld vs %lld", path, (long long)n, (long long)nt);
    pt = (llml_plan_tensor *)calloc((size_t)(nt + 1), sizeof *pt);
    sp = (span *)calloc((size_t)(nt + 1), sizeof *sp);
    if (!pt || !sp || llml_plan_tensors(&d, pt, nt, &n, NULL) != LLML_OK) {
        CHECK(0, "%s: llml_plan_tensors failed", path);
        free(pt); free(sp); llml_gguf_close(g);
        return;
    }
    for (i = 0; i < nt; i++) {
        sp[i].off = llml_gguf_tensor_at(g, i)->offset;
        sp[i].bytes = pt[i].bytes;
        sp[i].name = pt[i].name;
        sum += pt[i].bytes;
    }
    qsort(sp, (size_t)nt, sizeof *sp, span_cmp);
    align = llml_gguf_alignment(g);
    fsz = disk_size(path);
    data_size = (uint64_t)fsz - llml_gguf_data_offset(g);
    for (i = 0; i < nt; i++) {
        uint64_t end = i + 1 < nt ? sp[i + 1].off : data_size;
        uint64_t gap = end - sp[i].off;
        if (!(sp[i].bytes <= gap && gap - sp[i].bytes < align)) {
            gaps_ok = 0;
            CHECK(0, "%s: %s: %llu predicted bytes, %llu in the file's layout", path, sp[i].name,
                  (unsigned long long)sp[i].bytes, (unsigned long long)gap);
        }
        padded += (sp[i].bytes + align - 1) / align * align;
    }
    CHECK(gaps_ok, "%s: tensor layout", path);
    if (nt > 0)
        CHECK(padded == data_size, "%s: padded predicted weights %llu vs data section on disk %llu", path,
              (unsigned long long)padded, (unsigned long long)data_size);
    else    /* no tensors: nothing but padding after the header */
        CHECK(sum == 0 && data_size < align, "%s: no tensors, %llu bytes after the header", path,
              (unsigned long long)data_size);
    /* the plan's total agrees (for files with a model) */
    {
        llml_plan p;
        llml_shape s;
        if (llml_shape_from_gguf(g, &s, NULL) == LLML_OK) {
            CHECK(llml_plan_compute(&d, &p, NULL) == LLML_OK && p.weight_bytes == sum &&
                  p.file_bytes == (uint64_t)fsz,
                  "%s: plan weight_bytes %llu vs %llu", path, (unsigned long long)p.weight_bytes,
                  (unsigned long long)sum);
        }
    }
    free(pt);
    free(sp);
    llml_gguf_close(g);
}

static void walk_gguf(const char *dir, int depth) {
#if !defined(_WIN32)
    DIR *dp = opendir(dir);
    struct dirent *e;
    char path[2048];
    if (!dp) return;
    while ((e = readdir(dp)) != NULL) {
        size_t len = strlen(e->d_name);
        struct stat st;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode) && depth < 3) walk_gguf(path, depth + 1);
        else if (len > 5 && strcmp(e->d_name + len - 5, ".gguf") == 0) check_file_weights(path);
    }
    closedir(dp);
#else
    (void)dir; (void)depth;
#endif
}

/* ---- 2. shapes -------------------------------------------------------------- */

static const char *const arch_files[] = {
    "arch/llama-f32.gguf", "arch/llama3-f32.gguf", "arch/llama-moe-f32.gguf", "arch/qwen2-f32.gguf",
    "arch/qwen2moe-f32.gguf", "arch/gemma-f32.gguf", "arch/gemma2-f32.gguf", "arch/phi3-f32.gguf",
    "arch-next/qwen3-f32.gguf", "arch-next/gemma3-f32.gguf", "real/stories260K.gguf"
};
#define N_ARCH_FILES (sizeof arch_files / sizeof arch_files[0])

static void test_shapes(void) {
    size_t f;
    for (f = 0; f < N_ARCH_FILES; f++) {
        char path[1200];
        llml_gguf *g;
        llml_shape s;
        llml_tensor_shape *t;
        char (*names)[64];
        int64_t n = 0, i, matched = 0;
        snprintf(path, sizeof path, "%s/%s", check_testdata(), arch_files[f]);
        g = open_header(path);
        if (!g) continue;
        CHECK(llml_shape_from_gguf(g, &s, NULL) == LLML_OK, "%s: shape", path);
        llml_shape_tensors(&s, NULL, NULL, 0, &n);
        t = (llml_tensor_shape *)calloc((size_t)n + 1, sizeof *t);
        names = (char (*)[64])calloc((size_t)n + 1, 64);
        CHECK(t && names && llml_shape_tensors(&s, t, names, n, &n) == LLML_OK, "%s: tensors", path);
        for (i = 0; t && names && i < n; i++) {
            int64_t j = llml_gguf_find_tensor(g, t[i].name);
            const llml_gguf_tensor *gt = j >= 0 ? llml_gguf_tensor_at(g, j) : NULL;
            CHECK(gt && gt->ne[0] == t[i].ne[0] && gt->ne[1] == t[i].ne[1] && gt->ne[2] == t[i].ne[2],
                  "%s: laid-out tensor %s [%lld %lld %lld] vs file [%lld %lld %lld]", path, t[i].name,
                  (long long)t[i].ne[0], (long long)t[i].ne[1], (long long)t[i].ne[2],
                  gt ? (long long)gt->ne[0] : -1LL, gt ? (long long)gt->ne[1] : -1LL, gt ? (long long)gt->ne[2] : -1LL);
            if (gt) matched++;
        }
        /* every tensor of the file is laid out, except RoPE frequency factors */
        for (i = 0; i < llml_gguf_n_tensors(g); i++) {
            const char *nm = llml_gguf_tensor_at(g, i)->name;
            int64_t j;
            int found = strcmp(nm, "rope_freqs.weight") == 0;
            for (j = 0; !found && t && j < n; j++) found = strcmp(t[j].name, nm) == 0;
            CHECK(found, "%s: file tensor %s not laid out by the shape", path, nm);
        }
        free(t);
        free(names);
        llml_gguf_close(g);
    }
    /* published parameter counts (model cards / safetensors totals) */
    {
        static const struct { const char *name; uint64_t params; } known[] = {
            { "llama3-8b", 8030261248ull }, { "llama3.2-1b", 1235814400ull }, { "qwen2.5-0.5b", 494032768ull },
            { "llama2-7b", 6738415616ull }
        };
        size_t i;
        for (i = 0; i < sizeof known / sizeof known[0]; i++) {
            llml_shape s;
            llml_plan_desc d;
            llml_plan p;
            memset(&d, 0, sizeof d);
            d.shape = &s;
            CHECK(llml_shape_preset(known[i].name, &s) == LLML_OK && llml_plan_compute(&d, &p, NULL) == LLML_OK &&
                  p.n_params == known[i].params,
                  "%s: %llu parameters, published %llu", known[i].name, (unsigned long long)p.n_params,
                  (unsigned long long)known[i].params);
        }
    }
    /* a shape from a parameter count: the family's preset, layers scaled */
    {
        llml_shape s;
        llml_plan_desc d;
        llml_plan p;
        memset(&d, 0, sizeof d);
        d.shape = &s;
        CHECK(llml_shape_from_params("llama", 70e9, &s) == LLML_OK && s.n_embd == 8192 && s.n_layer == 80,
              "70B llama: embd %lld layers %lld", (long long)s.n_embd, (long long)s.n_layer);
        CHECK(llml_shape_from_params("qwen2.5", 20e9, &s) == LLML_OK && llml_plan_compute(&d, &p, NULL) == LLML_OK &&
                  fabs((double)p.n_params / 20e9 - 1) < 0.03,
              "20B qwen2.5: %llu", (unsigned long long)p.n_params);
        CHECK(llml_shape_from_params("no-such-family", 7e9, &s) == LLML_ERR_NOT_FOUND, "unknown family");
        CHECK(llml_shape_preset("Llama3.1-8B", &s) == LLML_OK && llml_shape_preset("nope", &s) == LLML_ERR_NOT_FOUND,
              "preset lookup");
    }
}

/* ---- 3. KV cache ------------------------------------------------------------- */

static int64_t key_int(const llml_gguf *g, const char *arch, const char *suffix, int64_t def) {
    char key[128];
    int64_t v;
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return llml_gguf_get_int(g, key, &v) == LLML_OK ? v : def;
}

static void test_kv(void) {
    size_t f;
    static const llml_kv_type kts[3] = { LLML_KV_F16, LLML_KV_F32, LLML_KV_Q8_0 };
    for (f = 0; f < N_ARCH_FILES; f++) {
        char path[1200];
        const char *arch = NULL;
        llml_gguf *g;
        int64_t nl, nh, nkv, E, hk, hv;
        int k;
        snprintf(path, sizeof path, "%s/%s", check_testdata(), arch_files[f]);
        g = open_header(path);
        if (!g) continue;
        llml_gguf_get_str(g, "general.architecture", &arch);
        nl = key_int(g, arch, "block_count", 0);
        nh = key_int(g, arch, "attention.head_count", 0);
        nkv = key_int(g, arch, "attention.head_count_kv", nh);
        E = key_int(g, arch, "embedding_length", 0);
        hk = key_int(g, arch, "attention.key_length", E / nh);
        hv = key_int(g, arch, "attention.value_length", hk);
        for (k = 0; k < 3; k++) {
            const int32_t n_ctx = 100 + 37 * k;
            llml_plan_desc d;
            llml_plan p;
            llml_ctx_desc cd;
            llml_ctx_sizes cs;
            llml_shape s;
            double per_val = kts[k] == LLML_KV_F32 ? 4.0 : 2.0;
            uint64_t want_k, want_v;
            /* Q8_0 blocks of 32 values; heads of another size keep F16 */
            if (kts[k] == LLML_KV_Q8_0 && hk % 32 == 0) {
                want_k = (uint64_t)(nkv * hk + 31) / 32 * 34;
                want_v = (uint64_t)(nkv * hv + 31) / 32 * 34;
            } else {
                want_k = (uint64_t)((double)(nkv * hk) * per_val);
                want_v = (uint64_t)((double)(nkv * hv) * per_val);
            }
            memset(&d, 0, sizeof d);
            d.gguf = g;
            d.n_ctx = n_ctx;
            d.kv_type = kts[k];
            CHECK(llml_plan_compute(&d, &p, NULL) == LLML_OK, "%s: plan", path);
            CHECK(p.kv_bytes_per_token == (uint64_t)nl * (want_k + want_v) &&
                  p.kv_bytes == (uint64_t)nl * (want_k + want_v) * (uint64_t)n_ctx,
                  "%s kv type %d: %llu per token, want %llu", path, (int)kts[k],
                  (unsigned long long)p.kv_bytes_per_token, (unsigned long long)((uint64_t)nl * (want_k + want_v)));
            memset(&cd, 0, sizeof cd);
            cd.n_ctx = n_ctx;
            cd.kv_type = kts[k];
            llml_shape_from_gguf(g, &s, NULL);
            CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK &&
                  cs.kv_k_bytes >= (uint64_t)nl * want_k * (uint64_t)n_ctx &&
                  cs.kv_k_bytes - (uint64_t)nl * want_k * (uint64_t)n_ctx < 64 * (uint64_t)nl &&
                  cs.kv_v_bytes >= (uint64_t)nl * want_v * (uint64_t)n_ctx &&
                  cs.kv_v_bytes - (uint64_t)nl * want_v * (uint64_t)n_ctx < 64 * (uint64_t)nl,
                  "%s: ctx sizes K %llu V %llu", path, (unsigned long long)cs.kv_k_bytes,
                  (unsigned long long)cs.kv_v_bytes);
            CHECK(cs.block_bytes == cs.kv_k_bytes + cs.kv_v_bytes + cs.act_bytes + cs.attn_bytes +
                                    cs.qact_bytes + cs.tokens_bytes + cs.other_bytes &&
                  cs.total_bytes == cs.block_bytes + cs.logits_bytes &&
                  cs.logits_bytes == (uint64_t)s.n_vocab * 4 && cs.tokens_bytes >= (uint64_t)n_ctx * 4,
                  "%s: ctx sizes sum", path);
            /* measure, then place: what a real context allocates */
            {
                llml_model *mdl = NULL;
                llml_ctx *ctx = NULL;
                cd.n_batch = 7 + 5 * k;
                cd.n_threads = 1 + k;
                llml_ctx_sizes_get(&s, &cd, &cs);
                if (llml_model_load_file(path, NULL, &mdl, NULL) == LLML_OK &&
                    llml_ctx_create(mdl, &cd, &ctx, NULL) == LLML_OK) {
                    CHECK(ctx->mem_size == cs.block_bytes, "%s kv %d: context block %llu, measured %llu", path,
                          (int)kts[k], (unsigned long long)ctx->mem_size, (unsigned long long)cs.block_bytes);
                } else {
                    CHECK(0, "%s: cannot create a context", path);
                }
                llml_ctx_free(ctx);
                llml_model_free(mdl);
            }
        }
        llml_gguf_close(g);
    }
    /* Llama-3-8B: 32 layers x 8 KV heads x 128 x (K + V) x 2 bytes = 128 KiB a
       token; 1 GiB at 8192 */
    {
        llml_shape s;
        llml_plan_desc d;
        llml_plan p;
        llml_ctx_sizes cs;
        llml_ctx_desc cd;
        llml_shape_preset("llama3-8b", &s);
        memset(&d, 0, sizeof d);
        d.shape = &s;
        d.n_ctx = 8192;
        CHECK(llml_plan_compute(&d, &p, NULL) == LLML_OK && p.kv_bytes_per_token == 131072 &&
              p.kv_bytes == 1073741824ull, "llama3-8b kv %llu", (unsigned long long)p.kv_bytes);
        d.n_seq = 4;
        CHECK(llml_plan_compute(&d, &p, NULL) == LLML_OK && p.kv_bytes == 4 * 1073741824ull, "4 sequences");
        /* context defaults: the training context, at most 4096 */
        memset(&cd, 0, sizeof cd);
        CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK && cs.tokens_bytes == 4096 * 4, "default n_ctx");
        CHECK(llml_ctx_sizes_get(&s, NULL, &cs) == LLML_OK && cs.kv_k_bytes == 4096ull * 32 * 8 * 128 * 2, "NULL desc");
        cd.n_ctx = 0;
        cd.n_ctx = -1;
        CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_ERR_INVALID_ARG, "negative n_ctx");
        /* Q8_0: 34 bytes per 32 values; heads of 40 values keep F16 */
        cd.n_ctx = 10;
        cd.kv_type = LLML_KV_Q8_0;
        CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK && cs.kv_token_bytes == 32ull * 2 * 8 * 4 * 34,
              "q8_0: %llu", (unsigned long long)cs.kv_token_bytes);
        s.n_head_kv = 3; s.head_dim = 40; s.head_dim_v = 40;
        CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK && cs.kv_token_bytes == 32ull * 2 * 120 * 2,
              "q8_0 with heads of 40: F16 %llu", (unsigned long long)cs.kv_token_bytes);
    }
}

/* Measure, then place: llml_ctx_create takes its block from the sizing
   code. The thread default of a host job system (4 tasks), the Q8_0 cache's
   F16 fallback, per-layer KV head counts, and the internal error when the
   model's layers disagree with its shape. */
static void host_jobs(void *user, llml_task_fn task, void *arg, int n) {
    int i;
    (void)user;
    for (i = 0; i < n; i++) task(arg, i, n);
}

static void test_ctx_place(void) {
    char path[1200];
    llml_gguf *g;
    llml_shape s;
    llml_ctx_desc cd;
    llml_ctx_sizes cs;
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_error err;
    /* stories260K: heads of 8 values, so a Q8_0 cache is kept as F16 */
    snprintf(path, sizeof path, "%s/real/stories260K.gguf", check_testdata());
    g = open_header(path);
    if (!g || llml_model_load_file(path, NULL, &m, NULL) != LLML_OK) {
        CHECK(0, "%s: cannot load", path);
        llml_gguf_close(g);
        return;
    }
    llml_shape_from_gguf(g, &s, NULL);
    memset(&cd, 0, sizeof cd);
    cd.n_ctx = 200;
    cd.kv_type = LLML_KV_Q8_0;
    cd.n_threads = 1;
    CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK && cs.kv_token_bytes == 5ull * 2 * 4 * 8 * 2,
          "q8_0 falls back to F16: %llu bytes a token", (unsigned long long)cs.kv_token_bytes);
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK && c->kv_type == LLML_KV_F16 && c->mem_size == cs.block_bytes,
          "q8_0 fallback: block %llu, sized %llu", c ? (unsigned long long)c->mem_size : 0ull,
          (unsigned long long)cs.block_bytes);
    llml_ctx_free(c);
    c = NULL;
    /* a host job system: 4 tasks, 4 rows of n_ctx attention scores, 4 query
       rows (8 values: 32 + 64 bytes, rounded to 128) and 4 value rows */
    cd.kv_type = LLML_KV_F16;
    cd.n_threads = 0;
    cd.parallel_for = host_jobs;
    CHECK(llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK && cs.attn_bytes == 4 * 200 * 4 + 4 * 128 + 128,
          "host jobs: attention rows %llu", (unsigned long long)cs.attn_bytes);
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK && c->n_threads == 4 && c->mem_size == cs.block_bytes,
          "host jobs: %d tasks, block %llu, sized %llu", c ? c->n_threads : 0, c ? (unsigned long long)c->mem_size : 0ull,
          (unsigned long long)cs.block_bytes);
    llml_ctx_free(c);
    c = NULL;
    llml_model_free(m);
    m = NULL;
    llml_gguf_close(g);

    /* llama-f32: 2 layers of 2 KV heads of 32. With one head in layer 0 (as
       a per-layer head_count_kv array gives), that layer's K and V rows
       shrink from 128 to 64 bytes: 2 x 100 x 64 bytes less than the shape's
       uniform count */
    snprintf(path, sizeof path, "%s/arch/llama-f32.gguf", check_testdata());
    g = open_header(path);
    if (!g || llml_model_load_file(path, NULL, &m, NULL) != LLML_OK) {
        CHECK(0, "%s: cannot load", path);
        llml_gguf_close(g);
        return;
    }
    llml_shape_from_gguf(g, &s, NULL);
    memset(&cd, 0, sizeof cd);
    cd.n_ctx = 100;
    cd.n_threads = 2;
    llml_ctx_sizes_get(&s, &cd, &cs);
    m->layers[0].n_head_kv = 1;
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK && c->mem_size == cs.block_bytes - 2 * 100 * 64 &&
          c->kv_row[0] == 64 && c->kv_row[1] == 128,
          "per-layer heads: block %llu, shape's %llu", c ? (unsigned long long)c->mem_size : 0ull,
          (unsigned long long)cs.block_bytes);
    llml_ctx_free(c);
    c = NULL;
    m->layers[0].n_head_kv = 2;
    /* a layer wider than the model's feed-forward length: the forward pass
       would outgrow the sized scratch, so the context refuses */
    m->layers[1].n_ff += 64;
    memset(&err, 0, sizeof err);
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_ERR_CORRUPT && c == NULL && strstr(err.message, "internal error") &&
          strstr(err.message, "llml_ctx_sizes_get"), "disagreement: %s", err.message);
    m->layers[1].n_ff -= 64;
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK && c->mem_size == cs.block_bytes, "restored: %s", err.message);
    llml_ctx_free(c);
    llml_model_free(m);
    llml_gguf_close(g);
}

/* ---- 4. mixes against llmlite-quantize -------------------------------------- */

/* cmd's exit status; its stdout to `out` (NULL: dropped), stderr dropped */
static int run_to(const char *cmd, const char *out) {
    char full[4096];
    int st;
    snprintf(full, sizeof full, "%s >%s 2>&1", cmd, out ? out : "/dev/null");
    st = system(full);
#if !defined(_WIN32)
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
#else
    return st;
#endif
}

static int run(const char *cmd) { return run_to(cmd, NULL); }

static void check_mix(const char *tool, const char *in, const char *imatrix, const char *mix, int pure,
                      const char *tmpdir) {
    char out[1200], cmd[4000];
    llml_gguf *src, *dst;
    llml_plan_desc d;
    llml_plan_tensor *pt;
    llml_plan p;
    int64_t n, i, same = 0;
    uint64_t bytes = 0;
    snprintf(out, sizeof out, "%s/plan-%s%s.gguf", tmpdir, mix, pure ? "-pure" : "");
    snprintf(cmd, sizeof cmd, "%s %s %s %s%s%s%s", tool, in, out, mix, pure ? " --pure" : "",
             imatrix ? " --imatrix " : "", imatrix ? imatrix : "");
    if (run(cmd) != 0) { CHECK(0, "%s failed", cmd); return; }
    src = open_header(in);
    dst = open_header(out);
    if (!src || !dst) { llml_gguf_close(src); llml_gguf_close(dst); return; }
    memset(&d, 0, sizeof d);
    d.gguf = src;
    d.quant = mix;
    d.has_imatrix = imatrix != NULL;
    llml_plan_tensors(&d, NULL, 0, &n, NULL);
    pt = (llml_plan_tensor *)calloc((size_t)n + 1, sizeof *pt);
    CHECK(pt && llml_plan_tensors(&d, pt, n, &n, NULL) == LLML_OK, "%s: plan tensors", mix);
    for (i = 0; pt && i < n; i++) {
        int64_t j = llml_gguf_find_tensor(dst, pt[i].name);
        const llml_gguf_tensor *t = j >= 0 ? llml_gguf_tensor_at(dst, j) : NULL;
        if (t && t->type == pt[i].type && t->size == pt[i].bytes) same++;
        else
            CHECK(0, "%s: %s planned %s %llu bytes, tool wrote %s %llu", mix, pt[i].name,
                  llml_type_get_info(pt[i].type)->name, (unsigned long long)pt[i].bytes,
                  t ? llml_type_get_info(t->type)->name : "nothing", t ? (unsigned long long)t->size : 0ULL);
        bytes += pt[i].bytes;
    }
    CHECK(same == n && n == llml_gguf_n_tensors(dst), "%s: %lld of %lld tensors as planned", mix,
          (long long)same, (long long)n);
    {
        uint64_t data = (uint64_t)disk_size(out) - llml_gguf_data_offset(dst);
        CHECK(llml_plan_compute(&d, &p, NULL) == LLML_OK && p.weight_bytes == bytes && data >= bytes &&
              data - bytes < (uint64_t)n * llml_gguf_alignment(dst),
              "%s: plan weights %llu, file data %llu", mix, (unsigned long long)p.weight_bytes,
              (unsigned long long)data);
    }
    free(pt);
    llml_gguf_close(src);
    llml_gguf_close(dst);
    remove(out);
}

static void test_mixes(const char *build, const char *tmpdir) {
    char tool[1200], in[1200], im[1200], stories[1200];
    static const char *const mixes[] = { "Q4_K_M", "Q3_K_L", "Q5_K_S", "Q2_K", "IQ4_XS", "IQ3_M", "IQ2_XS", "Q4_0" };
    size_t i;
    snprintf(tool, sizeof tool, "%s/llmlite-quantize", build);
    snprintf(in, sizeof in, "%s/quant/f32.gguf", check_testdata());
    snprintf(im, sizeof im, "%s/quant/imatrix.dat", check_testdata());
    snprintf(stories, sizeof stories, "%s/real/stories260K.gguf", check_testdata());
    for (i = 0; i < sizeof mixes / sizeof mixes[0]; i++) check_mix(tool, in, im, mixes[i], 0, tmpdir);
    check_mix(tool, in, NULL, "Q5_K_M", 0, tmpdir);
    check_mix(tool, in, NULL, "q6_K", 1, tmpdir);
    /* rows of 64 and 172: fallbacks to 32-element formats and to F16 */
    check_mix(tool, stories, NULL, "Q4_K_M", 0, tmpdir);
    check_mix(tool, stories, NULL, "Q6_K", 0, tmpdir);
    /* the mix rules against the reference's, by hand, for the Llama-3-8B
       shape (32 layers, 4 query heads per KV head): Q4_K_M gives attn_v and
       ffn_down Q6_K in layers 0-3, 28-31 and every third from 6 (6, 9, ..,
       27); the rest Q4_K; output Q6_K; token_embd Q4_K */
    {
        llml_shape s;
        llml_plan_desc d;
        llml_plan_tensor *pt;
        int64_t n, j;
        int bad = 0;
        llml_shape_preset("llama3-8b", &s);
        memset(&d, 0, sizeof d);
        d.shape = &s;
        d.quant = "Q4_K_M";
        llml_plan_tensors(&d, NULL, 0, &n, NULL);
        pt = (llml_plan_tensor *)calloc((size_t)n, sizeof *pt);
        if (pt && llml_plan_tensors(&d, pt, n, &n, NULL) == LLML_OK) {
            for (j = 0; j < n; j++) {
                int l = pt[j].layer, more = l < 4 || l >= 28 || (l >= 6 && (l - 6) % 3 == 0);
                llml_type want;
                if (strstr(pt[j].name, "_norm")) want = LLML_TYPE_F32;
                else if (strcmp(pt[j].name, "output.weight") == 0) want = LLML_TYPE_Q6_K;
                else if (strcmp(pt[j].name, "token_embd.weight") == 0) want = LLML_TYPE_Q4_K;
                else if (strstr(pt[j].name, "attn_v") || strstr(pt[j].name, "ffn_down")) want = more ? LLML_TYPE_Q6_K : LLML_TYPE_Q4_K;
                else want = LLML_TYPE_Q4_K;
                if (pt[j].type != want) { bad++; CHECK(0, "Q4_K_M %s: %d", pt[j].name, (int)pt[j].type); }
            }
        }
        CHECK(pt && bad == 0, "Q4_K_M rules by hand");
        free(pt);
    }
}

/* ---- 5 and 6: published.md ---------------------------------------------------- */

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    long n;
    char *s;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = (char *)malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) { free(s); s = NULL; }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

/* Plan a preset in a quant; gen_tps etc. */
static int plan_preset(const char *preset, const char *quant, const llml_device *dev, int32_t n_ctx, llml_plan *p) {
    llml_shape s;
    llml_plan_desc d;
    if (llml_shape_preset(preset, &s) != LLML_OK) return 0;
    memset(&d, 0, sizeof d);
    d.shape = &s;
    d.quant = quant;
    d.n_ctx = n_ctx;
    d.device = dev;
    d.n_gpu_layers = -1;
    return llml_plan_compute(&d, p, NULL) == LLML_OK;
}

static int dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_size_table(const char *md) {
    /* "Q4_0 4.34 GB, Q4_1 4.78, ... Q8_0 7.96; F16 14.00 ..." */
    const char *p = strstr(md, "size table");
    const char *end;
    int n = 0;
    double q2k = 0, q2ks = 0;
    if (p) p = strstr(p, "\n\n");
    CHECK(p != NULL, "published.md: size table not found");
    if (!p) return;
    end = strchr(p, ';');
    printf("reference size table, Llama-3-8B (GiB): mix, published, predicted, error\n");
    while (p && end && p < end) {
        char name[16];
        double ref;
        int used = 0;
        while (*p == ' ' || *p == ',' || *p == '\n') p++;
        if (p >= end || sscanf(p, "%15s %lf%n", name, &ref, &used) != 2) break;
        p += used;
        if (strncmp(p, " GB", 3) == 0) p += 3;
        {
            llml_plan pl;
            double got;
            if (!plan_preset("llama3-8b", name, NULL, 0, &pl)) { CHECK(0, "size table: %s", name); continue; }
            got = (double)pl.file_bytes / 1073741824.0;
            printf("  %-7s %6.2f %7.3f %+6.2f%%\n", name, ref, got, 100 * (got / ref - 1));
            if (strcmp(name, "Q2_K") == 0) q2k = got;
            if (strcmp(name, "Q2_K_S") == 0) {
                /* the reference's help text repeats Q2_K's size here; its own
                   rules make Q2_K_S smaller (ffn_down and attn_output stay
                   Q2_K) */
                q2ks = got;
            } else {
                CHECK(fabs(got / ref - 1) <= 0.01, "size table %s: %.3f GiB vs %.2f", name, got, ref);
            }
            n++;
        }
    }
    CHECK(n == 15, "size table: %d entries", n);
    CHECK(q2ks > 0 && q2k > 0 && q2ks < q2k, "Q2_K_S %.3f below Q2_K %.3f", q2ks, q2k);
    printf("  (Q2_K_S: the reference prints Q2_K's size for it; its rules give the size above)\n");
}

static const struct { const char *col, *preset, *quant; } pub_models[] = {
    { "qwen2.5:0.5b", "qwen2.5-0.5b", "Q4_K_M" }, { "llama3.2:1b", "llama3.2-1b", "Q8_0" },
    { "llama3.2:3b", "llama3.2-3b", "Q4_K_M" }, { "llama3.1:8b", "llama3.1-8b", "Q4_K_M" },
    { "llama3.1:70b", "llama3.1-70b", "Q4_K_M" }
};

static void test_speed_table(const char *md) {
    const char *p = strstr(md, "| device |");
    int cols[8], n_cols = 0, rows = 0, n_err = 0, i;
    double errs[256];
    CHECK(p != NULL, "published.md: speed table not found");
    if (!p) return;
    /* header: which model is in which column */
    {
        const char *e = strchr(p, '\n');
        const char *q = p + 10;
        while (q && q < e && n_cols < 8) {
            const char *bar = strchr(q, '|');
            char cell[64];
            size_t len;
            if (!bar || bar > e) break;
            len = (size_t)(bar - q);
            if (len >= sizeof cell) len = sizeof cell - 1;
            memcpy(cell, q, len);
            cell[len] = 0;
            cols[n_cols] = -1;
            for (i = 0; i < 5; i++)
                if (strstr(cell, pub_models[i].col)) cols[n_cols] = i;
            if (len > 1) n_cols++;
            q = bar + 1;
        }
        p = strchr(e + 1, '\n');   /* skip the |---| line */
    }
    printf("\ngeneration t/s, published (ollama) vs predicted, n_ctx 2048, at position 256:\n");
    printf("  %-30s %-13s %8s %8s %7s %s\n", "device", "model", "measured", "predict", "error", "");
    while (p && strncmp(p + 1, "| ", 2) == 0) {
        char dev_name[96], cell[32];
        const char *q = p + 3, *bar;
        const llml_device *dev;
        int c;
        bar = strchr(q, '|');
        if (!bar) break;
        snprintf(dev_name, sizeof dev_name, "%.*s", (int)(bar - q), q);
        while (strlen(dev_name) && dev_name[strlen(dev_name) - 1] == ' ') dev_name[strlen(dev_name) - 1] = 0;
        dev = llml_device_find(dev_name + 4);   /* after "CPU " / "GPU " */
        CHECK(dev != NULL, "device '%s' not in the table", dev_name);
        for (c = 0; c < n_cols && dev; c++) {
            double meas;
            llml_plan pl;
            q = bar + 1;
            bar = strchr(q, '|');
            if (!bar) break;
            snprintf(cell, sizeof cell, "%.*s", (int)(bar - q), q);
            if (sscanf(cell, "%lf", &meas) != 1 || cols[c] < 0) continue;
            if (!plan_preset(pub_models[cols[c]].preset, pub_models[cols[c]].quant, dev, 2048, &pl)) {
                CHECK(0, "plan %s", pub_models[cols[c]].preset);
                continue;
            }
            rows++;
            printf("  %-30s %-13s %8.2f %8.2f %+6.0f%% %s\n", dev->name, pub_models[cols[c]].col, meas, pl.gen_tps,
                   100 * (pl.gen_tps / meas - 1), pl.fits ? "" : "(does not fit: not counted)");
            if (pl.fits && n_err < 256) errs[n_err++] = fabs(pl.gen_tps / meas - 1);
        }
        p = strchr(p + 1, '\n');
    }
    qsort(errs, (size_t)n_err, sizeof errs[0], dbl_cmp);
    {
        double med = n_err == 0 ? 1 : (n_err % 2 ? errs[n_err / 2] : (errs[n_err / 2 - 1] + errs[n_err / 2]) / 2);
        int within = 0;
        for (i = 0; i < n_err; i++) within += errs[i] <= 0.25;
        printf("  %d rows, %d where the model fits: median absolute error %.1f%%, %d within 25%%\n", rows, n_err,
               100 * med, within);
        CHECK(rows >= 40 && n_err >= 30, "published rows: %d, fitting %d", rows, n_err);
        CHECK(med <= 0.25, "median absolute error %.1f%% > 25%%", 100 * med);
    }
    /* the Apple notes: M4 Pro about 50 t/s on LLaMA-7B Q4_0 */
    {
        llml_plan pl;
        const llml_device *m4 = llml_device_find("M4 Pro");
        CHECK(m4 && plan_preset("llama2-7b", "Q4_0", m4, 2048, &pl), "M4 Pro");
        if (m4) printf("  note: Apple M4 Pro, LLaMA-7B Q4_0: about 50 measured, %.1f predicted\n", pl.gen_tps);
    }
}

/* ---- 7. the rest --------------------------------------------------------------- */

static void test_devices_and_offload(void) {
    const llml_device *d;
    int32_t i;
    CHECK(llml_device_count() > 60, "device table: %d entries", (int)llml_device_count());
    for (i = 0; i < llml_device_count(); i++) {
        d = llml_device_at(i);
        CHECK(d && d->name && d->mem_gb > 0 && d->bw_gbs > 0 && d->tflops > 0 && llml_device_find(d->name) == d,
              "device %d (%s)", (int)i, d && d->name ? d->name : "?");
    }
    CHECK(llml_device_at(-1) == NULL && llml_device_at(llml_device_count()) == NULL, "device_at range");
    d = llml_device_find("rtx 3060");
    CHECK(d && strcmp(d->name, "GeForce RTX 3060") == 0, "suffix match wins: %s", d ? d->name : "NULL");
    CHECK(llml_device_find("RTX 3060 Ti") && llml_device_find("RTX 3060 Ti")->mem_gb == 8, "3060 Ti");
    CHECK(llml_device_find("RTX") == NULL && llml_device_find("") == NULL && llml_device_find("zzz") == NULL,
          "ambiguous / unknown names");
    CHECK(llml_device_find("H100") && strcmp(llml_device_find("H100")->name, "H100") == 0, "exact match wins");

    /* GPU layers: device bytes at n_gpu_layers_max fit, one more does not */
    {
        llml_shape s;
        llml_plan_desc pd;
        llml_plan p, q;
        llml_device small = *llml_device_find("RTX 3060 Ti");
        llml_shape_preset("llama3.1-8b", &s);
        memset(&pd, 0, sizeof pd);
        pd.shape = &s;
        pd.quant = "Q4_K_M";
        pd.n_ctx = 8192;
        pd.device = &small;
        pd.n_gpu_layers = -1;
        small.mem_gb = 4.0;
        CHECK(llml_plan_compute(&pd, &p, NULL) == LLML_OK && p.n_gpu_layers_max > 0 && p.n_gpu_layers_max < 33 &&
              !p.fits && p.device_bytes <= p.device_free_bytes, "4 GB: %d layers", (int)p.n_gpu_layers_max);
        pd.n_gpu_layers = p.n_gpu_layers_max + 1;
        CHECK(llml_plan_compute(&pd, &q, NULL) == LLML_OK && q.device_bytes > q.device_free_bytes &&
              q.device_bytes - p.device_bytes >= p.layer_bytes[0], "one more layer does not fit");
        CHECK(q.device_bytes + q.host_bytes >= q.total_bytes, "device + host hold everything");
        CHECK(q.gen_tps > p.gen_tps, "more layers on the GPU: faster");
        small.mem_gb = 24;
        pd.n_gpu_layers = -1;
        CHECK(llml_plan_compute(&pd, &p, NULL) == LLML_OK && p.fits && p.n_gpu_layers == 33 &&
              p.host_bytes < p.device_bytes, "24 GB: everything on the GPU");
        /* an expert model reads only the active experts per token */
        llml_shape_preset("mixtral-8x7b", &s);
        pd.device = NULL;
        CHECK(llml_plan_compute(&pd, &p, NULL) == LLML_OK && p.bytes_per_token < p.weight_bytes / 3 &&
              p.bytes_per_token > p.weight_bytes / 5, "mixtral: %llu of %llu bytes a token",
              (unsigned long long)p.bytes_per_token, (unsigned long long)p.weight_bytes);
    }
    /* hypothetical FP8: one byte per quantizable weight, norms F32 */
    {
        llml_shape s;
        llml_plan_desc pd;
        llml_plan p;
        llml_plan_tensor *pt;
        int64_t n, j;
        uint64_t want = 0;
        llml_shape_preset("llama3.2-1b", &s);
        memset(&pd, 0, sizeof pd);
        pd.shape = &s;
        pd.quant = "FP8";
        llml_plan_tensors(&pd, NULL, 0, &n, NULL);
        pt = (llml_plan_tensor *)calloc((size_t)n, sizeof *pt);
        if (pt && llml_plan_tensors(&pd, pt, n, &n, NULL) == LLML_OK)
            for (j = 0; j < n; j++) want += strstr(pt[j].name, "norm") ? pt[j].n_elements * 4 : pt[j].n_elements;
        CHECK(pt && llml_plan_compute(&pd, &p, NULL) == LLML_OK && p.weight_bytes == want, "FP8 bytes");
        pd.quant = "5.5bpw";
        CHECK(llml_plan_compute(&pd, &p, NULL) == LLML_OK && fabs(p.bpw - 5.5) < 0.01, "5.5bpw: %.3f", p.bpw);
        free(pt);
    }
    /* calibration: the recomputed prediction is the measurement */
    {
        llml_shape s;
        llml_plan_desc pd;
        llml_plan p;
        llml_device cpu = *llml_device_find("Core i7-8700");
        llml_shape_preset("llama3.2-1b", &s);
        memset(&pd, 0, sizeof pd);
        pd.shape = &s;
        pd.quant = "Q4_0";
        pd.device = &cpu;
        CHECK(llml_plan_compute(&pd, &p, NULL) == LLML_OK && p.prompt_tps > 0, "plan for calibration");
        CHECK(llml_device_calibrate(&cpu, &p, p.gen_tps * 0.6, p.prompt_tps * 1.3) == LLML_OK, "calibrate");
        {
            double g0 = p.gen_tps, p0 = p.prompt_tps;
            llml_plan_compute(&pd, &p, NULL);
            CHECK(fabs(p.gen_tps / (g0 * 0.6) - 1) < 1e-6, "calibrated gen %.4f vs %.4f", p.gen_tps, g0 * 0.6);
            CHECK(fabs(p.prompt_tps / (p0 * 1.3) - 1) < 0.05, "calibrated prompt %.3f vs %.3f", p.prompt_tps, p0 * 1.3);
            CHECK(strstr(p.note, "calibrated") != NULL, "note says calibrated: %s", p.note);
        }
        /* measurements above what the default fixed costs and the full
           bandwidth allow (the weights at full bandwidth + half the fixed
           costs), and above the memory's bandwidth itself (x40: a model
           living in the caches): still reproduced */
        {
            static const double f[2] = { 0, 40.0 };
            int k;
            for (k = 0; k < 2; k++) {
                llml_device c2 = *llml_device_find("Core i7-8700");
                double g0, want, be, t_one, t_fixed;
                pd.device = &c2;
                llml_plan_compute(&pd, &p, NULL);
                g0 = p.gen_tps;
                llml_device_defaults(&c2, &be, NULL, NULL);
                t_one = (double)p.bytes_per_token / (c2.bw_gbs * 1e9);
                t_fixed = 1.0 / g0 - t_one / be;
                want = k == 0 ? 1.0 / (t_one + 0.5 * t_fixed) : f[k] / t_one;
                CHECK(want > g0, "x%g is above the default prediction (%.2f > %.2f)", f[k], want, g0);
                CHECK(llml_device_calibrate(&c2, &p, want, 0) == LLML_OK, "calibrate x%g", f[k]);
                llml_plan_compute(&pd, &p, NULL);
                CHECK(fabs(p.gen_tps / want - 1) < 1e-6, "calibrated x%g: gen %.4f vs %.4f", f[k], p.gen_tps, want);
                CHECK(k == 0 ? c2.bw_eff == 1.0 : c2.bw_eff > 1.0, "x%g: bandwidth share %.3f", f[k], c2.bw_eff);
            }
        }
    }
    /* the cores' side: matrix-vector rates per format (llml_device.mv_gws).
       Expected seconds from the tensor table of llml_plan_tensors, added up
       here: every 2-D tensor of a layer and the output matrix, at 1e9 x the
       rate given for its format */
    {
        llml_shape s;
        llml_plan_desc pd;
        llml_plan p0, p1;
        llml_plan_tensor *pt = NULL;
        int64_t n = 0, j;
        double rates[LLML_TYPE_COUNT], want = 0, be, t_mem, t_fixed;
        llml_device cpu = *llml_device_find("Core i7-8700");
        int ty;
        llml_shape_preset("llama3.2-1b", &s);
        s.tied_output = 0;
        memset(&pd, 0, sizeof pd);
        pd.shape = &s;
        pd.quant = "Q4_K_M";
        pd.device = &cpu;
        for (ty = 0; ty < LLML_TYPE_COUNT; ty++) rates[ty] = 0;
        rates[LLML_TYPE_Q4_K] = 2.0;   /* slow enough that the cores bind */
        rates[LLML_TYPE_Q6_K] = 1.0;
        llml_plan_tensors(&pd, NULL, 0, &n, NULL);
        pt = (llml_plan_tensor *)calloc((size_t)(n > 0 ? n : 1), sizeof *pt);
        CHECK(pt && llml_plan_tensors(&pd, pt, n, &n, NULL) == LLML_OK, "tensor table");
        for (j = 0; pt && j < n; j++) {
            double r = (int)pt[j].type >= 0 && pt[j].type < LLML_TYPE_COUNT ? rates[pt[j].type] : 0;
            if ((pt[j].layer >= 0 || strncmp(pt[j].name, "output.", 7) == 0) && r > 0 &&
                strstr(pt[j].name, "norm") == NULL)
                want += (double)pt[j].n_elements / (r * 1e9);
        }
        free(pt);
        CHECK(llml_plan_compute(&pd, &p0, NULL) == LLML_OK && p0.gen_mv_s == 0, "no rates: no compute term");
        cpu.mv_gws = rates;
        CHECK(llml_plan_compute(&pd, &p1, NULL) == LLML_OK, "plan with rates");
        CHECK(want > 0 && fabs(p1.gen_mv_s / want - 1) < 1e-9, "compute seconds %.6f vs %.6f", p1.gen_mv_s, want);
        /* same fixed costs: the prediction is 1 / (fixed + the slower side) */
        llml_device_defaults(&cpu, &be, NULL, NULL);
        t_mem = (double)p0.bytes_per_token / (be * cpu.bw_gbs * 1e9);
        t_fixed = 1.0 / p0.gen_tps - t_mem;
        CHECK(want > t_mem, "the cores bind here (%.4f s > %.4f s)", want, t_mem);
        CHECK(fabs(p1.gen_tps * (t_fixed + want) - 1) < 1e-9, "compute-bound prediction %.3f vs %.3f", p1.gen_tps,
              1.0 / (t_fixed + want));
        CHECK(p1.weight_bytes == p0.weight_bytes && p1.bytes_per_token == p0.bytes_per_token &&
              p1.prompt_tps == p0.prompt_tps, "rates change only the generation speed");
        /* calibrated on a compute-bound measurement: the rate's share moves,
           the bandwidth's does not, and the plan gives the measurement back */
        {
            llml_device c2 = cpu;
            const double meas = p1.gen_tps * 0.8;
            llml_plan p2;
            CHECK(llml_device_calibrate(&c2, &p1, meas, 0) == LLML_OK, "calibrate, compute-bound");
            CHECK(c2.bw_eff == cpu.bw_eff && fabs(c2.mv_eff - want / (1.0 / meas - t_fixed)) < 1e-9,
                  "matrix-vector share %.4f, bandwidth share %.3f", c2.mv_eff, c2.bw_eff);
            pd.device = &c2;
            CHECK(llml_plan_compute(&pd, &p2, NULL) == LLML_OK && fabs(p2.gen_tps / meas - 1) < 1e-9,
                  "compute-bound calibration reproduced: %.4f vs %.4f", p2.gen_tps, meas);
        }
        /* fast cores: the memory binds, and calibration moves its share */
        {
            llml_device c3 = cpu;
            llml_plan p3, p4;
            double meas;
            for (ty = 0; ty < LLML_TYPE_COUNT; ty++) rates[ty] = rates[ty] * 1000.0;
            pd.device = &cpu;
            CHECK(llml_plan_compute(&pd, &p3, NULL) == LLML_OK && fabs(p3.gen_tps / p0.gen_tps - 1) < 1e-9,
                  "fast cores: the bandwidth prediction (%.3f vs %.3f)", p3.gen_tps, p0.gen_tps);
            meas = p3.gen_tps * 0.7;
            CHECK(llml_device_calibrate(&c3, &p3, meas, 0) == LLML_OK && c3.bw_eff < be, "calibrate, memory-bound");
            pd.device = &c3;
            CHECK(llml_plan_compute(&pd, &p4, NULL) == LLML_OK && fabs(p4.gen_tps / meas - 1) < 1e-9,
                  "memory-bound calibration reproduced: %.4f vs %.4f", p4.gen_tps, meas);
        }
    }
    /* the rate measurement itself: positive and finite for the formats of the
       usual mixes at each instruction set this CPU has; bad arguments refused */
    {
        static const llml_type ty[4] = { LLML_TYPE_Q4_0, LLML_TYPE_Q8_0, LLML_TYPE_Q4_K, LLML_TYPE_Q6_K };
        static const llml_isa isa[3] = { LLML_ISA_SCALAR, LLML_ISA_DEFAULT, LLML_ISA_DEFAULT };
        int i, k;
        for (k = 0; k < 3; k++)
            for (i = 0; i < 4; i++) {
                double g = -1;
                llml_result r = llml_cpu_mv_rate(ty[i], k == 2 ? 2 : 1, isa[k], k == 1 ? (8u << 20) : 0, 0.01, &g);
                CHECK(r == LLML_OK && g > 0 && g < 1e5, "mv rate %s isa %s threads %d: %d %.3f",
                      llml_type_get_info(ty[i])->name, llml_isa_name(isa[k]), k == 2 ? 2 : 1, (int)r, g);
            }
        {
            double g = 1;
            CHECK(llml_cpu_mv_rate(LLML_TYPE_Q4_0, 1, LLML_ISA_DEFAULT, 0, 0.01, NULL) == LLML_ERR_INVALID_ARG, "NULL out");
            CHECK(llml_cpu_mv_rate((llml_type)1000, 1, LLML_ISA_DEFAULT, 0, 0.01, &g) == LLML_ERR_INVALID_ARG && g == 0,
                  "unknown type");
            CHECK(llml_cpu_mv_rate(LLML_TYPE_Q4_0, -1, LLML_ISA_DEFAULT, 0, 0.01, &g) == LLML_ERR_INVALID_ARG, "threads < 0");
        }
    }
    /* errors */
    {
        llml_plan_desc pd;
        llml_plan p;
        llml_shape s;
        llml_error err;
        memset(&pd, 0, sizeof pd);
        CHECK(llml_plan_compute(&pd, &p, &err) == LLML_ERR_INVALID_ARG, "no model");
        CHECK(llml_plan_compute(NULL, &p, NULL) == LLML_ERR_INVALID_ARG, "NULL desc");
        llml_shape_preset("llama3.2-1b", &s);
        pd.shape = &s;
        pd.quant = "Q9_Z";
        CHECK(llml_plan_compute(&pd, &p, &err) == LLML_ERR_INVALID_ARG && strstr(err.message, "Q9_Z"), "bad quant");
        pd.quant = NULL;
        pd.n_ctx = -5;
        CHECK(llml_plan_compute(&pd, &p, &err) == LLML_ERR_INVALID_ARG, "negative n_ctx");
        pd.n_ctx = 0;
        s.n_layer = 0;
        CHECK(llml_plan_compute(&pd, &p, &err) == LLML_ERR_BAD_SHAPE, "bad shape");
        CHECK(llml_mix_find("q4_k_m") && llml_mix_find("q4_k_m")->ftype == LLML_FTYPE_Q4_K_M &&
              llml_mix_find("15") == llml_mix_find("Q4_K_M") && llml_mix_find("Q4_K")->alias &&
              llml_mix_find("xyz") == NULL && llml_mix_for_type(LLML_TYPE_Q3_K)->ftype == LLML_FTYPE_Q3_K_M,
              "mix lookups");
    }
}


/* ---- 8. peer.md: this machine, the reference's measurements ------------------- */

/* The Llama-3.2-1B shape with an untied output matrix, quantized by the
   reference: file sizes and bytes read a token as peer.md gives them, then a
   calibration on the Q4_0 2-thread generation speed predicting the others. */
static void test_peer(void) {
    char path[1200];
    char *md;
    const char *p;
    llml_shape s;
    llml_device dev;
    static const double bytes_tok[3] = { 763e6, 800e6, 1310e6 };   /* peer.md, "about" */
    static const char *const fmts[3] = { "Q4_0", "Q4_K_M", "Q8_0" };
    double tg2[3] = { 0, 0, 0 }, pp2[3] = { 0, 0, 0 }, size_mib[3] = { 0, 0, 0 };
    int k, rows = 0;
    snprintf(path, sizeof path, "%s/../perf/peer.md", check_testdata());
    md = read_text(path);
    CHECK(md != NULL, "cannot read %s", path);
    if (!md) return;
    /* rows "| Q4_0 | 868.65 MiB | 2 | 59.6 | 21.6 |" of the first table */
    p = strstr(md, "| format | file size |");
    while (p && (p = strchr(p + 1, '\n')) != NULL && p[1] == '|') {
        char f[16], unit[8];
        double size, pp, tg;
        int th;
        if (sscanf(p + 1, "| %15s | %lf %7s | %d | %lf | %lf |", f, &size, unit, &th, &pp, &tg) != 6) continue;
        for (k = 0; k < 3; k++)
            if (strcmp(f, fmts[k]) == 0) {
                size_mib[k] = strcmp(unit, "GiB") == 0 ? size * 1024 : size;
                if (th == 2) { tg2[k] = tg; pp2[k] = pp; rows++; }
            }
    }
    free(md);
    CHECK(rows == 3, "peer.md: %d two-thread rows", rows);
    if (rows != 3) return;
    llml_shape_preset("llama3.2-1b", &s);
    s.tied_output = 0;
    memset(&dev, 0, sizeof dev);
    dev.name = "this machine (2 cores, Zen 3)";
    dev.kind = LLML_DEVICE_CPU;
    dev.mem_gb = 24;
    dev.bw_gbs = 31;      /* peer.md: measured streaming read, 2 threads */
    dev.tflops = 0.19;    /* 2 cores x ~3 GHz x 32 FP32 FLOPs a cycle */
    dev.memory = "measured";
    printf("\nthis machine (peer.md, llama.cpp, 2 threads), Llama-3.2-1B shape, untied output:\n");
    for (k = 0; k < 3; k++) {
        llml_plan_desc d;
        llml_plan pl;
        memset(&d, 0, sizeof d);
        d.shape = &s;
        d.quant = fmts[k];
        d.device = &dev;
        d.n_ctx = 512;
        d.gen_pos = 96;   /* tg64 after pp128 is not what llama-bench does; position ~32-64 */
        CHECK(llml_plan_compute(&d, &pl, NULL) == LLML_OK, "plan %s", fmts[k]);
        printf("  %-6s file %8.2f MiB (peer %8.2f)  bytes/token %5.0f MB (peer ~%4.0f)", fmts[k],
               (double)pl.file_bytes / 1048576.0, size_mib[k], (double)pl.bytes_per_token / 1e6, bytes_tok[k] / 1e6);
        CHECK(fabs((double)pl.file_bytes / 1048576.0 / size_mib[k] - 1) < 0.01, "%s file size", fmts[k]);
        CHECK(fabs((double)pl.bytes_per_token / bytes_tok[k] - 1) < 0.03, "%s bytes per token", fmts[k]);
        if (k == 0) {
            CHECK(llml_device_calibrate(&dev, &pl, tg2[0], pp2[0]) == LLML_OK, "calibrate on Q4_0");
            printf("  -> calibrated on it: bw_eff %.3f compute_eff %.3f\n", dev.bw_eff, dev.compute_eff);
        } else {
            printf("\n         predicted tg %5.1f t/s (measured %5.1f, %+4.0f%%), pp %5.1f (measured %5.1f, %+4.0f%%)\n",
                   pl.gen_tps, tg2[k], 100 * (pl.gen_tps / tg2[k] - 1), pl.prompt_tps, pp2[k],
                   100 * (pl.prompt_tps / pp2[k] - 1));
            CHECK(fabs(pl.gen_tps / tg2[k] - 1) <= 0.15, "%s: calibrated generation %.1f vs %.1f", fmts[k],
                  pl.gen_tps, tg2[k]);
        }
    }
}

/* ---- 9. llmlite-plan, the tool ---------------------------------------------- */

/* The number after "key": in a JSON text, or -1. */
static double json_num(const char *js, const char *key) {
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = js ? strstr(js, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : -1.0;
}

static void test_tool(const char *build, const char *tmpdir) {
    char tool[1100], cmd[4000], out[1200], png[1200], model[1200];
    char *txt;
    const char *td = check_testdata();
    llml_gguf *g;
    snprintf(tool, sizeof tool, "%s/llmlite-plan", build);
    snprintf(out, sizeof out, "%s/plan-out.txt", tmpdir);
    snprintf(png, sizeof png, "%s/plan-chart.png", tmpdir);
    snprintf(model, sizeof model, "%s/arch/llama-f32.gguf", td);
    /* a file's report as JSON: the weights are the file's tensor bytes (its
       own table, read here), the KV cache 2 (K, V) x 2 bytes (F16) x layers x
       context x KV heads x head size from its keys */
    snprintf(cmd, sizeof cmd, "%s %s --ctx 512 --device \"RTX 3060 Ti\" --json", tool, model);
    CHECK(run_to(cmd, out) == 0, "%s failed", cmd);
    txt = read_text(out);
    g = open_header(model);
    if (txt && g) {
        uint64_t w = 0;
        int64_t i, nl = key_int(g, "llama", "block_count", 0), nh = key_int(g, "llama", "attention.head_count", 0);
        int64_t nkv = key_int(g, "llama", "attention.head_count_kv", nh), ne = key_int(g, "llama", "embedding_length", 0);
        for (i = 0; i < llml_gguf_n_tensors(g); i++) w += llml_gguf_tensor_at(g, i)->size;
        CHECK(json_num(txt, "weight_bytes") == (double)w, "tool: weight_bytes %.0f, file %llu", json_num(txt, "weight_bytes"),
              (unsigned long long)w);
        CHECK(nh > 0 && json_num(txt, "kv_bytes") == 2.0 * 2.0 * (double)nl * 512.0 * (double)nkv * (double)(ne / nh),
              "tool: kv_bytes %.0f", json_num(txt, "kv_bytes"));
        CHECK(json_num(txt, "n_gpu_layers") == (double)nl + 1 && strstr(txt, "\"fits\":true"), "tool: a tiny model fits");
        CHECK(json_num(txt, "gen_tps") > 0 && json_num(txt, "prompt_tps") > 0, "tool: speeds");
    } else {
        CHECK(0, "tool: no output or no header");
    }
    free(txt);
    llml_gguf_close(g);
    /* the readable report names its parts */
    snprintf(cmd, sizeof cmd, "%s %s --ctx 512 --device \"RTX 3060 Ti\"", tool, model);
    CHECK(run_to(cmd, out) == 0, "%s failed", cmd);
    txt = read_text(out);
    CHECK(txt && strstr(txt, "weights") && strstr(txt, "KV cache") && strstr(txt, "fits entirely: yes") &&
              strstr(txt, "generation") && strstr(txt, "prompt"),
          "tool: report");
    free(txt);
    /* a description over all devices; every format for one device; a target */
    snprintf(cmd, sizeof cmd, "%s --params 70B --family llama --quant Q4_K_M --ctx 8192 --devices all", tool);
    CHECK(run_to(cmd, out) == 0, "%s failed", cmd);
    txt = read_text(out);
    {
        int rows = 0;
        const char *q = txt;
        while (q && (q = strchr(q, '\n')) != NULL) { q++; rows++; }
        CHECK(txt && rows > llml_device_count() / 2 && strstr(txt, "H100") && strstr(txt, "Raspberry Pi 5"),
              "tool: --devices all lists the table (%d lines)", rows);
    }
    free(txt);
    snprintf(cmd, sizeof cmd, "%s --params 8B --family llama --quant all --ctx 8192 --device \"RTX 3060 Ti\"", tool);
    CHECK(run_to(cmd, out) == 0, "%s failed", cmd);
    txt = read_text(out);
    CHECK(txt && strstr(txt, "Q4_K_M") && strstr(txt, "Q8_0") && strstr(txt, "IQ2_XS"), "tool: --quant all");
    free(txt);
    snprintf(cmd, sizeof cmd, "%s --params 8B --family llama --quant Q4_K_M --target-tps 20", tool);
    CHECK(run_to(cmd, out) == 0, "%s failed", cmd);
    free(read_text(out));
    /* errors name what is wrong */
    snprintf(cmd, sizeof cmd, "%s %s --device \"No Such GPU 9000\"", tool, model);
    CHECK(run_to(cmd, out) != 0, "tool: an unknown device fails");
    txt = read_text(out);
    CHECK(txt && strstr(txt, "No Such GPU 9000"), "tool: the message names the device");
    free(txt);
    snprintf(cmd, sizeof cmd, "%s %s/does-not-exist.gguf", tool, tmpdir);
    CHECK(run_to(cmd, out) != 0, "tool: a missing file fails");
    /* the charts: a PNG the size the tool draws, with the palette's colours
       on most of a white page (decoded by stb_image, not by our code) */
    remove(png);
    snprintf(cmd, sizeof cmd, "%s --params 70B --family llama --quant Q4_K_M --ctx 8192 --devices all --chart %s", tool,
             png);
    CHECK(run_to(cmd, out) == 0, "%s failed", cmd);
#ifdef PLAN_TEST_PNG
    {
        int w = 0, h = 0, ch = 0;
        unsigned char *px = stbi_load(png, &w, &h, &ch, 3);
        CHECK(px != NULL, "tool: the chart is a PNG: %s", px ? "" : stbi_failure_reason());
        if (px) {
            size_t i, n = (size_t)w * (size_t)h, white = 0, blue = 0, red = 0, green = 0;
            for (i = 0; i < n; i++) {
                const unsigned char *q = px + 3 * i;
                if (q[0] > 240 && q[1] > 240 && q[2] > 240) white++;
                if (q[2] > q[0] + 60 && q[2] > q[1] + 20) blue++;
                if (q[0] > q[1] + 60 && q[0] > q[2] + 60) red++;
                if (q[1] > q[0] + 40 && q[1] > q[2] + 40) green++;
            }
            printf("  chart %dx%d: white %.0f%%, blue %.1f%%, red %.1f%%, green %.1f%%\n", w, h, 100.0 * white / n,
                   100.0 * blue / n, 100.0 * red / n, 100.0 * green / n);
            CHECK(w >= 800 && h >= 1000, "tool: chart size %dx%d", w, h);
            CHECK(white > n / 2 && white < n * 98 / 100, "tool: a white page with drawing on it");
            CHECK(blue > n / 200 && red > n / 500 && green > n / 200, "tool: bars, lines and the fit matrix's colours");
            stbi_image_free(px);
        }
    }
#else
    printf("  (no stb/stb_image.h here: the chart is not decoded)\n");
#endif
    remove(png);
    remove(out);
}

int main(void) {
    const char *build = getenv("LLML_BUILD");
    char tmpdir[1100], path[1200];
    char *md;
    if (!build || !*build) build = "build";
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", build);
#if !defined(_WIN32)
    mkdir(build, 0777);
    mkdir(tmpdir, 0777);
#endif
    walk_gguf(check_testdata(), 0);
    CHECK(g_files >= 40, "GGUF files checked: %d", g_files);
    printf("weights: %d GGUF files checked byte-exact\n", g_files);
    test_shapes();
    test_kv();
    test_ctx_place();
    test_mixes(build, tmpdir);
    snprintf(path, sizeof path, "%s/../sizing/published.md", check_testdata());
    md = read_text(path);
    CHECK(md != NULL, "cannot read %s", path);
    if (md) {
        test_size_table(md);
        test_speed_table(md);
        free(md);
    }
    test_devices_and_offload();
    test_peer();
    test_tool(build, tmpdir);
    return check_summary("test_plan");
}
