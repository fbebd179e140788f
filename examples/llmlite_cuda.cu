/* llmlite with the CUDA backend: nvcc -c examples/llmlite_cuda.cu (make cuda); link with -lcudart. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
