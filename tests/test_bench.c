/* tests/test_bench.c - build/llmlite-bench end to end, on a tiny model that
   build/llmlite-synth writes (fast: a few seconds).

   Every output format parses and has the expected rows (models x threads x
   tests) and columns: md (llama-bench's columns plus GB/s and BW %), csv
   (one header, equal field counts), json (an array of objects with
   llama-bench's field names) and jsonl (one object per line), checked with
   a small JSON parser of our own. The numbers agree with each other and
   with the file: model_size and model_n_params are the GGUF's tensor bytes
   and elements, bytes per token the weights less all but one row of the
   token embeddings, t/s the mean of the samples, GB/s = bytes per token x
   t/s. --calibrate writes the bandwidth file, later runs read it; progress
   goes to stderr only; bad arguments fail. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if !defined(_WIN32)
#include <sys/wait.h>
#include <sys/stat.h>
#endif

static char g_bench[1100], g_synth[1100], g_tmp[1100], g_model[1200];

static int run(const char *cmd, const char *out, const char *err) {
    char full[8192];
    int st;
    snprintf(full, sizeof full, "%s >%s 2>%s", cmd, out ? out : "/dev/null", err ? err : "/dev/null");
    st = system(full);
#if !defined(_WIN32)
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
#else
    return st;
#endif
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    if (buf) buf[n] = 0;
    fclose(f);
    return buf;
}

/* ---- a small JSON parser ------------------------------------------------------------ */

#define J_MAX_KEYS 64
typedef struct jobj {
    int n;
    char key[J_MAX_KEYS][48];
    const char *val[J_MAX_KEYS];   /* start of the raw value text */
    size_t len[J_MAX_KEYS];
} jobj;

static const char *j_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

static const char *j_string(const char *p, char *out, size_t cap) {
    size_t n = 0;
    if (*p != '"') return NULL;
    p++;
    while (*p && *p != '"') {
        char c = *p;
        if ((unsigned char)c < 0x20) return NULL;
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                int k;
                for (k = 1; k <= 4; k++)
                    if (!((p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'f') || (p[k] >= 'A' && p[k] <= 'F'))) return NULL;
                p += 4;
                c = '?';
            } else if (*p && strchr("\"\\/bfnrt", *p)) {
                c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
            } else {
                return NULL;
            }
        }
        if (out && n + 1 < cap) out[n++] = c;
        p++;
    }
    if (*p != '"') return NULL;
    if (out && cap) out[n] = 0;
    return p + 1;
}

static const char *j_number(const char *p) {
    const char *s = p;
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
    else return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return NULL;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return NULL;
        while (*p >= '0' && *p <= '9') p++;
    }
    return p > s ? p : NULL;
}

/* Parse one value; objects fill *obj (when not NULL) with their members. */
static const char *j_value(const char *p, jobj *obj, int depth) {
    p = j_ws(p);
    if (depth > 32) return NULL;
    if (*p == '{') {
        p = j_ws(p + 1);
        if (obj) obj->n = 0;
        if (*p == '}') return p + 1;
        for (;;) {
            char key[48];
            const char *v;
            p = j_string(j_ws(p), key, sizeof key);
            if (!p) return NULL;
            p = j_ws(p);
            if (*p != ':') return NULL;
            v = j_ws(p + 1);
            p = j_value(v, NULL, depth + 1);
            if (!p) return NULL;
            if (obj && obj->n < J_MAX_KEYS) {
                snprintf(obj->key[obj->n], sizeof obj->key[0], "%s", key);
                obj->val[obj->n] = v;
                obj->len[obj->n] = (size_t)(p - v);
                obj->n++;
            }
            p = j_ws(p);
            if (*p == ',') { p++; continue; }
            if (*p == '}') return p + 1;
            return NULL;
        }
    }
    if (*p == '[') {
        p = j_ws(p + 1);
        if (*p == ']') return p + 1;
        for (;;) {
            p = j_value(p, NULL, depth + 1);
            if (!p) return NULL;
            p = j_ws(p);
            if (*p == ',') { p++; continue; }
            if (*p == ']') return p + 1;
            return NULL;
        }
    }
    if (*p == '"') return j_string(p, NULL, 0);
    if (strncmp(p, "true", 4) == 0) return p + 4;
    if (strncmp(p, "false", 5) == 0) return p + 5;
    if (strncmp(p, "null", 4) == 0) return p + 4;
    return j_number(p);
}

static const char *j_get(const jobj *o, const char *key, size_t *len) {
    int i;
    for (i = 0; i < o->n; i++)
        if (strcmp(o->key[i], key) == 0) {
            if (len) *len = o->len[i];
            return o->val[i];
        }
    return NULL;
}

static double j_num(const jobj *o, const char *key) {
    const char *v = j_get(o, key, NULL);
    return v && *v != 'n' ? strtod(v, NULL) : NAN;
}

/* Numbers of an array value: count, and their sum in *sum; values in out (cap). */
static int j_array_nums(const char *v, size_t len, double *out, int cap) {
    const char *p = v + 1, *end = v + len;
    int n = 0;
    if (*v != '[') return -1;
    while (p < end) {
        char *e;
        double x;
        while (p < end && (*p == ' ' || *p == ',' || *p == '\n')) p++;
        if (p >= end || *p == ']') break;
        x = strtod(p, &e);
        if (e == p) return -1;
        if (n < cap) out[n] = x;
        n++;
        p = e;
    }
    return n;
}

/* ---- facts of the model file ------------------------------------------------------ */

typedef struct facts {
    uint64_t bytes, params, per_token;
} facts;

static int model_facts(const char *path, facts *f) {
    llml_gguf *g = NULL;
    llml_gguf_desc d;
    int64_t i;
    memset(&d, 0, sizeof d);
    d.header_only = 1;
    memset(f, 0, sizeof *f);
    if (llml_gguf_open_file(path, &d, &g, NULL) != LLML_OK) return 0;
    for (i = 0; i < llml_gguf_n_tensors(g); i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        f->bytes += t->size;
        f->params += (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
        /* the test model has an output matrix: of the embeddings one row is read */
        f->per_token += strcmp(t->name, "token_embd.weight") == 0 ? t->size / (uint64_t)t->ne[1] : t->size;
    }
    llml_gguf_close(g);
    return 1;
}

/* ---- the formats ------------------------------------------------------------------ */

static const char *const g_json_fields[] = {
    "build_commit", "build_number", "cpu_info", "backends", "model_filename", "model_type", "model_size",
    "model_n_params", "n_batch", "n_threads", "type_k", "type_v", "n_prompt", "n_gen", "test_time", "avg_ns",
    "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts", "gbps", "bw_share"
};

/* One row object of -o json / jsonl. */
static void check_row(const jobj *o, const facts *f, int reps, int *seen, const char *fmt) {
    size_t k, len = 0;
    double ts[16], ns[16], sum = 0;
    int n, i, np, ng, nt;
    const char *v;
    for (k = 0; k < sizeof g_json_fields / sizeof g_json_fields[0]; k++)
        CHECK(j_get(o, g_json_fields[k], NULL) != NULL, "%s: field %s missing", fmt, g_json_fields[k]);
    CHECK((uint64_t)j_num(o, "model_size") == f->bytes, "%s: model_size %.0f, file %llu", fmt, j_num(o, "model_size"),
          (unsigned long long)f->bytes);
    CHECK((uint64_t)j_num(o, "model_n_params") == f->params, "%s: model_n_params", fmt);
    CHECK((uint64_t)j_num(o, "bytes_per_token") == f->per_token, "%s: bytes_per_token %.0f, want %llu", fmt,
          j_num(o, "bytes_per_token"), (unsigned long long)f->per_token);
    np = (int)j_num(o, "n_prompt");
    ng = (int)j_num(o, "n_gen");
    nt = (int)j_num(o, "n_threads");
    CHECK((np == 8 && ng == 0) || (np == 0 && ng == 4), "%s: n_prompt %d n_gen %d", fmt, np, ng);
    CHECK(nt == 1 || nt == 2, "%s: n_threads %d", fmt, nt);
    if ((nt == 1 || nt == 2) && (np == 8 || ng == 4)) seen[(nt - 1) * 2 + (ng > 0)]++;
    v = j_get(o, "samples_ts", &len);
    n = v ? j_array_nums(v, len, ts, 16) : -1;
    CHECK(n == reps, "%s: %d samples_ts, want %d", fmt, n, reps);
    v = j_get(o, "samples_ns", &len);
    CHECK(v && j_array_nums(v, len, ns, 16) == reps, "%s: samples_ns", fmt);
    if (n == reps && n <= 16) {
        for (i = 0; i < n; i++) {
            sum += ts[i];
            CHECK(ts[i] > 0 && fabs(ts[i] - (np + ng) * 1e9 / ns[i]) <= 1e-3 * ts[i], "%s: sample %d: %g t/s vs %g ns", fmt,
                  i, ts[i], ns[i]);
        }
        CHECK(fabs(j_num(o, "avg_ts") - sum / n) <= 1e-4 * sum / n, "%s: avg_ts %g is not the mean %g", fmt,
              j_num(o, "avg_ts"), sum / n);
    }
    if (ng > 0) {
        double want = (double)f->per_token * j_num(o, "avg_ts") / 1e9;
        CHECK(fabs(j_num(o, "gbps") - want) <= 1e-3 + 1e-3 * want, "%s: gbps %g, want %g", fmt, j_num(o, "gbps"), want);
    } else {
        v = j_get(o, "gbps", NULL);
        CHECK(v && strncmp(v, "null", 4) == 0, "%s: pp rows have no gbps", fmt);
    }
}

static void test_json(const char *fmt, int reps) {
    char cmd[4096], out[1200];
    char *text;
    facts f;
    int seen[4] = { 0, 0, 0, 0 }, n_rows = 0, i;
    CHECK(model_facts(g_model, &f), "cannot read %s", g_model);
    snprintf(out, sizeof out, "%s/bench_out.%s", g_tmp, fmt);
    snprintf(cmd, sizeof cmd, "%s -m %s -p 8 -n 4 -t 1,2 -r %d -o %s --bw-file %s/bench_none.txt", g_bench, g_model, reps,
             fmt, g_tmp);
    CHECK(run(cmd, out, NULL) == 0, "bench -o %s failed", fmt);
    text = read_text(out);
    CHECK(text != NULL, "no output");
    if (!text) return;
    if (strcmp(fmt, "json") == 0) {
        const char *p = j_ws(text);
        CHECK(*p == '[', "json: not an array");
        if (*p == '[') {
            p = j_ws(p + 1);
            while (*p == '{') {
                jobj o;
                const char *e = j_value(p, &o, 0);
                CHECK(e != NULL, "json: bad object at offset %ld", (long)(p - text));
                if (!e) break;
                check_row(&o, &f, reps, seen, fmt);
                n_rows++;
                p = j_ws(e);
                if (*p == ',') p = j_ws(p + 1);
            }
            CHECK(*p == ']' && *j_ws(p + 1) == 0, "json: the array does not end cleanly");
        }
    } else {
        char *line = text, *nl;
        for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
            jobj o;
            const char *e;
            nl = strchr(line, '\n');
            if (nl) *nl = 0;
            if (!*line) continue;
            e = j_value(line, &o, 0);
            CHECK(e && *j_ws(e) == 0 && *j_ws(line) == '{', "jsonl: line %d is not one JSON object", n_rows + 1);
            if (e) check_row(&o, &f, reps, seen, fmt);
            n_rows++;
            if (!nl) break;
        }
    }
    CHECK(n_rows == 4, "%s: %d rows, want 4 (2 thread counts x pp8, tg4)", fmt, n_rows);
    for (i = 0; i < 4; i++) CHECK(seen[i] == 1, "%s: row kind %d seen %d times", fmt, i, seen[i]);
    free(text);
    remove(out);
}

/* Split a CSV line (quoted fields may hold commas); returns the field count. */
static int csv_split(char *line, char **fields, int cap) {
    int n = 0;
    char *p = line;
    for (;;) {
        char *start;
        if (n == cap) return -1;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"') p++;
            if (*p != '"') return -1;
            *p++ = 0;
        } else {
            start = p;
            while (*p && *p != ',') p++;
        }
        fields[n++] = start;
        if (*p == ',') { *p++ = 0; continue; }
        if (*p == 0) break;
        return -1;
    }
    return n;
}

static void test_csv(void) {
    char cmd[4096], out[1200];
    char *text, *line, *nl, *hdr[64], *fld[64];
    int nh = -1, rows = 0, i, i_ts = -1, i_np = -1, i_ng = -1, i_size = -1;
    facts f;
    model_facts(g_model, &f);
    snprintf(out, sizeof out, "%s/bench_out.csv", g_tmp);
    snprintf(cmd, sizeof cmd, "%s -m %s -p 8 -n 4 -t 1,2 -r 2 -o csv --bw-file %s/bench_none.txt", g_bench, g_model, g_tmp);
    CHECK(run(cmd, out, NULL) == 0, "bench -o csv failed");
    text = read_text(out);
    if (!text) { CHECK(0, "no csv output"); return; }
    for (line = text; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CHECK(nl != NULL, "csv: last line has no newline");
        if (!nl) break;
        *nl = 0;
        if (nh < 0) {
            nh = csv_split(line, hdr, 64);
            for (i = 0; i < nh; i++) {
                if (strcmp(hdr[i], "avg_ts") == 0) i_ts = i;
                if (strcmp(hdr[i], "n_prompt") == 0) i_np = i;
                if (strcmp(hdr[i], "n_gen") == 0) i_ng = i;
                if (strcmp(hdr[i], "model_size") == 0) i_size = i;
            }
            CHECK(i_ts >= 0 && i_np >= 0 && i_ng >= 0 && i_size >= 0, "csv: header lacks avg_ts/n_prompt/n_gen/model_size");
            for (i = 0; i < (int)(sizeof g_json_fields / sizeof g_json_fields[0]); i++) {
                int j, found = 0;
                if (strncmp(g_json_fields[i], "samples_", 8) == 0) continue;   /* arrays: json only */
                for (j = 0; j < nh; j++) found |= strcmp(hdr[j], g_json_fields[i]) == 0;
                CHECK(found, "csv: no column %s", g_json_fields[i]);
            }
            continue;
        }
        {
            char copy[4096];
            int n;
            snprintf(copy, sizeof copy, "%s", line);
            n = csv_split(copy, fld, 64);
            CHECK(n == nh, "csv: row %d has %d fields, header %d", rows + 1, n, nh);
            if (n == nh && i_ts >= 0 && i_np >= 0 && i_ng >= 0 && i_size >= 0) {
                int np = atoi(fld[i_np]), ng = atoi(fld[i_ng]);
                CHECK(strtod(fld[i_ts], NULL) > 0, "csv: avg_ts %s", fld[i_ts]);
                CHECK((np == 8 && ng == 0) || (np == 0 && ng == 4), "csv: n_prompt %d n_gen %d", np, ng);
                CHECK(strtoull(fld[i_size], NULL, 10) == f.bytes, "csv: model_size");
            }
            rows++;
        }
    }
    CHECK(rows == 4, "csv: %d rows, want 4", rows);
    free(text);
    remove(out);
}

/* Trimmed cells of a markdown table row "| a | b |". */
static int md_cells(char *line, char **cell, int cap) {
    int n = 0;
    char *p = line;
    if (*p != '|') return 0;
    p++;
    while (*p && n < cap) {
        char *e = strchr(p, '|'), *s = p, *t;
        if (!e) break;
        *e = 0;
        while (*s == ' ') s++;
        t = s + strlen(s);
        while (t > s && t[-1] == ' ') *--t = 0;
        cell[n++] = s;
        p = e + 1;
    }
    return n;
}

/* A jsonl run with extra options: it succeeds, gives figures, and every
   row has "field": want (true or false) and none the other value. */
static void check_flag_rows(const char *opts, const char *field, int want, const char *bw, const char *out) {
    char cmd[4096], yes[64], no[64];
    char *text;
    snprintf(cmd, sizeof cmd, "%s -m %s -p 4 -n 2 -t 1 -r 1 -o jsonl %s --bw-file %s", g_bench, g_model, opts, bw);
    CHECK(run(cmd, out, NULL) == 0, "bench %s failed", opts);
    snprintf(yes, sizeof yes, "\"%s\": %s", field, want ? "true" : "false");
    snprintf(no, sizeof no, "\"%s\": %s", field, want ? "false" : "true");
    text = read_text(out);
    CHECK(text && strstr(text, yes) && !strstr(text, no) && strstr(text, "\"avg_ts\": "), "bench %s: %s in every row", opts, yes);
    free(text);
}

static void test_md_and_bandwidth(void) {
    char cmd[4096], out[1200], err[1200], bw[1200];
    char *text, *etext, *line, *nl, *sizing;
    int rows = 0, header_ok = 0, tg_with_share = 0;
    snprintf(out, sizeof out, "%s/bench_out.md", g_tmp);
    snprintf(err, sizeof err, "%s/bench_err.txt", g_tmp);
    snprintf(bw, sizeof bw, "%s/bench_bw.txt", g_tmp);
    remove(bw);
    snprintf(cmd, sizeof cmd, "%s -m %s -p 8 -n 4 -t 1,2 -r 2 --calibrate --calibrate-mib 32 --bw-file %s", g_bench,
             g_model, bw);
    CHECK(run(cmd, out, err) == 0, "bench --calibrate failed");
    text = read_text(out);
    etext = read_text(err);
    CHECK(etext && strstr(etext, "read bandwidth, 1 thread:") && strstr(etext, "pp8:"), "progress goes to stderr");
    CHECK(text && strstr(text, "llmlite-bench:") == NULL, "no progress on stdout");
    CHECK(text && strstr(text, "read bandwidth (streaming read, best of 5): 1 thread "), "md: bandwidth line");
    CHECK(text && strstr(text, "BW %: of the read bandwidth measured again just before and after each tg test"),
          "md: --calibrate measures the bandwidth around each tg test");
    {   /* one reading per tg test (1 and 2 threads), each a real bandwidth */
        const char *l = text ? strstr(text, "for each test, in order:") : NULL;
        int nv = 0, ok = 1;
        if (l) {
            char *e;
            l += strlen("for each test, in order:");
            for (;;) {
                double v = strtod(l, &e);
                if (e == l) break;
                ok &= v > 0.1 && v < 10000;
                nv++;
                l = e;
            }
        }
        CHECK(l && nv == 2 && ok && strncmp(l, " GB/s", 5) == 0, "md: %d bandwidth readings around the tg tests, want 2", nv);
    }
    sizing = text ? strstr(text, "\nsizing model (") : NULL;
    CHECK(sizing != NULL, "md: the sizing model's table follows the measurements");
    if (sizing) *sizing++ = 0;   /* the results table ends before it */
    for (line = text; line && *line; line = nl + 1) {
        char *cell[16];
        int nc;
        nl = strchr(line, '\n');
        if (!nl) break;
        *nl = 0;
        if (line[0] != '|') continue;
        nc = md_cells(line, cell, 16);
        if (nc > 0 && strcmp(cell[0], "model") == 0) {
            static const char *const want[] = { "model", "size", "params", "backend", "threads", "test", "t/s", "GB/s", "BW %" };
            int k;
            header_ok = nc == 9;
            for (k = 0; k < 9 && header_ok; k++) header_ok = strcmp(cell[k], want[k]) == 0;
            continue;
        }
        if (nc > 0 && strncmp(cell[0], "---", 3) == 0) continue;
        rows++;
        CHECK(nc == 9, "md: %d cells: %s", nc, line);
        if (nc == 9) {
            int is_tg = strcmp(cell[5], "tg4") == 0, is_pp = strcmp(cell[5], "pp8") == 0;
            CHECK(is_tg != is_pp, "md: test %s", cell[5]);
            CHECK(strstr(cell[6], "\xc2\xb1") != NULL && strtod(cell[6], NULL) > 0, "md: t/s %s", cell[6]);
            CHECK(strncmp(cell[3], "CPU (", 5) == 0, "md: backend %s", cell[3]);
            CHECK(strcmp(cell[4], "1") == 0 || strcmp(cell[4], "2") == 0, "md: threads %s", cell[4]);
            CHECK(strstr(cell[1], "MiB") != NULL && strstr(cell[2], " K") != NULL, "md: size %s params %s", cell[1], cell[2]);
            if (is_tg) {
                CHECK(strtod(cell[7], NULL) > 0, "md: tg GB/s %s", cell[7]);
                /* a whole percent: a tiny model on a loaded machine can
                   read 0.1 GB/s, which is 0% of 30 GB/s */
                if (strchr(cell[8], '%') && strtod(cell[8], NULL) >= 0) tg_with_share++;
                CHECK(strtod(cell[7], NULL) < 1.0 || strtod(cell[8], NULL) > 0, "md: %s GB/s but a share of %s",
                      cell[7], cell[8]);
            } else {
                CHECK(strcmp(cell[7], "-") == 0 && strcmp(cell[8], "-") == 0, "md: pp rows have no GB/s");
            }
        }
    }
    CHECK(header_ok, "md: header lacks a column");
    CHECK(rows == 4, "md: %d rows, want 4", rows);
    CHECK(tg_with_share == 2, "md: tg rows with a bandwidth share: %d, want 2", tg_with_share);
    /* the sizing table: one model, so each thread count's row is the
       calibration itself: the calibrated plan must give back the measured
       generation speed (llml_device_calibrate's promise) */
    rows = 0;
    for (line = sizing; line && *line; line = nl + 1) {
        char *cell[16];
        int nc;
        nl = strchr(line, '\n');
        if (!nl) break;
        *nl = 0;
        if (line[0] != '|') continue;
        nc = md_cells(line, cell, 16);
        if (nc > 0 && (strcmp(cell[0], "model") == 0 || strncmp(cell[0], "---", 3) == 0)) continue;
        rows++;
        CHECK(nc == 8, "sizing: %d cells: %s", nc, line);
        if (nc == 8) {
            double meas = strtod(cell[2], NULL), pred = strtod(cell[3], NULL);
            CHECK(strcmp(cell[4], "calib.") == 0, "sizing: one model is its own calibration: %s", cell[4]);
            CHECK(meas > 0 && fabs(pred - meas) <= 0.01 * meas + 0.01, "sizing: calibrated prediction %g t/s, measured %g",
                  pred, meas);
        }
    }
    CHECK(rows == 2, "sizing: %d rows, want 2 (1 and 2 threads)", rows);
    free(text);
    free(etext);
    /* the bandwidth file, then read back without --calibrate */
    text = read_text(bw);
    CHECK(text && strstr(text, "\n1 ") && strstr(text, "\n2 "), "bandwidth file has 1 and 2 threads");
    free(text);
    snprintf(cmd, sizeof cmd, "%s -m %s -p 0 -n 4 -t 2 -r 1 -o jsonl --bw-file %s", g_bench, g_model, bw);
    CHECK(run(cmd, out, NULL) == 0, "bench with a bandwidth file failed");
    text = read_text(out);
    if (text) {
        jobj o;
        const char *e = j_value(text, &o, 0);
        CHECK(e != NULL, "jsonl parse");
        if (e) {
            double share = j_num(&o, "bw_share"), g = j_num(&o, "gbps"), b = j_num(&o, "bw_gbps");
            CHECK(b > 0 && share > 0 && fabs(share - g / b) < 1e-3, "bw_share %g = gbps %g / bw %g", share, g, b);
        }
    }
    free(text);
    /* --isa scalar shows in the backend */
    snprintf(cmd, sizeof cmd, "%s -m %s -p 4 -n 0 -t 1 -r 1 -o jsonl --isa scalar --bw-file %s", g_bench, g_model, bw);
    CHECK(run(cmd, out, NULL) == 0, "bench --isa scalar failed");
    text = read_text(out);
    CHECK(text && strstr(text, "\"backends\": \"CPU (scalar)\""), "--isa scalar in backends");
    free(text);
    /* -mmp 0: the model read into memory, the same figures' fields, use_mmap false */
    check_flag_rows("-mmp 0", "use_mmap", 0, bw, out);
    /* -rtr 0: no_repack, "repack": false in every row (true by default) */
    check_flag_rows("-rtr 0", "repack", 0, bw, out);
    check_flag_rows("", "repack", 1, bw, out);
    remove(out);
    remove(err);
    remove(bw);
}

static void test_errors(void) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -m %s/does-not-exist.gguf -p 4 -n 4 -r 1", g_bench, g_tmp);
    CHECK(run(cmd, NULL, NULL) != 0, "a missing model must fail");
    snprintf(cmd, sizeof cmd, "%s -m %s -o xml", g_bench, g_model);
    CHECK(run(cmd, NULL, NULL) != 0, "-o xml must fail");
    snprintf(cmd, sizeof cmd, "%s -m %s -t 0", g_bench, g_model);
    CHECK(run(cmd, NULL, NULL) != 0, "-t 0 must fail");
    snprintf(cmd, sizeof cmd, "%s -p 4", g_bench);
    CHECK(run(cmd, NULL, NULL) != 0, "no model must fail");
    snprintf(cmd, sizeof cmd, "%s -m %s -mmp 2", g_bench, g_model);
    CHECK(run(cmd, NULL, NULL) != 0, "-mmp 2 must fail");
    snprintf(cmd, sizeof cmd, "%s -m %s -rtr yes", g_bench, g_model);
    CHECK(run(cmd, NULL, NULL) != 0, "-rtr yes must fail");
}

int main(void) {
    const char *build = getenv("LLML_BUILD");
    char cmd[4096];
    FILE *f;
    (void)check_testdata;
    if (!build || !*build) build = "build";
    snprintf(g_bench, sizeof g_bench, "%s/llmlite-bench", build);
    snprintf(g_synth, sizeof g_synth, "%s/llmlite-synth", build);
    snprintf(g_tmp, sizeof g_tmp, "%s/tmp", build);
    snprintf(g_model, sizeof g_model, "%s/bench_tiny.gguf", g_tmp);
#if !defined(_WIN32)
    mkdir(build, 0777);
    mkdir(g_tmp, 0777);
#endif
    /* a tiny untied llama: 2 layers, n_embd 128, 320 tokens, Q4_0 */
    snprintf(cmd, sizeof cmd,
             "%s %s --preset llama-3.1-8b --n-embd 128 --n-head 4 --n-head-kv 2 --n-ff 256 --n-vocab 320 --layers 2 "
             "--type Q4_0 -q",
             g_synth, g_model);
    CHECK(run(cmd, NULL, NULL) == 0, "%s failed", g_synth);
    f = fopen(g_model, "rb");
    CHECK(f != NULL, "no model");
    if (!f) return check_summary("test_bench");
    fclose(f);
    test_json("json", 3);
    test_json("jsonl", 2);
    test_csv();
    test_md_and_bandwidth();
    test_errors();
    remove(g_model);
    return check_summary("test_bench");
}
