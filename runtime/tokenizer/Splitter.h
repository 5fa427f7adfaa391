//===- Splitter.h - A tokenizer's pre-tokenizers, ready to run --*- C++ -*-===//
//
// The pre-tokenizer steps of a Pipeline compiled once and applied to one
// normalized section: it becomes the pieces BPE runs on separately. Pieces
// come back as raw bytes: after a ByteLevel step, later steps see the text in
// byte-level form (as in HF), and the pieces are mapped back at the end.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_SPLITTER_H
#define TERN_RUNTIME_TOKENIZER_SPLITTER_H

#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Regex.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tern::tok {

class Splitter {
public:
  /// Fails with *err naming the step (an empty pattern, a bad regex).
  static bool compile(const std::vector<PreTokenizerStep> &steps,
                      Splitter *out, std::string *err);
  /// `section` is valid UTF-8; `sectionIndex` counts the sections and added
  /// tokens before it (Metaspace's "first" scheme). Pieces are non-empty.
  void split(const std::string &section, size_t sectionIndex,
             std::vector<std::string> *pieces) const;

private:
  struct Step {
    PreTokenizerStep step;
    std::shared_ptr<const Regex> regex;
  };
  std::vector<Step> steps_;
};

/// Cuts `text` at the matches (byte spans, in order) the way `behavior`
/// says; with `invert` the gaps are what was matched. Appends the non-empty
/// pieces to *out.
void splitByMatches(const std::string &text,
                    const std::vector<std::pair<size_t, size_t>> &matches,
                    SplitBehavior behavior, bool invert,
                    std::vector<std::string> *out);

} // namespace tern::tok

#endif
