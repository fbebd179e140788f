
/* ------------------------------------------------------------------------ */
/* >>types  the format table and the public quant entry points              */
/* ------------------------------------------------------------------------ */

/* Plain element types: F32, I8, I16, I32, I64, F64. */
static void llml__dequant_f32(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }
static void llml__dequant_i8(const void *src, float *dst, int64_t n) {
    const int8_t *s = (const int8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)s[i];
}
static void llml__dequant_i16(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)(int16_t)llml__rd16(s + 2 * i);
}
static void llml__dequant_i32(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)(int32_t)llml__rd32(s + 4 * i);
}
static void llml__dequant_i64(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)(int64_t)llml__rd64(s + 8 * i);
}
static void llml__dequant_f64(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) { uint64_t u = llml__rd64(s + 8 * i); double d; memcpy(&d, &u, 8); dst[i] = (float)d; }
}

/* Saturating round-to-nearest conversion of a float to an integer range. */
static double llml__clamp_round(float x, double lo, double hi) {
    double v = (double)x;
    if (v != v) return 0.0;
    v = v < 0 ? -floor(-v + 0.5) : floor(v + 0.5);
    return v < lo ? lo : (v > hi ? hi : v);
}
static llml_result llml__quant_f32(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix; memcpy(dst, src, (size_t)(nrows * n_per_row) * 4); return LLML_OK;
}
static llml_result llml__quant_i8(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; int8_t *d = (int8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) d[i] = (int8_t)llml__clamp_round(src[i], -128, 127);
    return LLML_OK;
}
static llml_result llml__quant_i16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) llml__wr16(d + 2 * i, (uint16_t)(int16_t)llml__clamp_round(src[i], -32768, 32767));
    return LLML_OK;
}
static llml_result llml__quant_i32(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) llml__wr32(d + 4 * i, (uint32_t)(int32_t)llml__clamp_round(src[i], -2147483648.0, 2147483647.0));
    return LLML_OK;
}
static llml_result llml__quant_i64(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) {
        int64_t v = (int64_t)llml__clamp_round(src[i], -9.2233720368547758e18, 9.2233720368547748e18);
        uint64_t u = (uint64_t)v;
        llml__wr32(d + 8 * i, (uint32_t)u); llml__wr32(d + 8 * i + 4, (uint32_t)(u >> 32));
    }
    return LLML_OK;
}
static llml_result llml__quant_f64(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) { double v = (double)src[i]; memcpy(d + 8 * i, &v, 8); }
    return LLML_OK;
}
static float llml__dot_f32(const void *w, const void *act, int64_t n) {
    const float *a = (const float *)w, *b = (const float *)act; double s = 0; int64_t i;
    for (i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return (float)s;
}

typedef void (*llml__dequant_fn)(const void *src, float *dst, int64_t n);
typedef llml_result (*llml__quant_fn)(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix);
typedef float (*llml__dot_fn)(const void *w, const void *act, int64_t n);

typedef struct llml__type_traits {
    llml_type_info info;
    llml__dequant_fn dequant;
    llml__quant_fn quant;
    llml__dot_fn dot;   /* NULL: no activation format (integer types) */
} llml__type_traits;

#define LLML__T(id, name, bs, ts, q, vdt, imx, fn, dot) \
    [id] = { { name, bs, ts, q, vdt, imx }, llml__dequant_##fn, llml__quant_##fn, dot }

#ifdef __cplusplus
/* C++ has no designated array initializers: build the table in id order. */
#undef LLML__T
#define LLML__T(id, name, bs, ts, q, vdt, imx, fn, dot) \
    { { name, bs, ts, q, vdt, imx }, llml__dequant_##fn, llml__quant_##fn, dot }
#define LLML__GAP { { NULL, 0, 0, 0, LLML_TYPE_F32, 0 }, NULL, NULL, NULL }
#endif

static const llml__type_traits llml__types[LLML_TYPE_COUNT] = {
    LLML__T(LLML_TYPE_F32,     "f32",     1,   4,   0, LLML_TYPE_F32,  0, f32,     llml__dot_f32),
    LLML__T(LLML_TYPE_F16,     "f16",     1,   2,   0, LLML_TYPE_F16,  0, f16,     llml__dot_f16),
    LLML__T(LLML_TYPE_Q4_0,    "q4_0",    32,  18,  1, LLML_TYPE_Q8_0, 0, q4_0,    llml__dot_q4_0),
    LLML__T(LLML_TYPE_Q4_1,    "q4_1",    32,  20,  1, LLML_TYPE_Q8_1, 0, q4_1,    llml__dot_q4_1),
#ifdef __cplusplus
    LLML__GAP, LLML__GAP,
#endif
    LLML__T(LLML_TYPE_Q5_0,    "q5_0",    32,  22,  1, LLML_TYPE_Q8_0, 0, q5_0,    llml__dot_q5_0),
    LLML__T(LLML_TYPE_Q5_1,    "q5_1",    32,  24,  1, LLML_TYPE_Q8_1, 0, q5_1,    llml__dot_q5_1),
    LLML__T(LLML_TYPE_Q8_0,    "q8_0",    32,  34,  1, LLML_TYPE_Q8_0, 0, q8_0,    llml__dot_q8_0),
    LLML__T(LLML_TYPE_Q8_1,    "q8_1",    32,  36,  1, LLML_TYPE_Q8_1, 0, q8_1,    llml__dot_q8_1),
    LLML__T(LLML_TYPE_Q2_K,    "q2_K",    256, 84,  1, LLML_TYPE_Q8_K, 0, q2_k,    llml__dot_q2_k),
    LLML__T(LLML_TYPE_Q3_K,    "q3_K",    256, 110, 1, LLML_TYPE_Q8_K, 0, q3_k,    llml__dot_q3_k),
    LLML__T(LLML_TYPE_Q4_K,    "q4_K",    256, 144, 1, LLML_TYPE_Q8_K, 0, q4_k,    llml__dot_q4_k),
    LLML__T(LLML_TYPE_Q5_K,    "q5_K",    256, 176, 1, LLML_TYPE_Q8_K, 0, q5_k,    llml__dot_q5_k),
    LLML__T(LLML_TYPE_Q6_K,    "q6_K",    256, 210, 1, LLML_TYPE_Q8_K, 0, q6_k,    llml__dot_q6_k),
    LLML__T(LLML_TYPE_Q8_K,    "q8_K",    256, 292, 1, LLML_TYPE_Q8_K, 0, q8_k,    llml__dot_q8_k),
    LLML__T(LLML_TYPE_IQ2_XXS, "iq2_xxs", 256, 66,  1, LLML_TYPE_Q8_K, 1, iq2_xxs, llml__dot_iq2_xxs),
    LLML__T(LLML_TYPE_IQ2_XS,  "iq2_xs",  256, 74,  1, LLML_TYPE_Q8_K, 1, iq2_xs,  llml__dot_iq2_xs),
    LLML__T(LLML_TYPE_IQ3_XXS, "iq3_xxs", 256, 98,  1, LLML_TYPE_Q8_K, 0, iq3_xxs, llml__dot_iq3_xxs),
    LLML__T(LLML_TYPE_IQ1_S,   "iq1_s",   256, 50,  1, LLML_TYPE_Q8_K, 1, iq1_s,   llml__dot_iq1_s),
    LLML__T(LLML_TYPE_IQ4_NL,  "iq4_nl",  32,  18,  1, LLML_TYPE_Q8_0, 0, iq4_nl,  llml__dot_iq4_nl),
    LLML__T(LLML_TYPE_IQ3_S,   "iq3_s",   256, 110, 1, LLML_TYPE_Q8_K, 0, iq3_s,   llml__dot_iq3_s),
    LLML__T(LLML_TYPE_IQ2_S,   "iq2_s",   256, 82,  1, LLML_TYPE_Q8_K, 0, iq2_s,   llml__dot_iq2_s),
    LLML__T(LLML_TYPE_IQ4_XS,  "iq4_xs",  256, 136, 1, LLML_TYPE_Q8_K, 0, iq4_xs,  llml__dot_iq4_xs),
    LLML__T(LLML_TYPE_I8,      "i8",      1,   1,   0, LLML_TYPE_I8,   0, i8,      NULL),
    LLML__T(LLML_TYPE_I16,     "i16",     1,   2,   0, LLML_TYPE_I16,  0, i16,     NULL),
    LLML__T(LLML_TYPE_I32,     "i32",     1,   4,   0, LLML_TYPE_I32,  0, i32,     NULL),
    LLML__T(LLML_TYPE_I64,     "i64",     1,   8,   0, LLML_TYPE_I64,  0, i64,     NULL),
    LLML__T(LLML_TYPE_F64,     "f64",     1,   8,   0, LLML_TYPE_F64,  0, f64,     NULL),
    LLML__T(LLML_TYPE_IQ1_M,   "iq1_m",   256, 56,  1, LLML_TYPE_Q8_K, 1, iq1_m,   llml__dot_iq1_m),
    LLML__T(LLML_TYPE_BF16,    "bf16",    1,   2,   0, LLML_TYPE_BF16, 0, bf16,    llml__dot_bf16),
#ifdef __cplusplus
    LLML__GAP, LLML__GAP, LLML__GAP,
#endif
    LLML__T(LLML_TYPE_TQ1_0,   "tq1_0",   256, 54,  1, LLML_TYPE_Q8_K, 0, tq1_0,   llml__dot_tq1_0),
    LLML__T(LLML_TYPE_TQ2_0,   "tq2_0",   256, 66,  1, LLML_TYPE_Q8_K, 0, tq2_0,   llml__dot_tq2_0),
};
#undef LLML__T
#ifdef LLML__GAP
#undef LLML__GAP
#endif

static const llml__type_traits *llml__traits(llml_type t) {
    if ((unsigned)t >= (unsigned)LLML_TYPE_COUNT) return NULL;
    if (!llml__types[t].info.name) return NULL;
    return &llml__types[t];
}

LLML_API const char *llml_result_string(llml_result r) {
    switch (r) {
    case LLML_OK: return "ok";
    case LLML_ERR_INVALID_ARG: return "invalid argument";
    case LLML_ERR_OUT_OF_MEMORY: return "out of memory";
    case LLML_ERR_IO: return "i/o error";
    case LLML_ERR_BAD_MAGIC: return "not a GGUF file (bad magic)";
    case LLML_ERR_BAD_VERSION: return "unsupported GGUF version";
    case LLML_ERR_TRUNCATED: return "truncated data";
    case LLML_ERR_CORRUPT: return "corrupt data";
    case LLML_ERR_UNSUPPORTED_TYPE: return "unknown or unsupported type";
    case LLML_ERR_NOT_FOUND: return "not found";
    case LLML_ERR_TYPE_MISMATCH: return "type mismatch";
    case LLML_ERR_DUPLICATE: return "duplicate name";
    case LLML_ERR_BAD_ALIGNMENT: return "bad alignment";
    case LLML_ERR_BAD_UTF8: return "invalid UTF-8";
    case LLML_ERR_OUT_OF_BOUNDS: return "data out of bounds";
    case LLML_ERR_OVERLAP: return "overlapping tensor data";
    case LLML_ERR_BAD_SHAPE: return "bad tensor shape";
    case LLML_ERR_UNSUPPORTED: return "not supported";
    case LLML_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case LLML_ERR_UNSUPPORTED_ARCH: return "unsupported model architecture";
    case LLML_ERR_CONTEXT_FULL: return "context full";
    case LLML_ERR_ABORTED: return "aborted";
    case LLML_ERR_DEVICE: return "device error";
    }
    return "unknown error";
}

LLML_API const char *llml_version(void) { return LLML_VERSION_STRING; }

LLML_API const llml_type_info *llml_type_get_info(llml_type type) {
    const llml__type_traits *t = llml__traits(type);
    return t ? &t->info : NULL;
}

LLML_API llml_result llml_type_from_name(const char *name, llml_type *out) {
    int i;
    if (!name || !out) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < LLML_TYPE_COUNT; i++) {
        const char *a = llml__types[i].info.name, *b = name;
        if (!a) continue;
        while (*a && *b) {
            char ca = *a, cb = *b;
            if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
            if (ca != cb) break;
            a++; b++;
        }
        if (!*a && !*b) { *out = (llml_type)i; return LLML_OK; }
    }
    return LLML_ERR_NOT_FOUND;
}

LLML_API size_t llml_row_size(llml_type type, int64_t n) {
    const llml__type_traits *t = llml__traits(type);
    uint64_t sz;
    if (!t || n < 0 || n % t->info.block_size) return 0;
    if (!llml__mul_u64((uint64_t)(n / t->info.block_size), (uint64_t)t->info.type_size, &sz)) return 0;
    if (sz > (uint64_t)SIZE_MAX) return 0;
    return (size_t)sz;
}

LLML_API llml_result llml_dequantize_row(llml_type type, const void *src, float *dst, int64_t n) {
    const llml__type_traits *t = llml__traits(type);
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!src || !dst || n < 0 || n % t->info.block_size) return LLML_ERR_INVALID_ARG;
    t->dequant(src, dst, n);
    return LLML_OK;
}

LLML_API llml_result llml_quantize_rows(llml_type type, const float *src, void *dst,
                                        int64_t nrows, int64_t n_per_row, const float *imatrix) {
    const llml__type_traits *t = llml__traits(type);
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!src || !dst || nrows < 0 || n_per_row <= 0) return LLML_ERR_INVALID_ARG;
    if (n_per_row % t->info.block_size) return LLML_ERR_BAD_SHAPE;
    if (nrows == 0) return LLML_OK;
    return t->quant(src, dst, nrows, n_per_row, imatrix);
}

LLML_API llml_result llml_vec_dot(llml_type type, int64_t n, const void *w, const void *act, float *out) {
    const llml__type_traits *t = llml__traits(type);
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!t->dot) return LLML_ERR_UNSUPPORTED;
    if (!w || !act || !out || n < 0 || n % t->info.block_size) return LLML_ERR_INVALID_ARG;
    {
        const llml__type_traits *a = llml__traits(t->info.vec_dot_type);
        if (!a || n % a->info.block_size) return LLML_ERR_BAD_SHAPE;
    }
    *out = t->dot(w, act, n);
    return LLML_OK;
}

LLML_API llml_result llml_vec_dot_f32(llml_type type, int64_t n, const void *w, const float *x, float *out) {
    const llml__type_traits *t = llml__traits(type);
    float buf[LLML__QK_K];
    double sum = 0.0;
    int64_t bs, i, j;
    const uint8_t *p = (const uint8_t *)w;
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!w || !x || !out || n < 0 || n % t->info.block_size) return LLML_ERR_INVALID_ARG;
    bs = t->info.block_size == 1 ? 64 : t->info.block_size;
    for (i = 0; i < n; i += bs) {
        int64_t m = LLML__MIN(bs, n - i);
        t->dequant(p, buf, m);
        p += (size_t)(m / t->info.block_size) * (size_t)t->info.type_size;
        for (j = 0; j < m; j++) sum += (double)buf[j] * (double)x[i + j];
    }
    *out = (float)sum;
    return LLML_OK;
}
