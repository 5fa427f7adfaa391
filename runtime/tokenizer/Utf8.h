//===- Utf8.h - UTF-8 validation and WHATWG replacement ---------*- C++ -*-===//
//
// The tokenizer works on valid UTF-8 only. Arbitrary bytes are first decoded
// the way the WHATWG Encoding Standard's UTF-8 decoder does it (what Node's
// Buffer.toString('utf8') and TextDecoder do, and what the JS reference
// tokenizer therefore sees): every maximal subpart of an ill-formed sequence
// becomes one U+FFFD. Examples:
//   C0 80        -> FFFD FFFD      (C0 can never start a sequence)
//   E0 80 80     -> FFFD FFFD FFFD (E0 needs A0..BF next: overlong)
//   ED A0 80     -> FFFD FFFD FFFD (a UTF-16 surrogate encoded in UTF-8)
//   F0 9F 98 41  -> FFFD 41        (a truncated 4-byte sequence is one FFFD)
//   F5..FF       -> FFFD each
// A leading byte order mark is kept (Buffer.toString keeps it).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_UTF8_H
#define TERN_RUNTIME_TOKENIZER_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::tok {

/// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, no
/// code points above U+10FFFF).
bool isValidUtf8(std::string_view bytes);

/// `bytes` with every maximal ill-formed subpart replaced by U+FFFD (EF BF BD).
/// Valid input is returned unchanged.
std::string sanitizeUtf8(std::string_view bytes);

/// Appends the UTF-8 encoding of `cp` (which must be a scalar value).
void appendUtf8(uint32_t cp, std::string *out);

/// Decodes the code point starting at `s[i]` and returns its length in bytes
/// (1..4). On ill-formed input sets *cp to U+FFFD and returns the length of
/// the maximal ill-formed subpart (at least 1); never reads past the end.
size_t decodeUtf8(std::string_view s, size_t i, uint32_t *cp);

/// `bytes` made printable on one line for messages and --show-pieces:
/// backslash, control characters (\n \r \t, \xNN, C1 as \u{85}), U+2028 and
/// U+2029 are escaped, and each byte of an ill-formed sequence is shown as
/// \xNN; other characters are kept. After `maxChars` characters "..." ends
/// the text.
std::string escapeForDisplay(std::string_view bytes, size_t maxChars = 200);

} // namespace tern::tok

#endif
