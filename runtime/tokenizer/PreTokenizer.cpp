//===- PreTokenizer.cpp - The LLaMA 3 split regex -------------------------===//
#include "runtime/tokenizer/PreTokenizer.h"

#include "runtime/tokenizer/Utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace tern::tok {

namespace {

const char kHfPattern[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Letters (\p{L}) and numbers (\p{N}) assigned in Unicode 15.0 to 17.0, which
// PCRE2 10.42 (Unicode 14.0) does not know. Found by testing every code point
// against Node 20.20's /^\p{L}$/u and /^\p{N}$/u (Unicode 17.0) and against
// PCRE2 10.42: these are all the differences (Node's classes are a superset).
// Harmless with a newer PCRE2 that already knows them.
const char kLettersSinceUnicode14[] =
    "\\x{88F}\\x{C5C}\\x{CDC}\\x{1C89}-\\x{1C8A}\\x{A7CB}-\\x{A7CF}\\x{A7D2}"
    "\\x{A7D4}\\x{A7DA}-\\x{A7DC}\\x{A7F1}\\x{105C0}-\\x{105F3}"
    "\\x{10940}-\\x{10959}\\x{10D4A}-\\x{10D65}\\x{10D6F}-\\x{10D85}"
    "\\x{10EC2}-\\x{10EC7}\\x{1123F}-\\x{11240}\\x{11380}-\\x{11389}"
    "\\x{1138B}\\x{1138E}\\x{11390}-\\x{113B5}\\x{113B7}\\x{113D1}\\x{113D3}"
    "\\x{11BC0}-\\x{11BE0}\\x{11DB0}-\\x{11DDB}\\x{11F02}"
    "\\x{11F04}-\\x{11F10}\\x{11F12}-\\x{11F33}\\x{1342F}"
    "\\x{13441}-\\x{13446}\\x{13460}-\\x{143FA}\\x{16100}-\\x{1611D}"
    "\\x{16D40}-\\x{16D6C}\\x{16EA0}-\\x{16EB8}\\x{16EBB}-\\x{16ED3}"
    "\\x{16FF2}-\\x{16FF3}\\x{187F8}-\\x{187FF}\\x{18CFF}"
    "\\x{18D09}-\\x{18D1E}\\x{18D80}-\\x{18DF2}\\x{1B132}\\x{1B155}"
    "\\x{1DF25}-\\x{1DF2A}\\x{1E030}-\\x{1E06D}\\x{1E4D0}-\\x{1E4EB}"
    "\\x{1E5D0}-\\x{1E5ED}\\x{1E5F0}\\x{1E6C0}-\\x{1E6DE}"
    "\\x{1E6E0}-\\x{1E6E2}\\x{1E6E4}-\\x{1E6E5}\\x{1E6E7}-\\x{1E6ED}"
    "\\x{1E6F0}-\\x{1E6F4}\\x{1E6FE}-\\x{1E6FF}\\x{2B739}-\\x{2B73F}"
    "\\x{2CEA2}-\\x{2CEAD}\\x{2EBF0}-\\x{2EE5D}\\x{31350}-\\x{33479}";
const char kNumbersSinceUnicode14[] =
    "\\x{10D40}-\\x{10D49}\\x{116D0}-\\x{116E3}\\x{11BF0}-\\x{11BF9}"
    "\\x{11DE0}-\\x{11DE9}\\x{11F50}-\\x{11F59}\\x{16130}-\\x{16139}"
    "\\x{16D70}-\\x{16D79}\\x{16FF4}-\\x{16FF6}\\x{1CCF0}-\\x{1CCF9}"
    "\\x{1D2C0}-\\x{1D2D3}\\x{1E4F0}-\\x{1E4F9}\\x{1E5F1}-\\x{1E5FA}";

// JavaScript's \s: WhiteSpace (TAB VT FF SP NBSP ZWNBSP and Zs) plus
// LineTerminator (LF CR LS PS).
const char kJsSpace[] = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
                        "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

std::string pcrePattern() {
  const std::string L = std::string("\\p{L}") + kLettersSinceUnicode14;
  const std::string N = std::string("\\p{N}") + kNumbersSinceUnicode14;
  const std::string S = kJsSpace;
  std::string p;
  p += "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";
  p += "|[^\\r\\n" + L + N + "]?[" + L + "]+";
  p += "|[" + N + "]{1,3}";
  p += "| ?[^" + S + L + N + "]+[\\r\\n]*";
  p += "|[" + S + "]*[\\r\\n]+";
  p += "|[" + S + "]+(?![^" + S + "])";
  p += "|[" + S + "]+";
  return p;
}

/// Per-thread match state: match data for the pattern, and a JIT stack big
/// enough for long whitespace runs.
struct MatchState {
  pcre2_match_data *md = nullptr;
  pcre2_match_context *mctx = nullptr;
  pcre2_jit_stack *stack = nullptr;
  const void *owner = nullptr;
  ~MatchState() {
    if (md)
      pcre2_match_data_free(md);
    if (mctx)
      pcre2_match_context_free(mctx);
    if (stack)
      pcre2_jit_stack_free(stack);
  }
};

} // namespace

PreTokenizer::PreTokenizer() {
  const std::string pattern = pcrePattern();
  int errcode = 0;
  PCRE2_SIZE erroff = 0;
  pcre2_code *code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
      PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &errcode, &erroff, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(errcode, msg, sizeof(msg));
    std::fprintf(stderr,
                 "tern tokenizer: PCRE2 cannot compile the LLaMA 3 pattern at "
                 "offset %zu: %s\n",
                 static_cast<size_t>(erroff), reinterpret_cast<char *>(msg));
    std::abort();
  }
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  code_ = code;
}

PreTokenizer::~PreTokenizer() {
  pcre2_code_free(static_cast<pcre2_code *>(code_));
}

const PreTokenizer &PreTokenizer::llama3() {
  static const PreTokenizer *instance = new PreTokenizer(); // never freed
  return *instance;
}

const char *PreTokenizer::hfPattern() { return kHfPattern; }

bool PreTokenizer::split(std::string_view text,
                         std::vector<std::string_view> *pieces) const {
  pieces->clear();
  if (!isValidUtf8(text))
    return false;
  auto *code = static_cast<pcre2_code *>(code_);
  thread_local std::unique_ptr<MatchState> state;
  if (!state || state->owner != this) {
    state = std::make_unique<MatchState>();
    state->owner = this;
    state->md = pcre2_match_data_create_from_pattern(code, nullptr);
    state->mctx = pcre2_match_context_create(nullptr);
    // The default match limit (10 million backtracking steps) is hit by one
    // match over ~10 MB of spaces, where `\s*[\r\n]+` backtracks the whole
    // run; every match of this pattern is linear in its length, so lift it.
    pcre2_set_match_limit(state->mctx, ~uint32_t(0));
    if (jit_) {
      state->stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
      if (state->stack)
        pcre2_jit_stack_assign(state->mctx, nullptr, state->stack);
    }
  }
  const auto *subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const size_t n = text.size();
  size_t offset = 0;
  while (offset < n) {
    int rc = pcre2_match(code, subject, n, offset, PCRE2_NO_UTF_CHECK,
                         state->md, state->mctx);
    if (rc == PCRE2_ERROR_NOMATCH) {
      pieces->push_back(text.substr(offset));
      break;
    }
    size_t start, end;
    if (rc < 0) {
      // A resource limit (JIT stack, heap, match limit): not seen for this
      // pattern even on 100 MB runs, but never crash: take one code point
      // as its own piece.
      uint32_t cp;
      start = offset;
      end = offset + decodeUtf8(text, offset, &cp);
    } else {
      const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(state->md);
      start = ov[0];
      end = ov[1];
      if (start < offset || end < start || end > n) { // defensive
        uint32_t cp;
        start = offset;
        end = offset + decodeUtf8(text, offset, &cp);
      }
    }
    if (start > offset)
      pieces->push_back(text.substr(offset, start - offset));
    if (end == start) { // every alternative consumes, but be safe
      uint32_t cp;
      end = start + decodeUtf8(text, start, &cp);
      pieces->push_back(text.substr(start, end - start));
    } else {
      pieces->push_back(text.substr(start, end - start));
    }
    offset = end;
  }
  return true;
}

} // namespace tern::tok
