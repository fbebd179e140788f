/* tests/test_quantizer.c - quality of our quantizers against the reference's
   files, and the llmlite-quantize tool end to end.

   1. For every format: quantize each 2-D tensor of quant/f32.gguf with the
      imatrix (quant/imatrix.dat, read by tools/imatrix.h like the tool does)
      to the type the reference's quant/<fmt>.gguf holds for that tensor,
      dequantize, and compare the RMS error vs f32 with the RMS error of the
      reference's tensor: ours <= 1.05 x theirs, for every tensor.
   2. The imatrix reader: legacy file and a GGUF imatrix made from it.
   3. build/llmlite-quantize on quant/f32.gguf to Q4_K_M (with imatrix) and to
      q8_0 --pure: metadata kept, file type set, per-tensor types as the
      reference's rules give for this 2-layer model, bytes equal to direct
      llml_quantize_rows calls; a small model whose rows do not fit 256-blocks
      falls back; bad arguments exit with status 1. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include "tools/imatrix.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if !defined(_WIN32)
#include <sys/wait.h>
#include <sys/stat.h>
#endif

static char g_dir[1024];    /* test data: <testdata>/quant */

static llml_gguf *open_path(const char *path) {
    llml_gguf *g = NULL;
    llml_error err;
    memset(&err, 0, sizeof err);
    if (llml_gguf_open_file(path, NULL, &g, &err) != LLML_OK) {
        CHECK(0, "%s: %s", path, err.message);
        return NULL;
    }
    return g;
}

static llml_gguf *open_quant(const char *stem) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.gguf", g_dir, stem);
    return open_path(path);
}

static const llml_gguf_tensor *tensor_by_name(const llml_gguf *g, const char *name) {
    int64_t i = g ? llml_gguf_find_tensor(g, name) : -1;
    return i >= 0 ? llml_gguf_tensor_at(g, i) : NULL;
}

/* Dequantize a whole 2-D tensor (rows of ne0). */
static int dequant_tensor(llml_type type, const void *data, int64_t ne0, int64_t rows, float *out) {
    size_t rs = llml_row_size(type, ne0);
    int64_t r;
    if (!rs || !data) return 0;
    for (r = 0; r < rows; r++)
        if (llml_dequantize_row(type, (const uint8_t *)data + (size_t)r * rs, out + r * ne0, ne0) != LLML_OK) return 0;
    return 1;
}

static double sq_err(const float *a, const float *b, int64_t n) {
    double s = 0;
    int64_t i;
    for (i = 0; i < n; i++) { double d = (double)a[i] - (double)b[i]; s += d * d; }
    return s;
}

/* ---- 1. quality against the reference files -------------------------------- */

static const char *const formats[] = {
    "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k",
    "iq1_s", "iq1_m", "iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs", "iq3_s", "iq4_nl", "iq4_xs",
    "tq1_0", "tq2_0", "f16", "bf16"
};

static void test_quality(const llml_gguf *f32, const imx_matrix *im) {
    size_t fi;
    int64_t i, n = llml_gguf_n_tensors(f32);
    printf("%-8s %7s %9s  %-26s %8s %12s %12s\n", "format", "tensors", "worst", "(tensor)", "mean", "our rms", "ref rms");
    for (fi = 0; fi < sizeof formats / sizeof formats[0]; fi++) {
        llml_gguf *ref = open_quant(formats[fi]);
        int count = 0, failed_call = 0;
        double worst = 0, sum_ratio = 0, our_sq = 0, ref_sq = 0, n_el = 0;
        const char *worst_name = "-";
        if (!ref) continue;
        for (i = 0; i < n; i++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(f32, i);
            const llml_gguf_tensor *rt;
            const imx_entry *e;
            int64_t ne0 = t->ne[0], rows = t->ne[1], nel = ne0 * rows;
            float *deq, *rdeq;
            void *q;
            size_t qsize;
            llml_result r;
            double o, f, ratio;
            if (t->n_dims != 2 || t->type != LLML_TYPE_F32) continue;
            rt = tensor_by_name(ref, t->name);
            CHECK(rt && rt->ne[0] == ne0 && rt->ne[1] == rows, "%s: %s missing or reshaped in the reference",
                  formats[fi], t->name);
            if (!rt || rt->ne[0] != ne0 || rt->ne[1] != rows) continue;
            qsize = llml_row_size(rt->type, ne0) * (size_t)rows;
            e = imx_find(im, t->name);
            q = malloc(qsize ? qsize : 1);
            deq = (float *)malloc((size_t)nel * sizeof(float));
            rdeq = (float *)malloc((size_t)nel * sizeof(float));
            r = llml_quantize_rows(rt->type, (const float *)t->data, q, rows, ne0,
                                   e && e->n == ne0 ? e->values : NULL);
            if (r != LLML_OK) {
                if (!failed_call)
                    CHECK(0, "%s: quantizing %s to %s: %s", formats[fi], t->name,
                          llml_type_get_info(rt->type) ? llml_type_get_info(rt->type)->name : "?",
                          llml_result_string(r));
                failed_call = 1;
            } else if (!dequant_tensor(rt->type, q, ne0, rows, deq) ||
                       !dequant_tensor(rt->type, rt->data, ne0, rows, rdeq)) {
                CHECK(0, "%s: %s: dequantization failed", formats[fi], t->name);
            } else {
                o = sq_err(deq, (const float *)t->data, nel);
                f = sq_err(rdeq, (const float *)t->data, nel);
                ratio = f > 0 ? sqrt(o / f) : (o > 0 ? 1e9 : 1.0);
                CHECK(ratio <= 1.05, "%s: %s (%s): rms %.6g vs reference %.6g, ratio %.4f", formats[fi],
                      t->name, llml_type_get_info(rt->type)->name, sqrt(o / (double)nel),
                      sqrt(f / (double)nel), ratio);
                count++;
                sum_ratio += ratio;
                if (ratio > worst) { worst = ratio; worst_name = t->name; }
                our_sq += o; ref_sq += f; n_el += (double)nel;
            }
            free(q); free(deq); free(rdeq);
        }
        if (count)
            printf("%-8s %7d %9.4f  %-26s %8.4f %12.6g %12.6g\n", formats[fi], count, worst, worst_name,
                   sum_ratio / count, sqrt(our_sq / n_el), sqrt(ref_sq / n_el));
        else
            printf("%-8s %7d   (not available)\n", formats[fi], count);
        llml_gguf_close(ref);
    }
    fflush(stdout);
}

/* ---- 2. imatrix reader ------------------------------------------------------- */

static void test_imatrix(const imx_matrix *im, const char *tmpdir) {
    char path[1200], emsg[600];
    llml_gguf_writer *w = NULL;
    imx_matrix g;
    const imx_entry *e;
    int64_t i, j;
    float extra_sums[8] = { 1, 2, 3, 4, 10, 20, 30, 40 }, extra_counts[2] = { 0, 2 };
    int64_t ne_extra[2] = { 4, 2 }, ne_cnt[2] = { 1, 2 };
    char names[64][160];
    float *bufs[64];
    int nb = 0;

    CHECK(im->n_entries == 14, "legacy imatrix: %lld entries, want 14", (long long)im->n_entries);
    CHECK(!im->is_gguf && im->chunk_count == 20, "legacy imatrix: chunk count %d", (int)im->chunk_count);
    CHECK(im->dataset && strcmp(im->dataset, "qz/text.txt") == 0, "legacy imatrix: dataset name");
    e = imx_find(im, "blk.1.ffn_down.weight");
    CHECK(e && e->n == 768, "legacy imatrix: blk.1.ffn_down.weight has 768 values");
    CHECK(imx_find(im, "token_embd.weight") == NULL, "legacy imatrix: no token_embd entry");

    /* the same data as a GGUF imatrix: in_sum2 = value * 20, counts = 20 */
    CHECK(llml_gguf_writer_create(NULL, &w) == LLML_OK, "writer");
    if (!w) return;
    {
        const char *ds[1] = { "qz/text.txt" };
        llml_gguf_writer_set_str(w, "general.type", "imatrix");
        llml_gguf_writer_set_arr_str(w, "imatrix.datasets", ds, NULL, 1);
        llml_gguf_writer_set_u32(w, "imatrix.chunk_count", 20);
        llml_gguf_writer_set_u32(w, "imatrix.chunk_size", 512);
    }
    for (i = 0; i < im->n_entries && nb + 2 <= 64; i++) {
        const imx_entry *x = &im->entries[i];
        int64_t ne[2], nc[2];
        float *s = (float *)malloc((size_t)x->n * sizeof(float)), *c = (float *)malloc(sizeof(float));
        for (j = 0; j < x->n; j++) s[j] = x->values[j] * 20.0f;
        c[0] = 20.0f;
        ne[0] = x->n; ne[1] = 1; nc[0] = 1; nc[1] = 1;
        snprintf(names[nb], sizeof names[nb], "%s.in_sum2", x->name);
        CHECK(llml_gguf_writer_add_tensor(w, names[nb], LLML_TYPE_F32, 2, ne, s, (uint64_t)x->n * 4) == LLML_OK, "add %s", names[nb]);
        bufs[nb++] = s;
        snprintf(names[nb], sizeof names[nb], "%s.counts", x->name);
        CHECK(llml_gguf_writer_add_tensor(w, names[nb], LLML_TYPE_F32, 2, nc, c, 4) == LLML_OK, "add %s", names[nb]);
        bufs[nb++] = c;
    }
    /* a 2-expert entry: expert 0 never ran (count 0 -> all 1.0) */
    CHECK(llml_gguf_writer_add_tensor(w, "blk.0.ffn_up_exps.weight.in_sum2", LLML_TYPE_F32, 2, ne_extra, extra_sums, 32) == LLML_OK, "add exps");
    ne_cnt[0] = 1; ne_cnt[1] = 2;
    CHECK(llml_gguf_writer_add_tensor(w, "blk.0.ffn_up_exps.weight.counts", LLML_TYPE_F32, 2, ne_cnt, extra_counts, 8) == LLML_OK, "add exps counts");
    snprintf(path, sizeof path, "%s/imatrix.gguf", tmpdir);
    CHECK(llml_gguf_writer_write_file(w, path) == LLML_OK, "write %s", path);
    llml_gguf_writer_free(w);
    for (i = 0; i < nb; i++) free(bufs[i]);

    if (!imx_load(path, &g, emsg, sizeof emsg)) {
        CHECK(0, "GGUF imatrix: %s", emsg);
        return;
    }
    CHECK(g.is_gguf && g.n_entries == 15, "GGUF imatrix: %lld entries", (long long)g.n_entries);
    CHECK(g.chunk_count == 20 && g.dataset && strcmp(g.dataset, "qz/text.txt") == 0, "GGUF imatrix: metadata");
    for (i = 0; i < im->n_entries; i++) {
        const imx_entry *a = &im->entries[i], *b = imx_find(&g, a->name);
        double maxrel = 0;
        CHECK(b && b->n == a->n, "GGUF imatrix: entry %s", a->name);
        if (!b || b->n != a->n) continue;
        for (j = 0; j < a->n; j++) {
            double d = fabs((double)a->values[j] - (double)b->values[j]) / (fabs((double)a->values[j]) + 1e-30);
            if (d > maxrel) maxrel = d;
        }
        CHECK(maxrel < 1e-6, "GGUF imatrix: %s differs from legacy (rel %.3g)", a->name, maxrel);
    }
    e = imx_find(&g, "blk.0.ffn_up_exps.weight");
    CHECK(e && e->n == 8 && e->values[0] == 1.0f && e->values[3] == 1.0f && e->values[4] == 5.0f &&
          e->values[7] == 20.0f, "GGUF imatrix: per-expert counts");
    imx_free(&g);
    remove(path);
}

/* ---- 3. the tool --------------------------------------------------------------- */

static const char *g_tool;
static char g_tool_buf[1024];

static int run(const char *cmd) {
    char full[4096];
    int st;
    snprintf(full, sizeof full, "%s >/dev/null 2>&1", cmd);
    st = system(full);
#if !defined(_WIN32)
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
#else
    return st;
#endif
}

/* Same value under kv i of a and kv j of b. */
static int kv_same(const llml_gguf *a, int64_t i, const llml_gguf *b, int64_t j) {
    llml_gguf_vtype t = llml_gguf_kv_type(a, i);
    static const int sizes[13] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
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

static void check_kept_metadata(const llml_gguf *in, const llml_gguf *out, const char *what) {
    int64_t i, n = llml_gguf_n_kv(in), bad = 0;
    for (i = 0; i < n; i++) {
        const char *key = llml_gguf_key(in, i);
        int64_t j = llml_gguf_find_key(out, key);
        if (strcmp(key, "general.file_type") == 0 || strcmp(key, "general.quantization_version") == 0) continue;
        if (j < 0 || !kv_same(in, i, out, j)) {
            if (bad++ < 5) CHECK(0, "%s: metadata %s not kept", what, key);
        }
    }
    CHECK(bad == 0, "%s: %lld of %lld keys lost or changed", what, (long long)bad, (long long)n);
}

static llml_type type_of(const llml_gguf *g, const char *name) {
    const llml_gguf_tensor *t = tensor_by_name(g, name);
    return t ? t->type : LLML_TYPE_COUNT;
}

static const char *tname(llml_type t) {
    const llml_type_info *i = llml_type_get_info(t);
    return i ? i->name : "(missing)";
}

/* The tool's bytes for every converted tensor must equal a direct
   llml_quantize_rows call (threads split rows; results may not change). */
static void check_bytes(const llml_gguf *in, const llml_gguf *out, const imx_matrix *im, const char *what) {
    int64_t i, n = llml_gguf_n_tensors(out), bad = 0;
    for (i = 0; i < n; i++) {
        const llml_gguf_tensor *o = llml_gguf_tensor_at(out, i), *s = tensor_by_name(in, o->name);
        const imx_entry *e;
        void *q;
        if (!s) { CHECK(0, "%s: unknown tensor %s", what, o->name); bad++; continue; }
        if (o->type == s->type) {
            if (o->size != s->size || memcmp(o->data, s->data, (size_t)o->size) != 0) {
                CHECK(0, "%s: copied tensor %s differs", what, o->name);
                bad++;
            }
            continue;
        }
        e = im ? imx_find(im, o->name) : NULL;
        q = malloc((size_t)o->size);
        if (llml_quantize_rows(o->type, (const float *)s->data, q, s->ne[1], s->ne[0],
                               e && e->n == s->ne[0] ? e->values : NULL) != LLML_OK ||
            memcmp(q, o->data, (size_t)o->size) != 0) {
            CHECK(0, "%s: %s (%s) differs from a direct quantization", what, o->name, tname(o->type));
            bad++;
        }
        free(q);
    }
    CHECK(bad == 0, "%s: %lld tensors with wrong bytes", what, (long long)bad);
}

/* The reference's Q4_K_M choice for this 2-layer llama (n_gqa 2): base q4_K;
   output.weight q6_K; token_embd (not tied: output exists) keeps the base;
   attn_v and ffn_down get q6_K in "use more bits" layers: i < n/8 (none),
   i >= 7n/8 (layer 1), (i - n/8) % 3 == 2 (none); norms stay f32. */
static const char *const q4km_expect[][2] = {
    { "token_embd.weight", "q4_K" }, { "output.weight", "q6_K" }, { "output_norm.weight", "f32" },
    { "blk.0.attn_norm.weight", "f32" }, { "blk.0.ffn_norm.weight", "f32" },
    { "blk.0.attn_q.weight", "q4_K" }, { "blk.0.attn_k.weight", "q4_K" }, { "blk.0.attn_v.weight", "q4_K" },
    { "blk.0.attn_output.weight", "q4_K" }, { "blk.0.ffn_gate.weight", "q4_K" },
    { "blk.0.ffn_up.weight", "q4_K" }, { "blk.0.ffn_down.weight", "q4_K" },
    { "blk.1.attn_norm.weight", "f32" }, { "blk.1.ffn_norm.weight", "f32" },
    { "blk.1.attn_q.weight", "q4_K" }, { "blk.1.attn_k.weight", "q4_K" }, { "blk.1.attn_v.weight", "q6_K" },
    { "blk.1.attn_output.weight", "q4_K" }, { "blk.1.ffn_gate.weight", "q4_K" },
    { "blk.1.ffn_up.weight", "q4_K" }, { "blk.1.ffn_down.weight", "q6_K" }
};

static void check_types(const llml_gguf *g, const char *const (*exp)[2], size_t n, const char *what) {
    size_t i;
    CHECK(llml_gguf_n_tensors(g) == (int64_t)n, "%s: %lld tensors, want %d", what,
          (long long)llml_gguf_n_tensors(g), (int)n);
    for (i = 0; i < n; i++) {
        llml_type t = type_of(g, exp[i][0]);
        CHECK(strcmp(tname(t), exp[i][1]) == 0, "%s: %s is %s, want %s", what, exp[i][0], tname(t), exp[i][1]);
    }
}

static int64_t get_int_or(const llml_gguf *g, const char *key, int64_t def) {
    int64_t v;
    return llml_gguf_get_int(g, key, &v) == LLML_OK ? v : def;
}

/* A tiny F32 llama with rows of 96 and 80 columns. */
static int write_odd_model(const char *path) {
    static float tok[96 * 16], norm[96], q[96 * 96], v[96 * 32], up[96 * 80], down[80 * 96];
    int64_t ne[2];
    llml_gguf_writer *w = NULL;
    llml_result r = LLML_OK;
    size_t i;
    float *arrs[6];
    size_t lens[6];
    arrs[0] = tok; lens[0] = sizeof tok / 4; arrs[1] = norm; lens[1] = sizeof norm / 4;
    arrs[2] = q; lens[2] = sizeof q / 4; arrs[3] = v; lens[3] = sizeof v / 4;
    arrs[4] = up; lens[4] = sizeof up / 4; arrs[5] = down; lens[5] = sizeof down / 4;
    for (i = 0; i < 6; i++) {
        size_t j;
        for (j = 0; j < lens[i]; j++) arrs[i][j] = (float)sin((double)(j * 7 + i * 13) * 0.37) * 0.1f;
    }
    if (llml_gguf_writer_create(NULL, &w) != LLML_OK) return 0;
    r = llml_gguf_writer_set_str(w, "general.architecture", "llama");
    if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "llama.block_count", 1);
    if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "llama.attention.head_count", 2);
    if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "llama.attention.head_count_kv", 2);
    ne[0] = 96; ne[1] = 16;
    if (r == LLML_OK) r = llml_gguf_writer_add_tensor(w, "token_embd.weight", LLML_TYPE_F32, 2, ne, tok, sizeof tok);
    ne[0] = 96; ne[1] = 1;
    if (r == LLML_OK) r = llml_gguf_writer_add_tensor(w, "blk.0.attn_norm.weight", LLML_TYPE_F32, 1, ne, norm, sizeof norm);
    ne[0] = 96; ne[1] = 96;
    if (r == LLML_OK) r = llml_gguf_writer_add_tensor(w, "blk.0.attn_q.weight", LLML_TYPE_F32, 2, ne, q, sizeof q);
    ne[0] = 96; ne[1] = 32;
    if (r == LLML_OK) r = llml_gguf_writer_add_tensor(w, "blk.0.attn_v.weight", LLML_TYPE_F32, 2, ne, v, sizeof v);
    ne[0] = 96; ne[1] = 80;
    if (r == LLML_OK) r = llml_gguf_writer_add_tensor(w, "blk.0.ffn_up.weight", LLML_TYPE_F32, 2, ne, up, sizeof up);
    ne[0] = 80; ne[1] = 96;
    if (r == LLML_OK) r = llml_gguf_writer_add_tensor(w, "blk.0.ffn_down.weight", LLML_TYPE_F32, 2, ne, down, sizeof down);
    if (r == LLML_OK) r = llml_gguf_writer_write_file(w, path);
    llml_gguf_writer_free(w);
    return r == LLML_OK;
}

/* Q4_K_M on the odd model: token_embd is tied (no output.weight) so it gets
   the output rule, 96 % 256 != 0 -> q8_0; attn_q q4_K -> q5_0; attn_v is
   layer 0 of 1, a "more bits" layer: q6_K -> q8_0; ffn_up q4_K -> q5_0;
   ffn_down (80 columns) q6_K -> q8_0 does not fit either -> f16. */
static const char *const odd_expect[][2] = {
    { "token_embd.weight", "q8_0" }, { "blk.0.attn_norm.weight", "f32" },
    { "blk.0.attn_q.weight", "q5_0" }, { "blk.0.attn_v.weight", "q8_0" },
    { "blk.0.ffn_up.weight", "q5_0" }, { "blk.0.ffn_down.weight", "f16" }
};

static int file_exists(const char *p) {
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static void test_tool(const llml_gguf *f32, const imx_matrix *im, const char *tmpdir) {
    char cmd[4096], out[1200], in[1200], imx[1200], odd[1200];
    llml_gguf *g, *ref;
    int st;
    snprintf(in, sizeof in, "%s/f32.gguf", g_dir);
    snprintf(imx, sizeof imx, "%s/imatrix.dat", g_dir);

    if (!file_exists(g_tool)) {
        CHECK(0, "%s not built (make %s)", g_tool, g_tool);
        return;
    }

    /* Q4_K_M with the imatrix */
    snprintf(out, sizeof out, "%s/q4_k_m.gguf", tmpdir);
    snprintf(cmd, sizeof cmd, "%s %s %s Q4_K_M --imatrix %s --threads 2", g_tool, in, out, imx);
    st = run(cmd);
    CHECK(st == 0, "%s: exit status %d", cmd, st);
    g = st == 0 ? open_path(out) : NULL;
    if (g) {
        int64_t i, n;
        check_kept_metadata(f32, g, "Q4_K_M");
        CHECK(get_int_or(g, "general.file_type", -1) == 15, "Q4_K_M: general.file_type %lld, want 15",
              (long long)get_int_or(g, "general.file_type", -1));
        CHECK(get_int_or(g, "general.quantization_version", -1) == 2, "Q4_K_M: quantization_version");
        CHECK(get_int_or(g, "quantize.imatrix.entries_count", -1) == 14, "Q4_K_M: imatrix entries_count");
        CHECK(get_int_or(g, "quantize.imatrix.chunks_count", -1) == 20, "Q4_K_M: imatrix chunks_count");
        check_types(g, q4km_expect, sizeof q4km_expect / sizeof q4km_expect[0], "Q4_K_M");
        check_bytes(f32, g, im, "Q4_K_M");
        /* tensor order as the reference writes it: non-layer tensors, then by layer, by name */
        ref = open_quant("q4_k");
        n = llml_gguf_n_tensors(g);
        if (ref && llml_gguf_n_tensors(ref) == n)
            for (i = 0; i < n; i++)
                CHECK(strcmp(llml_gguf_tensor_at(g, i)->name, llml_gguf_tensor_at(ref, i)->name) == 0,
                      "Q4_K_M: tensor %lld is %s, the reference has %s", (long long)i,
                      llml_gguf_tensor_at(g, i)->name, llml_gguf_tensor_at(ref, i)->name);
        llml_gguf_close(ref);
        llml_gguf_close(g);
    }
    remove(out);

    /* q8_0 --pure, one thread, no imatrix */
    snprintf(out, sizeof out, "%s/q8_0.gguf", tmpdir);
    snprintf(cmd, sizeof cmd, "%s %s %s q8_0 --pure --threads 1", g_tool, in, out);
    st = run(cmd);
    CHECK(st == 0, "%s: exit status %d", cmd, st);
    g = st == 0 ? open_path(out) : NULL;
    if (g) {
        int64_t i, n = llml_gguf_n_tensors(g);
        check_kept_metadata(f32, g, "q8_0");
        CHECK(get_int_or(g, "general.file_type", -1) == 7, "q8_0: general.file_type %lld, want 7",
              (long long)get_int_or(g, "general.file_type", -1));
        CHECK(llml_gguf_find_key(g, "quantize.imatrix.file") < 0, "q8_0: no imatrix keys without an imatrix");
        CHECK(n == llml_gguf_n_tensors(f32), "q8_0: tensor count");
        for (i = 0; i < n; i++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
            const char *want = t->n_dims == 2 ? "q8_0" : "f32";
            CHECK(strcmp(tname(t->type), want) == 0, "q8_0: %s is %s, want %s", t->name, tname(t->type), want);
        }
        check_bytes(f32, g, NULL, "q8_0");
        llml_gguf_close(g);
    }
    remove(out);

    /* rows of 96 and 80 columns fall back */
    snprintf(odd, sizeof odd, "%s/odd_f32.gguf", tmpdir);
    CHECK(write_odd_model(odd), "writing %s", odd);
    snprintf(out, sizeof out, "%s/odd_q4_k_m.gguf", tmpdir);
    snprintf(cmd, sizeof cmd, "%s %s %s q4_k_m", g_tool, odd, out);
    st = run(cmd);
    CHECK(st == 0, "%s: exit status %d", cmd, st);
    g = st == 0 ? open_path(out) : NULL;
    if (g) {
        llml_gguf *src = open_path(odd);
        check_types(g, odd_expect, sizeof odd_expect / sizeof odd_expect[0], "odd Q4_K_M");
        if (src) check_bytes(src, g, NULL, "odd Q4_K_M");
        llml_gguf_close(src);
        llml_gguf_close(g);
    }
    remove(out);

    /* errors: status 1 and no output file */
    snprintf(out, sizeof out, "%s/bad.gguf", tmpdir);
    remove(out);
    snprintf(cmd, sizeof cmd, "%s %s %s q9_9", g_tool, in, out);
    CHECK(run(cmd) == 1, "unknown type must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s/does-not-exist.gguf %s q4_0", g_tool, tmpdir, out);
    CHECK(run(cmd) == 1, "missing input must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s %s q4_0 --threads 0", g_tool, in, out);
    CHECK(run(cmd) == 1, "bad thread count must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s %s", g_tool, in, out);
    CHECK(run(cmd) == 1, "missing TYPE must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s %s q4_0 --frobnicate", g_tool, in, out);
    CHECK(run(cmd) == 1, "unknown option must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s %s IQ2_XXS", g_tool, in, out);
    CHECK(run(cmd) == 1, "IQ2_XXS without an imatrix must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s/q4_0.gguf %s Q8_0", g_tool, g_dir, out);
    CHECK(run(cmd) == 1, "quantized input must exit 1");
    snprintf(cmd, sizeof cmd, "%s %s %s q4_0 --imatrix %s/does-not-exist.dat", g_tool, in, out, tmpdir);
    CHECK(run(cmd) == 1, "missing imatrix file must exit 1");
    CHECK(!file_exists(out), "a failed run must leave no output file");
    remove(out);
    remove(odd);
}

int main(void) {
    char path[1200], tmpdir[1100], emsg[600];
    const char *build = getenv("LLML_BUILD");
    llml_gguf *f32;
    imx_matrix im;
    int have_im;

    snprintf(g_dir, sizeof g_dir, "%s/quant", check_testdata());
    if (!build || !*build) build = "build";
    snprintf(g_tool_buf, sizeof g_tool_buf, "%s/llmlite-quantize", build);
    g_tool = g_tool_buf;
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", build);
#if !defined(_WIN32)
    mkdir(build, 0777);
    mkdir(tmpdir, 0777);
#endif

    snprintf(path, sizeof path, "%s/f32.gguf", g_dir);
    f32 = open_path(path);
    snprintf(path, sizeof path, "%s/imatrix.dat", g_dir);
    have_im = imx_load(path, &im, emsg, sizeof emsg);
    CHECK(have_im, "imatrix: %s", emsg);
    if (!f32 || !have_im) {
        llml_gguf_close(f32);
        if (have_im) imx_free(&im);
        return check_summary("test_quantizer");
    }

    test_quality(f32, &im);
    test_imatrix(&im, tmpdir);
    test_tool(f32, &im, tmpdir);

    imx_free(&im);
    llml_gguf_close(f32);
    return check_summary("test_quantizer");
}
