/* Second translation unit of the LLML_STATIC check. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
int static_b(void);
int static_b(void) { return (int)llml_row_size(LLML_TYPE_Q8_0, 32); }
