/* Build: make build/llmlite-engine   (or: cc -std=c99 -O2 -I. examples/engine.c -o llmlite-engine -lm -lpthread)
   Run:   build/llmlite-engine [-m MODEL.gguf] [-p PROMPT] [-n TOKENS] [--tokens-per-frame N] [--cancel-after FRAMES]
   A game-engine style host: its own allocator (every byte counted), its own job system, the model from a memory blob,
   text generated a few tokens per frame with the low-level calls, cancel; -h lists the options. POSIX threads. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#endif
#include <stddef.h>

/* The library's default allocator (used when a desc gives none) is routed
   here, so that any allocation that bypasses the host allocator is counted:
   it must stay at zero. */
static void *engine_default_malloc(size_t size);
static void engine_default_free(void *p);
#define LLML_MALLOC(sz) engine_default_malloc(sz)
#define LLML_FREE(p) engine_default_free(p)

#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <pthread.h>

#define DEFAULT_MODEL "models/stories260K.gguf"

/* ======================================================================== */
/* The host allocator: counts every request and checks every release        */
/* ======================================================================== */
/* Blocks come from malloc with room for any alignment; a table of live
   blocks (pointer -> size) checks that each free names a live block with
   its size. Thread safe (the library may allocate from any thread). */

typedef struct heap_entry { void *ptr; size_t size; } heap_entry;

typedef struct heap {
    pthread_mutex_t mu;
    heap_entry *table;         /* open addressing; ptr NULL = empty, (void*)1 = deleted */
    size_t cap;
    size_t n_live;
    uint64_t n_alloc, n_free, n_failed;
    uint64_t bytes_live, bytes_peak, bytes_total;
    uint64_t bad_size, bad_ptr;
    size_t max_align;
} heap;

#define HEAP_TOMB ((void *)1)

static size_t heap_slot(const heap *h, const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33;
    return (size_t)(x & (uint64_t)(h->cap - 1));
}

static int heap_grow(heap *h) {
    size_t old_cap = h->cap, i, nc = h->cap ? h->cap * 2 : 1024;
    heap_entry *old = h->table;
    h->table = (heap_entry *)calloc(nc, sizeof(heap_entry));
    if (!h->table) { h->table = old; return 0; }
    h->cap = nc;
    for (i = 0; i < old_cap; i++) {
        if (old[i].ptr && old[i].ptr != HEAP_TOMB) {
            size_t s = heap_slot(h, old[i].ptr);
            while (h->table[s].ptr) s = (s + 1) & (h->cap - 1);
            h->table[s] = old[i];
        }
    }
    free(old);
    return 1;
}

static void *heap_alloc(void *user, size_t size, size_t align) {
    heap *h = (heap *)user;
    unsigned char *raw, *p;
    size_t s;
    if (align < sizeof(void *)) align = sizeof(void *);
    if (align & (align - 1)) return NULL;                       /* not a power of two */
    if (size > SIZE_MAX - align - sizeof(void *)) return NULL;
    raw = (unsigned char *)malloc(size + align + sizeof(void *));
    if (!raw) { pthread_mutex_lock(&h->mu); h->n_failed++; pthread_mutex_unlock(&h->mu); return NULL; }
    p = raw + sizeof(void *);
    p += (align - (uintptr_t)p % align) % align;
    memcpy(p - sizeof(void *), &raw, sizeof(void *));
    pthread_mutex_lock(&h->mu);
    if ((h->n_live + 1) * 2 > h->cap && !heap_grow(h)) {
        pthread_mutex_unlock(&h->mu);
        free(raw);
        return NULL;
    }
    s = heap_slot(h, p);
    while (h->table[s].ptr && h->table[s].ptr != HEAP_TOMB) s = (s + 1) & (h->cap - 1);
    h->table[s].ptr = p;
    h->table[s].size = size;
    h->n_live++;
    h->n_alloc++;
    h->bytes_live += size;
    h->bytes_total += size;
    if (h->bytes_live > h->bytes_peak) h->bytes_peak = h->bytes_live;
    if (align > h->max_align) h->max_align = align;
    pthread_mutex_unlock(&h->mu);
    return p;
}

static void heap_free(void *user, void *ptr, size_t size) {
    heap *h = (heap *)user;
    unsigned char *raw;
    size_t s, probes = 0;
    if (!ptr) return;
    pthread_mutex_lock(&h->mu);
    s = h->cap ? heap_slot(h, ptr) : 0;
    while (h->cap && h->table[s].ptr && h->table[s].ptr != ptr && probes++ < h->cap) s = (s + 1) & (h->cap - 1);
    if (!h->cap || h->table[s].ptr != ptr) {
        h->bad_ptr++;                       /* not ours, or freed twice: leave it alone */
        pthread_mutex_unlock(&h->mu);
        return;
    }
    if (h->table[s].size != size) h->bad_size++;
    h->bytes_live -= h->table[s].size;
    h->table[s].ptr = HEAP_TOMB;
    h->n_live--;
    h->n_free++;
    pthread_mutex_unlock(&h->mu);
    memcpy(&raw, (unsigned char *)ptr - sizeof(void *), sizeof(void *));
    free(raw);
}

/* Allocations that reached LLML_MALLOC (none should). */
static pthread_mutex_t g_default_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_default_calls;

static void *engine_default_malloc(size_t size) {
    pthread_mutex_lock(&g_default_mu);
    g_default_calls++;
    pthread_mutex_unlock(&g_default_mu);
    return malloc(size);
}
static void engine_default_free(void *p) {
    if (p) {
        pthread_mutex_lock(&g_default_mu);
        g_default_calls++;
        pthread_mutex_unlock(&g_default_mu);
    }
    free(p);
}

/* ======================================================================== */
/* The job system: worker threads taking task indices from a shared batch   */
/* ======================================================================== */

#define MAX_WORKERS 15

typedef struct jobs jobs;
typedef struct worker_arg { jobs *j; int index; } worker_arg;

struct jobs {
    pthread_t th[MAX_WORKERS];
    worker_arg args[MAX_WORKERS];
    int n_workers;
    pthread_mutex_t mu;
    pthread_cond_t work, done_cv;
    llml_task_fn task;
    void *arg;
    int n_tasks, next, done, quit;
    uint64_t calls, tasks_main, tasks_worker[MAX_WORKERS];
};

/* Take and run tasks of the current batch until none is left. Called with
   the lock held; returns with it held. */
static void jobs_drain(jobs *j, uint64_t *count) {
    while (j->next < j->n_tasks) {
        int i = j->next++;
        llml_task_fn task = j->task;
        void *arg = j->arg;
        int n = j->n_tasks;
        pthread_mutex_unlock(&j->mu);
        task(arg, i, n);
        pthread_mutex_lock(&j->mu);
        (*count)++;
        if (++j->done == j->n_tasks) pthread_cond_signal(&j->done_cv);
    }
}

static void *worker_main(void *p) {
    worker_arg *wa = (worker_arg *)p;
    jobs *j = wa->j;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->quit && j->next >= j->n_tasks) pthread_cond_wait(&j->work, &j->mu);
        if (j->quit) break;
        jobs_drain(j, &j->tasks_worker[wa->index]);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* llml_parallel_for_fn: the calling thread works too, then waits for all. */
static void jobs_parallel_for(void *user, llml_task_fn task, void *arg, int n_tasks) {
    jobs *j = (jobs *)user;
    pthread_mutex_lock(&j->mu);
    j->calls++;
    j->task = task;
    j->arg = arg;
    j->n_tasks = n_tasks;
    j->next = 0;
    j->done = 0;
    if (n_tasks > 1) pthread_cond_broadcast(&j->work);
    jobs_drain(j, &j->tasks_main);
    while (j->done < j->n_tasks) pthread_cond_wait(&j->done_cv, &j->mu);
    j->n_tasks = 0;
    j->next = 0;
    pthread_mutex_unlock(&j->mu);
}

static int jobs_start(jobs *j, int n_workers) {
    int i;
    memset(j, 0, sizeof(*j));
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->work, NULL);
    pthread_cond_init(&j->done_cv, NULL);
    for (i = 0; i < n_workers; i++) {
        j->args[i].j = j;
        j->args[i].index = i;
        if (pthread_create(&j->th[i], NULL, worker_main, &j->args[i]) != 0) break;
        j->n_workers++;
    }
    return j->n_workers == n_workers;
}

static void jobs_stop(jobs *j) {
    int i;
    pthread_mutex_lock(&j->mu);
    j->quit = 1;
    pthread_cond_broadcast(&j->work);
    pthread_mutex_unlock(&j->mu);
    for (i = 0; i < j->n_workers; i++) pthread_join(j->th[i], NULL);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->done_cv);
}

/* ======================================================================== */
/* The frame-stepped generator, on the low-level calls                      */
/* ======================================================================== */
/* Each frame gets a budget: up to prompt_per_frame prompt tokens decoded in
   one llml_decode while the prompt lasts, then up to tokens_per_frame
   generated tokens (logits -> sampler -> piece -> decode that token). The
   game can stop stepping at any frame (cancel): the context then holds
   the prompt and every token generated so far, and could go on later. */

enum { GEN_PROMPT, GEN_TOKENS, GEN_DONE };
static const char *const STOP_NAMES[] = { "end of generation", "max tokens", "context full", "cancelled", "error" };

typedef struct npc_line {
    llml_ctx *ctx;
    llml_sampler *smp;
    const llml_vocab *vocab;
    int32_t *prompt;
    size_t n_prompt, n_prompt_done;
    int state, stop;           /* stop: index into STOP_NAMES */
    int32_t n_generated, max_tokens;
    char *text;
    size_t text_len, text_cap;
    llml_result error;
} npc_line;

static int text_add(npc_line *g, const char *p, size_t n) {
    if (g->text_len + n + 1 > g->text_cap) {
        size_t nc = (g->text_len + n + 1) * 2;
        char *np = (char *)realloc(g->text, nc);
        if (!np) return 0;
        g->text = np;
        g->text_cap = nc;
    }
    memcpy(g->text + g->text_len, p, n);
    g->text_len += n;
    g->text[g->text_len] = 0;
    return 1;
}

/* One frame's share of the work. */
static void npc_step(npc_line *g, int tokens_per_frame, int prompt_per_frame) {
    int k;
    if (g->state == GEN_PROMPT) {
        size_t n = g->n_prompt - g->n_prompt_done;
        if (n > (size_t)prompt_per_frame) n = (size_t)prompt_per_frame;
        g->error = llml_decode(g->ctx, g->prompt + g->n_prompt_done, (int32_t)n, 0);
        if (g->error != LLML_OK) { g->state = GEN_DONE; g->stop = 4; return; }
        g->n_prompt_done += n;
        if (g->n_prompt_done == g->n_prompt) g->state = GEN_TOKENS;
        return;
    }
    for (k = 0; k < tokens_per_frame && g->state == GEN_TOKENS; k++) {
        char piece[256];
        size_t n = 0;
        int32_t t;
        t = llml_sampler_sample(g->smp, llml_get_logits(g->ctx, -1));
        llml_sampler_accept(g->smp, t);
        if (llml_vocab_is_eog(g->vocab, t)) { g->state = GEN_DONE; g->stop = 0; break; }
        if (llml_ctx_n_past(g->ctx) >= llml_ctx_n_ctx(g->ctx)) { g->state = GEN_DONE; g->stop = 2; break; }
        g->error = llml_token_to_piece(g->vocab, t, 0, piece, sizeof(piece), &n);
        if (g->error != LLML_OK || !text_add(g, piece, n)) { g->state = GEN_DONE; g->stop = 4; break; }
        g->n_generated++;
        g->error = llml_decode(g->ctx, &t, 1, 0);
        if (g->error != LLML_OK) { g->state = GEN_DONE; g->stop = 4; break; }
        if (g->max_tokens > 0 && g->n_generated >= g->max_tokens) { g->state = GEN_DONE; g->stop = 1; }
    }
}

/* ======================================================================== */
/* main: load, step frames, report                                          */
/* ======================================================================== */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The "asset pack": the model file read into one 64-byte aligned blob
   owned by the engine (as its resource system would hand it over). */
static unsigned char *read_blob(const char *path, size_t *size, void **raw_out) {
    FILE *f = fopen(path, "rb");
    long n;
    unsigned char *raw, *p;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    raw = (unsigned char *)malloc((size_t)n + 64);
    if (!raw) { fclose(f); return NULL; }
    p = raw + (64 - (uintptr_t)raw % 64) % 64;
    if (fread(p, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(raw); return NULL; }
    fclose(f);
    *size = (size_t)n;
    *raw_out = raw;
    return p;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: llmlite-engine [options]\n"
            "  -m MODEL.gguf            model (default " DEFAULT_MODEL ")\n"
            "  -p PROMPT                the NPC's prompt (default \"Once upon a time\")\n"
            "  -n N                     tokens to generate (default 64; 0: until the end)\n"
            "  --tokens-per-frame N     generation budget per frame (default 4)\n"
            "  --prompt-per-frame N     prompt tokens decoded per frame (default 64)\n"
            "  --cancel-after F         the game cancels the line after F frames\n"
            "  --workers N              job-system worker threads (default 3; tasks = workers + 1)\n"
            "  -c N                     context size (default 512)\n"
            "  --temp T  --seed S       sampling (default: greedy)\n"
            "  --out FILE               also write the generated text (without the prompt) to FILE\n");
}

int main(int argc, char **argv) {
    const char *path = DEFAULT_MODEL, *prompt = "Once upon a time", *out_path = NULL;
    int max_tokens = 64, tpf = 4, ppf = 64, cancel_after = 0, n_workers = 3, n_ctx = 512, i;
    float temp = 0.0f;
    unsigned long long seed = 0;
    heap h;
    llml_allocator host;
    jobs js;
    llml_model_desc md;
    llml_ctx_desc cd;
    llml_sampler_desc sd;
    llml_model *model = NULL;
    llml_model_info info;
    llml_error err;
    npc_line g;
    unsigned char *blob;
    void *blob_raw = NULL;
    size_t blob_size = 0, n = 0;
    double *frame_ms = NULL, t_load;
    int n_frames = 0, frames_cap = 1024, prompt_frames = 0, rc = 0;
    uint64_t peak_after_load = 0;

    for (i = 1; i < argc; i += 2) {        /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        if (!v) { fprintf(stderr, "llmlite-engine: unknown option or missing value: %s (see -h)\n", a); return 2; }
        if (!strcmp(a, "-m")) path = v;
        else if (!strcmp(a, "-p")) prompt = v;
        else if (!strcmp(a, "-n")) max_tokens = atoi(v);
        else if (!strcmp(a, "--tokens-per-frame")) tpf = atoi(v);
        else if (!strcmp(a, "--prompt-per-frame")) ppf = atoi(v);
        else if (!strcmp(a, "--cancel-after")) cancel_after = atoi(v);
        else if (!strcmp(a, "--workers")) n_workers = atoi(v);
        else if (!strcmp(a, "-c")) n_ctx = atoi(v);
        else if (!strcmp(a, "--temp")) temp = (float)atof(v);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--out")) out_path = v;
        else { fprintf(stderr, "llmlite-engine: unknown option %s (see -h)\n", a); return 2; }
    }
    if (max_tokens < 0 || tpf < 1 || ppf < 1 || cancel_after < 0 || n_workers < 0 || n_workers > MAX_WORKERS || n_ctx < 8) {
        fprintf(stderr, "llmlite-engine: bad option value (see -h)\n");
        return 2;
    }

    /* engine start-up: heap, job system, the asset */
    memset(&g, 0, sizeof(g));
    memset(&info, 0, sizeof(info));
    memset(&h, 0, sizeof(h));
    pthread_mutex_init(&h.mu, NULL);
    host.alloc = heap_alloc;
    host.free = heap_free;
    host.user = &h;
    if (!jobs_start(&js, n_workers)) { fprintf(stderr, "llmlite-engine: cannot start the job system\n"); return 1; }
    blob = read_blob(path, &blob_size, &blob_raw);
    if (!blob) { fprintf(stderr, "llmlite-engine: cannot read %s\n", path); jobs_stop(&js); return 1; }

    /* the library: host allocator everywhere, host jobs, no log callback */
    memset(&md, 0, sizeof(md));
    md.allocator = &host;
    t_load = now_ms();
    if (llml_model_load_memory(blob, blob_size, &md, &model, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-engine: %s: %s\n", path, err.message);
        rc = 1;
        goto out;
    }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = n_ctx;
    cd.n_threads = n_workers + 1;
    cd.allocator = &host;
    cd.parallel_for = jobs_parallel_for;
    cd.parallel_for_user = &js;
    if (llml_ctx_create(model, &cd, &g.ctx, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-engine: context: %s\n", err.message);
        rc = 1;
        goto out;
    }
    t_load = now_ms() - t_load;
    if (llml_model_get_info(model, &info) != LLML_OK) { rc = 1; goto out; }
    g.vocab = llml_model_vocab(model);
    memset(&sd, 0, sizeof(sd));
    if (temp > 0.0f) { sd = llml_sampler_default_desc(); sd.temperature = temp; sd.seed = seed; }
    if (llml_sampler_create(&sd, info.n_vocab, &host, &g.smp) != LLML_OK) {
        fprintf(stderr, "llmlite-engine: sampler\n");
        rc = 1;
        goto out;
    }
    /* the prompt's tokens (BOS as the model says, special text parsed), in
       the host's memory */
    llml_tokenize(g.vocab, prompt, strlen(prompt), LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL, NULL, 0, &n);
    g.prompt = (int32_t *)heap_alloc(&h, (n ? n : 1) * sizeof(int32_t), 16);
    if (!g.prompt || n == 0 || n >= (size_t)n_ctx ||
        llml_tokenize(g.vocab, prompt, strlen(prompt), LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL,
                      g.prompt, n, &n) != LLML_OK) {
        fprintf(stderr, "llmlite-engine: the prompt gives no tokens or does not fit\n");
        rc = 1;
        goto out;
    }
    g.n_prompt = n;
    g.max_tokens = max_tokens;
    g.state = GEN_PROMPT;
    peak_after_load = h.bytes_peak;

    /* the game loop: each frame steps the NPC's line within its budget */
    frame_ms = (double *)malloc(sizeof(double) * (size_t)frames_cap);
    if (!frame_ms) { rc = 1; goto out; }
    while (g.state != GEN_DONE) {
        double t0 = now_ms();
        int was_prompt = g.state == GEN_PROMPT;
        npc_step(&g, tpf, ppf);
        if (n_frames == frames_cap) {
            double *nf = (double *)realloc(frame_ms, sizeof(double) * (size_t)frames_cap * 2);
            if (!nf) { rc = 1; goto out; }
            frame_ms = nf;
            frames_cap *= 2;
        }
        frame_ms[n_frames++] = now_ms() - t0;
        prompt_frames += was_prompt;
        if (cancel_after && n_frames >= cancel_after && g.state != GEN_DONE) { g.state = GEN_DONE; g.stop = 3; }
    }
    if (g.stop == 4) {
        fprintf(stderr, "llmlite-engine: %s: %s\n", llml_result_string(g.error), llml_ctx_last_error(g.ctx));
        rc = 1;
    }

    printf("llmlite-engine: %s (%s, %d layers) from a %zu-byte memory blob, loaded in %.2f ms\n",
           info.name, info.arch, (int)info.n_layer, blob_size, t_load);
    printf("job system: %d workers + the main thread, %d tasks per parallel_for\n", n_workers, n_workers + 1);
    printf("prompt: \"%s\" (%zu tokens)\n", prompt, g.n_prompt);
    printf("text: %s%s\n", prompt, g.text ? g.text : "");
    printf("frames: %d (%d prompt, %d generation), %d tokens generated, budget %d tokens/frame, stop: %s\n",
           n_frames, prompt_frames, n_frames - prompt_frames, (int)g.n_generated, tpf, STOP_NAMES[g.stop]);
    if (n_frames > 0) {
        double *sorted = (double *)malloc(sizeof(double) * (size_t)n_frames), sum = 0.0;
        if (sorted) {
            int k;
            memcpy(sorted, frame_ms, sizeof(double) * (size_t)n_frames);
            qsort(sorted, (size_t)n_frames, sizeof(double), cmp_double);
            for (k = 0; k < n_frames; k++) sum += sorted[k];
            printf("frame ms: min %.3f median %.3f max %.3f mean %.3f (of %d frames; a 60 Hz frame is 16.667)\n",
                   sorted[0], sorted[n_frames / 2], sorted[n_frames - 1], sum / n_frames, n_frames);
            free(sorted);
        }
    }
    {
        int k;
        printf("jobs: %llu parallel_for calls, tasks run by main %llu, workers",
               (unsigned long long)js.calls, (unsigned long long)js.tasks_main);
        for (k = 0; k < n_workers; k++) printf(" %llu", (unsigned long long)js.tasks_worker[k]);
        printf("\n");
    }
    printf("memory while running: %llu bytes live, high-water %llu bytes (%llu after loading), "
           "largest alignment asked %zu\n", (unsigned long long)h.bytes_live, (unsigned long long)h.bytes_peak,
           (unsigned long long)peak_after_load, h.max_align);
    if (out_path) {
        FILE *f = fopen(out_path, "wb");
        if (!f || fwrite(g.text ? g.text : "", 1, g.text_len, f) != g.text_len) rc = 1;
        if (f) fclose(f);
    }

out:
    if (g.prompt) heap_free(&h, g.prompt, g.n_prompt ? g.n_prompt * sizeof(int32_t) : sizeof(int32_t));
    llml_sampler_free(g.smp);
    llml_ctx_free(g.ctx);
    llml_model_free(model);
    jobs_stop(&js);
    free(blob_raw);
    free(g.text);
    free(frame_ms);
    /* after everything is freed: what went through the host allocator */
    printf("host allocator: %llu allocations, %llu frees, %llu bytes requested in all, high-water %llu bytes, "
           "outstanding %llu bytes in %zu blocks\n",
           (unsigned long long)h.n_alloc, (unsigned long long)h.n_free, (unsigned long long)h.bytes_total,
           (unsigned long long)h.bytes_peak, (unsigned long long)h.bytes_live, h.n_live);
    printf("checks: size mismatches %llu, unknown or double frees %llu, failed allocations %llu, "
           "default allocator (LLML_MALLOC/LLML_FREE) calls %llu, library log callback: none\n",
           (unsigned long long)h.bad_size, (unsigned long long)h.bad_ptr, (unsigned long long)h.n_failed,
           (unsigned long long)g_default_calls);
    if (h.bytes_live || h.n_live || h.bad_size || h.bad_ptr || g_default_calls) rc = 1;
    free(h.table);
    pthread_mutex_destroy(&h.mu);
    return rc;
}
