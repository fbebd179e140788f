
/* ========================================================================== */
/* >>kern  matrix-product kernel table                                         */
/* ========================================================================== */
/* The model code multiplies weight matrices by activation rows through a
   table chosen once per context. Activations are first converted to the
   weight format's vec_dot_type (llml_type_info) with actq[vec_dot_type];
   then mm[weight type] computes, for r in [0, nr) and t in [0, nt):
       out[t * out_stride + r] = dot(w + r * w_stride, a + t * a_stride, n)
   Every entry has a portable scalar version built from the type table; the
   SIMD sections replace entries where the CPU allows. */

typedef void (*llml__mm_fn)(llml_type type, int64_t n,
                            const void *w, size_t w_stride, int64_t nr,
                            const void *a, size_t a_stride, int64_t nt,
                            float *out, size_t out_stride);
typedef void (*llml__actq_fn)(const float *x, void *dst, int64_t n);

typedef struct llml__kern {
    uint32_t isa;                          /* LLML__ISA_* bits in use        */
    llml__mm_fn mm[LLML_TYPE_COUNT];       /* by weight type                 */
    llml__actq_fn actq[LLML_TYPE_COUNT];   /* by activation (vec_dot) type   */
} llml__kern;

#define LLML__ISA_SCALAR 0u

static void llml__mm_scalar(llml_type type, int64_t n,
                            const void *w, size_t w_stride, int64_t nr,
                            const void *a, size_t a_stride, int64_t nt,
                            float *out, size_t out_stride) {
    llml__dot_fn dot = llml__types[type].dot;
    int64_t r, t;
    for (t = 0; t < nt; t++) {
        const uint8_t *at = (const uint8_t *)a + (size_t)t * a_stride;
        float *o = out + (size_t)t * out_stride;
        for (r = 0; r < nr; r++)
            o[r] = dot((const uint8_t *)w + (size_t)r * w_stride, at, n);
    }
}

static void llml__actq_f32(const float *x, void *dst, int64_t n) { memcpy(dst, x, (size_t)n * sizeof(float)); }
static void llml__actq_f16(const float *x, void *dst, int64_t n) {
    uint16_t *d = (uint16_t *)dst; int64_t i;
    for (i = 0; i < n; i++) d[i] = llml_fp32_to_fp16(x[i]);
}
static void llml__actq_bf16(const float *x, void *dst, int64_t n) {
    uint16_t *d = (uint16_t *)dst; int64_t i;
    for (i = 0; i < n; i++) d[i] = llml_fp32_to_bf16(x[i]);
}
static void llml__actq_q8_0(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_0].quant(x, dst, 1, n, NULL); }
static void llml__actq_q8_1(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_1].quant(x, dst, 1, n, NULL); }
static void llml__actq_q8_k(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_K].quant(x, dst, 1, n, NULL); }

/* Fill k with the scalar kernels, then let the SIMD sections (later in this
   file) replace what the CPU and isa_cap allow. */
LLML__UNUSED static void llml__kern_init_scalar(llml__kern *k) {
    int i;
    memset(k, 0, sizeof(*k));
    k->isa = LLML__ISA_SCALAR;
    for (i = 0; i < LLML_TYPE_COUNT; i++)
        if (llml__types[i].info.name && llml__types[i].dot) k->mm[i] = llml__mm_scalar;
    k->actq[LLML_TYPE_F32] = llml__actq_f32;
    k->actq[LLML_TYPE_F16] = llml__actq_f16;
    k->actq[LLML_TYPE_BF16] = llml__actq_bf16;
    k->actq[LLML_TYPE_Q8_0] = llml__actq_q8_0;
    k->actq[LLML_TYPE_Q8_1] = llml__actq_q8_1;
    k->actq[LLML_TYPE_Q8_K] = llml__actq_q8_k;
}
