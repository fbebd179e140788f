/* tests/test_limits.c - the limits of the manual's "Limits" section.
   (a) a context larger than memory: a model whose KV cache needs 16 KiB per
       token per layer asks for n_ctx = 2^24 (2 TiB): llml_ctx_create returns
       LLML_ERR_OUT_OF_MEMORY with the size in the message, with an allocator
       that refuses large blocks and with the default one (on 32-bit
       platforms the size does not fit a size_t and nothing is asked for;
       on 64-bit ones the allocation itself fails: skipped where Linux is set
       to overcommit always), nothing leaks, and a normal context works;
   (b) a tensor larger than the address space: an 8 GiB tensor in a GGUF
       file seen through a read callback opens (sizes are 64-bit), reading
       it into a small buffer is refused, and loading the model gives
       LLML_ERR_OUT_OF_MEMORY (32-bit: too large for the platform; 64-bit:
       the allocator refuses), never a crash or a wrapped size;
   (c) a model file that shrinks after it was mapped: llml_decode and
       llml_ctx_create return LLML_ERR_IO instead of touching the lost
       pages (POSIX; a file read with no_mmap keeps working).
   The models are made here with the GGUF writer (random weights). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocator that refuses blocks over a limit, and counts -------------- */

typedef struct limited { size_t limit; long live, refused; } limited;

static void *l_alloc(void *user, size_t size, size_t align) {
    limited *l = (limited *)user;
    void *p;
    (void)align;
    if (size > l->limit) { l->refused++; return NULL; }
    p = malloc(size);     /* blocks here need at most malloc's alignment */
    if (p) l->live++;
    return p;
}
static void l_free(void *user, void *ptr, size_t size) {
    limited *l = (limited *)user;
    (void)size;
    l->live--;
    free(ptr);
}

/* ---- GGUF in memory -------------------------------------------------------- */

typedef struct outbuf { unsigned char *p; size_t n, cap; } outbuf;
static size_t out_write(void *user, const void *src, size_t n) {
    outbuf *o = (outbuf *)user;
    if (o->n + n > o->cap) {
        size_t cap = (o->n + n) * 2 + 4096;
        unsigned char *q = (unsigned char *)realloc(o->p, cap);
        if (!q) return 0;
        o->p = q; o->cap = cap;
    }
    memcpy(o->p + o->n, src, n);
    o->n += n;
    return n;
}

static uint32_t rng = 1;
static float frand(void) { rng = rng * 1664525u + 1013904223u; return (float)((rng >> 8) & 0xffff) / 65536.0f - 0.5f; }

/* Add tensor `name` (ne0 x ne1) of random values in `type`. */
static void add(llml_gguf_writer *w, void **keep, int *nk, const char *name, llml_type type, int64_t ne0, int64_t ne1) {
    int64_t ne[4] = {ne0, ne1, 1, 1}, i;
    size_t bytes = llml_row_size(type, ne0) * (size_t)ne1;
    float *f = (float *)malloc(sizeof(float) * (size_t)(ne0 * ne1));
    void *q = malloc(bytes);
    for (i = 0; i < ne0 * ne1; i++) f[i] = ne1 == 1 ? 1.0f : frand() * 0.1f;
    llml_quantize_rows(type, f, q, ne1, ne0, NULL);
    free(f);
    keep[(*nk)++] = q;
    CHECK(llml_gguf_writer_add_tensor(w, name, type, ne1 == 1 ? 1 : 2, ne, q, bytes) == LLML_OK, "add %s", name);
}

/* A llama model with n_embd 32, 4 layers, 1 head of size 4096 (the KV cache
   holds 2 x 4 x 4096 floats per token), vocabulary 8, no tokenizer. */
static outbuf wide_kv_model(void) {
    llml_gguf_writer *w = NULL;
    void *keep[64];
    int nk = 0, il, i;
    char name[64];
    outbuf o;
    memset(&o, 0, sizeof(o));
    llml_gguf_writer_create(NULL, &w);
    llml_gguf_writer_set_str(w, "general.architecture", "llama");
    llml_gguf_writer_set_u32(w, "llama.embedding_length", 32);
    llml_gguf_writer_set_u32(w, "llama.block_count", 4);
    llml_gguf_writer_set_u32(w, "llama.attention.head_count", 1);
    llml_gguf_writer_set_u32(w, "llama.attention.head_count_kv", 1);
    llml_gguf_writer_set_u32(w, "llama.attention.key_length", 4096);
    llml_gguf_writer_set_u32(w, "llama.attention.value_length", 4096);
    llml_gguf_writer_set_u32(w, "llama.feed_forward_length", 32);
    llml_gguf_writer_set_u32(w, "llama.context_length", 1u << 24);
    add(w, keep, &nk, "token_embd.weight", LLML_TYPE_F32, 32, 8);
    add(w, keep, &nk, "output_norm.weight", LLML_TYPE_F32, 32, 1);
    add(w, keep, &nk, "output.weight", LLML_TYPE_F32, 32, 8);
    for (il = 0; il < 4; il++) {
#define T(base, type, a, b) do { snprintf(name, sizeof(name), "blk.%d.%s.weight", il, base); add(w, keep, &nk, name, type, a, b); } while (0)
        T("attn_norm", LLML_TYPE_F32, 32, 1);
        T("attn_q", LLML_TYPE_Q8_0, 32, 4096);
        T("attn_k", LLML_TYPE_Q8_0, 32, 4096);
        T("attn_v", LLML_TYPE_Q8_0, 32, 4096);
        T("attn_output", LLML_TYPE_Q8_0, 4096, 32);
        T("ffn_norm", LLML_TYPE_F32, 32, 1);
        T("ffn_gate", LLML_TYPE_F32, 32, 32);
        T("ffn_up", LLML_TYPE_F32, 32, 32);
        T("ffn_down", LLML_TYPE_F32, 32, 32);
#undef T
    }
    CHECK(llml_gguf_writer_write(w, out_write, &o) == LLML_OK, "write the wide-KV model");
    llml_gguf_writer_free(w);
    for (i = 0; i < nk; i++) free(keep[i]);
    return o;
}

/* 1 when this Linux overcommits every allocation (then a huge malloc
   succeeds and only touching the memory fails). */
static int overcommit_always(void) {
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
    int v = 0;
    if (!f) return 0;
    if (fscanf(f, "%d", &v) != 1) v = 0;
    fclose(f);
    return v == 1;
}

/* 1 under AddressSanitizer unless it lets malloc return NULL (else it
   stops the program on a 2 TiB request: make test-asan sets the option). */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
static int asan_aborts_on_huge(void) {
#ifdef ASAN_BUILD
    const char *o = getenv("ASAN_OPTIONS");
    return !(o && strstr(o, "allocator_may_return_null=1"));
#else
    return 0;
#endif
}

/* ---- (a) a context larger than memory -------------------------------------- */

static void test_huge_context(void) {
    outbuf file = wide_kv_model();
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_ctx_desc cd;
    llml_error err;
    llml_result r;
    limited lim;
    llml_allocator a;
    int32_t toks[2] = {1, 2};
    if (!file.p) return;
    CHECK(llml_model_load_memory(file.p, file.n, NULL, &m, &err) == LLML_OK, "wide-KV model: %s", err.message);
    if (!m) { free(file.p); return; }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = 1 << 24;
    cd.n_threads = 1;
    cd.kv_type = LLML_KV_F32;
    /* an allocator that refuses anything over 256 MiB */
    memset(&lim, 0, sizeof(lim));
    lim.limit = (size_t)256 << 20;
    a.alloc = l_alloc; a.free = l_free; a.user = &lim;
    cd.allocator = &a;
    c = (llml_ctx *)&lim;
    r = llml_ctx_create(m, &cd, &c, &err);
    CHECK(r == LLML_ERR_OUT_OF_MEMORY && c == NULL && err.code == r, "n_ctx 2^24, limited allocator: %s", llml_result_string(r));
    CHECK(strstr(err.message, "n_ctx") != NULL || strstr(err.message, "bytes") != NULL, "message names the size: %s", err.message);
    CHECK(lim.live == 0, "limited allocator: %ld blocks live", lim.live);
    printf("test_limits: n_ctx 2^24 with a 256 MiB allocator: %s\n", err.message);
    /* the default allocator */
    cd.allocator = NULL;
    if (sizeof(size_t) > 4 && overcommit_always()) {
        printf("test_limits: skipped n_ctx 2^24 with malloc: vm.overcommit_memory is 1 (malloc would succeed)\n");
    } else if (asan_aborts_on_huge()) {
        printf("test_limits: skipped n_ctx 2^24 with malloc: AddressSanitizer without allocator_may_return_null=1\n");
    } else {
        r = llml_ctx_create(m, &cd, &c, &err);
        CHECK(r == LLML_ERR_OUT_OF_MEMORY && c == NULL, "n_ctx 2^24 with malloc: %s", llml_result_string(r));
        if (c) llml_ctx_free(c);
        printf("test_limits: n_ctx 2^24 with malloc: %s\n", err.message);
    }
    /* too large for the API: refused before any sizing */
    cd.n_ctx = (1 << 24) + 1;
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_ERR_INVALID_ARG && c == NULL, "n_ctx 2^24 + 1 is refused");
    /* a normal context works */
    cd.n_ctx = 16;
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK, "n_ctx 16: %s", err.message);
    if (c) {
        CHECK(llml_decode(c, toks, 2, 0) == LLML_OK && llml_get_logits(c, -1) != NULL, "decode in a small context");
        llml_ctx_free(c);
    }
    llml_model_free(m);
    free(file.p);
}

/* ---- (b) a tensor larger than the address space ------------------------------- */

typedef struct vfile { const unsigned char *head; size_t head_n; uint64_t size; } vfile;

/* header bytes, then zeros up to `size` */
static size_t v_read(void *user, uint64_t off, void *dst, size_t n) {
    vfile *v = (vfile *)user;
    size_t done = 0;
    if (off >= v->size) return 0;
    if ((uint64_t)n > v->size - off) n = (size_t)(v->size - off);
    if (off < v->head_n) {
        done = v->head_n - (size_t)off < n ? v->head_n - (size_t)off : n;
        memcpy(dst, v->head + off, done);
    }
    memset((unsigned char *)dst + done, 0, n - done);
    return n;
}

static void test_huge_tensor(void) {
    llml_gguf_writer *w = NULL;
    outbuf o;
    vfile v;
    llml_gguf *g = NULL;
    llml_model *m = NULL;
    llml_model_desc md;
    llml_error err;
    llml_result r;
    limited lim;
    llml_allocator a;
    const llml_gguf_tensor *t;
    int64_t ne[4] = {32, (int64_t)1 << 26, 1, 1};   /* 2^31 floats: 8 GiB */
    unsigned char small[64];
    memset(&o, 0, sizeof(o));
    llml_gguf_writer_create(NULL, &w);
    llml_gguf_writer_set_str(w, "general.architecture", "llama");
    llml_gguf_writer_set_u32(w, "llama.embedding_length", 32);
    llml_gguf_writer_set_u32(w, "llama.block_count", 1);
    llml_gguf_writer_set_u32(w, "llama.attention.head_count", 1);
    llml_gguf_writer_set_u32(w, "llama.feed_forward_length", 32);
    CHECK(llml_gguf_writer_add_tensor(w, "token_embd.weight", LLML_TYPE_F32, 2, ne, NULL, (uint64_t)1 << 33) == LLML_OK,
          "an 8 GiB tensor info");
    /* the header, then the first 256 KiB of the (zero) data: enough for the
       writer to pass the header on; the rest of the file is virtual */
    CHECK(llml_gguf_writer_begin(w, out_write, &o) == LLML_OK, "header of the 8 GiB file");
    {
        void *zeros = calloc(1, (size_t)1 << 18);
        CHECK(zeros && llml_gguf_writer_write_data(w, zeros, (uint64_t)1 << 18) == LLML_OK && o.n > 0, "stream the start");
        free(zeros);
    }
    v.head = o.p; v.head_n = o.n; v.size = llml_gguf_writer_file_size(w);
    CHECK(v.size > ((uint64_t)1 << 33), "file size %llu", (unsigned long long)v.size);
    llml_gguf_writer_free(w);

    r = llml_gguf_open_callback(v_read, &v, v.size, NULL, &g, &err);
    CHECK(r == LLML_OK, "open the 8 GiB file through a callback: %s", err.message);
    if (g) {
        t = llml_gguf_tensor_at(g, 0);
        CHECK(t && t->size == ((uint64_t)1 << 33) && t->data == NULL, "tensor size is 8 GiB, data not in memory");
        CHECK(llml_gguf_read_tensor(g, 0, small, sizeof(small)) == LLML_ERR_INVALID_ARG, "reading it into 64 bytes is refused");
        llml_gguf_close(g);
    }
    /* as memory it cannot exist on 32-bit; claiming the size with a short buffer is an error */
    g = NULL;
    r = llml_gguf_open_memory(o.p, o.n, NULL, &g, &err);
    CHECK(r == LLML_ERR_TRUNCATED && g == NULL, "the file without its 8 GiB of data, in memory: %s", llml_result_string(r));

    /* loading the model: the weights cannot be read in */
    memset(&md, 0, sizeof(md));
    memset(&lim, 0, sizeof(lim));
    lim.limit = (size_t)1 << 30;
    a.alloc = l_alloc; a.free = l_free; a.user = &lim;
    md.allocator = &a;
    r = llml_model_load_callback(v_read, &v, v.size, &md, &m, &err);
    CHECK(r == LLML_ERR_OUT_OF_MEMORY && m == NULL && lim.live == 0, "model with an 8 GiB tensor, 1 GiB allocator: %s (%s)",
          llml_result_string(r), err.message);
    printf("test_limits: 8 GiB tensor through a callback, %d-bit: %s\n", (int)sizeof(size_t) * 8, err.message);
    if (sizeof(size_t) == 4) {
        r = llml_model_load_callback(v_read, &v, v.size, NULL, &m, &err);
        CHECK(r == LLML_ERR_OUT_OF_MEMORY && m == NULL, "32-bit, default allocator: %s", err.message);
    }
    free(o.p);
}

/* ---- (c) a file that shrinks after loading ------------------------------------ */

static void test_shrinking_file(void) {
    char src[512], tmp[600];
    FILE *f;
    unsigned char *bytes;
    long n;
    int no_mmap;
    snprintf(src, sizeof(src), "%s/arch/llama-f32.gguf", check_testdata());
    f = fopen(src, "rb");
    CHECK(f != NULL, "open %s", src);
    if (!f) return;
    fseek(f, 0, SEEK_END); n = ftell(f); fseek(f, 0, SEEK_SET);
    bytes = (unsigned char *)malloc((size_t)n);
    CHECK(bytes && fread(bytes, 1, (size_t)n, f) == (size_t)n, "read %s", src);
    fclose(f);
    snprintf(tmp, sizeof(tmp), "%s/test_limits_shrink.gguf", getenv("LLML_BUILD") ? getenv("LLML_BUILD") : "build");
    for (no_mmap = 0; no_mmap < 2; no_mmap++) {
        llml_model *m = NULL;
        llml_model_desc md;
        llml_ctx *c = NULL, *c2 = NULL;
        llml_ctx_desc cd;
        llml_error err;
        int32_t toks[3] = {1, 450, 300};
        llml_result r1, r2;
        int shrunk;
        f = fopen(tmp, "wb");
        CHECK(f && fwrite(bytes, 1, (size_t)n, f) == (size_t)n, "write %s", tmp);
        if (f) fclose(f);
        memset(&md, 0, sizeof(md));
        md.no_mmap = no_mmap;
        CHECK(llml_model_load_file(tmp, &md, &m, &err) == LLML_OK, "load %s: %s", tmp, err.message);
        if (!m) continue;
        memset(&cd, 0, sizeof(cd));
        cd.n_ctx = 16; cd.n_threads = 1;
        CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK, "context");
        CHECK(c && llml_decode(c, toks, 2, 0) == LLML_OK, "decode before the file changes");
        /* another program rewrites the file, shorter (to a tenth) */
        f = fopen(tmp, "wb");
        shrunk = f != NULL && fwrite(bytes, 1, (size_t)n / 10, f) == (size_t)n / 10;
        if (f) fclose(f);
        r1 = c ? llml_decode(c, toks + 2, 1, 0) : LLML_ERR_INVALID_ARG;
        r2 = llml_ctx_create(m, &cd, &c2, &err);
#if (defined(__unix__) || defined(__APPLE__)) && !defined(LLML_NO_MMAP)   /* emscripten too: same check */
        if (!no_mmap) {
            CHECK(shrunk, "the file could be shortened");
            CHECK(r1 == LLML_ERR_IO && strstr(llml_ctx_last_error(c), "shorter") != NULL, "decode after the file shrank: %s (%s)",
                  llml_result_string(r1), llml_ctx_last_error(c));
            CHECK(r2 == LLML_ERR_IO && c2 == NULL, "context after the file shrank: %s", llml_result_string(r2));
            printf("test_limits: mapped model file shrank: llml_decode: %s\n", llml_ctx_last_error(c));
        } else
#endif
        {
            /* read into memory, or Windows (it refuses to shorten a mapped file): unaffected */
            CHECK(r1 == LLML_OK, "decode with the %s file after it changed: %s", no_mmap ? "read" : "mapped", llml_result_string(r1));
            CHECK(r2 == LLML_OK, "context with the %s file after it changed", no_mmap ? "read" : "mapped");
            (void)shrunk;
        }
        llml_ctx_free(c2);
        llml_ctx_free(c);
        llml_model_free(m);
    }
    remove(tmp);
    free(bytes);
}

int main(void) {
    test_huge_context();
    test_huge_tensor();
    test_shrinking_file();
    return check_summary("test_limits");
}
