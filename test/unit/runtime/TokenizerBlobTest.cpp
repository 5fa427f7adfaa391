//===- TokenizerBlobTest.cpp - the TERNTOK2 blob: round trip, bad input ---===//
#include "runtime/engine/TokenizerBlob.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tern::rt;
using tern::tok::Tokenizer;
using tern::tok::TokenizerData;
using tern::tok::Pipeline;
using tern::tok::ModelKind;
using tern::tok::PreTokenizerStep;
using tern::tok::NormalizerStep;
using tern::tok::DecoderStep;
using tern::tok::ChatTemplateKind;

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
  EXPECT_EQ(blob.substr(0, 8), "TERNTOK2");
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
  TokenizerData back;
  back.tokens = {"junk"};
  ASSERT_TRUE(parseTokenizerBlob(u8(blob), blob.size(), &back, &err)) << err;
  EXPECT_TRUE(back.tokens.empty());
  EXPECT_EQ(back.bos, -1);
  EXPECT_TRUE(back.ignore_merges);
  ASSERT_EQ(back.pipeline.pre_tokenizers.size(), 2u); // LLaMA 3's
  EXPECT_EQ(back.pipeline.pre_tokenizers[0].pattern,
            d.pipeline.pre_tokenizers[0].pattern);

  // A version-1 blob (tern before the pipeline) is the same header and
  // nothing after the special ids: LLaMA 3's pipeline, the BitNet format.
  std::string v1 = blob.substr(0, 8 + 4 * 8);
  v1[7] = '1';
  TokenizerData old;
  old.pipeline = Pipeline::sentencePiece(ModelKind::Spm);
  old.chat_template = ChatTemplateKind::Llama3;
  ASSERT_TRUE(parseTokenizerBlob(u8(v1), v1.size(), &old, &err)) << err;
  EXPECT_TRUE(old.pipeline.byteLevel());
  EXPECT_EQ(old.pipeline.model, ModelKind::Bpe);
  EXPECT_EQ(old.chat_template, ChatTemplateKind::BitNet);
}

TEST(TokenizerBlob, PipelineScoresUnkAndChatFormatRoundTrip) {
  TokenizerData d = smallData();
  d.pipeline = Pipeline::sentencePiece(ModelKind::Spm);
  PreTokenizerStep m;
  m.kind = PreTokenizerStep::Metaspace;
  m.replacement = "_";
  m.prepend_scheme = PreTokenizerStep::First;
  m.split = false;
  d.pipeline.pre_tokenizers = {m};
  d.pipeline.fuse_unk = false;
  d.scores.assign(d.tokens.size(), 0.f);
  d.scores[257] = -2.5f;
  d.unk = 3;
  d.chat_template = ChatTemplateKind::Falcon3;
  std::string blob, err;
  ASSERT_TRUE(serializeTokenizer(d, &blob, &err)) << err;
  TokenizerData back;
  ASSERT_TRUE(parseTokenizerBlob(u8(blob), blob.size(), &back, &err)) << err;
  EXPECT_EQ(back.scores, d.scores);
  EXPECT_EQ(back.unk, 3);
  EXPECT_EQ(back.chat_template, ChatTemplateKind::Falcon3);
  EXPECT_EQ(back.pipeline.model, ModelKind::Spm);
  EXPECT_TRUE(back.pipeline.byte_fallback);
  EXPECT_FALSE(back.pipeline.fuse_unk);
  ASSERT_EQ(back.pipeline.normalizers.size(), 2u);
  EXPECT_EQ(back.pipeline.normalizers[0].kind, NormalizerStep::Prepend);
  EXPECT_EQ(back.pipeline.normalizers[0].content, "\xE2\x96\x81");
  ASSERT_EQ(back.pipeline.pre_tokenizers.size(), 1u);
  EXPECT_EQ(back.pipeline.pre_tokenizers[0].replacement, "_");
  EXPECT_EQ(back.pipeline.pre_tokenizers[0].prepend_scheme,
            PreTokenizerStep::First);
  EXPECT_FALSE(back.pipeline.pre_tokenizers[0].split);
  ASSERT_EQ(back.pipeline.decoders.size(), 4u);
  EXPECT_EQ(back.pipeline.decoders[3].kind, DecoderStep::Strip);
  EXPECT_EQ(back.pipeline.decoders[3].start, 1);
  // An enum out of range is an error, not a cast.
  std::string bad = blob;
  TokenizerData d2 = d;
  d2.chat_template = static_cast<ChatTemplateKind>(3);
  std::string b2;
  ASSERT_TRUE(serializeTokenizer(d2, &b2, &err));
  // The chat byte is the only difference between the two blobs.
  size_t diff = 0;
  while (diff < blob.size() && blob[diff] == b2[diff])
    ++diff;
  ASSERT_LT(diff, blob.size());
  bad[diff] = 9;
  EXPECT_FALSE(parseTokenizerBlob(u8(bad), bad.size(), &back, &err));
  EXPECT_NE(err.find("pipeline header"), std::string::npos) << err;
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
  b[7] = '3';
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
