/* tests/fuzz/fuzz_sample.c - the sampler chain on arbitrary logits.
   Input: n_vocab (1..1024), every field of llml_sampler_desc as raw bits
   (NaN, infinities and negative values included: create must reject what
   the API says it rejects and accept the rest), up to 8 logit biases, up to
   16 accepted tokens, then the logits as raw floats (zeros past the end).
   Properties: sampled ids are in range and among the candidates, the
   candidates' probabilities are finite, sorted and sum to 1, greedy
   sampling does not touch the generator, reset repeats the draws.
   Build: make build-fuzz/fuzz_sample   Run: make fuzz FUZZ_TARGETS=sample */
#include "fuzz.h"
#include <math.h>

static int fuzz_sample(const uint8_t *data, size_t size) {
    fuzz_in in;
    llml_sampler_desc d;
    llml_logit_bias bias[8];
    llml_sampler *s = NULL;
    int32_t n_vocab, i, n_acc, nc = 0, t1, t2, *ids;
    float *logits, *probs;
    llml_result r;
    int bad;
    in.p = data; in.n = size;
    n_vocab = 1 + (int32_t)((fuzz_u8(&in) | ((uint32_t)fuzz_u8(&in) << 8)) % 1024);
    memset(&d, 0, sizeof(d));
    d.temperature = fuzz_f32(&in);
    d.top_k = (int32_t)fuzz_u32(&in);
    d.top_p = fuzz_f32(&in);
    d.min_p = fuzz_f32(&in);
    d.typical_p = fuzz_f32(&in);
    d.min_keep = (int32_t)fuzz_u32(&in) % 2048;
    d.penalty_last_n = (int32_t)(fuzz_u32(&in) % 4096) - 8;
    d.repeat_penalty = fuzz_f32(&in);
    d.frequency_penalty = fuzz_f32(&in);
    d.presence_penalty = fuzz_f32(&in);
    d.n_logit_bias = fuzz_u8(&in) % 9;
    for (i = 0; i < d.n_logit_bias; i++) {
        bias[i].token = (int32_t)(fuzz_u32(&in) % (uint32_t)(n_vocab + 1));
        bias[i].bias = fuzz_f32(&in);
    }
    d.logit_bias = bias;
    d.seed = fuzz_u32(&in);
    /* what create must reject */
    bad = d.min_keep < 0 || d.penalty_last_n < 0 || d.repeat_penalty < 0 || isinf(d.repeat_penalty) ||
          isnan(d.repeat_penalty) || isinf(d.frequency_penalty) || isnan(d.frequency_penalty) ||
          isinf(d.presence_penalty) || isnan(d.presence_penalty) || isnan(d.temperature) || isnan(d.top_p) ||
          isnan(d.min_p) || isnan(d.typical_p);
    for (i = 0; i < d.n_logit_bias; i++) bad |= bias[i].token >= n_vocab || isnan(bias[i].bias);
    r = llml_sampler_create(&d, n_vocab, NULL, &s);
    FUZZ_CHECK(r == (bad ? LLML_ERR_INVALID_ARG : LLML_OK));
    FUZZ_CHECK((s != NULL) == (r == LLML_OK));
    if (!s) return 0;
    n_acc = fuzz_u8(&in) % 17;
    for (i = 0; i < n_acc; i++) {
        int32_t t = (int32_t)(fuzz_u32(&in) % (uint32_t)(n_vocab + 1));
        FUZZ_CHECK(llml_sampler_accept(s, t) == (t < n_vocab ? LLML_OK : LLML_ERR_INVALID_ARG));
    }
    logits = (float *)malloc((size_t)n_vocab * sizeof(float));
    probs = (float *)malloc((size_t)n_vocab * sizeof(float));
    ids = (int32_t *)malloc((size_t)n_vocab * sizeof(int32_t));
    if (logits && probs && ids) {
        double sum = 0.0;
        for (i = 0; i < n_vocab; i++) logits[i] = fuzz_f32(&in);
        FUZZ_CHECK(llml_sampler_candidates(s, logits, ids, probs, n_vocab, &nc) == LLML_OK);
        FUZZ_CHECK(nc >= 1 && nc <= n_vocab);
        for (i = 0; i < nc; i++) {
            FUZZ_CHECK(ids[i] >= 0 && ids[i] < n_vocab);
            FUZZ_CHECK(probs[i] >= 0.0f && probs[i] <= 1.0f);
            if (i > 0) FUZZ_CHECK(probs[i] <= probs[i - 1]);
            sum += probs[i];
        }
        FUZZ_CHECK(fabs(sum - 1.0) < 1e-3);
        t1 = llml_sampler_sample(s, logits);
        FUZZ_CHECK(t1 >= 0 && t1 < n_vocab);
        for (i = 0; i < nc; i++) if (ids[i] == t1) break;
        FUZZ_CHECK(i < nc);
        if (!(d.temperature > 0.0f)) FUZZ_CHECK(nc == 1 && t1 == ids[0]);
        /* the same draw after a reset (penalties then see no tokens: same
           state as a fresh sampler with nothing accepted) */
        llml_sampler_reset(s);
        t1 = llml_sampler_sample(s, logits);
        llml_sampler_reset(s);
        t2 = llml_sampler_sample(s, logits);
        FUZZ_CHECK(t1 == t2);
        FUZZ_CHECK(llml_sampler_accept(s, t1) == LLML_OK);
    }
    free(logits); free(probs); free(ids);
    llml_sampler_free(s);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_sample(data, size); }
#endif
