/* Build: make build/llmlite-perplexity   (or: cc -std=c99 -O2 -I. tools/perplexity.c -o llmlite-perplexity -lm -lpthread)
   Run:   build/llmlite-perplexity MODEL.gguf FILE.txt [--ctx N] [--kl-base FILE.f32] [--ids] [--threads N] [--kv TYPE]
   Perplexity of a model over a text; with --kl-base, how far its logits are from saved ones (KL divergence). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage: llmlite-perplexity MODEL.gguf FILE.txt [--ctx N] [--kl-base FILE.f32] [--ids]\n"
            "                          [--threads N] [--kv f32|f16|q8_0]\n"
            "  Perplexity: the text is tokenized (BOS as the model says) and cut into chunks\n"
            "  of --ctx tokens (default 512); each chunk is evaluated from an empty cache\n"
            "  (its first token replaced by BOS when the model uses one) and the second half\n"
            "  of each chunk is scored, as llama.cpp's llama-perplexity does.\n"
            "  --kl-base FILE.f32  compare with saved logits (n_rows x n_vocab float32, e.g.\n"
            "                      from llmlite-logits or the reference files): the first n_rows\n"
            "                      tokens are evaluated in one batch; prints the mean KL\n"
            "                      divergence KL(base || model), rms and max |difference| of the\n"
            "                      logits, the share of positions with the same top token, and\n"
            "                      both perplexities over those tokens\n"
            "  --ids               FILE holds token ids (white space or commas), not text\n"
            "  --threads N         threads (default: the number of CPUs, at most 8)\n"
            "  --kv TYPE           KV cache type (default f16; f32 with --kl-base, as the\n"
            "                      reference files were made)\n");
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n + 4097 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = (char *)realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) { free(buf); fclose(f); return NULL; }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static int parse_ids(const char *s, int32_t **out, size_t *n) {
    size_t cap = 64, k = 0;
    int32_t *ids = (int32_t *)malloc(cap * sizeof(int32_t));
    if (!ids) return 0;
    for (;;) {
        char *end;
        long v;
        while (*s == ' ' || *s == ',' || *s == '\n' || *s == '\r' || *s == '\t' || *s == '@') s++;
        if (!*s) break;
        errno = 0;
        v = strtol(s, &end, 10);
        if (end == s || errno || v < 0 || v > 2147483647L) { free(ids); return 0; }
        if (k == cap) {
            int32_t *ni;
            cap *= 2;
            ni = (int32_t *)realloc(ids, cap * sizeof(int32_t));
            if (!ni) { free(ids); return 0; }
            ids = ni;
        }
        ids[k++] = (int32_t)v;
        s = end;
    }
    *out = ids;
    *n = k;
    return 1;
}

static int parse_kv(const char *s, llml_kv_type *kv) {
    if (!strcmp(s, "f32") || !strcmp(s, "F32")) *kv = LLML_KV_F32;
    else if (!strcmp(s, "f16") || !strcmp(s, "F16")) *kv = LLML_KV_F16;
    else if (!strcmp(s, "q8_0") || !strcmp(s, "Q8_0")) *kv = LLML_KV_Q8_0;
    else return 0;
    return 1;
}

/* log of the softmax of row at index `target`, in double; also the max. */
static double log_softmax_at(const float *row, int32_t n, int32_t target) {
    double mx = -HUGE_VAL, s = 0.0;
    int32_t j;
    for (j = 0; j < n; j++) if (row[j] > mx) mx = row[j];
    for (j = 0; j < n; j++) s += exp((double)row[j] - mx);
    return (double)row[target] - mx - log(s);
}

static int32_t argmax(const float *row, int32_t n) {
    int32_t j, b = 0;
    for (j = 1; j < n; j++) if (row[j] > row[b]) b = j;
    return b;
}

static int fail(const char *what, llml_ctx *c, llml_result r) {
    fprintf(stderr, "\nllmlite-perplexity: %s: %s%s%s\n", what, llml_result_string(r),
            c && llml_ctx_last_error(c)[0] ? ": " : "", c ? llml_ctx_last_error(c) : "");
    return 1;
}

/* Perplexity over chunks of n_ctx tokens, scoring the second half of each. */
static int run_ppl(llml_model *m, const llml_model_info *info, const int32_t *toks, size_t n_toks,
                   int32_t n_ctx, int n_threads, llml_kv_type kv) {
    const llml_vocab *v = llml_model_vocab(m);
    int32_t bos = llml_vocab_get_add_bos(v) ? llml_vocab_special(v, LLML_TOKEN_BOS) : -1;
    size_t n_chunk = n_toks / (size_t)n_ctx, ch;
    int32_t first = n_ctx / 2, j;
    double nll = 0.0, nll2 = 0.0;
    long long count = 0;
    llml_ctx *c = NULL;
    llml_ctx_desc cd;
    llml_error err;
    int32_t *buf;
    if (n_chunk == 0) {
        fprintf(stderr, "llmlite-perplexity: the text has %d tokens, fewer than one chunk of %d: use a smaller --ctx\n",
                (int)n_toks, (int)n_ctx);
        return 1;
    }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = n_ctx;
    cd.n_batch = n_ctx;
    cd.n_threads = n_threads;
    cd.kv_type = kv;
    memset(&err, 0, sizeof(err));
    if (llml_ctx_create(m, &cd, &c, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-perplexity: cannot create a context: %s\n", err.message);
        return 1;
    }
    buf = (int32_t *)malloc((size_t)n_ctx * sizeof(int32_t));
    if (!buf) { llml_ctx_free(c); fprintf(stderr, "llmlite-perplexity: out of memory\n"); return 1; }
    fprintf(stderr, "llmlite-perplexity: %d tokens, %d chunks of %d, scoring the last %d tokens of each\n",
            (int)n_toks, (int)n_chunk, (int)n_ctx, (int)(n_ctx - 1 - first));
    for (ch = 0; ch < n_chunk; ch++) {
        llml_result r;
        memcpy(buf, toks + ch * (size_t)n_ctx, (size_t)n_ctx * sizeof(int32_t));
        if (bos >= 0) buf[0] = bos;
        llml_ctx_clear(c);
        r = llml_decode(c, buf, n_ctx, LLML_DECODE_ALL_LOGITS);
        if (r != LLML_OK) { free(buf); fail("decode failed", c, r); llml_ctx_free(c); return 1; }
        for (j = first; j < n_ctx - 1; j++) {
            double lp = log_softmax_at(llml_get_logits(c, j), info->n_vocab, toks[ch * (size_t)n_ctx + (size_t)j + 1]);
            nll -= lp;
            nll2 += lp * lp;
            count++;
        }
        fprintf(stderr, "[%d/%d] ppl %.4f\n", (int)(ch + 1), (int)n_chunk, exp(nll / (double)count));
    }
    {
        double mean = nll / (double)count, var = nll2 / (double)count - mean * mean;
        double ppl = exp(mean);
        double err_ppl = count > 1 && var > 0 ? ppl * sqrt(var / (double)(count - 1)) : 0.0;
        printf("perplexity: %.4f +/- %.4f over %lld tokens (%d chunks of %d)\n",
               ppl, err_ppl, count, (int)n_chunk, (int)n_ctx);
    }
    free(buf);
    llml_ctx_free(c);
    return 0;
}

/* Compare with saved logits: the first n_rows tokens in one batch. */
static int run_kl(llml_model *m, const llml_model_info *info, const int32_t *toks, size_t n_toks,
                  const char *base_path, int n_threads, llml_kv_type kv) {
    size_t blen = 0, rows, r, nv = (size_t)info->n_vocab;
    char *braw = read_file(base_path, &blen);
    float *row_base;
    llml_ctx *c = NULL;
    llml_ctx_desc cd;
    llml_error err;
    llml_result res;
    double kl_sum = 0.0, kl_max = 0.0, sq = 0.0, maxd = 0.0, nll_b = 0.0, nll_o = 0.0;
    long long same = 0, n_ll = 0;
    double *pb;
    if (!braw) { fprintf(stderr, "llmlite-perplexity: cannot read %s\n", base_path); return 1; }
    if (blen == 0 || blen % (nv * 4) != 0) {
        fprintf(stderr, "llmlite-perplexity: %s has %lu bytes, not a whole number of rows of %d float32 logits\n",
                base_path, (unsigned long)blen, (int)nv);
        free(braw);
        return 1;
    }
    rows = blen / (nv * 4);
    if (rows > n_toks) {
        fprintf(stderr, "llmlite-perplexity: %s has %d rows but the input has only %d tokens\n",
                base_path, (int)rows, (int)n_toks);
        free(braw);
        return 1;
    }
    memset(&cd, 0, sizeof(cd));
    cd.n_ctx = (int32_t)rows;
    cd.n_batch = (int32_t)rows;
    cd.n_threads = n_threads;
    cd.kv_type = kv;
    memset(&err, 0, sizeof(err));
    if (llml_ctx_create(m, &cd, &c, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-perplexity: cannot create a context: %s\n", err.message);
        free(braw);
        return 1;
    }
    fprintf(stderr, "llmlite-perplexity: evaluating %d tokens (the rows of %s)\n", (int)rows, base_path);
    res = llml_decode(c, toks, (int32_t)rows, LLML_DECODE_ALL_LOGITS);
    if (res != LLML_OK) { free(braw); fail("decode failed", c, res); llml_ctx_free(c); return 1; }
    row_base = (float *)malloc(nv * sizeof(float));
    pb = (double *)malloc(nv * sizeof(double));
    if (!row_base || !pb) { free(row_base); free(pb); free(braw); llml_ctx_free(c); return 1; }
    for (r = 0; r < rows; r++) {
        const float *o = llml_get_logits(c, (int32_t)r);
        const unsigned char *b = (const unsigned char *)braw + r * nv * 4;
        double mb = -HUGE_VAL, mo = -HUGE_VAL, sb = 0.0, so = 0.0, lzb, lzo, kl = 0.0;
        size_t j;
        for (j = 0; j < nv; j++) {
            uint32_t u = (uint32_t)b[4 * j] | ((uint32_t)b[4 * j + 1] << 8) |
                         ((uint32_t)b[4 * j + 2] << 16) | ((uint32_t)b[4 * j + 3] << 24);
            memcpy(&row_base[j], &u, 4);
        }
        for (j = 0; j < nv; j++) {
            double d = (double)o[j] - (double)row_base[j];
            sq += d * d;
            if (fabs(d) > maxd) maxd = fabs(d);
            if (row_base[j] > mb) mb = row_base[j];
            if (o[j] > mo) mo = o[j];
        }
        for (j = 0; j < nv; j++) {
            pb[j] = exp((double)row_base[j] - mb);
            sb += pb[j];
            so += exp((double)o[j] - mo);
        }
        lzb = mb + log(sb);
        lzo = mo + log(so);
        for (j = 0; j < nv; j++) {
            double p = pb[j] / sb;
            if (p > 0) kl += p * (((double)row_base[j] - lzb) - ((double)o[j] - lzo));
        }
        kl_sum += kl;
        if (kl > kl_max) kl_max = kl;
        if (argmax(o, info->n_vocab) == argmax(row_base, info->n_vocab)) same++;
        if (r + 1 < rows) {
            int32_t next = toks[r + 1];
            nll_b -= (double)row_base[next] - lzb;
            nll_o -= (double)o[next] - lzo;
            n_ll++;
        }
    }
    printf("rows %d  vocab %d\n", (int)rows, (int)nv);
    printf("mean KL(base || model): %.6e  (max %.6e)\n", kl_sum / (double)rows, kl_max);
    printf("rms |difference|: %.6f\n", sqrt(sq / ((double)rows * (double)nv)));
    printf("max |difference|: %.6f\n", maxd);
    printf("same top token: %.1f%% (%lld of %d)\n", 100.0 * (double)same / (double)rows, same, (int)rows);
    if (n_ll > 0)
        printf("perplexity over %lld tokens: model %.4f, base %.4f\n", n_ll, exp(nll_o / (double)n_ll),
               exp(nll_b / (double)n_ll));
    free(row_base);
    free(pb);
    free(braw);
    llml_ctx_free(c);
    return 0;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *file = NULL, *kl_base = NULL;
    int n_threads = 0, ids_mode = 0, kv_given = 0, i, rc;
    int32_t n_ctx = 512;
    llml_kv_type kv = LLML_KV_DEFAULT;
    llml_model *m = NULL;
    llml_model_info info;
    llml_error err;
    int32_t *toks = NULL;
    size_t n_toks = 0, tlen = 0, t;
    char *text;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        if (!strcmp(a, "--ids")) { ids_mode = 1; continue; }
        if (a[0] == '-' && i + 1 >= argc) { fprintf(stderr, "llmlite-perplexity: %s needs a value\n", a); return 1; }
        if (!strcmp(a, "--ctx") || !strcmp(a, "-c")) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 2 || v > 1000000) { fprintf(stderr, "llmlite-perplexity: bad --ctx %s\n", argv[i]); return 1; }
            n_ctx = (int32_t)v;
        } else if (!strcmp(a, "--kl-base")) kl_base = argv[++i];
        else if (!strcmp(a, "--threads") || !strcmp(a, "-t")) {
            char *end;
            n_threads = (int)strtol(argv[++i], &end, 10);
            if (*end || n_threads < 0) { fprintf(stderr, "llmlite-perplexity: bad --threads %s\n", argv[i]); return 1; }
        } else if (!strcmp(a, "--kv")) {
            if (!parse_kv(argv[++i], &kv)) { fprintf(stderr, "llmlite-perplexity: --kv takes f32, f16 or q8_0\n"); return 1; }
            kv_given = 1;
        } else if (a[0] != '-' && !model_path) model_path = a;
        else if (a[0] != '-' && !file) file = a;
        else { fprintf(stderr, "llmlite-perplexity: unknown argument %s\n", a); usage(stderr); return 1; }
    }
    if (!model_path || !file) { usage(stderr); return 1; }
    if (kl_base && !kv_given) kv = LLML_KV_F32;

    text = read_file(file, &tlen);
    if (!text) { fprintf(stderr, "llmlite-perplexity: cannot read %s\n", file); return 1; }
    memset(&err, 0, sizeof(err));
    if (llml_model_load_file(model_path, NULL, &m, &err) != LLML_OK) {
        fprintf(stderr, "llmlite-perplexity: %s: %s\n", model_path, err.message);
        free(text);
        return 1;
    }
    memset(&info, 0, sizeof(info));
    if (llml_model_get_info(m, &info) != LLML_OK) {
        fprintf(stderr, "llmlite-perplexity: cannot read the model's info\n");
        free(text);
        llml_model_free(m);
        return 1;
    }
    if (ids_mode) {
        if (!parse_ids(text, &toks, &n_toks)) {
            fprintf(stderr, "llmlite-perplexity: %s: expected token ids separated by spaces or commas\n", file);
            free(text);
            llml_model_free(m);
            return 1;
        }
    } else {
        const llml_vocab *v = llml_model_vocab(m);
        llml_result r = llml_tokenize(v, text, tlen, LLML_TOKENIZE_ADD_SPECIAL, NULL, 0, &n_toks);
        if (r == LLML_OK || r == LLML_ERR_BUFFER_TOO_SMALL) {
            toks = (int32_t *)malloc((n_toks ? n_toks : 1) * sizeof(int32_t));
            r = toks ? llml_tokenize(v, text, tlen, LLML_TOKENIZE_ADD_SPECIAL, toks, n_toks, &n_toks)
                     : LLML_ERR_OUT_OF_MEMORY;
        }
        if (r != LLML_OK) {
            fprintf(stderr, "llmlite-perplexity: cannot tokenize %s: %s\n", file, llml_result_string(r));
            free(toks);
            free(text);
            llml_model_free(m);
            return 1;
        }
    }
    free(text);
    for (t = 0; t < n_toks; t++)
        if (toks[t] >= info.n_vocab) {
            fprintf(stderr, "llmlite-perplexity: token %d out of range (n_vocab %d)\n", (int)toks[t], (int)info.n_vocab);
            free(toks);
            llml_model_free(m);
            return 1;
        }
    rc = kl_base ? run_kl(m, &info, toks, n_toks, kl_base, n_threads, kv)
                 : run_ppl(m, &info, toks, n_toks, n_ctx, n_threads, kv);
    free(toks);
    llml_model_free(m);
    return rc;
}
