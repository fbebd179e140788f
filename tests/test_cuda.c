/* tests/test_cuda.c - the CUDA backend on a GPU (make test-cuda; built by
   make cuda, linked with examples/llmlite_cuda.cu; not part of make test).
   1. Every model of ../shared/testdata/{arch,arch-next,quant} with all
      layers, the last half, the first half (+ output), and in pieces on the
      GPU, against the CPU path and the reference's logits within the
      inference tolerances (tests/backend_check.h); formats the backend
      lacks fall back to the CPU.
   2. The GPU against the reference backend (the same arithmetic in C on
      the CPU), every layer on both: how far the kernels' summation orders
      move the logits.
   3. The KV cache on the GPU (state save/load both ways, context shift),
      the matmul hook against the reference's dequantized matrices, and on
      4100 x 4352 matrices against the reference backend (the GPU's own
      weight layouts and row grouping).
   4. The device: memory, copy and read bandwidth, the Q8_0 product.
   5. With LLML_CUDA_MODEL=FILE.gguf: that model (e.g. llmlite-synth's
      llama-3.2-1b) on the GPU against the CPU, 64 tokens.
   Without a CUDA device it fails, saying so. make cuda compiles this file
   with -DLLML_IMPL_ELSEWHERE and links it with the nvcc-compiled
   implementation; compiled alone (as tests/portability.sh does with every
   tests/test_*.c) it holds the plain implementation, which has no CUDA
   backend, and says it was skipped. */
#ifndef LLML_IMPL_ELSEWHERE
#define LLMLITE_IMPLEMENTATION
#endif
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

/* every layer on the GPU and on the reference backend */
static void gpu_vs_ref(const llml_backend *cu, const char *dir, const char *name, int kv_f16) {
    char rel[256];
    int32_t ids[64];
    int n;
    llml_model *m;
    llml_ctx *a, *b;
    llml_result r;
    llml_error err;
    llml_model_info info;
    const llml_backend *l1[1], *l2[1];
    snprintf(rel, sizeof(rel), "%s/%s.tokens.txt", dir, name);
    n = lc_read_ids(lc_td(rel), ids, 64);
    snprintf(rel, sizeof(rel), "%s/%s.gguf", dir, name);
    m = bc_load(rel);
    if (!m || n <= 0) { llml_model_free(m); return; }
    llml_model_get_info(m, &info);
    l1[0] = cu;
    l2[0] = llml_backend_reference();
    a = bc_ctx(m, l1[0], kv_f16 ? LLML_KV_F16 : LLML_KV_F32, info.n_layer + 1, 0, LLML_OUTPUT_DEFAULT, 0);
    b = bc_ctx(m, l2[0], kv_f16 ? LLML_KV_F16 : LLML_KV_F32, info.n_layer + 1, 0, LLML_OUTPUT_DEFAULT, 0);
    (void)r; (void)err;
    if (a && b) {
        float *x = bc_eval(a, ids, n, info.n_vocab), *y = bc_eval(b, ids, n, info.n_vocab);
        if (x && y) {
            double d = bc_max_rel(x, y, (size_t)n * info.n_vocab);
            printf("  %-10s %-14s GPU vs reference backend: max |diff| %.3g (relative)\n", dir, name, d);
            CHECK(d < 0.05, "%s/%s: GPU vs the reference backend differ by %.3g", dir, name, d);
        }
        free(x); free(y);
    }
    llml_ctx_free(a); llml_ctx_free(b);
    llml_model_free(m);
}

/* a model given by the environment, 64 tokens, CPU vs GPU */
static void big_model(const llml_backend *cu, const char *path) {
    llml_model *m = NULL;
    llml_error err;
    llml_model_info info;
    int32_t ids[64];
    int i;
    if (llml_model_load_file(path, NULL, &m, &err) != LLML_OK) { CHECK(0, "%s: %s", path, err.message); return; }
    llml_model_get_info(m, &info);
    for (i = 0; i < 64; i++) ids[i] = (int32_t)((i * 7919 + 13) % info.n_vocab);
    {
        llml_ctx *a = bc_ctx(m, NULL, LLML_KV_F16, 0, 0, LLML_OUTPUT_DEFAULT, 0);
        llml_ctx *b = bc_ctx(m, cu, LLML_KV_F16, info.n_layer + 1, 0, LLML_OUTPUT_DEFAULT, 0);
        float *x = a ? bc_eval(a, ids, 64, info.n_vocab) : NULL, *y = b ? bc_eval(b, ids, 64, info.n_vocab) : NULL;
        if (x && y) {
            double kl = lc_mean_kl(x, y, 64, info.n_vocab), rel = bc_max_rel(y, x, (size_t)64 * info.n_vocab);
            printf("  %s: GPU vs CPU over 64 tokens: KL %.3g, max |diff| %.3g (relative)\n", path, kl, rel);
            CHECK(kl < 1e-3, "%s: KL(CPU || GPU) %.3g", path, kl);
        }
        free(x); free(y);
        llml_ctx_free(a); llml_ctx_free(b);
    }
    llml_model_free(m);
}

int main(void) {
    const llml_backend *cu = llml_backend_cuda();
    void *st = NULL;
    llml_backend_open od;
    llml_backend_device dev;
    llml_backend_measure ms;
    llml_result r;
    const char *big = getenv("LLML_CUDA_MODEL");
#ifndef LLML_IMPL_ELSEWHERE
    if (!cu) {
        printf("test_cuda: skipped: built without the CUDA implementation (make cuda builds build/tests/test_cuda)\n");
        return check_summary("test_cuda");
    }
#endif
    CHECK(cu != NULL, "llml_backend_cuda() is NULL: this program was not linked with the nvcc-compiled implementation");
    if (!cu) return check_summary("test_cuda");
    memset(&od, 0, sizeof(od));
    r = cu->open(cu->user, &od, &st);
    CHECK(r == LLML_OK, "no CUDA device (open: %s): nothing was run on a GPU", llml_result_string(r));
    if (r != LLML_OK) return check_summary("test_cuda");
    CHECK(cu->device_info(st, &dev) == LLML_OK && dev.total_bytes > 0, "device info");
    printf("  device: %s, %.1f GiB (%.1f GiB free)\n", dev.name, (double)dev.total_bytes / 1073741824.0,
           (double)dev.free_bytes / 1073741824.0);
    r = cu->measure(st, &ms);
    CHECK(r == LLML_OK && ms.copy_gbs > 0 && ms.read_gbs > 0 && ms.matmul_tops > 0, "measure: %s",
          r == LLML_OK ? "zero" : cu->last_error(st));
    printf("  %s: copy %.1f GB/s, read %.1f GB/s, Q8_0 product %.2f TOPS, dp4a %.2f TOPS\n", ms.note, ms.copy_gbs,
           ms.read_gbs, ms.matmul_tops, ms.peak_tops);
    cu->close(st);

    bc_check_all(cu, cuda_supported, 1e-3);
    bc_print_table("CUDA backend vs the CPU path and the reference's logits:");
    {
        static const char *arch_files[] = { "llama-f32", "llama3-f32", "llama-moe-f32", "qwen2-f32", "qwen2moe-f32",
                                            "gemma-f32", "gemma2-f32", "phi3-f32" };
        static const char *quant_files[] = { "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "iq4_xs" };
        size_t i;
        for (i = 0; i < sizeof(arch_files) / sizeof(arch_files[0]); i++) gpu_vs_ref(cu, "arch", arch_files[i], 0);
        gpu_vs_ref(cu, "arch-next", "qwen3-f32", 1);
        gpu_vs_ref(cu, "arch-next", "gemma3-f32", 1);
        for (i = 0; i < sizeof(quant_files) / sizeof(quant_files[0]); i++) gpu_vs_ref(cu, "quant", quant_files[i], 0);
    }
    bc_check_state(cu);
    bc_check_matmul(cu);
    bc_check_big_matmul(cu);
    if (big) big_model(cu, big);
    return check_summary("test_cuda");
}
