
/* ======================================================================== */
/* Zone 3: the implementation                                               */
/* ======================================================================== */
#if defined(LLMLITE_IMPLEMENTATION) && !defined(LLML_IMPL_ELSEWHERE)
#ifdef LLMLITE_IMPLEMENTATION_INCLUDED
#error "llmlite.h: LLMLITE_IMPLEMENTATION defined twice in one translation unit"
#endif
#define LLMLITE_IMPLEMENTATION_INCLUDED

/* Compiled by nvcc (the CUDA backend): the GCC pragmas below (optimize,
   unroll) are for the host compiler, which nvcc hands them to; its own
   front end does not know them and would say so (diagnostic 1675) at each.
   Only that diagnostic, only in the implementation. */
#if defined(__NVCC__)
#pragma nv_diagnostic push
#pragma nv_diag_suppress 1675
#endif

/* ------------------------------------------------------------------------ */
/* >>common  includes, allocator, half floats, small helpers                */
/* ------------------------------------------------------------------------ */

#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <float.h>
#include <limits.h>
#include <stdarg.h>
/* Windows: one include for the file mapping, the threads and the clocks */
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif

#ifndef LLML_MALLOC
#define LLML_MALLOC(sz) malloc(sz)
#define LLML_FREE(p) free(p)
#endif
#ifndef LLML_ASSERT
#include <assert.h>
#define LLML_ASSERT(x) assert(x)
#endif

#ifdef __cplusplus
#define LLML__CAST(T, x) static_cast<T>(x)
#else
#define LLML__CAST(T, x) ((T)(x))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LLML__UNUSED __attribute__((unused))
#else
#define LLML__UNUSED
#endif

#define LLML__MIN(a, b) ((a) < (b) ? (a) : (b))
#define LLML__MAX(a, b) ((a) > (b) ? (a) : (b))
#define LLML__QK_K 256

/* Allocation through an optional llml_allocator (NULL -> default). The
   default path over-allocates to honour alignments above malloc's. */
LLML__UNUSED static void *llml__alloc(const llml_allocator *a, size_t size, size_t align) {
    if (size == 0) size = 1;
    if (a && a->alloc) return a->alloc(a->user, size, align);
    (void)align;
    return LLML_MALLOC(size);
}
LLML__UNUSED static void llml__free(const llml_allocator *a, void *p, size_t size) {
    if (!p) return;
    if (a && a->alloc) { if (a->free) a->free(a->user, p, size); return; }
    (void)size;
    LLML_FREE(p);
}
LLML__UNUSED static void *llml__calloc(const llml_allocator *a, size_t size) {
    void *p = llml__alloc(a, size, 16);
    if (p) memset(p, 0, size);
    return p;
}

/* Overflow-checked size arithmetic: return 0 on overflow. */
LLML__UNUSED static int llml__mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}
LLML__UNUSED static int llml__add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

static void llml__set_error(llml_error *err, llml_result code, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

LLML__UNUSED static void llml__set_error(llml_error *err, llml_result code, uint64_t offset, const char *fmt, ...) {
    va_list ap;
    if (!err) return;
    err->code = code;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

/* Bit casts without aliasing trouble. */
LLML__UNUSED static uint32_t llml__f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
LLML__UNUSED static float llml__bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* Round to nearest, ties to even (what ggml's nearest_int computes for the
   magnitudes quantizers use). */
LLML__UNUSED static int llml__nearest_int(float fval) {
    float val = fval + 12582912.f;
    uint32_t i = llml__f32_bits(val);
    return (int)(i & 0x007fffff) - 0x00400000;
}

/* Little-endian loads and stores of unaligned fields. */
LLML__UNUSED static uint16_t llml__rd16(const void *p) { const uint8_t *b = (const uint8_t *)p; return (uint16_t)(b[0] | (b[1] << 8)); }
LLML__UNUSED static uint32_t llml__rd32(const void *p) { const uint8_t *b = (const uint8_t *)p; return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24); }
LLML__UNUSED static uint64_t llml__rd64(const void *p) { return (uint64_t)llml__rd32(p) | ((uint64_t)llml__rd32((const uint8_t *)p + 4) << 32); }
LLML__UNUSED static void llml__wr16(void *p, uint16_t v) { uint8_t *b = (uint8_t *)p; b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); }
LLML__UNUSED static void llml__wr32(void *p, uint32_t v) { uint8_t *b = (uint8_t *)p; b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24); }

/* IEEE half <-> single, round to nearest even, with subnormals, inf, NaN. */
LLML_API float llml_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {
        /* subnormal: value = man * 2^-24 */
        float f = (float)man * (1.0f / 16777216.0f);
        return sign ? -f : f;
    }
    return llml__bits_f32(bits);
}

LLML_API uint16_t llml_fp32_to_fp16(float f) {
    uint32_t x = llml__f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) { /* inf or NaN */
        return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 | ((ax >> 13) & 0x3ff) : 0));
    }
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* rounds to inf */
    if (ax < 0x38800000u) {
        /* result is subnormal or zero: round ax * 2^24 to an integer */
        uint32_t e = ax >> 23;
        uint32_t m, shift, r, half, rem;
        if (e < 102) return (uint16_t)sign; /* below half of the smallest subnormal */
        m = (ax & 0x7fffff) | 0x800000;
        shift = 126 - e;                    /* value = m * 2^(e-150); want m * 2^(e-150+24) */
        r = m >> shift;
        rem = m & ((1u << shift) - 1);
        half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        return (uint16_t)(sign | r);
    } else {
        uint32_t r = ax + 0xc8000000u;      /* rebias exponent: -112 << 23 */
        uint32_t lsb = (r >> 13) & 1;
        r += 0xfff + lsb;
        return (uint16_t)(sign | (r >> 13));
    }
}

LLML_API float llml_bf16_to_fp32(uint16_t h) { return llml__bits_f32((uint32_t)h << 16); }

LLML_API uint16_t llml_fp32_to_bf16(float f) {
    uint32_t u = llml__f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64); /* quiet NaN */
    return (uint16_t)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

#define LLML__FP16_TO_FP32(x) llml_fp16_to_fp32(x)
#define LLML__FP32_TO_FP16(x) llml_fp32_to_fp16(x)

/* Activation blocks shared by every format's dot product (ggml layouts). */
typedef struct { uint16_t d; int8_t qs[32]; } llml__block_q8_0;                 /* 34 bytes  */
typedef struct { uint16_t d; uint16_t s; int8_t qs[32]; } llml__block_q8_1;     /* 36 bytes  */
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } llml__block_q8_K; /* 292 bytes */

/* Internal per-format functions (one set per format, in the fragments below):
     static void        llml__dequant_X(const void *src, float *dst, int64_t n);
     static llml_result llml__quant_X(const float *src, void *dst, int64_t nrows,
                                      int64_t n_per_row, const float *imatrix);
     static float       llml__dot_X(const void *w, const void *act, int64_t n);
   `act` holds n elements in the format's vec_dot_type. */
