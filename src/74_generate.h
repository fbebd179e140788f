
/* ------------------------------------------------------------------------ */
/* >>generate  llml_generate: prompt, cache reuse, sampling loop, stops      */
/* ------------------------------------------------------------------------ */
/* Built on the public low-level calls only (tokenize, decode, logits,
   sampler, pieces, chat formats), plus what the context section offers
   inside the library: its allocator, its last-error text, and the cancel
   request (polled before each token and consumed there; the decodes
   consume it when they abort; a request made before the call cancels it,
   as llml_ctx_cancel says).
   Steps: prompt text (or the conversation in the model's chat format) ->
   tokens -> keep the longest prefix the cache already holds (at least one
   token is always decoded again, so that there are logits to sample from)
   -> decode the rest -> loop { sample; end-of-generation token: stop (it is
   neither shown nor decoded); cache full: shift or stop; emit the piece;
   decode it }. Every emitted token is decoded, so afterwards the cache holds
   prompt + generated tokens and a follow-up call reuses all of them.
   Stop strings: the text not yet passed to the callback is kept in `pend`.
   After each piece, the earliest complete stop string in pend ends the
   generation (the text before it is emitted, the rest dropped); otherwise
   the longest tail of pend that could still grow into a stop string is held
   back and the text before it emitted. Held-back text that never became a
   stop string is flushed at the end by one call with token -1. */

#if defined(_WIN32)
/* windows.h: included by the implementation's start */
#elif defined(__unix__) || defined(__unix) || defined(__APPLE__)
#define LLML__GEN_POSIX 1
#include <sys/time.h>
#endif
#include <time.h>

/* Wall-clock milliseconds (only differences are used). */
static double llml__gen_now_ms(void) {
#if defined(_WIN32)
    LARGE_INTEGER f, t;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1000.0 / (double)f.QuadPart;
#elif defined(LLML__GEN_POSIX)
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
#else
    return (double)clock() * 1000.0 / (double)CLOCKS_PER_SEC;
#endif
}

typedef struct llml__gen {
    llml_ctx *c;
    const llml_allocator *a;
    const llml_vocab *v;
    const llml_generate_desc *d;
    char *pend;                /* text not yet given to the callback        */
    size_t pend_len, pend_cap;
    char *piece;               /* the current token's bytes                 */
    size_t piece_cap;
} llml__gen;

/* Make *buf hold at least `need` bytes (contents kept). 0 on failure. */
static int llml__gen_reserve(const llml_allocator *a, char **buf, size_t *cap, size_t keep, size_t need) {
    char *nb;
    size_t nc;
    if (need <= *cap) return 1;
    nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > ((size_t)-1) / 2) return 0;
        nc *= 2;
    }
    nb = (char *)llml__alloc(a, nc, 16);
    if (!nb) return 0;
    if (keep) memcpy(nb, *buf, keep);
    llml__free(a, *buf, *cap);
    *buf = nb;
    *cap = nc;
    return 1;
}

/* The prompt text: desc->prompt as is, or the conversation in its chat
   format with the assistant prefix. *owned is set when the text was
   allocated (size *owned_cap). */
static llml_result llml__gen_prompt_text(llml__gen *g, const char **text, size_t *len,
                                         char **owned, size_t *owned_cap) {
    const llml_generate_desc *d = g->d;
    llml_chat_style style = d->style;
    llml_result r;
    size_t need = 0;
    *owned = NULL;
    *owned_cap = 0;
    if (d->prompt) {
        *text = d->prompt;
        *len = strlen(d->prompt);
        return LLML_OK;
    }
    if (style == LLML_CHAT_UNKNOWN) {
        llml_model_info info;
        llml_error e;
        r = llml_model_get_info(llml_ctx_model(g->c), &info);
        if (r != LLML_OK) return r;
        if (!info.chat_template) {
            llml__ctx_error(g->c, "llml_generate: the model has no chat template "
                                   "(tokenizer.chat_template); set desc->style or pass a prompt");
            return LLML_ERR_NOT_FOUND;
        }
        memset(&e, 0, sizeof(e));
        r = llml_chat_detect(info.chat_template, &style, &e);
        if (r != LLML_OK) {
            llml__ctx_error(g->c, "llml_generate: %s", e.message[0] ? e.message
                                   : "the model's chat template is not supported; set desc->style");
            return r;
        }
    }
    r = llml_chat_format(style, d->messages, d->n_messages, 1, NULL, 0, &need);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) {
        llml__ctx_error(g->c, "llml_generate: cannot format the messages as %s",
                         llml_chat_style_name(style));
        return r;
    }
    if (need == (size_t)-1) return LLML_ERR_OUT_OF_MEMORY;
    *owned_cap = need + 1;
    *owned = (char *)llml__alloc(g->a, *owned_cap, 16);
    if (!*owned) { *owned_cap = 0; return LLML_ERR_OUT_OF_MEMORY; }
    r = llml_chat_format(style, d->messages, d->n_messages, 1, *owned, *owned_cap, &need);
    if (r != LLML_OK) return r;
    *text = *owned;
    *len = need;
    return LLML_OK;
}

/* Tokenize into an array allocated here (size *cap ids). */
static llml_result llml__gen_tokenize(llml__gen *g, const char *text, size_t len, uint32_t flags,
                                      int32_t **toks, size_t *n, size_t *cap) {
    llml_result r;
    *toks = NULL;
    *cap = 0;
    r = llml_tokenize(g->v, text, len, flags, NULL, 0, n);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return r;
    if (*n > (size_t)INT32_MAX || *n > ((size_t)-1) / sizeof(int32_t) - 1) return LLML_ERR_OUT_OF_MEMORY;
    *cap = *n ? *n : 1;
    *toks = (int32_t *)llml__alloc(g->a, *cap * sizeof(int32_t), 16);
    if (!*toks) { *cap = 0; return LLML_ERR_OUT_OF_MEMORY; }
    return llml_tokenize(g->v, text, len, flags, *toks, *cap, n);
}

/* The bytes of token t into g->piece; length in *len. */
static llml_result llml__gen_piece(llml__gen *g, int32_t t, size_t *len) {
    llml_result r;
    size_t n = 0;
    if (!g->piece && !llml__gen_reserve(g->a, &g->piece, &g->piece_cap, 0, 64)) return LLML_ERR_OUT_OF_MEMORY;
    r = llml_token_to_piece(g->v, t, 0, g->piece, g->piece_cap, &n);
    if (r == LLML_ERR_BUFFER_TOO_SMALL) {
        if (n > ((size_t)-1) - 1 || !llml__gen_reserve(g->a, &g->piece, &g->piece_cap, 0, n + 1))
            return LLML_ERR_OUT_OF_MEMORY;
        r = llml_token_to_piece(g->v, t, 0, g->piece, g->piece_cap, &n);
    }
    if (r != LLML_OK) return r;
    *len = n;
    return LLML_OK;
}

/* 1 when s[0..n) == stop[0..n) for a stop string longer than n. */
static int llml__gen_stop_prefix(const llml_generate_desc *d, const char *s, size_t n) {
    int32_t i;
    for (i = 0; i < d->n_stop; i++) {
        size_t sl = strlen(d->stop[i]);
        if (sl > n && memcmp(d->stop[i], s, n) == 0) return 1;
    }
    return 0;
}

/* Call the callback with pend[0..n) (NUL-terminated for the call). */
static int llml__gen_call(llml__gen *g, int32_t token, size_t n) {
    char saved;
    int stop;
    if (!g->d->on_token) return 0;
    saved = g->pend[n];
    g->pend[n] = 0;
    stop = g->d->on_token(g->d->user, token, g->pend, n);
    g->pend[n] = saved;
    return stop != 0;
}

/* Add token t's piece to the pending text and pass on what is safe.
   *found_stop: a stop string completed; return: callback asked to stop. */
static llml_result llml__gen_emit(llml__gen *g, int32_t t, int *found_stop, int *cb_stop) {
    const llml_generate_desc *d = g->d;
    llml_result r;
    size_t plen = 0, out, i;
    *found_stop = 0;
    *cb_stop = 0;
    r = llml__gen_piece(g, t, &plen);
    if (r != LLML_OK) return r;
    if (plen > ((size_t)-1) - g->pend_len - 1 ||
        !llml__gen_reserve(g->a, &g->pend, &g->pend_cap, g->pend_len, g->pend_len + plen + 1))
        return LLML_ERR_OUT_OF_MEMORY;
    memcpy(g->pend + g->pend_len, g->piece, plen);
    g->pend_len += plen;
    g->pend[g->pend_len] = 0;
    out = g->pend_len;
    if (d->n_stop > 0) {
        /* earliest complete stop string (earliest start, any of them) */
        size_t best = g->pend_len;
        int32_t k;
        for (k = 0; k < d->n_stop; k++) {
            size_t sl = strlen(d->stop[k]);
            if (sl == 0 || sl > g->pend_len) continue;
            for (i = 0; i + sl <= g->pend_len && i < best; i++)
                if (memcmp(g->pend + i, d->stop[k], sl) == 0) { best = i; break; }
        }
        if (best < g->pend_len) {
            *found_stop = 1;
            out = best;
        } else {
            /* hold back the longest tail that a stop string starts with */
            for (i = 0; i < g->pend_len; i++)
                if (llml__gen_stop_prefix(d, g->pend + i, g->pend_len - i)) break;
            out = i;
        }
    }
    *cb_stop = llml__gen_call(g, t, out);
    if (*found_stop) {
        g->pend_len = 0;
    } else {
        memmove(g->pend, g->pend + out, g->pend_len - out);
        g->pend_len -= out;
    }
    return LLML_OK;
}

/* Make room for one more token: shift as desc->n_keep says. 1 = done,
   0 = cannot (stop with reason 5). */
static int llml__gen_make_room(llml__gen *g) {
    llml_ctx *c = g->c;
    int32_t n_past = llml_ctx_n_past(c), keep = g->d->n_keep, n_discard;
    if (n_past < llml_ctx_n_ctx(c)) return 1;
    if (keep < 0) return 0;
    if (keep == 0) {
        int32_t bos = llml_vocab_special(g->v, LLML_TOKEN_BOS);
        const int32_t *ct = llml_ctx_tokens(c);
        keep = (bos >= 0 && n_past > 0 && ct && ct[0] == bos) ? 1 : 0;
    }
    if (keep > n_past) keep = n_past;
    n_discard = (n_past - keep) / 2;
    if (n_discard < 1) return 0;
    return llml_ctx_shift(c, keep, n_discard) == LLML_OK;
}

LLML_API llml_result llml_generate(llml_ctx *c, const llml_generate_desc *desc,
                                   llml_generate_result *res) {
    llml_generate_result dummy;
    llml__gen g;
    llml_model_info info;
    llml_sampler *smp = NULL;
    const char *text = NULL;
    char *owned = NULL;
    size_t owned_cap = 0, text_len = 0, n_prompt = 0, tok_cap = 0;
    int32_t *toks = NULL, i, n_ctx, n_past, cp;
    const int32_t *cached;
    llml_result r = LLML_OK;
    double t_start, t_gen = -1.0;
    int reason = -1;

    if (!res) res = &dummy;
    memset(res, 0, sizeof(*res));
    res->stop_reason = -1;
    if (!c) return LLML_ERR_INVALID_ARG;
    if (!desc || (!desc->prompt && (!desc->messages || desc->n_messages == 0) && !desc->prompt_tokens) ||
        desc->n_prompt_tokens < 0 || (desc->prompt_tokens && desc->n_prompt_tokens == 0) ||
        desc->max_tokens < 0 || desc->n_stop < 0 || (desc->n_stop > 0 && !desc->stop) ||
        desc->n_keep < -1 || (int)desc->style < 0 || desc->style >= LLML_CHAT_STYLE_COUNT) {
        llml__ctx_error(c, "llml_generate: bad desc (no prompt, messages or prompt_tokens, negative max_tokens, "
                            "n_stop or n_keep, stop NULL, or unknown style)");
        return LLML_ERR_INVALID_ARG;
    }
    for (i = 0; i < desc->n_stop; i++)
        if (!desc->stop[i]) {
            llml__ctx_error(c, "llml_generate: stop[%d] is NULL", (int)i);
            return LLML_ERR_INVALID_ARG;
        }
    t_start = llml__gen_now_ms();

    memset(&g, 0, sizeof(g));
    g.c = c;
    g.a = &c->alloc;
    g.v = llml_model_vocab(llml_ctx_model(c));
    g.d = desc;
    r = llml_model_get_info(llml_ctx_model(c), &info);
    if (r != LLML_OK) goto done;

    /* ---- prompt -> tokens -> reuse the cached prefix -> decode the rest */
    if (desc->prompt_tokens) {
        /* given as ids: checked and copied (the loop below needs its own array) */
        for (i = 0; i < desc->n_prompt_tokens; i++)
            if (desc->prompt_tokens[i] < 0 || desc->prompt_tokens[i] >= info.n_vocab) {
                llml__ctx_error(c, "llml_generate: prompt_tokens[%d] = %d is not a token id (vocabulary of %d)",
                                (int)i, (int)desc->prompt_tokens[i], (int)info.n_vocab);
                r = LLML_ERR_INVALID_ARG;
                goto done;
            }
        n_prompt = (size_t)desc->n_prompt_tokens;
        tok_cap = n_prompt;
        toks = (int32_t *)llml__alloc(g.a, tok_cap * sizeof(int32_t), 16);
        if (!toks) { tok_cap = 0; r = LLML_ERR_OUT_OF_MEMORY; goto done; }
        memcpy(toks, desc->prompt_tokens, n_prompt * sizeof(int32_t));
    } else {
        r = llml__gen_prompt_text(&g, &text, &text_len, &owned, &owned_cap);
        if (r != LLML_OK) goto done;
        r = llml__gen_tokenize(&g, text, text_len,
                               desc->no_special ? 0u : (LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL),
                               &toks, &n_prompt, &tok_cap);
        if (r != LLML_OK) goto done;
    }
    n_ctx = llml_ctx_n_ctx(c);
    res->n_prompt = (int32_t)n_prompt;
    if (n_prompt == 0) {
        llml__ctx_error(c, "llml_generate: the prompt gives no tokens");
        r = LLML_ERR_INVALID_ARG;
        goto done;
    }
    if (n_prompt > (size_t)n_ctx) {
        llml__ctx_error(c, "llml_generate: the prompt has %d tokens, the context holds %d",
                         (int)n_prompt, (int)n_ctx);
        r = LLML_ERR_CONTEXT_FULL;
        goto done;
    }
    n_past = llml_ctx_n_past(c);
    cached = llml_ctx_tokens(c);
    cp = 0;
    while (cp < n_past && cp < (int32_t)n_prompt && cached[cp] == toks[cp]) cp++;
    if (cp == (int32_t)n_prompt) cp--;  /* decode the last one again for its logits */
    if (cp < n_past) {
        r = llml_ctx_truncate(c, cp);
        if (r != LLML_OK) goto done;
    }
    res->n_reused = cp;
    r = llml_decode(c, toks + cp, (int32_t)n_prompt - cp, 0);
    if (r == LLML_ERR_ABORTED) { reason = 4; goto done; }
    if (r != LLML_OK) goto done;
    t_gen = llml__gen_now_ms();

    /* ---- sampler; penalties see the prompt's last tokens */
    r = llml_sampler_create(&desc->sampling, info.n_vocab, g.a, &smp);
    if (r != LLML_OK) {
        llml__ctx_error(c, "llml_generate: bad sampling settings");
        goto done;
    }
    if (desc->sampling.penalty_last_n > 0) {
        size_t first = n_prompt > (size_t)desc->sampling.penalty_last_n
                     ? n_prompt - (size_t)desc->sampling.penalty_last_n : 0, k;
        for (k = first; k < n_prompt; k++) (void)llml_sampler_accept(smp, toks[k]);
    }

    /* ---- generation loop */
    for (;;) {
        const float *logits;
        int32_t t;
        int found_stop = 0, cb_stop = 0;
        if (desc->max_tokens > 0 && res->n_generated >= desc->max_tokens) { reason = 1; break; }
        if (llml__ctx_cancelled(c)) { llml__ctx_cancel_clear(c); reason = 4; break; }
        logits = llml_get_logits(c, -1);
        if (!logits) { r = LLML_ERR_INVALID_ARG; break; }
        t = llml_sampler_sample(smp, logits);
        if (t < 0) { r = LLML_ERR_INVALID_ARG; break; }
        (void)llml_sampler_accept(smp, t);
        if (llml_vocab_is_eog(g.v, t)) { reason = 0; break; }
        if (!llml__gen_make_room(&g)) { reason = 5; break; }
        r = llml__gen_emit(&g, t, &found_stop, &cb_stop);
        if (r != LLML_OK) break;
        res->n_generated++;
        r = llml_decode(c, &t, 1, 0);
        if (r == LLML_ERR_ABORTED) { reason = 4; break; }
        if (r != LLML_OK) break;
        if (found_stop) { reason = 2; break; }
        if (cb_stop) { reason = 3; break; }
    }

done:
    /* text held back for a stop string that never came */
    if (reason >= 0 && reason != 2 && reason != 3 && g.pend_len > 0) (void)llml__gen_call(&g, -1, g.pend_len);
    if (t_gen < 0.0) {
        res->prompt_ms = llml__gen_now_ms() - t_start;
    } else {
        res->prompt_ms = t_gen - t_start;
        res->gen_ms = llml__gen_now_ms() - t_gen;
    }
    res->stop_reason = reason;
    if (reason == 4) r = LLML_ERR_ABORTED;
    llml_sampler_free(smp);
    llml__free(g.a, toks, tok_cap * sizeof(int32_t));
    llml__free(g.a, owned, owned_cap);
    llml__free(g.a, g.pend, g.pend_cap);
    llml__free(g.a, g.piece, g.piece_cap);
    return r;
}
