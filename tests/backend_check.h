/* tests/backend_check.h - logits through a backend against the CPU path and
   the reference's files, shared by tests/test_backend.c (the reference
   backend, in `make test`) and tests/test_cuda.c (the CUDA backend, `make
   test-cuda` on a machine with a GPU). Needs check.h and the llmlite API.

   For one model of ../shared/testdata: the 48 tokens in one batch from an
   empty cache, on the CPU alone and with the backend running
     all    every layer and the output layer,
     last   the last half of the layers (output on the CPU),
     first  the first half of the layers and the output layer,
     pieces every layer, the 48 tokens in pieces of 16 (n_batch 16);
   each must agree with the CPU path and with the reference's logits within
   the inference tolerances of tests/test_model.c (F32 files: 2e-3, arch-next
   with an F16 cache: 1e-2, quantized files: rms and KL bounds from the
   reference's own error).
   The CPU path: F32 files max |diff| <= tol_cpu (relative to the largest
   logit when that is above 1). Quantized files meet rounding flips: an
   activation a float rounding apart lands on another 8-bit level, and these
   small random models carry that to the logits (the CPU's own scalar and
   SIMD kernels, which sum in different orders, differ by up to 0.035 on
   q8_0). There the bound is 0.05 x the largest logit (a wrong layer or
   format moves logits by O(1)), and the reference's rms and KL bounds are
   widened to 3x what the CPU's scalar kernels (another summation order)
   reach where that is more. With every layer on the backend, the greedy
   continuation decoded one token at a time must equal the reference's (F32
   files). Formats the backend lacks must run on the CPU (fallback): then the
   logits equal the CPU path's bit for bit.
   Also here: bc_check_state (the KV cache on the backend through state
   save/load and context shift) and bc_check_matmul (the matmul hook). */
#ifndef LLML_BACKEND_CHECK_H
#define LLML_BACKEND_CHECK_H
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include "logits_check.h"

static double bc_maxabs(const float *a, size_t n) {
    double m = 0;
    size_t i;
    for (i = 0; i < n; i++) if (fabs((double)a[i]) > m) m = fabs((double)a[i]);
    return m;
}

/* A context; bk NULL: the CPU alone. */
static llml_ctx *bc_ctx(const llml_model *m, const llml_backend *bk, llml_kv_type kv, int n_gpu, int first,
                        llml_output_place out, int n_batch) {
    llml_ctx_desc d;
    llml_ctx *c = NULL;
    llml_error err;
    const llml_backend *list[1];
    memset(&d, 0, sizeof(d));
    d.n_ctx = 128;
    d.n_batch = n_batch;
    d.kv_type = kv;
    d.n_threads = 2;
    if (bk) {
        list[0] = bk;
        d.backends = list;
        d.n_backends = 1;
        d.n_gpu_layers = n_gpu;
        d.gpu_layers_first = first;
        d.output_place = out;
    }
    if (llml_ctx_create(m, &d, &c, &err) != LLML_OK) {
        CHECK(0, "ctx_create: %s", err.message);
        return NULL;
    }
    return c;
}

static float *bc_eval(llml_ctx *c, const int32_t *ids, int n, int nv) {
    float *out;
    int i;
    llml_ctx_clear(c);
    if (llml_decode(c, ids, n, LLML_DECODE_ALL_LOGITS) != LLML_OK) {
        CHECK(0, "decode failed: %s", llml_ctx_last_error(c));
        return NULL;
    }
    out = (float *)malloc((size_t)n * nv * 4);
    for (i = 0; i < n; i++) memcpy(out + (size_t)i * nv, llml_get_logits(c, i), (size_t)nv * 4);
    return out;
}

typedef struct bc_row {
    char name[40];
    char config[8];
    int n_layers, n_layer, output, n_fallback;
    double maxd_cpu, rms_ref, maxd_ref, kl_ref;
    int greedy;                /* 1 same, 0 differs, -1 not checked */
} bc_row;

static bc_row bc_rows[512];
static int bc_n_rows;
static double bc_worst_rel;    /* largest max|diff| vs CPU / scale of all configs run on the backend */

/* The reference tolerances, as tests/test_model.c. */
static void bc_check_ref(const char *what, int mode, const float *ours, const float *ref, const float *f32ref,
                         const float *cpu_scalar, int n, int nv, bc_row *row) {
    size_t nn = (size_t)n * nv;
    row->rms_ref = lc_rms(ours, ref, nn);
    row->maxd_ref = lc_maxd(ours, ref, nn);
    row->kl_ref = lc_mean_kl(ref, ours, n, nv);
    if (mode == 0) {
        CHECK(row->maxd_ref <= 2e-3, "%s: max |diff| vs reference %.3g > 2e-3", what, row->maxd_ref);
    } else if (mode == 1) {
        CHECK(row->maxd_ref <= 1e-2, "%s: max |diff| vs reference %.3g > 1e-2", what, row->maxd_ref);
    } else if (f32ref) {
        double ref_rms = lc_rms(ref, f32ref, nn), ref_kl = lc_mean_kl(f32ref, ref, n, nv);
        double lim_rms = 0.25 * ref_rms > 0.01 ? 0.25 * ref_rms : 0.01;
        double lim_kl = 0.05 * ref_kl > 2e-5 ? 0.05 * ref_kl : 2e-5;
        if (cpu_scalar) {   /* another summation order's noise */
            double sr = 3.0 * lc_rms(cpu_scalar, ref, nn), sk = 3.0 * lc_mean_kl(ref, cpu_scalar, n, nv);
            if (sr > lim_rms) lim_rms = sr;
            if (sk > lim_kl) lim_kl = sk;
        }
        CHECK(row->rms_ref <= lim_rms, "%s: rms vs reference %.4g > %.4g", what, row->rms_ref, lim_rms);
        CHECK(row->kl_ref <= lim_kl, "%s: KL vs reference %.4g > %.4g", what, row->kl_ref, lim_kl);
    }
}

/* dir/name (mode 0: F32 file, 1: arch-next, 2: quantized); `supported`:
   1 when the backend takes every weight format of the file, 0 none, 2 only
   the output matrix's (iq1/iq2 files: Q8_0 output). tol_cpu: the
   largest max |diff| vs the CPU path, relative to max(1, largest logit). */
static unsigned bc_configs = 15;   /* which of all, last, first, pieces run (bits 0..3) */

static void bc_check_model(const llml_backend *bk, const char *dir, const char *name, int mode, int supported,
                           double tol_cpu) {
    static const char *cfg_names[4] = { "all", "last", "first", "pieces" };
    char rel[256], what[128];
    int32_t ids[512], greedy[128];
    int n, ng = 0, nv, cfg, L;
    size_t nref, nf32;
    float *ref, *f32ref = NULL, *cpu, *cpu_scalar = NULL;
    llml_model *m = NULL;
    llml_model_info info;
    llml_ctx *c;
    llml_error err;
    llml_kv_type kv = mode == 1 ? LLML_KV_F16 : LLML_KV_F32;
    double scale;
    snprintf(rel, sizeof(rel), "%s/%s.tokens.txt", dir, name);
    n = lc_read_ids(lc_td(rel), ids, 512);
    CHECK(n > 0, "%s: no tokens", rel);
    if (n <= 0) return;
    snprintf(rel, sizeof(rel), "%s/%s.gguf", dir, name);
    if (llml_model_load_file(lc_td(rel), NULL, &m, &err) != LLML_OK) { CHECK(0, "%s: %s", rel, err.message); return; }
    memset(&info, 0, sizeof(info));
    llml_model_get_info(m, &info);
    nv = info.n_vocab;
    L = info.n_layer;
    snprintf(rel, sizeof(rel), "%s/%s.logits.f32", dir, name);
    ref = lc_read_f32(lc_td(rel), &nref);
    CHECK(ref && nref == (size_t)n * nv, "%s: reference logits missing", rel);
    if (mode == 2) f32ref = lc_read_f32(lc_td("quant/f32.logits.f32"), &nf32);
    snprintf(rel, sizeof(rel), "%s/%s.greedy.txt", dir, name);
    {
        FILE *f = fopen(lc_td(rel), "r");
        char line[4096];
        if (f && fgets(line, sizeof(line), f)) {
            char *p = line, *e;
            long v;
            while (ng < 128 && (v = strtol(p, &e, 10), e != p)) { greedy[ng++] = (int32_t)v; p = e; }
        }
        if (f) fclose(f);
    }
    c = bc_ctx(m, NULL, kv, 0, 0, LLML_OUTPUT_DEFAULT, 0);
    cpu = c ? bc_eval(c, ids, n, nv) : NULL;
    llml_ctx_free(c);
    if (mode == 2) {
        llml_ctx_desc sd;
        memset(&sd, 0, sizeof(sd));
        sd.n_ctx = 128; sd.kv_type = kv; sd.n_threads = 1; sd.isa_cap = LLML_ISA_SCALAR;
        c = NULL;
        if (llml_ctx_create(m, &sd, &c, &err) == LLML_OK) cpu_scalar = bc_eval(c, ids, n, nv);
        llml_ctx_free(c);
    }
    if (!ref || !cpu) { free(ref); free(f32ref); free(cpu); llml_model_free(m); return; }
    scale = bc_maxabs(cpu, (size_t)n * nv);
    if (scale < 1) scale = 1;
    for (cfg = 0; cfg < 4; cfg++) {
        int half = L / 2 > 0 ? L / 2 : 1;
        int n_gpu = cfg == 0 || cfg == 3 ? L + 1 : half, first = cfg == 2;
        int want_layers = cfg == 0 || cfg == 3 ? L : half, want_out = cfg != 1;
        llml_output_place op = cfg == 2 ? LLML_OUTPUT_BACKEND : LLML_OUTPUT_DEFAULT;
        llml_ctx_backend_info bi;
        bc_row *row;
        float *ours;
        int il, ok;
        if (!(bc_configs & (1u << cfg))) continue;
        row = &bc_rows[bc_n_rows < 511 ? bc_n_rows++ : 511];
        memset(row, 0, sizeof(*row));
        snprintf(row->name, sizeof(row->name), "%s", name);
        snprintf(row->config, sizeof(row->config), "%s", cfg_names[cfg]);
        row->n_layer = L;
        row->greedy = -1;
        snprintf(what, sizeof(what), "%s/%s [%s]", dir, name, cfg_names[cfg]);
        c = bc_ctx(m, bk, kv, n_gpu, first, op, cfg == 3 ? 16 : 0);
        if (!c) continue;
        llml_ctx_get_backend(c, &bi);
        row->n_layers = bi.n_layers;
        row->output = bi.output;
        row->n_fallback = bi.n_fallback;
        if (supported == 1) {
            CHECK(bi.n_layers == want_layers && bi.output == want_out && bi.n_fallback == 0,
                  "%s: %d layers (want %d), output %d (want %d), %d fallbacks", what, (int)bi.n_layers, want_layers,
                  (int)bi.output, want_out, (int)bi.n_fallback);
            ok = 1;
            for (il = 0; il < L; il++) {
                int want = first ? il < want_layers : il >= L - want_layers;
                if (llml_ctx_layer_on_backend(c, il) != want) ok = 0;
            }
            CHECK(ok, "%s: the wrong layers are on the backend", what);
        } else {
            int out_on = supported == 2 && want_out;
            CHECK(bi.n_layers == 0 && bi.output == out_on && bi.n_fallback == want_layers + (want_out && !out_on),
                  "%s: unsupported format: %d layers and output %d on the backend, %d fallbacks", what,
                  (int)bi.n_layers, (int)bi.output, (int)bi.n_fallback);
        }
        ours = bc_eval(c, ids, n, nv);
        if (ours) {
            row->maxd_cpu = lc_maxd(ours, cpu, (size_t)n * nv);
            if (!bi.n_layers && !bi.output)
                CHECK(row->maxd_cpu == 0.0, "%s: fallback logits differ from the CPU path (%.3g)", what, row->maxd_cpu);
            {
                double tol = (mode == 2 ? 0.05 : tol_cpu) * scale;
                CHECK(row->maxd_cpu <= tol, "%s: max |diff| vs the CPU path %.3g > %.3g", what, row->maxd_cpu, tol);
            }
            if ((bi.n_layers || bi.output) && row->maxd_cpu / scale > bc_worst_rel) bc_worst_rel = row->maxd_cpu / scale;
            bc_check_ref(what, mode, ours, ref, f32ref, cpu_scalar, n, nv, row);
            /* greedy, one token at a time, all layers on the backend */
            if (cfg == 0 && ng > 0) {
                int i, t = lc_argmax(ours + (size_t)(n - 1) * nv, nv);
                row->greedy = 1;
                for (i = 0; i < ng; i++) {
                    if (t != greedy[i]) { row->greedy = 0; break; }
                    if (i + 1 < ng) {
                        if (llml_decode(c, &t, 1, 0) != LLML_OK) { row->greedy = 0; break; }
                        t = lc_argmax(llml_get_logits(c, -1), nv);
                    }
                }
                if (mode == 0) CHECK(row->greedy == 1, "%s: greedy continuation differs from the reference at token %d", what, i);
            }
            free(ours);
        }
        llml_ctx_free(c);
    }
    free(ref); free(f32ref); free(cpu); free(cpu_scalar);
    llml_model_free(m);
}

static void bc_print_table(const char *title) {
    int i;
    printf("  %s\n", title);
    printf("  %-14s %-6s %7s %6s %5s %12s %10s %10s %10s %s\n", "file", "config", "layers", "output", "fall", "max|d| cpu",
           "rms ref", "max|d| ref", "KL ref", "greedy");
    for (i = 0; i < bc_n_rows; i++) {
        const bc_row *r = &bc_rows[i];
        printf("  %-14s %-6s %3d/%-3d %6s %5d %12.3g %10.3g %10.3g %10.3g %s\n", r->name, r->config, r->n_layers, r->n_layer,
               r->output ? "yes" : "no", r->n_fallback, r->maxd_cpu, r->rms_ref, r->maxd_ref, r->kl_ref,
               r->greedy < 0 ? "-" : r->greedy ? "same" : "differs");
    }
    printf("  largest max |diff| vs the CPU path (relative to max(1, largest logit)) with layers on the backend: %.3g\n",
           bc_worst_rel);
    bc_n_rows = 0;
    bc_worst_rel = 0;
}

/* Every file of arch/, arch-next/ and quant/. supported(type name) says
   whether the backend takes a quant file's format. */
static void bc_check_all(const llml_backend *bk, int (*supported)(const char *quant), double tol_cpu) {
    static const char *arch_files[] = { "llama-f32", "llama3-f32", "llama-moe-f32", "qwen2-f32", "qwen2moe-f32",
                                        "gemma-f32", "gemma2-f32", "phi3-f32" };
    static const char *quant_files[] = { "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k",
                                         "q4_k", "q5_k", "q6_k", "iq1_s", "iq1_m", "iq2_xxs", "iq2_xs", "iq2_s",
                                         "iq3_xxs", "iq3_s", "iq4_nl", "iq4_xs", "tq1_0", "tq2_0" };
    size_t i;
    for (i = 0; i < sizeof(arch_files) / sizeof(arch_files[0]); i++) bc_check_model(bk, "arch", arch_files[i], 0, 1, tol_cpu);
    bc_check_model(bk, "arch-next", "qwen3-f32", 1, 1, tol_cpu);
    bc_check_model(bk, "arch-next", "gemma3-f32", 1, 1, tol_cpu);
    for (i = 0; i < sizeof(quant_files) / sizeof(quant_files[0]); i++)
        bc_check_model(bk, "quant", quant_files[i], i == 0 ? 0 : 2, supported(quant_files[i]), tol_cpu);
}

static uint64_t bc_rng_state = 0x2545F4914F6CDD1Dull;
static float bc_rndf(void) {
    bc_rng_state ^= bc_rng_state << 13; bc_rng_state ^= bc_rng_state >> 7; bc_rng_state ^= bc_rng_state << 17;
    return ((float)((bc_rng_state >> 11) & 0xffffff) / 16777216.0f) * 2.0f - 1.0f;
}


static llml_model *bc_load(const char *rel) {
    llml_model *m = NULL;
    llml_error err;
    if (llml_model_load_file(lc_td(rel), NULL, &m, &err) != LLML_OK) { CHECK(0, "%s: %s", rel, err.message); return NULL; }
    return m;
}

static llml_ctx *bc_ctx_with(const llml_model *m, const llml_backend *const *list, int n_list, int n_gpu, int first,
                          llml_output_place out, llml_result *res, llml_error *err) {
    llml_ctx_desc d;
    llml_ctx *c = NULL;
    memset(&d, 0, sizeof(d));
    d.n_ctx = 128;
    d.kv_type = LLML_KV_F32;
    d.n_threads = 2;
    d.backends = list;
    d.n_backends = n_list;
    d.n_gpu_layers = n_gpu;
    d.gpu_layers_first = first;
    d.output_place = out;
    *res = llml_ctx_create(m, &d, &c, err);
    return c;
}

static double bc_max_rel(const float *a, const float *b, size_t n) {
    double s = bc_maxabs(b, n);
    return lc_maxd(a, b, n) / (s > 1 ? s : 1);
}

/* The KV cache on the backend: state save/load both ways (backend -> CPU,
   CPU -> backend, backend -> backend) and context shift, arch/llama-f32. */

static void bc_check_state(const llml_backend *ref) {
    const llml_backend *list[1];
    llml_model *m = bc_load("arch/llama-f32.gguf");
    llml_ctx *cb = NULL, *cb2 = NULL, *cc = NULL;
    llml_result r;
    llml_error err;
    int32_t ids[48];
    int n = lc_read_ids(lc_td("arch/llama-f32.tokens.txt"), ids, 48), nv = 1024;
    size_t need = 0, got = 0;
    void *st = NULL;
    if (!m || n != 48) { llml_model_free(m); return; }
    list[0] = ref;
    cb = bc_ctx_with(m, list, 1, 99, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    cb2 = bc_ctx_with(m, list, 1, 99, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    cc = bc_ctx_with(m, NULL, 0, 0, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    if (!cb || !cb2 || !cc) goto done;
    /* backend state -> CPU context: the cache rows came off the device */
    CHECK(llml_decode(cb, ids, 24, 0) == LLML_OK, "decode 24");
    CHECK(llml_state_save(cb, NULL, 0, &need) == LLML_ERR_BUFFER_TOO_SMALL, "state size");
    st = malloc(need);
    CHECK(llml_state_save(cb, st, need, &got) == LLML_OK && got == need, "state save from the backend");
    CHECK(llml_state_load(cc, st, need) == LLML_OK && llml_state_load(cb2, st, need) == LLML_OK, "state load");
    CHECK(llml_decode(cb, ids + 24, 24, LLML_DECODE_ALL_LOGITS) == LLML_OK &&
          llml_decode(cb2, ids + 24, 24, LLML_DECODE_ALL_LOGITS) == LLML_OK &&
          llml_decode(cc, ids + 24, 24, LLML_DECODE_ALL_LOGITS) == LLML_OK, "decode after restore");
    CHECK(memcmp(llml_get_logits(cb, 0), llml_get_logits(cb2, 0), (size_t)24 * nv * 4) == 0,
          "backend -> state -> backend: the same logits");
    CHECK(bc_max_rel(llml_get_logits(cc, 0), llml_get_logits(cb, 0), (size_t)24 * nv) < 1e-4,
          "backend -> state -> CPU: logits differ by %.3g", bc_max_rel(llml_get_logits(cc, 0), llml_get_logits(cb, 0), (size_t)24 * nv));
    /* CPU state -> backend context: rows go onto the device */
    free(st); st = NULL;
    llml_ctx_clear(cc); llml_ctx_clear(cb2);
    CHECK(llml_decode(cc, ids, 30, 0) == LLML_OK, "decode 30");
    llml_state_save(cc, NULL, 0, &need);
    st = malloc(need);
    CHECK(llml_state_save(cc, st, need, &got) == LLML_OK && llml_state_load(cb2, st, need) == LLML_OK, "CPU state into the backend");
    CHECK(llml_decode(cc, ids + 30, 18, LLML_DECODE_ALL_LOGITS) == LLML_OK &&
          llml_decode(cb2, ids + 30, 18, LLML_DECODE_ALL_LOGITS) == LLML_OK, "decode after CPU state");
    CHECK(bc_max_rel(llml_get_logits(cb2, 0), llml_get_logits(cc, 0), (size_t)18 * nv) < 1e-4, "CPU -> state -> backend: logits differ");
    /* shift: the same on both */
    llml_ctx_clear(cc); llml_ctx_clear(cb);
    CHECK(llml_decode(cc, ids, 40, 0) == LLML_OK && llml_decode(cb, ids, 40, 0) == LLML_OK, "decode 40");
    CHECK(llml_ctx_shift(cc, 4, 16) == LLML_OK && llml_ctx_shift(cb, 4, 16) == LLML_OK, "shift");
    CHECK(llml_ctx_n_past(cb) == 24, "n_past after shift");
    CHECK(llml_decode(cc, ids + 40, 8, LLML_DECODE_ALL_LOGITS) == LLML_OK &&
          llml_decode(cb, ids + 40, 8, LLML_DECODE_ALL_LOGITS) == LLML_OK, "decode after shift");
    {
        double d = bc_max_rel(llml_get_logits(cb, 0), llml_get_logits(cc, 0), (size_t)8 * nv);
        CHECK(d < 1e-4, "shift: backend vs CPU logits differ by %.3g", d);
        printf("  KV cache on the backend: state save/load both ways and context shift agree with the CPU (shift: %.2g)\n", d);
    }
    /* cancel between layers still works */
    llml_ctx_cancel(cb);
    CHECK(llml_decode(cb, ids, 1, 0) == LLML_ERR_ABORTED, "cancel with a backend");
done:
    free(st);
    llml_ctx_free(cb); llml_ctx_free(cb2); llml_ctx_free(cc);
    llml_model_free(m);
}

/* The matmul hook on blk.1.attn_q of every format the GPU backends take,
   against the reference's own dequantization of that matrix. */

static void bc_check_matmul(const llml_backend *ref) {
    static const char *fmts[] = { "q4_0", "q8_0", "q4_k", "q5_k", "q6_k", "iq4_xs", "f16", "bf16" };
    size_t fi;
    void *st = NULL;
    llml_backend_open od;
    memset(&od, 0, sizeof(od));
    CHECK(ref->open(ref->user, &od, &st) == LLML_OK, "open the reference backend");
    if (!st) return;
    for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
        char rel[128];
        llml_gguf *g = NULL;
        llml_error err;
        float *deq, x[3 * 256], y[3 * 256];
        size_t nd;
        int64_t ti;
        snprintf(rel, sizeof(rel), "quant/%s.gguf", fmts[fi]);
        if (llml_gguf_open_file(lc_td(rel), NULL, &g, &err) != LLML_OK) { CHECK(0, "%s", err.message); continue; }
        snprintf(rel, sizeof(rel), "quant/%s.blk.1.attn_q.f32", fmts[fi]);
        deq = lc_read_f32(lc_td(rel), &nd);
        ti = llml_gguf_find_tensor(g, "blk.1.attn_q.weight");
        if (deq && nd == 256 * 256 && ti >= 0) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, ti);
            llml_backend_weight w;
            double se = 0, sr = 0;
            int i, j, k;
            memset(&w, 0, sizeof(w));
            w.data = t->data; w.type = t->type; w.ne[0] = 256; w.ne[1] = 256; w.ne[2] = 1;
            w.row_bytes = llml_row_size(t->type, 256);
            for (i = 0; i < 3 * 256; i++) x[i] = bc_rndf();
            CHECK(ref->matmul(st, &w, 0, x, 3, y) == LLML_OK, "matmul hook");
            for (k = 0; k < 3; k++)
                for (i = 0; i < 256; i++) {
                    double s = 0;
                    for (j = 0; j < 256; j++) s += (double)deq[i * 256 + j] * x[k * 256 + j];
                    se += (y[k * 256 + i] - s) * (y[k * 256 + i] - s);
                    sr += s * s;
                }
            /* activations quantized to 8 bits (16-bit floats for f16/bf16) */
            CHECK(sqrt(se / sr) < 0.01, "%s: matmul hook vs the reference's dequantized matrix: relative rms %.3g", fmts[fi], sqrt(se / sr));
            CHECK(ref->matmul(st, &w, 1, x, 3, y) == LLML_ERR_INVALID_ARG, "expert out of range");
        } else {
            CHECK(0, "%s: reference data missing", rel);
        }
        free(deq);
        llml_gguf_close(g);
    }
    ref->close(st);
}

/* The matmul hook of backend bk against the reference backend's (the same
   per-part arithmetic, summed in another order) on a matrix large enough for
   a GPU's layouts and row grouping (4100 rows: 8 rows a thread block leaves
   4; n = 4352: 136 parts a row, 4 and a bit a lane), 1 activation row
   (generation) and 3 (a prompt), in the
   formats that the CUDA backend rearranges (Q4_0 Q8_0 Q4_K Q6_K) and two it
   leaves (Q5_K IQ4_XS). */
static void bc_check_big_matmul(const llml_backend *bk) {
    static const llml_type fmts[] = { LLML_TYPE_Q4_0, LLML_TYPE_Q8_0, LLML_TYPE_Q4_K, LLML_TYPE_Q6_K, LLML_TYPE_Q5_K, LLML_TYPE_IQ4_XS };
    const llml_backend *ref = llml_backend_reference();
    const int64_t rows = 4100, n = 4352;
    void *sa = NULL, *sr = NULL;
    llml_backend_open od;
    float *wf = (float *)malloc((size_t)(rows * n) * 4), x[3 * 4352], *ya = (float *)malloc((size_t)(3 * rows) * 4),
          *yr = (float *)malloc((size_t)(3 * rows) * 4);
    void *wq = malloc(llml_row_size(LLML_TYPE_Q8_0, n) * (size_t)rows);
    size_t fi;
    int64_t i;
    memset(&od, 0, sizeof(od));
    CHECK(bk->open(bk->user, &od, &sa) == LLML_OK && ref->open(ref->user, &od, &sr) == LLML_OK, "open the backends");
    if (!sa || !sr || !wf || !ya || !yr || !wq) goto done;
    for (i = 0; i < rows * n; i++) wf[i] = bc_rndf();
    for (i = 0; i < 3 * n; i++) x[i] = bc_rndf();
    for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
        llml_backend_weight w;
        int nt;
        memset(&w, 0, sizeof(w));
        w.data = wq; w.type = fmts[fi]; w.ne[0] = n; w.ne[1] = rows; w.ne[2] = 1; w.row_bytes = llml_row_size(fmts[fi], n);
        CHECK(llml_quantize_rows(fmts[fi], wf, wq, rows, n, NULL) == LLML_OK, "quantize");
        for (nt = 1; nt <= 3; nt += 2) {
            double worst = 0, big = 1;
            int64_t k;
            llml_result a = bk->matmul(sa, &w, 0, x, nt, ya), b = ref->matmul(sr, &w, 0, x, nt, yr);
            CHECK(a == LLML_OK && b == LLML_OK, "%s: matmul hook: %s / %s", llml_type_get_info(fmts[fi])->name,
                  llml_result_string(a), llml_result_string(b));
            if (a != LLML_OK || b != LLML_OK) continue;
            for (k = 0; k < nt * rows; k++) if (fabs(yr[k]) > big) big = fabs(yr[k]);
            for (k = 0; k < nt * rows; k++) if (fabs((double)ya[k] - yr[k]) > worst) worst = fabs((double)ya[k] - yr[k]);
            printf("  %-7s %4lld x %lld, %d activation row%s: backend vs reference backend: max |diff| %.3g (relative)\n",
                   llml_type_get_info(fmts[fi])->name, (long long)rows, (long long)n, nt, nt > 1 ? "s" : "", worst / big);
            CHECK(worst / big < 1e-5, "%s, %d rows: backend vs reference backend: %.3g", llml_type_get_info(fmts[fi])->name, nt, worst / big);
        }
    }
done:
    if (sa) bk->close(sa);
    if (sr) ref->close(sr);
    free(wf); free(ya); free(yr); free(wq);
}

#endif
