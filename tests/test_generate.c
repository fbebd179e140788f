/* tests/test_generate.c - llml_generate and the tools built on the model API,
   against the reference's outputs:
   - greedy generation from "Once upon a time" on real/stories260K.gguf (and
     the repo's converted models/stories260K.gguf) gives the reference's 64
     tokens and text (real/stories260K.greedy.txt);
   - stop strings taken from that reference text cut it where strstr says;
     text held back for a stop string that never completes comes out at the
     end; max_tokens; a callback that stops; cancellation from another thread;
   - the cached prefix is reused (count checked against the token lists) and
     continuing from it gives the same tokens as a fresh context, and the
     reference's;
   - a full context shifts (the tokens before the first shift are the
     reference's) or stops with reason 5 when n_keep is -1;
   - same seed = same text with 1 and 2 threads, another seed differs;
   - SmolLM2-135M-Instruct (make chat-model): chatml detected, "Paris";
   - llmlite-logits reproduces arch/llama-f32.logits.f32; llmlite-perplexity
     --kl-base on the reference's stories260K logits (agreement and its
     perplexity of the base recomputed here from the file). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>

#define MAXTOK 4096

/* ---- reference data ---------------------------------------------------------- */

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    buf = (char *)malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); fclose(f); return NULL; }
    fclose(f);
    buf[n] = 0;
    if (len) *len = (size_t)n;
    return buf;
}

static int parse_ids(const char *s, int32_t *ids, int cap) {
    int n = 0;
    char *end;
    while (*s && *s != '\n' && n < cap) {
        long v = strtol(s, &end, 10);
        if (end == s) break;
        ids[n++] = (int32_t)v;
        s = end;
        while (*s == ' ') s++;
    }
    return n;
}

static int32_t ref_ids[128];
static int n_ref;
static char ref_text[4096];     /* line 2 onwards, without the final newline */
static int32_t prompt_ids[16];
static int n_prompt_ref;

static int load_reference(void) {
    char path[512];
    char *s, *nl;
    size_t n;
    snprintf(path, sizeof(path), "%s/real/stories260K.greedy.txt", check_testdata());
    s = read_file(path, &n);
    if (!s) return 0;
    n_ref = parse_ids(s, ref_ids, 128);
    nl = strchr(s, '\n');
    if (!nl) { free(s); return 0; }
    snprintf(ref_text, sizeof(ref_text), "%s", nl + 1);
    n = strlen(ref_text);
    if (n && ref_text[n - 1] == '\n') ref_text[n - 1] = 0;
    free(s);
    snprintf(path, sizeof(path), "%s/real/stories260K.tokens.txt", check_testdata());
    s = read_file(path, NULL);
    if (!s) return 0;
    n_prompt_ref = parse_ids(s, prompt_ids, 16);
    free(s);
    return n_ref == 64 && n_prompt_ref == 5;
}

/* ---- collecting callback ------------------------------------------------------ */

typedef struct collect {
    int32_t toks[MAXTOK];
    int n_tok;                 /* calls with a token >= 0 */
    char text[16384];
    size_t len;
    int n_flush;               /* calls with token -1 */
    int last_was_flush;
    int stop_after;            /* > 0: return 1 at this many tokens */
    int nul_ok;                /* piece[len] == 0 on every call */
    /* cancellation: signal the canceller after `signal_at` tokens */
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int *started;
    int signal_at;
} collect;

static void collect_init(collect *c) {
    memset(c, 0, sizeof(*c));
    c->nul_ok = 1;
}

static int on_tok(void *user, int32_t token, const char *piece, size_t len) {
    collect *c = (collect *)user;
    if (piece[len] != 0) c->nul_ok = 0;
    if (c->len + len < sizeof(c->text)) {
        memcpy(c->text + c->len, piece, len);
        c->len += len;
        c->text[c->len] = 0;
    }
    if (token < 0) {
        c->n_flush++;
        c->last_was_flush = 1;
        return 0;
    }
    c->last_was_flush = 0;
    if (c->n_tok < MAXTOK) c->toks[c->n_tok] = token;
    c->n_tok++;
    if (c->mu && c->n_tok == c->signal_at) {
        pthread_mutex_lock(c->mu);
        *c->started = 1;
        pthread_cond_signal(c->cv);
        pthread_mutex_unlock(c->mu);
    }
    return c->stop_after > 0 && c->n_tok >= c->stop_after;
}

static llml_ctx *new_ctx(llml_model *m, int n_ctx, int n_threads) {
    llml_ctx_desc cd;
    llml_ctx *c = NULL;
    llml_error err;
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = n_ctx;
    cd.n_threads = n_threads;
    if (llml_ctx_create(m, &cd, &c, &err) != LLML_OK) {
        fprintf(stderr, "ctx_create: %s\n", err.message);
        return NULL;
    }
    return c;
}

static llml_result gen(llml_ctx *c, const char *prompt, int max_tokens, collect *col,
                       llml_generate_result *res) {
    llml_generate_desc d;
    memset(&d, 0, sizeof(d));
    d.prompt = prompt;
    d.max_tokens = max_tokens;
    d.on_token = on_tok;
    d.user = col;
    return llml_generate(c, &d, res);
}

static int same_ids(const int32_t *a, const int32_t *b, int n) {
    int i;
    for (i = 0; i < n; i++) if (a[i] != b[i]) return 0;
    return 1;
}

/* ---- greedy, max_tokens, callback stop ---------------------------------------- */

static void test_greedy(llml_model *m, const char *what) {
    llml_ctx *c = new_ctx(m, 0, 0);
    collect col;
    llml_generate_result res;
    llml_result r;
    if (!c) { CHECK(0, "%s: no context", what); return; }
    collect_init(&col);
    r = gen(c, "Once upon a time", 64, &col, &res);
    CHECK(r == LLML_OK, "%s greedy: %s %s", what, llml_result_string(r), llml_ctx_last_error(c));
    CHECK(res.n_prompt == 5 && same_ids(llml_ctx_tokens(c), prompt_ids, 5),
          "%s greedy: prompt tokens differ from real/stories260K.tokens.txt", what);
    CHECK(res.n_generated == 64 && res.stop_reason == 1, "%s greedy: %d tokens, reason %d", what,
          (int)res.n_generated, (int)res.stop_reason);
    CHECK(col.n_tok == 64 && same_ids(col.toks, ref_ids, 64), "%s greedy: tokens differ from the reference", what);
    CHECK(strcmp(col.text, ref_text) == 0, "%s greedy: text differs:\n%s\n--- reference:\n%s", what, col.text, ref_text);
    CHECK(col.nul_ok && col.n_flush == 0, "%s greedy: pieces NUL-terminated, no flush call", what);
    /* the cache holds prompt + generated tokens */
    CHECK(llml_ctx_n_past(c) == 69 && same_ids(llml_ctx_tokens(c) + 5, ref_ids, 64),
          "%s greedy: cache holds %d tokens", what, (int)llml_ctx_n_past(c));
    llml_ctx_free(c);
}

static void test_limits(llml_model *m) {
    llml_ctx *c = new_ctx(m, 0, 1);
    collect col;
    llml_generate_result res;
    llml_result r;
    if (!c) { CHECK(0, "no context"); return; }
    /* max_tokens */
    collect_init(&col);
    r = gen(c, "Once upon a time", 10, &col, &res);
    CHECK(r == LLML_OK && res.n_generated == 10 && res.stop_reason == 1 && col.n_tok == 10 &&
          same_ids(col.toks, ref_ids, 10), "max_tokens 10: r %d, %d tokens, reason %d", (int)r,
          (int)res.n_generated, (int)res.stop_reason);
    /* the callback stops it */
    collect_init(&col);
    col.stop_after = 5;
    r = gen(c, "Once upon a time", 64, &col, &res);
    CHECK(r == LLML_OK && res.stop_reason == 3 && res.n_generated == 5 && col.n_tok == 5 &&
          same_ids(col.toks, ref_ids, 5), "callback stop: r %d, %d tokens, reason %d", (int)r,
          (int)res.n_generated, (int)res.stop_reason);
    /* bad arguments */
    r = llml_generate(c, NULL, &res);
    CHECK(r == LLML_ERR_INVALID_ARG, "NULL desc: %d", (int)r);
    {
        llml_generate_desc d;
        memset(&d, 0, sizeof(d));
        CHECK(llml_generate(c, &d, &res) == LLML_ERR_INVALID_ARG, "no prompt and no messages");
        d.prompt = "Once";
        d.n_stop = 1;
        CHECK(llml_generate(c, &d, &res) == LLML_ERR_INVALID_ARG, "n_stop 1 with stop NULL");
    }
    /* a conversation needs a chat template; stories260K has none */
    {
        llml_generate_desc d;
        llml_chat_message msg;
        msg.role = "user";
        msg.content = "Hello";
        memset(&d, 0, sizeof(d));
        d.messages = &msg;
        d.n_messages = 1;
        d.max_tokens = 4;
        r = llml_generate(c, &d, &res);
        CHECK(r == LLML_ERR_NOT_FOUND && strstr(llml_ctx_last_error(c), "template") != NULL,
              "messages without a template: %d '%s'", (int)r, llml_ctx_last_error(c));
        d.style = LLML_CHAT_CHATML;  /* an explicit style works */
        r = llml_generate(c, &d, &res);
        CHECK(r == LLML_OK && res.n_generated >= 1, "messages with style chatml: %d", (int)r);
    }
    llml_ctx_free(c);
}

/* ---- stop strings ------------------------------------------------------------- */

static void check_stop(llml_model *m, const char *const *stops, int n_stop) {
    llml_ctx *c = new_ctx(m, 0, 1);
    collect col;
    llml_generate_result res;
    llml_generate_desc d;
    llml_result r;
    const char *first = NULL;
    size_t cut = strlen(ref_text);
    int i;
    if (!c) { CHECK(0, "no context"); return; }
    /* independent expectation: the earliest occurrence in the reference text */
    for (i = 0; i < n_stop; i++) {
        const char *p = strstr(ref_text, stops[i]);
        if (p && (size_t)(p - ref_text) < cut) { cut = (size_t)(p - ref_text); first = stops[i]; }
    }
    collect_init(&col);
    memset(&d, 0, sizeof(d));
    d.prompt = "Once upon a time";
    d.max_tokens = 64;
    d.stop = stops;
    d.n_stop = n_stop;
    d.on_token = on_tok;
    d.user = &col;
    r = llml_generate(c, &d, &res);
    CHECK(r == LLML_OK, "stop '%s': %s", stops[0], llml_result_string(r));
    CHECK(col.len == cut && memcmp(col.text, ref_text, cut) == 0,
          "stop '%s': got %u bytes '%s', expected %u bytes", stops[0], (unsigned)col.len, col.text, (unsigned)cut);
    if (first) {
        /* stops at the token that completes the string: the tokens so far are the reference's */
        CHECK(res.stop_reason == 2 && res.n_generated < 64 && same_ids(col.toks, ref_ids, col.n_tok) &&
              col.n_tok == res.n_generated, "stop '%s': reason %d after %d tokens", first,
              (int)res.stop_reason, (int)res.n_generated);
    } else {
        CHECK(res.stop_reason == 1 && res.n_generated == 64, "no stop string seen: reason %d", (int)res.stop_reason);
    }
    llml_ctx_free(c);
}

static void test_stops(llml_model *m) {
    static const char *const s1[] = {"red ball"};
    static const char *const s2[] = {"zebra", "named Lily", "Lily"};   /* "Lily" starts first */
    static const char *const s3[] = {"park. One day"};                 /* spans several tokens */
    static const char *const s4[] = {", there was a big"};             /* a long false start */
    static const char *const s5[] = {"\nLily's"};                      /* newline inside */
    static const char *const s6[] = {"Once"};                          /* only in the prompt */
    check_stop(m, s1, 1);
    check_stop(m, s2, 3);
    check_stop(m, s3, 1);
    check_stop(m, s4, 1);
    check_stop(m, s5, 1);
    check_stop(m, s6, 1);
    /* held-back text is flushed at the end (token -1): the reference text
       ends with "said", the start of this stop string */
    {
        static const char *const s7[] = {"said and"};
        llml_ctx *c = new_ctx(m, 0, 1);
        collect col;
        llml_generate_result res;
        llml_generate_desc d;
        llml_result r;
        if (!c) { CHECK(0, "no context"); return; }
        collect_init(&col);
        memset(&d, 0, sizeof(d));
        d.prompt = "Once upon a time";
        d.max_tokens = 64;
        d.stop = s7;
        d.n_stop = 1;
        d.on_token = on_tok;
        d.user = &col;
        r = llml_generate(c, &d, &res);
        CHECK(r == LLML_OK && res.stop_reason == 1 && strcmp(col.text, ref_text) == 0 &&
              col.n_flush == 1 && col.last_was_flush,
              "flush of held text: r %d reason %d flush %d text '%s'", (int)r, (int)res.stop_reason,
              col.n_flush, col.text);
        llml_ctx_free(c);
    }
}

/* ---- seeds and threads ---------------------------------------------------------- */

static void sampled(llml_model *m, int n_threads, uint64_t seed, collect *col) {
    llml_ctx *c = new_ctx(m, 0, n_threads);
    llml_generate_desc d;
    llml_generate_result res;
    collect_init(col);
    if (!c) return;
    memset(&d, 0, sizeof(d));
    d.prompt = "Once upon a time";
    d.max_tokens = 48;
    d.sampling = llml_sampler_default_desc();
    d.sampling.seed = seed;
    d.on_token = on_tok;
    d.user = col;
    CHECK(llml_generate(c, &d, &res) == LLML_OK && res.n_generated >= 1, "sampled generation");
    llml_ctx_free(c);
}

static void test_seeds(llml_model *m) {
    static collect a, b, x;
    sampled(m, 1, 1234, &a);
    sampled(m, 2, 1234, &b);
    sampled(m, 1, 98765, &x);
    CHECK(a.n_tok == b.n_tok && same_ids(a.toks, b.toks, a.n_tok) && strcmp(a.text, b.text) == 0,
          "seed 1234: 1 and 2 threads differ:\n%s\n%s", a.text, b.text);
    CHECK(strcmp(a.text, x.text) != 0, "seeds 1234 and 98765 give the same text");
    CHECK(strcmp(a.text, ref_text) != 0, "sampling at temperature 0.8 gives the greedy text");
}

/* ---- cancellation from another thread ------------------------------------------- */

typedef struct canceller {
    llml_ctx *c;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;
} canceller;

static void *cancel_main(void *arg) {
    canceller *k = (canceller *)arg;
    pthread_mutex_lock(&k->mu);
    while (!k->started) pthread_cond_wait(&k->cv, &k->mu);
    pthread_mutex_unlock(&k->mu);
    llml_ctx_cancel(k->c);
    return NULL;
}

static void test_cancel(llml_model *m) {
    static collect col;
    canceller k;
    pthread_t th;
    llml_generate_desc d;
    llml_generate_result res;
    llml_logit_bias ban[2];
    llml_result r;
    const llml_vocab *v = llml_model_vocab(m);
    int n_ctx = 2048;
    llml_ctx *c = new_ctx(m, n_ctx, 1);
    if (!c) { CHECK(0, "no context"); return; }
    memset(&k, 0, sizeof(k));
    k.c = c;
    pthread_mutex_init(&k.mu, NULL);
    pthread_cond_init(&k.cv, NULL);
    collect_init(&col);
    col.mu = &k.mu;
    col.cv = &k.cv;
    col.started = &k.started;
    col.signal_at = 3;
    memset(&d, 0, sizeof(d));
    d.prompt = "Once upon a time";
    d.n_keep = -1;              /* without the cancel it would end at the full context */
    d.on_token = on_tok;
    d.user = &col;
    ban[0].token = llml_vocab_special(v, LLML_TOKEN_EOS);   /* no end of text */
    ban[0].bias = -INFINITY;
    d.sampling.logit_bias = ban;
    d.sampling.n_logit_bias = ban[0].token >= 0 ? 1 : 0;
    pthread_create(&th, NULL, cancel_main, &k);
    r = llml_generate(c, &d, &res);
    pthread_join(th, NULL);
    CHECK(r == LLML_ERR_ABORTED && res.stop_reason == 4, "cancel: r %d reason %d", (int)r, (int)res.stop_reason);
    CHECK(res.n_generated >= 3 && res.n_generated < n_ctx - 5, "cancel: %d tokens", (int)res.n_generated);
    CHECK(same_ids(col.toks, ref_ids, col.n_tok < 64 ? col.n_tok : 64) || col.n_tok > 64,
          "cancel: tokens before the cancel are the reference's");
    /* the context goes on working: the cancel was consumed */
    collect_init(&col);
    r = gen(c, "Once upon a time", 4, &col, &res);
    CHECK(r == LLML_OK && res.stop_reason == 1 && res.n_generated == 4, "after a cancel: r %d reason %d",
          (int)r, (int)res.stop_reason);
    /* a cancel before the call cancels the call (llml_ctx_cancel: "the
       running, or else the next"), and is consumed by it */
    llml_ctx_cancel(c);
    collect_init(&col);
    r = gen(c, "Once upon a time", 4, &col, &res);
    CHECK(r == LLML_ERR_ABORTED && res.stop_reason == 4 && res.n_generated == 0,
          "an earlier cancel: r %d reason %d, %d tokens", (int)r, (int)res.stop_reason, (int)res.n_generated);
    collect_init(&col);
    r = gen(c, "Once upon a time", 4, &col, &res);
    CHECK(r == LLML_OK && res.n_generated == 4 && same_ids(col.toks, ref_ids, 4),
          "the call after that: r %d, %d tokens", (int)r, (int)res.n_generated);
    pthread_mutex_destroy(&k.mu);
    pthread_cond_destroy(&k.cv);
    llml_ctx_free(c);
}

/* ---- prefix reuse --------------------------------------------------------------- */

static void test_reuse(llml_model *m) {
    static collect a, b, f;
    static const char *p2 = "Once upon a time, there was a little girl named Lily.";
    llml_ctx *c = new_ctx(m, 0, 1), *fresh = new_ctx(m, 0, 1);
    llml_generate_result res;
    llml_result r;
    int32_t cache[256], t2[64];
    size_t n2 = 0;
    int n_cache, lcp, m2;
    if (!c || !fresh) { CHECK(0, "no context"); llml_ctx_free(c); llml_ctx_free(fresh); return; }
    collect_init(&a);
    r = gen(c, "Once upon a time", 8, &a, &res);
    CHECK(r == LLML_OK && res.n_reused == 0, "first call: reused %d", (int)res.n_reused);
    n_cache = llml_ctx_n_past(c);
    memcpy(cache, llml_ctx_tokens(c), (size_t)n_cache * sizeof(int32_t));
    /* the expected reuse: the common prefix of the cache and the new prompt's tokens */
    CHECK(llml_tokenize(llml_model_vocab(m), p2, strlen(p2), LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL,
                        t2, 64, &n2) == LLML_OK, "tokenize p2");
    for (lcp = 0; lcp < n_cache && lcp < (int)n2 && cache[lcp] == t2[lcp]; lcp++) {}
    if (lcp == (int)n2) lcp--;
    collect_init(&b);
    r = gen(c, p2, 16, &b, &res);
    CHECK(r == LLML_OK && res.n_prompt == (int)n2 && res.n_reused == lcp && lcp >= 13,
          "reuse: n_prompt %d (%d), n_reused %d, expected %d", (int)res.n_prompt, (int)n2, (int)res.n_reused, lcp);
    collect_init(&f);
    r = gen(fresh, p2, 16, &f, &res);
    CHECK(r == LLML_OK && res.n_reused == 0, "fresh context");
    CHECK(b.n_tok == 16 && f.n_tok == 16 && same_ids(b.toks, f.toks, 16),
          "reused cache continues like a fresh context");
    /* the prompt's tokens are BOS + "Once upon a time" + the reference's first m2 tokens */
    m2 = (int)n2 - 5;
    CHECK(m2 > 0 && same_ids(t2, prompt_ids, 5) && same_ids(t2 + 5, ref_ids, m2) && m2 + 16 <= 64 &&
          same_ids(b.toks, ref_ids + m2, 16), "continuation after reuse is the reference's");
    /* the same prompt again: everything but the last token is reused */
    collect_init(&b);
    r = gen(fresh, p2, 1, &b, &res);
    CHECK(r == LLML_OK && res.n_reused == (int)n2 - 1 && b.n_tok == 1 && b.toks[0] == ref_ids[m2],
          "same prompt again: reused %d of %d", (int)res.n_reused, (int)n2);
    llml_ctx_free(c);
    llml_ctx_free(fresh);
}

/* ---- a full context ------------------------------------------------------------- */

static void test_full(llml_model *m) {
    static collect col;
    llml_ctx *c = new_ctx(m, 32, 1);
    llml_generate_desc d;
    llml_generate_result res;
    llml_result r;
    if (!c) { CHECK(0, "no context"); return; }
    CHECK(llml_ctx_n_ctx(c) == 32, "n_ctx 32");
    /* shift: keeps the BOS, goes on */
    collect_init(&col);
    memset(&d, 0, sizeof(d));
    d.prompt = "Once upon a time";
    d.max_tokens = 64;
    d.on_token = on_tok;
    d.user = &col;
    r = llml_generate(c, &d, &res);
    CHECK(r == LLML_OK && res.stop_reason == 1 && res.n_generated == 64, "shift: r %d reason %d, %d tokens",
          (int)r, (int)res.stop_reason, (int)res.n_generated);
    CHECK(same_ids(col.toks, ref_ids, 27), "shift: the 27 tokens before the first shift are the reference's");
    CHECK(llml_ctx_n_past(c) <= 32 && llml_ctx_tokens(c)[0] == 1, "shift: cache %d tokens, first %d",
          (int)llml_ctx_n_past(c), (int)llml_ctx_tokens(c)[0]);
    /* n_keep -1: stop when full */
    llml_ctx_clear(c);
    collect_init(&col);
    d.n_keep = -1;
    r = llml_generate(c, &d, &res);
    CHECK(r == LLML_OK && res.stop_reason == 5 && res.n_generated == 27 && same_ids(col.toks, ref_ids, 27),
          "n_keep -1: r %d reason %d, %d tokens", (int)r, (int)res.stop_reason, (int)res.n_generated);
    /* a prompt longer than the context */
    {
        char longp[1024];
        size_t i;
        strcpy(longp, "Once upon a time");
        for (i = 0; i < 20; i++) strcat(longp, " there was a girl");
        d.prompt = longp;
        r = llml_generate(c, &d, &res);
        CHECK(r == LLML_ERR_CONTEXT_FULL, "prompt over n_ctx: %d", (int)r);
    }
    llml_ctx_free(c);
}

/* ---- SmolLM2-135M-Instruct --------------------------------------------------------- */

static void test_smollm(void) {
    static const char *const names[] = {"%s/models/SmolLM2-135M-Instruct.Q4_1.gguf", "build/models/SmolLM2-135M-Instruct.Q4_1.gguf"};
    static collect col;
    const char *b = getenv("LLML_BUILD");
    char path[512];
    llml_model *m = NULL;
    llml_model_info info;
    llml_error err;
    llml_chat_style st = LLML_CHAT_UNKNOWN;
    llml_chat_message msg;
    llml_generate_desc d;
    llml_generate_result res;
    llml_ctx *c;
    llml_result r;
    FILE *f;
    snprintf(path, sizeof(path), names[0], b ? b : "build");
    f = fopen(path, "rb");
    if (!f) { snprintf(path, sizeof(path), "%s", names[1]); f = fopen(path, "rb"); }
    if (!f) { printf("SKIP: run make chat-model (SmolLM2-135M-Instruct test)\n"); return; }
    fclose(f);
    if (llml_model_load_file(path, NULL, &m, &err) != LLML_OK) { CHECK(0, "%s: %s", path, err.message); return; }
    memset(&info, 0, sizeof(info));
    CHECK(llml_model_get_info(m, &info) == LLML_OK, "SmolLM2: model info");
    CHECK(info.chat_template && llml_chat_detect(info.chat_template, &st, NULL) == LLML_OK && st == LLML_CHAT_CHATML,
          "SmolLM2: chat template detected as %s", llml_chat_style_name(st));
    c = new_ctx(m, 512, 0);
    if (!c) { CHECK(0, "no context"); llml_model_free(m); return; }
    msg.role = "user";
    msg.content = "What is the capital of France?";
    memset(&d, 0, sizeof(d));
    d.messages = &msg;
    d.n_messages = 1;
    d.max_tokens = 24;
    d.on_token = on_tok;
    d.user = &col;
    collect_init(&col);
    r = llml_generate(c, &d, &res);
    CHECK(r == LLML_OK && strstr(col.text, "Paris") != NULL, "SmolLM2: answer '%s' (%s)", col.text, llml_result_string(r));
    printf("SmolLM2-135M-Instruct: %s\n", col.text);
    llml_ctx_free(c);
    llml_model_free(m);
}

/* ---- tools ---------------------------------------------------------------------- */

static const char *build_dir(void) {
    const char *b = getenv("LLML_BUILD");
    return b ? b : "build";
}

static void test_logits_tool(void) {
    char cmd[2048], out[512], ref[512];
    size_t na = 0, nb = 0, i;
    float *a, *b;
    double maxd = 0.0;
    int rc;
    snprintf(out, sizeof(out), "%s/tests/test_generate.llama-f32.f32", build_dir());
    remove(out);
    snprintf(cmd, sizeof(cmd), "%s/llmlite-logits %s/arch/llama-f32.gguf --tokens-file %s/arch/llama-f32.tokens.txt --out %s 2>/dev/null",
             build_dir(), check_testdata(), check_testdata(), out);
    rc = system(cmd);
    CHECK(rc == 0, "llmlite-logits failed: %s", cmd);
    snprintf(ref, sizeof(ref), "%s/arch/llama-f32.logits.f32", check_testdata());
    a = (float *)(void *)read_file(out, &na);
    b = (float *)(void *)read_file(ref, &nb);
    CHECK(a && b && na == nb && na == 48u * 1024u * 4u, "logits file sizes %u vs %u", (unsigned)na, (unsigned)nb);
    if (a && b && na == nb) {
        for (i = 0; i < na / 4; i++) {
            double d = fabs((double)a[i] - (double)b[i]);
            if (!(d <= maxd)) maxd = d;   /* NaN counts as a failure */
        }
        CHECK(maxd <= 2e-3, "llmlite-logits vs reference: max |diff| %g", maxd);
    }
    free(a);
    free(b);
    remove(out);
    /* --tokens on the command line, and a bad id */
    snprintf(cmd, sizeof(cmd), "%s/llmlite-logits %s/arch/llama-f32.gguf --tokens 1,450,300 --out %s 2>/dev/null",
             build_dir(), check_testdata(), out);
    rc = system(cmd);
    a = (float *)(void *)read_file(out, &na);
    b = (float *)(void *)read_file(ref, &nb);
    CHECK(rc == 0 && a && b && na == 3u * 1024u * 4u, "llmlite-logits --tokens");
    if (a && b && na == 3u * 1024u * 4u && nb >= na) {
        maxd = 0.0;   /* the reference's tokens start 1 450 300: same first 3 rows */
        for (i = 0; i < na / 4; i++) {
            double d = fabs((double)a[i] - (double)b[i]);
            if (!(d <= maxd)) maxd = d;
        }
        CHECK(maxd <= 2e-3, "llmlite-logits --tokens: max |diff| %g", maxd);
    }
    free(a);
    free(b);
    remove(out);
    snprintf(cmd, sizeof(cmd), "%s/llmlite-logits %s/arch/llama-f32.gguf --tokens 1,99999 --out %s 2>/dev/null",
             build_dir(), check_testdata(), out);
    CHECK(system(cmd) != 0, "llmlite-logits: token out of range must fail");
}

static void test_perplexity_tool(void) {
    char cmd[2048], out[512], path[512];
    char *text, *p;
    size_t n = 0, nl, i;
    float *ref;
    int32_t toks[64];
    int nt, r, rc;
    double nll = 0.0, ppl_base, v;
    FILE *f;
    /* the reference's perplexity of its own logits, computed here */
    snprintf(path, sizeof(path), "%s/real/stories260K.logits.f32", check_testdata());
    ref = (float *)(void *)read_file(path, &nl);
    nt = n_prompt_ref;
    memcpy(toks, prompt_ids, sizeof(int32_t) * (size_t)nt);
    if (!ref || nl != (size_t)nt * 512u * 4u) { CHECK(0, "read %s", path); free(ref); return; }
    for (r = 0; r + 1 < nt; r++) {
        const float *row = ref + (size_t)r * 512;
        double mx = -HUGE_VAL, s = 0.0;
        for (i = 0; i < 512; i++) if (row[i] > mx) mx = row[i];
        for (i = 0; i < 512; i++) s += exp((double)row[i] - mx);
        nll -= (double)row[toks[r + 1]] - mx - log(s);
    }
    ppl_base = exp(nll / (nt - 1));
    free(ref);
    snprintf(out, sizeof(out), "%s/tests/test_generate.ppl.txt", build_dir());
    snprintf(cmd, sizeof(cmd), "%s/llmlite-perplexity %s/real/stories260K.gguf %s/real/stories260K.tokens.txt --ids "
             "--kl-base %s/real/stories260K.logits.f32 > %s 2>/dev/null",
             build_dir(), check_testdata(), check_testdata(), check_testdata(), out);
    rc = system(cmd);
    text = read_file(out, &n);
    CHECK(rc == 0 && text, "llmlite-perplexity --kl-base failed: %s", cmd);
    if (text) {
        p = strstr(text, "max |difference|: ");
        CHECK(p && sscanf(p + 18, "%lf", &v) == 1 && v <= 2e-3, "perplexity tool: max diff line");
        p = strstr(text, "mean KL(base || model): ");
        CHECK(p && sscanf(p + 24, "%lf", &v) == 1 && v >= -1e-9 && v < 1e-6, "perplexity tool: KL line");
        p = strstr(text, "same top token: ");
        CHECK(p && sscanf(p + 16, "%lf", &v) == 1 && v == 100.0, "perplexity tool: same top token");
        p = strstr(text, ", base ");
        CHECK(p && sscanf(p + 7, "%lf", &v) == 1 && fabs(v - ppl_base) <= 1e-3 * ppl_base,
              "perplexity tool: base perplexity %g, computed here %g", p ? v : 0.0, ppl_base);
    }
    free(text);
    /* plain text mode: the reference's greedy story, 3 times, chunks of 64 */
    snprintf(path, sizeof(path), "%s/tests/test_generate.story.txt", build_dir());
    f = fopen(path, "wb");
    if (f) {
        for (i = 0; i < 3; i++) fprintf(f, "Once upon a time%s\n", ref_text);
        fclose(f);
    }
    snprintf(cmd, sizeof(cmd), "%s/llmlite-perplexity %s/real/stories260K.gguf %s --ctx 64 > %s 2>/dev/null",
             build_dir(), check_testdata(), path, out);
    rc = system(cmd);
    text = read_file(out, &n);
    CHECK(rc == 0 && text && (p = strstr(text, "perplexity: ")) != NULL && sscanf(p + 12, "%lf", &v) == 1 &&
          v > 1.0 && v < 4.0, "perplexity of the model's own greedy story: %s", text ? text : "(none)");
    free(text);
    remove(out);
    remove(path);
}

int main(void) {
    char path[512];
    llml_model *m = NULL;
    llml_error err;
    if (!load_reference()) {
        CHECK(0, "cannot read %s/real/stories260K.greedy.txt / .tokens.txt", check_testdata());
        return check_summary("test_generate");
    }
    snprintf(path, sizeof(path), "%s/real/stories260K.gguf", check_testdata());
    if (llml_model_load_file(path, NULL, &m, &err) != LLML_OK) {
        CHECK(0, "%s: %s", path, err.message);
        return check_summary("test_generate");
    }
    test_greedy(m, "real/stories260K.gguf");
    test_limits(m);
    test_stops(m);
    test_seeds(m);
    test_cancel(m);
    test_reuse(m);
    test_full(m);
    llml_model_free(m);
    /* the repo's own converted model, the chat tool's default */
    if (llml_model_load_file("models/stories260K.gguf", NULL, &m, &err) == LLML_OK) {
        test_greedy(m, "models/stories260K.gguf");
        llml_model_free(m);
    } else {
        CHECK(0, "models/stories260K.gguf: %s", err.message);
    }
    test_smollm();
    test_logits_tool();
    test_perplexity_tool();
    return check_summary("test_generate");
}
