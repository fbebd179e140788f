/* tests/fuzz/fuzz_model.c - model loading from a buffer.
   The input is a GGUF model file. When it loads, a context with a tiny
   cache is made and two tokens are decoded, the second with every logit
   kept; the logits are sampled greedily; the tokenizer (if any) runs on a
   short text. The KV cache type follows the input size (F16, F32, Q8_0).
   Build: make build-fuzz/fuzz_model   Run: make fuzz FUZZ_TARGETS=model */
#include "fuzz.h"

static int fuzz_model(const uint8_t *data, size_t size) {
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_model_info info;
    llml_ctx_desc cd;
    llml_error err;
    llml_result r;
    /* the model must be 4-byte aligned in memory: copy into malloc'd storage */
    uint8_t *buf = (uint8_t *)malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    r = llml_model_load_memory(buf, size, NULL, &m, &err);
    FUZZ_CHECK((r == LLML_OK) == (m != NULL));
    if (r != LLML_OK) FUZZ_CHECK(err.code == r && err.message[0] != 0);
    if (!m) { free(buf); return 0; }
    FUZZ_CHECK(llml_model_get_info(m, &info) == LLML_OK);
    FUZZ_CHECK(info.n_vocab > 0 && info.n_layer > 0 && info.n_embd > 0);
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = 4;
    cd.n_batch = 2;
    cd.n_threads = 1;
    cd.kv_type = (llml_kv_type)(1 + size % 3);
    r = llml_ctx_create(m, &cd, &c, &err);
    if (r == LLML_OK) {
        int32_t toks[3];
        const float *lg;
        toks[0] = 0;
        toks[1] = info.n_vocab - 1;
        toks[2] = info.n_vocab / 2;
        FUZZ_CHECK(llml_decode(c, toks, 1, 0) == LLML_OK);
        FUZZ_CHECK(llml_decode(c, toks + 1, 2, LLML_DECODE_ALL_LOGITS) == LLML_OK);
        FUZZ_CHECK(llml_ctx_n_past(c) == 3);
        lg = llml_get_logits(c, -1);
        FUZZ_CHECK(lg != NULL && llml_get_logits(c, 0) != NULL);
        if (lg) {
            llml_sampler *s = NULL;
            if (llml_sampler_create(NULL, info.n_vocab, NULL, &s) == LLML_OK) {
                int32_t t = llml_sampler_sample(s, lg);
                FUZZ_CHECK(t >= 0 && t < info.n_vocab);
                llml_sampler_free(s);
            }
        }
        /* shift the cache by one and decode one more: the fourth slot */
        FUZZ_CHECK(llml_ctx_shift(c, 1, 1) == LLML_OK && llml_ctx_n_past(c) == 2);
        FUZZ_CHECK(llml_decode(c, toks + 2, 1, 0) == LLML_OK);
        FUZZ_CHECK(llml_decode(c, toks, 3, 0) == LLML_ERR_CONTEXT_FULL);
        llml_ctx_free(c);
    } else {
        FUZZ_CHECK(c == NULL && r == LLML_ERR_OUT_OF_MEMORY);
    }
    if (llml_model_vocab(m)) {
        static const char text[] = "Once upon a time \xe2\x96\x81<s>\xff";
        int32_t ids[64];
        size_t n = 0, k;
        if (llml_tokenize(llml_model_vocab(m), text, sizeof(text) - 1, LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL,
                          ids, 64, &n) == LLML_OK)
            for (k = 0; k < n; k++) FUZZ_CHECK(ids[k] >= 0 && ids[k] < info.n_vocab);
    }
    llml_model_free(m);
    free(buf);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_model(data, size); }
#endif
