/* tests/test_cuda_emu.c - the CUDA backend's kernels (src/78_cuda.h) run on
   the CPU under a small emulation of the CUDA runtime (tests/cuda_emu.h:
   each GPU thread a fiber, __syncthreads and warp shuffles as barriers).
   What a GPU-less machine can check of them: grids, indexing, shared
   memory, reductions, the launch limits, and the host code around them.
   Models of ../shared/testdata run through llml_backend_cuda() as
   tests/test_cuda.c runs them on a GPU (tests/backend_check.h: CPU path and
   reference tolerances, all / last half / first half / pieces, greedy
   continuations), plus the KV cache through state and shift and the matmul
   hook. Built as C++17 on x86-64 Linux (the Makefile's rule); elsewhere,
   and under AddressSanitizer (which does not follow our stack switching),
   it says it was skipped. */
#if defined(__cplusplus) && defined(__x86_64__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
#include "cuda_emu.h"
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include "backend_check.h"

static int cuda_supported(const char *q) {
    static const char *yes[] = { "f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "iq4_xs" };
    static const char *out_only[] = { "iq1_s", "iq2_xxs", "iq2_xs", "iq2_s" };
    size_t i;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) if (strcmp(q, yes[i]) == 0) return 1;
    for (i = 0; i < sizeof(out_only) / sizeof(out_only[0]); i++) if (strcmp(q, out_only[i]) == 0) return 2;
    return 0;
}

/* The split layout against the file's, bit for bit: the matmul hook on a
   weight not uploaded rearranges its temporary copy (5 device allocations:
   x, y, the activations, the weight, then the layout's scratch); when that
   scratch cannot be had, the weight keeps the file's layout (no split
   kernel launched) and the products are the same bits. */
static void emu_split_vs_file(const llml_backend *cu) {
    static const llml_type fmts[] = { LLML_TYPE_Q4_0, LLML_TYPE_Q8_0, LLML_TYPE_Q4_K, LLML_TYPE_Q6_K };
    const int64_t rows = 4100, n = 512;
    void *st = NULL;
    llml_backend_open od;
    float *wf = (float *)malloc((size_t)(rows * n) * 4), x[3 * 512];
    float *y1 = (float *)malloc((size_t)(3 * rows) * 4), *y2 = (float *)malloc((size_t)(3 * rows) * 4);
    void *wq = malloc(llml_row_size(LLML_TYPE_Q8_0, n) * (size_t)rows);
    size_t fi;
    int64_t i;
    memset(&od, 0, sizeof(od));
    CHECK(cu->open(cu->user, &od, &st) == LLML_OK, "open");
    if (!st || !wf || !y1 || !y2 || !wq) goto done;
    for (i = 0; i < rows * n; i++) wf[i] = (float)((i * 7919 % 2003) - 1001) / 1001.0f;
    for (i = 0; i < 3 * n; i++) x[i] = (float)((i * 104729 % 1999) - 999) / 999.0f;
    for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
        llml_backend_weight w;
        int nt;
        memset(&w, 0, sizeof(w));
        w.data = wq; w.type = fmts[fi]; w.ne[0] = n; w.ne[1] = rows; w.ne[2] = 1; w.row_bytes = llml_row_size(fmts[fi], n);
        llml_quantize_rows(fmts[fi], wf, wq, rows, n, NULL);
        for (nt = 1; nt <= 3; nt += 2) {
            uint64_t l0 = llml_emu.launches, la, lb;
            llml_result a = cu->matmul(st, &w, 0, x, nt, y1), b;
            la = llml_emu.launches - l0;
            llml_emu.fail_malloc = 5;
            l0 = llml_emu.launches;
            b = cu->matmul(st, &w, 0, x, nt, y2);
            lb = llml_emu.launches - l0;
            llml_emu.fail_malloc = 0;
            CHECK(a == LLML_OK && b == LLML_OK, "%s: matmul hook", llml_type_get_info(fmts[fi])->name);
            CHECK(la == lb + 1, "%s: %llu launches with the split layout, %llu without its scratch", llml_type_get_info(fmts[fi])->name,
                  (unsigned long long)la, (unsigned long long)lb);
            CHECK(memcmp(y1, y2, (size_t)(nt * rows) * 4) == 0, "%s, %d rows: split and file layouts differ",
                  llml_type_get_info(fmts[fi])->name, nt);
        }
    }
    printf("  split layout vs the file's (scratch refused): q4_0 q8_0 q4_K q6_K, 4100 x 512, 1 and 3 rows, compared bit for bit\n");
done:
    if (st) cu->close(st);
    free(wf); free(y1); free(y2); free(wq);
}

/* Every GPU thread is a fiber, so this is slow (tens of seconds): by
   default the architectures and formats that reach different kernels or
   paths, in two or three configurations; LLML_EMU_FULL=1 runs what
   tests/test_cuda.c runs on a GPU (about ten minutes). */
int main(void) {
    static const char *arch_files[] = { "llama-f32", "llama3-f32", "llama-moe-f32", "qwen2-f32", "qwen2moe-f32",
                                        "gemma-f32", "gemma2-f32", "phi3-f32" };
    static const char *quant_files[] = { "f16", "bf16", "q8_0", "q4_0", "q4_1", "q4_k", "q5_k", "q6_k", "iq4_xs", "iq2_xs" };
    const llml_backend *cu = llml_backend_cuda();
    int full = getenv("LLML_EMU_FULL") != NULL;
    size_t i;
    CHECK(cu && strcmp(cu->name, "cuda") == 0, "the CUDA backend is compiled in");
    if (!cu) return check_summary("test_cuda_emu");
    (void)bc_check_all;
    if (full) {
        for (i = 0; i < sizeof(arch_files) / sizeof(arch_files[0]); i++) bc_check_model(cu, "arch", arch_files[i], 0, 1, 1e-3);
        bc_check_model(cu, "arch-next", "qwen3-f32", 1, 1, 1e-3);
        bc_check_model(cu, "arch-next", "gemma3-f32", 1, 1, 1e-3);
        for (i = 0; i < sizeof(quant_files) / sizeof(quant_files[0]); i++)
            bc_check_model(cu, "quant", quant_files[i], 2, cuda_supported(quant_files[i]), 1e-3);
    } else {
        bc_configs = 1u | 4u;                      /* all; first half + output */
        bc_check_model(cu, "arch", "llama-f32", 0, 1, 1e-3);
        bc_check_model(cu, "arch", "qwen2moe-f32", 0, 1, 1e-3);   /* experts, shared expert, biases */
        bc_check_model(cu, "arch", "phi3-f32", 0, 1, 1e-3);       /* fused qkv and gate/up, NeoX */
        bc_check_model(cu, "arch-next", "qwen3-f32", 1, 1, 1e-3); /* F16 cache, q/k norms */
        bc_configs = 1u;
        bc_check_model(cu, "arch", "gemma2-f32", 0, 1, 1e-3);     /* soft-capping, sliding window, GELU */
        bc_configs = 2u | 8u;                      /* last half; pieces of 16 */
        bc_check_model(cu, "quant", "q4_0", 2, 1, 1e-3);
        bc_configs = 1u;
        for (i = 0; i < sizeof(quant_files) / sizeof(quant_files[0]); i++)
            if (strcmp(quant_files[i], "q4_0") != 0) bc_check_model(cu, "quant", quant_files[i], 2, cuda_supported(quant_files[i]), 1e-3);
    }
    bc_print_table("CUDA kernels under the CPU emulation vs the CPU path and the reference's logits:");
    bc_check_state(cu);
    bc_check_matmul(cu);
    bc_check_big_matmul(cu);
    emu_split_vs_file(cu);
    printf("  %llu kernel launches, %llu fiber switches; emulated device memory in use at the end: %zu bytes\n",
           (unsigned long long)llml_emu.launches, (unsigned long long)llml_emu.switches, llml_emu.used);
    CHECK(llml_emu.used == 0, "device memory left allocated: %zu bytes", llml_emu.used);
    return check_summary("test_cuda_emu");
}
#else
#include <stdio.h>
int main(void) {
    printf("test_cuda_emu: skipped (needs C++17 on x86-64 Linux, without AddressSanitizer)\n");
    printf("test_cuda_emu: 0 passed, 0 failed\n");
    return 0;
}
#endif
