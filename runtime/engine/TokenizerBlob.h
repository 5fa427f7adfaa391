//===- TokenizerBlob.h - the tokenizer inside a .tpack ----------*- C++ -*-===//
//
// A compiled model carries its tokenizer as one binary blob, little-endian,
// every count and length checked on reading:
//
//   "TERNTOK2"                                         8 bytes
//   u32 n_tokens, n_merges, n_token_types, n_special_ids
//   i32 bos, eos, eot
//   u32 ignore_merges (0 or 1)
//   n_tokens  x { u32 len, len bytes }                 token texts
//   n_merges  x { u32 len, bytes, u32 len, bytes }     merges in rank order
//   n_token_types x i32
//   n_special_ids x i32
//   i32 unk; u32 model (0 BPE, 1 SPM), byte_fallback, fuse_unk,
//   chat_template (ChatTemplateKind); u32 n_scores, n_scores x f32 bits
//   u32 n x normalizer { u32 kind, str pattern, u32 regex, str content,
//                        u32 left, u32 right }
//   u32 n x pre-tokenizer { u32 kind, str pattern, u32 regex, u32 behavior,
//                           u32 invert, add_prefix_space, use_regex,
//                           individual_digits, str replacement,
//                           u32 prepend_scheme, u32 split }
//   u32 n x decoder { u32 kind, str pattern, str content, i32 start,
//                     i32 stop, u32 prepend_scheme }
//
// and nothing after (str = u32 length + bytes). A "TERNTOK1" blob (tern
// before the pipeline) has nothing after the special ids and means LLaMA 3's
// pipeline and the BitNet chat format. Parsing checks only the structure; Tokenizer::fromData
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

/// "TERNTOK2" (what serializeTokenizer writes; "TERNTOK1" is read too)
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
