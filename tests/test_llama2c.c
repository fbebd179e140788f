/* tests/test_llama2c.c - llmlite-llama2c against the reference's conversion.

   1. Convert real/stories260K.bin + real/tok512.bin (llama2.c format) and
      compare with real/stories260K.gguf, made from the same files by the
      reference's converter (llama.cpp's convert-llama2c-to-ggml): every key of
      the reference present with the same type and value, no extra keys, every
      tensor with the same name, type, shape and bytes, in the same order.
   2. With --name llama (the reference's fixed general.name) the whole file is
      byte-identical to the reference's.
   3. models/stories260K.gguf in the repository is byte-identical to a fresh
      conversion (so the shipped model cannot rot); a model with its own
      classifier (vocab_size < 0) gets that classifier as output.weight.
   4. Malformed input (short, truncated or too long model file, absurd or
      inconsistent header values, truncated or mismatched tokenizer, bad
      arguments): exit status 1, a message naming the problem, no output file. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <sys/wait.h>
#include <sys/stat.h>
#endif

static char g_tool[1100], g_tmp[1100], g_real[1100];

/* ---- helpers ---------------------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n + 65536 > cap) {
            unsigned char *nb;
            cap = cap ? cap * 2 : 1 << 20;
            nb = (unsigned char *)realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int spit(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return 0;
    ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static int same_files(const char *a, const char *b) {
    size_t la = 0, lb = 0;
    unsigned char *da = slurp(a, &la), *db = slurp(b, &lb);
    int same = da && db && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

/* Run the tool with `args`; its stderr goes to g_tmp/l2c_err.txt, read into
   err (NUL-terminated). Returns the exit status, -1 if it did not exit. */
static int run_tool(const char *args, char *err, size_t err_cap) {
    char cmd[4096], errpath[1200];
    int st;
    size_t n = 0;
    unsigned char *e;
    snprintf(errpath, sizeof errpath, "%s/l2c_err.txt", g_tmp);
    snprintf(cmd, sizeof cmd, "\"%s\" %s >/dev/null 2>\"%s\"", g_tool, args, errpath);
    st = system(cmd);
    e = slurp(errpath, &n);
    if (err_cap) {
        if (n >= err_cap) n = err_cap - 1;
        if (e) memcpy(err, e, n);
        err[e ? n : 0] = 0;
    }
    free(e);
    remove(errpath);
#if !defined(_WIN32)
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
#else
    return st;
#endif
}

static llml_gguf *open_gguf(const char *path) {
    llml_gguf *g = NULL;
    llml_error err;
    memset(&err, 0, sizeof err);
    if (llml_gguf_open_file(path, NULL, &g, &err) != LLML_OK) {
        CHECK(0, "%s: %s", path, err.message);
        return NULL;
    }
    return g;
}

/* Same type and value under kv i of a and kv j of b. */
static int kv_same(const llml_gguf *a, int64_t i, const llml_gguf *b, int64_t j) {
    static const int sizes[13] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    llml_gguf_vtype t = llml_gguf_kv_type(a, i);
    if (t != llml_gguf_kv_type(b, j)) return 0;
    if (t == LLML_GGUF_STRING) return strcmp((const char *)llml_gguf_kv_data(a, i), (const char *)llml_gguf_kv_data(b, j)) == 0;
    if (t == LLML_GGUF_ARRAY) {
        llml_gguf_vtype at = llml_gguf_arr_type(a, i);
        uint64_t n = llml_gguf_arr_len(a, i), k;
        if (at != llml_gguf_arr_type(b, j) || n != llml_gguf_arr_len(b, j)) return 0;
        if (at == LLML_GGUF_STRING) {
            for (k = 0; k < n; k++) {
                uint64_t la = llml_gguf_arr_str_len(a, i, k);
                if (la != llml_gguf_arr_str_len(b, j, k) ||
                    memcmp(llml_gguf_arr_str(a, i, k), llml_gguf_arr_str(b, j, k), (size_t)la) != 0) return 0;
            }
            return 1;
        }
        if ((int)at < 0 || (int)at >= 13 || sizes[at] == 0) return 0;
        return n == 0 || memcmp(llml_gguf_arr_data(a, i), llml_gguf_arr_data(b, j), (size_t)n * (size_t)sizes[at]) == 0;
    }
    if ((int)t < 0 || (int)t >= 13 || sizes[t] == 0) return 0;
    return memcmp(llml_gguf_kv_data(a, i), llml_gguf_kv_data(b, j), (size_t)sizes[t]) == 0;
}

/* ---- 1. metadata and tensors against the reference ------------------------- */

static void compare_with_reference(const llml_gguf *ref, const llml_gguf *ours, const char *expect_name) {
    int64_t i, n = llml_gguf_n_kv(ref), bad = 0;
    const char *s = NULL;
    for (i = 0; i < n; i++) {
        const char *key = llml_gguf_key(ref, i);
        int64_t j = llml_gguf_find_key(ours, key);
        if (j < 0) {
            CHECK(0, "metadata key %s of the reference is missing", key);
            bad++;
            continue;
        }
        /* The one key that differs on purpose: general.name. The reference's
           converter writes the fixed string "llama" for every model; we write
           the model's name (--name, default the input file's name). */
        if (strcmp(key, "general.name") == 0) continue;
        if (!kv_same(ref, i, ours, j)) {
            CHECK(0, "metadata key %s differs from the reference", key);
            bad++;
        }
    }
    CHECK(bad == 0, "%lld of %lld reference keys missing or different", (long long)bad, (long long)n);
    CHECK(llml_gguf_n_kv(ours) == n, "we write %lld keys, the reference %lld", (long long)llml_gguf_n_kv(ours), (long long)n);
    for (i = 0; i < llml_gguf_n_kv(ours); i++)
        CHECK(llml_gguf_find_key(ref, llml_gguf_key(ours, i)) >= 0, "extra key %s", llml_gguf_key(ours, i));
    CHECK(llml_gguf_get_str(ours, "general.name", &s) == LLML_OK && s && strcmp(s, expect_name) == 0,
          "general.name is '%s', expected '%s'", s ? s : "(none)", expect_name);

    n = llml_gguf_n_tensors(ref);
    CHECK(llml_gguf_n_tensors(ours) == n, "%lld tensors, the reference has %lld", (long long)llml_gguf_n_tensors(ours),
          (long long)n);
    bad = 0;
    for (i = 0; i < n && i < llml_gguf_n_tensors(ours); i++) {
        const llml_gguf_tensor *a = llml_gguf_tensor_at(ref, i), *b = llml_gguf_tensor_at(ours, i);
        int same = strcmp(a->name, b->name) == 0 && a->type == b->type && a->n_dims == b->n_dims &&
                   a->ne[0] == b->ne[0] && a->ne[1] == b->ne[1] && a->ne[2] == b->ne[2] && a->ne[3] == b->ne[3] &&
                   a->size == b->size && a->data && b->data && memcmp(a->data, b->data, (size_t)a->size) == 0;
        if (!same) {
            CHECK(0, "tensor %lld: ours %s (type %d, %lld x %lld) vs reference %s (type %d, %lld x %lld) or bytes differ",
                  (long long)i, b->name, (int)b->type, (long long)b->ne[0], (long long)b->ne[1], a->name, (int)a->type,
                  (long long)a->ne[0], (long long)a->ne[1]);
            bad++;
        }
    }
    CHECK(bad == 0, "%lld of %lld tensors differ from the reference", (long long)bad, (long long)n);
}

static void test_conversion(void) {
    char ref_path[1200], out[1200], out2[1200], out3[1200], args[4096], err[2048];
    llml_gguf *ref, *ours;
    uint32_t ctx = 0;
    int rc;

    snprintf(ref_path, sizeof ref_path, "%s/stories260K.gguf", g_real);
    snprintf(out, sizeof out, "%s/l2c_default.gguf", g_tmp);
    snprintf(out2, sizeof out2, "%s/l2c_llama.gguf", g_tmp);
    snprintf(out3, sizeof out3, "%s/l2c_ctx.gguf", g_tmp);

    /* 1. default name */
    snprintf(args, sizeof args, "\"%s/stories260K.bin\" \"%s/tok512.bin\" \"%s\"", g_real, g_real, out);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 0, "conversion failed (status %d): %s", rc, err);
    ref = open_gguf(ref_path);
    ours = rc == 0 ? open_gguf(out) : NULL;
    if (ref && ours) compare_with_reference(ref, ours, "stories260K");
    llml_gguf_close(ours);

    /* 2. the reference's name: the whole file is the reference's */
    snprintf(args, sizeof args, "\"%s/stories260K.bin\" \"%s/tok512.bin\" \"%s\" --name llama", g_real, g_real, out2);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 0, "conversion with --name failed (status %d): %s", rc, err);
    CHECK(rc == 0 && same_files(out2, ref_path), "with --name llama the file is not byte-identical to the reference");

    /* --ctx changes llama.context_length only */
    snprintf(args, sizeof args, "\"%s/stories260K.bin\" \"%s/tok512.bin\" \"%s\" --ctx 512", g_real, g_real, out3);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 0, "conversion with --ctx failed (status %d): %s", rc, err);
    ours = rc == 0 ? open_gguf(out3) : NULL;
    CHECK(ours && llml_gguf_get_u32(ours, "llama.context_length", &ctx) == LLML_OK && ctx == 512,
          "--ctx 512: context_length %u", (unsigned)ctx);
    llml_gguf_close(ours);
    llml_gguf_close(ref);

    /* 3. the shipped default model is a fresh conversion */
    CHECK(file_exists("models/stories260K.gguf"), "models/stories260K.gguf is missing (make default-model)");
    CHECK(same_files("models/stories260K.gguf", out),
          "models/stories260K.gguf differs from a fresh conversion (make default-model)");
    remove(out);
    remove(out2);
    remove(out3);
}

/* ---- unshared classifier ------------------------------------------------------ */

static unsigned char *g_model, *g_tok;
static size_t g_model_len, g_tok_len;

/* vocab_size < 0 in the header: a separate classifier follows the RoPE
   tables. Build one (the embedding rows in reverse order) and check that
   output.weight holds it while token_embd.weight keeps the embeddings. */
static void test_unshared(void) {
    const size_t row = 64 * 4, emb = 512 * row;
    char mp[1200], op[1200], args[4096], err[2048];
    unsigned char *m = (unsigned char *)malloc(g_model_len + emb);
    llml_gguf *g;
    size_t r;
    int rc;
    if (!m) return;
    memcpy(m, g_model, g_model_len);
    m[20] = 0x00; m[21] = 0xfe; m[22] = 0xff; m[23] = 0xff; /* vocab_size = -512 */
    for (r = 0; r < 512; r++) memcpy(m + g_model_len + r * row, g_model + 28 + (511 - r) * row, row);
    snprintf(mp, sizeof mp, "%s/l2c_unshared.bin", g_tmp);
    snprintf(op, sizeof op, "%s/l2c_unshared.gguf", g_tmp);
    CHECK(spit(mp, m, g_model_len + emb), "cannot write %s", mp);
    snprintf(args, sizeof args, "\"%s\" \"%s/tok512.bin\" \"%s\"", mp, g_real, op);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 0, "unshared classifier: status %d: %s", rc, err);
    g = rc == 0 ? open_gguf(op) : NULL;
    if (g) {
        int64_t io = llml_gguf_find_tensor(g, "output.weight"), ie = llml_gguf_find_tensor(g, "token_embd.weight");
        const llml_gguf_tensor *o = io >= 0 ? llml_gguf_tensor_at(g, io) : NULL;
        const llml_gguf_tensor *e = ie >= 0 ? llml_gguf_tensor_at(g, ie) : NULL;
        CHECK(o && o->size == emb && o->ne[0] == 64 && o->ne[1] == 512 &&
              memcmp(o->data, m + g_model_len, emb) == 0, "unshared classifier: output.weight is not the classifier");
        CHECK(e && e->size == emb && memcmp(e->data, g_model + 28, emb) == 0,
              "unshared classifier: token_embd.weight is not the embeddings");
        CHECK(llml_gguf_n_tensors(g) == 48, "unshared classifier: %lld tensors", (long long)llml_gguf_n_tensors(g));
        llml_gguf_close(g);
    }
    free(m);
    remove(mp);
    remove(op);
}

/* ---- 4. malformed input ----------------------------------------------------- */

static void put_i32(unsigned char *p, int32_t v) {
    uint32_t u = (uint32_t)v;
    p[0] = (unsigned char)u;
    p[1] = (unsigned char)(u >> 8);
    p[2] = (unsigned char)(u >> 16);
    p[3] = (unsigned char)(u >> 24);
}

/* Convert (model bytes, tokenizer bytes) written to temp files, plus extra
   arguments; expect status 1, `want` in the message and no output file. */
static void expect_fail(const char *what, const unsigned char *model, size_t model_len, const unsigned char *tok,
                        size_t tok_len, const char *extra, const char *want) {
    char mp[1200], tp[1200], op[1200], args[4096], err[2048];
    int rc;
    snprintf(mp, sizeof mp, "%s/l2c_bad_model.bin", g_tmp);
    snprintf(tp, sizeof tp, "%s/l2c_bad_tok.bin", g_tmp);
    snprintf(op, sizeof op, "%s/l2c_bad_out.gguf", g_tmp);
    remove(op);
    if (!spit(mp, model, model_len) || !spit(tp, tok, tok_len)) {
        CHECK(0, "%s: cannot write temp files", what);
        return;
    }
    snprintf(args, sizeof args, "\"%s\" \"%s\" \"%s\"%s%s", mp, tp, op, extra ? " " : "", extra ? extra : "");
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 1, "%s: exit status %d, expected 1 (%s)", what, rc, err);
    CHECK(strstr(err, "llmlite-llama2c") && strstr(err, want), "%s: message '%s' lacks '%s'", what, err, want);
    CHECK(!file_exists(op), "%s: an output file was left behind", what);
    remove(mp);
    remove(tp);
    remove(op);
}

/* The real model with header field `field` (0..6) set to `value`. */
static void bad_header(const char *what, int field, int32_t value, const char *want) {
    unsigned char *m = (unsigned char *)malloc(g_model_len);
    if (!m) return;
    memcpy(m, g_model, g_model_len);
    put_i32(m + 4 * field, value);
    expect_fail(what, m, g_model_len, g_tok, g_tok_len, NULL, want);
    free(m);
}

static void test_malformed(void) {
    unsigned char *m, *t;
    char args[4096], err[2048];
    int rc;
    const size_t emb_row = 64 * 4; /* dim 64 floats */

    /* model file */
    expect_fail("empty model", g_model, 0, g_tok, g_tok_len, NULL, "too short");
    expect_fail("model shorter than its header", g_model, 20, g_tok, g_tok_len, NULL, "too short");
    expect_fail("truncated model", g_model, 1000, g_tok, g_tok_len, NULL, "truncated");
    expect_fail("model missing its last byte", g_model, g_model_len - 1, g_tok, g_tok_len, NULL, "truncated");
    m = (unsigned char *)malloc(g_model_len + 4);
    if (m) {
        memcpy(m, g_model, g_model_len);
        memset(m + g_model_len, 0, 4);
        expect_fail("model with trailing bytes", m, g_model_len + 4, g_tok, g_tok_len, NULL, "too long");
        /* a classifier flag (negative vocab_size) without the classifier's bytes */
        put_i32(m + 20, -512);
        expect_fail("unshared classifier missing", m, g_model_len, g_tok, g_tok_len, NULL, "truncated");
        free(m);
    }

    /* header values */
    bad_header("dim 0", 0, 0, "dim is 0");
    bad_header("hidden_dim 0", 1, 0, "hidden_dim is 0");
    bad_header("n_layers 0", 2, 0, "n_layers is 0");
    bad_header("n_heads 0", 3, 0, "n_heads is 0");
    bad_header("n_kv_heads 0", 4, 0, "n_kv_heads is 0");
    bad_header("vocab_size 0", 5, 0, "vocab_size is 0");
    bad_header("seq_len 0", 6, 0, "seq_len is 0");
    bad_header("negative dim", 0, -64, "dim is -64");
    bad_header("vocab_size INT32_MIN", 5, INT32_MIN, "implausible");
    bad_header("huge dim", 0, INT32_MAX, "implausible");
    bad_header("huge n_layers", 2, 1 << 30, "implausible");
    bad_header("huge vocab_size", 5, -(1 << 30), "implausible");
    bad_header("n_heads not dividing dim", 3, 7, "n_heads");
    bad_header("n_kv_heads not dividing n_heads", 4, 3, "n_kv_heads");
    bad_header("n_kv_heads above n_heads", 4, 16, "n_kv_heads");
    bad_header("vocab_size 2", 5, 2, "vocab_size");
    bad_header("smaller seq_len", 6, 256, "too long"); /* RoPE tables take seq_len x head_size floats */
    bad_header("larger seq_len", 6, 1024, "truncated");
    bad_header("llama2.c v1 export", 0, 0x616b3432, "version 1/2");

    /* vocab_size mismatch: a valid model of 511 tokens (last embedding row
       dropped) with the 512-token tokenizer */
    m = (unsigned char *)malloc(g_model_len);
    if (m) {
        memcpy(m, g_model, 28 + 511 * emb_row);
        memcpy(m + 28 + 511 * emb_row, g_model + 28 + 512 * emb_row, g_model_len - 28 - 512 * emb_row);
        put_i32(m + 20, 511);
        expect_fail("vocab_size 511 vs 512 tokens", m, g_model_len - emb_row, g_tok, g_tok_len, NULL, "vocab_size mismatch");
        free(m);
    }

    /* tokenizer */
    expect_fail("empty tokenizer", g_model, g_model_len, g_tok, 0, NULL, "too short");
    expect_fail("truncated tokenizer", g_model, g_model_len, g_tok, 3000, NULL, "truncated");
    expect_fail("tokenizer cut inside a token header", g_model, g_model_len, g_tok, 6, NULL, "truncated");
    expect_fail("tokenizer missing its last byte", g_model, g_model_len, g_tok, g_tok_len - 1, NULL, "truncated");
    t = (unsigned char *)malloc(g_tok_len + 16);
    if (t) {
        /* one token more than vocab_size */
        memcpy(t, g_tok, g_tok_len);
        memset(t + g_tok_len, 0, 4);        /* score 0 */
        put_i32(t + g_tok_len + 4, 1);      /* length 1 */
        t[g_tok_len + 8] = 'x';
        expect_fail("tokenizer with 513 tokens", g_model, g_model_len, t, g_tok_len + 9, NULL, "vocab_size mismatch");
        memcpy(t, g_tok, g_tok_len);
        put_i32(t, 0);
        expect_fail("max_token_length 0", g_model, g_model_len, t, g_tok_len, NULL, "max_token_length");
        memcpy(t, g_tok, g_tok_len);
        put_i32(t + 4 + 4, -5);             /* token 0's length */
        expect_fail("negative token length", g_model, g_model_len, t, g_tok_len, NULL, "length -5");
        memcpy(t, g_tok, g_tok_len);
        put_i32(t + 4 + 4, 0x7fffffff);
        expect_fail("huge token length", g_model, g_model_len, t, g_tok_len, NULL, "length");
        memcpy(t, g_tok, g_tok_len);
        put_i32(t + 4, 0x7fc00000);         /* token 0's score: NaN */
        expect_fail("NaN score", g_model, g_model_len, t, g_tok_len, NULL, "score");
        free(t);
    }

    /* arguments and files */
    expect_fail("unknown option", g_model, g_model_len, g_tok, g_tok_len, "--bogus", "unknown");
    expect_fail("bad --ctx", g_model, g_model_len, g_tok, g_tok_len, "--ctx 0", "--ctx");
    rc = run_tool("", err, sizeof err);
    CHECK(rc == 1 && strstr(err, "usage"), "no arguments: status %d, '%s'", rc, err);
    snprintf(args, sizeof args, "\"%s/does-not-exist.bin\" \"%s/tok512.bin\" \"%s/l2c_x.gguf\"", g_tmp, g_real, g_tmp);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "cannot open"), "missing model: status %d, '%s'", rc, err);
    snprintf(args, sizeof args, "\"%s/stories260K.bin\" \"%s/does-not-exist.bin\" \"%s/l2c_x.gguf\"", g_real, g_tmp, g_tmp);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "cannot read"), "missing tokenizer: status %d, '%s'", rc, err);
    snprintf(args, sizeof args, "\"%s/stories260K.bin\" \"%s/tok512.bin\" \"%s/no-such-dir/x.gguf\"", g_real, g_real, g_tmp);
    rc = run_tool(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "opening the output"), "unwritable output: status %d, '%s'", rc, err);
}

int main(void) {
    const char *build = getenv("LLML_BUILD");
    char path[1200];
    if (!build || !*build) build = "build";
    snprintf(g_tool, sizeof g_tool, "%s/llmlite-llama2c", build);
    snprintf(g_tmp, sizeof g_tmp, "%s/tmp", build);
    snprintf(g_real, sizeof g_real, "%s/real", check_testdata());
#if !defined(_WIN32)
    mkdir(build, 0777);
    mkdir(g_tmp, 0777);
#endif
    CHECK(file_exists(g_tool), "%s is missing (make %s)", g_tool, g_tool);

    snprintf(path, sizeof path, "%s/stories260K.bin", g_real);
    g_model = slurp(path, &g_model_len);
    snprintf(path, sizeof path, "%s/tok512.bin", g_real);
    g_tok = slurp(path, &g_tok_len);
    CHECK(g_model && g_model_len == 1056540 && g_tok && g_tok_len == 6227, "cannot read the llama2.c test files");
    if (g_model && g_tok && file_exists(g_tool)) {
        test_conversion();
        test_unshared();
        test_malformed();
    }
    free(g_model);
    free(g_tok);
    return check_summary("test_llama2c");
}
