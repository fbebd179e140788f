/* tests/check.h - the tiny test harness every test program uses.
   CHECK(cond, fmt, ...) counts a pass or prints the failure; a test program
   ends with `return check_summary("name");`, which prints one line
   "name: N passed, N failed" and returns the exit status. */
#ifndef LLML_CHECK_H
#define LLML_CHECK_H
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...) do { \
    if (cond) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
           fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

static int check_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

/* Path of the shared test data, relative to the repo root (the Makefile runs
   tests from there); override with LLML_TESTDATA. */
#include <stdlib.h>
static const char *check_testdata(void) {
    const char *p = getenv("LLML_TESTDATA");
    return p ? p : "../shared/testdata";
}
#endif
