/* Build: make build/llmlite-quantize   (or: cc -O2 -I. tools/quantize.c -o llmlite-quantize -lm -lpthread)
   Run:   build/llmlite-quantize IN.gguf OUT.gguf TYPE [--imatrix FILE] [--pure] [--threads N]
   TYPE:  a mix (Q4_K_M, Q5_K_S, IQ2_M, ...) or, with --pure, any tensor format (q4_0, iq2_xxs, tq1_0, ...). */

/* llmlite-quantize converts an F32 / F16 / BF16 GGUF model to a quantized one.

   It picks a format per tensor with the same rules as the reference's
   llama-quantize (src/llama-quant.cpp): a "mix" such as Q4_K_M gives most
   2-D weights the mix's base format and some (output, token embeddings,
   attn_v, ffn_down in chosen layers, attn_output, ...) more or fewer bits.
   With --pure every quantizable 2-D weight gets the one format. Norms, 1-D
   tensors and the tensors the reference never quantizes are copied as they
   are. Every metadata key is kept; general.file_type gets the reference's
   llama_ftype number of the mix, general.quantization_version = 2.

   The output is streamed: memory holds about one input and one output
   tensor at a time. Rows of each tensor are split among N threads. */

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "imatrix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if !defined(_WIN32)
#include <pthread.h>
#include <unistd.h>
#include <sys/stat.h>
#define QZ_POSIX 1
#else
#define QZ_POSIX 0
#endif

/* The mixes and their per-tensor rules live in the header (llml_mix_*,
   section >>mix), shared with the sizing API (llml_plan_*). */

static const char *qz_type_name(llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    return ti ? ti->name : "?";
}
static int32_t qz_block(llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    return ti ? ti->block_size : 1;
}

static int qz_is_token_embd(const char *n) {
    return strcmp(n, "token_embd.weight") == 0 || strcmp(n, "per_layer_token_embd.weight") == 0;
}

/* Layer number of "blk.N....", or -1. */
static int64_t qz_layer_of(const char *n) {
    int64_t v = 0;
    const char *p = n + 4;
    if (strncmp(n, "blk.", 4) != 0 || *p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9' && v < 100000000) v = v * 10 + (*p++ - '0');
    return v;
}

/* ---- the plan: one entry per tensor, in the reference's output order ------ */

typedef struct qz_item {
    int64_t index;               /* in the input file */
    const llml_gguf_tensor *t;
    llml_type dst;
    int convert;                 /* 0: copy the bytes as they are */
    uint64_t out_size;
    const float *imatrix;        /* ne0 * ne2 values, or NULL */
} qz_item;

/* Non-layer tensors first, then by layer, then by name. */
static int qz_cmp_items(const void *a, const void *b) {
    const qz_item *x = (const qz_item *)a, *y = (const qz_item *)b;
    int64_t lx = qz_layer_of(x->t->name), ly = qz_layer_of(y->t->name);
    if (lx != ly) return lx < ly ? -1 : 1;
    return strcmp(x->t->name, y->t->name);
}

/* ---- threads ---------------------------------------------------------------- */

typedef struct qz_work {
    const qz_item *it;
    const uint8_t *src;
    uint8_t *dst;
    size_t src_row, dst_row;
    int64_t ne0, rows_per_mat, rows_per_chunk, chunks_per_mat, n_chunks;
    int64_t next_chunk, rows_done;   /* under mu */
    llml_result status;              /* under mu */
    int64_t bad_row;
#if QZ_POSIX
    pthread_mutex_t mu;
#endif
} qz_work;

static void qz_lock(qz_work *w) {
#if QZ_POSIX
    pthread_mutex_lock(&w->mu);
#else
    (void)w;
#endif
}
static void qz_unlock(qz_work *w) {
#if QZ_POSIX
    pthread_mutex_unlock(&w->mu);
#else
    (void)w;
#endif
}

/* Take chunks of rows until none are left. The main thread passes a
   callback to draw progress between its chunks. */
static void qz_work_loop(qz_work *w, void (*tick)(void *), void *tick_user) {
    float *buf = NULL;
    size_t cap = 0;
    for (;;) {
        int64_t c, mat, r0, nr, row;
        const float *src;
        llml_result r = LLML_OK;
        qz_lock(w);
        c = w->status == LLML_OK ? w->next_chunk++ : w->n_chunks;
        qz_unlock(w);
        if (c >= w->n_chunks) break;
        mat = c / w->chunks_per_mat;
        r0 = (c % w->chunks_per_mat) * w->rows_per_chunk;
        nr = w->rows_per_mat - r0 < w->rows_per_chunk ? w->rows_per_mat - r0 : w->rows_per_chunk;
        row = mat * w->rows_per_mat + r0;
        if (w->it->t->type == LLML_TYPE_F32 && ((uintptr_t)w->src & 3) == 0) {
            src = (const float *)(const void *)(w->src + (size_t)row * w->src_row);
        } else {
            int64_t k;
            size_t need = (size_t)(nr * w->ne0);
            if (need > cap) {
                free(buf);
                buf = (float *)malloc(need * sizeof(float));
                cap = buf ? need : 0;
                if (!buf) r = LLML_ERR_OUT_OF_MEMORY;
            }
            for (k = 0; k < nr && r == LLML_OK; k++) {
                const uint8_t *p = w->src + (size_t)(row + k) * w->src_row;
                if (w->it->t->type == LLML_TYPE_F32) memcpy(buf + k * w->ne0, p, w->src_row);
                else r = llml_dequantize_row(w->it->t->type, p, buf + k * w->ne0, w->ne0);
            }
            src = buf;
        }
        if (r == LLML_OK)
            r = llml_quantize_rows(w->it->dst, src, w->dst + (size_t)row * w->dst_row, nr, w->ne0,
                                   w->it->imatrix ? w->it->imatrix + mat * w->ne0 : NULL);
        qz_lock(w);
        if (r != LLML_OK && w->status == LLML_OK) { w->status = r; w->bad_row = row; }
        w->rows_done += nr;
        qz_unlock(w);
        if (tick) tick(tick_user);
    }
    free(buf);
}

#if QZ_POSIX
static void *qz_thread_main(void *p) {
    qz_work_loop((qz_work *)p, NULL, NULL);
    return NULL;
}
#endif

/* ---- progress ---------------------------------------------------------------- */

typedef struct qz_progress {
    int tty;
    int64_t n_items, i_item;
    uint64_t total_elems, done_elems;   /* over the whole model */
    const qz_item *cur;
    qz_work *work;                      /* the running tensor, for partial rows */
    double last_draw;
} qz_progress;

static double qz_now(void) {
#if QZ_POSIX
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

static void qz_bar(char *out, size_t cap, double frac) {
    const int width = 24;
    int i, full;
    if (frac < 0) frac = 0;
    if (frac > 1) frac = 1;
    full = (int)(frac * width + 0.5);
    if (cap < (size_t)width + 3) { if (cap) out[0] = 0; return; }
    out[0] = '[';
    for (i = 0; i < width; i++) out[1 + i] = i < full ? '#' : '.';
    out[1 + width] = ']';
    out[2 + width] = 0;
}

static void qz_draw(qz_progress *p, int final_line) {
    char bar[40], shape[48];
    const qz_item *it = p->cur;
    uint64_t done = p->done_elems;
    double frac;
    if (p->work) {
        int64_t rows;
        qz_lock(p->work);
        rows = p->work->rows_done;
        qz_unlock(p->work);
        done += (uint64_t)rows * (uint64_t)p->work->ne0;
    }
    frac = p->total_elems ? (double)done / (double)p->total_elems : 1.0;
    qz_bar(bar, sizeof bar, frac);
    if (it->t->ne[3] > 1)
        snprintf(shape, sizeof shape, "%lld x %lld x %lld x %lld", (long long)it->t->ne[0],
                 (long long)it->t->ne[1], (long long)it->t->ne[2], (long long)it->t->ne[3]);
    else if (it->t->ne[2] > 1)
        snprintf(shape, sizeof shape, "%lld x %lld x %lld", (long long)it->t->ne[0],
                 (long long)it->t->ne[1], (long long)it->t->ne[2]);
    else if (it->t->ne[1] > 1)
        snprintf(shape, sizeof shape, "%lld x %lld", (long long)it->t->ne[0], (long long)it->t->ne[1]);
    else
        snprintf(shape, sizeof shape, "%lld", (long long)it->t->ne[0]);
    if (p->tty) {
        fprintf(stderr, "\r[%4lld/%4lld] %-36.36s %-7s %s %3d%%", (long long)p->i_item + 1,
                (long long)p->n_items, it->t->name, qz_type_name(it->dst), bar, (int)(frac * 100));
        if (final_line) fputc('\n', stderr);
    } else {
        fprintf(stderr, "[%4lld/%4lld] %-36s %-7s -> %-7s %-18s %9.2f MiB -> %9.2f MiB %s %3d%%\n",
                (long long)p->i_item + 1, (long long)p->n_items, it->t->name,
                qz_type_name(it->t->type), qz_type_name(it->dst), shape,
                (double)it->t->size / 1048576.0, (double)it->out_size / 1048576.0, bar, (int)(frac * 100));
    }
    fflush(stderr);
}

static void qz_tick(void *user) {
    qz_progress *p = (qz_progress *)user;
    double now;
    if (!p->tty) return;
    now = qz_now();
    if (now - p->last_draw < 0.1) return;
    p->last_draw = now;
    qz_draw(p, 0);
}

/* ---- main ------------------------------------------------------------------- */

static void qz_usage(FILE *f) {
    int i;
    fprintf(f,
        "usage: llmlite-quantize IN.gguf OUT.gguf TYPE [--imatrix FILE] [--pure] [--threads N]\n"
        "  TYPE      a mix as named by the reference's llama-quantize (case-insensitive):\n"
        "           ");
    for (i = 0; i < llml_mix_count(); i++)
        fprintf(f, " %s%s", llml_mix_at(i)->name, (i % 12 == 11) ? "\n           " : "");
    fprintf(f,
        "\n"
        "            or, with --pure, any tensor format (q4_0, q8_0, iq2_xxs, tq1_0, f16, ...)\n"
        "  --imatrix FILE  importance matrix (legacy .dat or GGUF, from llama-imatrix);\n"
        "                  required by IQ1_*, IQ2_*, IQ3_XXS and Q2_K_S\n"
        "  --pure          give every quantizable 2-D weight the same format\n"
        "  --threads N     worker threads (default 2)\n");
}

static int qz_fail(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "llmlite-quantize: error: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 1;
}

static int qz_same_file(const char *a, const char *b) {
#if QZ_POSIX
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
#else
    return strcmp(a, b) == 0;
#endif
}

int main(int argc, char **argv) {
    const char *pos[3] = { NULL, NULL, NULL };
    const char *imatrix_path = NULL;
    int n_pos = 0, pure = 0, n_threads = 2, i, rc = 1;
    const llml_mix_info *mix = NULL;
    llml_type base = LLML_TYPE_F32;
    int ftype = 0;
    llml_gguf *g = NULL;
    llml_gguf_writer *w = NULL;
    llml_error gerr;
    llml_gguf_desc desc;
    llml_result r;
    imx_matrix im;
    int have_im = 0, writing = 0;
    llml_mix_desc md;
    llml_mix_choice *choice = NULL;
    llml_tensor_shape *shapes = NULL;
    int64_t n_fallback = 0;
    qz_item *items = NULL;
    int64_t n_tensors = 0, k;
    uint64_t in_bytes = 0, out_bytes = 0, n_elems = 0, conv_elems = 0;
    int64_t n_converted = 0;
    double t0 = qz_now();
    char label[32];
    qz_progress prog;
    uint8_t *outbuf = NULL, *inbuf = NULL;
    size_t outcap = 0, incap = 0;

    memset(&im, 0, sizeof im);
    memset(&prog, 0, sizeof prog);

    /* ---- arguments ---- */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { qz_usage(stdout); return 0; }
        if (strcmp(a, "--pure") == 0) { pure = 1; continue; }
        if (strncmp(a, "--imatrix", 9) == 0 || strncmp(a, "--threads", 9) == 0) {
            const char *val;
            if (a[9] == '=') {
                val = a + 10;                       /* --threads=4 */
            } else if (a[9] == 0) {
                if (i + 1 >= argc) { qz_usage(stderr); return qz_fail("%s needs a value%s", a, ""); }
                val = argv[++i];
            } else {
                qz_usage(stderr);
                return qz_fail("unknown option '%s'%s", a, "");
            }
            if (a[2] == 'i') {
                if (!*val) return qz_fail("--imatrix needs a file name%s%s", "", "");
                imatrix_path = val;
            } else {
                char *end;
                long v = strtol(val, &end, 10);
                if (*val == 0 || *end != 0 || v < 1 || v > 512)
                    return qz_fail("bad thread count '%s' (want 1..512)%s", val, "");
                n_threads = (int)v;
            }
            continue;
        }
        if (a[0] == '-' && a[1] == '-') { qz_usage(stderr); return qz_fail("unknown option '%s'%s", a, ""); }
        if (n_pos == 3) { qz_usage(stderr); return qz_fail("unexpected argument '%s'%s", a, ""); }
        pos[n_pos++] = a;
    }
    if (n_pos != 3) { qz_usage(stderr); return qz_fail("need IN.gguf OUT.gguf TYPE%s%s", "", ""); }

    /* ---- TYPE: a mix, or (with --pure, or when only a format matches) a format ---- */
    {
        llml_type t;
        int is_type = llml_type_from_name(pos[2], &t) == LLML_OK;
        mix = llml_mix_find(pos[2]);
        if (pure && is_type) mix = NULL;           /* --pure iq2_s means IQ2_S itself */
        if (mix) {
            base = mix->base;
            ftype = mix->ftype;
        } else if (is_type) {
            const llml_mix_info *m = llml_mix_for_type(t);
            if (!m)
                return qz_fail("type '%s' is not a weight format a GGUF model can hold%s", pos[2], "");
            base = t;
            ftype = m->ftype;
            pure = 1;
        } else {
            qz_usage(stderr);
            return qz_fail("unknown type '%s'%s", pos[2], "");
        }
        snprintf(label, sizeof label, "%s", mix ? mix->name : qz_type_name(base));
    }

    if (qz_same_file(pos[0], pos[1]))
        return qz_fail("input and output are the same file: '%s'%s", pos[0], "");

    /* ---- input ---- */
    /* header only: tensors are read one at a time, so memory holds about one
       input and one output tensor (a mapping would keep every page touched) */
    memset(&desc, 0, sizeof desc);
    desc.header_only = 1;
    r = llml_gguf_open_file(pos[0], &desc, &g, &gerr);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-quantize: error: cannot read '%s': %s%s%s\n", pos[0],
                llml_result_string(r), gerr.message[0] ? ": " : "", gerr.message);
        return 1;
    }
    n_tensors = llml_gguf_n_tensors(g);

    if (imatrix_path) {
        char emsg[600];
        if (!imx_load(imatrix_path, &im, emsg, sizeof emsg)) {
            fprintf(stderr, "llmlite-quantize: error: %s\n", emsg);
            goto done;
        }
        have_im = 1;
        fprintf(stderr, "imatrix: %lld entries from %s (%s format, %d chunks)\n", (long long)im.n_entries,
                imatrix_path, im.is_gguf ? "GGUF" : "legacy", (int)im.chunk_count);
    }

    /* ---- plan: the header's mix rules choose every tensor's format ---- */
    items = (qz_item *)calloc((size_t)(n_tensors > 0 ? n_tensors : 1), sizeof(qz_item));
    choice = (llml_mix_choice *)calloc((size_t)(n_tensors > 0 ? n_tensors : 1), sizeof(llml_mix_choice));
    shapes = (llml_tensor_shape *)calloc((size_t)(n_tensors > 0 ? n_tensors : 1), sizeof(llml_tensor_shape));
    if (!items || !choice || !shapes) { fprintf(stderr, "llmlite-quantize: error: out of memory\n"); goto done; }
    for (k = 0; k < n_tensors; k++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, k);
        items[k].index = k;
        items[k].t = t;
        shapes[k].name = t->name;
        shapes[k].type = t->type;
        shapes[k].n_dims = t->n_dims;
        memcpy(shapes[k].ne, t->ne, sizeof t->ne);
    }
    llml_mix_desc_from_gguf(g, (llml_ftype)ftype, &md);
    md.pure = pure;
    md.has_imatrix = have_im && im.n_entries > 0;
    {
        llml_error merr;
        memset(&merr, 0, sizeof merr);
        r = llml_mix_plan(&md, shapes, n_tensors, choice, &merr);
        if (r != LLML_OK) {
            fprintf(stderr, "llmlite-quantize: error: %s\n", merr.message[0] ? merr.message : llml_result_string(r));
            goto done;
        }
    }
    qsort(items, (size_t)n_tensors, sizeof(qz_item), qz_cmp_items);

    for (k = 0; k < n_tensors; k++) {
        qz_item *it = &items[k];
        const llml_gguf_tensor *t = it->t;
        const llml_mix_choice *c = &choice[it->index];
        llml_type dst = c->type;
        int64_t nrows = t->ne[1] * t->ne[2] * t->ne[3];
        if (c->type != c->wanted) {
            /* the row does not fit the rules' choice: say what was used */
            n_fallback++;
            fprintf(stderr, "warning: %-36s - ncols %6lld not divisible by %3d (required for type %7s) %s"
                    "-> falling back to %7s\n", t->name, (long long)t->ne[0], (int)qz_block(c->wanted),
                    qz_type_name(c->wanted),
                    c->type == LLML_TYPE_F16 && qz_block(c->wanted) == 256 ? "(WARNING: must use F16 due to unusual shape) " : "",
                    qz_type_name(c->type));
        }
        it->dst = dst;
        it->convert = dst != t->type;
        it->out_size = it->convert ? (uint64_t)llml_row_size(dst, t->ne[0]) * (uint64_t)nrows : t->size;
        n_elems += (uint64_t)(t->ne[0] * nrows);
        in_bytes += t->size;
        if (!it->convert) continue;
        if (t->type != LLML_TYPE_F32 && t->type != LLML_TYPE_F16 && t->type != LLML_TYPE_BF16) {
            fprintf(stderr, "llmlite-quantize: error: tensor %s is %s; only F32, F16 and BF16 tensors can be "
                    "quantized (requantizing is not supported)\n", t->name, qz_type_name(t->type));
            goto done;
        }
        if (it->out_size == 0) {
            fprintf(stderr, "llmlite-quantize: error: tensor %s: %lld columns do not fit %s\n", t->name,
                    (long long)t->ne[0], qz_type_name(dst));
            goto done;
        }
        conv_elems += (uint64_t)(t->ne[0] * nrows);
        if (have_im) {
            const imx_entry *e = imx_find(&im, t->name);
            if (!e) {
                fprintf(stderr, "imatrix: no entry for %s\n", t->name);
            } else if (e->n == t->ne[0] * t->ne[2]) {
                it->imatrix = e->values;
            } else if (qz_is_token_embd(t->name)) {
                fprintf(stderr, "imatrix: size %lld of %s does not match the tensor (%lld); ignored\n",
                        (long long)e->n, t->name, (long long)(t->ne[0] * t->ne[2]));
            } else {
                fprintf(stderr, "llmlite-quantize: error: imatrix size %lld is different from tensor size %lld "
                        "for %s\n", (long long)e->n, (long long)(t->ne[0] * t->ne[2]), t->name);
                goto done;
            }
        }
        if (!it->imatrix && c->needs_imatrix) {
            fprintf(stderr,
                "\n============================================================================\n"
                " llmlite-quantize: error: this quantization requires an importance matrix!\n"
                "   offending tensor: %s\n"
                "   target type:      %s\n"
                "   %s\n"
                "============================================================================\n\n",
                t->name, qz_type_name(dst),
                have_im ? "the imatrix file has no usable entry for it"
                        : "pass one with --imatrix FILE (made by llama-imatrix)");
            goto done;
        }
    }

    /* ---- output header ---- */
    if (llml_gguf_writer_create(NULL, &w) != LLML_OK) { fprintf(stderr, "llmlite-quantize: error: out of memory\n"); goto done; }
    {
        int64_t nkv = llml_gguf_n_kv(g), j;
        llml_result e = LLML_OK;
        for (j = 0; j < nkv && e == LLML_OK; j++) e = llml_gguf_writer_copy_kv(w, g, j);
        llml_gguf_writer_remove_key(w, "split.no");
        llml_gguf_writer_remove_key(w, "split.count");
        llml_gguf_writer_remove_key(w, "split.tensors.count");
        if (e == LLML_OK) e = llml_gguf_writer_set_u32(w, "general.quantization_version", 2);
        if (e == LLML_OK) e = llml_gguf_writer_set_u32(w, "general.file_type", (uint32_t)ftype);
        if (e == LLML_OK && md.has_imatrix) {
            e = llml_gguf_writer_set_str(w, "quantize.imatrix.file", imatrix_path);
            if (e == LLML_OK && im.dataset) e = llml_gguf_writer_set_str(w, "quantize.imatrix.dataset", im.dataset);
            if (e == LLML_OK) e = llml_gguf_writer_set_i32(w, "quantize.imatrix.entries_count", (int32_t)im.n_entries);
            if (e == LLML_OK && im.chunk_count > 0)
                e = llml_gguf_writer_set_i32(w, "quantize.imatrix.chunks_count", im.chunk_count);
        }
        for (j = 0; j < n_tensors && e == LLML_OK; j++) {
            const llml_gguf_tensor *t = items[j].t;
            e = llml_gguf_writer_add_tensor(w, t->name, items[j].dst, t->n_dims, t->ne, NULL, items[j].out_size);
        }
        if (e != LLML_OK) {
            fprintf(stderr, "llmlite-quantize: error: building the output header: %s\n", llml_result_string(e));
            goto done;
        }
    }
    r = llml_gguf_writer_begin_file(w, pos[1]);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-quantize: error: cannot write '%s': %s\n", pos[1], llml_result_string(r));
        goto done;
    }
    writing = 1;

    fprintf(stderr, "quantizing %s -> %s as %s%s (file type %d), %d thread%s\n", pos[0], pos[1], label,
            pure ? " (pure)" : "", ftype, n_threads, n_threads == 1 ? "" : "s");
    if (n_fallback)
        fprintf(stderr, "warning: %lld of %lld tensor(s) required fallback quantization\n",
                (long long)n_fallback, (long long)n_tensors);

    /* ---- tensors ---- */
#if QZ_POSIX
    prog.tty = isatty(fileno(stderr));
#endif
    prog.n_items = n_tensors;
    prog.total_elems = n_elems;
    for (k = 0; k < n_tensors; k++) {
        qz_item *it = &items[k];
        const llml_gguf_tensor *t = it->t;
        const uint8_t *src = (const uint8_t *)t->data;
        int64_t nrows = t->ne[1] * t->ne[2] * t->ne[3];
        prog.i_item = k;
        prog.cur = it;
        prog.work = NULL;
        if (!src && t->size > 0) {
            if (incap < t->size) {
                free(inbuf);
                inbuf = (uint8_t *)malloc((size_t)t->size);
                incap = inbuf ? (size_t)t->size : 0;
                if (!inbuf) { fprintf(stderr, "\nllmlite-quantize: error: out of memory\n"); goto done; }
            }
            r = llml_gguf_read_tensor(g, it->index, inbuf, incap);
            if (r != LLML_OK) {
                fprintf(stderr, "\nllmlite-quantize: error: reading %s: %s\n", t->name, llml_result_string(r));
                goto done;
            }
            src = inbuf;
        }
        if (prog.tty) qz_draw(&prog, 0);
        if (!it->convert) {
            r = llml_gguf_writer_write_data(w, src, t->size);
        } else {
            qz_work wk;
            int64_t rows_per_mat = t->ne[1], n_mats = t->ne[2] * t->ne[3], min_rows, even_rows;
            int n_use, j;
            if (outcap < it->out_size) {
                free(outbuf);
                outbuf = (uint8_t *)malloc((size_t)it->out_size);
                outcap = outbuf ? (size_t)it->out_size : 0;
                if (!outbuf) { fprintf(stderr, "\nllmlite-quantize: error: out of memory\n"); goto done; }
            }
            memset(&wk, 0, sizeof wk);
            wk.it = it;
            wk.src = src;
            wk.dst = outbuf;
            wk.ne0 = t->ne[0];
            wk.src_row = (size_t)(t->size / (uint64_t)(nrows > 0 ? nrows : 1));
            wk.dst_row = llml_row_size(it->dst, t->ne[0]);
            wk.rows_per_mat = rows_per_mat;
            /* chunks of at least 16 Ki weights, and few enough per tensor that
               the per-call setup of some quantizers stays cheap */
            min_rows = (16384 + wk.ne0 - 1) / wk.ne0;
            even_rows = (rows_per_mat + (int64_t)n_threads * 16 - 1) / ((int64_t)n_threads * 16);
            wk.rows_per_chunk = min_rows > even_rows ? min_rows : even_rows;
            if (wk.rows_per_chunk < 1) wk.rows_per_chunk = 1;
            wk.chunks_per_mat = (rows_per_mat + wk.rows_per_chunk - 1) / wk.rows_per_chunk;
            wk.n_chunks = wk.chunks_per_mat * n_mats;
            wk.status = LLML_OK;
            n_use = wk.n_chunks < n_threads ? (int)wk.n_chunks : n_threads;
            if (n_use < 1) n_use = 1;
            prog.work = &wk;
#if QZ_POSIX
            {
                pthread_t th[512];
                int started = 0;
                pthread_mutex_init(&wk.mu, NULL);
                for (j = 1; j < n_use; j++) {
                    if (pthread_create(&th[started], NULL, qz_thread_main, &wk) != 0) break;
                    started++;
                }
                qz_work_loop(&wk, qz_tick, &prog);
                for (j = 0; j < started; j++) pthread_join(th[j], NULL);
                pthread_mutex_destroy(&wk.mu);
            }
#else
            (void)j;
            qz_work_loop(&wk, qz_tick, &prog);
#endif
            prog.work = NULL;
            if (wk.status != LLML_OK) {
                fprintf(stderr, "\nllmlite-quantize: error: quantizing %s to %s (row %lld): %s\n", t->name,
                        qz_type_name(it->dst), (long long)wk.bad_row, llml_result_string(wk.status));
                goto done;
            }
            r = llml_gguf_writer_write_data(w, outbuf, it->out_size);
            n_converted++;
        }
        if (r != LLML_OK) {
            fprintf(stderr, "\nllmlite-quantize: error: writing '%s': %s\n", pos[1], llml_result_string(r));
            goto done;
        }
        out_bytes += it->out_size;
        prog.done_elems += (uint64_t)(t->ne[0] * nrows);
        if (!prog.tty || k + 1 == n_tensors) qz_draw(&prog, prog.tty && k + 1 == n_tensors);
    }
    if (n_tensors == 0 && prog.tty) fputc('\n', stderr);
    r = llml_gguf_writer_finish(w);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-quantize: error: finishing '%s': %s\n", pos[1], llml_result_string(r));
        goto done;
    }
    writing = 0;

    {
        double secs = qz_now() - t0;
        double nel = n_elems ? (double)n_elems : 1.0;
        printf("llmlite-quantize: %s -> %s as %s%s (file type %d)\n", pos[0], pos[1], label, pure ? " (pure)" : "", ftype);
        printf("  input : %10.2f MiB  %6.2f bits per weight\n", (double)in_bytes / 1048576.0, (double)in_bytes * 8.0 / nel);
        printf("  output: %10.2f MiB  %6.2f bits per weight\n", (double)out_bytes / 1048576.0, (double)out_bytes * 8.0 / nel);
        printf("  tensors: %lld (%lld converted, %lld copied, %lld fallback)\n", (long long)n_tensors,
               (long long)n_converted, (long long)(n_tensors - n_converted), (long long)n_fallback);
        printf("  time  : %.2f s with %d thread%s (%.1f M weights/s converted)\n", secs, n_threads,
               n_threads == 1 ? "" : "s", secs > 0 ? (double)conv_elems / secs / 1e6 : 0.0);
    }
    rc = 0;

done:
    if (w) llml_gguf_writer_free(w);
    if (writing) remove(pos[1]);   /* leave no half-written file behind */
    free(outbuf);
    free(inbuf);
    free(items);
    free(choice);
    free(shapes);
    imx_free(&im);
    llml_gguf_close(g);
    return rc;
}
