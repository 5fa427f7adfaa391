//===- TokenizerJSON.cpp - Hugging Face tokenizer.json reader and writer --===//
//
// Reads the parts of a tokenizer.json that byte-level BPE needs, and rejects
// everything tern does not implement (another pre-tokenizer regex, a
// normalizer, byte fallback, subword prefixes) instead of silently encoding
// differently. "merges" may be "a b" strings (tokenizers < 0.20) or
// ["a", "b"] pairs (newer files); tern writes pairs.
//
//===----------------------------------------------------------------------===//
#include "frontend/common/JsonNesting.h"
#include "runtime/tokenizer/PreTokenizer.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace tern::tok {

namespace {

namespace json = llvm::json;

/// Deepest array/object nesting accepted; llvm::json parses recursively, so
/// this keeps hostile input from exhausting the stack. tokenizer.json needs 6.
constexpr int kMaxDepth = 64;

bool isNullOrAbsent(const json::Object &o, llvm::StringRef key) {
  const json::Value *v = o.get(key);
  return !v || v->kind() == json::Value::Null;
}

/// Whether `pre` is LLaMA 3's pre-tokenizer: Split(regex, Isolated) then
/// ByteLevel without its own regex.
bool isLlama3PreTokenizer(const json::Value *pre) {
  const json::Object *seq = pre ? pre->getAsObject() : nullptr;
  if (!seq || seq->getString("type") != "Sequence")
    return false;
  const json::Array *parts = seq->getArray("pretokenizers");
  if (!parts || parts->size() != 2)
    return false;
  const json::Object *split = (*parts)[0].getAsObject();
  const json::Object *bl = (*parts)[1].getAsObject();
  if (!split || !bl || split->getString("type") != "Split" ||
      bl->getString("type") != "ByteLevel")
    return false;
  const json::Object *pattern = split->getObject("pattern");
  if (!pattern || pattern->getString("Regex") != PreTokenizer::hfPattern())
    return false;
  auto behavior = split->getString("behavior");
  if (behavior && behavior->lower() != "isolated")
    return false;
  if (split->getBoolean("invert").value_or(false))
    return false;
  if (bl->getBoolean("use_regex").value_or(true) ||
      bl->getBoolean("add_prefix_space").value_or(false))
    return false;
  return true;
}

} // namespace

bool tokenizerFromJSON(std::string_view text, const std::string &name,
                         Tokenizer *out, std::string *err) {
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
  const json::Object *model = root->getObject("model");
  if (!model)
    return fail("not a tokenizer.json: no \"model\" object");
  if (auto type = model->getString("type"); type && *type != "BPE")
    return fail("unsupported model type \"" + escapeForDisplay(*type, 40) +
                "\" (only BPE is implemented)");
  if (model->getBoolean("byte_fallback").value_or(false))
    return fail("unsupported: model.byte_fallback is true");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json::Value *v = model->get(key);
    if (v && v->kind() != json::Value::Null &&
        v->getAsString().value_or("x") != "")
      return fail(std::string("unsupported: model.") + key + " is set");
  }
  if (!isNullOrAbsent(*root, "normalizer"))
    return fail("unsupported: a normalizer is set (LLaMA 3 has none)");
  if (!isLlama3PreTokenizer(root->get("pre_tokenizer")))
    return fail("unsupported pre_tokenizer: only LLaMA 3's (Split with its "
                "regex, then ByteLevel without regex) is implemented");

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
      addedIds.emplace_back(static_cast<int32_t>(*id),
                            t->getBoolean("special").value_or(false));
    }
  }
  if (tokens.empty())
    return fail("empty vocabulary");

  TokenizerData data;
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
  return Tokenizer::fromData(std::move(data), name, out, err);
}

bool tokenizerFromJSONFile(const std::string &path, Tokenizer *out,
                             std::string *err) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *err = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    text.append(buf, n);
  bool bad = std::ferror(f);
  int e = errno;
  std::fclose(f);
  if (bad) {
    *err = path + ": cannot read: " + std::strerror(e);
    return false;
  }
  return tokenizerFromJSON(text, path, out, err);
}

bool writeTokenizerJSON(const TokenizerData &input, const std::string &path,
                        std::string *err) {
  // Validate and normalize (types, special ids) first.
  Tokenizer checked;
  if (!Tokenizer::fromData(input, path, &checked, err))
    return false;
  const TokenizerData &data = checked.data();

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
      j.attribute("normalizer", nullptr);
      j.attributeObject("pre_tokenizer", [&] {
        j.attribute("type", "Sequence");
        j.attributeArray("pretokenizers", [&] {
          j.object([&] {
            j.attribute("type", "Split");
            j.attributeObject("pattern", [&] {
              j.attribute("Regex", PreTokenizer::hfPattern());
            });
            j.attribute("behavior", "Isolated");
            j.attribute("invert", false);
          });
          j.object([&] { byteLevel(false, true, false); });
        });
      });
      j.attributeObject("post_processor", [&] {
        if (data.bos < 0) {
          byteLevel(true, false, true);
          return;
        }
        // Like Meta's file: prepend <|begin_of_text|> when asked to add
        // special tokens.
        const std::string &bos = data.tokens[data.bos];
        j.attribute("type", "Sequence");
        j.attributeArray("processors", [&] {
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
      j.attributeObject("decoder", [&] { byteLevel(true, true, true); });
      j.attributeObject("model", [&] {
        j.attribute("type", "BPE");
        j.attribute("dropout", nullptr);
        j.attribute("unk_token", nullptr);
        j.attribute("continuing_subword_prefix", nullptr);
        j.attribute("end_of_word_suffix", nullptr);
        j.attribute("fuse_unk", false);
        j.attribute("byte_fallback", false);
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
