/* ------------------------------------------------------------------------ */
/* >>quant_k  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_q2_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q2_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q2_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q3_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q3_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q3_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q4_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q4_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q4_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q5_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q5_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q5_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q6_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q6_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q6_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q8_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q8_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q8_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
