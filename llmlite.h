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
     6. Backends and SIMD
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
   This complete program (the tests extract and run it) lists a model's tensors:

   QUICKSTART-BEGIN
   #define LLMLITE_IMPLEMENTATION
   #include "llmlite.h"
   #include <stdio.h>

   int main(int argc, char **argv) {
       llml_gguf *g;
       llml_error err;
       const char *arch = "?";
       int64_t i;
       if (argc < 2) { fprintf(stderr, "usage: %s MODEL.gguf\n", argv[0]); return 2; }
       if (llml_gguf_open_file(argv[1], NULL, &g, &err) != LLML_OK) {
           fprintf(stderr, "%s: %s (at byte %llu)\n", argv[1], err.message,
                   (unsigned long long)err.offset);
           return 1;
       }
       llml_gguf_get_str(g, "general.architecture", &arch);
       printf("%s: %lld tensors\n", arch, (long long)llml_gguf_n_tensors(g));
       for (i = 0; i < llml_gguf_n_tensors(g); i++) {
           const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
           printf("%-32s %-8s %lld x %lld\n", t->name, llml_type_get_info(t->type)->name,
                  (long long)t->ne[0], (long long)t->ne[1]);
       }
       llml_gguf_close(g);
       return 0;
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
   - No mutable globals: any number of independent users in one process.
   - An llml_model is immutable once loaded and may be shared by any number
     of contexts in any number of threads; it must outlive its contexts. An
     llml_ctx (KV cache, scratch, worker threads) belongs to one thread at a
     time; only llml_ctx_cancel may be called from another.

   --------------------------------------------------------------------------
   3. Build macros
   --------------------------------------------------------------------------
     LLMLITE_IMPLEMENTATION  define in exactly one file to compile the library
     LLML_STATIC             make every function static (private copy per file)
     LLML_API                override the declaration prefix (e.g. dllexport)
     LLML_MALLOC(sz), LLML_FREE(p)  default allocator (malloc/free); define both
     LLML_ASSERT(x)          internal invariant checks (default: assert)
     LLML_NO_MMAP            never memory-map: files are read into memory
     LLML_NO_THREADS         no worker threads (contexts run on the caller's thread)
     LLML_NO_SIMD            no SIMD kernels: the portable scalar code only

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
   fits them to a measurement. Checked against published measurements: median
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
   threads; parked on a condition variable while idle) plus the calling
   thread. Matrix products are split by output rows, attention by heads;
   each value is computed by one thread in a fixed order, so the logits are
   bit-identical for any thread count. Build with LLML_NO_THREADS (or on a
   platform without POSIX threads) for a single-threaded library.

   --------------------------------------------------------------------------
   6. Backends and SIMD
   --------------------------------------------------------------------------
   Matrix products run through a kernel table chosen once per context
   (llml_ctx_desc.isa_cap caps it; llml_isa_best says what this CPU offers):
   x86-64 AVX2+FMA+F16C (and AVX-512 detection, which uses the AVX2 kernels
   for now), AArch64 NEON with or without dotprod, and the portable scalar
   reference that every SIMD kernel is tested against (tests/test_kern.c, on
   AArch64 under qemu). Detection uses cpuid + xgetbv on x86 and hwcaps on
   Linux/AArch64; variants are compiled with per-function target attributes,
   so a default `cc -O2` build runs on any CPU of its architecture and still
   uses AVX2 where present. SIMD formats: F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1
   Q8_0 Q2_K..Q6_K IQ4_NL IQ4_XS; the other formats use the scalar code.
   Compilers other than GCC and Clang get the scalar table. GPU hooks come in
   a later version.

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
   llml_generate is the one-call level: a prompt or chat messages, a sampler
   desc, stop strings, a per-token callback, cache reuse of the common prefix.
   Numerics follow the reference (llama.cpp's CPU path): activations are
   converted to each weight format's 8-bit or 16-bit activation blocks, so
   logits agree with it to about 1e-6 for most formats (see tests/test_model).
*/
/* ======================================================================== */
/* Zone 2: the interface                                                    */
/* ======================================================================== */
#ifndef LLMLITE_H
#define LLMLITE_H

#include <stddef.h>
#include <stdint.h>

#define LLML_VERSION_MAJOR 0
#define LLML_VERSION_MINOR 1
#define LLML_VERSION_PATCH 0
#define LLML_VERSION_STRING "0.1.0"

#ifndef LLML_API
#  ifdef LLML_STATIC
#    if defined(__GNUC__) || defined(__clang__)
#      define LLML_API static __attribute__((unused))
#    else
#      define LLML_API static
#    endif
#  else
#    define LLML_API extern
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- results ------------------------------------------------------------ */

/* Every fallible call returns an llml_result: LLML_OK (0) or a negative code. */
typedef enum llml_result {
    LLML_OK = 0,
    LLML_ERR_INVALID_ARG = -1,     /* a NULL or out-of-range argument        */
    LLML_ERR_OUT_OF_MEMORY = -2,   /* an allocation failed                   */
    LLML_ERR_IO = -3,              /* open/read/write/map of a file failed   */
    LLML_ERR_BAD_MAGIC = -4,       /* not a GGUF file                        */
    LLML_ERR_BAD_VERSION = -5,     /* GGUF version other than 2 or 3         */
    LLML_ERR_TRUNCATED = -6,       /* the data ends before a field           */
    LLML_ERR_CORRUPT = -7,         /* a count, length or size is impossible  */
    LLML_ERR_UNSUPPORTED_TYPE = -8,/* unknown metadata value or tensor type  */
    LLML_ERR_NOT_FOUND = -9,       /* no such key or tensor                  */
    LLML_ERR_TYPE_MISMATCH = -10,  /* key exists with another value type     */
    LLML_ERR_DUPLICATE = -11,      /* duplicate key or tensor name           */
    LLML_ERR_BAD_ALIGNMENT = -12,  /* bad general.alignment or tensor offset */
    LLML_ERR_BAD_UTF8 = -13,       /* a key or name that is not valid UTF-8  */
    LLML_ERR_OUT_OF_BOUNDS = -14,  /* tensor data outside the data section   */
    LLML_ERR_OVERLAP = -15,        /* two tensors share bytes                */
    LLML_ERR_BAD_SHAPE = -16,      /* 0 or >4 dims, bad dim, row/block misfit */
    LLML_ERR_UNSUPPORTED = -17,    /* valid, but not implemented here        */
    LLML_ERR_BUFFER_TOO_SMALL = -18,/* an output buffer is too small: the size
                                      out-parameter then holds the size needed */
    LLML_ERR_UNSUPPORTED_ARCH = -19,/* a model architecture llmlite cannot run */
    LLML_ERR_CONTEXT_FULL = -20,   /* the KV cache has no room for the tokens */
    LLML_ERR_ABORTED = -21         /* stopped by llml_ctx_cancel             */
} llml_result;

/* A short, static description of a result code. Never NULL. */
LLML_API const char *llml_result_string(llml_result r);

/* Detailed error: filled by calls that take an llml_error* (may be NULL).
   `offset` is the byte offset in the input where the problem was found
   (UINT64_MAX when it does not apply); `message` names the key or tensor. */
typedef struct llml_error {
    llml_result code;
    uint64_t offset;
    char message[256];
} llml_error;

/* Runtime version twin of LLML_VERSION_STRING. */
LLML_API const char *llml_version(void);

/* ---- allocator ---------------------------------------------------------- */

/* Optional run-time allocator. A zeroed / NULL allocator means the compile-
   time default (LLML_MALLOC / LLML_FREE, i.e. malloc and free).
   alloc gets size and alignment; free gets the pointer and the size it had. */
typedef struct llml_allocator {
    void *(*alloc)(void *user, size_t size, size_t align);
    void (*free)(void *user, void *ptr, size_t size);
    void *user;
} llml_allocator;

/* ---- tensor formats ----------------------------------------------------- */

/* ggml-compatible type ids (append-only). Gaps are ids retired upstream. */
typedef enum llml_type {
    LLML_TYPE_F32 = 0,
    LLML_TYPE_F16 = 1,
    LLML_TYPE_Q4_0 = 2,
    LLML_TYPE_Q4_1 = 3,
    LLML_TYPE_Q5_0 = 6,
    LLML_TYPE_Q5_1 = 7,
    LLML_TYPE_Q8_0 = 8,
    LLML_TYPE_Q8_1 = 9,
    LLML_TYPE_Q2_K = 10,
    LLML_TYPE_Q3_K = 11,
    LLML_TYPE_Q4_K = 12,
    LLML_TYPE_Q5_K = 13,
    LLML_TYPE_Q6_K = 14,
    LLML_TYPE_Q8_K = 15,
    LLML_TYPE_IQ2_XXS = 16,
    LLML_TYPE_IQ2_XS = 17,
    LLML_TYPE_IQ3_XXS = 18,
    LLML_TYPE_IQ1_S = 19,
    LLML_TYPE_IQ4_NL = 20,
    LLML_TYPE_IQ3_S = 21,
    LLML_TYPE_IQ2_S = 22,
    LLML_TYPE_IQ4_XS = 23,
    LLML_TYPE_I8 = 24,
    LLML_TYPE_I16 = 25,
    LLML_TYPE_I32 = 26,
    LLML_TYPE_I64 = 27,
    LLML_TYPE_F64 = 28,
    LLML_TYPE_IQ1_M = 29,
    LLML_TYPE_BF16 = 30,
    LLML_TYPE_TQ1_0 = 34,
    LLML_TYPE_TQ2_0 = 35,
    LLML_TYPE_COUNT = 40,          /* one past the largest id we know */
    LLML_TYPE_FORCE_U32 = 0x7fffffff
} llml_type;

/* Static facts about a format. */
typedef struct llml_type_info {
    const char *name;        /* "q4_K", as ggml names it                     */
    int32_t block_size;      /* elements per block (1 for plain types)       */
    int32_t type_size;       /* bytes per block                              */
    int32_t is_quantized;    /* 1 for block formats                          */
    llml_type vec_dot_type;  /* activation format of llml_vec_dot            */
    int32_t needs_imatrix;   /* 1: quality is poor without importance data   */
} llml_type_info;

/* Info for `type`, or NULL for an id that is not a known format.
   Thread safety: any thread. Returns a pointer to static storage. */
LLML_API const llml_type_info *llml_type_get_info(llml_type type);

/* Find a type by name, case-insensitive ("Q4_K", "q4_k", "f16").
   Returns LLML_ERR_NOT_FOUND for an unknown name. */
LLML_API llml_result llml_type_from_name(const char *name, llml_type *out);

/* Bytes of a row of `n` elements; 0 if n is not a multiple of the block size
   or the type is unknown. */
LLML_API size_t llml_row_size(llml_type type, int64_t n);

/* Dequantize one row of n elements (n a multiple of the block size) into dst.
   Scalar reference; bit-exact with ggml. Thread safety: any thread. */
LLML_API llml_result llml_dequantize_row(llml_type type, const void *src, float *dst, int64_t n);

/* Quantize nrows rows of n_per_row floats into dst (nrows * llml_row_size
   bytes). `imatrix` (may be NULL) holds n_per_row importance weights, one per
   column (the mean squared activation seen by that column). Formats that need
   one (llml_type_info.needs_imatrix) work without it, at lower quality.
   Allocates temporary tables with the default allocator.
   Thread safety: any thread; no shared state. */
LLML_API llml_result llml_quantize_rows(llml_type type, const float *src, void *dst,
                                        int64_t nrows, int64_t n_per_row,
                                        const float *imatrix);

/* Scalar reference dot product of one weight row `w` (format `type`, n
   elements) with activations `act` stored in the type's vec_dot_type
   (Q8_0, Q8_1, Q8_K, F16, BF16 or F32). Result in *out. */
LLML_API llml_result llml_vec_dot(llml_type type, int64_t n, const void *w,
                                  const void *act, float *out);

/* Scalar reference dot product of a weight row with float activations. */
LLML_API llml_result llml_vec_dot_f32(llml_type type, int64_t n, const void *w,
                                      const float *x, float *out);

/* Half-precision helpers (IEEE binary16 and bfloat16, round to nearest even). */
LLML_API float llml_fp16_to_fp32(uint16_t h);
LLML_API uint16_t llml_fp32_to_fp16(float f);
LLML_API float llml_bf16_to_fp32(uint16_t h);
LLML_API uint16_t llml_fp32_to_bf16(float f);

/* ---- GGUF reading ------------------------------------------------------- */

/* Metadata value types (GGUF ids). */
typedef enum llml_gguf_vtype {
    LLML_GGUF_UINT8 = 0,
    LLML_GGUF_INT8 = 1,
    LLML_GGUF_UINT16 = 2,
    LLML_GGUF_INT16 = 3,
    LLML_GGUF_UINT32 = 4,
    LLML_GGUF_INT32 = 5,
    LLML_GGUF_FLOAT32 = 6,
    LLML_GGUF_BOOL = 7,
    LLML_GGUF_STRING = 8,
    LLML_GGUF_ARRAY = 9,
    LLML_GGUF_UINT64 = 10,
    LLML_GGUF_INT64 = 11,
    LLML_GGUF_FLOAT64 = 12,
    LLML_GGUF_VTYPE_COUNT = 13,
    LLML_GGUF_VTYPE_FORCE_U32 = 0x7fffffff
} llml_gguf_vtype;

/* Name of a value type ("u32", "str", "arr", ...). */
LLML_API const char *llml_gguf_vtype_name(llml_gguf_vtype t);

/* An opened GGUF file: metadata, tensor infos, and access to tensor data. */
typedef struct llml_gguf llml_gguf;

/* Read-at-offset callback: copy n bytes at `offset` of the source into dst.
   Return the number of bytes copied (less than n only at the end of data). */
typedef size_t (*llml_read_fn)(void *user, uint64_t offset, void *dst, size_t n);

typedef struct llml_gguf_desc {
    const llml_allocator *allocator; /* NULL: default                        */
    int32_t no_mmap;      /* files: read the data into memory instead of mapping */
    int32_t header_only;  /* files: read metadata and tensor table only       */
} llml_gguf_desc;

/* Open a GGUF file (memory-mapped where the platform allows). desc may be NULL.
   On failure *out is NULL and err (may be NULL) says what and where. */
LLML_API llml_result llml_gguf_open_file(const char *path, const llml_gguf_desc *desc,
                                         llml_gguf **out, llml_error *err);
/* Parse a caller's buffer in place (zero copy): `data` must outlive the handle. */
LLML_API llml_result llml_gguf_open_memory(const void *data, size_t size,
                                           const llml_gguf_desc *desc,
                                           llml_gguf **out, llml_error *err);
/* Parse through a read callback; `size` is the total size of the source.
   Tensor data is then fetched with llml_gguf_read_tensor. */
LLML_API llml_result llml_gguf_open_callback(llml_read_fn read, void *user, uint64_t size,
                                             const llml_gguf_desc *desc,
                                             llml_gguf **out, llml_error *err);
/* Free everything the handle owns (unmaps a mapped file). NULL is fine. */
LLML_API void llml_gguf_close(llml_gguf *g);

LLML_API uint32_t llml_gguf_version(const llml_gguf *g);
LLML_API uint32_t llml_gguf_alignment(const llml_gguf *g);
LLML_API uint64_t llml_gguf_data_offset(const llml_gguf *g);  /* start of data section */
LLML_API uint64_t llml_gguf_file_size(const llml_gguf *g);

/* Metadata: iteration by index 0..n_kv-1, lookup by key (-1 if absent). */
LLML_API int64_t llml_gguf_n_kv(const llml_gguf *g);
LLML_API int64_t llml_gguf_find_key(const llml_gguf *g, const char *key);
LLML_API const char *llml_gguf_key(const llml_gguf *g, int64_t i);          /* NUL-terminated */
LLML_API llml_gguf_vtype llml_gguf_kv_type(const llml_gguf *g, int64_t i);
LLML_API llml_gguf_vtype llml_gguf_arr_type(const llml_gguf *g, int64_t i); /* element type */
LLML_API uint64_t llml_gguf_arr_len(const llml_gguf *g, int64_t i);
/* Numeric array elements, host-endian, naturally aligned; NULL for strings. */
LLML_API const void *llml_gguf_arr_data(const llml_gguf *g, int64_t i);
/* Element j of a string array (NUL-terminated; may contain NULs: see _len). */
LLML_API const char *llml_gguf_arr_str(const llml_gguf *g, int64_t i, uint64_t j);
LLML_API uint64_t llml_gguf_arr_str_len(const llml_gguf *g, int64_t i, uint64_t j);
/* Scalar value of kv i as raw storage (a pointer to the u8..f64 value, or to
   the NUL-terminated string); NULL for arrays. */
LLML_API const void *llml_gguf_kv_data(const llml_gguf *g, int64_t i);

/* Typed getters: LLML_ERR_NOT_FOUND for a missing key, LLML_ERR_TYPE_MISMATCH
   for a value of another type. get_int accepts any integer type whose value
   fits in int64_t; get_float accepts f32 and f64. Strings stay owned by g. */
LLML_API llml_result llml_gguf_get_u8(const llml_gguf *g, const char *key, uint8_t *out);
LLML_API llml_result llml_gguf_get_i8(const llml_gguf *g, const char *key, int8_t *out);
LLML_API llml_result llml_gguf_get_u16(const llml_gguf *g, const char *key, uint16_t *out);
LLML_API llml_result llml_gguf_get_i16(const llml_gguf *g, const char *key, int16_t *out);
LLML_API llml_result llml_gguf_get_u32(const llml_gguf *g, const char *key, uint32_t *out);
LLML_API llml_result llml_gguf_get_i32(const llml_gguf *g, const char *key, int32_t *out);
LLML_API llml_result llml_gguf_get_u64(const llml_gguf *g, const char *key, uint64_t *out);
LLML_API llml_result llml_gguf_get_i64(const llml_gguf *g, const char *key, int64_t *out);
LLML_API llml_result llml_gguf_get_f32(const llml_gguf *g, const char *key, float *out);
LLML_API llml_result llml_gguf_get_f64(const llml_gguf *g, const char *key, double *out);
LLML_API llml_result llml_gguf_get_bool(const llml_gguf *g, const char *key, int *out);
LLML_API llml_result llml_gguf_get_str(const llml_gguf *g, const char *key, const char **out);
LLML_API llml_result llml_gguf_get_int(const llml_gguf *g, const char *key, int64_t *out);
LLML_API llml_result llml_gguf_get_float(const llml_gguf *g, const char *key, double *out);
/* Array: element type and length; LLML_ERR_TYPE_MISMATCH if not an array. */
LLML_API llml_result llml_gguf_get_arr(const llml_gguf *g, const char *key,
                                       llml_gguf_vtype *elem_type, uint64_t *len, int64_t *index);

/* Tensor infos. `offset` is relative to the data section; `data` points at
   the bytes when the source is memory or a mapped/read file, else NULL. */
typedef struct llml_gguf_tensor {
    const char *name;
    llml_type type;
    uint32_t n_dims;
    int64_t ne[4];        /* ne[0] = elements per row; unused dims are 1 */
    uint64_t offset;
    uint64_t size;        /* bytes */
    const void *data;
} llml_gguf_tensor;

LLML_API int64_t llml_gguf_n_tensors(const llml_gguf *g);
LLML_API const llml_gguf_tensor *llml_gguf_tensor_at(const llml_gguf *g, int64_t i);
LLML_API int64_t llml_gguf_find_tensor(const llml_gguf *g, const char *name);  /* -1 if absent */
/* Copy tensor i's bytes into dst (cap >= size). Works for every source. */
LLML_API llml_result llml_gguf_read_tensor(const llml_gguf *g, int64_t i, void *dst, size_t cap);

/* ---- GGUF writing ------------------------------------------------------- */

/* A writer collects metadata and tensor infos, then writes a GGUF v3 file.
   Tensor data is either given up front (kept by pointer, not copied: it must
   stay valid until written) or streamed after the header with
   llml_gguf_writer_write_data, in the order the tensors were added. */
typedef struct llml_gguf_writer llml_gguf_writer;

/* Write callback: write n bytes; return n on success. */
typedef size_t (*llml_write_fn)(void *user, const void *src, size_t n);

LLML_API llml_result llml_gguf_writer_create(const llml_allocator *allocator, llml_gguf_writer **out);
LLML_API void llml_gguf_writer_free(llml_gguf_writer *w);
/* Setting a key that exists replaces its value (position kept). */
LLML_API llml_result llml_gguf_writer_set_u8(llml_gguf_writer *w, const char *key, uint8_t v);
LLML_API llml_result llml_gguf_writer_set_i8(llml_gguf_writer *w, const char *key, int8_t v);
LLML_API llml_result llml_gguf_writer_set_u16(llml_gguf_writer *w, const char *key, uint16_t v);
LLML_API llml_result llml_gguf_writer_set_i16(llml_gguf_writer *w, const char *key, int16_t v);
LLML_API llml_result llml_gguf_writer_set_u32(llml_gguf_writer *w, const char *key, uint32_t v);
LLML_API llml_result llml_gguf_writer_set_i32(llml_gguf_writer *w, const char *key, int32_t v);
LLML_API llml_result llml_gguf_writer_set_u64(llml_gguf_writer *w, const char *key, uint64_t v);
LLML_API llml_result llml_gguf_writer_set_i64(llml_gguf_writer *w, const char *key, int64_t v);
LLML_API llml_result llml_gguf_writer_set_f32(llml_gguf_writer *w, const char *key, float v);
LLML_API llml_result llml_gguf_writer_set_f64(llml_gguf_writer *w, const char *key, double v);
LLML_API llml_result llml_gguf_writer_set_bool(llml_gguf_writer *w, const char *key, int v);
LLML_API llml_result llml_gguf_writer_set_str(llml_gguf_writer *w, const char *key, const char *v);
/* Numeric array of n elements of elem_type (copied). */
LLML_API llml_result llml_gguf_writer_set_arr(llml_gguf_writer *w, const char *key,
                                              llml_gguf_vtype elem_type, const void *data, uint64_t n);
/* String array (copied); lens may be NULL for NUL-terminated strings. */
LLML_API llml_result llml_gguf_writer_set_arr_str(llml_gguf_writer *w, const char *key,
                                                  const char *const *strs, const uint64_t *lens, uint64_t n);
/* Copy key/value i of a reader, under the same key. */
LLML_API llml_result llml_gguf_writer_copy_kv(llml_gguf_writer *w, const llml_gguf *g, int64_t i);
LLML_API llml_result llml_gguf_writer_remove_key(llml_gguf_writer *w, const char *key);
/* Add a tensor; data may be NULL (then stream it later). size is checked
   against the type and shape. */
LLML_API llml_result llml_gguf_writer_add_tensor(llml_gguf_writer *w, const char *name, llml_type type,
                                                 uint32_t n_dims, const int64_t *ne,
                                                 const void *data, uint64_t size);
/* Write the whole file (all tensors must have data). */
LLML_API llml_result llml_gguf_writer_write_file(llml_gguf_writer *w, const char *path);
LLML_API llml_result llml_gguf_writer_write(llml_gguf_writer *w, llml_write_fn write, void *user);
/* Streaming: write header, metadata and tensor infos now; then every tensor's
   bytes in order with write_data (padding is added for you); then finish. */
LLML_API llml_result llml_gguf_writer_begin(llml_gguf_writer *w, llml_write_fn write, void *user);
LLML_API llml_result llml_gguf_writer_begin_file(llml_gguf_writer *w, const char *path);
LLML_API llml_result llml_gguf_writer_write_data(llml_gguf_writer *w, const void *data, uint64_t size);
LLML_API llml_result llml_gguf_writer_finish(llml_gguf_writer *w);
/* Total bytes the file will have (after all tensors were added). */
LLML_API uint64_t llml_gguf_writer_file_size(const llml_gguf_writer *w);


/* ---- instruction sets ------------------------------------------------------ */

/* The matrix-product kernels are chosen at run time, once per context, from
   what the CPU reports (cpuid + xgetbv on x86-64, hwcaps on AArch64 Linux).
   Binaries built with the default portable flags carry every variant, each
   compiled with per-function target attributes (GCC and Clang; other
   compilers get the portable scalar code). An llml_isa value caps the choice
   (contexts take one in their desc; 0 = no cap). Levels are ordered within
   their family: SCALAR < AVX2 < AVX512 on x86-64, SCALAR < NEON <
   NEON_DOTPROD on AArch64. A cap names the highest level allowed; a level of
   the other family caps at SCALAR. */
typedef enum llml_isa {
    LLML_ISA_DEFAULT = 0,      /* no cap: the best the CPU and the build allow */
    LLML_ISA_SCALAR = 1,       /* portable C only                              */
    LLML_ISA_AVX2 = 2,         /* x86-64 AVX2 + FMA + F16C                     */
    LLML_ISA_AVX512 = 3,       /* + AVX-512 F/BW/VL/DQ and VNNI (BF16 dot
                                  products used when the CPU has AVX512_BF16) */
    LLML_ISA_NEON = 4,         /* AArch64 Advanced SIMD                        */
    LLML_ISA_NEON_DOTPROD = 5, /* + SDOT/UDOT (Armv8.2 dotprod)                */
    LLML_ISA_FORCE_U32 = 0x7fffffff
} llml_isa;

/* A short name: "default", "scalar", "avx2", "avx512", "neon",
   "neon-dotprod"; "unknown" for any other value. Never NULL. */
LLML_API const char *llml_isa_name(llml_isa isa);

/* The best level this CPU and this build support (LLML_ISA_SCALAR at
   least). Thread safety: any thread; no shared state (queries the CPU on
   every call). */
LLML_API llml_isa llml_isa_best(void);

/* 1 if `isa` can run here (SCALAR and DEFAULT always can), else 0. */
LLML_API int llml_isa_supported(llml_isa isa);

/* ---- tokenizers --------------------------------------------------------- */

/* A tokenizer (vocabulary) built from a GGUF file's tokenizer.ggml.* metadata.
   Kinds: SPM (SentencePiece with <0xXX> byte fallback: Llama 1/2, Phi-3,
   Baichuan), byte-level BPE (GPT-2 style, with the pre-tokenizers of Llama 3,
   Qwen 2, GPT-2, DeepSeek LLM/Coder, Falcon, StarCoder, SmolLM and their
   relatives) and WordPiece (BERT). Token ids follow the file. A loaded vocab
   is immutable: any number of threads may use one at the same time. */
typedef struct llml_vocab llml_vocab;

typedef enum llml_vocab_type {
    LLML_VOCAB_SPM = 1,   /* tokenizer.ggml.model "llama" */
    LLML_VOCAB_BPE = 2,   /* tokenizer.ggml.model "gpt2"  */
    LLML_VOCAB_WPM = 3    /* tokenizer.ggml.model "bert"  */
} llml_vocab_type;

/* Token attributes (bit set): tokenizer.ggml.token_type, plus the fixes the
   reference applies by token text (end-of-turn and fill-in-the-middle tokens
   become CONTROL; Phi-3's special tokens strip the spaces after them). */
#define LLML_TOKEN_ATTR_UNKNOWN      0x001u
#define LLML_TOKEN_ATTR_UNUSED       0x002u
#define LLML_TOKEN_ATTR_NORMAL       0x004u
#define LLML_TOKEN_ATTR_CONTROL      0x008u
#define LLML_TOKEN_ATTR_USER_DEFINED 0x010u
#define LLML_TOKEN_ATTR_BYTE         0x020u
#define LLML_TOKEN_ATTR_LSTRIP       0x080u
#define LLML_TOKEN_ATTR_RSTRIP       0x100u

/* Special tokens, for llml_vocab_special. */
typedef enum llml_special_token {
    LLML_TOKEN_BOS = 0, LLML_TOKEN_EOS, LLML_TOKEN_EOT, LLML_TOKEN_EOM,
    LLML_TOKEN_UNK, LLML_TOKEN_SEP, LLML_TOKEN_PAD, LLML_TOKEN_MASK,
    LLML_TOKEN_FIM_PRE, LLML_TOKEN_FIM_SUF, LLML_TOKEN_FIM_MID,
    LLML_TOKEN_FIM_PAD, LLML_TOKEN_FIM_REP, LLML_TOKEN_FIM_SEP,
    LLML_TOKEN_SPECIAL_COUNT
} llml_special_token;

/* Build a tokenizer from g's metadata (tokenizer.ggml.model, .pre, .tokens,
   .scores, .token_type, .merges, the *_token_id keys, add_bos_token,
   add_eos_token, add_sep_token, add_space_prefix, normalizer.*). Everything
   needed is copied: g may be closed afterwards. `a` (may be NULL) serves every
   allocation of the vocab and of the calls that use it. On failure *out is
   NULL and err (may be NULL) names the key: LLML_ERR_NOT_FOUND (no tokenizer),
   LLML_ERR_UNSUPPORTED (a model or pre-tokenizer not implemented here),
   LLML_ERR_TYPE_MISMATCH, LLML_ERR_CORRUPT, LLML_ERR_DUPLICATE (a token text
   twice), LLML_ERR_OUT_OF_MEMORY. Thread safety: any thread. */
LLML_API llml_result llml_vocab_load(const llml_gguf *g, const llml_allocator *a,
                                     llml_vocab **out, llml_error *err);
/* Free the vocab and all it owns. NULL is fine. */
LLML_API void llml_vocab_free(llml_vocab *v);

/* Kind of tokenizer (0 for NULL). */
LLML_API llml_vocab_type llml_vocab_get_type(const llml_vocab *v);
/* Pre-tokenizer name as stored in the file ("llama-bpe", "qwen2", ...);
   "" for SPM and WordPiece. Owned by v. */
LLML_API const char *llml_vocab_pre_name(const llml_vocab *v);
/* Number of tokens; valid ids are 0 .. n-1. */
LLML_API int32_t llml_vocab_n_tokens(const llml_vocab *v);
/* Id of a special token, or -1 when the vocab has none. */
LLML_API int32_t llml_vocab_special(const llml_vocab *v, llml_special_token which);
/* 1 when ADD_SPECIAL puts a BOS first / an EOS last (metadata and model
   defaults), else 0. */
LLML_API int llml_vocab_get_add_bos(const llml_vocab *v);
LLML_API int llml_vocab_get_add_eos(const llml_vocab *v);
/* 1 if `token` ends generation (EOS, EOT, EOM and end-of-turn texts). */
LLML_API int llml_vocab_is_eog(const llml_vocab *v, int32_t token);

/* Stored text of a token as in the file (BPE byte-level or SPM "▁"
   notation), NUL-terminated, its length in *len (may be NULL; the text may
   contain NULs). NULL for an id out of range. Owned by v. */
LLML_API const char *llml_vocab_token_text(const llml_vocab *v, int32_t token, size_t *len);
/* Score (SPM merge priority; 0 when the file has none) and attributes
   (LLML_TOKEN_ATTR_*) of a token; 0 for an id out of range. */
LLML_API float llml_vocab_token_score(const llml_vocab *v, int32_t token);
LLML_API uint32_t llml_vocab_token_attr(const llml_vocab *v, int32_t token);
/* Id of the token whose stored text is exactly text[0..len), or -1. */
LLML_API int32_t llml_vocab_find_token(const llml_vocab *v, const char *text, size_t len);

/* llml_tokenize flags. */
#define LLML_TOKENIZE_ADD_SPECIAL   1u  /* add BOS / EOS (WordPiece: CLS / SEP) as the metadata says */
#define LLML_TOKENIZE_PARSE_SPECIAL 2u  /* control-token text ("<|eot_id|>") becomes that token;
                                           without it such text is tokenized as plain text.
                                           User-defined tokens are always matched. */

/* Tokenize text[0..len) (any bytes; invalid UTF-8 is handled as the
   reference does: BPE and WordPiece read each bad byte as U+FFFD, SPM falls
   back to byte tokens). Writes up to `cap` ids to `tokens` (may be NULL when
   cap is 0) and the total count to *n_tokens. Returns LLML_OK, or
   LLML_ERR_BUFFER_TOO_SMALL when the count exceeds cap (the first cap ids
   are written; call again with *n_tokens slots), or LLML_ERR_INVALID_ARG
   (NULL v or n_tokens, NULL text with len > 0, len over 256 MiB), or
   LLML_ERR_OUT_OF_MEMORY. Allocates scratch memory through v's allocator.
   Thread safety: any thread, concurrently on one vocab. */
LLML_API llml_result llml_tokenize(const llml_vocab *v, const char *text, size_t len,
                                   uint32_t flags, int32_t *tokens, size_t cap, size_t *n_tokens);

/* llml_token_to_piece / llml_detokenize flags. */
#define LLML_DETOKENIZE_RENDER_SPECIAL 1u  /* write control/unknown tokens' text (else they give nothing) */
#define LLML_DETOKENIZE_REMOVE_SPECIAL 2u  /* detokenize: skip the BOS / EOS that ADD_SPECIAL adds */
#define LLML_DETOKENIZE_CLEAN_SPACES   4u  /* detokenize: the reference's clean-up (" ?" -> "?", " 's" ->
                                              "'s", ...) where the model asks for it; lossy */

/* The bytes one token stands for: BPE byte-level text decoded to bytes, SPM
   "▁" -> " " and <0xXX> -> that byte, user-defined tokens verbatim, control
   and unknown tokens empty unless RENDER_SPECIAL. Writes up to `cap` bytes
   to buf (may be NULL when cap is 0), adds a NUL when there is room, and
   puts the piece length in *n. LLML_ERR_BUFFER_TOO_SMALL when the piece is
   longer than cap; LLML_ERR_INVALID_ARG for an id out of range. A piece may
   be part of a UTF-8 character. Thread safety: any thread; allocates nothing. */
LLML_API llml_result llml_token_to_piece(const llml_vocab *v, int32_t token, uint32_t flags,
                                         char *buf, size_t cap, size_t *n);

/* Text of a token sequence: the pieces joined. For SPM one leading space
   (the one the tokenizer puts in front) is removed from the first piece; a
   BOS kept at the start takes that place, as in the reference, while one
   dropped by REMOVE_SPECIAL does not. Without CLEAN_SPACES,
   detokenize(tokenize(x)) == x for SPM and BPE vocabs on valid UTF-8 text
   (and with ADD_SPECIAL + REMOVE_SPECIAL), except: bytes a BPE vocab has no
   token for (the reference drops them too), U+2581 in SPM text (it reads as
   a space), and spaces eaten by LSTRIP/RSTRIP tokens. WordPiece gives the normalized
   words (lower case, accented letters replaced by their base letter as the
   model says), each preceded by a space; [UNK] gives nothing. Output
   convention as llml_token_to_piece (bytes, NUL when room, length in *n,
   LLML_ERR_BUFFER_TOO_SMALL with the exact size needed). tokens may be NULL
   when n_tokens is 0. Allocates scratch memory only with CLEAN_SPACES.
   Thread safety: any thread. */
LLML_API llml_result llml_detokenize(const llml_vocab *v, const int32_t *tokens, size_t n_tokens,
                                     uint32_t flags, char *text, size_t cap, size_t *n);

/* ---- sampling ----------------------------------------------------------- */

/* A sampler turns one row of logits (n_vocab floats) into a token id. It runs
   a fixed chain, in this order (the order of llama.cpp's default chain):
     1. penalties   repetition / frequency / presence, over the last
                    penalty_last_n tokens given to llml_sampler_accept
     2. logit bias  logit[token] += bias for each (token, bias) pair
     3. top-k       keep the k largest logits
     4. typical     locally typical sampling: keep the tokens whose
                    surprise -log p is closest to the entropy, up to mass p
     5. top-p       keep the smallest prefix (by probability) of mass >= p
     6. min-p       keep tokens with p >= min_p * p_max
     7. temperature divide logits by t; t <= 0 keeps only the largest logit
     8. draw        softmax, then one draw from the sampler's own PRNG
   A zeroed desc turns every step off and makes the sampler greedy: it returns
   the argmax of the logits (the lowest id among equal maxima).
   NaN logits count as -inf; a token whose logit (after bias) is +inf wins
   over every finite one. Logit bias -INFINITY bans a token.
   Steps that are off cost nothing; the chain never modifies the caller's
   logits (it works on a scratch copy inside the sampler). */

typedef struct llml_sampler llml_sampler;

typedef struct llml_logit_bias {
    int32_t token;
    float bias;                /* added to the token's logit; -INFINITY bans */
} llml_logit_bias;

typedef struct llml_sampler_desc {
    float temperature;         /* <= 0: greedy (argmax of the kept tokens)   */
    int32_t top_k;             /* <= 0: off                                  */
    float top_p;               /* <= 0 or >= 1: off                          */
    float min_p;               /* <= 0: off                                  */
    float typical_p;           /* <= 0 or >= 1: off                          */
    int32_t min_keep;          /* top-p, min-p and typical keep at least this
                                  many tokens (0 behaves as 1)                */
    int32_t penalty_last_n;    /* penalty window in accepted tokens; 0: off  */
    float repeat_penalty;      /* 0 or 1: off; > 1 discourages repeats: a
                                  positive logit is divided by it, a negative
                                  one multiplied                             */
    float frequency_penalty;   /* logit -= count * frequency_penalty         */
    float presence_penalty;    /* logit -= presence_penalty if count > 0     */
    const llml_logit_bias *logit_bias; /* n_logit_bias pairs (copied)        */
    int32_t n_logit_bias;
    uint64_t seed;             /* PRNG seed: the same seed, logits and accepted
                                  tokens give the same draws on every platform
                                  that has IEEE float and the same libm      */
} llml_sampler_desc;

/* Defaults close to llama.cpp's command-line defaults: temperature 0.8,
   top_k 40, top_p 0.95, min_p 0.05, penalty_last_n 64 with repeat_penalty 1
   (penalties off), seed 0. Thread safety: any thread. */
LLML_API llml_sampler_desc llml_sampler_default_desc(void);

/* Create a sampler for a vocabulary of n_vocab tokens. desc may be NULL (a
   zeroed desc: greedy); it is copied, logit_bias included. allocator may be
   NULL (default); the sampler makes one allocation of about 30 bytes per
   vocabulary entry plus the penalty window. Returns LLML_ERR_INVALID_ARG for
   n_vocab < 1, a negative penalty_last_n / min_keep / n_logit_bias, a
   negative or infinite repeat_penalty, an infinite frequency or presence
   penalty, a NaN temperature / top_p / min_p / typical_p / bias, or a bias
   token outside [0, n_vocab); *out is NULL then. Thread safety: any thread.
   Free with llml_sampler_free. */
LLML_API llml_result llml_sampler_create(const llml_sampler_desc *desc, int32_t n_vocab,
                                         const llml_allocator *allocator, llml_sampler **out);

/* Free a sampler (NULL is fine). */
LLML_API void llml_sampler_free(llml_sampler *s);

/* Forget every accepted token and restart the PRNG from the desc's seed, so
   that the sampler repeats its draws from the beginning. */
LLML_API void llml_sampler_reset(llml_sampler *s);

/* Restart the PRNG from a new seed, which llml_sampler_reset then returns
   to (accepted tokens are kept). */
LLML_API void llml_sampler_set_seed(llml_sampler *s, uint64_t seed);

/* Record a token as part of the text (the penalty window sees it). Call it
   for each generated token you keep, and for prompt tokens if penalties
   should see them. llml_sampler_sample does NOT accept by itself.
   Returns LLML_ERR_INVALID_ARG for a token outside [0, n_vocab). */
LLML_API llml_result llml_sampler_accept(llml_sampler *s, int32_t token);

/* Run the chain on `logits` (n_vocab floats, read only) and return the drawn
   token id, or -1 if s or logits is NULL. Each call takes one number from the
   PRNG, except in greedy mode (temperature <= 0), which never touches it.
   Tokens whose logit is -inf (or NaN) after the bias are never drawn, unless
   no token has a larger logit: then all kept tokens are equally likely.
   Thread safety: one thread at a time per sampler; samplers are independent. */
LLML_API int32_t llml_sampler_sample(llml_sampler *s, const float *logits);

/* Run steps 1-7 of the chain and report the tokens that the draw would choose
   from, with their probabilities (softmax after temperature; with a
   temperature <= 0 only the argmax is left, with probability 1). Up to `cap`
   pairs are written, sorted by probability (highest first, then lowest id);
   ids and/or probs may be NULL. *n_out (may be NULL) gets the full count.
   Does not touch the PRNG. Returns LLML_ERR_INVALID_ARG for NULL s or logits. */
LLML_API llml_result llml_sampler_candidates(llml_sampler *s, const float *logits,
                                             int32_t *ids, float *probs, int32_t cap,
                                             int32_t *n_out);

/* ---- chat templates ----------------------------------------------------- */

/* Prompt formats of common chat models, applied without a Jinja engine. Each
   style writes what the model's own template writes for a conversation of an
   optional leading system message followed by user / assistant turns, with
   bos_token empty (the tokenizer adds BOS): the leading BOS is never part of
   the text, BOS strings inside the history are (llama2-sys-bos). Like their
   templates, mistral-v3 and v3-tekken put the system prompt in front of the
   last message when it is a user message, and leave it out otherwise; gemma
   puts it in front of the first user message. */
typedef enum llml_chat_style {
    LLML_CHAT_UNKNOWN = 0,
    LLML_CHAT_CHATML,            /* "chatml"            <|im_start|>role ...  */
    LLML_CHAT_LLAMA2,            /* "llama2"            [INST] ... [/INST]    */
    LLML_CHAT_LLAMA2_SYS,        /* "llama2-sys"        + <<SYS>> block       */
    LLML_CHAT_LLAMA2_SYS_BOS,    /* "llama2-sys-bos"    + <s> between turns   */
    LLML_CHAT_LLAMA2_SYS_STRIP,  /* "llama2-sys-strip"  + trimmed messages    */
    LLML_CHAT_LLAMA3,            /* "llama3"            <|start_header_id|>   */
    LLML_CHAT_MISTRAL_V1,        /* "mistral-v1"         [INST] ... [/INST]   */
    LLML_CHAT_MISTRAL_V3,        /* "mistral-v3"        [INST] ...[/INST]     */
    LLML_CHAT_MISTRAL_V3_TEKKEN, /* "mistral-v3-tekken" [INST]...[/INST]      */
    LLML_CHAT_MISTRAL_V7,        /* "mistral-v7"        [SYSTEM_PROMPT] ...   */
    LLML_CHAT_MISTRAL_V7_TEKKEN, /* "mistral-v7-tekken" [SYSTEM_PROMPT]...    */
    LLML_CHAT_GEMMA,             /* "gemma"             <start_of_turn>       */
    LLML_CHAT_PHI3,              /* "phi3"              <|role|> ... <|end|>  */
    LLML_CHAT_ZEPHYR,            /* "zephyr"            <|role|> ... <|endoftext|> */
    LLML_CHAT_DEEPSEEK2,         /* "deepseek2"         User: / Assistant:    */
    LLML_CHAT_DEEPSEEK3,         /* "deepseek3"         <|User|> <|Assistant|>, full-width bars */
    LLML_CHAT_COMMAND_R,         /* "command-r"         <|START_OF_TURN_TOKEN|> */
    LLML_CHAT_STYLE_COUNT,
    LLML_CHAT_STYLE_FORCE_U32 = 0x7fffffff
} llml_chat_style;

/* One message: role is "system", "user" or "assistant" (chatml, llama3,
   phi3 and zephyr also accept any other role name and write it as is);
   content is UTF-8 text. Neither may be NULL. */
typedef struct llml_chat_message {
    const char *role;
    const char *content;
} llml_chat_message;

/* Find the style of a chat template: the GGUF value of
   tokenizer.chat_template, or a style name ("chatml", "llama3", ...).
   Recognition uses the signature substrings of llama.cpp, in its order,
   plus one: a [SYSTEM_PROMPT] template with no space after [SYSTEM_PROMPT]
   or [INST] (Mistral Small 3.x) is mistral-v7-tekken, not v7. Returns
   LLML_ERR_UNSUPPORTED for a template that matches no style llmlite
   implements (err->message says which family it looks like, if any), and
   LLML_ERR_INVALID_ARG for NULL. err may be NULL. Thread safety: any thread. */
LLML_API llml_result llml_chat_detect(const char *template_text, llml_chat_style *out,
                                      llml_error *err);

/* Style by name, as llama.cpp names them (the strings in the enum comments).
   LLML_ERR_NOT_FOUND for a name llmlite does not implement. */
LLML_API llml_result llml_chat_style_from_name(const char *name, llml_chat_style *out);

/* Name of a style ("chatml", ...), or "unknown". Static storage. */
LLML_API const char *llml_chat_style_name(llml_chat_style style);

/* Format n messages in `style`; add_assistant_prompt != 0 appends the prefix
   that opens the assistant's reply (styles whose template has none, such as
   llama2 and mistral, add nothing). Writes the text and a NUL into buf (cap
   bytes; buf may be NULL when cap is 0); *needed (may be NULL) gets the text
   length without the NUL. Returns LLML_ERR_BUFFER_TOO_SMALL if cap <= that length
   (buf then holds a NUL-terminated prefix when cap > 0: call again with
   cap = *needed + 1), LLML_ERR_INVALID_ARG for a NULL message field, an
   unknown style, or a role the style cannot express. Thread safety: any
   thread; no allocation. */
LLML_API llml_result llml_chat_format(llml_chat_style style, const llml_chat_message *msgs, size_t n,
                                      int add_assistant_prompt, char *buf, size_t cap, size_t *needed);

/* ---- models ------------------------------------------------------------- */

/* A model: weights, hyperparameters and tokenizer from a GGUF file. Weights
   whose format the kernels use directly stay where the source put them (the
   memory map, or the caller's buffer); nothing is copied for them. A loaded
   model is immutable: any number of contexts in any number of threads may
   share it. Architectures: llama (Llama 1/2/3, Mistral, Mixtral experts,
   TinyLlama, SmolLM), qwen2, qwen2moe, qwen3, gemma, gemma2, gemma3, phi3. */
typedef struct llml_model llml_model;

/* Log levels of the optional per-object log callback (silent by default). */
typedef enum llml_log_level {
    LLML_LOG_ERROR = 0, LLML_LOG_WARN = 1, LLML_LOG_INFO = 2, LLML_LOG_DEBUG = 3
} llml_log_level;
typedef void (*llml_log_fn)(void *user, llml_log_level level, const char *message);

typedef struct llml_model_desc {
    const llml_allocator *allocator; /* NULL: default                        */
    int32_t no_mmap;                 /* files: read into memory, don't map   */
    llml_log_fn log;                 /* NULL: silent                          */
    void *log_user;
} llml_model_desc;

/* Load a model from a file (memory-mapped where the platform allows), from
   a caller's buffer (used in place: it must outlive the model), or through a
   read callback (weights are read into memory). desc may be NULL. On failure
   *out is NULL and err (may be NULL) says what is wrong; an unsupported
   architecture gives LLML_ERR_UNSUPPORTED_ARCH with the supported list in
   err->message; a missing or misshapen tensor LLML_ERR_BAD_SHAPE or
   LLML_ERR_NOT_FOUND naming it. Thread safety: any thread. */
LLML_API llml_result llml_model_load_file(const char *path, const llml_model_desc *desc,
                                          llml_model **out, llml_error *err);
LLML_API llml_result llml_model_load_memory(const void *data, size_t size,
                                            const llml_model_desc *desc,
                                            llml_model **out, llml_error *err);
LLML_API llml_result llml_model_load_callback(llml_read_fn read, void *user, uint64_t size,
                                              const llml_model_desc *desc,
                                              llml_model **out, llml_error *err);
/* Free the model. All its contexts must be freed first. NULL is fine. */
LLML_API void llml_model_free(llml_model *m);

/* RoPE styles: pairs (x[2i], x[2i+1]) (llama, gemma) or NeoX halves
   (x[i], x[i + n_rot/2]) (qwen2, qwen3, phi3). */
typedef enum llml_rope_style { LLML_ROPE_NORMAL = 0, LLML_ROPE_NEOX = 2 } llml_rope_style;

typedef struct llml_model_info {
    const char *arch;          /* general.architecture                         */
    const char *name;          /* general.name, or ""                          */
    const char *chat_template; /* tokenizer.chat_template, or NULL             */
    int32_t n_vocab;
    int32_t n_ctx_train;       /* training context length                      */
    int32_t n_embd;
    int32_t n_layer;
    int32_t n_head;
    int32_t n_head_kv;         /* of layer 0; grouped-query attention when < n_head */
    int32_t head_dim;          /* key/value length per head                    */
    int32_t n_ff;              /* feed-forward width (per expert for experts)  */
    int32_t n_expert;          /* 0 for dense models                           */
    int32_t n_expert_used;
    int32_t n_rot;             /* rotary dimensions per head                   */
    llml_rope_style rope_style;
    float rope_freq_base;
    float rope_freq_scale;
    float norm_eps;
    int32_t sliding_window;    /* 0: none                                      */
    int32_t file_type;         /* general.file_type (llama.cpp's LLAMA_FTYPE), -1 if absent */
    uint64_t n_params;         /* elements of all weight tensors               */
    uint64_t weight_bytes;     /* bytes of all tensor data                     */
} llml_model_info;

/* Fill *info. Strings are owned by the model. */
LLML_API llml_result llml_model_get_info(const llml_model *m, llml_model_info *info);
/* The model's tokenizer (owned by the model) and its GGUF file. */
LLML_API const llml_vocab *llml_model_vocab(const llml_model *m);
LLML_API const llml_gguf *llml_model_gguf(const llml_model *m);
/* Comma-separated list of the supported architectures. Static storage. */
LLML_API const char *llml_model_supported_archs(void);

/* ---- contexts ----------------------------------------------------------- */

/* A context: KV cache, scratch memory and worker threads for one sequence.
   One thread at a time per context (except llml_ctx_cancel). */
typedef struct llml_ctx llml_ctx;

typedef enum llml_kv_type {
    LLML_KV_DEFAULT = 0,  /* F16 */
    LLML_KV_F16 = 1,
    LLML_KV_F32 = 2,
    LLML_KV_Q8_0 = 3
} llml_kv_type;

/* A host job system in place of the built-in thread pool: run
   task(arg, i, n_tasks) for every i in [0, n_tasks), in any threads, and
   return when all have finished. Called many times per token. */
typedef void (*llml_task_fn)(void *arg, int ith, int nth);
typedef void (*llml_parallel_for_fn)(void *user, llml_task_fn task, void *arg, int n_tasks);

typedef struct llml_ctx_desc {
    int32_t n_ctx;       /* tokens the cache holds; 0: the training context,
                            at most 4096                                     */
    int32_t n_batch;     /* most tokens per llml_decode call; 0: 512         */
    int32_t n_threads;   /* 0: the number of CPUs, at most 8                 */
    llml_kv_type kv_type;
    llml_isa isa_cap;    /* highest instruction set the kernels may use;
                            0: the best this CPU supports                    */
    const llml_allocator *allocator; /* NULL: default                        */
    llml_log_fn log;     /* NULL: silent                                     */
    void *log_user;
    llml_parallel_for_fn parallel_for; /* NULL: the built-in pool; else no
                            threads are created and work is split into
                            n_threads tasks (0: 4) handed to this callback  */
    void *parallel_for_user;
} llml_ctx_desc;

/* Create a context for m (which must outlive it). desc may be NULL. */
LLML_API llml_result llml_ctx_create(const llml_model *m, const llml_ctx_desc *desc,
                                     llml_ctx **out, llml_error *err);
LLML_API void llml_ctx_free(llml_ctx *c);

/* Detailed message of the last failed call on c ("" when none). */
LLML_API const char *llml_ctx_last_error(const llml_ctx *c);
LLML_API const llml_model *llml_ctx_model(const llml_ctx *c);
LLML_API int32_t llml_ctx_n_ctx(const llml_ctx *c);     /* cache capacity in tokens */
LLML_API int32_t llml_ctx_n_past(const llml_ctx *c);    /* tokens in the cache      */
/* The tokens in the cache, in order (n_past of them; owned by c). */
LLML_API const int32_t *llml_ctx_tokens(const llml_ctx *c);

/* llml_decode flags. */
#define LLML_DECODE_ALL_LOGITS 1u  /* keep the logits of every token of the batch (else: the last) */

/* Run the model on n tokens following those in the cache (any n >= 1; the
   work is split into n_batch pieces), adding them to the cache. Returns
   LLML_ERR_CONTEXT_FULL (nothing added) when n_past + n > n_ctx,
   LLML_ERR_INVALID_ARG for a token id out of range, LLML_ERR_ABORTED when
   llml_ctx_cancel was called (the cache then holds the tokens decoded so
   far, whole pieces only). The logits are the same for any n_threads. */
LLML_API llml_result llml_decode(llml_ctx *c, const int32_t *tokens, int32_t n, uint32_t flags);
/* Logits (n_vocab floats) after token i of the last decode call (i = -1:
   the last token). NULL when not kept. Valid until the next decode. */
LLML_API const float *llml_get_logits(const llml_ctx *c, int32_t i);

/* Forget everything in the cache. */
LLML_API void llml_ctx_clear(llml_ctx *c);
/* Keep only the first n tokens of the cache (n <= n_past). */
LLML_API llml_result llml_ctx_truncate(llml_ctx *c, int32_t n);
/* Drop n_discard tokens after the first n_keep and move the rest down (the
   keys are rotated to their new positions). What a full context does to go on. */
LLML_API llml_result llml_ctx_shift(llml_ctx *c, int32_t n_keep, int32_t n_discard);

/* Ask the running (or else the next) llml_decode / llml_generate on c to
   stop soon: decode checks between layers and returns LLML_ERR_ABORTED,
   which consumes the request. Any thread, any time (async-signal-safe). */
LLML_API void llml_ctx_cancel(llml_ctx *c);

/* Save the cache (tokens, keys, values, last logits) to buf. *n gets the
   size; LLML_ERR_BUFFER_TOO_SMALL when cap is smaller (call with cap 0 to
   ask). Restore into a context of the same model, n_ctx >= the saved
   n_past, and the same kv_type. */
LLML_API llml_result llml_state_save(const llml_ctx *c, void *buf, size_t cap, size_t *n);
LLML_API llml_result llml_state_load(llml_ctx *c, const void *buf, size_t size);

/* ---- generation --------------------------------------------------------- */

/* Called once per kept token with its text piece: bytes, NUL-terminated,
   possibly part of a UTF-8 character, possibly empty while text is held back
   because it could begin a stop string (the text of a stop string is never
   passed). Held-back text that never became a stop string comes in a final
   call with token -1. The end-of-generation token is not passed. Return
   nonzero to stop. */
typedef int (*llml_token_fn)(void *user, int32_t token, const char *piece, size_t len);

typedef struct llml_generate_desc {
    const char *prompt;                /* plain text; or NULL and messages:  */
    const llml_chat_message *messages; /* a conversation, formatted with the */
    size_t n_messages;                 /* model's chat template (or style)   */
    llml_chat_style style;             /* 0: detect from the model           */
    int32_t max_tokens;                /* 0: until end of generation or full */
    const char *const *stop;           /* n_stop stop strings                */
    int32_t n_stop;
    llml_sampler_desc sampling;        /* zero: greedy                       */
    llml_token_fn on_token;            /* may be NULL                        */
    void *user;
    int32_t n_keep;                    /* when the cache is full, keep the first
                                          n_keep tokens and drop half of the rest;
                                          -1: stop instead (default 0: keep the
                                          BOS when there is one)             */
    int32_t no_special;                /* 1: don't add BOS, don't parse special text */
} llml_generate_desc;

typedef struct llml_generate_result {
    int32_t n_prompt;        /* prompt tokens                        */
    int32_t n_reused;        /* of those, found in the cache already */
    int32_t n_generated;
    int32_t stop_reason;     /* 0 end of generation, 1 max_tokens, 2 stop string,
                                3 callback, 4 cancelled, 5 context full */
    double prompt_ms, gen_ms;
} llml_generate_result;

/* Generate a reply. The prompt is tokenized (BOS as the vocab says, special
   text parsed), the longest prefix already in the cache is kept and only the
   rest decoded (so a chat that re-sends its whole conversation costs only
   the new turn; when the whole prompt is cached its last token is decoded
   again for fresh logits), then tokens are sampled until an
   end-of-generation token, max_tokens, a stop string, the callback,
   llml_ctx_cancel or a full context. Afterwards the cache holds the prompt
   and every kept token. Penalties see the last penalty_last_n prompt tokens.
   Returns LLML_OK (also for stop_reason 5 with n_keep -1), LLML_ERR_ABORTED
   (stop_reason 4), LLML_ERR_CONTEXT_FULL for a prompt longer than n_ctx,
   LLML_ERR_NOT_FOUND for messages when the model has no chat template and
   style is 0. res may be NULL; when given it is always filled (stop_reason
   -1 on errors). */
LLML_API llml_result llml_generate(llml_ctx *c, const llml_generate_desc *desc,
                                   llml_generate_result *res);

/* ---- quantization mixes ------------------------------------------------- */

/* The reference quantizer's file types (llama.cpp's llama_ftype numbers, the
   value of general.file_type). A "mix" gives most 2-D weights one base format
   and some tensors (output, token embeddings, attn_v, ffn_down in chosen
   layers, ...) more or fewer bits, by the reference's per-tensor rules. */
typedef enum llml_ftype {
    LLML_FTYPE_ALL_F32 = 0, LLML_FTYPE_F16 = 1, LLML_FTYPE_Q4_0 = 2, LLML_FTYPE_Q4_1 = 3,
    LLML_FTYPE_Q8_0 = 7, LLML_FTYPE_Q5_0 = 8, LLML_FTYPE_Q5_1 = 9, LLML_FTYPE_Q2_K = 10,
    LLML_FTYPE_Q3_K_S = 11, LLML_FTYPE_Q3_K_M = 12, LLML_FTYPE_Q3_K_L = 13,
    LLML_FTYPE_Q4_K_S = 14, LLML_FTYPE_Q4_K_M = 15, LLML_FTYPE_Q5_K_S = 16,
    LLML_FTYPE_Q5_K_M = 17, LLML_FTYPE_Q6_K = 18, LLML_FTYPE_IQ2_XXS = 19,
    LLML_FTYPE_IQ2_XS = 20, LLML_FTYPE_Q2_K_S = 21, LLML_FTYPE_IQ3_XS = 22,
    LLML_FTYPE_IQ3_XXS = 23, LLML_FTYPE_IQ1_S = 24, LLML_FTYPE_IQ4_NL = 25,
    LLML_FTYPE_IQ3_S = 26, LLML_FTYPE_IQ3_M = 27, LLML_FTYPE_IQ2_S = 28,
    LLML_FTYPE_IQ2_M = 29, LLML_FTYPE_IQ4_XS = 30, LLML_FTYPE_IQ1_M = 31,
    LLML_FTYPE_BF16 = 32, LLML_FTYPE_TQ1_0 = 36, LLML_FTYPE_TQ2_0 = 37,
    LLML_FTYPE_FORCE_U32 = 0x7fffffff
} llml_ftype;

typedef struct llml_mix_info {
    const char *name;   /* "Q4_K_M", as the reference spells it            */
    llml_ftype ftype;
    llml_type base;     /* the format most weights get                     */
    int32_t alias;      /* 1: another spelling of an earlier entry ("Q4_K") */
} llml_mix_info;

/* The mix table: entries 0 .. llml_mix_count()-1 (static storage). */
LLML_API int32_t llml_mix_count(void);
LLML_API const llml_mix_info *llml_mix_at(int32_t i);
/* A mix by name (case-insensitive) or by its ftype number ("15"); NULL when
   none. llml_mix_for_type: the first mix whose base is t (q3_K -> Q3_K_M),
   NULL for a format no GGUF model holds. llml_mix_for_ftype: NULL if unknown. */
LLML_API const llml_mix_info *llml_mix_find(const char *name);
LLML_API const llml_mix_info *llml_mix_for_type(llml_type t);
LLML_API const llml_mix_info *llml_mix_for_ftype(int32_t ftype);

/* A tensor by name, format and shape (ne[0] = elements per row; unused
   dimensions 1). */
typedef struct llml_tensor_shape {
    const char *name;
    llml_type type;
    uint32_t n_dims;
    int64_t ne[4];
} llml_tensor_shape;

/* What the mix rules look at: the mix, and a few model facts. */
typedef struct llml_mix_desc {
    llml_ftype ftype;
    int32_t pure;          /* 1: every quantizable weight gets the base format */
    int32_t has_imatrix;   /* 1: importance data will be given (changes rules) */
    const char *arch;      /* general.architecture                           */
    int64_t n_layer, n_head, n_head_kv, n_expert;
    const llml_allocator *allocator; /* NULL: default                        */
} llml_mix_desc;

/* The choice for one tensor. */
typedef struct llml_mix_choice {
    llml_type type;        /* the format the tensor gets                      */
    llml_type wanted;      /* the rules' choice before the block-size fallback
                              (== type when the row fits the format)         */
    int32_t quantize;      /* 1: a weight the mix converts; 0: kept as it is
                              (norms, 1-D tensors, tensors never quantized)  */
    int32_t needs_imatrix; /* 1: the reference refuses this without an imatrix */
} llml_mix_choice;

/* Fill the mix facts from a GGUF header (arch, n_layer, head counts,
   experts); ftype, pure and has_imatrix are set from the arguments. */
LLML_API llml_result llml_mix_desc_from_gguf(const llml_gguf *g, llml_ftype ftype,
                                             llml_mix_desc *out);

/* The reference quantizer's per-tensor rules for a whole model: out[i] is
   the choice for t[i]. Rules that count tensors (attn_v, ffn_down, ...) see
   them in the reference's order (non-layer tensors, then by layer, then by
   name), whatever the order of t. Allocates an index array (desc->allocator).
   Returns LLML_ERR_INVALID_ARG for an unknown ftype, LLML_ERR_CORRUPT (err
   names the tensor) for an expert tensor whose layer cannot be told.
   Thread safety: any thread. */
LLML_API llml_result llml_mix_plan(const llml_mix_desc *desc, const llml_tensor_shape *t,
                                   int64_t n, llml_mix_choice *out, llml_error *err);

/* ---- model shapes ------------------------------------------------------- */

/* A model described by its dimensions, for planning without a file.
   Architectures laid out: llama (also Mistral, Mixtral experts), qwen2,
   qwen2moe, qwen3, qwen3moe, gemma, gemma2, gemma3, phi3; any other name is
   laid out as llama. */
typedef struct llml_shape {
    char arch[32];
    int64_t n_vocab, n_embd, n_layer, n_head, n_head_kv;
    int64_t head_dim;         /* key length per head; 0: n_embd / n_head    */
    int64_t head_dim_v;       /* value length per head; 0: head_dim         */
    int64_t n_ff;             /* feed-forward width (dense layers)          */
    int64_t n_expert, n_expert_used;
    int64_t n_ff_exp;         /* per expert; 0: n_ff                        */
    int64_t n_ff_shexp;       /* shared expert (qwen2moe); 0: none          */
    int32_t tied_output;      /* 1: no output.weight, the embeddings serve  */
    int32_t n_ctx_train;
    int32_t sliding_window;   /* 0: none                                    */
    int64_t n_rot;            /* rotary dimensions per head; 0: head_dim    */
} llml_shape;

/* Read a shape from a GGUF header (the <arch>.* keys; n_vocab from the
   token_embd tensor). Per-layer head-count arrays give their largest value.
   LLML_ERR_NOT_FOUND names a missing key. */
LLML_API llml_result llml_shape_from_gguf(const llml_gguf *g, llml_shape *out, llml_error *err);

/* Built-in shapes of published models, from their configurations:
   "llama3.1-8b", "llama3.2-1b", "qwen2.5-0.5b", "mistral-7b", "mixtral-8x7b",
   "gemma2-9b", ... llml_shape_preset_name(i) for i = 0.. gives the names
   (NULL past the end). llml_shape_preset: LLML_ERR_NOT_FOUND if unknown;
   the name is matched case-insensitively, ignoring '-', '_', '.' and ':'. */
LLML_API const char *llml_shape_preset_name(int32_t i);
LLML_API llml_result llml_shape_preset(const char *name, llml_shape *out);

/* A shape for a parameter count (e.g. 70e9) in a family ("llama", "qwen2",
   "gemma2", "mistral", "phi3", ...): the family's preset closest in size,
   with its layer count scaled to the count. */
LLML_API llml_result llml_shape_from_params(const char *family, double n_params, llml_shape *out);

/* The tensors of a shape, named and laid out as the reference's converter
   writes them (all F32; apply a mix to choose formats). Names are stored in
   `names` (64 bytes per tensor; t[i].name points there). *n gets the count;
   LLML_ERR_BUFFER_TOO_SMALL when cap is smaller (call with cap 0 to ask). */
LLML_API llml_result llml_shape_tensors(const llml_shape *s, llml_tensor_shape *t,
                                        char (*names)[64], int64_t cap, int64_t *n);

/* ---- devices ------------------------------------------------------------ */

typedef enum llml_device_kind {
    LLML_DEVICE_CPU = 0,      /* system memory, CPU cores                     */
    LLML_DEVICE_GPU = 1,      /* a discrete accelerator with its own memory   */
    LLML_DEVICE_UNIFIED = 2   /* an integrated GPU sharing system memory (Apple) */
} llml_device_kind;

/* A device: published specifications, and how well inference uses them.
   Efficiencies of 0 take the kind's default. Users may fill their own. */
typedef struct llml_device {
    const char *name;         /* "RTX 3060 Ti"                               */
    llml_device_kind kind;
    double mem_gb;            /* memory, 1e9 bytes (CPU: the most the platform
                                 takes; unified: the largest configuration)  */
    double bw_gbs;            /* memory bandwidth, 1e9 bytes/s               */
    double tflops;            /* dense peak: FP16 tensor cores (GPU), FP32 SIMD
                                 of all cores (CPU); 0: unknown              */
    const char *memory;       /* "GDDR6 256-bit", "DDR4-2666 2 ch"           */
    double bw_eff;            /* fraction of bw_gbs generation reaches; 0: default */
    double compute_eff;       /* fraction of tflops prompt processing reaches */
    double layer_us;          /* fixed cost per layer and token, microseconds */
    double token_us;          /* fixed cost per token, microseconds          */
} llml_device;

/* The built-in table: 0 .. llml_device_count()-1 (static storage). */
LLML_API int32_t llml_device_count(void);
LLML_API const llml_device *llml_device_at(int32_t i);
/* Find by name: case-insensitive, ignoring spaces, '-' and '_'; an exact
   match wins, else a unique entry containing the text. NULL when none or
   ambiguous. */
LLML_API const llml_device *llml_device_find(const char *name);
/* The efficiencies in effect for d (its own, or its kind's defaults). */
LLML_API void llml_device_defaults(const llml_device *d, double *bw_eff, double *compute_eff,
                                   double *layer_us);

/* ---- plans -------------------------------------------------------------- */

/* What to plan: a model (a GGUF header, or a shape), its format, the context,
   and the devices. A zeroed desc with a model is valid. */
typedef struct llml_plan_desc {
    const llml_gguf *gguf;    /* a model file (header_only is enough), or   */
    const llml_shape *shape;  /* a description (used when gguf is NULL)     */
    const char *quant;        /* NULL/"": the file's own formats (a shape: F16);
                                 a mix ("Q4_K_M"), a format ("q8_0": every
                                 weight), or hypothetical bits: "FP8", "FP4",
                                 "MXFP4", "NVFP4", or "5.5bpw"               */
    int32_t has_imatrix;      /* for mixes whose rules depend on it          */
    int32_t n_ctx;            /* tokens per sequence; 0: 4096 (at most the
                                 training context)                           */
    llml_kv_type kv_type;     /* 0: F16                                      */
    int32_t n_batch;          /* tokens per forward pass; 0: 512             */
    int32_t n_seq;            /* parallel sequences, each n_ctx; 0: 1        */
    int32_t n_threads;        /* 0: 8                                        */
    const llml_device *device;/* where layers go; NULL: the host alone       */
    const llml_device *host;  /* the CPU side; NULL: a generic desktop CPU   */
    int32_t n_gpu_layers;     /* layers on `device` (n_layer + 1 puts the
                                 output layer there too); -1: as many as fit */
    double margin_gb;         /* memory kept free on the device; 0: default
                                 (GPU 5% + 0.25 GB, unified 25%, CPU 10% + 1 GB) */
    int32_t gen_pos;          /* context position speed is predicted at; 0: 256 */
    int32_t n_prompt;         /* prompt length for prompt speed; 0: 512       */
    const llml_allocator *allocator; /* NULL: default                        */
} llml_plan_desc;

/* The answer. Bytes are exact where they follow from the file or the mix
   rules (weights, KV cache); compute scratch and overhead are llmlite's own
   allocations; speeds are predictions (see note). */
typedef struct llml_plan {
    char arch[32];
    int32_t n_layer;
    int32_t n_ctx;              /* tokens per sequence, as used               */
    uint64_t n_params;          /* elements of all weight tensors             */
    uint64_t weight_bytes;      /* all tensor data                            */
    uint64_t file_bytes;        /* the GGUF file (a shape: weights + header estimate) */
    double bpw;                 /* bits per weight over all tensors           */
    uint64_t embd_bytes;        /* token embeddings                           */
    uint64_t output_bytes;      /* output projection and final norm (tied: 0) */
    uint64_t layer_bytes[2];    /* weights of the smallest and largest layer  */
    uint64_t kv_bytes_per_token;/* K and V of one token, all layers           */
    uint64_t kv_bytes;          /* at n_ctx x n_seq                           */
    uint64_t compute_bytes;     /* scratch of one forward pass of n_batch     */
    uint64_t output_buf_bytes;  /* logits (n_vocab floats per sequence), token ids */
    uint64_t overhead_bytes;    /* tokenizer tables and the process baseline  */
    uint64_t total_bytes;       /* all of it in one memory                    */
    int32_t n_gpu_layers;       /* as used                                    */
    int32_t n_gpu_layers_max;   /* most that fit the device with the margin   */
    uint64_t device_bytes;      /* on the device at n_gpu_layers              */
    uint64_t host_bytes;        /* on the host at n_gpu_layers                */
    uint64_t device_free_bytes; /* device memory less the margin              */
    int32_t fits;               /* 1: device_bytes and host_bytes fit         */
    uint64_t bytes_per_token;   /* read per generated token at gen_pos (experts:
                                   only the active ones; embeddings: one row) */
    double flops_per_token;     /* prompt processing, per token               */
    double gen_tps;             /* generation, tokens/s per sequence at gen_pos */
    double gen_tps_full;        /* the same with a full context               */
    double prompt_tps;          /* prompt processing, tokens/s                */
    char note[256];             /* how far to trust the speeds                */
} llml_plan;

/* Compute a plan. Reads only the header of a file. Returns
   LLML_ERR_INVALID_ARG (err says which field) for a desc without a model, an
   unknown quant name or a negative count; LLML_ERR_NOT_FOUND for a missing
   hyperparameter. Thread safety: any thread. */
LLML_API llml_result llml_plan_compute(const llml_plan_desc *desc, llml_plan *out, llml_error *err);

/* One weight tensor of a plan. */
typedef struct llml_plan_tensor {
    char name[64];
    llml_type type;
    int32_t layer;            /* -1: not in a layer                           */
    uint64_t n_elements;
    uint64_t bytes;
    double bpw;               /* bits per weight                             */
    int32_t hypothetical;     /* 1: sized by a hypothetical format's bits
                                 (type then says F16)                        */
} llml_plan_tensor;

/* The weight tensors of the plan's model in the plan's formats, in the
   model's order. *n gets the count; LLML_ERR_BUFFER_TOO_SMALL when cap is
   smaller (call with cap 0 to ask). */
LLML_API llml_result llml_plan_tensors(const llml_plan_desc *desc, llml_plan_tensor *out,
                                       int64_t cap, int64_t *n, llml_error *err);

/* Calibrate a device from a measurement: given a plan made for it (desc with
   device = d, or the host alone with d as host) and the measured generation
   and prompt speeds (0: not measured), set d's efficiencies so the plan's
   predictions become the measurements. */
LLML_API llml_result llml_device_calibrate(llml_device *d, const llml_plan *p,
                                           double gen_tps, double prompt_tps);

/* ---- context sizing: measure, then place -------------------------------- */

/* The memory a context allocates, buffer by buffer (each rounded up to 64
   bytes), as llml_ctx_create lays it out in one block (the tests compare the
   two byte for byte). */
typedef struct llml_ctx_sizes {
    uint64_t kv_token_bytes;  /* K and V of one token over all layers         */
    uint64_t kv_k_bytes;      /* the whole K cache (n_ctx tokens, all layers) */
    uint64_t kv_v_bytes;      /* the whole V cache                            */
    uint64_t act_bytes;       /* activations of one batch: residual, scratch,
                                 q, k, v, attention out, feed-forward, experts */
    uint64_t qact_bytes;      /* activation rows converted for the kernels    */
    uint64_t attn_bytes;      /* per-thread attention rows (n_ctx scores each) */
    uint64_t tokens_bytes;    /* the token ids of the cache                   */
    uint64_t other_bytes;     /* per-layer tables, RoPE tables                */
    uint64_t block_bytes;     /* the one allocation: all of the above         */
    uint64_t logits_bytes;    /* allocated at the first decode: n_vocab floats
                                 per kept output (this: one output)          */
    uint64_t total_bytes;     /* block_bytes + logits_bytes                   */
} llml_ctx_sizes;

/* Sizes for a context of shape s created with desc (NULL: defaults; the
   n_ctx, n_batch, n_threads and kv_type defaults of llml_ctx_desc apply).
   A Q8_0 cache stores rows of n_head_kv x head_dim values in 34-byte blocks
   of 32; with a head_dim that is not a multiple of 32 the context keeps F16.
   Sliding-window layers keep the full context. With a host parallel_for and
   n_threads 0 the context makes 4 tasks, so 4 attention rows. llml_ctx_create
   takes its block from this function (a model whose layers have different KV
   head counts gets each layer's own rows; a shape, read from such a file,
   gives the largest count to every layer, so an upper bound). */
LLML_API llml_result llml_ctx_sizes_get(const llml_shape *s, const llml_ctx_desc *desc,
                                        llml_ctx_sizes *out);

/* ---- a program's peak resident memory ----------------------------------- */

/* The resident memory of an llmlite program before its data: its code and
   the libraries' code as far as a run touches them (llmlite's kernels, libc,
   libm, the dynamic loader), the main thread's stack, libc's own data.
   Measured for llmlite-chat (gcc -O2, Linux x86-64, glibc 2.36) from
   /proc/self/smaps at its exit: file-backed pages other than the model's
   2.52 to 2.63 MiB over 18 models (2.60 on average; they move by about 0.1
   MiB from run to run with the libraries' load addresses), and about 50 KiB
   of anonymous memory that is not llmlite's. It is more than the program's
   resident memory at start (1.6 to 1.9 MiB): running touches more code.
   Other systems differ: measure yours (VmRSS of a program that has run a
   model, less llml_rss's other parts) and set baseline_bytes. */
#define LLML_RSS_BASELINE ((uint64_t)2700 * 1024)

/* A program that maps a model file, makes one context and decodes (and
   samples) with it, such as llmlite-chat or llmlite-bench. */
typedef struct llml_rss_desc {
    const llml_gguf *gguf;     /* the model file's header (header_only is enough) */
    llml_ctx_desc ctx;         /* the context the program makes (zero: defaults) */
    int32_t n_tokens;          /* tokens fed or sampled: only their rows of an
                                  untied model's token embeddings are read (taken
                                  as distinct and spread over the table); 0: 1 */
    int32_t n_outputs;         /* logits rows a decode keeps; 0: 1               */
    int32_t sampler;           /* 1: llml_generate's sampler (default settings)  */
    uint64_t baseline_bytes;   /* the program without llmlite's data; 0: LLML_RSS_BASELINE */
    uint32_t map_unit;         /* bytes the system maps per fault in a cached file;
                                  0: 65536 (Linux's fault-around)               */
    const llml_allocator *allocator; /* for the measurements; NULL: default    */
} llml_rss_desc;

/* The peak resident memory by part, in bytes. */
typedef struct llml_rss {
    uint64_t baseline_bytes;   /* code, libraries, stack                         */
    uint64_t file_bytes;       /* pages of the mapped file read: the header and
                                  every tensor, except the embedding rows an
                                  untied model never reads                      */
    uint64_t embd_bytes;       /* of file_bytes: token embeddings                */
    uint64_t gguf_bytes;       /* the parsed header (keys, strings, tensor table) */
    uint64_t vocab_bytes;      /* tokenizer tables                               */
    uint64_t model_bytes;      /* the model's own tables and converted vectors   */
    uint64_t ctx_bytes;        /* the context: its block (llml_ctx_sizes_get), handle */
    uint64_t logits_bytes;     /* n_vocab floats per kept output                 */
    uint64_t sampler_bytes;    /* the sampler's candidate arrays                 */
    uint64_t threads_bytes;    /* worker threads' stacks: two pages each         */
    uint64_t total_bytes;      /* the peak: all of the above                     */
} llml_rss;

/* Predict the peak resident memory (VmHWM, "RES" in top) of such a program.
   Mapped weights count as they are read: everything but an untied model's
   unused embedding rows, each read bringing in map_unit bytes around it.
   The tokenizer tables and the sampler are measured by building them from
   the header with a counting allocator; the parsed header is what the handle
   holds; the context is llml_ctx_sizes_get's block. Expert models count
   every expert as read. Returns LLML_ERR_INVALID_ARG without a header,
   the errors of llml_shape_from_gguf and llml_vocab_load. Thread safety:
   any thread. */
LLML_API llml_result llml_plan_rss(const llml_rss_desc *desc, llml_rss *out, llml_error *err);
#ifdef __cplusplus
}
#endif

#endif /* LLMLITE_H */

/* ======================================================================== */
/* ====================== API ends here =================================== */
/* ======================================================================== */

/* ======================================================================== */
/* Zone 3: the implementation                                               */
/* ======================================================================== */
#ifdef LLMLITE_IMPLEMENTATION
#ifdef LLMLITE_IMPLEMENTATION_INCLUDED
#error "llmlite.h: LLMLITE_IMPLEMENTATION defined twice in one translation unit"
#endif
#define LLMLITE_IMPLEMENTATION_INCLUDED

/* ------------------------------------------------------------------------ */
/* >>common  includes, allocator, half floats, small helpers                */
/* ------------------------------------------------------------------------ */

#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <float.h>
#include <limits.h>
#include <stdarg.h>

#ifndef LLML_MALLOC
#define LLML_MALLOC(sz) malloc(sz)
#define LLML_FREE(p) free(p)
#endif
#ifndef LLML_ASSERT
#include <assert.h>
#define LLML_ASSERT(x) assert(x)
#endif

#ifdef __cplusplus
#define LLML__CAST(T, x) static_cast<T>(x)
#else
#define LLML__CAST(T, x) ((T)(x))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LLML__UNUSED __attribute__((unused))
#else
#define LLML__UNUSED
#endif

#define LLML__MIN(a, b) ((a) < (b) ? (a) : (b))
#define LLML__MAX(a, b) ((a) > (b) ? (a) : (b))
#define LLML__QK_K 256

/* Allocation through an optional llml_allocator (NULL -> default). The
   default path over-allocates to honour alignments above malloc's. */
LLML__UNUSED static void *llml__alloc(const llml_allocator *a, size_t size, size_t align) {
    if (size == 0) size = 1;
    if (a && a->alloc) return a->alloc(a->user, size, align);
    (void)align;
    return LLML_MALLOC(size);
}
LLML__UNUSED static void llml__free(const llml_allocator *a, void *p, size_t size) {
    if (!p) return;
    if (a && a->alloc) { if (a->free) a->free(a->user, p, size); return; }
    (void)size;
    LLML_FREE(p);
}
LLML__UNUSED static void *llml__calloc(const llml_allocator *a, size_t size) {
    void *p = llml__alloc(a, size, 16);
    if (p) memset(p, 0, size);
    return p;
}

/* Overflow-checked size arithmetic: return 0 on overflow. */
LLML__UNUSED static int llml__mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}
LLML__UNUSED static int llml__add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

static void llml__set_error(llml_error *err, llml_result code, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

LLML__UNUSED static void llml__set_error(llml_error *err, llml_result code, uint64_t offset, const char *fmt, ...) {
    va_list ap;
    if (!err) return;
    err->code = code;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

/* Bit casts without aliasing trouble. */
LLML__UNUSED static uint32_t llml__f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
LLML__UNUSED static float llml__bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* Round to nearest, ties to even (what ggml's nearest_int computes for the
   magnitudes quantizers use). */
LLML__UNUSED static int llml__nearest_int(float fval) {
    float val = fval + 12582912.f;
    uint32_t i = llml__f32_bits(val);
    return (int)(i & 0x007fffff) - 0x00400000;
}

/* Little-endian loads and stores of unaligned fields. */
LLML__UNUSED static uint16_t llml__rd16(const void *p) { const uint8_t *b = (const uint8_t *)p; return (uint16_t)(b[0] | (b[1] << 8)); }
LLML__UNUSED static uint32_t llml__rd32(const void *p) { const uint8_t *b = (const uint8_t *)p; return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24); }
LLML__UNUSED static uint64_t llml__rd64(const void *p) { return (uint64_t)llml__rd32(p) | ((uint64_t)llml__rd32((const uint8_t *)p + 4) << 32); }
LLML__UNUSED static void llml__wr16(void *p, uint16_t v) { uint8_t *b = (uint8_t *)p; b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); }
LLML__UNUSED static void llml__wr32(void *p, uint32_t v) { uint8_t *b = (uint8_t *)p; b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24); }

/* IEEE half <-> single, round to nearest even, with subnormals, inf, NaN. */
LLML_API float llml_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {
        /* subnormal: value = man * 2^-24 */
        float f = (float)man * (1.0f / 16777216.0f);
        return sign ? -f : f;
    }
    return llml__bits_f32(bits);
}

LLML_API uint16_t llml_fp32_to_fp16(float f) {
    uint32_t x = llml__f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) { /* inf or NaN */
        return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 | ((ax >> 13) & 0x3ff) : 0));
    }
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* rounds to inf */
    if (ax < 0x38800000u) {
        /* result is subnormal or zero: round ax * 2^24 to an integer */
        uint32_t e = ax >> 23;
        uint32_t m, shift, r, half, rem;
        if (e < 102) return (uint16_t)sign; /* below half of the smallest subnormal */
        m = (ax & 0x7fffff) | 0x800000;
        shift = 126 - e;                    /* value = m * 2^(e-150); want m * 2^(e-150+24) */
        r = m >> shift;
        rem = m & ((1u << shift) - 1);
        half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        return (uint16_t)(sign | r);
    } else {
        uint32_t r = ax + 0xc8000000u;      /* rebias exponent: -112 << 23 */
        uint32_t lsb = (r >> 13) & 1;
        r += 0xfff + lsb;
        return (uint16_t)(sign | (r >> 13));
    }
}

LLML_API float llml_bf16_to_fp32(uint16_t h) { return llml__bits_f32((uint32_t)h << 16); }

LLML_API uint16_t llml_fp32_to_bf16(float f) {
    uint32_t u = llml__f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64); /* quiet NaN */
    return (uint16_t)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

#define LLML__FP16_TO_FP32(x) llml_fp16_to_fp32(x)
#define LLML__FP32_TO_FP16(x) llml_fp32_to_fp16(x)

/* Activation blocks shared by every format's dot product (ggml layouts). */
typedef struct { uint16_t d; int8_t qs[32]; } llml__block_q8_0;                 /* 34 bytes  */
typedef struct { uint16_t d; uint16_t s; int8_t qs[32]; } llml__block_q8_1;     /* 36 bytes  */
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } llml__block_q8_K; /* 292 bytes */

/* Internal per-format functions (one set per format, in the fragments below):
     static void        llml__dequant_X(const void *src, float *dst, int64_t n);
     static llml_result llml__quant_X(const float *src, void *dst, int64_t nrows,
                                      int64_t n_per_row, const float *imatrix);
     static float       llml__dot_X(const void *w, const void *act, int64_t n);
   `act` holds n elements in the format's vec_dot_type. */
/* ------------------------------------------------------------------------ */
/* >>gguf  GGUF reader (file / memory / callback) and writer                */
/* ------------------------------------------------------------------------ */
/* Layout of a GGUF file (v2 and v3; all numbers little-endian):
     "GGUF" u32 version  u64 n_tensors  u64 n_kv
     n_kv x  { str key, u32 vtype, value }   value = scalar | str | { u32 elem, u64 n, n x elem }
     n_tensors x { str name, u32 n_dims, n_dims x i64 ne, u32 type, u64 offset }
     padding to `alignment` (general.alignment, u32, default 32)
     data section: tensor i at data_offset + offset_i, each start aligned.
   where str = { u64 len, len bytes }.
   Every count and length is checked against the bytes that remain before
   anything is allocated for it; arrays grow only with what was parsed.
   Nested arrays (an array whose elements are arrays) are rejected with
   LLML_ERR_UNSUPPORTED_TYPE, as the reference C reader does.
   String values are kept as bytes (tokenizer pieces need not be UTF-8);
   keys and tensor names must be valid UTF-8 without NUL bytes. */

#if !defined(LLML_NO_MMAP) && (defined(__unix__) || defined(__unix) || defined(__APPLE__))
#define LLML__GGUF_POSIX 1
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#elif !defined(LLML_NO_MMAP) && defined(_WIN32)
#define LLML__GGUF_WIN32 1
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif

#define LLML__GGUF_DEFAULT_ALIGNMENT 32u
#define LLML__GGUF_MAX_NAME 64        /* the reference keeps names below 64 bytes */
#define LLML__GGUF_WINDOW (64u * 1024u)

#if defined(__GNUC__) || defined(__clang__)
#define LLML__GGUF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LLML__GGUF_PRINTF(a, b)
#endif

static const unsigned char llml__gguf_vsize[LLML_GGUF_VTYPE_COUNT] = {
    1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8
};

LLML_API const char *llml_gguf_vtype_name(llml_gguf_vtype t) {
    static const char *const names[LLML_GGUF_VTYPE_COUNT] = {
        "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"
    };
    if ((unsigned)t >= (unsigned)LLML_GGUF_VTYPE_COUNT) return "?";
    return names[(unsigned)t];
}

static size_t llml__gguf_vtype_size(uint32_t t) {
    return t < (uint32_t)LLML_GGUF_VTYPE_COUNT ? (size_t)llml__gguf_vsize[t] : 0;
}

static int llml__gguf_host_le(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Copy n elements of size es from little-endian src to host-endian dst. */
static void llml__gguf_le_copy(void *dst, const void *src, uint64_t n, size_t es) {
    uint64_t i;
    size_t j;
    const unsigned char *s = (const unsigned char *)src;
    unsigned char *d = (unsigned char *)dst;
    if (n == 0) return;
    if (es <= 1 || llml__gguf_host_le()) { memcpy(dst, src, (size_t)(n * es)); return; }
    for (i = 0; i < n; i++)
        for (j = 0; j < es; j++) d[i * es + j] = s[i * es + es - 1 - j];
}

static void llml__gguf_wr64(void *p, uint64_t v) {
    llml__wr32(p, (uint32_t)v);
    llml__wr32((unsigned char *)p + 4, (uint32_t)(v >> 32));
}

static uint64_t llml__gguf_align_up(uint64_t x, uint64_t a, int *ok) {
    uint64_t r = x % a;
    if (r == 0) return x;
    if (x > UINT64_MAX - (a - r)) { *ok = 0; return x; }
    return x + (a - r);
}

static int llml__gguf_pow2(uint64_t a) { return a != 0 && (a & (a - 1)) == 0; }

/* Length (1-4) of the valid UTF-8 sequence at s (n bytes left), 0 if there
   is none: rejects overlong forms, surrogates and code points above U+10FFFF. */
static uint64_t llml__gguf_utf8_seq(const unsigned char *s, uint64_t n) {
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    uint64_t k, len;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) { len = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if (len > n) return 0;
    for (k = 1; k < len; k++) {
        unsigned b = s[k];
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return 0;
    }
    return len;
}

/* Index of the first byte that breaks UTF-8 (n when the text is valid). */
static uint64_t llml__gguf_utf8_bad(const unsigned char *s, uint64_t n) {
    uint64_t i = 0;
    while (i < n) {
        uint64_t len = llml__gguf_utf8_seq(s + i, n - i);
        if (!len) return i;
        i += len;
    }
    return n;
}

/* Printable copy of a (possibly hostile) name for messages: valid UTF-8 is
   kept, control characters and broken sequences become '?'. */
static void llml__gguf_clean(char *dst, size_t cap, const char *s, uint64_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t m = 0;
    uint64_t i = 0, shown = 0;
    while (i < n && shown < 80 && m + 8 < cap) {
        uint64_t len = llml__gguf_utf8_seq(u + i, n - i);
        if (len == 0 || u[i] < 0x20 || u[i] == 0x7f) { dst[m++] = '?'; i++; }
        else { memcpy(dst + m, u + i, (size_t)len); m += (size_t)len; i += len; }
        shown++;
    }
    if (i < n) { dst[m++] = '.'; dst[m++] = '.'; dst[m++] = '.'; }
    dst[m] = 0;
}

/* Grow a table of elem-sized items so that it holds at least `need`. */
static llml_result llml__gguf_grow(const llml_allocator *a, void **p, uint64_t *cap, uint64_t need, size_t elem) {
    uint64_t nc;
    void *np;
    if (need <= *cap) return LLML_OK;
    nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > UINT64_MAX / 2) return LLML_ERR_OUT_OF_MEMORY;
        nc *= 2;
    }
    if (nc > (uint64_t)(SIZE_MAX / elem)) return LLML_ERR_OUT_OF_MEMORY;
    np = llml__alloc(a, (size_t)(nc * elem), 16);
    if (!np) return LLML_ERR_OUT_OF_MEMORY;
    if (*p) {
        memcpy(np, *p, (size_t)(*cap * elem));
        llml__free(a, *p, (size_t)(*cap * elem));
    }
    *p = np;
    *cap = nc;
    return LLML_OK;
}

/* ---- the handle ---------------------------------------------------------- */

typedef struct llml__gguf_str {
    const char *s;
    uint64_t len;
} llml__gguf_str;

typedef struct llml__gguf_kv {
    const char *key;
    uint64_t key_len;
    llml_gguf_vtype type;   /* LLML_GGUF_ARRAY for arrays */
    llml_gguf_vtype elem;   /* element type of an array (== type for scalars) */
    uint64_t n;             /* elements (1 for a scalar) */
    void *data;             /* scalar value, chars, numeric elements, or llml__gguf_str[] */
    uint64_t str_len;       /* length of a scalar string */
    uint64_t pos;           /* byte offset of the pair in the source */
} llml__gguf_kv;

typedef struct llml__gguf_tensor {
    llml_gguf_tensor t;     /* first: llml_gguf_tensor_at returns &t */
    uint64_t name_len;
    uint64_t pos;           /* byte offset of the tensor info */
    uint64_t off_pos;       /* byte offset of its `offset` field */
} llml__gguf_tensor;

typedef struct llml__gguf_block {
    struct llml__gguf_block *next;
    size_t size, used;
    size_t pad_;            /* keeps the payload 16-byte aligned on 64-bit hosts */
} llml__gguf_block;

typedef struct llml__gguf_hash {
    uint64_t *slot;         /* index + 1, 0 = empty */
    uint64_t cap;           /* power of two */
} llml__gguf_hash;

enum {
    LLML__GGUF_SRC_MEMORY = 0,   /* caller's buffer            */
    LLML__GGUF_SRC_MAP = 1,      /* memory-mapped file         */
    LLML__GGUF_SRC_BUFFER = 2,   /* file read into our buffer  */
    LLML__GGUF_SRC_CALLBACK = 3, /* read callback              */
    LLML__GGUF_SRC_PATH = 4      /* header only: reopen path   */
};

struct llml_gguf {
    llml_allocator alloc;
    const llml_allocator *a;      /* &alloc, or NULL for the default */
    uint32_t version, alignment;
    uint64_t data_offset, file_size;
    llml__gguf_kv *kv;
    uint64_t n_kv, cap_kv;
    llml__gguf_tensor *ts;
    uint64_t n_t, cap_t;
    llml__gguf_hash hkv, ht;
    uint64_t hseed;
    llml__gguf_block *arena;
    int kind;
    const unsigned char *base;    /* whole source in memory, or NULL */
    void *owned;                  /* SRC_BUFFER */
    size_t owned_size;
    void *map;                    /* SRC_MAP */
    size_t map_size;
#if defined(LLML__GGUF_POSIX)
    int map_fd, map_fd_open;      /* kept open to notice a file that shrinks */
#endif
    llml_read_fn read;            /* SRC_CALLBACK */
    void *user;
    char *path;                   /* SRC_PATH */
    size_t path_size;
};

static void *llml__gguf_arena(llml_gguf *g, uint64_t n, size_t align) {
    llml__gguf_block *b = g->arena;
    size_t start;
    if (n > (uint64_t)(SIZE_MAX / 2)) return NULL;
    if (align < 1) align = 1;
    if (b) {
        start = (b->used + align - 1) & ~(align - 1);
        if (start <= b->size && (size_t)n <= b->size - start) {
            b->used = start + (size_t)n;
            return (unsigned char *)(b + 1) + start;
        }
    }
    {
        size_t sz = (size_t)n + 16 > 65536 ? (size_t)n + 16 : 65536;
        llml__gguf_block *nb = (llml__gguf_block *)llml__alloc(g->a, sizeof(llml__gguf_block) + sz, 16);
        if (!nb) return NULL;
        nb->size = sz;
        nb->used = 0;
        nb->pad_ = 0;
        /* a big one-off request goes below the current block so that the
           current block keeps serving small requests */
        if (b && (size_t)n + 16 > 65536) { nb->next = b->next; b->next = nb; }
        else { nb->next = b; g->arena = nb; }
        nb->used = (size_t)n;
        return (void *)(nb + 1);
    }
}

/* FNV-1a with a per-handle seed and a final mix, so that a hostile file
   cannot easily line names up in one probe chain. */
static uint64_t llml__gguf_hash_bytes(uint64_t seed, const char *s, uint64_t n) {
    uint64_t h = 1469598103934665603ull ^ seed, i;
    for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    h ^= h >> 31; h *= 0x7fb5d329728ea185ull;
    h ^= h >> 27; h *= 0x81dadef4bc2dd44dull;
    return h ^ (h >> 33);
}

static const char *llml__gguf_name_at(const llml_gguf *g, int which, uint64_t i, uint64_t *len) {
    if (which == 0) { *len = g->kv[i].key_len; return g->kv[i].key; }
    *len = g->ts[i].name_len;
    return g->ts[i].t.name;
}

static int64_t llml__gguf_hfind(const llml_gguf *g, int which, const char *s, uint64_t n) {
    const llml__gguf_hash *h = which == 0 ? &g->hkv : &g->ht;
    uint64_t m, i;
    if (!h->cap) return -1;
    m = h->cap - 1;
    i = llml__gguf_hash_bytes(g->hseed, s, n) & m;
    while (h->slot[i]) {
        uint64_t idx = h->slot[i] - 1, len;
        const char *name = llml__gguf_name_at(g, which, idx, &len);
        if (len == n && memcmp(name, s, (size_t)n) == 0) return (int64_t)idx;
        i = (i + 1) & m;
    }
    return -1;
}

static void llml__gguf_hput(llml__gguf_hash *h, uint64_t hash, uint64_t idx) {
    uint64_t m = h->cap - 1, i = hash & m;
    while (h->slot[i]) i = (i + 1) & m;
    h->slot[i] = idx + 1;
}

/* Add entry `idx` (already stored) of table `which` to its hash. */
static llml_result llml__gguf_hadd(llml_gguf *g, int which, uint64_t idx) {
    llml__gguf_hash *h = which == 0 ? &g->hkv : &g->ht;
    uint64_t len;
    const char *name;
    if ((idx + 1) * 2 > h->cap) {
        llml__gguf_hash nh;
        uint64_t j;
        nh.cap = h->cap ? h->cap * 2 : 16;
        while ((idx + 1) * 2 > nh.cap) nh.cap *= 2;
        if (nh.cap > (uint64_t)(SIZE_MAX / sizeof(uint64_t))) return LLML_ERR_OUT_OF_MEMORY;
        nh.slot = (uint64_t *)llml__calloc(g->a, (size_t)(nh.cap * sizeof(uint64_t)));
        if (!nh.slot) return LLML_ERR_OUT_OF_MEMORY;
        for (j = 0; j < idx; j++) {
            name = llml__gguf_name_at(g, which, j, &len);
            llml__gguf_hput(&nh, llml__gguf_hash_bytes(g->hseed, name, len), j);
        }
        if (h->slot) llml__free(g->a, h->slot, (size_t)(h->cap * sizeof(uint64_t)));
        *h = nh;
    }
    name = llml__gguf_name_at(g, which, idx, &len);
    llml__gguf_hput(h, llml__gguf_hash_bytes(g->hseed, name, len), idx);
    return LLML_OK;
}

/* ---- platform files ------------------------------------------------------ */

typedef struct llml__gguf_file {
#if defined(LLML__GGUF_POSIX)
    int fd;
#elif defined(LLML__GGUF_WIN32)
    HANDLE h;
#else
    FILE *f;
#endif
    int open;
} llml__gguf_file;

#if defined(LLML__GGUF_WIN32)
static HANDLE llml__gguf_win_open(const char *path) {
    wchar_t wbuf[1024];
    wchar_t *w = wbuf;
    HANDLE h;
    int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
    if (n <= 0) return CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (n > 1024) {
        w = (wchar_t *)LLML_MALLOC((size_t)n * sizeof(wchar_t));
        if (!w) return INVALID_HANDLE_VALUE;
    }
    MultiByteToWideChar(CP_UTF8, 0, path, -1, w, n);
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (w != wbuf) LLML_FREE(w);
    return h;
}
#endif

/* Open a file for reading and get its size. */
static llml_result llml__gguf_fopen(llml__gguf_file *f, const char *path, uint64_t *size, llml_error *err) {
    f->open = 0;
#if defined(LLML__GGUF_POSIX)
    {
        struct stat st;
        do { f->fd = open(path, O_RDONLY); } while (f->fd < 0 && errno == EINTR);
        if (f->fd < 0) {
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot open '%s': %s", path, strerror(errno));
            return LLML_ERR_IO;
        }
        if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
            close(f->fd);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "'%s' is not a readable regular file", path);
            return LLML_ERR_IO;
        }
        *size = (uint64_t)st.st_size;
    }
#elif defined(LLML__GGUF_WIN32)
    {
        LARGE_INTEGER li;
        f->h = llml__gguf_win_open(path);
        if (f->h == INVALID_HANDLE_VALUE) {
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot open '%s' (error %lu)", path, (unsigned long)GetLastError());
            return LLML_ERR_IO;
        }
        if (!GetFileSizeEx(f->h, &li) || li.QuadPart < 0) {
            CloseHandle(f->h);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot get the size of '%s'", path);
            return LLML_ERR_IO;
        }
        *size = (uint64_t)li.QuadPart;
    }
#else
    {
        long long end;
        f->f = fopen(path, "rb");
        if (!f->f) {
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot open '%s'", path);
            return LLML_ERR_IO;
        }
#if defined(_WIN32)
        if (_fseeki64(f->f, 0, SEEK_END) != 0 || (end = _ftelli64(f->f)) < 0) {
#else
        if (fseek(f->f, 0, SEEK_END) != 0 || (end = ftell(f->f)) < 0) {
#endif
            fclose(f->f);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot get the size of '%s'", path);
            return LLML_ERR_IO;
        }
        /* a directory "opens" on some systems: probe with a one-byte read */
        if (end > 0 && (fseek(f->f, 0, SEEK_SET) != 0 || fgetc(f->f) == EOF)) {
            fclose(f->f);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "'%s' is not a readable regular file", path);
            return LLML_ERR_IO;
        }
        *size = (uint64_t)end;
    }
#endif
    f->open = 1;
    return LLML_OK;
}

/* Read up to n bytes at `off`; returns the count read (short only at EOF or on error). */
static size_t llml__gguf_fread_at(llml__gguf_file *f, uint64_t off, void *dst, size_t n) {
    size_t done = 0;
    unsigned char *d = (unsigned char *)dst;
    if (!f->open || n == 0) return 0;
#if defined(LLML__GGUF_POSIX)
    {
        off_t o = (off_t)off;
        if (o < 0 || (uint64_t)o != off || lseek(f->fd, o, SEEK_SET) == (off_t)-1) return 0;
        while (done < n) {
            size_t want = n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done;
            ssize_t r = read(f->fd, d + done, want);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            done += (size_t)r;
        }
    }
#elif defined(LLML__GGUF_WIN32)
    {
        LARGE_INTEGER li;
        li.QuadPart = (LONGLONG)off;
        if ((uint64_t)li.QuadPart != off || !SetFilePointerEx(f->h, li, NULL, FILE_BEGIN)) return 0;
        while (done < n) {
            DWORD want = (DWORD)(n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done), got = 0;
            if (!ReadFile(f->h, d + done, want, &got, NULL) || got == 0) break;
            done += (size_t)got;
        }
    }
#else
    {
#if defined(_WIN32)
        if ((long long)off < 0 || _fseeki64(f->f, (long long)off, SEEK_SET) != 0) return 0;
#else
        if (off > (uint64_t)LONG_MAX || fseek(f->f, (long)off, SEEK_SET) != 0) return 0;
#endif
        done = fread(d, 1, n, f->f);
    }
#endif
    return done;
}

static void llml__gguf_fclose(llml__gguf_file *f) {
    if (!f->open) return;
#if defined(LLML__GGUF_POSIX)
    close(f->fd);
#elif defined(LLML__GGUF_WIN32)
    CloseHandle(f->h);
#else
    fclose(f->f);
#endif
    f->open = 0;
}

static size_t llml__gguf_file_cb(void *user, uint64_t offset, void *dst, size_t n) {
    return llml__gguf_fread_at((llml__gguf_file *)user, offset, dst, n);
}

/* Map a whole file read-only. Returns 1 on success, 0 when mapping is not
   available or failed (the caller then reads the file instead). */
static int llml__gguf_map(llml__gguf_file *f, uint64_t size, void **out) {
    *out = NULL;
    if (size == 0 || size > (uint64_t)SIZE_MAX) return 0;
#if defined(LLML__GGUF_POSIX)
    {
        void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, f->fd, 0);
        if (p == MAP_FAILED) return 0;
        *out = p;
        return 1;
    }
#elif defined(LLML__GGUF_WIN32)
    {
        HANDLE m = CreateFileMappingW(f->h, NULL, PAGE_READONLY, 0, 0, NULL);
        void *p;
        if (!m) return 0;
        p = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
        CloseHandle(m); /* the view keeps the mapping alive */
        if (!p) return 0;
        *out = p;
        return 1;
    }
#else
    (void)f;
    return 0;
#endif
}

static void llml__gguf_unmap(void *p, size_t size) {
    if (!p) return;
#if defined(LLML__GGUF_POSIX)
    munmap(p, size);
#elif defined(LLML__GGUF_WIN32)
    (void)size;
    UnmapViewOfFile(p);
#else
    (void)size;
#endif
}

/* ---- the source every parse goes through ---------------------------------- */

typedef struct llml__gguf_src {
    const unsigned char *mem;    /* whole source in memory, else NULL */
    llml_read_fn fn;
    void *user;
    uint64_t size;
    unsigned char *win;          /* read-ahead window for callback sources */
    size_t win_cap, win_len;
    uint64_t win_off;
} llml__gguf_src;

/* Call the read function until n bytes came or it returns 0. */
static size_t llml__gguf_src_pull(llml__gguf_src *s, uint64_t off, unsigned char *dst, size_t n) {
    size_t done = 0;
    while (done < n) {
        size_t want = n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done;
        size_t r = s->fn(s->user, off + done, dst + done, want);
        if (r == 0 || r > want) break;
        done += r;
    }
    return done;
}

/* Copy n bytes at off (the caller checked off + n <= size). */
static int llml__gguf_src_read(llml__gguf_src *s, uint64_t off, void *dst, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    if (n == 0) return 1;
    if (s->mem) { memcpy(d, s->mem + off, n); return 1; }
    if (s->win_len && off >= s->win_off && off - s->win_off <= s->win_len &&
        n <= s->win_len - (size_t)(off - s->win_off)) {
        memcpy(d, s->win + (size_t)(off - s->win_off), n);
        return 1;
    }
    if (!s->win || n >= s->win_cap) return llml__gguf_src_pull(s, off, d, n) == n;
    {
        uint64_t left = s->size - off;
        size_t want = left < (uint64_t)s->win_cap ? (size_t)left : s->win_cap;
        s->win_len = llml__gguf_src_pull(s, off, s->win, want);
        s->win_off = off;
        if (s->win_len < n) { s->win_len = 0; return 0; }
        memcpy(d, s->win, n);
        return 1;
    }
}

/* ---- the parser ------------------------------------------------------------ */

typedef struct llml__gguf_parser {
    llml__gguf_src *src;
    llml_gguf *g;
    llml_error *err;
    uint64_t pos;
    char what[200];   /* "header", "key 'x'", "tensor 'y'" */
} llml__gguf_parser;

static llml_result llml__gguf_fail(llml__gguf_parser *p, llml_result code, uint64_t off, const char *fmt, ...) LLML__GGUF_PRINTF(4, 5);

static llml_result llml__gguf_fail(llml__gguf_parser *p, llml_result code, uint64_t off, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    llml__set_error(p->err, code, off, "%s: %s", p->what, msg);
    return code;
}

static llml_result llml__gguf_take(llml__gguf_parser *p, void *dst, uint64_t n, const char *field) {
    uint64_t left = p->src->size - p->pos;
    if (n > left)
        return llml__gguf_fail(p, LLML_ERR_TRUNCATED, p->pos, "%s needs %llu bytes but only %llu remain (truncated file)",
                               field, (unsigned long long)n, (unsigned long long)left);
    if (n > (uint64_t)SIZE_MAX) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, p->pos, "%s is too large", field);
    if (!llml__gguf_src_read(p->src, p->pos, dst, (size_t)n))
        return llml__gguf_fail(p, LLML_ERR_IO, p->pos, "reading %s failed (the source ended early)", field);
    p->pos += n;
    return LLML_OK;
}

static llml_result llml__gguf_u32(llml__gguf_parser *p, uint32_t *v, const char *field) {
    unsigned char b[4];
    llml_result r = llml__gguf_take(p, b, 4, field);
    if (r == LLML_OK) *v = llml__rd32(b);
    return r;
}

static llml_result llml__gguf_u64(llml__gguf_parser *p, uint64_t *v, const char *field) {
    unsigned char b[8];
    llml_result r = llml__gguf_take(p, b, 8, field);
    if (r == LLML_OK) *v = llml__rd64(b);
    return r;
}

/* A count or length read at `at` that asks for more than 2^40 bytes (or
   overflows) beyond what remains is impossible rather than cut short. */
#define LLML__GGUF_ABSURD ((uint64_t)1 << 40)

static int llml__gguf_absurd(const llml__gguf_parser *p, uint64_t n, uint64_t unit) {
    uint64_t left = p->src->size - p->pos;
    if (unit == 0) return 0;
    if (n > UINT64_MAX / unit) return 1;
    return n * unit > left && n * unit >= LLML__GGUF_ABSURD;
}

/* n items of `unit` bytes must fit in what is left: CORRUPT when the count is
   impossible, TRUNCATED when the data simply ends. Checked before anything
   is allocated for them. */
static llml_result llml__gguf_fits(llml__gguf_parser *p, uint64_t n, uint64_t unit, uint64_t at, const char *field) {
    uint64_t left = p->src->size - p->pos;
    if (unit == 0) return LLML_OK;
    if (llml__gguf_absurd(p, n, unit))
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "%s %llu is impossible (%llu bytes remain)", field, (unsigned long long)n,
                               (unsigned long long)left);
    if (n * unit > left)
        return llml__gguf_fail(p, LLML_ERR_TRUNCATED, at, "%s %llu needs %llu bytes but only %llu remain (truncated file)",
                               field, (unsigned long long)n, (unsigned long long)(n * unit), (unsigned long long)left);
    return LLML_OK;
}

/* Read a string into the arena (NUL-terminated). */
static llml_result llml__gguf_rdstr(llml__gguf_parser *p, const char **out, uint64_t *len, const char *field) {
    uint64_t at = p->pos, n;
    char *s;
    llml_result r = llml__gguf_u64(p, &n, field);
    if (r != LLML_OK) return r;
    r = llml__gguf_fits(p, n, 1, at, field);
    if (r != LLML_OK) return r;
    s = (char *)llml__gguf_arena(p->g, n + 1, 1);
    if (!s) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, at, "no memory for %s of %llu bytes", field, (unsigned long long)n);
    r = llml__gguf_take(p, s, n, field);
    if (r != LLML_OK) return r;
    s[n] = 0;
    *out = s;
    *len = n;
    return LLML_OK;
}

/* Keys and tensor names: valid UTF-8, no NUL. */
static llml_result llml__gguf_check_name(llml__gguf_parser *p, const char *s, uint64_t n, uint64_t at, const char *kind) {
    uint64_t bad = llml__gguf_utf8_bad((const unsigned char *)s, n);
    if (bad < n)
        return llml__gguf_fail(p, LLML_ERR_BAD_UTF8, at + 8 + bad, "%s is not valid UTF-8 (byte 0x%02x at position %llu)",
                               kind, (unsigned)(unsigned char)s[bad], (unsigned long long)bad);
    if (memchr(s, 0, (size_t)n))
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "%s contains a NUL byte", kind);
    return LLML_OK;
}

static llml_result llml__gguf_vtype(llml__gguf_parser *p, uint32_t *t, int elem) {
    uint64_t at = p->pos;
    llml_result r = llml__gguf_u32(p, t, elem ? "array element type" : "value type");
    if (r != LLML_OK) return r;
    if (*t >= (uint32_t)LLML_GGUF_VTYPE_COUNT)
        return llml__gguf_fail(p, LLML_ERR_UNSUPPORTED_TYPE, at, "unknown %s %lu", elem ? "array element type" : "value type",
                               (unsigned long)*t);
    if (elem && *t == (uint32_t)LLML_GGUF_ARRAY)
        return llml__gguf_fail(p, LLML_ERR_UNSUPPORTED_TYPE, at, "arrays of arrays are not supported");
    return LLML_OK;
}

static llml_result llml__gguf_read_kv(llml__gguf_parser *p, llml__gguf_kv *kv) {
    uint32_t t;
    uint64_t at;
    llml_result r = llml__gguf_vtype(p, &t, 0);
    if (r != LLML_OK) return r;
    kv->type = kv->elem = (llml_gguf_vtype)t;
    kv->n = 1;
    if (t == (uint32_t)LLML_GGUF_STRING) {
        const char *s;
        r = llml__gguf_rdstr(p, &s, &kv->str_len, "string value");
        kv->data = (void *)(uintptr_t)s;
        return r;
    }
    if (t != (uint32_t)LLML_GGUF_ARRAY) {
        unsigned char b[8];
        size_t es = llml__gguf_vtype_size(t);
        r = llml__gguf_take(p, b, es, "value");
        if (r != LLML_OK) return r;
        kv->data = llml__gguf_arena(p->g, 8, 8);
        if (!kv->data) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, p->pos, "out of memory");
        llml__gguf_le_copy(kv->data, b, 1, es);
        return LLML_OK;
    }
    r = llml__gguf_vtype(p, &t, 1);
    if (r != LLML_OK) return r;
    kv->elem = (llml_gguf_vtype)t;
    at = p->pos;
    r = llml__gguf_u64(p, &kv->n, "array length");
    if (r != LLML_OK) return r;
    if (t == (uint32_t)LLML_GGUF_STRING) {
        llml__gguf_str *strs;
        uint64_t j;
        r = llml__gguf_fits(p, kv->n, 8, at, "array length");
        if (r != LLML_OK) return r;
        strs = (llml__gguf_str *)llml__gguf_arena(p->g, kv->n * sizeof(llml__gguf_str), 8);
        if (!strs) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, at, "no memory for %llu strings", (unsigned long long)kv->n);
        for (j = 0; j < kv->n; j++) {
            char field[64];
            snprintf(field, sizeof(field), "string %llu of the array", (unsigned long long)j);
            r = llml__gguf_rdstr(p, &strs[j].s, &strs[j].len, field);
            if (r != LLML_OK) return r;
        }
        kv->data = strs;
        return LLML_OK;
    } else {
        size_t es = llml__gguf_vtype_size(t);
        r = llml__gguf_fits(p, kv->n, es, at, "array length");
        if (r != LLML_OK) return r;
        kv->data = llml__gguf_arena(p->g, kv->n * es, es);
        if (!kv->data) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, at, "no memory for %llu elements", (unsigned long long)kv->n);
        r = llml__gguf_take(p, kv->data, kv->n * es, "array data");
        if (r != LLML_OK) return r;
        if (!llml__gguf_host_le() && es > 1) { /* to host order */
            unsigned char *d = (unsigned char *)kv->data;
            uint64_t i;
            size_t a, b2;
            for (i = 0; i < kv->n; i++)
                for (a = 0, b2 = es - 1; a < b2; a++, b2--) {
                    unsigned char c = d[i * es + a];
                    d[i * es + a] = d[i * es + b2];
                    d[i * es + b2] = c;
                }
        }
        return LLML_OK;
    }
}

typedef struct llml__gguf_span {
    uint64_t off, end;
    uint64_t idx;
} llml__gguf_span;

static int llml__gguf_span_cmp(const void *a, const void *b) {
    const llml__gguf_span *x = (const llml__gguf_span *)a, *y = (const llml__gguf_span *)b;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    if (x->idx != y->idx) return x->idx < y->idx ? -1 : 1;
    return 0;
}

static llml_result llml__gguf_read_tensor_info(llml__gguf_parser *p, llml__gguf_tensor *te, uint64_t i) {
    llml_gguf_tensor *t = &te->t;
    uint64_t at = p->pos, nd_pos, ty_pos, nel = 1, nrows = 1, rs, size;
    uint32_t nd, ty, d;
    const llml_type_info *info;
    char nm[100];
    llml_result r;
    te->pos = at;
    snprintf(p->what, sizeof(p->what), "tensor #%llu", (unsigned long long)i);
    r = llml__gguf_rdstr(p, &t->name, &te->name_len, "tensor name");
    if (r != LLML_OK) return r;
    llml__gguf_clean(nm, sizeof(nm), t->name, te->name_len);
    snprintf(p->what, sizeof(p->what), "tensor '%s'", nm);
    r = llml__gguf_check_name(p, t->name, te->name_len, at, "tensor name");
    if (r != LLML_OK) return r;
    if (llml__gguf_hfind(p->g, 1, t->name, te->name_len) >= 0)
        return llml__gguf_fail(p, LLML_ERR_DUPLICATE, at, "duplicate tensor name");
    nd_pos = p->pos;
    r = llml__gguf_u32(p, &nd, "dimension count");
    if (r != LLML_OK) return r;
    if (nd < 1 || nd > 4)
        return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, nd_pos, "%lu dimensions (must be 1 to 4)", (unsigned long)nd);
    t->n_dims = nd;
    for (d = 0; d < 4; d++) t->ne[d] = 1;
    for (d = 0; d < nd; d++) {
        uint64_t v, dpos = p->pos;
        r = llml__gguf_u64(p, &v, "dimension");
        if (r != LLML_OK) return r;
        if (v == 0 || v > (uint64_t)INT64_MAX)
            return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, dpos, "dimension %lu is %lld (must be positive)", (unsigned long)d,
                                   (long long)v);
        if (nel > (uint64_t)INT64_MAX / v)
            return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, dpos, "the element count overflows 64 bits");
        nel *= v;
        t->ne[d] = (int64_t)v;
    }
    ty_pos = p->pos;
    r = llml__gguf_u32(p, &ty, "tensor type");
    if (r != LLML_OK) return r;
    info = ty < (uint32_t)LLML_TYPE_COUNT ? llml_type_get_info((llml_type)ty) : NULL;
    if (!info) return llml__gguf_fail(p, LLML_ERR_UNSUPPORTED_TYPE, ty_pos, "unknown tensor type %lu", (unsigned long)ty);
    t->type = (llml_type)ty;
    if (t->ne[0] % info->block_size != 0)
        return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, nd_pos + 4, "%lld elements per row is not a multiple of the %s block size %d",
                               (long long)t->ne[0], info->name, (int)info->block_size);
    for (d = 1; d < 4; d++) nrows *= (uint64_t)t->ne[d];
    /* the row's bytes too: 2^62 F32 elements would wrap to a small size */
    if (!llml__mul_u64((uint64_t)(t->ne[0] / info->block_size), (uint64_t)info->type_size, &rs) || !llml__mul_u64(rs, nrows, &size))
        return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, nd_pos, "the size in bytes overflows 64 bits");
    t->size = size;
    te->off_pos = p->pos;
    r = llml__gguf_u64(p, &t->offset, "data offset");
    if (r != LLML_OK) return r;
    if (t->offset % p->g->alignment != 0)
        return llml__gguf_fail(p, LLML_ERR_BAD_ALIGNMENT, te->off_pos, "data offset %llu is not a multiple of the alignment %lu",
                               (unsigned long long)t->offset, (unsigned long)p->g->alignment);
    t->data = NULL;
    return LLML_OK;
}

/* Check where every tensor's bytes lie: inside the data section, no overlap. */
static llml_result llml__gguf_check_data(llml__gguf_parser *p) {
    llml_gguf *g = p->g;
    uint64_t n = g->n_t, k, data_size = g->file_size - g->data_offset, expect = 0;
    llml__gguf_span *sp;
    int consistent = 1;
    llml_result r = LLML_OK;
    char a[100], b[100];
    if (n == 0) return LLML_OK;
    if (n > (uint64_t)(SIZE_MAX / sizeof(llml__gguf_span))) return LLML_ERR_OUT_OF_MEMORY;
    sp = (llml__gguf_span *)llml__alloc(g->a, (size_t)(n * sizeof(llml__gguf_span)), 16);
    if (!sp) { llml__set_error(p->err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    for (k = 0; k < n; k++) {
        const llml_gguf_tensor *t = &g->ts[k].t;
        sp[k].off = t->offset;
        sp[k].end = t->offset + t->size;
        if (sp[k].end < sp[k].off) sp[k].end = UINT64_MAX;
        sp[k].idx = k;
    }
    qsort(sp, (size_t)n, sizeof(*sp), llml__gguf_span_cmp);
    /* when every tensor starts where the one before it ends (padded), the
       table describes a consistent layout: data running past the end then
       means the file was cut, not that an offset is wrong */
    for (k = 0; k < n; k++) {
        int ok = 1;
        if (sp[k].off != expect) consistent = 0;
        expect = llml__gguf_align_up(sp[k].end, g->alignment, &ok);
        if (!ok) expect = UINT64_MAX;
    }
    for (k = 0; k < n && r == LLML_OK; k++) {
        const llml__gguf_tensor *te = &g->ts[k];
        uint64_t end = te->t.offset + te->t.size;
        if (end < te->t.offset || end > data_size) {
            llml__gguf_clean(a, sizeof(a), te->t.name, te->name_len);
            snprintf(p->what, sizeof(p->what), "tensor '%s'", a);
            if (end >= te->t.offset && consistent)
                r = llml__gguf_fail(p, LLML_ERR_TRUNCATED, g->file_size,
                                    "data [%llu, %llu) extends past the end of the file (size %llu): the file is truncated",
                                    (unsigned long long)(g->data_offset + te->t.offset),
                                    (unsigned long long)(g->data_offset + te->t.offset + te->t.size),
                                    (unsigned long long)g->file_size);
            else if (end < te->t.offset)
                r = llml__gguf_fail(p, LLML_ERR_OUT_OF_BOUNDS, te->off_pos, "data offset %llu + size %llu overflows",
                                    (unsigned long long)te->t.offset, (unsigned long long)te->t.size);
            else
                r = llml__gguf_fail(p, LLML_ERR_OUT_OF_BOUNDS, te->off_pos,
                                    "data [%llu, %llu) extends past the end of the file (size %llu)",
                                    (unsigned long long)(g->data_offset + te->t.offset),
                                    (unsigned long long)(g->data_offset + end), (unsigned long long)g->file_size);
        }
    }
    for (k = 1; k < n && r == LLML_OK; k++) {
        if (sp[k].off < sp[k - 1].end) {
            const llml__gguf_tensor *x = &g->ts[sp[k - 1].idx], *y = &g->ts[sp[k].idx];
            const llml__gguf_tensor *later = sp[k].idx > sp[k - 1].idx ? y : x, *other = later == y ? x : y;
            llml__gguf_clean(a, sizeof(a), later->t.name, later->name_len);
            llml__gguf_clean(b, sizeof(b), other->t.name, other->name_len);
            snprintf(p->what, sizeof(p->what), "tensor '%s'", a);
            r = llml__gguf_fail(p, LLML_ERR_OVERLAP, later->off_pos, "data [%llu, %llu) overlaps tensor '%s' [%llu, %llu)",
                                (unsigned long long)later->t.offset, (unsigned long long)(later->t.offset + later->t.size), b,
                                (unsigned long long)other->t.offset, (unsigned long long)(other->t.offset + other->t.size));
        }
    }
    llml__free(g->a, sp, (size_t)(n * sizeof(llml__gguf_span)));
    return r;
}

static llml_result llml__gguf_parse(llml_gguf *g, llml__gguf_src *src, llml_error *err) {
    llml__gguf_parser P;
    llml__gguf_parser *p = &P;
    unsigned char magic[4];
    uint64_t n_t, n_kv, i, avail, at;
    uint32_t ver;
    llml_result r;
    p->src = src;
    p->g = g;
    p->err = err;
    p->pos = 0;
    strcpy(p->what, "header");
    g->file_size = src->size;
    g->alignment = LLML__GGUF_DEFAULT_ALIGNMENT;

    avail = src->size < 4 ? src->size : 4;
    if (!llml__gguf_src_read(src, 0, magic, (size_t)avail))
        return llml__gguf_fail(p, LLML_ERR_IO, 0, "reading the magic failed");
    if (memcmp(magic, "GGUF", (size_t)avail) != 0)
        return llml__gguf_fail(p, LLML_ERR_BAD_MAGIC, 0, "not a GGUF file (the first bytes are not \"GGUF\")");
    r = llml__gguf_take(p, magic, 4, "magic");
    if (r != LLML_OK) return r;
    r = llml__gguf_u32(p, &ver, "version");
    if (r != LLML_OK) return r;
    if (ver != 2 && ver != 3) {
        if (ver != 0 && (ver & 0xffffu) == 0)
            return llml__gguf_fail(p, LLML_ERR_BAD_VERSION, 4, "version 0x%08lx: a big-endian GGUF file (not supported)", (unsigned long)ver);
        if (ver == 1)
            return llml__gguf_fail(p, LLML_ERR_BAD_VERSION, 4, "GGUF version 1 is not supported (only 2 and 3)");
        return llml__gguf_fail(p, LLML_ERR_BAD_VERSION, 4, "GGUF version %lu is not supported (only 2 and 3)", (unsigned long)ver);
    }
    g->version = ver;
    at = p->pos;
    r = llml__gguf_u64(p, &n_t, "tensor count");
    if (r != LLML_OK) return r;
    if (n_t > (uint64_t)INT64_MAX || llml__gguf_absurd(p, n_t, 32)) /* a tensor info takes at least 32 bytes */
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "tensor count %llu is impossible (the source has %llu bytes)",
                               (unsigned long long)n_t, (unsigned long long)src->size);
    at = p->pos;
    r = llml__gguf_u64(p, &n_kv, "key-value count");
    if (r != LLML_OK) return r;
    if (n_kv > (uint64_t)INT64_MAX || llml__gguf_absurd(p, n_kv, 13)) /* a pair takes at least 13 bytes */
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "key-value count %llu is impossible (the source has %llu bytes)",
                               (unsigned long long)n_kv, (unsigned long long)src->size);

    for (i = 0; i < n_kv; i++) {
        llml__gguf_kv *kv;
        char nm[100];
        at = p->pos;
        snprintf(p->what, sizeof(p->what), "key #%llu", (unsigned long long)i);
        r = llml__gguf_grow(g->a, (void **)&g->kv, &g->cap_kv, g->n_kv + 1, sizeof(llml__gguf_kv));
        if (r != LLML_OK) return llml__gguf_fail(p, r, at, "out of memory");
        kv = &g->kv[g->n_kv];
        memset(kv, 0, sizeof(*kv));
        kv->pos = at;
        r = llml__gguf_rdstr(p, &kv->key, &kv->key_len, "key");
        if (r != LLML_OK) return r;
        if (kv->key_len == 0) return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "empty key");
        llml__gguf_clean(nm, sizeof(nm), kv->key, kv->key_len);
        snprintf(p->what, sizeof(p->what), "key '%s'", nm);
        r = llml__gguf_check_name(p, kv->key, kv->key_len, at, "key");
        if (r != LLML_OK) return r;
        if (llml__gguf_hfind(g, 0, kv->key, kv->key_len) >= 0)
            return llml__gguf_fail(p, LLML_ERR_DUPLICATE, at, "duplicate key");
        r = llml__gguf_read_kv(p, kv);
        if (r != LLML_OK) return r;
        if (strcmp(kv->key, "general.alignment") == 0) {
            uint32_t al;
            uint64_t vpos = at + 8 + kv->key_len + 4;
            if (kv->type != LLML_GGUF_UINT32)
                return llml__gguf_fail(p, LLML_ERR_BAD_ALIGNMENT, vpos - 4, "must be of type u32, not %s", llml_gguf_vtype_name(kv->type));
            memcpy(&al, kv->data, 4);
            if (!llml__gguf_pow2(al))
                return llml__gguf_fail(p, LLML_ERR_BAD_ALIGNMENT, vpos, "alignment %lu is not a power of two", (unsigned long)al);
            g->alignment = al;
        }
        g->n_kv++;
        r = llml__gguf_hadd(g, 0, g->n_kv - 1);
        if (r != LLML_OK) return llml__gguf_fail(p, r, at, "out of memory");
    }

    for (i = 0; i < n_t; i++) {
        llml__gguf_tensor *te;
        r = llml__gguf_grow(g->a, (void **)&g->ts, &g->cap_t, g->n_t + 1, sizeof(llml__gguf_tensor));
        if (r != LLML_OK) return llml__gguf_fail(p, r, p->pos, "out of memory");
        te = &g->ts[g->n_t];
        memset(te, 0, sizeof(*te));
        r = llml__gguf_read_tensor_info(p, te, i);
        if (r != LLML_OK) return r;
        g->n_t++;
        r = llml__gguf_hadd(g, 1, g->n_t - 1);
        if (r != LLML_OK) return llml__gguf_fail(p, r, te->pos, "out of memory");
    }

    strcpy(p->what, "data section");
    if (n_t > 0) {
        int ok = 1;
        g->data_offset = llml__gguf_align_up(p->pos, g->alignment, &ok);
        if (!ok || g->data_offset > src->size)
            return llml__gguf_fail(p, LLML_ERR_TRUNCATED, p->pos,
                                   "the data section would start at %llu, past the end of the file (size %llu): truncated",
                                   (unsigned long long)g->data_offset, (unsigned long long)src->size);
    } else {
        g->data_offset = p->pos; /* no tensors: writers need not pad */
    }
    return llml__gguf_check_data(p);
}

static llml_result llml__gguf_new(const llml_gguf_desc *desc, llml_gguf **out, llml_error *err) {
    const llml_allocator *a = desc ? desc->allocator : NULL;
    llml_gguf *g;
    if (a && !a->alloc) a = NULL;
    g = (llml_gguf *)llml__calloc(a, sizeof(llml_gguf));
    if (!g) {
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    if (a) { g->alloc = *a; g->a = &g->alloc; }
    g->alignment = LLML__GGUF_DEFAULT_ALIGNMENT;
    g->hseed = (uint64_t)(uintptr_t)g * 0x9e3779b97f4a7c15ull; /* varies with the address (ASLR) */
    *out = g;
    return LLML_OK;
}

/* Parse g's source and finish the handle (data pointers); frees g on failure. */
static llml_result llml__gguf_finish_open(llml_gguf *g, llml__gguf_src *src, llml_gguf **out, llml_error *err) {
    llml_result r = llml__gguf_parse(g, src, err);
    uint64_t i;
    if (r != LLML_OK) {
        llml_gguf_close(g);
        return r;
    }
    if (g->base)
        for (i = 0; i < g->n_t; i++) g->ts[i].t.data = g->base + g->data_offset + g->ts[i].t.offset;
    if (err) { err->code = LLML_OK; err->offset = UINT64_MAX; err->message[0] = 0; }
    *out = g;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_open_memory(const void *data, size_t size, const llml_gguf_desc *desc,
                                           llml_gguf **out, llml_error *err) {
    static const unsigned char empty[1] = {0};
    llml__gguf_src src;
    llml_gguf *g;
    llml_result r;
    if (out) *out = NULL;
    if (!out || (!data && size)) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_gguf_open_memory: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__gguf_new(desc, &g, err);
    if (r != LLML_OK) return r;
    memset(&src, 0, sizeof(src));
    src.mem = data ? (const unsigned char *)data : empty;
    src.size = size;
    g->kind = LLML__GGUF_SRC_MEMORY;
    g->base = src.mem;
    return llml__gguf_finish_open(g, &src, out, err);
}

LLML_API llml_result llml_gguf_open_callback(llml_read_fn read, void *user, uint64_t size, const llml_gguf_desc *desc,
                                             llml_gguf **out, llml_error *err) {
    llml__gguf_src src;
    llml_gguf *g;
    llml_result r;
    if (out) *out = NULL;
    if (!out || !read) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_gguf_open_callback: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__gguf_new(desc, &g, err);
    if (r != LLML_OK) return r;
    memset(&src, 0, sizeof(src));
    src.fn = read;
    src.user = user;
    src.size = size;
    src.win_cap = LLML__GGUF_WINDOW;
    src.win = (unsigned char *)llml__alloc(g->a, src.win_cap, 16);
    if (!src.win) {
        llml_gguf_close(g);
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    g->kind = LLML__GGUF_SRC_CALLBACK;
    g->read = read;
    g->user = user;
    {
        /* g may be gone after a failed parse: keep a copy of its allocator */
        llml_allocator acopy = g->alloc;
        const llml_allocator *a = g->a ? &acopy : NULL;
        r = llml__gguf_finish_open(g, &src, out, err);
        llml__free(a, src.win, src.win_cap);
    }
    return r;
}

LLML_API llml_result llml_gguf_open_file(const char *path, const llml_gguf_desc *desc, llml_gguf **out, llml_error *err) {
    llml__gguf_file f;
    llml__gguf_src src;
    llml_gguf *g;
    uint64_t size = 0;
    llml_result r;
    int header_only = desc && desc->header_only;
    int no_mmap = desc && desc->no_mmap;
    if (out) *out = NULL;
    if (!out || !path) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_gguf_open_file: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__gguf_new(desc, &g, err);
    if (r != LLML_OK) return r;
    r = llml__gguf_fopen(&f, path, &size, err);
    if (r != LLML_OK) { llml_gguf_close(g); return r; }
    memset(&src, 0, sizeof(src));
    src.size = size;
    if (header_only) {
        /* parse through small reads; tensor data is read later by reopening */
        llml_allocator acopy = g->alloc;
        const llml_allocator *a = g->a ? &acopy : NULL;
        size_t plen = strlen(path) + 1;
        g->kind = LLML__GGUF_SRC_PATH;
        g->path = (char *)llml__alloc(g->a, plen, 1);
        g->path_size = plen;   /* before any failure: close frees it with this size */
        src.win_cap = LLML__GGUF_WINDOW;
        src.win = (unsigned char *)llml__alloc(g->a, src.win_cap, 16);
        if (!g->path || !src.win) {
            llml__free(g->a, src.win, src.win_cap);
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
            return LLML_ERR_OUT_OF_MEMORY;
        }
        memcpy(g->path, path, plen);
        src.fn = llml__gguf_file_cb;
        src.user = &f;
        r = llml__gguf_finish_open(g, &src, out, err);
        llml__free(a, src.win, src.win_cap);
        llml__gguf_fclose(&f);
        return r;
    }
    if (!no_mmap && llml__gguf_map(&f, size, &g->map)) {
        g->kind = LLML__GGUF_SRC_MAP;
        g->map_size = (size_t)size;
        src.mem = (const unsigned char *)g->map;
#if defined(LLML__GGUF_POSIX)
        g->map_fd = f.fd;         /* the handle owns the descriptor now */
        g->map_fd_open = 1;
        f.open = 0;
#endif
    } else {
        if (size >= (uint64_t)SIZE_MAX) {
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "'%s' (%llu bytes) does not fit in memory: open it header_only",
                            path, (unsigned long long)size);
            return LLML_ERR_UNSUPPORTED;
        }
        g->kind = LLML__GGUF_SRC_BUFFER;
        g->owned_size = (size_t)size ? (size_t)size : 1;
        g->owned = llml__alloc(g->a, g->owned_size, 64);
        if (!g->owned) {
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "no memory to read '%s' (%llu bytes)", path,
                            (unsigned long long)size);
            return LLML_ERR_OUT_OF_MEMORY;
        }
        if (llml__gguf_fread_at(&f, 0, g->owned, (size_t)size) != (size_t)size) {
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "reading '%s' failed", path);
            return LLML_ERR_IO;
        }
        src.mem = (const unsigned char *)g->owned;
    }
    llml__gguf_fclose(&f);
    g->base = src.mem;
    return llml__gguf_finish_open(g, &src, out, err);
}

LLML_API void llml_gguf_close(llml_gguf *g) {
    llml_allocator acopy;
    const llml_allocator *a;
    llml__gguf_block *b;
    if (!g) return;
    acopy = g->alloc;
    a = g->a ? &acopy : NULL;
    if (g->kv) llml__free(a, g->kv, (size_t)(g->cap_kv * sizeof(llml__gguf_kv)));
    if (g->ts) llml__free(a, g->ts, (size_t)(g->cap_t * sizeof(llml__gguf_tensor)));
    if (g->hkv.slot) llml__free(a, g->hkv.slot, (size_t)(g->hkv.cap * sizeof(uint64_t)));
    if (g->ht.slot) llml__free(a, g->ht.slot, (size_t)(g->ht.cap * sizeof(uint64_t)));
    b = g->arena;
    while (b) {
        llml__gguf_block *next = b->next;
        llml__free(a, b, sizeof(llml__gguf_block) + b->size);
        b = next;
    }
    if (g->owned) llml__free(a, g->owned, g->owned_size);
    if (g->map) llml__gguf_unmap(g->map, g->map_size);
#if defined(LLML__GGUF_POSIX)
    if (g->map_fd_open) close(g->map_fd);
#endif
    if (g->path) llml__free(a, g->path, g->path_size);
    llml__free(a, g, sizeof(llml_gguf));
}

/* For users of a mapped file's bytes (models): LLML_ERR_IO when the file is
   now shorter than the map, so that touching the lost pages would raise
   SIGBUS (POSIX). Costs one fstat. Windows refuses to shorten a mapped
   file, and other sources own their bytes: LLML_OK. */
LLML__UNUSED static llml_result llml__gguf_check_map(const llml_gguf *g) {
#if defined(LLML__GGUF_POSIX)
    struct stat st;
    if (g && g->map_fd_open && (fstat(g->map_fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < (uint64_t)g->map_size))
        return LLML_ERR_IO;
#else
    (void)g;
#endif
    return LLML_OK;
}

LLML_API uint32_t llml_gguf_version(const llml_gguf *g) { return g ? g->version : 0; }
LLML_API uint32_t llml_gguf_alignment(const llml_gguf *g) { return g ? g->alignment : 0; }
LLML_API uint64_t llml_gguf_data_offset(const llml_gguf *g) { return g ? g->data_offset : 0; }
LLML_API uint64_t llml_gguf_file_size(const llml_gguf *g) { return g ? g->file_size : 0; }
LLML_API int64_t llml_gguf_n_kv(const llml_gguf *g) { return g ? (int64_t)g->n_kv : 0; }

LLML_API int64_t llml_gguf_find_key(const llml_gguf *g, const char *key) {
    if (!g || !key) return -1;
    return llml__gguf_hfind(g, 0, key, strlen(key));
}

static const llml__gguf_kv *llml__gguf_kv_at(const llml_gguf *g, int64_t i) {
    if (!g || i < 0 || (uint64_t)i >= g->n_kv) return NULL;
    return &g->kv[i];
}

LLML_API const char *llml_gguf_key(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv ? kv->key : NULL;
}

/* LLML_GGUF_VTYPE_COUNT for an index out of range. */
LLML_API llml_gguf_vtype llml_gguf_kv_type(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv ? kv->type : LLML_GGUF_VTYPE_COUNT;
}

/* LLML_GGUF_VTYPE_COUNT when kv i is not an array. */
LLML_API llml_gguf_vtype llml_gguf_arr_type(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv && kv->type == LLML_GGUF_ARRAY ? kv->elem : LLML_GGUF_VTYPE_COUNT;
}

/* 0 when kv i is not an array. */
LLML_API uint64_t llml_gguf_arr_len(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv && kv->type == LLML_GGUF_ARRAY ? kv->n : 0;
}

LLML_API const void *llml_gguf_arr_data(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!kv || kv->type != LLML_GGUF_ARRAY || kv->elem == LLML_GGUF_STRING) return NULL;
    return kv->data;
}

LLML_API const char *llml_gguf_arr_str(const llml_gguf *g, int64_t i, uint64_t j) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!kv || kv->type != LLML_GGUF_ARRAY || kv->elem != LLML_GGUF_STRING || j >= kv->n) return NULL;
    return ((const llml__gguf_str *)kv->data)[j].s;
}

LLML_API uint64_t llml_gguf_arr_str_len(const llml_gguf *g, int64_t i, uint64_t j) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!kv || kv->type != LLML_GGUF_ARRAY || kv->elem != LLML_GGUF_STRING || j >= kv->n) return 0;
    return ((const llml__gguf_str *)kv->data)[j].len;
}

LLML_API const void *llml_gguf_kv_data(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv && kv->type != LLML_GGUF_ARRAY ? kv->data : NULL;
}

static llml_result llml__gguf_lookup(const llml_gguf *g, const char *key, const void *out, const llml__gguf_kv **kv) {
    int64_t i;
    if (!g || !key || !out) return LLML_ERR_INVALID_ARG;
    i = llml__gguf_hfind(g, 0, key, strlen(key));
    if (i < 0) return LLML_ERR_NOT_FOUND;
    *kv = &g->kv[i];
    return LLML_OK;
}

static llml_result llml__gguf_get_scalar(const llml_gguf *g, const char *key, llml_gguf_vtype t, void *out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    if (r != LLML_OK) return r;
    if (kv->type != t) return LLML_ERR_TYPE_MISMATCH;
    memcpy(out, kv->data, llml__gguf_vtype_size((uint32_t)t));
    return LLML_OK;
}

LLML_API llml_result llml_gguf_get_u8(const llml_gguf *g, const char *key, uint8_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT8, out); }
LLML_API llml_result llml_gguf_get_i8(const llml_gguf *g, const char *key, int8_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT8, out); }
LLML_API llml_result llml_gguf_get_u16(const llml_gguf *g, const char *key, uint16_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT16, out); }
LLML_API llml_result llml_gguf_get_i16(const llml_gguf *g, const char *key, int16_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT16, out); }
LLML_API llml_result llml_gguf_get_u32(const llml_gguf *g, const char *key, uint32_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT32, out); }
LLML_API llml_result llml_gguf_get_i32(const llml_gguf *g, const char *key, int32_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT32, out); }
LLML_API llml_result llml_gguf_get_u64(const llml_gguf *g, const char *key, uint64_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT64, out); }
LLML_API llml_result llml_gguf_get_i64(const llml_gguf *g, const char *key, int64_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT64, out); }
LLML_API llml_result llml_gguf_get_f32(const llml_gguf *g, const char *key, float *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_FLOAT32, out); }
LLML_API llml_result llml_gguf_get_f64(const llml_gguf *g, const char *key, double *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_FLOAT64, out); }

LLML_API llml_result llml_gguf_get_bool(const llml_gguf *g, const char *key, int *out) {
    uint8_t b;
    llml_result r = llml__gguf_get_scalar(g, key, LLML_GGUF_BOOL, out ? &b : NULL);
    if (r == LLML_OK) *out = b != 0;
    return r;
}

LLML_API llml_result llml_gguf_get_str(const llml_gguf *g, const char *key, const char **out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    if (r != LLML_OK) return r;
    if (kv->type != LLML_GGUF_STRING) return LLML_ERR_TYPE_MISMATCH;
    *out = (const char *)kv->data;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_get_int(const llml_gguf *g, const char *key, int64_t *out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    const void *d;
    if (r != LLML_OK) return r;
    d = kv->data;
    switch (kv->type) {
    case LLML_GGUF_UINT8: { uint8_t v; memcpy(&v, d, 1); *out = v; return LLML_OK; }
    case LLML_GGUF_INT8: { int8_t v; memcpy(&v, d, 1); *out = v; return LLML_OK; }
    case LLML_GGUF_UINT16: { uint16_t v; memcpy(&v, d, 2); *out = v; return LLML_OK; }
    case LLML_GGUF_INT16: { int16_t v; memcpy(&v, d, 2); *out = v; return LLML_OK; }
    case LLML_GGUF_UINT32: { uint32_t v; memcpy(&v, d, 4); *out = v; return LLML_OK; }
    case LLML_GGUF_INT32: { int32_t v; memcpy(&v, d, 4); *out = v; return LLML_OK; }
    case LLML_GGUF_INT64: { int64_t v; memcpy(&v, d, 8); *out = v; return LLML_OK; }
    case LLML_GGUF_UINT64: {
        uint64_t v;
        memcpy(&v, d, 8);
        if (v > (uint64_t)INT64_MAX) return LLML_ERR_TYPE_MISMATCH;
        *out = (int64_t)v;
        return LLML_OK;
    }
    default: return LLML_ERR_TYPE_MISMATCH;
    }
}

LLML_API llml_result llml_gguf_get_float(const llml_gguf *g, const char *key, double *out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    if (r != LLML_OK) return r;
    if (kv->type == LLML_GGUF_FLOAT32) { float v; memcpy(&v, kv->data, 4); *out = (double)v; return LLML_OK; }
    if (kv->type == LLML_GGUF_FLOAT64) { memcpy(out, kv->data, 8); return LLML_OK; }
    return LLML_ERR_TYPE_MISMATCH;
}

/* Any of elem_type, len, index may be NULL. */
LLML_API llml_result llml_gguf_get_arr(const llml_gguf *g, const char *key, llml_gguf_vtype *elem_type, uint64_t *len,
                                       int64_t *index) {
    int64_t i;
    if (!g || !key) return LLML_ERR_INVALID_ARG;
    i = llml__gguf_hfind(g, 0, key, strlen(key));
    if (i < 0) return LLML_ERR_NOT_FOUND;
    if (g->kv[i].type != LLML_GGUF_ARRAY) return LLML_ERR_TYPE_MISMATCH;
    if (elem_type) *elem_type = g->kv[i].elem;
    if (len) *len = g->kv[i].n;
    if (index) *index = i;
    return LLML_OK;
}

LLML_API int64_t llml_gguf_n_tensors(const llml_gguf *g) { return g ? (int64_t)g->n_t : 0; }

LLML_API const llml_gguf_tensor *llml_gguf_tensor_at(const llml_gguf *g, int64_t i) {
    if (!g || i < 0 || (uint64_t)i >= g->n_t) return NULL;
    return &g->ts[i].t;
}

LLML_API int64_t llml_gguf_find_tensor(const llml_gguf *g, const char *name) {
    if (!g || !name) return -1;
    return llml__gguf_hfind(g, 1, name, strlen(name));
}

LLML_API llml_result llml_gguf_read_tensor(const llml_gguf *g, int64_t i, void *dst, size_t cap) {
    const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
    uint64_t off;
    if (!t || !dst || t->size > (uint64_t)cap) return LLML_ERR_INVALID_ARG;
    off = g->data_offset + t->offset;
    if (t->data) {
        memcpy(dst, t->data, (size_t)t->size);
        return LLML_OK;
    }
    if (g->kind == LLML__GGUF_SRC_CALLBACK) {
        llml__gguf_src s;
        memset(&s, 0, sizeof(s));
        s.fn = g->read;
        s.user = g->user;
        s.size = g->file_size;
        return llml__gguf_src_pull(&s, off, (unsigned char *)dst, (size_t)t->size) == (size_t)t->size ? LLML_OK : LLML_ERR_IO;
    }
    if (g->kind == LLML__GGUF_SRC_PATH) {
        /* a fresh open per call keeps concurrent readers independent */
        llml__gguf_file f;
        uint64_t size;
        size_t got;
        if (llml__gguf_fopen(&f, g->path, &size, NULL) != LLML_OK) return LLML_ERR_IO;
        got = size >= off + t->size ? llml__gguf_fread_at(&f, off, dst, (size_t)t->size) : 0;
        llml__gguf_fclose(&f);
        return got == (size_t)t->size ? LLML_OK : LLML_ERR_IO;
    }
    return LLML_ERR_IO;
}

/* ---- the writer ------------------------------------------------------------ */

typedef struct llml__gguf_wkv {
    char *key;
    size_t key_len;
    llml_gguf_vtype type;
    unsigned char *val;     /* the value as stored after the type tag */
    size_t val_size;
} llml__gguf_wkv;

typedef struct llml__gguf_wt {
    char *name;
    size_t name_len;
    llml_type type;
    uint32_t n_dims;
    int64_t ne[4];
    const void *data;
    uint64_t size;
} llml__gguf_wt;

enum { LLML__GGUF_W_IDLE = 0, LLML__GGUF_W_STREAM = 1, LLML__GGUF_W_FAILED = 2 };

struct llml_gguf_writer {
    llml_allocator alloc;
    const llml_allocator *a;
    llml__gguf_wkv *kv;
    uint64_t n_kv, cap_kv;
    llml__gguf_wt *t;
    uint64_t n_t, cap_t;
    int state;
    llml_write_fn fn;
    void *user;
    FILE *file;               /* begin_file / write_file */
    uint64_t cur, cur_done;   /* streaming: tensor being written, bytes so far */
    uint64_t written, total;
    uint32_t alignment;
    unsigned char *buf;       /* output buffer of LLML__GGUF_WINDOW bytes */
    size_t buf_len;
};

LLML_API llml_result llml_gguf_writer_create(const llml_allocator *allocator, llml_gguf_writer **out) {
    llml_gguf_writer *w;
    if (!out) return LLML_ERR_INVALID_ARG;
    *out = NULL;
    if (allocator && !allocator->alloc) allocator = NULL;
    w = (llml_gguf_writer *)llml__calloc(allocator, sizeof(llml_gguf_writer));
    if (!w) return LLML_ERR_OUT_OF_MEMORY;
    if (allocator) { w->alloc = *allocator; w->a = &w->alloc; }
    w->alignment = LLML__GGUF_DEFAULT_ALIGNMENT;
    *out = w;
    return LLML_OK;
}

static void llml__gguf_w_end(llml_gguf_writer *w) {
    if (w->file) { fclose(w->file); w->file = NULL; }
    if (w->buf) { llml__free(w->a, w->buf, LLML__GGUF_WINDOW); w->buf = NULL; }
    w->buf_len = 0;
    w->state = LLML__GGUF_W_IDLE;
}

LLML_API void llml_gguf_writer_free(llml_gguf_writer *w) {
    llml_allocator acopy;
    const llml_allocator *a;
    uint64_t i;
    if (!w) return;
    llml__gguf_w_end(w);
    acopy = w->alloc;
    a = w->a ? &acopy : NULL;
    for (i = 0; i < w->n_kv; i++) {
        llml__free(a, w->kv[i].key, w->kv[i].key_len + 1);
        llml__free(a, w->kv[i].val, w->kv[i].val_size);
    }
    for (i = 0; i < w->n_t; i++) llml__free(a, w->t[i].name, w->t[i].name_len + 1);
    if (w->kv) llml__free(a, w->kv, (size_t)(w->cap_kv * sizeof(llml__gguf_wkv)));
    if (w->t) llml__free(a, w->t, (size_t)(w->cap_t * sizeof(llml__gguf_wt)));
    llml__free(a, w, sizeof(llml_gguf_writer));
}

static int64_t llml__gguf_w_find(const llml_gguf_writer *w, const char *key) {
    uint64_t i;
    for (i = 0; i < w->n_kv; i++)
        if (strcmp(w->kv[i].key, key) == 0) return (int64_t)i;
    return -1;
}

static llml_result llml__gguf_w_check_key(const llml_gguf_writer *w, const char *key) {
    size_t n;
    if (!w || !key || !*key) return LLML_ERR_INVALID_ARG;
    if (w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    n = strlen(key);
    if (llml__gguf_utf8_bad((const unsigned char *)key, n) < n) return LLML_ERR_BAD_UTF8;
    return LLML_OK;
}

/* Store key = value; `val` (val_size bytes from w's allocator) is taken over
   in every case. */
static llml_result llml__gguf_w_put(llml_gguf_writer *w, const char *key, llml_gguf_vtype type, unsigned char *val, size_t val_size) {
    int64_t i;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r == LLML_OK && strcmp(key, "general.alignment") == 0) {
        if (type != LLML_GGUF_UINT32 || !llml__gguf_pow2(llml__rd32(val))) r = LLML_ERR_BAD_ALIGNMENT;
    }
    if (r != LLML_OK) { llml__free(w ? w->a : NULL, val, val_size); return r; }
    i = llml__gguf_w_find(w, key);
    if (i >= 0) {
        llml__free(w->a, w->kv[i].val, w->kv[i].val_size);
    } else {
        size_t n = strlen(key);
        char *k;
        r = llml__gguf_grow(w->a, (void **)&w->kv, &w->cap_kv, w->n_kv + 1, sizeof(llml__gguf_wkv));
        k = r == LLML_OK ? (char *)llml__alloc(w->a, n + 1, 1) : NULL;
        if (!k) { llml__free(w->a, val, val_size); return LLML_ERR_OUT_OF_MEMORY; }
        memcpy(k, key, n + 1);
        i = (int64_t)w->n_kv++;
        w->kv[i].key = k;
        w->kv[i].key_len = n;
    }
    w->kv[i].type = type;
    w->kv[i].val = val;
    w->kv[i].val_size = val_size;
    return LLML_OK;
}

static llml_result llml__gguf_w_scalar(llml_gguf_writer *w, const char *key, llml_gguf_vtype t, const void *v) {
    size_t es = llml__gguf_vtype_size((uint32_t)t);
    unsigned char *val;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    val = (unsigned char *)llml__alloc(w->a, es, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__gguf_le_copy(val, v, 1, es);
    if (t == LLML_GGUF_BOOL) val[0] = val[0] != 0;
    return llml__gguf_w_put(w, key, t, val, es);
}

LLML_API llml_result llml_gguf_writer_set_u8(llml_gguf_writer *w, const char *key, uint8_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT8, &v); }
LLML_API llml_result llml_gguf_writer_set_i8(llml_gguf_writer *w, const char *key, int8_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT8, &v); }
LLML_API llml_result llml_gguf_writer_set_u16(llml_gguf_writer *w, const char *key, uint16_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT16, &v); }
LLML_API llml_result llml_gguf_writer_set_i16(llml_gguf_writer *w, const char *key, int16_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT16, &v); }
LLML_API llml_result llml_gguf_writer_set_u32(llml_gguf_writer *w, const char *key, uint32_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT32, &v); }
LLML_API llml_result llml_gguf_writer_set_i32(llml_gguf_writer *w, const char *key, int32_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT32, &v); }
LLML_API llml_result llml_gguf_writer_set_u64(llml_gguf_writer *w, const char *key, uint64_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT64, &v); }
LLML_API llml_result llml_gguf_writer_set_i64(llml_gguf_writer *w, const char *key, int64_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT64, &v); }
LLML_API llml_result llml_gguf_writer_set_f32(llml_gguf_writer *w, const char *key, float v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_FLOAT32, &v); }
LLML_API llml_result llml_gguf_writer_set_f64(llml_gguf_writer *w, const char *key, double v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_FLOAT64, &v); }

LLML_API llml_result llml_gguf_writer_set_bool(llml_gguf_writer *w, const char *key, int v) {
    uint8_t b = (uint8_t)(v != 0);
    return llml__gguf_w_scalar(w, key, LLML_GGUF_BOOL, &b);
}

static llml_result llml__gguf_w_str(llml_gguf_writer *w, const char *key, const char *s, uint64_t n) {
    unsigned char *val;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    if (!s && n) return LLML_ERR_INVALID_ARG;
    if (n > (uint64_t)(SIZE_MAX - 8)) return LLML_ERR_OUT_OF_MEMORY;
    val = (unsigned char *)llml__alloc(w->a, (size_t)n + 8, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__gguf_wr64(val, n);
    if (n) memcpy(val + 8, s, (size_t)n);
    return llml__gguf_w_put(w, key, LLML_GGUF_STRING, val, (size_t)n + 8);
}

LLML_API llml_result llml_gguf_writer_set_str(llml_gguf_writer *w, const char *key, const char *v) {
    if (!v) return LLML_ERR_INVALID_ARG;
    return llml__gguf_w_str(w, key, v, strlen(v));
}

LLML_API llml_result llml_gguf_writer_set_arr(llml_gguf_writer *w, const char *key, llml_gguf_vtype elem_type, const void *data,
                                              uint64_t n) {
    size_t es = llml__gguf_vtype_size((uint32_t)elem_type), sz;
    unsigned char *val;
    uint64_t i;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    if (es == 0 || (!data && n)) return LLML_ERR_INVALID_ARG;
    if (n > (uint64_t)((SIZE_MAX - 12) / es)) return LLML_ERR_OUT_OF_MEMORY;
    sz = 12 + (size_t)n * es;
    val = (unsigned char *)llml__alloc(w->a, sz, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__wr32(val, (uint32_t)elem_type);
    llml__gguf_wr64(val + 4, n);
    llml__gguf_le_copy(val + 12, data, n, es);
    if (elem_type == LLML_GGUF_BOOL)
        for (i = 0; i < n; i++) val[12 + i] = val[12 + i] != 0;
    return llml__gguf_w_put(w, key, LLML_GGUF_ARRAY, val, sz);
}

/* String array from either (strs, lens) or (pairs). */
static llml_result llml__gguf_w_arr_str(llml_gguf_writer *w, const char *key, const char *const *strs, const uint64_t *lens,
                                        const llml__gguf_str *pairs, uint64_t n) {
    uint64_t i, total = 12;
    unsigned char *val, *p;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    if (!pairs && !strs && n) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        const char *s = pairs ? pairs[i].s : strs[i];
        uint64_t len = pairs ? pairs[i].len : lens ? lens[i] : (s ? strlen(s) : 0);
        if (!s && len) return LLML_ERR_INVALID_ARG;
        if (len > UINT64_MAX - 8 || total > UINT64_MAX - 8 - len) return LLML_ERR_OUT_OF_MEMORY;
        total += 8 + len;
    }
    if (total > (uint64_t)SIZE_MAX) return LLML_ERR_OUT_OF_MEMORY;
    val = (unsigned char *)llml__alloc(w->a, (size_t)total, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__wr32(val, (uint32_t)LLML_GGUF_STRING);
    llml__gguf_wr64(val + 4, n);
    p = val + 12;
    for (i = 0; i < n; i++) {
        const char *s = pairs ? pairs[i].s : strs[i];
        uint64_t len = pairs ? pairs[i].len : lens ? lens[i] : (s ? strlen(s) : 0);
        llml__gguf_wr64(p, len);
        if (len) memcpy(p + 8, s, (size_t)len);
        p += 8 + len;
    }
    return llml__gguf_w_put(w, key, LLML_GGUF_ARRAY, val, (size_t)total);
}

LLML_API llml_result llml_gguf_writer_set_arr_str(llml_gguf_writer *w, const char *key, const char *const *strs,
                                                  const uint64_t *lens, uint64_t n) {
    return llml__gguf_w_arr_str(w, key, strs, lens, NULL, n);
}

LLML_API llml_result llml_gguf_writer_copy_kv(llml_gguf_writer *w, const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!w || !kv) return LLML_ERR_INVALID_ARG;
    if (kv->type == LLML_GGUF_STRING) return llml__gguf_w_str(w, kv->key, (const char *)kv->data, kv->str_len);
    if (kv->type != LLML_GGUF_ARRAY) return llml__gguf_w_scalar(w, kv->key, kv->type, kv->data);
    if (kv->elem == LLML_GGUF_STRING)
        return llml__gguf_w_arr_str(w, kv->key, NULL, NULL, (const llml__gguf_str *)kv->data, kv->n);
    return llml_gguf_writer_set_arr(w, kv->key, kv->elem, kv->data, kv->n);
}

LLML_API llml_result llml_gguf_writer_remove_key(llml_gguf_writer *w, const char *key) {
    int64_t i;
    if (!w || !key || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    i = llml__gguf_w_find(w, key);
    if (i < 0) return LLML_ERR_NOT_FOUND;
    llml__free(w->a, w->kv[i].key, w->kv[i].key_len + 1);
    llml__free(w->a, w->kv[i].val, w->kv[i].val_size);
    memmove(&w->kv[i], &w->kv[i + 1], (size_t)(w->n_kv - (uint64_t)i - 1) * sizeof(llml__gguf_wkv));
    w->n_kv--;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_add_tensor(llml_gguf_writer *w, const char *name, llml_type type, uint32_t n_dims,
                                                 const int64_t *ne, const void *data, uint64_t size) {
    const llml_type_info *info;
    uint64_t i, nel = 1, nrows = 1, bytes;
    size_t n;
    llml__gguf_wt *t;
    llml_result r;
    if (!w || !name || !ne || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    n = strlen(name);
    if (n >= LLML__GGUF_MAX_NAME) return LLML_ERR_INVALID_ARG;
    if (llml__gguf_utf8_bad((const unsigned char *)name, n) < n) return LLML_ERR_BAD_UTF8;
    for (i = 0; i < w->n_t; i++)
        if (strcmp(w->t[i].name, name) == 0) return LLML_ERR_DUPLICATE;
    info = (unsigned)type < (unsigned)LLML_TYPE_COUNT ? llml_type_get_info(type) : NULL;
    if (!info) return LLML_ERR_UNSUPPORTED_TYPE;
    if (n_dims < 1 || n_dims > 4) return LLML_ERR_BAD_SHAPE;
    for (i = 0; i < n_dims; i++) {
        if (ne[i] <= 0 || nel > (uint64_t)INT64_MAX / (uint64_t)ne[i]) return LLML_ERR_BAD_SHAPE;
        nel *= (uint64_t)ne[i];
        if (i > 0) nrows *= (uint64_t)ne[i];
    }
    if (ne[0] % info->block_size != 0) return LLML_ERR_BAD_SHAPE;
    if (!llml__mul_u64((uint64_t)(ne[0] / info->block_size), (uint64_t)info->type_size, &bytes) ||
        !llml__mul_u64(bytes, nrows, &bytes)) return LLML_ERR_BAD_SHAPE;   /* row bytes may wrap too */
    if (size != bytes) return LLML_ERR_INVALID_ARG;
    r = llml__gguf_grow(w->a, (void **)&w->t, &w->cap_t, w->n_t + 1, sizeof(llml__gguf_wt));
    if (r != LLML_OK) return r;
    t = &w->t[w->n_t];
    memset(t, 0, sizeof(*t));
    t->name = (char *)llml__alloc(w->a, n + 1, 1);
    if (!t->name) return LLML_ERR_OUT_OF_MEMORY;
    memcpy(t->name, name, n + 1);
    t->name_len = n;
    t->type = type;
    t->n_dims = n_dims;
    for (i = 0; i < 4; i++) t->ne[i] = i < n_dims ? ne[i] : 1;
    t->data = data;
    t->size = size;
    w->n_t++;
    return LLML_OK;
}

static uint32_t llml__gguf_w_alignment(const llml_gguf_writer *w) {
    int64_t i = llml__gguf_w_find(w, "general.alignment");
    if (i >= 0 && w->kv[i].type == LLML_GGUF_UINT32) return llml__rd32(w->kv[i].val);
    return LLML__GGUF_DEFAULT_ALIGNMENT;
}

/* Size of header + metadata + tensor infos, start of data and total size.
   Returns 0 on overflow. */
static int llml__gguf_w_layout(const llml_gguf_writer *w, uint64_t *meta, uint64_t *data_off, uint64_t *total) {
    uint64_t i, m = 24, al = llml__gguf_w_alignment(w), pos;
    int ok = 1;
    for (i = 0; i < w->n_kv; i++) m += 8 + w->kv[i].key_len + 4 + w->kv[i].val_size;
    for (i = 0; i < w->n_t; i++) m += 8 + w->t[i].name_len + 4 + 8 * (uint64_t)w->t[i].n_dims + 4 + 8;
    *meta = m;
    pos = llml__gguf_align_up(m, al, &ok); /* the reference pads even without tensors */
    *data_off = pos;
    for (i = 0; i < w->n_t && ok; i++) {
        if (w->t[i].size > UINT64_MAX - pos) return 0;
        pos = llml__gguf_align_up(pos + w->t[i].size, al, &ok);
    }
    *total = pos;
    return ok;
}

LLML_API uint64_t llml_gguf_writer_file_size(const llml_gguf_writer *w) {
    uint64_t m, d, t;
    if (!w || !llml__gguf_w_layout(w, &m, &d, &t)) return 0;
    return t;
}

static llml_result llml__gguf_w_flush(llml_gguf_writer *w) {
    if (w->buf_len && w->fn(w->user, w->buf, w->buf_len) != w->buf_len) {
        w->state = LLML__GGUF_W_FAILED;
        return LLML_ERR_IO;
    }
    w->buf_len = 0;
    return LLML_OK;
}

static llml_result llml__gguf_w_out(llml_gguf_writer *w, const void *p, uint64_t n) {
    const unsigned char *s = (const unsigned char *)p;
    if (w->state != LLML__GGUF_W_STREAM) return LLML_ERR_IO;
    w->written += n;
    if (n <= (uint64_t)(LLML__GGUF_WINDOW - w->buf_len)) {
        if (n) memcpy(w->buf + w->buf_len, s, (size_t)n);
        w->buf_len += (size_t)n;
        return LLML_OK;
    }
    if (llml__gguf_w_flush(w) != LLML_OK) return LLML_ERR_IO;
    if (n < LLML__GGUF_WINDOW) {
        memcpy(w->buf, s, (size_t)n);
        w->buf_len = (size_t)n;
        return LLML_OK;
    }
    while (n) {
        size_t chunk = n > ((uint64_t)1 << 30) ? ((size_t)1 << 30) : (size_t)n;
        if (w->fn(w->user, s, chunk) != chunk) { w->state = LLML__GGUF_W_FAILED; return LLML_ERR_IO; }
        s += chunk;
        n -= chunk;
    }
    return LLML_OK;
}

static llml_result llml__gguf_w_pad(llml_gguf_writer *w) {
    static const unsigned char zeros[64] = {0};
    uint64_t rem = w->written % w->alignment, n = rem ? w->alignment - rem : 0;
    while (n) {
        uint64_t c = n < 64 ? n : 64;
        if (llml__gguf_w_out(w, zeros, c) != LLML_OK) return LLML_ERR_IO;
        n -= c;
    }
    return LLML_OK;
}

static llml_result llml__gguf_w_u32(llml_gguf_writer *w, uint32_t v) {
    unsigned char b[4];
    llml__wr32(b, v);
    return llml__gguf_w_out(w, b, 4);
}

static llml_result llml__gguf_w_u64(llml_gguf_writer *w, uint64_t v) {
    unsigned char b[8];
    llml__gguf_wr64(b, v);
    return llml__gguf_w_out(w, b, 8);
}

static llml_result llml__gguf_w_header(llml_gguf_writer *w) {
    uint64_t i, off = 0;
    uint32_t d;
    int ok = 1;
    llml_result r = llml__gguf_w_out(w, "GGUF", 4);
    if (r == LLML_OK) r = llml__gguf_w_u32(w, 3);
    if (r == LLML_OK) r = llml__gguf_w_u64(w, w->n_t);
    if (r == LLML_OK) r = llml__gguf_w_u64(w, w->n_kv);
    for (i = 0; i < w->n_kv && r == LLML_OK; i++) {
        const llml__gguf_wkv *kv = &w->kv[i];
        r = llml__gguf_w_u64(w, kv->key_len);
        if (r == LLML_OK) r = llml__gguf_w_out(w, kv->key, kv->key_len);
        if (r == LLML_OK) r = llml__gguf_w_u32(w, (uint32_t)kv->type);
        if (r == LLML_OK) r = llml__gguf_w_out(w, kv->val, kv->val_size);
    }
    for (i = 0; i < w->n_t && r == LLML_OK; i++) {
        const llml__gguf_wt *t = &w->t[i];
        r = llml__gguf_w_u64(w, t->name_len);
        if (r == LLML_OK) r = llml__gguf_w_out(w, t->name, t->name_len);
        if (r == LLML_OK) r = llml__gguf_w_u32(w, t->n_dims);
        for (d = 0; d < t->n_dims && r == LLML_OK; d++) r = llml__gguf_w_u64(w, (uint64_t)t->ne[d]);
        if (r == LLML_OK) r = llml__gguf_w_u32(w, (uint32_t)t->type);
        if (r == LLML_OK) r = llml__gguf_w_u64(w, off);
        off = llml__gguf_align_up(off + t->size, w->alignment, &ok);
    }
    if (r == LLML_OK) r = llml__gguf_w_pad(w);
    return r;
}

/* Write the data of every following tensor that was given up front. */
static llml_result llml__gguf_w_advance(llml_gguf_writer *w) {
    while (w->cur < w->n_t && w->t[w->cur].data && w->cur_done == 0) {
        llml_result r = llml__gguf_w_out(w, w->t[w->cur].data, w->t[w->cur].size);
        if (r == LLML_OK) r = llml__gguf_w_pad(w);
        if (r != LLML_OK) return r;
        w->cur++;
    }
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_begin(llml_gguf_writer *w, llml_write_fn write, void *user) {
    uint64_t meta, doff;
    llml_result r;
    if (!w || !write || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    if (!llml__gguf_w_layout(w, &meta, &doff, &w->total)) return LLML_ERR_INVALID_ARG;
    w->buf = (unsigned char *)llml__alloc(w->a, LLML__GGUF_WINDOW, 16);
    if (!w->buf) return LLML_ERR_OUT_OF_MEMORY;
    w->buf_len = 0;
    w->fn = write;
    w->user = user;
    w->state = LLML__GGUF_W_STREAM;
    w->cur = w->cur_done = w->written = 0;
    w->alignment = llml__gguf_w_alignment(w);
    r = llml__gguf_w_header(w);
    if (r == LLML_OK) r = llml__gguf_w_advance(w);
    if (r != LLML_OK) w->state = LLML__GGUF_W_FAILED;
    return r;
}

static size_t llml__gguf_stdio_write(void *user, const void *src, size_t n) {
    return fwrite(src, 1, n, (FILE *)user);
}

LLML_API llml_result llml_gguf_writer_begin_file(llml_gguf_writer *w, const char *path) {
    FILE *f;
    llml_result r;
    if (!w || !path || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    f = fopen(path, "wb");
    if (!f) return LLML_ERR_IO;
    r = llml_gguf_writer_begin(w, llml__gguf_stdio_write, f);
    if (r != LLML_OK) {
        fclose(f);
        if (w->buf) { llml__free(w->a, w->buf, LLML__GGUF_WINDOW); w->buf = NULL; }
        w->state = LLML__GGUF_W_IDLE;
        return r;
    }
    w->file = f;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_write_data(llml_gguf_writer *w, const void *data, uint64_t size) {
    llml__gguf_wt *t;
    llml_result r;
    if (!w) return LLML_ERR_INVALID_ARG;
    if (w->state == LLML__GGUF_W_FAILED) return LLML_ERR_IO;
    if (w->state != LLML__GGUF_W_STREAM || w->cur >= w->n_t || (!data && size)) return LLML_ERR_INVALID_ARG;
    t = &w->t[w->cur];
    if (size > t->size - w->cur_done) return LLML_ERR_INVALID_ARG;
    r = llml__gguf_w_out(w, data, size);
    if (r != LLML_OK) return r;
    w->cur_done += size;
    if (w->cur_done == t->size) {
        r = llml__gguf_w_pad(w);
        if (r != LLML_OK) return r;
        w->cur++;
        w->cur_done = 0;
        return llml__gguf_w_advance(w);
    }
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_finish(llml_gguf_writer *w) {
    llml_result r;
    if (!w) return LLML_ERR_INVALID_ARG;
    if (w->state == LLML__GGUF_W_FAILED) { llml__gguf_w_end(w); return LLML_ERR_IO; }
    if (w->state != LLML__GGUF_W_STREAM) return LLML_ERR_INVALID_ARG;
    r = llml__gguf_w_advance(w);
    if (r != LLML_OK) { llml__gguf_w_end(w); return r; }
    if (w->cur < w->n_t) { llml__gguf_w_end(w); return LLML_ERR_INVALID_ARG; } /* tensor data missing */
    r = llml__gguf_w_flush(w);
    if (r == LLML_OK && w->written != w->total) r = LLML_ERR_IO;
    if (w->file) {
        if (fclose(w->file) != 0 && r == LLML_OK) r = LLML_ERR_IO;
        w->file = NULL;
    }
    llml__gguf_w_end(w);
    return r;
}

LLML_API llml_result llml_gguf_writer_write(llml_gguf_writer *w, llml_write_fn write, void *user) {
    uint64_t i;
    llml_result r;
    if (!w || !write || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < w->n_t; i++)
        if (!w->t[i].data) return LLML_ERR_INVALID_ARG;
    r = llml_gguf_writer_begin(w, write, user);
    if (r != LLML_OK) { llml__gguf_w_end(w); return r; }
    return llml_gguf_writer_finish(w);
}

LLML_API llml_result llml_gguf_writer_write_file(llml_gguf_writer *w, const char *path) {
    uint64_t i;
    llml_result r;
    if (!w || !path || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < w->n_t; i++)
        if (!w->t[i].data) return LLML_ERR_INVALID_ARG;
    r = llml_gguf_writer_begin_file(w, path);
    if (r == LLML_OK) r = llml_gguf_writer_finish(w);
    if (r != LLML_OK) remove(path);
    return r;
}
/* ------------------------------------------------------------------------ */
/* >>quant_basic  f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1, iq4_nl,     */
/*                iq4_xs, tq1_0, tq2_0                                      */
/* ------------------------------------------------------------------------ */

/* Block layouts (little-endian, packed; "h" = IEEE half):
     q4_0    18 B / 32:  h d | u8 qs[16]               x = (q - 8) * d
     q4_1    20 B / 32:  h d | h m | u8 qs[16]         x = q * d + m
     q5_0    22 B / 32:  h d | u8 qh[4] | u8 qs[16]    x = (q - 16) * d
     q5_1    24 B / 32:  h d | h m | u8 qh[4] | qs[16] x = q * d + m
     q8_0    34 B / 32:  h d | i8 qs[32]               x = q * d
     q8_1    36 B / 32:  h d | h s | i8 qs[32]         s = d * sum(q)
     iq4_nl  18 B / 32:  h d | u8 qs[16]               x = d * kvalues[q]
     iq4_xs 136 B / 256: h d | u16 scales_h | u8 scales_l[4] | u8 qs[128]
                         group g of 32: x = d * (ls_g - 32) * kvalues[q]
     tq1_0   54 B / 256: u8 qs[48] (5 trits a byte) | u8 qh[4] (4 trits) | h d
     tq2_0   66 B / 256: u8 qs[64] (2 bits a value) | h d
   In the 32-element formats byte j of qs holds element j in its low nibble
   and element j + 16 in its high nibble; bit j of the 32-bit qh word is the
   fifth bit of element j. */

#define LLML__QB_QK 32

/* The quantizers reproduce the reference's bytes only when a*b+c is not
   fused into one rounding; clang fuses within expressions by default where
   the target has FMA (arm64), so the functions that decide codes ask for
   separate roundings. (GCC does not fuse in ISO C mode, the project's.) */
#if defined(__clang__)
#define LLML__QB_EXACT_FP _Pragma("STDC FP_CONTRACT OFF")
#else
#define LLML__QB_EXACT_FP
#endif

/* The 16 levels of the non-linear 4-bit formats (sorted ascending). */
static const int8_t llml__qb_kvalues[16] = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
};

static float llml__qb_half(const uint8_t *p) { return llml_fp16_to_fp32(llml__rd16(p)); }
static void llml__qb_put_half(uint8_t *p, float f) { llml__wr16(p, llml_fp32_to_fp16(f)); }

/* Mean of squares over a row (float accumulation, as the reference does). */
static float llml__qb_mean_sq(const float *x, int64_t n) {
    LLML__QB_EXACT_FP
    float s = 0.0f;
    int64_t i;
    for (i = 0; i < n; i++) s += x[i] * x[i];
    return s / (float)n;
}

/* Truncation toward zero of v (known to lie near [0, hi]) into [0, hi]. */
static int llml__qb_trunc(float v, int hi) {
    if (!(v >= 1.0f)) return 0;
    if (v >= (float)hi) return hi;
    return (int)v;
}

/* Round half away from zero into [-128, 127]; NaN gives 0. */
static int llml__qb_round8(float v) {
    float r = roundf(v);
    if (r != r) return 0;
    if (r > 127.0f) return 127;
    if (r < -128.0f) return -128;
    return (int)r;
}

/* Unpack the 32 4-bit (and optional fifth-bit) codes of a 32-block. */
static void llml__qb_codes(const uint8_t *qs, const uint8_t *qh, int *q) {
    uint32_t h = qh ? llml__rd32(qh) : 0;
    int j;
    for (j = 0; j < 16; j++) {
        q[j] = (qs[j] & 0x0f) | (int)(((h >> j) & 1u) << 4);
        q[j + 16] = (qs[j] >> 4) | (int)(((h >> (j + 16)) & 1u) << 4);
    }
}

/* Pack 32 codes (0..15, or 0..31 when qh != NULL) into qs / qh. */
static void llml__qb_pack(const int *q, uint8_t *qs, uint8_t *qh) {
    uint32_t h = 0;
    int j;
    for (j = 0; j < 16; j++) {
        qs[j] = (uint8_t)((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4));
        h |= (uint32_t)((q[j] >> 4) & 1) << j;
        h |= (uint32_t)((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (qh) llml__wr32(qh, h);
}

/* Index of the level of `v` (16 sorted levels) nearest to x; a value exactly
   half way between two levels takes the upper one. Compares 2x with the sum
   of neighbours, which is exact. */
static int llml__qb_nearest_level(const int8_t *v, float x) {
    float x2 = x + x;
    int idx = 0, step;
    for (step = 8; step > 0; step >>= 1) {
        int j = idx + step;
        if (x2 >= (float)(v[j - 1] + v[j])) idx = j;
    }
    return idx;
}

/* ---- scale searches (importance-weighted) ------------------------------- */

/* Symmetric fit: codes l in [-nmax, nmax-1] (stored as l + nmax) and a scale
   d minimising sum w (x - d l)^2. The codes come from rounding x times a
   trial inverse scale; 19 trial scales around nmax/max are tried and for
   each the least-squares d is computed. Returns d. */
static float llml__qb_fit_sym(int n, int nmax, const float *x, const float *w, int *L) {
    LLML__QB_EXACT_FP
    int tmp[LLML__QB_QK];
    float amax = 0.0f, vmax = 0.0f, inv, lx, l2, d, best;
    int i, t;
    for (i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (a > amax) { amax = a; vmax = x[i]; }
    }
    if (amax < 1e-15f) {
        for (i = 0; i < n; i++) L[i] = 0;
        return 0.0f;
    }
    inv = (float)(-nmax) / vmax;
    lx = l2 = 0.0f;
    for (i = 0; i < n; i++) {
        int l = llml__nearest_int(inv * x[i]);
        l = LLML__MAX(-nmax, LLML__MIN(nmax - 1, l));
        L[i] = l + nmax;
        lx += w[i] * x[i] * (float)l;
        l2 += w[i] * (float)l * (float)l;
    }
    d = l2 != 0.0f ? lx / l2 : 0.0f;
    best = d * lx;
    for (t = -9; t <= 9; t++) {
        if (t == 0) continue;
        inv = -((float)nmax + 0.1f * (float)t) / vmax;
        lx = l2 = 0.0f;
        for (i = 0; i < n; i++) {
            int l = llml__nearest_int(inv * x[i]);
            l = LLML__MAX(-nmax, LLML__MIN(nmax - 1, l));
            tmp[i] = l;
            lx += w[i] * x[i] * (float)l;
            l2 += w[i] * (float)l * (float)l;
        }
        if (l2 > 0.0f && lx * lx > best * l2) {
            for (i = 0; i < n; i++) L[i] = tmp[i] + nmax;
            d = lx / l2;
            best = d * lx;
        }
    }
    return d;
}

/* Affine fit: codes in [0, nmax], x ~ d * l + mn with mn <= 0, minimising the
   weighted squared error. Trial inverse scales (nmax + rmin + k*rstep) /
   (max - mn) for k = 0..nstep, where mn is the offset of the best fit so far
   (it starts at min(x, 0)); each trial gives codes and a weighted
   least-squares (d, mn), kept when its error is lower. mn may come close to
   max, so the trial value is clamped before rounding (inf -> nmax, NaN -> 0).
   Returns d; *neg_min = -mn. */
static float llml__qb_fit_affine(int n, int nmax, const float *x, const float *w, int *L,
                                 float *neg_min, float rmin, float rstep, int nstep) {
    LLML__QB_EXACT_FP
    int tmp[LLML__QB_QK];
    float lo = x[0], hi = x[0], sw = w[0], sx = w[0] * x[0];
    float inv, d, mn, best_err;
    int i, k;
    for (i = 1; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
        sw += w[i];
        sx += w[i] * x[i];
    }
    if (lo > 0.0f) lo = 0.0f;
    if (hi <= lo) {
        for (i = 0; i < n; i++) L[i] = 0;
        *neg_min = -lo;
        return 0.0f;
    }
    inv = (float)nmax / (hi - lo);
    d = 1.0f / inv;
    mn = lo;
    best_err = 0.0f;
    for (i = 0; i < n; i++) {
        int l = llml__nearest_int(inv * (x[i] - lo));
        float e;
        l = LLML__MAX(0, LLML__MIN(nmax, l));
        L[i] = l;
        e = d * (float)l + lo - x[i];
        best_err += w[i] * (e * e);
    }
    for (k = 0; k <= nstep; k++) {
        float sl = 0.0f, sl2 = 0.0f, sxl = 0.0f, det;
        /* the offset and the range follow the best fit found so far */
        inv = (rmin + rstep * (float)k + (float)nmax) / (hi - mn);
        for (i = 0; i < n; i++) {
            float v = inv * (x[i] - mn);
            int l = v > 0.0f ? llml__nearest_int(v < (float)nmax ? v : (float)nmax) : 0;
            tmp[i] = l;
            sl += w[i] * (float)l;
            sl2 += w[i] * (float)l * (float)l;
            sxl += w[i] * (float)l * x[i];
        }
        det = sw * sl2 - sl * sl;
        if (det > 0.0f) {
            float td = (sw * sxl - sx * sl) / det;
            float tm = (sl2 * sx - sl * sxl) / det;
            float err = 0.0f;
            if (tm > 0.0f) {
                tm = 0.0f;
                td = sxl / sl2;
            }
            for (i = 0; i < n; i++) {
                float e = td * (float)tmp[i] + tm - x[i];
                err += w[i] * (e * e);
            }
            if (err < best_err) {
                for (i = 0; i < n; i++) L[i] = tmp[i];
                best_err = err;
                d = td;
                mn = tm;
            }
        }
    }
    *neg_min = -mn;
    return d;
}

/* Importance weights of one 32-group: qw * sqrt(sigma2 + x^2). */
static void llml__qb_weights(const float *x, const float *qw, float sigma2, float *w) {
    LLML__QB_EXACT_FP
    int j;
    for (j = 0; j < LLML__QB_QK; j++) w[j] = qw[j] * sqrtf(sigma2 + x[j] * x[j]);
}

/* ---- f16 / bf16 ----------------------------------------------------------- */

static void llml__dequant_f16(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t i;
    for (i = 0; i < n; i++) dst[i] = llml_fp16_to_fp32(llml__rd16(p + 2 * i));
}
static llml_result llml__quant_f16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *p = (uint8_t *)dst;
    int64_t i, n = nrows * n_per_row;
    (void)imatrix;
    for (i = 0; i < n; i++) llml__wr16(p + 2 * i, llml_fp32_to_fp16(src[i]));
    return LLML_OK;
}
static float llml__dot_f16(const void *w, const void *act, int64_t n) {
    const uint8_t *a = (const uint8_t *)w, *b = (const uint8_t *)act;
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) s += (double)(llml_fp16_to_fp32(llml__rd16(a + 2 * i)) * llml_fp16_to_fp32(llml__rd16(b + 2 * i)));
    return (float)s;
}

static void llml__dequant_bf16(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t i;
    for (i = 0; i < n; i++) dst[i] = llml_bf16_to_fp32(llml__rd16(p + 2 * i));
}
static llml_result llml__quant_bf16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *p = (uint8_t *)dst;
    int64_t i, n = nrows * n_per_row;
    (void)imatrix;
    for (i = 0; i < n; i++) llml__wr16(p + 2 * i, llml_fp32_to_bf16(src[i]));
    return LLML_OK;
}
static float llml__dot_bf16(const void *w, const void *act, int64_t n) {
    const uint8_t *a = (const uint8_t *)w, *b = (const uint8_t *)act;
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) s += (double)(llml_bf16_to_fp32(llml__rd16(a + 2 * i)) * llml_bf16_to_fp32(llml__rd16(b + 2 * i)));
    return (float)s;
}

/* ---- q4_0 / q5_0 (symmetric, d = max / -2^(bits-1)) ----------------------- */

/* One block without importance: the signed value of largest magnitude maps
   to the lowest code. bits = 4 or 5. */
static void llml__qb_sym_plain(const float *x, int bits, int *q, float *d_out) {
    LLML__QB_EXACT_FP
    int half = 1 << (bits - 1), top = (1 << bits) - 1, j;
    float amax = 0.0f, vmax = 0.0f, d, id;
    for (j = 0; j < LLML__QB_QK; j++) {
        if (amax < fabsf(x[j])) { amax = fabsf(x[j]); vmax = x[j]; }
    }
    d = vmax / (float)(-half);
    id = d != 0.0f ? 1.0f / d : 0.0f;
    for (j = 0; j < LLML__QB_QK; j++) q[j] = llml__qb_trunc(x[j] * id + ((float)half + 0.5f), top);
    *d_out = d;
}

static llml_result llml__qb_quant_sym(const float *src, uint8_t *dst, int64_t nrows, int64_t n_per_row,
                                      const float *imatrix, int bits) {
    const int bsz = bits == 4 ? 18 : 22;
    int64_t r, b, nb = n_per_row / LLML__QB_QK;
    int q[LLML__QB_QK];
    float w[LLML__QB_QK];
    for (r = 0; r < nrows; r++) {
        const float *x = src + r * n_per_row;
        float sigma2 = imatrix ? llml__qb_mean_sq(x, n_per_row) : 0.0f;
        for (b = 0; b < nb; b++) {
            const float *xb = x + b * LLML__QB_QK;
            uint8_t *y = dst + (r * nb + b) * bsz;
            float d;
            if (imatrix) {
                llml__qb_weights(xb, imatrix + b * LLML__QB_QK, sigma2, w);
                d = llml__qb_fit_sym(LLML__QB_QK, 1 << (bits - 1), xb, w, q);
            } else {
                llml__qb_sym_plain(xb, bits, q, &d);
            }
            llml__qb_put_half(y, d);
            if (bits == 4) llml__qb_pack(q, y + 2, NULL);
            else llml__qb_pack(q, y + 6, y + 2);
        }
    }
    return LLML_OK;
}

static void llml__dequant_q4_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 18, dst += LLML__QB_QK) {
        float d = llml__qb_half(p);
        llml__qb_codes(p + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)(q[j] - 8) * d;
    }
}
static llml_result llml__quant_q4_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_sym(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 4);
}
static float llml__dot_q4_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += 18, y += 34) {
        const int8_t *a = (const int8_t *)(y + 2);
        int s = 0;
        llml__qb_codes(x + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) s += (q[j] - 8) * a[j];
        sum += (float)s * llml__qb_half(x) * llml__qb_half(y);
    }
    return sum;
}

static void llml__dequant_q5_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 22, dst += LLML__QB_QK) {
        float d = llml__qb_half(p);
        llml__qb_codes(p + 6, p + 2, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)(q[j] - 16) * d;
    }
}
static llml_result llml__quant_q5_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_sym(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 5);
}
static float llml__dot_q5_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += 22, y += 34) {
        const int8_t *a = (const int8_t *)(y + 2);
        int s = 0;
        llml__qb_codes(x + 6, x + 2, q);
        for (j = 0; j < LLML__QB_QK; j++) s += (q[j] - 16) * a[j];
        sum += (llml__qb_half(x) * llml__qb_half(y)) * (float)s;
    }
    return sum;
}

/* ---- q4_1 / q5_1 (affine, x = q d + m) ------------------------------------ */

static llml_result llml__qb_quant_affine(const float *src, uint8_t *dst, int64_t nrows, int64_t n_per_row,
                                         const float *imatrix, int bits) {
    LLML__QB_EXACT_FP
    const int bsz = bits == 4 ? 20 : 24, top = (1 << bits) - 1;
    int64_t r, b, nb = n_per_row / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    float w[LLML__QB_QK];
    for (r = 0; r < nrows; r++) {
        const float *x = src + r * n_per_row;
        float sigma2 = imatrix ? llml__qb_mean_sq(x, n_per_row) : 0.0f;
        for (b = 0; b < nb; b++) {
            const float *xb = x + b * LLML__QB_QK;
            uint8_t *y = dst + (r * nb + b) * bsz;
            float d, m;
            if (imatrix) {
                float neg_min;
                llml__qb_weights(xb, imatrix + b * LLML__QB_QK, sigma2, w);
                d = llml__qb_fit_affine(LLML__QB_QK, top, xb, w, q, &neg_min, -0.9f, 0.05f, 36);
                m = -neg_min;
            } else {
                float lo = FLT_MAX, hi = -FLT_MAX, id;
                for (j = 0; j < LLML__QB_QK; j++) {
                    if (xb[j] < lo) lo = xb[j];
                    if (xb[j] > hi) hi = xb[j];
                }
                d = (hi - lo) / (float)top;
                id = d != 0.0f ? 1.0f / d : 0.0f;
                for (j = 0; j < LLML__QB_QK; j++) q[j] = llml__qb_trunc((xb[j] - lo) * id + 0.5f, top);
                m = lo;
            }
            llml__qb_put_half(y, d);
            llml__qb_put_half(y + 2, m);
            if (bits == 4) llml__qb_pack(q, y + 4, NULL);
            else llml__qb_pack(q, y + 8, y + 4);
        }
    }
    return LLML_OK;
}

static void llml__dequant_q4_1(const void *src, float *dst, int64_t n) {
    LLML__QB_EXACT_FP
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 20, dst += LLML__QB_QK) {
        float d = llml__qb_half(p), m = llml__qb_half(p + 2);
        llml__qb_codes(p + 4, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)q[j] * d + m;
    }
}
static llml_result llml__quant_q4_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_affine(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 4);
}
/* Affine weights against Q8_1: sum_i (q_i d + m) a_i d_a = d d_a sum(q a) + m s. */
static float llml__qb_dot_affine(const uint8_t *x, const uint8_t *y, int64_t n, int bits) {
    const int bsz = bits == 4 ? 20 : 24;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += bsz, y += 36) {
        const int8_t *a = (const int8_t *)(y + 4);
        int s = 0;
        if (bits == 4) llml__qb_codes(x + 4, NULL, q);
        else llml__qb_codes(x + 8, x + 4, q);
        for (j = 0; j < LLML__QB_QK; j++) s += q[j] * a[j];
        sum += (llml__qb_half(x) * llml__qb_half(y)) * (float)s + llml__qb_half(x + 2) * llml__qb_half(y + 2);
    }
    return sum;
}
static float llml__dot_q4_1(const void *w, const void *act, int64_t n) {
    return llml__qb_dot_affine((const uint8_t *)w, (const uint8_t *)act, n, 4);
}

static void llml__dequant_q5_1(const void *src, float *dst, int64_t n) {
    LLML__QB_EXACT_FP
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 24, dst += LLML__QB_QK) {
        float d = llml__qb_half(p), m = llml__qb_half(p + 2);
        llml__qb_codes(p + 8, p + 4, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)q[j] * d + m;
    }
}
static llml_result llml__quant_q5_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qb_quant_affine(src, (uint8_t *)dst, nrows, n_per_row, imatrix, 5);
}
static float llml__dot_q5_1(const void *w, const void *act, int64_t n) {
    return llml__qb_dot_affine((const uint8_t *)w, (const uint8_t *)act, n, 5);
}

/* ---- q8_0 / q8_1 (also the activation formats of the 32-blocks) ----------- */

/* One block: d = amax / 127, q = round(x / d). Returns the sum of codes. */
static int llml__qb_q8_block(const float *x, uint8_t *d_at, int8_t *qs, float *d_out) {
    LLML__QB_EXACT_FP
    float amax = 0.0f, d, id;
    int j, sum = 0;
    for (j = 0; j < LLML__QB_QK; j++) amax = LLML__MAX(amax, fabsf(x[j]));
    d = amax / 127.0f;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    llml__qb_put_half(d_at, d);
    for (j = 0; j < LLML__QB_QK; j++) {
        qs[j] = (int8_t)llml__qb_round8(x[j] * id);
        sum += qs[j];
    }
    *d_out = d;
    return sum;
}

static void llml__dequant_q8_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int j;
    for (b = 0; b < nb; b++, p += 34, dst += LLML__QB_QK) {
        const int8_t *qs = (const int8_t *)(p + 2);
        float d = llml__qb_half(p);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)qs[j] * d;
    }
}
static llml_result llml__quant_q8_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QB_QK;
    float d;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 34) llml__qb_q8_block(src + b * LLML__QB_QK, y, (int8_t *)(y + 2), &d);
    return LLML_OK;
}
static float llml__dot_q8_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int j;
    for (b = 0; b < nb; b++, x += 34, y += 34) {
        const int8_t *qa = (const int8_t *)(x + 2), *qb = (const int8_t *)(y + 2);
        int s = 0;
        for (j = 0; j < LLML__QB_QK; j++) s += qa[j] * qb[j];
        sum += (float)s * (llml__qb_half(x) * llml__qb_half(y));
    }
    return sum;
}

static void llml__dequant_q8_1(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int j;
    for (b = 0; b < nb; b++, p += 36, dst += LLML__QB_QK) {
        const int8_t *qs = (const int8_t *)(p + 4);
        float d = llml__qb_half(p);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = (float)qs[j] * d;
    }
}
static llml_result llml__quant_q8_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QB_QK;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 36) {
        float d;
        int sum = llml__qb_q8_block(src + b * LLML__QB_QK, y, (int8_t *)(y + 4), &d);
        llml__qb_put_half(y + 2, (float)sum * d);
    }
    return LLML_OK;
}
static float llml__dot_q8_1(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int j;
    for (b = 0; b < nb; b++, x += 36, y += 36) {
        const int8_t *qa = (const int8_t *)(x + 4), *qb = (const int8_t *)(y + 4);
        int s = 0;
        for (j = 0; j < LLML__QB_QK; j++) s += qa[j] * qb[j];
        sum += (float)s * (llml__qb_half(x) * llml__qb_half(y));
    }
    return sum;
}

/* ---- iq4_nl / iq4_xs (non-linear 4-bit levels) ----------------------------- */

/* Best scale of one 32-group for the level table: start from the largest
   magnitude on the extreme level, refine by weighted least squares over 15
   trial inverse scales. Returns the scale (0 for an all-zero group). */
static float llml__qb_iq4_group(const float *x, const float *w) {
    LLML__QB_EXACT_FP
    const int8_t *v = llml__qb_kvalues;
    float amax = 0.0f, vmax = 0.0f, d, id, sqx, sq2, best;
    int j, t;
    for (j = 0; j < LLML__QB_QK; j++) {
        float a = fabsf(x[j]);
        if (a > amax) { amax = a; vmax = x[j]; }
    }
    if (amax < 1e-15f) return 0.0f;
    d = -vmax / (float)v[0];
    id = 1.0f / d;
    sqx = sq2 = 0.0f;
    for (j = 0; j < LLML__QB_QK; j++) {
        float q = (float)v[llml__qb_nearest_level(v, id * x[j])];
        sqx += w[j] * q * x[j];
        sq2 += w[j] * q * q;
    }
    d = sq2 > 0.0f ? sqx / sq2 : 0.0f;
    best = d * sqx;
    for (t = -7; t <= 7; t++) {
        id = (float)(t + v[0]) / vmax;
        sqx = sq2 = 0.0f;
        for (j = 0; j < LLML__QB_QK; j++) {
            float q = (float)v[llml__qb_nearest_level(v, id * x[j])];
            sqx += w[j] * q * x[j];
            sq2 += w[j] * q * q;
        }
        if (sq2 > 0.0f && sqx * sqx > best * sq2) {
            d = sqx / sq2;
            best = d * sqx;
        }
    }
    return d;
}

/* Group weights: with importance qw * sqrt(sigma2 + x^2), else x^2. */
static void llml__qb_iq4_weights(const float *x, const float *qw, float sigma2, float *w) {
    int j;
    if (qw) llml__qb_weights(x, qw, sigma2, w);
    else for (j = 0; j < LLML__QB_QK; j++) w[j] = x[j] * x[j];
}

static void llml__qb_iq4_codes(const float *x, float id, uint8_t *qs) {
    int q[LLML__QB_QK], j;
    for (j = 0; j < LLML__QB_QK; j++) q[j] = llml__qb_nearest_level(llml__qb_kvalues, id * x[j]);
    llml__qb_pack(q, qs, NULL);
}

static void llml__dequant_iq4_nl(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QB_QK;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, p += 18, dst += LLML__QB_QK) {
        float d = llml__qb_half(p);
        llml__qb_codes(p + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) dst[j] = d * (float)llml__qb_kvalues[q[j]];
    }
}
static llml_result llml__quant_iq4_nl(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    LLML__QB_EXACT_FP
    uint8_t *y = (uint8_t *)dst;
    int64_t r, b, nb = n_per_row / LLML__QB_QK;
    float w[LLML__QB_QK];
    for (r = 0; r < nrows; r++) {
        for (b = 0; b < nb; b++, y += 18) {
            const float *xb = src + r * n_per_row + b * LLML__QB_QK;
            float sigma2 = 2.0f * llml__qb_mean_sq(xb, LLML__QB_QK), d;
            llml__qb_iq4_weights(xb, imatrix ? imatrix + b * LLML__QB_QK : NULL, sigma2, w);
            d = llml__qb_iq4_group(xb, w);
            llml__qb_put_half(y, d);
            llml__qb_iq4_codes(xb, d != 0.0f ? 1.0f / d : 0.0f, y + 2);
        }
    }
    return LLML_OK;
}
static float llml__dot_iq4_nl(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QB_QK;
    float sum = 0.0f;
    int q[LLML__QB_QK], j;
    for (b = 0; b < nb; b++, x += 18, y += 34) {
        const int8_t *a = (const int8_t *)(y + 2);
        int s = 0;
        llml__qb_codes(x + 2, NULL, q);
        for (j = 0; j < LLML__QB_QK; j++) s += llml__qb_kvalues[q[j]] * a[j];
        sum += (llml__qb_half(x) * llml__qb_half(y)) * (float)s;
    }
    return sum;
}

/* 6-bit group scale code (0..63) of group g of an iq4_xs block. */
static int llml__qb_iq4xs_ls(const uint8_t *p, int g) {
    int lo = (p[4 + g / 2] >> (4 * (g % 2))) & 0x0f;
    int hi = (llml__rd16(p + 2) >> (2 * g)) & 3;
    return lo | (hi << 4);
}

static void llml__dequant_iq4_xs(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[LLML__QB_QK], g, j;
    for (b = 0; b < nb; b++, p += 136) {
        float d = llml__qb_half(p);
        for (g = 0; g < 8; g++, dst += LLML__QB_QK) {
            float dl = d * (float)(llml__qb_iq4xs_ls(p, g) - 32);
            llml__qb_codes(p + 8 + 16 * g, NULL, q);
            for (j = 0; j < LLML__QB_QK; j++) dst[j] = dl * (float)llml__qb_kvalues[q[j]];
        }
    }
}
static llml_result llml__quant_iq4_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    LLML__QB_EXACT_FP
    uint8_t *y = (uint8_t *)dst;
    int64_t r, b, nb = n_per_row / LLML__QK_K;
    float w[LLML__QB_QK], sc[8];
    for (r = 0; r < nrows; r++) {
        for (b = 0; b < nb; b++, y += 136) {
            const float *xs = src + r * n_per_row + b * LLML__QK_K;
            float sigma2 = 2.0f * llml__qb_mean_sq(xs, LLML__QK_K), smax = 0.0f, samax = 0.0f, d, id;
            uint16_t sh = 0;
            int g;
            for (g = 0; g < 8; g++) {
                const float *xb = xs + g * LLML__QB_QK;
                llml__qb_iq4_weights(xb, imatrix ? imatrix + b * LLML__QK_K + g * LLML__QB_QK : NULL, sigma2, w);
                sc[g] = llml__qb_iq4_group(xb, w);
                if (fabsf(sc[g]) > samax) { samax = fabsf(sc[g]); smax = sc[g]; }
            }
            /* the super-block scale maps the largest group scale to -32 */
            d = -smax / 32.0f;
            id = d != 0.0f ? 1.0f / d : 0.0f;
            llml__qb_put_half(y, d);
            for (g = 0; g < 8; g++) {
                int l = llml__nearest_int(id * sc[g]);
                float dl;
                l = LLML__MAX(-32, LLML__MIN(31, l));
                dl = d * (float)l;
                llml__qb_iq4_codes(xs + g * LLML__QB_QK, dl != 0.0f ? 1.0f / dl : 0.0f, y + 8 + 16 * g);
                l += 32;
                if (g % 2 == 0) y[4 + g / 2] = (uint8_t)(l & 0x0f);
                else y[4 + g / 2] = (uint8_t)(y[4 + g / 2] | ((l & 0x0f) << 4));
                sh = (uint16_t)(sh | ((l >> 4) << (2 * g)));
            }
            llml__wr16(y + 2, sh);
        }
    }
    return LLML_OK;
}

/* Q8_K activation block: f32 d at 0, i8 qs[256] at 4, i16 bsums[16] at 260. */
static float llml__qb_q8k_d(const uint8_t *y) { float d; memcpy(&d, y, 4); return d; }

static float llml__dot_iq4_xs(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[LLML__QB_QK], g, j;
    for (b = 0; b < nb; b++, x += 136, y += 292) {
        const int8_t *a = (const int8_t *)(y + 4);
        float dd = llml__qb_half(x) * llml__qb_q8k_d(y);
        for (g = 0; g < 8; g++, a += LLML__QB_QK) {
            int s = 0;
            llml__qb_codes(x + 8 + 16 * g, NULL, q);
            for (j = 0; j < LLML__QB_QK; j++) s += llml__qb_kvalues[q[j]] * a[j];
            sum += (dd * (float)(llml__qb_iq4xs_ls(x, g) - 32)) * (float)s;
        }
    }
    return sum;
}

/* ---- tq1_0 / tq2_0 (ternary, d = amax) ------------------------------------- */

/* Ternary code 0, 1, 2 (for -1, 0, +1) of x scaled by id. */
static int llml__qb_trit(float v) {
    long t = lroundf(v);
    if (t < -1) t = -1;
    if (t > 1) t = 1;
    return (int)t + 1;
}

/* tq1_0 stores trits as base-3 fractions of 256: byte = ceil(c * 256 / 243)
   for the 5-trit number c (first trit most significant); trit k comes back
   as ((byte * 3^k) mod 256) * 3 >> 8. Element order in a 256-block:
     qs[m],      m < 32:  elements m + 32 k        (k = 0..4), 0..159
     qs[32 + m], m < 16:  elements 160 + m + 16 k  (k = 0..4), 160..239
     qh[m],      m < 4:   elements 240 + m + 4 k   (k = 0..3), 240..255 */
static int llml__qb_tq1_trit(uint8_t byte, int k) {
    static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
    uint8_t v = (uint8_t)(byte * pow3[k]);
    return (int)(((uint16_t)v * 3u) >> 8);
}

/* Map element e (0..255) of a tq1_0 block to its byte (0..51) and trit. */
static void llml__qb_tq1_pos(int e, int *byte, int *k) {
    if (e < 160) { *byte = e % 32; *k = e / 32; }
    else if (e < 240) { *byte = 32 + (e - 160) % 16; *k = (e - 160) / 16; }
    else { *byte = 48 + (e - 240) % 4; *k = (e - 240) / 4; }
}

static void llml__dequant_tq1_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int e, byte, k;
    for (b = 0; b < nb; b++, p += 54, dst += LLML__QK_K) {
        float d = llml__qb_half(p + 52);
        for (e = 0; e < LLML__QK_K; e++) {
            llml__qb_tq1_pos(e, &byte, &k);
            dst[e] = (float)(llml__qb_tq1_trit(p[byte], k) - 1) * d;
        }
    }
}
static llml_result llml__quant_tq1_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QK_K;
    int c[52], ntrit[52], e, byte, k, j;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 54) {
        const float *x = src + b * LLML__QK_K;
        float amax = 0.0f, id;
        for (e = 0; e < LLML__QK_K; e++) amax = LLML__MAX(amax, fabsf(x[e]));
        id = amax != 0.0f ? 1.0f / amax : 0.0f;
        llml__qb_put_half(y + 52, amax);
        for (j = 0; j < 52; j++) { c[j] = 0; ntrit[j] = 0; }
        /* elements are visited in trit order, so Horner's rule puts trit 0
           in the most significant place */
        for (k = 0; k < 5; k++) {
            for (e = 0; e < LLML__QK_K; e++) {
                int kk;
                llml__qb_tq1_pos(e, &byte, &kk);
                if (kk != k) continue;
                c[byte] = c[byte] * 3 + llml__qb_trit(x[e] * id);
                ntrit[byte]++;
            }
        }
        for (j = 0; j < 52; j++) {
            int v = c[j];
            if (ntrit[j] == 4) v *= 3;  /* 4-trit bytes: pad to 5 places */
            y[j] = (uint8_t)((v * 256 + 242) / 243);
        }
    }
    return LLML_OK;
}
static float llml__dot_tq1_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int e, byte, k;
    for (b = 0; b < nb; b++, x += 54, y += 292) {
        const int8_t *a = (const int8_t *)(y + 4);
        int s = 0;
        for (e = 0; e < LLML__QK_K; e++) {
            llml__qb_tq1_pos(e, &byte, &k);
            s += (llml__qb_tq1_trit(x[byte], k) - 1) * a[e];
        }
        sum += (float)s * (llml__qb_half(x + 52) * llml__qb_q8k_d(y));
    }
    return sum;
}

/* tq2_0: byte m of each 32-byte half j holds elements 128 j + 32 k + m in
   bits 2k..2k+1 (code 0, 1, 2 for -1, 0, +1). */
static void llml__dequant_tq2_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int e;
    for (b = 0; b < nb; b++, p += 66, dst += LLML__QK_K) {
        float d = llml__qb_half(p + 64);
        for (e = 0; e < LLML__QK_K; e++) {
            int q = (p[32 * (e / 128) + e % 32] >> (2 * ((e / 32) % 4))) & 3;
            dst[e] = (float)(q - 1) * d;
        }
    }
}
static llml_result llml__quant_tq2_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b, nb = nrows * n_per_row / LLML__QK_K;
    int e;
    (void)imatrix;
    for (b = 0; b < nb; b++, y += 66) {
        const float *x = src + b * LLML__QK_K;
        float amax = 0.0f, id;
        for (e = 0; e < LLML__QK_K; e++) amax = LLML__MAX(amax, fabsf(x[e]));
        id = amax != 0.0f ? 1.0f / amax : 0.0f;
        memset(y, 0, 64);
        for (e = 0; e < LLML__QK_K; e++) {
            int q = llml__qb_trit(x[e] * id);
            uint8_t *t = y + 32 * (e / 128) + e % 32;
            *t = (uint8_t)(*t | (q << (2 * ((e / 32) % 4))));
        }
        llml__qb_put_half(y + 64, amax);
    }
    return LLML_OK;
}
static float llml__dot_tq2_0(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *y = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int e;
    for (b = 0; b < nb; b++, x += 66, y += 292) {
        const int8_t *a = (const int8_t *)(y + 4);
        int s = 0;
        for (e = 0; e < LLML__QK_K; e++) {
            int q = (x[32 * (e / 128) + e % 32] >> (2 * ((e / 32) % 4))) & 3;
            s += (q - 1) * a[e];
        }
        sum += (float)s * (llml__qb_q8k_d(y) * llml__qb_half(x + 64));
    }
    return sum;
}
/* ------------------------------------------------------------------------ */
/* >>quant_k  K-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K activations    */
/* ------------------------------------------------------------------------ */
/* Every K-quant cuts a row into super-blocks of 256 weights. Byte layouts
   (all fp16 fields little-endian, no padding):

   q2_K,  84 bytes: scales[16] @0 | qs[64] @16 | d fp16 @80 | dmin fp16 @82
       16 groups of 16; scales[g] = scale (low nibble) | min (high nibble);
       weight = d*scale*q - dmin*min, q in 0..3.
   q3_K, 110 bytes: hmask[32] @0 | qs[64] @32 | scales[12] @96 | d fp16 @108
       16 groups of 16, 6-bit signed scales (value - 32), q in -4..3 where
       the low two bits come from qs and a clear hmask bit subtracts 4.
   q4_K, 144 bytes: d @0 | dmin @2 | scales[12] @4 | qs[128] @16
       8 groups of 32, 6-bit scales and mins; weight = d*sc*q - dmin*m, q 0..15.
   q5_K, 176 bytes: d @0 | dmin @2 | scales[12] @4 | qh[32] @16 | qs[128] @48
       as q4_K with a fifth bit from qh, q in 0..31.
   q6_K, 210 bytes: ql[128] @0 | qh[64] @128 | scales[16] (int8) @192 | d @208
       16 groups of 16, weight = d*sc*q, q in -32..31.
   q8_K, 292 bytes: d f32 @0 | qs[256] int8 @4 | bsums[16] int16 @260
       (host-endian, as llml__block_q8_K); bsums[g] = sum of qs of group g.

   Element e of a super-block (0..255), with h = e/128 (q2/q3/q6) or
   c = e/64 (q4/q5):
     q2_K/q3_K: 2-bit field (qs[32h + e%32] >> 2*((e%128)/32)) & 3;
                q3_K high bit: hmask[e%32] bit e/32; group e/16.
     q4_K/q5_K: nibble of qs[32c + e%32], low nibble when (e%64) < 32;
                q5_K high bit: qh[e%32] bit e/32; group e/32.
     q6_K:      quarter k = (e%128)/32, l = e%32: low nibble of
                ql[64h + 32*(k&1) + l] (k<2) or its high nibble (k>=2), high
                two bits (qh[32h + l] >> 2k) & 3; group e/16.
   6-bit packed scales, q3_K (16 values v, 12 bytes): low nibble of v_j in
   byte j (j<8) or the high nibble of byte j-8 (j>=8); bits 4..5 of v_j at
   bit 2*(j/4) of byte 8 + j%4.
   q4_K/q5_K (8 scales s, 8 mins m): j<4: s_j = b[j]&63, m_j = b[j+4]&63;
   j>=4: s_j = (b[j+4]&15) | (b[j-4]>>6)<<4, m_j = (b[j+4]>>4) | (b[j]>>6)<<4.

   Dequantization evaluates the same float expressions, in the same order, as
   ggml's, so the results are bit-identical. The quantizers follow ggml's
   algorithms: without importance weights its reference row quantizers, with
   them its weighted variants (searches written below). The dot products sum
   integers per block and use the Q8_K block sums for the mins. */

#define LLML__QK_Q2K_BYTES 84
#define LLML__QK_Q3K_BYTES 110
#define LLML__QK_Q4K_BYTES 144
#define LLML__QK_Q5K_BYTES 176
#define LLML__QK_Q6K_BYTES 210
#define LLML__QK_Q8K_BYTES 292
#define LLML__QK_EPS 1e-15f

/* Bit-exactness needs every float expression rounded as written: no fused
   multiply-add contraction in this part, whatever the compiler flags. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* ---- small helpers ------------------------------------------------------- */

static float llml__qk_half(const uint8_t *p) { return llml_fp16_to_fp32(llml__rd16(p)); }
static void llml__qk_set_half(uint8_t *p, float v) { llml__wr16(p, llml_fp32_to_fp16(v)); }
static int llml__qk_clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Q8_K activation fields, read through memcpy (no alignment assumption). */
static float llml__qk_act_d(const uint8_t *a) {
    float d;
    memcpy(&d, a + offsetof(llml__block_q8_K, d), sizeof d);
    return d;
}
static const int8_t *llml__qk_act_qs(const uint8_t *a) {
    return (const int8_t *)(a + offsetof(llml__block_q8_K, qs));
}
static int32_t llml__qk_act_bsum(const uint8_t *a, int g) {
    int16_t s;
    memcpy(&s, a + offsetof(llml__block_q8_K, bsums) + 2 * (size_t)g, sizeof s);
    return s;
}

/* q3_K: the 16 signed 6-bit group scales (already minus 32). */
static void llml__qk_q3_get_scales(const uint8_t *b, int sc[16]) {
    int j;
    for (j = 0; j < 16; j++) {
        int lo = j < 8 ? (b[j] & 15) : (b[j - 8] >> 4);
        int hi = (b[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
        sc[j] = (lo | (hi << 4)) - 32;
    }
}
/* q3_K: store 16 unsigned 6-bit codes (0..63). */
static void llml__qk_q3_put_scales(uint8_t *b, const int v[16]) {
    int j;
    memset(b, 0, 12);
    for (j = 0; j < 16; j++) {
        if (j < 8) b[j] = (uint8_t)(b[j] | (v[j] & 15));
        else b[j - 8] = (uint8_t)(b[j - 8] | ((v[j] & 15) << 4));
        b[8 + (j & 3)] = (uint8_t)(b[8 + (j & 3)] | ((v[j] >> 4) << (2 * (j >> 2))));
    }
}
/* q4_K/q5_K: scale and min of group j (0..7). */
static void llml__qk_k4_get(const uint8_t *b, int j, int *sc, int *m) {
    if (j < 4) {
        *sc = b[j] & 63;
        *m = b[j + 4] & 63;
    } else {
        *sc = (b[j + 4] & 15) | ((b[j - 4] >> 6) << 4);
        *m = (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
    }
}
/* q4_K/q5_K: store 8 scales and 8 mins (each 0..63). */
static void llml__qk_k4_put(uint8_t *b, const int ls[8], const int lm[8]) {
    int j;
    for (j = 0; j < 4; j++) {
        b[j] = (uint8_t)(ls[j] | ((ls[j + 4] >> 4) << 6));
        b[j + 4] = (uint8_t)(lm[j] | ((lm[j + 4] >> 4) << 6));
        b[j + 8] = (uint8_t)((ls[j + 4] & 15) | ((lm[j + 4] & 15) << 4));
    }
}

/* ---- level unpacking (shared by dequantization and dot products) -------- */

/* q2_K and q3_K low bits: 2-bit field of element e. */
static void llml__qk_unpack2(const uint8_t *qs, int q[256]) {
    int e;
    for (e = 0; e < 256; e++)
        q[e] = (qs[32 * (e >> 7) + (e & 31)] >> (2 * ((e & 127) >> 5))) & 3;
}
/* q3_K levels -4..3. */
static void llml__qk_q3_levels(const uint8_t *blk, int q[256]) {
    const uint8_t *hm = blk;
    int e;
    llml__qk_unpack2(blk + 32, q);
    for (e = 0; e < 256; e++)
        if (!((hm[e & 31] >> (e >> 5)) & 1)) q[e] -= 4;
}
/* q4_K levels 0..15 (qs at qs), q5_K adds 16 from qh when qh != NULL. */
static void llml__qk_q45_levels(const uint8_t *qs, const uint8_t *qh, int q[256]) {
    int e;
    for (e = 0; e < 256; e++) {
        const uint8_t b = qs[32 * (e >> 6) + (e & 31)];
        q[e] = (e & 32) ? (b >> 4) : (b & 15);
        if (qh && ((qh[e & 31] >> (e >> 5)) & 1)) q[e] += 16;
    }
}
/* q6_K levels -32..31. */
static void llml__qk_q6_levels(const uint8_t *blk, int q[256]) {
    const uint8_t *ql = blk, *qh = blk + 128;
    int e;
    for (e = 0; e < 256; e++) {
        const int h = e >> 7, k = (e & 127) >> 5, l = e & 31;
        const uint8_t b = ql[64 * h + 32 * (k & 1) + l];
        const int lo = k < 2 ? (b & 15) : (b >> 4);
        q[e] = (lo | (((qh[32 * h + l] >> (2 * k)) & 3) << 4)) - 32;
    }
}

/* ---- dequantization ------------------------------------------------------ */

static void llml__dequant_q2_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q2K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk + 80), dmin = llml__qk_half(blk + 82);
        llml__qk_unpack2(blk + 16, q);
        for (e = 0; e < 256; e++) {
            const uint8_t sc = blk[e >> 4];
            const float dl = d * (float)(sc & 15), ml = dmin * (float)(sc >> 4);
            dst[e] = dl * (float)q[e] - ml;
        }
    }
}

static void llml__dequant_q3_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], sc[16], e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q3K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk + 108);
        llml__qk_q3_levels(blk, q);
        llml__qk_q3_get_scales(blk + 96, sc);
        for (e = 0; e < 256; e++) {
            const float dl = d * (float)sc[e >> 4];
            dst[e] = dl * (float)q[e];
        }
    }
}

/* q4_K (qh_off < 0) and q5_K. */
static void llml__qk_dequant_q45(const void *src, float *dst, int64_t n, int bytes, int qh_off, int qs_off) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], e, j;
    for (b = 0; b < nb; b++, blk += bytes, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk), dmin = llml__qk_half(blk + 2);
        llml__qk_q45_levels(blk + qs_off, qh_off >= 0 ? blk + qh_off : NULL, q);
        for (j = 0; j < 8; j++) {
            int sc, m;
            float d1, m1;
            llml__qk_k4_get(blk + 4, j, &sc, &m);
            d1 = d * (float)sc;
            m1 = dmin * (float)m;
            for (e = 32 * j; e < 32 * j + 32; e++) dst[e] = d1 * (float)q[e] - m1;
        }
    }
}
static void llml__dequant_q4_k(const void *src, float *dst, int64_t n) {
    llml__qk_dequant_q45(src, dst, n, LLML__QK_Q4K_BYTES, -1, 16);
}
static void llml__dequant_q5_k(const void *src, float *dst, int64_t n) {
    llml__qk_dequant_q45(src, dst, n, LLML__QK_Q5K_BYTES, 16, 48);
}

static void llml__dequant_q6_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int q[256], e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q6K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_half(blk + 208);
        const int8_t *sc = (const int8_t *)(blk + 192);
        llml__qk_q6_levels(blk, q);
        for (e = 0; e < 256; e++) dst[e] = d * (float)sc[e >> 4] * (float)q[e];
    }
}

static void llml__dequant_q8_k(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nb = n / LLML__QK_K;
    int e;
    for (b = 0; b < nb; b++, blk += LLML__QK_Q8K_BYTES, dst += LLML__QK_K) {
        const float d = llml__qk_act_d(blk);
        const int8_t *qs = llml__qk_act_qs(blk);
        for (e = 0; e < 256; e++) dst[e] = d * (float)qs[e];
    }
}

/* ---- scale searches ------------------------------------------------------ */

/* Symmetric fit of n values to levels l in [-nmax, nmax-1] with x ~ s*l,
   minimising sum w*(x - s*l)^2 (w = x^2 when w is NULL). Starts from the
   scale that maps the largest magnitude to -nmax, tries 18 neighbouring
   inverse scales (nmax +- 0.1k), keeps the best, and returns the weighted
   least-squares scale; L gets l + nmax. */
static float llml__qk_fit_sym(int n, int nmax, const float *x, const float *w, int8_t *L) {
    float big = 0.0f, amax = 0.0f, inv, scale, best, sx, s2;
    int i, t;
    for (i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        if (a > amax) { amax = a; big = x[i]; }
    }
    if (amax < LLML__QK_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    inv = (float)-nmax / big;
    sx = s2 = 0.0f;
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1);
        const float wi = w ? w[i] : x[i] * x[i];
        L[i] = (int8_t)(l + nmax);
        sx += wi * x[i] * (float)l;
        s2 += wi * (float)l * (float)l;
    }
    scale = s2 != 0.0f ? sx / s2 : 0.0f;
    best = scale * sx;
    for (t = -9; t <= 9; t++) {
        if (t == 0) continue;
        inv = -((float)nmax + 0.1f * (float)t) / big;
        sx = s2 = 0.0f;
        for (i = 0; i < n; i++) {
            const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1);
            const float wi = w ? w[i] : x[i] * x[i];
            sx += wi * x[i] * (float)l;
            s2 += wi * (float)l * (float)l;
        }
        if (s2 > 0.0f && sx * sx > best * s2) {
            for (i = 0; i < n; i++)
                L[i] = (int8_t)(nmax + llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1));
            scale = sx / s2;
            best = scale * sx;
        }
    }
    return scale;
}

/* q3_K without weights: symmetric fit with w = x^2, refined by moving single
   levels to their best value given the others (up to 5 sweeps). L gets l+nmax. */
static float llml__qk_fit_q3(int n, int nmax, const float *x, int8_t *L) {
    float big = 0.0f, amax = 0.0f, inv, sx = 0.0f, s2 = 0.0f;
    int i, sweep;
    for (i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        if (a > amax) { amax = a; big = x[i]; }
    }
    if (amax < LLML__QK_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    inv = (float)-nmax / big;
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), -nmax, nmax - 1);
        const float wi = x[i] * x[i];
        L[i] = (int8_t)l;
        sx += wi * x[i] * (float)l;
        s2 += wi * (float)l * (float)l;
    }
    for (sweep = 0; sweep < 5; sweep++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            const float wi = x[i] * x[i];
            float rx = sx - wi * x[i] * (float)L[i], r2;
            int nl;
            if (!(rx > 0.0f)) continue;
            r2 = s2 - wi * (float)L[i] * (float)L[i];
            nl = llml__qk_clamp(llml__nearest_int(x[i] * r2 / rx), -nmax, nmax - 1);
            if (nl == L[i]) continue;
            rx += wi * x[i] * (float)nl;
            r2 += wi * (float)nl * (float)nl;
            if (r2 > 0.0f && rx * rx * s2 > sx * sx * r2) {
                L[i] = (int8_t)nl;
                sx = rx;
                s2 = r2;
                changed++;
            }
        }
        if (!changed) break;
    }
    for (i = 0; i < n; i++) L[i] = (int8_t)(L[i] + nmax);
    return s2 > 0.0f ? sx / s2 : 0.0f;
}

/* Affine fit x ~ s*l - m with l in [0, nmax], m >= 0, weights w, error
   |.| (use_mad) or squared. Starts from the min/max mapping, then for
   nstep+1 trial inverse scales (rmin + rdelta*k + nmax)/(max - min) solves
   the weighted least squares for s and m and keeps the best. Returns s,
   stores m in *the_min, levels in L (Laux: scratch of n). */
static float llml__qk_fit_affine(int n, int nmax, const float *x, const float *w, uint8_t *L,
                                 float *the_min, uint8_t *Laux, float rmin, float rdelta,
                                 int nstep, int use_mad) {
    float lo = x[0], hi = x[0], sw = w[0], swx = w[0] * x[0], inv, scale, best = 0.0f;
    int i, k;
    for (i = 1; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
        sw += w[i];
        swx += w[i] * x[i];
    }
    if (lo > 0.0f) lo = 0.0f;
    if (!(hi > lo)) {
        memset(L, 0, (size_t)n);
        *the_min = -lo;
        return 0.0f;
    }
    inv = (float)nmax / (hi - lo);
    scale = 1.0f / inv;
    for (i = 0; i < n; i++) {
        float diff;
        L[i] = (uint8_t)llml__qk_clamp(llml__nearest_int(inv * (x[i] - lo)), 0, nmax);
        diff = scale * (float)L[i] + lo - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        best += w[i] * diff;
    }
    for (k = 0; k <= nstep; k++) {
        float sl = 0.0f, sl2 = 0.0f, sxl = 0.0f, D;
        inv = (rmin + rdelta * (float)k + (float)nmax) / (hi - lo);
        for (i = 0; i < n; i++) {
            const float v = inv * (x[i] - lo);
            const int l = v > 0.0f ? llml__nearest_int(v < (float)nmax ? v : (float)nmax) : 0;
            Laux[i] = (uint8_t)l;
            sl += w[i] * (float)l;
            sl2 += w[i] * (float)l * (float)l;
            sxl += w[i] * (float)l * x[i];
        }
        D = sw * sl2 - sl * sl;
        if (D > 0.0f) {
            float s = (sw * sxl - swx * sl) / D;
            float m = (sl2 * swx - sl * sxl) / D;
            float err = 0.0f;
            if (m > 0.0f) {
                m = 0.0f;
                s = sxl / sl2;
            }
            for (i = 0; i < n; i++) {
                float diff = s * (float)Laux[i] + m - x[i];
                diff = use_mad ? fabsf(diff) : diff * diff;
                err += w[i] * diff;
            }
            if (err < best) {
                memcpy(L, Laux, (size_t)n);
                best = err;
                scale = s;
                lo = m;
            }
        }
    }
    *the_min = -lo;
    return scale;
}

/* Fit of non-negative values (the group scales or mins of a super-block) to
   levels 0..nmax with weights qw: best of 9 inverse scales around nmax/max by
   weighted squared error, then single-level refinement sweeps; returns the
   least-squares scale. */
static float llml__qk_fit_pos(int n, int nmax, const float *x, uint8_t *L, const float *qw) {
    float big = 0.0f, inv, scale, best = 0.0f, sx = 0.0f, s2 = 0.0f;
    int i, t, sweep;
    for (i = 0; i < n; i++) big = LLML__MAX(big, x[i]);
    if (big < LLML__QK_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    inv = (float)nmax / big;
    scale = 1.0f / inv;
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), 0, nmax);
        const float diff = x[i] - scale * (float)l;
        best += qw[i] * diff * diff;
    }
    for (t = -4; t <= 4; t++) {
        float tinv, tscale, err = 0.0f;
        if (t == 0) continue;
        tinv = (0.1f * (float)t + (float)nmax) / big;
        tscale = 1.0f / tinv;
        for (i = 0; i < n; i++) {
            const int l = llml__qk_clamp(llml__nearest_int(tinv * x[i]), 0, nmax);
            const float diff = x[i] - tscale * (float)l;
            err += qw[i] * diff * diff;
        }
        if (err < best) {
            best = err;
            inv = tinv;
        }
    }
    for (i = 0; i < n; i++) {
        const int l = llml__qk_clamp(llml__nearest_int(inv * x[i]), 0, nmax);
        L[i] = (uint8_t)l;
        sx += qw[i] * x[i] * (float)l;
        s2 += qw[i] * (float)l * (float)l;
    }
    for (sweep = 0; sweep < 5; sweep++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            float rx = sx - qw[i] * x[i] * (float)L[i];
            float r2 = s2 - qw[i] * (float)L[i] * (float)L[i];
            int nl;
            if (!(rx > 0.0f && r2 > 0.0f)) continue;
            nl = llml__qk_clamp(llml__nearest_int(x[i] * r2 / rx), 0, nmax);
            if (nl == L[i]) continue;
            rx += qw[i] * x[i] * (float)nl;
            r2 += qw[i] * (float)nl * (float)nl;
            if (rx * rx * s2 > sx * sx * r2) {
                L[i] = (uint8_t)nl;
                sx = rx;
                s2 = r2;
                changed++;
            }
        }
        if (!changed) break;
    }
    return s2 > 0.0f ? sx / s2 : 0.0f;
}

/* Importance weights of one group: qw[l] * sqrt(sigma2 + x[l]^2); returns their sum. */
static float llml__qk_weights(int n, const float *x, const float *qw, float sigma2, float *w) {
    float s = 0.0f;
    int l;
    for (l = 0; l < n; l++) w[l] = qw[l] * sqrtf(sigma2 + x[l] * x[l]);
    for (l = 0; l < n; l++) s += w[l];
    return s;
}
static float llml__qk_sumsq(const float *x, int n) {
    float s = 0.0f;
    int i;
    for (i = 0; i < n; i++) s += x[i] * x[i];
    return s;
}

/* ---- per-block quantizers -------------------------------------------------- */

/* 2-bit fields: byte 32h + l holds elements 128h + 32k + l at bits 2k. */
static void llml__qk_pack2(const uint8_t *L, uint8_t *qs) {
    int h, l;
    for (h = 0; h < 2; h++)
        for (l = 0; l < 32; l++) {
            const uint8_t *p = L + 128 * h + l;
            qs[32 * h + l] = (uint8_t)(p[0] | (p[32] << 2) | (p[64] << 4) | (p[96] << 6));
        }
}

static void llml__qk_q2_block(const float *x, const float *qw, uint8_t *y) {
    uint8_t L[256], Laux[16], Ls[16], Lm[16];
    float scales[16], mins[16], w[16], sw[16], d, dmin;
    int j, l;
    if (qw) {
        const float sigma2 = llml__qk_sumsq(x, 256) / 256.0f;
        for (j = 0; j < 16; j++) {
            sw[j] = llml__qk_weights(16, x + 16 * j, qw + 16 * j, sigma2, w);
            scales[j] = llml__qk_fit_affine(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux,
                                            -0.9f, 0.05f, 36, 0);
        }
        d = llml__qk_fit_pos(16, 15, scales, Ls, sw);
        dmin = llml__qk_fit_pos(16, 15, mins, Lm, sw);
        llml__qk_set_half(y + 80, d);
        llml__qk_set_half(y + 82, dmin);
        for (j = 0; j < 16; j++) y[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
    } else {
        float max_scale = 0.0f, max_min = 0.0f;
        for (j = 0; j < 16; j++) {
            for (l = 0; l < 16; l++) w[l] = fabsf(x[16 * j + l]);
            scales[j] = llml__qk_fit_affine(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux,
                                            -0.5f, 0.1f, 15, 1);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0.0f) {
            const float inv = 15.0f / max_scale;
            for (j = 0; j < 16; j++) y[j] = (uint8_t)llml__qk_clamp(llml__nearest_int(inv * scales[j]), 0, 15);
            llml__qk_set_half(y + 80, max_scale / 15.0f);
        } else {
            memset(y, 0, 16);
            llml__qk_set_half(y + 80, 0.0f);
        }
        if (max_min > 0.0f) {
            const float inv = 15.0f / max_min;
            for (j = 0; j < 16; j++)
                y[j] = (uint8_t)(y[j] | (llml__qk_clamp(llml__nearest_int(inv * mins[j]), 0, 15) << 4));
            llml__qk_set_half(y + 82, max_min / 15.0f);
        } else {
            llml__qk_set_half(y + 82, 0.0f);
        }
    }
    /* final levels against the stored (rounded) scales */
    d = llml__qk_half(y + 80);
    dmin = llml__qk_half(y + 82);
    for (j = 0; j < 16; j++) {
        const float dl = d * (float)(y[j] & 15);
        float ml;
        if (dl == 0.0f) continue;
        ml = dmin * (float)(y[j] >> 4);
        for (l = 0; l < 16; l++)
            L[16 * j + l] = (uint8_t)llml__qk_clamp(llml__nearest_int((x[16 * j + l] + ml) / dl), 0, 3);
    }
    llml__qk_pack2(L, y + 16);
}

static void llml__qk_q3_block(const float *x, const float *qw, uint8_t *y) {
    int8_t L[256], Ls[16];
    uint8_t U[256];
    float scales[16], w[16], sw[16], d;
    int codes[16], sc[16], j, l;
    if (qw) {
        const float sigma2 = 2.0f * llml__qk_sumsq(x, 256) / 256.0f;
        float dblk;
        for (j = 0; j < 16; j++) {
            sw[j] = llml__qk_weights(16, x + 16 * j, qw + 16 * j, sigma2, w);
            scales[j] = llml__qk_fit_sym(16, 4, x + 16 * j, w, L + 16 * j);
        }
        dblk = llml__qk_fit_sym(16, 32, scales, sw, Ls);
        for (j = 0; j < 16; j++) codes[j] = Ls[j];
        llml__qk_q3_put_scales(y + 96, codes);
        llml__qk_set_half(y + 108, dblk);
    } else {
        float max_scale = 0.0f, amax = 0.0f;
        for (j = 0; j < 16; j++) {
            scales[j] = llml__qk_fit_q3(16, 4, x + 16 * j, L + 16 * j);
            if (fabsf(scales[j]) > amax) {
                amax = fabsf(scales[j]);
                max_scale = scales[j];
            }
        }
        if (max_scale != 0.0f) {
            const float inv = -32.0f / max_scale;
            for (j = 0; j < 16; j++) codes[j] = llml__qk_clamp(llml__nearest_int(inv * scales[j]), -32, 31) + 32;
            llml__qk_q3_put_scales(y + 96, codes);
            llml__qk_set_half(y + 108, 1.0f / inv);
        } else {
            memset(y + 96, 0, 12);
            llml__qk_set_half(y + 108, 0.0f);
        }
    }
    d = llml__qk_half(y + 108);
    llml__qk_q3_get_scales(y + 96, sc);
    for (j = 0; j < 16; j++) {
        const float dl = d * (float)sc[j];
        if (dl == 0.0f) continue;
        for (l = 0; l < 16; l++)
            L[16 * j + l] = (int8_t)(llml__qk_clamp(llml__nearest_int(x[16 * j + l] / dl), -4, 3) + 4);
    }
    memset(y, 0, 32);
    for (j = 0; j < 256; j++) {
        int v = L[j];
        if (v > 3) {
            y[j & 31] = (uint8_t)(y[j & 31] | (1 << (j >> 5)));
            v -= 4;
        }
        U[j] = (uint8_t)v;
    }
    llml__qk_pack2(U, y + 32);
}

/* q4_K (nmax 15) and q5_K (nmax 31): scales, mins and levels into L; the
   caller packs the levels. y points at the block (d @0, dmin @2, scales @4). */
static void llml__qk_q45_block(const float *x, const float *qw, uint8_t *y, int nmax, uint8_t *L) {
    uint8_t Laux[32], Ls[8], Lm[8];
    float scales[8], mins[8], w[32], sw[8], d, dmin;
    int ls[8], lm[8], j, l;
    if (qw) {
        const float sigma2 = 2.0f * llml__qk_sumsq(x, 256) / 256.0f;
        float dblk, mblk;
        for (j = 0; j < 8; j++) {
            sw[j] = llml__qk_weights(32, x + 32 * j, qw + 32 * j, sigma2, w);
            scales[j] = llml__qk_fit_affine(32, nmax, x + 32 * j, w, L + 32 * j, &mins[j], Laux,
                                            -0.9f, 0.05f, 36, 0);
        }
        dblk = llml__qk_fit_pos(8, 63, scales, Ls, sw);
        mblk = llml__qk_fit_pos(8, 63, mins, Lm, sw);
        for (j = 0; j < 8; j++) { ls[j] = Ls[j]; lm[j] = Lm[j]; }
        llml__qk_set_half(y, dblk);
        llml__qk_set_half(y + 2, mblk);
    } else {
        float max_scale = 0.0f, max_min = 0.0f, inv_s, inv_m;
        for (j = 0; j < 8; j++) {
            const float av = sqrtf(llml__qk_sumsq(x + 32 * j, 32) / 32.0f);
            for (l = 0; l < 32; l++) w[l] = av + fabsf(x[32 * j + l]);
            if (nmax == 15)
                scales[j] = llml__qk_fit_affine(32, 15, x + 32 * j, w, L + 32 * j, &mins[j], Laux,
                                                -1.0f, 0.1f, 20, 0);
            else
                scales[j] = llml__qk_fit_affine(32, 31, x + 32 * j, w, L + 32 * j, &mins[j], Laux,
                                                -0.5f, 0.1f, 15, 0);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        inv_s = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
        inv_m = max_min > 0.0f ? 63.0f / max_min : 0.0f;
        for (j = 0; j < 8; j++) {
            ls[j] = llml__qk_clamp(llml__nearest_int(inv_s * scales[j]), 0, 63);
            lm[j] = llml__qk_clamp(llml__nearest_int(inv_m * mins[j]), 0, 63);
        }
        llml__qk_set_half(y, max_scale / 63.0f);
        llml__qk_set_half(y + 2, max_min / 63.0f);
    }
    llml__qk_k4_put(y + 4, ls, lm);
    d = llml__qk_half(y);
    dmin = llml__qk_half(y + 2);
    for (j = 0; j < 8; j++) {
        int sc, m;
        float dl, ml;
        llml__qk_k4_get(y + 4, j, &sc, &m);
        dl = d * (float)sc;
        if (dl == 0.0f) continue;
        ml = dmin * (float)m;
        for (l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)llml__qk_clamp(llml__nearest_int((x[32 * j + l] + ml) / dl), 0, nmax);
    }
}

static void llml__qk_q4_block(const float *x, const float *qw, uint8_t *y) {
    uint8_t L[256];
    int c, l;
    llml__qk_q45_block(x, qw, y, 15, L);
    for (c = 0; c < 4; c++)
        for (l = 0; l < 32; l++)
            y[16 + 32 * c + l] = (uint8_t)(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
}

static void llml__qk_q5_block(const float *x, const float *qw, uint8_t *y) {
    uint8_t L[256];
    uint8_t *qh = y + 16, *qs = y + 48;
    int c, l;
    llml__qk_q45_block(x, qw, y, 31, L);
    memset(qh, 0, 32);
    for (c = 0; c < 4; c++)
        for (l = 0; l < 32; l++) {
            const int a = L[64 * c + l], b = L[64 * c + 32 + l];
            qh[l] = (uint8_t)(qh[l] | ((a >> 4) << (2 * c)) | ((b >> 4) << (2 * c + 1)));
            qs[32 * c + l] = (uint8_t)((a & 15) | ((b & 15) << 4));
        }
}

static void llml__qk_q6_block(const float *x, const float *qw, uint8_t *y) {
    int8_t L[256];
    float scales[16], max_scale = 0.0f, max_abs = 0.0f, inv, d;
    int8_t *sc = (int8_t *)(y + 192);
    int j, l, h;
    for (j = 0; j < 16; j++) {
        scales[j] = llml__qk_fit_sym(16, 32, x + 16 * j, qw ? qw + 16 * j : NULL, L + 16 * j);
        if (fabsf(scales[j]) > max_abs) {
            max_abs = fabsf(scales[j]);
            max_scale = scales[j];
        }
    }
    if (max_abs < LLML__QK_EPS) {
        memset(y, 0, LLML__QK_Q6K_BYTES);
        return;
    }
    inv = -128.0f / max_scale;
    llml__qk_set_half(y + 208, 1.0f / inv);
    for (j = 0; j < 16; j++) sc[j] = (int8_t)llml__qk_clamp(llml__nearest_int(inv * scales[j]), -128, 127);
    d = llml__qk_half(y + 208);
    for (j = 0; j < 16; j++) {
        const float dl = d * (float)sc[j];
        if (dl == 0.0f) continue;
        for (l = 0; l < 16; l++)
            L[16 * j + l] = (int8_t)(llml__qk_clamp(llml__nearest_int(x[16 * j + l] / dl), -32, 31) + 32);
    }
    for (h = 0; h < 2; h++) {
        uint8_t *ql = y + 64 * h, *qh = y + 128 + 32 * h;
        const int8_t *p = L + 128 * h;
        for (l = 0; l < 32; l++) {
            ql[l] = (uint8_t)((p[l] & 15) | ((p[l + 64] & 15) << 4));
            ql[l + 32] = (uint8_t)((p[l + 32] & 15) | ((p[l + 96] & 15) << 4));
            qh[l] = (uint8_t)((p[l] >> 4) | ((p[l + 32] >> 4) << 2) | ((p[l + 64] >> 4) << 4) | ((p[l + 96] >> 4) << 6));
        }
    }
}

typedef void (*llml__qk_block_fn)(const float *x, const float *qw, uint8_t *y);

static llml_result llml__qk_quant_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                                       const float *imatrix, int bytes, llml__qk_block_fn fn) {
    uint8_t *y = (uint8_t *)dst;
    int64_t r, b, nb;
    if (!src || !dst || nrows < 0 || n_per_row <= 0 || n_per_row % LLML__QK_K) return LLML_ERR_INVALID_ARG;
    nb = n_per_row / LLML__QK_K;
    for (r = 0; r < nrows; r++)
        for (b = 0; b < nb; b++, y += bytes)
            fn(src + r * n_per_row + b * LLML__QK_K, imatrix ? imatrix + b * LLML__QK_K : NULL, y);
    return LLML_OK;
}

static llml_result llml__quant_q2_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q2K_BYTES, llml__qk_q2_block);
}
static llml_result llml__quant_q3_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q3K_BYTES, llml__qk_q3_block);
}
static llml_result llml__quant_q4_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q4K_BYTES, llml__qk_q4_block);
}
static llml_result llml__quant_q5_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q5K_BYTES, llml__qk_q5_block);
}
static llml_result llml__quant_q6_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, imatrix, LLML__QK_Q6K_BYTES, llml__qk_q6_block);
}

/* Q8_K: d = max/-127 for the element of largest magnitude, q = round(x/d)
   (at most 127), bsums = sums of 16 consecutive q. All-zero blocks are zero. */
static void llml__qk_q8_block(const float *x, const float *qw, uint8_t *y) {
    int8_t *qs = (int8_t *)(y + offsetof(llml__block_q8_K, qs));
    float big = 0.0f, amax = 0.0f, inv, d;
    int16_t bs[16];
    int j, g;
    (void)qw;
    for (j = 0; j < 256; j++) {
        const float a = fabsf(x[j]);
        if (a > amax) { amax = a; big = x[j]; }
    }
    if (amax == 0.0f) {
        memset(y, 0, LLML__QK_Q8K_BYTES);
        return;
    }
    inv = -127.0f / big;
    for (j = 0; j < 256; j++) qs[j] = (int8_t)llml__qk_clamp(llml__nearest_int(inv * x[j]), -128, 127);
    for (g = 0; g < 16; g++) {
        int s = 0;
        for (j = 0; j < 16; j++) s += qs[16 * g + j];
        bs[g] = (int16_t)s;
    }
    memcpy(y + offsetof(llml__block_q8_K, bsums), bs, sizeof bs);
    d = 1.0f / inv;
    memcpy(y + offsetof(llml__block_q8_K, d), &d, sizeof d);
}

static llml_result llml__quant_q8_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    return llml__qk_quant_rows(src, dst, nrows, n_per_row, NULL, LLML__QK_Q8K_BYTES, llml__qk_q8_block);
}

/* ---- dot products with Q8_K activations ------------------------------------ */

/* Sum of level * activation over each group of `gs` elements. */
static void llml__qk_group_dots(const int q[256], const int8_t *a, int gs, int32_t *out) {
    int g, l;
    for (g = 0; g < 256 / gs; g++) {
        int32_t s = 0;
        for (l = 0; l < gs; l++) s += q[g * gs + l] * a[g * gs + l];
        out[g] = s;
    }
}

static float llml__dot_q2_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], j;
    int32_t gd[16];
    for (b = 0; b < nb; b++, x += LLML__QK_Q2K_BYTES, a += LLML__QK_Q8K_BYTES) {
        const float ad = llml__qk_act_d(a);
        int32_t isum = 0, msum = 0;
        llml__qk_unpack2(x + 16, q);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 16, gd);
        for (j = 0; j < 16; j++) {
            isum += (x[j] & 15) * gd[j];
            msum += (x[j] >> 4) * llml__qk_act_bsum(a, j);
        }
        sum += ad * llml__qk_half(x + 80) * (float)isum - ad * llml__qk_half(x + 82) * (float)msum;
    }
    return sum;
}

static float llml__dot_q3_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], sc[16], j;
    int32_t gd[16];
    for (b = 0; b < nb; b++, x += LLML__QK_Q3K_BYTES, a += LLML__QK_Q8K_BYTES) {
        int32_t isum = 0;
        llml__qk_q3_levels(x, q);
        llml__qk_q3_get_scales(x + 96, sc);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 16, gd);
        for (j = 0; j < 16; j++) isum += sc[j] * gd[j];
        sum += llml__qk_act_d(a) * llml__qk_half(x + 108) * (float)isum;
    }
    return sum;
}

static float llml__qk_dot_q45(const void *w, const void *act, int64_t n, int bytes, int qh_off, int qs_off) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], j;
    int32_t gd[8];
    for (b = 0; b < nb; b++, x += bytes, a += LLML__QK_Q8K_BYTES) {
        const float ad = llml__qk_act_d(a);
        int32_t isum = 0, msum = 0;
        llml__qk_q45_levels(x + qs_off, qh_off >= 0 ? x + qh_off : NULL, q);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 32, gd);
        for (j = 0; j < 8; j++) {
            int sc, m;
            llml__qk_k4_get(x + 4, j, &sc, &m);
            isum += sc * gd[j];
            msum += m * (llml__qk_act_bsum(a, 2 * j) + llml__qk_act_bsum(a, 2 * j + 1));
        }
        sum += ad * llml__qk_half(x) * (float)isum - ad * llml__qk_half(x + 2) * (float)msum;
    }
    return sum;
}
static float llml__dot_q4_k(const void *w, const void *act, int64_t n) {
    return llml__qk_dot_q45(w, act, n, LLML__QK_Q4K_BYTES, -1, 16);
}
static float llml__dot_q5_k(const void *w, const void *act, int64_t n) {
    return llml__qk_dot_q45(w, act, n, LLML__QK_Q5K_BYTES, 16, 48);
}

static float llml__dot_q6_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int q[256], j;
    int32_t gd[16];
    for (b = 0; b < nb; b++, x += LLML__QK_Q6K_BYTES, a += LLML__QK_Q8K_BYTES) {
        const int8_t *sc = (const int8_t *)(x + 192);
        int32_t isum = 0;
        llml__qk_q6_levels(x, q);
        llml__qk_group_dots(q, llml__qk_act_qs(a), 16, gd);
        for (j = 0; j < 16; j++) isum += sc[j] * gd[j];
        sum += llml__qk_act_d(a) * llml__qk_half(x + 208) * (float)isum;
    }
    return sum;
}

static float llml__dot_q8_k(const void *w, const void *act, int64_t n) {
    const uint8_t *x = (const uint8_t *)w, *a = (const uint8_t *)act;
    int64_t b, nb = n / LLML__QK_K;
    float sum = 0.0f;
    int j;
    for (b = 0; b < nb; b++, x += LLML__QK_Q8K_BYTES, a += LLML__QK_Q8K_BYTES) {
        const int8_t *p = llml__qk_act_qs(x), *r = llml__qk_act_qs(a);
        int32_t isum = 0;
        for (j = 0; j < 256; j++) isum += p[j] * r[j];
        sum += llml__qk_act_d(x) * llml__qk_act_d(a) * (float)isum;
    }
    return sum;
}

#if defined(__clang__)
#pragma STDC FP_CONTRACT DEFAULT
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
/* ------------------------------------------------------------------------ */
/* >>quant_iq2  IQ2_XXS, IQ2_XS, IQ2_S: 2-bit formats on an E8-like grid    */
/* ------------------------------------------------------------------------ */

/* Grids: each entry is 8 magnitudes (bytes 0x08, 0x19, 0x2b), byte j of the
   u64 being element j. Same contents as ggml's iq2xxs_grid, iq2xs_grid and
   iq2s_grid. */
static const uint64_t llml__iq2_grid_xxs[256] = {
    0x0808080808080808ULL, 0x080808080808082bULL, 0x0808080808081919ULL, 0x0808080808082b08ULL,
    0x0808080808082b2bULL, 0x0808080808190819ULL, 0x0808080808191908ULL, 0x08080808082b0808ULL,
    0x08080808082b082bULL, 0x08080808082b2b08ULL, 0x08080808082b2b2bULL, 0x0808080819080819ULL,
    0x0808080819081908ULL, 0x0808080819190808ULL, 0x0808080819192b08ULL, 0x08080808192b0819ULL,
    0x08080808192b1908ULL, 0x080808082b080808ULL, 0x080808082b08082bULL, 0x080808082b082b2bULL,
    0x080808082b2b082bULL, 0x0808081908080819ULL, 0x0808081908081908ULL, 0x0808081908190808ULL,
    0x0808081908191919ULL, 0x0808081919080808ULL, 0x080808192b081908ULL, 0x080808192b192b08ULL,
    0x0808082b08080808ULL, 0x0808082b0808082bULL, 0x0808082b082b082bULL, 0x0808082b2b08082bULL,
    0x0808190808080819ULL, 0x0808190808081908ULL, 0x0808190808190808ULL, 0x08081908082b0819ULL,
    0x08081908082b1908ULL, 0x0808190819080808ULL, 0x080819081908082bULL, 0x0808190819082b08ULL,
    0x08081908192b0808ULL, 0x080819082b080819ULL, 0x080819082b081908ULL, 0x080819082b190808ULL,
    0x080819082b2b1908ULL, 0x0808191908080808ULL, 0x080819190808082bULL, 0x0808191908082b08ULL,
    0x08081919082b0808ULL, 0x080819191908192bULL, 0x08081919192b2b19ULL, 0x080819192b080808ULL,
    0x080819192b190819ULL, 0x0808192b08082b19ULL, 0x0808192b08190808ULL, 0x0808192b19080808ULL,
    0x0808192b2b081908ULL, 0x0808192b2b2b1908ULL, 0x08082b0808080808ULL, 0x08082b0808081919ULL,
    0x08082b0808082b08ULL, 0x08082b0808191908ULL, 0x08082b08082b2b08ULL, 0x08082b0819080819ULL,
    0x08082b0819081908ULL, 0x08082b0819190808ULL, 0x08082b081919082bULL, 0x08082b082b082b08ULL,
    0x08082b1908081908ULL, 0x08082b1919080808ULL, 0x08082b2b0808082bULL, 0x08082b2b08191908ULL,
    0x0819080808080819ULL, 0x0819080808081908ULL, 0x0819080808190808ULL, 0x08190808082b0819ULL,
    0x0819080819080808ULL, 0x08190808192b0808ULL, 0x081908082b081908ULL, 0x081908082b190808ULL,
    0x081908082b191919ULL, 0x0819081908080808ULL, 0x0819081908082b08ULL, 0x08190819082b0808ULL,
    0x0819081919190808ULL, 0x0819081919192b2bULL, 0x081908192b080808ULL, 0x0819082b082b1908ULL,
    0x0819082b19081919ULL, 0x0819190808080808ULL, 0x0819190808082b08ULL, 0x08191908082b0808ULL,
    0x08191908082b1919ULL, 0x0819190819082b19ULL, 0x081919082b080808ULL, 0x0819191908192b08ULL,
    0x08191919192b082bULL, 0x0819192b08080808ULL, 0x0819192b0819192bULL, 0x08192b0808080819ULL,
    0x08192b0808081908ULL, 0x08192b0808190808ULL, 0x08192b0819080808ULL, 0x08192b082b080819ULL,
    0x08192b1908080808ULL, 0x08192b1908081919ULL, 0x08192b192b2b0808ULL, 0x08192b2b19190819ULL,
    0x082b080808080808ULL, 0x082b08080808082bULL, 0x082b080808082b2bULL, 0x082b080819081908ULL,
    0x082b0808192b0819ULL, 0x082b08082b080808ULL, 0x082b08082b08082bULL, 0x082b0819082b2b19ULL,
    0x082b081919082b08ULL, 0x082b082b08080808ULL, 0x082b082b0808082bULL, 0x082b190808080819ULL,
    0x082b190808081908ULL, 0x082b190808190808ULL, 0x082b190819080808ULL, 0x082b19081919192bULL,
    0x082b191908080808ULL, 0x082b191919080819ULL, 0x082b1919192b1908ULL, 0x082b192b2b190808ULL,
    0x082b2b0808082b08ULL, 0x082b2b08082b0808ULL, 0x082b2b082b191908ULL, 0x082b2b2b19081908ULL,
    0x1908080808080819ULL, 0x1908080808081908ULL, 0x1908080808190808ULL, 0x1908080808192b08ULL,
    0x19080808082b0819ULL, 0x19080808082b1908ULL, 0x1908080819080808ULL, 0x1908080819082b08ULL,
    0x190808081919192bULL, 0x19080808192b0808ULL, 0x190808082b080819ULL, 0x190808082b081908ULL,
    0x190808082b190808ULL, 0x1908081908080808ULL, 0x19080819082b0808ULL, 0x19080819192b0819ULL,
    0x190808192b080808ULL, 0x190808192b081919ULL, 0x1908082b08080819ULL, 0x1908082b08190808ULL,
    0x1908082b19082b08ULL, 0x1908082b1919192bULL, 0x1908082b192b2b08ULL, 0x1908190808080808ULL,
    0x1908190808082b08ULL, 0x19081908082b0808ULL, 0x190819082b080808ULL, 0x190819082b192b19ULL,
    0x190819190819082bULL, 0x19081919082b1908ULL, 0x1908192b08080808ULL, 0x19082b0808080819ULL,
    0x19082b0808081908ULL, 0x19082b0808190808ULL, 0x19082b0819080808ULL, 0x19082b0819081919ULL,
    0x19082b1908080808ULL, 0x19082b1919192b08ULL, 0x19082b19192b0819ULL, 0x19082b192b08082bULL,
    0x19082b2b19081919ULL, 0x19082b2b2b190808ULL, 0x1919080808080808ULL, 0x1919080808082b08ULL,
    0x1919080808190819ULL, 0x1919080808192b19ULL, 0x19190808082b0808ULL, 0x191908082b080808ULL,
    0x191908082b082b08ULL, 0x1919081908081908ULL, 0x191908191908082bULL, 0x191908192b2b1908ULL,
    0x1919082b2b190819ULL, 0x191919082b190808ULL, 0x191919082b19082bULL, 0x1919191908082b2bULL,
    0x1919192b08080819ULL, 0x1919192b19191908ULL, 0x19192b0808080808ULL, 0x19192b0808190819ULL,
    0x19192b0808192b19ULL, 0x19192b08192b1908ULL, 0x19192b1919080808ULL, 0x19192b2b08082b08ULL,
    0x192b080808081908ULL, 0x192b080808190808ULL, 0x192b080819080808ULL, 0x192b0808192b2b08ULL,
    0x192b081908080808ULL, 0x192b081919191919ULL, 0x192b082b08192b08ULL, 0x192b082b192b0808ULL,
    0x192b190808080808ULL, 0x192b190808081919ULL, 0x192b191908190808ULL, 0x192b19190819082bULL,
    0x192b19192b081908ULL, 0x192b2b081908082bULL, 0x2b08080808080808ULL, 0x2b0808080808082bULL,
    0x2b08080808082b2bULL, 0x2b08080819080819ULL, 0x2b0808082b08082bULL, 0x2b08081908081908ULL,
    0x2b08081908192b08ULL, 0x2b08081919080808ULL, 0x2b08082b08190819ULL, 0x2b08190808080819ULL,
    0x2b08190808081908ULL, 0x2b08190808190808ULL, 0x2b08190808191919ULL, 0x2b08190819080808ULL,
    0x2b081908192b0808ULL, 0x2b08191908080808ULL, 0x2b0819191908192bULL, 0x2b0819192b191908ULL,
    0x2b08192b08082b19ULL, 0x2b08192b19080808ULL, 0x2b08192b192b0808ULL, 0x2b082b080808082bULL,
    0x2b082b1908081908ULL, 0x2b082b2b08190819ULL, 0x2b19080808081908ULL, 0x2b19080808190808ULL,
    0x2b190808082b1908ULL, 0x2b19080819080808ULL, 0x2b1908082b2b0819ULL, 0x2b1908190819192bULL,
    0x2b1908192b080808ULL, 0x2b19082b19081919ULL, 0x2b19190808080808ULL, 0x2b191908082b082bULL,
    0x2b19190819081908ULL, 0x2b19191919190819ULL, 0x2b192b082b080819ULL, 0x2b192b19082b0808ULL,
    0x2b2b08080808082bULL, 0x2b2b080819190808ULL, 0x2b2b08082b081919ULL, 0x2b2b081908082b19ULL,
    0x2b2b082b08080808ULL, 0x2b2b190808192b08ULL, 0x2b2b2b0819190808ULL, 0x2b2b2b1908081908ULL,
};
static const uint64_t llml__iq2_grid_xs[512] = {
    0x0808080808080808ULL, 0x080808080808082bULL, 0x0808080808081919ULL, 0x0808080808082b08ULL,
    0x0808080808082b2bULL, 0x0808080808190819ULL, 0x0808080808191908ULL, 0x080808080819192bULL,
    0x0808080808192b19ULL, 0x08080808082b0808ULL, 0x08080808082b082bULL, 0x08080808082b1919ULL,
    0x08080808082b2b08ULL, 0x0808080819080819ULL, 0x0808080819081908ULL, 0x080808081908192bULL,
    0x0808080819082b19ULL, 0x0808080819190808ULL, 0x080808081919082bULL, 0x0808080819191919ULL,
    0x0808080819192b08ULL, 0x08080808192b0819ULL, 0x08080808192b1908ULL, 0x080808082b080808ULL,
    0x080808082b08082bULL, 0x080808082b081919ULL, 0x080808082b082b08ULL, 0x080808082b190819ULL,
    0x080808082b191908ULL, 0x080808082b192b19ULL, 0x080808082b2b0808ULL, 0x0808081908080819ULL,
    0x0808081908081908ULL, 0x080808190808192bULL, 0x0808081908082b19ULL, 0x0808081908190808ULL,
    0x080808190819082bULL, 0x0808081908191919ULL, 0x0808081908192b08ULL, 0x0808081908192b2bULL,
    0x08080819082b0819ULL, 0x08080819082b1908ULL, 0x0808081919080808ULL, 0x080808191908082bULL,
    0x0808081919081919ULL, 0x0808081919082b08ULL, 0x0808081919190819ULL, 0x0808081919191908ULL,
    0x08080819192b0808ULL, 0x08080819192b2b08ULL, 0x080808192b080819ULL, 0x080808192b081908ULL,
    0x080808192b190808ULL, 0x0808082b08080808ULL, 0x0808082b0808082bULL, 0x0808082b08081919ULL,
    0x0808082b08082b08ULL, 0x0808082b08190819ULL, 0x0808082b08191908ULL, 0x0808082b082b0808ULL,
    0x0808082b19080819ULL, 0x0808082b19081908ULL, 0x0808082b19190808ULL, 0x0808082b19191919ULL,
    0x0808082b2b080808ULL, 0x0808082b2b082b2bULL, 0x0808190808080819ULL, 0x0808190808081908ULL,
    0x080819080808192bULL, 0x0808190808082b19ULL, 0x0808190808190808ULL, 0x080819080819082bULL,
    0x0808190808191919ULL, 0x0808190808192b08ULL, 0x08081908082b0819ULL, 0x08081908082b1908ULL,
    0x0808190819080808ULL, 0x080819081908082bULL, 0x0808190819081919ULL, 0x0808190819082b08ULL,
    0x0808190819190819ULL, 0x0808190819191908ULL, 0x080819081919192bULL, 0x08081908192b0808ULL,
    0x080819082b080819ULL, 0x080819082b081908ULL, 0x080819082b190808ULL, 0x0808191908080808ULL,
    0x080819190808082bULL, 0x0808191908081919ULL, 0x0808191908082b08ULL, 0x0808191908190819ULL,
    0x0808191908191908ULL, 0x08081919082b0808ULL, 0x0808191919080819ULL, 0x0808191919081908ULL,
    0x0808191919190808ULL, 0x08081919192b0819ULL, 0x080819192b080808ULL, 0x0808192b08080819ULL,
    0x0808192b08081908ULL, 0x0808192b08190808ULL, 0x0808192b082b192bULL, 0x0808192b19080808ULL,
    0x0808192b1908082bULL, 0x0808192b2b081908ULL, 0x08082b0808080808ULL, 0x08082b080808082bULL,
    0x08082b0808081919ULL, 0x08082b0808082b08ULL, 0x08082b0808082b2bULL, 0x08082b0808190819ULL,
    0x08082b0808191908ULL, 0x08082b08082b0808ULL, 0x08082b08082b1919ULL, 0x08082b0819080819ULL,
    0x08082b0819081908ULL, 0x08082b0819190808ULL, 0x08082b0819192b08ULL, 0x08082b082b080808ULL,
    0x08082b082b2b0808ULL, 0x08082b082b2b2b2bULL, 0x08082b1908080819ULL, 0x08082b1908081908ULL,
    0x08082b1908190808ULL, 0x08082b1919080808ULL, 0x08082b192b080819ULL, 0x08082b192b082b19ULL,
    0x08082b2b08080808ULL, 0x08082b2b082b0808ULL, 0x08082b2b082b2b08ULL, 0x08082b2b2b19192bULL,
    0x08082b2b2b2b0808ULL, 0x0819080808080819ULL, 0x0819080808081908ULL, 0x081908080808192bULL,
    0x0819080808082b19ULL, 0x0819080808190808ULL, 0x081908080819082bULL, 0x0819080808191919ULL,
    0x0819080808192b08ULL, 0x08190808082b0819ULL, 0x08190808082b1908ULL, 0x0819080819080808ULL,
    0x081908081908082bULL, 0x0819080819081919ULL, 0x0819080819082b08ULL, 0x0819080819190819ULL,
    0x0819080819191908ULL, 0x08190808192b0808ULL, 0x08190808192b2b2bULL, 0x081908082b080819ULL,
    0x081908082b081908ULL, 0x081908082b190808ULL, 0x0819081908080808ULL, 0x081908190808082bULL,
    0x0819081908081919ULL, 0x0819081908082b08ULL, 0x0819081908190819ULL, 0x0819081908191908ULL,
    0x08190819082b0808ULL, 0x0819081919080819ULL, 0x0819081919081908ULL, 0x0819081919190808ULL,
    0x081908192b080808ULL, 0x081908192b191908ULL, 0x081908192b19192bULL, 0x0819082b08080819ULL,
    0x0819082b08081908ULL, 0x0819082b0808192bULL, 0x0819082b08190808ULL, 0x0819082b19080808ULL,
    0x0819082b192b0808ULL, 0x0819190808080808ULL, 0x081919080808082bULL, 0x0819190808081919ULL,
    0x0819190808082b08ULL, 0x0819190808190819ULL, 0x0819190808191908ULL, 0x08191908082b0808ULL,
    0x0819190819080819ULL, 0x0819190819081908ULL, 0x0819190819082b19ULL, 0x0819190819190808ULL,
    0x08191908192b1908ULL, 0x081919082b080808ULL, 0x0819191908080819ULL, 0x0819191908081908ULL,
    0x0819191908190808ULL, 0x0819191919080808ULL, 0x0819192b08080808ULL, 0x0819192b08191908ULL,
    0x0819192b19082b19ULL, 0x08192b0808080819ULL, 0x08192b0808081908ULL, 0x08192b0808190808ULL,
    0x08192b080819082bULL, 0x08192b0819080808ULL, 0x08192b0819191908ULL, 0x08192b082b08192bULL,
    0x08192b1908080808ULL, 0x08192b1908081919ULL, 0x08192b19192b192bULL, 0x08192b2b19190819ULL,
    0x08192b2b2b2b2b19ULL, 0x082b080808080808ULL, 0x082b08080808082bULL, 0x082b080808081919ULL,
    0x082b080808082b08ULL, 0x082b080808082b2bULL, 0x082b080808190819ULL, 0x082b080808191908ULL,
    0x082b0808082b0808ULL, 0x082b080819080819ULL, 0x082b080819081908ULL, 0x082b080819190808ULL,
    0x082b08082b080808ULL, 0x082b08082b2b0808ULL, 0x082b081908080819ULL, 0x082b081908081908ULL,
    0x082b081908190808ULL, 0x082b081919080808ULL, 0x082b081919082b08ULL, 0x082b0819192b1919ULL,
    0x082b082b08080808ULL, 0x082b082b082b082bULL, 0x082b082b2b080808ULL, 0x082b082b2b2b2b08ULL,
    0x082b190808080819ULL, 0x082b190808081908ULL, 0x082b190808190808ULL, 0x082b1908082b2b19ULL,
    0x082b190819080808ULL, 0x082b191908080808ULL, 0x082b191919080819ULL, 0x082b19191919082bULL,
    0x082b19192b192b19ULL, 0x082b192b08080819ULL, 0x082b192b08192b2bULL, 0x082b192b2b2b192bULL,
    0x082b2b0808080808ULL, 0x082b2b0808082b08ULL, 0x082b2b0808082b2bULL, 0x082b2b08082b0808ULL,
    0x082b2b0819191919ULL, 0x082b2b082b082b08ULL, 0x082b2b082b2b082bULL, 0x082b2b19192b2b08ULL,
    0x082b2b192b190808ULL, 0x082b2b2b08082b08ULL, 0x082b2b2b082b0808ULL, 0x082b2b2b2b08082bULL,
    0x082b2b2b2b082b08ULL, 0x082b2b2b2b082b2bULL, 0x1908080808080819ULL, 0x1908080808081908ULL,
    0x190808080808192bULL, 0x1908080808082b19ULL, 0x1908080808190808ULL, 0x190808080819082bULL,
    0x1908080808191919ULL, 0x1908080808192b08ULL, 0x19080808082b0819ULL, 0x19080808082b1908ULL,
    0x1908080819080808ULL, 0x190808081908082bULL, 0x1908080819081919ULL, 0x1908080819082b08ULL,
    0x1908080819082b2bULL, 0x1908080819190819ULL, 0x1908080819191908ULL, 0x19080808192b0808ULL,
    0x19080808192b1919ULL, 0x190808082b080819ULL, 0x190808082b081908ULL, 0x190808082b190808ULL,
    0x1908081908080808ULL, 0x190808190808082bULL, 0x1908081908081919ULL, 0x1908081908082b08ULL,
    0x1908081908190819ULL, 0x1908081908191908ULL, 0x19080819082b0808ULL, 0x1908081919080819ULL,
    0x1908081919081908ULL, 0x1908081919190808ULL, 0x190808192b080808ULL, 0x190808192b081919ULL,
    0x190808192b2b082bULL, 0x1908082b08080819ULL, 0x1908082b08081908ULL, 0x1908082b08190808ULL,
    0x1908082b0819082bULL, 0x1908082b082b2b19ULL, 0x1908082b19080808ULL, 0x1908190808080808ULL,
    0x190819080808082bULL, 0x1908190808081919ULL, 0x1908190808082b08ULL, 0x1908190808190819ULL,
    0x1908190808191908ULL, 0x1908190808192b19ULL, 0x19081908082b0808ULL, 0x1908190819080819ULL,
    0x1908190819081908ULL, 0x1908190819190808ULL, 0x190819082b080808ULL, 0x190819082b191908ULL,
    0x1908191908080819ULL, 0x1908191908081908ULL, 0x1908191908190808ULL, 0x19081919082b1908ULL,
    0x1908191919080808ULL, 0x190819192b192b2bULL, 0x1908192b08080808ULL, 0x1908192b08082b2bULL,
    0x1908192b19081908ULL, 0x1908192b19190808ULL, 0x19082b0808080819ULL, 0x19082b0808081908ULL,
    0x19082b0808190808ULL, 0x19082b0819080808ULL, 0x19082b0819081919ULL, 0x19082b0819191908ULL,
    0x19082b08192b082bULL, 0x19082b1908080808ULL, 0x19082b1908190819ULL, 0x19082b1919081908ULL,
    0x19082b1919190808ULL, 0x19082b19192b2b19ULL, 0x19082b2b08081908ULL, 0x1919080808080808ULL,
    0x191908080808082bULL, 0x1919080808081919ULL, 0x1919080808082b08ULL, 0x1919080808190819ULL,
    0x1919080808191908ULL, 0x19190808082b0808ULL, 0x19190808082b2b08ULL, 0x1919080819080819ULL,
    0x1919080819081908ULL, 0x1919080819190808ULL, 0x191908082b080808ULL, 0x1919081908080819ULL,
    0x1919081908081908ULL, 0x1919081908190808ULL, 0x1919081908191919ULL, 0x1919081919080808ULL,
    0x191908191908082bULL, 0x1919082b08080808ULL, 0x1919082b19081908ULL, 0x1919082b2b2b2b2bULL,
    0x1919190808080819ULL, 0x1919190808081908ULL, 0x1919190808190808ULL, 0x19191908082b0819ULL,
    0x1919190819080808ULL, 0x19191908192b0808ULL, 0x191919082b080819ULL, 0x191919082b2b0819ULL,
    0x1919191908080808ULL, 0x1919191908082b08ULL, 0x191919192b080808ULL, 0x191919192b082b08ULL,
    0x1919192b082b0819ULL, 0x1919192b192b2b08ULL, 0x1919192b2b2b0819ULL, 0x19192b0808080808ULL,
    0x19192b0808191908ULL, 0x19192b0819080819ULL, 0x19192b0819190808ULL, 0x19192b082b192b19ULL,
    0x19192b1908192b2bULL, 0x19192b1919080808ULL, 0x19192b191908082bULL, 0x19192b2b2b081919ULL,
    0x192b080808080819ULL, 0x192b080808081908ULL, 0x192b080808190808ULL, 0x192b080819080808ULL,
    0x192b080819191908ULL, 0x192b0808192b082bULL, 0x192b08082b08192bULL, 0x192b08082b2b2b19ULL,
    0x192b081908080808ULL, 0x192b082b082b1908ULL, 0x192b082b19082b2bULL, 0x192b082b2b19082bULL,
    0x192b190808080808ULL, 0x192b19080819192bULL, 0x192b191908190808ULL, 0x192b191919080808ULL,
    0x192b191919081919ULL, 0x192b19192b2b1908ULL, 0x192b2b0808080819ULL, 0x192b2b08192b2b2bULL,
    0x192b2b19082b1919ULL, 0x192b2b2b0808192bULL, 0x192b2b2b19191908ULL, 0x192b2b2b192b082bULL,
    0x2b08080808080808ULL, 0x2b0808080808082bULL, 0x2b08080808081919ULL, 0x2b08080808082b08ULL,
    0x2b08080808190819ULL, 0x2b08080808191908ULL, 0x2b080808082b0808ULL, 0x2b080808082b2b2bULL,
    0x2b08080819080819ULL, 0x2b08080819081908ULL, 0x2b08080819190808ULL, 0x2b0808082b080808ULL,
    0x2b0808082b08082bULL, 0x2b0808082b2b2b08ULL, 0x2b0808082b2b2b2bULL, 0x2b08081908080819ULL,
    0x2b08081908081908ULL, 0x2b0808190808192bULL, 0x2b08081908190808ULL, 0x2b08081919080808ULL,
    0x2b08081919190819ULL, 0x2b08081919192b19ULL, 0x2b08082b08080808ULL, 0x2b08082b082b0808ULL,
    0x2b08082b2b080808ULL, 0x2b08082b2b08082bULL, 0x2b08082b2b2b0808ULL, 0x2b08082b2b2b2b08ULL,
    0x2b08190808080819ULL, 0x2b08190808081908ULL, 0x2b08190808190808ULL, 0x2b0819080819082bULL,
    0x2b08190808191919ULL, 0x2b08190819080808ULL, 0x2b081908192b0808ULL, 0x2b0819082b082b19ULL,
    0x2b08191908080808ULL, 0x2b08191919081908ULL, 0x2b0819192b2b1919ULL, 0x2b08192b08192b08ULL,
    0x2b08192b192b2b2bULL, 0x2b082b0808080808ULL, 0x2b082b0808082b08ULL, 0x2b082b08082b1919ULL,
    0x2b082b0819192b2bULL, 0x2b082b082b080808ULL, 0x2b082b082b08082bULL, 0x2b082b082b2b2b08ULL,
    0x2b082b190808192bULL, 0x2b082b2b082b082bULL, 0x2b082b2b2b080808ULL, 0x2b082b2b2b082b08ULL,
    0x2b082b2b2b19192bULL, 0x2b082b2b2b2b2b08ULL, 0x2b19080808080819ULL, 0x2b19080808081908ULL,
    0x2b19080808190808ULL, 0x2b19080819080808ULL, 0x2b1908081919192bULL, 0x2b1908082b081908ULL,
    0x2b19081908080808ULL, 0x2b190819082b082bULL, 0x2b190819192b1908ULL, 0x2b19082b1919192bULL,
    0x2b19082b2b082b19ULL, 0x2b19190808080808ULL, 0x2b19190808081919ULL, 0x2b19190819081908ULL,
    0x2b19190819190808ULL, 0x2b19190819192b08ULL, 0x2b191919082b2b19ULL, 0x2b1919192b190808ULL,
    0x2b1919192b19082bULL, 0x2b19192b19080819ULL, 0x2b192b0819190819ULL, 0x2b192b082b2b192bULL,
    0x2b192b1919082b19ULL, 0x2b192b2b08191919ULL, 0x2b192b2b192b0808ULL, 0x2b2b080808080808ULL,
    0x2b2b08080808082bULL, 0x2b2b080808082b08ULL, 0x2b2b080808082b2bULL, 0x2b2b0808082b0808ULL,
    0x2b2b0808082b2b2bULL, 0x2b2b08082b2b0808ULL, 0x2b2b081919190819ULL, 0x2b2b081919192b19ULL,
    0x2b2b08192b2b192bULL, 0x2b2b082b08080808ULL, 0x2b2b082b0808082bULL, 0x2b2b082b08082b08ULL,
    0x2b2b082b082b2b2bULL, 0x2b2b082b2b080808ULL, 0x2b2b082b2b2b0808ULL, 0x2b2b190819080808ULL,
    0x2b2b19082b191919ULL, 0x2b2b192b192b1919ULL, 0x2b2b192b2b192b08ULL, 0x2b2b2b0808082b2bULL,
    0x2b2b2b08082b0808ULL, 0x2b2b2b08082b082bULL, 0x2b2b2b08082b2b08ULL, 0x2b2b2b082b2b0808ULL,
    0x2b2b2b082b2b2b08ULL, 0x2b2b2b1908081908ULL, 0x2b2b2b192b081908ULL, 0x2b2b2b192b08192bULL,
    0x2b2b2b2b082b2b08ULL, 0x2b2b2b2b082b2b2bULL, 0x2b2b2b2b2b190819ULL, 0x2b2b2b2b2b2b2b2bULL,
};
static const uint64_t llml__iq2_grid_s[1024] = {
    0x0808080808080808ULL, 0x080808080808082bULL, 0x0808080808081919ULL, 0x0808080808082b08ULL,
    0x0808080808082b2bULL, 0x0808080808190819ULL, 0x0808080808191908ULL, 0x080808080819192bULL,
    0x0808080808192b19ULL, 0x08080808082b0808ULL, 0x08080808082b082bULL, 0x08080808082b1919ULL,
    0x08080808082b2b08ULL, 0x0808080819080819ULL, 0x0808080819081908ULL, 0x080808081908192bULL,
    0x0808080819082b19ULL, 0x0808080819190808ULL, 0x080808081919082bULL, 0x0808080819191919ULL,
    0x0808080819192b08ULL, 0x08080808192b0819ULL, 0x08080808192b1908ULL, 0x08080808192b192bULL,
    0x08080808192b2b19ULL, 0x080808082b080808ULL, 0x080808082b08082bULL, 0x080808082b081919ULL,
    0x080808082b082b08ULL, 0x080808082b190819ULL, 0x080808082b191908ULL, 0x080808082b2b0808ULL,
    0x080808082b2b1919ULL, 0x080808082b2b2b2bULL, 0x0808081908080819ULL, 0x0808081908081908ULL,
    0x080808190808192bULL, 0x0808081908082b19ULL, 0x0808081908190808ULL, 0x080808190819082bULL,
    0x0808081908191919ULL, 0x0808081908192b08ULL, 0x08080819082b0819ULL, 0x08080819082b1908ULL,
    0x0808081919080808ULL, 0x080808191908082bULL, 0x0808081919081919ULL, 0x0808081919082b08ULL,
    0x0808081919190819ULL, 0x0808081919191908ULL, 0x080808191919192bULL, 0x0808081919192b19ULL,
    0x08080819192b0808ULL, 0x08080819192b1919ULL, 0x08080819192b2b08ULL, 0x080808192b080819ULL,
    0x080808192b081908ULL, 0x080808192b190808ULL, 0x080808192b19082bULL, 0x080808192b191919ULL,
    0x080808192b2b0819ULL, 0x080808192b2b1908ULL, 0x0808082b08080808ULL, 0x0808082b0808082bULL,
    0x0808082b08081919ULL, 0x0808082b08082b08ULL, 0x0808082b08190819ULL, 0x0808082b08191908ULL,
    0x0808082b082b0808ULL, 0x0808082b082b2b2bULL, 0x0808082b19080819ULL, 0x0808082b19081908ULL,
    0x0808082b1908192bULL, 0x0808082b19082b19ULL, 0x0808082b19190808ULL, 0x0808082b19191919ULL,
    0x0808082b2b080808ULL, 0x0808082b2b081919ULL, 0x0808082b2b082b2bULL, 0x0808082b2b191908ULL,
    0x0808082b2b2b082bULL, 0x0808190808080819ULL, 0x0808190808081908ULL, 0x080819080808192bULL,
    0x0808190808082b19ULL, 0x0808190808190808ULL, 0x080819080819082bULL, 0x0808190808191919ULL,
    0x0808190808192b08ULL, 0x08081908082b0819ULL, 0x08081908082b1908ULL, 0x08081908082b192bULL,
    0x08081908082b2b19ULL, 0x0808190819080808ULL, 0x080819081908082bULL, 0x0808190819081919ULL,
    0x0808190819082b08ULL, 0x0808190819082b2bULL, 0x0808190819190819ULL, 0x0808190819191908ULL,
    0x080819081919192bULL, 0x0808190819192b19ULL, 0x08081908192b0808ULL, 0x08081908192b082bULL,
    0x08081908192b1919ULL, 0x080819082b080819ULL, 0x080819082b081908ULL, 0x080819082b08192bULL,
    0x080819082b082b19ULL, 0x080819082b190808ULL, 0x080819082b191919ULL, 0x080819082b192b08ULL,
    0x080819082b2b0819ULL, 0x080819082b2b1908ULL, 0x0808191908080808ULL, 0x080819190808082bULL,
    0x0808191908081919ULL, 0x0808191908082b08ULL, 0x0808191908082b2bULL, 0x0808191908190819ULL,
    0x0808191908191908ULL, 0x080819190819192bULL, 0x0808191908192b19ULL, 0x08081919082b0808ULL,
    0x08081919082b1919ULL, 0x08081919082b2b08ULL, 0x0808191919080819ULL, 0x0808191919081908ULL,
    0x080819191908192bULL, 0x0808191919082b19ULL, 0x0808191919190808ULL, 0x080819191919082bULL,
    0x0808191919191919ULL, 0x0808191919192b08ULL, 0x08081919192b0819ULL, 0x08081919192b1908ULL,
    0x080819192b080808ULL, 0x080819192b08082bULL, 0x080819192b081919ULL, 0x080819192b082b08ULL,
    0x080819192b190819ULL, 0x080819192b191908ULL, 0x080819192b2b0808ULL, 0x0808192b08080819ULL,
    0x0808192b08081908ULL, 0x0808192b0808192bULL, 0x0808192b08082b19ULL, 0x0808192b08190808ULL,
    0x0808192b08191919ULL, 0x0808192b19080808ULL, 0x0808192b19081919ULL, 0x0808192b19082b08ULL,
    0x0808192b19190819ULL, 0x0808192b19191908ULL, 0x0808192b192b0808ULL, 0x0808192b2b080819ULL,
    0x0808192b2b081908ULL, 0x0808192b2b190808ULL, 0x08082b0808080808ULL, 0x08082b080808082bULL,
    0x08082b0808081919ULL, 0x08082b0808082b08ULL, 0x08082b0808190819ULL, 0x08082b0808191908ULL,
    0x08082b080819192bULL, 0x08082b0808192b19ULL, 0x08082b08082b0808ULL, 0x08082b08082b1919ULL,
    0x08082b08082b2b2bULL, 0x08082b0819080819ULL, 0x08082b0819081908ULL, 0x08082b081908192bULL,
    0x08082b0819082b19ULL, 0x08082b0819190808ULL, 0x08082b081919082bULL, 0x08082b0819191919ULL,
    0x08082b0819192b08ULL, 0x08082b08192b0819ULL, 0x08082b08192b1908ULL, 0x08082b082b080808ULL,
    0x08082b082b081919ULL, 0x08082b082b191908ULL, 0x08082b082b2b2b2bULL, 0x08082b1908080819ULL,
    0x08082b1908081908ULL, 0x08082b1908190808ULL, 0x08082b190819082bULL, 0x08082b1908191919ULL,
    0x08082b1908192b08ULL, 0x08082b19082b0819ULL, 0x08082b1919080808ULL, 0x08082b1919081919ULL,
    0x08082b1919082b08ULL, 0x08082b1919190819ULL, 0x08082b1919191908ULL, 0x08082b19192b0808ULL,
    0x08082b192b080819ULL, 0x08082b192b190808ULL, 0x08082b2b08080808ULL, 0x08082b2b08190819ULL,
    0x08082b2b08191908ULL, 0x08082b2b082b082bULL, 0x08082b2b082b2b08ULL, 0x08082b2b082b2b2bULL,
    0x08082b2b19190808ULL, 0x08082b2b2b192b19ULL, 0x0819080808080819ULL, 0x0819080808081908ULL,
    0x081908080808192bULL, 0x0819080808082b19ULL, 0x0819080808190808ULL, 0x081908080819082bULL,
    0x0819080808191919ULL, 0x0819080808192b08ULL, 0x08190808082b0819ULL, 0x08190808082b1908ULL,
    0x08190808082b192bULL, 0x0819080819080808ULL, 0x081908081908082bULL, 0x0819080819081919ULL,
    0x0819080819082b08ULL, 0x0819080819190819ULL, 0x0819080819191908ULL, 0x081908081919192bULL,
    0x0819080819192b19ULL, 0x08190808192b0808ULL, 0x08190808192b082bULL, 0x08190808192b1919ULL,
    0x08190808192b2b08ULL, 0x081908082b080819ULL, 0x081908082b081908ULL, 0x081908082b08192bULL,
    0x081908082b190808ULL, 0x081908082b191919ULL, 0x081908082b192b08ULL, 0x081908082b2b0819ULL,
    0x081908082b2b1908ULL, 0x0819081908080808ULL, 0x081908190808082bULL, 0x0819081908081919ULL,
    0x0819081908082b08ULL, 0x0819081908082b2bULL, 0x0819081908190819ULL, 0x0819081908191908ULL,
    0x081908190819192bULL, 0x0819081908192b19ULL, 0x08190819082b0808ULL, 0x08190819082b082bULL,
    0x08190819082b1919ULL, 0x08190819082b2b08ULL, 0x0819081919080819ULL, 0x0819081919081908ULL,
    0x081908191908192bULL, 0x0819081919082b19ULL, 0x0819081919190808ULL, 0x081908191919082bULL,
    0x0819081919191919ULL, 0x0819081919192b08ULL, 0x08190819192b0819ULL, 0x08190819192b1908ULL,
    0x081908192b080808ULL, 0x081908192b08082bULL, 0x081908192b081919ULL, 0x081908192b082b08ULL,
    0x081908192b190819ULL, 0x081908192b191908ULL, 0x0819082b08080819ULL, 0x0819082b08081908ULL,
    0x0819082b08082b19ULL, 0x0819082b08190808ULL, 0x0819082b08191919ULL, 0x0819082b082b0819ULL,
    0x0819082b082b1908ULL, 0x0819082b19080808ULL, 0x0819082b19081919ULL, 0x0819082b19190819ULL,
    0x0819082b19191908ULL, 0x0819082b2b080819ULL, 0x0819082b2b081908ULL, 0x0819082b2b190808ULL,
    0x0819190808080808ULL, 0x081919080808082bULL, 0x0819190808081919ULL, 0x0819190808082b08ULL,
    0x0819190808190819ULL, 0x0819190808191908ULL, 0x081919080819192bULL, 0x0819190808192b19ULL,
    0x08191908082b0808ULL, 0x08191908082b1919ULL, 0x08191908082b2b08ULL, 0x0819190819080819ULL,
    0x0819190819081908ULL, 0x081919081908192bULL, 0x0819190819082b19ULL, 0x0819190819190808ULL,
    0x081919081919082bULL, 0x0819190819191919ULL, 0x0819190819192b08ULL, 0x08191908192b0819ULL,
    0x08191908192b1908ULL, 0x081919082b080808ULL, 0x081919082b08082bULL, 0x081919082b081919ULL,
    0x081919082b082b08ULL, 0x081919082b190819ULL, 0x081919082b191908ULL, 0x081919082b2b0808ULL,
    0x0819191908080819ULL, 0x0819191908081908ULL, 0x081919190808192bULL, 0x0819191908082b19ULL,
    0x0819191908190808ULL, 0x081919190819082bULL, 0x0819191908191919ULL, 0x0819191908192b08ULL,
    0x08191919082b0819ULL, 0x08191919082b1908ULL, 0x0819191919080808ULL, 0x081919191908082bULL,
    0x0819191919081919ULL, 0x0819191919082b08ULL, 0x0819191919190819ULL, 0x0819191919191908ULL,
    0x08191919192b0808ULL, 0x081919192b080819ULL, 0x081919192b081908ULL, 0x081919192b190808ULL,
    0x0819192b08080808ULL, 0x0819192b08081919ULL, 0x0819192b08082b08ULL, 0x0819192b08190819ULL,
    0x0819192b08191908ULL, 0x0819192b082b0808ULL, 0x0819192b19080819ULL, 0x0819192b19081908ULL,
    0x0819192b19190808ULL, 0x0819192b2b080808ULL, 0x0819192b2b2b2b2bULL, 0x08192b0808080819ULL,
    0x08192b0808081908ULL, 0x08192b080808192bULL, 0x08192b0808082b19ULL, 0x08192b0808190808ULL,
    0x08192b0808191919ULL, 0x08192b0808192b08ULL, 0x08192b08082b0819ULL, 0x08192b0819080808ULL,
    0x08192b081908082bULL, 0x08192b0819081919ULL, 0x08192b0819082b08ULL, 0x08192b0819190819ULL,
    0x08192b0819191908ULL, 0x08192b08192b0808ULL, 0x08192b082b080819ULL, 0x08192b082b081908ULL,
    0x08192b1908080808ULL, 0x08192b190808082bULL, 0x08192b1908081919ULL, 0x08192b1908082b08ULL,
    0x08192b1908190819ULL, 0x08192b1908191908ULL, 0x08192b19082b0808ULL, 0x08192b1919080819ULL,
    0x08192b1919081908ULL, 0x08192b1919190808ULL, 0x08192b19192b2b19ULL, 0x08192b192b2b082bULL,
    0x08192b2b08081908ULL, 0x08192b2b08190808ULL, 0x08192b2b19080808ULL, 0x08192b2b1919192bULL,
    0x082b080808080808ULL, 0x082b08080808082bULL, 0x082b080808081919ULL, 0x082b080808082b08ULL,
    0x082b080808190819ULL, 0x082b080808191908ULL, 0x082b08080819192bULL, 0x082b080808192b19ULL,
    0x082b0808082b0808ULL, 0x082b0808082b1919ULL, 0x082b0808082b2b2bULL, 0x082b080819080819ULL,
    0x082b080819081908ULL, 0x082b080819190808ULL, 0x082b08081919082bULL, 0x082b080819191919ULL,
    0x082b0808192b1908ULL, 0x082b08082b080808ULL, 0x082b08082b082b2bULL, 0x082b08082b191908ULL,
    0x082b08082b2b2b2bULL, 0x082b081908080819ULL, 0x082b081908081908ULL, 0x082b081908190808ULL,
    0x082b08190819082bULL, 0x082b081908191919ULL, 0x082b0819082b0819ULL, 0x082b081919080808ULL,
    0x082b08191908082bULL, 0x082b081919081919ULL, 0x082b081919190819ULL, 0x082b081919191908ULL,
    0x082b0819192b0808ULL, 0x082b08192b080819ULL, 0x082b08192b081908ULL, 0x082b08192b190808ULL,
    0x082b082b08080808ULL, 0x082b082b08082b2bULL, 0x082b082b082b082bULL, 0x082b082b082b2b08ULL,
    0x082b082b082b2b2bULL, 0x082b082b19081908ULL, 0x082b082b19190808ULL, 0x082b082b2b082b08ULL,
    0x082b082b2b082b2bULL, 0x082b082b2b2b2b08ULL, 0x082b190808080819ULL, 0x082b190808081908ULL,
    0x082b19080808192bULL, 0x082b190808082b19ULL, 0x082b190808190808ULL, 0x082b190808191919ULL,
    0x082b190808192b08ULL, 0x082b1908082b0819ULL, 0x082b1908082b1908ULL, 0x082b190819080808ULL,
    0x082b19081908082bULL, 0x082b190819081919ULL, 0x082b190819082b08ULL, 0x082b190819190819ULL,
    0x082b190819191908ULL, 0x082b1908192b0808ULL, 0x082b19082b080819ULL, 0x082b19082b081908ULL,
    0x082b19082b190808ULL, 0x082b191908080808ULL, 0x082b191908081919ULL, 0x082b191908082b08ULL,
    0x082b191908190819ULL, 0x082b191908191908ULL, 0x082b1919082b0808ULL, 0x082b191919080819ULL,
    0x082b191919081908ULL, 0x082b191919190808ULL, 0x082b1919192b192bULL, 0x082b19192b080808ULL,
    0x082b192b08080819ULL, 0x082b192b08081908ULL, 0x082b192b08190808ULL, 0x082b192b19080808ULL,
    0x082b192b19192b19ULL, 0x082b2b0808080808ULL, 0x082b2b0808081919ULL, 0x082b2b0808190819ULL,
    0x082b2b0808191908ULL, 0x082b2b0819080819ULL, 0x082b2b0819081908ULL, 0x082b2b0819190808ULL,
    0x082b2b082b082b2bULL, 0x082b2b082b2b2b2bULL, 0x082b2b1908080819ULL, 0x082b2b1908081908ULL,
    0x082b2b1908190808ULL, 0x082b2b192b191919ULL, 0x082b2b2b08082b2bULL, 0x082b2b2b082b082bULL,
    0x082b2b2b192b1908ULL, 0x082b2b2b2b082b08ULL, 0x082b2b2b2b082b2bULL, 0x1908080808080819ULL,
    0x1908080808081908ULL, 0x190808080808192bULL, 0x1908080808082b19ULL, 0x1908080808190808ULL,
    0x190808080819082bULL, 0x1908080808191919ULL, 0x1908080808192b08ULL, 0x1908080808192b2bULL,
    0x19080808082b0819ULL, 0x19080808082b1908ULL, 0x19080808082b192bULL, 0x1908080819080808ULL,
    0x190808081908082bULL, 0x1908080819081919ULL, 0x1908080819082b08ULL, 0x1908080819082b2bULL,
    0x1908080819190819ULL, 0x1908080819191908ULL, 0x190808081919192bULL, 0x1908080819192b19ULL,
    0x19080808192b0808ULL, 0x19080808192b082bULL, 0x19080808192b1919ULL, 0x190808082b080819ULL,
    0x190808082b081908ULL, 0x190808082b190808ULL, 0x190808082b191919ULL, 0x190808082b192b08ULL,
    0x190808082b2b0819ULL, 0x190808082b2b1908ULL, 0x1908081908080808ULL, 0x190808190808082bULL,
    0x1908081908081919ULL, 0x1908081908082b08ULL, 0x1908081908190819ULL, 0x1908081908191908ULL,
    0x190808190819192bULL, 0x1908081908192b19ULL, 0x19080819082b0808ULL, 0x19080819082b082bULL,
    0x19080819082b1919ULL, 0x1908081919080819ULL, 0x1908081919081908ULL, 0x190808191908192bULL,
    0x1908081919082b19ULL, 0x1908081919190808ULL, 0x190808191919082bULL, 0x1908081919191919ULL,
    0x1908081919192b08ULL, 0x19080819192b0819ULL, 0x19080819192b1908ULL, 0x190808192b080808ULL,
    0x190808192b08082bULL, 0x190808192b081919ULL, 0x190808192b082b08ULL, 0x190808192b190819ULL,
    0x190808192b191908ULL, 0x190808192b2b0808ULL, 0x1908082b08080819ULL, 0x1908082b08081908ULL,
    0x1908082b08190808ULL, 0x1908082b0819082bULL, 0x1908082b08191919ULL, 0x1908082b08192b08ULL,
    0x1908082b082b1908ULL, 0x1908082b19080808ULL, 0x1908082b19081919ULL, 0x1908082b19082b08ULL,
    0x1908082b19190819ULL, 0x1908082b19191908ULL, 0x1908082b192b0808ULL, 0x1908082b2b080819ULL,
    0x1908082b2b081908ULL, 0x1908190808080808ULL, 0x190819080808082bULL, 0x1908190808081919ULL,
    0x1908190808082b08ULL, 0x1908190808082b2bULL, 0x1908190808190819ULL, 0x1908190808191908ULL,
    0x190819080819192bULL, 0x1908190808192b19ULL, 0x19081908082b0808ULL, 0x19081908082b082bULL,
    0x19081908082b1919ULL, 0x19081908082b2b08ULL, 0x1908190819080819ULL, 0x1908190819081908ULL,
    0x190819081908192bULL, 0x1908190819082b19ULL, 0x1908190819190808ULL, 0x190819081919082bULL,
    0x1908190819191919ULL, 0x1908190819192b08ULL, 0x19081908192b0819ULL, 0x19081908192b1908ULL,
    0x190819082b080808ULL, 0x190819082b08082bULL, 0x190819082b081919ULL, 0x190819082b082b08ULL,
    0x190819082b190819ULL, 0x190819082b191908ULL, 0x190819082b2b0808ULL, 0x1908191908080819ULL,
    0x1908191908081908ULL, 0x190819190808192bULL, 0x1908191908082b19ULL, 0x1908191908190808ULL,
    0x190819190819082bULL, 0x1908191908191919ULL, 0x1908191908192b08ULL, 0x19081919082b0819ULL,
    0x19081919082b1908ULL, 0x1908191919080808ULL, 0x190819191908082bULL, 0x1908191919081919ULL,
    0x1908191919082b08ULL, 0x1908191919190819ULL, 0x1908191919191908ULL, 0x19081919192b0808ULL,
    0x19081919192b2b2bULL, 0x190819192b080819ULL, 0x190819192b081908ULL, 0x190819192b190808ULL,
    0x1908192b08080808ULL, 0x1908192b0808082bULL, 0x1908192b08081919ULL, 0x1908192b08082b08ULL,
    0x1908192b08190819ULL, 0x1908192b08191908ULL, 0x1908192b082b0808ULL, 0x1908192b19080819ULL,
    0x1908192b19081908ULL, 0x1908192b19190808ULL, 0x1908192b2b080808ULL, 0x1908192b2b2b1919ULL,
    0x19082b0808080819ULL, 0x19082b0808081908ULL, 0x19082b0808082b19ULL, 0x19082b0808190808ULL,
    0x19082b080819082bULL, 0x19082b0808191919ULL, 0x19082b0808192b08ULL, 0x19082b08082b0819ULL,
    0x19082b08082b1908ULL, 0x19082b0819080808ULL, 0x19082b081908082bULL, 0x19082b0819081919ULL,
    0x19082b0819082b08ULL, 0x19082b0819190819ULL, 0x19082b0819191908ULL, 0x19082b08192b0808ULL,
    0x19082b082b081908ULL, 0x19082b082b190808ULL, 0x19082b1908080808ULL, 0x19082b190808082bULL,
    0x19082b1908081919ULL, 0x19082b1908082b08ULL, 0x19082b1908190819ULL, 0x19082b1908191908ULL,
    0x19082b19082b0808ULL, 0x19082b1919080819ULL, 0x19082b1919081908ULL, 0x19082b1919190808ULL,
    0x19082b192b080808ULL, 0x19082b192b19192bULL, 0x19082b2b08080819ULL, 0x19082b2b08081908ULL,
    0x19082b2b08190808ULL, 0x19082b2b19080808ULL, 0x1919080808080808ULL, 0x191908080808082bULL,
    0x1919080808081919ULL, 0x1919080808082b08ULL, 0x1919080808190819ULL, 0x1919080808191908ULL,
    0x191908080819192bULL, 0x1919080808192b19ULL, 0x19190808082b0808ULL, 0x19190808082b082bULL,
    0x19190808082b1919ULL, 0x19190808082b2b08ULL, 0x1919080819080819ULL, 0x1919080819081908ULL,
    0x191908081908192bULL, 0x1919080819082b19ULL, 0x1919080819190808ULL, 0x191908081919082bULL,
    0x1919080819191919ULL, 0x1919080819192b08ULL, 0x19190808192b0819ULL, 0x19190808192b1908ULL,
    0x191908082b080808ULL, 0x191908082b08082bULL, 0x191908082b081919ULL, 0x191908082b082b08ULL,
    0x191908082b190819ULL, 0x191908082b191908ULL, 0x1919081908080819ULL, 0x1919081908081908ULL,
    0x191908190808192bULL, 0x1919081908082b19ULL, 0x1919081908190808ULL, 0x191908190819082bULL,
    0x1919081908191919ULL, 0x1919081908192b08ULL, 0x19190819082b0819ULL, 0x19190819082b1908ULL,
    0x1919081919080808ULL, 0x191908191908082bULL, 0x1919081919081919ULL, 0x1919081919082b08ULL,
    0x1919081919190819ULL, 0x1919081919191908ULL, 0x19190819192b0808ULL, 0x191908192b080819ULL,
    0x191908192b081908ULL, 0x191908192b190808ULL, 0x1919082b08080808ULL, 0x1919082b08081919ULL,
    0x1919082b08082b08ULL, 0x1919082b08190819ULL, 0x1919082b08191908ULL, 0x1919082b082b0808ULL,
    0x1919082b19080819ULL, 0x1919082b19081908ULL, 0x1919082b19190808ULL, 0x1919082b192b2b19ULL,
    0x1919082b2b080808ULL, 0x1919190808080819ULL, 0x1919190808081908ULL, 0x191919080808192bULL,
    0x1919190808082b19ULL, 0x1919190808190808ULL, 0x191919080819082bULL, 0x1919190808191919ULL,
    0x1919190808192b08ULL, 0x19191908082b0819ULL, 0x19191908082b1908ULL, 0x1919190819080808ULL,
    0x191919081908082bULL, 0x1919190819081919ULL, 0x1919190819082b08ULL, 0x1919190819190819ULL,
    0x1919190819191908ULL, 0x19191908192b0808ULL, 0x191919082b080819ULL, 0x191919082b081908ULL,
    0x191919082b190808ULL, 0x1919191908080808ULL, 0x191919190808082bULL, 0x1919191908081919ULL,
    0x1919191908082b08ULL, 0x1919191908190819ULL, 0x1919191908191908ULL, 0x19191919082b0808ULL,
    0x1919191919080819ULL, 0x1919191919081908ULL, 0x1919191919190808ULL, 0x191919192b080808ULL,
    0x1919192b08080819ULL, 0x1919192b08081908ULL, 0x1919192b08190808ULL, 0x1919192b082b192bULL,
    0x1919192b19080808ULL, 0x19192b0808080808ULL, 0x19192b080808082bULL, 0x19192b0808081919ULL,
    0x19192b0808082b08ULL, 0x19192b0808190819ULL, 0x19192b0808191908ULL, 0x19192b08082b0808ULL,
    0x19192b0819080819ULL, 0x19192b0819081908ULL, 0x19192b0819190808ULL, 0x19192b0819192b2bULL,
    0x19192b082b080808ULL, 0x19192b1908080819ULL, 0x19192b1908081908ULL, 0x19192b1908190808ULL,
    0x19192b1919080808ULL, 0x19192b2b08080808ULL, 0x19192b2b08192b19ULL, 0x19192b2b2b081919ULL,
    0x19192b2b2b2b2b08ULL, 0x192b080808080819ULL, 0x192b080808081908ULL, 0x192b08080808192bULL,
    0x192b080808190808ULL, 0x192b08080819082bULL, 0x192b080808191919ULL, 0x192b080808192b08ULL,
    0x192b0808082b0819ULL, 0x192b0808082b1908ULL, 0x192b080819080808ULL, 0x192b080819081919ULL,
    0x192b080819082b08ULL, 0x192b080819190819ULL, 0x192b080819191908ULL, 0x192b0808192b0808ULL,
    0x192b08082b081908ULL, 0x192b08082b190808ULL, 0x192b081908080808ULL, 0x192b08190808082bULL,
    0x192b081908081919ULL, 0x192b081908082b08ULL, 0x192b081908190819ULL, 0x192b081908191908ULL,
    0x192b0819082b0808ULL, 0x192b081919080819ULL, 0x192b081919081908ULL, 0x192b081919190808ULL,
    0x192b08192b080808ULL, 0x192b08192b192b19ULL, 0x192b082b08081908ULL, 0x192b082b08190808ULL,
    0x192b082b19080808ULL, 0x192b082b1919192bULL, 0x192b082b2b2b0819ULL, 0x192b190808080808ULL,
    0x192b190808081919ULL, 0x192b190808082b08ULL, 0x192b190808190819ULL, 0x192b190808191908ULL,
    0x192b1908082b0808ULL, 0x192b190819080819ULL, 0x192b190819081908ULL, 0x192b190819190808ULL,
    0x192b19082b080808ULL, 0x192b191908080819ULL, 0x192b191908081908ULL, 0x192b191908190808ULL,
    0x192b191919080808ULL, 0x192b191919082b2bULL, 0x192b1919192b2b08ULL, 0x192b19192b19082bULL,
    0x192b192b08080808ULL, 0x192b192b2b191908ULL, 0x192b2b0808080819ULL, 0x192b2b0808081908ULL,
    0x192b2b0808190808ULL, 0x192b2b08192b1919ULL, 0x192b2b082b192b08ULL, 0x192b2b1908080808ULL,
    0x192b2b19082b2b2bULL, 0x192b2b2b1908082bULL, 0x192b2b2b2b2b0819ULL, 0x2b08080808080808ULL,
    0x2b0808080808082bULL, 0x2b08080808081919ULL, 0x2b08080808082b08ULL, 0x2b08080808190819ULL,
    0x2b08080808191908ULL, 0x2b08080808192b19ULL, 0x2b080808082b0808ULL, 0x2b080808082b1919ULL,
    0x2b08080819080819ULL, 0x2b08080819081908ULL, 0x2b08080819190808ULL, 0x2b0808081919082bULL,
    0x2b08080819191919ULL, 0x2b08080819192b08ULL, 0x2b080808192b0819ULL, 0x2b0808082b080808ULL,
    0x2b0808082b081919ULL, 0x2b0808082b190819ULL, 0x2b0808082b191908ULL, 0x2b08081908080819ULL,
    0x2b08081908081908ULL, 0x2b08081908082b19ULL, 0x2b08081908190808ULL, 0x2b0808190819082bULL,
    0x2b08081908191919ULL, 0x2b08081908192b08ULL, 0x2b080819082b0819ULL, 0x2b080819082b1908ULL,
    0x2b08081919080808ULL, 0x2b0808191908082bULL, 0x2b08081919081919ULL, 0x2b08081919082b08ULL,
    0x2b08081919190819ULL, 0x2b08081919191908ULL, 0x2b0808192b080819ULL, 0x2b0808192b081908ULL,
    0x2b0808192b190808ULL, 0x2b0808192b2b2b19ULL, 0x2b08082b08080808ULL, 0x2b08082b08081919ULL,
    0x2b08082b08082b2bULL, 0x2b08082b08190819ULL, 0x2b08082b08191908ULL, 0x2b08082b19080819ULL,
    0x2b08082b19081908ULL, 0x2b08082b19190808ULL, 0x2b08190808080819ULL, 0x2b08190808081908ULL,
    0x2b0819080808192bULL, 0x2b08190808082b19ULL, 0x2b08190808190808ULL, 0x2b0819080819082bULL,
    0x2b08190808191919ULL, 0x2b08190808192b08ULL, 0x2b081908082b0819ULL, 0x2b08190819080808ULL,
    0x2b0819081908082bULL, 0x2b08190819081919ULL, 0x2b08190819082b08ULL, 0x2b08190819190819ULL,
    0x2b08190819191908ULL, 0x2b081908192b0808ULL, 0x2b0819082b080819ULL, 0x2b0819082b081908ULL,
    0x2b0819082b190808ULL, 0x2b08191908080808ULL, 0x2b0819190808082bULL, 0x2b08191908081919ULL,
    0x2b08191908082b08ULL, 0x2b08191908190819ULL, 0x2b08191908191908ULL, 0x2b081919082b0808ULL,
    0x2b08191919080819ULL, 0x2b08191919081908ULL, 0x2b08191919190808ULL, 0x2b0819192b080808ULL,
    0x2b0819192b082b2bULL, 0x2b08192b08080819ULL, 0x2b08192b08081908ULL, 0x2b08192b08190808ULL,
    0x2b08192b082b2b19ULL, 0x2b08192b19080808ULL, 0x2b082b0808080808ULL, 0x2b082b0808081919ULL,
    0x2b082b0808190819ULL, 0x2b082b0808191908ULL, 0x2b082b0819080819ULL, 0x2b082b0819081908ULL,
    0x2b082b0819190808ULL, 0x2b082b082b2b082bULL, 0x2b082b1908080819ULL, 0x2b082b1908081908ULL,
    0x2b082b1919080808ULL, 0x2b082b19192b1919ULL, 0x2b082b2b082b082bULL, 0x2b082b2b19192b08ULL,
    0x2b082b2b19192b2bULL, 0x2b082b2b2b08082bULL, 0x2b082b2b2b2b082bULL, 0x2b19080808080819ULL,
    0x2b19080808081908ULL, 0x2b19080808082b19ULL, 0x2b19080808190808ULL, 0x2b1908080819082bULL,
    0x2b19080808191919ULL, 0x2b19080808192b08ULL, 0x2b190808082b1908ULL, 0x2b19080819080808ULL,
    0x2b1908081908082bULL, 0x2b19080819081919ULL, 0x2b19080819082b08ULL, 0x2b19080819190819ULL,
    0x2b19080819191908ULL, 0x2b190808192b0808ULL, 0x2b1908082b080819ULL, 0x2b1908082b081908ULL,
    0x2b1908082b190808ULL, 0x2b19081908080808ULL, 0x2b19081908081919ULL, 0x2b19081908190819ULL,
    0x2b19081908191908ULL, 0x2b19081919080819ULL, 0x2b19081919081908ULL, 0x2b19081919190808ULL,
    0x2b19081919192b2bULL, 0x2b19082b08080819ULL, 0x2b19082b08081908ULL, 0x2b19082b08190808ULL,
    0x2b19082b19080808ULL, 0x2b19082b2b2b192bULL, 0x2b19190808080808ULL, 0x2b1919080808082bULL,
    0x2b19190808081919ULL, 0x2b19190808082b08ULL, 0x2b19190808190819ULL, 0x2b19190808191908ULL,
    0x2b191908082b0808ULL, 0x2b19190819080819ULL, 0x2b19190819081908ULL, 0x2b19190819190808ULL,
    0x2b1919082b080808ULL, 0x2b1919082b19192bULL, 0x2b19191908080819ULL, 0x2b19191908081908ULL,
    0x2b19191908190808ULL, 0x2b19191919080808ULL, 0x2b1919192b192b08ULL, 0x2b1919192b2b0819ULL,
    0x2b19192b08080808ULL, 0x2b19192b1908192bULL, 0x2b19192b192b1908ULL, 0x2b192b0808080819ULL,
    0x2b192b0808081908ULL, 0x2b192b0808190808ULL, 0x2b192b08082b192bULL, 0x2b192b0819080808ULL,
    0x2b192b082b2b2b19ULL, 0x2b192b1908080808ULL, 0x2b192b1919082b19ULL, 0x2b192b191919082bULL,
    0x2b192b2b2b190808ULL, 0x2b2b080808080808ULL, 0x2b2b080808081919ULL, 0x2b2b080808082b2bULL,
    0x2b2b080808191908ULL, 0x2b2b0808082b082bULL, 0x2b2b0808082b2b2bULL, 0x2b2b080819080819ULL,
    0x2b2b080819081908ULL, 0x2b2b080819190808ULL, 0x2b2b08082b2b082bULL, 0x2b2b08082b2b2b2bULL,
    0x2b2b081919080808ULL, 0x2b2b0819192b1919ULL, 0x2b2b082b0808082bULL, 0x2b2b082b08082b2bULL,
    0x2b2b082b082b082bULL, 0x2b2b082b082b2b08ULL, 0x2b2b082b082b2b2bULL, 0x2b2b082b2b08082bULL,
    0x2b2b082b2b082b08ULL, 0x2b2b082b2b082b2bULL, 0x2b2b082b2b2b2b08ULL, 0x2b2b190808080819ULL,
    0x2b2b190808081908ULL, 0x2b2b190808190808ULL, 0x2b2b190819080808ULL, 0x2b2b19082b082b19ULL,
    0x2b2b19082b2b1908ULL, 0x2b2b191908080808ULL, 0x2b2b191908192b19ULL, 0x2b2b192b19190819ULL,
    0x2b2b2b0808082b2bULL, 0x2b2b2b08082b2b08ULL, 0x2b2b2b082b2b082bULL, 0x2b2b2b1919191908ULL,
    0x2b2b2b192b08192bULL, 0x2b2b2b2b08082b08ULL, 0x2b2b2b2b08082b2bULL, 0x2b2b2b2b082b0808ULL,
    0x2b2b2b2b082b082bULL, 0x2b2b2b2b082b2b08ULL, 0x2b2b2b2b2b082b08ULL, 0x2b2b2b2b2b2b2b2bULL,
};
static const uint8_t llml__iq2_ksigns[128] = {
      0, 129, 130,   3, 132,   5,   6, 135, 136,   9,  10, 139,  12, 141, 142,  15,
    144,  17,  18, 147,  20, 149, 150,  23,  24, 153, 154,  27, 156,  29,  30, 159,
    160,  33,  34, 163,  36, 165, 166,  39,  40, 169, 170,  43, 172,  45,  46, 175,
     48, 177, 178,  51, 180,  53,  54, 183, 184,  57,  58, 187,  60, 189, 190,  63,
    192,  65,  66, 195,  68, 197, 198,  71,  72, 201, 202,  75, 204,  77,  78, 207,
     80, 209, 210,  83, 212,  85,  86, 215, 216,  89,  90, 219,  92, 221, 222,  95,
     96, 225, 226,  99, 228, 101, 102, 231, 232, 105, 106, 235, 108, 237, 238, 111,
    240, 113, 114, 243, 116, 245, 246, 119, 120, 249, 250, 123, 252, 125, 126, 255,
};

/* Bit j of a sign byte set means element j of the group of 8 is negative.
   llml__iq2_ksigns[s] completes a 7-bit sign pattern with the 8th bit that
   makes the number of negative elements even (IQ2_XXS, IQ2_XS).

   Block layouts (little-endian, packed), 256 weights per block:
     iq2_xxs (66 bytes): fp16 d; 8 groups of 32 weights, each 8 bytes:
              4 grid indices (bytes), then a u32 holding four 7-bit sign
              patterns (bits 0..27) and a 4-bit scale s (bits 28..31).
     iq2_xs  (74 bytes): fp16 d; 32 u16: grid index (9 bits) | signs << 9;
              8 bytes of 4-bit scales, two per 32 weights (low nibble first).
     iq2_s   (82 bytes): fp16 d; 32 bytes: low 8 bits of the grid indices;
              32 bytes: sign bytes; 8 bytes: the index high bits (2 bits per
              index, 4 indices per byte); 8 bytes of 4-bit scales.
   A group scale is d * (0.5 + s) * 0.25 and weight = scale * grid * sign. */

#define LLML__IQ2_MAP_SIZE 65536   /* every 16-bit pattern of 8 two-bit levels */

/* ---- dequantization ------------------------------------------------------ */

/* Eight weights of one grid point: grid bytes are the magnitudes. */
static void llml__iq2_emit8(float *y, float db, uint64_t grid, unsigned signs) {
    int j;
    for (j = 0; j < 8; j++) {
        const float v = db * (float)(uint8_t)(grid >> (8 * j));
        y[j] = ((signs >> j) & 1u) ? -v : v;
    }
}

static void llml__dequant_iq2_xxs(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t ib;
    for (ib = 0; ib < n / LLML__QK_K; ib++, blk += 66) {
        const float d = LLML__FP16_TO_FP32(llml__rd16(blk));
        const uint8_t *grp = blk + 2;
        int g, k;
        for (g = 0; g < 8; g++, grp += 8) {
            const uint32_t meta = llml__rd32(grp + 4);
            const float db = d * (0.5f + (float)(meta >> 28)) * 0.25f;
            for (k = 0; k < 4; k++, dst += 8)
                llml__iq2_emit8(dst, db, llml__iq2_grid_xxs[grp[k]], llml__iq2_ksigns[(meta >> (7 * k)) & 127]);
        }
    }
}

static void llml__dequant_iq2_xs(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t ib;
    for (ib = 0; ib < n / LLML__QK_K; ib++, blk += 74) {
        const float d = LLML__FP16_TO_FP32(llml__rd16(blk));
        int g, k;
        for (g = 0; g < 8; g++) {
            const unsigned sc = blk[66 + g];
            const float db0 = d * (0.5f + (float)(sc & 15)) * 0.25f;
            const float db1 = d * (0.5f + (float)(sc >> 4)) * 0.25f;
            for (k = 0; k < 4; k++, dst += 8) {
                const unsigned v = llml__rd16(blk + 2 + 8 * g + 2 * k);
                llml__iq2_emit8(dst, k < 2 ? db0 : db1, llml__iq2_grid_xs[v & 511], llml__iq2_ksigns[v >> 9]);
            }
        }
    }
}

static void llml__dequant_iq2_s(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t ib;
    for (ib = 0; ib < n / LLML__QK_K; ib++, blk += 82) {
        const float d = LLML__FP16_TO_FP32(llml__rd16(blk));
        const uint8_t *lo = blk + 2, *sg = blk + 34, *hi = blk + 66, *scl = blk + 74;
        int g, k;
        for (g = 0; g < 8; g++) {
            const float db0 = d * (0.5f + (float)(scl[g] & 15)) * 0.25f;
            const float db1 = d * (0.5f + (float)(scl[g] >> 4)) * 0.25f;
            for (k = 0; k < 4; k++, dst += 8) {
                const unsigned idx = lo[4 * g + k] | (((unsigned)hi[g] >> (2 * k)) & 3u) << 8;
                llml__iq2_emit8(dst, k < 2 ? db0 : db1, llml__iq2_grid_s[idx], sg[4 * g + k]);
            }
        }
    }
}

/* ---- dot products with Q8_K activations ---------------------------------- */

/* Signed integer dot product of one grid point with 8 activations. */
static int32_t llml__iq2_dot8(uint64_t grid, unsigned signs, const int8_t *q8) {
    int32_t s = 0;
    int j;
    for (j = 0; j < 8; j++) {
        const int32_t t = (int32_t)(uint8_t)(grid >> (8 * j)) * q8[j];
        s += ((signs >> j) & 1u) ? -t : t;
    }
    return s;
}

static float llml__dot_iq2_xxs(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const uint8_t *a = (const uint8_t *)act;
    float sumf = 0.0f;
    int64_t ib;
    for (ib = 0; ib < n / LLML__QK_K; ib++, blk += 66, a += sizeof(llml__block_q8_K)) {
        const int8_t *q8 = (const int8_t *)(a + 4);
        const uint8_t *grp = blk + 2;
        float ad, d;
        int32_t bsum = 0;
        int g, k;
        memcpy(&ad, a, sizeof ad);
        d = LLML__FP16_TO_FP32(llml__rd16(blk)) * ad;
        for (g = 0; g < 8; g++, grp += 8) {
            const uint32_t meta = llml__rd32(grp + 4);
            int32_t sumi = 0;
            for (k = 0; k < 4; k++, q8 += 8)
                sumi += llml__iq2_dot8(llml__iq2_grid_xxs[grp[k]], llml__iq2_ksigns[(meta >> (7 * k)) & 127], q8);
            bsum += sumi * (int32_t)(2 * (meta >> 28) + 1);
        }
        sumf += d * (float)bsum;
    }
    return 0.125f * sumf;
}

static float llml__dot_iq2_xs(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const uint8_t *a = (const uint8_t *)act;
    float sumf = 0.0f;
    int64_t ib;
    for (ib = 0; ib < n / LLML__QK_K; ib++, blk += 74, a += sizeof(llml__block_q8_K)) {
        const int8_t *q8 = (const int8_t *)(a + 4);
        float ad, d;
        int32_t bsum = 0;
        int g, k;
        memcpy(&ad, a, sizeof ad);
        d = LLML__FP16_TO_FP32(llml__rd16(blk)) * ad;
        for (g = 0; g < 8; g++) {
            const int32_t sc = blk[66 + g];
            int32_t part[2] = { 0, 0 };
            for (k = 0; k < 4; k++, q8 += 8) {
                const unsigned v = llml__rd16(blk + 2 + 8 * g + 2 * k);
                part[k >> 1] += llml__iq2_dot8(llml__iq2_grid_xs[v & 511], llml__iq2_ksigns[v >> 9], q8);
            }
            bsum += part[0] * (2 * (sc & 15) + 1) + part[1] * (2 * (sc >> 4) + 1);
        }
        sumf += d * (float)bsum;
    }
    return 0.125f * sumf;
}

static float llml__dot_iq2_s(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const uint8_t *a = (const uint8_t *)act;
    float sumf = 0.0f;
    int64_t ib;
    for (ib = 0; ib < n / LLML__QK_K; ib++, blk += 82, a += sizeof(llml__block_q8_K)) {
        const int8_t *q8 = (const int8_t *)(a + 4);
        const uint8_t *lo = blk + 2, *sg = blk + 34, *hi = blk + 66, *scl = blk + 74;
        float ad, d;
        int32_t bsum = 0;
        int g, k;
        memcpy(&ad, a, sizeof ad);
        d = LLML__FP16_TO_FP32(llml__rd16(blk)) * ad;
        for (g = 0; g < 8; g++) {
            int32_t part[2] = { 0, 0 };
            for (k = 0; k < 4; k++, q8 += 8) {
                const unsigned idx = lo[4 * g + k] | (((unsigned)hi[g] >> (2 * k)) & 3u) << 8;
                part[k >> 1] += llml__iq2_dot8(llml__iq2_grid_s[idx], sg[4 * g + k], q8);
            }
            bsum += part[0] * (2 * (scl[g] & 15) + 1) + part[1] * (2 * (scl[g] >> 4) + 1);
        }
        sumf += d * (float)bsum;
    }
    return 0.125f * sumf;
}

/* ---- quantization: lattice search tables --------------------------------- */

/* A grid point is 8 levels l in {0,1,2} (magnitudes 2l+1 in units of the
   group scale). `code` packs them as sum l_i << 2i. The search tables, built
   per quantize call:
     map[code] >= 0 : the code is grid point map[code];
     map[code] <  0 : it is not; its nearest grid points (all points at the
                      `nwant` smallest squared distances, ordered by distance,
                      then by index) start at nbr[-map[code] - 1]: a count,
                      then the indices. */
typedef struct llml__iq2_lattice {
    int npoints;
    uint8_t *level;      /* npoints * 8 levels */
    int32_t *map;        /* LLML__IQ2_MAP_SIZE entries */
    uint16_t *nbr;
    size_t nbr_len, nbr_cap;
} llml__iq2_lattice;

static void llml__iq2_lattice_free(llml__iq2_lattice *lat) {
    llml__free(NULL, lat->level, (size_t)lat->npoints * 8);
    llml__free(NULL, lat->map, LLML__IQ2_MAP_SIZE * sizeof(int32_t));
    llml__free(NULL, lat->nbr, lat->nbr_cap * sizeof(uint16_t));
    lat->level = NULL; lat->map = NULL; lat->nbr = NULL;
}

/* Make room for `extra` more entries in the neighbour array. */
static int llml__iq2_nbr_reserve(llml__iq2_lattice *lat, size_t extra) {
    size_t cap = lat->nbr_cap;
    uint16_t *p;
    if (lat->nbr_len + extra <= cap) return 1;
    while (cap < lat->nbr_len + extra) cap = cap ? 2 * cap : 16384;
    p = (uint16_t *)llml__alloc(NULL, cap * sizeof(uint16_t), 16);
    if (!p) return 0;
    if (lat->nbr_len) memcpy(p, lat->nbr, lat->nbr_len * sizeof(uint16_t));
    llml__free(NULL, lat->nbr, lat->nbr_cap * sizeof(uint16_t));
    lat->nbr = p;
    lat->nbr_cap = cap;
    return 1;
}

static int llml__iq2_lattice_init(llml__iq2_lattice *lat, const uint64_t *grid, int npoints, int nwant) {
    uint8_t *dist = NULL;
    int i, j, code;
    memset(lat, 0, sizeof *lat);
    lat->npoints = npoints;
    lat->level = (uint8_t *)llml__alloc(NULL, (size_t)npoints * 8, 16);
    lat->map = (int32_t *)llml__alloc(NULL, LLML__IQ2_MAP_SIZE * sizeof(int32_t), 16);
    dist = (uint8_t *)llml__alloc(NULL, (size_t)npoints, 16);
    if (!lat->level || !lat->map || !dist) goto fail;
    for (code = 0; code < LLML__IQ2_MAP_SIZE; code++) lat->map[code] = INT32_MIN;
    for (i = 0; i < npoints; i++) {
        int c = 0;
        for (j = 0; j < 8; j++) {
            const unsigned b = (unsigned)(grid[i] >> (8 * j)) & 0xffu;
            const int l = b == 0x08 ? 0 : b == 0x19 ? 1 : 2;
            lat->level[8 * i + j] = (uint8_t)l;
            c |= l << (2 * j);
        }
        lat->map[c] = i;
    }
    for (code = 0; code < LLML__IQ2_MAP_SIZE; code++) {
        int count[33], lev, limit, have, total;
        uint8_t pos[8];
        if (lat->map[code] >= 0) continue;
        for (j = 0; j < 8; j++) pos[j] = (uint8_t)((code >> (2 * j)) & 3);
        for (j = 0; j < 8; j++) if (pos[j] == 3) break;
        if (j < 8) continue;                 /* level 3 never occurs */
        memset(count, 0, sizeof count);
        for (i = 0; i < npoints; i++) {
            const uint8_t *p = lat->level + 8 * i;
            int d2 = 0;
            for (j = 0; j < 8; j++) d2 += (p[j] - pos[j]) * (p[j] - pos[j]);
            dist[i] = (uint8_t)d2;
            count[d2]++;
        }
        /* the nwant smallest distances that occur */
        limit = 0; have = 0; total = 0;
        for (lev = 0; lev <= 32 && have < nwant; lev++) {
            if (!count[lev]) continue;
            have++; limit = lev; total += count[lev];
        }
        if (!llml__iq2_nbr_reserve(lat, (size_t)total + 1)) goto fail;
        lat->map[code] = -(int32_t)lat->nbr_len - 1;
        lat->nbr[lat->nbr_len++] = (uint16_t)total;
        for (lev = 0; lev <= limit; lev++) {
            if (!count[lev]) continue;
            for (i = 0; i < npoints; i++)
                if (dist[i] == lev) lat->nbr[lat->nbr_len++] = (uint16_t)i;
        }
    }
    llml__free(NULL, dist, (size_t)npoints);
    return 1;
fail:
    llml__free(NULL, dist, (size_t)npoints);
    llml__iq2_lattice_free(lat);
    return 0;
}

/* Code of 8 levels. */
static int llml__iq2_code(const int8_t *L) {
    int c = 0, i;
    for (i = 0; i < 8; i++) c |= L[i] << (2 * i);
    return c;
}

/* Levels of xv/scale rounded to the nearest odd magnitude 2l+1, l in 0..2. */
static void llml__iq2_round8(const float *xv, float id, int8_t *L) {
    int i;
    for (i = 0; i < 8; i++) {
        const int l = llml__nearest_int(0.5f * (id * xv[i] - 1));
        L[i] = (int8_t)(l < 0 ? 0 : l > 2 ? 2 : l);
    }
}

/* Snap L (levels of 8 magnitudes xv at `scale`) onto the grid: if its code is
   not a grid point, replace L by the neighbour with the least weighted error
   sum w*(scale*q - x)^2. Returns 1 when L was already on the grid. */
static int llml__iq2_snap8(const llml__iq2_lattice *lat, const float *xv, const float *w, float scale, int8_t *L) {
    const int32_t m = lat->map[llml__iq2_code(L)];
    const uint16_t *list;
    float best = FLT_MAX;
    int pick, j, i;
    if (m >= 0) return 1;
    list = lat->nbr + (-(int64_t)m - 1);
    pick = list[1];
    for (j = 1; j <= list[0]; j++) {
        const uint8_t *p = lat->level + 8 * list[j];
        float d2 = 0;
        for (i = 0; i < 8; i++) {
            const float diff = scale * (float)(2 * p[i] + 1) - xv[i];
            d2 += w[i] * diff * diff;
        }
        if (d2 < best) { best = d2; pick = list[j]; }
    }
    for (i = 0; i < 8; i++) L[i] = (int8_t)lat->level[8 * pick + i];
    return 0;
}

/* Grid index of on-grid levels (0 if, against expectation, they are not). */
static int llml__iq2_index(const llml__iq2_lattice *lat, const int8_t *L) {
    const int32_t m = lat->map[llml__iq2_code(L)];
    return m >= 0 ? (int)m : 0;
}

/* Magnitudes of 8 weights and their sign byte. With `even`, the number of
   negative signs is made even by flipping the sign of the least important
   weight (its magnitude then enters negated). */
static unsigned llml__iq2_fold8(const float *x, const float *w, float *xv, int even) {
    unsigned s = 0;
    int i, nneg = 0;
    for (i = 0; i < 8; i++) {
        if (x[i] >= 0) xv[i] = x[i];
        else { xv[i] = -x[i]; s |= 1u << i; nneg++; }
    }
    if (even && (nneg & 1)) {
        int imin = 0;
        float vmin = w[0] * x[0] * x[0];
        for (i = 1; i < 8; i++) {
            const float v = w[i] * x[i] * x[i];
            if (v < vmin) { vmin = v; imin = i; }
        }
        xv[imin] = -xv[imin];
        s ^= 1u << imin;
    }
    return even ? (s & 127u) : s;
}

/* Weighted sums over n magnitudes quantized to odd values 2L+1. */
static void llml__iq2_sums(int n, const float *xv, const float *w, const int8_t *L, float *sumqx, float *sumq2) {
    float sx = 0, s2 = 0;
    int i;
    for (i = 0; i < n; i++) {
        const float q = (float)(2 * L[i] + 1);
        sx += w[i] * xv[i] * q;
        s2 += w[i] * q * q;
    }
    *sumqx = sx; *sumq2 = s2;
}

/* Initial scale for IQ2_XXS: best weighted fit of x >= 0 by scale * l with
   integer l in 0..nmax (a few candidate scales, then coordinate descent).
   Levels are kept in bytes, as the reference does. */
static float llml__iq2_fit_levels(int n, int nmax, const float *x, const float *w) {
    uint8_t L[32];
    float vmax = 0, iscale, scale, best_err = 0, sumlx = 0, suml2 = 0;
    int i, is, pass;
    for (i = 0; i < n; i++) vmax = LLML__MAX(vmax, x[i]);
    if (vmax < 1e-15f) return 0.0f;
    iscale = (float)nmax / vmax;
    scale = 1 / iscale;
    for (i = 0; i < n; i++) {
        float diff;
        L[i] = (uint8_t)llml__nearest_int(iscale * x[i]);
        diff = x[i] - scale * (float)L[i];
        best_err += w[i] * diff * diff;
    }
    for (is = -4; is <= 4; is++) {
        float cand_i, cand_s, err = 0;
        if (is == 0) continue;
        cand_i = (0.1f * (float)is + (float)nmax) / vmax;
        cand_s = 1 / cand_i;
        for (i = 0; i < n; i++) {
            int l = llml__nearest_int(cand_i * x[i]);
            float diff;
            if (l > nmax) l = nmax;
            diff = x[i] - cand_s * (float)l;
            err += w[i] * diff * diff;
        }
        if (err < best_err) { best_err = err; iscale = cand_i; }
    }
    for (i = 0; i < n; i++) {
        int l = llml__nearest_int(iscale * x[i]);
        if (l > nmax) l = nmax;
        L[i] = (uint8_t)l;
        sumlx += w[i] * x[i] * (float)l;
        suml2 += w[i] * (float)l * (float)l;
    }
    for (pass = 0; pass < 5; pass++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            const float li = (float)L[i];
            float slx = sumlx - w[i] * x[i] * li;
            float sl2 = suml2 - w[i] * li * li;
            if (slx > 0 && sl2 > 0) {
                int nl = llml__nearest_int(x[i] * sl2 / slx);
                if (nl > nmax) nl = nmax;
                if (nl != L[i]) {
                    slx += w[i] * x[i] * (float)nl;
                    sl2 += w[i] * (float)nl * (float)nl;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (uint8_t)nl; sumlx = slx; suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (!changed) break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* Importance weights of n weights: qw * sqrt(sigma2 + x^2) with an imatrix.
   Without one, IQ2_S uses 0.25 sigma2 + x^2 as the reference does; IQ2_XXS
   and IQ2_XS (which the reference only quantizes with an imatrix) use a unit
   imatrix, which measured lower RMS error than the x^2 form. */
static void llml__iq2_weights(int n, const float *x, const float *qw, float sigma2, int s_variant, float *w, float *wroot) {
    int i;
    for (i = 0; i < n; i++) {
        if (qw) w[i] = qw[i] * sqrtf(sigma2 + x[i] * x[i]);
        else if (s_variant) w[i] = 0.25f * sigma2 + x[i] * x[i];
        else w[i] = sqrtf(sigma2 + x[i] * x[i]);
    }
    for (i = 0; i < n; i++) wroot[i] = sqrtf(w[i]);
}

/* ---- IQ2_XXS: groups of 32, one 4-bit scale each ------------------------- */

static void llml__iq2_block_xxs(const llml__iq2_lattice *lat, const float *xbl, const float *qwbl, uint8_t *out) {
    float scales[8], w[32], wr[32], xv[32];
    int8_t L[32], Lt[32];
    unsigned sgn[4];
    uint32_t words[16];
    float sumx2 = 0, sigma2, max_scale = 0, d, id;
    int g, k, i;
    memset(words, 0, sizeof words);
    for (i = 0; i < LLML__QK_K; i++) sumx2 += xbl[i] * xbl[i];
    sigma2 = sumx2 / LLML__QK_K;
    for (g = 0; g < 8; g++) {
        const float *xb = xbl + 32 * g;
        float vmax, scale, eff_max, best, sumqx, sumq2;
        int is;
        llml__iq2_weights(32, xb, qwbl ? qwbl + 32 * g : NULL, sigma2, 0, w, wr);
        for (k = 0; k < 4; k++) sgn[k] = llml__iq2_fold8(xb + 8 * k, w + 8 * k, xv + 8 * k, 1);
        vmax = xv[0];
        for (i = 1; i < 32; i++) vmax = LLML__MAX(vmax, xv[i]);
        scales[g] = 0;
        if (vmax < 1e-15f) continue;
        scale = llml__iq2_fit_levels(32, 4, xv, w);
        eff_max = scale * 3;
        if (eff_max <= 0) continue;
        memset(L, 0, sizeof L);
        best = 0;
        for (is = -6; is <= 6; is++) {
            const float cid = (5 + (float)is * 0.1f) / eff_max;
            const float cscale = 1 / cid;
            for (k = 0; k < 4; k++) {
                llml__iq2_round8(xv + 8 * k, cid, Lt + 8 * k);
                llml__iq2_snap8(lat, xv + 8 * k, wr + 8 * k, cscale, Lt + 8 * k);
            }
            llml__iq2_sums(32, xv, w, Lt, &sumqx, &sumq2);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2; best = scale * sumqx;
                memcpy(L, Lt, sizeof L);
            }
        }
        if (scale > 0) {
            const float rid = 1 / scale;
            for (k = 0; k < 4; k++) {
                llml__iq2_round8(xv + 8 * k, rid, L + 8 * k);
                llml__iq2_snap8(lat, xv + 8 * k, wr + 8 * k, scale, L + 8 * k);
            }
            llml__iq2_sums(32, xv, w, L, &sumqx, &sumq2);
            if (sumq2 > 0) scale = sumqx / sumq2;
        }
        if (scale < 0) {
            scale = -scale;
            for (k = 0; k < 4; k++) sgn[k] = ~sgn[k] & 127u;
        }
        for (k = 0; k < 4; k++) {
            words[2 * g] |= (uint32_t)llml__iq2_index(lat, L + 8 * k) << (8 * k);
            words[2 * g + 1] |= (uint32_t)sgn[k] << (7 * k);
        }
        scales[g] = scale;
        max_scale = LLML__MAX(max_scale, scale);
    }
    memset(out, 0, 66);
    if (!max_scale) return;
    d = max_scale / 31;
    llml__wr16(out, LLML__FP32_TO_FP16(d));
    id = 1 / d;
    for (g = 0; g < 8; g++) {
        int l = llml__nearest_int(0.5f * (id * scales[g] - 1));
        l = l < 0 ? 0 : l > 15 ? 15 : l;
        words[2 * g + 1] |= (uint32_t)l << 28;
    }
    for (i = 0; i < 16; i++) llml__wr32(out + 2 + 4 * i, words[i]);
}

/* ---- IQ2_XS and IQ2_S: groups of 16, one 4-bit scale each ---------------- */

/* Quantizes one block of 256 into 16 group scales, 32 grid indices and 32
   sign bytes; returns the largest scale. `s_variant` selects IQ2_S (free
   signs, wider sigma) over IQ2_XS (even signs). */
static float llml__iq2_block16(const llml__iq2_lattice *lat, const float *xbl, const float *qwbl, int s_variant,
                               float *scales, uint16_t *index, uint8_t *signs) {
    float w[16], wr[16], xv[16];
    int8_t L[16], Lt[16];
    int on[2], on_t[2];
    unsigned sgn[2];
    float sumx2 = 0, sigma2, max_scale = 0;
    const float eps = s_variant ? 1e-8f : 1e-15f;
    int g, k, i;
    for (i = 0; i < LLML__QK_K; i++) sumx2 += xbl[i] * xbl[i];
    sigma2 = s_variant ? 2 * sumx2 / LLML__QK_K : sumx2 / LLML__QK_K;
    for (g = 0; g < 16; g++) {
        const float *xb = xbl + 16 * g;
        float vmax, scale, best, sumqx, sumq2;
        int is;
        llml__iq2_weights(16, xb, qwbl ? qwbl + 16 * g : NULL, sigma2, s_variant, w, wr);
        for (k = 0; k < 2; k++) sgn[k] = llml__iq2_fold8(xb + 8 * k, w + 8 * k, xv + 8 * k, !s_variant);
        vmax = xv[0];
        for (i = 1; i < 16; i++) vmax = LLML__MAX(vmax, xv[i]);
        memset(L, 0, sizeof L);
        scales[g] = 0;
        index[2 * g] = index[2 * g + 1] = 0;
        signs[2 * g] = signs[2 * g + 1] = 0;
        if (vmax < eps) continue;
        best = 0;
        scale = vmax / 5;
        on[0] = on[1] = 1;
        for (is = -9; is <= 9; is++) {
            const float cid = (5 + (float)is * 0.1f) / vmax;
            const float cscale = 1 / cid;
            for (k = 0; k < 2; k++) {
                llml__iq2_round8(xv + 8 * k, cid, Lt + 8 * k);
                on_t[k] = llml__iq2_snap8(lat, xv + 8 * k, wr + 8 * k, cscale, Lt + 8 * k);
            }
            llml__iq2_sums(16, xv, w, Lt, &sumqx, &sumq2);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2; best = scale * sumqx;
                memcpy(L, Lt, sizeof L);
                on[0] = on_t[0]; on[1] = on_t[1];
            }
        }
        if ((!on[0] || !on[1]) && scale > 0) {
            const float rid = 1 / scale;
            for (k = 0; k < 2; k++) {
                if (on[k]) continue;
                llml__iq2_round8(xv + 8 * k, rid, L + 8 * k);
                llml__iq2_snap8(lat, xv + 8 * k, wr + 8 * k, scale, L + 8 * k);
            }
            llml__iq2_sums(16, xv, w, L, &sumqx, &sumq2);
            if (sumq2 > 0) scale = sumqx / sumq2;
        }
        if (scale < 0) {
            scale = -scale;
            for (k = 0; k < 2; k++) sgn[k] = ~sgn[k] & (s_variant ? 255u : 127u);
        }
        for (k = 0; k < 2; k++) {
            index[2 * g + k] = (uint16_t)llml__iq2_index(lat, L + 8 * k);
            signs[2 * g + k] = (uint8_t)sgn[k];
        }
        scales[g] = scale;
        max_scale = LLML__MAX(max_scale, scale);
    }
    return max_scale;
}

/* 4-bit scale codes of 16 group scales against the block scale d. */
static void llml__iq2_scale_codes(const float *scales, float d, uint8_t *codes) {
    const float id = 1 / d;
    int g;
    memset(codes, 0, 8);
    for (g = 0; g < 16; g++) {
        int l = llml__nearest_int(0.5f * (id * scales[g] - 1));
        l = l < 0 ? 0 : l > 15 ? 15 : l;
        codes[g / 2] |= (uint8_t)(l << (4 * (g & 1)));
    }
}

static void llml__iq2_block_xs(const llml__iq2_lattice *lat, const float *xbl, const float *qwbl, uint8_t *out) {
    float scales[16], max_scale, d;
    uint16_t index[32];
    uint8_t signs[32];
    int i;
    max_scale = llml__iq2_block16(lat, xbl, qwbl, 0, scales, index, signs);
    memset(out, 0, 74);
    if (!max_scale) return;
    d = max_scale / 31;
    llml__wr16(out, LLML__FP32_TO_FP16(d));
    for (i = 0; i < 32; i++) llml__wr16(out + 2 + 2 * i, (uint16_t)(index[i] | (unsigned)signs[i] << 9));
    llml__iq2_scale_codes(scales, d, out + 66);
}

static void llml__iq2_block_s(const llml__iq2_lattice *lat, const float *xbl, const float *qwbl, uint8_t *out) {
    float scales[16], max_scale, d;
    uint16_t index[32];
    uint8_t signs[32];
    int i;
    max_scale = llml__iq2_block16(lat, xbl, qwbl, 1, scales, index, signs);
    memset(out, 0, 82);
    if (!max_scale) return;
    d = max_scale / 31;
    llml__wr16(out, LLML__FP32_TO_FP16(d * 0.9875f));   /* the reference's slight shrink of d */
    for (i = 0; i < 32; i++) {
        out[2 + i] = (uint8_t)(index[i] & 255);
        out[34 + i] = signs[i];
        out[66 + i / 4] |= (uint8_t)((index[i] >> 8) << (2 * (i % 4)));
    }
    llml__iq2_scale_codes(scales, d, out + 74);
}

typedef void (*llml__iq2_block_fn)(const llml__iq2_lattice *lat, const float *xbl, const float *qwbl, uint8_t *out);

static llml_result llml__iq2_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                                      const uint64_t *grid, int npoints, int nwant, int block_bytes, llml__iq2_block_fn fn) {
    llml__iq2_lattice lat;
    uint8_t *out = (uint8_t *)dst;
    int64_t r, b, nblk = n_per_row / LLML__QK_K;
    if (!llml__iq2_lattice_init(&lat, grid, npoints, nwant)) return LLML_ERR_OUT_OF_MEMORY;
    for (r = 0; r < nrows; r++) {
        const float *row = src + r * n_per_row;
        for (b = 0; b < nblk; b++, out += block_bytes)
            fn(&lat, row + LLML__QK_K * b, imatrix ? imatrix + LLML__QK_K * b : NULL, out);
    }
    llml__iq2_lattice_free(&lat);
    return LLML_OK;
}

static llml_result llml__quant_iq2_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq2_quantize(src, dst, nrows, n_per_row, imatrix, llml__iq2_grid_xxs, 256, 2, 66, llml__iq2_block_xxs);
}
static llml_result llml__quant_iq2_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq2_quantize(src, dst, nrows, n_per_row, imatrix, llml__iq2_grid_xs, 512, 2, 74, llml__iq2_block_xs);
}
static llml_result llml__quant_iq2_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq2_quantize(src, dst, nrows, n_per_row, imatrix, llml__iq2_grid_s, 1024, 1, 82, llml__iq2_block_s);
}
/* ------------------------------------------------------------------------ */
/* >>quant_iq3  IQ3_XXS and IQ3_S: 3-bit codes on a lattice grid of quads    */
/* ------------------------------------------------------------------------ */
/* Both formats cut a block of 256 weights into 8 groups of 32, and each
   group into 8 quads of 4 weights. A quad stores the index of a grid entry
   (four unsigned magnitudes, one byte each) plus 4 sign bits; a group stores
   a 4-bit scale s; the block stores an fp16 super-scale d.

   iq3_xxs, 98 bytes:  d fp16 @0 | grid indices [64] @2 (grid of 256)
                       | 8 little-endian u32 @66, one per group: bits 7q..7q+6
                       are the signs of weights 8q..8q+6 of the group; the
                       sign of weight 8q+7 is their parity (the count of
                       negative weights in each 8 is even); bits 28..31: s.
                       weight = d * (0.5 + s) * 0.5 * magnitude * sign.
   iq3_s,   110 bytes: d fp16 @0 | index low bytes [64] @2 (grid of 512)
                       | qh [8] @66: bit k of qh[g] is bit 8 of the index of
                       quad k of group g | signs [32] @74: one bit per weight,
                       4 bytes per group | scales [4] @106: group 2i in the
                       low nibble of byte i, group 2i+1 in the high nibble.
                       weight = d * (1 + 2s) * magnitude * sign.

   Grid entries: byte j of entry e is the magnitude of weight j of the quad.
   In iq3_xxs each byte is one of 4,12,20,28,36,44,52,62; in iq3_s one of
   1,3,...,15. Either way it encodes a level 0..7, and the quantizer works on
   levels (value 2*level+1 in units of the group scale). */

static const uint32_t llml__iq3_xxs_grid[256] = {
    0x04040404, 0x04040414, 0x04040424, 0x04040c0c, 0x04040c1c, 0x04040c3e, 0x04041404, 0x04041414,
    0x04041c0c, 0x04042414, 0x04043e1c, 0x04043e2c, 0x040c040c, 0x040c041c, 0x040c0c04, 0x040c0c14,
    0x040c140c, 0x040c142c, 0x040c1c04, 0x040c1c14, 0x040c240c, 0x040c2c24, 0x040c3e04, 0x04140404,
    0x04140414, 0x04140424, 0x04140c0c, 0x04141404, 0x04141414, 0x04141c0c, 0x04141c1c, 0x04141c3e,
    0x04142c0c, 0x04142c3e, 0x04143e2c, 0x041c040c, 0x041c043e, 0x041c0c04, 0x041c0c14, 0x041c142c,
    0x041c3e04, 0x04240c1c, 0x04241c3e, 0x04242424, 0x04242c3e, 0x04243e1c, 0x04243e2c, 0x042c040c,
    0x042c043e, 0x042c1c14, 0x042c2c14, 0x04341c2c, 0x04343424, 0x043e0c04, 0x043e0c24, 0x043e0c34,
    0x043e241c, 0x043e340c, 0x0c04040c, 0x0c04041c, 0x0c040c04, 0x0c040c14, 0x0c04140c, 0x0c04141c,
    0x0c041c04, 0x0c041c14, 0x0c041c24, 0x0c04243e, 0x0c042c04, 0x0c0c0404, 0x0c0c0414, 0x0c0c0c0c,
    0x0c0c1404, 0x0c0c1414, 0x0c14040c, 0x0c14041c, 0x0c140c04, 0x0c140c14, 0x0c14140c, 0x0c141c04,
    0x0c143e14, 0x0c1c0404, 0x0c1c0414, 0x0c1c1404, 0x0c1c1c0c, 0x0c1c2434, 0x0c1c3434, 0x0c24040c,
    0x0c24042c, 0x0c242c04, 0x0c2c1404, 0x0c2c1424, 0x0c2c2434, 0x0c2c3e0c, 0x0c34042c, 0x0c3e1414,
    0x0c3e2404, 0x14040404, 0x14040414, 0x14040c0c, 0x14040c1c, 0x14041404, 0x14041414, 0x14041434,
    0x14041c0c, 0x14042414, 0x140c040c, 0x140c041c, 0x140c042c, 0x140c0c04, 0x140c0c14, 0x140c140c,
    0x140c1c04, 0x140c341c, 0x140c343e, 0x140c3e04, 0x14140404, 0x14140414, 0x14140c0c, 0x14140c3e,
    0x14141404, 0x14141414, 0x14141c3e, 0x14142404, 0x14142c2c, 0x141c040c, 0x141c0c04, 0x141c0c24,
    0x141c3e04, 0x141c3e24, 0x14241c2c, 0x14242c1c, 0x142c041c, 0x142c143e, 0x142c240c, 0x142c3e24,
    0x143e040c, 0x143e041c, 0x143e0c34, 0x143e242c, 0x1c04040c, 0x1c040c04, 0x1c040c14, 0x1c04140c,
    0x1c04141c, 0x1c042c04, 0x1c04342c, 0x1c043e14, 0x1c0c0404, 0x1c0c0414, 0x1c0c1404, 0x1c0c1c0c,
    0x1c0c2424, 0x1c0c2434, 0x1c14040c, 0x1c14041c, 0x1c140c04, 0x1c14142c, 0x1c142c14, 0x1c143e14,
    0x1c1c0c0c, 0x1c1c1c1c, 0x1c241c04, 0x1c24243e, 0x1c243e14, 0x1c2c0404, 0x1c2c0434, 0x1c2c1414,
    0x1c2c2c2c, 0x1c340c24, 0x1c341c34, 0x1c34341c, 0x1c3e1c1c, 0x1c3e3404, 0x24040424, 0x24040c3e,
    0x24041c2c, 0x24041c3e, 0x24042c1c, 0x24042c3e, 0x240c3e24, 0x24141404, 0x24141c3e, 0x24142404,
    0x24143404, 0x24143434, 0x241c043e, 0x241c242c, 0x24240424, 0x24242c0c, 0x24243424, 0x242c142c,
    0x242c241c, 0x242c3e04, 0x243e042c, 0x243e0c04, 0x243e0c14, 0x243e1c04, 0x2c040c14, 0x2c04240c,
    0x2c043e04, 0x2c0c0404, 0x2c0c0434, 0x2c0c1434, 0x2c0c2c2c, 0x2c140c24, 0x2c141c14, 0x2c143e14,
    0x2c1c0414, 0x2c1c2c1c, 0x2c240c04, 0x2c24141c, 0x2c24143e, 0x2c243e14, 0x2c2c0414, 0x2c2c1c0c,
    0x2c342c04, 0x2c3e1424, 0x2c3e2414, 0x34041424, 0x34042424, 0x34042434, 0x34043424, 0x340c140c,
    0x340c340c, 0x34140c3e, 0x34143424, 0x341c1c04, 0x341c1c34, 0x34242424, 0x342c042c, 0x342c2c14,
    0x34341c1c, 0x343e041c, 0x343e140c, 0x3e04041c, 0x3e04042c, 0x3e04043e, 0x3e040c04, 0x3e041c14,
    0x3e042c14, 0x3e0c1434, 0x3e0c2404, 0x3e140c14, 0x3e14242c, 0x3e142c14, 0x3e1c0404, 0x3e1c0c2c,
    0x3e1c1c1c, 0x3e1c3404, 0x3e24140c, 0x3e24240c, 0x3e2c0404, 0x3e2c0414, 0x3e2c1424, 0x3e341c04,
};

static const uint32_t llml__iq3_s_grid[512] = {
    0x01010101, 0x01010103, 0x01010105, 0x0101010b, 0x0101010f, 0x01010301, 0x01010303, 0x01010305,
    0x01010309, 0x0101030d, 0x01010501, 0x01010503, 0x0101050b, 0x01010707, 0x01010901, 0x01010905,
    0x0101090b, 0x0101090f, 0x01010b03, 0x01010b07, 0x01010d01, 0x01010d05, 0x01010f03, 0x01010f09,
    0x01010f0f, 0x01030101, 0x01030103, 0x01030105, 0x01030109, 0x01030301, 0x01030303, 0x0103030b,
    0x01030501, 0x01030507, 0x0103050f, 0x01030703, 0x0103070b, 0x01030909, 0x01030d03, 0x01030d0b,
    0x01030f05, 0x01050101, 0x01050103, 0x0105010b, 0x0105010f, 0x01050301, 0x01050307, 0x0105030d,
    0x01050503, 0x0105050b, 0x01050701, 0x01050709, 0x01050905, 0x0105090b, 0x0105090f, 0x01050b03,
    0x01050b07, 0x01050f01, 0x01050f07, 0x01070107, 0x01070303, 0x0107030b, 0x01070501, 0x01070505,
    0x01070703, 0x01070707, 0x0107070d, 0x01070909, 0x01070b01, 0x01070b05, 0x01070d0f, 0x01070f03,
    0x01070f0b, 0x01090101, 0x01090307, 0x0109030f, 0x01090503, 0x01090509, 0x01090705, 0x01090901,
    0x01090907, 0x01090b03, 0x01090f01, 0x010b0105, 0x010b0109, 0x010b0501, 0x010b0505, 0x010b050d,
    0x010b0707, 0x010b0903, 0x010b090b, 0x010b090f, 0x010b0d0d, 0x010b0f07, 0x010d010d, 0x010d0303,
    0x010d0307, 0x010d0703, 0x010d0b05, 0x010d0f03, 0x010f0101, 0x010f0105, 0x010f0109, 0x010f0501,
    0x010f0505, 0x010f050d, 0x010f0707, 0x010f0b01, 0x010f0b09, 0x03010101, 0x03010103, 0x03010105,
    0x03010109, 0x03010301, 0x03010303, 0x03010307, 0x0301030b, 0x0301030f, 0x03010501, 0x03010505,
    0x03010703, 0x03010709, 0x0301070d, 0x03010b09, 0x03010b0d, 0x03010d03, 0x03010f05, 0x03030101,
    0x03030103, 0x03030107, 0x0303010d, 0x03030301, 0x03030309, 0x03030503, 0x03030701, 0x03030707,
    0x03030903, 0x03030b01, 0x03030b05, 0x03030f01, 0x03030f0d, 0x03050101, 0x03050305, 0x0305030b,
    0x0305030f, 0x03050501, 0x03050509, 0x03050705, 0x03050901, 0x03050907, 0x03050b0b, 0x03050d01,
    0x03050f05, 0x03070103, 0x03070109, 0x0307010f, 0x03070301, 0x03070307, 0x03070503, 0x0307050f,
    0x03070701, 0x03070709, 0x03070903, 0x03070d05, 0x03070f01, 0x03090107, 0x0309010b, 0x03090305,
    0x03090309, 0x03090703, 0x03090707, 0x03090905, 0x0309090d, 0x03090b01, 0x03090b09, 0x030b0103,
    0x030b0301, 0x030b0307, 0x030b0503, 0x030b0701, 0x030b0705, 0x030b0b03, 0x030d0501, 0x030d0509,
    0x030d050f, 0x030d0909, 0x030d090d, 0x030f0103, 0x030f0107, 0x030f0301, 0x030f0305, 0x030f0503,
    0x030f070b, 0x030f0903, 0x030f0d05, 0x030f0f01, 0x05010101, 0x05010103, 0x05010107, 0x0501010b,
    0x0501010f, 0x05010301, 0x05010305, 0x05010309, 0x0501030d, 0x05010503, 0x05010507, 0x0501050f,
    0x05010701, 0x05010705, 0x05010903, 0x05010907, 0x0501090b, 0x05010b01, 0x05010b05, 0x05010d0f,
    0x05010f01, 0x05010f07, 0x05010f0b, 0x05030101, 0x05030105, 0x05030301, 0x05030307, 0x0503030f,
    0x05030505, 0x0503050b, 0x05030703, 0x05030709, 0x05030905, 0x05030b03, 0x05050103, 0x05050109,
    0x0505010f, 0x05050503, 0x05050507, 0x05050701, 0x0505070f, 0x05050903, 0x05050b07, 0x05050b0f,
    0x05050f03, 0x05050f09, 0x05070101, 0x05070105, 0x0507010b, 0x05070303, 0x05070505, 0x05070509,
    0x05070703, 0x05070707, 0x05070905, 0x05070b01, 0x05070d0d, 0x05090103, 0x0509010f, 0x05090501,
    0x05090507, 0x05090705, 0x0509070b, 0x05090903, 0x05090f05, 0x05090f0b, 0x050b0109, 0x050b0303,
    0x050b0505, 0x050b070f, 0x050b0901, 0x050b0b07, 0x050b0f01, 0x050d0101, 0x050d0105, 0x050d010f,
    0x050d0503, 0x050d0b0b, 0x050d0d03, 0x050f010b, 0x050f0303, 0x050f050d, 0x050f0701, 0x050f0907,
    0x050f0b01, 0x07010105, 0x07010303, 0x07010307, 0x0701030b, 0x0701030f, 0x07010505, 0x07010703,
    0x07010707, 0x0701070b, 0x07010905, 0x07010909, 0x0701090f, 0x07010b03, 0x07010d07, 0x07010f03,
    0x07030103, 0x07030107, 0x0703010b, 0x07030309, 0x07030503, 0x07030507, 0x07030901, 0x07030d01,
    0x07030f05, 0x07030f0d, 0x07050101, 0x07050305, 0x07050501, 0x07050705, 0x07050709, 0x07050b01,
    0x07070103, 0x07070301, 0x07070309, 0x07070503, 0x07070507, 0x0707050f, 0x07070701, 0x07070903,
    0x07070907, 0x0707090f, 0x07070b0b, 0x07070f07, 0x07090107, 0x07090303, 0x0709030d, 0x07090505,
    0x07090703, 0x07090b05, 0x07090d01, 0x07090d09, 0x070b0103, 0x070b0301, 0x070b0305, 0x070b050b,
    0x070b0705, 0x070b0909, 0x070b0b0d, 0x070b0f07, 0x070d030d, 0x070d0903, 0x070f0103, 0x070f0107,
    0x070f0501, 0x070f0505, 0x070f070b, 0x09010101, 0x09010109, 0x09010305, 0x09010501, 0x09010509,
    0x0901050f, 0x09010705, 0x09010903, 0x09010b01, 0x09010f01, 0x09030105, 0x0903010f, 0x09030303,
    0x09030307, 0x09030505, 0x09030701, 0x0903070b, 0x09030907, 0x09030b03, 0x09030b0b, 0x09050103,
    0x09050107, 0x09050301, 0x0905030b, 0x09050503, 0x09050707, 0x09050901, 0x09050b0f, 0x09050d05,
    0x09050f01, 0x09070109, 0x09070303, 0x09070307, 0x09070501, 0x09070505, 0x09070703, 0x0907070b,
    0x09090101, 0x09090105, 0x09090509, 0x0909070f, 0x09090901, 0x09090f03, 0x090b010b, 0x090b010f,
    0x090b0503, 0x090b0d05, 0x090d0307, 0x090d0709, 0x090d0d01, 0x090f0301, 0x090f030b, 0x090f0701,
    0x090f0907, 0x090f0b03, 0x0b010105, 0x0b010301, 0x0b010309, 0x0b010505, 0x0b010901, 0x0b010909,
    0x0b01090f, 0x0b010b05, 0x0b010d0d, 0x0b010f09, 0x0b030103, 0x0b030107, 0x0b03010b, 0x0b030305,
    0x0b030503, 0x0b030705, 0x0b030f05, 0x0b050101, 0x0b050303, 0x0b050507, 0x0b050701, 0x0b05070d,
    0x0b050b07, 0x0b070105, 0x0b07010f, 0x0b070301, 0x0b07050f, 0x0b070909, 0x0b070b03, 0x0b070d0b,
    0x0b070f07, 0x0b090103, 0x0b090109, 0x0b090501, 0x0b090705, 0x0b09090d, 0x0b0b0305, 0x0b0b050d,
    0x0b0b0b03, 0x0b0b0b07, 0x0b0d0905, 0x0b0f0105, 0x0b0f0109, 0x0b0f0505, 0x0d010303, 0x0d010307,
    0x0d01030b, 0x0d010703, 0x0d010707, 0x0d010d01, 0x0d030101, 0x0d030501, 0x0d03050f, 0x0d030d09,
    0x0d050305, 0x0d050709, 0x0d050905, 0x0d050b0b, 0x0d050d05, 0x0d050f01, 0x0d070101, 0x0d070309,
    0x0d070503, 0x0d070901, 0x0d09050b, 0x0d090907, 0x0d090d05, 0x0d0b0101, 0x0d0b0107, 0x0d0b0709,
    0x0d0b0d01, 0x0d0d010b, 0x0d0d0901, 0x0d0f0303, 0x0d0f0307, 0x0f010101, 0x0f010109, 0x0f01010f,
    0x0f010501, 0x0f010505, 0x0f01070d, 0x0f010901, 0x0f010b09, 0x0f010d05, 0x0f030105, 0x0f030303,
    0x0f030509, 0x0f030907, 0x0f03090b, 0x0f050103, 0x0f050109, 0x0f050301, 0x0f05030d, 0x0f050503,
    0x0f050701, 0x0f050b03, 0x0f070105, 0x0f070705, 0x0f07070b, 0x0f070b07, 0x0f090103, 0x0f09010b,
    0x0f090307, 0x0f090501, 0x0f090b01, 0x0f0b0505, 0x0f0b0905, 0x0f0d0105, 0x0f0d0703, 0x0f0f0101,
};

#define LLML__IQ3_XXS_BYTES 98
#define LLML__IQ3_S_BYTES 110
#define LLML__IQ3_NKEYS 4096   /* 4 levels of 3 bits */

/* Expand a 7-bit sign field of iq3_xxs to 8 bits: bit 7 is the parity. */
static unsigned llml__iq3_signs8(uint32_t s7) {
    uint32_t p = s7 ^ (s7 >> 4);
    p ^= p >> 2;
    p ^= p >> 1;
    return (unsigned)(s7 | ((p & 1u) << 7));
}

static void llml__dequant_iq3_xxs(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nblk = n / LLML__QK_K;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_XXS_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk));
        const uint8_t *idx = blk + 2;
        const uint8_t *meta = blk + 2 + 64;
        int g, q, j;
        for (g = 0; g < 8; g++) {
            const uint32_t word = llml__rd32(meta + 4 * g);
            const float dl = d * (0.5f + (float)(word >> 28)) * 0.5f;
            for (q = 0; q < 4; q++) {
                const unsigned sg = llml__iq3_signs8((word >> (7 * q)) & 127u);
                const uint32_t lo = llml__iq3_xxs_grid[idx[8 * g + 2 * q]];
                const uint32_t hi = llml__iq3_xxs_grid[idx[8 * g + 2 * q + 1]];
                for (j = 0; j < 4; j++) {
                    const float a = dl * (float)((lo >> (8 * j)) & 255u);
                    const float c = dl * (float)((hi >> (8 * j)) & 255u);
                    dst[j] = ((sg >> j) & 1u) ? -a : a;
                    dst[4 + j] = ((sg >> (4 + j)) & 1u) ? -c : c;
                }
                dst += 8;
            }
        }
    }
}

static void llml__dequant_iq3_s(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nblk = n / LLML__QK_K;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_S_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk));
        const uint8_t *lo = blk + 2, *qh = blk + 66, *sgn = blk + 74, *sc = blk + 106;
        int g, k, j;
        for (g = 0; g < 8; g++) {
            const int s = (sc[g >> 1] >> (4 * (g & 1))) & 15;
            const float dl = d * (float)(1 + 2 * s);
            for (k = 0; k < 8; k++) {
                const unsigned gi = lo[8 * g + k] | (((unsigned)qh[g] >> k & 1u) << 8);
                const uint32_t e = llml__iq3_s_grid[gi];
                const unsigned bits = (unsigned)sgn[4 * g + (k >> 1)] >> (4 * (k & 1));
                for (j = 0; j < 4; j++) {
                    const float a = dl * (float)((e >> (8 * j)) & 255u);
                    dst[j] = ((bits >> j) & 1u) ? -a : a;
                }
                dst += 4;
            }
        }
    }
}

/* ---- dot products with Q8_K activations (integer sums per block) ------- */

static float llml__dot_iq3_xxs(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    int64_t b, nblk = n / LLML__QK_K;
    float sum = 0.0f;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_XXS_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk)) * a[b].d;
        const uint8_t *idx = blk + 2, *meta = blk + 66;
        const int8_t *q8 = a[b].qs;
        int32_t total = 0;
        int g, q, j;
        for (g = 0; g < 8; g++) {
            const uint32_t word = llml__rd32(meta + 4 * g);
            int32_t gs = 0;
            for (q = 0; q < 4; q++) {
                const unsigned sg = llml__iq3_signs8((word >> (7 * q)) & 127u);
                const uint32_t e0 = llml__iq3_xxs_grid[idx[2 * q]];
                const uint32_t e1 = llml__iq3_xxs_grid[idx[2 * q + 1]];
                for (j = 0; j < 4; j++) {
                    const int32_t p0 = (int32_t)((e0 >> (8 * j)) & 255u) * q8[j];
                    const int32_t p1 = (int32_t)((e1 >> (8 * j)) & 255u) * q8[4 + j];
                    gs += ((sg >> j) & 1u) ? -p0 : p0;
                    gs += ((sg >> (4 + j)) & 1u) ? -p1 : p1;
                }
                q8 += 8;
            }
            total += gs * (int32_t)(2 * (word >> 28) + 1);
            idx += 8;
        }
        sum += d * (float)total;
    }
    return 0.25f * sum;
}

static float llml__dot_iq3_s(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    int64_t b, nblk = n / LLML__QK_K;
    float sum = 0.0f;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_S_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk)) * a[b].d;
        const uint8_t *lo = blk + 2, *qh = blk + 66, *sgn = blk + 74, *sc = blk + 106;
        const int8_t *q8 = a[b].qs;
        int32_t total = 0;
        int g, k, j;
        for (g = 0; g < 8; g++) {
            const int32_t s = (sc[g >> 1] >> (4 * (g & 1))) & 15;
            int32_t gs = 0;
            for (k = 0; k < 8; k++) {
                const unsigned gi = lo[8 * g + k] | (((unsigned)qh[g] >> k & 1u) << 8);
                const uint32_t e = llml__iq3_s_grid[gi];
                const unsigned bits = (unsigned)sgn[4 * g + (k >> 1)] >> (4 * (k & 1));
                for (j = 0; j < 4; j++) {
                    const int32_t p = (int32_t)((e >> (8 * j)) & 255u) * q8[j];
                    gs += ((bits >> j) & 1u) ? -p : p;
                }
                q8 += 4;
            }
            total += gs * (2 * s + 1);
        }
        sum += d * (float)total;
    }
    return sum;
}

/* ---- quantization -------------------------------------------------------
   Lookup tables built per call (no globals): the level quad of every grid
   entry; a map from each of the 4096 level quads to its grid index, or, for
   quads not on the grid, to a list of nearby grid entries (all entries at
   the 2 (grid of 256) or 3 (grid of 512) smallest distinct distances, in
   order of distance then index). */

typedef struct llml__iq3_tabs {
    int ngrid;
    uint8_t *lv;        /* ngrid x 4 levels */
    int32_t *map;       /* key -> grid index (>= 0) or -(1 + list start)  */
    uint16_t *nbr;      /* lists: count, then that many grid indices       */
    size_t nbr_len;     /* capacity of nbr, in entries                     */
} llml__iq3_tabs;

static void llml__iq3_tabs_free(llml__iq3_tabs *t) {
    llml__free(NULL, t->lv, (size_t)t->ngrid * 4);
    llml__free(NULL, t->map, LLML__IQ3_NKEYS * sizeof(int32_t));
    llml__free(NULL, t->nbr, t->nbr_len * sizeof(uint16_t));
    t->lv = NULL; t->map = NULL; t->nbr = NULL;
}

/* Grid entries nearest to level quad `key` (see above), written to out;
   returns how many (at most ngrid). dist: ngrid ints of scratch. */
static int llml__iq3_nearest(const llml__iq3_tabs *t, int key, int nwant, int *dist, uint16_t *out) {
    int p[4], th[3], nth = 0, j, k, m, cnt = 0;
    for (k = 0; k < 4; k++) p[k] = (key >> (3 * k)) & 7;
    for (j = 0; j < t->ngrid; j++) {
        const uint8_t *l = t->lv + 4 * j;
        int d2 = 0;
        for (k = 0; k < 4; k++) d2 += (l[k] - p[k]) * (l[k] - p[k]);
        dist[j] = d2;
        /* keep th[0..nth-1]: the nwant smallest distinct distances, ascending */
        if (nth == nwant && d2 >= th[nth - 1]) continue;
        for (m = 0; m < nth && th[m] < d2; m++) {}
        if (m < nth && th[m] == d2) continue;
        if (nth < nwant) nth++;
        for (k = nth - 1; k > m; k--) th[k] = th[k - 1];
        th[m] = d2;
    }
    for (m = 0; m < nth; m++)
        for (j = 0; j < t->ngrid; j++)
            if (dist[j] == th[m]) out[cnt++] = (uint16_t)j;
    return cnt;
}

static llml_result llml__iq3_tabs_init(llml__iq3_tabs *t, int xxs) {
    const uint32_t *grid = xxs ? llml__iq3_xxs_grid : llml__iq3_s_grid;
    const int ngrid = xxs ? 256 : 512, nwant = xxs ? 2 : 3;
    int *dist;
    int i, j, key;
    size_t pos = 0;
    t->ngrid = ngrid;
    t->nbr_len = (size_t)16384;
    t->lv = LLML__CAST(uint8_t *, llml__alloc(NULL, (size_t)ngrid * 4, 16));
    t->map = LLML__CAST(int32_t *, llml__alloc(NULL, LLML__IQ3_NKEYS * sizeof(int32_t), 16));
    t->nbr = LLML__CAST(uint16_t *, llml__alloc(NULL, t->nbr_len * sizeof(uint16_t), 16));
    dist = LLML__CAST(int *, llml__alloc(NULL, (size_t)ngrid * sizeof(int), 16));
    if (!t->lv || !t->map || !t->nbr || !dist) goto oom;
    for (key = 0; key < LLML__IQ3_NKEYS; key++) t->map[key] = -1;
    for (i = 0; i < ngrid; i++) {
        int k = 0;
        for (j = 0; j < 4; j++) {
            const int v = (int)((grid[i] >> (8 * j)) & 255u);
            const int l = xxs ? (v - 4) >> 3 : (v - 1) >> 1;   /* 62 -> 7 in iq3_xxs */
            t->lv[4 * i + j] = (uint8_t)l;
            k |= l << (3 * j);
        }
        t->map[k] = i;
    }
    for (key = 0; key < LLML__IQ3_NKEYS; key++) {
        int cnt;
        if (t->map[key] >= 0) continue;
        if (pos + 1 + (size_t)ngrid > t->nbr_len) {   /* grow the list storage */
            uint16_t *grown = LLML__CAST(uint16_t *, llml__alloc(NULL, 2 * t->nbr_len * sizeof(uint16_t), 16));
            if (!grown) goto oom;
            memcpy(grown, t->nbr, pos * sizeof(uint16_t));
            llml__free(NULL, t->nbr, t->nbr_len * sizeof(uint16_t));
            t->nbr = grown;
            t->nbr_len *= 2;
        }
        cnt = llml__iq3_nearest(t, key, nwant, dist, t->nbr + pos + 1);
        t->nbr[pos] = (uint16_t)cnt;
        t->map[key] = -(int32_t)(pos + 1);
        pos += 1 + (size_t)cnt;
    }
    llml__free(NULL, dist, (size_t)ngrid * sizeof(int));
    return LLML_OK;
oom:
    llml__free(NULL, dist, (size_t)ngrid * sizeof(int));
    llml__iq3_tabs_free(t);
    return LLML_ERR_OUT_OF_MEMORY;
}

/* Among the neighbours of an off-grid quad, the entry closest to the values
   xv (weights w) at the given scale; its levels go to L. */
static int llml__iq3_best_neighbour(const llml__iq3_tabs *t, int key, const float *xv,
                                    const float *w, float scale, int8_t *L) {
    const uint16_t *list = t->nbr + (-t->map[key] - 1);
    int j, i, best = list[1];
    float best_d2 = FLT_MAX;
    for (j = 1; j <= (int)list[0]; j++) {
        const uint8_t *l = t->lv + 4 * list[j];
        float d2 = 0.0f;
        for (i = 0; i < 4; i++) {
            const float diff = scale * (float)(2 * l[i] + 1) - xv[i];
            d2 += w[i] * diff * diff;
        }
        if (d2 < best_d2) { best_d2 = d2; best = list[j]; }
    }
    for (i = 0; i < 4; i++) L[i] = (int8_t)t->lv[4 * best + i];
    return best;
}

static int llml__iq3_key(const int8_t *L) {
    return L[0] | (L[1] << 3) | (L[2] << 6) | (L[3] << 9);
}

/* Levels of the 4 values xv at inverse scale id, clamped to 0..7. */
static int llml__iq3_round_quad(const float *xv, float id, int8_t *L) {
    int i;
    for (i = 0; i < 4; i++) {
        const int l = llml__nearest_int(0.5f * (id * xv[i] - 1));
        L[i] = (int8_t)LLML__MAX(0, LLML__MIN(7, l));
    }
    return llml__iq3_key(L);
}

/* Weighted least-squares scale terms of levels L against xv. */
static void llml__iq3_fit(const float *xv, const float *w, const int8_t *L, float *sumqx, float *sumq2) {
    float a = 0.0f, b = 0.0f;
    int i;
    for (i = 0; i < 32; i++) {
        const float q = (float)(2 * L[i] + 1);
        a += w[i] * xv[i] * q;
        b += w[i] * q * q;
    }
    *sumqx = a; *sumq2 = b;
}

/* Quantize one block of 256 (x) into out (98 or 110 bytes). qw: the 256
   importance weights of these columns, or NULL. */
static void llml__iq3_quant_block(const llml__iq3_tabs *t, int xxs, const float *x,
                                  const float *qw, uint8_t *out) {
    float scales[8], w[32], waux[32], xv[32];
    int8_t L[32], Lt[32];
    int on[8], on_t[8];
    uint16_t gidx[64];
    uint32_t sgn[8];          /* xxs: 28 packed sign bits; s: 4 sign bytes */
    float sumx2 = 0.0f, sigma2, max_scale = 0.0f, d, id;
    const int is_lim = xxs ? 15 : 9;
    int g, i, k;

    for (i = 0; i < LLML__QK_K; i++) sumx2 += x[i] * x[i];
    sigma2 = 2 * sumx2 / LLML__QK_K;
    memset(gidx, 0, sizeof gidx);

    for (g = 0; g < 8; g++) {
        const float *xg = x + 32 * g;
        float max, best = 0.0f, scale, sumqx, sumq2;
        uint8_t bs[4];
        int is, n_off = 0;
        if (qw) {
            for (i = 0; i < 32; i++) w[i] = qw[32 * g + i] * sqrtf(sigma2 + xg[i] * xg[i]);
        } else {
            for (i = 0; i < 32; i++) w[i] = xg[i] * xg[i];
        }
        for (i = 0; i < 32; i++) waux[i] = sqrtf(w[i]);
        /* magnitudes and signs, 8 at a time; iq3_xxs needs an even number of
           negatives, so the cheapest (least weighted) one is flipped back */
        for (k = 0; k < 4; k++) {
            unsigned s = 0;
            int neg = 0;
            for (i = 0; i < 8; i++) {
                const float v = xg[8 * k + i];
                if (v >= 0) xv[8 * k + i] = v;
                else { xv[8 * k + i] = -v; s |= 1u << i; neg++; }
            }
            if (xxs && (neg & 1)) {
                int imin = 0;
                float vmin = w[8 * k] * xg[8 * k] * xg[8 * k];
                for (i = 1; i < 8; i++) {
                    const float c = w[8 * k + i] * xg[8 * k + i] * xg[8 * k + i];
                    if (c < vmin) { vmin = c; imin = i; }
                }
                xv[8 * k + imin] = -xv[8 * k + imin];
                s ^= 1u << imin;
            }
            bs[k] = (uint8_t)(xxs ? (s & 127u) : s);
        }
        max = xv[0];
        for (i = 1; i < 32; i++) max = LLML__MAX(max, xv[i]);
        memset(L, 0, sizeof L);
        sgn[g] = 0;
        scales[g] = 0.0f;
        if (xxs ? max < 1e-8f : max == 0) continue;

        /* scan trial scales around max/15; keep the best weighted fit */
        scale = max / 15;
        for (k = 0; k < 8; k++) on[k] = xxs;
        for (is = -is_lim; is <= is_lim; is++) {
            const float inv = (15 + (float)is * 0.2f) / max;
            const float this_scale = 1 / inv;
            for (k = 0; k < 8; k++) {
                const int key = llml__iq3_round_quad(xv + 4 * k, inv, Lt + 4 * k);
                on_t[k] = t->map[key] >= 0;
                if (!on_t[k]) llml__iq3_best_neighbour(t, key, xv + 4 * k, waux + 4 * k, this_scale, Lt + 4 * k);
            }
            llml__iq3_fit(xv, w, Lt, &sumqx, &sumq2);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2;
                best = scale * sumqx;
                memcpy(L, Lt, sizeof L);
                memcpy(on, on_t, sizeof on);
            }
        }
        /* re-round quads that had to be moved to the grid at the final scale
           (iq3_s: every quad) and refit */
        for (k = 0; k < 8; k++) n_off += !on[k];
        if (n_off > 0 && scale > 0) {
            const float inv = 1 / scale;
            for (k = 0; k < 8; k++) {
                int key;
                if (xxs && on[k]) continue;
                key = llml__iq3_round_quad(xv + 4 * k, inv, L + 4 * k);
                if (t->map[key] < 0) llml__iq3_best_neighbour(t, key, xv + 4 * k, waux + 4 * k, scale, L + 4 * k);
            }
            llml__iq3_fit(xv, w, L, &sumqx, &sumq2);
            if (sumq2 > 0) scale = sumqx / sumq2;
        }
        if (scale < 0) {   /* not expected; keep the stored scale positive */
            scale = -scale;
            for (k = 0; k < 4; k++) bs[k] = (uint8_t)(~bs[k] & (xxs ? 127u : 255u));
        }
        for (k = 0; k < 8; k++) {
            const int32_t gi = t->map[llml__iq3_key(L + 4 * k)];
            gidx[8 * g + k] = (uint16_t)(gi >= 0 ? gi : 0);   /* L is always on the grid */
        }
        if (xxs) sgn[g] = (uint32_t)bs[0] | ((uint32_t)bs[1] << 7) | ((uint32_t)bs[2] << 14) | ((uint32_t)bs[3] << 21);
        else sgn[g] = (uint32_t)bs[0] | ((uint32_t)bs[1] << 8) | ((uint32_t)bs[2] << 16) | ((uint32_t)bs[3] << 24);
        scales[g] = scale;
        max_scale = LLML__MAX(max_scale, scale);
    }

    /* the block: super-scale max_scale/31 (times a small empirical factor),
       group scales rounded to odd multiples 2s+1 of it */
    if (xxs) {
        memset(out, 0, LLML__IQ3_XXS_BYTES);
        if (max_scale == 0) return;             /* all groups ~0: d = 0 */
        d = max_scale / 31;
        llml__wr16(out, llml_fp32_to_fp16(d * 1.0125f));
        id = 1 / d;
        for (i = 0; i < 64; i++) out[2 + i] = (uint8_t)gidx[i];
        for (g = 0; g < 8; g++) {
            const int l = llml__nearest_int(0.5f * (id * scales[g] - 1));
            llml__wr32(out + 66 + 4 * g, sgn[g] | ((uint32_t)LLML__MAX(0, LLML__MIN(15, l)) << 28));
        }
    } else {
        memset(out, 0, LLML__IQ3_S_BYTES);
        for (i = 0; i < 64; i++) {
            out[2 + i] = (uint8_t)(gidx[i] & 255);
            out[66 + i / 8] = (uint8_t)(out[66 + i / 8] | ((gidx[i] >> 8) << (i % 8)));
        }
        for (g = 0; g < 8; g++) llml__wr32(out + 74 + 4 * g, sgn[g]);
        if (max_scale == 0) return;
        d = max_scale / 31;
        llml__wr16(out, llml_fp32_to_fp16(d * 1.033f));
        id = 1 / d;
        for (g = 0; g < 8; g++) {
            const int l = llml__nearest_int(0.5f * (id * scales[g] - 1));
            out[106 + g / 2] = (uint8_t)(out[106 + g / 2] | (LLML__MAX(0, LLML__MIN(15, l)) << (4 * (g & 1))));
        }
    }
}

static llml_result llml__iq3_quant(int xxs, const float *src, void *dst, int64_t nrows,
                                   int64_t n_per_row, const float *imatrix) {
    llml__iq3_tabs t;
    const size_t bytes = xxs ? LLML__IQ3_XXS_BYTES : LLML__IQ3_S_BYTES;
    const int64_t nblk = n_per_row / LLML__QK_K;
    uint8_t *out = (uint8_t *)dst;
    int64_t r, b;
    llml_result res = llml__iq3_tabs_init(&t, xxs);
    if (res != LLML_OK) return res;
    for (r = 0; r < nrows; r++) {
        const float *row = src + r * n_per_row;
        for (b = 0; b < nblk; b++, out += bytes)
            llml__iq3_quant_block(&t, xxs, row + b * LLML__QK_K, imatrix ? imatrix + b * LLML__QK_K : NULL, out);
    }
    llml__iq3_tabs_free(&t);
    return LLML_OK;
}

static llml_result llml__quant_iq3_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq3_quant(1, src, dst, nrows, n_per_row, imatrix);
}

static llml_result llml__quant_iq3_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq3_quant(0, src, dst, nrows, n_per_row, imatrix);
}
/* ------------------------------------------------------------------------ */
/* >>quant_iq1  IQ1_S and IQ1_M: ternary octets on a 2048-point grid         */
/* ------------------------------------------------------------------------ */
/* Both formats cut a block of 256 weights into octets of 8. An octet stores
   an 11-bit index into a grid of 2048 ternary vectors (coordinates -1, 0,
   +1) and a sign bit s that shifts the whole octet by delta = -/+ 0.125:
       weight = dl * (g + delta),  delta = s ? -0.125 : +0.125,
   where dl = d * (2l + 1) with a 3-bit sub-scale l and an fp16 scale d.

   iq1_s, 50 bytes:  d fp16 @0 | index low bytes [32] @2 | 8 little-endian
                     u16 @34, one per group of 32 (4 octets): bits 3k..3k+2
                     are the index bits 8..10 of octet k, bits 12..14 the
                     sub-scale l, bit 15 the sign s of the whole group.
   iq1_m, 56 bytes:  index low bytes [32] @0 | qh [16] @32: byte h covers
                     octets 2h (low nibble) and 2h+1 (high nibble); bits 0..2
                     of a nibble are index bits 8..10, bit 3 the sign s of
                     that octet | 4 little-endian u16 @48: bits 3j..3j+2 of
                     word w are the sub-scale l of group of 16 number 4w+j
                     (each group of 16 = 2 octets); the top nibbles of the
                     four words, word 0 lowest, form the fp16 bits of d.

   The dot products take Q8_K activations and accumulate in integers; the
   delta term uses the activation sums (Q8_K bsums for iq1_s, whose sign
   bit spans 32 weights; per-octet sums for iq1_m).

   Quantization (after the reference's IQ1 algorithm): for each group (32
   weights in iq1_s, 16 in iq1_m) the weighted least-squares problem with
   values {-1, 0, 1} + delta is solved exactly over all ways to split the
   sorted weights into three runs and over the delta signs; octets that
   fall off the grid move to the best of their nearest grid points. Weights
   are imatrix[i] * sqrt(sigma2 + x[i]^2) (sigma2 = 2 * mean x^2 of the
   block). Without an imatrix both formats use sqrt(sigma2 + x[i]^2), i.e.
   a constant importance. (The reference refuses iq1_s without an imatrix
   and weighs iq1_m by x[i]^2; on Gaussian data x^2 gives a relative RMS
   error of 0.63 / 0.58 for iq1_s / iq1_m, this fallback 0.48 / 0.45.)
   Deviation from the reference: an all-zero group is coded with the zero
   octet (values +/- 0.125 * dl) instead of index 0 (values -0.875 * dl). */

#define LLML__IQ1_DELTA 0.125f   /* IQ1S_DELTA and IQ1M_DELTA */
#define LLML__IQ1_NGRID 2048
#define LLML__IQ1_NKEYS 6561     /* 3^8 ternary octets */
#define LLML__IQ1_ZERO_KEY 3280  /* the octet of zeros: level 1 everywhere */

/* The 2048 points of the IQ1_S/IQ1_M grid: 8 coordinates in {-1,0,1}, two
   bits each (coordinate j = ((key >> 2j) & 3) - 1), in index order. */
static const uint16_t llml__iq1_grid[2048] = {
        0,     2,     5,     8,    10,    17,    21,    32,    34,    40,    42,    69,
       81,    84,    86,   101,   128,   130,   136,   138,   149,   160,   162,   168,
      170,   260,   261,   273,   276,   278,   281,   282,   293,   321,   326,   329,
      338,   341,   346,   353,   356,   358,   360,   389,   401,   404,   406,   421,
      512,   514,   520,   522,   533,   544,   546,   552,   554,   581,   593,   601,
      612,   617,   640,   642,   648,   650,   657,   661,   665,   672,   674,   680,
      682,  1041,  1044,  1046,  1061,  1089,  1097,  1109,  1114,  1124,  1125,  1169,
     1177,  1189,  1281,  1284,  1285,  1286,  1301,  1304,  1306,  1321,  1344,  1349,
     1354,  1360,  1361,  1364,  1365,  1366,  1369,  1376,  1378,  1381,  1384,  1386,
     1409,  1425,  1429,  1432,  1434,  1441,  1444,  1445,  1446,  1449,  1556,  1561,
     1601,  1604,  1616,  1618,  1621,  1624,  1632,  1633,  1638,  1641,  1669,  1681,
     1684,  1689,  2048,  2050,  2056,  2058,  2069,  2080,  2082,  2088,  2090,  2117,
     2129,  2134,  2149,  2176,  2178,  2184,  2186,  2197,  2208,  2210,  2216,  2218,
     2309,  2321,  2324,  2329,  2340,  2341,  2369,  2384,  2385,  2389,  2401,  2404,
     2409,  2449,  2452,  2454,  2457,  2469,  2560,  2562,  2568,  2570,  2581,  2592,
     2594,  2600,  2602,  2629,  2641,  2649,  2657,  2661,  2688,  2690,  2693,  2696,
     2698,  2709,  2720,  2722,  2728,  2730,  4112,  4113,  4116,  4121,  4132,  4133,
     4161,  4164,  4176,  4181,  4184,  4193,  4196,  4197,  4201,  4241,  4244,  4246,
     4257,  4261,  4353,  4356,  4358,  4361,  4368,  4370,  4373,  4376,  4385,  4388,
     4393,  4421,  4426,  4432,  4433,  4434,  4436,  4437,  4438,  4441,  4448,  4453,
     4484,  4498,  4501,  4513,  4516,  4625,  4628,  4630,  4645,  4672,  4678,  4681,
     4690,  4693,  4696,  4698,  4708,  4710,  4741,  4753,  4756,  4758,  4773,  5121,
     5126,  5129,  5140,  5141,  5144,  5145,  5153,  5158,  5185,  5189,  5190,  5192,
     5194,  5201,  5204,  5205,  5206,  5209,  5218,  5221,  5224,  5252,  5257,  5264,
     5268,  5269,  5272,  5273,  5274,  5281,  5284,  5285,  5289,  5378,  5381,  5386,
     5393,  5396,  5397,  5398,  5401,  5408,  5410,  5413,  5416,  5418,  5441,  5444,
     5445,  5446,  5457,  5458,  5460,  5461,  5462,  5465,  5466,  5473,  5476,  5477,
     5478,  5481,  5504,  5506,  5508,  5509,  5512,  5514,  5520,  5521,  5524,  5525,
     5526,  5529,  5530,  5536,  5538,  5541,  5633,  5636,  5637,  5638,  5653,  5654,
     5656,  5658,  5665,  5670,  5696,  5698,  5700,  5701,  5704,  5706,  5713,  5717,
     5718,  5720,  5721,  5729,  5732,  5733,  5736,  5737,  5738,  5766,  5770,  5778,
     5781,  5796,  5801,  6161,  6166,  6181,  6209,  6212,  6214,  6217,  6224,  6229,
     6232,  6234,  6240,  6241,  6244,  6246,  6249,  6277,  6289,  6292,  6309,  6416,
     6418,  6421,  6426,  6433,  6437,  6466,  6468,  6469,  6472,  6481,  6484,  6485,
     6486,  6489,  6490,  6496,  6501,  6506,  6537,  6545,  6546,  6549,  6552,  6561,
     6566,  6569,  6665,  6678,  6692,  6694,  6724,  6726,  6729,  6736,  6738,  6741,
     6744,  6753,  6758,  6761,  6789,  6801,  6806,  6810,  8192,  8194,  8200,  8202,
     8213,  8224,  8226,  8229,  8232,  8234,  8261,  8273,  8281,  8289,  8293,  8320,
     8322,  8328,  8330,  8341,  8352,  8354,  8357,  8360,  8362,  8453,  8465,  8468,
     8473,  8485,  8514,  8516,  8521,  8533,  8536,  8538,  8545,  8548,  8549,  8550,
     8581,  8592,  8598,  8601,  8613,  8705,  8712,  8714,  8721,  8725,  8736,  8738,
     8744,  8746,  8773,  8785,  8790,  8793,  8805,  8833,  8840,  8842,  8849,  8853,
     8864,  8866,  8872,  8874,  9221,  9236,  9238,  9241,  9253,  9284,  9285,  9286,
     9289,  9298,  9301,  9304,  9306,  9318,  9349,  9361,  9364,  9369,  9377,  9381,
     9481,  9493,  9505,  9513,  9536,  9541,  9544,  9553,  9556,  9557,  9561,  9570,
     9573,  9576,  9609,  9616,  9620,  9621,  9624,  9626,  9633,  9636,  9638,  9641,
     9733,  9744,  9746,  9753,  9765,  9793,  9801,  9813,  9824,  9825,  9833,  9860,
     9862,  9872,  9882, 10240, 10242, 10248, 10250, 10261, 10272, 10274, 10280, 10282,
    10309, 10321, 10324, 10341, 10368, 10370, 10376, 10378, 10400, 10402, 10408, 10410,
    10505, 10513, 10516, 10521, 10533, 10566, 10569, 10578, 10581, 10593, 10596, 10598,
    10601, 10629, 10640, 10646, 10649, 10660, 10661, 10752, 10754, 10760, 10762, 10784,
    10786, 10792, 10794, 10821, 10833, 10838, 10841, 10853, 10880, 10882, 10888, 10890,
    10901, 10912, 10914, 10920, 10922, 16389, 16401, 16406, 16421, 16457, 16466, 16469,
    16472, 16474, 16481, 16484, 16486, 16532, 16537, 16545, 16550, 16640, 16641, 16644,
    16646, 16649, 16658, 16661, 16662, 16664, 16666, 16673, 16678, 16681, 16709, 16712,
    16714, 16721, 16724, 16725, 16726, 16729, 16730, 16741, 16744, 16746, 16769, 16772,
    16774, 16784, 16786, 16789, 16800, 16801, 16802, 16901, 16913, 16916, 16918, 16933,
    16961, 16978, 16981, 16986, 16996, 17001, 17033, 17044, 17061, 17409, 17429, 17433,
    17449, 17477, 17480, 17482, 17489, 17492, 17493, 17494, 17505, 17506, 17509, 17512,
    17514, 17537, 17542, 17545, 17552, 17554, 17557, 17568, 17569, 17577, 17665, 17666,
    17669, 17674, 17681, 17684, 17685, 17686, 17689, 17696, 17701, 17706, 17729, 17732,
    17733, 17734, 17737, 17744, 17745, 17748, 17749, 17750, 17752, 17753, 17761, 17764,
    17765, 17766, 17769, 17794, 17796, 17797, 17800, 17809, 17812, 17813, 17814, 17817,
    17818, 17829, 17832, 17834, 17921, 17925, 17929, 17940, 17941, 17944, 17946, 17953,
    17956, 17961, 17984, 17986, 17989, 17992, 18000, 18001, 18002, 18005, 18006, 18009,
    18018, 18021, 18024, 18049, 18053, 18058, 18068, 18069, 18081, 18084, 18086, 18437,
    18449, 18453, 18458, 18469, 18498, 18505, 18512, 18517, 18520, 18529, 18532, 18534,
    18537, 18565, 18577, 18580, 18582, 18585, 18597, 18689, 18693, 18694, 18698, 18704,
    18708, 18709, 18712, 18721, 18724, 18726, 18752, 18757, 18762, 18769, 18770, 18772,
    18773, 18774, 18777, 18784, 18786, 18789, 18790, 18794, 18822, 18825, 18834, 18837,
    18838, 18840, 18849, 18852, 18854, 18857, 18966, 19012, 19014, 19017, 19029, 19032,
    19034, 19044, 19049, 19092, 19109, 20481, 20484, 20485, 20486, 20489, 20498, 20501,
    20506, 20513, 20516, 20521, 20544, 20549, 20552, 20561, 20564, 20565, 20566, 20569,
    20581, 20584, 20614, 20617, 20629, 20632, 20640, 20641, 20646, 20649, 20741, 20744,
    20745, 20746, 20753, 20756, 20757, 20758, 20760, 20761, 20768, 20773, 20774, 20776,
    20778, 20801, 20804, 20805, 20806, 20809, 20816, 20817, 20818, 20820, 20821, 20822,
    20824, 20825, 20826, 20833, 20836, 20837, 20838, 20841, 20866, 20869, 20881, 20884,
    20885, 20886, 20889, 20896, 20901, 20906, 20993, 20998, 21010, 21013, 21018, 21025,
    21028, 21058, 21061, 21066, 21073, 21076, 21077, 21078, 21081, 21090, 21093, 21125,
    21136, 21138, 21141, 21145, 21146, 21156, 21508, 21509, 21521, 21524, 21525, 21526,
    21528, 21529, 21537, 21541, 21544, 21546, 21569, 21572, 21573, 21574, 21577, 21578,
    21584, 21585, 21588, 21589, 21590, 21592, 21593, 21594, 21601, 21602, 21604, 21605,
    21606, 21609, 21632, 21640, 21642, 21649, 21652, 21653, 21654, 21657, 21665, 21668,
    21669, 21674, 21761, 21762, 21764, 21765, 21766, 21769, 21776, 21777, 21778, 21780,
    21781, 21782, 21785, 21786, 21793, 21796, 21797, 21798, 21801, 21824, 21825, 21826,
    21828, 21829, 21830, 21832, 21833, 21840, 21841, 21842, 21844, 21845, 21846, 21848,
    21849, 21850, 21856, 21857, 21860, 21861, 21862, 21864, 21865, 21866, 21889, 21892,
    21893, 21897, 21898, 21904, 21905, 21908, 21909, 21910, 21912, 21913, 21921, 21924,
    21925, 21926, 21929, 22016, 22017, 22018, 22020, 22022, 22024, 22025, 22033, 22036,
    22037, 22040, 22041, 22048, 22049, 22050, 22052, 22053, 22054, 22056, 22057, 22081,
    22085, 22086, 22088, 22089, 22090, 22096, 22097, 22098, 22100, 22101, 22102, 22104,
    22105, 22106, 22113, 22116, 22117, 22121, 22146, 22149, 22150, 22152, 22153, 22154,
    22161, 22165, 22170, 22178, 22181, 22182, 22184, 22185, 22532, 22533, 22534, 22537,
    22544, 22549, 22552, 22561, 22570, 22597, 22600, 22602, 22609, 22612, 22613, 22614,
    22616, 22617, 22624, 22626, 22628, 22629, 22658, 22665, 22672, 22674, 22677, 22680,
    22689, 22697, 22785, 22786, 22789, 22794, 22801, 22804, 22805, 22806, 22809, 22821,
    22849, 22852, 22853, 22854, 22857, 22864, 22865, 22866, 22868, 22869, 22870, 22872,
    22873, 22874, 22881, 22884, 22885, 22886, 22889, 22913, 22917, 22921, 22929, 22932,
    22933, 22934, 22936, 22937, 22949, 23044, 23048, 23061, 23066, 23072, 23077, 23078,
    23081, 23109, 23112, 23113, 23121, 23125, 23126, 23128, 23129, 23138, 23141, 23144,
    23146, 23169, 23178, 23186, 23189, 23190, 23192, 23194, 23201, 24581, 24596, 24598,
    24601, 24613, 24644, 24656, 24661, 24662, 24664, 24666, 24673, 24676, 24678, 24681,
    24705, 24726, 24741, 24833, 24836, 24838, 24841, 24850, 24853, 24865, 24866, 24870,
    24873, 24901, 24905, 24913, 24917, 24918, 24921, 24933, 24934, 24938, 24964, 24970,
    24978, 24981, 24993, 24998, 25001, 25105, 25110, 25113, 25152, 25153, 25158, 25173,
    25174, 25176, 25184, 25221, 25233, 25238, 25253, 25617, 25618, 25621, 25622, 25626,
    25633, 25638, 25641, 25664, 25666, 25669, 25672, 25674, 25681, 25684, 25685, 25686,
    25689, 25690, 25696, 25698, 25701, 25732, 25733, 25737, 25744, 25746, 25748, 25749,
    25750, 25752, 25754, 25761, 25764, 25769, 25861, 25864, 25866, 25873, 25877, 25878,
    25881, 25924, 25925, 25926, 25929, 25936, 25937, 25940, 25941, 25942, 25945, 25953,
    25956, 25957, 25958, 25961, 25990, 25993, 25994, 26001, 26005, 26006, 26009, 26010,
    26018, 26021, 26022, 26024, 26114, 26121, 26133, 26144, 26150, 26152, 26153, 26176,
    26181, 26184, 26186, 26193, 26196, 26197, 26198, 26200, 26202, 26208, 26213, 26216,
    26240, 26242, 26245, 26250, 26260, 26262, 26264, 26265, 26272, 26276, 26278, 26282,
    26646, 26649, 26661, 26689, 26706, 26709, 26714, 26721, 26729, 26757, 26769, 26776,
    26790, 26881, 26884, 26896, 26901, 26913, 26916, 26918, 26921, 26944, 26945, 26949,
    26950, 26952, 26961, 26964, 26965, 26966, 26969, 26976, 26981, 26986, 27010, 27012,
    27018, 27029, 27041, 27044, 27045, 27049, 27153, 27158, 27160, 27201, 27204, 27209,
    27216, 27221, 27224, 27226, 27236, 27237, 27241, 27270, 27284, 27288, 27290, 27302,
    32768, 32770, 32776, 32778, 32800, 32802, 32808, 32810, 32837, 32848, 32849, 32852,
    32854, 32857, 32869, 32896, 32898, 32904, 32906, 32917, 32928, 32930, 32936, 32938,
    33029, 33041, 33044, 33046, 33049, 33061, 33089, 33092, 33097, 33104, 33106, 33109,
    33110, 33112, 33113, 33124, 33126, 33129, 33157, 33161, 33172, 33174, 33177, 33189,
    33280, 33282, 33288, 33290, 33301, 33312, 33314, 33320, 33322, 33361, 33364, 33369,
    33381, 33408, 33410, 33416, 33418, 33429, 33440, 33442, 33448, 33450, 33812, 33817,
    33857, 33860, 33873, 33877, 33882, 33889, 33892, 33897, 33940, 33945, 34049, 34057,
    34066, 34069, 34074, 34086, 34089, 34112, 34113, 34117, 34120, 34129, 34132, 34133,
    34134, 34137, 34138, 34149, 34150, 34152, 34154, 34177, 34180, 34182, 34185, 34192,
    34194, 34197, 34200, 34214, 34321, 34326, 34329, 34341, 34369, 34372, 34377, 34378,
    34384, 34389, 34393, 34394, 34401, 34406, 34410, 34437, 34449, 34458, 34468, 34816,
    34818, 34824, 34826, 34837, 34848, 34850, 34856, 34858, 34881, 34885, 34897, 34900,
    34905, 34917, 34921, 34944, 34946, 34952, 34954, 34965, 34976, 34978, 34984, 34986,
    35077, 35078, 35089, 35092, 35094, 35109, 35137, 35140, 35142, 35145, 35152, 35154,
    35157, 35162, 35169, 35172, 35205, 35222, 35225, 35237, 35328, 35330, 35336, 35338,
    35349, 35360, 35362, 35368, 35370, 35397, 35409, 35412, 35414, 35456, 35458, 35464,
    35466, 35477, 35488, 35490, 35496, 35498, 36869, 36881, 36886, 36888, 36889, 36901,
    36929, 36934, 36937, 36949, 36952, 36954, 36969, 36970, 36997, 37009, 37012, 37014,
    37017, 37029, 37121, 37124, 37126, 37129, 37136, 37141, 37144, 37146, 37153, 37156,
    37158, 37161, 37184, 37189, 37200, 37201, 37204, 37205, 37206, 37209, 37218, 37221,
    37252, 37254, 37266, 37269, 37272, 37281, 37284, 37286, 37289, 37381, 37393, 37396,
    37401, 37413, 37444, 37446, 37449, 37456, 37458, 37461, 37464, 37478, 37481, 37509,
    37524, 37526, 37545, 37889, 37892, 37894, 37904, 37909, 37912, 37926, 37952, 37962,
    37969, 37972, 37973, 37974, 37976, 37977, 37984, 37985, 37986, 37989, 38020, 38022,
    38034, 38036, 38037, 38040, 38049, 38057, 38144, 38149, 38152, 38154, 38160, 38161,
    38164, 38165, 38166, 38169, 38177, 38181, 38185, 38186, 38209, 38212, 38213, 38214,
    38217, 38224, 38225, 38226, 38228, 38229, 38230, 38232, 38233, 38234, 38241, 38244,
    38245, 38246, 38249, 38273, 38277, 38280, 38289, 38290, 38292, 38293, 38294, 38297,
    38298, 38304, 38306, 38309, 38312, 38314, 38401, 38404, 38416, 38421, 38425, 38432,
    38438, 38441, 38469, 38472, 38473, 38481, 38482, 38485, 38486, 38489, 38501, 38504,
    38530, 38532, 38537, 38538, 38546, 38548, 38549, 38564, 38566, 38569, 38917, 38934,
    38937, 38949, 38977, 38982, 38992, 38994, 38997, 38998, 39002, 39012, 39013, 39045,
    39057, 39062, 39065, 39077, 39172, 39174, 39177, 39184, 39186, 39189, 39192, 39194,
    39200, 39201, 39204, 39206, 39232, 39234, 39237, 39240, 39242, 39249, 39252, 39253,
    39254, 39257, 39266, 39269, 39270, 39274, 39297, 39300, 39312, 39314, 39317, 39322,
    39329, 39334, 39429, 39445, 39461, 39492, 39494, 39497, 39504, 39509, 39512, 39521,
    39557, 39569, 39572, 39573, 39574, 40960, 40962, 40968, 40970, 40981, 40992, 40994,
    41000, 41002, 41029, 41041, 41044, 41046, 41049, 41088, 41090, 41096, 41098, 41109,
    41120, 41122, 41128, 41130, 41221, 41225, 41233, 41236, 41238, 41241, 41242, 41286,
    41289, 41297, 41301, 41304, 41306, 41313, 41316, 41349, 41360, 41362, 41366, 41369,
    41474, 41480, 41482, 41488, 41497, 41506, 41512, 41514, 41541, 41553, 41558, 41561,
    41573, 41600, 41602, 41608, 41610, 41621, 41632, 41634, 41640, 41642, 42009, 42021,
    42049, 42052, 42064, 42068, 42069, 42072, 42074, 42081, 42085, 42086, 42088, 42089,
    42117, 42246, 42249, 42256, 42258, 42261, 42264, 42278, 42281, 42306, 42309, 42321,
    42324, 42325, 42326, 42329, 42341, 42346, 42369, 42372, 42373, 42374, 42377, 42386,
    42389, 42392, 42501, 42513, 42518, 42522, 42529, 42533, 42564, 42566, 42570, 42578,
    42581, 42582, 42584, 42592, 42594, 42630, 42640, 42645, 42646, 42649, 42657, 42660,
    42662, 43008, 43010, 43016, 43018, 43040, 43042, 43048, 43050, 43089, 43092, 43094,
    43097, 43136, 43138, 43144, 43146, 43157, 43168, 43170, 43176, 43178, 43269, 43284,
    43289, 43297, 43301, 43329, 43344, 43349, 43354, 43361, 43366, 43369, 43408, 43414,
    43520, 43522, 43528, 43530, 43552, 43554, 43560, 43562, 43601, 43604, 43606, 43648,
    43650, 43656, 43658, 43669, 43680, 43682, 43688, 43690,
};

/* Level j (0, 1, 2 for -1, 0, +1) of grid entry i. */
#define LLML__IQ1_LEVEL(i, j) ((int)((llml__iq1_grid[i] >> (2 * (j))) & 3u))

/* ---- dequantization ----------------------------------------------------- */

static void llml__dequant_iq1_s(const void *src, float *dst, int64_t n) {
    const uint8_t *b = (const uint8_t *)src;
    const int64_t nb = n / LLML__QK_K;
    int64_t i;
    int g, k, j;
    for (i = 0; i < nb; i++, b += 50) {
        const float d = llml_fp16_to_fp32(llml__rd16(b));
        for (g = 0; g < 8; g++) {
            const unsigned h = llml__rd16(b + 34 + 2 * g);
            const float dl = d * (float)(2 * (int)((h >> 12) & 7) + 1);
            const float delta = (h & 0x8000u) ? -LLML__IQ1_DELTA : LLML__IQ1_DELTA;
            for (k = 0; k < 4; k++) {
                const unsigned idx = b[2 + 4 * g + k] | (((h >> (3 * k)) & 7u) << 8);
                for (j = 0; j < 8; j++) *dst++ = dl * ((float)(LLML__IQ1_LEVEL(idx, j) - 1) + delta);
            }
        }
    }
}

/* The fp16 super-scale of an iq1_m block, from the top nibbles of its
   four scale words. */
static uint16_t llml__iq1_m_d(const uint8_t *b) {
    unsigned bits = 0;
    int w;
    for (w = 0; w < 4; w++) bits |= (unsigned)(llml__rd16(b + 48 + 2 * w) >> 12) << (4 * w);
    return (uint16_t)bits;
}

/* Sub-scale l of group of 16 number s (0..15) of an iq1_m block. */
static int llml__iq1_m_l(const uint8_t *b, int s) {
    return (int)((llml__rd16(b + 48 + 2 * (s / 4)) >> (3 * (s % 4))) & 7);
}

static void llml__dequant_iq1_m(const void *src, float *dst, int64_t n) {
    const uint8_t *b = (const uint8_t *)src;
    const int64_t nb = n / LLML__QK_K;
    int64_t i;
    int o, j;
    for (i = 0; i < nb; i++, b += 56) {
        const float d = llml_fp16_to_fp32(llml__iq1_m_d(b));
        for (o = 0; o < 32; o++) {             /* octets */
            const unsigned nib = (unsigned)(b[32 + o / 2] >> (4 * (o & 1))) & 15u;
            const unsigned idx = b[o] | ((nib & 7u) << 8);
            const float dl = d * (float)(2 * llml__iq1_m_l(b, o / 2) + 1);
            const float delta = (nib & 8u) ? -LLML__IQ1_DELTA : LLML__IQ1_DELTA;
            for (j = 0; j < 8; j++) *dst++ = dl * ((float)(LLML__IQ1_LEVEL(idx, j) - 1) + delta);
        }
    }
}

/* ---- dot products with Q8_K activations ---------------------------------- */

/* Sum of q8[j] * (grid value j) over one octet. */
static int llml__iq1_octet_dot(unsigned idx, const int8_t *q8) {
    const unsigned key = llml__iq1_grid[idx];
    int j, s = 0;
    for (j = 0; j < 8; j++) s += (int)q8[j] * ((int)((key >> (2 * j)) & 3u) - 1);
    return s;
}

static float llml__dot_iq1_s(const void *w, const void *act, int64_t n) {
    const uint8_t *b = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    const int64_t nb = n / LLML__QK_K;
    float sum = 0.0f;
    int64_t i;
    int g, k;
    for (i = 0; i < nb; i++, b += 50, a++) {
        int grid_sum = 0, delta_sum = 0;   /* in units of d*a.d and 0.125*d*a.d */
        for (g = 0; g < 8; g++) {
            const unsigned h = llml__rd16(b + 34 + 2 * g);
            const int ls = 2 * (int)((h >> 12) & 7) + 1;
            const int asum = a->bsums[2 * g] + a->bsums[2 * g + 1];
            int s = 0;
            for (k = 0; k < 4; k++)
                s += llml__iq1_octet_dot(b[2 + 4 * g + k] | (((h >> (3 * k)) & 7u) << 8), a->qs + 32 * g + 8 * k);
            grid_sum += ls * s;
            delta_sum += (h & 0x8000u) ? -ls * asum : ls * asum;
        }
        sum += llml_fp16_to_fp32(llml__rd16(b)) * a->d * ((float)grid_sum + LLML__IQ1_DELTA * (float)delta_sum);
    }
    return sum;
}

static float llml__dot_iq1_m(const void *w, const void *act, int64_t n) {
    const uint8_t *b = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    const int64_t nb = n / LLML__QK_K;
    float sum = 0.0f;
    int64_t i;
    int o, j;
    for (i = 0; i < nb; i++, b += 56, a++) {
        int grid_sum = 0, delta_sum = 0;
        for (o = 0; o < 32; o++) {
            const unsigned nib = (unsigned)(b[32 + o / 2] >> (4 * (o & 1))) & 15u;
            const int8_t *q8 = a->qs + 8 * o;
            const int ls = 2 * llml__iq1_m_l(b, o / 2) + 1;
            int asum = 0;
            for (j = 0; j < 8; j++) asum += q8[j];
            grid_sum += ls * llml__iq1_octet_dot(b[o] | ((nib & 7u) << 8), q8);
            delta_sum += (nib & 8u) ? -ls * asum : ls * asum;
        }
        sum += llml_fp16_to_fp32(llml__iq1_m_d(b)) * a->d * ((float)grid_sum + LLML__IQ1_DELTA * (float)delta_sum);
    }
    return sum;
}

/* ---- quantization tables ------------------------------------------------ */
/* Built per quantize call: the levels of every grid entry, and a map from
   each of the 3^8 ternary octets (key = sum of level_j * 3^j) to its grid
   index, or, for the 4513 octets off the grid, to a list of the grid
   entries at the 3 smallest distinct distances from it (in order of
   distance, then index). The lists are filled in lazily, the first time an
   octet is met, into storage sized for all of them (LLML__IQ1_NBR_CAP
   entries: 4513 counts + 327721 indices), so small calls stay cheap. */

#define LLML__IQ1_NBR_CAP 332234
#define LLML__IQ1_UNSET INT32_MIN

typedef struct llml__iq1_tabs {
    uint8_t *lv;        /* 2048 x 8 levels                                 */
    int32_t *map;       /* key -> grid index (>= 0), -(1 + list start), or
                           LLML__IQ1_UNSET for a list not yet built        */
    uint16_t *nbr;      /* lists: count, then that many grid indices       */
    size_t nbr_used;    /* entries of nbr filled so far                    */
    uint8_t *scratch;   /* half_d2[81*81] | glo[2048] | ghi[2048] | dist[2048]:
                           squared distances between half-octets (4 levels,
                           81 of them), each grid entry's two half-octet
                           codes, and one octet's distances to the grid    */
} llml__iq1_tabs;

#define LLML__IQ1_SCRATCH (81 * 81 + 3 * LLML__IQ1_NGRID)

static void llml__iq1_tabs_free(llml__iq1_tabs *t) {
    llml__free(NULL, t->lv, LLML__IQ1_NGRID * 8);
    llml__free(NULL, t->map, LLML__IQ1_NKEYS * sizeof(int32_t));
    llml__free(NULL, t->nbr, LLML__IQ1_NBR_CAP * sizeof(uint16_t));
    llml__free(NULL, t->scratch, LLML__IQ1_SCRATCH);
    t->lv = NULL; t->map = NULL; t->nbr = NULL; t->scratch = NULL;
}

static int llml__iq1_key(const int8_t *L) {
    int j, key = 0;
    for (j = 7; j >= 0; j--) key = 3 * key + L[j];
    return key;
}

static llml_result llml__iq1_tabs_init(llml__iq1_tabs *t) {
    uint8_t *half_d2, *glo, *ghi;
    int i, j, key;
    t->nbr_used = 0;
    t->lv = LLML__CAST(uint8_t *, llml__alloc(NULL, LLML__IQ1_NGRID * 8, 16));
    t->map = LLML__CAST(int32_t *, llml__alloc(NULL, LLML__IQ1_NKEYS * sizeof(int32_t), 16));
    t->nbr = LLML__CAST(uint16_t *, llml__alloc(NULL, LLML__IQ1_NBR_CAP * sizeof(uint16_t), 16));
    t->scratch = LLML__CAST(uint8_t *, llml__alloc(NULL, LLML__IQ1_SCRATCH, 16));
    if (!t->lv || !t->map || !t->nbr || !t->scratch) {
        llml__iq1_tabs_free(t);
        return LLML_ERR_OUT_OF_MEMORY;
    }
    half_d2 = t->scratch; glo = half_d2 + 81 * 81; ghi = glo + LLML__IQ1_NGRID;
    for (i = 0; i < 81; i++)
        for (j = 0; j < 81; j++) {
            int a = i, b = j, k, d2 = 0;
            for (k = 0; k < 4; k++, a /= 3, b /= 3) d2 += (a % 3 - b % 3) * (a % 3 - b % 3);
            half_d2[81 * i + j] = (uint8_t)d2;
        }
    for (key = 0; key < LLML__IQ1_NKEYS; key++) t->map[key] = LLML__IQ1_UNSET;
    for (i = 0; i < LLML__IQ1_NGRID; i++) {
        int8_t L[8];
        for (j = 0; j < 8; j++) L[j] = (int8_t)(t->lv[8 * i + j] = (uint8_t)LLML__IQ1_LEVEL(i, j));
        key = llml__iq1_key(L);
        t->map[key] = i;
        glo[i] = (uint8_t)(key % 81);
        ghi[i] = (uint8_t)(key / 81);
    }
    return LLML_OK;
}

/* Neighbour list of the off-grid octet `key` (count, then indices), built
   on first use. NULL only if the storage ran out (it cannot: it is sized
   for every list). */
static const uint16_t *llml__iq1_list(llml__iq1_tabs *t, int key) {
    const uint8_t *half_d2 = t->scratch, *glo = half_d2 + 81 * 81, *ghi = glo + LLML__IQ1_NGRID;
    const uint8_t *row_lo = half_d2 + 81 * (key % 81), *row_hi = half_d2 + 81 * (key / 81);
    uint8_t *dist = t->scratch + 81 * 81 + 2 * LLML__IQ1_NGRID;
    uint16_t *out;
    int hist[33], th[3], pos[3], j, m, cnt = 0;
    if (t->map[key] != LLML__IQ1_UNSET) return t->nbr + (-t->map[key] - 1);
    memset(hist, 0, sizeof hist);
    for (j = 0; j < LLML__IQ1_NGRID; j++) {
        const int d2 = row_lo[glo[j]] + row_hi[ghi[j]];
        dist[j] = (uint8_t)d2;
        hist[d2]++;
    }
    for (m = 0, j = 0; j <= 32 && m < 3; j++)
        if (hist[j]) { th[m] = j; pos[m] = cnt; cnt += hist[j]; m++; }
    for (; m < 3; m++) { th[m] = -1; pos[m] = cnt; }
    if (t->nbr_used + 1 + (size_t)cnt > LLML__IQ1_NBR_CAP) return NULL;
    out = t->nbr + t->nbr_used + 1;
    for (j = 0; j < LLML__IQ1_NGRID; j++) {
        const int d2 = dist[j];
        for (m = 0; m < 3; m++)
            if (d2 == th[m]) { out[pos[m]++] = (uint16_t)j; break; }
    }
    out[-1] = (uint16_t)cnt;
    t->map[key] = -(int32_t)(t->nbr_used + 1);
    t->nbr_used += 1 + (size_t)cnt;
    return out - 1;
}

/* ---- quantization -------------------------------------------------------- */

/* Grid index for the levels L of one octet. An off-grid octet becomes the
   neighbour closest to xv (weights w) when coded with values vals[level] at
   `scale`; L then receives that neighbour's levels and *on is cleared. */
static int llml__iq1_snap(llml__iq1_tabs *t, const float *xv, const float *w, float scale,
                          const float *vals, int8_t *L, int *on) {
    const int key = llml__iq1_key(L);
    const uint16_t *list;
    float best_d2 = FLT_MAX;
    int best = -1, j, i, pass;
    if (t->map[key] >= 0) return t->map[key];
    *on = 0;
    list = llml__iq1_list(t, key);
    /* first the neighbour list; the whole grid only if no neighbour scored
       (non-finite data) */
    for (pass = list ? 0 : 1; pass < 2 && best < 0; pass++) {
        const int cnt = pass ? LLML__IQ1_NGRID : (int)list[0];
        for (j = 0; j < cnt; j++) {
            const int g = pass ? j : (int)list[1 + j];
            const uint8_t *lv = t->lv + 8 * g;
            float d2 = 0.0f;
            for (i = 0; i < 8; i++) {
                const float diff = scale * vals[lv[i]] - xv[i];
                d2 += w[i] * diff * diff;
            }
            if (d2 < best_d2) { best_d2 = d2; best = g; }
        }
    }
    if (best < 0) best = list ? list[1] : t->map[LLML__IQ1_ZERO_KEY];
    for (i = 0; i < 8; i++) L[i] = (int8_t)t->lv[8 * best + i];
    return best;
}

/* Weights of n values: importance (qw) times sqrt(sigma2 + x^2); without
   importance data, sqrt(sigma2 + x^2) alone (as for a constant imatrix). */
static void llml__iq1_weights(const float *x, const float *qw, float sigma2, int n, float *w) {
    int i;
    for (i = 0; i < n; i++) w[i] = qw ? qw[i] * sqrtf(sigma2 + x[i] * x[i]) : sqrtf(sigma2 + x[i] * x[i]);
}

/* Sort the n values of x ascending into order (indices); insertion sort,
   stable, harmless with NaNs. */
static void llml__iq1_sort(const float *x, int n, int *order) {
    int i, j;
    for (i = 0; i < n; i++) {
        const int v = i;
        for (j = i; j > 0 && x[order[j - 1]] > x[v]; j--) order[j] = order[j - 1];
        order[j] = v;
    }
}

/* The three values of a level (0, 1, 2) with delta sign sg (0: +, 1: -). */
static void llml__iq1_vals(int sg, float *v) {
    const float delta = sg ? -LLML__IQ1_DELTA : LLML__IQ1_DELTA;
    v[0] = -1 + delta; v[1] = delta; v[2] = 1 + delta;
}

/* Exact weighted least squares of a group of n (16 or 32) values x with
   weights w: levels L (0..2) and scale. The sorted values are split into
   three runs (levels 0, 1, 2); each half of nh values (nh = n for one
   delta sign for the whole group, n/2 for a sign per half) takes its own
   delta sign. Returns the sign pattern (bit h set: half h uses -delta),
   or -1 when no split has a positive fit. */
static int llml__iq1_fit_group(const float *x, const float *w, int n, int nh, int8_t *L, float *scale) {
    int order[32], i1, i2, j, h, pat;
    const int nhalf = n / nh, npat = 1 << nhalf;
    float cx[2][33], cw[2][33];   /* per half: prefix sums of w*x and w over the sorted order */
    float vp[3], vm[3];
    float best = -FLT_MAX, best_scale = 0.0f;
    int best_i1 = -1, best_i2 = -1, best_pat = -1;
    llml__iq1_vals(0, vp);
    llml__iq1_vals(1, vm);
    llml__iq1_sort(x, n, order);
    for (h = 0; h < 2; h++) cx[h][0] = cw[h][0] = 0.0f;
    for (j = 0; j < n; j++) {
        const int i = order[j], hi = i / nh;
        for (h = 0; h < nhalf; h++) {
            cx[h][j + 1] = cx[h][j] + (h == hi ? w[i] * x[i] : 0.0f);
            cw[h][j + 1] = cw[h][j] + (h == hi ? w[i] : 0.0f);
        }
    }
    for (i1 = 0; i1 <= n; i1++) {
        for (i2 = i1; i2 <= n; i2++) {
            float qx[2][2], q2[2][2];   /* [half][sign] */
            for (h = 0; h < nhalf; h++) {
                const float x0 = cx[h][i1], x1 = cx[h][i2] - cx[h][i1], x2 = cx[h][n] - cx[h][i2];
                const float w0 = cw[h][i1], w1 = cw[h][i2] - cw[h][i1], w2 = cw[h][n] - cw[h][i2];
                qx[h][0] = x0 * vp[0] + x1 * vp[1] + x2 * vp[2];
                q2[h][0] = w0 * vp[0] * vp[0] + w1 * vp[1] * vp[1] + w2 * vp[2] * vp[2];
                qx[h][1] = x0 * vm[0] + x1 * vm[1] + x2 * vm[2];
                q2[h][1] = w0 * vm[0] * vm[0] + w1 * vm[1] * vm[1] + w2 * vm[2] * vm[2];
            }
            for (pat = 0; pat < npat; pat++) {
                float sqx = 0.0f, sq2 = 0.0f;
                for (h = 0; h < nhalf; h++) { sqx += qx[h][(pat >> h) & 1]; sq2 += q2[h][(pat >> h) & 1]; }
                if (sq2 > 0 && sqx * sqx > best * sq2) {
                    best_scale = sqx / sq2; best = best_scale * sqx;
                    best_i1 = i1; best_i2 = i2; best_pat = pat;
                }
            }
        }
    }
    if (best_pat < 0) return -1;
    for (j = 0; j < n; j++) L[order[j]] = (int8_t)(j < best_i1 ? 0 : j < best_i2 ? 1 : 2);
    if (best_scale < 0) {   /* negate: mirror the levels and the delta signs */
        for (j = 0; j < n; j++) L[j] = (int8_t)(2 - L[j]);
        best_scale = -best_scale;
        best_pat ^= npat - 1;
    }
    *scale = best_scale;
    return best_pat;
}

/* Code a group of n values (n/8 octets) after fit_group: snap each octet to
   the grid (index to idx), refit the scale if any octet moved. sg[k]: delta
   sign of octet k. */
static void llml__iq1_code_group(llml__iq1_tabs *t, const float *x, const float *w, int n,
                                 const int *sg, int8_t *L, float *scale, uint16_t *idx) {
    float vals[2][3];
    int k, on = 1;
    llml__iq1_vals(0, vals[0]);
    llml__iq1_vals(1, vals[1]);
    for (k = 0; k < n / 8; k++)
        idx[k] = (uint16_t)llml__iq1_snap(t, x + 8 * k, w + 8 * k, *scale, vals[sg[k]], L + 8 * k, &on);
    if (!on) {
        float sqx = 0.0f, sq2 = 0.0f;
        int i;
        for (i = 0; i < n; i++) {
            const float q = vals[sg[i / 8]][L[i]];
            sqx += w[i] * q * x[i];
            sq2 += w[i] * q * q;
        }
        if (sqx > 0 && sq2 > 0) *scale = sqx / sq2;
    }
}

/* Sub-scale l (0..7) for a group scale, at inverse super-scale id. */
static int llml__iq1_level(float id, float scale) {
    const int l = llml__nearest_int(0.5f * (id * scale - 1));
    return LLML__MAX(0, LLML__MIN(7, l));
}

static void llml__iq1_s_block(llml__iq1_tabs *t, const float *x, const float *qw, uint8_t *out) {
    float scales[8], w[32], sumx2 = 0.0f, sigma2, max_scale = 0.0f, d, id;
    int shifts[8], g, i, k;
    memset(out, 0, 50);
    for (i = 0; i < LLML__QK_K; i++) sumx2 += x[i] * x[i];
    sigma2 = 2 * sumx2 / LLML__QK_K;
    for (g = 0; g < 8; g++) {
        const float *xg = x + 32 * g;
        float amax = 0.0f, scale = 0.0f;
        int8_t L[32];
        uint16_t idx[4];
        int sg[4], pat = -1;
        unsigned h = 0;
        llml__iq1_weights(xg, qw ? qw + 32 * g : NULL, sigma2, 32, w);
        for (i = 0; i < 32; i++) amax = LLML__MAX(amax, fabsf(xg[i]));
        if (amax >= 1e-12f) pat = llml__iq1_fit_group(xg, w, 32, 32, L, &scale);
        if (pat < 0) {   /* nothing to code: the zero octet, scale 0 */
            for (k = 0; k < 4; k++) idx[k] = (uint16_t)t->map[LLML__IQ1_ZERO_KEY];
            scale = 0.0f; pat = 0;
        } else {
            for (k = 0; k < 4; k++) sg[k] = pat;
            llml__iq1_code_group(t, xg, w, 32, sg, L, &scale, idx);
        }
        for (k = 0; k < 4; k++) {
            out[2 + 4 * g + k] = (uint8_t)(idx[k] & 255);
            h |= (unsigned)(idx[k] >> 8) << (3 * k);
        }
        llml__wr16(out + 34 + 2 * g, (uint16_t)h);
        scales[g] = scale;
        shifts[g] = pat;
        max_scale = LLML__MAX(max_scale, scale);
    }
    if (!(max_scale > 0)) return;   /* d = 0: the block decodes to zeros */
    d = max_scale / 15;
    llml__wr16(out, llml_fp32_to_fp16(d * 1.125f));   /* the reference's scale-up */
    id = 1 / d;
    for (g = 0; g < 8; g++) {
        const unsigned h = llml__rd16(out + 34 + 2 * g) | ((unsigned)llml__iq1_level(id, scales[g]) << 12) |
                           (shifts[g] ? 0x8000u : 0u);
        llml__wr16(out + 34 + 2 * g, (uint16_t)h);
    }
}

static void llml__iq1_m_block(llml__iq1_tabs *t, const float *x, const float *qw, uint8_t *out) {
    float scales[16], w[LLML__QK_K], vals[2][3], sumx2 = 0.0f, sigma2, max_scale = 0.0f, d, id;
    float sqx = 0.0f, sq2 = 0.0f;
    int shifts[16], g, i, k;
    uint16_t sc[4] = { 0, 0, 0, 0 }, dbits;
    memset(out, 0, 56);
    for (i = 0; i < LLML__QK_K; i++) sumx2 += x[i] * x[i];
    sigma2 = 2 * sumx2 / LLML__QK_K;
    llml__iq1_weights(x, qw, sigma2, LLML__QK_K, w);
    for (g = 0; g < 16; g++) {
        const float *xg = x + 16 * g, *wg = w + 16 * g;
        float amax = 0.0f, scale = 0.0f;
        int8_t L[16];
        uint16_t idx[2];
        int sg[2], pat = -1;
        for (i = 0; i < 16; i++) amax = LLML__MAX(amax, fabsf(xg[i]));
        if (amax >= 1e-7f) pat = llml__iq1_fit_group(xg, wg, 16, 8, L, &scale);
        if (pat < 0) {
            idx[0] = idx[1] = (uint16_t)t->map[LLML__IQ1_ZERO_KEY];
            scale = 0.0f; pat = 0;
        } else {
            sg[0] = pat & 1; sg[1] = pat >> 1;
            llml__iq1_code_group(t, xg, wg, 16, sg, L, &scale, idx);
        }
        out[2 * g] = (uint8_t)(idx[0] & 255);
        out[2 * g + 1] = (uint8_t)(idx[1] & 255);
        out[32 + g] = (uint8_t)((idx[0] >> 8) | ((idx[1] >> 8) << 4));
        scales[g] = scale;
        shifts[g] = pat;
        max_scale = LLML__MAX(max_scale, scale);
    }
    if (!(max_scale > 0)) return;   /* scale words 0: d = 0 */
    d = max_scale / 15;
    id = 1 / d;
    llml__iq1_vals(0, vals[0]);
    llml__iq1_vals(1, vals[1]);
    for (g = 0; g < 16; g++) {
        const int l = llml__iq1_level(id, scales[g]);
        sc[g / 4] = (uint16_t)(sc[g / 4] | (l << (3 * (g % 4))));
        out[32 + g] = (uint8_t)(out[32 + g] | ((shifts[g] & 1) ? 0x08 : 0) | ((shifts[g] & 2) ? 0x80 : 0));
        /* refit the super-scale to the coded values */
        for (k = 0; k < 2; k++) {
            const unsigned gi = out[2 * g + k] | ((unsigned)((out[32 + g] >> (4 * k)) & 7) << 8);
            const float *v = vals[(shifts[g] >> k) & 1];
            for (i = 0; i < 8; i++) {
                const int e = 16 * g + 8 * k + i;
                const float q = v[LLML__IQ1_LEVEL(gi, i)] * (float)(2 * l + 1);
                sqx += w[e] * q * x[e];
                sq2 += w[e] * q * q;
            }
        }
    }
    if (sq2 > 0 && sqx > 0) d = sqx / sq2;
    dbits = llml_fp32_to_fp16(d * 1.1125f);   /* the reference's scale-up */
    for (k = 0; k < 4; k++) llml__wr16(out + 48 + 2 * k, (uint16_t)(sc[k] | (((dbits >> (4 * k)) & 15u) << 12)));
}

static llml_result llml__iq1_quant(int m, const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                                   const float *imatrix) {
    llml__iq1_tabs t;
    const int64_t nb = n_per_row / LLML__QK_K;
    const size_t bytes = m ? 56 : 50;
    uint8_t *out = (uint8_t *)dst;
    int64_t r, b;
    llml_result res = llml__iq1_tabs_init(&t);
    if (res != LLML_OK) return res;
    for (r = 0; r < nrows; r++) {
        const float *x = src + r * n_per_row;
        for (b = 0; b < nb; b++, out += bytes) {
            const float *qw = imatrix ? imatrix + b * LLML__QK_K : NULL;
            if (m) llml__iq1_m_block(&t, x + b * LLML__QK_K, qw, out);
            else llml__iq1_s_block(&t, x + b * LLML__QK_K, qw, out);
        }
    }
    llml__iq1_tabs_free(&t);
    return LLML_OK;
}

static llml_result llml__quant_iq1_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq1_quant(0, src, dst, nrows, n_per_row, imatrix);
}

static llml_result llml__quant_iq1_m(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq1_quant(1, src, dst, nrows, n_per_row, imatrix);
}

/* ------------------------------------------------------------------------ */
/* >>mix  the reference quantizer's mixes and per-tensor rules               */
/* ------------------------------------------------------------------------ */

/* Order matters for llml_mix_for_type: the first entry whose base is a
   format gives that format's file type (q3_K -> Q3_K_M, iq2_s -> IQ2_M). */
static const llml_mix_info llml__mixes[] = {
    { "F32",     LLML_FTYPE_ALL_F32, LLML_TYPE_F32,     0 },
    { "F16",     LLML_FTYPE_F16,     LLML_TYPE_F16,     0 },
    { "BF16",    LLML_FTYPE_BF16,    LLML_TYPE_BF16,    0 },
    { "Q4_0",    LLML_FTYPE_Q4_0,    LLML_TYPE_Q4_0,    0 },
    { "Q4_1",    LLML_FTYPE_Q4_1,    LLML_TYPE_Q4_1,    0 },
    { "Q5_0",    LLML_FTYPE_Q5_0,    LLML_TYPE_Q5_0,    0 },
    { "Q5_1",    LLML_FTYPE_Q5_1,    LLML_TYPE_Q5_1,    0 },
    { "Q8_0",    LLML_FTYPE_Q8_0,    LLML_TYPE_Q8_0,    0 },
    { "Q2_K",    LLML_FTYPE_Q2_K,    LLML_TYPE_Q2_K,    0 },
    { "Q2_K_S",  LLML_FTYPE_Q2_K_S,  LLML_TYPE_Q2_K,    0 },
    { "Q3_K_M",  LLML_FTYPE_Q3_K_M,  LLML_TYPE_Q3_K,    0 },
    { "Q3_K_S",  LLML_FTYPE_Q3_K_S,  LLML_TYPE_Q3_K,    0 },
    { "Q3_K_L",  LLML_FTYPE_Q3_K_L,  LLML_TYPE_Q3_K,    0 },
    { "Q3_K",    LLML_FTYPE_Q3_K_M,  LLML_TYPE_Q3_K,    1 },
    { "Q4_K_M",  LLML_FTYPE_Q4_K_M,  LLML_TYPE_Q4_K,    0 },
    { "Q4_K_S",  LLML_FTYPE_Q4_K_S,  LLML_TYPE_Q4_K,    0 },
    { "Q4_K",    LLML_FTYPE_Q4_K_M,  LLML_TYPE_Q4_K,    1 },
    { "Q5_K_M",  LLML_FTYPE_Q5_K_M,  LLML_TYPE_Q5_K,    0 },
    { "Q5_K_S",  LLML_FTYPE_Q5_K_S,  LLML_TYPE_Q5_K,    0 },
    { "Q5_K",    LLML_FTYPE_Q5_K_M,  LLML_TYPE_Q5_K,    1 },
    { "Q6_K",    LLML_FTYPE_Q6_K,    LLML_TYPE_Q6_K,    0 },
    { "IQ1_S",   LLML_FTYPE_IQ1_S,   LLML_TYPE_IQ1_S,   0 },
    { "IQ1_M",   LLML_FTYPE_IQ1_M,   LLML_TYPE_IQ1_M,   0 },
    { "IQ2_XXS", LLML_FTYPE_IQ2_XXS, LLML_TYPE_IQ2_XXS, 0 },
    { "IQ2_XS",  LLML_FTYPE_IQ2_XS,  LLML_TYPE_IQ2_XS,  0 },
    { "IQ2_S",   LLML_FTYPE_IQ2_S,   LLML_TYPE_IQ2_XS,  0 },
    { "IQ2_M",   LLML_FTYPE_IQ2_M,   LLML_TYPE_IQ2_S,   0 },
    { "IQ3_XXS", LLML_FTYPE_IQ3_XXS, LLML_TYPE_IQ3_XXS, 0 },
    { "IQ3_S",   LLML_FTYPE_IQ3_S,   LLML_TYPE_IQ3_S,   0 },
    { "IQ3_XS",  LLML_FTYPE_IQ3_XS,  LLML_TYPE_IQ3_S,   0 },
    { "IQ3_M",   LLML_FTYPE_IQ3_M,   LLML_TYPE_IQ3_S,   0 },
    { "IQ4_NL",  LLML_FTYPE_IQ4_NL,  LLML_TYPE_IQ4_NL,  0 },
    { "IQ4_XS",  LLML_FTYPE_IQ4_XS,  LLML_TYPE_IQ4_XS,  0 },
    { "TQ1_0",   LLML_FTYPE_TQ1_0,   LLML_TYPE_TQ1_0,   0 },
    { "TQ2_0",   LLML_FTYPE_TQ2_0,   LLML_TYPE_TQ2_0,   0 }
};
#define LLML__N_MIXES ((int32_t)(sizeof llml__mixes / sizeof llml__mixes[0]))

/* Case-insensitive ASCII equality. */
static int llml__mix_ieq(const char *a, const char *b) {
    while (*a && *b) {
        char x = *a++, y = *b++;
        if (x >= 'a' && x <= 'z') x = (char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = (char)(y - 'a' + 'A');
        if (x != y) return 0;
    }
    return *a == *b;
}

LLML_API int32_t llml_mix_count(void) { return LLML__N_MIXES; }

LLML_API const llml_mix_info *llml_mix_at(int32_t i) {
    return i >= 0 && i < LLML__N_MIXES ? &llml__mixes[i] : NULL;
}

LLML_API const llml_mix_info *llml_mix_for_ftype(int32_t ftype) {
    int32_t i;
    for (i = 0; i < LLML__N_MIXES; i++)
        if (!llml__mixes[i].alias && (int32_t)llml__mixes[i].ftype == ftype) return &llml__mixes[i];
    return NULL;
}

LLML_API const llml_mix_info *llml_mix_find(const char *name) {
    int32_t i;
    if (!name || !*name) return NULL;
    for (i = 0; i < LLML__N_MIXES; i++)
        if (llml__mix_ieq(llml__mixes[i].name, name)) return &llml__mixes[i];
    /* a bare ftype number, as the reference accepts */
    {
        const char *p = name;
        long v = 0;
        while (*p >= '0' && *p <= '9' && v < 100000) v = v * 10 + (*p++ - '0');
        if (*p == 0) return llml_mix_for_ftype((int32_t)v);
    }
    return NULL;
}

LLML_API const llml_mix_info *llml_mix_for_type(llml_type t) {
    int32_t i;
    for (i = 0; i < LLML__N_MIXES; i++)
        if (!llml__mixes[i].alias && llml__mixes[i].base == t) return &llml__mixes[i];
    return NULL;
}

/* An integer key, or the largest element of an integer array (per-layer
   values); `def` when absent or of another type. */
static int64_t llml__mix_get_int(const llml_gguf *g, const char *key, int64_t def) {
    int64_t v, i = llml_gguf_find_key(g, key);
    uint64_t j, n;
    const void *d;
    int found = 0;
    if (i < 0) return def;
    if (llml_gguf_get_int(g, key, &v) == LLML_OK) return v;
    if (llml_gguf_kv_type(g, i) != LLML_GGUF_ARRAY) return def;
    n = llml_gguf_arr_len(g, i);
    d = llml_gguf_arr_data(g, i);
    if (!d) return def;
    v = 0;
    for (j = 0; j < n; j++) {
        int64_t x;
        switch (llml_gguf_arr_type(g, i)) {
        case LLML_GGUF_UINT8: x = ((const uint8_t *)d)[j]; break;
        case LLML_GGUF_INT8: x = ((const int8_t *)d)[j]; break;
        case LLML_GGUF_UINT16: x = ((const uint16_t *)d)[j]; break;
        case LLML_GGUF_INT16: x = ((const int16_t *)d)[j]; break;
        case LLML_GGUF_UINT32: x = ((const uint32_t *)d)[j]; break;
        case LLML_GGUF_INT32: x = ((const int32_t *)d)[j]; break;
        case LLML_GGUF_UINT64: x = (int64_t)(((const uint64_t *)d)[j] >> 1); break;
        case LLML_GGUF_INT64: x = ((const int64_t *)d)[j]; break;
        default: return def;
        }
        if (!found || x > v) v = x;
        found = 1;
    }
    return found ? v : def;
}

LLML_API llml_result llml_mix_desc_from_gguf(const llml_gguf *g, llml_ftype ftype, llml_mix_desc *out) {
    const char *arch = NULL;
    char key[96];
    if (!g || !out) return LLML_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->ftype = ftype;
    if (llml_gguf_get_str(g, "general.architecture", &arch) != LLML_OK || !arch) arch = "";
    out->arch = arch;
    if (strlen(arch) > 48) return LLML_OK;
    snprintf(key, sizeof key, "%s.block_count", arch);
    out->n_layer = llml__mix_get_int(g, key, 0);
    snprintf(key, sizeof key, "%s.attention.head_count", arch);
    out->n_head = llml__mix_get_int(g, key, 0);
    snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
    out->n_head_kv = llml__mix_get_int(g, key, out->n_head);
    snprintf(key, sizeof key, "%s.expert_count", arch);
    out->n_expert = llml__mix_get_int(g, key, 0);
    return LLML_OK;
}

/* ---- tensor categories ---- */

typedef enum llml__mix_cat {
    LLML__CAT_TOKEN_EMBD, LLML__CAT_OUTPUT, LLML__CAT_ATTN_V_LIKE, LLML__CAT_ATTN_K,
    LLML__CAT_ATTN_Q, LLML__CAT_ATTN_OUTPUT, LLML__CAT_FFN_UP, LLML__CAT_FFN_GATE,
    LLML__CAT_FFN_DOWN, LLML__CAT_OTHER
} llml__mix_cat;

static int llml__mix_is_token_embd(const char *n) {
    return strcmp(n, "token_embd.weight") == 0 || strcmp(n, "per_layer_token_embd.weight") == 0;
}

static llml__mix_cat llml__mix_category(const char *n) {
    if (strcmp(n, "output.weight") == 0) return LLML__CAT_OUTPUT;
    if (llml__mix_is_token_embd(n)) return LLML__CAT_TOKEN_EMBD;
    /* fused qkv and MLA kv_b count as attn_v: the rules treat them alike */
    if (strstr(n, "attn_qkv.weight") || strstr(n, "attn_kv_b.weight") || strstr(n, "attn_v.weight"))
        return LLML__CAT_ATTN_V_LIKE;
    if (strstr(n, "attn_k.weight")) return LLML__CAT_ATTN_K;
    if (strstr(n, "attn_q.weight")) return LLML__CAT_ATTN_Q;
    if (strstr(n, "attn_output.weight")) return LLML__CAT_ATTN_OUTPUT;
    if (strstr(n, "ffn_up")) return LLML__CAT_FFN_UP;
    if (strstr(n, "ffn_gate")) return LLML__CAT_FFN_GATE;
    if (strstr(n, "ffn_down")) return LLML__CAT_FFN_DOWN;
    return LLML__CAT_OTHER;
}

/* Name fragments of tensors the reference always leaves as they are. */
static const char *const llml__mix_keep[] = {
    "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
    "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
    "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
    "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
    "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
    "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
    "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd",
    "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook",
    "mm.a.code_embd"
};

/* ggml's notion of dimensions: trailing sizes of 1 do not count. */
static int llml__mix_n_dims(const llml_tensor_shape *t) {
    int d;
    for (d = 3; d > 0; d--)
        if (t->ne[d] > 1) return d + 1;
    return 1;
}

static int llml__mix_may_quantize(const llml_tensor_shape *t) {
    const char *n = t->name;
    size_t len = strlen(n), i;
    if (llml__mix_n_dims(t) < 2) return 0;
    if (len < 6 || strcmp(n + len - 6, "weight") != 0) return 0;
    for (i = 0; i < sizeof llml__mix_keep / sizeof llml__mix_keep[0]; i++)
        if (strstr(n, llml__mix_keep[i])) return 0;
    if (strcmp(n, "position_embd.weight") == 0 || strcmp(n, "token_types.weight") == 0) return 0;
    return 1;
}

/* Layer number of "blk.N....", or -1. */
static int64_t llml__mix_layer_of(const char *n) {
    int64_t v = 0;
    const char *p = n + 4;
    if (strncmp(n, "blk.", 4) != 0 || *p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9' && v < 100000000) v = v * 10 + (*p++ - '0');
    return v;
}

typedef struct llml__mix_state {
    const llml_mix_desc *d;
    int is_falcon, is_70b, tied;
    int64_t n_attn_v;       /* attn_v-like tensors in the model */
    int64_t i_attn_v, i_ffn_down, i_ffn_gate, i_ffn_up;
    llml_error *err;
} llml__mix_state;

/* "Use more bits" layers of the reference: the first and last eighth, and
   every third layer in between. */
static int llml__mix_more_bits(int64_t i, int64_t n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* Layer index the ffn rules use: a running counter, except in expert models,
   where expert tensors are not in layer order and the name tells it. */
static int llml__mix_ffn_layer(llml__mix_state *qs, int64_t counter, const char *name, int64_t *layer) {
    if (qs->d->n_expert > 1) {
        int64_t l = llml__mix_layer_of(name);
        if (l < 0 || l >= qs->d->n_layer) {
            llml__set_error(qs->err, LLML_ERR_CORRUPT, UINT64_MAX,
                            "tensor %s: cannot tell its layer (model has %lld)", name,
                            (long long)qs->d->n_layer);
            return 0;
        }
        *layer = l;
    } else {
        *layer = counter;
    }
    return 1;
}

static int llml__mix_low_bit_iq(int ft) {
    return ft == LLML_FTYPE_IQ2_XXS || ft == LLML_FTYPE_IQ2_XS || ft == LLML_FTYPE_IQ1_S ||
           ft == LLML_FTYPE_IQ2_S || ft == LLML_FTYPE_IQ2_M || ft == LLML_FTYPE_IQ1_M;
}

static int32_t llml__mix_block(llml_type t) {
    const llml_type_info *ti = llml_type_get_info(t);
    return ti ? ti->block_size : 1;
}

/* The mix rules. *io holds the mix's base format on entry and the tensor's
   format on return. 0 on error (err filled). */
static int llml__mix_rule(llml__mix_state *qs, const llml_tensor_shape *ten, llml__mix_cat cat,
                          llml_type *io) {
    const llml_mix_desc *d = qs->d;
    const int ft = (int)d->ftype;
    const int64_t gqa = d->n_head_kv > 0 ? d->n_head / d->n_head_kv : 0, nl = d->n_layer;
    const int iq2s_like = ft == LLML_FTYPE_IQ2_S || ft == LLML_FTYPE_IQ2_M;
    llml_type t = *io;
    int64_t il;

    if (cat == LLML__CAT_OUTPUT || (cat == LLML__CAT_TOKEN_EMBD && qs->tied)) {
        /* the output projection keeps more bits than anything else */
        if (qs->is_falcon || ten->ne[0] % llml__mix_block(t) != 0) t = LLML_TYPE_Q8_0;
        else if (llml__mix_low_bit_iq(ft) || ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_Q5_K;
        else if (t != LLML_TYPE_Q8_0) t = LLML_TYPE_Q6_K;
    } else if (cat == LLML__CAT_TOKEN_EMBD) {
        if (ft == LLML_FTYPE_IQ2_XXS || ft == LLML_FTYPE_IQ2_XS || ft == LLML_FTYPE_IQ1_S ||
            ft == LLML_FTYPE_IQ1_M)
            t = LLML_TYPE_Q2_K;
        else if (iq2s_like || ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_IQ3_S;
        else if (ft == LLML_FTYPE_TQ1_0 || ft == LLML_FTYPE_TQ2_0) t = LLML_TYPE_Q4_K;
    } else if (llml__mix_low_bit_iq(ft)) {
        switch (cat) {
        case LLML__CAT_ATTN_V_LIKE:
            if (gqa >= 4 || d->n_expert >= 4) t = LLML_TYPE_Q4_K;
            else t = iq2s_like ? LLML_TYPE_IQ3_S : LLML_TYPE_Q2_K;
            qs->i_attn_v++;
            break;
        case LLML__CAT_ATTN_K:
            if (d->n_expert == 8) t = LLML_TYPE_Q4_K;
            break;
        case LLML__CAT_FFN_DOWN:
            if (qs->i_ffn_down < nl / 8) t = iq2s_like ? LLML_TYPE_IQ3_S : LLML_TYPE_Q2_K;
            qs->i_ffn_down++;
            break;
        case LLML__CAT_ATTN_OUTPUT:
            if (d->n_expert == 8) t = LLML_TYPE_Q5_K;
            else if (ft == LLML_FTYPE_IQ1_S || ft == LLML_FTYPE_IQ1_M) t = LLML_TYPE_IQ2_XXS;
            else if (iq2s_like) t = LLML_TYPE_IQ3_S;
            break;
        default:
            break;
        }
    } else {
        switch (cat) {
        case LLML__CAT_ATTN_V_LIKE: {
            const int64_t i = qs->i_attn_v, n = qs->n_attn_v;
            switch (ft) {
            case LLML_FTYPE_Q2_K: t = gqa >= 4 ? LLML_TYPE_Q4_K : LLML_TYPE_Q3_K; break;
            case LLML_FTYPE_Q2_K_S: if (gqa >= 4) t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_IQ3_XXS:
                t = gqa >= 4 ? LLML_TYPE_Q4_K : (d->has_imatrix ? LLML_TYPE_IQ3_XXS : LLML_TYPE_IQ3_S);
                break;
            case LLML_FTYPE_IQ3_XS: case LLML_FTYPE_IQ3_S: if (gqa >= 4) t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_IQ3_M: t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_Q3_K_M: t = i < 2 ? LLML_TYPE_Q5_K : LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_Q3_K_L: t = LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_IQ4_NL: case LLML_FTYPE_IQ4_XS: if (gqa >= 4) t = LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_Q4_K_M: case LLML_FTYPE_Q5_K_M:
                if (llml__mix_more_bits(i, n)) t = LLML_TYPE_Q6_K;
                break;
            case LLML_FTYPE_Q4_K_S: if (i < 4) t = LLML_TYPE_Q5_K; break;
            default: break;
            }
            /* 70B: attn_v is 8x smaller than attn_q, extra bits are cheap */
            if (qs->is_70b && (t == LLML_TYPE_Q3_K || t == LLML_TYPE_Q4_K)) t = LLML_TYPE_Q5_K;
            if (d->n_expert == 8) t = LLML_TYPE_Q8_0;
            qs->i_attn_v++;
            break;
        }
        case LLML__CAT_ATTN_K:
            if (d->n_expert == 8) t = LLML_TYPE_Q8_0;
            else if (ft == LLML_FTYPE_IQ3_XS) t = LLML_TYPE_IQ3_XXS;
            else if (ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_IQ2_S;
            break;
        case LLML__CAT_ATTN_Q:
            if (ft == LLML_FTYPE_IQ3_XS) t = LLML_TYPE_IQ3_XXS;
            else if (ft == LLML_FTYPE_IQ3_XXS) t = LLML_TYPE_IQ2_S;
            break;
        case LLML__CAT_FFN_DOWN: {
            int mb;
            if (!llml__mix_ffn_layer(qs, qs->i_ffn_down, ten->name, &il)) return 0;
            mb = llml__mix_more_bits(il, nl);
            switch (ft) {
            case LLML_FTYPE_Q2_K: t = LLML_TYPE_Q3_K; break;
            case LLML_FTYPE_Q2_K_S: if (il < nl / 8) t = LLML_TYPE_Q4_K; break;
            case LLML_FTYPE_IQ3_XXS:
                if (!d->has_imatrix) t = il < nl / 8 ? LLML_TYPE_Q4_K : LLML_TYPE_Q3_K;
                break;
            case LLML_FTYPE_Q3_K_M:
                if (il < nl / 16) t = LLML_TYPE_Q5_K;
                else t = (!qs->is_falcon || mb) ? LLML_TYPE_Q4_K : LLML_TYPE_Q3_K;
                break;
            case LLML_FTYPE_IQ3_M:
                if (il < nl / 8 || (d->n_expert == 8 && mb)) t = LLML_TYPE_Q4_K;
                break;
            case LLML_FTYPE_Q3_K_L: t = qs->is_falcon ? LLML_TYPE_Q4_K : LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_Q4_K_M:
                if (qs->is_falcon)
                    t = il < nl / 16 ? LLML_TYPE_Q6_K : (mb ? LLML_TYPE_Q5_K : LLML_TYPE_Q4_K);
                else if (mb)
                    t = LLML_TYPE_Q6_K;
                break;
            case LLML_FTYPE_IQ4_NL: case LLML_FTYPE_IQ4_XS:
                if (il < nl / 8 && !d->has_imatrix) t = LLML_TYPE_Q5_K;
                break;
            case LLML_FTYPE_Q5_K_M: if (mb) t = LLML_TYPE_Q6_K; break;
            case LLML_FTYPE_Q4_K_S: if (!qs->is_falcon && il < nl / 8) t = LLML_TYPE_Q5_K; break;
            case LLML_FTYPE_Q4_0: case LLML_FTYPE_Q5_0:
                /* with an imatrix, the first layers' ffn_down get the
                   variant with an offset */
                if (d->has_imatrix && il < nl / 8)
                    t = ft == LLML_FTYPE_Q4_0 ? LLML_TYPE_Q4_1 : LLML_TYPE_Q5_1;
                break;
            default: break;
            }
            qs->i_ffn_down++;
            break;
        }
        case LLML__CAT_ATTN_OUTPUT:
            if (!qs->is_falcon) {
                if (d->n_expert == 8) {
                    switch (ft) {
                    case LLML_FTYPE_Q2_K: case LLML_FTYPE_IQ3_XS: case LLML_FTYPE_IQ3_XXS:
                    case LLML_FTYPE_Q3_K_S: case LLML_FTYPE_Q3_K_M: case LLML_FTYPE_IQ4_NL:
                    case LLML_FTYPE_Q4_K_S: case LLML_FTYPE_Q4_K_M: case LLML_FTYPE_IQ3_S:
                    case LLML_FTYPE_IQ3_M: case LLML_FTYPE_IQ4_XS:
                        t = LLML_TYPE_Q5_K;
                        break;
                    default: break;
                    }
                } else {
                    switch (ft) {
                    case LLML_FTYPE_Q2_K: t = LLML_TYPE_Q3_K; break;
                    case LLML_FTYPE_IQ3_XXS: t = LLML_TYPE_IQ3_S; break;
                    case LLML_FTYPE_Q3_K_M: t = LLML_TYPE_Q4_K; break;
                    case LLML_FTYPE_Q3_K_L: t = LLML_TYPE_Q5_K; break;
                    case LLML_FTYPE_IQ3_M: t = LLML_TYPE_Q4_K; break;
                    default: break;
                    }
                }
            } else if (ft == LLML_FTYPE_Q3_K_L) {
                t = LLML_TYPE_Q4_K;
            }
            break;
        case LLML__CAT_FFN_GATE:
        case LLML__CAT_FFN_UP: {
            int64_t *ctr = cat == LLML__CAT_FFN_GATE ? &qs->i_ffn_gate : &qs->i_ffn_up;
            if (!llml__mix_ffn_layer(qs, *ctr, ten->name, &il)) return 0;
            if (ft == LLML_FTYPE_IQ3_XS && il >= nl / 8 && il < 7 * nl / 8) t = LLML_TYPE_IQ3_XXS;
            (*ctr)++;
            break;
        }
        default:
            break;
        }
    }
    *io = t;
    return 1;
}

/* When a row does not fit the chosen format's block, the reference falls
   back to a format with 32-element blocks, and to F16 after that. */
static llml_type llml__mix_fallback(int64_t nc, llml_type t) {
    llml_type r;
    if (nc % llml__mix_block(t) == 0) return t;
    switch (t) {
    case LLML_TYPE_IQ1_S: case LLML_TYPE_IQ1_M: case LLML_TYPE_IQ2_XXS: case LLML_TYPE_IQ2_XS:
    case LLML_TYPE_IQ2_S: case LLML_TYPE_IQ3_XXS: case LLML_TYPE_IQ3_S: case LLML_TYPE_IQ4_XS:
        r = LLML_TYPE_IQ4_NL; break;
    case LLML_TYPE_Q2_K: case LLML_TYPE_Q3_K: case LLML_TYPE_TQ1_0: case LLML_TYPE_TQ2_0:
        r = LLML_TYPE_Q4_0; break;
    case LLML_TYPE_Q4_K: r = LLML_TYPE_Q5_0; break;
    case LLML_TYPE_Q5_K: r = LLML_TYPE_Q5_1; break;
    case LLML_TYPE_Q6_K: r = LLML_TYPE_Q8_0; break;
    default: r = LLML_TYPE_F16; break;   /* 32-element formats: F16 at once */
    }
    if (nc % llml__mix_block(r) != 0) r = LLML_TYPE_F16;
    return r;
}

/* Formats whose quality collapses without an importance matrix; the token
   embeddings and the output projection are exempt. */
static int llml__mix_requires_imatrix(const char *name, llml_type t, int ftype) {
    const llml_type_info *ti = llml_type_get_info(t);
    if (llml__mix_is_token_embd(name) || strcmp(name, "output.weight") == 0) return 0;
    switch (t) {
    case LLML_TYPE_IQ3_XXS: case LLML_TYPE_IQ2_XXS: case LLML_TYPE_IQ2_XS: case LLML_TYPE_IQ2_S:
    case LLML_TYPE_IQ1_M: case LLML_TYPE_IQ1_S:
        return 1;
    case LLML_TYPE_Q2_K:
        return ftype == LLML_FTYPE_Q2_K_S;
    default:
        return ti && ti->needs_imatrix;
    }
}

/* Sort key of the reference's output order: non-layer tensors first, then
   by layer, then by name. Insertion-merge sort on an index array (stable,
   no recursion, no global comparator state). */
static int llml__mix_before(const llml_tensor_shape *t, int64_t a, int64_t b) {
    int64_t la = llml__mix_layer_of(t[a].name), lb = llml__mix_layer_of(t[b].name);
    if (la != lb) return la < lb;
    return strcmp(t[a].name, t[b].name) < 0;
}

static void llml__mix_sort(const llml_tensor_shape *t, int64_t *idx, int64_t *tmp, int64_t n) {
    int64_t width, i;
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            int64_t lo = i, mid = LLML__MIN(i + width, n), hi = LLML__MIN(i + 2 * width, n);
            int64_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) tmp[k++] = llml__mix_before(t, idx[b], idx[a]) ? idx[b++] : idx[a++];
            while (a < mid) tmp[k++] = idx[a++];
            while (b < hi) tmp[k++] = idx[b++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
}

LLML_API llml_result llml_mix_plan(const llml_mix_desc *desc, const llml_tensor_shape *t,
                                   int64_t n, llml_mix_choice *out, llml_error *err) {
    const llml_mix_info *mix;
    llml__mix_state qs;
    llml_type base;
    int64_t *idx, k;
    size_t bytes;
    int quantized_base;
    if (!desc || n < 0 || (n > 0 && (!t || !out))) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_mix_plan: NULL argument or negative count");
        return LLML_ERR_INVALID_ARG;
    }
    mix = llml_mix_for_ftype((int32_t)desc->ftype);
    if (!mix) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "unknown file type %d", (int)desc->ftype);
        return LLML_ERR_INVALID_ARG;
    }
    base = mix->base;
    quantized_base = llml_type_get_info(base) && llml_type_get_info(base)->is_quantized;
    if (n == 0) return LLML_OK;
    if ((uint64_t)n > (uint64_t)(SIZE_MAX / (2 * sizeof(int64_t)))) return LLML_ERR_OUT_OF_MEMORY;
    bytes = (size_t)n * 2 * sizeof(int64_t);
    idx = (int64_t *)llml__alloc(desc->allocator, bytes, 8);
    if (!idx) {
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "llml_mix_plan: out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }

    memset(&qs, 0, sizeof qs);
    qs.d = desc;
    qs.err = err;
    qs.tied = 1;
    qs.is_falcon = desc->arch && strcmp(desc->arch, "falcon") == 0;
    /* the reference's one size class that changes a rule: LLaMA-2 70B
       (80 layers, grouped-query attention) */
    qs.is_70b = desc->arch && strcmp(desc->arch, "llama") == 0 && desc->n_layer == 80 &&
                desc->n_head != desc->n_head_kv;
    for (k = 0; k < n; k++) {
        if (!t[k].name) {
            llml__free(desc->allocator, idx, bytes);
            llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "tensor %lld has no name", (long long)k);
            return LLML_ERR_INVALID_ARG;
        }
        idx[k] = k;
        if (strcmp(t[k].name, "output.weight") == 0) qs.tied = 0;
        if (llml__mix_category(t[k].name) == LLML__CAT_ATTN_V_LIKE) qs.n_attn_v++;
    }
    llml__mix_sort(t, idx, idx + n, n);

    for (k = 0; k < n; k++) {
        const llml_tensor_shape *ten = &t[idx[k]];
        llml_mix_choice *c = &out[idx[k]];
        c->type = ten->type;
        c->wanted = ten->type;
        c->quantize = 0;
        c->needs_imatrix = 0;
        if (!llml__mix_may_quantize(ten)) continue;
        c->quantize = 1;
        c->type = c->wanted = base;
        if (!quantized_base) continue;
        if (!desc->pure && !llml__mix_rule(&qs, ten, llml__mix_category(ten->name), &c->wanted)) {
            llml__free(desc->allocator, idx, bytes);
            return LLML_ERR_CORRUPT;
        }
        c->type = llml__mix_fallback(ten->ne[0], c->wanted);
        c->needs_imatrix = llml__mix_requires_imatrix(ten->name, c->type, (int)desc->ftype);
    }
    llml__free(desc->allocator, idx, bytes);
    return LLML_OK;
}

/* ------------------------------------------------------------------------ */
/* >>types  the format table and the public quant entry points              */
/* ------------------------------------------------------------------------ */

/* Plain element types: F32, I8, I16, I32, I64, F64. */
static void llml__dequant_f32(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }
static void llml__dequant_i8(const void *src, float *dst, int64_t n) {
    const int8_t *s = (const int8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)s[i];
}
static void llml__dequant_i16(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)(int16_t)llml__rd16(s + 2 * i);
}
static void llml__dequant_i32(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)(int32_t)llml__rd32(s + 4 * i);
}
static void llml__dequant_i64(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) dst[i] = (float)(int64_t)llml__rd64(s + 8 * i);
}
static void llml__dequant_f64(const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src; int64_t i;
    for (i = 0; i < n; i++) { uint64_t u = llml__rd64(s + 8 * i); double d; memcpy(&d, &u, 8); dst[i] = (float)d; }
}

/* Saturating round-to-nearest conversion of a float to an integer range. */
static double llml__clamp_round(float x, double lo, double hi) {
    double v = (double)x;
    if (v != v) return 0.0;
    v = v < 0 ? -floor(-v + 0.5) : floor(v + 0.5);
    return v < lo ? lo : (v > hi ? hi : v);
}
static llml_result llml__quant_f32(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix; memcpy(dst, src, (size_t)(nrows * n_per_row) * 4); return LLML_OK;
}
static llml_result llml__quant_i8(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; int8_t *d = (int8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) d[i] = (int8_t)llml__clamp_round(src[i], -128, 127);
    return LLML_OK;
}
static llml_result llml__quant_i16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) llml__wr16(d + 2 * i, (uint16_t)(int16_t)llml__clamp_round(src[i], -32768, 32767));
    return LLML_OK;
}
static llml_result llml__quant_i32(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) llml__wr32(d + 4 * i, (uint32_t)(int32_t)llml__clamp_round(src[i], -2147483648.0, 2147483647.0));
    return LLML_OK;
}
static llml_result llml__quant_i64(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) {
        int64_t v = (int64_t)llml__clamp_round(src[i], -9.2233720368547758e18, 9.2233720368547748e18);
        uint64_t u = (uint64_t)v;
        llml__wr32(d + 8 * i, (uint32_t)u); llml__wr32(d + 8 * i + 4, (uint32_t)(u >> 32));
    }
    return LLML_OK;
}
static llml_result llml__quant_f64(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    int64_t i, n = nrows * n_per_row; uint8_t *d = (uint8_t *)dst; (void)imatrix;
    for (i = 0; i < n; i++) { double v = (double)src[i]; memcpy(d + 8 * i, &v, 8); }
    return LLML_OK;
}
static float llml__dot_f32(const void *w, const void *act, int64_t n) {
    const float *a = (const float *)w, *b = (const float *)act; double s = 0; int64_t i;
    for (i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return (float)s;
}

typedef void (*llml__dequant_fn)(const void *src, float *dst, int64_t n);
typedef llml_result (*llml__quant_fn)(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix);
typedef float (*llml__dot_fn)(const void *w, const void *act, int64_t n);

typedef struct llml__type_traits {
    llml_type_info info;
    llml__dequant_fn dequant;
    llml__quant_fn quant;
    llml__dot_fn dot;   /* NULL: no activation format (integer types) */
} llml__type_traits;

#define LLML__T(id, name, bs, ts, q, vdt, imx, fn, dot) \
    [id] = { { name, bs, ts, q, vdt, imx }, llml__dequant_##fn, llml__quant_##fn, dot }

#ifdef __cplusplus
/* C++ has no designated array initializers: build the table in id order. */
#undef LLML__T
#define LLML__T(id, name, bs, ts, q, vdt, imx, fn, dot) \
    { { name, bs, ts, q, vdt, imx }, llml__dequant_##fn, llml__quant_##fn, dot }
#define LLML__GAP { { NULL, 0, 0, 0, LLML_TYPE_F32, 0 }, NULL, NULL, NULL }
#endif

static const llml__type_traits llml__types[LLML_TYPE_COUNT] = {
    LLML__T(LLML_TYPE_F32,     "f32",     1,   4,   0, LLML_TYPE_F32,  0, f32,     llml__dot_f32),
    LLML__T(LLML_TYPE_F16,     "f16",     1,   2,   0, LLML_TYPE_F16,  0, f16,     llml__dot_f16),
    LLML__T(LLML_TYPE_Q4_0,    "q4_0",    32,  18,  1, LLML_TYPE_Q8_0, 0, q4_0,    llml__dot_q4_0),
    LLML__T(LLML_TYPE_Q4_1,    "q4_1",    32,  20,  1, LLML_TYPE_Q8_1, 0, q4_1,    llml__dot_q4_1),
#ifdef __cplusplus
    LLML__GAP, LLML__GAP,
#endif
    LLML__T(LLML_TYPE_Q5_0,    "q5_0",    32,  22,  1, LLML_TYPE_Q8_0, 0, q5_0,    llml__dot_q5_0),
    LLML__T(LLML_TYPE_Q5_1,    "q5_1",    32,  24,  1, LLML_TYPE_Q8_1, 0, q5_1,    llml__dot_q5_1),
    LLML__T(LLML_TYPE_Q8_0,    "q8_0",    32,  34,  1, LLML_TYPE_Q8_0, 0, q8_0,    llml__dot_q8_0),
    LLML__T(LLML_TYPE_Q8_1,    "q8_1",    32,  36,  1, LLML_TYPE_Q8_1, 0, q8_1,    llml__dot_q8_1),
    LLML__T(LLML_TYPE_Q2_K,    "q2_K",    256, 84,  1, LLML_TYPE_Q8_K, 0, q2_k,    llml__dot_q2_k),
    LLML__T(LLML_TYPE_Q3_K,    "q3_K",    256, 110, 1, LLML_TYPE_Q8_K, 0, q3_k,    llml__dot_q3_k),
    LLML__T(LLML_TYPE_Q4_K,    "q4_K",    256, 144, 1, LLML_TYPE_Q8_K, 0, q4_k,    llml__dot_q4_k),
    LLML__T(LLML_TYPE_Q5_K,    "q5_K",    256, 176, 1, LLML_TYPE_Q8_K, 0, q5_k,    llml__dot_q5_k),
    LLML__T(LLML_TYPE_Q6_K,    "q6_K",    256, 210, 1, LLML_TYPE_Q8_K, 0, q6_k,    llml__dot_q6_k),
    LLML__T(LLML_TYPE_Q8_K,    "q8_K",    256, 292, 1, LLML_TYPE_Q8_K, 0, q8_k,    llml__dot_q8_k),
    LLML__T(LLML_TYPE_IQ2_XXS, "iq2_xxs", 256, 66,  1, LLML_TYPE_Q8_K, 1, iq2_xxs, llml__dot_iq2_xxs),
    LLML__T(LLML_TYPE_IQ2_XS,  "iq2_xs",  256, 74,  1, LLML_TYPE_Q8_K, 1, iq2_xs,  llml__dot_iq2_xs),
    LLML__T(LLML_TYPE_IQ3_XXS, "iq3_xxs", 256, 98,  1, LLML_TYPE_Q8_K, 0, iq3_xxs, llml__dot_iq3_xxs),
    LLML__T(LLML_TYPE_IQ1_S,   "iq1_s",   256, 50,  1, LLML_TYPE_Q8_K, 1, iq1_s,   llml__dot_iq1_s),
    LLML__T(LLML_TYPE_IQ4_NL,  "iq4_nl",  32,  18,  1, LLML_TYPE_Q8_0, 0, iq4_nl,  llml__dot_iq4_nl),
    LLML__T(LLML_TYPE_IQ3_S,   "iq3_s",   256, 110, 1, LLML_TYPE_Q8_K, 0, iq3_s,   llml__dot_iq3_s),
    LLML__T(LLML_TYPE_IQ2_S,   "iq2_s",   256, 82,  1, LLML_TYPE_Q8_K, 0, iq2_s,   llml__dot_iq2_s),
    LLML__T(LLML_TYPE_IQ4_XS,  "iq4_xs",  256, 136, 1, LLML_TYPE_Q8_K, 0, iq4_xs,  llml__dot_iq4_xs),
    LLML__T(LLML_TYPE_I8,      "i8",      1,   1,   0, LLML_TYPE_I8,   0, i8,      NULL),
    LLML__T(LLML_TYPE_I16,     "i16",     1,   2,   0, LLML_TYPE_I16,  0, i16,     NULL),
    LLML__T(LLML_TYPE_I32,     "i32",     1,   4,   0, LLML_TYPE_I32,  0, i32,     NULL),
    LLML__T(LLML_TYPE_I64,     "i64",     1,   8,   0, LLML_TYPE_I64,  0, i64,     NULL),
    LLML__T(LLML_TYPE_F64,     "f64",     1,   8,   0, LLML_TYPE_F64,  0, f64,     NULL),
    LLML__T(LLML_TYPE_IQ1_M,   "iq1_m",   256, 56,  1, LLML_TYPE_Q8_K, 1, iq1_m,   llml__dot_iq1_m),
    LLML__T(LLML_TYPE_BF16,    "bf16",    1,   2,   0, LLML_TYPE_BF16, 0, bf16,    llml__dot_bf16),
#ifdef __cplusplus
    LLML__GAP, LLML__GAP, LLML__GAP,
#endif
    LLML__T(LLML_TYPE_TQ1_0,   "tq1_0",   256, 54,  1, LLML_TYPE_Q8_K, 0, tq1_0,   llml__dot_tq1_0),
    LLML__T(LLML_TYPE_TQ2_0,   "tq2_0",   256, 66,  1, LLML_TYPE_Q8_K, 0, tq2_0,   llml__dot_tq2_0),
};
#undef LLML__T
#ifdef LLML__GAP
#undef LLML__GAP
#endif

static const llml__type_traits *llml__traits(llml_type t) {
    if ((unsigned)t >= (unsigned)LLML_TYPE_COUNT) return NULL;
    if (!llml__types[t].info.name) return NULL;
    return &llml__types[t];
}

LLML_API const char *llml_result_string(llml_result r) {
    switch (r) {
    case LLML_OK: return "ok";
    case LLML_ERR_INVALID_ARG: return "invalid argument";
    case LLML_ERR_OUT_OF_MEMORY: return "out of memory";
    case LLML_ERR_IO: return "i/o error";
    case LLML_ERR_BAD_MAGIC: return "not a GGUF file (bad magic)";
    case LLML_ERR_BAD_VERSION: return "unsupported GGUF version";
    case LLML_ERR_TRUNCATED: return "truncated data";
    case LLML_ERR_CORRUPT: return "corrupt data";
    case LLML_ERR_UNSUPPORTED_TYPE: return "unknown or unsupported type";
    case LLML_ERR_NOT_FOUND: return "not found";
    case LLML_ERR_TYPE_MISMATCH: return "type mismatch";
    case LLML_ERR_DUPLICATE: return "duplicate name";
    case LLML_ERR_BAD_ALIGNMENT: return "bad alignment";
    case LLML_ERR_BAD_UTF8: return "invalid UTF-8";
    case LLML_ERR_OUT_OF_BOUNDS: return "data out of bounds";
    case LLML_ERR_OVERLAP: return "overlapping tensor data";
    case LLML_ERR_BAD_SHAPE: return "bad tensor shape";
    case LLML_ERR_UNSUPPORTED: return "not supported";
    case LLML_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case LLML_ERR_UNSUPPORTED_ARCH: return "unsupported model architecture";
    case LLML_ERR_CONTEXT_FULL: return "context full";
    case LLML_ERR_ABORTED: return "aborted";
    }
    return "unknown error";
}

LLML_API const char *llml_version(void) { return LLML_VERSION_STRING; }

LLML_API const llml_type_info *llml_type_get_info(llml_type type) {
    const llml__type_traits *t = llml__traits(type);
    return t ? &t->info : NULL;
}

LLML_API llml_result llml_type_from_name(const char *name, llml_type *out) {
    int i;
    if (!name || !out) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < LLML_TYPE_COUNT; i++) {
        const char *a = llml__types[i].info.name, *b = name;
        if (!a) continue;
        while (*a && *b) {
            char ca = *a, cb = *b;
            if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
            if (ca != cb) break;
            a++; b++;
        }
        if (!*a && !*b) { *out = (llml_type)i; return LLML_OK; }
    }
    return LLML_ERR_NOT_FOUND;
}

LLML_API size_t llml_row_size(llml_type type, int64_t n) {
    const llml__type_traits *t = llml__traits(type);
    uint64_t sz;
    if (!t || n < 0 || n % t->info.block_size) return 0;
    if (!llml__mul_u64((uint64_t)(n / t->info.block_size), (uint64_t)t->info.type_size, &sz)) return 0;
    if (sz > (uint64_t)SIZE_MAX) return 0;
    return (size_t)sz;
}

LLML_API llml_result llml_dequantize_row(llml_type type, const void *src, float *dst, int64_t n) {
    const llml__type_traits *t = llml__traits(type);
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!src || !dst || n < 0 || n % t->info.block_size) return LLML_ERR_INVALID_ARG;
    t->dequant(src, dst, n);
    return LLML_OK;
}

LLML_API llml_result llml_quantize_rows(llml_type type, const float *src, void *dst,
                                        int64_t nrows, int64_t n_per_row, const float *imatrix) {
    const llml__type_traits *t = llml__traits(type);
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!src || !dst || nrows < 0 || n_per_row <= 0) return LLML_ERR_INVALID_ARG;
    if (n_per_row % t->info.block_size) return LLML_ERR_BAD_SHAPE;
    if (nrows == 0) return LLML_OK;
    return t->quant(src, dst, nrows, n_per_row, imatrix);
}

LLML_API llml_result llml_vec_dot(llml_type type, int64_t n, const void *w, const void *act, float *out) {
    const llml__type_traits *t = llml__traits(type);
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!t->dot) return LLML_ERR_UNSUPPORTED;
    if (!w || !act || !out || n < 0 || n % t->info.block_size) return LLML_ERR_INVALID_ARG;
    {
        const llml__type_traits *a = llml__traits(t->info.vec_dot_type);
        if (!a || n % a->info.block_size) return LLML_ERR_BAD_SHAPE;
    }
    *out = t->dot(w, act, n);
    return LLML_OK;
}

LLML_API llml_result llml_vec_dot_f32(llml_type type, int64_t n, const void *w, const float *x, float *out) {
    const llml__type_traits *t = llml__traits(type);
    float buf[LLML__QK_K];
    double sum = 0.0;
    int64_t bs, i, j;
    const uint8_t *p = (const uint8_t *)w;
    if (!t) return LLML_ERR_UNSUPPORTED_TYPE;
    if (!w || !x || !out || n < 0 || n % t->info.block_size) return LLML_ERR_INVALID_ARG;
    bs = t->info.block_size == 1 ? 64 : t->info.block_size;
    for (i = 0; i < n; i += bs) {
        int64_t m = LLML__MIN(bs, n - i);
        t->dequant(p, buf, m);
        p += (size_t)(m / t->info.block_size) * (size_t)t->info.type_size;
        for (j = 0; j < m; j++) sum += (double)buf[j] * (double)x[i + j];
    }
    *out = (float)sum;
    return LLML_OK;
}

/* ========================================================================== */
/* >>kern  matrix-product kernel table                                         */
/* ========================================================================== */
/* The model code multiplies weight matrices by activation rows through a
   table chosen once per context. Activations are first converted to the
   weight format's vec_dot_type (llml_type_info) with actq[vec_dot_type];
   then mm[weight type] computes, for r in [0, nr) and t in [0, nt):
       out[t * out_stride + r] = dot(w + r * w_stride, a + t * a_stride, n)
   Every entry has a portable scalar version built from the type table; the
   SIMD sections replace entries where the CPU allows. */

typedef void (*llml__mm_fn)(llml_type type, int64_t n,
                            const void *w, size_t w_stride, int64_t nr,
                            const void *a, size_t a_stride, int64_t nt,
                            float *out, size_t out_stride);
typedef void (*llml__actq_fn)(const float *x, void *dst, int64_t n);

typedef struct llml__kern {
    uint32_t isa;                          /* LLML__ISA_* bits in use        */
    llml_isa level;                        /* the level they make up         */
    llml__mm_fn mm[LLML_TYPE_COUNT];       /* by weight type                 */
    llml__actq_fn actq[LLML_TYPE_COUNT];   /* by activation (vec_dot) type   */
} llml__kern;

/* Full unrolling of the small constant loops of the SIMD tiles (so that the
   tile accumulators live in registers). */
#if defined(__clang__)
#define LLML__UNROLL _Pragma("unroll")
#elif defined(__GNUC__) && __GNUC__ >= 8
#define LLML__UNROLL _Pragma("GCC unroll 16")
#else
#define LLML__UNROLL
#endif

/* Feature bits (llml__kern.isa) of the kernels in use. */
#define LLML__ISA_SCALAR     0u
#define LLML__ISA_AVX2       0x01u  /* AVX2 + FMA + F16C                      */
#define LLML__ISA_AVX512     0x02u  /* AVX-512 F/BW/VL/DQ + VNNI              */
#define LLML__ISA_AVX512BF16 0x04u  /* AVX512_BF16 (with LLML__ISA_AVX512)    */
#define LLML__ISA_NEON       0x10u  /* AArch64 Advanced SIMD                  */
#define LLML__ISA_DOTPROD    0x20u  /* Armv8.2 SDOT/UDOT                      */

/* Which SIMD sections are compiled: GCC or Clang on x86-64 or AArch64, unless
   LLML_NO_SIMD is defined. Other compilers and targets keep the scalar
   table. */
#if !defined(LLML_NO_SIMD) && (defined(__GNUC__) || defined(__clang__))
#if defined(__x86_64__)
#define LLML__X86 1
#include <immintrin.h>
#include <cpuid.h>
/* AVX-512 VNNI needs GCC 8 / Clang 6, AVX512_BF16 GCC 10 / Clang 9. */
#if defined(__clang__) ? (__clang_major__ >= 6) : (__GNUC__ >= 8)
#define LLML__X86_512 1
#endif
#if defined(__clang__) ? (__clang_major__ >= 9) : (__GNUC__ >= 10)
#define LLML__X86_BF16 1
#endif
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define LLML__ARM 1
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif
/* The dotprod kernels: GCC 8+ compiles them with a target attribute (and the
   hwcaps decide at run time); Clang only where the compile target already
   has dotprod. */
#if defined(__ARM_FEATURE_DOTPROD)
#define LLML__ARM_DP 1
#define LLML__DP_ATTR
#elif defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define LLML__ARM_DP 1
#define LLML__DP_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#endif
#endif

static void llml__mm_scalar(llml_type type, int64_t n,
                            const void *w, size_t w_stride, int64_t nr,
                            const void *a, size_t a_stride, int64_t nt,
                            float *out, size_t out_stride) {
    llml__dot_fn dot = llml__types[type].dot;
    int64_t r, t;
    for (t = 0; t < nt; t++) {
        const uint8_t *at = (const uint8_t *)a + (size_t)t * a_stride;
        float *o = out + (size_t)t * out_stride;
        for (r = 0; r < nr; r++)
            o[r] = dot((const uint8_t *)w + (size_t)r * w_stride, at, n);
    }
}

static void llml__actq_f32(const float *x, void *dst, int64_t n) { memcpy(dst, x, (size_t)n * sizeof(float)); }
static void llml__actq_f16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst; int64_t i;
    for (i = 0; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_fp16(x[i]));
}
static void llml__actq_bf16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst; int64_t i;
    for (i = 0; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_bf16(x[i]));
}
static void llml__actq_q8_0(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_0].quant(x, dst, 1, n, NULL); }
static void llml__actq_q8_1(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_1].quant(x, dst, 1, n, NULL); }
static void llml__actq_q8_k(const float *x, void *dst, int64_t n) { (void)llml__types[LLML_TYPE_Q8_K].quant(x, dst, 1, n, NULL); }

/* Fill k with the scalar kernels, then let the SIMD sections (later in this
   file) replace what the CPU and isa_cap allow. */
LLML__UNUSED static void llml__kern_init_scalar(llml__kern *k) {
    int i;
    memset(k, 0, sizeof(*k));
    k->isa = LLML__ISA_SCALAR;
    k->level = LLML_ISA_SCALAR;
    for (i = 0; i < LLML_TYPE_COUNT; i++)
        if (llml__types[i].info.name && llml__types[i].dot) k->mm[i] = llml__mm_scalar;
    k->actq[LLML_TYPE_F32] = llml__actq_f32;
    k->actq[LLML_TYPE_F16] = llml__actq_f16;
    k->actq[LLML_TYPE_BF16] = llml__actq_bf16;
    k->actq[LLML_TYPE_Q8_0] = llml__actq_q8_0;
    k->actq[LLML_TYPE_Q8_1] = llml__actq_q8_1;
    k->actq[LLML_TYPE_Q8_K] = llml__actq_q8_k;
}

/* Format groups shared by the SIMD sections (one generic kernel per group,
   specialised by a constant format code). */
/* 32-element block formats, in one generic tile (switches on a constant). */
#define LLML__F32B_Q4_0 0
#define LLML__F32B_Q4_1 1
#define LLML__F32B_Q5_0 2
#define LLML__F32B_Q5_1 3
#define LLML__F32B_Q8_0 4
#define LLML__F32B_IQ4_NL 5

LLML__UNUSED static int llml__f32b_bytes(int f) {
    switch (f) {
    case LLML__F32B_Q4_0: case LLML__F32B_IQ4_NL: return 18;
    case LLML__F32B_Q4_1: return 20;
    case LLML__F32B_Q5_0: return 22;
    case LLML__F32B_Q5_1: return 24;
    default: return 34;
    }
}
/* Affine formats (x = q d + m) pair with Q8_1 activations. */
LLML__UNUSED static int llml__f32b_affine(int f) { return f == LLML__F32B_Q4_1 || f == LLML__F32B_Q5_1; }

#define LLML__FK_Q2_K 0
#define LLML__FK_Q3_K 1
#define LLML__FK_Q4_K 2
#define LLML__FK_Q5_K 3
#define LLML__FK_Q6_K 4
#define LLML__FK_IQ4_XS 5

LLML__UNUSED static int llml__fk_bytes(int f) {
    static const int bytes[6] = { 84, 110, 144, 176, 210, 136 };
    return bytes[f];
}

#define LLML__FF_F32 0
#define LLML__FF_F16 1
#define LLML__FF_BF16 2

LLML__UNUSED static float llml__ff_get(int f, const uint8_t *p, int64_t i) {
    switch (f) {
    case LLML__FF_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
    case LLML__FF_F16: return llml_fp16_to_fp32(llml__rd16(p + 2 * i));
    default: return llml_bf16_to_fp32(llml__rd16(p + 2 * i));
    }
}


/* ------------------------------------------------------------------------ */
/* >>kern_init  CPU detection and the choice of kernels                      */
/* ------------------------------------------------------------------------ */

#if defined(LLML__X86)
static void llml__kern_fill_x86(llml__kern *k, uint32_t isa);

/* cpuid + xgetbv: AVX2 needs the OS to save the YMM state (XCR0 bits 1-2),
   AVX-512 also the opmask and ZMM state (bits 5-7). */
static uint32_t llml__cpu_bits(void) {
    unsigned a, b, c, d, xcr0_lo, xcr0_hi, bits = 0;
    int has_fma, has_f16c, has_avx, has_osxsave;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    has_fma = (c >> 12) & 1; has_osxsave = (c >> 27) & 1;
    has_avx = (c >> 28) & 1; has_f16c = (c >> 29) & 1;
    if (!(has_fma && has_osxsave && has_avx && has_f16c)) return 0;
    __asm__ __volatile__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    (void)xcr0_hi;
    if ((xcr0_lo & 0x6u) != 0x6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!((b >> 5) & 1)) return 0;                          /* AVX2 */
    bits |= LLML__ISA_AVX2;
#if defined(LLML__X86_512)
    if ((xcr0_lo & 0xe6u) == 0xe6u && ((b >> 16) & 1) && ((b >> 17) & 1) &&
        ((b >> 30) & 1) && ((b >> 31) & 1) && ((c >> 11) & 1)) { /* F DQ BW VL VNNI */
        bits |= LLML__ISA_AVX512;
#if defined(LLML__X86_BF16)
        if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1)) bits |= LLML__ISA_AVX512BF16;
#endif
    }
#endif
    return bits;
}
#elif defined(LLML__ARM)
static void llml__kern_fill_arm(llml__kern *k, uint32_t isa);

/* NEON is part of the AArch64 base; dotprod from the Linux hwcaps (or the
   compiler's target when it already includes it). */
static uint32_t llml__cpu_bits(void) {
    uint32_t bits = LLML__ISA_NEON;
#if defined(__ARM_FEATURE_DOTPROD)
    bits |= LLML__ISA_DOTPROD;
#elif defined(LLML__ARM_DP) && defined(__linux__)
    if (getauxval(AT_HWCAP) & (1ul << 20)) bits |= LLML__ISA_DOTPROD; /* HWCAP_ASIMDDP */
#endif
    return bits;
}
#else
static uint32_t llml__cpu_bits(void) { return 0; }
#endif

/* The level that a set of feature bits makes up. */
static llml_isa llml__isa_level(uint32_t bits) {
    if (bits & LLML__ISA_AVX512) return LLML_ISA_AVX512;
    if (bits & LLML__ISA_AVX2) return LLML_ISA_AVX2;
    if (bits & LLML__ISA_DOTPROD) return LLML_ISA_NEON_DOTPROD;
    if (bits & LLML__ISA_NEON) return LLML_ISA_NEON;
    return LLML_ISA_SCALAR;
}

/* The CPU's feature bits limited to what the level `cap` allows. */
static uint32_t llml__isa_capped(uint32_t bits, uint32_t cap) {
    switch (cap) {
    case LLML_ISA_DEFAULT: return bits;
    case LLML_ISA_AVX512: return bits & (LLML__ISA_AVX2 | LLML__ISA_AVX512 | LLML__ISA_AVX512BF16);
    case LLML_ISA_AVX2: return bits & LLML__ISA_AVX2;
    case LLML_ISA_NEON_DOTPROD: return bits & (LLML__ISA_NEON | LLML__ISA_DOTPROD);
    case LLML_ISA_NEON: return bits & LLML__ISA_NEON;
    default: return 0;
    }
}

LLML_API const char *llml_isa_name(llml_isa isa) {
    switch (isa) {
    case LLML_ISA_DEFAULT: return "default";
    case LLML_ISA_SCALAR: return "scalar";
    case LLML_ISA_AVX2: return "avx2";
    case LLML_ISA_AVX512: return "avx512";
    case LLML_ISA_NEON: return "neon";
    case LLML_ISA_NEON_DOTPROD: return "neon-dotprod";
    case LLML_ISA_FORCE_U32: break;
    }
    return "unknown";
}

LLML_API llml_isa llml_isa_best(void) { return llml__isa_level(llml__cpu_bits()); }

LLML_API int llml_isa_supported(llml_isa isa) {
    if (isa == LLML_ISA_DEFAULT || isa == LLML_ISA_SCALAR) return 1;
    if ((unsigned)isa > (unsigned)LLML_ISA_NEON_DOTPROD) return 0;
    return llml__isa_level(llml__isa_capped(llml__cpu_bits(), (uint32_t)isa)) == isa;
}

/* Fill k with the best kernels the CPU has, at most the level isa_cap
   (an llml_isa; 0 = no cap). */
LLML__UNUSED static void llml__kern_init(llml__kern *k, uint32_t isa_cap) {
    uint32_t bits = llml__isa_capped(llml__cpu_bits(), isa_cap);
    llml__kern_init_scalar(k);
#if defined(LLML__X86)
    if (bits) llml__kern_fill_x86(k, bits);
#elif defined(LLML__ARM)
    if (bits) llml__kern_fill_arm(k, bits);
#endif
    k->isa = bits;
    k->level = llml__isa_level(bits);
}

/* ========================================================================== */
/* >>kern_avx2  x86-64 AVX2 + FMA + F16C kernels                               */
/* ========================================================================== */
/* Every function here carries its own target attribute, so a build with the
   default flags contains them and llml__kern_init picks them only when the
   CPU has the instructions. The quantized products follow the scalar
   reference: integer dot products per block (or sub-block) are exact, and
   only the float accumulation differs in order (and by fused multiply-adds).
   Matrix-vector work streams each weight row once: the 4- and 5-bit
   32-formats one row at a time, 8 blocks per step (llml__avx2_f32b_mv),
   Q8_0 4 rows at a time, the 256-formats one row at a time. With several
   activation rows the weights go in chunks of LLML__MM_RC rows that stay in
   cache while every activation row passes over them. (Tiles of several
   activation rows per inner loop ran out of registers and were slower;
   a register-blocked GEMM for prompts is future work.) */

#if defined(LLML__X86)

#define LLML__AVX2 __attribute__((target("avx2,fma,f16c")))
/* Weight rows per chunk when several activation rows share them. */
#define LLML__MM_RC 64
#define LLML__AVX2I static inline __attribute__((always_inline, target("avx2,fma,f16c")))

LLML__AVX2I float llml__avx2_h(const uint8_t *p) { return _cvtsh_ss(llml__rd16(p)); }

LLML__AVX2I float llml__avx2_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
LLML__AVX2I float llml__avx2_hsum128(__m128 s) {
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

LLML__AVX2I __m256i llml__avx2_ld(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
LLML__AVX2I __m128i llml__avx2_ld128(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }

/* 16 packed nibbles -> 32 bytes: low nibbles first, then the high ones. */
LLML__AVX2I __m256i llml__avx2_nib(__m128i v) {
    __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(v), _mm_srli_epi16(v, 4), 1);
    return _mm256_and_si256(q, _mm256_set1_epi8(0x0f));
}

/* Bit i of a 32-bit word -> 0x10 in byte i. */
LLML__AVX2I __m256i llml__avx2_bit5(uint32_t h) {
    const __m256i sh = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                        2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bm = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h), sh);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bm), bm);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* The 16 levels of iq4_nl / iq4_xs in both lanes. */
LLML__AVX2I __m256i llml__avx2_kvalues(void) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)llml__qb_kvalues));
}

/* One 32-block of weights as 32 int8 codes: signed values for the symmetric
   formats, unsigned q for the affine ones. */
LLML__AVX2I __m256i llml__avx2_dec32(int f, const uint8_t *x) {
    switch (f) {
    case LLML__F32B_Q8_0: return llml__avx2_ld(x + 2);
    case LLML__F32B_Q4_0: return _mm256_sub_epi8(llml__avx2_nib(llml__avx2_ld128(x + 2)), _mm256_set1_epi8(8));
    case LLML__F32B_IQ4_NL: return _mm256_shuffle_epi8(llml__avx2_kvalues(), llml__avx2_nib(llml__avx2_ld128(x + 2)));
    case LLML__F32B_Q4_1: return llml__avx2_nib(llml__avx2_ld128(x + 4));
    case LLML__F32B_Q5_0:
        return _mm256_sub_epi8(_mm256_or_si256(llml__avx2_nib(llml__avx2_ld128(x + 6)), llml__avx2_bit5(llml__rd32(x + 2))),
                               _mm256_set1_epi8(16));
    default:
        return _mm256_or_si256(llml__avx2_nib(llml__avx2_ld128(x + 8)), llml__avx2_bit5(llml__rd32(x + 4)));
    }
}

/* Signed x signed bytes -> 16 int16 pair sums (|w|, |a| <= 128, 127). */
LLML__AVX2I __m256i llml__avx2_dot_ss(__m256i wabs, __m256i w, __m256i a) {
    return _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(a, w));
}

/* Tile: RM weight rows x TN activation rows over nb blocks. */
LLML__AVX2I void llml__avx2_f32b_tile(int f, int RM, int TN, int64_t nb,
                                      const uint8_t *w, size_t ws, const uint8_t *a, size_t as,
                                      float *out, size_t os) {
    const int bs = llml__f32b_bytes(f), aff = llml__f32b_affine(f);
    const int abs_ = aff ? 36 : 34, aq = aff ? 4 : 2;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[4][4];
    float mac[4][4];
    int i, j;
    int64_t b;
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) { acc[i][j] = _mm256_setzero_ps(); mac[i][j] = 0.0f; }
    }
    for (b = 0; b < nb; b++) {
        __m256i wq[4], wa[4];
        float dw[4], mw[4];
        LLML__UNROLL for (i = 0; i < RM; i++) {
            const uint8_t *x = w + (size_t)i * ws + (size_t)b * (size_t)bs;
            wq[i] = llml__avx2_dec32(f, x);
            wa[i] = aff ? wq[i] : _mm256_sign_epi8(wq[i], wq[i]);
            dw[i] = llml__avx2_h(x);
            mw[i] = aff ? llml__avx2_h(x + 2) : 0.0f;
        }
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const uint8_t *y = a + (size_t)j * as + (size_t)b * (size_t)abs_;
            const __m256i av = llml__avx2_ld(y + aq);
            const float da = llml__avx2_h(y), sa = aff ? llml__avx2_h(y + 2) : 0.0f;
            LLML__UNROLL for (i = 0; i < RM; i++) {
                __m256i p = aff ? _mm256_maddubs_epi16(wq[i], av) : llml__avx2_dot_ss(wa[i], wq[i], av);
                p = _mm256_madd_epi16(p, ones);
                acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw[i] * da), acc[i][j]);
                if (aff) mac[i][j] += mw[i] * sa;
            }
        }
    }
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os + (size_t)i] = llml__avx2_hsum(acc[i][j]) + mac[i][j];
    }
}

/* Matrix-vector products of the 4- and 5-bit 32-formats, one weight row at a
   time, 8 blocks per step. The activation row is first copied (a chunk of
   LLML__MV_KC blocks at a time, on the stack) into pair order: for blocks
   b, b + 1 the 64 bytes a_b[0..15] a_b1[0..15] a_b[16..31] a_b1[16..31], so
   that 16 packed bytes of two weight blocks decode with one shift into the
   same order. The 8 block sums come out of three horizontal adds in the
   order 0 2 4 6 1 3 5 7; the per-block activation scales (and the offset
   and min terms) are stored in that order too, and the weight scales are
   gathered into it. */
#define LLML__MV_KC 128

typedef struct {
    int8_t qs[LLML__MV_KC * 32];
    float da[LLML__MV_KC];     /* activation scale per block (permuted by 8)  */
    float db[LLML__MV_KC];     /* offset term: off * d_a * sum(a), or s_a      */
} llml__mv_act;

static int llml__mv_perm(int b) { /* position of block b in its group of 8 */
    static const int p[8] = { 0, 4, 1, 5, 2, 6, 3, 7 };
    return (b & ~7) | p[b & 7];
}

/* Copy nb (<= LLML__MV_KC) blocks of Q8_0 / Q8_1 activations into pair order. */
static void llml__mv_prep(int f, const uint8_t *y, int64_t nb, llml__mv_act *m) {
    const int aff = llml__f32b_affine(f), abs_ = aff ? 36 : 34, aq = aff ? 4 : 2;
    const int off = f == LLML__F32B_Q4_0 ? 8 : f == LLML__F32B_Q5_0 ? 16 : 0;
    int64_t b;
    for (b = 0; b < nb; b++) {
        const uint8_t *yb = y + b * abs_;
        int8_t *dst = m->qs + (b >> 1) * 64 + (b & 1) * 16;
        const float da = llml_fp16_to_fp32(llml__rd16(yb));
        int sum = 0, j;
        memcpy(dst, yb + aq, 16);
        memcpy(dst + 32, yb + aq + 16, 16);
        for (j = 0; j < 32; j++) sum += (int8_t)yb[aq + j];
        m->da[llml__mv_perm((int)b)] = da;
        m->db[llml__mv_perm((int)b)] = aff ? llml_fp16_to_fp32(llml__rd16(yb + 2)) : (float)off * da * (float)sum;
    }
}

/* Two weight blocks in pair order: lo = low halves, hi = high halves, as
   unsigned codes (Q4_0 / Q5_0 / Q4_1 / Q5_1) or signed levels (IQ4_NL). */
LLML__AVX2I void llml__avx2_dec_pair(int f, const uint8_t *x0, const uint8_t *x1, __m256i *lo, __m256i *hi) {
    const int qo = f == LLML__F32B_Q5_0 ? 6 : f == LLML__F32B_Q4_1 ? 4 : f == LLML__F32B_Q5_1 ? 8 : 2;
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(llml__avx2_ld128(x0 + qo)), llml__avx2_ld128(x1 + qo), 1);
    *lo = _mm256_and_si256(v, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    if (f == LLML__F32B_Q5_0 || f == LLML__F32B_Q5_1) {
        const int ho = f == LLML__F32B_Q5_0 ? 2 : 4;
        const uint32_t h0 = llml__rd32(x0 + ho), h1 = llml__rd32(x1 + ho);
        *lo = _mm256_or_si256(*lo, llml__avx2_bit5((h0 & 0xffffu) | (h1 << 16)));
        *hi = _mm256_or_si256(*hi, llml__avx2_bit5((h0 >> 16) | (h1 & 0xffff0000u)));
    }
    if (f == LLML__F32B_IQ4_NL) {
        const __m256i kv = llml__avx2_kvalues();
        *lo = _mm256_shuffle_epi8(kv, *lo);
        *hi = _mm256_shuffle_epi8(kv, *hi);
    }
}

/* Pair sums of two weight blocks against pair-ordered activations: 8 int32,
   lanes 0-3 block b, 4-7 block b + 1. */
LLML__AVX2I __m256i llml__avx2_pair_dot(int f, __m256i lo, __m256i hi, const int8_t *a) {
    const __m256i a0 = _mm256_loadu_si256((const __m256i *)(const void *)a);
    const __m256i a1 = _mm256_loadu_si256((const __m256i *)(const void *)(a + 32));
    const __m256i ones = _mm256_set1_epi16(1);
    if (f == LLML__F32B_IQ4_NL) /* pair sums up to 2 * 127 * 127: widen before adding */
        return _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(lo, lo), _mm256_sign_epi8(a0, lo)), ones),
                                _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(hi, hi), _mm256_sign_epi8(a1, hi)), ones));
    /* unsigned codes <= 31: pair sums <= 7874, two of them fit int16 */
    return _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(lo, a0), _mm256_maddubs_epi16(hi, a1)), ones);
}

/* 8 fp16 fields at x + at + k * bs, in the order 0 2 4 6 1 3 5 7. */
LLML__AVX2I __m256 llml__avx2_gather_h8(const uint8_t *x, int bs, int at) {
    const uint8_t *p = x + at;
    return _mm256_cvtph_ps(_mm_setr_epi16((short)llml__rd16(p), (short)llml__rd16(p + 2 * bs), (short)llml__rd16(p + 4 * bs),
                                          (short)llml__rd16(p + 6 * bs), (short)llml__rd16(p + bs), (short)llml__rd16(p + 3 * bs),
                                          (short)llml__rd16(p + 5 * bs), (short)llml__rd16(p + 7 * bs)));
}

LLML__AVX2I void llml__avx2_f32b_mv(int f, int64_t nb, const uint8_t *w, size_t ws, int64_t nr,
                                    const uint8_t *y, float *out) {
    const int bs = llml__f32b_bytes(f), aff = llml__f32b_affine(f), abs_ = aff ? 36 : 34;
    const int has_db = aff || f == LLML__F32B_Q4_0 || f == LLML__F32B_Q5_0;
    llml__mv_act m;
    int64_t c0, r;
    for (c0 = 0; c0 < nb; c0 += LLML__MV_KC) {
        const int64_t cn = LLML__MIN(LLML__MV_KC, nb - c0), ng = cn / 8;
        llml__mv_prep(f, y + c0 * abs_, cn, &m);
        for (r = 0; r < nr; r++) {
            const uint8_t *x = w + (size_t)r * ws + (size_t)c0 * (size_t)bs;
            __m256 acc = _mm256_setzero_ps(), acb = _mm256_setzero_ps();
            float tail = 0.0f;
            int64_t g, b;
            for (g = 0; g < ng; g++, x += 8 * bs) {
                __m256i s[4], lo, hi;
                __m256 dw;
                int k;
                LLML__UNROLL for (k = 0; k < 4; k++) {
                    llml__avx2_dec_pair(f, x + 2 * k * bs, x + (2 * k + 1) * bs, &lo, &hi);
                    s[k] = llml__avx2_pair_dot(f, lo, hi, m.qs + (g * 4 + k) * 64);
                }
                s[0] = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
                dw = llml__avx2_gather_h8(x, bs, 0);
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[0]), _mm256_mul_ps(dw, _mm256_loadu_ps(m.da + g * 8)), acc);
                if (aff) acb = _mm256_fmadd_ps(llml__avx2_gather_h8(x, bs, 2), _mm256_loadu_ps(m.db + g * 8), acb);
                else if (has_db) acb = _mm256_fmadd_ps(dw, _mm256_loadu_ps(m.db + g * 8), acb);
            }
            for (b = ng * 8; b < cn; b++, x += bs) { /* last blocks one by one */
                const uint8_t *yb = y + (c0 + b) * abs_;
                const __m256i q = llml__avx2_dec32(f, x);
                const __m256i a = llml__avx2_ld(yb + (aff ? 4 : 2));
                const __m256i p = aff ? _mm256_maddubs_epi16(q, a) : llml__avx2_dot_ss(_mm256_sign_epi8(q, q), q, a);
                tail += llml__avx2_hsum(_mm256_cvtepi32_ps(_mm256_madd_epi16(p, _mm256_set1_epi16(1)))) *
                        (llml__avx2_h(x) * llml__avx2_h(yb));
                if (aff) tail += llml__avx2_h(x + 2) * llml__avx2_h(yb + 2);
            }
            {
                const float v = llml__avx2_hsum(acc) + (aff ? llml__avx2_hsum(acb) : -llml__avx2_hsum(acb)) + tail;
                out[r] = c0 == 0 ? v : out[r] + v;
            }
        }
    }
}

LLML__AVX2I void llml__avx2_f32b_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                    const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const int64_t nb = n / 32;
    /* Several activation rows: the weights in chunks of LLML__MM_RC rows,
       each chunk multiplied by every activation row while it is in cache. */
    int64_t r0, r, t;
    for (r0 = 0; r0 < nr; r0 += LLML__MM_RC) {
        const int64_t rn = LLML__MIN(LLML__MM_RC, nr - r0);
        for (t = 0; t < nt; t++) {
            const uint8_t *wr = w + (size_t)r0 * ws, *at = a + (size_t)t * as;
            float *o = out + (size_t)t * os + (size_t)r0;
            if (f != LLML__F32B_Q8_0) { llml__avx2_f32b_mv(f, nb, wr, ws, rn, at, o); continue; }
            for (r = 0; r + 4 <= rn; r += 4) llml__avx2_f32b_tile(f, 4, 1, nb, wr + (size_t)r * ws, ws, at, as, o + r, os);
            for (; r < rn; r++) llml__avx2_f32b_tile(f, 1, 1, nb, wr + (size_t)r * ws, ws, at, as, o + r, os);
        }
    }
}

#define LLML__AVX2_F32B(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_f32b_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_F32B(q4_0, LLML__F32B_Q4_0)
LLML__AVX2_F32B(q4_1, LLML__F32B_Q4_1)
LLML__AVX2_F32B(q5_0, LLML__F32B_Q5_0)
LLML__AVX2_F32B(q5_1, LLML__F32B_Q5_1)
LLML__AVX2_F32B(q8_0, LLML__F32B_Q8_0)
LLML__AVX2_F32B(iq4_nl, LLML__F32B_IQ4_NL)

/* ---- 256-element formats (Q8_K activations) ------------------------------- */

LLML__AVX2I __m256i llml__avx2_madd_s16(__m256i p, int s) { return _mm256_madd_epi16(p, _mm256_set1_epi16((short)s)); }

/* 16 int8 group scales: the pair (g, g + 1) as 16 int16 (low lane g). */
LLML__AVX2I __m256i llml__avx2_sc_pair(__m128i sc8, int g) {
    const __m128i ctl = _mm_setr_epi8((char)g, (char)g, (char)g, (char)g, (char)g, (char)g, (char)g, (char)g,
                                      (char)(g + 1), (char)(g + 1), (char)(g + 1), (char)(g + 1),
                                      (char)(g + 1), (char)(g + 1), (char)(g + 1), (char)(g + 1));
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, ctl));
}

/* Q3_K's 16 signed 6-bit scales as int8. */
LLML__AVX2I __m128i llml__avx2_q3_scales(const uint8_t *b) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    const uint32_t s0 = (w0 & 0x0f0f0f0fu) | ((w2 << 4) & 0x30303030u);
    const uint32_t s1 = (w1 & 0x0f0f0f0fu) | ((w2 << 2) & 0x30303030u);
    const uint32_t s2 = ((w0 >> 4) & 0x0f0f0f0fu) | (w2 & 0x30303030u);
    const uint32_t s3 = ((w1 >> 4) & 0x0f0f0f0fu) | ((w2 >> 2) & 0x30303030u);
    return _mm_sub_epi8(_mm_setr_epi32((int)s0, (int)s1, (int)s2, (int)s3), _mm_set1_epi8(32));
}

/* Q4_K / Q5_K: 8 scales (bytes 0-7) and 8 mins (bytes 8-15). */
LLML__AVX2I __m128i llml__avx2_k4_scales(const uint8_t *b) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    const uint32_t sl = w0 & 0x3f3f3f3fu, sh = (w2 & 0x0f0f0f0fu) | ((w0 >> 2) & 0x30303030u);
    const uint32_t ml = w1 & 0x3f3f3f3fu, mh = ((w2 >> 4) & 0x0f0f0f0fu) | ((w1 >> 2) & 0x30303030u);
    return _mm_setr_epi32((int)sl, (int)sh, (int)ml, (int)mh);
}

/* One 256-block of row x against TN Q8_K blocks y[j]: integer sums into
   isum[j] (scaled by the block's d in acc[j]) and min terms into mac[j]. */
LLML__AVX2I void llml__avx2_fk_block(int f, int TN, const uint8_t *x, const uint8_t *const *y,
                                     __m256 *acc, __m128 *mac) {
    const __m256i m4 = _mm256_set1_epi8(0x0f), m3 = _mm256_set1_epi8(3);
    __m256i isum[4];
    float d = 0.0f, dmin = 0.0f;
    int j, c, k, h;
    LLML__UNROLL for (j = 0; j < TN; j++) isum[j] = _mm256_setzero_si256();
    switch (f) {
    case LLML__FK_Q2_K: {
        const __m128i sb = llml__avx2_ld128(x);
        const __m128i sc8 = _mm_and_si128(sb, _mm_set1_epi8(0x0f));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sb, 4), _mm_set1_epi8(0x0f)));
        d = llml__avx2_h(x + 80); dmin = llml__avx2_h(x + 82);
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const __m256i ms = _mm256_madd_epi16(mins, llml__avx2_ld(y[j] + 260));
            const __m128 m = _mm_cvtepi32_ps(_mm_add_epi32(_mm256_castsi256_si128(ms), _mm256_extracti128_si256(ms, 1)));
            mac[j] = _mm_fnmadd_ps(m, _mm_set1_ps(dmin * llml__qb_q8k_d(y[j])), mac[j]);
        }
        LLML__UNROLL for (h = 0; h < 2; h++) {
            const __m256i qs = llml__avx2_ld(x + 16 + 32 * h);
            LLML__UNROLL for (k = 0; k < 4; k++) {
                const __m256i q = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * k), m3);
                const __m256i sc = llml__avx2_sc_pair(sc8, 8 * h + 2 * k);
                LLML__UNROLL for (j = 0; j < TN; j++) {
                    const __m256i p = _mm256_maddubs_epi16(q, llml__avx2_ld(y[j] + 4 + 128 * h + 32 * k));
                    isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p, sc));
                }
            }
        }
        break;
    }
    case LLML__FK_Q3_K: case LLML__FK_Q6_K: {
        /* unsigned codes u (q = u - off): sum sc q a = sum sc u a - off sum sc bsum */
        const __m128i sc8 = f == LLML__FK_Q3_K ? llml__avx2_q3_scales(x + 96) : llml__avx2_ld128(x + 192);
        const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
        const int off_shift = f == LLML__FK_Q3_K ? 2 : 5;
        d = llml__avx2_h(x + (f == LLML__FK_Q3_K ? 108 : 208));
        LLML__UNROLL for (j = 0; j < TN; j++)
            isum[j] = _mm256_slli_epi32(_mm256_madd_epi16(sc16, llml__avx2_ld(y[j] + 260)), off_shift);
        LLML__UNROLL for (j = 0; j < TN; j++) isum[j] = _mm256_sub_epi32(_mm256_setzero_si256(), isum[j]);
        LLML__UNROLL for (h = 0; h < 2; h++) {
            __m256i qs, ql0 = _mm256_setzero_si256(), ql1 = _mm256_setzero_si256(), qh;
            if (f == LLML__FK_Q3_K) { qs = llml__avx2_ld(x + 32 + 32 * h); qh = llml__avx2_ld(x); }
            else { qs = _mm256_setzero_si256(); ql0 = llml__avx2_ld(x + 64 * h); ql1 = llml__avx2_ld(x + 64 * h + 32); qh = llml__avx2_ld(x + 128 + 32 * h); }
            LLML__UNROLL for (k = 0; k < 4; k++) {
                __m256i q;
                if (f == LLML__FK_Q3_K) {
                    const int bit = 4 * h + k;
                    q = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * k), m3);
                    q = _mm256_or_si256(q, _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, bit), 2), _mm256_set1_epi8(4)));
                } else {
                    const __m256i lo = k == 0 ? _mm256_and_si256(ql0, m4) : k == 1 ? _mm256_and_si256(ql1, m4)
                                     : k == 2 ? _mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4)
                                              : _mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4);
                    const __m256i hb = k == 0 ? _mm256_slli_epi16(qh, 4) : k == 1 ? _mm256_slli_epi16(qh, 2)
                                     : k == 2 ? qh : _mm256_srli_epi16(qh, 2);
                    q = _mm256_or_si256(lo, _mm256_and_si256(hb, _mm256_set1_epi8(0x30)));
                }
                {
                    const __m256i sc = llml__avx2_sc_pair(sc8, 8 * h + 2 * k);
                    LLML__UNROLL for (j = 0; j < TN; j++) {
                        const __m256i p = _mm256_maddubs_epi16(q, llml__avx2_ld(y[j] + 4 + 128 * h + 32 * k));
                        isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p, sc));
                    }
                }
            }
        }
        break;
    }
    case LLML__FK_Q4_K: case LLML__FK_Q5_K: {
        const __m128i s = llml__avx2_k4_scales(x + 4);
        const __m128i mins = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(s, s));
        const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(s));
        const int q5 = f == LLML__FK_Q5_K;
        const __m256i qh = q5 ? llml__avx2_ld(x + 16) : _mm256_setzero_si256();
        d = llml__avx2_h(x); dmin = llml__avx2_h(x + 2);
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const __m256i bs = llml__avx2_ld(y[j] + 260);
            const __m128i q8s = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
            const __m128 m = _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s));
            mac[j] = _mm_fnmadd_ps(m, _mm_set1_ps(dmin * llml__qb_q8k_d(y[j])), mac[j]);
        }
        LLML__UNROLL for (c = 0; c < 4; c++) {
            const __m256i qs = llml__avx2_ld(x + (q5 ? 48 : 16) + 32 * c);
            __m256i lo = _mm256_and_si256(qs, m4), hi = _mm256_and_si256(_mm256_srli_epi16(qs, 4), m4);
            /* broadcast int16 scale g into every lane */
            const __m256i sl = _mm256_shuffle_epi8(sc16, _mm256_set1_epi16((short)((4 * c + 1) << 8 | (4 * c))));
            const __m256i sh = _mm256_shuffle_epi8(sc16, _mm256_set1_epi16((short)((4 * c + 3) << 8 | (4 * c + 2))));
            if (q5) {
                const __m256i hc = _mm256_srli_epi16(qh, 2 * c), b5 = _mm256_set1_epi8(0x10);
                lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(hc, 4), b5));
                hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(hc, 3), b5));
            }
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i p0 = _mm256_maddubs_epi16(lo, llml__avx2_ld(y[j] + 4 + 64 * c));
                const __m256i p1 = _mm256_maddubs_epi16(hi, llml__avx2_ld(y[j] + 4 + 64 * c + 32));
                isum[j] = _mm256_add_epi32(isum[j], _mm256_add_epi32(_mm256_madd_epi16(p0, sl), _mm256_madd_epi16(p1, sh)));
            }
        }
        break;
    }
    default: { /* IQ4_XS */
        const __m256i kv = llml__avx2_kvalues();
        const unsigned sh = llml__rd16(x + 2);
        int g;
        d = llml__avx2_h(x);
        LLML__UNROLL for (g = 0; g < 8; g++) {
            const int ls = (((x[4 + g / 2] >> (4 * (g % 2))) & 15) | (int)(((sh >> (2 * g)) & 3) << 4)) - 32;
            const __m256i q = _mm256_shuffle_epi8(kv, llml__avx2_nib(llml__avx2_ld128(x + 8 + 16 * g)));
            const __m256i qa = _mm256_sign_epi8(q, q);
            LLML__UNROLL for (j = 0; j < TN; j++) {
                const __m256i p = llml__avx2_dot_ss(qa, q, llml__avx2_ld(y[j] + 4 + 32 * g));
                isum[j] = _mm256_add_epi32(isum[j], llml__avx2_madd_s16(p, ls));
            }
        }
        break;
    }
    }
    LLML__UNROLL for (j = 0; j < TN; j++)
        acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_set1_ps(d * llml__qb_q8k_d(y[j])), acc[j]);
}

LLML__AVX2I void llml__avx2_fk_tile(int f, int TN, int64_t nb, const uint8_t *w, const uint8_t *a, size_t as,
                                    float *out, size_t os) {
    const size_t bs = (size_t)llml__fk_bytes(f);
    __m256 acc[4];
    __m128 mac[4];
    const uint8_t *y[4];
    int j;
    int64_t b;
    LLML__UNROLL for (j = 0; j < TN; j++) { acc[j] = _mm256_setzero_ps(); mac[j] = _mm_setzero_ps(); }
    for (b = 0; b < nb; b++) {
        LLML__UNROLL for (j = 0; j < TN; j++) y[j] = a + (size_t)j * as + (size_t)b * 292;
        llml__avx2_fk_block(f, TN, w + (size_t)b * bs, y, acc, mac);
    }
    LLML__UNROLL for (j = 0; j < TN; j++) out[(size_t)j * os] = llml__avx2_hsum(acc[j]) + llml__avx2_hsum128(mac[j]);
}

LLML__AVX2I void llml__avx2_fk_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                  const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    const int64_t nb = n / 256;
    int64_t r0, r, t;
    for (r0 = 0; r0 < nr; r0 += LLML__MM_RC) {
        const int64_t rn = LLML__MIN(LLML__MM_RC, nr - r0);
        for (t = 0; t < nt; t++)
            for (r = r0; r < r0 + rn; r++)
                llml__avx2_fk_tile(f, 1, nb, w + (size_t)r * ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
    }
}

#define LLML__AVX2_FK(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_fk_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_FK(q2_k, LLML__FK_Q2_K)
LLML__AVX2_FK(q3_k, LLML__FK_Q3_K)
LLML__AVX2_FK(q4_k, LLML__FK_Q4_K)
LLML__AVX2_FK(q5_k, LLML__FK_Q5_K)
LLML__AVX2_FK(q6_k, LLML__FK_Q6_K)
LLML__AVX2_FK(iq4_xs, LLML__FK_IQ4_XS)

/* ---- float formats: F32, F16, BF16 ---------------------------------------- */

LLML__AVX2I __m256 llml__avx2_ldf(int f, const uint8_t *p) {
    switch (f) {
    case LLML__FF_F32: return _mm256_loadu_ps((const float *)(const void *)p);
    case LLML__FF_F16: return _mm256_cvtph_ps(llml__avx2_ld128(p));
    default: return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(llml__avx2_ld128(p)), 16));
    }
}
LLML__AVX2I void llml__avx2_ff_tile(int f, int RM, int TN, int64_t n, const uint8_t *w, size_t ws,
                                    const uint8_t *a, size_t as, float *out, size_t os) {
    const size_t es = f == LLML__FF_F32 ? 4 : 2;
    __m256 acc[4][3];
    int i, j;
    int64_t e;
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) acc[i][j] = _mm256_setzero_ps();
    }
    for (e = 0; e + 8 <= n; e += 8) {
        __m256 wv[4];
        LLML__UNROLL for (i = 0; i < RM; i++) wv[i] = llml__avx2_ldf(f, w + (size_t)i * ws + (size_t)e * es);
        LLML__UNROLL for (j = 0; j < TN; j++) {
            const __m256 av = llml__avx2_ldf(f, a + (size_t)j * as + (size_t)e * es);
            LLML__UNROLL for (i = 0; i < RM; i++) acc[i][j] = _mm256_fmadd_ps(wv[i], av, acc[i][j]);
        }
    }
    LLML__UNROLL for (i = 0; i < RM; i++) {
        LLML__UNROLL for (j = 0; j < TN; j++) {
            float s = llml__avx2_hsum(acc[i][j]);
            int64_t k;
            for (k = e; k < n; k++) s += llml__ff_get(f, w + (size_t)i * ws, k) * llml__ff_get(f, a + (size_t)j * as, k);
            out[(size_t)j * os + (size_t)i] = s;
        }
    }
}

LLML__AVX2I void llml__avx2_ff_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                                  const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const uint8_t *w = (const uint8_t *)wv, *a = (const uint8_t *)av;
    int64_t r, t;
    for (r = 0; r + 4 <= nr; r += 4) {
        for (t = 0; t + 3 <= nt; t += 3)
            llml__avx2_ff_tile(f, 4, 3, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
        for (; t < nt; t++)
            llml__avx2_ff_tile(f, 4, 1, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
    }
    for (; r < nr; r++) {
        for (t = 0; t + 3 <= nt; t += 3)
            llml__avx2_ff_tile(f, 1, 3, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
        for (; t < nt; t++)
            llml__avx2_ff_tile(f, 1, 1, n, w + (size_t)r * ws, ws, a + (size_t)t * as, as, out + (size_t)t * os + (size_t)r, os);
    }
}

#define LLML__AVX2_FF(name, F) \
    static LLML__AVX2 void llml__avx2_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                                const void *a, size_t as, int64_t nt, float *out, size_t os) { \
        (void)type; llml__avx2_ff_mm(F, n, w, ws, nr, a, as, nt, out, os); \
    }
LLML__AVX2_FF(f32, LLML__FF_F32)
LLML__AVX2_FF(f16, LLML__FF_F16)
LLML__AVX2_FF(bf16, LLML__FF_BF16)

/* ---- activation quantizers (the same bytes as the scalar reference) ------- */

/* GCC would fuse the multiply and the add of the Q8_K rounding into one FMA
   when the target has FMA and -ffp-contract=fast (its GNU-mode default);
   the reference rounds twice. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* round(v) half away from zero, clamped to [-128, 127], NaN -> 0. */
LLML__AVX2I __m256i llml__avx2_round8(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 fr = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
    const __m256 one = _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0f));
    __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(fr, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one));
    r = _mm256_max_ps(_mm256_min_ps(r, _mm256_set1_ps(127.0f)), _mm256_set1_ps(-128.0f));
    r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    return _mm256_cvtps_epi32(r);
}

/* 4 x 8 int32 (each in [-128, 127]) -> 32 int8 in order. */
LLML__AVX2I __m256i llml__avx2_pack8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* Largest |x| of 32 floats; NaN when the block holds a NaN (the reference's
   running maximum then depends on where the NaN is). */
LLML__AVX2I float llml__avx2_amax32(const float *x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
    __m128 s;
    int i;
    for (i = 0; i < 32; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        m = _mm256_max_ps(_mm256_andnot_ps(sign, v), m);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    if (_mm256_movemask_ps(nan)) return NAN;
    s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Q8_0 (qs at 2) and Q8_1 (s at 2, qs at 4) blocks of 32. */
LLML__AVX2I void llml__avx2_q8_blocks(const float *x, uint8_t *y, int64_t n, int q81) {
    const size_t bsz = q81 ? 36 : 34;
    int64_t b;
    for (b = 0; b < n / 32; b++, x += 32, y += bsz) {
        const float amax = llml__avx2_amax32(x);
        if (amax != amax) { /* a NaN in the block: the reference's own code */
            float dd;
            const int sum = llml__qb_q8_block(x, y, (int8_t *)(y + (q81 ? 4 : 2)), &dd);
            if (q81) llml__qb_put_half(y + 2, (float)sum * dd);
            continue;
        }
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        const __m256 vid = _mm256_set1_ps(id);
        const __m256i i0 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x), vid));
        const __m256i i1 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x + 8), vid));
        const __m256i i2 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x + 16), vid));
        const __m256i i3 = llml__avx2_round8(_mm256_mul_ps(_mm256_loadu_ps(x + 24), vid));
        _mm256_storeu_si256((__m256i *)(void *)(y + (q81 ? 4 : 2)), llml__avx2_pack8(i0, i1, i2, i3));
        llml__wr16(y, llml_fp32_to_fp16(d));
        if (q81) {
            __m256i s = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
            __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
            t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
            llml__wr16(y + 2, llml_fp32_to_fp16((float)_mm_cvtsi128_si32(t) * d));
        }
    }
}
static LLML__AVX2 void llml__avx2_actq_q8_0(const float *x, void *dst, int64_t n) { llml__avx2_q8_blocks(x, (uint8_t *)dst, n, 0); }
static LLML__AVX2 void llml__avx2_actq_q8_1(const float *x, void *dst, int64_t n) { llml__avx2_q8_blocks(x, (uint8_t *)dst, n, 1); }

/* Q8_K: d = -max/127 for the first element of largest magnitude, codes by
   the reference's round-to-nearest-even through 1.5 * 2^23. */
static LLML__AVX2 void llml__avx2_actq_q8_k(const float *x, void *dst, int64_t n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    uint8_t *y = (uint8_t *)dst;
    int64_t b;
    for (b = 0; b < n / 256; b++, x += 256, y += 292) {
        __m256 m = _mm256_setzero_ps();
        __m128 s;
        float amax, big = 0.0f, inv, d;
        int16_t bs[16];
        int i;
        for (i = 0; i < 256; i += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), m);
        s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        s = _mm_max_ss(s, _mm_movehdup_ps(s));
        amax = _mm_cvtss_f32(s);
        if (amax == 0.0f) { memset(y, 0, 292); continue; }
        {
            const __m256 va = _mm256_set1_ps(amax);
            for (i = 0; i < 256; i += 8) {
                const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), va, _CMP_EQ_OQ));
                if (mask) { big = x[i + __builtin_ctz((unsigned)mask)]; break; }
            }
        }
        inv = -127.0f / big;
        {
            const __m256 vi = _mm256_set1_ps(inv), magic = _mm256_set1_ps(12582912.0f);
            const __m256i mant = _mm256_set1_epi32(0x007fffff), half = _mm256_set1_epi32(0x00400000);
            const __m256i lo = _mm256_set1_epi32(-128), hi = _mm256_set1_epi32(127);
            for (i = 0; i < 256; i += 32) {
                __m256i q[4], p;
                int k;
                for (k = 0; k < 4; k++) {
                    const __m256 v = _mm256_add_ps(_mm256_mul_ps(vi, _mm256_loadu_ps(x + i + 8 * k)), magic);
                    __m256i t = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(v), mant), half);
                    q[k] = _mm256_min_epi32(_mm256_max_epi32(t, lo), hi);
                }
                p = llml__avx2_pack8(q[0], q[1], q[2], q[3]);
                _mm256_storeu_si256((__m256i *)(void *)(y + 4 + i), p);
                {   /* group sums of 16 codes: sad of the biased bytes */
                    const __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(p, _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
                    bs[i / 16] = (int16_t)(_mm256_extract_epi64(sad, 0) + _mm256_extract_epi64(sad, 1) - 2048);
                    bs[i / 16 + 1] = (int16_t)(_mm256_extract_epi64(sad, 2) + _mm256_extract_epi64(sad, 3) - 2048);
                }
            }
        }
        memcpy(y + 260, bs, sizeof bs);
        d = 1.0f / inv;
        memcpy(y, &d, 4);
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

static LLML__AVX2 void llml__avx2_actq_f16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    int64_t i;
    for (i = 0; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(d + 2 * i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_fp16(x[i]));
}

static LLML__AVX2 void llml__avx2_actq_bf16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    const __m256i abs_m = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
    const __m256i bias = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1), q = _mm256_set1_epi32(64);
    int64_t i;
    for (i = 0; i + 16 <= n; i += 16) {
        __m256i r[2];
        int k;
        for (k = 0; k < 2; k++) {
            const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i + 8 * k));
            const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_m), inf);
            const __m256i rn = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(bias, _mm256_and_si256(_mm256_srli_epi32(u, 16), one))), 16);
            const __m256i qn = _mm256_or_si256(_mm256_srli_epi32(u, 16), q);
            r[k] = _mm256_blendv_epi8(rn, qn, nan);
        }
        _mm256_storeu_si256((__m256i *)(void *)(d + 2 * i), _mm256_permute4x64_epi64(_mm256_packus_epi32(r[0], r[1]), 0xd8));
    }
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_bf16(x[i]));
}

/* ---- the table --------------------------------------------------------------- */

static void llml__kern_fill_x86(llml__kern *k, uint32_t isa) {
    if (isa & LLML__ISA_AVX2) {
        k->mm[LLML_TYPE_F32] = llml__avx2_mm_f32;
        k->mm[LLML_TYPE_F16] = llml__avx2_mm_f16;
        k->mm[LLML_TYPE_BF16] = llml__avx2_mm_bf16;
        k->mm[LLML_TYPE_Q8_0] = llml__avx2_mm_q8_0;
        k->mm[LLML_TYPE_Q4_0] = llml__avx2_mm_q4_0;
        k->mm[LLML_TYPE_Q4_1] = llml__avx2_mm_q4_1;
        k->mm[LLML_TYPE_Q5_0] = llml__avx2_mm_q5_0;
        k->mm[LLML_TYPE_Q5_1] = llml__avx2_mm_q5_1;
        k->mm[LLML_TYPE_IQ4_NL] = llml__avx2_mm_iq4_nl;
        k->mm[LLML_TYPE_Q2_K] = llml__avx2_mm_q2_k;
        k->mm[LLML_TYPE_Q3_K] = llml__avx2_mm_q3_k;
        k->mm[LLML_TYPE_Q4_K] = llml__avx2_mm_q4_k;
        k->mm[LLML_TYPE_Q5_K] = llml__avx2_mm_q5_k;
        k->mm[LLML_TYPE_Q6_K] = llml__avx2_mm_q6_k;
        k->mm[LLML_TYPE_IQ4_XS] = llml__avx2_mm_iq4_xs;
        k->actq[LLML_TYPE_F16] = llml__avx2_actq_f16;
        k->actq[LLML_TYPE_BF16] = llml__avx2_actq_bf16;
        k->actq[LLML_TYPE_Q8_0] = llml__avx2_actq_q8_0;
        k->actq[LLML_TYPE_Q8_1] = llml__avx2_actq_q8_1;
        k->actq[LLML_TYPE_Q8_K] = llml__avx2_actq_q8_k;
    }
}

#endif /* LLML__X86 */

/* ========================================================================== */
/* >>kern_neon  AArch64 NEON kernels (with and without dotprod)                */
/* ========================================================================== */
/* NEON is part of the AArch64 base, so these need no target attribute. The
   quantized products come in two copies made by one macro: one with the
   Armv8.2 SDOT instruction (GCC: per-function target attribute, chosen at
   run time from the hwcaps; Clang: only where the compile target already
   has dotprod) and one that multiplies with widening NEON instructions. One
   weight row x one activation row per step; the integer block sums are
   exact, as on x86. */

#if defined(LLML__ARM)

#define LLML__NEONI static inline __attribute__((always_inline))

/* 16 signed byte products added into 4 int32 lanes (sum of all lanes is what
   counts). |a b| <= 128 * 127, so two products fit an int16. */
LLML__NEONI int32x4_t llml__neon_dot_emul(int32x4_t acc, int8x16_t a, int8x16_t b) {
    int16x8_t p = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    p = vmlal_s8(p, vget_high_s8(a), vget_high_s8(b));
    return vpadalq_s16(acc, p);
}
#if defined(LLML__ARM_DP)
LLML__DP_ATTR LLML__NEONI int32x4_t llml__neon_dot_sdot(int32x4_t acc, int8x16_t a, int8x16_t b) {
    return vdotq_s32(acc, a, b);
}
#endif

LLML__NEONI float llml__neon_h(const uint8_t *p) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(llml__rd16(p)))), 0);
}
LLML__NEONI int8x16_t llml__neon_ld(const uint8_t *p) { return vld1q_s8((const int8_t *)p); }

/* ---- weight decoding (independent of the dot instruction) ------------------ */

/* Bits 0-15 (lo) or 16-31 of a 32-bit word -> 0x10 in each byte. */
LLML__NEONI int8x16_t llml__neon_bit5(uint32_t h) {
    static const uint8_t bits[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };
    const uint8x16_t v = vcombine_u8(vdup_n_u8((uint8_t)h), vdup_n_u8((uint8_t)(h >> 8)));
    return vreinterpretq_s8_u8(vandq_u8(vtstq_u8(v, vld1q_u8(bits)), vdupq_n_u8(0x10)));
}

/* One 32-block as two vectors of signed int8 (elements 0-15 and 16-31). */
LLML__NEONI void llml__neon_dec32(int f, const uint8_t *x, int8x16_t *lo, int8x16_t *hi) {
    uint8x16_t v;
    switch (f) {
    case LLML__F32B_Q8_0: *lo = llml__neon_ld(x + 2); *hi = llml__neon_ld(x + 18); return;
    case LLML__F32B_Q4_0: case LLML__F32B_IQ4_NL: v = vld1q_u8(x + 2); break;
    case LLML__F32B_Q4_1: v = vld1q_u8(x + 4); break;
    case LLML__F32B_Q5_0: v = vld1q_u8(x + 6); break;
    default: v = vld1q_u8(x + 8); break;
    }
    *lo = vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f)));
    *hi = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
    switch (f) {
    case LLML__F32B_Q4_0: *lo = vsubq_s8(*lo, vdupq_n_s8(8)); *hi = vsubq_s8(*hi, vdupq_n_s8(8)); break;
    case LLML__F32B_IQ4_NL: {
        const int8x16_t kv = vld1q_s8(llml__qb_kvalues);
        *lo = vqtbl1q_s8(kv, vreinterpretq_u8_s8(*lo));
        *hi = vqtbl1q_s8(kv, vreinterpretq_u8_s8(*hi));
        break;
    }
    case LLML__F32B_Q5_0: case LLML__F32B_Q5_1: {
        const uint32_t h = llml__rd32(x + (f == LLML__F32B_Q5_0 ? 2 : 4));
        *lo = vorrq_s8(*lo, llml__neon_bit5(h));
        *hi = vorrq_s8(*hi, llml__neon_bit5(h >> 16));
        if (f == LLML__F32B_Q5_0) { *lo = vsubq_s8(*lo, vdupq_n_s8(16)); *hi = vsubq_s8(*hi, vdupq_n_s8(16)); }
        break;
    }
    default: break;
    }
}

/* Q4_K / Q5_K scales (bytes 0-7) and mins (8-15), as on x86. */
LLML__NEONI void llml__neon_k4_scales(const uint8_t *b, uint8_t out[16]) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    llml__wr32(out, w0 & 0x3f3f3f3fu);
    llml__wr32(out + 4, (w2 & 0x0f0f0f0fu) | ((w0 >> 2) & 0x30303030u));
    llml__wr32(out + 8, w1 & 0x3f3f3f3fu);
    llml__wr32(out + 12, ((w2 >> 4) & 0x0f0f0f0fu) | ((w1 >> 2) & 0x30303030u));
}
/* Q3_K: 16 signed scales. */
LLML__NEONI void llml__neon_q3_scales(const uint8_t *b, int8_t out[16]) {
    const uint32_t w0 = llml__rd32(b), w1 = llml__rd32(b + 4), w2 = llml__rd32(b + 8);
    uint8_t u[16];
    int i;
    llml__wr32(u, (w0 & 0x0f0f0f0fu) | ((w2 << 4) & 0x30303030u));
    llml__wr32(u + 4, (w1 & 0x0f0f0f0fu) | ((w2 << 2) & 0x30303030u));
    llml__wr32(u + 8, ((w0 >> 4) & 0x0f0f0f0fu) | (w2 & 0x30303030u));
    llml__wr32(u + 12, ((w1 >> 4) & 0x0f0f0f0fu) | ((w2 >> 2) & 0x30303030u));
    for (i = 0; i < 16; i++) out[i] = (int8_t)(u[i] - 32);
}

/* Group g (0..15, 16 elements) of a Q2_K/Q3_K/Q6_K block as signed int8. */
LLML__NEONI int8x16_t llml__neon_k16(int f, const uint8_t *x, int g) {
    const int h = g >> 3, k = (g >> 1) & 3, l0 = (g & 1) * 16;
    if (f == LLML__FK_Q2_K) {
        const uint8x16_t qs = vld1q_u8(x + 16 + 32 * h + l0);
        return vreinterpretq_s8_u8(vandq_u8(vshlq_u8(qs, vdupq_n_s8((int8_t)(-2 * k))), vdupq_n_u8(3)));
    }
    if (f == LLML__FK_Q3_K) {
        const uint8x16_t qs = vld1q_u8(x + 32 + 32 * h + l0), hm = vld1q_u8(x + l0);
        const uint8x16_t lo = vandq_u8(vshlq_u8(qs, vdupq_n_s8((int8_t)(-2 * k))), vdupq_n_u8(3));
        const uint8x16_t hb = vandq_u8(vshlq_u8(hm, vdupq_n_s8((int8_t)(2 - (4 * h + k)))), vdupq_n_u8(4));
        return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, hb)), vdupq_n_s8(4));
    }
    {   /* Q6_K */
        const uint8x16_t ql = vld1q_u8(x + 64 * h + 32 * (k & 1) + l0), qh = vld1q_u8(x + 128 + 32 * h + l0);
        const uint8x16_t lo = k < 2 ? vandq_u8(ql, vdupq_n_u8(0x0f)) : vshrq_n_u8(ql, 4);
        const uint8x16_t hb = vandq_u8(vshlq_u8(qh, vdupq_n_s8((int8_t)(4 - 2 * k))), vdupq_n_u8(0x30));
        return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, hb)), vdupq_n_s8(32));
    }
}

/* Group g (0..7, 32 elements) of a Q4_K / Q5_K block as two int8 vectors. */
LLML__NEONI void llml__neon_k32(int f, const uint8_t *x, int g, int8x16_t *lo, int8x16_t *hi) {
    const int c = g >> 1, q5 = f == LLML__FK_Q5_K;
    const uint8_t *qs = x + (q5 ? 48 : 16) + 32 * c;
    uint8x16_t a = vld1q_u8(qs), b = vld1q_u8(qs + 16);
    if (g & 1) { a = vshrq_n_u8(a, 4); b = vshrq_n_u8(b, 4); }
    else { a = vandq_u8(a, vdupq_n_u8(0x0f)); b = vandq_u8(b, vdupq_n_u8(0x0f)); }
    if (q5) {
        const int8x16_t sh = vdupq_n_s8((int8_t)(4 - g));
        a = vorrq_u8(a, vandq_u8(vshlq_u8(vld1q_u8(x + 16), sh), vdupq_n_u8(0x10)));
        b = vorrq_u8(b, vandq_u8(vshlq_u8(vld1q_u8(x + 32), sh), vdupq_n_u8(0x10)));
    }
    *lo = vreinterpretq_s8_u8(a);
    *hi = vreinterpretq_s8_u8(b);
}

/* ---- the products, once per dot instruction -------------------------------- */

#define LLML__NEON_KERNELS(SFX, ATTR, DOT) \
ATTR LLML__NEONI float llml__##SFX##_f32b_dot(int f, const uint8_t *x, const uint8_t *y, int64_t nb) { \
    const int bs = llml__f32b_bytes(f), aff = llml__f32b_affine(f), abs_ = aff ? 36 : 34, aq = aff ? 4 : 2; \
    float32x4_t acc = vdupq_n_f32(0.0f); \
    float mac = 0.0f; \
    int64_t b; \
    for (b = 0; b < nb; b++, x += bs, y += abs_) { \
        int8x16_t lo, hi; \
        int32x4_t s; \
        llml__neon_dec32(f, x, &lo, &hi); \
        s = DOT(DOT(vdupq_n_s32(0), lo, llml__neon_ld(y + aq)), hi, llml__neon_ld(y + aq + 16)); \
        acc = vmlaq_n_f32(acc, vcvtq_f32_s32(s), llml__neon_h(x) * llml__neon_h(y)); \
        if (aff) mac += llml__neon_h(x + 2) * llml__neon_h(y + 2); \
    } \
    return vaddvq_f32(acc) + mac; \
} \
ATTR LLML__NEONI float llml__##SFX##_fk_dot(int f, const uint8_t *x, const uint8_t *y, int64_t nb) { \
    const int bs = llml__fk_bytes(f); \
    float sum = 0.0f; \
    int64_t b; \
    for (b = 0; b < nb; b++, x += bs, y += 292) { \
        const int8_t *a = (const int8_t *)(y + 4); \
        const float ad = llml__qb_q8k_d(y); \
        int32_t isum = 0, msum = 0; \
        int g; \
        if (f == LLML__FK_Q4_K || f == LLML__FK_Q5_K) { \
            uint8_t sm[16]; \
            llml__neon_k4_scales(x + 4, sm); \
            for (g = 0; g < 8; g++) { \
                int8x16_t lo, hi; \
                llml__neon_k32(f, x, g, &lo, &hi); \
                isum += sm[g] * vaddvq_s32(DOT(DOT(vdupq_n_s32(0), lo, vld1q_s8(a + 32 * g)), hi, vld1q_s8(a + 32 * g + 16))); \
                msum += sm[8 + g] * (llml__qk_act_bsum(y, 2 * g) + llml__qk_act_bsum(y, 2 * g + 1)); \
            } \
            sum += ad * llml__neon_h(x) * (float)isum - ad * llml__neon_h(x + 2) * (float)msum; \
        } else if (f == LLML__FK_IQ4_XS) { \
            const int8x16_t kv = vld1q_s8(llml__qb_kvalues); \
            for (g = 0; g < 8; g++) { \
                const uint8x16_t v = vld1q_u8(x + 8 + 16 * g); \
                const int8x16_t lo = vqtbl1q_s8(kv, vandq_u8(v, vdupq_n_u8(0x0f))), hi = vqtbl1q_s8(kv, vshrq_n_u8(v, 4)); \
                isum += (llml__qb_iq4xs_ls(x, g) - 32) * vaddvq_s32(DOT(DOT(vdupq_n_s32(0), lo, vld1q_s8(a + 32 * g)), hi, vld1q_s8(a + 32 * g + 16))); \
            } \
            sum += ad * llml__neon_h(x) * (float)isum; \
        } else { \
            int8_t sc[16]; \
            float d; \
            if (f == LLML__FK_Q2_K) { \
                for (g = 0; g < 16; g++) { sc[g] = (int8_t)(x[g] & 15); msum += (x[g] >> 4) * llml__qk_act_bsum(y, g); } \
                d = llml__neon_h(x + 80); \
            } else if (f == LLML__FK_Q3_K) { llml__neon_q3_scales(x + 96, sc); d = llml__neon_h(x + 108); } \
            else { memcpy(sc, x + 192, 16); d = llml__neon_h(x + 208); } \
            for (g = 0; g < 16; g++) \
                isum += sc[g] * vaddvq_s32(DOT(vdupq_n_s32(0), llml__neon_k16(f, x, g), vld1q_s8(a + 16 * g))); \
            sum += ad * d * (float)isum; \
            if (f == LLML__FK_Q2_K) sum -= ad * llml__neon_h(x + 82) * (float)msum; \
        } \
    } \
    return sum; \
} \
ATTR static void llml__##SFX##_f32b_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                       const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    int64_t r, t; \
    for (t = 0; t < nt; t++) \
        for (r = 0; r < nr; r++) \
            out[(size_t)t * os + (size_t)r] = llml__##SFX##_f32b_dot(f, (const uint8_t *)wv + (size_t)r * ws, \
                                                                    (const uint8_t *)av + (size_t)t * as, n / 32); \
} \
ATTR static void llml__##SFX##_fk_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr, \
                                     const void *av, size_t as, int64_t nt, float *out, size_t os) { \
    int64_t r, t; \
    for (t = 0; t < nt; t++) \
        for (r = 0; r < nr; r++) \
            out[(size_t)t * os + (size_t)r] = llml__##SFX##_fk_dot(f, (const uint8_t *)wv + (size_t)r * ws, \
                                                                  (const uint8_t *)av + (size_t)t * as, n / 256); \
} \
LLML__NEON_MM(SFX, ATTR, q4_0, f32b, LLML__F32B_Q4_0) \
LLML__NEON_MM(SFX, ATTR, q4_1, f32b, LLML__F32B_Q4_1) \
LLML__NEON_MM(SFX, ATTR, q5_0, f32b, LLML__F32B_Q5_0) \
LLML__NEON_MM(SFX, ATTR, q5_1, f32b, LLML__F32B_Q5_1) \
LLML__NEON_MM(SFX, ATTR, q8_0, f32b, LLML__F32B_Q8_0) \
LLML__NEON_MM(SFX, ATTR, iq4_nl, f32b, LLML__F32B_IQ4_NL) \
LLML__NEON_MM(SFX, ATTR, q2_k, fk, LLML__FK_Q2_K) \
LLML__NEON_MM(SFX, ATTR, q3_k, fk, LLML__FK_Q3_K) \
LLML__NEON_MM(SFX, ATTR, q4_k, fk, LLML__FK_Q4_K) \
LLML__NEON_MM(SFX, ATTR, q5_k, fk, LLML__FK_Q5_K) \
LLML__NEON_MM(SFX, ATTR, q6_k, fk, LLML__FK_Q6_K) \
LLML__NEON_MM(SFX, ATTR, iq4_xs, fk, LLML__FK_IQ4_XS) \
static void llml__##SFX##_fill(llml__kern *k) { \
    k->mm[LLML_TYPE_Q4_0] = llml__##SFX##_mm_q4_0; \
    k->mm[LLML_TYPE_Q4_1] = llml__##SFX##_mm_q4_1; \
    k->mm[LLML_TYPE_Q5_0] = llml__##SFX##_mm_q5_0; \
    k->mm[LLML_TYPE_Q5_1] = llml__##SFX##_mm_q5_1; \
    k->mm[LLML_TYPE_Q8_0] = llml__##SFX##_mm_q8_0; \
    k->mm[LLML_TYPE_IQ4_NL] = llml__##SFX##_mm_iq4_nl; \
    k->mm[LLML_TYPE_Q2_K] = llml__##SFX##_mm_q2_k; \
    k->mm[LLML_TYPE_Q3_K] = llml__##SFX##_mm_q3_k; \
    k->mm[LLML_TYPE_Q4_K] = llml__##SFX##_mm_q4_k; \
    k->mm[LLML_TYPE_Q5_K] = llml__##SFX##_mm_q5_k; \
    k->mm[LLML_TYPE_Q6_K] = llml__##SFX##_mm_q6_k; \
    k->mm[LLML_TYPE_IQ4_XS] = llml__##SFX##_mm_iq4_xs; \
}

#define LLML__NEON_MM(SFX, ATTR, name, kind, F) \
ATTR static void llml__##SFX##_mm_##name(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr, \
                                         const void *a, size_t as, int64_t nt, float *out, size_t os) { \
    (void)type; llml__##SFX##_##kind##_mm(F, n, w, ws, nr, a, as, nt, out, os); \
}

LLML__NEON_KERNELS(neon, , llml__neon_dot_emul)
#if defined(LLML__ARM_DP)
LLML__NEON_KERNELS(neondp, LLML__DP_ATTR, llml__neon_dot_sdot)
#endif

/* ---- float formats ---------------------------------------------------------- */

LLML__NEONI float32x4_t llml__neon_ldf(int f, const uint8_t *p) {
    switch (f) {
    case LLML__FF_F32: return vld1q_f32((const float *)(const void *)p);
    case LLML__FF_F16: return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p)));
    default: return vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(p)), 16));
    }
}

static void llml__neon_ff_mm(int f, int64_t n, const void *wv, size_t ws, int64_t nr,
                             const void *av, size_t as, int64_t nt, float *out, size_t os) {
    const size_t es = f == LLML__FF_F32 ? 4 : 2;
    int64_t r, t, e;
    for (t = 0; t < nt; t++) {
        const uint8_t *y = (const uint8_t *)av + (size_t)t * as;
        for (r = 0; r < nr; r++) {
            const uint8_t *x = (const uint8_t *)wv + (size_t)r * ws;
            float32x4_t a0 = vdupq_n_f32(0.0f), a1 = vdupq_n_f32(0.0f);
            float s;
            for (e = 0; e + 8 <= n; e += 8) {
                a0 = vfmaq_f32(a0, llml__neon_ldf(f, x + (size_t)e * es), llml__neon_ldf(f, y + (size_t)e * es));
                a1 = vfmaq_f32(a1, llml__neon_ldf(f, x + (size_t)(e + 4) * es), llml__neon_ldf(f, y + (size_t)(e + 4) * es));
            }
            s = vaddvq_f32(vaddq_f32(a0, a1));
            for (; e < n; e++) s += llml__ff_get(f, x, e) * llml__ff_get(f, y, e);
            out[(size_t)t * os + (size_t)r] = s;
        }
    }
}
static void llml__neon_mm_f32(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr,
                              const void *a, size_t as, int64_t nt, float *out, size_t os) {
    (void)type; llml__neon_ff_mm(LLML__FF_F32, n, w, ws, nr, a, as, nt, out, os);
}
static void llml__neon_mm_f16(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr,
                              const void *a, size_t as, int64_t nt, float *out, size_t os) {
    (void)type; llml__neon_ff_mm(LLML__FF_F16, n, w, ws, nr, a, as, nt, out, os);
}
static void llml__neon_mm_bf16(llml_type type, int64_t n, const void *w, size_t ws, int64_t nr,
                               const void *a, size_t as, int64_t nt, float *out, size_t os) {
    (void)type; llml__neon_ff_mm(LLML__FF_BF16, n, w, ws, nr, a, as, nt, out, os);
}

/* ---- activation quantizers (the same bytes as the scalar reference) ---------- */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* Q8_0 / Q8_1: FCVTAS rounds half away from zero like roundf, gives 0 for
   NaN and saturates; the narrowing moves saturate to [-128, 127]. */
static void llml__neon_q8_blocks(const float *x, uint8_t *y, int64_t n, int q81) {
    const size_t bsz = q81 ? 36 : 34;
    int64_t b;
    for (b = 0; b < n / 32; b++, x += 32, y += bsz) {
        float32x4_t v[8], m = vdupq_n_f32(0.0f);
        uint32x4_t nan = vdupq_n_u32(0);
        int16x8_t h[4];
        int8x16_t q0, q1;
        float amax, d, id;
        int i;
        for (i = 0; i < 8; i++) {
            v[i] = vld1q_f32(x + 4 * i);
            m = vmaxq_f32(m, vabsq_f32(v[i]));
            nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v[i], v[i])));
        }
        if (vmaxvq_u32(nan)) { /* a NaN in the block: the reference's own code */
            float dd;
            const int sum = llml__qb_q8_block(x, y, (int8_t *)(y + (q81 ? 4 : 2)), &dd);
            if (q81) llml__qb_put_half(y + 2, (float)sum * dd);
            continue;
        }
        amax = vmaxvq_f32(m);
        d = amax / 127.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        for (i = 0; i < 4; i++)
            h[i] = vcombine_s16(vqmovn_s32(vcvtaq_s32_f32(vmulq_n_f32(v[2 * i], id))),
                                vqmovn_s32(vcvtaq_s32_f32(vmulq_n_f32(v[2 * i + 1], id))));
        q0 = vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1]));
        q1 = vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3]));
        vst1q_s8((int8_t *)(y + (q81 ? 4 : 2)), q0);
        vst1q_s8((int8_t *)(y + (q81 ? 20 : 18)), q1);
        llml__wr16(y, llml_fp32_to_fp16(d));
        if (q81) llml__wr16(y + 2, llml_fp32_to_fp16((float)(vaddlvq_s8(q0) + vaddlvq_s8(q1)) * d));
    }
}
static void llml__neon_actq_q8_0(const float *x, void *dst, int64_t n) { llml__neon_q8_blocks(x, (uint8_t *)dst, n, 0); }
static void llml__neon_actq_q8_1(const float *x, void *dst, int64_t n) { llml__neon_q8_blocks(x, (uint8_t *)dst, n, 1); }

/* Q8_K: the largest magnitude ignores NaN (FMAXNM), the codes use the
   reference's rounding through 1.5 * 2^23 bit for bit. */
static void llml__neon_actq_q8_k(const float *x, void *dst, int64_t n) {
    uint8_t *y = (uint8_t *)dst;
    int64_t b;
    for (b = 0; b < n / 256; b++, x += 256, y += 292) {
        float32x4_t m = vdupq_n_f32(0.0f);
        float amax, big = 0.0f, inv, d;
        int16_t bs[16];
        int i;
        for (i = 0; i < 256; i += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + i)));
        amax = vmaxnmvq_f32(m);
        if (amax == 0.0f) { memset(y, 0, 292); continue; }
        for (i = 0; i < 256; i++) if (fabsf(x[i]) == amax) { big = x[i]; break; }
        inv = -127.0f / big;
        for (i = 0; i < 256; i += 16) {
            int32x4_t q[4];
            int8x16_t p;
            int k;
            for (k = 0; k < 4; k++) {
                const float32x4_t v = vaddq_f32(vmulq_n_f32(vld1q_f32(x + i + 4 * k), inv), vdupq_n_f32(12582912.0f));
                q[k] = vsubq_s32(vreinterpretq_s32_u32(vandq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x007fffffu))),
                                 vdupq_n_s32(0x00400000));
            }
            p = vcombine_s8(vqmovn_s16(vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]))),
                            vqmovn_s16(vcombine_s16(vqmovn_s32(q[2]), vqmovn_s32(q[3]))));
            vst1q_s8((int8_t *)(y + 4 + i), p);
            bs[i / 16] = (int16_t)vaddlvq_s8(p);
        }
        memcpy(y + 260, bs, sizeof bs);
        d = 1.0f / inv;
        memcpy(y, &d, 4);
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

static void llml__neon_actq_f16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) vst1_u8(d + 2 * i, vreinterpret_u8_f16(vcvt_f16_f32(vld1q_f32(x + i))));
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_fp16(x[i]));
}

static void llml__neon_actq_bf16(const float *x, void *dst, int64_t n) {
    uint8_t *d = (uint8_t *)dst;
    int64_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(x + i));
        const uint32x4_t nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(0x7f800000u));
        const uint32x4_t rn = vshrq_n_u32(vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fff), vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1)))), 16);
        const uint32x4_t qn = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(64));
        vst1_u8(d + 2 * i, vreinterpret_u8_u16(vmovn_u32(vbslq_u32(nan, qn, rn))));
    }
    for (; i < n; i++) llml__wr16(d + 2 * i, llml_fp32_to_bf16(x[i]));
}

static void llml__kern_fill_arm(llml__kern *k, uint32_t isa) {
    if (!(isa & LLML__ISA_NEON)) return;
    k->mm[LLML_TYPE_F32] = llml__neon_mm_f32;
    k->mm[LLML_TYPE_F16] = llml__neon_mm_f16;
    k->mm[LLML_TYPE_BF16] = llml__neon_mm_bf16;
    llml__neon_fill(k);
#if defined(LLML__ARM_DP)
    if (isa & LLML__ISA_DOTPROD) llml__neondp_fill(k);
#endif
    k->actq[LLML_TYPE_F16] = llml__neon_actq_f16;
    k->actq[LLML_TYPE_BF16] = llml__neon_actq_bf16;
    k->actq[LLML_TYPE_Q8_0] = llml__neon_actq_q8_0;
    k->actq[LLML_TYPE_Q8_1] = llml__neon_actq_q8_1;
    k->actq[LLML_TYPE_Q8_K] = llml__neon_actq_q8_k;
}

#endif /* LLML__ARM */

/* ------------------------------------------------------------------------ */
/* >>vocab  tokenizers: SPM, byte-level BPE + pre-tokenizers, WordPiece      */
/* ------------------------------------------------------------------------ */
/* Token-for-token compatible with the reference (llama.cpp's llama-vocab.cpp
   and unicode.cpp): the same special-token partition, the same pre-tokenizer
   splits (hand-written matchers here, one per regex of the reference's
   lists), the same merge order. Unicode data (general categories, White_Space,
   simple lower case, first code point of the canonical decomposition) is
   Unicode 15.1, stored below as compact base-64 varint streams that
   llml_vocab_load decodes into the vocab. */

#define LLML__VOCAB_MAX_TEXT 0x10000000u  /* 256 MiB per call */

/* category codes of the decoded tables */
#define LLML__UC_UNDEF  0
#define LLML__UC_NUMBER 1
#define LLML__UC_LETTER 2
#define LLML__UC_SEPAR  3
#define LLML__UC_MARK   4
#define LLML__UC_PUNCT  5
#define LLML__UC_SYMBOL 6
#define LLML__UC_CTRL   7
/* flag byte = category | WS | VALID; 0 means "outside the chunk" */
#define LLML__UF_WS     8
#define LLML__UF_VALID  16

/* general category ranges */
#define LLML__VOCAB_UNI_CAT_COUNT 2272
static const char *const llml__vocab_uni_cat[] = {
    "HjINeN2BNhB1CWdS1GeNOK1GONOPrINOtBOSNOPOhBWKNWJKNJdK+FK+HK2yDiBmDyDuB6BOKOsEicuBKQSlBKImBSNKYKIK"
    "gFK+UK+iBM6BwpBKwJSNyBtKQWYMtLMNMVMVMIiC4GiBlBQ/C2BdWNWU9CPNa8KpF1CiBUK9YKM/BOMyBUWMiBRyCeSNwDPK"
    "MK0H4GSsW6CIxDyCsIqCWNaIUOS0FiBMqCMaMoBV4DKsGYVIK4CqBmGKwBPQ0BiC0KnGMqI0NaMyEM6B0CVR1CKkEYKgCSQS"
    "wFK4BKIagBUKM4BUQUaIkCIiBQKcQRyCWR2BSNMIUYKwBiBQSwFK4BKQKQKQUIMoBkBQUYcI6BgBKI5B0CScNI0CYKoCKYKw"
    "FK4BKQKoBUKMgCMYMYSI6DUQR1COI6BMwBMYKgCSQSwFK4BKQKoBUKM4BUQUY8BYiBQKcQR2CKJwB0CKIKwBaYKgBaQKIKQa"
    "QaYagDkBoBcYMgBSI0BIxDuDgCsBqBgCKYK4FKgEUKM4BMYMgB8BQKYSISUQRwC9BJ+BKMdKgCKYK4FKwCKoBUKM4BMYMgB8"
    "BQyBQKUQRwCKUIkDiBoCKYKsKSM4BMYMiBOIiBcJ6BcQR+EKwBMYKwEagGKoCKIS4BcIkBwBMIMgCxBwCUVIiDkMKU4BmBK8"
    "BlCJ1CQqJQKIKoBKgGKIK0CKUqCISoBKIM4BJwCSgBiIOd+DNOcWxBmFMOMOMNkBSgCKgJkBlFMSsB4CMgJOkCOwBOVuBlBQ"
    "qJ8KiFJ1CyB0BiBkBaMaU6BciBsDiDMJ0CmBSwJKIqBIS9KKozCKgBS4BKIKgBSoKKgBSoIKgBS4BKIKgBS4DKoOKgBS4QUd"
    "pCgFamEwCyBwVSwBVKm7ENKrEK1GQa9SZagC6B0EgBqC8EdQqC0EQiDoDKYMQiDkNlIaNeKMIRwCxBwC1B8CfMJwCyBoW6Bs"
    "BS0IKIqBwRyC4HMgDkBgDmBIdRyCwHSoB6CgLiBwGxB4CeyI8FoBVSsNwCMoHUJwCxBwC1B6BNwBU4HsMqB8LqEgCZ1C+B0C"
    "uCtCQMa0HqDRyCkLwDlCiBkJgFdpBwCaZyClJSoC6B4KSdgCkCdMqFkBK0BKUaIqBkwBiQwlCSwBSwJSwBSgCKIKIKIK4HSo"
    "NK+BKOaYK+BagBSwBOauDYSYK+BQL/CtBjGXrBNmFNuDNjDPoBPxCKIR2BdSJ2CdQKoDeoI8DoI+DSOiBOS2CKOauByBOKOK"
    "OKmBK+CSmBqBuBiBOJ6MRuBQmBl+CmBtHWg/BuG4CpFmPxT2Fl6ExD2HtMW9H2C9kD2F9PmBlIWw9CWgIOqau5ByBkBaQtBh"
    "BNSwJKIqBISgO6BNI0DK4FqC4BK4BK4BK4BK4BK4BK4BK4BMlI6LNmIVgD2IwGOoWmDw1B2GjENeKRN2CVmDJsC1BKuBRaVO"
    "QKwVUWSdK1WKgBqB4KKwXORmByCmIgJ+CKmE4HJ2CxHmCJ+DhI2C5J+DiwCmwzBiQojtFe4NqC1LStjCahEyCQiF8LlBM1CK"
    "8HSxR0CVwBmC6FuCS+ZSgQqBQKIKoBiGkEKcKkBK8FuBkBIZ2BgByBlNgBkCS0MwElCRwC0ByE1BaNKUJyCkHlCS8FoD9CKo"
    "HciB8L1DoDKJwClBSsBKxCyCoBKsKwDqCcKkCQRwCViB+FaMa0MKMaUSsBSMKIiGdS8CtBScQyCwBSwBSwBqC4BK4BK+KK2D"
    "QiB8clCMQRwCyBgp3CiD4FiBoMnBigiCw7CSwayJ4BiDoBqBMK2CKoDKoBKIKQKQKmboEiE96CWiEgQSwN+BIiImDkBlEwC0"
    "BlE4IN2DNOYNONQiBoBK4hBXINeN2BNhB1CWdS1GeNOK1GONON6BoWawBSwBSwBSYe4BO4B3CeQSgDKwGK4EKQK4DSwDyI4e"
    "tBYhBoLepCuOpEWYOoDeI+LsLIygBoHaoM8DJ4GiBhIgBqChFKhCIqB0JoBqBwHNKgJiBlCJoByKwnBRwCyBgJiBgJiBgKiC"
    "gN9CK4CK4DK4BKQK4CK4DK4BKQ6Q4tCqCwFyCgCiGwBKwKKoCqRwBSIKgLKQaIS4FNJiC+FR6B4HhCoCiM4EKQpBqBxFwBdK"
    "wGtBIiQgOhBSRgERyLMYMQsBiBgBKYKoHUYkBJoC9BoC6BpHVKpHYiImCKkHQhBtB4BqCwNd6BwFRiC4EpBiCwE9BgBhD4Bi"
    "UoS6N4MqD4M5ByBkJgBhCwCxpC4HKwKMVISQ8SapHyCIiC0F5ClBoByF0ElBgByJpF4BiF4FsCasN9D4BhB0HKUSIsCiBsL9"
    "CXNkBI3CISoG5BwC0BakJwDJ1CiBMSIiC8INSIsCakMyDlBkBlBMRyCNKNYJgF6CwEKsGlD0BKUIyP4BKIKgBK4DK1CIyB8L"
    "gDpBwC0BgBKgCSQSwFK4BKQKoBMSM4BUQUYSI0BIqBsBQU4BcoB6iBsNyElBpB1CQNMKYyHkMiFVKIhCwCypB8L4BUtC6FkB"
    "QyIkMtEaI5CwC1BoD6E8KqDNIxBwCyN4GU4DhBlDeK4BquBkL9DIiZhQ4EiDgCSISgCKQKkGwBMQUiBMKMVYpCwCyRgCS8J4"
    "BU6BNKMI6GMyCkK6BMlBkCIiCM6C0LlEaNoBqDoS9BwCy9BoCKsJgCMiCNoBxCoHdSwHUwFMwDqS4BKQK0JwBcIMQM6BMIhC"
    "wCyBwBKQKkIoBMQMqBI5BwCytC8ElBQ8BSMKoDK0I4BctBpDwCyVI5DuFoHtDKwmHxZ4bNoB6CgxBizUtYQqDnsIkEK0B4Dy"
    "qf4xEqujCouE6B4HJwClBS4TJwCyBwHUtBIyCkM9BuBiBlBOIxCwCJ4BKoFqB4EisFhQ9FgBqZ4SkBKM4N8BiBoDiQVKMI8C"
    "QyDg+vBiCw1JyKoC65lCgBK4BKQK4oC6DIqHYSIyDgBiCgjDihS4aqBoDaoC6BwCWMVPgBk3kBwLU4FuCgdmPw9B2C4JWkPu"
    "Bc3BkCmCU+B0HmBoPuF0QeIxegFhDgFmD4VpCoG6hBoVK4RKQSISQSgBKgDKIK4BKoQKgBSgCK4BKgHKgBKoBKIa4BKg1CSu"
    "GKuGK+HKuGK+HKuGK+HKuGK+HKuGKgCR2MkgE+NkB2MkCO0DOVoB8DoBM4Di0I4HyBwBs1B4BMoEU4BMQMoBqBwPsIIicoLc"
    "6B4BRwCiBOIiwC0HIqEkLhBwCuBIi0DkHhBwCy5F4BKgBKQK4DKoxBRsC4BqKkR6BIhBwClBQpkG+OJeJgBhTuLJ4DywBgBK"
    "4GKQKISIKwCKgBKIKIyBIiBIKIKIKYKQKISIKIKIKIKIKQKISgBK4BKgBKgBKIKwCKoEqBYKoBKoEmNQ2jCgLmBgZmD4DW4D"
    "O4DOoJxCuDooBmOoHuDgLmBoC+BQ2DwB2mBg2HmBoEeoDe4dmB4X2BgDmBI+DgDmBgOmCwC2BgKmCwHWQ2Tg1CmDwDWoDeoC"
    "+BwLO4BmCwDmBoC+BoC+B4kBO4NpJwCyhIg4tKiIwugByBw3BSwgtByDos6B6Dw7EyoTwnEy4L4ymBqBg4gBv04tFI3HgYkg"
    "Bg8Bnk8Pw//PXw//P",
    NULL
};
/* simple lowercase mapping runs */
#define LLML__VOCAB_UNI_LOWER_COUNT 182
static const char *const llml__vocab_uni_lower[] = {
    "hCZAgC/DWAgCYGAgCoBXBCwBAAtMCCBCHHBCRWBCuBAAxHBCBCIAAkNBBBCEAA8MBAACCBA6MCAACDAA+EBAA0MBAA2MBAAC"
    "CAA6MBAA+MCAAmNBAAiNBAACEAAmNBAAqNCAAsNBCBCGAA0NBAACCAA0NDAACCAA0NBAACCBAyNCBBCEAA2NBAACEAACIAAE"
    "BAACCAAEBAACCAAEBIBCTIBCTAAEBBBCEAAhGBAAvDBTBCoBAAjICIBCYAA2iVBAACCAAlKBAAwiVDAACCAAlMBAAqEBAAuE"
    "BEBCqJBBCGAACJAAoHHAAsCCCAqCEAAgECBA+DDQAgCSIAgCsBAAQJLBCcAA3DDAACCAANBAACDCAjIDPAgFQfAgCwCQBCqB"
    "aBC2BAAeBGBCPvBBChDlBAgDv7ClBAgmOnBAAgmOGAAgmOzWvCAg9rCwCFAQglCqBA/7FtBCA/7FjKqCBC+EAA97OCvBBCoD"
    "HAPQFAPQHAPQHAPQFAPRDBPPHAPgBHAPQHAPQHAPQBAPCBAzECAARMDArFEAARMBAPCBAnGOBAPCBA/GCAANMBA/HCBA7HCA"
    "ARqJAA51OEAA9rQBAArkQHAA4BuBPAgBjBAACzZZA0Bq6BvBAgDgDAACCAAt/UBAAruHBAAt+UDCBCGAA3hVBAA5/UBAA9hV"
    "BAA7hVCAACDAACJBA9jVCxBBCrDBBCHAACuqeWBCgCNBCiFGBCQeBCnCBBCEAAnglCBEBCNAACCAAvyyCDBBCGJBCUAAn0yC"
    "BAA90yCBAA10yCBAAh0yCBAAn0yCCAAjxyCBAAzyyCBAApxyCBAAg6BBHBCQAA/CBAAl0yCBAAvjlCBBBCJAACGBBCfAACs5"
    "VZAgC/mBnBAwCwFjBAwCgGKAuCMOAuCQGAuCIBAuCs3ByBAgEghDfAgCgtVfAgCg2ehBAkC",
    NULL
};
/* first code point of the canonical decomposition */
#define LLML__VOCAB_UNI_NFD_COUNT 1827
static const char *const llml__vocab_uni_nfd[] = {
    "gGF9HHAnIBDlIEDlIFAlIBElIHDnIEAnIDF9HHAnIBDlIEDlIFAlIBElIHDnIEAnICArIBA9LBA/JBAhMBAjKBAlMBAnKBAl"
    "MBAnKBApMBArKBAtMBAvKBAxMBAzKBAzMBA1KDA5MBA7KBA9MBA/KBAhNBAjLBAlNBAnLBApNBArLBApNBArLBAtNBAvLBAx"
    "NBAzLBA1NBA3LBA3NBA5LDA9NBA/LBAhOBAjMBAlOBAnMBApOBArMBAtOEAzOBA1MBA1OBA3MCA5OBA7MBA9OBA/MBAhPBAj"
    "NFApPBArNBAtPBAvNBAxPBAzNEA5PBA7NBA9PBA/NBAhQBAjODAjQBAlOBAnQBApOBArQBAtOBAtQBAvOBAxQBAzOBA1QBA3"
    "OBA5QBA7OBA7QBA9OBA/QBAhPDAlRBAnPBApRBArPBAtRBAvPBAxRBAzPBA1RBA3PBA5RBA7PBA5RBA7PBA5RBA7PBA9RBA9"
    "RBA/PBAhSBAjQBAlSBAnQiBAhVBAjTOAzVBA1TdA3YBA5WBArYBAtWBAjYBAlWBA7XBA9VBA/XBAhWBAjYBAlWBAnYBApWBA"
    "rYBAtWCA5ZBA7XBA9ZBA/XBA3RBA5PDA9ZBA/XBA5ZBA7XBA1ZBA3XBA5ZBA7XBAtDBAmKBArYEA5aBA7YDAzaBA1YBAxbBA"
    "zZBArTBAtRBArSBAtQBA9bBA/ZBAhcBAjaBA9bBA/ZBAhcBAjaBA9bBA/ZBAhcBAjaBA5bBA7ZBA9bBA/ZBA7bBA9ZBA/bBA"
    "haBA9bBA/ZBAhcBAjaBApcBAraBArcBAtaDArdBAtbHApeBArcBAleBAncBA1dBA3bBA5dBA7bBA9dBA/bBAheBAjcBAxdBA"
    "zbtIA/DBA/DCA/CBA3DwBA1LKAl0BHA5tBBAWBA/sBBAaBAcBAeCAmBCAuBBA0BBAyCaAhBBALBAKBAQBASBAUBAqBaAhBBA"
    "LBAZBAPBAJFBBtBBqBDAgBEABFAcBAWBAqBLABgBABXB1BDA/BEABFAjCBApCBA1BYADBADqCA1KBA3IOA/LBAhKBAjMBAlK"
    "DAhMBAjKDADBADBArMBAtKBAtMBAvKDAzMBA1KBA3MBA5KBAvMBAxKDADBADBA9LBA/JBA1MBA3KBA5MBA7KBA9MBA/KBA5M"
    "BA7KDA5MBA7KpJBKCAoCBAEBAoC6EAqBCABRAB2SABIABDABkBAlEBAlEBAlEBA9DBA1DBA1DBAlDBA/CsDBHRA1DBA1DCA/"
    "C0CABDAEjBAlEBAlEBA9DDAlDqHABDBHRA1DBA1D3BAD2BAHBAHBAL8DAD4DABHBBDBHgEAHBAHBALuEABCCFnLABKABFABF"
    "ABFABNAxCKADCAHBA4DCA2DJAfSABKABFABFABFABNAxCtDABg3CABCABCABCABCABEABpBABCABDADBADCAB9VA97OBA/5O"
    "BA/7OBAh6OBAj8OBAl6OBAn8OBAp6OBAp8OBAr6OBAr8OBAt6OBAv8OBAx6OBAz8OBA16OBA38OBA56OBA78OBA96OBA98OB"
    "A/6OBAh9OBAj7OBAl9OBAn7OBAp9OBAr7OBAt9OBAv7OBAv9OBAx7OBAx9OBAz7OBAz9OBA17OBA39OBA57OBA79OBA97OBA"
    "/9OBAh8OBAj+OBAl8OBAl+OBAn8OBAp+OBAr8OBAp+OBAr8OBAt+OBAv8OBAx+OBAz8OBAz+OBA18OBA3+OBA58OBA7+OBA9"
    "8OBA/+OBAh9OBAh/OBAj9OBAl/OBAn9OBAp/OBAr9OBAr/OBAt9OBAv/OBAx9OBAz/OBA19OBA3/OBA59OBA5/OBA79OBA9/"
    "OBA/9OBAhgPBAj+OBAlgPBAn+OBAngPBAp+OBArgPBAt+OBArgPBAt+OBAvgPBAx+OBAzgPBA1+OBA3gPBA5+OBA5gPBA7+O"
    "BA9gPBA/+OBAhhPBAj/OBAlhPBAn/OBAphPBAr/OBArhPBAt/OBAvhPBAx/OBAzhPBA1/OBA3hPBA5/OBA5hPBA7/OBA9hPB"
    "A//OBAhiPBAjgPBAliPBAngPBApiPBArgPBAriPBAtgPBAviPBAxgPBAxiPBAzgPBA1iPBA3gPBA5iPBA7gPBA9iPBA/gPBA"
    "hjPBAjhPBAjjPBAlhPBAnjPBAphPBApjPBArhPBArjPBAthPBAvjPBAxhPBAzjPBA1hPBA7iPBAliPBAhiPBA/hPCA3xOFA9"
    "lPBA/jPBAhmPBAjkPBAlmPBAnkPBApmPBArkPBAtmPBAvkPBAxmPBAzkPBA1mPBA3kPBA5mPBA7kPBA9mPBA/kPBAhnPBAjl"
    "PBAlnPBAnlPBApnPBArlPBAlnPBAnlPBApnPBArlPBAtnPBAvlPBAxnPBAzlPBA1nPBA3lPBA5nPBA7lPBA9nPBA/lPBAhoP"
    "BAjmPBA9nPBA/lPBAhoPBAjmPBA5nPBA7lPBA9nPBA/lPBAhoPBAjmPBAloPBAnmPBApoPBArmPBAtoPBAvmPBAxoPBAzmPB"
    "A1oPBA3mPBA5oPBA7mPBA9oPBA/mPBAhpPBAjnPBAlpPBAnnPBA9oPBA/mPBAhpPBAjnPBAlpPBAnnPBAppPBArnPBAtpPBA"
    "vnPBAxpPBAznPBA1pPBA3nPBAxpPBAznPBA1pPBA3nPBA5pPBA7nPBA9pPBA/nPHH90NIHt3NIF11NIFl4NIHx2NIHh5NIHt"
    "3NIH95NIFh4NIFx6NIH14NJAn7NCAr7NCAv7NCAz7NBHt5NIH97NIB97NCB57NCB57NCB57NCBx7NCBp7NCBl7NEH98NIHt/"
    "NIHx9NIHhgOIHt9NIH9/NIE9/NGBpgOCEtiOGApgODAxxPBC1gOEB9gOCBljOCCljODCbDDthOGB5hOCD9jOFCiCDD1hOEBl"
    "iOCBhiOCDlkOEA1kOBBp0PCA94PDCxiOEB5iOCBxlOCChlODAx0PDAEBAElJA53OEA9tQBAzuQvDATBARTAzBfAGBAMBAG1B"
    "ABFABDABYABCABbAJDABDADCABXAliRCABLA/BBAjjRBAhjRBAXBAXDADBADDADBADHALBALDADBADDADBADjBATBAJBAJBA"
    "HxBAnGBAnGBAhFBAhFHAvDBAvDBAvDBAvD8BA+tGBA+tGy9BACwrBABCABCABCABCABCABCABCABCABCABCABCABDABCABCA"
    "BHBBDBBDBBDBBDBBYA7EKABOABCABCABCABCABCABCABCABCABCABCABCABDABCABCABHBBDBBDBBDBBDBBYA7EDAPBAPBAP"
    "BAPEABi4erS/vtCsSrS10uCsSrSr5vCsSrSh+wCsSrS3iyCsSrStnzCsSrSjs0CsSrS5w1CsSrSv12CsSrSl63CsSrS7+4Cs"
    "SrSxj6CsSrSno7CsSrS9s8CsSrSzx9CsSrSp2+CsSrS/6/CsSrS1/gDsSrSrkiDo9IAvr2BBA5gpCBAvj1BBA1j2BBAljlCB"
    "Alt1CBAhyyCBB12sBCAv7vCBAxzzBBAn4xCBAn8vCBAtxrCBApqhCBAz48BBAht5BBAt14BBAzh4BBAno0BBAjxnCBAz/lCB"
    "A5jkCBAxziCBA1t6BBA96zBBAxyvBBAxp1CBAt6yCBAxhnCBAlwjCBAjv5BBAjwtBBAh9tCBAtzkCBAr15BBA/73BBA3lrCB"
    "A707BBAvw4BBA7ltCBAjhpCBA/7lCBA9ijCBA7l0BBAt60CBAt3zCBAhlzCBA3mqCBA7lnCBAjyjCBA3khCBAlz8BBA9y5BB"
    "Azt5BBAv01BBArgxBBAz8uBBA/ztBBA9qgCBA57/BBA559BBAp36BBA1jzBBAhstBBA1m3BBAlmwCBA9jtCBAnu+BBAts8BB"
    "AnujCBA5ngCBAro2BBAjlxBBAjnwCBAxuuCBAxznCBAl3lCBA9jlCBA/h+BB",
    "Axx9BBArwxBBA/nzCBAvs8BBAv3zCBAx4zCBAzz/BBAx59BBAt26BBAnuxBBAz92BBA3orCBAz1nCBA9l3BBApy1CBAv3uCB"
    "A70sCBAz9iCBAj/hCBA3kzCBAxmgCBAr60CBA57sCBAz11CBA3pmCBAh/pCBAvk+BBAv6yCBA7wwCBA3mhCBApy6BBAps3BB"
    "Ar7mCBAh80BBAzumCBApnrCBA9o7BBAp9qCBAhhiCBAxs1CBA9g0CBA/6zCBAxvoCBAnp+BBA5w7BBA1q3BBA96zBBAzozCB"
    "A7zyCBA7gwCBArptCBA77pCBAr4kCBA1lgCBAx9xBBA5xvBBAhvtBBA1rtBBA9uzCBApspCBAphnCBA1i1BBAzxtCBA9/rCB"
    "A/4rCBAtvqCBA9mlCBAzkkCBA1wiCBA18/BBAj69BBAvy8BBAjn1BBA1q6BBAt30BBAhlzBBAp4zCBAzvzCBAhuyCBAttkCB"
    "A7t4BBAtv3BBAxttCBA76sCBAxirCBAt/mCBAv2+BBAjjjCBAns1CBA/qxCBAl8uCBAh/tCBA/4sCBA1/iCBAp0iCBAph9BB"
    "Az28BBA53zBBA3rxBBA1mxBBA35wBBAzi1CBAvggCBAlg0BBA/vxBBAvtsCBAnz1CBAhu0CBA78uCBA73uCBApiqCBA57nCB"
    "Aj/jCBA93hCBArs6BBAt00BBAtjtBBA5zpCBAv5xBBA7zzCBA5kpCBAr9oCBAxomCBA9ylCBAl8iCBAnniCBAl2gCBA9r+BB"
    "Aj3wBBAnm0CBAn6rCBA11xBBAx60CBA3ruCBA3+lCBA5q1BBA5ktCBAppsCBAl8oCBAnljCBAr1xBBAn7zCBA98yCBAz3uCB"
    "A58pCBAlppCBAzzoCBA7vmCBA79iCBAlgiCBA5m9BBAvx4BBAtw4BBA5h0BBAvwxBBA3qzCBAjzlCBA/8yCBA7hkCBAt1iCB"
    "Ar/5BBA70xBBA15uBBAn1tBBA5lpCBAzimCBA7g8BBA3y/BBAvt/BBAt2+BBAzzjCBAj2kCBAnq3BBA5z1CBAvs7BBAp8zCB"
    "Ax/zCBA11tCBA9yrCBA5y+BBA9nvCBAtumCBAj1pCBA3s1BBA374BBA37xBBA9n4BBAvztCBA3s0CBA5kyCDAr7wCCA75pCD"
    "Atj0CBA3ujCBA50hCBA3tgCBA1rgCBAprgCBA3ogCBArsxBBA91+BBAhm9BCA7g6BCAzy3BDA5+0BBAxy0BEA1zwBBA9ywBB"
    "AnwwBBAxnuBBA/00BBAv3xBBAjo1CBAz00CBApu0CBAz2zCBA/0zCBAnuzCBAxpyCBAhjyCBA/8xCBAx/wCBAj5wCBAt9uCB"
    "A78uCBAx6sCBArtsCBAhrsCBA7ksCBAjvqCBA/lqCBAj7pCBA97oCBA7smCBA3imCBApylCBAztkCBA7hkCBAvijCBAz7gCB"
    "A7wgCBAnwgCBArwgCBA9vgCBAzvgCBAnvgCBApsgCBApsgCBAnhgCBAn9/BBArp/BBAlm+BBA9k+BBAvh+BBAvu9BBArl9BB"
    "A9m8BBBn+7BCAvg7BBA/04BBA1s4BBAh23BBAzy3BBAh52BBA512BBA/q1BBA9i1BBAp4xBBAzmxBBA9ixBBAr/sCBAkokFB"
    "Apl8BDAzk2CBA3r0CBAzw0CBAlv1CBA9y0CBApv0CBA96zCBA53zCBA1tyCBAnyyCBAhuyCBAxpyCBAjixCBAz8wCBAzzwCB"
    "A1ywCBA7hwCBAx1vCBA/6tCBAz6tCBA1xtCBAvttCBA76sCBAxzsCBA/3sCBA1vsCBAzysCBAxpsCBAvlsCBAxsrCBAjnrCB"
    "A5jrCBAzzqCBA5hqCBA13pCBAv3pCBA7zpCBA3xnCBA3tnCBAr1mCBA57lCBA78lCBAv3lCBA5nlCBA7ykCBArvhCBAxmkCB"
    "A/+jCBAr3jCBA/ijCBA35iCBAv2iCBAtoiCBAroiCBA39hCBA38hCBAn7hCBA91hCBAz2hCBA99gCBA1//BBA5u/BBAlj/BB"
    "An1+BBA3r+BBAl39BBA5q9BBAh27BBAps7BBA3z5BBAp34BBAhz4BBAjy4BBAz/3BBAj83BBA/+3BBA173BBA973BBAh93BB"
    "Ar43BBArz3BBAx72BBAz41BBAhl1BBA1y0BBA9k0BBAzkyBBAn+xBBAj3xBBA7uxBBA1sxBBA/rxBBAhpxBBA17vBBAjztBB"
    "A232EBAo32EBAow8EBApz/CBA1r9CBA1p9CBAo3rFBA0/wFBA4/hGBAp5tBBA10tBkCAn06DCA5y6DLDh06DEC716DDA/16D"
    "BA/16DBA/16DBA/16DBA/16DBA/16DCA/16DBA/16DBA/16DBA/16DBA/16DCA/16DCA/16DBA/16DCA/16DBA/16DCA/16D"
    "BA/16DBA/16DBA/16DBA/16DBAr36DBA136DBAj36DBAz26DsqFABCABPALjEAGBAG8QBHwLBDDAJ8HADBAD9bAFmhuBANBF"
    "N8CADBADBAHBAHBALBALgypCAl80KBAx80KBAh80KBAhu7DBAnq0KBAtl0KBA1k0KBApg0KBA74zKBA/2zKBAlyzKBA3zzKB"
    "A72hLBAl94DBAhszKBA1rzKBA3qzKBAzpzKBArv5DBAz1hLBA5qzKBAvozKBA1s5DBA/nzKBAnnzKBA500KBA7mzKBArmzKB"
    "A5jzBBAvizKBA1hzKBA/zhLBAp+yKBA19yKBA/6yKBA36yKBA9whLBA71yKBA51yKBAl0yKBA7yyKBAnyyKBAnyyKBAnxyKB"
    "AluyKBA3tyKBAntyKBA3ryKBAlryKBCjryKDAvg3DBAp8jKBA3myKBAvlyKBApt2DBA7kyKBAxkyKBApjyKBA75xKBApgyKB"
    "Ar/xKBAt9xKBA75xKBA10xKBAjzxKBA/uxKBAhuxKBBhsxKCA7qxKBA5pxKBArpxKBAvoxKBApzwKBArkxKBArzwKBA5/wKB"
    "A19wKBAxkzKBAl2vKBAnowKBA9lwKBAtkwKBAzswKBAniwKBAriwKBA36vKBAp3xDBAv2vKBAn2vKBAr1vKBAl0vKBA3zvKB"
    "A5vvKBAv7wDBAt3wDBArnvKBAvkvKBA5jvKBA5ovKBA//uKBAx3gLBA32gLBAh2uKBB3yuKCAnqvDBAzquKBArpuKBAvouKB"
    "A5nuKBAx1uDBAlnuKBA5muKBAhysKBAlluKBApvgLBAthuKBAzguKBAx7tKBA5+tKBAtptDBAxztKBAtptDBA/wtKBAnxtKB"
    "AnwtKBA/ptKBA/ptKBAnlgLBAtotKBA5ltKBAxktKBA7htKBArigLBArwrDBA7ggLBA19sKBAx9sKBAt9sKBAn8sKBA5vqBB"
    "Aj5sKBB/1qDCAjp7JBBj3sKCA98/KBA99iDBA7rrCBAtzsKBA9ysKBAv7/KBAjwsKBA/ssKBAtssKBArqsKBA9hsKBAt2/KB"
    "Ar4/KBA9gsKBA/8oDBA79rKBA71rKBA11rKBAz1rKBA51rKBA/yrKBA5xrKBAzvrKBAxwrKBA9vrKBAhtrKBA7rrKBA1rrKB"
    "AjqrKBAvprKBAtlrKBAngrKBAj+qKBAt2qKBA36mDBA33qKBA77qKBAl1qKBAxzqKBAxtqKBA5smDBA5pqKBA1vqKBAvxqKB"
    "Anp/KBAzlqKBArkqKBAviqKBA9kqKBA1l/KBAx3pKBA51pKBA/rkDBAvupKBAn9oKBAnopKBAp7+KBA7jpKBAv8+KBA5++KB"
    "A/zzKBA7zzKBAn9oKBAxjpKBAxi8JBA7v6KBAh8oKBA77oKBAx7oKBA53oKBAx4oKBAzxiDBAp5+KBApuoKBA11oKBA9ooKB"
    "A5loKBArniDBArloKBArsoKBAj9nKBAz0+KBAr6nKBAr0nKBA/vnKBAlknKB",
    "AxkhDBAjhnKBArt+KBA78mKBAxkgDBA55mKBAnq+KBAh4mKBAp1mKBA1zmKBA1zmKBAzm/CBA5+tDBA9/+CBA3qmKBA9j+CB"
    "A5jmKBA/imKBAtpmKBAx+lKBAj8lKBAz4lKBAh8lKBAz5lKBA34lKBA/3lKBAv+9CBAl9lKBAxtlKBA1plKBAt99KBA/jlKB"
    "ApklKBA3j9CBApxlKBAh6kKBAj78CBAl48CBA30kKBAztkKBArvkKBAzvkKBA/39KBA5skKBA1pkKBAjqkKBA5mkKBAr/5DB"
    "At9jKBAzr7CBAj4jKBAn36CBAvvjKBA3ujKBAjtjKBA1x5CBAnqjKBA/ojKBAh/4CBAlx4CBA76iKBA75iKBA7n9KBAr4iKB"
    "Bnn9KCAtuiKBAltiKBA9riKBA3qiKBAvmiKBAvh9KBA/giKBA9v2CBAv/hKBApq2CBAv8hKBAz5rDBAzyhKBAz50CBAn40CB"
    "Axv0CBAj08KBAtz8KBA3khKBA7k0CBA/k0CBAzi0CBAhh0CBAtihKBBtihKCA7/gKBA/w8KBA97gKBApw8KBArr8KBA/yyCB"
    "A/vgKBAlsgKBAnogKBA7m8KBA3yxCBA5//JBAzrxCBA/oxCBAt8/JBA32/JBAxi8KBAxx/JBA/w/JBA3w/JBA/9vCBBrrvCC"
    "Ahn/JBA717KBAr7uCBA35+JBAz5+JBA5z7KBApuuCBAnp+JBAts7KBA/n+JBAro+JBAzm+JBAp+sCBAxg+JBA3m7KBAt69JB"
    "A529JBA1y9JBA5j7KBAz0rCBA3yrCBA1h7KBA3prCBA3/8JBAxjrCBAl+8JBA938JBAp38JBAhqqCBAxlqCBA5x8JBAr9pCB"
    "A9w8JBAhijDBA366KBA/s8JBA/n8JBAx36KBAtk8JBAhtvKBA/9oCBAl9oCBAr/iDBA7+iDBAz47JBAv47JBA9+0JBAly6KB"
    "A7v7JBApw7JBAnv7JBA9tzKBAju7JBAhu7JBAvt7JBA/q7JBA1lnCBAlr7JBA3n7JBAtj7JBA7+6JBAxn7JBA/96JBAt76JB"
    "Av06JBA5k7JBAt96JBAr96JBAt86JBA72mCBAzjmCBAhtmCBA3n6KBAtr6JBArr6JBAnp6JBAh+iCBAvk6JBAholCBAhl6KB"
    "A7k6KBA9/kCBA9tkCBAtk6KBAl25JBAv15JBA705JBA505JBA7w5JBA/y5JBA1q5JBAvt5JBAjk5JBAnp5JBAjl5JBAvj5JB"
    "Av+5KBA994JBA/74JBAx85KBAl24JBAh24JBA71hCBA9u4JBAxu4JBAl55KBA9s4JBA9wiLBA5xgCBArmgCBA9w5KBAtw5KB"
    "A9y3JBAlu3JBAtk3JBA532JBA1y+BBAxy2JBAnx2JBA1r2JBA/l2JBAxq9BBAp94DBA9g2JBA9h2JBA3+1JBA9v4DBAzw1JB"
    "Atq1JBA7g6BBAn/5BBA700JBAjv0JBAlt0JBAtr5BBA1s0JBA96zJBAhxzJBAhxzJBA72zJBAj/yJBAt9yJBAl/2BBAlmyJB"
    "Azl4KBAxjyJBAzn2BBA3g4KBA/yxJBAjkuKBAjtxJBAhr0BBA59zBBAz43KBAl43KBAzhxJBAh/yBBAz03KBAt2yBBBl/wJC"
    "At9wJBA1kyBBA/xwJBA/s3KBA1twJBA7lwJBAnkwJBAxgwJBAzj3KBAxtvBBAvvvJBA18uJBA9wuJBA9z2KBAhy2KBAvquJB"
    "Aj0sBBAxx2KBA5wsBBApgsBBAl4rBBAz1tJBA/r2KBA7xtJBAzxtJBAnxtJBA1wtJBApwtJBAhutJBA5hqB",
    NULL
};

/* Letters of DeepSeek LLM's second pre-tokenizer regex (its literal class). */
static const uint32_t llml__vocab_ds_letters[] = {
    0x41,0x5A, 0x61,0x7A, 0xB5,0xB5, 0xC0,0xD6, 0xD8,0xF6, 0xF8,0x1BA, 0x1BC,0x1BF, 0x1C4,0x293,
    0x295,0x2AF, 0x370,0x373, 0x376,0x377, 0x37B,0x37D, 0x37F,0x37F, 0x386,0x386, 0x388,0x38A,
    0x38C,0x38C, 0x38E,0x3A1, 0x3A3,0x3F5, 0x3F7,0x481, 0x48A,0x52F, 0x531,0x556, 0x10A0,0x10C5,
    0x13A0,0x13F5, 0x13F8,0x13FD, 0x1C90,0x1CBA, 0x1CBD,0x1CBF, 0x1D00,0x1D2B, 0x1D6B,0x1D77,
    0x1D79,0x1D9A, 0x1E00,0x1F15, 0x1F18,0x1F1D, 0x1F20,0x1F45, 0x1F48,0x1F4D, 0x1F50,0x1F57,
    0x1F59,0x1F59, 0x1F5B,0x1F5B, 0x1F5D,0x1F5D, 0x1F5F,0x1F7D, 0x1F80,0x1FB4, 0x1FB6,0x1FBC,
    0x1FBE,0x1FBE, 0x1FC2,0x1FC4, 0x1FC6,0x1FCC, 0x1FD0,0x1FD3, 0x1FD6,0x1FDB, 0x1FE0,0x1FEC,
    0x1FF2,0x1FF4, 0x1FF6,0x1FFC, 0x2102,0x2102, 0x2107,0x2107, 0x210A,0x2113, 0x2115,0x2115,
    0x2119,0x211D, 0x2124,0x2124, 0x2126,0x2126, 0x2128,0x2128, 0x212A,0x212D, 0x212F,0x2134,
    0x2139,0x2139, 0x213C,0x213F, 0x2145,0x2149, 0x214E,0x214E, 0x2183,0x2184, 0x2C00,0x2C7B,
    0x2C7E,0x2CE4, 0x2CEB,0x2CEE, 0x2CF2,0x2CF3, 0xA640,0xA66D, 0xA680,0xA69B, 0xA722,0xA76F,
    0xA771,0xA787, 0xA78B,0xA78E, 0xAB70,0xABBF, 0xFB00,0xFB06, 0xFB13,0xFB17, 0xFF21,0xFF3A,
    0xFF41,0xFF5A, 0x10400,0x1044F, 0x104B0,0x104D3, 0x104D8,0x104FB, 0x10C80,0x10CB2,
    0x10CC0,0x10CF2, 0x118A0,0x118DF, 0x1E900,0x1E943
};

/* ---- the vocab object ---------------------------------------------------- */

enum {
    LLML__VPRE_DEFAULT = 0, LLML__VPRE_GPT2, LLML__VPRE_LLAMA3, LLML__VPRE_QWEN2,
    LLML__VPRE_DEEPSEEK_LLM, LLML__VPRE_DEEPSEEK_CODER, LLML__VPRE_FALCON, LLML__VPRE_STARCODER
};

/* pre-tokenizer option bits */
#define LLML__VPF_IGNORE_MERGES 1
#define LLML__VPF_NO_CLEAN      2
#define LLML__VPF_ADD_BOS       4
#define LLML__VPF_ADD_SEP       8
#define LLML__VPF_NO_BOS_ID     16

typedef struct llml__vocab_pre_entry { const char *name; int pre; int opts; } llml__vocab_pre_entry;

static const llml__vocab_pre_entry llml__vocab_pres[] = {
    { "default", LLML__VPRE_DEFAULT, 0 },
    { "llama3", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "llama-v3", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "llama-bpe", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "falcon3", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "falcon-h1", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "pixtral", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "midm-2.0", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "lfm2", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "dbrx", LLML__VPRE_LLAMA3, 0 },
    { "smaug-bpe", LLML__VPRE_LLAMA3, 0 },
    { "chatglm-bpe", LLML__VPRE_LLAMA3, LLML__VPF_NO_BOS_ID },
    { "glm4", LLML__VPRE_LLAMA3, LLML__VPF_NO_BOS_ID },
    { "deepseek-llm", LLML__VPRE_DEEPSEEK_LLM, LLML__VPF_NO_CLEAN },
    { "deepseek-coder", LLML__VPRE_DEEPSEEK_CODER, LLML__VPF_NO_CLEAN },
    { "falcon", LLML__VPRE_FALCON, 0 },
    { "gpt-2", LLML__VPRE_GPT2, 0 },
    { "phi-2", LLML__VPRE_GPT2, 0 },
    { "mpt", LLML__VPRE_GPT2, 0 },
    { "olmo", LLML__VPRE_GPT2, 0 },
    { "jais", LLML__VPRE_GPT2, 0 },
    { "jina-es", LLML__VPRE_GPT2, 0 },
    { "jina-de", LLML__VPRE_GPT2, 0 },
    { "jina-v2-es", LLML__VPRE_GPT2, 0 },
    { "jina-v2-de", LLML__VPRE_GPT2, 0 },
    { "gigachat", LLML__VPRE_GPT2, 0 },
    { "a.x-4.0", LLML__VPRE_GPT2, 0 },
    { "mellum", LLML__VPRE_GPT2, 0 },
    { "modern-bert", LLML__VPRE_GPT2, 0 },
    { "exaone4", LLML__VPRE_GPT2, 0 },
    { "trillion", LLML__VPRE_GPT2, LLML__VPF_NO_CLEAN },
    { "granite-docling", LLML__VPRE_GPT2, LLML__VPF_NO_CLEAN },
    { "jina-v1-en", LLML__VPRE_GPT2, LLML__VPF_ADD_SEP },
    { "jina-v2-code", LLML__VPRE_GPT2, LLML__VPF_ADD_SEP },
    { "roberta-bpe", LLML__VPRE_GPT2, LLML__VPF_ADD_SEP },
    { "qwen2", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "deepseek-r1-qwen", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "kormo", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "f2llmv2", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "hunyuan", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "solar-open", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "stablelm2", LLML__VPRE_QWEN2, 0 },
    { "megrez", LLML__VPRE_QWEN2, 0 },
    { "starcoder", LLML__VPRE_STARCODER, 0 },
    { "refact", LLML__VPRE_STARCODER, 0 },
    { "codeshell", LLML__VPRE_STARCODER, 0 },
    { "exaone", LLML__VPRE_STARCODER, 0 },
    { "minerva-7b", LLML__VPRE_STARCODER, 0 },
    { "mellum2", LLML__VPRE_STARCODER, 0 },
    { "command-r", LLML__VPRE_STARCODER, LLML__VPF_NO_CLEAN },
    { "smollm", LLML__VPRE_STARCODER, LLML__VPF_NO_CLEAN }
};

/* Split stages: each entry of a pre-tokenizer's list splits every chunk the
   previous stages produced (kept pieces between matches stay chunks too). */
enum {
    LLML__VST_END = 0,
    LLML__VST_GPT2,          /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S) */
    LLML__VST_LLAMA3,        /* (?i:'s|..)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    LLML__VST_QWEN2,         /* the same with \p{N} */
    LLML__VST_RN,            /* [\r\n] */
    LLML__VST_WS_LETTERS,    /* \s?\p{L}+ */
    LLML__VST_WS_PUNCT,      /* \s?\p{P}+ */
    LLML__VST_CJK,           /* [U+4E00-U+9FA5 U+0800-U+4E00 U+AC00-U+D7FF]+ */
    LLML__VST_NUM1,          /* \p{N} */
    LLML__VST_NUMRUN,        /* \p{N}+ */
    LLML__VST_DS_LETTERS,    /* \s?[DeepSeek letter class]+ */
    LLML__VST_DS_PUNCT,      /* \s?[!-/:-~ U+FF01-U+FF0F U+FF1A-U+FF5E U+2018-U+201F U+3000-U+3002]+ */
    LLML__VST_TRAIL_WS,      /* \s+$ */
    LLML__VST_PUNCT_FALCON,  /* [\p{P}\$\+<=>\^~\|`]+ */
    LLML__VST_PUNCT_DEFAULT, /* [\p{P}\$\+<=>\^~\|]+ */
    LLML__VST_DIGIT3         /* [0-9][0-9][0-9] */
};

static const unsigned char llml__vocab_stages[][7] = {
    /* DEFAULT        */ { LLML__VST_PUNCT_DEFAULT, LLML__VST_GPT2, LLML__VST_NUMRUN, LLML__VST_DIGIT3, 0, 0, 0 },
    /* GPT2           */ { LLML__VST_GPT2, 0, 0, 0, 0, 0, 0 },
    /* LLAMA3         */ { LLML__VST_LLAMA3, 0, 0, 0, 0, 0, 0 },
    /* QWEN2          */ { LLML__VST_QWEN2, 0, 0, 0, 0, 0, 0 },
    /* DEEPSEEK_LLM   */ { LLML__VST_RN, LLML__VST_DS_LETTERS, LLML__VST_DS_PUNCT, LLML__VST_TRAIL_WS,
                           LLML__VST_CJK, LLML__VST_NUMRUN, 0 },
    /* DEEPSEEK_CODER */ { LLML__VST_RN, LLML__VST_WS_LETTERS, LLML__VST_WS_PUNCT, LLML__VST_CJK,
                           LLML__VST_NUM1, 0, 0 },
    /* FALCON         */ { LLML__VST_PUNCT_FALCON, LLML__VST_GPT2, LLML__VST_DIGIT3, 0, 0, 0, 0 },
    /* STARCODER      */ { LLML__VST_NUM1, LLML__VST_GPT2, 0, 0, 0, 0, 0 }
};

/* internal attribute bit: token ends generation */
#define LLML__VATTR_EOG 0x8000u

struct llml_vocab {
    llml_allocator alloc;
    int type;                  /* llml_vocab_type */
    int pre;                   /* LLML__VPRE_* (BPE) */
    char pre_name[64];
    int32_t n_tokens;
    char *blob;                /* every token text, each NUL-terminated */
    size_t blob_size;
    uint32_t *text_off;        /* n_tokens + 1 offsets into blob (text i ends at text_off[i+1]-1) */
    float *scores;
    uint16_t *attrs;
    int32_t *hash;             /* token text -> id; -1 empty */
    uint32_t hash_mask;
    uint64_t *merge_key;       /* (left id << 32 | right id); UINT64_MAX empty */
    int32_t *merge_val;        /* pairs: rank, id of the merged text (-1 when not a token) */
    uint32_t merge_mask;       /* 0 when there are no merges */
    int32_t byte_tok[256];     /* byte -> token (SPM <0xXX>; BPE its byte-level character), -1 */
    uint16_t byte_cp[256];     /* byte -> its byte-level code point */
    int16_t cp_byte[324];      /* byte-level code point -> byte, -1 */
    int32_t special[LLML_TOKEN_SPECIAL_COUNT];
    int add_bos, add_eos, add_sep, add_space_prefix, ignore_merges, clean_spaces;
    int lowercase, strip_accents;
    int32_t max_token_len;
    int32_t *special_list;     /* control / user-defined / unknown ids, longest text first */
    int32_t n_special;
    /* decoded Unicode data */
    uint8_t *u_bmp;            /* 65536 flag bytes */
    uint32_t *u_cat_start; uint8_t *u_cat; int32_t n_cat;
    uint32_t *u_low; int32_t n_low;   /* 4 per run: start, count, stride, zigzag delta */
    uint32_t *u_nfd; int32_t n_nfd;   /* 3 per run: start, last, target */
};

/* ---- small helpers ------------------------------------------------------- */

static void *llml__vocab_alloc(const llml_vocab *v, size_t n) {
    return llml__alloc(&v->alloc, n, 16);
}
static void llml__vocab_dealloc(const llml_vocab *v, void *p, size_t n) {
    llml__free(&v->alloc, p, n);
}

static uint64_t llml__vocab_fnv(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    return h;
}

static int32_t llml__vocab_lookup(const llml_vocab *v, const char *s, size_t n) {
    uint32_t slot = (uint32_t)llml__vocab_fnv(s, n) & v->hash_mask;
    for (;;) {
        int32_t id = v->hash[slot];
        if (id < 0) return -1;
        if ((size_t)(v->text_off[id + 1] - 1 - v->text_off[id]) == n && memcmp(v->blob + v->text_off[id], s, n) == 0)
            return id;
        slot = (slot + 1) & v->hash_mask;
    }
}

static const char *llml__vocab_text(const llml_vocab *v, int32_t id, size_t *len) {
    *len = v->text_off[id + 1] - 1 - v->text_off[id];
    return v->blob + v->text_off[id];
}

static uint64_t llml__vocab_mix(uint64_t k) {
    k ^= k >> 31; k *= 0x9E3779B97F4A7C15ull; k ^= k >> 29;
    return k;
}

/* rank and result of merging tokens a and b, or 0 when they do not merge */
static int llml__vocab_merge(const llml_vocab *v, int32_t a, int32_t b, int32_t *rank, int32_t *result) {
    uint64_t key;
    uint32_t slot;
    if (!v->merge_mask || a < 0 || b < 0) return 0;
    key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    slot = (uint32_t)llml__vocab_mix(key) & v->merge_mask;
    for (;;) {
        uint64_t k = v->merge_key[slot];
        if (k == UINT64_MAX) return 0;
        if (k == key) { *rank = v->merge_val[2 * slot]; *result = v->merge_val[2 * slot + 1]; return 1; }
        slot = (slot + 1) & v->merge_mask;
    }
}

/* ---- Unicode ------------------------------------------------------------- */

static int llml__vocab_b64(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
}

typedef struct llml__vocab_vr { const char *const *chunk; const char *p; } llml__vocab_vr;

static uint32_t llml__vocab_vr_next(llml__vocab_vr *r) {
    uint32_t val = 0;
    int shift = 0;
    for (;;) {
        int d;
        while (*r->p == 0) { r->chunk++; r->p = *r->chunk; }
        d = llml__vocab_b64((unsigned char)*r->p++);
        val |= (uint32_t)(d & 31) << shift;
        shift += 5;
        if (!(d & 32)) return val;
    }
}

static int llml__vocab_is_ws(uint32_t c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* decode the Unicode streams into v */
static llml_result llml__vocab_unicode_init(llml_vocab *v) {
    llml__vocab_vr r;
    int32_t i;
    uint32_t prev = 0, c;
    v->n_cat = LLML__VOCAB_UNI_CAT_COUNT;
    v->n_low = LLML__VOCAB_UNI_LOWER_COUNT;
    v->n_nfd = LLML__VOCAB_UNI_NFD_COUNT;
    v->u_bmp = (uint8_t *)llml__vocab_alloc(v, 65536);
    v->u_cat_start = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * (size_t)v->n_cat);
    v->u_cat = (uint8_t *)llml__vocab_alloc(v, (size_t)v->n_cat);
    v->u_low = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * 4 * (size_t)v->n_low);
    v->u_nfd = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * 3 * (size_t)v->n_nfd);
    if (!v->u_bmp || !v->u_cat_start || !v->u_cat || !v->u_low || !v->u_nfd) return LLML_ERR_OUT_OF_MEMORY;
    r.chunk = llml__vocab_uni_cat; r.p = r.chunk[0];
    for (i = 0; i < v->n_cat; i++) {
        uint32_t x = llml__vocab_vr_next(&r);
        if (i > 0) prev += x >> 3;
        v->u_cat_start[i] = prev;
        v->u_cat[i] = (uint8_t)(x & 7);
    }
    for (i = 0; i < v->n_cat; i++) {
        uint32_t end = i + 1 < v->n_cat ? v->u_cat_start[i + 1] : 0x110000u;
        if (v->u_cat_start[i] >= 65536) break;
        if (end > 65536) end = 65536;
        for (c = v->u_cat_start[i]; c < end; c++)
            v->u_bmp[c] = (uint8_t)(v->u_cat[i] | LLML__UF_VALID | (llml__vocab_is_ws(c) ? LLML__UF_WS : 0));
    }
    r.chunk = llml__vocab_uni_lower; r.p = r.chunk[0]; prev = 0;
    for (i = 0; i < v->n_low; i++) {
        prev += llml__vocab_vr_next(&r);
        v->u_low[4 * i + 0] = prev;
        v->u_low[4 * i + 1] = llml__vocab_vr_next(&r) + 1;
        v->u_low[4 * i + 2] = llml__vocab_vr_next(&r) + 1;
        v->u_low[4 * i + 3] = llml__vocab_vr_next(&r);
    }
    r.chunk = llml__vocab_uni_nfd; r.p = r.chunk[0]; prev = 0;
    for (i = 0; i < v->n_nfd; i++) {
        uint32_t len, zz;
        prev += llml__vocab_vr_next(&r);
        len = llml__vocab_vr_next(&r);
        zz = llml__vocab_vr_next(&r);
        v->u_nfd[3 * i + 0] = prev;
        v->u_nfd[3 * i + 1] = prev + len;
        v->u_nfd[3 * i + 2] = (zz & 1) ? prev - ((zz + 1) >> 1) : prev + (zz >> 1);
    }
    return LLML_OK;
}

/* flag byte of a code point (category | WS | VALID) */
static unsigned llml__vocab_uflags(const llml_vocab *v, uint32_t c) {
    int32_t lo = 0, hi;
    if (c < 65536) return v->u_bmp[c];
    if (c >= 0x110000) return LLML__UC_UNDEF | LLML__UF_VALID;
    hi = v->n_cat - 1;
    while (lo < hi) {
        int32_t mid = (lo + hi + 1) / 2;
        if (v->u_cat_start[mid] <= c) lo = mid; else hi = mid - 1;
    }
    return (unsigned)v->u_cat[lo] | LLML__UF_VALID;
}

/* last index i with table[i * stride] <= c, or -1 */
static int32_t llml__vocab_bsearch(const uint32_t *table, int32_t n, int stride, uint32_t c) {
    int32_t lo = 0, hi = n - 1;
    if (n <= 0 || table[0] > c) return -1;
    while (lo < hi) {
        int32_t mid = (lo + hi + 1) / 2;
        if (table[(size_t)mid * (size_t)stride] <= c) lo = mid; else hi = mid - 1;
    }
    return lo;
}

static uint32_t llml__vocab_tolower(const llml_vocab *v, uint32_t c) {
    int32_t i;
    const uint32_t *e;
    if (c < 128) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    i = llml__vocab_bsearch(v->u_low, v->n_low, 4, c);
    if (i < 0) return c;
    e = v->u_low + 4 * i;
    if ((c - e[0]) % e[2] != 0 || (c - e[0]) / e[2] >= e[1]) return c;
    return (e[3] & 1) ? c - ((e[3] + 1) >> 1) : c + (e[3] >> 1);
}

static uint32_t llml__vocab_nfd_first(const llml_vocab *v, uint32_t c) {
    int32_t i = llml__vocab_bsearch(v->u_nfd, v->n_nfd, 3, c);
    if (i < 0 || c > v->u_nfd[3 * i + 1]) return c;
    return v->u_nfd[3 * i + 2];
}

/* Decode one code point the way the reference does: overlong forms and
   surrogates pass, a bad byte becomes U+FFFD and is skipped alone (values
   above U+10FFFF count as bad too). */
static uint32_t llml__vocab_utf8_next(const unsigned char *s, size_t n, size_t *pos) {
    size_t i = *pos;
    unsigned b = s[i];
    if (b < 0x80) { *pos = i + 1; return b; }
    if (b >= 0xC0 && b < 0xE0) {
        if (i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            *pos = i + 2;
            return ((uint32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3F);
        }
    } else if (b >= 0xE0 && b < 0xF0) {
        if (i + 2 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
            *pos = i + 3;
            return ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        }
    } else if (b >= 0xF0 && b < 0xF8) {
        if (i + 3 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80) {
            uint32_t c = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                         ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            if (c <= 0x10FFFF) { *pos = i + 4; return c; }
        }
    }
    *pos = i + 1;
    return 0xFFFD;
}

/* UTF-8 of c (c <= 0x10FFFF) into out; returns the length */
static size_t llml__vocab_utf8_put(uint32_t c, char *out) {
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) { out[0] = (char)(0xC0 | (c >> 6)); out[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12)); out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18)); out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F)); out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* GPT-2 byte-level alphabet: printable bytes stand for themselves, the other
   68 map to U+0100 upwards in byte order. */
static int llml__vocab_byte_is_printable(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}
static uint32_t llml__vocab_byte_to_cp(unsigned b) {
    unsigned i, n = 0;
    if (llml__vocab_byte_is_printable(b)) return b;
    for (i = 0; i < b; i++) if (!llml__vocab_byte_is_printable(i)) n++;
    return 256 + n;
}
/* inverse; -1 for a code point outside the alphabet */
static int llml__vocab_cp_to_byte(uint32_t c) {
    unsigned i, n = 0;
    if (c < 256) return llml__vocab_byte_is_printable(c) ? (int)c : -1;
    if (c >= 256 + 68) return -1;
    for (i = 0; i < 256; i++) {
        if (!llml__vocab_byte_is_printable(i)) {
            if (n == c - 256) return (int)i;
            n++;
        }
    }
    return -1;
}

static int llml__vocab_isspace(unsigned char c) {
    return c == ' ' || (c >= 9 && c <= 13);
}

/* ---- per-call scratch ----------------------------------------------------- */

typedef struct llml__vocab_buf { void *p; size_t cap; } llml__vocab_buf;

/* grow b to at least `bytes`, keeping its contents; 0 on failure */
static int llml__vocab_reserve(const llml_vocab *v, llml__vocab_buf *b, size_t bytes) {
    void *p;
    size_t want = bytes;
    if (bytes <= b->cap) return 1;
    if (want < 256) want = 256;
    if (want < b->cap / 2 * 3) want = b->cap / 2 * 3;
    p = llml__vocab_alloc(v, want);
    if (!p) return 0;
    if (b->p) {
        memcpy(p, b->p, b->cap);
        llml__vocab_dealloc(v, b->p, b->cap);
    }
    b->p = p;
    b->cap = want;
    return 1;
}

typedef struct llml__vocab_frag { int32_t tok; uint32_t off, len; } llml__vocab_frag;

typedef struct llml__vocab_spm_sym { int32_t prev, next; uint32_t start, len; } llml__vocab_spm_sym;
typedef struct llml__vocab_spm_big { float score; int32_t left, right; uint32_t size; } llml__vocab_spm_big;
typedef struct llml__vocab_bpe_sym { int32_t prev, next, id; uint32_t start, len; } llml__vocab_bpe_sym;
typedef struct llml__vocab_bpe_big { int32_t rank, left, right, lid, rid, result; } llml__vocab_bpe_big;

typedef struct llml__vocab_work {
    const llml_vocab *v;
    int32_t *out;              /* the caller's buffer */
    size_t cap, n;             /* its size; tokens produced so far */
    llml__vocab_buf frag[2];   /* special-token partition (ping-pong) */
    llml__vocab_buf cps;       /* code points of a fragment */
    llml__vocab_buf chunk[2];  /* split lengths (ping-pong) */
    llml__vocab_buf bytes;     /* SPM text, a BPE word, a WordPiece word */
    llml__vocab_buf enc;       /* byte-level text of a BPE word */
    llml__vocab_buf sym;       /* merge symbols */
    llml__vocab_buf heap;      /* merge queue */
} llml__vocab_work;

static void llml__vocab_emit(llml__vocab_work *w, int32_t id) {
    if (w->n < w->cap) w->out[w->n] = id;
    w->n++;
}

static void llml__vocab_work_free(llml__vocab_work *w) {
    llml__vocab_buf *all[10];
    int i;
    all[0] = &w->frag[0]; all[1] = &w->frag[1]; all[2] = &w->cps; all[3] = &w->chunk[0];
    all[4] = &w->chunk[1]; all[5] = &w->bytes; all[6] = &w->enc; all[7] = &w->sym; all[8] = &w->heap;
    all[9] = NULL;
    for (i = 0; all[i]; i++) {
        if (all[i]->p) llml__vocab_dealloc(w->v, all[i]->p, all[i]->cap);
        all[i]->p = NULL;
        all[i]->cap = 0;
    }
}

/* ---- pre-tokenizer splits -------------------------------------------------- */

/* flags of cp[p] inside a chunk ending at e; 0 past its end */
static unsigned llml__vocab_fat(const llml_vocab *v, const uint32_t *cp, size_t p, size_t e) {
    return p < e ? llml__vocab_uflags(v, cp[p]) : 0u;
}
#define LLML__UF_CAT(f) ((f) & 7u)
#define LLML__UF_IS(f, c) (((f) & LLML__UF_VALID) && LLML__UF_CAT(f) == (c))
#define LLML__UF_LETTER(f) LLML__UF_IS(f, LLML__UC_LETTER)
#define LLML__UF_NUMBER(f) LLML__UF_IS(f, LLML__UC_NUMBER)
#define LLML__UF_ISWS(f) (((f) & LLML__UF_WS) != 0)
/* "other": in the chunk, neither whitespace nor letter nor number */
#define LLML__UF_OTHER(f) (((f) & LLML__UF_VALID) && !LLML__UF_ISWS(f) && !LLML__UF_LETTER(f) && !LLML__UF_NUMBER(f))

typedef struct llml__vocab_pieces { uint32_t *out; size_t n; size_t prev_end; } llml__vocab_pieces;

/* close the piece that ends at `end` (nothing when empty); returns its length */
static size_t llml__vocab_cut(llml__vocab_pieces *pc, size_t end) {
    size_t len = end - pc->prev_end;
    if (len > 0) pc->out[pc->n++] = (uint32_t)len;
    pc->prev_end = end;
    return len;
}

/* whitespace run at p: its length, and one past the last \r or \n in it (0: none) */
static size_t llml__vocab_ws_run(const llml_vocab *v, const uint32_t *cp, size_t p, size_t e, size_t *last_rn) {
    size_t k = 0;
    *last_rn = 0;
    while (LLML__UF_ISWS(llml__vocab_fat(v, cp, p + k, e))) {
        if (cp[p + k] == '\r' || cp[p + k] == '\n') *last_rn = p + k + 1;
        k++;
    }
    return k;
}

/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static void llml__vocab_split_gpt2(const llml_vocab *v, const uint32_t *cp, size_t s, size_t e, llml__vocab_pieces *pc) {
    size_t p = s;
    pc->prev_end = s;
    while (p < e) {
        uint32_t c = cp[p];
        unsigned f = llml__vocab_fat(v, cp, p, e), f2;
        size_t nws, last_rn;
        if (c == '\'' && p + 1 < e) {
            uint32_t c1 = cp[p + 1];
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { p += llml__vocab_cut(pc, p + 2); continue; }
            if (p + 2 < e) {
                uint32_t c2 = cp[p + 2];
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    p += llml__vocab_cut(pc, p + 3);
                    continue;
                }
            }
        }
        f2 = c == ' ' ? llml__vocab_fat(v, cp, p + 1, e) : f;
        if (LLML__UF_LETTER(f2)) {
            p += c == ' ';
            while (LLML__UF_LETTER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        if (LLML__UF_NUMBER(f2)) {
            p += c == ' ';
            while (LLML__UF_NUMBER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        if (LLML__UF_OTHER(f2)) {
            p += c == ' ';
            while (LLML__UF_OTHER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        nws = llml__vocab_ws_run(v, cp, p, e, &last_rn);
        if (nws > 1 && p + nws < e) { p += nws - 1; llml__vocab_cut(pc, p); continue; }
        if (nws > 0) { p += nws; llml__vocab_cut(pc, p); continue; }
        p++;
        llml__vocab_cut(pc, p);
    }
}

/* Llama 3 (max_digits 3) and Qwen 2 (max_digits 1):
   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static void llml__vocab_split_llama3(const llml_vocab *v, const uint32_t *cp, size_t s, size_t e,
                                     size_t max_digits, llml__vocab_pieces *pc) {
    size_t p = s;
    pc->prev_end = s;
    while (p < e) {
        uint32_t c = cp[p];
        unsigned f = llml__vocab_fat(v, cp, p, e), f2;
        size_t nws, last_rn;
        if (c == '\'' && p + 1 < e) {
            uint32_t c1 = llml__vocab_tolower(v, cp[p + 1]);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { p += llml__vocab_cut(pc, p + 2); continue; }
            if (p + 2 < e) {
                uint32_t c2 = llml__vocab_tolower(v, cp[p + 2]);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    p += llml__vocab_cut(pc, p + 3);
                    continue;
                }
            }
        }
        if (!(c == '\r' || c == '\n' || LLML__UF_NUMBER(f)) &&
            (LLML__UF_LETTER(f) || LLML__UF_LETTER(llml__vocab_fat(v, cp, p + 1, e)))) {
            p++;
            while (LLML__UF_LETTER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        if (LLML__UF_NUMBER(f)) {
            size_t ini = p;
            while (LLML__UF_NUMBER(llml__vocab_fat(v, cp, p, e))) {
                p++;
                if (p - ini >= max_digits) { llml__vocab_cut(pc, p); ini = p; }
            }
            llml__vocab_cut(pc, p);
            continue;
        }
        f2 = c == ' ' ? llml__vocab_fat(v, cp, p + 1, e) : f;
        if (!LLML__UF_ISWS(f2) && !LLML__UF_LETTER(f2) && !LLML__UF_NUMBER(f2) && (f & LLML__UF_VALID)) {
            p += c == ' ';
            while (LLML__UF_OTHER(llml__vocab_fat(v, cp, p, e))) p++;
            while (p < e && (cp[p] == '\r' || cp[p] == '\n')) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        nws = llml__vocab_ws_run(v, cp, p, e, &last_rn);
        if (last_rn > 0) { p = last_rn; llml__vocab_cut(pc, p); continue; }
        if (nws > 1 && p + nws < e) { p += nws - 1; llml__vocab_cut(pc, p); continue; }
        if (nws > 0) { p += nws; llml__vocab_cut(pc, p); continue; }
        p++;
        llml__vocab_cut(pc, p);
    }
}

/* Member of a stage's character class. The reference runs these regexes on a
   copy of the text where non-ASCII whitespace is replaced by U+000B, so no
   whitespace character is ever a class member. */
static int llml__vocab_member(const llml_vocab *v, int stage, uint32_t c) {
    unsigned f = llml__vocab_uflags(v, c);
    if (f & LLML__UF_WS) return 0;
    switch (stage) {
    case LLML__VST_WS_LETTERS: return LLML__UF_LETTER(f);
    case LLML__VST_WS_PUNCT: return LLML__UF_IS(f, LLML__UC_PUNCT);
    case LLML__VST_NUM1:
    case LLML__VST_NUMRUN: return LLML__UF_NUMBER(f);
    case LLML__VST_CJK: return (c >= 0x0800 && c <= 0x9FA5) || (c >= 0xAC00 && c <= 0xD7FF);
    case LLML__VST_DS_PUNCT:
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x7E) || (c >= 0xFF01 && c <= 0xFF0F) ||
               (c >= 0xFF1A && c <= 0xFF5E) || (c >= 0x2018 && c <= 0x201F) || (c >= 0x3000 && c <= 0x3002);
    case LLML__VST_DS_LETTERS: {
        int32_t i = llml__vocab_bsearch(llml__vocab_ds_letters,
                                        (int32_t)(sizeof(llml__vocab_ds_letters) / sizeof(llml__vocab_ds_letters[0]) / 2), 2, c);
        return i >= 0 && c <= llml__vocab_ds_letters[2 * i + 1];
    }
    case LLML__VST_PUNCT_FALCON:
    case LLML__VST_PUNCT_DEFAULT:
        if (LLML__UF_IS(f, LLML__UC_PUNCT)) return 1;
        return c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '~' || c == '|' ||
               (c == '`' && stage == LLML__VST_PUNCT_FALCON);
    default: return 0;
    }
}

/* length of the leftmost-first match of a generic stage at p (0: none) */
static size_t llml__vocab_match(const llml_vocab *v, int stage, const uint32_t *cp, size_t p, size_t e) {
    size_t q = p;
    switch (stage) {
    case LLML__VST_RN:
        return (cp[p] == '\r' || cp[p] == '\n') ? 1 : 0;
    case LLML__VST_NUM1:
        return llml__vocab_member(v, stage, cp[p]) ? 1 : 0;
    case LLML__VST_DIGIT3:
        return (p + 3 <= e && cp[p] >= '0' && cp[p] <= '9' && cp[p + 1] >= '0' && cp[p + 1] <= '9' &&
                cp[p + 2] >= '0' && cp[p + 2] <= '9') ? 3 : 0;
    case LLML__VST_WS_LETTERS:
    case LLML__VST_WS_PUNCT:
    case LLML__VST_DS_LETTERS:
    case LLML__VST_DS_PUNCT:
        if (llml__vocab_is_ws(cp[p]) && p + 1 < e && llml__vocab_member(v, stage, cp[p + 1])) q = p + 1;
        while (q < e && llml__vocab_member(v, stage, cp[q])) q++;
        return q - p;
    default:
        while (q < e && llml__vocab_member(v, stage, cp[q])) q++;
        return q - p;
    }
}

/* apply one stage to every chunk of `in` (n_in lengths) into pc->out */
static void llml__vocab_split_stage(const llml_vocab *v, int stage, const uint32_t *cp,
                                    const uint32_t *in, size_t n_in, llml__vocab_pieces *pc) {
    size_t k, s = 0;
    for (k = 0; k < n_in; k++) {
        size_t e = s + in[k], p, gap;
        switch (stage) {
        case LLML__VST_GPT2: llml__vocab_split_gpt2(v, cp, s, e, pc); break;
        case LLML__VST_LLAMA3: llml__vocab_split_llama3(v, cp, s, e, 3, pc); break;
        case LLML__VST_QWEN2: llml__vocab_split_llama3(v, cp, s, e, 1, pc); break;
        case LLML__VST_TRAIL_WS:
            p = e;
            while (p > s && llml__vocab_is_ws(cp[p - 1])) p--;
            pc->prev_end = s;
            llml__vocab_cut(pc, p);
            llml__vocab_cut(pc, e);
            break;
        default:
            p = s;
            gap = s;
            pc->prev_end = s;
            while (p < e) {
                size_t m = llml__vocab_match(v, stage, cp, p, e);
                if (m == 0) { p++; continue; }
                llml__vocab_cut(pc, p);
                p += m;
                llml__vocab_cut(pc, p);
                gap = p;
            }
            (void)gap;
            llml__vocab_cut(pc, e);
            break;
        }
        s = e;
    }
}

/* ---- merge queues ---------------------------------------------------------- */

static int llml__vocab_spm_before(const llml__vocab_spm_big *a, const llml__vocab_spm_big *b) {
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}
static void llml__vocab_spm_push(llml__vocab_spm_big *h, size_t *n, llml__vocab_spm_big x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!llml__vocab_spm_before(&x, &h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}
static llml__vocab_spm_big llml__vocab_spm_pop(llml__vocab_spm_big *h, size_t *n) {
    llml__vocab_spm_big top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && llml__vocab_spm_before(&h[c + 1], &h[c])) c++;
        if (!llml__vocab_spm_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

static int llml__vocab_bpe_before(const llml__vocab_bpe_big *a, const llml__vocab_bpe_big *b) {
    return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}
static void llml__vocab_bpe_push(llml__vocab_bpe_big *h, size_t *n, llml__vocab_bpe_big x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!llml__vocab_bpe_before(&x, &h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}
static llml__vocab_bpe_big llml__vocab_bpe_pop(llml__vocab_bpe_big *h, size_t *n) {
    llml__vocab_bpe_big top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && llml__vocab_bpe_before(&h[c + 1], &h[c])) c++;
        if (!llml__vocab_bpe_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

/* ---- SPM ------------------------------------------------------------------ */

static void llml__vocab_spm_bigram(const llml_vocab *v, const char *t, const llml__vocab_spm_sym *sym,
                                   int32_t left, int32_t right, llml__vocab_spm_big *h, size_t *nh) {
    llml__vocab_spm_big b;
    int32_t id;
    if (left < 0 || right < 0) return;
    b.size = sym[left].len + sym[right].len;
    id = llml__vocab_lookup(v, t + sym[left].start, b.size);
    if (id < 0) return;
    b.score = v->scores[id];
    b.left = left;
    b.right = right;
    llml__vocab_spm_push(h, nh, b);
}

/* one text fragment: spaces become U+2581, optionally one is put in front */
static int llml__vocab_spm_fragment(llml__vocab_work *w, const char *text, size_t n, int prefix) {
    const llml_vocab *v = w->v;
    size_t i, len = 0, nsym = 0, nh = 0;
    char *t;
    llml__vocab_spm_sym *sym;
    llml__vocab_spm_big *h;
    int32_t k;
    if (!llml__vocab_reserve(v, &w->bytes, 3 * n + 3)) return 0;
    t = (char *)w->bytes.p;
    if (prefix) { memcpy(t, "\xE2\x96\x81", 3); len = 3; }
    for (i = 0; i < n; i++) {
        if (text[i] == ' ') { memcpy(t + len, "\xE2\x96\x81", 3); len += 3; }
        else t[len++] = text[i];
    }
    if (!llml__vocab_reserve(v, &w->sym, sizeof(llml__vocab_spm_sym) * (len + 1)) ||
        !llml__vocab_reserve(v, &w->heap, sizeof(llml__vocab_spm_big) * (3 * len + 3)))
        return 0;
    t = (char *)w->bytes.p;
    sym = (llml__vocab_spm_sym *)w->sym.p;
    h = (llml__vocab_spm_big *)w->heap.p;
    /* symbols: one per UTF-8 lead byte (the length its top bits announce, cut at the end) */
    for (i = 0; i < len;) {
        unsigned hb = (unsigned char)t[i] >> 4;
        size_t cl = hb < 12 ? 1 : hb < 14 ? 2 : hb == 14 ? 3 : 4;
        if (cl > len - i) cl = len - i;
        sym[nsym].start = (uint32_t)i;
        sym[nsym].len = (uint32_t)cl;
        sym[nsym].prev = (int32_t)nsym - 1;
        i += cl;
        sym[nsym].next = i == len ? -1 : (int32_t)nsym + 1;
        nsym++;
    }
    for (i = 1; i < nsym; i++) llml__vocab_spm_bigram(v, t, sym, (int32_t)i - 1, (int32_t)i, h, &nh);
    while (nh > 0) {
        llml__vocab_spm_big b = llml__vocab_spm_pop(h, &nh);
        llml__vocab_spm_sym *l = &sym[b.left], *r = &sym[b.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != b.size) continue;
        l->len += r->len;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = b.left;
        llml__vocab_spm_bigram(v, t, sym, l->prev, b.left, h, &nh);
        llml__vocab_spm_bigram(v, t, sym, b.left, l->next, h, &nh);
    }
    for (k = nsym > 0 ? 0 : -1; k != -1; k = sym[k].next) {
        int32_t id = llml__vocab_lookup(v, t + sym[k].start, sym[k].len);
        uint32_t j;
        if (id >= 0) { llml__vocab_emit(w, id); continue; }
        for (j = 0; j < sym[k].len; j++) {
            int32_t bt = v->byte_tok[(unsigned char)t[sym[k].start + j]];
            if (bt < 0) bt = v->special[LLML_TOKEN_UNK];
            if (bt >= 0) llml__vocab_emit(w, bt);
        }
    }
    return 1;
}

/* ---- BPE ------------------------------------------------------------------ */

static void llml__vocab_bpe_bigram(const llml_vocab *v, const llml__vocab_bpe_sym *sym, int32_t left, int32_t right,
                                   llml__vocab_bpe_big *h, size_t *nh) {
    llml__vocab_bpe_big b;
    if (left < 0 || right < 0) return;
    if (!llml__vocab_merge(v, sym[left].id, sym[right].id, &b.rank, &b.result)) return;
    b.left = left;
    b.right = right;
    b.lid = sym[left].id;
    b.rid = sym[right].id;
    llml__vocab_bpe_push(h, nh, b);
}

/* byte-level text of bytes b[0..n) into w->enc; returns its length or (size_t)-1 */
static size_t llml__vocab_bpe_encode(llml__vocab_work *w, const unsigned char *b, size_t n) {
    size_t i, len = 0;
    char *e;
    if (!llml__vocab_reserve(w->v, &w->enc, 2 * n + 1)) return (size_t)-1;
    e = (char *)w->enc.p;
    for (i = 0; i < n; i++) len += llml__vocab_utf8_put(w->v->byte_cp[b[i]], e + len);
    return len;
}

/* one pre-tokenized word (raw bytes) */
static int llml__vocab_bpe_word(llml__vocab_work *w, const unsigned char *b, size_t n) {
    const llml_vocab *v = w->v;
    llml__vocab_bpe_sym *sym;
    llml__vocab_bpe_big *h;
    size_t i, nh = 0;
    int32_t k;
    if (n == 0) return 1;
    if (v->ignore_merges) {
        size_t len = llml__vocab_bpe_encode(w, b, n);
        int32_t id;
        if (len == (size_t)-1) return 0;
        id = llml__vocab_lookup(v, (const char *)w->enc.p, len);
        if (id >= 0) { llml__vocab_emit(w, id); return 1; }
    }
    if (!llml__vocab_reserve(v, &w->sym, sizeof(llml__vocab_bpe_sym) * n) ||
        !llml__vocab_reserve(v, &w->heap, sizeof(llml__vocab_bpe_big) * (3 * n + 3)))
        return 0;
    sym = (llml__vocab_bpe_sym *)w->sym.p;
    h = (llml__vocab_bpe_big *)w->heap.p;
    for (i = 0; i < n; i++) {
        sym[i].start = (uint32_t)i;
        sym[i].len = 1;
        sym[i].id = v->byte_tok[b[i]];
        sym[i].prev = (int32_t)i - 1;
        sym[i].next = i + 1 == n ? -1 : (int32_t)i + 1;
    }
    for (i = 1; i < n; i++) llml__vocab_bpe_bigram(v, sym, (int32_t)i - 1, (int32_t)i, h, &nh);
    while (nh > 0) {
        llml__vocab_bpe_big g = llml__vocab_bpe_pop(h, &nh);
        llml__vocab_bpe_sym *l = &sym[g.left], *r = &sym[g.right];
        if (l->len == 0 || r->len == 0 || l->id != g.lid || r->id != g.rid || l->next != g.right) continue;
        l->len += r->len;
        l->id = g.result;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = g.left;
        llml__vocab_bpe_bigram(v, sym, l->prev, g.left, h, &nh);
        llml__vocab_bpe_bigram(v, sym, g.left, l->next, h, &nh);
    }
    for (k = 0; k != -1; k = sym[k].next) {
        uint32_t j;
        if (sym[k].id >= 0) { llml__vocab_emit(w, sym[k].id); continue; }
        /* not a token: each byte of its byte-level text that is a token by itself */
        for (j = 0; j < sym[k].len; j++) {
            char e[4];
            size_t el = llml__vocab_utf8_put(v->byte_cp[b[sym[k].start + j]], e), q;
            for (q = 0; q < el; q++) {
                int32_t id = llml__vocab_lookup(v, e + q, 1);
                if (id >= 0) llml__vocab_emit(w, id);
            }
        }
    }
    return 1;
}

/* decode text[0..n) to code points in w->cps; returns the count or (size_t)-1 */
static size_t llml__vocab_decode(llml__vocab_work *w, const char *text, size_t n) {
    size_t pos = 0, k = 0;
    uint32_t *cp;
    if (!llml__vocab_reserve(w->v, &w->cps, sizeof(uint32_t) * (n + 1))) return (size_t)-1;
    cp = (uint32_t *)w->cps.p;
    while (pos < n) cp[k++] = llml__vocab_utf8_next((const unsigned char *)text, n, &pos);
    return k;
}

static int llml__vocab_bpe_fragment(llml__vocab_work *w, const char *text, size_t n) {
    const llml_vocab *v = w->v;
    const unsigned char *stages = llml__vocab_stages[v->pre];
    size_t ncp, nin, k, s;
    uint32_t *cp, *in;
    int cur = 0, st;
    ncp = llml__vocab_decode(w, text, n);
    if (ncp == (size_t)-1) return 0;
    if (ncp == 0) return 1;
    if (!llml__vocab_reserve(v, &w->chunk[0], sizeof(uint32_t) * ncp) ||
        !llml__vocab_reserve(v, &w->chunk[1], sizeof(uint32_t) * ncp) ||
        !llml__vocab_reserve(v, &w->bytes, 4 * ncp))
        return 0;
    cp = (uint32_t *)w->cps.p;
    in = (uint32_t *)w->chunk[0].p;
    in[0] = (uint32_t)ncp;
    nin = 1;
    for (st = 0; st < 7 && stages[st] != LLML__VST_END; st++) {
        llml__vocab_pieces pc;
        pc.out = (uint32_t *)w->chunk[1 - cur].p;
        pc.n = 0;
        pc.prev_end = 0;
        llml__vocab_split_stage(v, stages[st], cp, (const uint32_t *)w->chunk[cur].p, nin, &pc);
        cur = 1 - cur;
        nin = pc.n;
    }
    in = (uint32_t *)w->chunk[cur].p;
    for (k = 0, s = 0; k < nin; k++) {
        unsigned char *b = (unsigned char *)w->bytes.p;
        size_t j, len = 0;
        for (j = s; j < s + in[k]; j++) len += llml__vocab_utf8_put(cp[j], (char *)b + len);
        s += in[k];
        if (!llml__vocab_bpe_word(w, b, len)) return 0;
    }
    return 1;
}

/* ---- WordPiece ------------------------------------------------------------ */

static int llml__vocab_is_chinese(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* one word, already prefixed with U+2581: longest-first pieces, all or [UNK] */
static void llml__vocab_wpm_word(llml__vocab_work *w, const char *word, size_t n) {
    const llml_vocab *v = w->v;
    size_t before = w->n, i;
    if (n <= 3) return;
    for (i = 0; i < n; i++) {
        size_t j = i + (size_t)v->max_token_len + 1;
        int found = 0;
        if (j > n) j = n;
        for (; j > i; j--) {
            int32_t id = llml__vocab_lookup(v, word + i, j - i);
            if (id >= 0) { llml__vocab_emit(w, id); i = j - 1; found = 1; break; }
        }
        if (!found) { w->n = before; break; }
    }
    if (w->n == before && v->special[LLML_TOKEN_UNK] >= 0) llml__vocab_emit(w, v->special[LLML_TOKEN_UNK]);
}

static int llml__vocab_wpm_fragment(llml__vocab_work *w, const char *text, size_t n) {
    const llml_vocab *v = w->v;
    size_t ncp, k, len = 3;
    uint32_t *cp;
    char *word;
    ncp = llml__vocab_decode(w, text, n);
    if (ncp == (size_t)-1) return 0;
    if (!llml__vocab_reserve(v, &w->bytes, 4 * ncp + 8)) return 0;
    cp = (uint32_t *)w->cps.p;
    word = (char *)w->bytes.p;
    memcpy(word, "\xE2\x96\x81", 3);
    for (k = 0; k < ncp; k++) {
        uint32_t c = v->strip_accents ? llml__vocab_nfd_first(v, cp[k]) : cp[k];
        unsigned f = llml__vocab_uflags(v, c);
        if (f & LLML__UF_WS) { llml__vocab_wpm_word(w, word, len); len = 3; continue; }
        if (c == 0 || c == 0xFFFD || LLML__UF_IS(f, LLML__UC_CTRL)) continue;
        /* combining marks stay (the reference's test data keeps them: "हिन्दी" is [UNK]) */
        if (LLML__UF_IS(f, LLML__UC_PUNCT) || (c < 0x7F && LLML__UF_IS(f, LLML__UC_SYMBOL)) || llml__vocab_is_chinese(c)) {
            llml__vocab_wpm_word(w, word, len);
            len = 3 + llml__vocab_utf8_put(v->lowercase ? llml__vocab_tolower(v, c) : c, word + 3);
            llml__vocab_wpm_word(w, word, len);
            len = 3;
            continue;
        }
        len += llml__vocab_utf8_put(v->lowercase ? llml__vocab_tolower(v, c) : c, word + len);
    }
    llml__vocab_wpm_word(w, word, len);
    return 1;
}

/* ---- special-token partition ----------------------------------------------- */

/* Split text into raw pieces and special tokens: each special token in turn
   (longest text first) cuts every raw piece at its occurrences; LSTRIP /
   RSTRIP tokens eat the whitespace beside them. Result in w->frag[*which]. */
static int llml__vocab_partition(llml__vocab_work *w, const char *text, size_t n, int parse_special,
                                 size_t *n_frag, int *which) {
    const llml_vocab *v = w->v;
    unsigned char present[256];
    int cur = 0;
    size_t nf = 0, i;
    int32_t s;
    *n_frag = 0;
    *which = 0;
    if (n == 0) return 1;
    if (!llml__vocab_reserve(v, &w->frag[0], sizeof(llml__vocab_frag) * 16)) return 0;
    ((llml__vocab_frag *)w->frag[0].p)[0].tok = -1;
    ((llml__vocab_frag *)w->frag[0].p)[0].off = 0;
    ((llml__vocab_frag *)w->frag[0].p)[0].len = (uint32_t)n;
    nf = 1;
    memset(present, 0, sizeof(present));
    for (i = 0; i < n; i++) present[(unsigned char)text[i]] = 1;
    for (s = 0; s < v->n_special; s++) {
        int32_t id = v->special_list[s];
        uint16_t at = v->attrs[id];
        size_t tl, nout = 0;
        const char *t = llml__vocab_text(v, id, &tl);
        const llml__vocab_frag *in;
        if (!parse_special && (at & (LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_UNKNOWN))) continue;
        if (tl == 0 || tl > n || !present[(unsigned char)t[0]]) continue;
        for (i = 0; i < nf; i++) {
            size_t base, blen;
            in = (const llml__vocab_frag *)w->frag[cur].p + i;
            if (!llml__vocab_reserve(v, &w->frag[1 - cur], sizeof(llml__vocab_frag) * (nout + 4))) return 0;
            if (in->tok >= 0) {
                ((llml__vocab_frag *)w->frag[1 - cur].p)[nout++] = *in;
                continue;
            }
            base = in->off;
            blen = in->len;
            for (;;) {
                const char *hit = NULL, *p = text + base, *end = text + base + blen;
                llml__vocab_frag *o;
                size_t match, left_len, right_off, right_len;
                while (p + tl <= end) {
                    const char *q = (const char *)memchr(p, (unsigned char)t[0], (size_t)(end - p) - tl + 1);
                    if (!q) break;
                    if (memcmp(q, t, tl) == 0) { hit = q; break; }
                    p = q + 1;
                }
                if (!llml__vocab_reserve(v, &w->frag[1 - cur], sizeof(llml__vocab_frag) * (nout + 4))) return 0;
                o = (llml__vocab_frag *)w->frag[1 - cur].p;
                if (!hit) {
                    if (blen > 0) { o[nout].tok = -1; o[nout].off = (uint32_t)base; o[nout].len = (uint32_t)blen; nout++; }
                    break;
                }
                match = (size_t)(hit - text);
                left_len = match - base;
                if (at & LLML_TOKEN_ATTR_LSTRIP)
                    while (left_len > 0 && llml__vocab_isspace((unsigned char)text[base + left_len - 1])) left_len--;
                if (left_len > 0) { o[nout].tok = -1; o[nout].off = (uint32_t)base; o[nout].len = (uint32_t)left_len; nout++; }
                o[nout].tok = id; o[nout].off = (uint32_t)match; o[nout].len = (uint32_t)tl; nout++;
                right_off = match + tl;
                right_len = base + blen - right_off;
                if (at & LLML_TOKEN_ATTR_RSTRIP)
                    while (right_len > 0 && llml__vocab_isspace((unsigned char)text[right_off])) { right_off++; right_len--; }
                base = right_off;
                blen = right_len;
                if (blen == 0) break;
            }
        }
        cur = 1 - cur;
        nf = nout;
    }
    *n_frag = nf;
    *which = cur;
    return 1;
}

/* ---- loading ---------------------------------------------------------------- */

/* texts the reference turns into CONTROL tokens (end of turn / generation) */
static const char *const llml__vocab_eog_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
    "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", NULL
};
/* end-of-turn candidates, in order of preference */
static const char *const llml__vocab_eot_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
    "_<EOT>", "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", "<end_of_utterance>", NULL
};
static const char *const llml__vocab_fim_texts[6][9] = {
    { "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
      "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", NULL, NULL },
    { "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>",
      "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", NULL, NULL },
    { "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>",
      "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", NULL, NULL },
    { "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", NULL, NULL, NULL, NULL, NULL },
    { "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", NULL, NULL, NULL, NULL },
    { "<|file_sep|>", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static int32_t llml__vocab_find_cstr(const llml_vocab *v, const char *s) {
    return llml__vocab_lookup(v, s, strlen(s));
}

/* a boolean key (absent: keep *val) */
static void llml__vocab_get_flag(const llml_gguf *g, const char *key, int *val) {
    int b;
    if (llml_gguf_get_bool(g, key, &b) == LLML_OK) *val = b != 0;
}

static llml_result llml__vocab_fail(llml_vocab *v, llml_error *err, llml_result code, const char *what, const char *key) {
    llml__set_error(err, code, UINT64_MAX, "%s: %s", key, what);
    llml_vocab_free(v);
    return code;
}

/* the merges list -> pair table */
static llml_result llml__vocab_load_merges(llml_vocab *v, const llml_gguf *g, int64_t idx) {
    uint64_t n = llml_gguf_arr_len(g, idx), i;
    uint64_t cap = 16;
    while (cap < 2 * n + 2) cap <<= 1;
    if (cap > 0x40000000u) return LLML_ERR_CORRUPT;
    v->merge_mask = (uint32_t)(cap - 1);
    v->merge_key = (uint64_t *)llml__vocab_alloc(v, sizeof(uint64_t) * (size_t)cap);
    v->merge_val = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * 2 * (size_t)cap);
    if (!v->merge_key || !v->merge_val) return LLML_ERR_OUT_OF_MEMORY;
    memset(v->merge_key, 0xFF, sizeof(uint64_t) * (size_t)cap);
    for (i = 0; i < n && i < 0x7FFFFFFF; i++) {
        const char *s = llml_gguf_arr_str(g, idx, i), *sp;
        uint64_t len = llml_gguf_arr_str_len(g, idx, i), key;
        int32_t a, b;
        uint32_t slot;
        if (!s || len < 3) continue;
        sp = (const char *)memchr(s + 1, ' ', (size_t)len - 1);   /* first space after the first byte */
        if (!sp) continue;
        a = llml__vocab_lookup(v, s, (size_t)(sp - s));
        b = llml__vocab_lookup(v, sp + 1, (size_t)(s + len - sp - 1));
        if (a < 0 || b < 0) continue;
        key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        slot = (uint32_t)llml__vocab_mix(key) & v->merge_mask;
        while (v->merge_key[slot] != UINT64_MAX && v->merge_key[slot] != key) slot = (slot + 1) & v->merge_mask;
        if (v->merge_key[slot] == key) continue;          /* the first rank of a pair wins */
        v->merge_key[slot] = key;
        v->merge_val[2 * slot] = (int32_t)i;
        {
            /* id of the merged text */
            size_t la, lb;
            const char *ta = llml__vocab_text(v, a, &la), *tb = llml__vocab_text(v, b, &lb);
            char small[256];
            char *buf = la + lb <= sizeof(small) ? small : (char *)llml__vocab_alloc(v, la + lb);
            if (!buf) return LLML_ERR_OUT_OF_MEMORY;
            memcpy(buf, ta, la);
            memcpy(buf + la, tb, lb);
            v->merge_val[2 * slot + 1] = llml__vocab_lookup(v, buf, la + lb);
            if (buf != small) llml__vocab_dealloc(v, buf, la + lb);
        }
    }
    return LLML_OK;
}

static int llml__vocab_cmp_special(const llml_vocab *v, int32_t a, int32_t b) {
    size_t la = v->text_off[a + 1] - v->text_off[a], lb = v->text_off[b + 1] - v->text_off[b];
    if (la != lb) return la > lb ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* sort the special list: longest text first, then by id (merge sort, stable) */
static int llml__vocab_sort_special(llml_vocab *v) {
    size_t n = (size_t)v->n_special, width, i;
    int32_t *tmp, *a = v->special_list, *b;
    if (n < 2) return 1;
    tmp = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * n);
    if (!tmp) return 0;
    b = tmp;
    for (width = 1; width < n; width *= 2) {
        int32_t *t;
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = LLML__MIN(i + width, n), hi = LLML__MIN(i + 2 * width, n), p = lo, q = mid, k = lo;
            while (p < mid && q < hi) b[k++] = llml__vocab_cmp_special(v, a[q], a[p]) < 0 ? a[q++] : a[p++];
            while (p < mid) b[k++] = a[p++];
            while (q < hi) b[k++] = a[q++];
        }
        t = a; a = b; b = t;
    }
    if (a != v->special_list) memcpy(v->special_list, a, sizeof(int32_t) * n);
    llml__vocab_dealloc(v, tmp, sizeof(int32_t) * n);
    return 1;
}

static void llml__vocab_lower_ascii(char *s) {
    for (; *s; s++) if (*s >= 'A' && *s <= 'Z') *s = (char)(*s + 32);
}

LLML_API llml_result llml_vocab_load(const llml_gguf *g, const llml_allocator *a, llml_vocab **out, llml_error *err) {
    static const char *const special_keys[LLML_TOKEN_SPECIAL_COUNT] = {
        "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
        "tokenizer.ggml.eom_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.seperator_token_id",
        "tokenizer.ggml.padding_token_id", "tokenizer.ggml.mask_token_id", "tokenizer.ggml.fim_pre_token_id",
        "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.fim_pad_token_id",
        "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id"
    };
    llml_vocab *v;
    const char *model = NULL, *pre = NULL, *name = NULL, *arch = NULL;
    int64_t tok_idx, score_idx, type_idx, merge_idx;
    uint64_t n64, i;
    size_t blob = 0, cap;
    const void *scores = NULL, *types = NULL;
    int scores_int = 0, pre_opts = 0, j;
    llml_result r;
    char namebuf[128];

    if (out) *out = NULL;
    if (!g || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "NULL argument"); return LLML_ERR_INVALID_ARG; }
    v = (llml_vocab *)llml__calloc(a, sizeof(llml_vocab));
    if (!v) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    if (a) v->alloc = *a;
    for (j = 0; j < LLML_TOKEN_SPECIAL_COUNT; j++) v->special[j] = -1;
    for (j = 0; j < 256; j++) v->byte_tok[j] = -1;

    /* kind and defaults */
    r = llml_gguf_get_str(g, "tokenizer.ggml.model", &model);
    if (r != LLML_OK) return llml__vocab_fail(v, err, r, r == LLML_ERR_NOT_FOUND ? "missing" : "not a string", "tokenizer.ggml.model");
    if (llml_gguf_get_str(g, "tokenizer.ggml.pre", &pre) != LLML_OK || !pre[0]) pre = NULL;
    if (strcmp(model, "llama") == 0) {
        v->type = LLML_VOCAB_SPM;
        v->special[LLML_TOKEN_BOS] = 1; v->special[LLML_TOKEN_EOS] = 2; v->special[LLML_TOKEN_UNK] = 0;
        v->add_space_prefix = 1; v->add_bos = 1;
    } else if (strcmp(model, "bert") == 0) {
        v->type = LLML_VOCAB_WPM;
        v->special[LLML_TOKEN_BOS] = 101; v->special[LLML_TOKEN_UNK] = 100; v->special[LLML_TOKEN_SEP] = 102;
        v->special[LLML_TOKEN_PAD] = 0; v->special[LLML_TOKEN_MASK] = 103;
        v->clean_spaces = 1; v->add_bos = 1; v->add_sep = 1;
    } else if (strcmp(model, "gpt2") == 0) {
        size_t k;
        v->type = LLML_VOCAB_BPE;
        v->special[LLML_TOKEN_BOS] = 11; v->special[LLML_TOKEN_EOS] = 11;
        v->clean_spaces = 1;
        if (!pre) pre = "default";
        for (k = 0; k < sizeof(llml__vocab_pres) / sizeof(llml__vocab_pres[0]); k++)
            if (strcmp(pre, llml__vocab_pres[k].name) == 0) break;
        if (k == sizeof(llml__vocab_pres) / sizeof(llml__vocab_pres[0])) {
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "tokenizer.ggml.pre: pre-tokenizer '%.64s' not supported", pre);
            llml_vocab_free(v);
            return LLML_ERR_UNSUPPORTED;
        }
        v->pre = llml__vocab_pres[k].pre;
        pre_opts = llml__vocab_pres[k].opts;
        if (pre_opts & LLML__VPF_NO_CLEAN) v->clean_spaces = 0;
        if (pre_opts & LLML__VPF_IGNORE_MERGES) v->ignore_merges = 1;
        if (pre_opts & LLML__VPF_ADD_BOS) v->add_bos = 1;
        if (pre_opts & LLML__VPF_ADD_SEP) v->add_sep = 1;
        if (pre_opts & LLML__VPF_NO_BOS_ID) v->special[LLML_TOKEN_BOS] = -1;
        snprintf(v->pre_name, sizeof(v->pre_name), "%s", pre);
    } else {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "tokenizer.ggml.model: tokenizer '%.64s' not supported", model);
        llml_vocab_free(v);
        return LLML_ERR_UNSUPPORTED;
    }
    llml__vocab_get_flag(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix);

    /* token list */
    tok_idx = llml_gguf_find_key(g, "tokenizer.ggml.tokens");
    if (tok_idx < 0) return llml__vocab_fail(v, err, LLML_ERR_NOT_FOUND, "missing", "tokenizer.ggml.tokens");
    if (llml_gguf_kv_type(g, tok_idx) != LLML_GGUF_ARRAY || llml_gguf_arr_type(g, tok_idx) != LLML_GGUF_STRING)
        return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of strings", "tokenizer.ggml.tokens");
    n64 = llml_gguf_arr_len(g, tok_idx);
    if (n64 == 0 || n64 > 0x7FFFFFF0u) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "bad token count", "tokenizer.ggml.tokens");
    v->n_tokens = (int32_t)n64;

    score_idx = llml_gguf_find_key(g, "tokenizer.ggml.scores");
    if (score_idx >= 0) {
        llml_gguf_vtype at = llml_gguf_kv_type(g, score_idx) == LLML_GGUF_ARRAY ? llml_gguf_arr_type(g, score_idx) : LLML_GGUF_VTYPE_COUNT;
        if (at != LLML_GGUF_FLOAT32 && at != LLML_GGUF_INT32)
            return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of f32", "tokenizer.ggml.scores");
        if (llml_gguf_arr_len(g, score_idx) < n64)
            return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "fewer scores than tokens", "tokenizer.ggml.scores");
        scores = llml_gguf_arr_data(g, score_idx);
        scores_int = at == LLML_GGUF_INT32;
        if (!scores) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "no data", "tokenizer.ggml.scores");
    }
    type_idx = llml_gguf_find_key(g, "tokenizer.ggml.token_type");
    if (type_idx >= 0) {
        if (llml_gguf_kv_type(g, type_idx) != LLML_GGUF_ARRAY || llml_gguf_arr_type(g, type_idx) != LLML_GGUF_INT32)
            return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of i32", "tokenizer.ggml.token_type");
        if (llml_gguf_arr_len(g, type_idx) < n64)
            return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "fewer types than tokens", "tokenizer.ggml.token_type");
        types = llml_gguf_arr_data(g, type_idx);
        if (!types) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "no data", "tokenizer.ggml.token_type");
    }

    /* texts: one blob; an empty text becomes "[EMPTY_<id>]" as in the reference */
    for (i = 0; i < n64; i++) {
        uint64_t len = llml_gguf_arr_str_len(g, tok_idx, i);
        if (len == 0) len = 32;
        blob += (size_t)len + 1;
        if (blob > 0xFFFFFFF0u) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "token texts too large", "tokenizer.ggml.tokens");
    }
    v->blob_size = blob;
    v->blob = (char *)llml__vocab_alloc(v, blob);
    v->text_off = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * ((size_t)n64 + 1));
    v->scores = (float *)llml__vocab_alloc(v, sizeof(float) * (size_t)n64);
    v->attrs = (uint16_t *)llml__vocab_alloc(v, sizeof(uint16_t) * (size_t)n64);
    for (cap = 16; cap < 2 * (size_t)n64; cap <<= 1) {}
    v->hash_mask = (uint32_t)(cap - 1);
    v->hash = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * cap);
    if (!v->blob || !v->text_off || !v->scores || !v->attrs || !v->hash)
        return llml__vocab_fail(v, err, LLML_ERR_OUT_OF_MEMORY, "out of memory", "tokenizer.ggml.tokens");
    memset(v->hash, 0xFF, sizeof(int32_t) * cap);
    blob = 0;
    for (i = 0; i < n64; i++) {
        const char *s = llml_gguf_arr_str(g, tok_idx, i);
        size_t len = (size_t)llml_gguf_arr_str_len(g, tok_idx, i);
        uint32_t slot;
        int32_t id = (int32_t)i;
        v->text_off[i] = (uint32_t)blob;
        if (len == 0 || !s) {
            len = (size_t)snprintf(v->blob + blob, 32, "[EMPTY_%d]", id);
        } else {
            memcpy(v->blob + blob, s, len);
        }
        v->blob[blob + len] = 0;
        if ((int32_t)len > v->max_token_len) v->max_token_len = (int32_t)len;
        slot = (uint32_t)llml__vocab_fnv(v->blob + blob, len) & v->hash_mask;
        while (v->hash[slot] >= 0) {
            int32_t o = v->hash[slot];
            if (v->text_off[o + 1] - 1 - v->text_off[o] == len && memcmp(v->blob + v->text_off[o], v->blob + blob, len) == 0) {
                llml__set_error(err, LLML_ERR_DUPLICATE, UINT64_MAX,
                                "tokenizer.ggml.tokens: duplicate token text '%.64s' (ids %d and %d)", v->blob + blob, o, id);
                llml_vocab_free(v);
                return LLML_ERR_DUPLICATE;
            }
            slot = (slot + 1) & v->hash_mask;
        }
        blob += len + 1;
        v->text_off[i + 1] = (uint32_t)blob;   /* needed by the duplicate check of later tokens */
        v->hash[slot] = id;
        if (scores) {
            if (scores_int) { int32_t q; memcpy(&q, (const char *)scores + 4 * i, 4); v->scores[i] = (float)q; }
            else memcpy(&v->scores[i], (const char *)scores + 4 * i, 4);
        } else {
            v->scores[i] = 0.0f;
        }
        if (types) {
            int32_t t;
            memcpy(&t, (const char *)types + 4 * i, 4);
            switch (t) {
            case 1: v->attrs[i] = LLML_TOKEN_ATTR_NORMAL; break;
            case 2: v->attrs[i] = LLML_TOKEN_ATTR_UNKNOWN; break;
            case 3: v->attrs[i] = LLML_TOKEN_ATTR_CONTROL; break;
            case 4: v->attrs[i] = LLML_TOKEN_ATTR_USER_DEFINED; break;
            case 5: v->attrs[i] = LLML_TOKEN_ATTR_UNUSED; break;
            case 6: v->attrs[i] = LLML_TOKEN_ATTR_BYTE; break;
            default: v->attrs[i] = 0; break;
            }
        } else {
            v->attrs[i] = LLML_TOKEN_ATTR_NORMAL;
        }
    }

    r = llml__vocab_unicode_init(v);
    if (r != LLML_OK) return llml__vocab_fail(v, err, r, "out of memory", "unicode tables");

    /* byte tokens and merges */
    for (j = 0; j < 256; j++) {
        char e[8];
        size_t el;
        v->byte_cp[j] = (uint16_t)llml__vocab_byte_to_cp((unsigned)j);
        if (v->type == LLML_VOCAB_BPE) {
            el = llml__vocab_utf8_put(v->byte_cp[j], e);
            v->byte_tok[j] = llml__vocab_lookup(v, e, el);
        } else if (v->type == LLML_VOCAB_SPM) {
            static const char hex[] = "0123456789ABCDEF";
            e[0] = '<'; e[1] = '0'; e[2] = 'x'; e[3] = hex[j >> 4]; e[4] = hex[j & 15]; e[5] = '>';
            v->byte_tok[j] = llml__vocab_lookup(v, e, 6);
            if (v->byte_tok[j] < 0) { e[0] = (char)j; v->byte_tok[j] = llml__vocab_lookup(v, e, 1); }
        }
    }
    for (j = 0; j < 324; j++) v->cp_byte[j] = (int16_t)llml__vocab_cp_to_byte((uint32_t)j);
    if (v->type == LLML_VOCAB_BPE) {
        merge_idx = llml_gguf_find_key(g, "tokenizer.ggml.merges");
        if (merge_idx < 0) return llml__vocab_fail(v, err, LLML_ERR_NOT_FOUND, "missing", "tokenizer.ggml.merges");
        if (llml_gguf_kv_type(g, merge_idx) != LLML_GGUF_ARRAY || llml_gguf_arr_type(g, merge_idx) != LLML_GGUF_STRING)
            return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of strings", "tokenizer.ggml.merges");
        r = llml__vocab_load_merges(v, g, merge_idx);
        if (r != LLML_OK) return llml__vocab_fail(v, err, r, r == LLML_ERR_OUT_OF_MEMORY ? "out of memory" : "too many merges", "tokenizer.ggml.merges");
    }

    /* special ids: defaults outside the vocab are dropped; keys override when in range */
    for (j = 0; j < LLML_TOKEN_SPECIAL_COUNT; j++) {
        int64_t id;
        if (v->special[j] >= v->n_tokens) v->special[j] = -1;
        if (llml_gguf_get_int(g, special_keys[j], &id) == LLML_OK && id >= 0 && id < v->n_tokens) v->special[j] = (int32_t)id;
    }
    {
        int64_t id;
        if (v->type == LLML_VOCAB_WPM && llml_gguf_find_key(g, "tokenizer.ggml.bos_token_id") < 0 &&
            llml_gguf_get_int(g, "tokenizer.ggml.cls_token_id", &id) == LLML_OK && id >= 0 && id < v->n_tokens)
            v->special[LLML_TOKEN_BOS] = (int32_t)id;
    }
    llml__vocab_get_flag(g, "tokenizer.ggml.add_bos_token", &v->add_bos);
    llml__vocab_get_flag(g, "tokenizer.ggml.add_eos_token", &v->add_eos);
    llml__vocab_get_flag(g, "tokenizer.ggml.add_sep_token", &v->add_sep);
    if (v->add_bos && v->special[LLML_TOKEN_BOS] < 0)
        return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "add_bos_token is true but there is no BOS token", "tokenizer.ggml.bos_token_id");
    if (v->add_eos && v->special[LLML_TOKEN_EOS] < 0)
        return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "add_eos_token is true but there is no EOS token", "tokenizer.ggml.eos_token_id");
    if (v->add_sep && v->special[LLML_TOKEN_SEP] < 0 && v->type == LLML_VOCAB_WPM)
        return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "add_sep_token is true but there is no SEP token", "tokenizer.ggml.seperator_token_id");
    v->lowercase = 1;
    llml__vocab_get_flag(g, "tokenizer.ggml.normalizer.lowercase", &v->lowercase);
    v->strip_accents = v->lowercase;
    llml__vocab_get_flag(g, "tokenizer.ggml.normalizer.strip_accents", &v->strip_accents);

    /* end-of-turn, fill-in-the-middle and end-of-generation texts become CONTROL */
    if (v->special[LLML_TOKEN_EOT] < 0) {
        for (j = 0; llml__vocab_eot_texts[j]; j++) {
            int32_t id = llml__vocab_find_cstr(v, llml__vocab_eot_texts[j]);
            if (id >= 0) { v->special[LLML_TOKEN_EOT] = id; v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL; break; }
        }
    }
    if (v->special[LLML_TOKEN_EOM] < 0) {
        int32_t id = llml__vocab_find_cstr(v, "<|eom_id|>");
        if (id >= 0) { v->special[LLML_TOKEN_EOM] = id; v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL; }
    }
    for (j = 0; j < 6; j++) {
        int k;
        if (v->special[LLML_TOKEN_FIM_PRE + j] >= 0) continue;
        for (k = 0; llml__vocab_fim_texts[j][k]; k++) {
            int32_t id = llml__vocab_find_cstr(v, llml__vocab_fim_texts[j][k]);
            if (id >= 0) { v->special[LLML_TOKEN_FIM_PRE + j] = id; v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL; break; }
        }
    }
    for (j = 0; llml__vocab_eog_texts[j]; j++) {
        int32_t id = llml__vocab_find_cstr(v, llml__vocab_eog_texts[j]);
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL | LLML__VATTR_EOG;
    }
    for (j = LLML_TOKEN_FIM_PAD; j <= LLML_TOKEN_FIM_SEP; j++)
        if (v->special[j] >= 0) v->attrs[v->special[j]] |= LLML__VATTR_EOG;
    if (v->special[LLML_TOKEN_EOS] >= 0) v->attrs[v->special[LLML_TOKEN_EOS]] |= LLML__VATTR_EOG;
    if (v->special[LLML_TOKEN_EOT] >= 0) v->attrs[v->special[LLML_TOKEN_EOT]] |= LLML__VATTR_EOG;
    if (v->special[LLML_TOKEN_EOM] >= 0) v->attrs[v->special[LLML_TOKEN_EOM]] |= LLML__VATTR_EOG;
    for (i = 0; i < n64; i++)
        if ((v->attrs[i] & LLML_TOKEN_ATTR_CONTROL) && strstr(v->blob + v->text_off[i], "unused"))
            v->attrs[i] |= LLML_TOKEN_ATTR_UNUSED;

    /* special-token list for the partition */
    for (i = 0; i < n64; i++)
        if (v->attrs[i] & (LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_USER_DEFINED | LLML_TOKEN_ATTR_UNKNOWN)) v->n_special++;
    v->special_list = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * (size_t)(v->n_special + 1));
    if (!v->special_list) return llml__vocab_fail(v, err, LLML_ERR_OUT_OF_MEMORY, "out of memory", "tokenizer.ggml.token_type");
    v->n_special = 0;
    for (i = 0; i < n64; i++)
        if (v->attrs[i] & (LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_USER_DEFINED | LLML_TOKEN_ATTR_UNKNOWN))
            v->special_list[v->n_special++] = (int32_t)i;
    if (!llml__vocab_sort_special(v)) return llml__vocab_fail(v, err, LLML_ERR_OUT_OF_MEMORY, "out of memory", "tokenizer.ggml.token_type");

    /* per-model attributes the reference sets by name */
    llml_gguf_get_str(g, "general.name", &name);
    llml_gguf_get_str(g, "general.architecture", &arch);
    snprintf(namebuf, sizeof(namebuf), "%s", name ? name : "");
    llml__vocab_lower_ascii(namebuf);
    if ((pre && (strstr(pre, "jina-v2-de") || strstr(pre, "jina-v2-es") || strstr(pre, "jina-v2-code"))) ||
        (arch && (strstr(arch, "nomic-bert-moe") || strstr(arch, "jina-bert-v3")))) {
        int32_t id = llml__vocab_find_cstr(v, "<mask>");
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_LSTRIP;
    } else if (strstr(namebuf, "phi-3") || strstr(namebuf, "phi3")) {
        int32_t id;
        int k;
        static const char *const keep[3] = { "<unk>", "<s>", "<|endoftext|>" };
        for (j = 0; j < v->n_special; j++) v->attrs[v->special_list[j]] |= LLML_TOKEN_ATTR_RSTRIP;
        id = llml__vocab_find_cstr(v, "</s>");
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_RSTRIP;
        for (k = 0; k < 3; k++) {
            id = llml__vocab_find_cstr(v, keep[k]);
            if (id >= 0) v->attrs[id] = (uint16_t)(v->attrs[id] & ~LLML_TOKEN_ATTR_RSTRIP);
        }
    } else if (strstr(namebuf, "modern-bert")) {
        int32_t id = llml__vocab_find_cstr(v, "[MASK]");
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_LSTRIP;
    }
    *out = v;
    return LLML_OK;
}

LLML_API void llml_vocab_free(llml_vocab *v) {
    llml_allocator a;
    size_t cap;
    if (!v) return;
    if (v->blob) llml__vocab_dealloc(v, v->blob, v->blob_size);
    if (v->text_off) llml__vocab_dealloc(v, v->text_off, sizeof(uint32_t) * ((size_t)v->n_tokens + 1));
    if (v->scores) llml__vocab_dealloc(v, v->scores, sizeof(float) * (size_t)v->n_tokens);
    if (v->attrs) llml__vocab_dealloc(v, v->attrs, sizeof(uint16_t) * (size_t)v->n_tokens);
    if (v->hash) llml__vocab_dealloc(v, v->hash, sizeof(int32_t) * ((size_t)v->hash_mask + 1));
    cap = (size_t)v->merge_mask + 1;
    if (v->merge_key) llml__vocab_dealloc(v, v->merge_key, sizeof(uint64_t) * cap);
    if (v->merge_val) llml__vocab_dealloc(v, v->merge_val, sizeof(int32_t) * 2 * cap);
    if (v->special_list) llml__vocab_dealloc(v, v->special_list, sizeof(int32_t) * ((size_t)v->n_special + 1));
    if (v->u_bmp) llml__vocab_dealloc(v, v->u_bmp, 65536);
    if (v->u_cat_start) llml__vocab_dealloc(v, v->u_cat_start, sizeof(uint32_t) * (size_t)v->n_cat);
    if (v->u_cat) llml__vocab_dealloc(v, v->u_cat, (size_t)v->n_cat);
    if (v->u_low) llml__vocab_dealloc(v, v->u_low, sizeof(uint32_t) * 4 * (size_t)v->n_low);
    if (v->u_nfd) llml__vocab_dealloc(v, v->u_nfd, sizeof(uint32_t) * 3 * (size_t)v->n_nfd);
    a = v->alloc;
    llml__free(&a, v, sizeof(llml_vocab));
}

/* ---- queries ------------------------------------------------------------------ */

LLML_API llml_vocab_type llml_vocab_get_type(const llml_vocab *v) { return (llml_vocab_type)(v ? v->type : 0); }
LLML_API const char *llml_vocab_pre_name(const llml_vocab *v) { return v ? v->pre_name : ""; }
LLML_API int32_t llml_vocab_n_tokens(const llml_vocab *v) { return v ? v->n_tokens : 0; }
LLML_API int32_t llml_vocab_special(const llml_vocab *v, llml_special_token which) {
    if (!v || (int)which < 0 || (int)which >= LLML_TOKEN_SPECIAL_COUNT) return -1;
    return v->special[which];
}
LLML_API int llml_vocab_get_add_bos(const llml_vocab *v) { return v ? v->add_bos : 0; }
LLML_API int llml_vocab_get_add_eos(const llml_vocab *v) { return v ? v->add_eos : 0; }
LLML_API int llml_vocab_is_eog(const llml_vocab *v, int32_t token) {
    if (!v || token < 0 || token >= v->n_tokens) return 0;
    return (v->attrs[token] & LLML__VATTR_EOG) != 0;
}
LLML_API const char *llml_vocab_token_text(const llml_vocab *v, int32_t token, size_t *len) {
    size_t l;
    const char *s;
    if (!v || token < 0 || token >= v->n_tokens) { if (len) *len = 0; return NULL; }
    s = llml__vocab_text(v, token, &l);
    if (len) *len = l;
    return s;
}
LLML_API float llml_vocab_token_score(const llml_vocab *v, int32_t token) {
    return (v && token >= 0 && token < v->n_tokens) ? v->scores[token] : 0.0f;
}
LLML_API uint32_t llml_vocab_token_attr(const llml_vocab *v, int32_t token) {
    return (v && token >= 0 && token < v->n_tokens) ? (uint32_t)(v->attrs[token] & ~LLML__VATTR_EOG) : 0u;
}
LLML_API int32_t llml_vocab_find_token(const llml_vocab *v, const char *text, size_t len) {
    if (!v || (!text && len)) return -1;
    return llml__vocab_lookup(v, text ? text : "", len);
}

/* ---- tokenize ----------------------------------------------------------------- */

LLML_API llml_result llml_tokenize(const llml_vocab *v, const char *text, size_t len, uint32_t flags,
                                   int32_t *tokens, size_t cap, size_t *n_tokens) {
    llml__vocab_work w;
    const llml__vocab_frag *frags;
    size_t nf = 0, i;
    int which = 0, ok = 1, add = (flags & LLML_TOKENIZE_ADD_SPECIAL) != 0, prev_special = 1;
    if (n_tokens) *n_tokens = 0;
    if (!v || !n_tokens || (!text && len) || (!tokens && cap) || len > LLML__VOCAB_MAX_TEXT) return LLML_ERR_INVALID_ARG;
    if (!text) text = "";
    memset(&w, 0, sizeof(w));
    w.v = v;
    w.out = tokens;
    w.cap = cap;
    if (!llml__vocab_partition(&w, text, len, (flags & LLML_TOKENIZE_PARSE_SPECIAL) != 0, &nf, &which)) {
        llml__vocab_work_free(&w);
        return LLML_ERR_OUT_OF_MEMORY;
    }
    if (add && v->add_bos && v->special[LLML_TOKEN_BOS] >= 0 && v->type != LLML_VOCAB_WPM)
        llml__vocab_emit(&w, v->special[LLML_TOKEN_BOS]);
    if (add && v->type == LLML_VOCAB_WPM && v->special[LLML_TOKEN_BOS] >= 0)
        llml__vocab_emit(&w, v->special[LLML_TOKEN_BOS]);
    for (i = 0; i < nf && ok; i++) {
        frags = (const llml__vocab_frag *)w.frag[which].p;
        if (frags[i].tok >= 0) {
            llml__vocab_emit(&w, frags[i].tok);
            prev_special = 1;
            continue;
        }
        switch (v->type) {
        case LLML_VOCAB_SPM:
            ok = llml__vocab_spm_fragment(&w, text + frags[i].off, frags[i].len, v->add_space_prefix && prev_special);
            break;
        case LLML_VOCAB_BPE:
            ok = llml__vocab_bpe_fragment(&w, text + frags[i].off, frags[i].len);
            break;
        default:
            ok = llml__vocab_wpm_fragment(&w, text + frags[i].off, frags[i].len);
            break;
        }
        prev_special = 0;
    }
    if (ok && add) {
        if (v->type == LLML_VOCAB_WPM) {
            if (v->special[LLML_TOKEN_SEP] >= 0) llml__vocab_emit(&w, v->special[LLML_TOKEN_SEP]);
        } else if (v->add_eos && v->special[LLML_TOKEN_EOS] >= 0) {
            llml__vocab_emit(&w, v->special[LLML_TOKEN_EOS]);
        }
    }
    llml__vocab_work_free(&w);
    if (!ok) return LLML_ERR_OUT_OF_MEMORY;
    *n_tokens = w.n;
    return w.n > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

/* ---- detokenize --------------------------------------------------------------- */

typedef struct llml__vocab_sink { char *buf; size_t cap, n; int lstrip; } llml__vocab_sink;

static void llml__vocab_put(llml__vocab_sink *s, const char *p, size_t k) {
    size_t i;
    for (i = 0; i < k; i++) {
        if (s->lstrip) {
            if (p[i] == ' ') { s->lstrip--; continue; }
            s->lstrip = 0;
        }
        if (s->n < s->cap) s->buf[s->n] = p[i];
        s->n++;
    }
}

static int llml__vocab_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void llml__vocab_piece(const llml_vocab *v, int32_t id, int special, llml__vocab_sink *s) {
    uint16_t at = v->attrs[id];
    size_t len, i;
    const char *t = llml__vocab_text(v, id, &len);
    if (!special && (at & (LLML_TOKEN_ATTR_UNKNOWN | LLML_TOKEN_ATTR_CONTROL))) return;
    if (at & (LLML_TOKEN_ATTR_UNKNOWN | LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_USER_DEFINED)) {
        llml__vocab_put(s, t, len);
        return;
    }
    if (at & LLML_TOKEN_ATTR_NORMAL) {
        if (v->type != LLML_VOCAB_BPE) {
            for (i = 0; i < len; i++) {
                if (i + 2 < len && memcmp(t + i, "\xE2\x96\x81", 3) == 0) { llml__vocab_put(s, " ", 1); i += 2; }
                else llml__vocab_put(s, t + i, 1);
            }
        } else {
            size_t pos = 0;
            while (pos < len) {
                uint32_t c = llml__vocab_utf8_next((const unsigned char *)t, len, &pos);
                int b = c < 324 ? v->cp_byte[c] : -1;
                if (b >= 0) {
                    char ch = (char)b;
                    llml__vocab_put(s, &ch, 1);
                } else {
                    /* not a byte-level character: the reference writes this marker */
                    char u[4], hx[3];
                    size_t ul = llml__vocab_utf8_put(c, u), q;
                    llml__vocab_put(s, "[UNK_BYTE_0x", 12);
                    for (q = 0; q < ul; q++) {
                        static const char digits[] = "0123456789abcdef";
                        hx[0] = digits[(unsigned char)u[q] >> 4];
                        hx[1] = digits[(unsigned char)u[q] & 15];
                        llml__vocab_put(s, hx, 2);
                    }
                    llml__vocab_put(s, t, len);
                    llml__vocab_put(s, "]", 1);
                }
            }
        }
        return;
    }
    if (at & LLML_TOKEN_ATTR_BYTE) {
        int val = 0, k;
        char ch;
        for (k = 3; k < 5 && (size_t)k < len && llml__vocab_hexval(t[k]) >= 0; k++) val = val * 16 + llml__vocab_hexval(t[k]);
        ch = (char)val;
        llml__vocab_put(s, &ch, 1);
    }
}

LLML_API llml_result llml_token_to_piece(const llml_vocab *v, int32_t token, uint32_t flags, char *buf, size_t cap, size_t *n) {
    llml__vocab_sink s;
    if (n) *n = 0;
    if (!v || !n || (!buf && cap) || token < 0 || token >= v->n_tokens) return LLML_ERR_INVALID_ARG;
    s.buf = buf; s.cap = cap; s.n = 0; s.lstrip = 0;
    llml__vocab_piece(v, token, (flags & LLML_DETOKENIZE_RENDER_SPECIAL) != 0, &s);
    *n = s.n;
    if (s.n > cap) return LLML_ERR_BUFFER_TOO_SMALL;
    if (s.n < cap) buf[s.n] = 0;
    return LLML_OK;
}

/* the reference's clean_up_tokenization_spaces passes, in place; returns the new length */
static size_t llml__vocab_clean(char *t, size_t total) {
    size_t i, t1 = total, t2, t3;
    total = total ? 1 : 0;
    for (i = 1; i < t1; i++) {
        char x = t[i];
        if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
        t[total++] = x;
    }
    t2 = total;
    total = total ? 1 : 0;
    for (i = 1; i < t2; i++) {
        char x = t[i];
        if (x == '\'' && i + 1 < t2 && t[i - 1] == ' ' && t[i + 1] == ' ') { total--; t[++i] = 0; }
        t[total++] = x;
    }
    t3 = total;
    total = total ? 1 : 0;
    for (i = 1; i < t3; i++) {
        char x = t[i];
        if (t[i - 1] == ' ' && x == '\'' && i + 1 < t3) {
            char x1 = t[i + 1];
            if (x1 == 's' || x1 == 'm') total--;
            else if (x1 != 't' && x1 != 'd' && i + 2 < t3) {
                char x2 = t[i + 2];
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
            }
        }
        t[total++] = x;
    }
    return total;
}

LLML_API llml_result llml_detokenize(const llml_vocab *v, const int32_t *tokens, size_t n_tokens, uint32_t flags,
                                     char *text, size_t cap, size_t *n) {
    llml__vocab_sink s;
    size_t i0 = 0, i1 = n_tokens, i;
    int lstrip, special = (flags & LLML_DETOKENIZE_RENDER_SPECIAL) != 0;
    int clean = (flags & LLML_DETOKENIZE_CLEAN_SPACES) && v && v->clean_spaces;
    if (n) *n = 0;
    if (!v || !n || (!tokens && n_tokens) || (!text && cap)) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < n_tokens; i++) if (tokens[i] < 0 || tokens[i] >= v->n_tokens) return LLML_ERR_INVALID_ARG;
    lstrip = v->add_space_prefix;
    /* (the reference also stops stripping the space here; removing BOS and
       stripping it gives detokenize(tokenize(x, ADD_SPECIAL)) == x) */
    if ((flags & LLML_DETOKENIZE_REMOVE_SPECIAL) && v->add_bos && i1 > 0 && tokens[0] == v->special[LLML_TOKEN_BOS])
        i0 = 1;
    if ((flags & LLML_DETOKENIZE_REMOVE_SPECIAL) && v->add_eos && i1 > i0 && tokens[i1 - 1] == v->special[LLML_TOKEN_EOS]) i1--;
    s.buf = clean ? NULL : text;
    s.cap = clean ? 0 : cap;
    s.n = 0;
    for (i = i0; i < i1; i++) {
        s.lstrip = i == i0 ? lstrip : 0;
        llml__vocab_piece(v, tokens[i], special, &s);
    }
    if (clean) {
        size_t total = s.n;
        char *tmp = (char *)llml__vocab_alloc(v, total + 1);
        if (!tmp) return LLML_ERR_OUT_OF_MEMORY;
        s.buf = tmp; s.cap = total; s.n = 0;
        for (i = i0; i < i1; i++) {
            s.lstrip = i == i0 ? lstrip : 0;
            llml__vocab_piece(v, tokens[i], special, &s);
        }
        total = llml__vocab_clean(tmp, total);
        if (total > 0 && total <= cap) memcpy(text, tmp, total);
        llml__vocab_dealloc(v, tmp, s.cap + 1);
        s.n = total;
    }
    *n = s.n;
    if (s.n > cap) return LLML_ERR_BUFFER_TOO_SMALL;
    if (s.n < cap) text[s.n] = 0;
    return LLML_OK;
}
/* ------------------------------------------------------------------------ */
/* >>sample  token sampling chain and its PRNG                             */
/* ------------------------------------------------------------------------ */
/* The candidates live in one array of (id, logit, p) triples. Steps that
   need an order sort it by (logit descending, id ascending), a total order,
   so that results never depend on the sort routine. Until a step reorders
   it, candidate i is token i, which lets the penalties and the bias index it
   directly. The PRNG is xoshiro256** seeded through splitmix64. */

typedef struct llml__smp_cand {
    int32_t id;
    float logit;
    float p;
} llml__smp_cand;

struct llml_sampler {
    llml_allocator alloc;      /* copy of the caller's allocator (or zeroed) */
    int32_t has_alloc;
    size_t bytes;              /* size of the single block holding it all   */
    llml_sampler_desc desc;    /* desc.logit_bias points at `bias`           */
    llml_logit_bias *bias;
    int32_t n_vocab;
    int32_t *ring;             /* last penalty_last_n accepted tokens        */
    int32_t ring_len, ring_head;
    int32_t *count;            /* occurrences of each token in the window    */
    llml__smp_cand *cand;      /* n_vocab candidates                         */
    llml__smp_cand *tmp;       /* scratch for typical sampling               */
    uint64_t rng[4];
};

static int llml__smp_isnan(float x) { return x != x; }

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t llml__smp_splitmix(uint64_t *state) {
    uint64_t z;
    *state += 0x9e3779b97f4a7c15ull;
    z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void llml__smp_seed(llml_sampler *s, uint64_t seed) {
    uint64_t st = seed;
    int i;
    for (i = 0; i < 4; i++) s->rng[i] = llml__smp_splitmix(&st);
}

static uint64_t llml__smp_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t llml__smp_next(llml_sampler *s) {
    uint64_t *r = s->rng;
    uint64_t out = llml__smp_rotl(r[1] * 5u, 7) * 9u;
    uint64_t t = r[1] << 17;
    r[2] ^= r[0];
    r[3] ^= r[1];
    r[1] ^= r[2];
    r[0] ^= r[3];
    r[2] ^= t;
    r[3] = llml__smp_rotl(r[3], 45);
    return out;
}

/* Uniform double in [0, 1) from the top 53 bits. */
static double llml__smp_uniform(llml_sampler *s) {
    return (double)(llml__smp_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- ordering ----------------------------------------------------------- */

/* 1 when a ranks before b: larger logit first, then lower id. */
static int llml__smp_before(const llml__smp_cand *a, const llml__smp_cand *b) {
    if (a->logit != b->logit) return a->logit > b->logit;
    return a->id < b->id;
}

/* Sift down in a heap whose root is the candidate ranked LAST (a heap of the
   m best seen so far keeps its weakest member on top). */
static void llml__smp_sift(llml__smp_cand *h, size_t m, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        llml__smp_cand t;
        if (l < m && llml__smp_before(&h[w], &h[l])) w = l;
        if (r < m && llml__smp_before(&h[w], &h[r])) w = r;
        if (w == i) return;
        t = h[i]; h[i] = h[w]; h[w] = t;
        i = w;
    }
}

/* Move the m best of c[0..n) to c[0..m), in rank order (m <= n). The order of
   c[m..n) afterwards is unspecified. O(n log m). */
static void llml__smp_sort_prefix(llml__smp_cand *c, size_t n, size_t m) {
    size_t i;
    if (m == 0) return;
    if (m > n) m = n;
    for (i = m / 2; i-- > 0;) llml__smp_sift(c, m, i);
    for (i = m; i < n; i++) {
        if (llml__smp_before(&c[i], &c[0])) {
            llml__smp_cand t = c[0]; c[0] = c[i]; c[i] = t;
            llml__smp_sift(c, m, 0);
        }
    }
    /* heap sort of the m kept: repeatedly move the weakest to the back */
    for (i = m; i-- > 1;) {
        llml__smp_cand t = c[0]; c[0] = c[i]; c[i] = t;
        llml__smp_sift(c, i, 0);
    }
}

/* Softmax of c[0..n) / temp into c[i].p, computed as exp((l - max) / temp)
   so that a tiny temperature cannot overflow. +inf logits share all the
   mass; if every logit is -inf the tokens are equally likely. */
static void llml__smp_softmax(llml__smp_cand *c, size_t n, float temp) {
    size_t i;
    float mx = c[0].logit;
    double sum = 0.0;
    for (i = 1; i < n; i++) if (c[i].logit > mx) mx = c[i].logit;
    for (i = 0; i < n; i++) {
        float w;
        if (mx == INFINITY) w = c[i].logit == INFINITY ? 1.0f : 0.0f;
        else if (mx == -INFINITY) w = 1.0f;
        else w = expf((c[i].logit - mx) / temp);
        c[i].p = w;
        sum += w;
    }
    for (i = 0; i < n; i++) c[i].p = (float)(c[i].p / sum);
}

/* ---- the chain ---------------------------------------------------------- */

static int llml__smp_greedy(const llml_sampler *s) { return !(s->desc.temperature > 0.0f); }
static int llml__smp_typical_on(const llml_sampler *s) { return s->desc.typical_p > 0.0f && s->desc.typical_p < 1.0f; }
static size_t llml__smp_min_keep(const llml_sampler *s) { return s->desc.min_keep > 1 ? (size_t)s->desc.min_keep : 1; }

static void llml__smp_penalties(llml_sampler *s) {
    const llml_sampler_desc *d = &s->desc;
    float rep = d->repeat_penalty > 0.0f ? d->repeat_penalty : 1.0f;
    int32_t i, cap = d->penalty_last_n;
    if (cap <= 0 || s->ring_len == 0) return;
    if (rep == 1.0f && d->frequency_penalty == 0.0f && d->presence_penalty == 0.0f) return;
    /* visit each distinct token of the window once: a visited token's count
       is negated, then restored in a second pass */
    for (i = 0; i < s->ring_len; i++) {
        int32_t t = s->ring[(s->ring_head + i) % cap];
        int32_t cnt = s->count[t];
        float l;
        if (cnt <= 0) continue;
        l = s->cand[t].logit;
        if (l <= 0.0f) l *= rep; else l /= rep;
        l -= (float)cnt * d->frequency_penalty + d->presence_penalty;
        if (llml__smp_isnan(l)) l = -INFINITY;
        s->cand[t].logit = l;
        s->count[t] = -cnt;
    }
    for (i = 0; i < s->ring_len; i++) {
        int32_t t = s->ring[(s->ring_head + i) % cap];
        if (s->count[t] < 0) s->count[t] = -s->count[t];
    }
}

static void llml__smp_apply_bias(llml_sampler *s) {
    int32_t i;
    for (i = 0; i < s->desc.n_logit_bias; i++) {
        llml__smp_cand *c = &s->cand[s->bias[i].token];
        c->logit += s->bias[i].bias;
        if (llml__smp_isnan(c->logit)) c->logit = -INFINITY; /* +inf + -inf: the ban wins */
    }
}

/* Locally typical sampling: rank by |-log p - H|, keep up to mass > p. */
static size_t llml__smp_typical(llml_sampler *s, size_t n) {
    llml__smp_cand *c = s->cand, *t = s->tmp;
    size_t i, keep = n, mk = llml__smp_min_keep(s);
    double ent = 0.0, cum = 0.0;
    llml__smp_sort_prefix(c, n, n);
    llml__smp_softmax(c, n, 1.0f);
    for (i = 0; i < n; i++) if (c[i].p > 0.0f) ent -= (double)c[i].p * log((double)c[i].p);
    /* t[i] carries the score in its logit field and the index in its id */
    for (i = 0; i < n; i++) {
        double sc = c[i].p > 0.0f ? fabs(-log((double)c[i].p) - ent) : HUGE_VAL;
        t[i].logit = -(float)sc;          /* rank order is "larger logit first" */
        t[i].id = (int32_t)i;             /* ties: lower index (higher p) first */
        t[i].p = 0.0f;
    }
    llml__smp_sort_prefix(t, n, n);
    for (i = 0; i < n; i++) {
        cum += c[t[i].id].p;
        if (cum > s->desc.typical_p && i + 1 >= mk) { keep = i + 1; break; }
    }
    /* gather the kept candidates in typical order */
    for (i = 0; i < keep; i++) {
        llml__smp_cand k = c[t[i].id];
        t[i] = k;
    }
    memcpy(c, t, keep * sizeof(*c));
    return keep;
}

static size_t llml__smp_top_p(llml_sampler *s, size_t n, int *sorted) {
    llml__smp_cand *c = s->cand;
    size_t i, have, mk = llml__smp_min_keep(s);
    double cum = 0.0;
    llml__smp_softmax(c, n, 1.0f);
    /* sort a short prefix first; most of the mass is usually there */
    have = n;
    if (!*sorted) {
        have = n > 1024 ? 256 : n;
        llml__smp_sort_prefix(c, n, have);
    }
    for (i = 0; i < n; i++) {
        if (i == have) { llml__smp_sort_prefix(c + have, n - have, n - have); have = n; }
        cum += c[i].p;
        if (cum >= s->desc.top_p && i + 1 >= mk) { n = i + 1; break; }
    }
    if (have < n) llml__smp_sort_prefix(c + have, n - have, n - have);
    *sorted = 1;
    return n;
}

static size_t llml__smp_min_p(llml_sampler *s, size_t n, int *sorted) {
    llml__smp_cand *c = s->cand;
    size_t i, pass = 0, mk = llml__smp_min_keep(s), keep;
    float mx = c[0].logit, lim;
    for (i = 1; i < n; i++) if (c[i].logit > mx) mx = c[i].logit;
    lim = mx + logf(s->desc.min_p);
    for (i = 0; i < n; i++) if (c[i].logit >= lim) pass++;
    if (pass >= mk) {                  /* keep the passing ones, in order */
        size_t j = 0;
        for (i = 0; i < n; i++) if (c[i].logit >= lim) c[j++] = c[i];
        return j;
    }
    keep = LLML__MIN(n, mk);           /* too few: the mk best */
    llml__smp_sort_prefix(c, n, keep);
    *sorted = 1;
    return keep;
}

/* Steps 1-7 into s->cand; returns the number of candidates (>= 1). */
static size_t llml__smp_run(llml_sampler *s, const float *logits) {
    const llml_sampler_desc *d = &s->desc;
    llml__smp_cand *c = s->cand;
    size_t i, n = (size_t)s->n_vocab;
    int sorted = 0;
    for (i = 0; i < n; i++) {
        float l = logits[i];
        c[i].id = (int32_t)i;
        c[i].logit = llml__smp_isnan(l) ? -INFINITY : l;
        c[i].p = 0.0f;
    }
    llml__smp_penalties(s);
    llml__smp_apply_bias(s);
    if (llml__smp_greedy(s) && !llml__smp_typical_on(s)) {
        /* top-k, top-p and min-p always keep the argmax: skip them */
        size_t best = 0;
        for (i = 1; i < n; i++) if (c[i].logit > c[best].logit) best = i;
        c[0] = c[best];
        c[0].p = 1.0f;
        return 1;
    }
    if (d->top_k > 0 && (size_t)d->top_k < n) {
        llml__smp_sort_prefix(c, n, (size_t)d->top_k);
        n = (size_t)d->top_k;
        sorted = 1;
    }
    if (llml__smp_typical_on(s) && n > 1) { n = llml__smp_typical(s, n); sorted = 0; }
    if (d->top_p > 0.0f && d->top_p < 1.0f && n > 1) n = llml__smp_top_p(s, n, &sorted);
    if (d->min_p > 0.0f && n > 1) n = llml__smp_min_p(s, n, &sorted);
    if (llml__smp_greedy(s)) {
        size_t best = 0;               /* first maximum in the current order */
        for (i = 1; i < n; i++) if (c[i].logit > c[best].logit) best = i;
        c[0] = c[best];
        c[0].p = 1.0f;
        return 1;
    }
    llml__smp_softmax(c, n, d->temperature);   /* step 7 is folded into the softmax */
    return n;
}

/* ---- API ---------------------------------------------------------------- */

LLML_API llml_sampler_desc llml_sampler_default_desc(void) {
    llml_sampler_desc d;
    memset(&d, 0, sizeof(d));
    d.temperature = 0.8f;
    d.top_k = 40;
    d.top_p = 0.95f;
    d.min_p = 0.05f;
    d.penalty_last_n = 64;
    d.repeat_penalty = 1.0f;
    return d;
}

static size_t llml__smp_align(size_t x) { return (x + 15u) & ~(size_t)15u; }

LLML_API llml_result llml_sampler_create(const llml_sampler_desc *desc, int32_t n_vocab,
                                         const llml_allocator *allocator, llml_sampler **out) {
    llml_sampler_desc d;
    llml_sampler *s;
    size_t o_bias, o_ring, o_count, o_cand, o_tmp, total, nv;
    unsigned char *base;
    int32_t i, use_pen;
    if (!out) return LLML_ERR_INVALID_ARG;
    *out = NULL;
    if (desc) d = *desc; else memset(&d, 0, sizeof(d));
    if (n_vocab < 1) return LLML_ERR_INVALID_ARG;
    if (llml__smp_isnan(d.temperature) || llml__smp_isnan(d.top_p) || llml__smp_isnan(d.min_p) ||
        llml__smp_isnan(d.typical_p)) return LLML_ERR_INVALID_ARG;
    if (d.penalty_last_n < 0 || d.n_logit_bias < 0 || d.min_keep < 0) return LLML_ERR_INVALID_ARG;
    if (!(d.repeat_penalty >= 0.0f && d.repeat_penalty <= FLT_MAX)) return LLML_ERR_INVALID_ARG;
    if (!(d.frequency_penalty >= -FLT_MAX && d.frequency_penalty <= FLT_MAX)) return LLML_ERR_INVALID_ARG;
    if (!(d.presence_penalty >= -FLT_MAX && d.presence_penalty <= FLT_MAX)) return LLML_ERR_INVALID_ARG;
    if (d.n_logit_bias > 0 && !d.logit_bias) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < d.n_logit_bias; i++) {
        if (d.logit_bias[i].token < 0 || d.logit_bias[i].token >= n_vocab) return LLML_ERR_INVALID_ARG;
        if (llml__smp_isnan(d.logit_bias[i].bias)) return LLML_ERR_INVALID_ARG;
    }
    nv = (size_t)n_vocab;
    if (nv > ((size_t)-1) / 64 || (size_t)d.penalty_last_n > ((size_t)-1) / 64 ||
        (size_t)d.n_logit_bias > ((size_t)-1) / 64) return LLML_ERR_OUT_OF_MEMORY;
    use_pen = d.penalty_last_n > 0;
    o_bias = llml__smp_align(sizeof(llml_sampler));
    o_ring = o_bias + llml__smp_align((size_t)d.n_logit_bias * sizeof(llml_logit_bias));
    o_count = o_ring + llml__smp_align(use_pen ? (size_t)d.penalty_last_n * sizeof(int32_t) : 0);
    o_cand = o_count + llml__smp_align(use_pen ? nv * sizeof(int32_t) : 0);
    o_tmp = o_cand + llml__smp_align(nv * sizeof(llml__smp_cand));
    total = o_tmp + llml__smp_align(nv * sizeof(llml__smp_cand));
    base = (unsigned char *)llml__alloc(allocator, total, 16);
    if (!base) return LLML_ERR_OUT_OF_MEMORY;
    memset(base, 0, o_cand);           /* header, bias, window and counts */
    s = (llml_sampler *)(void *)base;
    if (allocator) { s->alloc = *allocator; s->has_alloc = 1; }
    s->bytes = total;
    s->n_vocab = n_vocab;
    s->bias = (llml_logit_bias *)(void *)(base + o_bias);
    if (d.n_logit_bias > 0) memcpy(s->bias, d.logit_bias, (size_t)d.n_logit_bias * sizeof(llml_logit_bias));
    d.logit_bias = s->bias;
    s->desc = d;
    s->ring = use_pen ? (int32_t *)(void *)(base + o_ring) : NULL;
    s->count = use_pen ? (int32_t *)(void *)(base + o_count) : NULL;
    s->cand = (llml__smp_cand *)(void *)(base + o_cand);
    s->tmp = (llml__smp_cand *)(void *)(base + o_tmp);
    llml__smp_seed(s, d.seed);
    *out = s;
    return LLML_OK;
}

LLML_API void llml_sampler_free(llml_sampler *s) {
    llml_allocator a;
    int has;
    size_t bytes;
    if (!s) return;
    a = s->alloc; has = s->has_alloc; bytes = s->bytes;
    llml__free(has ? &a : NULL, s, bytes);
}

LLML_API void llml_sampler_reset(llml_sampler *s) {
    if (!s) return;
    if (s->count) memset(s->count, 0, (size_t)s->n_vocab * sizeof(int32_t));
    s->ring_len = 0;
    s->ring_head = 0;
    llml__smp_seed(s, s->desc.seed);
}

LLML_API void llml_sampler_set_seed(llml_sampler *s, uint64_t seed) {
    if (!s) return;
    s->desc.seed = seed;
    llml__smp_seed(s, seed);
}

LLML_API llml_result llml_sampler_accept(llml_sampler *s, int32_t token) {
    int32_t cap;
    if (!s || token < 0 || token >= s->n_vocab) return LLML_ERR_INVALID_ARG;
    cap = s->desc.penalty_last_n;
    if (cap <= 0) return LLML_OK;
    if (s->ring_len == cap) {          /* full: the oldest leaves the window */
        int32_t old = s->ring[s->ring_head];
        s->count[old]--;
        s->ring[s->ring_head] = token;
        s->ring_head = (s->ring_head + 1) % cap;
    } else {
        s->ring[(s->ring_head + s->ring_len) % cap] = token;
        s->ring_len++;
    }
    s->count[token]++;
    return LLML_OK;
}

LLML_API int32_t llml_sampler_sample(llml_sampler *s, const float *logits) {
    size_t n, i;
    double u, cum = 0.0;
    if (!s || !logits) return -1;
    n = llml__smp_run(s, logits);
    if (llml__smp_greedy(s)) return s->cand[0].id;
    u = llml__smp_uniform(s);
    /* the weights sum to 1 up to rounding: scale the target by their sum */
    for (i = 0; i < n; i++) cum += s->cand[i].p;
    u *= cum;
    cum = 0.0;
    for (i = 0; i < n; i++) {
        cum += s->cand[i].p;
        if (u < cum) return s->cand[i].id;
    }
    for (i = n; i-- > 0;) if (s->cand[i].p > 0.0f) return s->cand[i].id;
    return s->cand[0].id;
}

LLML_API llml_result llml_sampler_candidates(llml_sampler *s, const float *logits,
                                             int32_t *ids, float *probs, int32_t cap,
                                             int32_t *n_out) {
    size_t n, i;
    llml__smp_cand *c;
    if (n_out) *n_out = 0;
    if (!s || !logits) return LLML_ERR_INVALID_ARG;
    n = llml__smp_run(s, logits);
    c = s->cand;
    /* rank by probability, then id: reuse the logit ordering on p */
    for (i = 0; i < n; i++) c[i].logit = c[i].p;
    llml__smp_sort_prefix(c, n, n);
    for (i = 0; cap > 0 && i < n && i < (size_t)cap; i++) {
        if (ids) ids[i] = c[i].id;
        if (probs) probs[i] = c[i].p;
    }
    if (n_out) *n_out = (int32_t)n;
    return LLML_OK;
}
/* ------------------------------------------------------------------------ */
/* >>chat  chat prompt formats (no Jinja) and template recognition          */
/* ------------------------------------------------------------------------ */
/* Each style reproduces what a representative model template renders for an
   optional leading system message followed by user/assistant turns (the
   tests hold those renderings). Where llama.cpp's built-in formatter and the
   template disagree, the template wins: llama2-sys* put a space on both sides
   of an assistant reply; mistral-v3* put the system prompt in front of the
   last user message, and drop it when the conversation does not end with a
   user message, as the template does; gemma keeps the system text as written;
   deepseek3 writes the system text with no separator. Inputs the templates
   reject (a system message later in the conversation, two user messages in a
   row) get the nearest sensible rendering instead of an error.
   Non-ASCII markers are written as UTF-8 escapes: U+FF5C (full-width bar) is
   \xef\xbd\x9c and U+2581 (lower one eighth block) is \xe2\x96\x81. */

#define LLML__CHAT_BAR "\xef\xbd\x9c"
#define LLML__CHAT_EOS_DEEPSEEK "<" LLML__CHAT_BAR "end\xe2\x96\x81" "of\xe2\x96\x81" "sentence" LLML__CHAT_BAR ">"

typedef struct llml__chat_out {
    char *buf;
    size_t cap;
    size_t len;                /* full length, even past cap */
} llml__chat_out;

static void llml__chat_putn(llml__chat_out *o, const char *s, size_t n) {
    if (o->cap > 0 && o->len < o->cap - 1) {
        size_t room = o->cap - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len = n > (size_t)-1 - o->len ? (size_t)-1 : o->len + n;
}

static void llml__chat_put(llml__chat_out *o, const char *s) { llml__chat_putn(o, s, strlen(s)); }

static int llml__chat_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Text without leading and trailing ASCII white space (Jinja's trim / strip). */
static void llml__chat_put_trim(llml__chat_out *o, const char *s) {
    size_t a = 0, b = strlen(s);
    while (a < b && llml__chat_space(s[a])) a++;
    while (b > a && llml__chat_space(s[b - 1])) b--;
    llml__chat_putn(o, s + a, b - a);
}

enum { LLML__CHAT_SYS, LLML__CHAT_USER, LLML__CHAT_ASSIST, LLML__CHAT_OTHER };

static int llml__chat_role(const char *r) {
    if (strcmp(r, "system") == 0) return LLML__CHAT_SYS;
    if (strcmp(r, "user") == 0) return LLML__CHAT_USER;
    if (strcmp(r, "assistant") == 0) return LLML__CHAT_ASSIST;
    return LLML__CHAT_OTHER;
}

static int llml__chat_r(const llml_chat_message *m, size_t i) { return llml__chat_role(m[i].role); }

/* ---- names -------------------------------------------------------------- */

typedef struct llml__chat_name {
    const char *name;
    llml_chat_style style;     /* LLML_CHAT_UNKNOWN: a llama.cpp name we lack */
} llml__chat_name;

static const llml__chat_name llml__chat_names[] = {
    {"chatml", LLML_CHAT_CHATML},
    {"llama2", LLML_CHAT_LLAMA2},
    {"llama2-sys", LLML_CHAT_LLAMA2_SYS},
    {"llama2-sys-bos", LLML_CHAT_LLAMA2_SYS_BOS},
    {"llama2-sys-strip", LLML_CHAT_LLAMA2_SYS_STRIP},
    {"llama3", LLML_CHAT_LLAMA3},
    {"mistral-v1", LLML_CHAT_MISTRAL_V1},
    {"mistral-v3", LLML_CHAT_MISTRAL_V3},
    {"mistral-v3-tekken", LLML_CHAT_MISTRAL_V3_TEKKEN},
    {"mistral-v7", LLML_CHAT_MISTRAL_V7},
    {"mistral-v7-tekken", LLML_CHAT_MISTRAL_V7_TEKKEN},
    {"gemma", LLML_CHAT_GEMMA},
    {"phi3", LLML_CHAT_PHI3},
    {"zephyr", LLML_CHAT_ZEPHYR},
    {"deepseek2", LLML_CHAT_DEEPSEEK2},
    {"deepseek3", LLML_CHAT_DEEPSEEK3},
    {"command-r", LLML_CHAT_COMMAND_R},
    /* recognised, not implemented */
    {"phi4", LLML_CHAT_UNKNOWN}, {"falcon3", LLML_CHAT_UNKNOWN}, {"monarch", LLML_CHAT_UNKNOWN},
    {"orion", LLML_CHAT_UNKNOWN}, {"openchat", LLML_CHAT_UNKNOWN}, {"vicuna", LLML_CHAT_UNKNOWN},
    {"vicuna-orca", LLML_CHAT_UNKNOWN}, {"deepseek", LLML_CHAT_UNKNOWN}, {"chatglm3", LLML_CHAT_UNKNOWN},
    {"chatglm4", LLML_CHAT_UNKNOWN}, {"glmedge", LLML_CHAT_UNKNOWN}, {"minicpm", LLML_CHAT_UNKNOWN},
    {"exaone3", LLML_CHAT_UNKNOWN}, {"exaone4", LLML_CHAT_UNKNOWN}, {"rwkv-world", LLML_CHAT_UNKNOWN},
    {"granite", LLML_CHAT_UNKNOWN}, {"gigachat", LLML_CHAT_UNKNOWN}, {"megrez", LLML_CHAT_UNKNOWN},
    {"yandex", LLML_CHAT_UNKNOWN}, {"bailing", LLML_CHAT_UNKNOWN}, {"llama4", LLML_CHAT_UNKNOWN},
    {"smolvlm", LLML_CHAT_UNKNOWN}, {"dots1", LLML_CHAT_UNKNOWN}, {"hunyuan-moe", LLML_CHAT_UNKNOWN},
    {"hunyuan-dense", LLML_CHAT_UNKNOWN}, {"kimi-k2", LLML_CHAT_UNKNOWN}
};

LLML_API const char *llml_chat_style_name(llml_chat_style style) {
    size_t i;
    if (style == LLML_CHAT_UNKNOWN) return "unknown";
    for (i = 0; i < sizeof(llml__chat_names) / sizeof(llml__chat_names[0]); i++)
        if (llml__chat_names[i].style == style) return llml__chat_names[i].name;
    return "unknown";
}

/* Index in llml__chat_names, or -1. */
static int llml__chat_find_name(const char *name) {
    size_t i;
    for (i = 0; i < sizeof(llml__chat_names) / sizeof(llml__chat_names[0]); i++)
        if (strcmp(llml__chat_names[i].name, name) == 0) return (int)i;
    return -1;
}

LLML_API llml_result llml_chat_style_from_name(const char *name, llml_chat_style *out) {
    int i;
    if (out) *out = LLML_CHAT_UNKNOWN;
    if (!name || !out) return LLML_ERR_INVALID_ARG;
    i = llml__chat_find_name(name);
    if (i < 0 || llml__chat_names[i].style == LLML_CHAT_UNKNOWN) return LLML_ERR_NOT_FOUND;
    *out = llml__chat_names[i].style;
    return LLML_OK;
}

/* ---- recognition -------------------------------------------------------- */

static int llml__chat_has(const char *t, const char *needle) { return strstr(t, needle) != NULL; }

/* The signature tests of llama.cpp's llm_chat_detect_template, in its order
   (earlier tests win). Returns a style, or UNKNOWN with *family set to the
   name of an unimplemented family (NULL when nothing matched). */
static llml_chat_style llml__chat_sniff(const char *t, const char **family) {
    *family = NULL;
    if (llml__chat_has(t, "<|im_start|>")) {
        if (llml__chat_has(t, "<|im_sep|>")) { *family = "phi4"; return LLML_CHAT_UNKNOWN; }
        if (llml__chat_has(t, "<end_of_utterance>")) { *family = "smolvlm"; return LLML_CHAT_UNKNOWN; }
        return LLML_CHAT_CHATML;
    }
    if (strncmp(t, "mistral", 7) == 0 || llml__chat_has(t, "[INST]")) {
        if (llml__chat_has(t, "[SYSTEM_PROMPT]")) {
            /* llama.cpp says v7 here; the tekken templates (Mistral Small 3.x)
               have no space after [SYSTEM_PROMPT] and [INST] */
            if (llml__chat_has(t, "[SYSTEM_PROMPT] ") || llml__chat_has(t, "[INST] ")) return LLML_CHAT_MISTRAL_V7;
            return LLML_CHAT_MISTRAL_V7_TEKKEN;
        }
        if (llml__chat_has(t, "' [INST] ' + system_message") || llml__chat_has(t, "[AVAILABLE_TOOLS]")) {
            if (llml__chat_has(t, " [INST]")) return LLML_CHAT_MISTRAL_V1;
            if (llml__chat_has(t, "\"[INST]\"")) return LLML_CHAT_MISTRAL_V3_TEKKEN;
            return LLML_CHAT_MISTRAL_V3;
        }
        if (llml__chat_has(t, "content.strip()")) return LLML_CHAT_LLAMA2_SYS_STRIP;
        if (llml__chat_has(t, "bos_token + '[INST]")) return LLML_CHAT_LLAMA2_SYS_BOS;
        if (llml__chat_has(t, "<<SYS>>")) return LLML_CHAT_LLAMA2_SYS;
        return LLML_CHAT_LLAMA2;
    }
    if (llml__chat_has(t, "<|assistant|>") && llml__chat_has(t, "<|end|>")) return LLML_CHAT_PHI3;
    if (llml__chat_has(t, "[gMASK]<sop>")) { *family = "chatglm4"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|assistant|>") && llml__chat_has(t, "<|user|>")) {
        *family = llml__chat_has(t, "</s>") ? "falcon3" : "glmedge";
        return LLML_CHAT_UNKNOWN;
    }
    if (llml__chat_has(t, "<|{{ item['role'] }}|>") && llml__chat_has(t, "<|begin_of_image|>")) { *family = "glmedge"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|user|>") && llml__chat_has(t, "<|endoftext|>")) return LLML_CHAT_ZEPHYR;
    if (llml__chat_has(t, "bos_token + message['role']")) { *family = "monarch"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<start_of_turn>")) return LLML_CHAT_GEMMA;
    if (llml__chat_has(t, "'\\n\\nAssistant: ' + eos_token")) { *family = "orion"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "GPT4 Correct ")) { *family = "openchat"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "USER: ") && llml__chat_has(t, "ASSISTANT: ")) {
        *family = llml__chat_has(t, "SYSTEM: ") ? "vicuna-orca" : "vicuna";
        return LLML_CHAT_UNKNOWN;
    }
    if (llml__chat_has(t, "### Instruction:") && llml__chat_has(t, "<|EOT|>")) { *family = "deepseek"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|START_OF_TURN_TOKEN|>") && llml__chat_has(t, "<|USER_TOKEN|>")) return LLML_CHAT_COMMAND_R;
    if (llml__chat_has(t, "<|start_header_id|>") && llml__chat_has(t, "<|end_header_id|>")) return LLML_CHAT_LLAMA3;
    if (llml__chat_has(t, "[gMASK]sop")) { *family = "chatglm3"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<\xe7\x94\xa8\xe6\x88\xb7>")) { *family = "minicpm"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "'Assistant: ' + message['content'] + eos_token")) return LLML_CHAT_DEEPSEEK2;
    if (llml__chat_has(t, "<" LLML__CHAT_BAR "Assistant" LLML__CHAT_BAR ">") &&
        llml__chat_has(t, "<" LLML__CHAT_BAR "User" LLML__CHAT_BAR ">") &&
        llml__chat_has(t, LLML__CHAT_EOS_DEEPSEEK)) return LLML_CHAT_DEEPSEEK3;
    if (llml__chat_has(t, "[|system|]") && llml__chat_has(t, "[|assistant|]") && llml__chat_has(t, "[|endofturn|]")) {
        *family = llml__chat_has(t, "[|tool|]") ? "exaone4" : "exaone3";
        return LLML_CHAT_UNKNOWN;
    }
    if (llml__chat_has(t, "rwkv-world") || llml__chat_has(t, "{{- 'User: ' + message['content']|trim + '\\n\\n' -}}")) { *family = "rwkv-world"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|start_of_role|>")) { *family = "granite"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1]")) { *family = "gigachat"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|role_start|>")) { *family = "megrez"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, " \xd0\x90\xd1\x81\xd1\x81\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd0\xbd\xd1\x82:")) { *family = "yandex"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<role>ASSISTANT</role>") && llml__chat_has(t, "'HUMAN'")) { *family = "bailing"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|header_start|>") && llml__chat_has(t, "<|header_end|>")) { *family = "llama4"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|endofuserprompt|>")) { *family = "dots1"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|startoftext|>") && llml__chat_has(t, "<|extra_4|>")) { *family = "hunyuan-moe"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<" LLML__CHAT_BAR "hy_place\xe2\x96\x81" "holder\xe2\x96\x81" "no\xe2\x96\x81" "2" LLML__CHAT_BAR ">") &&
        llml__chat_has(t, "<" LLML__CHAT_BAR "hy_place\xe2\x96\x81" "holder\xe2\x96\x81" "no\xe2\x96\x81" "3" LLML__CHAT_BAR ">")) { *family = "hunyuan-dense"; return LLML_CHAT_UNKNOWN; }
    if (llml__chat_has(t, "<|im_assistant|>assistant<|im_middle|>")) { *family = "kimi-k2"; return LLML_CHAT_UNKNOWN; }
    return LLML_CHAT_UNKNOWN;
}

LLML_API llml_result llml_chat_detect(const char *template_text, llml_chat_style *out, llml_error *err) {
    const char *family;
    llml_chat_style st;
    int i;
    if (out) *out = LLML_CHAT_UNKNOWN;
    if (!template_text || !out) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_chat_detect: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    i = llml__chat_find_name(template_text);
    if (i >= 0) {
        if (llml__chat_names[i].style == LLML_CHAT_UNKNOWN) {
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX,
                            "chat style '%s' is not implemented by llmlite", llml__chat_names[i].name);
            return LLML_ERR_UNSUPPORTED;
        }
        *out = llml__chat_names[i].style;
        return LLML_OK;
    }
    st = llml__chat_sniff(template_text, &family);
    if (st != LLML_CHAT_UNKNOWN) { *out = st; return LLML_OK; }
    if (family && strcmp(family, "glmedge") == 0 && llml__chat_has(template_text, "<|system|>") &&
        llml__chat_has(template_text, "eos_token")) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX,
                        "chat template looks like zephyr ending turns with the model's eos_token; "
                        "llmlite's 'zephyr' style ends them with <|endoftext|>: select it by name "
                        "only if that is the model's EOS");
    } else if (family) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX,
                        "chat template looks like '%s', a format llmlite does not implement", family);
    } else {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX,
                        "chat template not recognised (no known signature); select a style by name");
    }
    return LLML_ERR_UNSUPPORTED;
}

/* ---- formatting --------------------------------------------------------- */

/* llama2 and its <<SYS>> variants. A turn opens with [INST] (with <s> before
   it after the first turn for sys-bos) and closes after the assistant reply. */
static void llml__chat_llama2(llml_chat_style st, const llml_chat_message *m,
                              size_t n, llml__chat_out *o) {
    int sys_ok = st != LLML_CHAT_LLAMA2, strip = st == LLML_CHAT_LLAMA2_SYS_STRIP;
    int inside = 0, first = 1;
    size_t i;
    for (i = 0; i < n; i++) {
        if (!inside) {
            llml__chat_put(o, !first && st == LLML_CHAT_LLAMA2_SYS_BOS ? "<s>[INST] " : "[INST] ");
            inside = 1;
            first = 0;
        }
        if (llml__chat_r(m, i) == LLML__CHAT_SYS && sys_ok) llml__chat_put(o, "<<SYS>>\n");
        if (llml__chat_r(m, i) == LLML__CHAT_ASSIST && sys_ok) llml__chat_put(o, " ");
        if (strip) llml__chat_put_trim(o, m[i].content); else llml__chat_put(o, m[i].content);
        if (llml__chat_r(m, i) == LLML__CHAT_SYS) llml__chat_put(o, sys_ok ? "\n<</SYS>>\n\n" : "\n");
        else if (llml__chat_r(m, i) == LLML__CHAT_USER) llml__chat_put(o, " [/INST]");
        else { llml__chat_put(o, sys_ok ? " </s>" : "</s>"); inside = 0; }
    }
}

/* mistral-v3 and v3-tekken: the leading system message goes in front of the
   user message that ends the conversation (as their templates do). */
static void llml__chat_mistral_v3(int tekken, const llml_chat_message *m,
                                  size_t n, llml__chat_out *o) {
    const char *sp = tekken ? "" : " ";
    const char *sys = n > 0 && llml__chat_r(m, 0) == LLML__CHAT_SYS ? m[0].content : NULL;
    int inside = 0;
    size_t i;
    for (i = sys ? 1 : 0; i < n; i++) {
        if (llml__chat_r(m, i) == LLML__CHAT_ASSIST) {
            llml__chat_put(o, sp);
            if (tekken) llml__chat_put(o, m[i].content); else llml__chat_put_trim(o, m[i].content);
            llml__chat_put(o, "</s>");
            inside = 0;
            continue;
        }
        if (!inside) { llml__chat_put(o, "[INST]"); llml__chat_put(o, sp); inside = 1; }
        if (llml__chat_r(m, i) == LLML__CHAT_SYS) {          /* a later system message */
            llml__chat_put(o, m[i].content);
            llml__chat_put(o, "\n\n");
            continue;
        }
        if (sys && i == n - 1) { llml__chat_put(o, sys); llml__chat_put(o, "\n\n"); }
        llml__chat_put(o, m[i].content);
        llml__chat_put(o, "[/INST]");
        inside = 0;
    }
}

static void llml__chat_render(llml_chat_style st, const llml_chat_message *m,
                              size_t n, int gen, llml__chat_out *o) {
    size_t i;
    switch (st) {
    case LLML_CHAT_CHATML:
        for (i = 0; i < n; i++) {
            llml__chat_put(o, "<|im_start|>"); llml__chat_put(o, m[i].role); llml__chat_put(o, "\n");
            llml__chat_put(o, m[i].content); llml__chat_put(o, "<|im_end|>\n");
        }
        if (gen) llml__chat_put(o, "<|im_start|>assistant\n");
        break;
    case LLML_CHAT_LLAMA2: case LLML_CHAT_LLAMA2_SYS: case LLML_CHAT_LLAMA2_SYS_BOS: case LLML_CHAT_LLAMA2_SYS_STRIP:
        llml__chat_llama2(st, m, n, o);
        break;
    case LLML_CHAT_LLAMA3:
        for (i = 0; i < n; i++) {
            llml__chat_put(o, "<|start_header_id|>"); llml__chat_put(o, m[i].role);
            llml__chat_put(o, "<|end_header_id|>\n\n"); llml__chat_put_trim(o, m[i].content);
            llml__chat_put(o, "<|eot_id|>");
        }
        if (gen) llml__chat_put(o, "<|start_header_id|>assistant<|end_header_id|>\n\n");
        break;
    case LLML_CHAT_MISTRAL_V1: {
        int inside = 0;
        for (i = 0; i < n; i++) {
            if (!inside) { llml__chat_put(o, " [INST] "); inside = 1; }
            if (llml__chat_r(m, i) == LLML__CHAT_ASSIST) llml__chat_put(o, " ");
            llml__chat_put(o, m[i].content);
            if (llml__chat_r(m, i) == LLML__CHAT_SYS) llml__chat_put(o, "\n\n");
            else if (llml__chat_r(m, i) == LLML__CHAT_USER) llml__chat_put(o, " [/INST]");
            else { llml__chat_put(o, "</s>"); inside = 0; }
        }
        break;
    }
    case LLML_CHAT_MISTRAL_V3: case LLML_CHAT_MISTRAL_V3_TEKKEN:
        llml__chat_mistral_v3(st == LLML_CHAT_MISTRAL_V3_TEKKEN, m, n, o);
        break;
    case LLML_CHAT_MISTRAL_V7: case LLML_CHAT_MISTRAL_V7_TEKKEN: {
        const char *sp = st == LLML_CHAT_MISTRAL_V7 ? " " : "";
        for (i = 0; i < n; i++) {
            if (llml__chat_r(m, i) == LLML__CHAT_SYS) llml__chat_put(o, "[SYSTEM_PROMPT]");
            else if (llml__chat_r(m, i) == LLML__CHAT_USER) llml__chat_put(o, "[INST]");
            llml__chat_put(o, sp);
            llml__chat_put(o, m[i].content);
            if (llml__chat_r(m, i) == LLML__CHAT_SYS) llml__chat_put(o, "[/SYSTEM_PROMPT]");
            else if (llml__chat_r(m, i) == LLML__CHAT_USER) llml__chat_put(o, "[/INST]");
            else llml__chat_put(o, "</s>");
        }
        break;
    }
    case LLML_CHAT_GEMMA: {
        size_t pend = 0;        /* system messages m[pend..i) wait for a user turn */
        for (i = 0; i < n; i++) {
            if (llml__chat_r(m, i) == LLML__CHAT_SYS) continue;
            llml__chat_put(o, llml__chat_r(m, i) == LLML__CHAT_ASSIST ? "<start_of_turn>model\n" : "<start_of_turn>user\n");
            if (llml__chat_r(m, i) == LLML__CHAT_USER) {
                for (; pend < i; pend++) {
                    if (llml__chat_r(m, pend) != LLML__CHAT_SYS) continue;
                    llml__chat_put(o, m[pend].content);
                    llml__chat_put(o, "\n\n");
                }
            }
            llml__chat_put_trim(o, m[i].content);
            llml__chat_put(o, "<end_of_turn>\n");
        }
        if (gen) llml__chat_put(o, "<start_of_turn>model\n");
        break;
    }
    case LLML_CHAT_PHI3: case LLML_CHAT_ZEPHYR:
        for (i = 0; i < n; i++) {
            llml__chat_put(o, "<|"); llml__chat_put(o, m[i].role); llml__chat_put(o, "|>\n");
            llml__chat_put(o, m[i].content);
            llml__chat_put(o, st == LLML_CHAT_PHI3 ? "<|end|>\n" : "<|endoftext|>\n");
        }
        if (gen) llml__chat_put(o, "<|assistant|>\n");
        break;
    case LLML_CHAT_DEEPSEEK2:
        for (i = 0; i < n; i++) {
            if (llml__chat_r(m, i) == LLML__CHAT_USER) llml__chat_put(o, "User: ");
            else if (llml__chat_r(m, i) == LLML__CHAT_ASSIST) llml__chat_put(o, "Assistant: ");
            llml__chat_put(o, m[i].content);
            llml__chat_put(o, llml__chat_r(m, i) == LLML__CHAT_ASSIST ? LLML__CHAT_EOS_DEEPSEEK : "\n\n");
        }
        if (gen) llml__chat_put(o, "Assistant:");
        break;
    case LLML_CHAT_DEEPSEEK3: {
        const char *sys = NULL;  /* the template writes the last system message first */
        for (i = 0; i < n; i++) if (llml__chat_r(m, i) == LLML__CHAT_SYS) sys = m[i].content;
        if (sys) llml__chat_put(o, sys);
        for (i = 0; i < n; i++) {
            if (llml__chat_r(m, i) == LLML__CHAT_USER) {
                llml__chat_put(o, "<" LLML__CHAT_BAR "User" LLML__CHAT_BAR ">");
                llml__chat_put(o, m[i].content);
            } else if (llml__chat_r(m, i) == LLML__CHAT_ASSIST) {
                llml__chat_put(o, "<" LLML__CHAT_BAR "Assistant" LLML__CHAT_BAR ">");
                llml__chat_put(o, m[i].content);
                llml__chat_put(o, LLML__CHAT_EOS_DEEPSEEK);
            }
        }
        if (gen) llml__chat_put(o, "<" LLML__CHAT_BAR "Assistant" LLML__CHAT_BAR ">");
        break;
    }
    case LLML_CHAT_COMMAND_R:
        for (i = 0; i < n; i++) {
            if (llml__chat_r(m, i) == LLML__CHAT_SYS) {
                llml__chat_put(o, "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>");
                llml__chat_put(o, m[i].content);
            } else {
                llml__chat_put(o, llml__chat_r(m, i) == LLML__CHAT_USER ? "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>"
                                                            : "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>");
                llml__chat_put_trim(o, m[i].content);
            }
            llml__chat_put(o, "<|END_OF_TURN_TOKEN|>");
        }
        if (gen) llml__chat_put(o, "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>");
        break;
    default:
        break;
    }
}

LLML_API llml_result llml_chat_format(llml_chat_style style, const llml_chat_message *msgs, size_t n,
                                      int add_assistant_prompt, char *buf, size_t cap, size_t *needed) {
    int any_role = style == LLML_CHAT_CHATML || style == LLML_CHAT_LLAMA3 ||
                   style == LLML_CHAT_PHI3 || style == LLML_CHAT_ZEPHYR;
    llml__chat_out o;
    size_t i;
    if (needed) *needed = 0;
    if (cap > 0 && buf) buf[0] = '\0';
    if ((n > 0 && !msgs) || (cap > 0 && !buf)) return LLML_ERR_INVALID_ARG;
    if ((int)style <= (int)LLML_CHAT_UNKNOWN || (int)style >= (int)LLML_CHAT_STYLE_COUNT) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        if (!msgs[i].role || !msgs[i].content) return LLML_ERR_INVALID_ARG;
        if (!any_role && llml__chat_role(msgs[i].role) == LLML__CHAT_OTHER) return LLML_ERR_INVALID_ARG;
    }
    o.buf = buf; o.cap = cap; o.len = 0;
    llml__chat_render(style, msgs, n, add_assistant_prompt != 0, &o);
    if (cap > 0) buf[o.len < cap ? o.len : cap - 1] = '\0';
    if (needed) *needed = o.len;
    return o.len < cap ? LLML_OK : LLML_ERR_BUFFER_TOO_SMALL;
}

/* ======================================================================== */
/* >>model  model loading: hyperparameters and weight binding               */
/* ======================================================================== */
/* A model keeps its llml_gguf open: weights are used where the source holds
   them (the memory map, or the caller's buffer). For a read-callback source
   the tensors are read once into one allocation. 1-D tensors (norms,
   biases, RoPE factors) that are not F32 are converted to F32 at load.
   Architecture facts (which tensors, which RoPE style, which options) follow
   the reference's graph builders; see the comments at llml__model_arch. */

typedef enum llml__arch {
    LLML__ARCH_LLAMA = 0, LLML__ARCH_QWEN2, LLML__ARCH_QWEN2MOE, LLML__ARCH_QWEN3,
    LLML__ARCH_GEMMA, LLML__ARCH_GEMMA2, LLML__ARCH_GEMMA3, LLML__ARCH_PHI3,
    LLML__ARCH_COUNT
} llml__arch;

static const char *const llml__arch_names[LLML__ARCH_COUNT] = {
    "llama", "qwen2", "qwen2moe", "qwen3", "gemma", "gemma2", "gemma3", "phi3"
};

/* A weight matrix (or stack of expert matrices): ne[0] elements per row,
   ne[1] rows, ne[2] experts. */
typedef struct llml__w {
    const uint8_t *data;
    llml_type type;
    int64_t ne[3];
    size_t row_bytes;
} llml__w;

typedef struct llml__layer {
    const float *attn_norm, *attn_post_norm, *ffn_norm, *ffn_post_norm;
    const float *q_norm, *k_norm;
    const float *bq, *bk, *bv;
    llml__w wq, wk, wv, wqkv, wo;
    llml__w ffn_gate, ffn_up, ffn_down;               /* ffn_up is gate+up for phi3 */
    llml__w gate_inp, gate_exps, up_exps, down_exps;  /* experts */
    const float *gate_inp_shexp;                       /* qwen2moe shared expert gate */
    llml__w gate_shexp, up_shexp, down_shexp;
    int32_t n_head_kv;
    int32_t n_ff;
    int32_t is_swa;         /* sliding-window layer */
    float rope_base, rope_scale;
} llml__layer;

struct llml_model {
    llml_allocator alloc;
    llml_log_fn log;
    void *log_user;
    llml_gguf *gguf;
    llml_vocab *vocab;
    void *owned_data;       /* tensor bytes read through a callback */
    size_t owned_size;
    float *f32_pool;        /* converted 1-D tensors */
    size_t f32_pool_size, f32_pool_used;
    llml__arch arch;
    llml_model_info info;
    int32_t head_dim_v;
    int32_t n_vocab;
    int32_t attn_scale_pre;   /* gemma family: q scaled before attention */
    float attn_scale;         /* q scale (or kq scale)                 */
    float attn_softcap, final_softcap;
    int32_t gelu;             /* feed-forward activation GELU (else SiLU) */
    int32_t norm_w_experts;   /* renormalize the top-k expert weights  */
    float embd_scale;         /* 0: none                               */
    const float *rope_freqs;  /* n_rot/2 frequency factors, or NULL    */
    llml__w tok_embd, output;
    const float *output_norm;
    llml__layer *layers;
};

static void llml__model_log(const llml_model *m, llml_log_level lv, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void llml__model_log(const llml_model *m, llml_log_level lv, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    if (!m->log) return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    m->log(m->log_user, lv, buf);
}

LLML_API const char *llml_model_supported_archs(void) {
    return "llama, qwen2, qwen2moe, qwen3, gemma, gemma2, gemma3, phi3";
}

/* ---- metadata helpers ---------------------------------------------------- */

static int llml__model_key(char *buf, size_t cap, const char *arch, const char *suffix) {
    int n = snprintf(buf, cap, "%s.%s", arch, suffix);
    return n > 0 && (size_t)n < cap;
}

/* Integer hyperparameter `arch.suffix`; scalar or (for per-layer keys) an
   array whose element `il` is used. Returns LLML_ERR_NOT_FOUND if absent. */
static llml_result llml__model_get_int(const llml_gguf *g, const char *arch, const char *suffix,
                                       int64_t il, int64_t *out) {
    char key[128];
    int64_t i;
    if (!llml__model_key(key, sizeof(key), arch, suffix)) return LLML_ERR_NOT_FOUND;
    i = llml_gguf_find_key(g, key);
    if (i < 0) return LLML_ERR_NOT_FOUND;
    if (llml_gguf_kv_type(g, i) == LLML_GGUF_ARRAY) {
        llml_gguf_vtype et = llml_gguf_arr_type(g, i);
        uint64_t n = llml_gguf_arr_len(g, i);
        const uint8_t *d = (const uint8_t *)llml_gguf_arr_data(g, i);
        uint64_t j = il < 0 ? 0 : (uint64_t)il;
        if (!d || j >= n) return LLML_ERR_CORRUPT;
        switch (et) {
        case LLML_GGUF_UINT32: *out = (int64_t)llml__rd32(d + 4 * j); return LLML_OK;
        case LLML_GGUF_INT32: *out = (int64_t)(int32_t)llml__rd32(d + 4 * j); return LLML_OK;
        case LLML_GGUF_UINT64: case LLML_GGUF_INT64: *out = (int64_t)llml__rd64(d + 8 * j); return LLML_OK;
        case LLML_GGUF_UINT16: *out = (int64_t)llml__rd16(d + 2 * j); return LLML_OK;
        case LLML_GGUF_UINT8: *out = (int64_t)d[j]; return LLML_OK;
        default: return LLML_ERR_TYPE_MISMATCH;
        }
    }
    return llml_gguf_get_int(g, key, out);
}

static llml_result llml__model_get_float(const llml_gguf *g, const char *arch, const char *suffix, float *out) {
    char key[128];
    double v;
    llml_result r;
    if (!llml__model_key(key, sizeof(key), arch, suffix)) return LLML_ERR_NOT_FOUND;
    r = llml_gguf_get_float(g, key, &v);
    if (r == LLML_OK) *out = (float)v;
    return r;
}

/* ---- tensor binding ------------------------------------------------------ */

/* Bind weight `name`: it must have ne[0] == ne0 and ne[1] == ne1 (and ne[2]
   == ne2 when ne2 > 0), a format with a matrix kernel, and data. */
static llml_result llml__model_bind(llml_model *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                                    int required, llml__w *w, llml_error *err) {
    int64_t i = llml_gguf_find_tensor(m->gguf, name);
    const llml_gguf_tensor *t;
    const llml__type_traits *tr;
    memset(w, 0, sizeof(*w));
    if (i < 0) {
        if (!required) return LLML_OK;
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "tensor %s is missing", name);
        return LLML_ERR_NOT_FOUND;
    }
    t = llml_gguf_tensor_at(m->gguf, i);
    if (t->ne[0] != ne0 || t->ne[1] != ne1 || (ne2 > 0 ? t->ne[2] != ne2 : t->ne[2] != 1) || t->ne[3] != 1) {
        llml__set_error(err, LLML_ERR_BAD_SHAPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s has shape %lld x %lld x %lld, expected %lld x %lld x %lld", name,
                        (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                        (long long)ne0, (long long)ne1, (long long)(ne2 > 0 ? ne2 : 1));
        return LLML_ERR_BAD_SHAPE;
    }
    tr = llml__traits(t->type);
    if (!tr || !tr->dot) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_TYPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s has type %s, which cannot be used as a weight matrix", name,
                        tr ? tr->info.name : "unknown");
        return LLML_ERR_UNSUPPORTED_TYPE;
    }
    if (ne0 % llml__types[tr->info.vec_dot_type].info.block_size) {
        llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX,
                        "tensor %s: rows of %lld do not fit the %s activation blocks", name,
                        (long long)ne0, llml__types[tr->info.vec_dot_type].info.name);
        return LLML_ERR_BAD_SHAPE;
    }
    w->data = (const uint8_t *)t->data;
    w->type = t->type;
    w->ne[0] = ne0; w->ne[1] = ne1; w->ne[2] = ne2 > 0 ? ne2 : 1;
    w->row_bytes = llml_row_size(t->type, ne0);
    return LLML_OK;
}

/* Bind a 1-D tensor of n floats (converted to F32 when stored otherwise). */
static llml_result llml__model_vec(llml_model *m, const char *name, int64_t n, int required,
                                   const float **out, llml_error *err) {
    int64_t i = llml_gguf_find_tensor(m->gguf, name);
    const llml_gguf_tensor *t;
    const llml__type_traits *tr;
    *out = NULL;
    if (i < 0) {
        if (!required) return LLML_OK;
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "tensor %s is missing", name);
        return LLML_ERR_NOT_FOUND;
    }
    t = llml_gguf_tensor_at(m->gguf, i);
    if (t->ne[0] != n || t->ne[1] != 1 || t->ne[2] != 1 || t->ne[3] != 1) {
        llml__set_error(err, LLML_ERR_BAD_SHAPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s has %lld x %lld elements, expected %lld", name,
                        (long long)t->ne[0], (long long)t->ne[1], (long long)n);
        return LLML_ERR_BAD_SHAPE;
    }
    tr = llml__traits(t->type);
    if (!tr || n % tr->info.block_size) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_TYPE, llml_gguf_data_offset(m->gguf) + t->offset,
                        "tensor %s: type cannot be read as floats", name);
        return LLML_ERR_UNSUPPORTED_TYPE;
    }
    if (t->type == LLML_TYPE_F32 && ((uintptr_t)t->data % sizeof(float)) == 0) {
        *out = (const float *)t->data;
        return LLML_OK;
    }
    if (m->f32_pool_used + (size_t)n > m->f32_pool_size) {
        llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "internal: conversion pool too small");
        return LLML_ERR_CORRUPT;
    }
    tr->dequant(t->data, m->f32_pool + m->f32_pool_used, n);
    *out = m->f32_pool + m->f32_pool_used;
    m->f32_pool_used += (size_t)n;
    return LLML_OK;
}

/* Name of tensor "blk.<il>.<base>.weight" (or .bias). */
static const char *llml__tn(char *buf, size_t cap, int il, const char *base, const char *suffix) {
    if (il < 0) snprintf(buf, cap, "%s.%s", base, suffix);
    else snprintf(buf, cap, "blk.%d.%s.%s", il, base, suffix);
    return buf;
}

/* ---- hyperparameters and tensors per architecture ------------------------ */

static llml_result llml__model_arch(llml_model *m, llml_error *err) {
    const llml_gguf *g = m->gguf;
    llml_model_info *inf = &m->info;
    const char *arch = inf->arch;
    int64_t v, hd, hdv, n_head, n_embd, n_layer, il;
    int64_t n_ff = 0, n_expert = 0, n_used = 0, n_ff_exp = 0, n_ff_shexp = 0;
    float f;
    llml_result r;
    char name[96];
    int has_output;

#define LLML__REQ_INT(suffix, dst) do { \
        r = llml__model_get_int(g, arch, suffix, -1, &v); \
        if (r != LLML_OK || v <= 0 || v > (1 << 24)) { \
            llml__set_error(err, r == LLML_OK ? LLML_ERR_CORRUPT : r, UINT64_MAX, \
                            "model key %s.%s is %s", arch, suffix, r == LLML_OK ? "out of range" : "missing or not an integer"); \
            return r == LLML_OK ? LLML_ERR_CORRUPT : r; } \
        dst = v; } while (0)

    LLML__REQ_INT("embedding_length", n_embd);
    LLML__REQ_INT("block_count", n_layer);
    LLML__REQ_INT("attention.head_count", n_head);
    if (n_layer > 4096) { llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s.block_count is too large", arch); return LLML_ERR_CORRUPT; }
    inf->n_embd = (int32_t)n_embd;
    inf->n_layer = (int32_t)n_layer;
    inf->n_head = (int32_t)n_head;
    if (llml__model_get_int(g, arch, "context_length", -1, &v) == LLML_OK && v > 0 && v <= INT32_MAX) inf->n_ctx_train = (int32_t)v;
    else inf->n_ctx_train = 2048;
    hd = n_embd / n_head;
    if (llml__model_get_int(g, arch, "attention.key_length", -1, &v) == LLML_OK) hd = v;
    hdv = hd;
    if (llml__model_get_int(g, arch, "attention.value_length", -1, &v) == LLML_OK) hdv = v;
    if (hd <= 0 || hd > 4096 || hdv != hd) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "%s: head size %lld/%lld is not supported", arch, (long long)hd, (long long)hdv);
        return LLML_ERR_UNSUPPORTED;
    }
    inf->head_dim = (int32_t)hd;
    m->head_dim_v = (int32_t)hdv;
    inf->n_rot = (int32_t)hd;
    if (llml__model_get_int(g, arch, "rope.dimension_count", -1, &v) == LLML_OK) {
        if (v <= 0 || v > hd || (v & 1)) { llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s.rope.dimension_count %lld is invalid", arch, (long long)v); return LLML_ERR_CORRUPT; }
        inf->n_rot = (int32_t)v;
    }
    inf->norm_eps = 1e-5f;
    if (llml__model_get_float(g, arch, "attention.layer_norm_rms_epsilon", &f) == LLML_OK) inf->norm_eps = f;
    inf->rope_freq_base = 10000.0f;
    if (llml__model_get_float(g, arch, "rope.freq_base", &f) == LLML_OK) inf->rope_freq_base = f;
    inf->rope_freq_scale = 1.0f;
    if (llml__model_get_float(g, arch, "rope.scaling.factor", &f) == LLML_OK && f > 0.0f) {
        const char *type = NULL;
        char key[128];
        llml__model_key(key, sizeof(key), arch, "rope.scaling.type");
        if (llml_gguf_get_str(g, key, &type) == LLML_OK && strcmp(type, "linear") != 0 && strcmp(type, "none") != 0) {
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "%s: RoPE scaling \"%s\" is not supported (linear is)", arch, type);
            return LLML_ERR_UNSUPPORTED;
        }
        if (!type || strcmp(type, "none") != 0) inf->rope_freq_scale = 1.0f / f;
    } else if (llml__model_get_float(g, arch, "rope.scale_linear", &f) == LLML_OK && f > 0.0f) {
        inf->rope_freq_scale = 1.0f / f;
    }
    inf->rope_style = LLML_ROPE_NEOX;
    if (m->arch == LLML__ARCH_LLAMA) inf->rope_style = LLML_ROPE_NORMAL;
    if (llml__model_get_int(g, arch, "expert_count", -1, &v) == LLML_OK) n_expert = v;
    if (llml__model_get_int(g, arch, "expert_used_count", -1, &v) == LLML_OK) n_used = v;
    if (n_expert < 0 || n_expert > 1024 || n_used < 0 || n_used > n_expert || (n_expert > 0 && n_used == 0)) {
        llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s: expert counts %lld/%lld are invalid", arch, (long long)n_used, (long long)n_expert);
        return LLML_ERR_CORRUPT;
    }
    inf->n_expert = (int32_t)n_expert;
    inf->n_expert_used = (int32_t)n_used;
    if (llml__model_get_int(g, arch, "feed_forward_length", -1, &v) == LLML_OK) n_ff = v;
    if (llml__model_get_int(g, arch, "expert_feed_forward_length", -1, &v) == LLML_OK) n_ff_exp = v;
    if (llml__model_get_int(g, arch, "expert_shared_feed_forward_length", -1, &v) == LLML_OK) n_ff_shexp = v;
    if (n_ff_exp == 0) n_ff_exp = n_ff;
    if (n_ff_shexp == 0) n_ff_shexp = n_ff;
    inf->n_ff = (int32_t)(n_expert > 0 ? n_ff_exp : n_ff);
    if (llml__model_get_int(g, arch, "attention.sliding_window", -1, &v) == LLML_OK && v > 0) inf->sliding_window = (int32_t)v;

    /* per-architecture options (the reference's graph builders) */
    m->attn_scale = 1.0f / sqrtf((float)hd);
    m->attn_scale_pre = 0;
    m->gelu = 0;
    m->norm_w_experts = m->arch == LLML__ARCH_LLAMA;
    m->embd_scale = 0.0f;
    if (m->arch == LLML__ARCH_GEMMA || m->arch == LLML__ARCH_GEMMA2 || m->arch == LLML__ARCH_GEMMA3) {
        m->gelu = 1;
        m->embd_scale = sqrtf((float)n_embd);
        m->attn_scale_pre = 1;
        /* 27B variants scale by n_embd / n_head instead of the head size */
        if ((m->arch == LLML__ARCH_GEMMA2 && n_layer == 46) || (m->arch == LLML__ARCH_GEMMA3 && n_layer == 62))
            m->attn_scale = 1.0f / sqrtf((float)(n_embd / n_head));
    }
    if (m->arch == LLML__ARCH_GEMMA2) {
        m->attn_softcap = 50.0f; m->final_softcap = 30.0f;
        llml__model_get_float(g, arch, "attn_logit_softcapping", &m->attn_softcap);
        llml__model_get_float(g, arch, "final_logit_softcapping", &m->final_softcap);
        if (!inf->sliding_window) inf->sliding_window = 4096;
    }
    if (m->arch == LLML__ARCH_GEMMA3) {
        if (llml__model_get_float(g, arch, "final_logit_softcapping", &f) == LLML_OK) m->final_softcap = f;
    }
    if (m->arch == LLML__ARCH_PHI3) inf->sliding_window = 0; /* phi3's window is the training context */
    if (n_expert > 0 && m->arch != LLML__ARCH_LLAMA && m->arch != LLML__ARCH_QWEN2MOE) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "%s with experts is not supported", arch);
        return LLML_ERR_UNSUPPORTED;
    }
    if (m->arch == LLML__ARCH_QWEN2MOE && n_expert == 0) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "qwen2moe.expert_count is missing");
        return LLML_ERR_NOT_FOUND;
    }

    /* global tensors */
    {
        int64_t ti = llml_gguf_find_tensor(g, "token_embd.weight");
        const llml_gguf_tensor *t;
        if (ti < 0) { llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "tensor token_embd.weight is missing"); return LLML_ERR_NOT_FOUND; }
        t = llml_gguf_tensor_at(g, ti);
        if (t->ne[1] <= 0 || t->ne[1] > INT32_MAX) { llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "token_embd.weight has a bad vocabulary size"); return LLML_ERR_BAD_SHAPE; }
        m->n_vocab = (int32_t)t->ne[1];
        inf->n_vocab = m->n_vocab;
    }
    r = llml__model_bind(m, "token_embd.weight", n_embd, m->n_vocab, 0, 1, &m->tok_embd, err);
    if (r != LLML_OK) return r;
    r = llml__model_vec(m, "output_norm.weight", n_embd, 1, &m->output_norm, err);
    if (r != LLML_OK) return r;
    has_output = llml_gguf_find_tensor(g, "output.weight") >= 0;
    if (has_output) {
        r = llml__model_bind(m, "output.weight", n_embd, m->n_vocab, 0, 1, &m->output, err);
        if (r != LLML_OK) return r;
    } else {
        m->output = m->tok_embd;   /* tied */
    }
    r = llml__model_vec(m, "rope_freqs.weight", inf->n_rot / 2, 0, &m->rope_freqs, err);
    if (r != LLML_OK) return r;

    m->layers = (llml__layer *)llml__calloc(&m->alloc, (size_t)n_layer * sizeof(llml__layer));
    if (!m->layers) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory for %lld layers", (long long)n_layer); return LLML_ERR_OUT_OF_MEMORY; }

    for (il = 0; il < n_layer; il++) {
        llml__layer *L = &m->layers[il];
        int64_t nkv = n_head, n_q = n_head * hd, n_kv;
        int ii = (int)il;
        if (llml__model_get_int(g, arch, "attention.head_count_kv", il, &v) == LLML_OK) nkv = v;
        if (nkv <= 0 || nkv > n_head || n_head % nkv) {
            llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "%s.attention.head_count_kv %lld does not divide head_count %lld", arch, (long long)nkv, (long long)n_head);
            return LLML_ERR_CORRUPT;
        }
        if (il == 0) inf->n_head_kv = (int32_t)nkv;
        L->n_head_kv = (int32_t)nkv;
        n_kv = nkv * hd;
        L->n_ff = (int32_t)n_ff;
        L->rope_base = inf->rope_freq_base;
        L->rope_scale = inf->rope_freq_scale;
        if (m->arch == LLML__ARCH_GEMMA2) L->is_swa = (il % 2) == 0;
        if (m->arch == LLML__ARCH_GEMMA3) {
            L->is_swa = (il % 6) < 5;
            if (L->is_swa) {
                L->rope_base = 10000.0f;
                llml__model_get_float(g, arch, "rope.freq_base_swa", &L->rope_base);
                L->rope_scale = 1.0f;
            }
        }

#define LLML__VEC(field, base, suf, n, req) do { r = llml__model_vec(m, llml__tn(name, sizeof(name), ii, base, suf), n, req, &L->field, err); if (r != LLML_OK) return r; } while (0)
#define LLML__MAT(field, base, ne0, ne1, ne2, req) do { r = llml__model_bind(m, llml__tn(name, sizeof(name), ii, base, "weight"), ne0, ne1, ne2, req, &L->field, err); if (r != LLML_OK) return r; } while (0)

        LLML__VEC(attn_norm, "attn_norm", "weight", n_embd, 1);
        if (m->arch == LLML__ARCH_PHI3) {
            LLML__MAT(wqkv, "attn_qkv", n_embd, n_q + 2 * n_kv, 0, 1);
        } else {
            LLML__MAT(wq, "attn_q", n_embd, n_q, 0, 1);
            LLML__MAT(wk, "attn_k", n_embd, n_kv, 0, 1);
            LLML__MAT(wv, "attn_v", n_embd, n_kv, 0, 1);
        }
        LLML__VEC(bq, "attn_q", "bias", n_q, 0);
        LLML__VEC(bk, "attn_k", "bias", n_kv, 0);
        LLML__VEC(bv, "attn_v", "bias", n_kv, 0);
        LLML__MAT(wo, "attn_output", n_q, n_embd, 0, 1);
        if (m->arch == LLML__ARCH_QWEN3 || m->arch == LLML__ARCH_GEMMA3) {
            LLML__VEC(q_norm, "attn_q_norm", "weight", hd, 1);
            LLML__VEC(k_norm, "attn_k_norm", "weight", hd, 1);
        }
        if (m->arch == LLML__ARCH_GEMMA2 || m->arch == LLML__ARCH_GEMMA3) {
            LLML__VEC(attn_post_norm, "post_attention_norm", "weight", n_embd, 1);
            LLML__VEC(ffn_post_norm, "post_ffw_norm", "weight", n_embd, 1);
        }
        LLML__VEC(ffn_norm, "ffn_norm", "weight", n_embd, 1);
        if (n_expert > 0) {
            LLML__MAT(gate_inp, "ffn_gate_inp", n_embd, n_expert, 0, 1);
            LLML__MAT(gate_exps, "ffn_gate_exps", n_embd, n_ff_exp, n_expert, 1);
            LLML__MAT(up_exps, "ffn_up_exps", n_embd, n_ff_exp, n_expert, 1);
            LLML__MAT(down_exps, "ffn_down_exps", n_ff_exp, n_embd, n_expert, 1);
            L->n_ff = (int32_t)n_ff_exp;
            if (m->arch == LLML__ARCH_QWEN2MOE) {
                LLML__VEC(gate_inp_shexp, "ffn_gate_inp_shexp", "weight", n_embd, 0);
                LLML__MAT(gate_shexp, "ffn_gate_shexp", n_embd, n_ff_shexp, 0, 1);
                LLML__MAT(up_shexp, "ffn_up_shexp", n_embd, n_ff_shexp, 0, 1);
                LLML__MAT(down_shexp, "ffn_down_shexp", n_ff_shexp, n_embd, 0, 1);
            }
        } else if (m->arch == LLML__ARCH_PHI3) {
            LLML__MAT(ffn_up, "ffn_up", n_embd, 2 * n_ff, 0, 1);
            LLML__MAT(ffn_down, "ffn_down", n_ff, n_embd, 0, 1);
        } else {
            if (n_ff <= 0) { llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "%s.feed_forward_length is missing", arch); return LLML_ERR_NOT_FOUND; }
            LLML__MAT(ffn_gate, "ffn_gate", n_embd, n_ff, 0, 1);
            LLML__MAT(ffn_up, "ffn_up", n_embd, n_ff, 0, 1);
            LLML__MAT(ffn_down, "ffn_down", n_ff, n_embd, 0, 1);
        }
#undef LLML__VEC
#undef LLML__MAT
    }
#undef LLML__REQ_INT
    return LLML_OK;
}

/* ---- loading ------------------------------------------------------------- */

static void llml__model_destroy(llml_model *m) {
    llml_allocator a;
    if (!m) return;
    a = m->alloc;
    if (m->vocab) llml_vocab_free(m->vocab);
    if (m->layers) llml__free(&a, m->layers, (size_t)m->info.n_layer * sizeof(llml__layer));
    if (m->f32_pool) llml__free(&a, m->f32_pool, m->f32_pool_size * sizeof(float));
    if (m->owned_data) llml__free(&a, m->owned_data, m->owned_size);
    if (m->gguf) llml_gguf_close(m->gguf);
    llml__free(&a, m, sizeof(*m));
}

/* Finish loading an opened GGUF: fill in tensor data for callback sources,
   find the architecture, bind everything, load the tokenizer. */
static llml_result llml__model_init(llml_model *m, llml_error *err) {
    llml_gguf *g = m->gguf;
    const char *arch = NULL, *s;
    int64_t i, n = llml_gguf_n_tensors(g);
    size_t n_small = 0;
    llml_result r;
    int a;

    if (llml_gguf_get_str(g, "general.architecture", &arch) != LLML_OK) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "general.architecture is missing: not a model file");
        return LLML_ERR_NOT_FOUND;
    }
    for (a = 0; a < LLML__ARCH_COUNT; a++)
        if (strcmp(arch, llml__arch_names[a]) == 0) break;
    if (a == LLML__ARCH_COUNT) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_ARCH, UINT64_MAX,
                        "architecture \"%.64s\" is not supported; supported: %s", arch, llml_model_supported_archs());
        return LLML_ERR_UNSUPPORTED_ARCH;
    }
    m->arch = (llml__arch)a;
    m->info.arch = llml__arch_names[a];
    m->info.name = "";
    if (llml_gguf_get_str(g, "general.name", &s) == LLML_OK) m->info.name = s;
    m->info.chat_template = NULL;
    if (llml_gguf_get_str(g, "tokenizer.chat_template", &s) == LLML_OK) m->info.chat_template = s;
    m->info.file_type = -1;
    {
        int64_t ft;
        if (llml_gguf_get_int(g, "general.file_type", &ft) == LLML_OK && ft >= 0 && ft <= INT32_MAX) m->info.file_type = (int32_t)ft;
    }

    /* callback source: read all tensor data into one allocation */
    if (n > 0 && !llml_gguf_tensor_at(g, 0)->data) {
        uint64_t total = llml_gguf_file_size(g) - llml_gguf_data_offset(g);
        if (total > (uint64_t)SIZE_MAX - 64) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "tensor data too large for this platform"); return LLML_ERR_OUT_OF_MEMORY; }
        m->owned_size = (size_t)total + 64;
        m->owned_data = llml__alloc(&m->alloc, m->owned_size, 64);
        if (!m->owned_data) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory reading %llu bytes of weights", (unsigned long long)total); return LLML_ERR_OUT_OF_MEMORY; }
        for (i = 0; i < n; i++) {
            llml_gguf_tensor *t = (llml_gguf_tensor *)llml_gguf_tensor_at(g, i);
            uint8_t *dst = (uint8_t *)m->owned_data + t->offset;
            r = llml_gguf_read_tensor(g, i, dst, (size_t)t->size);
            if (r != LLML_OK) {
                llml__set_error(err, r, llml_gguf_data_offset(g) + t->offset, "reading tensor %s failed", t->name);
                return r;
            }
            t->data = dst;   /* the handle is ours: point its tensor infos at the copy */
        }
    }

    for (i = 0; i < n; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        uint64_t ne = (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
        m->info.n_params += ne;
        m->info.weight_bytes += t->size;
        if (t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1 && t->ne[0] < (1 << 24)) n_small += (size_t)t->ne[0];
        if (((uintptr_t)t->data % 4) != 0) {
            llml__set_error(err, LLML_ERR_BAD_ALIGNMENT, llml_gguf_data_offset(g) + t->offset,
                            "tensor %s data is not 4-byte aligned in memory (load the buffer at an aligned address)", t->name);
            return LLML_ERR_BAD_ALIGNMENT;
        }
    }
    if (n_small > 0) {
        m->f32_pool_size = n_small;
        m->f32_pool = (float *)llml__alloc(&m->alloc, n_small * sizeof(float), 64);
        if (!m->f32_pool) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    }
    r = llml__model_arch(m, err);
    if (r != LLML_OK) return r;

    r = llml_vocab_load(g, &m->alloc, &m->vocab, err);
    if (r == LLML_ERR_NOT_FOUND) {
        m->vocab = NULL;
        llml__model_log(m, LLML_LOG_WARN, "the model has no tokenizer: token ids only");
    } else if (r != LLML_OK) {
        return r;
    } else if (llml_vocab_n_tokens(m->vocab) > m->n_vocab) {
        llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX, "tokenizer has %d tokens but token_embd.weight only %d rows",
                        (int)llml_vocab_n_tokens(m->vocab), (int)m->n_vocab);
        return LLML_ERR_CORRUPT;
    }
    llml__model_log(m, LLML_LOG_INFO, "loaded %s model \"%s\": %d layers, n_embd %d, %d heads (%d kv), vocab %d, %.1f M parameters",
                    m->info.arch, m->info.name, m->info.n_layer, m->info.n_embd, m->info.n_head, m->info.n_head_kv,
                    m->n_vocab, (double)m->info.n_params / 1e6);
    return LLML_OK;
}

static llml_result llml__model_new(const llml_model_desc *desc, llml_model **out, llml_error *err) {
    llml_allocator a;
    llml_model *m;
    memset(&a, 0, sizeof(a));
    if (desc && desc->allocator) a = *desc->allocator;
    m = (llml_model *)llml__calloc(&a, sizeof(*m));
    if (!m) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    m->alloc = a;
    if (desc) { m->log = desc->log; m->log_user = desc->log_user; }
    *out = m;
    return LLML_OK;
}

static llml_result llml__model_finish(llml_model *m, llml_result r, llml_model **out, llml_error *err) {
    if (r == LLML_OK) r = llml__model_init(m, err);
    if (r != LLML_OK) {
        if (m->log) llml__model_log(m, LLML_LOG_ERROR, "%s", err ? err->message : llml_result_string(r));
        llml__model_destroy(m);
        return r;
    }
    if (err) { err->code = LLML_OK; err->offset = UINT64_MAX; err->message[0] = 0; }
    *out = m;
    return LLML_OK;
}

LLML_API llml_result llml_model_load_file(const char *path, const llml_model_desc *desc,
                                          llml_model **out, llml_error *err) {
    llml_gguf_desc gd;
    llml_model *m;
    llml_result r;
    if (out) *out = NULL;
    if (!path || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "path and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    r = llml__model_new(desc, &m, err);
    if (r != LLML_OK) return r;
    memset(&gd, 0, sizeof(gd));
    gd.allocator = &m->alloc;
    gd.no_mmap = desc ? desc->no_mmap : 0;
    r = llml_gguf_open_file(path, &gd, &m->gguf, err);
    return llml__model_finish(m, r, out, err);
}

LLML_API llml_result llml_model_load_memory(const void *data, size_t size, const llml_model_desc *desc,
                                            llml_model **out, llml_error *err) {
    llml_gguf_desc gd;
    llml_model *m;
    llml_result r;
    if (out) *out = NULL;
    if (!data || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "data and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    r = llml__model_new(desc, &m, err);
    if (r != LLML_OK) return r;
    memset(&gd, 0, sizeof(gd));
    gd.allocator = &m->alloc;
    r = llml_gguf_open_memory(data, size, &gd, &m->gguf, err);
    return llml__model_finish(m, r, out, err);
}

LLML_API llml_result llml_model_load_callback(llml_read_fn read, void *user, uint64_t size,
                                              const llml_model_desc *desc, llml_model **out, llml_error *err) {
    llml_gguf_desc gd;
    llml_model *m;
    llml_result r;
    if (out) *out = NULL;
    if (!read || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "read and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    r = llml__model_new(desc, &m, err);
    if (r != LLML_OK) return r;
    memset(&gd, 0, sizeof(gd));
    gd.allocator = &m->alloc;
    r = llml_gguf_open_callback(read, user, size, &gd, &m->gguf, err);
    return llml__model_finish(m, r, out, err);
}

LLML_API void llml_model_free(llml_model *m) { llml__model_destroy(m); }

LLML_API llml_result llml_model_get_info(const llml_model *m, llml_model_info *info) {
    if (!m || !info) return LLML_ERR_INVALID_ARG;
    *info = m->info;
    return LLML_OK;
}

LLML_API const llml_vocab *llml_model_vocab(const llml_model *m) { return m ? m->vocab : NULL; }
LLML_API const llml_gguf *llml_model_gguf(const llml_model *m) { return m ? m->gguf : NULL; }

/* ======================================================================== */
/* >>ctx  contexts: thread pool, KV cache, forward pass, state              */
/* ======================================================================== */
/* One forward pass handles a piece of up to n_batch tokens, layer by layer:
   all rows of the piece go through each matrix product together (weights
   are read once per piece). Matrix products are split by output rows over
   the threads, attention by heads; every output value is computed by one
   thread in a fixed order, so results do not depend on the thread count.
   Numerics follow the reference's CPU path: activations are converted to
   the weight format's vec_dot_type before each product (Q8_0/Q8_1/Q8_K
   blocks, F16 ...), the query to the KV cache's type, and with an F16
   cache the attention weights are rounded to F16 before meeting V. */

#if !defined(LLML_NO_THREADS) && (defined(__unix__) || defined(__unix) || defined(__APPLE__))
#define LLML__THREADS 1
#include <pthread.h>
#include <unistd.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LLML__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LLML__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#else
#define LLML__ATOMIC_LOAD(p) (*(p))
#define LLML__ATOMIC_STORE(p, v) (*(p) = (v))
#endif

#define LLML__MAX_THREADS 64

typedef llml_task_fn llml__task_fn;

/* ---- thread pool: persistent workers parked on a condition variable ----- */

typedef struct llml__pool {
    int n;                       /* threads including the caller */
    llml_parallel_for_fn host;   /* host job system, or NULL */
    void *host_user;
#ifdef LLML__THREADS
    pthread_t th[LLML__MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t cv_go, cv_done;
    uint64_t gen;
    int pending, quit, started;
    llml__task_fn fn;
    void *arg;
#endif
} llml__pool;

typedef struct llml__worker { llml__pool *p; int ith; } llml__worker;

#ifdef LLML__THREADS

static void *llml__pool_main(void *argp) {
    llml__pool *p = ((llml__worker *)argp)->p;
    int ith = ((llml__worker *)argp)->ith;
    uint64_t seen = 0;
    for (;;) {
        llml__task_fn fn;
        void *arg;
        pthread_mutex_lock(&p->mu);
        while (p->gen == seen && !p->quit) pthread_cond_wait(&p->cv_go, &p->mu);
        if (p->quit) { pthread_mutex_unlock(&p->mu); break; }
        seen = p->gen;
        fn = p->fn; arg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(arg, ith, p->n);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0) pthread_cond_signal(&p->cv_done);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}
#endif

/* workers[] must outlive the pool (it lives in the context). */
static int llml__pool_start(llml__pool *p, int n, llml__worker *workers_mem) {
    p->n = n < 1 ? 1 : n;
#ifdef LLML__THREADS
    {
        llml__worker *w = workers_mem;
        int i;
        p->gen = 0; p->pending = 0; p->quit = 0; p->started = 0;
        if (p->n == 1) return 1;
        if (pthread_mutex_init(&p->mu, NULL) != 0) { p->n = 1; return 0; }
        pthread_cond_init(&p->cv_go, NULL);
        pthread_cond_init(&p->cv_done, NULL);
        for (i = 1; i < p->n; i++) {
            w[i].p = p; w[i].ith = i;
            if (pthread_create(&p->th[i], NULL, llml__pool_main, &w[i]) != 0) break;
        }
        p->started = i - 1;
        if (i < p->n) { p->n = i; }
    }
#else
    (void)workers_mem;
    p->n = 1;
#endif
    return 1;
}

static void llml__pool_stop(llml__pool *p) {
#ifdef LLML__THREADS
    int i;
    if (p->n <= 1 && !p->started) return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->cv_go);
    pthread_mutex_unlock(&p->mu);
    for (i = 1; i <= p->started; i++) pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->cv_go);
    pthread_cond_destroy(&p->cv_done);
    pthread_mutex_destroy(&p->mu);
    p->started = 0;
#else
    (void)p;
#endif
}

static void llml__pool_run(llml__pool *p, llml__task_fn fn, void *arg) {
    if (p->host) { p->host(p->host_user, fn, arg, p->n); return; }
#ifdef LLML__THREADS
    if (p->n > 1) {
        pthread_mutex_lock(&p->mu);
        p->fn = fn; p->arg = arg;
        p->pending = p->n - 1;
        p->gen++;
        pthread_cond_broadcast(&p->cv_go);
        pthread_mutex_unlock(&p->mu);
        fn(arg, 0, p->n);
        pthread_mutex_lock(&p->mu);
        while (p->pending > 0) pthread_cond_wait(&p->cv_done, &p->mu);
        pthread_mutex_unlock(&p->mu);
        return;
    }
#endif
    fn(arg, 0, 1);
}

static int llml__cpu_count(void) {
#if defined(LLML__THREADS) && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#else
    return 1;
#endif
}

/* ---- the context --------------------------------------------------------- */

struct llml_ctx {
    const llml_model *m;
    llml_allocator alloc;
    llml_log_fn log;
    void *log_user;
    llml__kern kern;
    llml__pool pool;
    llml__worker workers[LLML__MAX_THREADS];
    int32_t n_ctx, n_batch, n_threads;
    llml_kv_type kv_type;
    llml_type kt;               /* K and V storage format              */
    uint8_t **kc, **vc;         /* per layer: n_ctx rows               */
    size_t *kv_row;             /* per layer: bytes per cached token   */
    int32_t *tokens;            /* n_ctx ids in the cache              */
    int32_t n_past;
    /* scratch for one piece of n_batch tokens */
    float *x, *cur, *q, *k, *v, *att, *ffa, *ffb, *ffo, *router;
    float *moe_y;               /* n_batch x n_used x n_embd           */
    float *moe_w;               /* n_batch x n_used weights            */
    int32_t *moe_sel;           /* n_batch x n_used experts            */
    int32_t *moe_idx;           /* tokens routed to one expert         */
    uint8_t *actq;              /* activation rows in vec_dot formats  */
    size_t actq_row;            /* bytes reserved per activation row   */
    float *th_scores;           /* n_threads x n_ctx                   */
    uint8_t *th_q;              /* n_threads x q row                   */
    float *th_v;                /* n_threads x head_dim                */
    float *rope_cos, *rope_sin; /* n_rot/2 for one position            */
    float *logits;
    size_t logits_cap;          /* floats                              */
    int32_t n_logits;           /* rows kept by the last decode        */
    int32_t logits_all;
    int32_t cancel;
    char last_error[256];
    void *mem;                  /* one block for all of the above      */
    size_t mem_size;
};

static void llml__ctx_error(llml_ctx *c, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void llml__ctx_error(llml_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
    if (c->log) c->log(c->log_user, LLML_LOG_ERROR, c->last_error);
}

/* Largest layer/feed-forward sizes the scratch must hold. */
typedef struct llml__dims {
    int64_t n_embd, n_q, n_kv_max, n_ff_max, max_cols, n_used, n_expert;
} llml__dims;

static llml__dims llml__model_dims(const llml_model *m) {
    llml__dims d;
    int il;
    memset(&d, 0, sizeof(d));
    d.n_embd = m->info.n_embd;
    d.n_q = (int64_t)m->info.n_head * m->info.head_dim;
    d.n_used = m->info.n_expert_used;
    d.n_expert = m->info.n_expert;
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        int64_t nkv = (int64_t)L->n_head_kv * m->info.head_dim;
        int64_t ff = L->n_ff;
        if (L->ffn_up.data && m->arch == LLML__ARCH_PHI3) ff = 2 * (int64_t)L->n_ff;
        if (L->gate_shexp.data && L->gate_shexp.ne[1] > ff) ff = L->gate_shexp.ne[1];
        if (nkv > d.n_kv_max) d.n_kv_max = nkv;
        if (ff > d.n_ff_max) d.n_ff_max = ff;
    }
    d.max_cols = d.n_embd;
    if (d.n_q > d.max_cols) d.max_cols = d.n_q;
    if (d.n_ff_max > d.max_cols) d.max_cols = d.n_ff_max;
    return d;
}

static size_t llml__align64(size_t n) { return (n + 63u) & ~(size_t)63u; }

/* Measure, then place: the sizing code (>>plan, llml_ctx_sizes_get) gives
   the context's one block and every buffer in it, in this order; each size
   is rounded up to 64 bytes. */
enum {
    LLML__CB_TABLES, LLML__CB_KV, LLML__CB_TOKENS, LLML__CB_X, LLML__CB_CUR, LLML__CB_Q, LLML__CB_K,
    LLML__CB_V, LLML__CB_ATT, LLML__CB_FFA, LLML__CB_FFB, LLML__CB_FFO, LLML__CB_ROUTER,
    LLML__CB_MOE_Y, LLML__CB_MOE_W, LLML__CB_MOE_SEL, LLML__CB_MOE_IDX, LLML__CB_ACTQ,
    LLML__CB_TH_SCORES, LLML__CB_TH_Q, LLML__CB_TH_V, LLML__CB_ROPE_COS, LLML__CB_ROPE_SIN,
    LLML__CB_COUNT
};
static void llml__shape_of_model(const llml_model *m, llml_shape *s);
static llml_result llml__ctx_measure(const llml_shape *s, const llml_model *m, const llml_ctx_desc *desc,
                                     uint64_t *buf, llml_ctx_sizes *out);

LLML_API llml_result llml_ctx_create(const llml_model *m, const llml_ctx_desc *desc,
                                     llml_ctx **out, llml_error *err) {
    llml_ctx_desc d;
    llml_allocator a;
    llml_ctx *c;
    llml__dims dm;
    int64_t hd, nb, il, n_layer;
    size_t off;
    uint8_t *base;
    int nth;
    if (out) *out = NULL;
    if (!m || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "model and out must not be NULL"); return LLML_ERR_INVALID_ARG; }
    memset(&d, 0, sizeof(d));
    if (desc) d = *desc;
    memset(&a, 0, sizeof(a));
    if (d.allocator) a = *d.allocator;
    else a = m->alloc;
    if (d.n_ctx < 0 || d.n_batch < 0 || d.n_threads < 0 || (unsigned)d.kv_type > (unsigned)LLML_KV_Q8_0) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "negative n_ctx/n_batch/n_threads or unknown kv_type");
        return LLML_ERR_INVALID_ARG;
    }
    if (d.n_ctx == 0) d.n_ctx = LLML__MIN(m->info.n_ctx_train, 4096);
    if (d.n_batch == 0) d.n_batch = 512;
    if (d.n_batch > d.n_ctx) d.n_batch = d.n_ctx;
    nth = d.n_threads;
    if (nth == 0) nth = d.parallel_for ? 4 : LLML__MIN(llml__cpu_count(), 8);
    if (nth > LLML__MAX_THREADS) nth = LLML__MAX_THREADS;
    if (d.n_ctx > (1 << 24)) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "n_ctx %d is too large", (int)d.n_ctx); return LLML_ERR_INVALID_ARG; }
    if (llml__gguf_check_map(m->gguf) != LLML_OK) {
        llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "the model file is shorter than when it was loaded (changed on disk): load it again");
        return LLML_ERR_IO;
    }

    c = (llml_ctx *)llml__calloc(&a, sizeof(*c));
    if (!c) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    c->m = m;
    c->alloc = a;
    c->log = d.log; c->log_user = d.log_user;
    c->n_ctx = d.n_ctx; c->n_batch = d.n_batch; c->n_threads = nth;
    c->kv_type = d.kv_type == LLML_KV_DEFAULT ? LLML_KV_F16 : d.kv_type;
    hd = m->info.head_dim;
    if (c->kv_type == LLML_KV_Q8_0 && hd % 32) {
        if (c->log) c->log(c->log_user, LLML_LOG_WARN, "head size is not a multiple of 32: Q8_0 KV cache replaced by F16");
        c->kv_type = LLML_KV_F16;
    }
    c->kt = c->kv_type == LLML_KV_F32 ? LLML_TYPE_F32 : c->kv_type == LLML_KV_Q8_0 ? LLML_TYPE_Q8_0 : LLML_TYPE_F16;
    llml__kern_init(&c->kern, (uint32_t)d.isa_cap);
    dm = llml__model_dims(m);
    nb = c->n_batch;
    n_layer = m->info.n_layer;
    c->actq_row = llml__align64((size_t)dm.max_cols * 4 + 512);

    /* measure, then place: the block and its buffers come from the sizing
       code, which sees the model's shape; the forward pass works in the
       model's own dimensions (dm) and cache rows, so the two must agree */
    {
        llml_shape s;
        llml_ctx_desc md;
        llml_ctx_sizes cs;
        uint64_t buf[LLML__CB_COUNT];
        size_t kv_start;
        int kv_ok;
        llml_result r;
        md = d;
        md.n_ctx = c->n_ctx; md.n_batch = c->n_batch; md.n_threads = nth; md.kv_type = c->kv_type;
        llml__shape_of_model(m, &s);
        r = llml__ctx_measure(&s, m, &md, buf, &cs);
        if (r != LLML_OK) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, r, UINT64_MAX, "the model's dimensions are out of the range a context can be sized for (%s)",
                            llml_result_string(r));
            return r;
        }
        if (buf[LLML__CB_CUR] != llml__align64((size_t)(nb * dm.max_cols * 4)) ||
            buf[LLML__CB_K] != llml__align64((size_t)(nb * dm.n_kv_max * 4)) ||
            buf[LLML__CB_FFA] != llml__align64((size_t)(nb * dm.n_ff_max * 4)) ||
            buf[LLML__CB_MOE_Y] != llml__align64((size_t)(nb * dm.n_used * dm.n_embd * 4)) ||
            buf[LLML__CB_ACTQ] != llml__align64((size_t)nb * c->actq_row)) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX,
                            "internal error: the context's sizes (llml_ctx_sizes_get) disagree with the model's dimensions "
                            "(n_embd %lld, widest row %lld, KV width %lld, feed-forward %lld)", (long long)dm.n_embd,
                            (long long)dm.max_cols, (long long)dm.n_kv_max, (long long)dm.n_ff_max);
            return LLML_ERR_CORRUPT;
        }
        if (cs.block_bytes > (uint64_t)SIZE_MAX / 2) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "the context needs %llu bytes (n_ctx %d), more than this platform can address",
                            (unsigned long long)cs.block_bytes, (int)d.n_ctx);
            return LLML_ERR_OUT_OF_MEMORY;
        }
        c->mem_size = (size_t)cs.block_bytes;
        c->mem = llml__alloc(&a, c->mem_size, 64);
        if (!c->mem) {
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX,
                            "out of memory for the context (%.1f MiB: n_ctx %d; try a smaller n_ctx or a Q8_0 KV cache)",
                            (double)cs.block_bytes / 1048576.0, (int)d.n_ctx);   /* c is freed */
            return LLML_ERR_OUT_OF_MEMORY;
        }
        memset(c->mem, 0, c->mem_size);
        base = (uint8_t *)c->mem;
        off = 0;
#define LLML__TAKE(T, dst, bytes) do { dst = (T)(void *)(base + off); off += llml__align64((size_t)(bytes)); } while (0)
        LLML__TAKE(uint8_t **, c->kc, (size_t)buf[LLML__CB_TABLES]);
        c->vc = c->kc + n_layer;
        c->kv_row = (size_t *)(void *)(c->vc + n_layer);
        kv_start = off;
        for (il = 0; il < n_layer; il++) {
            c->kv_row[il] = llml_row_size(c->kt, (int64_t)m->layers[il].n_head_kv * hd);
            LLML__TAKE(uint8_t *, c->kc[il], (size_t)c->n_ctx * c->kv_row[il]);
            LLML__TAKE(uint8_t *, c->vc[il], (size_t)c->n_ctx * c->kv_row[il]);
        }
        kv_ok = (uint64_t)(off - kv_start) == buf[LLML__CB_KV];
        LLML__TAKE(int32_t *, c->tokens, buf[LLML__CB_TOKENS]);
        LLML__TAKE(float *, c->x, buf[LLML__CB_X]);
        LLML__TAKE(float *, c->cur, buf[LLML__CB_CUR]);
        LLML__TAKE(float *, c->q, buf[LLML__CB_Q]);
        LLML__TAKE(float *, c->k, buf[LLML__CB_K]);
        LLML__TAKE(float *, c->v, buf[LLML__CB_V]);
        LLML__TAKE(float *, c->att, buf[LLML__CB_ATT]);
        LLML__TAKE(float *, c->ffa, buf[LLML__CB_FFA]);
        LLML__TAKE(float *, c->ffb, buf[LLML__CB_FFB]);
        LLML__TAKE(float *, c->ffo, buf[LLML__CB_FFO]);
        LLML__TAKE(float *, c->router, buf[LLML__CB_ROUTER]);
        LLML__TAKE(float *, c->moe_y, buf[LLML__CB_MOE_Y]);
        LLML__TAKE(float *, c->moe_w, buf[LLML__CB_MOE_W]);
        LLML__TAKE(int32_t *, c->moe_sel, buf[LLML__CB_MOE_SEL]);
        LLML__TAKE(int32_t *, c->moe_idx, buf[LLML__CB_MOE_IDX]);
        LLML__TAKE(uint8_t *, c->actq, buf[LLML__CB_ACTQ]);
        LLML__TAKE(float *, c->th_scores, buf[LLML__CB_TH_SCORES]);
        LLML__TAKE(uint8_t *, c->th_q, buf[LLML__CB_TH_Q]);
        LLML__TAKE(float *, c->th_v, buf[LLML__CB_TH_V]);
        LLML__TAKE(float *, c->rope_cos, buf[LLML__CB_ROPE_COS]);
        LLML__TAKE(float *, c->rope_sin, buf[LLML__CB_ROPE_SIN]);
#undef LLML__TAKE
        if (!kv_ok || off != c->mem_size) {
            llml__free(&a, c->mem, c->mem_size);
            llml__free(&a, c, sizeof(*c));
            llml__set_error(err, LLML_ERR_CORRUPT, UINT64_MAX,
                            "internal error: the context placed %llu bytes in a block of %llu (llml_ctx_sizes_get)",
                            (unsigned long long)off, (unsigned long long)cs.block_bytes);
            return LLML_ERR_CORRUPT;
        }
    }
    if (d.parallel_for) {
        c->pool.n = nth;
        c->pool.host = d.parallel_for;
        c->pool.host_user = d.parallel_for_user;
    } else {
        llml__pool_start(&c->pool, nth, c->workers);
    }
    c->n_threads = c->pool.n;
    if (c->log) {
        char buf[256];
        snprintf(buf, sizeof(buf), "context: n_ctx %d, n_batch %d, %d threads, %s kernels, KV cache %s, %.1f MiB",
                 (int)c->n_ctx, (int)c->n_batch, (int)c->n_threads, llml_isa_name(c->kern.level), llml__types[c->kt].info.name,
                 (double)c->mem_size / 1048576.0);
        c->log(c->log_user, LLML_LOG_INFO, buf);
    }
    *out = c;
    return LLML_OK;
}

LLML_API void llml_ctx_free(llml_ctx *c) {
    llml_allocator a;
    if (!c) return;
    a = c->alloc;
    if (c->mem && !c->pool.host) llml__pool_stop(&c->pool);
    if (c->logits) llml__free(&a, c->logits, c->logits_cap * sizeof(float));
    if (c->mem) llml__free(&a, c->mem, c->mem_size);
    llml__free(&a, c, sizeof(*c));
}

LLML_API const char *llml_ctx_last_error(const llml_ctx *c) { return c ? c->last_error : ""; }
LLML_API const llml_model *llml_ctx_model(const llml_ctx *c) { return c ? c->m : NULL; }
LLML_API int32_t llml_ctx_n_ctx(const llml_ctx *c) { return c ? c->n_ctx : 0; }
LLML_API int32_t llml_ctx_n_past(const llml_ctx *c) { return c ? c->n_past : 0; }
LLML_API const int32_t *llml_ctx_tokens(const llml_ctx *c) { return c ? c->tokens : NULL; }

LLML_API void llml_ctx_cancel(llml_ctx *c) { if (c) LLML__ATOMIC_STORE(&c->cancel, 1); }
/* for llml_generate: forget an old request / poll without consuming it */
LLML__UNUSED static void llml__ctx_cancel_clear(llml_ctx *c) { LLML__ATOMIC_STORE(&c->cancel, 0); }
LLML__UNUSED static int llml__ctx_cancelled(const llml_ctx *c) { return LLML__ATOMIC_LOAD(&c->cancel) != 0; }

/* ---- element-wise operations --------------------------------------------- */

/* RMS norm of n values (sum of squares in double, as the reference), times w. */
static void llml__rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps) {
    double sum = 0.0;
    float scale;
    int64_t i;
    for (i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
    scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
    for (i = 0; i < n; i++) y[i] = x[i] * scale;
    if (w) for (i = 0; i < n; i++) y[i] *= w[i];
}

static float llml__silu(float x) { return x / (1.0f + expf(-x)); }

/* GELU, tanh form, through half precision as the reference's table does:
   the input is rounded to F16 and so is the result. */
static float llml__gelu(float x) {
    float h, r;
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    h = llml_fp16_to_fp32(llml_fp32_to_fp16(x));
    r = 0.5f * h * (1.0f + tanhf(0.79788456080286535587989211986876f * h * (1.0f + 0.044715f * h * h)));
    return llml_fp16_to_fp32(llml_fp32_to_fp16(r));
}

/* cos/sin of the n_rot/2 rotary angles at position pos (may be negative:
   a shift). theta_i = pos * scale * base^(-2i/n_rot) / freq_factor_i,
   with the angle stepped in float as the reference does. */
static void llml__rope_cache(const llml_ctx *c, const llml__layer *L, float pos) {
    const llml_model *m = c->m;
    int n_rot = m->info.n_rot, i;
    float theta_scale = powf(L->rope_base, -2.0f / (float)n_rot);
    float theta = pos;
    for (i = 0; i < n_rot / 2; i++) {
        float t = theta;
        if (m->rope_freqs) t = t / m->rope_freqs[i];
        t *= L->rope_scale;
        c->rope_cos[i] = cosf(t);
        c->rope_sin[i] = sinf(t);
        theta *= theta_scale;
    }
}

static void llml__rope_apply(const llml_ctx *c, float *x, int n_heads) {
    const llml_model *m = c->m;
    int hd = m->info.head_dim, n_rot = m->info.n_rot, h, i;
    for (h = 0; h < n_heads; h++) {
        float *p = x + (size_t)h * hd;
        if (m->info.rope_style == LLML_ROPE_NEOX) {
            for (i = 0; i < n_rot / 2; i++) {
                float x0 = p[i], x1 = p[i + n_rot / 2];
                p[i] = x0 * c->rope_cos[i] - x1 * c->rope_sin[i];
                p[i + n_rot / 2] = x0 * c->rope_sin[i] + x1 * c->rope_cos[i];
            }
        } else {
            for (i = 0; i < n_rot / 2; i++) {
                float x0 = p[2 * i], x1 = p[2 * i + 1];
                p[2 * i] = x0 * c->rope_cos[i] - x1 * c->rope_sin[i];
                p[2 * i + 1] = x0 * c->rope_sin[i] + x1 * c->rope_cos[i];
            }
        }
    }
}

/* ---- matrix products ----------------------------------------------------- */

typedef struct llml__mm_task {
    const llml_ctx *c;
    const llml__w *w;
    const uint8_t *wdata;       /* expert slice */
    int64_t nt;
    float *out;
    size_t out_stride;
} llml__mm_task;

static void llml__mm_worker(void *arg, int ith, int nth) {
    const llml__mm_task *t = (const llml__mm_task *)arg;
    const llml__w *w = t->w;
    int64_t nr = w->ne[1];
    /* split rows in chunks of 16 so SIMD kernels see whole groups */
    int64_t chunks = (nr + 15) / 16;
    int64_t c0 = chunks * ith / nth, c1 = chunks * (ith + 1) / nth;
    int64_t r0 = c0 * 16, r1 = LLML__MIN(c1 * 16, nr);
    if (r0 >= r1) return;
    t->c->kern.mm[w->type](w->type, w->ne[0], t->wdata + (size_t)r0 * w->row_bytes, w->row_bytes, r1 - r0,
                           t->c->actq, t->c->actq_row, t->nt, t->out + r0, t->out_stride);
}

/* out[t][0..rows) = W(expert) x[t] for nt rows of x (stride x_stride floats). */
static void llml__matmul(llml_ctx *c, const llml__w *w, int64_t expert, const float *x, size_t x_stride,
                         int64_t nt, float *out, size_t out_stride) {
    llml__mm_task t;
    llml_type vdt = llml__types[w->type].info.vec_dot_type;
    int64_t i;
    for (i = 0; i < nt; i++) c->kern.actq[vdt](x + (size_t)i * x_stride, c->actq + (size_t)i * c->actq_row, w->ne[0]);
    t.c = c; t.w = w;
    t.wdata = w->data + (size_t)expert * (size_t)w->ne[1] * w->row_bytes;
    t.nt = nt; t.out = out; t.out_stride = out_stride;
    if (nt * w->ne[1] * w->ne[0] < 32768) llml__mm_worker(&t, 0, 1);
    else llml__pool_run(&c->pool, llml__mm_worker, &t);
}

/* ---- attention ----------------------------------------------------------- */

typedef struct llml__attn_task {
    llml_ctx *c;
    int il;
    int64_t n, pos0;
} llml__attn_task;

static void llml__attn_worker(void *arg, int ith, int nth) {
    const llml__attn_task *t = (const llml__attn_task *)arg;
    llml_ctx *c = t->c;
    const llml_model *m = c->m;
    const llml__layer *L = &m->layers[t->il];
    int64_t hd = m->info.head_dim, n_head = m->info.n_head, n_kv = L->n_head_kv;
    int64_t group = n_head / n_kv, h, i, j, d;
    int64_t n_q = n_head * hd;
    float *scores = c->th_scores + (size_t)ith * c->n_ctx;
    uint8_t *qa = c->th_q + (size_t)ith * llml__align64((size_t)hd * 4 + 64);
    float *vrow = c->th_v + (size_t)ith * hd;
    size_t row = c->kv_row[t->il];
    size_t head_bytes = llml_row_size(c->kt, hd);
    llml_type qt = llml__types[c->kt].info.vec_dot_type;
    int64_t swa = L->is_swa ? m->info.sliding_window : 0;
    float scale = m->attn_scale_pre ? 1.0f : m->attn_scale;
    for (h = ith; h < n_head; h += nth) {
        int64_t kvh = h / group;
        const uint8_t *kbase = c->kc[t->il] + (size_t)kvh * head_bytes;
        const uint8_t *vbase = c->vc[t->il] + (size_t)kvh * head_bytes;
        for (i = 0; i < t->n; i++) {
            int64_t pos = t->pos0 + i, j0 = 0, nk;
            float mx = -INFINITY, inv;
            double sum = 0.0;
            float *o = c->att + (size_t)i * n_q + (size_t)h * hd;
            if (swa > 0 && pos - swa + 1 > 0) j0 = pos - swa + 1;
            nk = pos - j0 + 1;
            c->kern.actq[qt](c->q + (size_t)i * n_q + (size_t)h * hd, qa, hd);
            c->kern.mm[c->kt](c->kt, hd, kbase + (size_t)j0 * row, row, nk, qa, 0, 1, scores, 0);
            for (j = 0; j < nk; j++) {
                float s = scores[j];
                if (m->attn_softcap > 0.0f) s = tanhf(s * (1.0f / m->attn_softcap)) * m->attn_softcap;
                s *= scale;
                scores[j] = s;
                if (s > mx) mx = s;
            }
            for (j = 0; j < nk; j++) {
                float e = expf(scores[j] - mx);
                sum += (double)e;
                scores[j] = e;
            }
            inv = (float)(1.0 / sum);
            for (d = 0; d < hd; d++) o[d] = 0.0f;
            for (j = 0; j < nk; j++) {
                float p = scores[j] * inv;
                const uint8_t *vr = vbase + (size_t)(j0 + j) * row;
                if (c->kt == LLML_TYPE_F32) {
                    const float *vf = (const float *)(const void *)vr;
                    for (d = 0; d < hd; d++) o[d] += p * vf[d];
                } else if (c->kt == LLML_TYPE_F16) {
                    p = llml_fp16_to_fp32(llml_fp32_to_fp16(p));
                    for (d = 0; d < hd; d++) o[d] += p * llml_fp16_to_fp32(llml__rd16(vr + 2 * d));
                } else {
                    llml__types[c->kt].dequant(vr, vrow, hd);
                    for (d = 0; d < hd; d++) o[d] += p * vrow[d];
                }
            }
        }
    }
}

/* Store rows of k and v (floats) into the cache of layer il at pos0.. */
static void llml__kv_store(llml_ctx *c, int il, const float *k, const float *v, int64_t n, int64_t pos0, int64_t width) {
    size_t row = c->kv_row[il];
    int64_t i;
    for (i = 0; i < n; i++) {
        uint8_t *kd = c->kc[il] + (size_t)(pos0 + i) * row;
        uint8_t *vd = c->vc[il] + (size_t)(pos0 + i) * row;
        if (c->kt == LLML_TYPE_F32) {
            memcpy(kd, k + (size_t)i * width, (size_t)width * 4);
            memcpy(vd, v + (size_t)i * width, (size_t)width * 4);
        } else {
            c->kern.actq[c->kt](k + (size_t)i * width, kd, width);
            c->kern.actq[c->kt](v + (size_t)i * width, vd, width);
        }
    }
}

/* ---- feed-forward -------------------------------------------------------- */

static void llml__act_mul(const llml_model *m, float *g, const float *u, int64_t n) {
    int64_t i;
    if (m->gelu) for (i = 0; i < n; i++) g[i] = llml__gelu(g[i]) * u[i];
    else for (i = 0; i < n; i++) g[i] = llml__silu(g[i]) * u[i];
}

/* dense FFN on n rows of cur (stride n_embd) into ffo */
static void llml__ffn_dense(llml_ctx *c, const llml__layer *L, int64_t n) {
    const llml_model *m = c->m;
    int64_t ne = m->info.n_embd, ff = L->n_ff, i;
    if (m->arch == LLML__ARCH_PHI3) {
        llml__matmul(c, &L->ffn_up, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)(2 * ff));
        for (i = 0; i < n; i++) {
            float *gu = c->ffa + (size_t)i * 2 * ff;
            llml__act_mul(m, gu, gu + ff, ff);
            memmove(c->ffb + (size_t)i * ff, gu, (size_t)ff * 4);
        }
    } else {
        llml__matmul(c, &L->ffn_gate, 0, c->cur, (size_t)ne, n, c->ffb, (size_t)ff);
        llml__matmul(c, &L->ffn_up, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)ff);
        for (i = 0; i < n; i++) llml__act_mul(m, c->ffb + (size_t)i * ff, c->ffa + (size_t)i * ff, ff);
    }
    llml__matmul(c, &L->ffn_down, 0, c->ffb, (size_t)ff, n, c->ffo, (size_t)ne);
}

/* experts: router softmax, top-k, each expert on the rows routed to it */
static void llml__ffn_moe(llml_ctx *c, const llml__layer *L, int64_t n) {
    const llml_model *m = c->m;
    int64_t ne = m->info.n_embd, ff = L->n_ff, n_exp = m->info.n_expert, k = m->info.n_expert_used;
    int64_t i, j, e, d;
    float *xe = c->ffo;   /* gathered rows (ffo is free until the end) */
    llml__matmul(c, &L->gate_inp, 0, c->cur, (size_t)ne, n, c->router, (size_t)n_exp);
    for (i = 0; i < n; i++) {
        float *p = c->router + (size_t)i * n_exp, mx = -INFINITY, inv;
        double sum = 0.0;
        int32_t *sel = c->moe_sel + (size_t)i * k;
        float *w = c->moe_w + (size_t)i * k;
        for (e = 0; e < n_exp; e++) if (p[e] > mx) mx = p[e];
        for (e = 0; e < n_exp; e++) { p[e] = expf(p[e] - mx); sum += (double)p[e]; }
        inv = (float)(1.0 / sum);
        for (e = 0; e < n_exp; e++) p[e] *= inv;
        for (j = 0; j < k; j++) {       /* top-k, largest first, lower id on ties */
            int32_t best = -1;
            for (e = 0; e < n_exp; e++) {
                int taken = 0, q;
                for (q = 0; q < j; q++) if (sel[q] == (int32_t)e) taken = 1;
                if (taken) continue;
                if (best < 0 || p[e] > p[best]) best = (int32_t)e;
            }
            sel[j] = best;
            w[j] = p[best];
        }
        if (m->norm_w_experts) {
            float s = 0.0f;
            for (j = 0; j < k; j++) s += w[j];
            for (j = 0; j < k; j++) w[j] /= s;
        }
    }
    for (e = 0; e < n_exp; e++) {
        int64_t cnt = 0;
        for (i = 0; i < n; i++)
            for (j = 0; j < k; j++)
                if (c->moe_sel[i * k + j] == (int32_t)e) c->moe_idx[cnt++] = (int32_t)(i * k + j);
        if (!cnt) continue;
        for (i = 0; i < cnt; i++) memcpy(xe + (size_t)i * ne, c->cur + (size_t)(c->moe_idx[i] / k) * ne, (size_t)ne * 4);
        llml__matmul(c, &L->gate_exps, e, xe, (size_t)ne, cnt, c->ffb, (size_t)ff);
        llml__matmul(c, &L->up_exps, e, xe, (size_t)ne, cnt, c->ffa, (size_t)ff);
        for (i = 0; i < cnt; i++) llml__act_mul(m, c->ffb + (size_t)i * ff, c->ffa + (size_t)i * ff, ff);
        llml__matmul(c, &L->down_exps, e, c->ffb, (size_t)ff, cnt, c->ffa, (size_t)ne);
        for (i = 0; i < cnt; i++) {
            float *y = c->moe_y + (size_t)c->moe_idx[i] * ne, wt = c->moe_w[c->moe_idx[i]];
            const float *src = c->ffa + (size_t)i * ne;
            for (d = 0; d < ne; d++) y[d] = src[d] * wt;
        }
    }
    for (i = 0; i < n; i++) {
        float *o = c->ffo + (size_t)i * ne;
        const float *y = c->moe_y + (size_t)i * k * ne;
        for (d = 0; d < ne; d++) o[d] = y[d];
        for (j = 1; j < k; j++) for (d = 0; d < ne; d++) o[d] += y[(size_t)j * ne + d];
    }
    if (L->gate_shexp.data) {
        int64_t ffs = L->gate_shexp.ne[1];
        float *gs = c->router + (size_t)n * n_exp;   /* n spare floats after the router rows */
        for (i = 0; i < n; i++) {
            if (L->gate_inp_shexp) {
                double s = 0.0;
                const float *xr = c->cur + (size_t)i * ne;
                for (d = 0; d < ne; d++) s += (double)(xr[d] * L->gate_inp_shexp[d]);
                gs[i] = 1.0f / (1.0f + expf(-(float)s));
            } else {
                gs[i] = 1.0f;
            }
        }
        llml__matmul(c, &L->gate_shexp, 0, c->cur, (size_t)ne, n, c->ffb, (size_t)ffs);
        llml__matmul(c, &L->up_shexp, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)ffs);
        for (i = 0; i < n; i++) llml__act_mul(m, c->ffb + (size_t)i * ffs, c->ffa + (size_t)i * ffs, ffs);
        llml__matmul(c, &L->down_shexp, 0, c->ffb, (size_t)ffs, n, c->ffa, (size_t)ne);
        for (i = 0; i < n; i++)
            for (d = 0; d < ne; d++) c->ffo[(size_t)i * ne + d] += c->ffa[(size_t)i * ne + d] * gs[i];
    }
}

/* ---- one piece ----------------------------------------------------------- */

/* Run n tokens at positions pos0.. through the model; when out_rows > 0
   compute logits for the last out_rows tokens of the piece into dst. */
static llml_result llml__forward(llml_ctx *c, const int32_t *tokens, int64_t n, int64_t pos0,
                                 int64_t out_rows, float *dst) {
    const llml_model *m = c->m;
    int64_t ne = m->info.n_embd, hd = m->info.head_dim, n_head = m->info.n_head;
    int64_t n_q = n_head * hd, i, d;
    int il;
    float eps = m->info.norm_eps;
    for (i = 0; i < n; i++) {
        float *xr = c->x + (size_t)i * ne;
        const llml__w *te = &m->tok_embd;
        llml__types[te->type].dequant(te->data + (size_t)tokens[i] * te->row_bytes, xr, ne);
        if (m->embd_scale > 0.0f) for (d = 0; d < ne; d++) xr[d] *= m->embd_scale;
    }
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        int64_t n_kv = (int64_t)L->n_head_kv * hd;
        llml__attn_task at;
        if (LLML__ATOMIC_LOAD(&c->cancel)) {
            LLML__ATOMIC_STORE(&c->cancel, 0);
            llml__ctx_error(c, "decode cancelled");
            return LLML_ERR_ABORTED;
        }
        for (i = 0; i < n; i++) llml__rmsnorm(c->cur + (size_t)i * ne, c->x + (size_t)i * ne, L->attn_norm, ne, eps);
        if (L->wqkv.data) {
            int64_t w3 = n_q + 2 * n_kv;
            llml__matmul(c, &L->wqkv, 0, c->cur, (size_t)ne, n, c->ffa, (size_t)w3);
            for (i = 0; i < n; i++) {
                const float *r = c->ffa + (size_t)i * w3;
                memcpy(c->q + (size_t)i * n_q, r, (size_t)n_q * 4);
                memcpy(c->k + (size_t)i * n_kv, r + n_q, (size_t)n_kv * 4);
                memcpy(c->v + (size_t)i * n_kv, r + n_q + n_kv, (size_t)n_kv * 4);
            }
        } else {
            llml__matmul(c, &L->wq, 0, c->cur, (size_t)ne, n, c->q, (size_t)n_q);
            llml__matmul(c, &L->wk, 0, c->cur, (size_t)ne, n, c->k, (size_t)n_kv);
            llml__matmul(c, &L->wv, 0, c->cur, (size_t)ne, n, c->v, (size_t)n_kv);
        }
        for (i = 0; i < n; i++) {
            float *qr = c->q + (size_t)i * n_q, *kr = c->k + (size_t)i * n_kv, *vr = c->v + (size_t)i * n_kv;
            int64_t h;
            if (L->bq) for (d = 0; d < n_q; d++) qr[d] += L->bq[d];
            if (L->bk) for (d = 0; d < n_kv; d++) kr[d] += L->bk[d];
            if (L->bv) for (d = 0; d < n_kv; d++) vr[d] += L->bv[d];
            if (L->q_norm) for (h = 0; h < n_head; h++) llml__rmsnorm(qr + h * hd, qr + h * hd, L->q_norm, hd, eps);
            if (L->k_norm) for (h = 0; h < L->n_head_kv; h++) llml__rmsnorm(kr + h * hd, kr + h * hd, L->k_norm, hd, eps);
            llml__rope_cache(c, L, (float)(pos0 + i));
            llml__rope_apply(c, qr, (int)n_head);
            llml__rope_apply(c, kr, L->n_head_kv);
            if (m->attn_scale_pre) for (d = 0; d < n_q; d++) qr[d] *= m->attn_scale;
        }
        llml__kv_store(c, il, c->k, c->v, n, pos0, n_kv);
        at.c = c; at.il = il; at.n = n; at.pos0 = pos0;
        if (n * n_head >= 4 && c->pool.n > 1) llml__pool_run(&c->pool, llml__attn_worker, &at);
        else llml__attn_worker(&at, 0, 1);
        llml__matmul(c, &L->wo, 0, c->att, (size_t)n_q, n, c->cur, (size_t)ne);
        if (L->attn_post_norm)
            for (i = 0; i < n; i++) llml__rmsnorm(c->cur + (size_t)i * ne, c->cur + (size_t)i * ne, L->attn_post_norm, ne, eps);
        for (i = 0; i < n * ne; i++) c->x[i] += c->cur[i];
        for (i = 0; i < n; i++) llml__rmsnorm(c->cur + (size_t)i * ne, c->x + (size_t)i * ne, L->ffn_norm, ne, eps);
        if (m->info.n_expert > 0) llml__ffn_moe(c, L, n);
        else llml__ffn_dense(c, L, n);
        if (L->ffn_post_norm)
            for (i = 0; i < n; i++) llml__rmsnorm(c->ffo + (size_t)i * ne, c->ffo + (size_t)i * ne, L->ffn_post_norm, ne, eps);
        for (i = 0; i < n * ne; i++) c->x[i] += c->ffo[i];
    }
    if (out_rows > 0) {
        int64_t first = n - out_rows;
        for (i = 0; i < out_rows; i++)
            llml__rmsnorm(c->cur + (size_t)i * ne, c->x + (size_t)(first + i) * ne, m->output_norm, ne, eps);
        llml__matmul(c, &m->output, 0, c->cur, (size_t)ne, out_rows, dst, (size_t)m->n_vocab);
        if (m->final_softcap > 0.0f) {
            float cap = m->final_softcap;
            for (i = 0; i < out_rows * (int64_t)m->n_vocab; i++) dst[i] = tanhf(dst[i] * (1.0f / cap)) * cap;
        }
    }
    return LLML_OK;
}

static llml_result llml__logits_reserve(llml_ctx *c, size_t floats) {
    float *p;
    if (floats <= c->logits_cap) return LLML_OK;
    p = (float *)llml__alloc(&c->alloc, floats * sizeof(float), 64);
    if (!p) return LLML_ERR_OUT_OF_MEMORY;
    if (c->logits) llml__free(&c->alloc, c->logits, c->logits_cap * sizeof(float));
    c->logits = p;
    c->logits_cap = floats;
    return LLML_OK;
}

LLML_API llml_result llml_decode(llml_ctx *c, const int32_t *tokens, int32_t n, uint32_t flags) {
    int32_t i, done;
    int all = (flags & LLML_DECODE_ALL_LOGITS) != 0;
    size_t nv;
    llml_result r;
    if (!c) return LLML_ERR_INVALID_ARG;
    if (!tokens || n <= 0) { llml__ctx_error(c, "llml_decode: no tokens"); return LLML_ERR_INVALID_ARG; }
    nv = (size_t)c->m->n_vocab;
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->m->n_vocab) {
            llml__ctx_error(c, "llml_decode: token %d at index %d is out of range (vocabulary %d)", (int)tokens[i], (int)i, (int)c->m->n_vocab);
            return LLML_ERR_INVALID_ARG;
        }
    if (llml__gguf_check_map(c->m->gguf) != LLML_OK) {   /* one fstat: see manual, Limits */
        llml__ctx_error(c, "the model file is shorter than when it was loaded (changed on disk): load it again");
        return LLML_ERR_IO;
    }
    if ((int64_t)c->n_past + n > c->n_ctx) {
        llml__ctx_error(c, "context full: %d tokens in the cache + %d new > n_ctx %d (use llml_ctx_shift or a larger n_ctx)",
                        (int)c->n_past, (int)n, (int)c->n_ctx);
        return LLML_ERR_CONTEXT_FULL;
    }
    if ((size_t)n > SIZE_MAX / sizeof(float) / nv) return LLML_ERR_OUT_OF_MEMORY;
    r = llml__logits_reserve(c, all ? (size_t)n * nv : nv);
    if (r != LLML_OK) { llml__ctx_error(c, "out of memory for logits"); return r; }
    c->n_logits = 0;
    c->logits_all = all;
    for (done = 0; done < n; ) {
        int32_t piece = LLML__MIN(c->n_batch, n - done);
        int last = done + piece == n;
        int64_t out_rows = all ? piece : (last ? 1 : 0);
        float *dst = all ? c->logits + (size_t)done * nv : c->logits;
        r = llml__forward(c, tokens + done, piece, c->n_past, out_rows, dst);
        if (r != LLML_OK) { c->n_logits = 0; return r; }
        memcpy(c->tokens + c->n_past, tokens + done, (size_t)piece * sizeof(int32_t));
        c->n_past += piece;
        done += piece;
    }
    c->n_logits = all ? n : 1;
    c->last_error[0] = 0;
    return LLML_OK;
}

LLML_API const float *llml_get_logits(const llml_ctx *c, int32_t i) {
    if (!c || c->n_logits <= 0) return NULL;
    if (c->logits_all) {
        if (i < 0) i = c->n_logits + i;
        if (i < 0 || i >= c->n_logits) return NULL;
        return c->logits + (size_t)i * (size_t)c->m->n_vocab;
    }
    if (i == -1) return c->logits;
    return NULL;
}

LLML_API void llml_ctx_clear(llml_ctx *c) {
    if (!c) return;
    c->n_past = 0;
    c->n_logits = 0;
}

LLML_API llml_result llml_ctx_truncate(llml_ctx *c, int32_t n) {
    if (!c || n < 0 || n > c->n_past) return LLML_ERR_INVALID_ARG;
    c->n_past = n;
    if (n == 0) c->n_logits = 0;
    return LLML_OK;
}

LLML_API llml_result llml_ctx_shift(llml_ctx *c, int32_t n_keep, int32_t n_discard) {
    const llml_model *m;
    int64_t hd, il, j, h;
    float *tmp;
    if (!c || n_keep < 0 || n_discard < 0 || (int64_t)n_keep + n_discard > c->n_past) return LLML_ERR_INVALID_ARG;
    if (n_discard == 0) return LLML_OK;
    m = c->m;
    hd = m->info.head_dim;
    tmp = c->k;   /* scratch row: at least n_kv floats */
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        size_t row = c->kv_row[il];
        int64_t width = (int64_t)L->n_head_kv * hd;
        llml__rope_cache(c, L, (float)(-n_discard));
        for (j = n_keep + n_discard; j < c->n_past; j++) {
            uint8_t *ks = c->kc[il] + (size_t)j * row, *kd = c->kc[il] + (size_t)(j - n_discard) * row;
            llml__types[c->kt].dequant(ks, tmp, width);
            llml__rope_apply(c, tmp, L->n_head_kv);
            if (c->kt == LLML_TYPE_F32) memcpy(kd, tmp, (size_t)width * 4);
            else c->kern.actq[c->kt](tmp, kd, width);
            memmove(c->vc[il] + (size_t)(j - n_discard) * row, c->vc[il] + (size_t)j * row, row);
        }
        (void)h;
    }
    memmove(c->tokens + n_keep, c->tokens + n_keep + n_discard, (size_t)(c->n_past - n_keep - n_discard) * sizeof(int32_t));
    c->n_past -= n_discard;
    return LLML_OK;
}

/* ---- state --------------------------------------------------------------- */

#define LLML__STATE_MAGIC 0x54534c4cu  /* "LLST" */

static size_t llml__state_bytes(const llml_ctx *c) {
    size_t n = 8 * 4 + (size_t)c->n_past * 4;
    int il;
    for (il = 0; il < c->m->info.n_layer; il++) n += 2 * (size_t)c->n_past * c->kv_row[il];
    if (c->n_logits > 0) n += (size_t)c->m->n_vocab * 4;
    return n;
}

LLML_API llml_result llml_state_save(const llml_ctx *c, void *buf, size_t cap, size_t *n) {
    size_t need, off = 0;
    uint8_t *p = (uint8_t *)buf;
    uint32_t hdr[8];
    int il;
    if (!c || !n) return LLML_ERR_INVALID_ARG;
    need = llml__state_bytes(c);
    *n = need;
    if (cap < need) return LLML_ERR_BUFFER_TOO_SMALL;
    if (!buf) return LLML_ERR_INVALID_ARG;
    hdr[0] = LLML__STATE_MAGIC; hdr[1] = 1;
    hdr[2] = (uint32_t)c->m->info.n_layer; hdr[3] = (uint32_t)c->m->info.n_embd;
    hdr[4] = (uint32_t)c->kt; hdr[5] = (uint32_t)c->n_past;
    hdr[6] = (uint32_t)c->m->n_vocab; hdr[7] = c->n_logits > 0;
    memcpy(p, hdr, sizeof(hdr)); off += sizeof(hdr);
    memcpy(p + off, c->tokens, (size_t)c->n_past * 4); off += (size_t)c->n_past * 4;
    for (il = 0; il < c->m->info.n_layer; il++) {
        size_t b = (size_t)c->n_past * c->kv_row[il];
        memcpy(p + off, c->kc[il], b); off += b;
        memcpy(p + off, c->vc[il], b); off += b;
    }
    if (c->n_logits > 0) {
        const float *l = llml_get_logits(c, -1);
        memcpy(p + off, l, (size_t)c->m->n_vocab * 4); off += (size_t)c->m->n_vocab * 4;
    }
    return LLML_OK;
}

LLML_API llml_result llml_state_load(llml_ctx *c, const void *buf, size_t size) {
    const uint8_t *p = (const uint8_t *)buf;
    uint32_t hdr[8];
    size_t off = sizeof(hdr), need;
    int il;
    int32_t i, saved_past;
    if (!c || !buf) return LLML_ERR_INVALID_ARG;
    if (size < sizeof(hdr)) { llml__ctx_error(c, "state: %llu bytes is too short", (unsigned long long)size); return LLML_ERR_TRUNCATED; }
    memcpy(hdr, p, sizeof(hdr));
    if (hdr[0] != LLML__STATE_MAGIC || hdr[1] != 1) { llml__ctx_error(c, "state: not an llmlite state buffer"); return LLML_ERR_BAD_MAGIC; }
    if (hdr[2] != (uint32_t)c->m->info.n_layer || hdr[3] != (uint32_t)c->m->info.n_embd || hdr[6] != (uint32_t)c->m->n_vocab) {
        llml__ctx_error(c, "state: saved from another model"); return LLML_ERR_INVALID_ARG;
    }
    if (hdr[4] != (uint32_t)c->kt) { llml__ctx_error(c, "state: saved with another KV cache type"); return LLML_ERR_INVALID_ARG; }
    if (hdr[5] > (uint32_t)c->n_ctx) { llml__ctx_error(c, "state: %u tokens do not fit n_ctx %d", hdr[5], (int)c->n_ctx); return LLML_ERR_CONTEXT_FULL; }
    saved_past = (int32_t)hdr[5];
    need = sizeof(hdr) + (size_t)saved_past * 4;
    for (il = 0; il < c->m->info.n_layer; il++) need += 2 * (size_t)saved_past * c->kv_row[il];
    if (hdr[7]) need += (size_t)c->m->n_vocab * 4;
    if (size < need) { llml__ctx_error(c, "state: %llu bytes, expected %llu", (unsigned long long)size, (unsigned long long)need); return LLML_ERR_TRUNCATED; }
    for (i = 0; i < saved_past; i++) {
        int32_t t;
        memcpy(&t, p + off + (size_t)i * 4, 4);
        if (t < 0 || t >= c->m->n_vocab) { llml__ctx_error(c, "state: token %d out of range", (int)t); return LLML_ERR_CORRUPT; }
    }
    if (hdr[7] && llml__logits_reserve(c, (size_t)c->m->n_vocab) != LLML_OK) return LLML_ERR_OUT_OF_MEMORY;
    memcpy(c->tokens, p + off, (size_t)saved_past * 4); off += (size_t)saved_past * 4;
    for (il = 0; il < c->m->info.n_layer; il++) {
        size_t b = (size_t)saved_past * c->kv_row[il];
        memcpy(c->kc[il], p + off, b); off += b;
        memcpy(c->vc[il], p + off, b); off += b;
    }
    c->n_past = saved_past;
    c->n_logits = 0;
    if (hdr[7]) {
        memcpy(c->logits, p + off, (size_t)c->m->n_vocab * 4);
        c->n_logits = 1;
        c->logits_all = 0;
    }
    return LLML_OK;
}

/* ------------------------------------------------------------------------ */
/* >>generate  llml_generate: prompt, cache reuse, sampling loop, stops      */
/* ------------------------------------------------------------------------ */
/* Built on the public low-level calls only (tokenize, decode, logits,
   sampler, pieces, chat formats), plus what the context section offers
   inside the library: its allocator, its last-error text, and the cancel
   request (polled before each token and consumed there; the decodes
   consume it when they abort; a request made before the call cancels it,
   as llml_ctx_cancel says).
   Steps: prompt text (or the conversation in the model's chat format) ->
   tokens -> keep the longest prefix the cache already holds (at least one
   token is always decoded again, so that there are logits to sample from)
   -> decode the rest -> loop { sample; end-of-generation token: stop (it is
   neither shown nor decoded); cache full: shift or stop; emit the piece;
   decode it }. Every emitted token is decoded, so afterwards the cache holds
   prompt + generated tokens and a follow-up call reuses all of them.
   Stop strings: the text not yet passed to the callback is kept in `pend`.
   After each piece, the earliest complete stop string in pend ends the
   generation (the text before it is emitted, the rest dropped); otherwise
   the longest tail of pend that could still grow into a stop string is held
   back and the text before it emitted. Held-back text that never became a
   stop string is flushed at the end by one call with token -1. */

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#elif defined(__unix__) || defined(__unix) || defined(__APPLE__)
#define LLML__GEN_POSIX 1
#include <sys/time.h>
#endif
#include <time.h>

/* Wall-clock milliseconds (only differences are used). */
static double llml__gen_now_ms(void) {
#if defined(_WIN32)
    LARGE_INTEGER f, t;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1000.0 / (double)f.QuadPart;
#elif defined(LLML__GEN_POSIX)
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
#else
    return (double)clock() * 1000.0 / (double)CLOCKS_PER_SEC;
#endif
}

typedef struct llml__gen {
    llml_ctx *c;
    const llml_allocator *a;
    const llml_vocab *v;
    const llml_generate_desc *d;
    char *pend;                /* text not yet given to the callback        */
    size_t pend_len, pend_cap;
    char *piece;               /* the current token's bytes                 */
    size_t piece_cap;
} llml__gen;

/* Make *buf hold at least `need` bytes (contents kept). 0 on failure. */
static int llml__gen_reserve(const llml_allocator *a, char **buf, size_t *cap, size_t keep, size_t need) {
    char *nb;
    size_t nc;
    if (need <= *cap) return 1;
    nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > ((size_t)-1) / 2) return 0;
        nc *= 2;
    }
    nb = (char *)llml__alloc(a, nc, 16);
    if (!nb) return 0;
    if (keep) memcpy(nb, *buf, keep);
    llml__free(a, *buf, *cap);
    *buf = nb;
    *cap = nc;
    return 1;
}

/* The prompt text: desc->prompt as is, or the conversation in its chat
   format with the assistant prefix. *owned is set when the text was
   allocated (size *owned_cap). */
static llml_result llml__gen_prompt_text(llml__gen *g, const char **text, size_t *len,
                                         char **owned, size_t *owned_cap) {
    const llml_generate_desc *d = g->d;
    llml_chat_style style = d->style;
    llml_result r;
    size_t need = 0;
    *owned = NULL;
    *owned_cap = 0;
    if (d->prompt) {
        *text = d->prompt;
        *len = strlen(d->prompt);
        return LLML_OK;
    }
    if (style == LLML_CHAT_UNKNOWN) {
        llml_model_info info;
        llml_error e;
        r = llml_model_get_info(llml_ctx_model(g->c), &info);
        if (r != LLML_OK) return r;
        if (!info.chat_template) {
            llml__ctx_error(g->c, "llml_generate: the model has no chat template "
                                   "(tokenizer.chat_template); set desc->style or pass a prompt");
            return LLML_ERR_NOT_FOUND;
        }
        memset(&e, 0, sizeof(e));
        r = llml_chat_detect(info.chat_template, &style, &e);
        if (r != LLML_OK) {
            llml__ctx_error(g->c, "llml_generate: %s", e.message[0] ? e.message
                                   : "the model's chat template is not supported; set desc->style");
            return r;
        }
    }
    r = llml_chat_format(style, d->messages, d->n_messages, 1, NULL, 0, &need);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) {
        llml__ctx_error(g->c, "llml_generate: cannot format the messages as %s",
                         llml_chat_style_name(style));
        return r;
    }
    if (need == (size_t)-1) return LLML_ERR_OUT_OF_MEMORY;
    *owned_cap = need + 1;
    *owned = (char *)llml__alloc(g->a, *owned_cap, 16);
    if (!*owned) { *owned_cap = 0; return LLML_ERR_OUT_OF_MEMORY; }
    r = llml_chat_format(style, d->messages, d->n_messages, 1, *owned, *owned_cap, &need);
    if (r != LLML_OK) return r;
    *text = *owned;
    *len = need;
    return LLML_OK;
}

/* Tokenize into an array allocated here (size *cap ids). */
static llml_result llml__gen_tokenize(llml__gen *g, const char *text, size_t len, uint32_t flags,
                                      int32_t **toks, size_t *n, size_t *cap) {
    llml_result r;
    *toks = NULL;
    *cap = 0;
    r = llml_tokenize(g->v, text, len, flags, NULL, 0, n);
    if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return r;
    if (*n > (size_t)INT32_MAX || *n > ((size_t)-1) / sizeof(int32_t) - 1) return LLML_ERR_OUT_OF_MEMORY;
    *cap = *n ? *n : 1;
    *toks = (int32_t *)llml__alloc(g->a, *cap * sizeof(int32_t), 16);
    if (!*toks) { *cap = 0; return LLML_ERR_OUT_OF_MEMORY; }
    return llml_tokenize(g->v, text, len, flags, *toks, *cap, n);
}

/* The bytes of token t into g->piece; length in *len. */
static llml_result llml__gen_piece(llml__gen *g, int32_t t, size_t *len) {
    llml_result r;
    size_t n = 0;
    if (!g->piece && !llml__gen_reserve(g->a, &g->piece, &g->piece_cap, 0, 64)) return LLML_ERR_OUT_OF_MEMORY;
    r = llml_token_to_piece(g->v, t, 0, g->piece, g->piece_cap, &n);
    if (r == LLML_ERR_BUFFER_TOO_SMALL) {
        if (n > ((size_t)-1) - 1 || !llml__gen_reserve(g->a, &g->piece, &g->piece_cap, 0, n + 1))
            return LLML_ERR_OUT_OF_MEMORY;
        r = llml_token_to_piece(g->v, t, 0, g->piece, g->piece_cap, &n);
    }
    if (r != LLML_OK) return r;
    *len = n;
    return LLML_OK;
}

/* 1 when s[0..n) == stop[0..n) for a stop string longer than n. */
static int llml__gen_stop_prefix(const llml_generate_desc *d, const char *s, size_t n) {
    int32_t i;
    for (i = 0; i < d->n_stop; i++) {
        size_t sl = strlen(d->stop[i]);
        if (sl > n && memcmp(d->stop[i], s, n) == 0) return 1;
    }
    return 0;
}

/* Call the callback with pend[0..n) (NUL-terminated for the call). */
static int llml__gen_call(llml__gen *g, int32_t token, size_t n) {
    char saved;
    int stop;
    if (!g->d->on_token) return 0;
    saved = g->pend[n];
    g->pend[n] = 0;
    stop = g->d->on_token(g->d->user, token, g->pend, n);
    g->pend[n] = saved;
    return stop != 0;
}

/* Add token t's piece to the pending text and pass on what is safe.
   *found_stop: a stop string completed; return: callback asked to stop. */
static llml_result llml__gen_emit(llml__gen *g, int32_t t, int *found_stop, int *cb_stop) {
    const llml_generate_desc *d = g->d;
    llml_result r;
    size_t plen = 0, out, i;
    *found_stop = 0;
    *cb_stop = 0;
    r = llml__gen_piece(g, t, &plen);
    if (r != LLML_OK) return r;
    if (plen > ((size_t)-1) - g->pend_len - 1 ||
        !llml__gen_reserve(g->a, &g->pend, &g->pend_cap, g->pend_len, g->pend_len + plen + 1))
        return LLML_ERR_OUT_OF_MEMORY;
    memcpy(g->pend + g->pend_len, g->piece, plen);
    g->pend_len += plen;
    g->pend[g->pend_len] = 0;
    out = g->pend_len;
    if (d->n_stop > 0) {
        /* earliest complete stop string (earliest start, any of them) */
        size_t best = g->pend_len;
        int32_t k;
        for (k = 0; k < d->n_stop; k++) {
            size_t sl = strlen(d->stop[k]);
            if (sl == 0 || sl > g->pend_len) continue;
            for (i = 0; i + sl <= g->pend_len && i < best; i++)
                if (memcmp(g->pend + i, d->stop[k], sl) == 0) { best = i; break; }
        }
        if (best < g->pend_len) {
            *found_stop = 1;
            out = best;
        } else {
            /* hold back the longest tail that a stop string starts with */
            for (i = 0; i < g->pend_len; i++)
                if (llml__gen_stop_prefix(d, g->pend + i, g->pend_len - i)) break;
            out = i;
        }
    }
    *cb_stop = llml__gen_call(g, t, out);
    if (*found_stop) {
        g->pend_len = 0;
    } else {
        memmove(g->pend, g->pend + out, g->pend_len - out);
        g->pend_len -= out;
    }
    return LLML_OK;
}

/* Make room for one more token: shift as desc->n_keep says. 1 = done,
   0 = cannot (stop with reason 5). */
static int llml__gen_make_room(llml__gen *g) {
    llml_ctx *c = g->c;
    int32_t n_past = llml_ctx_n_past(c), keep = g->d->n_keep, n_discard;
    if (n_past < llml_ctx_n_ctx(c)) return 1;
    if (keep < 0) return 0;
    if (keep == 0) {
        int32_t bos = llml_vocab_special(g->v, LLML_TOKEN_BOS);
        const int32_t *ct = llml_ctx_tokens(c);
        keep = (bos >= 0 && n_past > 0 && ct && ct[0] == bos) ? 1 : 0;
    }
    if (keep > n_past) keep = n_past;
    n_discard = (n_past - keep) / 2;
    if (n_discard < 1) return 0;
    return llml_ctx_shift(c, keep, n_discard) == LLML_OK;
}

LLML_API llml_result llml_generate(llml_ctx *c, const llml_generate_desc *desc,
                                   llml_generate_result *res) {
    llml_generate_result dummy;
    llml__gen g;
    llml_model_info info;
    llml_sampler *smp = NULL;
    const char *text = NULL;
    char *owned = NULL;
    size_t owned_cap = 0, text_len = 0, n_prompt = 0, tok_cap = 0;
    int32_t *toks = NULL, i, n_ctx, n_past, cp;
    const int32_t *cached;
    llml_result r = LLML_OK;
    double t_start, t_gen = -1.0;
    int reason = -1;

    if (!res) res = &dummy;
    memset(res, 0, sizeof(*res));
    res->stop_reason = -1;
    if (!c) return LLML_ERR_INVALID_ARG;
    if (!desc || (!desc->prompt && (!desc->messages || desc->n_messages == 0)) ||
        desc->max_tokens < 0 || desc->n_stop < 0 || (desc->n_stop > 0 && !desc->stop) ||
        desc->n_keep < -1 || (int)desc->style < 0 || desc->style >= LLML_CHAT_STYLE_COUNT) {
        llml__ctx_error(c, "llml_generate: bad desc (no prompt or messages, negative max_tokens, "
                            "n_stop or n_keep, stop NULL, or unknown style)");
        return LLML_ERR_INVALID_ARG;
    }
    for (i = 0; i < desc->n_stop; i++)
        if (!desc->stop[i]) {
            llml__ctx_error(c, "llml_generate: stop[%d] is NULL", (int)i);
            return LLML_ERR_INVALID_ARG;
        }
    t_start = llml__gen_now_ms();

    memset(&g, 0, sizeof(g));
    g.c = c;
    g.a = &c->alloc;
    g.v = llml_model_vocab(llml_ctx_model(c));
    g.d = desc;
    r = llml_model_get_info(llml_ctx_model(c), &info);
    if (r != LLML_OK) goto done;

    /* ---- prompt -> tokens -> reuse the cached prefix -> decode the rest */
    r = llml__gen_prompt_text(&g, &text, &text_len, &owned, &owned_cap);
    if (r != LLML_OK) goto done;
    r = llml__gen_tokenize(&g, text, text_len,
                           desc->no_special ? 0u : (LLML_TOKENIZE_ADD_SPECIAL | LLML_TOKENIZE_PARSE_SPECIAL),
                           &toks, &n_prompt, &tok_cap);
    if (r != LLML_OK) goto done;
    n_ctx = llml_ctx_n_ctx(c);
    res->n_prompt = (int32_t)n_prompt;
    if (n_prompt == 0) {
        llml__ctx_error(c, "llml_generate: the prompt gives no tokens");
        r = LLML_ERR_INVALID_ARG;
        goto done;
    }
    if (n_prompt > (size_t)n_ctx) {
        llml__ctx_error(c, "llml_generate: the prompt has %d tokens, the context holds %d",
                         (int)n_prompt, (int)n_ctx);
        r = LLML_ERR_CONTEXT_FULL;
        goto done;
    }
    n_past = llml_ctx_n_past(c);
    cached = llml_ctx_tokens(c);
    cp = 0;
    while (cp < n_past && cp < (int32_t)n_prompt && cached[cp] == toks[cp]) cp++;
    if (cp == (int32_t)n_prompt) cp--;  /* decode the last one again for its logits */
    if (cp < n_past) {
        r = llml_ctx_truncate(c, cp);
        if (r != LLML_OK) goto done;
    }
    res->n_reused = cp;
    r = llml_decode(c, toks + cp, (int32_t)n_prompt - cp, 0);
    if (r == LLML_ERR_ABORTED) { reason = 4; goto done; }
    if (r != LLML_OK) goto done;
    t_gen = llml__gen_now_ms();

    /* ---- sampler; penalties see the prompt's last tokens */
    r = llml_sampler_create(&desc->sampling, info.n_vocab, g.a, &smp);
    if (r != LLML_OK) {
        llml__ctx_error(c, "llml_generate: bad sampling settings");
        goto done;
    }
    if (desc->sampling.penalty_last_n > 0) {
        size_t first = n_prompt > (size_t)desc->sampling.penalty_last_n
                     ? n_prompt - (size_t)desc->sampling.penalty_last_n : 0, k;
        for (k = first; k < n_prompt; k++) (void)llml_sampler_accept(smp, toks[k]);
    }

    /* ---- generation loop */
    for (;;) {
        const float *logits;
        int32_t t;
        int found_stop = 0, cb_stop = 0;
        if (desc->max_tokens > 0 && res->n_generated >= desc->max_tokens) { reason = 1; break; }
        if (llml__ctx_cancelled(c)) { llml__ctx_cancel_clear(c); reason = 4; break; }
        logits = llml_get_logits(c, -1);
        if (!logits) { r = LLML_ERR_INVALID_ARG; break; }
        t = llml_sampler_sample(smp, logits);
        if (t < 0) { r = LLML_ERR_INVALID_ARG; break; }
        (void)llml_sampler_accept(smp, t);
        if (llml_vocab_is_eog(g.v, t)) { reason = 0; break; }
        if (!llml__gen_make_room(&g)) { reason = 5; break; }
        r = llml__gen_emit(&g, t, &found_stop, &cb_stop);
        if (r != LLML_OK) break;
        res->n_generated++;
        r = llml_decode(c, &t, 1, 0);
        if (r == LLML_ERR_ABORTED) { reason = 4; break; }
        if (r != LLML_OK) break;
        if (found_stop) { reason = 2; break; }
        if (cb_stop) { reason = 3; break; }
    }

done:
    /* text held back for a stop string that never came */
    if (reason >= 0 && reason != 2 && reason != 3 && g.pend_len > 0) (void)llml__gen_call(&g, -1, g.pend_len);
    if (t_gen < 0.0) {
        res->prompt_ms = llml__gen_now_ms() - t_start;
    } else {
        res->prompt_ms = t_gen - t_start;
        res->gen_ms = llml__gen_now_ms() - t_gen;
    }
    res->stop_reason = reason;
    if (reason == 4) r = LLML_ERR_ABORTED;
    llml_sampler_free(smp);
    llml__free(g.a, toks, tok_cap * sizeof(int32_t));
    llml__free(g.a, owned, owned_cap);
    llml__free(g.a, g.pend, g.pend_cap);
    llml__free(g.a, g.piece, g.piece_cap);
    return r;
}

/* ------------------------------------------------------------------------ */
/* >>plan  sizing: shapes, devices, context sizes, plans, speed model        */
/* ------------------------------------------------------------------------ */

/* Everything here is arithmetic on a GGUF header or a description: no
   weights are read. Exact parts: tensor bytes (block layouts and the mix
   rules), KV cache bytes (the cache layout of >>model), llmlite's own
   buffers (llml_ctx_sizes_get: what llml_ctx_create allocates). Predicted parts:
   speeds, from bytes moved and FLOPs, over device bandwidth and throughput
   times an efficiency (defaults per device kind, or calibrated). */

/* Lower-case alphanumerics only: "RTX 3060-Ti" -> "rtx3060ti". */
static void llml__plan_norm(const char *s, char *out, size_t cap) {
    size_t k = 0;
    if (!cap) return;
    for (; s && *s && k + 1 < cap; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out[k++] = c;
    }
    out[k] = 0;
}

static uint64_t llml__plan_round64(uint64_t x) { return (x + 63u) & ~(uint64_t)63u; }

/* ---- shapes from GGUF headers ---- */

LLML_API llml_result llml_shape_from_gguf(const llml_gguf *g, llml_shape *out, llml_error *err) {
    const char *arch = NULL;
    char key[96];
    int64_t ti;
    if (!g || !out) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_shape_from_gguf: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (llml_gguf_get_str(g, "general.architecture", &arch) != LLML_OK || !arch) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX, "key general.architecture not found");
        return LLML_ERR_NOT_FOUND;
    }
    if (strlen(arch) >= sizeof out->arch) {
        llml__set_error(err, LLML_ERR_UNSUPPORTED_ARCH, UINT64_MAX, "architecture name too long");
        return LLML_ERR_UNSUPPORTED_ARCH;
    }
    memcpy(out->arch, arch, strlen(arch) + 1);
#define LLML__SHAPE_KEY(field, suffix, def) \
    (snprintf(key, sizeof key, "%s." suffix, arch), out->field = llml__mix_get_int(g, key, def))
    LLML__SHAPE_KEY(n_embd, "embedding_length", 0);
    LLML__SHAPE_KEY(n_layer, "block_count", 0);
    LLML__SHAPE_KEY(n_head, "attention.head_count", 0);
    LLML__SHAPE_KEY(n_head_kv, "attention.head_count_kv", out->n_head);
    LLML__SHAPE_KEY(head_dim, "attention.key_length", 0);
    LLML__SHAPE_KEY(head_dim_v, "attention.value_length", 0);
    LLML__SHAPE_KEY(n_ff, "feed_forward_length", 0);
    LLML__SHAPE_KEY(n_expert, "expert_count", 0);
    LLML__SHAPE_KEY(n_expert_used, "expert_used_count", 0);
    LLML__SHAPE_KEY(n_ff_exp, "expert_feed_forward_length", 0);
    LLML__SHAPE_KEY(n_ff_shexp, "expert_shared_feed_forward_length", 0);
    LLML__SHAPE_KEY(n_vocab, "vocab_size", 0);
#undef LLML__SHAPE_KEY
    snprintf(key, sizeof key, "%s.rope.dimension_count", arch);
    out->n_rot = llml__mix_get_int(g, key, 0);
    snprintf(key, sizeof key, "%s.context_length", arch);
    out->n_ctx_train = (int32_t)LLML__MIN(llml__mix_get_int(g, key, 0), (int64_t)INT32_MAX);
    snprintf(key, sizeof key, "%s.attention.sliding_window", arch);
    out->sliding_window = (int32_t)LLML__MIN(llml__mix_get_int(g, key, 0), (int64_t)INT32_MAX);
    ti = llml_gguf_find_tensor(g, "token_embd.weight");
    if (ti >= 0) out->n_vocab = llml_gguf_tensor_at(g, ti)->ne[1];
    if (out->n_vocab == 0) {
        int64_t ki = llml_gguf_find_key(g, "tokenizer.ggml.tokens");
        if (ki >= 0 && llml_gguf_kv_type(g, ki) == LLML_GGUF_ARRAY) out->n_vocab = (int64_t)llml_gguf_arr_len(g, ki);
    }
    out->tied_output = llml_gguf_find_tensor(g, "output.weight") < 0;
    if (out->n_ff_shexp == 0) {
        ti = llml_gguf_find_tensor(g, "blk.0.ffn_up_shexp.weight");
        if (ti >= 0) out->n_ff_shexp = llml_gguf_tensor_at(g, ti)->ne[1];
    }
    if (out->n_expert > 0 && out->n_ff_exp == 0) {
        ti = llml_gguf_find_tensor(g, "blk.0.ffn_up_exps.weight");
        if (ti >= 0) out->n_ff_exp = llml_gguf_tensor_at(g, ti)->ne[1];
    }
    if (out->n_embd <= 0 || out->n_layer <= 0 || out->n_head <= 0) {
        llml__set_error(err, LLML_ERR_NOT_FOUND, UINT64_MAX,
                        "%s: embedding_length, block_count or attention.head_count missing", arch);
        return LLML_ERR_NOT_FOUND;
    }
    if (out->head_dim <= 0) out->head_dim = out->n_embd / out->n_head;
    if (out->head_dim_v <= 0) out->head_dim_v = out->head_dim;
    return LLML_OK;
}

/* ---- built-in shapes ---- */

typedef struct llml__preset {
    const char *name, *family, *arch;
    int64_t n_vocab, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff;
    int64_t n_expert, n_expert_used, n_ff_exp, n_ff_shexp;
    int32_t tied, n_ctx_train, swa;
} llml__preset;

/* From the models' published configurations (config.json). */
static const llml__preset llml__presets[] = {
    /* name              family   arch        vocab   embd   L    H   KV  hd   ff     X   Xu  ffX   ffS  tied ctx      swa */
    { "llama2-7b",      "llama2", "llama",    32000,  4096,  32,  32, 32, 128, 11008,  0, 0,  0,    0,    0, 4096,    0 },
    { "llama2-13b",     "llama2", "llama",    32000,  5120,  40,  40, 40, 128, 13824,  0, 0,  0,    0,    0, 4096,    0 },
    { "llama2-70b",     "llama2", "llama",    32000,  8192,  80,  64,  8, 128, 28672,  0, 0,  0,    0,    0, 4096,    0 },
    { "tinyllama-1.1b", "llama2", "llama",    32000,  2048,  22,  32,  4,  64,  5632,  0, 0,  0,    0,    0, 2048,    0 },
    { "llama3.2-1b",    "llama",  "llama",   128256,  2048,  16,  32,  8,  64,  8192,  0, 0,  0,    0,    1, 131072,  0 },
    { "llama3.2-3b",    "llama",  "llama",   128256,  3072,  28,  24,  8, 128,  8192,  0, 0,  0,    0,    1, 131072,  0 },
    { "llama3.1-8b",    "llama",  "llama",   128256,  4096,  32,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 131072,  0 },
    { "llama3-8b",      "llama",  "llama",   128256,  4096,  32,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 8192,    0 },
    { "llama3.1-70b",   "llama",  "llama",   128256,  8192,  80,  64,  8, 128, 28672,  0, 0,  0,    0,    0, 131072,  0 },
    { "llama3.1-405b",  "llama",  "llama",   128256, 16384, 126, 128,  8, 128, 53248,  0, 0,  0,    0,    0, 131072,  0 },
    { "smollm2-1.7b",   "smollm", "llama",    49152,  2048,  24,  32, 32,  64,  8192,  0, 0,  0,    0,    1, 8192,    0 },
    { "mistral-7b",     "mistral","llama",    32768,  4096,  32,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 32768,   0 },
    { "mistral-nemo-12b","mistral","llama",  131072,  5120,  40,  32,  8, 128, 14336,  0, 0,  0,    0,    0, 131072,  0 },
    { "mistral-small-24b","mistral","llama", 131072,  5120,  40,  32,  8, 128, 32768,  0, 0,  0,    0,    0, 32768,   0 },
    { "mistral-large-123b","mistral","llama", 32768, 12288,  88,  96,  8, 128, 28672,  0, 0,  0,    0,    0, 131072,  0 },
    { "mixtral-8x7b",   "mixtral","llama",    32000,  4096,  32,  32,  8, 128, 14336,  8, 2, 14336, 0,    0, 32768,   0 },
    { "mixtral-8x22b",  "mixtral","llama",    32768,  6144,  56,  48,  8, 128, 16384,  8, 2, 16384, 0,    0, 65536,   0 },
    { "qwen2.5-0.5b",   "qwen2",  "qwen2",   151936,   896,  24,  14,  2,  64,  4864,  0, 0,  0,    0,    1, 32768,   0 },
    { "qwen2.5-1.5b",   "qwen2",  "qwen2",   151936,  1536,  28,  12,  2, 128,  8960,  0, 0,  0,    0,    1, 32768,   0 },
    { "qwen2.5-3b",     "qwen2",  "qwen2",   151936,  2048,  36,  16,  2, 128, 11008,  0, 0,  0,    0,    1, 32768,   0 },
    { "qwen2.5-7b",     "qwen2",  "qwen2",   152064,  3584,  28,  28,  4, 128, 18944,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen2.5-14b",    "qwen2",  "qwen2",   152064,  5120,  48,  40,  8, 128, 13824,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen2.5-32b",    "qwen2",  "qwen2",   152064,  5120,  64,  40,  8, 128, 27648,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen2.5-72b",    "qwen2",  "qwen2",   152064,  8192,  80,  64,  8, 128, 29568,  0, 0,  0,    0,    0, 32768,   0 },
    { "qwen1.5-moe-a2.7b","qwen2moe","qwen2moe",151936,2048, 24,  16, 16, 128,  5632, 60, 4, 1408, 5632,  0, 8192,    0 },
    { "qwen3-0.6b",     "qwen3",  "qwen3",   151936,  1024,  28,  16,  8, 128,  3072,  0, 0,  0,    0,    1, 40960,   0 },
    { "qwen3-1.7b",     "qwen3",  "qwen3",   151936,  2048,  28,  16,  8, 128,  6144,  0, 0,  0,    0,    1, 40960,   0 },
    { "qwen3-4b",       "qwen3",  "qwen3",   151936,  2560,  36,  32,  8, 128,  9728,  0, 0,  0,    0,    1, 40960,   0 },
    { "qwen3-8b",       "qwen3",  "qwen3",   151936,  4096,  36,  32,  8, 128, 12288,  0, 0,  0,    0,    0, 40960,   0 },
    { "qwen3-14b",      "qwen3",  "qwen3",   151936,  5120,  40,  40,  8, 128, 17408,  0, 0,  0,    0,    0, 40960,   0 },
    { "qwen3-32b",      "qwen3",  "qwen3",   151936,  5120,  64,  64,  8, 128, 25600,  0, 0,  0,    0,    0, 40960,   0 },
    { "qwen3-30b-a3b",  "qwen3moe","qwen3moe",151936, 2048,  48,  32,  4, 128,  6144,128, 8,  768,  0,    0, 40960,   0 },
    { "qwen3-235b-a22b","qwen3moe","qwen3moe",151936, 4096,  94,  64,  4, 128, 12288,128, 8, 1536,  0,    0, 40960,   0 },
    { "gemma2-2b",      "gemma2", "gemma2",  256000,  2304,  26,   8,  4, 256,  9216,  0, 0,  0,    0,    1, 8192,  4096 },
    { "gemma2-9b",      "gemma2", "gemma2",  256000,  3584,  42,  16,  8, 256, 14336,  0, 0,  0,    0,    1, 8192,  4096 },
    { "gemma2-27b",     "gemma2", "gemma2",  256000,  4608,  46,  32, 16, 128, 36864,  0, 0,  0,    0,    1, 8192,  4096 },
    { "gemma3-1b",      "gemma3", "gemma3",  262144,  1152,  26,   4,  1, 256,  6912,  0, 0,  0,    0,    1, 32768,  512 },
    { "gemma3-4b",      "gemma3", "gemma3",  262208,  2560,  34,   8,  4, 256, 10240,  0, 0,  0,    0,    1, 131072, 1024 },
    { "gemma3-12b",     "gemma3", "gemma3",  262208,  3840,  48,  16,  8, 256, 15360,  0, 0,  0,    0,    1, 131072, 1024 },
    { "gemma3-27b",     "gemma3", "gemma3",  262208,  5376,  62,  32, 16, 128, 21504,  0, 0,  0,    0,    1, 131072, 1024 },
    { "phi3-mini",      "phi3",   "phi3",     32064,  3072,  32,  32, 32,  96,  8192,  0, 0,  0,    0,    0, 4096,    0 },
    { "phi3-medium",    "phi3",   "phi3",     32064,  5120,  40,  40, 10, 128, 17920,  0, 0,  0,    0,    0, 4096,    0 },
    { "phi4-14b",       "phi3",   "phi3",    100352,  5120,  40,  40, 10, 128, 17920,  0, 0,  0,    0,    0, 16384,   0 }
};
#define LLML__N_PRESETS ((int32_t)(sizeof llml__presets / sizeof llml__presets[0]))

static void llml__preset_to_shape(const llml__preset *p, llml_shape *s) {
    memset(s, 0, sizeof *s);
    memcpy(s->arch, p->arch, strlen(p->arch) + 1);
    s->n_vocab = p->n_vocab; s->n_embd = p->n_embd; s->n_layer = p->n_layer;
    s->n_head = p->n_head; s->n_head_kv = p->n_head_kv;
    s->head_dim = p->head_dim; s->head_dim_v = p->head_dim;
    s->n_ff = p->n_ff; s->n_expert = p->n_expert; s->n_expert_used = p->n_expert_used;
    s->n_ff_exp = p->n_ff_exp; s->n_ff_shexp = p->n_ff_shexp;
    s->tied_output = p->tied; s->n_ctx_train = p->n_ctx_train; s->sliding_window = p->swa;
}

LLML_API const char *llml_shape_preset_name(int32_t i) {
    return i >= 0 && i < LLML__N_PRESETS ? llml__presets[i].name : NULL;
}

LLML_API llml_result llml_shape_preset(const char *name, llml_shape *out) {
    char want[64], have[64];
    int32_t i;
    if (!name || !out) return LLML_ERR_INVALID_ARG;
    llml__plan_norm(name, want, sizeof want);
    for (i = 0; i < LLML__N_PRESETS; i++) {
        llml__plan_norm(llml__presets[i].name, have, sizeof have);
        if (strcmp(want, have) == 0) { llml__preset_to_shape(&llml__presets[i], out); return LLML_OK; }
    }
    return LLML_ERR_NOT_FOUND;
}

/* ---- tensors of a shape ---- */

#define LLML__SHAPE_MAX_PER_LAYER 24

static int64_t llml__shape_hd(const llml_shape *s) { return s->head_dim > 0 ? s->head_dim : (s->n_head > 0 ? s->n_embd / s->n_head : 0); }
static int64_t llml__shape_hdv(const llml_shape *s) { return s->head_dim_v > 0 ? s->head_dim_v : llml__shape_hd(s); }
static int64_t llml__shape_ffx(const llml_shape *s) { return s->n_ff_exp > 0 ? s->n_ff_exp : s->n_ff; }

/* Append one tensor (when t is not NULL and k < cap). */
static void llml__shape_put(llml_tensor_shape *t, char (*names)[64], int64_t cap, int64_t *k,
                            const char *name, int64_t il, int64_t ne0, int64_t ne1, int64_t ne2) {
    if (t && *k < cap) {
        llml_tensor_shape *x = &t[*k];
        if (il >= 0) snprintf(names[*k], 64, "blk.%lld.%s", (long long)il, name);
        else snprintf(names[*k], 64, "%s", name);
        x->name = names[*k];
        x->type = LLML_TYPE_F32;
        x->ne[0] = ne0; x->ne[1] = ne1; x->ne[2] = ne2; x->ne[3] = 1;
        x->n_dims = ne2 > 1 ? 3u : (ne1 > 1 ? 2u : 1u);
    }
    (*k)++;
}

/* Tensors of layer il (il < 0: the non-layer tensors). */
static void llml__shape_emit(const llml_shape *s, int64_t il, llml_tensor_shape *t, char (*names)[64],
                             int64_t cap, int64_t *k) {
    const char *a = s->arch;
    const int64_t E = s->n_embd, hd = llml__shape_hd(s), hdv = llml__shape_hdv(s);
    const int64_t nq = s->n_head * hd, nk = s->n_head_kv * hd, nv = s->n_head_kv * hdv;
    const int is_qwen2 = strncmp(a, "qwen2", 5) == 0;
    const int qk_norm = strncmp(a, "qwen3", 5) == 0 || strcmp(a, "gemma3") == 0;
    const int post_norms = strcmp(a, "gemma2") == 0 || strcmp(a, "gemma3") == 0;
    const int is_phi3 = strcmp(a, "phi3") == 0;
    if (il < 0) {
        llml__shape_put(t, names, cap, k, "token_embd.weight", -1, E, s->n_vocab, 1);
        llml__shape_put(t, names, cap, k, "output_norm.weight", -1, E, 1, 1);
        if (!s->tied_output) llml__shape_put(t, names, cap, k, "output.weight", -1, E, s->n_vocab, 1);
        return;
    }
    llml__shape_put(t, names, cap, k, "attn_norm.weight", il, E, 1, 1);
    if (is_phi3) {
        llml__shape_put(t, names, cap, k, "attn_qkv.weight", il, E, nq + nk + nv, 1);
    } else {
        llml__shape_put(t, names, cap, k, "attn_q.weight", il, E, nq, 1);
        llml__shape_put(t, names, cap, k, "attn_k.weight", il, E, nk, 1);
        llml__shape_put(t, names, cap, k, "attn_v.weight", il, E, nv, 1);
    }
    if (is_qwen2) {
        llml__shape_put(t, names, cap, k, "attn_q.bias", il, nq, 1, 1);
        llml__shape_put(t, names, cap, k, "attn_k.bias", il, nk, 1, 1);
        llml__shape_put(t, names, cap, k, "attn_v.bias", il, nv, 1, 1);
    }
    if (qk_norm) {
        llml__shape_put(t, names, cap, k, "attn_q_norm.weight", il, hd, 1, 1);
        llml__shape_put(t, names, cap, k, "attn_k_norm.weight", il, hd, 1, 1);
    }
    llml__shape_put(t, names, cap, k, "attn_output.weight", il, s->n_head * hdv, E, 1);
    if (post_norms) llml__shape_put(t, names, cap, k, "post_attention_norm.weight", il, E, 1, 1);
    llml__shape_put(t, names, cap, k, "ffn_norm.weight", il, E, 1, 1);
    if (s->n_expert > 1) {
        const int64_t F = llml__shape_ffx(s), X = s->n_expert;
        llml__shape_put(t, names, cap, k, "ffn_gate_inp.weight", il, E, X, 1);
        llml__shape_put(t, names, cap, k, "ffn_gate_exps.weight", il, E, F, X);
        llml__shape_put(t, names, cap, k, "ffn_up_exps.weight", il, E, F, X);
        llml__shape_put(t, names, cap, k, "ffn_down_exps.weight", il, F, E, X);
        if (s->n_ff_shexp > 0) {
            llml__shape_put(t, names, cap, k, "ffn_gate_inp_shexp.weight", il, E, 1, 1);
            llml__shape_put(t, names, cap, k, "ffn_gate_shexp.weight", il, E, s->n_ff_shexp, 1);
            llml__shape_put(t, names, cap, k, "ffn_up_shexp.weight", il, E, s->n_ff_shexp, 1);
            llml__shape_put(t, names, cap, k, "ffn_down_shexp.weight", il, s->n_ff_shexp, E, 1);
        }
    } else if (is_phi3) {
        llml__shape_put(t, names, cap, k, "ffn_up.weight", il, E, 2 * s->n_ff, 1);
        llml__shape_put(t, names, cap, k, "ffn_down.weight", il, s->n_ff, E, 1);
    } else {
        llml__shape_put(t, names, cap, k, "ffn_gate.weight", il, E, s->n_ff, 1);
        llml__shape_put(t, names, cap, k, "ffn_up.weight", il, E, s->n_ff, 1);
        llml__shape_put(t, names, cap, k, "ffn_down.weight", il, s->n_ff, E, 1);
    }
    if (post_norms) llml__shape_put(t, names, cap, k, "post_ffw_norm.weight", il, E, 1, 1);
}

static int llml__shape_valid(const llml_shape *s) {
    const int64_t big = (int64_t)1 << 24;   /* any one dimension */
    return s && s->n_vocab > 0 && s->n_vocab < ((int64_t)1 << 26) && s->n_embd > 0 && s->n_embd < big &&
           s->n_layer > 0 && s->n_layer < 100000 && s->n_head > 0 && s->n_head < big &&
           s->n_head_kv >= 0 && s->n_head_kv <= s->n_head && llml__shape_hd(s) > 0 && llml__shape_hd(s) < big &&
           llml__shape_hdv(s) > 0 && llml__shape_hdv(s) < big && s->n_ff >= 0 && s->n_ff < big &&
           s->n_expert >= 0 && s->n_expert < 100000 && s->n_expert_used >= 0 &&
           s->n_expert_used <= LLML__MAX(s->n_expert, 1) && s->n_ff_exp >= 0 && s->n_ff_exp < big &&
           s->n_ff_shexp >= 0 && s->n_ff_shexp < big && s->arch[sizeof s->arch - 1] == 0;
}

LLML_API llml_result llml_shape_tensors(const llml_shape *s, llml_tensor_shape *t,
                                        char (*names)[64], int64_t cap, int64_t *n) {
    int64_t k = 0, il;
    if (!s || !n || cap < 0 || (cap > 0 && (!t || !names))) return LLML_ERR_INVALID_ARG;
    if (!llml__shape_valid(s)) return LLML_ERR_BAD_SHAPE;
    llml__shape_emit(s, -1, t, names, cap, &k);
    for (il = 0; il < s->n_layer; il++) llml__shape_emit(s, il, t, names, cap, &k);
    *n = k;
    return k > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

/* Elements of the non-layer tensors and of one layer. */
static void llml__shape_counts(const llml_shape *s, double *global, double *layer) {
    llml_tensor_shape t[LLML__SHAPE_MAX_PER_LAYER];
    char names[LLML__SHAPE_MAX_PER_LAYER][64];
    int64_t k, i;
    double sum;
    k = 0; llml__shape_emit(s, -1, t, names, LLML__SHAPE_MAX_PER_LAYER, &k);
    for (sum = 0, i = 0; i < k; i++) sum += (double)t[i].ne[0] * (double)t[i].ne[1] * (double)t[i].ne[2];
    *global = sum;
    k = 0; llml__shape_emit(s, 0, t, names, LLML__SHAPE_MAX_PER_LAYER, &k);
    for (sum = 0, i = 0; i < k; i++) sum += (double)t[i].ne[0] * (double)t[i].ne[1] * (double)t[i].ne[2];
    *layer = sum;
}

LLML_API llml_result llml_shape_from_params(const char *family, double n_params, llml_shape *out) {
    char fam[48], pf[48], pn[64];
    const llml__preset *best = NULL;
    double best_d = 0, g, l;
    int32_t i;
    if (!family || !out || !(n_params > 0) || n_params > 1e14) return LLML_ERR_INVALID_ARG;
    llml__plan_norm(family, fam, sizeof fam);
    for (i = 0; i < LLML__N_PRESETS; i++) {
        const llml__preset *p = &llml__presets[i];
        double d;
        llml__plan_norm(p->family, pf, sizeof pf);
        llml__plan_norm(p->name, pn, sizeof pn);
        if (strcmp(fam, pf) != 0 && strncmp(pn, fam, strlen(fam)) != 0) continue;
        llml__preset_to_shape(p, out);
        llml__shape_counts(out, &g, &l);
        d = fabs(log(n_params / (g + l * (double)p->n_layer)));
        if (!best || d < best_d) { best = p; best_d = d; }
    }
    if (!best) return LLML_ERR_NOT_FOUND;
    llml__preset_to_shape(best, out);
    llml__shape_counts(out, &g, &l);
    if (best_d > 0.02) {   /* scale the depth to the count */
        double nl = (n_params - g) / l;
        out->n_layer = nl < 1 ? 1 : (int64_t)(nl + 0.5);
    }
    return LLML_OK;
}

/* ---- devices ---- */

/* From the makers' published specifications. tflops: dense FP16 on tensor
   / matrix units where the device has them, else FP32 (older GPUs); CPUs:
   FP32 FMA peak of all cores at an all-core clock. CPU memory: the most the
   platform takes (pass your own with a device of your own). Bandwidths of
   the CPUs in ../shared/sizing/published.md are the ones given there. */
#define LLML__DEV(name, kind, mem, bw, tf, memory) \
    { name, LLML_DEVICE_##kind, mem, bw, tf, memory, 0, 0, 0, 0 }
static const llml_device llml__devices[] = {
    /* CPUs */
    LLML__DEV("Generic desktop CPU",          CPU,   32,   51.2,  1.0,  "DDR4-3200 2 ch (assumed)"),
    LLML__DEV("Xeon E3-1226 v3",              CPU,   32,   22,    0.45, "DDR3-1333 2 ch"),
    LLML__DEV("Core i7-6820HQ",               CPU,   64,   34.1,  0.41, "DDR4-2133 2 ch"),
    LLML__DEV("Xeon E5-2696 v3",              CPU,  768,   68.3,  1.61, "DDR4-2133 4 ch"),
    LLML__DEV("Core i3-10100",                CPU,  128,   41.6,  0.52, "DDR4-2666 2 ch"),
    LLML__DEV("Core i7-8700",                 CPU,  128,   35,    0.83, "DDR4-2666 2 ch"),
    LLML__DEV("Core i7-13700T",               CPU,  192,   43,    0.96, "DDR4-3200 2 ch"),
    LLML__DEV("Core i5-12400",                CPU,  128,   76.8,  0.77, "DDR5-4800 2 ch"),
    LLML__DEV("Core i9-14900K",               CPU,  192,   89.6,  2.5,  "DDR5-5600 2 ch"),
    LLML__DEV("Core Ultra 7 155H",            CPU,   96,  120,    1.25, "LPDDR5X-7467 128-bit"),
    LLML__DEV("Core Ultra 7 258V",            CPU,   32,  136.5,  1.0,  "LPDDR5X-8533 128-bit"),
    LLML__DEV("Core Ultra 9 285K",            CPU,  192,  102.4,  3.7,  "DDR5-6400 2 ch"),
    LLML__DEV("Ryzen 5 5600X",                CPU,  128,   51.2,  0.84, "DDR4-3200 2 ch"),
    LLML__DEV("Ryzen 7 5800X",                CPU,  128,   51.2,  1.15, "DDR4-3200 2 ch"),
    LLML__DEV("Ryzen 7 7800X3D",              CPU,  128,   83.2,  1.23, "DDR5-5200 2 ch"),
    LLML__DEV("Ryzen 9 7950X",                CPU,  192,   83.2,  2.6,  "DDR5-5200 2 ch"),
    LLML__DEV("Ryzen 7 8845HS",               CPU,  256,  120,    1.15, "LPDDR5X-7500 128-bit"),
    LLML__DEV("Ryzen 7 9700X",                CPU,  192,   89.6,  2.6,  "DDR5-5600 2 ch"),
    LLML__DEV("Ryzen 9 9950X",                CPU,  192,   89.6,  5.1,  "DDR5-5600 2 ch"),
    LLML__DEV("Ryzen AI 9 HX 370",            CPU,  256,  120,    1.27, "LPDDR5X-7500 128-bit"),
    LLML__DEV("Ryzen AI Max+ 395",            CPU,  128,  256,    4.6,  "LPDDR5X-8000 256-bit"),
    LLML__DEV("Threadripper 7980X",           CPU, 1000,  166.4,  8.2,  "DDR5-5200 4 ch"),
    LLML__DEV("EPYC 9654",                    CPU, 6000,  460.8,  9.2,  "DDR5-4800 12 ch"),
    LLML__DEV("Snapdragon X Elite X1E-78-100",CPU,   64,  135,    1.31, "LPDDR5X-8448 128-bit"),
    LLML__DEV("Raspberry Pi 4",               CPU,    8,   12.8,  0.12, "LPDDR4-3200 32-bit"),
    LLML__DEV("Raspberry Pi 5",               CPU,   16,   17.1,  0.15, "LPDDR4X-4267 32-bit"),
    /* discrete GPUs */
    LLML__DEV("Quadro M1000M",                GPU,    2,   80,    1.0,  "GDDR5 128-bit"),
    LLML__DEV("GeForce GTX 960",              GPU,    2,  112,    2.3,  "GDDR5 128-bit (4 GB boards exist)"),
    LLML__DEV("P106-100",                     GPU,    6,  192,    4.4,  "GDDR5 192-bit"),
    LLML__DEV("Tesla P100",                   GPU,   16,  732,   18.7,  "HBM2 4096-bit"),
    LLML__DEV("Tesla T4",                     GPU,   16,  320,   65,    "GDDR6 256-bit"),
    LLML__DEV("Tesla V100",                   GPU,   32,  900,  125,    "HBM2 4096-bit"),
    LLML__DEV("GeForce RTX 3060",             GPU,   12,  360,   51,    "GDDR6 192-bit"),
    LLML__DEV("GeForce RTX 3060 Ti",          GPU,    8,  448,   65,    "GDDR6 256-bit"),
    LLML__DEV("GeForce RTX 3070 Ti",          GPU,    8,  608,   87,    "GDDR6X 256-bit"),
    LLML__DEV("GeForce RTX 3080",             GPU,   10,  760,  119,    "GDDR6X 320-bit"),
    LLML__DEV("GeForce RTX 3090",             GPU,   24,  936,  142,    "GDDR6X 384-bit"),
    LLML__DEV("GeForce RTX 4050 Laptop",      GPU,    6,  192,   48,    "GDDR6 96-bit"),
    LLML__DEV("GeForce RTX 4060",             GPU,    8,  272,   60,    "GDDR6 128-bit"),
    LLML__DEV("GeForce RTX 4060 Ti 16GB",     GPU,   16,  288,   88,    "GDDR6 128-bit"),
    LLML__DEV("GeForce RTX 4070",             GPU,   12,  504,  117,    "GDDR6X 192-bit"),
    LLML__DEV("GeForce RTX 4080",             GPU,   16,  717,  195,    "GDDR6X 256-bit"),
    LLML__DEV("GeForce RTX 4090",             GPU,   24, 1008,  330,    "GDDR6X 384-bit"),
    LLML__DEV("GeForce RTX 5080",             GPU,   16,  960,  225,    "GDDR7 256-bit"),
    LLML__DEV("GeForce RTX 5090",             GPU,   32, 1792,  419,    "GDDR7 512-bit"),
    LLML__DEV("RTX A6000",                    GPU,   48,  768,  155,    "GDDR6 384-bit"),
    LLML__DEV("RTX 6000 Ada",                 GPU,   48,  960,  364,    "GDDR6 384-bit"),
    LLML__DEV("A100 40GB",                    GPU,   40, 1555,  312,    "HBM2 5120-bit"),
    LLML__DEV("A100 80GB",                    GPU,   80, 2039,  312,    "HBM2e 5120-bit"),
    LLML__DEV("H100",                         GPU,   80, 3350,  989,    "HBM3 5120-bit (SXM)"),
    LLML__DEV("H100 PCIe",                    GPU,   80, 2000,  756,    "HBM2e 5120-bit"),
    LLML__DEV("H200",                         GPU,  141, 4800,  989,    "HBM3e 6144-bit"),
    LLML__DEV("B200",                         GPU,  180, 8000, 2250,    "HBM3e 8192-bit"),
    LLML__DEV("Instinct MI300X",              GPU,  192, 5300, 1307,    "HBM3 8192-bit"),
    LLML__DEV("Radeon RX 6600",               GPU,    8,  224,   17.9,  "GDDR6 128-bit"),
    LLML__DEV("Radeon RX 7600",               GPU,    8,  288,   43.5,  "GDDR6 128-bit"),
    LLML__DEV("Radeon RX 7900 XTX",           GPU,   24,  960,  123,    "GDDR6 384-bit"),
    LLML__DEV("Radeon RX 9070 XT",            GPU,   16,  640,  195,    "GDDR6 256-bit"),
    LLML__DEV("Arc B580",                     GPU,   12,  456,  117,    "GDDR6 192-bit"),
    LLML__DEV("RTX 3070 Ti Laptop",           GPU,    8,  448,   66,    "GDDR6 256-bit"),
    /* integrated GPUs sharing system memory */
    LLML__DEV("Jetson Nano",                  UNIFIED, 4,  25.6,  0.47, "LPDDR4 64-bit"),
    LLML__DEV("Jetson Orin Nano",             UNIFIED, 8, 102,   17,    "LPDDR5 128-bit"),
    LLML__DEV("Radeon 8060S",                 UNIFIED,128,256,   59,    "LPDDR5X-8000 256-bit (Ryzen AI Max+ 395)"),
    LLML__DEV("Apple M1",                     UNIFIED, 16,  66,    2.6, "LPDDR4X-4266 128-bit"),
    LLML__DEV("Apple M1 Pro",                 UNIFIED, 32, 200,    5.2, "LPDDR5-6400 256-bit"),
    LLML__DEV("Apple M1 Max",                 UNIFIED, 64, 400,   10.4, "LPDDR5-6400 512-bit"),
    LLML__DEV("Apple M1 Ultra",               UNIFIED,128, 800,   21,   "LPDDR5-6400 1024-bit"),
    LLML__DEV("Apple M2",                     UNIFIED, 24, 100,    3.6, "LPDDR5-6400 128-bit"),
    LLML__DEV("Apple M2 Pro",                 UNIFIED, 32, 200,    6.8, "LPDDR5-6400 256-bit"),
    LLML__DEV("Apple M2 Max",                 UNIFIED, 96, 400,   13.6, "LPDDR5-6400 512-bit"),
    LLML__DEV("Apple M2 Ultra",               UNIFIED,192, 800,   27.2, "LPDDR5-6400 1024-bit"),
    LLML__DEV("Apple M3",                     UNIFIED, 24, 100,    4.1, "LPDDR5-6400 128-bit"),
    LLML__DEV("Apple M3 Pro",                 UNIFIED, 36, 150,    7.4, "LPDDR5-6400 192-bit"),
    LLML__DEV("Apple M3 Max",                 UNIFIED,128, 409,   16.4, "LPDDR5-6400 512-bit"),
    LLML__DEV("Apple M3 Ultra",               UNIFIED,512, 819,   28,   "LPDDR5-6400 1024-bit"),
    LLML__DEV("Apple M4",                     UNIFIED, 32, 120,    4.3, "LPDDR5X-7500 128-bit"),
    LLML__DEV("Apple M4 Pro",                 UNIFIED, 64, 273,    9.2, "LPDDR5X-8533 256-bit"),
    LLML__DEV("Apple M4 Max",                 UNIFIED,128, 546,   18.4, "LPDDR5X-8533 512-bit")
};
#undef LLML__DEV
#define LLML__N_DEVICES ((int32_t)(sizeof llml__devices / sizeof llml__devices[0]))

LLML_API int32_t llml_device_count(void) { return LLML__N_DEVICES; }
LLML_API const llml_device *llml_device_at(int32_t i) {
    return i >= 0 && i < LLML__N_DEVICES ? &llml__devices[i] : NULL;
}

LLML_API const llml_device *llml_device_find(const char *name) {
    char want[96], have[96];
    const llml_device *found[3] = { NULL, NULL, NULL };   /* exact, suffix, substring */
    int count[3] = { 0, 0, 0 }, r;
    int32_t i;
    if (!name) return NULL;
    llml__plan_norm(name, want, sizeof want);
    if (!want[0]) return NULL;
    for (i = 0; i < LLML__N_DEVICES; i++) {
        size_t lw = strlen(want), lh;
        const char *p;
        llml__plan_norm(llml__devices[i].name, have, sizeof have);
        lh = strlen(have);
        p = strstr(have, want);
        if (!p) continue;
        r = lw == lh ? 0 : (p + lw == have + lh ? 1 : 2);
        if (!found[r]) found[r] = &llml__devices[i];
        count[r]++;
    }
    for (r = 0; r < 3; r++)
        if (count[r]) return count[r] == 1 ? found[r] : NULL;
    return NULL;
}

/* Default efficiencies of each kind. Generation reaches a fraction of the
   memory bandwidth; each token also pays a fixed cost per layer (kernel
   launches and synchronisation) and per token (sampling, the host side). */
LLML_API void llml_device_defaults(const llml_device *d, double *bw_eff, double *compute_eff,
                                   double *layer_us) {
    double b = 0.7, c = 0.5, l = 15;
    if (d && d->kind == LLML_DEVICE_GPU) { b = 0.7; c = 0.35; l = 100; }
    if (d && d->kind == LLML_DEVICE_UNIFIED) { b = 0.6; c = 0.4; l = 30; }
    if (d && d->bw_eff > 0) b = d->bw_eff;
    if (d && d->compute_eff > 0) c = d->compute_eff;
    if (d && d->layer_us > 0) l = d->layer_us;
    if (bw_eff) *bw_eff = b;
    if (compute_eff) *compute_eff = c;
    if (layer_us) *layer_us = l;
}

static double llml__device_token_us(const llml_device *d) {
    if (d && d->token_us > 0) return d->token_us;
    if (d && d->kind == LLML_DEVICE_GPU) return 1000;
    if (d && d->kind == LLML_DEVICE_UNIFIED) return 500;
    return 200;
}

/* ---- context sizes ---- */

static uint64_t llml__kv_row(llml_kv_type kt, int64_t n) {
    if (n <= 0) return 0;
    switch (kt) {
    case LLML_KV_F32: return (uint64_t)n * 4u;
    case LLML_KV_Q8_0: return (uint64_t)((n + 31) / 32) * 34u;
    default: return (uint64_t)n * 2u;
    }
}

/* K and V bytes of one token in one layer. */
static uint64_t llml__kv_layer_token(const llml_shape *s, llml_kv_type kt) {
    return llml__kv_row(kt, s->n_head_kv * llml__shape_hd(s)) + llml__kv_row(kt, s->n_head_kv * llml__shape_hdv(s));
}

static int32_t llml__ctx_default_n_ctx(const llml_shape *s, int32_t n_ctx) {
    if (n_ctx > 0) return n_ctx;
    if (s->n_ctx_train > 0 && s->n_ctx_train < 4096) return s->n_ctx_train;
    return 4096;
}

/* The cache format a context really uses: Q8_0 needs heads of a multiple
   of 32 values, else the context keeps F16 (>>ctx). */
static llml_kv_type llml__ctx_kv_type(const llml_shape *s, llml_kv_type kt) {
    if (kt == LLML_KV_DEFAULT) kt = LLML_KV_F16;
    if (kt == LLML_KV_Q8_0 && llml__shape_hd(s) % 32 != 0) kt = LLML_KV_F16;
    return kt;
}

/* The shape of a loaded model, from what its loader found (nothing is
   parsed again): the largest KV head count over the layers, the feed-forward
   width the loader bound (per expert for experts), the shared expert's. */
static void llml__shape_of_model(const llml_model *m, llml_shape *s) {
    int32_t il;
    memset(s, 0, sizeof *s);
    snprintf(s->arch, sizeof s->arch, "%s", m->info.arch);
    s->n_vocab = m->n_vocab;
    s->n_embd = m->info.n_embd;
    s->n_layer = m->info.n_layer;
    s->n_head = m->info.n_head;
    for (il = 0; il < m->info.n_layer; il++) s->n_head_kv = LLML__MAX(s->n_head_kv, (int64_t)m->layers[il].n_head_kv);
    s->head_dim = m->info.head_dim;
    s->head_dim_v = m->head_dim_v;
    s->n_ff = m->info.n_ff;
    s->n_expert = m->info.n_expert;
    s->n_expert_used = m->info.n_expert_used;
    s->n_ff_exp = m->info.n_expert > 0 ? m->info.n_ff : 0;
    s->n_ff_shexp = m->info.n_layer > 0 && m->layers[0].gate_shexp.data ? m->layers[0].gate_shexp.ne[1] : 0;
    s->tied_output = m->output.data == m->tok_embd.data;
    s->n_ctx_train = m->info.n_ctx_train;
    s->sliding_window = m->info.sliding_window;
    s->n_rot = m->info.n_rot;
}

/* The buffers of llml_ctx_create, in its order (LLML__CB_*, >>ctx): per-layer
   cache tables, the K and V cache of each layer, token ids, the activations
   of a batch (x, cur, q, k, v, att, ffa, ffb, ffo, router, expert outputs,
   weights and indices, scales), the quantized activation rows, per-thread
   attention rows, RoPE tables. Each buffer is rounded up to 64 bytes; buf
   (NULL or LLML__CB_COUNT entries) gets them. With a model m, each layer's
   cache rows follow its own KV head count (else the shape's). Logits are
   allocated at the first decode (n_vocab floats per kept output). */
static llml_result llml__ctx_measure(const llml_shape *s, const llml_model *m, const llml_ctx_desc *desc,
                                     uint64_t *buf, llml_ctx_sizes *out) {
    int32_t n_ctx, n_threads;
    llml_kv_type kt;
    int64_t E, hd, hdv, nq, nkv, ff, max_cols, nb, used, nexp, n_rot, il;
    uint64_t b[LLML__CB_COUNT], actq_row;
    const int64_t big = (int64_t)1 << 24;
    int i;
    if (!s || !out) return LLML_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!llml__shape_valid(s)) return LLML_ERR_BAD_SHAPE;
    if (desc && (desc->n_ctx < 0 || desc->n_batch < 0 || desc->n_threads < 0 ||
                 (unsigned)desc->kv_type > (unsigned)LLML_KV_Q8_0 || desc->n_ctx > big))
        return LLML_ERR_INVALID_ARG;
    n_ctx = llml__ctx_default_n_ctx(s, desc ? desc->n_ctx : 0);
    nb = desc && desc->n_batch > 0 ? desc->n_batch : 512;
    if (nb > n_ctx) nb = n_ctx;
    n_threads = desc && desc->n_threads > 0 ? desc->n_threads
              : desc && desc->parallel_for ? 4 : LLML__MIN(llml__cpu_count(), 8);
    if (n_threads > LLML__MAX_THREADS) n_threads = LLML__MAX_THREADS;
    kt = llml__ctx_kv_type(s, desc ? desc->kv_type : LLML_KV_DEFAULT);
    E = s->n_embd;
    hd = llml__shape_hd(s);
    hdv = llml__shape_hdv(s);
    nq = s->n_head * hd;
    nkv = s->n_head_kv * hd;
    ff = s->n_expert > 0 ? llml__shape_ffx(s) : s->n_ff;
    if (strcmp(s->arch, "phi3") == 0) ff = 2 * s->n_ff;
    if (s->n_ff_shexp > ff) ff = s->n_ff_shexp;
    max_cols = LLML__MAX(E, LLML__MAX(nq, ff));
    used = s->n_expert > 0 ? s->n_expert_used : 0;
    nexp = s->n_expert > 0 ? s->n_expert : 0;
    n_rot = s->n_rot > 0 ? s->n_rot : hd;

    memset(b, 0, sizeof b);
    b[LLML__CB_TABLES] = llml__plan_round64((uint64_t)s->n_layer * (2 * sizeof(uint8_t *) + sizeof(size_t)));
    for (il = 0; il < s->n_layer; il++) {
        int64_t heads = m ? (int64_t)m->layers[il].n_head_kv : s->n_head_kv;
        out->kv_k_bytes += llml__plan_round64((uint64_t)n_ctx * llml__kv_row(kt, heads * hd));
        out->kv_v_bytes += llml__plan_round64((uint64_t)n_ctx * llml__kv_row(kt, heads * hdv));
        out->kv_token_bytes += llml__kv_row(kt, heads * hd) + llml__kv_row(kt, heads * hdv);
    }
    b[LLML__CB_KV] = out->kv_k_bytes + out->kv_v_bytes;
    b[LLML__CB_TOKENS] = llml__plan_round64((uint64_t)n_ctx * 4u);
    b[LLML__CB_X] = llml__plan_round64((uint64_t)(nb * E * 4));
    b[LLML__CB_CUR] = llml__plan_round64((uint64_t)(nb * max_cols * 4));
    b[LLML__CB_Q] = llml__plan_round64((uint64_t)(nb * nq * 4));
    b[LLML__CB_K] = b[LLML__CB_V] = llml__plan_round64((uint64_t)(nb * nkv * 4));
    b[LLML__CB_ATT] = llml__plan_round64((uint64_t)(nb * nq * 4));
    b[LLML__CB_FFA] = b[LLML__CB_FFB] = llml__plan_round64((uint64_t)(nb * ff * 4));
    b[LLML__CB_FFO] = llml__plan_round64((uint64_t)(nb * E * 4));
    b[LLML__CB_ROUTER] = llml__plan_round64((uint64_t)(nb * (nexp + 1) * 4));
    b[LLML__CB_MOE_Y] = llml__plan_round64((uint64_t)(nb * used * E * 4));
    b[LLML__CB_MOE_W] = b[LLML__CB_MOE_SEL] = llml__plan_round64((uint64_t)(nb * used * 4));
    b[LLML__CB_MOE_IDX] = llml__plan_round64((uint64_t)(nb * 4));
    actq_row = llml__plan_round64((uint64_t)max_cols * 4u + 512u);
    b[LLML__CB_ACTQ] = llml__plan_round64((uint64_t)nb * actq_row);
    b[LLML__CB_TH_SCORES] = llml__plan_round64((uint64_t)n_threads * (uint64_t)n_ctx * 4u);
    b[LLML__CB_TH_Q] = llml__plan_round64((uint64_t)n_threads * llml__plan_round64((uint64_t)hd * 4u + 64u));
    b[LLML__CB_TH_V] = llml__plan_round64((uint64_t)n_threads * (uint64_t)hd * 4u);
    b[LLML__CB_ROPE_COS] = b[LLML__CB_ROPE_SIN] = llml__plan_round64((uint64_t)n_rot * 2u);

    out->tokens_bytes = b[LLML__CB_TOKENS];
    for (i = LLML__CB_X; i <= LLML__CB_MOE_IDX; i++) out->act_bytes += b[i];
    out->qact_bytes = b[LLML__CB_ACTQ];
    out->attn_bytes = b[LLML__CB_TH_SCORES] + b[LLML__CB_TH_Q] + b[LLML__CB_TH_V];
    out->other_bytes = b[LLML__CB_TABLES] + b[LLML__CB_ROPE_COS] + b[LLML__CB_ROPE_SIN];
    for (i = 0; i < LLML__CB_COUNT; i++) out->block_bytes += b[i];
    out->logits_bytes = (uint64_t)s->n_vocab * 4u;
    out->total_bytes = out->block_bytes + out->logits_bytes;
    if (buf) memcpy(buf, b, sizeof b);
    return LLML_OK;
}

LLML_API llml_result llml_ctx_sizes_get(const llml_shape *s, const llml_ctx_desc *desc, llml_ctx_sizes *out) {
    return llml__ctx_measure(s, NULL, desc, NULL, out);
}

/* ---- the plan's model: tensors with their formats and bytes ---- */

typedef struct llml__pm {
    llml_shape s;
    int64_t n;
    llml_tensor_shape *t;
    char (*names)[64];
    llml_mix_choice *ch;
    uint64_t *bytes;
    int32_t *layer;
    double hyp_bpw;          /* > 0: hypothetical bits for quantizable weights */
    const llml_allocator *a;
    void *mem;
    size_t mem_size;
} llml__pm;

static void llml__pm_free(llml__pm *m) {
    llml__free(m->a, m->mem, m->mem_size);
    m->mem = NULL;
}

/* Parse desc->quant: *keep (the file's own formats), or a mix / format, or
   hypothetical bits per weight. */
static llml_result llml__plan_quant(const char *q, int have_file, int *keep, llml_ftype *ft, int *pure,
                                    double *bpw, llml_error *err) {
    static const struct { const char *name; double bpw; } hyp[] = {
        { "fp8", 8.0 }, { "int8", 8.0 }, { "fp6", 6.0 }, { "fp4", 4.0 }, { "int4", 4.0 },
        { "mxfp4", 4.25 }, { "nvfp4", 4.5 }
    };
    char nq[32];
    size_t i, len;
    const llml_mix_info *mix;
    llml_type t;
    *keep = 0; *pure = 0; *bpw = 0; *ft = LLML_FTYPE_F16;
    if (!q || !*q) { *keep = have_file; return LLML_OK; }
    llml__plan_norm(q, nq, sizeof nq);
    for (i = 0; i < sizeof hyp / sizeof hyp[0]; i++)
        if (strcmp(nq, hyp[i].name) == 0) { *bpw = hyp[i].bpw; return LLML_OK; }
    len = strlen(q);
    if (len > 3 && (strcmp(q + len - 3, "bpw") == 0 || strcmp(q + len - 3, "BPW") == 0)) {
        char *end;
        double v = strtod(q, &end);
        while (*end == ' ') end++;
        if (end == q + len - 3 && v >= 1.0 && v <= 32.0) { *bpw = v; return LLML_OK; }
    }
    mix = llml_mix_find(q);
    if (mix) { *ft = mix->ftype; return LLML_OK; }
    if (llml_type_from_name(q, &t) == LLML_OK && (mix = llml_mix_for_type(t)) != NULL) {
        *ft = mix->ftype;
        *pure = 1;
        return LLML_OK;
    }
    llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX,
                    "unknown quant '%s' (a mix such as Q4_K_M, a format such as q8_0, FP8, or 5.5bpw)", q);
    return LLML_ERR_INVALID_ARG;
}

static llml_result llml__pm_build(const llml_plan_desc *d, llml__pm *m, int need_shape, llml_error *err) {
    llml_result r;
    int keep, pure;
    llml_ftype ft;
    double bpw;
    int64_t i, n;
    size_t off, sz_t, sz_names, sz_ch, sz_b, sz_l;
    memset(m, 0, sizeof *m);
    m->a = d->allocator;
    if (d->gguf) {
        r = llml_shape_from_gguf(d->gguf, &m->s, need_shape ? err : NULL);
        if (r != LLML_OK && need_shape) return r;
        if (r == LLML_OK && need_shape && !llml__shape_valid(&m->s)) {
            llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "%s: a hyperparameter is out of range", m->s.arch);
            return LLML_ERR_BAD_SHAPE;
        }
        if (r != LLML_OK) memset(&m->s, 0, sizeof m->s);   /* tensors only */
        n = llml_gguf_n_tensors(d->gguf);
    } else if (d->shape) {
        m->s = *d->shape;
        if (!llml__shape_valid(&m->s)) {
            llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "shape: a dimension is missing or out of range");
            return LLML_ERR_BAD_SHAPE;
        }
        r = llml_shape_tensors(&m->s, NULL, NULL, 0, &n);
        if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return r;
    } else {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "plan: neither gguf nor shape given");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__plan_quant(d->quant, d->gguf != NULL, &keep, &ft, &pure, &bpw, err);
    if (r != LLML_OK) return r;
    if (n < 0 || n > ((int64_t)1 << 24)) return LLML_ERR_CORRUPT;
    m->n = n;
    m->hyp_bpw = bpw;
    sz_t = (size_t)n * sizeof(llml_tensor_shape);
    sz_names = d->gguf ? 0 : (size_t)n * 64;
    sz_ch = (size_t)n * sizeof(llml_mix_choice);
    sz_b = (size_t)n * sizeof(uint64_t);
    sz_l = (size_t)n * sizeof(int32_t);
    m->mem_size = sz_b + sz_t + sz_ch + sz_names + sz_l + 64;
    m->mem = llml__alloc(m->a, m->mem_size, 16);
    if (!m->mem) {
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "plan: out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    memset(m->mem, 0, m->mem_size);
    off = 0;
    m->bytes = (uint64_t *)m->mem; off += sz_b;
    m->t = (llml_tensor_shape *)(void *)((char *)m->mem + off); off += sz_t;
    m->ch = (llml_mix_choice *)(void *)((char *)m->mem + off); off += sz_ch;
    m->layer = (int32_t *)(void *)((char *)m->mem + off); off += sz_l;
    m->names = sz_names ? (char (*)[64])(void *)((char *)m->mem + off) : NULL;
    if (d->gguf) {
        for (i = 0; i < n; i++) {
            const llml_gguf_tensor *gt = llml_gguf_tensor_at(d->gguf, i);
            m->t[i].name = gt->name;
            m->t[i].type = gt->type;
            m->t[i].n_dims = gt->n_dims;
            memcpy(m->t[i].ne, gt->ne, sizeof gt->ne);
        }
    } else {
        llml_shape_tensors(&m->s, m->t, m->names, n, &n);
    }
    if (keep) {
        for (i = 0; i < n; i++) m->ch[i].type = m->ch[i].wanted = m->t[i].type;
    } else {
        llml_mix_desc md;
        memset(&md, 0, sizeof md);
        md.ftype = ft;
        md.pure = pure;
        md.has_imatrix = d->has_imatrix;
        md.arch = m->s.arch;
        md.n_layer = m->s.n_layer; md.n_head = m->s.n_head; md.n_head_kv = m->s.n_head_kv;
        md.n_expert = m->s.n_expert;
        md.allocator = d->allocator;
        r = llml_mix_plan(&md, m->t, n, m->ch, err);
        if (r != LLML_OK) { llml__pm_free(m); return r; }
    }
    for (i = 0; i < n; i++) {
        const llml_tensor_shape *t = &m->t[i];
        uint64_t rows = (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3], nel, rs;
        int64_t l = llml__mix_layer_of(t->name);
        m->layer[i] = l >= 0 && l < m->s.n_layer ? (int32_t)l : -1;
        nel = (uint64_t)t->ne[0] * rows;
        if (bpw > 0 && m->ch[i].quantize) {
            m->bytes[i] = (uint64_t)ceil((double)nel * bpw / 8.0);
            continue;
        }
        rs = (uint64_t)llml_row_size(m->ch[i].type, t->ne[0]);
        if (rs == 0 || !llml__mul_u64(rs, rows, &m->bytes[i])) {
            llml__set_error(err, LLML_ERR_BAD_SHAPE, UINT64_MAX, "tensor %s: %lld columns do not fit its format",
                            t->name, (long long)t->ne[0]);
            llml__pm_free(m);
            return LLML_ERR_BAD_SHAPE;
        }
    }
    return LLML_OK;
}

/* ---- plans ---- */

/* Bytes of the GGUF header a converter writes for a shape: tensor infos and
   the tokenizer (token strings, scores, types, merges), about 50 bytes a token. */
static uint64_t llml__plan_header_estimate(const llml__pm *m) {
    uint64_t h = 4096 + (uint64_t)m->s.n_vocab * 50u;
    int64_t i;
    for (i = 0; i < m->n; i++) h += 8 + strlen(m->t[i].name) + 4 + 8 * (uint64_t)m->t[i].n_dims + 4 + 8;
    return h;
}

/* Memory of llmlite's tokenizer tables and the process: the token strings
   and per-token records, merges, and the process baseline (LLML_RSS_BASELINE;
   llml_plan_rss measures the tables instead). */
static uint64_t llml__plan_overhead(const llml_plan_desc *d, const llml__pm *m) {
    uint64_t v = 0;
    if (d->gguf) {
        int64_t ki = llml_gguf_find_key(d->gguf, "tokenizer.ggml.tokens");
        uint64_t j, n;
        if (ki >= 0 && llml_gguf_kv_type(d->gguf, ki) == LLML_GGUF_ARRAY &&
            llml_gguf_arr_type(d->gguf, ki) == LLML_GGUF_STRING) {
            n = llml_gguf_arr_len(d->gguf, ki);
            for (j = 0; j < n; j++) v += llml_gguf_arr_str_len(d->gguf, ki, j) + 1 + 32;
        }
        ki = llml_gguf_find_key(d->gguf, "tokenizer.ggml.merges");
        if (ki >= 0 && llml_gguf_kv_type(d->gguf, ki) == LLML_GGUF_ARRAY &&
            llml_gguf_arr_type(d->gguf, ki) == LLML_GGUF_STRING) {
            n = llml_gguf_arr_len(d->gguf, ki);
            for (j = 0; j < n; j++) v += llml_gguf_arr_str_len(d->gguf, ki, j) + 1 + 24;
        }
    } else {
        v = (uint64_t)m->s.n_vocab * 40u;
    }
    return v + LLML_RSS_BASELINE;
}

static uint64_t llml__gb(double gb) { return gb > 0 ? (uint64_t)(gb * 1e9) : 0; }

static uint64_t llml__plan_margin(const llml_device *dev, double margin_gb) {
    if (margin_gb > 0) return llml__gb(margin_gb);
    if (!dev) return 0;
    if (dev->kind == LLML_DEVICE_GPU) return llml__gb(dev->mem_gb * 0.05 + 0.25);
    if (dev->kind == LLML_DEVICE_UNIFIED) return llml__gb(dev->mem_gb * 0.25);
    return llml__gb(dev->mem_gb * 0.10 + 1.0);
}

typedef struct llml__split {
    uint64_t dev_bytes, host_bytes;
    uint64_t dev_read, host_read;   /* per generated token, weights + KV */
    uint64_t dev_w, host_w;         /* weights read per prompt batch */
    double dev_flops, host_flops;   /* per prompt token */
    int64_t dev_layers, host_layers;
} llml__split;

LLML_API llml_result llml_plan_compute(const llml_plan_desc *d, llml_plan *p, llml_error *err) {
    llml__pm m;
    llml_result r;
    llml_ctx_sizes cs;
    llml_ctx_desc cd;
    const llml_device *dev, *host;
    llml__split sp;
    uint64_t *lw = NULL, *lread = NULL, embd = 0, outw = 0, other = 0, total_w = 0, n_params = 0;
    uint64_t kv_layer_tok, kv_layer_ctx, free_dev = 0, free_host;
    double lf = 0;
    int64_t i, L, k, k_use, kmax;
    int32_t n_ctx, n_seq, gen_pos, n_prompt, n_batch;
    size_t lsz;
    double active = 1.0, flops_layer = 0, flops_attn_tok;
    if (!d || !p) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_compute: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    memset(p, 0, sizeof *p);
    if (d->n_ctx < 0 || d->n_batch < 0 || d->n_seq < 0 || d->n_threads < 0 || d->gen_pos < 0 ||
        d->n_prompt < 0 || d->n_gpu_layers < -1 || d->margin_gb < 0) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "plan: a negative count");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__pm_build(d, &m, 1, err);
    if (r != LLML_OK) return r;
    L = m.s.n_layer;
    lsz = (size_t)L * 2 * sizeof(uint64_t);
    lw = (uint64_t *)llml__calloc(d->allocator, lsz);
    if (!lw) { llml__pm_free(&m); return LLML_ERR_OUT_OF_MEMORY; }
    lread = lw + L;
    if (m.s.n_expert > 1 && m.s.n_expert_used > 0) active = (double)m.s.n_expert_used / (double)m.s.n_expert;

    /* weights by part; per layer: bytes held and bytes one token reads */
    for (i = 0; i < m.n; i++) {
        const char *nm = m.t[i].name;
        uint64_t b = m.bytes[i];
        uint64_t nel = (uint64_t)m.t[i].ne[0] * (uint64_t)m.t[i].ne[1] * (uint64_t)m.t[i].ne[2] * (uint64_t)m.t[i].ne[3];
        total_w += b;
        n_params += nel;
        if (m.layer[i] >= 0) {
            int is_exp = strstr(nm, "_exps") != NULL;
            lw[m.layer[i]] += b;
            lread[m.layer[i]] += is_exp ? (uint64_t)((double)b * active) : b;
            if (m.t[i].n_dims >= 2 && m.layer[i] == 0) flops_layer += 2.0 * (double)nel * (is_exp ? active : 1.0);
        } else if (llml__mix_is_token_embd(nm)) {
            embd += b;
        } else if (strncmp(nm, "output", 6) == 0) {
            outw += b;
        } else {
            other += b;
        }
    }
    outw += other;   /* rope factors and the like travel with the output layer */
    p->n_params = n_params;
    p->weight_bytes = total_w;
    memcpy(p->arch, m.s.arch, sizeof p->arch);
    p->n_layer = (int32_t)L;
    p->bpw = n_params ? (double)total_w * 8.0 / (double)n_params : 0;
    p->embd_bytes = embd;
    p->output_bytes = outw;
    p->layer_bytes[0] = p->layer_bytes[1] = lw[0];
    for (i = 0; i < L; i++) {
        p->layer_bytes[0] = LLML__MIN(p->layer_bytes[0], lw[i]);
        p->layer_bytes[1] = LLML__MAX(p->layer_bytes[1], lw[i]);
    }
    if (d->gguf) {
        p->file_bytes = llml_gguf_file_size(d->gguf);
    } else {
        uint64_t pad = 0;
        for (i = 0; i < m.n; i++) pad += (m.bytes[i] + 31) / 32 * 32;
        p->file_bytes = llml__plan_header_estimate(&m) + pad;
    }

    /* context */
    n_ctx = d->n_ctx > 0 ? d->n_ctx : llml__ctx_default_n_ctx(&m.s, 0);
    p->n_ctx = n_ctx;
    n_seq = d->n_seq > 0 ? d->n_seq : 1;
    n_batch = d->n_batch > 0 ? d->n_batch : 512;
    memset(&cd, 0, sizeof cd);
    cd.n_ctx = n_ctx;
    cd.n_batch = n_batch;
    cd.n_threads = d->n_threads > 0 ? d->n_threads : 8;
    cd.kv_type = d->kv_type;
    r = llml_ctx_sizes_get(&m.s, &cd, &cs);
    if (r != LLML_OK) { llml__free(d->allocator, lw, lsz); llml__pm_free(&m); return r; }
    kv_layer_tok = llml__kv_layer_token(&m.s, llml__ctx_kv_type(&m.s, d->kv_type));
    kv_layer_ctx = kv_layer_tok * (uint64_t)n_ctx * (uint64_t)n_seq;
    p->kv_bytes_per_token = cs.kv_token_bytes;
    p->kv_bytes = kv_layer_ctx * (uint64_t)L;
    p->compute_bytes = cs.act_bytes + cs.attn_bytes + cs.qact_bytes + cs.other_bytes;
    p->output_buf_bytes = (cs.logits_bytes + cs.tokens_bytes) * (uint64_t)n_seq;
    p->overhead_bytes = llml__plan_overhead(d, &m);
    p->total_bytes = total_w + p->kv_bytes + p->compute_bytes + p->output_buf_bytes + p->overhead_bytes;

    /* devices: a CPU named as the device is the host */
    dev = d->device;
    host = d->host;
    if (dev && dev->kind == LLML_DEVICE_CPU) { host = dev; dev = NULL; }
    if (!host) host = &llml__devices[0];
    free_host = llml__gb(host->mem_gb);
    free_host = free_host > llml__plan_margin(host, dev ? 0 : d->margin_gb) ?
                free_host - llml__plan_margin(host, dev ? 0 : d->margin_gb) : 0;
    gen_pos = d->gen_pos > 0 ? d->gen_pos : 256;
    if (gen_pos > n_ctx) gen_pos = n_ctx;
    n_prompt = d->n_prompt > 0 ? d->n_prompt : 512;
    flops_attn_tok = 4.0 * (double)m.s.n_head * (double)llml__shape_hd(&m.s);  /* per layer, per context token */

    /* placement of k layers on the device (the last k; k = L + 1 adds the
       output layer: a tied model's embeddings are then copied there) */
    kmax = 0;
    if (dev) {
        uint64_t mg = llml__plan_margin(dev, d->margin_gb), mem = llml__gb(dev->mem_gb);
        free_dev = mem > mg ? mem - mg : 0;
    }
    p->device_free_bytes = dev ? free_dev : free_host;
    if (dev && dev->kind == LLML_DEVICE_UNIFIED) {
        kmax = p->total_bytes <= free_dev ? L + 1 : 0;   /* one memory for both sides */
    } else if (dev) {
        for (k = L + 1; k >= 0; k--) {
            int64_t j;
            uint64_t db = 0;
            for (j = L - LLML__MIN(k, L); j < L; j++) db += lw[j] + kv_layer_ctx;
            if (k > L) db += outw + (m.s.tied_output ? embd : 0);
            if (k > 0) db += p->compute_bytes;
            if (db <= free_dev) { kmax = k; break; }
        }
    }
    p->n_gpu_layers_max = (int32_t)kmax;
    k_use = !dev ? 0 : (d->n_gpu_layers < 0 ? kmax : LLML__MIN((int64_t)d->n_gpu_layers, L + 1));
    p->n_gpu_layers = (int32_t)k_use;

    memset(&sp, 0, sizeof sp);
    {
        int64_t j, nl_dev = LLML__MIN(k_use, L);
        uint64_t kv_read_layer = kv_layer_tok * (uint64_t)gen_pos;
        for (j = 0; j < L; j++) {
            int on_dev = j >= L - nl_dev;
            if (on_dev) {
                sp.dev_bytes += lw[j] + kv_layer_ctx;
                sp.dev_read += lread[j] + kv_read_layer;
                sp.dev_w += lw[j];
                sp.dev_layers++;
            } else {
                sp.host_bytes += lw[j] + kv_layer_ctx;
                sp.host_read += lread[j] + kv_read_layer;
                sp.host_w += lw[j];
                sp.host_layers++;
            }
        }
        sp.dev_flops = flops_layer * (double)sp.dev_layers;
        sp.host_flops = flops_layer * (double)sp.host_layers;
        /* the output layer (tied: the whole embedding table is the output
           matrix) and one embedding row */
        if (k_use > L) {
            sp.dev_bytes += outw + (m.s.tied_output ? embd : 0);
            sp.dev_read += outw + (m.s.tied_output ? embd : 0);
        } else {
            sp.host_read += outw + (m.s.tied_output ? embd : 0);
        }
        sp.host_read += m.s.tied_output ? 0 : embd / (uint64_t)m.s.n_vocab;
        sp.host_bytes += embd + (k_use > L ? 0 : outw);
        if (k_use > 0) sp.dev_bytes += p->compute_bytes;
        sp.host_bytes += p->compute_bytes + p->output_buf_bytes + p->overhead_bytes;
    }
    if (dev && dev->kind == LLML_DEVICE_UNIFIED) {
        p->device_bytes = p->total_bytes;
        p->host_bytes = 0;
        p->fits = kmax == L + 1;
    } else {
        p->device_bytes = dev ? sp.dev_bytes : 0;
        p->host_bytes = sp.host_bytes;
        p->fits = dev ? kmax == L + 1 && k_use == L + 1 : p->total_bytes <= free_host;
    }
    p->bytes_per_token = sp.dev_read + sp.host_read;
    lf = flops_layer * (double)L;
    p->flops_per_token = lf + flops_attn_tok * (double)L * (double)n_prompt / 2.0;

    /* speeds */
    {
        double be_d = 0, ce_d = 0, lu_d = 0, be_h, ce_h, lu_h, t_gen, t_full, t_fixed;
        double kv_full = (double)kv_layer_tok * (double)(n_ctx - gen_pos);
        llml_device_defaults(host, &be_h, &ce_h, &lu_h);
        if (dev) llml_device_defaults(dev, &be_d, &ce_d, &lu_d);
        t_fixed = (double)sp.dev_layers * lu_d * 1e-6 + (double)sp.host_layers * lu_h * 1e-6 +
                  llml__device_token_us(k_use > 0 ? dev : host) * 1e-6;
        t_gen = t_fixed + (double)sp.host_read / (be_h * host->bw_gbs * 1e9);
        t_full = t_gen + kv_full * (double)sp.host_layers / (be_h * host->bw_gbs * 1e9);
        if (dev && sp.dev_read) {
            t_gen += (double)sp.dev_read / (be_d * dev->bw_gbs * 1e9);
            t_full += (double)sp.dev_read / (be_d * dev->bw_gbs * 1e9) +
                      kv_full * (double)sp.dev_layers / (be_d * dev->bw_gbs * 1e9);
        }
        p->gen_tps = 1.0 / t_gen;
        p->gen_tps_full = 1.0 / t_full;
        /* prompt: per batch, each side takes the longer of its FLOPs and its
           weight reads; every layer pays its fixed cost once per batch */
        {
            double t = 0, left = (double)n_prompt, flops_tok_attn = flops_attn_tok * (double)n_prompt / 2.0;
            int ok = host->tflops > 0 && (!dev || sp.dev_layers == 0 || dev->tflops > 0);
            while (ok && left > 0) {
                double nb = left < (double)n_batch ? left : (double)n_batch, th = 0, td = 0;
                if (sp.host_layers) {
                    double f = (sp.host_flops + flops_tok_attn * (double)sp.host_layers) * nb;
                    th = LLML__MAX(f / (ce_h * host->tflops * 1e12),
                                   (double)sp.host_w / (be_h * host->bw_gbs * 1e9));
                }
                if (dev && sp.dev_layers) {
                    double f = (sp.dev_flops + flops_tok_attn * (double)sp.dev_layers) * nb;
                    td = LLML__MAX(f / (ce_d * dev->tflops * 1e12),
                                   (double)sp.dev_w / (be_d * dev->bw_gbs * 1e9));
                }
                t += th + td + t_fixed;
                left -= nb;
            }
            p->prompt_tps = ok && t > 0 ? (double)n_prompt / t : 0;
        }
        {
            const llml_device *main_dev = k_use > 0 ? dev : host;
            const char *how = (main_dev->bw_eff > 0 || main_dev->layer_us > 0) ? "calibrated" : "default";
            if (dev && k_use > 0 && k_use < L + 1)
                snprintf(p->note, sizeof p->note,
                         "partial offload (%d of %d layers on %s): speed set mostly by the host (%s%s); expect +-50%%",
                         (int)k_use, (int)L + 1, dev->name, host->name, d->host ? "" : ", assumed");
            else
                snprintf(p->note, sizeof p->note,
                         "bandwidth model, %s efficiency %.2f of %.0f GB/s on %s; typical error 25%% "
                         "(old GPUs without int8 dot products: slower)",
                         how, k_use > 0 ? be_d : be_h, main_dev->bw_gbs, main_dev->name);
        }
    }
    llml__free(d->allocator, lw, lsz);
    llml__pm_free(&m);
    return LLML_OK;
}

LLML_API llml_result llml_plan_tensors(const llml_plan_desc *d, llml_plan_tensor *out, int64_t cap,
                                       int64_t *n, llml_error *err) {
    llml__pm m;
    llml_result r;
    int64_t i;
    if (!d || !n || cap < 0 || (cap > 0 && !out)) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_tensors: bad argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__pm_build(d, &m, 0, err);
    if (r != LLML_OK) return r;
    *n = m.n;
    for (i = 0; i < m.n && i < cap; i++) {
        const llml_tensor_shape *t = &m.t[i];
        llml_plan_tensor *o = &out[i];
        memset(o, 0, sizeof *o);
        snprintf(o->name, sizeof o->name, "%s", t->name);
        o->type = m.ch[i].type;
        o->layer = m.layer[i];
        o->n_elements = (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
        o->bytes = m.bytes[i];
        o->bpw = o->n_elements ? (double)o->bytes * 8.0 / (double)o->n_elements : 0;
        o->hypothetical = m.hyp_bpw > 0 && m.ch[i].quantize;
    }
    llml__pm_free(&m);
    return m.n > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

LLML_API llml_result llml_device_calibrate(llml_device *d, const llml_plan *p, double gen_tps, double prompt_tps) {
    double be, ce, lu;
    if (!d || !p || gen_tps < 0 || prompt_tps < 0 || !(d->bw_gbs > 0)) return LLML_ERR_INVALID_ARG;
    if (p->n_gpu_layers > 0 && p->n_gpu_layers < p->n_layer + 1) return LLML_ERR_UNSUPPORTED;
    llml_device_defaults(d, &be, &ce, &lu);
    if (gen_tps > 0 && p->gen_tps > 0) {
        /* keep the fixed costs, move the bandwidth share */
        double t_mem = (double)p->bytes_per_token / (be * d->bw_gbs * 1e9);
        double t_fixed = 1.0 / p->gen_tps - t_mem, t_meas = 1.0 / gen_tps;
        if (t_fixed < 0) t_fixed = 0;
        if (t_meas - t_fixed > 0.05 * t_meas) {
            d->bw_eff = (double)p->bytes_per_token / ((t_meas - t_fixed) * d->bw_gbs * 1e9);
        } else {
            /* faster than the fixed costs allow: shrink them */
            double s = 0.95 * t_meas / (t_fixed > 0 ? t_fixed : 1);
            d->layer_us = lu * s;
            d->token_us = llml__device_token_us(d) * s;
            d->bw_eff = (double)p->bytes_per_token / (0.05 * t_meas * d->bw_gbs * 1e9);
        }
        if (d->bw_eff > 1.0) d->bw_eff = 1.0;
    }
    if (prompt_tps > 0 && p->prompt_tps > 0) {
        d->compute_eff = ce * prompt_tps / p->prompt_tps;
        if (d->compute_eff > 1.0) d->compute_eff = 1.0;
    }
    return LLML_OK;
}

/* ---- a program's peak resident memory ---- */

/* An allocator that counts what passes through it (peak of live bytes). */
typedef struct llml__count_alloc {
    const llml_allocator *under;
    uint64_t live, peak;
} llml__count_alloc;

static void *llml__count_alloc_fn(void *user, size_t size, size_t align) {
    llml__count_alloc *c = (llml__count_alloc *)user;
    void *p = llml__alloc(c->under, size, align);
    if (p) {
        c->live += size;
        if (c->live > c->peak) c->peak = c->live;
    }
    return p;
}

static void llml__count_free_fn(void *user, void *p, size_t size) {
    llml__count_alloc *c = (llml__count_alloc *)user;
    if (!p) return;
    c->live -= size;
    llml__free(c->under, p, size);
}

static uint64_t llml__page_size(void) {
#if defined(LLML__THREADS) && defined(_SC_PAGESIZE)
    long p = sysconf(_SC_PAGESIZE);
    if (p >= 4096 && p <= (1L << 20)) return (uint64_t)p;
#endif
    return 4096;
}

/* The heap a parsed header holds: the handle, its arena blocks (keys,
   strings, array values), the key and tensor tables and their hashes. */
static uint64_t llml__gguf_heap_bytes(const llml_gguf *g) {
    const llml__gguf_block *b;
    uint64_t n = sizeof(llml_gguf);
    for (b = g->arena; b; b = b->next) n += sizeof(llml__gguf_block) + b->size;
    n += g->cap_kv * sizeof(llml__gguf_kv) + g->cap_t * sizeof(llml__gguf_tensor);
    n += (g->hkv.cap + g->ht.cap) * sizeof(uint64_t);
    return n;
}

LLML_API llml_result llml_plan_rss(const llml_rss_desc *d, llml_rss *out, llml_error *err) {
    llml_shape s;
    llml_ctx_sizes cs;
    llml_ctx_desc cd;
    llml_result r;
    llml__count_alloc cnt;
    llml_allocator ca;
    const llml_gguf *g;
    uint64_t page, unit, file, i, n_t, conv = 0;
    int64_t ti;
    int32_t n_threads;
    if (!d || !out || !d->gguf) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_rss: a model header is needed");
        return LLML_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (d->n_tokens < 0 || d->n_outputs < 0) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_plan_rss: a negative count");
        return LLML_ERR_INVALID_ARG;
    }
    g = d->gguf;
    r = llml_shape_from_gguf(g, &s, err);
    if (r != LLML_OK) return r;
    if (s.n_ctx_train <= 0) s.n_ctx_train = 2048;   /* the loader's default */
    cd = d->ctx;
    r = llml__ctx_measure(&s, NULL, &cd, NULL, &cs);
    if (r != LLML_OK) {
        llml__set_error(err, r, UINT64_MAX, "llml_plan_rss: the context cannot be sized (%s)", llml_result_string(r));
        return r;
    }

    /* the mapped file: every page, less the embedding rows never read */
    page = llml__page_size();
    unit = d->map_unit ? d->map_unit : 65536;
    if (unit < page) unit = page;
    file = (llml_gguf_file_size(g) + page - 1) / page * page;
    out->file_bytes = file;
    ti = llml_gguf_find_tensor(g, "token_embd.weight");
    if (ti >= 0) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, ti);
        uint64_t eb = t->size, rows = t->ne[1] > 0 ? (uint64_t)t->ne[1] : 1;
        out->embd_bytes = eb;
        if (!s.tied_output && eb > unit) {
            /* n rows at random: a unit is brought in when one of them meets
               it, with probability (unit + row) / table for each row */
            double units = ceil((double)eb / (double)unit), n = d->n_tokens > 0 ? d->n_tokens : 1;
            double q = ((double)unit + (double)(eb / rows)) / (double)eb, hit;
            if (q > 1) q = 1;
            hit = units * (1.0 - pow(1.0 - q, n)) * (double)unit;
            if (hit < (double)eb) out->embd_bytes = (uint64_t)hit;
            out->file_bytes -= eb - out->embd_bytes;
        }
    }

    /* llmlite's allocations */
    out->gguf_bytes = llml__gguf_heap_bytes(g);
    memset(&cnt, 0, sizeof cnt);
    cnt.under = d->allocator;
    ca.alloc = llml__count_alloc_fn;
    ca.free = llml__count_free_fn;
    ca.user = &cnt;
    {
        llml_vocab *v = NULL;
        r = llml_vocab_load(g, &ca, &v, err);
        if (r != LLML_OK && r != LLML_ERR_NOT_FOUND) return r;
        if (r == LLML_ERR_NOT_FOUND && err) memset(err, 0, sizeof *err);   /* no tokenizer: token ids only */
        llml_vocab_free(v);
        out->vocab_bytes = cnt.peak;
    }
    /* the model: its handle, the layer table, 1-D tensors stored other
       than as F32 (converted to F32 at load) */
    n_t = (uint64_t)llml_gguf_n_tensors(g);
    for (i = 0; i < n_t; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, (int64_t)i);
        if (t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1 && t->type != LLML_TYPE_F32) conv += (uint64_t)t->ne[0] * 4u;
    }
    out->model_bytes = sizeof(llml_model) + (uint64_t)s.n_layer * sizeof(llml__layer) + conv;
    out->ctx_bytes = cs.block_bytes + sizeof(llml_ctx);
    out->logits_bytes = cs.logits_bytes * (uint64_t)(d->n_outputs > 0 ? d->n_outputs : 1);
    if (d->sampler) {
        llml_sampler *smp = NULL;
        llml_sampler_desc sd = llml_sampler_default_desc();
        memset(&cnt, 0, sizeof cnt);
        cnt.under = d->allocator;
        if (llml_sampler_create(&sd, (int32_t)s.n_vocab, &ca, &smp) == LLML_OK) llml_sampler_free(smp);
        out->sampler_bytes = cnt.peak;
    }
    n_threads = cd.n_threads > 0 ? cd.n_threads : cd.parallel_for ? 4 : LLML__MIN(llml__cpu_count(), 8);
    if (n_threads > LLML__MAX_THREADS) n_threads = LLML__MAX_THREADS;
#ifdef LLML__THREADS
    if (!cd.parallel_for && n_threads > 1) out->threads_bytes = (uint64_t)(n_threads - 1) * 2u * page;
#endif
    out->baseline_bytes = d->baseline_bytes ? d->baseline_bytes : LLML_RSS_BASELINE;
    out->total_bytes = out->baseline_bytes + out->file_bytes + out->gguf_bytes + out->vocab_bytes + out->model_bytes +
                       out->ctx_bytes + out->logits_bytes + out->sampler_bytes + out->threads_bytes;
    return LLML_OK;
}

#endif /* LLMLITE_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
llmlite is available under the MIT License:

Copyright (c) 2026 the llmlite authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
