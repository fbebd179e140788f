
/* ------------------------------------------------------------------------ */
/* >>plan  sizing: shapes, devices, context sizes, plans, speed model        */
/* ------------------------------------------------------------------------ */

/* Everything here is arithmetic on a GGUF header or a description: no
   weights are read. Exact parts: tensor bytes (block layouts and the mix
   rules), KV cache bytes (the cache layout of >>model), llmlite's own
   buffers (llml_ctx_sizes_get: what llml_ctx_create allocates). Predicted parts:
   speeds, from bytes moved and FLOPs, over device bandwidth and throughput
   times an efficiency (defaults per device kind, or calibrated). */

/* Lower-case alphanumerics only: "RTX 3060-Ti" -> "rtx3060ti". */
static void llml__plan_norm(const char *s, char *out, size_t cap) {
    size_t k = 0;
    if (!cap) return;
    for (; s && *s && k + 1 < cap; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out[k++] = c;
    }
    out[k] = 0;
}

static uint64_t llml__plan_round64(uint64_t x) { return (x + 63u) & ~(uint64_t)63u; }

/* ---- shapes from GGUF headers ---- */

LLML_API llml_result llml_shape_from_gguf(const llml_gguf *g, llml_shape *out, llml_error *err) {
    const char *arch = NULL;
    char key[96];
    int64_t ti;
    if (!g || !out) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_shape_from_gguf: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (llml_gguf_get_str(g, "general.architecture", &arch) != LLML_OK || !arch) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "key general.architecture not found");
        return LLML_ERR_NOT_FOUND;
    }
    if (strlen(arch) >= sizeof out->arch) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_ARCH, UINT64_MAX, "architecture name too long");
        return LLML_ERR_UNSUPPORTED_ARCH;
    }
    memcpy(out->arch, arch, strlen(arch) + 1);
#define LLML__SHAPE_KEY(field, suffix, def) \
    (snprintf(key, sizeof key, "%s." suffix, arch), out->field = llml__mix_get_int(g, key, def))
    LLML__SHAPE_KEY(n_embd, "embedding_length", 0);
    LLML__SHAPE_KEY(n_layer, "block_count", 0);
    LLML__SHAPE_KEY(n_head, "attention.head_count", 0);
    LLML__SHAPE_KEY(n_head_kv, "attention.head_count_kv", out->n_head);
    LLML__SHAPE_KEY(head_dim, "attention.key_length", 0);
    LLML__SHAPE_KEY(head_dim_v, "attention.value_length", 0);
    LLML__SHAPE_KEY(n_ff, "feed_forward_length", 0);
    LLML__SHAPE_KEY(n_expert, "expert_count", 0);
    LLML__SHAPE_KEY(n_expert_used, "expert_used_count", 0);
    LLML__SHAPE_KEY(n_ff_exp, "expert_feed_forward_length", 0);
    LLML__SHAPE_KEY(n_ff_shexp, "expert_shared_feed_forward_length", 0);
    LLML__SHAPE_KEY(n_vocab, "vocab_size", 0);
#undef LLML__SHAPE_KEY
    snprintf(key, sizeof key, "%s.rope.dimension_count", arch);
    out->n_rot = llml__mix_get_int(g, key, 0);
    snprintf(key, sizeof key, "%s.context_length", arch);
    out->n_ctx_train = (int32_t)LLML__MIN(llml__mix_get_int(g, key, 0), (int64_t)INT32_MAX);
    snprintf(key, sizeof key, "%s.attention.sliding_window", arch);
    out->sliding_window = (int32_t)LLML__MIN(llml__mix_get_int(g, key, 0), (int64_t)INT32_MAX);
    ti = llml_gguf_find_tensor(g, "token_embd.weight");
    if (ti >= 0) out->n_vocab = llml_gguf_tensor_at(g, ti)->ne[1];
    if (out->n_vocab == 0) {
        int64_t ki = llml_gguf_find_key(g, "tokenizer.ggml.tokens");
        if (ki >= 0 && llml_gguf_kv_type(g, ki) == LLML_GGUF_ARRAY) out->n_vocab = (int64_t)llml_gguf_arr_len(g, ki);
    }
    out->tied_output = llml_gguf_find_tensor(g, "output.weight") < 0;
    if (out->n_ff_shexp == 0) {
        ti = llml_gguf_find_tensor(g, "blk.0.ffn_up_shexp.weight");
        if (ti >= 0) out->n_ff_shexp = llml_gguf_tensor_at(g, ti)->ne[1];
    }
    if (out->n_expert > 0 && out->n_ff_exp == 0) {
        ti = llml_gguf_find_tensor(g, "blk.0.ffn_up_exps.weight");
        if (ti >= 0) out->n_ff_exp = llml_gguf_tensor_at(g, ti)->ne[1];
    }
    if (out->n_embd <= 0 || out->n_layer <= 0 || out->n_head <= 0) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX,
                        "%s: embedding_length, block_count or attention.head_count missing", arch);
        return LLML_ERR_NOT_FOUND;
    }
    if (out->head_dim <= 0) out->head_dim = out->n_embd / out->n_head;
    if (out->head_dim_v <= 0) out->head_dim_v = out->head_dim;
    return LLML_OK;
}

/* ---- built-in shapes ---- */

typedef struct llml__preset {
    const char *name, *family, *arch;
    int64_t n_vocab, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff;
    int64_t n_expert, n_expert_used, n_ff_exp, n_ff_shexp;
    int32_t tied, n_ctx_train, swa;
} llml__preset;

/* From the models' published configurations (config.json). */
static const llml__preset llml__presets[] = {
    /* name              family   arch        vocab   embd   L    H   KV  hd   ff     X   Xu  ffX   ffS  tied ctx      swa */
    { "llama2-7b",      "llama2", "llama",    32000,  4096,  32,  32, 32, 128, 11008,  0, 0,  0,    0,    0, 4096,    0 },
    { "llama2-13b",     "llama2", "llama",    32000,  5120,  40,  40, 40, 128, 13824,  0, 0,  0,    0,    0, 4096,    0 },
    { "llama2-70b",     "llama2", "llama",    32000,  8192,  80,  64,  8, 128, 28672,  0, 0,  0,    0,    0, 4096,    0 },
    { "tinyllama-1.1b", "llama2", "llama",    32000,  2048,  22,  32,  4,  64,  5632,  0, 0,  0,    0,    0, 2048,    0 },
    { "llama3.2-1b",    "llama",  "llama",   128256,  2048,  16,  32,  8,  64,  8192,  0, 0,  0,    0,    1, 131072,  0 },
    { "llama3.2-3b",    "llama",  "llama",   128256,  3072,  28,  24,  8, 128,  8192,  0, 0,  0,    0,    1, 131072,  0 },
    { "llama3.1-8b",    "llama",  "llama",   128256,  4096,  32,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 131072,  0 },
    { "llama3-8b",      "llama",  "llama",   128256,  4096,  32,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 8192,    0 },
    { "llama3.1-70b",   "llama",  "llama",   128256,  8192,  80,  64,  8, 128, 28672,  0, 0,  0,    0,    0, 131072,  0 },
    { "llama3.1-405b",  "llama",  "llama",   128256, 16384, 126, 128,  8, 128, 53248,  0, 0,  0,    0,    0, 131072,  0 },
    { "smollm2-1.7b",   "smollm", "llama",    49152,  2048,  24,  32, 32,  64,  8192,  0, 0,  0,    0,    1, 8192,    0 },
    { "mistral-7b",     "mistral","llama",    32768,  4096,  32,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 32768,   0 },
    { "mistral-nemo-12b","mistral","llama",  131072,  5120,  40,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 131072,  0 },
    { "mistral-small-24b","mistral","llama", 131072,  5120,  40,  32,  8, 128, 32768,  0, 0,  0,    0,    0, 32768,   0 },
    { "mistral-large-123b","mistral","llama", 32768, 12288,  88,  96,  8, 128, 28672,  0, 0,  0,    0,    0, 131072,  0 },
    { "mixtral-8x7b",   "mixtral","llama",    32000,  4096,  32,  32,  8, 128, 14336,  8, 2, 14336, 0,    0, 32768,   0 },
    { "mixtral-8x22b",  "mixtral","llama",    32768,  6144,  56,  48,  8, 128, 16384,  8, 2, 16384, 0,    0, 65536,   0 },
    { "qwen2.5-0.5b",   "qwen2",  "qwen2",   151936,   896,  24,  14,  2,  64,  4864,  0, 0,  0,    0,    1, 32768,   0 },
    { "qwen2.5-1.5b",   "qwen2",  "qwen2",   151936,  1536,  28,  12,  2, 128,  8960,  0, 0,  0,    0,    1, 32768,   0 },
    { "qwen2.5-3b",     "qwen2",  "qwen2",   151936,  2048,  36,  16,  2, 128, 11008,  0, 0,  0,    0,    1, 32768,   0 },
    { "qwen2.5-7b",     "qwen2",  "qwen2",   152064,  3584,  28,  28,  4, 128, 18944,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen2.5-14b",    "qwen2",  "qwen2",   152064,  5120,  48,  40,  8, 128, 13824,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen2.5-32b",    "qwen2",  "qwen2",   152064,  5120,  64,  40,  8, 128, 27648,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen2.5-72b",    "qwen2",  "qwen2",   152064,  8192,  80,  64,  8, 128, 29568,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen1.5-moe-a2.7b","qwen2moe","qwen2moe",151936,2048, 24,  16, 16, 128,  5632, 60, 4, 1408, 5632,  0, 8192,    0 },
    { "qwen3-0.6b",     "qwen3",  "qwen3",   151936,  1024,  28,  16,  8, 128,  3072,  0, 0,  0,    0,    1, 40960,   0 },
    { "qwen3-1.7b",     "qwen3",  "qwen3",   151936,  2048,  28,  16,  8, 128,  6144,  0, 0,  0,    0,    1, 40960,   0 },
    { "qwen3-4b",       "qwen3",  "qwen3",   151936,  2560,  36,  32,  8, 128,  9728,  0, 0,  0,    0,    1, 40960,   0 },
    { "qwen3-8b",       "qwen3",  "qwen3",   151936,  4096,  36,  32,  8, 128, 12288,  0, 0,  0,    0,    0, 40960,   0 },
    { "qwen3-14b",      "qwen3",  "qwen3",   151936,  5120,  40,  40,  8, 128, 17408,  0, 0,  0,    0,    0, 40960,   0 },
    { "qwen3-32b",      "qwen3",  "qwen3",   151936,  5120,  64,  64,  8, 128, 25600,  0, 0,  0,    0,    0, 40960,   0 },
    { "qwen3-30b-a3b",  "qwen3moe","qwen3moe",151936, 2048,  48,  32,  4, 128,  6144,128, 8,  768,  0,    0, 40960,   0 },
    { "qwen3-235b-a22b","qwen3moe","qwen3moe",151936, 4096,  94,  64,  4, 128, 12288,128, 8, 1536,  0,    0, 40960,   0 },
    { "gemma2-2b",      "gemma2", "gemma2",  256000,  2304,  26,   8,  4, 256,  9216,  0, 0,  0,    0,    1, 8192,  4096 },
    { "gemma2-9b",      "gemma2", "gemma2",  256000,  3584,  42,  16,  8, 256, 14336,  0, 0,  0,    0,    1, 8192,  4096 },
    { "gemma2-27b",     "gemma2", "gemma2",  256000,  4608,  46,  32, 16, 128, 36864,  0, 0,  0,    0,    1, 8192,  4096 },
    { "gemma3-1b",      "gemma3", "gemma3",  262144,  1152,  26,   4,  1, 256,  6912,  0, 0,  0,    0,    1, 32768,  512 },
    { "gemma3-4b",      "gemma3", "gemma3",  262208,  2560,  34,   8,  4, 256, 10240,  0, 0,  0,    0,    1, 131072, 1024 },
    { "gemma3-12b",     "gemma3", "gemma3",  262208,  3840,  48,  16,  8, 256, 15360,  0, 0,  0,    0,    1, 131072, 1024 },
    { "gemma3-27b",     "gemma3", "gemma3",  262208,  5376,  62,  32, 16, 128, 21504,  0, 0,  0,    0,    1, 131072, 1024 },
    { "phi3-mini",      "phi3",   "phi3",     32064,  3072,  32,  32, 32,  96,  8192,  0, 0,  0,    0,    0, 4096,    0 },
    { "phi3-medium",    "phi3",   "phi3",     32064,  5120,  40,  40, 10, 128, 17920,  0, 0,  0,    0,    0, 4096,    0 },
    { "phi4-14b",       "phi3",   "phi3",    100352,  5120,  40,  40, 10, 128, 17920,  0, 0,  0,    0,    0, 16384,   0 }
};
#define LLML__N_PRESETS ((int32_t)(sizeof llml__presets / sizeof llml__presets[0]))

static void llml__preset_to_shape(const llml__preset *p, llml_shape *s) {
    memset(s, 0, sizeof *s);
    memcpy(s->arch, p->arch, strlen(p->arch) + 1);
    s->n_vocab = p->n_vocab; s->n_embd = p->n_embd; s->n_layer = p->n_layer;
    s->n_head = p->n_head; s->n_head_kv = p->n_head_kv;
    s->head_dim = p->head_dim; s->head_dim_v = p->head_dim;
    s->n_ff = p->n_ff; s->n_expert = p->n_expert; s->n_expert_used = p->n_expert_used;
    s->n_ff_exp = p->n_ff_exp; s->n_ff_shexp = p->n_ff_shexp;
    s->tied_output = p->tied; s->n_ctx_train = p->n_ctx_train; s->sliding_window = p->swa;
}

LLML_API const char *llml_shape_preset_name(int32_t i) {
    return i >= 0 && i < LLML__N_PRESETS ? llml__presets[i].name : NULL;
}

LLML_API llml_result llml_shape_preset(const char *name, llml_shape *out) {
    char want[64], have[64];
    int32_t i;
    if (!name || !out) return LLML_ERR_INVALID_ARG;
    llml__plan_norm(name, want, sizeof want);
    for (i = 0; i < LLML__N_PRESETS; i++) {
        llml__plan_norm(llml__presets[i].name, have, sizeof have);
        if (strcmp(want, have) == 0) { llml__preset_to_shape(&llml__presets[i], out); return LLML_OK; }
    }
    return LLML_ERR_NOT_FOUND;
}

/* ---- tensors of a shape ---- */

#define LLML__SHAPE_MAX_PER_LAYER 24

static int64_t llml__shape_hd(const llml_shape *s) { return s->head_dim > 0 ? s->head_dim : (s->n_head > 0 ? s->n_embd / s->n_head : 0); }
static int64_t llml__shape_hdv(const llml_shape *s) { return s->head_dim_v > 0 ? s->head_dim_v : llml__shape_hd(s); }
static int64_t llml__shape_ffx(const llml_shape *s) { return s->n_ff_exp > 0 ? s->n_ff_exp : s->n_ff; }

/* Append one tensor (when t is not NULL and k < cap). */
static void llml__shape_put(llml_tensor_shape *t, char (*names)[64], int64_t cap, int64_t *k,
                            const char *name, int64_t il, int64_t ne0, int64_t ne1, int64_t ne2) {
    if (t && *k < cap) {
        llml_tensor_shape *x = &t[*k];
        if (il >= 0) snprintf(names[*k], 64, "blk.%lld.%s", (long long)il, name);
        else snprintf(names[*k], 64, "%s", name);
        x->name = names[*k];
        x->type = LLML_TYPE_F32;
        x->ne[0] = ne0; x->ne[1] = ne1; x->ne[2] = ne2; x->ne[3] = 1;
        x->n_dims = ne2 > 1 ? 3u : (ne1 > 1 ? 2u : 1u);
    }
    (*k)++;
}

/* Tensors of layer il (il < 0: the non-layer tensors). */
static void llml__shape_emit(const llml_shape *s, int64_t il, llml_tensor_shape *t, char (*names)[64],
                             int64_t cap, int64_t *k) {
    const char *a = s->arch;
    const int64_t E = s->n_embd, hd = llml__shape_hd(s), hdv = llml__shape_hdv(s);
    const int64_t nq = s->n_head * hd, nk = s->n_head_kv * hd, nv = s->n_head_kv * hdv;
    const int is_qwen2 = strncmp(a, "qwen2", 5) == 0;
    const int qk_norm = strncmp(a, "qwen3", 5) == 0 || strcmp(a, "gemma3") == 0;
    const int post_norms = strcmp(a, "gemma2") == 0 || strcmp(a, "gemma3") == 0;
    const int is_phi3 = strcmp(a, "phi3") == 0;
    if (il < 0) {
        llml__shape_put(t, names, cap, k, "token_embd.weight", -1, E, s->n_vocab, 1);
        llml__shape_put(t, names, cap, k, "output_norm.weight", -1, E, 1, 1);
        if (!s->tied_output) llml__shape_put(t, names, cap, k, "output.weight", -1, E, s->n_vocab, 1);
        return;
    }
    llml__shape_put(t, names, cap, k, "attn_norm.weight", il, E, 1, 1);
    if (is_phi3) {
        llml__shape_put(t, names, cap, k, "attn_qkv.weight", il, E, nq + nk + nv, 1);
    } else {
        llml__shape_put(t, names, cap, k, "attn_q.weight", il, E, nq, 1);
        llml__shape_put(t, names, cap, k, "attn_k.weight", il, E, nk, 1);
        llml__shape_put(t, names, cap, k, "attn_v.weight", il, E, nv, 1);
    }
    if (is_qwen2) {
        llml__shape_put(t, names, cap, k, "attn_q.bias", il, nq, 1, 1);
        llml__shape_put(t, names, cap, k, "attn_k.bias", il, nk, 1, 1);
        llml__shape_put(t, names, cap, k, "attn_v.bias", il, nv, 1, 1);
    }
    if (qk_norm) {
        llml__shape_put(t, names, cap, k, "attn_q_norm.weight", il, hd, 1, 1);
        llml__shape_put(t, names, cap, k, "attn_k_norm.weight", il, hd, 1, 1);
    }
    llml__shape_put(t, names, cap, k, "attn_output.weight", il, s->n_head * hdv, E, 1);
    if (post_norms) llml__shape_put(t, names, cap, k, "post_attention_norm.weight", il, E, 1, 1);
    llml__shape_put(t, names, cap, k, "ffn_norm.weight", il, E, 1, 1);
    if (s->n_expert > 1) {
        const int64_t F = llml__shape_ffx(s), X = s->n_expert;
        llml__shape_put(t, names, cap, k, "ffn_gate_inp.weight", il, E, X, 1);
        llml__shape_put(t, names, cap, k, "ffn_gate_exps.weight", il, E, F, X);
        llml__shape_put(t, names, cap, k, "ffn_up_exps.weight", il, E, F, X);
        llml__shape_put(t, names, cap, k, "ffn_down_exps.weight", il, F, E, X);
        if (s->n_ff_shexp > 0) {
            llml__shape_put(t, names, cap, k, "ffn_gate_inp_shexp.weight", il, E, 1, 1);
            llml__shape_put(t, names, cap, k, "ffn_gate_shexp.weight", il, E, s->n_ff_shexp, 1);
            llml__shape_put(t, names, cap, k, "ffn_up_shexp.weight", il, E, s->n_ff_shexp, 1);
            llml__shape_put(t, names, cap, k, "ffn_down_shexp.weight", il, s->n_ff_shexp, E, 1);
        }
    } else if (is_phi3) {
        llml__shape_put(t, names, cap, k, "ffn_up.weight", il, E, 2 * s->n_ff, 1);
        llml__shape_put(t, names, cap, k, "ffn_down.weight", il, s->n_ff, E, 1);
    } else {
        llml__shape_put(t, names, cap, k, "ffn_gate.weight", il, E, s->n_ff, 1);
        llml__shape_put(t, names, cap, k, "ffn_up.weight", il, E, s->n_ff, 1);
        llml__shape_put(t, names, cap, k, "ffn_down.weight", il, s->n_ff, E, 1);
    }
    if (post_norms) llml__shape_put(t, names, cap, k, "post_ffw_norm.weight", il, E, 1, 1);
}

static int llml__shape_valid(const llml_shape *s) {
    const int64_t big = (int64_t)1 << 24;   /* any one dimension */
    return s && s->n_vocab > 0 && s->n_vocab < ((int64_t)1 << 26) && s->n_embd > 0 && s->n_embd < big &&
           s->n_layer > 0 && s->n_layer < 100000 && s->n_head > 0 && s->n_head < big &&
           s->n_head_kv >= 0 && s->n_head_kv <= s->n_head && llml__shape_hd(s) > 0 && llml__shape_hd(s) < big &&
           llml__shape_hdv(s) > 0 && llml__shape_hdv(s) < big && s->n_ff >= 0 && s->n_ff < big &&
           s->n_expert >= 0 && s->n_expert < 100000 && s->n_expert_used >= 0 &&
           s->n_expert_used <= LLML__MAX(s->n_expert, 1) && s->n_ff_exp >= 0 && s->n_ff_exp < big &&
           s->n_ff_shexp >= 0 && s->n_ff_shexp < big && s->arch[sizeof s->arch - 1] == 0;
}

LLML_API llml_result llml_shape_tensors(const llml_shape *s, llml_tensor_shape *t,
                                        char (*names)[64], int64_t cap, int64_t *n) {
    int64_t k = 0, il;
    if (!s || !n || cap < 0 || (cap > 0 && (!t || !names))) return LLML_ERR_INVALID_ARG;
    if (!llml__shape_valid(s)) return LLML_ERR_BAD_SHAPE;
    llml__shape_emit(s, -1, t, names, cap, &k);
    for (il = 0; il < s->n_layer; il++) llml__shape_emit(s, il, t, names, cap, &k);
    *n = k;
    return k > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

/* Elements of the non-layer tensors and of one layer. */
static void llml__shape_counts(const llml_shape *s, double *global, double *layer) {
    llml_tensor_shape t[LLML__SHAPE_MAX_PER_LAYER];
    char names[LLML__SHAPE_MAX_PER_LAYER][64];
    int64_t k, i;
    double sum;
    k = 0; llml__shape_emit(s, -1, t, names, LLML__SHAPE_MAX_PER_LAYER, &k);
    for (sum = 0, i = 0; i < k; i++) sum += (double)t[i].ne[0] * (double)t[i].ne[1] * (double)t[i].ne[2];
    *global = sum;
    k = 0; llml__shape_emit(s, 0, t, names, LLML__SHAPE_MAX_PER_LAYER, &k);
    for (sum = 0, i = 0; i < k; i++) sum += (double)t[i].ne[0] * (double)t[i].ne[1] * (double)t[i].ne[2];
    *layer = sum;
}

LLML_API llml_result llml_shape_from_params(const char *family, double n_params, llml_shape *out) {
    char fam[48], pf[48], pn[64];
    const llml__preset *best = NULL;
    double best_d = 0, g, l;
    int32_t i;
    if (!family || !out || !(n_params > 0) || n_params > 1e14) return LLML_ERR_INVALID_ARG;
    llml__plan_norm(family, fam, sizeof fam);
    for (i = 0; i < LLML__N_PRESETS; i++) {
        const llml__preset *p = &llml__presets[i];
        double d;
        llml__plan_norm(p->family, pf, sizeof pf);
        llml__plan_norm(p->name, pn, sizeof pn);
        if (strcmp(fam, pf) != 0 && strncmp(pn, fam, strlen(fam)) != 0) continue;
        llml__preset_to_shape(p, out);
        llml__shape_counts(out, &g, &l);
        d = fabs(log(n_params / (g + l * (double)p->n_layer)));
        if (!best || d < best_d) { best = p; best_d = d; }
    }
    if (!best) return LLML_ERR_NOT_FOUND;
    llml__preset_to_shape(best, out);
    llml__shape_counts(out, &g, &l);
    if (best_d > 0.02) {   /* scale the depth to the count */
        double nl = (n_params - g) / l;
        out->n_layer = nl < 1 ? 1 : (int64_t)(nl + 0.5);
    }
    return LLML_OK;
}

/* ---- devices ---- */

/* From the makers' published specifications. tflops: dense FP16 on tensor
   / matrix units where the device has them, else FP32 (older GPUs); CPUs:
   FP32 FMA peak of all cores at an all-core clock. CPU memory: the most the
   platform takes (pass your own with a device of your own). Bandwidths of
   the CPUs in ../shared/sizing/published.md are the ones given there. */
#define LLML__DEV(name, kind, mem, bw, tf, memory) \
    { name, LLML_DEVICE_##kind, mem, bw, tf, memory, 0, 0, 0, 0, 0, NULL }
static const llml_device llml__devices[] = {
    /* CPUs */
    LLML__DEV("Generic desktop CPU",          CPU,   32,   51.2,  1.0,  "DDR4-3200 2 ch (assumed)"),
    LLML__DEV("Xeon E3-1226 v3",              CPU,   32,   22,    0.45, "DDR3-1333 2 ch"),
    LLML__DEV("Core i7-6820HQ",               CPU,   64,   34.1,  0.41, "DDR4-2133 2 ch"),
    LLML__DEV("Xeon E5-2696 v3",              CPU,  768,   68.3,  1.61, "DDR4-2133 4 ch"),
    LLML__DEV("Core i3-10100",                CPU,  128,   41.6,  0.52, "DDR4-2666 2 ch"),
    LLML__DEV("Core i7-8700",                 CPU,  128,   35,    0.83, "DDR4-2666 2 ch"),
    LLML__DEV("Core i7-13700T",               CPU,  192,   43,    0.96, "DDR4-3200 2 ch"),
    LLML__DEV("Core i5-12400",                CPU,  128,   76.8,  0.77, "DDR5-4800 2 ch"),
    LLML__DEV("Core i9-14900K",               CPU,  192,   89.6,  2.5,  "DDR5-5600 2 ch"),
    LLML__DEV("Core Ultra 7 155H",            CPU,   96,  120,    1.25, "LPDDR5X-7467 128-bit"),
    LLML__DEV("Core Ultra 7 258V",            CPU,   32,  136.5,  1.0,  "LPDDR5X-8533 128-bit"),
    LLML__DEV("Core Ultra 9 285K",            CPU,  192,  102.4,  3.7,  "DDR5-6400 2 ch"),
    LLML__DEV("Ryzen 5 5600X",                CPU,  128,   51.2,  0.84, "DDR4-3200 2 ch"),
    LLML__DEV("Ryzen 7 5800X",                CPU,  128,   51.2,  1.15, "DDR4-3200 2 ch"),
    LLML__DEV("Ryzen 7 7800X3D",              CPU,  128,   83.2,  1.23, "DDR5-5200 2 ch"),
    LLML__DEV("Ryzen 9 7950X",                CPU,  192,   83.2,  2.6,  "DDR5-5200 2 ch"),
    LLML__DEV("Ryzen 7 8845HS",               CPU,  256,  120,    1.15, "LPDDR5X-7500 128-bit"),
    LLML__DEV("Ryzen 7 9700X",                CPU,  192,   89.6,  2.6,  "DDR5-5600 2 ch"),
    LLML__DEV("Ryzen 9 9950X",                CPU,  192,   89.6,  5.1,  "DDR5-5600 2 ch"),
    LLML__DEV("Ryzen AI 9 HX 370",            CPU,  256,  120,    1.27, "LPDDR5X-7500 128-bit"),
    LLML__DEV("Ryzen AI Max+ 395",            CPU,  128,  256,    4.6,  "LPDDR5X-8000 256-bit"),
    LLML__DEV("Threadripper 7980X",           CPU, 1000,  166.4,  8.2,  "DDR5-5200 4 ch"),
    LLML__DEV("EPYC 9654",                    CPU, 6000,  460.8,  9.2,  "DDR5-4800 12 ch"),
    LLML__DEV("Snapdragon X Elite X1E-78-100",CPU,   64,  135,    1.31, "LPDDR5X-8448 128-bit"),
    LLML__DEV("Raspberry Pi 4",               CPU,    8,   12.8,  0.12, "LPDDR4-3200 32-bit"),
    LLML__DEV("Raspberry Pi 5",               CPU,   16,   17.1,  0.15, "LPDDR4X-4267 32-bit"),
    /* discrete GPUs */
    LLML__DEV("Quadro M1000M",                GPU,    2,   80,    1.0,  "GDDR5 128-bit"),
    LLML__DEV("GeForce GTX 960",              GPU,    2,  112,    2.3,  "GDDR5 128-bit (4 GB boards exist)"),
    LLML__DEV("P106-100",                     GPU,    6,  192,    4.4,  "GDDR5 192-bit"),
    LLML__DEV("Tesla P100",                   GPU,   16,  732,   18.7,  "HBM2 4096-bit"),
    LLML__DEV("Tesla T4",                     GPU,   16,  320,   65,    "GDDR6 256-bit"),
    LLML__DEV("Tesla V100",                   GPU,   32,  900,  125,    "HBM2 4096-bit"),
    LLML__DEV("GeForce RTX 3060",             GPU,   12,  360,   51,    "GDDR6 192-bit"),
    LLML__DEV("GeForce RTX 3060 Ti",          GPU,    8,  448,   65,    "GDDR6 256-bit"),
    LLML__DEV("GeForce RTX 3070 Ti",          GPU,    8,  608,   87,    "GDDR6X 256-bit"),
    LLML__DEV("GeForce RTX 3080",             GPU,   10,  760,  119,    "GDDR6X 320-bit"),
    LLML__DEV("GeForce RTX 3090",             GPU,   24,  936,  142,    "GDDR6X 384-bit"),
    LLML__DEV("GeForce RTX 4050 Laptop",      GPU,    6,  192,   48,    "GDDR6 96-bit"),
    LLML__DEV("GeForce RTX 4060",             GPU,    8,  272,   60,    "GDDR6 128-bit"),
    LLML__DEV("GeForce RTX 4060 Ti 16GB",     GPU,   16,  288,   88,    "GDDR6 128-bit"),
    LLML__DEV("GeForce RTX 4070",             GPU,   12,  504,  117,    "GDDR6X 192-bit"),
    LLML__DEV("GeForce RTX 4080",             GPU,   16,  717,  195,    "GDDR6X 256-bit"),
    LLML__DEV("GeForce RTX 4090",             GPU,   24, 1008,  330,    "GDDR6X 384-bit"),
    LLML__DEV("GeForce RTX 5080",             GPU,   16,  960,  225,    "GDDR7 256-bit"),
    LLML__DEV("GeForce RTX 5090",             GPU,   32, 1792,  419,    "GDDR7 512-bit"),
    LLML__DEV("RTX A6000",                    GPU,   48,  768,  155,    "GDDR6 384-bit"),
    LLML__DEV("RTX 6000 Ada",                 GPU,   48,  960,  364,    "GDDR6 384-bit"),
    LLML__DEV("A100 40GB",                    GPU,   40, 1555,  312,    "HBM2 5120-bit"),
    LLML__DEV("A100 80GB",                    GPU,   80, 2039,  312,    "HBM2e 5120-bit"),
    LLML__DEV("H100",                         GPU,   80, 3350,  989,    "HBM3 5120-bit (SXM)"),
    LLML__DEV("H100 PCIe",                    GPU,   80, 2000,  756,    "HBM2e 5120-bit"),
    LLML__DEV("H200",                         GPU,  141, 4800,  989,    "HBM3e 6144-bit"),
    LLML__DEV("B200",                         GPU,  180, 8000, 2250,    "HBM3e 8192-bit"),
    LLML__DEV("Instinct MI300X",              GPU,  192, 5300, 1307,    "HBM3 8192-bit"),
    LLML__DEV("Radeon RX 6600",               GPU,    8,  224,   17.9,  "GDDR6 128-bit"),
    LLML__DEV("Radeon RX 7600",               GPU,    8,  288,   43.5,  "GDDR6 128-bit"),
    LLML__DEV("Radeon RX 7900 XTX",           GPU,   24,  960,  123,    "GDDR6 384-bit"),
    LLML__DEV("Radeon RX 9070 XT",            GPU,   16,  640,  195,    "GDDR6 256-bit"),
    LLML__DEV("Arc B580",                     GPU,   12,  456,  117,    "GDDR6 192-bit"),
    LLML__DEV("RTX 3070 Ti Laptop",           GPU,    8,  448,   66,    "GDDR6 256-bit"),
    /* integrated GPUs sharing system memory */
    LLML__DEV("Jetson Nano",                  UNIFIED, 4,  25.6,  0.47, "LPDDR4 64-bit"),
    LLML__DEV("Jetson Orin Nano",             UNIFIED, 8, 102,   17,    "LPDDR5 128-bit"),
    LLML__DEV("Radeon 8060S",                 UNIFIED,128,256,   59,    "LPDDR5X-8000 256-bit (Ryzen AI Max+ 395)"),
    LLML__DEV("Apple M1",                     UNIFIED, 16,  66,    2.6, "LPDDR4X-4266 128-bit"),
    LLML__DEV("Apple M1 Pro",                 UNIFIED, 32, 200,    5.2, "LPDDR5-6400 256-bit"),
    LLML__DEV("Apple M1 Max",                 UNIFIED, 64, 400,   10.4, "LPDDR5-6400 512-bit"),
    LLML__DEV("Apple M1 Ultra",               UNIFIED,128, 800,   21,   "LPDDR5-6400 1024-bit"),
    LLML__DEV("Apple M2",                     UNIFIED, 24, 100,    3.6, "LPDDR5-6400 128-bit"),
    LLML__DEV("Apple M2 Pro",                 UNIFIED, 32, 200,    6.8, "LPDDR5-6400 256-bit"),
    LLML__DEV("Apple M2 Max",                 UNIFIED, 96, 400,   13.6, "LPDDR5-6400 512-bit"),
    LLML__DEV("Apple M2 Ultra",               UNIFIED,192, 800,   27.2, "LPDDR5-6400 1024-bit"),
    LLML__DEV("Apple M3",                     UNIFIED, 24, 100,    4.1, "LPDDR5-6400 128-bit"),
    LLML__DEV("Apple M3 Pro",                 UNIFIED, 36, 150,    7.4, "LPDDR5-6400 192-bit"),
    LLML__DEV("Apple M3 Max",                 UNIFIED,128, 409,   16.4, "LPDDR5-6400 512-bit"),
    LLML__DEV("Apple M3 Ultra",               UNIFIED,512, 819,   28,   "LPDDR5-6400 1024-bit"),
    LLML__DEV("Apple M4",                     UNIFIED, 32, 120,    4.3, "LPDDR5X-7500 128-bit"),
    LLML__DEV("Apple M4 Pro",                 UNIFIED, 64, 273,    9.2, "LPDDR5X-8533 256-bit"),
    LLML__DEV("Apple M4 Max",                 UNIFIED,128, 546,   18.4, "LPDDR5X-8533 512-bit")
};
#undef LLML__DEV
#define LLML__N_DEVICES ((int32_t)(sizeof llml__devices / sizeof llml__devices[0]))

LLML_API int32_t llml_device_count(void) { return LLML__N_DEVICES; }
LLML_API const llml_device *llml_device_at(int32_t i) {
    return i >= 0 && i < LLML__N_DEVICES ? &llml__devices[i] : NULL;
}

LLML_API const llml_device *llml_device_find(const char *name) {
    char want[96], have[96];
    const llml_device *found[3] = { NULL, NULL, NULL };   /* exact, suffix, substring */
    int count[3] = { 0, 0, 0 }, r;
    int32_t i;
    if (!name) return NULL;
    llml__plan_norm(name, want, sizeof want);
    if (!want[0]) return NULL;
    for (i = 0; i < LLML__N_DEVICES; i++) {
        size_t lw = strlen(want), lh;
        const char *p;
        llml__plan_norm(llml__devices[i].name, have, sizeof have);
        lh = strlen(have);
        p = strstr(have, want);
        if (!p) continue;
        r = lw == lh ? 0 : (p + lw == have + lh ? 1 : 2);
        if (!found[r]) found[r] = &llml__devices[i];
        count[r]++;
    }
    for (r = 0; r < 3; r++)
        if (count[r]) return count[r] == 1 ? found[r] : NULL;
    return NULL;
}

/* Default efficiencies of each kind. Generation reaches a fraction of the
   memory bandwidth; each token also pays a fixed cost per layer (kernel
   launches and synchronisation) and per token (sampling, the host side). */
LLML_API void llml_device_defaults(const llml_device *d, double *bw_eff, double *compute_eff,
                                   double *layer_us) {
    double b = 0.7, c = 0.5, l = 15;
    if (d && d->kind == LLML_DEVICE_GPU) { b = 0.7; c = 0.35; l = 100; }
    if (d && d->kind == LLML_DEVICE_UNIFIED) { b = 0.6; c = 0.4; l = 30; }
    if (d && d->bw_eff > 0) b = d->bw_eff;
    if (d && d->compute_eff > 0) c = d->compute_eff;
    if (d && d->layer_us > 0) l = d->layer_us;
    if (bw_eff) *bw_eff = b;
    if (compute_eff) *compute_eff = c;
    if (layer_us) *layer_us = l;
}

static double llml__device_token_us(const llml_device *d) {
    if (d && d->token_us > 0) return d->token_us;
    if (d && d->kind == LLML_DEVICE_GPU) return 1000;
    if (d && d->kind == LLML_DEVICE_UNIFIED) return 500;
    return 200;
}

/* ---- context sizes ---- */

static uint64_t llml__kv_row(llml_kv_type kt, int64_t n) {
    if (n <= 0) return 0;
    switch (kt) {
    case LLML_KV_F32: return (uint64_t)n * 4u;
    case LLML_KV_Q8_0: return (uint64_t)((n + 31) / 32) * 34u;
    default: return (uint64_t)n * 2u;
    }
}

/* K and V bytes of one token in one layer. */
static uint64_t llml__kv_layer_token(const llml_shape *s, llml_kv_type kt) {
    return llml__kv_row(kt, s->n_head_kv * llml__shape_hd(s)) + llml__kv_row(kt, s->n_head_kv * llml__shape_hdv(s));
}

static int32_t llml__ctx_default_n_ctx(const llml_shape *s, int32_t n_ctx) {
    if (n_ctx > 0) return n_ctx;
    if (s->n_ctx_train > 0 && s->n_ctx_train < 4096) return s->n_ctx_train;
    return 4096;
}

/* The cache format a context really uses: Q8_0 needs heads of a multiple
   of 32 values, else the context keeps F16 (>>ctx). */
static llml_kv_type llml__ctx_kv_type(const llml_shape *s, llml_kv_type kt) {
    if (kt == LLML_KV_DEFAULT) kt = LLML_KV_F16;
    if (kt == LLML_KV_Q8_0 && llml__shape_hd(s) % 32 != 0) kt = LLML_KV_F16;
    return kt;
}

/* The shape of a loaded model, from what its loader found (nothing is
   parsed again): the largest KV head count over the layers, the feed-forward
   width the loader bound (per expert for experts), the shared expert's. */
static void llml__shape_of_model(const llml_model *m, llml_shape *s) {
    int32_t il;
    memset(s, 0, sizeof *s);
    snprintf(s->arch, sizeof s->arch, "%s", m->info.arch);
    s->n_vocab = m->n_vocab;
    s->n_embd = m->info.n_embd;
    s->n_layer = m->info.n_layer;
    s->n_head = m->info.n_head;
    for (il = 0; il < m->info.n_layer; il++) s->n_head_kv = LLML__MAX(s->n_head_kv, (int64_t)m->layers[il].n_head_kv);
    s->head_dim = m->info.head_dim;
    s->head_dim_v = m->head_dim_v;
    s->n_ff = m->info.n_ff;
    s->n_expert = m->info.n_expert;
    s->n_expert_used = m->info.n_expert_used;
    s->n_ff_exp = m->info.n_expert > 0 ? m->info.n_ff : 0;
    s->n_ff_shexp = m->info.n_layer > 0 && m->layers[0].gate_shexp.data ? m->layers[0].gate_shexp.ne[1] : 0;
    s->tied_output = m->output.data == m->tok_embd.data;
    s->n_ctx_train = m->info.n_ctx_train;
    s->sliding_window = m->info.sliding_window;
    s->n_rot = m->info.n_rot;
}

/* The buffers of llml_ctx_create, in its order (LLML__CB_*, >>ctx): per-layer
   cache tables, the K and V cache of each layer, token ids, the activations
   of a batch (x, cur, q, k, v, att, ffa, ffb, ffo, router, expert outputs,
   weights and indices, scales), the quantized activation rows, per-thread
   attention rows, RoPE tables. Each buffer is rounded up to 64 bytes; buf
   (NULL or LLML__CB_COUNT entries) gets them. With a model m, each layer's
   cache rows follow its own KV head count (else the shape's). Logits are
   allocated at the first decode (n_vocab floats per kept output). */
static llml_result llml__ctx_measure(const llml_shape *s, const llml_model *m, const llml_ctx_desc *desc,
                                     uint64_t *buf, llml_ctx_sizes *out) {
    int32_t n_ctx, n_threads;
    llml_kv_type kt;
    int64_t E, hd, hdv, nq, nkv, ff, max_cols, nb, used, nexp, n_rot, il;
    uint64_t b[LLML__CB_COUNT], actq_row;
    const int64_t big = (int64_t)1 << 24;
    int i;
    if (!s || !out) return LLML_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!llml__shape_valid(s)) return LLML_ERR_BAD_SHAPE;
    if (desc && (desc->n_ctx < 0 || desc->n_batch < 0 || desc->n_threads < 0 ||
                 (unsigned)desc->kv_type > (unsigned)LLML_KV_Q8_0 || desc->n_ctx > big))
        return LLML_ERR_INVALID_ARG;
    n_ctx = llml__ctx_default_n_ctx(s, desc ? desc->n_ctx : 0);
    nb = desc && desc->n_batch > 0 ? desc->n_batch : 512;
    if (nb > n_ctx) nb = n_ctx;
    n_threads = desc && desc->n_threads > 0 ? desc->n_threads
              : desc && desc->parallel_for ? 4 : LLML__MIN(llml__cpu_count(), 8);
    if (n_threads > LLML__MAX_THREADS) n_threads = LLML__MAX_THREADS;
    kt = llml__ctx_kv_type(s, desc ? desc->kv_type : LLML_KV_DEFAULT);
    E = s->n_embd;
    hd = llml__shape_hd(s);
    hdv = llml__shape_hdv(s);
    nq = s->n_head * hd;
    nkv = s->n_head_kv * hd;
    ff = s->n_expert > 0 ? llml__shape_ffx(s) : s->n_ff;
    if (strcmp(s->arch, "phi3") == 0) ff = 2 * s->n_ff;
    if (s->n_ff_shexp > ff) ff = s->n_ff_shexp;
    max_cols = LLML__MAX(E, LLML__MAX(nq, ff));
    used = s->n_expert > 0 ? s->n_expert_used : 0;
    nexp = s->n_expert > 0 ? s->n_expert : 0;
    n_rot = s->n_rot > 0 ? s->n_rot : hd;

    memset(b, 0, sizeof b);
    b[LLML__CB_TABLES] = llml__plan_round64((uint64_t)s->n_layer * (2 * sizeof(uint8_t *) + sizeof(size_t)));
    for (il = 0; il < s->n_layer; il++) {
        int64_t heads = m ? (int64_t)m->layers[il].n_head_kv : s->n_head_kv;
        out->kv_k_bytes += llml__plan_round64((uint64_t)n_ctx * llml__kv_row(kt, heads * hd));
        out->kv_v_bytes += llml__plan_round64((uint64_t)n_ctx * llml__kv_row(kt, heads * hdv));
        out->kv_token_bytes += llml__kv_row(kt, heads * hd) + llml__kv_row(kt, heads * hdv);
    }
    b[LLML__CB_KV] = out->kv_k_bytes + out->kv_v_bytes;
    b[LLML__CB_TOKENS] = llml__plan_round64((uint64_t)n_ctx * 4u);
    b[LLML__CB_X] = llml__plan_round64((uint64_t)(nb * E * 4));
    b[LLML__CB_CUR] = llml__plan_round64((uint64_t)(nb * max_cols * 4));
    b[LLML__CB_Q] = llml__plan_round64((uint64_t)(nb * nq * 4));
    b[LLML__CB_K] = b[LLML__CB_V] = llml__plan_round64((uint64_t)(nb * nkv * 4));
    b[LLML__CB_ATT] = llml__plan_round64((uint64_t)(nb * nq * 4));
    b[LLML__CB_FFA] = b[LLML__CB_FFB] = llml__plan_round64((uint64_t)(nb * ff * 4));
    b[LLML__CB_FFO] = llml__plan_round64((uint64_t)(nb * E * 4));
    b[LLML__CB_ROUTER] = llml__plan_round64((uint64_t)(nb * (nexp + 1) * 4));
    b[LLML__CB_MOE_Y] = llml__plan_round64((uint64_t)(nb * used * E * 4));
    b[LLML__CB_MOE_W] = b[LLML__CB_MOE_SEL] = llml__plan_round64((uint64_t)(nb * used * 4));
    b[LLML__CB_MOE_IDX] = llml__plan_round64((uint64_t)(nb * 4));
    actq_row = llml__plan_round64((uint64_t)max_cols * 4u + 512u);
    b[LLML__CB_ACTQ] = llml__plan_round64((uint64_t)nb * actq_row);
    b[LLML__CB_TH_SCORES] = llml__plan_round64((uint64_t)n_threads * (uint64_t)n_ctx * 4u);
    b[LLML__CB_TH_Q] = llml__plan_round64((uint64_t)n_threads * llml__plan_round64((uint64_t)hd * 4u + 64u));
    b[LLML__CB_TH_V] = llml__plan_round64((uint64_t)n_threads * (uint64_t)hd * 4u);
    b[LLML__CB_ROPE_COS] = b[LLML__CB_ROPE_SIN] = llml__plan_round64((uint64_t)n_rot * 2u);

    out->tokens_bytes = b[LLML__CB_TOKENS];
    for (i = LLML__CB_X; i <= LLML__CB_MOE_IDX; i++) out->act_bytes += b[i];
    out->qact_bytes = b[LLML__CB_ACTQ];
    out->attn_bytes = b[LLML__CB_TH_SCORES] + b[LLML__CB_TH_Q] + b[LLML__CB_TH_V];
    out->other_bytes = b[LLML__CB_TABLES] + b[LLML__CB_ROPE_COS] + b[LLML__CB_ROPE_SIN];
    for (i = 0; i < LLML__CB_COUNT; i++) out->block_bytes += b[i];
    out->logits_bytes = (uint64_t)s->n_vocab * 4u;
    out->total_bytes = out->block_bytes + out->logits_bytes;
    if (buf) memcpy(buf, b, sizeof b);
    return LLML_OK;
}

LLML_API llml_result llml_ctx_sizes_get(const llml_shape *s, const llml_ctx_desc *desc, llml_ctx_sizes *out) {
    return llml__ctx_measure(s, NULL, desc, NULL, out);
}

/* ---- the plan's model: tensors with their formats and bytes ---- */

typedef struct llml__pm {
    llml_shape s;
    int64_t n;
    llml_tensor_shape *t;
    char (*names)[64];
    llml_mix_choice *ch;
    uint64_t *bytes;
    int32_t *layer;
    double hyp_bpw;          /* > 0: hypothetical bits for quantizable weights */
    const llml_allocator *a;
    void *mem;
    size_t mem_size;
} llml__pm;

static void llml__pm_free(llml__pm *m) {
    llml__free(m->a, m->mem, m->mem_size);
    m->mem = NULL;
}

/* Parse desc->quant: *keep (the file's own formats), or a mix / format, or
   hypothetical bits per weight. */
static llml_result llml__plan_quant(const char *q, int have_file, int *keep, llml_ftype *ft, int *pure,
                                    double *bpw, llml_error *err) {
    static const struct { const char *name; double bpw; } hyp[] = {
        { "fp8", 8.0 }, { "int8", 8.0 }, { "fp6", 6.0 }, { "fp4", 4.0 }, { "int4", 4.0 },
        { "mxfp4", 4.25 }, { "nvfp4", 4.5 }
    };
    char nq[32];
    size_t i, len;
    const llml_mix_info *mix;
    llml_type t;
    *keep = 0; *pure = 0; *bpw = 0; *ft = LLML_FTYPE_F16;
    if (!q || !*q) { *keep = have_file; return LLML_OK; }
    llml__plan_norm(q, nq, sizeof nq);
    for (i = 0; i < sizeof hyp / sizeof hyp[0]; i++)
        if (strcmp(nq, hyp[i].name) == 0) { *bpw = hyp[i].bpw; return LLML_OK; }
    len = strlen(q);
    if (len > 3 && (strcmp(q + len - 3, "bpw") == 0 || strcmp(q + len - 3, "BPW") == 0)) {
        char *end;
        double v = strtod(q, &end);
        while (*end == ' ') end++;
        if (end == q + len - 3 && v >= 1.0 && v <= 32.0) { *bpw = v; return LLML_OK; }
    }
    mix = llml_mix_find(q);
    if (mix) { *ft = mix->ftype; return LLML_OK; }
    if (llml_type_from_name(q, &t) == LLML_OK && (mix = llml_mix_for_type(t)) != NULL) {
        *ft = mix->ftype;
        *pure = 1;
        return LLML_OK;
    }
    llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX,
                    "unknown quant '%s' (a mix such as Q4_K_M, a format such as q8_0, FP8, or 5.5bpw)", q);
    return LLML_ERR_INVALID_ARG;
}

static llml_result llml__pm_build(const llml_plan_desc *d, llml__pm *m, int need_shape, llml_error *err) {
    llml_result r;
    int keep, pure;
    llml_ftype ft;
    double bpw;
    int64_t i, n;
    size_t off, sz_t, sz_names, sz_ch, sz_b, sz_l;
    memset(m, 0, sizeof *m);
    m->a = d->allocator;
    if (d->gguf) {
        r = llml_shape_from_gguf(d->gguf, &m->s, need_shape ? err : NULL);
        if (r != LLML_OK && need_shape) return r;
        if (r == LLML_OK && need_shape && !llml__shape_valid(&m->s)) {
            llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "%s: a hyperparameter is out of range", m->s.arch);
            return LLML_ERR_BAD_SHAPE;
        }
        if (r != LLML_OK) memset(&m->s, 0, sizeof m->s);   /* tensors only */
        n = llml_gguf_n_tensors(d->gguf);
    } else if (d->shape) {
        m->s = *d->shape;
        if (!llml__shape_valid(&m->s)) {
            llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "shape: a dimension is missing or out of range");
            return LLML_ERR_BAD_SHAPE;
        }
        r = llml_shape_tensors(&m->s, NULL, NULL, 0, &n);
        if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return r;
    } else {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "plan: neither gguf nor shape given");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__plan_quant(d->quant, d->gguf != NULL, &keep, &ft, &pure, &bpw, err);
    if (r != LLML_OK) return r;
    if (n < 0 || n > ((int64_t)1 << 24)) return LLML_ERR_CORRUPT;
    m->n = n;
    m->hyp_bpw = bpw;
    sz_t = (size_t)n * sizeof(llml_tensor_shape);
    sz_names = d->gguf ? 0 : (size_t)n * 64;
    sz_ch = (size_t)n * sizeof(llml_mix_choice);
    sz_b = (size_t)n * sizeof(uint64_t);
    sz_l = (size_t)n * sizeof(int32_t);
    m->mem_size = sz_b + sz_t + sz_ch + sz_names + sz_l + 64;
    m->mem = llml__alloc(m->a, m->mem_size, 16);
    if (!m->mem) {
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "plan: out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    memset(m->mem, 0, m->mem_size);
    off = 0;
    m->bytes = (uint64_t *)m->mem; off += sz_b;
    m->t = (llml_tensor_shape *)(void *)((char *)m->mem + off); off += sz_t;
    m->ch = (llml_mix_choice *)(void *)((char *)m->mem + off); off += sz_ch;
    m->layer = (int32_t *)(void *)((char *)m->mem + off); off += sz_l;
    m->names = sz_names ? (char (*)[64])(void *)((char *)m->mem + off) : NULL;
    if (d->gguf) {
        for (i = 0; i < n; i++) {
            const llml_gguf_tensor *gt = llml_gguf_tensor_at(d->gguf, i);
            m->t[i].name = gt->name;
            m->t[i].type = gt->type;
            m->t[i].n_dims = gt->n_dims;
            memcpy(m->t[i].ne, gt->ne, sizeof gt->ne);
        }
    } else {
        llml_shape_tensors(&m->s, m->t, m->names, n, &n);
    }
    if (keep) {
        for (i = 0; i < n; i++) m->ch[i].type = m->ch[i].wanted = m->t[i].type;
    } else {
        llml_mix_desc md;
        memset(&md, 0, sizeof md);
        md.ftype = ft;
        md.pure = pure;
        md.has_imatrix = d->has_imatrix;
        md.arch = m->s.arch;
        md.n_layer = m->s.n_layer; md.n_head = m->s.n_head; md.n_head_kv = m->s.n_head_kv;
        md.n_expert = m->s.n_expert;
        md.allocator = d->allocator;
        r = llml_mix_plan(&md, m->t, n, m->ch, err);
        if (r != LLML_OK) { llml__pm_free(m); return r; }
    }
    for (i = 0; i < n; i++) {
        const llml_tensor_shape *t = &m->t[i];
        uint64_t rows = (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3], nel, rs;
        int64_t l = llml__mix_layer_of(t->name);
        m->layer[i] = l >= 0 && l < m->s.n_layer ? (int32_t)l : -1;
        nel = (uint64_t)t->ne[0] * rows;
        if (bpw > 0 && m->ch[i].quantize) {
            m->bytes[i] = (uint64_t)ceil((double)nel * bpw / 8.0);
            continue;
        }
        rs = (uint64_t)llml_row_size(m->ch[i].type, t->ne[0]);
        if (rs == 0 || !llml__mul_u64(rs, rows, &m->bytes[i])) {
            llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "tensor %s: %lld columns do not fit its format",
                            t->name, (long long)t->ne[0]);
            llml__pm_free(m);
            return LLML_ERR_BAD_SHAPE;
        }
    }
    return LLML_OK;
}

/* ---- plans ---- */

/* Bytes of the GGUF header a converter writes for a shape: tensor infos and
   the tokenizer (token strings, scores, types, merges), about 50 bytes a token. */
static uint64_t llml__plan_header_estimate(const llml__pm *m) {
    uint64_t h = 4096 + (uint64_t)m->s.n_vocab * 50u;
    int64_t i;
    for (i = 0; i < m->n; i++) h += 8 + strlen(m->t[i].name) + 4 + 8 * (uint64_t)m->t[i].n_dims + 4 + 8;
    return h;
}

/* Memory of llmlite's tokenizer tables and the process: the token strings
   and per-token records, merges, and the process baseline (LLML_RSS_BASELINE;
   llml_plan_rss measures the tables instead). */
static uint64_t llml__plan_overhead(const llml_plan_desc *d, const llml__pm *m) {
    uint64_t v = 0;
    if (d->gguf) {
        int64_t ki = llml_gguf_find_key(d->gguf, "tokenizer.ggml.tokens");
        uint64_t j, n;
        if (ki >= 0 && llml_gguf_kv_type(d->gguf, ki) == LLML_GGUF_ARRAY &&
            llml_gguf_arr_type(d->gguf, ki) == LLML_GGUF_STRING) {
            n = llml_gguf_arr_len(d->gguf, ki);
            for (j = 0; j < n; j++) v += llml_gguf_arr_str_len(d->gguf, ki, j) + 1 + 32;
        }
        ki = llml_gguf_find_key(d->gguf, "tokenizer.ggml.merges");
        if (ki >= 0 && llml_gguf_kv_type(d->gguf, ki) == LLML_GGUF_ARRAY &&
            llml_gguf_arr_type(d->gguf, ki) == LLML_GGUF_STRING) {
            n = llml_gguf_arr_len(d->gguf, ki);
            for (j = 0; j < n; j++) v += llml_gguf_arr_str_len(d->gguf, ki, j) + 1 + 24;
        }
    } else {
        v = (uint64_t)m->s.n_vocab * 40u;
    }
    return v + LLML_RSS_BASELINE;
}

static uint64_t llml__gb(double gb) { return gb > 0 ? (uint64_t)(gb * 1e9) : 0; }

static uint64_t llml__plan_margin(const llml_device *dev, double margin_gb) {
    if (margin_gb > 0) return llml__gb(margin_gb);
    if (!dev) return 0;
    if (dev->kind == LLML_DEVICE_GPU) return llml__gb(dev->mem_gb * 0.05 + 0.25);
    if (dev->kind == LLML_DEVICE_UNIFIED) return llml__gb(dev->mem_gb * 0.25);
    return llml__gb(dev->mem_gb * 0.10 + 1.0);
}

typedef struct llml__split {
    uint64_t dev_bytes, host_bytes;
    uint64_t dev_read, host_read;   /* per generated token, weights + KV */
    uint64_t dev_w, host_w;         /* weights read per prompt batch */
    double dev_flops, host_flops;   /* per prompt token */
    int64_t dev_layers, host_layers;
} llml__split;

/* Seconds per token the host's cores need for the matrix-vector products
   they run (layers below dev_from, and the output matrix unless out_dev),
   at the host's measured rates (llml_device.mv_gws); tensors of a format
   without a rate count 0. Experts: the active share. */
static double llml__plan_mv_s(const llml__pm *m, const llml_device *host, int64_t dev_from, int out_dev, double active) {
    double s = 0;
    int64_t i;
    if (!host || !host->mv_gws) return 0;
    for (i = 0; i < m->n; i++) {
        const char *nm = m->t[i].name;
        const llml_type ty = m->ch[i].type;
        double nel, rate;
        if (m->t[i].n_dims < 2 || (int)ty < 0 || ty >= LLML_TYPE_COUNT) continue;
        if (m->layer[i] >= 0) {
            if (m->layer[i] >= dev_from) continue;
        } else if (llml__mix_is_token_embd(nm)) {
            if (!m->s.tied_output || out_dev) continue;   /* a tied model's output matrix */
        } else if (strncmp(nm, "output", 6) != 0 || out_dev) {
            continue;
        }
        rate = host->mv_gws[ty];
        if (!(rate > 0)) continue;
        nel = (double)m->t[i].ne[0] * (double)m->t[i].ne[1] * (double)m->t[i].ne[2] * (double)m->t[i].ne[3];
        if (strstr(nm, "_exps")) nel *= active;
        s += nel / (rate * 1e9);
    }
    return s;
}

LLML_API llml_result llml_plan_compute(const llml_plan_desc *d, llml_plan *p, llml_error *err) {
    llml__pm m;
    llml_result r;
    llml_ctx_sizes cs;
    llml_ctx_desc cd;
    const llml_device *dev, *host;
    llml__split sp;
    uint64_t *lw = NULL, *lread = NULL, embd = 0, outw = 0, other = 0, total_w = 0, n_params = 0;
    uint64_t kv_layer_tok, kv_layer_ctx, free_dev = 0, free_host;
    double lf = 0;
    int64_t i, L, k, k_use, kmax;
    int32_t n_ctx, n_seq, gen_pos, n_prompt, n_batch;
    size_t lsz;
    double active = 1.0, flops_layer = 0, flops_attn_tok;
    if (!d || !p) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_compute: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    memset(p, 0, sizeof *p);
    if (d->n_ctx < 0 || d->n_batch < 0 || d->n_seq < 0 || d->n_threads < 0 || d->gen_pos < 0 ||
        d->n_prompt < 0 || d->n_gpu_layers < -1 || d->margin_gb < 0) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "plan: a negative count");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__pm_build(d, &m, 1, err);
    if (r != LLML_OK) return r;
    L = m.s.n_layer;
    lsz = (size_t)L * 2 * sizeof(uint64_t);
    lw = (uint64_t *)llml__calloc(d->allocator, lsz);
    if (!lw) { llml__pm_free(&m); return LLML_ERR_OUT_OF_MEMORY; }
    lread = lw + L;
    if (m.s.n_expert > 1 && m.s.n_expert_used > 0) active = (double)m.s.n_expert_used / (double)m.s.n_expert;

    /* weights by part; per layer: bytes held and bytes one token reads */
    for (i = 0; i < m.n; i++) {
        const char *nm = m.t[i].name;
        uint64_t b = m.bytes[i];
        uint64_t nel = (uint64_t)m.t[i].ne[0] * (uint64_t)m.t[i].ne[1] * (uint64_t)m.t[i].ne[2] * (uint64_t)m.t[i].ne[3];
        total_w += b;
        n_params += nel;
        if (m.layer[i] >= 0) {
            int is_exp = strstr(nm, "_exps") != NULL;
            lw[m.layer[i]] += b;
            lread[m.layer[i]] += is_exp ? (uint64_t)((double)b * active) : b;
            if (m.t[i].n_dims >= 2 && m.layer[i] == 0) flops_layer += 2.0 * (double)nel * (is_exp ? active : 1.0);
        } else if (llml__mix_is_token_embd(nm)) {
            embd += b;
        } else if (strncmp(nm, "output", 6) == 0) {
            outw += b;
        } else {
            other += b;
        }
    }
    outw += other;   /* rope factors and the like travel with the output layer */
    p->n_params = n_params;
    p->weight_bytes = total_w;
    memcpy(p->arch, m.s.arch, sizeof p->arch);
    p->n_layer = (int32_t)L;
    p->bpw = n_params ? (double)total_w * 8.0 / (double)n_params : 0;
    p->embd_bytes = embd;
    p->output_bytes = outw;
    p->layer_bytes[0] = p->layer_bytes[1] = lw[0];
    for (i = 0; i < L; i++) {
        p->layer_bytes[0] = LLML__MIN(p->layer_bytes[0], lw[i]);
        p->layer_bytes[1] = LLML__MAX(p->layer_bytes[1], lw[i]);
    }
    if (d->gguf) {
        p->file_bytes = llml_gguf_file_size(d->gguf);
    } else {
        uint64_t pad = 0;
        for (i = 0; i < m.n; i++) pad += (m.bytes[i] + 31) / 32 * 32;
        p->file_bytes = llml__plan_header_estimate(&m) + pad;
    }

    /* context */
    n_ctx = d->n_ctx > 0 ? d->n_ctx : llml__ctx_default_n_ctx(&m.s, 0);
    p->n_ctx = n_ctx;
    n_seq = d->n_seq > 0 ? d->n_seq : 1;
    n_batch = d->n_batch > 0 ? d->n_batch : 512;
    memset(&cd, 0, sizeof cd);
    cd.n_ctx = n_ctx;
    cd.n_batch = n_batch;
    cd.n_threads = d->n_threads > 0 ? d->n_threads : 8;
    cd.kv_type = d->kv_type;
    r = llml_ctx_sizes_get(&m.s, &cd, &cs);
    if (r != LLML_OK) { llml__free(d->allocator, lw, lsz); llml__pm_free(&m); return r; }
    kv_layer_tok = llml__kv_layer_token(&m.s, llml__ctx_kv_type(&m.s, d->kv_type));
    kv_layer_ctx = kv_layer_tok * (uint64_t)n_ctx * (uint64_t)n_seq;
    p->kv_bytes_per_token = cs.kv_token_bytes;
    p->kv_bytes = kv_layer_ctx * (uint64_t)L;
    p->compute_bytes = cs.act_bytes + cs.attn_bytes + cs.qact_bytes + cs.other_bytes;
    p->output_buf_bytes = (cs.logits_bytes + cs.tokens_bytes) * (uint64_t)n_seq;
    p->overhead_bytes = llml__plan_overhead(d, &m);
    p->total_bytes = total_w + p->kv_bytes + p->compute_bytes + p->output_buf_bytes + p->overhead_bytes;

    /* devices: a CPU named as the device is the host */
    dev = d->device;
    host = d->host;
    if (dev && dev->kind == LLML_DEVICE_CPU) { host = dev; dev = NULL; }
    if (!host) host = &llml__devices[0];
    free_host = llml__gb(host->mem_gb);
    free_host = free_host > llml__plan_margin(host, dev ? 0 : d->margin_gb) ?
                free_host - llml__plan_margin(host, dev ? 0 : d->margin_gb) : 0;
    gen_pos = d->gen_pos > 0 ? d->gen_pos : 256;
    if (gen_pos > n_ctx) gen_pos = n_ctx;
    n_prompt = d->n_prompt > 0 ? d->n_prompt : 512;
    flops_attn_tok = 4.0 * (double)m.s.n_head * (double)llml__shape_hd(&m.s);  /* per layer, per context token */

    /* placement of k layers on the device (the last k; k = L + 1 adds the
       output layer: a tied model's embeddings are then copied there) */
    kmax = 0;
    if (dev) {
        uint64_t mg = llml__plan_margin(dev, d->margin_gb), mem = llml__gb(dev->mem_gb);
        free_dev = mem > mg ? mem - mg : 0;
    }
    p->device_free_bytes = dev ? free_dev : free_host;
    if (dev && dev->kind == LLML_DEVICE_UNIFIED) {
        kmax = p->total_bytes <= free_dev ? L + 1 : 0;   /* one memory for both sides */
    } else if (dev) {
        for (k = L + 1; k >= 0; k--) {
            int64_t j;
            uint64_t db = 0;
            for (j = L - LLML__MIN(k, L); j < L; j++) db += lw[j] + kv_layer_ctx;
            if (k > L) db += outw + (m.s.tied_output ? embd : 0);
            if (k > 0) db += p->compute_bytes;
            if (db <= free_dev) { kmax = k; break; }
        }
    }
    p->n_gpu_layers_max = (int32_t)kmax;
    k_use = !dev ? 0 : (d->n_gpu_layers < 0 ? kmax : LLML__MIN((int64_t)d->n_gpu_layers, L + 1));
    p->n_gpu_layers = (int32_t)k_use;

    memset(&sp, 0, sizeof sp);
    {
        int64_t j, nl_dev = LLML__MIN(k_use, L);
        uint64_t kv_read_layer = kv_layer_tok * (uint64_t)gen_pos;
        for (j = 0; j < L; j++) {
            int on_dev = j >= L - nl_dev;
            if (on_dev) {
                sp.dev_bytes += lw[j] + kv_layer_ctx;
                sp.dev_read += lread[j] + kv_read_layer;
                sp.dev_w += lw[j];
                sp.dev_layers++;
            } else {
                sp.host_bytes += lw[j] + kv_layer_ctx;
                sp.host_read += lread[j] + kv_read_layer;
                sp.host_w += lw[j];
                sp.host_layers++;
            }
        }
        sp.dev_flops = flops_layer * (double)sp.dev_layers;
        sp.host_flops = flops_layer * (double)sp.host_layers;
        /* the output layer (tied: the whole embedding table is the output
           matrix) and one embedding row */
        if (k_use > L) {
            sp.dev_bytes += outw + (m.s.tied_output ? embd : 0);
            sp.dev_read += outw + (m.s.tied_output ? embd : 0);
        } else {
            sp.host_read += outw + (m.s.tied_output ? embd : 0);
        }
        sp.host_read += m.s.tied_output ? 0 : embd / (uint64_t)m.s.n_vocab;
        sp.host_bytes += embd + (k_use > L ? 0 : outw);
        if (k_use > 0) sp.dev_bytes += p->compute_bytes;
        sp.host_bytes += p->compute_bytes + p->output_buf_bytes + p->overhead_bytes;
    }
    if (dev && dev->kind == LLML_DEVICE_UNIFIED) {
        p->device_bytes = p->total_bytes;
        p->host_bytes = 0;
        p->fits = kmax == L + 1;
    } else {
        p->device_bytes = dev ? sp.dev_bytes : 0;
        p->host_bytes = sp.host_bytes;
        p->fits = dev ? kmax == L + 1 && k_use == L + 1 : p->total_bytes <= free_host;
    }
    p->bytes_per_token = sp.dev_read + sp.host_read;
    p->gen_mv_s = llml__plan_mv_s(&m, host, L - LLML__MIN(k_use, L), k_use > L, active);
    lf = flops_layer * (double)L;
    p->flops_per_token = lf + flops_attn_tok * (double)L * (double)n_prompt / 2.0;

    /* speeds */
    {
        double be_d = 0, ce_d = 0, lu_d = 0, be_h, ce_h, lu_h, t_gen, t_full, t_fixed;
        double kv_full = (double)kv_layer_tok * (double)(n_ctx - gen_pos);
        llml_device_defaults(host, &be_h, &ce_h, &lu_h);
        if (dev) llml_device_defaults(dev, &be_d, &ce_d, &lu_d);
        t_fixed = (double)sp.dev_layers * lu_d * 1e-6 + (double)sp.host_layers * lu_h * 1e-6 +
                  llml__device_token_us(k_use > 0 ? dev : host) * 1e-6;
        {   /* the host: its memory or its cores, whichever is slower */
            const double me = host->mv_eff > 0 ? host->mv_eff : 1.0;
            const double t_mem = (double)sp.host_read / (be_h * host->bw_gbs * 1e9), t_mv = p->gen_mv_s / me;
            t_gen = t_fixed + LLML__MAX(t_mem, t_mv);
            t_full = t_fixed + LLML__MAX(t_mem + kv_full * (double)sp.host_layers / (be_h * host->bw_gbs * 1e9), t_mv);
        }
        if (dev && sp.dev_read) {
            t_gen += (double)sp.dev_read / (be_d * dev->bw_gbs * 1e9);
            t_full += (double)sp.dev_read / (be_d * dev->bw_gbs * 1e9) +
                      kv_full * (double)sp.dev_layers / (be_d * dev->bw_gbs * 1e9);
        }
        p->gen_tps = 1.0 / t_gen;
        p->gen_tps_full = 1.0 / t_full;
        /* prompt: per batch, each side takes the longer of its FLOPs and its
           weight reads; every layer pays its fixed cost once per batch */
        {
            double t = 0, left = (double)n_prompt, flops_tok_attn = flops_attn_tok * (double)n_prompt / 2.0;
            int ok = host->tflops > 0 && (!dev || sp.dev_layers == 0 || dev->tflops > 0);
            while (ok && left > 0) {
                double nb = left < (double)n_batch ? left : (double)n_batch, th = 0, td = 0;
                if (sp.host_layers) {
                    double f = (sp.host_flops + flops_tok_attn * (double)sp.host_layers) * nb;
                    th = LLML__MAX(f / (ce_h * host->tflops * 1e12),
                                   (double)sp.host_w / (be_h * host->bw_gbs * 1e9));
                }
                if (dev && sp.dev_layers) {
                    double f = (sp.dev_flops + flops_tok_attn * (double)sp.dev_layers) * nb;
                    td = LLML__MAX(f / (ce_d * dev->tflops * 1e12),
                                   (double)sp.dev_w / (be_d * dev->bw_gbs * 1e9));
                }
                t += th + td + t_fixed;
                left -= nb;
            }
            p->prompt_tps = ok && t > 0 ? (double)n_prompt / t : 0;
        }
        {
            const llml_device *main_dev = k_use > 0 ? dev : host;
            const char *how = (main_dev->bw_eff > 0 || main_dev->layer_us > 0) ? "calibrated" : "default";
            if (dev && k_use > 0 && k_use < L + 1)
                snprintf(p->note, sizeof p->note,
                         "partial offload (%d of %d layers on %s): speed set mostly by the host (%s%s); expect +-50%%",
                         (int)k_use, (int)L + 1, dev->name, host->name, d->host ? "" : ", assumed");
            else
                snprintf(p->note, sizeof p->note,
                         "bandwidth model, %s efficiency %.2f of %.0f GB/s on %s; typical error 25%% "
                         "(old GPUs without int8 dot products: slower)",
                         how, k_use > 0 ? be_d : be_h, main_dev->bw_gbs, main_dev->name);
        }
    }
    llml__free(d->allocator, lw, lsz);
    llml__pm_free(&m);
    return LLML_OK;
}

LLML_API llml_result llml_plan_tensors(const llml_plan_desc *d, llml_plan_tensor *out, int64_t cap,
                                       int64_t *n, llml_error *err) {
    llml__pm m;
    llml_result r;
    int64_t i;
    if (!d || !n || cap < 0 || (cap > 0 && !out)) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_tensors: bad argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__pm_build(d, &m, 0, err);
    if (r != LLML_OK) return r;
    *n = m.n;
    for (i = 0; i < m.n && i < cap; i++) {
        const llml_tensor_shape *t = &m.t[i];
        llml_plan_tensor *o = &out[i];
        memset(o, 0, sizeof *o);
        snprintf(o->name, sizeof o->name, "%s", t->name);
        o->type = m.ch[i].type;
        o->layer = m.layer[i];
        o->n_elements = (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
        o->bytes = m.bytes[i];
        o->bpw = o->n_elements ? (double)o->bytes * 8.0 / (double)o->n_elements : 0;
        o->hypothetical = m.hyp_bpw > 0 && m.ch[i].quantize;
    }
    llml__pm_free(&m);
    return m.n > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

LLML_API llml_result llml_device_calibrate(llml_device *d, const llml_plan *p, double gen_tps, double prompt_tps) {
    double be, ce, lu;
    if (!d || !p || gen_tps < 0 || prompt_tps < 0 || !(d->bw_gbs > 0)) return LLML_ERR_INVALID_ARG;
    if (p->n_gpu_layers > 0 && p->n_gpu_layers < p->n_layer + 1) return LLML_ERR_UNSUPPORTED;
    llml_device_defaults(d, &be, &ce, &lu);
    if (gen_tps > 0 && p->gen_tps > 0) {
        /* keep the fixed costs, move the share of whichever side binds:
           the cores (matrix-vector rate, when the plan had one and it was
           the slower side) or the memory. For the memory: when the
           measurement is faster than the fixed costs and full bandwidth
           allow, shrink the fixed costs; when it is faster than the memory
           itself (a model small enough to stay in the caches), the share
           goes above 1: the caches' bandwidth */
        const double me = d->mv_eff > 0 ? d->mv_eff : 1.0;
        double t_mem = (double)p->bytes_per_token / (be * d->bw_gbs * 1e9);
        double t_one = (double)p->bytes_per_token / (d->bw_gbs * 1e9);   /* at the full bandwidth */
        double t_mv = p->gen_mv_s / me;
        double t_fixed = 1.0 / p->gen_tps - LLML__MAX(t_mem, t_mv), t_meas = 1.0 / gen_tps, s = 1.0;
        if (t_fixed < 0) t_fixed = 0;
        if (t_mv > t_mem && t_meas > t_fixed + t_mem) {
            d->mv_eff = p->gen_mv_s / (t_meas - t_fixed);
        } else {
            if (t_meas > t_fixed + t_one) {
                d->bw_eff = (double)p->bytes_per_token / ((t_meas - t_fixed) * d->bw_gbs * 1e9);
            } else {
                if (t_meas > t_one) {
                    s = (t_meas - t_one) / (t_fixed > 0 ? t_fixed : 1);
                    d->bw_eff = 1.0;
                } else {
                    s = 1e-6;
                    d->bw_eff = t_one / t_meas;
                }
                /* the fixed costs, now explicit (0 would mean "the default") */
                d->layer_us = LLML__MAX(lu * s, 1e-9);
                d->token_us = LLML__MAX(llml__device_token_us(d) * s, 1e-9);
            }
            /* the cores must not be the slower side now */
            if (p->gen_mv_s > 0 && t_mv > t_meas - t_fixed * s)
                d->mv_eff = p->gen_mv_s / LLML__MAX(t_meas - t_fixed * s, 1e-12);
        }
    }
    if (prompt_tps > 0 && p->prompt_tps > 0) {
        d->compute_eff = ce * prompt_tps / p->prompt_tps;
        if (d->compute_eff > 1.0) d->compute_eff = 1.0;
    }
    return LLML_OK;
}

/* ---- the CPU's matrix-vector rate ---- */

/* Token generation multiplies every weight matrix by one activation row. The
   kernels decode each weight once; whether a format runs at the memory's
   speed depends on how fast the cores decode it: llml_cpu_mv_rate measures
   that with the weights in the caches (memory out of the way). */

static double llml__wall_s(void) { return llml__gen_now_ms() * 1e-3; }

typedef struct llml__mvr_task {
    llml__mm_fn fn;
    llml_type type;
    int64_t n, rows;          /* columns; rows per thread */
    size_t ws, as;
    const uint8_t *w;         /* rows x n per thread, one after the other */
    const uint8_t *a;
    float *out;               /* rows per thread */
    int reps;
} llml__mvr_task;

static void llml__mvr_worker(void *arg, int ith, int nth) {
    const llml__mvr_task *t = (const llml__mvr_task *)arg;
    const uint8_t *w = t->w + (size_t)ith * (size_t)t->rows * t->ws;
    float *o = t->out + (size_t)ith * (size_t)t->rows;
    int r;
    (void)nth;
    for (r = 0; r < t->reps; r++) t->fn(t->type, t->n, w, t->ws, t->rows, t->a, t->as, 1, o, 0);
}

LLML_API llml_result llml_cpu_mv_rate(llml_type type, int32_t n_threads, llml_isa isa_cap, uint64_t bytes,
                                      double seconds, double *gws) {
    const int64_t n = 4096;   /* columns: between the widths of 1B and 8B models */
    llml__kern k;
    llml__pool pool;
    llml__worker workers[LLML__MAX_THREADS];
    llml__mvr_task t;
    llml_type vdt;
    float *x = NULL, *out = NULL;
    uint8_t *w = NULL, *a = NULL;
    size_t wsize = 0, asize = 0, xsize = 0, osize = 0, qbytes;
    int64_t rows, qrows, i;
    int nth, reps;
    double t0, el = 0, best = 0;
    llml_result r = LLML_OK;
    if (!gws || n_threads < 0 || !(seconds >= 0)) return LLML_ERR_INVALID_ARG;
    *gws = 0;
    if ((int)type < 0 || type >= LLML_TYPE_COUNT || !llml__types[type].info.name) return LLML_ERR_INVALID_ARG;
    if (bytes > ((uint64_t)1 << 40)) return LLML_ERR_INVALID_ARG;
    llml__kern_init(&k, (uint32_t)isa_cap);
    vdt = llml__types[type].info.vec_dot_type;
    if (!k.mm[type] || !k.actq[vdt] || n % llml__types[type].info.block_size != 0) return LLML_ERR_UNSUPPORTED;
    nth = n_threads > 0 ? (int)LLML__MIN(n_threads, LLML__MAX_THREADS) : 1;
    if (seconds <= 0) seconds = 0.05;
    t.ws = llml_row_size(type, n);
    /* rows per thread: 256 KiB (the caches), or bytes / n_threads; whole
       panels of 16 rows. Random rows are quantized once (256 KiB of them)
       and copied: the values do not change the kernels' speed */
    qrows = LLML__MAX(16, (int64_t)((256u << 10) / t.ws) / 16 * 16);
    rows = bytes ? LLML__MAX(16, (int64_t)(bytes / (uint64_t)nth / t.ws) / 16 * 16) : qrows;
    if (qrows > rows) qrows = rows;
    qbytes = (size_t)qrows * t.ws;
    wsize = (size_t)rows * (size_t)nth * t.ws;
    asize = llml__align64(llml_row_size(vdt, n)) + 64;
    xsize = (size_t)qrows * (size_t)n * sizeof(float);
    osize = (size_t)rows * (size_t)nth * sizeof(float);
    w = (uint8_t *)llml__alloc(NULL, wsize, 64);
    a = (uint8_t *)llml__alloc(NULL, asize, 64);
    x = (float *)llml__alloc(NULL, xsize, 64);
    out = (float *)llml__alloc(NULL, osize, 64);
    if (!w || !a || !x || !out) { r = LLML_ERR_OUT_OF_MEMORY; goto done; }
    {   /* random weights and activations, quantized as a model's would be */
        uint32_t s = 12345u;
        size_t off;
        for (i = 0; i < n; i++) {
            s = s * 1664525u + 1013904223u;
            x[i] = (float)((int32_t)(s >> 8) - (1 << 23)) / (float)(1 << 23);
        }
        k.actq[vdt](x, a, n);
        for (i = 0; i < qrows * n; i++) {
            s = s * 1664525u + 1013904223u;
            x[i] = 0.02f * (float)((int32_t)(s >> 8) - (1 << 23)) / (float)(1 << 23);
        }
        r = llml_quantize_rows(type, x, w, qrows, n, NULL);
        if (r != LLML_OK) goto done;
        for (off = qbytes; off < wsize; off += qbytes) memcpy(w + off, w, LLML__MIN(qbytes, wsize - off));
    }
    t.fn = k.mm[type];
#if defined(LLML__GGUF_POSIX)
    if (k.mmi[type]) {   /* the interleaved layout, as a model loaded from a file is repacked for these kernels */
        const size_t isize = llml__il_bytes(type, rows * nth, t.ws);
        uint8_t *wi = (uint8_t *)llml__alloc(NULL, isize, 64);
        if (!wi) { r = LLML_ERR_OUT_OF_MEMORY; goto done; }
        llml__il_pack(type, w, wi, rows * nth, t.ws);
        memset(wi + isize - 64, 0, 64);
        llml__free(NULL, w, wsize);
        w = wi; wsize = isize;
        t.fn = k.mmi[type];
    }
#endif
    t.type = type; t.n = n; t.rows = rows; t.as = asize;
    t.w = w; t.a = a; t.out = out; t.reps = 1;
    memset(&pool, 0, sizeof pool);
    llml__pool_start(&pool, nth, workers);
    llml__pool_run(&pool, llml__mvr_worker, &t);   /* warm-up: caches, clocks */
    /* passes of about 5 ms (at least one sweep of the weights), the best of them */
    t0 = llml__wall_s();
    llml__pool_run(&pool, llml__mvr_worker, &t);
    el = llml__wall_s() - t0;
    t.reps = (int)LLML__MAX(1.0, LLML__MIN(1e6, 0.005 / (el > 1e-9 ? el : 1e-9)));
    for (reps = 0, t0 = llml__wall_s(); reps < 1000; reps++) {
        double t1 = llml__wall_s(), e;
        llml__pool_run(&pool, llml__mvr_worker, &t);
        e = llml__wall_s() - t1;
        if (e > 0) best = LLML__MAX(best, (double)rows * (double)nth * (double)n * (double)t.reps / e);
        if (llml__wall_s() - t0 >= seconds && reps >= 2) break;
    }
    llml__pool_stop(&pool);
    *gws = best * 1e-9;
done:
    llml__free(NULL, w, wsize);
    llml__free(NULL, a, asize);
    llml__free(NULL, x, xsize);
    llml__free(NULL, out, osize);
    return r;
}

/* ---- a program's peak resident memory ---- */

/* An allocator that counts what passes through it (peak of live bytes). */
typedef struct llml__count_alloc {
    const llml_allocator *under;
    uint64_t live, peak;
} llml__count_alloc;

static void *llml__count_alloc_fn(void *user, size_t size, size_t align) {
    llml__count_alloc *c = (llml__count_alloc *)user;
    void *p = llml__alloc(c->under, size, align);
    if (p) {
        c->live += size;
        if (c->live > c->peak) c->peak = c->live;
    }
    return p;
}

static void llml__count_free_fn(void *user, void *p, size_t size) {
    llml__count_alloc *c = (llml__count_alloc *)user;
    if (!p) return;
    c->live -= size;
    llml__free(c->under, p, size);
}

static uint64_t llml__page_size(void) {
#if defined(LLML__THREADS) && defined(_SC_PAGESIZE)
    long p = sysconf(_SC_PAGESIZE);
    if (p >= 4096 && p <= (1L << 20)) return (uint64_t)p;
#endif
    return 4096;
}

/* The heap a parsed header holds: the handle, its arena blocks (keys,
   strings, array values), the key and tensor tables and their hashes. */
static uint64_t llml__gguf_heap_bytes(const llml_gguf *g) {
    const llml__gguf_block *b;
    uint64_t n = sizeof(llml_gguf);
    for (b = g->arena; b; b = b->next) n += sizeof(llml__gguf_block) + b->size;
    n += g->cap_kv * sizeof(llml__gguf_kv) + g->cap_t * sizeof(llml__gguf_tensor);
    n += (g->hkv.cap + g->ht.cap) * sizeof(uint64_t);
    return n;
}

/* Whether llml_model_load_file repacks tensor t of a mapped file on this
   CPU: the matrices of llml__model_il_list, by their names. */
LLML__UNUSED static int llml__plan_repacks(const llml_gguf_tensor *t, const llml__kern *k) {
    static const char *const sfx[] = { "attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "ffn_gate", "ffn_up",
                                       "ffn_down", "ffn_gate_shexp", "ffn_up_shexp", "ffn_down_shexp" };
    const char *nm = t->name, *e;
    size_t i, len;
    if (t->ne[2] != 1 || t->ne[3] != 1 || (unsigned)t->type >= LLML_TYPE_COUNT || !k->mmi[t->type] || !k->gemmi[t->type]) return 0;
    if (strcmp(nm, "output.weight") == 0) return 1;
    if (strncmp(nm, "blk.", 4) != 0) return 0;
    for (nm += 4; *nm >= '0' && *nm <= '9'; nm++) {}
    if (*nm != '.') return 0;
    nm++;
    e = strstr(nm, ".weight");
    if (!e || e[7]) return 0;
    len = (size_t)(e - nm);
    for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
        if (strlen(sfx[i]) == len && strncmp(nm, sfx[i], len) == 0) return 1;
    return 0;
}

/* The bytes of those tensors (aligned: as the loader's one allocation
   lays them out: llml__il_bytes, padding rows and 64 more, rounded up to
   64; else their bytes in the file). */
static uint64_t llml__plan_repack_sum(const llml_gguf *g, int aligned) {
    uint64_t sum = 0;
#if defined(LLML__GGUF_POSIX)
    llml__kern k;
    int64_t i;
    llml__kern_init(&k, 0);
    for (i = 0; i < llml_gguf_n_tensors(g); i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        if (llml__plan_repacks(t, &k)) {
            const uint64_t b = llml__il_bytes(t->type, t->ne[1], (size_t)(t->size / (uint64_t)t->ne[1]));
            sum += aligned ? (b + 63u) & ~(uint64_t)63u : t->size;
        }
    }
#else
    (void)g; (void)aligned;
#endif
    return sum;
}

LLML_API llml_result llml_plan_rss(const llml_rss_desc *d, llml_rss *out, llml_error *err) {
    llml_shape s;
    llml_ctx_sizes cs;
    llml_ctx_desc cd;
    llml_result r;
    llml__count_alloc cnt;
    llml_allocator ca;
    const llml_gguf *g;
    uint64_t page, unit, file, i, n_t, conv = 0;
    int64_t ti;
    int32_t n_threads;
    if (!d || !out || !d->gguf) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_rss: a model header is needed");
        return LLML_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (d->n_tokens < 0 || d->n_outputs < 0) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_rss: a negative count");
        return LLML_ERR_INVALID_ARG;
    }
    g = d->gguf;
    r = llml_shape_from_gguf(g, &s, err);
    if (r != LLML_OK) return r;
    if (s.n_ctx_train <= 0) s.n_ctx_train = 2048;   /* the loader's default */
    cd = d->ctx;
    r = llml__ctx_measure(&s, NULL, &cd, NULL, &cs);
    if (r != LLML_OK) {
        llml__set_error(err, r, UINT64_MAX, "llml_plan_rss: the context cannot be sized (%s)", llml_result_string(r));
        return r;
    }

    /* the mapped file: every page, less the embedding rows never read */
    page = llml__page_size();
    unit = d->map_unit ? d->map_unit : 65536;
    if (unit < page) unit = page;
    file = (llml_gguf_file_size(g) + page - 1) / page * page;
    out->file_bytes = file;
    ti = llml_gguf_find_tensor(g, "token_embd.weight");
    if (ti >= 0) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, ti);
        uint64_t eb = t->size, rows = t->ne[1] > 0 ? (uint64_t)t->ne[1] : 1;
        out->embd_bytes = eb;
        if (!s.tied_output && eb > unit) {
            /* n rows at random: a unit is brought in when one of them meets
               it, with probability (unit + row) / table for each row */
            double units = ceil((double)eb / (double)unit), n = d->n_tokens > 0 ? d->n_tokens : 1;
            double q = ((double)unit + (double)(eb / rows)) / (double)eb, hit;
            if (q > 1) q = 1;
            hit = units * (1.0 - pow(1.0 - q, n)) * (double)unit;
            if (hit < (double)eb) out->embd_bytes = (uint64_t)hit;
            out->file_bytes -= eb - out->embd_bytes;
        }
    }

    /* llmlite's allocations */
    out->gguf_bytes = llml__gguf_heap_bytes(g);
    memset(&cnt, 0, sizeof cnt);
    cnt.under = d->allocator;
    ca.alloc = llml__count_alloc_fn;
    ca.free = llml__count_free_fn;
    ca.user = &cnt;
    {
        llml_vocab *v = NULL;
        r = llml_vocab_load(g, &ca, &v, err);
        if (r != LLML_OK && r != LLML_ERR_NOT_FOUND) return r;
        if (r == LLML_ERR_NOT_FOUND && err) memset(err, 0, sizeof *err);   /* no tokenizer: token ids only */
        llml_vocab_free(v);
        out->vocab_bytes = cnt.peak;
    }
    /* the model: its handle, the layer table, 1-D tensors stored other
       than as F32 (converted to F32 at load) */
    n_t = (uint64_t)llml_gguf_n_tensors(g);
    for (i = 0; i < n_t; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, (int64_t)i);
        if (t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1 && t->type != LLML_TYPE_F32) conv += (uint64_t)t->ne[0] * 4u;
    }
    out->model_bytes = sizeof(llml_model) + (uint64_t)s.n_layer * sizeof(llml__layer) + conv;
    if (!d->no_repack) {
        uint64_t rb = llml__plan_repack_sum(g, 0);
        out->file_bytes -= LLML__MIN(out->file_bytes, rb);
        out->repack_bytes = llml__plan_repack_sum(g, 1);
    }
    out->ctx_bytes = cs.block_bytes + sizeof(llml_ctx);
    out->logits_bytes = cs.logits_bytes * (uint64_t)(d->n_outputs > 0 ? d->n_outputs : 1);
    if (d->sampler) {
        llml_sampler *smp = NULL;
        llml_sampler_desc sd = llml_sampler_default_desc();
        memset(&cnt, 0, sizeof cnt);
        cnt.under = d->allocator;
        if (llml_sampler_create(&sd, (int32_t)s.n_vocab, &ca, &smp) == LLML_OK) llml_sampler_free(smp);
        out->sampler_bytes = cnt.peak;
    }
    n_threads = cd.n_threads > 0 ? cd.n_threads : cd.parallel_for ? 4 : LLML__MIN(llml__cpu_count(), 8);
    if (n_threads > LLML__MAX_THREADS) n_threads = LLML__MAX_THREADS;
#ifdef LLML__THREADS
    if (!cd.parallel_for && n_threads > 1) out->threads_bytes = (uint64_t)(n_threads - 1) * 2u * page;
#endif
    out->baseline_bytes = d->baseline_bytes ? d->baseline_bytes : LLML_RSS_BASELINE;
    out->total_bytes = out->baseline_bytes + out->file_bytes + out->gguf_bytes + out->vocab_bytes + out->model_bytes +
                       out->repack_bytes + out->ctx_bytes + out->logits_bytes + out->sampler_bytes + out->threads_bytes;
    return LLML_OK;
}
