//===- Utf8Test.cpp - WHATWG replacement, validation, escaping ------------===//
#include "runtime/tokenizer/Utf8.h"

#include <gtest/gtest.h>

#include <string>

using namespace tern::tok;

namespace {

std::string unhex(const std::string &h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

const std::string R = "\xEF\xBF\xBD"; // U+FFFD

struct Case {
  const char *input_hex;
  std::string expected;
};

class NodeReplacement : public ::testing::TestWithParam<Case> {};

// Expectations printed by Node 20: Buffer.from(hex, 'hex').toString('utf8').
TEST_P(NodeReplacement, MatchesBufferToString) {
  const Case &c = GetParam();
  std::string in = unhex(c.input_hex);
  EXPECT_EQ(sanitizeUtf8(in), c.expected) << "input " << c.input_hex;
  EXPECT_FALSE(isValidUtf8(in) && c.expected != in);
  EXPECT_TRUE(isValidUtf8(sanitizeUtf8(in)));
}

INSTANTIATE_TEST_SUITE_P(
    Utf8, NodeReplacement,
    ::testing::Values(
        Case{"efbbbf41", "\xEF\xBB\xBF" "A"},     // BOM kept
        Case{"c080", R + R},                      // overlong NUL
        Case{"c1bf", R + R},                      // overlong
        Case{"e08080", R + R + R},                // overlong 3-byte
        Case{"eda080", R + R + R},                // high surrogate
        Case{"edbfbf", R + R + R},                // low surrogate
        Case{"f0808080", R + R + R + R},          // overlong 4-byte
        Case{"f4908080", R + R + R + R},          // above U+10FFFF
        Case{"f8888080", R + R + R + R},          // 5-byte form
        Case{"e282", R},                          // truncated at the end
        Case{"e28241", R + "A"},                  // truncated before ASCII
        Case{"e0a0", R},                          // truncated, valid prefix
        Case{"f09080", R},                        // truncated 4-byte
        Case{"f09f98", R},                        // truncated emoji
        Case{"f09f9880", "\xF0\x9F\x98\x80"},     // the emoji itself
        Case{"ff41", R + "A"},                    // never valid
        Case{"80", R},                            // lone continuation
        Case{"c2", R}));                          // lone lead byte

TEST(Utf8, ValidTextIsUnchanged) {
  const std::string s = "plain ASCII, caf\xC3\xA9, \xE2\x82\xAC, "
                        "\xF0\x9F\x98\x80, \xEF\xBF\xBD itself, \xF4\x8F\xBF\xBF";
  EXPECT_TRUE(isValidUtf8(s));
  EXPECT_EQ(sanitizeUtf8(s), s);
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_EQ(sanitizeUtf8(""), "");
  EXPECT_EQ(sanitizeUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(Utf8, InvalidIsDetected) {
  for (const char *h : {"80", "c0af", "eda080", "f4908080", "e282", "ff"})
    EXPECT_FALSE(isValidUtf8(unhex(h))) << h;
}

TEST(Utf8, DecodeAndAppendRoundTrip) {
  for (uint32_t cp : {0x0u, 0x41u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFDu,
                      0xFFFFu, 0x10000u, 0x1F600u, 0x10FFFFu}) {
    std::string s;
    appendUtf8(cp, &s);
    uint32_t back = 0;
    EXPECT_EQ(decodeUtf8(s, 0, &back), s.size());
    EXPECT_EQ(back, cp);
  }
  uint32_t cp = 0;
  EXPECT_EQ(decodeUtf8(unhex("f09f98"), 0, &cp), 3u); // maximal subpart
  EXPECT_EQ(cp, 0xFFFDu);
  EXPECT_EQ(decodeUtf8("", 0, &cp), 1u); // past the end: no read
  EXPECT_EQ(cp, 0xFFFDu);
}

TEST(Utf8, EscapeForDisplay) {
  EXPECT_EQ(escapeForDisplay("a\nb\tc\\"), "a\\nb\\tc\\\\");
  EXPECT_EQ(escapeForDisplay(std::string("\0\x1b", 2)), "\\x00\\x1B");
  EXPECT_EQ(escapeForDisplay("caf\xC3\xA9 \xC3"), "caf\xC3\xA9 \\xC3");
  EXPECT_EQ(escapeForDisplay("\xC2\x85|\xE2\x80\xA8"), "\\u{85}|\\u{2028}");
  EXPECT_EQ(escapeForDisplay("abcdef", 3), "abc...");
}

} // namespace
