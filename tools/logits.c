/* Build: make build/llmlite-logits   (or: cc -std=c99 -O2 -I. tools/logits.c -o llmlite-logits -lm -lpthread)
   Run:   build/llmlite-logits MODEL.gguf (--tokens 1,2,3 | --tokens-file FILE) --out FILE.f32 [--threads N] [--kv f32|f16|q8_0]
   Evaluates the tokens in one batch from an empty cache and writes n_tokens x n_vocab float32 logits. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage: llmlite-logits MODEL.gguf (--tokens 1,2,3 | --tokens-file FILE) --out FILE.f32\n"
            "                      [--threads N] [--kv f32|f16|q8_0]\n"
            "  Evaluates the tokens in one batch from an empty cache and writes their logits:\n"
            "  n_tokens rows of n_vocab float32 (little-endian), row i = logits after token i\n"
            "  (the layout of the reference files in ../shared/testdata).\n"
            "  --tokens LIST       token ids separated by commas (or spaces)\n"
            "  --tokens-file FILE  token ids separated by white space or commas\n"
            "  --out FILE          output file\n"
            "  --threads N         threads (default: the number of CPUs, at most 8)\n"
            "  --kv TYPE           KV cache type: f32 (default, as the reference files), f16, q8_0\n");
}

/* Parse ids separated by white space and/or commas into a malloc'd array. */
static int parse_ids(const char *s, int32_t **out, size_t *n) {
    size_t cap = 64, k = 0;
    int32_t *ids = (int32_t *)malloc(cap * sizeof(int32_t));
    if (!ids) return 0;
    for (;;) {
        char *end;
        long v;
        while (*s == ' ' || *s == ',' || *s == '\n' || *s == '\r' || *s == '\t' || *s == '@') s++;
        if (!*s) break;
        errno = 0;
        v = strtol(s, &end, 10);
        if (end == s || errno || v < 0 || v > 2147483647L) { free(ids); return 0; }
        if (k == cap) {
            int32_t *ni;
            cap *= 2;
            ni = (int32_t *)realloc(ids, cap * sizeof(int32_t));
            if (!ni) { free(ids); return 0; }
            ids = ni;
        }
        ids[k++] = (int32_t)v;
        s = end;
    }
    *out = ids;
    *n = k;
    return 1;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n + 4097 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = (char *)realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) { free(buf); fclose(f); return NULL; }
    fclose(f);
    buf[n] = 0;
    return buf;
}

static int parse_kv(const char *s, llml_kv_type *kv) {
    if (!strcmp(s, "f32") || !strcmp(s, "F32")) *kv = LLML_KV_F32;
    else if (!strcmp(s, "f16") || !strcmp(s, "F16")) *kv = LLML_KV_F16;
    else if (!strcmp(s, "q8_0") || !strcmp(s, "Q8_0")) *kv = LLML_KV_Q8_0;
    else return 0;
    return 1;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *tokens_arg = NULL, *tokens_file = NULL, *out_path = NULL;
    int n_threads = 0, i, rc = 1;
    llml_kv_type kv = LLML_KV_F32;
    int32_t *ids = NULL;
    size_t n_ids = 0, t;
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_model_info info;
    llml_ctx_desc cd;
    llml_error err;
    llml_result r;
    FILE *f = NULL;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        if (a[0] == '-' && a[1] == '-' && i + 1 >= argc) {
            fprintf(stderr, "llmlite-logits: %s needs a value\n", a);
            return 1;
        }
        if (!strcmp(a, "--tokens")) tokens_arg = argv[++i];
        else if (!strcmp(a, "--tokens-file")) tokens_file = argv[++i];
        else if (!strcmp(a, "--out")) out_path = argv[++i];
        else if (!strcmp(a, "--threads") || !strcmp(a, "-t")) {
            char *end;
            n_threads = (int)strtol(argv[++i], &end, 10);
            if (*end || n_threads < 0) { fprintf(stderr, "llmlite-logits: bad --threads %s\n", argv[i]); return 1; }
        } else if (!strcmp(a, "--kv")) {
            if (!parse_kv(argv[++i], &kv)) { fprintf(stderr, "llmlite-logits: --kv takes f32, f16 or q8_0\n"); return 1; }
        } else if (a[0] != '-' && !model_path) model_path = a;
        else { fprintf(stderr, "llmlite-logits: unknown argument %s\n", a); usage(stderr); return 1; }
    }
    if (!model_path || !out_path || (!tokens_arg == !tokens_file)) { usage(stderr); return 1; }

    if (tokens_file) {
        char *text = read_text(tokens_file);
        if (!text) { fprintf(stderr, "llmlite-logits: cannot read %s\n", tokens_file); return 1; }
        if (!parse_ids(text, &ids, &n_ids)) {
            fprintf(stderr, "llmlite-logits: %s: expected token ids separated by spaces or commas\n", tokens_file);
            free(text);
            return 1;
        }
        free(text);
    } else if (!parse_ids(tokens_arg, &ids, &n_ids)) {
        fprintf(stderr, "llmlite-logits: --tokens: expected ids like 1,2,3\n");
        return 1;
    }
    if (n_ids == 0 || n_ids > 1000000) { fprintf(stderr, "llmlite-logits: no tokens (or too many)\n"); free(ids); return 1; }

    memset(&err, 0, sizeof(err));
    if (llml_model_load_file(model_path, NULL, &m, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-logits: %s: %s\n", model_path, err.message);
        free(ids);
        return 1;
    }
    memset(&info, 0, sizeof(info));
    if (llml_model_get_info(m, &info) != LLML_OK) { fprintf(stderr, "llmlite-logits: cannot read the model's info\n"); goto out; }
    for (t = 0; t < n_ids; t++)
        if (ids[t] >= info.n_vocab) {
            fprintf(stderr, "llmlite-logits: token %d at position %d is out of range (n_vocab %d)\n",
                    (int)ids[t], (int)t, (int)info.n_vocab);
            goto out;
        }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = (int32_t)n_ids;
    cd.n_batch = (int32_t)n_ids;
    cd.n_threads = n_threads;
    cd.kv_type = kv;
    if (llml_ctx_create(m, &cd, &c, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-logits: cannot create a context: %s\n", err.message);
        goto out;
    }
    r = llml_decode(c, ids, (int32_t)n_ids, LLML_DECODE_ALL_LOGITS);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-logits: decode failed: %s: %s\n", llml_result_string(r), llml_ctx_last_error(c));
        goto out;
    }
    f = fopen(out_path, "wb");
    if (!f) { fprintf(stderr, "llmlite-logits: cannot write %s: %s\n", out_path, strerror(errno)); goto out; }
    for (t = 0; t < n_ids; t++) {
        const float *row = llml_get_logits(c, (int32_t)t);
        if (!row) { fprintf(stderr, "llmlite-logits: no logits for position %d\n", (int)t); goto out; }
        /* float32 little-endian, as the reference files */
        {
            unsigned char buf[4096];
            int32_t j = 0;
            while (j < info.n_vocab) {
                size_t k = 0;
                for (; j < info.n_vocab && k + 4 <= sizeof(buf); j++, k += 4) {
                    uint32_t u;
                    memcpy(&u, &row[j], 4);
                    buf[k] = (unsigned char)u;
                    buf[k + 1] = (unsigned char)(u >> 8);
                    buf[k + 2] = (unsigned char)(u >> 16);
                    buf[k + 3] = (unsigned char)(u >> 24);
                }
                if (fwrite(buf, 1, k, f) != k) { fprintf(stderr, "llmlite-logits: write error on %s\n", out_path); goto out; }
            }
        }
    }
    if (fclose(f) != 0) { f = NULL; fprintf(stderr, "llmlite-logits: write error on %s\n", out_path); goto out; }
    f = NULL;
    fprintf(stderr, "llmlite-logits: %d tokens x %d logits -> %s\n", (int)n_ids, (int)info.n_vocab, out_path);
    rc = 0;
out:
    if (f) fclose(f);
    llml_ctx_free(c);
    llml_model_free(m);
    free(ids);
    return rc;
}
