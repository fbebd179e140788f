/* tests/test_vocab.c - tokenizers.
   (a) every ggml-vocab-*.gguf under the test data: each of the 61 cases of
       its .inp tokenizes (no BOS/EOS, special text not parsed) to exactly the
       ids of its .out line; decoding gives the input back (SPM and BPE), and
       for WordPiece re-encoding the decoded text gives the same ids (cases
       without [UNK]);
   (b) options: ADD_SPECIAL, PARSE_SPECIAL, RENDER/REMOVE_SPECIAL,
       CLEAN_SPACES, buffer-size convention, special ids, end of generation;
   (c) robustness: random valid and invalid UTF-8, malformed vocabularies,
       allocation failures, allocator bookkeeping. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const NAMES[] = {
    "llama-spm", "phi-3", "baichuan", "llama3", "qwen3", "gpt-2", "deepseek-coder",
    "deepseek-llm", "falcon", "starcoder", "bert-bge", NULL
};
static const char *const SEP = "\n__ggml_vocab_test__\n";

/* ---- helpers ------------------------------------------------------------- */

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

/* An allocator that counts what is live and checks the sizes given back;
   with fail_at >= 0 the fail_at-th allocation fails. */
typedef struct counting { long live, allocs, bad_size; long fail_at; } counting;

static void *c_alloc(void *user, size_t size, size_t align) {
    counting *c = (counting *)user;
    unsigned char *p;
    (void)align;
    if (c->fail_at >= 0 && c->allocs >= c->fail_at) return NULL;
    c->allocs++;
    p = (unsigned char *)malloc(size + 16);
    if (!p) return NULL;
    memcpy(p, &size, sizeof(size));
    c->live++;
    return p + 16;
}
static void c_free(void *user, void *ptr, size_t size) {
    counting *c = (counting *)user;
    unsigned char *p = (unsigned char *)ptr - 16;
    size_t was;
    memcpy(&was, p, sizeof(was));
    if (was != size) c->bad_size++;
    c->live--;
    free(p);
}

static llml_vocab *load_vocab(const char *path, const llml_allocator *a, llml_result *res, int quiet) {
    llml_gguf_desc desc;
    llml_gguf *g = NULL;
    llml_vocab *v = NULL;
    llml_error err;
    llml_result r;
    memset(&desc, 0, sizeof(desc));
    desc.header_only = 1;
    r = llml_gguf_open_file(path, &desc, &g, &err);
    if (r == LLML_OK) {
        r = llml_vocab_load(g, a, &v, &err);
        if (r != LLML_OK && !quiet) fprintf(stderr, "%s: %s\n", path, err.message);
        llml_gguf_close(g);
    }
    if (res) *res = r;
    return v;
}

/* tokenize into a malloc'd array (NULL on error) */
static int32_t *tok(const llml_vocab *v, const char *s, size_t len, uint32_t flags, size_t *n) {
    size_t need = 0;
    int32_t *ids;
    llml_result r = llml_tokenize(v, s, len, flags, NULL, 0, &need);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return NULL;
    ids = (int32_t *)malloc(sizeof(int32_t) * (need + 1));
    if (!ids) return NULL;
    r = llml_tokenize(v, s, len, flags, ids, need, n);
    if (r != LLML_OK || *n != need) { free(ids); return NULL; }
    return ids;
}

static char *detok(const llml_vocab *v, const int32_t *ids, size_t n, uint32_t flags, size_t *len) {
    size_t need = 0;
    char *s;
    llml_result r = llml_detokenize(v, ids, n, flags, NULL, 0, &need);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return NULL;
    s = (char *)malloc(need + 1);
    if (!s) return NULL;
    r = llml_detokenize(v, ids, n, flags, s, need + 1, len);
    if (r != LLML_OK || *len != need || s[need] != 0) { free(s); return NULL; }
    return s;
}

static int ids_equal(const int32_t *a, size_t na, const int32_t *b, size_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, sizeof(int32_t) * na) == 0);
}

static int tok_is(const llml_vocab *v, const char *s, uint32_t flags, const int32_t *want, size_t nwant) {
    size_t n = 0;
    int32_t *ids = tok(v, s, strlen(s), flags, &n);
    int ok = ids && ids_equal(ids, n, want, nwant);
    free(ids);
    return ok;
}

static uint32_t rng_state = 12345u;
static uint32_t rnd(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* ---- (a) the reference's cases ------------------------------------------- */

static llml_vocab *g_vocabs[16];

static void test_cases(int vi) {
    char path[512], *inp, *outf, *p, *end, *o;
    size_t ninp, nout, sl = strlen(SEP);
    llml_vocab *v;
    llml_result r;
    int k = 0, match = 0, rt = 0, rt_cases = 0;
    snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-%s.gguf", check_testdata(), NAMES[vi]);
    v = load_vocab(path, NULL, &r, 0);
    CHECK(v != NULL, "%s: load failed (%s)", NAMES[vi], llml_result_string(r));
    g_vocabs[vi] = v;
    if (!v) return;
    snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-%s.gguf.inp", check_testdata(), NAMES[vi]);
    inp = slurp(path, &ninp);
    snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-%s.gguf.out", check_testdata(), NAMES[vi]);
    outf = slurp(path, &nout);
    CHECK(inp && outf, "%s: cannot read .inp/.out", NAMES[vi]);
    if (!inp || !outf) { free(inp); free(outf); return; }
    p = inp;
    end = inp + ninp;
    o = outf;
    while (p < end) {
        char *q = strstr(p, SEP), *eol = strchr(o, '\n');
        size_t len = q ? (size_t)(q - p) : (size_t)(end - p), n = 0, nwant = 0, dn = 0;
        int32_t want[1024], *ids;
        char *line_end = eol ? eol : o + strlen(o), *s = o, *dec;
        while (s < line_end && nwant < 1024) {
            char *e2;
            long id = strtol(s, &e2, 10);
            if (e2 == s) break;
            want[nwant++] = (int32_t)id;
            s = e2;
        }
        ids = tok(v, p, len, 0, &n);
        CHECK(ids != NULL, "%s case %d: tokenize failed", NAMES[vi], k);
        if (ids && ids_equal(ids, n, want, nwant)) match++;
        else CHECK(0, "%s case %d: ids differ from the reference (%zu vs %zu ids)", NAMES[vi], k, n, nwant);
        if (ids) {
            dec = detok(v, ids, n, 0, &dn);
            CHECK(dec != NULL, "%s case %d: detokenize failed", NAMES[vi], k);
            if (dec && llml_vocab_get_type(v) != LLML_VOCAB_WPM) {
                rt_cases++;
                if (dn == len && memcmp(dec, p, len) == 0) rt++;
                else CHECK(0, "%s case %d: decode does not give the input back", NAMES[vi], k);
            } else if (dec) {
                /* WordPiece: the decoded text re-encodes to the same ids, unless [UNK] was dropped */
                size_t j, n2 = 0;
                int has_unk = 0;
                int32_t *ids2;
                for (j = 0; j < n; j++) if (ids[j] == llml_vocab_special(v, LLML_TOKEN_UNK)) has_unk = 1;
                if (!has_unk) {
                    rt_cases++;
                    ids2 = tok(v, dec, dn, 0, &n2);
                    if (ids2 && ids_equal(ids, n, ids2, n2)) rt++;
                    else CHECK(0, "%s case %d: decoded text re-encodes differently", NAMES[vi], k);
                    free(ids2);
                }
            }
            free(dec);
        }
        free(ids);
        k++;
        o = eol ? eol + 1 : line_end;
        if (!q) break;
        p = q + sl;
    }
    CHECK(k == 61, "%s: %d cases, expected 61", NAMES[vi], k);
    printf("  %-15s %2d/%d cases match, %2d/%d decode round trips%s\n", NAMES[vi], match, k, rt, rt_cases,
           llml_vocab_get_type(v) == LLML_VOCAB_WPM ? " (re-encode, cases without [UNK])" : "");
    free(inp);
    free(outf);
}

/* ---- (b) options ---------------------------------------------------------- */

static llml_vocab *vocab_named(const char *name) {
    int i;
    for (i = 0; NAMES[i]; i++) if (strcmp(NAMES[i], name) == 0) return g_vocabs[i];
    return NULL;
}

static void test_options(void) {
    llml_vocab *spm = vocab_named("llama-spm"), *l3 = vocab_named("llama3"), *qw = vocab_named("qwen3");
    llml_vocab *bert = vocab_named("bert-bge"), *gpt2 = vocab_named("gpt-2"), *ds = vocab_named("deepseek-llm");
    char buf[256];
    size_t n = 0;
    int32_t ids[8];
    if (!spm || !l3 || !qw || !bert || !gpt2 || !ds) { CHECK(0, "vocabs missing"); return; }

    /* kinds, special ids, flags */
    CHECK(llml_vocab_get_type(spm) == LLML_VOCAB_SPM && llml_vocab_get_type(l3) == LLML_VOCAB_BPE &&
          llml_vocab_get_type(bert) == LLML_VOCAB_WPM, "vocab types");
    CHECK(strcmp(llml_vocab_pre_name(l3), "llama-bpe") == 0 && strcmp(llml_vocab_pre_name(spm), "") == 0, "pre names");
    CHECK(llml_vocab_n_tokens(l3) == 128256 && llml_vocab_n_tokens(spm) == 32000, "token counts");
    CHECK(llml_vocab_special(spm, LLML_TOKEN_BOS) == 1 && llml_vocab_special(spm, LLML_TOKEN_EOS) == 2 &&
          llml_vocab_special(spm, LLML_TOKEN_UNK) == 0, "spm special ids");
    CHECK(llml_vocab_special(bert, LLML_TOKEN_BOS) == 101 && llml_vocab_special(bert, LLML_TOKEN_SEP) == 102 &&
          llml_vocab_special(bert, LLML_TOKEN_MASK) == 103 && llml_vocab_special(bert, LLML_TOKEN_UNK) == 100, "bert special ids");
    CHECK(llml_vocab_special(l3, LLML_TOKEN_EOT) == 128009, "llama3 eot");
    CHECK(llml_vocab_special(qw, LLML_TOKEN_FIM_PRE) == 151659, "qwen fim prefix");
    CHECK(llml_vocab_special(spm, (llml_special_token)99) == -1, "special out of range");
    CHECK(llml_vocab_get_add_bos(spm) == 1 && llml_vocab_get_add_bos(l3) == 1 && llml_vocab_get_add_bos(qw) == 0 &&
          llml_vocab_get_add_eos(spm) == 0, "add_bos / add_eos");
    CHECK(llml_vocab_is_eog(l3, 128001) && llml_vocab_is_eog(l3, 128009) && !llml_vocab_is_eog(l3, 9906) &&
          !llml_vocab_is_eog(l3, -1) && llml_vocab_is_eog(qw, 151645), "end of generation");
    CHECK(llml_vocab_token_attr(spm, 1) == LLML_TOKEN_ATTR_CONTROL && llml_vocab_token_attr(spm, 13) == LLML_TOKEN_ATTR_BYTE &&
          llml_vocab_token_attr(spm, 100000) == 0, "attributes");
    CHECK((llml_vocab_token_attr(qw, 151659) & (LLML_TOKEN_ATTR_USER_DEFINED | LLML_TOKEN_ATTR_CONTROL)) ==
          (LLML_TOKEN_ATTR_USER_DEFINED | LLML_TOKEN_ATTR_CONTROL), "fim text becomes control");
    CHECK(llml_vocab_find_token(l3, "Hello", 5) == 9906 && llml_vocab_find_token(l3, "Hello!", 6) < 0, "find token");
    {
        size_t len = 0;
        const char *t = llml_vocab_token_text(spm, 13, &len);
        CHECK(t && len == 6 && strcmp(t, "<0x0A>") == 0 && llml_vocab_token_text(spm, -1, &len) == NULL, "token text");
    }

    /* ADD_SPECIAL */
    ids[0] = 1; ids[1] = 15043;
    CHECK(tok_is(spm, "Hello", LLML_TOKENIZE_ADD_SPECIAL, ids, 2), "spm adds BOS");
    ids[0] = 128000; ids[1] = 9906;
    CHECK(tok_is(l3, "Hello", LLML_TOKENIZE_ADD_SPECIAL, ids, 2), "llama3 adds BOS");
    ids[0] = 9707;
    CHECK(tok_is(qw, "Hello", LLML_TOKENIZE_ADD_SPECIAL, ids, 1), "qwen adds nothing");
    ids[0] = 101; ids[1] = 7592; ids[2] = 102;
    CHECK(tok_is(bert, "Hello", LLML_TOKENIZE_ADD_SPECIAL, ids, 3), "bert adds CLS and SEP");
    ids[0] = 101; ids[1] = 102;
    CHECK(tok_is(bert, "", LLML_TOKENIZE_ADD_SPECIAL, ids, 2), "bert empty with CLS and SEP");
    ids[0] = 1;
    CHECK(tok_is(spm, "", LLML_TOKENIZE_ADD_SPECIAL, ids, 1) && tok_is(spm, "", 0, ids, 0), "spm empty text");

    /* PARSE_SPECIAL */
    ids[0] = 128000; ids[1] = 9906; ids[2] = 128009;
    CHECK(tok_is(l3, "<|begin_of_text|>Hello<|eot_id|>", LLML_TOKENIZE_PARSE_SPECIAL, ids, 3), "llama3 parses special text");
    {
        size_t k = 0;
        int32_t *p = tok(l3, "<|begin_of_text|>Hello", 22, 0, &k);
        CHECK(p && k > 2 && p[0] != 128000, "llama3 special text stays plain text");
        free(p);
    }
    ids[0] = 151644; ids[1] = 872; ids[2] = 198; ids[3] = 6023; ids[4] = 151645;
    CHECK(tok_is(qw, "<|im_start|>user\nhi<|im_end|>", LLML_TOKENIZE_PARSE_SPECIAL, ids, 5), "qwen parses chat tokens");
    ids[0] = 1; ids[1] = 15043; ids[2] = 2;
    CHECK(tok_is(spm, "<s>Hello</s>", LLML_TOKENIZE_PARSE_SPECIAL, ids, 3) ||
          tok_is(spm, "<s> Hello</s>", LLML_TOKENIZE_PARSE_SPECIAL, ids, 3), "spm parses <s> </s>");

    /* pieces */
    CHECK(llml_token_to_piece(spm, 13, 0, buf, sizeof(buf), &n) == LLML_OK && n == 1 && buf[0] == '\n' && buf[1] == 0, "byte piece");
    CHECK(llml_token_to_piece(spm, 15043, 0, buf, sizeof(buf), &n) == LLML_OK && n == 6 && strcmp(buf, " Hello") == 0, "spm piece");
    CHECK(llml_token_to_piece(spm, 1, 0, buf, sizeof(buf), &n) == LLML_OK && n == 0, "control piece empty");
    CHECK(llml_token_to_piece(spm, 1, LLML_DETOKENIZE_RENDER_SPECIAL, buf, sizeof(buf), &n) == LLML_OK && n == 3 &&
          strcmp(buf, "<s>") == 0, "control piece rendered");
    CHECK(llml_token_to_piece(l3, 22691, 0, buf, sizeof(buf), &n) == LLML_OK && n == 6 && strcmp(buf, " Hello") == 0, "bpe piece");
    CHECK(llml_token_to_piece(l3, 22691, 0, buf, 3, &n) == LLML_ERR_BUFFER_TOO_SMALL && n == 6, "piece too small");
    CHECK(llml_token_to_piece(l3, 22691, 0, buf, 6, &n) == LLML_OK && n == 6 && memcmp(buf, " Hello", 6) == 0, "piece exact fit");
    CHECK(llml_token_to_piece(l3, -1, 0, buf, sizeof(buf), &n) == LLML_ERR_INVALID_ARG &&
          llml_token_to_piece(l3, 128256, 0, buf, sizeof(buf), &n) == LLML_ERR_INVALID_ARG, "piece id out of range");

    /* detokenize options */
    {
        size_t k = 0, dn = 0;
        int32_t *p = tok(spm, "Hello world", 11, LLML_TOKENIZE_ADD_SPECIAL, &k);
        char *d = p ? detok(spm, p, k, LLML_DETOKENIZE_REMOVE_SPECIAL, &dn) : NULL;
        CHECK(d && strcmp(d, "Hello world") == 0, "remove special");
        free(d);
        d = p ? detok(spm, p, k, LLML_DETOKENIZE_RENDER_SPECIAL, &dn) : NULL;
        CHECK(d && strcmp(d, "<s> Hello world") == 0, "render special");
        free(d);
        free(p);
        p = tok(gpt2, "Hello world ! It 's", 19, 0, &k);
        d = p ? detok(gpt2, p, k, LLML_DETOKENIZE_CLEAN_SPACES, &dn) : NULL;
        CHECK(d && strcmp(d, "Hello world! It's") == 0, "clean spaces (gpt-2)");
        free(d);
        d = p ? detok(gpt2, p, k, 0, &dn) : NULL;
        CHECK(d && strcmp(d, "Hello world ! It 's") == 0, "no clean-up by default");
        free(d);
        free(p);
        p = tok(ds, "Hello world !", 13, 0, &k);
        d = p ? detok(ds, p, k, LLML_DETOKENIZE_CLEAN_SPACES, &dn) : NULL;
        CHECK(d && strcmp(d, "Hello world !") == 0, "deepseek-llm does not clean");
        free(d);
        free(p);
    }

    /* buffer convention */
    {
        int32_t small[1] = { -5 };
        size_t k = 0;
        CHECK(llml_tokenize(gpt2, "Hello world", 11, 0, small, 1, &k) == LLML_ERR_BUFFER_TOO_SMALL && k == 2 &&
              small[0] == 15496, "tokenize too small");
        CHECK(llml_tokenize(gpt2, "Hello world", 11, 0, NULL, 0, &k) == LLML_ERR_BUFFER_TOO_SMALL && k == 2, "size query");
        CHECK(llml_tokenize(gpt2, NULL, 0, 0, NULL, 0, &k) == LLML_OK && k == 0, "empty text");
        CHECK(llml_tokenize(NULL, "a", 1, 0, ids, 8, &k) == LLML_ERR_INVALID_ARG &&
              llml_tokenize(gpt2, NULL, 1, 0, ids, 8, &k) == LLML_ERR_INVALID_ARG &&
              llml_tokenize(gpt2, "a", 1, 0, ids, 8, NULL) == LLML_ERR_INVALID_ARG &&
              llml_tokenize(gpt2, "a", 1, 0, NULL, 8, &k) == LLML_ERR_INVALID_ARG, "tokenize invalid args");
        ids[0] = 15496; ids[1] = 995;
        CHECK(llml_detokenize(gpt2, ids, 2, 0, buf, 3, &k) == LLML_ERR_BUFFER_TOO_SMALL && k == 11, "detokenize too small");
        CHECK(llml_detokenize(gpt2, ids, 2, 0, buf, 11, &k) == LLML_OK && k == 11 && memcmp(buf, "Hello world", 11) == 0,
              "detokenize exact fit");
        ids[1] = 50257;
        CHECK(llml_detokenize(gpt2, ids, 2, 0, buf, sizeof(buf), &k) == LLML_ERR_INVALID_ARG, "detokenize bad id");
        CHECK(llml_detokenize(gpt2, NULL, 0, 0, buf, sizeof(buf), &k) == LLML_OK && k == 0 && buf[0] == 0, "detokenize nothing");
    }
}

/* ---- (c) robustness --------------------------------------------------------- */

/* random valid UTF-8 (SPM texts avoid U+2581, which decodes as a space) */
static size_t random_utf8(char *out, size_t max_cp, int spm) {
    size_t n = 0, k, count = rnd() % max_cp;
    for (k = 0; k < count; k++) {
        uint32_t c, r = rnd() % 10;
        if (r < 4) c = 0x20 + rnd() % 0x5F;
        else if (r < 5) c = "\t\n\r  "[rnd() % 5];
        else if (r < 7) c = 0xA0 + rnd() % 0x700;
        else if (r < 9) c = 0x800 + rnd() % 0xF000;
        else c = 0x10000 + rnd() % 0xFFFFF;
        if ((c >= 0xD800 && c <= 0xDFFF) || (spm && c == 0x2581)) c = 'x';
        if (c < 0x80) out[n++] = (char)c;
        else if (c < 0x800) { out[n++] = (char)(0xC0 | (c >> 6)); out[n++] = (char)(0x80 | (c & 0x3F)); }
        else if (c < 0x10000) {
            out[n++] = (char)(0xE0 | (c >> 12)); out[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); out[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[n++] = (char)(0xF0 | (c >> 18)); out[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); out[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    return n;
}

/* 1 if every byte of text has a token of its own (BPE byte-level character;
   falcon and starcoder lack some, and such bytes are dropped, as by the reference) */
static int bytes_representable(const llml_vocab *v, const char *text, size_t len) {
    size_t j;
    if (llml_vocab_get_type(v) != LLML_VOCAB_BPE) return 1;
    for (j = 0; j < len; j++) {
        unsigned b = (unsigned char)text[j], c, k, n = 0;
        char e[2];
        if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) c = b;
        else {
            for (k = 0; k < b; k++)
                if (!((k >= 0x21 && k <= 0x7E) || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE)) n++;
            c = 256 + n;
        }
        if (c < 0x80) { e[0] = (char)c; if (llml_vocab_find_token(v, e, 1) < 0) return 0; }
        else {
            e[0] = (char)(0xC0 | (c >> 6)); e[1] = (char)(0x80 | (c & 0x3F));
            if (llml_vocab_find_token(v, e, 2) < 0) return 0;
        }
    }
    return 1;
}

static void test_random(int vi, int rounds) {
    llml_vocab *v = g_vocabs[vi];
    char text[4096];
    int it, bad_rt = 0, bad_range = 0, fails = 0, rts = 0;
    if (!v) return;
    for (it = 0; it < rounds; it++) {
        size_t len, n = 0, j, dn = 0;
        int32_t *ids;
        int spm = llml_vocab_get_type(v) == LLML_VOCAB_SPM;
        uint32_t flags = (it & 1) ? LLML_TOKENIZE_PARSE_SPECIAL | LLML_TOKENIZE_ADD_SPECIAL : 0;
        if (it % 3 == 2) {
            /* raw bytes, invalid UTF-8 included */
            len = rnd() % 200;
            for (j = 0; j < len; j++) text[j] = (char)(rnd() & 0xFF);
        } else {
            len = random_utf8(text, 300, spm);
        }
        ids = tok(v, text, len, flags, &n);
        if (!ids) { fails++; continue; }
        for (j = 0; j < n; j++) if (ids[j] < 0 || ids[j] >= llml_vocab_n_tokens(v)) bad_range++;
        if (it % 3 != 2 && !(it & 1) && llml_vocab_get_type(v) != LLML_VOCAB_WPM && bytes_representable(v, text, len)) {
            char *d = detok(v, ids, n, 0, &dn);
            rts++;
            if (!d || dn != len || memcmp(d, text, len) != 0) bad_rt++;
            free(d);
        } else {
            char *d = detok(v, ids, n, LLML_DETOKENIZE_RENDER_SPECIAL | LLML_DETOKENIZE_CLEAN_SPACES, &dn);
            if (!d) fails++;
            free(d);
        }
        free(ids);
    }
    CHECK(fails == 0 && bad_range == 0, "%s: random texts: %d failures, %d ids out of range", NAMES[vi], fails, bad_range);
    CHECK(bad_rt == 0 && (rts > 0 || llml_vocab_get_type(v) == LLML_VOCAB_WPM),
          "%s: random UTF-8: %d of %d texts do not decode back", NAMES[vi], bad_rt, rts);
}

typedef struct outbuf { unsigned char *p; size_t n, cap; } outbuf;
static size_t out_write(void *user, const void *src, size_t n) {
    outbuf *o = (outbuf *)user;
    if (o->n + n > o->cap) {
        size_t c = o->cap ? o->cap : 4096;
        unsigned char *q;
        while (c < o->n + n) c *= 2;
        q = (unsigned char *)realloc(o->p, c);
        if (!q) return 0;
        o->p = q;
        o->cap = c;
    }
    memcpy(o->p + o->n, src, n);
    o->n += n;
    return n;
}

/* build a GGUF in memory from the writer, load a vocab from it */
static llml_result load_built(llml_gguf_writer *w, llml_vocab **out, const llml_allocator *a) {
    outbuf o;
    llml_gguf *g = NULL;
    llml_result r;
    memset(&o, 0, sizeof(o));
    *out = NULL;
    r = llml_gguf_writer_write(w, out_write, &o);
    llml_gguf_writer_free(w);
    if (r != LLML_OK) { free(o.p); return LLML_ERR_IO; }
    r = llml_gguf_open_memory(o.p, o.n, NULL, &g, NULL);
    if (r == LLML_OK) {
        llml_error err;
        r = llml_vocab_load(g, a, out, &err);
        llml_gguf_close(g);
    }
    free(o.p);
    return r;
}

static llml_gguf_writer *base_writer(const char *model, const char *pre, const char *const *toks, uint64_t n) {
    llml_gguf_writer *w = NULL;
    if (llml_gguf_writer_create(NULL, &w) != LLML_OK) return NULL;
    llml_gguf_writer_set_str(w, "general.architecture", "llama");
    if (model) llml_gguf_writer_set_str(w, "tokenizer.ggml.model", model);
    if (pre) llml_gguf_writer_set_str(w, "tokenizer.ggml.pre", pre);
    if (toks) llml_gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, n);
    return w;
}

static void fuzz_vocab(const llml_vocab *v, const char *what) {
    char text[512];
    int it, bad = 0;
    for (it = 0; it < 300; it++) {
        size_t len = rnd() % 120, j, n = 0, dn = 0;
        int32_t *ids;
        for (j = 0; j < len; j++) text[j] = "ab xyz\n\xC3\xA9\xFF<>|'s "[rnd() % 15];
        ids = tok(v, text, len, (uint32_t)(it & 3), &n);
        if (!ids) { bad++; continue; }
        for (j = 0; j < n; j++) if (ids[j] < 0 || ids[j] >= llml_vocab_n_tokens(v)) bad++;
        {
            char *d = detok(v, ids, n, LLML_DETOKENIZE_RENDER_SPECIAL | LLML_DETOKENIZE_CLEAN_SPACES, &dn);
            if (!d) bad++;
            free(d);
        }
        free(ids);
    }
    CHECK(bad == 0, "%s: tokenizing with an odd vocab: %d problems", what, bad);
}

static void test_malformed(void) {
    static const char *const toks[] = { "a", "b", "ab", "<s>", "</s>", "", "\xC4\xA0", "x y", "<unk>", "<0x41>" };
    static const char *const dup[] = { "a", "b", "a" };
    static const char *const merges[] = { "a b", "", "a", " ", "a b", "ab ab", "zz yy", "b  a", "\xC4\xA0 a", "x y z" };
    int32_t types[10] = { 1, 1, 1, 3, 4, 1, 1, 1, 2, 6 };
    float scores[10] = { -1, -2, -0.5f, 0, 0, -9, -3, -4, 0, 0 };
    int32_t four[4] = { 1, 2, 3, 4 };
    llml_gguf_writer *w;
    llml_vocab *v = NULL;
    llml_result r;

    w = base_writer(NULL, NULL, toks, 10);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_NOT_FOUND && v == NULL, "no tokenizer.ggml.model");
    w = base_writer("t5", NULL, toks, 10);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_UNSUPPORTED, "unsupported model");
    w = base_writer("gpt2", "tekken", toks, 10);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_UNSUPPORTED, "unsupported pre-tokenizer");
    w = base_writer("llama", NULL, NULL, 0);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_NOT_FOUND, "no tokens");
    w = base_writer("llama", NULL, NULL, 0);
    llml_gguf_writer_set_str(w, "tokenizer.ggml.tokens", "a");
    CHECK(load_built(w, &v, NULL) == LLML_ERR_TYPE_MISMATCH, "tokens not an array");
    w = base_writer("llama", NULL, NULL, 0);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.tokens", LLML_GGUF_INT32, four, 4);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_TYPE_MISMATCH, "tokens not strings");
    w = base_writer("llama", NULL, NULL, 0);
    llml_gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 0);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_CORRUPT, "zero tokens");
    w = base_writer("llama", NULL, dup, 3);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_DUPLICATE, "duplicate tokens");
    w = base_writer("llama", NULL, toks, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.scores", LLML_GGUF_FLOAT32, scores, 4);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_CORRUPT, "too few scores");
    w = base_writer("llama", NULL, toks, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.scores", LLML_GGUF_UINT8, scores, 10);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_TYPE_MISMATCH, "scores of a wrong type");
    w = base_writer("llama", NULL, toks, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_FLOAT32, scores, 10);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_TYPE_MISMATCH, "token types of a wrong type");
    w = base_writer("gpt2", "gpt-2", toks, 10);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_NOT_FOUND, "bpe without merges");
    w = base_writer("llama", NULL, toks, 1);
    llml_gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", 1);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_CORRUPT, "add_bos without a BOS token");

    /* odd but loadable: empty text, odd merges, special ids out of range */
    w = base_writer("gpt2", "llama-bpe", toks, 10);
    llml_gguf_writer_set_arr_str(w, "tokenizer.ggml.merges", merges, NULL, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, types, 10);
    llml_gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 3);
    llml_gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", 99999);
    r = load_built(w, &v, NULL);
    CHECK(r == LLML_OK && v, "odd bpe vocab loads (%s)", llml_result_string(r));
    if (v) {
        int32_t want[1] = { 2 };
        size_t len = 0;
        CHECK(tok_is(v, "ab", 0, want, 1), "odd bpe vocab merges a+b");
        CHECK(llml_vocab_special(v, LLML_TOKEN_BOS) == 3 && llml_vocab_special(v, LLML_TOKEN_EOS) == -1,
              "special ids (eos out of range, default 11 too)");
        CHECK(strcmp(llml_vocab_token_text(v, 5, &len), "[EMPTY_5]") == 0 && len == 9, "empty token text renamed");
        fuzz_vocab(v, "odd bpe");
        llml_vocab_free(v);
    }
    w = base_writer("llama", NULL, toks, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.scores", LLML_GGUF_FLOAT32, scores, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, types, 10);
    r = load_built(w, &v, NULL);
    CHECK(r == LLML_OK && v, "odd spm vocab loads (%s)", llml_result_string(r));
    if (v) { fuzz_vocab(v, "odd spm"); llml_vocab_free(v); }
    w = base_writer("bert", NULL, toks, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, types, 10);
    llml_gguf_writer_set_u32(w, "tokenizer.ggml.seperator_token_id", 4);
    CHECK(load_built(w, &v, NULL) == LLML_ERR_CORRUPT, "wordpiece: add_bos (default) without a BOS token");
    w = base_writer("bert", NULL, toks, 10);
    llml_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", LLML_GGUF_INT32, types, 10);
    llml_gguf_writer_set_u32(w, "tokenizer.ggml.seperator_token_id", 4);
    llml_gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 3);
    llml_gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", 8);
    r = load_built(w, &v, NULL);
    CHECK(r == LLML_OK && v, "odd wordpiece vocab loads (%s)", llml_result_string(r));
    if (v) { fuzz_vocab(v, "odd wordpiece"); llml_vocab_free(v); }
}

/* allocator bookkeeping and allocation failures */
static void test_allocator(void) {
    char path[512];
    counting c;
    llml_allocator a;
    llml_vocab *v;
    llml_result r;
    long fail, total;
    memset(&c, 0, sizeof(c));
    c.fail_at = -1;
    a.alloc = c_alloc; a.free = c_free; a.user = &c;
    snprintf(path, sizeof(path), "%s/vocab/ggml-vocab-falcon.gguf", check_testdata());
    v = load_vocab(path, &a, &r, 0);
    CHECK(v != NULL, "load with a custom allocator");
    if (v) {
        size_t n = 0, dn = 0;
        int32_t *ids = tok(v, "Hello world, 12345!", 19, LLML_TOKENIZE_ADD_SPECIAL, &n);
        char *d = ids ? detok(v, ids, n, LLML_DETOKENIZE_CLEAN_SPACES, &dn) : NULL;
        CHECK(d && strcmp(d, "Hello world, 12345!") == 0, "custom allocator round trip");
        free(ids);
        free(d);
        llml_vocab_free(v);
    }
    CHECK(c.live == 0 && c.bad_size == 0, "allocator: %ld live, %ld frees with a wrong size", c.live, c.bad_size);
    /* every allocation of a load failing in turn */
    total = c.allocs;
    for (fail = 0; fail < total; fail += 3) {
        counting c2;
        memset(&c2, 0, sizeof(c2));
        c2.fail_at = fail;
        a.user = &c2;
        v = load_vocab(path, &a, &r, 1);
        if (v) {
            size_t n = 0;
            llml_tokenize(v, "Hello world", 11, 0, NULL, 0, &n);
            llml_vocab_free(v);
        }
        CHECK(c2.live == 0 && c2.bad_size == 0, "allocation %ld failing: %ld live", fail, c2.live);
    }
}

int main(void) {
    int i;
    printf("tokenizer cases (%s/vocab):\n", check_testdata());
    for (i = 0; NAMES[i]; i++) test_cases(i);
    test_options();
    for (i = 0; NAMES[i]; i++) test_random(i, 90);
    test_malformed();
    test_allocator();
    for (i = 0; NAMES[i]; i++) llml_vocab_free(g_vocabs[i]);
    return check_summary("test_vocab");
}
