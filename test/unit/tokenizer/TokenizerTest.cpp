//===- TokenizerTest.cpp - BPE, added tokens, validation on tiny vocabs ---===//
#include "runtime/tokenizer/Tokenizer.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace tern::tok;
using namespace tern::tok::testing;

namespace {

using Ids = std::vector<int32_t>;

Tokenizer build(TokenizerData d) {
  Tokenizer t;
  std::string err;
  EXPECT_TRUE(Tokenizer::fromData(std::move(d), "tiny", &t, &err)) << err;
  return t;
}

Tokenizer::EncodeOptions plain() { return Tokenizer::EncodeOptions(); }

TEST(Tokenizer, MergeRankOrderMatters) {
  // "b c" before "a b": abc -> a|bc -> abc.
  TokenizerData d = byteVocabulary();
  d.ignore_merges = false;
  int32_t ab = addToken(&d, "ab"), bc = addToken(&d, "bc"),
          abc = addToken(&d, "abc");
  TokenizerData first = d;
  addMerge(&first, "b", "c");
  addMerge(&first, "a", "b");
  addMerge(&first, "a", "bc");
  EXPECT_EQ(build(first).encode("abc", plain()), (Ids{abc}));
  // "a b" first: ab|c, and no "ab c" merge exists.
  TokenizerData second = d;
  addMerge(&second, "a", "b");
  addMerge(&second, "b", "c");
  addMerge(&second, "a", "bc");
  EXPECT_EQ(build(second).encode("abc", plain()), (Ids{ab, 'c'}));
  (void)bc;
}

TEST(Tokenizer, EqualRanksMergeLeftmostFirst) {
  TokenizerData d = byteVocabulary();
  d.ignore_merges = false;
  int32_t aa = addToken(&d, "aa"), aaaa = addToken(&d, "aaaa");
  addMerge(&d, "a", "a");
  Tokenizer t = build(d);
  EXPECT_EQ(t.encode("aaa", plain()), (Ids{aa, 'a'}));
  EXPECT_EQ(t.encode("aaaaa", plain()), (Ids{aa, aa, 'a'}));
  addMerge(&d, "aa", "aa");
  EXPECT_EQ(build(d).encode("aaaaa", plain()), (Ids{aaaa, 'a'}));
}

TEST(Tokenizer, IgnoreMergesTakesWholeWords) {
  TokenizerData d = byteVocabulary();
  int32_t xyz = addToken(&d, "xyz"); // no merges lead there
  int32_t spaceX = addToken(&d, " x");
  addMerge(&d, " ", "x");
  d.ignore_merges = true;
  EXPECT_EQ(build(d).encode("xyz xyz", plain()),
            (Ids{xyz, spaceX, 'y', 'z'}));
  d.ignore_merges = false;
  EXPECT_EQ(build(d).encode("xyz xyz", plain()),
            (Ids{'x', 'y', 'z', spaceX, 'y', 'z'}));
}

TEST(Tokenizer, PiecesDoNotMergeAcrossRegexSplits) {
  TokenizerData d = byteVocabulary();
  d.ignore_merges = false;
  addToken(&d, "a1");
  addMerge(&d, "a", "1");
  EXPECT_EQ(build(d).encode("a1", plain()), (Ids{'a', '1'}));
}

TEST(Tokenizer, ControlTokensOnlyWithParseSpecial) {
  TokenizerData d = byteVocabulary();
  int32_t eot = addSpecial(&d, "<|eot_id|>");
  Tokenizer t = build(d);
  EXPECT_EQ(t.eot(), eot);
  Tokenizer::EncodeOptions special;
  EXPECT_EQ(t.encode("a<|eot_id|>b", special), (Ids{'a', eot, 'b'}));
  Tokenizer::EncodeOptions text;
  text.parse_special = false;
  EXPECT_EQ(t.encode("a<|eot_id|>b", text), byteIds("a<|eot_id|>b"));
  EXPECT_EQ(t.decode(t.encode("a<|eot_id|>b", special)), "a<|eot_id|>b");
  EXPECT_TRUE(t.isSpecial(eot));
  EXPECT_FALSE(t.isSpecial('a'));
}

TEST(Tokenizer, UserDefinedTokensAlwaysSplit) {
  TokenizerData d = byteVocabulary();
  int32_t user = addSpecial(&d, "<tool>", /*control=*/false);
  Tokenizer t = build(d);
  Tokenizer::EncodeOptions text;
  text.parse_special = false;
  EXPECT_EQ(t.encode("x<tool>", text), (Ids{'x', user}));
  EXPECT_EQ(t.data().token_types[user], kTokenUserDefined);
}

TEST(Tokenizer, LongestAddedTokenWins) {
  TokenizerData d = byteVocabulary();
  int32_t s = addSpecial(&d, "<s>");
  int32_t sx = addSpecial(&d, "<s>x");
  Tokenizer t = build(d);
  EXPECT_EQ(t.encode("<s>x<s><s", plain()), (Ids{sx, s, '<', 's'}));
}

TEST(Tokenizer, BosAndDerivedSpecialIds) {
  TokenizerData d = byteVocabulary();
  int32_t bos = addSpecial(&d, "<|begin_of_text|>");
  int32_t eos = addSpecial(&d, "<|end_of_text|>");
  Tokenizer t = build(d);
  EXPECT_EQ(t.bos(), bos);
  EXPECT_EQ(t.eos(), eos);
  EXPECT_EQ(t.eot(), -1);
  Tokenizer::EncodeOptions o;
  o.add_bos = true;
  EXPECT_EQ(t.encode("hi", o), (Ids{bos, 'h', 'i'}));
  EXPECT_EQ(t.encode("", o), (Ids{bos}));
  EXPECT_EQ(t.data().token_types[bos], kTokenControl);
  EXPECT_EQ(t.data().special_ids, (Ids{bos, eos}));
  // Types alone are enough: special_ids is derived from them.
  TokenizerData byType = byteVocabulary();
  byType.tokens.push_back("<|begin_of_text|>");
  byType.token_types.assign(byType.tokens.size(), kTokenNormal);
  byType.token_types.back() = kTokenControl;
  EXPECT_EQ(build(byType).data().special_ids, (Ids{256}));
}

TEST(Tokenizer, InvalidUtf8IsReplacedNotFatal) {
  Tokenizer t = build(byteVocabulary());
  EXPECT_EQ(t.encode("\xFF", plain()), byteIds("\xEF\xBF\xBD"));
  EXPECT_EQ(t.decode(t.encode("a\xC0\x80z", plain())),
            "a\xEF\xBF\xBD\xEF\xBF\xBDz");
}

TEST(Tokenizer, DecodeSkipsIdsOutOfRange) {
  Tokenizer t = build(byteVocabulary());
  EXPECT_EQ(t.decode({'a', -1, 256, 1 << 30, 'b'}), "ab");
  EXPECT_EQ(t.tokenBytes(-5), "");
  EXPECT_EQ(t.tokenBytes(' '), " ");
  EXPECT_EQ(t.vocabSize(), 256);
}

TEST(Tokenizer, EmptyTokenizerIsHarmless) {
  Tokenizer t;
  EXPECT_TRUE(t.encode("abc", plain()).empty());
  EXPECT_EQ(t.decode({1, 2}), "");
  EXPECT_EQ(t.vocabSize(), 0);
  EXPECT_EQ(t.bos(), -1);
  EXPECT_TRUE(t.data().tokens.empty());
}

TEST(Tokenizer, CopiesShareTheVocabulary) {
  TokenizerData d = byteVocabulary();
  addToken(&d, "hi");
  Tokenizer a = build(d);
  Tokenizer b = a;
  Tokenizer c = std::move(a);
  EXPECT_EQ(b.encode("hi", plain()), (Ids{256}));
  EXPECT_EQ(c.encode("hi", plain()), (Ids{256}));
}

TEST(Tokenizer, SplitMerge) {
  std::pair<std::string, std::string> m;
  ASSERT_TRUE(splitMerge("\xC4\xA0 t", &m));
  EXPECT_EQ(m.first, "\xC4\xA0");
  EXPECT_EQ(m.second, "t");
  for (const char *bad : {"ab", "a b c", " a", "a ", " ", ""})
    EXPECT_FALSE(splitMerge(bad, &m)) << bad;
}

// fromData rejects bad vocabularies with a message naming the source.
struct BadCase {
  const char *what;
  void (*mutate)(TokenizerData *);
  const char *expected;
};

class FromDataRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(FromDataRejects, WithOneLineError) {
  TokenizerData d = byteVocabulary();
  addToken(&d, "ab");
  addMerge(&d, "a", "b");
  GetParam().mutate(&d);
  Tokenizer t;
  std::string err;
  EXPECT_FALSE(Tokenizer::fromData(d, "model.gguf", &t, &err));
  EXPECT_EQ(err.rfind("model.gguf: ", 0), 0u) << err;
  EXPECT_NE(err.find(GetParam().expected), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizer, FromDataRejects,
    ::testing::Values(
        BadCase{"duplicate",
                [](TokenizerData *d) { d->tokens.push_back("ab"); },
                "token 257 \"ab\" duplicates token 256"},
        BadCase{"unknown merge part",
                [](TokenizerData *d) { d->merges.emplace_back("ab", "zz"); },
                "merge 1 (\"ab\" \"zz\") refers to unknown token \"zz\""},
        BadCase{"unknown merge result",
                [](TokenizerData *d) { d->merges.emplace_back("b", "a"); },
                "makes \"ba\", which is not a token"},
        BadCase{"missing byte",
                [](TokenizerData *d) { d->tokens[65] = "AA"; },
                "no regular token for byte 65"},
        BadCase{"empty token", [](TokenizerData *d) { d->tokens[3] = ""; },
                "token 3 is empty"},
        BadCase{"invalid UTF-8",
                [](TokenizerData *d) { d->tokens.push_back("\xC3"); },
                "token 257 \"\\xC3\" is not valid UTF-8"},
        BadCase{"special out of range",
                [](TokenizerData *d) { d->special_ids.push_back(999); },
                "special token id 999 out of range"},
        BadCase{"bos out of range", [](TokenizerData *d) { d->bos = 300; },
                "bos token id 300 out of range"},
        BadCase{"types size",
                [](TokenizerData *d) { d->token_types.assign(3, 1); },
                "token_types has 3 entries for 257 tokens"},
        BadCase{"type value",
                [](TokenizerData *d) {
                  d->token_types.assign(d->tokens.size(), 1);
                  d->token_types[7] = 9;
                },
                "token 7 has invalid type 9"},
        BadCase{"empty vocabulary",
                [](TokenizerData *d) { *d = TokenizerData(); },
                "empty vocabulary"}));

} // namespace
