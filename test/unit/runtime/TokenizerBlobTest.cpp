//===- TokenizerBlobTest.cpp - the TERNTOK1 blob: round trip, bad input ---===//
#include "runtime/engine/TokenizerBlob.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tern::rt;
using tern::tok::Tokenizer;
using tern::tok::TokenizerData;

namespace {

/// 256 byte tokens, "ab", "abc", three control tokens.
TokenizerData smallData() {
  TokenizerData d;
  for (int b = 0; b < 256; ++b)
    d.tokens.push_back(
        tern::tok::bytesToByteLevel(std::string(1, static_cast<char>(b))));
  d.tokens.push_back("ab");
  d.tokens.push_back("abc");
  d.merges = {{"a", "b"}, {"ab", "c"}};
  d.tokens.push_back("<|begin_of_text|>");
  d.tokens.push_back("<|end_of_text|>");
  d.tokens.push_back("<|eot_id|>");
  d.special_ids = {258, 259, 260};
  d.token_types.assign(d.tokens.size(), tern::tok::kTokenNormal);
  for (int32_t id : d.special_ids)
    d.token_types[id] = tern::tok::kTokenControl;
  d.bos = 258;
  d.eos = 259;
  d.eot = 260;
  d.ignore_merges = false;
  return d;
}

const uint8_t *u8(const std::string &s) {
  return reinterpret_cast<const uint8_t *>(s.data());
}

TEST(TokenizerBlob, RoundTrip) {
  const TokenizerData d = smallData();
  std::string blob, err;
  ASSERT_TRUE(serializeTokenizer(d, &blob, &err)) << err;
  EXPECT_EQ(blob.substr(0, 8), "TERNTOK1");
  EXPECT_TRUE(looksLikeTokenizerBlob(u8(blob), blob.size()));
  TokenizerData back;
  ASSERT_TRUE(parseTokenizerBlob(u8(blob), blob.size(), &back, &err)) << err;
  EXPECT_EQ(back.tokens, d.tokens);
  EXPECT_EQ(back.merges, d.merges);
  EXPECT_EQ(back.token_types, d.token_types);
  EXPECT_EQ(back.special_ids, d.special_ids);
  EXPECT_EQ(back.bos, 258);
  EXPECT_EQ(back.eos, 259);
  EXPECT_EQ(back.eot, 260);
  EXPECT_FALSE(back.ignore_merges);

  // The parsed data builds the same tokenizer.
  Tokenizer a, b;
  ASSERT_TRUE(Tokenizer::fromData(d, "orig", &a, &err)) << err;
  ASSERT_TRUE(Tokenizer::fromData(back, "blob", &b, &err)) << err;
  const std::string text = "<|begin_of_text|>abc abd<|eot_id|>";
  EXPECT_EQ(a.encode(text, {}), b.encode(text, {}));
  EXPECT_EQ(b.encode("abc", {}), (std::vector<int32_t>{257}));
}

TEST(TokenizerBlob, EmptyFieldsAndDefaults) {
  TokenizerData d; // no tokens at all, defaults
  std::string blob, err;
  ASSERT_TRUE(serializeTokenizer(d, &blob, &err));
  EXPECT_EQ(blob.size(), 8u + 4 * 8);
  TokenizerData back;
  back.tokens = {"junk"};
  ASSERT_TRUE(parseTokenizerBlob(u8(blob), blob.size(), &back, &err)) << err;
  EXPECT_TRUE(back.tokens.empty());
  EXPECT_EQ(back.bos, -1);
  EXPECT_TRUE(back.ignore_merges);
}

TEST(TokenizerBlob, EveryTruncationFails) {
  std::string blob, err;
  ASSERT_TRUE(serializeTokenizer(smallData(), &blob, &err));
  for (size_t n = 0; n < blob.size(); ++n) {
    // A private copy of the prefix so that reading past it is caught by
    // sanitizers.
    std::vector<uint8_t> prefix(blob.begin(), blob.begin() + n);
    TokenizerData out;
    err.clear();
    EXPECT_FALSE(parseTokenizerBlob(prefix.data(), n, &out, &err)) << n;
    EXPECT_EQ(err.rfind("tokenizer blob: ", 0), 0u) << err;
  }
}

TEST(TokenizerBlob, BadBlobs) {
  std::string blob, err;
  ASSERT_TRUE(serializeTokenizer(smallData(), &blob, &err));
  TokenizerData out;
  auto parse = [&](const std::string &b) {
    err.clear();
    return parseTokenizerBlob(u8(b), b.size(), &out, &err);
  };
  std::string b = blob;
  b[7] = '2';
  EXPECT_FALSE(parse(b));
  EXPECT_NE(err.find("bad magic"), std::string::npos) << err;
  EXPECT_FALSE(parse(blob + "x"));
  EXPECT_NE(err.find("1 unexpected bytes"), std::string::npos) << err;
  // Huge counts are rejected before any allocation.
  for (size_t field = 0; field < 4; ++field) {
    b = blob;
    std::memset(&b[8 + 4 * field], 0xff, 4);
    EXPECT_FALSE(parse(b)) << field;
    EXPECT_NE(err.find("need more bytes"), std::string::npos) << err;
  }
  // ignore_merges must be 0 or 1.
  b = blob;
  b[8 + 28] = 2;
  EXPECT_FALSE(parse(b));
  EXPECT_NE(err.find("ignore_merges"), std::string::npos) << err;
  // A token length running past the end.
  b = blob;
  const uint32_t big = 0x7fffffff;
  std::memcpy(&b[8 + 32], &big, 4);
  EXPECT_FALSE(parse(b));
  EXPECT_NE(err.find("truncated in token 0"), std::string::npos) << err;
  EXPECT_FALSE(parseTokenizerBlob(nullptr, 0, &out, &err));
}

} // namespace
