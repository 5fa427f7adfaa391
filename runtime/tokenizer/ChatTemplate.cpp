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

std::string applyChatTemplate(ChatTemplateKind kind,
                              const std::vector<ChatMessage> &messages,
                              bool add_generation_prompt) {
  std::string out;
  switch (kind) {
  case ChatTemplateKind::BitNet:
    return applyBitNetChatTemplate(messages, add_generation_prompt);
  case ChatTemplateKind::Llama3:
    for (const ChatMessage &m : messages)
      out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" +
             std::string(trim(m.content)) + "<|eot_id|>";
    if (add_generation_prompt)
      out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
  case ChatTemplateKind::Falcon3:
    for (const ChatMessage &m : messages)
      out += "<|" + m.role + "|>\n" + m.content + "\n";
    if (add_generation_prompt)
      out += "<|assistant|>\n";
    return out;
  case ChatTemplateKind::None:
    for (const ChatMessage &m : messages)
      out += m.content;
    return out;
  }
  return out;
}

bool chatTemplateKindFromJinja(const std::string &jinja, ChatTemplateKind *out) {
  auto has = [&](const char *s) { return jinja.find(s) != std::string::npos; };
  if (has("<|start_header_id|>"))
    *out = ChatTemplateKind::Llama3;
  else if (has("<|user|>") || has("'<|' + message['role'] + '|>"))
    *out = ChatTemplateKind::Falcon3;
  else if (has("Assistant: "))
    *out = ChatTemplateKind::BitNet;
  else
    return false;
  return true;
}

const char *chatTemplateName(ChatTemplateKind kind) {
  switch (kind) {
  case ChatTemplateKind::BitNet: return "bitnet";
  case ChatTemplateKind::Llama3: return "llama3";
  case ChatTemplateKind::Falcon3: return "falcon3";
  case ChatTemplateKind::None: return "none";
  }
  return "?";
}

} // namespace tern::tok
