/* tests/test_serve.c - the line-delimited JSON protocol of build/llmlite-serve
   (examples/serve.c), driven through pipes like an editor plugin drives it.
   (a) good requests: the streamed text equals a greedy continuation
       computed here with the low-level calls (tokenize, decode, logits,
       own argmax, pieces) for the same prompt, and llmlite-chat's one-shot
       output; stop strings; infill on a small random-weight model with the
       StarCoder vocabulary (FIM tokens), whose prompt is
       llml_tokenize_infill's (tested against the reference vocab in
       test_infill);
   (b) malformed requests (bad JSON, wrong types, unknown op or field,
       missing fields, invalid UTF-8, overlong lines, ...): each gives one
       error event, and the server goes on answering;
   (c) cancel: of a request that is streaming, of a queued one, of none;
   (d) EOF: queued work is finished, then exit status 0; nothing on stderr.
   Needs $LLML_BUILD/llmlite-serve, llmlite-chat and llmlite-synth. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#define DEFAULT_MODEL "models/stories260K.gguf"

static const char *g_build = "build";
static char g_fim_model[1024];

/* ---- the server process ---------------------------------------------------- */

typedef struct proc {
    pid_t pid;
    int to, from;             /* its stdin (write end), its stdout (read end) */
    char buf[1 << 16];
    size_t n;
    char errpath[1100];
} proc;

static int proc_start(proc *p, const char *model, const char *extra) {
    int in[2], out[2];
    char exe[1100], errp[1100];
    memset(p, 0, sizeof(*p));
    snprintf(exe, sizeof(exe), "%s/llmlite-serve", g_build);
    snprintf(errp, sizeof(errp), "%s/tmp/test_serve.%d.stderr", g_build, (int)getpid());
    snprintf(p->errpath, sizeof(p->errpath), "%s", errp);
    if (pipe(in) < 0 || pipe(out) < 0) return 0;
    p->pid = fork();
    if (p->pid < 0) return 0;
    if (p->pid == 0) {
        const char *argv[12];
        int a = 0;
        FILE *ef = freopen(errp, "w", stderr);
        (void)ef;
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        argv[a++] = exe;
        argv[a++] = "-t";
        argv[a++] = "1";
        argv[a++] = "-m";
        argv[a++] = model;
        if (extra) { argv[a++] = "--max-line"; argv[a++] = extra; }
        argv[a] = NULL;
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->to = in[1];
    p->from = out[0];
    return 1;
}

static void proc_send(proc *p, const char *s) {
    size_t n = strlen(s), off = 0;
    while (off < n) {
        ssize_t k = write(p->to, s + off, n - off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return;
        off += (size_t)k;
    }
}

/* The next line from the server (without '\n') into line; 0 on EOF or
   after timeout_ms without one. */
static int proc_line(proc *p, char *line, size_t cap, int timeout_ms) {
    for (;;) {
        char *nl = (char *)memchr(p->buf, '\n', p->n);
        struct pollfd pf;
        ssize_t k;
        if (nl) {
            size_t len = (size_t)(nl - p->buf);
            size_t c = len < cap - 1 ? len : cap - 1;
            memcpy(line, p->buf, c);
            line[c] = 0;
            memmove(p->buf, nl + 1, p->n - len - 1);
            p->n -= len + 1;
            return 1;
        }
        if (p->n == sizeof(p->buf)) return 0;
        pf.fd = p->from;
        pf.events = POLLIN;
        pf.revents = 0;
        if (poll(&pf, 1, timeout_ms) <= 0) return 0;
        k = read(p->from, p->buf + p->n, sizeof(p->buf) - p->n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return 0;
        p->n += (size_t)k;
    }
}

/* Close its stdin and wait; the exit status, or -1. */
static int proc_finish(proc *p) {
    int st = 0, i;
    if (p->to >= 0) close(p->to);
    p->to = -1;
    for (i = 0; i < 2000; i++) {           /* up to 20 s */
        pid_t w = waitpid(p->pid, &st, WNOHANG);
        if (w == p->pid) break;
        {
            struct timespec ts;
            ts.tv_sec = 0;
            ts.tv_nsec = 10 * 1000 * 1000;
            nanosleep(&ts, NULL);
        }
    }
    if (i == 2000) { kill(p->pid, SIGKILL); waitpid(p->pid, &st, 0); return -1; }
    close(p->from);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    long n;
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}

/* ---- reading events (a JSON string decoder of our own) ---------------------- */

/* The string value of "key" in a one-line JSON object, decoded, or 0. */
static int ev_str(const char *line, const char *key, char *out, size_t cap) {
    char pat[64];
    const char *p;
    size_t n = 0;
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    p = strstr(line, pat);
    if (!p) return 0;
    p += strlen(pat);
    while (*p && *p != '"') {
        unsigned c = (unsigned char)*p++;
        if (c == '\\') {
            char e = *p++;
            if (e == 'n') c = '\n';
            else if (e == 't') c = '\t';
            else if (e == 'r') c = '\r';
            else if (e == 'b') c = '\b';
            else if (e == 'f') c = '\f';
            else if (e == 'u') {
                unsigned v = 0;
                int i;
                for (i = 0; i < 4; i++) {
                    char h = *p++;
                    v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
                }
                if (v >= 0xD800 && v <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
                    unsigned lo = 0;
                    p += 2;
                    for (i = 0; i < 4; i++) {
                        char h = *p++;
                        lo = lo * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
                    }
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (n + 4 >= cap) return 0;
                if (v < 0x80) out[n++] = (char)v;
                else if (v < 0x800) { out[n++] = (char)(0xC0 | (v >> 6)); out[n++] = (char)(0x80 | (v & 63)); }
                else if (v < 0x10000) {
                    out[n++] = (char)(0xE0 | (v >> 12)); out[n++] = (char)(0x80 | ((v >> 6) & 63));
                    out[n++] = (char)(0x80 | (v & 63));
                } else {
                    out[n++] = (char)(0xF0 | (v >> 18)); out[n++] = (char)(0x80 | ((v >> 12) & 63));
                    out[n++] = (char)(0x80 | ((v >> 6) & 63)); out[n++] = (char)(0x80 | (v & 63));
                }
                continue;
            } else c = (unsigned char)e;
        }
        if (n + 1 >= cap) return 0;
        out[n++] = (char)c;
    }
    out[n] = 0;
    return *p == '"';
}

static int ev_is(const char *line, const char *event) {
    char e[32];
    return ev_str(line, "event", e, sizeof(e)) && !strcmp(e, event);
}

/* The integer value of "key", or -1. */
static long ev_int(const char *line, const char *key) {
    char pat[64];
    const char *p;
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = strstr(line, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* The raw id text ("id":X up to the next ','), "" when absent. */
static void ev_id(const char *line, char *out, size_t cap) {
    const char *p = strstr(line, "{\"id\":");
    size_t n = 0;
    out[0] = 0;
    if (!p) return;
    p += 6;
    if (*p == '"') {
        out[n++] = *p++;
        while (*p && *p != '"' && n + 2 < cap) { if (*p == '\\') out[n++] = *p++; out[n++] = *p++; }
        out[n++] = '"';
    } else {
        while (*p && *p != ',' && n + 1 < cap) out[n++] = *p++;
    }
    out[n] = 0;
}

/* Read the events of request `id` until its done/error; the concatenated
   token texts in text, the final event line in last. Events of other ids
   are counted in *others (may be NULL). 1 when done came. */
typedef struct result {
    char text[65536];
    size_t len;
    char last[8192];
    int n_tokens;
} result;

static int collect(proc *p, const char *id, result *r, int *others) {
    char line[8192], eid[256], t[8192];
    memset(r, 0, sizeof(*r));
    while (proc_line(p, line, sizeof(line), 20000)) {
        ev_id(line, eid, sizeof(eid));
        if (strcmp(eid, id)) { if (others) (*others)++; continue; }
        if (ev_is(line, "token") && ev_str(line, "text", t, sizeof(t))) {
            size_t k = strlen(t);
            if (r->len + k < sizeof(r->text)) { memcpy(r->text + r->len, t, k); r->len += k; r->text[r->len] = 0; }
            r->n_tokens++;
            continue;
        }
        snprintf(r->last, sizeof(r->last), "%s", line);
        return ev_is(line, "done");
    }
    snprintf(r->last, sizeof(r->last), "(no answer)");
    return 0;
}

/* ---- the reference: greedy decoding with the low-level calls ---------------- */

/* Greedy continuation of `toks` (own argmax, lowest id among equal logits),
   at most max_tokens, until an end-of-generation token; the pieces joined. */
static void reference(llml_model *m, const int32_t *toks, size_t n, int max_tokens, char *out, size_t cap) {
    llml_ctx_desc cd;
    llml_ctx *c = NULL;
    const llml_vocab *v = llml_model_vocab(m);
    int32_t n_vocab = llml_vocab_n_tokens(v), i, t;
    size_t len = 0;
    int k;
    out[0] = 0;
    memset(&cd, 0, sizeof(cd));
    cd.n_threads = 1;
    if (llml_ctx_create(m, &cd, &c, NULL) != LLML_OK) return;
    if (llml_decode(c, toks, (int32_t)n, 0) != LLML_OK) { llml_ctx_free(c); return; }
    for (k = 0; k < max_tokens; k++) {
        const float *lg = llml_get_logits(c, -1);
        char piece[256];
        size_t pl = 0;
        t = 0;
        for (i = 1; i < n_vocab; i++) if (lg[i] > lg[t]) t = i;
        if (llml_vocab_is_eog(v, t)) break;
        if (llml_token_to_piece(v, t, 0, piece, sizeof(piece), &pl) != LLML_OK) break;
        if (len + pl + 1 > cap) break;
        memcpy(out + len, piece, pl);
        len += pl;
        out[len] = 0;
        if (llml_decode(c, &t, 1, 0) != LLML_OK) break;
    }
    llml_ctx_free(c);
}

static void reference_text(llml_model *m, const char *prompt, int max_tokens, char *out, size_t cap) {
    int32_t toks[1024];
    size_t n = 0;
    out[0] = 0;
    if (llml_tokenize(llml_model_vocab(m), prompt, strlen(prompt),
                      LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL, toks, 1024, &n) != LLML_OK) return;
    reference(m, toks, n, max_tokens, out, cap);
}

/* JSON string literal of s (for building requests; ASCII and '\n' only here). */
static void jstr(char *out, size_t cap, const char *s) {
    size_t n = 0;
    out[n++] = '"';
    for (; *s && n + 3 < cap; s++) {
        if (*s == '\n') { out[n++] = '\\'; out[n++] = 'n'; }
        else if (*s == '"' || *s == '\\') { out[n++] = '\\'; out[n++] = *s; }
        else out[n++] = *s;
    }
    out[n++] = '"';
    out[n] = 0;
}

/* ---- (a) good requests ----------------------------------------------------- */

static void test_complete(llml_model *m) {
    static const char *const prompts[] = { "Once upon a time", "The little dog", "Lily and Tom went to the park.", NULL };
    proc p;
    char line[8192], req[2048], js[1024], ref[65536];
    result r;
    int i, others = 0;
    CHECK(proc_start(&p, DEFAULT_MODEL, NULL), "start llmlite-serve");
    CHECK(proc_line(&p, line, sizeof(line), 20000) && ev_is(line, "ready"), "first event is ready: %s", line);
    CHECK(strstr(line, "\"fim\":false") && strstr(line, "\"chat_template\":false") &&
          strstr(line, "\"model\":\"stories260K\""), "ready tells the model, no FIM, no chat template: %s", line);
    for (i = 0; prompts[i]; i++) {
        char id[32];
        jstr(js, sizeof(js), prompts[i]);
        snprintf(id, sizeof(id), "%d", i + 1);
        snprintf(req, sizeof(req), "{\"id\":%s,\"op\":\"complete\",\"prompt\":%s,\"max_tokens\":40}\n", id, js);
        proc_send(&p, req);
        CHECK(collect(&p, id, &r, &others), "complete %d: done (%s)", i, r.last);
        reference_text(m, prompts[i], 40, ref, sizeof(ref));
        CHECK(ref[0] && !strcmp(r.text, ref), "complete %d: streamed text equals the greedy reference\n  got: %s\n  ref: %s",
              i, r.text, ref);
        CHECK(ev_int(r.last, "n_generated") == 40 || strstr(r.last, "\"reason\":\"eog\""), "complete %d: 40 tokens or eog: %s", i, r.last);
        CHECK(strstr(r.last, "\"reason\":\"max_tokens\"") || strstr(r.last, "\"reason\":\"eog\""), "complete %d: reason: %s", i, r.last);
    }
    /* llmlite-chat's one-shot output for the first prompt: prompt + text + "\n" */
    {
        char cmd[2048], chat[65536];
        FILE *f;
        size_t k;
        proc_send(&p, "{\"id\":\"again\",\"op\":\"complete\",\"prompt\":\"Once upon a time\",\"max_tokens\":64}\n");
        CHECK(collect(&p, "\"again\"", &r, &others), "string id: done (%s)", r.last);
        snprintf(cmd, sizeof(cmd), "%s/llmlite-chat -m %s -p 'Once upon a time' -n 64 --temp 0 -t 1 2>/dev/null",
                 g_build, DEFAULT_MODEL);
        f = popen(cmd, "r");
        k = f ? fread(chat, 1, sizeof(chat) - 1, f) : 0;
        if (f) pclose(f);
        chat[k] = 0;
        CHECK(k > 17 && !strncmp(chat, "Once upon a time", 16) && chat[k - 1] == '\n', "llmlite-chat ran: %s", chat);
        if (k > 17) chat[k - 1] = 0;
        CHECK(k > 17 && !strcmp(chat + 16, r.text), "text equals llmlite-chat -p ... -n 64 --temp 0\n  got:  %s\n  chat: %s",
              r.text, chat + 16);
        CHECK(r.n_tokens > 10, "streamed as many token events (%d)", r.n_tokens);
    }
    /* a stop string: the text up to its first occurrence */
    {
        char *dot;
        proc_send(&p, "{\"id\":9,\"op\":\"complete\",\"prompt\":\"Once upon a time\",\"max_tokens\":64,\"stop\":[\". \"]}\n");
        CHECK(collect(&p, "9", &r, &others), "stop: done (%s)", r.last);
        reference_text(m, "Once upon a time", 64, ref, sizeof(ref));
        dot = strstr(ref, ". ");
        if (dot) *dot = 0;
        CHECK(dot && !strcmp(r.text, ref) && strstr(r.last, "\"reason\":\"stop\""),
              "stop [\". \"]: the reference up to the stop string, reason stop\n  got: %s\n  ref: %s\n  %s", r.text, ref, r.last);
    }
    /* sampling with a seed is repeatable */
    {
        result r2;
        proc_send(&p, "{\"id\":10,\"op\":\"complete\",\"prompt\":\"The cat\",\"max_tokens\":30,\"temperature\":0.9,\"seed\":7}\n");
        CHECK(collect(&p, "10", &r, &others), "sampling: done");
        proc_send(&p, "{\"id\":11,\"op\":\"complete\",\"prompt\":\"The cat\",\"max_tokens\":30,\"temperature\":0.9,\"seed\":7}\n");
        CHECK(collect(&p, "11", &r2, &others), "sampling again: done");
        CHECK(r.len > 0 && !strcmp(r.text, r2.text), "the same seed gives the same text");
    }
    CHECK(others == 0, "no events for other ids (%d)", others);
    CHECK(proc_finish(&p) == 0, "exit status 0 at EOF");
    CHECK(file_size(p.errpath) == 0, "nothing on stderr");
    remove(p.errpath);
}

static void test_infill(void) {
    llml_model *m = NULL;
    proc p;
    char line[8192], ref[65536];
    int32_t toks[512];
    size_t n = 0;
    result r;
    static const char pre[] = "def add(a, b):\n    return", suf[] = "\n\nprint(add(1, 2))\n";
    if (llml_model_load_file(g_fim_model, NULL, &m, NULL) != LLML_OK) { CHECK(0, "load %s", g_fim_model); return; }
    CHECK(llml_tokenize_infill(llml_model_vocab(m), pre, strlen(pre), suf, strlen(suf), LLML_TOKENIZE_ADD_SPECIAL,
                               toks, 512, &n) == LLML_OK, "infill prompt");
    reference(m, toks, n, 24, ref, sizeof(ref));
    CHECK(proc_start(&p, g_fim_model, NULL), "start llmlite-serve (FIM model)");
    CHECK(proc_line(&p, line, sizeof(line), 20000) && ev_is(line, "ready") && strstr(line, "\"fim\":true"),
          "ready says fim: %s", line);
    proc_send(&p, "{\"id\":1,\"op\":\"infill\",\"prefix\":\"def add(a, b):\\n    return\","
                  "\"suffix\":\"\\n\\nprint(add(1, 2))\\n\",\"max_tokens\":24}\n");
    CHECK(collect(&p, "1", &r, NULL), "infill: done (%s)", r.last);
    CHECK(ref[0] && !strcmp(r.text, ref), "infill: text equals the greedy reference after the FIM prompt\n  got: %s\n  ref: %s",
          r.text, ref);
    CHECK(ev_int(r.last, "n_prompt") == (long)n, "infill: n_prompt %ld = %zu", ev_int(r.last, "n_prompt"), n);

    /* (c) cancel while streaming; a request queued meanwhile runs after it */
    {
        int tokens = 0, done = 0, after_done = 0;
        char eid[64];
        proc_send(&p, "{\"id\":\"long\",\"op\":\"complete\",\"prompt\":\"int main\",\"max_tokens\":1000000}\n");
        while (proc_line(&p, line, sizeof(line), 20000)) {
            ev_id(line, eid, sizeof(eid));
            if (!strcmp(eid, "\"long\"") && ev_is(line, "token") && ++tokens == 5) {
                proc_send(&p, "{\"id\":\"after\",\"op\":\"complete\",\"prompt\":\"x\",\"max_tokens\":3}\n"
                              "{\"id\":\"long\",\"op\":\"cancel\"}\n");
            }
            if (!strcmp(eid, "\"long\"") && ev_is(line, "done")) {
                done = 1;
                CHECK(strstr(line, "\"reason\":\"cancelled\"") != NULL, "cancelled while streaming: %s", line);
                CHECK(ev_int(line, "n_generated") >= 5 && ev_int(line, "n_generated") < 100000,
                      "stopped soon: %ld tokens", ev_int(line, "n_generated"));
            }
            if (!strcmp(eid, "\"after\"") && (ev_is(line, "done") || ev_is(line, "error"))) {
                after_done = ev_is(line, "done");
                CHECK(done, "the queued request runs after the cancelled one");
                break;
            }
        }
        CHECK(done && after_done, "cancel: done events for both (%d %d)", done, after_done);
    }
    /* a queued request cancelled before it runs; cancel without id; nothing to cancel */
    {
        int a = 0, b = 0, c = 0, e = 0;
        char eid[64];
        proc_send(&p, "{\"id\":\"a\",\"op\":\"complete\",\"prompt\":\"x\",\"max_tokens\":1000000}\n"
                      "{\"id\":\"b\",\"op\":\"complete\",\"prompt\":\"y\",\"max_tokens\":5}\n"
                      "{\"id\":\"b\",\"op\":\"cancel\"}\n");
        while (proc_line(&p, line, sizeof(line), 20000)) {
            ev_id(line, eid, sizeof(eid));
            if (!strcmp(eid, "\"b\"") && ev_is(line, "done")) {
                b = strstr(line, "\"reason\":\"cancelled\"") && ev_int(line, "n_generated") == 0;
                proc_send(&p, "{\"op\":\"cancel\"}\n");
            }
            if (!strcmp(eid, "\"a\"") && ev_is(line, "done")) {
                a = strstr(line, "\"reason\":\"cancelled\"") != NULL;
                break;
            }
        }
        proc_send(&p, "{\"id\":\"c\",\"op\":\"cancel\"}\n");
        CHECK(proc_line(&p, line, sizeof(line), 20000), "answer to a cancel of nothing");
        ev_id(line, eid, sizeof(eid));
        c = !strcmp(eid, "\"c\"") && ev_is(line, "error") && strstr(line, "no running or queued request");
        proc_send(&p, "{\"id\":\"e\",\"op\":\"info\"}\n");
        e = proc_line(&p, line, sizeof(line), 20000) && ev_is(line, "info");
        CHECK(b, "a queued request cancelled before it ran: done, cancelled, 0 tokens");
        CHECK(a, "cancel without id stops the running request");
        CHECK(c, "cancel of an unknown id: error event");
        CHECK(e, "still answering after the cancels");
    }
    CHECK(proc_finish(&p) == 0, "FIM server: exit status 0 at EOF");
    CHECK(file_size(p.errpath) == 0, "FIM server: nothing on stderr");
    remove(p.errpath);
    llml_model_free(m);
}

/* ---- (b) malformed requests -------------------------------------------------- */

typedef struct bad { const char *line; const char *id; const char *says; } bad;

static void test_malformed(void) {
    static const bad cases[] = {
        { "garbage", "", "bad JSON" },
        { "{\"id\":1,\"op\":\"complete\",\"prompt\":\"x\"", "", "bad JSON" },
        { "{\"op\":\"info\"} x", "", "text after the JSON value" },
        { "[1,2]", "", "must be a JSON object" },
        { "\"complete\"", "", "must be a JSON object" },
        { "{\"id\":2}", "2", "missing \\\"op\\\"" },
        { "{\"id\":3,\"op\":\"fly\"}", "3", "unknown op" },
        { "{\"id\":4,\"op\":7}", "4", "\\\"op\\\" must be a string" },
        { "{\"id\":5,\"op\":\"complete\"}", "5", "needs a non-empty \\\"prompt\\\"" },
        { "{\"id\":6,\"op\":\"complete\",\"prompt\":\"\"}", "6", "needs a non-empty \\\"prompt\\\"" },
        { "{\"id\":7,\"op\":\"complete\",\"prompt\":42}", "7", "\\\"prompt\\\" must be a string" },
        { "{\"id\":8,\"op\":\"complete\",\"prompt\":\"x\",\"max_tokens\":-1}", "8", "\\\"max_tokens\\\" must be an integer" },
        { "{\"id\":9,\"op\":\"complete\",\"prompt\":\"x\",\"max_tokens\":1.5}", "9", "\\\"max_tokens\\\" must be an integer" },
        { "{\"id\":10,\"op\":\"complete\",\"prompt\":\"x\",\"temperature\":\"hot\"}", "10", "\\\"temperature\\\" must be a number" },
        { "{\"id\":11,\"op\":\"chat\",\"messages\":\"hi\"}", "11", "needs \\\"messages\\\"" },
        { "{\"id\":12,\"op\":\"chat\",\"messages\":[{\"role\":\"user\"}]}", "12", "messages[0] must be" },
        { "{\"id\":13,\"op\":\"chat\",\"messages\":[{\"role\":\"king\",\"content\":\"x\"}]}", "13", "role must be" },
        { "{\"id\":14,\"op\":\"infill\",\"prefix\":\"a\"}", "14", "needs \\\"prefix\\\" and \\\"suffix\\\"" },
        { "{\"id\":15,\"op\":\"complete\",\"prompt\":\"x\",\"bogus\":1}", "15", "unknown field \\\"bogus\\\"" },
        { "{\"id\":{\"a\":1},\"op\":\"info\"}", "", "\\\"id\\\" must be a string or a number" },
        { "{\"id\":16,\"op\":\"complete\",\"prompt\":\"x\",\"stop\":\".\"}", "16", "\\\"stop\\\" must be an array" },
        { "{\"id\":17,\"op\":\"complete\",\"prompt\":\"\xff\"}", "", "invalid UTF-8" },
        { "{\"id\":18,\"op\":\"complete\",\"prompt\":\"\\ud800\"}", "", "surrogate" },
        { "{\"id\":19,\"op\":\"complete\",\"op\":\"chat\",\"prompt\":\"x\"}", "", "duplicate field" },
        { "{\"id\":20,\"op\":\"complete\",\"prompt\":\"a\tb\"}", "", "control character" },
        { "{\"id\":21,\"op\":\"complete\",\"prompt\":\"\\q\"}", "", "unknown escape" },
        { "{\"id\":22,\"op\":\"complete\",\"prompt\":\"x\",\"max_tokens\":1e999}", "22", "must be an integer" },
        { "{\"id\":23,\"op\":\"complete\",\"prompt\":\"x\",\"max_tokens\":01}", "", "bad JSON" },
        { "{\"id\":24,\"op\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "24", "no chat template" },
        { "{\"id\":25,\"op\":\"infill\",\"prefix\":\"a\",\"suffix\":\"b\"}", "25", "no fill-in-the-middle tokens" },
        { "{\"id\":26,\"op\":\"cancel\",\"prompt\":\"x\"}", "26", "takes only" },
        { "{\"id\":27,\"op\":\"infill\",\"prompt\":\"x\",\"prefix\":\"a\",\"suffix\":\"b\"}", "27", "\\\"prompt\\\" is for op complete" },
        { "{\"id\":\"s\\\"q\",\"op\":\"nope\"}", "\"s\\\"q\"", "unknown op" },
        { NULL, NULL, NULL }
    };
    proc p;
    char line[8192], eid[256], *big;
    int i, ok_all = 1;
    result r;
    CHECK(proc_start(&p, DEFAULT_MODEL, "4096"), "start llmlite-serve --max-line 4096");
    CHECK(proc_line(&p, line, sizeof(line), 20000) && ev_is(line, "ready"), "ready");
    for (i = 0; cases[i].line; i++) {
        int ok;
        char msg[1024];
        proc_send(&p, cases[i].line);
        proc_send(&p, "\n");
        ok = proc_line(&p, line, sizeof(line), 20000);
        ev_id(line, eid, sizeof(eid));
        {
            const char *want = cases[i].id[0] == '"' ? cases[i].id : NULL;
            char want_num[64];
            if (!want) { snprintf(want_num, sizeof(want_num), "%s", cases[i].id); want = want_num; }
            ok = ok && ev_is(line, "error") && !strcmp(eid, want) && strstr(line, cases[i].says) &&
                 ev_str(line, "message", msg, sizeof(msg));
        }
        CHECK(ok, "malformed %d: %s\n  -> %s (expected an error event with id '%s' saying '%s')",
              i, cases[i].line, line, cases[i].id, cases[i].says);
        if (!ok) ok_all = 0;
    }
    /* an overlong line (10 000 bytes, limit 4096): one error, then on */
    big = (char *)malloc(10002);
    if (big) {
        memset(big, 'x', 10000);
        big[0] = '{';
        big[10000] = '\n';
        big[10001] = 0;
        proc_send(&p, big);
        CHECK(proc_line(&p, line, sizeof(line), 20000) && ev_is(line, "error") && strstr(line, "longer than 4096 bytes"),
              "overlong line: %s", line);
        free(big);
    }
    /* deep nesting */
    {
        char deep[300];
        int k;
        memset(deep, 0, sizeof(deep));
        strcpy(deep, "{\"id\":1,\"op\":\"complete\",\"prompt\":");
        for (k = 0; k < 100; k++) strcat(deep, "[");
        strcat(deep, "\n");
        proc_send(&p, deep);
        CHECK(proc_line(&p, line, sizeof(line), 20000) && ev_is(line, "error") && strstr(line, "nested too deeply"),
              "deep nesting: %s", line);
    }
    /* blank lines are ignored; the server still answers a good request */
    proc_send(&p, "\n   \n{\"id\":\"ok\",\"op\":\"complete\",\"prompt\":\"Once upon a time\",\"max_tokens\":8}\r\n");
    CHECK(collect(&p, "\"ok\"", &r, NULL) && r.len > 0, "a good request after %d malformed ones: %s", i + 2, r.last);
    /* EOF right after a request: it is finished, then exit 0 */
    proc_send(&p, "{\"id\":\"last\",\"op\":\"complete\",\"prompt\":\"Once upon a time\",\"max_tokens\":8}");
    close(p.to);
    p.to = -1;
    CHECK(collect(&p, "\"last\"", &r, NULL), "a last line without newline before EOF is answered: %s", r.last);
    CHECK(!proc_line(&p, line, sizeof(line), 5000), "nothing after it");
    CHECK(proc_finish(&p) == 0, "exit status 0 at EOF");
    CHECK(file_size(p.errpath) == 0, "nothing on stderr");
    remove(p.errpath);
    (void)ok_all;
}

int main(void) {
    llml_model *m = NULL;
    char cmd[2048];
    const char *b = getenv("LLML_BUILD");
    if (b && *b) g_build = b;
    signal(SIGPIPE, SIG_IGN);
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/tmp", g_build);
    if (system(cmd) != 0) { CHECK(0, "%s", cmd); return check_summary("serve"); }
    CHECK(llml_model_load_file(DEFAULT_MODEL, NULL, &m, NULL) == LLML_OK, "load " DEFAULT_MODEL);
    if (!m) return check_summary("serve");
    test_complete(m);
    test_malformed();
    llml_model_free(m);

    /* a tiny random-weight model with the StarCoder vocabulary (FIM tokens) */
    snprintf(g_fim_model, sizeof(g_fim_model), "%s/tmp/test_serve_fim.gguf", g_build);
    snprintf(cmd, sizeof(cmd),
             "%s/llmlite-synth %s --arch qwen2 --n-embd 64 --n-layer 2 --n-head 2 --n-head-kv 1 --n-ff 128 "
             "--n-ctx-train 256 --vocab %s/vocab/ggml-vocab-starcoder.gguf --type q8_0 --pure --threads 1 -q",
             g_build, g_fim_model, check_testdata());
    CHECK(system(cmd) == 0, "%s", cmd);
    test_infill();
    remove(g_fim_model);
    return check_summary("serve");
}
