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
