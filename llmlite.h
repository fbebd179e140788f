/* llmlite.h 0.1.0 - GGUF language models in one C header - MIT licence (full text at the end of this file)

   ==========================================================================
   MANUAL
   ==========================================================================

   Contents (grep tags of the implementation sections in brackets)
     1. Quick start
     2. Concepts and ownership
     3. Build macros
     4. Memory
     5. Threads
     6. Backends and SIMD
     7. GGUF and security                      [>>gguf]
     8. Tensor formats                         [>>types >>quant_basic >>quant_k
                                                >>quant_iq2 >>quant_iq3 >>quant_iq1]
     9. Errors and logging                     [>>common]
    10. Versioning
    11. What llmlite does NOT do (yet)

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

   --------------------------------------------------------------------------
   3. Build macros
   --------------------------------------------------------------------------
     LLMLITE_IMPLEMENTATION  define in exactly one file to compile the library
     LLML_STATIC             make every function static (private copy per file)
     LLML_API                override the declaration prefix (e.g. dllexport)
     LLML_MALLOC(sz), LLML_FREE(p)  default allocator (malloc/free); define both
     LLML_ASSERT(x)          internal invariant checks (default: assert)
     LLML_NO_MMAP            never memory-map: files are read into memory

   --------------------------------------------------------------------------
   4. Memory
   --------------------------------------------------------------------------
   Every allocation goes through an llml_allocator given in a desc (alloc gets
   size and alignment, free gets the size back), or LLML_MALLOC/LLML_FREE when
   none is given. Weights come from a memory map, the caller's buffer, or a
   read callback. Quantizers allocate scratch tables per call and free them.

   --------------------------------------------------------------------------
   5. Threads
   --------------------------------------------------------------------------
   Functions on different handles may run in different threads at once. A
   reader handle is read-only after opening: any number of threads may query
   it. A writer is used by one thread at a time. Format functions
   (llml_dequantize_row, llml_quantize_rows, llml_vec_dot*) are thread safe.

   --------------------------------------------------------------------------
   6. Backends and SIMD
   --------------------------------------------------------------------------
   This version contains the portable scalar reference of every format only.
   SIMD kernels chosen at run time and GPU hooks come in later versions.

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
   - No model execution, tokenizers or sampling in this version (planned).
   - No big-endian GGUF files.
   - No training, no fine-tuning, no network access of any kind.
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
    LLML_ERR_UNSUPPORTED = -17     /* valid, but not implemented here        */
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
/* >>gguf  STUB: to be replaced                                             */
/* ------------------------------------------------------------------------ */
/* ------------------------------------------------------------------------ */
/* >>quant_basic  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_f16(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_f16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_f16(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_bf16(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_bf16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_bf16(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q4_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q4_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q4_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q4_1(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q4_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q4_1(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q5_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q5_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q5_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q5_1(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q5_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q5_1(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q8_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q8_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q8_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q8_1(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q8_1(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q8_1(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq4_nl(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq4_nl(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq4_nl(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq4_xs(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq4_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq4_xs(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_tq1_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_tq1_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_tq1_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_tq2_0(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_tq2_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_tq2_0(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
/* ------------------------------------------------------------------------ */
/* >>quant_k  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_q2_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q2_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q2_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q3_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q3_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q3_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q4_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q4_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q4_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q5_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q5_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q5_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q6_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q6_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q6_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_q8_k(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_q8_k(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_q8_k(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
/* ------------------------------------------------------------------------ */
/* >>quant_iq2  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_iq2_xxs(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq2_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq2_xxs(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq2_xs(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq2_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq2_xs(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq2_s(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq2_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq2_s(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
/* ------------------------------------------------------------------------ */
/* >>quant_iq3  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_iq3_xxs(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq3_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq3_xxs(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq3_s(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq3_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq3_s(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
/* ------------------------------------------------------------------------ */
/* >>quant_iq1  STUB: to be replaced                                        */
/* ------------------------------------------------------------------------ */
static void llml__dequant_iq1_s(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq1_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq1_s(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }
static void llml__dequant_iq1_m(const void *src, float *dst, int64_t n) { (void)src; memset(dst, 0, (size_t)n * sizeof(float)); }
static llml_result llml__quant_iq1_m(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)imatrix; return LLML_ERR_UNSUPPORTED; }
static float llml__dot_iq1_m(const void *w, const void *act, int64_t n) { (void)w; (void)act; (void)n; return 0.0f; }

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
