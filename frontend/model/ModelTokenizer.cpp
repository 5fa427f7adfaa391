//===- ModelTokenizer.cpp - The tokenizer that comes with a model ---------===//
#include "frontend/model/ModelTokenizer.h"
#include "frontend/model/Fail.h"
#include "frontend/tokenizer/SentencePieceModel.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "frontend/gguf/GgufFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace tern::model {

// The pipeline of a GGUF "gpt2" vocabulary from tokenizer.ggml.pre, as
// llama.cpp names them (llama-vocab.cpp); absent means LLaMA 3's, which
// tern's own files used before they said so.
bool ggufPreTokenizer(const std::string &file, const std::string &pre,
                      tern::tok::Pipeline *p, bool *ignoreMerges,
                      std::string *err) {
  using tern::tok::PreTokenizerStep;
  *p = tern::tok::Pipeline::llama3();
  *ignoreMerges = true;
  if (pre.empty() || pre == "llama3" || pre == "llama-v3" || pre == "llama-bpe" ||
      pre == "falcon3" || pre == "falcon-h1" || pre == "pixtral")
    return true;
  if (pre == "qwen2") { // Qwen2/3: NFC, digits one by one
    p->pre_tokenizers[0].pattern =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
        "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    tern::tok::NormalizerStep nfc;
    nfc.kind = tern::tok::NormalizerStep::NFC;
    p->normalizers = {nfc};
    *ignoreMerges = false;
    return true;
  }
  if (pre == "gpt-2" || pre == "gpt2") { // ByteLevel with GPT-2's regex
    PreTokenizerStep bl;
    bl.kind = PreTokenizerStep::ByteLevel;
    bl.use_regex = true;
    bl.add_prefix_space = false;
    p->pre_tokenizers = {bl};
    *ignoreMerges = false;
    return true;
  }
  return fail(err, file + ": tokenizer.ggml.pre '" + pre +
                       "' is not supported (tern knows llama-bpe, llama3, "
                       "llama-v3, falcon3, falcon-h1, pixtral, qwen2, gpt-2)");
}

namespace {

/// True (with *err naming the file) when `dir` is an HF checkpoint whose
/// tokenizer_config.json names the slow LlamaTokenizer (SentencePiece) and
/// tokenizer.model is missing.
bool missingSentencePiece(const std::string &dir, std::string *err) {
  llvm::SmallString<256> cfg(dir);
  llvm::sys::path::append(cfg, "tokenizer_config.json");
  auto buf = llvm::MemoryBuffer::getFile(cfg);
  if (!buf || !(*buf)->getBuffer().contains("LlamaTokenizer"))
    return false;
  llvm::SmallString<256> spm(dir);
  llvm::sys::path::append(spm, "tokenizer.model");
  fail(err, std::string(spm.str()) +
                ": missing (tokenizer_config.json names LlamaTokenizer, a "
                "SentencePiece tokenizer, and there is no tokenizer.json)");
  return true;
}

bool fromGGUF(const gguf::GgufFile &g, tern::tok::Tokenizer *out,
              std::string *err) {
  const std::string file = g.fileName();
  std::string model;
  if (!g.getString("tokenizer.ggml.model", &model, err))
    return false;
  if (model != "gpt2" && model != "llama")
    return fail(err, file + ": tokenizer.ggml.model '" + model +
                         "' is not supported (tern reads 'gpt2', byte-level "
                         "BPE, and 'llama', SentencePiece BPE with scores)");
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
  if (model == "llama") {
    if (!g.find("tokenizer.ggml.scores"))
      return fail(err, file + ": a 'llama' vocabulary without "
                              "tokenizer.ggml.scores");
    if (!g.getF32Array("tokenizer.ggml.scores", &d.scores, err))
      return false;
    bool prefix = true;
    if (g.find("tokenizer.ggml.add_space_prefix") &&
        !g.getBool("tokenizer.ggml.add_space_prefix", &prefix, err))
      return false;
    d.pipeline =
        tern::tok::Pipeline::sentencePiece(tern::tok::ModelKind::Spm, prefix);
    d.ignore_merges = false;
    d.chat_template = tern::tok::ChatTemplateKind::None;
  } else {
    std::string pre;
    if (g.find("tokenizer.ggml.pre") &&
        !g.getString("tokenizer.ggml.pre", &pre, err))
      return false;
    if (!ggufPreTokenizer(file, pre, &d.pipeline, &d.ignore_merges, err))
      return false;
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
      !id("tokenizer.ggml.eot_token_id", &d.eot) ||
      !id("tokenizer.ggml.unknown_token_id", &d.unk))
    return false;
  if (g.find("tokenizer.chat_template")) {
    std::string jinja;
    if (!g.getString("tokenizer.chat_template", &jinja, err))
      return false;
    tern::tok::ChatTemplateKind kind;
    d.chat_template = tern::tok::chatTemplateKindFromJinja(jinja, &kind)
                          ? kind
                          : tern::tok::ChatTemplateKind::None;
  }
  return tern::tok::Tokenizer::fromData(std::move(d), file, out, err);
}
} // namespace

bool loadTokenizer(const Model &m, tern::tok::Tokenizer *out,
                   std::string *err) {
  if (!m.tokenizer.json_path.empty())
    return tern::tok::tokenizerFromJSONFile(m.tokenizer.json_path, out, err);
  if (!m.tokenizer.model_path.empty())
    return tern::tok::tokenizerFromSentencePieceFile(m.tokenizer.model_path,
                                                     out, err);
  if (m.tokenizer.in_gguf && m.gguf)
    return fromGGUF(*m.gguf, out, err);
  if (m.format != "gguf" && missingSentencePiece(m.path, err))
    return false;
  return fail(err, m.path + ": the model has no tokenizer (no tokenizer.json "
                            "or tokenizer.model next to it, no "
                            "tokenizer.ggml.* metadata); pass token ids with "
                            "--tokens");
}

bool loadTokenizerFromPath(const std::string &path, tern::tok::Tokenizer *out,
                           std::string *err) {
  if (llvm::sys::fs::is_directory(path)) {
    llvm::SmallString<256> p(path);
    llvm::sys::path::append(p, "tokenizer.json");
    if (llvm::sys::fs::exists(p))
      return tern::tok::tokenizerFromJSONFile(std::string(p.str()), out, err);
    llvm::SmallString<256> q(path);
    llvm::sys::path::append(q, "tokenizer.model");
    if (llvm::sys::fs::exists(q))
      return tern::tok::tokenizerFromSentencePieceFile(std::string(q.str()),
                                                       out, err);
    if (missingSentencePiece(path, err))
      return false;
    return fail(err, path + ": directory has no tokenizer.json or "
                            "tokenizer.model");
  }
  if (llvm::sys::path::extension(path) == ".json")
    return tern::tok::tokenizerFromJSONFile(path, out, err);
  if (llvm::sys::path::extension(path) == ".model")
    return tern::tok::tokenizerFromSentencePieceFile(path, out, err);
  Model m;
  if (!loadModel(path, &m, err))
    return false;
  return loadTokenizer(m, out, err);
}

} // namespace tern::model
