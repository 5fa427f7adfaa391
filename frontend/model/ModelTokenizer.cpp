//===- ModelTokenizer.cpp - The tokenizer that comes with a model ---------===//
#include "frontend/model/ModelTokenizer.h"
#include "frontend/model/Fail.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "frontend/gguf/GgufFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace tern::model {

namespace {

bool fromGGUF(const gguf::GgufFile &g, tern::tok::Tokenizer *out,
              std::string *err) {
  const std::string file = g.fileName();
  std::string model;
  if (!g.getString("tokenizer.ggml.model", &model, err))
    return false;
  if (model != "gpt2")
    return fail(err, file + ": tokenizer.ggml.model '" + model +
                         "' is not supported (tern reads byte-level BPE, "
                         "'gpt2')");
  tern::tok::TokenizerData d;
  if (!g.getStringArray("tokenizer.ggml.tokens", &d.tokens, err))
    return false;
  if (g.find("tokenizer.ggml.token_type")) {
    std::vector<int64_t> types;
    if (!g.getI64Array("tokenizer.ggml.token_type", &types, err))
      return false;
    for (int64_t t : types)
      d.token_types.push_back(static_cast<int32_t>(t));
  }
  std::vector<std::string> merges;
  if (!g.getStringArray("tokenizer.ggml.merges", &merges, err))
    return false;
  d.merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    size_t sp = merges[i].find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == merges[i].size())
      return fail(err, file + ": tokenizer.ggml.merges[" + std::to_string(i) +
                           "] = '" + merges[i] + "' is not \"left right\"");
    d.merges.emplace_back(merges[i].substr(0, sp), merges[i].substr(sp + 1));
  }
  auto id = [&](const char *key, int32_t *v) {
    if (!g.find(key))
      return true;
    uint32_t x = 0;
    if (!g.getU32(key, &x, err))
      return false;
    *v = static_cast<int32_t>(x);
    return true;
  };
  if (!id("tokenizer.ggml.bos_token_id", &d.bos) ||
      !id("tokenizer.ggml.eos_token_id", &d.eos) ||
      !id("tokenizer.ggml.eot_token_id", &d.eot))
    return false;
  return tern::tok::Tokenizer::fromData(std::move(d), file, out, err);
}
} // namespace

bool loadTokenizer(const Model &m, tern::tok::Tokenizer *out,
                   std::string *err) {
  if (!m.tokenizer.json_path.empty())
    return tern::tok::tokenizerFromJSONFile(m.tokenizer.json_path, out, err);
  if (m.tokenizer.in_gguf && m.gguf)
    return fromGGUF(*m.gguf, out, err);
  return fail(err, m.path + ": the model has no tokenizer (no tokenizer.json "
                            "next to it, no tokenizer.ggml.* metadata); pass "
                            "token ids with --tokens");
}

bool loadTokenizerFromPath(const std::string &path, tern::tok::Tokenizer *out,
                           std::string *err) {
  if (llvm::sys::fs::is_directory(path)) {
    llvm::SmallString<256> p(path);
    llvm::sys::path::append(p, "tokenizer.json");
    if (!llvm::sys::fs::exists(p))
      return fail(err, path + ": directory has no tokenizer.json");
    return tern::tok::tokenizerFromJSONFile(std::string(p.str()), out, err);
  }
  if (llvm::sys::path::extension(path) == ".json")
    return tern::tok::tokenizerFromJSONFile(path, out, err);
  Model m;
  if (!loadModel(path, &m, err))
    return false;
  return loadTokenizer(m, out, err);
}

} // namespace tern::model
