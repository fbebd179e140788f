/* tests/fuzz/fuzz_vocab.c - tokenizers on arbitrary bytes.
   Input: byte 0 picks one of the reference vocabularies (SPM, byte-level BPE
   with each pre-tokenizer, WordPiece; loaded once from the test data),
   byte 1 holds the flags, the rest is the text. The text is tokenized (the
   count asked first with cap 0, then filled), the ids are decoded back, each
   id's piece is taken, and the text's bytes read as ids are decoded too.
   Build: make build-fuzz/fuzz_vocab   Run: make fuzz FUZZ_TARGETS=vocab */
#include "fuzz.h"

static const char *const fuzz_vocab_names[] = {
    "llama-spm", "phi-3", "baichuan", "llama3", "qwen3", "gpt-2", "deepseek-coder",
    "deepseek-llm", "falcon", "starcoder", "bert-bge"
};
#define FUZZ_N_VOCAB ((int)(sizeof(fuzz_vocab_names) / sizeof(fuzz_vocab_names[0])))

/* The vocabularies, loaded on first use and kept for the process's life. */
static llml_vocab *fuzz_vocab_get(int i) {
    static llml_vocab *vocabs[FUZZ_N_VOCAB];
    static int tried[FUZZ_N_VOCAB];
    if (!tried[i]) {
        char path[512];
        llml_gguf_desc d;
        llml_gguf *g = NULL;
        tried[i] = 1;
        memset(&d, 0, sizeof(d));
        d.header_only = 1;
        snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-%s.gguf", fuzz_testdata(), fuzz_vocab_names[i]);
        if (llml_gguf_open_file(path, &d, &g, NULL) == LLML_OK) {
            if (llml_vocab_load(g, NULL, &vocabs[i], NULL) != LLML_OK) vocabs[i] = NULL;
            llml_gguf_close(g);
        }
        if (!vocabs[i]) fprintf(stderr, "fuzz_vocab: cannot load %s\n", path);
    }
    return vocabs[i];
}

static int fuzz_vocab(const uint8_t *data, size_t size) {
    const llml_vocab *v;
    uint32_t tflags, dflags;
    const char *text;
    size_t len, n = 0, n2 = 0, k, nd = 0;
    int32_t *ids, nv, *raw;
    char *out, piece[256];
    llml_result r;
    if (size < 2) return 0;
    v = fuzz_vocab_get(data[0] % FUZZ_N_VOCAB);
    if (!v) return 0;
    nv = llml_vocab_n_tokens(v);
    tflags = data[1] & 3u;
    dflags = (data[1] >> 2) & 7u;
    text = (const char *)data + 2;
    len = size - 2;

    r = llml_tokenize(v, text, len, tflags, NULL, 0, &n);
    FUZZ_CHECK(r == LLML_OK || r == LLML_ERR_BUFFER_TOO_SMALL);
    FUZZ_CHECK((r == LLML_OK) == (n == 0));
    ids = (int32_t *)malloc((n + 1) * sizeof(int32_t));
    if (!ids) return 0;
    FUZZ_CHECK(llml_tokenize(v, text, len, tflags, ids, n, &n2) == LLML_OK && n2 == n);
    for (k = 0; k < n; k++) FUZZ_CHECK(ids[k] >= 0 && ids[k] < nv);
    if (n > 1) {  /* one slot short: the first n-1 ids are the same */
        int32_t last = ids[n - 1];
        FUZZ_CHECK(llml_tokenize(v, text, len, tflags, ids, n - 1, &n2) == LLML_ERR_BUFFER_TOO_SMALL && n2 == n);
        FUZZ_CHECK(ids[n - 1] == last);
    }

    r = llml_detokenize(v, ids, n, dflags, NULL, 0, &nd);
    FUZZ_CHECK(r == LLML_OK || r == LLML_ERR_BUFFER_TOO_SMALL);
    out = (char *)malloc(nd + 1);
    if (out) {
        size_t nd2 = 0;
        FUZZ_CHECK(llml_detokenize(v, ids, n, dflags, out, nd + 1, &nd2) == LLML_OK && nd2 == nd && out[nd] == 0);
        if (nd > 0) FUZZ_CHECK(llml_detokenize(v, ids, n, dflags, out, nd - 1, &nd2) == LLML_ERR_BUFFER_TOO_SMALL && nd2 == nd);
        free(out);
    }
    for (k = 0; k < n && k < 64; k++) {
        size_t pn = 0;
        r = llml_token_to_piece(v, ids[k], dflags & LLML_DETOKENIZE_RENDER_SPECIAL, piece, sizeof(piece), &pn);
        FUZZ_CHECK(r == LLML_OK || (r == LLML_ERR_BUFFER_TOO_SMALL && pn > sizeof(piece)));
    }
    free(ids);

    /* the text's bytes as ids (about one in 64 out of range) */
    raw = (int32_t *)calloc(len / 2 + 1, sizeof(int32_t));
    if (raw) {
        size_t nr = len / 2, bad = 0;
        for (k = 0; k < nr; k++) {
            uint32_t u = (uint32_t)(uint8_t)text[2 * k] | ((uint32_t)(uint8_t)text[2 * k + 1] << 8);
            raw[k] = (u & 0x3f) == 0x3f ? (int32_t)(u * 2654435761u) : (int32_t)(u * 7u % (uint32_t)nv);
            if (raw[k] < 0 || raw[k] >= nv) bad = 1;
        }
        r = llml_detokenize(v, raw, nr, dflags, NULL, 0, &nd);
        if (bad) FUZZ_CHECK(r == LLML_ERR_INVALID_ARG);
        else FUZZ_CHECK(r == LLML_OK || r == LLML_ERR_BUFFER_TOO_SMALL);
        if (!bad && nd < (1u << 20)) {
            out = (char *)malloc(nd + 1);
            if (out) {
                FUZZ_CHECK(llml_detokenize(v, raw, nr, dflags, out, nd + 1, &nd) == LLML_OK);
                free(out);
            }
        }
        free(raw);
    }
    return 0;
}

#ifndef FUZZ_NO_MAIN
/* Load every vocabulary before the first input, so that loading (seconds
   under the sanitizers) is not charged to an input's time limit. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    int i;
    (void)argc; (void)argv;
    for (i = 0; i < FUZZ_N_VOCAB; i++) (void)fuzz_vocab_get(i);
    return 0;
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_vocab(data, size); }
#endif
