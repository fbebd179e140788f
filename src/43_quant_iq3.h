/* ------------------------------------------------------------------------ */
/* >>quant_iq3  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_iq3_xxs(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq3_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq3_xxs(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq3_s(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq3_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq3_s(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
