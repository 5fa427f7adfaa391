//===- ChatTemplateTest.cpp - The BitNet b1.58 chat format ----------------===//
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
