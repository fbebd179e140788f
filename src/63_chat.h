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
