/* tests/test_model.c - the forward pass against the reference's logits.
   For every model in ../shared/testdata/{arch,arch-next,quant,real}: the
   48 (or prompt) tokens in one batch from an empty cache give the
   reference's logits (F32 files: max |diff| <= 2e-3 and the reference's
   greedy continuation exactly; arch-next with an F16 cache: max |diff| <=
   1e-2; quantized files: the rms and KL bounds of the issue, computed from
   the reference's own files). Also: one token at a time == the batch,
   1 thread == 2 threads bit for bit, state save/restore, context shift,
   weights used in place, and errors for bad models.
   LLML_TEST_ISA=scalar|avx2|avx512|neon|neon-dotprod|neon-i8mm caps the kernels of
   every context (tests/model_isa.sh runs the whole test at each level
   below the CPU's best; an ISA the CPU lacks runs nothing). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include "logits_check.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>

static llml_isa g_isa = LLML_ISA_DEFAULT;   /* LLML_TEST_ISA */
static llml_model *load(const char *path) {
    llml_model *m = NULL;
    llml_error err;
    llml_result r = llml_model_load_file(path, NULL, &m, &err);
    CHECK(r == LLML_OK, "%s: load failed: %s", path, err.message);
    return r == LLML_OK ? m : NULL;
}

static llml_ctx *make_ctx(const llml_model *m, llml_kv_type kv, int threads, int n_ctx) {
    llml_ctx_desc d;
    llml_ctx *c = NULL;
    llml_error err;
    memset(&d, 0, sizeof(d));
    d.n_ctx = n_ctx; d.kv_type = kv; d.n_threads = threads; d.isa_cap = g_isa;
    CHECK(llml_ctx_create(m, &d, &c, &err) == LLML_OK, "ctx_create: %s", err.message);
    return c;
}

/* Evaluate ids in one batch; returns malloc'd n x nv logits. */
static float *eval_batch(llml_ctx *c, const int32_t *ids, int n, int nv) {
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

typedef struct { const char *name; double rms, maxd, kl, ref_rms, ref_kl; int greedy_ok; } row_t;
static row_t table[64];
static int n_table;

/* dir/name: one reference file set. mode 0: F32 (2e-3 + greedy), 1: arch-next
   (F16 cache, 1e-2), 2: quantized (rms/KL bounds vs quant/f32). */
static void check_file(const char *dir, const char *name, int mode) {
    char rel[256];
    int32_t ids[512], greedy[128];
    int n, ng, nv, i;
    size_t nref, nf32;
    float *ref, *ours, *f32ref = NULL;
    llml_model *m;
    llml_ctx *c;
    llml_model_info info;
    row_t *row = &table[n_table++];
    memset(row, 0, sizeof(*row));
    row->name = name;
    snprintf(rel, sizeof(rel), "%s/%s.tokens.txt", dir, name);
    n = lc_read_ids(lc_td(rel), ids, 512);
    CHECK(n > 0, "%s: no tokens", rel);
    if (n <= 0) return;
    snprintf(rel, sizeof(rel), "%s/%s.gguf", dir, name);
    m = load(lc_td(rel));
    if (!m) return;
    llml_model_get_info(m, &info);
    nv = info.n_vocab;
    snprintf(rel, sizeof(rel), "%s/%s.logits.f32", dir, name);
    ref = lc_read_f32(lc_td(rel), &nref);
    CHECK(ref && nref == (size_t)n * nv, "%s: reference logits missing or wrong size", rel);
    c = make_ctx(m, mode == 1 ? LLML_KV_F16 : LLML_KV_F32, 2, 256);
    if (!ref || !c) { free(ref); llml_ctx_free(c); llml_model_free(m); return; }
    ours = eval_batch(c, ids, n, nv);
    if (!ours) { free(ref); llml_ctx_free(c); llml_model_free(m); return; }
    row->rms = lc_rms(ours, ref, nref);
    row->maxd = lc_maxd(ours, ref, nref);
    row->kl = lc_mean_kl(ref, ours, n, nv);
    if (mode == 0) {
        CHECK(row->maxd <= 2e-3, "%s: max |diff| %.3g > 2e-3", name, row->maxd);
    } else if (mode == 1) {
        CHECK(row->maxd <= 1e-2, "%s: max |diff| %.3g > 1e-2", name, row->maxd);
    } else {
        f32ref = lc_read_f32(lc_td("quant/f32.logits.f32"), &nf32);
        CHECK(f32ref && nf32 == nref, "quant/f32.logits.f32 missing");
        if (f32ref && nf32 == nref) {
            double lim_rms, lim_kl;
            row->ref_rms = lc_rms(ref, f32ref, nref);
            row->ref_kl = lc_mean_kl(f32ref, ref, n, nv);
            lim_rms = 0.25 * row->ref_rms > 0.01 ? 0.25 * row->ref_rms : 0.01;
            lim_kl = 0.05 * row->ref_kl > 2e-5 ? 0.05 * row->ref_kl : 2e-5;
            CHECK(row->rms <= lim_rms, "%s: rms %.4g > %.4g", name, row->rms, lim_rms);
            CHECK(row->kl <= lim_kl, "%s: KL %.4g > %.4g", name, row->kl, lim_kl);
        }
    }
    /* greedy continuation */
    snprintf(rel, sizeof(rel), "%s/%s.greedy.txt", dir, name);
    {
        FILE *f = fopen(lc_td(rel), "r");
        char line[4096];
        ng = 0;
        if (f && fgets(line, sizeof(line), f)) {
            char *p = line, *e;
            long v;
            while (ng < 128 && (v = strtol(p, &e, 10), e != p)) { greedy[ng++] = (int32_t)v; p = e; }
        }
        if (f) fclose(f);
    }
    if (ng > 0) {
        int ok = 1;
        int32_t t = lc_argmax(ours + (size_t)(n - 1) * nv, nv);
        for (i = 0; i < ng; i++) {
            if (t != greedy[i]) { ok = 0; break; }
            if (i + 1 < ng) {
                if (llml_decode(c, &t, 1, 0) != LLML_OK) { ok = 0; break; }
                t = lc_argmax(llml_get_logits(c, -1), nv);
            }
        }
        row->greedy_ok = ok;
        if (mode != 2) CHECK(ok, "%s: greedy continuation differs from the reference at token %d", name, i);
    }
    free(ours); free(ref); free(f32ref);
    llml_ctx_free(c);
    llml_model_free(m);
}

/* One at a time == batch; 1 thread == 2 threads; save/restore; shift. */
static void check_consistency(const char *rel_model, llml_kv_type kv) {
    int32_t ids[512];
    int n, nv, i;
    llml_model *m;
    llml_ctx *c1, *c2;
    llml_model_info info;
    float *b1, *b2, *seq;
    double worst = 0, scale = 0;
    char rel[256];
    snprintf(rel, sizeof(rel), "%s.tokens.txt", rel_model);
    n = lc_read_ids(lc_td(rel), ids, 512);
    snprintf(rel, sizeof(rel), "%s.gguf", rel_model);
    m = load(lc_td(rel));
    if (!m || n <= 0) { llml_model_free(m); return; }
    llml_model_get_info(m, &info);
    nv = info.n_vocab;
    c1 = make_ctx(m, kv, 1, 128);
    c2 = make_ctx(m, kv, 2, 128);
    if (!c1 || !c2) { llml_ctx_free(c1); llml_ctx_free(c2); llml_model_free(m); return; }
    b1 = eval_batch(c1, ids, n, nv);
    b2 = eval_batch(c2, ids, n, nv);
    CHECK(b1 && b2 && memcmp(b1, b2, (size_t)n * nv * 4) == 0, "%s: 1 and 2 threads differ", rel_model);
    /* one token at a time */
    seq = (float *)malloc((size_t)n * nv * 4);
    llml_ctx_clear(c2);
    for (i = 0; i < n; i++) {
        CHECK(llml_decode(c2, &ids[i], 1, 0) == LLML_OK, "decode 1");
        memcpy(seq + (size_t)i * nv, llml_get_logits(c2, -1), (size_t)nv * 4);
    }
    for (i = 0; i < n * nv; i++) {
        double d = fabs((double)seq[i] - b1[i]);
        if (d > worst) worst = d;
        if (fabs(b1[i]) > scale) scale = fabs(b1[i]);
    }
    CHECK(worst <= 1e-4 * (scale > 1 ? scale : 1), "%s: one-at-a-time vs batch differ by %.3g (scale %.3g)", rel_model, worst, scale);
    printf("  %-28s 1 vs 2 threads identical; one-at-a-time vs batch max diff %.2e (max |logit| %.2f)\n", rel_model, worst, scale);
    /* save after half, restore into c1, continue: same logits as the batch */
    {
        size_t need = 0, got = 0;
        void *buf;
        int h = n / 2;
        llml_ctx_clear(c2);
        CHECK(llml_decode(c2, ids, h, 0) == LLML_OK, "decode half");
        CHECK(llml_state_save(c2, NULL, 0, &need) == LLML_ERR_BUFFER_TOO_SMALL && need > 0, "state size");
        buf = malloc(need);
        CHECK(llml_state_save(c2, buf, need, &got) == LLML_OK && got == need, "state save");
        llml_ctx_clear(c1);
        CHECK(llml_state_load(c1, buf, need) == LLML_OK, "state load: %s", llml_ctx_last_error(c1));
        CHECK(llml_ctx_n_past(c1) == h, "restored n_past");
        CHECK(memcmp(llml_get_logits(c1, -1), b1 + (size_t)(h - 1) * nv, (size_t)nv * 4) == 0, "restored logits equal");
        CHECK(llml_decode(c1, ids + h, n - h, LLML_DECODE_ALL_LOGITS) == LLML_OK, "decode after restore");
        worst = 0;
        for (i = 0; i < (n - h) * nv; i++) {
            double d = fabs((double)llml_get_logits(c1, 0)[i] - b1[(size_t)h * nv + i]);
            if (d > worst) worst = d;
        }
        CHECK(worst <= 1e-4 * (scale > 1 ? scale : 1), "%s: after restore logits differ by %.3g", rel_model, worst);
        CHECK(llml_state_load(c1, buf, need - 1) == LLML_ERR_TRUNCATED, "truncated state rejected");
        ((unsigned char *)buf)[0] ^= 0xff;
        CHECK(llml_state_load(c1, buf, need) == LLML_ERR_BAD_MAGIC, "bad magic rejected");
        free(buf);
    }
    /* shift: drop 8 tokens after the first 4. Layer 0's keys and values
       depend only on each token and its position, so after the shift they
       must equal those of a fresh batch of the remaining tokens (read from
       the state buffers: 32-byte header, n_past token ids, then layer 0's K
       rows and V rows). Later layers saw the dropped tokens, so logits
       legitimately differ; the shifted context must still decode. */
    {
        int keep = 4, drop = 8, rest = n - keep - drop, np = n - drop;
        int32_t *ids2 = (int32_t *)malloc((size_t)np * 4);
        size_t sa = 0, sb = 0, rowb, kv_bytes;
        unsigned char *bufa, *bufb;
        memcpy(ids2, ids, (size_t)keep * 4);
        memcpy(ids2 + keep, ids + keep + drop, (size_t)rest * 4);
        llml_ctx_clear(c1);
        CHECK(llml_decode(c1, ids2, np, 0) == LLML_OK, "fresh batch");
        llml_ctx_clear(c2);
        CHECK(llml_decode(c2, ids, n, 0) == LLML_OK, "decode for shift");
        CHECK(llml_ctx_shift(c2, keep, drop) == LLML_OK, "shift");
        CHECK(llml_ctx_n_past(c2) == np, "n_past after shift");
        CHECK(memcmp(llml_ctx_tokens(c2), ids2, (size_t)np * 4) == 0, "tokens after shift");
        llml_state_save(c1, NULL, 0, &sa);
        llml_state_save(c2, NULL, 0, &sb);
        CHECK(sa == sb, "state sizes");
        bufa = (unsigned char *)malloc(sa); bufb = (unsigned char *)malloc(sb);
        llml_state_save(c1, bufa, sa, &sa);
        llml_state_save(c2, bufb, sb, &sb);
        rowb = (size_t)info.n_head_kv * info.head_dim * (kv == LLML_KV_F32 ? 4 : 2);
        kv_bytes = (size_t)np * rowb;
        if (kv == LLML_KV_F32 && sa == sb) {
            const float *ka = (const float *)(void *)(bufa + 32 + (size_t)np * 4), *kb = (const float *)(void *)(bufb + 32 + (size_t)np * 4);
            double w = lc_maxd(ka, kb, kv_bytes / 4), kmax = 0;
            for (i = 0; i < (int)(kv_bytes / 4); i++) if (fabs(ka[i]) > kmax) kmax = fabs(ka[i]);
            CHECK(w <= 1e-5 * (kmax > 1 ? kmax : 1), "%s: layer-0 keys after shift differ from fresh ones by %.3g", rel_model, w);
            CHECK(memcmp(bufa + 32 + (size_t)np * 4 + kv_bytes, bufb + 32 + (size_t)np * 4 + kv_bytes, kv_bytes) == 0,
                  "%s: layer-0 values after shift", rel_model);
            printf("  %-28s shift(keep 4, drop 8): layer-0 keys vs fresh batch max diff %.2e (max |k| %.2f)\n", rel_model, w, kmax);
        }
        CHECK(llml_decode(c2, &ids[1], 1, 0) == LLML_OK, "decode after shift");
        free(bufa); free(bufb); free(ids2);
    }
    free(seq); free(b1); free(b2);
    llml_ctx_free(c1); llml_ctx_free(c2);
    llml_model_free(m);
}

static void check_errors(void) {
    llml_model *m = NULL;
    llml_error err;
    llml_ctx *c;
    int32_t bad = 5000, ok = 1;
    /* a tokenizer-only file has no architecture we run */
    CHECK(llml_model_load_file(lc_td("vocab/ggml-vocab-llama-spm.gguf"), NULL, &m, &err) != LLML_OK && m == NULL,
          "vocab-only file must not load as a model");
    CHECK(llml_model_load_file(lc_td("does-not-exist.gguf"), NULL, &m, &err) == LLML_ERR_IO, "missing file: IO error");
    m = load(lc_td("arch/llama-f32.gguf"));
    if (!m) return;
    c = make_ctx(m, LLML_KV_F32, 1, 16);
    if (c) {
        int32_t many[17];
        int i;
        for (i = 0; i < 17; i++) many[i] = 1;
        CHECK(llml_decode(c, &bad, 1, 0) == LLML_ERR_INVALID_ARG, "token out of range");
        CHECK(strstr(llml_ctx_last_error(c), "out of range") != NULL, "message names the problem");
        CHECK(llml_decode(c, many, 17, 0) == LLML_ERR_CONTEXT_FULL, "context full");
        CHECK(llml_ctx_n_past(c) == 0, "nothing added when full");
        llml_ctx_cancel(c);
        CHECK(llml_decode(c, &ok, 1, 0) == LLML_ERR_ABORTED, "cancel aborts");
        CHECK(llml_decode(c, &ok, 1, 0) == LLML_OK, "the next call runs");
        llml_ctx_free(c);
    }
    llml_model_free(m);
}

typedef struct { unsigned char *p; size_t n, cap; } membuf;
static size_t mem_write(void *user, const void *src, size_t n) {
    membuf *b = (membuf *)user;
    if (b->n + n > b->cap) {
        size_t nc = (b->n + n) * 2;
        unsigned char *q = (unsigned char *)realloc(b->p, nc);
        if (!q) return 0;
        b->p = q; b->cap = nc;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return n;
}
static llml_result write_memory(llml_gguf_writer *w, void **buf, size_t *size) {
    membuf b = { NULL, 0, 0 };
    llml_result r = llml_gguf_writer_write(w, mem_write, &b);
    *buf = b.p; *size = b.n;
    return r;
}

/* Build a GGUF in memory from arch/llama-f32.gguf with a changed key or a
   dropped tensor, and check the load error. */
static void check_bad_models(void) {
    llml_gguf *g;
    llml_error err;
    llml_model *m = NULL;
    CHECK(llml_gguf_open_file(lc_td("arch/llama-f32.gguf"), NULL, &g, &err) == LLML_OK, "open");
    {
        /* rewrite with architecture "mamba" and check the message */
        llml_gguf_writer *w;
        void *buf = NULL;
        size_t size = 0;
        int64_t i;
        CHECK(llml_gguf_writer_create(NULL, &w) == LLML_OK, "writer");
        for (i = 0; i < llml_gguf_n_kv(g); i++) {
            const char *key = llml_gguf_key(g, i);
            if (strcmp(key, "general.architecture") == 0) llml_gguf_writer_set_str(w, key, "mamba");
            else llml_gguf_writer_copy_kv(w, g, i);
        }
        for (i = 0; i < llml_gguf_n_tensors(g); i++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
            llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->size);
        }
        CHECK(write_memory(w, &buf, &size) == LLML_OK, "write");
        CHECK(llml_model_load_memory(buf, size, NULL, &m, &err) == LLML_ERR_UNSUPPORTED_ARCH, "unsupported arch");
        CHECK(strstr(err.message, "mamba") && strstr(err.message, "qwen2moe"), "message lists supported: %s", err.message);
        free(buf);
        llml_gguf_writer_free(w);
    }
    {
        /* drop blk.1.ffn_down.weight */
        llml_gguf_writer *w;
        void *buf = NULL;
        size_t size = 0;
        int64_t i;
        CHECK(llml_gguf_writer_create(NULL, &w) == LLML_OK, "writer");
        for (i = 0; i < llml_gguf_n_kv(g); i++) llml_gguf_writer_copy_kv(w, g, i);
        for (i = 0; i < llml_gguf_n_tensors(g); i++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
            if (strcmp(t->name, "blk.1.ffn_down.weight") == 0) continue;
            llml_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->size);
        }
        CHECK(write_memory(w, &buf, &size) == LLML_OK, "write");
        CHECK(llml_model_load_memory(buf, size, NULL, &m, &err) == LLML_ERR_NOT_FOUND, "missing tensor");
        CHECK(strstr(err.message, "blk.1.ffn_down.weight") != NULL, "message names the tensor: %s", err.message);
        /* the same bytes through a callback and from memory give the same logits as the file */
        free(buf);
        llml_gguf_writer_free(w);
    }
    llml_gguf_close(g);
}

typedef struct { const unsigned char *p; size_t n; } mem_src;
static size_t mem_read(void *user, uint64_t off, void *dst, size_t n) {
    mem_src *s = (mem_src *)user;
    if (off >= s->n) return 0;
    if (n > s->n - off) n = (size_t)(s->n - off);
    memcpy(dst, s->p + off, n);
    return n;
}

static void check_sources(void) {
    FILE *f = fopen(lc_td("arch/qwen2-f32.gguf"), "rb");
    unsigned char *buf;
    long sz;
    llml_model *mf, *mm = NULL, *mc = NULL;
    llml_error err;
    mem_src src;
    int32_t ids[4] = { 1, 20, 300, 4 };
    if (!f) { CHECK(0, "open qwen2"); return; }
    fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)sz);
    CHECK(fread(buf, 1, (size_t)sz, f) == (size_t)sz, "read");
    fclose(f);
    mf = load(lc_td("arch/qwen2-f32.gguf"));
    CHECK(llml_model_load_memory(buf, (size_t)sz, NULL, &mm, &err) == LLML_OK, "memory load: %s", err.message);
    src.p = buf; src.n = (size_t)sz;
    CHECK(llml_model_load_callback(mem_read, &src, (uint64_t)sz, NULL, &mc, &err) == LLML_OK, "callback load: %s", err.message);
    if (mf && mm && mc) {
        llml_ctx *a = make_ctx(mf, LLML_KV_F32, 1, 32), *b = make_ctx(mm, LLML_KV_F32, 1, 32), *c = make_ctx(mc, LLML_KV_F32, 1, 32);
        int nv = llml_model_vocab(mf) ? 1024 : 1024;
        llml_model_info info;
        llml_model_get_info(mf, &info);
        nv = info.n_vocab;
        CHECK(strcmp(info.arch, "qwen2") == 0 && info.n_layer > 0 && info.n_params > 0, "info");
        if (a && b && c) {
            llml_decode(a, ids, 4, 0); llml_decode(b, ids, 4, 0); llml_decode(c, ids, 4, 0);
            CHECK(memcmp(llml_get_logits(a, -1), llml_get_logits(b, -1), (size_t)nv * 4) == 0, "file == memory");
            CHECK(memcmp(llml_get_logits(a, -1), llml_get_logits(c, -1), (size_t)nv * 4) == 0, "file == callback");
        }
        /* weights used in place: the model reads the buffer itself */
        {
            const llml_gguf *g = llml_model_gguf(mm);
            int64_t i = llml_gguf_find_tensor(g, "blk.0.attn_q.weight");
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
            CHECK((const unsigned char *)t->data >= buf && (const unsigned char *)t->data < buf + sz, "memory source used in place");
        }
        llml_ctx_free(a); llml_ctx_free(b); llml_ctx_free(c);
    }
    llml_model_free(mf); llml_model_free(mm); llml_model_free(mc);
    free(buf);
}

/* The repo's default model (converted by llmlite-llama2c) continues the
   prompt with the reference's 64 greedy tokens for real/stories260K. */
static void check_default_model(void) {
    int32_t ids[64], greedy[64];
    int n = lc_read_ids(lc_td("real/stories260K.tokens.txt"), ids, 64), ng, i, ok = 1;
    llml_model *m = load("models/stories260K.gguf");
    llml_ctx *c;
    int32_t t;
    ng = lc_read_ids(lc_td("real/stories260K.greedy.txt"), greedy, 64);
    if (!m || n <= 0 || ng != 64) { CHECK(0, "default model or reference missing"); llml_model_free(m); return; }
    c = make_ctx(m, LLML_KV_F32, 2, 256);
    if (!c) { llml_model_free(m); return; }
    CHECK(llml_decode(c, ids, n, 0) == LLML_OK, "decode prompt");
    for (i = 0; i < ng; i++) {
        t = lc_argmax(llml_get_logits(c, -1), 512);
        if (t != greedy[i]) { ok = 0; break; }
        if (llml_decode(c, &t, 1, 0) != LLML_OK) { ok = 0; break; }
    }
    CHECK(ok, "models/stories260K.gguf: greedy continuation differs from the reference at token %d", i);
    printf("  models/stories260K.gguf: %d/64 greedy tokens as the reference\n", i);
    llml_ctx_free(c);
    llml_model_free(m);
}

/* A host job system (here: tasks run in reverse order on this thread,
   counting calls) replaces the pool and gives the same logits. */
typedef struct { int calls, tasks; } host_jobs;
static void host_parallel_for(void *user, llml_task_fn task, void *arg, int n) {
    host_jobs *h = (host_jobs *)user;
    int i;
    h->calls++;
    for (i = n - 1; i >= 0; i--) { task(arg, i, n); h->tasks++; }
}
static void check_host_jobs(void) {
    llml_model *m = load(lc_td("arch/llama-moe-f32.gguf"));
    llml_ctx *a, *b = NULL;
    llml_ctx_desc d;
    llml_error err;
    host_jobs h = { 0, 0 };
    int32_t ids[6] = { 1, 450, 300, 700, 20, 999 };
    if (!m) return;
    a = make_ctx(m, LLML_KV_F32, 1, 32);
    memset(&d, 0, sizeof(d));
    d.n_ctx = 32; d.kv_type = LLML_KV_F32; d.n_threads = 3; d.isa_cap = g_isa;
    d.parallel_for = host_parallel_for; d.parallel_for_user = &h;
    CHECK(llml_ctx_create(m, &d, &b, &err) == LLML_OK, "ctx with host jobs: %s", err.message);
    if (a && b) {
        CHECK(llml_decode(a, ids, 6, LLML_DECODE_ALL_LOGITS) == LLML_OK && llml_decode(b, ids, 6, LLML_DECODE_ALL_LOGITS) == LLML_OK, "decode");
        CHECK(memcmp(llml_get_logits(a, 0), llml_get_logits(b, 0), (size_t)6 * 1024 * 4) == 0, "host job system: same logits");
        CHECK(h.calls > 0 && h.tasks == 3 * h.calls, "host callback used (%d calls, %d tasks)", h.calls, h.tasks);
    }
    llml_ctx_free(a); llml_ctx_free(b);
    llml_model_free(m);
}

/* Resident memory (Linux /proc/self/statm), bytes; 0 where unavailable. */
static double rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
    return (double)res * 4096.0;
}

/* With mmap the weights are the file's pages: after loading and running
   the 8.4 MB quant/f32 model the resident set grows by about the file size
   plus the cache and scratch, not twice the file size. */
static void check_memory(void) {
    double r0 = rss_bytes(), r1, r2, fsz, kv;
    llml_model *m;
    llml_ctx *c;
    llml_model_info info;
    int32_t ids[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    FILE *f;
    if (r0 == 0) { printf("  memory: /proc/self/statm unavailable, skipped\n"); return; }
    f = fopen(lc_td("quant/f32.gguf"), "rb");
    if (!f) { CHECK(0, "open quant/f32.gguf"); return; }
    fseek(f, 0, SEEK_END); fsz = (double)ftell(f); fclose(f);
    m = load(lc_td("quant/f32.gguf"));
    if (!m) return;
    r1 = rss_bytes();
    c = make_ctx(m, LLML_KV_F32, 1, 64);
    if (!c) { llml_model_free(m); return; }
    llml_model_get_info(m, &info);
    CHECK(llml_decode(c, ids, 8, 0) == LLML_OK, "decode");
    r2 = rss_bytes();
    kv = 2.0 * info.n_layer * 64 * info.n_head_kv * info.head_dim * 4;
    printf("  memory: file %.2f MB; resident +%.2f MB after load, +%.2f MB after a context (KV %.2f MB) and a decode\n",
           fsz / 1e6, (r1 - r0) / 1e6, (r2 - r0) / 1e6, kv / 1e6);
    CHECK(r1 - r0 < 0.5 * fsz, "loading alone must not read the weights in (+%.0f bytes)", r1 - r0);
    CHECK(r2 - r0 <= fsz + kv + 4.0 * 1048576.0, "resident growth %.0f > file %.0f + KV %.0f + 4 MiB", r2 - r0, fsz, kv);
    llml_ctx_free(c);
    llml_model_free(m);
}

/* Load-time repacking (llml_model_load_file on a POSIX system with
   AVX-512 kernels): the model logs it, and its logits (a prompt through
   gemmi, then single-token decodes through mmi) are the same bits as a
   model loaded with no_repack, at this run's instruction set (below
   AVX-512 both read the file's layout). */
static void repack_log(void *user, llml_log_level lv, const char *msg) {
    (void)lv;
    if (strncmp(msg, "repacked ", 9) == 0) (*(int *)user)++;
}

static void check_repack(const char *name) {
    char rel[256];
    int32_t ids[512];
    llml_model *m[2] = { NULL, NULL };
    llml_ctx *c[2] = { NULL, NULL };
    int logged[2] = { 0, 0 }, k, n, i, diff = 0, nv = 0;
#if defined(__unix__) || defined(__APPLE__)
    /* AVX-512 repacks all six formats, AVX2 the 32-value ones */
    const int want = llml_isa_best() == LLML_ISA_AVX512 || (llml_isa_best() == LLML_ISA_AVX2 && !strstr(name, "_k"));
#else
    const int want = 0;
#endif
    snprintf(rel, sizeof(rel), "%s.tokens.txt", name);
    n = lc_read_ids(lc_td(rel), ids, 512);
    CHECK(n >= 8, "%s: tokens", rel);
    if (n < 8) return;
    snprintf(rel, sizeof(rel), "%s.gguf", name);
    for (k = 0; k < 2; k++) {
        llml_model_desc md;
        llml_error err;
        memset(&md, 0, sizeof(md));
        md.log = repack_log; md.log_user = &logged[k]; md.no_repack = k;
        CHECK(llml_model_load_file(lc_td(rel), &md, &m[k], &err) == LLML_OK, "%s: %s", rel, err.message);
        if (m[k]) c[k] = make_ctx(m[k], LLML_KV_F16, 2, 256);
    }
    CHECK(logged[0] == want && logged[1] == 0, "%s: repacked %d times (want %d), with no_repack %d", name, logged[0], want, logged[1]);
    if (c[0] && c[1]) {
        llml_model_info info;
        float *o[2];
        llml_model_get_info(m[0], &info);
        nv = info.n_vocab;
        o[0] = eval_batch(c[0], ids, n, nv);
        o[1] = eval_batch(c[1], ids, n, nv);
        if (o[0] && o[1] && memcmp(o[0], o[1], (size_t)n * (size_t)nv * 4) != 0) diff++;
        free(o[0]); free(o[1]);
        for (i = 0; i < 8; i++) {
            int32_t t = ids[i];
            if (llml_decode(c[0], &t, 1, 0) != LLML_OK || llml_decode(c[1], &t, 1, 0) != LLML_OK) { diff++; break; }
            if (memcmp(llml_get_logits(c[0], -1), llml_get_logits(c[1], -1), (size_t)nv * 4) != 0) diff++;
        }
        CHECK(diff == 0, "%s: %d of 9 logits sets differ between the repacked and the file's layout", name, diff);
        printf("  %s: repacked %s, prompt and 8 decodes the same bits as no_repack\n", name, logged[0] ? "yes" : "no");
    }
    for (k = 0; k < 2; k++) { llml_ctx_free(c[k]); llml_model_free(m[k]); }
}

int main(void) {
    static const char *arch_files[] = { "llama-f32", "llama3-f32", "llama-moe-f32", "qwen2-f32", "qwen2moe-f32",
                                        "gemma-f32", "gemma2-f32", "phi3-f32" };
    static const char *quant_files[] = { "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k",
                                         "q4_k", "q5_k", "q6_k", "iq1_s", "iq1_m", "iq2_xxs", "iq2_xs", "iq2_s",
                                         "iq3_xxs", "iq3_s", "iq4_nl", "iq4_xs", "tq1_0", "tq2_0" };
    size_t i;
    const char *isa = getenv("LLML_TEST_ISA");
    if (isa && *isa) {
        int k;
        for (k = LLML_ISA_SCALAR; k <= LLML_ISA_NEON_I8MM; k++)
            if (strcmp(isa, llml_isa_name((llml_isa)k)) == 0) g_isa = (llml_isa)k;
        if (g_isa == LLML_ISA_DEFAULT) {
            fprintf(stderr, "test_model: LLML_TEST_ISA=%s: unknown instruction set\n", isa);
            return 2;
        }
        if (!llml_isa_supported(g_isa)) {
            printf("test_model: %s is not available on this CPU: nothing run\n", isa);
            return check_summary("test_model");
        }
    }
    printf("test_model: kernels %s\n", llml_isa_name(g_isa == LLML_ISA_DEFAULT ? llml_isa_best() : g_isa));
    for (i = 0; i < sizeof(arch_files) / sizeof(arch_files[0]); i++) check_file("arch", arch_files[i], 0);
    check_file("arch-next", "qwen3-f32", 1);
    check_file("arch-next", "gemma3-f32", 1);
    for (i = 0; i < sizeof(quant_files) / sizeof(quant_files[0]); i++) check_file("quant", quant_files[i], i == 0 ? 0 : 2);
    check_file("real", "stories260K", 0);
    printf("  %-12s %10s %10s %10s %12s %12s %s\n", "file", "rms", "max diff", "KL", "ref rms", "ref KL", "greedy");
    for (i = 0; i < (size_t)n_table; i++)
        printf("  %-12s %10.2e %10.2e %10.2e %12.4g %12.4g %s\n", table[i].name, table[i].rms, table[i].maxd, table[i].kl,
               table[i].ref_rms, table[i].ref_kl, table[i].greedy_ok ? "same" : "differs");
    check_consistency("arch/llama-f32", LLML_KV_F32);
    check_consistency("arch/gemma2-f32", LLML_KV_F32);
    check_consistency("arch/qwen2moe-f32", LLML_KV_F32);
    check_consistency("arch/phi3-f32", LLML_KV_F32);
    check_consistency("quant/q4_k", LLML_KV_F16);
    check_consistency("quant/q8_0", LLML_KV_Q8_0);
    check_repack("quant/q4_0");
    check_repack("quant/q5_0");
    check_repack("quant/q8_0");
    check_repack("quant/iq4_nl");
    check_repack("quant/q4_k");
    check_repack("quant/q6_k");
    check_default_model();
    check_host_jobs();
    check_memory();
    check_errors();
    check_bad_models();
    check_sources();
    return check_summary("test_model");
}
