//===- PipelineJSON.cpp - tokenizer.json pipelines to and from JSON -------===//
#include "frontend/tokenizer/PipelineJSON.h"

#include "runtime/tokenizer/Utf8.h"

namespace tern::tok {

namespace json = llvm::json;

namespace {

std::string typeOf(const json::Object &o) {
  auto t = o.getString("type");
  return t ? t->str() : std::string();
}

/// A pattern object: {"String": s} or {"Regex": r}.
bool readPattern(const json::Object &o, const std::string &where,
                 std::string *pattern, bool *regex, std::string *err) {
  const json::Object *p = o.getObject("pattern");
  if (p) {
    if (auto s = p->getString("String")) {
      *pattern = s->str();
      *regex = false;
      return true;
    }
    if (auto r = p->getString("Regex")) {
      *pattern = r->str();
      *regex = true;
      return true;
    }
  }
  *err = where + ": \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}";
  return false;
}

bool readBehavior(const json::Object &o, const std::string &where,
                  SplitBehavior *out, std::string *err) {
  auto b = o.getString("behavior");
  if (!b)
    return true; // keep the step's default
  std::string v = b->lower();
  if (v == "removed")
    *out = SplitBehavior::Removed;
  else if (v == "isolated")
    *out = SplitBehavior::Isolated;
  else if (v == "mergedwithprevious")
    *out = SplitBehavior::MergedWithPrevious;
  else if (v == "mergedwithnext")
    *out = SplitBehavior::MergedWithNext;
  else if (v == "contiguous")
    *out = SplitBehavior::Contiguous;
  else {
    *err = where + ": unknown behavior \"" + escapeForDisplay(*b, 40) + "\"";
    return false;
  }
  return true;
}

bool readPrependScheme(const json::Object &o, const std::string &where,
                       PreTokenizerStep::Prepend *out, std::string *err) {
  if (auto s = o.getString("prepend_scheme")) {
    std::string v = s->lower();
    if (v == "always")
      *out = PreTokenizerStep::Always;
    else if (v == "first")
      *out = PreTokenizerStep::First;
    else if (v == "never")
      *out = PreTokenizerStep::Never;
    else {
      *err = where + ": unknown prepend_scheme \"" + escapeForDisplay(*s, 40) +
             "\"";
      return false;
    }
  } else if (auto add = o.getBoolean("add_prefix_space")) {
    *out = *add ? PreTokenizerStep::Always : PreTokenizerStep::Never;
  }
  return true;
}

/// Calls one(object, type, where) for each step of `v`: null or absent is no
/// step, a Sequence (its steps under `seqKey`) is flattened.
template <typename Fn>
bool forEachStep(const json::Value *v, const std::string &where,
                 const char *seqKey, std::string *err, Fn one) {
  if (!v || v->kind() == json::Value::Null)
    return true;
  const json::Object *o = v->getAsObject();
  if (!o) {
    *err = where + ": not an object";
    return false;
  }
  const std::string type = typeOf(*o);
  if (type != "Sequence")
    return one(*o, type, where);
  const json::Array *a = o->getArray(seqKey);
  if (!a) {
    *err = where + ": Sequence without a \"" + seqKey + "\" array";
    return false;
  }
  for (size_t i = 0; i < a->size(); ++i)
    if (!forEachStep(&(*a)[i], where + "." + seqKey + "[" + std::to_string(i) + "]",
                     seqKey, err, one))
      return false;
  return true;
}

bool readNormalizerOne(const json::Object &step, const std::string &type,
                       const std::string &where, std::vector<NormalizerStep> *out, std::string *err) {
  const json::Object *o = &step;
  NormalizerStep s;
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    s.kind = type == "NFC"    ? NormalizerStep::NFC
             : type == "NFD"  ? NormalizerStep::NFD
             : type == "NFKC" ? NormalizerStep::NFKC
                              : NormalizerStep::NFKD;
  } else if (type == "Prepend") {
    s.kind = NormalizerStep::Prepend;
    auto p = o->getString("prepend");
    if (!p) {
      *err = where + ": Prepend without a \"prepend\" string";
      return false;
    }
    s.content = p->str();
  } else if (type == "Replace") {
    s.kind = NormalizerStep::Replace;
    if (!readPattern(*o, where, &s.pattern, &s.regex, err))
      return false;
    s.content = o->getString("content").value_or("").str();
  } else if (type == "Strip") {
    s.kind = NormalizerStep::Strip;
    s.left = o->getBoolean("strip_left").value_or(true);
    s.right = o->getBoolean("strip_right").value_or(true);
  } else {
    *err = where + ": unsupported normalizer type \"" +
           escapeForDisplay(type, 40) +
           "\" (tern implements Sequence, NFC, NFD, NFKC, NFKD, Prepend, "
           "Replace, Strip)";
    return false;
  }
  out->push_back(std::move(s));
  return true;
}

bool readPreTokenizerOne(const json::Object &step, const std::string &type,
                         const std::string &where, std::vector<PreTokenizerStep> *out, std::string *err) {
  const json::Object *o = &step;
  PreTokenizerStep s;
  if (type == "Split") {
    s.kind = PreTokenizerStep::Split;
    if (!readPattern(*o, where, &s.pattern, &s.regex, err) ||
        !readBehavior(*o, where, &s.behavior, err))
      return false;
    s.invert = o->getBoolean("invert").value_or(false);
  } else if (type == "ByteLevel") {
    s.kind = PreTokenizerStep::ByteLevel;
    s.add_prefix_space = o->getBoolean("add_prefix_space").value_or(true);
    s.use_regex = o->getBoolean("use_regex").value_or(true);
  } else if (type == "Digits") {
    s.kind = PreTokenizerStep::Digits;
    s.individual_digits = o->getBoolean("individual_digits").value_or(false);
  } else if (type == "Punctuation") {
    s.kind = PreTokenizerStep::Punctuation;
    if (!readBehavior(*o, where, &s.behavior, err))
      return false;
  } else if (type == "Metaspace") {
    s.kind = PreTokenizerStep::Metaspace;
    s.replacement = o->getString("replacement").value_or("\xE2\x96\x81").str();
    uint32_t cp;
    if (s.replacement.empty() ||
        decodeUtf8(s.replacement, 0, &cp) != s.replacement.size()) {
      *err = where + ": Metaspace replacement must be one character";
      return false;
    }
    if (!readPrependScheme(*o, where, &s.prepend_scheme, err))
      return false;
    s.split = o->getBoolean("split").value_or(true);
  } else {
    *err = where + ": unsupported pre-tokenizer type \"" +
           escapeForDisplay(type, 40) +
           "\" (tern implements Sequence, Split, ByteLevel, Digits, "
           "Punctuation, Metaspace)";
    return false;
  }
  out->push_back(std::move(s));
  return true;
}

bool readDecoderOne(const json::Object &step, const std::string &type,
                    const std::string &where, std::vector<DecoderStep> *out, std::string *err) {
  const json::Object *o = &step;
  DecoderStep s;
  if (type == "ByteLevel") {
    s.kind = DecoderStep::ByteLevel;
  } else if (type == "Replace") {
    s.kind = DecoderStep::Replace;
    bool regex = false;
    if (!readPattern(*o, where, &s.pattern, &regex, err))
      return false;
    if (regex) {
      *err = where + ": a Replace decoder with a regex is not implemented";
      return false;
    }
    s.content = o->getString("content").value_or("").str();
  } else if (type == "ByteFallback") {
    s.kind = DecoderStep::ByteFallback;
  } else if (type == "Fuse") {
    s.kind = DecoderStep::Fuse;
  } else if (type == "Strip") {
    s.kind = DecoderStep::Strip;
    s.content = o->getString("content").value_or(" ").str();
    s.start = static_cast<int32_t>(o->getInteger("start").value_or(0));
    s.stop = static_cast<int32_t>(o->getInteger("stop").value_or(0));
  } else if (type == "Metaspace") {
    s.kind = DecoderStep::Metaspace;
    s.pattern = o->getString("replacement").value_or("\xE2\x96\x81").str();
    if (!readPrependScheme(*o, where, &s.prepend_scheme, err))
      return false;
  } else {
    *err = where + ": unsupported decoder type \"" + escapeForDisplay(type, 40) +
           "\" (tern implements Sequence, ByteLevel, Replace, ByteFallback, "
           "Fuse, Strip, Metaspace)";
    return false;
  }
  out->push_back(std::move(s));
  return true;
}

const char *behaviorName(SplitBehavior b) {
  switch (b) {
  case SplitBehavior::Removed: return "Removed";
  case SplitBehavior::Isolated: return "Isolated";
  case SplitBehavior::MergedWithPrevious: return "MergedWithPrevious";
  case SplitBehavior::MergedWithNext: return "MergedWithNext";
  case SplitBehavior::Contiguous: return "Contiguous";
  }
  return "Isolated";
}

const char *schemeName(PreTokenizerStep::Prepend p) {
  return p == PreTokenizerStep::First   ? "first"
         : p == PreTokenizerStep::Never ? "never"
                                        : "always";
}

json::Object pattern(const std::string &p, bool regex) {
  return json::Object{{regex ? "Regex" : "String", p}};
}

json::Value sequenceOr(json::Array items, const char *key) {
  if (items.empty())
    return nullptr;
  if (items.size() == 1)
    return std::move(items[0]);
  return json::Object{{"type", "Sequence"}, {key, std::move(items)}};
}

} // namespace

bool pipelineFromJSON(const json::Object &root, Pipeline *p, std::string *err) {
  p->normalizers.clear();
  p->pre_tokenizers.clear();
  p->decoders.clear();
  return forEachStep(root.get("normalizer"), "normalizer", "normalizers", err,
                     [&](const json::Object &o, const std::string &type,
                         const std::string &where) {
                       return readNormalizerOne(o, type, where, &p->normalizers, err);
                     }) &&
         forEachStep(root.get("pre_tokenizer"), "pre_tokenizer", "pretokenizers",
                     err,
                     [&](const json::Object &o, const std::string &type,
                         const std::string &where) {
                       return readPreTokenizerOne(o, type, where,
                                                  &p->pre_tokenizers, err);
                     }) &&
         forEachStep(root.get("decoder"), "decoder", "decoders", err,
                     [&](const json::Object &o, const std::string &type,
                         const std::string &where) {
                       return readDecoderOne(o, type, where, &p->decoders, err);
                     });
}

json::Value normalizerToJSON(const Pipeline &p) {
  json::Array items;
  for (const NormalizerStep &s : p.normalizers) {
    switch (s.kind) {
    case NormalizerStep::NFC: items.push_back(json::Object{{"type", "NFC"}}); break;
    case NormalizerStep::NFD: items.push_back(json::Object{{"type", "NFD"}}); break;
    case NormalizerStep::NFKC: items.push_back(json::Object{{"type", "NFKC"}}); break;
    case NormalizerStep::NFKD: items.push_back(json::Object{{"type", "NFKD"}}); break;
    case NormalizerStep::Prepend:
      items.push_back(json::Object{{"type", "Prepend"}, {"prepend", s.content}});
      break;
    case NormalizerStep::Replace:
      items.push_back(json::Object{{"type", "Replace"},
                                   {"pattern", pattern(s.pattern, s.regex)},
                                   {"content", s.content}});
      break;
    case NormalizerStep::Strip:
      items.push_back(json::Object{{"type", "Strip"},
                                   {"strip_left", s.left},
                                   {"strip_right", s.right}});
      break;
    }
  }
  return sequenceOr(std::move(items), "normalizers");
}

json::Value preTokenizerToJSON(const Pipeline &p) {
  json::Array items;
  for (const PreTokenizerStep &s : p.pre_tokenizers) {
    switch (s.kind) {
    case PreTokenizerStep::Split:
      items.push_back(json::Object{{"type", "Split"},
                                   {"pattern", pattern(s.pattern, s.regex)},
                                   {"behavior", behaviorName(s.behavior)},
                                   {"invert", s.invert}});
      break;
    case PreTokenizerStep::ByteLevel:
      items.push_back(json::Object{{"type", "ByteLevel"},
                                   {"add_prefix_space", s.add_prefix_space},
                                   {"trim_offsets", true},
                                   {"use_regex", s.use_regex}});
      break;
    case PreTokenizerStep::Digits:
      items.push_back(json::Object{{"type", "Digits"},
                                   {"individual_digits", s.individual_digits}});
      break;
    case PreTokenizerStep::Punctuation:
      items.push_back(json::Object{{"type", "Punctuation"},
                                   {"behavior", behaviorName(s.behavior)}});
      break;
    case PreTokenizerStep::Metaspace:
      items.push_back(json::Object{{"type", "Metaspace"},
                                   {"replacement", s.replacement},
                                   {"prepend_scheme", schemeName(s.prepend_scheme)},
                                   {"split", s.split}});
      break;
    }
  }
  return sequenceOr(std::move(items), "pretokenizers");
}

json::Value decoderToJSON(const Pipeline &p) {
  json::Array items;
  for (const DecoderStep &s : p.decoders) {
    switch (s.kind) {
    case DecoderStep::ByteLevel:
      items.push_back(json::Object{{"type", "ByteLevel"},
                                   {"add_prefix_space", true},
                                   {"trim_offsets", true},
                                   {"use_regex", true}});
      break;
    case DecoderStep::Replace:
      items.push_back(json::Object{{"type", "Replace"},
                                   {"pattern", pattern(s.pattern, false)},
                                   {"content", s.content}});
      break;
    case DecoderStep::ByteFallback:
      items.push_back(json::Object{{"type", "ByteFallback"}});
      break;
    case DecoderStep::Fuse:
      items.push_back(json::Object{{"type", "Fuse"}});
      break;
    case DecoderStep::Strip:
      items.push_back(json::Object{{"type", "Strip"},
                                   {"content", s.content},
                                   {"start", s.start},
                                   {"stop", s.stop}});
      break;
    case DecoderStep::Metaspace:
      items.push_back(json::Object{{"type", "Metaspace"},
                                   {"replacement", s.pattern.empty() ? std::string("\xE2\x96\x81") : s.pattern},
                                   {"prepend_scheme", schemeName(s.prepend_scheme)},
                                   {"split", true}});
      break;
    }
  }
  return sequenceOr(std::move(items), "decoders");
}

} // namespace tern::tok
