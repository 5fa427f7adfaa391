//===- ByteLevelTest.cpp - The GPT-2 byte <-> unicode mapping -------------===//
#include "runtime/tokenizer/ByteLevel.h"

#include <gtest/gtest.h>

#include <set>

using namespace tern::tok;

TEST(ByteLevel, IsABijectionOnto256CodePoints) {
  std::set<uint32_t> seen;
  for (int b = 0; b < 256; ++b) {
    uint32_t cp = byteToCodepoint(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(cp).second) << "byte " << b;
    EXPECT_EQ(codepointToByte(cp), b);
  }
  int mapped = 0;
  for (uint32_t cp = 0; cp < 0x400; ++cp)
    mapped += codepointToByte(cp) >= 0;
  EXPECT_EQ(mapped, 256);
  EXPECT_EQ(codepointToByte(0x1F600), -1);
}

TEST(ByteLevel, KnownCharacters) {
  EXPECT_EQ(byteToCodepoint(' '), 0x120u);  // 'Ġ'
  EXPECT_EQ(byteToCodepoint('\n'), 0x10Au); // 'Ċ'
  EXPECT_EQ(byteToCodepoint('\t'), 0x109u); // 'ĉ'
  EXPECT_EQ(byteToCodepoint(0), 0x100u);
  EXPECT_EQ(byteToCodepoint('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(byteToCodepoint(0xAD), 0x143u); // the last remapped byte
  EXPECT_EQ(byteToCodepoint(0xE9), 0xE9u);
  EXPECT_EQ(bytesToByteLevel(" hello\n"), "\xC4\xA0hello\xC4\x8A");
}

TEST(ByteLevel, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all.push_back(static_cast<char>(b));
  std::string back;
  ASSERT_TRUE(byteLevelToBytes(bytesToByteLevel(all), &back));
  EXPECT_EQ(back, all);
}

TEST(ByteLevel, RejectsTextOutsideTheAlphabet) {
  std::string out;
  EXPECT_FALSE(byteLevelToBytes("\xE2\x82\xAC", &out)); // '€'
  EXPECT_FALSE(byteLevelToBytes("ab\xFF", &out));       // invalid UTF-8
  EXPECT_EQ(out, "ab");
  EXPECT_FALSE(byteLevelToBytes("<|eot_id|>\xEF\xBF\xBD", &out));
}
