#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
