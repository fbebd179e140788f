/* Build: make build/llmlite-llama2c   (or: cc -std=c99 -O2 -I. tools/llama2c.c -o llmlite-llama2c -lm)
   Run:   build/llmlite-llama2c MODEL.bin TOKENIZER.bin OUT.gguf [--name NAME] [--ctx N]
   Converts a llama2.c checkpoint (legacy format) and its tokenizer.bin to an F32 llama GGUF. */

/* llmlite-llama2c writes the same file as the reference's converter
   (llama.cpp's convert-llama2c-to-ggml example):

   - metadata: the same 19 keys in the same order and with the same types;
     token 0/1/2 become "<unk>" (unknown), "<s>" and "</s>" (control), empty
     tokens are control tokens, "<0xXX>" tokens are byte tokens, every other
     token is normal; spaces in token text become U+2581. Scores are copied.
     unk/bos/eos ids are 0/1/2, separator and padding ids are 0xffffffff (none).
     RMS norm epsilon 1e-5, llama.context_length 2048 (the value in the
     reference file: its converter writes a fixed default, not the model's
     seq_len; --ctx N overrides it).
   - tensors: all F32, the same names, shapes and order; the bytes are copied
     as they are (llama2.c's RoPE pairs adjacent elements, as llama's GGUF
     layout expects, so nothing is permuted). Without a separate classifier
     (vocab_size > 0 in the header) output.weight is a copy of the token
     embeddings, as in the reference.

   Differences from the reference, on purpose:
   - general.name is NAME (default: the model file's name without directory
     and extension); the reference always writes "llama".
   - llama.rope.dimension_count is the head size. The reference caps it at
     64, which would be wrong for heads larger than 64 (llama2.c rotates the
     whole head); for heads of 64 or fewer the two agree.

   The input is checked before anything is written: the header's values must
   be sane and consistent, the model file's size must be exactly what the
   header implies, and the tokenizer must hold exactly vocab_size tokens.
   Any problem: a message on stderr and exit status 1. Tensor data is streamed
   from the input, so memory use is small for any model size. */

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#if !defined(_WIN32) && !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64
#endif

#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <limits.h>
#include <stdarg.h>

#define TOOL "llmlite-llama2c"

/* Bounds for header values: far above any llama2.c model, far below sizes
   whose products could overflow. */
#define MAX_DIM     (1 << 20)
#define MAX_LAYERS  (1 << 12)
#define MAX_VOCAB   (1 << 24)
#define MAX_SEQ     (1 << 24)
#define MAX_TOK_LEN (1 << 16)
#define DEFAULT_CTX 2048u
#define COPY_CHUNK  ((size_t)1 << 20)

/* llama token types (GGUF tokenizer.ggml.token_type) */
enum { TT_NORMAL = 1, TT_UNKNOWN = 2, TT_CONTROL = 3, TT_BYTE = 6 };

/* ---- small helpers ------------------------------------------------------------ */

/* Print "llmlite-llama2c: MESSAGE" on stderr; returns 1 (the exit status). */
static int fail(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, TOOL ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static uint32_t rd_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t rd_i32(const unsigned char *p) {
    uint32_t u = rd_u32(p);
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

static float rd_f32(const unsigned char *p) {
    uint32_t u = rd_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int seek_to(FILE *f, uint64_t off) {
#if defined(_WIN32)
    return off <= (uint64_t)INT64_MAX && _fseeki64(f, (long long)off, SEEK_SET) == 0;
#else
    off_t o = (off_t)off;
    return o >= 0 && (uint64_t)o == off && fseeko(f, o, SEEK_SET) == 0;
#endif
}

/* Size of an open file, or -1. */
static int64_t file_size(FILE *f) {
#if defined(_WIN32)
    long long end;
    if (_fseeki64(f, 0, SEEK_END) != 0 || (end = _ftelli64(f)) < 0) return -1;
#else
    off_t end;
    if (fseeko(f, 0, SEEK_END) != 0 || (end = ftello(f)) < 0) return -1;
#endif
    if (!seek_to(f, 0)) return -1;
    return (int64_t)end;
}

/* a += b, a *= b with overflow checks (return 0 on overflow) */
static int add_u64(uint64_t *a, uint64_t b) {
    if (*a > UINT64_MAX - b) return 0;
    *a += b;
    return 1;
}

static int mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}

/* ---- the checkpoint ---------------------------------------------------------- */

typedef struct config {
    int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
} config;

/* Sections of a legacy llama2.c checkpoint, in file order. */
enum { S_EMB, S_RMS_ATT, S_WQ, S_WK, S_WV, S_WO, S_RMS_FFN, S_W1, S_W2, S_W3, S_RMS_FINAL, S_FREQ, S_WCLS, S_COUNT };

typedef struct layout {
    uint64_t start[S_COUNT];     /* byte offset of each section */
    uint64_t per_layer[S_COUNT]; /* bytes per layer (whole section if not per layer) */
    uint64_t end;                /* expected file size */
    uint32_t vocab, kv_dim, head_size;
    int shared;                  /* classifier shares the embeddings */
} layout;

static const char *const HEADER_NAMES[7] = {
    "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"
};

/* Check the header; fill the layout. Returns 0 on success, 1 after a message. */
static int check_config(const config *c, layout *L, const char *path) {
    const int32_t v[7] = { c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads, c->vocab_size, c->seq_len };
    uint64_t D, H, NL, V, KV, n[S_COUNT], pos = 28;
    int i;
    if (c->dim == 0x616b3432) /* "ak42": llama2.c's newer export formats */
        return fail("%s: this is a llama2.c version 1/2 export (magic \"ak42\"); only the legacy "
                    "version 0 format (export.py --version 0, or a legacy .bin) is supported", path);
    for (i = 0; i < 7; i++)
        if (i == 5 ? v[i] == 0 : v[i] <= 0)
            return fail("%s: bad llama2.c header: %s is %ld (must be %s)", path, HEADER_NAMES[i], (long)v[i],
                        i == 5 ? "non-zero" : "positive");
    V = (uint64_t)(c->vocab_size < 0 ? -(int64_t)c->vocab_size : (int64_t)c->vocab_size);
    if (c->dim > MAX_DIM || c->hidden_dim > MAX_DIM || c->n_layers > MAX_LAYERS || V > MAX_VOCAB ||
        c->seq_len > MAX_SEQ || c->n_heads > c->dim)
        return fail("%s: implausible llama2.c header (dim %ld, hidden_dim %ld, n_layers %ld, n_heads %ld, "
                    "vocab_size %ld, seq_len %ld): not a llama2.c legacy checkpoint?", path, (long)c->dim,
                    (long)c->hidden_dim, (long)c->n_layers, (long)c->n_heads, (long)c->vocab_size, (long)c->seq_len);
    if (c->dim % c->n_heads != 0 || (c->dim / c->n_heads) % 2 != 0)
        return fail("%s: bad llama2.c header: dim %ld is not n_heads %ld times an even head size", path,
                    (long)c->dim, (long)c->n_heads);
    if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads != 0)
        return fail("%s: bad llama2.c header: n_kv_heads %ld does not divide n_heads %ld", path,
                    (long)c->n_kv_heads, (long)c->n_heads);
    if (V < 3)
        return fail("%s: bad llama2.c header: vocab_size %ld has no room for <unk>, <s>, </s>", path,
                    (long)c->vocab_size);
    D = (uint64_t)c->dim;
    H = (uint64_t)c->hidden_dim;
    NL = (uint64_t)c->n_layers;
    L->head_size = (uint32_t)(c->dim / c->n_heads);
    KV = (uint64_t)L->head_size * (uint64_t)c->n_kv_heads;
    L->vocab = (uint32_t)V;
    L->kv_dim = (uint32_t)KV;
    L->shared = c->vocab_size > 0;
    /* floats per layer (per section for the others); bounds above keep these in range */
    n[S_EMB] = V * D;
    n[S_RMS_ATT] = D;
    n[S_WQ] = D * D;
    n[S_WK] = D * KV;
    n[S_WV] = D * KV;
    n[S_WO] = D * D;
    n[S_RMS_FFN] = D;
    n[S_W1] = H * D;
    n[S_W2] = D * H;
    n[S_W3] = H * D;
    n[S_RMS_FINAL] = D;
    n[S_FREQ] = (uint64_t)c->seq_len * L->head_size; /* freq_cis_real + freq_cis_imag */
    n[S_WCLS] = L->shared ? 0 : V * D;
    for (i = 0; i < S_COUNT; i++) {
        int layered = i >= S_RMS_ATT && i <= S_W3;
        uint64_t bytes;
        L->per_layer[i] = n[i] * 4;
        L->start[i] = pos;
        if (!mul_u64(L->per_layer[i], layered ? NL : 1, &bytes) || !add_u64(&pos, bytes))
            return fail("%s: implausible llama2.c header: the model size overflows", path);
    }
    L->end = pos;
    return 0;
}

/* ---- the tokenizer ------------------------------------------------------------ */

typedef struct vocab {
    char **text;       /* n NUL-terminated strings (pointers into buf) */
    float *scores;
    int32_t *types;
    char *buf;
    uint32_t n;
} vocab;

static void vocab_free(vocab *v) {
    free(v->text);
    free(v->scores);
    free(v->types);
    free(v->buf);
    memset(v, 0, sizeof *v);
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    int64_t size;
    if (!f) return NULL;
    size = file_size(f);
    if (size < 0 || (uint64_t)size > (uint64_t)((size_t)-1 - 1) || (uint64_t)size > ((uint64_t)1 << 32)) {
        fclose(f);
        return NULL;
    }
    buf = (unsigned char *)malloc((size_t)size + 1);
    if (buf && size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* Read n tokens from a llama2.c tokenizer.bin. Returns 0 or 1 after a message. */
static int load_vocab(const char *path, uint32_t n, vocab *v) {
    static const char *const SPECIAL[3] = { "<unk>", "<s>", "</s>" };
    size_t len = 0, pos = 4, out = 0;
    unsigned char *d = read_file(path, &len);
    int32_t max_len;
    uint32_t i;
    int status = 1;
    memset(v, 0, sizeof *v);
    if (!d) return fail("%s: cannot read the tokenizer file", path);
    if (len < 4) {
        fail("%s: tokenizer file too short (%lu bytes)", path, (unsigned long)len);
        goto out;
    }
    max_len = rd_i32(d);
    if (max_len <= 0 || max_len > MAX_TOK_LEN) {
        fail("%s: bad tokenizer header: max_token_length %ld (not a llama2.c tokenizer.bin?)", path, (long)max_len);
        goto out;
    }
    v->n = n;
    v->text = (char **)malloc(sizeof(char *) * n);
    v->scores = (float *)malloc(sizeof(float) * n);
    v->types = (int32_t *)malloc(sizeof(int32_t) * n);
    /* the texts with spaces escaped (3 bytes each) and a NUL each fit in 3 x the file */
    v->buf = (char *)malloc(len * 3 + (size_t)n + 16);
    if (!v->text || !v->scores || !v->types || !v->buf) {
        fail("%s: out of memory", path);
        goto out;
    }
    for (i = 0; i < n; i++) {
        int32_t tl;
        const char *raw;
        size_t k, raw_len;
        unsigned char byte;
        if (len - pos < 8) {
            fail("%s: tokenizer file truncated at token %lu of %lu: the model's vocab_size does not match, "
                 "or the file is cut", path, (unsigned long)i, (unsigned long)n);
            goto out;
        }
        v->scores[i] = rd_f32(d + pos);
        tl = rd_i32(d + pos + 4);
        pos += 8;
        if (!isfinite(v->scores[i])) {
            fail("%s: bad tokenizer: token %lu has a score that is not a finite number", path, (unsigned long)i);
            goto out;
        }
        if (tl < 0 || tl > max_len) {
            fail("%s: bad tokenizer: token %lu has length %ld (max_token_length is %ld)", path, (unsigned long)i,
                 (long)tl, (long)max_len);
            goto out;
        }
        if (len - pos < (size_t)tl) {
            fail("%s: tokenizer file truncated in token %lu of %lu: the model's vocab_size does not match, "
                 "or the file is cut", path, (unsigned long)i, (unsigned long)n);
            goto out;
        }
        raw = (const char *)d + pos;
        pos += (size_t)tl;
        /* the text ends at a NUL byte, as in the reference (it passes C strings) */
        for (raw_len = 0; raw_len < (size_t)tl && raw[raw_len]; raw_len++) {}
        if (i < 3) {
            raw = SPECIAL[i];
            raw_len = strlen(raw);
            v->types[i] = i == 0 ? TT_UNKNOWN : TT_CONTROL;
        } else if (tl == 0) {
            v->types[i] = TT_CONTROL;
        } else {
            /* the reference's test for byte tokens: sscanf "<0x%02hhX>" matches */
            char tmp[MAX_TOK_LEN + 1];
            memcpy(tmp, raw, raw_len);
            tmp[raw_len] = 0;
            v->types[i] = sscanf(tmp, "<0x%02hhX>", &byte) == 1 ? TT_BYTE : TT_NORMAL;
        }
        v->text[i] = v->buf + out;
        for (k = 0; k < raw_len; k++) {
            if (raw[k] == ' ') {
                memcpy(v->buf + out, "\xe2\x96\x81", 3); /* U+2581 */
                out += 3;
            } else {
                v->buf[out++] = raw[k];
            }
        }
        v->buf[out++] = 0;
    }
    if (pos != len) {
        fail("%s: vocab_size mismatch: %lu bytes follow token %lu: the tokenizer has more tokens than the "
             "model's vocab_size (%lu)", path, (unsigned long)(len - pos), (unsigned long)n - 1, (unsigned long)n);
        goto out;
    }
    status = 0;
out:
    free(d);
    if (status) vocab_free(v);
    return status;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *f) {
    fprintf(f,
            "usage: " TOOL " MODEL.bin TOKENIZER.bin OUT.gguf [--name NAME] [--ctx N]\n"
            "  Converts a llama2.c checkpoint (legacy format: a 7-int header, then F32\n"
            "  weights) and its tokenizer.bin into an F32 llama GGUF model.\n"
            "  --name NAME   general.name (default: MODEL's file name without extension)\n"
            "  --ctx N       llama.context_length (default %u, as the reference converter)\n"
            "  --help        this text\n",
            DEFAULT_CTX);
}

/* The model's file name without directory and extension. */
static void base_name(const char *path, char *out, size_t cap) {
    const char *s = path, *p, *dot = NULL;
    size_t n;
    for (p = path; *p; p++)
        if (*p == '/' || *p == '\\') s = p + 1;
    for (p = s; *p; p++)
        if (*p == '.') dot = p;
    n = dot && dot > s ? (size_t)(dot - s) : strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
    if (!out[0]) snprintf(out, cap, "llama");
}

typedef struct out_tensor {
    char name[64];
    uint32_t n_dims;
    int64_t ne[2];
    uint64_t offset, size;
} out_tensor;

static void put_tensor(out_tensor *t, const char *name, int layer, uint32_t n_dims, uint64_t ne0, uint64_t ne1,
                       uint64_t offset) {
    if (layer >= 0) snprintf(t->name, sizeof t->name, "blk.%d.%s.weight", layer, name);
    else snprintf(t->name, sizeof t->name, "%s.weight", name);
    t->n_dims = n_dims;
    t->ne[0] = (int64_t)ne0;
    t->ne[1] = (int64_t)(n_dims > 1 ? ne1 : 1);
    t->offset = offset;
    t->size = ne0 * (n_dims > 1 ? ne1 : 1) * 4;
}

#define CHK(call, what) do { r = (call); if (r != LLML_OK) { where = (what); goto done; } } while (0)

int main(int argc, char **argv) {
    const char *in_path = NULL, *tok_path = NULL, *out_path = NULL, *name = NULL, *where = "";
    char name_buf[256];
    unsigned char hdr[28];
    uint32_t ctx = DEFAULT_CTX;
    config c;
    layout L;
    vocab v;
    FILE *in = NULL;
    int64_t size;
    out_tensor *ts = NULL;
    unsigned char *chunk = NULL;
    llml_gguf_writer *w = NULL;
    llml_result r = LLML_OK;
    int i, n_pos = 0, n_t = 0, status = 1, started = 0;
    uint32_t l;

    memset(&v, 0, sizeof v);
    memset(&L, 0, sizeof L);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strcmp(argv[i], "--ctx") == 0 && i + 1 < argc) {
            char *end;
            unsigned long x = strtoul(argv[++i], &end, 10);
            if (*end || end == argv[i] || argv[i][0] == '-' || x == 0 || x > 0xffffffffUL) {
                fprintf(stderr, TOOL ": --ctx needs a positive number, not '%s'\n", argv[i]);
                return 1;
            }
            ctx = (uint32_t)x;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, TOOL ": unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 1;
        } else {
            if (n_pos == 0) in_path = argv[i];
            else if (n_pos == 1) tok_path = argv[i];
            else if (n_pos == 2) out_path = argv[i];
            n_pos++;
        }
    }
    if (n_pos != 3) {
        usage(stderr);
        return 1;
    }
    if (!name) {
        base_name(in_path, name_buf, sizeof name_buf);
        name = name_buf;
    }

    /* 1. the checkpoint's header and size */
    in = fopen(in_path, "rb");
    if (!in) return fail("%s: cannot open the model file", in_path);
    size = file_size(in);
    if (size < 0) {
        fclose(in);
        return fail("%s: cannot get the size of the model file", in_path);
    }
    if (size < 28 || fread(hdr, 1, 28, in) != 28) {
        fclose(in);
        return fail("%s: model file too short for a llama2.c header (%ld bytes, need 28)", in_path, (long)size);
    }
    c.dim = rd_i32(hdr);
    c.hidden_dim = rd_i32(hdr + 4);
    c.n_layers = rd_i32(hdr + 8);
    c.n_heads = rd_i32(hdr + 12);
    c.n_kv_heads = rd_i32(hdr + 16);
    c.vocab_size = rd_i32(hdr + 20);
    c.seq_len = rd_i32(hdr + 24);
    if (check_config(&c, &L, in_path)) {
        fclose(in);
        return 1;
    }
    if ((uint64_t)size != L.end) {
        fclose(in);
        return fail("%s: model file %s: %llu bytes, but its header (dim %ld, hidden_dim %ld, n_layers %ld, "
                    "n_heads %ld, n_kv_heads %ld, vocab_size %ld, seq_len %ld) needs %llu", in_path,
                    (uint64_t)size < L.end ? "truncated" : "too long", (unsigned long long)size, (long)c.dim,
                    (long)c.hidden_dim, (long)c.n_layers, (long)c.n_heads, (long)c.n_kv_heads, (long)c.vocab_size,
                    (long)c.seq_len, (unsigned long long)L.end);
    }

    /* 2. the tokenizer */
    if (load_vocab(tok_path, L.vocab, &v)) {
        fclose(in);
        return 1;
    }

    /* 3. the output's tensors: the reference's names, shapes and order */
    ts = (out_tensor *)calloc(3 + 9 * (size_t)c.n_layers, sizeof(out_tensor));
    chunk = (unsigned char *)malloc(COPY_CHUNK);
    if (!ts || !chunk) {
        where = "out of memory";
        goto done;
    }
    {
        const uint64_t D = (uint64_t)c.dim, H = (uint64_t)c.hidden_dim, V = L.vocab, KV = L.kv_dim;
        put_tensor(&ts[n_t++], "token_embd", -1, 2, D, V, L.start[S_EMB]);
        put_tensor(&ts[n_t++], "output_norm", -1, 1, D, 1, L.start[S_RMS_FINAL]);
        put_tensor(&ts[n_t++], "output", -1, 2, D, V, L.shared ? L.start[S_EMB] : L.start[S_WCLS]);
        for (l = 0; l < (uint32_t)c.n_layers; l++) {
#define AT(s) (L.start[s] + (uint64_t)l * L.per_layer[s])
            put_tensor(&ts[n_t++], "attn_q", (int)l, 2, D, D, AT(S_WQ));
            put_tensor(&ts[n_t++], "attn_k", (int)l, 2, D, KV, AT(S_WK));
            put_tensor(&ts[n_t++], "attn_v", (int)l, 2, D, KV, AT(S_WV));
            put_tensor(&ts[n_t++], "attn_output", (int)l, 2, D, D, AT(S_WO));
            put_tensor(&ts[n_t++], "attn_norm", (int)l, 1, D, 1, AT(S_RMS_ATT));
            put_tensor(&ts[n_t++], "ffn_gate", (int)l, 2, D, H, AT(S_W1));
            put_tensor(&ts[n_t++], "ffn_down", (int)l, 2, H, D, AT(S_W2));
            put_tensor(&ts[n_t++], "ffn_up", (int)l, 2, D, H, AT(S_W3));
            put_tensor(&ts[n_t++], "ffn_norm", (int)l, 1, D, 1, AT(S_RMS_FFN));
#undef AT
        }
    }

    /* 4. metadata, in the reference's order */
    CHK(llml_gguf_writer_create(NULL, &w), "creating the writer");
    CHK(llml_gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v.text, NULL, v.n), "tokens");
    CHK(llml_gguf_writer_set_arr(w, "tokenizer.ggml.scores", LLML_GGUF_FLOAT32, v.scores, v.n), "scores");
    CHK(llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, v.types, v.n), "token types");
    CHK(llml_gguf_writer_set_str(w, "tokenizer.ggml.model", "llama"), "metadata");
    CHK(llml_gguf_writer_set_str(w, "general.architecture", "llama"), "metadata");
    CHK(llml_gguf_writer_set_str(w, "general.name", name), "general.name");
    CHK(llml_gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", 0), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 1), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", 2), "metadata");
    /* "no token": the reference stores -1 as u32 (its spelling "seperator" is the GGUF key) */
    CHK(llml_gguf_writer_set_u32(w, "tokenizer.ggml.seperator_token_id", 0xffffffffu), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "tokenizer.ggml.padding_token_id", 0xffffffffu), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.context_length", ctx), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.embedding_length", (uint32_t)c.dim), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.feed_forward_length", (uint32_t)c.hidden_dim), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.attention.head_count", (uint32_t)c.n_heads), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.attention.head_count_kv", (uint32_t)c.n_kv_heads), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.block_count", (uint32_t)c.n_layers), "metadata");
    CHK(llml_gguf_writer_set_u32(w, "llama.rope.dimension_count", L.head_size), "metadata");
    CHK(llml_gguf_writer_set_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f), "metadata");
    for (i = 0; i < n_t; i++)
        CHK(llml_gguf_writer_add_tensor(w, ts[i].name, LLML_TYPE_F32, ts[i].n_dims, ts[i].ne, NULL, ts[i].size),
            ts[i].name);

    /* 5. stream: header, then each tensor's bytes straight from the checkpoint */
    CHK(llml_gguf_writer_begin_file(w, out_path), "opening the output");
    started = 1;
    for (i = 0; i < n_t; i++) {
        uint64_t left = ts[i].size;
        if (!seek_to(in, ts[i].offset)) {
            r = LLML_ERR_IO;
            where = "reading the model file";
            goto done;
        }
        while (left) {
            size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
            if (fread(chunk, 1, want, in) != want) {
                r = LLML_ERR_IO;
                where = "reading the model file";
                goto done;
            }
            CHK(llml_gguf_writer_write_data(w, chunk, want), ts[i].name);
            left -= want;
        }
    }
    CHK(llml_gguf_writer_finish(w), "finishing the output");
    started = 0;
    status = 0;
    printf(TOOL ": %s + %s -> %s: '%s', %ld layers, dim %ld, ffn %ld, %ld heads (%ld kv), vocab %lu%s, "
           "context %lu (trained %ld), %d F32 tensors, %llu bytes\n",
           in_path, tok_path, out_path, name, (long)c.n_layers, (long)c.dim, (long)c.hidden_dim, (long)c.n_heads,
           (long)c.n_kv_heads, (unsigned long)L.vocab, L.shared ? " (shared output)" : "", (unsigned long)ctx,
           (long)c.seq_len, n_t, (unsigned long long)llml_gguf_writer_file_size(w));

done:
    if (status != 0) {
        if (r != LLML_OK)
            fprintf(stderr, TOOL ": %s: cannot write (%s): %s\n", out_path, where, llml_result_string(r));
        else
            fprintf(stderr, TOOL ": %s\n", where);
    }
    llml_gguf_writer_free(w); /* closes a half-written output */
    if (started) remove(out_path);
    if (in) fclose(in);
    free(ts);
    free(chunk);
    vocab_free(&v);
    return status;
}
