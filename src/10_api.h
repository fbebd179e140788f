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
    LLML_ERR_ABORTED = -21,        /* stopped by llml_ctx_cancel             */
    LLML_ERR_DEVICE = -22          /* a backend's device or driver failed    */
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

