/* tests/test_corpus.c - replays the fuzzing regression inputs.
   Every file under tests/corpus/TARGET/ goes through the same function the
   libFuzzer target tests/fuzz/fuzz_TARGET.c calls, without libFuzzer: the
   inputs that once crashed (each named after the bug it found) and a few
   minimized inputs from the fuzzing corpus that reach deep into each entry
   point. The targets' own property checks (FUZZ_CHECK) count as checks
   here; a crash fails the test (and ASan/UBSan see it in make test-asan).
   `make fuzz` runs the targets themselves (clang, libFuzzer). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"

#define FUZZ_NO_MAIN
#include "fuzz/fuzz_gguf.c"
#include "fuzz/fuzz_model.c"
#include "fuzz/fuzz_vocab.c"
#include "fuzz/fuzz_chat.c"
#include "fuzz/fuzz_sample.c"

#include <dirent.h>

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Replay every file of tests/corpus/NAME through fn; returns the count. */
static int replay(const char *name, int (*fn)(const uint8_t *, size_t)) {
    char dir[256], **files = NULL;
    DIR *dp;
    struct dirent *e;
    int n = 0, cap = 0, i;
    snprintf(dir, sizeof(dir), "tests/corpus/%s", name);
    dp = opendir(dir);
    CHECK(dp != NULL, "cannot open %s (run from the repository root)", dir);
    if (!dp) return 0;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) { cap = cap ? cap * 2 : 32; files = (char **)realloc(files, (size_t)cap * sizeof(*files)); }
        files[n] = (char *)malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(files[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(dp);
    if (n) qsort(files, (size_t)n, sizeof(*files), cmp_str);
    for (i = 0; i < n; i++) {
        FILE *f = fopen(files[i], "rb");
        uint8_t *data = NULL;
        long size = -1;
        if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            data = (uint8_t *)malloc((size_t)size + 1);
            if (data && fread(data, 1, (size_t)size, f) != (size_t)size) size = -1;
        }
        if (f) fclose(f);
        CHECK(data && size >= 0, "cannot read %s", files[i]);
        if (data && size >= 0) {
            int before = check_failed;
            fn(data, (size_t)size);
            if (check_failed != before) fprintf(stderr, "  (input %s)\n", files[i]);
        }
        free(data);
        free(files[i]);
    }
    free(files);
    CHECK(n > 0, "no inputs in %s", dir);
    return n;
}

int main(void) {
    int i, n_gguf, n_model, n_vocab, n_chat, n_sample;
    for (i = 0; i < FUZZ_N_VOCAB; i++) CHECK(fuzz_vocab_get(i) != NULL, "vocabulary %s", fuzz_vocab_names[i]);
    n_gguf = replay("gguf", fuzz_gguf);
    n_model = replay("model", fuzz_model);
    n_vocab = replay("vocab", fuzz_vocab);
    n_chat = replay("chat", fuzz_chat);
    n_sample = replay("sample", fuzz_sample);
    printf("test_corpus: replayed %d gguf, %d model, %d vocab, %d chat, %d sample inputs\n", n_gguf, n_model, n_vocab,
           n_chat, n_sample);
    for (i = 0; i < FUZZ_N_VOCAB; i++) llml_vocab_free(fuzz_vocab_get(i));
    return check_summary("test_corpus");
}
