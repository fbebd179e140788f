/* tests/test_allocfail.c - every allocation may fail.
   A counting allocator (honours the alignment asked for, checks the size
   given back on free) fails its Nth allocation. For N = 0, 1, 2, ... a whole
   session runs with it: load a model (from a file, mapped and read; from
   memory; through a read callback), create a context, tokenize a prompt,
   decode it, create a sampler, sample and decode two more tokens, then
   llml_generate four tokens on the same context (prefix reuse, sampling,
   a stop string, the streaming callback); the same
   with a byte-level BPE vocabulary (load and tokenize). Each run must either
   stop with LLML_ERR_OUT_OF_MEMORY (every object it made freed, nothing
   live in the allocator) or, once N is past the number of allocations the
   session makes, succeed with the same tokens and logits as a run with no
   failures. After each failed run a normal run is made (the library holds
   no state that a failure could spoil) and must give the same result.
   Models: arch/llama-f32.gguf and arch/qwen2moe-f32.gguf. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the counting allocator ---------------------------------------------- */

typedef struct counting {
    long fail_at;          /* index of the allocation that fails; -1: none */
    long allocs;           /* allocations asked for so far                 */
    long live;             /* blocks not yet freed                         */
    long bad;              /* frees with a wrong size or a foreign pointer */
    size_t live_bytes;
} counting;

#define HDR 64u            /* room in front of each block for its header */

static void *c_alloc(void *user, size_t size, size_t align) {
    counting *c = (counting *)user;
    unsigned char *raw, *p;
    size_t a = align < 16 ? 16 : align;
    if (c->fail_at >= 0 && c->allocs == c->fail_at) { c->allocs++; return NULL; }
    c->allocs++;
    if ((a & (a - 1)) != 0 || size > (size_t)-1 - HDR - a) { c->bad++; return NULL; }
    raw = (unsigned char *)malloc(size + HDR + a);
    if (!raw) return NULL;
    p = raw + HDR;
    p += (a - (size_t)((uintptr_t)p % a)) % a;
    memcpy(p - 8, &size, sizeof(size_t) < 8 ? sizeof(size_t) : 8);
    memcpy(p - 16, &raw, sizeof(raw));
    memcpy(p - 24, "LLMLBLK", 8);
    c->live++;
    c->live_bytes += size;
    return p;
}

static void c_free(void *user, void *ptr, size_t size) {
    counting *c = (counting *)user;
    unsigned char *p = (unsigned char *)ptr, *raw;
    size_t was = 0;
    if (!p) return;
    if (memcmp(p - 24, "LLMLBLK", 8) != 0) { c->bad++; return; }
    memcpy(&was, p - 8, sizeof(size_t) < 8 ? sizeof(size_t) : 8);
    memcpy(&raw, p - 16, sizeof(raw));
    if (was != size) c->bad++;
    memset(p - 24, 0, 8);
    c->live--;
    c->live_bytes -= was;
    free(raw);
}

/* ---- one session ------------------------------------------------------------ */

enum { SRC_MAP, SRC_READ, SRC_MEMORY, SRC_CALLBACK, SRC_COUNT };
static const char *const SRC_NAMES[SRC_COUNT] = {"file (mapped)", "file (read)", "memory", "callback"};

typedef struct membuf { const unsigned char *p; size_t n; } membuf;

static size_t mem_read(void *user, uint64_t off, void *dst, size_t n) {
    membuf *m = (membuf *)user;
    if (off >= m->n) return 0;
    if (n > m->n - (size_t)off) n = m->n - (size_t)off;
    memcpy(dst, m->p + off, n);
    return n;
}

typedef struct outcome {
    llml_result r;
    int32_t tokens[16];    /* prompt ids (first 4), the sampled ones, then the generated ones */
    int n_tokens;
    float logit_sum;       /* of the last logits */
} outcome;

static const char PROMPT[] = "Once upon a time, there";

typedef struct gen_rec { int32_t ids[8]; int n; } gen_rec;
static int gen_token(void *user, int32_t token, const char *piece, size_t len) {
    gen_rec *g = (gen_rec *)user;
    (void)piece; (void)len;
    if (g->n < 8) g->ids[g->n++] = token;
    return 0;
}

/* Load, create, decode, sample. Every object made is freed on every path. */
static outcome session(const char *path, const membuf *file, int src, llml_allocator *a) {
    outcome o;
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_sampler *s = NULL;
    llml_model_desc md;
    llml_ctx_desc cd;
    llml_sampler_desc sd;
    llml_error err;
    int32_t ids[64];
    size_t n = 0;
    int k, i;
    membuf mb = *file;
    memset(&o, 0, sizeof(o));
    memset(&md, 0, sizeof(md));
    md.allocator = a;
    md.no_mmap = src == SRC_READ;
    if (src == SRC_MAP || src == SRC_READ) o.r = llml_model_load_file(path, &md, &m, &err);
    else if (src == SRC_MEMORY) o.r = llml_model_load_memory(file->p, file->n, &md, &m, &err);
    else o.r = llml_model_load_callback(mem_read, &mb, file->n, &md, &m, &err);
    if (o.r != LLML_OK) { if (m) o.r = LLML_ERR_INVALID_ARG; goto done; }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = 32;
    cd.n_batch = 4;            /* the prompt goes in pieces */
    cd.n_threads = 2;
    cd.kv_type = LLML_KV_F32;  /* allocator comes from the model */
    o.r = llml_ctx_create(m, &cd, &c, &err);
    if (o.r != LLML_OK) { if (c) o.r = LLML_ERR_INVALID_ARG; goto done; }
    o.r = llml_tokenize(llml_model_vocab(m), PROMPT, sizeof(PROMPT) - 1, LLML_TOKENIZE_ADD_SPECIAL, ids, 64, &n);
    if (o.r != LLML_OK) goto done;
    for (i = 0; i < 4 && i < (int)n; i++) o.tokens[o.n_tokens++] = ids[i];
    o.r = llml_decode(c, ids, (int32_t)n, 0);
    if (o.r != LLML_OK) goto done;
    sd = llml_sampler_default_desc();
    sd.seed = 42;
    sd.penalty_last_n = 16;
    sd.repeat_penalty = 1.1f;
    o.r = llml_sampler_create(&sd, llml_vocab_n_tokens(llml_model_vocab(m)), a, &s);
    if (o.r != LLML_OK) { if (s) o.r = LLML_ERR_INVALID_ARG; goto done; }
    for (k = 0; k < 2; k++) {
        int32_t t = llml_sampler_sample(s, llml_get_logits(c, -1));
        o.tokens[o.n_tokens++] = t;
        llml_sampler_accept(s, t);
        o.r = llml_decode(c, &t, 1, LLML_DECODE_ALL_LOGITS);
        if (o.r != LLML_OK) goto done;
    }
    {
        const float *l = llml_get_logits(c, -1);
        for (i = 0; i < llml_vocab_n_tokens(llml_model_vocab(m)); i++) o.logit_sum += l[i];
    }
    {   /* a short generation on the same context: prefix reuse, a stop
           string, penalties (the prompt shares its start with the cache) */
        static const char *const stops[] = {"zzz"};
        llml_generate_desc gd;
        llml_generate_result gr;
        gen_rec rec;
        memset(&gd, 0, sizeof(gd));
        memset(&rec, 0, sizeof(rec));
        gd.prompt = "Once upon a time, there was";
        gd.max_tokens = 4;
        gd.stop = stops;
        gd.n_stop = 1;
        gd.sampling = llml_sampler_default_desc();
        gd.sampling.seed = 7;
        gd.on_token = gen_token;
        gd.user = &rec;
        o.r = llml_generate(c, &gd, &gr);
        if (o.r != LLML_OK) goto done;
        for (i = 0; i < rec.n && o.n_tokens < 16; i++) o.tokens[o.n_tokens++] = rec.ids[i];
        o.tokens[o.n_tokens < 16 ? o.n_tokens++ : 15] = gr.n_generated * 100 + gr.n_reused;
    }
done:
    llml_sampler_free(s);
    llml_ctx_free(c);
    llml_model_free(m);
    return o;
}

/* A BPE vocabulary: load and tokenize (byte-level BPE with merges). */
static outcome vocab_session(const char *path, llml_allocator *a) {
    outcome o;
    llml_gguf *g = NULL;
    llml_gguf_desc gd;
    llml_vocab *v = NULL;
    int32_t ids[64];
    size_t n = 0;
    int i;
    static const char text[] = "Hello world! It's 2024: \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80   done.";
    memset(&o, 0, sizeof(o));
    memset(&gd, 0, sizeof(gd));
    gd.allocator = a;
    gd.header_only = 1;
    o.r = llml_gguf_open_file(path, &gd, &g, NULL);
    if (o.r != LLML_OK) goto done;
    o.r = llml_vocab_load(g, a, &v, NULL);
    llml_gguf_close(g);
    if (o.r != LLML_OK) goto done;
    o.r = llml_tokenize(v, text, sizeof(text) - 1, LLML_TOKENIZE_ADD_SPECIAL, ids, 64, &n);
    if (o.r != LLML_OK) goto done;
    for (i = 0; i < 8 && i < (int)n; i++) o.tokens[o.n_tokens++] = ids[i];
    {
        char buf[256];
        size_t len = 0;
        o.r = llml_detokenize(v, ids, n, LLML_DETOKENIZE_CLEAN_SPACES, buf, sizeof(buf), &len);
        o.logit_sum = (float)len;
    }
done:
    llml_vocab_free(v);
    return o;
}

static int same(const outcome *a, const outcome *b) {
    return a->r == b->r && a->n_tokens == b->n_tokens &&
           memcmp(a->tokens, b->tokens, sizeof(int32_t) * (size_t)a->n_tokens) == 0 && a->logit_sum == b->logit_sum;
}

static long total_points;

/* Fail allocation 0, 1, 2, ... until the session succeeds. */
static void every_failure(const char *what, const char *path, const membuf *file, int src) {
    counting cnt;
    llml_allocator a;
    outcome ref, o, again;
    long n, n_allocs;
    int bad_result = 0, leaks = 0, bad_free = 0, not_usable = 0;
    memset(&cnt, 0, sizeof(cnt));
    cnt.fail_at = -1;
    a.alloc = c_alloc; a.free = c_free; a.user = &cnt;
    ref = src < 0 ? vocab_session(path, &a) : session(path, file, src, &a);
    n_allocs = cnt.allocs;
    CHECK(ref.r == LLML_OK && cnt.live == 0 && cnt.bad == 0, "%s: reference run: %s, %ld blocks live",
          what, llml_result_string(ref.r), cnt.live);
    if (ref.r != LLML_OK) return;
    for (n = 0;; n++) {
        memset(&cnt, 0, sizeof(cnt));
        cnt.fail_at = n;
        o = src < 0 ? vocab_session(path, &a) : session(path, file, src, &a);
        if (cnt.live != 0) { leaks++; if (leaks < 4) fprintf(stderr, "%s: failing allocation %ld leaks %ld blocks\n", what, n, cnt.live); }
        if (cnt.bad) { bad_free++; if (bad_free < 4) fprintf(stderr, "%s: failing allocation %ld: %ld bad frees\n", what, n, cnt.bad); }
        if (cnt.allocs <= n) {               /* no allocation failed: done */
            CHECK(same(&o, &ref), "%s: run with %ld allocations differs from the reference", what, n);
            break;
        }
        total_points++;
        if (o.r != LLML_ERR_OUT_OF_MEMORY) {
            bad_result++;
            if (bad_result < 4) fprintf(stderr, "%s: failing allocation %ld of %ld gave %s\n", what, n, n_allocs, llml_result_string(o.r));
        }
        /* the library is usable right after (the default allocator this time) */
        if (n % 8 == 0 || o.r != LLML_ERR_OUT_OF_MEMORY) {
            again = src < 0 ? vocab_session(path, NULL) : session(path, file, src, NULL);
            if (!same(&again, &ref)) not_usable++;
        }
        if (n > 100000) break;
    }
    CHECK(bad_result == 0, "%s: %d failed allocations not reported as out of memory", what, bad_result);
    CHECK(leaks == 0, "%s: %d failure points leak", what, leaks);
    CHECK(bad_free == 0, "%s: %d runs freed with a wrong size or pointer", what, bad_free);
    CHECK(not_usable == 0, "%s: %d later normal runs differ", what, not_usable);
    printf("test_allocfail: %-34s %4ld allocations, each failed once: %s\n", what, n_allocs,
           bad_result || leaks || bad_free || not_usable ? "PROBLEMS" : "out of memory reported, nothing leaked");
}

static unsigned char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    p = (unsigned char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    fclose(f);
    *size = (size_t)n;
    return p;
}

int main(void) {
    /* quant/q4_k: a mapped load repacks its matrices on AVX-512 (and reads
       the norms into the model's pool): those allocations fail too */
    static const char *const models[] = {"arch/llama-f32.gguf", "arch/qwen2moe-f32.gguf", "quant/q4_k.gguf"};
    char path[512], what[128];
    int i, src;
    for (i = 0; i < (int)(sizeof(models) / sizeof(models[0])); i++) {
        membuf file;
        size_t size = 0;
        snprintf(path, sizeof(path), "%s/%s", check_testdata(), models[i]);
        file.p = slurp(path, &size);
        file.n = size;
        CHECK(file.p != NULL, "cannot read %s", path);
        if (!file.p) continue;
        for (src = 0; src < SRC_COUNT; src++) {
            snprintf(what, sizeof(what), "%s, %s", models[i] + 5, SRC_NAMES[src]);
            every_failure(what, path, &file, src);
        }
        free((void *)file.p);
    }
    snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-qwen3.gguf", check_testdata());
    every_failure("vocab qwen3 (BPE): load, tokenize", path, NULL, -1);
    snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-bert-bge.gguf", check_testdata());
    every_failure("vocab bert-bge (WordPiece)", path, NULL, -1);
    printf("test_allocfail: %ld allocation failure points tested\n", total_points);
    return check_summary("test_allocfail");
}
