/* llmlite-tokenize: print the token ids of text under a GGUF file's tokenizer.
   Usage: llmlite-tokenize VOCAB.gguf (--cases FILE.inp | --text STRING) [--add-special] [--parse-special] [--pieces]
   --cases reads test strings separated by "\n__ggml_vocab_test__\n" and prints one line per case, each id preceded by a space. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SEP = "\n__ggml_vocab_test__\n";

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n + 4096 + 1 > cap) {
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
    *len = n;
    return buf;
}

/* tokenize one string and print " id id ..." (and the pieces with --pieces) */
static int print_case(const llml_vocab *v, const char *text, size_t len, uint32_t flags, int pieces) {
    size_t n = 0, i;
    int32_t *ids;
    llml_result r = llml_tokenize(v, text, len, flags, NULL, 0, &n);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) {
        fprintf(stderr, "llmlite-tokenize: tokenize failed: %s\n", llml_result_string(r));
        return 1;
    }
    ids = (int32_t *)malloc(sizeof(int32_t) * (n ? n : 1));
    if (!ids) { fprintf(stderr, "llmlite-tokenize: out of memory\n"); return 1; }
    r = llml_tokenize(v, text, len, flags, ids, n, &n);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-tokenize: tokenize failed: %s\n", llml_result_string(r));
        free(ids);
        return 1;
    }
    for (i = 0; i < n; i++) printf(" %d", (int)ids[i]);
    printf("\n");
    if (pieces) {
        for (i = 0; i < n; i++) {
            char buf[512];
            size_t pn = 0;
            llml_token_to_piece(v, ids[i], LLML_DETOKENIZE_RENDER_SPECIAL, buf, sizeof(buf), &pn);
            if (pn >= sizeof(buf)) pn = sizeof(buf) - 1;
            buf[pn] = 0;
            printf("  %8d '%s'\n", (int)ids[i], buf);
        }
    }
    free(ids);
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: llmlite-tokenize VOCAB.gguf (--cases FILE.inp | --text STRING)\n"
            "                        [--add-special] [--parse-special] [--pieces]\n"
            "  --cases FILE     test strings separated by \"\\n__ggml_vocab_test__\\n\";\n"
            "                   prints one line per string: each id preceded by a space\n"
            "  --text STRING    tokenize one string\n"
            "  --add-special    add BOS/EOS as the model's metadata says (default: none)\n"
            "  --parse-special  special-token text becomes special tokens (default: plain text)\n"
            "  --pieces         also print each token's text\n");
}

int main(int argc, char **argv) {
    const char *vocab_path = NULL, *cases = NULL, *text = NULL;
    uint32_t flags = 0;
    int pieces = 0, i, rc = 0;
    llml_gguf_desc desc;
    llml_gguf *g = NULL;
    llml_vocab *v = NULL;
    llml_error err;
    llml_result r;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) cases = argv[++i];
        else if (strcmp(argv[i], "--text") == 0 && i + 1 < argc) text = argv[++i];
        else if (strcmp(argv[i], "--add-special") == 0) flags |= LLML_TOKENIZE_ADD_SPECIAL;
        else if (strcmp(argv[i], "--parse-special") == 0) flags |= LLML_TOKENIZE_PARSE_SPECIAL;
        else if (strcmp(argv[i], "--pieces") == 0) pieces = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { usage(); return 0; }
        else if (argv[i][0] != '-' && !vocab_path) vocab_path = argv[i];
        else { fprintf(stderr, "llmlite-tokenize: unknown or incomplete option '%s'\n", argv[i]); usage(); return 1; }
    }
    if (!vocab_path || (!cases && !text) || (cases && text)) { usage(); return 1; }

    memset(&desc, 0, sizeof(desc));
    desc.header_only = 1;
    r = llml_gguf_open_file(vocab_path, &desc, &g, &err);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-tokenize: %s: %s\n", vocab_path, err.message);
        return 1;
    }
    r = llml_vocab_load(g, NULL, &v, &err);
    llml_gguf_close(g);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-tokenize: %s: %s\n", vocab_path, err.message);
        return 1;
    }

    if (text) {
        rc = print_case(v, text, strlen(text), flags, pieces);
    } else {
        size_t len = 0, sl = strlen(SEP);
        char *all = read_all(cases, &len), *p, *end;
        if (!all) {
            fprintf(stderr, "llmlite-tokenize: cannot read %s\n", cases);
            llml_vocab_free(v);
            return 1;
        }
        p = all;
        end = all + len;
        while (p < end && rc == 0) {
            char *q = p;
            /* find the next separator (the text may contain NUL bytes) */
            while (q + sl <= end && memcmp(q, SEP, sl) != 0) q++;
            if (q + sl > end) q = end;
            rc = print_case(v, p, (size_t)(q - p), flags, pieces);
            p = q == end ? end : q + sl;
        }
        free(all);
    }
    llml_vocab_free(v);
    return rc;
}
