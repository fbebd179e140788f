/* tests/test_backend.c - the backend hooks, through the reference backend
   (plain C on the CPU, with the CUDA kernels' arithmetic).
   1. The device arithmetic against the CPU's: half floats (every value),
      the activation quantizers (levels, scales and sums equal the CPU's
      Q8_0/Q8_K blocks), the decoding of weight parts of every GPU format
      (equal to llml_dequantize_row), on random data.
   2. Every model of ../shared/testdata/{arch,arch-next,quant} with all
      layers, the last half, the first half (+ output), and in pieces on the
      backend (tests/backend_check.h): CPU path and reference tolerances;
      formats the backend lacks fall back to the CPU.
   3. A model mixing formats (layer 0 Q4_1, layer 1 Q4_0, output Q5_0):
      per-layer fallback.
   4. KV cache on the backend: state save/restore, context shift.
   5. The matmul hook against the reference's own dequantization.
   6. Placement: auto (llml_plan_compute's count for the device's free
      memory), the priority list, a backend without a device, out of device
      memory. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include "backend_check.h"

/* ---- 1. device arithmetic ---------------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static float rndf(void) { return ((float)(rnd() & 0xffffff) / 16777216.0f) * 2.0f - 1.0f; }

static void test_halves(void) {
    uint32_t i, bad = 0, bad2 = 0, bad3 = 0;
    for (i = 0; i < 65536; i++) {
        float a = llml__g_h2f((uint16_t)i), b = llml_fp16_to_fp32((uint16_t)i);
        /* bit for bit, except NaN payloads: on 32-bit x86 a float returned
           in an x87 register has its signalling NaNs quieted */
        if (memcmp(&a, &b, 4) != 0 && !(a != a && b != b)) bad++;
        if (llml__g_bf2f((uint16_t)i) != llml_bf16_to_fp32((uint16_t)i) && llml_bf16_to_fp32((uint16_t)i) == llml_bf16_to_fp32((uint16_t)i)) bad3++;
    }
    for (i = 0; i < 200000; i++) {
        uint32_t u = rnd() ^ (rnd() << 21);
        float f;
        memcpy(&f, &u, 4);
        if (i < 1000) f = rndf() * 70000.0f;
        if (llml__g_f2h(f) != llml_fp32_to_fp16(f)) bad2++;
        if (llml__g_f2bf(f) != llml_fp32_to_bf16(f)) bad2++;
    }
    CHECK(bad == 0, "half -> float differs from llml_fp16_to_fp32 for %u values", bad);
    CHECK(bad3 == 0, "bf16 -> float differs for %u values", bad3);
    CHECK(bad2 == 0, "float -> half/bf16 differs for %u values", bad2);
}

static void test_actq(void) {
    float x[1024];
    uint8_t blk[34 * 32], kb[292 * 4], mine[34];
    int8_t q[1024];
    float d[32];
    int32_t s[32];
    int i, j, b, bad = 0, rep;
    for (rep = 0; rep < 20; rep++) {
        for (i = 0; i < 1024; i++) x[i] = rndf() * (rep % 3 == 0 ? 100.0f : 1.0f);
        if (rep == 1) for (i = 0; i < 32; i++) x[i] = 0.0f;       /* an all-zero block */
        if (rep == 2) x[5] = 1e30f;
        llml_quantize_rows(LLML_TYPE_Q8_0, x, blk, 1, 1024, NULL);
        for (b = 0; b < 32; b++) {
            llml__g_actq_q8_0(x + 32 * b, q + 32 * b, d + b, s + b);
            llml__g_q8_0_block(x + 32 * b, mine);
            if (memcmp(mine, blk + 34 * b, 34) != 0) bad++;
            if (d[b] != llml_fp16_to_fp32((uint16_t)(blk[34 * b] | (blk[34 * b + 1] << 8)))) bad++;
            for (j = 0; j < 32; j++) if (q[32 * b + j] != (int8_t)blk[34 * b + 2 + j]) bad++;
        }
        llml_quantize_rows(LLML_TYPE_Q8_K, x, kb, 1, 1024, NULL);
        for (b = 0; b < 4; b++) {
            const llml__block_q8_K *k = (const llml__block_q8_K *)(const void *)(kb + 292 * b);
            llml__g_actq_q8_k(x + 256 * b, q, d, s);
            for (j = 0; j < 256; j++) if (q[j] != k->qs[j]) bad++;
            for (j = 0; j < 8; j++) {
                if (d[j] != k->d) bad++;
                if (s[j] != k->bsums[2 * j] + k->bsums[2 * j + 1]) bad++;
            }
        }
    }
    CHECK(bad == 0, "device activation quantizers differ from the CPU's (%d values)", bad);
}

static void test_parts(void) {
    static const llml_type types[] = { LLML_TYPE_Q4_0, LLML_TYPE_Q8_0, LLML_TYPE_Q4_K, LLML_TYPE_Q5_K, LLML_TYPE_Q6_K, LLML_TYPE_IQ4_XS };
    float x[512], deq[512], act[512];
    uint8_t w[1024];
    size_t ti;
    for (ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
        llml_type t = types[ti];
        int rep, bad = 0, p, i;
        double worst = 0;
        for (rep = 0; rep < 10; rep++) {
            for (i = 0; i < 512; i++) x[i] = rndf() * (1.0f + (float)(i % 7));
            llml_quantize_rows(t, x, w, 1, 512, NULL);
            llml_dequantize_row(t, w, deq, 512);
            for (p = 0; p < 16; p++) {
                llml__gpart gp;
                llml__g_part(t, w, p, &gp);
                for (i = 0; i < 32; i++) {
                    int lv = (int8_t)(uint8_t)(gp.q[(i & 15) / 4 + (i >= 16 ? 4 : 0)] >> (8 * (i & 3)));
                    float v = (i < 16 ? gp.s0 : gp.s1) * (float)lv - gp.m;
                    if (v != deq[32 * p + i]) bad++;
                }
            }
            /* the part products against llml_vec_dot (same activations) */
            {
                llml_type vdt = llml_type_get_info(t)->vec_dot_type;
                uint8_t ab[1024];
                int8_t aq[512];
                float ad[16], ref, ours = 0.0f;
                int32_t as[16];
                for (i = 0; i < 512; i++) act[i] = rndf();
                llml_quantize_rows(vdt, act, ab, 1, 512, NULL);
                llml_vec_dot(t, 512, w, ab, &ref);
                for (p = 0; p < 16; p++) {
                    if (vdt == LLML_TYPE_Q8_K) { if (p % 8 == 0) llml__g_actq_q8_k(act + 32 * p, aq + 32 * p, ad + p, as + p); }
                    else llml__g_actq_q8_0(act + 32 * p, aq + 32 * p, ad + p, as + p);
                }
                for (p = 0; p < 16; p++) {
                    llml__gpart gp;
                    llml__g_part(t, w, p, &gp);
                    ours += llml__g_part_dot(&gp, (const uint32_t *)(const void *)(aq + 32 * p), ad[p], as[p]);
                }
                if (fabs((double)ours - ref) > worst) worst = fabs((double)ours - ref) / (1.0 + fabs(ref));
            }
        }
        CHECK(bad == 0, "%s: %d weights of the device decoding differ from llml_dequantize_row", llml_type_get_info(t)->name, bad);
        CHECK(worst < 1e-5, "%s: part products differ from llml_vec_dot by %.3g (relative)", llml_type_get_info(t)->name, worst);
    }
}

/* ---- 2. every reference model ------------------------------------------ */

static int ref_supported(const char *q) {
    static const char *yes[] = { "f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "iq4_xs" };
    static const char *out_only[] = { "iq1_s", "iq2_xxs", "iq2_xs", "iq2_s" };
    size_t i;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) if (strcmp(q, yes[i]) == 0) return 1;
    for (i = 0; i < sizeof(out_only) / sizeof(out_only[0]); i++) if (strcmp(q, out_only[i]) == 0) return 2;
    return 0;
}

/* ---- 3. a model mixing formats -------------------------------------------- */

typedef struct membuf { uint8_t *p; size_t n, cap; } membuf;
static size_t mem_write(void *user, const void *src, size_t n) {
    membuf *b = (membuf *)user;
    if (b->n + n > b->cap) {
        size_t nc = (b->n + n) * 2;
        uint8_t *q = (uint8_t *)realloc(b->p, nc);
        if (!q) return 0;
        b->p = q; b->cap = nc;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return n;
}

/* quant/f32.gguf with layer 0 in Q4_1 (the backend lacks it), layer 1 in
   Q4_0, the output matrix in Q5_0 (lacking too). */
static void test_mixed(const llml_backend *ref) {
    llml_gguf *g = NULL;
    llml_gguf_writer *w = NULL;
    llml_error err;
    membuf out = { NULL, 0, 0 };
    void **bufs;
    int64_t i, nt;
    llml_model *m = NULL;
    int ok = 1;
    if (llml_gguf_open_file(lc_td("quant/f32.gguf"), NULL, &g, &err) != LLML_OK) { CHECK(0, "open: %s", err.message); return; }
    nt = llml_gguf_n_tensors(g);
    bufs = (void **)calloc((size_t)nt, sizeof(void *));
    ok = llml_gguf_writer_create(NULL, &w) == LLML_OK;
    for (i = 0; ok && i < llml_gguf_n_kv(g); i++) ok = llml_gguf_writer_copy_kv(w, g, i) == LLML_OK;
    for (i = 0; ok && i < nt; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        llml_type ty = t->type;
        const void *data = t->data;
        uint64_t size = t->size;
        if (t->n_dims == 2 && t->type == LLML_TYPE_F32) {
            if (strncmp(t->name, "blk.0.", 6) == 0) ty = LLML_TYPE_Q4_1;
            else if (strncmp(t->name, "blk.1.", 6) == 0) ty = LLML_TYPE_Q4_0;
            else if (strcmp(t->name, "output.weight") == 0) ty = LLML_TYPE_Q5_0;
        }
        if (ty != t->type) {
            size = llml_row_size(ty, t->ne[0]) * (uint64_t)t->ne[1];
            bufs[i] = malloc((size_t)size);
            ok = bufs[i] && llml_quantize_rows(ty, (const float *)t->data, bufs[i], t->ne[1], t->ne[0], NULL) == LLML_OK;
            data = bufs[i];
        }
        if (ok) ok = llml_gguf_writer_add_tensor(w, t->name, ty, t->n_dims, t->ne, data, size) == LLML_OK;
    }
    if (ok) ok = llml_gguf_writer_write(w, mem_write, &out) == LLML_OK;
    CHECK(ok, "building the mixed model");
    if (ok && llml_model_load_memory(out.p, out.n, NULL, &m, &err) != LLML_OK) { CHECK(0, "load mixed: %s", err.message); ok = 0; }
    if (ok) {
        const llml_backend *list[1];
        llml_ctx *c0, *c1, *c2;
        llml_result r;
        llml_ctx_backend_info bi;
        int32_t ids[48];
        int n = lc_read_ids(lc_td("quant/f32.tokens.txt"), ids, 48);
        float *a = NULL, *b = NULL, *e = NULL;
        list[0] = ref;
        c0 = bc_ctx_with(m, NULL, 0, 0, 0, LLML_OUTPUT_DEFAULT, &r, &err);
        c1 = bc_ctx_with(m, list, 1, 3, 0, LLML_OUTPUT_DEFAULT, &r, &err);         /* all layers asked for */
        c2 = bc_ctx_with(m, list, 1, 1, 1, LLML_OUTPUT_DEFAULT, &r, &err);         /* layer 0 asked for */
        if (c0 && c1 && c2 && n == 48) {
            llml_ctx_get_backend(c1, &bi);
            CHECK(bi.n_layers == 1 && !bi.output && bi.n_fallback == 2 && !llml_ctx_layer_on_backend(c1, 0) &&
                  llml_ctx_layer_on_backend(c1, 1) && !llml_ctx_layer_on_backend(c1, 2),
                  "mixed: layer 1 alone on the backend (%d layers, output %d, %d fallbacks)", (int)bi.n_layers,
                  (int)bi.output, (int)bi.n_fallback);
            llml_ctx_get_backend(c2, &bi);
            CHECK(bi.n_layers == 0 && !bi.output && bi.n_fallback == 1, "mixed, first layer: nothing on the backend");
            a = bc_eval(c0, ids, n, 1024);
            b = bc_eval(c1, ids, n, 1024);
            e = bc_eval(c2, ids, n, 1024);
            if (a && b && e) {
                double rel = bc_max_rel(b, a, (size_t)n * 1024), rms = lc_rms(b, a, (size_t)n * 1024);
                printf("  mixed formats, layer 1 on the backend: max |diff| vs CPU %.3g (relative), rms %.3g\n", rel, rms);
                CHECK(rel < 0.05 && rms < 2e-3, "mixed: backend vs CPU: max %.3g rms %.3g", rel, rms);
                CHECK(memcmp(a, e, (size_t)n * 1024 * 4) == 0, "mixed: all-fallback logits equal the CPU's");
            }
        }
        free(a); free(b); free(e);
        llml_ctx_free(c0); llml_ctx_free(c1); llml_ctx_free(c2);
        llml_model_free(m);
    }
    for (i = 0; i < nt; i++) free(bufs[i]);
    free(bufs);
    free(out.p);
    llml_gguf_writer_free(w);
    llml_gguf_close(g);
}

/* ---- 6. placement, the priority list, errors ------------------------------- */

static llml_result nodev_open(void *user, const llml_backend_open *desc, void **state) {
    (void)user; (void)desc; *state = NULL;
    return LLML_ERR_UNSUPPORTED;
}

static void test_placement(const llml_backend *ref) {
    llml_model *m = bc_load("arch/gemma2-f32.gguf");
    llml_backend nodev = *ref, limited = *ref;
    llml_backend_reference_options opt;
    const llml_backend *list[2];
    llml_ctx *c;
    llml_result r;
    llml_error err;
    llml_ctx_backend_info bi;
    llml_model_info info;
    llml_gguf *hdr = NULL;
    llml_gguf_desc gd;
    if (!m) return;
    llml_model_get_info(m, &info);
    nodev.name = "nodev";
    nodev.open = nodev_open;
    /* the priority list: the first that opens a device */
    list[0] = &nodev; list[1] = ref;
    c = bc_ctx_with(m, list, 2, 0, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    CHECK(r == LLML_OK && c, "ctx with [nodev, reference]");
    if (c) {
        llml_ctx_get_backend(c, &bi);
        CHECK(strcmp(bi.name, "reference") == 0 && bi.n_layers == info.n_layer && bi.output == 1,
              "auto with 64 GiB: every layer and the output on the second backend (%s, %d, %d)", bi.name, (int)bi.n_layers, (int)bi.output);
        llml_ctx_free(c);
    }
    c = bc_ctx_with(m, list, 1, 0, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    CHECK(r == LLML_OK && c, "ctx with [nodev]");
    if (c) {
        llml_ctx_get_backend(c, &bi);
        CHECK(bi.name[0] == 0 && bi.n_layers == 0, "no device: the CPU alone");
        llml_ctx_free(c);
    }
    list[0] = ref;
    c = bc_ctx_with(m, list, 1, LLML_GPU_LAYERS_NONE, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    if (c) { llml_ctx_get_backend(c, &bi); CHECK(bi.name[0] == 0, "LLML_GPU_LAYERS_NONE: no backend"); llml_ctx_free(c); }
    c = bc_ctx_with(m, list, 1, -2, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    CHECK(r == LLML_ERR_INVALID_ARG && !c, "n_gpu_layers -2 rejected");
    c = bc_ctx_with(m, list, 1, 3, 0, (llml_output_place)7, &r, &err);
    CHECK(r == LLML_ERR_INVALID_ARG && !c, "bad output_place rejected");
    /* out of device memory with an explicit count */
    memset(&opt, 0, sizeof(opt));
    opt.memory_bytes = 4096;
    limited.user = &opt;
    list[0] = &limited;
    c = bc_ctx_with(m, list, 1, 5, 0, LLML_OUTPUT_DEFAULT, &r, &err);
    CHECK(r == LLML_ERR_OUT_OF_MEMORY && !c && strstr(err.message, "device memory"), "out of device memory: %s", err.message);
    /* auto: the plan's count for the device's free memory */
    memset(&gd, 0, sizeof(gd));
    gd.header_only = 1;
    if (llml_gguf_open_file(lc_td("arch/gemma2-f32.gguf"), &gd, &hdr, &err) == LLML_OK) {
        int32_t want = info.n_layer / 2, got_k = -1;
        uint64_t lo = 1, hi = (uint64_t)4 << 30;
        llml_plan_desc pd;
        llml_plan p;
        llml_device dv;
        /* the smallest memory for which the plan places half the layers */
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            memset(&pd, 0, sizeof(pd)); memset(&dv, 0, sizeof(dv));
            dv.name = "t"; dv.kind = LLML_DEVICE_GPU; dv.mem_gb = (double)mid / 1e9; dv.bw_gbs = 100;
            pd.gguf = hdr; pd.n_ctx = 128; pd.kv_type = LLML_KV_F32; pd.n_batch = 128; pd.n_threads = 2;
            pd.device = &dv; pd.n_gpu_layers = -1;
            if (llml_plan_compute(&pd, &p, &err) != LLML_OK) break;
            if (p.n_gpu_layers_max >= want) hi = mid; else lo = mid + 1;
        }
        opt.memory_bytes = lo;
        c = bc_ctx_with(m, list, 1, LLML_GPU_LAYERS_AUTO, 0, LLML_OUTPUT_DEFAULT, &r, &err);
        CHECK(r == LLML_OK && c, "auto with %llu bytes: %s", (unsigned long long)lo, err.message);
        if (c) {
            llml_ctx_get_backend(c, &bi);
            got_k = bi.n_layers;
            CHECK(bi.n_layers == want && !bi.output && llml_ctx_layer_on_backend(c, info.n_layer - 1) &&
                  !llml_ctx_layer_on_backend(c, info.n_layer - want - 1),
                  "auto: %d layers on the backend, the plan says %d for %.3f GB", (int)bi.n_layers, (int)want, (double)lo / 1e9);
            CHECK(bi.device_bytes <= lo, "auto: the backend holds %llu bytes of %llu", (unsigned long long)bi.device_bytes,
                  (unsigned long long)lo);
            llml_ctx_free(c);
        }
        printf("  auto placement: %d of %d layers for %.3f GB of device memory (llml_plan_compute: %d)\n", (int)got_k,
               (int)info.n_layer, (double)lo / 1e9, (int)want);
        llml_gguf_close(hdr);
    }
    llml_model_free(m);
}

int main(void) {
    const llml_backend *ref = llml_backend_reference();
    CHECK(ref && strcmp(ref->name, "reference") == 0, "reference backend");
    CHECK(llml_backend_cuda() == NULL, "no CUDA backend in a cc build");
    CHECK(llml_backend_metal() == NULL, "no Metal backend here");
    test_halves();
    test_actq();
    test_parts();
    bc_check_all(ref, ref_supported, 1e-3);
    bc_print_table("reference backend vs the CPU path and the reference's logits:");
    test_mixed(ref);
    bc_check_state(ref);
    bc_check_matmul(ref);
    (void)bc_check_big_matmul;   /* against this backend: for the GPU backends (test_cuda, test_cuda_emu) */
    test_placement(ref);
    return check_summary("test_backend");
}
