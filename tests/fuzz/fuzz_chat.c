/* tests/fuzz/fuzz_chat.c - chat templates.
   Input: text up to the first NUL is given to llml_chat_detect (as a
   template) and to llml_chat_style_from_name; then byte s picks the style,
   byte a the assistant prompt, and the rest is split at NULs into messages:
   each message is one role byte (0 system, 1 user, 2 assistant, other: the
   next string is the role) and a NUL-terminated content. The conversation is
   formatted with cap 0 (size), exactly (cap = size + 1) and short (cap =
   size / 2: a NUL-terminated prefix).
   Build: make build-fuzz/fuzz_chat   Run: make fuzz FUZZ_TARGETS=chat */
#include "fuzz.h"

#define FUZZ_CHAT_MAX 64

static int fuzz_chat(const uint8_t *data, size_t size) {
    char *copy, *p, *end, *buf;
    llml_chat_style style;
    llml_chat_message msgs[FUZZ_CHAT_MAX];
    llml_error err;
    size_t n = 0, need = 0, need2 = 0, tl;
    int add;
    llml_result r;
    static const char *const roles[3] = {"system", "user", "assistant"};
    /* a NUL-terminated copy (two NULs so that every string ends) */
    copy = (char *)malloc(size + 2);
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    copy[size] = 0; copy[size + 1] = 0;
    end = copy + size;

    tl = strlen(copy);
    r = llml_chat_detect(copy, &style, &err);
    FUZZ_CHECK(r == LLML_OK || r == LLML_ERR_UNSUPPORTED);
    if (r == LLML_OK) FUZZ_CHECK(style > LLML_CHAT_UNKNOWN && style < LLML_CHAT_STYLE_COUNT);
    else FUZZ_CHECK(err.code == r && memchr(err.message, 0, sizeof(err.message)) != NULL);
    if (llml_chat_style_from_name(copy, &style) == LLML_OK)
        FUZZ_CHECK(strcmp(llml_chat_style_name(style), copy) == 0);

    p = copy + tl + 1;
    if (p >= end) { free(copy); return 0; }
    style = (llml_chat_style)((uint8_t)*p++ % (LLML_CHAT_STYLE_COUNT + 1));
    add = p < end ? (*p++ & 1) : 0;
    while (p < end && n < FUZZ_CHAT_MAX) {
        uint8_t rb = (uint8_t)*p++;
        if (rb < 3) {
            msgs[n].role = roles[rb];
        } else {
            msgs[n].role = p;
            p += strlen(p) + 1;
            if (p > end) break;
        }
        msgs[n].content = p;
        p += strlen(p) + 1;
        n++;
    }

    r = llml_chat_format(style, msgs, n, add, NULL, 0, &need);
    FUZZ_CHECK(r == LLML_ERR_BUFFER_TOO_SMALL || r == LLML_ERR_INVALID_ARG);
    if (r == LLML_ERR_BUFFER_TOO_SMALL && need < (1u << 24)) {
        buf = (char *)malloc(need + 1);
        if (buf) {
            FUZZ_CHECK(llml_chat_format(style, msgs, n, add, buf, need + 1, &need2) == LLML_OK && need2 == need);
            FUZZ_CHECK(strlen(buf) == need);
            if (need > 0) {
                char *half = (char *)malloc(need / 2 + 1);
                if (half) {
                    FUZZ_CHECK(llml_chat_format(style, msgs, n, add, half, need / 2 + 1, &need2) == (need / 2 + 1 > need ? LLML_OK : LLML_ERR_BUFFER_TOO_SMALL));
                    FUZZ_CHECK(need2 == need && half[need / 2] == 0 && memcmp(half, buf, need / 2) == 0);
                    free(half);
                }
            }
            free(buf);
        }
    }
    free(copy);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_chat(data, size); }
#endif
