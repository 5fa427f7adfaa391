//===- Regex.h - tokenizer.json regexes with JavaScript semantics -*- C++ -*-===//
//
// A tokenizer.json regex (a Split pre-tokenizer's or a Replace normalizer's
// "Regex" pattern) compiled with PCRE2 so that it matches what the JS
// reference tokenizer (transformers.js, which builds `new RegExp(p, "gu")`)
// matches:
//
//  * transformers.js's own rewrites first: `\#`, `\&`, `\~` lose their
//    backslash, and `(?i:'s|'t|...)` becomes the ASCII-case group it uses.
//  * \s and \S are JavaScript's (25 code points, U+FEFF included, U+0085
//    not); `.` excludes JavaScript's four line terminators; \d \w \b are
//    ASCII (PCRE2 without UCP, as JS with /u); `$` is the end of the subject
//    only; \v is U+000B; \uXXXX and \u{X} are code points.
//  * \p{L} and \p{N} also take the letters and numbers of Unicode 15.0-17.0,
//    which Debian 12's PCRE2 10.42 (Unicode 14) lacks and Node 20 knows.
//
// What PCRE2 cannot express this way (\S or \P{..} inside a class) is an
// error at compile time, naming the pattern, never a silent difference.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_REGEX_H
#define TERN_RUNTIME_TOKENIZER_REGEX_H

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::tok {

/// The PCRE2 pattern for the tokenizer.json regex `js`, or false with *err.
bool translateJsRegex(std::string_view js, std::string *pcre, std::string *err);

class Regex {
public:
  /// Compiles the tokenizer.json regex `js` (translated as above).
  static bool compile(std::string_view js, std::shared_ptr<const Regex> *out,
                      std::string *err);
  /// Compiles a pattern already in PCRE2 syntax (UTF, no UCP).
  static bool compilePcre(const std::string &pcre,
                          std::shared_ptr<const Regex> *out, std::string *err);

  /// All matches left to right as JS's matchAll with /gu: [start, end) byte
  /// offsets into `text` (valid UTF-8); after an empty match the search goes
  /// on one code point later. Thread-safe.
  void findAll(std::string_view text,
               std::vector<std::pair<size_t, size_t>> *out) const;

  ~Regex();
  Regex(const Regex &) = delete;
  Regex &operator=(const Regex &) = delete;

private:
  Regex() = default;
  void *code_ = nullptr; ///< pcre2_code_8
  bool jit_ = false;
};

} // namespace tern::tok

#endif
