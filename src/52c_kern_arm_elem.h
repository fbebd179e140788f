
/* ========================================================================== */
/* >>kern_neon_elem  AArch64 NEON: attention sums, softmax, norm, rope, SwiGLU */
/* ========================================================================== */
/* The element-wise steps of the forward pass, as the AVX2 versions
   (>>kern_avx2) at 4 lanes: the same exponential (Cephes' polynomial with
   fused steps, so the same values as on x86), sums of squares and of
   exponentials in double, rotations with the scalar version's products. */

#if defined(LLML__ARM)

/* e^x as llml__avx2_exp: about 1 ulp, inf above ln(FLT_MAX), the value at
   -87.3 below it; NaN comes out as a number (callers keep NaN). */
LLML__NEONI float32x4_t llml__neon_exp(float32x4_t x) {
    const uint32x4_t big = vcgtq_f32(x, vdupq_n_f32(88.7228394f));
    float32x4_t n, r, p;
    int32x4_t ni, h;
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3f)), vdupq_n_f32(88.7228394f));
    n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
    p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), vmulq_f32(p, r), r);
    ni = vcvtnq_s32_f32(n);
    h = vshrq_n_s32(ni, 1);
    {
        const float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(h, vdupq_n_s32(127)), 23));
        const float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vsubq_s32(ni, h), vdupq_n_s32(127)), 23));
        return vbslq_f32(big, vdupq_n_f32(INFINITY), vmulq_f32(vmulq_f32(p, s1), s2));
    }
}

static void llml__neon_silu_mul(float *g, const float *u, int64_t n) {
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const float32x4_t x = vld1q_f32(g + i);
        const float32x4_t e = llml__neon_exp(vnegq_f32(x));
        vst1q_f32(g + i, vmulq_f32(vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), e)), vld1q_f32(u + i)));
    }
    for (; i < n; i++) g[i] = llml__silu(g[i]) * u[i];
}

/* llml__expsum_fn: 0 below -87.3, NaN kept, the sum in two double lanes. */
static double llml__neon_expsum(float *s, int64_t n, float mx) {
    const float32x4_t m = vdupq_n_f32(mx), lo = vdupq_n_f32(-87.3f);
    float64x2_t a = vdupq_n_f64(0.0);
    double sum;
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const float32x4_t x = vsubq_f32(vld1q_f32(s + i), m);
        float32x4_t e = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(llml__neon_exp(x)), vcgeq_f32(x, lo)));
        e = vbslq_f32(vceqq_f32(x, x), e, x);
        vst1q_f32(s + i, e);
        a = vaddq_f64(a, vaddq_f64(vcvt_f64_f32(vget_low_f32(e)), vcvt_high_f64_f32(e)));
    }
    sum = vgetq_lane_f64(a, 0) + vgetq_lane_f64(a, 1);
    for (; i < n; i++) { s[i] = expf(s[i] - mx); sum += (double)s[i]; }
    return sum;
}

/* llml__rmsnorm_fn: float squares summed in double lanes; then the scalar
   version's two products per element. */
static void llml__neon_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps) {
    float64x2_t a = vdupq_n_f64(0.0);
    double sum;
    float scale;
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(x + i), q = vmulq_f32(v, v);
        a = vaddq_f64(a, vaddq_f64(vcvt_f64_f32(vget_low_f32(q)), vcvt_high_f64_f32(q)));
    }
    sum = vgetq_lane_f64(a, 0) + vgetq_lane_f64(a, 1);
    for (; i < n; i++) sum += (double)(x[i] * x[i]);
    scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
    for (i = 0; i + 4 <= n; i += 4) {
        float32x4_t v = vmulq_f32(vld1q_f32(x + i), vdupq_n_f32(scale));
        if (w) v = vmulq_f32(v, vld1q_f32(w + i));
        vst1q_f32(y + i, v);
    }
    for (; i < n; i++) { y[i] = x[i] * scale; if (w) y[i] *= w[i]; }
}

/* llml__rope_fn: 4 angles at a time (interleaved pairs through vld2/vst2). */
static void llml__neon_rope(float *x, int n_heads, int hd, int n_rot, int neox, const float *cs, const float *sn) {
    const int half = n_rot / 2;
    int h, i;
    for (h = 0; h < n_heads; h++) {
        float *p = x + (size_t)h * (size_t)hd;
        for (i = 0; i + 4 <= half; i += 4) {
            const float32x4_t c = vld1q_f32(cs + i), s = vld1q_f32(sn + i);
            if (neox) {
                const float32x4_t x0 = vld1q_f32(p + i), x1 = vld1q_f32(p + i + half);
                vst1q_f32(p + i, vsubq_f32(vmulq_f32(x0, c), vmulq_f32(x1, s)));
                vst1q_f32(p + i + half, vaddq_f32(vmulq_f32(x0, s), vmulq_f32(x1, c)));
            } else {
                float32x4x2_t v = vld2q_f32(p + 2 * i), o;
                o.val[0] = vsubq_f32(vmulq_f32(v.val[0], c), vmulq_f32(v.val[1], s));
                o.val[1] = vaddq_f32(vmulq_f32(v.val[0], s), vmulq_f32(v.val[1], c));
                vst2q_f32(p + 2 * i, o);
            }
        }
        llml__rope_from(p, i, half, neox, cs, sn);
    }
}

/* llml__wsum_fn for F32 / F16 value rows: o[d] accumulates p_j v_j[d], j in
   order, one fused multiply-add each (as the AVX2 version), 16 columns at a
   time in registers; F16 weights p_j rounded to F16 first. */
static void llml__neon_wsum(int f16, float *o, const uint8_t *v, size_t vstride, const float *p, int64_t nk, int64_t n) {
    int64_t d0, j, d;
    for (d0 = 0; d0 < n; d0 += 16) {
        const int64_t w = LLML__MIN(16, n - d0), w4 = w & ~(int64_t)3;
        float32x4_t acc[4];
        float tail[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
        int i;
        for (i = 0; i < 4; i++) acc[i] = vdupq_n_f32(0.0f);
        for (j = 0; j < nk; j++) {
            const uint8_t *vr = v + (size_t)j * vstride + (size_t)d0 * (f16 ? 2 : 4);
            const float pj = f16 ? llml_fp16_to_fp32(llml_fp32_to_fp16(p[j])) : p[j];
            const float32x4_t vp = vdupq_n_f32(pj);
            for (i = 0; i < (int)(w4 / 4); i++)
                acc[i] = vfmaq_f32(acc[i], vp, f16 ? vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)(const void *)(vr + 8 * i))))
                                                   : vld1q_f32((const float *)(const void *)(vr + 16 * i)));
            for (d = w4; d < w; d++) tail[d - w4] += pj * (f16 ? llml__neon_h(vr + 2 * d) : llml__ff_get(LLML__FF_F32, vr, d));
        }
        for (i = 0; i < (int)(w4 / 4); i++) vst1q_f32(o + d0 + 4 * i, acc[i]);
        for (d = w4; d < w; d++) o[d0 + d] = tail[d - w4];
    }
}
static void llml__neon_wsum_f16(llml_type type, float *o, const uint8_t *v, size_t vstride, const float *p,
                                int64_t nk, int64_t n, float *tmp) {
    (void)type; (void)tmp; llml__neon_wsum(1, o, v, vstride, p, nk, n);
}
static void llml__neon_wsum_f32(llml_type type, float *o, const uint8_t *v, size_t vstride, const float *p,
                                int64_t nk, int64_t n, float *tmp) {
    (void)type; (void)tmp; llml__neon_wsum(0, o, v, vstride, p, nk, n);
}

static void llml__kern_fill_arm_elem(llml__kern *k) {
    k->silu_mul = llml__neon_silu_mul;
    k->expsum = llml__neon_expsum;
    k->rmsnorm = llml__neon_rmsnorm;
    k->rope = llml__neon_rope;
    k->wsum[LLML_TYPE_F16] = llml__neon_wsum_f16;
    k->wsum[LLML_TYPE_F32] = llml__neon_wsum_f32;
}

#endif /* LLML__ARM */
