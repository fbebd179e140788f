/* Build: make build/llmlite-synth   (or: cc -std=c99 -O2 -I. tools/synth.c -o llmlite-synth -lm -lpthread)
   Run:   build/llmlite-synth OUT.gguf --preset llama-3.2-1b --type Q4_K_M [--vocab VOCAB.gguf]
   Writes a random-weight GGUF model of a real model's shape, for benchmarks and tests; -h lists the options. */

/* llmlite-synth writes a model that nobody trained: the architecture,
   shapes, metadata and tokenizer of a real model (or of explicit
   dimensions), with random weights scaled so that the forward pass stays
   well-behaved (matrices uniform with standard deviation 1/sqrt(fan-in),
   norms near 1, small biases). Its speed is the real model's speed, which
   is what benchmarks need; its text is gibberish.

   Tensors are named and laid out as the reference's converter writes them
   and the metadata keys are the ones the reference's loader reads, so the
   files load in llama.cpp as well as in llmlite. The formats are chosen by
   the reference quantizer's per-tensor rules for the mix given with --type
   (llml_mix_plan), or one format for every weight (a format name, or
   --pure). The file is streamed: weights are generated and quantized a
   slab of rows at a time by worker threads, so memory stays small whatever
   the model's size. The tokenizer (every tokenizer.* key) is copied from a
   vocabulary GGUF (--vocab), whose token count then sets the vocabulary
   size; without one a plain SentencePiece-style vocabulary is made up. */

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#if !defined(_WIN32)
#include <pthread.h>
#include <unistd.h>
#define SY_POSIX 1
#else
#define SY_POSIX 0
#endif

/* ---- shapes and presets ---------------------------------------------------- */

typedef struct sy_shape {
    char arch[16];
    int64_t n_vocab, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff;
    int64_t n_expert, n_expert_used, n_ff_exp, n_ff_shexp;
    int64_t n_ctx_train, sliding_window, n_rot;
    int tied;
    double norm_eps, rope_base, rope_base_swa, attn_softcap, final_softcap;
    double llama3_rope;   /* > 0: a rope_freqs tensor with Llama 3.1 scaling of this factor */
} sy_shape;

typedef struct sy_preset {
    const char *name;
    sy_shape s;
} sy_preset;

/* From the models' published configurations (config.json). */
static const sy_preset sy_presets[] = {
    /*                    arch      vocab   embd   L   H  KV   hd    ff  X  Xu fX fS  ctx     swa  rot tied eps    base     bswa  capA capF  l3 */
    { "llama-3.2-1b",   { "llama",  128256, 2048, 16, 32,  8,  64,  8192, 0, 0, 0, 0, 131072,    0, 0, 1, 1e-5, 500000.0, 0, 0, 0, 32.0 } },
    { "llama-3.2-3b",   { "llama",  128256, 3072, 28, 24,  8, 128,  8192, 0, 0, 0, 0, 131072,    0, 0, 1, 1e-5, 500000.0, 0, 0, 0, 32.0 } },
    { "llama-3.1-8b",   { "llama",  128256, 4096, 32, 32,  8, 128, 14336, 0, 0, 0, 0, 131072,    0, 0, 0, 1e-5, 500000.0, 0, 0, 0,  8.0 } },
    { "qwen2.5-0.5b",   { "qwen2",  151936,  896, 24, 14,  2,  64,  4864, 0, 0, 0, 0,  32768,    0, 0, 1, 1e-6, 1000000.0, 0, 0, 0, 0 } },
    { "qwen2.5-7b",     { "qwen2",  152064, 3584, 28, 28,  4, 128, 18944, 0, 0, 0, 0,  32768,    0, 0, 0, 1e-6, 1000000.0, 0, 0, 0, 0 } },
    { "gemma-2-2b",     { "gemma2", 256000, 2304, 26,  8,  4, 256,  9216, 0, 0, 0, 0,   8192, 4096, 0, 1, 1e-6, 10000.0, 0, 50.0, 30.0, 0 } },
    { "phi-3-mini",     { "phi3",    32064, 3072, 32, 32, 32,  96,  8192, 0, 0, 0, 0,   4096, 2047, 0, 0, 1e-5, 10000.0, 0, 0, 0, 0 } },
    { "mixtral-8x7b",   { "llama",   32000, 4096, 32, 32,  8, 128, 14336, 8, 2, 0, 0,  32768,    0, 0, 0, 1e-5, 1000000.0, 0, 0, 0, 0 } }
};
#define SY_N_PRESETS ((int)(sizeof sy_presets / sizeof sy_presets[0]))

static const char *const sy_archs[] = { "llama", "qwen2", "qwen2moe", "qwen3", "gemma", "gemma2", "gemma3", "phi3" };
#define SY_N_ARCHS ((int)(sizeof sy_archs / sizeof sy_archs[0]))

/* Case-insensitive match ignoring '-', '_', '.' and ':' ("llama3.2-1B" = "llama-3.2-1b"). */
static int sy_name_eq(const char *a, const char *b) {
    for (;;) {
        char x, y;
        while (*a == '-' || *a == '_' || *a == '.' || *a == ':') a++;
        while (*b == '-' || *b == '_' || *b == '.' || *b == ':') b++;
        x = *a; y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
        if (!x) return 1;
        a++; b++;
    }
}

/* ---- the tensor list ------------------------------------------------------- */

enum { SY_MAT, SY_EMBD, SY_NORM, SY_BIAS, SY_ROPE };

typedef struct sy_tensor {
    char name[64];
    uint32_t n_dims;
    int64_t ne[4];
    int kind;
    float std_dev;       /* matrices and biases */
    llml_type type;      /* chosen format */
    uint64_t size;       /* bytes */
} sy_tensor;

typedef struct sy_list {
    sy_tensor *t;
    int64_t n, cap;
} sy_list;

static int sy_add(sy_list *l, const char *name, int64_t il, int kind, int64_t ne0, int64_t ne1, int64_t ne2) {
    sy_tensor *t;
    if (l->n == l->cap) {
        int64_t nc = l->cap ? l->cap * 2 : 64;
        sy_tensor *p = (sy_tensor *)realloc(l->t, (size_t)nc * sizeof *p);
        if (!p) return 0;
        l->t = p;
        l->cap = nc;
    }
    t = &l->t[l->n++];
    memset(t, 0, sizeof *t);
    if (il >= 0) snprintf(t->name, sizeof t->name, "blk.%lld.%s", (long long)il, name);
    else snprintf(t->name, sizeof t->name, "%s", name);
    t->ne[0] = ne0; t->ne[1] = ne1; t->ne[2] = ne2; t->ne[3] = 1;
    t->n_dims = ne2 > 1 ? 3u : (ne1 > 1 ? 2u : 1u);
    t->kind = kind;
    t->std_dev = kind == SY_MAT ? (float)(1.0 / sqrt((double)ne0))
               : kind == SY_EMBD ? (float)(1.0 / sqrt((double)ne0))
               : kind == SY_BIAS ? 0.02f : 0.0f;
    t->type = LLML_TYPE_F32;
    return 1;
}

/* The tensors of shape s in the reference converter's order. */
static int sy_layout(const sy_shape *s, sy_list *l) {
    const char *a = s->arch;
    const int64_t E = s->n_embd, hd = s->head_dim, nq = s->n_head * hd, nkv = s->n_head_kv * hd;
    const int is_qwen2 = strcmp(a, "qwen2") == 0 || strcmp(a, "qwen2moe") == 0;
    const int qk_norm = strcmp(a, "qwen3") == 0 || strcmp(a, "gemma3") == 0;
    const int post_norms = strcmp(a, "gemma2") == 0 || strcmp(a, "gemma3") == 0;
    const int is_phi3 = strcmp(a, "phi3") == 0;
    int64_t il;
    int ok = 1;
    ok &= sy_add(l, "token_embd.weight", -1, SY_EMBD, E, s->n_vocab, 1);
    ok &= sy_add(l, "output_norm.weight", -1, SY_NORM, E, 1, 1);
    if (!s->tied) ok &= sy_add(l, "output.weight", -1, SY_MAT, E, s->n_vocab, 1);
    if (s->llama3_rope > 0) ok &= sy_add(l, "rope_freqs.weight", -1, SY_ROPE, s->n_rot / 2, 1, 1);
    for (il = 0; il < s->n_layer && ok; il++) {
        ok &= sy_add(l, "attn_norm.weight", il, SY_NORM, E, 1, 1);
        if (is_phi3) {
            ok &= sy_add(l, "attn_qkv.weight", il, SY_MAT, E, nq + 2 * nkv, 1);
        } else {
            ok &= sy_add(l, "attn_q.weight", il, SY_MAT, E, nq, 1);
            ok &= sy_add(l, "attn_k.weight", il, SY_MAT, E, nkv, 1);
            ok &= sy_add(l, "attn_v.weight", il, SY_MAT, E, nkv, 1);
        }
        if (is_qwen2) {
            ok &= sy_add(l, "attn_q.bias", il, SY_BIAS, nq, 1, 1);
            ok &= sy_add(l, "attn_k.bias", il, SY_BIAS, nkv, 1, 1);
            ok &= sy_add(l, "attn_v.bias", il, SY_BIAS, nkv, 1, 1);
        }
        if (qk_norm) {
            ok &= sy_add(l, "attn_q_norm.weight", il, SY_NORM, hd, 1, 1);
            ok &= sy_add(l, "attn_k_norm.weight", il, SY_NORM, hd, 1, 1);
        }
        ok &= sy_add(l, "attn_output.weight", il, SY_MAT, nq, E, 1);
        if (post_norms) ok &= sy_add(l, "post_attention_norm.weight", il, SY_NORM, E, 1, 1);
        ok &= sy_add(l, "ffn_norm.weight", il, SY_NORM, E, 1, 1);
        if (s->n_expert > 1) {
            const int64_t F = s->n_ff_exp, X = s->n_expert;
            ok &= sy_add(l, "ffn_gate_inp.weight", il, SY_MAT, E, X, 1);
            ok &= sy_add(l, "ffn_gate_exps.weight", il, SY_MAT, E, F, X);
            ok &= sy_add(l, "ffn_up_exps.weight", il, SY_MAT, E, F, X);
            ok &= sy_add(l, "ffn_down_exps.weight", il, SY_MAT, F, E, X);
            if (s->n_ff_shexp > 0) {
                ok &= sy_add(l, "ffn_gate_inp_shexp.weight", il, SY_MAT, E, 1, 1);
                ok &= sy_add(l, "ffn_gate_shexp.weight", il, SY_MAT, E, s->n_ff_shexp, 1);
                ok &= sy_add(l, "ffn_up_shexp.weight", il, SY_MAT, E, s->n_ff_shexp, 1);
                ok &= sy_add(l, "ffn_down_shexp.weight", il, SY_MAT, s->n_ff_shexp, E, 1);
            }
        } else if (is_phi3) {
            ok &= sy_add(l, "ffn_up.weight", il, SY_MAT, E, 2 * s->n_ff, 1);
            ok &= sy_add(l, "ffn_down.weight", il, SY_MAT, s->n_ff, E, 1);
        } else {
            ok &= sy_add(l, "ffn_gate.weight", il, SY_MAT, E, s->n_ff, 1);
            ok &= sy_add(l, "ffn_up.weight", il, SY_MAT, E, s->n_ff, 1);
            ok &= sy_add(l, "ffn_down.weight", il, SY_MAT, s->n_ff, E, 1);
        }
        if (post_norms) ok &= sy_add(l, "post_ffw_norm.weight", il, SY_NORM, E, 1, 1);
    }
    return ok;
}

/* ---- random numbers -------------------------------------------------------- */

/* splitmix64: each row gets its own stream from (seed, tensor, row), so the
   file does not depend on the thread count. */
static uint64_t sy_mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Llama 3.1's RoPE scaling as per-pair frequency divisors: high
   frequencies (short wavelengths) keep theirs, low ones are divided by the
   factor, and a smooth ramp joins the two. Original context 8192, low and
   high frequency factors 1 and 4, as in the published configurations. */
static float sy_llama3_factor(const sy_shape *s, int64_t i) {
    const double pi = 3.14159265358979323846;
    const double orig = 8192.0, lo = 1.0, hi = 4.0;
    const double freq = pow(s->rope_base, -2.0 * (double)i / (double)s->n_rot);
    const double wavelen = 2.0 * pi / freq;
    if (wavelen < orig / hi) return 1.0f;
    if (wavelen > orig / lo) return (float)s->llama3_rope;
    {
        const double smooth = (orig / wavelen - lo) / (hi - lo);
        return (float)(1.0 / ((1.0 - smooth) / s->llama3_rope + smooth));
    }
}

/* Row r (of ne[1] * ne[2]) of tensor t into dst (ne[0] floats). */
static void sy_fill_row(const sy_shape *s, const sy_tensor *t, uint64_t seed, int64_t ti, int64_t r, float *dst) {
    const int64_t n = t->ne[0];
    uint64_t st = sy_mix(seed ^ sy_mix((uint64_t)ti * 0x100000001B3ull + 1u) ^ sy_mix((uint64_t)r + 0x5851F42D4C957F2Dull));
    int64_t j;
    if (t->kind == SY_ROPE) {
        for (j = 0; j < n; j++) dst[j] = sy_llama3_factor(s, j);
        return;
    }
    {
        /* uniform on [-a, a] has standard deviation a / sqrt(3) */
        const float a = t->kind == SY_NORM ? 0.05f : t->std_dev * 1.7320508f;
        const float base = t->kind == SY_NORM ? 1.0f : 0.0f;
        const float k = a * (2.0f / 16777216.0f);
        for (j = 0; j + 1 < n; j += 2) {
            uint64_t x;
            st += 0x9E3779B97F4A7C15ull;
            x = st;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
            x ^= x >> 31;
            dst[j] = base + (float)(uint32_t)(x >> 40) * k - a;
            dst[j + 1] = base + (float)(uint32_t)((x >> 8) & 0xFFFFFFu) * k - a;
        }
        if (j < n) dst[j] = base + (float)(uint32_t)(sy_mix(st) >> 40) * k - a;
    }
}

/* ---- workers --------------------------------------------------------------- */

typedef struct sy_work {
    const sy_shape *s;
    const sy_tensor *t;
    int64_t ti;
    uint64_t seed;
    int64_t row0, n_rows, chunk_rows;   /* the slab */
    uint8_t *out;                       /* the slab's output bytes */
    size_t out_row;
    int64_t next_chunk, n_chunks;       /* under mu */
    int64_t rows_done;                  /* under mu */
    llml_result status;                 /* under mu */
#if SY_POSIX
    pthread_mutex_t mu;
#endif
} sy_work;

static void sy_lock(sy_work *w) {
#if SY_POSIX
    pthread_mutex_lock(&w->mu);
#else
    (void)w;
#endif
}
static void sy_unlock(sy_work *w) {
#if SY_POSIX
    pthread_mutex_unlock(&w->mu);
#else
    (void)w;
#endif
}

static void sy_work_loop(sy_work *w, void (*tick)(void *), void *tick_user) {
    const int64_t ne0 = w->t->ne[0];
    float *buf = (float *)malloc((size_t)(w->chunk_rows * ne0) * sizeof(float));
    for (;;) {
        int64_t c, r0, nr, k;
        llml_result r = LLML_OK;
        sy_lock(w);
        if (!buf && w->status == LLML_OK) w->status = LLML_ERR_OUT_OF_MEMORY;
        c = w->status == LLML_OK ? w->next_chunk++ : w->n_chunks;
        sy_unlock(w);
        if (c >= w->n_chunks) break;
        r0 = c * w->chunk_rows;
        nr = w->n_rows - r0 < w->chunk_rows ? w->n_rows - r0 : w->chunk_rows;
        for (k = 0; k < nr; k++) sy_fill_row(w->s, w->t, w->seed, w->ti, w->row0 + r0 + k, buf + k * ne0);
        if (w->t->type == LLML_TYPE_F32)
            memcpy(w->out + (size_t)r0 * w->out_row, buf, (size_t)(nr * ne0) * sizeof(float));
        else
            r = llml_quantize_rows(w->t->type, buf, w->out + (size_t)r0 * w->out_row, nr, ne0, NULL);
        sy_lock(w);
        if (r != LLML_OK && w->status == LLML_OK) w->status = r;
        w->rows_done += nr;
        sy_unlock(w);
        if (tick) tick(tick_user);
    }
    free(buf);
}

#if SY_POSIX
static void *sy_thread_main(void *p) {
    sy_work_loop((sy_work *)p, NULL, NULL);
    return NULL;
}
#endif

/* ---- progress -------------------------------------------------------------- */

static double sy_now(void) {
#if SY_POSIX
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

typedef struct sy_progress {
    int tty, quiet, last_decile;
    uint64_t total, done;      /* elements */
    const sy_tensor *cur;
    int64_t i_cur, n_tensors;
    sy_work *work;
    double t0, last_draw;
} sy_progress;

static const char *sy_type_name(llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    return ti ? ti->name : "?";
}

static void sy_draw(sy_progress *p, int final_line) {
    uint64_t done = p->done;
    double frac, el;
    char bar[32];
    int i, full;
    if (p->quiet) return;
    if (p->work) {
        int64_t rows;
        sy_lock(p->work);
        rows = p->work->rows_done;
        sy_unlock(p->work);
        done += (uint64_t)rows * (uint64_t)p->work->t->ne[0];
    }
    frac = p->total ? (double)done / (double)p->total : 1.0;
    if (frac > 1.0) frac = 1.0;
    el = sy_now() - p->t0;
    full = (int)(frac * 24 + 0.5);
    for (i = 0; i < 24; i++) bar[i] = i < full ? '#' : '.';
    bar[24] = 0;
    if (p->tty) {
        fprintf(stderr, "\rsynth [%s] %3d%% %6.1f s  [%4lld/%4lld] %-32.32s %-7s", bar, (int)(frac * 100), el,
                (long long)p->i_cur + 1, (long long)p->n_tensors, p->cur ? p->cur->name : "",
                p->cur ? sy_type_name(p->cur->type) : "");
        if (final_line) fputc('\n', stderr);
    } else {
        int dec = (int)(frac * 10);
        if (dec <= p->last_decile && !final_line) return;
        p->last_decile = dec;
        fprintf(stderr, "synth [%s] %3d%% %6.1f s\n", bar, (int)(frac * 100), el);
    }
    fflush(stderr);
}

static void sy_tick(void *user) {
    sy_progress *p = (sy_progress *)user;
    double now = sy_now();
    if (p->tty && now - p->last_draw < 0.1) return;
    p->last_draw = now;
    sy_draw(p, 0);
}

/* ---- a made-up vocabulary --------------------------------------------------- */

/* A SentencePiece-style ("llama") vocabulary of n tokens: <unk>, <s>, </s>,
   <|endoftext|> (which the reference's loader looks up in models named
   phi-3), the 256 byte tokens (as many as fit), then pieces "\u2581t<i>". */
static llml_result sy_fake_vocab(llml_gguf_writer *w, int64_t n) {
    static const char *const special[] = { "<unk>", "<s>", "</s>", "<|endoftext|>" };
    const int64_t n_sp = 4, first_piece = n_sp + 256;
    char **strs = (char **)calloc((size_t)n, sizeof(char *));
    float *scores = (float *)malloc((size_t)n * sizeof(float));
    int32_t *types = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    llml_result r = LLML_ERR_OUT_OF_MEMORY;
    int64_t i;
    if (!strs || !scores || !types) goto out;
    for (i = 0; i < n; i++) {
        char buf[32];
        if (i < n_sp) snprintf(buf, sizeof buf, "%s", special[i]);
        else if (i < first_piece) snprintf(buf, sizeof buf, "<0x%02X>", (unsigned)(i - n_sp));
        else snprintf(buf, sizeof buf, "\xe2\x96\x81t%lld", (long long)(i - first_piece));
        strs[i] = (char *)malloc(strlen(buf) + 1);
        if (!strs[i]) goto out;
        memcpy(strs[i], buf, strlen(buf) + 1);
        /* token types: 1 normal, 2 unknown, 3 control, 6 byte */
        types[i] = i == 0 ? 2 : i < n_sp ? 3 : i < first_piece ? 6 : 1;
        scores[i] = i < first_piece ? 0.0f : -(float)(i - first_piece);
    }
    r = llml_gguf_writer_set_str(w, "tokenizer.ggml.model", "llama");
    if (r == LLML_OK) r = llml_gguf_writer_set_str(w, "tokenizer.ggml.pre", "default");
    if (r == LLML_OK) r = llml_gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)strs, NULL, (uint64_t)n);
    if (r == LLML_OK) r = llml_gguf_writer_set_arr(w, "tokenizer.ggml.scores", LLML_GGUF_FLOAT32, scores, (uint64_t)n);
    if (r == LLML_OK) r = llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, types, (uint64_t)n);
    if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 1);
    if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", 2);
    if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", 0);
out:
    if (strs)
        for (i = 0; i < n; i++) free(strs[i]);
    free(strs);
    free(scores);
    free(types);
    return r;
}

/* ---- main ------------------------------------------------------------------- */

static void sy_usage(FILE *f) {
    int i;
    fprintf(f,
        "usage: llmlite-synth OUT.gguf (--preset NAME | --arch ARCH --n-embd N --n-layer N --n-head N --n-ff N)\n"
        "                     [--type TYPE] [--pure] [--vocab FILE.gguf] [--seed N] [--layers N] [options]\n"
        "Writes a GGUF model with random weights: a real model's architecture, shapes,\n"
        "metadata and (with --vocab) tokenizer, for benchmarks and tests.\n"
        "  --preset NAME      ");
    for (i = 0; i < SY_N_PRESETS; i++) fprintf(f, "%s%s", sy_presets[i].name, i + 1 < SY_N_PRESETS ? ", " : "\n");
    fprintf(f,
        "  --type TYPE        a mix as the reference's llama-quantize names it (Q4_K_M, Q4_0,\n"
        "                     Q8_0, IQ4_XS, F16, ...: its per-tensor rules choose each weight's\n"
        "                     format), or with --pure any tensor format (q4_K, iq2_xxs, ...).\n"
        "                     Default F16.\n"
        "  --pure             every quantizable weight gets the one format\n"
        "  --vocab FILE.gguf  copy the tokenizer (all tokenizer.* keys) from FILE; its token\n"
        "                     count is the vocabulary size. Default: a made-up SentencePiece-style\n"
        "                     vocabulary of the preset's (or --n-vocab) size\n"
        "  --seed N           random seed (default 1); the file depends only on the options\n"
        "  --layers N         number of layers (same as --n-layer; overrides the preset)\n"
        "  --threads N        worker threads (default: the number of CPUs)\n"
        "  --name TEXT        general.name (default \"synth <preset or arch>\")\n"
        "  --dry-run          print the tensor table and sizes, write nothing\n"
        "  -q, --quiet        no progress on stderr\n"
        "shape options (override the preset's values):\n"
        "  --arch A           ");
    for (i = 0; i < SY_N_ARCHS; i++) fprintf(f, "%s%s", sy_archs[i], i + 1 < SY_N_ARCHS ? ", " : "\n");
    fprintf(f,
        "  --n-embd N  --n-layer N  --n-head N  --n-head-kv N  --head-dim N  --n-ff N\n"
        "  --n-vocab N  --n-expert N  --n-expert-used N  --n-ff-exp N  --n-ff-shexp N\n"
        "  --n-ctx-train N  --sliding-window N  --tied | --untied\n"
        "Without --head-dim, a changed --n-embd or --n-head gives head_dim = n_embd / n_head.\n");
}

static int sy_fail(const char *msg, const char *arg) {
    fprintf(stderr, "llmlite-synth: error: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return 1;
}

static int sy_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    char *end;
    long long v;
    if (!s || !*s) return 0;
    v = strtoll(s, &end, 10);
    if (*end || v < lo || v > hi) return 0;
    *out = (int64_t)v;
    return 1;
}

static int sy_ncpu(void) {
#if SY_POSIX && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
#else
    return 1;
#endif
}

/* The file's arch-specific keys. */
static llml_result sy_set_hparams(llml_gguf_writer *w, const sy_shape *s) {
    char key[96];
    llml_result r = LLML_OK;
#define SY_U32(suffix, v) do { if (r == LLML_OK) { snprintf(key, sizeof key, "%s.%s", s->arch, suffix); \
        r = llml_gguf_writer_set_u32(w, key, (uint32_t)(v)); } } while (0)
#define SY_F32(suffix, v) do { if (r == LLML_OK) { snprintf(key, sizeof key, "%s.%s", s->arch, suffix); \
        r = llml_gguf_writer_set_f32(w, key, (float)(v)); } } while (0)
    SY_U32("context_length", s->n_ctx_train);
    SY_U32("embedding_length", s->n_embd);
    SY_U32("block_count", s->n_layer);
    SY_U32("feed_forward_length", s->n_ff);
    SY_U32("attention.head_count", s->n_head);
    SY_U32("attention.head_count_kv", s->n_head_kv);
    SY_F32("attention.layer_norm_rms_epsilon", s->norm_eps);
    SY_F32("rope.freq_base", s->rope_base);
    if (s->rope_base_swa > 0) SY_F32("rope.freq_base_swa", s->rope_base_swa);
    SY_U32("attention.key_length", s->head_dim);
    SY_U32("attention.value_length", s->head_dim);
    SY_U32("rope.dimension_count", s->n_rot);
    SY_U32("vocab_size", s->n_vocab);
    if (s->n_expert > 1) {
        SY_U32("expert_count", s->n_expert);
        SY_U32("expert_used_count", s->n_expert_used);
        if (strcmp(s->arch, "qwen2moe") == 0) {
            SY_U32("expert_feed_forward_length", s->n_ff_exp);
            SY_U32("expert_shared_feed_forward_length", s->n_ff_shexp);
        }
    }
    if (s->sliding_window > 0) SY_U32("attention.sliding_window", s->sliding_window);
    if (s->attn_softcap > 0) SY_F32("attn_logit_softcapping", s->attn_softcap);
    if (s->final_softcap > 0) SY_F32("final_logit_softcapping", s->final_softcap);
#undef SY_U32
#undef SY_F32
    return r;
}

static void sy_shape_str(const sy_tensor *t, char *buf, size_t cap) {
    if (t->n_dims == 3)
        snprintf(buf, cap, "%lld x %lld x %lld", (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2]);
    else if (t->n_dims == 2)
        snprintf(buf, cap, "%lld x %lld", (long long)t->ne[0], (long long)t->ne[1]);
    else
        snprintf(buf, cap, "%lld", (long long)t->ne[0]);
}

int main(int argc, char **argv) {
    const char *out_path = NULL, *preset = NULL, *arch = NULL, *type_name = "F16", *vocab_path = NULL, *name = NULL;
    int64_t ov[16];            /* shape overrides, -1: not given */
    enum { O_EMBD, O_LAYER, O_HEAD, O_HEAD_KV, O_HEAD_DIM, O_FF, O_VOCAB, O_EXPERT, O_EXPERT_USED,
           O_FF_EXP, O_FF_SHEXP, O_CTX, O_SWA, O_TIED, O_N };
    int64_t seed = 1, n_threads = 0;
    int pure = 0, dry_run = 0, quiet = 0, i, rc = 1;
    sy_shape s;
    sy_list list;
    llml_gguf *vg = NULL;
    llml_gguf_writer *w = NULL;
    llml_error err;
    llml_result r;
    const llml_mix_info *mix = NULL;
    llml_type base = LLML_TYPE_F16;
    int ftype = LLML_FTYPE_F16, any_quant = 0;
    uint64_t n_params = 0, data_bytes = 0;
    char *tmp_path = NULL;
    uint8_t *slab = NULL;
    size_t slab_cap = 0;
    sy_progress prog;
    int64_t k;

    memset(&list, 0, sizeof list);
    memset(&prog, 0, sizeof prog);
    for (i = 0; i < O_N; i++) ov[i] = -1;

    /* ---- arguments ---- */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const struct { const char *opt; int idx; int64_t lo, hi; } ints[] = {
            { "--n-embd", O_EMBD, 1, 1 << 20 }, { "--n-layer", O_LAYER, 1, 10000 },
            { "--layers", O_LAYER, 1, 10000 }, { "--n-head", O_HEAD, 1, 1 << 16 },
            { "--n-head-kv", O_HEAD_KV, 1, 1 << 16 }, { "--head-dim", O_HEAD_DIM, 2, 1 << 16 },
            { "--n-ff", O_FF, 1, 1 << 22 }, { "--n-vocab", O_VOCAB, 4, 1 << 24 },
            { "--n-expert", O_EXPERT, 0, 1024 }, { "--n-expert-used", O_EXPERT_USED, 0, 1024 },
            { "--n-ff-exp", O_FF_EXP, 1, 1 << 22 }, { "--n-ff-shexp", O_FF_SHEXP, 0, 1 << 22 },
            { "--n-ctx-train", O_CTX, 1, (int64_t)1 << 30 }, { "--sliding-window", O_SWA, 0, (int64_t)1 << 30 }
        };
        size_t j;
        int done = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { sy_usage(stdout); return 0; }
        if (strcmp(a, "--pure") == 0) { pure = 1; continue; }
        if (strcmp(a, "--dry-run") == 0) { dry_run = 1; continue; }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { quiet = 1; continue; }
        if (strcmp(a, "--tied") == 0) { ov[O_TIED] = 1; continue; }
        if (strcmp(a, "--untied") == 0) { ov[O_TIED] = 0; continue; }
        for (j = 0; j < sizeof ints / sizeof ints[0]; j++) {
            if (strcmp(a, ints[j].opt) == 0) {
                if (i + 1 >= argc || !sy_parse_int(argv[i + 1], ints[j].lo, ints[j].hi, &ov[ints[j].idx]))
                    return sy_fail("bad or missing value for", a);
                i++;
                done = 1;
                break;
            }
        }
        if (done) continue;
        if (strcmp(a, "--preset") == 0 || strcmp(a, "--type") == 0 || strcmp(a, "--vocab") == 0 ||
            strcmp(a, "--arch") == 0 || strcmp(a, "--name") == 0 || strcmp(a, "--seed") == 0 ||
            strcmp(a, "--threads") == 0) {
            const char *v;
            if (i + 1 >= argc) return sy_fail("missing value for", a);
            v = argv[++i];
            if (a[2] == 'p') preset = v;
            else if (a[2] == 'v') vocab_path = v;
            else if (a[2] == 'a') arch = v;
            else if (a[2] == 'n') name = v;
            else if (a[3] == 'y') type_name = v;
            else if (a[3] == 'e') { if (!sy_parse_int(v, 0, INT64_MAX, &seed)) return sy_fail("bad seed", v); }
            else if (!sy_parse_int(v, 1, 512, &n_threads)) return sy_fail("bad thread count", v);
            continue;
        }
        if (a[0] == '-' && a[1]) { sy_usage(stderr); return sy_fail("unknown option", a); }
        if (out_path) { sy_usage(stderr); return sy_fail("unexpected argument", a); }
        out_path = a;
    }
    if (!out_path && !dry_run) { sy_usage(stderr); return sy_fail("no output file given", NULL); }

    /* ---- the shape: a preset, then the overrides ---- */
    memset(&s, 0, sizeof s);
    if (preset) {
        for (i = 0; i < SY_N_PRESETS; i++)
            if (sy_name_eq(preset, sy_presets[i].name)) break;
        if (i == SY_N_PRESETS) { sy_usage(stderr); return sy_fail("unknown preset", preset); }
        s = sy_presets[i].s;
        if (arch && strcmp(arch, s.arch) != 0) return sy_fail("--arch differs from the preset's architecture", arch);
    } else {
        if (!arch) { sy_usage(stderr); return sy_fail("give --preset or --arch with the shape options", NULL); }
        if (ov[O_EMBD] < 0 || ov[O_LAYER] < 0 || ov[O_HEAD] < 0 || ov[O_FF] < 0)
            return sy_fail("--arch needs --n-embd, --n-layer, --n-head and --n-ff", NULL);
        for (i = 0; i < SY_N_ARCHS; i++)
            if (strcmp(arch, sy_archs[i]) == 0) break;
        if (i == SY_N_ARCHS) return sy_fail("unsupported architecture (see --help)", arch);
        snprintf(s.arch, sizeof s.arch, "%s", arch);
        s.n_vocab = 32000;
        s.n_ctx_train = 4096;
        s.norm_eps = strncmp(arch, "gemma", 5) == 0 || strncmp(arch, "qwen", 4) == 0 ? 1e-6 : 1e-5;
        s.rope_base = strcmp(arch, "gemma3") == 0 || strncmp(arch, "qwen", 4) == 0 ? 1e6 : 1e4;
        s.tied = strncmp(arch, "gemma", 5) == 0;
        if (strcmp(arch, "gemma2") == 0) { s.sliding_window = 4096; s.attn_softcap = 50; s.final_softcap = 30; }
        if (strcmp(arch, "gemma3") == 0) { s.sliding_window = 512; s.rope_base_swa = 1e4; }
    }
    if (ov[O_EMBD] >= 0 || ov[O_HEAD] >= 0) {
        if (ov[O_EMBD] >= 0) s.n_embd = ov[O_EMBD];
        if (ov[O_HEAD] >= 0) s.n_head = ov[O_HEAD];
        s.head_dim = s.n_embd / s.n_head;
    }
    if (ov[O_HEAD_DIM] >= 0) s.head_dim = ov[O_HEAD_DIM];
    if (ov[O_LAYER] >= 0) s.n_layer = ov[O_LAYER];
    if (ov[O_HEAD_KV] >= 0) s.n_head_kv = ov[O_HEAD_KV];
    else if (!preset) s.n_head_kv = s.n_head;
    if (preset && ov[O_HEAD] >= 0 && ov[O_HEAD_KV] < 0 && s.n_head % s.n_head_kv != 0) s.n_head_kv = s.n_head;
    if (ov[O_FF] >= 0) s.n_ff = ov[O_FF];
    if (ov[O_VOCAB] >= 0) s.n_vocab = ov[O_VOCAB];
    if (ov[O_EXPERT] >= 0) s.n_expert = ov[O_EXPERT];
    if (ov[O_EXPERT_USED] >= 0) s.n_expert_used = ov[O_EXPERT_USED];
    if (ov[O_FF_EXP] >= 0) s.n_ff_exp = ov[O_FF_EXP];
    if (ov[O_FF_SHEXP] >= 0) s.n_ff_shexp = ov[O_FF_SHEXP];
    if (ov[O_CTX] >= 0) s.n_ctx_train = ov[O_CTX];
    if (ov[O_SWA] >= 0) s.sliding_window = ov[O_SWA];
    if (ov[O_TIED] >= 0) s.tied = (int)ov[O_TIED];
    if (s.n_expert > 1 && s.n_ff_exp <= 0) s.n_ff_exp = s.n_ff;
    if (s.n_expert > 1 && s.n_expert_used <= 0) s.n_expert_used = 2 < s.n_expert ? 2 : s.n_expert;
    if (strcmp(s.arch, "qwen2moe") == 0 && s.n_expert > 1 && ov[O_FF_SHEXP] < 0) s.n_ff_shexp = 4 * s.n_ff_exp;
    s.n_rot = s.head_dim;

    /* the tokenizer: its size is the vocabulary's */
    if (vocab_path) {
        llml_gguf_desc gd;
        int64_t ti;
        memset(&gd, 0, sizeof gd);
        gd.header_only = 1;
        r = llml_gguf_open_file(vocab_path, &gd, &vg, &err);
        if (r != LLML_OK) {
            fprintf(stderr, "llmlite-synth: error: cannot read vocabulary '%s': %s%s%s\n", vocab_path,
                    llml_result_string(r), err.message[0] ? ": " : "", err.message);
            return 1;
        }
        ti = llml_gguf_find_key(vg, "tokenizer.ggml.tokens");
        if (ti < 0 || llml_gguf_kv_type(vg, ti) != LLML_GGUF_ARRAY || llml_gguf_arr_type(vg, ti) != LLML_GGUF_STRING ||
            llml_gguf_arr_len(vg, ti) == 0) {
            llml_gguf_close(vg);
            return sy_fail("the vocabulary file has no tokenizer.ggml.tokens", vocab_path);
        }
        if (ov[O_VOCAB] >= 0 && (uint64_t)ov[O_VOCAB] != llml_gguf_arr_len(vg, ti))
            fprintf(stderr, "llmlite-synth: note: --n-vocab ignored: the vocabulary has %llu tokens\n",
                    (unsigned long long)llml_gguf_arr_len(vg, ti));
        s.n_vocab = (int64_t)llml_gguf_arr_len(vg, ti);
    }

    /* checks the loaders would make */
    if (s.n_embd <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.head_dim <= 0 || s.n_ff <= 0 ||
        s.n_vocab <= 0) {
        rc = sy_fail("incomplete shape (see --help)", NULL);
        goto done;
    }
    if (s.n_head % s.n_head_kv != 0) { rc = sy_fail("n_head must be a multiple of n_head_kv", NULL); goto done; }
    if (s.head_dim % 2 != 0) { rc = sy_fail("head_dim must be even (RoPE rotates pairs)", NULL); goto done; }
    if (s.n_expert == 1 || (s.n_expert > 1 && (s.n_expert_used < 1 || s.n_expert_used > s.n_expert))) {
        rc = sy_fail("need n_expert >= 2 and 1 <= n_expert_used <= n_expert (or no experts)", NULL);
        goto done;
    }
    if (s.n_expert > 1 && strcmp(s.arch, "llama") != 0 && strcmp(s.arch, "qwen2moe") != 0) {
        rc = sy_fail("experts are laid out for llama (Mixtral) and qwen2moe only", s.arch);
        goto done;
    }
    if (strcmp(s.arch, "qwen2moe") == 0 && s.n_expert < 2) { rc = sy_fail("qwen2moe needs --n-expert", NULL); goto done; }

    /* ---- the format: a mix, or one format for every weight ---- */
    {
        llml_type t;
        int is_type = llml_type_from_name(type_name, &t) == LLML_OK;
        mix = llml_mix_find(type_name);
        if (pure && is_type) mix = NULL;
        if (mix) {
            base = mix->base;
            ftype = (int)mix->ftype;
        } else if (is_type) {
            const llml_mix_info *m = llml_mix_for_type(t);
            if (!m) { rc = sy_fail("not a weight format a GGUF model can hold", type_name); goto done; }
            base = t;
            ftype = (int)m->ftype;
            pure = 1;
        } else {
            rc = sy_fail("unknown type (a mix such as Q4_K_M, or a format such as q8_0)", type_name);
            goto done;
        }
    }

    /* ---- tensors and their formats ---- */
    if (!sy_layout(&s, &list)) { rc = sy_fail("out of memory", NULL); goto done; }
    {
        llml_tensor_shape *shapes = (llml_tensor_shape *)calloc((size_t)list.n, sizeof *shapes);
        llml_mix_choice *choice = (llml_mix_choice *)calloc((size_t)list.n, sizeof *choice);
        llml_mix_desc md;
        int64_t n_need_im = 0;
        if (!shapes || !choice) { free(shapes); free(choice); rc = sy_fail("out of memory", NULL); goto done; }
        for (k = 0; k < list.n; k++) {
            shapes[k].name = list.t[k].name;
            shapes[k].type = LLML_TYPE_F32;
            shapes[k].n_dims = list.t[k].n_dims;
            memcpy(shapes[k].ne, list.t[k].ne, sizeof shapes[k].ne);
        }
        memset(&md, 0, sizeof md);
        md.ftype = (llml_ftype)ftype;
        md.pure = pure;
        md.arch = s.arch;
        md.n_layer = s.n_layer;
        md.n_head = s.n_head;
        md.n_head_kv = s.n_head_kv;
        md.n_expert = s.n_expert;
        r = llml_mix_plan(&md, shapes, list.n, choice, &err);
        if (r == LLML_OK) {
            for (k = 0; k < list.n; k++) {
                sy_tensor *t = &list.t[k];
                if (choice[k].quantize) t->type = choice[k].type;
                if (choice[k].needs_imatrix) n_need_im++;
                if (llml_type_get_info(t->type)->is_quantized) any_quant = 1;
                t->size = (uint64_t)llml_row_size(t->type, t->ne[0]) * (uint64_t)(t->ne[1] * t->ne[2]);
                n_params += (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2]);
                data_bytes += t->size;
            }
        }
        free(shapes);
        free(choice);
        if (r != LLML_OK) {
            fprintf(stderr, "llmlite-synth: error: %s: %s\n", llml_result_string(r), err.message);
            goto done;
        }
        if (n_need_im && !quiet)
            fprintf(stderr, "llmlite-synth: note: %lld tensors get a format that wants an importance matrix; "
                    "quantized without one (the weights are random anyway)\n", (long long)n_need_im);
        (void)base;
    }

    /* ---- header ---- */
    r = llml_gguf_writer_create(NULL, &w);
    if (r != LLML_OK) { rc = sy_fail("out of memory", NULL); goto done; }
    {
        char gname[96];
        if (!name) {
            /* "synth llama 3.2 1b": spaces for dashes, because the
               reference's loader looks up a token of Phi-3's own vocabulary
               in every model whose name contains "phi-3" or "phi3" */
            char *q;
            snprintf(gname, sizeof gname, "synth %s", preset ? preset : s.arch);
            for (q = gname; *q; q++)
                if (*q == '-') *q = ' ';
            name = gname;
        }
        r = llml_gguf_writer_set_str(w, "general.architecture", s.arch);
        if (r == LLML_OK) r = llml_gguf_writer_set_str(w, "general.name", name);
        if (r == LLML_OK) r = llml_gguf_writer_set_u32(w, "general.file_type", (uint32_t)ftype);
        if (r == LLML_OK && any_quant) r = llml_gguf_writer_set_u32(w, "general.quantization_version", 2);
        if (r == LLML_OK) r = sy_set_hparams(w, &s);
    }
    if (r == LLML_OK) {
        if (vg) {
            int64_t n_kv = llml_gguf_n_kv(vg);
            for (k = 0; k < n_kv && r == LLML_OK; k++)
                if (strncmp(llml_gguf_key(vg, k), "tokenizer.", 10) == 0) r = llml_gguf_writer_copy_kv(w, vg, k);
        } else {
            r = sy_fake_vocab(w, s.n_vocab);
        }
    }
    for (k = 0; k < list.n && r == LLML_OK; k++) {
        const sy_tensor *t = &list.t[k];
        r = llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, NULL, t->size);
    }
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-synth: error: building the header: %s\n", llml_result_string(r));
        goto done;
    }

    if (dry_run) {
        printf("arch %s, %lld layers, n_embd %lld, heads %lld/%lld x %lld, n_ff %lld, vocab %lld%s",
               s.arch, (long long)s.n_layer, (long long)s.n_embd, (long long)s.n_head, (long long)s.n_head_kv,
               (long long)s.head_dim, (long long)s.n_ff, (long long)s.n_vocab, s.tied ? ", tied output" : "");
        if (s.n_expert > 1) printf(", %lld experts (%lld used)", (long long)s.n_expert, (long long)s.n_expert_used);
        printf("\n");
        for (k = 0; k < list.n; k++) {
            char shp[64];
            sy_shape_str(&list.t[k], shp, sizeof shp);
            printf("tensor %-36s %-7s %-22s %12llu\n", list.t[k].name, sy_type_name(list.t[k].type), shp,
                   (unsigned long long)list.t[k].size);
        }
        printf("tensors %lld\nparams %llu\ndata bytes %llu\nfile bytes %llu\nfile_type %d\n", (long long)list.n,
               (unsigned long long)n_params, (unsigned long long)data_bytes,
               (unsigned long long)llml_gguf_writer_file_size(w), ftype);
        rc = 0;
        goto done;
    }

    /* ---- data: slabs of rows, generated and quantized by the workers ---- */
    tmp_path = (char *)malloc(strlen(out_path) + 8);
    if (!tmp_path) { rc = sy_fail("out of memory", NULL); goto done; }
    snprintf(tmp_path, strlen(out_path) + 8, "%s.part", out_path);
    r = llml_gguf_writer_begin_file(w, tmp_path);
    if (r != LLML_OK) {
        fprintf(stderr, "llmlite-synth: error: cannot write '%s': %s\n", tmp_path, llml_result_string(r));
        goto done;
    }
    if (n_threads <= 0) n_threads = sy_ncpu();
    prog.tty = SY_POSIX ? isatty(fileno(stderr)) : 0;
    prog.quiet = quiet;
    prog.last_decile = -1;
    prog.n_tensors = list.n;
    prog.t0 = sy_now();
    prog.total = n_params;
    if (!quiet)
        fprintf(stderr, "llmlite-synth: %s (%s, %lld layers), %.2f M parameters, %s, %.2f MiB, %d threads\n",
                out_path, s.arch, (long long)s.n_layer, (double)n_params / 1e6, mix ? mix->name : sy_type_name(base),
                (double)llml_gguf_writer_file_size(w) / 1048576.0, (int)n_threads);
    for (k = 0; k < list.n; k++) {
        const sy_tensor *t = &list.t[k];
        const int64_t ne0 = t->ne[0], rows = t->ne[1] * t->ne[2];
        const size_t out_row = llml_row_size(t->type, ne0);
        /* about 16 M elements per slab; chunks of about 64 K elements */
        const int64_t slab_rows = ne0 >= (1 << 24) ? 1 : ((int64_t)1 << 24) / ne0;
        const int64_t chunk_rows = ne0 >= (1 << 16) ? 1 : ((int64_t)1 << 16) / ne0;
        int64_t row0;
        prog.cur = t;
        prog.i_cur = k;
        for (row0 = 0; row0 < rows; row0 += slab_rows) {
            sy_work wk;
            int64_t nr = rows - row0 < slab_rows ? rows - row0 : slab_rows;
            size_t need = (size_t)nr * out_row;
            int nt = (int)n_threads, ti;
#if SY_POSIX
            pthread_t th[512];
#endif
            if (need > slab_cap) {
                free(slab);
                slab = (uint8_t *)malloc(need);
                slab_cap = slab ? need : 0;
                if (!slab) { rc = sy_fail("out of memory", NULL); goto done; }
            }
            memset(&wk, 0, sizeof wk);
            wk.s = &s;
            wk.t = t;
            wk.ti = k;
            wk.seed = (uint64_t)seed;
            wk.row0 = row0;
            wk.n_rows = nr;
            wk.chunk_rows = chunk_rows < nr ? chunk_rows : nr;
            wk.n_chunks = (nr + wk.chunk_rows - 1) / wk.chunk_rows;
            wk.out = slab;
            wk.out_row = out_row;
            wk.status = LLML_OK;
            if (nt > wk.n_chunks) nt = (int)wk.n_chunks;
#if SY_POSIX
            pthread_mutex_init(&wk.mu, NULL);
            for (ti = 1; ti < nt; ti++)
                if (pthread_create(&th[ti], NULL, sy_thread_main, &wk) != 0) break;
            nt = ti;
#else
            nt = 1;
            (void)ti;
#endif
            prog.work = &wk;
            sy_work_loop(&wk, sy_tick, &prog);
#if SY_POSIX
            for (ti = 1; ti < nt; ti++) pthread_join(th[ti], NULL);
            pthread_mutex_destroy(&wk.mu);
#endif
            prog.work = NULL;
            prog.done += (uint64_t)nr * (uint64_t)ne0;
            if (wk.status != LLML_OK) {
                fprintf(stderr, "\nllmlite-synth: error: tensor %s: %s\n", t->name, llml_result_string(wk.status));
                goto done;
            }
            r = llml_gguf_writer_write_data(w, slab, need);
            if (r != LLML_OK) {
                fprintf(stderr, "\nllmlite-synth: error: writing '%s': %s\n", tmp_path, llml_result_string(r));
                goto done;
            }
        }
    }
    r = llml_gguf_writer_finish(w);
    if (r != LLML_OK) {
        fprintf(stderr, "\nllmlite-synth: error: writing '%s': %s\n", tmp_path, llml_result_string(r));
        goto done;
    }
    if (rename(tmp_path, out_path) != 0) {
        fprintf(stderr, "llmlite-synth: error: cannot rename '%s' to '%s'\n", tmp_path, out_path);
        goto done;
    }
    sy_draw(&prog, 1);
    if (!quiet)
        fprintf(stderr, "llmlite-synth: wrote %s: %lld tensors, %llu parameters, %.2f MiB in %.1f s\n", out_path,
                (long long)list.n, (unsigned long long)n_params, (double)llml_gguf_writer_file_size(w) / 1048576.0,
                sy_now() - prog.t0);
    rc = 0;

done:
    llml_gguf_writer_free(w);   /* closes an unfinished file */
    if (rc != 0 && tmp_path) remove(tmp_path);
    free(tmp_path);
    free(slab);
    llml_gguf_close(vg);
    free(list.t);
    return rc;
}
