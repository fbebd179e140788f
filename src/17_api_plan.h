
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
    double mv_eff;            /* fraction of mv_gws reached inside a model;
                                 0: 1 (set by llml_device_calibrate)        */
    const double *mv_gws;     /* CPU: matrix-vector rate by weight type, 1e9
                                 weights/s at the plan's thread count
                                 (LLML_TYPE_COUNT entries, llml_cpu_mv_rate);
                                 NULL or 0: memory bandwidth alone           */
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
    double gen_mv_s;            /* host: seconds per token the cores need for the
                                   matrix-vector products at the rates of
                                   host->mv_gws (0: no rates)              */
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

/* Measure this CPU's matrix-vector rate for weight format `type`: 1e9
   weights per second decoded and multiplied by one activation row, by
   n_threads threads (0: 1) with the kernels a context capped at isa_cap
   would choose, on rows of 4096 columns. `bytes` is the weights' size: 0
   keeps them in the caches (256 KiB per thread: the cores' own speed);
   more than the last-level cache streams them from memory as generation
   does (the cores and the memory together). Takes about `seconds` (0:
   0.05). Where a model loaded from a file is repacked for this CPU's
   kernels (llml_model_desc.no_repack), the weights are measured in that
   layout. Put the rates in llml_device.mv_gws and plans account for them.
   LLML_ERR_UNSUPPORTED for a format without a kernel here. Thread safety:
   any thread (it starts its own threads). */
LLML_API llml_result llml_cpu_mv_rate(llml_type type, int32_t n_threads, llml_isa isa_cap, uint64_t bytes,
                                      double seconds, double *gws);

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
    int32_t no_repack;         /* the program loads with llml_model_desc.no_repack */
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
    uint64_t repack_bytes;     /* weight matrices repacked at load (see
                                  llml_model_load_file): heap copies whose file
                                  pages are then not read (not in file_bytes)   */
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
   holds; the context is llml_ctx_sizes_get's block; on a POSIX system the
   matrices that loading repacks for this CPU move from the file to the
   heap (repack_bytes). Expert models count
   every expert as read. Returns LLML_ERR_INVALID_ARG without a header,
   the errors of llml_shape_from_gguf and llml_vocab_load. Thread safety:
   any thread. */
LLML_API llml_result llml_plan_rss(const llml_rss_desc *desc, llml_rss *out, llml_error *err);
