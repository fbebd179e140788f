
/* ------------------------------------------------------------------------ */
/* >>mix  the reference quantizer's mixes and per-tensor rules               */
/* ------------------------------------------------------------------------ */

/* Order matters for llml_mix_for_type: the first entry whose base is a
   format gives that format's file type (q3_K -> Q3_K_M, iq2_s -> IQ2_M). */
static const llml_mix_info llml__mixes[] = {
    { "F32",     LLML_FTYPE_ALL_F32, LLML_TYPE_F32,     0 },
    { "F16",     LLML_FTYPE_F16,     LLML_TYPE_F16,     0 },
    { "BF16",    LLML_FTYPE_BF16,    LLML_TYPE_BF16,    0 },
    { "Q4_0",    LLML_FTYPE_Q4_0,    LLML_TYPE_Q4_0,    0 },
    { "Q4_1",    LLML_FTYPE_Q4_1,    LLML_TYPE_Q4_1,    0 },
    { "Q5_0",    LLML_FTYPE_Q5_0,    LLML_TYPE_Q5_0,    0 },
    { "Q5_1",    LLML_FTYPE_Q5_1,    LLML_TYPE_Q5_1,    0 },
    { "Q8_0",    LLML_FTYPE_Q8_0,    LLML_TYPE_Q8_0,    0 },
    { "Q2_K",    LLML_FTYPE_Q2_K,    LLML_TYPE_Q2_K,    0 },
    { "Q2_K_S",  LLML_FTYPE_Q2_K_S,  LLML_TYPE_Q2_K,    0 },
    { "Q3_K_M",  LLML_FTYPE_Q3_K_M,  LLML_TYPE_Q3_K,    0 },
    { "Q3_K_S",  LLML_FTYPE_Q3_K_S,  LLML_TYPE_Q3_K,    0 },
    { "Q3_K_L",  LLML_FTYPE_Q3_K_L,  LLML_TYPE_Q3_K,    0 },
    { "Q3_K",    LLML_FTYPE_Q3_K_M,  LLML_TYPE_Q3_K,    1 },
    { "Q4_K_M",  LLML_FTYPE_Q4_K_M,  LLML_TYPE_Q4_K,    0 },
    { "Q4_K_S",  LLML_FTYPE_Q4_K_S,  LLML_TYPE_Q4_K,    0 },
    { "Q4_K",    LLML_FTYPE_Q4_K_M,  LLML_TYPE_Q4_K,    1 },
    { "Q5_K_M",  LLML_FTYPE_Q5_K_M,  LLML_TYPE_Q5_K,    0 },
    { "Q5_K_S",  LLML_FTYPE_Q5_K_S,  LLML_TYPE_Q5_K,    0 },
    { "Q5_K",    LLML_FTYPE_Q5_K_M,  LLML_TYPE_Q5_K,    1 },
    { "Q6_K",    LLML_FTYPE_Q6_K,    LLML_TYPE_Q6_K,    0 },
    { "IQ1_S",   LLML_FTYPE_IQ1_S,   LLML_TYPE_IQ1_S,   0 },
    { "IQ1_M",   LLML_FTYPE_IQ1_M,   LLML_TYPE_IQ1_M,   0 },
    { "IQ2_XXS", LLML_FTYPE_IQ2_XXS, LLML_TYPE_IQ2_XXS, 0 },
    { "IQ2_XS",  LLML_FTYPE_IQ2_XS,  LLML_TYPE_IQ2_XS,  0 },
    { "IQ2_S",   LLML_FTYPE_IQ2_S,   LLML_TYPE_IQ2_XS,  0 },
    { "IQ2_M",   LLML_FTYPE_IQ2_M,   LLML_TYPE_IQ2_S,   0 },
    { "IQ3_XXS", LLML_FTYPE_IQ3_XXS, LLML_TYPE_IQ3_XXS, 0 },
    { "IQ3_S",   LLML_FTYPE_IQ3_S,   LLML_TYPE_IQ3_S,   0 },
    { "IQ3_XS",  LLML_FTYPE_IQ3_XS,  LLML_TYPE_IQ3_S,   0 },
    { "IQ3_M",   LLML_FTYPE_IQ3_M,   LLML_TYPE_IQ3_S,   0 },
    { "IQ4_NL",  LLML_FTYPE_IQ4_NL,  LLML_TYPE_IQ4_NL,  0 },
    { "IQ4_XS",  LLML_FTYPE_IQ4_XS,  LLML_TYPE_IQ4_XS,  0 },
    { "TQ1_0",   LLML_FTYPE_TQ1_0,   LLML_TYPE_TQ1_0,   0 },
    { "TQ2_0",   LLML_FTYPE_TQ2_0,   LLML_TYPE_TQ2_0,   0 }
};
#define LLML__N_MIXES ((int32_t)(sizeof llml__mixes / sizeof llml__mixes[0]))

/* Case-insensitive ASCII equality. */
static int llml__mix_ieq(const char *a, const char *b) {
    while (*a && *b) {
        char x = *a++, y = *b++;
        if (x >= 'a' && x <= 'z') x = (char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = (char)(y - 'a' + 'A');
        if (x != y) return 0;
    }
    return *a == *b;
}

LLML_API int32_t llml_mix_count(void) { return LLML__N_MIXES; }

LLML_API const llml_mix_info *llml_mix_at(int32_t i) {
    return i >= 0 && i < LLML__N_MIXES ? &llml__mixes[i] : NULL;
}

LLML_API const llml_mix_info *llml_mix_for_ftype(int32_t ftype) {
    int32_t i;
    for (i = 0; i < LLML__N_MIXES; i++)
        if (!llml__mixes[i].alias && (int32_t)llml__mixes[i].ftype == ftype) return &llml__mixes[i];
    return NULL;
}

LLML_API const llml_mix_info *llml_mix_find(const char *name) {
    int32_t i;
    if (!name || !*name) return NULL;
    for (i = 0; i < LLML__N_MIXES; i++)
        if (llml__mix_ieq(llml__mixes[i].name, name)) return &llml__mixes[i];
    /* a bare ftype number, as the reference accepts */
    {
        const char *p = name;
        long v = 0;
        while (*p >= '0' && *p <= '9' && v < 100000) v = v * 10 + (*p++ - '0');
        if (*p == 0) return llml_mix_for_ftype((int32_t)v);
    }
    return NULL;
}

LLML_API const llml_mix_info *llml_mix_for_type(llml_type t) {
    int32_t i;
    for (i = 0; i < LLML__N_MIXES; i++)
        if (!llml__mixes[i].alias && llml__mixes[i].base == t) return &llml__mixes[i];
    return NULL;
}

/* An integer key, or the largest element of an integer array (per-layer
   values); `def` when absent or of another type. */
static int64_t llml__mix_get_int(const llml_gguf *g, const char *key, int64_t def) {
    int64_t v, i = llml_gguf_find_key(g, key);
    uint64_t j, n;
    const void *d;
    int found = 0;
    if (i < 0) return def;
    if (llml_gguf_get_int(g, key, &v) == LLML_OK) return v;
    if (llml_gguf_kv_type(g, i) != LLML_GGUF_ARRAY) return def;
    n = llml_gguf_arr_len(g, i);
    d = llml_gguf_arr_data(g, i);
    if (!d) return def;
    v = 0;
    for (j = 0; j < n; j++) {
        int64_t x;
        switch (llml_gguf_arr_type(g, i)) {
        case LLML_GGUF_UINT8: x = ((const uint8_t *)d)[j]; break;
        case LLML_GGUF_INT8: x = ((const int8_t *)d)[j]; break;
        case LLML_GGUF_UINT16: x = ((const uint16_t *)d)[j]; break;
        case LLML_GGUF_INT16: x = ((const int16_t *)d)[j]; break;
        case LLML_GGUF_UINT32: x = ((const uint32_t *)d)[j]; break;
        case LLML_GGUF_INT32: x = ((const int32_t *)d)[j]; break;
        case LLML_GGUF_UINT64: x = (int64_t)(((const uint64_t *)d)[j] >> 1); break;
        case LLML_GGUF_INT64: x = ((const int64_t *)d)[j]; break;
        default: return def;
        }
        if (!found || x > v) v = x;
        found = 1;
    }
    return found ? v : def;
}

LLML_API llml_result llml_mix_desc_from_gguf(const llml_gguf *g, llml_ftype ftype, llml_mix_desc *out) {
    const char *arch = NULL;
    char key[96];
    if (!g || !out) return LLML_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->ftype = ftype;
    if (llml_gguf_get_str(g, "general.architecture", &arch) != LLML_OK || !arch) arch = "";
    out->arch = arch;
    if (strlen(arch) > 48) return LLML_OK;
    snprintf(key, sizeof key, "%s.block_count", arch);
    out->n_layer = llml__mix_get_int(g, key, 0);
    snprintf(key, sizeof key, "%s.attention.head_count", arch);
    out->n_head = llml__mix_get_int(g, key, 0);
    snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
    out->n_head_kv = llml__mix_get_int(g, key, out->n_head);
    snprintf(key, sizeof key, "%s.expert_count", arch);
    out->n_expert = llml__mix_get_int(g, key, 0);
    return LLML_OK;
}

/* ---- tensor categories ---- */

typedef enum llml__mix_cat {
    LLML__CAT_TOKEN_EMBD, LLML__CAT_OUTPUT, LLML__CAT_ATTN_V_LIKE, LLML__CAT_ATTN_K,
    LLML__CAT_ATTN_Q, LLML__CAT_ATTN_OUTPUT, LLML__CAT_FFN_UP, LLML__CAT_FFN_GATE,
    LLML__CAT_FFN_DOWN, LLML__CAT_OTHER
} llml__mix_cat;

static int llml__mix_is_token_embd(const char *n) {
    return strcmp(n, "token_embd.weight") == 0 || strcmp(n, "per_layer_token_embd.weight") == 0;
}

static llml__mix_cat llml__mix_category(const char *n) {
    if (strcmp(n, "output.weight") == 0) return LLML__CAT_OUTPUT;
    if (llml__mix_is_token_embd(n)) return LLML__CAT_TOKEN_EMBD;
    /* fused qkv and MLA kv_b count as attn_v: the rules treat them alike */
    if (strstr(n, "attn_qkv.weight") || strstr(n, "attn_kv_b.weight") || strstr(n, "attn_v.weight"))
        return LLML__CAT_ATTN_V_LIKE;
    if (strstr(n, "attn_k.weight")) return LLML__CAT_ATTN_K;
    if (strstr(n, "attn_q.weight")) return LLML__CAT_ATTN_Q;
    if (strstr(n, "attn_output.weight")) return LLML__CAT_ATTN_OUTPUT;
    if (strstr(n, "ffn_up")) return LLML__CAT_FFN_UP;
    if (strstr(n, "ffn_gate")) return LLML__CAT_FFN_GATE;
    if (strstr(n, "ffn_down")) return LLML__CAT_FFN_DOWN;
    return LLML__CAT_OTHER;
}

/* Name fragments of tensors the reference always leaves as they are. */
static const char *const llml__mix_keep[] = {
    "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
    "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
    "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
    "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
    "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
    "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
    "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd",
    "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook",
    "mm.a.code_embd"
};

/* ggml's notion of dimensions: trailing sizes of 1 do not count. */
static int llml__mix_n_dims(const llml_tensor_shape *t) {
    int d;
    for (d = 3; d > 0; d--)
        if (t->ne[d] > 1) return d + 1;
    return 1;
}

static int llml__mix_may_quantize(const llml_tensor_shape *t) {
    const char *n = t->name;
    size_t len = strlen(n), i;
    if (llml__mix_n_dims(t) < 2) return 0;
    if (len < 6 || strcmp(n + len - 6, "weight") != 0) return 0;
    for (i = 0; i < sizeof llml__mix_keep / sizeof llml__mix_keep[0]; i++)
        if (strstr(n, llml__mix_keep[i])) return 0;
    if (strcmp(n, "position_embd.weight") == 0 || strcmp(n, "token_types.weight") == 0) return 0;
    return 1;
}

/* Layer number of "blk.N....", or -1. */
static int64_t llml__mix_layer_of(const char *n) {
    int64_t v = 0;
    const char *p = n + 4;
    if (strncmp(n, "blk.", 4) != 0 || *p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9' && v < 100000000) v = v * 10 + (*p++ - '0');
    return v;
}

typedef struct llml__mix_state {
    const llml_mix_desc *d;
    int is_falcon, is_70b, tied;
    int64_t n_attn_v;       /* attn_v-like tensors in the model */
    int64_t i_attn_v, i_ffn_down, i_ffn_gate, i_ffn_up;
    llml_error *err;
} llml__mix_state;

/* "Use more bits" layers of the reference: the first and last eighth, and
   every third layer in between. */
static int llml__mix_more_bits(int64_t i, int64_t n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* Layer index the ffn rules use: a running counter, except in expert models,
   where expert tensors are not in layer order and the name tells it. */
static int llml__mix_ffn_layer(llml__mix_state *qs, int64_t counter, const char *name, int64_t *layer) {
    if (qs->d->n_expert > 1) {
        int64_t l = llml__mix_layer_of(name);
        if (l < 0 || l >= qs->d->n_layer) {
            llml__set_error(qs->err, LLML_ERR_CORRUPT, UINT64_MAX,
                            "tensor %s: cannot tell its layer (model has %lld)", name,
                            (long long)qs->d->n_layer);
            return 0;
        }
        *layer = l;
    } else {
        *layer = counter;
    }
    return 1;
}

static int llml__mix_low_bit_iq(int ft) {
    return ft == LLML_FTYPE_IQ2_XXS || ft == LLML_FTYPE_IQ2_XS || ft == LLML_FTYPE_IQ1_S ||
           ft == LLML_FTYPE_IQ2_S || ft == LLML_FTYPE_IQ2_M || ft == LLML_FTYPE_IQ1_M;
}

static int32_t llml__mix_block(llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    return ti ? ti->block_size : 1;
}

/* The mix rules. *io holds the mix's base format on entry and the tensor's
   format on return. 0 on error (err filled). */
static int llml__mix_rule(llml__mix_state *qs, const llml_tensor_shape *ten, llml__mix_cat cat,
                          llml_type *io) {
    const llml_mix_desc *d = qs->d;
    const int ft = (int)d->ftype;
    const int64_t gqa = d->n_head_kv > 0 ? d->n_head / d->n_head_kv : 0, nl = d->n_layer;
    const int iq2s_like = ft == LLML_FTYPE_IQ2_S || ft == LLML_FTYPE_IQ2_M;
    llml_type t = *io;
    int64_t il;

    if (cat == LLML__CAT_OUTPUT || (cat == LLML__CAT_TOKEN_EMBD && qs->tied)) {
        /* the output projection keeps more bits than anything else */
        if (qs->is_falcon || ten->ne[0] % llml__mix_block(t) != 0) t = LLML_TYPE_Q8_0;
        else if (llml__mix_low_bit_iq(ft) || ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_Q5_K;
        else if (t != LLML_TYPE_Q8_0) t = LLML_TYPE_Q6_K;
    } else if (cat == LLML__CAT_TOKEN_EMBD) {
        if (ft == LLML_FTYPE_IQ2_XXS || ft == LLML_FTYPE_IQ2_XS || ft == LLML_FTYPE_IQ1_S ||
            ft == LLML_FTYPE_IQ1_M)
            t = LLML_TYPE_Q2_K;
        else if (iq2s_like || ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_IQ3_S;
        else if (ft == LLML_FTYPE_TQ1_0 || ft == LLML_FTYPE_TQ2_0) t = LLML_TYPE_Q4_K;
    } else if (llml__mix_low_bit_iq(ft)) {
        switch (cat) {
        case LLML__CAT_ATTN_V_LIKE:
            if (gqa >= 4 || d->n_expert >= 4) t = LLML_TYPE_Q4_K;
            else t = iq2s_like ? LLML_TYPE_IQ3_S : LLML_TYPE_Q2_K;
            qs->i_attn_v++;
            break;
        case LLML__CAT_ATTN_K:
            if (d->n_expert == 8) t = LLML_TYPE_Q4_K;
            break;
        case LLML__CAT_FFN_DOWN:
            if (qs->i_ffn_down < nl / 8) t = iq2s_like ? LLML_TYPE_IQ3_S : LLML_TYPE_Q2_K;
            qs->i_ffn_down++;
            break;
        case LLML__CAT_ATTN_OUTPUT:
            if (d->n_expert == 8) t = LLML_TYPE_Q5_K;
            else if (ft == LLML_FTYPE_IQ1_S || ft == LLML_FTYPE_IQ1_M) t = LLML_TYPE_IQ2_XXS;
            else if (iq2s_like) t = LLML_TYPE_IQ3_S;
            break;
        default:
            break;
        }
    } else {
        switch (cat) {
        case LLML__CAT_ATTN_V_LIKE: {
            const int64_t i = qs->i_attn_v, n = qs->n_attn_v;
            switch (ft) {
            case LLML_FTYPE_Q2_K: t = gqa >= 4 ? LLML_TYPE_Q4_K : LLML_TYPE_Q3_K; break;
            case LLML_FTYPE_Q2_K_S: if (gqa >= 4) t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_IQ3_XXS:
                t = gqa >= 4 ? LLML_TYPE_Q4_K : (d->has_imatrix ? LLML_TYPE_IQ3_XXS : LLML_TYPE_IQ3_S);
                break;
            case LLML_FTYPE_IQ3_XS: case LLML_FTYPE_IQ3_S: if (gqa >= 4) t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_IQ3_M: t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_Q3_K_M: t = i < 2 ? LLML_TYPE_Q5_K : LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_Q3_K_L: t = LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_IQ4_NL: case LLML_FTYPE_IQ4_XS: if (gqa >= 4) t = LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_Q4_K_M: case LLML_FTYPE_Q5_K_M:
                if (llml__mix_more_bits(i, n)) t = LLML_TYPE_Q6_K;
                break;
            case LLML_FTYPE_Q4_K_S: if (i < 4) t = LLML_TYPE_Q5_K; break;
            default: break;
            }
            /* 70B: attn_v is 8x smaller than attn_q, extra bits are cheap */
            if (qs->is_70b && (t == LLML_TYPE_Q3_K || t == LLML_TYPE_Q4_K)) t = LLML_TYPE_Q5_K;
            if (d->n_expert == 8) t = LLML_TYPE_Q8_0;
            qs->i_attn_v++;
            break;
        }
        case LLML__CAT_ATTN_K:
            if (d->n_expert == 8) t = LLML_TYPE_Q8_0;
            else if (ft == LLML_FTYPE_IQ3_XS) t = LLML_TYPE_IQ3_XXS;
            else if (ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_IQ2_S;
            break;
        case LLML__CAT_ATTN_Q:
            if (ft == LLML_FTYPE_IQ3_XS) t = LLML_TYPE_IQ3_XXS;
            else if (ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_IQ2_S;
            break;
        case LLML__CAT_FFN_DOWN: {
            int mb;
            if (!llml__mix_ffn_layer(qs, qs->i_ffn_down, ten->name, &il)) return 0;
            mb = llml__mix_more_bits(il, nl);
            switch (ft) {
            case LLML_FTYPE_Q2_K: t = LLML_TYPE_Q3_K; break;
            case LLML_FTYPE_Q2_K_S: if (il < nl / 8) t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_IQ3_XXS:
                if (!d->has_imatrix) t = il < nl / 8 ? LLML_TYPE_Q4_K : LLML_TYPE_Q3_K;
                break;
            case LLML_FTYPE_Q3_K_M:
                if (il < nl / 16) t = LLML_TYPE_Q5_K;
                else t = (!qs->is_falcon || mb) ? LLML_TYPE_Q4_K : LLML_TYPE_Q3_K;
                break;
            case LLML_FTYPE_IQ3_M:
                if (il < nl / 8 || (d->n_expert == 8 && mb)) t = LLML_TYPE_Q4_K;
                break;
            case LLML_FTYPE_Q3_K_L: t = qs->is_falcon ? LLML_TYPE_Q4_K : LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_Q4_K_M:
                if (qs->is_falcon)
                    t = il < nl / 16 ? LLML_TYPE_Q6_K : (mb ? LLML_TYPE_Q5_K : LLML_TYPE_Q4_K);
                else if (mb)
                    t = LLML_TYPE_Q6_K;
                break;
            case LLML_FTYPE_IQ4_NL: case LLML_FTYPE_IQ4_XS:
                if (il < nl / 8 && !d->has_imatrix) t = LLML_TYPE_Q5_K;
                break;
            case LLML_FTYPE_Q5_K_M: if (mb) t = LLML_TYPE_Q6_K; break;
            case LLML_FTYPE_Q4_K_S: if (!qs->is_falcon && il < nl / 8) t = LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_Q4_0: case LLML_FTYPE_Q5_0:
                /* with an imatrix, the first layers' ffn_down get the
                   variant with an offset */
                if (d->has_imatrix && il < nl / 8)
                    t = ft == LLML_FTYPE_Q4_0 ? LLML_TYPE_Q4_1 : LLML_TYPE_Q5_1;
                break;
            default: break;
            }
            qs->i_ffn_down++;
            break;
        }
        case LLML__CAT_ATTN_OUTPUT:
            if (!qs->is_falcon) {
                if (d->n_expert == 8) {
                    switch (ft) {
                    case LLML_FTYPE_Q2_K: case LLML_FTYPE_IQ3_XS: case LLML_FTYPE_IQ3_XXS:
                    case LLML_FTYPE_Q3_K_S: case LLML_FTYPE_Q3_K_M: case LLML_FTYPE_IQ4_NL:
                    case LLML_FTYPE_Q4_K_S: case LLML_FTYPE_Q4_K_M: case LLML_FTYPE_IQ3_S:
                    case LLML_FTYPE_IQ3_M: case LLML_FTYPE_IQ4_XS:
                        t = LLML_TYPE_Q5_K;
                        break;
                    default: break;
                    }
                } else {
                    switch (ft) {
                    case LLML_FTYPE_Q2_K: t = LLML_TYPE_Q3_K; break;
                    case LLML_FTYPE_IQ3_XXS: t = LLML_TYPE_IQ3_S; break;
                    case LLML_FTYPE_Q3_K_M: t = LLML_TYPE_Q4_K; break;
                    case LLML_FTYPE_Q3_K_L: t = LLML_TYPE_Q5_K; break;
                    case LLML_FTYPE_IQ3_M: t = LLML_TYPE_Q4_K; break;
                    default: break;
                    }
                }
            } else if (ft == LLML_FTYPE_Q3_K_L) {
                t = LLML_TYPE_Q4_K;
            }
            break;
        case LLML__CAT_FFN_GATE:
        case LLML__CAT_FFN_UP: {
            int64_t *ctr = cat == LLML__CAT_FFN_GATE ? &qs->i_ffn_gate : &qs->i_ffn_up;
            if (!llml__mix_ffn_layer(qs, *ctr, ten->name, &il)) return 0;
            if (ft == LLML_FTYPE_IQ3_XS && il >= nl / 8 && il < 7 * nl / 8) t = LLML_TYPE_IQ3_XXS;
            (*ctr)++;
            break;
        }
        default:
            break;
        }
    }
    *io = t;
    return 1;
}

/* When a row does not fit the chosen format's block, the reference falls
   back to a format with 32-element blocks, and to F16 after that. */
static llml_type llml__mix_fallback(int64_t nc, llml_type t) {
    llml_type r;
    if (nc % llml__mix_block(t) == 0) return t;
    switch (t) {
    case LLML_TYPE_IQ1_S: case LLML_TYPE_IQ1_M: case LLML_TYPE_IQ2_XXS: case LLML_TYPE_IQ2_XS:
    case LLML_TYPE_IQ2_S: case LLML_TYPE_IQ3_XXS: case LLML_TYPE_IQ3_S: case LLML_TYPE_IQ4_XS:
        r = LLML_TYPE_IQ4_NL; break;
    case LLML_TYPE_Q2_K: case LLML_TYPE_Q3_K: case LLML_TYPE_TQ1_0: case LLML_TYPE_TQ2_0:
        r = LLML_TYPE_Q4_0; break;
    case LLML_TYPE_Q4_K: r = LLML_TYPE_Q5_0; break;
    case LLML_TYPE_Q5_K: r = LLML_TYPE_Q5_1; break;
    case LLML_TYPE_Q6_K: r = LLML_TYPE_Q8_0; break;
    default: r = LLML_TYPE_F16; break;   /* 32-element formats: F16 at once */
    }
    if (nc % llml__mix_block(r) != 0) r = LLML_TYPE_F16;
    return r;
}

/* Formats whose quality collapses without an importance matrix; the token
   embeddings and the output projection are exempt. */
static int llml__mix_requires_imatrix(const char *name, llml_type t, int ftype) {
    const llml_type_info *ti = llml_type_get_info(t);
    if (llml__mix_is_token_embd(name) || strcmp(name, "output.weight") == 0) return 0;
    switch (t) {
    case LLML_TYPE_IQ3_XXS: case LLML_TYPE_IQ2_XXS: case LLML_TYPE_IQ2_XS: case LLML_TYPE_IQ2_S:
    case LLML_TYPE_IQ1_M: case LLML_TYPE_IQ1_S:
        return 1;
    case LLML_TYPE_Q2_K:
        return ftype == LLML_FTYPE_Q2_K_S;
    default:
        return ti && ti->needs_imatrix;
    }
}

/* Sort key of the reference's output order: non-layer tensors first, then
   by layer, then by name. Insertion-merge sort on an index array (stable,
   no recursion, no global comparator state). */
static int llml__mix_before(const llml_tensor_shape *t, int64_t a, int64_t b) {
    int64_t la = llml__mix_layer_of(t[a].name), lb = llml__mix_layer_of(t[b].name);
    if (la != lb) return la < lb;
    return strcmp(t[a].name, t[b].name) < 0;
}

static void llml__mix_sort(const llml_tensor_shape *t, int64_t *idx, int64_t *tmp, int64_t n) {
    int64_t width, i;
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            int64_t lo = i, mid = LLML__MIN(i + width, n), hi = LLML__MIN(i + 2 * width, n);
            int64_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) tmp[k++] = llml__mix_before(t, idx[b], idx[a]) ? idx[b++] : idx[a++];
            while (a < mid) tmp[k++] = idx[a++];
            while (b < hi) tmp[k++] = idx[b++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
}

LLML_API llml_result llml_mix_plan(const llml_mix_desc *desc, const llml_tensor_shape *t,
                                   int64_t n, llml_mix_choice *out, llml_error *err) {
    const llml_mix_info *mix;
    llml__mix_state qs;
    llml_type base;
    int64_t *idx, k;
    size_t bytes;
    int quantized_base;
    if (!desc || n < 0 || (n > 0 && (!t || !out))) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_mix_plan: NULL argument or negative count");
        return LLML_ERR_INVALID_ARG;
    }
    mix = llml_mix_for_ftype((int32_t)desc->ftype);
    if (!mix) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "unknown file type %d", (int)desc->ftype);
        return LLML_ERR_INVALID_ARG;
    }
    base = mix->base;
    quantized_base = llml_type_get_info(base) && llml_type_get_info(base)->is_quantized;
    if (n == 0) return LLML_OK;
    if ((uint64_t)n > (uint64_t)(SIZE_MAX / (2 * sizeof(int64_t)))) return LLML_ERR_OUT_OF_MEMORY;
    bytes = (size_t)n * 2 * sizeof(int64_t);
    idx = (int64_t *)llml__alloc(desc->allocator, bytes, 8);
    if (!idx) {
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "llml_mix_plan: out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }

    memset(&qs, 0, sizeof qs);
    qs.d = desc;
    qs.err = err;
    qs.tied = 1;
    qs.is_falcon = desc->arch && strcmp(desc->arch, "falcon") == 0;
    /* the reference's one size class that changes a rule: LLaMA-2 70B
       (80 layers, grouped-query attention) */
    qs.is_70b = desc->arch && strcmp(desc->arch, "llama") == 0 && desc->n_layer == 80 &&
                desc->n_head != desc->n_head_kv;
    for (k = 0; k < n; k++) {
        if (!t[k].name) {
            llml__free(desc->allocator, idx, bytes);
            llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "tensor %lld has no name", (long long)k);
            return LLML_ERR_INVALID_ARG;
        }
        idx[k] = k;
        if (strcmp(t[k].name, "output.weight") == 0) qs.tied = 0;
        if (llml__mix_category(t[k].name) == LLML__CAT_ATTN_V_LIKE) qs.n_attn_v++;
    }
    llml__mix_sort(t, idx, idx + n, n);

    for (k = 0; k < n; k++) {
        const llml_tensor_shape *ten = &t[idx[k]];
        llml_mix_choice *c = &out[idx[k]];
        c->type = ten->type;
        c->wanted = ten->type;
        c->quantize = 0;
        c->needs_imatrix = 0;
        if (!llml__mix_may_quantize(ten)) continue;
        c->quantize = 1;
        c->type = c->wanted = base;
        if (!quantized_base) continue;
        if (!desc->pure && !llml__mix_rule(&qs, ten, llml__mix_category(ten->name), &c->wanted)) {
            llml__free(desc->allocator, idx, bytes);
            return LLML_ERR_CORRUPT;
        }
        c->type = llml__mix_fallback(ten->ne[0], c->wanted);
        c->needs_imatrix = llml__mix_requires_imatrix(ten->name, c->type, (int)desc->ftype);
    }
    llml__free(desc->allocator, idx, bytes);
    return LLML_OK;
}
