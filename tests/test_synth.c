/* tests/test_synth.c - build/llmlite-synth end to end.

   1. Every preset at full size (--dry-run, nothing written): the parameter
      count equals the published one of the real model (from its
      configuration; rope_freqs, which the real checkpoints do not hold, left
      out), key tensor shapes, and the tensor count of the real model's
      GGUF conversion; the Llama-3.2-1B shape with an untied output and the
      llama3 vocabulary has the tensor bytes that the reference's llama-bench
      reported for its own Q4_0 / Q4_K_M / Q8_0 files (../shared/perf/peer.md).
   2. Every preset at a tiny size (2 layers, n_embd 64): the metadata keys
      of its architecture, the tensor table, our loader loads it and gives
      finite, non-constant logits; the reference's Python reader (gguf-py)
      reads it and knows every tensor name for that architecture (skipped
      with a message when the gguf package is missing).
   3. Formats: general.file_type is llama.cpp's LLAMA_FTYPE number; the
      mixes give the output matrix Q6_K; a plain format goes to every weight.
   4. The tokenizer is copied from a vocabulary GGUF (every tokenizer.* key).
   5. The weights: scale, norms near 1, Llama 3.1 RoPE factors from 1 to the
      scaling factor; the file depends on the seed, not on the thread count.
   6. Bad arguments exit with a nonzero status and leave no file.
   7. Read-ahead (Linux): a written model's pages dropped from the page
      cache (fsync, POSIX_FADV_DONTNEED), loaded mapped: its token
      embeddings, which loading itself does not read, come into the page
      cache (mincore) without a decode. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE   /* mincore */
#endif
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if !defined(_WIN32)
#include <sys/wait.h>
#include <sys/stat.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#endif

static char g_tool[1100], g_tmp[1100];

static int run(const char *cmd, const char *out_file) {
    char full[8192];
    int st;
    snprintf(full, sizeof full, "%s >%s 2>&1", cmd, out_file ? out_file : "/dev/null");
    st = system(full);
#if !defined(_WIN32)
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
#else
    return st;
#endif
}

static int file_exists(const char *p) {
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static long file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    long n;
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    if (buf) buf[n] = 0;
    fclose(f);
    return buf;
}

static llml_gguf *open_path(const char *path) {
    llml_gguf *g = NULL;
    llml_error err;
    memset(&err, 0, sizeof err);
    if (llml_gguf_open_file(path, NULL, &g, &err) != LLML_OK) {
        CHECK(0, "%s: %s", path, err.message);
        return NULL;
    }
    return g;
}

static int64_t get_int(const llml_gguf *g, const char *key) {
    int64_t v = -1;
    if (llml_gguf_get_int(g, key, &v) != LLML_OK) return -1;
    return v;
}

static const llml_gguf_tensor *tensor(const llml_gguf *g, const char *name) {
    int64_t i = llml_gguf_find_tensor(g, name);
    return i >= 0 ? llml_gguf_tensor_at(g, i) : NULL;
}

static int has_shape(const llml_gguf *g, const char *name, int64_t a, int64_t b, int64_t c) {
    const llml_gguf_tensor *t = tensor(g, name);
    return t && t->ne[0] == a && t->ne[1] == b && t->ne[2] == c;
}

/* ---- 1. full-size presets, dry run --------------------------------------------------- */

typedef struct preset_case {
    const char *name;
    uint64_t params;           /* published, without rope_freqs */
    int64_t n_tensors;         /* of the real model's GGUF conversion; 0: not checked */
    const char *line1, *line2; /* tensor table lines that must appear ("name type shape") */
    const char *absent;        /* a tensor that must not be there, or NULL */
} preset_case;

static const preset_case g_presets[] = {
    { "llama-3.2-1b", 1235814400ull, 0, "blk.15.attn_k.weight f16 2048 x 512", "rope_freqs.weight f32 32", "output.weight" },
    { "llama-3.2-3b", 3212749824ull, 0, "blk.27.attn_q.weight f16 3072 x 3072", "blk.0.ffn_down.weight f16 8192 x 3072", "output.weight" },
    { "llama-3.1-8b", 8030261248ull, 292, "output.weight f16 4096 x 128256", "blk.31.ffn_gate.weight f16 4096 x 14336", NULL },
    { "qwen2.5-0.5b", 494032768ull, 290, "blk.23.attn_k.bias f32 128", "blk.0.attn_q.weight f16 896 x 896", "output.weight" },
    { "qwen2.5-7b", 7615616512ull, 339, "output.weight f16 3584 x 152064", "blk.27.ffn_up.weight f16 3584 x 18944", NULL },
    { "gemma-2-2b", 2614341888ull, 288, "blk.25.post_ffw_norm.weight f32 2304", "blk.0.attn_output.weight f16 2048 x 2304", "output.weight" },
    { "phi-3-mini", 3821079552ull, 195, "blk.31.attn_qkv.weight f16 3072 x 9216", "blk.0.ffn_up.weight f16 3072 x 16384", "blk.0.ffn_gate.weight" },
    { "mixtral-8x7b", 46702792704ull, 323, "blk.0.ffn_gate_exps.weight f16 4096 x 14336 x 8", "blk.31.ffn_gate_inp.weight f32 4096 x 8", "blk.0.ffn_gate.weight" }
};

/* Collapse runs of spaces: "tensor  a   b" -> "tensor a b". */
static void squeeze(char *s) {
    char *d = s;
    int sp = 0;
    for (; *s; s++) {
        if (*s == ' ') {
            if (!sp) *d++ = ' ';
            sp = 1;
        } else {
            *d++ = *s;
            sp = 0;
        }
    }
    *d = 0;
}

static uint64_t field_u64(const char *text, const char *label) {
    const char *p = strstr(text, label);
    return p ? strtoull(p + strlen(label), NULL, 10) : 0;
}

static void test_dry_run(void) {
    char cmd[4096], out[1200];
    size_t i;
    snprintf(out, sizeof out, "%s/synth_dry.txt", g_tmp);
    for (i = 0; i < sizeof g_presets / sizeof g_presets[0]; i++) {
        const preset_case *pc = &g_presets[i];
        char *text, *p, want[160];
        uint64_t params, rope = 0;
        int64_t n_t;
        snprintf(cmd, sizeof cmd, "%s --dry-run --preset %s --type F16", g_tool, pc->name);
        CHECK(run(cmd, out) == 0, "%s: dry run failed", pc->name);
        text = read_text(out);
        CHECK(text != NULL, "%s: no output", pc->name);
        if (!text) continue;
        squeeze(text);
        if ((p = strstr(text, "\ntensor rope_freqs.weight f32 ")) != NULL) rope = strtoull(p + 30, NULL, 10);
        params = field_u64(text, "\nparams ");
        CHECK(params - rope == pc->params, "%s: %llu parameters, published %llu", pc->name,
              (unsigned long long)(params - rope), (unsigned long long)pc->params);
        n_t = (int64_t)field_u64(text, "\ntensors ");
        if (pc->n_tensors)
            CHECK(n_t == pc->n_tensors, "%s: %lld tensors, the real conversion has %lld", pc->name, (long long)n_t,
                  (long long)pc->n_tensors);
        snprintf(want, sizeof want, "tensor %s ", pc->line1);
        CHECK(strstr(text, want) != NULL, "%s: no line '%s'", pc->name, pc->line1);
        snprintf(want, sizeof want, "tensor %s ", pc->line2);
        CHECK(strstr(text, want) != NULL, "%s: no line '%s'", pc->name, pc->line2);
        if (pc->absent) {
            snprintf(want, sizeof want, "tensor %s ", pc->absent);
            CHECK(strstr(text, want) == NULL, "%s: has %s", pc->name, pc->absent);
        }
        CHECK(field_u64(text, "\nfile_type ") == 1, "%s: F16 is file type 1", pc->name);
        free(text);
    }

    /* the benchmark model: tensor bytes as the reference's llama-bench printed
       them for its own quantizations (868.65 MiB, 903.71 MiB, 1.48 GiB) */
    {
        static const struct { const char *type; double size; double unit; } sz[] = {
            { "Q4_0", 868.65, 1048576.0 }, { "Q4_K_M", 903.71, 1048576.0 }, { "Q8_0", 1.48, 1073741824.0 }
        };
        char vocab[1100];
        snprintf(vocab, sizeof vocab, "%s/vocab/ggml-vocab-llama3.gguf", check_testdata());
        for (i = 0; i < 3; i++) {
            char *text;
            double got;
            snprintf(cmd, sizeof cmd, "%s --dry-run --preset llama-3.2-1b --untied --vocab %s --type %s", g_tool, vocab,
                     sz[i].type);
            CHECK(run(cmd, out) == 0, "dry run %s failed", sz[i].type);
            text = read_text(out);
            if (!text) continue;
            got = (double)field_u64(text, "\ndata bytes ") / sz[i].unit;
            CHECK(fabs(got - sz[i].size) < 0.006, "llama-3.2-1b untied %s: %.3f, the reference's file %.2f", sz[i].type,
                  got, sz[i].size);
            free(text);
        }
    }
    remove(out);
}

/* ---- 2. tiny presets: metadata, loader, logits, gguf-py ---------------------------- */

static int g_have_gguf_py = -1;

static void check_gguf_py(const char *path) {
    char cmd[4096];
    if (g_have_gguf_py < 0) {
        g_have_gguf_py = system("python3 -c 'import gguf' >/dev/null 2>&1") == 0;
        if (!g_have_gguf_py) printf("test_synth: skip: python3 -c 'import gguf' failed; the gguf-py checks are skipped\n");
    }
    if (!g_have_gguf_py) return;
    /* every tensor name must be one gguf-py lists for the file's architecture */
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import sys, gguf\n"
             "r = gguf.GGUFReader(sys.argv[1]); f = r.fields\n"
             "arch = bytes(f['general.architecture'].parts[-1]).decode()\n"
             "a = {v: k for k, v in gguf.MODEL_ARCH_NAMES.items()}[arch]\n"
             "nl = int(f[arch + '.block_count'].parts[-1][0])\n"
             "ok = set()\n"
             "for t in gguf.MODEL_TENSORS[a]:\n"
             "    n = gguf.TENSOR_NAMES[t]\n"
             "    ok.update(n.format(bid=b) for b in range(nl)) if '{bid}' in n else ok.add(n)\n"
             "bad = [t.name for t in r.tensors if t.name.rsplit('.', 1)[0] not in ok]\n"
             "assert not bad, bad\n"
             "assert len(r.tensors) > 0\" %s",
             path);
    CHECK(run(cmd, NULL) == 0, "gguf-py rejects %s (or does not know its tensor names)", path);
}

typedef struct tiny_case {
    const char *preset, *arch;
    int n_head_kv;
    int tied, experts, biases, post_norms, fused;
} tiny_case;

static const tiny_case g_tiny[] = {
    { "llama-3.2-1b", "llama", 2, 1, 0, 0, 0, 0 },
    { "llama-3.2-3b", "llama", 2, 1, 0, 0, 0, 0 },
    { "llama-3.1-8b", "llama", 2, 0, 0, 0, 0, 0 },
    { "qwen2.5-0.5b", "qwen2", 2, 1, 0, 1, 0, 0 },
    { "qwen2.5-7b", "qwen2", 2, 0, 0, 1, 0, 0 },
    { "gemma-2-2b", "gemma2", 2, 1, 0, 0, 1, 0 },
    { "phi-3-mini", "phi3", 4, 0, 0, 0, 0, 1 },
    { "mixtral-8x7b", "llama", 2, 0, 8, 0, 0, 0 }
};

static void decode_finite(const char *path, const char *label) {
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_error err;
    llml_ctx_desc cd;
    llml_model_info info;
    int32_t toks[8] = { 1, 17, 300, 5, 99, 250, 3, 42 };
    int k;
    memset(&err, 0, sizeof err);
    CHECK(llml_model_load_file(path, NULL, &m, &err) == LLML_OK, "%s: our loader: %s", label, err.message);
    if (!m) return;
    memset(&cd, 0, sizeof cd);
    cd.n_ctx = 32;
    cd.n_threads = 1;
    cd.kv_type = LLML_KV_F32;
    CHECK(llml_ctx_create(m, &cd, &c, &err) == LLML_OK, "%s: context: %s", label, err.message);
    memset(&info, 0, sizeof info);
    llml_model_get_info(m, &info);
    for (k = 0; k < 8 && info.n_vocab > 0; k++) toks[k] %= info.n_vocab;
    if (c) {
        llml_result r = llml_decode(c, toks, 8, LLML_DECODE_ALL_LOGITS);
        CHECK(r == LLML_OK, "%s: decode: %s", label, llml_ctx_last_error(c));
        if (r == LLML_OK) {
            int i, j, finite = 1;
            double lo = 1e30, hi = -1e30;
            for (i = 0; i < 8; i++) {
                const float *l = llml_get_logits(c, i);
                if (!l) { finite = 0; break; }
                for (j = 0; j < info.n_vocab; j++) {
                    if (!isfinite(l[j])) finite = 0;
                    if (l[j] < lo) lo = l[j];
                    if (l[j] > hi) hi = l[j];
                }
            }
            CHECK(finite, "%s: logits not finite", label);
            /* random weights of the intended scale: logits of order 1, not constant */
            CHECK(hi - lo > 0.5 && hi - lo < 100.0, "%s: logits range %g .. %g", label, lo, hi);
        }
        llml_ctx_free(c);
    }
    llml_model_free(m);
}

static void test_tiny(void) {
    size_t i;
    char cmd[4096], path[1200];
    for (i = 0; i < sizeof g_tiny / sizeof g_tiny[0]; i++) {
        const tiny_case *tc = &g_tiny[i];
        llml_gguf *g;
        char key[96];
        const char *s = NULL;
        int64_t want_t;
        const int L = 2;
        snprintf(path, sizeof path, "%s/synth_%s.gguf", g_tmp, tc->preset);
        remove(path);
        snprintf(cmd, sizeof cmd,
                 "%s %s --preset %s --n-embd 64 --n-head 4 --n-head-kv %d --n-ff 96 --n-vocab 320 --layers %d "
                 "--type Q8_0 --seed 7",
                 g_tool, path, tc->preset, tc->n_head_kv, L);
        CHECK(run(cmd, NULL) == 0, "%s: synth failed", tc->preset);
        g = file_exists(path) ? open_path(path) : NULL;
        if (!g) { CHECK(0, "%s: no file", tc->preset); continue; }
        CHECK(llml_gguf_get_str(g, "general.architecture", &s) == LLML_OK && s && strcmp(s, tc->arch) == 0,
              "%s: architecture %s", tc->preset, s ? s : "(none)");
        CHECK(get_int(g, "general.file_type") == 7, "%s: Q8_0 is LLAMA_FTYPE_MOSTLY_Q8_0 = 7", tc->preset);
#define KEY(suffix, v) do { snprintf(key, sizeof key, "%s.%s", tc->arch, suffix); \
        CHECK(get_int(g, key) == (v), "%s: %s = %lld, want %lld", tc->preset, key, (long long)get_int(g, key), (long long)(v)); } while (0)
        KEY("block_count", L);
        KEY("embedding_length", 64);
        KEY("feed_forward_length", 96);
        KEY("attention.head_count", 4);
        KEY("attention.head_count_kv", tc->n_head_kv);
        KEY("attention.key_length", 16);
        KEY("vocab_size", 320);
        if (tc->experts) { KEY("expert_count", tc->experts); KEY("expert_used_count", 2); }
        if (strcmp(tc->arch, "gemma2") == 0) KEY("attention.sliding_window", 4096);
#undef KEY
        snprintf(key, sizeof key, "%s.attention.layer_norm_rms_epsilon", tc->arch);
        CHECK(llml_gguf_find_key(g, key) >= 0, "%s: no %s", tc->preset, key);
        snprintf(key, sizeof key, "%s.context_length", tc->arch);
        CHECK(get_int(g, key) > 0, "%s: no %s", tc->preset, key);
        if (strcmp(tc->arch, "gemma2") == 0) {
            double cap = 0;
            CHECK(llml_gguf_get_float(g, "gemma2.attn_logit_softcapping", &cap) == LLML_OK && cap == 50.0, "gemma2 attn softcap");
            CHECK(llml_gguf_get_float(g, "gemma2.final_logit_softcapping", &cap) == LLML_OK && cap == 30.0, "gemma2 final softcap");
        }
        {
            int64_t ti = llml_gguf_find_key(g, "tokenizer.ggml.tokens");
            CHECK(ti >= 0 && llml_gguf_arr_len(g, ti) == 320, "%s: 320 tokens", tc->preset);
        }
        /* tensors */
        CHECK(has_shape(g, "token_embd.weight", 64, 320, 1), "%s: token_embd", tc->preset);
        CHECK((tensor(g, "output.weight") != NULL) == !tc->tied, "%s: output.weight %s", tc->preset,
              tc->tied ? "present in a tied model" : "missing");
        if (tc->fused) {
            CHECK(has_shape(g, "blk.1.attn_qkv.weight", 64, 64 + 2 * 4 * 16, 1), "%s: attn_qkv", tc->preset);
            CHECK(has_shape(g, "blk.1.ffn_up.weight", 64, 192, 1), "%s: fused ffn_up", tc->preset);
        } else {
            CHECK(has_shape(g, "blk.1.attn_k.weight", 64, tc->n_head_kv * 16, 1), "%s: attn_k", tc->preset);
        }
        if (tc->experts) {
            CHECK(has_shape(g, "blk.1.ffn_down_exps.weight", 96, 64, tc->experts), "%s: ffn_down_exps", tc->preset);
            CHECK(has_shape(g, "blk.0.ffn_gate_inp.weight", 64, tc->experts, 1), "%s: router", tc->preset);
            CHECK(tensor(g, "blk.0.ffn_gate_inp.weight")->type == LLML_TYPE_F32, "%s: the router stays F32", tc->preset);
        } else if (!tc->fused) {
            CHECK(has_shape(g, "blk.0.ffn_down.weight", 96, 64, 1), "%s: ffn_down", tc->preset);
        }
        if (tc->biases) CHECK(has_shape(g, "blk.0.attn_v.bias", 32, 1, 1), "%s: attn_v.bias", tc->preset);
        if (tc->post_norms) CHECK(tensor(g, "blk.1.post_attention_norm.weight") != NULL, "%s: post norm", tc->preset);
        CHECK(tensor(g, "blk.0.attn_norm.weight") && tensor(g, "blk.0.attn_norm.weight")->type == LLML_TYPE_F32,
              "%s: norms stay F32", tc->preset);
        CHECK(tensor(g, "blk.0.attn_output.weight") && tensor(g, "blk.0.attn_output.weight")->type == LLML_TYPE_Q8_0,
              "%s: attn_output is Q8_0", tc->preset);
        want_t = 2 + !tc->tied + (strncmp(tc->preset, "llama-3", 7) == 0) +
                 L * (tc->fused ? 6 : 9 + (tc->experts ? 1 : 0) + 3 * tc->biases + 2 * tc->post_norms);
        CHECK(llml_gguf_n_tensors(g) == want_t, "%s: %lld tensors, want %lld", tc->preset,
              (long long)llml_gguf_n_tensors(g), (long long)want_t);
        llml_gguf_close(g);
        decode_finite(path, tc->preset);
        check_gguf_py(path);
        remove(path);
    }
}

/* ---- 3. formats and file types ------------------------------------------------------- */

static void test_formats(void) {
    static const struct {
        const char *type;
        int ftype;
        llml_type embd, output, attn_q;
    } cases[] = {
        { "Q4_0", 2, LLML_TYPE_Q4_0, LLML_TYPE_Q6_K, LLML_TYPE_Q4_0 },
        { "Q4_K_M", 15, LLML_TYPE_Q4_K, LLML_TYPE_Q6_K, LLML_TYPE_Q4_K },
        { "Q8_0", 7, LLML_TYPE_Q8_0, LLML_TYPE_Q8_0, LLML_TYPE_Q8_0 },
        { "F16", 1, LLML_TYPE_F16, LLML_TYPE_F16, LLML_TYPE_F16 },
        { "q5_1 --pure", 9, LLML_TYPE_Q5_1, LLML_TYPE_Q5_1, LLML_TYPE_Q5_1 },   /* every weight */
        { "Q6_K", 18, LLML_TYPE_Q6_K, LLML_TYPE_Q6_K, LLML_TYPE_Q6_K }
    };
    char cmd[4096], path[1200];
    size_t i;
    snprintf(path, sizeof path, "%s/synth_fmt.gguf", g_tmp);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llml_gguf *g;
        remove(path);
        snprintf(cmd, sizeof cmd,
                 "%s %s --preset llama-3.1-8b --n-embd 256 --n-head 4 --n-head-kv 2 --n-ff 512 --n-vocab 300 --layers 2 "
                 "--type %s",
                 g_tool, path, cases[i].type);
        CHECK(run(cmd, NULL) == 0, "synth --type %s failed", cases[i].type);
        g = file_exists(path) ? open_path(path) : NULL;
        if (!g) continue;
        CHECK(get_int(g, "general.file_type") == cases[i].ftype, "%s: file type %lld, want %d", cases[i].type,
              (long long)get_int(g, "general.file_type"), cases[i].ftype);
        CHECK(tensor(g, "token_embd.weight")->type == cases[i].embd, "%s: token_embd type", cases[i].type);
        CHECK(tensor(g, "output.weight")->type == cases[i].output, "%s: output type %d", cases[i].type,
              (int)tensor(g, "output.weight")->type);
        CHECK(tensor(g, "blk.1.attn_q.weight")->type == cases[i].attn_q, "%s: attn_q type", cases[i].type);
        CHECK(tensor(g, "output_norm.weight")->type == LLML_TYPE_F32, "%s: norms F32", cases[i].type);
        CHECK((get_int(g, "general.quantization_version") == 2) == (cases[i].ftype != 1),
              "%s: general.quantization_version", cases[i].type);
        llml_gguf_close(g);
        decode_finite(path, cases[i].type);
    }
    remove(path);
}

/* ---- 4. the tokenizer -------------------------------------------------------------- */

static void test_vocab(void) {
    char cmd[4096], path[1200], vocab[1100];
    llml_gguf *g, *v;
    int64_t i, n_tok_keys = 0;
    snprintf(vocab, sizeof vocab, "%s/vocab/ggml-vocab-llama3.gguf", check_testdata());
    snprintf(path, sizeof path, "%s/synth_vocab.gguf", g_tmp);
    remove(path);
    snprintf(cmd, sizeof cmd,
             "%s %s --preset llama-3.2-1b --untied --n-embd 64 --n-head 4 --n-head-kv 2 --n-ff 64 --layers 1 "
             "--type Q8_0 --vocab %s",
             g_tool, path, vocab);
    CHECK(run(cmd, NULL) == 0, "synth --vocab failed");
    g = file_exists(path) ? open_path(path) : NULL;
    v = open_path(vocab);
    if (g && v) {
        for (i = 0; i < llml_gguf_n_kv(v); i++) {
            const char *k = llml_gguf_key(v, i);
            int64_t j;
            if (strncmp(k, "tokenizer.", 10) != 0) continue;
            n_tok_keys++;
            j = llml_gguf_find_key(g, k);
            CHECK(j >= 0, "key %s not copied", k);
            if (j < 0) continue;
            CHECK(llml_gguf_kv_type(g, j) == llml_gguf_kv_type(v, i), "key %s: type", k);
            if (llml_gguf_kv_type(v, i) == LLML_GGUF_ARRAY) {
                uint64_t n = llml_gguf_arr_len(v, i), e;
                int same = llml_gguf_arr_len(g, j) == n && llml_gguf_arr_type(g, j) == llml_gguf_arr_type(v, i);
                if (same && llml_gguf_arr_type(v, i) == LLML_GGUF_STRING) {
                    for (e = 0; e < n && same; e += 997)
                        same = llml_gguf_arr_str_len(g, j, e) == llml_gguf_arr_str_len(v, i, e) &&
                               memcmp(llml_gguf_arr_str(g, j, e), llml_gguf_arr_str(v, i, e),
                                      (size_t)llml_gguf_arr_str_len(v, i, e)) == 0;
                }
                CHECK(same, "key %s: array differs", k);
            }
        }
        CHECK(n_tok_keys >= 5, "the vocabulary file has %lld tokenizer keys", (long long)n_tok_keys);
        CHECK(has_shape(g, "token_embd.weight", 64, 128256, 1), "vocabulary size from the file");
        CHECK(get_int(g, "llama.vocab_size") == 128256, "llama.vocab_size");
        {
            llml_model *m = NULL;
            llml_error err;
            CHECK(llml_model_load_file(path, NULL, &m, &err) == LLML_OK, "load with the llama3 vocabulary: %s", err.message);
            if (m) {
                const llml_vocab *vb = llml_model_vocab(m);
                CHECK(vb != NULL, "the model has a tokenizer");
                llml_model_free(m);
            }
        }
    }
    llml_gguf_close(g);
    llml_gguf_close(v);
    remove(path);
}

/* ---- 5. the weights ---------------------------------------------------------------- */

static double row_std(const float *x, int64_t n, double *mean) {
    double s = 0, s2 = 0;
    int64_t i;
    for (i = 0; i < n; i++) { s += x[i]; s2 += (double)x[i] * x[i]; }
    *mean = s / (double)n;
    return sqrt(s2 / (double)n - *mean * *mean);
}

static void test_weights(void) {
    char cmd[4096], a[1200], b[1200], c[1200];
    char *fa, *fb, *fc;
    llml_gguf *g;
    snprintf(a, sizeof a, "%s/synth_w1.gguf", g_tmp);
    snprintf(b, sizeof b, "%s/synth_w2.gguf", g_tmp);
    snprintf(c, sizeof c, "%s/synth_w3.gguf", g_tmp);
    snprintf(cmd, sizeof cmd,
             "%s %s --preset llama-3.2-1b --n-embd 128 --n-head 4 --n-head-kv 2 --n-ff 256 --n-vocab 400 --layers 2 "
             "--type F32 --threads 1 --seed 5", g_tool, a);
    CHECK(run(cmd, NULL) == 0, "synth F32 failed");
    snprintf(cmd, sizeof cmd,
             "%s %s --preset llama-3.2-1b --n-embd 128 --n-head 4 --n-head-kv 2 --n-ff 256 --n-vocab 400 --layers 2 "
             "--type F32 --threads 2 --seed 5", g_tool, b);
    CHECK(run(cmd, NULL) == 0, "synth F32 2 threads failed");
    snprintf(cmd, sizeof cmd,
             "%s %s --preset llama-3.2-1b --n-embd 128 --n-head 4 --n-head-kv 2 --n-ff 256 --n-vocab 400 --layers 2 "
             "--type F32 --seed 6", g_tool, c);
    CHECK(run(cmd, NULL) == 0, "synth F32 seed 6 failed");
    fa = read_text(a);
    fb = read_text(b);
    fc = read_text(c);
    {
        long na = file_size(a);
        CHECK(na > 0 && fa && fb && file_size(b) == na && memcmp(fa, fb, (size_t)na) == 0,
              "1 and 2 threads give the same file");
        CHECK(na > 0 && fa && fc && file_size(c) == na && memcmp(fa, fc, (size_t)na) != 0,
              "another seed gives another file of the same size");
    }
    free(fa);
    free(fb);
    free(fc);
    g = file_exists(a) ? open_path(a) : NULL;
    if (g) {
        const llml_gguf_tensor *t;
        double mean, sd;
        t = tensor(g, "blk.1.ffn_down.weight");
        if (t && t->data) {
            sd = row_std((const float *)t->data, t->ne[0] * t->ne[1], &mean);
            CHECK(fabs(sd * sqrt((double)t->ne[0]) - 1.0) < 0.05 && fabs(mean) < 0.01,
                  "ffn_down: std %g x sqrt(fan-in %lld) should be 1, mean %g", sd, (long long)t->ne[0], mean);
        }
        t = tensor(g, "blk.0.attn_q.weight");
        if (t && t->data) {
            sd = row_std((const float *)t->data, t->ne[0] * t->ne[1], &mean);
            CHECK(fabs(sd * sqrt((double)t->ne[0]) - 1.0) < 0.05, "attn_q std %g", sd);
        }
        t = tensor(g, "blk.0.ffn_norm.weight");
        if (t && t->data) {
            sd = row_std((const float *)t->data, t->ne[0], &mean);
            CHECK(fabs(mean - 1.0) < 0.02 && sd < 0.1, "norm weights mean %g std %g", mean, sd);
        }
        t = tensor(g, "rope_freqs.weight");
        CHECK(t && t->ne[0] == 16, "rope_freqs has head_dim / 2 = 16 entries");
        if (t && t->data) {
            const float *f = (const float *)t->data;
            int64_t k, mono = 1;
            for (k = 1; k < t->ne[0]; k++) mono &= f[k] >= f[k - 1];
            /* Llama 3.2: factor 32; the highest frequencies keep theirs */
            CHECK(f[0] == 1.0f && f[t->ne[0] - 1] == 32.0f && mono, "rope_freqs %g .. %g", f[0], f[t->ne[0] - 1]);
        }
        llml_gguf_close(g);
    }
    remove(a);
    remove(b);
    remove(c);
}

/* ---- 6. errors ----------------------------------------------------------------------- */

static void test_errors(void) {
    char cmd[4096], path[1200];
    snprintf(path, sizeof path, "%s/synth_bad.gguf", g_tmp);
    remove(path);
    snprintf(cmd, sizeof cmd, "%s %s --preset no-such-model", g_tool, path);
    CHECK(run(cmd, NULL) != 0, "unknown preset must fail");
    snprintf(cmd, sizeof cmd, "%s %s --preset llama-3.2-1b --layers 1 --type Q9_9", g_tool, path);
    CHECK(run(cmd, NULL) != 0, "unknown type must fail");
    snprintf(cmd, sizeof cmd, "%s %s --preset llama-3.2-1b --layers 1 --vocab %s/none.gguf", g_tool, path, g_tmp);
    CHECK(run(cmd, NULL) != 0, "missing vocabulary must fail");
    snprintf(cmd, sizeof cmd, "%s %s --arch llama --n-embd 64", g_tool, path);
    CHECK(run(cmd, NULL) != 0, "incomplete shape must fail");
    snprintf(cmd, sizeof cmd, "%s %s --arch llama --n-embd 64 --n-layer 1 --n-head 4 --n-head-kv 3 --n-ff 64", g_tool, path);
    CHECK(run(cmd, NULL) != 0, "n_head not a multiple of n_head_kv must fail");
    snprintf(cmd, sizeof cmd, "%s --preset llama-3.2-1b", g_tool);
    CHECK(run(cmd, NULL) != 0, "no output file must fail");
    CHECK(!file_exists(path), "failed runs leave no file");
    /* explicit shape: works and loads */
    snprintf(cmd, sizeof cmd, "%s %s --arch qwen3 --n-embd 64 --n-layer 2 --n-head 4 --n-head-kv 2 --n-ff 64 --n-vocab 300 --type Q8_0",
             g_tool, path);
    CHECK(run(cmd, NULL) == 0, "explicit qwen3 shape failed");
    if (file_exists(path)) {
        llml_gguf *g = open_path(path);
        if (g) {
            CHECK(tensor(g, "blk.1.attn_q_norm.weight") != NULL, "qwen3 has q/k norms");
            llml_gguf_close(g);
        }
        decode_finite(path, "qwen3");
        check_gguf_py(path);
    }
    remove(path);
    {
        char part[1300];
        snprintf(part, sizeof part, "%s.part", path);
        CHECK(!file_exists(part), "no .part file left");
    }
}

#if defined(__linux__)
/* Pages of [p, p + n) in the page cache, as a share of all. */
static double resident_share(const void *p, size_t n) {
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)p & ~(page - 1);
    const size_t np = (size_t)(((uintptr_t)p + n - a + page - 1) / page);
    unsigned char *v = (unsigned char *)malloc(np);
    size_t i, r = 0;
    if (!v) return -1.0;
    if (mincore((void *)a, np * page, v) != 0) { free(v); return -1.0; }
    for (i = 0; i < np; i++) r += v[i] & 1;
    free(v);
    return (double)r / (double)np;
}

static void test_readahead(void) {
    char cmd[4096], path[1200];
    const llml_gguf *g;
    const llml_gguf_tensor *t;
    llml_model *m = NULL;
    llml_gguf *g0;
    double before = -1.0, after = -1.0;
    int fd, i;
    /* 131072 x 256 Q8_0 embeddings: 34 MiB, more than a read-around window */
    snprintf(path, sizeof path, "%s/synth_readahead.gguf", g_tmp);
    remove(path);
    snprintf(cmd, sizeof cmd, "%s %s --preset llama-3.2-1b --n-embd 256 --n-head 4 --n-head-kv 2 --n-ff 256 "
             "--n-vocab 131072 --layers 1 --untied --type Q8_0 --seed 3", g_tool, path);
    CHECK(run(cmd, NULL) == 0, "readahead: synth failed");
    fd = open(path, O_RDONLY);
    if (fd < 0) { CHECK(0, "readahead: no file"); return; }
    CHECK(fsync(fd) == 0, "readahead: fsync");
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    g0 = open_path(path);   /* mapped: where the embeddings lie, and how much of them is cached now */
    if (!g0) { CHECK(0, "readahead: cannot open"); return; }
    t = llml_gguf_tensor_at(g0, llml_gguf_find_tensor(g0, "token_embd.weight"));
    if (t && t->data) before = resident_share(t->data, (size_t)t->size);
    llml_gguf_close(g0);
    if (before < 0.0 || before > 0.5) {
        printf("test_synth: read-ahead check skipped: the page cache kept %.0f%% of the embeddings after "
               "POSIX_FADV_DONTNEED (a file system without one?)\n", 100.0 * before);
        remove(path);
        return;
    }
    CHECK(llml_model_load_file(path, NULL, &m, NULL) == LLML_OK, "readahead: load");
    if (!m) { remove(path); return; }
    g = llml_model_gguf(m);
    t = llml_gguf_tensor_at(g, llml_gguf_find_tensor(g, "token_embd.weight"));
    CHECK(t && t->data, "readahead: no token_embd");
    if (t && t->data)   /* the read-ahead is asynchronous: up to 10 s */
        for (i = 0; i < 200; i++) {
            struct timespec ts;
            after = resident_share(t->data, (size_t)t->size);
            if (after >= 0.99) break;
            ts.tv_sec = 0; ts.tv_nsec = 50000000L;
            nanosleep(&ts, NULL);
        }
    CHECK(after >= 0.99, "readahead: %.1f%% of the token embeddings in the page cache after loading (%.1f%% before)",
          100.0 * after, 100.0 * before);
    printf("test_synth: read-ahead: token embeddings %.1f%% in the page cache before loading, %.1f%% after\n",
           100.0 * before, 100.0 * after);
    llml_model_free(m);
    remove(path);
}
#endif

int main(void) {
    const char *build = getenv("LLML_BUILD");
    if (!build || !*build) build = "build";
    snprintf(g_tool, sizeof g_tool, "%s/llmlite-synth", build);
    snprintf(g_tmp, sizeof g_tmp, "%s/tmp", build);
#if !defined(_WIN32)
    mkdir(build, 0777);
    mkdir(g_tmp, 0777);
#endif
    CHECK(file_exists(g_tool), "%s is missing (make %s)", g_tool, g_tool);
    if (!file_exists(g_tool)) return check_summary("test_synth");
    test_dry_run();
    test_tiny();
    test_formats();
    test_vocab();
    test_weights();
    test_errors();
#if defined(__linux__)
    test_readahead();
#endif
    return check_summary("test_synth");
}
