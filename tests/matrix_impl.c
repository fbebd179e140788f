/* Compile-matrix unit: the whole implementation in one translation unit. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
int matrix_impl_anchor(void);
int matrix_impl_anchor(void) { return llml_type_get_info(LLML_TYPE_Q4_K) != 0; }
