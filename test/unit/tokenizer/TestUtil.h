//===- TestUtil.h - Shared helpers for the tokenizer tests ------*- C++ -*-===//
#ifndef TERN_TEST_UNIT_TOKENIZER_TESTUTIL_H
#define TERN_TEST_UNIT_TOKENIZER_TESTUTIL_H

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace tern::tok::testing {

/// 256 byte tokens, id == byte value, as byte-level text.
inline TokenizerData byteVocabulary() {
  TokenizerData d;
  for (int b = 0; b < 256; ++b)
    d.tokens.push_back(bytesToByteLevel(std::string(1, static_cast<char>(b))));
  return d;
}

/// Adds a regular token (byte-level form of `raw`) and returns its id.
inline int32_t addToken(TokenizerData *d, const std::string &raw) {
  d->tokens.push_back(bytesToByteLevel(raw));
  return static_cast<int32_t>(d->tokens.size() - 1);
}

/// Adds a merge of two raw-byte strings.
inline void addMerge(TokenizerData *d, const std::string &a,
                     const std::string &b) {
  d->merges.emplace_back(bytesToByteLevel(a), bytesToByteLevel(b));
}

/// Adds a special token; returns its id.
inline int32_t addSpecial(TokenizerData *d, const std::string &text,
                          bool control = true) {
  d->tokens.push_back(text);
  int32_t id = static_cast<int32_t>(d->tokens.size() - 1);
  d->special_ids.push_back(id);
  if (!control) {
    d->token_types.resize(d->tokens.size(), kTokenNormal);
    d->token_types[id] = kTokenUserDefined;
  }
  return id;
}

/// A fresh path in the test's temporary directory.
inline std::string tempPath(const std::string &name) {
  const char *dir = std::getenv("TEST_TMPDIR");
  std::string base = dir ? dir : "/tmp";
  return base + "/tern-tok-" + std::to_string(::getpid()) + "-" + name;
}

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

inline bool readFile(const std::string &path, std::string *out) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return false;
  std::ostringstream s;
  s << f.rdbuf();
  *out = s.str();
  return true;
}

/// Byte-value ids of the raw bytes of `s` (valid with byteVocabulary()).
inline std::vector<int32_t> byteIds(const std::string &s) {
  std::vector<int32_t> ids;
  for (char c : s)
    ids.push_back(static_cast<unsigned char>(c));
  return ids;
}

} // namespace tern::tok::testing

#endif
