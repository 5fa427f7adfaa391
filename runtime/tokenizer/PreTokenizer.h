//===- PreTokenizer.h - The LLaMA 3 split regex -----------------*- C++ -*-===//
//
// LLaMA 3's tokenizer.json splits text (between special tokens) with
//
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//    ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// ("Split", behavior "Isolated": matches and the text between them are both
// pieces), then BPE runs on each piece separately. tern matches it with PCRE2
// (UTF + UCP, JIT when available), written so that it means exactly what the
// JS reference tokenizer (@lenml/tokenizers, a transformers.js copy) runs:
//
//  * The case-insensitive group is spelled '([sS]|[tT]|[rR][eE]|...) as
//    transformers.js rewrites it: ASCII case only, so "'ſ" (U+017F, which
//    Unicode case-folds to 's') is not a contraction.
//  * \s and \S are JavaScript's: the 25 code points of WhiteSpace and
//    LineTerminator, which include U+FEFF but not U+0085 or U+180E (PCRE2's
//    \s differs on those three).
//  * \p{L} and \p{N} are PCRE2's tables plus the letters and numbers that
//    Unicode 15.0-17.0 added (Debian 12's PCRE2 10.42 knows Unicode 14 only;
//    V8 in Node 20 knows Unicode 17.0).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define TERN_RUNTIME_TOKENIZER_PRETOKENIZER_H

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
  ~PreTokenizer();

private:
  PreTokenizer();
  void *code_ = nullptr; ///< pcre2_code_8
  bool jit_ = false;
};

} // namespace tern::tok

#endif
