//===- PreTokenizer.h - The LLaMA 3 split regex -----------------*- C++ -*-===//
//
// LLaMA 3's tokenizer.json splits text (between special tokens) with
//
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//    ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// ("Split", behavior "Isolated": matches and the text between them are both
// pieces), then BPE runs on each piece separately. The regex is compiled by
// Regex.h, with the semantics of the JS reference tokenizer (transformers.js):
// its ASCII-case contraction group, JavaScript's \s, and \p{L} / \p{N} of
// Unicode 17. This is the fixed LLaMA 3 split; any other tokenizer.json
// pipeline runs through Splitter.h.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define TERN_RUNTIME_TOKENIZER_PRETOKENIZER_H

#include "runtime/tokenizer/Regex.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tern::tok {

class PreTokenizer {
public:
  /// The LLaMA 3 pre-tokenizer, compiled once (thread-safe). Aborts with a
  /// message if PCRE2 cannot compile the fixed pattern (a build problem).
  static const PreTokenizer &llama3();

  /// The split regex exactly as it appears in LLaMA 3's tokenizer.json.
  static const char *hfPattern();

  /// Splits `text` into consecutive non-empty pieces covering all of it
  /// (views into `text`). Returns false, with no pieces, when `text` is not
  /// valid UTF-8 (run sanitizeUtf8 first). Thread-safe.
  bool split(std::string_view text, std::vector<std::string_view> *pieces) const;

  PreTokenizer(const PreTokenizer &) = delete;
  PreTokenizer &operator=(const PreTokenizer &) = delete;

private:
  PreTokenizer();
  std::shared_ptr<const Regex> regex_;
};

} // namespace tern::tok

#endif
