//===- ChatTemplate.cpp - BitNet b1.58 2B4T chat format -------------------===//
#include "runtime/tokenizer/ChatTemplate.h"

#include <string_view>

namespace tern::tok {

namespace {

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isAsciiSpace(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && isAsciiSpace(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string capitalize(std::string_view role) {
  std::string out(role);
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (i == 0 && c >= 'a' && c <= 'z')
      out[i] = static_cast<char>(c - 'a' + 'A');
    else if (i > 0 && c >= 'A' && c <= 'Z')
      out[i] = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

} // namespace

std::string applyBitNetChatTemplate(const std::vector<ChatMessage> &messages,
                                    bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage &m : messages) {
    out += capitalize(m.role);
    out += ": ";
    out += trim(m.content);
    out += "<|eot_id|>";
  }
  if (add_generation_prompt)
    out += "Assistant: ";
  return out;
}

} // namespace tern::tok
