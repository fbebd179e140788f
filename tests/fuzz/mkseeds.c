/* tests/fuzz/mkseeds.c - seed corpora for the fuzz targets, made from the
   test data: `mkseeds OUTDIR` writes into the existing folders
   OUTDIR/{gguf,model,vocab,chat,sample}/.
   - model: every architecture model of the test data shrunk to a tiny one
     (same metadata and tensor names, small dimensions, 64-token vocabulary,
     random weights), once in F32 and once with quantized matrices; each
     seed is checked to load and decode.
   - gguf: the tiny models, every reference vocabulary shrunk to its first
     300 tokens and 300 merges, and a file with every metadata value type.
   - vocab: each reference tokenizer test string, for each vocabulary.
   - chat: style names, signature strings and the templates found in the
     test data, each with a short conversation.
   - sample: a few sampler settings over small logit rows.
   Run by `make fuzz` (build-fuzz/seeds). Not part of the library. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static const char *outdir;
static int n_written, n_bad;

static void put(const char *sub, const char *name, const void *data, size_t n) {
    char p[1024];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s/%s", outdir, sub, name);
    f = fopen(p, "wb");
    if (!f || fwrite(data, 1, n, f) != n) { fprintf(stderr, "mkseeds: cannot write %s\n", p); exit(1); }
    fclose(f);
    n_written++;
}

static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    p = (char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) p[n] = 0;
    fclose(f);
    *size = (size_t)n;
    return p;
}

typedef struct outbuf { unsigned char *p; size_t n, cap; } outbuf;
static size_t out_write(void *user, const void *src, size_t n) {
    outbuf *o = (outbuf *)user;
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 1024;
        o->p = (unsigned char *)realloc(o->p, o->cap);
    }
    memcpy(o->p + o->n, src, n);
    o->n += n;
    return n;
}

static uint32_t rng = 12345;
static float frand(void) { rng = rng * 1664525u + 1013904223u; return (float)((rng >> 8) & 0xffff) / 65536.0f - 0.5f; }

/* Copy a string or numeric array truncated to n elements. */
static void copy_arr_trunc(llml_gguf_writer *w, const llml_gguf *g, int64_t i, uint64_t n) {
    const char *key = llml_gguf_key(g, i);
    uint64_t len = llml_gguf_arr_len(g, i), j;
    llml_gguf_vtype et = llml_gguf_arr_type(g, i);
    if (n > len) n = len;
    if (et == LLML_GGUF_STRING) {
        const char **s = (const char **)malloc((size_t)(n + 1) * sizeof(char *));
        uint64_t *l = (uint64_t *)malloc((size_t)(n + 1) * sizeof(uint64_t));
        for (j = 0; j < n; j++) { s[j] = llml_gguf_arr_str(g, i, j); l[j] = llml_gguf_arr_str_len(g, i, j); }
        llml_gguf_writer_set_arr_str(w, key, s, l, n);
        free(s); free(l);
    } else {
        llml_gguf_writer_set_arr(w, key, et, llml_gguf_arr_data(g, i), n);
    }
}

/* ---- tiny models ---------------------------------------------------------- */

typedef struct dims { int64_t E, H, Hkv, hd, F, Fe, Fs, X, V, rot; } dims;

static int ends(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* New shape of tensor `name` (role after "blk.N."); returns n_dims. */
static uint32_t shape_of(const char *name, const char *arch, const dims *d, int64_t ne[4]) {
    const char *r = name;
    int64_t q = d->H * d->hd, kv = d->Hkv * d->hd;
    ne[0] = ne[1] = ne[2] = ne[3] = 1;
    if (strncmp(r, "blk.", 4) == 0) { r = strchr(r + 4, '.'); r = r ? r + 1 : name; }
#define IS(x) (strncmp(r, x, strlen(x)) == 0 && (r[strlen(x)] == '.'))
    if (IS("token_embd") || IS("output")) { ne[0] = d->E; ne[1] = d->V; return 2; }
    if (IS("output_norm") || IS("attn_norm") || IS("ffn_norm") || IS("post_attention_norm") || IS("post_ffw_norm") ||
        IS("ffn_gate_inp_shexp")) { ne[0] = d->E; return 1; }
    if (IS("rope_freqs")) { ne[0] = d->rot / 2; return 1; }
    if (IS("attn_q_norm") || IS("attn_k_norm")) { ne[0] = d->hd; return 1; }
    if (IS("attn_q")) { if (ends(name, ".bias")) { ne[0] = q; return 1; } ne[0] = d->E; ne[1] = q; return 2; }
    if (IS("attn_k") || IS("attn_v")) { if (ends(name, ".bias")) { ne[0] = kv; return 1; } ne[0] = d->E; ne[1] = kv; return 2; }
    if (IS("attn_qkv")) { ne[0] = d->E; ne[1] = q + 2 * kv; return 2; }
    if (IS("attn_output")) { ne[0] = q; ne[1] = d->E; return 2; }
    if (IS("ffn_gate_inp")) { ne[0] = d->E; ne[1] = d->X; return 2; }
    if (IS("ffn_gate_exps") || IS("ffn_up_exps")) { ne[0] = d->E; ne[1] = d->Fe; ne[2] = d->X; return 3; }
    if (IS("ffn_down_exps")) { ne[0] = d->Fe; ne[1] = d->E; ne[2] = d->X; return 3; }
    if (IS("ffn_gate_shexp") || IS("ffn_up_shexp")) { ne[0] = d->E; ne[1] = d->Fs; return 2; }
    if (IS("ffn_down_shexp")) { ne[0] = d->Fs; ne[1] = d->E; return 2; }
    if (IS("ffn_up") && strcmp(arch, "phi3") == 0) { ne[0] = d->E; ne[1] = 2 * d->F; return 2; }
    if (IS("ffn_gate") || IS("ffn_up")) { ne[0] = d->E; ne[1] = d->F; return 2; }
    if (IS("ffn_down")) { ne[0] = d->F; ne[1] = d->E; return 2; }
#undef IS
    return 0;
}

static int layer_of(const char *name) { return strncmp(name, "blk.", 4) == 0 ? atoi(name + 4) : -1; }

/* Load + decode check of a model seed. */
static int model_ok(const unsigned char *p, size_t n, const char *what) {
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_error err;
    llml_ctx_desc cd;
    int32_t t[2] = {1, 5};
    int ok;
    void *copy = malloc(n);
    memcpy(copy, p, n);
    if (llml_model_load_memory(copy, n, NULL, &m, &err) != LLML_OK) {
        fprintf(stderr, "mkseeds: %s does not load: %s\n", what, err.message);
        free(copy);
        return 0;
    }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = 4; cd.n_threads = 1;
    ok = llml_ctx_create(m, &cd, &c, &err) == LLML_OK && llml_decode(c, t, 2, 0) == LLML_OK;
    if (!ok) fprintf(stderr, "mkseeds: %s does not decode\n", what);
    llml_ctx_free(c);
    llml_model_free(m);
    free(copy);
    return ok;
}

/* Shrink model file `path`; variant 0: F32, 1: 32-wide rows in Q8_0/F16/
   Q4_0/Q5_1/IQ4_NL/BF16, 2: 256-wide rows in K formats. */
static void tiny_model(const char *path, const char *tag, int variant) {
    static const llml_type types1[] = {LLML_TYPE_Q8_0, LLML_TYPE_F16, LLML_TYPE_Q4_0, LLML_TYPE_Q5_1, LLML_TYPE_IQ4_NL, LLML_TYPE_BF16, LLML_TYPE_Q4_1, LLML_TYPE_Q5_0};
    static const llml_type types2[] = {LLML_TYPE_Q4_K, LLML_TYPE_Q6_K, LLML_TYPE_Q2_K, LLML_TYPE_Q3_K, LLML_TYPE_Q5_K, LLML_TYPE_IQ4_XS, LLML_TYPE_IQ3_S, LLML_TYPE_IQ2_S, LLML_TYPE_TQ2_0};
    llml_gguf *g = NULL;
    llml_gguf_writer *w = NULL;
    llml_gguf_desc gd;
    const char *arch = NULL;
    char key[256], name[128];
    dims d;
    int64_t i, n_kv, n_t, n_layer_orig = 0, v;
    int n_layer, ti = 0;
    outbuf o;
    void **blobs;
    memset(&gd, 0, sizeof(gd));
    if (llml_gguf_open_file(path, &gd, &g, NULL) != LLML_OK) { fprintf(stderr, "mkseeds: cannot open %s\n", path); n_bad++; return; }
    llml_gguf_get_str(g, "general.architecture", &arch);
    memset(&d, 0, sizeof(d));
    d.E = variant == 0 ? 16 : variant == 1 ? 32 : 256;
    d.H = 2; d.hd = d.E / d.H; d.Hkv = 1;
    d.F = variant == 2 ? 256 : 2 * d.E; d.Fe = variant == 2 ? 256 : d.E; d.Fs = d.F;
    d.V = 64;
    d.rot = d.hd;
    snprintf(key, sizeof(key), "%s.expert_count", arch);
    d.X = llml_gguf_get_int(g, key, &v) == LLML_OK ? v : 0;
    snprintf(key, sizeof(key), "%s.expert_feed_forward_length", arch);
    if (llml_gguf_find_key(g, key) < 0) d.Fe = d.F;
    snprintf(key, sizeof(key), "%s.block_count", arch);
    llml_gguf_get_int(g, key, &n_layer_orig);
    n_layer = strcmp(arch, "gemma3") == 0 ? 6 : variant == 2 ? 1 : 2;
    if (n_layer > n_layer_orig) n_layer = (int)n_layer_orig;
    snprintf(key, sizeof(key), "%s.attention.head_count_kv", arch);
    if (llml_gguf_find_key(g, key) < 0 || strcmp(arch, "phi3") == 0) d.Hkv = d.H;
    snprintf(key, sizeof(key), "%s.rope.dimension_count", arch);
    if (llml_gguf_find_key(g, key) >= 0 && strcmp(arch, "phi3") == 0) d.rot = d.hd / 2;   /* partial rotary */

    llml_gguf_writer_create(NULL, &w);
    n_kv = llml_gguf_n_kv(g);
    for (i = 0; i < n_kv; i++) {
        const char *k = llml_gguf_key(g, i);
        if (strcmp(k, "tokenizer.ggml.tokens") == 0 || strcmp(k, "tokenizer.ggml.scores") == 0 ||
            strcmp(k, "tokenizer.ggml.token_type") == 0)
            copy_arr_trunc(w, g, i, (uint64_t)d.V);
        else if (strcmp(k, "tokenizer.ggml.merges") == 0)
            copy_arr_trunc(w, g, i, 64);
        else
            llml_gguf_writer_copy_kv(w, g, i);
    }
#define SETK(suffix, val) do { snprintf(key, sizeof(key), "%s." suffix, arch); \
        if (llml_gguf_find_key(g, key) >= 0) llml_gguf_writer_set_u32(w, key, (uint32_t)(val)); } while (0)
    SETK("embedding_length", d.E);
    SETK("block_count", n_layer);
    SETK("attention.head_count", d.H);
    SETK("attention.head_count_kv", d.Hkv);
    SETK("attention.key_length", d.hd);
    SETK("attention.value_length", d.hd);
    SETK("rope.dimension_count", d.rot);
    SETK("feed_forward_length", d.F);
    SETK("expert_feed_forward_length", d.Fe);
    SETK("expert_shared_feed_forward_length", d.Fs);
    SETK("vocab_size", d.V);
#undef SETK
    n_t = llml_gguf_n_tensors(g);
    blobs = (void **)calloc((size_t)n_t, sizeof(void *));
    for (i = 0; i < n_t; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        int64_t ne[4], k, nel;
        uint32_t nd;
        llml_type type = LLML_TYPE_F32;
        float *f;
        size_t bytes;
        if (layer_of(t->name) >= n_layer) continue;
        nd = shape_of(t->name, arch, &d, ne);
        if (!nd) { fprintf(stderr, "mkseeds: %s: unknown tensor %s\n", path, t->name); n_bad++; continue; }
        nel = ne[0] * ne[1] * ne[2] * ne[3];
        f = (float *)malloc((size_t)nel * sizeof(float));
        for (k = 0; k < nel; k++) f[k] = nd == 1 ? 1.0f + 0.2f * frand() : frand() / 2.0f;
        if (nd >= 2 && variant == 2 && strcmp(t->name, "token_embd.weight") == 0) type = LLML_TYPE_Q8_0;
        else if (nd >= 2 && variant > 0 && strcmp(t->name, "token_embd.weight") != 0) {
            type = variant == 1 ? types1[ti % 8] : types2[ti % 9];
            ti++;
        }
        bytes = llml_row_size(type, ne[0]) * (size_t)(nel / ne[0]);
        blobs[i] = malloc(bytes);
        if (llml_quantize_rows(type, f, blobs[i], nel / ne[0], ne[0], NULL) != LLML_OK) {
            fprintf(stderr, "mkseeds: quantize %s failed\n", t->name); n_bad++;
        }
        free(f);
        snprintf(name, sizeof(name), "%s", t->name);
        if (llml_gguf_writer_add_tensor(w, name, type, nd, ne, blobs[i], bytes) != LLML_OK) {
            fprintf(stderr, "mkseeds: add %s failed\n", name); n_bad++;
        }
    }
    memset(&o, 0, sizeof(o));
    if (llml_gguf_writer_write(w, out_write, &o) != LLML_OK) { fprintf(stderr, "mkseeds: write failed\n"); n_bad++; }
    snprintf(name, sizeof(name), "%s-v%d.gguf", tag, variant);
    if (model_ok(o.p, o.n, name)) {
        put("model", name, o.p, o.n);
        if (variant < 2) put("gguf", name, o.p, o.n);
    } else {
        n_bad++;
    }
    for (i = 0; i < n_t; i++) free(blobs[i]);
    free(blobs);
    free(o.p);
    llml_gguf_writer_free(w);
    llml_gguf_close(g);
}

/* ---- vocabularies ---------------------------------------------------------- */

static const char *const VOCABS[] = {
    "llama-spm", "phi-3", "baichuan", "llama3", "qwen3", "gpt-2", "deepseek-coder",
    "deepseek-llm", "falcon", "starcoder", "bert-bge"
};

static void vocab_seeds(const char *td) {
    int vi;
    for (vi = 0; vi < 11; vi++) {
        char path[1024], name[128];
        llml_gguf *g = NULL;
        llml_gguf_desc gd;
        llml_gguf_writer *w = NULL;
        outbuf o;
        int64_t i;
        char *inp;
        size_t size = 0;
        /* shrunk vocabulary file for the GGUF target */
        memset(&gd, 0, sizeof(gd));
        gd.header_only = 1;
        snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-%s.gguf", td, VOCABS[vi]);
        if (llml_gguf_open_file(path, &gd, &g, NULL) != LLML_OK) { fprintf(stderr, "mkseeds: cannot open %s\n", path); n_bad++; continue; }
        llml_gguf_writer_create(NULL, &w);
        for (i = 0; i < llml_gguf_n_kv(g); i++) {
            const char *k = llml_gguf_key(g, i);
            if (llml_gguf_kv_type(g, i) == LLML_GGUF_ARRAY) copy_arr_trunc(w, g, i, 300);
            else if (strstr(k, "_token_id")) {
                int64_t id;
                if (llml_gguf_get_int(g, k, &id) == LLML_OK && id < 300) llml_gguf_writer_copy_kv(w, g, i);
            } else if (strcmp(k, "tokenizer.chat_template") != 0) llml_gguf_writer_copy_kv(w, g, i);
        }
        memset(&o, 0, sizeof(o));
        llml_gguf_writer_write(w, out_write, &o);
        snprintf(name, sizeof(name), "vocab-%s.gguf", VOCABS[vi]);
        put("gguf", name, o.p, o.n);
        free(o.p);
        llml_gguf_writer_free(w);
        llml_gguf_close(g);
        /* the tokenizer test strings for the vocab target */
        snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-%s.gguf.inp", td, VOCABS[vi]);
        inp = slurp(path, &size);
        if (inp) {
            const char *sep = "\n__ggml_vocab_test__\n";
            char *p = inp;
            int k = 0;
            while (p && *p) {
                char *e = strstr(p, sep);
                size_t len = e ? (size_t)(e - p) : strlen(p);
                unsigned char *s = (unsigned char *)malloc(len + 2);
                s[0] = (unsigned char)vi;
                s[1] = (unsigned char)(k % 4 == 3 ? 3 : 0);   /* some with ADD_SPECIAL | PARSE_SPECIAL */
                memcpy(s + 2, p, len);
                snprintf(name, sizeof(name), "%s-%02d", VOCABS[vi], k++);
                put("vocab", name, s, len + 2);
                free(s);
                p = e ? e + strlen(sep) : NULL;
            }
            free(inp);
        } else {
            n_bad++;
        }
    }
}

/* A file with every metadata value type and a few tensor types. */
static void every_type_seed(void) {
    llml_gguf_writer *w = NULL;
    outbuf o;
    static const int32_t ai[4] = {1, -2, 3, -4};
    static const char *const strs[3] = {"a", "", "\xe2\x96\x81x"};
    float data[64];
    int64_t ne[4] = {32, 2, 1, 1};
    int k;
    for (k = 0; k < 64; k++) data[k] = (float)k;
    llml_gguf_writer_create(NULL, &w);
    llml_gguf_writer_set_u8(w, "t.u8", 200);
    llml_gguf_writer_set_i8(w, "t.i8", -100);
    llml_gguf_writer_set_u16(w, "t.u16", 60000);
    llml_gguf_writer_set_i16(w, "t.i16", -30000);
    llml_gguf_writer_set_u32(w, "t.u32", 4000000000u);
    llml_gguf_writer_set_i32(w, "t.i32", -2000000000);
    llml_gguf_writer_set_u64(w, "t.u64", (uint64_t)1 << 63);
    llml_gguf_writer_set_i64(w, "t.i64", -((int64_t)1 << 62));
    llml_gguf_writer_set_f32(w, "t.f32", 1.5f);
    llml_gguf_writer_set_f64(w, "t.f64", -2.25);
    llml_gguf_writer_set_bool(w, "t.bool", 1);
    llml_gguf_writer_set_str(w, "t.str", "h\xc3\xa9llo");
    llml_gguf_writer_set_arr(w, "t.arr_i32", LLML_GGUF_INT32, ai, 4);
    llml_gguf_writer_set_arr_str(w, "t.arr_str", strs, NULL, 3);
    llml_gguf_writer_set_u32(w, "general.alignment", 64);
    llml_gguf_writer_add_tensor(w, "a", LLML_TYPE_F32, 2, ne, data, sizeof(data));
    ne[0] = 8; ne[1] = 1;
    llml_gguf_writer_add_tensor(w, "b.\xc3\xa9", LLML_TYPE_F32, 1, ne, data, 32);
    memset(&o, 0, sizeof(o));
    llml_gguf_writer_write(w, out_write, &o);
    put("gguf", "every-type.gguf", o.p, o.n);
    free(o.p);
    llml_gguf_writer_free(w);
}

/* ---- chat ------------------------------------------------------------------ */

static void chat_seed(const char *name, const char *tpl, int style, int variant) {
    outbuf o;
    unsigned char b;
    memset(&o, 0, sizeof(o));
    out_write(&o, tpl, strlen(tpl) + 1);
    b = (unsigned char)style; out_write(&o, &b, 1);
    b = (unsigned char)(variant & 1); out_write(&o, &b, 1);
    if (variant != 2) { b = 0; out_write(&o, &b, 1); out_write(&o, "You are helpful.", 17); }
    b = 1; out_write(&o, &b, 1); out_write(&o, "Hello  ", 8);
    b = 2; out_write(&o, &b, 1); out_write(&o, " Hi! How can I help?", 21);
    if (variant == 3) { b = 3; out_write(&o, &b, 1); out_write(&o, "tool", 5); out_write(&o, "{\"x\": 1}", 9); }
    b = 1; out_write(&o, &b, 1); out_write(&o, "Tell me a joke.\n", 17);
    put("chat", name, o.p, o.n);
    free(o.p);
}

static void chat_seeds(const char *td) {
    static const char *const sigs[] = {
        "<|im_start|>", "[INST]", "<<SYS>>", "<s>[INST]", "<|start_header_id|>", "<start_of_turn>",
        "<|assistant|>", "<|end|>", "<|user|>", "[SYSTEM_PROMPT]", "[SYSTEM_PROMPT]You", "<|START_OF_TURN_TOKEN|>",
        "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>", "'Assistant: ' + message['content'] + eos_token", "### Instruction:",
        "<|system|>", "{{ bos_token }}{% for message in messages %}", "", NULL
    };
    static const char *const files[] = {"vocab/ggml-vocab-llama3.gguf", "vocab/ggml-vocab-qwen3.gguf", "vocab/ggml-vocab-phi-3.gguf",
                                        "vocab/ggml-vocab-deepseek-llm.gguf", "vocab/ggml-vocab-deepseek-coder.gguf",
                                        "vocab/ggml-vocab-falcon.gguf", NULL};
    char name[128];
    int i, k = 0;
    for (i = 1; i < LLML_CHAT_STYLE_COUNT; i++) {
        snprintf(name, sizeof(name), "style-%02d", i);
        chat_seed(name, llml_chat_style_name((llml_chat_style)i), i, i % 4);
    }
    for (i = 0; sigs[i]; i++) {
        snprintf(name, sizeof(name), "sig-%02d", i);
        chat_seed(name, sigs[i], (i * 7) % LLML_CHAT_STYLE_COUNT, i % 4);
    }
    for (i = 0; files[i]; i++) {
        char path[1024];
        llml_gguf *g = NULL;
        llml_gguf_desc gd;
        const char *tpl;
        memset(&gd, 0, sizeof(gd));
        gd.header_only = 1;
        snprintf(path, sizeof(path), "%s/%s", td, files[i]);
        if (llml_gguf_open_file(path, &gd, &g, NULL) != LLML_OK) continue;
        if (llml_gguf_get_str(g, "tokenizer.chat_template", &tpl) == LLML_OK) {
            llml_chat_style st = LLML_CHAT_CHATML;
            llml_chat_detect(tpl, &st, NULL);
            snprintf(name, sizeof(name), "tpl-%02d", k++);
            chat_seed(name, tpl, (int)st, 1);
        }
        llml_gguf_close(g);
    }
}

/* ---- sampler ---------------------------------------------------------------- */

static void sample_seed(const char *name, const llml_sampler_desc *d, int n_vocab, int n_acc) {
    outbuf o;
    unsigned char b[4];
    int i;
    memset(&o, 0, sizeof(o));
#define PUT32(x) do { uint32_t u_; memcpy(&u_, &(x), 4); b[0] = (unsigned char)u_; b[1] = (unsigned char)(u_ >> 8); \
        b[2] = (unsigned char)(u_ >> 16); b[3] = (unsigned char)(u_ >> 24); out_write(&o, b, 4); } while (0)
    b[0] = (unsigned char)((n_vocab - 1) & 0xff); b[1] = (unsigned char)((n_vocab - 1) >> 8); out_write(&o, b, 2);
    PUT32(d->temperature); PUT32(d->top_k); PUT32(d->top_p); PUT32(d->min_p); PUT32(d->typical_p);
    PUT32(d->min_keep); { int32_t pl = d->penalty_last_n + 8; PUT32(pl); }
    PUT32(d->repeat_penalty); PUT32(d->frequency_penalty); PUT32(d->presence_penalty);
    b[0] = (unsigned char)d->n_logit_bias; out_write(&o, b, 1);
    for (i = 0; i < d->n_logit_bias; i++) { PUT32(d->logit_bias[i].token); PUT32(d->logit_bias[i].bias); }
    { uint32_t s = (uint32_t)d->seed; PUT32(s); }
    b[0] = (unsigned char)n_acc; out_write(&o, b, 1);
    for (i = 0; i < n_acc; i++) { int32_t t = (i * 7) % n_vocab; PUT32(t); }
    for (i = 0; i < n_vocab; i++) { float f = (float)((i * 37) % 23) * 0.25f - 2.0f; if (i == 3) f = 5.0f; PUT32(f); }
#undef PUT32
    put("sample", name, o.p, o.n);
    free(o.p);
}

static void sample_seeds(void) {
    llml_sampler_desc d;
    llml_logit_bias lb[2];
    memset(&d, 0, sizeof(d));
    sample_seed("greedy", &d, 32, 0);
    d = llml_sampler_default_desc();
    sample_seed("default", &d, 64, 5);
    d.repeat_penalty = 1.3f; d.frequency_penalty = 0.5f; d.presence_penalty = 0.25f; d.penalty_last_n = 8;
    sample_seed("penalties", &d, 40, 12);
    memset(&d, 0, sizeof(d));
    d.temperature = 1.0f; d.typical_p = 0.7f; d.min_keep = 2; d.seed = 7;
    sample_seed("typical", &d, 50, 0);
    memset(&d, 0, sizeof(d));
    d.temperature = 0.5f; d.top_k = 5; d.top_p = 0.9f; d.min_p = 0.1f;
    lb[0].token = 3; lb[0].bias = -INFINITY; lb[1].token = 1; lb[1].bias = 2.0f;
    d.logit_bias = lb; d.n_logit_bias = 2;
    sample_seed("bias", &d, 16, 1);
    memset(&d, 0, sizeof(d));
    d.temperature = 2.0f;
    sample_seed("one-token", &d, 1, 1);
}

int main(int argc, char **argv) {
    const char *td = getenv("LLML_TESTDATA") ? getenv("LLML_TESTDATA") : "../shared/testdata";
    static const char *const models[][2] = {
        {"arch/llama-f32.gguf", "llama"}, {"arch/llama3-f32.gguf", "llama3"}, {"arch/llama-moe-f32.gguf", "llama-moe"},
        {"arch/qwen2-f32.gguf", "qwen2"}, {"arch/qwen2moe-f32.gguf", "qwen2moe"}, {"arch/gemma-f32.gguf", "gemma"},
        {"arch/gemma2-f32.gguf", "gemma2"}, {"arch/phi3-f32.gguf", "phi3"}, {"arch-next/qwen3-f32.gguf", "qwen3"},
        {"arch-next/gemma3-f32.gguf", "gemma3"}, {"real/stories260K.gguf", "stories"}
    };
    int i;
    if (argc != 2) { fprintf(stderr, "usage: mkseeds OUTDIR\n"); return 2; }
    outdir = argv[1];
    for (i = 0; i < (int)(sizeof(models) / sizeof(models[0])); i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", td, models[i][0]);
        tiny_model(path, models[i][1], 0);
        tiny_model(path, models[i][1], 1);
        if (i == 0) tiny_model(path, models[i][1], 2);
    }
    vocab_seeds(td);
    every_type_seed();
    chat_seeds(td);
    sample_seeds();
    printf("mkseeds: %d seed files in %s, %d problems\n", n_written, outdir, n_bad);
    return n_bad ? 1 : 0;
}
