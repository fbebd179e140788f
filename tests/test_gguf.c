/* tests/test_gguf.c - GGUF reader and writer.
   (a) every .gguf under the test data opens from a file (mapped, read,
       header only), from memory and from a callback with identical results;
   (b) the writer re-creates every file byte for byte, streaming too, and a
       file with every value type reads back (and, when the Python package
       gguf is installed, the reference's reader accepts it);
   (c) a generated corpus of malformed files, each with its expected error. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------- */

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

typedef struct membuf { const unsigned char *p; size_t n; long calls; } membuf;

static size_t mem_read(void *user, uint64_t off, void *dst, size_t n) {
    membuf *m = (membuf *)user;
    m->calls++;
    if (off >= m->n) return 0;
    if (n > m->n - off) n = (size_t)(m->n - off);
    memcpy(dst, m->p + off, n);
    return n;
}

typedef struct outbuf { unsigned char *p; size_t n, cap; int fail_after; } outbuf;

static size_t out_write(void *user, const void *src, size_t n) {
    outbuf *o = (outbuf *)user;
    if (o->fail_after >= 0) {
        if (o->fail_after == 0) return 0;
        o->fail_after--;
    }
    if (o->n + n > o->cap) {
        size_t c = o->cap ? o->cap : 4096;
        unsigned char *q;
        while (c < o->n + n) c *= 2;
        q = (unsigned char *)realloc(o->p, c);
        if (!q) return 0;
        o->p = q;
        o->cap = c;
    }
    memcpy(o->p + o->n, src, n);
    o->n += n;
    return n;
}

/* An allocator that counts what is live and checks the sizes given back;
   with fail_at >= 0 the fail_at-th allocation fails. */
typedef struct counting { long live, allocs, bad_size; size_t bytes; long fail_at; } counting;

static void *c_alloc(void *user, size_t size, size_t align) {
    counting *c = (counting *)user;
    unsigned char *p;
    (void)align;
    if (c->fail_at >= 0 && c->allocs >= c->fail_at) return NULL;
    c->allocs++;
    p = (unsigned char *)malloc(size + 16);
    if (!p) return NULL;
    memcpy(p, &size, sizeof(size));
    c->live++;
    c->bytes += size;
    return p + 16;
}

static void c_free(void *user, void *ptr, size_t size) {
    counting *c = (counting *)user;
    unsigned char *p = (unsigned char *)ptr - 16;
    size_t s;
    memcpy(&s, p, sizeof(s));
    if (s != size) c->bad_size++;
    c->live--;
    c->bytes -= s;
    free(p);
}

static const char *tmp_path(const char *tag) {
    static char buf[4][256];
    static int k;
    const char *d = getenv("TMPDIR");
    char *b = buf[k++ & 3];
    snprintf(b, 256, "%s/llml_test_gguf_%ld_%s.gguf", d && *d ? d : "/tmp", (long)getpid(), tag);
    return b;
}

/* ---- (a) the test data ------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_gguf(char ***out) {
    static const char *const dirs[] = {"arch", "arch-next", "quant", "real", "vocab"};
    char **v = NULL;
    int n = 0, cap = 0;
    size_t d;
    for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char dir[512];
        DIR *dp;
        struct dirent *e;
        snprintf(dir, sizeof(dir), "%s/%s", check_testdata(), dirs[d]);
        dp = opendir(dir);
        if (!dp) continue;
        while ((e = readdir(dp)) != NULL) {
            size_t L = strlen(e->d_name);
            if (L < 5 || strcmp(e->d_name + L - 5, ".gguf") != 0) continue;
            if (n == cap) { cap = cap ? cap * 2 : 64; v = (char **)realloc(v, (size_t)cap * sizeof(*v)); }
            v[n] = (char *)malloc(strlen(dir) + L + 2);
            sprintf(v[n], "%s/%s", dir, e->d_name);
            n++;
        }
        closedir(dp);
    }
    if (n) qsort(v, (size_t)n, sizeof(*v), cmp_str);
    *out = v;
    return n;
}

static size_t vsize(llml_gguf_vtype t) {
    switch (t) {
    case LLML_GGUF_UINT8: case LLML_GGUF_INT8: case LLML_GGUF_BOOL: return 1;
    case LLML_GGUF_UINT16: case LLML_GGUF_INT16: return 2;
    case LLML_GGUF_UINT32: case LLML_GGUF_INT32: case LLML_GGUF_FLOAT32: return 4;
    case LLML_GGUF_UINT64: case LLML_GGUF_INT64: case LLML_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

/* 1 when kv i of a equals kv j of b. */
static int kv_equal(const llml_gguf *a, int64_t i, const llml_gguf *b, int64_t j) {
    llml_gguf_vtype t = llml_gguf_kv_type(a, i);
    uint64_t k, n;
    if (strcmp(llml_gguf_key(a, i), llml_gguf_key(b, j)) != 0 || t != llml_gguf_kv_type(b, j)) return 0;
    if (t == LLML_GGUF_STRING) return strcmp((const char *)llml_gguf_kv_data(a, i), (const char *)llml_gguf_kv_data(b, j)) == 0;
    if (t != LLML_GGUF_ARRAY) return memcmp(llml_gguf_kv_data(a, i), llml_gguf_kv_data(b, j), vsize(t)) == 0;
    n = llml_gguf_arr_len(a, i);
    if (llml_gguf_arr_type(a, i) != llml_gguf_arr_type(b, j) || n != llml_gguf_arr_len(b, j)) return 0;
    if (llml_gguf_arr_type(a, i) != LLML_GGUF_STRING)
        return n == 0 || memcmp(llml_gguf_arr_data(a, i), llml_gguf_arr_data(b, j), (size_t)n * vsize(llml_gguf_arr_type(a, i))) == 0;
    for (k = 0; k < n; k++) {
        uint64_t L = llml_gguf_arr_str_len(a, i, k);
        if (L != llml_gguf_arr_str_len(b, j, k) || memcmp(llml_gguf_arr_str(a, i, k), llml_gguf_arr_str(b, j, k), (size_t)L) != 0)
            return 0;
        if (llml_gguf_arr_str(a, i, k)[L] != 0) return 0;
    }
    return 1;
}

/* 1 when the two handles describe the same file (data compared separately). */
static int same_meta(const llml_gguf *a, const llml_gguf *b) {
    int64_t i;
    if (llml_gguf_version(a) != llml_gguf_version(b) || llml_gguf_alignment(a) != llml_gguf_alignment(b) ||
        llml_gguf_data_offset(a) != llml_gguf_data_offset(b) || llml_gguf_file_size(a) != llml_gguf_file_size(b) ||
        llml_gguf_n_kv(a) != llml_gguf_n_kv(b) || llml_gguf_n_tensors(a) != llml_gguf_n_tensors(b))
        return 0;
    for (i = 0; i < llml_gguf_n_kv(a); i++)
        if (!kv_equal(a, i, b, i)) return 0;
    for (i = 0; i < llml_gguf_n_tensors(a); i++) {
        const llml_gguf_tensor *x = llml_gguf_tensor_at(a, i), *y = llml_gguf_tensor_at(b, i);
        if (strcmp(x->name, y->name) != 0 || x->type != y->type || x->n_dims != y->n_dims || x->offset != y->offset ||
            x->size != y->size || memcmp(x->ne, y->ne, sizeof(x->ne)) != 0)
            return 0;
    }
    return 1;
}

static void test_file_sources(const char *path, const unsigned char *bytes, size_t size) {
    llml_gguf *gf = NULL, *gr = NULL, *gh = NULL, *gm = NULL, *gc = NULL;
    llml_gguf_desc d_read, d_head;
    llml_error err;
    membuf mb;
    int64_t i, ai;
    uint64_t max_end = 0;
    int sizes_ok = 1, data_ok = 1, read_ok = 1, find_ok = 1;
    const char *arch = NULL;
    memset(&d_read, 0, sizeof(d_read));
    memset(&d_head, 0, sizeof(d_head));
    d_read.no_mmap = 1;
    d_head.header_only = 1;
    mb.p = bytes; mb.n = size; mb.calls = 0;
    CHECK(llml_gguf_open_file(path, NULL, &gf, &err) == LLML_OK, "%s: open_file: %s", path, err.message);
    CHECK(llml_gguf_open_file(path, &d_read, &gr, &err) == LLML_OK, "%s: open_file no_mmap: %s", path, err.message);
    CHECK(llml_gguf_open_file(path, &d_head, &gh, &err) == LLML_OK, "%s: open_file header_only: %s", path, err.message);
    CHECK(llml_gguf_open_memory(bytes, size, NULL, &gm, &err) == LLML_OK, "%s: open_memory: %s", path, err.message);
    CHECK(llml_gguf_open_callback(mem_read, &mb, size, NULL, &gc, &err) == LLML_OK, "%s: open_callback: %s", path, err.message);
    if (!gf || !gr || !gh || !gm || !gc) goto done;
    CHECK(same_meta(gm, gf) && same_meta(gm, gr) && same_meta(gm, gh) && same_meta(gm, gc), "%s: sources disagree", path);
    CHECK(llml_gguf_file_size(gm) == size, "%s: file size", path);
    CHECK(llml_gguf_version(gm) == 2 || llml_gguf_version(gm) == 3, "%s: version", path);
    CHECK(mb.calls < 2000, "%s: the callback parse made %ld calls (expected few, buffered)", path, mb.calls);
    if (llml_gguf_n_tensors(gm) > 0)
        CHECK(llml_gguf_data_offset(gm) % llml_gguf_alignment(gm) == 0, "%s: data offset %llu not aligned", path,
              (unsigned long long)llml_gguf_data_offset(gm));
    CHECK(llml_gguf_data_offset(gm) <= size, "%s: data offset past the end", path);
    for (i = 0; i < llml_gguf_n_tensors(gm); i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(gm, i);
        uint64_t rows = (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
        uint64_t end = llml_gguf_data_offset(gm) + t->offset + t->size;
        if (t->size != (uint64_t)llml_row_size(t->type, t->ne[0]) * rows || t->offset % llml_gguf_alignment(gm)) sizes_ok = 0;
        if (end > max_end) max_end = end;
        if (llml_gguf_find_tensor(gm, t->name) != i || llml_gguf_find_tensor(gc, t->name) != i) find_ok = 0;
        if (t->data != bytes + llml_gguf_data_offset(gm) + t->offset) data_ok = 0;
        if (!llml_gguf_tensor_at(gf, i)->data || memcmp(llml_gguf_tensor_at(gf, i)->data, t->data, (size_t)t->size) != 0) data_ok = 0;
        if (!llml_gguf_tensor_at(gr, i)->data || memcmp(llml_gguf_tensor_at(gr, i)->data, t->data, (size_t)t->size) != 0) data_ok = 0;
        if (llml_gguf_tensor_at(gh, i)->data || llml_gguf_tensor_at(gc, i)->data) data_ok = 0;
        if (i < 4 || i == llml_gguf_n_tensors(gm) - 1) {
            /* read_tensor through each source */
            void *buf = malloc((size_t)t->size);
            if (llml_gguf_read_tensor(gc, i, buf, (size_t)t->size) != LLML_OK || memcmp(buf, t->data, (size_t)t->size) != 0) read_ok = 0;
            memset(buf, 0, (size_t)t->size);
            if (llml_gguf_read_tensor(gh, i, buf, (size_t)t->size) != LLML_OK || memcmp(buf, t->data, (size_t)t->size) != 0) read_ok = 0;
            memset(buf, 0, (size_t)t->size);
            if (llml_gguf_read_tensor(gm, i, buf, (size_t)t->size) != LLML_OK || memcmp(buf, t->data, (size_t)t->size) != 0) read_ok = 0;
            if (t->size > 1 && llml_gguf_read_tensor(gc, i, buf, (size_t)t->size - 1) != LLML_ERR_INVALID_ARG) read_ok = 0;
            free(buf);
        }
    }
    CHECK(sizes_ok, "%s: a tensor size or offset is wrong", path);
    CHECK(max_end <= size, "%s: last tensor ends at %llu > %llu", path, (unsigned long long)max_end, (unsigned long long)size);
    CHECK(data_ok, "%s: tensor data pointers disagree", path);
    CHECK(read_ok, "%s: read_tensor disagrees", path);
    CHECK(find_ok, "%s: find_tensor", path);
    CHECK(llml_gguf_find_tensor(gm, "no.such.tensor") == -1, "%s: find_tensor absent", path);
    for (i = 0; i < llml_gguf_n_kv(gm); i++)
        if (llml_gguf_find_key(gm, llml_gguf_key(gm, i)) != i) find_ok = 0;
    CHECK(find_ok, "%s: find_key", path);
    /* getters */
    ai = llml_gguf_find_key(gm, "general.architecture");
    CHECK(ai >= 0, "%s: no general.architecture", path);
    CHECK(llml_gguf_get_str(gm, "general.architecture", &arch) == LLML_OK && arch && *arch, "%s: get_str", path);
    {
        uint32_t u;
        int64_t v;
        double fv;
        const char *s;
        CHECK(llml_gguf_get_u32(gm, "general.architecture", &u) == LLML_ERR_TYPE_MISMATCH, "%s: type mismatch", path);
        CHECK(llml_gguf_get_int(gm, "general.architecture", &v) == LLML_ERR_TYPE_MISMATCH, "%s: get_int on a string", path);
        CHECK(llml_gguf_get_str(gm, "no.such.key", &s) == LLML_ERR_NOT_FOUND, "%s: missing key", path);
        CHECK(llml_gguf_get_float(gm, "no.such.key", &fv) == LLML_ERR_NOT_FOUND, "%s: missing key (float)", path);
        CHECK(llml_gguf_find_key(gm, "no.such.key") == -1, "%s: find_key absent", path);
        if (strstr(path, "/quant/")) {
            int64_t idx;
            uint64_t n;
            llml_gguf_vtype et;
            CHECK(llml_gguf_get_u32(gm, "llama.block_count", &u) == LLML_OK && u == 2, "%s: llama.block_count", path);
            CHECK(llml_gguf_get_int(gm, "llama.embedding_length", &v) == LLML_OK && v == 256, "%s: get_int", path);
            CHECK(llml_gguf_get_float(gm, "llama.rope.freq_base", &fv) == LLML_OK && fv > 0, "%s: get_float", path);
            CHECK(llml_gguf_get_arr(gm, "tokenizer.ggml.tokens", &et, &n, &idx) == LLML_OK && et == LLML_GGUF_STRING && n == 1024,
                  "%s: get_arr tokens", path);
            CHECK(llml_gguf_arr_str(gm, idx, 0) && llml_gguf_arr_str(gm, idx, n) == NULL, "%s: arr_str bounds", path);
            CHECK(llml_gguf_arr_data(gm, idx) == NULL && llml_gguf_kv_data(gm, idx) == NULL, "%s: no raw data for str arrays", path);
            CHECK(llml_gguf_get_arr(gm, "tokenizer.ggml.scores", &et, &n, &idx) == LLML_OK && et == LLML_GGUF_FLOAT32 &&
                      ((uintptr_t)llml_gguf_arr_data(gm, idx) % 4) == 0,
                  "%s: scores aligned f32", path);
            CHECK(llml_gguf_get_arr(gm, "llama.block_count", &et, &n, &idx) == LLML_ERR_TYPE_MISMATCH, "%s: get_arr on a scalar", path);
        }
    }
done:
    llml_gguf_close(gf);
    llml_gguf_close(gr);
    llml_gguf_close(gh);
    llml_gguf_close(gm);
    llml_gguf_close(gc);
}

/* ---- (b) writer round trip ---------------------------------------------------- */

/* Re-serialize g: every kv in order, every tensor in order. data: 1 = give
   data pointers, 0 = stream. */
static int roundtrip(const llml_gguf *g, outbuf *o, int with_data) {
    llml_gguf_writer *w = NULL;
    int64_t i;
    int ok = 1;
    if (llml_gguf_writer_create(NULL, &w) != LLML_OK) return 0;
    for (i = 0; i < llml_gguf_n_kv(g) && ok; i++)
        if (llml_gguf_writer_copy_kv(w, g, i) != LLML_OK) ok = 0;
    for (i = 0; i < llml_gguf_n_tensors(g) && ok; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        if (llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, with_data ? t->data : NULL, t->size) != LLML_OK) ok = 0;
    }
    if (ok && with_data) ok = llml_gguf_writer_write(w, out_write, o) == LLML_OK;
    if (ok && !with_data) {
        ok = llml_gguf_writer_begin(w, out_write, o) == LLML_OK;
        for (i = 0; i < llml_gguf_n_tensors(g) && ok; i++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
            uint64_t half = t->size / 2;
            ok = llml_gguf_writer_write_data(w, t->data, half) == LLML_OK &&
                 llml_gguf_writer_write_data(w, (const unsigned char *)t->data + half, t->size - half) == LLML_OK;
        }
        ok = ok && llml_gguf_writer_finish(w) == LLML_OK;
    }
    if (ok && llml_gguf_writer_file_size(w) != o->n) ok = 0;
    llml_gguf_writer_free(w);
    return ok;
}

static int n_identical, n_padded;

static void test_roundtrip(const char *path, const unsigned char *bytes, size_t size, int stream_too) {
    llml_gguf *g = NULL;
    llml_error err;
    outbuf o;
    memset(&o, 0, sizeof(o));
    o.fail_after = -1;
    if (llml_gguf_open_memory(bytes, size, NULL, &g, &err) != LLML_OK) { CHECK(0, "%s: open: %s", path, err.message); return; }
    CHECK(roundtrip(g, &o, 1), "%s: writer failed", path);
    if (o.n == size) {
        CHECK(memcmp(o.p, bytes, size) == 0, "%s: re-serialized bytes differ", path);
        n_identical++;
    } else {
        /* gguf-py does not pad the end of a file without tensors; the
           reference C writer (and ours) does: then only zeros may follow */
        size_t k;
        int zeros = 1;
        for (k = size; k < o.n; k++) zeros &= o.p[k] == 0;
        CHECK(llml_gguf_n_tensors(g) == 0 && o.n > size && o.n - size < llml_gguf_alignment(g) && o.n % llml_gguf_alignment(g) == 0 &&
                  zeros && memcmp(o.p, bytes, size) == 0,
              "%s: re-serialized size %lu != %lu", path, (unsigned long)o.n, (unsigned long)size);
        n_padded++;
    }
    if (stream_too) {
        o.n = 0;
        CHECK(roundtrip(g, &o, 0), "%s: streaming writer failed", path);
        CHECK(o.n == size && memcmp(o.p, bytes, size) == 0, "%s: streamed bytes differ", path);
    }
    free(o.p);
    llml_gguf_close(g);
}

/* Writing to files: write_file and begin_file/write_data/finish. */
static void test_write_files(const char *path) {
    size_t size = 0, n2 = 0;
    unsigned char *bytes = slurp(path, &size), *back;
    llml_gguf *g = NULL;
    llml_gguf_writer *w = NULL;
    const char *out = tmp_path("wf");
    int64_t i;
    if (!bytes || llml_gguf_open_memory(bytes, size, NULL, &g, NULL) != LLML_OK) { CHECK(0, "open %s", path); free(bytes); return; }
    llml_gguf_writer_create(NULL, &w);
    for (i = 0; i < llml_gguf_n_kv(g); i++) llml_gguf_writer_copy_kv(w, g, i);
    for (i = 0; i < llml_gguf_n_tensors(g); i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        /* every other tensor streamed, the rest given up front */
        llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, (i & 1) ? t->data : NULL, t->size);
    }
    CHECK(llml_gguf_writer_write_file(w, out) == LLML_ERR_INVALID_ARG, "write_file without all data must fail");
    CHECK(llml_gguf_writer_begin_file(w, out) == LLML_OK, "begin_file");
    for (i = 0; i < llml_gguf_n_tensors(g); i += 2) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        CHECK(llml_gguf_writer_write_data(w, t->data, t->size) == LLML_OK, "write_data %lld", (long long)i);
    }
    CHECK(llml_gguf_writer_write_data(w, bytes, 1) == LLML_ERR_INVALID_ARG, "write_data past the last tensor");
    CHECK(llml_gguf_writer_finish(w) == LLML_OK, "finish");
    back = slurp(out, &n2);
    CHECK(back && n2 == size && memcmp(back, bytes, size) == 0, "begin_file output differs from %s", path);
    free(back);
    llml_gguf_writer_free(w);
    /* write_file with all data */
    llml_gguf_writer_create(NULL, &w);
    for (i = 0; i < llml_gguf_n_kv(g); i++) llml_gguf_writer_copy_kv(w, g, i);
    for (i = 0; i < llml_gguf_n_tensors(g); i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->size);
    }
    CHECK(llml_gguf_writer_write_file(w, out) == LLML_OK, "write_file");
    back = slurp(out, &n2);
    CHECK(back && n2 == size && memcmp(back, bytes, size) == 0, "write_file output differs from %s", path);
    free(back);
    llml_gguf_writer_free(w);
    remove(out);
    llml_gguf_close(g);
    free(bytes);
}

/* A file with every value type, written from scratch and read back. */
static void test_every_type(void) {
    static const uint8_t a_u8[3] = {0, 7, 255};
    static const int8_t a_i8[3] = {-128, 0, 127};
    static const uint16_t a_u16[2] = {1, 65535};
    static const int16_t a_i16[2] = {-32768, 32767};
    static const uint32_t a_u32[3] = {1, 2, 4000000000u};
    static const int32_t a_i32[2] = {-5, 2147483647};
    static const float a_f32[4] = {0.5f, -1.25f, 3e38f, 0.0f};
    static const uint8_t a_bool[3] = {1, 0, 1};
    static const uint64_t a_u64[2] = {0, 18446744073709551615ull};
    static const int64_t a_i64[2] = {-9223372036854775807ll - 1, 42};
    static const double a_f64[2] = {3.141592653589793, -2.5e-300};
    static const char *const strs[4] = {"<unk>", "", "h\xc3\xa9llo", "a\0b"};
    static const uint64_t lens[4] = {5, 0, 6, 3};
    static const int64_t ne_a[2] = {64, 3}, ne_b[1] = {5}, ne_c[3] = {256, 2, 2}, ne_d[4] = {32, 1, 2, 1};
    float fa[192], fb[5];
    unsigned char qc[144 * 4], qd[34 * 2];
    llml_gguf_writer *w = NULL;
    llml_gguf *g = NULL;
    llml_error err;
    outbuf o;
    const char *path = tmp_path("every");
    int i, ok;
    uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; uint64_t u64; int64_t i64;
    float f32; double f64; int b; const char *s;
    int64_t idx;
    llml_gguf_vtype et;
    uint64_t n;
    for (i = 0; i < 192; i++) fa[i] = (float)i * 0.25f - 3.0f;
    for (i = 0; i < 5; i++) fb[i] = (float)i;
    for (i = 0; i < (int)sizeof(qc); i++) qc[i] = (unsigned char)(i * 7);
    for (i = 0; i < (int)sizeof(qd); i++) qd[i] = (unsigned char)(i * 3);
    memset(&o, 0, sizeof(o));
    o.fail_after = -1;
    CHECK(llml_gguf_writer_create(NULL, &w) == LLML_OK, "writer_create");
    ok = llml_gguf_writer_set_str(w, "general.architecture", "test") == LLML_OK;
    ok &= llml_gguf_writer_set_u32(w, "general.alignment", 64) == LLML_OK;
    ok &= llml_gguf_writer_set_u8(w, "t.u8", 200) == LLML_OK;
    ok &= llml_gguf_writer_set_i8(w, "t.i8", -100) == LLML_OK;
    ok &= llml_gguf_writer_set_u16(w, "t.u16", 60000) == LLML_OK;
    ok &= llml_gguf_writer_set_i16(w, "t.i16", -30000) == LLML_OK;
    ok &= llml_gguf_writer_set_u32(w, "t.u32", 4000000000u) == LLML_OK;
    ok &= llml_gguf_writer_set_i32(w, "t.i32", -2000000000) == LLML_OK;
    ok &= llml_gguf_writer_set_u64(w, "t.u64", 18446744073709551615ull) == LLML_OK;
    ok &= llml_gguf_writer_set_i64(w, "t.i64", -9000000000000000000ll) == LLML_OK;
    ok &= llml_gguf_writer_set_f32(w, "t.f32", 1.5f) == LLML_OK;
    ok &= llml_gguf_writer_set_f64(w, "t.f64", -0.1) == LLML_OK;
    ok &= llml_gguf_writer_set_bool(w, "t.bool", 5) == LLML_OK;
    ok &= llml_gguf_writer_set_str(w, "t.str", "h\xc3\xa9llo w\xc3\xb6rld") == LLML_OK;
    ok &= llml_gguf_writer_set_str(w, "t.empty", "") == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.u8", LLML_GGUF_UINT8, a_u8, 3) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.i8", LLML_GGUF_INT8, a_i8, 3) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.u16", LLML_GGUF_UINT16, a_u16, 2) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.i16", LLML_GGUF_INT16, a_i16, 2) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.u32", LLML_GGUF_UINT32, a_u32, 3) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.i32", LLML_GGUF_INT32, a_i32, 2) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.f32", LLML_GGUF_FLOAT32, a_f32, 4) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.bool", LLML_GGUF_BOOL, a_bool, 3) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.u64", LLML_GGUF_UINT64, a_u64, 2) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.i64", LLML_GGUF_INT64, a_i64, 2) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.f64", LLML_GGUF_FLOAT64, a_f64, 2) == LLML_OK;
    ok &= llml_gguf_writer_set_arr(w, "a.empty", LLML_GGUF_INT32, NULL, 0) == LLML_OK;
    ok &= llml_gguf_writer_set_arr_str(w, "a.str", strs, lens, 4) == LLML_OK;
    ok &= llml_gguf_writer_set_arr_str(w, "a.str0", strs, NULL, 3) == LLML_OK;
    ok &= llml_gguf_writer_set_u32(w, "t.replaced", 1) == LLML_OK;
    ok &= llml_gguf_writer_set_str(w, "t.removed", "x") == LLML_OK;
    ok &= llml_gguf_writer_set_u32(w, "t.last", 9) == LLML_OK;
    ok &= llml_gguf_writer_set_f32(w, "t.replaced", 2.0f) == LLML_OK;  /* replaced in place, with another type */
    ok &= llml_gguf_writer_remove_key(w, "t.removed") == LLML_OK;
    CHECK(ok, "setting every value type");
    CHECK(llml_gguf_writer_remove_key(w, "t.removed") == LLML_ERR_NOT_FOUND, "remove a missing key");
    ok = llml_gguf_writer_add_tensor(w, "q.a", LLML_TYPE_F32, 2, ne_a, fa, sizeof(fa)) == LLML_OK;
    ok &= llml_gguf_writer_add_tensor(w, "q.b", LLML_TYPE_F32, 1, ne_b, fb, sizeof(fb)) == LLML_OK;
    ok &= llml_gguf_writer_add_tensor(w, "q.c", LLML_TYPE_Q4_K, 3, ne_c, qc, sizeof(qc)) == LLML_OK;
    ok &= llml_gguf_writer_add_tensor(w, "q.d", LLML_TYPE_Q8_0, 4, ne_d, qd, sizeof(qd)) == LLML_OK;
    CHECK(ok, "add_tensor");
    CHECK(llml_gguf_writer_write(w, out_write, &o) == LLML_OK, "write");
    CHECK(llml_gguf_writer_file_size(w) == o.n, "writer_file_size %lu vs %lu", (unsigned long)llml_gguf_writer_file_size(w),
          (unsigned long)o.n);
    CHECK(llml_gguf_writer_write_file(w, path) == LLML_OK, "write_file");
    llml_gguf_writer_free(w);
    if (llml_gguf_open_memory(o.p, o.n, NULL, &g, &err) != LLML_OK) {
        CHECK(0, "reading our file back: %s (at byte %llu)", err.message, (unsigned long long)err.offset);
        free(o.p);
        return;
    }
    CHECK(llml_gguf_version(g) == 3 && llml_gguf_alignment(g) == 64 && llml_gguf_data_offset(g) % 64 == 0, "header of our file");
    CHECK(llml_gguf_n_kv(g) == 31 && llml_gguf_n_tensors(g) == 4, "counts %lld %lld", (long long)llml_gguf_n_kv(g),
          (long long)llml_gguf_n_tensors(g));
    CHECK(llml_gguf_get_u8(g, "t.u8", &u8) == LLML_OK && u8 == 200, "u8");
    CHECK(llml_gguf_get_i8(g, "t.i8", &i8) == LLML_OK && i8 == -100, "i8");
    CHECK(llml_gguf_get_u16(g, "t.u16", &u16) == LLML_OK && u16 == 60000, "u16");
    CHECK(llml_gguf_get_i16(g, "t.i16", &i16) == LLML_OK && i16 == -30000, "i16");
    CHECK(llml_gguf_get_u32(g, "t.u32", &u32) == LLML_OK && u32 == 4000000000u, "u32");
    CHECK(llml_gguf_get_i32(g, "t.i32", &i32) == LLML_OK && i32 == -2000000000, "i32");
    CHECK(llml_gguf_get_u64(g, "t.u64", &u64) == LLML_OK && u64 == 18446744073709551615ull, "u64");
    CHECK(llml_gguf_get_i64(g, "t.i64", &i64) == LLML_OK && i64 == -9000000000000000000ll, "i64");
    CHECK(llml_gguf_get_f32(g, "t.f32", &f32) == LLML_OK && f32 == 1.5f, "f32");
    CHECK(llml_gguf_get_f64(g, "t.f64", &f64) == LLML_OK && f64 == (double)-0.1, "f64"); /* cast: no x87 excess precision */
    CHECK(llml_gguf_get_bool(g, "t.bool", &b) == LLML_OK && b == 1, "bool");
    CHECK(llml_gguf_get_str(g, "t.str", &s) == LLML_OK && strcmp(s, "h\xc3\xa9llo w\xc3\xb6rld") == 0, "str");
    CHECK(llml_gguf_get_str(g, "t.empty", &s) == LLML_OK && s[0] == 0, "empty str");
    CHECK(llml_gguf_get_int(g, "t.u64", &i64) == LLML_ERR_TYPE_MISMATCH, "get_int on a u64 above INT64_MAX");
    CHECK(llml_gguf_get_int(g, "t.u32", &i64) == LLML_OK && i64 == 4000000000ll, "get_int u32");
    CHECK(llml_gguf_get_int(g, "t.i8", &i64) == LLML_OK && i64 == -100, "get_int i8");
    CHECK(llml_gguf_get_int(g, "t.f32", &i64) == LLML_ERR_TYPE_MISMATCH, "get_int f32");
    CHECK(llml_gguf_get_float(g, "t.f32", &f64) == LLML_OK && f64 == 1.5, "get_float f32");
    CHECK(llml_gguf_get_float(g, "t.u8", &f64) == LLML_ERR_TYPE_MISMATCH, "get_float u8");
    CHECK(llml_gguf_get_u8(g, "t.i8", &u8) == LLML_ERR_TYPE_MISMATCH, "u8 vs i8");
    CHECK(llml_gguf_get_f32(g, "t.replaced", &f32) == LLML_OK && f32 == 2.0f, "replaced value");
    CHECK(llml_gguf_find_key(g, "t.replaced") + 1 == llml_gguf_find_key(g, "t.last") &&
              llml_gguf_find_key(g, "t.replaced") == llml_gguf_find_key(g, "a.str0") + 1, "replaced key kept its position");
    CHECK(llml_gguf_find_key(g, "t.removed") == -1, "removed key");
    CHECK(llml_gguf_get_u32(g, "t.u32", NULL) == LLML_ERR_INVALID_ARG, "NULL out");
#define ARR_OK(key, type, src, cnt)                                                                                         \
    CHECK(llml_gguf_get_arr(g, key, &et, &n, &idx) == LLML_OK && et == type && n == cnt &&                              \
              memcmp(llml_gguf_arr_data(g, idx), src, sizeof(src)) == 0 && ((uintptr_t)llml_gguf_arr_data(g, idx) % vsize(type)) == 0, \
          "array %s", key)
    ARR_OK("a.u8", LLML_GGUF_UINT8, a_u8, 3);
    ARR_OK("a.i8", LLML_GGUF_INT8, a_i8, 3);
    ARR_OK("a.u16", LLML_GGUF_UINT16, a_u16, 2);
    ARR_OK("a.i16", LLML_GGUF_INT16, a_i16, 2);
    ARR_OK("a.u32", LLML_GGUF_UINT32, a_u32, 3);
    ARR_OK("a.i32", LLML_GGUF_INT32, a_i32, 2);
    ARR_OK("a.f32", LLML_GGUF_FLOAT32, a_f32, 4);
    ARR_OK("a.bool", LLML_GGUF_BOOL, a_bool, 3);
    ARR_OK("a.u64", LLML_GGUF_UINT64, a_u64, 2);
    ARR_OK("a.i64", LLML_GGUF_INT64, a_i64, 2);
    ARR_OK("a.f64", LLML_GGUF_FLOAT64, a_f64, 2);
    CHECK(llml_gguf_get_arr(g, "a.empty", &et, &n, &idx) == LLML_OK && et == LLML_GGUF_INT32 && n == 0, "empty array");
    CHECK(llml_gguf_get_arr(g, "a.str", &et, &n, &idx) == LLML_OK && et == LLML_GGUF_STRING && n == 4, "string array");
    ok = 1;
    for (i = 0; i < 4; i++)
        ok &= llml_gguf_arr_str_len(g, idx, (uint64_t)i) == lens[i] && memcmp(llml_gguf_arr_str(g, idx, (uint64_t)i), strs[i], (size_t)lens[i]) == 0 &&
              llml_gguf_arr_str(g, idx, (uint64_t)i)[lens[i]] == 0;
    CHECK(ok, "string array contents (with an embedded NUL)");
    CHECK(llml_gguf_get_arr(g, "a.str0", &et, &n, &idx) == LLML_OK && n == 3 && strcmp(llml_gguf_arr_str(g, idx, 2), strs[2]) == 0,
          "NUL-terminated string array");
    ok = 1;
    for (i = 0; i < 4; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        ok &= t->offset % 64 == 0;
    }
    CHECK(ok, "tensor offsets honour general.alignment = 64");
    CHECK(memcmp(llml_gguf_tensor_at(g, 0)->data, fa, sizeof(fa)) == 0 && memcmp(llml_gguf_tensor_at(g, 2)->data, qc, sizeof(qc)) == 0 &&
              memcmp(llml_gguf_tensor_at(g, 3)->data, qd, sizeof(qd)) == 0 && llml_gguf_tensor_at(g, 3)->n_dims == 4 &&
              llml_gguf_tensor_at(g, 2)->ne[2] == 2,
          "tensor data and shapes");
    /* the same file once more from its own contents: byte-identical */
    {
        outbuf o2;
        memset(&o2, 0, sizeof(o2));
        o2.fail_after = -1;
        CHECK(roundtrip(g, &o2, 1) && o2.n == o.n && memcmp(o2.p, o.p, o.n) == 0, "our own file round-trips");
        free(o2.p);
    }
    llml_gguf_close(g);
    /* the reference's Python reader */
    if (system("python3 -c 'import gguf' >/dev/null 2>&1") == 0) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "python3 -c \"import sys, gguf; r = gguf.GGUFReader(sys.argv[1]); "
                 "f = r.fields; "
                 "assert len(r.tensors) == 4, 'tensors'; "
                 "assert int(f['t.u32'].parts[-1][0]) == 4000000000; "
                 "assert int(f['t.i64'].parts[-1][0]) == -9000000000000000000; "
                 "assert bytes(f['t.str'].parts[-1]).decode() == 'h\\u00e9llo w\\u00f6rld'; "
                 "assert [bytes(f['a.str'].parts[i]) for i in f['a.str'].data] == [b'<unk>', b'', 'h\\u00e9llo'.encode(), b'a\\x00b']; "
                 "assert [int(f['a.u64'].parts[i][0]) for i in f['a.u64'].data] == [0, 2**64 - 1]; "
                 "assert r.alignment == 64; "
                 "t = r.tensors[0]; assert t.name == 'q.a' and list(t.shape) == [64, 3] and float(t.data[1][0]) == 13.0; "
                 "assert r.tensors[2].tensor_type == gguf.GGMLQuantizationType.Q4_K\" %s",
                 path);
        CHECK(system(cmd) == 0, "the Python gguf reader rejects our file %s", path);
    } else {
        printf("test_gguf: skip: python3 -c 'import gguf' failed; the reference reader check is skipped\n");
    }
    remove(path);
    free(o.p);
}

static void test_writer_errors(void) {
    llml_gguf_writer *w = NULL;
    static const int64_t ne2[2] = {64, 2}, ne_bad[2] = {48, 2}, ne0[2] = {0, 2}, ne5[5] = {1, 1, 1, 1, 1}, neg[2] = {-32, 2};
    static float data[128];
    outbuf o;
    char longname[80];
    memset(&o, 0, sizeof(o));
    memset(longname, 'x', sizeof(longname));
    longname[79] = 0;
    CHECK(llml_gguf_writer_create(NULL, NULL) == LLML_ERR_INVALID_ARG, "create(NULL)");
    llml_gguf_writer_create(NULL, &w);
    CHECK(llml_gguf_writer_add_tensor(w, "t", LLML_TYPE_F32, 2, ne2, data, sizeof(data)) == LLML_OK, "add");
    CHECK(llml_gguf_writer_add_tensor(w, "t", LLML_TYPE_F32, 2, ne2, data, sizeof(data)) == LLML_ERR_DUPLICATE, "duplicate tensor name");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_F32, 2, ne2, data, sizeof(data) - 4) == LLML_ERR_INVALID_ARG, "size mismatch");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_Q8_0, 2, ne2, data, 4 * 34 + 2) == LLML_ERR_INVALID_ARG, "q8_0 size mismatch");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_Q8_0, 2, ne_bad, data, 100) == LLML_ERR_BAD_SHAPE, "row not a block multiple");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_F32, 2, ne0, data, 0) == LLML_ERR_BAD_SHAPE, "zero dim");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_F32, 2, neg, data, 0) == LLML_ERR_BAD_SHAPE, "negative dim");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_F32, 0, ne2, data, 0) == LLML_ERR_BAD_SHAPE, "0 dims");
    CHECK(llml_gguf_writer_add_tensor(w, "u", LLML_TYPE_F32, 5, ne5, data, 4) == LLML_ERR_BAD_SHAPE, "5 dims");
    CHECK(llml_gguf_writer_add_tensor(w, "u", (llml_type)4, 2, ne2, data, sizeof(data)) == LLML_ERR_UNSUPPORTED_TYPE, "retired type id");
    CHECK(llml_gguf_writer_add_tensor(w, "u", (llml_type)1000, 2, ne2, data, sizeof(data)) == LLML_ERR_UNSUPPORTED_TYPE, "unknown type");
    CHECK(llml_gguf_writer_add_tensor(w, "bad\xff", LLML_TYPE_F32, 2, ne2, data, sizeof(data)) == LLML_ERR_BAD_UTF8, "bad UTF-8 name");
    CHECK(llml_gguf_writer_add_tensor(w, longname, LLML_TYPE_F32, 2, ne2, data, sizeof(data)) == LLML_ERR_INVALID_ARG, "name too long");
    CHECK(llml_gguf_writer_add_tensor(w, NULL, LLML_TYPE_F32, 2, ne2, data, sizeof(data)) == LLML_ERR_INVALID_ARG, "NULL name");
    CHECK(llml_gguf_writer_set_u32(w, "", 1) == LLML_ERR_INVALID_ARG, "empty key");
    CHECK(llml_gguf_writer_set_u32(w, NULL, 1) == LLML_ERR_INVALID_ARG, "NULL key");
    CHECK(llml_gguf_writer_set_u32(w, "k\xc0\x80", 1) == LLML_ERR_BAD_UTF8, "overlong UTF-8 key");
    CHECK(llml_gguf_writer_set_str(w, "k", NULL) == LLML_ERR_INVALID_ARG, "NULL string");
    CHECK(llml_gguf_writer_set_u32(w, "general.alignment", 3) == LLML_ERR_BAD_ALIGNMENT, "alignment 3");
    CHECK(llml_gguf_writer_set_u32(w, "general.alignment", 0) == LLML_ERR_BAD_ALIGNMENT, "alignment 0");
    CHECK(llml_gguf_writer_set_i32(w, "general.alignment", 32) == LLML_ERR_BAD_ALIGNMENT, "alignment as i32");
    CHECK(llml_gguf_writer_set_arr(w, "a", LLML_GGUF_STRING, data, 1) == LLML_ERR_INVALID_ARG, "set_arr with strings");
    CHECK(llml_gguf_writer_set_arr(w, "a", LLML_GGUF_ARRAY, data, 1) == LLML_ERR_INVALID_ARG, "set_arr nested");
    CHECK(llml_gguf_writer_set_arr(w, "a", LLML_GGUF_UINT8, NULL, 1) == LLML_ERR_INVALID_ARG, "set_arr NULL data");
    CHECK(llml_gguf_writer_add_tensor(w, "s", LLML_TYPE_F32, 2, ne2, NULL, sizeof(data)) == LLML_OK, "add streamed tensor");
    CHECK(llml_gguf_writer_write(w, out_write, &o) == LLML_ERR_INVALID_ARG, "write with a tensor lacking data");
    /* streaming misuse */
    o.fail_after = -1;
    CHECK(llml_gguf_writer_write_data(w, data, 4) == LLML_ERR_INVALID_ARG, "write_data before begin");
    CHECK(llml_gguf_writer_finish(w) == LLML_ERR_INVALID_ARG, "finish before begin");
    CHECK(llml_gguf_writer_begin(w, out_write, &o) == LLML_OK, "begin");
    CHECK(llml_gguf_writer_set_u32(w, "late", 1) == LLML_ERR_INVALID_ARG, "set after begin");
    CHECK(llml_gguf_writer_begin(w, out_write, &o) == LLML_ERR_INVALID_ARG, "begin twice");
    CHECK(llml_gguf_writer_write_data(w, data, sizeof(data) + 1) == LLML_ERR_INVALID_ARG, "write_data too big");
    CHECK(llml_gguf_writer_write_data(w, data, sizeof(data)) == LLML_OK, "write_data");
    CHECK(llml_gguf_writer_write_data(w, data, 1) == LLML_ERR_INVALID_ARG, "write_data after the last tensor");
    CHECK(llml_gguf_writer_finish(w) == LLML_OK, "finish");
    CHECK(o.n == llml_gguf_writer_file_size(w), "streamed size");
    CHECK(llml_gguf_writer_begin(w, out_write, &o) == LLML_OK, "begin again");
    CHECK(llml_gguf_writer_finish(w) == LLML_ERR_INVALID_ARG, "finish with data missing");
    CHECK(llml_gguf_writer_remove_key(w, "x") == LLML_ERR_NOT_FOUND, "the stream ended with the failed finish");
    /* a failing sink: the error comes out at the latest from finish */
    free(o.p);
    memset(&o, 0, sizeof(o));
    o.fail_after = 0;
    {
        llml_result r1 = llml_gguf_writer_begin(w, out_write, &o), r2 = LLML_OK, r3;
        if (r1 == LLML_OK) r2 = llml_gguf_writer_write_data(w, data, sizeof(data));
        r3 = llml_gguf_writer_finish(w);
        CHECK(r1 == LLML_ERR_IO || r2 == LLML_ERR_IO || r3 == LLML_ERR_IO, "write error: %d %d %d", (int)r1, (int)r2, (int)r3);
    }
    CHECK(llml_gguf_writer_remove_key(w, "x") == LLML_ERR_NOT_FOUND, "writer usable after an error");
    CHECK(llml_gguf_writer_write_file(w, "/nonexistent-dir/x.gguf") != LLML_OK, "write_file to a bad path");
    llml_gguf_writer_free(w);
    free(o.p);
    llml_gguf_writer_free(NULL);
}

/* ---- (c) malformed files ------------------------------------------------------- */

typedef struct bb { unsigned char *p; size_t n, cap; } bb;

static void bput(bb *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = (unsigned char *)realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void bu32(bb *b, uint32_t v) { unsigned char x[4]; int i; for (i = 0; i < 4; i++) x[i] = (unsigned char)(v >> (8 * i)); bput(b, x, 4); }
static void bu64(bb *b, uint64_t v) { unsigned char x[8]; int i; for (i = 0; i < 8; i++) x[i] = (unsigned char)(v >> (8 * i)); bput(b, x, 8); }
static void bstr(bb *b, const char *s) { bu64(b, strlen(s)); bput(b, s, strlen(s)); }

/* Positions of the fields of the base file. */
typedef struct layout {
    size_t version, n_t, n_kv;
    size_t kv[6], kv_type[6], kv_val[6];  /* key length field, type, value start */
    size_t arr_elem, arr_len, sarr_len, sarr_str1;
    size_t t[3], t_nd[3], t_dim[3], t_type[3], t_off[3];
    size_t data;
    uint64_t toff[3], tsize[3];
} layout;

/* The base file: 6 kvs and 3 tensors, ends without padding (352 data bytes). */
static bb make_base(layout *L) {
    bb b;
    int i;
    uint64_t off = 0;
    static const char *const names[3] = {"t.a", "t.b", "t.c"};
    static const uint32_t types[3] = {8, 0, 1};                   /* q8_0, f32, f16 */
    static const uint32_t nd[3] = {2, 1, 2};
    static const uint64_t dims[3][2] = {{64, 2}, {32, 1}, {8, 4}};
    static const uint64_t sizes[3] = {136, 128, 64};
    memset(&b, 0, sizeof(b));
    bput(&b, "GGUF", 4);
    L->version = b.n; bu32(&b, 3);
    L->n_t = b.n; bu64(&b, 3);
    L->n_kv = b.n; bu64(&b, 6);
    L->kv[0] = b.n; bstr(&b, "general.architecture"); L->kv_type[0] = b.n; bu32(&b, 8); L->kv_val[0] = b.n; bstr(&b, "llama");
    L->kv[1] = b.n; bstr(&b, "general.alignment"); L->kv_type[1] = b.n; bu32(&b, 4); L->kv_val[1] = b.n; bu32(&b, 32);
    L->kv[2] = b.n; bstr(&b, "test.key_a"); L->kv_type[2] = b.n; bu32(&b, 4); L->kv_val[2] = b.n; bu32(&b, 7);
    L->kv[3] = b.n; bstr(&b, "test.key_b"); L->kv_type[3] = b.n; bu32(&b, 9); L->kv_val[3] = b.n;
    L->arr_elem = b.n; bu32(&b, 6); L->arr_len = b.n; bu64(&b, 3);
    { float f[3] = {1, 2, 3}; for (i = 0; i < 3; i++) { uint32_t u; memcpy(&u, &f[i], 4); bu32(&b, u); } }
    L->kv[4] = b.n; bstr(&b, "test.strs"); L->kv_type[4] = b.n; bu32(&b, 9); L->kv_val[4] = b.n;
    bu32(&b, 8); L->sarr_len = b.n; bu64(&b, 2); bstr(&b, "ab"); L->sarr_str1 = b.n; bstr(&b, "cde");
    L->kv[5] = b.n; bstr(&b, "test.flag"); L->kv_type[5] = b.n; bu32(&b, 7); L->kv_val[5] = b.n; { unsigned char one = 1; bput(&b, &one, 1); }
    for (i = 0; i < 3; i++) {
        int d;
        L->t[i] = b.n; bstr(&b, names[i]);
        L->t_nd[i] = b.n; bu32(&b, nd[i]);
        L->t_dim[i] = b.n;
        for (d = 0; d < (int)nd[i]; d++) bu64(&b, dims[i][d]);
        L->t_type[i] = b.n; bu32(&b, types[i]);
        L->t_off[i] = b.n; bu64(&b, off);
        L->toff[i] = off;
        L->tsize[i] = sizes[i];
        off += (sizes[i] + 31) / 32 * 32;
    }
    while (b.n % 32) { unsigned char z = 0; bput(&b, &z, 1); }
    L->data = b.n;
    for (i = 0; i < (int)off; i++) { unsigned char v = (unsigned char)(i * 13 + 1); bput(&b, &v, 1); }
    return b;
}

static int n_cases;
static counting g_count;

/* Open bytes from memory and from a callback: both must fail with `expect`
   at byte `eoff` (or anywhere in the file when eoff is ~0), free everything,
   and leave a message. */
static void expect_error(const char *name, const unsigned char *p, size_t n, llml_result expect, uint64_t eoff) {
    llml_gguf *g = (llml_gguf *)&g_count; /* must be reset to NULL */
    llml_error e1, e2;
    llml_result r1, r2;
    llml_allocator a;
    llml_gguf_desc desc;
    membuf mb;
    long live0 = g_count.live;
    a.alloc = c_alloc;
    a.free = c_free;
    a.user = &g_count;
    memset(&desc, 0, sizeof(desc));
    desc.allocator = &a;
    mb.p = p; mb.n = n; mb.calls = 0;
    memset(&e1, 0x55, sizeof(e1));
    r1 = llml_gguf_open_memory(p, n, &desc, &g, &e1);
    CHECK(g == NULL, "%s: handle not NULL after failure", name);
    if (r1 == LLML_OK) llml_gguf_close(g);
    r2 = llml_gguf_open_callback(mem_read, &mb, n, &desc, &g, &e2);
    if (r2 == LLML_OK) llml_gguf_close(g);
    n_cases++;
    CHECK(r1 == expect, "%s: got %d (%s) instead of %d (%s): %s", name, (int)r1, llml_result_string(r1), (int)expect,
          llml_result_string(expect), r1 != LLML_OK ? e1.message : "");
    CHECK(r2 == r1 && e2.offset == e1.offset && strcmp(e1.message, e2.message) == 0, "%s: callback source disagrees: %d %s", name,
          (int)r2, e2.message);
    if (r1 != LLML_OK) {
        CHECK(e1.code == r1 && e1.message[0] != 0 && strlen(e1.message) < sizeof(e1.message), "%s: error not filled", name);
        if (eoff != ~(uint64_t)0)
            CHECK(e1.offset == eoff, "%s: offset %llu, expected %llu (%s)", name, (unsigned long long)e1.offset,
                  (unsigned long long)eoff, e1.message);
        else
            CHECK(e1.offset <= n, "%s: offset %llu beyond the file (%lu bytes)", name, (unsigned long long)e1.offset, (unsigned long)n);
    }
    CHECK(g_count.live == live0 && g_count.bad_size == 0, "%s: leak (%ld blocks) or wrong free size", name, g_count.live - live0);
}

static void set_u32(unsigned char *p, uint32_t v) { int i; for (i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void set_u64(unsigned char *p, uint64_t v) { int i; for (i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }

#define NOOFF (~(uint64_t)0)

static void case_u32(const bb *base, const char *name, size_t pos, uint32_t v, llml_result expect, uint64_t eoff) {
    unsigned char *c = (unsigned char *)malloc(base->n);
    memcpy(c, base->p, base->n);
    set_u32(c + pos, v);
    expect_error(name, c, base->n, expect, eoff);
    free(c);
}

static void case_u64(const bb *base, const char *name, size_t pos, uint64_t v, llml_result expect, uint64_t eoff) {
    unsigned char *c = (unsigned char *)malloc(base->n);
    memcpy(c, base->p, base->n);
    set_u64(c + pos, v);
    expect_error(name, c, base->n, expect, eoff);
    free(c);
}

static void case_byte(const bb *base, const char *name, size_t pos, unsigned char v, llml_result expect, uint64_t eoff) {
    unsigned char *c = (unsigned char *)malloc(base->n);
    memcpy(c, base->p, base->n);
    c[pos] = v;
    expect_error(name, c, base->n, expect, eoff);
    free(c);
}

static void case_trunc(const bb *base, const char *name, size_t len, uint64_t eoff) {
    unsigned char *c = (unsigned char *)malloc(len ? len : 1);
    memcpy(c, base->p, len);
    expect_error(name, c, len, LLML_ERR_TRUNCATED, eoff);
    free(c);
}

static void test_malformed(void) {
    layout L;
    bb base = make_base(&L);
    llml_gguf *g = NULL;
    llml_error err;
    size_t k;
    int all_trunc = 1;
    memset(&g_count, 0, sizeof(g_count));
    g_count.fail_at = -1;

    /* the base itself is valid, and so is its v2 twin */
    CHECK(llml_gguf_open_memory(base.p, base.n, NULL, &g, &err) == LLML_OK, "base file: %s", err.message);
    if (g) {
        CHECK(llml_gguf_n_tensors(g) == 3 && llml_gguf_data_offset(g) == L.data && llml_gguf_tensor_at(g, 0)->size == 136,
              "base file contents");
        llml_gguf_close(g);
    }
    {
        unsigned char *c = (unsigned char *)malloc(base.n);
        memcpy(c, base.p, base.n);
        set_u32(c + L.version, 2);
        g = NULL;
        CHECK(llml_gguf_open_memory(c, base.n, NULL, &g, &err) == LLML_OK && llml_gguf_version(g) == 2, "GGUF v2 accepted");
        llml_gguf_close(g);
        free(c);
    }

    /* magic and version */
    case_byte(&base, "bad magic", 3, 'X', LLML_ERR_BAD_MAGIC, 0);
    case_u32(&base, "zero magic", 0, 0, LLML_ERR_BAD_MAGIC, 0);
    expect_error("two bytes not GGUF", (const unsigned char *)"PK", 2, LLML_ERR_BAD_MAGIC, 0);
    case_u32(&base, "version 1", L.version, 1, LLML_ERR_BAD_VERSION, L.version);
    case_u32(&base, "version 0", L.version, 0, LLML_ERR_BAD_VERSION, L.version);
    case_u32(&base, "version 4", L.version, 4, LLML_ERR_BAD_VERSION, L.version);
    case_u32(&base, "big-endian version 3", L.version, 0x03000000u, LLML_ERR_BAD_VERSION, L.version);
    case_u32(&base, "version 0xffffffff", L.version, 0xffffffffu, LLML_ERR_BAD_VERSION, L.version);

    /* truncation inside each section */
    case_trunc(&base, "empty file", 0, 0);
    case_trunc(&base, "truncated in magic", 2, 0);
    case_trunc(&base, "truncated in version", L.version + 2, L.version);
    case_trunc(&base, "truncated in n_tensors", L.n_t + 5, L.n_t);
    case_trunc(&base, "truncated in n_kv", L.n_kv + 1, L.n_kv);
    case_trunc(&base, "truncated in a key length", L.kv[2] + 3, L.kv[2]);
    case_trunc(&base, "truncated in a key", L.kv[2] + 8 + 4, L.kv[2]);
    case_trunc(&base, "truncated in a value type", L.kv_type[2] + 1, L.kv_type[2]);
    case_trunc(&base, "truncated in a value", L.kv_val[2] + 2, L.kv_val[2]);
    case_trunc(&base, "truncated in a string value", L.kv_val[0] + 8 + 2, L.kv_val[0]);
    case_trunc(&base, "truncated in an array type", L.arr_elem + 2, L.arr_elem);
    case_trunc(&base, "truncated in an array length", L.arr_len + 4, L.arr_len);
    case_trunc(&base, "truncated in array data", L.arr_len + 8 + 5, L.arr_len);
    case_trunc(&base, "truncated in a string array", L.sarr_str1 + 9, L.sarr_str1);
    case_trunc(&base, "truncated in a bool", L.kv_val[5], L.kv_val[5]);
    case_trunc(&base, "truncated in a tensor name", L.t[1] + 9, L.t[1]);
    case_trunc(&base, "truncated in n_dims", L.t_nd[1] + 3, L.t_nd[1]);
    case_trunc(&base, "truncated in a dimension", L.t_dim[2] + 12, L.t_dim[2] + 8);
    case_trunc(&base, "truncated in a tensor type", L.t_type[2] + 1, L.t_type[2]);
    case_trunc(&base, "truncated in a tensor offset", L.t_off[2] + 7, L.t_off[2]);
    case_trunc(&base, "truncated in the padding", L.data - 3, L.t_off[2] + 8);
    case_trunc(&base, "truncated at the data start", L.data, L.data);
    case_trunc(&base, "truncated in the first tensor", L.data + 50, L.data + 50);
    case_trunc(&base, "truncated in the last tensor", base.n - 1, base.n - 1);
    /* every prefix of the file is truncated */
    for (k = 0; k < base.n; k++) {
        llml_result r1, r2;
        llml_error e;
        membuf mb;
        g = NULL;
        mb.p = base.p; mb.n = k; mb.calls = 0;
        r1 = llml_gguf_open_memory(base.p, k, NULL, &g, &e);
        if (r1 == LLML_OK) llml_gguf_close(g);
        r2 = llml_gguf_open_callback(mem_read, &mb, k, NULL, &g, &e);
        if (r2 == LLML_OK) llml_gguf_close(g);
        if (r1 != LLML_ERR_TRUNCATED || r2 != LLML_ERR_TRUNCATED || e.offset > k) {
            all_trunc = 0;
            fprintf(stderr, "prefix %lu: %d %d %s\n", (unsigned long)k, (int)r1, (int)r2, e.message);
        }
    }
    CHECK(all_trunc, "every prefix of the base file gives LLML_ERR_TRUNCATED");

    /* counts and lengths near 2^64 */
    case_u64(&base, "n_kv 2^64-1", L.n_kv, UINT64_MAX, LLML_ERR_CORRUPT, L.n_kv);
    case_u64(&base, "n_kv 2^63", L.n_kv, (uint64_t)1 << 63, LLML_ERR_CORRUPT, L.n_kv);
    case_u64(&base, "n_kv 2^40", L.n_kv, (uint64_t)1 << 40, LLML_ERR_CORRUPT, L.n_kv);
    case_u64(&base, "n_tensors 2^64-1", L.n_t, UINT64_MAX, LLML_ERR_CORRUPT, L.n_t);
    case_u64(&base, "n_tensors 2^62", L.n_t, (uint64_t)1 << 62, LLML_ERR_CORRUPT, L.n_t);
    case_u64(&base, "key length 2^64-1", L.kv[2], UINT64_MAX, LLML_ERR_CORRUPT, L.kv[2]);
    case_u64(&base, "key length 2^63", L.kv[2], (uint64_t)1 << 63, LLML_ERR_CORRUPT, L.kv[2]);
    case_u64(&base, "key length past the end", L.kv[2], base.n - L.kv[2] - 7, LLML_ERR_TRUNCATED, L.kv[2]);
    case_u64(&base, "empty key", L.kv[2], 0, LLML_ERR_CORRUPT, L.kv[2]);
    case_u64(&base, "string value length 2^64-1", L.kv_val[0], UINT64_MAX, LLML_ERR_CORRUPT, L.kv_val[0]);
    case_u64(&base, "string value length 2^64-8", L.kv_val[0], UINT64_MAX - 7, LLML_ERR_CORRUPT, L.kv_val[0]);
    case_u64(&base, "array length 2^64-1", L.arr_len, UINT64_MAX, LLML_ERR_CORRUPT, L.arr_len);
    case_u64(&base, "array length 2^62 (x4 wraps)", L.arr_len, (uint64_t)1 << 62, LLML_ERR_CORRUPT, L.arr_len);
    case_u64(&base, "array length past the end", L.arr_len, 1000, LLML_ERR_TRUNCATED, L.arr_len);
    case_u64(&base, "string array length 2^64-1", L.sarr_len, UINT64_MAX, LLML_ERR_CORRUPT, L.sarr_len);
    case_u64(&base, "string array length 2^61", L.sarr_len, (uint64_t)1 << 61, LLML_ERR_CORRUPT, L.sarr_len);
    case_u64(&base, "string in an array 2^64-1", L.sarr_str1, UINT64_MAX, LLML_ERR_CORRUPT, L.sarr_str1);
    case_u64(&base, "tensor name length 2^64-1", L.t[1], UINT64_MAX, LLML_ERR_CORRUPT, L.t[1]);

    /* value types */
    case_u32(&base, "unknown value type 13", L.kv_type[2], 13, LLML_ERR_UNSUPPORTED_TYPE, L.kv_type[2]);
    case_u32(&base, "unknown value type 2^32-1", L.kv_type[2], 0xffffffffu, LLML_ERR_UNSUPPORTED_TYPE, L.kv_type[2]);
    case_u32(&base, "unknown array element type", L.arr_elem, 99, LLML_ERR_UNSUPPORTED_TYPE, L.arr_elem);
    case_u32(&base, "nested array", L.arr_elem, 9, LLML_ERR_UNSUPPORTED_TYPE, L.arr_elem);

    /* keys */
    case_byte(&base, "duplicate key", L.kv[3] + 8 + 9, 'a', LLML_ERR_DUPLICATE, L.kv[3]);
    case_byte(&base, "invalid UTF-8 in a key", L.kv[2] + 8 + 2, 0xff, LLML_ERR_BAD_UTF8, L.kv[2] + 8 + 2);
    case_byte(&base, "overlong UTF-8 in a key", L.kv[2] + 8 + 2, 0xc0, LLML_ERR_BAD_UTF8, L.kv[2] + 8 + 2);
    case_byte(&base, "lone continuation byte in a key", L.kv[2] + 8, 0x80, LLML_ERR_BAD_UTF8, L.kv[2] + 8);
    case_byte(&base, "NUL in a key", L.kv[2] + 8 + 3, 0, LLML_ERR_CORRUPT, L.kv[2]);

    /* alignment */
    case_u32(&base, "alignment 0", L.kv_val[1], 0, LLML_ERR_BAD_ALIGNMENT, L.kv_val[1]);
    case_u32(&base, "alignment 3", L.kv_val[1], 3, LLML_ERR_BAD_ALIGNMENT, L.kv_val[1]);
    case_u32(&base, "alignment 48", L.kv_val[1], 48, LLML_ERR_BAD_ALIGNMENT, L.kv_val[1]);
    case_u32(&base, "alignment of type i32", L.kv_type[1], 5, LLML_ERR_BAD_ALIGNMENT, L.kv_type[1]);
    case_u32(&base, "alignment of type f32", L.kv_type[1], 6, LLML_ERR_BAD_ALIGNMENT, L.kv_type[1]);
    case_u32(&base, "alignment 256, offsets misaligned", L.kv_val[1], 256, LLML_ERR_BAD_ALIGNMENT, L.t_off[1]);

    /* tensor infos */
    case_byte(&base, "duplicate tensor name", L.t[1] + 8 + 2, 'a', LLML_ERR_DUPLICATE, L.t[1]);
    case_byte(&base, "invalid UTF-8 in a tensor name", L.t[1] + 8 + 1, 0xfe, LLML_ERR_BAD_UTF8, L.t[1] + 8 + 1);
    case_byte(&base, "surrogate in a tensor name", L.t[1] + 8, 0xed, LLML_ERR_BAD_UTF8, L.t[1] + 8);
    case_byte(&base, "NUL in a tensor name", L.t[1] + 8 + 1, 0, LLML_ERR_CORRUPT, L.t[1]);
    case_u32(&base, "0 dims", L.t_nd[0], 0, LLML_ERR_BAD_SHAPE, L.t_nd[0]);
    case_u32(&base, "5 dims", L.t_nd[0], 5, LLML_ERR_BAD_SHAPE, L.t_nd[0]);
    case_u32(&base, "2^32-1 dims", L.t_nd[0], 0xffffffffu, LLML_ERR_BAD_SHAPE, L.t_nd[0]);
    case_u64(&base, "dim 0", L.t_dim[0] + 8, 0, LLML_ERR_BAD_SHAPE, L.t_dim[0] + 8);
    case_u64(&base, "negative dim", L.t_dim[0] + 8, (uint64_t)-2, LLML_ERR_BAD_SHAPE, L.t_dim[0] + 8);
    case_u64(&base, "dim 2^63", L.t_dim[0], (uint64_t)1 << 63, LLML_ERR_BAD_SHAPE, L.t_dim[0]);
    {
        unsigned char *c = (unsigned char *)malloc(base.n);
        memcpy(c, base.p, base.n);
        set_u64(c + L.t_dim[0], (uint64_t)1 << 40);
        set_u64(c + L.t_dim[0] + 8, (uint64_t)1 << 30);
        expect_error("element count overflows int64", c, base.n, LLML_ERR_BAD_SHAPE, L.t_dim[0] + 8);
        set_u64(c + L.t_dim[0], (uint64_t)1 << 40);
        set_u64(c + L.t_dim[0] + 8, (uint64_t)1 << 20);
        expect_error("huge but representable tensor out of bounds", c, base.n, LLML_ERR_OUT_OF_BOUNDS, L.t_off[0]);
        free(c);
    }
    case_u64(&base, "row not a multiple of the block size", L.t_dim[0], 48, LLML_ERR_BAD_SHAPE, L.t_nd[0] + 4);
    case_u32(&base, "retired tensor type 4", L.t_type[1], 4, LLML_ERR_UNSUPPORTED_TYPE, L.t_type[1]);
    case_u32(&base, "unknown tensor type 1000", L.t_type[1], 1000, LLML_ERR_UNSUPPORTED_TYPE, L.t_type[1]);
    case_u32(&base, "tensor type 2^32-1", L.t_type[1], 0xffffffffu, LLML_ERR_UNSUPPORTED_TYPE, L.t_type[1]);
    case_u32(&base, "tensor type LLML_TYPE_COUNT", L.t_type[1], LLML_TYPE_COUNT, LLML_ERR_UNSUPPORTED_TYPE, L.t_type[1]);
    case_u64(&base, "misaligned offset", L.t_off[1], L.toff[1] + 16, LLML_ERR_BAD_ALIGNMENT, L.t_off[1]);
    case_u64(&base, "offset 1", L.t_off[0], 1, LLML_ERR_BAD_ALIGNMENT, L.t_off[0]);
    case_u64(&base, "data past the end of the file", L.t_off[1], 4096, LLML_ERR_OUT_OF_BOUNDS, L.t_off[1]);
    case_u64(&base, "data offset near 2^64", L.t_off[2], UINT64_MAX - 31, LLML_ERR_OUT_OF_BOUNDS, L.t_off[2]);
    case_u64(&base, "last tensor shifted out", L.t_off[2], L.toff[2] + 32, LLML_ERR_OUT_OF_BOUNDS, L.t_off[2]);
    case_u64(&base, "overlapping tensors (same offset)", L.t_off[2], L.toff[1], LLML_ERR_OVERLAP, L.t_off[2]);
    case_u64(&base, "overlapping tensors (partial)", L.t_off[1], 128, LLML_ERR_OVERLAP, L.t_off[1]);
    {
        /* a larger last tensor: its data would run past the end */
        unsigned char *c = (unsigned char *)malloc(base.n);
        memcpy(c, base.p, base.n);
        set_u64(c + L.t_dim[2] + 8, 8);
        expect_error("last tensor larger than the data left", c, base.n, LLML_ERR_TRUNCATED, base.n);
        free(c);
    }

    /* invalid arguments */
    {
        llml_error e;
        g = (llml_gguf *)&e;
        CHECK(llml_gguf_open_memory(NULL, 10, NULL, &g, &e) == LLML_ERR_INVALID_ARG && g == NULL, "open_memory(NULL)");
        CHECK(llml_gguf_open_callback(NULL, NULL, 10, NULL, &g, &e) == LLML_ERR_INVALID_ARG, "open_callback(NULL)");
        CHECK(llml_gguf_open_file(NULL, NULL, &g, &e) == LLML_ERR_INVALID_ARG, "open_file(NULL)");
        CHECK(llml_gguf_open_file("/nonexistent/file.gguf", NULL, &g, &e) == LLML_ERR_IO && e.message[0], "missing file");
        CHECK(llml_gguf_open_file(".", NULL, &g, &e) == LLML_ERR_IO, "a directory");
        CHECK(llml_gguf_open_memory(base.p, base.n, NULL, NULL, &e) == LLML_ERR_INVALID_ARG, "out NULL");
        CHECK(llml_gguf_open_memory(base.p, base.n, NULL, &g, NULL) == LLML_OK, "err may be NULL");
        CHECK(llml_gguf_key(g, -1) == NULL && llml_gguf_key(g, 99) == NULL && llml_gguf_tensor_at(g, 3) == NULL &&
                  llml_gguf_kv_type(g, 99) == LLML_GGUF_VTYPE_COUNT && llml_gguf_arr_len(g, 0) == 0 &&
                  llml_gguf_arr_type(g, 0) == LLML_GGUF_VTYPE_COUNT && llml_gguf_read_tensor(g, 5, base.p, 1000) == LLML_ERR_INVALID_ARG,
              "out-of-range indexes");
        CHECK(llml_gguf_read_tensor(g, 0, NULL, 1000) == LLML_ERR_INVALID_ARG, "read_tensor NULL dst");
        llml_gguf_close(g);
        llml_gguf_close(NULL);
        CHECK(strcmp(llml_gguf_vtype_name(LLML_GGUF_UINT32), "u32") == 0 && strcmp(llml_gguf_vtype_name(LLML_GGUF_ARRAY), "arr") == 0 &&
                  strcmp(llml_gguf_vtype_name((llml_gguf_vtype)77), "?") == 0,
              "vtype names");
    }

    /* out of memory at every allocation: fails cleanly, never leaks */
    {
        long fail;
        int clean = 1, succeeded = 0;
        for (fail = 0; fail < 200 && !succeeded; fail++) {
            llml_allocator a;
            llml_gguf_desc desc;
            llml_result r;
            counting c;
            memset(&c, 0, sizeof(c));
            c.fail_at = fail;
            a.alloc = c_alloc; a.free = c_free; a.user = &c;
            memset(&desc, 0, sizeof(desc));
            desc.allocator = &a;
            g = NULL;
            r = llml_gguf_open_memory(base.p, base.n, &desc, &g, &err);
            if (r == LLML_OK) { succeeded = 1; llml_gguf_close(g); }
            else if (r != LLML_ERR_OUT_OF_MEMORY) clean = 0;
            if (c.live != 0 || c.bad_size) clean = 0;
        }
        CHECK(clean && succeeded, "allocation failures are reported and leak nothing");
    }
    CHECK(n_cases >= 60, "only %d malformed cases", n_cases);
    CHECK(g_count.live == 0 && g_count.allocs > 0, "counting allocator: %ld blocks live", g_count.live);
    free(base.p);
}

int main(void) {
    char **files = NULL;
    int n = list_gguf(&files), i;
    CHECK(n >= 40, "found only %d .gguf files under %s", n, check_testdata());
    for (i = 0; i < n; i++) {
        size_t size = 0;
        unsigned char *bytes = slurp(files[i], &size);
        CHECK(bytes != NULL, "cannot read %s", files[i]);
        if (bytes) {
            test_file_sources(files[i], bytes, size);
            test_roundtrip(files[i], bytes, size, strstr(files[i], "q4_k.gguf") || strstr(files[i], "stories260K") ||
                                                      strstr(files[i], "vocab-qwen3"));
            free(bytes);
        }
    }
    printf("test_gguf: %d files, %d re-serialized byte-identical, %d identical up to the end padding gguf-py leaves out\n", n,
           n_identical, n_padded);
    if (n > 0) {
        for (i = 0; i < n; i++)
            if (strstr(files[i], "quant/q4_0.gguf")) test_write_files(files[i]);
    }
    for (i = 0; i < n; i++) free(files[i]);
    free(files);
    test_every_type();
    test_writer_errors();
    test_malformed();
    printf("test_gguf: %d malformed files rejected as expected\n", n_cases);
    return check_summary("test_gguf");
}
