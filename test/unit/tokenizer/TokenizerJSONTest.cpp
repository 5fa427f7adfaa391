//===- TokenizerJSONTest.cpp - tokenizer.json read/write, truncation ------===//
#include "runtime/tokenizer/PreTokenizer.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace tern::tok;
using namespace tern::tok::testing;

namespace {

using Ids = std::vector<int32_t>;

/// 256 bytes, "ab" "bc" "abc" "xy" "cd" "de" "ef", then <|begin_of_text|>
/// and <|eot_id|>.
TokenizerData smallFull() {
  TokenizerData d = byteVocabulary();
  addToken(&d, "ab");
  addToken(&d, "bc");
  addToken(&d, "abc");
  addToken(&d, "xy");
  addToken(&d, "cd");
  addToken(&d, "de");
  addToken(&d, "ef");
  addMerge(&d, "b", "c");
  addMerge(&d, "a", "b");
  addMerge(&d, "a", "bc");
  addMerge(&d, "x", "y");
  addSpecial(&d, "<|begin_of_text|>");
  addSpecial(&d, "<|eot_id|>");
  d.ignore_merges = false;
  return d;
}

/// A minimal valid tokenizer.json around `vocab`, `merges` and `added`.
std::string jsonWith(const std::string &vocab, const std::string &merges,
                     const std::string &added = "[]",
                     const std::string &pre = "") {
  std::string regex;
  for (const char *p = PreTokenizer::hfPattern(); *p; ++p) {
    if (*p == '\\' || *p == '"')
      regex += '\\';
    regex += *p;
  }
  std::string preTok =
      pre.empty() ? "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":"
                    "\"Split\",\"pattern\":{\"Regex\":\"" +
                        regex +
                        "\"},\"behavior\":\"Isolated\",\"invert\":false},{"
                        "\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                        "\"trim_offsets\":true,\"use_regex\":false}]}"
                  : pre;
  return "{\"version\":\"1.0\",\"added_tokens\":" + added +
         ",\"normalizer\":null,\"pre_tokenizer\":" + preTok +
         ",\"model\":{\"type\":\"BPE\",\"ignore_merges\":true,\"vocab\":" +
         vocab + ",\"merges\":" + merges + "}}";
}

/// The 256 byte tokens as a JSON object body (no braces).
std::string byteVocabJson() {
  TokenizerData d = byteVocabulary();
  std::string s;
  for (int i = 0; i < 256; ++i) {
    std::string t;
    for (char c : d.tokens[i]) {
      if (c == '\\' || c == '"')
        t += '\\';
      t += c;
    }
    s += (i ? "," : "") + ("\"" + t + "\":" + std::to_string(i));
  }
  return s;
}

TEST(TokenizerJSON, ReadsBothMergeFormats) {
  for (const char *merges : {"[\"a b\"]", "[[\"a\",\"b\"]]"}) {
    std::string json = jsonWith("{" + byteVocabJson() + ",\"ab\":256}", merges,
                                "[{\"id\":257,\"content\":\"<|eot_id|>\","
                                "\"special\":true}]");
    Tokenizer t;
    std::string err;
    ASSERT_TRUE(tokenizerFromJSON(json, "t.json", &t, &err)) << err;
    EXPECT_EQ(t.vocabSize(), 258);
    EXPECT_EQ(t.eot(), 257);
    EXPECT_TRUE(t.data().ignore_merges);
    ASSERT_EQ(t.data().merges.size(), 1u);
    EXPECT_EQ(t.data().merges[0], std::make_pair(std::string("a"), std::string("b")));
    EXPECT_EQ(t.encode("ab<|eot_id|>", Tokenizer::EncodeOptions()),
              (Ids{256, 257}));
  }
}

TEST(TokenizerJSON, HolesBecomeUnusedPlaceholders) {
  std::string json = jsonWith("{" + byteVocabJson() + ",\"zz\":258}", "[]");
  Tokenizer t;
  std::string err;
  ASSERT_TRUE(tokenizerFromJSON(json, "t.json", &t, &err)) << err;
  EXPECT_EQ(t.vocabSize(), 259);
  EXPECT_EQ(t.data().tokens[257], "[PAD257]");
  EXPECT_EQ(t.data().token_types[257], kTokenUnused);
}

TEST(TokenizerJSON, WriteThenReadRoundTrips) {
  TokenizerData d = smallFull();
  const std::string path = tempPath("roundtrip.json");
  std::string err;
  ASSERT_TRUE(writeTokenizerJSON(d, path, &err)) << err;
  Tokenizer back;
  ASSERT_TRUE(tokenizerFromJSONFile(path, &back, &err)) << err;
  Tokenizer orig;
  ASSERT_TRUE(Tokenizer::fromData(d, "orig", &orig, &err)) << err;
  EXPECT_EQ(back.data().tokens, orig.data().tokens);
  EXPECT_EQ(back.data().merges, orig.data().merges);
  EXPECT_EQ(back.data().token_types, orig.data().token_types);
  EXPECT_EQ(back.data().special_ids, orig.data().special_ids);
  EXPECT_EQ(back.bos(), orig.bos());
  EXPECT_EQ(back.eot(), orig.eot());
  EXPECT_EQ(back.data().ignore_merges, false);
  for (const char *text : {"abc xy<|eot_id|>", "cab abcabc \xFF"})
    EXPECT_EQ(back.encode(text, Tokenizer::EncodeOptions()),
              orig.encode(text, Tokenizer::EncodeOptions()));
  std::remove(path.c_str());
}

TEST(TokenizerJSON, WriteRejectsInvalidData) {
  TokenizerData d = smallFull();
  d.tokens.push_back("ab");
  std::string err;
  EXPECT_FALSE(writeTokenizerJSON(d, tempPath("bad.json"), &err));
  EXPECT_NE(err.find("duplicates"), std::string::npos) << err;
  EXPECT_FALSE(writeTokenizerJSON(smallFull(), "/nonexistent-dir/x.json", &err));
  EXPECT_NE(err.find("/nonexistent-dir/x.json: cannot write"), std::string::npos)
      << err;
}

TEST(TruncateVocabulary, KeepsFirstRegularTokensAndTheirMerges) {
  TokenizerData full = smallFull();
  TokenizerData t;
  std::string err;
  ASSERT_TRUE(truncateVocabulary(full, 263, &t, &err)) << err;
  ASSERT_EQ(t.tokens.size(), 263u);
  EXPECT_EQ(t.tokens[256], "ab");
  EXPECT_EQ(t.tokens[257], "bc");
  EXPECT_EQ(t.tokens[258], "<|begin_of_text|>");
  EXPECT_EQ(t.tokens[259], "<|end_of_text|>");
  EXPECT_EQ(t.tokens[260], "<|start_header_id|>");
  EXPECT_EQ(t.tokens[261], "<|end_header_id|>");
  EXPECT_EQ(t.tokens[262], "<|eot_id|>");
  EXPECT_EQ(t.bos, 258);
  EXPECT_EQ(t.eos, 259);
  EXPECT_EQ(t.eot, 262);
  EXPECT_EQ(t.special_ids, (Ids{258, 259, 260, 261, 262}));
  // "a bc" makes "abc", which is gone; "x y" needs "xy", also gone.
  ASSERT_EQ(t.merges.size(), 2u);
  EXPECT_EQ(t.merges[0].first, "b");
  EXPECT_EQ(t.merges[1].first, "a");

  Tokenizer tok;
  ASSERT_TRUE(Tokenizer::fromData(t, "truncated", &tok, &err)) << err;
  Tokenizer::EncodeOptions o;
  o.add_bos = true;
  EXPECT_EQ(tok.encode("abc<|eot_id|>", o), (Ids{258, 'a', 257, 262}));

  // Through tokenizer.json and back.
  const std::string path = tempPath("truncated.json");
  ASSERT_TRUE(writeTokenizerJSON(t, path, &err)) << err;
  Tokenizer back;
  ASSERT_TRUE(tokenizerFromJSONFile(path, &back, &err)) << err;
  EXPECT_EQ(back.data().tokens, t.tokens);
  EXPECT_EQ(back.data().merges, t.merges);
  EXPECT_EQ(back.bos(), 258);
  EXPECT_EQ(back.eos(), 259);
  EXPECT_EQ(back.eot(), 262);
  EXPECT_EQ(back.encode("abc<|eot_id|>", o), (Ids{258, 'a', 257, 262}));
  std::remove(path.c_str());
}

TEST(TruncateVocabulary, Limits) {
  TokenizerData full = smallFull();
  TokenizerData t;
  std::string err;
  ASSERT_TRUE(truncateVocabulary(full, 261, &t, &err)) << err; // bytes only
  EXPECT_EQ(t.tokens.size(), 261u);
  EXPECT_TRUE(t.merges.empty());
  EXPECT_FALSE(truncateVocabulary(full, 260, &t, &err));
  EXPECT_NE(err.find("too small"), std::string::npos) << err;
  EXPECT_FALSE(truncateVocabulary(full, 1000, &t, &err));
  EXPECT_NE(err.find("larger than the full vocabulary"), std::string::npos);
  ASSERT_TRUE(truncateVocabulary(full, static_cast<int32_t>(full.tokens.size()),
                                 &t, &err));
  EXPECT_EQ(t.tokens, full.tokens);
  EXPECT_EQ(t.merges, full.merges);
}

// Malformed files: each gives a one-line error that names the file.
struct Malformed {
  const char *name;
  std::string (*text)();
  const char *expected;
};

class MalformedJSON : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedJSON, GivesAnErrorNamingTheFile) {
  const std::string path = tempPath(std::string(GetParam().name) + ".json");
  writeFile(path, GetParam().text());
  Tokenizer t;
  std::string err;
  EXPECT_FALSE(tokenizerFromJSONFile(path, &t, &err));
  EXPECT_EQ(err.rfind(path + ": ", 0), 0u) << err;
  EXPECT_NE(err.find(GetParam().expected), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  std::remove(path.c_str());
}

std::string validSmall() {
  return jsonWith("{" + byteVocabJson() + ",\"ab\":256}", "[\"a b\"]");
}

INSTANTIATE_TEST_SUITE_P(
    TokenizerJSON, MalformedJSON,
    ::testing::Values(
        Malformed{"truncated",
                  [] { std::string s = validSmall(); return s.substr(0, s.size() / 2); },
                  "invalid JSON"},
        Malformed{"empty", [] { return std::string(); }, "invalid JSON"},
        Malformed{"array", [] { return std::string("[1,2]"); },
                  "the top level is not an object"},
        Malformed{"no_model", [] { return std::string("{\"version\":\"1.0\"}"); },
                  "no \"model\" object"},
        Malformed{"deep", [] { return std::string(10000, '['); },
                  "nested deeper than"},
        Malformed{"bad_id",
                  [] { return jsonWith("{\"a\":\"x\"}", "[]"); },
                  "model.vocab entry \"a\" is not an integer id"},
        Malformed{"huge_id",
                  [] { return jsonWith("{\"a\":2000000000}", "[]"); },
                  "has id 2000000000 out of range"},
        Malformed{"same_id",
                  [] { return jsonWith("{" + byteVocabJson() + ",\"zz\":3}", "[]"); },
                  "already used by"},
        Malformed{"merge_format",
                  [] { return jsonWith("{" + byteVocabJson() + "}", "[\"a b c\"]"); },
                  "model.merges[0] \"a b c\" is not two tokens"},
        Malformed{"merge_unknown",
                  [] { return jsonWith("{" + byteVocabJson() + "}", "[[\"a\",\"q\"]]"); },
                  "makes \"aq\", which is not a token"},
        Malformed{"missing_bytes",
                  [] { return jsonWith("{\"a\":0}", "[]"); },
                  "no regular token for byte 0"},
        Malformed{"unknown_pretokenizer",
                  [] {
                    return jsonWith("{" + byteVocabJson() + "}", "[]", "[]",
                                    "{\"type\":\"Sequence\",\"pretokenizers\":"
                                    "[{\"type\":\"ByteLevel\"},{\"type\":"
                                    "\"BertPreTokenizer\"}]}");
                  },
                  "pre_tokenizer.pretokenizers[1]: unsupported pre-tokenizer "
                  "type \"BertPreTokenizer\""},
        Malformed{"bad_split_regex",
                  [] {
                    return jsonWith("{" + byteVocabJson() + "}", "[]", "[]",
                                    "{\"type\":\"Split\",\"pattern\":{\"Regex\":"
                                    "\"(a\"},\"behavior\":\"Isolated\"}");
                  },
                  "pre_tokenizer 0: regex \"(a\""},
        Malformed{"unknown_behavior",
                  [] {
                    return jsonWith("{" + byteVocabJson() + "}", "[]", "[]",
                                    "{\"type\":\"Split\",\"pattern\":{\"String\":"
                                    "\" \"},\"behavior\":\"Sideways\"}");
                  },
                  "unknown behavior \"Sideways\""},
        Malformed{"lstrip_added_token",
                  [] {
                    return jsonWith("{" + byteVocabJson() + "}", "[]",
                                    "[{\"id\":300,\"content\":\"<m>\",\"lstrip\":true}]");
                  },
                  "added token \"<m>\" has lstrip: true"},
        Malformed{"added_without_id",
                  [] {
                    return jsonWith("{" + byteVocabJson() + "}", "[]",
                                    "[{\"content\":\"<x>\"}]");
                  },
                  "added_tokens[0] needs an integer \"id\""},
        Malformed{"invalid_utf8",
                  [] { return std::string("{\"model\":\"\xFF\"}"); },
                  "invalid JSON"}));

TEST(TokenizerJSON, MissingFileAndDirectory) {
  Tokenizer t;
  std::string err;
  EXPECT_FALSE(tokenizerFromJSONFile("/nonexistent/tokenizer.json", &t, &err));
  EXPECT_EQ(err, "/nonexistent/tokenizer.json: cannot open: No such file or directory");
  EXPECT_FALSE(tokenizerFromJSONFile("/tmp", &t, &err));
  EXPECT_EQ(err.rfind("/tmp: ", 0), 0u) << err;
}

} // namespace
