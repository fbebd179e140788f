/* tests/fuzz/fuzz_gguf.c - GGUF parsing from a buffer.
   The input is a GGUF file. It is opened from memory and through a read
   callback (both must agree); when it opens, every key, array element and
   tensor is read back, the tensors are re-written with the writer and the
   result must open again with the same contents; a tokenizer in the
   metadata is built and used on a short text.
   Build: make build-fuzz/fuzz_gguf   Run: make fuzz FUZZ_TARGETS=gguf */
#include "fuzz.h"

typedef struct fuzz_gguf_mem { const uint8_t *p; size_t n; } fuzz_gguf_mem;

static size_t fuzz_gguf_read(void *user, uint64_t off, void *dst, size_t n) {
    fuzz_gguf_mem *m = (fuzz_gguf_mem *)user;
    if (off >= m->n) return 0;
    if (n > m->n - (size_t)off) n = m->n - (size_t)off;
    memcpy(dst, m->p + off, n);
    return n;
}

typedef struct fuzz_gguf_out { uint8_t *p; size_t n, cap; int fail; } fuzz_gguf_out;

static size_t fuzz_gguf_write(void *user, const void *src, size_t n) {
    fuzz_gguf_out *o = (fuzz_gguf_out *)user;
    if (o->n + n > o->cap) {
        size_t cap = (o->n + n) * 2;
        uint8_t *p = (uint8_t *)realloc(o->p, cap);
        if (!p) { o->fail = 1; return 0; }
        o->p = p; o->cap = cap;
    }
    memcpy(o->p + o->n, src, n);
    o->n += n;
    return n;
}

/* Read everything the handle offers. */
static void fuzz_gguf_walk(const llml_gguf *g, const uint8_t *data, size_t size) {
    int64_t i, n_kv = llml_gguf_n_kv(g), n_t = llml_gguf_n_tensors(g);
    FUZZ_CHECK(n_kv >= 0 && n_t >= 0);
    FUZZ_CHECK(llml_gguf_data_offset(g) <= (uint64_t)size || n_t == 0);
    for (i = 0; i < n_kv; i++) {
        const char *key = llml_gguf_key(g, i);
        llml_gguf_vtype t = llml_gguf_kv_type(g, i);
        int64_t iv;
        double fv;
        const char *sv;
        FUZZ_CHECK(key != NULL);
        FUZZ_CHECK(llml_gguf_find_key(g, key) == i);
        FUZZ_CHECK((unsigned)t < (unsigned)LLML_GGUF_VTYPE_COUNT);
        if (t == LLML_GGUF_ARRAY) {
            llml_gguf_vtype et = llml_gguf_arr_type(g, i);
            uint64_t n = llml_gguf_arr_len(g, i), j;
            FUZZ_CHECK(llml_gguf_kv_data(g, i) == NULL);
            if (et == LLML_GGUF_STRING) {
                for (j = 0; j < n && j < 64; j++) {
                    const char *s = llml_gguf_arr_str(g, i, j);
                    uint64_t len = llml_gguf_arr_str_len(g, i, j);
                    FUZZ_CHECK(s != NULL && s[len] == 0);
                }
                FUZZ_CHECK(llml_gguf_arr_str(g, i, n) == NULL);
            } else {
                const uint8_t *d = (const uint8_t *)llml_gguf_arr_data(g, i);
                FUZZ_CHECK(n == 0 || d != NULL);
                if (n > 0) {
                    volatile uint8_t last = d[n * 1 - 1]; /* the first byte of the last element at least */
                    (void)last;
                }
            }
        } else {
            FUZZ_CHECK(llml_gguf_kv_data(g, i) != NULL);
        }
        /* the typed getters by key */
        (void)llml_gguf_get_int(g, key, &iv);
        (void)llml_gguf_get_float(g, key, &fv);
        if (llml_gguf_get_str(g, key, &sv) == LLML_OK) FUZZ_CHECK(sv != NULL && t == LLML_GGUF_STRING);
    }
    for (i = 0; i < n_t; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        const llml_type_info *ti;
        FUZZ_CHECK(t != NULL && t->name != NULL);
        FUZZ_CHECK(llml_gguf_find_tensor(g, t->name) == i);
        ti = llml_type_get_info(t->type);
        FUZZ_CHECK(ti != NULL);
        FUZZ_CHECK(t->n_dims >= 1 && t->n_dims <= 4);
        FUZZ_CHECK(t->ne[0] > 0 && t->ne[1] > 0 && t->ne[2] > 0 && t->ne[3] > 0);
        FUZZ_CHECK(t->size == (uint64_t)llml_row_size(t->type, t->ne[0]) * (uint64_t)(t->ne[1] * t->ne[2] * t->ne[3]));
        if (t->data) {
            const uint8_t *p = (const uint8_t *)t->data;
            FUZZ_CHECK(p >= data && t->size <= (uint64_t)(data + size - p));
        }
        if (t->size <= 1 << 20) {
            uint8_t *buf = (uint8_t *)malloc((size_t)t->size + 1);
            if (buf) {
                FUZZ_CHECK(llml_gguf_read_tensor(g, i, buf, (size_t)t->size) == LLML_OK);
                if (t->data) FUZZ_CHECK(memcmp(buf, t->data, (size_t)t->size) == 0);
                /* dequantize the first row of formats that have floats */
                if (ti->block_size > 0 && t->ne[0] <= 4096 && t->type != LLML_TYPE_I8 && t->type != LLML_TYPE_I16 &&
                    t->type != LLML_TYPE_I32 && t->type != LLML_TYPE_I64 && t->type != LLML_TYPE_F64) {
                    float row[4096];
                    (void)llml_dequantize_row(t->type, buf, row, t->ne[0]);
                }
                free(buf);
            }
        }
    }
}

/* Copy the whole file with the writer; it must read back the same. */
static void fuzz_gguf_rewrite(const llml_gguf *g) {
    llml_gguf_writer *w = NULL;
    fuzz_gguf_out o;
    llml_gguf *g2 = NULL;
    int64_t i, n_kv = llml_gguf_n_kv(g), n_t = llml_gguf_n_tensors(g);
    int ok = 1;
    if (llml_gguf_writer_create(NULL, &w) != LLML_OK) return;
    for (i = 0; i < n_kv && ok; i++) {
        if (strcmp(llml_gguf_key(g, i), "general.alignment") == 0) continue;
        ok = llml_gguf_writer_copy_kv(w, g, i) == LLML_OK;
    }
    for (i = 0; i < n_t && ok; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        if (!t->data) { ok = 0; break; }
        ok = llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->size) == LLML_OK;
    }
    FUZZ_CHECK(ok);
    memset(&o, 0, sizeof(o));
    if (ok && llml_gguf_writer_write(w, fuzz_gguf_write, &o) == LLML_OK && !o.fail) {
        FUZZ_CHECK(o.n == llml_gguf_writer_file_size(w));
        FUZZ_CHECK(llml_gguf_open_memory(o.p, o.n, NULL, &g2, NULL) == LLML_OK);
        if (g2) {
            FUZZ_CHECK(llml_gguf_n_tensors(g2) == n_t);
            for (i = 0; i < n_t; i++) {
                const llml_gguf_tensor *a = llml_gguf_tensor_at(g, i), *b = llml_gguf_tensor_at(g2, i);
                FUZZ_CHECK(strcmp(a->name, b->name) == 0 && a->type == b->type && a->size == b->size &&
                           memcmp(a->ne, b->ne, sizeof(a->ne)) == 0 && memcmp(a->data, b->data, (size_t)a->size) == 0);
            }
            llml_gguf_close(g2);
        }
    }
    free(o.p);
    llml_gguf_writer_free(w);
}

/* A tokenizer in the metadata: build it and use it. */
static void fuzz_gguf_vocab(const llml_gguf *g) {
    static const char text[] = "Hello world! \xe2\x96\x81 \xf0\x9f\x98\x80 <s></s> 12345\n\t  x\xff";
    llml_vocab *v = NULL;
    int32_t ids[256];
    char out[1024];
    size_t n = 0, nt, k;
    if (llml_vocab_load(g, NULL, &v, NULL) != LLML_OK) { FUZZ_CHECK(v == NULL); return; }
    FUZZ_CHECK(llml_vocab_n_tokens(v) > 0);
    if (llml_tokenize(v, text, sizeof(text) - 1, LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL, ids, 256, &nt) == LLML_OK) {
        for (k = 0; k < nt; k++) FUZZ_CHECK(ids[k] >= 0 && ids[k] < llml_vocab_n_tokens(v));
        (void)llml_detokenize(v, ids, nt, LLML_DETOKENIZE_RENDER_SPECIAL | LLML_DETOKENIZE_CLEAN_SPACES, out, sizeof(out), &n);
    }
    for (k = 0; k < 16 && (int32_t)k < llml_vocab_n_tokens(v); k++)
        (void)llml_token_to_piece(v, (int32_t)k, LLML_DETOKENIZE_RENDER_SPECIAL, out, sizeof(out), &n);
    llml_vocab_free(v);
}

static int fuzz_gguf(const uint8_t *data, size_t size) {
    llml_gguf *g = NULL, *g2 = NULL;
    llml_error e1, e2;
    llml_result r1, r2;
    fuzz_gguf_mem m;
    r1 = llml_gguf_open_memory(data, size, NULL, &g, &e1);
    m.p = data; m.n = size;
    r2 = llml_gguf_open_callback(fuzz_gguf_read, &m, size, NULL, &g2, &e2);
    FUZZ_CHECK(r1 == r2);
    FUZZ_CHECK((r1 == LLML_OK) == (g != NULL));
    if (r1 != LLML_OK) {
        FUZZ_CHECK(e1.code == r1 && e1.message[0] != 0 && memchr(e1.message, 0, sizeof(e1.message)) != NULL);
        FUZZ_CHECK(e1.offset == UINT64_MAX || e1.offset <= (uint64_t)size);
        FUZZ_CHECK(r2 == r1 && e2.offset == e1.offset);
    }
    if (g2) {
        FUZZ_CHECK(g && llml_gguf_n_kv(g2) == llml_gguf_n_kv(g) && llml_gguf_n_tensors(g2) == llml_gguf_n_tensors(g));
        llml_gguf_close(g2);
    }
    if (g) {
        fuzz_gguf_walk(g, data, size);
        fuzz_gguf_rewrite(g);
        fuzz_gguf_vocab(g);
        llml_gguf_close(g);
    }
    return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_gguf(data, size); }
#endif
