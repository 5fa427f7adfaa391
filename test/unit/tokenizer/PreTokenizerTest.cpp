//===- PreTokenizerTest.cpp - The LLaMA 3 split regex ---------------------===//
//
// Expected pieces were printed by Node 20 running the regex transformers.js
// builds from tokenizer.json (String.prototype.match with flags "gu").
//
//===----------------------------------------------------------------------===//
#include "runtime/tokenizer/PreTokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tern::tok;

namespace {

std::vector<std::string> split(const std::string &s) {
  std::vector<std::string_view> pieces;
  EXPECT_TRUE(PreTokenizer::llama3().split(s, &pieces));
  std::vector<std::string> out(pieces.begin(), pieces.end());
  std::string joined;
  for (const auto &p : out) {
    EXPECT_FALSE(p.empty());
    joined += p;
  }
  EXPECT_EQ(joined, s);
  return out;
}

using V = std::vector<std::string>;

TEST(PreTokenizer, Words) {
  EXPECT_EQ(split("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(split("Hello\xE4\xB8\x96\xE7\x95\x8C" "123"),
            (V{"Hello\xE4\xB8\x96\xE7\x95\x8C", "123"}));
}

TEST(PreTokenizer, ContractionsAreAsciiCaseInsensitive) {
  EXPECT_EQ(split("I'm DON'T you'LL"),
            (V{"I", "'m", " DON", "'T", " you", "'LL"}));
  // U+017F folds to 's' in Unicode, but transformers.js spells the group
  // [sS]: no contraction.
  EXPECT_EQ(split("I'\xC5\xBFt"), (V{"I", "'\xC5\xBFt"}));
}

TEST(PreTokenizer, DigitsInGroupsOfThree) {
  EXPECT_EQ(split("1234567 3.14"),
            (V{"123", "456", "7", " ", "3", ".", "14"}));
}

TEST(PreTokenizer, Whitespace) {
  EXPECT_EQ(split("a  b\n\n c"), (V{"a", " ", " b", "\n\n", " c"}));
  EXPECT_EQ(split("foo.\n\n\nbar!\r\n"),
            (V{"foo", ".\n\n\n", "bar", "!\r\n"}));
  EXPECT_EQ(split("  \t\n  x"), (V{"  \t\n", " ", " x"}));
}

TEST(PreTokenizer, JavaScriptWhitespaceClass) {
  // U+0085 is not \s in JavaScript (it is in PCRE2); U+00A0 is.
  EXPECT_EQ(split("x\xC2\x85y \xC2\xA0z"),
            (V{"x", "\xC2\x85y", " ", "\xC2\xA0z"}));
}

TEST(PreTokenizer, CombiningMarkIsNotALetter) {
  EXPECT_EQ(split("\xC3\xA9\xCC\x81!?  "),
            (V{"\xC3\xA9", "\xCC\x81!?", "  "}));
}

TEST(PreTokenizer, LettersNewerThanPcre2Tables) {
  // U+31350, U+31351: CJK Extension H (Unicode 15.0).
  EXPECT_EQ(split("x\xF0\xB1\x8D\x90\xF0\xB1\x8D\x91y"),
            (V{"x\xF0\xB1\x8D\x90\xF0\xB1\x8D\x91y"}));
}

TEST(PreTokenizer, SpecialTokenTextIsPlainText) {
  EXPECT_EQ(split("<|eot_id|>"), (V{"<|", "eot", "_id", "|>"}));
}

TEST(PreTokenizer, EmptyAndInvalid) {
  std::vector<std::string_view> pieces;
  EXPECT_TRUE(PreTokenizer::llama3().split("", &pieces));
  EXPECT_TRUE(pieces.empty());
  EXPECT_FALSE(PreTokenizer::llama3().split("a\xFF", &pieces));
  EXPECT_TRUE(pieces.empty());
}

TEST(PreTokenizer, LongRunsSplitInOnePass) {
  std::string s(100000, ' ');
  s += "x";
  auto pieces = split(s);
  EXPECT_EQ(pieces, (V{std::string(99999, ' '), " x"}));
}

TEST(PreTokenizer, HfPatternIsLlama3s) {
  EXPECT_EQ(std::string(PreTokenizer::hfPattern()),
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
            "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
            "\\s+(?!\\S)|\\s+");
}

} // namespace
