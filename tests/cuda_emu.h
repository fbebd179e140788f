/* tests/cuda_emu.h - a small CPU emulation of the CUDA runtime, enough for
   the kernels of src/78_cuda.h (tests/test_cuda_emu.c; C++17, x86-64).

   Every GPU thread of a block is a fiber with its own stack (a System V
   x86-64 context switch, below); the blocks of a launch run one after
   another on the calling thread. __syncthreads is a barrier over the live
   fibers of the block, a warp shuffle a barrier over the live lanes of the
   warp (each lane leaves its value in one of two banks, used in turn, then
   waits for the others; no lane can reach the same bank again before all
   have read it, since that takes passing the next barrier). A fiber that
   waits forever is a deadlock: reported, then abort(). Launch limits are
   CUDA's (blocks of at most 1024 threads, grid y and z at most 65535):
   exceeding them is a launch error, as on a GPU. __shared__ variables are
   function statics (one block at a time); dynamic shared memory is a
   zeroed buffer per launch. Memory is host memory (cudaMalloc: 256-byte
   aligned), copies are memcpy, streams run in order at once.
   What this cannot show: speed, real concurrency between blocks, the
   device's own float functions (expf, tanhf: the host's here), dp4a (the
   kernels' portable path runs), memory coalescing. */
#ifndef LLML_CUDA_EMU_H
#define LLML_CUDA_EMU_H
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <vector>
#include <tuple>
#include <functional>
#include <chrono>

#define LLML__CUDA_EMU 1
#define __host__
#define __device__
#define __global__
#define __forceinline__ inline
#define __shared__ static

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct uint4 { unsigned x, y, z, w; };

typedef int cudaError_t;
enum { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2, cudaErrorInvalidConfiguration = 9 };
typedef struct llml_emu_stream_s *cudaStream_t;
typedef struct llml_emu_event_s { double t; } *cudaEvent_t;
enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };
#define cudaStreamNonBlocking 1u
struct cudaDeviceProp { char name[256]; int major, minor, multiProcessorCount; size_t totalGlobalMem; };

/* ---- the fiber engine --------------------------------------------------- */

extern "C" void llml_emu_switch(void **save_sp, void *new_sp);
__asm__(".text\n"
        ".globl llml_emu_switch\n"
        ".type llml_emu_switch,@function\n"
        "llml_emu_switch:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n    pushq %r13\n    pushq %r14\n    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n    popq %r12\n    popq %rbx\n    popq %rbp\n"
        "    ret\n"
        ".size llml_emu_switch, .-llml_emu_switch\n");

enum { LLML_EMU_RUN = 0, LLML_EMU_BAR = 1, LLML_EMU_WARP = 2, LLML_EMU_DONE = 3 };
#define LLML_EMU_STACK (64 * 1024)

struct llml_emu_fiber { void *sp; int state; };

struct llml_emu_state {
    std::vector<llml_emu_fiber> f;
    std::vector<char *> stacks;
    std::vector<uint64_t> slot;      /* shuffle exchange: two banks of one per thread */
    std::vector<unsigned char> bank; /* the bank each thread uses next */
    void *sched_sp = nullptr;
    int cur = 0;
    dim3 grid, block, block_idx;
    std::function<void()> body;
    std::vector<unsigned char> dyn;
    cudaError_t last = cudaSuccess;
    size_t used = 0;
    uint64_t launches = 0, switches = 0;
    long fail_malloc = 0;            /* > 0: the fail_malloc-th cudaMalloc from now fails */
};
static llml_emu_state llml_emu;

static void llml_emu_yield(int state) {
    llml_emu.f[llml_emu.cur].state = state;
    llml_emu_switch(&llml_emu.f[llml_emu.cur].sp, llml_emu.sched_sp);
}

static void llml_emu_trampoline() {
    llml_emu.body();
    llml_emu_yield(LLML_EMU_DONE);
    abort();   /* a finished fiber is never resumed */
}

/* Run one block of n threads to completion. */
static void llml_emu_block(int n) {
    int i, w;
    while ((int)llml_emu.stacks.size() < n) llml_emu.stacks.push_back((char *)aligned_alloc(64, LLML_EMU_STACK));
    llml_emu.f.assign((size_t)n, llml_emu_fiber());
    llml_emu.slot.assign((size_t)2 * n, 0);
    llml_emu.bank.assign((size_t)n, 0);
    for (i = 0; i < n; i++) {
        uint64_t *sp = (uint64_t *)(void *)(llml_emu.stacks[(size_t)i] + LLML_EMU_STACK);
        *--sp = 0;                                     /* the trampoline's return address (never used) */
        *--sp = (uint64_t)(uintptr_t)&llml_emu_trampoline;
        for (w = 0; w < 6; w++) *--sp = 0;             /* rbp rbx r12 r13 r14 r15 */
        llml_emu.f[(size_t)i].sp = sp;
        llml_emu.f[(size_t)i].state = LLML_EMU_RUN;
    }
    for (;;) {
        int progressed = 0, live = 0, at_bar = 0;
        for (i = 0; i < n; i++) {
            if (llml_emu.f[(size_t)i].state != LLML_EMU_RUN) continue;
            llml_emu.cur = i;
            llml_emu.switches++;
            llml_emu_switch(&llml_emu.sched_sp, llml_emu.f[(size_t)i].sp);
            progressed = 1;
        }
        for (i = 0; i < n; i++) {
            if (llml_emu.f[(size_t)i].state != LLML_EMU_DONE) live++;
            if (llml_emu.f[(size_t)i].state == LLML_EMU_BAR) at_bar++;
        }
        if (!live) return;
        if (at_bar == live) {
            for (i = 0; i < n; i++) if (llml_emu.f[(size_t)i].state == LLML_EMU_BAR) llml_emu.f[(size_t)i].state = LLML_EMU_RUN;
            continue;
        }
        for (w = 0; w < n; w += 32) {
            int lanes = 0, waiting = 0, e = w + 32 < n ? w + 32 : n;
            for (i = w; i < e; i++) {
                if (llml_emu.f[(size_t)i].state != LLML_EMU_DONE) lanes++;
                if (llml_emu.f[(size_t)i].state == LLML_EMU_WARP) waiting++;
            }
            if (waiting && waiting == lanes) {
                for (i = w; i < e; i++) if (llml_emu.f[(size_t)i].state == LLML_EMU_WARP) llml_emu.f[(size_t)i].state = LLML_EMU_RUN;
                progressed = 1;
            }
        }
        if (!progressed) {
            fprintf(stderr, "cuda_emu: deadlock in block (%u,%u,%u): %d threads live, %d at __syncthreads\n",
                    llml_emu.block_idx.x, llml_emu.block_idx.y, llml_emu.block_idx.z, live, at_bar);
            abort();
        }
    }
}

static void llml_emu_run(dim3 g, dim3 b, size_t shmem, std::function<void()> body) {
    unsigned x, y, z;
    int n = (int)(b.x * b.y * b.z);
    if (n < 1 || n > 1024 || g.y > 65535 || g.z > 65535 || g.x < 1 || g.y < 1 || g.z < 1 || shmem > 48 * 1024) {
        llml_emu.last = cudaErrorInvalidConfiguration;
        return;
    }
    llml_emu.launches++;
    llml_emu.grid = g;
    llml_emu.block = b;
    llml_emu.body = body;
    llml_emu.dyn.assign(shmem + 16, 0);
    for (z = 0; z < g.z; z++)
        for (y = 0; y < g.y; y++)
            for (x = 0; x < g.x; x++) {
                llml_emu.block_idx = dim3(x, y, z);
                llml_emu_block(n);
            }
}

template <typename... A> struct llml_emu_launch {
    dim3 g, b;
    size_t sh;
    void (*k)(A...);
    template <typename... B> void operator()(B... args) {
        std::tuple<A...> t(static_cast<A>(args)...);
        void (*kk)(A...) = k;
        llml_emu_run(g, b, sh, [&t, kk]() { std::apply(kk, t); });
    }
};
template <typename... A> static llml_emu_launch<A...> llml_emu_bind(dim3 g, dim3 b, size_t sh, void (*k)(A...)) {
    llml_emu_launch<A...> l;
    l.g = g; l.b = b; l.sh = sh; l.k = k;
    return l;
}

#define LLML__CU_LAUNCH(grid, block, shmem, stream, ...) llml_emu_bind(dim3(grid), dim3(block), (size_t)(shmem), __VA_ARGS__)
#define LLML__CU_DYN_SHARED(T, name) T *name = (T *)(void *)llml_emu.dyn.data()

static inline dim3 llml_emu_tid(void) {
    unsigned t = (unsigned)llml_emu.cur, bx = llml_emu.block.x, by = llml_emu.block.y;
    return dim3(t % bx, (t / bx) % by, t / (bx * by));
}
#define threadIdx llml_emu_tid()
#define blockIdx llml_emu.block_idx
#define blockDim llml_emu.block
#define gridDim llml_emu.grid

static inline void __syncthreads(void) { llml_emu_yield(LLML_EMU_BAR); }

template <typename T> static T __shfl_xor_sync(unsigned mask, T v, int lane_mask) {
    int me = llml_emu.cur, src = (me & ~31) | ((me & 31) ^ lane_mask);
    size_t base = llml_emu.bank[(size_t)me] * llml_emu.f.size();
    T r;
    (void)mask;
    llml_emu.bank[(size_t)me] ^= 1;
    memcpy(&llml_emu.slot[base + (size_t)me], &v, sizeof(T));
    llml_emu_yield(LLML_EMU_WARP);   /* every lane has left its value */
    memcpy(&r, &llml_emu.slot[base + (size_t)src], sizeof(T));
    return r;
}

/* correctly rounded single operations, no fusing (as on the device) */
static inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
static inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
static inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }

/* ---- the runtime API ------------------------------------------------------ */

#define LLML_EMU_MEMORY ((size_t)16 << 30)

static inline cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return cudaSuccess; }
static inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int dev) {
    if (dev != 0) return cudaErrorInvalidValue;
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "llmlite CUDA emulation (CPU)");
    p->major = 8; p->minor = 0; p->multiProcessorCount = 2; p->totalGlobalMem = LLML_EMU_MEMORY;
    return cudaSuccess;
}
static inline cudaError_t cudaSetDevice(int dev) { return dev == 0 ? cudaSuccess : cudaErrorInvalidValue; }
static inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags) {
    (void)flags;
    *s = (cudaStream_t)(uintptr_t)0x5157;
    return cudaSuccess;
}
static inline cudaError_t cudaStreamDestroy(cudaStream_t s) { (void)s; return cudaSuccess; }
static inline cudaError_t cudaGetLastError(void) { cudaError_t e = llml_emu.last; llml_emu.last = cudaSuccess; return e; }
static inline cudaError_t cudaStreamSynchronize(cudaStream_t s) { (void)s; return cudaGetLastError(); }
static inline const char *cudaGetErrorString(cudaError_t e) {
    return e == cudaSuccess ? "no error" : e == cudaErrorMemoryAllocation ? "out of memory"
         : e == cudaErrorInvalidConfiguration ? "invalid configuration argument" : "invalid argument";
}
static inline cudaError_t cudaMalloc(void **p, size_t n) {
    size_t r = (n + 255) & ~(size_t)255;
    *p = NULL;
    if (llml_emu.fail_malloc > 0 && --llml_emu.fail_malloc == 0) return cudaErrorMemoryAllocation;
    if (llml_emu.used + r > LLML_EMU_MEMORY) return cudaErrorMemoryAllocation;
    *p = aligned_alloc(256, r + 256);
    if (!*p) return cudaErrorMemoryAllocation;
    memcpy(*p, &r, sizeof(r));              /* the size, for cudaFree */
    *p = (char *)*p + 256;
    llml_emu.used += r;
    return cudaSuccess;
}
static inline cudaError_t cudaFree(void *p) {
    size_t r;
    if (!p) return cudaSuccess;
    memcpy(&r, (char *)p - 256, sizeof(r));
    llml_emu.used -= r;
    free((char *)p - 256);
    return cudaSuccess;
}
static inline cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, cudaMemcpyKind k, cudaStream_t s) {
    (void)k; (void)s;
    if (n) memmove(dst, src, n);
    return cudaSuccess;
}
static inline cudaError_t cudaMemsetAsync(void *dst, int v, size_t n, cudaStream_t s) { (void)s; memset(dst, v, n); return cudaSuccess; }
static inline cudaError_t cudaMemGetInfo(size_t *fr, size_t *tot) { *tot = LLML_EMU_MEMORY; *fr = LLML_EMU_MEMORY - llml_emu.used; return cudaSuccess; }
static inline double llml_emu_now(void) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
static inline cudaError_t cudaEventCreate(cudaEvent_t *e) { *e = new llml_emu_event_s(); (*e)->t = 0; return cudaSuccess; }
static inline cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) { (void)s; e->t = llml_emu_now(); return cudaSuccess; }
static inline cudaError_t cudaEventSynchronize(cudaEvent_t e) { (void)e; return cudaSuccess; }
static inline cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b) { *ms = (float)((b->t - a->t) * 1e3); return cudaSuccess; }
static inline cudaError_t cudaEventDestroy(cudaEvent_t e) { delete e; return cudaSuccess; }

#endif
