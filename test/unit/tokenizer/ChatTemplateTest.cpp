//===- ChatTemplateTest.cpp - The chat formats of the families ------------===//
#include "runtime/tokenizer/ChatTemplate.h"

#include <gtest/gtest.h>

using namespace tern::tok;

TEST(ChatTemplate, OneUserMessageWithGenerationPrompt) {
  EXPECT_EQ(applyBitNetChatTemplate({{"user", "Hey, are you conscious?"}}, true),
            "User: Hey, are you conscious?<|eot_id|>Assistant: ");
}

TEST(ChatTemplate, ConversationIsTrimmed) {
  std::vector<ChatMessage> chat = {{"system", "  You are helpful.\n"},
                                   {"user", "\tHi!  "},
                                   {"assistant", "Hello.\n\n"},
                                   {"user", "Bye"}};
  EXPECT_EQ(applyBitNetChatTemplate(chat, false),
            "System: You are helpful.<|eot_id|>User: Hi!<|eot_id|>"
            "Assistant: Hello.<|eot_id|>User: Bye<|eot_id|>");
  EXPECT_EQ(applyBitNetChatTemplate(chat, true),
            applyBitNetChatTemplate(chat, false) + "Assistant: ");
}

TEST(ChatTemplate, RolesAreCapitalizedAndInnerTextKept) {
  EXPECT_EQ(applyBitNetChatTemplate({{"TOOL", " a \n b "}}, false),
            "Tool: a \n b<|eot_id|>");
  EXPECT_EQ(applyBitNetChatTemplate({}, true), "Assistant: ");
  EXPECT_EQ(applyBitNetChatTemplate({{"user", "   "}}, false),
            "User: <|eot_id|>");
}

TEST(ChatTemplate, Llama3Headers) {
  EXPECT_EQ(applyChatTemplate(ChatTemplateKind::Llama3,
                              {{"system", "Be brief."}, {"user", " Hi \n"}}, true),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(applyChatTemplate(ChatTemplateKind::Llama3, {{"user", "x"}}, false),
            "<|start_header_id|>user<|end_header_id|>\n\nx<|eot_id|>");
}

TEST(ChatTemplate, Falcon3Roles) {
  EXPECT_EQ(applyChatTemplate(ChatTemplateKind::Falcon3,
                              {{"system", "S"}, {"user", "Hi"}}, true),
            "<|system|>\nS\n<|user|>\nHi\n<|assistant|>\n");
}

TEST(ChatTemplate, NoneAndBitNetByKind) {
  EXPECT_EQ(applyChatTemplate(ChatTemplateKind::None, {{"user", "Hi"}}, true), "Hi");
  EXPECT_EQ(applyChatTemplate(ChatTemplateKind::BitNet, {{"user", "Hi"}}, true),
            applyBitNetChatTemplate({{"user", "Hi"}}, true));
}

TEST(ChatTemplate, KindFromPublishedJinjaMarkers) {
  ChatTemplateKind k;
  // Meta's Llama 3 template, Falcon3's and 2B4T's, abridged to their markers.
  ASSERT_TRUE(chatTemplateKindFromJinja(
      "{% set content = '<|start_header_id|>' + message['role'] + "
      "'<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}",
      &k));
  EXPECT_EQ(k, ChatTemplateKind::Llama3);
  ASSERT_TRUE(chatTemplateKindFromJinja(
      "{{ '<|user|>\n' + message['content'] + '\n' }}", &k));
  EXPECT_EQ(k, ChatTemplateKind::Falcon3);
  ASSERT_TRUE(chatTemplateKindFromJinja(
      "{{ 'User: ' + message['content'] + '<|eot_id|>' }}{{ 'Assistant: ' }}", &k));
  EXPECT_EQ(k, ChatTemplateKind::BitNet);
  EXPECT_FALSE(chatTemplateKindFromJinja("{{ '<|im_start|>' }}", &k));
  EXPECT_STREQ(chatTemplateName(ChatTemplateKind::Falcon3), "falcon3");
}
