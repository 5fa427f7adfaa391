//===- Normalizer.h - A tokenizer's normalizers, ready to run ---*- C++ -*-===//
//
// The normalizer steps of a Pipeline compiled once (regexes, Unicode forms
// through Debian's utf8proc) and applied to each section of text between
// added tokens, as HF tokenizers and transformers.js do.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_NORMALIZER_H
#define TERN_RUNTIME_TOKENIZER_NORMALIZER_H

#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Regex.h"

#include <memory>
#include <string>
#include <vector>

namespace tern::tok {

class Normalizer {
public:
  /// Fails with *err naming the step (an empty pattern, a bad regex).
  static bool compile(const std::vector<NormalizerStep> &steps,
                      Normalizer *out, std::string *err);
  bool empty() const { return steps_.empty(); }
  /// `text` is valid UTF-8 and stays so.
  void apply(std::string *text) const;

private:
  struct Step {
    NormalizerStep step;
    std::shared_ptr<const Regex> regex;
  };
  std::vector<Step> steps_;
};

/// Unicode normalization (utf8proc). `form` is NFC, NFD, NFKC or NFKD; valid
/// UTF-8 in and out.
std::string unicodeNormalize(const std::string &text, NormalizerStep::Kind form);

/// Whether `cp` is JavaScript white space (\s, what String.trim removes).
bool isJsSpace(uint32_t cp);

/// Every non-overlapping `needle` in `text` replaced by `with`.
void replaceAll(std::string *text, const std::string &needle,
                const std::string &with);

} // namespace tern::tok

#endif
