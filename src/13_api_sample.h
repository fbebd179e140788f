
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
