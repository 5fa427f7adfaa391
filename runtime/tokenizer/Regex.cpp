//===- Regex.cpp - tokenizer.json regexes with JavaScript semantics -------===//
#include "runtime/tokenizer/Regex.h"

#include "runtime/tokenizer/Utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <cstdio>

namespace tern::tok {

namespace {

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

/// transformers.js's createPattern() rewrites, in its order.
std::string jsPreRewrites(std::string_view js) {
  std::string s;
  for (size_t i = 0; i < js.size(); ++i) {
    if (js[i] == '\\' && i + 1 < js.size() &&
        (js[i + 1] == '#' || js[i + 1] == '&' || js[i + 1] == '~'))
      continue; // drop the backslash
    s += js[i];
  }
  static const char *const kMap[][2] = {
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)",
       "(?:'([sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))"},
      {" ?[^(\\s|[.,!?\xE2\x80\xA6\xE3\x80\x82\xEF\xBC\x8C\xE3\x80\x81\xE0\xA5"
       "\xA4\xDB\x94\xD8\x8C])]+",
       " ?[^\\s.,!?\xE2\x80\xA6\xE3\x80\x82\xEF\xBC\x8C\xE3\x80\x81\xE0\xA5\xA4"
       "\xDB\x94\xD8\x8C]+"},
  };
  for (const auto &kv : kMap) {
    const std::string from = kv[0], to = kv[1];
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos;
         at += to.size())
      s.replace(at, from.size(), to);
  }
  return s;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Reads `n` hex digits at s[i]; -1 if they are not there.
long readHex(std::string_view s, size_t i, size_t n) {
  if (i + n > s.size())
    return -1;
  long v = 0;
  for (size_t k = 0; k < n; ++k) {
    int h = hexValue(s[i + k]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  return v;
}

std::string hexEscape(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\\x{%X}", cp);
  return buf;
}

/// The inside of a class for Unicode property `name` ("L", "Script=Han").
std::string propertyClass(std::string name) {
  if (size_t eq = name.find('='); eq != std::string::npos)
    name = name.substr(eq + 1); // gc=L, Script=Han, sc=Han
  static const char *const kLong[][2] = {
      {"Letter", "L"},      {"Number", "N"},    {"Punctuation", "P"},
      {"Symbol", "S"},      {"Mark", "M"},      {"Separator", "Z"},
      {"Other", "C"},       {"Lowercase_Letter", "Ll"},
      {"Uppercase_Letter", "Lu"}, {"Decimal_Number", "Nd"}};
  for (const auto &kv : kLong)
    if (name == kv[0])
      name = kv[1];
  std::string out = "\\p{" + name + "}";
  if (name == "L")
    out += kLettersSinceUnicode14;
  else if (name == "N")
    out += kNumbersSinceUnicode14;
  return out;
}

} // namespace

bool translateJsRegex(std::string_view jsIn, std::string *pcre,
                      std::string *err) {
  const std::string js = jsPreRewrites(jsIn);
  auto fail = [&](const std::string &what) {
    *err = "regex \"" + escapeForDisplay(jsIn, 60) + "\": " + what;
    return false;
  };
  std::string out;
  bool inClass = false;
  for (size_t i = 0; i < js.size();) {
    char c = js[i];
    if (c == '\\') {
      if (i + 1 >= js.size())
        return fail("ends with a lone backslash");
      char e = js[i + 1];
      if (e == 's') {
        out += inClass ? std::string(kJsSpace) : "[" + std::string(kJsSpace) + "]";
        i += 2;
      } else if (e == 'S') {
        if (inClass)
          return fail("\\S inside [...] is not supported");
        out += "[^" + std::string(kJsSpace) + "]";
        i += 2;
      } else if ((e == 'p' || e == 'P') && i + 2 < js.size() &&
                 js[i + 2] == '{') {
        size_t close = js.find('}', i + 3);
        if (close == std::string::npos)
          return fail("unterminated \\p{");
        std::string cls = propertyClass(js.substr(i + 3, close - i - 3));
        if (e == 'P') {
          if (inClass)
            return fail("\\P{...} inside [...] is not supported");
          out += "[^" + cls + "]";
        } else {
          out += inClass ? cls : "[" + cls + "]";
        }
        i = close + 1;
      } else if (e == 'u') {
        long cp;
        size_t len;
        if (i + 2 < js.size() && js[i + 2] == '{') {
          size_t close = js.find('}', i + 3);
          if (close == std::string::npos || close == i + 3 || close - i - 3 > 6)
            return fail("bad \\u{...} escape");
          cp = readHex(js, i + 3, close - i - 3);
          len = close + 1 - i;
        } else {
          cp = readHex(js, i + 2, 4);
          len = 6;
          long lo;
          if (cp >= 0xD800 && cp < 0xDC00 && js.compare(i + 6, 2, "\\u") == 0 &&
              (lo = readHex(js, i + 8, 4)) >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            len = 12;
          }
        }
        if (cp < 0 || cp > 0x10FFFF)
          return fail("bad \\u escape");
        out += hexEscape(static_cast<uint32_t>(cp));
        i += len;
      } else if (e == 'v') {
        out += "\\x{0B}";
        i += 2;
      } else if (e == '0' && !(i + 2 < js.size() && js[i + 2] >= '0' &&
                               js[i + 2] <= '9')) {
        out += "\\x{00}";
        i += 2;
      } else {
        // \d \w \b \n \t \xHH \cX \1 and escaped punctuation mean the same
        // in PCRE2 without UCP. Copy the escaped code point whole.
        uint32_t cp;
        size_t n = decodeUtf8(js, i + 1, &cp);
        out.append(js, i, 1 + n);
        i += 1 + n;
      }
      continue;
    }
    if (!inClass) {
      if (c == '[') {
        if (js.compare(i, 2, "[]") == 0) { // JS: the empty class
          out += "(?!)";
          i += 2;
          continue;
        }
        if (js.compare(i, 3, "[^]") == 0) { // JS: any code point
          out += "(?s:.)";
          i += 3;
          continue;
        }
        inClass = true;
        out += '[';
        ++i;
        if (i < js.size() && js[i] == '^') {
          out += '^';
          ++i;
        }
        continue;
      }
      if (c == '.') {
        out += "[^\\n\\r\\x{2028}\\x{2029}]";
        ++i;
        continue;
      }
    } else {
      if (c == ']') {
        inClass = false;
      } else if (c == '[') { // literal in a JS class; PCRE2 reads "[:" etc.
        out += "\\[";
        ++i;
        continue;
      }
    }
    uint32_t cp;
    size_t n = decodeUtf8(js, i, &cp);
    out.append(js, i, n);
    i += n;
  }
  if (inClass)
    return fail("unterminated [...]");
  *pcre = std::move(out);
  return true;
}

namespace {

/// Per-thread match state shared by every Regex: match data with room for
/// any pattern's overall match, and a JIT stack big enough for long runs.
struct MatchState {
  pcre2_match_data *md = nullptr;
  pcre2_match_context *mctx = nullptr;
  pcre2_jit_stack *stack = nullptr;
  MatchState() {
    md = pcre2_match_data_create(1, nullptr);
    mctx = pcre2_match_context_create(nullptr);
    // The default match limit (10 million backtracking steps) is hit by one
    // match over ~10 MB of spaces, where `\s*[\r\n]+` backtracks the whole
    // run; the pre-tokenizer patterns are linear per match, so lift it.
    pcre2_set_match_limit(mctx, ~uint32_t(0));
    stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
    if (stack)
      pcre2_jit_stack_assign(mctx, nullptr, stack);
  }
  ~MatchState() {
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
    if (stack)
      pcre2_jit_stack_free(stack);
  }
};

} // namespace

bool Regex::compile(std::string_view js, std::shared_ptr<const Regex> *out,
                    std::string *err) {
  std::string pcre;
  if (!translateJsRegex(js, &pcre, err))
    return false;
  if (!compilePcre(pcre, out, err)) {
    *err = "regex \"" + escapeForDisplay(js, 60) + "\": " + *err;
    return false;
  }
  return true;
}

bool Regex::compilePcre(const std::string &pattern,
                        std::shared_ptr<const Regex> *out, std::string *err) {
  int errcode = 0;
  PCRE2_SIZE erroff = 0;
  pcre2_code *code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
      PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff,
      nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(errcode, msg, sizeof(msg));
    *err = "PCRE2 cannot compile it (at offset " + std::to_string(erroff) +
           " of the translation): " + reinterpret_cast<char *>(msg);
    return false;
  }
  std::shared_ptr<Regex> r(new Regex());
  r->jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  r->code_ = code;
  *out = std::move(r);
  return true;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code *>(code_)); }

void Regex::findAll(std::string_view text,
                    std::vector<std::pair<size_t, size_t>> *out) const {
  out->clear();
  thread_local MatchState state;
  auto *code = static_cast<pcre2_code *>(code_);
  const auto *subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const size_t n = text.size();
  size_t offset = 0;
  while (offset <= n) {
    int rc = pcre2_match(code, subject, n, offset, PCRE2_NO_UTF_CHECK,
                         state.md, state.mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
      break;
    uint32_t cp;
    if (rc < 0) {
      // A resource limit (JIT stack, heap): not seen for tokenizer patterns
      // even on 100 MB runs, but never crash: skip one code point.
      if (offset >= n)
        break;
      offset += decodeUtf8(text, offset, &cp);
      continue;
    }
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(state.md);
    size_t start = ov[0], end = ov[1];
    if (start < offset || end < start || end > n) // defensive
      break;
    if (end > start)
      out->emplace_back(start, end);
    if (end == start) { // JS: lastIndex moves one code point on
      if (end >= n)
        break;
      offset = end + decodeUtf8(text, end, &cp);
    } else {
      offset = end;
    }
  }
}

} // namespace tern::tok
