/* Compile-matrix unit: the interface alone, as a user's other files see it. */
#include "llmlite.h"
int matrix_api_anchor(void);
int matrix_api_anchor(void) { return (int)llml_row_size(LLML_TYPE_Q8_0, 64); }
