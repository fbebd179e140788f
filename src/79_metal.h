
/* ======================================================================== */
/* >>metal  the Metal backend (Objective-C, Apple platforms, LLML_METAL)     */
/* ======================================================================== */
/* Compiled when the implementation is built as Objective-C on an Apple
   platform with LLML_METAL defined (e.g. `clang -x objective-c -fobjc-arc
   -DLLML_METAL ... -framework Metal -framework Foundation`); otherwise
   llml_backend_metal() returns NULL. NOT COMPILED OR RUN YET: the project's
   machines have no macOS (see README, "GPU backends").

   It is a runner backend (>>bkrun): the primitives are Metal compute
   kernels from the shader source below (compiled at open with
   newLibraryWithSource), encoded into one command buffer that is committed
   and waited for when results go to the host. Memory is unified: every
   allocation is an MTLBuffer in shared storage whose contents pointer is
   what the runner holds; a kernel argument is found back as (buffer,
   offset) from that pointer. Weights are copied into such buffers.
   Taken: F32, F16, Q4_0 and Q8_0 weights (other formats: the CPU, per
   layer), F32 and F16 KV caches; no experts (those layers run on the
   CPU). The arithmetic follows >>bkrun (activations converted as the CPU
   does, Q8_0 levels with F16 scales).
   What was checked without a Mac: the Objective-C part parses and
   type-checks (clang -fsyntax-only) against minimal stand-ins for the
   Foundation and Metal headers written from Apple's documentation, and the
   shader source parses as C++ against stand-ins for the Metal standard
   library. Neither is Apple's compiler: expect fixes on first contact. */

#if defined(__OBJC__) && defined(__APPLE__) && defined(LLML_METAL)
#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

static const char llml__mtl_src[] =
"#include <metal_stdlib>\n"
"using namespace metal;\n"
"static inline float h2f(ushort h) { return float(as_type<half>(h)); }\n"
"static inline float act_round(int vdt, float x) { return vdt == 1 ? float(half(x)) : x; }\n"
/* activations: F32/F16 -> floats; Q8_0 -> int8 levels + F16-rounded scale per 32 */
"kernel void actq_f(device float *o [[buffer(0)]], device const float *x [[buffer(1)]],\n"
"                   constant long *p [[buffer(2)]], uint i [[thread_position_in_grid]]) {\n"
"    long xs = p[0], rows = p[1], n = p[2]; int vdt = int(p[3]);\n"
"    if (long(i) >= rows * n) return;\n"
"    o[i] = act_round(vdt, x[(long(i) / n) * xs + long(i) % n]);\n"
"}\n"
"kernel void actq_q8_0(device char *q [[buffer(0)]], device float *d [[buffer(1)]], device int *s [[buffer(2)]],\n"
"                      device const float *x [[buffer(3)]], constant long *p [[buffer(4)]], uint i [[thread_position_in_grid]]) {\n"
"    long xs = p[0], rows = p[1], n = p[2], nb = n / 32;\n"
"    if (long(i) >= rows * nb) return;\n"
"    long t = long(i) / nb, b = long(i) % nb;\n"
"    device const float *src = x + t * xs + b * 32;\n"
"    float amax = 0.0f;\n"
"    for (int j = 0; j < 32; j++) amax = max(amax, fabs(src[j]));\n"
"    float dd = amax / 127.0f, id = dd != 0.0f ? 1.0f / dd : 0.0f;\n"
"    int sum = 0;\n"
"    for (int j = 0; j < 32; j++) {\n"
"        float r = round(src[j] * id);\n"
"        int v = isnan(r) ? 0 : int(clamp(r, -128.0f, 127.0f));\n"
"        q[t * n + b * 32 + j] = char(v); sum += v;\n"
"    }\n"
"    d[t * nb + b] = float(half(dd)); s[t * nb + b] = sum;\n"
"}\n"
/* products: a SIMD group per weight row, one activation row per grid z */
"kernel void mm_q(device const uchar *w [[buffer(0)]], device const char *aq [[buffer(1)]],\n"
"                 device const float *ad [[buffer(2)]], device float *y [[buffer(3)]], constant long *p [[buffer(4)]],\n"
"                 uint2 tg [[threadgroup_position_in_grid]], uint lane [[thread_index_in_simdgroup]],\n"
"                 uint sg [[simdgroup_index_in_threadgroup]]) {\n"
"    long row_bytes = long(p[0]), nrows = p[1], n = p[2], ys = p[3]; int fmt = int(p[4]);\n"
"    long r = long(tg.x) * 4 + long(sg), t = long(tg.y), P = n / 32;\n"
"    if (r >= nrows) return;\n"
"    device const uchar *row = w + r * row_bytes;\n"
"    float acc = 0.0f;\n"
"    for (long b = lane; b < P; b += 32) {\n"
"        device const char *a = aq + t * n + b * 32;\n"
"        int is = 0; float dw;\n"
"        if (fmt == 2) {\n" /* Q4_0: 18-byte blocks */
"            device const uchar *blk = row + b * 18;\n"
"            dw = h2f(ushort(blk[0]) | (ushort(blk[1]) << 8));\n"
"            for (int j = 0; j < 16; j++) {\n"
"                is += (int(blk[2 + j] & 15) - 8) * int(a[j]);\n"
"                is += (int(blk[2 + j] >> 4) - 8) * int(a[j + 16]);\n"
"            }\n"
"        } else {\n" /* Q8_0: 34-byte blocks */
"            device const uchar *blk = row + b * 34;\n"
"            dw = h2f(ushort(blk[0]) | (ushort(blk[1]) << 8));\n"
"            for (int j = 0; j < 32; j++) is += int(as_type<char>(blk[2 + j])) * int(a[j]);\n"
"        }\n"
"        acc += float(is) * (dw * ad[t * P + b]);\n"
"    }\n"
"    acc = simd_sum(acc);\n"
"    if (lane == 0) y[t * ys + r] = acc;\n"
"}\n"
"kernel void mm_f(device const uchar *w [[buffer(0)]], device const float *x [[buffer(1)]],\n"
"                 device float *y [[buffer(3)]], constant long *p [[buffer(4)]],\n"
"                 uint2 tg [[threadgroup_position_in_grid]], uint lane [[thread_index_in_simdgroup]],\n"
"                 uint sg [[simdgroup_index_in_threadgroup]]) {\n"
"    long row_bytes = long(p[0]), nrows = p[1], n = p[2], ys = p[3]; int fmt = int(p[4]);\n"
"    long r = long(tg.x) * 4 + long(sg), t = long(tg.y);\n"
"    if (r >= nrows) return;\n"
"    device const uchar *row = w + r * row_bytes;\n"
"    float acc = 0.0f;\n"
"    for (long i = lane; i < n; i += 32) {\n"
"        float wv = fmt == 1 ? float(((device const half *)row)[i]) : ((device const float *)row)[i];\n"
"        acc += wv * x[t * n + i];\n"
"    }\n"
"    acc = simd_sum(acc);\n"
"    if (lane == 0) y[t * ys + r] = acc;\n"
"}\n"
/* RMS norm: a threadgroup of 256 per row */
"kernel void rmsnorm(device float *y [[buffer(0)]], device const float *x [[buffer(1)]], device const float *w [[buffer(2)]],\n"
"                    constant long *p [[buffer(3)]], constant float *f [[buffer(4)]], uint row [[threadgroup_position_in_grid]],\n"
"                    uint tid [[thread_index_in_threadgroup]], uint lane [[thread_index_in_simdgroup]],\n"
"                    uint sg [[simdgroup_index_in_threadgroup]]) {\n"
"    threadgroup float part[8];\n"
"    threadgroup float scale;\n"
"    long n = p[0]; bool has_w = p[1] != 0;\n"
"    device const float *xr = x + long(row) * n; device float *yr = y + long(row) * n;\n"
"    float s = 0.0f;\n"
"    for (long i = tid; i < n; i += 256) s += xr[i] * xr[i];\n"
"    s = simd_sum(s);\n"
"    if (lane == 0) part[sg] = s;\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup);\n"
"    if (tid == 0) { float t = 0.0f; for (int k = 0; k < 8; k++) t += part[k]; scale = 1.0f / sqrt(t / float(n) + f[0]); }\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup);\n"
"    for (long i = tid; i < n; i += 256) { float v = xr[i] * scale; yr[i] = has_w ? v * w[i] : v; }\n"
"}\n"
/* op 0: y += x; 1: y[i] += x[i % n]; 2: y *= s; 3: y = tanh(y / s) * s */
"kernel void elem(device float *y [[buffer(0)]], device const float *x [[buffer(1)]], constant long *p [[buffer(2)]],\n"
"                 constant float *f [[buffer(3)]], uint i [[thread_position_in_grid]]) {\n"
"    long total = p[0], n = p[1]; int op = int(p[2]);\n"
"    if (long(i) >= total) return;\n"
"    if (op == 0) y[i] += x[i]; else if (op == 1) y[i] += x[long(i) % n];\n"
"    else if (op == 2) y[i] *= f[0]; else y[i] = precise::tanh(y[i] / f[0]) * f[0];\n"
"}\n"
"kernel void rope(device float *x [[buffer(0)]], device const float *freqs [[buffer(1)]], constant long *p [[buffer(2)]],\n"
"                 constant float *f [[buffer(3)]], uint i [[thread_position_in_grid]]) {\n"
"    long rows = p[0], nh = p[1], pos0 = p[2], hd = p[3], n_rot = p[4], neox = p[5], has_freqs = p[6], half_ = n_rot / 2;\n"
"    if (long(i) >= rows * nh * half_) return;\n"
"    long t = long(i) / (nh * half_), h = (long(i) / half_) % nh, k = long(i) % half_;\n"
"    float th = float(pos0 + t);\n"
"    for (long j = 0; j < k; j++) th *= f[0];\n"
"    if (has_freqs) th = th / freqs[k];\n"
"    th *= f[1];\n"
"    float c = precise::cos(th), s = precise::sin(th);\n"
"    device float *v = x + (t * nh + h) * hd;\n"
"    long i0 = neox ? k : 2 * k, i1 = neox ? k + half_ : 2 * k + 1;\n"
"    float x0 = v[i0], x1 = v[i1];\n"
"    v[i0] = x0 * c - x1 * s; v[i1] = x0 * s + x1 * c;\n"
"}\n"
"kernel void kv_store(device uchar *kc [[buffer(0)]], device uchar *vc [[buffer(1)]], device const float *k [[buffer(2)]],\n"
"                     device const float *v [[buffer(3)]], constant long *p [[buffer(4)]], uint i [[thread_position_in_grid]]) {\n"
"    long row_bytes = p[0], rows = p[1], width = p[2], pos0 = p[3], f16 = p[4];\n"
"    if (long(i) >= 2 * rows * width) return;\n"
"    bool isv = long(i) >= rows * width; long j = isv ? long(i) - rows * width : long(i), t = j / width, e = j % width;\n"
"    device uchar *dst = (isv ? vc : kc) + (pos0 + t) * row_bytes;\n"
"    float val = (isv ? v : k)[t * width + e];\n"
"    if (f16) ((device half *)dst)[e] = half(val); else ((device float *)dst)[e] = val;\n"
"}\n"
/* attention: a threadgroup of 128 per (head, token); scores in a scratch row */
"kernel void attn(device float *out [[buffer(0)]], device const float *q [[buffer(1)]], device const uchar *kc [[buffer(2)]],\n"
"                 device const uchar *vc [[buffer(3)]], device float *scores [[buffer(4)]], constant long *p [[buffer(5)]],\n"
"                 constant float *f [[buffer(6)]], uint2 tg [[threadgroup_position_in_grid]],\n"
"                 uint tid [[thread_index_in_threadgroup]], uint lane [[thread_index_in_simdgroup]],\n"
"                 uint sg [[simdgroup_index_in_threadgroup]]) {\n"
"    threadgroup float qf[512];\n"
"    threadgroup float red[4];\n"
"    threadgroup float s_mx, s_inv;\n"
"    long row_bytes = p[0], n_head = p[1], group = p[2], hd = p[3], n_ctx = p[4], swa = p[5], t0 = p[6], pos0 = p[7], f16 = p[8];\n"
"    float scale = f[0], softcap = f[1];\n"
"    long h = tg.x, t = t0 + long(tg.y), pos = pos0 + t, nq = n_head * hd;\n"
"    long head_bytes = hd * (f16 ? 2 : 4), hoff = (h / group) * head_bytes, j0 = 0;\n"
"    if (swa > 0 && pos - swa + 1 > 0) j0 = pos - swa + 1;\n"
"    device float *sc = scores + (long(tg.y) * n_head + h) * n_ctx;\n"
"    for (long d = tid; d < hd; d += 128) { float v = q[t * nq + h * hd + d]; qf[d] = f16 ? float(half(v)) : v; }\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup);\n"
"    float mx = -INFINITY;\n"
"    for (long j = j0 + sg; j <= pos; j += 4) {\n"
"        device const uchar *kh = kc + j * row_bytes + hoff;\n"
"        float s = 0.0f;\n"
"        for (long d = lane; d < hd; d += 32) s += qf[d] * (f16 ? float(((device const half *)kh)[d]) : ((device const float *)kh)[d]);\n"
"        s = simd_sum(s);\n"
"        if (softcap > 0.0f) s = precise::tanh(s / softcap) * softcap;\n"
"        s *= scale;\n"
"        if (lane == 0) sc[j] = s;\n"
"        mx = max(mx, s);\n"
"    }\n"
"    if (lane == 0) red[sg] = mx;\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup | mem_flags::mem_device);\n"
"    if (tid == 0) s_mx = max(max(red[0], red[1]), max(red[2], red[3]));\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup);\n"
"    float sum = 0.0f;\n"
"    for (long j = j0 + tid; j <= pos; j += 128) { float e = exp(sc[j] - s_mx); sc[j] = e; sum += e; }\n"
"    sum = simd_sum(sum);\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup | mem_flags::mem_device);\n"
"    if (lane == 0) red[sg] = sum;\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup);\n"
"    if (tid == 0) s_inv = 1.0f / (red[0] + red[1] + red[2] + red[3]);\n"
"    threadgroup_barrier(mem_flags::mem_threadgroup);\n"
"    for (long d = tid; d < hd; d += 128) {\n"
"        float o = 0.0f;\n"
"        for (long j = j0; j <= pos; j++) {\n"
"            device const uchar *vh = vc + j * row_bytes + hoff;\n"
"            float pj = sc[j] * s_inv;\n"
"            if (f16) pj = float(half(pj));\n"
"            o += pj * (f16 ? float(((device const half *)vh)[d]) : ((device const float *)vh)[d]);\n"
"        }\n"
"        out[t * nq + h * hd + d] = o;\n"
"    }\n"
"}\n"
"static inline float gelu_h(float x) {\n"
"    if (x <= -10.0f) return 0.0f;\n"
"    if (x >= 10.0f) return x;\n"
"    float h = float(half(x));\n"
"    return float(half(0.5f * h * (1.0f + precise::tanh(0.7978845608f * h * (1.0f + 0.044715f * h * h)))));\n"
"}\n"
"kernel void glu(device float *o [[buffer(0)]], device const float *g [[buffer(1)]], device const float *u [[buffer(2)]],\n"
"                constant long *p [[buffer(3)]], uint i [[thread_position_in_grid]]) {\n"
"    long os = p[0], gs = p[1], us = p[2], rows = p[3], n = p[4], gelu = p[5];\n"
"    if (long(i) >= rows * n) return;\n"
"    long t = long(i) / n, c = long(i) % n;\n"
"    float a = g[t * gs + c];\n"
"    o[t * os + c] = (gelu ? gelu_h(a) : a / (1.0f + precise::exp(-a))) * u[t * us + c];\n"
"}\n"
"kernel void copy2d(device float *dst [[buffer(0)]], device const float *src [[buffer(1)]], constant long *p [[buffer(2)]],\n"
"                   uint i [[thread_position_in_grid]]) {\n"
"    long ds = p[0], ss = p[1], rows = p[2], n = p[3];\n"
"    if (long(i) >= rows * n) return;\n"
"    dst[(long(i) / n) * ds + long(i) % n] = src[(long(i) / n) * ss + long(i) % n];\n"
"}\n"
"kernel void gate_add(device float *o [[buffer(0)]], device const float *y [[buffer(1)]], device const float *g [[buffer(2)]],\n"
"                     constant long *p [[buffer(3)]], uint i [[thread_position_in_grid]]) {\n"
"    long rows = p[0], n = p[1], has_g = p[2];\n"
"    if (long(i) >= rows * n) return;\n"
"    float gs = has_g ? 1.0f / (1.0f + precise::exp(-g[long(i) / n])) : 1.0f;\n"
"    o[i] += y[i] * gs;\n"
"}\n";

enum { LLML__MTL_ACTQ_F, LLML__MTL_ACTQ_Q8_0, LLML__MTL_MM_Q, LLML__MTL_MM_F, LLML__MTL_RMSNORM, LLML__MTL_ELEM,
       LLML__MTL_ROPE, LLML__MTL_KV_STORE, LLML__MTL_ATTN, LLML__MTL_GLU, LLML__MTL_COPY2D, LLML__MTL_GATE_ADD,
       LLML__MTL_N };
static const char *const llml__mtl_names[LLML__MTL_N] = {
    "actq_f", "actq_q8_0", "mm_q", "mm_f", "rmsnorm", "elem", "rope", "kv_store", "attn", "glu", "copy2d", "gate_add"
};

typedef struct llml__mtl_buf { uint8_t *base; size_t bytes; void *buf; } llml__mtl_buf;

typedef struct llml__mtl {
    llml__bkr run;                 /* first: the runner */
    void *device, *queue, *pipes[LLML__MTL_N];   /* retained Objective-C objects */
    void *cmd, *enc;               /* the open command buffer and encoder */
    llml__mtl_buf *bufs;
    size_t n_bufs, cap_bufs;
    char name[128];
} llml__mtl;

#define LLML__OBJ(T, p) ((__bridge T)(p))

static llml__mtl_buf *llml__mtl_find(llml__mtl *s, const void *p) {
    size_t i;
    for (i = 0; i < s->n_bufs; i++)
        if ((const uint8_t *)p >= s->bufs[i].base && (const uint8_t *)p < s->bufs[i].base + s->bufs[i].bytes) return &s->bufs[i];
    return NULL;
}

static id<MTLComputeCommandEncoder> llml__mtl_enc(llml__mtl *s) {
    if (!s->cmd) {
        id<MTLCommandBuffer> cb = [LLML__OBJ(id<MTLCommandQueue>, s->queue) commandBuffer];
        s->cmd = (void *)CFBridgingRetain(cb);
        s->enc = (void *)CFBridgingRetain([cb computeCommandEncoder]);
    }
    return LLML__OBJ(id<MTLComputeCommandEncoder>, s->enc);
}

/* Commit what is encoded and wait. */
static llml_result llml__mtl_flush(llml__mtl *s) {
    id<MTLCommandBuffer> cb;
    if (!s->cmd) return LLML_OK;
    [LLML__OBJ(id<MTLComputeCommandEncoder>, s->enc) endEncoding];
    cb = LLML__OBJ(id<MTLCommandBuffer>, s->cmd);
    [cb commit];
    [cb waitUntilCompleted];
    CFBridgingRelease(s->enc);
    s->enc = NULL;
    s->cmd = NULL;
    if ([cb status] == MTLCommandBufferStatusError) {
        llml__bkr_error(&s->run, "Metal: %s", [[[cb error] localizedDescription] UTF8String]);
        CFBridgingRelease((__bridge CFTypeRef)cb);
        return LLML_ERR_DEVICE;
    }
    CFBridgingRelease((__bridge CFTypeRef)cb);
    return LLML_OK;
}

/* Bind a runner pointer (into one of our buffers) as argument `index`. */
static int llml__mtl_arg(llml__mtl *s, id<MTLComputeCommandEncoder> e, const void *p, NSUInteger index) {
    llml__mtl_buf *b;
    if (!p) { [e setBuffer:nil offset:0 atIndex:index]; return 1; }
    b = llml__mtl_find(s, p);
    if (!b) { llml__bkr_error(&s->run, "Metal: a pointer outside the device buffers"); return 0; }
    [e setBuffer:LLML__OBJ(id<MTLBuffer>, b->buf) offset:(NSUInteger)((const uint8_t *)p - b->base) atIndex:index];
    return 1;
}

static void llml__mtl_dispatch(llml__mtl *s, id<MTLComputeCommandEncoder> e, int k, NSUInteger gx, NSUInteger gy, NSUInteger tg,
                               int threads_total) {
    (void)s;
    if (threads_total) [e dispatchThreads:MTLSizeMake(gx, 1, 1) threadsPerThreadgroup:MTLSizeMake(tg, 1, 1)];
    else [e dispatchThreadgroups:MTLSizeMake(gx, gy, 1) threadsPerThreadgroup:MTLSizeMake(tg, 1, 1)];
    (void)k;
}

#define LLML__MTL_BEGIN(k) \
    llml__mtl *s = (llml__mtl *)d; \
    id<MTLComputeCommandEncoder> e = llml__mtl_enc(s); \
    [e setComputePipelineState:LLML__OBJ(id<MTLComputePipelineState>, s->pipes[k])]
#define LLML__MTL_ARG(p, i) do { if (!llml__mtl_arg(s, e, p, i)) return LLML_ERR_DEVICE; } while (0)
#define LLML__MTL_LONGS(arr, i) [e setBytes:arr length:sizeof(arr) atIndex:i]

static void *llml__mtl_alloc(void *d, size_t bytes) {
    llml__mtl *s = (llml__mtl *)d;
    id<MTLBuffer> b;
    if (s->n_bufs == s->cap_bufs) {
        size_t nc = s->cap_bufs ? 2 * s->cap_bufs : 64;
        llml__mtl_buf *nb = (llml__mtl_buf *)llml__alloc(&s->run.alloc, nc * sizeof(*nb), 16);
        if (!nb) return NULL;
        if (s->bufs) { memcpy(nb, s->bufs, s->n_bufs * sizeof(*nb)); llml__free(&s->run.alloc, s->bufs, s->cap_bufs * sizeof(*nb)); }
        s->bufs = nb;
        s->cap_bufs = nc;
    }
    b = [LLML__OBJ(id<MTLDevice>, s->device) newBufferWithLength:bytes options:MTLResourceStorageModeShared];
    if (!b) return NULL;
    s->bufs[s->n_bufs].buf = (void *)CFBridgingRetain(b);
    s->bufs[s->n_bufs].base = (uint8_t *)[b contents];
    s->bufs[s->n_bufs].bytes = bytes;
    return s->bufs[s->n_bufs++].base;
}
static void llml__mtl_free(void *d, void *p, size_t bytes) {
    llml__mtl *s = (llml__mtl *)d;
    size_t i;
    (void)bytes;
    for (i = 0; i < s->n_bufs; i++)
        if (s->bufs[i].base == (uint8_t *)p) {
            CFBridgingRelease(s->bufs[i].buf);
            s->bufs[i] = s->bufs[--s->n_bufs];
            return;
        }
}
/* Unified memory: copies are memcpy, after the GPU has finished. */
static llml_result llml__mtl_copy(void *d, void *dst, const void *src, size_t bytes) {
    llml_result r = llml__mtl_flush((llml__mtl *)d);
    if (r == LLML_OK && bytes) memmove(dst, src, bytes);
    return r;
}

static llml_result llml__mtl_actq(void *d, const llml__gact *a, const float *x, int64_t xs) {
    if (a->vdt == LLML_TYPE_Q8_0) {
        long p[3];
        uint8_t *b = (uint8_t *)a->buf;
        LLML__MTL_BEGIN(LLML__MTL_ACTQ_Q8_0);
        p[0] = (long)xs; p[1] = (long)a->rows; p[2] = (long)a->n;
        LLML__MTL_ARG(b, 0);
        LLML__MTL_ARG(b + llml__g_act_off_d(a->rows, a->n), 1);
        LLML__MTL_ARG(b + llml__g_act_off_s(a->rows, a->n), 2);
        LLML__MTL_ARG(x, 3);
        LLML__MTL_LONGS(p, 4);
        llml__mtl_dispatch(s, e, 0, (NSUInteger)(a->rows * a->n / 32), 1, 64, 1);
    } else if (a->vdt == LLML_TYPE_F32 || a->vdt == LLML_TYPE_F16) {
        long p[4];
        LLML__MTL_BEGIN(LLML__MTL_ACTQ_F);
        p[0] = (long)xs; p[1] = (long)a->rows; p[2] = (long)a->n; p[3] = a->vdt == LLML_TYPE_F16;
        LLML__MTL_ARG(a->buf, 0);
        LLML__MTL_ARG(x, 1);
        LLML__MTL_LONGS(p, 2);
        llml__mtl_dispatch(s, e, 0, (NSUInteger)(a->rows * a->n), 1, 256, 1);
    } else {
        return LLML_ERR_UNSUPPORTED_TYPE;
    }
    return LLML_OK;
}

static llml_result llml__mtl_mm(void *d, const llml__dw *w, int64_t expert, const llml__gact *a, float *y, int64_t ys) {
    int q = w->type == LLML_TYPE_Q4_0 || w->type == LLML_TYPE_Q8_0;
    long p[5];
    const uint8_t *base = (const uint8_t *)w->data + (size_t)expert * (size_t)w->ne[1] * w->row_bytes;
    const uint8_t *b = (const uint8_t *)a->buf;
    LLML__MTL_BEGIN(q ? LLML__MTL_MM_Q : LLML__MTL_MM_F);
    if (!(q || w->type == LLML_TYPE_F32 || w->type == LLML_TYPE_F16)) return LLML_ERR_UNSUPPORTED_TYPE;
    p[0] = (long)w->row_bytes; p[1] = (long)w->ne[1]; p[2] = (long)a->n; p[3] = (long)ys; p[4] = (long)w->type;
    LLML__MTL_ARG(base, 0);
    LLML__MTL_ARG(b, 1);
    if (q) LLML__MTL_ARG(b + llml__g_act_off_d(a->rows, a->n), 2);
    LLML__MTL_ARG(y, 3);
    LLML__MTL_LONGS(p, 4);
    llml__mtl_dispatch(s, e, 0, (NSUInteger)((w->ne[1] + 3) / 4), (NSUInteger)a->rows, 128, 0);
    return LLML_OK;
}
static llml_result llml__mtl_mm_ids(void *d, const llml__dw *w, const llml__gact *a, int32_t per_slot, int64_t n_tok,
                                    int32_t k, const int32_t *ids, float *y, int64_t ys) {
    (void)d; (void)w; (void)a; (void)per_slot; (void)n_tok; (void)k; (void)ids; (void)y; (void)ys;
    return LLML_ERR_UNSUPPORTED;   /* experts run on the CPU (supports() says no) */
}
static llml_result llml__mtl_rmsnorm(void *d, float *y, const float *x, const float *w, int64_t rows, int64_t n, float eps) {
    long p[2];
    float f[1];
    LLML__MTL_BEGIN(LLML__MTL_RMSNORM);
    p[0] = (long)n; p[1] = w != NULL; f[0] = eps;
    LLML__MTL_ARG(y, 0);
    LLML__MTL_ARG(x, 1);
    LLML__MTL_ARG(w, 2);
    LLML__MTL_LONGS(p, 3);
    [e setBytes:f length:sizeof(f) atIndex:4];
    llml__mtl_dispatch(s, e, 0, (NSUInteger)rows, 1, 256, 0);
    return LLML_OK;
}
static llml_result llml__mtl_elem(void *d, float *y, const float *x, float v, int64_t total, int64_t n, int op) {
    long p[3];
    float f[1];
    LLML__MTL_BEGIN(LLML__MTL_ELEM);
    p[0] = (long)total; p[1] = (long)n; p[2] = op; f[0] = v;
    LLML__MTL_ARG(y, 0);
    LLML__MTL_ARG(x, 1);
    LLML__MTL_LONGS(p, 2);
    [e setBytes:f length:sizeof(f) atIndex:3];
    llml__mtl_dispatch(s, e, 0, (NSUInteger)total, 1, 256, 1);
    return LLML_OK;
}
static llml_result llml__mtl_add(void *d, float *y, const float *x, int64_t n) { return llml__mtl_elem(d, y, x, 0.0f, n, 1, 0); }
static llml_result llml__mtl_add_rows(void *d, float *y, const float *b, int64_t rows, int64_t n) { return llml__mtl_elem(d, y, b, 0.0f, rows * n, n, 1); }
static llml_result llml__mtl_scale(void *d, float *y, float v, int64_t n) { return llml__mtl_elem(d, y, NULL, v, n, 1, 2); }
static llml_result llml__mtl_softcap(void *d, float *y, float cap, int64_t n) { return llml__mtl_elem(d, y, NULL, cap, n, 1, 3); }
static llml_result llml__mtl_rope(void *d, float *x, int64_t rows, int32_t n_heads, int64_t pos0, const llml__rope_p *rp) {
    long p[7];
    float f[2];
    LLML__MTL_BEGIN(LLML__MTL_ROPE);
    p[0] = (long)rows; p[1] = n_heads; p[2] = (long)pos0; p[3] = rp->hd; p[4] = rp->n_rot; p[5] = rp->neox; p[6] = rp->freqs != NULL;
    f[0] = rp->theta_scale; f[1] = rp->scale;
    LLML__MTL_ARG(x, 0);
    LLML__MTL_ARG(rp->freqs, 1);
    LLML__MTL_LONGS(p, 2);
    [e setBytes:f length:sizeof(f) atIndex:3];
    llml__mtl_dispatch(s, e, 0, (NSUInteger)(rows * n_heads * (rp->n_rot / 2)), 1, 256, 1);
    return LLML_OK;
}
static llml_result llml__mtl_kv_store(void *d, uint8_t *kc, uint8_t *vc, size_t row_bytes, llml_type kt, const float *k,
                                      const float *v, int64_t rows, int64_t width, int64_t pos0) {
    long p[5];
    LLML__MTL_BEGIN(LLML__MTL_KV_STORE);
    if (kt != LLML_TYPE_F32 && kt != LLML_TYPE_F16) return LLML_ERR_UNSUPPORTED;
    p[0] = (long)row_bytes; p[1] = (long)rows; p[2] = (long)width; p[3] = (long)pos0; p[4] = kt == LLML_TYPE_F16;
    LLML__MTL_ARG(kc, 0);
    LLML__MTL_ARG(vc, 1);
    LLML__MTL_ARG(k, 2);
    LLML__MTL_ARG(v, 3);
    LLML__MTL_LONGS(p, 4);
    llml__mtl_dispatch(s, e, 0, (NSUInteger)(2 * rows * width), 1, 256, 1);
    return LLML_OK;
}
static llml_result llml__mtl_attention(void *d, float *out, const float *q, const uint8_t *kc, const uint8_t *vc,
                                       const llml__attn_p *ap, int64_t rows, int64_t pos0) {
    int64_t t0;
    llml__mtl *s0 = (llml__mtl *)d;
    if (ap->hd > 512 || (ap->kt != LLML_TYPE_F32 && ap->kt != LLML_TYPE_F16)) {
        llml__bkr_error(&s0->run, "Metal attention: head size %d or cache type", (int)ap->hd);
        return LLML_ERR_UNSUPPORTED;
    }
    for (t0 = 0; t0 < rows; t0 += ap->chunk) {
        long p[9];
        float f[2];
        int64_t nt = LLML__MIN(ap->chunk, rows - t0);
        LLML__MTL_BEGIN(LLML__MTL_ATTN);
        p[0] = (long)ap->row_bytes; p[1] = ap->n_head; p[2] = ap->n_head / ap->n_head_kv; p[3] = ap->hd; p[4] = ap->n_ctx;
        p[5] = ap->swa; p[6] = (long)t0; p[7] = (long)pos0; p[8] = ap->kt == LLML_TYPE_F16;
        f[0] = ap->scale; f[1] = ap->softcap;
        LLML__MTL_ARG(out, 0);
        LLML__MTL_ARG(q, 1);
        LLML__MTL_ARG(kc, 2);
        LLML__MTL_ARG(vc, 3);
        LLML__MTL_ARG(ap->scores, 4);
        LLML__MTL_LONGS(p, 5);
        [e setBytes:f length:sizeof(f) atIndex:6];
        llml__mtl_dispatch(s, e, 0, (NSUInteger)ap->n_head, (NSUInteger)nt, 128, 0);
        /* the scores scratch is reused by the next chunk: finish this one */
        if (t0 + ap->chunk < rows) { llml_result r = llml__mtl_flush(s); if (r != LLML_OK) return r; }
    }
    return LLML_OK;
}
static llml_result llml__mtl_glu(void *d, float *out, int64_t os, const float *g, int64_t gs, const float *u, int64_t us,
                                 int64_t rows, int64_t n, int32_t gelu) {
    long p[6];
    LLML__MTL_BEGIN(LLML__MTL_GLU);
    p[0] = (long)os; p[1] = (long)gs; p[2] = (long)us; p[3] = (long)rows; p[4] = (long)n; p[5] = gelu;
    LLML__MTL_ARG(out, 0);
    LLML__MTL_ARG(g, 1);
    LLML__MTL_ARG(u, 2);
    LLML__MTL_LONGS(p, 3);
    llml__mtl_dispatch(s, e, 0, (NSUInteger)(rows * n), 1, 256, 1);
    return LLML_OK;
}
static llml_result llml__mtl_copy2d(void *d, float *dst, int64_t ds, const float *src, int64_t ss, int64_t rows, int64_t n) {
    long p[4];
    LLML__MTL_BEGIN(LLML__MTL_COPY2D);
    p[0] = (long)ds; p[1] = (long)ss; p[2] = (long)rows; p[3] = (long)n;
    LLML__MTL_ARG(dst, 0);
    LLML__MTL_ARG(src, 1);
    LLML__MTL_LONGS(p, 2);
    llml__mtl_dispatch(s, e, 0, (NSUInteger)(rows * n), 1, 256, 1);
    return LLML_OK;
}
static llml_result llml__mtl_moe_route(void *d, const float *router, int64_t rows, int32_t n_exp, int32_t k, int32_t norm,
                                       int32_t *ids, float *wts) {
    (void)d; (void)router; (void)rows; (void)n_exp; (void)k; (void)norm; (void)ids; (void)wts;
    return LLML_ERR_UNSUPPORTED;
}
static llml_result llml__mtl_moe_sum(void *d, float *out, const float *y, const float *wts, int64_t rows, int32_t k, int64_t n) {
    (void)d; (void)out; (void)y; (void)wts; (void)rows; (void)k; (void)n;
    return LLML_ERR_UNSUPPORTED;
}
static llml_result llml__mtl_gate_add(void *d, float *out, const float *y, const float *g, int64_t rows, int64_t n) {
    long p[3];
    LLML__MTL_BEGIN(LLML__MTL_GATE_ADD);
    p[0] = (long)rows; p[1] = (long)n; p[2] = g != NULL;
    LLML__MTL_ARG(out, 0);
    LLML__MTL_ARG(y, 1);
    LLML__MTL_ARG(g, 2);
    LLML__MTL_LONGS(p, 3);
    llml__mtl_dispatch(s, e, 0, (NSUInteger)(rows * n), 1, 256, 1);
    return LLML_OK;
}

static const llml__dev_ops llml__mtl_ops = {
    llml__mtl_alloc, llml__mtl_free, llml__mtl_copy, llml__mtl_copy, llml__mtl_actq, llml__mtl_mm, llml__mtl_mm_ids,
    llml__mtl_rmsnorm, llml__mtl_add, llml__mtl_add_rows, llml__mtl_scale, llml__mtl_softcap, llml__mtl_rope,
    llml__mtl_kv_store, llml__mtl_attention, llml__mtl_glu, llml__mtl_copy2d, llml__mtl_moe_route, llml__mtl_moe_sum,
    llml__mtl_gate_add, NULL
};

static void llml__mtl_close(void *st) {
    llml__mtl *s = (llml__mtl *)st;
    llml_allocator a;
    int k;
    if (!s) return;
    a = s->run.alloc;
    llml__mtl_flush(s);
    llml__bkr_release(&s->run);
    if (s->bufs) llml__free(&a, s->bufs, s->cap_bufs * sizeof(*s->bufs));
    for (k = 0; k < LLML__MTL_N; k++) if (s->pipes[k]) CFBridgingRelease(s->pipes[k]);
    if (s->queue) CFBridgingRelease(s->queue);
    if (s->device) CFBridgingRelease(s->device);
    llml__free(&a, s, sizeof(*s));
}

static llml_result llml__mtl_open(void *user, const llml_backend_open *desc, void **state) {
    llml_allocator a;
    llml__mtl *s;
    id<MTLDevice> dev;
    id<MTLLibrary> lib;
    NSError *error = nil;
    int k;
    (void)user;
    *state = NULL;
    if (desc && desc->device != 0) return LLML_ERR_UNSUPPORTED;
    dev = MTLCreateSystemDefaultDevice();
    if (!dev) return LLML_ERR_UNSUPPORTED;
    memset(&a, 0, sizeof(a));
    if (desc && desc->allocator) a = *desc->allocator;
    s = (llml__mtl *)llml__calloc(&a, sizeof(*s));
    if (!s) return LLML_ERR_OUT_OF_MEMORY;
    s->run.ops = &llml__mtl_ops;
    s->run.dev = s;
    s->run.alloc = a;
    if (desc) { s->run.log = desc->log; s->run.log_user = desc->log_user; }
    s->device = (void *)CFBridgingRetain(dev);
    s->queue = (void *)CFBridgingRetain([dev newCommandQueue]);
    snprintf(s->name, sizeof(s->name), "%.120s", [[dev name] UTF8String]);
    lib = [dev newLibraryWithSource:[NSString stringWithUTF8String:llml__mtl_src] options:nil error:&error];
    if (!lib) {
        llml__bkr_error(&s->run, "Metal: the shaders do not compile: %s", error ? [[error localizedDescription] UTF8String] : "?");
        llml__mtl_close(s);
        return LLML_ERR_DEVICE;
    }
    for (k = 0; k < LLML__MTL_N; k++) {
        id<MTLFunction> fn = [lib newFunctionWithName:[NSString stringWithUTF8String:llml__mtl_names[k]]];
        id<MTLComputePipelineState> ps = fn ? [dev newComputePipelineStateWithFunction:fn error:&error] : nil;
        if (!ps) { llml__mtl_close(s); return LLML_ERR_DEVICE; }
        s->pipes[k] = (void *)CFBridgingRetain(ps);
    }
    *state = s;
    return LLML_OK;
}

static llml_result llml__mtl_device_info(void *st, llml_backend_device *out) {
    llml__mtl *s = (llml__mtl *)st;
    id<MTLDevice> dev = LLML__OBJ(id<MTLDevice>, s->device);
    uint64_t rec = (uint64_t)[dev recommendedMaxWorkingSetSize], used = (uint64_t)[dev currentAllocatedSize];
    memset(out, 0, sizeof(*out));
    memcpy(out->name, s->name, sizeof(out->name));
    out->total_bytes = rec;
    out->free_bytes = rec > used ? rec - used : 0;
    out->unified = [dev hasUnifiedMemory] ? 1 : 0;
    return LLML_OK;
}

static int32_t llml__mtl_supports(void *st, llml_type type, llml_backend_op op) {
    (void)st;
    if (op == LLML_BACKEND_OP_MATMUL)
        return type == LLML_TYPE_F32 || type == LLML_TYPE_F16 || type == LLML_TYPE_Q4_0 || type == LLML_TYPE_Q8_0;
    if (op == LLML_BACKEND_OP_ATTENTION) return type == LLML_TYPE_F32 || type == LLML_TYPE_F16;
    if (op == LLML_BACKEND_OP_EXPERTS) return 0;
    return (unsigned)op < (unsigned)LLML_BACKEND_OP_COUNT;
}

static llml_result llml__mtl_run(void *st, const llml_backend_run *run) {
    llml_result r = llml__bkr_run((llml__bkr *)st, run);
    if (r != LLML_OK) llml__mtl_flush((llml__mtl *)st);
    return r;
}

static const llml_backend llml__mtl_backend = {
    "metal", NULL, llml__mtl_open, llml__mtl_close, llml__mtl_device_info, llml__mtl_supports,
    llml__rbk_upload, llml__mtl_run, llml__rbk_matmul, llml__rbk_kv_read, llml__rbk_kv_write,
    NULL, NULL, llml__rbk_last_error
};

LLML_API const llml_backend *llml_backend_metal(void) { return &llml__mtl_backend; }

#else
LLML_API const llml_backend *llml_backend_metal(void) { return NULL; }
#endif
