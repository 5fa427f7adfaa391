//===- TokenizerBlob.h - the tokenizer inside a .tpack ----------*- C++ -*-===//
//
// A compiled model carries its tokenizer as one binary blob, little-endian,
// every count and length checked on reading:
//
//   "TERNTOK1"                                         8 bytes
//   u32 n_tokens, n_merges, n_token_types, n_special_ids
//   i32 bos, eos, eot
//   u32 ignore_merges (0 or 1)
//   n_tokens  x { u32 len, len bytes }                 token texts
//   n_merges  x { u32 len, bytes, u32 len, bytes }     merges in rank order
//   n_token_types x i32
//   n_special_ids x i32
//
// and nothing after. Parsing checks only the structure; Tokenizer::fromData
// validates the contents.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_ENGINE_TOKENIZERBLOB_H
#define TERN_RUNTIME_ENGINE_TOKENIZERBLOB_H

#include "runtime/tokenizer/Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::rt {

/// "TERNTOK1"
extern const char kTokenizerBlobMagic[8];

/// Replaces *out with the blob of `data`. Fails (with *err when given) only
/// when a count or a string does not fit in 32 bits.
bool serializeTokenizer(const tern::tok::TokenizerData &data, std::string *out,
                        std::string *err = nullptr);

/// Parses a whole blob. On failure returns false with a message (no file
/// name: the caller prefixes it) and leaves *out unspecified.
bool parseTokenizerBlob(const uint8_t *bytes, size_t size,
                        tern::tok::TokenizerData *out, std::string *err);

/// True when `bytes` starts with the blob magic (a cheap load-time check).
bool looksLikeTokenizerBlob(const uint8_t *bytes, size_t size);

} // namespace tern::rt

#endif
