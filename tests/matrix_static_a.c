/* LLML_STATIC in two translation units: each gets a private copy, and the
   program links without duplicate symbols. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
int static_b(void);
int main(void) {
    size_t a = llml_row_size(LLML_TYPE_Q4_0, 64);
    return (a == 36 && static_b() == 34) ? 0 : 1;
}
