//===- ChatTemplate.h - The chat formats of the ternary families -*- C++ -*-===//
//
// Each family's prompt format, as llama.cpp's llm_chat_apply_template writes
// it (the BOS token is never part of the text: the encoder adds it):
//
//  * Llama3 (Llama3-8B-1.58, LLaMA 3 instruct files), per message
//      "<|start_header_id|>" role "<|end_header_id|>\n\n" trim(content)
//      "<|eot_id|>"
//    and "<|start_header_id|>assistant<|end_header_id|>\n\n" to generate;
//  * Falcon3 (Falcon3-*-Instruct-1.58bit), per message
//      "<|" role "|>\n" content "\n"
//    and "<|assistant|>\n" to generate;
//  * None: the messages' contents concatenated (base models);
//  * BitNet, below.
//
// The prompt format of BitNet b1.58 2B4T (llama.cpp's "bitnet" template, and
// the model's Hugging Face chat_template): per message
//
//   Capitalized-role + ": " + trim(content) + "<|eot_id|>"
//
// ("System: ", "User: ", "Assistant: "), and with add_generation_prompt a
// trailing "Assistant: ". Example, one user message:
//
//   "User: Hey, are you conscious?<|eot_id|>Assistant: "
//
// The BOS token is not part of the text: the encoder adds it (add_bos).
//
// What was checked (search of public sources): ik_llama.cpp lists the
// template as "bitnet" (LLM_CHAT_TEMPLATE_BITNET), and its issue #339 gives
// the prompt that works with the model: "<|begin_of_text|>User: Hey, are you
// conscious? Can you talk to me?<|eot_id|>Assistant:" (BOS from the encoder,
// no header tokens, <|eot_id|> after each message). The code of that branch
// could not be read, so the trailing space of the final "Assistant: " is as
// tern's design specifies (the model card's chat_template) and unconfirmed
// here. Trimming is of ASCII whitespace (space, \t \n \v \f \r) like
// llama.cpp's trim(); roles are capitalized like Jinja's `capitalize` (first
// letter upper case, the rest lower, ASCII).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_CHATTEMPLATE_H
#define TERN_RUNTIME_TOKENIZER_CHATTEMPLATE_H

#include <cstdint>
#include <string>
#include <vector>

namespace tern::tok {

struct ChatMessage {
  std::string role, content;
};

std::string applyBitNetChatTemplate(const std::vector<ChatMessage> &messages,
                                    bool add_generation_prompt);

/// Which format; the values are stored in the tokenizer blob.
enum class ChatTemplateKind : uint8_t {
  BitNet = 0,
  Llama3 = 1,
  Falcon3 = 2,
  None = 3,
};

std::string applyChatTemplate(ChatTemplateKind kind,
                              const std::vector<ChatMessage> &messages,
                              bool add_generation_prompt);

/// The kind a Jinja chat_template (tokenizer_config.json, GGUF
/// tokenizer.chat_template) writes, recognized by its markers; false when
/// it is none of them.
bool chatTemplateKindFromJinja(const std::string &jinja, ChatTemplateKind *out);

/// "bitnet", "llama3", "falcon3", "none".
const char *chatTemplateName(ChatTemplateKind kind);

} // namespace tern::tok

#endif
