
/* ---- backends: layers on a GPU through a table of hooks ----------------- */

/* A backend runs some of a model's layers on another device. It is a table
   of functions (llml_backend) that a context calls: open the device, say
   which formats and operations it supports, take the weights of the layers
   it gets, run a range of layers on the residual stream, move KV cache rows
   in and out, close. The CPU path is always there: a context runs every
   layer the backend does not take. Built-in tables: llml_backend_cuda()
   (when the implementation is compiled by nvcc), llml_backend_metal() (when
   compiled as Objective-C with LLML_METAL on Apple platforms) and
   llml_backend_reference() (always: plain C on the CPU, the CUDA backend's
   arithmetic without the GPU; for tests, and a template for new backends).
   A program may fill in an llml_backend of its own. See the manual, section
   6, for placement, fallback and what runs where. */

/* Operations a layer needs; llml_backend.supports is asked about each. */
typedef enum llml_backend_op {
    LLML_BACKEND_OP_MATMUL = 0,     /* weight matrix (of the type asked) times activations */
    LLML_BACKEND_OP_RMSNORM = 1,
    LLML_BACKEND_OP_ROPE = 2,       /* pairs (x[2i], x[2i+1])                      */
    LLML_BACKEND_OP_ROPE_NEOX = 3,  /* halves (x[i], x[i + n_rot/2])               */
    LLML_BACKEND_OP_SOFTMAX = 4,
    LLML_BACKEND_OP_SWIGLU = 5,     /* silu(gate) * up                              */
    LLML_BACKEND_OP_GEGLU = 6,      /* gelu(gate) * up                              */
    LLML_BACKEND_OP_ATTENTION = 7,  /* over a KV cache of the type asked, kept on the device */
    LLML_BACKEND_OP_SOFTCAP = 8,    /* tanh soft-capping of scores or logits        */
    LLML_BACKEND_OP_SLIDING_WINDOW = 9, /* attention limited to the last window tokens */
    LLML_BACKEND_OP_EXPERTS = 10,   /* mixture of experts: routing, top-k, weighted sum */
    LLML_BACKEND_OP_COUNT = 11,
    LLML_BACKEND_OP_FORCE_U32 = 0x7fffffff
} llml_backend_op;

/* A weight matrix in the model's file (host memory, valid while the model
   lives): ne[0] elements per row, ne[1] rows, ne[2] experts (1 if not
   stacked). data NULL: absent. */
typedef struct llml_backend_weight {
    const void *data;
    llml_type type;
    int64_t ne[3];
    size_t row_bytes;
} llml_backend_weight;

/* One layer. Vectors are F32 host arrays (NULL: absent): norms of n_embd
   (q_norm/k_norm: head_dim, applied to each head), biases of the q/k/v
   widths. wqkv, when present, replaces wq/wk/wv (rows: q, then k, then v).
   Without ffn_gate (and without experts) ffn_up holds the gate rows and
   then the up rows (2 x n_ff). Experts: gate_inp routes, *_exps are stacked;
   the shared expert (*_shexp) is added, scaled by sigmoid(x . gate_inp_shexp)
   when that vector is present. */
typedef struct llml_backend_layer {
    const float *attn_norm, *attn_post_norm, *ffn_norm, *ffn_post_norm;
    const float *q_norm, *k_norm;
    const float *bq, *bk, *bv;
    llml_backend_weight wq, wk, wv, wqkv, wo;
    llml_backend_weight ffn_gate, ffn_up, ffn_down;
    llml_backend_weight gate_inp, gate_exps, up_exps, down_exps;
    const float *gate_inp_shexp;
    llml_backend_weight gate_shexp, up_shexp, down_shexp;
    int32_t n_head_kv;
    int32_t n_ff;
    int32_t sliding_window;   /* tokens a query sees (itself included); 0: all */
    float rope_base, rope_scale;
} llml_backend_layer;

/* The model, as a backend sees it: hyperparameters and every layer.
   The computation of one layer, which every backend must reproduce:
     cur = rmsnorm(x) * attn_norm
     q, k, v = cur Wq (+bq), cur Wk (+bk), cur Wv (+bv); q_norm/k_norm per head
     RoPE on q and k at their positions (theta_i = pos * rope_scale *
       rope_base^(-2i/n_rot) / rope_freqs[i]); q *= attn_scale if attn_scale_pre
     K, V of the tokens into the cache; per head: s = q.k (softcapped:
       tanh(s/attn_softcap) * attn_softcap), times attn_scale unless
       attn_scale_pre; causal, sliding window; softmax; sum of p v
     cur = att Wo (then rmsnorm * attn_post_norm); x += cur
     cur = rmsnorm(x) * ffn_norm; ffo = W_down (act(cur W_gate) * cur W_up)
       (act: SiLU, or GELU with gelu = 1, tanh form, through half precision);
       experts: softmax over cur W_gate_inp, the top n_expert_used (weights
       renormalized when norm_w_experts), sum of weight x expert FFN
     (ffo = rmsnorm(ffo) * ffn_post_norm); x += ffo
   and at the end: logits = (rmsnorm(x) * output_norm) W_output, softcapped
   by final_softcap. Activations meet quantized weights the way the CPU does:
   converted to the format's activation type (llml_type_info.vec_dot_type). */
typedef struct llml_backend_model {
    int32_t n_layer, n_embd, n_head, head_dim, n_rot, n_vocab;
    llml_rope_style rope_style;
    float norm_eps;
    float attn_scale;
    int32_t attn_scale_pre;
    float attn_softcap, final_softcap;   /* 0: none */
    int32_t gelu;
    int32_t n_expert, n_expert_used, norm_w_experts;
    const float *rope_freqs;             /* n_rot/2 factors, or NULL          */
    const float *output_norm;
    llml_backend_weight output;
    const llml_backend_layer *layers;    /* n_layer                           */
} llml_backend_model;

/* What upload hands over: the layers the backend runs (flags; layers[i]
   of the model when run_layer[i] is 1), the output layer, and the context
   the KV cache is for. */
typedef struct llml_backend_load {
    const llml_backend_model *model;
    const uint8_t *run_layer;  /* n_layer flags                               */
    int32_t output;            /* 1: the final norm and output matrix too     */
    int32_t n_ctx;             /* tokens the cache holds                      */
    int32_t n_batch;           /* most tokens of one run call                 */
    llml_type kv_type;         /* K and V rows as the context stores them:
                                  F32, F16 or Q8_0 (34-byte blocks of 32)      */
} llml_backend_load;

/* One call of run: the layers [layer_begin, layer_end) (all uploaded; may
   be empty) on n_tokens tokens at positions pos0.., which also go into the
   cache. x holds their residual stream (n_tokens x n_embd floats, host
   memory): read at the start, written back at the end when want_x is 1.
   With out_rows > 0 (the output layer uploaded) the logits of the last
   out_rows tokens are written to logits (out_rows x n_vocab). */
typedef struct llml_backend_run {
    int32_t layer_begin, layer_end;
    int64_t n_tokens, pos0;
    float *x;
    int32_t want_x;
    int64_t out_rows;
    float *logits;
} llml_backend_run;

/* What open receives. */
typedef struct llml_backend_open {
    int32_t device;                  /* device index (0: the first)          */
    const llml_allocator *allocator; /* for host memory; NULL: default       */
    llml_log_fn log;                 /* NULL: silent                          */
    void *log_user;
} llml_backend_open;

typedef struct llml_backend_device {
    char name[128];            /* "NVIDIA H100 80GB HBM3"                     */
    uint64_t total_bytes;      /* device memory                               */
    uint64_t free_bytes;       /* of it, free now                             */
    int32_t unified;           /* 1: the device shares the host's memory      */
} llml_backend_device;

/* Measured speeds of a device (llml_backend.measure). */
typedef struct llml_backend_measure {
    double copy_gbs;           /* device-to-device copy, (read + write bytes) / s / 1e9 */
    double read_gbs;           /* a streaming read kernel, bytes read / s / 1e9 */
    double matmul_tops;        /* the backend's own quantized matrix product at
                                  a large batch, 1e12 multiply-adds x 2 / s  */
    double peak_tops;          /* its arithmetic at full occupancy (the int8
                                  dot-product instructions the products use) */
    char note[128];
} llml_backend_measure;

/* The table of hooks. State is the backend's own object, made by open.
   Every function but open receives it. Calls come from the thread using
   the context, one at a time. Functions marked optional may be NULL.
   Errors: return a negative llml_result (LLML_ERR_DEVICE for a device or
   driver failure, LLML_ERR_OUT_OF_MEMORY for device memory) and say why in
   last_error. */
struct llml_backend {
    const char *name;          /* "cuda", "metal", "reference"               */
    void *user;                /* passed to open                             */
    /* Open a device: LLML_ERR_UNSUPPORTED when there is none (the context
       then tries the next backend of its list). */
    llml_result (*open)(void *user, const llml_backend_open *desc, void **state);
    void (*close)(void *state);
    llml_result (*device_info)(void *state, llml_backend_device *out);
    /* 1 if op can run with type (the weight format for MATMUL, the KV cache
       format for ATTENTION, F32 for the others), else 0. */
    int32_t (*supports)(void *state, llml_type type, llml_backend_op op);
    /* Take the weights of the flagged layers (and the output layer) and
       make the KV cache for them. Called once. *bytes: device memory now
       held (may be NULL). */
    llml_result (*upload)(void *state, const llml_backend_load *load, uint64_t *bytes);
    llml_result (*run)(void *state, const llml_backend_run *run);
    /* Optional: y[t] = W(expert) x[t] for n rows of x (ne[0] floats each)
       into y (ne[1] floats each); any weight, uploaded or not. */
    llml_result (*matmul)(void *state, const llml_backend_weight *w, int64_t expert,
                          const float *x, int64_t n, float *y);
    /* Copy cache rows pos0..pos0+n-1 of a layer out of (read) or into
       (write) the device, in the load's kv_type layout (rows back to back). */
    llml_result (*kv_read)(void *state, int32_t layer, int64_t pos0, int64_t n, void *k, void *v);
    llml_result (*kv_write)(void *state, int32_t layer, int64_t pos0, int64_t n,
                            const void *k, const void *v);
    llml_result (*synchronize)(void *state);                       /* optional */
    llml_result (*measure)(void *state, llml_backend_measure *out); /* optional */
    const char *(*last_error)(void *state);                        /* optional */
};

/* The built-in backends (static tables), or NULL where not compiled in:
   CUDA needs the implementation compiled by nvcc (e.g. examples/llmlite_cuda.cu),
   Metal the implementation compiled as Objective-C with LLML_METAL defined
   on an Apple platform. The reference backend is always there. */
LLML_API const llml_backend *llml_backend_cuda(void);
LLML_API const llml_backend *llml_backend_metal(void);
LLML_API const llml_backend *llml_backend_reference(void);

/* Options of the reference backend: put a pointer to one in the `user` field
   of a copy of *llml_backend_reference(). */
typedef struct llml_backend_reference_options {
    uint64_t memory_bytes;     /* the "device memory" it reports; 0: 64 GiB  */
    const uint8_t *types;      /* LLML_TYPE_COUNT flags of the weight formats it
                                  takes; NULL: F32 F16 BF16 Q4_0 Q8_0 Q4_K Q5_K
                                  Q6_K IQ4_XS (what the CUDA backend takes)  */
} llml_backend_reference_options;

/* Where a context runs its layers (llml_ctx_get_backend). */
typedef struct llml_ctx_backend_info {
    const char *name;          /* the backend's name; "" when the CPU alone  */
    char device[128];
    int32_t n_layers;          /* layers the backend runs                     */
    int32_t n_fallback;        /* layers placed on it that run on the CPU
                                  (formats or operations it lacks)           */
    int32_t output;            /* 1: the output layer runs on it              */
    uint64_t device_bytes;     /* device memory it holds for the context      */
} llml_ctx_backend_info;

LLML_API llml_result llml_ctx_get_backend(const llml_ctx *c, llml_ctx_backend_info *out);
/* 1 if layer il of c runs on the backend (il = n_layer: the output layer). */
LLML_API int32_t llml_ctx_layer_on_backend(const llml_ctx *c, int32_t il);
/* The backend's measure hook (LLML_ERR_UNSUPPORTED without one). */
LLML_API llml_result llml_ctx_backend_measure(llml_ctx *c, llml_backend_measure *out);
