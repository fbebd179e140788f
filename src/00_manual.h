/* llmlite.h 0.1.0 - GGUF language models in one C header - MIT licence (full text at the end of this file)

   ==========================================================================
   MANUAL
   ==========================================================================

   Contents (grep tags of the implementation sections in brackets)
     1. Quick start
     2. Concepts and ownership
     3. Build macros
     4. Memory and sizing                      [>>mix >>plan]
     5. Threads
     6. Backends and SIMD                      [>>bkrun >>backend >>cuda >>metal]
     7. GGUF and security                      [>>gguf]
     8. Tensor formats                         [>>types >>quant_basic >>quant_k
                                                >>quant_iq2 >>quant_iq3 >>quant_iq1]
     9. Errors and logging                     [>>common]
    10. Versioning
    11. What llmlite does NOT do (yet)
    12. Tokenizers                             [>>vocab]
    13. Sampling and chat templates            [>>sample >>chat]
    14. Models, contexts and generation        [>>model >>ctx >>generate]

   --------------------------------------------------------------------------
   1. Quick start
   --------------------------------------------------------------------------
   In ONE C or C++ file of your project:

       #define LLMLITE_IMPLEMENTATION
       #include "llmlite.h"

   Everywhere else include "llmlite.h" alone. Or compile the two-line
   llmlite.c that ships beside the header. Link with -lm (and -lpthread).
   `make install` (PREFIX=/usr/local, DESTDIR) puts the header and a
   pkg-config file in place: cc app.c $(pkg-config --cflags --libs llmlite).

   This complete program loads a model and streams a reply; run it from the
   repository root (the default model models/stories260K.gguf ships there)
   or give MODEL.gguf and a prompt. The tests extract it from this manual and
   from README.md (the two must be the same), compile it as C99 and C++17
   with -Wall -Wextra -Werror, and compare its output with llmlite-chat's
   (tests/quickstart.sh):

   QUICKSTART-BEGIN
   #define LLMLITE_IMPLEMENTATION
   #include "llmlite.h"
   #include <stdio.h>
   #include <string.h>

   // Called with each new piece of text as it is generated.
   static int print_piece(void *user, int32_t token, const char *piece, size_t len) {
       (void)user; (void)token;
       fwrite(piece, 1, len, stdout);
       fflush(stdout);
       return 0;                                    // nonzero would stop here
   }

   int main(int argc, char **argv) {
       const char *path = argc > 1 ? argv[1] : "models/stories260K.gguf";
       const char *prompt = argc > 2 ? argv[2] : "Once upon a time";
       llml_model *model;
       llml_ctx *ctx;
       llml_generate_desc gen;
       llml_error err;
       llml_result r;

       if (llml_model_load_file(path, NULL, &model, &err) != LLML_OK) {
           fprintf(stderr, "%s: %s\n", path, err.message);
           return 1;
       }
       if (llml_ctx_create(model, NULL, &ctx, &err) != LLML_OK) {   // KV cache, threads
           fprintf(stderr, "context: %s\n", err.message);
           llml_model_free(model);
           return 1;
       }
       memset(&gen, 0, sizeof(gen));                // zeroed: greedy sampling, no stops
       gen.prompt = prompt;
       gen.max_tokens = 64;
       gen.on_token = print_piece;
       fputs(prompt, stdout);
       r = llml_generate(ctx, &gen, NULL);
       putchar('\n');
       if (r != LLML_OK) fprintf(stderr, "generate: %s\n", llml_ctx_last_error(ctx));
       llml_ctx_free(ctx);
       llml_model_free(model);
       return r == LLML_OK ? 0 : 1;
   }
   QUICKSTART-END

   --------------------------------------------------------------------------
   2. Concepts and ownership
   --------------------------------------------------------------------------
   - Opaque handles for stateful objects (llml_gguf, llml_gguf_writer), plain
     structs for descriptions and results. A zeroed desc means defaults; every
     desc pointer may be NULL.
   - Whoever creates a handle frees it (llml_gguf_close, llml_gguf_writer_free).
     Strings and arrays returned by a handle stay valid until it is freed.
   - llml_gguf_open_memory never copies: the caller's buffer must outlive the
     handle. Files are memory-mapped; tensor `data` pointers point into the map.
     A model loaded from a mapped file may also keep repacked copies of some
     weight matrices for its CPU kernels (llml_model_load_file); the gguf
     handle's tensors always show the file's bytes.
   - No mutable globals: any number of independent users in one process.
   - An llml_model is immutable once loaded and may be shared by any number
     of contexts in any number of threads; it must outlive its contexts. An
     llml_ctx (KV cache, scratch, worker threads) belongs to one thread at a
     time; only llml_ctx_cancel may be called from another.

   --------------------------------------------------------------------------
   3. Build macros
   --------------------------------------------------------------------------
     LLMLITE_IMPLEMENTATION  define in exactly one file to compile the library
     LLML_IMPL_ELSEWHERE     ignore LLMLITE_IMPLEMENTATION in this file: the library
                             is compiled once in another (llmlite.c; build systems
                             that give every program the same flags)
     LLML_STATIC             make every function static (private copy per file)
     LLML_API                override the declaration prefix (e.g. dllexport)
     LLML_MALLOC(sz), LLML_FREE(p)  default allocator (malloc/free); define both
     LLML_ASSERT(x)          internal invariant checks (default: assert)
     LLML_NO_MMAP            never memory-map: files are read into memory
     LLML_NO_THREADS         no worker threads (contexts run on the caller's thread)
     LLML_NO_SIMD            no SIMD kernels: the portable scalar code only
     LLML_NO_CUDA            leave the CUDA backend out of an nvcc build
     LLML_METAL              with Objective-C on Apple platforms: the Metal backend

   --------------------------------------------------------------------------
   4. Memory and sizing
   --------------------------------------------------------------------------
   Every allocation goes through an llml_allocator given in a desc (alloc gets
   size and alignment, free gets the size back), or LLML_MALLOC/LLML_FREE when
   none is given. Weights come from a memory map, the caller's buffer, or a
   read callback. Quantizers allocate scratch tables per call and free them.

   Measure, then place. llml_ctx_sizes_get gives every buffer a context
   allocates (KV cache, activations, scores, logits) from a shape alone, byte
   for byte what llml_ctx_create places in its one block. llml_plan_compute answers the
   planning questions from a GGUF header (open it with header_only: no weight
   is read) or from an llml_shape (built-in presets of published models, or a
   parameter count and a family): bytes of the weights (exact: per tensor from
   the block layouts, and for a mix by the reference quantizer's own rules,
   llml_mix_plan, the code llmlite-quantize uses), the KV cache (exact: n_ctx x
   n_layer x n_head_kv x head_dim for K and V, 2 bytes F16, 4 F32, 34 per 32
   Q8_0; heads not a multiple of 32 keep F16), compute scratch, output buffers, tokenizer and process overhead;
   placement on a device (the largest number of layers that fits with a
   margin, the rest on the host); bytes read per generated token (experts:
   the active ones only) and predicted speeds: generation = efficiency x
   bandwidth / bytes per token plus fixed costs per layer and token, prompt
   from FLOPs over compute throughput. The device table (llml_device_at,
   llml_device_find) holds published specifications of CPUs and GPUs; fill an
   llml_device of your own for others. Efficiencies default per device kind
   (CPU 0.7, GPU 0.7, unified 0.6 of the bandwidth); llml_device_calibrate
   fits them to a measurement. On a CPU the cores can be the slower side of
   generation: llml_cpu_mv_rate measures how fast this machine's kernels
   multiply each format with the weights in the caches; with those rates in
   llml_device.mv_gws a plan takes the slower of memory and cores, and
   calibration moves the share of whichever binds. Checked against published measurements: median
   error about 15%; expect 25% on one prediction, more on GPUs without int8
   dot products.

   --------------------------------------------------------------------------
   5. Threads
   --------------------------------------------------------------------------
   Functions on different handles may run in different threads at once. A
   reader handle is read-only after opening: any number of threads may query
   it. A writer is used by one thread at a time. Format functions
   (llml_dequantize_row, llml_quantize_rows, llml_vec_dot*) are thread safe.
   Each context owns a pool of n_threads - 1 persistent workers (POSIX
   threads, or Win32 threads on Windows; parked on a condition variable
   while idle) plus the calling thread. Matrix products are split by output rows, attention by heads;
   each value is computed by one thread in a fixed order, so the logits are
   bit-identical for any thread count. Build with LLML_NO_THREADS (or on a
   platform with neither POSIX nor Win32 threads) for a single-threaded
   library.

   --------------------------------------------------------------------------
   6. Backends and SIMD
   --------------------------------------------------------------------------
   Matrix products run through a kernel table chosen once per context
   (llml_ctx_desc.isa_cap caps it; llml_isa_best says what this CPU offers):
   x86-64 AVX2+FMA+F16C and AVX-512 with VNNI (each with an integer GEMM
   for prompts and matching matrix-vector kernels for Q4_0 Q5_0 Q8_0 IQ4_NL
   Q4_K Q6_K; the two levels give the same bits), AArch64 NEON with or
   without dotprod (the same GEMM and matrix-vector kernels for those six
   formats, with the same bits as x86; with i8mm the GEMM multiplies with
   SMMLA, same bits again), and the portable scalar reference
   that every SIMD kernel is tested against (tests/test_kern.c, on AArch64
   under qemu). A token's results are the same bits whether it is decoded
   alone or within a prompt, and for any thread count. The RMS norm, the
   rotary embedding, the softmax's exponentials and SwiGLU are vectorized
   too (x86). Detection uses cpuid + xgetbv on x86 and hwcaps on
   Linux/AArch64; variants are compiled with per-function target attributes,
   so a default `cc -O2` build runs on any CPU of its architecture and still
   uses AVX2 / AVX-512 where present. SIMD formats: F32 F16 BF16 Q4_0 Q4_1
   Q5_0 Q5_1 Q8_0 Q2_K..Q6_K IQ4_NL IQ4_XS IQ2_XXS IQ2_XS IQ2_S IQ3_XXS IQ3_S
   IQ1_S IQ1_M TQ1_0 TQ2_0 (x86 and AArch64); the others (Q8_1, Q8_K as
   weights) use the scalar code.
   Compilers other than GCC and Clang get the scalar table.

   GPUs: a context may run layers on a backend, a table of hooks
   (llml_backend: open a device, report memory, say which formats and
   operations it takes, upload the weights of some layers, run a range of
   layers, move KV cache rows, close). llml_ctx_desc.backends is a priority
   list: the first that opens a device is used; none: the CPU alone. Built in:
   llml_backend_cuda() when nvcc compiles the implementation (one file:
   examples/llmlite_cuda.cu; `make cuda`), llml_backend_metal() when it is
   compiled as Objective-C with LLML_METAL on an Apple platform, and
   llml_backend_reference(), always: the CUDA kernels' arithmetic in plain C
   on the CPU (for tests, and a template). A plain cc build needs nothing
   from CUDA; the other two are then NULL.
   Placement: n_gpu_layers layers, the last ones (as llml_plan_compute places
   them) or the first (gpu_layers_first); LLML_GPU_LAYERS_AUTO (0, the
   default once a backend is listed) takes llml_plan_compute's count for the
   device's free memory; more than n_layer, or auto when all fit, adds the
   output layer (output_place overrides). Fallback is per layer: a layer with
   a weight format or an operation the backend lacks runs on the CPU (so does
   the output layer), said in the log. Each run of consecutive backend
   layers is one call; the residual stream crosses at its ends. The KV cache
   of backend layers lives on the device; llml_ctx_shift and state save/load
   copy it through the host. Cancellation is checked before each run of
   backend layers, not inside it. Each context uploads its own copy of its
   layers' weights. llml_ctx_get_backend says what runs where.
   Numerics: activations meet quantized weights as on the CPU (converted to
   the format's activation type: Q8_0/Q8_K levels, F16/BF16 rounding), so a
   backend's logits differ from the CPU's only by summation order; on the
   small test models that moves them by up to about 1% of the largest logit
   (an activation landing on the next 8-bit level), as the CPU's own scalar
   and SIMD kernels differ from each other.
   CUDA takes F32 F16 BF16 Q4_0 Q8_0 Q4_K Q5_K Q6_K IQ4_XS weights and F32,
   F16, Q8_0 caches; Metal F32 F16 Q4_0 Q8_0 weights, F32 and F16 caches, no
   experts. Neither has run on a GPU yet (README, "GPU backends"); make test
   runs the CUDA kernels under a CPU emulation of the CUDA runtime
   (tests/test_cuda_emu.c) and their arithmetic as the reference backend.

   --------------------------------------------------------------------------
   7. GGUF and security
   --------------------------------------------------------------------------
   GGUF versions 2 and 3 (little-endian) are read; the writer emits version 3.
   A GGUF file is untrusted input. Before it is used, every count, length,
   offset and size is checked against the bytes that are actually there:
   key and string lengths, array lengths, tensor dimensions (1 to 4, each
   positive, product within int64), types, alignment (a power of two),
   tensor offsets (aligned, inside the data section, not overlapping),
   duplicate keys and tensor names, UTF-8 of keys and names. A failure returns
   a negative llml_result and fills llml_error with the byte offset and a
   message naming the key or tensor. Nothing is allocated from an unchecked
   count. Limits: a file must fit the address space to be mapped (use the
   callback source or header_only otherwise).
   The readers of files, tokenizers, chat templates and samplers are fuzzed
   with libFuzzer under ASan and UBSan (tests/fuzz/, `make fuzz`); inputs
   that once failed are replayed by `make test` (tests/corpus/).

   Limits (tests/test_limits.c, tests/test_allocfail.c)
   - Allocation failure: any allocation may fail. The call then returns
     LLML_ERR_OUT_OF_MEMORY, frees what it had made, and every handle stays
     usable (tested at each allocation of loading a model, creating a
     context, tokenizing, decoding and sampling).
   - Contexts: n_ctx is at most 2^24. KV cache and scratch are one block,
     sized in 64-bit arithmetic, allocated and zeroed by llml_ctx_create, so
     a context larger than memory fails there (LLML_ERR_OUT_OF_MEMORY, the
     size in the message), never later in llml_decode. On 32-bit platforms a
     context beyond the address space is refused without asking for it. (A
     Linux set to overcommit always, vm.overcommit_memory=1, grants any
     size: the zeroing then meets the OOM killer inside llml_ctx_create.)
   - Tensors larger than the address space (32-bit platforms): sizes are
     64-bit throughout. Such a file opens through a read callback or with
     header_only; llml_gguf_read_tensor refuses a buffer smaller than the
     tensor; loading it as a model returns LLML_ERR_OUT_OF_MEMORY ("too
     large for this platform").
   - Files that change after loading: on POSIX, pages of a mapped file that
     another program shortens raise SIGBUS when touched. A mapped handle
     keeps its file descriptor open, and llml_ctx_create and every
     llml_decode first compare the file's size with the map (one fstat):
     a shorter file gives LLML_ERR_IO ("load it again"). A file shortened
     while a decode runs still raises SIGBUS. Replace model files by writing
     a new file and renaming it over the old one (the map keeps the old
     file alive), or load with no_mmap (or from memory) where files may be
     rewritten in place. Windows refuses to shorten a mapped file. A file
     rewritten with the same size changes the weights; it does not crash.

   --------------------------------------------------------------------------
   8. Tensor formats
   --------------------------------------------------------------------------
   One table, ggml-compatible ids (llml_type): F32 F16 BF16 Q4_0 Q4_1 Q5_0
   Q5_1 Q8_0 Q8_1 Q2_K Q3_K Q4_K Q5_K Q6_K Q8_K IQ1_S IQ1_M IQ2_XXS IQ2_XS
   IQ2_S IQ3_XXS IQ3_S IQ4_NL IQ4_XS TQ1_0 TQ2_0 I8 I16 I32 I64 F64.
   For each: block size and bytes (llml_type_get_info), dequantize a row
   (bit-exact with the reference), quantize rows from float with optional
   per-column importance weights (an "imatrix"; IQ1_S, IQ1_M, IQ2_XXS and
   IQ2_XS need one for good quality), and a scalar reference dot product of a
   weight row with 8-bit activation blocks (the type's vec_dot_type: Q8_0,
   Q8_1 or Q8_K) or with float activations (llml_vec_dot_f32).

   --------------------------------------------------------------------------
   9. Errors and logging
   --------------------------------------------------------------------------
   Every fallible call returns llml_result: LLML_OK (0) or a negative code;
   llml_result_string() gives a short text, llml_error the details. The
   library never prints, exits or aborts on any input.

   --------------------------------------------------------------------------
   10. Versioning
   --------------------------------------------------------------------------
   LLML_VERSION_MAJOR/MINOR/PATCH and LLML_VERSION_STRING at compile time,
   llml_version() at run time. CHANGES.md lists every change; API breaks are
   marked there.

   --------------------------------------------------------------------------
   11. What llmlite does NOT do (yet)
   --------------------------------------------------------------------------
   - Architectures other than those of section 14; no embeddings/BERT
     models, no vision or audio, no speculative decoding, one sequence per
     context (no batched parallel sequences yet).
   - RoPE scaling other than linear (no YaRN or LongRoPE factors yet).
   - No big-endian GGUF files.
   - No training, no fine-tuning, no network access of any kind.
   - No Jinja engine: chat templates are recognised by name or signature and
     formatted by built-in code (section 13).
   - Samplers not implemented: mirostat, DRY, XTC, top-n-sigma, grammars.

   --------------------------------------------------------------------------
   12. Tokenizers
   --------------------------------------------------------------------------
   llml_vocab_load reads the tokenizer from a GGUF handle (SPM with byte
   fallback, byte-level BPE with the reference's pre-tokenizers, WordPiece)
   and copies what it needs, so the handle may be closed. llml_tokenize and
   llml_detokenize write into caller buffers; a buffer that is too small gives
   LLML_ERR_BUFFER_TOO_SMALL with the size needed. A vocab is read-only after
   loading and may be shared by threads.
   Fill in the middle (code completion between a prefix and a suffix):
   llml_vocab_fim_tokens finds a code model's FIM tokens (the GGUF keys
   tokenizer.ggml.fim_pre/suf/mid_token_id, the older prefix/suffix/
   middle_token_id, or their text: <|fim_prefix|>, <fim_prefix>,
   <｜fim▁begin｜>, <PRE>, ...; LLML_ERR_NOT_FOUND without them), and
   llml_tokenize_infill writes [BOS] FIM_PRE prefix FIM_SUF suffix FIM_MID
   (LLML_TOKENIZE_INFILL_SPM: suffix first), the reference server's prompt;
   generate from it (llml_generate_desc.prompt_tokens) until an
   end-of-generation token: that text is the middle.

   --------------------------------------------------------------------------
   13. Sampling and chat templates
   --------------------------------------------------------------------------
   An llml_sampler applies, in llama.cpp's default order: repetition /
   frequency / presence penalties over the last N accepted tokens, logit
   bias, top-k, typical, top-p, min-p, temperature, then a draw from its own
   seeded generator (xoshiro256**; no globals). A zeroed desc means greedy.
   sample() never changes the caller's logits; accept() records a token.
   One sampler per thread.
   llml_chat_detect recognises a model's tokenizer.chat_template by name or by
   signature strings; llml_chat_format writes a conversation in that style
   (chatml, llama2 and its system variants, llama3, mistral v1/v3/v3-tekken/
   v7/v7-tekken, gemma, phi3, zephyr, deepseek2, deepseek3, command-r). An
   unrecognised or unimplemented template is LLML_ERR_UNSUPPORTED with a
   message naming it.

   --------------------------------------------------------------------------
   14. Models, contexts and generation
   --------------------------------------------------------------------------
   llml_model_load_file / _memory / _callback read a GGUF model: llama
   (Llama 1/2/3, Mistral, Mixtral-style experts, TinyLlama, SmolLM), qwen2,
   qwen2moe, qwen3, gemma, gemma2, gemma3, phi3. Weights stay where the source
   holds them (memory map or caller's buffer, which must be 4-byte aligned);
   a callback source is read into one allocation. llml_model_get_info gives
   the hyperparameters; llml_model_vocab the tokenizer.
   llml_ctx_create makes a context: n_ctx tokens of KV cache (F16 by default;
   F32 or Q8_0 by kv_type), scratch for n_batch tokens, and the workers, all
   in one allocation sized up front. llml_decode runs any number of tokens
   (split into n_batch pieces) after those in the cache; llml_get_logits
   reads the result (every token's with LLML_DECODE_ALL_LOGITS, else the
   last). llml_ctx_truncate, llml_ctx_clear and llml_ctx_shift (drop tokens
   after the first n_keep; the remaining keys are rotated to their new
   positions) manage the cache; llml_state_save / llml_state_load copy it.
   llml_generate is the one-call level: a prompt, chat messages or prompt
   token ids, a sampler desc, stop strings, a per-token callback, cache reuse
   of the common prefix. Hosts that step generation themselves (a game
   engine giving it a few tokens per frame: examples/engine.c) use
   llml_decode, llml_get_logits, llml_sampler_sample and llml_token_to_piece
   in their own loop; the context keeps its state between calls.
   Numerics follow the reference (llama.cpp's CPU path): activations are
   converted to each weight format's 8-bit or 16-bit activation blocks, so
   logits agree with it to about 1e-6 for most formats (see tests/test_model).
*/
