/* Build: make build/llmlite-serve   (or: cc -std=c99 -O2 -I. examples/serve.c -o llmlite-serve -lm -lpthread)
   Run:   build/llmlite-serve [-m MODEL.gguf] [-c N_CTX] [-t THREADS]   then one JSON request per line on stdin
   A companion process for editors: requests in, token events out, one JSON object per line (README: "Server protocol").
   POSIX (poll() watches stdin between tokens, so a cancel line stops a running answer). */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L   /* poll, readlink */
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#define DEFAULT_MODEL "models/stories260K.gguf"
#define DEFAULT_MAX_TOKENS 256
#define MAX_QUEUE 64
#define MAX_STOP 16
#define MAX_DEPTH 32

/* ======================================================================== */
/* Output: one event per line, written in one piece and flushed             */
/* ======================================================================== */

typedef struct sbuf { char *p; size_t n, cap; int failed; } sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        char *np;
        while (nc < b->n + n + 1) nc *= 2;
        np = (char *)realloc(b->p, nc);
        if (!np) { b->failed = 1; return; }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* Length of a valid UTF-8 sequence at s[0..n), or 0 if invalid there
   (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    uint32_t c;
    size_t len, i;
    if (n == 0) return 0;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { len = 2; c = s[0] & 0x1Fu; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { len = 3; c = s[0] & 0x0Fu; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { len = 4; c = s[0] & 0x07u; }
    else return 0;
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return len;
}

/* A JSON string literal of s[0..n): quotes, escapes for '"', '\\' and
   control characters, and U+FFFD for each byte that is not valid UTF-8. */
static void sb_json_str(sbuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    sb_put(b, "\"", 1);
    while (i < n) {
        unsigned char ch = u[i];
        if (ch == '"') { sb_put(b, "\\\"", 2); i++; }
        else if (ch == '\\') { sb_put(b, "\\\\", 2); i++; }
        else if (ch == '\n') { sb_put(b, "\\n", 2); i++; }
        else if (ch == '\r') { sb_put(b, "\\r", 2); i++; }
        else if (ch == '\t') { sb_put(b, "\\t", 2); i++; }
        else if (ch < 0x20 || ch == 0x7F) {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[ch >> 4]; e[5] = hex[ch & 15];
            sb_put(b, e, 6);
            i++;
        } else if (ch < 0x80) { sb_put(b, s + i, 1); i++; }
        else {
            size_t k = utf8_seq(u + i, n - i);
            if (k) { sb_put(b, s + i, k); i += k; }
            else { sb_put(b, "\\ufffd", 6); i++; }
        }
    }
    sb_put(b, "\"", 1);
}

/* Start an event: {"id":ID,"event":"NAME" (id left out when NULL). */
static void ev_begin(sbuf *b, const char *id, size_t id_len, const char *name) {
    b->n = 0;
    b->failed = 0;
    sb_str(b, "{");
    if (id) { sb_str(b, "\"id\":"); sb_put(b, id, id_len); sb_str(b, ","); }
    sb_str(b, "\"event\":\"");
    sb_str(b, name);
    sb_str(b, "\"");
}
static void ev_field_str(sbuf *b, const char *key, const char *s, size_t n) {
    sb_str(b, ",\""); sb_str(b, key); sb_str(b, "\":");
    sb_json_str(b, s, n);
}
static void ev_field_raw(sbuf *b, const char *key, const char *fmt_value) {
    sb_str(b, ",\""); sb_str(b, key); sb_str(b, "\":");
    sb_str(b, fmt_value);
}
static void ev_field_int(sbuf *b, const char *key, long long v) {
    char t[32];
    snprintf(t, sizeof(t), "%lld", v);
    ev_field_raw(b, key, t);
}
static void ev_field_num(sbuf *b, const char *key, double v) {
    char t[64];
    snprintf(t, sizeof(t), "%.3f", v);
    ev_field_raw(b, key, t);
}

/* Finish the event and write it. A client that is gone ends the server. */
static void ev_end(sbuf *b) {
    sb_str(b, "}\n");
    if (b->failed) {
        static const char oom[] = "{\"event\":\"error\",\"message\":\"out of memory\"}\n";
        fwrite(oom, 1, sizeof(oom) - 1, stdout);
    } else {
        fwrite(b->p, 1, b->n, stdout);
    }
    if (fflush(stdout) != 0) exit(0);
}

static void send_error(sbuf *b, const char *id, size_t id_len, const char *msg) {
    ev_begin(b, id, id_len, "error");
    ev_field_str(b, "message", msg, strlen(msg));
    ev_end(b);
}

/* ======================================================================== */
/* JSON: a small parser into a flat node array                              */
/* ======================================================================== */
/* Values become nodes in one array; children are linked by index (child =
   first child, next = next sibling). Strings are decoded into one pool, each
   NUL-terminated. Object members carry their key. Everything is sized from
   the text's length up front, so parsing allocates twice per document. */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jnode {
    int type;
    int child, next;          /* -1: none */
    int n_kids;
    const char *key;          /* object members: decoded key (pool)   */
    size_t key_len;
    const char *str;          /* strings: decoded text (pool)         */
    size_t len;
    double num;
    int boolean;
    size_t raw_off, raw_len;  /* the value's text in the source      */
} jnode;

typedef struct jdoc {
    const char *src;
    size_t n, pos;
    jnode *nodes;
    int n_nodes, cap_nodes;
    char *pool;
    size_t pool_n, pool_cap;
    char err[160];
} jdoc;

static int j_fail(jdoc *d, const char *what) {
    if (!d->err[0]) snprintf(d->err, sizeof(d->err), "bad JSON at byte %zu: %s", d->pos + 1, what);
    return -1;
}

static void j_ws(jdoc *d) {
    while (d->pos < d->n && (d->src[d->pos] == ' ' || d->src[d->pos] == '\t' ||
                             d->src[d->pos] == '\n' || d->src[d->pos] == '\r')) d->pos++;
}

static int j_new(jdoc *d, int type) {
    jnode *x;
    if (d->n_nodes >= d->cap_nodes) return -1;
    x = &d->nodes[d->n_nodes];
    memset(x, 0, sizeof(*x));
    x->type = type;
    x->child = x->next = -1;
    x->raw_off = d->pos;
    return d->n_nodes++;
}

static int j_hex4(const char *s, uint32_t *out) {
    uint32_t v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static void j_pool_utf8(jdoc *d, uint32_t c) {
    char *o = d->pool + d->pool_n;
    if (c < 0x80) { o[0] = (char)c; d->pool_n += 1; }
    else if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3F)); d->pool_n += 2; }
    else if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 0x3F)); o[2] = (char)(0x80 | (c & 0x3F));
        d->pool_n += 3;
    } else {
        o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F));
        d->pool_n += 4;
    }
}

/* A string at d->pos (on the quote): decoded into the pool. A decoded text
   is never longer than its source (\uXXXX: 6 bytes -> at most 3; a pair: 12 -> 4). */
static int j_string(jdoc *d, const char **out, size_t *out_len) {
    char *start = d->pool + d->pool_n;
    d->pos++;
    for (;;) {
        unsigned char c;
        if (d->pos >= d->n) return j_fail(d, "unterminated string");
        c = (unsigned char)d->src[d->pos];
        if (c == '"') { d->pos++; break; }
        if (c < 0x20) return j_fail(d, "control character in a string (escape it)");
        if (c == '\\') {
            char e;
            if (d->pos + 1 >= d->n) return j_fail(d, "unterminated string");
            e = d->src[d->pos + 1];
            d->pos += 2;
            switch (e) {
            case '"': d->pool[d->pool_n++] = '"'; break;
            case '\\': d->pool[d->pool_n++] = '\\'; break;
            case '/': d->pool[d->pool_n++] = '/'; break;
            case 'b': d->pool[d->pool_n++] = '\b'; break;
            case 'f': d->pool[d->pool_n++] = '\f'; break;
            case 'n': d->pool[d->pool_n++] = '\n'; break;
            case 'r': d->pool[d->pool_n++] = '\r'; break;
            case 't': d->pool[d->pool_n++] = '\t'; break;
            case 'u': {
                uint32_t u, lo;
                if (d->pos + 4 > d->n || !j_hex4(d->src + d->pos, &u)) return j_fail(d, "bad \\u escape");
                d->pos += 4;
                if (u >= 0xDC00 && u <= 0xDFFF) return j_fail(d, "lone low surrogate in \\u escape");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (d->pos + 6 > d->n || d->src[d->pos] != '\\' || d->src[d->pos + 1] != 'u' ||
                        !j_hex4(d->src + d->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return j_fail(d, "high surrogate without a low surrogate in \\u escape");
                    d->pos += 6;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (u == 0) return j_fail(d, "\\u0000 is not allowed in strings");
                j_pool_utf8(d, u);
                break;
            }
            default: d->pos -= 1; return j_fail(d, "unknown escape");
            }
        } else if (c < 0x80) {
            d->pool[d->pool_n++] = (char)c;
            d->pos++;
        } else {
            size_t k = utf8_seq((const unsigned char *)d->src + d->pos, d->n - d->pos);
            if (!k) return j_fail(d, "invalid UTF-8 in a string");
            memcpy(d->pool + d->pool_n, d->src + d->pos, k);
            d->pool_n += k;
            d->pos += k;
        }
    }
    d->pool[d->pool_n++] = 0;
    *out = start;
    *out_len = (size_t)(d->pool + d->pool_n - 1 - start);
    return 0;
}

static int j_value(jdoc *d, int depth);

static int j_number(jdoc *d, int id) {
    size_t s = d->pos, k;
    char tmp[64];
    if (d->pos < d->n && d->src[d->pos] == '-') d->pos++;
    if (d->pos >= d->n || d->src[d->pos] < '0' || d->src[d->pos] > '9') return j_fail(d, "bad number");
    if (d->src[d->pos] == '0') d->pos++;
    else while (d->pos < d->n && d->src[d->pos] >= '0' && d->src[d->pos] <= '9') d->pos++;
    if (d->pos < d->n && d->src[d->pos] == '.') {
        d->pos++;
        if (d->pos >= d->n || d->src[d->pos] < '0' || d->src[d->pos] > '9') return j_fail(d, "bad number");
        while (d->pos < d->n && d->src[d->pos] >= '0' && d->src[d->pos] <= '9') d->pos++;
    }
    if (d->pos < d->n && (d->src[d->pos] == 'e' || d->src[d->pos] == 'E')) {
        d->pos++;
        if (d->pos < d->n && (d->src[d->pos] == '+' || d->src[d->pos] == '-')) d->pos++;
        if (d->pos >= d->n || d->src[d->pos] < '0' || d->src[d->pos] > '9') return j_fail(d, "bad number");
        while (d->pos < d->n && d->src[d->pos] >= '0' && d->src[d->pos] <= '9') d->pos++;
    }
    k = d->pos - s;
    if (k >= sizeof(tmp)) return j_fail(d, "number too long");
    memcpy(tmp, d->src + s, k);
    tmp[k] = 0;
    d->nodes[id].num = strtod(tmp, NULL);
    return 0;
}

static int j_lit(jdoc *d, const char *word) {
    size_t k = strlen(word);
    if (d->pos + k > d->n || memcmp(d->src + d->pos, word, k) != 0) return j_fail(d, "unexpected character");
    d->pos += k;
    return 0;
}

/* A value at d->pos; returns its node index or -1. */
static int j_value(jdoc *d, int depth) {
    int id;
    char c;
    j_ws(d);
    if (d->pos >= d->n) { j_fail(d, "unexpected end of line"); return -1; }
    if (depth > MAX_DEPTH) { j_fail(d, "nested too deeply"); return -1; }
    c = d->src[d->pos];
    id = j_new(d, J_NULL);
    if (id < 0) { j_fail(d, "too many values"); return -1; }
    if (c == '{' || c == '[') {
        int last = -1, is_obj = c == '{';
        d->nodes[id].type = is_obj ? J_OBJ : J_ARR;
        d->pos++;
        j_ws(d);
        if (d->pos < d->n && d->src[d->pos] == (is_obj ? '}' : ']')) d->pos++;
        else for (;;) {
            const char *key = NULL;
            size_t key_len = 0;
            int kid;
            j_ws(d);
            if (is_obj) {
                int k;
                if (d->pos >= d->n || d->src[d->pos] != '"') { j_fail(d, "expected a field name in quotes"); return -1; }
                if (j_string(d, &key, &key_len) < 0) return -1;
                for (k = d->nodes[id].child; k >= 0; k = d->nodes[k].next)
                    if (d->nodes[k].key_len == key_len && memcmp(d->nodes[k].key, key, key_len) == 0) {
                        j_fail(d, "duplicate field name");
                        return -1;
                    }
                j_ws(d);
                if (d->pos >= d->n || d->src[d->pos] != ':') { j_fail(d, "expected ':'"); return -1; }
                d->pos++;
            }
            kid = j_value(d, depth + 1);
            if (kid < 0) return -1;
            d->nodes[kid].key = key;
            d->nodes[kid].key_len = key_len;
            if (last < 0) d->nodes[id].child = kid; else d->nodes[last].next = kid;
            last = kid;
            d->nodes[id].n_kids++;
            j_ws(d);
            if (d->pos < d->n && d->src[d->pos] == ',') { d->pos++; continue; }
            if (d->pos < d->n && d->src[d->pos] == (is_obj ? '}' : ']')) { d->pos++; break; }
            j_fail(d, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
            return -1;
        }
    } else if (c == '"') {
        d->nodes[id].type = J_STR;
        if (j_string(d, &d->nodes[id].str, &d->nodes[id].len) < 0) return -1;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        d->nodes[id].type = J_NUM;
        if (j_number(d, id) < 0) return -1;
    } else if (c == 't') {
        if (j_lit(d, "true") < 0) return -1;
        d->nodes[id].type = J_BOOL;
        d->nodes[id].boolean = 1;
    } else if (c == 'f') {
        if (j_lit(d, "false") < 0) return -1;
        d->nodes[id].type = J_BOOL;
    } else if (c == 'n') {
        if (j_lit(d, "null") < 0) return -1;
    } else {
        j_fail(d, "unexpected character");
        return -1;
    }
    d->nodes[id].raw_len = d->pos - d->nodes[id].raw_off;
    return id;
}

/* Parse src[0..n) (one document, nothing after it). 0 or -1 (d->err). */
static int j_parse(jdoc *d, const char *src, size_t n) {
    memset(d, 0, sizeof(*d));
    d->src = src;
    d->n = n;
    d->cap_nodes = (int)(n < 1000000 ? n : 1000000) + 1;
    d->nodes = (jnode *)malloc(sizeof(jnode) * (size_t)d->cap_nodes);
    d->pool_cap = n + 1;
    d->pool = (char *)malloc(d->pool_cap);
    if (!d->nodes || !d->pool) { snprintf(d->err, sizeof(d->err), "out of memory"); return -1; }
    if (j_value(d, 0) < 0) return -1;
    j_ws(d);
    if (d->pos != d->n) return j_fail(d, "text after the JSON value");
    return 0;
}

static void j_free(jdoc *d) {
    free(d->nodes);
    free(d->pool);
    d->nodes = NULL;
    d->pool = NULL;
}

/* The member `key` of object node obj, or NULL. */
static const jnode *j_get(const jdoc *d, int obj, const char *key) {
    int k;
    size_t kl = strlen(key);
    for (k = d->nodes[obj].child; k >= 0; k = d->nodes[k].next)
        if (d->nodes[k].key_len == kl && memcmp(d->nodes[k].key, key, kl) == 0) return &d->nodes[k];
    return NULL;
}

/* ======================================================================== */
/* Requests                                                                  */
/* ======================================================================== */

enum { OP_COMPLETE, OP_CHAT, OP_INFILL, OP_CANCEL, OP_INFO };
static const char *const OP_NAMES[] = { "complete", "chat", "infill", "cancel", "info", NULL };

typedef struct request {
    jdoc doc;                       /* owns the strings below */
    char *line;                     /* a copy of the request's text */
    const char *id;                 /* raw JSON text of "id", or NULL */
    size_t id_len;
    int op;
    const char *prompt;
    const char *prefix, *suffix;
    size_t prefix_len, suffix_len;
    llml_chat_message *msgs;
    size_t n_msgs;
    const char *stop[MAX_STOP];
    int32_t n_stop;
    int32_t max_tokens;
    llml_sampler_desc smp;
} request;

static void request_free(request *r) {
    j_free(&r->doc);
    free(r->msgs);
    free(r->line);
    memset(r, 0, sizeof(*r));
}

/* An integer field in [lo, hi]; 1 if present and fine, 0 if absent, -1 bad. */
static int field_int(const jdoc *d, int obj, const char *key, double lo, double hi, double *out, char *err, size_t ecap) {
    const jnode *x = j_get(d, obj, key);
    if (!x) return 0;
    if (x->type != J_NUM || x->num != (double)(long long)x->num || x->num < lo || x->num > hi) {
        snprintf(err, ecap, "\"%s\" must be an integer from %.0f to %.0f", key, lo, hi);
        return -1;
    }
    *out = x->num;
    return 1;
}
static int field_num(const jdoc *d, int obj, const char *key, double lo, double hi, double *out, char *err, size_t ecap) {
    const jnode *x = j_get(d, obj, key);
    if (!x) return 0;
    if (x->type != J_NUM || !(x->num >= lo && x->num <= hi)) {
        snprintf(err, ecap, "\"%s\" must be a number from %g to %g", key, lo, hi);
        return -1;
    }
    *out = x->num;
    return 1;
}
static int field_str(const jdoc *d, int obj, const char *key, const char **out, size_t *len, char *err, size_t ecap) {
    const jnode *x = j_get(d, obj, key);
    if (!x) return 0;
    if (x->type != J_STR) { snprintf(err, ecap, "\"%s\" must be a string", key); return -1; }
    *out = x->str;
    if (len) *len = x->len;
    return 1;
}

/* Parse and check one request line (taken over by r on success or
   failure). 0 ok; -1 with err set (r->id is set when it could be read). */
static int request_parse(request *r, char *line, size_t len, char *err, size_t ecap) {
    static const char *const known[] = {
        "id", "op", "prompt", "messages", "prefix", "suffix", "max_tokens", "temperature", "top_k",
        "top_p", "min_p", "seed", "repeat_penalty", "stop", NULL
    };
    const jdoc *d;
    const jnode *x;
    const char *op = NULL;
    double v;
    int k, i;
    memset(r, 0, sizeof(*r));
    r->line = line;
    if (j_parse(&r->doc, line, len) < 0) { snprintf(err, ecap, "%s", r->doc.err); return -1; }
    d = &r->doc;
    if (d->nodes[0].type != J_OBJ) { snprintf(err, ecap, "a request must be a JSON object"); return -1; }
    x = j_get(d, 0, "id");
    if (x) {
        if (x->type != J_STR && x->type != J_NUM) { snprintf(err, ecap, "\"id\" must be a string or a number"); return -1; }
        r->id = line + x->raw_off;
        r->id_len = x->raw_len;
    }
    for (k = d->nodes[0].child; k >= 0; k = d->nodes[k].next) {
        for (i = 0; known[i]; i++)
            if (strlen(known[i]) == d->nodes[k].key_len && memcmp(known[i], d->nodes[k].key, d->nodes[k].key_len) == 0) break;
        if (!known[i]) { snprintf(err, ecap, "unknown field \"%.40s\"", d->nodes[k].key); return -1; }
    }
    if (field_str(d, 0, "op", &op, NULL, err, ecap) <= 0) {
        if (!j_get(d, 0, "op")) snprintf(err, ecap, "missing \"op\" (complete, chat, infill, cancel or info)");
        return -1;
    }
    for (r->op = 0; OP_NAMES[r->op]; r->op++) if (!strcmp(OP_NAMES[r->op], op)) break;
    if (!OP_NAMES[r->op]) { snprintf(err, ecap, "unknown op \"%.40s\" (complete, chat, infill, cancel or info)", op); return -1; }

    /* what each op needs, and nothing it does not use */
    if (r->op == OP_CANCEL || r->op == OP_INFO) {
        for (k = d->nodes[0].child; k >= 0; k = d->nodes[k].next)
            if (strcmp(d->nodes[k].key, "id") && strcmp(d->nodes[k].key, "op")) {
                snprintf(err, ecap, "op \"%s\" takes only \"id\"", op);
                return -1;
            }
        return 0;
    }
    if (r->op != OP_COMPLETE && j_get(d, 0, "prompt")) { snprintf(err, ecap, "\"prompt\" is for op complete"); return -1; }
    if (r->op != OP_CHAT && j_get(d, 0, "messages")) { snprintf(err, ecap, "\"messages\" is for op chat"); return -1; }
    if (r->op != OP_INFILL && (j_get(d, 0, "prefix") || j_get(d, 0, "suffix"))) {
        snprintf(err, ecap, "\"prefix\" and \"suffix\" are for op infill");
        return -1;
    }
    if (r->op == OP_COMPLETE) {
        size_t pl = 0;
        int got = field_str(d, 0, "prompt", &r->prompt, &pl, err, ecap);
        if (got < 0) return -1;
        if (got == 0 || pl == 0) { snprintf(err, ecap, "op complete needs a non-empty \"prompt\" string"); return -1; }
    } else if (r->op == OP_INFILL) {
        if (field_str(d, 0, "prefix", &r->prefix, &r->prefix_len, err, ecap) < 0 ||
            field_str(d, 0, "suffix", &r->suffix, &r->suffix_len, err, ecap) < 0) return -1;
        if (!r->prefix || !r->suffix) { snprintf(err, ecap, "op infill needs \"prefix\" and \"suffix\" strings (may be empty)"); return -1; }
    } else {
        const jnode *m = j_get(d, 0, "messages");
        int mi;
        if (!m || m->type != J_ARR || m->n_kids == 0) {
            snprintf(err, ecap, "op chat needs \"messages\": a non-empty array of {\"role\": ..., \"content\": ...}");
            return -1;
        }
        r->msgs = (llml_chat_message *)calloc((size_t)m->n_kids, sizeof(*r->msgs));
        if (!r->msgs) { snprintf(err, ecap, "out of memory"); return -1; }
        for (mi = m->child; mi >= 0; mi = d->nodes[mi].next) {
            const char *role = NULL, *content = NULL;
            if (d->nodes[mi].type != J_OBJ || d->nodes[mi].n_kids != 2 ||
                field_str(d, mi, "role", &role, NULL, err, ecap) <= 0 ||
                field_str(d, mi, "content", &content, NULL, err, ecap) <= 0) {
                snprintf(err, ecap, "messages[%d] must be {\"role\": string, \"content\": string}", (int)r->n_msgs);
                return -1;
            }
            if (strcmp(role, "system") && strcmp(role, "user") && strcmp(role, "assistant")) {
                snprintf(err, ecap, "messages[%d]: role must be \"system\", \"user\" or \"assistant\"", (int)r->n_msgs);
                return -1;
            }
            r->msgs[r->n_msgs].role = role;
            r->msgs[r->n_msgs].content = content;
            r->n_msgs++;
        }
    }

    /* generation options; greedy unless a temperature > 0 is given */
    r->max_tokens = DEFAULT_MAX_TOKENS;
    r->smp = llml_sampler_default_desc();
    r->smp.temperature = 0.0f;
    if (field_int(d, 0, "max_tokens", 0, 1000000, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "max_tokens")) r->max_tokens = (int32_t)v;
    if (field_num(d, 0, "temperature", 0, 100, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "temperature")) r->smp.temperature = (float)v;
    if (field_int(d, 0, "top_k", 0, 1e9, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "top_k")) r->smp.top_k = (int32_t)v;
    if (field_num(d, 0, "top_p", 0, 1, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "top_p")) r->smp.top_p = (float)v;
    if (field_num(d, 0, "min_p", 0, 1, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "min_p")) r->smp.min_p = (float)v;
    if (field_num(d, 0, "repeat_penalty", 0, 100, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "repeat_penalty")) r->smp.repeat_penalty = (float)v;
    if (field_int(d, 0, "seed", 0, 9007199254740991.0, &v, err, ecap) < 0) return -1;
    else if (j_get(d, 0, "seed")) r->smp.seed = (uint64_t)v;
    x = j_get(d, 0, "stop");
    if (x) {
        int si;
        if (x->type != J_ARR || x->n_kids > MAX_STOP) {
            snprintf(err, ecap, "\"stop\" must be an array of at most %d non-empty strings", MAX_STOP);
            return -1;
        }
        for (si = x->child; si >= 0; si = d->nodes[si].next) {
            if (d->nodes[si].type != J_STR || d->nodes[si].len == 0) {
                snprintf(err, ecap, "\"stop\" must be an array of at most %d non-empty strings", MAX_STOP);
                return -1;
            }
            r->stop[r->n_stop++] = d->nodes[si].str;
        }
    }
    return 0;
}

/* ======================================================================== */
/* Input: stdin read in pieces; complete lines handed on                    */
/* ======================================================================== */

typedef struct server server;
static void handle_line(server *s, char *line, size_t len);

struct server {
    llml_model *model;
    llml_ctx *ctx;
    const llml_vocab *vocab;
    int has_fim, has_template;
    size_t max_line;
    /* input */
    char *in;
    size_t in_n, in_cap;
    int eof, discarding;
    /* queue of accepted requests */
    request *queue[MAX_QUEUE];
    int n_queue;
    /* the running request */
    request *cur;
    int cancel_cur;
    char *pend;                    /* bytes of an unfinished UTF-8 character */
    size_t pend_n, pend_cap;
    sbuf out;
};

/* Read what stdin has (wait for it when `block`), then pass on each
   complete line. 0 when nothing could be read because of EOF. */
static void read_input(server *s, int block) {
    struct pollfd p;
    ssize_t got;
    size_t i, start;
    if (s->eof) return;
    p.fd = 0;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, block ? -1 : 0) <= 0) return;
    if (s->in_cap - s->in_n < 65536) {
        size_t nc = s->in_cap ? s->in_cap * 2 : 131072;
        char *np = (char *)realloc(s->in, nc);
        if (!np) { send_error(&s->out, NULL, 0, "out of memory reading input"); exit(1); }
        s->in = np;
        s->in_cap = nc;
    }
    do got = read(0, s->in + s->in_n, s->in_cap - s->in_n);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
        s->eof = 1;
        if (s->in_n > 0 && !s->discarding) {       /* a last line without '\n' */
            char *line = (char *)malloc(s->in_n + 1);
            if (line) {
                memcpy(line, s->in, s->in_n);
                line[s->in_n] = 0;
                handle_line(s, line, s->in_n);
            }
        }
        s->in_n = 0;
        return;
    }
    s->in_n += (size_t)got;
    start = 0;
    for (i = 0; i < s->in_n; i++) {
        if (s->in[i] != '\n') continue;
        if (s->discarding) { s->discarding = 0; start = i + 1; continue; }
        {
            size_t len = i - start;
            char *line;
            if (len > 0 && s->in[start + len - 1] == '\r') len--;
            line = (char *)malloc(len + 1);
            if (!line) { send_error(&s->out, NULL, 0, "out of memory"); exit(1); }
            memcpy(line, s->in + start, len);
            line[len] = 0;
            start = i + 1;
            if (len <= s->max_line) handle_line(s, line, len);
            else {
                char msg[96];
                snprintf(msg, sizeof(msg), "request line longer than %zu bytes (ignored)", s->max_line);
                send_error(&s->out, NULL, 0, msg);
                free(line);
            }
        }
    }
    memmove(s->in, s->in + start, s->in_n - start);
    s->in_n -= start;
    if (!s->discarding && s->in_n > s->max_line) {
        char msg[96];
        snprintf(msg, sizeof(msg), "request line longer than %zu bytes (ignored)", s->max_line);
        send_error(&s->out, NULL, 0, msg);
        s->discarding = 1;
    }
    if (s->discarding) s->in_n = 0;
}

/* ======================================================================== */
/* Running requests                                                         */
/* ======================================================================== */

static int same_id(const request *a, const char *id, size_t id_len) {
    return a->id && a->id_len == id_len && memcmp(a->id, id, id_len) == 0;
}

static void send_done_cancelled(server *s, const request *r) {
    ev_begin(&s->out, r->id, r->id_len, "done");
    ev_field_raw(&s->out, "reason", "\"cancelled\"");
    ev_field_int(&s->out, "n_prompt", 0);
    ev_field_int(&s->out, "n_generated", 0);
    ev_end(&s->out);
}

static void send_info(server *s, const char *id, size_t id_len, const char *event) {
    llml_model_info info;
    memset(&info, 0, sizeof(info));
    info.name = info.arch = "";
    llml_model_get_info(s->model, &info);
    ev_begin(&s->out, id, id_len, event);
    ev_field_str(&s->out, "model", info.name, strlen(info.name));
    ev_field_str(&s->out, "arch", info.arch, strlen(info.arch));
    ev_field_int(&s->out, "n_ctx", llml_ctx_n_ctx(s->ctx));
    ev_field_int(&s->out, "n_vocab", info.n_vocab);
    ev_field_raw(&s->out, "fim", s->has_fim ? "true" : "false");
    ev_field_raw(&s->out, "chat_template", s->has_template ? "true" : "false");
    ev_field_str(&s->out, "version", llml_version(), strlen(llml_version()));
    ev_end(&s->out);
}

/* One request line: checked at once (errors answered at once, also while
   another request runs), cancels applied at once, the rest queued. */
static void handle_line(server *s, char *line, size_t len) {
    request *r;
    char err[200];
    size_t i;
    int k;
    for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++) {}
    if (i == len) { free(line); return; }              /* blank line */
    r = (request *)calloc(1, sizeof(*r));
    if (!r) { free(line); send_error(&s->out, NULL, 0, "out of memory"); return; }
    err[0] = 0;
    if (request_parse(r, line, len, err, sizeof(err)) < 0) {
        send_error(&s->out, r->id, r->id_len, err);
        request_free(r);
        free(r);
        return;
    }
    if (r->op == OP_INFO) {
        send_info(s, r->id, r->id_len, "info");
    } else if (r->op == OP_CANCEL) {
        int found = 0;
        if (s->cur && (!r->id || same_id(s->cur, r->id, r->id_len))) { s->cancel_cur = 1; found = 1; }
        for (k = 0; k < s->n_queue; k++) {
            if (!r->id || same_id(s->queue[k], r->id, r->id_len)) {
                send_done_cancelled(s, s->queue[k]);
                request_free(s->queue[k]);
                free(s->queue[k]);
                memmove(s->queue + k, s->queue + k + 1, sizeof(s->queue[0]) * (size_t)(s->n_queue - k - 1));
                s->n_queue--;
                k--;
                found = 1;
            }
        }
        if (!found) send_error(&s->out, r->id, r->id_len, "cancel: no running or queued request with this id");
    } else if (s->n_queue >= MAX_QUEUE) {
        send_error(&s->out, r->id, r->id_len, "too many queued requests");
    } else {
        s->queue[s->n_queue++] = r;
        return;
    }
    request_free(r);
    free(r);
}

/* Length of the longest prefix of b[0..n) that does not end inside an
   unfinished (so far valid) UTF-8 character. */
static size_t utf8_whole(const char *b, size_t n) {
    size_t k, lead;
    for (k = 1; k <= 3 && k <= n; k++) {
        unsigned char c = (unsigned char)b[n - k];
        if ((c & 0xC0) == 0x80) continue;               /* continuation byte */
        lead = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return lead > k ? n - k : n;
    }
    return n;
}

static void send_text(server *s, const char *t, size_t n) {
    if (n == 0) return;
    ev_begin(&s->out, s->cur->id, s->cur->id_len, "token");
    ev_field_str(&s->out, "text", t, n);
    ev_end(&s->out);
}

/* llml_generate's callback: stream whole characters, then look at stdin. */
static int on_token(void *user, int32_t token, const char *piece, size_t len) {
    server *s = (server *)user;
    size_t whole;
    (void)token;
    if (len > 0) {
        if (s->pend_n + len > s->pend_cap) {
            size_t nc = (s->pend_n + len) * 2;
            char *np = (char *)realloc(s->pend, nc);
            if (!np) return 1;
            s->pend = np;
            s->pend_cap = nc;
        }
        memcpy(s->pend + s->pend_n, piece, len);
        s->pend_n += len;
        whole = utf8_whole(s->pend, s->pend_n);
        send_text(s, s->pend, whole);
        memmove(s->pend, s->pend + whole, s->pend_n - whole);
        s->pend_n -= whole;
    }
    read_input(s, 0);
    return s->cancel_cur;
}

static void run_request(server *s, request *r) {
    static const char *const reasons[] = { "eog", "max_tokens", "stop", "cancelled", "cancelled", "context_full" };
    llml_generate_desc d;
    llml_generate_result res;
    llml_result rc;
    int32_t *toks = NULL;
    memset(&d, 0, sizeof(d));
    s->cur = r;
    s->cancel_cur = 0;
    s->pend_n = 0;
    d.max_tokens = r->max_tokens;
    d.sampling = r->smp;
    d.stop = r->stop;
    d.n_stop = r->n_stop;
    d.on_token = on_token;
    d.user = s;
    if (r->op == OP_COMPLETE) {
        d.prompt = r->prompt;
    } else if (r->op == OP_CHAT) {
        if (!s->has_template) {
            send_error(&s->out, r->id, r->id_len,
                       "chat: this model has no chat template that llmlite knows; use op complete");
            s->cur = NULL;
            return;
        }
        d.messages = r->msgs;
        d.n_messages = r->n_msgs;
    } else {
        size_t n = 0;
        llml_result tr = llml_tokenize_infill(s->vocab, r->prefix, r->prefix_len, r->suffix, r->suffix_len,
                                              LLML_TOKENIZE_ADD_SPECIAL, NULL, 0, &n);
        if (tr == LLML_ERR_NOT_FOUND) {
            send_error(&s->out, r->id, r->id_len, "infill: this model's vocabulary has no fill-in-the-middle tokens");
            s->cur = NULL;
            return;
        }
        toks = (int32_t *)malloc((n ? n : 1) * sizeof(int32_t));
        if (!toks || llml_tokenize_infill(s->vocab, r->prefix, r->prefix_len, r->suffix, r->suffix_len,
                                          LLML_TOKENIZE_ADD_SPECIAL, toks, n, &n) != LLML_OK) {
            send_error(&s->out, r->id, r->id_len, "infill: cannot tokenize");
            free(toks);
            s->cur = NULL;
            return;
        }
        d.prompt_tokens = toks;
        d.n_prompt_tokens = (int32_t)n;
    }
    rc = llml_generate(s->ctx, &d, &res);
    free(toks);
    if (s->pend_n) send_text(s, s->pend, s->pend_n);   /* an unfinished character: U+FFFD */
    s->pend_n = 0;
    if (rc != LLML_OK && rc != LLML_ERR_ABORTED) {
        char msg[600];
        const char *detail = llml_ctx_last_error(s->ctx);
        snprintf(msg, sizeof(msg), "%s%s%s", llml_result_string(rc), detail[0] ? ": " : "", detail);
        send_error(&s->out, r->id, r->id_len, msg);
    } else {
        ev_begin(&s->out, r->id, r->id_len, "done");
        ev_field_raw(&s->out, "reason", "\"");
        sb_str(&s->out, res.stop_reason >= 0 && res.stop_reason <= 5 ? reasons[res.stop_reason] : "error");
        sb_str(&s->out, "\"");
        ev_field_int(&s->out, "n_prompt", res.n_prompt);
        ev_field_int(&s->out, "n_generated", res.n_generated);
        ev_field_num(&s->out, "prompt_ms", res.prompt_ms);
        ev_field_num(&s->out, "gen_ms", res.gen_ms);
        ev_end(&s->out);
    }
    s->cur = NULL;
}

/* ======================================================================== */
/* main                                                                      */
/* ======================================================================== */

static int file_exists(const char *p) {
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* DEFAULT_MODEL from the current directory, else beside the executable's
   directory (build/llmlite-serve -> build/../models/...). */
static const char *find_default_model(char *buf, size_t cap) {
    char exe[4096];
    ssize_t n;
    char *slash;
    if (file_exists(DEFAULT_MODEL)) return DEFAULT_MODEL;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return NULL;
    exe[n] = 0;
    slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = 0;
    if (snprintf(buf, cap, "%s/../%s", exe, DEFAULT_MODEL) >= (int)cap || !file_exists(buf)) return NULL;
    return buf;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: llmlite-serve [-m MODEL.gguf] [-c N_CTX] [-t THREADS] [--max-line BYTES]\n"
            "Reads one JSON request per line on stdin, writes JSON events, one per line, on stdout:\n"
            "  {\"id\":1,\"op\":\"complete\",\"prompt\":\"Once upon a time\",\"max_tokens\":32}\n"
            "  {\"id\":2,\"op\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}\n"
            "  {\"id\":3,\"op\":\"infill\",\"prefix\":\"def f(x):\\n    return \",\"suffix\":\"\\n\"}\n"
            "  {\"id\":1,\"op\":\"cancel\"}      {\"op\":\"info\"}\n"
            "Options of complete/chat/infill: max_tokens (default %d), temperature (default 0: greedy),\n"
            "top_k, top_p, min_p, repeat_penalty, seed, stop (array of strings).\n"
            "Events: ready, token {text}, done {reason, n_prompt, n_generated, prompt_ms, gen_ms},\n"
            "error {message}, info. The model defaults to " DEFAULT_MODEL ".\n", DEFAULT_MAX_TOKENS);
}

int main(int argc, char **argv) {
    static server s;
    const char *path = NULL;
    char path_buf[4200];
    llml_model_desc md;
    llml_ctx_desc cd;
    llml_model_info info;
    llml_error err;
    int i;
    memset(&md, 0, sizeof(md));
    memset(&cd, 0, sizeof(cd));
    s.max_line = 1u << 20;
    for (i = 1; i < argc; i += 2) {        /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        if (!v) { fprintf(stderr, "llmlite-serve: unknown option or missing value: %s (see -h)\n", a); return 2; }
        if (!strcmp(a, "-m")) path = v;
        else if (!strcmp(a, "-c")) cd.n_ctx = atoi(v);
        else if (!strcmp(a, "-t")) cd.n_threads = atoi(v);
        else if (!strcmp(a, "--max-line")) s.max_line = (size_t)strtoull(v, NULL, 10);
        else { fprintf(stderr, "llmlite-serve: unknown option %s (see -h)\n", a); return 2; }
    }
    if (cd.n_ctx < 0 || cd.n_threads < 0 || s.max_line < 16) { fprintf(stderr, "llmlite-serve: bad option value\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);          /* a client that leaves ends us through fflush */
    if (!path) path = find_default_model(path_buf, sizeof(path_buf));
    if (!path) {
        send_error(&s.out, NULL, 0, "no -m MODEL.gguf given and the default model " DEFAULT_MODEL " is not there");
        return 1;
    }
    if (llml_model_load_file(path, &md, &s.model, &err) != LLML_OK) {
        char msg[5000];
        snprintf(msg, sizeof(msg), "cannot load %s: %s", path, err.message);
        send_error(&s.out, NULL, 0, msg);
        return 1;
    }
    if (llml_ctx_create(s.model, &cd, &s.ctx, &err) != LLML_OK) {
        char msg[700];
        snprintf(msg, sizeof(msg), "cannot create a context: %s", err.message);
        send_error(&s.out, NULL, 0, msg);
        llml_model_free(s.model);
        return 1;
    }
    s.vocab = llml_model_vocab(s.model);
    s.has_fim = llml_vocab_fim_tokens(s.vocab, NULL, NULL, NULL) == LLML_OK;
    if (llml_model_get_info(s.model, &info) == LLML_OK && info.chat_template) {
        llml_chat_style st;
        s.has_template = llml_chat_detect(info.chat_template, &st, NULL) == LLML_OK;
    }
    send_info(&s, NULL, 0, "ready");

    /* requests run in order; stdin is read between them (blocking) and
       between the tokens of a running one (on_token) */
    for (;;) {
        while (s.n_queue > 0) {
            request *r = s.queue[0];
            memmove(s.queue, s.queue + 1, sizeof(s.queue[0]) * (size_t)(s.n_queue - 1));
            s.n_queue--;
            run_request(&s, r);
            request_free(r);
            free(r);
        }
        if (s.eof) break;
        read_input(&s, 1);
    }
    free(s.in);
    free(s.pend);
    free(s.out.p);
    llml_ctx_free(s.ctx);
    llml_model_free(s.model);
    return 0;
}
