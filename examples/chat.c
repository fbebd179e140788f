/* Build: make build/llmlite-chat   (or: cc -std=c99 -O2 -I. examples/chat.c -o llmlite-chat -lm -lpthread)
   Run:   build/llmlite-chat [-m MODEL.gguf]           interactive chat (make run)
          build/llmlite-chat -p "Once upon a time" -n 64   one-shot completion
   Chat with a GGUF model, streaming tokens; -h lists the options. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L   /* sigaction, readlink */
#endif
#ifndef LLML_IMPL_ELSEWHERE   /* make cuda: the implementation is examples/llmlite_cuda.cu */
#define LLMLITE_IMPLEMENTATION
#endif
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <errno.h>
#if !defined(_WIN32)
#include <unistd.h>
#include <sys/resource.h>
#endif

#define DEFAULT_MODEL "models/stories260K.gguf"

/* The SIGINT handler only sets this; the token callback reads it. */
static volatile sig_atomic_t g_interrupted = 0;

static void on_sigint(int sig) {
    (void)sig;
    g_interrupted = 1;
#if defined(_WIN32) || !defined(SA_RESTART)
    signal(SIGINT, on_sigint);   /* plain signal() may reset the handler */
#endif
}

static void install_sigint(void) {
#if !defined(_WIN32) && defined(SA_RESTART)
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;             /* no SA_RESTART: Ctrl-C interrupts the prompt's read */
    sigaction(SIGINT, &sa, NULL);
#else
    signal(SIGINT, on_sigint);
#endif
}

/* llml_generate with Ctrl-C watched: the token callback sees the flag after
   each token; on POSIX a helper thread also polls it and calls
   llml_ctx_cancel (callable from any thread), which stops a long prompt
   between two layers. A cancel request that the call did not consume (the
   answer ended at the same moment) would cancel the next call, so it is
   consumed here. */
#if !defined(_WIN32)
#include <pthread.h>
typedef struct watcher {
    llml_ctx *c;
    int done, issued;
    pthread_mutex_t mu;
} watcher;

static void *watch_main(void *arg) {
    watcher *w = (watcher *)arg;
    struct timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = 20 * 1000 * 1000;
    for (;;) {
        int stop = 0;
        pthread_mutex_lock(&w->mu);
        if (w->done) stop = 1;
        else if (g_interrupted) { llml_ctx_cancel(w->c); w->issued = 1; stop = 1; }
        pthread_mutex_unlock(&w->mu);
        if (stop) break;
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* Consume a pending cancel request: a decode aborts on it before adding
   anything (should none be pending after all, the token is taken back). */
static void consume_cancel(llml_ctx *c) {
    int32_t keep = llml_ctx_n_past(c), t = 0;
    if (keep >= llml_ctx_n_ctx(c)) keep = llml_ctx_n_ctx(c) - 1;
    if (keep < llml_ctx_n_past(c)) llml_ctx_truncate(c, keep);
    if (llml_decode(c, &t, 1, 0) == LLML_OK) llml_ctx_truncate(c, keep);
}
#endif

static llml_result generate_watched(llml_ctx *c, const llml_generate_desc *d, llml_generate_result *res) {
    llml_result r;
#if !defined(_WIN32)
    watcher w;
    pthread_t th;
    int started;
    w.c = c;
    w.done = 0;
    w.issued = 0;
    pthread_mutex_init(&w.mu, NULL);
    started = pthread_create(&th, NULL, watch_main, &w) == 0;
    r = llml_generate(c, d, res);
    if (started) {
        pthread_mutex_lock(&w.mu);
        w.done = 1;
        pthread_mutex_unlock(&w.mu);
        pthread_join(th, NULL);
        if (w.issued && r != LLML_ERR_ABORTED) consume_cancel(c);
    }
    pthread_mutex_destroy(&w.mu);
#else
    r = llml_generate(c, d, res);
#endif
    return r;
}

/* ---- small growable string ---------------------------------------------- */

typedef struct str {
    char *p;
    size_t len, cap;
} str;

static int str_add(str *s, const char *t, size_t n) {
    if (s->len + n + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 256;
        char *np;
        while (nc < s->len + n + 1) nc *= 2;
        np = (char *)realloc(s->p, nc);
        if (!np) return 0;
        s->p = np;
        s->cap = nc;
    }
    memcpy(s->p + s->len, t, n);
    s->len += n;
    s->p[s->len] = 0;
    return 1;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s);
    char *d = (char *)malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

/* ---- options -------------------------------------------------------------- */

typedef struct opts {
    const char *model, *prompt, *system;
    int n_predict, chat, n_threads, n_ctx, seed_given, verbose, stats;
    int n_gpu_layers;          /* -ngl: -1 auto (as many as fit) */
    llml_sampler_desc smp;
} opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: llmlite-chat [-m MODEL.gguf] [options]\n"
            "  -m, --model FILE   GGUF model (default: " DEFAULT_MODEL ", the 260K-parameter\n"
            "                     TinyStories model; for a real chat: make chat-model, then\n"
            "                     -m build/models/SmolLM2-135M-Instruct.Q4_1.gguf)\n"
            "  -p, --prompt TEXT  one shot: complete TEXT (raw, no chat template) and exit\n"
            "  --chat             with -p: send TEXT as a user message in the chat template\n"
            "  -n, --n-predict N  most tokens per answer (default: until the model stops;\n"
            "                     one shot: until it stops or the context is full)\n"
            "  -s, --system TEXT  system prompt (interactive chat)\n"
            "  --temp T           temperature (default 0.8; 0 = greedy)\n"
            "  --top-k N          top-k (default 40; 0 = off)\n"
            "  --top-p P          top-p (default 0.95; 1 = off)\n"
            "  --min-p P          min-p (default 0.05; 0 = off)\n"
            "  --repeat-penalty R repetition penalty over the last 64 tokens (default 1 = off)\n"
            "  --seed N           sampling seed (default: from the clock)\n"
            "  -t, --threads N    threads (default: the number of CPUs, at most 8)\n"
            "  -c, --ctx N        context length in tokens (default: the model's, at most 4096)\n"
            "  -ngl, --n-gpu-layers N  layers on the GPU, when built with one (make cuda);\n"
            "                     default: as many as its memory holds; 0: the CPU alone\n"
            "  -v, --verbose      print timings after each answer\n"
            "  --stats            at exit, print resident memory: at start and at its peak\n"
            "Interactive commands: /reset (forget the conversation), /system TEXT (set the\n"
            "system prompt and reset), /quit. Ctrl-C stops an answer; Ctrl-C at the prompt quits.\n");
}

static int parse_int(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < -2147483647L || v > 2147483647L) return 0;
    *out = (int)v;
    return 1;
}

static int parse_float(const char *s, float *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end) return 0;
    *out = (float)v;
    return 1;
}

static int parse_args(int argc, char **argv, opts *o) {
    int i;
    memset(o, 0, sizeof(*o));
    o->n_gpu_layers = -1;
    o->smp = llml_sampler_default_desc();
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes = 1;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(0); }
        else if (!strcmp(a, "--chat")) { o->chat = 1; takes = 0; }
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) { o->verbose = 1; takes = 0; }
        else if (!strcmp(a, "--stats")) { o->stats = 1; takes = 0; }
        else if (!v) { fprintf(stderr, "llmlite-chat: %s needs a value (see -h)\n", a); return 0; }
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "-p") || !strcmp(a, "--prompt")) o->prompt = v;
        else if (!strcmp(a, "-s") || !strcmp(a, "--system")) o->system = v;
        else if (!strcmp(a, "-n") || !strcmp(a, "--n-predict")) ok = parse_int(v, &o->n_predict) && o->n_predict >= 0;
        else if (!strcmp(a, "--temp")) ok = parse_float(v, &o->smp.temperature);
        else if (!strcmp(a, "--top-k")) ok = parse_int(v, &o->smp.top_k);
        else if (!strcmp(a, "--top-p")) ok = parse_float(v, &o->smp.top_p);
        else if (!strcmp(a, "--min-p")) ok = parse_float(v, &o->smp.min_p);
        else if (!strcmp(a, "--repeat-penalty")) ok = parse_float(v, &o->smp.repeat_penalty);
        else if (!strcmp(a, "--seed")) {
            char *end;
            unsigned long long s = strtoull(v, &end, 10);
            ok = end != v && !*end;
            o->smp.seed = (uint64_t)s;
            o->seed_given = 1;
        }
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads")) ok = parse_int(v, &o->n_threads) && o->n_threads >= 0;
        else if (!strcmp(a, "-c") || !strcmp(a, "--ctx")) ok = parse_int(v, &o->n_ctx) && o->n_ctx >= 0;
        else if (!strcmp(a, "-ngl") || !strcmp(a, "--n-gpu-layers")) ok = parse_int(v, &o->n_gpu_layers) && o->n_gpu_layers >= 0;
        else { fprintf(stderr, "llmlite-chat: unknown option %s (see -h)\n", a); return 0; }
        if (!ok) { fprintf(stderr, "llmlite-chat: bad value for %s: %s\n", a, v); return 0; }
        i += takes;
    }
    if (!o->seed_given) o->smp.seed = (uint64_t)time(NULL);
    return 1;
}

/* ---- finding the default model -------------------------------------------- */

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* DEFAULT_MODEL relative to the current directory, else to the directory of
   the executable's parent (build/llmlite-chat -> build/../models/...). */
static const char *find_default_model(const char *argv0, char *buf, size_t cap) {
    char exe[4096];
    const char *slash;
    size_t dl;
    if (file_exists(DEFAULT_MODEL)) return DEFAULT_MODEL;
    exe[0] = 0;
#if !defined(_WIN32)
    {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) exe[n] = 0; else exe[0] = 0;
    }
#endif
    if (!exe[0] && argv0 && strlen(argv0) < sizeof(exe)) strcpy(exe, argv0);
    slash = strrchr(exe, '/');
#if defined(_WIN32)
    if (!slash || strrchr(exe, '\\') > slash) slash = strrchr(exe, '\\');
#endif
    dl = slash ? (size_t)(slash - exe) : 0;
    if (snprintf(buf, cap, "%.*s%s../%s", (int)dl, exe, slash ? "/" : "", DEFAULT_MODEL) < (int)cap &&
        file_exists(buf)) return buf;
    return NULL;
}

/* ---- resident memory (--stats) ------------------------------------------- */

/* A line of /proc/self/status ("VmRSS:  1234 kB") in bytes; -1 if unknown. */
static long long proc_status_bytes(const char *key) {
    long long v = -1;
#if defined(__linux__)
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t n = strlen(key);
    if (!f) return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, n) && line[n] == ':') { v = strtoll(line + n + 1, NULL, 10) * 1024; break; }
    fclose(f);
#else
    (void)key;
#endif
    return v;
}

/* The peak resident memory of this process: VmHWM, else getrusage. */
static long long peak_rss(void) {
    long long v = proc_status_bytes("VmHWM");
#if !defined(_WIN32)
    if (v < 0) {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0) {
#if defined(__APPLE__)
            v = (long long)ru.ru_maxrss;          /* bytes */
#else
            v = (long long)ru.ru_maxrss * 1024;   /* kilobytes */
#endif
        }
    }
#endif
    return v;
}

/* ---- generation ------------------------------------------------------------ */

typedef struct stream {
    str answer;
    int failed;
} stream;

static int on_token(void *user, int32_t token, const char *piece, size_t len) {
    stream *s = (stream *)user;
    (void)token;
    if (len) {
        fwrite(piece, 1, len, stdout);
        fflush(stdout);
        if (!str_add(&s->answer, piece, len)) s->failed = 1;
    }
    return g_interrupted != 0;   /* Ctrl-C: stop this answer */
}

static void print_stats(const llml_generate_result *r) {
    fprintf(stderr, "[prompt: %d tokens (%d reused) in %.1f ms; generated %d tokens in %.1f ms, %.1f tokens/s]\n",
            (int)r->n_prompt, (int)r->n_reused, r->prompt_ms, (int)r->n_generated, r->gen_ms,
            r->gen_ms > 0 ? 1000.0 * r->n_generated / r->gen_ms : 0.0);
}

static int report(llml_ctx *c, llml_result r) {
    const char *msg = llml_ctx_last_error(c);
    fprintf(stderr, "\nllmlite-chat: %s%s%s\n", llml_result_string(r), msg && msg[0] ? ": " : "", msg ? msg : "");
    return 1;
}

typedef struct convo {
    llml_chat_message *msgs;
    size_t n, cap;
} convo;

static int convo_add(convo *cv, const char *role, const char *content) {
    char *c = dup_str(content);
    if (!c) return 0;
    if (cv->n == cv->cap) {
        size_t nc = cv->cap ? cv->cap * 2 : 16;
        llml_chat_message *nm = (llml_chat_message *)realloc(cv->msgs, nc * sizeof(*nm));
        if (!nm) { free(c); return 0; }
        cv->msgs = nm;
        cv->cap = nc;
    }
    cv->msgs[cv->n].role = role;
    cv->msgs[cv->n].content = c;
    cv->n++;
    return 1;
}

static void convo_drop(convo *cv, size_t from, size_t count) {
    size_t i;
    if (count == 0) return;
    for (i = from; i < from + count; i++) free((void *)cv->msgs[i].content);
    memmove(cv->msgs + from, cv->msgs + from + count, (cv->n - from - count) * sizeof(*cv->msgs));
    cv->n -= count;
}

static void convo_clear(convo *cv, const char *system) {
    convo_drop(cv, 0, cv->n);
    if (system && system[0]) convo_add(cv, "system", system);
}

/* Read one line from stdin into s (without the newline). 0 at end of input
   or on Ctrl-C. */
static int read_line(str *s) {
    char buf[1024];
    s->len = 0;
    if (s->p) s->p[0] = 0;
    for (;;) {
        size_t n;
        if (!fgets(buf, sizeof(buf), stdin)) {
            clearerr(stdin);
            return s->len > 0 && !g_interrupted;
        }
        if (g_interrupted) return 0;
        n = strlen(buf);
        if (n && buf[n - 1] == '\n') {
            n--;
            if (n && buf[n - 1] == '\r') n--;
            if (!str_add(s, buf, n)) return 0;
            return 1;
        }
        if (!str_add(s, buf, n)) return 0;
    }
}

static int interactive(llml_ctx *c, const opts *o, int has_template) {
    convo cv;
    str line, text;
    char *system = o->system ? dup_str(o->system) : NULL;
    int rc = 0;
    memset(&cv, 0, sizeof(cv));
    memset(&line, 0, sizeof(line));
    memset(&text, 0, sizeof(text));
    convo_clear(&cv, system);
    if (has_template)
        fprintf(stderr, "Chat: type a message. /reset, /system TEXT, /quit; Ctrl-C stops an answer.\n");
    else
        fprintf(stderr, "This model has no chat template: what you type is continued as plain text.\n"
                        "/reset starts a new text, /quit ends; Ctrl-C stops an answer.\n");
    for (;;) {
        llml_generate_desc d;
        llml_generate_result res;
        stream st;
        llml_result r;
        fprintf(stdout, "\n> ");
        fflush(stdout);
        g_interrupted = 0;
        if (!read_line(&line)) { fprintf(stdout, "\n"); break; }
        if (!strcmp(line.p, "/quit") || !strcmp(line.p, "/exit")) break;
        if (!strcmp(line.p, "/reset")) {
            convo_clear(&cv, system);
            text.len = 0;
            llml_ctx_clear(c);
            fprintf(stderr, "(conversation reset)\n");
            continue;
        }
        if (!strncmp(line.p, "/system", 7) && (line.p[7] == ' ' || line.p[7] == 0)) {
            const char *t = line.p + 7;
            while (*t == ' ') t++;
            if (!has_template) { fprintf(stderr, "(this model has no chat template, so no system prompt)\n"); continue; }
            free(system);
            system = *t ? dup_str(t) : NULL;
            convo_clear(&cv, system);
            llml_ctx_clear(c);
            fprintf(stderr, *t ? "(system prompt set; conversation reset)\n" : "(system prompt removed; conversation reset)\n");
            continue;
        }
        if (line.p[0] == '/' && line.p[1] != '/' && line.p[1] != ' ' && line.p[1] != 0) {
            fprintf(stderr, "(unknown command; commands: /reset, /system TEXT, /quit)\n");
            continue;
        }
        if (line.len == 0) continue;

        memset(&d, 0, sizeof(d));
        d.sampling = o->smp;
        d.max_tokens = o->n_predict;
        if (has_template) {
            if (!convo_add(&cv, "user", line.p)) { fprintf(stderr, "llmlite-chat: out of memory\n"); rc = 1; break; }
            d.messages = cv.msgs;
            d.n_messages = cv.n;
        } else {
            if (text.len > 0 && text.p[text.len - 1] != ' ' && text.p[text.len - 1] != '\n' &&
                line.p[0] != ' ' && !str_add(&text, " ", 1)) { rc = 1; break; }
            if (!str_add(&text, line.p, line.len)) { rc = 1; break; }
            d.prompt = text.p;
        }
        memset(&st, 0, sizeof(st));
        d.on_token = on_token;
        d.user = &st;
        for (;;) {
            r = generate_watched(c, &d, &res);
            if (r != LLML_ERR_CONTEXT_FULL || res.n_generated > 0) break;
            /* the conversation outgrew the context: forget its oldest turns */
            if (has_template) {
                size_t first = (cv.n > 0 && !strcmp(cv.msgs[0].role, "system")) ? 1 : 0;
                if (cv.n - first <= 1) break;
                convo_drop(&cv, first, cv.n - first >= 3 ? 2 : 1);
                d.messages = cv.msgs;
                d.n_messages = cv.n;
                fprintf(stderr, "(context full: dropped the oldest turn)\n");
            } else {
                size_t cut = text.len / 2;
                if (text.len < 16) break;
                while (cut < text.len && text.p[cut] != ' ' && text.p[cut] != '\n') cut++;   /* at a word */
                if (cut >= text.len) break;
                memmove(text.p, text.p + cut, text.len - cut + 1);
                text.len -= cut;
                d.prompt = text.p;
                fprintf(stderr, "(context full: dropped the first half of the text)\n");
            }
        }
        fputs("\n", stdout);
        if (g_interrupted) fprintf(stderr, "(stopped)\n");
        if (r != LLML_OK && r != LLML_ERR_ABORTED) {
            report(c, r);
            if (r == LLML_ERR_CONTEXT_FULL) fprintf(stderr, "(the message does not fit in the context; use a larger -c)\n");
            if (has_template && cv.n > 0 && !strcmp(cv.msgs[cv.n - 1].role, "user")) convo_drop(&cv, cv.n - 1, 1);
            free(st.answer.p);
            continue;
        }
        if (st.failed) { fprintf(stderr, "llmlite-chat: out of memory\n"); rc = 1; free(st.answer.p); break; }
        if (has_template && g_interrupted && st.answer.len == 0) {
            convo_drop(&cv, cv.n - 1, 1);   /* stopped before any answer: forget the question */
        } else if (has_template) {
            if (!convo_add(&cv, "assistant", st.answer.p ? st.answer.p : "")) { rc = 1; free(st.answer.p); break; }
        } else if (st.answer.len && !str_add(&text, st.answer.p, st.answer.len)) {
            rc = 1; free(st.answer.p); break;
        }
        if (o->verbose) print_stats(&res);
        free(st.answer.p);
    }
    convo_clear(&cv, NULL);
    free(cv.msgs);
    free(line.p);
    free(text.p);
    free(system);
    return rc;
}

static int one_shot(llml_ctx *c, const opts *o) {
    llml_generate_desc d;
    llml_generate_result res;
    llml_chat_message msgs[2];
    stream st;
    llml_result r;
    size_t n = 0;
    memset(&d, 0, sizeof(d));
    memset(&st, 0, sizeof(st));
    d.sampling = o->smp;
    d.max_tokens = o->n_predict;
    d.n_keep = o->n_predict ? 0 : -1;   /* no -n: stop when the context is full */
    d.on_token = on_token;
    d.user = &st;
    if (o->chat) {
        if (o->system) { msgs[n].role = "system"; msgs[n].content = o->system; n++; }
        msgs[n].role = "user";
        msgs[n].content = o->prompt;
        n++;
        d.messages = msgs;
        d.n_messages = n;
    } else {
        d.prompt = o->prompt;
        fputs(o->prompt, stdout);
    }
    r = generate_watched(c, &d, &res);
    fputs("\n", stdout);
    fflush(stdout);
    free(st.answer.p);
    if (r != LLML_OK && r != LLML_ERR_ABORTED) return report(c, r);
    if (o->verbose) print_stats(&res);
    return 0;
}

int main(int argc, char **argv) {
    opts o;
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_model_desc md;
    llml_ctx_desc cd;
    llml_model_info info;
    llml_error err;
    char path_buf[4200];
    const char *path;
    int rc, has_template = 0;
    long long rss_start = proc_status_bytes("VmRSS");   /* before anything is loaded */
    const llml_backend *gpu[1];
    gpu[0] = llml_backend_cuda() ? llml_backend_cuda() : llml_backend_metal();
    if (!parse_args(argc, argv, &o)) return 2;
    path = o.model;
    if (!path) {
        path = find_default_model(argv[0], path_buf, sizeof(path_buf));
        if (!path) {
            fprintf(stderr,
                    "llmlite-chat: no model given and the default model " DEFAULT_MODEL " is missing.\n"
                    "  Run from the repository root (the file ships with llmlite), or rebuild it\n"
                    "  with `make default-model` (converts llama2.c's TinyStories model),\n"
                    "  or fetch a chat model with `make chat-model` and pass\n"
                    "  -m build/models/SmolLM2-135M-Instruct.Q4_1.gguf\n");
            return 1;
        }
    }
    memset(&md, 0, sizeof(md));
    memset(&err, 0, sizeof(err));
    if (llml_model_load_file(path, &md, &m, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-chat: cannot load %s: %s\n", path, err.message[0] ? err.message : llml_result_string(err.code));
        if (err.code == LLML_ERR_IO)
            fprintf(stderr, "  Check the path; `make chat-model` fetches SmolLM2-135M-Instruct into build/models/.\n");
        else if (err.code == LLML_ERR_UNSUPPORTED_ARCH)
            fprintf(stderr, "  Supported architectures: %s\n", llml_model_supported_archs());
        return 1;
    }
    memset(&info, 0, sizeof(info));
    if (llml_model_get_info(m, &info) != LLML_OK) {
        fprintf(stderr, "llmlite-chat: cannot read the model's info\n");
        llml_model_free(m);
        return 1;
    }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = o.n_ctx;
    cd.n_threads = o.n_threads;
    if (gpu[0] && o.n_gpu_layers != 0) {   /* a GPU backend compiled in (make cuda) */
        cd.backends = gpu;
        cd.n_backends = 1;
        cd.n_gpu_layers = o.n_gpu_layers < 0 ? LLML_GPU_LAYERS_AUTO : o.n_gpu_layers;
    }
    if (llml_ctx_create(m, &cd, &c, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-chat: cannot create a context: %s\n", err.message[0] ? err.message : llml_result_string(err.code));
        llml_model_free(m);
        return 1;
    }
    if (info.chat_template) {
        llml_chat_style st;
        llml_error e;
        memset(&e, 0, sizeof(e));
        if (llml_chat_detect(info.chat_template, &st, &e) == LLML_OK) has_template = 1;
        else if (!o.prompt || o.chat)
            fprintf(stderr, "llmlite-chat: the model's chat template is not supported (%s); using plain text\n", e.message);
    }
    if (o.prompt && o.chat && !has_template) {
        fprintf(stderr, "llmlite-chat: --chat needs a model with a supported chat template\n");
        llml_ctx_free(c);
        llml_model_free(m);
        return 1;
    }
    if (o.verbose || !o.prompt)
        fprintf(stderr, "llmlite-chat: %s (%s, %d layers, %d-token context), seed %llu\n",
                path, info.arch, (int)info.n_layer, (int)llml_ctx_n_ctx(c), (unsigned long long)o.smp.seed);
    if (gpu[0] && (o.verbose || !o.prompt)) {
        llml_ctx_backend_info bi;
        if (llml_ctx_get_backend(c, &bi) == LLML_OK && bi.name[0])
            fprintf(stderr, "llmlite-chat: %s (%s): %d of %d layers%s on the GPU, %.0f MiB\n", bi.name, bi.device,
                    (int)bi.n_layers, (int)info.n_layer, bi.output ? " and the output layer" : "",
                    (double)bi.device_bytes / 1048576.0);
        else
            fprintf(stderr, "llmlite-chat: no GPU in use: every layer on the CPU\n");
    }
    install_sigint();
    rc = o.prompt ? one_shot(c, &o) : interactive(c, &o, has_template);
    if (o.stats)
        fprintf(stderr, "[memory: resident at start %lld bytes, peak %lld bytes; at exit anon %lld, file %lld]\n",
                rss_start, peak_rss(), proc_status_bytes("RssAnon"), proc_status_bytes("RssFile"));
    llml_ctx_free(c);
    llml_model_free(m);
    return rc;
}
