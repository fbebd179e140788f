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
