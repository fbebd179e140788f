/* tests/fuzz/fuzz.h - shared by the libFuzzer targets tests/fuzz/fuzz_*.c.
   Each target defines `static int fuzz_NAME(const uint8_t *data, size_t size)`
   and, unless FUZZ_NO_MAIN is defined, the libFuzzer entry point calling it.
   tests/test_corpus.c includes every target with FUZZ_NO_MAIN and replays
   tests/corpus/NAME/ through the same functions without libFuzzer.
   FUZZ_CHECK(cond) states a property the library promises (ids in range,
   buffer-size protocol, ...): a violation aborts under libFuzzer (so it is
   reported as a crash) and counts as a failed check in test_corpus. */
#ifndef LLML_FUZZ_H
#define LLML_FUZZ_H
#ifndef FUZZ_NO_MAIN
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#endif                  /* else the includer compiled the library (and check.h) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FUZZ_NO_MAIN
#define FUZZ_CHECK(cond) CHECK(cond, "fuzz property: %s", #cond)
#else
#define FUZZ_CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define FUZZ_UNUSED __attribute__((unused))
#else
#define FUZZ_UNUSED
#endif

/* Path of the shared test data (LLML_TESTDATA overrides ../shared/testdata). */
#ifdef FUZZ_NO_MAIN
#define fuzz_testdata check_testdata
#else
FUZZ_UNUSED static const char *fuzz_testdata(void) {
    const char *p = getenv("LLML_TESTDATA");
    return p ? p : "../shared/testdata";
}
#endif

/* A byte reader over the fuzzer's input: takes values from the front,
   zeros once the input is used up. */
typedef struct fuzz_in { const uint8_t *p; size_t n; } fuzz_in;

FUZZ_UNUSED static uint8_t fuzz_u8(fuzz_in *in) {
    uint8_t v = 0;
    if (in->n) { v = in->p[0]; in->p++; in->n--; }
    return v;
}
FUZZ_UNUSED static uint32_t fuzz_u32(fuzz_in *in) {
    uint32_t v = 0;
    int i;
    for (i = 0; i < 4; i++) v |= (uint32_t)fuzz_u8(in) << (8 * i);
    return v;
}
FUZZ_UNUSED static float fuzz_f32(fuzz_in *in) {
    uint32_t u = fuzz_u32(in);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
#endif
