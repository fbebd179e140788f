/* tests/test_engine.c - the game-engine style host, build/llmlite-engine
   (examples/engine.c), on the default model.
   - All memory through the host allocator and all of it returned: the
     engine's own count (allocations = frees > 0, 0 bytes outstanding, no
     size mismatch, no unknown free, zero calls of the library's default
     allocator LLML_MALLOC/LLML_FREE, which the engine routes to a counter),
     a high-water mark at least the context's block as llml_ctx_sizes_get
     sizes it (so that block came from the host), and llmlite.h itself
     calling no allocator of the C library except in the default
     LLML_MALLOC/LLML_FREE.
   - The text generated frame by frame with the low-level calls equals
     llmlite-chat's greedy one-shot text (llml_generate) for the same
     prompt, for several per-frame budgets and job-system sizes.
   - Frames: 1 prompt frame + ceil(64 / budget) generation frames; cancel
     after F frames stops there with (F - 1) x budget tokens, a prefix of
     the full text, memory still all returned.
   - Nothing on stderr (the library has no log callback there).
   Needs $LLML_BUILD/llmlite-engine and llmlite-chat. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L   /* popen */
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MODEL "models/stories260K.gguf"
#define PROMPT "Once upon a time"

static const char *g_build = "build";

static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    *size = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    p = (char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) p[n] = 0;
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* Run a command, its stdout into a string (caller frees), exit status in *st. */
static char *run(const char *cmd, int *st) {
    FILE *f = popen(cmd, "r");
    char *buf = NULL;
    size_t n = 0, cap = 0, k;
    *st = -1;
    if (!f) return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 16384;
            nb = (char *)realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        k = fread(buf + n, 1, 4096, f);
        if (k == 0) break;
        n += k;
    }
    if (buf) buf[n] = 0;
    *st = pclose(f);
    return buf;
}

/* The number after `key` in out (e.g. key "host allocator: "), or -1. */
static long long num_after(const char *out, const char *key) {
    const char *p = out ? strstr(out, key) : NULL;
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

typedef struct engine_run {
    char *out, *text, *err;
    size_t text_len, err_len;
    int status;
} engine_run;

static void engine(engine_run *r, const char *args) {
    char cmd[4096], tpath[1100], epath[1100];
    snprintf(tpath, sizeof(tpath), "%s/tmp/test_engine.text", g_build);
    snprintf(epath, sizeof(epath), "%s/tmp/test_engine.stderr", g_build);
    remove(tpath);
    snprintf(cmd, sizeof(cmd), "%s/llmlite-engine -m %s -p '" PROMPT "' --out %s %s 2>%s", g_build, DEFAULT_MODEL,
             tpath, args, epath);
    r->out = run(cmd, &r->status);
    r->text = slurp(tpath, &r->text_len);
    r->err = slurp(epath, &r->err_len);
    remove(tpath);
    remove(epath);
}

static void engine_free(engine_run *r) {
    free(r->out);
    free(r->text);
    free(r->err);
}

/* The memory checks every run must pass. */
static void check_memory(const engine_run *r, const char *what, long long min_peak) {
    long long na = num_after(r->out, "host allocator: ");
    long long nf = num_after(r->out, "allocations, ");
    long long peak = num_after(r->out, "bytes requested in all, high-water ");
    CHECK(r->out && r->status == 0, "%s: exit status 0 (%d)", what, r->status);
    CHECK(na > 0 && na == nf, "%s: allocations %lld > 0, all freed (%lld)", what, na, nf);
    CHECK(r->out && strstr(r->out, "outstanding 0 bytes in 0 blocks"), "%s: 0 bytes outstanding", what);
    CHECK(r->out && strstr(r->out, "size mismatches 0, unknown or double frees 0, failed allocations 0, "
                                   "default allocator (LLML_MALLOC/LLML_FREE) calls 0"),
          "%s: sizes match, no stray frees, nothing through the default allocator", what);
    CHECK(peak >= min_peak, "%s: high-water %lld >= the context's block and logits %lld", what, peak, min_peak);
    CHECK(r->err && r->err_len == 0, "%s: nothing on stderr (%s)", what, r->err ? r->err : "?");
}

/* llmlite.h calls no allocator of the C library except in the definition
   of the default LLML_MALLOC / LLML_FREE. */
static void check_header_allocations(void) {
    static const char *const names[] = { "malloc", "calloc", "realloc", "free", "strdup", "strndup",
                                         "aligned_alloc", "posix_memalign", "valloc", "memalign", NULL };
    size_t n = 0;
    char *h = slurp("llmlite.h", &n), *line, *end;
    int bad = 0, defs = 0, lineno = 0;
    CHECK(h != NULL, "read llmlite.h");
    if (!h) return;
    for (line = h; line < h + n; line = end + 1) {
        int k;
        end = strchr(line, '\n');
        if (!end) end = h + n;
        *end = 0;
        lineno++;
        for (k = 0; names[k]; k++) {
            size_t kl = strlen(names[k]);
            const char *p = line;
            while ((p = strstr(p, names[k])) != NULL) {
                const char *q = p + kl;
                int before_ok = p == line || !(p[-1] == '_' || p[-1] == '.' || p[-1] == '>' ||
                                               (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z') ||
                                               (p[-1] >= '0' && p[-1] <= '9'));
                while (*q == ' ') q++;
                if (before_ok && *q == '(') {
                    if (!strncmp(line, "#define LLML_MALLOC(", 20) || !strncmp(line, "#define LLML_FREE(", 18)) defs++;
                    else { bad++; fprintf(stderr, "llmlite.h:%d: %s\n", lineno, line); }
                }
                p += kl;
            }
        }
    }
    CHECK(bad == 0 && defs == 2, "llmlite.h calls the C library's allocator only in LLML_MALLOC/LLML_FREE (%d other calls)", bad);
    free(h);
}

static void noop_parallel_for(void *user, llml_task_fn task, void *arg, int n_tasks) {
    (void)user; (void)task; (void)arg; (void)n_tasks;
}

/* Bytes of a context of the default model as the engine makes it. */
static long long ctx_bytes(int n_threads) {
    llml_gguf_desc gd;
    llml_gguf *g = NULL;
    llml_shape s;
    llml_ctx_desc cd;
    llml_ctx_sizes cs;
    long long r = -1;
    memset(&gd, 0, sizeof(gd));
    gd.header_only = 1;
    if (llml_gguf_open_file(DEFAULT_MODEL, &gd, &g, NULL) != LLML_OK) return -1;
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = 512;
    cd.n_threads = n_threads;
    cd.parallel_for = noop_parallel_for;
    if (llml_shape_from_gguf(g, &s, NULL) == LLML_OK && llml_ctx_sizes_get(&s, &cd, &cs) == LLML_OK)
        r = (long long)cs.total_bytes;
    llml_gguf_close(g);
    return r;
}

int main(void) {
    static const struct { const char *args; int tpf, workers; } runs[] = {
        { "", 4, 3 }, { "--tokens-per-frame 1 --workers 0", 1, 0 }, { "--tokens-per-frame 7 --workers 1", 7, 1 },
        { "--tokens-per-frame 64 --workers 2 --prompt-per-frame 2", 64, 2 }
    };
    char cmd[2048], *chat, *ref = NULL;
    int st, i;
    const char *b = getenv("LLML_BUILD");
    (void)check_testdata;
    if (b && *b) g_build = b;
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/tmp", g_build);
    if (system(cmd) != 0) { CHECK(0, "%s", cmd); return check_summary("engine"); }

    check_header_allocations();

    /* the reference text: llmlite-chat, greedy, 64 tokens (prompt + text + "\n") */
    snprintf(cmd, sizeof(cmd), "%s/llmlite-chat -m %s -p '" PROMPT "' -n 64 --temp 0 -t 1 2>/dev/null", g_build, DEFAULT_MODEL);
    chat = run(cmd, &st);
    CHECK(chat && st == 0 && !strncmp(chat, PROMPT, strlen(PROMPT)) && strlen(chat) > strlen(PROMPT) + 1,
          "llmlite-chat ran (%d)", st);
    if (chat && strlen(chat) > strlen(PROMPT) + 1) {
        ref = chat + strlen(PROMPT);
        ref[strlen(ref) - 1] = 0;                         /* its final newline */
    }

    for (i = 0; i < (int)(sizeof(runs) / sizeof(runs[0])); i++) {
        engine_run r;
        char what[160], frames[96];
        int prompt_frames = runs[i].args[0] && strstr(runs[i].args, "--prompt-per-frame 2") ? 3 : 1;  /* 5 prompt tokens */
        snprintf(what, sizeof(what), "engine %s", runs[i].args[0] ? runs[i].args : "(defaults)");
        engine(&r, runs[i].args);
        check_memory(&r, what, ctx_bytes(runs[i].workers + 1));
        CHECK(ref && r.text && !strcmp(r.text, ref), "%s: text equals llmlite-chat's greedy text\n  got: %s\n  ref: %s",
              what, r.text ? r.text : "(none)", ref ? ref : "(none)");
        snprintf(frames, sizeof(frames), "frames: %d (%d prompt, %d generation), 64 tokens generated",
                 prompt_frames + (64 + runs[i].tpf - 1) / runs[i].tpf, prompt_frames, (64 + runs[i].tpf - 1) / runs[i].tpf);
        CHECK(r.out && strstr(r.out, frames) && strstr(r.out, "stop: max tokens"), "%s: '%s'", what, frames);
        CHECK(r.out && strstr(r.out, "frame ms: min ") && num_after(r.out, "jobs: ") > 0,
              "%s: frame timings and job counts printed", what);
        if (i == 0 && r.out) printf("%s", r.out);
        engine_free(&r);
    }

    /* cancel after 5 frames: 1 prompt frame + 4 x 4 tokens */
    {
        engine_run r;
        engine(&r, "--cancel-after 5");
        check_memory(&r, "engine --cancel-after 5", ctx_bytes(4));
        CHECK(r.out && strstr(r.out, "frames: 5 (1 prompt, 4 generation), 16 tokens generated") &&
              strstr(r.out, "stop: cancelled"), "cancel after 5 frames: 16 tokens, stop cancelled");
        CHECK(ref && r.text && r.text_len > 0 && r.text_len < strlen(ref) && !strncmp(ref, r.text, r.text_len),
              "cancelled text is a prefix of the full text: %s", r.text ? r.text : "(none)");
        engine_free(&r);
    }
    free(chat);
    return check_summary("engine");
}
