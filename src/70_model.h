
/* ======================================================================== */
/* >>model  model loading: hyperparameters and weight binding               */
/* ======================================================================== */
/* A model keeps its llml_gguf open: weights are used where the source holds
   them (the memory map, or the caller's buffer). For a read-callback source
   the tensors are read once into one allocation. 1-D tensors (norms,
   biases, RoPE factors) that are not F32 are converted to F32 at load.
   Architecture facts (which tensors, which RoPE style, which options) follow
   the reference's graph builders; see the comments at llml__model_arch. */

typedef enum llml__arch {
    LLML__ARCH_LLAMA = 0, LLML__ARCH_QWEN2, LLML__ARCH_QWEN2MOE, LLML__ARCH_QWEN3,
    LLML__ARCH_GEMMA, LLML__ARCH_GEMMA2, LLML__ARCH_GEMMA3, LLML__ARCH_PHI3,
    LLML__ARCH_COUNT
} llml__arch;

static const char *const llml__arch_names[LLML__ARCH_COUNT] = {
    "llama", "qwen2", "qwen2moe", "qwen3", "gemma", "gemma2", "gemma3", "phi3"
};

/* A weight matrix (or stack of expert matrices): ne[0] elements per row,
   ne[1] rows, ne[2] experts. */
typedef struct llml__w {
    const uint8_t *data;
    const uint8_t *il;      /* the same rows in the interleaved layout
                               (llml__il_pack; CPU kernels with mmi/gemmi), or NULL */
    llml_type type;
    int64_t ne[3];
    size_t row_bytes;
} llml__w;

typedef struct llml__layer {
    const float *attn_norm, *attn_post_norm, *ffn_norm, *ffn_post_norm;
    const float *q_norm, *k_norm;
    const float *bq, *bk, *bv;
    llml__w wq, wk, wv, wqkv, wo;
    llml__w ffn_gate, ffn_up, ffn_down;               /* ffn_up is gate+up for phi3 */
    llml__w gate_inp, gate_exps, up_exps, down_exps;  /* experts */
    const float *gate_inp_shexp;                       /* qwen2moe shared expert gate */
    llml__w gate_shexp, up_shexp, down_shexp;
    int32_t n_head_kv;
    int32_t n_ff;
    int32_t is_swa;         /* sliding-window layer */
    float rope_base, rope_scale;
} llml__layer;

struct llml_model {
    llml_allocator alloc;
    llml_log_fn log;
    void *log_user;
    llml_gguf *gguf;
    llml_vocab *vocab;
    void *owned_data;       /* tensor bytes read through a callback */
    size_t owned_size;
    void *il_data;          /* the interleaved copies of llml__w.il */
    size_t il_size;
    int32_t no_repack;
    int32_t repack;         /* weights repacked (llml__model_repack) and F32
                               vectors read from the file into f32_pool: the
                               mapping stays untouched but for the embedding
                               rows (set by llml__model_init) */
    float *f32_pool;        /* converted 1-D tensors */
    size_t f32_pool_size, f32_pool_used;
    llml__arch arch;
    llml_model_info info;
    int32_t head_dim_v;
    int32_t n_vocab;
    int32_t attn_scale_pre;   /* gemma family: q scaled before attention */
    float attn_scale;         /* q scale (or kq scale)                 */
    float attn_softcap, final_softcap;
    int32_t gelu;             /* feed-forward activation GELU (else SiLU) */
    int32_t norm_w_experts;   /* renormalize the top-k expert weights  */
    float embd_scale;         /* 0: none                               */
    const float *rope_freqs;  /* n_rot/2 frequency factors, or NULL    */
    llml__w tok_embd, output;
    const float *output_norm;
    llml__layer *layers;
};

static void llml__model_log(const llml_model *m, llml_log_level lv, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void llml__model_log(const llml_model *m, llml_log_level lv, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    if (!m->log) return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    m->log(m->log_user, lv, buf);
}

LLML_API const char *llml_model_supported_archs(void) {
    return "llama, qwen2, qwen2moe, qwen3, gemma, gemma2, gemma3, phi3";
}

/* ---- metadata helpers ---------------------------------------------------- */

static int llml__model_key(char *buf, size_t cap, const char *arch, const char *suffix) {
    int n = snprintf(buf, cap, "%s.%s", arch, suffix);
    return n > 0 && (size_t)n < cap;
}

/* Integer hyperparameter `arch.suffix`; scalar or (for per-layer keys) an
   array whose element `il` is used. Returns LLML_ERR_NOT_FOUND if absent. */
static llml_result llml__model_get_int(const llml_gguf *g, const char *arch, const char *suffix,
                                       int64_t il, int64_t *out) {
    char key[128];
    int64_t i;
    if (!llml__model_key(key, sizeof(key), arch, suffix)) return LLML_ERR_NOT_FOUND;
    i = llml_gguf_find_key(g, key);
    if (i < 0) return LLML_ERR_NOT_FOUND;
    if (llml_gguf_kv_type(g, i) == LLML_GGUF_ARRAY) {
        llml_gguf_vtype et = llml_gguf_arr_type(g, i);
        uint64_t n = llml_gguf_arr_len(g, i);
        const uint8_t *d = (const uint8_t *)llml_gguf_arr_data(g, i);
        uint64_t j = il < 0 ? 0 : (uint64_t)il;
        if (!d || j >= n) return LLML_ERR_CORRUPT;
        switch (et) {
        case LLML_GGUF_UINT32: *out = (int64_t)llml__rd32(d + 4 * j); return LLML_OK;
        case LLML_GGUF_INT32: *out = (int64_t)(int32_t)llml__rd32(d + 4 * j); return LLML_OK;
        case LLML_GGUF_UINT64: case LLML_GGUF_INT64: *out = (int64_t)llml__rd64(d + 8 * j); return LLML_OK;
        case LLML_GGUF_UINT16: *out = (int64_t)llml__rd16(d + 2 * j); return LLML_OK;
        case LLML_GGUF_UINT8: *out = (int64_t)d[j]; return LLML_OK;
        default: return LLML_ERR_TYPE_MISMATCH;
        }
    }
    return llml_gguf_get_int(g, key, out);
}

static llml_result llml__model_get_float(const llml_gguf *g, const char *arch, const char *suffix, float *out) {
    char key[128];
    double v;
    llml_result r;
    if (!llml__model_key(key, sizeof(key), arch, suffix)) return LLML_ERR_NOT_FOUND;
    r = llml_gguf_get_float(g, key, &v);
    if (r == LLML_OK) *out = (float)v;
    return r;
}

/* ---- tensor binding ------------------------------------------------------ */

/* Bind weight `name`: it must have ne[0] == ne0 and ne[1] == ne1 (and ne[2]
   == ne2 when ne2 > 0), a format with a matrix kernel, and data. */
static llml_result llml__model_bind(llml_model *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                                    int required, llml__w *w, llml_error *err) {
    int64_t i = llml_gguf_find_tensor(m->gguf, name);
    const llml_gguf_tensor *t;
    const llml__type_traits *tr;
    memset(w, 0, sizeof(*w));
    if (i < 0) {
        if (!required) return LLML_OK;
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "tensor %s is missing", name);
        return LLML_ERR_NOT_FOUND;
    }
    t = llml_gguf_tensor_at(m->gguf, i);
    if (t->ne[0] != ne0 || t->ne[1] != ne1 || (ne2 > 0 ? t->ne[2] != ne2 : t->ne[2] != 1) || t->ne[3] != 1) {
        llml__set_error(err, LLML_ERR_BAD_SHAPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s has shape %lld x %lld x %lld, expected %lld x %lld x %lld", name,
                        (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                        (long long)ne0, (long long)ne1, (long long)(ne2 > 0 ? ne2 : 1));
        return LLML_ERR_BAD_SHAPE;
    }
    tr = llml__traits(t->type);
    if (!tr || !tr->dot) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_TYPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s has type %s, which cannot be used as a weight matrix", name,
                        tr ? tr->info.name : "unknown");
        return LLML_ERR_UNSUPPORTED_TYPE;
    }
    if (ne0 % llml__types[tr->info.vec_dot_type].info.block_size) {
        llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX,
                        "tensor %s: rows of %lld do not fit the %s activation blocks", name,
                        (long long)ne0, llml__types[tr->info.vec_dot_type].info.name);
        return LLML_ERR_BAD_SHAPE;
    }
    w->data = (const uint8_t *)t->data;
    w->type = t->type;
    w->ne[0] = ne0; w->ne[1] = ne1; w->ne[2] = ne2 > 0 ? ne2 : 1;
    w->row_bytes = llml_row_size(t->type, ne0);
    return LLML_OK;
}

/* n bytes at file offset off through the mapped file's descriptor (reads
   that leave the mapping's pages untouched); 1 when all were read. Only
   for a model with repack set (a POSIX mapping). */
static int llml__model_pread(const llml_model *m, uint64_t off, void *dst, size_t n) {
#if defined(LLML__GGUF_POSIX)
    llml__gguf_file f;
    memset(&f, 0, sizeof(f));
    f.fd = m->gguf->map_fd;
    f.open = 1;
    return llml__gguf_fread_at(&f, off, dst, n) == n;
#else
    (void)m; (void)off; (void)dst; (void)n;
    return 0;
#endif
}

/* Bind a 1-D tensor of n floats (converted to F32 when stored otherwise). */
static llml_result llml__model_vec(llml_model *m, const char *name, int64_t n, int required,
                                   const float **out, llml_error *err) {
    int64_t i = llml_gguf_find_tensor(m->gguf, name);
    const llml_gguf_tensor *t;
    const llml__type_traits *tr;
    *out = NULL;
    if (i < 0) {
        if (!required) return LLML_OK;
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "tensor %s is missing", name);
        return LLML_ERR_NOT_FOUND;
    }
    t = llml_gguf_tensor_at(m->gguf, i);
    if (t->ne[0] != n || t->ne[1] != 1 || t->ne[2] != 1 || t->ne[3] != 1) {
        llml__set_error(err, LLML_ERR_BAD_SHAPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s has %lld x %lld elements, expected %lld", name,
                        (long long)t->ne[0], (long long)t->ne[1], (long long)n);
        return LLML_ERR_BAD_SHAPE;
    }
    tr = llml__traits(t->type);
    if (!tr || n % tr->info.block_size) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_TYPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s: type cannot be read as floats", name);
        return LLML_ERR_UNSUPPORTED_TYPE;
    }
    if (t->type == LLML_TYPE_F32 && ((uintptr_t)t->data % sizeof(float)) == 0 && !m->repack) {
        *out = (const float *)t->data;
        return LLML_OK;
    }
    if (m->f32_pool_used + (size_t)n > m->f32_pool_size) {
        llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "internal: conversion pool too small");
        return LLML_ERR_CORRUPT;
    }
    if (m->repack && t->type == LLML_TYPE_F32) {
        /* read from the file, not the mapping (see llml__model_init) */
        if (!llml__model_pread(m, llml_gguf_data_offset(m->gguf) + t->offset, m->f32_pool + m->f32_pool_used, (size_t)n * sizeof(float))) {
            llml__set_error(err, LLML_ERR_IO, llml_gguf_data_offset(m->gguf) + t->offset, "reading tensor %s failed", name);
            return LLML_ERR_IO;
        }
        *out = m->f32_pool + m->f32_pool_used;
        m->f32_pool_used += (size_t)n;
        return LLML_OK;
    }
    tr->dequant(t->data, m->f32_pool + m->f32_pool_used, n);
    *out = m->f32_pool + m->f32_pool_used;
    m->f32_pool_used += (size_t)n;
    return LLML_OK;
}

/* Name of tensor "blk.<il>.<base>.weight" (or .bias). */
static const char *llml__tn(char *buf, size_t cap, int il, const char *base, const char *suffix) {
    if (il < 0) snprintf(buf, cap, "%s.%s", base, suffix);
    else snprintf(buf, cap, "blk.%d.%s.%s", il, base, suffix);
    return buf;
}

/* ---- hyperparameters and tensors per architecture ------------------------ */

static llml_result llml__model_arch(llml_model *m, llml_error *err) {
    const llml_gguf *g = m->gguf;
    llml_model_info *inf = &m->info;
    const char *arch = inf->arch;
    int64_t v, hd, hdv, n_head, n_embd, n_layer, il;
    int64_t n_ff = 0, n_expert = 0, n_used = 0, n_ff_exp = 0, n_ff_shexp = 0;
    float f;
    llml_result r;
    char name[96];
    int has_output;

#define LLML__REQ_INT(suffix, dst) do { \
        r = llml__model_get_int(g, arch, suffix, -1, &v); \
        if (r != LLML_OK || v <= 0 || v > (1 << 24)) { \
            llml__set_error(err, r == LLML_OK ? LLML_ERR_CORRUPT : r, UINT64_MAX, \
                            "model key %s.%s is %s", arch, suffix, r == LLML_OK ? "out of range" : "missing or not an integer"); \
            return r == LLML_OK ? LLML_ERR_CORRUPT : r; } \
        dst = v; } while (0)

    LLML__REQ_INT("embedding_length", n_embd);
    LLML__REQ_INT("block_count", n_layer);
    LLML__REQ_INT("attention.head_count", n_head);
    if (n_layer > 4096) { llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s.block_count is too large", arch); return LLML_ERR_CORRUPT; }
    inf->n_embd = (int32_t)n_embd;
    inf->n_layer = (int32_t)n_layer;
    inf->n_head = (int32_t)n_head;
    if (llml__model_get_int(g, arch, "context_length", -1, &v) == LLML_OK && v > 0 && v <= INT32_MAX) inf->n_ctx_train = (int32_t)v;
    else inf->n_ctx_train = 2048;
    hd = n_embd / n_head;
    if (llml__model_get_int(g, arch, "attention.key_length", -1, &v) == LLML_OK) hd = v;
    hdv = hd;
    if (llml__model_get_int(g, arch, "attention.value_length", -1, &v) == LLML_OK) hdv = v;
    if (hd <= 0 || hd > 4096 || hdv != hd) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "%s: head size %lld/%lld is not supported", arch, (long long)hd, (long long)hdv);
        return LLML_ERR_UNSUPPORTED;
    }
    inf->head_dim = (int32_t)hd;
    m->head_dim_v = (int32_t)hdv;
    inf->n_rot = (int32_t)hd;
    if (llml__model_get_int(g, arch, "rope.dimension_count", -1, &v) == LLML_OK) {
        if (v <= 0 || v > hd || (v & 1)) { llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s.rope.dimension_count %lld is invalid", arch, (long long)v); return LLML_ERR_CORRUPT; }
        inf->n_rot = (int32_t)v;
    }
    inf->norm_eps = 1e-5f;
    if (llml__model_get_float(g, arch, "attention.layer_norm_rms_epsilon", &f) == LLML_OK) inf->norm_eps = f;
    inf->rope_freq_base = 10000.0f;
    if (llml__model_get_float(g, arch, "rope.freq_base", &f) == LLML_OK) inf->rope_freq_base = f;
    inf->rope_freq_scale = 1.0f;
    if (llml__model_get_float(g, arch, "rope.scaling.factor", &f) == LLML_OK && f > 0.0f) {
        const char *type = NULL;
        char key[128];
        llml__model_key(key, sizeof(key), arch, "rope.scaling.type");
        if (llml_gguf_get_str(g, key, &type) == LLML_OK && strcmp(type, "linear") != 0 && strcmp(type, "none") != 0) {
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "%s: RoPE scaling \"%s\" is not supported (linear is)", arch, type);
            return LLML_ERR_UNSUPPORTED;
        }
        if (!type || strcmp(type, "none") != 0) inf->rope_freq_scale = 1.0f / f;
    } else if (llml__model_get_float(g, arch, "rope.scale_linear", &f) == LLML_OK && f > 0.0f) {
        inf->rope_freq_scale = 1.0f / f;
    }
    inf->rope_style = LLML_ROPE_NEOX;
    if (m->arch == LLML__ARCH_LLAMA) inf->rope_style = LLML_ROPE_NORMAL;
    if (llml__model_get_int(g, arch, "expert_count", -1, &v) == LLML_OK) n_expert = v;
    if (llml__model_get_int(g, arch, "expert_used_count", -1, &v) == LLML_OK) n_used = v;
    if (n_expert < 0 || n_expert > 1024 || n_used < 0 || n_used > n_expert || (n_expert > 0 && n_used == 0)) {
        llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s: expert counts %lld/%lld are invalid", arch, (long long)n_used, (long long)n_expert);
        return LLML_ERR_CORRUPT;
    }
    inf->n_expert = (int32_t)n_expert;
    inf->n_expert_used = (int32_t)n_used;
    if (llml__model_get_int(g, arch, "feed_forward_length", -1, &v) == LLML_OK) n_ff = v;
    if (llml__model_get_int(g, arch, "expert_feed_forward_length", -1, &v) == LLML_OK) n_ff_exp = v;
    if (llml__model_get_int(g, arch, "expert_shared_feed_forward_length", -1, &v) == LLML_OK) n_ff_shexp = v;
    if (n_ff_exp == 0) n_ff_exp = n_ff;
    if (n_ff_shexp == 0) n_ff_shexp = n_ff;
    inf->n_ff = (int32_t)(n_expert > 0 ? n_ff_exp : n_ff);
    if (llml__model_get_int(g, arch, "attention.sliding_window", -1, &v) == LLML_OK && v > 0) inf->sliding_window = (int32_t)v;

    /* per-architecture options (the reference's graph builders) */
    m->attn_scale = 1.0f / sqrtf((float)hd);
    m->attn_scale_pre = 0;
    m->gelu = 0;
    m->norm_w_experts = m->arch == LLML__ARCH_LLAMA;
    m->embd_scale = 0.0f;
    if (m->arch == LLML__ARCH_GEMMA || m->arch == LLML__ARCH_GEMMA2 || m->arch == LLML__ARCH_GEMMA3) {
        m->gelu = 1;
        m->embd_scale = sqrtf((float)n_embd);
        m->attn_scale_pre = 1;
        /* 27B variants scale by n_embd / n_head instead of the head size */
        if ((m->arch == LLML__ARCH_GEMMA2 && n_layer == 46) || (m->arch == LLML__ARCH_GEMMA3 && n_layer == 62))
            m->attn_scale = 1.0f / sqrtf((float)(n_embd / n_head));
    }
    if (m->arch == LLML__ARCH_GEMMA2) {
        m->attn_softcap = 50.0f; m->final_softcap = 30.0f;
        llml__model_get_float(g, arch, "attn_logit_softcapping", &m->attn_softcap);
        llml__model_get_float(g, arch, "final_logit_softcapping", &m->final_softcap);
        if (!inf->sliding_window) inf->sliding_window = 4096;
    }
    if (m->arch == LLML__ARCH_GEMMA3) {
        if (llml__model_get_float(g, arch, "final_logit_softcapping", &f) == LLML_OK) m->final_softcap = f;
    }
    if (m->arch == LLML__ARCH_PHI3) inf->sliding_window = 0; /* phi3's window is the training context */
    if (n_expert > 0 && m->arch != LLML__ARCH_LLAMA && m->arch != LLML__ARCH_QWEN2MOE) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "%s with experts is not supported", arch);
        return LLML_ERR_UNSUPPORTED;
    }
    if (m->arch == LLML__ARCH_QWEN2MOE && n_expert == 0) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "qwen2moe.expert_count is missing");
        return LLML_ERR_NOT_FOUND;
    }

    /* global tensors */
    {
        int64_t ti = llml_gguf_find_tensor(g, "token_embd.weight");
        const llml_gguf_tensor *t;
        if (ti < 0) { llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "tensor token_embd.weight is missing"); return LLML_ERR_NOT_FOUND; }
        t = llml_gguf_tensor_at(g, ti);
        if (t->ne[1] <= 0 || t->ne[1] > INT32_MAX) { llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "token_embd.weight has a bad vocabulary size"); return LLML_ERR_BAD_SHAPE; }
        m->n_vocab = (int32_t)t->ne[1];
        inf->n_vocab = m->n_vocab;
    }
    r = llml__model_bind(m, "token_embd.weight", n_embd, m->n_vocab, 0, 1, &m->tok_embd, err);
    if (r != LLML_OK) return r;
    r = llml__model_vec(m, "output_norm.weight", n_embd, 1, &m->output_norm, err);
    if (r != LLML_OK) return r;
    has_output = llml_gguf_find_tensor(g, "output.weight") >= 0;
    if (has_output) {
        r = llml__model_bind(m, "output.weight", n_embd, m->n_vocab, 0, 1, &m->output, err);
        if (r != LLML_OK) return r;
    } else {
        m->output = m->tok_embd;   /* tied */
    }
    r = llml__model_vec(m, "rope_freqs.weight", inf->n_rot / 2, 0, &m->rope_freqs, err);
    if (r != LLML_OK) return r;

    m->layers = (llml__layer *)llml__calloc(&m->alloc, (size_t)n_layer * sizeof(llml__layer));
    if (!m->layers) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory for %lld layers", (long long)n_layer); return LLML_ERR_OUT_OF_MEMORY; }

    for (il = 0; il < n_layer; il++) {
        llml__layer *L = &m->layers[il];
        int64_t nkv = n_head, n_q = n_head * hd, n_kv;
        int ii = (int)il;
        if (llml__model_get_int(g, arch, "attention.head_count_kv", il, &v) == LLML_OK) nkv = v;
        if (nkv <= 0 || nkv > n_head || n_head % nkv) {
            llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s.attention.head_count_kv %lld does not divide head_count %lld", arch, (long long)nkv, (long long)n_head);
            return LLML_ERR_CORRUPT;
        }
        if (il == 0) inf->n_head_kv = (int32_t)nkv;
        L->n_head_kv = (int32_t)nkv;
        n_kv = nkv * hd;
        L->n_ff = (int32_t)n_ff;
        L->rope_base = inf->rope_freq_base;
        L->rope_scale = inf->rope_freq_scale;
        if (m->arch == LLML__ARCH_GEMMA2) L->is_swa = (il % 2) == 0;
        if (m->arch == LLML__ARCH_GEMMA3) {
            L->is_swa = (il % 6) < 5;
            if (L->is_swa) {
                L->rope_base = 10000.0f;
                llml__model_get_float(g, arch, "rope.freq_base_swa", &L->rope_base);
                L->rope_scale = 1.0f;
            }
        }

#define LLML__VEC(field, base, suf, n, req) do { r = llml__model_vec(m, llml__tn(name, sizeof(name), ii, base, suf), n, req, &L->field, err); if (r != LLML_OK) return r; } while (0)
#define LLML__MAT(field, base, ne0, ne1, ne2, req) do { r = llml__model_bind(m, llml__tn(name, sizeof(name), ii, base, "weight"), ne0, ne1, ne2, req, &L->field, err); if (r != LLML_OK) return r; } while (0)

        LLML__VEC(attn_norm, "attn_norm", "weight", n_embd, 1);
        if (m->arch == LLML__ARCH_PHI3) {
            LLML__MAT(wqkv, "attn_qkv", n_embd, n_q + 2 * n_kv, 0, 1);
        } else {
            LLML__MAT(wq, "attn_q", n_embd, n_q, 0, 1);
            LLML__MAT(wk, "attn_k", n_embd, n_kv, 0, 1);
            LLML__MAT(wv, "attn_v", n_embd, n_kv, 0, 1);
        }
        LLML__VEC(bq, "attn_q", "bias", n_q, 0);
        LLML__VEC(bk, "attn_k", "bias", n_kv, 0);
        LLML__VEC(bv, "attn_v", "bias", n_kv, 0);
        LLML__MAT(wo, "attn_output", n_q, n_embd, 0, 1);
        if (m->arch == LLML__ARCH_QWEN3 || m->arch == LLML__ARCH_GEMMA3) {
            LLML__VEC(q_norm, "attn_q_norm", "weight", hd, 1);
            LLML__VEC(k_norm, "attn_k_norm", "weight", hd, 1);
        }
        if (m->arch == LLML__ARCH_GEMMA2 || m->arch == LLML__ARCH_GEMMA3) {
            LLML__VEC(attn_post_norm, "post_attention_norm", "weight", n_embd, 1);
            LLML__VEC(ffn_post_norm, "post_ffw_norm", "weight", n_embd, 1);
        }
        LLML__VEC(ffn_norm, "ffn_norm", "weight", n_embd, 1);
        if (n_expert > 0) {
            LLML__MAT(gate_inp, "ffn_gate_inp", n_embd, n_expert, 0, 1);
            LLML__MAT(gate_exps, "ffn_gate_exps", n_embd, n_ff_exp, n_expert, 1);
            LLML__MAT(up_exps, "ffn_up_exps", n_embd, n_ff_exp, n_expert, 1);
            LLML__MAT(down_exps, "ffn_down_exps", n_ff_exp, n_embd, n_expert, 1);
            L->n_ff = (int32_t)n_ff_exp;
            if (m->arch == LLML__ARCH_QWEN2MOE) {
                LLML__VEC(gate_inp_shexp, "ffn_gate_inp_shexp", "weight", n_embd, 0);
                LLML__MAT(gate_shexp, "ffn_gate_shexp", n_embd, n_ff_shexp, 0, 1);
                LLML__MAT(up_shexp, "ffn_up_shexp", n_embd, n_ff_shexp, 0, 1);
                LLML__MAT(down_shexp, "ffn_down_shexp", n_ff_shexp, n_embd, 0, 1);
            }
        } else if (m->arch == LLML__ARCH_PHI3) {
            LLML__MAT(ffn_up, "ffn_up", n_embd, 2 * n_ff, 0, 1);
            LLML__MAT(ffn_down, "ffn_down", n_ff, n_embd, 0, 1);
        } else {
            if (n_ff <= 0) { llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "%s.feed_forward_length is missing", arch); return LLML_ERR_NOT_FOUND; }
            LLML__MAT(ffn_gate, "ffn_gate", n_embd, n_ff, 0, 1);
            LLML__MAT(ffn_up, "ffn_up", n_embd, n_ff, 0, 1);
            LLML__MAT(ffn_down, "ffn_down", n_ff, n_embd, 0, 1);
        }
#undef LLML__VEC
#undef LLML__MAT
    }
#undef LLML__REQ_INT
    return LLML_OK;
}

/* ---- loading ------------------------------------------------------------- */

static void llml__model_destroy(llml_model *m) {
    llml_allocator a;
    if (!m) return;
    a = m->alloc;
    if (m->vocab) llml_vocab_free(m->vocab);
    if (m->layers) llml__free(&a, m->layers, (size_t)m->info.n_layer * sizeof(llml__layer));
    if (m->f32_pool) llml__free(&a, m->f32_pool, m->f32_pool_size * sizeof(float));
    if (m->owned_data) llml__free(&a, m->owned_data, m->owned_size);
    if (m->il_data) llml__free(&a, m->il_data, m->il_size);
    if (m->gguf) llml_gguf_close(m->gguf);
    llml__free(&a, m, sizeof(*m));
}

/* Finish loading an opened GGUF: fill in tensor data for callback sources,
   find the architecture, bind everything, load the tokenizer. */
static llml_result llml__model_init(llml_model *m, llml_error *err) {
    llml_gguf *g = m->gguf;
    const char *arch = NULL, *s;
    int64_t i, n = llml_gguf_n_tensors(g);
    size_t n_small = 0;
    llml_result r;
    int a;

    if (llml_gguf_get_str(g, "general.architecture", &arch) != LLML_OK) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "general.architecture is missing: not a model file");
        return LLML_ERR_NOT_FOUND;
    }
    for (a = 0; a < LLML__ARCH_COUNT; a++)
        if (strcmp(arch, llml__arch_names[a]) == 0) break;
    if (a == LLML__ARCH_COUNT) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_ARCH, UINT64_MAX,
                        "architecture \"%.64s\" is not supported; supported: %s", arch, llml_model_supported_archs());
        return LLML_ERR_UNSUPPORTED_ARCH;
    }
    m->arch = (llml__arch)a;
    m->info.arch = llml__arch_names[a];
    m->info.name = "";
    if (llml_gguf_get_str(g, "general.name", &s) == LLML_OK) m->info.name = s;
    m->info.chat_template = NULL;
    if (llml_gguf_get_str(g, "tokenizer.chat_template", &s) == LLML_OK) m->info.chat_template = s;
    m->info.file_type = -1;
    {
        int64_t ft;
        if (llml_gguf_get_int(g, "general.file_type", &ft) == LLML_OK && ft >= 0 && ft <= INT32_MAX) m->info.file_type = (int32_t)ft;
    }

    /* callback source: read all tensor data into one allocation */
    if (n > 0 && !llml_gguf_tensor_at(g, 0)->data) {
        uint64_t total = llml_gguf_file_size(g) - llml_gguf_data_offset(g);
        if (total > (uint64_t)SIZE_MAX - 64) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "tensor data too large for this platform"); return LLML_ERR_OUT_OF_MEMORY; }
        m->owned_size = (size_t)total + 64;
        m->owned_data = llml__alloc(&m->alloc, m->owned_size, 64);
        if (!m->owned_data) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory reading %llu bytes of weights", (unsigned long long)total); return LLML_ERR_OUT_OF_MEMORY; }
        for (i = 0; i < n; i++) {
            llml_gguf_tensor *t = (llml_gguf_tensor *)llml_gguf_tensor_at(g, i);
            uint8_t *dst = (uint8_t *)m->owned_data + t->offset;
            r = llml_gguf_read_tensor(g, i, dst, (size_t)t->size);
            if (r != LLML_OK) {
                llml__set_error(err, r, llml_gguf_data_offset(g) + t->offset, "reading tensor %s failed", t->name);
                return r;
            }
            t->data = dst;   /* the handle is ours: point its tensor infos at the copy */
        }
    }

    for (i = 0; i < n; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        uint64_t ne = (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
        m->info.n_params += ne;
        m->info.weight_bytes += t->size;
        if (t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1 && t->ne[0] < (1 << 24)) n_small += (size_t)t->ne[0];
        if (((uintptr_t)t->data % 4) != 0) {
            llml__set_error(err, LLML_ERR_BAD_ALIGNMENT, llml_gguf_data_offset(g) + t->offset,
                            "tensor %s data is not 4-byte aligned in memory (load the buffer at an aligned address)", t->name);
            return LLML_ERR_BAD_ALIGNMENT;
        }
    }
    if (n_small > 0) {
        m->f32_pool_size = n_small;
        m->f32_pool = (float *)llml__alloc(&m->alloc, n_small * sizeof(float), 64);
        if (!m->f32_pool) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    }
#if defined(LLML__GGUF_POSIX)
    if (!m->no_repack && g->kind == LLML__GGUF_SRC_MAP && g->map_fd_open) {
        /* Decided before the tensors are bound: touching a mapped page can
           bring in a whole large page-cache folio (up to some MiB) around
           it, so with the matrices repacked the norms read in place would
           map pieces of them back (measured: 20-65 MiB more resident for a
           1B model); they are read from the file instead. */
        llml__kern k;
        int t;
        llml__kern_init(&k, 0);
        for (t = 0; t < LLML_TYPE_COUNT; t++)
            if (k.mmi[t] && k.gemmi[t]) m->repack = 1;
    }
#endif
    r = llml__model_arch(m, err);
    if (r != LLML_OK) return r;

    r = llml_vocab_load(g, &m->alloc, &m->vocab, err);
    if (r == LLML_ERR_NOT_FOUND) {
        m->vocab = NULL;
        llml__model_log(m, LLML_LOG_WARN, "the model has no tokenizer: token ids only");
    } else if (r != LLML_OK) {
        return r;
    } else if (llml_vocab_n_tokens(m->vocab) > m->n_vocab) {
        llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "tokenizer has %d tokens but token_embd.weight only %d rows",
                        (int)llml_vocab_n_tokens(m->vocab), (int)m->n_vocab);
        return LLML_ERR_CORRUPT;
    }
    llml__model_log(m, LLML_LOG_INFO, "loaded %s model \"%s\": %d layers, n_embd %d, %d heads (%d kv), vocab %d, %.1f M parameters",
                    m->info.arch, m->info.name, m->info.n_layer, m->info.n_embd, m->info.n_head, m->info.n_head_kv,
                    m->n_vocab, (double)m->info.n_params / 1e6);
    return LLML_OK;
}

static llml_result llml__model_new(const llml_model_desc *desc, llml_model **out, llml_error *err) {
    llml_allocator a;
    llml_model *m;
    memset(&a, 0, sizeof(a));
    if (desc && desc->allocator) a = *desc->allocator;
    m = (llml_model *)llml__calloc(&a, sizeof(*m));
    if (!m) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    m->alloc = a;
    if (desc) { m->log = desc->log; m->log_user = desc->log_user; m->no_repack = desc->no_repack; }
    *out = m;
    return LLML_OK;
}

/* The matrices of layer il (-1: the output matrix unless it is the token
   embeddings) that may be repacked; returns their count (at most 11). */
static int llml__model_mats(llml_model *m, int il, llml__w **cand) {
    llml__layer *L = il >= 0 ? &m->layers[il] : NULL;
    int nc = 0;
    if (!L) {
        if (m->output.data != m->tok_embd.data) cand[nc++] = &m->output;
    } else {
        cand[nc++] = &L->wq; cand[nc++] = &L->wk; cand[nc++] = &L->wv; cand[nc++] = &L->wqkv; cand[nc++] = &L->wo;
        cand[nc++] = &L->ffn_gate; cand[nc++] = &L->ffn_up; cand[nc++] = &L->ffn_down;
        cand[nc++] = &L->gate_shexp; cand[nc++] = &L->up_shexp; cand[nc++] = &L->down_shexp;
    }
    return nc;
}

/* The weight matrices the CPU's kernels would rather read interleaved:
   every 2-D matrix of a format with mmi and gemmi at the best level, except
   the token embeddings (rows are looked up one by one) and an output
   matrix that shares them. Returns the count; ws gets them when not NULL. */
LLML__UNUSED static int64_t llml__model_il_list(llml_model *m, const llml__kern *k, llml__w **ws) {
    int64_t n = 0;
    int il, j;
    for (il = -1; il < m->info.n_layer; il++) {
        llml__w *cand[11];
        const int nc = llml__model_mats(m, il, cand);
        for (j = 0; j < nc; j++) {
            const llml__w *w = cand[j];
            if (!w->data || w->ne[2] != 1 || !k->mmi[w->type] || !k->gemmi[w->type] || w->data == m->tok_embd.data) continue;
            if (ws) ws[n] = cand[j];
            n++;
        }
    }
    return n;
}

/* Load-time repacking (llml_model_desc.no_repack clears it): for a file
   mapped on a POSIX system, the matrices of llml__model_il_list are read
   from the file (not through the mapping, so its pages stay out of
   memory) a few MiB at a time and packed into one allocation; the mapping
   keeps the file's layout for everything else (GPU uploads, contexts
   capped below the level, the gguf handle). Resident memory stays about
   the file's size. */
static llml_result llml__model_repack(llml_model *m, llml_error *err) {
#if defined(LLML__GGUF_POSIX)
    llml_gguf *g = m->gguf;
    llml__kern k;
    llml__w **ws = NULL;
    int64_t n, i;
    size_t total = 0, off = 0, cap = 0;
    uint8_t *buf = NULL;
    llml_result r = LLML_OK;
    if (!m->repack) return LLML_OK;
    llml__kern_init(&k, 0);
    n = llml__model_il_list(m, &k, NULL);
    if (n == 0) return LLML_OK;
    ws = (llml__w **)llml__alloc(&m->alloc, (size_t)n * sizeof(*ws), 16);
    if (!ws) goto oom;
    llml__model_il_list(m, &k, ws);
    for (i = 0; i < n; i++) total += (llml__il_bytes(ws[i]->type, ws[i]->ne[1], ws[i]->row_bytes) + 63u) & ~(size_t)63u;
    m->il_data = llml__alloc(&m->alloc, total, 64);
    if (!m->il_data) goto oom;
    m->il_size = total;
    for (i = 0; i < n; i++) {
        llml__w *w = ws[i];
        /* panels per read: about 4 MiB */
        const int64_t step = 16 * LLML__MAX(1, (int64_t)((4u << 20) / (16 * w->row_bytes)));
        const uint64_t src = (uint64_t)(w->data - (const uint8_t *)g->map);
        uint8_t *dst = (uint8_t *)m->il_data + off;
        int64_t r0;
        if (!buf || cap < (size_t)step * w->row_bytes) {
            if (buf) llml__free(&m->alloc, buf, cap);
            cap = LLML__MAX((size_t)step * w->row_bytes, (size_t)4u << 20);
            buf = (uint8_t *)llml__alloc(&m->alloc, cap, 64);
            if (!buf) { cap = 0; goto oom; }
        }
        for (r0 = 0; r0 < w->ne[1]; r0 += step) {
            const int64_t rn = LLML__MIN(step, w->ne[1] - r0);
            const size_t nbytes = (size_t)rn * w->row_bytes;
            if (!llml__model_pread(m, src + (uint64_t)r0 * w->row_bytes, buf, nbytes)) {
                llml__set_error(err, LLML_ERR_IO, src, "reading a weight matrix to repack it failed (the file changed or shrank?)");
                r = LLML_ERR_IO;
                goto done;
            }
            llml__il_pack(w->type, buf, dst + (size_t)r0 * w->row_bytes, rn, w->row_bytes);
        }
        memset(dst + llml__il_bytes(w->type, w->ne[1], w->row_bytes) - 64, 0, 64);   /* the kernels' overreach */
        w->il = dst;
        off += (llml__il_bytes(w->type, w->ne[1], w->row_bytes) + 63u) & ~(size_t)63u;
    }
    llml__model_log(m, LLML_LOG_INFO, "repacked %lld weight matrices (%.1f MiB) for the %s kernels", (long long)n,
                    (double)total / 1048576.0, llml_isa_name(k.level));
    goto done;
oom:
    llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory repacking the weights (load with no_repack to skip it)");
    r = LLML_ERR_OUT_OF_MEMORY;
done:
    if (buf) llml__free(&m->alloc, buf, cap);
    if (r != LLML_OK) {
        for (i = 0; ws && i < n; i++) ws[i]->il = NULL;
        if (m->il_data) llml__free(&m->alloc, m->il_data, m->il_size);
        m->il_data = NULL; m->il_size = 0;
    }
    if (ws) llml__free(&m->alloc, ws, (size_t)n * sizeof(*ws));
    return r;
#else
    (void)m; (void)err;
    return LLML_OK;
#endif
}

/* Read-ahead for a mapped file: the tensors that inference reads through
   the mapping (everything but the repacked matrices; above all the token
   embeddings, whose rows are looked up one by one, at random pages) are
   advised WILLNEED, so the page cache starts filling at load time and a
   generated token does not wait on a disk read for its embedding row
   (measured: 1.7-3 ms a token, 10% of tg, with the file out of the page
   cache; PERF.md). It is advice: nothing is mapped in (resident memory does
   not grow until a page is used) and failures are ignored. Linux caps one
   WILLNEED at the device's read-ahead window, so it goes in 128 KiB pieces
   (144 MiB of embeddings: about 30 ms at load). Skipped when
   the ranges exceed half the physical memory (they would only push each
   other out). Strict C99 hides posix_madvise's declaration; Linux and the
   BSDs / macOS share its value 3 for WILLNEED. */
#if defined(LLML__GGUF_POSIX) && !defined(POSIX_MADV_WILLNEED) && (defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__))
int posix_madvise(void *addr, size_t len, int advice);
#define POSIX_MADV_WILLNEED 3
#endif
/* Whether the matrix whose file data starts at `data` has a repacked copy. */
static int llml__model_repacked(llml_model *m, const void *data) {
    int il, j;
    if (!m->il_data) return 0;
    for (il = -1; il < m->info.n_layer; il++) {
        llml__w *cand[11];
        const int nc = llml__model_mats(m, il, cand);
        for (j = 0; j < nc; j++)
            if (cand[j]->il && (const void *)cand[j]->data == data) return 1;
    }
    return 0;
}

static void llml__model_readahead(llml_model *m) {
#if defined(LLML__GGUF_POSIX) && defined(POSIX_MADV_WILLNEED)
    const llml_gguf *g = m->gguf;
    uintptr_t page = 4096;
    int64_t i, nt;
    if (!g || !g->map) return;
#if defined(_SC_PAGESIZE)
    if (sysconf(_SC_PAGESIZE) > 0) page = (uintptr_t)sysconf(_SC_PAGESIZE);
#endif
#if defined(_SC_PHYS_PAGES)
    {   /* what stays read through the mapping: about the file less the repacked copies */
        const long pages = sysconf(_SC_PHYS_PAGES);
        const uint64_t rest = g->map_size > m->il_size ? (uint64_t)(g->map_size - m->il_size) : 0;
        if (pages > 0 && rest > (uint64_t)pages * (uint64_t)page / 2) return;
    }
#endif
    nt = llml_gguf_n_tensors(g);
    for (i = 0; i < nt; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        const uintptr_t piece = (uintptr_t)128 << 10;   /* Linux reads at most its read-ahead window (often 128 KiB) a call */
        uintptr_t a, e;
        if (!t || !t->data || t->size == 0 || llml__model_repacked(m, t->data)) continue;
        e = (uintptr_t)t->data + (uintptr_t)t->size;
        for (a = (uintptr_t)t->data & ~(page - 1); a < e; a += piece)
            (void)posix_madvise((void *)a, (size_t)LLML__MIN(piece, e - a), POSIX_MADV_WILLNEED);
    }
#else
    (void)m;
#endif
}

static llml_result llml__model_finish(llml_model *m, llml_result r, llml_model **out, llml_error *err) {
    if (r == LLML_OK) r = llml__model_init(m, err);
    if (r == LLML_OK) r = llml__model_repack(m, err);
    if (r == LLML_OK) llml__model_readahead(m);
    if (r != LLML_OK) {
        if (m->log) llml__model_log(m, LLML_LOG_ERROR, "%s", err ? err->message : llml_result_string(r));
        llml__model_destroy(m);
        return r;
    }
    if (err) { err->code = LLML_OK; err->offset = UINT64_MAX; err->message[0] = 0; }
    *out = m;
    return LLML_OK;
}

LLML_API llml_result llml_model_load_file(const char *path, const llml_model_desc *desc,
                                          llml_model **out, llml_error *err) {
    llml_gguf_desc gd;
    llml_model *m;
    llml_result r;
    if (out) *out = NULL;
    if (!path || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "path and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    r = llml__model_new(desc, &m, err);
    if (r != LLML_OK) return r;
    memset(&gd, 0, sizeof(gd));
    gd.allocator = &m->alloc;
    gd.no_mmap = desc ? desc->no_mmap : 0;
    r = llml_gguf_open_file(path, &gd, &m->gguf, err);
    return llml__model_finish(m, r, out, err);
}

LLML_API llml_result llml_model_load_memory(const void *data, size_t size, const llml_model_desc *desc,
                                            llml_model **out, llml_error *err) {
    llml_gguf_desc gd;
    llml_model *m;
    llml_result r;
    if (out) *out = NULL;
    if (!data || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "data and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    r = llml__model_new(desc, &m, err);
    if (r != LLML_OK) return r;
    memset(&gd, 0, sizeof(gd));
    gd.allocator = &m->alloc;
    r = llml_gguf_open_memory(data, size, &gd, &m->gguf, err);
    return llml__model_finish(m, r, out, err);
}

LLML_API llml_result llml_model_load_callback(llml_read_fn read, void *user, uint64_t size,
                                              const llml_model_desc *desc, llml_model **out, llml_error *err) {
    llml_gguf_desc gd;
    llml_model *m;
    llml_result r;
    if (out) *out = NULL;
    if (!read || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "read and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    r = llml__model_new(desc, &m, err);
    if (r != LLML_OK) return r;
    memset(&gd, 0, sizeof(gd));
    gd.allocator = &m->alloc;
    r = llml_gguf_open_callback(read, user, size, &gd, &m->gguf, err);
    return llml__model_finish(m, r, out, err);
}

LLML_API void llml_model_free(llml_model *m) { llml__model_destroy(m); }

LLML_API llml_result llml_model_get_info(const llml_model *m, llml_model_info *info) {
    if (!m || !info) return LLML_ERR_INVALID_ARG;
    *info = m->info;
    return LLML_OK;
}

LLML_API const llml_vocab *llml_model_vocab(const llml_model *m) { return m ? m->vocab : NULL; }
LLML_API const llml_gguf *llml_model_gguf(const llml_model *m) { return m ? m->gguf : NULL; }
