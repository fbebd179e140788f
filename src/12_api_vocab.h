
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

/* ---- fill-in-the-middle (infill) ---------------------------------------- */

/* The fill-in-the-middle tokens of a code model: prefix (FIM_PRE), suffix
   (FIM_SUF) and middle (FIM_MID), from the keys tokenizer.ggml.fim_pre_token_id
   / fim_suf_token_id / fim_mid_token_id (or the older prefix_token_id /
   suffix_token_id / middle_token_id, which win when both are present, as in
   the reference), else found by their text: <|fim_prefix|> (Qwen 2.5 Coder),
   <fim_prefix> (StarCoder, Granite), <fim-prefix>, <｜fim▁begin｜> (DeepSeek
   Coder), <PRE> / ▁<PRE> (CodeLlama), <|code_prefix|> and the matching
   suffix and middle texts. Any output pointer may be NULL. Returns LLML_OK
   when the vocab has all three, LLML_ERR_NOT_FOUND otherwise (the outputs
   are then -1 where missing), LLML_ERR_INVALID_ARG for NULL v. */
LLML_API llml_result llml_vocab_fim_tokens(const llml_vocab *v, int32_t *pre, int32_t *suf, int32_t *mid);

/* llml_tokenize_infill flag (with LLML_TOKENIZE_ADD_SPECIAL and
   LLML_TOKENIZE_PARSE_SPECIAL): suffix first, "SPM" order. */
#define LLML_TOKENIZE_INFILL_SPM    4u

/* The prompt that asks a code model for the text between prefix and
   suffix, as the reference's server builds it (without repository context):
       [BOS] FIM_PRE prefix FIM_SUF suffix FIM_MID        (PSM, the default)
       [BOS] FIM_SUF suffix FIM_PRE prefix FIM_MID        (LLML_TOKENIZE_INFILL_SPM)
   BOS only with LLML_TOKENIZE_ADD_SPECIAL and a vocab that adds one (never
   an EOS). prefix and suffix are each tokenized as llml_tokenize does with
   flags 0 (plus LLML_TOKENIZE_PARSE_SPECIAL if given: special-token text in
   the code then becomes those tokens; leave it off for text from a file).
   Generate after the prompt until an end-of-generation token: the result is
   the middle. Output convention as llml_tokenize (up to cap ids, total in
   *n_tokens, LLML_ERR_BUFFER_TOO_SMALL when cap is smaller). Returns
   LLML_ERR_NOT_FOUND (nothing written, *n_tokens 0) when the vocab has no
   FIM tokens (llml_vocab_fim_tokens), LLML_ERR_INVALID_ARG for NULL v or
   n_tokens, or NULL text with a length > 0. Thread safety: any thread. */
LLML_API llml_result llml_tokenize_infill(const llml_vocab *v, const char *prefix, size_t prefix_len,
                                          const char *suffix, size_t suffix_len, uint32_t flags,
                                          int32_t *tokens, size_t cap, size_t *n_tokens);

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
