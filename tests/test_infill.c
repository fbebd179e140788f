/* tests/test_infill.c - fill-in-the-middle prompts (llml_vocab_fim_tokens,
   llml_tokenize_infill).
   (a) the reference vocab files: qwen3 (<|fim_prefix|> ...), starcoder
       (<fim_prefix> ...) and deepseek-coder (<｜fim▁begin｜> ...) have FIM
       tokens, found by text. The expected ids come from the files alone: the
       FIM ids by searching the file's tokenizer.ggml.tokens array for the
       texts, the prefix and suffix ids from the reference tokenizations in
       the .out files (pairs of .inp cases serve as prefix and suffix), the
       BOS from the file's bos_token_id / add_bos_token keys. PSM and SPM
       order, the buffer convention.
   (b) every other reference vocab has no FIM tokens: LLML_ERR_NOT_FOUND.
   (c) a vocabulary written here with the FIM keys (new and old names): the
       ids the keys give, the older names winning; out-of-range ids ignored.
   (d) llml_generate's prompt_tokens (how an infill prompt is generated
       from): the same text as the prompt given as text, ids checked. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SEP = "\n__ggml_vocab_test__\n";

static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    p = (char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) p[n] = 0;
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* The reference cases of one vocab: input texts and their token ids. */
#define MAX_CASES 80
typedef struct cases {
    char *inp, *out;              /* the files, cut in place */
    const char *text[MAX_CASES];
    size_t len[MAX_CASES];
    int32_t *ids[MAX_CASES];
    size_t n_ids[MAX_CASES];
    int n;
} cases;

static int load_cases(const char *base, cases *cs) {
    char path[1100];
    size_t sz, sl = strlen(SEP);
    char *p, *line;
    int i;
    memset(cs, 0, sizeof(*cs));
    snprintf(path, sizeof(path), "%s.inp", base);
    cs->inp = slurp(path, &sz);
    snprintf(path, sizeof(path), "%s.out", base);
    cs->out = slurp(path, &sz);
    if (!cs->inp || !cs->out) return 0;
    p = cs->inp;
    while (cs->n < MAX_CASES) {
        char *e = strstr(p, SEP);
        cs->text[cs->n] = p;
        if (!e) {
            /* the last case ends the file (a final SEP is not there) */
            cs->len[cs->n] = strlen(p);
            cs->n++;
            break;
        }
        *e = 0;
        cs->len[cs->n] = (size_t)(e - p);
        cs->n++;
        p = e + sl;
        if (!*p) break;
    }
    line = cs->out;
    for (i = 0; i < cs->n; i++) {
        char *nl = strchr(line, '\n'), *q;
        size_t k = 0;
        if (!nl) nl = line + strlen(line);
        cs->ids[i] = (int32_t *)malloc(sizeof(int32_t) * (size_t)((nl - line) / 2 + 2));
        if (!cs->ids[i]) return 0;
        q = line;
        while (q < nl) {
            char *end;
            long v = strtol(q, &end, 10);
            if (end == q) break;
            cs->ids[i][k++] = (int32_t)v;
            q = end;
        }
        cs->n_ids[i] = k;
        if (!*nl) { i++; break; }
        line = nl + 1;
    }
    return i == cs->n;
}

static void free_cases(cases *cs) {
    int i;
    for (i = 0; i < cs->n; i++) free(cs->ids[i]);
    free(cs->inp);
    free(cs->out);
}

/* Id of the token whose text is `text`, searching the file's token array. */
static int32_t file_token(const llml_gguf *g, const char *text) {
    int64_t k = llml_gguf_find_key(g, "tokenizer.ggml.tokens");
    uint64_t i, n, tl = strlen(text);
    if (k < 0) return -1;
    n = llml_gguf_arr_len(g, k);
    for (i = 0; i < n; i++)
        if (llml_gguf_arr_str_len(g, k, i) == tl && memcmp(llml_gguf_arr_str(g, k, i), text, tl) == 0)
            return (int32_t)i;
    return -1;
}

static int same(const int32_t *a, const int32_t *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (a[i] != b[i]) return 0;
    return 1;
}

/* Append ids to an expectation. */
static void put(int32_t *e, size_t *n, const int32_t *ids, size_t k) {
    memcpy(e + *n, ids, k * sizeof(int32_t));
    *n += k;
}

typedef struct fim_file {
    const char *name;
    const char *pre, *suf, *mid;   /* NULL: the vocab has no FIM tokens */
} fim_file;

static const fim_file FILES[] = {
    { "qwen3", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>" },
    { "starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>" },
    { "deepseek-coder", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
      "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>" },
    { "llama-spm", NULL, NULL, NULL }, { "phi-3", NULL, NULL, NULL }, { "baichuan", NULL, NULL, NULL },
    { "llama3", NULL, NULL, NULL }, { "gpt-2", NULL, NULL, NULL }, { "deepseek-llm", NULL, NULL, NULL },
    { "falcon", NULL, NULL, NULL }, { "bert-bge", NULL, NULL, NULL },
    { NULL, NULL, NULL, NULL }
};

static void test_file(const fim_file *ff) {
    char base[1024];
    llml_gguf_desc gd;
    llml_gguf *g = NULL;
    llml_vocab *v = NULL;
    llml_error err;
    cases cs;
    int32_t pre = -2, suf = -2, mid = -2, fpre, fsuf, fmid, bos = -1;
    int32_t *got, *exp;
    size_t cap = 4096, n, ne, i;
    int add_bos_key = -1, all_psm = 1, all_spm = 1, all_bos = 1, checked = 0;

    snprintf(base, sizeof(base), "%s/vocab/ggml-vocab-%s.gguf", check_testdata(), ff->name);
    memset(&gd, 0, sizeof(gd));
    gd.header_only = 1;
    if (llml_gguf_open_file(base, &gd, &g, &err) != LLML_OK) {
        CHECK(0, "%s: cannot open (%s)", base, err.message);
        return;
    }
    CHECK(llml_vocab_load(g, NULL, &v, &err) == LLML_OK, "%s: vocab: %s", ff->name, err.message);
    if (!v) { llml_gguf_close(g); return; }

    got = (int32_t *)malloc(cap * sizeof(int32_t));
    exp = (int32_t *)malloc(cap * sizeof(int32_t));
    if (!ff->pre) {
        llml_result r = llml_vocab_fim_tokens(v, &pre, &suf, &mid);
        CHECK(r == LLML_ERR_NOT_FOUND, "%s: has no FIM tokens, got %s", ff->name, llml_result_string(r));
        CHECK(pre == -1 && suf == -1 && mid == -1, "%s: -1 for missing FIM tokens (%d %d %d)",
              ff->name, (int)pre, (int)suf, (int)mid);
        n = 99;
        got[0] = 12345;
        r = llml_tokenize_infill(v, "int a", 5, "}", 1, LLML_TOKENIZE_ADD_SPECIAL, got, cap, &n);
        CHECK(r == LLML_ERR_NOT_FOUND && n == 0 && got[0] == 12345,
              "%s: infill without FIM tokens: %s, n %zu", ff->name, llml_result_string(r), n);
        goto done;
    }

    /* FIM ids from the file's token array */
    fpre = file_token(g, ff->pre);
    fsuf = file_token(g, ff->suf);
    fmid = file_token(g, ff->mid);
    CHECK(fpre >= 0 && fsuf >= 0 && fmid >= 0, "%s: the file has the FIM texts", ff->name);
    CHECK(llml_vocab_fim_tokens(v, &pre, &suf, &mid) == LLML_OK, "%s: FIM tokens found", ff->name);
    CHECK(pre == fpre && suf == fsuf && mid == fmid, "%s: FIM ids %d %d %d, the file says %d %d %d",
          ff->name, (int)pre, (int)suf, (int)mid, (int)fpre, (int)fsuf, (int)fmid);
    CHECK(llml_vocab_fim_tokens(v, NULL, NULL, NULL) == LLML_OK, "%s: NULL outputs", ff->name);
    CHECK((llml_vocab_token_attr(v, pre) & LLML_TOKEN_ATTR_CONTROL) != 0, "%s: FIM_PRE is a control token", ff->name);
    {
        int64_t k = llml_gguf_find_key(g, "tokenizer.ggml.add_bos_token");
        uint32_t b;
        if (k >= 0) llml_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &add_bos_key);
        if (llml_gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &b) == LLML_OK) bos = (int32_t)b;
    }

    /* prefix = case i, suffix = case j, from the reference tokenizations */
    snprintf(base, sizeof(base), "%s/vocab/ggml-vocab-%s.gguf", check_testdata(), ff->name);
    CHECK(load_cases(base, &cs), "%s: reference cases", ff->name);
    for (i = 0; i < (size_t)cs.n; i++) {
        size_t j = (i * 7 + 3) % (size_t)cs.n;
        llml_result r;
        if (cs.n_ids[i] + cs.n_ids[j] + 4 > cap) continue;
        checked++;
        /* PSM, no BOS */
        ne = 0;
        put(exp, &ne, &fpre, 1); put(exp, &ne, cs.ids[i], cs.n_ids[i]);
        put(exp, &ne, &fsuf, 1); put(exp, &ne, cs.ids[j], cs.n_ids[j]);
        put(exp, &ne, &fmid, 1);
        r = llml_tokenize_infill(v, cs.text[i], cs.len[i], cs.text[j], cs.len[j], 0, got, cap, &n);
        if (r != LLML_OK || n != ne || !same(got, exp, n)) {
            if (all_psm) fprintf(stderr, "%s: PSM case %zu/%zu: %s, %zu ids, expected %zu\n",
                                 ff->name, i, j, llml_result_string(r), n, ne);
            all_psm = 0;
        }
        /* SPM order */
        ne = 0;
        put(exp, &ne, &fsuf, 1); put(exp, &ne, cs.ids[j], cs.n_ids[j]);
        put(exp, &ne, &fpre, 1); put(exp, &ne, cs.ids[i], cs.n_ids[i]);
        put(exp, &ne, &fmid, 1);
        r = llml_tokenize_infill(v, cs.text[i], cs.len[i], cs.text[j], cs.len[j], LLML_TOKENIZE_INFILL_SPM,
                                 got, cap, &n);
        if (r != LLML_OK || n != ne || !same(got, exp, n)) all_spm = 0;
        /* BOS where the file says so (the key present) */
        if (add_bos_key >= 0) {
            ne = 0;
            if (add_bos_key == 1) put(exp, &ne, &bos, 1);
            put(exp, &ne, &fpre, 1); put(exp, &ne, cs.ids[i], cs.n_ids[i]);
            put(exp, &ne, &fsuf, 1); put(exp, &ne, cs.ids[j], cs.n_ids[j]);
            put(exp, &ne, &fmid, 1);
            r = llml_tokenize_infill(v, cs.text[i], cs.len[i], cs.text[j], cs.len[j], LLML_TOKENIZE_ADD_SPECIAL,
                                     got, cap, &n);
            if (r != LLML_OK || n != ne || !same(got, exp, n)) all_bos = 0;
        }
    }
    CHECK(checked > 50, "%s: %d cases", ff->name, checked);
    CHECK(all_psm, "%s: PSM prompts equal FIM_PRE + reference(prefix) + FIM_SUF + reference(suffix) + FIM_MID", ff->name);
    CHECK(all_spm, "%s: SPM prompts equal FIM_SUF + reference(suffix) + FIM_PRE + reference(prefix) + FIM_MID", ff->name);
    if (add_bos_key >= 0) CHECK(all_bos, "%s: ADD_SPECIAL adds the BOS iff add_bos_token (%d)", ff->name, add_bos_key);

    /* empty prefix and suffix: just the three markers */
    CHECK(llml_tokenize_infill(v, NULL, 0, "", 0, 0, got, cap, &n) == LLML_OK && n == 3 &&
          got[0] == fpre && got[1] == fsuf && got[2] == fmid, "%s: empty parts", ff->name);
    /* special text in the code: plain text unless PARSE_SPECIAL */
    {
        char code[256];
        size_t pl = strlen(ff->pre);
        snprintf(code, sizeof(code), "x%s", ff->pre);
        CHECK(llml_tokenize_infill(v, code, strlen(code), "", 0, 0, got, cap, &n) == LLML_OK, "%s: special text", ff->name);
        CHECK(n > 4 && got[1] != fpre && got[2] != fpre, "%s: FIM text in the code is not the FIM token without PARSE_SPECIAL", ff->name);
        CHECK(llml_tokenize_infill(v, code, 1 + pl, "", 0, LLML_TOKENIZE_PARSE_SPECIAL, got, cap, &n) == LLML_OK &&
              n >= 4 && got[n - 3] == fpre, "%s: ... and is with PARSE_SPECIAL", ff->name);
    }
    /* buffer convention: the first cap ids, the full count, BUFFER_TOO_SMALL */
    {
        int32_t full[64], part[64];
        size_t nf = 0, np = 0, c;
        int ok = 1;
        CHECK(llml_tokenize_infill(v, "def add(a, b):\n    return", 25, "\n\nprint(add(1, 2))\n", 19, 0,
                                   full, 64, &nf) == LLML_OK && nf > 6, "%s: code infill", ff->name);
        for (c = 0; c <= nf && c < 64; c++) {
            llml_result r;
            memset(part, 0x55, sizeof(part));
            r = llml_tokenize_infill(v, "def add(a, b):\n    return", 25, "\n\nprint(add(1, 2))\n", 19, 0,
                                     c ? part : NULL, c, &np);
            if (np != nf || (c < nf && r != LLML_ERR_BUFFER_TOO_SMALL) || (c == nf && r != LLML_OK) ||
                !same(part, full, c) || (c < 64 && part[c] != 0x55555555)) ok = 0;
        }
        CHECK(ok, "%s: every cap gives the first cap ids, the full count, and writes no further", ff->name);
    }
    free_cases(&cs);
done:
    free(got);
    free(exp);
    llml_vocab_free(v);
    llml_gguf_close(g);
}

/* (c) the FIM keys */
typedef struct membuf { unsigned char *p; size_t n, cap; } membuf;
static size_t mem_write(void *user, const void *data, size_t n) {
    membuf *m = (membuf *)user;
    if (m->n + n > m->cap) {
        size_t nc = (m->n + n) * 2;
        unsigned char *np = (unsigned char *)realloc(m->p, nc);
        if (!np) return 0;
        m->p = np;
        m->cap = nc;
    }
    memcpy(m->p + m->n, data, n);
    m->n += n;
    return n;
}

static llml_vocab *keyed_vocab(const int64_t *new_ids, const int64_t *old_ids) {
    static const char *const toks[] = { "<unk>", "<s>", "</s>", "a", "b", "[P]", "[S]", "[M]", "[p]", "[s]", "[m]" };
    static const char *const new_keys[3] = { "tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id",
                                             "tokenizer.ggml.fim_mid_token_id" };
    static const char *const old_keys[3] = { "tokenizer.ggml.prefix_token_id", "tokenizer.ggml.suffix_token_id",
                                             "tokenizer.ggml.middle_token_id" };
    float scores[11];
    int32_t types[11];
    llml_gguf_writer *w = NULL;
    llml_gguf *g = NULL;
    llml_vocab *v = NULL;
    membuf m;
    int i;
    memset(&m, 0, sizeof(m));
    for (i = 0; i < 11; i++) { scores[i] = (float)-i; types[i] = i < 3 ? 3 : 1; }
    types[0] = 2;
    if (llml_gguf_writer_create(NULL, &w) != LLML_OK) return NULL;
    llml_gguf_writer_set_str(w, "general.architecture", "llama");
    llml_gguf_writer_set_str(w, "tokenizer.ggml.model", "llama");
    llml_gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 11);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.scores", LLML_GGUF_FLOAT32, scores, 11);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, types, 11);
    for (i = 0; i < 3; i++) {
        if (new_ids && new_ids[i] != -9) llml_gguf_writer_set_u32(w, new_keys[i], (uint32_t)new_ids[i]);
        if (old_ids && old_ids[i] != -9) llml_gguf_writer_set_u32(w, old_keys[i], (uint32_t)old_ids[i]);
    }
    if (llml_gguf_writer_write(w, mem_write, &m) == LLML_OK &&
        llml_gguf_open_memory(m.p, m.n, NULL, &g, NULL) == LLML_OK) {
        llml_vocab_load(g, NULL, &v, NULL);
        llml_gguf_close(g);
    }
    llml_gguf_writer_free(w);
    free(m.p);
    return v;
}

static void test_keys(void) {
    static const int64_t new_ids[3] = { 5, 6, 7 }, old_ids[3] = { 8, 9, 10 }, part_old[3] = { -9, 9, -9 };
    static const int64_t bad[3] = { 5, 6, 4000 };
    int32_t p, s, m, t[16];
    size_t n = 0;
    llml_vocab *v = keyed_vocab(new_ids, NULL);
    CHECK(v != NULL, "keyed vocab loads");
    CHECK(v && llml_vocab_fim_tokens(v, &p, &s, &m) == LLML_OK && p == 5 && s == 6 && m == 7,
          "fim_*_token_id keys give the FIM ids");
    CHECK(v && llml_tokenize_infill(v, "a", 1, "b", 1, LLML_TOKENIZE_ADD_SPECIAL, t, 16, &n) == LLML_OK &&
          n >= 6 && t[0] == 1 && t[1] == 5 && t[n - 1] == 7, "SPM vocab: BOS (default on) then FIM_PRE, FIM_MID last");
    llml_vocab_free(v);
    v = keyed_vocab(NULL, old_ids);
    CHECK(v && llml_vocab_fim_tokens(v, &p, &s, &m) == LLML_OK && p == 8 && s == 9 && m == 10,
          "the older prefix/suffix/middle_token_id keys give the FIM ids");
    llml_vocab_free(v);
    v = keyed_vocab(new_ids, part_old);
    CHECK(v && llml_vocab_fim_tokens(v, &p, &s, &m) == LLML_OK && p == 5 && s == 9 && m == 7,
          "an older key present wins over the new one (as in the reference)");
    llml_vocab_free(v);
    v = keyed_vocab(bad, NULL);
    CHECK(v && llml_vocab_fim_tokens(v, &p, &s, &m) == LLML_ERR_NOT_FOUND && p == 5 && s == 6 && m == -1,
          "an id outside the vocab is ignored: no FIM_MID, NOT_FOUND");
    CHECK(v && llml_tokenize_infill(v, "a", 1, "b", 1, 0, t, 16, &n) == LLML_ERR_NOT_FOUND && n == 0,
          "infill needs all three");
    llml_vocab_free(v);
    v = keyed_vocab(NULL, NULL);
    CHECK(v && llml_vocab_fim_tokens(v, NULL, NULL, NULL) == LLML_ERR_NOT_FOUND, "no keys, no texts: NOT_FOUND");
    llml_vocab_free(v);
    /* arguments */
    CHECK(llml_vocab_fim_tokens(NULL, &p, NULL, NULL) == LLML_ERR_INVALID_ARG && p == -1, "NULL vocab");
    v = keyed_vocab(new_ids, NULL);
    CHECK(llml_tokenize_infill(NULL, "a", 1, "b", 1, 0, t, 16, &n) == LLML_ERR_INVALID_ARG, "NULL vocab (infill)");
    CHECK(llml_tokenize_infill(v, "a", 1, "b", 1, 0, t, 16, NULL) == LLML_ERR_INVALID_ARG, "NULL n_tokens");
    CHECK(llml_tokenize_infill(v, NULL, 1, "b", 1, 0, t, 16, &n) == LLML_ERR_INVALID_ARG, "NULL prefix, length 1");
    CHECK(llml_tokenize_infill(v, "a", 1, NULL, 2, 0, t, 16, &n) == LLML_ERR_INVALID_ARG, "NULL suffix, length 2");
    CHECK(llml_tokenize_infill(v, "a", 1, "b", 1, 0, NULL, 16, &n) == LLML_ERR_INVALID_ARG, "NULL tokens, cap 16");
    llml_vocab_free(v);
}

/* (d) */
typedef struct collected { char text[4096]; size_t n; } collected;
static int collect_piece(void *user, int32_t token, const char *piece, size_t len) {
    collected *c = (collected *)user;
    (void)token;
    if (c->n + len < sizeof(c->text)) { memcpy(c->text + c->n, piece, len); c->n += len; c->text[c->n] = 0; }
    return 0;
}

static void test_prompt_tokens(void) {
    llml_model *m = NULL;
    llml_ctx *c = NULL;
    llml_ctx_desc cd;
    llml_generate_desc d;
    llml_generate_result res;
    collected a, b;
    int32_t toks[64], bad[2];
    size_t n = 0;
    memset(&cd, 0, sizeof(cd));
    cd.n_threads = 1;
    if (llml_model_load_file("models/stories260K.gguf", NULL, &m, NULL) != LLML_OK ||
        llml_ctx_create(m, &cd, &c, NULL) != LLML_OK) {
        CHECK(0, "load models/stories260K.gguf");
        llml_model_free(m);
        return;
    }
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&d, 0, sizeof(d));
    d.prompt = "Once upon a time";
    d.max_tokens = 24;
    d.on_token = collect_piece;
    d.user = &a;
    CHECK(llml_generate(c, &d, &res) == LLML_OK && a.n > 0, "generate from text");
    llml_ctx_clear(c);
    CHECK(llml_tokenize(llml_model_vocab(m), d.prompt, strlen(d.prompt),
                        LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL, toks, 64, &n) == LLML_OK, "tokenize");
    d.prompt = NULL;
    d.prompt_tokens = toks;
    d.n_prompt_tokens = (int32_t)n;
    d.user = &b;
    CHECK(llml_generate(c, &d, &res) == LLML_OK && res.n_prompt == (int32_t)n && res.n_generated == 24,
          "generate from prompt_tokens (%d prompt tokens)", (int)res.n_prompt);
    CHECK(!strcmp(a.text, b.text), "prompt_tokens give the text's continuation\n  text:   %s\n  tokens: %s", a.text, b.text);
    bad[0] = toks[0];
    bad[1] = llml_vocab_n_tokens(llml_model_vocab(m));
    d.prompt_tokens = bad;
    d.n_prompt_tokens = 2;
    CHECK(llml_generate(c, &d, &res) == LLML_ERR_INVALID_ARG && res.stop_reason == -1 &&
          strstr(llml_ctx_last_error(c), "prompt_tokens[1]"), "an id outside the vocabulary: INVALID_ARG naming it");
    bad[1] = -1;
    CHECK(llml_generate(c, &d, &res) == LLML_ERR_INVALID_ARG, "a negative id: INVALID_ARG");
    d.n_prompt_tokens = 0;
    CHECK(llml_generate(c, &d, &res) == LLML_ERR_INVALID_ARG, "prompt_tokens with n_prompt_tokens 0: INVALID_ARG");
    d.n_prompt_tokens = -1;
    CHECK(llml_generate(c, &d, &res) == LLML_ERR_INVALID_ARG, "negative n_prompt_tokens: INVALID_ARG");
    llml_ctx_free(c);
    llml_model_free(m);
}

int main(void) {
    int i;
    for (i = 0; FILES[i].name; i++) test_file(&FILES[i]);
    test_keys();
    test_prompt_tokens();
    return check_summary("infill");
}
