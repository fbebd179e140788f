/* ------------------------------------------------------------------------ */
/* >>quant_basic  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_f16(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_f16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_f16(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_bf16(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_bf16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_bf16(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q4_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q4_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q4_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q4_1(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q4_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q4_1(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q5_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q5_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q5_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q5_1(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q5_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q5_1(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q8_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q8_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q8_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q8_1(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q8_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q8_1(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq4_nl(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq4_nl(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq4_nl(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq4_xs(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq4_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq4_xs(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_tq1_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_tq1_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_tq1_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_tq2_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_tq2_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_tq2_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
