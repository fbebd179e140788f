/* ------------------------------------------------------------------------ */
/* >>sample  token sampling chain and its PRNG                             */
/* ------------------------------------------------------------------------ */
/* The candidates live in one array of (id, logit, p) triples. Steps that
   need an order sort it by (logit descending, id ascending), a total order,
   so that results never depend on the sort routine. Until a step reorders
   it, candidate i is token i, which lets the penalties and the bias index it
   directly. The PRNG is xoshiro256** seeded through splitmix64. */

typedef struct llml__smp_cand {
    int32_t id;
    float logit;
    float p;
} llml__smp_cand;

struct llml_sampler {
    llml_allocator alloc;      /* copy of the caller's allocator (or zeroed) */
    int32_t has_alloc;
    size_t bytes;              /* size of the single block holding it all   */
    llml_sampler_desc desc;    /* desc.logit_bias points at `bias`           */
    llml_logit_bias *bias;
    int32_t n_vocab;
    int32_t *ring;             /* last penalty_last_n accepted tokens        */
    int32_t ring_len, ring_head;
    int32_t *count;            /* occurrences of each token in the window    */
    llml__smp_cand *cand;      /* n_vocab candidates                         */
    llml__smp_cand *tmp;       /* scratch for typical sampling               */
    uint64_t rng[4];
};

static int llml__smp_isnan(float x) { return x != x; }

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t llml__smp_splitmix(uint64_t *state) {
    uint64_t z;
    *state += 0x9e3779b97f4a7c15ull;
    z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void llml__smp_seed(llml_sampler *s, uint64_t seed) {
    uint64_t st = seed;
    int i;
    for (i = 0; i < 4; i++) s->rng[i] = llml__smp_splitmix(&st);
}

static uint64_t llml__smp_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t llml__smp_next(llml_sampler *s) {
    uint64_t *r = s->rng;
    uint64_t out = llml__smp_rotl(r[1] * 5u, 7) * 9u;
    uint64_t t = r[1] << 17;
    r[2] ^= r[0];
    r[3] ^= r[1];
    r[1] ^= r[2];
    r[0] ^= r[3];
    r[2] ^= t;
    r[3] = llml__smp_rotl(r[3], 45);
    return out;
}

/* Uniform double in [0, 1) from the top 53 bits. */
static double llml__smp_uniform(llml_sampler *s) {
    return (double)(llml__smp_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- ordering ----------------------------------------------------------- */

/* 1 when a ranks before b: larger logit first, then lower id. */
static int llml__smp_before(const llml__smp_cand *a, const llml__smp_cand *b) {
    if (a->logit != b->logit) return a->logit > b->logit;
    return a->id < b->id;
}

/* Sift down in a heap whose root is the candidate ranked LAST (a heap of the
   m best seen so far keeps its weakest member on top). */
static void llml__smp_sift(llml__smp_cand *h, size_t m, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        llml__smp_cand t;
        if (l < m && llml__smp_before(&h[w], &h[l])) w = l;
        if (r < m && llml__smp_before(&h[w], &h[r])) w = r;
        if (w == i) return;
        t = h[i]; h[i] = h[w]; h[w] = t;
        i = w;
    }
}

/* Move the m best of c[0..n) to c[0..m), in rank order (m <= n). The order of
   c[m..n) afterwards is unspecified. O(n log m). */
static void llml__smp_sort_prefix(llml__smp_cand *c, size_t n, size_t m) {
    size_t i;
    if (m == 0) return;
    if (m > n) m = n;
    for (i = m / 2; i-- > 0;) llml__smp_sift(c, m, i);
    for (i = m; i < n; i++) {
        if (llml__smp_before(&c[i], &c[0])) {
            llml__smp_cand t = c[0]; c[0] = c[i]; c[i] = t;
            llml__smp_sift(c, m, 0);
        }
    }
    /* heap sort of the m kept: repeatedly move the weakest to the back */
    for (i = m; i-- > 1;) {
        llml__smp_cand t = c[0]; c[0] = c[i]; c[i] = t;
        llml__smp_sift(c, i, 0);
    }
}

/* Softmax of c[0..n) / temp into c[i].p, computed as exp((l - max) / temp)
   so that a tiny temperature cannot overflow. +inf logits share all the
   mass; if every logit is -inf the tokens are equally likely. */
static void llml__smp_softmax(llml__smp_cand *c, size_t n, float temp) {
    size_t i;
    float mx = c[0].logit;
    double sum = 0.0;
    for (i = 1; i < n; i++) if (c[i].logit > mx) mx = c[i].logit;
    for (i = 0; i < n; i++) {
        float w;
        if (mx == INFINITY) w = c[i].logit == INFINITY ? 1.0f : 0.0f;
        else if (mx == -INFINITY) w = 1.0f;
        else if (c[i].logit == -INFINITY) w = 0.0f;     /* banned, even at temp = inf */
        else {
            /* a finite difference over temp = inf is 0 (the float
               subtraction may overflow to -inf: -inf / inf is NaN) */
            float x = (c[i].logit - mx) / temp;
            w = x == x ? expf(x) : 1.0f;
        }
        c[i].p = w;
        sum += w;
    }
    for (i = 0; i < n; i++) c[i].p = (float)(c[i].p / sum);
}

/* ---- the chain ---------------------------------------------------------- */

static int llml__smp_greedy(const llml_sampler *s) { return !(s->desc.temperature > 0.0f); }
static int llml__smp_typical_on(const llml_sampler *s) { return s->desc.typical_p > 0.0f && s->desc.typical_p < 1.0f; }
static size_t llml__smp_min_keep(const llml_sampler *s) { return s->desc.min_keep > 1 ? (size_t)s->desc.min_keep : 1; }

static void llml__smp_penalties(llml_sampler *s) {
    const llml_sampler_desc *d = &s->desc;
    float rep = d->repeat_penalty > 0.0f ? d->repeat_penalty : 1.0f;
    int32_t i, cap = d->penalty_last_n;
    if (cap <= 0 || s->ring_len == 0) return;
    if (rep == 1.0f && d->frequency_penalty == 0.0f && d->presence_penalty == 0.0f) return;
    /* visit each distinct token of the window once: a visited token's count
       is negated, then restored in a second pass */
    for (i = 0; i < s->ring_len; i++) {
        int32_t t = s->ring[(s->ring_head + i) % cap];
        int32_t cnt = s->count[t];
        float l;
        if (cnt <= 0) continue;
        l = s->cand[t].logit;
        if (l <= 0.0f) l *= rep; else l /= rep;
        l -= (float)cnt * d->frequency_penalty + d->presence_penalty;
        if (llml__smp_isnan(l)) l = -INFINITY;
        s->cand[t].logit = l;
        s->count[t] = -cnt;
    }
    for (i = 0; i < s->ring_len; i++) {
        int32_t t = s->ring[(s->ring_head + i) % cap];
        if (s->count[t] < 0) s->count[t] = -s->count[t];
    }
}

static void llml__smp_apply_bias(llml_sampler *s) {
    int32_t i;
    for (i = 0; i < s->desc.n_logit_bias; i++) {
        llml__smp_cand *c = &s->cand[s->bias[i].token];
        c->logit += s->bias[i].bias;
        if (llml__smp_isnan(c->logit)) c->logit = -INFINITY; /* +inf + -inf: the ban wins */
    }
}

/* Locally typical sampling: rank by |-log p - H|, keep up to mass > p. */
static size_t llml__smp_typical(llml_sampler *s, size_t n) {
    llml__smp_cand *c = s->cand, *t = s->tmp;
    size_t i, keep = n, mk = llml__smp_min_keep(s);
    double ent = 0.0, cum = 0.0;
    llml__smp_sort_prefix(c, n, n);
    llml__smp_softmax(c, n, 1.0f);
    for (i = 0; i < n; i++) if (c[i].p > 0.0f) ent -= (double)c[i].p * log((double)c[i].p);
    /* t[i] carries the score in its logit field and the index in its id */
    for (i = 0; i < n; i++) {
        double sc = c[i].p > 0.0f ? fabs(-log((double)c[i].p) - ent) : HUGE_VAL;
        t[i].logit = -(float)sc;          /* rank order is "larger logit first" */
        t[i].id = (int32_t)i;             /* ties: lower index (higher p) first */
        t[i].p = 0.0f;
    }
    llml__smp_sort_prefix(t, n, n);
    for (i = 0; i < n; i++) {
        cum += c[t[i].id].p;
        if (cum > s->desc.typical_p && i + 1 >= mk) { keep = i + 1; break; }
    }
    /* gather the kept candidates in typical order */
    for (i = 0; i < keep; i++) {
        llml__smp_cand k = c[t[i].id];
        t[i] = k;
    }
    memcpy(c, t, keep * sizeof(*c));
    return keep;
}

static size_t llml__smp_top_p(llml_sampler *s, size_t n, int *sorted) {
    llml__smp_cand *c = s->cand;
    size_t i, have, mk = llml__smp_min_keep(s);
    double cum = 0.0;
    llml__smp_softmax(c, n, 1.0f);
    /* sort a short prefix first; most of the mass is usually there */
    have = n;
    if (!*sorted) {
        have = n > 1024 ? 256 : n;
        llml__smp_sort_prefix(c, n, have);
    }
    for (i = 0; i < n; i++) {
        if (i == have) { llml__smp_sort_prefix(c + have, n - have, n - have); have = n; }
        cum += c[i].p;
        if (cum >= s->desc.top_p && i + 1 >= mk) { n = i + 1; break; }
    }
    if (have < n) llml__smp_sort_prefix(c + have, n - have, n - have);
    *sorted = 1;
    return n;
}

static size_t llml__smp_min_p(llml_sampler *s, size_t n, int *sorted) {
    llml__smp_cand *c = s->cand;
    size_t i, pass = 0, mk = llml__smp_min_keep(s), keep;
    float mx = c[0].logit, lim;
    for (i = 1; i < n; i++) if (c[i].logit > mx) mx = c[i].logit;
    lim = mx + logf(s->desc.min_p);
    for (i = 0; i < n; i++) if (c[i].logit >= lim) pass++;
    if (pass >= mk) {                  /* keep the passing ones, in order */
        size_t j = 0;
        for (i = 0; i < n; i++) if (c[i].logit >= lim) c[j++] = c[i];
        return j;
    }
    keep = LLML__MIN(n, mk);           /* too few: the mk best */
    llml__smp_sort_prefix(c, n, keep);
    *sorted = 1;
    return keep;
}

/* Steps 1-7 into s->cand; returns the number of candidates (>= 1). */
static size_t llml__smp_run(llml_sampler *s, const float *logits) {
    const llml_sampler_desc *d = &s->desc;
    llml__smp_cand *c = s->cand;
    size_t i, n = (size_t)s->n_vocab;
    int sorted = 0;
    for (i = 0; i < n; i++) {
        float l = logits[i];
        c[i].id = (int32_t)i;
        c[i].logit = llml__smp_isnan(l) ? -INFINITY : l;
        c[i].p = 0.0f;
    }
    llml__smp_penalties(s);
    llml__smp_apply_bias(s);
    if (llml__smp_greedy(s) && !llml__smp_typical_on(s)) {
        /* top-k, top-p and min-p always keep the argmax: skip them */
        size_t best = 0;
        for (i = 1; i < n; i++) if (c[i].logit > c[best].logit) best = i;
        c[0] = c[best];
        c[0].p = 1.0f;
        return 1;
    }
    if (d->top_k > 0 && (size_t)d->top_k < n) {
        llml__smp_sort_prefix(c, n, (size_t)d->top_k);
        n = (size_t)d->top_k;
        sorted = 1;
    }
    if (llml__smp_typical_on(s) && n > 1) { n = llml__smp_typical(s, n); sorted = 0; }
    if (d->top_p > 0.0f && d->top_p < 1.0f && n > 1) n = llml__smp_top_p(s, n, &sorted);
    if (d->min_p > 0.0f && n > 1) n = llml__smp_min_p(s, n, &sorted);
    if (llml__smp_greedy(s)) {
        size_t best = 0;               /* first maximum in the current order */
        for (i = 1; i < n; i++) if (c[i].logit > c[best].logit) best = i;
        c[0] = c[best];
        c[0].p = 1.0f;
        return 1;
    }
    llml__smp_softmax(c, n, d->temperature);   /* step 7 is folded into the softmax */
    return n;
}

/* ---- API ---------------------------------------------------------------- */

LLML_API llml_sampler_desc llml_sampler_default_desc(void) {
    llml_sampler_desc d;
    memset(&d, 0, sizeof(d));
    d.temperature = 0.8f;
    d.top_k = 40;
    d.top_p = 0.95f;
    d.min_p = 0.05f;
    d.penalty_last_n = 64;
    d.repeat_penalty = 1.0f;
    return d;
}

static size_t llml__smp_align(size_t x) { return (x + 15u) & ~(size_t)15u; }

LLML_API llml_result llml_sampler_create(const llml_sampler_desc *desc, int32_t n_vocab,
                                         const llml_allocator *allocator, llml_sampler **out) {
    llml_sampler_desc d;
    llml_sampler *s;
    size_t o_bias, o_ring, o_count, o_cand, o_tmp, total, nv;
    unsigned char *base;
    int32_t i, use_pen;
    if (!out) return LLML_ERR_INVALID_ARG;
    *out = NULL;
    if (desc) d = *desc; else memset(&d, 0, sizeof(d));
    if (n_vocab < 1) return LLML_ERR_INVALID_ARG;
    if (llml__smp_isnan(d.temperature) || llml__smp_isnan(d.top_p) || llml__smp_isnan(d.min_p) ||
        llml__smp_isnan(d.typical_p)) return LLML_ERR_INVALID_ARG;
    if (d.penalty_last_n < 0 || d.n_logit_bias < 0 || d.min_keep < 0) return LLML_ERR_INVALID_ARG;
    if (!(d.repeat_penalty >= 0.0f && d.repeat_penalty <= FLT_MAX)) return LLML_ERR_INVALID_ARG;
    if (!(d.frequency_penalty >= -FLT_MAX && d.frequency_penalty <= FLT_MAX)) return LLML_ERR_INVALID_ARG;
    if (!(d.presence_penalty >= -FLT_MAX && d.presence_penalty <= FLT_MAX)) return LLML_ERR_INVALID_ARG;
    if (d.n_logit_bias > 0 && !d.logit_bias) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < d.n_logit_bias; i++) {
        if (d.logit_bias[i].token < 0 || d.logit_bias[i].token >= n_vocab) return LLML_ERR_INVALID_ARG;
        if (llml__smp_isnan(d.logit_bias[i].bias)) return LLML_ERR_INVALID_ARG;
    }
    nv = (size_t)n_vocab;
    if (nv > ((size_t)-1) / 64 || (size_t)d.penalty_last_n > ((size_t)-1) / 64 ||
        (size_t)d.n_logit_bias > ((size_t)-1) / 64) return LLML_ERR_OUT_OF_MEMORY;
    use_pen = d.penalty_last_n > 0;
    o_bias = llml__smp_align(sizeof(llml_sampler));
    o_ring = o_bias + llml__smp_align((size_t)d.n_logit_bias * sizeof(llml_logit_bias));
    o_count = o_ring + llml__smp_align(use_pen ? (size_t)d.penalty_last_n * sizeof(int32_t) : 0);
    o_cand = o_count + llml__smp_align(use_pen ? nv * sizeof(int32_t) : 0);
    o_tmp = o_cand + llml__smp_align(nv * sizeof(llml__smp_cand));
    total = o_tmp + llml__smp_align(nv * sizeof(llml__smp_cand));
    base = (unsigned char *)llml__alloc(allocator, total, 16);
    if (!base) return LLML_ERR_OUT_OF_MEMORY;
    memset(base, 0, o_cand);           /* header, bias, window and counts */
    s = (llml_sampler *)(void *)base;
    if (allocator) { s->alloc = *allocator; s->has_alloc = 1; }
    s->bytes = total;
    s->n_vocab = n_vocab;
    s->bias = (llml_logit_bias *)(void *)(base + o_bias);
    if (d.n_logit_bias > 0) memcpy(s->bias, d.logit_bias, (size_t)d.n_logit_bias * sizeof(llml_logit_bias));
    d.logit_bias = s->bias;
    s->desc = d;
    s->ring = use_pen ? (int32_t *)(void *)(base + o_ring) : NULL;
    s->count = use_pen ? (int32_t *)(void *)(base + o_count) : NULL;
    s->cand = (llml__smp_cand *)(void *)(base + o_cand);
    s->tmp = (llml__smp_cand *)(void *)(base + o_tmp);
    llml__smp_seed(s, d.seed);
    *out = s;
    return LLML_OK;
}

LLML_API void llml_sampler_free(llml_sampler *s) {
    llml_allocator a;
    int has;
    size_t bytes;
    if (!s) return;
    a = s->alloc; has = s->has_alloc; bytes = s->bytes;
    llml__free(has ? &a : NULL, s, bytes);
}

LLML_API void llml_sampler_reset(llml_sampler *s) {
    if (!s) return;
    if (s->count) memset(s->count, 0, (size_t)s->n_vocab * sizeof(int32_t));
    s->ring_len = 0;
    s->ring_head = 0;
    llml__smp_seed(s, s->desc.seed);
}

LLML_API void llml_sampler_set_seed(llml_sampler *s, uint64_t seed) {
    if (!s) return;
    s->desc.seed = seed;
    llml__smp_seed(s, seed);
}

LLML_API llml_result llml_sampler_accept(llml_sampler *s, int32_t token) {
    int32_t cap;
    if (!s || token < 0 || token >= s->n_vocab) return LLML_ERR_INVALID_ARG;
    cap = s->desc.penalty_last_n;
    if (cap <= 0) return LLML_OK;
    if (s->ring_len == cap) {          /* full: the oldest leaves the window */
        int32_t old = s->ring[s->ring_head];
        s->count[old]--;
        s->ring[s->ring_head] = token;
        s->ring_head = (s->ring_head + 1) % cap;
    } else {
        s->ring[(s->ring_head + s->ring_len) % cap] = token;
        s->ring_len++;
    }
    s->count[token]++;
    return LLML_OK;
}

LLML_API int32_t llml_sampler_sample(llml_sampler *s, const float *logits) {
    size_t n, i;
    double u, cum = 0.0;
    if (!s || !logits) return -1;
    n = llml__smp_run(s, logits);
    if (llml__smp_greedy(s)) return s->cand[0].id;
    u = llml__smp_uniform(s);
    /* the weights sum to 1 up to rounding: scale the target by their sum */
    for (i = 0; i < n; i++) cum += s->cand[i].p;
    u *= cum;
    cum = 0.0;
    for (i = 0; i < n; i++) {
        cum += s->cand[i].p;
        if (u < cum) return s->cand[i].id;
    }
    for (i = n; i-- > 0;) if (s->cand[i].p > 0.0f) return s->cand[i].id;
    return s->cand[0].id;
}

LLML_API llml_result llml_sampler_candidates(llml_sampler *s, const float *logits,
                                             int32_t *ids, float *probs, int32_t cap,
                                             int32_t *n_out) {
    size_t n, i;
    llml__smp_cand *c;
    if (n_out) *n_out = 0;
    if (!s || !logits) return LLML_ERR_INVALID_ARG;
    n = llml__smp_run(s, logits);
    c = s->cand;
    /* rank by probability, then id: reuse the logit ordering on p */
    for (i = 0; i < n; i++) c[i].logit = c[i].p;
    llml__smp_sort_prefix(c, n, n);
    for (i = 0; cap > 0 && i < n && i < (size_t)cap; i++) {
        if (ids) ids[i] = c[i].id;
        if (probs) probs[i] = c[i].p;
    }
    if (n_out) *n_out = (int32_t)n;
    return LLML_OK;
}
