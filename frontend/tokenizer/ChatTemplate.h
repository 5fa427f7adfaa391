//===- ChatTemplate.h - BitNet b1.58 2B4T chat format -----------*- C++ -*-===//
//
// The prompt format of BitNet b1.58 2B4T (llama.cpp's "bitnet" template, and
// the model's Hugging Face chat_template): per message
//
//   Capitalized-role + ": " + trim(content) + "<|eot_id|>"
//
// ("System: ", "User: ", "Assistant: "), and with add_generation_prompt a
// trailing "Assistant: ". Example, one user message:
//
//   User: Hey, are you conscious?<|eot_id|>Assistant: 
//
// The BOS token is not part of the text: the encoder adds it (add_bos).
// Sources checked: llama.cpp's llm_chat_apply_template (LLM_CHAT_TEMPLATE_
// BITNET, which trims with ASCII isspace) and ik_llama.cpp issue #339, whose
// working prompt for this model is
// "<|begin_of_text|>User: Hey, are you conscious? Can you talk to
// me?<|eot_id|>Assistant:". tern trims ASCII whitespace (space, \t \n \v \f
// \r) as llama.cpp does, and capitalizes any role as Jinja's `capitalize`
// does (first letter upper case, the rest lower case, ASCII only).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_TOKENIZER_CHATTEMPLATE_H
#define TERN_FRONTEND_TOKENIZER_CHATTEMPLATE_H

#include <string>
#include <vector>

namespace tern::tok {

struct ChatMessage {
  std::string role, content;
};

std::string applyBitNetChatTemplate(const std::vector<ChatMessage> &messages,
                                    bool add_generation_prompt);

} // namespace tern::tok

#endif
