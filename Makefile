# llmlite Makefile (GNU make).
#   make            build every example and tool into build/
#   make test       build and run every test; last line "N passed, N failed"
#   make test-asan  the same suite under AddressSanitizer + UBSan (build-asan/)
#   make clean      remove build outputs
#   make default-model  regenerate models/stories260K.gguf from ../shared (llmlite-llama2c)
# Default flags are portable: no -march=native (faster instruction sets are
# chosen at run time).

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -std=c99
LDLIBS   := -lm -lpthread
BUILD    ?= build
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# llmlite.h is assembled from the parts in src/ (in name order); the result is
# committed so that users can take the single file.
PARTS := $(sort $(wildcard src/*.h))

TOOLS    := gguf quantize tokenize llama2c
EXAMPLES :=
TESTS    := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))

BINS     := $(TOOLS:%=$(BUILD)/llmlite-%) $(EXAMPLES:%=$(BUILD)/llmlite-%)
TESTBINS := $(TESTS:%=$(BUILD)/tests/%)

all: $(BINS)

llmlite.h: $(PARTS)
	cat $(PARTS) > $@

# tools/NAME.c and examples/NAME.c -> build/llmlite-NAME
$(BUILD)/llmlite-%: tools/%.c llmlite.h $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(LDLIBS)

$(BUILD)/llmlite-%: examples/%.c llmlite.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/check.h llmlite.h $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -Itests -Itools -o $@ $< $(LDLIBS)

# The compile matrix runs first, then every test program.
test: $(BINS) $(TESTBINS) llmlite.c
	@LLML_BUILD=$(BUILD) sh tests/run.sh "sh tests/compile_matrix.sh $(BUILD)/matrix" $(TESTBINS:%=./%)

test-asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(SANFLAGS)" test-asan-run

test-asan-run: $(BINS) $(TESTBINS)
	@LLML_BUILD=$(BUILD) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh $(TESTBINS:%=./%)

# The shipped default model, models/stories260K.gguf (committed), converted
# from llama2.c's files in ../shared; `make` and `make test` never need ../shared
# for it. tests/test_llama2c.c checks that it equals a fresh conversion.
LLAMA2C_SRC := ../shared/testdata/real
default-model: $(BUILD)/llmlite-llama2c
	@mkdir -p models
	$(BUILD)/llmlite-llama2c $(LLAMA2C_SRC)/stories260K.bin $(LLAMA2C_SRC)/tok512.bin models/stories260K.gguf --name stories260K

clean:
	rm -rf build build-asan

.PHONY: all test test-asan test-asan-run clean default-model
.SECONDARY:
