/* tests/test_chat.c - chat prompt formats and template recognition.
   Expected strings are independent data:
   - "jinja2:NAME": the real chat template NAME (texts below, as published with
     the models / in llama.cpp's tests/test-chat-template.cpp and its
     models/templates, or read from the vocab GGUFs) rendered by Python's
     jinja2 3.1 the way HF transformers does (trim_blocks, lstrip_blocks),
     with bos_token "" and the model's eos_token;
   - "llama.cpp:NAME": the expected output listed for that template in the
     reference's tests/test-chat-template.cpp (same six-message conversation).
   mistral_small31 is that template with its tool-calling branches removed;
   zephyr is HuggingFaceH4/zephyr-7b-beta's template rendered with
   eos_token "<|endoftext|>" (the EOS of the models llama.cpp's zephyr style
   targets). Non-ASCII text is written as UTF-8 escapes. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include <string.h>
#include <stdlib.h>

/* the reference's conversation: system, user, assistant, user, assistant
   (padded with spaces), user */
static const llml_chat_message CONV6[] = {
    {"system", "You are a helpful assistant"}, {"user", "Hello"}, {"assistant", "Hi there"},
    {"user", "Who are you"}, {"assistant", "   I am an assistant   "}, {"user", "Another question"}, {NULL, NULL}};
/* system, user, assistant, follow-up user (quotes and a newline) */
static const llml_chat_message CONV4[] = {
    {"system", "Be brief."}, {"user", "What is 2+2?"}, {"assistant", "4"}, {"user", "And \"3+3\"?\nExplain."}, {NULL, NULL}};
/* CONV4 answered: ends with an assistant message (formatted without the assistant prompt) */
static const llml_chat_message CONV5[] = {
    {"system", "Be brief."}, {"user", "What is 2+2?"}, {"assistant", "4"}, {"user", "And \"3+3\"?\nExplain."},
    {"assistant", "6"}, {NULL, NULL}};
/* CONV6 without its system message, and that answered */
static const llml_chat_message NOSYS[] = {
    {"user", "Hello"}, {"assistant", "Hi there"}, {"user", "Who are you"},
    {"assistant", "   I am an assistant   "}, {"user", "Another question"}, {NULL, NULL}};
static const llml_chat_message NOSYS5[] = {
    {"user", "Hello"}, {"assistant", "Hi there"}, {"user", "Who are you"},
    {"assistant", "   I am an assistant   "}, {"user", "Another question"}, {"assistant", "Fine."}, {NULL, NULL}};

#define CONV_CONV6 CONV6
#define CONV_CONV4 CONV4
#define CONV_CONV5 CONV5
#define CONV_NOSYS NOSYS
#define CONV_NOSYS5 NOSYS5

static size_t conv_len(const llml_chat_message *m) { size_t n = 0; while (m[n].role) n++; return n; }

static const struct {
    const char *style, *source;
    const llml_chat_message *conv;
    int add_assistant_prompt;
    const char *expected;
} VECTORS[] = {
    {"chatml", "jinja2:openhermes", CONV_CONV6, 1,
     "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
    {"chatml", "jinja2:openhermes", CONV_CONV4, 1,
     "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd \"3+3\"?\nExplain.<|im_end|>\n<|im_start|>assistant\n"},
    {"chatml", "jinja2:openhermes", CONV_NOSYS, 1,
     "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
    {"chatml", "jinja2:openhermes", CONV_CONV5, 0,
     "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd \"3+3\"?\nExplain.<|im_end|>\n<|im_start|>assistant\n6<|im_end|>\n"},
    {"chatml", "jinja2:qwen3", CONV_CONV6, 1,
     "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
    {"chatml", "jinja2:qwen3", CONV_CONV4, 1,
     "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd \"3+3\"?\nExplain.<|im_end|>\n<|im_start|>assistant\n"},
    {"chatml", "jinja2:qwen3", CONV_NOSYS, 1,
     "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
    {"llama2", "jinja2:mistral02", CONV_NOSYS, 1,
     "[INST] Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
    {"llama2", "jinja2:mistral02", CONV_NOSYS5, 0,
     "[INST] Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]Fine.</s>"},
    {"llama2-sys-bos", "jinja2:fusionnet", CONV_CONV6, 1,
     "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you [/INST]    I am an assistant    </s><s>[INST] Another question [/INST]"},
    {"llama2-sys-bos", "jinja2:fusionnet", CONV_CONV4, 1,
     "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s><s>[INST] And \"3+3\"?\nExplain. [/INST]"},
    {"llama2-sys-bos", "jinja2:fusionnet", CONV_CONV5, 0,
     "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s><s>[INST] And \"3+3\"?\nExplain. [/INST] 6 </s>"},
    {"llama2-sys-strip", "jinja2:vigogne", CONV_CONV6, 1,
     "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s>[INST] Who are you [/INST] I am an assistant </s>[INST] Another question [/INST]"},
    {"llama2-sys-strip", "jinja2:vigogne", CONV_CONV4, 1,
     "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s>[INST] And \"3+3\"?\nExplain. [/INST]"},
    {"llama2-sys-strip", "jinja2:vigogne", CONV_CONV5, 0,
     "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s>[INST] And \"3+3\"?\nExplain. [/INST] 6 </s>"},
    {"llama3", "jinja2:llama3", CONV_CONV6, 1,
     "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"llama3", "jinja2:llama3", CONV_CONV4, 1,
     "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnd \"3+3\"?\nExplain.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"llama3", "jinja2:llama3", CONV_NOSYS, 1,
     "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"mistral-v1", "jinja2:mistral_v1", CONV_CONV6, 1,
     " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]"},
    {"mistral-v1", "jinja2:mistral_v1", CONV_CONV4, 1,
     " [INST] Be brief.\n\nWhat is 2+2? [/INST] 4</s> [INST] And \"3+3\"?\nExplain. [/INST]"},
    {"mistral-v1", "jinja2:mistral_v1", CONV_NOSYS, 1,
     " [INST] Hello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]"},
    {"mistral-v1", "jinja2:mistral_v1", CONV_CONV5, 0,
     " [INST] Be brief.\n\nWhat is 2+2? [/INST] 4</s> [INST] And \"3+3\"?\nExplain. [/INST] 6</s>"},
    {"mistral-v3", "jinja2:mistral_v3", CONV_CONV6, 1,
     "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] You are a helpful assistant\n\nAnother question[/INST]"},
    {"mistral-v3", "jinja2:mistral_v3", CONV_CONV4, 1,
     "[INST] What is 2+2?[/INST] 4</s>[INST] Be brief.\n\nAnd \"3+3\"?\nExplain.[/INST]"},
    {"mistral-v3", "jinja2:mistral_v3", CONV_NOSYS, 1,
     "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another question[/INST]"},
    {"mistral-v3", "jinja2:mistral_v3", CONV_CONV5, 0,
     "[INST] What is 2+2?[/INST] 4</s>[INST] And \"3+3\"?\nExplain.[/INST] 6</s>"},
    {"mistral-v3-tekken", "jinja2:mistral_v3_tekken", CONV_CONV6, 1,
     "[INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]You are a helpful assistant\n\nAnother question[/INST]"},
    {"mistral-v3-tekken", "jinja2:mistral_v3_tekken", CONV_CONV4, 1,
     "[INST]What is 2+2?[/INST]4</s>[INST]Be brief.\n\nAnd \"3+3\"?\nExplain.[/INST]"},
    {"mistral-v3-tekken", "jinja2:mistral_v3_tekken", CONV_NOSYS, 1,
     "[INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
    {"mistral-v3-tekken", "jinja2:mistral_v3_tekken", CONV_CONV5, 0,
     "[INST]What is 2+2?[/INST]4</s>[INST]And \"3+3\"?\nExplain.[/INST]6</s>"},
    {"mistral-v7", "jinja2:mistral_v7", CONV_CONV6, 1,
     "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
    {"mistral-v7", "jinja2:mistral_v7", CONV_CONV4, 1,
     "[SYSTEM_PROMPT] Be brief.[/SYSTEM_PROMPT][INST] What is 2+2?[/INST] 4</s>[INST] And \"3+3\"?\nExplain.[/INST]"},
    {"mistral-v7", "jinja2:mistral_v7", CONV_NOSYS, 1,
     "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
    {"mistral-v7", "jinja2:mistral_v7", CONV_CONV5, 0,
     "[SYSTEM_PROMPT] Be brief.[/SYSTEM_PROMPT][INST] What is 2+2?[/INST] 4</s>[INST] And \"3+3\"?\nExplain.[/INST] 6</s>"},
    {"mistral-v7-tekken", "jinja2:mistral_small31", CONV_CONV6, 1,
     "[SYSTEM_PROMPT]You are a helpful assistant[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
    {"mistral-v7-tekken", "jinja2:mistral_small31", CONV_CONV4, 1,
     "[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][INST]What is 2+2?[/INST]4</s>[INST]And \"3+3\"?\nExplain.[/INST]"},
    {"mistral-v7-tekken", "jinja2:mistral_small31", CONV_CONV5, 0,
     "[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][INST]What is 2+2?[/INST]4</s>[INST]And \"3+3\"?\nExplain.[/INST]6</s>"},
    {"gemma", "jinja2:gemma3", CONV_CONV6, 1,
     "<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
    {"gemma", "jinja2:gemma3", CONV_CONV4, 1,
     "<start_of_turn>user\nBe brief.\n\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n<start_of_turn>user\nAnd \"3+3\"?\nExplain.<end_of_turn>\n<start_of_turn>model\n"},
    {"gemma", "jinja2:gemma3", CONV_NOSYS, 1,
     "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
    {"gemma", "jinja2:gemma3", CONV_CONV5, 0,
     "<start_of_turn>user\nBe brief.\n\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n<start_of_turn>user\nAnd \"3+3\"?\nExplain.<end_of_turn>\n<start_of_turn>model\n6<end_of_turn>\n"},
    {"gemma", "jinja2:gemma7b", CONV_NOSYS, 1,
     "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
    {"gemma", "jinja2:gemma7b", CONV_NOSYS5, 0,
     "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\nFine.<end_of_turn>\n"},
    {"phi3", "jinja2:phi3small", CONV_CONV6, 1,
     "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
    {"phi3", "jinja2:phi3small", CONV_CONV4, 1,
     "<|system|>\nBe brief.<|end|>\n<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n4<|end|>\n<|user|>\nAnd \"3+3\"?\nExplain.<|end|>\n<|assistant|>\n"},
    {"phi3", "jinja2:phi3small", CONV_NOSYS, 1,
     "<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
    {"phi3", "jinja2:phi3vision", CONV_CONV6, 1,
     "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
    {"phi3", "jinja2:phi3vision", CONV_CONV4, 1,
     "<|system|>\nBe brief.<|end|>\n<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n4<|end|>\n<|user|>\nAnd \"3+3\"?\nExplain.<|end|>\n<|assistant|>\n"},
    {"phi3", "jinja2:phi3vision", CONV_NOSYS, 1,
     "<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
    {"phi3", "jinja2:phi3vision", CONV_CONV5, 0,
     "<|system|>\nBe brief.<|end|>\n<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n4<|end|>\n<|user|>\nAnd \"3+3\"?\nExplain.<|end|>\n<|assistant|>\n6<|end|>\n"},
    {"phi3", "jinja2:phi3mini", CONV_NOSYS, 1,
     "<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
    {"zephyr", "jinja2:zephyr", CONV_CONV6, 1,
     "<|system|>\nYou are a helpful assistant<|endoftext|>\n<|user|>\nHello<|endoftext|>\n<|assistant|>\nHi there<|endoftext|>\n<|user|>\nWho are you<|endoftext|>\n<|assistant|>\n   I am an assistant   <|endoftext|>\n<|user|>\nAnother question<|endoftext|>\n<|assistant|>\n"},
    {"zephyr", "jinja2:zephyr", CONV_CONV4, 1,
     "<|system|>\nBe brief.<|endoftext|>\n<|user|>\nWhat is 2+2?<|endoftext|>\n<|assistant|>\n4<|endoftext|>\n<|user|>\nAnd \"3+3\"?\nExplain.<|endoftext|>\n<|assistant|>\n"},
    {"zephyr", "jinja2:zephyr", CONV_NOSYS, 1,
     "<|user|>\nHello<|endoftext|>\n<|assistant|>\nHi there<|endoftext|>\n<|user|>\nWho are you<|endoftext|>\n<|assistant|>\n   I am an assistant   <|endoftext|>\n<|user|>\nAnother question<|endoftext|>\n<|assistant|>\n"},
    {"zephyr", "jinja2:zephyr", CONV_CONV5, 0,
     "<|system|>\nBe brief.<|endoftext|>\n<|user|>\nWhat is 2+2?<|endoftext|>\n<|assistant|>\n4<|endoftext|>\n<|user|>\nAnd \"3+3\"?\nExplain.<|endoftext|>\n<|assistant|>\n6<|endoftext|>\n"},
    {"deepseek2", "jinja2:deepseek2", CONV_CONV6, 1,
     "You are a helpful assistant\n\nUser: Hello\n\nAssistant: Hi there<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: Who are you\n\nAssistant:    I am an assistant   <\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: Another question\n\nAssistant:"},
    {"deepseek2", "jinja2:deepseek2", CONV_CONV4, 1,
     "Be brief.\n\nUser: What is 2+2?\n\nAssistant: 4<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: And \"3+3\"?\nExplain.\n\nAssistant:"},
    {"deepseek2", "jinja2:deepseek2", CONV_NOSYS, 1,
     "User: Hello\n\nAssistant: Hi there<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: Who are you\n\nAssistant:    I am an assistant   <\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: Another question\n\nAssistant:"},
    {"deepseek2", "jinja2:deepseek2", CONV_CONV5, 0,
     "Be brief.\n\nUser: What is 2+2?\n\nAssistant: 4<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: And \"3+3\"?\nExplain.\n\nAssistant: 6<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"},
    {"deepseek3", "jinja2:deepseek3", CONV_CONV6, 1,
     "You are a helpful assistant<\xef\xbd\x9cUser\xef\xbd\x9c>Hello<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>Hi there<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c>Who are you<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>   I am an assistant   <\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c>Another question<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"},
    {"deepseek3", "jinja2:deepseek3", CONV_CONV4, 1,
     "Be brief.<\xef\xbd\x9cUser\xef\xbd\x9c>What is 2+2?<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>4<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c>And \"3+3\"?\nExplain.<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"},
    {"deepseek3", "jinja2:deepseek3", CONV_NOSYS, 1,
     "<\xef\xbd\x9cUser\xef\xbd\x9c>Hello<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>Hi there<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c>Who are you<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>   I am an assistant   <\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c>Another question<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"},
    {"deepseek3", "jinja2:deepseek3", CONV_CONV5, 0,
     "Be brief.<\xef\xbd\x9cUser\xef\xbd\x9c>What is 2+2?<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>4<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c>And \"3+3\"?\nExplain.<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>6<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"},
    {"command-r", "jinja2:commandr", CONV_CONV6, 1,
     "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are a helpful assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hello<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Hi there<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Who are you<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>I am an assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another question<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
    {"command-r", "jinja2:commandr", CONV_CONV4, 1,
     "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>Be brief.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>What is 2+2?<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>4<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>And \"3+3\"?\nExplain.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
    {"command-r", "jinja2:commandr", CONV_NOSYS, 1,
     "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hello<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Hi there<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Who are you<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>I am an assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another question<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
    {"command-r", "jinja2:commandr", CONV_CONV5, 0,
     "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>Be brief.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>What is 2+2?<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>4<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>And \"3+3\"?\nExplain.<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>6<|END_OF_TURN_TOKEN|>"},
    {"chatml", "llama.cpp:openhermes", CONV_CONV6, 1,
     "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
    {"llama2", "llama.cpp:mistral02", CONV_CONV6, 1,
     "[INST] You are a helpful assistant\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
    {"llama2-sys-bos", "llama.cpp:fusionnet", CONV_CONV6, 1,
     "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you [/INST]    I am an assistant    </s><s>[INST] Another question [/INST]"},
    {"llama2-sys-strip", "llama.cpp:vigogne", CONV_CONV6, 1,
     "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s>[INST] Who are you [/INST] I am an assistant </s>[INST] Another question [/INST]"},
    {"gemma", "llama.cpp:gemma7b", CONV_CONV6, 1,
     "<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
    {"command-r", "llama.cpp:commandr", CONV_CONV6, 1,
     "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are a helpful assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hello<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Hi there<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Who are you<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>I am an assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another question<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
    {"llama3", "llama.cpp:llama3", CONV_CONV6, 1,
     "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"phi3", "llama.cpp:phi3small", CONV_CONV6, 1,
     "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
    {"deepseek2", "llama.cpp:deepseek2", CONV_CONV6, 1,
     "You are a helpful assistant\n\nUser: Hello\n\nAssistant: Hi there<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: Who are you\n\nAssistant:    I am an assistant   <\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>User: Another question\n\nAssistant:"},
    {"mistral-v1", "llama.cpp:mistral_v1", CONV_CONV6, 1,
     " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]"},
    {"mistral-v3", "llama.cpp:mistral_v3", CONV_CONV6, 1,
     "[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] You are a helpful assistant\n\nAnother question[/INST]"},
    {"mistral-v3-tekken", "llama.cpp:mistral_v3_tekken", CONV_CONV6, 1,
     "[INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]You are a helpful assistant\n\nAnother question[/INST]"},
    {"mistral-v7", "llama.cpp:mistral_v7", CONV_CONV6, 1,
     "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
};

/* ---- real template texts (split into pieces under C99's 4095-byte literal
   limit; joined at run time) ---- */
static const char *const TPL_openhermes[] = {
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    NULL};
static const char *const TPL_mistral02[] = {
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    NULL};
static const char *const TPL_fusionnet[] = {
    "{%- for idx in range(0, messages|length) -%}\n{%- if messages[idx]['role'] == 'user' -%}\n{%- if idx > 1 -%}\n{{- bos_token + '[INST] ' + messages[idx]['content'] + ' [/INST]' -}}\n{%- else -%}\n{{- messages[idx]['content'] + ' [/INST]' -}}\n{%- endif -%}\n{% elif messages[idx]['role'] == 'system' %}\n{{- '[INST] <<SYS>>\\n' + messages[idx]['content'] + '\\n<</SYS>>\\n\\n' -}}\n{%- elif messages[idx]['role'] == 'assistant' -%}\n{{- ' '  + messages[idx]['content'] + ' ' + eos_token -}}\n{% endif %}\n{% endfor %}",
    NULL};
static const char *const TPL_vigogne[] = {
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% elif true == true and not '<<SYS>>' in messages[0]['content'] %}{% set loop_messages = messages %}{% set system_message = 'Vous \xc3\xaates Vigogne, un assistant IA cr\xc3\xa9\xc3\xa9 par Zaion Lab. Vous suivez extr\xc3\xaamement bien les instructions. Aidez autant que vous le pouvez.' %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>\\n' + content.strip() + '\\n<</SYS>>\\n\\n' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    NULL};
static const char *const TPL_gemma7b[] = {
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
    NULL};
static const char *const TPL_gemma3[] = {
    "{{ bos_token }}\n{%- if messages[0]['role'] == 'system' -%}\n    {%- if messages[0]['content'] is string -%}\n        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}\n    {%- else -%}\n        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}\n    {%- endif -%}\n    {%- set loop_messages = messages[1:] -%}\n{%- else -%}\n    {%- set first_user_prefix = \"\" -%}\n    {%- set loop_messages = messages -%}\n{%- endif -%}\n{%- for message in loop_messages -%}\n    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n    {%- endif -%}\n    {%- if (message['role'] == 'assistant') -%}\n        {%- set role = \"model\" -%}\n    {%- else -%}\n        {%- set role = message['role'] -%}\n    {%- endif -%}\n    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}\n    {%- if message['content'] is string -%}\n        {{ message['content'] | trim }}\n    {%- elif message['content'] is iterable -%}\n        {%- for item in message['content'] -%}\n            {%- if item['type'] == 'image' -%}\n                {{ '<start_of_image>' }}\n            {%- elif item['type'] == 'text' -%}\n                {{ item['text'] | trim }}\n            {%- endif -%}\n        {%- endfor -%}\n    {%- else -%}\n        {{ raise_exception(\"Invalid content type\") }}\n    {%- endif -%}\n    {{ '<end_of_turn>\n' }}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n    {{'<start_",
    "of_turn>model\n'}}\n{%- endif -%}\n",
    NULL};
static const char *const TPL_commandr[] = {
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% elif false == true %}{% set loop_messages = messages %}{% set system_message = 'You are Command-R, a brilliant, sophisticated, AI-assistant trained to assist human users by providing thorough responses. You are trained by Cohere.' %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% if system_message != false %}{{ '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>' + system_message + '<|END_OF_TURN_TOKEN|>' }}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% set content = message['content'] %}{% if message['role'] == 'user' %}{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' + content.strip() + '<|END_OF_TURN_TOKEN|>' }}{% elif message['role'] == 'assistant' %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>'  + content.strip() + '<|END_OF_TURN_TOKEN|>' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}{% endif %}",
    NULL};
static const char *const TPL_llama3[] = {
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}",
    NULL};
static const char *const TPL_phi3mini[] = {
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n' + message['content'] + '<|end|>' + '\n' + '<|assistant|>' + '\n'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n'}}{% endif %}{% endfor %}",
    NULL};
static const char *const TPL_phi3small[] = {
    "{{ bos_token }}{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}",
    NULL};
static const char *const TPL_phi3vision[] = {
    "{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n' }}{% endfor %}{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{- '<|assistant|>\n' -}}{% endif %}",
    NULL};
static const char *const TPL_qwen3[] = {
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0].role == 'system' %}\n        {{- messages[0].content + '\\n\\n' }}\n    {%- endif %}\n    {{- \"# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0].role == 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n{%- for message in messages[::-1] %}\n    {%- set index = (messages|length - 1) - loop.index0 %}\n    {%- if ns.multi_step_tool and message.role == \"user\" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}\n        {%- set ns.multi_step_tool = false %}\n        {%- set ns.last_query_index = index %}\n    {%- endif %}\n{%- endfor %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) %}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|i",
    "m_end|>' + '\\n' }}\n    {%- elif message.role == \"assistant\" %}\n        {%- set content = message.content %}\n        {%- set reasoning_content = '' %}\n        {%- if message.reasoning_content is defined and message.reasoning_content is not none %}\n            {%- set reasoning_content = message.reasoning_content %}\n        {%- else %}\n            {%- if '</think>' in message.content %}\n                {%- set content = message.content.split('</think>')[-1].lstrip('\\n') %}\n                {%- set reasoning_content = message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}\n            {%- endif %}\n        {%- endif %}\n        {%- if loop.index0 > ns.last_query_index %}\n            {%- if loop.last or (not loop.last and reasoning_content) %}\n                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}\n            {%- else %}\n                {{- '<|im_start|>' + message.role + '\\n' + content }}\n            {%- endif %}\n        {%- else %}\n            {{- '<|im_start|>' + message.role + '\\n' + content }}\n        {%- endif %}\n        {%- if message.tool_calls %}\n            {%- for tool_call in message.tool_calls %}\n                {%- if (loop.first and content) or (not loop.first) %}\n                    {{- '\\n' }}\n                {%- endif %}\n                {%- if tool_call.function %}\n                    {%- set tool_call = tool_call.function %}\n                {%- en",
    "dif %}\n                {{- '<tool_call>\\n{\"name\": \"' }}\n                {{- tool_call.name }}\n                {{- '\", \"arguments\": ' }}\n                {%- if tool_call.arguments is string %}\n                    {{- tool_call.arguments }}\n                {%- else %}\n                    {{- tool_call.arguments | tojson }}\n                {%- endif %}\n                {{- '}\\n</tool_call>' }}\n            {%- endfor %}\n        {%- endif %}\n        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if loop.first or (messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n    {%- if enable_thinking is defined and enable_thinking is false %}\n        {{- '<think>\\n\\n</think>\\n\\n' }}\n    {%- endif %}\n{%- endif %}",
    NULL};
static const char *const TPL_deepseek2[] = {
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}{{ message['content'] + '\n\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}",
    NULL};
static const char *const TPL_deepseek3[] = {
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<\xef\xbd\x9cUser\xef\xbd\x9c>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}{%- if not ns.is_first %}{{'<\xef\xbd\x9c" "Assistant\xef\xbd\x9c><\xef\xbd\x9ctool\xe2\x96\x81" "calls\xe2\x96\x81" "begin\xef\xbd\x9c><\xef\xbd\x9ctool\xe2\x96\x81" "call\xe2\x96\x81" "begin\xef\xbd\x9c>' + tool['type'] + '<\xef\xbd\x9ctool\xe2\x96\x81sep\xef\xbd\x9c>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<\xef\xbd\x9ctool\xe2\x96\x81" "call\xe2\x96\x81" "end\xef\xbd\x9c>'}}{%- set ns.is_first = true -%}{%- else %}{{'\\n' + '<\xef\xbd\x9ctool\xe2\x96\x81" "call\xe2\x96\x81" "begin\xef\xbd\x9c>' + tool['type'] + '<\xef\xbd\x9ctool\xe2\x96\x81sep\xef\xbd\x9c>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<\xef\xbd\x9ctool\xe2\x96\x81" "call\xe2\x96\x81" "end\xef\xbd\x9c>'}}{{'<\xef\xbd\x9ctool\xe2\x96\x81" "calls\xe2\x96\x81" "end\xef\xbd\x9c><\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>'}}{%- endif %}{%- endfor %}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}{{'<\xef\xbd\x9ctool\xe2\x96\x81outputs\xe2\x96\x81" "end\xef\xbd\x9c>' + message['content'] + '<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>'}}{%- set ns.is_tool = false -%}{%- else %}{% set conten",
    "t = message['content'] %}{{'<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>' + content + '<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<\xef\xbd\x9ctool\xe2\x96\x81outputs\xe2\x96\x81" "begin\xef\xbd\x9c><\xef\xbd\x9ctool\xe2\x96\x81output\xe2\x96\x81" "begin\xef\xbd\x9c>' + message['content'] + '<\xef\xbd\x9ctool\xe2\x96\x81output\xe2\x96\x81" "end\xef\xbd\x9c>'}}{%- set ns.is_output_first = false %}{%- else %}{{'\\n<\xef\xbd\x9ctool\xe2\x96\x81output\xe2\x96\x81" "begin\xef\xbd\x9c>' + message['content'] + '<\xef\xbd\x9ctool\xe2\x96\x81output\xe2\x96\x81" "end\xef\xbd\x9c>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<\xef\xbd\x9ctool\xe2\x96\x81outputs\xe2\x96\x81" "end\xef\xbd\x9c>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>'}}{% endif %}",
    NULL};
static const char *const TPL_mistral_v1[] = {
    "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n    {%- endif %}\n    {%- if message['role'] == 'user' %}\n        {%- if loop.first and system_message is defined %}\n            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n        {%- else %}\n            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n        {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n        {{- ' ' + message['content'] + eos_token}}\n    {%- else %}\n        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n    {%- endif %}\n{%- endfor %}\n",
    NULL};
static const char *const TPL_mistral_v3[] = {
    "{%- if messages[0][\"role\"] == \"system\" %}\n    {%- set system_message = messages[0][\"content\"] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n\n{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n{%- set ns = namespace() %}\n{%- set ns.index = 0 %}\n{%- for message in loop_messages %}\n    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or (message.tool_calls is defined and message.tool_calls is not none)) %}\n        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n            {{- raise_exception(\"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...\") }}\n        {%- endif %}\n        {%- set ns.index = ns.index + 1 %}\n    {%- endif %}\n{%- endfor %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if message[\"role\"] == \"user\" %}\n        {%- if tools is not none and (message == user_messages[-1]) %}\n            {{- \"[AVAILABLE_TOOLS] [\" }}\n            {%- for tool in tools %}\n                {%- set tool = tool.function %}\n                {{- '{\"type\": \"function\", \"function\": {' }}\n                {%- for key, val in tool.items() if key != \"return\" %}\n                    {%- if val is string %}\n                        {{- '\"",
    "' + key + '\": \"' + val + '\"' }}\n                    {%- else %}\n                        {{- '\"' + key + '\": ' + val|tojson }}\n                    {%- endif %}\n                    {%- if not loop.last %}\n                        {{- \", \" }}\n                    {%- endif %}\n                {%- endfor %}\n                {{- \"}}\" }}\n                {%- if not loop.last %}\n                    {{- \", \" }}\n                {%- else %}\n                    {{- \"]\" }}\n                {%- endif %}\n            {%- endfor %}\n            {{- \"[/AVAILABLE_TOOLS]\" }}\n            {%- endif %}\n        {%- if loop.last and system_message is defined %}\n            {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n        {%- else %}\n            {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}\n        {%- endif %}\n    {%- elif message.tool_calls is defined and message.tool_calls is not none %}\n        {{- \"[TOOL_CALLS] [\" }}\n        {%- for tool_call in message.tool_calls %}\n            {%- set out = tool_call.function|tojson %}\n            {{- out[:-1] }}\n            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n                {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n            {%- endif %}\n            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n            {%- if not loop.last %}\n                {{- \", \" }}\n            {%- else %}\n                {{- \"]\" + eos_token }}\n            {%- endif %}\n        {%- e",
    "ndfor %}\n    {%- elif message[\"role\"] == \"assistant\" %}\n        {{- \" \" + message[\"content\"]|trim + eos_token}}\n    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" %}\n        {%- if message.content is defined and message.content.content is defined %}\n            {%- set content = message.content.content %}\n        {%- else %}\n            {%- set content = message.content %}\n        {%- endif %}\n        {{- '[TOOL_RESULTS] {\"content\": ' + content|string + \", \" }}\n        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n        {%- endif %}\n        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n    {%- else %}\n        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an initial optional system message!\") }}\n    {%- endif %}\n{%- endfor %}\n",
    NULL};
static const char *const TPL_mistral_v3_tekken[] = {
    "{%- if messages[0][\"role\"] == \"system\" %}\n    {%- set system_message = messages[0][\"content\"] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n\n{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n{%- set ns = namespace() %}\n{%- set ns.index = 0 %}\n{%- for message in loop_messages %}\n    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or (message.tool_calls is defined and message.tool_calls is not none)) %}\n        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n            {{- raise_exception(\"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...\") }}\n        {%- endif %}\n        {%- set ns.index = ns.index + 1 %}\n    {%- endif %}\n{%- endfor %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if message[\"role\"] == \"user\" %}\n        {%- if tools is not none and (message == user_messages[-1]) %}\n            {{- \"[AVAILABLE_TOOLS][\" }}\n            {%- for tool in tools %}\n                {%- set tool = tool.function %}\n                {{- '{\"type\": \"function\", \"function\": {' }}\n                {%- for key, val in tool.items() if key != \"return\" %}\n                    {%- if val is string %}\n                        {{- '\"'",
    " + key + '\": \"' + val + '\"' }}\n                    {%- else %}\n                        {{- '\"' + key + '\": ' + val|tojson }}\n                    {%- endif %}\n                    {%- if not loop.last %}\n                        {{- \", \" }}\n                    {%- endif %}\n                {%- endfor %}\n                {{- \"}}\" }}\n                {%- if not loop.last %}\n                    {{- \", \" }}\n                {%- else %}\n                    {{- \"]\" }}\n                {%- endif %}\n            {%- endfor %}\n            {{- \"[/AVAILABLE_TOOLS]\" }}\n            {%- endif %}\n        {%- if loop.last and system_message is defined %}\n            {{- \"[INST]\" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n        {%- else %}\n            {{- \"[INST]\" + message[\"content\"] + \"[/INST]\" }}\n        {%- endif %}\n    {%- elif (message.tool_calls is defined and message.tool_calls is not none) %}\n        {{- \"[TOOL_CALLS][\" }}\n        {%- for tool_call in message.tool_calls %}\n            {%- set out = tool_call.function|tojson %}\n            {{- out[:-1] }}\n            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n                {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n            {%- endif %}\n            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n            {%- if not loop.last %}\n                {{- \", \" }}\n            {%- else %}\n                {{- \"]\" + eos_token }}\n            {%- endif %}\n        {%- end",
    "for %}\n    {%- elif message[\"role\"] == \"assistant\" %}\n        {{- message[\"content\"] + eos_token}}\n    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" %}\n        {%- if message.content is defined and message.content.content is defined %}\n            {%- set content = message.content.content %}\n        {%- else %}\n            {%- set content = message.content %}\n        {%- endif %}\n        {{- '[TOOL_RESULTS]{\"content\": ' + content|string + \", \" }}\n        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n        {%- endif %}\n        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n    {%- else %}\n        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an initial optional system message!\") }}\n    {%- endif %}\n{%- endfor %}\n",
    NULL};
static const char *const TPL_mistral_v7[] = {
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'system' %}{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% else %}{{ raise_exception('Only user, system and assistant roles are supported!') }}{% endif %}{% endfor %}",
    NULL};
static const char *const TPL_mistral_small31[] = {
    "{%- set today = strftime_now(\"%Y-%m-%d\") %}\n{%- set default_system_message = \"You are Mistral Small 3, a Large Language Model (LLM) created by Mistral AI, a French startup headquartered in Paris.\\nYour knowledge base was last updated on 2023-10-01. The current date is \" + today + \".\\n\\nWhen you're not sure about some information, you say that you don't have the information and don't make up anything.\\nIf the user's question is not clear, ambiguous, or does not provide enough context for you to accurately answer the question, you do not try to answer it right away and you rather ask the user to clarify their request (e.g. \\\"What are some good restaurants around me?\\\" => \\\"Where are you?\\\" or \\\"When is the next flight to Tokyo\\\" => \\\"Where do you travel from?\\\")\" %}\n\n{{- bos_token }}\n\n{%- if messages[0]['role'] == 'system' %}\n    {%- if messages[0]['content'] is string %}\n        {%- set system_message = messages[0]['content'] %}\n        {%- set loop_messages = messages[1:] %}\n    {%- else %}\n        {%- set system_message = messages[0]['content'][0]['text'] %}\n        {%- set loop_messages = messages[1:] %}\n    {%- endif %}\n{%- else %}\n    {%- set system_message = default_system_message %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- elif tools is not none %}\n    {%- set parallel_tool_prompt = \"You are a helpful assistant that can call tools.\" %}\n    {%- if system_message is defined %}\n        {%- set syste",
    "m_message = parallel_tool_prompt + \"\\n\\n\" + system_message %}\n    {%- else %}\n        {%- set system_message = parallel_tool_prompt %}\n    {%- endif %}\n{%- endif %}\n{{- '[SYSTEM_PROMPT]' + system_message + '[/SYSTEM_PROMPT]' }}\n\n{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n\n{%- set filtered_messages = [] %}\n{%- for message in loop_messages %}\n    {%- if message[\"role\"] not in [\"tool\", \"tool_results\"] and not message.get(\"tool_calls\") %}\n        {%- set filtered_messages = filtered_messages + [message] %}\n    {%- endif %}\n{%- endfor %}\n\n{%- for message in filtered_messages %}\n    {%- if (message[\"role\"] == \"user\") != (loop.index0 % 2 == 0) %}\n        {{- raise_exception(\"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...\") }}\n    {%- endif %}\n{%- endfor %}\n\n{%- for message in loop_messages %}\n    {%- if message[\"role\"] == \"user\" %}\n        {%- if message['content'] is string %}\n        {{- '[INST]' + message['content'] + '[/INST]' }}\n        {%- else %}\n                {{- '[INST]' }}\n                {%- for block in message['content'] %}\n                        {%- if block['type'] == 'text' %}\n                                {{- block['text'] }}\n                        {%- elif block['type'] == 'image' or block['type'] == 'image_url' %}\n                                {{- '[IMG]' }}\n                            {%- else %}\n                                {{- raise_exception('Only te",
    "xt and image blocks are supported in message content!') }}\n                            {%- endif %}\n                    {%- endfor %}\n                {{- '[/INST]' }}\n            {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n        {%- if message['content'] is string %}\n            {{- message['content'] + eos_token }}\n        {%- else %}\n            {{- message['content'][0]['text'] + eos_token }}\n        {%- endif %}\n    {%- else %}\n        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an initial optional system message!\") }}\n    {%- endif %}\n{%- endfor %}\n",
    NULL};
static const char *const UNS_vicuna[] = {"{%- for message in messages %}{%- if message['role'] == 'system' -%}{{- '' + message['content'] + '\n\n' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}", NULL};
static const char *const UNS_vicuna_orca[] = {"{%- for message in messages %}{%- if message['role'] == 'system' -%}{{-'SYSTEM: ' + message['content'] + '\n' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}", NULL};
static const char *const UNS_orion[] = {"{% for message in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{% if message['role'] == 'user' %}{{ 'Human: ' + message['content'] + '\\n\\nAssistant: ' + eos_token }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}", NULL};
static const char *const UNS_openchat[] = {"{{ bos_token }}{% for message in messages %}{{ 'GPT4 Correct ' + message['role'].title() + ': ' + message['content'] + '<|end_of_turn|>'}}{% endfor %}{% if add_generation_prompt %}{{ 'GPT4 Correct Assistant:' }}{% endif %}", NULL};
static const char *const UNS_monarch[] = {"{% for message in messages %}{{bos_token + message['role'] + '\\n' + message['content'] + eos_token + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ bos_token + 'assistant\\n' }}{% endif %}", NULL};
static const char *const UNS_chatglm3[] = {"{% for message in messages %}{% if loop.first %}[gMASK]sop<|{{ message['role'] }}|>\n {{ message['content'] }}{% else %}<|{{ message['role'] }}|>\n {{ message['content'] }}{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}", NULL};
static const char *const UNS_glmedge[] = {"{% for item in messages %}{% if item['role'] == 'system' %}<|system|>\n{{ item['content'] }}{% elif item['role'] == 'user' %}<|user|>\n{{ item['content'] }}{% elif item['role'] == 'assistant' %}<|assistant|>\n{{ item['content'] }}{% endif %}{% endfor %}<|assistant|>", NULL};
static const char *const UNS_phi4[] = {"{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>system<|im_sep|>' + message['content'] + '<|im_end|>'}}{% elif (message['role'] == 'user') %}{{'<|im_start|>user<|im_sep|>' + message['content'] + '<|im_end|><|im_start|>assistant<|im_sep|>'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|im_end|>'}}{% endif %}{% endfor %}", NULL};
static const char *const UNS_minicpm[] = {"{% for message in messages %}{% if message['role'] == 'user' %}{{'<\xe7\x94\xa8\xe6\x88\xb7>' + message['content'].strip() + '<AI>'}}{% else %}{{message['content'].strip()}}{% endif %}{% endfor %}", NULL};
static const char *const UNS_megrez[] = {"{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|role_start|>system<|role_end|>\xe4\xbd\xa0\xe6\x98\xafMegrez-3B-Instruct\xef\xbc\x8c\xe5\xb0\x86\xe9\x92\x88\xe5\xaf\xb9\xe7\x94\xa8\xe6\x88\xb7\xe7\x9a\x84\xe9\x97\xae\xe9\xa2\x98\xe7\xbb\x99\xe5\x87\xba\xe8\xaf\xa6\xe7\xbb\x86\xe7\x9a\x84\xe3\x80\x81\xe7\xa7\xaf\xe6\x9e\x81\xe7\x9a\x84\xe5\x9b\x9e\xe7\xad\x94\xe3\x80\x82<|turn_end|>' }}{% endif %}{{ '<|role_start|>' + message['role'] + '<|role_end|>' + message['content'] + '<|turn_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|role_start|>assistant<|role_end|>' }}{% endif %}", NULL};
static const char *const UNS_bailing[] = {"{% for message in messages %}{% set role = message['role'] | lower %}{% if role == 'user' %}{% set role = 'HUMAN' %}{% endif %}{% set role = role | upper %}{{ '<role>' + role + '</role>' + message['content'] }}{% endfor %}{% if add_generation_prompt %}{{ '<role>ASSISTANT</role>' }}{% endif %}", NULL};
static const char *const UNS_deepseek[] = {"{% if not add_generation_prompt is defined %}\n{% set add_generation_prompt = false %}\n{% endif %}\n{%- set ns = namespace(found=false) -%}\n{%- for message in messages -%}\n    {%- if message['role'] == 'system' -%}\n        {%- set ns.found = true -%}\n    {%- endif -%}\n{%- endfor -%}\n{{bos_token}}{%- if not ns.found -%}\n{{'You are an AI programming assistant, utilizing the Deepseek Coder model, developed by Deepseek Company, and you only answer questions related to computer science. For politically sensitive questions, security and privacy issues, and other non-computer science questions, you will refuse to answer\\n'}}\n{%- endif %}\n{%- for message in messages %}\n    {%- if message['role'] == 'system' %}\n{{ message['content'] }}\n    {%- else %}\n        {%- if message['role'] == 'user' %}\n{{'### Instruction:\\n' + message['content'] + '\\n'}}\n        {%- else %}\n{{'### Response:\\n' + message['content'] + '\\n<|EOT|>\\n'}}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{% if add_generation_prompt %}\n{{'### Response:'}}\n{% endif %}", NULL};
static const char *const UNS_granite[] = {"{%- for message in messages %}\n    {%- if message['role'] == 'assistant_tool_call' %}\n    {{- '<|start_of_role|>assistant<|end_of_role|><|tool_call|>' + message['content'] + '<|end_of_text|>\\n' }}\n    {%- else %}\n    {{- '<|start_of_role|>' + message['role'] + '<|end_of_role|>' + message['content'] + '<|end_of_text|>\\n' }}\n    {%- endif %}\n    {%- if loop.last and add_generation_prompt %}\n    {{- '<|start_of_role|>assistant<|end_of_role|>' }}\n    {%- endif %}\n{%- endfor %}", NULL};
static const struct { const char *name; const char *const *text; llml_chat_style style; } TEMPLATES[] = {
    {"openhermes", TPL_openhermes, LLML_CHAT_CHATML},
    {"mistral02", TPL_mistral02, LLML_CHAT_LLAMA2},
    {"fusionnet", TPL_fusionnet, LLML_CHAT_LLAMA2_SYS_BOS},
    {"vigogne", TPL_vigogne, LLML_CHAT_LLAMA2_SYS_STRIP},
    {"gemma7b", TPL_gemma7b, LLML_CHAT_GEMMA},
    {"gemma3", TPL_gemma3, LLML_CHAT_GEMMA},
    {"commandr", TPL_commandr, LLML_CHAT_COMMAND_R},
    {"llama3", TPL_llama3, LLML_CHAT_LLAMA3},
    {"phi3mini", TPL_phi3mini, LLML_CHAT_PHI3},
    {"phi3small", TPL_phi3small, LLML_CHAT_PHI3},
    {"phi3vision", TPL_phi3vision, LLML_CHAT_PHI3},
    {"qwen3", TPL_qwen3, LLML_CHAT_CHATML},
    {"deepseek2", TPL_deepseek2, LLML_CHAT_DEEPSEEK2},
    {"deepseek3", TPL_deepseek3, LLML_CHAT_DEEPSEEK3},
    {"mistral_v1", TPL_mistral_v1, LLML_CHAT_MISTRAL_V1},
    {"mistral_v3", TPL_mistral_v3, LLML_CHAT_MISTRAL_V3},
    {"mistral_v3_tekken", TPL_mistral_v3_tekken, LLML_CHAT_MISTRAL_V3_TEKKEN},
    {"mistral_v7", TPL_mistral_v7, LLML_CHAT_MISTRAL_V7},
    {"mistral_small31", TPL_mistral_small31, LLML_CHAT_MISTRAL_V7_TEKKEN},
};
static const struct { const char *family; const char *const *text; } UNSUPPORTED[] = {
    {"vicuna", UNS_vicuna},
    {"vicuna-orca", UNS_vicuna_orca},
    {"orion", UNS_orion},
    {"openchat", UNS_openchat},
    {"monarch", UNS_monarch},
    {"chatglm3", UNS_chatglm3},
    {"glmedge", UNS_glmedge},
    {"phi4", UNS_phi4},
    {"minicpm", UNS_minicpm},
    {"megrez", UNS_megrez},
    {"bailing", UNS_bailing},
    {"deepseek", UNS_deepseek},
    {"granite", UNS_granite},
};

static char *join(const char *const *parts) {
    size_t n = 0, i;
    char *s;
    for (i = 0; parts[i]; i++) n += strlen(parts[i]);
    s = (char *)malloc(n + 1);
    s[0] = '\0';
    for (i = 0; parts[i]; i++) strcat(s, parts[i]);
    return s;
}

static void show_diff(const char *what, const char *got, const char *want) {
    size_t i = 0;
    while (got[i] && got[i] == want[i]) i++;
    fprintf(stderr, "  %s: first difference at byte %lu\n    got : \"%.60s\"\n    want: \"%.60s\"\n",
            what, (unsigned long)i, got + i, want + i);
}

static void test_vectors(void) {
    static char buf[8192];
    size_t i, covered = 0;
    int seen[LLML_CHAT_STYLE_COUNT];
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < sizeof(VECTORS) / sizeof(VECTORS[0]); i++) {
        llml_chat_style st;
        size_t need = 0, n = conv_len(VECTORS[i].conv);
        llml_result r;
        CHECK(llml_chat_style_from_name(VECTORS[i].style, &st) == LLML_OK, "style name %s", VECTORS[i].style);
        r = llml_chat_format(st, VECTORS[i].conv, n, VECTORS[i].add_assistant_prompt, buf, sizeof(buf), &need);
        CHECK(r == LLML_OK && need == strlen(VECTORS[i].expected) && strcmp(buf, VECTORS[i].expected) == 0,
              "%s vs %s (%lu messages, prompt %d): result %d", VECTORS[i].style, VECTORS[i].source,
              (unsigned long)n, VECTORS[i].add_assistant_prompt, (int)r);
        if (strcmp(buf, VECTORS[i].expected) != 0) show_diff(VECTORS[i].style, buf, VECTORS[i].expected);
        seen[st] = 1;
    }
    for (i = 1; i < LLML_CHAT_STYLE_COUNT; i++) covered += (size_t)seen[i];
    /* llama2-sys has no real template of its own: it is checked below */
    CHECK(covered == LLML_CHAT_STYLE_COUNT - 2, "styles covered by template vectors: %lu", (unsigned long)covered);
}

/* llama2-sys is llama2-sys-bos without the <s> between turns (no template of
   that exact shape was found to render, so this vector is derived by hand from
   the FusionNet rendering). */
static void test_llama2_sys(void) {
    static const char *want = "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s>"
                              "[INST] Who are you [/INST]    I am an assistant    </s>[INST] Another question [/INST]";
    char buf[1024];
    llml_chat_style st;
    CHECK(llml_chat_detect("{% if messages[0]['role'] == 'system' %}<<SYS>>{% endif %}[INST]", &st, NULL) == LLML_OK &&
          st == LLML_CHAT_LLAMA2_SYS, "llama2-sys signature");
    CHECK(llml_chat_format(LLML_CHAT_LLAMA2_SYS, CONV6, 6, 1, buf, sizeof(buf), NULL) == LLML_OK &&
          strcmp(buf, want) == 0, "llama2-sys rendering");
}

static void test_detect(void) {
    size_t i;
    for (i = 0; i < sizeof(TEMPLATES) / sizeof(TEMPLATES[0]); i++) {
        char *t = join(TEMPLATES[i].text);
        llml_chat_style st = LLML_CHAT_UNKNOWN;
        llml_error err;
        llml_result r = llml_chat_detect(t, &st, &err);
        CHECK(r == LLML_OK && st == TEMPLATES[i].style, "detect %s: got %s (%d), want %s", TEMPLATES[i].name,
              llml_chat_style_name(st), (int)r, llml_chat_style_name(TEMPLATES[i].style));
        free(t);
    }
    for (i = 0; i < sizeof(UNSUPPORTED) / sizeof(UNSUPPORTED[0]); i++) {
        char *t = join(UNSUPPORTED[i].text);
        llml_chat_style st = LLML_CHAT_CHATML;
        llml_error err;
        char quoted[64];
        llml_result r;
        memset(&err, 0, sizeof(err));
        r = llml_chat_detect(t, &st, &err);
        sprintf(quoted, "'%s'", UNSUPPORTED[i].family);
        CHECK(r == LLML_ERR_UNSUPPORTED && st == LLML_CHAT_UNKNOWN && err.code == LLML_ERR_UNSUPPORTED &&
              strstr(err.message, quoted) != NULL, "unsupported %s: result %d, message \"%s\"",
              UNSUPPORTED[i].family, (int)r, err.message);
        free(t);
    }
    {
        llml_chat_style st;
        llml_error err;
        memset(&err, 0, sizeof(err));
        CHECK(llml_chat_detect("INVALID TEMPLATE", &st, &err) == LLML_ERR_UNSUPPORTED && st == LLML_CHAT_UNKNOWN &&
              strstr(err.message, "not recognised") != NULL, "invalid template: \"%s\"", err.message);
        CHECK(llml_chat_detect("", &st, NULL) == LLML_ERR_UNSUPPORTED, "empty template");
        CHECK(llml_chat_detect(NULL, &st, &err) == LLML_ERR_INVALID_ARG, "NULL template");
        CHECK(llml_chat_detect("chatml", NULL, NULL) == LLML_ERR_INVALID_ARG, "NULL out");
        /* zephyr: the signature llama.cpp uses, and the zephyr-7b-beta template
           (turns end with eos_token) which is refused with a hint */
        CHECK(llml_chat_detect("{{ '<|user|>\\n' + message['content'] + '<|endoftext|>' }}", &st, NULL) == LLML_OK &&
              st == LLML_CHAT_ZEPHYR, "zephyr signature");
        memset(&err, 0, sizeof(err));
        CHECK(llml_chat_detect("{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
                               &st, &err) == LLML_ERR_UNSUPPORTED && strstr(err.message, "zephyr") != NULL,
              "zephyr-7b-beta template: \"%s\"", err.message);
    }
}

static void test_names(void) {
    static const char *names[] = {"chatml", "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip", "llama3",
                                  "mistral-v1", "mistral-v3", "mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken",
                                  "gemma", "phi3", "zephyr", "deepseek2", "deepseek3", "command-r"};
    size_t i;
    int seen[LLML_CHAT_STYLE_COUNT];
    llml_chat_style st, st2;
    llml_error err;
    memset(seen, 0, sizeof(seen));
    CHECK(sizeof(names) / sizeof(names[0]) == LLML_CHAT_STYLE_COUNT - 1, "name list size");
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CHECK(llml_chat_style_from_name(names[i], &st) == LLML_OK && st > LLML_CHAT_UNKNOWN && st < LLML_CHAT_STYLE_COUNT,
              "name %s", names[i]);
        CHECK(strcmp(llml_chat_style_name(st), names[i]) == 0, "name of %s", names[i]);
        CHECK(llml_chat_detect(names[i], &st2, NULL) == LLML_OK && st2 == st, "detect by name %s", names[i]);
        CHECK(!seen[st], "duplicate style for %s", names[i]);
        seen[st] = 1;
    }
    CHECK(llml_chat_style_from_name("phi4", &st) == LLML_ERR_NOT_FOUND && st == LLML_CHAT_UNKNOWN, "phi4 not implemented");
    CHECK(llml_chat_style_from_name("ChatML", &st) == LLML_ERR_NOT_FOUND, "names are case sensitive");
    CHECK(llml_chat_style_from_name(NULL, &st) == LLML_ERR_INVALID_ARG, "NULL name");
    memset(&err, 0, sizeof(err));
    CHECK(llml_chat_detect("vicuna", &st, &err) == LLML_ERR_UNSUPPORTED && strstr(err.message, "vicuna") != NULL,
          "unimplemented name: \"%s\"", err.message);
    CHECK(strcmp(llml_chat_style_name(LLML_CHAT_UNKNOWN), "unknown") == 0 &&
          strcmp(llml_chat_style_name(LLML_CHAT_STYLE_COUNT), "unknown") == 0, "unknown style name");
}

static void test_buffer(void) {
    static const char *want = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                              "<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd \"3+3\"?\nExplain.<|im_end|>\n"
                              "<|im_start|>assistant\n";
    char buf[512];
    size_t need = 0, len = strlen(want), cap;
    llml_chat_message bad[2];
    CHECK(llml_chat_format(LLML_CHAT_CHATML, CONV4, 4, 1, NULL, 0, &need) == LLML_ERR_BUFFER_TOO_SMALL && need == len,
          "size query: %lu", (unsigned long)need);
    for (cap = 1; cap <= len + 1; cap += (cap < 8 || cap + 8 > len ? 1 : 37)) {
        llml_result r;
        memset(buf, 'X', sizeof(buf));
        r = llml_chat_format(LLML_CHAT_CHATML, CONV4, 4, 1, buf, cap, &need);
        CHECK(need == len && (cap > len ? r == LLML_OK : r == LLML_ERR_BUFFER_TOO_SMALL), "cap %lu: result %d",
              (unsigned long)cap, (int)r);
        CHECK(strlen(buf) == (cap > len ? len : cap - 1) && strncmp(buf, want, strlen(buf)) == 0 && buf[cap] == 'X',
              "cap %lu: prefix", (unsigned long)cap);
    }
    /* empty conversation: only the assistant prompt */
    CHECK(llml_chat_format(LLML_CHAT_CHATML, NULL, 0, 1, buf, sizeof(buf), &need) == LLML_OK &&
          strcmp(buf, "<|im_start|>assistant\n") == 0, "empty chatml");
    CHECK(llml_chat_format(LLML_CHAT_LLAMA2, NULL, 0, 1, buf, sizeof(buf), &need) == LLML_OK && need == 0 && buf[0] == 0,
          "empty llama2");
    /* errors */
    bad[0].role = "user"; bad[0].content = NULL;
    CHECK(llml_chat_format(LLML_CHAT_CHATML, bad, 1, 1, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "NULL content");
    bad[0].role = NULL; bad[0].content = "x";
    CHECK(llml_chat_format(LLML_CHAT_CHATML, bad, 1, 1, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "NULL role");
    CHECK(llml_chat_format(LLML_CHAT_CHATML, NULL, 1, 1, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "NULL msgs");
    CHECK(llml_chat_format(LLML_CHAT_UNKNOWN, CONV4, 4, 1, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "unknown style");
    CHECK(llml_chat_format(LLML_CHAT_STYLE_COUNT, CONV4, 4, 1, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "bad style");
    CHECK(llml_chat_format(LLML_CHAT_CHATML, CONV4, 4, 1, NULL, 10, &need) == LLML_ERR_INVALID_ARG, "NULL buf with cap");
    /* roles: free-form where the format writes the role name, else refused */
    bad[0].role = "tool"; bad[0].content = "42";
    CHECK(llml_chat_format(LLML_CHAT_CHATML, bad, 1, 0, buf, sizeof(buf), &need) == LLML_OK &&
          strcmp(buf, "<|im_start|>tool\n42<|im_end|>\n") == 0, "chatml tool role");
    CHECK(llml_chat_format(LLML_CHAT_LLAMA3, bad, 1, 0, buf, sizeof(buf), &need) == LLML_OK &&
          strcmp(buf, "<|start_header_id|>tool<|end_header_id|>\n\n42<|eot_id|>") == 0, "llama3 tool role");
    CHECK(llml_chat_format(LLML_CHAT_GEMMA, bad, 1, 0, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "gemma tool role");
    CHECK(llml_chat_format(LLML_CHAT_MISTRAL_V7, bad, 1, 0, buf, sizeof(buf), &need) == LLML_ERR_INVALID_ARG, "v7 tool role");
}

/* a long conversation: no allocation, no size limit */
static void test_long(void) {
    enum { N = 1000 };
    static llml_chat_message m[N];
    static char buf[64 * N];
    size_t need = 0, i;
    int s, ok = 1;
    for (i = 0; i < N; i++) { m[i].role = i % 2 ? "assistant" : "user"; m[i].content = i % 2 ? "ok" : "go on"; }
    for (s = 1; s < LLML_CHAT_STYLE_COUNT; s++) {
        llml_result r = llml_chat_format((llml_chat_style)s, m, N, 1, buf, sizeof(buf), &need);
        if (r != LLML_OK || need != strlen(buf) || need < 5 * N) ok = 0;
    }
    CHECK(ok, "1000-message conversations");
}

/* the templates stored in the vocab GGUFs of the shared test data */
static void test_gguf_templates(void) {
    static const struct { const char *file; llml_chat_style style; } files[] = {
        {"ggml-vocab-baichuan.gguf", LLML_CHAT_UNKNOWN}, {"ggml-vocab-bert-bge.gguf", LLML_CHAT_UNKNOWN},
        {"ggml-vocab-deepseek-coder.gguf", LLML_CHAT_UNKNOWN}, {"ggml-vocab-deepseek-llm.gguf", LLML_CHAT_UNKNOWN},
        {"ggml-vocab-falcon.gguf", LLML_CHAT_UNKNOWN}, {"ggml-vocab-gpt-2.gguf", LLML_CHAT_UNKNOWN},
        {"ggml-vocab-llama-spm.gguf", LLML_CHAT_UNKNOWN}, {"ggml-vocab-llama3.gguf", LLML_CHAT_LLAMA3},
        {"ggml-vocab-phi-3.gguf", LLML_CHAT_PHI3}, {"ggml-vocab-qwen3.gguf", LLML_CHAT_CHATML},
        {"ggml-vocab-starcoder.gguf", LLML_CHAT_UNKNOWN}};
    size_t i;
    int with_template = 0;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        llml_gguf *g = NULL;
        llml_error err;
        llml_gguf_desc gd;
        const char *tpl = NULL;
        llml_result r;
        memset(&gd, 0, sizeof(gd));
        gd.header_only = 1;
        sprintf(path, "%s/vocab/%s", check_testdata(), files[i].file);
        r = llml_gguf_open_file(path, &gd, &g, &err);
        CHECK(r == LLML_OK, "open %s: %s", path, r == LLML_OK ? "" : err.message);
        if (r != LLML_OK) continue;
        r = llml_gguf_get_str(g, "tokenizer.chat_template", &tpl);
        if (files[i].style == LLML_CHAT_UNKNOWN) {
            CHECK(r == LLML_ERR_NOT_FOUND, "%s: unexpected chat template", files[i].file);
        } else {
            llml_chat_style st = LLML_CHAT_UNKNOWN;
            CHECK(r == LLML_OK && tpl, "%s: no chat template", files[i].file);
            if (r == LLML_OK) {
                with_template++;
                CHECK(llml_chat_detect(tpl, &st, &err) == LLML_OK && st == files[i].style, "%s: detected %s, want %s",
                      files[i].file, llml_chat_style_name(st), llml_chat_style_name(files[i].style));
            }
        }
        llml_gguf_close(g);
    }
    CHECK(with_template == 3, "vocab files with a template: %d", with_template);
}

int main(void) {
    test_vectors();
    test_llama2_sys();
    test_detect();
    test_names();
    test_buffer();
    test_long();
    test_gguf_templates();
    return check_summary("test_chat");
}
