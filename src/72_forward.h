
/* ======================================================================== */
/* >>ctx  contexts: thread pool, KV cache, forward pass, state              */
/* ======================================================================== */
/* One forward pass handles a piece of up to n_batch tokens, layer by layer:
   all rows of the piece go through each matrix product together (weights
   are read once per piece). Matrix products are split by output rows over
   the threads (16-row chunks, shared out as the threads get free: see
   llml__span), attention by heads; every output value is computed by one
   thread in a fixed order, so results do not depend on the thread count.
   Numerics follow the reference's CPU path: activations are converted to
   the weight format's vec_dot_type before each product (Q8_0/Q8_1/Q8_K
   blocks, F16 ...), the query to the KV cache's type, and with an F16
   cache the attention weights are rounded to F16 before meeting V. */

/* Threads: POSIX threads, or Win32 threads with slim reader/writer locks
   and condition variables (Windows Vista and later), behind the same few
   macros. */
#if !defined(LLML_NO_THREADS) && (defined(__unix__) || defined(__unix) || defined(__APPLE__))
#define LLML__THREADS 1
#include <pthread.h>
#include <unistd.h>
typedef pthread_mutex_t llml__mutex;
typedef pthread_cond_t llml__cond;
typedef pthread_t llml__thread;
#define LLML__MU_INIT(m) (pthread_mutex_init((m), NULL) == 0)
#define LLML__MU_LOCK(m) pthread_mutex_lock(m)
#define LLML__MU_UNLOCK(m) pthread_mutex_unlock(m)
#define LLML__MU_DESTROY(m) pthread_mutex_destroy(m)
#define LLML__CV_INIT(c) pthread_cond_init((c), NULL)
#define LLML__CV_WAIT(c, m) pthread_cond_wait((c), (m))
#define LLML__CV_SIGNAL(c) pthread_cond_signal(c)
#define LLML__CV_BROADCAST(c) pthread_cond_broadcast(c)
#define LLML__CV_DESTROY(c) pthread_cond_destroy(c)
#elif !defined(LLML_NO_THREADS) && defined(_WIN32)
#define LLML__THREADS 1
#define LLML__THREADS_WIN32 1
typedef SRWLOCK llml__mutex;
typedef CONDITION_VARIABLE llml__cond;
typedef HANDLE llml__thread;
#define LLML__MU_INIT(m) (InitializeSRWLock(m), 1)
#define LLML__MU_LOCK(m) AcquireSRWLockExclusive(m)
#define LLML__MU_UNLOCK(m) ReleaseSRWLockExclusive(m)
#define LLML__MU_DESTROY(m) ((void)(m))
#define LLML__CV_INIT(c) InitializeConditionVariable(c)
#define LLML__CV_WAIT(c, m) SleepConditionVariableSRW((c), (m), INFINITE, 0)
#define LLML__CV_SIGNAL(c) WakeConditionVariable(c)
#define LLML__CV_BROADCAST(c) WakeAllConditionVariable(c)
#define LLML__CV_DESTROY(c) ((void)(c))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LLML__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LLML__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* compare-and-swap of a uint64_t: 1 when *p was *expect and is now v, else
   0 with *expect set to *p */
#define LLML__ATOMIC_CAS64(p, expect, v) \
    __atomic_compare_exchange_n((p), (expect), (v), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#else
#define LLML__ATOMIC_LOAD(p) (*(p))
#define LLML__ATOMIC_STORE(p, v) (*(p) = (v))
#endif

#define LLML__MAX_THREADS 64

typedef llml_task_fn llml__task_fn;

/* ---- thread pool: persistent workers parked on a condition variable ----- */
/* Token generation runs some hundred short parallel steps per token, so a
   worker (and the caller, waiting for the workers) first spins for a few
   tens of microseconds (LLML__POOL_SPIN pause loops) watching for the next
   step before it parks on the condition variable: between the steps of one
   decode nobody sleeps, and an idle pool costs nothing. */

#if defined(__GNUC__) || defined(__clang__)
#define LLML__POOL_SPIN 4096
#define LLML__ATOMIC_DEC(p) __atomic_sub_fetch((p), 1, __ATOMIC_ACQ_REL)
#if defined(__x86_64__) || defined(__i386__)
#define LLML__PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define LLML__PAUSE() __asm__ __volatile__("yield")
#else
#define LLML__PAUSE() ((void)0)
#endif
#endif

typedef struct llml__pool {
    int n;                       /* threads including the caller */
    llml_parallel_for_fn host;   /* host job system, or NULL */
    void *host_user;
#ifdef LLML__THREADS
    llml__thread th[LLML__MAX_THREADS];
    llml__mutex mu;
    llml__cond cv_go, cv_done;
    uint64_t gen;                /* step number (atomic where spinning)  */
    int pending, quit, started;  /* pending, quit: atomic likewise       */
    llml__task_fn fn;
    void *arg;
#endif
} llml__pool;

typedef struct llml__worker { llml__pool *p; int ith; } llml__worker;

#ifdef LLML__THREADS

static void *llml__pool_main(void *argp) {
    llml__pool *p = ((llml__worker *)argp)->p;
    int ith = ((llml__worker *)argp)->ith;
    uint64_t seen = 0;
    for (;;) {
        llml__task_fn fn;
        void *arg;
        int woke = 0;
#ifdef LLML__POOL_SPIN
        int spin;
        for (spin = 0; spin < LLML__POOL_SPIN; spin++) {
            if (LLML__ATOMIC_LOAD(&p->gen) != seen || LLML__ATOMIC_LOAD(&p->quit)) { woke = 1; break; }
            LLML__PAUSE();
        }
#endif
        if (!woke) {
            LLML__MU_LOCK(&p->mu);
            while (LLML__ATOMIC_LOAD(&p->gen) == seen && !LLML__ATOMIC_LOAD(&p->quit)) LLML__CV_WAIT(&p->cv_go, &p->mu);
            LLML__MU_UNLOCK(&p->mu);
        }
        if (LLML__ATOMIC_LOAD(&p->quit)) break;
        seen = LLML__ATOMIC_LOAD(&p->gen);   /* fn and arg were stored before gen */
        fn = p->fn; arg = p->arg;
        fn(arg, ith, p->n);
#ifdef LLML__POOL_SPIN
        if (LLML__ATOMIC_DEC(&p->pending) == 0) {
            LLML__MU_LOCK(&p->mu);
            LLML__CV_SIGNAL(&p->cv_done);
            LLML__MU_UNLOCK(&p->mu);
        }
#else
        LLML__MU_LOCK(&p->mu);
        if (--p->pending == 0) LLML__CV_SIGNAL(&p->cv_done);
        LLML__MU_UNLOCK(&p->mu);
#endif
    }
    return NULL;
}
#if defined(LLML__THREADS_WIN32)
static DWORD WINAPI llml__pool_main_w32(LPVOID argp) { (void)llml__pool_main(argp); return 0; }
#endif
#endif

/* workers[] must outlive the pool (it lives in the context). */
static int llml__pool_start(llml__pool *p, int n, llml__worker *workers_mem) {
    p->n = n < 1 ? 1 : n;
#ifdef LLML__THREADS
    {
        llml__worker *w = workers_mem;
        int i;
        p->gen = 0; p->pending = 0; p->quit = 0; p->started = 0;
        if (p->n == 1) return 1;
        if (!LLML__MU_INIT(&p->mu)) { p->n = 1; return 0; }
        LLML__CV_INIT(&p->cv_go);
        LLML__CV_INIT(&p->cv_done);
        for (i = 1; i < p->n; i++) {
            w[i].p = p; w[i].ith = i;
#if defined(LLML__THREADS_WIN32)
            p->th[i] = CreateThread(NULL, 0, llml__pool_main_w32, &w[i], 0, NULL);
            if (!p->th[i]) break;
#else
            if (pthread_create(&p->th[i], NULL, llml__pool_main, &w[i]) != 0) break;
#endif
        }
        p->started = i - 1;
        if (i < p->n) { p->n = i; }
    }
#else
    (void)workers_mem;
    p->n = 1;
#endif
    return 1;
}

static void llml__pool_stop(llml__pool *p) {
#ifdef LLML__THREADS
    int i;
    if (p->n <= 1 && !p->started) return;
    LLML__MU_LOCK(&p->mu);
    LLML__ATOMIC_STORE(&p->quit, 1);
    LLML__CV_BROADCAST(&p->cv_go);
    LLML__MU_UNLOCK(&p->mu);
#if defined(LLML__THREADS_WIN32)
    for (i = 1; i <= p->started; i++) { WaitForSingleObject(p->th[i], INFINITE); CloseHandle(p->th[i]); }
#else
    for (i = 1; i <= p->started; i++) pthread_join(p->th[i], NULL);
#endif
    LLML__CV_DESTROY(&p->cv_go);
    LLML__CV_DESTROY(&p->cv_done);
    LLML__MU_DESTROY(&p->mu);
    p->started = 0;
#else
    (void)p;
#endif
}

static void llml__pool_run(llml__pool *p, llml__task_fn fn, void *arg) {
    if (p->host) { p->host(p->host_user, fn, arg, p->n); return; }
#ifdef LLML__THREADS
    if (p->n > 1) {
        LLML__MU_LOCK(&p->mu);
        p->fn = fn; p->arg = arg;
        LLML__ATOMIC_STORE(&p->pending, p->n - 1);
        LLML__ATOMIC_STORE(&p->gen, p->gen + 1);
        LLML__CV_BROADCAST(&p->cv_go);
        LLML__MU_UNLOCK(&p->mu);
        fn(arg, 0, p->n);
#ifdef LLML__POOL_SPIN
        {
            int spin;
            for (spin = 0; spin < LLML__POOL_SPIN && LLML__ATOMIC_LOAD(&p->pending) > 0; spin++) LLML__PAUSE();
        }
#endif
#ifdef LLML__POOL_SPIN
        if (LLML__ATOMIC_LOAD(&p->pending) == 0) return;
#endif
        LLML__MU_LOCK(&p->mu);
        while (LLML__ATOMIC_LOAD(&p->pending) > 0) LLML__CV_WAIT(&p->cv_done, &p->mu);
        LLML__MU_UNLOCK(&p->mu);
        return;
    }
#endif
    fn(arg, 0, 1);
}

static int llml__cpu_count(void) {
#if defined(LLML__THREADS_WIN32)
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (int)si.dwNumberOfProcessors : 1;
#elif defined(LLML__THREADS) && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#else
    return 1;
#endif
}

/* ---- the context --------------------------------------------------------- */

typedef struct llml__bk llml__bk;   /* a backend in use (>>backend) */

struct llml_ctx {
    const llml_model *m;
    llml_allocator alloc;
    llml_log_fn log;
    void *log_user;
    llml__kern kern;
    llml__pool pool;
    llml__worker workers[LLML__MAX_THREADS];
    int32_t n_ctx, n_batch, n_threads;
    llml_kv_type kv_type;
    llml_type kt;               /* K and V storage format              */
    uint8_t **kc, **vc;         /* per layer: n_ctx rows               */
    size_t *kv_row;             /* per layer: bytes per cached token   */
    int32_t *tokens;            /* n_ctx ids in the cache              */
    int32_t n_past;
    /* scratch for one piece of n_batch tokens */
    float *x, *cur, *q, *k, *v, *att, *ffa, *ffb, *ffo, *router;
    float *moe_y;               /* n_batch x n_used x n_embd           */
    float *moe_w;               /* n_batch x n_used weights            */
    int32_t *moe_sel;           /* n_batch x n_used experts            */
    int32_t *moe_idx;           /* tokens routed to one expert         */
    uint8_t *actq;              /* activation rows in vec_dot formats  */
    size_t actq_row;            /* bytes reserved per activation row   */
    float *th_scores;           /* n_threads x n_ctx                   */
    uint8_t *th_q;              /* n_threads x q row                   */
    float *th_v;                /* n_threads x head_dim                */
    float *rope_cos, *rope_sin; /* n_rot/2 for one position            */
    float *logits;
    size_t logits_cap;          /* floats                              */
    int32_t n_logits;           /* rows kept by the last decode        */
    int32_t logits_all;
    int32_t cancel;
    char last_error[256];
    void *mem;                  /* one block for all of the above      */
    size_t mem_size;
    llml__bk *bk;               /* backend running some layers, or NULL */
};

static void llml__ctx_error(llml_ctx *c, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void llml__ctx_error(llml_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
    if (c->log) c->log(c->log_user, LLML_LOG_ERROR, c->last_error);
}

/* Largest layer/feed-forward sizes the scratch must hold. */
typedef struct llml__dims {
    int64_t n_embd, n_q, n_kv_max, n_ff_max, max_cols, n_used, n_expert;
} llml__dims;

static llml__dims llml__model_dims(const llml_model *m) {
    llml__dims d;
    int il;
    memset(&d, 0, sizeof(d));
    d.n_embd = m->info.n_embd;
    d.n_q = (int64_t)m->info.n_head * m->info.head_dim;
    d.n_used = m->info.n_expert_used;
    d.n_expert = m->info.n_expert;
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        int64_t nkv = (int64_t)L->n_head_kv * m->info.head_dim;
        int64_t ff = L->n_ff;
        if (L->ffn_up.data && m->arch == LLML__ARCH_PHI3) ff = 2 * (int64_t)L->n_ff;
        if (L->gate_shexp.data && L->gate_shexp.ne[1] > ff) ff = L->gate_shexp.ne[1];
        if (nkv > d.n_kv_max) d.n_kv_max = nkv;
        if (ff > d.n_ff_max) d.n_ff_max = ff;
    }
    d.max_cols = d.n_embd;
    if (d.n_q > d.max_cols) d.max_cols = d.n_q;
    if (d.n_ff_max > d.max_cols) d.max_cols = d.n_ff_max;
    return d;
}

static size_t llml__align64(size_t n) { return (n + 63u) & ~(size_t)63u; }

/* Measure, then place: the sizing code (>>plan, llml_ctx_sizes_get) gives
   the context's one block and every buffer in it, in this order; each size
   is rounded up to 64 bytes. */
enum {
    LLML__CB_TABLES, LLML__CB_KV, LLML__CB_TOKENS, LLML__CB_X, LLML__CB_CUR, LLML__CB_Q, LLML__CB_K,
    LLML__CB_V, LLML__CB_ATT, LLML__CB_FFA, LLML__CB_FFB, LLML__CB_FFO, LLML__CB_ROUTER,
    LLML__CB_MOE_Y, LLML__CB_MOE_W, LLML__CB_MOE_SEL, LLML__CB_MOE_IDX, LLML__CB_ACTQ,
    LLML__CB_TH_SCORES, LLML__CB_TH_Q, LLML__CB_TH_V, LLML__CB_ROPE_COS, LLML__CB_ROPE_SIN,
    LLML__CB_COUNT
};
static void llml__shape_of_model(const llml_model *m, llml_shape *s);
/* >>backend */
static llml_result llml__bk_attach(llml_ctx *c, const llml_ctx_desc *d, llml_error *err);
static void llml__bk_free(llml_ctx *c);
static int llml__bk_layer_on(const llml_ctx *c, int32_t il);
static llml_result llml__bk_forward(llml_ctx *c, int32_t il0, int32_t il1, int64_t n, int64_t pos0, int64_t out_rows,
                                    float *dst, int want_x);
static llml_result llml__bk_kv_sync(const llml_ctx *c, int to_host, int64_t pos0, int64_t n);
static llml_result llml__ctx_measure(const llml_shape *s, const llml_model *m, const llml_ctx_desc *desc,
                                     uint64_t *buf, llml_ctx_sizes *out);

LLML_API llml_result llml_ctx_create(const llml_model *m, const llml_ctx_desc *desc,
                                     llml_ctx **out, llml_error *err) {
    llml_ctx_desc d;
    llml_allocator a;
    llml_ctx *c;
    llml__dims dm;
    int64_t hd, nb, il, n_layer;
    size_t off;
    uint8_t *base;
    int nth;
    if (out) *out = NULL;
    if (!m || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "model and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    memset(&d, 0, sizeof(d));
    if (desc) d = *desc;
    memset(&a, 0, sizeof(a));
    if (d.allocator) a = *d.allocator;
    else a = m->alloc;
    if (d.n_ctx < 0 || d.n_batch < 0 || d.n_threads < 0 || (unsigned)d.kv_type > (unsigned)LLML_KV_Q8_0) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "negative n_ctx/n_batch/n_threads or unknown kv_type");
        return LLML_ERR_INVALID_ARG;
    }
    if (d.n_ctx == 0) d.n_ctx = LLML__MIN(m->info.n_ctx_train, 4096);
    if (d.n_batch == 0) d.n_batch = 512;
    if (d.n_batch > d.n_ctx) d.n_batch = d.n_ctx;
    nth = d.n_threads;
    if (nth == 0) nth = d.parallel_for ? 4 : LLML__MIN(llml__cpu_count(), 8);
    if (nth > LLML__MAX_THREADS) nth = LLML__MAX_THREADS;
    if (d.n_ctx > (1 << 24)) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "n_ctx %d is too large", (int)d.n_ctx); return LLML_ERR_INVALID_ARG; }
    if (llml__gguf_check_map(m->gguf) != LLML_OK) {
        llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "the model file is shorter than when it was loaded (changed on disk): load it again");
        return LLML_ERR_IO;
    }

    c = (llml_ctx *)llml__calloc(&a, sizeof(*c));
    if (!c) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    c->m = m;
    c->alloc = a;
    c->log = d.log; c->log_user = d.log_user;
    c->n_ctx = d.n_ctx; c->n_batch = d.n_batch; c->n_threads = nth;
    c->kv_type = d.kv_type == LLML_KV_DEFAULT ? LLML_KV_F16 : d.kv_type;
    hd = m->info.head_dim;
    if (c->kv_type == LLML_KV_Q8_0 && hd % 32) {
        if (c->log) c->log(c->log_user, LLML_LOG_WARN, "head size is not a multiple of 32: Q8_0 KV cache replaced by F16");
        c->kv_type = LLML_KV_F16;
    }
    c->kt = c->kv_type == LLML_KV_F32 ? LLML_TYPE_F32 : c->kv_type == LLML_KV_Q8_0 ? LLML_TYPE_Q8_0 : LLML_TYPE_F16;
    llml__kern_init(&c->kern, (uint32_t)d.isa_cap);
    dm = llml__model_dims(m);
    nb = c->n_batch;
    n_layer = m->info.n_layer;
    c->actq_row = llml__align64((size_t)dm.max_cols * 4 + 512);

    /* measure, then place: the block and its buffers come from the sizing
       code, which sees the model's shape; the forward pass works in the
       model's own dimensions (dm) and cache rows, so the two must agree */
    {
        llml_shape s;
        llml_ctx_desc md;
        llml_ctx_sizes cs;
        uint64_t buf[LLML__CB_COUNT];
        size_t kv_start;
        int kv_ok;
        llml_result r;
        md = d;
        md.n_ctx = c->n_ctx; md.n_batch = c->n_batch; md.n_threads = nth; md.kv_type = c->kv_type;
        llml__shape_of_model(m, &s);
        r = llml__ctx_measure(&s, m, &md, buf, &cs);
        if (r != LLML_OK) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, r, UINT64_MAX, "the model's dimensions are out of the range a context can be sized for (%s)",
                            llml_result_string(r));
            return r;
        }
        if (buf[LLML__CB_CUR] != llml__align64((size_t)(nb * dm.max_cols * 4)) ||
            buf[LLML__CB_K] != llml__align64((size_t)(nb * dm.n_kv_max * 4)) ||
            buf[LLML__CB_FFA] != llml__align64((size_t)(nb * dm.n_ff_max * 4)) ||
            buf[LLML__CB_MOE_Y] != llml__align64((size_t)(nb * dm.n_used * dm.n_embd * 4)) ||
            buf[LLML__CB_ACTQ] != llml__align64((size_t)nb * c->actq_row)) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX,
                            "internal error: the context's sizes (llml_ctx_sizes_get) disagree with the model's dimensions "
                            "(n_embd %lld, widest row %lld, KV width %lld, feed-forward %lld)", (long long)dm.n_embd,
                            (long long)dm.max_cols, (long long)dm.n_kv_max, (long long)dm.n_ff_max);
            return LLML_ERR_CORRUPT;
        }
        if (cs.block_bytes > (uint64_t)SIZE_MAX / 2) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "the context needs %llu bytes (n_ctx %d), more than this platform can address",
                            (unsigned long long)cs.block_bytes, (int)d.n_ctx);
            return LLML_ERR_OUT_OF_MEMORY;
        }
        c->mem_size = (size_t)cs.block_bytes;
        c->mem = llml__alloc(&a, c->mem_size, 64);
        if (!c->mem) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX,
                            "out of memory for the context (%.1f MiB: n_ctx %d; try a smaller n_ctx or a Q8_0 KV cache)",
                            (double)cs.block_bytes / 1048576.0, (int)d.n_ctx);   /* c is freed */
            return LLML_ERR_OUT_OF_MEMORY;
        }
        memset(c->mem, 0, c->mem_size);
        base = (uint8_t *)c->mem;
        off = 0;
#define LLML__TAKE(T, dst, bytes) do { dst = (T)(void *)(base + off); off += llml__align64((size_t)(bytes)); } while (0)
        LLML__TAKE(uint8_t **, c->kc, (size_t)buf[LLML__CB_TABLES]);
        c->vc = c->kc + n_layer;
        c->kv_row = (size_t *)(void *)(c->vc + n_layer);
        kv_start = off;
        for (il = 0; il < n_layer; il++) {
            c->kv_row[il] = llml_row_size(c->kt, (int64_t)m->layers[il].n_head_kv * hd);
            LLML__TAKE(uint8_t *, c->kc[il], (size_t)c->n_ctx * c->kv_row[il]);
            LLML__TAKE(uint8_t *, c->vc[il], (size_t)c->n_ctx * c->kv_row[il]);
        }
        kv_ok = (uint64_t)(off - kv_start) == buf[LLML__CB_KV];
        LLML__TAKE(int32_t *, c->tokens, buf[LLML__CB_TOKENS]);
        LLML__TAKE(float *, c->x, buf[LLML__CB_X]);
        LLML__TAKE(float *, c->cur, buf[LLML__CB_CUR]);
        LLML__TAKE(float *, c->q, buf[LLML__CB_Q]);
        LLML__TAKE(float *, c->k, buf[LLML__CB_K]);
        LLML__TAKE(float *, c->v, buf[LLML__CB_V]);
        LLML__TAKE(float *, c->att, buf[LLML__CB_ATT]);
        LLML__TAKE(float *, c->ffa, buf[LLML__CB_FFA]);
        LLML__TAKE(float *, c->ffb, buf[LLML__CB_FFB]);
        LLML__TAKE(float *, c->ffo, buf[LLML__CB_FFO]);
        LLML__TAKE(float *, c->router, buf[LLML__CB_ROUTER]);
        LLML__TAKE(float *, c->moe_y, buf[LLML__CB_MOE_Y]);
        LLML__TAKE(float *, c->moe_w, buf[LLML__CB_MOE_W]);
        LLML__TAKE(int32_t *, c->moe_sel, buf[LLML__CB_MOE_SEL]);
        LLML__TAKE(int32_t *, c->moe_idx, buf[LLML__CB_MOE_IDX]);
        LLML__TAKE(uint8_t *, c->actq, buf[LLML__CB_ACTQ]);
        LLML__TAKE(float *, c->th_scores, buf[LLML__CB_TH_SCORES]);
        LLML__TAKE(uint8_t *, c->th_q, buf[LLML__CB_TH_Q]);
        LLML__TAKE(float *, c->th_v, buf[LLML__CB_TH_V]);
        LLML__TAKE(float *, c->rope_cos, buf[LLML__CB_ROPE_COS]);
        LLML__TAKE(float *, c->rope_sin, buf[LLML__CB_ROPE_SIN]);
#undef LLML__TAKE
        if (!kv_ok || off != c->mem_size) {
            llml__free(&a, c->mem, c->mem_size);
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX,
                            "internal error: the context placed %llu bytes in a block of %llu (llml_ctx_sizes_get)",
                            (unsigned long long)off, (unsigned long long)cs.block_bytes);
            return LLML_ERR_CORRUPT;
        }
    }
    if (d.parallel_for) {
        c->pool.n = nth;
        c->pool.host = d.parallel_for;
        c->pool.host_user = d.parallel_for_user;
    } else {
        llml__pool_start(&c->pool, nth, c->workers);
    }
    c->n_threads = c->pool.n;
    if (c->log) {
        char buf[256];
        snprintf(buf, sizeof(buf), "context: n_ctx %d, n_batch %d, %d threads, %s kernels, KV cache %s, %.1f MiB",
                 (int)c->n_ctx, (int)c->n_batch, (int)c->n_threads, llml_isa_name(c->kern.level), llml__types[c->kt].info.name,
                 (double)c->mem_size / 1048576.0);
        c->log(c->log_user, LLML_LOG_INFO, buf);
    }
    {
        llml_result r = llml__bk_attach(c, &d, err);   /* GPU layers, if asked for */
        if (r != LLML_OK) { llml_ctx_free(c); return r; }
    }
    *out = c;
    return LLML_OK;
}

LLML_API void llml_ctx_free(llml_ctx *c) {
    llml_allocator a;
    if (!c) return;
    a = c->alloc;
    llml__bk_free(c);
    if (c->mem && !c->pool.host) llml__pool_stop(&c->pool);
    if (c->logits) llml__free(&a, c->logits, c->logits_cap * sizeof(float));
    if (c->mem) llml__free(&a, c->mem, c->mem_size);
    llml__free(&a, c, sizeof(*c));
}

LLML_API const char *llml_ctx_last_error(const llml_ctx *c) { return c ? c->last_error : ""; }
LLML_API const llml_model *llml_ctx_model(const llml_ctx *c) { return c ? c->m : NULL; }
LLML_API int32_t llml_ctx_n_ctx(const llml_ctx *c) { return c ? c->n_ctx : 0; }
LLML_API int32_t llml_ctx_n_past(const llml_ctx *c) { return c ? c->n_past : 0; }
LLML_API const int32_t *llml_ctx_tokens(const llml_ctx *c) { return c ? c->tokens : NULL; }

LLML_API void llml_ctx_cancel(llml_ctx *c) { if (c) LLML__ATOMIC_STORE(&c->cancel, 1); }
/* for llml_generate: forget an old request / poll without consuming it */
LLML__UNUSED static void llml__ctx_cancel_clear(llml_ctx *c) { LLML__ATOMIC_STORE(&c->cancel, 0); }
LLML__UNUSED static int llml__ctx_cancelled(const llml_ctx *c) { return LLML__ATOMIC_LOAD(&c->cancel) != 0; }

/* ---- element-wise operations --------------------------------------------- */

/* RMS norm of n values (sum of squares in double, as the reference), times
   w: the kernel table's rmsnorm (llml__rmsnorm_fn). */
static void llml__rmsnorm(const llml_ctx *c, float *y, const float *x, const float *w, int64_t n, float eps) {
    c->kern.rmsnorm(y, x, w, n, eps);
}


/* GELU, tanh form, through half precision as the reference's table does:
   the input is rounded to F16 and so is the result. */
static float llml__gelu(float x) {
    float h, r;
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    h = llml_fp16_to_fp32(llml_fp32_to_fp16(x));
    r = 0.5f * h * (1.0f + tanhf(0.79788456080286535587989211986876f * h * (1.0f + 0.044715f * h * h)));
    return llml_fp16_to_fp32(llml_fp32_to_fp16(r));
}

/* cos/sin of the n_rot/2 rotary angles at position pos (may be negative:
   a shift). theta_i = pos * scale * base^(-2i/n_rot) / freq_factor_i,
   with the angle stepped in float as the reference does. */
static void llml__rope_cache(const llml_ctx *c, const llml__layer *L, float pos) {
    const llml_model *m = c->m;
    int n_rot = m->info.n_rot, i;
    float theta_scale = powf(L->rope_base, -2.0f / (float)n_rot);
    float theta = pos;
    for (i = 0; i < n_rot / 2; i++) {
        float t = theta;
        if (m->rope_freqs) t = t / m->rope_freqs[i];
        t *= L->rope_scale;
        c->rope_cos[i] = cosf(t);
        c->rope_sin[i] = sinf(t);
        theta *= theta_scale;
    }
}

static void llml__rope_apply(const llml_ctx *c, float *x, int n_heads) {
    const llml_model *m = c->m;
    c->kern.rope(x, n_heads, m->info.head_dim, m->info.n_rot, m->info.rope_style == LLML_ROPE_NEOX, c->rope_cos, c->rope_sin);
}

/* ---- matrix products ----------------------------------------------------- */

/* Sharing a step's 16-row chunks among the threads. With a fixed split of
   the rows, the threads of a token's matrix-vector step finished some 10%
   of the step apart (measured at 2 threads, either thread first: memory
   does not serve two cores evenly), and that wait is time in which one
   core reads nothing. So thread i starts on the i-th equal slice, its span
   [lo, hi), and takes chunks from its front a quarter of what is left at a
   time (one pass over consecutive rows, as before); a thread whose span is
   empty takes the back half of the fullest other span as its own. Both
   ends move by compare-and-swap on one word per span, each on its own
   cache line; a chunk is computed by the thread that took it, so results
   are the same bits whoever takes it. */
typedef struct llml__span {
    uint64_t v;                 /* lo | hi << 32 */
    char pad[64 - sizeof(uint64_t)];
} llml__span;

#define LLML__SPAN(lo, hi) ((uint64_t)(lo) | (uint64_t)(hi) << 32)

#ifdef LLML__ATOMIC_CAS64
/* Takes up to a quarter of span s (at least min chunks) from its front:
   [*a, *b), or 0 when it is empty. */
static int llml__span_take(llml__span *s, int64_t min, int64_t *a, int64_t *b) {
    uint64_t o = LLML__ATOMIC_LOAD(&s->v);
    for (;;) {
        int64_t lo = (int64_t)(o & 0xffffffffu), hi = (int64_t)(o >> 32), n;
        if (lo >= hi) return 0;
        n = LLML__MIN(hi - lo, LLML__MAX(min, (hi - lo) / 4));
        if (LLML__ATOMIC_CAS64(&s->v, &o, LLML__SPAN(lo + n, hi))) { *a = lo; *b = lo + n; return 1; }
    }
}

/* Moves the back half of the fullest span but own's (at least min chunks
   of it, or all of a smaller one) into own, which is empty; 0 when every
   span is empty. */
static int llml__span_steal(llml__span *span, int nth, int own, int64_t min) {
    for (;;) {
        int i, best = -1;
        int64_t most = 0;
        uint64_t o = 0;
        for (i = 0; i < nth; i++) {
            uint64_t v = LLML__ATOMIC_LOAD(&span[i].v);
            int64_t left = (int64_t)(v >> 32) - (int64_t)(v & 0xffffffffu);
            if (i != own && left > most) { most = left; best = i; o = v; }
        }
        if (best < 0) return 0;
        {
            int64_t lo = (int64_t)(o & 0xffffffffu), hi = (int64_t)(o >> 32);
            int64_t mid = most <= min ? lo : hi - LLML__MAX(most / 2, min);
            if (LLML__ATOMIC_CAS64(&span[best].v, &o, LLML__SPAN(lo, mid))) {
                LLML__ATOMIC_STORE(&span[own].v, LLML__SPAN(mid, hi));
                return 1;
            }
        }
    }
}
#endif

/* One matrix of a product: rows of w (an expert's slice) into out. */
typedef struct llml__mm_part {
    const llml__w *w;
    const uint8_t *wdata;       /* expert slice */
    llml__mm_fn fn;             /* kern.mm, or kern.gemm on gq rows */
    float *out;
    size_t out_stride;
    int64_t chunks;             /* 16-row chunks */
} llml__mm_part;

#define LLML__MM_PARTS 3

/* Up to LLML__MM_PARTS matrices applied to the same activation rows in one
   parallel step (Q, K and V; gate and up): the rows of all parts are one
   range split over the threads, so token generation pays one wake-up and
   one wait instead of one per matrix, and quantizes the activations once. */
typedef struct llml__mm_task {
    const llml_ctx *c;
    llml__mm_part p[LLML__MM_PARTS];
    int np;
    llml__actq_fn q;            /* the activation quantizer of every part */
    size_t a_stride;            /* bytes between activation rows in c->actq */
    const float *x;             /* float activation rows (quantizing pass) */
    size_t x_stride;
    int64_t nt;
    int64_t chunks;             /* of all parts (llml__mm_run) */
    int shared;                 /* chunks handed out through span[] */
    char pad[64];               /* span[0] on a line of its own */
    llml__span span[LLML__MAX_THREADS];
} llml__mm_task;

/* Chunks [c0, c1) of the step (counted over its parts in order). */
static void llml__mm_chunks(const llml__mm_task *t, int64_t c0, int64_t c1) {
    int64_t base = 0;
    int k;
    for (k = 0; k < t->np && base < c1; base += t->p[k].chunks, k++) {
        const llml__mm_part *pt = &t->p[k];
        const llml__w *w = pt->w;
        int64_t a = LLML__MAX(c0, base) - base, b = LLML__MIN(c1, base + pt->chunks) - base;
        int64_t r0 = a * 16, r1 = LLML__MIN(b * 16, w->ne[1]);
        if (r0 >= r1) continue;
        pt->fn(w->type, w->ne[0], pt->wdata + (size_t)r0 * w->row_bytes, w->row_bytes, r1 - r0,
               t->c->actq, t->a_stride, t->nt, pt->out + r0, pt->out_stride);
    }
}

static void llml__mm_worker(void *arg, int ith, int nth) {
    llml__mm_task *t = (llml__mm_task *)arg;
    int64_t a, b;
    /* rows in chunks of 16 so SIMD kernels see whole groups (the prompt
       GEMM's panels are 16 rows) */
#ifdef LLML__ATOMIC_CAS64
    if (t->shared) {
        int64_t min = t->nt >= LLML__GEMM_MIN_NT ? 4 : 1;
        do {
            while (llml__span_take(&t->span[ith], min, &a, &b)) llml__mm_chunks(t, a, b);
        } while (llml__span_steal(t->span, nth, ith, min));
        return;
    }
#endif
    llml__mm_chunks(t, t->chunks * ith / nth, t->chunks * (ith + 1) / nth);
}

/* The quantizing pass: activation rows split over the threads. */
static void llml__actq_worker(void *arg, int ith, int nth) {
    const llml__mm_task *t = (const llml__mm_task *)arg;
    const llml_ctx *c = t->c;
    int64_t i0 = t->nt * ith / nth, i1 = t->nt * (ith + 1) / nth, i;
    for (i = i0; i < i1; i++) t->q(t->x + (size_t)i * t->x_stride, c->actq + (size_t)i * t->a_stride, t->p[0].w->ne[0]);
}

/* The kernel, activation quantizer and activation row size for w (and
   the interleaved copy of its rows when it has one and the kernels read
   it: pt->wdata, set before, is the file's rows otherwise). From
   LLML__GEMM_MIN_NT rows on, the prompt GEMM where the kernels have one for
   the format (it gives the same bits as mm, so a token's results do not
   depend on how many rows share the call). */
static void llml__mm_choose(const llml_ctx *c, const llml__w *w, int64_t nt, llml__mm_part *pt, llml__actq_fn *q,
                            size_t *a_stride) {
    if (nt >= LLML__GEMM_MIN_NT && c->kern.gemm[w->type]) {
        pt->fn = c->kern.gemm[w->type];
        *q = c->kern.gq[w->type];
        *a_stride = llml__align64(llml__gq_bytes(w->type, w->ne[0]));   /* <= actq_row */
        if (w->il && c->kern.gemmi[w->type]) { pt->fn = c->kern.gemmi[w->type]; pt->wdata = w->il; }
    } else {
        pt->fn = c->kern.mm[w->type];
        *q = c->kern.actq[llml__types[w->type].info.vec_dot_type];
        *a_stride = c->actq_row;
        if (w->il && c->kern.mmi[w->type]) { pt->fn = c->kern.mmi[w->type]; pt->wdata = w->il; }
    }
}

static void llml__mm_run(llml_ctx *c, llml__mm_task *t) {
    int64_t work = 0;
    int k;
    t->chunks = 0;
    for (k = 0; k < t->np; k++) { work += t->p[k].w->ne[1]; t->chunks += t->p[k].chunks; }
    work *= t->nt * t->p[0].w->ne[0];
    if (t->nt >= 2 * c->pool.n && c->pool.n > 1 && t->nt * t->p[0].w->ne[0] >= 65536) llml__pool_run(&c->pool, llml__actq_worker, t);
    else llml__actq_worker(t, 0, 1);
    t->shared = 0;
    if (work < 32768) { llml__mm_worker(t, 0, 1); return; }
#ifdef LLML__ATOMIC_CAS64
    if (c->pool.n > 1) {
        const int64_t total = t->chunks;
        int i, nth = c->pool.n;
        if (total < ((int64_t)1 << 31)) {
            for (i = 0; i < nth; i++) t->span[i].v = LLML__SPAN(total * i / nth, total * (i + 1) / nth);
            t->shared = 1;
        }
    }
#endif
    llml__pool_run(&c->pool, llml__mm_worker, t);
}

/* out[t][0..rows) = W(expert) x[t] for nt rows of x (stride x_stride
   floats). */
static void llml__matmul(llml_ctx *c, const llml__w *w, int64_t expert, const float *x, size_t x_stride,
                         int64_t nt, float *out, size_t out_stride) {
    llml__mm_task t;
    t.c = c; t.np = 1;
    t.p[0].w = w;
    t.p[0].wdata = w->data + (size_t)expert * (size_t)w->ne[1] * w->row_bytes;
    t.p[0].out = out; t.p[0].out_stride = out_stride;
    t.p[0].chunks = (w->ne[1] + 15) / 16;
    llml__mm_choose(c, w, nt, &t.p[0], &t.q, &t.a_stride);
    t.x = x; t.x_stride = x_stride; t.nt = nt;
    llml__mm_run(c, &t);
}

/* out_k = W_k x for n (<= LLML__MM_PARTS) matrices with the same input
   width: one step where they share the activation format, else one each. */
static void llml__matmul_n(llml_ctx *c, int n, const llml__w *const *w, const float *x, size_t x_stride, int64_t nt,
                           float *const *out, const size_t *out_stride) {
    llml__mm_task t;
    int k, same = 1;
    t.c = c; t.np = n;
    t.x = x; t.x_stride = x_stride; t.nt = nt;
    for (k = 0; k < n; k++) {
        llml__actq_fn q;
        size_t as;
        t.p[k].w = w[k];
        t.p[k].wdata = w[k]->data;
        t.p[k].out = out[k]; t.p[k].out_stride = out_stride[k];
        t.p[k].chunks = (w[k]->ne[1] + 15) / 16;
        llml__mm_choose(c, w[k], nt, &t.p[k], &q, &as);
        if (k == 0) { t.q = q; t.a_stride = as; }
        else if (q != t.q || as != t.a_stride || w[k]->ne[0] != w[0]->ne[0]) same = 0;
    }
    if (same) { llml__mm_run(c, &t); return; }
    for (k = 0; k < n; k++) llml__matmul(c, w[k], 0, x, x_stride, nt, out[k], out_stride[k]);
}

/* ---- attention ----------------------------------------------------------- */

typedef struct llml__attn_task {
    llml_ctx *c;
    int il;
    int64_t n, pos0;
} llml__attn_task;

static void llml__attn_worker(void *arg, int ith, int nth) {
    const llml__attn_task *t = (const llml__attn_task *)arg;
    llml_ctx *c = t->c;
    const llml_model *m = c->m;
    const llml__layer *L = &m->layers[t->il];
    int64_t hd = m->info.head_dim, n_head = m->info.n_head, n_kv = L->n_head_kv;
    int64_t group = n_head / n_kv, h, i, j;
    int64_t n_q = n_head * hd;
    float *scores = c->th_scores + (size_t)ith * c->n_ctx;
    uint8_t *qa = c->th_q + (size_t)ith * llml__align64((size_t)hd * 4 + 64);
    float *vrow = c->th_v + (size_t)ith * hd;
    size_t row = c->kv_row[t->il];
    size_t head_bytes = llml_row_size(c->kt, hd);
    llml_type qt = llml__types[c->kt].info.vec_dot_type;
    int64_t swa = L->is_swa ? m->info.sliding_window : 0;
    float scale = m->attn_scale_pre ? 1.0f : m->attn_scale;
    for (h = ith; h < n_head; h += nth) {
        int64_t kvh = h / group;
        const uint8_t *kbase = c->kc[t->il] + (size_t)kvh * head_bytes;
        const uint8_t *vbase = c->vc[t->il] + (size_t)kvh * head_bytes;
        for (i = 0; i < t->n; i++) {
            int64_t pos = t->pos0 + i, j0 = 0, nk;
            float mx = -INFINITY, inv;
            double sum = 0.0;
            float *o = c->att + (size_t)i * n_q + (size_t)h * hd;
            if (swa > 0 && pos - swa + 1 > 0) j0 = pos - swa + 1;
            nk = pos - j0 + 1;
            c->kern.actq[qt](c->q + (size_t)i * n_q + (size_t)h * hd, qa, hd);
            c->kern.mm[c->kt](c->kt, hd, kbase + (size_t)j0 * row, row, nk, qa, 0, 1, scores, 0);
            for (j = 0; j < nk; j++) {
                float s = scores[j];
                if (m->attn_softcap > 0.0f) s = tanhf(s * (1.0f / m->attn_softcap)) * m->attn_softcap;
                s *= scale;
                scores[j] = s;
                if (s > mx) mx = s;
            }
            sum = c->kern.expsum(scores, nk, mx);
            inv = (float)(1.0 / sum);
            for (j = 0; j < nk; j++) scores[j] *= inv;
            c->kern.wsum[c->kt](c->kt, o, vbase + (size_t)j0 * row, row, scores, nk, hd, vrow);
        }
    }
}

/* Store rows of k and v (floats) into the cache of layer il at pos0.. */
static void llml__kv_store(llml_ctx *c, int il, const float *k, const float *v, int64_t n, int64_t pos0, int64_t width) {
    size_t row = c->kv_row[il];
    int64_t i;
    for (i = 0; i < n; i++) {
        uint8_t *kd = c->kc[il] + (size_t)(pos0 + i) * row;
        uint8_t *vd = c->vc[il] + (size_t)(pos0 + i) * row;
        if (c->kt == LLML_TYPE_F32) {
            memcpy(kd, k + (size_t)i * width, (size_t)width * 4);
            memcpy(vd, v + (size_t)i * width, (size_t)width * 4);
        } else {
            c->kern.actq[c->kt](k + (size_t)i * width, kd, width);
            c->kern.actq[c->kt](v + (size_t)i * width, vd, width);
        }
    }
}

/* ---- feed-forward -------------------------------------------------------- */

static void llml__act_mul(const llml_ctx *c, float *g, const float *u, int64_t n) {
    int64_t i;
    if (c->m->gelu) for (i = 0; i < n; i++) g[i] = llml__gelu(g[i]) * u[i];
    else c->kern.silu_mul(g, u, n);
}

/* dense FFN on n rows of cur (stride n_embd) into ffo */
static void llml__ffn_dense(llml_ctx *c, const llml__layer *L, int64_t n) {
    const llml_model *m = c->m;
    int64_t ne = m->info.n_embd, ff = L->n_ff, i;
    if (m->arch == LLML__ARCH_PHI3) {
        llml__matmul(c, &L->ffn_up, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)(2 * ff));
        for (i = 0; i < n; i++) {
            float *gu = c->ffa + (size_t)i * 2 * ff;
            llml__act_mul(c, gu, gu + ff, ff);
            memmove(c->ffb + (size_t)i * ff, gu, (size_t)ff * 4);
        }
    } else {
        const llml__w *ws[2];
        float *outs[2];
        size_t strides[2];
        ws[0] = &L->ffn_gate; ws[1] = &L->ffn_up;
        outs[0] = c->ffb; outs[1] = c->ffa;
        strides[0] = strides[1] = (size_t)ff;
        llml__matmul_n(c, 2, ws, c->cur, (size_t)ne, n, outs, strides);
        for (i = 0; i < n; i++) llml__act_mul(c, c->ffb + (size_t)i * ff, c->ffa + (size_t)i * ff, ff);
    }
    llml__matmul(c, &L->ffn_down, 0, c->ffb, (size_t)ff, n, c->ffo, (size_t)ne);
}

/* experts: router softmax, top-k, each expert on the rows routed to it */
static void llml__ffn_moe(llml_ctx *c, const llml__layer *L, int64_t n) {
    const llml_model *m = c->m;
    int64_t ne = m->info.n_embd, ff = L->n_ff, n_exp = m->info.n_expert, k = m->info.n_expert_used;
    int64_t i, j, e, d;
    float *xe = c->ffo;   /* gathered rows (ffo is free until the end) */
    llml__matmul(c, &L->gate_inp, 0, c->cur, (size_t)ne, n, c->router, (size_t)n_exp);
    for (i = 0; i < n; i++) {
        float *p = c->router + (size_t)i * n_exp, mx = -INFINITY, inv;
        double sum = 0.0;
        int32_t *sel = c->moe_sel + (size_t)i * k;
        float *w = c->moe_w + (size_t)i * k;
        for (e = 0; e < n_exp; e++) if (p[e] > mx) mx = p[e];
        for (e = 0; e < n_exp; e++) { p[e] = expf(p[e] - mx); sum += (double)p[e]; }
        inv = (float)(1.0 / sum);
        for (e = 0; e < n_exp; e++) p[e] *= inv;
        for (j = 0; j < k; j++) {       /* top-k, largest first, lower id on ties */
            int32_t best = -1;
            for (e = 0; e < n_exp; e++) {
                int taken = 0, q;
                for (q = 0; q < j; q++) if (sel[q] == (int32_t)e) taken = 1;
                if (taken) continue;
                if (best < 0 || p[e] > p[best]) best = (int32_t)e;
            }
            sel[j] = best;
            w[j] = p[best];
        }
        if (m->norm_w_experts) {
            float s = 0.0f;
            for (j = 0; j < k; j++) s += w[j];
            for (j = 0; j < k; j++) w[j] /= s;
        }
    }
    for (e = 0; e < n_exp; e++) {
        int64_t cnt = 0;
        for (i = 0; i < n; i++)
            for (j = 0; j < k; j++)
                if (c->moe_sel[i * k + j] == (int32_t)e) c->moe_idx[cnt++] = (int32_t)(i * k + j);
        if (!cnt) continue;
        for (i = 0; i < cnt; i++) memcpy(xe + (size_t)i * ne, c->cur + (size_t)(c->moe_idx[i] / k) * ne, (size_t)ne * 4);
        llml__matmul(c, &L->gate_exps, e, xe, (size_t)ne, cnt, c->ffb, (size_t)ff);
        llml__matmul(c, &L->up_exps, e, xe, (size_t)ne, cnt, c->ffa, (size_t)ff);
        for (i = 0; i < cnt; i++) llml__act_mul(c, c->ffb + (size_t)i * ff, c->ffa + (size_t)i * ff, ff);
        llml__matmul(c, &L->down_exps, e, c->ffb, (size_t)ff, cnt, c->ffa, (size_t)ne);
        for (i = 0; i < cnt; i++) {
            float *y = c->moe_y + (size_t)c->moe_idx[i] * ne, wt = c->moe_w[c->moe_idx[i]];
            const float *src = c->ffa + (size_t)i * ne;
            for (d = 0; d < ne; d++) y[d] = src[d] * wt;
        }
    }
    for (i = 0; i < n; i++) {
        float *o = c->ffo + (size_t)i * ne;
        const float *y = c->moe_y + (size_t)i * k * ne;
        for (d = 0; d < ne; d++) o[d] = y[d];
        for (j = 1; j < k; j++) for (d = 0; d < ne; d++) o[d] += y[(size_t)j * ne + d];
    }
    if (L->gate_shexp.data) {
        int64_t ffs = L->gate_shexp.ne[1];
        float *gs = c->router + (size_t)n * n_exp;   /* n spare floats after the router rows */
        for (i = 0; i < n; i++) {
            if (L->gate_inp_shexp) {
                double s = 0.0;
                const float *xr = c->cur + (size_t)i * ne;
                for (d = 0; d < ne; d++) s += (double)(xr[d] * L->gate_inp_shexp[d]);
                gs[i] = 1.0f / (1.0f + expf(-(float)s));
            } else {
                gs[i] = 1.0f;
            }
        }
        llml__matmul(c, &L->gate_shexp, 0, c->cur, (size_t)ne, n, c->ffb, (size_t)ffs);
        llml__matmul(c, &L->up_shexp, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)ffs);
        for (i = 0; i < n; i++) llml__act_mul(c, c->ffb + (size_t)i * ffs, c->ffa + (size_t)i * ffs, ffs);
        llml__matmul(c, &L->down_shexp, 0, c->ffb, (size_t)ffs, n, c->ffa, (size_t)ne);
        for (i = 0; i < n; i++)
            for (d = 0; d < ne; d++) c->ffo[(size_t)i * ne + d] += c->ffa[(size_t)i * ne + d] * gs[i];
    }
}

/* ---- one piece ----------------------------------------------------------- */

/* Run n tokens at positions pos0.. through the model; when out_rows > 0
   compute logits for the last out_rows tokens of the piece into dst. */
static llml_result llml__forward(llml_ctx *c, const int32_t *tokens, int64_t n, int64_t pos0,
                                 int64_t out_rows, float *dst) {
    const llml_model *m = c->m;
    int64_t ne = m->info.n_embd, hd = m->info.head_dim, n_head = m->info.n_head;
    int64_t n_q = n_head * hd, i, d;
    int il;
    float eps = m->info.norm_eps;
    for (i = 0; i < n; i++) {
        float *xr = c->x + (size_t)i * ne;
        const llml__w *te = &m->tok_embd;
        llml__types[te->type].dequant(te->data + (size_t)tokens[i] * te->row_bytes, xr, ne);
        if (m->embd_scale > 0.0f) for (d = 0; d < ne; d++) xr[d] *= m->embd_scale;
    }
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        int64_t n_kv = (int64_t)L->n_head_kv * hd;
        llml__attn_task at;
        if (LLML__ATOMIC_LOAD(&c->cancel)) {
            LLML__ATOMIC_STORE(&c->cancel, 0);
            llml__ctx_error(c, "decode cancelled");
            return LLML_ERR_ABORTED;
        }
        if (llml__bk_layer_on(c, il)) {   /* a run of layers on the backend (>>backend) */
            int32_t e = il + 1, nl = m->info.n_layer;
            int out_here;
            llml_result r;
            while (e < nl && llml__bk_layer_on(c, e)) e++;
            out_here = e == nl && out_rows > 0 && llml__bk_layer_on(c, nl);
            r = llml__bk_forward(c, il, e, n, pos0, out_here ? out_rows : 0, dst, e < nl || (out_rows > 0 && !out_here));
            if (r != LLML_OK || out_here) return r;
            il = e - 1;
            continue;
        }
        for (i = 0; i < n; i++) llml__rmsnorm(c, c->cur + (size_t)i * ne, c->x + (size_t)i * ne, L->attn_norm, ne, eps);
        if (L->wqkv.data) {
            int64_t w3 = n_q + 2 * n_kv;
            llml__matmul(c, &L->wqkv, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)w3);
            for (i = 0; i < n; i++) {
                const float *r = c->ffa + (size_t)i * w3;
                memcpy(c->q + (size_t)i * n_q, r, (size_t)n_q * 4);
                memcpy(c->k + (size_t)i * n_kv, r + n_q, (size_t)n_kv * 4);
                memcpy(c->v + (size_t)i * n_kv, r + n_q + n_kv, (size_t)n_kv * 4);
            }
        } else {
            const llml__w *ws[3];
            float *outs[3];
            size_t strides[3];
            ws[0] = &L->wq; ws[1] = &L->wk; ws[2] = &L->wv;
            outs[0] = c->q; outs[1] = c->k; outs[2] = c->v;
            strides[0] = (size_t)n_q; strides[1] = strides[2] = (size_t)n_kv;
            llml__matmul_n(c, 3, ws, c->cur, (size_t)ne, n, outs, strides);
        }
        for (i = 0; i < n; i++) {
            float *qr = c->q + (size_t)i * n_q, *kr = c->k + (size_t)i * n_kv, *vr = c->v + (size_t)i * n_kv;
            int64_t h;
            if (L->bq) for (d = 0; d < n_q; d++) qr[d] += L->bq[d];
            if (L->bk) for (d = 0; d < n_kv; d++) kr[d] += L->bk[d];
            if (L->bv) for (d = 0; d < n_kv; d++) vr[d] += L->bv[d];
            if (L->q_norm) for (h = 0; h < n_head; h++) llml__rmsnorm(c, qr + h * hd, qr + h * hd, L->q_norm, hd, eps);
            if (L->k_norm) for (h = 0; h < L->n_head_kv; h++) llml__rmsnorm(c, kr + h * hd, kr + h * hd, L->k_norm, hd, eps);
            llml__rope_cache(c, L, (float)(pos0 + i));
            llml__rope_apply(c, qr, (int)n_head);
            llml__rope_apply(c, kr, L->n_head_kv);
            if (m->attn_scale_pre) for (d = 0; d < n_q; d++) qr[d] *= m->attn_scale;
        }
        llml__kv_store(c, il, c->k, c->v, n, pos0, n_kv);
        at.c = c; at.il = il; at.n = n; at.pos0 = pos0;
        if (n * n_head >= 4 && c->pool.n > 1) llml__pool_run(&c->pool, llml__attn_worker, &at);
        else llml__attn_worker(&at, 0, 1);
        llml__matmul(c, &L->wo, 0, c->att, (size_t)n_q, n, c->cur, (size_t)ne);
        if (L->attn_post_norm)
            for (i = 0; i < n; i++) llml__rmsnorm(c, c->cur + (size_t)i * ne, c->cur + (size_t)i * ne, L->attn_post_norm, ne, eps);
        for (i = 0; i < n * ne; i++) c->x[i] += c->cur[i];
        for (i = 0; i < n; i++) llml__rmsnorm(c, c->cur + (size_t)i * ne, c->x + (size_t)i * ne, L->ffn_norm, ne, eps);
        if (m->info.n_expert > 0) llml__ffn_moe(c, L, n);
        else llml__ffn_dense(c, L, n);
        if (L->ffn_post_norm)
            for (i = 0; i < n; i++) llml__rmsnorm(c, c->ffo + (size_t)i * ne, c->ffo + (size_t)i * ne, L->ffn_post_norm, ne, eps);
        for (i = 0; i < n * ne; i++) c->x[i] += c->ffo[i];
    }
    if (out_rows > 0 && llml__bk_layer_on(c, m->info.n_layer))
        return llml__bk_forward(c, m->info.n_layer, m->info.n_layer, n, pos0, out_rows, dst, 0);
    if (out_rows > 0) {
        int64_t first = n - out_rows;
        for (i = 0; i < out_rows; i++)
            llml__rmsnorm(c, c->cur + (size_t)i * ne, c->x + (size_t)(first + i) * ne, m->output_norm, ne, eps);
        llml__matmul(c, &m->output, 0, c->cur, (size_t)ne, out_rows, dst, (size_t)m->n_vocab);
        if (m->final_softcap > 0.0f) {
            float cap = m->final_softcap;
            for (i = 0; i < out_rows * (int64_t)m->n_vocab; i++) dst[i] = tanhf(dst[i] * (1.0f / cap)) * cap;
        }
    }
    return LLML_OK;
}

static llml_result llml__logits_reserve(llml_ctx *c, size_t floats) {
    float *p;
    if (floats <= c->logits_cap) return LLML_OK;
    p = (float *)llml__alloc(&c->alloc, floats * sizeof(float), 64);
    if (!p) return LLML_ERR_OUT_OF_MEMORY;
    if (c->logits) llml__free(&c->alloc, c->logits, c->logits_cap * sizeof(float));
    c->logits = p;
    c->logits_cap = floats;
    return LLML_OK;
}

LLML_API llml_result llml_decode(llml_ctx *c, const int32_t *tokens, int32_t n, uint32_t flags) {
    int32_t i, done;
    int all = (flags & LLML_DECODE_ALL_LOGITS) != 0;
    size_t nv;
    llml_result r;
    if (!c) return LLML_ERR_INVALID_ARG;
    if (!tokens || n <= 0) { llml__ctx_error(c, "llml_decode: no tokens"); return LLML_ERR_INVALID_ARG; }
    nv = (size_t)c->m->n_vocab;
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->m->n_vocab) {
            llml__ctx_error(c, "llml_decode: token %d at index %d is out of range (vocabulary %d)", (int)tokens[i], (int)i, (int)c->m->n_vocab);
            return LLML_ERR_INVALID_ARG;
        }
    if (llml__gguf_check_map(c->m->gguf) != LLML_OK) {   /* one fstat: see manual, Limits */
        llml__ctx_error(c, "the model file is shorter than when it was loaded (changed on disk): load it again");
        return LLML_ERR_IO;
    }
    if ((int64_t)c->n_past + n > c->n_ctx) {
        llml__ctx_error(c, "context full: %d tokens in the cache + %d new > n_ctx %d (use llml_ctx_shift or a larger n_ctx)",
                        (int)c->n_past, (int)n, (int)c->n_ctx);
        return LLML_ERR_CONTEXT_FULL;
    }
    if ((size_t)n > SIZE_MAX / sizeof(float) / nv) return LLML_ERR_OUT_OF_MEMORY;
    r = llml__logits_reserve(c, all ? (size_t)n * nv : nv);
    if (r != LLML_OK) { llml__ctx_error(c, "out of memory for logits"); return r; }
    c->n_logits = 0;
    c->logits_all = all;
    for (done = 0; done < n; ) {
        int32_t piece = LLML__MIN(c->n_batch, n - done);
        int last = done + piece == n;
        int64_t out_rows = all ? piece : (last ? 1 : 0);
        float *dst = all ? c->logits + (size_t)done * nv : c->logits;
        r = llml__forward(c, tokens + done, piece, c->n_past, out_rows, dst);
        if (r != LLML_OK) { c->n_logits = 0; return r; }
        memcpy(c->tokens + c->n_past, tokens + done, (size_t)piece * sizeof(int32_t));
        c->n_past += piece;
        done += piece;
    }
    c->n_logits = all ? n : 1;
    c->last_error[0] = 0;
    return LLML_OK;
}

LLML_API const float *llml_get_logits(const llml_ctx *c, int32_t i) {
    if (!c || c->n_logits <= 0) return NULL;
    if (c->logits_all) {
        if (i < 0) i = c->n_logits + i;
        if (i < 0 || i >= c->n_logits) return NULL;
        return c->logits + (size_t)i * (size_t)c->m->n_vocab;
    }
    if (i == -1) return c->logits;
    return NULL;
}

LLML_API void llml_ctx_clear(llml_ctx *c) {
    if (!c) return;
    c->n_past = 0;
    c->n_logits = 0;
}

LLML_API llml_result llml_ctx_truncate(llml_ctx *c, int32_t n) {
    if (!c || n < 0 || n > c->n_past) return LLML_ERR_INVALID_ARG;
    c->n_past = n;
    if (n == 0) c->n_logits = 0;
    return LLML_OK;
}

LLML_API llml_result llml_ctx_shift(llml_ctx *c, int32_t n_keep, int32_t n_discard) {
    const llml_model *m;
    int64_t hd, il, j, h;
    float *tmp;
    if (!c || n_keep < 0 || n_discard < 0 || (int64_t)n_keep + n_discard > c->n_past) return LLML_ERR_INVALID_ARG;
    if (n_discard == 0) return LLML_OK;
    m = c->m;
    hd = m->info.head_dim;
    {   /* the backend's layers: their moved rows through the host cache */
        llml_result r = llml__bk_kv_sync(c, 1, n_keep + n_discard, c->n_past - n_keep - n_discard);
        if (r != LLML_OK) { llml__ctx_error(c, "context shift: reading the backend's cache failed"); return r; }
    }
    tmp = c->k;   /* scratch row: at least n_kv floats */
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        size_t row = c->kv_row[il];
        int64_t width = (int64_t)L->n_head_kv * hd;
        llml__rope_cache(c, L, (float)(-n_discard));
        for (j = n_keep + n_discard; j < c->n_past; j++) {
            uint8_t *ks = c->kc[il] + (size_t)j * row, *kd = c->kc[il] + (size_t)(j - n_discard) * row;
            llml__types[c->kt].dequant(ks, tmp, width);
            llml__rope_apply(c, tmp, L->n_head_kv);
            if (c->kt == LLML_TYPE_F32) memcpy(kd, tmp, (size_t)width * 4);
            else c->kern.actq[c->kt](tmp, kd, width);
            memmove(c->vc[il] + (size_t)(j - n_discard) * row, c->vc[il] + (size_t)j * row, row);
        }
        (void)h;
    }
    memmove(c->tokens + n_keep, c->tokens + n_keep + n_discard, (size_t)(c->n_past - n_keep - n_discard) * sizeof(int32_t));
    c->n_past -= n_discard;
    if (llml__bk_kv_sync(c, 0, n_keep, c->n_past - n_keep) != LLML_OK) {
        llml__ctx_error(c, "context shift: writing the backend's cache failed");
        return LLML_ERR_DEVICE;
    }
    return LLML_OK;
}

/* ---- state --------------------------------------------------------------- */

#define LLML__STATE_MAGIC 0x54534c4cu  /* "LLST" */

static size_t llml__state_bytes(const llml_ctx *c) {
    size_t n = 8 * 4 + (size_t)c->n_past * 4;
    int il;
    for (il = 0; il < c->m->info.n_layer; il++) n += 2 * (size_t)c->n_past * c->kv_row[il];
    if (c->n_logits > 0) n += (size_t)c->m->n_vocab * 4;
    return n;
}

LLML_API llml_result llml_state_save(const llml_ctx *c, void *buf, size_t cap, size_t *n) {
    size_t need, off = 0;
    uint8_t *p = (uint8_t *)buf;
    uint32_t hdr[8];
    int il;
    if (!c || !n) return LLML_ERR_INVALID_ARG;
    need = llml__state_bytes(c);
    *n = need;
    if (cap < need) return LLML_ERR_BUFFER_TOO_SMALL;
    if (!buf) return LLML_ERR_INVALID_ARG;
    if (llml__bk_kv_sync(c, 1, 0, c->n_past) != LLML_OK) return LLML_ERR_DEVICE;   /* the backend's layers */
    hdr[0] = LLML__STATE_MAGIC; hdr[1] = 1;
    hdr[2] = (uint32_t)c->m->info.n_layer; hdr[3] = (uint32_t)c->m->info.n_embd;
    hdr[4] = (uint32_t)c->kt; hdr[5] = (uint32_t)c->n_past;
    hdr[6] = (uint32_t)c->m->n_vocab; hdr[7] = c->n_logits > 0;
    memcpy(p, hdr, sizeof(hdr)); off += sizeof(hdr);
    memcpy(p + off, c->tokens, (size_t)c->n_past * 4); off += (size_t)c->n_past * 4;
    for (il = 0; il < c->m->info.n_layer; il++) {
        size_t b = (size_t)c->n_past * c->kv_row[il];
        memcpy(p + off, c->kc[il], b); off += b;
        memcpy(p + off, c->vc[il], b); off += b;
    }
    if (c->n_logits > 0) {
        const float *l = llml_get_logits(c, -1);
        memcpy(p + off, l, (size_t)c->m->n_vocab * 4); off += (size_t)c->m->n_vocab * 4;
    }
    return LLML_OK;
}

LLML_API llml_result llml_state_load(llml_ctx *c, const void *buf, size_t size) {
    const uint8_t *p = (const uint8_t *)buf;
    uint32_t hdr[8];
    size_t off = sizeof(hdr), need;
    int il;
    int32_t i, saved_past;
    if (!c || !buf) return LLML_ERR_INVALID_ARG;
    if (size < sizeof(hdr)) { llml__ctx_error(c, "state: %llu bytes is too short", (unsigned long long)size); return LLML_ERR_TRUNCATED; }
    memcpy(hdr, p, sizeof(hdr));
    if (hdr[0] != LLML__STATE_MAGIC || hdr[1] != 1) { llml__ctx_error(c, "state: not an llmlite state buffer"); return LLML_ERR_BAD_MAGIC; }
    if (hdr[2] != (uint32_t)c->m->info.n_layer || hdr[3] != (uint32_t)c->m->info.n_embd || hdr[6] != (uint32_t)c->m->n_vocab) {
        llml__ctx_error(c, "state: saved from another model"); return LLML_ERR_INVALID_ARG;
    }
    if (hdr[4] != (uint32_t)c->kt) { llml__ctx_error(c, "state: saved with another KV cache type"); return LLML_ERR_INVALID_ARG; }
    if (hdr[5] > (uint32_t)c->n_ctx) { llml__ctx_error(c, "state: %u tokens do not fit n_ctx %d", hdr[5], (int)c->n_ctx); return LLML_ERR_CONTEXT_FULL; }
    saved_past = (int32_t)hdr[5];
    need = sizeof(hdr) + (size_t)saved_past * 4;
    for (il = 0; il < c->m->info.n_layer; il++) need += 2 * (size_t)saved_past * c->kv_row[il];
    if (hdr[7]) need += (size_t)c->m->n_vocab * 4;
    if (size < need) { llml__ctx_error(c, "state: %llu bytes, expected %llu", (unsigned long long)size, (unsigned long long)need); return LLML_ERR_TRUNCATED; }
    for (i = 0; i < saved_past; i++) {
        int32_t t;
        memcpy(&t, p + off + (size_t)i * 4, 4);
        if (t < 0 || t >= c->m->n_vocab) { llml__ctx_error(c, "state: token %d out of range", (int)t); return LLML_ERR_CORRUPT; }
    }
    if (hdr[7] && llml__logits_reserve(c, (size_t)c->m->n_vocab) != LLML_OK) return LLML_ERR_OUT_OF_MEMORY;
    memcpy(c->tokens, p + off, (size_t)saved_past * 4); off += (size_t)saved_past * 4;
    for (il = 0; il < c->m->info.n_layer; il++) {
        size_t b = (size_t)saved_past * c->kv_row[il];
        memcpy(c->kc[il], p + off, b); off += b;
        memcpy(c->vc[il], p + off, b); off += b;
    }
    c->n_past = saved_past;
    if (llml__bk_kv_sync(c, 0, 0, saved_past) != LLML_OK) {
        llml__ctx_error(c, "state: writing the backend's cache failed");
        c->n_past = 0;
        return LLML_ERR_DEVICE;
    }
    c->n_logits = 0;
    if (hdr[7]) {
        memcpy(c->logits, p + off, (size_t)c->m->n_vocab * 4);
        c->n_logits = 1;
        c->logits_all = 0;
    }
    return LLML_OK;
}
