
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
    int32_t no_repack;               /* keep the file's row order: see below  */
} llml_model_desc;

/* Load a model from a file (memory-mapped where the platform allows), from
   a caller's buffer (used in place: it must outlive the model), or through a
   read callback (weights are read into memory). desc may be NULL. On failure
   *out is NULL and err (may be NULL) says what is wrong; an unsupported
   architecture gives LLML_ERR_UNSUPPORTED_ARCH with the supported list in
   err->message; a missing or misshapen tensor LLML_ERR_BAD_SHAPE or
   LLML_ERR_NOT_FOUND naming it. Thread safety: any thread.

   Repacking: a file mapped on a POSIX system, on a CPU whose best kernels
   read matrices faster in row-interleaved panels (AVX-512: Q4_0, Q5_0,
   Q8_0, IQ4_NL, Q4_K, Q6_K; AVX2: Q4_0, Q5_0, Q8_0, IQ4_NL), gets those
   matrices (not the token embeddings) copied into that layout as it loads,
   read from the file (about 0.5 s per GB from the page cache). The copies
   replace the mapped pages in memory, so resident memory stays about the
   file's size. Contexts whose kernels read that layout use the copies (an
   isa_cap of AVX2 does for the first four formats); others (a lower cap,
   GPU backends, the gguf handle) read the file's layout from the mapping. Set no_repack when every
   layer goes to a GPU (the copies would then be unused memory) or to keep
   the load lazy.

   Read-ahead: for a mapped file on a POSIX system, the tensors still read
   through the mapping (the token embeddings, whose rows are looked up at
   random, and whatever is not repacked) are advised WILLNEED as the load
   ends, so the page cache fills in the background instead of on a
   generated token's page faults. This is advice only: it maps nothing in,
   so resident memory is unchanged. It is skipped when those tensors exceed
   half the physical memory. */
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

/* A backend (a GPU): a table of hooks, section "backends" below. */
typedef struct llml_backend llml_backend;

/* n_gpu_layers values (llml_ctx_desc). */
#define LLML_GPU_LAYERS_AUTO 0     /* as many as the device's free memory holds
                                      (llml_plan_compute's placement)        */
#define LLML_GPU_LAYERS_NONE (-1)  /* none: every layer on the CPU           */

/* Where the output layer (final norm, output matrix) runs. */
typedef enum llml_output_place {
    LLML_OUTPUT_DEFAULT = 0,   /* on the backend when n_gpu_layers counts it
                                  (more than n_layer, or auto and it fits)   */
    LLML_OUTPUT_CPU = 1,
    LLML_OUTPUT_BACKEND = 2,   /* on the backend (the CPU if it lacks the format) */
    LLML_OUTPUT_FORCE_U32 = 0x7fffffff
} llml_output_place;

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
    /* GPU offload (section "backends"; manual, section 6) */
    const llml_backend *const *backends; /* tried in order: the first that opens
                            a device runs layers; NULL: the CPU alone        */
    int32_t n_backends;
    int32_t n_gpu_layers;   /* layers on the backend: LLML_GPU_LAYERS_AUTO (0),
                               LLML_GPU_LAYERS_NONE, or a count (the last
                               n_gpu_layers layers, as llml_plan_compute places
                               them; more than n_layer also puts the output
                               layer there)                                  */
    int32_t gpu_layers_first; /* 1: the first n_gpu_layers layers instead    */
    llml_output_place output_place;
    int32_t device;         /* device index given to the backend             */
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
    const int32_t *prompt_tokens;      /* the prompt as token ids, used as they are (no
                                          BOS added), e.g. from llml_tokenize_infill;
                                          takes the place of prompt and messages */
    int32_t n_prompt_tokens;
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
   With prompt_tokens the prompt is those ids (each checked against the
   vocabulary: LLML_ERR_INVALID_ARG) and no text is tokenized.
   Returns LLML_OK (also for stop_reason 5 with n_keep -1), LLML_ERR_ABORTED
   (stop_reason 4), LLML_ERR_CONTEXT_FULL for a prompt longer than n_ctx,
   LLML_ERR_NOT_FOUND for messages when the model has no chat template and
   style is 0. res may be NULL; when given it is always filled (stop_reason
   -1 on errors). */
LLML_API llml_result llml_generate(llml_ctx *c, const llml_generate_desc *desc,
                                   llml_generate_result *res);
